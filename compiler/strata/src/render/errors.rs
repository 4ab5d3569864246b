//! Error translation: minijinja errors turned into diagnostics that point at the template
//! line a person wrote (through `{% include %}` and macro calls), with "did you mean" help for
//! undefined variables.
//!
//! Invariant: a diagnostic never shows rendered output in place of the template source.

use minijinja::{Error as JinjaError, ErrorKind as JinjaKind};
use serde_json::Value;
use strata_yaml::{Pos, Span};

use crate::check::schema::human_path;
use crate::diag::{Code, Diagnostic, Source};
use crate::model::Service;
use strata_yaml::did_you_mean;

use super::*;

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
pub(super) fn jinja_chain(e: &JinjaError) -> Vec<&JinjaError> {
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
pub(super) fn including_lines(chain: &[&JinjaError], svc: &Service) -> Vec<crate::diag::Label> {
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
pub(super) fn jinja_location(e: &JinjaError, svc: &Service) -> Option<(Source, Span)> {
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

pub(super) fn jinja_diagnostic(
    outermost: &JinjaError,
    svc: &Service,
    context: &Value,
) -> Diagnostic {
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
pub(super) fn expr_head(expr: &str) -> String {
    let e = expr.trim_start_matches("{{").trim_end_matches("}}").trim();
    let e = e.split('|').next().unwrap_or(e).trim();
    e.chars().take(80).collect()
}

/// "did you mean" for an undefined dotted path, by looking up its parent in the context.
pub(super) fn undefined_help(expr: &str, context: &Value) -> String {
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

/// How the error [`engine`] makes of a panic inside the template engine begins.
pub(super) const ENGINE_FAILURE: &str = "the template engine failed:";

thread_local! {
    /// Set while [`engine`] runs the template engine on this thread: its panics are caught
    /// and reported as template errors, so the panic hook stays quiet for them.
    static IN_ENGINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs the template engine on user input (`template` names it in the error), turning a
/// panic inside the engine into a template error.
///
/// minijinja has constructs that it parses but then fails to compile with a panic (for
/// example `{% import "x" as a+b %}`, found by fuzzing): a mistake in a template must be a
/// diagnostic, never a crash. The first call installs a panic hook that stays silent for
/// panics inside the engine and passes every other panic to the previous hook.
pub(super) fn engine<T>(
    template: &str,
    run: impl FnOnce() -> Result<T, JinjaError>,
) -> Result<T, JinjaError> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_ENGINE.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    IN_ENGINE.with(|f| f.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
    IN_ENGINE.with(|f| f.set(false));
    result.unwrap_or_else(|_| {
        Err(JinjaError::new(
            JinjaKind::SyntaxError,
            format!(
                "{ENGINE_FAILURE} {template} (or a template it imports) uses a construct the \
                 template engine cannot compile; `import … as` must be followed by a plain name"
            ),
        ))
    })
}
