//! Stage 4, render templates: every enabled service's minijinja templates, into Kubernetes
//! objects that remember the template line they came from.
//!
//! Input: a resolved [`Site`], the [`Catalog`] and the site's [`ServiceGraph`]. Output:
//! [`Object`]s, in service then template then document order.
//!
//! The template environment is a sandbox: undefined variables are errors, rendering has a fuel
//! bound, templates can only include templates of their own service and of the catalog library
//! `services/_lib/` (served from memory, so nothing is read from disk), and `endpoint()` only
//! reaches declared dependencies.

pub mod helpers;
pub mod linemap;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use minijinja::{
    Environment, Error as JinjaError, ErrorKind as JinjaKind, UndefinedBehavior, Value as JValue,
};
use rayon::prelude::*;
use serde_json::{json, Value};
use strata_yaml::{ParseOptions, Pos, Span, Spans};

use crate::check::schema::human_path;
use crate::diag::{Code, Diagnostic, Source};
use crate::graph::ServiceGraph;
use crate::model::{Catalog, Service, Site};
use crate::secrets::SharedSecrets;
use linemap::LineMap;
use strata_yaml::did_you_mean;

/// Instructions one template render may execute before it is stopped (an endless loop
/// guard; real templates use a few thousand).
const FUEL: u64 = 50_000_000;

/// Where a rendered object came from: its template, and the rendered text it was parsed from.
#[derive(Clone, Debug)]
pub struct Provenance {
    /// The template file.
    pub template: Source,
    /// The template's rendered output.
    pub rendered: Arc<str>,
    /// Spans of the object's nodes in `rendered`.
    pub spans: Spans,
    /// Rendered line → template line.
    pub lines: Arc<LineMap>,
    /// For objects Strata generates itself: the one input position every field maps to.
    pub fixed: Option<Span>,
}

impl Provenance {
    /// The template position of line `line` (0-based) of the multi-line string at `pointer`.
    pub fn locate_line(&self, pointer: &str, line: usize) -> (Source, Span) {
        let Some((_, s)) = self.spans.get(pointer).map(|s| (pointer, s)) else {
            return self.locate(pointer);
        };
        if self.fixed.is_some() {
            return self.locate(pointer);
        }
        // A block scalar's content starts on the line after its `|` or `>` indicator.
        let block = self
            .rendered
            .get(s.value.bytes())
            .is_some_and(|t| t.starts_with(['|', '>']));
        let rendered_line = s.value.start.line as usize + line + usize::from(block);
        (
            self.template.clone(),
            template_span(&self.template.text, &self.lines, rendered_line, ""),
        )
    }

    /// The template position of the node at `pointer` (or of its nearest rendered ancestor).
    pub fn locate(&self, pointer: &str) -> (Source, Span) {
        if let Some(span) = self.fixed {
            return (self.template.clone(), span);
        }
        let rendered_line = self
            .spans
            .nearest(pointer)
            .map(|(_, s)| s.key.unwrap_or(s.value).start.line as usize)
            .unwrap_or(1);
        let key = pointer.rsplit('/').next().unwrap_or("");
        (
            self.template.clone(),
            template_span(&self.template.text, &self.lines, rendered_line, key),
        )
    }
}

/// The span of template line for `rendered_line` (1-based), pointing at `key` when the line
/// contains it, else at its first non-blank character.
fn template_span(template: &str, lines: &LineMap, rendered_line: usize, key: &str) -> Span {
    let t_line = lines
        .template_line(rendered_line.saturating_sub(1))
        .unwrap_or(0);
    let line_start: usize = template
        .split_inclusive('\n')
        .take(t_line)
        .map(str::len)
        .sum();
    let text = template[line_start.min(template.len())..]
        .lines()
        .next()
        .unwrap_or("");
    let (col, len) = match (!key.is_empty()).then(|| text.find(key)).flatten() {
        Some(i) => (i, key.len()),
        None => {
            let i = text.len() - text.trim_start().len();
            (i, text.trim().len().max(1))
        }
    };
    let start = Pos {
        line: u32::try_from(t_line + 1).unwrap_or(u32::MAX),
        col: u32::try_from(text[..col].chars().count() + 1).unwrap_or(u32::MAX),
        offset: line_start + col,
    };
    let end = Pos {
        col: start.col
            + u32::try_from(text[col..(col + len).min(text.len())].chars().count()).unwrap_or(0),
        offset: (line_start + col + len).min(template.len()),
        ..start
    };
    Span { start, end }
}

