//! JSON Schema validation of inputs, with errors mapped to the positions a person wrote.
//!
//! Used for the Site, Layer and Service documents (schemas bundled from `schemas/`) and for
//! every service's merged values (its `values.schema.json`). jsonschema's error kinds are
//! turned into plain sentences: "unknown field `replica` … did you mean `replicas`?" rather
//! than "Additional properties are not allowed".

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::diag::{Code, Diagnostic, Source};
use strata_yaml::did_you_mean;

/// Where the nodes of a validated value were written: maps a JSON pointer (relative to the
/// validated value) to a file and the spans of the key and value.
pub trait Locate {
    /// The file and span for `pointer` (its key when `key` and the node is a map entry).
    fn locate(&self, pointer: &str, key: bool) -> Option<(Source, strata_yaml::Span)>;
}

/// The bundled schemas for Strata's own documents.
pub struct InputSchemas {
    /// `schemas/site.schema.json`.
    pub site: (Value, Validator),
    /// `schemas/layer.schema.json`.
    pub layer: (Value, Validator),
    /// `schemas/service.schema.json`.
    pub service: (Value, Validator),
}

/// The bundled input schemas, compiled once.
pub fn input_schemas() -> &'static InputSchemas {
    static SCHEMAS: OnceLock<InputSchemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let compile = |text: &str| -> (Value, Validator) {
            // The schemas are part of the binary and covered by tests; failing here is a bug
            // in Strata, never a user error.
            let schema: Value = serde_json::from_str(text).unwrap_or(Value::Bool(true));
            let validator = jsonschema::validator_for(&schema)
                .or_else(|_| jsonschema::validator_for(&Value::Bool(true)));
            match validator {
                Ok(v) => (schema, v),
                Err(e) => unreachable!("the `true` schema always compiles: {e}"),
            }
        };
        InputSchemas {
            site: compile(include_str!("../../../../schemas/site.schema.json")),
            layer: compile(include_str!("../../../../schemas/layer.schema.json")),
            service: compile(include_str!("../../../../schemas/service.schema.json")),
        }
    })
}

/// Validates `value` against `schema`, returning diagnostics that point into the input.
///
/// `what` names the validated thing in messages (e.g. "site `prod`", "values of `keystone`");
/// `code` is used for violations other than unknown fields.
pub fn validate(
    validator: &Validator,
    schema: &Value,
    value: &Value,
    locate: &dyn Locate,
    what: &str,
    code: Code,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for err in validator.iter_errors(value) {
        explain(&err, schema, value, locate, what, code, &mut out);
    }
    out
}

