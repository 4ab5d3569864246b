//! Rendering a plan: text for a terminal, markdown for a merge-request comment (both bounded by
//! `--max-bytes` with `strata diff`'s [`bounded`]), and JSON (its shape is in the book).

use std::fmt::Write as _;

use super::{Care, Class, Plan, SitePlan, Wave};
use crate::diff::render::{bounded, capitalize, html};

fn wave_label(w: &Wave) -> String {
    match w.wave {
        Some(n) => format!("wave {n}"),
        None => "outside the graph".to_string(),
    }
}

/// `3 restart, 4 re-run` for the classes of a set of counts, in class order.
fn counts<'a>(classes: impl Iterator<Item = &'a Class>) -> String {
    let mut n: std::collections::BTreeMap<Class, usize> = std::collections::BTreeMap::new();
    for c in classes {
        *n.entry(*c).or_insert(0) += 1;
    }
    n.iter()
        .map(|(c, k)| format!("{k} {}", c.text()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn site_counts(s: &SitePlan) -> String {
    s.summary
        .iter()
        .map(|(c, k)| format!("{k} {}", c.text()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn wave_counts(w: &Wave) -> String {
    counts(w.changes.iter().flat_map(|c| c.classes.iter()))
}

fn care_where(c: &Care) -> String {
    match c.wave {
        Some(w) => format!("wave {w}, {}", c.unit),
        None => c.unit.clone(),
    }
}

fn care_code(c: &Care) -> String {
    serde_json::to_value(c.code)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn classes_text(classes: &[Class]) -> String {
    classes
        .iter()
        .map(|c| c.text())
        .collect::<Vec<_>>()
        .join("+")
}

/// Text for a terminal or a log. With `max_bytes`, the output stays within that many bytes
/// (whole wave sections are left out, and a note says how many).
pub fn text(p: &Plan, max_bytes: Option<usize>) -> String {
    let mut head = String::new();
    if p.sites.is_empty() {
        let _ = writeln!(head, "strata plan {} → {}: no change", p.base, p.head);
        let notice = |max: usize, _: usize| format!("… truncated to {max} bytes\n");
        return bounded(&head, &[], max_bytes, notice, "…\n");
    }
    let _ = writeln!(
        head,
        "strata plan {} → {}: {} site{} change",
        p.base,
        p.head,
        p.sites.len(),
        if p.sites.len() == 1 { "" } else { "s" }
    );
    for s in &p.sites {
        let _ = writeln!(head, "\nsite {}: {}", s.site, site_counts(s));
        let _ = writeln!(
            head,
            "  waves: {}",
            s.waves
                .iter()
                .map(|w| format!("{} ({})", wave_label(w), w.units.join(", ")))
                .collect::<Vec<_>>()
                .join(" → ")
        );
        for c in &s.care {
            let _ = writeln!(
                head,
                "  ! {} [{}]: {} — {}",
                care_code(c),
                care_where(c),
                c.object,
                c.message
            );
        }
    }
    let mut sections = Vec::new();
    for s in &p.sites {
        for w in &s.waves {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "\n{} {}: {} — {}",
                s.site,
                wave_label(w),
                w.units.join(", "),
                wave_counts(w)
            );
            let cw = w
                .changes
                .iter()
                .map(|c| classes_text(&c.classes).len())
                .max()
                .unwrap_or(0);
            for c in &w.changes {
                let mut line = format!(
                    "  {:<cw$}  {} ({})",
                    classes_text(&c.classes),
                    c.display(),
                    c.unit
                );
                if let Some(from) = &c.renamed_from {
                    let _ = write!(line, ", renamed from {from}");
                }
                if !c.details.is_empty() {
                    let _ = write!(line, ": {}", c.details.join("; "));
                }
                let _ = writeln!(out, "{line}");
            }
            sections.push(out);
        }
    }
    let total = sections.len();
    let notice = |max: usize, shown: usize| {
        format!(
            "\n… truncated to {max} bytes: {shown} of {total} wave sections shown, {} left out; run without --max-bytes for the whole plan\n",
            total - shown
        )
    };
    bounded(&head, &sections, max_bytes, notice, "…\n")
}

/// A table cell: HTML-escaped, `|` escaped.
fn cell(s: &str) -> String {
    html(s).replace('|', "\\|")
}

/// Markdown for a merge-request comment. With `max_bytes`, the comment stays within that many
/// bytes: wave sections that do not fit are left out, and a note says how many.
pub fn markdown(p: &Plan, max_bytes: Option<usize>) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "## Strata plan: `{}` → `{}`\n", p.base, p.head);
    if p.sites.is_empty() {
        let _ = writeln!(head, "No change to the rendered output.");
        let notice = |max: usize, _: usize| format!("(plan truncated to {max} bytes)\n");
        return bounded(&head, &[], max_bytes, notice, "…\n");
    }
    let _ = writeln!(
        head,
        "**{} site(s) change.** Each site rolls out wave by wave; the units of a wave roll out side by side.\n",
        p.sites.len()
    );
    let classes: std::collections::BTreeSet<Class> = p
        .sites
        .iter()
        .flat_map(|s| s.summary.keys().copied())
        .collect();
    let _ = writeln!(
        head,
        "| Site | Waves | {} |\n|---|---|{}",
        classes
            .iter()
            .map(|c| capitalize(c.text()))
            .collect::<Vec<_>>()
            .join(" | "),
        "---:|".repeat(classes.len())
    );
    for s in &p.sites {
        let _ = writeln!(
            head,
            "| {} | {} | {} |",
            cell(&s.site),
            s.waves
                .iter()
                .map(|w| match w.wave {
                    Some(n) => n.to_string(),
                    None => "–".to_string(),
                })
                .collect::<Vec<_>>()
                .join(" → "),
            classes
                .iter()
                .map(|c| s.summary.get(c).copied().unwrap_or(0).to_string())
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    let _ = writeln!(head);
    let care: Vec<(&str, &Care)> = p
        .sites
        .iter()
        .flat_map(|s| s.care.iter().map(move |c| (s.site.as_str(), c)))
        .collect();
    if !care.is_empty() {
        let _ = writeln!(head, "> [!WARNING]\n> **Needs care:**");
        for (site, c) in care {
            let _ = writeln!(
                head,
                "> - {} ({}): `{}` — {} [{}]",
                html(site),
                html(&care_where(c)),
                c.object,
                html(&c.message),
                care_code(c)
            );
        }
        let _ = writeln!(head);
    }
    let _ = writeln!(head, "### Rollout\n");
    let mut sections = Vec::new();
    for s in &p.sites {
        for w in &s.waves {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "<details><summary><b>{}</b> — {}: {} ({})</summary>\n",
                html(&s.site),
                wave_label(w),
                html(&w.units.join(", ")),
                wave_counts(w)
            );
            let _ = writeln!(
                out,
                "| Unit | Change | Object | Detail |\n|---|---|---|---|"
            );
            for c in &w.changes {
                let mut detail = c.details.clone();
                if let Some(from) = &c.renamed_from {
                    detail.insert(0, format!("renamed from {from}"));
                }
                let _ = writeln!(
                    out,
                    "| {} | {} | `{}` | {} |",
                    cell(&c.unit),
                    classes_text(&c.classes),
                    c.display().replace('|', "\\|"),
                    cell(&detail.join("; "))
                );
            }
            let _ = writeln!(out, "\n</details>\n");
            sections.push(out);
        }
    }
    let total = sections.len();
    let notice = |max: usize, shown: usize| {
        format!(
            "> [!NOTE]\n> Plan truncated to {max} bytes: {shown} of {total} wave sections shown, {} left out. Run `strata plan` locally for the whole plan.\n",
            total - shown
        )
    };
    bounded(&head, &sections, max_bytes, notice, "…\n\n")
}

/// JSON (`--format json`; never cut).
pub fn json(p: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(p).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Status;
    use crate::plan::{CareCode, PlanChange};

    fn plan(waves: usize) -> Plan {
        let waves = (0..waves)
            .map(|i| Wave {
                wave: Some(i as i64),
                units: vec![format!("svc{i}")],
                changes: vec![PlanChange {
                    unit: format!("svc{i}"),
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    namespace: Some("os".into()),
                    name: format!("svc{i}-api"),
                    renamed_from: None,
                    status: Status::Changed,
                    classes: vec![Class::Restart],
                    details: vec!["image a:1 → a:2".into()],
                    secret_keys: None,
                }],
            })
            .collect();
        Plan {
            base: "main".into(),
            head: "working tree".into(),
            sites: vec![SitePlan {
                site: "s".into(),
                summary: [(Class::Restart, 3)].into(),
                care: vec![Care {
                    code: CareCode::PvcDeleted,
                    wave: Some(0),
                    unit: "svc0".into(),
                    object: "PersistentVolumeClaim os/data".into(),
                    message: "removed".into(),
                }],
                waves,
            }],
        }
    }

    #[test]
    fn text_and_markdown_respect_max_bytes() {
        let p = plan(30);
        for render in [text as fn(&Plan, Option<usize>) -> String, markdown] {
            let full = render(&p, None);
            for max in [0, 10, 100, 300, 600, 1000, full.len() - 1, full.len()] {
                let out = render(&p, Some(max));
                assert!(out.len() <= max, "{max}: {} bytes\n{out}", out.len());
            }
            assert_eq!(render(&p, Some(full.len())), full);
        }
        let md = markdown(&p, Some(1500));
        assert!(md.contains("wave sections shown"), "{md}");
        assert!(md.contains("**Needs care:**"), "{md}");
    }

    #[test]
    fn markdown_lists_waves_in_order() {
        let md = markdown(&plan(3), None);
        let at = |s: &str| md.find(s).unwrap_or(usize::MAX);
        assert!(at("wave 0: svc0") < at("wave 1: svc1"));
        assert!(at("wave 1: svc1") < at("wave 2: svc2"));
        assert!(md.contains("| svc0 | restart | `Deployment os/svc0-api` | image a:1 → a:2 |"));
        assert!(md.contains("| s | 0 → 1 → 2 | 3 |"), "{md}");
    }
}