/// A rendered Kubernetes object.
#[derive(Clone, Debug)]
pub struct Object {
    /// The object.
    pub value: Value,
    /// The service it belongs to.
    pub service: String,
    /// Where it came from.
    pub provenance: Provenance,
}

impl Object {
    /// `Kind namespace/name` (or `Kind name`), for messages.
    pub fn display(&self) -> String {
        strata_validate::object_label(&self.value)
    }
}

/// The context every template of a site sees (besides `service` and `values`).
struct SiteContext {
    site: Value,
    services: Value,
}

fn site_context(site: &Site, graph: &ServiceGraph) -> SiteContext {
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

/// Renders every enabled service of a site.
pub fn render_site(
    site: &Site,
    catalog: &Catalog,
    graph: &ServiceGraph,
) -> (Vec<Object>, Vec<Diagnostic>) {
    let ctx = site_context(site, graph);
    let names: Vec<&str> = graph.waves.keys().map(String::as_str).collect();
    let results: Vec<(Vec<Object>, Vec<Diagnostic>)> = names
        .par_iter()
        .map(|name| match catalog.services.get(*name) {
            Some(svc) => render_service(site, catalog, graph, &ctx, svc),
            None => (Vec::new(), Vec::new()),
        })
        .collect();
    let mut objects = Vec::new();
    let mut diags = Vec::new();
    for (o, d) in results {
        objects.extend(o);
        diags.extend(d);
    }
    if diags.is_empty() {
        crate::secrets::external::share_declared_secrets(&mut objects, graph);
        diags.extend(duplicates(&objects));
    }
    (objects, diags)
}

fn duplicates(objects: &[Object]) -> Vec<Diagnostic> {
    let mut seen: HashMap<(String, String, String, String), &Object> = HashMap::new();
    let mut diags = Vec::new();
    for o in objects {
        let v = &o.value;
        let s = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let group = s("/apiVersion")
            .rsplit_once('/')
            .map_or(String::new(), |(g, _)| g.to_string());
        let key = (
            group,
            s("/kind"),
            s("/metadata/namespace"),
            s("/metadata/name"),
        );
        if let Some(first) = seen.get(&key) {
            let (src, span) = o.provenance.locate("/metadata/name");
            let (fsrc, fspan) = first.provenance.locate("/metadata/name");
            diags.push(
                Diagnostic::error(
                    Code::DuplicateObject,
                    format!(
                        "{} is rendered twice (by `{}` and `{}`)",
                        o.display(),
                        first.service,
                        o.service
                    ),
                )
                .at(&src, span, "rendered again here")
                .at(&fsrc, fspan, "first rendered here")
                .help("give the objects different names, or render the object in one service only"),
            );
        } else {
            seen.insert(key, o);
        }
    }
    diags
}

fn render_service(
    site: &Site,
    catalog: &Catalog,
    graph: &ServiceGraph,
    ctx: &SiteContext,
    svc: &Service,
) -> (Vec<Object>, Vec<Diagnostic>) {
    let env_diags: Arc<Mutex<Vec<Diagnostic>>> = Arc::new(Mutex::new(Vec::new()));
    let secrets: SharedSecrets = Arc::default();
    let env = environment(
        site,
        catalog,
        ctx,
        svc,
        Arc::clone(&env_diags),
        Arc::clone(&secrets),
    );
    let values = site
        .values
        .get(&svc.name)
        .map(|t| t.value.clone())
        .unwrap_or_else(|| json!({}));
    let context = json!({
        "site": ctx.site,
        "services": ctx.services,
        "service": {
            "name": svc.name,
            "description": svc.spec.description,
            "dependsOn": svc.spec.depends_on,
            "softDependsOn": svc.spec.soft_depends_on,
            "wave": graph.waves.get(&svc.name),
            "dependencies": graph.dependencies(&svc.name),
        },
        "values": values,
    });
    let jctx = JValue::from(minijinja::value::Serde(&context));
    let mut objects = Vec::new();
    let mut diags = Vec::new();
    for tpl in &svc.templates {
        let file = tpl.path.rsplit('/').next().unwrap_or(&tpl.path);
        if file.starts_with('_') {
            continue;
        }
        let rendered = match env.get_template(file).and_then(|t| t.render(&jctx)) {
            Ok(r) => r,
            Err(e) => {
                let recorded: Vec<Diagnostic> = env_diags
                    .lock()
                    .map(|mut d| std::mem::take(&mut *d))
                    .unwrap_or_default();
                if recorded.is_empty() {
                    diags.push(jinja_diagnostic(&e, svc, &context));
                } else {
                    // A helper recorded what went wrong; the error tells where.
                    let chain = jinja_chain(&e);
                    let at = chain.last().and_then(|inner| jinja_location(inner, svc));
                    let outer = including_lines(&chain, svc);
                    diags.extend(recorded.into_iter().map(|mut d| {
                        if let Some((src, span)) = &at {
                            d.labels.insert(
                                0,
                                crate::diag::Label {
                                    source: src.clone(),
                                    span: *span,
                                    message: "called here".into(),
                                },
                            );
                        }
                        d.labels.extend(outer.iter().cloned());
                        d
                    }));
                }
                continue;
            }
        };
        parse_rendered(site, svc, tpl, rendered, &mut objects, &mut diags);
    }
    if let Some(external) = crate::secrets::External::of(site) {
        let produced = secrets
            .lock()
            .map(|s| s.produced.clone())
            .unwrap_or_default();
        for (value, ptr) in
            crate::secrets::external::declared_secrets(&external, site, svc, &produced)
        {
            objects.push(generated(value, svc, svc.doc.span(&ptr, true)));
        }
    }
    (objects, diags)
}

/// An object Strata generates from a declaration in `service.yaml`.
fn generated(value: Value, svc: &Service, span: Span) -> Object {
    Object {
        value,
        service: svc.name.clone(),
        provenance: Provenance {
            template: svc.doc.source.clone(),
            rendered: Arc::from(""),
            spans: Spans::default(),
            lines: Arc::new(LineMap::default()),
            fixed: Some(span),
        },
    }
}

fn parse_rendered(
    site: &Site,
    svc: &Service,
    tpl: &Source,
    rendered: String,
    objects: &mut Vec<Object>,
    diags: &mut Vec<Diagnostic>,
) {
    let lines = Arc::new(LineMap::new(&tpl.text, &rendered));
    let rendered: Arc<str> = rendered.into();
    let docs = match strata_yaml::parse(&rendered, &ParseOptions::default()) {
        Ok(d) => d,
        Err(e) => {
            let span = template_span(&tpl.text, &lines, e.span.start.line as usize, "");
            // The rendered line may hold a value (a Secret's data, a credential): masked as
            // every snippet is.
            let line = crate::diag::redact::shown_line(
                &tpl.path,
                &rendered,
                (e.span.start.line as usize).saturating_sub(1),
            );
            diags.push(
                Diagnostic::error(Code::BadRenderedObject, format!("template `{}` rendered invalid YAML: {}", tpl.path, e.message))
                    .at(&tpl.clone(), span, "the output of this line")
                    .note(format!("rendered line {}: `{}`", e.span.start.line, line.trim_end()))
                    .help("check the indentation of the template's output, and quote values with `| quote` or `| to_json`"),
            );
            return;
        }
    };
    for doc in docs {
        if doc.value.is_null() {
            continue;
        }
        let prov = Provenance {
            template: tpl.clone(),
            rendered: Arc::clone(&rendered),
            spans: doc.spans,
            lines: Arc::clone(&lines),
            fixed: None,
        };
        let mut value = doc.value;
        let problem = match &value {
            Value::Object(m) => {
                if !m.get("apiVersion").is_some_and(Value::is_string) {
                    Some((
                        "apiVersion",
                        "a Kubernetes object needs `apiVersion` (a string)",
                    ))
                } else if !m.get("kind").is_some_and(Value::is_string) {
                    Some(("kind", "a Kubernetes object needs `kind` (a string)"))
                } else if value
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    Some(("metadata", "a Kubernetes object needs `metadata.name`"))
                } else {
                    None
                }
            }
            _ => Some((
                "",
                "each YAML document a template renders must be a Kubernetes object (a map)",
            )),
        };
        if let Some((field, msg)) = problem {
            let (src, span) = prov.locate(&if field.is_empty() {
                String::new()
            } else {
                format!("/{field}")
            });
            diags.push(
                Diagnostic::error(
                    Code::BadRenderedObject,
                    format!("template `{}`: {msg}", tpl.path),
                )
                .at(&src, span, "this document"),
            );
            continue;
        }
        let api = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !strata_kustomize::is_cluster_scoped_kind(&api, &kind)
            && value.pointer("/metadata/namespace").is_none()
        {
            if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert(
                    "namespace".into(),
                    Value::String(site.spec.namespace.clone()),
                );
            }
        }
        objects.push(Object {
            value,
            service: svc.name.clone(),
            provenance: prov,
        });
    }
}

