//! Values a service's values schema marks secret (`x-strata-secret: true`), wherever they are
//! written: the service's defaults, a layer, a site.
//!
//! The check stage reports a literal at such a path (E0602); this module also tells the load
//! stage which spans of the input files hold them, so that no diagnostic (whatever its code)
//! shows them in a snippet.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use crate::load::{Doc, Inputs};

/// How a written value relates to the schema's secret marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The value is at a path marked `x-strata-secret`.
    Secret,
    /// A scalar where the schema expects a map or list holding a secret: it may be one.
    MayHold,
}

/// `$ref` chains and nesting deeper than this are not followed (a schema may be recursive).
const MAX_DEPTH: usize = 64;

/// A subschema with its local `$ref`s followed, and the alternatives of `allOf`, `anyOf` and
/// `oneOf` added: every schema the value at one path must (or may) satisfy.
/// (A schema already in `out` is not expanded again: recursive schemas end.)
fn expand<'a>(root: &'a Value, schema: &'a Value, depth: usize, out: &mut Vec<&'a Value>) {
    if depth > MAX_DEPTH || !schema.is_object() || out.iter().any(|s| std::ptr::eq(*s, schema)) {
        return;
    }
    out.push(schema);
    if let Some(target) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| root.pointer(p))
    {
        expand(root, target, depth + 1, out);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for alt in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            expand(root, alt, depth + 1, out);
        }
    }
}

fn is_marked(schema: &Value) -> bool {
    schema.get("x-strata-secret").and_then(Value::as_bool) == Some(true)
}

/// The subschemas of `schemas` for the map entry `key`.
fn for_key<'a>(schemas: &[&'a Value], key: &str) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for s in schemas {
        match s.get("properties").and_then(|p| p.get(key)) {
            Some(p) => out.push(p),
            None => {
                if let Some(a) = s.get("additionalProperties").filter(|a| a.is_object()) {
                    out.push(a);
                }
            }
        }
    }
    out
}

/// The subschemas of `schemas` for list items.
fn for_items<'a>(schemas: &[&'a Value]) -> Vec<&'a Value> {
    schemas
        .iter()
        .filter_map(|s| s.get("items").filter(|i| i.is_object()))
        .collect()
}

/// Whether any schema under `schema` marks a value secret. `seen` holds the schemas already
/// looked at (each is looked at once: recursive schemas end, and none is costly).
fn holds_secret<'a>(root: &'a Value, schema: &'a Value, seen: &mut HashSet<*const Value>) -> bool {
    let mut all = Vec::new();
    expand(root, schema, 0, &mut all);
    for s in all {
        if !seen.insert(std::ptr::from_ref(s)) {
            continue;
        }
        if is_marked(s) {
            return true;
        }
        let subs: Vec<&Value> = s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.values())
            .chain(s.get("additionalProperties").filter(|a| a.is_object()))
            .chain(s.get("items").filter(|i| i.is_object()))
            .collect();
        if subs.into_iter().any(|sub| holds_secret(root, sub, seen)) {
            return true;
        }
    }
    false
}

/// Every value of `value` (relative JSON pointers) that `schema` marks secret or that may
/// hold a secret, outermost first; nothing below a reported value is reported again.
pub fn find(schema: &Value, value: &Value) -> Vec<(String, Mark)> {
    let mut out = Vec::new();
    walk(schema, &[schema], value, "", 0, &mut out);
    out
}

fn walk(
    root: &Value,
    schemas: &[&Value],
    value: &Value,
    ptr: &str,
    depth: usize,
    out: &mut Vec<(String, Mark)>,
) {
    if depth > MAX_DEPTH || value.is_null() {
        return;
    }
    let mut all = Vec::new();
    for s in schemas {
        expand(root, s, 0, &mut all);
    }
    if all.iter().any(|s| is_marked(s)) {
        out.push((ptr.to_string(), Mark::Secret));
        return;
    }
    match value {
        Value::Object(m) => {
            let mut beside_secret: Option<bool> = None;
            for (k, v) in m {
                let subs = for_key(&all, k);
                if subs.is_empty() {
                    // An unknown field (a misspelt `key:`) beside a secret one may hold the
                    // secret: the E0201 about it must not show its value.
                    let mut seen = HashSet::new();
                    if *beside_secret
                        .get_or_insert_with(|| all.iter().any(|s| holds_secret(root, s, &mut seen)))
                    {
                        out.push((strata_yaml::pointer_push(ptr, k), Mark::MayHold));
                    }
                } else {
                    walk(
                        root,
                        &subs,
                        v,
                        &strata_yaml::pointer_push(ptr, k),
                        depth + 1,
                        out,
                    );
                }
            }
        }
        Value::Array(items) => {
            let subs = for_items(&all);
            if !subs.is_empty() {
                for (i, v) in items.iter().enumerate() {
                    walk(root, &subs, v, &format!("{ptr}/{i}"), depth + 1, out);
                }
            }
        }
        _ => {
            let mut seen = HashSet::new();
            if all.iter().any(|s| holds_secret(root, s, &mut seen)) {
                out.push((ptr.to_string(), Mark::MayHold));
            }
        }
    }
}

