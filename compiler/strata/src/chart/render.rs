//! Rendering a chart service on one site: the service's layered values become Helm's user
//! values, the chart is rendered in-process, and every rendered manifest (in `helm template`'s
//! order; `NOTES.txt` and test hooks left out) plus the charts' `crds/` files become
//! [`Object`]s whose provenance is the chart file that printed them.
//!
//! Render settings: `.Release.Name` is `spec.chart.releaseName` (default: the service name),
//! `.Release.Namespace` the site's namespace, `.Capabilities.KubeVersion` the site's
//! Kubernetes version; the deterministic random functions are seeded from the site and the
//! service (the first 8 bytes of SHA-256 of `site\0service`), and the build time `now` returns
//! is fixed at the Unix epoch, so two builds never differ.

use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use strata_gotmpl::Value;
use strata_helm::{Frozen, HelmError, RenderOptions};

use super::LoadedChart;
use crate::diag::{Code, Diagnostic, Source};
use crate::model::{Service, Site};
use crate::render::Object;
use crate::secrets::promote::Promoted;

/// The seed of a chart service's deterministic functions on a site.
pub fn seed(site: &str, service: &str) -> u64 {
    let mut h = Sha256::new();
    h.update(site.as_bytes());
    h.update([0]);
    h.update(service.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b)
}

/// Helm's value for a Strata value: every number a float64, as Helm reads YAML values.
fn to_value(v: &Json) -> Value {
    match v {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        Json::String(s) => Value::str(s),
        Json::Array(a) => Value::list(a.iter().map(to_value).collect()),
        Json::Object(m) => Value::map(
            m.iter()
                .map(|(k, v)| (strata_gotmpl::Key::from(k.as_str()), to_value(v)))
                .collect(),
        ),
    }
}

/// The user values of a chart service on a site: the values files merged in order (Helm's
/// rule: maps merge, anything else replaces), then the service's layered values over them.
fn user_values(loaded: &LoadedChart, layered: &Json) -> Frozen {
    let mut base = strata_helm::values::new_map();
    for (_, v) in &loaded.values_files {
        if let Value::Map(m) = v.to_value() {
            base = strata_helm::strvals::merge_maps(&base, &m);
        }
    }
    if let Value::Map(m) = to_value(layered) {
        base = strata_helm::strvals::merge_maps(&base, &m);
    }
    Frozen::from_value(&Value::Map(base))
}

/// The merged values with a `null` at every key a `null` deleted (creating the maps on the
/// way; a path through something else than a map is left out).
fn with_deletions(t: &crate::merge::Tracked) -> Json {
    let mut v = t.value.clone();
    for (pointer, _) in t.deleted() {
        let segs: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(strata_yaml::pointer_unescape)
            .collect();
        let Some((last, parents)) = segs.split_last() else {
            continue;
        };
        let mut at = &mut v;
        let mut ok = true;
        for seg in parents {
            let Json::Object(m) = at else {
                ok = false;
                break;
            };
            at = m
                .entry(seg.clone())
                .or_insert_with(|| Json::Object(Default::default()));
        }
        if let (true, Json::Object(m)) = (ok, at) {
            m.insert(last.clone(), Json::Null);
        }
    }
    v
}

