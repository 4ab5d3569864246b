//! Hand-written cases, one or a few transformations each (`tests/cases/<name>/`), with
//! kubectl's output recorded next to them (`expected.yaml`, or `expected.error` when kubectl
//! fails; `tests/cases/record.sh` re-records). Every case is built and compared with the
//! recording; when kubectl is available the recordings are also checked against it.

mod common;

use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("kustomization.yaml").is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn cases_match_their_recorded_kubectl_output() {
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 10, "the cases folder looks incomplete");
    for case in &all {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ours = strata_kustomize::build_dir(case, &strata_kustomize::Options::default());
        let expected = std::fs::read_to_string(case.join("expected.yaml"));
        match (expected, ours) {
            (Ok(text), Ok(docs)) => {
                if let Err(e) = common::compare(&docs, &text) {
                    failures.push(format!("{name}: {e}"));
                }
            }
            (Ok(_), Err(e)) => failures.push(format!("{name}: build failed: {e}")),
            (Err(_), Ok(_)) if case.join("expected.error").is_file() => failures.push(format!(
                "{name}: kubectl fails on this case but the build succeeded"
            )),
            (Err(_), Ok(_)) => failures.push(format!("{name}: no expected.yaml or expected.error")),
            (Err(_), Err(e)) => {
                // The error must name a file.
                if e.file.is_none() {
                    failures.push(format!("{name}: the error names no file: {e}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn recordings_are_kubectls_output() {
    if !common::have_kubectl() {
        return common::skip(
            "kubectl is not available; the recorded case outputs were not re-checked",
        );
    }
    let mut failures = Vec::new();
    for case in cases() {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match (
            common::kubectl_kustomize(&case),
            std::fs::read_to_string(case.join("expected.yaml")),
        ) {
            (Ok(live), Ok(recorded)) => {
                let a = common::parse_stream(&live);
                let b = common::parse_stream(&recorded);
                if a != b {
                    failures.push(format!(
                        "{name}: recorded output differs from kubectl's (re-run record.sh)"
                    ));
                }
            }
            (Err(_), Err(_)) => {}
            (Ok(_), Err(_)) => failures.push(format!(
                "{name}: kubectl succeeds but expected.error is recorded"
            )),
            (Err(e), Ok(_)) => failures.push(format!("{name}: kubectl fails: {}", e.trim())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