fn environment(
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
fn set_loader<'a>(env: &mut Environment<'static>, sources: impl Iterator<Item = &'a Source>) {
    let templates: HashMap<String, String> = sources
        .map(|s| (template_name(&s.path).to_string(), s.text.to_string()))
        .collect();
    env.set_loader(move |name| Ok(templates.get(name).cloned()));
}

/// The template environment shared by service templates and endpoint strings.
fn base_environment() -> Environment<'static> {
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

fn render_endpoints(
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
        match env.render_str(tpl, &ctx) {
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

/// The span of a byte range of `text`.
pub fn span_of(text: &str, range: std::ops::Range<usize>) -> Span {
    let pos = |off: usize| {
        // Offsets from other tools (minijinja counts in bytes too) can land inside a
        // multi-byte character: round down to its start.
        let mut off = off.min(text.len());
        while !text.is_char_boundary(off) {
            off -= 1;
        }
        let before = &text[..off];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(text[line_start..off].chars().count() + 1).unwrap_or(u32::MAX),
            offset: off,
        }
    };
    Span {
        start: pos(range.start),
        end: pos(range.end),
    }
}

/// A minijinja error and the errors it wraps, outermost first: an error inside an included or
/// imported template comes wrapped in one at the `{% include %}` or `{% import %}` line.
fn jinja_chain(e: &JinjaError) -> Vec<&JinjaError> {
    let mut out = vec![e];
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        if let Some(j) = next.downcast_ref::<JinjaError>() {
            out.push(j);
        }
        cur = next;
    }
    out
}

