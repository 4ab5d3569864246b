//! The secret checks of site resolution: the site's backend provides every Secret its
//! enabled services declare, values marked secret are references and never literals, and what
//! `strata secrets SITE` lists.
//!
//! Invariant: no diagnostic shows a secret value; a literal is named by where it is written.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::check::schema;
use crate::check::{merge_spec, no_such_site, Checked};
use crate::diag::{Code, Diagnostic, Source};
use crate::load::Inputs;
use crate::merge::Tracked;
use crate::model::{Catalog, SiteSpec};

/// One Secret a site's services read, and whether the site's backend provides it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SecretNeed {
    /// The Secret's name.
    pub name: String,
    /// Keys the services read.
    pub keys: Vec<String>,
    /// Services declaring it.
    pub services: Vec<String>,
    /// Keys the backend does not provide (always empty for the external backend, which
    /// creates every declared Secret).
    pub missing: Vec<String>,
}

/// The Secrets a site needs (`strata secrets SITE`): what its enabled services declare, and
/// for a SOPS site which of them its encrypted files provide.
pub fn secret_needs(
    name: &str,
    inputs: &Inputs,
    checked: &Checked,
) -> Result<(crate::model::SecretBackend, Vec<SecretNeed>), Vec<Diagnostic>> {
    if let Some(why) = inputs.site_errors.get(name) {
        return Err(why.clone());
    }
    let Some(doc) = inputs.sites.get(name) else {
        return Err(vec![no_such_site(name, inputs)]);
    };
    let (_, spec, _) = merge_spec(name, doc, inputs, checked)?;
    let sops = crate::secrets::site_sops(
        name,
        inputs.sops.get(name).map(Vec::as_slice).unwrap_or(&[]),
    )?;
    let mut needs: BTreeMap<String, SecretNeed> = BTreeMap::new();
    for svc in spec
        .services
        .keys()
        .filter_map(|s| checked.catalog.services.get(s))
    {
        for (secret, decl) in &svc.spec.secrets {
            let n = needs.entry(secret.clone()).or_insert_with(|| SecretNeed {
                name: secret.clone(),
                keys: Vec::new(),
                services: Vec::new(),
                missing: Vec::new(),
            });
            n.services.push(svc.name.clone());
            for k in &decl.keys {
                if !n.keys.contains(k) {
                    n.keys.push(k.clone());
                }
            }
        }
        // A chart's secret values are store entries too. (On a SOPS site what is needed are
        // the chart's rendered Secrets, known only after rendering: the build names them.)
        if spec.secrets.backend == crate::model::SecretBackend::External {
            for v in svc.spec.chart.iter().flat_map(|c| c.secret_values.values()) {
                let n = needs.entry(v.secret.clone()).or_insert_with(|| SecretNeed {
                    name: v.secret.clone(),
                    keys: Vec::new(),
                    services: Vec::new(),
                    missing: Vec::new(),
                });
                if !n.services.contains(&svc.name) {
                    n.services.push(svc.name.clone());
                }
                if !n.keys.contains(&v.key) {
                    n.keys.push(v.key.clone());
                }
            }
        }
    }
    for n in needs.values_mut() {
        n.keys.sort();
        if spec.secrets.backend == crate::model::SecretBackend::Sops {
            n.missing = n
                .keys
                .iter()
                .filter(|k| !sops.get(&n.name).is_some_and(|f| f.keys.contains(k)))
                .cloned()
                .collect();
        }
    }
    Ok((spec.secrets.backend, needs.into_values().collect()))
}

/// Values a service's schema marks `x-strata-secret: true` may only be references
/// (`{secretRef: {name, key}}`); a literal is an error that names where it is written but
/// never shows it.
pub(crate) fn literal_secrets(schema: &Value, tracked: &Tracked, svc: &str) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for (ptr, mark) in crate::secrets::marked::find(schema, &tracked.value) {
        let Some(value) = tracked.value.pointer(&ptr) else {
            continue;
        };
        if mark != crate::secrets::marked::Mark::Secret || value.is_object() || value.is_null() {
            continue;
        }
        let path = schema::human_path(&ptr);
        let mut d = Diagnostic::error(
            Code::LiteralSecret,
            format!("`{path}` of the values of `{svc}` is a literal secret (value not shown)"),
        );
        if let Some(o) = tracked.origin(&ptr) {
            d = d.at(
                &o.source.redact_line(o.span.start.line),
                o.span,
                "a literal, not a reference",
            );
        }
        diags.push(d.help("write a reference, `{secretRef: {name: <Secret>, key: <key>}}`, and provide that Secret through the site's secret backend; then rotate this secret: it has been in plaintext"));
    }
    diags
}

