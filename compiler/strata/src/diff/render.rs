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

/// Text for a terminal or a log. With `max_bytes`, the output stays within that many bytes
/// (see [`bounded`]); `full_report` names the file holding the full report, if any.
pub fn text(
    r: &Report,
    color: bool,
    max_bytes: Option<usize>,
    full_report: Option<&str>,
) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut head = String::new();
    let t = totals(r);
    let _ = writeln!(
        head,
        "strata diff {} → {}: {} added, {} changed, {} removed",
        r.base, r.head, t[0], t[1], t[2]
    );
    for (site, imp) in &r.impact {
        let _ = writeln!(
            head,
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
    let mut sections = Vec::with_capacity(r.changes.len());
    for c in &r.changes {
        let mut out = String::new();
        let _ = writeln!(out);
        let title = format!("{} [{}] in {}", title(c), c.service, c.sites.join(", "));
        let _ = writeln!(out, "{}", paint("1", &title));
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
        sections.push(out);
    }
    let total = r.changes.len();
    let notice = |max: usize, shown: usize| {
        let keep = match full_report {
            Some(f) => format!("the full report is in {f}"),
            None => "run with --output FILE to keep the full report".to_string(),
        };
        format!(
            "\n… truncated to {max} bytes: {shown} of {total} changes shown (the riskiest first), {} left out; {keep}\n",
            total - shown
        )
    };
    bounded(&head, &sections, max_bytes, notice, "…\n")
}

/// Lays out a report: `head` (the summary), then `sections` (one per change, in the report's
/// order: the riskiest first). Without `max_bytes`, or when everything fits, that is all.
/// Otherwise the output never exceeds `max_bytes` bytes, the notice included:
/// - room is kept for the notice (`notice(max, shown)`: what was left out) at its longest;
/// - a head that does not fit is cut at a line end and marked with `cut_mark`, and no section
///   follows it;
/// - sections go in whole, in order; one that does not fit in what is left is left out and a
///   later, smaller one may still go in (every shown section ranks above or beside the ones
///   left out, or was too big to be shown at all);
/// - if even the notice does not fit, the output is the notice, cut to the bound (at a
///   character boundary).
pub fn bounded(
    head: &str,
    sections: &[String],
    max_bytes: Option<usize>,
    notice: impl Fn(usize, usize) -> String,
    cut_mark: &str,
) -> String {
    let whole = head.len() + sections.iter().map(String::len).sum::<usize>();
    let max = match max_bytes {
        Some(max) if whole > max => max,
        _ => return [head.to_string(), sections.concat()].concat(),
    };
    // The notice's length depends on the counts it names: room for the longest of them.
    let longest = (0..=sections.len())
        .map(|shown| notice(max, shown).len())
        .max()
        .unwrap_or(0);
    if longest > max {
        let mut n = notice(max, 0);
        n.truncate(floor_char_boundary(&n, max));
        return n;
    }
    let room = max - longest;
    let mut out = String::with_capacity(max);
    let mut shown = 0;
    if head.len() > room {
        let cut = floor_char_boundary(head, room.saturating_sub(cut_mark.len()));
        if let Some(end) = head[..cut].rfind('\n') {
            out.push_str(&head[..=end]);
        }
        if out.len() + cut_mark.len() <= room {
            out.push_str(cut_mark);
        }
    } else {
        out.push_str(head);
        for s in sections {
            if out.len() + s.len() <= room {
                out.push_str(s);
                shown += 1;
            }
        }
    }
    out.push_str(&notice(max, shown));
    out
}

/// The largest index `<= i` that is a character boundary of `s`.
fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Markdown for a merge-request comment. With `max_bytes`, the comment stays within that many
/// bytes (see [`bounded`]): per-object sections that do not fit are left out, the riskiest
/// kept, and a note says how many (and where the full report is, when `full_report` names a
/// file).
pub fn markdown(r: &Report, max_bytes: Option<usize>, full_report: Option<&str>) -> String {
    let mut head = String::new();
    let t = totals(r);
    let _ = writeln!(head, "## Strata diff: `{}` → `{}`\n", r.base, r.head);
    if r.changes.is_empty() {
        let _ = writeln!(head, "No change to the rendered output.");
        let notice = |max: usize, _: usize| format!("(report truncated to {max} bytes)\n");
        return bounded(&head, &[], max_bytes, notice, "…\n");
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
    let mut sections = Vec::with_capacity(r.changes.len());
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
        sections.push(section);
    }
    let total = r.changes.len();
    let notice = |max: usize, shown: usize| {
        let keep = match full_report {
            Some(f) => format!("The full report is in `{f}`."),
            None => "Run `strata diff` with `--output FILE` to keep the full report.".to_string(),
        };
        format!(
            "> [!NOTE]\n> Report truncated to {max} bytes: {shown} of {total} object diffs shown (the riskiest first), {} left out. {keep}\n",
            total - shown
        )
    };
    bounded(&head, &sections, max_bytes, notice, "…\n\n")
}

fn sites_suffix(c: &Change) -> String {
    if c.sites.len() == 1 {
        format!(" — site {}", html(&c.sites[0]))
    } else {
        format!(" — sites {}", html(&c.sites.join(", ")))
    }
}

/// `s` with its first letter in upper case.
pub(crate) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// `s` with `&`, `<` and `>` escaped, for markdown that GitLab and GitHub render as HTML.
pub(crate) fn html(s: &str) -> String {
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
                risk_score: 0,
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

    /// The bound is hard for every value, the notice included, in both formats that honour
    /// it, with or without a full-report file, and whatever the size of the report.
    #[test]
    fn max_bytes_is_a_hard_bound_for_any_value() {
        for n in [0, 1, 3, 12] {
            let r = report(n.max(1));
            let r = if n == 0 {
                Report {
                    changes: Vec::new(),
                    summary: Default::default(),
                    impact: Default::default(),
                    ..r
                }
            } else {
                r
            };
            let full_md = markdown(&r, None, None).len();
            let full_text = text(&r, false, None, None).len();
            for max in (0..=full_md.max(full_text) + 10).step_by(7) {
                for file in [None, Some("diff.md")] {
                    let md = markdown(&r, Some(max), file);
                    assert!(md.len() <= max, "markdown: {} > {max}", md.len());
                    let t = text(&r, false, Some(max), file);
                    assert!(t.len() <= max, "text: {} > {max}", t.len());
                    if max >= full_md {
                        assert_eq!(md, markdown(&r, None, None));
                    }
                    if max >= full_text {
                        assert_eq!(t, text(&r, false, None, None));
                    }
                }
            }
        }
    }

    /// What the old code printed for `--max-bytes 100`: at least the whole notice, 118 bytes.
    #[test]
    fn a_bound_smaller_than_the_notice_cuts_the_notice() {
        let md = markdown(&report(5), Some(100), None);
        assert!(md.len() <= 100, "{} > 100", md.len());
        assert!(md.starts_with("> [!NOTE]"), "{md}");
    }

    #[test]
    fn sections_go_in_whole_in_report_order_and_the_notice_counts_them() {
        let r = report(20);
        let full = markdown(&r, None, None);
        let max = full.len() / 2;
        let md = markdown(&r, Some(max), None);
        let shown = md.matches("<details>").count();
        assert!(shown > 0 && shown < 20, "{shown}");
        assert!(
            md.contains(&format!(
                "{shown} of 20 object diffs shown (the riskiest first), {} left out",
                20 - shown
            )),
            "{md}"
        );
        // The first sections of the report, in order.
        for c in &r.changes[..shown] {
            assert!(md.contains(&format!("<code>{}</code>", html(&c.display()))));
        }
    }
}
