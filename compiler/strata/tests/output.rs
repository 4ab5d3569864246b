//! What the commands print, and how: no panic when the reader of stdout (or stderr) goes away
//! (`strata graph SITE | head`), the JSON summary of `build --format json`, and the
//! "did you mean" help of `diff` and `secrets` for a misspelt site.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;

/// A scratch git repository (the gitops-flux golden case) with one uncommitted change.
fn scratch_git() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo");
    copy_tree(&workspace().join("golden-tests/gitops-flux"), &repo);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "base"]);
    let layer = repo.join("sites/_layers/common.yaml");
    let text = std::fs::read_to_string(&layer).unwrap_or_else(|e| panic!("{e}"));
    let edited = text.replacen("    db: {}", "    db:\n      values: {replicas: 4}", 1);
    assert_ne!(text, edited);
    std::fs::write(&layer, edited).unwrap_or_else(|e| panic!("{e}"));
    (tmp, repo)
}

/// Which end of the pipe the test closes before the command writes.
#[derive(Clone, Copy, Debug)]
enum Closed {
    Stdout,
    Stderr,
}

/// Runs `strata --root ROOT ARGS` with `closed` connected to a pipe whose reading end is
/// closed at once, as `| head` does once it has its lines; the exit code and stderr.
fn run_closed(root: &Path, args: &[&str], closed: Closed) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.arg("--root")
        .arg(root)
        .args(["--color", "never"])
        .args(args)
        .stdin(Stdio::null());
    match closed {
        Closed::Stdout => cmd.stdout(Stdio::piped()).stderr(Stdio::piped()),
        Closed::Stderr => cmd.stdout(Stdio::null()).stderr(Stdio::piped()),
    };
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run strata: {e}"));
    let mut err = String::new();
    match closed {
        Closed::Stdout => {
            drop(child.stdout.take());
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read as _;
                let _ = e.read_to_string(&mut err);
            }
        }
        Closed::Stderr => drop(child.stderr.take()),
    }
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    (status.code(), err)
}

/// Every command that prints to stdout ends quietly, with the exit code it has when its whole
/// output is read, when the reader has gone away; none panics (exit 101).
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let root = workspace().join("golden-tests/gitops-flux");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("rendered");
    let out_s = out.to_string_lossy().into_owned();
    let built = strata(&root, &["build", "--out", &out_s]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let unit = out.join("demo/web").to_string_lossy().into_owned();
    let empty = tmp.path().join("empty").to_string_lossy().into_owned();
    let (_g, repo) = scratch_git();
    let cases: Vec<(&Path, Vec<&str>, i32)> = vec![
        (&root, vec!["graph", "demo"], 0),
        (&root, vec!["graph", "demo", "--format", "json"], 0),
        (
            &root,
            vec!["explain", "demo", "Deployment/web", "spec.replicas"],
            0,
        ),
        (&root, vec!["secrets", "demo"], 0),
        (&root, vec!["secrets", "demo", "--format", "json"], 0),
        (&root, vec!["kustomize", &unit], 0),
        (&root, vec!["build", "--check", "--out", &empty], 1),
        (&root, vec!["build", "--format", "json", "--out", &out_s], 0),
        (&repo, vec!["diff", "--base", "HEAD"], 1),
        (
            &repo,
            vec!["diff", "--base", "HEAD", "--format", "markdown"],
            1,
        ),
    ];
    for (dir, args, code) in &cases {
        let (got, err) = run_closed(dir, args, Closed::Stdout);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "strata {args:?}: {err}"
        );
        assert_eq!(got, Some(*code), "strata {args:?}: {err}");
    }
    // A closed stderr does not crash a command either.
    for (dir, args, code) in [
        (&root, vec!["build", "--out", out_s.as_str()], 0),
        (&root, vec!["validate"], 0),
        (&root, vec!["build", "--check", "--out", &empty], 1),
    ] {
        let (got, _) = run_closed(dir, &args, Closed::Stderr);
        assert_eq!(got, Some(code), "strata {args:?} with stderr closed");
    }
}

/// `build --format json` prints a summary of what it wrote on stdout.
#[test]
fn build_json_prints_a_summary() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo");
    copy_tree(&workspace().join("golden-tests/gitops-flux"), &repo);
    let r = strata(&repo, &["build", "--format", "json"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let v: Value = serde_json::from_slice(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&r.stdout)));
    assert_eq!(v["out"], "rendered");
    let on_disk = walkdir::WalkDir::new(repo.join("rendered/demo"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .count();
    assert_eq!(
        v["sites"],
        serde_json::json!([{"site": "demo", "files": on_disk}])
    );
    assert_eq!(v["files"], on_disk);
    assert!(v["diagnostics"].is_array());
    // Outside the repository, the path is shown in full.
    let elsewhere = tmp.path().join("elsewhere");
    let r = strata(
        &repo,
        &[
            "build",
            "--format",
            "json",
            "--out",
            &elsewhere.to_string_lossy(),
        ],
    );
    let v: Value = serde_json::from_slice(&r.stdout).unwrap_or(Value::Null);
    let shown = v["out"].as_str().unwrap_or_default();
    assert!(
        Path::new(shown).is_absolute() && shown.ends_with("elsewhere"),
        "{v}"
    );
}

/// A misspelt site gets the same help from `diff` and `secrets` as from `build`.
#[test]
fn diff_and_secrets_suggest_the_nearest_site() {
    let (_tmp, repo) = scratch_git();
    for args in [
        &["diff", "--base", "HEAD", "dmeo"][..],
        &["secrets", "dmeo"],
        &["build", "dmeo", "--check"],
    ] {
        let r = strata(&repo, args);
        assert_eq!(r.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains("did you mean `demo`?"), "{args:?}: {err}");
    }
}
