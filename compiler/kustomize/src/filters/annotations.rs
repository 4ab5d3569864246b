//! `commonAnnotations` (`api/filters/annotations`): string annotations on objects and pod
//! templates.

use crate::filters::specs;
use crate::resmap::ResMap;

/// Sets the annotations on every resource.
pub fn apply(acc: &mut ResMap, pairs: &[(String, String)]) -> Result<(), String> {
    if pairs.is_empty() {
        return Ok(());
    }
    crate::filters::labels::set_all(acc, pairs, specs::annotations())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Resource;
    use serde_json::json;

    #[test]
    fn annotations_go_to_objects_and_pod_templates() {
        let mut m = ResMap::new();
        m.append(Resource::new(
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}}),
        ))
        .unwrap();
        apply(&mut m, &[("a".into(), "multi\nline".into())]).unwrap();
        let o = &m.resources()[0].obj;
        assert_eq!(o["metadata"]["annotations"]["a"], "multi\nline");
        assert_eq!(
            o["spec"]["jobTemplate"]["metadata"]["annotations"]["a"],
            "multi\nline"
        );
        assert_eq!(
            o["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["annotations"]["a"],
            "multi\nline"
        );
    }
}
