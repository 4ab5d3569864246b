//! Classifying one object's change for a rollout, one rule per function, and the rules that
//! flag what needs care across a site's changes.
//!
//! Every rule sees the same [`Pair`] (the object in the base and in the head, secret values
//! already replaced by fingerprints) and answers with a [`Class`] and a few words of detail, or
//! nothing. An object may fall in several classes (a StatefulSet scaled and restarted).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Care, CareCode, Class, PlanChange};
use crate::diff::compare::{images, immutable_fields, SecretKeys};
use crate::diff::Status;
use crate::graph::ServiceGraph;

/// One object's two versions, as the rules see them.
#[derive(Clone, Copy, Debug)]
pub struct Pair<'a> {
    /// `apiVersion` (the head's, or the base's for a removal).
    pub api: &'a str,
    /// `kind`.
    pub kind: &'a str,
    /// The base version, if any.
    pub before: Option<&'a Value>,
    /// The head version, if any.
    pub after: Option<&'a Value>,
    /// For Secrets: which keys changed (by fingerprint; never values).
    pub secret: Option<&'a SecretKeys>,
}

/// A rule's answer: the class and what to tell the operator about it.
pub type Finding = (Class, Vec<String>);

/// Workload kinds whose pods are replaced when the pod template changes.
const POD_OWNERS: [&str; 4] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

/// Annotations that make the GitOps engine delete and re-create a changed Job (Flux's force,
/// Argo CD's Sync hook): Strata puts them on every Job, so a changed Job runs again.
const RERUN_ANNOTATIONS: [&str; 2] = [
    "kustomize.toolkit.fluxcd.io/force",
    "argocd.argoproj.io/hook",
];

fn at<'a>(v: Option<&'a Value>, pointer: &str) -> Option<&'a Value> {
    v.and_then(|v| v.pointer(pointer))
}

fn differs(p: &Pair, pointer: &str) -> bool {
    p.before.is_some() && p.after.is_some() && at(p.before, pointer) != at(p.after, pointer)
}

fn changed(p: &Pair) -> bool {
    p.before.is_some() && p.after.is_some()
}

fn is_job(p: &Pair) -> bool {
    p.kind == "Job" && p.api == "batch/v1"
}

/// A JSON pointer as a field path (`/spec/selector` → `spec.selector`).
fn field(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

fn scalar(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "unset".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// What changed in a pod template, in words: the images (old → new), the pod annotations (a
/// config hash: the configuration the pods read changed), anything else.
fn template_details(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    let (mut ib, mut ia) = (BTreeSet::new(), BTreeSet::new());
    if let Some(b) = before {
        images(b, &mut ib);
    }
    if let Some(a) = after {
        images(a, &mut ia);
    }
    let gone: Vec<&String> = ib.difference(&ia).collect();
    let new: Vec<&String> = ia.difference(&ib).collect();
    if gone.len() == 1 && new.len() == 1 {
        out.push(image_change(gone[0], new[0]));
    } else {
        for i in &gone {
            out.push(format!("image {i} removed"));
        }
        for i in &new {
            out.push(format!("image {i} added"));
        }
    }
    let ann = |v: Option<&Value>| at(v, "/metadata/annotations").cloned();
    let (ab, aa) = (ann(before), ann(after));
    if ab != aa {
        let keys: BTreeSet<String> = [&ab, &aa]
            .iter()
            .filter_map(|m| m.as_ref().and_then(Value::as_object))
            .flat_map(|m| m.keys().cloned())
            .filter(|k| at(ab.as_ref(), &ptr_key(k)) != at(aa.as_ref(), &ptr_key(k)))
            .collect();
        let hashes = keys.iter().any(|k| k.contains("hash"));
        out.push(if hashes {
            "config hash (the configuration it reads changed)".to_string()
        } else {
            format!(
                "pod annotations {}",
                keys.into_iter().collect::<Vec<_>>().join(", ")
            )
        });
    }
    // Anything else in the template: the images and annotations aside, do they differ?
    let rest = |v: Option<&Value>| {
        v.map(|v| {
            let mut v = v.clone();
            strip_images(&mut v);
            if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                m.shift_remove("annotations");
            }
            v
        })
    };
    if rest(before) != rest(after) {
        out.push("pod spec".to_string());
    }
    out
}

/// `image REPO: OLD → NEW` when only the tag or digest changed, else both references whole.
fn image_change(old: &str, new: &str) -> String {
    // The tag starts at the last `:` after the last `/` (a registry's port has a `:` too); a
    // digest at `@`.
    let split = |r: &str| -> Option<(String, String)> {
        let name_start = r.rfind('/').map_or(0, |i| i + 1);
        let at = r
            .find('@')
            .or_else(|| r[name_start..].rfind(':').map(|i| name_start + i))?;
        Some((r[..at].to_string(), r[at + 1..].to_string()))
    };
    match (split(old), split(new)) {
        (Some((ro, to)), Some((rn, tn))) if ro == rn => format!("image {ro}: {to} → {tn}"),
        _ => format!("image {old} → {new}"),
    }
}

/// A JSON pointer to one key of an object (escaping `~` and `/` as RFC 6901 says).
fn ptr_key(k: &str) -> String {
    format!("/{}", k.replace('~', "~0").replace('/', "~1"))
}

fn strip_images(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.shift_remove("image");
            m.values_mut().for_each(strip_images);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_images),
        _ => {}
    }
}

