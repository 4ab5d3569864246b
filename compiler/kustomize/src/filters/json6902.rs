//! JSON 6902 patches (`api/filters/patchjson6902`), with the semantics of the
//! `evanphx/json-patch` v4 library kustomize uses: `replace` of a missing object key adds it,
//! negative array indices count from the end, `test` compares JSON values.

use serde_json::Value;

/// One operation.
#[derive(Clone, Debug)]
pub struct Op {
    op: String,
    path: Option<String>,
    from: Option<String>,
    value: Option<Value>,
}

/// A decoded patch.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    ops: Vec<Op>,
}

impl Patch {
    /// Decodes a JSON array of operation objects.
    pub fn decode(v: &Value) -> Result<Patch, String> {
        let Value::Array(items) = v else {
            return Err("a JSON patch must be a list of operations".into());
        };
        let mut ops = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let Value::Object(m) = item else {
                return Err(format!("operation #{} is not a map", i + 1));
            };
            let s = |k: &str| -> Result<Option<String>, String> {
                match m.get(k) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(s)) => Ok(Some(s.clone())),
                    Some(_) => Err(format!("operation #{}: '{k}' must be a string", i + 1)),
                }
            };
            ops.push(Op {
                op: s("op")?.unwrap_or_else(|| "unknown".into()),
                path: s("path")?,
                from: s("from")?,
                value: m.get("value").cloned(),
            });
        }
        Ok(Patch { ops })
    }

    /// Whether the patch has no operations.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Applies every operation in order.
    pub fn apply(&self, doc: &mut Value) -> Result<(), String> {
        for op in &self.ops {
            apply_op(doc, op)?;
        }
        Ok(())
    }
}

/// json-patch's `findObject`: the container of the last path element, and that element.
fn find_parent<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let split: Vec<&str> = path.split('/').collect();
    if split.len() < 2 {
        return None;
    }
    let key = strata_yaml::pointer_unescape(split[split.len() - 1]);
    let mut cur = doc;
    for part in &split[1..split.len() - 1] {
        let part = strata_yaml::pointer_unescape(part);
        cur = match cur {
            Value::Object(m) => m.get_mut(&part)?,
            Value::Array(a) => {
                let i = array_index(&part, a.len(), false).ok()?;
                a.get_mut(i)?
            }
            _ => return None,
        };
        if !matches!(cur, Value::Object(_) | Value::Array(_)) {
            return None;
        }
    }
    Some((cur, key))
}

/// An array index: an integer, negative counting from the end; `insert` allows `len`.
fn array_index(key: &str, len: usize, insert: bool) -> Result<usize, String> {
    let idx: i64 = key
        .parse()
        .map_err(|_| format!("value was not a proper array index: '{key}'"))?;
    let size = len as i64 + i64::from(insert);
    let idx = if idx < 0 {
        if idx < -size {
            return Err(format!("Unable to access invalid index: {idx}"));
        }
        idx + size
    } else {
        idx
    };
    if idx >= size {
        return Err(format!("Unable to access invalid index: {idx}"));
    }
    Ok(idx as usize)
}

fn get<'a>(con: &'a Value, key: &str) -> Result<Option<&'a Value>, String> {
    match con {
        Value::Object(m) => Ok(m.get(key)),
        Value::Array(a) => Ok(Some(&a[array_index(key, a.len(), false)?])),
        _ => Ok(None),
    }
}

fn add(con: &mut Value, key: &str, val: Value) -> Result<(), String> {
    match con {
        Value::Object(m) => {
            m.insert(key.to_string(), val);
            Ok(())
        }
        Value::Array(a) => {
            if key == "-" {
                a.push(val);
                return Ok(());
            }
            let i = array_index(key, a.len(), true)?;
            a.insert(i, val);
            Ok(())
        }
        _ => Err("cannot add to a scalar".into()),
    }
}

fn remove(con: &mut Value, key: &str) -> Result<Value, String> {
    match con {
        Value::Object(m) => m
            .shift_remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: missing value")),
        Value::Array(a) => {
            let i = array_index(key, a.len(), false)?;
            Ok(a.remove(i))
        }
        _ => Err("cannot remove from a scalar".into()),
    }
}

