//! Argo CD: one Application per unit with `argocd.argoproj.io/sync-wave` = the unit's wave,
//! sync options suited to rendered manifests, and an app-of-apps root.
//!
//! Waves across Applications only hold when Argo CD knows an Application's health: the book
//! page "Argo CD" gives the `argocd-cm` health check that makes the root wait for each wave.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use strata_yaml::KeyOrder;

use super::{kustomization, site_path, Unit};
use crate::model::Site;

struct Target {
    repo: String,
    revision: String,
    project: String,
    server: String,
    namespace: String,
}

fn target(site: &Site) -> Target {
    let g = &site.spec.gitops;
    Target {
        repo: g.repo_url.clone().unwrap_or_default(),
        revision: g.target_revision.clone().unwrap_or_else(|| "HEAD".into()),
        project: g.project.clone().unwrap_or_else(|| "default".into()),
        server: g
            .server
            .clone()
            .unwrap_or_else(|| "https://kubernetes.default.svc".into()),
        namespace: g.namespace.clone().unwrap_or_else(|| "argocd".into()),
    }
}

fn application(
    site: &Site,
    t: &Target,
    name: &str,
    path: &str,
    wave: Option<i64>,
    dest_ns: &str,
    sync_options: &[&str],
) -> Value {
    let mut metadata = json!({
        "name": name,
        "namespace": t.namespace,
        "labels": {"app.kubernetes.io/managed-by": "strata", "strata.io/site": site.name},
        // Deleting an Application deletes what it manages, in order.
        "finalizers": ["resources-finalizer.argocd.argoproj.io"],
    });
    if let Some(w) = wave {
        metadata["annotations"] = json!({"argocd.argoproj.io/sync-wave": w.to_string()});
    }
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": metadata,
        "spec": {
            "project": t.project,
            "source": {"repoURL": t.repo, "targetRevision": t.revision, "path": path},
            "destination": {"server": t.server, "namespace": dest_ns},
            "syncPolicy": {
                "automated": {"prune": site.spec.gitops.prune.unwrap_or(true), "selfHeal": true},
                "syncOptions": sync_options,
                "retry": {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"}},
            },
        },
    })
}

/// The Application of one unit.
pub fn object(site: &Site, unit: &Unit) -> Value {
    let t = target(site);
    // Rendered manifests are complete objects: server-side apply avoids the annotation size
    // limit of client-side apply (large ConfigMaps) and prunes happen after everything else
    // is healthy.
    application(
        site,
        &t,
        &unit.name,
        &format!("{}/{}", site_path(site), unit.name),
        Some(unit.wave),
        &site.spec.namespace,
        &[
            "ServerSideApply=true",
            "PruneLast=true",
            "RespectIgnoreDifferences=true",
        ],
    )
}

/// `argocd/<unit>.yaml` per unit, `argocd/kustomization.yaml` listing them, and
/// `argocd/root.yaml`: the app-of-apps Application that syncs the `argocd/` folder. The
/// root is applied once by hand (`kubectl apply -f argocd/root.yaml`) and is not listed in
/// the kustomization, so it does not manage itself.
pub fn files(site: &Site, units: &[Unit]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut names = Vec::new();
    for u in units {
        let file = format!("{}.yaml", u.name);
        out.insert(
            format!("argocd/{file}"),
            strata_yaml::emit(&object(site, u), KeyOrder::Kubernetes),
        );
        names.push(file);
    }
    names.sort();
    out.insert("argocd/kustomization.yaml".into(), kustomization(&names));
    let t = target(site);
    let root = application(
        site,
        &t,
        &format!("{}-root", site.name),
        &format!("{}/argocd", site_path(site)),
        None,
        &t.namespace,
        &["PruneLast=true"],
    );
    out.insert(
        "argocd/root.yaml".into(),
        strata_yaml::emit(&root, KeyOrder::Kubernetes),
    );
    out
}
