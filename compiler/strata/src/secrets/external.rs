//! The `external` backend: ExternalSecret objects for the External Secrets Operator.
//!
//! Strata writes an ExternalSecret per declared Secret, reading each key from the site's store;
//! config files that embed a password are built by the operator from a template Strata renders
//! around placeholders (`secret_file()`), so a password never passes through Strata.
//! Invariant: identical declarations of one Secret by several services become one object.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use crate::graph::ServiceGraph;
use crate::model::{SecretBackend, Service, Site};
use crate::render::Object;

/// The ExternalSecret settings of a site.
pub struct External {
    store_kind: String,
    store_name: String,
    prefix: String,
    refresh: String,
}

impl External {
    /// The settings of `site`, when its backend is `external`.
    pub fn of(site: &Site) -> Option<External> {
        let cfg = &site.spec.secrets;
        if cfg.backend != SecretBackend::External {
            return None;
        }
        let store = cfg.store.as_ref();
        Some(External {
            store_kind: store
                .and_then(|s| s.kind.clone())
                .unwrap_or_else(|| "ClusterSecretStore".into()),
            store_name: store.map(|s| s.name.clone()).unwrap_or_default(),
            prefix: cfg.key_prefix.clone().unwrap_or_else(|| site.name.clone()),
            refresh: cfg.refresh_interval.clone().unwrap_or_else(|| "1h".into()),
        })
    }

    /// An ExternalSecret that creates Secret `name`. `data` lists (secretKey, secret name,
    /// key) references into the store; `template` (file name → content with `{{ .secretKey }}`
    /// placeholders) makes the operator build the Secret's keys from them.
    pub fn object(
        &self,
        name: &str,
        namespace: &str,
        data: &[(String, String, String)],
        template: Option<&BTreeMap<String, String>>,
    ) -> Value {
        let refs: Vec<Value> = data
            .iter()
            .map(|(secret_key, secret, key)| {
                json!({"secretKey": secret_key, "remoteRef": {"key": format!("{}/{secret}", self.prefix), "property": key}})
            })
            .collect();
        let mut target = json!({"name": name, "creationPolicy": "Owner"});
        if let Some(files) = template {
            target["template"] = json!({"engineVersion": "v2", "data": files});
        }
        json!({
            "apiVersion": "external-secrets.io/v1",
            "kind": "ExternalSecret",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "refreshInterval": self.refresh,
                "secretStoreRef": {"kind": self.store_kind, "name": self.store_name},
                "target": target,
                "data": refs,
            }
        })
    }
}

/// The placeholder variable for key `key` of Secret `name` inside an ExternalSecret template.
pub fn placeholder_var(name: &str, key: &str) -> String {
    format!("{name}_{key}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The Go-template placeholder the External Secrets Operator replaces with the stored value.
pub fn placeholder(name: &str, key: &str) -> String {
    format!("{{{{ .{} }}}}", placeholder_var(name, key))
}

/// The ExternalSecrets for the Secrets `svc` declares that no template built with
/// `secret_file()` (`produced`): each is read from the store key by key. Each comes with the
/// JSON pointer of its declaration in service.yaml.
pub fn declared_secrets(
    external: &External,
    site: &Site,
    svc: &Service,
    produced: &std::collections::BTreeSet<String>,
) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    for (name, decl) in &svc.spec.secrets {
        if produced.contains(name) {
            continue;
        }
        let data: Vec<(String, String, String)> = decl
            .keys
            .iter()
            .map(|k| (k.clone(), name.clone(), k.clone()))
            .collect();
        let value = external.object(name, &site.spec.namespace, &data, None);
        let ptr = format!("/spec/secrets/{}", strata_yaml::pointer_escape(name));
        out.push((value, ptr));
    }
    out
}

/// A Secret that several services declare alike (e.g. a shared admin password) is read from
/// the store once: the ExternalSecrets generated from identical declarations collapse into
/// one, kept in the service of the earliest wave (then the first by name), so it exists
/// before every service that reads it. Declarations that differ stay duplicates (E0306).
pub fn share_declared_secrets(objects: &mut Vec<Object>, graph: &ServiceGraph) {
    let generated_external = |o: &Object| {
        o.provenance.fixed.is_some()
            && o.value.get("kind").and_then(Value::as_str) == Some("ExternalSecret")
    };
    let mut keep: HashMap<String, usize> = HashMap::new();
    let mut drop = vec![false; objects.len()];
    for i in 0..objects.len() {
        if !generated_external(&objects[i]) {
            continue;
        }
        let name = objects[i]
            .value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        match keep.get(&name).copied() {
            Some(j) if objects[j].value == objects[i].value => {
                if graph.rollout_key(&objects[i].service) < graph.rollout_key(&objects[j].service) {
                    drop[j] = true;
                    keep.insert(name, i);
                } else {
                    drop[i] = true;
                }
            }
            Some(_) => {}
            None => {
                keep.insert(name, i);
            }
        }
    }
    let mut dropped = drop.into_iter();
    objects.retain(|_| !dropped.next().unwrap_or(false));
}
