//! The template environment of one service render: the sandbox and what templates see.
//!
//! Invariants: undefined variables are errors; a render has a fuel bound ([`FUEL`]); the
//! loader serves only the service's own templates and the catalog library `services/_lib/`,
//! from memory (nothing is read from disk); `endpoint()` reaches only declared dependencies;
//! `image()` applies the site's registry mirror.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use minijinja::{
    Environment, Error as JinjaError, ErrorKind as JinjaKind, UndefinedBehavior, Value as JValue,
};
use serde_json::{json, Value};
use strata_yaml::Span;

use crate::diag::{Code, Diagnostic, Source};
use crate::graph::ServiceGraph;
use crate::model::{Catalog, Service, Site};
use crate::secrets::SharedSecrets;

use super::*;

/// Instructions one template render may execute before it is stopped (an endless loop
/// guard; real templates use a few thousand).
pub(super) const FUEL: u64 = 50_000_000;

/// The context every template of a site sees (besides `service` and `values`).
pub(super) struct SiteContext {
    pub(super) site: Value,
    pub(super) services: Value,
}

pub(super) fn site_context(site: &Site, graph: &ServiceGraph) -> SiteContext {
    let spec = &site.spec;
    let site_value = json!({
        "name": site.name,
        "labels": site.labels,
        "namespace": spec.namespace,
        "domain": spec.domain,
        "region": spec.region,
        "kubernetesVersion": spec.kubernetes_version,
        "registry": spec.registry,
        "gitops": {"engine": spec.gitops.engine},
        "overlays": spec.overlays,
        "values": if spec.values.is_null() { json!({}) } else { spec.values.clone() },
    });
    let services: serde_json::Map<String, Value> = site
        .values
        .iter()
        .map(|(name, v)| {
            (
                name.clone(),
                json!({"name": name, "values": v.value, "wave": graph.waves.get(name)}),
            )
        })
        .collect();
    SiteContext {
        site: site_value,
        services: Value::Object(services),
    }
}

/// Rewrites an image reference for the site's registry mirror and default tag.
///
/// With a mirror, the reference's own registry host (a first path component containing `.`
/// or `:`, or `localhost`) is replaced by the mirror; a Docker Hub short name gets
/// `library/` as Docker Hub mirrors expect (`nginx:1.25` → `<mirror>/library/nginx:1.25`).
pub fn rewrite_image(reference: &str, mirror: Option<&str>, tag: Option<&str>) -> String {
    let mut r = reference.to_string();
    let last = r.rsplit('/').next().unwrap_or("");
    if let Some(tag) = tag {
        if !last.contains(':') && !r.contains('@') {
            r = format!("{r}:{tag}");
        }
    }
    let Some(mirror) = mirror else { return r };
    let (first, rest) = r.split_once('/').unwrap_or(("", r.as_str()));
    let path = if first.contains(['.', ':']) || first == "localhost" {
        rest.to_string()
    } else if first.is_empty() {
        format!("library/{rest}")
    } else {
        r.clone()
    };
    format!("{}/{path}", mirror.trim_end_matches('/'))
}

