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

mod environment;
mod errors;
pub mod helpers;
pub mod linemap;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use minijinja::Value as JValue;
use rayon::prelude::*;
use serde_json::{json, Value};
use strata_yaml::{ParseOptions, Pos, Span, Spans};

use crate::diag::{Code, Diagnostic, Source};
use crate::graph::ServiceGraph;
use crate::model::{Catalog, Service, Site};
use crate::secrets::SharedSecrets;
use environment::*;
pub use environment::{rewrite_image, template_name};
pub use errors::span_of;
use errors::*;
use linemap::LineMap;

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
    /// What Strata changed in a chart-rendered object so that no credential is written in
    /// plaintext (a ConfigMap made a Secret, an environment value read from a Secret), one
    /// sentence each; listed in `_meta/<service>.json` under `chartSecrets`.
    pub secret_changes: Vec<String>,
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

/// Renders every enabled service of a site. `api_versions`: the APIs the site's objects are
/// validated against, which chart services see as `.Capabilities.APIVersions`.
pub fn render_site(
    site: &Site,
    catalog: &Catalog,
    graph: &ServiceGraph,
    api_versions: &[String],
) -> (Vec<Object>, Vec<Diagnostic>) {
    let ctx = site_context(site, graph);
    let names: Vec<&str> = graph.waves.keys().map(String::as_str).collect();
    type Rendered = (
        Vec<Object>,
        Vec<Diagnostic>,
        crate::secrets::promote::Promoted,
    );
    let results: Vec<(&str, Rendered)> = names
        .par_iter()
        .map(|name| {
            let r = match catalog.services.get(*name) {
                Some(svc) if svc.chart.is_some() => {
                    crate::chart::render::render_service(site, svc, api_versions)
                }
                Some(svc) => {
                    let (o, d) = render_service(site, catalog, graph, &ctx, svc);
                    (o, d, Default::default())
                }
                None => Default::default(),
            };
            (*name, r)
        })
        .collect();
    let mut objects = Vec::new();
    let mut diags = Vec::new();
    let mut promoted = BTreeMap::new();
    for (name, (o, d, p)) in results {
        objects.extend(o);
        diags.extend(d);
        promoted.extend(p.into_iter().map(|k| (k, name.to_string())));
    }
    if diags.is_empty() {
        // A chart's ConfigMap made a Secret: other services' pods that mount it follow.
        crate::secrets::promote::follow(&mut objects, &promoted, &site.spec.namespace);
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
        let rendered = match engine(&format!("`{file}`"), || {
            env.get_template(file).and_then(|t| t.render(&jctx))
        }) {
            Ok(r) => r,
            Err(e) if e.detail().is_some_and(|d| d.starts_with(ENGINE_FAILURE)) => {
                // The engine gives no position: point at the template being rendered.
                let first_line = tpl.text.lines().next().map_or(0, str::len);
                diags.push(
                    Diagnostic::error(
                        Code::TemplateSyntax,
                        format!("template syntax error: {}", e.detail().unwrap_or("")),
                    )
                    .at(
                        tpl,
                        span_of(&tpl.text, 0..first_line),
                        "in this template or one it imports",
                    )
                    .help("see the minijinja syntax documentation"),
                );
                continue;
            }
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
            secret_changes: Vec::new(),
        },
    }
}

/// Parses the text a template rendered into objects (or diagnostics at the template line).
pub(crate) fn parse_rendered(
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
            secret_changes: Vec::new(),
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