/// Whether a value at a secret path is a reference (`{secretRef: {name, key}}`), the one form
/// that shows nothing secret.
fn is_reference(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.len() == 1
            && m.get("secretRef")
                .and_then(Value::as_object)
                .is_some_and(|r| {
                    r.values().all(Value::is_string) && r.keys().all(|k| k == "name" || k == "key")
                })
    })
}

/// The pointers (under `base`) of every scalar in `v`.
fn scalars(v: &Value, base: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                scalars(c, &strata_yaml::pointer_push(base, k), out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                scalars(c, &format!("{base}/{i}"), out);
            }
        }
        _ => out.push(base.to_string()),
    }
}

/// The byte ranges of `doc` holding secret values of the service values written at `base`.
fn ranges_in(doc: &Doc, schema: &Value, base: &str) -> Vec<std::ops::Range<usize>> {
    let Some(values) = doc.doc.value.pointer(base) else {
        return Vec::new();
    };
    let mut pointers = Vec::new();
    for (ptr, mark) in find(schema, values) {
        let full = format!("{base}{ptr}");
        match (mark, doc.doc.value.pointer(&full)) {
            (Mark::Secret, Some(v)) if is_reference(v) => {}
            (_, Some(v)) => scalars(v, &full, &mut pointers),
            (_, None) => {}
        }
    }
    pointers
        .iter()
        .filter_map(|p| doc.doc.spans.get(p))
        .map(|s| s.value.bytes())
        .collect()
}

/// Marks, in the sources of every site, layer and service document, the spans of the values
/// that the services' values schemas mark secret (see [`crate::diag::Source::shown`]).
/// A values schema that does not parse marks nothing (its error is reported by the check stage).
pub fn mark_inputs(inputs: &mut Inputs) {
    // Blocks of the catalog library's schemas are copied in first, so that a secret field
    // declared in a shared block is marked as one declared in the service's own file.
    let (shared, _) = crate::check::schema_refs::SharedSchemas::parse(&inputs.library.schemas);
    let schemas: BTreeMap<String, Value> = inputs
        .services
        .iter()
        .filter_map(|(name, f)| {
            let src = f.values_schema.as_ref()?;
            let mut schema: Value = serde_json::from_str(&src.text).ok()?;
            shared.inline(&mut schema, src).ok()?;
            Some((name.clone(), schema))
        })
        .collect();
    if schemas.is_empty() {
        return;
    }
    for (name, files) in inputs.services.iter_mut() {
        if let Some(schema) = schemas.get(name) {
            let r = ranges_in(&files.doc, schema, "/spec/values");
            if !r.is_empty() {
                files.doc.source = files.doc.source.with_redacted(r);
            }
        }
    }
    for doc in inputs.sites.values_mut().chain(inputs.layers.values_mut()) {
        let services: Vec<String> = doc
            .doc
            .value
            .pointer("/spec/services")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let mut r = Vec::new();
        for svc in services {
            if let Some(schema) = schemas.get(&svc) {
                let base = format!(
                    "/spec{}/values",
                    strata_yaml::pointer_push("/services", &svc)
                );
                r.extend(ranges_in(doc, schema, &base));
            }
        }
        if !r.is_empty() {
            doc.source = doc.source.with_redacted(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_marked_values_through_refs_and_alternatives() {
        let schema = json!({
            "type": "object",
            "$defs": {"key": {"x-strata-secret": true, "type": "object"}},
            "properties": {
                "storage": {"properties": {"rbd": {"properties": {
                    "key": {"$ref": "#/$defs/key"},
                    "user": {"type": "string"}
                }}}},
                "root": {"oneOf": [{"type": "string"}, {"type": "object"}], "x-strata-secret": true},
                "list": {"items": {"properties": {"token": {"x-strata-secret": true}}}}
            }
        });
        let value = json!({
            "storage": {"rbd": {"key": "lit", "user": "admin"}},
            "root": {"secretRef": {"name": "a", "key": "b"}},
            "list": [{"token": "t"}, "scalar"]
        });
        assert_eq!(
            find(&schema, &value),
            vec![
                ("/storage/rbd/key".to_string(), Mark::Secret),
                ("/root".to_string(), Mark::Secret),
                ("/list/0/token".to_string(), Mark::Secret),
                ("/list/1".to_string(), Mark::MayHold),
            ]
        );
        let typo = json!({"storage": {"rbd": {"kye": "lit", "user": "admin"}}});
        assert_eq!(
            find(&schema, &typo),
            vec![("/storage/rbd/kye".to_string(), Mark::MayHold)]
        );
        let holder = json!({"storage": {"rbd": "lit"}});
        assert_eq!(
            find(&schema, &holder),
            vec![("/storage/rbd".to_string(), Mark::MayHold)]
        );
    }

    #[test]
    fn recursive_schemas_end() {
        let schema = json!({"$ref": "#"});
        assert!(find(&schema, &json!({"a": 1})).is_empty());
    }
}
