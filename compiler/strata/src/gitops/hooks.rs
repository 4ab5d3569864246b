//! Helm hooks (`helm.sh/hook` objects of chart services) mapped to what the site's GitOps
//! engine does, since neither engine runs Helm's release lifecycle. Nothing is dropped
//! silently: what has no equivalent is left out, listed in `_meta/<service>.json` (under
//! `helmHooks`) and counted in the build summary. (Not a warning: it is the expected outcome
//! for every chart with a test hook, and nothing a user could change.)
//!
//! Argo CD: the mapping is written out explicitly rather than left to Argo CD's own reading
//! of Helm annotations, for two reasons. Strata marks every Job as an Argo CD `Sync` hook (so
//! that a changed Job runs again), and Argo CD ignores an object's Helm annotations as soon as
//! it carries an Argo CD hook annotation; and Argo CD's own mapping makes `post-install` a
//! `PostSync` hook, which waits for every Deployment to be healthy, while openstack-helm's
//! Deployments wait (init containers) for those very Jobs — a deadlock. So:
//! `pre-install`/`pre-upgrade` → `PreSync`, `post-install`/`post-upgrade` → `Sync`,
//! `pre-delete` → `PreDelete`, `post-delete` → `PostDelete`; `helm.sh/hook-weight` →
//! `argocd.argoproj.io/sync-wave`; `helm.sh/hook-delete-policy` → `argocd.argoproj.io/
//! hook-delete-policy` (`before-hook-creation` → `BeforeHookCreation`, `hook-succeeded` →
//! `HookSucceeded`, `hook-failed` → `HookFailed`; none → `BeforeHookCreation`, Helm's default);
//! `helm.sh/resource-policy: keep` → `argocd.argoproj.io/sync-options: Delete=false`. An object
//! that already carries `argocd.argoproj.io/hook` is left as its author wrote it.
//!
//! Flux (kustomize-controller applies plain manifests and ignores Helm's annotations):
//! `pre-install`/`pre-upgrade` objects move to a unit of their own, `<service>.pre-hooks`, which
//! the service's unit depends on (so they are applied, and waited for, first);
//! `post-install`/`post-upgrade` objects stay in the service's unit, applied with it (Jobs are
//! recreated when they change: `kustomize.toolkit.fluxcd.io/force`, set for every Job; a name
//! suffix from a content hash would break the charts' init containers that wait for a Job by
//! name); delete hooks have no equivalent and are left out (applied as plain manifests they
//! would run at install: openstack-helm's `pre-delete` Jobs drop databases); delete policies
//! are not mapped (a Job Flux deleted would be re-applied and run again) and are listed in
//! `_meta`; `helm.sh/resource-policy: keep` → `kustomize.toolkit.fluxcd.io/prune: disabled`.
//!
//! Both engines: `test` (`test-success`, `test-failure`) hooks are left out (`helm test` has no
//! GitOps equivalent), and so are rollback hooks (a GitOps rollback is a commit, i.e. a sync).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::emit::Final;
use crate::model::Engine;
use strata_validate::object_label;

/// The annotation that makes an object a Helm hook.
pub const HOOK: &str = "helm.sh/hook";
/// Its weight.
pub const WEIGHT: &str = "helm.sh/hook-weight";
/// Its delete policy.
pub const DELETE_POLICY: &str = "helm.sh/hook-delete-policy";
/// Helm's "never delete this object".
pub const RESOURCE_POLICY: &str = "helm.sh/resource-policy";

/// The suffix of the unit that holds a service's pre-install/pre-upgrade hooks on Flux sites
/// (service names never contain a dot, so it cannot collide with a service).
pub const PRE_HOOKS_SUFFIX: &str = ".pre-hooks";

/// A Helm hook's annotations, read from an object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelmHook {
    /// The events, lower-cased, in the order written.
    pub events: Vec<String>,
    /// `helm.sh/hook-weight`, when present.
    pub weight: Option<String>,
    /// `helm.sh/hook-delete-policy`, split.
    pub delete_policies: Vec<String>,
    /// `helm.sh/resource-policy: keep`.
    pub keep: bool,
}

fn annotations(v: &Value) -> Option<&Map<String, Value>> {
    v.pointer("/metadata/annotations")
        .and_then(Value::as_object)
}