/// New in the head.
pub fn added(p: &Pair) -> Option<Finding> {
    (p.before.is_none() && p.after.is_some()).then(|| (Class::Added, Vec::new()))
}

/// Gone from the head.
pub fn removed(p: &Pair) -> Option<Finding> {
    (p.before.is_some() && p.after.is_none()).then(|| (Class::Removed, Vec::new()))
}

/// A workload whose pod template changed (images, environment, a config-hash annotation):
/// its pods are replaced, one by one as its update strategy says.
pub fn pods_restart(p: &Pair) -> Option<Finding> {
    if !POD_OWNERS.contains(&p.kind) || !differs(p, "/spec/template") {
        return None;
    }
    Some((
        Class::Restart,
        template_details(
            at(p.before, "/spec/template"),
            at(p.after, "/spec/template"),
        ),
    ))
}

/// A Job whose spec changed: Strata's Jobs carry the engine's annotation that deletes and
/// re-creates a changed Job, so it runs again (in its unit's wave). A Job without it cannot be
/// applied (its template is immutable): see [`recreated`].
pub fn job_reruns(p: &Pair) -> Option<Finding> {
    if !is_job(p) || !differs(p, "/spec") || !reruns_on_change(p.after) {
        return None;
    }
    Some((
        Class::Rerun,
        template_details(
            at(p.before, "/spec/template"),
            at(p.after, "/spec/template"),
        ),
    ))
}

fn reruns_on_change(v: Option<&Value>) -> bool {
    RERUN_ANNOTATIONS.iter().any(|a| {
        at(v, "/metadata/annotations")
            .and_then(|m| m.get(*a))
            .is_some()
    })
}

/// A field the API server will not change in place changed (a selector, a StatefulSet's
/// volumeClaimTemplates, a Service's clusterIP, a PVC's storage class, a Job's template when
/// no engine re-runs it): the object must be deleted and created again.
pub fn recreated(p: &Pair) -> Option<Finding> {
    if !changed(p) || (is_job(p) && reruns_on_change(p.after)) {
        return None;
    }
    let fields: Vec<String> = immutable_fields(p.kind)
        .iter()
        .filter(|f| differs(p, f))
        .map(|f| field(f))
        .collect();
    (!fields.is_empty()).then(|| {
        (
            Class::Recreate,
            vec![format!("immutable {}", fields.join(", "))],
        )
    })
}

/// The replica count changed.
pub fn scaled(p: &Pair) -> Option<Finding> {
    differs(p, "/spec/replicas").then(|| {
        (
            Class::Scale,
            vec![format!(
                "replicas {} → {}",
                scalar(at(p.before, "/spec/replicas")),
                scalar(at(p.after, "/spec/replicas"))
            )],
        )
    })
}

/// A PersistentVolumeClaim is added, removed or changed (a bigger request expands the volume
/// where the storage class allows it).
pub fn pvc_changed(p: &Pair) -> Option<Finding> {
    if p.kind != "PersistentVolumeClaim" {
        return None;
    }
    let mut details = Vec::new();
    let size = "/spec/resources/requests/storage";
    if differs(p, size) {
        details.push(format!(
            "storage {} → {}",
            scalar(at(p.before, size)),
            scalar(at(p.after, size))
        ));
    }
    Some((Class::Pvc, details))
}

