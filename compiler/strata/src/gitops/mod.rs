//! GitOps output (`book/src/design/layout.md`): rollout in dependency order, straight from the
//! service graph.
//!
//! Input: a site's final objects (each with its service folder), its graph and the folders
//! that will be written. Output: the objects adjusted for the engine, and the extra files —
//! one Flux Kustomization or Argo CD Application per unit, and `_meta/`.
//!
//! Units: every service folder, plus the leading `cluster` unit holding the site's Namespaces
//! and CRDs, which every service depends on — so custom resources never fail a dry run for a
//! missing CRD, and namespaces exist before anything is applied into them.

pub mod argocd;
pub mod flux;
pub mod hooks;
pub mod meta;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::emit::Final;
use crate::graph::ServiceGraph;
use crate::model::{Catalog, Engine, Site};

/// The leading unit's folder and object name (reserved: no service may be called so).
pub const CLUSTER_UNIT: &str = "cluster";

/// What the GitOps writers need to know about one unit.
#[derive(Clone, Debug)]
pub struct Unit {
    /// Folder and object name.
    pub name: String,
    /// Rollout wave (`-1` for the cluster unit).
    pub wave: i64,
    /// Units it depends on, sorted.
    pub depends_on: Vec<String>,
    /// Readiness timeout.
    pub timeout: String,
    /// Whether its folder holds SOPS-encrypted files (Flux must decrypt).
    pub sops: bool,
}

fn kind_of(v: &Value) -> (&str, &str) {
    (
        v.get("apiVersion").and_then(Value::as_str).unwrap_or(""),
        v.get("kind").and_then(Value::as_str).unwrap_or(""),
    )
}

fn annotate(v: &mut Value, pairs: &[(&str, &str)]) {
    let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let ann = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(a) = ann.as_object_mut() {
        for (k, val) in pairs {
            a.entry(k.to_string())
                .or_insert_with(|| Value::String(val.to_string()));
        }
    }
}

/// Adjusts a site's objects for its engine: Namespaces and CRDs move to the cluster unit (a
/// Namespace for the site's namespace is added when no template renders one), objects that
/// must never be pruned get the engine's protective annotation, and Jobs get the annotations
/// that make the engine re-run them when they change (never hooks that wait for health).
pub fn prepare(site: &Site, objects: &mut Vec<Final>) {
    let engine = site.spec.gitops.engine;
    let has_ns = objects.iter().any(|Final { value: v, .. }| {
        kind_of(v) == ("v1", "Namespace")
            && v.pointer("/metadata/name").and_then(Value::as_str)
                == Some(site.spec.namespace.as_str())
    });
    if !has_ns {
        objects.push(Final {
            value: json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": site.spec.namespace}}),
            folder: CLUSTER_UNIT.to_string(),
            provenance: None,
            overlay: Vec::new(),
        });
    }
    for Final {
        value: v, folder, ..
    } in objects.iter_mut()
    {
        let (api, kind) = kind_of(v);
        let (api, kind) = (api.to_string(), kind.to_string());
        let leading = kind == "Namespace" && api == "v1"
            || kind == "CustomResourceDefinition" && api.starts_with("apiextensions.k8s.io/");
        if leading {
            *folder = CLUSTER_UNIT.to_string();
        }
        let protect = leading || (kind == "PersistentVolumeClaim" && api == "v1");
        match engine {
            Engine::Flux => {
                if protect {
                    annotate(v, &[("kustomize.toolkit.fluxcd.io/prune", "disabled")]);
                }
                if kind == "Job" && api == "batch/v1" {
                    // Jobs' pod templates are immutable: Flux recreates a changed Job, which
                    // runs it again; an unchanged Job is left alone.
                    annotate(v, &[("kustomize.toolkit.fluxcd.io/force", "enabled")]);
                }
            }
            Engine::Argocd => {
                if protect {
                    annotate(
                        v,
                        &[(
                            "argocd.argoproj.io/sync-options",
                            "Prune=false,Delete=false",
                        )],
                    );
                }
                if kind == "Job" && api == "batch/v1" {
                    // A Sync hook runs during the sync, in its wave, and is recreated each
                    // time; PostSync would wait for Deployments that wait for this Job.
                    annotate(
                        v,
                        &[
                            ("argocd.argoproj.io/hook", "Sync"),
                            (
                                "argocd.argoproj.io/hook-delete-policy",
                                "BeforeHookCreation",
                            ),
                        ],
                    );
                }
            }
            Engine::None => {}
        }
    }
}