fn csv(s: &str) -> Vec<String> {
    s.split(',')
        .map(|p| p.trim().to_ascii_lowercase())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The Helm hook of `object`, if it is one.
pub fn read(object: &Value) -> Option<HelmHook> {
    let a = annotations(object)?;
    let s = |k: &str| a.get(k).and_then(Value::as_str);
    let events = csv(s(HOOK)?);
    Some(HelmHook {
        events,
        weight: s(WEIGHT).map(|w| w.trim().to_string()),
        delete_policies: s(DELETE_POLICY).map(csv).unwrap_or_default(),
        keep: s(RESOURCE_POLICY).is_some_and(|p| p.trim() == "keep"),
    })
}

fn is_test(e: &str) -> bool {
    matches!(e, "test" | "test-success" | "test-failure")
}

/// The Argo CD hook phase of a Helm event; `None` for events without one.
pub fn argo_phase(event: &str) -> Option<&'static str> {
    match event {
        "pre-install" | "pre-upgrade" => Some("PreSync"),
        "post-install" | "post-upgrade" => Some("Sync"),
        "pre-delete" => Some("PreDelete"),
        "post-delete" => Some("PostDelete"),
        _ => None,
    }
}

/// The Argo CD delete policy of a Helm one.
pub fn argo_delete_policy(policy: &str) -> Option<&'static str> {
    match policy {
        "before-hook-creation" => Some("BeforeHookCreation"),
        "hook-succeeded" => Some("HookSucceeded"),
        "hook-failed" => Some("HookFailed"),
        _ => None,
    }
}

/// A hook left out of the output.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Dropped {
    /// `Kind namespace/name`.
    pub object: String,
    /// Its `helm.sh/hook` events.
    pub events: Vec<String>,
    /// Why it has no equivalent.
    pub reason: String,
}

/// What a hook kept in the output lost in the mapping (events or a delete policy the engine
/// has no equivalent for).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Adjusted {
    /// `Kind namespace/name`.
    pub object: String,
    /// What was not carried over, and why.
    pub note: String,
}

/// What the mapping did, per service folder.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Hooks left out, by service folder.
    pub dropped: BTreeMap<String, Vec<Dropped>>,
    /// Hooks kept with a note, by service folder.
    pub adjusted: BTreeMap<String, Vec<Adjusted>>,
    /// Services whose pre-hooks moved into `<service>.pre-hooks` (Flux).
    pub pre_units: BTreeSet<String>,
}

fn set_annotation(v: &mut Value, key: &str, value: &str, overwrite: bool) {
    let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let ann = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(a) = ann.as_object_mut() {
        if overwrite || !a.contains_key(key) {
            a.insert(key.to_string(), Value::String(value.to_string()));
        }
    }
}

/// What to do with one hook object.
enum Action {
    Keep,
    Drop(String),
}

/// Maps every Helm hook among `objects` for `engine` (see the module doc): annotations
/// rewritten in place, objects left out, pre-hooks moved to their own unit folder on Flux.
/// Runs before `gitops::prepare`, whose defaults for Jobs must not shadow a hook's phase.
pub fn map(engine: Engine, objects: &mut Vec<Final>) -> Report {
    let mut report = Report::default();
    let mut keep = Vec::with_capacity(objects.len());
    for mut f in objects.drain(..) {
        let Some(hook) = read(&f.value) else {
            keep.push(f);
            continue;
        };
        let label = object_label(&f.value);
        let action = map_one(engine, &mut f, &hook, &label, &mut report);
        match action {
            Action::Keep => keep.push(f),
            Action::Drop(reason) => {
                report
                    .dropped
                    .entry(f.folder.clone())
                    .or_default()
                    .push(Dropped {
                        object: label,
                        events: hook.events.clone(),
                        reason,
                    })
            }
        }
    }
    *objects = keep;
    report
}

