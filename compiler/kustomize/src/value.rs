//! Small helpers over `serde_json::Value` trees.

use std::borrow::Cow;

use serde_json::{Map, Value};

/// The text of a scalar as a YAML node holds it (kyaml compares and copies node text):
/// strings as is, numbers and booleans as written in JSON, null as `null`; collections have no
/// text (`""`).
pub fn text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        Value::Number(n) => Cow::Owned(n.to_string()),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::Null => Cow::Borrowed("null"),
        Value::Array(_) | Value::Object(_) => Cow::Borrowed(""),
    }
}

/// Like [`text`], but a missing or null value is empty (kyaml's `GetName` and friends).
pub fn text_or_empty(v: Option<&Value>) -> Cow<'_, str> {
    match v {
        None | Some(Value::Null) => Cow::Borrowed(""),
        Some(v) => text(v),
    }
}

/// Whether a value is a scalar (string, number, boolean).
pub fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// The mutable map at a path of map keys, creating missing (or null) maps on the way.
/// Returns `None` if something on the way is not a map.
pub fn ensure_map<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Map<String, Value>> {
    let mut cur = v;
    for p in path {
        let map = cur.as_object_mut()?;
        let entry = map
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if entry.is_null() {
            *entry = Value::Object(Map::new());
        }
        cur = entry;
    }
    cur.as_object_mut()
}

/// A short description of a value's type, for error messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// A map's entries as strings (kyaml's `GetLabels`, `GetDataMap`: values by their text).
pub fn string_map(v: Option<&Value>) -> Vec<(String, String)> {
    match v {
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), text(v).into_owned()))
            .collect(),
        _ => Vec::new(),
    }
}
