//! Stage 3, resolve graph: the service dependency graph of a site, its checks and waves.
//!
//! Input: a resolved [`Site`] and the [`Catalog`]. Output: a [`ServiceGraph`] whose edges
//! `A → B` mean "A needs B", and the rollout wave of every service (the longest-path level:
//! a service's wave is one more than the highest wave of its dependencies).
//!
//! Hard dependencies must be enabled (E0203) and may not form a cycle (E0204, reported with
//! the full path). Soft dependencies only order: they count when the target is enabled and
//! are dropped where they would close a cycle, so they never cause an error.

pub mod format;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use petgraph::algo::{has_path_connecting, tarjan_scc};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::diag::{Code, Diagnostic};
use crate::model::{Catalog, Site};

/// The kind of a dependency edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    /// `dependsOn`.
    Hard,
    /// `softDependsOn`.
    Soft,
}

/// One dependency: `from` needs `to`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// The dependent service.
    pub from: String,
    /// The service it needs.
    pub to: String,
    /// Hard or soft.
    pub kind: EdgeKind,
}

/// The dependency graph of one site's enabled services.
#[derive(Clone, Debug, Default)]
pub struct ServiceGraph {
    /// Wave of every enabled service, by name.
    pub waves: BTreeMap<String, usize>,
    /// Edges, sorted by `from`, then `to`.
    pub edges: Vec<Edge>,
}

