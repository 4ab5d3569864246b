//! `namespace` (`api/filters/namespace`, `NamespaceTransformer`): moves every namespaced object
//! into the namespace, renames `Namespace` objects, sets the namespace of role-binding subjects
//! named `default` and of APIService/CRD webhook services.

use serde_json::Value;

use crate::filters::fieldspec::{self, CreateKind};
use crate::filters::specs;
use crate::resmap::ResMap;

/// Applies the namespace to every resource.
pub fn apply(acc: &mut ResMap, ns: &str) -> Result<(), String> {
    if ns.is_empty() {
        return Ok(());
    }
    let extra = specs::namespace();
    acc.try_for_each_mut(|_, r| {
        if r.is_empty() {
            return Ok(());
        }
        r.store_previous_id();
        let gvk = r.gvk();
        if !gvk.is_cluster_scoped() {
            if let Some(meta) = crate::value::ensure_map(&mut r.obj, &["metadata"]) {
                meta.insert("namespace".into(), Value::String(ns.to_string()));
            }
        }
        if gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding" {
            set_default_subjects(&mut r.obj, ns).map_err(|e| format!("{e} in {}", r.cur_id()))?;
        }
        fieldspec::apply_all(&mut r.obj, extra, CreateKind::Scalar, &mut set_scalar(ns)).map_err(
            |e| {
                format!(
                    "namespace transformation failed: {e} of object {}",
                    r.cur_id()
                )
            },
        )
    })?;
    acc.check_unique()
        .map_err(|id| format!("namespace transformation produces ID conflict: {id}"))
}

/// A setter that replaces a scalar with a string.
pub fn set_scalar(s: &str) -> impl FnMut(&mut Value) -> Result<(), String> + '_ {
    move |node: &mut Value| {
        if matches!(node, Value::Array(_) | Value::Object(_)) {
            return Err(format!(
                "expected a scalar, not {}",
                crate::value::type_name(node)
            ));
        }
        *node = Value::String(s.to_string());
        Ok(())
    }
}

/// kustomize's `roleBindingHack` in its default mode: subjects named `default` get the
/// namespace.
fn set_default_subjects(obj: &mut Value, ns: &str) -> Result<(), String> {
    let Some(subjects) = obj.get_mut("subjects") else {
        return Ok(());
    };
    let items = match subjects {
        Value::Null => return Ok(()),
        Value::Array(items) => items,
        other => {
            return Err(format!(
                "subjects must be a list, not {}",
                crate::value::type_name(other)
            ))
        }
    };
    for s in items.iter_mut() {
        if let Value::Object(m) = s {
            if m.get("name")
                .map(|n| crate::value::text(n) == "default")
                .unwrap_or(false)
            {
                m.insert("namespace".into(), Value::String(ns.to_string()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Resource;
    use serde_json::json;

    #[test]
    fn namespaced_objects_move_cluster_scoped_stay_namespaces_are_renamed() {
        let mut m = ResMap::new();
        for o in [
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "old"}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b"},
                   "subjects": [{"kind": "ServiceAccount", "name": "default"}, {"kind": "ServiceAccount", "name": "sa"}]}),
        ] {
            m.append(Resource::new(o)).unwrap();
        }
        apply(&mut m, "prod").unwrap();
        let r = m.resources();
        assert_eq!(r[0].obj["metadata"]["namespace"], "prod");
        assert_eq!(r[0].prev[0].namespace, "old");
        assert!(r[1].obj["metadata"].get("namespace").is_none());
        assert_eq!(r[2].obj["metadata"]["name"], "prod");
        assert_eq!(r[3].obj["subjects"][0]["namespace"], "prod");
        assert!(r[3].obj["subjects"][1].get("namespace").is_none());
    }

    #[test]
    fn collisions_are_errors() {
        let mut m = ResMap::new();
        m.append(Resource::new(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "a"}})))
            .unwrap();
        m.append(Resource::new(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "b"}})))
            .unwrap();
        assert!(apply(&mut m, "x").unwrap_err().contains("ID conflict"));
    }
}
