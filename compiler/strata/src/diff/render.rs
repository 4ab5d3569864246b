//! Rendering a diff report: text (coloured on a terminal), markdown for a merge-request
//! comment, and JSON (its shape is documented in the book).

use std::fmt::Write as _;

use super::compare::{Change, Report, Risk, Status};

fn risk_text(r: Risk) -> &'static str {
    match r {
        Risk::Deletion => "deletion",
        Risk::ImmutableField => "immutable field",
        Risk::Crd => "CRD",
        Risk::Rbac => "RBAC",
        Risk::Image => "image",
        Risk::Replicas => "replicas",
        Risk::Secret => "secret",
    }
}

fn status_text(s: Status) -> &'static str {
    match s {
        Status::Added => "added",
        Status::Changed => "changed",
        Status::Removed => "removed",
    }
}

fn totals(r: &Report) -> [usize; 3] {
    let mut t = [0; 3];
    for services in r.summary.values() {
        for c in services.values() {
            for i in 0..3 {
                t[i] += c[i];
            }
        }
    }
    t
}

fn secret_lines(c: &Change) -> Vec<String> {
    let Some(s) = &c.secret_keys else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for k in &s.added {
        out.push(format!("key `{k}` added"));
    }
    for k in &s.removed {
        out.push(format!("key `{k}` removed"));
    }
    for (k, b, a) in &s.changed {
        out.push(format!("key `{k}` changed (fingerprint {b} → {a})"));
    }
    out
}

fn title(c: &Change) -> String {
    let mut t = format!("{} {}", status_text(c.status), c.display());
    if let Some(from) = &c.renamed_from {
        let _ = write!(t, " (renamed from {from})");
    }
    t
}

