//! Output validation from the command line:
//! - the Flux and Argo CD objects Strata writes for every reference site validate against the
//!   upstream CRDs in `../shared/crds` (skipped loudly without it; a failure under `CI=true`);
//! - a user's CRD folder works through `--schema-dir`, and a custom resource without a schema
//!   fails with E0502 until one is given.

mod common;

use common::{copy_tree, skip_or_fail, strata, workspace, yaml_docs};

#[test]
fn gitops_objects_validate_against_the_upstream_crds() {
    let crds = workspace().join("../shared/crds");
    if !crds.is_dir() {
        return skip_or_fail(
            "../shared/crds is absent; GitOps objects were not validated against the upstream CRDs",
        );
    }
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("rendered");
    let out_s = out.to_string_lossy().into_owned();
    let built = strata(&workspace(), &["build", "--out", &out_s]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );

    let mut checked = 0;
    let mut engines = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for site in std::fs::read_dir(&out)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        let meta = yaml_docs(&site.path().join("_meta/site.json"));
        let version = meta[0]["kubernetesVersion"]
            .as_str()
            .unwrap_or("1.31")
            .to_string();
        // The upstream CRDs (YAML, and their JSON Schema conversions) override Strata's bundled copies.
        let validator = strata_validate::Validator::new(&version, std::slice::from_ref(&crds), &[])
            .unwrap_or_else(|e| panic!("{e}"));
        for engine in ["flux", "argocd"] {
            let dir = site.path().join(engine);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            engines.insert(engine);
            for f in entries.flatten() {
                for doc in yaml_docs(&f.path()) {
                    // The folder's kustomization.yaml is for kustomize, not the API server.
                    if doc["apiVersion"].as_str() == Some("kustomize.config.k8s.io/v1beta1") {
                        continue;
                    }
                    checked += 1;
                    for v in validator.validate(&doc) {
                        failures.push(format!("{}: {v}", f.path().display()));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 20, "only {checked} GitOps objects were checked");
    assert_eq!(
        engines.len(),
        2,
        "the reference sites should use both engines: {engines:?}"
    );
}

#[test]
fn schema_dir_adds_a_users_crds() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo");
    copy_tree(&workspace().join("golden-tests/custom-resources"), &repo);
    // The CRD moves out of the repository's schemas/crds/ into a folder of the user's.
    let user_crds = tmp.path().join("user-crds");
    std::fs::rename(repo.join("schemas/crds"), &user_crds).unwrap_or_else(|e| panic!("{e}"));
    let widget = repo.join("services/web/templates/widget.yaml.j2");
    let text = std::fs::read_to_string(&widget).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&widget, text.replace("purple", "green")).unwrap_or_else(|e| panic!("{e}"));

    let without = strata(&repo, &["validate"]);
    let err = String::from_utf8_lossy(&without.stderr);
    assert_eq!(without.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[E0502]: Widget demo/web-widget"),
        "{err}"
    );
    assert!(
        err.contains("services/web/templates/widget.yaml.j2"),
        "{err}"
    );

    let dir = user_crds.to_string_lossy().into_owned();
    let with = strata(&repo, &["validate", "--schema-dir", &dir]);
    assert!(
        with.status.success(),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );

    // And the build writes it.
    let out = tmp.path().join("out").to_string_lossy().into_owned();
    let built = strata(&repo, &["build", "--out", &out, "--schema-dir", &dir]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    assert!(tmp
        .path()
        .join("out/demo/web/widget-web-widget.yaml")
        .is_file());

    // Allowed without a schema: listed in the site.
    let site = repo.join("sites/demo/site.yaml");
    let text = std::fs::read_to_string(&site).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        &site,
        text.replace(
            "  layers: [common]\n",
            "  layers: [common]\n  validation:\n    allowedKinds: [example.org/v1/Widget]\n",
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let allowed = strata(&repo, &["validate"]);
    assert!(
        allowed.status.success(),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
}

#[test]
fn invalid_output_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("out");
    let out_s = out.to_string_lossy().into_owned();
    let r = strata(
        &workspace().join("golden-tests/invalid-output"),
        &["build", "--out", &out_s],
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(!out.exists(), "a failed build must not write");
}
