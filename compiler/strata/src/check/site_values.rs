//! Site-wide values (`spec.values` of layers and sites, `site.values` in templates), checked
//! against a schema the site repository owns.
//!
//! A typo in a site-wide key (`clusterIsuer`) is not an error in any template: every template
//! reads these keys through `| default(...)`, so a misspelt key silently changes the output.
//! The keys are therefore declared in `schemas/site-values.schema.json` of the repository,
//! which the user extends by editing it when a template of their catalog reads a new key. A
//! repository without that file is checked against the bundled copy (the reference catalog's
//! keys), so that upgrading Strata never turns the check off.
//!
//! The merged values (layers in order, then the site) are validated with the same explainer as
//! a service's values, so errors read the same and point at the layer or site line that wrote
//! the key.

use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Source};
use crate::load::Inputs;
use crate::merge::Tracked;
use crate::model::ValuesSchema;

use super::schema::validate;
use super::{compile_values_schema, TrackedLocate};

/// Where a site repository declares its site-wide values.
pub const SCHEMA_PATH: &str = "schemas/site-values.schema.json";

/// The bundled copy, used when the repository has no [`SCHEMA_PATH`].
const BUNDLED: &str = include_str!("../../../../schemas/site-values.schema.json");

/// The schema site-wide values are checked against.
#[derive(Debug, Default)]
pub struct SiteValuesSchema {
    /// The compiled schema; `None` when the repository's file is broken (that error is
    /// reported once, by [`compile`]) — then no site-wide values are checked.
    schema: Option<Arc<ValuesSchema>>,
    /// Whether it is the bundled copy (the repository has no file of its own).
    bundled: bool,
}

/// Compiles the repository's site-values schema, or the bundled copy when it has none.
pub fn compile(inputs: &Inputs) -> (SiteValuesSchema, Option<Diagnostic>) {
    let (source, bundled) = match &inputs.site_values_schema {
        Some(src) => (src.clone(), false),
        None => (Source::new(SCHEMA_PATH, BUNDLED), true),
    };
    match compile_values_schema(&source, &super::schema_refs::SharedSchemas::default()) {
        Ok(s) => (
            SiteValuesSchema {
                schema: Some(Arc::new(s)),
                bundled,
            },
            None,
        ),
        Err(d) => (
            SiteValuesSchema {
                schema: None,
                bundled,
            },
            Some(d.note("the site-wide values (`spec.values` of sites and layers) are checked against this file")),
        ),
    }
}

/// Validates a site's merged spec's `values` against the site-values schema.
///
/// `merged` is the site's spec after its layers (pointers relative to the spec); `fallback`
/// is where to point when a value has no recorded origin.
pub fn check(
    merged: &Tracked,
    schema: &SiteValuesSchema,
    fallback: (&Source, strata_yaml::Span),
) -> Vec<Diagnostic> {
    let Some(vs) = &schema.schema else {
        return Vec::new();
    };
    let values = merged.subtree("/values");
    // Messages do not name the site: a mistake in a layer is then one diagnostic however many
    // sites use the layer (identical diagnostics are merged).
    let found = validate(
        &vs.validator,
        &vs.schema,
        &values.value,
        &TrackedLocate {
            tracked: &values,
            fallback,
        },
        "the site-wide values",
        Code::InvalidValue,
    );
    let note = if schema.bundled {
        format!(
            "site-wide values are checked against Strata's bundled {SCHEMA_PATH} (the reference catalog's keys); add that file to this repository to declare your own"
        )
    } else {
        format!("site-wide values are checked against {SCHEMA_PATH}")
    };
    found.into_iter().map(|d| d.note(note.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::Layered;

    fn merged(files: &[(&str, &str)]) -> Tracked {
        let mut t = Tracked::empty_map();
        for (path, text) in files {
            let doc = strata_yaml::parse_one(text, &strata_yaml::ParseOptions::default())
                .unwrap_or_else(|e| panic!("{e}"));
            let src = Source::new(*path, *text);
            let spec = doc.value.pointer("/spec").cloned().unwrap_or_default();
            t.merge(Layered {
                value: &spec,
                pointer: "/spec",
                spans: &doc.spans,
                source: &src,
            });
        }
        t
    }

    fn bundled() -> SiteValuesSchema {
        let (s, d) = compile(&Inputs::default());
        assert!(d.is_none(), "the bundled schema compiles");
        assert!(s.bundled && s.schema.is_some());
        s
    }

    #[test]
    fn bundled_schema_is_valid() {
        let schema: serde_json::Value =
            serde_json::from_str(BUNDLED).unwrap_or_else(|e| panic!("{e}"));
        assert!(jsonschema::meta::is_valid(&schema));
    }

    #[test]
    fn a_typo_in_a_layer_points_at_the_layer() {
        let t = merged(&[
            (
                "sites/_layers/global.yaml",
                "spec:\n  values:\n    tls:\n      clusterIsuer: ca\n",
            ),
            (
                "sites/demo/site.yaml",
                "spec:\n  values:\n    tls: {enabled: true}\n",
            ),
        ]);
        let src = Source::new("sites/demo/site.yaml", "");
        let d = check(&t, &bundled(), (&src, strata_yaml::Span::default()));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::UnknownField);
        assert!(d[0].message.contains("`clusterIsuer` in `tls`"), "{d:?}");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `clusterIssuer`?"));
        let label = &d[0].labels[0];
        assert_eq!(&*label.source.path, "sites/_layers/global.yaml");
        assert_eq!(label.span.start.line, 4);
    }

    #[test]
    fn null_deletes_before_the_check_and_types_are_checked() {
        let t = merged(&[
            (
                "sites/_layers/global.yaml",
                "spec:\n  values:\n    storage: {className: null}\n    tls: {enabled: \"yes\"}\n",
            ),
            ("sites/demo/site.yaml", "spec:\n  values: {}\n"),
        ]);
        let src = Source::new("sites/demo/site.yaml", "");
        let d = check(&t, &bundled(), (&src, strata_yaml::Span::default()));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::InvalidValue);
        assert!(d[0].message.contains("tls.enabled"), "{d:?}");
    }

    #[test]
    fn the_repository_file_replaces_the_bundled_one() {
        let inputs = Inputs {
            site_values_schema: Some(Source::new(
                SCHEMA_PATH,
                r#"{"type": "object", "properties": {"rack": {"type": "string"}}, "additionalProperties": false}"#,
            )),
            ..Inputs::default()
        };
        let (s, d) = compile(&inputs);
        assert!(d.is_none() && !s.bundled);
        let src = Source::new("sites/demo/site.yaml", "");
        let ok = merged(&[("sites/demo/site.yaml", "spec:\n  values: {rack: r1}\n")]);
        assert!(check(&ok, &s, (&src, strata_yaml::Span::default())).is_empty());
        let bad = merged(&[("sites/demo/site.yaml", "spec:\n  values: {tls: {}}\n")]);
        assert_eq!(
            check(&bad, &s, (&src, strata_yaml::Span::default())).len(),
            1
        );

        let broken = Inputs {
            site_values_schema: Some(Source::new(SCHEMA_PATH, "{\n  \"type\": \n")),
            ..Inputs::default()
        };
        let (s, d) = compile(&broken);
        assert_eq!(d.map(|d| d.code), Some(Code::BadValuesSchema));
        assert!(check(&bad, &s, (&src, strata_yaml::Span::default())).is_empty());
    }
}
