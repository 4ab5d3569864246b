//! `strata explain SITE KIND/NAME FIELD.PATH`: which input set a rendered value, and what it
//! overrode.
//!
//! The object's provenance gives the template line that rendered the field; the `values.…`
//! and `site.values.…` references on that line are then traced through the merge: the
//! service default, each layer in order, and the site — every document that set the value.
//! Then the overlay stage's record: each kustomization entry that changed the field (or added
//! or removed it), in order, with the value before and after. For INI text in a ConfigMap,
//! the options that values documents set are traced to their lines (`--key` for one option).

use std::fmt::Write as _;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::diag::{Code, Diagnostic, Source};
use crate::emit::Final;
use crate::load::{Doc, Inputs};
use crate::model::{Catalog, Site};
use crate::overlay::OverlayChange;
use crate::pipeline::Project;
use strata_yaml::did_you_mean;
use strata_yaml::Span;

/// `a.b[0].c` or `metadata.labels["app.kubernetes.io/name"]` → `/a/b/0/c`.
pub fn field_pointer(path: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = path.chars().peekable();
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if !token.is_empty() {
            out.push('/');
            out.push_str(&strata_yaml::pointer_escape(token));
            token.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '.' => flush(&mut token, &mut out),
            '[' => {
                flush(&mut token, &mut out);
                let mut inner = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    inner.push(c);
                }
                let inner = inner
                    .trim()
                    .trim_matches(|c| c == '"' || c == '\'')
                    .to_string();
                if inner.is_empty() {
                    return Err(format!("empty `[]` in `{path}`"));
                }
                token = inner;
                flush(&mut token, &mut out);
            }
            c => token.push(c),
        }
    }
    flush(&mut token, &mut out);
    if out.is_empty() {
        return Err("empty field path".into());
    }
    Ok(out)
}

fn show(v: &Value) -> String {
    match v {
        // An empty string, quoted: else it reads as nothing at all.
        Value::String(s) if s.is_empty() => "\"\"".to_string(),
        Value::String(s) if !s.contains('\n') => s.clone(),
        Value::String(s) => format!("({} lines of text)", s.lines().count()),
        Value::Object(m) => format!("(a map with {} keys)", m.len()),
        Value::Array(a) => format!("(a list of {})", a.len()),
        other => other.to_string(),
    }
}

/// `file:line:col` of a position, as explain prints where a value was set.
fn position(src: &Source, span: Span) -> String {
    format!("{}:{}:{}", src.path, span.start.line, span.start.col)
}

fn line_text(text: &str, line: u32) -> &str {
    text.lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("")
        .trim()
}

fn references(line: &str) -> Vec<(bool, String)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"\b(site\.)?values((?:\.[A-Za-z_][A-Za-z0-9_\-]*)+)")
            .unwrap_or_else(|e| unreachable!("{e}"))
    });
    re.captures_iter(line)
        .filter(|c| {
            // `services.x.values.y` is another service's values, not a reference to ours.
            let start = c.get(0).map_or(0, |m| m.start());
            !line[..start].ends_with('.')
        })
        .filter_map(|c| Some((c.get(1).is_some(), c.get(2)?.as_str().to_string())))
        .collect()
}

/// The `.Values.…` references on a chart template line (`.Values.a.b`, `$.Values.a.b`,
/// `$envAll.Values.a.b`), as `.a.b`.
fn chart_references(line: &str) -> Vec<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
            .unwrap_or_else(|e| unreachable!("{e}"))
    });
    re.captures_iter(line)
        .filter_map(|c| Some(c.get(1)?.as_str().to_string()))
        .collect()
}

/// The `.Values` references on the line `line` of `template`, when `obj` is an object of a
/// chart service and `template` one of its chart's own templates: there `.Values` are the
/// service's values. (A subchart's templates see the subchart's scope, which is left out.)
fn chart_refs(catalog: &Catalog, obj: &Final, template: &str, line: &str) -> Vec<String> {
    let Some(chart) = catalog
        .services
        .get(&obj.folder)
        .and_then(|s| s.chart.as_ref())
    else {
        return Vec::new();
    };
    if !template.starts_with(&format!("{}/templates/", chart.dir)) {
        return Vec::new();
    }
    chart_references(line)
}

