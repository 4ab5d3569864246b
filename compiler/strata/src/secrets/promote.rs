//! Chart objects that carry a secret chart value outside a Secret, made into Secrets.
//!
//! Upstream charts put credentials where a Secret belongs but is not used: openstack-helm's
//! rabbitmq passes the Erlang cookie as a plain environment variable, mariadb writes the SST
//! password into its `mariadb-etc` ConfigMap, rabbitmq's cluster-wait Job the admin URL into
//! an environment variable. A chart value cannot turn these off, and an overlay would come
//! too late (the plaintext would already have been rendered). So, before the chart's Secrets
//! are resolved ([`super::chart::resolve`]), for the placeholders in their plain or
//! `urlquery` form:
//!
//! * an environment variable of a container whose `value` holds a placeholder reads it from
//!   the Secret `<service>-strata-env` instead (`valueFrom.secretKeyRef`, key = the variable's
//!   name, or `<NAME>-2`, … when variables of one name hold different values). That Secret is
//!   made here with the value, placeholders and all, and is then provided like any chart
//!   Secret: an ExternalSecret templating the value, or the site's SOPS file of that name;
//! * a v1 ConfigMap whose `data` holds a placeholder becomes a v1 Secret of the same name
//!   (provided the same way), and every reference to it in the same service's objects follows
//!   (and, through [`follow`], in the site's other services' objects of its namespace):
//!   a `configMap` volume becomes a `secret` volume, a projected `configMap` source a `secret`
//!   source, `envFrom.configMapRef` a `secretRef`, `valueFrom.configMapKeyRef` a
//!   `secretKeyRef`.
//!
//! Every change is recorded on the object's provenance (`secret_changes`) and listed in
//! `_meta/<service>.json`. Forms that cannot be mapped back (base64, a hash, a changed case)
//! and placeholders elsewhere (an annotation, a command line) stay errors.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::chart::Tokens;
use crate::render::Object;
use strata_validate::object_label;

/// The suffix of the Secret that holds a service's environment values with secret chart
/// values in them.
pub const ENV_SECRET_SUFFIX: &str = "-strata-env";

fn is_v1(v: &Value, kind: &str) -> bool {
    v.get("apiVersion").and_then(Value::as_str) == Some("v1")
        && v.get("kind").and_then(Value::as_str) == Some(kind)
}

fn namespace_of<'a>(v: &'a Value, default: &'a str) -> &'a str {
    v.pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or(default)
}

