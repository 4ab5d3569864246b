//! Stage 2, validate inputs: schemas of every document, names, layers, and merged values.
//!
//! Input: [`Inputs`] from the load stage. Output: a [`Catalog`] of valid services, and for
//! each requested site a resolved [`Site`] (layers merged, values merged and validated against
//! each service's values schema), or the diagnostics explaining why it is not valid.
//!
//! This file holds the document checks ([`check_documents`]: every Site, Layer and Service
//! document against its schema and its name); `site.rs` resolves one site ([`resolve_site`]);
//! `schema.rs` turns JSON Schema errors into diagnostics; the secret checks of a site are in
//! `crate::secrets::checks`.

pub mod schema;
pub mod schema_refs;
mod site;
pub mod site_values;

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use crate::diag::{Code, Diagnostic, Source};
use crate::load::{Doc, Inputs};
use crate::merge::{strip_nulls, Tracked};
use crate::model::{Catalog, Service, ServiceSpec, ValuesSchema};
use schema::{input_schemas, validate, Locate};
pub(crate) use site::merge_spec;
pub use site::{no_such_site, resolve_site};
use strata_yaml::did_you_mean;

/// Locates pointers of a single document.
struct DocLocate<'a> {
    doc: &'a Doc,
    prefix: &'a str,
}

impl Locate for DocLocate<'_> {
    fn locate(&self, pointer: &str, key: bool) -> Option<(Source, strata_yaml::Span)> {
        let full = format!("{}{}", self.prefix, pointer);
        Some((self.doc.source.clone(), self.doc.span(&full, key)))
    }
}

/// Locates pointers of a merged value through its origins.
struct TrackedLocate<'a> {
    tracked: &'a Tracked,
    fallback: (&'a Source, strata_yaml::Span),
}

impl Locate for TrackedLocate<'_> {
    fn locate(&self, pointer: &str, key: bool) -> Option<(Source, strata_yaml::Span)> {
        match self.tracked.origin(pointer) {
            Some(o) => Some((
                o.source.clone(),
                if key { o.key.unwrap_or(o.span) } else { o.span },
            )),
            None => Some((self.fallback.0.clone(), self.fallback.1)),
        }
    }
}

/// The result of checking every document of the repository.
#[derive(Debug, Default)]
pub struct Checked {
    /// Valid services.
    pub catalog: Catalog,
    /// Sites whose own document is valid.
    pub valid_sites: BTreeSet<String>,
    /// Layers whose document is valid.
    pub valid_layers: BTreeSet<String>,
    /// The schema of site-wide values (`spec.values`).
    pub site_values: site_values::SiteValuesSchema,
}

/// Checks every Site, Layer and Service document against its schema and its name.
pub fn check_documents(inputs: &Inputs) -> (Checked, Vec<Diagnostic>) {
    let schemas = input_schemas();
    let mut diags = Vec::new();
    let mut checked = Checked::default();
    let (site_values, bad) = site_values::compile(inputs);
    checked.site_values = site_values;
    diags.extend(bad);
    let library: Arc<[Source]> = inputs.library.templates.clone().into();
    let (shared, bad) = schema_refs::SharedSchemas::parse(&inputs.library.schemas);
    diags.extend(bad);

    for (name, doc) in &inputs.sites {
        if check_doc(
            &mut diags,
            doc,
            &schemas.site,
            &format!("site `{name}`"),
            name,
            "site",
        ) {
            checked.valid_sites.insert(name.clone());
        }
    }
    for (name, doc) in &inputs.layers {
        if check_doc(
            &mut diags,
            doc,
            &schemas.layer,
            &format!("layer `{name}`"),
            name,
            "layer",
        ) {
            checked.valid_layers.insert(name.clone());
        }
    }
    for (name, files) in &inputs.services {
        let doc = &files.doc;
        if !check_doc(
            &mut diags,
            doc,
            &schemas.service,
            &format!("service `{name}`"),
            name,
            "service",
        ) {
            continue;
        }
        let spec_value = strip_nulls(doc.doc.value.pointer("/spec").unwrap_or(&Value::Null));
        let spec: ServiceSpec = match serde_json::from_value(spec_value) {
            Ok(s) => s,
            Err(e) => {
                diags.push(
                    Diagnostic::error(Code::InvalidValue, format!("service `{name}`: {e}")).at(
                        &doc.source,
                        doc.span("/spec", true),
                        "here",
                    ),
                );
                continue;
            }
        };
        if spec.chart.is_some() {
            if files.chart.is_none() {
                // Why the chart could not be loaded is already reported.
                continue;
            }
            if let Some(t) = files.templates.first() {
                diags.push(
                    Diagnostic::error(
                        Code::ChartLoad,
                        format!("service `{name}` is a Helm chart and also has templates"),
                    )
                    .at(&doc.source, doc.span("/spec/chart", true), "the service is this chart")
                    .note(format!("{} is one of its templates", t.path))
                    .help("a chart service's objects come from its chart: remove its templates/ folder, or remove spec.chart"),
                );
                continue;
            }
        }
        let values_schema = match &files.values_schema {
            Some(src) => match compile_values_schema(src, &shared) {
                Ok(s) => Some(Arc::new(s)),
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            },
            None => None,
        };
        checked.catalog.services.insert(
            name.clone(),
            Service {
                name: name.clone(),
                dir: files.dir.clone(),
                doc: doc.clone(),
                spec,
                values_schema,
                templates: files.templates.clone(),
                library: Arc::clone(&library),
                chart: files.chart.clone(),
            },
        );
    }
    // Dependencies must name catalog services (whether or not a site enables them).
    for svc in checked.catalog.services.values() {
        for (field, deps) in [
            ("dependsOn", &svc.spec.depends_on),
            ("softDependsOn", &svc.spec.soft_depends_on),
        ] {
            for (i, dep) in deps.iter().enumerate() {
                if !inputs.services.contains_key(dep) {
                    let mut d = Diagnostic::error(
                        Code::UnknownName,
                        format!(
                            "service `{}` depends on `{dep}`, which is not in the catalog",
                            svc.name
                        ),
                    )
                    .at(
                        &svc.doc.source,
                        svc.doc.span(&format!("/spec/{field}/{i}"), false),
                        "unknown service",
                    );
                    d = match did_you_mean(dep, inputs.services.keys().map(String::as_str)) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help("add the service under services/, or remove the dependency"),
                    };
                    diags.push(d);
                }
            }
        }
    }
    (checked, diags)
}

