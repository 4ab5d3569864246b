//! L0111: no privileged container, unless its service declares why (service.yaml
//! `lint.allow`, applied after the checks).

use serde_json::Value;

use super::super::{Context, Finding};

/// Runs the check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for w in &cx.workloads {
        for (ptr, c) in w.containers(true) {
            if c.pointer("/securityContext/privileged") != Some(&Value::Bool(true)) {
                continue;
            }
            let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
            out.push(cx.finding(
                "L0111",
                w.obj,
                &format!("{ptr}/securityContext/privileged"),
                format!("container `{name}` of {} is privileged", w.display),
            ));
        }
    }
}