/// The chart files that set `pointer` of a chart service's values before the service's own
/// values do, in merge order: the chart's `values.yaml` (its default), then each values
/// file: (file:line:col, who, value).
fn chart_setters(project: &Project, service: &str, pointer: &str) -> Vec<(String, String, Value)> {
    let Some(chart) = project
        .checked
        .catalog
        .services
        .get(service)
        .and_then(|s| s.chart.as_ref())
    else {
        return Vec::new();
    };
    let defaults = format!("{}/values.yaml", chart.dir);
    let files = chart
        .inputs
        .iter()
        .filter(|s| *s.path == *defaults)
        .map(|s| (s, "chart default"))
        .chain(chart.values_files.iter().map(|(s, _)| (s, "values file")));
    let mut out = Vec::new();
    for (src, who) in files {
        // Parsed again here, with positions: the build keeps only the values.
        let Ok(doc) = strata_yaml::parse_one(&src.text, &strata_yaml::ParseOptions::default())
        else {
            continue;
        };
        let Some(value) = doc.value.pointer(pointer).cloned() else {
            continue;
        };
        let doc = Doc {
            source: src.clone(),
            doc,
        };
        let span = doc.span(pointer, false);
        out.push((position(src, span), who.to_string(), value));
    }
    out
}

/// One document that sets a value.
pub(crate) struct Setter<'a> {
    /// The document.
    pub doc: &'a Doc,
    /// The value's position in it.
    pub span: strata_yaml::Span,
    /// `service default`, `layer L` or `site S`.
    pub who: String,
    /// The value it sets (`null`: deleted).
    pub value: Value,
    /// Whether it is the service's own default (not something a person set for a site).
    pub default: bool,
}

/// Every document that sets `pointer` (relative to the values of `service`, or to the
/// site-wide values for `None`), in merge order.
pub(crate) fn setters<'a>(
    project: &'a Project,
    site: &'a Site,
    service: Option<&str>,
    pointer: &str,
) -> Vec<Setter<'a>> {
    let mut docs: Vec<(&Doc, String, String, bool)> = Vec::new();
    let inputs: &Inputs = &project.inputs;
    match service {
        Some(svc) => {
            if let Some(s) = project.checked.catalog.services.get(svc) {
                docs.push((
                    &s.doc,
                    "/spec/values".into(),
                    "service default".into(),
                    true,
                ));
            }
            let base = format!(
                "/spec{}/values",
                strata_yaml::pointer_push("/services", svc)
            );
            for l in &site.spec.layers {
                if let Some(d) = inputs.layers.get(l) {
                    docs.push((d, base.clone(), format!("layer {l}"), false));
                }
            }
            docs.push((&site.doc, base, format!("site {}", site.name), false));
        }
        None => {
            for l in &site.spec.layers {
                if let Some(d) = inputs.layers.get(l) {
                    docs.push((d, "/spec/values".into(), format!("layer {l}"), false));
                }
            }
            docs.push((
                &site.doc,
                "/spec/values".into(),
                format!("site {}", site.name),
                false,
            ));
        }
    }
    let mut out = Vec::new();
    for (doc, base, who, default) in docs {
        let p = format!("{base}{pointer}");
        if let Some(v) = doc.doc.value.pointer(&p) {
            out.push(Setter {
                doc,
                span: doc.span(&p, false),
                who,
                value: v.clone(),
                default,
            });
        }
    }
    out
}

/// Every document that sets `pointer` (relative to the values), in merge order:
/// (file:line:col, who, value).
fn chain(
    project: &Project,
    site: &Site,
    service: Option<&str>,
    pointer: &str,
) -> Vec<(String, String, Value)> {
    setters(project, site, service, pointer)
        .into_iter()
        .map(|s| (position(&s.doc.source, s.span), s.who, s.value))
        .collect()
}

/// The values references (`values.…` of the object's service, `site.values.…`, or a chart
/// template's `.Values.…`) on the template line that rendered `pointer` of `obj`:
/// (site-wide?, JSON pointer in the values).
pub(crate) fn value_refs(catalog: &Catalog, obj: &Final, pointer: &str) -> Vec<(bool, String)> {
    let Some(prov) = &obj.provenance else {
        return Vec::new();
    };
    let (src, span) = prov.locate(pointer);
    let line = line_text(&src.text, span.start.line);
    all_refs(catalog, obj, &src.path, line)
        .into_iter()
        .filter_map(|(site, path)| Some((site, field_pointer(path.get(1..)?).ok()?)))
        .collect()
}

