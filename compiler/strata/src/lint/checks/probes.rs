//! L0105: long-running containers have a liveness probe.
//! L0106: containers of pods a Service selects have a readiness probe.

use serde_json::Value;

use super::super::{selects, Context, Finding};

/// Runs the check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let services: Vec<_> = cx.of_kind("Service").collect();
    for w in cx.workloads.iter().filter(|w| w.long_running()) {
        let served = services
            .iter()
            .any(|s| selects(s.value.pointer("/spec/selector"), w.labels));
        for (ptr, c) in w.containers(false) {
            let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
            if c.get("livenessProbe").is_none() {
                out.push(cx.finding(
                    "L0105",
                    w.obj,
                    &ptr,
                    format!("container `{name}` of {} has no liveness probe", w.display),
                ));
            }
            if served && c.get("readinessProbe").is_none() {
                out.push(cx.finding(
                    "L0106",
                    w.obj,
                    &ptr,
                    format!(
                        "container `{name}` of {} has no readiness probe, and a Service sends it traffic",
                        w.display
                    ),
                ));
            }
        }
    }
}