/// Context labels for the outer errors of a chain: the lines that include or import the
/// template where the error is (the error itself is labelled at its own line).
fn including_lines(chain: &[&JinjaError], svc: &Service) -> Vec<crate::diag::Label> {
    let Some((inner, outer)) = chain.split_last() else {
        return Vec::new();
    };
    let mut inner_name = inner.name().unwrap_or("?").to_string();
    let mut out = Vec::new();
    for e in outer.iter().rev() {
        if e.name() == Some(inner_name.as_str()) {
            continue;
        }
        if let Some((source, span)) = jinja_location(e, svc) {
            out.push(crate::diag::Label {
                source,
                span,
                message: format!("uses `{inner_name}`, where the error is"),
            });
        }
        inner_name = e.name().unwrap_or("?").to_string();
    }
    out
}

/// The template position of a minijinja error.
fn jinja_location(e: &JinjaError, svc: &Service) -> Option<(Source, Span)> {
    let tpl = e
        .name()
        .and_then(|n| {
            svc.templates
                .iter()
                .chain(svc.library.iter())
                .find(|t| template_name(&t.path) == n)
        })
        .or_else(|| svc.templates.first());
    tpl.map(|t| {
        let span = match (e.range(), e.line()) {
            (Some(r), _) if r.end <= t.text.len() => span_of(&t.text, r),
            (_, Some(line)) => {
                let start: usize = t
                    .text
                    .split_inclusive('\n')
                    .take(line.saturating_sub(1))
                    .map(str::len)
                    .sum();
                let len = t.text[start.min(t.text.len())..]
                    .lines()
                    .next()
                    .map_or(0, str::len);
                span_of(&t.text, start..start + len)
            }
            _ => Span::default(),
        };
        (t.clone(), span)
    })
}