/// [`references`] and [`chart_refs`] (which are the service's values) of a template line.
fn all_refs(catalog: &Catalog, obj: &Final, template: &str, line: &str) -> Vec<(bool, String)> {
    let mut refs = references(line);
    refs.extend(
        chart_refs(catalog, obj, template, line)
            .into_iter()
            .map(|p| (false, p)),
    );
    refs
}

/// Where a person wrote the field at `pointer` of a final object: the values line that set
/// the value its template line reads (the site, a layer, or the service default: the last
/// document that set it), as long as the object still holds that value (an overlay may have
/// replaced it); else the template line. `None` for objects no template rendered.
pub fn input_position(
    site: &Site,
    catalog: &Catalog,
    obj: &Final,
    pointer: &str,
) -> Option<(Source, Span)> {
    let prov = obj.provenance.as_ref()?;
    let (src, span) = prov.locate(pointer);
    let actual = obj.value.pointer(pointer);
    let line = line_text(&src.text, span.start.line);
    for (is_site, path) in all_refs(catalog, obj, &src.path, line) {
        let Ok(ptr) = field_pointer(&path[1..]) else {
            continue;
        };
        let tracked = if is_site {
            None
        } else {
            site.values.get(&obj.folder)
        };
        let (value, origin) = match tracked {
            Some(t) => (t.value.pointer(&ptr), t.origin_exact(&ptr)),
            None => (
                site.spec.values.pointer(&ptr),
                site.merged.origin_exact(&format!("/values{ptr}")),
            ),
        };
        let (Some(value), Some(origin), Some(actual)) = (value, origin, actual) else {
            continue;
        };
        if same_value(value, actual) {
            return Some((origin.source.clone(), origin.span));
        }
    }
    Some((src, span))
}

/// Whether a rendered value is the input value: equal, or an image reference the site's
/// registry settings rewrote (same last path segment).
fn same_value(input: &Value, rendered: &Value) -> bool {
    if input == rendered {
        return true;
    }
    match (input, rendered) {
        (Value::String(a), Value::String(b)) => {
            let last = a.rsplit('/').next().unwrap_or(a);
            b.ends_with(&format!("/{last}"))
                || (!last.contains([':', '@']) && b.contains(&format!("/{last}:")))
        }
        (Value::Number(a), Value::String(b)) | (Value::String(b), Value::Number(a)) => {
            a.to_string() == *b
        }
        _ => false,
    }
}