/// Renders the chart service `svc` on `site`; `api_versions` become `.Capabilities.APIVersions`.
/// Also returns the ConfigMaps it made Secrets (references to them in other services' objects
/// follow: [`crate::secrets::promote::follow`]).
pub fn render_service(
    site: &Site,
    svc: &Service,
    api_versions: &[String],
) -> (Vec<Object>, Vec<Diagnostic>, Promoted) {
    let mut objects = Vec::new();
    let mut diags = Vec::new();
    let (Some(loaded), Some(spec)) = (&svc.chart, &svc.spec.chart) else {
        return (objects, diags, Promoted::new());
    };
    let layered = site.values.get(&svc.name);
    let empty = Json::Object(Default::default());
    // A `null` a layer or the site wrote deletes a chart default too, as in Helm: the
    // merged values hold no nulls, so they are put back for Helm's coalescing.
    let with_nulls;
    let layered_value = match layered {
        Some(t) if t.deleted().next().is_some() => {
            with_nulls = with_deletions(t);
            &with_nulls
        }
        Some(t) => &t.value,
        None => &empty,
    };
    // Secret chart values: placeholders in, resolved after rendering (secrets::chart).
    let mut with_secrets;
    let layered_json = match layered_value {
        v if spec.secret_values.is_empty() => v,
        v => {
            with_secrets = v.clone();
            if let Err(errors) =
                crate::secrets::chart::inject(&mut with_secrets, &spec.secret_values)
            {
                for (path, msg) in errors {
                    let ptr = format!(
                        "/spec/chart/secretValues/{}",
                        strata_yaml::pointer_escape(&path)
                    );
                    diags.push(
                        Diagnostic::error(
                            Code::ChartSecret,
                            format!("chart.secretValues of `{}`: {msg}", svc.name),
                        )
                        .at(
                            &svc.doc.source,
                            svc.doc.span(&ptr, true),
                            "declared here",
                        ),
                    );
                }
                return (objects, diags, Promoted::new());
            }
            &with_secrets
        }
    };
    let opts = RenderOptions {
        release_name: spec
            .release_name
            .clone()
            .unwrap_or_else(|| svc.name.clone()),
        namespace: site.spec.namespace.clone(),
        values: user_values(loaded, layered_json),
        values_files: loaded
            .values_files
            .iter()
            .map(|(src, _)| (std::path::PathBuf::from(&*src.path), src.text.to_string()))
            .collect(),
        kube_version: Some(site.spec.kubernetes_version.clone()),
        api_versions: api_versions.to_vec(),
        seed: seed(&site.name, &svc.name),
        now_unix: 0,
        ..Default::default()
    };
    let rendered = match strata_helm::render_chart(&loaded.chart, &opts) {
        Ok(r) => r,
        Err(e) => {
            diags.push(diagnostic(site, svc, loaded, &e));
            return (objects, diags, Promoted::new());
        }
    };
    let files = rendered
        .files
        .into_iter()
        .filter(|(k, _)| !k.ends_with("NOTES.txt"))
        .collect();
    let sorted = match strata_helm::output::sort_manifests(&files) {
        Ok(s) => s,
        Err(e) => {
            diags.push(diagnostic(site, svc, loaded, &e));
            return (objects, diags, Promoted::new());
        }
    };
    let source = |name: &str| {
        loaded
            .files
            .get(name)
            .cloned()
            .unwrap_or_else(|| Source::new(format!("{}/{name}", loaded.dir), String::new()))
    };
    for (name, text) in &rendered.crds {
        crate::render::parse_rendered(
            site,
            svc,
            &source(name),
            text.clone(),
            &mut objects,
            &mut diags,
        );
    }
    for doc in sorted
        .manifests
        .iter()
        // Test hooks too: the GitOps stage leaves them out and reports them (gitops::hooks).
        .chain(sorted.hooks.iter())
    {
        crate::render::parse_rendered(
            site,
            svc,
            &source(&doc.source),
            doc.content.clone(),
            &mut objects,
            &mut diags,
        );
    }
    let (mirror, tag) = (
        site.spec.registry.mirror.as_deref(),
        site.spec.registry.tag.as_deref(),
    );
    if mirror.is_some() || tag.is_some() {
        for o in &mut objects {
            rewrite_images(&mut o.value, None, mirror, tag);
        }
    }
    if !spec.secret_values.is_empty() {
        let external = crate::secrets::External::of(site);
        let backend = match &external {
            Some(e) => crate::secrets::chart::Backend::External(e),
            None => crate::secrets::chart::Backend::Sops {
                site: &site.name,
                files: &site.sops,
                declared: svc.spec.secrets.keys().cloned().collect(),
            },
        };
        let (resolved, more) = crate::secrets::chart::resolve(
            &svc.name,
            objects,
            &spec.secret_values,
            &backend,
            &site.spec.namespace,
        );
        diags.extend(more);
        objects = resolved.objects;
        return (objects, diags, resolved.promoted);
    }
    (objects, diags, Promoted::new())
}

