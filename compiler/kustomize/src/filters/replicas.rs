//! `replicas` (`ReplicaCountTransformer`): set `spec.replicas` of the Deployments,
//! ReplicationControllers, ReplicaSets and StatefulSets that have (or had) the name.

use serde_json::Value;

use crate::filters::fieldspec::{self, CreateKind};
use crate::filters::specs;
use crate::kustfile::Replica;
use crate::resid::Gvk;
use crate::resmap::ResMap;

/// Applies one `replicas` entry; no matching workload is an error.
pub fn apply(acc: &mut ResMap, rep: &Replica) -> Result<(), String> {
    let specs = specs::replicas();
    let mut found = false;
    for fs in specs {
        for r in acc.resources_mut() {
            let selected = r.name() == rep.name && r.selected_by(&fs.gvk)
                || r.prev.iter().any(|p| {
                    p.name == rep.name && (fs.gvk.kind.is_empty() || fs.gvk.kind == p.kind) && {
                        let sel = Gvk {
                            kind: String::new(),
                            ..fs.gvk.clone()
                        };
                        r.selected_by(&sel)
                    }
                });
            if !selected {
                continue;
            }
            found = true;
            fieldspec::apply(&mut r.obj, fs, CreateKind::Scalar, &mut |n: &mut Value| {
                *n = Value::from(rep.count);
                Ok(())
            })
            .map_err(|e| format!("transform replica: {e}"))?;
        }
    }
    if !found {
        let gvks: Vec<String> = specs.iter().map(|f| f.gvk.to_string()).collect();
        return Err(format!(
            "resource with name {} does not match a config with the following GVK [{}]",
            rep.name,
            gvks.join(" ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Resource;
    use serde_json::json;

    #[test]
    fn sets_replicas_by_original_name_and_errors_when_absent() {
        let mut m = ResMap::new();
        let mut r = Resource::new(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}),
        );
        r.store_previous_id();
        r.set_name("p-web");
        m.append(r).unwrap();
        let rep = Replica {
            name: "web".into(),
            count: 3,
            ptr: String::new(),
        };
        apply(&mut m, &rep).unwrap();
        assert_eq!(m.resources()[0].obj["spec"]["replicas"], json!(3));
        let rep = Replica {
            name: "absent".into(),
            count: 1,
            ptr: String::new(),
        };
        assert!(apply(&mut m, &rep).unwrap_err().contains("does not match"));
    }
}
