//! `strata graph` output formats: text, Graphviz dot, Mermaid (renders in GitLab and GitHub
//! markdown) and JSON. In every format an edge `A → B` means "A needs B".

use serde_json::json;

use super::{EdgeKind, ServiceGraph};

/// Plain text: the waves, then the edges.
pub fn text(site: &str, g: &ServiceGraph) -> String {
    let mut out = format!(
        "site {site}: {} services in {} waves\n",
        g.waves.len(),
        g.wave_groups().len()
    );
    for (i, group) in g.wave_groups().iter().enumerate() {
        out.push_str(&format!("wave {i}: {}\n", group.join(", ")));
    }
    if !g.edges.is_empty() {
        out.push_str("\ndependencies:\n");
        for e in &g.edges {
            let arrow = match e.kind {
                EdgeKind::Hard => "->",
                EdgeKind::Soft => "~>",
            };
            out.push_str(&format!(
                "  {} {arrow} {}{}\n",
                e.from,
                e.to,
                if e.kind == EdgeKind::Soft {
                    " (soft)"
                } else {
                    ""
                }
            ));
        }
    }
    out
}

fn quote_dot(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz dot, one rank per wave.
pub fn dot(site: &str, g: &ServiceGraph) -> String {
    let mut out = format!(
        "digraph {} {{\n  rankdir=RL;\n  node [shape=box];\n",
        quote_dot(site)
    );
    for (i, group) in g.wave_groups().iter().enumerate() {
        out.push_str(&format!(
            "  subgraph \"cluster_wave{i}\" {{\n    label=\"wave {i}\";\n    rank=same;\n"
        ));
        for n in group {
            out.push_str(&format!("    {};\n", quote_dot(n)));
        }
        out.push_str("  }\n");
    }
    for e in &g.edges {
        let style = if e.kind == EdgeKind::Soft {
            " [style=dashed]"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {} -> {}{style};\n",
            quote_dot(&e.from),
            quote_dot(&e.to)
        ));
    }
    out.push_str("}\n");
    out
}

/// A Mermaid node id: letters, digits and `_` only, so that names such as `ceph-rgw` cannot
/// be read as arrows.
fn mermaid_id(s: &str) -> String {
    let id: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("svc_{id}")
}

/// A Mermaid flowchart, one subgraph per wave; paste it in a ```mermaid block.
pub fn mermaid(site: &str, g: &ServiceGraph) -> String {
    let mut out = format!(
        "---\ntitle: {}\n---\nflowchart RL\n",
        site.replace(['\n', ':'], " ")
    );
    for (i, group) in g.wave_groups().iter().enumerate() {
        out.push_str(&format!("  subgraph wave{i}[\"wave {i}\"]\n"));
        for n in group {
            out.push_str(&format!(
                "    {}[\"{}\"]\n",
                mermaid_id(n),
                n.replace('"', "#quot;")
            ));
        }
        out.push_str("  end\n");
    }
    for e in &g.edges {
        let arrow = match e.kind {
            EdgeKind::Hard => "-->",
            EdgeKind::Soft => "-.->",
        };
        out.push_str(&format!(
            "  {} {arrow} {}\n",
            mermaid_id(&e.from),
            mermaid_id(&e.to)
        ));
    }
    out
}

/// JSON: nodes (with wave and dependencies), edges, and waves.
pub fn json(site: &str, g: &ServiceGraph) -> String {
    let nodes: Vec<_> = g
        .waves
        .iter()
        .map(|(name, wave)| {
            let deps = |kind| -> Vec<&str> {
                g.edges.iter().filter(|e| e.from == *name && e.kind == kind).map(|e| e.to.as_str()).collect()
            };
            json!({"name": name, "wave": wave, "dependsOn": deps(EdgeKind::Hard), "softDependsOn": deps(EdgeKind::Soft)})
        })
        .collect();
    let edges: Vec<_> = g
        .edges
        .iter()
        .map(|e| json!({"from": e.from, "to": e.to, "kind": e.kind}))
        .collect();
    let v = json!({"site": site, "nodes": nodes, "edges": edges, "waves": g.wave_groups()});
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
