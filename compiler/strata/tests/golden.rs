//! Golden tests: every folder of `golden-tests/` is a case, run through the `strata` binary.
//!
//! A case is a site repository (services/, sites/, overlays/ …), or a `case.yaml` naming one
//! (`root: ../..` for this repository's reference sites) plus the command to run
//! (`args: [build]` by default) and strings that must never be printed (`forbid: [...]`). With
//! `files: DIR` (relative to the case), the run uses a copy of the root's `services/`, `sites/`,
//! `overlays/` and `schemas/` with DIR's tree copied over it: the reference sites with a fault
//! planted in one file. Expectations:
//! * `expected/` — the output tree of a successful build, compared byte for byte;
//! * `expected.txt` — for a failing run: `exit: N` and the diagnostics, compared byte for byte.
//!
//! A failing build must leave an existing output folder untouched; the runner checks that too.
//! On a mismatch the runner prints a unified diff. `STRATA_GOLDEN_UPDATE=1` (`make
//! golden-update`) re-records the expectations instead of comparing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    for e in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if e.file_type().is_file() {
            if let Ok(rel) = e.path().strip_prefix(dir) {
                let text =
                    std::fs::read_to_string(e.path()).unwrap_or_else(|_| "<not UTF-8>".into());
                out.insert(rel.to_string_lossy().replace('\\', "/"), text);
            }
        }
    }
    out
}

fn unified(name: &str, expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(&format!("expected/{name}"), &format!("actual/{name}"))
        .to_string()
}

struct Case {
    name: String,
    dir: PathBuf,
    root: PathBuf,
    args: Vec<String>,
    /// Strings that must not appear anywhere in the output (secret values).
    forbid: Vec<String>,
    /// Files copied over a copy of `root` before the run.
    files: Option<PathBuf>,
}

fn cases() -> Vec<Case> {
    let base = workspace_root().join("golden-tests");
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&base) else {
        return out;
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut root = dir.clone();
        let mut args = vec!["build".to_string()];
        let mut forbid = Vec::new();
        let mut files = None;
        if let Ok(text) = std::fs::read_to_string(dir.join("case.yaml")) {
            let doc = strata_yaml::parse_one(&text, &strata_yaml::ParseOptions::default())
                .unwrap_or_else(|e| panic!("{name}/case.yaml: {e}"));
            if let Some(r) = doc.value.get("root").and_then(|v| v.as_str()) {
                root = dir.join(r);
            }
            if let Some(a) = doc.value.get("args").and_then(|v| v.as_array()) {
                args = a
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect();
            }
            if let Some(f) = doc.value.get("files").and_then(|v| v.as_str()) {
                files = Some(dir.join(f));
            }
            if let Some(f) = doc.value.get("forbid").and_then(|v| v.as_array()) {
                forbid = f
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect();
            }
        }
        out.push(Case {
            name,
            dir,
            root,
            args,
            forbid,
            files,
        });
    }
    out
}

/// Copies every file under `from` to the same relative path under `to`.
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    for e in walkdir::WalkDir::new(from).sort_by_file_name() {
        let e = e.map_err(|e| e.to_string())?;
        let rel = e.path().strip_prefix(from).map_err(|e| e.to_string())?;
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).map_err(|e| e.to_string())?;
        } else if e.file_type().is_file() {
            std::fs::copy(e.path(), &dest).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn run_case(case: &Case, update: bool) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let planted = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = match &case.files {
        Some(files) => {
            for part in ["services", "sites", "overlays", "schemas"] {
                if case.root.join(part).is_dir() {
                    copy_tree(&case.root.join(part), &planted.path().join(part))?;
                }
            }
            copy_tree(files, planted.path())?;
            planted.path().to_path_buf()
        }
        None => case.root.clone(),
    };
    let out = tmp.path().join("rendered");
    // A previous output that a failing build must leave alone.
    std::fs::create_dir_all(out.join("previous")).map_err(|e| e.to_string())?;
    std::fs::write(out.join("previous/sentinel.yaml"), "kept: true\n")
        .map_err(|e| e.to_string())?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.arg("--root")
        .arg(&root)
        .arg("--color")
        .arg("never")
        .args(&case.args);
    // Lint gets the (empty) output folder too, so that it compiles every site instead of
    // reading the records of whatever build of the repository was made last.
    if matches!(
        case.args.first().map(String::as_str),
        Some("build" | "lint")
    ) {
        cmd.arg("--out").arg(&out);
    }
    let result = cmd.output().map_err(|e| e.to_string())?;
    let code = result.status.code().unwrap_or(-1);
    let stderr =
        String::from_utf8_lossy(&result.stderr).replace(&tmp.path().display().to_string(), "<TMP>");
    let stdout = String::from_utf8_lossy(&result.stdout).into_owned();
    for f in &case.forbid {
        if stdout.contains(f)
            || stderr.contains(f)
            || read_tree(&out).values().any(|t| t.contains(f))
        {
            return Err(format!(
                "the output shows `{f}`, which must never be printed"
            ));
        }
    }

    let expected_txt = case.dir.join("expected.txt");
    let expected_dir = case.dir.join("expected");
    if code != 0 || expected_txt.exists() || case.args.first().map(String::as_str) != Some("build")
    {
        let actual = format!(
            "exit: {code}\n{stdout}{}",
            if stderr.is_empty() {
                String::new()
            } else {
                format!("--- stderr\n{stderr}")
            }
        );
        if code != 0 {
            let sentinel =
                std::fs::read_to_string(out.join("previous/sentinel.yaml")).unwrap_or_default();
            if sentinel != "kept: true\n" || read_tree(&out).len() != 1 {
                return Err("a failing run changed the existing output folder".into());
            }
        }
        if update {
            let _ = std::fs::remove_dir_all(&expected_dir);
            return std::fs::write(&expected_txt, &actual).map_err(|e| e.to_string());
        }
        let expected = std::fs::read_to_string(&expected_txt).unwrap_or_default();
        if expected != actual {
            return Err(unified("expected.txt", &expected, &actual));
        }
        return Ok(());
    }
    let mut actual = read_tree(&out);
    actual.retain(|k, _| !k.starts_with("previous/"));
    if update {
        let _ = std::fs::remove_dir_all(&expected_dir);
        let _ = std::fs::remove_file(&expected_txt);
        for (rel, text) in &actual {
            let p = expected_dir.join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            std::fs::write(&p, text).map_err(|e| e.to_string())?;
        }
        return Ok(());
    }
    let expected = read_tree(&expected_dir);
    let mut report = String::new();
    for (rel, exp) in &expected {
        match actual.get(rel) {
            None => report.push_str(&format!("missing file: {rel}\n")),
            Some(act) if act != exp => report.push_str(&unified(rel, exp, act)),
            Some(_) => {}
        }
    }
    for rel in actual.keys() {
        if !expected.contains_key(rel) {
            report.push_str(&format!("unexpected file: {rel}\n"));
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

#[test]
fn golden() {
    let update = std::env::var("STRATA_GOLDEN_UPDATE").is_ok_and(|v| v == "1");
    let cases = cases();
    assert!(!cases.is_empty(), "no golden cases found");
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_case(case, update) {
            failures.push(format!("== golden case `{}` ==\n{e}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden cases failed (re-record deliberately with `make golden-update`):\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
