//! L0102: a Deployment or StatefulSet with 2 or more replicas has a PodDisruptionBudget.
//! L0103: no PodDisruptionBudget forbids every disruption by itself.

use serde_json::Value;

use super::super::{selects, Context, Finding};
use super::replicas_text;

/// Runs the check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let pdbs: Vec<_> = cx.of_kind("PodDisruptionBudget").collect();
    for w in &cx.workloads {
        let Some(r) = w.replicas else { continue };
        if r < 2 {
            continue;
        }
        let covered = pdbs
            .iter()
            .any(|p| selects(p.value.pointer("/spec/selector/matchLabels"), w.labels));
        if !covered {
            out.push(cx.finding(
                "L0102",
                w.obj,
                "/spec/replicas",
                format!(
                    "{} runs {} without a PodDisruptionBudget: a node drain may evict them all at once",
                    w.display,
                    replicas_text(r)
                ),
            ));
        }
    }
    for p in pdbs {
        let spec = p.value.get("spec");
        let max = spec.and_then(|s| s.get("maxUnavailable"));
        let min = spec.and_then(|s| s.get("minAvailable"));
        let none = match (max, min) {
            (Some(m), _) if is_zero(m) => Some(("/spec/maxUnavailable", "maxUnavailable is 0")),
            (_, Some(Value::String(s))) if s.trim() == "100%" => {
                Some(("/spec/minAvailable", "minAvailable is 100%"))
            }
            _ => None,
        };
        if let Some((ptr, why)) = none {
            out.push(cx.finding(
                "L0103",
                p,
                ptr,
                format!(
                    "{} permits no disruption ({why}): it blocks every node drain",
                    super::super::display(&p.value)
                ),
            ));
        }
    }
}

/// `0` or `"0%"`.
pub(crate) fn is_zero(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_i64() == Some(0),
        Value::String(s) => s.trim().trim_end_matches('%').trim().parse::<f64>() == Ok(0.0),
        _ => false,
    }
}
