//! `strata plan` on a scratch git repository made from this repository's reference sites: an
//! image bump in the global layer, as text, markdown and JSON, compared with the recorded
//! output in `tests/plan/` (`STRATA_GOLDEN_UPDATE=1` re-records it; review the diff with git);
//! exit codes 0/1/2; the markdown bound; what needs care; no secret material.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{copy_tree, edit, git, strata, workspace};
use serde_json::Value;

/// `strata plan --base HEAD ARGS…`, which must exit with `code`.
fn plan(repo: &Path, args: &[&str], code: i32) -> Output {
    let mut all = vec!["plan", "--base", "HEAD"];
    all.extend_from_slice(args);
    let out = strata(repo, &all);
    assert_eq!(
        out.status.code(),
        Some(code),
        "plan {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn expected_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plan")
}

/// Compares `actual` with the recorded file, or records it under `STRATA_GOLDEN_UPDATE=1`.
fn golden(file: &str, actual: &str) {
    let path = expected_dir().join(file);
    if std::env::var("STRATA_GOLDEN_UPDATE").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(expected_dir()).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (record it with STRATA_GOLDEN_UPDATE=1)",
            path.display()
        )
    });
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        panic!(
            "{} differs (re-record with STRATA_GOLDEN_UPDATE=1 if intended):\n{diff}",
            path.display()
        );
    }
}

fn reference_repo(tmp: &Path) -> PathBuf {
    let repo = tmp.join("repo");
    for dir in ["services", "sites", "overlays", "schemas"] {
        copy_tree(&workspace().join(dir), &repo.join(dir));
    }
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "base"]);
    repo
}

const SITES: [&str; 2] = ["edge-north1", "prod-brno"];

/// The acceptance scenario: an image bump in the global layer lists, per site, the waves in
/// order with the restarting workloads and re-running Jobs.
#[test]
fn image_bump_in_the_global_layer() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = reference_repo(tmp.path());
    // No change: exit 0.
    let out = plan(&repo, &[], 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no change"));

    edit(
        &repo.join("sites/_layers/global.yaml"),
        "tag: 2025.1-ubuntu_noble",
        "tag: 2025.1.1-ubuntu_noble",
    );
    let run = |format: &str| {
        let mut args = vec!["--format", format];
        args.extend(SITES);
        String::from_utf8(plan(&repo, &args, 1).stdout).unwrap_or_default()
    };
    let text = run("text");
    let md = run("markdown");
    let json = run("json");

    // What the acceptance asks, checked directly as well as through the recorded output.
    let v: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
    let sites = v["sites"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        sites.iter().map(|s| s["site"].clone()).collect::<Vec<_>>(),
        vec![Value::from("edge-north1"), Value::from("prod-brno")]
    );
    for s in &sites {
        let waves: Vec<i64> = s["waves"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|w| w["wave"].as_i64())
            .collect();
        let mut sorted = waves.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(waves, sorted, "waves out of order in {}", s["site"]);
        let find = |name: &str| {
            s["waves"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|w| w["changes"].as_array().cloned().unwrap_or_default())
                .find(|c| c["name"] == name)
                .map(|c| c["classes"].clone())
        };
        assert_eq!(find("keystone-api"), Some(serde_json::json!(["restart"])));
        assert_eq!(find("keystone-db-sync"), Some(serde_json::json!(["rerun"])));
    }
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("`{s}` not in the plan:\n{text}"))
    };
    assert!(at("edge-north1 wave 1: keystone") < at("edge-north1 wave 2: glance, placement"));
    assert!(at("prod-brno wave 0: mariadb") < at("prod-brno wave 1: keystone"));
    at("restart  Deployment openstack/keystone-api (keystone): image registry.local:9001/airshipit/keystone: 2025.1-ubuntu_noble → 2025.1.1-ubuntu_noble");
    at("re-run   Job openstack/keystone-db-sync (keystone)");

    golden("expected.txt", &text);
    golden("expected.md", &md);
    golden("expected.json", &json);

    // A merge-request comment: a hard bound, whole wave sections left out, a note saying so.
    for max in [500, 10_000] {
        let mut args = vec!["--format", "markdown", "--max-bytes"];
        let n = max.to_string();
        args.push(&n);
        let out = plan(&repo, &args, 1);
        assert!(out.stdout.len() <= max, "{max}: {} bytes", out.stdout.len());
        if max >= 10_000 {
            let md = String::from_utf8_lossy(&out.stdout);
            assert!(md.contains("wave sections shown"), "{md}");
            assert!(
                md.starts_with("## Strata plan: `HEAD` → `working tree`"),
                "{md}"
            );
        }
    }

    // Errors: exit 2.
    let out = plan(&repo, &["edge-nort1"], 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `edge-north1`?"));
    let out = strata(&repo, &["plan", "--base", "no-such-rev"]);
    assert_eq!(out.status.code(), Some(2));
}

/// What needs care: a bigger volume of the Galera StatefulSet (an immutable
/// volumeClaimTemplates change) and a rotated SOPS secret, whose value never shows.
#[test]
fn care_and_secrets() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = reference_repo(tmp.path());
    edit(
        &repo.join("sites/_layers/tier-production.yaml"),
        "storage: {size: 100Gi}",
        "storage: {size: 200Gi}",
    );
    let secret = repo.join("sites/edge-north1/secrets/keystone-admin.sops.yaml");
    let old_ct = common::rotate_sops_password(&secret);

    let out = plan(&repo, &["--format", "json", "edge-north1", "prod-brno"], 1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let site = |name: &str| {
        v["sites"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["site"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let brno = site("prod-brno");
    let care = brno["care"].as_array().cloned().unwrap_or_default();
    assert!(
        care.iter()
            .any(|c| c["code"] == "recreated"
                && c["object"] == "StatefulSet openstack/mariadb-server"),
        "{brno:#}"
    );
    let edge = site("edge-north1");
    let changes: Vec<Value> = edge["waves"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|w| w["changes"].as_array().cloned().unwrap_or_default())
        .collect();
    let s = changes
        .iter()
        .find(|c| c["classes"] == serde_json::json!(["secret"]))
        .unwrap_or_else(|| panic!("no secret change: {edge:#}"));
    assert_eq!(s["secretKeys"]["changed"], serde_json::json!(["password"]));
    for format in ["text", "markdown", "json"] {
        let out = match format {
            "json" => out.clone(),
            _ => plan(&repo, &["--format", format, "edge-north1"], 1),
        };
        let shown = String::from_utf8_lossy(&out.stdout);
        for material in [old_ct.as_str(), "Zm9vYmFyYmF6", "ENC[", "fingerprint"] {
            assert!(
                !shown.contains(material),
                "{format}: secret material `{material}` shown"
            );
        }
    }
}