/// A CustomResourceDefinition is added, removed or changed: every custom resource of its kind
/// is read through it.
pub fn crd_changed(p: &Pair) -> Option<Finding> {
    (p.kind == "CustomResourceDefinition" && p.api.starts_with("apiextensions.k8s.io/"))
        .then(|| (Class::Crd, Vec::new()))
}

/// A Secret's keys were added, removed or given new values (names only, never values).
pub fn secret_rotated(p: &Pair) -> Option<Finding> {
    let s = p.secret?;
    if s.added.is_empty() && s.removed.is_empty() && s.changed.is_empty() {
        return None;
    }
    let mut d = Vec::new();
    if !s.changed.is_empty() {
        let keys: Vec<&str> = s.changed.iter().map(|c| c.0.as_str()).collect();
        d.push(format!("new value for {}", keys.join(", ")));
    }
    if !s.added.is_empty() {
        d.push(format!("key added {}", s.added.join(", ")));
    }
    if !s.removed.is_empty() {
        d.push(format!("key removed {}", s.removed.join(", ")));
    }
    Some((Class::Secret, d))
}

/// A CronJob whose job template changed: nothing runs now, the next scheduled runs use it.
pub fn cronjob_template(p: &Pair) -> Option<Finding> {
    if p.kind != "CronJob" || !differs(p, "/spec/jobTemplate") {
        return None;
    }
    let mut d = template_details(
        at(p.before, "/spec/jobTemplate/spec/template"),
        at(p.after, "/spec/jobTemplate/spec/template"),
    );
    d.push("from the next scheduled run".to_string());
    Some((Class::Update, d))
}

/// The rules, in the order their classes are listed.
const RULES: [fn(&Pair) -> Option<Finding>; 10] = [
    recreated,
    removed,
    crd_changed,
    pvc_changed,
    secret_rotated,
    pods_restart,
    job_reruns,
    scaled,
    added,
    cronjob_template,
];

/// Every class the change falls in; a change no rule names is updated in place.
pub fn classify(p: &Pair) -> Vec<Finding> {
    let mut out: Vec<Finding> = RULES.iter().filter_map(|r| r(p)).collect();
    if out.is_empty() {
        out.push((Class::Update, Vec::new()));
    }
    out
}

/// A change as the care rules see it: its wave and the change.
pub type Placed<'a> = (Option<i64>, &'a PlanChange);

/// A StatefulSet (a database, a message queue) restarts its pods while services depending on
/// its unit restart or re-run Jobs in the same rollout: they see it go through a rolling
/// restart just as they come up themselves.
pub fn stateful_restart_with_dependents(
    changes: &[Placed],
    graph: Option<&ServiceGraph>,
) -> Vec<Care> {
    let Some(graph) = graph else {
        return Vec::new();
    };
    let moving: BTreeMap<&str, ()> = changes
        .iter()
        .filter(|(_, c)| {
            c.classes
                .iter()
                .any(|k| matches!(k, Class::Restart | Class::Rerun))
        })
        .map(|(_, c)| (c.unit.as_str(), ()))
        .collect();
    let mut out = Vec::new();
    for (wave, c) in changes {
        if c.kind != "StatefulSet" || !c.classes.contains(&Class::Restart) {
            continue;
        }
        let deps: Vec<String> = graph
            .dependents_closure(&c.unit)
            .into_iter()
            .filter(|d| d != &c.unit && moving.contains_key(d.as_str()))
            .collect();
        if deps.is_empty() {
            continue;
        }
        out.push(Care {
            code: CareCode::StatefulRestartWithDependents,
            wave: *wave,
            unit: c.unit.clone(),
            object: c.display(),
            message: format!(
                "its pods restart while its dependents {} restart or re-run Jobs in the same rollout",
                deps.join(", ")
            ),
        });
    }
    out
}

/// A PersistentVolumeClaim leaves the desired state: its volume (and data) may go with it.
pub fn pvc_deleted(changes: &[Placed]) -> Vec<Care> {
    changes
        .iter()
        .filter(|(_, c)| c.kind == "PersistentVolumeClaim" && c.status == Status::Removed)
        .map(|(wave, c)| Care {
            code: CareCode::PvcDeleted,
            wave: *wave,
            unit: c.unit.clone(),
            object: c.display(),
            message: "removed: make sure its data is no longer needed (Strata marks claims not to be pruned, so delete it by hand once it is)".into(),
        })
        .collect()
}

