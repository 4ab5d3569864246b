//! `labels` and `commonLabels` (`api/filters/labels`, `LabelTransformer`): set string labels at
//! every field spec, creating maps as the specs say.

use crate::filters::fieldspec::{self, set_entries, CreateKind, Spec};
use crate::filters::specs;
use crate::kustfile::{FieldSpec, Label};
use crate::resmap::ResMap;

/// Sets `pairs` at every field of `specs` in every resource.
pub fn apply(acc: &mut ResMap, pairs: &[(String, String)], specs: &[Spec]) -> Result<(), String> {
    if pairs.is_empty() {
        return Ok(());
    }
    set_all(acc, pairs, specs)
}

/// Sets string entries at every field spec of every resource (shared with annotations).
pub(crate) fn set_all(
    acc: &mut ResMap,
    pairs: &[(String, String)],
    specs: &[Spec],
) -> Result<(), String> {
    let mut sorted = pairs.to_vec();
    sorted.sort();
    acc.try_for_each_mut(|_, r| {
        let mut set = set_entries(&sorted);
        fieldspec::apply_all(&mut r.obj, specs, CreateKind::Map, &mut set)
            .map_err(|e| format!("{e} of object {}", r.cur_id()))
    })
}

/// kustomize's `FsSlice.MergeOne`: adds a spec unless an equivalent one is present (then the
/// `create` flags must agree).
fn merge_one(list: &mut Vec<FieldSpec>, fs: FieldSpec) -> Result<(), String> {
    if let Some(existing) = list
        .iter()
        .find(|o| o.gvk.is_selected_by(&fs.gvk) && o.path == fs.path)
    {
        if existing.create != fs.create {
            return Err(format!("conflicting fieldspecs for path '{}'", fs.path));
        }
        return Ok(());
    }
    list.push(fs);
    Ok(())
}

/// The field specs of a `labels` entry: its `fields`, then the selector set (`includeSelectors`)
/// or `metadata/labels` plus, with `includeTemplates`, the pod-template labels.
pub fn specs_for(label: &Label) -> Result<Vec<FieldSpec>, String> {
    let mut list = label.fields.clone();
    if label.include_selectors {
        for fs in specs::common_labels() {
            merge_one(&mut list, fs)?;
        }
    } else {
        merge_one(
            &mut list,
            specs::expand(&[("", "", "", "metadata/labels", true)]).remove(0),
        )?;
        if label.include_templates {
            for fs in specs::expand(specs::METADATA_LABELS) {
                merge_one(&mut list, fs)?;
            }
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Resource;
    use serde_json::json;

    fn acc(objs: Vec<serde_json::Value>) -> ResMap {
        let mut m = ResMap::new();
        for o in objs {
            m.append(Resource::new(o)).unwrap();
        }
        m
    }

    #[test]
    fn common_labels_reach_selectors_and_templates_of_workloads_only() {
        let mut m = acc(vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {}}}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": []}}),
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"selector": {}}}),
        ]);
        apply(
            &mut m,
            &[("team".into(), "a".into())],
            specs::common_labels_compiled(),
        )
        .unwrap();
        let r = m.resources();
        assert_eq!(
            r[0].obj["spec"]["selector"]["matchLabels"],
            json!({"team": "a"})
        );
        assert_eq!(
            r[0].obj["spec"]["template"]["metadata"]["labels"],
            json!({"team": "a"})
        );
        assert_eq!(r[1].obj["spec"]["selector"], json!({"team": "a"}));
        assert_eq!(r[2].obj["spec"]["selector"], json!({}));
        assert_eq!(r[2].obj["metadata"]["labels"], json!({"team": "a"}));
    }

    #[test]
    fn labels_entries_default_to_metadata_only() {
        let l = Label::default();
        let s = specs_for(&l).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].path, "metadata/labels");
        let l = Label {
            include_templates: true,
            ..Label::default()
        };
        assert!(specs_for(&l)
            .unwrap()
            .iter()
            .any(|f| f.path == "spec/template/metadata/labels"));
        let l = Label {
            fields: vec![FieldSpec {
                path: "metadata/labels".into(),
                create: false,
                ..FieldSpec::default()
            }],
            ..Label::default()
        };
        assert!(specs_for(&l).is_err());
    }
}
