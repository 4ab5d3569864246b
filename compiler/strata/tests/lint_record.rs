//! `strata lint` after a build reads each unchanged site's findings from the build's
//! `_meta/site.lint.json` instead of compiling the site again, and prints exactly what a
//! fresh lint prints; a site whose inputs changed, or whose record is not for them, is
//! compiled.

mod common;

use std::path::Path;

use common::{copy_tree, strata, workspace};

/// A copy of the reference repository (its inputs only).
fn reference_copy(to: &Path) {
    let ws = workspace();
    for part in ["services", "sites", "overlays", "schemas"] {
        copy_tree(&ws.join(part), &to.join(part));
    }
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn lint_after_a_build_reads_the_records_and_prints_what_a_fresh_lint_prints() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path().join("repo");
    reference_copy(&root);
    let build = strata(&root, &["build"]);
    assert_eq!(build.status.code(), Some(0), "{}", stderr(&build));
    for site in ["edge-north1", "prod-brno", "prod-ostrava"] {
        assert!(root
            .join("rendered")
            .join(site)
            .join("_meta/site.lint.json")
            .is_file());
    }

    for format in ["text", "json", "sarif"] {
        let reused = strata(&root, &["lint", "--format", format]);
        let fresh = strata(&root, &["lint", "--format", format, "--fresh"]);
        assert_eq!(reused.status.code(), fresh.status.code());
        assert_eq!(stdout(&reused), stdout(&fresh), "{format}");
        assert!(
            stderr(&reused).contains("3 of 3 sites unchanged since built"),
            "{}",
            stderr(&reused)
        );
        assert!(stderr(&fresh).is_empty(), "{}", stderr(&fresh));
    }

    // A planted fault in the production layer: the two production sites are compiled again
    // (their records are for other inputs), the edge site's record is still good, and the
    // finding shows up as in a fresh lint.
    let layer = root.join("sites/_layers/tier-production.yaml");
    let text = std::fs::read_to_string(&layer).unwrap_or_default();
    let planted = text.replacen("        replicas: 3\n", "        replicas: 2\n", 1);
    assert_ne!(text, planted, "the layer's mariadb replicas line moved");
    std::fs::write(&layer, planted).unwrap_or_else(|e| panic!("{e}"));
    let reused = strata(&root, &["lint"]);
    let fresh = strata(&root, &["lint", "--fresh"]);
    assert_eq!(reused.status.code(), Some(1), "{}", stdout(&reused));
    assert_eq!(stdout(&reused), stdout(&fresh));
    assert!(stdout(&reused).contains("L0201"), "{}", stdout(&reused));
    assert!(
        stderr(&reused).contains("1 of 3 sites unchanged since built"),
        "{}",
        stderr(&reused)
    );

    // `build --check` sees a record that is not what a build writes.
    std::fs::write(&layer, text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(strata(&root, &["build", "--check"]).status.code(), Some(0));
    let record = root.join("rendered/prod-brno/_meta/site.lint.json");
    let kept = std::fs::read_to_string(&record).unwrap_or_default();
    let emptied = {
        let mut v: serde_json::Value = serde_json::from_str(&kept).unwrap_or_default();
        v["findings"] = serde_json::json!([]);
        serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
    };
    std::fs::write(&record, &emptied).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(strata(&root, &["build", "--check"]).status.code(), Some(1));

    // A record for other inputs (another fingerprint) is not read: the site is compiled.
    let other = kept.replacen("\"fingerprint\": \"xxh3:", "\"fingerprint\": \"xxh3:0", 1);
    assert_ne!(other, kept);
    std::fs::write(&record, other).unwrap_or_else(|e| panic!("{e}"));
    let reused = strata(&root, &["lint"]);
    assert_eq!(
        stdout(&reused),
        stdout(&strata(&root, &["lint", "--fresh"]))
    );
    assert!(
        stderr(&reused).contains("2 of 3 sites unchanged since built"),
        "{}",
        stderr(&reused)
    );
}

#[test]
fn lint_reads_no_record_outside_a_folder_strata_wrote() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path().join("repo");
    reference_copy(&root);
    assert_eq!(
        strata(&root, &["build", "--out", "built"]).status.code(),
        Some(0)
    );
    // The records are found in the folder named with --out, not in the default one.
    let elsewhere = strata(&root, &["lint"]);
    assert!(stderr(&elsewhere).is_empty(), "{}", stderr(&elsewhere));
    let there = strata(&root, &["lint", "--out", "built"]);
    assert!(stderr(&there).contains("3 of 3"), "{}", stderr(&there));
    assert_eq!(stdout(&there), stdout(&elsewhere));
    // A site folder without its `_meta/site.json` is not Strata's: its record is not read.
    std::fs::remove_file(root.join("built/edge-north1/_meta/site.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let there = strata(&root, &["lint", "--out", "built"]);
    assert!(stderr(&there).contains("2 of 3"), "{}", stderr(&there));
    // An output folder a build refuses (outside the repository and not given as such) is
    // refused by lint too, with exit 2.
    let refused = strata(&root, &["lint", "--out", "/"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
}
