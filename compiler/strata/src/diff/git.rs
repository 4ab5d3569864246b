//! Reading a revision of the repository from git without touching the working tree or index.
//!
//! `git archive` streams the revision's tree; it is unpacked into a temporary folder that
//! lives as long as the returned [`Checkout`].

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::diag::{Code, Diagnostic};

/// A revision unpacked into a temporary folder.
pub struct Checkout {
    _dir: tempfile::TempDir,
    /// The repository root inside the checkout (the same sub-folder of the git repository as
    /// the `--root` the user gave).
    pub root: PathBuf,
}

fn git(root: &Path, args: &[&str]) -> Result<std::process::Output, Diagnostic> {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            Diagnostic::error(Code::Io, format!("cannot run git: {e}"))
                .help("strata diff needs git on PATH")
        })
}

/// Unpacks revision `rev` of the git repository holding `root`.
pub fn checkout(root: &Path, rev: &str) -> Result<Checkout, Diagnostic> {
    if rev.starts_with('-') {
        return Err(Diagnostic::error(
            Code::Usage,
            format!("`{rev}` is not a revision"),
        ));
    }
    let prefix = git(root, &["rev-parse", "--show-prefix"])?;
    if !prefix.status.success() {
        return Err(Diagnostic::error(
            Code::NotFound,
            format!("`{}` is not inside a git repository", root.display()),
        )
        .help("strata diff compares revisions of a git repository"));
    }
    let prefix = String::from_utf8_lossy(&prefix.stdout).trim().to_string();
    let verify = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )?;
    if !verify.status.success() {
        return Err(
            Diagnostic::error(Code::NotFound, format!("unknown revision `{rev}`"))
                .help("give a commit, branch or tag, e.g. --base origin/main"),
        );
    }
    let commit = String::from_utf8_lossy(&verify.stdout).trim().to_string();
    let dir = tempfile::tempdir().map_err(|e| {
        Diagnostic::error(Code::Io, format!("cannot create a temporary folder: {e}"))
    })?;
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["archive", "--format=tar", &commit])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Diagnostic::error(Code::Io, format!("cannot run git archive: {e}")))?;
    let unpacked = match child.stdout.take() {
        Some(mut out) => {
            let r = tar::Archive::new(&mut out).unpack(dir.path());
            // The tar reader stops at the end-of-archive marker, but git pads the stream to a
            // full record: read the rest, or git dies of SIGPIPE and the run fails at random.
            let drained = std::io::copy(&mut out, &mut std::io::sink());
            r.and(drained.map(|_| ()))
        }
        None => Err(std::io::Error::other("no output")),
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    let status = child
        .wait()
        .map_err(|e| Diagnostic::error(Code::Io, format!("git archive failed: {e}")))?;
    if !status.success() {
        return Err(Diagnostic::error(
            Code::Io,
            format!("git archive {rev} failed: {}", stderr.trim()),
        ));
    }
    if let Err(e) = unpacked {
        return Err(Diagnostic::error(
            Code::Io,
            format!("cannot unpack revision `{rev}`: {e}"),
        ));
    }
    let root = dir.path().join(prefix);
    Ok(Checkout { _dir: dir, root })
}
