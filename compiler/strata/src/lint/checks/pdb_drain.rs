//! L0203: a PodDisruptionBudget that blocks a node drain given the replicas it covers: the
//! disruptions it allows for that count (Kubernetes rounds percentages up) are 0 — e.g.
//! `minAvailable: 2` over 2 replicas. Pods covered by more than one budget block it too: the
//! eviction API refuses them.

use serde_json::Value;

use super::super::{selects, Context, Finding};
use super::pdb::is_zero;
use super::replicas_text;

/// Disruptions allowed for `replicas` by an int-or-percent budget field.
fn count(v: &Value, replicas: i64) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let p: f64 = s.trim().strip_suffix('%')?.trim().parse().ok()?;
            Some(((replicas as f64) * p / 100.0).ceil() as i64)
        }
        _ => None,
    }
}

/// Runs the check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let pdbs: Vec<_> = cx.of_kind("PodDisruptionBudget").collect();
    for w in &cx.workloads {
        let Some(r) = w.replicas else { continue };
        let covering: Vec<_> = pdbs
            .iter()
            .filter(|p| selects(p.value.pointer("/spec/selector/matchLabels"), w.labels))
            .collect();
        if covering.len() > 1 {
            let names: Vec<String> = covering
                .iter()
                .map(|p| super::super::display(&p.value))
                .collect();
            out.push(cx.finding(
                "L0203",
                covering[1],
                "/spec/selector",
                format!(
                    "pods of {} are covered by {} budgets ({}): the eviction API refuses them, so a drain blocks",
                    w.display,
                    covering.len(),
                    names.join(", ")
                ),
            ));
            continue;
        }
        let Some(p) = covering.first() else { continue };
        let spec = p.value.get("spec");
        let (allowed, ptr) = match (
            spec.and_then(|s| s.get("maxUnavailable")),
            spec.and_then(|s| s.get("minAvailable")),
        ) {
            // A budget of 0 by itself is L0103's.
            (Some(m), _) if is_zero(m) => continue,
            (Some(m), _) => (count(m, r), "/spec/maxUnavailable"),
            (None, Some(Value::String(s))) if s.trim() == "100%" => continue,
            (None, Some(m)) => (count(m, r).map(|min| r - min), "/spec/minAvailable"),
            (None, None) => continue,
        };
        if allowed.is_some_and(|a| a <= 0) && r > 0 {
            out.push(cx.finding(
                "L0203",
                p,
                ptr,
                format!(
                    "{} allows no disruption of {}, which runs {}: a node drain blocks",
                    super::super::display(&p.value),
                    w.display,
                    replicas_text(r)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::count;
    use serde_json::json;

    #[test]
    fn percentages_round_up() {
        assert_eq!(count(&json!("50%"), 3), Some(2));
        assert_eq!(count(&json!(1), 3), Some(1));
        assert_eq!(count(&json!("x"), 3), None);
    }
}