/// An object is deleted and created again (an immutable field changed).
pub fn recreate(changes: &[Placed]) -> Vec<Care> {
    changes
        .iter()
        .filter(|(_, c)| c.classes.contains(&Class::Recreate))
        .map(|(wave, c)| Care {
            code: CareCode::Recreated,
            wave: *wave,
            unit: c.unit.clone(),
            object: c.display(),
            message: format!(
                "must be deleted and created again ({}): the apply fails until then",
                c.details
                    .first()
                    .map_or("an immutable field", String::as_str)
            ),
        })
        .collect()
}

/// A CustomResourceDefinition is added, changed or removed (in the leading `cluster` unit,
/// before everything else).
pub fn crd(changes: &[Placed]) -> Vec<Care> {
    changes
        .iter()
        .filter(|(_, c)| c.classes.contains(&Class::Crd))
        .map(|(wave, c)| Care {
            code: CareCode::CrdChanged,
            wave: *wave,
            unit: c.unit.clone(),
            object: c.display(),
            message: match c.status {
                Status::Removed => {
                    "removed: every custom resource of its kind is deleted with it".into()
                }
                Status::Added => "added: applied before every service".into(),
                Status::Changed => {
                    "changed: check that no version or field existing resources use is dropped"
                        .into()
                }
            },
        })
        .collect()
}

