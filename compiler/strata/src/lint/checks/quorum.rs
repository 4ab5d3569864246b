//! L0201: a quorum cluster (a service with `lint.quorum: true`: Galera, RabbitMQ) runs an odd
//! number of replicas, and at least 3 on a highly available site. With an even count, losing
//! half the members loses quorum; with fewer than 3, one failure does.

use super::super::{Context, Finding};
use super::{is_quorum, replicas_text};

/// Runs the check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for w in &cx.workloads {
        if w.kind != "StatefulSet" || !is_quorum(cx, &w.obj.folder) {
            continue;
        }
        let Some(r) = w.replicas else { continue };
        let why = if r % 2 == 0 && r > 0 {
            "an even count loses quorum when half the members fail"
        } else if cx.ha && r < 3 {
            "a highly available site needs at least 3 members to survive a failure"
        } else {
            continue;
        };
        out.push(cx.finding(
            "L0201",
            w.obj,
            "/spec/replicas",
            format!(
                "quorum cluster {} ({}) runs {}: {why}",
                w.display,
                w.obj.folder,
                replicas_text(r)
            ),
        ));
    }
}
