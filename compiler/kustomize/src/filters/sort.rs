//! Output order (`SortOrderTransformer`): kustomize's legacy order by kind rank, then
//! group/version/kind, then namespace and name; or `fifo` (accumulation order).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::resid::{Gvk, ResId};
use crate::resource::Resource;

/// kustomize's default `orderFirst`.
pub const ORDER_FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// kustomize's default `orderLast`.
pub const ORDER_LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

fn gvk_sort_string(g: &Gvk) -> String {
    let or = |s: &str, d: &'static str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}_{}_{}",
        or(&g.group, "~G"),
        or(&g.version, "~V"),
        or(&g.kind, "~K")
    )
}

fn id_sort_string(id: &ResId) -> String {
    let ns = if id.namespace.is_empty() {
        "~X"
    } else {
        &id.namespace
    };
    let name = if id.name.is_empty() { "~N" } else { &id.name };
    format!("{}|{ns}|{name}", id.gvk)
}

/// Sorts resources in kustomize's legacy order with the given kind lists.
pub fn legacy(resources: &mut Vec<Resource>, first: &[String], last: &[String]) {
    let mut rank: HashMap<&str, i64> = HashMap::new();
    for (i, k) in first.iter().enumerate() {
        rank.insert(k, i as i64 - first.len() as i64);
    }
    for (i, k) in last.iter().enumerate() {
        rank.insert(k, 1 + i as i64);
    }
    let mut keyed: Vec<(i64, String, String, Gvk, Resource)> = std::mem::take(resources)
        .into_par_iter()
        .map(|r| {
            let id = r.cur_id();
            let rk = rank.get(id.gvk.kind.as_str()).copied().unwrap_or(0);
            (rk, gvk_sort_string(&id.gvk), id_sort_string(&id), id.gvk, r)
        })
        .collect();
    keyed.sort_by(|a, b| {
        if a.3 != b.3 {
            if a.0 != b.0 {
                return a.0.cmp(&b.0);
            }
            // kustomize puts the core Namespace first among Namespace types.
            if a.3.kind == "Namespace"
                && b.3.kind == "Namespace"
                && (a.3.group.is_empty() || b.3.group.is_empty())
            {
                return b.1.cmp(&a.1);
            }
            return a.1.cmp(&b.1);
        }
        a.2.cmp(&b.2)
    });
    *resources = keyed.into_iter().map(|k| k.4).collect();
}

/// The default lists as owned strings.
pub fn default_lists() -> (Vec<String>, Vec<String>) {
    (
        ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
        ORDER_LAST.iter().map(|s| s.to_string()).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(api: &str, kind: &str, name: &str, ns: &str) -> Resource {
        let mut meta = json!({"name": name});
        if !ns.is_empty() {
            meta["namespace"] = json!(ns);
        }
        Resource::new(json!({"apiVersion": api, "kind": kind, "metadata": meta}))
    }

    #[test]
    fn legacy_order() {
        let mut v = vec![
            r(
                "admissionregistration.k8s.io/v1",
                "ValidatingWebhookConfiguration",
                "w",
                "",
            ),
            r("v1", "Pod", "p", ""),
            r("example.com/v1", "Widget", "w", ""),
            r("batch/v1", "Job", "j", ""),
            r("apps/v1", "Deployment", "d", ""),
            r("v1", "ConfigMap", "b", "z"),
            r("v1", "ConfigMap", "B", ""),
            r("v1", "ConfigMap", "a", "b-ns"),
            r("v1", "Namespace", "n", ""),
        ];
        let (f, l) = default_lists();
        legacy(&mut v, &f, &l);
        let got: Vec<String> = v
            .iter()
            .map(|r| format!("{}/{}", r.kind(), r.name()))
            .collect();
        assert_eq!(
            got,
            [
                "Namespace/n",
                "ConfigMap/a",
                "ConfigMap/b",
                "ConfigMap/B",
                "Deployment/d",
                "Job/j",
                "Widget/w",
                "Pod/p",
                "ValidatingWebhookConfiguration/w"
            ]
        );
    }
}
