//! Site resolution: from a site's name to a resolved [`Site`] — its layers merged into its
//! spec, the names it uses (services, overlays) checked against the catalog, the values of
//! every enabled service merged (defaults ◀ layers ◀ site) and validated against the service's
//! values schema, and its secret backend checked.
//!
//! Invariants: every merged value keeps the input it came from, so each diagnostic points at
//! what a person wrote; a site that does not exist gets the one "there is no site" error
//! ([`no_such_site`]).

use std::collections::BTreeMap;

use serde_json::Value;

use super::schema::{input_schemas, validate};
use super::{site_values, Checked, TrackedLocate};
use crate::diag::{Code, Diagnostic, Source};
use crate::load::{Doc, Inputs};
use crate::merge::{Layered, Tracked};
use crate::model::{Site, SiteSpec};
use strata_yaml::did_you_mean;

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
        diags.extend(crate::chart::values::check(svc, &v));
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
