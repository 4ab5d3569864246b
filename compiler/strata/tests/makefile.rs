//! `make build` runs the binary where cargo put it, also when `CARGO_TARGET_DIR` is set.

mod common;

use std::process::Command;

use common::*;

#[test]
fn make_build_follows_cargo_target_dir() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let target = tmp.path().join("elsewhere");
    // `-n`: print the commands without running them.
    let out = match Command::new("make")
        .arg("-C")
        .arg(workspace())
        .args(["-n", "build"])
        .env("CARGO_TARGET_DIR", &target)
        .output()
    {
        Ok(o) => o,
        Err(e) => return skip_or_fail(&format!("make is not available: {e}")),
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let binary = target.join("release/strata");
    assert!(
        text.lines().any(|l| l
            .trim_start()
            .starts_with(&format!("{} build", binary.display()))),
        "make build does not run {}:\n{text}",
        binary.display()
    );
}
