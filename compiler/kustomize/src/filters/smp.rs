//! Strategic merge patches as kustomize applies them: kyaml's `merge2` walker
//! (`kyaml/yaml/walk`, `kyaml/yaml/merge2`), not the apimachinery implementation.
//!
//! Maps merge key by key (a `null` in the patch deletes); lists the schema marks
//! `x-kubernetes-patch-strategy: merge` are associative (merged by their keys, patch elements
//! first); every other list — including every list of a custom kind — is replaced. The
//! associative merge is ported step by step from kyaml, because its quirks are visible in the
//! output (see `book/src/design/kustomize.md`): several-key lists keep destination elements unmerged, an
//! element without its key wipes the list, `$patch` directives work only in some places.

use serde_json::{Map, Value};
use strata_yaml::{resolve_plain, Resolved, Schema};

use crate::openapi::{self, Field};
use crate::value::text;

/// Merges `patch` into `dest` (`merge2.Merge` with `ListIncreaseDirection: Prepend`).
/// `None` means the patch deleted the object (`$patch: delete`).
pub fn merge(dest: Value, patch: Value) -> Result<Option<Value>, String> {
    let out = walk(Some(dest), Some(patch), None).map_err(describe_error)?;
    Ok(out.filter(|v| !v.is_null()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    None,
    Map,
    Seq,
    Scalar,
}

fn kind_of(v: &Value) -> Kind {
    match v {
        Value::Null => Kind::None,
        Value::Object(_) => Kind::Map,
        Value::Array(_) => Kind::Seq,
        _ => Kind::Scalar,
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::None => "null",
        Kind::Map => "a map",
        Kind::Seq => "a list",
        Kind::Scalar => "a scalar",
    }
}

fn present(v: &Option<Value>) -> Option<&Value> {
    v.as_ref().filter(|v| !v.is_null())
}

/// The schema kyaml uses when it has none from the parent: that of a source that looks like a
/// Kubernetes object (has `apiVersion` and `kind`).
fn schema_for<'s>(
    schema: Option<&'s Field>,
    dest: &Option<Value>,
    origin: &Option<Value>,
) -> Option<&'s Field> {
    if schema.is_some() {
        return schema;
    }
    for src in [dest, origin] {
        if let Some(Value::Object(m)) = src {
            let av = m.get("apiVersion").map(text).unwrap_or_default();
            let kind = m.get("kind").map(text).unwrap_or_default();
            if av.is_empty() || kind.is_empty() {
                continue;
            }
            if let Some(s) = openapi::resource(&av, &kind) {
                return Some(s);
            }
        }
    }
    None
}

/// Adds a path element to an error from below (errors carry their path as a `@a.b: ` prefix).
fn in_field(key: &str) -> impl Fn(String) -> String + '_ {
    move |e: String| match e.strip_prefix('@') {
        Some(rest) => format!("@{key}.{rest}"),
        None => format!("@{key}: {e}"),
    }
}

/// Turns the `@path: ` prefix of an error into words.
fn describe_error(e: String) -> String {
    match e.strip_prefix('@').and_then(|r| r.split_once(": ")) {
        Some((path, msg)) => format!("at field '{path}': {msg}"),
        None => e,
    }
}

/// kyaml's `Walker.Walk` with the `Merger` visitor. Returns the new value of the node
/// (`None` or null: remove it).
fn walk(
    dest: Option<Value>,
    origin: Option<Value>,
    schema: Option<&Field>,
) -> Result<Option<Value>, String> {
    let schema = schema_for(schema, &dest, &origin);
    let kind = present(&dest)
        .or(present(&origin))
        .map(kind_of)
        .unwrap_or(Kind::None);
    if kind != Kind::None {
        for src in [present(&dest), present(&origin)].into_iter().flatten() {
            let k = kind_of(src);
            if k != kind {
                return Err(format!(
                    "wrong node kind: the patch has {} where the object has {}",
                    kind_name(kind_of(present(&origin).unwrap_or(src))),
                    kind_name(kind_of(present(&dest).unwrap_or(src)))
                ));
            }
        }
    }
    match kind {
        Kind::Map | Kind::None => walk_map(dest, origin, schema),
        Kind::Seq => {
            let keys = schema.and_then(Field::merge_keys);
            match keys {
                Some(keys) => {
                    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                    walk_assoc(dest, origin, &keys, schema.and_then(Field::elements))
                }
                // A non-associative list is replaced by the patch's.
                None => Ok(if origin.is_some() { origin } else { dest }),
            }
        }
        Kind::Scalar => Ok(if origin.is_some() { origin } else { dest }),
    }
}