/// Text for a terminal or a log.
pub fn text(r: &Report, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let t = totals(r);
    let _ = writeln!(
        out,
        "strata diff {} → {}: {} added, {} changed, {} removed",
        r.base, r.head, t[0], t[1], t[2]
    );
    for (site, imp) in &r.impact {
        let _ = writeln!(
            out,
            "site {site}: changed {}{}",
            imp.changed.iter().cloned().collect::<Vec<_>>().join(", "),
            if imp.dependents.is_empty() {
                String::new()
            } else {
                format!(
                    "; dependents {}",
                    imp.dependents
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
    }
    for c in &r.changes {
        let _ = writeln!(out);
        let head = format!("{} [{}] in {}", title(c), c.service, c.sites.join(", "));
        let _ = writeln!(out, "{}", paint("1", &head));
        if !c.risks.is_empty() {
            let risks: Vec<&str> = c.risks.iter().map(|r| risk_text(*r)).collect();
            let _ = writeln!(
                out,
                "{}",
                paint("33", &format!("  risk: {}", risks.join(", ")))
            );
        }
        for l in secret_lines(c) {
            let _ = writeln!(out, "  {l}");
        }
        for line in c.diff.lines() {
            let colored = if line.starts_with("+++") || line.starts_with("---") {
                paint("1", line)
            } else if line.starts_with('+') {
                paint("32", line)
            } else if line.starts_with('-') {
                paint("31", line)
            } else if line.starts_with("@@") {
                paint("36", line)
            } else {
                line.to_string()
            };
            let _ = writeln!(out, "{colored}");
        }
    }
    out
}

/// Markdown for a merge-request comment. With `max_bytes`, per-object diffs stop before the
/// limit and a note says so (and where the full report is, when `full_report` names a file).
pub fn markdown(r: &Report, max_bytes: Option<usize>, full_report: Option<&str>) -> String {
    let mut head = String::new();
    let t = totals(r);
    let _ = writeln!(head, "## Strata diff: `{}` → `{}`\n", r.base, r.head);
    if r.changes.is_empty() {
        let _ = writeln!(head, "No change to the rendered output.");
        return head;
    }
    let _ = writeln!(
        head,
        "**{} added, {} changed, {} removed** objects in {} site(s).\n",
        t[0],
        t[1],
        t[2],
        r.summary.len()
    );
    let deletions: Vec<&Change> = r
        .changes
        .iter()
        .filter(|c| c.status == Status::Removed)
        .collect();
    if !deletions.is_empty() {
        let _ = writeln!(
            head,
            "> [!WARNING]\n> **Deletions** — these objects will be removed from the cluster:"
        );
        for c in &deletions {
            let _ = writeln!(
                head,
                "> - `{}` ({}) in {}",
                c.display(),
                c.service,
                c.sites.join(", ")
            );
        }
        let _ = writeln!(head);
    }
    let risky: Vec<&Change> = r
        .changes
        .iter()
        .filter(|c| c.risks.iter().any(|x| *x != Risk::Deletion))
        .collect();
    if !risky.is_empty() {
        let _ = writeln!(head, "**Look twice:**\n");
        for c in &risky {
            let risks: Vec<&str> = c
                .risks
                .iter()
                .filter(|x| **x != Risk::Deletion)
                .map(|x| risk_text(*x))
                .collect();
            let _ = writeln!(
                head,
                "- `{}` ({}): {}",
                c.display(),
                c.service,
                risks.join(", ")
            );
        }
        let _ = writeln!(head);
    }
    let _ = writeln!(
        head,
        "| Site | Service | Added | Changed | Removed |\n|---|---|---:|---:|---:|"
    );
    for (site, services) in &r.summary {
        for (svc, c) in services {
            let _ = writeln!(head, "| {site} | {svc} | {} | {} | {} |", c[0], c[1], c[2]);
        }
    }
    let _ = writeln!(head);
    if !r.impact.is_empty() {
        let _ = writeln!(head, "**Impact:**\n");
        for (site, imp) in &r.impact {
            let deps = if imp.dependents.is_empty() {
                "none".to_string()
            } else {
                imp.dependents
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                head,
                "- {site}: changed {}; dependents: {deps}",
                imp.changed.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        let _ = writeln!(head);
    }
    let _ = writeln!(head, "### Changes\n");
    let note_room = 400;
    if let Some(max) = max_bytes {
        // Even the summary may not fit: cut it at a line boundary (the note says so).
        let mut room = max.saturating_sub(note_room);
        while !head.is_char_boundary(room.min(head.len())) {
            room -= 1;
        }
        if head.len() > room {
            let cut = head[..room].rfind('\n').unwrap_or(0);
            head.truncate(cut);
            head.push_str("\n…\n\n");
        }
    }
    let mut body = String::new();
    let mut shown = 0;
    for c in &r.changes {
        let mut section = String::new();
        let _ = writeln!(
            section,
            "<details><summary>{} <code>{}</code> — {}{}</summary>\n",
            capitalize(status_text(c.status)),
            html(&c.display()),
            html(&c.service),
            sites_suffix(c)
        );
        if let Some(from) = &c.renamed_from {
            let _ = writeln!(
                section,
                "Renamed from `{from}` (generated name, new content hash).\n"
            );
        }
        for l in secret_lines(c) {
            let _ = writeln!(section, "- {l}");
        }
        if c.secret_keys.is_some() {
            let _ = writeln!(section);
        }
        let fence = if c.diff.contains("```") {
            "~~~~"
        } else {
            "```"
        };
        let _ = writeln!(section, "{fence}diff\n{}{fence}\n\n</details>\n", c.diff);
        if let Some(max) = max_bytes {
            if head.len() + body.len() + section.len() + note_room > max {
                break;
            }
        }
        body.push_str(&section);
        shown += 1;
    }
    let mut out = head + &body;
    if shown < r.changes.len() {
        let _ = write!(
            out,
            "> [!NOTE]\n> Report truncated to {} bytes: {shown} of {} object diffs shown.",
            max_bytes.unwrap_or(0),
            r.changes.len()
        );
        match full_report {
            Some(f) => {
                let _ = writeln!(out, " The full report is in `{f}`.");
            }
            None => {
                let _ = writeln!(
                    out,
                    " Run `strata diff` with `--output FILE` to keep the full report."
                );
            }
        }
    }
    out
}

fn sites_suffix(c: &Change) -> String {
    if c.sites.len() == 1 {
        format!(" — site {}", html(&c.sites[0]))
    } else {
        format!(" — sites {}", html(&c.sites.join(", ")))
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// JSON (`--format json`).
pub fn json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::compare::{Impact, SecretKeys};

    fn report(n: usize) -> Report {
        let mut r = Report {
            base: "main".into(),
            head: "working tree".into(),
            ..Report::default()
        };
        for i in 0..n {
            r.changes.push(Change {
                sites: vec!["a".into(), "b".into()],
                service: "keystone".into(),
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                namespace: Some("openstack".into()),
                name: format!("cm-{i}"),
                renamed_from: None,
                status: if i == 0 {
                    Status::Removed
                } else {
                    Status::Changed
                },
                risks: if i == 0 {
                    vec![Risk::Deletion]
                } else {
                    vec![Risk::Secret]
                },
                secret_keys: (i == 1).then(|| SecretKeys {
                    changed: vec![("password".into(), "aaaa".into(), "bbbb".into())],
                    ..SecretKeys::default()
                }),
                diff: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a: 1\n+a: 2\n".repeat(5),
            });
        }
        r.summary
            .entry("a".into())
            .or_default()
            .insert("keystone".into(), [0, n - 1, 1]);
        r.impact.insert(
            "a".into(),
            Impact {
                changed: ["keystone".to_string()].into(),
                dependents: ["glance".to_string()].into(),
            },
        );
        r
    }

    #[test]
    fn markdown_has_summary_deletions_and_collapsible_diffs() {
        let md = markdown(&report(3), None, None);
        assert!(md.starts_with("## Strata diff: `main` → `working tree`"));
        assert!(md.contains("| Site | Service | Added | Changed | Removed |"));
        assert!(md.contains("| a | keystone | 0 | 2 | 1 |"));
        assert!(md.contains("> **Deletions**"));
        assert!(md.contains("- a: changed keystone; dependents: glance"));
        assert_eq!(md.matches("<details>").count(), 3);
        assert_eq!(md.matches("</details>").count(), 3);
        assert!(md.contains("key `password` changed (fingerprint aaaa → bbbb)"));
        assert!(md.contains("— sites a, b"));
    }

    #[test]
    fn markdown_respects_max_bytes() {
        let full = markdown(&report(50), None, None);
        for max in [600, 1500, 3000, 6000] {
            let md = markdown(&report(50), Some(max), Some("diff.md"));
            assert!(md.len() <= max, "{} > {max}", md.len());
            assert!(md.contains("Report truncated") && md.contains("`diff.md`"));
            assert_eq!(
                md.matches("<details>").count(),
                md.matches("</details>").count()
            );
        }
        assert!(!full.contains("truncated"));
    }
}
