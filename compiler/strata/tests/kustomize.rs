//! `strata kustomize DIR` from the command line: the same documents, in the same order, as
//! `kubectl kustomize DIR`.
//!
//! - Every hand-written case of the kustomize engine (`compiler/kustomize/tests/cases`, with
//!   kubectl's output recorded beside it) is built by the binary and compared as YAML values.
//! - When `../shared` is present, trees from its generator are built by both the binary and
//!   the live `kubectl kustomize` and compared by the shared oracle script (skipped loudly
//!   without them; a failure under `CI=true`).
//! - Errors exit 2 and name the kustomization file, line and column.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{have_kubectl, skip_or_fail, workspace};

fn strata_kustomize(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["--color", "never", "kustomize"])
        .arg(dir)
        .current_dir(workspace())
        .output()
        .unwrap_or_else(|e| panic!("cannot run strata: {e}"))
}

fn values(text: &str) -> Vec<serde_json::Value> {
    common::yaml_stream(text).unwrap_or_else(|e| panic!("output does not parse: {e}\n{text}"))
}

#[test]
fn recorded_cases_match_from_the_command_line() {
    let cases = workspace().join("compiler/kustomize/tests/cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cases)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", cases.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("kustomization.yaml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "the cases folder looks incomplete");
    let mut failures = Vec::new();
    for dir in &dirs {
        let out = strata_kustomize(dir);
        let name = dir.display().to_string();
        match std::fs::read_to_string(dir.join("expected.yaml")) {
            Ok(expected) => {
                if !out.status.success() {
                    failures.push(format!(
                        "{name}: failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                } else if values(&String::from_utf8_lossy(&out.stdout)) != values(&expected) {
                    failures.push(format!("{name}: output differs from kubectl's recording"));
                }
            }
            Err(_) => {
                // kubectl fails on this case: so must we, with exit 2 and a position.
                let err = String::from_utf8_lossy(&out.stderr);
                if out.status.code() != Some(2) || !err.contains("error[E0401]") {
                    failures.push(format!(
                        "{name}: expected exit 2 with E0401, got {:?}: {err}",
                        out.status.code()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errors_name_the_kustomization_entry() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- deployment.yaml\n- missing.yaml\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("deployment.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = strata_kustomize(dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("error[E0401]"), "{err}");
    assert!(err.contains("kustomization.yaml:3:3"), "{err}");
    assert!(err.contains("missing.yaml"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn generated_trees_match_live_kubectl() {
    let shared = workspace().join("../shared");
    let generator = shared.join("tools/kustomize-gen.py");
    let oracle = shared.join("tools/kustomize-oracle.sh");
    if !generator.is_file() || !oracle.is_file() {
        return skip_or_fail(
            "../shared is absent; strata kustomize was not compared with generated trees",
        );
    }
    if !have_kubectl() {
        return skip_or_fail("kubectl is not available; strata kustomize was not compared with it");
    }
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let binary = env!("CARGO_BIN_EXE_strata");
    for (seed, sites, services, regions) in [(11, 3, 8, 2), (12, 2, 15, 1), (13, 4, 5, 3)] {
        let out = work.path().join(format!("tree-{seed}"));
        let gen = Command::new("python3")
            .arg(&generator)
            .args(["--seed", &seed.to_string(), "--sites", &sites.to_string()])
            .args(["--services", &services.to_string(), "--components", "3"])
            .args(["--regions", &regions.to_string(), "--record", "--out"])
            .arg(&out)
            .output()
            .unwrap_or_else(|e| panic!("cannot run the generator: {e}"));
        assert!(
            gen.status.success(),
            "{}",
            String::from_utf8_lossy(&gen.stderr)
        );
        let run = Command::new("bash")
            .arg(&oracle)
            .arg(format!("{binary} kustomize"))
            .arg(out.join("sites"))
            .output()
            .unwrap_or_else(|e| panic!("cannot run the oracle: {e}"));
        let report = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success() && report.contains(&format!("{sites} passed, 0 failed")),
            "seed {seed}:\n{report}{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
}