/// Explains one field of one object of a site.
pub fn explain(
    project: &Project,
    site_name: &str,
    object: &str,
    field: &str,
    key: Option<&str>,
) -> Result<String, Vec<Diagnostic>> {
    let (kind, name) = object.split_once('/').ok_or_else(|| {
        vec![
            Diagnostic::error(Code::Usage, format!("`{object}` is not KIND/NAME"))
                .help("e.g. Deployment/keystone-api"),
        ]
    })?;
    let written = field_pointer(field).map_err(|e| vec![Diagnostic::error(Code::Usage, e)])?;
    let r = project.compile_site(site_name);
    // Invalid output (E05xx) still has objects to explain: that is when explaining helps most.
    let blocking = r
        .diagnostics
        .iter()
        .any(|d| d.is_error() && !matches!(d.code, Code::SchemaViolation | Code::NoSchema));
    if blocking || r.objects.is_empty() {
        return Err(r.diagnostics);
    }
    let Some(site) = &r.site else {
        return Err(r.diagnostics);
    };
    let matches: Vec<&Final> = r
        .objects
        .iter()
        .filter(|f| {
            f.value
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.eq_ignore_ascii_case(kind))
                && f.value.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
        })
        .collect();
    let Some(obj) = matches.first() else {
        let names: Vec<String> = r
            .objects
            .iter()
            .filter_map(|f| {
                Some(format!(
                    "{}/{}",
                    f.value.get("kind")?.as_str()?,
                    f.value.pointer("/metadata/name")?.as_str()?
                ))
            })
            .collect();
        let mut d = Diagnostic::error(
            Code::NotFound,
            format!("site `{site_name}` has no object {kind}/{name}"),
        );
        if let Some(s) = did_you_mean(object, names.iter().map(String::as_str)) {
            d = d.help(format!("did you mean `{s}`?"));
        }
        return Err(vec![d]);
    };
    let v = &obj.value;
    // `data.keystone.conf` names the key `keystone.conf`: dots inside keys are tried too.
    let pointer = if v.pointer(&written).is_some() {
        written
    } else {
        dotted_keys(v, &written).unwrap_or(written)
    };
    let display = strata_validate::object_label(v);
    let Some(current) = v.pointer(&pointer) else {
        // An overlay may have removed it: that is the explanation.
        if obj
            .overlay
            .iter()
            .any(|c| covers(&c.pointer, &pointer) && c.after.is_none())
        {
            let mut out = String::new();
            let _ = writeln!(out, "{display} {field} is not set");
            let _ = writeln!(out, "  in rendered/{site_name}/{}/", obj.folder);
            let _ = writeln!(out, "  removed by an overlay:");
            write_changes(&mut out, &relevant(&obj.overlay, &pointer), &pointer);
            return Ok(out);
        }
        // Suggest from the deepest existing parent.
        let mut parent = pointer.as_str();
        while let Some(i) = parent.rfind('/') {
            parent = &parent[..i];
            if v.pointer(parent).is_some() {
                break;
            }
        }
        let keys: Vec<&str> = v
            .pointer(parent)
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let last = pointer.rsplit('/').next().unwrap_or("");
        let mut d = Diagnostic::error(Code::NotFound, format!("{display} has no field `{field}`"));
        d = match did_you_mean(last, keys.iter().copied()) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None if !keys.is_empty() => d.help(format!("it has: {}", keys.join(", "))),
            None => d,
        };
        return Err(vec![d]);
    };
    let secret = v.get("kind").and_then(Value::as_str) == Some("Secret")
        && (pointer.starts_with("/data") || pointer.starts_with("/stringData"));
    let mut out = String::new();
    let shown = if secret {
        SECRET_NOT_SHOWN.to_string()
    } else {
        show(current)
    };
    let _ = writeln!(out, "{display} {field} = {shown}");
    if matches.len() > 1 {
        let _ = writeln!(
            out,
            "  (one of {} objects with this kind and name; the first is shown)",
            matches.len()
        );
    }
    let _ = writeln!(out, "  in rendered/{site_name}/{}/", obj.folder);
    let changes = relevant(&obj.overlay, &pointer);
    // The first overlay change that covers the field found it absent: no template wrote it.
    let added = changes
        .iter()
        .find(|c| covers(&c.pointer, &pointer))
        .is_some_and(|c| c.before.is_none());
    let prov = match &obj.provenance {
        Some(p) if !added => p,
        _ => {
            let _ = if added {
                writeln!(out, "  added by an overlay (no template renders it)")
            } else {
                writeln!(out, "  added by Strata (not rendered from a template)")
            };
            if !changes.is_empty() {
                let _ = writeln!(out, "  changed by overlays, in order:");
                write_changes(&mut out, &changes, &pointer);
            }
            return Ok(out);
        }
    };
    let (src, span) = prov.locate(&pointer);
    let line = line_text(&src.text, span.start.line);
    let _ = writeln!(
        out,
        "  rendered from {}:{}: {line}",
        src.path, span.start.line
    );
    let service = project
        .checked
        .catalog
        .services
        .contains_key(&obj.folder)
        .then_some(obj.folder.as_str());
    for (is_site, path) in references(line) {
        let ptr = field_pointer(&path[1..]).unwrap_or_default();
        let (label, merged) = if is_site {
            (
                format!("site.values{path}"),
                site.spec.values.pointer(&ptr).cloned(),
            )
        } else {
            (
                format!("values{path}"),
                service
                    .and_then(|s| site.values.get(s))
                    .and_then(|t| t.value.pointer(&ptr).cloned()),
            )
        };
        let merged_text = merged.as_ref().map_or("(not set)".to_string(), show);
        let _ = writeln!(out, "  {label} = {merged_text}");
        let setters = chain(project, site, if is_site { None } else { service }, &ptr);
        write_setters(&mut out, &setters, false);
    }
    // A chart template's `.Values`: the chart's default and values files come first, then
    // the service's values as for any service; the one set last is what the chart saw.
    for path in chart_refs(&project.checked.catalog, obj, &src.path, line) {
        let ptr = field_pointer(&path[1..]).unwrap_or_default();
        let mut setters = chart_setters(project, &obj.folder, &ptr);
        setters.extend(chain(project, site, Some(&obj.folder), &ptr));
        // A secret value is never shown: a chart's default password is a password too.
        let hidden = hides_value(project, &obj.folder, &path[1..]);
        let merged_text = match setters.last() {
            None => "(not set)".to_string(),
            Some(_) if hidden => SECRET_NOT_SHOWN.to_string(),
            Some((_, _, v)) => show(v),
        };
        let _ = writeln!(out, "  .Values{path} = {merged_text}");
        write_setters(&mut out, &setters, hidden);
    }
    if let (Some(text), Some(prov)) = (
        current.as_str().filter(|t| t.contains('\n')),
        &obj.provenance,
    ) {
        if !secret {
            explain_ini(
                &mut out,
                project,
                site,
                service_of(project, obj),
                prov,
                &pointer,
                text,
                key,
            );
        }
    } else if key.is_some() {
        let _ = writeln!(
            out,
            "  (--key applies to INI text, e.g. data.keystone.conf of a ConfigMap)"
        );
    }
    if !changes.is_empty() {
        let _ = writeln!(out, "  changed by overlays, in order:");
        write_changes(&mut out, &changes, &pointer);
    }
    Ok(out)
}

