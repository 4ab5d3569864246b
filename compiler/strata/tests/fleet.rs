//! Fleet scale: builds stream through a staging folder (all or nothing still), `--shard I/N`
//! splits the fleet so that merged shard outputs equal one build, `--changed-since REV`
//! builds only the sites whose inputs changed, and `diff` compiles only those sites.
//! Small fleets (a golden case's site cloned a dozen times) keep these tests fast; the
//! 1,000-site figures are `make bench` (scripts/bench-fleet.sh).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;

/// A repository of `n` sites (`site-01`, …), clones of the `demo` site of the gitops-flux
/// golden case, in `<tmp>/repo`.
fn fleet(n: usize) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo");
    copy_tree(&workspace().join("golden-tests/gitops-flux"), &repo);
    for i in 1..=n {
        let to = format!("site-{i:02}");
        copy_tree(&repo.join("sites/demo"), &repo.join("sites").join(&to));
        edit(
            &repo.join("sites").join(&to).join("site.yaml"),
            "name: demo",
            &format!("name: {to}"),
        );
    }
    std::fs::remove_dir_all(repo.join("sites/demo")).unwrap_or_else(|e| panic!("{e}"));
    (tmp, repo)
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

/// The site folders under `dir`.
fn folders(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn union_of_shard_builds_is_one_build() {
    let (tmp, repo) = fleet(12);
    let full = tmp.path().join("full");
    ok(&strata(&repo, &["build", "--out", &full.to_string_lossy()]));
    assert_eq!(folders(&full).len(), 12);
    let expected = files(&full);
    for n in [1, 3, 7] {
        let union = tmp.path().join(format!("union-{n}"));
        let mut seen = 0;
        for i in 1..=n {
            let part = tmp.path().join(format!("shard-{n}-{i}"));
            let shard = format!("{i}/{n}");
            ok(&strata(
                &repo,
                &["build", "--shard", &shard, "--out", &part.to_string_lossy()],
            ));
            // Each shard holds its own sites only; together they hold each site once.
            seen += folders(&part).len();
            copy_tree(&part, &union);
        }
        assert_eq!(seen, 12, "N = {n}: a site in two shards, or in none");
        assert!(
            files(&union) == expected,
            "N = {n}: merged shards differ from one build"
        );
        let check = strata(
            &repo,
            &["build", "--check", "--out", &union.to_string_lossy()],
        );
        assert_eq!(check.status.code(), Some(0), "N = {n}");
    }
    // validate --shard: the shards' counts add up to the fleet.
    let mut valid = 0;
    for i in 1..=3 {
        let err = ok(&strata(&repo, &["validate", "--shard", &format!("{i}/3")]));
        let count: usize = err
            .split_whitespace()
            .rev()
            .nth(2)
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("no count in {err}"));
        valid += count;
    }
    assert_eq!(valid, 12);
    let bad = strata(&repo, &["build", "--shard", "4/3"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// Whether site `name` is in shard `i` of `n`, by the rule the book documents: the first 8
/// bytes of the SHA-256 of the name, big-endian, modulo n, plus 1.
fn in_shard(name: &str, i: u64, n: u64) -> bool {
    use sha2::Digest;
    let h = sha2::Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&h[..8]);
    u64::from_be_bytes(first) % n + 1 == i
}

#[test]
fn a_shard_removes_only_its_own_stale_sites() {
    let (tmp, repo) = fleet(6);
    let out = tmp.path().join("out");
    ok(&strata(&repo, &["build", "--out", &out.to_string_lossy()]));
    // Two sites are deleted; each shard's build removes the stale folders of its shard only,
    // so that after every shard ran, the output equals a fresh build.
    for s in ["site-02", "site-05"] {
        std::fs::remove_dir_all(repo.join("sites").join(s)).unwrap_or_else(|e| panic!("{e}"));
    }
    ok(&strata(
        &repo,
        &["build", "--shard", "1/2", "--out", &out.to_string_lossy()],
    ));
    // Shard 1 removed the stale folders that hash to it, and no other.
    let after_one = folders(&out);
    for s in ["site-02", "site-05"] {
        assert_eq!(
            after_one.contains(&s.to_string()),
            !in_shard(s, 1, 2),
            "{s} after shard 1/2: {after_one:?}"
        );
    }
    ok(&strata(
        &repo,
        &["build", "--shard", "2/2", "--out", &out.to_string_lossy()],
    ));
    assert_eq!(
        folders(&out),
        ["site-01", "site-03", "site-04", "site-06"],
        "stale folders left after both shards"
    );
}

#[test]
fn a_failure_in_the_last_site_leaves_the_output_untouched() {
    let (tmp, repo) = fleet(10);
    let out = tmp.path().join("rendered");
    ok(&strata(&repo, &["build", "--out", &out.to_string_lossy()]));
    let before = files(&out);
    // Every site but the last changes; the last one is broken.
    for i in 1..10 {
        edit(
            &repo.join(format!("sites/site-{i:02}/site.yaml")),
            "replicas: 2",
            "replicas: 3",
        );
    }
    edit(
        &repo.join("sites/site-10/site.yaml"),
        "replicas: 2",
        "replicas: two",
    );
    let failed = strata(
        &repo,
        &["build", "--jobs", "1", "--out", &out.to_string_lossy()],
    );
    assert_eq!(failed.status.code(), Some(2));
    assert!(
        files(&out) == before,
        "a failed build changed the output folder"
    );
    assert_eq!(
        folders(&out).len(),
        10,
        "staging left behind: {:?}",
        folders(&out)
    );
    // Into a folder that does not exist yet: nothing is created at all.
    let fresh = tmp.path().join("fresh");
    let failed = strata(&repo, &["build", "--out", &fresh.to_string_lossy()]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(
        !fresh.exists(),
        "a failed build created {}",
        fresh.display()
    );
}

/// A git repository of the fleet, committed.
fn committed_fleet(n: usize) -> (tempfile::TempDir, PathBuf) {
    let (tmp, repo) = fleet(n);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "fleet"]);
    (tmp, repo)
}

#[test]
fn changed_since_builds_only_the_changed_sites() {
    let (tmp, repo) = committed_fleet(8);
    let out = tmp.path().join("out");
    let out_s = out.to_string_lossy().into_owned();
    ok(&strata(&repo, &["build", "--out", &out_s]));
    let before = files(&out);
    edit(
        &repo.join("sites/site-03/site.yaml"),
        "replicas: 2",
        "replicas: 5",
    );
    std::fs::remove_dir_all(repo.join("sites/site-07")).unwrap_or_else(|e| panic!("{e}"));
    let err = ok(&strata(
        &repo,
        &["build", "--changed-since", "HEAD", "--out", &out_s],
    ));
    assert!(err.contains("built 1 site "), "{err}");
    assert!(err.contains("1 site changed since HEAD"), "{err}");
    let after = files(&out);
    // The changed site is rebuilt, the deleted one removed, every other file is as it was.
    for (path, content) in &before {
        if path.starts_with("site-03") {
            continue;
        }
        if path.starts_with("site-07") {
            assert!(!after.contains_key(path), "{} kept", path.display());
        } else {
            assert_eq!(after.get(path), Some(content), "{}", path.display());
        }
    }
    assert_ne!(
        after.get(Path::new("site-03/web/deployment-web.yaml")),
        before.get(Path::new("site-03/web/deployment-web.yaml")),
    );
    // The output is now what a full build writes.
    let check = strata(&repo, &["build", "--check", "--out", &out_s]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // Nothing changed since the working tree's own state: nothing built, nothing removed.
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "change"]);
    let err = ok(&strata(
        &repo,
        &["build", "--changed-since", "HEAD", "--out", &out_s],
    ));
    assert!(err.contains("0 sites changed since HEAD"), "{err}");
    assert_eq!(folders(&out).len(), 7);
    let unknown = strata(&repo, &["build", "--changed-since", "no-such-rev"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn diff_compiles_only_sites_whose_inputs_changed() {
    let (_tmp, repo) = committed_fleet(6);
    // site-06 fails to render in both revisions (its inputs do not change): a diff of a change
    // to site-02 never compiles it, so it neither fails nor shows up.
    std::fs::write(
        repo.join("sites/site-06/kustomization.yaml"),
        "resources:\n- missing.yaml\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "site-06 is broken"]);
    let broken = strata(&repo, &["validate", "site-06"]);
    assert_eq!(broken.status.code(), Some(2), "site-06 should not validate");
    edit(
        &repo.join("sites/site-02/site.yaml"),
        "replicas: 2",
        "replicas: 4",
    );
    let out = strata(&repo, &["diff", "--base", "HEAD", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let sites: Vec<&String> = report["summary"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(sites, ["site-02"]);
    let plan = strata(&repo, &["plan", "--base", "HEAD", "--format", "json"]);
    assert_eq!(plan.status.code(), Some(1));
}