/// Every care rule over one site's changes.
pub fn care(changes: &[Placed], graph: Option<&ServiceGraph>) -> Vec<Care> {
    let mut out = Vec::new();
    out.extend(recreate(changes));
    out.extend(pvc_deleted(changes));
    out.extend(crd(changes));
    out.extend(stateful_restart_with_dependents(changes, graph));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pair<'a>(
        kind: &'a str,
        api: &'a str,
        b: Option<&'a Value>,
        a: Option<&'a Value>,
    ) -> Pair<'a> {
        Pair {
            api,
            kind,
            before: b,
            after: a,
            secret: None,
        }
    }

    fn deployment(image: &str, hash: &str, replicas: u32) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "os"},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "api"}},
                "template": {
                    "metadata": {"annotations": {"strata.io/config-hash": hash}},
                    "spec": {"containers": [{"name": "api", "image": image}]}
                }
            }
        })
    }

    fn job(image: &str, rerun: bool) -> Value {
        let ann = if rerun {
            json!({"kustomize.toolkit.fluxcd.io/force": "enabled"})
        } else {
            json!({})
        };
        json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "db-sync", "annotations": ann},
            "spec": {"template": {"spec": {"containers": [{"name": "s", "image": image}]}}}
        })
    }

    fn classes(p: &Pair) -> Vec<Class> {
        classify(p).into_iter().map(|f| f.0).collect()
    }

    #[test]
    fn an_image_bump_restarts_pods_and_names_the_images() {
        let (b, a) = (deployment("api:1", "h", 1), deployment("api:2", "h", 1));
        let p = pair("Deployment", "apps/v1", Some(&b), Some(&a));
        let f = pods_restart(&p);
        assert_eq!(
            f,
            Some((Class::Restart, vec!["image api: 1 → 2".to_string()]))
        );
        assert_eq!(classes(&p), vec![Class::Restart]);
    }

    #[test]
    fn a_config_hash_restarts_pods() {
        let (b, a) = (deployment("api:1", "h1", 1), deployment("api:1", "h2", 1));
        let p = pair("Deployment", "apps/v1", Some(&b), Some(&a));
        let f = pods_restart(&p).map(|f| f.1);
        assert_eq!(
            f,
            Some(vec![
                "config hash (the configuration it reads changed)".to_string()
            ])
        );
        // Not for an object that owns no pods.
        assert_eq!(
            pods_restart(&pair("ConfigMap", "v1", Some(&b), Some(&a))),
            None
        );
    }

    #[test]
    fn scaling_alone_does_not_restart() {
        let (b, a) = (deployment("api:1", "h", 1), deployment("api:1", "h", 3));
        let p = pair("Deployment", "apps/v1", Some(&b), Some(&a));
        assert_eq!(pods_restart(&p), None);
        assert_eq!(
            scaled(&p),
            Some((Class::Scale, vec!["replicas 1 → 3".to_string()]))
        );
        assert_eq!(classes(&p), vec![Class::Scale]);
    }

    #[test]
    fn strata_jobs_rerun_and_other_jobs_are_recreated() {
        let (b, a) = (job("x:1", true), job("x:2", true));
        let p = pair("Job", "batch/v1", Some(&b), Some(&a));
        assert_eq!(
            job_reruns(&p),
            Some((Class::Rerun, vec!["image x: 1 → 2".to_string()]))
        );
        assert_eq!(recreated(&p), None);
        assert_eq!(classes(&p), vec![Class::Rerun]);
        // Without the engine's annotation the template change cannot be applied in place.
        let (b, a) = (job("x:1", false), job("x:2", false));
        let p = pair("Job", "batch/v1", Some(&b), Some(&a));
        assert_eq!(job_reruns(&p), None);
        assert_eq!(classes(&p), vec![Class::Recreate]);
    }

    #[test]
    fn immutable_fields_recreate() {
        let b = json!({"spec": {"selector": {"matchLabels": {"app": "a"}}, "replicas": 1}});
        let a = json!({"spec": {"selector": {"matchLabels": {"app": "b"}}, "replicas": 1}});
        let p = pair("StatefulSet", "apps/v1", Some(&b), Some(&a));
        assert_eq!(
            recreated(&p),
            Some((Class::Recreate, vec!["immutable spec.selector".to_string()]))
        );
        assert_eq!(
            recreated(&pair("ConfigMap", "v1", Some(&b), Some(&a))),
            None
        );
    }

    #[test]
    fn added_and_removed() {
        let v = json!({"kind": "ConfigMap"});
        assert_eq!(
            classes(&pair("ConfigMap", "v1", None, Some(&v))),
            vec![Class::Added]
        );
        assert_eq!(
            classes(&pair("ConfigMap", "v1", Some(&v), None)),
            vec![Class::Removed]
        );
        assert_eq!(added(&pair("ConfigMap", "v1", Some(&v), Some(&v))), None);
        assert_eq!(removed(&pair("ConfigMap", "v1", Some(&v), Some(&v))), None);
    }

    #[test]
    fn pvcs_are_named_with_their_size() {
        let b = json!({"spec": {"resources": {"requests": {"storage": "1Gi"}}}});
        let a = json!({"spec": {"resources": {"requests": {"storage": "2Gi"}}}});
        let p = pair("PersistentVolumeClaim", "v1", Some(&b), Some(&a));
        assert_eq!(
            pvc_changed(&p),
            Some((Class::Pvc, vec!["storage 1Gi → 2Gi".to_string()]))
        );
        assert_eq!(
            classes(&pair("PersistentVolumeClaim", "v1", Some(&b), None)),
            vec![Class::Removed, Class::Pvc]
        );
    }

    #[test]
    fn crds_are_flagged() {
        let (v, w) = (json!({}), json!({"spec": {}}));
        let p = pair(
            "CustomResourceDefinition",
            "apiextensions.k8s.io/v1",
            Some(&v),
            Some(&w),
        );
        assert_eq!(crd_changed(&p), Some((Class::Crd, Vec::new())));
        assert_eq!(
            crd_changed(&pair(
                "CustomResourceDefinition",
                "example.org/v1",
                Some(&v),
                None
            )),
            None
        );
    }

    #[test]
    fn secrets_name_keys_only() {
        let keys = SecretKeys {
            added: vec!["token".into()],
            removed: vec![],
            changed: vec![("password".into(), "aaaa".into(), "bbbb".into())],
        };
        let v = json!({});
        let p = Pair {
            secret: Some(&keys),
            ..pair("Secret", "v1", Some(&v), Some(&v))
        };
        let f = secret_rotated(&p);
        assert_eq!(
            f,
            Some((
                Class::Secret,
                vec![
                    "new value for password".to_string(),
                    "key added token".to_string()
                ]
            ))
        );
        // Fingerprints are never shown.
        assert!(!format!("{f:?}").contains("aaaa"));
        let none = SecretKeys::default();
        assert_eq!(
            secret_rotated(&Pair {
                secret: Some(&none),
                ..p
            }),
            None
        );
    }

    #[test]
    fn images_show_the_changed_tag() {
        assert_eq!(
            image_change("reg.local:9001/a/b:1.0", "reg.local:9001/a/b:1.1"),
            "image reg.local:9001/a/b: 1.0 → 1.1"
        );
        assert_eq!(image_change("a/b:1", "a/c:1"), "image a/b:1 → a/c:1");
        assert_eq!(
            image_change("reg:5000/b", "reg:5000/b:2"),
            "image reg:5000/b → reg:5000/b:2"
        );
        assert_eq!(
            image_change("b@sha256:aa", "b@sha256:bb"),
            "image b: sha256:aa → sha256:bb"
        );
    }

    #[test]
    fn a_cronjob_template_updates_the_next_runs() {
        let cj = |image: &str| json!({"spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"image": image}]}}}}}});
        let (b, a) = (cj("x:1"), cj("x:2"));
        let p = pair("CronJob", "batch/v1", Some(&b), Some(&a));
        assert_eq!(
            cronjob_template(&p),
            Some((
                Class::Update,
                vec![
                    "image x: 1 → 2".to_string(),
                    "from the next scheduled run".to_string()
                ]
            ))
        );
        assert_eq!(classes(&p), vec![Class::Update]);
    }

    #[test]
    fn anything_else_is_an_update() {
        let (b, a) = (json!({"data": {"a": "1"}}), json!({"data": {"a": "2"}}));
        assert_eq!(
            classes(&pair("ConfigMap", "v1", Some(&b), Some(&a))),
            vec![Class::Update]
        );
    }

    fn change(unit: &str, kind: &str, status: Status, classes: &[Class]) -> PlanChange {
        PlanChange {
            unit: unit.into(),
            api_version: "apps/v1".into(),
            kind: kind.into(),
            namespace: Some("os".into()),
            name: format!("{unit}-x"),
            renamed_from: None,
            status,
            classes: classes.to_vec(),
            details: vec!["immutable spec.selector".into()],
            secret_keys: None,
        }
    }

    fn graph() -> ServiceGraph {
        use crate::graph::{Edge, EdgeKind};
        ServiceGraph {
            waves: [
                ("db".to_string(), 0),
                ("api".to_string(), 1),
                ("web".to_string(), 2),
            ]
            .into(),
            edges: vec![
                Edge {
                    from: "api".into(),
                    to: "db".into(),
                    kind: EdgeKind::Hard,
                },
                Edge {
                    from: "web".into(),
                    to: "api".into(),
                    kind: EdgeKind::Hard,
                },
            ],
        }
    }

    #[test]
    fn a_stateful_set_restarting_with_its_dependents_needs_care() {
        let sts = change("db", "StatefulSet", Status::Changed, &[Class::Restart]);
        let web = change("web", "Deployment", Status::Changed, &[Class::Restart]);
        let placed = [(Some(0), &sts), (Some(2), &web)];
        let g = graph();
        let c = stateful_restart_with_dependents(&placed, Some(&g));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].code, CareCode::StatefulRestartWithDependents);
        assert!(c[0].message.contains("dependents web"), "{}", c[0].message);
        // Alone, it is an ordinary rolling restart.
        assert!(stateful_restart_with_dependents(&placed[..1], Some(&g)).is_empty());
        // A Deployment restarting with its dependents is not flagged.
        let dep = change("db", "Deployment", Status::Changed, &[Class::Restart]);
        assert!(
            stateful_restart_with_dependents(&[(Some(0), &dep), (Some(2), &web)], Some(&g))
                .is_empty()
        );
    }

    #[test]
    fn deleted_pvcs_recreations_and_crds_need_care() {
        let pvc = change(
            "db",
            "PersistentVolumeClaim",
            Status::Removed,
            &[Class::Removed, Class::Pvc],
        );
        assert_eq!(pvc_deleted(&[(Some(0), &pvc)]).len(), 1);
        let kept = change(
            "db",
            "PersistentVolumeClaim",
            Status::Changed,
            &[Class::Pvc],
        );
        assert!(pvc_deleted(&[(Some(0), &kept)]).is_empty());
        let rec = change("db", "StatefulSet", Status::Changed, &[Class::Recreate]);
        let c = recreate(&[(Some(0), &rec)]);
        assert_eq!(c.len(), 1);
        assert!(
            c[0].message.contains("immutable spec.selector"),
            "{}",
            c[0].message
        );
        let crd_change = change(
            "cluster",
            "CustomResourceDefinition",
            Status::Changed,
            &[Class::Crd],
        );
        assert_eq!(
            crd(&[(Some(-1), &crd_change)])[0].code,
            CareCode::CrdChanged
        );
        assert!(crd(&[(Some(0), &kept)]).is_empty());
    }
}