/// The human form of a JSON pointer, shared with output validation:
/// `/spec/services/0/name` → `spec.services[0].name`.
pub use strata_validate::human_path;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("\"{s}\""),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a map".to_string(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn explain(
    err: &ValidationError<'_>,
    schema: &Value,
    root: &Value,
    locate: &dyn Locate,
    what: &str,
    code: Code,
    out: &mut Vec<Diagnostic>,
) {
    let ptr = err.instance_path().as_str().to_string();
    let path = match human_path(&ptr) {
        p if p.is_empty() => "the document".to_string(),
        p => p,
    };
    let instance = root.pointer(&ptr).unwrap_or(&Value::Null);
    let schema_ptr = err.schema_path().as_str().to_string();
    let parent_schema = schema_ptr
        .rfind('/')
        .and_then(|i| schema.pointer(&schema_ptr[..i]));
    let describe = parent_schema
        .and_then(|s| s.get("description"))
        .and_then(Value::as_str);
    let at_value = locate.locate(&ptr, false);
    let d = match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed: Vec<String> = parent_schema
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            for key in unexpected {
                let key_ptr = strata_yaml::pointer_push(&ptr, key);
                let help = match did_you_mean(key, allowed.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if allowed.is_empty() => "remove it".to_string(),
                    None => format!("expected one of: {}", allowed.join(", ")),
                };
                let place = if ptr.is_empty() {
                    String::new()
                } else {
                    format!(" in `{path}`")
                };
                out.push(
                    Diagnostic::error(
                        Code::UnknownField,
                        format!("unknown field `{key}`{place} of {what}"),
                    )
                    .at_opt(
                        locate
                            .locate(&key_ptr, true)
                            .as_ref()
                            .map(|(s, sp)| (s, *sp)),
                        "unknown field",
                    )
                    .help(help),
                );
            }
            return;
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or("?");
            let at = locate.locate(&ptr, true);
            let whose = if ptr.is_empty() {
                what.to_string()
            } else {
                format!("`{path}` of {what}")
            };
            Diagnostic::error(
                code,
                format!("{whose} is missing the required field `{name}`"),
            )
            .at_opt(
                at.as_ref().map(|(s, sp)| (s, *sp)),
                format!("`{name}` is missing here"),
            )
            .help(format!("add `{name}:`"))
        }
        ValidationErrorKind::Type { kind } => {
            let expected = format!("{kind:?}")
                .replace("Single(", "")
                .replace("Multiple(", "")
                .replace([')', '(', '[', ']'], "")
                .to_lowercase()
                .split(", ")
                .map(|t| match t {
                    "integer" => "an integer".to_string(),
                    "array" => "a list".to_string(),
                    "object" => "a map".to_string(),
                    "null" => "null".to_string(),
                    other => format!("a {other}"),
                })
                .collect::<Vec<_>>()
                .join(" or ");
            let mut d = Diagnostic::error(
                code,
                format!(
                    "`{path}` of {what} must be {expected}, found {}",
                    type_name(instance)
                ),
            )
            .at_opt(
                at_value.as_ref().map(|(s, sp)| (s, *sp)),
                format!("expected {expected}"),
            );
            if expected.contains("string") && (instance.is_number() || instance.is_boolean()) {
                d = d.help("quote the value to make it a string");
            } else if let Some(desc) = describe {
                d = d.help(desc.to_string());
            }
            d
        }
        ValidationErrorKind::Enum { options } => {
            let opts: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(short).collect())
                .unwrap_or_default();
            let mut d = Diagnostic::error(
                code,
                format!(
                    "`{path}` of {what} is {}, which is not allowed",
                    short(instance)
                ),
            )
            .at_opt(at_value.as_ref().map(|(s, sp)| (s, *sp)), "not allowed");
            let plain: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            d = match instance
                .as_str()
                .and_then(|s| did_you_mean(s, plain.iter().map(String::as_str)))
            {
                Some(s) => d.help(format!(
                    "did you mean `{s}`? (allowed: {})",
                    opts.join(", ")
                )),
                None => d.help(format!("allowed: {}", opts.join(", "))),
            };
            d
        }
        ValidationErrorKind::Constant { expected_value } => Diagnostic::error(
            code,
            format!(
                "`{path}` of {what} must be {}, found {}",
                short(expected_value),
                short(instance)
            ),
        )
        .at_opt(
            at_value.as_ref().map(|(s, sp)| (s, *sp)),
            "unexpected value",
        )
        .help(format!("write {}", short(expected_value))),
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            // Report the alternative that got furthest into the value: usually the one the
            // person meant (e.g. the map form of a `null`-or-map entry).
            let best = context
                .iter()
                .filter(|errs| !errs.is_empty())
                .max_by_key(|errs| {
                    errs.iter()
                        .map(|e| e.instance_path().as_str().len())
                        .max()
                        .unwrap_or(0)
                });
            if let Some(errs) = best {
                for e in errs {
                    explain(e, schema, root, locate, what, code, out);
                }
                return;
            }
            generic(err, code, &path, what, at_value, describe)
        }
        ValidationErrorKind::Pattern { .. } => {
            let mut d = Diagnostic::error(
                code,
                format!(
                    "`{path}` of {what} has an invalid value {}",
                    short(instance)
                ),
            )
            .at_opt(at_value.as_ref().map(|(s, sp)| (s, *sp)), "invalid value");
            if let Some(desc) = describe {
                d = d.help(desc.to_string());
            }
            d
        }
        _ => generic(err, code, &path, what, at_value, describe),
    };
    out.push(d);
}

fn generic(
    err: &ValidationError<'_>,
    code: Code,
    path: &str,
    what: &str,
    at: Option<(Source, strata_yaml::Span)>,
    describe: Option<&str>,
) -> Diagnostic {
    // jsonschema's message starts with the offending value; keep only the reason.
    let msg = err.to_string();
    let reason = msg
        .split_once(" is ")
        .map_or(msg.as_str(), |(_, r)| r)
        .to_string();
    let mut d = Diagnostic::error(code, format!("`{path}` of {what} is {reason}"))
        .at_opt(at.as_ref().map(|(s, sp)| (s, *sp)), "here");
    if let Some(desc) = describe {
        d = d.help(desc.to_string());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_paths() {
        assert_eq!(
            human_path("/spec/services/0/a~1b"),
            "spec.services[0][\"a/b\"]"
        );
        assert_eq!(human_path(""), "");
    }

    #[test]
    fn bundled_schemas_are_valid_and_layers_mirror_sites() {
        let s = input_schemas();
        for (schema, _) in [&s.site, &s.layer, &s.service] {
            assert!(jsonschema::meta::is_valid(schema));
        }
        // A layer's spec is a site's spec minus `layers`: the two files are written for
        // editors without cross-file references, so this test keeps them in step.
        let mut site_spec = s.site.0["properties"]["spec"]["properties"].clone();
        if let Some(m) = site_spec.as_object_mut() {
            m.shift_remove("layers");
        }
        assert_eq!(site_spec, s.layer.0["properties"]["spec"]["properties"]);
    }
}
