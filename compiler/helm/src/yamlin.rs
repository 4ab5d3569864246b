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

/// `toYaml` of a value (Helm's `sigs.k8s.io/yaml` output, trailing newline removed).
pub fn to_yaml(v: &Value) -> String {
    let json = to_json(v);
    let mut out = strata_yaml::emit(&json, strata_yaml::KeyOrder::Sorted);
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil | Value::Object(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) | Value::Int64(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null),
        Value::String(s) => serde_json::Value::String(s.to_string()),
        Value::List(l) => serde_json::Value::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => serde_json::Value::Object(m.borrow().iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

/// Registers `toYaml`, `toJson`, `fromYaml`, `fromJson` (stand-ins until the serial module's
/// exact implementations are merged).
pub fn register(map: &mut strata_gotmpl::FuncMap) {
    strata_gotmpl::func::register(map, "toYaml", |_, args| Ok(Value::from(args.first().map(to_yaml).unwrap_or_default())));
    strata_gotmpl::func::register(map, "toJson", |_, args| {
        Ok(Value::from(args.first().map(|v| to_json(v).to_string()).unwrap_or_default()))
    });
    strata_gotmpl::func::register(map, "fromYaml", |_, args| {
        let text = args.first().and_then(|v| v.as_str()).unwrap_or_default().to_string();
        Ok(parse_values(&text).unwrap_or_else(|e| {
            let m = Value::empty_map();
            if let Value::Map(mm) = &m {
                mm.borrow_mut().insert("Error".into(), Value::from(e));
            }
            m
        }))
    });
    strata_gotmpl::func::register(map, "fromJson", |_, args| {
        let text = args.first().and_then(|v| v.as_str()).unwrap_or_default().to_string();
        Ok(match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => from_json(&v),
            Err(e) => Value::map([("Error".to_string(), Value::from(e.to_string()))].into_iter().collect()),
        })
    });
}