impl ServiceGraph {
    /// The rollout order of services: by wave, then by name (a service outside the graph
    /// comes last). Where several services could own a shared object, the first in this order
    /// does, so the object exists before any of them needs it.
    pub fn rollout_key<'a>(&self, service: &'a str) -> (usize, &'a str) {
        (
            self.waves.get(service).copied().unwrap_or(usize::MAX),
            service,
        )
    }

    /// Builds and checks the graph of `site`.
    pub fn build(site: &Site, catalog: &Catalog) -> Result<ServiceGraph, Vec<Diagnostic>> {
        let enabled: BTreeSet<&str> = site
            .enabled()
            .filter(|s| catalog.services.contains_key(*s))
            .collect();
        let mut g: DiGraph<&str, EdgeKind> = DiGraph::new();
        let idx: BTreeMap<&str, NodeIndex> = enabled.iter().map(|s| (*s, g.add_node(*s))).collect();
        let mut diags = Vec::new();

        for &name in &enabled {
            let svc = &catalog.services[name];
            for (i, dep) in svc.spec.depends_on.iter().enumerate() {
                match idx.get(dep.as_str()) {
                    Some(&to) => {
                        g.add_edge(idx[name], to, EdgeKind::Hard);
                    }
                    None if catalog.services.contains_key(dep) => {
                        diags.push(
                            Diagnostic::error(
                                Code::MissingDependency,
                                format!("service `{name}` depends on `{dep}`, which site `{}` does not enable", site.name),
                            )
                            .at(&svc.doc.source, svc.doc.span(&format!("/spec/dependsOn/{i}"), false), "required here")
                            .help(format!("add `{dep}: {{}}` under spec.services in {}", site.doc.source.path)),
                        );
                    }
                    // Unknown catalog names are reported once by the check stage.
                    None => {}
                }
            }
        }

        // Cycles of hard edges, each reported once with its full path.
        for scc in tarjan_scc(&g) {
            let cyclic = scc.len() > 1 || g.find_edge(scc[0], scc[0]).is_some();
            if !cyclic {
                continue;
            }
            let members: BTreeSet<&str> = scc.iter().map(|n| g[*n]).collect();
            let path = cycle_path(&g, &members, &idx);
            let mut d = Diagnostic::error(
                Code::DependencyCycle,
                format!("dependency cycle: {}", path.join(" → ")),
            );
            for pair in path.windows(2) {
                let svc = &catalog.services[pair[0]];
                if let Some(i) = svc.spec.depends_on.iter().position(|d| d == pair[1]) {
                    d = d.at(
                        &svc.doc.source,
                        svc.doc.span(&format!("/spec/dependsOn/{i}"), false),
                        format!("`{}` needs `{}`", pair[0], pair[1]),
                    );
                }
            }
            diags.push(d.help(
                "break the cycle: make one of these dependencies a softDependsOn (ordering only), or split the service",
            ));
        }
        if !diags.is_empty() {
            return Err(diags);
        }

        // Soft edges, in name order, where they do not close a cycle.
        for &name in &enabled {
            for dep in &catalog.services[name].spec.soft_depends_on {
                let (Some(&from), Some(&to)) = (idx.get(name), idx.get(dep.as_str())) else {
                    continue;
                };
                if g.find_edge(from, to).is_some()
                    || from == to
                    || has_path_connecting(&g, to, from, None)
                {
                    continue;
                }
                g.add_edge(from, to, EdgeKind::Soft);
            }
        }

        // Waves: Kahn's algorithm over dependencies first, ties broken by name for stability.
        let mut remaining: BTreeMap<NodeIndex, usize> = g
            .node_indices()
            .map(|n| {
                (
                    n,
                    g.neighbors_directed(n, petgraph::Direction::Outgoing)
                        .count(),
                )
            })
            .collect();
        let mut ready: BinaryHeap<Reverse<(&str, NodeIndex)>> = remaining
            .iter()
            .filter(|(_, c)| **c == 0)
            .map(|(n, _)| Reverse((g[*n], *n)))
            .collect();
        let mut waves: BTreeMap<String, usize> = BTreeMap::new();
        while let Some(Reverse((name, n))) = ready.pop() {
            let wave = g
                .neighbors_directed(n, petgraph::Direction::Outgoing)
                .filter_map(|d| waves.get(g[d]))
                .map(|w| w + 1)
                .max()
                .unwrap_or(0);
            waves.insert(name.to_string(), wave);
            for dependent in g.neighbors_directed(n, petgraph::Direction::Incoming) {
                if let Some(c) = remaining.get_mut(&dependent) {
                    *c -= 1;
                    if *c == 0 {
                        ready.push(Reverse((g[dependent], dependent)));
                    }
                }
            }
        }
        let mut edges: Vec<Edge> = g
            .edge_indices()
            .filter_map(|e| {
                let (a, b) = g.edge_endpoints(e)?;
                Some(Edge {
                    from: g[a].to_string(),
                    to: g[b].to_string(),
                    kind: g[e],
                })
            })
            .collect();
        edges.sort();
        edges.dedup();
        Ok(ServiceGraph { waves, edges })
    }

    /// Services grouped by wave, each group sorted by name.
    pub fn wave_groups(&self) -> Vec<Vec<&str>> {
        let mut groups: Vec<Vec<&str>> = Vec::new();
        for (name, &w) in &self.waves {
            if groups.len() <= w {
                groups.resize(w + 1, Vec::new());
            }
            groups[w].push(name);
        }
        groups
    }

    /// The direct dependencies (hard and soft) of a service, sorted.
    pub fn dependencies(&self, name: &str) -> Vec<&str> {
        self.edges
            .iter()
            .filter(|e| e.from == name)
            .map(|e| e.to.as_str())
            .collect()
    }

    /// Every service that depends on `name`, directly or not, sorted.
    pub fn dependents_closure(&self, name: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut todo = vec![name.to_string()];
        while let Some(n) = todo.pop() {
            for e in self.edges.iter().filter(|e| e.to == n) {
                if out.insert(e.from.clone()) {
                    todo.push(e.from.clone());
                }
            }
        }
        out
    }
}

/// A cycle through the smallest member of a strongly connected component, as names from
/// that member back to itself.
fn cycle_path<'a>(
    g: &DiGraph<&'a str, EdgeKind>,
    members: &BTreeSet<&'a str>,
    idx: &BTreeMap<&str, NodeIndex>,
) -> Vec<&'a str> {
    let Some(&start) = members.iter().next() else {
        return Vec::new();
    };
    // Breadth-first search inside the component for the shortest way back to `start`,
    // visiting neighbours in name order so the reported path is stable.
    let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut seen = BTreeSet::from([start]);
    while let Some(cur) = queue.pop_front() {
        let mut next: Vec<&str> = g
            .neighbors_directed(idx[cur], petgraph::Direction::Outgoing)
            .map(|n| g[n])
            .filter(|n| members.contains(n))
            .collect();
        next.sort_unstable();
        next.dedup();
        for n in next {
            if n == start {
                let mut path = vec![start];
                let mut c = cur;
                let mut back = vec![];
                while c != start {
                    back.push(c);
                    c = prev[c];
                }
                back.reverse();
                path.extend(back);
                path.push(start);
                return path;
            }
            if seen.insert(n) {
                prev.insert(n, cur);
                queue.push_back(n);
            }
        }
    }
    vec![start, start]
}
