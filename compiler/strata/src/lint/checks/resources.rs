//! L0107: containers of long-running workloads request CPU and memory.
//! L0108: they have a memory limit.

use serde_json::Value;

use super::super::{Context, Finding};

/// Runs the check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for w in cx.workloads.iter().filter(|w| w.long_running()) {
        for (ptr, c) in w.containers(true) {
            let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
            let res = c.get("resources");
            let at = if res.is_some() {
                format!("{ptr}/resources")
            } else {
                ptr.clone()
            };
            let missing: Vec<&str> = ["cpu", "memory"]
                .into_iter()
                .filter(|k| {
                    res.and_then(|r| r.pointer(&format!("/requests/{k}")))
                        .is_none()
                })
                .collect();
            if !missing.is_empty() {
                out.push(cx.finding(
                    "L0107",
                    w.obj,
                    &at,
                    format!(
                        "container `{name}` of {} has no {} request",
                        w.display,
                        missing.join(" or ")
                    ),
                ));
            }
            if res.and_then(|r| r.pointer("/limits/memory")).is_none() {
                out.push(cx.finding(
                    "L0108",
                    w.obj,
                    &at,
                    format!("container `{name}` of {} has no memory limit", w.display),
                ));
            }
        }
    }
}