/// Applies the site's registry mirror and default tag (`spec.registry`) to the image of every
/// container below `v` (`containers`, `initContainers`, `ephemeralContainers` of any pod
/// spec), as `image()` does in Strata's own templates: a site's mirror means every image
/// the site pulls, whatever renders it. `parent` is the key `v` sits under.
fn rewrite_images(v: &mut Json, parent: Option<&str>, mirror: Option<&str>, tag: Option<&str>) {
    match v {
        Json::Object(m) => {
            let container = matches!(
                parent,
                Some("containers" | "initContainers" | "ephemeralContainers")
            );
            for (k, child) in m.iter_mut() {
                match child {
                    Json::String(image) if container && k == "image" && !image.is_empty() => {
                        *image = crate::render::rewrite_image(image, mirror, tag);
                    }
                    _ => rewrite_images(child, Some(k), mirror, tag),
                }
            }
        }
        Json::Array(items) => {
            for child in items {
                rewrite_images(child, parent, mirror, tag);
            }
        }
        _ => {}
    }
}

/// A chart error as a diagnostic at the chart file, line and column it names.
fn diagnostic(site: &Site, svc: &Service, loaded: &LoadedChart, e: &HelmError) -> Diagnostic {
    let chart_at = (&svc.doc.source, svc.doc.span("/spec/chart/path", false));
    match e {
        HelmError::Parse {
            template,
            line,
            col,
            message,
            ..
        }
        | HelmError::Exec {
            template,
            line,
            col,
            message,
            ..
        } => {
            let parse = matches!(e, HelmError::Parse { .. });
            let (code, what) = if parse {
                (Code::TemplateSyntax, "does not parse")
            } else {
                (Code::TemplateError, "failed")
            };
            // Helm's trace puts each template of an include chain on its own indented line;
            // one line reads better after `error[…]:`, and the labels show the place.
            let message: Vec<&str> = message
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let message = message.join(" ");
            let mut d = Diagnostic::error(
                code,
                format!("chart template `{template}` {what}: {message}"),
            );
            let src = loaded.files.get(template);
            match src {
                Some(src) => {
                    let span = if parse {
                        line_span(&src.text, *line)
                    } else {
                        token_span(&src.text, *line, *col)
                    };
                    d = d.at(
                        src,
                        span,
                        if parse {
                            "here"
                        } else {
                            "while executing this"
                        },
                    );
                    if !parse {
                        if let Some(path) = required_path(&src.text, *line, *col) {
                            d = required_label(d, site, svc, &path);
                        }
                    }
                }
                None => d = d.at(chart_at.0, chart_at.1, "in this chart"),
            }
            d
        }
        HelmError::Schema { location, message } => {
            let text: Vec<String> = e
                .to_string()
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect();
            let mut d = Diagnostic::error(
                Code::ValuesInvalid,
                format!("the values of `{}`: {}", svc.name, text.join(" ")),
            );
            // A value a site or layer set wins over a values file's: point there first.
            if let Some((src, span)) = schema_origin(message, loaded, site, svc) {
                d = d.at(&src, span, "set here");
            } else if let Some((p, line, col)) = location {
                if let Some((src, _)) = loaded
                    .values_files
                    .iter()
                    .find(|(s, _)| std::path::Path::new(&*s.path) == p)
                {
                    let span =
                        crate::check::line_col_span(&src.text, *line as usize, *col as usize);
                    d = d.at(src, span, "set here");
                }
            }
            if d.labels.is_empty() {
                d = d.at(
                    chart_at.0,
                    chart_at.1,
                    "checked against this chart's values.schema.json",
                );
            }
            d
        }
        HelmError::Manifest { template, message } => {
            let mut d = Diagnostic::error(Code::BadRenderedObject, message.clone());
            d = match loaded.files.get(template) {
                Some(src) => d.at(
                    src,
                    crate::check::line_col_span(&src.text, 1, 1),
                    "this template rendered it",
                ),
                None => d.at(chart_at.0, chart_at.1, "in this chart"),
            };
            d
        }
        HelmError::Load { .. } | HelmError::Values { .. } | HelmError::KubeVersion(_) => {
            Diagnostic::error(
                Code::TemplateError,
                format!(
                    "chart of `{}` cannot be rendered: {}",
                    svc.name,
                    e.message()
                ),
            )
            .at(chart_at.0, chart_at.1, "this chart")
        }
    }
}

