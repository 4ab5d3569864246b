//! The name-suffix hash of generated ConfigMaps and Secrets (`api/hasher/hasher.go`):
//! SHA-256 of Go's JSON encoding of `{data, kind, name: ""[, binaryData | type, stringData]}`,
//! the first ten hex digits with `0 1 3 a e` replaced by `g h k m t`.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Go's `json.Marshal` of a value: keys sorted, no spaces, HTML characters and U+2028/U+2029
/// escaped.
pub fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&go_number(n)),
        Value::String(s) => go_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(k, out);
                out.push(':');
                go_json(&m[k.as_str()], out);
            }
            out.push('}');
        }
    }
}

/// Go's float64 formatting in `encoding/json` (`strconv` shortest, exponent form outside
/// [1e-6, 1e21)); integers as written.
fn go_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Go: 1e+21, 1e-07.
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((m, e)) => {
                let (sign, digits) = match e.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', e),
                };
                let digits = if digits.len() < 2 {
                    format!("0{digits}")
                } else {
                    digits.to_string()
                };
                format!("{m}e{sign}{digits}")
            }
            None => s,
        }
    } else if f.fract() == 0.0 && abs < 1e21 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The hash kustomize appends to a generated object's name.
pub fn hash(obj: &Value) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut m = Map::new();
    let encoded = match kind {
        "ConfigMap" | "Secret" => {
            m.insert("kind".into(), Value::String(kind.into()));
            m.insert("name".into(), Value::String(String::new()));
            m.insert(
                "data".into(),
                obj.get("data")
                    .cloned()
                    .unwrap_or(Value::String(String::new())),
            );
            if kind == "ConfigMap" {
                if let Some(b @ Value::Object(_)) = obj.get("binaryData") {
                    m.insert("binaryData".into(), b.clone());
                }
            } else {
                m.insert(
                    "type".into(),
                    obj.get("type")
                        .cloned()
                        .unwrap_or(Value::String(String::new())),
                );
                if let Some(s @ Value::Object(_)) = obj.get("stringData") {
                    m.insert("stringData".into(), s.clone());
                }
            }
            let mut s = String::new();
            go_json(&Value::Object(m), &mut s);
            s
        }
        _ => {
            let mut s = String::new();
            go_json(obj, &mut s);
            s
        }
    };
    let digest = Sha256::digest(encoded.as_bytes());
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    hex.chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_kustomize() {
        // kubectl kustomize: configMapGenerator x, literals [a=b] -> x-4h2mbtbbt6.
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "b"}});
        assert_eq!(hash(&cm), "4h2mbtbbt6");
    }

    #[test]
    fn go_escaping() {
        let mut s = String::new();
        go_json(
            &json!({"b": "<&>\u{2028}é\u{1}", "a": [1, 1.5, true, null]}),
            &mut s,
        );
        assert_eq!(
            s,
            "{\"a\":[1,1.5,true,null],\"b\":\"\\u003c\\u0026\\u003e\\u2028é\\u0001\"}"
        );
    }
}
