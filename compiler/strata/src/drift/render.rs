//! The drift report as text (a terminal) and Markdown (a merge request or a wiki page).

use std::fmt::Write as _;

use serde_json::Value;

use super::{Report, Setting, SiteDrift};

/// A value on one line: strings as written (`""` when empty), anything else as compact JSON,
/// cut after 100 characters (the JSON format has every value whole).
fn show(v: &Value) -> String {
    let s = match v {
        Value::String(s) if s.is_empty() => "\"\"".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 100 {
        let cut: String = s.chars().take(99).collect();
        format!("{cut}…")
    } else {
        s
    }
}

fn inherited(s: &Setting) -> String {
    match (&s.inherited, &s.inherited_at) {
        (Some(v), Some(at)) => format!("{} from {at}", show(v)),
        (Some(v), None) => show(v),
        (None, _) => "(not set)".to_string(),
    }
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

fn counts(s: &SiteDrift) -> String {
    let k: usize = s.kustomization.iter().map(|k| k.count).sum();
    format!(
        "{} override{}, {} dead, {} overlay{} added, {k} kustomization entr{}",
        s.overrides.len(),
        if s.overrides.len() == 1 { "" } else { "s" },
        s.dead.len(),
        s.added_overlays.len(),
        if s.added_overlays.len() == 1 { "" } else { "s" },
        if k == 1 { "y" } else { "ies" }
    )
}

/// The report for a terminal.
pub fn text(r: &Report) -> String {
    let mut out = String::new();
    let ranking = r.ranking();
    let width = ranking.iter().map(|s| s.site.len()).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "fleet: {} site{}, closest to their layers first",
        ranking.len(),
        if ranking.len() == 1 { "" } else { "s" }
    );
    for s in &ranking {
        let _ = writeln!(out, "  {:width$}  {}", s.site, counts(s));
    }
    let _ = writeln!(out);
    if r.candidates.is_empty() {
        let _ = writeln!(out, "candidates to move up into a layer: none");
    } else {
        let _ = writeln!(
            out,
            "candidates to move up into a layer (set alike by every site of the layer):"
        );
        for c in &r.candidates {
            let _ = writeln!(
                out,
                "  {}: {} = {}  ({})",
                c.layer,
                c.path,
                show(&c.value),
                c.sites.join(", ")
            );
        }
    }
    for s in &r.sites {
        let _ = writeln!(out);
        let _ = writeln!(out, "== {} (layers: {})", s.site, list_or_none(&s.layers));
        if s.overrides.is_empty() {
            let _ = writeln!(out, "overrides: none");
        } else {
            let _ = writeln!(out, "overrides:");
            for o in &s.overrides {
                let _ = writeln!(out, "  {} = {}  at {}", o.path, show(&o.value), o.at);
                let _ = writeln!(out, "      inherited: {}", inherited(o));
            }
        }
        if s.dead.is_empty() {
            let _ = writeln!(out, "dead overrides: none");
        } else {
            let _ = writeln!(
                out,
                "dead overrides (equal to what the layers give; remove them):"
            );
            for o in &s.dead {
                let _ = writeln!(out, "  {} = {}  at {}", o.path, show(&o.value), o.at);
                let _ = writeln!(out, "      inherited: {}", inherited(o));
            }
        }
        let _ = writeln!(
            out,
            "overlays: from layers {}; added by the site {}",
            list_or_none(&s.inherited_overlays),
            list_or_none(&s.added_overlays)
        );
        if s.kustomization.is_empty() {
            let _ = writeln!(out, "site kustomization: none");
        } else {
            let _ = writeln!(out, "site kustomization:");
            for k in &s.kustomization {
                let _ = writeln!(out, "  {}: {} at {}", k.field, k.count, k.at);
            }
        }
    }
    out
}

/// Markdown table cell text: pipes escaped, code spans for values.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report for a merge request or a wiki page.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Site drift\n");
    let _ = writeln!(
        out,
        "| site | layers | overrides | dead | overlays added | kustomization entries |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---|---:|");
    for s in r.ranking() {
        let k: usize = s.kustomization.iter().map(|k| k.count).sum();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {k} |",
            s.site,
            cell(&list_or_none(&s.layers)),
            s.overrides.len(),
            s.dead.len(),
            cell(&list_or_none(&s.added_overlays)),
        );
    }
    let _ = writeln!(out, "\nSites are listed closest to their layers first.\n");
    if !r.candidates.is_empty() {
        let _ = writeln!(out, "### Candidates to move up into a layer\n");
        let _ = writeln!(out, "| layer | path | value | sites |");
        let _ = writeln!(out, "|---|---|---|---|");
        for c in &r.candidates {
            let _ = writeln!(
                out,
                "| {} | `{}` | `{}` | {} |",
                c.layer,
                cell(&c.path),
                cell(&show(&c.value)),
                c.sites.join(", ")
            );
        }
        let _ = writeln!(out);
    }
    for s in &r.sites {
        let _ = writeln!(out, "### {}\n", s.site);
        if !s.dead.is_empty() {
            let _ = writeln!(out, "**Dead overrides** (equal to what the layers give):\n");
            for o in &s.dead {
                let _ = writeln!(
                    out,
                    "- `{}` = `{}` at `{}`",
                    cell(&o.path),
                    cell(&show(&o.value)),
                    o.at
                );
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(
            out,
            "<details><summary>{} override{}</summary>\n",
            s.overrides.len(),
            if s.overrides.len() == 1 { "" } else { "s" }
        );
        let _ = writeln!(out, "| path | value | inherited | at |");
        let _ = writeln!(out, "|---|---|---|---|");
        for o in &s.overrides {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | `{}` |",
                cell(&o.path),
                cell(&show(&o.value)),
                cell(&inherited(o)),
                o.at
            );
        }
        let _ = writeln!(out, "\n</details>\n");
        let _ = writeln!(
            out,
            "Overlays from layers: {}; added by the site: {}.",
            list_or_none(&s.inherited_overlays),
            list_or_none(&s.added_overlays)
        );
        if !s.kustomization.is_empty() {
            let entries: Vec<String> = s
                .kustomization
                .iter()
                .map(|k| format!("`{}` ×{} (`{}`)", k.field, k.count, k.at))
                .collect();
            let _ = writeln!(out, "Site kustomization: {}.", entries.join(", "));
        }
        let _ = writeln!(out);
    }
    out
}
