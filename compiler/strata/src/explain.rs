//! `strata explain SITE KIND/NAME FIELD.PATH`: which input set a rendered value, and what it
//! overrode.
//!
//! The object's provenance gives the template line that rendered the field; the `values.…`
//! and `site.values.…` references on that line are then traced through the merge: the
//! service default, each layer in order, and the site — every document that set the value.

use std::fmt::Write as _;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::diag::{Code, Diagnostic, Source};
use crate::emit::Final;
use crate::load::{Doc, Inputs};
use crate::model::Site;
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
        Value::String(s) if !s.contains('\n') => s.clone(),
        Value::String(s) => format!("({} lines of text)", s.lines().count()),
        Value::Object(m) => format!("(a map with {} keys)", m.len()),
        Value::Array(a) => format!("(a list of {})", a.len()),
        other => other.to_string(),
    }
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

/// Every document that sets `pointer` (relative to the values), in merge order:
/// (file:line:col, who, value).
fn chain(
    project: &Project,
    site: &Site,
    service: Option<&str>,
    pointer: &str,
) -> Vec<(String, String, Value)> {
    let mut docs: Vec<(&Doc, String, String)> = Vec::new();
    let inputs: &Inputs = &project.inputs;
    match service {
        Some(svc) => {
            if let Some(s) = project.checked.catalog.services.get(svc) {
                docs.push((&s.doc, "/spec/values".into(), "service default".into()));
            }
            let base = format!(
                "/spec{}/values",
                strata_yaml::pointer_push("/services", svc)
            );
            for l in &site.spec.layers {
                if let Some(d) = inputs.layers.get(l) {
                    docs.push((d, base.clone(), format!("layer {l}")));
                }
            }
            docs.push((&site.doc, base, format!("site {}", site.name)));
        }
        None => {
            for l in &site.spec.layers {
                if let Some(d) = inputs.layers.get(l) {
                    docs.push((d, "/spec/values".into(), format!("layer {l}")));
                }
            }
            docs.push((
                &site.doc,
                "/spec/values".into(),
                format!("site {}", site.name),
            ));
        }
    }
    let mut out = Vec::new();
    for (doc, base, who) in docs {
        let p = format!("{base}{pointer}");
        if let Some(v) = doc.doc.value.pointer(&p) {
            let span = doc.span(&p, false);
            out.push((
                format!("{}:{}:{}", doc.source.path, span.start.line, span.start.col),
                who,
                v.clone(),
            ));
        }
    }
    out
}

/// Where a person wrote the field at `pointer` of a final object: the values line that set
/// the value its template line reads (the site, a layer, or the service default: the last
/// document that set it), as long as the object still holds that value (an overlay may have
/// replaced it); else the template line. `None` for objects no template rendered.
pub fn input_position(site: &Site, obj: &Final, pointer: &str) -> Option<(Source, Span)> {
    let prov = obj.provenance.as_ref()?;
    let (src, span) = prov.locate(pointer);
    let actual = obj.value.pointer(pointer);
    let line = line_text(&src.text, span.start.line);
    for (is_site, path) in references(line) {
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
) -> Result<String, Vec<Diagnostic>> {
    let (kind, name) = object.split_once('/').ok_or_else(|| {
        vec![
            Diagnostic::error(Code::Usage, format!("`{object}` is not KIND/NAME"))
                .help("e.g. Deployment/keystone-api"),
        ]
    })?;
    let pointer = field_pointer(field).map_err(|e| vec![Diagnostic::error(Code::Usage, e)])?;
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
    let display = strata_validate::object_label(v);
    let Some(current) = v.pointer(&pointer) else {
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
        "(secret value not shown)".to_string()
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
    let Some(prov) = &obj.provenance else {
        let _ = writeln!(out, "  added by Strata (not rendered from a template)");
        return Ok(out);
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
        if setters.is_empty() {
            let _ = writeln!(out, "    set by no input (a template default?)");
        }
        for (i, (at, who, val)) in setters.iter().rev().enumerate() {
            let verb = if i == 0 { "set by" } else { "overriding" };
            let what = if val.is_null() {
                "null (deleted)".to_string()
            } else {
                show(val)
            };
            if i == 0 {
                let _ = writeln!(out, "    {verb} {at} ({who}): {what}");
            } else {
                let _ = writeln!(out, "    {verb} {what} from {at} ({who})");
            }
        }
    }
    Ok(out)
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
    }
}
