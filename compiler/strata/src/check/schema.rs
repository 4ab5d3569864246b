//! JSON Schema validation of inputs, with errors mapped to the positions a person wrote.
//!
//! Used for the Site, Layer and Service documents (schemas bundled from `schemas/`) and for
//! every service's merged values (its `values.schema.json`). The errors are explained by
//! strata-validate's one explainer (plain sentences: "unknown field `replica` … did you mean
//! `replicas`?" rather than "Additional properties are not allowed"); this module places them
//! in the files with a [`Locate`].

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;
use strata_validate::{Detail, Explanation};

use crate::diag::{Code, Diagnostic, Source};

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
/// `code` is used for violations other than unknown fields. The errors are explained by
/// strata-validate, as for rendered objects; this only places them in the files.
pub fn validate(
    validator: &Validator,
    schema: &Value,
    value: &Value,
    locate: &dyn Locate,
    what: &str,
    code: Code,
) -> Vec<Diagnostic> {
    let ctx = strata_validate::Context {
        schema: Some(schema),
        ..Default::default()
    };
    validator
        .iter_errors(value)
        .flat_map(|err| strata_validate::explain(&err, &ctx))
        .map(|e| diagnostic(&e, locate, what, code))
        .collect()
}

/// One explanation as a diagnostic: its headline, label and help at the node's span.
fn diagnostic(e: &Explanation, locate: &dyn Locate, what: &str, code: Code) -> Diagnostic {
    let code = match e.detail {
        Detail::UnknownField { .. } => Code::UnknownField,
        _ => code,
    };
    let report = e.report(what);
    let at = locate.locate(&report.pointer, report.key);
    let d = Diagnostic::error(code, report.message)
        .at_opt(at.as_ref().map(|(s, sp)| (s, *sp)), report.label);
    match report.help {
        Some(help) => d.help(help),
        None => d,
    }
}

/// The human form of a JSON pointer, shared with output validation:
/// `/spec/services/0/name` → `spec.services[0].name`.
pub use strata_validate::human_path;

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

    struct Nowhere;
    impl Locate for Nowhere {
        fn locate(&self, _: &str, _: bool) -> Option<(Source, strata_yaml::Span)> {
            None
        }
    }

    #[test]
    fn alternatives_that_differ_only_in_type_are_listed_together() {
        // The rule output validation has always used, now shared: before, an input document
        // was told only about the last alternative ("must be a map").
        let schema = serde_json::json!({"properties": {"tls": {"oneOf": [
            {"type": "boolean"}, {"type": "object"}
        ]}}});
        let validator = jsonschema::validator_for(&schema).expect("test schema compiles");
        let value = serde_json::json!({"tls": "yes"});
        let d = validate(
            &validator,
            &schema,
            &value,
            &Nowhere,
            "site `x`",
            Code::InvalidValue,
        );
        let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["`tls` of site `x` must be a boolean or a map, found a string"]
        );
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
