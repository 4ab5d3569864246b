//! `strata build` deletes only what Strata wrote: site folders carrying its `_meta/site.json`.
//! It refuses an output folder that is, contains or lies among the repository's sources, never
//! replaces a folder it did not write, and never prunes on a run without sites; `--check`
//! reports extra files by the same rule.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;

/// Other sources of a repository (documentation, code, a nested site repository, `.git`):
/// nothing may ever delete them.
fn add_other_sources(repo: &Path) {
    for part in [
        "book",
        "scripts",
        "golden-tests/minimal-site",
        "compiler/yaml",
    ] {
        copy_tree(&workspace().join(part), &repo.join(part));
    }
    for file in ["Makefile", "README.md"] {
        std::fs::copy(workspace().join(file), repo.join(file)).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::create_dir_all(repo.join(".git")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n")
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A folder `<tmp>/outside` beside the repository, holding a file of someone else's.
fn add_outside(tmp: &Path) {
    std::fs::create_dir_all(tmp.join("outside/mine")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(tmp.join("outside/mine/notes.txt"), "keep me\n")
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A scratch copy of this repository (its sites and their inputs, and other sources) in
/// `<tmp>/repo`, with a folder `<tmp>/outside` beside it.
fn scratch() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo");
    for part in ["sites", "services", "overlays", "schemas"] {
        copy_tree(&workspace().join(part), &repo.join(part));
    }
    add_other_sources(&repo);
    add_outside(tmp.path());
    (tmp, repo)
}

/// As [`scratch`], but with the small two-site repository of a golden case (sites `demo` and
/// `demo2`, services `db` and `web`), so that the many builds of a test stay fast.
fn small_scratch() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo");
    copy_tree(&workspace().join("golden-tests/gitops-flux"), &repo);
    copy_site(&repo, "demo", "demo2");
    add_other_sources(&repo);
    add_outside(tmp.path());
    (tmp, repo)
}

/// Adds site `to` to `repo`, a copy of site `from`.
fn copy_site(repo: &Path, from: &str, to: &str) {
    copy_tree(&repo.join("sites").join(from), &repo.join("sites").join(to));
    let site = repo.join("sites").join(to).join("site.yaml");
    let text = std::fs::read_to_string(&site).unwrap_or_else(|e| panic!("{e}"));
    let renamed = text.replacen(&format!("name: {from}"), &format!("name: {to}"), 1);
    assert_ne!(text, renamed, "no `name: {from}` in {}", site.display());
    std::fs::write(&site, renamed).unwrap_or_else(|e| panic!("{e}"));
}

/// Every file under `dir` with its content.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap_or(e.path()).to_path_buf();
            (
                rel,
                std::fs::read(e.path()).unwrap_or_else(|err| panic!("{err}")),
            )
        })
        .collect()
}

/// The folders under `dir` that Strata wrote, told independently of the code under test: a
/// folder with a `_meta/site.json` that names the folder as its site.
fn strata_folders(dir: &Path) -> BTreeSet<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_dir())
        .filter(|e| {
            let Ok(text) = std::fs::read_to_string(e.path().join("_meta/site.json")) else {
                return false;
            };
            let name = e.file_name().to_string_lossy().into_owned();
            text.contains("\"strataVersion\"") && text.contains(&format!("\"site\": \"{name}\""))
        })
        .map(|e| e.path().strip_prefix(dir).unwrap_or(e.path()).to_path_buf())
        .collect()
}

/// Asserts that every file of `before` that is not inside a folder Strata wrote is still there
/// with the same content.
fn assert_kept(
    dir: &Path,
    before: &BTreeMap<PathBuf, Vec<u8>>,
    ours: &BTreeSet<PathBuf>,
    what: &str,
) {
    let after = files(dir);
    for (rel, content) in before {
        if ours.iter().any(|o| rel.starts_with(o)) {
            continue;
        }
        match after.get(rel) {
            None => panic!("{what}: `{}` was deleted", rel.display()),
            Some(c) if c != content => panic!("{what}: `{}` was changed", rel.display()),
            Some(_) => {}
        }
    }
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn out_dot_is_refused_and_deletes_nothing() {
    let (tmp, repo) = scratch();
    let before = files(tmp.path());
    for out in [
        ".",
        "..",
        "sites",
        "services/keystone",
        ".git",
        "compiler",
        "golden-tests",
    ] {
        let r = strata(&repo, &["build", "--out", out]);
        assert_eq!(r.status.code(), Some(2), "--out {out}: {}", stderr(&r));
        assert!(stderr(&r).contains("E0702"), "--out {out}: {}", stderr(&r));
        assert_eq!(files(tmp.path()), before, "--out {out} changed the files");
    }
    // The same through an absolute path and through a symlink to the repository.
    let abs = repo.to_string_lossy().into_owned();
    let r = strata(&repo, &["build", "--out", &abs]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    #[cfg(unix)]
    {
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&repo, &link).unwrap_or_else(|e| panic!("{e}"));
        let r = strata(&repo, &["build", "--out", &link.to_string_lossy()]);
        assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
        let r = strata(&repo, &["build", "--check", "--out", "."]);
        assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    }
    assert_eq!(files(tmp.path()), before);
}

#[test]
fn hand_made_flux_system_survives_and_is_not_reported() {
    let (_tmp, repo) = small_scratch();
    let flux = repo.join("rendered/flux-system");
    std::fs::create_dir_all(&flux).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(flux.join("gotk-sync.yaml"), "kind: GitRepository\n")
        .unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..2 {
        let r = strata(&repo, &["build"]);
        assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
        assert!(
            flux.join("gotk-sync.yaml").is_file(),
            "flux-system/ was deleted"
        );
    }
    let r = strata(&repo, &["build", "--check"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stdout)
    );
    assert!(!String::from_utf8_lossy(&r.stdout).contains("flux-system"));
    // A site named like the hand-made folder is refused, and the folder kept.
    copy_site(&repo, "demo", "flux-system");
    let r = strata(&repo, &["build", "flux-system"]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert!(stderr(&r).contains("refusing to replace"), "{}", stderr(&r));
    assert_eq!(
        std::fs::read_dir(&flux).map(|d| d.count()).unwrap_or(0),
        1,
        "the hand-made folder changed"
    );
    let r = strata(&repo, &["build", "--check", "flux-system"]);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stdout).contains("not written by Strata"));
}