/// Where the site's values set the first value a schema error names (`chart:` then
/// `- at '/pointer': problem` lines; a subchart's pointers are below its name).
fn schema_origin(
    message: &str,
    loaded: &LoadedChart,
    site: &Site,
    svc: &Service,
) -> Option<(Source, strata_yaml::Span)> {
    let values = site.values.get(&svc.name)?;
    let root = loaded.chart.name();
    let mut chart = root.to_string();
    for line in message.lines().map(str::trim) {
        if let Some(name) = line.strip_suffix(':').filter(|l| !l.starts_with('-')) {
            chart = name.to_string();
            continue;
        }
        let Some(rest) = line.strip_prefix("- at '") else {
            continue;
        };
        let Some((ptr, _)) = rest.split_once("':") else {
            continue;
        };
        let ptr = if chart == root {
            ptr.to_string()
        } else {
            format!("{}{ptr}", strata_yaml::pointer_push("", &chart))
        };
        if let Some(o) = values.origin_exact(&ptr) {
            return Some((o.source.clone(), o.span));
        }
    }
    None
}

/// The span of line `line` (1-based) of `text` without its indentation (a parse error has
/// no column).
fn line_span(text: &str, line: usize) -> strata_yaml::Span {
    let start = crate::check::line_col_span(text, line, 1);
    let line_text = text
        .get(start.start.offset..)
        .and_then(|t| t.lines().next())
        .unwrap_or("");
    let indent = line_text.len() - line_text.trim_start().len();
    let mut span = token_span(text, line, indent);
    let len = line_text.trim().len().max(1);
    span.end.offset = span.start.offset + len.min(line_text.len() - indent);
    span.end.col =
        span.start.col + u32::try_from(line_text.trim().chars().count().max(1)).unwrap_or(1);
    span
}

/// The span of the token at `line` (1-based) and byte column `col` (0-based, as Go reports
/// it) of `text`: up to the next blank, `}`, `|` or `)`, at least one character.
fn token_span(text: &str, line: usize, col: usize) -> strata_yaml::Span {
    let start = crate::check::line_col_span(text, line, 1);
    let line_text = text
        .get(start.start.offset..)
        .and_then(|t| t.lines().next())
        .unwrap_or("");
    let col = (0..=col.min(line_text.len()))
        .rev()
        .find(|c| line_text.is_char_boundary(*c))
        .unwrap_or(0);
    let rest = &line_text[col..];
    let len = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '}' | '|' | ')'))
        .unwrap_or(rest.len())
        .max(1);
    let len = (0..=len.min(rest.len()))
        .rev()
        .find(|l| rest.is_char_boundary(*l))
        .unwrap_or(0);
    let chars = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
    let from = strata_yaml::Pos {
        line: start.start.line,
        col: chars(&line_text[..col]) + 1,
        offset: start.start.offset + col,
    };
    let to = strata_yaml::Pos {
        col: from.col + chars(&rest[..len]),
        offset: from.offset + len,
        ..from
    };
    strata_yaml::Span {
        start: from,
        end: to,
    }
}

