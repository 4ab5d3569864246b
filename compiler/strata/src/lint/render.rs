//! Text and JSON reports of `strata lint`.

use std::fmt::Write as _;

use serde_json::json;

use super::{rule, Report, Severity};

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The summary line: sites, errors, warnings, infos.
pub fn summary(report: &Report) -> String {
    format!(
        "linted {}: {}, {}, {}",
        plural(report.sites.len(), "site"),
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.count(Severity::Info), "info")
    )
}

/// For people: one block per finding (as compilers print), then the summary.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(out, "{}[{}]: {}", f.severity.as_str(), f.code, f.message);
        match &f.location {
            Some(l) => {
                let width = l.line.to_string().len();
                let pad = " ".repeat(width);
                let _ = writeln!(out, "{pad}--> {}:{}:{}", l.path, l.line, l.col);
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{} | {}", l.line, l.text);
                let _ = writeln!(
                    out,
                    "{pad} | {}^",
                    " ".repeat(l.col.saturating_sub(1) as usize)
                );
                let _ = writeln!(
                    out,
                    "{pad} = {} {} ({}): {}",
                    if f.sites.len() == 1 { "site" } else { "sites" },
                    f.sites.join(", "),
                    f.service,
                    f.object
                );
                if let Some(p) = &f.policy {
                    let _ = writeln!(out, "{pad} = policy: {p}");
                }
                let _ = writeln!(out, "{pad} = help: {}", f.hint);
            }
            None => {
                let _ = writeln!(
                    out,
                    "  = {} {} ({}): {}",
                    if f.sites.len() == 1 { "site" } else { "sites" },
                    f.sites.join(", "),
                    f.service,
                    f.object
                );
                if let Some(p) = &f.policy {
                    let _ = writeln!(out, "  = policy: {p}");
                }
                let _ = writeln!(out, "  = help: {}", f.hint);
            }
        }
        out.push('\n');
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// For machines: `{sites, summary, findings[]}` (shape in the book).
pub fn json(report: &Report) -> String {
    let findings: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "code": f.code,
                "check": rule(f.code).map_or("", |r| r.name),
                "severity": f.severity,
                "sites": f.sites,
                "service": f.service,
                "object": f.object,
                "message": f.message,
                "file": f.location.as_ref().map(|l| l.path.to_string()),
                "line": f.location.as_ref().map(|l| l.line),
                "column": f.location.as_ref().map(|l| l.col),
                "hint": f.hint,
                "policy": f.policy,
            })
        })
        .collect();
    let v = json!({
        "sites": report.sites,
        "summary": {
            "error": report.count(Severity::Error),
            "warning": report.count(Severity::Warning),
            "info": report.count(Severity::Info),
        },
        "findings": findings,
    });
    format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
}