fn map_one(
    engine: Engine,
    f: &mut Final,
    hook: &HelmHook,
    label: &str,
    report: &mut Report,
) -> Action {
    let events = &hook.events;
    if events.is_empty() {
        return Action::Drop("an empty `helm.sh/hook` annotation (Helm skips it too)".into());
    }
    if events.iter().all(|e| is_test(e)) {
        return Action::Drop(
            "a test hook: `helm test` has no GitOps equivalent; run it by hand if needed".into(),
        );
    }
    let mut note = |n: String| {
        report
            .adjusted
            .entry(f.folder.clone())
            .or_default()
            .push(Adjusted {
                object: label.to_string(),
                note: n,
            });
    };
    let unknown: Vec<&String> = events
        .iter()
        .filter(|e| {
            argo_phase(e).is_none()
                && !is_test(e)
                && !matches!(e.as_str(), "pre-rollback" | "post-rollback")
        })
        .collect();
    if !unknown.is_empty() {
        return Action::Drop(format!(
            "unknown hook event{} {} (Helm skips such hooks)",
            if unknown.len() == 1 { "" } else { "s" },
            unknown
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let ignored: Vec<&str> = events
        .iter()
        .map(String::as_str)
        .filter(|e| is_test(e) || e.ends_with("-rollback"))
        .collect();
    let usable: Vec<&str> = events
        .iter()
        .map(String::as_str)
        .filter(|e| !ignored.contains(e))
        .collect();
    if usable.is_empty() {
        return Action::Drop(
            "a rollback hook: a GitOps rollback is a commit, applied by an ordinary sync".into(),
        );
    }
    if !ignored.is_empty() {
        note(format!(
            "event{} {} not carried over (no GitOps equivalent)",
            if ignored.len() == 1 { "" } else { "s" },
            ignored.join(", ")
        ));
    }
    match engine {
        Engine::Argocd => {
            let has_argo_hook =
                annotations(&f.value).is_some_and(|a| a.contains_key("argocd.argoproj.io/hook"));
            if has_argo_hook {
                note("its own argocd.argoproj.io/hook annotation is kept as written".into());
                return Action::Keep;
            }
            let kind = f.value.get("kind").and_then(Value::as_str).unwrap_or("");
            if hook.keep && !matches!(kind, "Job" | "Pod") {
                // A hook is deleted and created again on every sync, losing what was written
                // into it since (a Secret a Job fills): an object Helm keeps becomes an
                // ordinary resource, never deleted, in the wave of its weight. Its Helm hook
                // annotations go, or Argo CD would read them as a hook itself.
                let v = &mut f.value;
                if let Some(a) = v
                    .pointer_mut("/metadata/annotations")
                    .and_then(Value::as_object_mut)
                {
                    for k in [HOOK, WEIGHT, DELETE_POLICY] {
                        a.remove(k);
                    }
                }
                if let Some(w) = hook.weight.as_deref().filter(|w| w.parse::<i64>().is_ok()) {
                    set_annotation(v, "argocd.argoproj.io/sync-wave", w, false);
                }
                keep_argo(v);
                note(format!(
                    "kept by Helm (helm.sh/resource-policy: keep): an ordinary resource that is never deleted, not a {} hook",
                    usable.join(",")
                ));
                return Action::Keep;
            }
            let mut phases: Vec<&str> = Vec::new();
            for p in ["PreSync", "Sync", "PreDelete", "PostDelete"] {
                if usable.iter().any(|e| argo_phase(e) == Some(p)) {
                    phases.push(p);
                }
            }
            let v = &mut f.value;
            set_annotation(v, "argocd.argoproj.io/hook", &phases.join(","), true);
            if let Some(w) = hook.weight.as_deref().filter(|w| w.parse::<i64>().is_ok()) {
                set_annotation(v, "argocd.argoproj.io/sync-wave", w, false);
            }
            let mut policies: Vec<&str> = hook
                .delete_policies
                .iter()
                .filter_map(|p| argo_delete_policy(p))
                .collect();
            policies.dedup();
            if policies.is_empty() {
                policies.push("BeforeHookCreation");
            }
            set_annotation(
                v,
                "argocd.argoproj.io/hook-delete-policy",
                &policies.join(","),
                true,
            );
            if hook.keep {
                keep_argo(v);
            }
            Action::Keep
        }
        Engine::Flux | Engine::None => {
            let install: Vec<&str> = usable
                .iter()
                .copied()
                .filter(|e| !e.ends_with("-delete"))
                .collect();
            if install.is_empty() {
                return Action::Drop(
                    "a delete hook: Flux has no delete hooks, and applied as a plain manifest it would run at install".into(),
                );
            }
            if install.len() < usable.len() {
                note("delete events not carried over (Flux has no delete hooks)".into());
            }
            if !hook.delete_policies.is_empty() {
                note(format!(
                    "delete policy {} not carried over: Flux keeps the object (a deleted one would be applied, and run, again)",
                    hook.delete_policies.join(",")
                ));
            }
            if hook.keep {
                set_annotation(
                    &mut f.value,
                    "kustomize.toolkit.fluxcd.io/prune",
                    "disabled",
                    true,
                );
            }
            let pre = install.iter().all(|e| e.starts_with("pre-"));
            if engine == Engine::Flux && pre {
                report.pre_units.insert(f.folder.clone());
                f.folder = format!("{}{PRE_HOOKS_SUFFIX}", f.folder);
            }
            Action::Keep
        }
    }
}

/// Adds `Delete=false` to an object's `argocd.argoproj.io/sync-options`.
fn keep_argo(v: &mut Value) {
    let key = "argocd.argoproj.io/sync-options";
    let current = annotations(v)
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if current.split(',').any(|o| o.trim() == "Delete=false") {
        return;
    }
    let new = if current.is_empty() {
        "Delete=false".to_string()
    } else {
        format!("{current},Delete=false")
    };
    set_annotation(v, key, &new, true);
}

/// Adds the pre-hook units of `report` to `units`: each depends on what its service depends
/// on, shares its wave and timeout, and the service's unit depends on it.
pub fn add_pre_units(units: &mut Vec<super::Unit>, report: &Report) {
    let mut extra = Vec::new();
    for u in units.iter_mut() {
        if !report.pre_units.contains(&u.name) {
            continue;
        }
        let name = format!("{}{PRE_HOOKS_SUFFIX}", u.name);
        extra.push(super::Unit {
            name: name.clone(),
            wave: u.wave,
            depends_on: u.depends_on.clone(),
            timeout: u.timeout.clone(),
            sops: false,
        });
        u.depends_on.push(name);
        u.depends_on.sort();
    }
    units.extend(extra);
    units.sort_by(|a, b| a.name.cmp(&b.name));
}

/// The folders of the pre-hook units (for the output layout).
pub fn pre_folders(report: &Report) -> impl Iterator<Item = String> + '_ {
    report
        .pre_units
        .iter()
        .map(|s| format!("{s}{PRE_HOOKS_SUFFIX}"))
}

/// Adds the hooks left out or adjusted to `_meta/<service>.json` (`helmHooks`).
pub fn annotate_meta(files: &mut BTreeMap<String, String>, report: &Report) {
    let services: BTreeSet<&String> = report
        .dropped
        .keys()
        .chain(report.adjusted.keys())
        .collect();
    for svc in services {
        let path = format!("_meta/{svc}.json");
        let Some(text) = files.get(&path) else {
            continue;
        };
        let Ok(mut v) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        let mut hooks = Map::new();
        if let Some(d) = report.dropped.get(svc) {
            hooks.insert("leftOut".into(), json!(d));
        }
        if let Some(a) = report.adjusted.get(svc) {
            hooks.insert("adjusted".into(), json!(a));
        }
        v["helmHooks"] = Value::Object(hooks);
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        files.insert(path, s);
    }
}

/// The number of hooks left out of a site's output, read back from its `_meta` files (for the
/// build summary).
pub fn left_out(files: &BTreeMap<String, String>) -> usize {
    files
        .iter()
        .filter(|(k, _)| k.starts_with("_meta/"))
        .filter_map(|(_, text)| serde_json::from_str::<Value>(text).ok())
        .map(|v| {
            v.pointer("/helmHooks/leftOut")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fin(folder: &str, v: Value) -> Final {
        Final {
            value: v,
            folder: folder.into(),
            provenance: None,
            overlay: Vec::new(),
        }
    }

    fn job(name: &str, ann: Value) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "annotations": ann}, "spec": {}})
    }

    fn ann<'a>(f: &'a Final, k: &str) -> Option<&'a str> {
        f.value
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(k))
            .and_then(Value::as_str)
    }

    fn sample() -> Vec<Final> {
        vec![
            fin(
                "ks",
                job(
                    "pre",
                    json!({HOOK: "pre-install,pre-upgrade", WEIGHT: "-5", DELETE_POLICY: "hook-succeeded,before-hook-creation"}),
                ),
            ),
            fin(
                "ks",
                job(
                    "db-sync",
                    json!({HOOK: "post-install,post-upgrade", WEIGHT: "-4"}),
                ),
            ),
            fin(
                "ks",
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "test", "annotations": {HOOK: "test-success"}}}),
            ),
            fin("ks", job("drop-db", json!({HOOK: "pre-delete"}))),
            fin("ks", job("rb", json!({HOOK: "pre-rollback"}))),
            fin(
                "ks",
                json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "keys", "annotations": {HOOK: "pre-install", RESOURCE_POLICY: "keep"}}}),
            ),
            fin(
                "ks",
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "plain"}}),
            ),
        ]
    }

    #[test]
    fn argo_hooks_are_translated() {
        let mut objs = sample();
        let r = map(Engine::Argocd, &mut objs);
        let names: Vec<&str> = objs
            .iter()
            .filter_map(|f| f.value.pointer("/metadata/name").and_then(Value::as_str))
            .collect();
        assert_eq!(names, vec!["pre", "db-sync", "drop-db", "keys", "plain"]);
        assert_eq!(ann(&objs[0], "argocd.argoproj.io/hook"), Some("PreSync"));
        assert_eq!(ann(&objs[0], "argocd.argoproj.io/sync-wave"), Some("-5"));
        assert_eq!(
            ann(&objs[0], "argocd.argoproj.io/hook-delete-policy"),
            Some("HookSucceeded,BeforeHookCreation")
        );
        assert_eq!(ann(&objs[1], "argocd.argoproj.io/hook"), Some("Sync"));
        assert_eq!(
            ann(&objs[1], "argocd.argoproj.io/hook-delete-policy"),
            Some("BeforeHookCreation")
        );
        assert_eq!(ann(&objs[2], "argocd.argoproj.io/hook"), Some("PreDelete"));
        assert_eq!(
            ann(&objs[3], "argocd.argoproj.io/sync-options"),
            Some("Delete=false")
        );
        // A kept Secret is no hook (a hook is recreated on every sync, losing its keys).
        assert!(ann(&objs[3], "argocd.argoproj.io/hook").is_none());
        assert!(ann(&objs[3], HOOK).is_none());
        assert!(r.adjusted["ks"][0].note.contains("ordinary resource"));
        assert!(ann(&objs[4], "argocd.argoproj.io/hook").is_none());
        let dropped = &r.dropped["ks"];
        assert_eq!(dropped.len(), 2);
        assert!(dropped[0].reason.contains("test hook"), "{dropped:?}");
        assert!(dropped[1].reason.contains("rollback"), "{dropped:?}");
        assert!(r.pre_units.is_empty());
        // `prepare` later gives Jobs a Sync hook only where none is set.
        let site_jobs_keep_their_phase =
            ann(&objs[0], "argocd.argoproj.io/hook") == Some("PreSync");
        assert!(site_jobs_keep_their_phase);
    }

    #[test]
    fn flux_orders_pre_hooks_and_leaves_out_delete_hooks() {
        let mut objs = sample();
        let r = map(Engine::Flux, &mut objs);
        let placed: Vec<(String, &str)> = objs
            .iter()
            .map(|f| {
                (
                    f.folder.clone(),
                    f.value
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            placed,
            vec![
                ("ks.pre-hooks".to_string(), "pre"),
                ("ks".to_string(), "db-sync"),
                ("ks.pre-hooks".to_string(), "keys"),
                ("ks".to_string(), "plain"),
            ]
        );
        assert_eq!(
            ann(&objs[2], "kustomize.toolkit.fluxcd.io/prune"),
            Some("disabled")
        );
        let dropped = &r.dropped["ks"];
        assert_eq!(dropped.len(), 3, "{dropped:?}");
        assert!(dropped[1].reason.contains("delete hook"), "{dropped:?}");
        assert!(r.adjusted["ks"][0].note.contains("delete policy"));
        assert_eq!(r.pre_units.iter().collect::<Vec<_>>(), vec!["ks"]);
        let mut units = vec![
            super::super::Unit {
                name: "cluster".into(),
                wave: -1,
                depends_on: vec![],
                timeout: "5m".into(),
                sops: false,
            },
            super::super::Unit {
                name: "ks".into(),
                wave: 1,
                depends_on: vec!["cluster".into(), "db".into()],
                timeout: "5m".into(),
                sops: true,
            },
        ];
        add_pre_units(&mut units, &r);
        let got: Vec<(&str, Vec<String>)> = units
            .iter()
            .map(|u| (u.name.as_str(), u.depends_on.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("cluster", vec![]),
                (
                    "ks",
                    vec!["cluster".into(), "db".into(), "ks.pre-hooks".into()]
                ),
                ("ks.pre-hooks", vec!["cluster".into(), "db".into()]),
            ]
        );
        let mut files = BTreeMap::new();
        files.insert(
            "_meta/ks.json".to_string(),
            "{\"service\": \"ks\"}\n".to_string(),
        );
        annotate_meta(&mut files, &r);
        assert!(files["_meta/ks.json"].contains("\"leftOut\""));
        assert_eq!(left_out(&files), 3);
    }

    #[test]
    fn own_argo_hooks_and_unknown_events() {
        let mut objs = vec![
            fin(
                "a",
                job(
                    "x",
                    json!({HOOK: "post-install", "argocd.argoproj.io/hook": "PostSync"}),
                ),
            ),
            fin("a", job("y", json!({HOOK: "crd-install"}))),
        ];
        let r = map(Engine::Argocd, &mut objs);
        assert_eq!(objs.len(), 1);
        assert_eq!(ann(&objs[0], "argocd.argoproj.io/hook"), Some("PostSync"));
        assert!(r.dropped["a"][0].reason.contains("unknown"));
    }
}