/// The `$patch` directive of a patch map, removed from it (kyaml's
/// `determineMappingNodePatchStrategy`).
fn map_directive(origin: &mut Option<Value>) -> Result<Directive, String> {
    let Some(Value::Object(m)) = origin else {
        return Ok(Directive::Merge);
    };
    let Some(v) = m.get("$patch") else {
        return Ok(Directive::Merge);
    };
    let d = match text(v).as_ref() {
        "delete" => Directive::Delete,
        "replace" => Directive::Replace,
        "merge" => Directive::Merge,
        other => return Err(format!("unknown patch strategy '{other}'")),
    };
    m.shift_remove("$patch");
    Ok(d)
}

/// The directive of a patch list: an element that is exactly `{$patch: …}`, removed from it
/// (kyaml's `determineSequenceNodePatchStrategy`).
fn seq_directive(origin: &mut Option<Value>) -> Result<Directive, String> {
    let Some(Value::Array(items)) = origin else {
        return Ok(Directive::Merge);
    };
    let Some(pos) = items
        .iter()
        .position(|e| e.as_object().is_some_and(|m| m.contains_key("$patch")))
    else {
        return Ok(Directive::Merge);
    };
    let Some(m) = items[pos].as_object() else {
        return Ok(Directive::Merge);
    };
    if m.len() != 1 {
        return Ok(Directive::Merge);
    }
    let d = match m.get("$patch").map(text).as_deref() {
        Some("delete") => Directive::Delete,
        Some("replace") => Directive::Replace,
        Some("merge") => Directive::Merge,
        other => return Err(format!("unknown patch strategy '{}'", other.unwrap_or(""))),
    };
    items.remove(pos);
    Ok(d)
}

fn walk_map(
    dest: Option<Value>,
    mut origin: Option<Value>,
    schema: Option<&Field>,
) -> Result<Option<Value>, String> {
    // kyaml's Merger.VisitMap.
    let mut dest = match present(&dest) {
        None => {
            // Add: the patch value becomes the destination (and is then merged with itself,
            // which drops its nulls and directives).
            if map_directive(&mut origin).unwrap_or(Directive::Merge) == Directive::Delete {
                return Ok(None);
            }
            match &origin {
                None => return Ok(None),
                Some(Value::Null) => return Ok(Some(Value::Null)),
                Some(o) => o.clone(),
            }
        }
        Some(_) => {
            if matches!(origin, Some(Value::Null)) {
                return Ok(None);
            }
            match map_directive(&mut origin)? {
                Directive::Delete => return Ok(None),
                Directive::Replace => origin.clone().unwrap_or(Value::Null),
                Directive::Merge => dest.unwrap_or(Value::Null),
            }
        }
    };
    let empty = Map::new();
    let origin_map = match &origin {
        Some(Value::Object(m)) => m,
        _ => &empty,
    };
    let Value::Object(dest_map) = &mut dest else {
        return Ok(Some(dest));
    };
    // kyaml walks the union of both maps' fields. A field only the destination has is
    // merged with nothing, which can only change it where the schema has merge lists (they are
    // rebuilt), so fields the schema knows hold none are skipped.
    let dest_only: Vec<String> = dest_map
        .iter()
        .filter(|(k, v)| {
            if origin_map.contains_key(k.as_str()) {
                return false;
            }
            let fs = schema.and_then(|s| s.field(k));
            match v {
                // Without a schema a map may still look like an object with one.
                Value::Object(_) => openapi::may_hold_merge_lists(fs),
                Value::Array(_) => fs.and_then(Field::merge_keys).is_some(),
                _ => false,
            }
        })
        .map(|(k, _)| k.clone())
        .collect();
    for key in dest_only
        .iter()
        .map(String::as_str)
        .chain(origin_map.keys().map(String::as_str))
    {
        let ov = origin_map.get(key).cloned();
        if ov.is_none() && matches!(dest_map.get(key), Some(Value::Null)) {
            // kyaml keeps an explicit null the patch does not mention.
            continue;
        }
        let dv = dest_map.get_mut(key).map(std::mem::take);
        let fschema = schema.and_then(|s| s.field(key));
        let val = walk(dv, ov, fschema).map_err(in_field(key))?;
        match val {
            None | Some(Value::Null) => {
                dest_map.shift_remove(key);
            }
            Some(v) => {
                dest_map.insert(key.to_string(), v);
            }
        }
    }
    Ok(Some(dest))
}

