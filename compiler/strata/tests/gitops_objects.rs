//! GitOps objects as a fleet uses them: Argo CD Applications of several sites in one Argo CD
//! do not collide and deploy where `gitops.server` says, Flux paths are normalized whatever
//! `gitops.path` looks like, and an object a site kustomization adds gets the site's namespace.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{copy_tree, edit, strata, workspace, yaml_docs};
use serde_json::Value;

/// `strata build --out OUT` in `root`, which must succeed.
fn build(root: &Path, out: &Path) {
    let out_s = out.display().to_string();
    let o = strata(root, &["build", "--out", &out_s]);
    assert!(
        o.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The objects of every `.yaml` file of `dir` (not recursive), by file name.
fn objects(dir: &Path) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = e.unwrap_or_else(|e| panic!("{e}")).path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".yaml") && name != "kustomization.yaml" {
            for doc in yaml_docs(&path) {
                out.insert(name.clone(), doc);
            }
        }
    }
    out
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Two sites on one Argo CD: every Application name (children and roots) is unique across the
/// fleet and a DNS label of at most 63 characters, even for long site names; children deploy to
/// the site's cluster (`gitops.server`, by URL or by registered name), the root to the cluster
/// Argo CD runs in.
#[test]
fn argocd_applications_of_two_sites_do_not_collide() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo");
    copy_tree(&workspace().join("golden-tests/gitops-argocd"), &repo);
    let long = "a-site-with-a-rather-long-name-that-fills-most-of-a-dns-label";
    for (site, server) in [
        ("demo2", "server: https://prod.example.org:6443"),
        (long, "server: prod-cluster"),
    ] {
        copy_tree(
            &repo.join("sites/demo"),
            &repo.join(format!("sites/{site}")),
        );
        let yaml = repo.join(format!("sites/{site}/site.yaml"));
        edit(&yaml, "name: demo\n", &format!("name: {site}\n"));
        edit(
            &yaml,
            "project: openstack\n",
            &format!("project: openstack\n    {server}\n"),
        );
    }
    let out = tmp.path().join("rendered");
    build(&repo, &out);

    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for site in ["demo", "demo2", long] {
        let apps = objects(&out.join(site).join("argocd"));
        assert!(apps.len() > 2, "{site}: {apps:?}");
        for (file, app) in &apps {
            let name = app["metadata"]["name"].as_str().unwrap_or("").to_string();
            assert!(is_dns_label(&name), "{site}/{file}: `{name}`");
            assert_eq!(app["metadata"]["labels"]["strata.io/site"], *site);
            if let Some(other) = names.insert(name.clone(), format!("{site}/{file}")) {
                panic!("Application `{name}` of {site}/{file} collides with {other}");
            }
            let dest = &app["spec"]["destination"];
            if file == "root.yaml" {
                assert_eq!(
                    dest["server"], "https://kubernetes.default.svc",
                    "{site}: {dest}"
                );
                assert_eq!(dest["namespace"], "argocd", "{site}: {dest}");
                continue;
            }
            assert_eq!(dest["namespace"], "demo", "{site}/{file}: {dest}");
            match site {
                "demo" => assert_eq!(dest["server"], "https://kubernetes.default.svc"),
                "demo2" => assert_eq!(dest["server"], "https://prod.example.org:6443"),
                _ => {
                    assert_eq!(dest["name"], "prod-cluster", "{dest}");
                    assert!(dest.get("server").is_none(), "{dest}");
                }
            }
        }
    }
    assert!(names.contains_key("demo-web") && names.contains_key("demo2-web"));
    assert!(names.contains_key("demo-root") && names.contains_key("demo2-cluster"));
}

/// `spec.path` of the Flux Kustomizations is `./` and a clean path relative to the repository
/// root, whatever `gitops.path` looks like (`./rendered/demo/` gave `././rendered/demo/web`).
#[test]
fn flux_paths_are_normalized() {
    for (path, expected) in [
        (None, "./rendered/demo/web"),
        (Some("./rendered/demo/"), "./rendered/demo/web"),
        (Some("rendered//demo"), "./rendered/demo/web"),
        (
            Some("./fleet/./sites/../rendered/demo"),
            "./fleet/rendered/demo/web",
        ),
        (Some("/clusters/demo"), "./clusters/demo/web"),
        (Some("."), "./web"),
        (Some("./"), "./web"),
    ] {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let repo = tmp.path().join("repo");
        copy_tree(&workspace().join("golden-tests/gitops-flux"), &repo);
        if let Some(p) = path {
            edit(
                &repo.join("sites/demo/site.yaml"),
                "    interval: 5m\n",
                &format!("    interval: 5m\n    path: \"{p}\"\n"),
            );
        }
        let out = tmp.path().join("rendered");
        build(&repo, &out);
        let ks = objects(&out.join("demo/flux"));
        assert_eq!(
            ks["web.yaml"]["spec"]["path"], expected,
            "gitops.path {path:?}"
        );
        for (file, k) in &ks {
            let p = k["spec"]["path"].as_str().unwrap_or("");
            assert!(
                p.starts_with("./") && !p[2..].contains("./") && !p.contains("//"),
                "gitops.path {path:?}: {file}: {p}"
            );
        }
    }
}

/// An object the site's `kustomization.yaml` adds without a namespace is placed in the site's
/// namespace, as every rendered object is; a cluster-scoped one gets none.
#[test]
fn objects_a_site_kustomization_adds_get_the_site_namespace() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo");
    copy_tree(&workspace().join("golden-tests/site-overlays"), &repo);
    let site = repo.join("sites/demo");
    // No namespace of its own (the golden case's file has none either; written here so that
    // the test does not depend on it).
    std::fs::write(
        site.join("extra-configmap.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-banner\n  labels:\n    strata.io/service: web\ndata:\n  banner.txt: hello\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        site.join("extra-role.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: web-reader\n  labels:\n    strata.io/service: web\nrules: []\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    edit(
        &site.join("kustomization.yaml"),
        "- extra-configmap.yaml\n",
        "- extra-configmap.yaml\n- extra-role.yaml\n",
    );
    let out = tmp.path().join("rendered");
    build(&repo, &out);
    let web = objects(&out.join("demo/web"));
    let banner = &web["configmap-web-banner.yaml"];
    assert_eq!(banner["metadata"]["namespace"], "demo", "{banner}");
    let role = &web["clusterrole-web-reader.yaml"];
    assert_eq!(role["kind"], "ClusterRole", "{web:?}");
    assert!(role["metadata"].get("namespace").is_none(), "{role}");
}
