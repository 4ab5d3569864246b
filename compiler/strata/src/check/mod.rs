//! Stage 2, validate inputs: schemas of every document, names, layers, and merged values.
//!
//! Input: [`Inputs`] from the load stage. Output: a [`Catalog`] of valid services, and for
//! each requested site a resolved [`Site`] (layers merged, values merged and validated against
//! each service's values schema), or the diagnostics explaining why it is not valid.

pub mod schema;
pub mod schema_refs;
pub mod site_values;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;

use crate::diag::{Code, Diagnostic, Source};
use crate::load::{Doc, Inputs};
use crate::merge::{strip_nulls, Layered, Tracked};
use crate::model::{Catalog, Service, ServiceSpec, Site, SiteSpec, ValuesSchema};
use schema::{input_schemas, validate, Locate};
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

/// The one error for a site name that names no site: "there is no site `x`", with the nearest
/// site name as help, or the list of sites (including those whose site.yaml does not parse)
/// when none is near.
pub fn no_such_site(name: &str, inputs: &Inputs) -> Diagnostic {
    let d = Diagnostic::error(Code::NotFound, format!("there is no site `{name}`"));
    match did_you_mean(name, inputs.sites.keys().map(String::as_str)) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(format!(
            "sites are the folders of sites/ with a site.yaml: {}",
            inputs
                .sites
                .keys()
                .chain(inputs.site_errors.keys())
                .cloned()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
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

/// Resolves one site: merges its layers, checks the names it uses, merges and validates the
/// values of every enabled service.
///
/// `Ok` holds the site and what its secret backend check found (errors among them stop the
/// compilation after the graph stage, so that the graph's errors are reported too); `Err`
/// holds the errors that leave no site to work on.
pub fn resolve_site(
    name: &str,
    inputs: &Inputs,
    checked: &Checked,
) -> Result<(Site, Vec<Diagnostic>), Vec<Diagnostic>> {
    if let Some(why) = inputs.site_errors.get(name) {
        return Err(why.clone());
    }
    let Some(doc) = inputs.sites.get(name) else {
        return Err(vec![no_such_site(name, inputs)]);
    };
    if !checked.valid_sites.contains(name) {
        // Its document's errors are already reported.
        return Err(Vec::new());
    }
    let (merged, spec, layer_docs) = merge_spec(name, doc, inputs, checked)?;
    let mut diags = site_values::check(
        &merged,
        &checked.site_values,
        (&doc.source, doc.span("/spec/values", true)),
    );

    // Names the site uses: services and overlays.
    let locate = |ptr: &str, key: bool| -> (Source, strata_yaml::Span) {
        match merged.origin(ptr) {
            Some(o) => (
                o.source.clone(),
                if key { o.key.unwrap_or(o.span) } else { o.span },
            ),
            None => (doc.source.clone(), doc.span("/spec", true)),
        }
    };
    for svc in spec.services.keys() {
        if !inputs.services.contains_key(svc) {
            let (src, span) = locate(&strata_yaml::pointer_push("/services", svc), true);
            let mut d = Diagnostic::error(
                Code::UnknownName,
                format!("site `{name}` enables `{svc}`, which is not in the catalog"),
            )
            .at(&src, span, "unknown service");
            d = match did_you_mean(svc, inputs.services.keys().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help("catalog services are the folders of services/"),
            };
            diags.push(d);
        }
    }
    for (i, overlay) in spec.overlays.iter().enumerate() {
        if !inputs.overlays.contains(overlay) {
            let (src, span) = locate(&format!("/overlays/{i}"), false);
            let mut d = Diagnostic::error(
                Code::UnknownName,
                format!("site `{name}` uses overlay `{overlay}`, which does not exist"),
            )
            .at(&src, span, "unknown overlay");
            d = match did_you_mean(overlay, inputs.overlays.iter().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help("overlays are the folders of overlays/"),
            };
            diags.push(d);
        }
    }

    // Values of every enabled service: defaults ◀ each layer ◀ the site, merged document by
    // document so that a `null` in a layer or the site can delete a default. A document that
    // sets the service itself to `null` disables it and so discards the values before it.
    let mut docs: Vec<&Doc> = layer_docs;
    docs.push(doc);
    let mut values = BTreeMap::new();
    for svc_name in spec.services.keys() {
        let Some(svc) = checked.catalog.services.get(svc_name) else {
            continue;
        };
        let svc_ptr = format!("/spec{}", strata_yaml::pointer_push("/services", svc_name));
        let defaults = svc
            .doc
            .doc
            .value
            .pointer("/spec/values")
            .cloned()
            .unwrap_or(Value::Null);
        let start = || {
            let mut v = Tracked::empty_map();
            v.merge(Layered {
                value: &defaults,
                pointer: "/spec/values",
                spans: &svc.doc.doc.spans,
                source: &svc.doc.source,
            });
            v
        };
        let mut v = start();
        for d in &docs {
            match d.doc.value.pointer(&svc_ptr) {
                Some(Value::Null) => v = start(),
                Some(entry) => {
                    if let Some(over) = entry.get("values") {
                        let ptr = format!("{svc_ptr}/values");
                        v.merge(Layered {
                            value: over,
                            pointer: &ptr,
                            spans: &d.doc.spans,
                            source: &d.source,
                        });
                    }
                }
                None => {}
            }
        }
        if let Some(vs) = &svc.values_schema {
            let literals = crate::secrets::checks::literal_secrets(&vs.schema, &v, svc_name);
            // The schema's complaint about a literal secret (e.g. "must be a map") repeats
            // E0602 and would quote the value: E0602 alone is reported there.
            let at_literal = |d: &Diagnostic| {
                d.labels.first().is_some_and(|l| {
                    literals.iter().any(|s| {
                        s.labels.first().is_some_and(|sl| {
                            sl.source.path == l.source.path && sl.span.bytes() == l.span.bytes()
                        })
                    })
                })
            };
            let (src, span) = locate(&strata_yaml::pointer_push("/services", svc_name), true);
            let mut found = validate(
                &vs.validator,
                &vs.schema,
                &v.value,
                &TrackedLocate {
                    tracked: &v,
                    fallback: (&src, span),
                },
                &format!("the values of `{svc_name}`"),
                Code::ValuesInvalid,
            );
            found.retain(|d| !at_literal(d));
            diags.extend(literals);
            diags.extend(found.into_iter().map(|d| {
                d.note(format!(
                    "values of `{svc_name}` are checked against {}",
                    vs.source.path
                ))
            }));
        }
        values.insert(svc_name.clone(), v);
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    if spec.gitops.engine == crate::model::Engine::Argocd && spec.gitops.repo_url.is_none() {
        let (src, span) = locate("/gitops", true);
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!("site `{name}` uses Argo CD but names no repository"),
            )
            .at(&src, span, "engine: argocd")
            .help("add `repoURL: <URL of the Git repository holding rendered/>` under spec.gitops"),
        );
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    // Secrets: the backend must provide every Secret (and key) an enabled service declares.
    // What is found here does not stop the graph from being resolved: a missing dependency
    // (E0203) is often the cause, and is reported with (and before) these.
    let sops = match crate::secrets::site_sops(
        name,
        inputs.sops.get(name).map(Vec::as_slice).unwrap_or(&[]),
    ) {
        Ok(sops) => {
            crate::secrets::checks::check_secrets(
                name,
                &spec,
                &sops,
                &checked.catalog,
                &locate,
                &mut diags,
            );
            sops
        }
        Err(d) => {
            // Checking what the files provide would only add follow-on errors.
            diags.extend(d);
            BTreeMap::new()
        }
    };
    let labels = doc
        .doc
        .value
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let site = Site {
        name: name.to_string(),
        doc: doc.clone(),
        labels,
        spec,
        merged,
        values,
        sops,
    };
    Ok((site, diags))
}

/// The effective spec of a site: its layers merged in order, then the site; checked for
/// completeness and typed. Also returns the layer documents, in merge order.
pub(crate) fn merge_spec<'a>(
    name: &str,
    doc: &'a Doc,
    inputs: &'a Inputs,
    checked: &Checked,
) -> Result<(Tracked, SiteSpec, Vec<&'a Doc>), Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let empty = Value::Null;
    let spec_of = |d: &Doc| d.doc.value.pointer("/spec").unwrap_or(&empty).clone();

    // Layers, in order, then the site.
    let site_spec = spec_of(doc);
    let layer_names: Vec<String> = site_spec
        .get("layers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut merged = Tracked::empty_map();
    let mut layer_values = Vec::new();
    for (i, layer) in layer_names.iter().enumerate() {
        match inputs.layers.get(layer) {
            Some(ldoc) if checked.valid_layers.contains(layer) => {
                layer_values.push((ldoc, spec_of(ldoc)))
            }
            Some(_) => diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("site `{name}` uses layer `{layer}`, which has errors"),
                )
                .at(
                    &doc.source,
                    doc.span(&format!("/spec/layers/{i}"), false),
                    "used here",
                ),
            ),
            None => {
                let mut d = Diagnostic::error(
                    Code::UnknownName,
                    format!("site `{name}` uses layer `{layer}`, which does not exist"),
                )
                .at(
                    &doc.source,
                    doc.span(&format!("/spec/layers/{i}"), false),
                    "unknown layer",
                );
                d = match did_you_mean(layer, inputs.layers.keys().map(String::as_str)) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!(
                        "layers are the files of sites/_layers/: {}",
                        inputs.layers.keys().cloned().collect::<Vec<_>>().join(", ")
                    )),
                };
                diags.push(d);
            }
        }
    }
    if !diags.is_empty() {
        // Merging without the broken layers would only add follow-on errors.
        return Err(diags);
    }
    for (ldoc, spec) in &layer_values {
        merged.merge(Layered {
            value: spec,
            pointer: "/spec",
            spans: &ldoc.doc.spans,
            source: &ldoc.source,
        });
    }
    merged.merge(Layered {
        value: &site_spec,
        pointer: "/spec",
        spans: &doc.doc.spans,
        source: &doc.source,
    });

    // The merged spec must now be complete.
    let schemas = input_schemas();
    let spec_schema = &schemas.site.0["properties"]["spec"];
    let mut complete = spec_schema.clone();
    if let Some(m) = complete.as_object_mut() {
        m.insert(
            "required".into(),
            serde_json::json!(["kubernetesVersion", "namespace", "services"]),
        );
    }
    if let Ok(v) = jsonschema::validator_for(&complete) {
        let spec_span = doc.span("/spec", true);
        let found = validate(
            &v,
            &complete,
            &merged.value,
            &TrackedLocate {
                tracked: &merged,
                fallback: (&doc.source, spec_span),
            },
            &format!("site `{name}` (after its layers)"),
            Code::InvalidValue,
        );
        diags.extend(found.into_iter().map(|d| {
            if d.message.contains("missing the required field") {
                d.help("set it in the site's spec or in one of its layers")
            } else {
                d
            }
        }));
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let spec: SiteSpec = match serde_json::from_value(merged.value.clone()) {
        Ok(s) => s,
        Err(e) => {
            return Err(vec![Diagnostic::error(
                Code::InvalidValue,
                format!("site `{name}`: {e}"),
            )
            .at(&doc.source, doc.span("/spec", true), "here")])
        }
    };

    Ok((
        merged,
        spec,
        layer_values.into_iter().map(|(d, _)| d).collect(),
    ))
}
