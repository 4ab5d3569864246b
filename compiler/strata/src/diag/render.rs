//! Rendering diagnostics for people (rustc-style snippets) and for machines (JSON).

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde_json::json;

use super::{Diagnostic, Severity};

/// Renders diagnostics as text; `color` adds ANSI colours (only for a terminal).
pub fn render_text(diags: &[Diagnostic], color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diags {
        // What each file's snippet may show: secret values masked (diag::redact).
        let shown: Vec<(&str, String)> = files(d)
            .into_iter()
            .filter_map(|f| {
                let mut same = d.labels.iter().filter(|l| &*l.source.path == f);
                let first = same.next()?;
                // Every label's known secret ranges count, whichever copy of the file it holds.
                let source = first
                    .source
                    .with_redacted(same.flat_map(|l| l.source.redacted.iter().cloned()));
                Some((f, source.shown()))
            })
            .collect();
        out.push_str(&renderer.render(&[group(d, &shown)]));
        out.push_str("\n\n");
    }
    out
}

/// The files a diagnostic's labels point into, in order of first mention.
fn files(d: &Diagnostic) -> Vec<&str> {
    let mut files: Vec<&str> = Vec::new();
    for l in &d.labels {
        if !files.contains(&&*l.source.path) {
            files.push(&l.source.path);
        }
    }
    files
}

fn group<'a>(d: &'a Diagnostic, shown: &'a [(&'a str, String)]) -> Group<'a> {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level.primary_title(d.message.as_str()).id(d.code.as_str());
    let mut elements: Vec<annotate_snippets::Element<'_>> = Vec::new();
    // Labels in the same file share one snippet, so related positions show together.
    for (fi, (file, text)) in shown.iter().enumerate() {
        let labels: Vec<_> = d
            .labels
            .iter()
            .filter(|l| &*l.source.path == *file)
            .collect();
        if labels.is_empty() {
            continue;
        }
        let text: &str = text;
        let mut snippet = Snippet::source(text).path(*file).fold(true);
        for (i, l) in labels.iter().enumerate() {
            let kind = if fi == 0 && i == 0 {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            snippet = snippet.annotation(
                kind.span(clamp(text, l.span.bytes()))
                    .label(l.message.as_str()),
            );
        }
        elements.push(snippet.into());
    }
    for n in &d.notes {
        elements.push(Level::NOTE.message(n.as_str()).into());
    }
    if let Some(h) = &d.help {
        elements.push(Level::HELP.message(h.as_str()).into());
    }
    title.elements(elements)
}

/// Keeps a byte range inside the text and on character boundaries, and never empty (a caret
/// needs at least one column; an empty range at the end of a line points at the line end).
fn clamp(text: &str, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut start = r.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = r.end.min(text.len()).max(start);
    while !text.is_char_boundary(end) {
        end += 1;
    }
    if end == start && end < text.len() && !text[start..].starts_with('\n') {
        end = start + text[start..].chars().next().map_or(0, char::len_utf8);
    }
    start..end
}

/// Renders diagnostics as a JSON array (for `--format json` and editors).
pub fn render_json(diags: &[Diagnostic]) -> String {
    let items: Vec<_> = diags
        .iter()
        .map(|d| {
            json!({
                "code": d.code.as_str(),
                "severity": d.severity,
                "message": d.message,
                "labels": d.labels.iter().map(|l| json!({
                    "file": &*l.source.path,
                    "line": l.span.start.line,
                    "column": l.span.start.col,
                    "endLine": l.span.end.line,
                    "endColumn": l.span.end.col,
                    "message": l.message,
                })).collect::<Vec<_>>(),
                "help": d.help,
                "notes": d.notes,
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Source};
    use strata_yaml::{Pos, Span};

    #[test]
    fn looks_like_the_design_example() {
        let text = "spec:\n  description: x\n  dependsOn: [keystone, mariadb]\n";
        let src = Source::new("services/glance/service.yaml", text);
        let start = text.find("keystone").unwrap_or(0);
        let span = Span {
            start: Pos {
                line: 3,
                col: 15,
                offset: start,
            },
            end: Pos {
                line: 3,
                col: 23,
                offset: start + 8,
            },
        };
        let d = Diagnostic::error(
            Code::MissingDependency,
            "service `glance` depends on `keystone`, which site `prod-brno` does not enable",
        )
        .at(&src, span, "required here")
        .help("add `keystone: {}` under spec.services in sites/prod-brno/site.yaml");
        let out = render_text(&[d], false);
        assert!(out.starts_with("error[E0203]: service `glance`"), "{out}");
        assert!(
            out.contains("--> services/glance/service.yaml:3:15"),
            "{out}"
        );
        assert!(out.contains("^^^^^^^^ required here"), "{out}");
        assert!(out.contains("= help: add `keystone: {}`"), "{out}");
    }
}