/// Checks a site's secret backend against the Secrets its enabled services declare.
pub(crate) fn check_secrets(
    name: &str,
    spec: &SiteSpec,
    sops: &BTreeMap<String, crate::secrets::SopsFile>,
    catalog: &Catalog,
    locate: &dyn Fn(&str, bool) -> (Source, strata_yaml::Span),
    diags: &mut Vec<Diagnostic>,
) {
    use crate::model::SecretBackend;
    let declared: BTreeMap<&str, (&str, &crate::model::SecretDecl)> = spec
        .services
        .keys()
        .filter_map(|s| catalog.services.get(s))
        .flat_map(|svc| {
            svc.spec
                .secrets
                .iter()
                .map(move |(n, d)| (n.as_str(), (svc.name.as_str(), d)))
        })
        .collect();
    match spec.secrets.backend {
        SecretBackend::External => {
            if spec.secrets.store.is_none() && !declared.is_empty() {
                let (src, span) = locate("/secrets", true);
                diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "site `{name}` reads secrets from an external store but names none"
                        ),
                    )
                    .at(&src, span, "backend: external")
                    .help(
                        "add `store: {kind: ClusterSecretStore, name: <store>}` under spec.secrets",
                    ),
                );
            }
            if let Some(f) = sops.values().next() {
                diags.push(
                    Diagnostic::error(
                        Code::BadSops,
                        format!(
                            "site `{name}` uses the external secret backend, but has SOPS files"
                        ),
                    )
                    .at(
                        &f.source,
                        strata_yaml::Span::default(),
                        "this file would be ignored",
                    )
                    .help("set spec.secrets.backend: sops, or move these secrets to the store"),
                );
            }
        }
        SecretBackend::Sops => {
            for (secret, (svc, decl)) in &declared {
                let missing: Vec<&str> = match sops.get(*secret) {
                    Some(f) => decl
                        .keys
                        .iter()
                        .map(String::as_str)
                        .filter(|k| !f.keys.iter().any(|fk| fk == k))
                        .collect(),
                    None => decl.keys.iter().map(String::as_str).collect(),
                };
                if missing.is_empty() {
                    continue;
                }
                let service = &catalog.services[*svc];
                let ptr = format!("/spec/secrets/{}", strata_yaml::pointer_escape(secret));
                let mut d = Diagnostic::error(
                    Code::MissingSecret,
                    match sops.get(*secret) {
                        Some(f) => format!(
                            "Secret `{secret}` in {} lacks key{} {} that `{svc}` reads",
                            f.source.path,
                            if missing.len() == 1 { "" } else { "s" },
                            missing.join(", ")
                        ),
                        None => format!(
                            "site `{name}` does not provide Secret `{secret}`, which `{svc}` reads"
                        ),
                    },
                )
                .at(
                    &service.doc.source,
                    service.doc.span(&ptr, true),
                    "declared here",
                );
                d = d.help(format!(
                    "add a SOPS-encrypted Secret `{secret}` with key{} {} as sites/{name}/secrets/{secret}.sops.yaml",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ));
                diags.push(d);
            }
            for f in sops.values() {
                let owner_ok = match &f.owner {
                    Some(o) => spec.services.contains_key(o),
                    None => declared.contains_key(f.name.as_str()),
                };
                if !owner_ok {
                    // Often a service disabled on purpose (or by mistake, with an E0203 about
                    // it): the encrypted file must not be deleted on Strata's advice.
                    let whose = match &f.owner {
                        Some(o) => format!("`{o}`, whose folder holds it, is not enabled"),
                        None => format!("no enabled service declares Secret `{}`", f.name),
                    };
                    diags.push(
                        Diagnostic::warning(
                            Code::UnreadSops,
                            format!(
                                "no enabled service of site `{name}` reads Secret `{}`: the file is not shipped",
                                f.name
                            ),
                        )
                        .at(&f.source, strata_yaml::Span::default(), "this file")
                        .note(whose)
                        .help("enable a service that reads it (or put it in secrets/<service>/ of the service that should ship it); delete it only if no longer needed"),
                    );
                }
            }
        }
    }
}
