//! The one door through which chart YAML (Chart.yaml, values files, requirements.yaml) becomes
//! template values. It reads YAML as Helm does (go-yaml v2 rules, then every number a
//! `float64`), through the serial module's loader.

use strata_gotmpl::Value;

/// Parses a values-style YAML text into a map value (an empty map for an empty text).
pub fn parse_values(text: &str) -> Result<Value, String> {
    fallback(text)
}

/// A stand-in loader on strata-yaml until the serial module's `load_values` is merged.
fn fallback(text: &str) -> Result<Value, String> {
    let opts = strata_yaml::ParseOptions {
        schema: strata_yaml::Schema::Go11,
        spans: false,
        ..Default::default()
    };
    let docs = strata_yaml::parse(text, &opts).map_err(|e| e.to_string())?;
    let out = Value::empty_map();
    for d in docs {
        let v = from_json(&d.value);
        match (&out, &v) {
            (Value::Map(o), Value::Map(n)) => {
                let entries: Vec<(String, Value)> = n.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                o.borrow_mut().extend(entries);
            }
            (_, Value::Nil) => {}
            _ => return Err("cannot unmarshal yaml document: not a map".into()),
        }
    }
    Ok(out)
}

fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => Value::list(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}
