//! L0202: a highly available service (a Deployment or StatefulSet with 2 or more replicas)
//! that depends hard on a service running a single replica: its redundancy ends there. One
//! finding per single-replica dependency, naming its highly available dependents.

use crate::graph::EdgeKind;

use super::super::{Context, Finding};

/// Runs the check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for name in cx.graph.waves.keys() {
        let Some((1, w)) = cx.service_replicas(name) else {
            continue;
        };
        let dependents: Vec<&str> = cx
            .graph
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Hard && e.to == *name)
            .map(|e| e.from.as_str())
            .filter(|d| cx.service_replicas(d).is_some_and(|(r, _)| r >= 2))
            .collect();
        if dependents.is_empty() {
            continue;
        }
        out.push(cx.finding(
            "L0202",
            w.obj,
            "/spec/replicas",
            format!(
                "HA chain broken at {name}: {} run 2 or more replicas and depend hard on it, but {} runs 1 replica",
                dependents.join(", "),
                w.display
            ),
        ));
    }
}