/// The value path a failing `required` reads (`endpoints.x.y`), from the action at the error
/// position (`line` 1-based, `col` a 0-based byte column, as Go reports the call).
fn required_path(text: &str, line: usize, col: usize) -> Option<String> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let pos = line_start + col;
    let at = text.get(pos..)?;
    if !at.starts_with("required") {
        return None;
    }
    let open = text.get(..pos)?.rfind("{{").unwrap_or(line_start);
    let close = at.find("}}").map_or(text.len(), |i| pos + i);
    // The argument after `required "msg"`, up to the end of the command; else (piped) the
    // value before it.
    let after = &text[pos..close];
    let end = after.find(['|', ')']).unwrap_or(after.len());
    values_refs(&after[..end])
        .pop()
        .or_else(|| values_refs(&text[open..pos]).pop())
}

/// The `.Values.a.b` references in `s`, as dotted paths (`a.b`).
fn values_refs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(".Values.") {
        let tail = &rest[i + ".Values.".len()..];
        let n = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-'))
            .unwrap_or(tail.len());
        let path = tail[..n].trim_end_matches('.');
        if !path.is_empty() {
            out.push(path.to_string());
        }
        rest = &tail[n..];
    }
    out
}

/// Adds the second label of a `required` failure: where the value should be set (the deepest
/// part of its path the site's values already set, else the site's or layer's entry that
/// enables the service).
fn required_label(d: Diagnostic, site: &Site, svc: &Service, path: &str) -> Diagnostic {
    let parts: Vec<&str> = path.split('.').collect();
    let d = d.help(format!(
        "set `{path}` in the values of `{}` (in the site or one of its layers)",
        svc.name
    ));
    if let Some(values) = site.values.get(&svc.name) {
        for n in (1..parts.len()).rev() {
            let ptr: String = parts[..n]
                .iter()
                .fold(String::new(), |p, k| strata_yaml::pointer_push(&p, k));
            if let Some(o) = values.origin_exact(&ptr) {
                if values.value.pointer(&ptr).is_some_and(Json::is_object) {
                    return d.at(
                        &o.source,
                        o.key.unwrap_or(o.span),
                        format!("`{path}` should be set below this"),
                    );
                }
            }
        }
    }
    let ptr = strata_yaml::pointer_push("/services", &svc.name);
    match site.merged.origin(&ptr) {
        Some(o) => d.at(
            &o.source,
            o.key.unwrap_or(o.span),
            format!("set `{path}` in this service's values"),
        ),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_paths_from_the_action() {
        let t = "a: 1\nb: {{ required \"set it\" .Values.endpoints.db.host }}\n";
        assert_eq!(required_path(t, 2, 6).as_deref(), Some("endpoints.db.host"));
        let t = "b: {{ .Values.x.y | required \"set it\" }}\n";
        assert_eq!(required_path(t, 1, 20).as_deref(), Some("x.y"));
        let t = "b: {{ required \"m\" $env.Values.a }}\n";
        assert_eq!(required_path(t, 1, 6).as_deref(), Some("a"));
        assert_eq!(required_path("b: {{ fail \"x\" }}", 1, 6), None);
    }

    #[test]
    fn chart_images_follow_the_site_mirror() {
        let mut v = serde_json::json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "initContainers": [{"name": "i", "image": "quay.io/airshipit/kubernetes-entrypoint:latest"}],
            "containers": [{"name": "c", "image": "docker.io/openstackhelm/keystone:2025.1", "env": [{"name": "image", "value": "x"}]}]}}},
            "metadata": {"annotations": {"image": "not/an:image"}}});
        rewrite_images(&mut v, None, Some("mirror.example.org/proxy"), None);
        let spec = &v["spec"]["template"]["spec"];
        assert_eq!(
            spec["initContainers"][0]["image"],
            "mirror.example.org/proxy/airshipit/kubernetes-entrypoint:latest"
        );
        assert_eq!(
            spec["containers"][0]["image"],
            "mirror.example.org/proxy/openstackhelm/keystone:2025.1"
        );
        assert_eq!(spec["containers"][0]["env"][0]["value"], "x");
        assert_eq!(v["metadata"]["annotations"]["image"], "not/an:image");
    }

    #[test]
    fn numbers_are_floats() {
        assert!(matches!(to_value(&serde_json::json!(3)), Value::Float(f) if f == 3.0));
    }
}
