//! L0101: on a highly available site, every control-plane Deployment and StatefulSet runs at
//! least 2 replicas. (A quorum cluster's StatefulSets are left to L0201, which asks more.)

use super::super::{Context, Finding};
use super::{is_quorum, replicas_text};

/// Runs the check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    if !cx.ha {
        return;
    }
    for w in &cx.workloads {
        let Some(r) = w.replicas else { continue };
        if r >= 2 || (w.kind == "StatefulSet" && is_quorum(cx, &w.obj.folder)) {
            continue;
        }
        out.push(cx.finding(
            "L0101",
            w.obj,
            "/spec/replicas",
            format!(
                "{} runs {} on a highly available site: losing its node stops it",
                w.display,
                replicas_text(r)
            ),
        ));
    }
}