/// What explain prints instead of a secret value.
const SECRET_NOT_SHOWN: &str = "(secret value not shown)";

/// Whether the chart value at `dotted` (`a.b.c`) of a chart service is not to be shown: one
/// of its declared `secretValues`, a map holding one or inside one, or a value whose key
/// names a credential (`password`, `memcache_secret_key`, `token`, …: the names the leak
/// check reads as credentials), such as the default passwords charts ship in `values.yaml`.
fn hides_value(project: &Project, service: &str, dotted: &str) -> bool {
    let last = dotted.rsplit('.').next().unwrap_or(dotted);
    if crate::secrets::leak::secret_env_name(last) {
        return true;
    }
    let Some(spec) = project
        .checked
        .catalog
        .services
        .get(service)
        .and_then(|s| s.spec.chart.as_ref())
    else {
        return false;
    };
    spec.secret_values.keys().any(|k| {
        k == dotted
            || k.strip_prefix(dotted).is_some_and(|r| r.starts_with('.'))
            || dotted
                .strip_prefix(k.as_str())
                .is_some_and(|r| r.starts_with('.'))
    })
}

/// The documents that set a value, last (the one that wins) first; with `hidden`, their
/// values are not shown.
fn write_setters(out: &mut String, setters: &[(String, String, Value)], hidden: bool) {
    if setters.is_empty() {
        let _ = writeln!(out, "    set by no input (a template default?)");
    }
    for (i, (at, who, val)) in setters.iter().rev().enumerate() {
        let what = if hidden {
            SECRET_NOT_SHOWN.to_string()
        } else if val.is_null() {
            "null (deleted)".to_string()
        } else {
            show(val)
        };
        if i == 0 {
            let _ = writeln!(out, "    set by {at} ({who}): {what}");
        } else {
            let _ = writeln!(out, "    overriding {what} from {at} ({who})");
        }
    }
}

/// The catalog service of an object (its unit folder), if it is one.
fn service_of<'a>(project: &Project, obj: &'a Final) -> Option<&'a str> {
    project
        .checked
        .catalog
        .services
        .contains_key(&obj.folder)
        .then_some(obj.folder.as_str())
}

/// `pointer`'s segments re-joined with dots where the object has a key with dots in it:
/// `/data/keystone/conf` → `/data/keystone.conf` when `data` has `keystone.conf`.
fn dotted_keys(v: &Value, pointer: &str) -> Option<String> {
    let segs: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut out = String::new();
    let mut cur = v;
    let mut i = 0;
    while i < segs.len() {
        let mut next = None;
        for j in i..segs.len() {
            let key = strata_yaml::pointer_unescape(&segs[i..=j].join("."));
            let found = match cur {
                Value::Object(m) => m.get(&key),
                Value::Array(a) => key.parse::<usize>().ok().and_then(|n| a.get(n)),
                _ => None,
            };
            if let Some(x) = found {
                next = Some((j, key, x));
                break;
            }
        }
        let (j, key, x) = next?;
        out = strata_yaml::pointer_push(&out, &key);
        cur = x;
        i = j + 1;
    }
    Some(out)
}