/// Checks one document against its schema and its expected name.
fn check_doc(
    diags: &mut Vec<Diagnostic>,
    doc: &Doc,
    (schema, validator): &(Value, jsonschema::Validator),
    what: &str,
    expected_name: &str,
    kind: &str,
) -> bool {
    // `null` in a layer or site means "delete": valid anywhere, so not shown to the schema.
    let value = strip_nulls(&doc.doc.value);
    if !value.is_object() {
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!("{what} must be a YAML map with apiVersion, kind, metadata and spec"),
            )
            .at(&doc.source, doc.doc.span, "here"),
        );
        return false;
    }
    let found = validate(
        validator,
        schema,
        &value,
        &DocLocate { doc, prefix: "" },
        what,
        Code::InvalidValue,
    );
    let ok = found.is_empty();
    diags.extend(found);
    if let Some(name) = value.pointer("/metadata/name").and_then(Value::as_str) {
        if name != expected_name {
            diags.push(
                Diagnostic::error(
                    Code::NameMismatch,
                    format!("{kind} `{name}` is in the folder or file named `{expected_name}`"),
                )
                .at(
                    &doc.source,
                    doc.span("/metadata/name", false),
                    "name differs from the file",
                )
                .help(format!("rename it to `{expected_name}`, or move the file")),
            );
            return false;
        }
    }
    ok
}

fn compile_values_schema(
    src: &Source,
    shared: &schema_refs::SharedSchemas,
) -> Result<ValuesSchema, Diagnostic> {
    let bad = |msg: String| {
        Diagnostic::error(Code::BadValuesSchema, msg)
            .help("a values schema is a JSON Schema (draft 2020-12) document")
    };
    let mut schema: Value = serde_json::from_str(&src.text).map_err(|e| {
        let span = line_col_span(&src.text, e.line(), e.column());
        bad(format!("`{}` is not valid JSON: {e}", src.path)).at(src, span, "here")
    })?;
    // Blocks of the catalog library are copied in before compiling (see `schema_refs`).
    let used = shared.used_by(&schema, &src.path);
    shared.inline(&mut schema, src)?;
    let validator = jsonschema::validator_for(&schema)
        .map_err(|e| bad(format!("`{}` is not a valid JSON Schema: {e}", src.path)))?;
    Ok(ValuesSchema {
        source: src.clone(),
        schema,
        validator,
        shared: used,
    })
}

/// A one-character span at a 1-based line and column of `text`.
pub fn line_col_span(text: &str, line: usize, col: usize) -> strata_yaml::Span {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let offset = (line_start + col.saturating_sub(1)).min(text.len());
    let pos = strata_yaml::Pos {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        col: u32::try_from(col).unwrap_or(u32::MAX),
        offset,
    };
    strata_yaml::Span {
        start: pos,
        end: pos,
    }
}