fn apply_op(doc: &mut Value, op: &Op) -> Result<(), String> {
    let path = || {
        op.path
            .clone()
            .ok_or_else(|| format!("{} operation missing path field", op.op))
    };
    let value = || op.value.clone().unwrap_or(Value::Null);
    match op.op.as_str() {
        "add" => {
            let p = path()?;
            let (con, key) = find_parent(doc, &p).ok_or_else(|| {
                format!("add operation does not apply: doc is missing path: \"{p}\": missing value")
            })?;
            add(con, &key, value()).map_err(|e| format!("error in add for path: '{p}': {e}"))
        }
        "remove" => {
            let p = path()?;
            let (con, key) = find_parent(doc, &p).ok_or_else(|| {
                format!(
                    "remove operation does not apply: doc is missing path: \"{p}\": missing value"
                )
            })?;
            remove(con, &key)
                .map(|_| ())
                .map_err(|e| format!("error in remove for path: '{p}': {e}"))
        }
        "replace" => {
            let p = path()?;
            if p.is_empty() {
                let v = value();
                if !v.is_object() && !v.is_array() {
                    return Err("replace operation value must be object or array".into());
                }
                *doc = v;
                return Ok(());
            }
            let (con, key) = find_parent(doc, &p).ok_or_else(|| {
                format!("replace operation does not apply: doc is missing path: {p}: missing value")
            })?;
            match con {
                Value::Object(m) => {
                    // json-patch v4 does not check that the key exists.
                    m.insert(key, value());
                    Ok(())
                }
                Value::Array(a) => {
                    let i = array_index(&key, a.len(), false)
                        .map_err(|_| format!("replace operation does not apply: doc is missing key: {p}: missing value"))?;
                    a[i] = value();
                    Ok(())
                }
                _ => Err(format!(
                    "replace operation does not apply: doc is missing path: {p}"
                )),
            }
        }
        "move" => {
            let from = op.from.clone().ok_or("move operation missing from field")?;
            let p = path()?;
            let (con, key) = find_parent(doc, &from)
                .ok_or_else(|| format!("move operation does not apply: doc is missing from path: {from}: missing value"))?;
            get(con, &key)?;
            let val = remove(con, &key)?;
            let (con, key) = find_parent(doc, &p)
                .ok_or_else(|| format!("move operation does not apply: doc is missing destination path: {p}: missing value"))?;
            add(con, &key, val)
        }
        "copy" => {
            let from = op.from.clone().ok_or("copy operation missing from field")?;
            let p = path()?;
            let (con, key) = find_parent(doc, &from)
                .ok_or_else(|| format!("copy operation does not apply: doc is missing from path: {from}: missing value"))?;
            let val = get(con, &key)?
                .cloned()
                .ok_or_else(|| format!("copy operation does not apply: doc is missing from path: {from}: missing value"))?;
            let (con, key) = find_parent(doc, &p)
                .ok_or_else(|| format!("copy operation does not apply: doc is missing destination path: {p}: missing value"))?;
            add(con, &key, val)
        }
        "test" => {
            let p = path()?;
            let want = op.value.clone();
            let failed = || format!("testing value {p} failed: test failed");
            if p.is_empty() {
                return if Some(&*doc) == want.as_ref() {
                    Ok(())
                } else {
                    Err(failed())
                };
            }
            let (con, key) = find_parent(doc, &p).ok_or_else(|| {
                format!("test operation does not apply: is missing path: {p}: missing value")
            })?;
            match (get(con, &key)?, want) {
                (None, None | Some(Value::Null)) => Ok(()),
                (Some(have), Some(want)) if *have == want => Ok(()),
                _ => Err(failed()),
            }
        }
        other => Err(format!("Unexpected kind: {other}")),
    }
}

/// Converts the patch text kustomize accepts (a JSON array, or YAML read as YAML 1.1 like
/// `sigs.k8s.io/yaml`) into operations.
pub fn parse_text(text: &str) -> Result<Value, String> {
    let opts = strata_yaml::ParseOptions {
        schema: strata_yaml::Schema::Go11,
        spans: false,
        ..strata_yaml::ParseOptions::default()
    };
    let docs = strata_yaml::parse(text, &opts).map_err(|e| e.to_string())?;
    Ok(docs
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, ops: Value) -> Result<Value, String> {
        let mut d = doc;
        Patch::decode(&ops)?.apply(&mut d)?;
        Ok(d)
    }

    #[test]
    fn operations() {
        let d = json!({"a": {"b": [1, 2]}, "c": "x"});
        assert_eq!(
            run(
                d.clone(),
                json!([{"op": "add", "path": "/a/b/-", "value": 3}])
            )
            .unwrap()["a"]["b"],
            json!([1, 2, 3])
        );
        assert_eq!(
            run(
                d.clone(),
                json!([{"op": "add", "path": "/a/b/0", "value": 0}])
            )
            .unwrap()["a"]["b"],
            json!([0, 1, 2])
        );
        assert_eq!(
            run(
                d.clone(),
                json!([{"op": "add", "path": "/a/b/2", "value": 9}])
            )
            .unwrap()["a"]["b"],
            json!([1, 2, 9])
        );
        assert!(run(
            d.clone(),
            json!([{"op": "add", "path": "/a/b/3", "value": 9}])
        )
        .is_err());
        assert!(run(
            d.clone(),
            json!([{"op": "add", "path": "/x/y", "value": 1}])
        )
        .unwrap_err()
        .contains("missing path"));
        assert_eq!(
            run(
                d.clone(),
                json!([{"op": "replace", "path": "/new", "value": 1}])
            )
            .unwrap()["new"],
            json!(1)
        );
        assert!(run(
            d.clone(),
            json!([{"op": "replace", "path": "/a/b/5", "value": 1}])
        )
        .is_err());
        assert_eq!(
            run(d.clone(), json!([{"op": "remove", "path": "/c"}])).unwrap(),
            json!({"a": {"b": [1, 2]}})
        );
        assert!(run(d.clone(), json!([{"op": "remove", "path": "/nope"}])).is_err());
        assert_eq!(
            run(
                d.clone(),
                json!([{"op": "move", "from": "/c", "path": "/d"}])
            )
            .unwrap(),
            json!({"a": {"b": [1, 2]}, "d": "x"})
        );
        assert_eq!(
            run(
                d.clone(),
                json!([{"op": "copy", "from": "/a/b/1", "path": "/e"}])
            )
            .unwrap()["e"],
            json!(2)
        );
        assert!(run(
            d.clone(),
            json!([{"op": "test", "path": "/c", "value": "x"}])
        )
        .is_ok());
        assert!(run(
            d.clone(),
            json!([{"op": "test", "path": "/c", "value": "y"}])
        )
        .unwrap_err()
        .contains("test failed"));
        assert_eq!(
            run(d, json!([{"op": "remove", "path": "/a/b/-1"}])).unwrap()["a"]["b"],
            json!([1])
        );
        assert_eq!(
            run(
                json!({"a/b": {"~x": 1}}),
                json!([{"op": "remove", "path": "/a~1b/~0x"}])
            )
            .unwrap(),
            json!({"a/b": {}})
        );
    }
}