fn name_of(v: &Value) -> &str {
    v.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The chart values (as `describe` words them) whose placeholders `texts` hold; `None` when
/// they hold none, or also hold one in a form that cannot be mapped back (base64, a hash, a
/// changed case): moved into a Secret's template, that form would reach the Secret as it is,
/// so the object stays where it is and the placeholder check reports it.
fn values_in(tokens: &Tokens, texts: &[&str]) -> Option<String> {
    let found: BTreeSet<(String, String)> = texts.iter().flat_map(|t| tokens.plain(t)).collect();
    if found.is_empty() || texts.iter().any(|t| tokens.opaque_in(t).is_some()) {
        return None;
    }
    Some(
        found
            .iter()
            .map(|(s, k)| tokens.describe(s, k))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// The Secret that replaces ConfigMap `cm`: same metadata, `data` base64-encoded (its
/// `binaryData` already is), `immutable` kept.
fn configmap_to_secret(cm: &Value) -> Value {
    let mut data = Map::new();
    if let Some(m) = cm.get("data").and_then(Value::as_object) {
        for (k, v) in m {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            data.insert(
                k.clone(),
                json!(base64::engine::general_purpose::STANDARD.encode(text)),
            );
        }
    }
    if let Some(m) = cm.get("binaryData").and_then(Value::as_object) {
        for (k, v) in m {
            data.insert(k.clone(), v.clone());
        }
    }
    let mut s = Map::new();
    s.insert("apiVersion".into(), json!("v1"));
    s.insert("kind".into(), json!("Secret"));
    if let Some(meta) = cm.get("metadata") {
        s.insert("metadata".into(), meta.clone());
    }
    if let Some(i) = cm.get("immutable") {
        s.insert("immutable".into(), i.clone());
    }
    s.insert("type".into(), json!("Opaque"));
    s.insert("data".into(), Value::Object(data));
    Value::Object(s)
}

/// A Secret key for an environment variable's name (letters, digits, `-`, `_`, `.`).
fn env_key(name: &str) -> String {
    let k: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if k.is_empty() {
        "value".into()
    } else {
        k
    }
}

/// The environment values of one namespace that move to `<service>-strata-env`.
#[derive(Default)]
struct EnvSecret {
    /// Key → value (with placeholders).
    keys: BTreeMap<String, String>,
    /// The object whose provenance the Secret takes (the first that needed it).
    first: Option<usize>,
}

impl EnvSecret {
    /// The key for variable `name` holding `value`: the name itself, or `<name>-N` when the
    /// name is taken by another value.
    fn key_for(&mut self, name: &str, value: &str) -> String {
        let base = env_key(name);
        let mut key = base.clone();
        let mut n = 1;
        loop {
            match self.keys.get(&key) {
                Some(v) if v == value => return key,
                None => {
                    self.keys.insert(key.clone(), value.to_string());
                    return key;
                }
                Some(_) => {
                    n += 1;
                    key = format!("{base}-{n}");
                }
            }
        }
    }
}

/// The ConfigMaps [`promote`] made Secrets: (namespace, name).
pub type Promoted = BTreeSet<(String, String)>;

/// Rewrites `objects` of service `service` as the module doc says; returns them with the
/// Secrets it made (after the objects they come from), and the ConfigMaps it made Secrets
/// (whose references in other services' objects [`follow`] rewrites).
pub fn promote(
    service: &str,
    mut objects: Vec<Object>,
    tokens: &Tokens,
    default_namespace: &str,
) -> (Vec<Object>, Promoted) {
    if tokens.is_empty() {
        return (objects, Promoted::new());
    }
    // ConfigMaps first: the references to them are rewritten below.
    let mut promoted = Promoted::new();
    for o in &mut objects {
        if !is_v1(&o.value, "ConfigMap") {
            continue;
        }
        let texts: Vec<&str> = o
            .value
            .get("data")
            .and_then(Value::as_object)
            .map(|m| m.values().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(values) = values_in(tokens, &texts) else {
            continue;
        };
        let label = object_label(&o.value);
        let ns = namespace_of(&o.value, default_namespace).to_string();
        let name = name_of(&o.value).to_string();
        o.value = configmap_to_secret(&o.value);
        o.provenance.secret_changes.push(format!(
            "{label} holds the secret chart value {values}: made a Secret of the same name, which the site's secret backend provides; the pods of `{service}` that read it read the Secret"
        ));
        promoted.insert((ns, name));
    }
    let env_name = format!("{service}{ENV_SECRET_SUFFIX}");
    let mut env: BTreeMap<String, EnvSecret> = BTreeMap::new();
    for (i, o) in objects.iter_mut().enumerate() {
        let ns = namespace_of(&o.value, default_namespace).to_string();
        let label = object_label(&o.value);
        let here: BTreeSet<&str> = promoted
            .iter()
            .filter(|(n, _)| *n == ns)
            .map(|(_, name)| name.as_str())
            .collect();
        let mut changes = Vec::new();
        let e = env.entry(ns.clone()).or_default();
        let mut ctx = Rewrite {
            promoted: &here,
            tokens,
            env: e,
            env_name: &env_name,
            changes: &mut changes,
            moved: false,
        };
        rewrite(&mut o.value, None, &mut ctx);
        if ctx.moved {
            e.first.get_or_insert(i);
        }
        for c in changes {
            o.provenance.secret_changes.push(format!("{label}: {c}"));
        }
    }
    for (ns, e) in env {
        let Some(first) = e.first.and_then(|i| objects.get(i)) else {
            continue;
        };
        let mut provenance = first.provenance.clone();
        provenance.secret_changes = vec![format!(
            "Secret {ns}/{env_name}: made by Strata for the environment values of `{service}` that hold secret chart values ({})",
            e.keys.keys().cloned().collect::<Vec<_>>().join(", ")
        )];
        let value = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": env_name, "namespace": ns},
            "type": "Opaque",
            "stringData": e.keys,
        });
        objects.push(Object {
            value,
            service: service.to_string(),
            provenance,
        });
    }
    (objects, promoted)
}

/// Rewrites, in the objects of every other service of a site, the references to the
/// ConfigMaps a chart service made Secrets (`promoted`: (namespace, name) → that service), as
/// [`promote`] does in the service's own objects: a pod of another service that mounts the
/// ConfigMap would otherwise find none.
pub fn follow(
    objects: &mut [Object],
    promoted: &BTreeMap<(String, String), String>,
    default_namespace: &str,
) {
    if promoted.is_empty() {
        return;
    }
    for o in objects {
        let ns = namespace_of(&o.value, default_namespace).to_string();
        let here: BTreeSet<&str> = promoted
            .iter()
            .filter(|((n, _), by)| *n == ns && **by != o.service)
            .map(|((_, name), _)| name.as_str())
            .collect();
        if here.is_empty() {
            continue;
        }
        let mut changes = Vec::new();
        follow_refs(&mut o.value, None, &here, &mut changes);
        let label = object_label(&o.value);
        for c in changes {
            o.provenance.secret_changes.push(format!("{label}: {c}"));
        }
    }
}

/// [`rewrite_refs`] on every map below `v`.
fn follow_refs(
    v: &mut Value,
    parent: Option<&str>,
    promoted: &BTreeSet<&str>,
    changes: &mut Vec<String>,
) {
    match v {
        Value::Object(m) => {
            rewrite_refs(m, parent, promoted, changes);
            for (k, child) in m.iter_mut() {
                follow_refs(child, Some(k), promoted, changes);
            }
        }
        Value::Array(items) => {
            for child in items {
                follow_refs(child, parent, promoted, changes);
            }
        }
        _ => {}
    }
}

/// What [`rewrite`] works with, for one object.
struct Rewrite<'a> {
    /// The promoted ConfigMaps of the object's namespace.
    promoted: &'a BTreeSet<&'a str>,
    tokens: &'a Tokens,
    /// The environment Secret of the object's namespace.
    env: &'a mut EnvSecret,
    env_name: &'a str,
    /// What was changed, one sentence each.
    changes: &'a mut Vec<String>,
    /// Whether an environment value moved to the environment Secret.
    moved: bool,
}

/// Rewrites references to the promoted ConfigMaps and the environment values holding
/// placeholders below `v`. `parent` is the key `v` sits under.
fn rewrite(v: &mut Value, parent: Option<&str>, ctx: &mut Rewrite<'_>) {
    match v {
        Value::Object(m) => {
            if m.contains_key("image") {
                let container = m
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if let Some(Value::Array(items)) = m.get_mut("env") {
                    for item in items.iter_mut() {
                        let (Some(name), Some(value)) = (
                            item.get("name").and_then(Value::as_str),
                            item.get("value").and_then(Value::as_str),
                        ) else {
                            continue;
                        };
                        let Some(values) = values_in(ctx.tokens, &[value]) else {
                            continue;
                        };
                        let name = name.to_string();
                        let key = ctx.env.key_for(&name, value);
                        let env_name = ctx.env_name;
                        *item = json!({"name": name, "valueFrom": {"secretKeyRef": {"name": env_name, "key": key}}});
                        ctx.moved = true;
                        ctx.changes.push(format!(
                            "environment variable `{name}` of container `{container}` held the secret chart value {values}: read from Secret `{env_name}`, key `{key}`"
                        ));
                    }
                }
            }
            if !ctx.promoted.is_empty() {
                rewrite_refs(m, parent, ctx.promoted, ctx.changes);
            }
            for (k, child) in m.iter_mut() {
                rewrite(child, Some(k), ctx);
            }
        }
        Value::Array(items) => {
            for child in items {
                rewrite(child, parent, ctx);
            }
        }
        _ => {}
    }
}

/// Rewrites one map's reference to a promoted ConfigMap, if it is one: `m` is an item of a
/// `volumes`, `sources` (projected), `envFrom` or `env` list (`parent` names the list).
fn rewrite_refs(
    m: &mut Map<String, Value>,
    parent: Option<&str>,
    promoted: &BTreeSet<&str>,
    changes: &mut Vec<String>,
) {
    let refers = |r: Option<&Value>| {
        r.and_then(|r| r.get("name"))
            .and_then(Value::as_str)
            .filter(|n| promoted.contains(n))
            .map(str::to_string)
    };
    match parent {
        Some("volumes") | Some("sources") => {
            let Some(name) = refers(m.get("configMap")) else {
                return;
            };
            let volume = parent == Some("volumes");
            let mut out = Map::new();
            for (k, v) in std::mem::take(m) {
                if k != "configMap" {
                    out.insert(k, v);
                    continue;
                }
                let mut s = Map::new();
                for (ck, cv) in v.as_object().cloned().unwrap_or_default() {
                    // A secret volume names its Secret `secretName`; a projected source `name`.
                    let ck = if ck == "name" && volume {
                        "secretName".to_string()
                    } else {
                        ck
                    };
                    s.insert(ck, cv);
                }
                out.insert("secret".into(), Value::Object(s));
            }
            *m = out;
            changes.push(if volume {
                format!(
                    "volume `{}` mounts Secret `{name}` (was ConfigMap `{name}`)",
                    m.get("name").and_then(Value::as_str).unwrap_or_default()
                )
            } else {
                format!("projected volume source Secret `{name}` (was ConfigMap `{name}`)")
            });
        }
        Some("envFrom") => {
            let Some(name) = refers(m.get("configMapRef")) else {
                return;
            };
            rename_key(m, "configMapRef", "secretRef");
            changes.push(format!(
                "envFrom reads Secret `{name}` (was ConfigMap `{name}`)"
            ));
        }
        Some("env") => {
            let Some(from) = m.get_mut("valueFrom").and_then(Value::as_object_mut) else {
                return;
            };
            let Some(name) = refers(from.get("configMapKeyRef")) else {
                return;
            };
            rename_key(from, "configMapKeyRef", "secretKeyRef");
            changes.push(format!(
                "environment variable `{}` reads Secret `{name}` (was ConfigMap `{name}`)",
                m.get("name").and_then(Value::as_str).unwrap_or_default()
            ));
        }
        _ => {}
    }
}

/// Renames key `from` of `m` to `to`, in place (the order of keys kept).
fn rename_key(m: &mut Map<String, Value>, from: &str, to: &str) {
    let mut out = Map::new();
    for (k, v) in std::mem::take(m) {
        if k == from {
            out.insert(to.to_string(), v);
        } else {
            out.insert(k, v);
        }
    }
    *m = out;
}

/// Adds what this module changed to `_meta/<service>.json` (`chartSecrets.changed`, one
/// sentence per change, in object order), from the final objects' provenance.
pub fn annotate_meta(files: &mut BTreeMap<String, String>, finals: &[crate::emit::Final]) {
    let mut by_service: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in finals {
        let Some(p) = &f.provenance else { continue };
        if p.secret_changes.is_empty() {
            continue;
        }
        let service = f
            .folder
            .strip_suffix(crate::gitops::hooks::PRE_HOOKS_SUFFIX)
            .unwrap_or(&f.folder);
        by_service
            .entry(service)
            .or_default()
            .extend(p.secret_changes.iter().map(String::as_str));
    }
    for (svc, changes) in by_service {
        let path = format!("_meta/{svc}.json");
        let Some(text) = files.get(&path) else {
            continue;
        };
        let Ok(mut v) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        v["chartSecrets"] = json!({ "changed": changes });
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        files.insert(path, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;
    use crate::secrets::chart::{token, SecretValue, SecretValues};

    fn tokens() -> Tokens {
        let mut d = SecretValues::new();
        d.insert(
            "auth.password".into(),
            SecretValue {
                secret: "app-db".into(),
                key: "password".into(),
            },
        );
        Tokens::new(&d)
    }

    fn object(value: Value) -> Object {
        Object {
            value,
            service: "app".into(),
            provenance: crate::render::Provenance {
                template: Source::new("t.yaml", String::new()),
                rendered: std::sync::Arc::from(""),
                spans: Default::default(),
                lines: Default::default(),
                fixed: None,
                secret_changes: Vec::new(),
            },
        }
    }

    #[test]
    fn env_values_move_to_the_env_secret() {
        let t = token("app-db", "password");
        let q = t.replace('/', "%2F");
        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i", "env": [
                {"name": "PW", "value": t}, {"name": "URL", "value": format!("mysql://u:{q}@db")},
                {"name": "PLAIN", "value": "x"}]}]}}}});
        let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i", "env": [
                {"name": "PW", "value": format!("p={t}")}]}]}}}});
        let (out, _) = promote("app", vec![object(deploy), object(job)], &tokens(), "ns");
        assert_eq!(out.len(), 3);
        let env = &out[0].value["spec"]["template"]["spec"]["containers"][0]["env"];
        assert_eq!(
            env[0],
            json!({"name": "PW", "valueFrom": {"secretKeyRef": {"name": "app-strata-env", "key": "PW"}}})
        );
        assert_eq!(env[1]["valueFrom"]["secretKeyRef"]["key"], "URL");
        assert_eq!(env[2], json!({"name": "PLAIN", "value": "x"}));
        // The Job's PW holds another value: another key.
        assert_eq!(
            out[1].value["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]
                ["secretKeyRef"]["key"],
            "PW-2"
        );
        let secret = &out[2].value;
        assert_eq!(secret["kind"], "Secret");
        assert_eq!(secret["metadata"]["namespace"], "ns");
        assert_eq!(
            secret["stringData"],
            json!({"PW": t, "PW-2": format!("p={t}"), "URL": format!("mysql://u:{q}@db")})
        );
        assert_eq!(out[0].provenance.secret_changes.len(), 2);
    }

    #[test]
    fn configmaps_with_placeholders_become_secrets_and_references_follow() {
        let t = token("app-db", "password");
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "etc", "labels": {"a": "b"}},
            "data": {"app.conf": format!("password = {t}\n")}, "binaryData": {"b": "AAE="}});
        let other = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bin"}, "data": {"s": "x"}});
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
            "containers": [{"name": "c", "image": "i",
                "envFrom": [{"configMapRef": {"name": "etc"}, "prefix": "E_"}, {"configMapRef": {"name": "bin"}}],
                "env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "etc", "key": "app.conf", "optional": true}}}]}],
            "volumes": [
                {"name": "v", "configMap": {"name": "etc", "defaultMode": 292, "items": [{"key": "app.conf", "path": "a"}]}},
                {"name": "w", "configMap": {"name": "bin"}},
                {"name": "x", "projected": {"sources": [{"configMap": {"name": "etc"}}, {"configMap": {"name": "bin"}}]}}]}});
        let (out, promoted) = promote(
            "app",
            vec![object(cm), object(other), object(pod)],
            &tokens(),
            "ns",
        );
        assert_eq!(promoted.len(), 1);
        assert_eq!(out.len(), 3);
        let s = &out[0].value;
        assert_eq!(s["kind"], "Secret");
        assert_eq!(s["metadata"]["labels"], json!({"a": "b"}));
        let enc = base64::engine::general_purpose::STANDARD.encode(format!("password = {t}\n"));
        assert_eq!(s["data"], json!({"app.conf": enc, "b": "AAE="}));
        assert_eq!(out[1].value["kind"], "ConfigMap");
        let spec = &out[2].value["spec"];
        let c = &spec["containers"][0];
        assert_eq!(
            c["envFrom"],
            json!([{"secretRef": {"name": "etc"}, "prefix": "E_"}, {"configMapRef": {"name": "bin"}}])
        );
        assert_eq!(
            c["env"][0]["valueFrom"],
            json!({"secretKeyRef": {"name": "etc", "key": "app.conf", "optional": true}})
        );
        assert_eq!(
            spec["volumes"][0],
            json!({"name": "v", "secret": {"secretName": "etc", "defaultMode": 292, "items": [{"key": "app.conf", "path": "a"}]}})
        );
        assert_eq!(
            spec["volumes"][1],
            json!({"name": "w", "configMap": {"name": "bin"}})
        );
        assert_eq!(
            spec["volumes"][2]["projected"]["sources"],
            json!([{"secret": {"name": "etc"}}, {"configMap": {"name": "bin"}}])
        );
        assert_eq!(out[2].provenance.secret_changes.len(), 4);
    }

    #[test]
    fn unmappable_forms_and_other_namespaces_are_left_alone() {
        let t = token("app-db", "password");
        let b64 = base64::engine::general_purpose::STANDARD.encode(&t);
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "etc"},
            "data": {"a": format!("password = {t}"), "b": b64}});
        let (out, _) = promote("app", vec![object(cm.clone())], &tokens(), "ns");
        assert_eq!(out[0].value, cm);
        // A reference from another namespace is not to the promoted ConfigMap.
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "etc", "namespace": "a"},
            "data": {"a": format!("password = {t}")}});
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "b"},
            "spec": {"containers": [], "volumes": [{"name": "v", "configMap": {"name": "etc"}}]}});
        let (out, _) = promote(
            "app",
            vec![object(cm), object(pod.clone())],
            &tokens(),
            "ns",
        );
        assert_eq!(out[1].value, pod);
        // No declared secret values: nothing changes.
        let none = Tokens::new(&SecretValues::new());
        let env = json!({"kind": "Pod", "spec": {"containers": [{"name": "c", "image": "i", "env": [{"name": "X", "value": t}]}]}});
        assert_eq!(
            promote("app", vec![object(env.clone())], &none, "ns").0[0].value,
            env
        );
    }

    #[test]
    fn other_services_follow_a_promoted_configmap() {
        let pod = |ns: &str| {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": ns},
                "spec": {"containers": [{"name": "c", "image": "i",
                    "envFrom": [{"configMapRef": {"name": "etc"}}]}],
                    "volumes": [{"name": "v", "configMap": {"name": "etc"}}]}})
        };
        let mut objects = vec![object(pod("ns")), object(pod("other"))];
        objects[0].service = "client".into();
        objects[1].service = "client".into();
        let mut mine = object(pod("ns"));
        mine.service = "app".into();
        objects.push(mine.clone());
        let promoted = BTreeMap::from([(("ns".to_string(), "etc".to_string()), "app".to_string())]);
        follow(&mut objects, &promoted, "ns");
        let spec = &objects[0].value["spec"];
        assert_eq!(spec["volumes"][0]["secret"]["secretName"], "etc");
        assert_eq!(
            spec["containers"][0]["envFrom"][0]["secretRef"]["name"],
            "etc"
        );
        assert_eq!(objects[0].provenance.secret_changes.len(), 2);
        // Another namespace's `etc`, and the promoting service's own objects (which
        // `promote` rewrote already), are left alone.
        assert_eq!(objects[1].value, pod("other"));
        assert_eq!(objects[2].value, mine.value);
    }
}
