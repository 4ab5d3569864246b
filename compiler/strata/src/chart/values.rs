//! Strict values for chart services: every value a site, a layer or the service's own
//! `values` sets must be one the chart declares. Helm silently ignores a key no template
//! reads, so a typo (`replcas`) changes nothing and nobody notices; Strata reports it.
//!
//! A key path is declared when it is in the chart's `values.yaml` (deeply), in one of the
//! service's values files, in the properties of the chart's `values.schema.json`, under a
//! subchart's name or alias (checked against that subchart the same way), under `global`
//! (checked against the union of every chart's `global` defaults), under `tags` (the
//! dependencies' tags), or is a dependency's `condition` path. Below a default that is an
//! empty map `{}`, a scalar, a list or `null`, and below a schema object that allows
//! `additionalProperties` (or has `patternProperties`, or no `properties`), anything goes: the
//! chart invites free-form content there. A map of values.yaml with a `default` key is a
//! lookup table with a fallback (`index $map $name | default $map.default`, helm-toolkit's
//! convention for per-endpoint-kind and per-component settings): a key it does not list is
//! checked as its `default` entry is (anything, below a `null` or scalar default). `spec.chart.undeclaredValues` lists dotted path
//! prefixes the check skips, for charts that read keys they do not declare.

use std::collections::BTreeMap;

use serde_json::Value;
use strata_helm::{Chart, Frozen};

use crate::diag::{Code, Diagnostic};
use crate::merge::Tracked;
use crate::model::Service;

/// The key that makes a map of values.yaml a lookup table with a fallback. helm-toolkit, which
/// every openstack-helm chart uses, reads such maps as `index $map $name | default
/// $map.default`: `endpoints.<x>.host_fqdn_override`, `.scheme`, `.port.<p>` and `.hosts` by
/// endpoint kind (`public`, `internal`, `admin`), `pod.affinity.anti.type` by component.
/// values.yaml lists the fallback and only some names; any other name is as valid.
const LOOKUP_DEFAULT: &str = "default";

/// The declared value paths below one node.
#[derive(Clone, Debug, Default)]
pub struct Decl {
    /// Anything below is accepted.
    pub free: bool,
    /// A lookup table with a fallback (the map has a `default` key): a key it does not list
    /// is checked as its `default` entry is.
    pub lookup: bool,
    /// The declared keys.
    pub keys: BTreeMap<String, Decl>,
}

impl Decl {
    fn free() -> Decl {
        Decl {
            free: true,
            lookup: false,
            keys: BTreeMap::new(),
        }
    }

    /// Adds what `other` declares.
    fn union(&mut self, other: Decl) {
        self.free |= other.free;
        self.lookup |= other.lookup;
        for (k, v) in other.keys {
            self.keys.entry(k).or_default().union(v);
        }
    }

    /// What is declared below key `key`: its own entry, or in a lookup table the `default`
    /// entry; `None` when the key is not declared.
    fn child(&self, key: &str) -> Option<&Decl> {
        self.keys
            .get(key)
            .or_else(|| self.lookup.then(|| self.keys.get(LOOKUP_DEFAULT)).flatten())
    }

    fn at(&mut self, path: &[&str]) -> &mut Decl {
        let mut d = self;
        for p in path {
            d = d.keys.entry((*p).to_string()).or_default();
        }
        d
    }
}

fn from_frozen(v: &Frozen) -> Decl {
    match v {
        Frozen::Map(m) if !m.is_empty() => Decl {
            free: false,
            lookup: m.contains_key(LOOKUP_DEFAULT),
            keys: m
                .iter()
                .map(|(k, v)| (k.to_string(), from_frozen(v)))
                .collect(),
        },
        _ => Decl::free(),
    }
}

