//! `values.schema.json` validation of the coalesced values, chart by chart as Helm does (each
//! enabled subchart's schema against the values under its name), with the offending value's
//! file, line and column when a values file wrote it.

use std::path::PathBuf;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use strata_gotmpl::{Map, Value};

use crate::deps::Node;
use crate::render::RenderOptions;
use crate::HelmError;

/// Validates `vals` against the schemas of `root` and its enabled subcharts.
pub(crate) fn validate(root: &Node<'_>, vals: &Map, opts: &RenderOptions) -> Result<(), HelmError> {
    let mut report = String::new();
    let mut first: Option<(String, String)> = None; // (chart path prefix pointer, instance path)
    walk(root, vals, "", &mut report, &mut first);
    if report.is_empty() {
        return Ok(());
    }
    let location = first.and_then(|(prefix, ptr)| locate(root, &format!("{prefix}{ptr}"), opts));
    Err(HelmError::Schema {
        message: report,
        location,
    })
}

fn walk(
    node: &Node<'_>,
    vals: &Map,
    prefix: &str,
    report: &mut String,
    first: &mut Option<(String, String)>,
) {
    if let Some(schema) = &node.chart.schema {
        let instance = to_json(&Value::Map(vals.clone()));
        match jsonschema::validator_for(schema) {
            Err(e) => report.push_str(&format!(
                "{}:\n- at '': invalid schema: {e}\n",
                node.meta.name
            )),
            Ok(v) => {
                let errors: Vec<(String, String)> = v
                    .iter_errors(&instance)
                    .map(|e| {
                        (
                            e.instance_path().as_str().to_string(),
                            describe(e.kind(), &e.to_string()),
                        )
                    })
                    .collect();
                if !errors.is_empty() {
                    report.push_str(&format!("{}:\n", node.meta.name));
                    for (path, msg) in &errors {
                        report.push_str(&format!("- at '{path}': {msg}\n"));
                    }
                    if first.is_none() {
                        *first = Some((prefix.to_string(), errors[0].0.clone()));
                    }
                }
            }
        }
    }
    for d in &node.deps {
        let sub = vals.borrow().get(d.meta.name.as_str()).cloned();
        match sub {
            None | Some(Value::Nil) => {}
            Some(Value::Map(m)) => walk(d, &m, &format!("{prefix}/{}", d.meta.name), report, first),
            Some(other) => report.push_str(&format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                d.meta.name,
                other.type_name()
            )),
        }
    }
}

/// Helm's (santhosh-tekuri/jsonschema) wording for the common failures.
fn describe(kind: &ValidationErrorKind, fallback: &str) -> String {
    match kind {
        ValidationErrorKind::Required { property } => {
            format!("missing property {}", quote(property))
        }
        ValidationErrorKind::Minimum { limit } => {
            format!("minimum: got {}, want {limit}", fallback_value(fallback))
        }
        ValidationErrorKind::Maximum { limit } => {
            format!("maximum: got {}, want {limit}", fallback_value(fallback))
        }
        ValidationErrorKind::Type { kind } => {
            let want = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(ts) => ts
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            format!("got {}, want {want}", fallback_type(fallback))
        }
        _ => fallback.to_string(),
    }
}

fn quote(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// The instance as the jsonschema crate's message starts with it (`1 is less than …`).
fn fallback_value(msg: &str) -> String {
    msg.split(' ').next().unwrap_or("").to_string()
}

/// The JSON type of the instance named in a type error (`"x" is not of type "integer"`).
fn fallback_type(msg: &str) -> String {
    let v = msg.split(" is not of type").next().unwrap_or("");
    match serde_json::from_str::<serde_json::Value>(v) {
        Ok(serde_json::Value::String(_)) => "string".into(),
        Ok(serde_json::Value::Number(n)) => {
            if n.is_f64() {
                "number".into()
            } else {
                "integer".into()
            }
        }
        Ok(serde_json::Value::Bool(_)) => "boolean".into(),
        Ok(serde_json::Value::Array(_)) => "array".into(),
        Ok(serde_json::Value::Object(_)) => "object".into(),
        Ok(serde_json::Value::Null) => "null".into(),
        Err(_) => "value".into(),
    }
}

/// Values as JSON: integral floats become integers so `"type": "integer"` accepts `3` read
/// from YAML (a float64 in Helm, which its validator also accepts).
pub(crate) fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil | Value::Object(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) | Value::Int64(i) => serde_json::Value::from(*i),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                serde_json::Value::from(*f as i64)
            } else {
                serde_json::Number::from_f64(*f)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null)
            }
        }
        Value::String(s) => serde_json::Value::String(String::from(&**s)),
        Value::List(l) => serde_json::Value::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => serde_json::Value::Object(
            m.borrow()
                .iter()
                .map(|(k, v)| (k.to_string(), to_json(v)))
                .collect(),
        ),
    }
}

/// Where the value at `pointer` (in the root's coalesced values) was written: the last user
/// values file that sets it, else the values.yaml of the chart that defaults it.
fn locate(root: &Node<'_>, pointer: &str, opts: &RenderOptions) -> Option<(PathBuf, u32, u32)> {
    for (path, text) in opts.values_files.iter().rev() {
        if let Some((l, c)) = find_pointer(text, pointer) {
            return Some((path.clone(), l, c));
        }
    }
    // Chart defaults: walk down the subcharts the pointer names.
    let mut node = root;
    let mut rest = pointer.to_string();
    loop {
        if let Some(text) = &node.chart.values_text {
            if let Some((l, c)) = find_pointer(text, &rest) {
                return Some((node.chart.dir.join("values.yaml"), l, c));
            }
        }
        let seg = rest.trim_start_matches('/').split('/').next()?.to_string();
        let next = node.deps.iter().find(|d| d.meta.name == seg)?;
        rest = rest.trim_start_matches('/')[seg.len()..].to_string();
        node = next;
    }
}

fn find_pointer(text: &str, pointer: &str) -> Option<(u32, u32)> {
    let docs = strata_yaml::parse(text, &strata_yaml::ParseOptions::default()).ok()?;
    for d in docs {
        if let Some(span) = d.spans.get(pointer) {
            let pos = span.key.as_ref().unwrap_or(&span.value).start;
            return Some((pos.line, pos.col));
        }
    }
    None
}
