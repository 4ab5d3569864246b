//! Provenance through the overlay stage (`strata explain`), overlay conflict warnings (E0402,
//! `--deny-warnings`) and `strata drift`, on the reference sites and on scratch copies of them
//! with planted values.

mod common;

use std::path::Path;

use common::{copy_tree, strata, workspace};

/// A scratch copy of the reference repository's inputs.
fn reference_copy(dir: &Path) {
    for part in ["services", "sites", "overlays", "schemas"] {
        copy_tree(&workspace().join(part), &dir.join(part));
    }
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let p = root.join(rel);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert!(text.contains(from), "{rel} has no `{from}`");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{rel}: {e}"));
}

fn run(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = strata(root, args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The line of `needle` (1-based) in a file of the repository.
fn line_of(root: &Path, rel: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(root.join(rel)).unwrap_or_default();
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{rel} has no `{needle}`"))
}

#[test]
fn explain_names_the_ha_overlay_for_a_replica_count_it_set() {
    // prod-brno applies ha (through the tier-production layer); magnum-conductor is scalable
    // and its values leave it at 1 replica, which the overlay raises to 3.
    let root = workspace();
    let (code, out, err) = run(
        &root,
        &[
            "explain",
            "prod-brno",
            "Deployment/magnum-conductor",
            "spec.replicas",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let line = line_of(
        &root,
        "overlays/ha/kustomization.yaml",
        "path: /spec/replicas",
    );
    assert!(
        out.contains(&format!("overlays/ha/kustomization.yaml:{line}:")),
        "{out}"
    );
    assert!(
        out.contains("JSON 6902 replace /spec/replicas): 1 → 3"),
        "{out}"
    );
    // The values chain is still there, before the overlays.
    assert!(out.contains("rendered from services/magnum/"), "{out}");
}

#[test]
fn explain_names_the_air_gapped_overlay_for_a_rewritten_image() {
    // edge-north1 applies air-gapped; keystone's image comes from the service default and the
    // overlay's `images` entry rewrites it.
    let root = workspace();
    let (code, out, err) = run(
        &root,
        &[
            "explain",
            "edge-north1",
            "Deployment/keystone-api",
            "spec.template.spec.containers[0].image",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let line = line_of(
        &root,
        "overlays/air-gapped/kustomization.yaml",
        "- name: quay.io/airshipit/keystone",
    );
    assert!(
        out.contains(&format!(
            "overlays/air-gapped/kustomization.yaml:{line}:3 images[8] quay.io/airshipit/keystone: quay.io/airshipit/keystone:"
        )),
        "{out}"
    );
    assert!(
        out.contains("→ registry.local:9001/airshipit/keystone:"),
        "{out}"
    );
    assert!(
        out.contains("set by services/keystone/service.yaml"),
        "{out}"
    );
}

#[test]
fn explain_says_a_field_was_added_by_an_overlay() {
    let root = workspace();
    let (code, out, err) = run(
        &root,
        &[
            "explain",
            "prod-brno",
            "Deployment/keystone-api",
            "spec.template.spec.topologySpreadConstraints",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("added by an overlay (no template renders it)"),
        "{out}"
    );
    assert!(!out.contains("rendered from"), "{out}");
    let line = line_of(
        &root,
        "overlays/ha/kustomization.yaml",
        "path: /spec/template/spec/topologySpreadConstraints",
    );
    assert!(
        out.contains(&format!("overlays/ha/kustomization.yaml:{line}:")),
        "{out}"
    );
}

#[test]
fn explain_says_a_field_was_removed_by_an_overlay() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path();
    reference_copy(root);
    std::fs::write(
        root.join("sites/prod-brno/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\npatches:\n- target:\n    kind: Deployment\n    name: keystone-api\n  patch: |-\n    - op: remove\n      path: /spec/revisionHistoryLimit\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (code, out, err) = run(
        root,
        &[
            "explain",
            "prod-brno",
            "Deployment/keystone-api",
            "spec.revisionHistoryLimit",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("is not set"), "{out}");
    assert!(out.contains("removed by an overlay"), "{out}");
    assert!(
        out.contains("sites/prod-brno/kustomization.yaml:9:7 patches[0] (JSON 6902 remove /spec/revisionHistoryLimit): 3 → (removed)"),
        "{out}"
    );
}

#[test]
fn explain_traces_an_ini_option_to_the_site_line() {
    let root = workspace();
    let site_line = line_of(
        &root,
        "sites/prod-ostrava/site.yaml",
        "cpu_allocation_ratio: 2.0",
    );
    let (code, out, err) = run(
        &root,
        &[
            "explain",
            "prod-ostrava",
            "ConfigMap/nova-etc",
            "data.nova.conf",
            "--key",
            "DEFAULT.cpu_allocation_ratio",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("[DEFAULT] cpu_allocation_ratio = 2.0"),
        "{out}"
    );
    assert!(
        out.contains(&format!("set by sites/prod-ostrava/site.yaml:{site_line}:")),
        "{out}"
    );
    assert!(
        out.contains("overriding 4.0 from services/nova/service.yaml"),
        "{out}"
    );
    // Without --key: every option set in a values document, with its line.
    let (_, all, _) = run(
        &root,
        &[
            "explain",
            "prod-ostrava",
            "ConfigMap/nova-etc",
            "data.nova.conf",
        ],
    );
    assert!(all.contains("options set in values"), "{all}");
    assert!(
        all.contains(&format!(
            "[DEFAULT] cpu_allocation_ratio = 2.0 ◀ sites/prod-ostrava/site.yaml:{site_line}:"
        )),
        "{all}"
    );
}

#[test]
fn an_overlay_overriding_an_explicit_site_value_warns() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path();
    reference_copy(root);
    // Without the planted value: no conflict (the layer's 3 equals what ha sets).
    let (code, _, err) = run(root, &["validate", "prod-brno"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("E0402"), "{err}");
    edit(
        root,
        "sites/prod-brno/site.yaml",
        "    heat: {}\n",
        "    heat: {}\n    keystone:\n      values:\n        api: {replicas: 5}\n",
    );
    let site_line = line_of(root, "sites/prod-brno/site.yaml", "api: {replicas: 5}");
    let overlay_line = line_of(
        root,
        "overlays/ha/kustomization.yaml",
        "path: /spec/replicas",
    );
    for cmd in ["validate", "build"] {
        let out_dir = root.join("out");
        let mut args = vec![cmd, "prod-brno"];
        let out_arg = out_dir.display().to_string();
        if cmd == "build" {
            args.extend(["--out", &out_arg]);
        }
        let (code, _, err) = run(root, &args);
        assert_eq!(
            code, 0,
            "{cmd}: a warning never changes the exit code\n{err}"
        );
        assert!(err.contains("warning[E0402]"), "{cmd}: {err}");
        assert!(
            err.contains("`keystone.values.api.replicas: 5` (site prod-brno): it sets 3 in Deployment openstack/keystone-api spec.replicas"),
            "{err}"
        );
        assert!(
            err.contains(&format!("--> sites/prod-brno/site.yaml:{site_line}:")),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "::: overlays/ha/kustomization.yaml:{overlay_line}:"
            )),
            "{err}"
        );
        assert!(err.contains("help: the overlay wins"), "{err}");
        args.push("--deny-warnings");
        let (code, _, err) = run(root, &args);
        assert_eq!(code, 2, "{cmd} --deny-warnings\n{err}");
        assert!(err.contains("error[E0402]"), "{err}");
    }
    // explain shows the whole story: the site's 5, then the overlay's 3.
    let (_, out, _) = run(
        root,
        &[
            "explain",
            "prod-brno",
            "Deployment/keystone-api",
            "spec.replicas",
        ],
    );
    assert!(out.contains("set by sites/prod-brno/site.yaml"), "{out}");
    assert!(out.contains("5 → 3"), "{out}");
}

#[test]
fn recording_off_gives_the_same_build_and_no_conflict() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path();
    reference_copy(root);
    edit(
        root,
        "sites/prod-brno/site.yaml",
        "    heat: {}\n",
        "    heat: {}\n    keystone:\n      values:\n        api: {replicas: 5}\n",
    );
    let a = root.join("a");
    let b = root.join("b");
    let (code, _, err) = run(root, &["build", "--out", &a.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_OVERLAY_PROVENANCE", "off")
        .arg("--root")
        .arg(root)
        .args(["build", "--out", &b.display().to_string()])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("E0402"));
    let tree = |d: &Path| {
        walkdir::WalkDir::new(d)
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path()
                        .strip_prefix(d)
                        .map(Path::to_path_buf)
                        .unwrap_or_default(),
                    std::fs::read(e.path()).unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(tree(&a) == tree(&b), "recording changed the output");
}

#[test]
fn drift_reports_a_planted_dead_override_and_a_planted_common_value() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path();
    reference_copy(root);
    // Dead: tier-production already gives glance's API 3 replicas.
    edit(
        root,
        "sites/prod-ostrava/site.yaml",
        "    keystone:\n",
        "    glance:\n      values:\n        api: {replicas: 3}\n    keystone:\n",
    );
    // Common: both production sites set the same site-wide value, which no layer sets.
    for site in ["prod-brno", "prod-ostrava"] {
        edit(
            root,
            &format!("sites/{site}/site.yaml"),
            "\n  values:\n",
            "\n  values:\n    ingress: {className: nginx-prod}\n",
        );
    }
    let (code, out, err) = run(root, &["drift", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let ostrava = v["sites"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["site"] == "prod-ostrava"))
        .cloned()
        .unwrap_or_default();
    let line = line_of(root, "sites/prod-ostrava/site.yaml", "api: {replicas: 3}");
    assert!(
        ostrava["dead"]
            .as_array()
            .is_some_and(|d| d.iter().any(|x| {
                x["path"] == "services.glance.values.api.replicas"
                    && x["value"] == 3
                    && x["inherited"] == 3
                    && x["at"] == format!("sites/prod-ostrava/site.yaml:{line}:25")
                    && x["inheritedAt"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("sites/_layers/tier-production.yaml:"))
            })),
        "{ostrava:#}"
    );
    assert!(
        v["candidates"]
            .as_array()
            .is_some_and(|c| c.iter().any(|x| {
                x["layer"] == "tier-production"
                    && x["path"] == "values.ingress.className"
                    && x["value"] == "nginx-prod"
                    && x["sites"] == serde_json::json!(["prod-brno", "prod-ostrava"])
            })),
        "{:#}",
        v["candidates"]
    );
    // The common value is an override in each site, with what the layers give.
    assert!(out.contains("\"inherited\": \"nginx-openstack\""), "{out}");
    // --check fails on dead overrides; text and markdown name the planted ones.
    let (code, text, _) = run(root, &["drift", "prod-ostrava", "--check"]);
    assert_eq!(code, 1);
    assert!(
        text.contains("services.glance.values.api.replicas = 3  at sites/prod-ostrava/site.yaml"),
        "{text}"
    );
    let (code, md, _) = run(root, &["drift", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(md.contains("| tier-production | `values.ingress.className` | `nginx-prod` | prod-brno, prod-ostrava |"), "{md}");
}

#[test]
fn drift_check_passes_without_dead_overrides() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path();
    copy_tree(&workspace().join("golden-tests/minimal-site"), root);
    let (code, out, err) = run(root, &["drift", "--check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("dead overrides: none"), "{out}");
}