/// Whether `p` is `anc` or inside it (JSON pointers).
fn covers(anc: &str, p: &str) -> bool {
    p == anc || (p.starts_with(anc) && p.as_bytes().get(anc.len()) == Some(&b'/'))
}

/// The overlay changes that touch the field at `pointer`: at it, above it, or inside it.
fn relevant<'a>(changes: &'a [OverlayChange], pointer: &str) -> Vec<&'a OverlayChange> {
    changes
        .iter()
        .filter(|c| !c.pointer.is_empty())
        .filter(|c| covers(&c.pointer, pointer) || covers(pointer, &c.pointer))
        .collect()
}

/// `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`.
pub(crate) fn pointer_field(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = strata_yaml::pointer_unescape(seg);
        if seg.parse::<usize>().is_ok() {
            let _ = write!(out, "[{seg}]");
        } else if seg.contains(['.', '/', '[', ']']) {
            let _ = write!(out, "[\"{seg}\"]");
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

/// The value of the asked field inside a change's value, when the change is above it.
fn at_field<'v>(v: Option<&'v Value>, change: &str, pointer: &str) -> Option<&'v Value> {
    let rest = pointer.strip_prefix(change).unwrap_or("");
    v.and_then(|v| {
        if rest.is_empty() {
            Some(v)
        } else {
            v.pointer(rest)
        }
    })
}

fn write_changes(out: &mut String, changes: &[&OverlayChange], pointer: &str) {
    for c in changes {
        let above = covers(&c.pointer, pointer);
        let (before, after) = if above {
            (
                at_field(c.before.as_ref(), &c.pointer, pointer),
                at_field(c.after.as_ref(), &c.pointer, pointer),
            )
        } else {
            (c.before.as_ref(), c.after.as_ref())
        };
        let before = before.map_or("(absent)".to_string(), show);
        let after = after.map_or("(removed)".to_string(), show);
        let which = if above && c.pointer == pointer {
            String::new()
        } else if above {
            format!(" (through {})", pointer_field(&c.pointer))
        } else {
            format!(" {}", pointer_field(&c.pointer))
        };
        let _ = writeln!(
            out,
            "    {}:{}:{} {}{which}: {before} → {after}",
            c.source.path, c.span.start.line, c.span.start.col, c.entry
        );
    }
}

/// One option of INI text: (0-based line in the text, section, option, value).
type IniLine<'t> = (usize, &'t str, &'t str, &'t str);

fn ini_lines(text: &str) -> Vec<IniLine<'_>> {
    let mut section = "";
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(s) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = s;
        } else if let Some((k, v)) = t.split_once('=') {
            if !section.is_empty() && !t.starts_with(['#', ';']) {
                out.push((i, section, k.trim(), v.trim()));
            }
        }
    }
    out
}

/// Where a configuration file's options live in a service's values: `conf.<stem>` for a file
/// `<stem>.conf` (`keystone.conf` → `conf.keystone`), also with `-` as `_` and the last
/// `-` part (`keystone-uwsgi.ini` → `conf.uwsgi`).
fn conf_roots(pointer: &str) -> Vec<String> {
    let file = pointer.rsplit('/').next().unwrap_or("").replace("~1", "/");
    let stem = file.split('.').next().unwrap_or("").to_string();
    let mut roots = vec![stem.clone(), stem.replace('-', "_")];
    if let Some((_, last)) = stem.rsplit_once('-') {
        roots.push(last.to_string());
    }
    roots.dedup();
    roots
        .into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| format!("/conf{}", strata_yaml::pointer_push("", &r)))
        .collect()
}

/// The setters of one INI option, under the first values root that has any.
fn ini_setters<'a>(
    project: &'a Project,
    site: &'a Site,
    service: Option<&str>,
    roots: &[String],
    section: &str,
    option: &str,
) -> (Option<String>, Vec<Setter<'a>>) {
    for r in roots {
        let p = format!(
            "{r}{}",
            strata_yaml::pointer_push(&strata_yaml::pointer_push("", section), option)
        );
        let found = setters(project, site, service, &p);
        if !found.is_empty() {
            return (Some(p), found);
        }
    }
    (None, Vec::new())
}