#[test]
fn stale_strata_site_folder_is_pruned() {
    let (_tmp, repo) = small_scratch();
    let r = strata(&repo, &["build"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert!(repo.join("rendered/demo2/_meta/site.json").is_file());
    std::fs::remove_dir_all(repo.join("sites/demo2")).unwrap_or_else(|e| panic!("{e}"));
    let r = strata(&repo, &["build", "--check"]);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stdout)
        .contains("not produced by this build: demo2/_meta/site.json"));
    // A build of named sites leaves the other folders alone.
    let r = strata(&repo, &["build", "demo"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert!(repo.join("rendered/demo2").is_dir());
    let r = strata(&repo, &["build"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert!(!repo.join("rendered/demo2").exists());
    assert!(repo.join("rendered/demo/_meta/site.json").is_file());
}

#[test]
fn a_folder_without_sites_leaves_out_intact() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path().join("empty");
    let out = tmp.path().join("x");
    std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("{e}"));
    // Even a site folder Strata wrote earlier is kept: zero sites never prune.
    let (_t, repo) = small_scratch();
    let r = strata(&repo, &["build", "--out", &out.to_string_lossy()]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    std::fs::create_dir_all(out.join("mine")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(out.join("mine/a.txt"), "a").unwrap_or_else(|e| panic!("{e}"));
    let before = files(&out);
    for args in [&["build"][..], &["build", "--check"]] {
        let mut args = args.to_vec();
        let out_s = out.to_string_lossy().into_owned();
        args.extend(["--out", &out_s]);
        let r = strata(&root, &args);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {}", stderr(&r));
        assert!(stderr(&r).contains("no sites found"), "{}", stderr(&r));
        assert_eq!(files(&out), before, "{args:?} changed the output folder");
    }
}

/// Many `--out` configurations, each run as a full build, a build of one site and a check, in
/// one scratch tree that accumulates their effects: no file Strata did not write is ever
/// deleted or changed, whatever the command is told.
#[test]
fn no_out_configuration_deletes_a_file_strata_did_not_write() {
    let (tmp, repo) = small_scratch();
    let outside = tmp.path().join("outside");
    let hand_made = [
        "rendered/flux-system/gotk-components.yaml",
        "rendered/README.md",
        "out/nested/deep/notes.txt",
        "rendered/demo-notes/x.yaml",
    ];
    for f in hand_made {
        let p = repo.join(f);
        std::fs::create_dir_all(p.parent().unwrap_or(&repo)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&p, "hand-made\n").unwrap_or_else(|e| panic!("{e}"));
    }
    let outside_s = outside.to_string_lossy().into_owned();
    let configs: Vec<&str> = vec![
        ".",
        "..",
        "sites",
        "services/web",
        "rendered",
        "rendered/demo",
        "out/nested/deep",
        "rendered/../sites",
        "./rendered/",
        &outside_s,
        "rendered/flux-system",
        "rendered",
    ];
    let mut built = 0;
    for out in &configs {
        for extra in [&[][..], &["demo"], &["--check"]] {
            let before = files(tmp.path());
            let ours = strata_folders(tmp.path());
            let mut args = vec!["build", "--out", out];
            args.extend_from_slice(extra);
            let r = strata(&repo, &args);
            let what = format!("strata {args:?}");
            assert!(
                matches!(r.status.code(), Some(0..=2)),
                "{what}: {}",
                stderr(&r)
            );
            if r.status.code() == Some(0) && !extra.contains(&"--check") {
                built += 1;
            }
            assert_kept(tmp.path(), &before, &ours, &what);
        }
    }
    assert!(built >= 4, "too few configurations built at all ({built})");
    for f in hand_made {
        assert!(repo.join(f).is_file(), "{f} is gone");
    }
    assert!(outside.join("mine/notes.txt").is_file());
    assert!(outside.join("demo/_meta/site.json").is_file());
}
