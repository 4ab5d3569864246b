//! L0104: replicas are spread over nodes, by pod anti-affinity or topology spread constraints.

use serde_json::Value;

use super::super::{Context, Finding};
use super::replicas_text;

/// Runs the check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for w in &cx.workloads {
        let Some(r) = w.replicas else { continue };
        if r < 2 {
            continue;
        }
        let anti = w
            .pod
            .pointer("/affinity/podAntiAffinity")
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty());
        let spread = w
            .pod
            .get("topologySpreadConstraints")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        if !anti && !spread {
            out.push(cx.finding(
                "L0104",
                w.obj,
                w.pod_ptr,
                format!(
                    "{} runs {} with nothing spreading them over nodes: they may all land on one",
                    w.display,
                    replicas_text(r)
                ),
            ));
        }
    }
}
