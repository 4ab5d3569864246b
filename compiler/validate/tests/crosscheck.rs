//! Strata's validator against an independent one, kubernetes-validate from PyPI (run by
//! `scripts/crosscheck-validate.sh`): on the positive fixtures both must accept every object,
//! on the negative fixtures both must reject every file. The strata-only negatives (rules of
//! the API server that plain JSON Schema validation misses) must be rejected by Strata and are
//! accepted by kubernetes-validate, which shows where Strata is deliberately stricter.
//!
//! Needs python3, pip and PyPI: when they are missing the test is skipped loudly, except in CI
//! (`CI=true`), where it fails.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use strata_validate::Validator;

enum Outcome {
    Ok,
    Failed(String),
    Unavailable(String),
}

fn crosscheck(version: &str, expect_invalid: bool, dirs: &[&Path]) -> Outcome {
    let script = repo_root().join("scripts/crosscheck-validate.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&script).arg("--kubernetes-version").arg(version);
    if expect_invalid {
        cmd.arg("--expect-invalid");
    }
    cmd.args(dirs);
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => return Outcome::Unavailable(format!("cannot run bash: {e}")),
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        Some(0) => Outcome::Ok,
        Some(3) => Outcome::Unavailable(text),
        _ => Outcome::Failed(text),
    }
}

/// Runs the script; returns false (after saying so) when the independent validator is not
/// available outside CI.
fn expect_ok(version: &str, expect_invalid: bool, dirs: &[&Path]) -> bool {
    match crosscheck(version, expect_invalid, dirs) {
        Outcome::Ok => true,
        Outcome::Failed(text) => panic!("kubernetes-validate disagrees:\n{text}"),
        Outcome::Unavailable(text) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("kubernetes-validate is unavailable in CI:\n{text}");
            }
            eprintln!(
                "SKIPPED: the cross-check with kubernetes-validate did not run \
                 (python3, pip or PyPI unavailable):\n{text}"
            );
            false
        }
    }
}

#[test]
fn both_validators_agree_on_the_fixtures() {
    let f = fixtures();
    let (valid, gitops, invalid) = (f.join("valid"), f.join("gitops/valid"), f.join("invalid"));
    for version in ["1.31", "1.37"] {
        let v = Validator::new(version, &[], &[]).unwrap();
        // Strata's side.
        assert_all_valid(&v, &valid);
        assert_all_valid(&v, &gitops);
        assert_all_rejected(&v, &invalid);
        assert_all_rejected(&v, &f.join("invalid-strata-only"));
        // The independent side.
        if !expect_ok(version, false, &[&valid, &gitops]) {
            return;
        }
        expect_ok(version, true, &[&invalid]);
        // kubernetes-validate accepts these: the rules they break are the API server's, which
        // only Strata knows. If this fails, move the fixture to `invalid/`.
        expect_ok(version, false, &[&f.join("invalid-strata-only")]);
    }
}
