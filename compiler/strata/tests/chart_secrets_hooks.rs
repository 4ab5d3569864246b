//! Chart services' secrets and Helm hooks, end to end on the golden case
//! `golden-tests/chart-secrets-hooks` (a chart with two Secrets built from secret values, a
//! Secret Helm keeps, pre-install/post-install/pre-delete Job hooks and a test Pod; one Argo CD
//! site on the external backend, one Flux site on SOPS):
//! * the ExternalSecrets, Flux Kustomizations (the pre-hooks unit included) and Argo CD
//!   Applications validate against the upstream CRDs in `../shared/crds` (skipped loudly
//!   without it; a failure under `CI=true`);
//! * neither a placeholder nor the chart's default password reaches the output;
//! * the ExternalSecret's template, filled the way the External Secrets Operator fills it,
//!   gives the Secret Helm renders with the real values;
//! * two builds are byte-identical.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{fill, skip_or_fail, strata, workspace, yaml_docs};

fn case() -> std::path::PathBuf {
    workspace().join("golden-tests/chart-secrets-hooks")
}

fn build(out: &Path) -> BTreeMap<String, String> {
    let out_s = out.to_string_lossy().into_owned();
    let r = strata(&case(), &["build", "--out", &out_s]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let mut files = BTreeMap::new();
    for e in walkdir::WalkDir::new(out)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(out)
                .unwrap_or(e.path())
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            files.insert(rel, text);
        }
    }
    files
}

#[test]
fn no_placeholder_or_default_secret_reaches_the_output_and_builds_repeat() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let a = build(&tmp.path().join("a"));
    let b = build(&tmp.path().join("b"));
    assert_eq!(a, b, "two builds differ");
    for (path, text) in &a {
        assert!(!text.contains("strata~secret~"), "placeholder in {path}");
        assert!(
            !text.contains("changeme"),
            "the chart's default password in {path}"
        );
    }
    // The test hook and the Flux delete hook are left out, and listed.
    assert!(!a.keys().any(|p| p.contains("pod-app-test")));
    assert!(!a.contains_key("sops/app/job-app-db-drop.yaml"));
    assert!(a.contains_key("ext/app/job-app-db-drop.yaml"));
    assert!(a["sops/_meta/app.json"].contains("Job apps/app-db-drop"));
    assert!(a.contains_key("sops/app.pre-hooks/job-app-migrate.yaml"));
    // The SOPS files replace the chart's Secrets on the SOPS site.
    assert!(a.contains_key("sops/app/app-etc.sops.yaml"));
    assert!(!a
        .keys()
        .any(|p| p.starts_with("sops/") && p.contains("secret-app-etc")));
}

#[test]
fn external_secret_templates_give_what_helm_renders_with_the_real_values() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let files = build(&tmp.path().join("out"));
    let password = "p@ss word/+\"x";
    // `"` in a value the chart prints with `quote`: the template must re-apply it.
    let key = "k\"3y";
    let mut values = BTreeMap::new();
    values.insert("app_db_password", password);
    values.insert("app_memcache_key", key);
    // Helm's own rendering of the chart with the real values.
    let set = format!("auth.admin.password={password},cache.secret_key={key}");
    let helm_docs = common::helm_template_app(&case(), &set);
    let helm_secret = |name: &str| -> BTreeMap<String, String> {
        let s = helm_docs
            .iter()
            .find(|d| d["kind"] == "Secret" && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("Helm rendered no Secret {name}"));
        let mut m = BTreeMap::new();
        if let Some(data) = s["data"].as_object() {
            use base64::Engine as _;
            for (k, v) in data {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v.as_str().unwrap_or_default())
                    .unwrap_or_default();
                m.insert(k.clone(), String::from_utf8(bytes).unwrap_or_default());
            }
        }
        if let Some(data) = s["stringData"].as_object() {
            for (k, v) in data {
                m.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
            }
        }
        m
    };
    for name in ["app-admin", "app-etc"] {
        let es = common::yaml_stream(&files[&format!("ext/app/externalsecret-{name}.yaml")])
            .unwrap_or_else(|e| panic!("{e}"));
        let template = es[0]["spec"]["target"]["template"]["data"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let filled: BTreeMap<String, String> = template
            .iter()
            .map(|(k, v)| (k.clone(), fill(v.as_str().unwrap_or_default(), &values)))
            .collect();
        assert_eq!(filled, helm_secret(name), "Secret {name}");
    }
}

#[test]
fn generated_objects_validate_against_the_upstream_crds() {
    let crds = workspace().join("../shared/crds");
    if !crds.is_dir() {
        return skip_or_fail(
            "../shared/crds is absent; chart ExternalSecrets were not validated against the upstream CRDs",
        );
    }
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("out");
    let files = build(&out);
    let validator = strata_validate::Validator::new("1.31", std::slice::from_ref(&crds), &[])
        .unwrap_or_else(|e| panic!("{e}"));
    let mut checked = BTreeMap::<String, usize>::new();
    let mut failures = Vec::new();
    for path in files.keys() {
        if !path.ends_with(".yaml") || path.ends_with("kustomization.yaml") {
            continue;
        }
        for doc in yaml_docs(&out.join(path)) {
            let kind = doc["kind"].as_str().unwrap_or_default().to_string();
            if doc.get("sops").is_some() {
                continue; // encrypted, for Flux to decrypt
            }
            *checked.entry(kind).or_default() += 1;
            for v in validator.validate(&doc) {
                failures.push(format!("{path}: {v}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for kind in ["ExternalSecret", "Kustomization", "Application", "Job"] {
        assert!(checked.contains_key(kind), "no {kind} checked: {checked:?}");
    }
}

#[test]
fn strata_secrets_lists_the_store_entries_of_secret_chart_values() {
    let r = strata(&case(), &["secrets", "ext"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(out.contains("2 Secrets, backend external"), "{out}");
    for (secret, key) in [("app-db", "password"), ("app-memcache", "key")] {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(secret))
            .unwrap_or_else(|| panic!("{secret} not listed: {out}"));
        assert!(line.contains(key) && line.contains("app"), "{line}");
    }
}