fn from_schema(s: &Value, depth: usize) -> Decl {
    let Some(obj) = s.as_object() else {
        return Decl::free();
    };
    if depth > 64 {
        return Decl::free();
    }
    let mut d = Decl::default();
    let mut constrained = false;
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        constrained = true;
        for (k, v) in props {
            d.keys
                .entry(k.clone())
                .or_default()
                .union(from_schema(v, depth + 1));
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for sub in obj.get(key).and_then(Value::as_array).into_iter().flatten() {
            let sd = from_schema(sub, depth + 1);
            if !sd.keys.is_empty() || !sd.free {
                constrained = true;
            }
            if sd.free && sd.keys.is_empty() {
                continue;
            }
            d.union(sd);
        }
    }
    let extra = obj
        .get("additionalProperties")
        .is_some_and(|a| a != &Value::Bool(false))
        || obj.contains_key("patternProperties");
    d.free |= extra || !constrained;
    d
}

/// What `chart` declares at its root (its subcharts under their names and aliases).
fn chart_decl(chart: &Chart, depth: usize) -> Decl {
    let mut d = from_frozen(&chart.values);
    if let Some(schema) = &chart.schema {
        d.union(from_schema(schema, 0));
    }
    if depth > 32 {
        return d;
    }
    for (key, sub) in super::subchart_keys(chart) {
        d.at(&[&key]).union(chart_decl(&sub, depth + 1));
    }
    for dep in chart.metadata.dependencies.iter().flatten() {
        for tag in &dep.tags {
            d.at(&["tags", tag]).union(Decl::free());
        }
        for cond in dep
            .condition
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let path: Vec<&str> = cond.split('.').collect();
            d.at(&path).union(Decl::free());
        }
    }
    d
}

/// Every `global` default of `chart` and its subcharts.
fn globals(chart: &Chart, depth: usize, out: &mut Decl) {
    if let Frozen::Map(m) = &chart.values {
        if let Some(g) = m.get("global") {
            out.union(from_frozen(g));
        }
    }
    if depth < 32 {
        for sub in &chart.subcharts {
            globals(sub, depth + 1, out);
        }
    }
}

/// The value paths a chart declares, with the service's values files.
pub fn declared(chart: &Chart, values_files: &[(crate::diag::Source, Frozen)]) -> Decl {
    let mut d = chart_decl(chart, 0);
    for (_, v) in values_files {
        d.union(from_frozen(v));
    }
    let mut g = Decl::default();
    globals(chart, 0, &mut g);
    d.at(&["global"]).union(g);
    d
}

/// E0210 for every value in `values` (a chart service's merged values on one site) that the
/// chart does not declare, at the line of the file that set it.
pub fn check(svc: &Service, values: &Tracked) -> Vec<Diagnostic> {
    let (Some(loaded), Some(spec)) = (&svc.chart, &svc.spec.chart) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let ctx = Ctx {
        svc,
        values,
        escapes: &spec.undeclared_values,
        chart: loaded.chart.name(),
    };
    walk(&ctx, &values.value, &loaded.declared, "", "", &mut out);
    out
}

struct Ctx<'a> {
    svc: &'a Service,
    values: &'a Tracked,
    escapes: &'a [String],
    chart: &'a str,
}

fn walk(
    ctx: &Ctx<'_>,
    v: &Value,
    decl: &Decl,
    pointer: &str,
    dotted: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(map) = v.as_object() else { return };
    if decl.free {
        return;
    }
    for (k, child) in map {
        let p = strata_yaml::pointer_push(pointer, k);
        let path = if dotted.is_empty() {
            k.clone()
        } else {
            format!("{dotted}.{k}")
        };
        if ctx
            .escapes
            .iter()
            .any(|e| path == *e || path.starts_with(&format!("{e}.")))
        {
            continue;
        }
        match decl.child(k) {
            Some(d) => walk(ctx, child, d, &p, &path, out),
            None => out.push(undeclared(ctx, decl, &p, &path, k)),
        }
    }
}