/// Arena of list element nodes: kyaml merges elements in place and shares nodes between the
/// destination list and the list being built, so elements are referred to by index.
struct Arena {
    nodes: Vec<Value>,
}

impl Arena {
    fn get(&self, id: usize) -> &Value {
        &self.nodes[id]
    }
}

/// kyaml's `FieldMatcher{Name, StringValue}` on a list element.
fn field_matcher(node: &Value, name: &str, value: &str) -> Result<bool, String> {
    if node.is_null() {
        return Ok(false);
    }
    if name.is_empty() {
        if !crate::value::is_scalar(node) {
            return Err(format!(
                "wrong node kind: expected a scalar list element, got {}",
                kind_name(kind_of(node))
            ));
        }
        return Ok(text(node) == value);
    }
    let Value::Object(m) = node else {
        return Err(format!(
            "wrong node kind: expected a map list element, got {}",
            kind_name(kind_of(node))
        ));
    };
    Ok(match m.get(name) {
        None => false,
        Some(f) => value.is_empty() || text(f) == value,
    })
}

/// kyaml's `ElementSetter`: replaces (or, with no element, deletes) the elements matching the
/// key values, appending the element when none matched; drops null and empty-map elements.
fn element_setter(
    arena: &Arena,
    list: &mut Vec<usize>,
    element: Option<usize>,
    keys: &[String],
    values: &[String],
) -> Result<(), String> {
    let default_keys = [String::new()];
    let keys: &[String] = if keys.is_empty() { &default_keys } else { keys };
    let mapping_setter = !keys[0].is_empty() && !values.is_empty() && !values[0].is_empty();
    let mut out = Vec::with_capacity(list.len() + 1);
    let mut found_any = false;
    for &id in list.iter() {
        let node = arena.get(id);
        if node.is_null() || node.as_object().is_some_and(Map::is_empty) {
            continue;
        }
        if !node.is_object() && mapping_setter {
            out.push(id);
            continue;
        }
        let mut matched: Option<bool> = None;
        let mut found = true;
        for (j, key) in keys.iter().enumerate() {
            if j < values.len() {
                matched = Some(field_matcher(node, key, &values[j])?);
            }
            if matched != Some(true) {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                out.push(id);
            }
            continue;
        }
        found_any = true;
        if let Some(e) = element {
            out.push(e);
        }
    }
    *list = out;
    let Some(e) = element else { return Ok(()) };
    if arena.get(e).is_null() {
        return Ok(());
    }
    if !found_any {
        list.push(e);
    }
    Ok(())
}

/// kyaml's `ElementList`: the first element matching all key values.
fn element_list(
    arena: &Arena,
    list: &[usize],
    keys: &[String],
    values: &[String],
) -> Option<usize> {
    if keys.is_empty() || keys[0].is_empty() {
        let want = values.first().map(String::as_str).unwrap_or("");
        return list.iter().copied().find(|&id| text(arena.get(id)) == want);
    }
    list.iter().copied().find(|&id| {
        let Value::Object(m) = arena.get(id) else {
            return false;
        };
        keys.iter()
            .zip(values)
            .all(|(k, v)| m.get(k).is_some_and(|f| text(f) == v.as_str()))
    })
}

