//! Argo CD: one Application per unit with `argocd.argoproj.io/sync-wave` = the unit's wave,
//! sync options suited to rendered manifests, and an app-of-apps root.
//!
//! One Argo CD often serves a whole fleet, and Applications of every site live in its one
//! namespace: each Application is therefore named after its site too (`<site>-<unit>`, see
//! [`app_name`]). The children go to the site's cluster (`gitops.server`); the root, whose
//! resources are Applications, always goes to the cluster Argo CD runs in.
//!
//! Waves across Applications only hold when Argo CD knows an Application's health: the book
//! page "Argo CD" gives the `argocd-cm` health check that makes the root wait for each wave.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use strata_yaml::KeyOrder;

use super::{kustomization, repo_path, site_path, Unit};
use crate::model::Site;

/// The cluster Argo CD itself runs in, as Argo CD registers it by default.
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// Longest Application name: Argo CD copies the name into the `app.kubernetes.io/instance`
/// label of every resource it tracks, and a label value holds at most 63 characters.
const MAX_NAME: usize = 63;

/// The Application name of a unit (or of the root, `unit` = `root`): `<site>-<unit>`, unique
/// among the sites sharing one Argo CD. A name longer than 63 characters is cut and ends with
/// 8 hex digits of the full name's SHA-256, so that two long names stay apart. Site and unit
/// names are DNS labels, hence so is the result (no leading, trailing or doubled `-` is made).
pub fn app_name(site: &str, unit: &str) -> String {
    let full = format!("{site}-{unit}");
    if full.len() <= MAX_NAME {
        return full;
    }
    let hash: String = Sha256::digest(full.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    // ASCII only (DNS labels), so any byte index is a character boundary.
    let keep = full[..MAX_NAME - hash.len() - 1].trim_end_matches('-');
    format!("{keep}-{hash}")
}

/// Where a child Application deploys: `gitops.server` names the site's cluster, by API URL
/// (`destination.server`) or, when it is not a URL, by the cluster name registered in Argo CD
/// (`destination.name`); Argo CD wants exactly one of the two.
fn destination(server: Option<&str>, namespace: &str) -> Value {
    match server {
        Some(s) if !s.contains("://") => json!({"name": s, "namespace": namespace}),
        s => json!({"server": s.unwrap_or(IN_CLUSTER), "namespace": namespace}),
    }
}

struct Target {
    repo: String,
    revision: String,
    project: String,
    namespace: String,
}

fn target(site: &Site) -> Target {
    let g = &site.spec.gitops;
    Target {
        repo: g.repo_url.clone().unwrap_or_default(),
        revision: g.target_revision.clone().unwrap_or_else(|| "HEAD".into()),
        project: g.project.clone().unwrap_or_else(|| "default".into()),
        namespace: g.namespace.clone().unwrap_or_else(|| "argocd".into()),
    }
}

fn application(
    site: &Site,
    t: &Target,
    name: &str,
    path: &str,
    wave: Option<i64>,
    destination: Value,
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
            "destination": destination,
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
        &app_name(&site.name, &unit.name),
        &repo_path(&[&site_path(site), &unit.name]),
        Some(unit.wave),
        destination(site.spec.gitops.server.as_deref(), &site.spec.namespace),
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
/// the kustomization, so it does not manage itself. Its resources are Applications, which
/// Argo CD reads only in its own cluster and namespace: its destination is that, whatever
/// `gitops.server` says.
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
        &root_name(site, units),
        &repo_path(&[&site_path(site), "argocd"]),
        None,
        destination(None, &t.namespace),
        &["PruneLast=true"],
    );
    out.insert(
        "argocd/root.yaml".into(),
        strata_yaml::emit(&root, KeyOrder::Kubernetes),
    );
    out
}

/// The root's name: `<site>-root`, unless a service of the site is called `root` (its child
/// Application has that name), then the first free `<site>-root-<n>`.
fn root_name(site: &Site, units: &[Unit]) -> String {
    let taken: std::collections::BTreeSet<String> = units
        .iter()
        .map(|u| app_name(&site.name, &u.name))
        .collect();
    std::iter::once("root".to_string())
        .chain((1..).map(|n| format!("root-{n}")))
        .map(|r| app_name(&site.name, &r))
        .find(|n| !taken.contains(n))
        .unwrap_or_else(|| app_name(&site.name, "root"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_per_site_dns_labels_of_at_most_63_characters() {
        assert_eq!(app_name("prod-brno", "glance"), "prod-brno-glance");
        let site = "s".repeat(63);
        let (a, b) = (app_name(&site, "glance"), app_name(&site, "glance-api"));
        for n in [&a, &b] {
            assert_eq!(n.len(), 63, "{n}");
            assert!(!n.contains("--") || site.contains("--"), "{n}");
        }
        assert_ne!(a, b);
        // A cut that lands on a `-` does not leave `--` behind.
        let dashed = format!("{}-{}", "a".repeat(53), "b".repeat(9));
        let n = app_name(&dashed, "unit");
        assert!(n.starts_with(&format!("{}-", "a".repeat(53))), "{n}");
        assert!(!n.contains("--") && n.len() <= 63, "{n}");
    }

    #[test]
    fn destination_by_url_or_by_registered_name() {
        assert_eq!(
            destination(None, "os"),
            json!({"server": IN_CLUSTER, "namespace": "os"})
        );
        assert_eq!(
            destination(Some("https://10.0.0.1:6443"), "os"),
            json!({"server": "https://10.0.0.1:6443", "namespace": "os"})
        );
        assert_eq!(
            destination(Some("prod-brno"), "os"),
            json!({"name": "prod-brno", "namespace": "os"})
        );
    }
}