fn undeclared(ctx: &Ctx<'_>, decl: &Decl, pointer: &str, path: &str, key: &str) -> Diagnostic {
    let svc = &ctx.svc.name;
    let mut d = Diagnostic::error(
        Code::UndeclaredValue,
        format!(
            "`{svc}` sets `{path}`, which chart `{}` does not declare",
            ctx.chart
        ),
    );
    d = match ctx
        .values
        .origin_exact(pointer)
        .or_else(|| ctx.values.origin(pointer))
    {
        Some(o) => d.at(
            &o.source,
            o.key.unwrap_or(o.span),
            "not a value of the chart",
        ),
        None => d.at(
            &ctx.svc.doc.source,
            ctx.svc.doc.span("/spec/chart", true),
            "for this chart",
        ),
    };
    let parent = path.strip_suffix(key).unwrap_or("");
    d = match strata_yaml::did_you_mean(key, decl.keys.keys().map(String::as_str)) {
        Some(s) => d.help(format!("did you mean `{parent}{s}`?")),
        None => {
            // A map its templates iterate over (openstack-helm's `conf.*` option sections)
            // is the usual reason for a chart to read keys it does not declare.
            let map = parent.trim_end_matches('.');
            let prefix = if map.is_empty() { path } else { map };
            d.help(format!(
                "Helm ignores a key no template reads; if a template of the chart iterates over `{prefix}`, add `{prefix}` to spec.chart.undeclaredValues in services/{svc}/service.yaml"
            ))
        }
    };
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_declarations() {
        let s = json!({"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}}},
            "m": {"type": "object", "additionalProperties": {"type": "string"}}}});
        let d = from_schema(&s, 0);
        assert!(!d.free);
        assert!(!d.keys["a"].free);
        assert!(d.keys["a"].keys["b"].free);
        assert!(d.keys["m"].free);
    }

    #[test]
    fn empty_maps_are_free_and_maps_are_not() {
        let v = Frozen::Map(
            [
                ("a".into(), Frozen::empty_map()),
                (
                    "b".into(),
                    Frozen::Map([("c".into(), Frozen::Int(1))].into()),
                ),
            ]
            .into(),
        );
        let d = from_frozen(&v);
        assert!(d.keys["a"].free);
        assert!(!d.keys["b"].free);
        assert!(d.keys["b"].keys["c"].free);
    }

    /// A map with a `default` key (helm-toolkit's per-endpoint-kind tables) takes any other
    /// key, checked as its `default` is; a map without one stays strict.
    #[test]
    fn maps_with_a_default_are_lookup_tables() {
        let map = |kv: Vec<(&str, Frozen)>| {
            Frozen::Map(kv.into_iter().map(|(k, v)| (k.into(), v)).collect())
        };
        let v = map(vec![
            ("host_fqdn_override", map(vec![("default", Frozen::Nil)])),
            (
                "probes",
                map(vec![(
                    "default",
                    map(vec![(
                        "liveness",
                        map(vec![("enabled", Frozen::Bool(true))]),
                    )]),
                )]),
            ),
            ("hosts", map(vec![("internal", Frozen::Nil)])),
        ]);
        let d = from_frozen(&v);
        assert!(d.keys["host_fqdn_override"].lookup);
        assert!(!d.keys["hosts"].lookup);
        let values = json!({
            "host_fqdn_override": {"public": {"host": "x", "tls": {"crt": "c"}}},
            "probes": {"api": {"liveness": {"enabled": false}}, "worker": {"livenes": {}}},
            "hosts": {"public": "y"}
        });
        let mut bad = Vec::new();
        collect_undeclared(&values, &d, "", &mut bad);
        assert_eq!(bad, vec!["probes.worker.livenes", "hosts.public"]);
    }

    /// The paths `walk` would report (without a service to build diagnostics for).
    fn collect_undeclared(v: &Value, decl: &Decl, dotted: &str, out: &mut Vec<String>) {
        let Some(map) = v.as_object() else { return };
        if decl.free {
            return;
        }
        for (k, child) in map {
            let path = if dotted.is_empty() {
                k.clone()
            } else {
                format!("{dotted}.{k}")
            };
            match decl.child(k) {
                Some(d) => collect_undeclared(child, d, &path, out),
                None => out.push(path),
            }
        }
    }
}
