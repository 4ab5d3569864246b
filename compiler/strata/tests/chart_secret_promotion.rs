//! Credentials a chart puts outside its Secrets, end to end on the golden case
//! `golden-tests/chart-secret-promotion` (a ConfigMap with a password in a config file,
//! read by volume, projected source, `envFrom` and `configMapKeyRef`; environment values
//! holding a secret value plainly and URL-encoded; a Secret declared in `chart.plainSecrets`;
//! one site on the external backend with a registry mirror, one on SOPS):
//! * neither a placeholder nor a chart default password reaches the output;
//! * the ExternalSecrets' templates, filled the way the External Secrets Operator fills them,
//!   give what Helm renders with the real values (the ConfigMap's data, the environment
//!   values);
//! * the generated objects validate against the upstream CRDs in `../shared/crds` (skipped
//!   loudly without it; a failure under `CI=true`).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{fill, helm_template_app, skip_or_fail, strata, workspace, yaml_docs, yaml_stream};
use serde_json::Value;

fn case() -> std::path::PathBuf {
    workspace().join("golden-tests/chart-secret-promotion")
}

fn build(out: &Path) -> BTreeMap<String, String> {
    let out_s = out.to_string_lossy().into_owned();
    let r = strata(&case(), &["build", "--out", &out_s]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    walkdir::WalkDir::new(out)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(out).unwrap_or(e.path());
            (
                rel.to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn no_placeholder_or_default_credential_reaches_the_output() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let files = build(&tmp.path().join("out"));
    for (path, text) in &files {
        assert!(!text.contains("strata~secret~"), "placeholder in {path}");
        assert!(!text.contains("changeme"), "a chart default in {path}");
    }
    // The ConfigMap became a Secret on both sites; the one without credentials stayed.
    assert!(files.contains_key("ext/app/externalsecret-app-etc.yaml"));
    assert!(files.contains_key("sops/app/app-etc.sops.yaml"));
    assert!(files.contains_key("sops/app/app-strata-env.sops.yaml"));
    assert!(!files.keys().any(|p| p.contains("configmap-app-etc")));
    assert!(files.contains_key("ext/app/configmap-app-bin.yaml"));
    // The accepted plain Secret is written as it is.
    assert!(files.contains_key("ext/app/secret-app-conf.yaml"));
    assert!(files["ext/_meta/app.json"].contains("\"chartSecrets\""));
}

#[test]
fn external_secret_templates_give_what_helm_renders_with_the_real_values() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let files = build(&tmp.path().join("out"));
    let password = "p@ss word/+\"x";
    let cookie = "c00kie&=";
    let mut values = BTreeMap::new();
    values.insert("app_db_password", password);
    values.insert("app_cookie_cookie", cookie);
    // Helm's rendering with the real values, with the ext site's value.
    let set = format!(
        "auth.admin.password={password},cookie={cookie},host_fqdn_override.public=db.ext.example.org"
    );
    let docs = helm_template_app(&case(), &set);
    let find = |kind: &str, name: &str| -> &Value {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("Helm rendered no {kind} {name}"))
    };
    let filled = |file: &str| -> BTreeMap<String, String> {
        let es = yaml_stream(&files[file]).unwrap_or_else(|e| panic!("{e}"));
        es[0]["spec"]["target"]["template"]["data"]
            .as_object()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|(k, v)| (k.clone(), fill(v.as_str().unwrap_or_default(), &values)))
            .collect()
    };
    // The ConfigMap's data, key by key.
    let cm: BTreeMap<String, String> = find("ConfigMap", "app-etc")["data"]
        .as_object()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    assert_eq!(filled("ext/app/externalsecret-app-etc.yaml"), cm);
    // Each rewritten environment variable reads the value Helm put in the plain one.
    let env_secret = filled("ext/app/externalsecret-app-strata-env.yaml");
    let ours = yaml_stream(&files["ext/app/deployment-app-api.yaml"])
        .unwrap_or_else(|e| panic!("{e}"))
        .remove(0);
    let ours_job = yaml_stream(&files["ext/app/job-app-wait.yaml"])
        .unwrap_or_else(|e| panic!("{e}"))
        .remove(0);
    let mut checked = 0;
    for (helm, ours) in [
        (find("Deployment", "app-api"), &ours),
        (find("Job", "app-wait"), &ours_job),
    ] {
        let spec = &helm["spec"]["template"]["spec"];
        for list in ["initContainers", "containers"] {
            for (i, c) in spec[list].as_array().into_iter().flatten().enumerate() {
                for (j, e) in c["env"].as_array().into_iter().flatten().enumerate() {
                    let Some(value) = e["value"].as_str() else {
                        continue;
                    };
                    let mine = &ours["spec"]["template"]["spec"][list][i]["env"][j];
                    match mine["valueFrom"]["secretKeyRef"]["key"].as_str() {
                        Some(key) => {
                            assert_eq!(mine["valueFrom"]["secretKeyRef"]["name"], "app-strata-env");
                            assert_eq!(env_secret[key], value, "{list}[{i}] {}", e["name"]);
                            checked += 1;
                        }
                        None => assert_eq!(mine["value"], e["value"]),
                    }
                }
            }
        }
    }
    assert_eq!(checked, 4, "COOKIE twice, DB_URL, the Job's COOKIE");
}

#[test]
fn generated_objects_validate_against_the_upstream_crds() {
    let crds = workspace().join("../shared/crds");
    if !crds.is_dir() {
        return skip_or_fail(
            "../shared/crds is absent; promoted chart ExternalSecrets were not validated against the upstream CRDs",
        );
    }
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("out");
    let files = build(&out);
    let validator = strata_validate::Validator::new("1.31", std::slice::from_ref(&crds), &[])
        .unwrap_or_else(|e| panic!("{e}"));
    let mut external = 0;
    let mut failures = Vec::new();
    for path in files.keys() {
        if !path.ends_with(".yaml") || path.ends_with("kustomization.yaml") {
            continue;
        }
        for doc in yaml_docs(&out.join(path)) {
            if doc.get("sops").is_some() {
                continue;
            }
            if doc["kind"] == "ExternalSecret" {
                external += 1;
            }
            for v in validator.validate(&doc) {
                failures.push(format!("{path}: {v}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(external, 2, "app-etc and app-strata-env");
}