/// INI text (a configuration file in a ConfigMap): with `key` (`section.option`), that
/// option's line, its template line and the values documents that set it; without, every
/// option that a values document sets, with the document's line.
#[allow(clippy::too_many_arguments)]
fn explain_ini(
    out: &mut String,
    project: &Project,
    site: &Site,
    service: Option<&str>,
    prov: &crate::render::Provenance,
    pointer: &str,
    text: &str,
    key: Option<&str>,
) {
    let lines = ini_lines(text);
    if lines.is_empty() {
        if key.is_some() {
            let _ = writeln!(out, "  (not INI text: --key does not apply)");
        }
        return;
    }
    let roots = conf_roots(pointer);
    let Some(key) = key else {
        let mut any = false;
        for (i, section, option, value) in &lines {
            let (_, found) = ini_setters(project, site, service, &roots, section, option);
            let Some(last) = found.last() else { continue };
            if !any {
                let _ = writeln!(
                    out,
                    "  options set in values (explain one with --key SECTION.OPTION):"
                );
                any = true;
            }
            let _ = writeln!(
                out,
                "    line {}: [{section}] {option} = {value} ◀ {}:{}:{} ({})",
                i + 1,
                last.doc.source.path,
                last.span.start.line,
                last.span.start.col,
                last.who
            );
        }
        if !any {
            let _ = writeln!(
                out,
                "  no option of this file is set in a values document (all come from the template)"
            );
        }
        return;
    };
    let Some((section, option)) = key.split_once('.') else {
        let _ = writeln!(out, "  --key `{key}` is not SECTION.OPTION");
        return;
    };
    let Some((i, _, _, value)) = lines
        .iter()
        .find(|(_, s, o, _)| *s == section && *o == option)
    else {
        let _ = writeln!(out, "  [{section}] {option} is not in this file");
        return;
    };
    let (src, span) = prov.locate_line(pointer, *i);
    let _ = writeln!(
        out,
        "  [{section}] {option} = {value} (line {} of the file)",
        i + 1
    );
    let _ = writeln!(
        out,
        "    written by {}:{}: {}",
        src.path,
        span.start.line,
        line_text(&src.text, span.start.line)
    );
    let (at, found) = ini_setters(project, site, service, &roots, section, option);
    match at {
        None => {
            let _ = writeln!(
                out,
                "    set by no values document (the template derives it)"
            );
        }
        Some(p) => {
            let _ = writeln!(out, "    values.{}:", pointer_field(&p));
            for (n, s) in found.iter().rev().enumerate() {
                let what = if s.value.is_null() {
                    "null (deleted)".to_string()
                } else {
                    show(&s.value)
                };
                let at = position(&s.doc.source, s.span);
                if n == 0 {
                    let _ = writeln!(out, "      set by {at} ({}): {what}", s.who);
                } else {
                    let _ = writeln!(out, "      overriding {what} from {at} ({})", s.who);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths() {
        assert_eq!(
            field_pointer("spec.template.spec.containers[0].image").as_deref(),
            Ok("/spec/template/spec/containers/0/image")
        );
        assert_eq!(
            field_pointer("metadata.labels[\"app.kubernetes.io/name\"]").as_deref(),
            Ok("/metadata/labels/app.kubernetes.io~1name")
        );
        assert!(field_pointer("").is_err());
    }

    #[test]
    fn finds_value_references() {
        assert_eq!(
            references("replicas: {{ values.api.replicas }} {{ site.values.x }}"),
            vec![
                (false, ".api.replicas".to_string()),
                (true, ".x".to_string())
            ]
        );
        assert!(references("{{ services.rabbitmq.values.replicas }}").is_empty());
        // A chart template's `.Values` are not Strata's `values` (and the other way round).
        assert!(references("replicas: {{ .Values.pod.replicas.api }}").is_empty());
        assert_eq!(
            chart_references(
                "{{ $envAll.Values.pod.replicas.api }} {{ .Values.image.tag | default $.Values.tag }}"
            ),
            vec![".pod.replicas.api", ".image.tag", ".tag"]
        );
        assert!(chart_references("{{ values.api.replicas }} {{ .Values }}").is_empty());
    }
}
