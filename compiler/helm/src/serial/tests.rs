//! Unit tests; expected strings come from Helm SDK v4.2.3 (helm-python-sdk 0.2.2) unless noted.

use super::*;

/// Differential probe (development aid): with `STRATA_SERIAL_PROBE=in.json`, reads cases
/// (`[{"values": "...yaml..."}]`) and writes what each of Helm's functions prints for them to
/// `in.json.out`, for comparison with Helm's output on the same cases.
#[test]
fn probe() {
    let Ok(path) = std::env::var("STRATA_SERIAL_PROBE") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("probe input");
    let cases = from_json_any(&text).expect("probe json");
    let Value::List(cases) = cases else { panic!("list") };
    let mut results = Vec::new();
    for case in cases.iter() {
        let Value::Map(m) = case else { panic!("case") };
        let values = m.borrow().get("values").cloned().unwrap_or_default();
        let mut out = std::collections::BTreeMap::new();
        match load_values(values.as_str().unwrap_or("")) {
            Err(e) => {
                out.insert("err".to_string(), Value::from(e.message));
            }
            Ok(v) => {
                // Helm's coalescing drops null map entries from .Values.
                let v = drop_nulls(&v);
                let mut r = std::collections::BTreeMap::new();
                let s = |x: Result<String, SerialError>| Value::from(x.unwrap_or_default());
                r.insert("t1".to_string(), s(to_json(&v)));
                r.insert("t2".to_string(), s(to_yaml(&v)));
                r.insert("t3".to_string(), s(to_yaml_pretty(&v)));
                r.insert("t4".to_string(), s(to_pretty_json(&v)));
                r.insert("t5".to_string(), s(to_raw_json(&v)));
                r.insert(
                    "t6".to_string(),
                    Value::from(to_toml(&v).unwrap_or_else(|e| e.message)),
                );
                let sv = match &v {
                    Value::Map(m) => m.borrow().get("s").cloned(),
                    _ => None,
                };
                if let Some(Value::String(sv)) = sv {
                    let j = |x: Value| s(to_json(&x));
                    r.insert("f1".to_string(), j(from_yaml(&sv)));
                    r.insert("f2".to_string(), j(from_yaml_array(&sv)));
                    r.insert("f3".to_string(), j(from_json(&sv)));
                    r.insert("f4".to_string(), j(from_json_array(&sv)));
                    r.insert("f5".to_string(), j(from_toml(&sv)));
                    r.insert("f6".to_string(), s(to_yaml(&from_yaml(&sv))));
                }
                out.insert("ok".to_string(), Value::map(r));
            }
        }
        results.push(Value::map(out));
    }
    let json = to_pretty_json(&Value::list(results)).expect("encode");
    std::fs::write(format!("{path}.out"), json).expect("write");
}

fn drop_nulls(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::map(
            m.borrow()
                .iter()
                .filter(|(_, v)| !matches!(v, Value::Nil))
                .map(|(k, v)| (k.clone(), drop_nulls(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}