/// kyaml's `validateKeys`: drops keys that no element has a value for.
fn validate_keys(
    all: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let valid: Vec<bool> = (0..keys.len())
        .map(|i| all.iter().any(|v| v.get(i).is_some_and(|s| !s.is_empty())))
        .collect();
    if !valid.iter().any(|b| *b) {
        return (keys.to_vec(), values.to_vec());
    }
    let vk = keys
        .iter()
        .enumerate()
        .filter(|(i, _)| valid[*i])
        .map(|(_, k)| k.clone())
        .collect();
    let vv = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || valid.get(*i).copied().unwrap_or(false))
        .map(|(_, v)| v.clone())
        .collect();
    (vk, vv)
}

/// kyaml's `match`: two key tuples match when they share a value and differ only where one is
/// empty; the merged tuple fills the empty places.
fn tuples_match(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            res.push(x.clone());
        } else {
            res.push(y.clone());
        }
    }
    common.then_some(res)
}

/// kyaml's `mergeValues`, with Go's range semantics (the outer tuple is read once per outer
/// iteration, inner tuples as they are at the time).
fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        let v1 = list[i].clone();
        for j in 0..list.len() {
            if let Some(m) = tuples_match(&v1, &list[j]) {
                list[i] = m.clone();
                list[j] = m;
            }
        }
    }
}

fn key_tuples(arena: &Arena, list: &[usize], keys: &[String], out: &mut Vec<Vec<String>>) {
    for &id in list {
        let node = arena.get(id);
        let tuple: Vec<String> = keys
            .iter()
            .map(|k| match node.as_object().and_then(|m| m.get(k)) {
                None | Some(Value::Null) => String::new(),
                Some(Value::Object(m)) if m.is_empty() => String::new(),
                Some(Value::Array(a)) if a.is_empty() => String::new(),
                Some(v) => text(v).into_owned(),
            })
            .collect();
        if tuple.is_empty() || out.contains(&tuple) {
            continue;
        }
        out.push(tuple);
    }
}

/// A key value kyaml writes back into an element: a plain scalar, resolved like YAML.
fn plain_scalar(s: &str) -> Value {
    match resolve_plain(s, Schema::Go12) {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::from(i),
        Resolved::UInt(u) => Value::from(u),
        Resolved::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(s.to_string())),
        Resolved::NonFinite | Resolved::Timestamp(_) | Resolved::Str => {
            Value::String(s.to_string())
        }
    }
}