pub(super) fn environment(
    site: &Site,
    catalog: &Catalog,
    ctx: &SiteContext,
    svc: &Service,
    recorded: Arc<Mutex<Vec<Diagnostic>>>,
    secrets: SharedSecrets,
) -> Environment<'static> {
    let mut env = base_environment();
    // The loader serves only this service's templates and the catalog library, from memory:
    // nothing else can be included, and nothing is read from disk.
    set_loader(&mut env, svc.templates.iter().chain(svc.library.iter()));

    let mirror = site.spec.registry.mirror.clone();
    let tag = site.spec.registry.tag.clone();
    env.add_function(
        "image",
        move |reference: &str| -> Result<String, JinjaError> {
            if reference.is_empty() {
                return Err(JinjaError::new(
                    JinjaKind::InvalidOperation,
                    "image(): empty image reference",
                ));
            }
            Ok(rewrite_image(reference, mirror.as_deref(), tag.as_deref()))
        },
    );

    crate::secrets::helpers::add(&mut env, site, svc, Arc::clone(&recorded), secrets);

    // endpoint(service, kind): the target's endpoint template, rendered for this site.
    let declared: Vec<String> = svc
        .spec
        .depends_on
        .iter()
        .chain(&svc.spec.soft_depends_on)
        .cloned()
        .chain([svc.name.clone()])
        .collect();
    let mut endpoints: BTreeMap<String, Result<BTreeMap<String, String>, Diagnostic>> =
        BTreeMap::new();
    for target in &declared {
        if let (Some(t), Some(v)) = (catalog.services.get(target), site.values.get(target)) {
            endpoints.insert(target.clone(), render_endpoints(t, &ctx.site, &v.value));
        }
    }
    let me = svc.name.clone();
    let src = svc.doc.source.clone();
    env.add_function("endpoint", move |target: &str, kind: &str| -> Result<String, JinjaError> {
        let fail = |d: Diagnostic, msg: String| {
            if let Ok(mut r) = recorded.lock() {
                r.push(d);
            }
            Err(JinjaError::new(JinjaKind::InvalidOperation, msg))
        };
        if !declared.iter().any(|d| d == target) {
            let msg = format!("endpoint('{target}', '{kind}'): `{target}` is not a declared dependency of `{me}`");
            return fail(
                Diagnostic::error(Code::UndeclaredEndpoint, msg.clone())
                    .at(&src, Span::default(), "dependencies are declared here")
                    .help(format!("add `{target}` to spec.dependsOn (or softDependsOn) in {}", src.path)),
                msg,
            );
        }
        match endpoints.get(target) {
            None => {
                let msg = format!("endpoint('{target}', '{kind}'): `{target}` is not enabled in this site");
                fail(Diagnostic::error(Code::UndeclaredEndpoint, msg.clone()).help(format!("enable `{target}`, or guard the use with `{{% if services.{target} is defined %}}`")), msg)
            }
            Some(Err(d)) => fail(d.clone(), d.message.clone()),
            Some(Ok(kinds)) => match kinds.get(kind) {
                Some(url) => Ok(url.clone()),
                None => {
                    let msg = format!("endpoint('{target}', '{kind}'): `{target}` has no `{kind}` endpoint");
                    let known: Vec<&str> = kinds.keys().map(String::as_str).collect();
                    fail(Diagnostic::error(Code::UndeclaredEndpoint, msg.clone()).help(format!("its endpoints are: {}", known.join(", "))), msg)
                }
            },
        }
    });
    env
}

/// The name a template is loaded by: a service's own templates by their file name, the
/// catalog library's by their path below `services/` (`_lib/<file>`).
pub fn template_name(path: &str) -> &str {
    match path.strip_prefix("services/") {
        Some(lib) if path.starts_with(crate::load::LIBRARY_DIR) && lib.contains('/') => lib,
        _ => path.rsplit('/').next().unwrap_or(path),
    }
}

/// Serves `sources` by [`template_name`], from memory. Names are looked up exactly (no path
/// joining), so `..` or an absolute path never reaches another file.
pub(super) fn set_loader<'a>(
    env: &mut Environment<'static>,
    sources: impl Iterator<Item = &'a Source>,
) {
    let templates: HashMap<String, String> = sources
        .map(|s| (template_name(&s.path).to_string(), s.text.to_string()))
        .collect();
    env.set_loader(move |name| Ok(templates.get(name).cloned()));
}

/// The template environment shared by service templates and endpoint strings.
pub(super) fn base_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    // Output is YAML, not HTML: no auto-escaping. Values that need quoting use `quote`,
    // `to_json` or `to_yaml`, and Strata's emitter re-quotes whatever it parses.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.add_filter("to_ini", |v: JValue| helpers::to_ini(&v));
    env.add_filter("to_yaml", |v: JValue| helpers::to_yaml(&v));
    env.add_filter("to_json", |v: JValue| helpers::to_json(&v));
    env.add_filter("b64encode", |v: JValue| helpers::b64encode(&v));
    env.add_filter("sha256", |v: JValue| helpers::sha256(&v));
    env.add_filter("quote", |v: JValue| helpers::quote(&v));
    env
}

pub(super) fn render_endpoints(
    svc: &Service,
    site: &Value,
    values: &Value,
) -> Result<BTreeMap<String, String>, Diagnostic> {
    let mut env = base_environment();
    // Endpoint strings may import the catalog library (`{% import "_lib/lib.j2" as lib %}`).
    set_loader(&mut env, svc.library.iter());
    let ctx = JValue::from(minijinja::value::Serde(
        json!({"site": site, "service": {"name": svc.name}, "values": values}),
    ));
    let mut out = BTreeMap::new();
    for (kind, tpl) in &svc.spec.endpoints {
        match engine(&format!("endpoint `{kind}`"), || env.render_str(tpl, &ctx)) {
            Ok(url) => {
                out.insert(kind.clone(), url);
            }
            Err(e) => {
                let ptr = format!("/spec/endpoints/{}", strata_yaml::pointer_escape(kind));
                return Err(Diagnostic::error(
                    Code::TemplateError,
                    format!(
                        "endpoint `{kind}` of `{}` does not render: {}",
                        svc.name,
                        e.detail().unwrap_or("error")
                    ),
                )
                .at(
                    &svc.doc.source,
                    svc.doc.span(&ptr, false),
                    "this endpoint template",
                )
                .help("endpoint templates see `site`, `service` and the target's `values`"));
            }
        }
    }
    Ok(out)
}