/// The units of a site, in name order: the cluster unit and one per service.
pub fn units(
    site: &Site,
    graph: &ServiceGraph,
    catalog: &Catalog,
    sops_folders: &BTreeSet<String>,
) -> Vec<Unit> {
    let default_timeout = site
        .spec
        .gitops
        .timeout
        .clone()
        .unwrap_or_else(|| "10m".into());
    let mut out = vec![Unit {
        name: CLUSTER_UNIT.into(),
        wave: -1,
        depends_on: Vec::new(),
        timeout: default_timeout.clone(),
        sops: sops_folders.contains(CLUSTER_UNIT),
    }];
    for (name, wave) in &graph.waves {
        let mut deps: Vec<String> = graph
            .dependencies(name)
            .into_iter()
            .map(String::from)
            .collect();
        deps.push(CLUSTER_UNIT.into());
        deps.sort();
        deps.dedup();
        let timeout = catalog
            .services
            .get(name)
            .and_then(|s| s.spec.rollout.timeout.clone())
            .unwrap_or_else(|| default_timeout.clone());
        out.push(Unit {
            name: name.clone(),
            wave: i64::try_from(*wave).unwrap_or(i64::MAX),
            depends_on: deps,
            timeout,
            sops: sops_folders.contains(name),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The engine's files (`flux/…` or `argocd/…`), by path relative to the site folder.
pub fn files(site: &Site, units: &[Unit]) -> BTreeMap<String, String> {
    match site.spec.gitops.engine {
        Engine::Flux => flux::files(site, units),
        Engine::Argocd => argocd::files(site, units),
        Engine::None => BTreeMap::new(),
    }
}

/// The path of the site's rendered folder inside the Git repository the engine reads, relative
/// to the repository root and normalized (see [`repo_path`]): `rendered/<site>` unless
/// `gitops.path` says otherwise. Empty when the folder is the repository root.
pub fn site_path(site: &Site) -> String {
    match &site.spec.gitops.path {
        Some(p) => repo_path(&[p]),
        None => repo_path(&["rendered", &site.name]),
    }
}

/// Joins path parts into one path relative to the repository root, normalized the way both
/// engines read it: no empty or `.` segments (so no `./` repeats and no `//`, whatever the
/// user wrote in `gitops.path`), `..` resolved against the segments before it, no leading or
/// trailing `/`. A `..` that would climb above the root is kept, so the engine reports the
/// path as wrong instead of Strata silently pointing somewhere else.
pub fn repo_path(parts: &[&str]) -> String {
    let mut segs: Vec<&str> = Vec::new();
    for seg in parts.iter().flat_map(|p| p.split('/')) {
        match seg {
            "" | "." => {}
            ".." if segs.last().is_some_and(|l| *l != "..") => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    segs.join("/")
}

/// A `kustomization.yaml` listing `resources`.
pub fn kustomization(resources: &[String]) -> String {
    strata_yaml::emit(
        &json!({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": resources}),
        strata_yaml::KeyOrder::Kubernetes,
    )
}

#[cfg(test)]
mod tests {
    use super::repo_path;

    #[test]
    fn repo_paths_are_normalized() {
        for (parts, expected) in [
            (
                &["./rendered/prod-ostrava/", "glance"][..],
                "rendered/prod-ostrava/glance",
            ),
            (&["././rendered//x", "y"][..], "rendered/x/y"),
            (&["/abs/x/", "y"][..], "abs/x/y"),
            (&[".", "y"][..], "y"),
            (&["a/../b", "y"][..], "b/y"),
            (&["../up", "y"][..], "../up/y"),
            (&["", ""][..], ""),
        ] {
            assert_eq!(repo_path(parts), expected, "{parts:?}");
        }
    }
}