fn walk_assoc(
    dest: Option<Value>,
    mut origin: Option<Value>,
    keys: &[String],
    elem_schema: Option<&Field>,
) -> Result<Option<Value>, String> {
    // kyaml's Merger.VisitList for an associative list.
    let dest = match present(&dest) {
        None => match &origin {
            None => return Ok(None),
            Some(o) => o.clone(),
        },
        Some(_) => {
            if matches!(origin, Some(Value::Null)) {
                return Ok(None);
            }
            match seq_directive(&mut origin)? {
                Directive::Delete => return Ok(None),
                Directive::Replace => origin.clone().unwrap_or(Value::Null),
                Directive::Merge => dest.unwrap_or(Value::Null),
            }
        }
    };
    let (Value::Array(dest_items), origin_items) = (dest, origin) else {
        return Ok(None);
    };
    let origin_items = match origin_items {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let mut arena = Arena { nodes: Vec::new() };
    let mut dest_ids: Vec<usize> = Vec::new();
    for v in dest_items {
        dest_ids.push(arena.nodes.len());
        arena.nodes.push(v);
    }
    let mut origin_ids: Vec<usize> = Vec::new();
    for v in origin_items {
        origin_ids.push(arena.nodes.len());
        arena.nodes.push(v);
    }
    // The distinct key tuples, patch elements first.
    let mut values: Vec<Vec<String>> = Vec::new();
    let primitive;
    let keys: Vec<String> = if keys.is_empty() {
        primitive = true;
        for &id in origin_ids.iter().chain(dest_ids.iter()) {
            let t = vec![text(arena.get(id)).into_owned()];
            if !values.contains(&t) {
                values.push(t);
            }
        }
        vec![String::new()]
    } else {
        primitive = false;
        key_tuples(&arena, &origin_ids, keys, &mut values);
        key_tuples(&arena, &dest_ids, keys, &mut values);
        keys.to_vec()
    };
    if keys.len() > 1 {
        merge_values(&mut values);
    }
    let mut items: Vec<usize> = Vec::new();
    let mut last_keys: Vec<String> = Vec::new();
    let snapshot = values.clone();
    for tuple in &snapshot {
        if tuple.is_empty() {
            continue;
        }
        let (vk, vv) = validate_keys(&snapshot, tuple, &keys);
        last_keys = vk.clone();
        let (ek, ev) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
        let d = element_list(&arena, &dest_ids, &ek, &ev);
        let o = element_list(&arena, &origin_ids, &ek, &ev);
        let val: Option<usize> = match (d, o) {
            (None, None) => None,
            _ => {
                let dv = d.map(|id| arena.get(id).clone());
                let ov = o.map(|id| arena.get(id).clone());
                // Which node kyaml returns: the destination element merged in place, or the
                // patch element (added, or `$patch: replace`), or for scalars the patch's.
                let replaces = ov
                    .as_ref()
                    .and_then(|v| v.get("$patch"))
                    .is_some_and(|p| text(p) == "replace");
                let is_map = dv.as_ref().or(ov.as_ref()).is_some_and(Value::is_object);
                let ident = if is_map && d.is_some() && !replaces {
                    d
                } else {
                    o.or(d)
                };
                let merged =
                    walk(dv, ov, elem_schema).map_err(in_field(&format!("[{}]", vv.join(","))))?;
                match (merged, ident) {
                    (Some(v), Some(id)) => {
                        arena.nodes[id] = v;
                        Some(id)
                    }
                    _ => None,
                }
            }
        };
        let mut exit = false;
        for (i, key) in vk.iter().enumerate() {
            let gone = match val {
                None => true,
                Some(id) => {
                    let n = arena.get(id);
                    n.is_null() || n.as_object().is_some_and(Map::is_empty)
                }
            };
            if gone {
                element_setter(&arena, &mut dest_ids, None, &vk, &vv)?;
                exit = true;
            } else if let Some(id) = val {
                let value = vv.get(i).cloned().unwrap_or_default();
                if primitive {
                    continue;
                }
                if let Value::Object(m) = &mut arena.nodes[id] {
                    if !m.contains_key(key) && !value.is_empty() {
                        m.insert(key.clone(), plain_scalar(&value));
                    }
                }
            }
        }
        if exit {
            continue;
        }
        element_setter(&arena, &mut items, val, &vk, &vv)?;
    }
    if !values.is_empty() {
        // kyaml's appendListNode(itemsToBeAdded, dest, validKeys): destination elements are
        // set into the new list by their key values.
        let keys = last_keys;
        for &elem in dest_ids.clone().iter() {
            if keys.first().is_none_or(String::is_empty) {
                let v = text(arena.get(elem)).into_owned();
                element_setter(&arena, &mut items, Some(elem), &[String::new()], &[v])?;
                continue;
            }
            let node = arena.get(elem);
            let mut v = Vec::new();
            for key in &keys {
                let field = match node {
                    Value::Null => None,
                    Value::Object(m) => m.get(key),
                    other => {
                        return Err(format!(
                            "wrong node kind: expected map elements, got {}",
                            kind_name(kind_of(other))
                        ))
                    }
                };
                match field {
                    None => items.push(elem),
                    Some(f) => v.push(text(f).into_owned()),
                }
            }
            if keys.len() > 1 {
                element_setter(&arena, &mut items, None, &keys, &v)?;
            }
            element_setter(&arena, &mut items, Some(elem), &keys, &v)?;
        }
        return Ok(Some(Value::Array(
            items
                .into_iter()
                .map(|id| arena.nodes[id].clone())
                .collect(),
        )));
    }
    Ok(Some(Value::Array(
        dest_ids
            .into_iter()
            .map(|id| arena.nodes[id].clone())
            .collect(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dep(containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
               "spec": {"template": {"spec": {"containers": containers}}}})
    }

    fn containers(v: &Value) -> &Value {
        &v["spec"]["template"]["spec"]["containers"]
    }

    #[test]
    fn maps_merge_and_null_deletes() {
        let d = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}});
        let p = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": null, "c": "3"}});
        let out = merge(d, p).unwrap().unwrap();
        assert_eq!(out["data"], json!({"b": "2", "c": "3"}));
    }

    #[test]
    fn single_key_lists_put_patch_elements_first() {
        let d =
            dep(json!([{"name": "init-like"}, {"name": "app", "image": "a"}, {"name": "metrics"}]));
        let p = dep(json!([{"name": "sidecar"}, {"name": "app", "image": "b"}]));
        let out = merge(d, p).unwrap().unwrap();
        let names: Vec<_> = containers(&out)
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].clone())
            .collect();
        assert_eq!(
            names,
            [
                json!("sidecar"),
                json!("app"),
                json!("init-like"),
                json!("metrics")
            ]
        );
        assert_eq!(containers(&out)[1]["image"], "b");
    }

    #[test]
    fn multi_key_lists_follow_kyaml() {
        // Checked against kubectl: patch-only elements first, destination elements unmerged.
        let d = dep(json!([{"name": "c", "ports": [
            {"containerPort": 80, "name": "http"}, {"containerPort": 90, "protocol": "UDP"},
            {"containerPort": 100, "protocol": "TCP", "name": "x"}]}]));
        let p = dep(json!([{"name": "c", "ports": [
            {"containerPort": 100, "name": "y"}, {"containerPort": 90, "protocol": "TCP", "name": "new"},
            {"containerPort": 80, "protocol": "TCP", "name": "h2"}, {"containerPort": 110}]}]));
        let out = merge(d, p).unwrap().unwrap();
        assert_eq!(
            containers(&out)[0]["ports"],
            json!([{"containerPort": 90, "protocol": "TCP", "name": "new"}, {"containerPort": 110},
                   {"containerPort": 80, "name": "http"}, {"containerPort": 90, "protocol": "UDP"},
                   {"containerPort": 100, "protocol": "TCP", "name": "x"}])
        );
    }

    #[test]
    fn an_element_without_its_key_wipes_the_list() {
        // Checked against kubectl.
        let d = dep(
            json!([{"name": "c", "env": [{"name": "A", "value": "a"}, {"name": "B"}, {"value": "nokey"}]}]),
        );
        let p = dep(json!([{"name": "c", "env": [{"name": "C"}, {"name": "A", "value": "a2"}]}]));
        let out = merge(d, p).unwrap().unwrap();
        assert_eq!(containers(&out)[0]["env"], json!([{"value": "nokey"}]));
    }

    #[test]
    fn primitive_merge_lists_are_unions() {
        let d = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a", "b"]}});
        let p = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["c", "a"]}});
        let out = merge(d, p).unwrap().unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["c", "a", "b"]));
    }

    #[test]
    fn directives() {
        let d = dep(json!([{"name": "a"}, {"name": "b"}]));
        let out = merge(d.clone(), dep(json!([{"name": "a", "$patch": "delete"}])))
            .unwrap()
            .unwrap();
        assert_eq!(containers(&out), &json!([{"name": "b"}]));
        let out = merge(
            d.clone(),
            dep(json!([{"$patch": "replace"}, {"name": "z"}])),
        )
        .unwrap()
        .unwrap();
        assert_eq!(containers(&out), &json!([{"name": "z"}]));
        let p = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "$patch": "delete"});
        assert_eq!(merge(d.clone(), p).unwrap(), None);
        let p = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                       "spec": {"$patch": "replace", "replicas": 2}});
        assert_eq!(
            merge(d, p).unwrap().unwrap()["spec"],
            json!({"replicas": 2})
        );
    }

    #[test]
    fn lists_of_unknown_types_are_replaced() {
        let d = json!({"apiVersion": "example.com/v1", "kind": "W", "metadata": {"name": "w"}, "spec": {"items": [{"name": "a"}]}});
        let p = json!({"apiVersion": "example.com/v1", "kind": "W", "metadata": {"name": "w"}, "spec": {"items": [{"name": "b"}]}});
        assert_eq!(
            merge(d, p).unwrap().unwrap()["spec"]["items"],
            json!([{"name": "b"}])
        );
    }

    #[test]
    fn kind_mismatches_are_errors() {
        let d = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
        let p = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": ["x"]});
        assert!(merge(d, p).is_err());
    }
}
