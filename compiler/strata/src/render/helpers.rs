//! Template filters (`book/src/design/inputs.md`) that do not depend on the site: `to_ini`, `to_yaml`,
//! `to_json`, `b64encode`, `sha256`, `quote`. (`image` and `endpoint` need the site and live
//! in the render module.)

use base64::Engine as _;
use minijinja::{Error, ErrorKind, Value};
use sha2::{Digest, Sha256};

fn to_json_value(v: &Value) -> Result<serde_json::Value, Error> {
    if v.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "the value is undefined",
        ));
    }
    serde_json::to_value(v).map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))
}

/// `to_ini`: an oslo.config INI file from a map of sections.
///
/// Sections are written `DEFAULT` first, then by name; keys by name. Scalars are written as
/// text (`true`/`false` for booleans); lists become comma-separated values (oslo's `ListOpt`);
/// a `{type: multistring, values: [...]}` map repeats the key once per value (`MultiStrOpt`);
/// `null` leaves the key out.
pub fn to_ini(v: &Value) -> Result<String, Error> {
    let json = to_json_value(v)?;
    let serde_json::Value::Object(sections) = json else {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "to_ini expects a map of sections, e.g. {DEFAULT: {debug: false}, database: {...}}",
        ));
    };
    let mut names: Vec<&String> = sections.keys().collect();
    names.sort_by_key(|n| (n.as_str() != "DEFAULT", n.as_str()));
    let mut out = String::new();
    for name in names {
        let serde_json::Value::Object(keys) = &sections[name] else {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("to_ini: `{name}` must be a section (a map of options); put plain options under DEFAULT"),
            ));
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("[{name}]\n"));
        let mut keys: Vec<(&String, &serde_json::Value)> = keys.iter().collect();
        keys.sort_by_key(|(k, _)| k.as_str());
        for (k, val) in keys {
            for line in ini_values(name, k, val)? {
                out.push_str(&format!("{k} = {line}\n"));
            }
        }
    }
    Ok(out)
}

fn ini_scalar(section: &str, key: &str, v: &serde_json::Value) -> Result<String, Error> {
    let s = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Null => String::new(),
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("to_ini: [{section}] {key} must be a scalar or a list of scalars"),
            ))
        }
    };
    if s.contains('\n') {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "to_ini: [{section}] {key} contains a line break, which oslo.config cannot read"
            ),
        ));
    }
    Ok(s)
}

fn ini_values(section: &str, key: &str, v: &serde_json::Value) -> Result<Vec<String>, Error> {
    match v {
        serde_json::Value::Null => Ok(Vec::new()),
        serde_json::Value::Array(items) => Ok(vec![items
            .iter()
            .map(|i| ini_scalar(section, key, i))
            .collect::<Result<Vec<_>, _>>()?
            .join(",")]),
        serde_json::Value::Object(m)
            if m.get("type").and_then(|t| t.as_str()) == Some("multistring") =>
        {
            match m.get("values") {
                Some(serde_json::Value::Array(items)) => {
                    items.iter().map(|i| ini_scalar(section, key, i)).collect()
                }
                _ => Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("to_ini: [{section}] {key}: a multistring needs a `values` list"),
                )),
            }
        }
        other => Ok(vec![ini_scalar(section, key, other)?]),
    }
}

/// `to_yaml`: canonical YAML (Strata's emitter, so YAML 1.1 ambiguities are quoted), without
/// the final newline so it composes with `indent`.
pub fn to_yaml(v: &Value) -> Result<String, Error> {
    let json = to_json_value(v)?;
    Ok(strata_yaml::emit(&json, strata_yaml::KeyOrder::Sorted)
        .trim_end_matches('\n')
        .to_string())
}

/// `to_json`: compact JSON.
pub fn to_json(v: &Value) -> Result<String, Error> {
    let json = to_json_value(v)?;
    serde_json::to_string(&json).map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))
}

fn as_text(v: &Value) -> Result<String, Error> {
    match v.as_str() {
        Some(s) => Ok(s.to_string()),
        None => to_json(v),
    }
}

/// `b64encode`: standard base64 of the UTF-8 text.
pub fn b64encode(v: &Value) -> Result<String, Error> {
    Ok(base64::engine::general_purpose::STANDARD.encode(as_text(v)?))
}

/// `sha256`: hex SHA-256 of the text (of the JSON form for non-strings); handy for
/// checksum annotations that roll pods when a config changes.
pub fn sha256(v: &Value) -> Result<String, Error> {
    let digest = Sha256::digest(as_text(v)?.as_bytes());
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// `quote`: a YAML double-quoted string, safe in any YAML position.
pub fn quote(v: &Value) -> Result<String, Error> {
    let s = as_text(v)?;
    serde_json::to_string(&s).map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_from_a_values_tree() {
        let v = Value::from(minijinja::value::Serde(serde_json::json!({
            "database": {"connection": "mysql+pymysql://k@mariadb/keystone", "max_retries": -1},
            "DEFAULT": {"debug": false, "hosts": ["a", "b"], "skip": null},
            "oslo_policy": {"enforce": {"type": "multistring", "values": ["x", "y"]}},
        })));
        assert_eq!(
            to_ini(&v).ok().as_deref(),
            Some("[DEFAULT]\ndebug = false\nhosts = a,b\n\n[database]\nconnection = mysql+pymysql://k@mariadb/keystone\nmax_retries = -1\n\n[oslo_policy]\nenforce = x\nenforce = y\n")
        );
        assert!(to_ini(&Value::from(1)).is_err());
        let nested = Value::from(minijinja::value::Serde(
            serde_json::json!({"a": {"b": {"c": 1}}}),
        ));
        assert!(to_ini(&nested).is_err());
    }

    #[test]
    fn encoders() {
        assert_eq!(
            b64encode(&Value::from("hello")).ok().as_deref(),
            Some("aGVsbG8=")
        );
        assert_eq!(
            sha256(&Value::from("")).ok().as_deref(),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(quote(&Value::from("no")).ok().as_deref(), Some("\"no\""));
        let v = Value::from(minijinja::value::Serde(
            serde_json::json!({"b": "on", "a": [1]}),
        ));
        assert_eq!(to_yaml(&v).ok().as_deref(), Some("a:\n- 1\nb: \"on\""));
        assert_eq!(
            to_json(&v).ok().as_deref(),
            Some("{\"b\":\"on\",\"a\":[1]}")
        );
    }
}
