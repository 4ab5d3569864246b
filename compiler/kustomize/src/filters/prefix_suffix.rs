//! `namePrefix` / `nameSuffix` (`api/filters/prefix`, `api/filters/suffix`): change
//! `metadata.name` of every object except CRDs, APIServices and Namespaces, recording the
//! previous id and the prefix or suffix for name-reference fixing.

use serde_json::Value;

use crate::resid::ResId;
use crate::resmap::ResMap;

/// kustomize skips these types (matched on the original id).
fn skipped(id: &ResId) -> bool {
    let k = id.gvk.kind.as_str();
    k == "CustomResourceDefinition"
        || k == "Namespace"
        || (k == "APIService" && id.gvk.group == "apiregistration.k8s.io")
}

/// Prepends `prefix` to every name.
pub fn apply_prefix(acc: &mut ResMap, prefix: &str) -> Result<(), String> {
    apply(acc, prefix, true)
}

/// Appends `suffix` to every name.
pub fn apply_suffix(acc: &mut ResMap, suffix: &str) -> Result<(), String> {
    apply(acc, suffix, false)
}

fn apply(acc: &mut ResMap, affix: &str, is_prefix: bool) -> Result<(), String> {
    if affix.is_empty() {
        return Ok(());
    }
    acc.try_for_each_mut(|_, r| {
        if skipped(&r.org_id()) {
            return Ok(());
        }
        if is_prefix {
            r.prefixes.push(affix.to_string());
        } else {
            r.suffixes.push(affix.to_string());
        }
        r.store_previous_id();
        let name = r.name().into_owned();
        let new = if is_prefix {
            format!("{affix}{name}")
        } else {
            format!("{name}{affix}")
        };
        if let Some(meta) = r.obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("name".into(), Value::String(new));
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Resource;
    use serde_json::json;

    #[test]
    fn prefixes_and_suffixes_stack_and_skip_namespaces() {
        let mut m = ResMap::new();
        m.append(Resource::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
        ))
        .unwrap();
        m.append(Resource::new(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}),
        ))
        .unwrap();
        apply_prefix(&mut m, "in-").unwrap();
        apply_prefix(&mut m, "out-").unwrap();
        apply_suffix(&mut m, "-s").unwrap();
        let r = &m.resources()[0];
        assert_eq!(r.name(), "out-in-c-s");
        assert_eq!(r.prefixes, ["in-", "out-"]);
        assert_eq!(r.org_id().name, "c");
        assert_eq!(m.resources()[1].name(), "n");
    }
}