fn jinja_diagnostic(outermost: &JinjaError, svc: &Service, context: &Value) -> Diagnostic {
    // The innermost error is where the mistake is (in an included or imported template); the
    // include or import lines are added as context.
    let chain = jinja_chain(outermost);
    let e = chain.last().copied().unwrap_or(outermost);
    let at = jinja_location(e, svc).map(|(t, s)| {
        // minijinja points an attribute of an undefined value at `.attr`: widen the span to
        // the whole dotted name (`values.probe.delay`).
        let start = s.start.offset.min(t.text.len());
        if !t.text[start..].starts_with('.') {
            return (t, s);
        }
        let from = t.text[..start]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |i| i + 1);
        let span = span_of(&t.text, from..s.end.offset.max(from));
        (t, span)
    });
    let expr = at
        .as_ref()
        .map(|(t, s)| t.text[s.bytes()].trim().to_string())
        .unwrap_or_default();
    let detail = e.detail().unwrap_or("").to_string();
    let (code, message, label, help) = match e.kind() {
        JinjaKind::SyntaxError => (
            Code::TemplateSyntax,
            format!("template syntax error: {detail}"),
            "here".to_string(),
            "see the minijinja syntax documentation".to_string(),
        ),
        JinjaKind::UndefinedError => {
            let help = undefined_help(&expr, context);
            (
                Code::UndefinedVariable,
                format!("`{}` is undefined", expr_head(&expr)),
                "undefined".to_string(),
                help,
            )
        }
        JinjaKind::OutOfFuel => (
            Code::TemplateError,
            "template ran out of fuel (an endless loop, or a very large range?)".into(),
            "stopped here".into(),
            "templates may run a bounded number of instructions; simplify the loop".into(),
        ),
        JinjaKind::UnknownFilter | JinjaKind::UnknownFunction | JinjaKind::UnknownTest => (
            Code::TemplateError,
            format!("template error: {detail}"),
            "here".into(),
            "Strata's helpers: image, endpoint, to_ini, to_yaml, to_json, b64encode, sha256, quote"
                .into(),
        ),
        JinjaKind::TemplateNotFound => (
            Code::TemplateError,
            format!("template error: {detail}"),
            "here".into(),
            format!(
                "templates may include only templates of their own service ({}/templates) and of the catalog library (`_lib/<file>`, from {})",
                svc.dir,
                crate::load::LIBRARY_DIR
            ),
        ),
        _ => (
            Code::TemplateError,
            format!(
                "template error: {}",
                if detail.is_empty() {
                    e.to_string()
                } else {
                    detail
                }
            ),
            "here".into(),
            "check the expression".into(),
        ),
    };
    let mut d = Diagnostic::error(code, message)
        .at_opt(at.as_ref().map(|(s, sp)| (s, *sp)), label)
        .help(help);
    d.labels.extend(including_lines(&chain, svc));
    d
}

/// The expression inside `{{ … }}` (or the whole text).
fn expr_head(expr: &str) -> String {
    let e = expr.trim_start_matches("{{").trim_end_matches("}}").trim();
    let e = e.split('|').next().unwrap_or(e).trim();
    e.chars().take(80).collect()
}

/// "did you mean" for an undefined dotted path, by looking up its parent in the context.
fn undefined_help(expr: &str, context: &Value) -> String {
    let head = expr_head(expr);
    let parts: Vec<&str> = head.split('.').map(str::trim).collect();
    if parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        })
    {
        let mut cur = context;
        for (i, p) in parts.iter().enumerate() {
            match cur.get(*p) {
                Some(next) => cur = next,
                None => {
                    let parent = parts[..i].join(".");
                    let keys: Vec<&str> = cur
                        .as_object()
                        .map(|m| m.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    return match did_you_mean(p, keys.iter().copied()) {
                        Some(s) => format!("did you mean `{parent}.{s}`?"),
                        None if keys.is_empty() => format!("`{}` has no fields; set `{p}` in the values, or use `{head} | default(...)`", human_path(&format!("/{}", parts[..i].join("/")))),
                        None => format!("`{parent}` has: {}; or use `{head} | default(...)`", keys.join(", ")),
                    };
                }
            }
        }
    }
    "templates see `site`, `service`, `values` and `services`; use `| default(...)` for optional values".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_follow_the_mirror() {
        let m = Some("registry.local/mirror");
        assert_eq!(
            rewrite_image("quay.io/airshipit/keystone:2024.1", m, None),
            "registry.local/mirror/airshipit/keystone:2024.1"
        );
        assert_eq!(
            rewrite_image("nginx:1.25", m, None),
            "registry.local/mirror/library/nginx:1.25"
        );
        assert_eq!(
            rewrite_image("openstackhelm/heat", m, Some("2024.1")),
            "registry.local/mirror/openstackhelm/heat:2024.1"
        );
        assert_eq!(
            rewrite_image("localhost:5000/a/b@sha256:00", m, Some("x")),
            "registry.local/mirror/a/b@sha256:00"
        );
        assert_eq!(
            rewrite_image("docker.io/library/mariadb:11", None, None),
            "docker.io/library/mariadb:11"
        );
    }

    #[test]
    fn undefined_variables_get_suggestions() {
        let ctx = json!({"values": {"api": {"replicas": 1}}});
        assert_eq!(
            undefined_help("{{ values.api.replcas }}", &ctx),
            "did you mean `values.api.replicas`?"
        );
    }
}
