//! `strata diff` as a reviewer reads it, on scratch git repositories: `--max-bytes` is a hard
//! bound whatever its value, risky changes survive truncation ahead of config-hash-only ones,
//! and one change made through a shared overlay is one entry however the sites differ around it.

mod common;

use std::path::Path;
use std::process::Output;

use common::{git, strata};
use serde_json::Value;

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// The services of the scratch fleet: each renders a ConfigMap and a Deployment whose pod
/// template carries the ConfigMap's hash, and an annotation with a per-site hostname.
const SERVICES: [&str; 4] = ["alpha", "beta", "gamma", "zeta"];

/// A fleet of `sites` (name, domain), all on one layer and the shared overlay `team`, in a
/// fresh git repository with one commit.
fn fleet(root: &Path, sites: &[(&str, &str)]) {
    for svc in SERVICES {
        write(
            &root.join(format!("services/{svc}/service.yaml")),
            &format!(
                "apiVersion: strata/v1alpha1\nkind: Service\nmetadata:\n  name: {svc}\nspec:\n  description: service {svc}\n  values:\n    replicas: 1\n    level: info\n"
            ),
        );
        write(
            &root.join(format!("services/{svc}/templates/configmap.yaml.j2")),
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {svc}-etc\ndata:\n  {svc}.conf: |\n    [DEFAULT]\n    host = {svc}.{{{{ site.domain }}}}\n    log_level = {{{{ values.level }}}}\n"
            ),
        );
        write(
            &root.join(format!("services/{svc}/templates/deployment.yaml.j2")),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {svc}\n  annotations:\n    example.org/host: {svc}.{{{{ site.domain }}}}\nspec:\n  replicas: {{{{ values.replicas }}}}\n  selector:\n    matchLabels: {{app: {svc}}}\n  template:\n    metadata:\n      labels: {{app: {svc}}}\n      annotations:\n        strata.io/config-hash: {{{{ (site.domain ~ values.level) | sha256 }}}}\n    spec:\n      containers:\n      - name: {svc}\n        image: example.org/{svc}:1.0\n"
            ),
        );
    }
    write(
        &root.join("sites/_layers/common.yaml"),
        &format!(
            "apiVersion: strata/v1alpha1\nkind: Layer\nmetadata:\n  name: common\nspec:\n  kubernetesVersion: \"1.31\"\n  namespace: demo\n  overlays: [team]\n  services:\n{}",
            SERVICES
                .iter()
                .map(|s| format!("    {s}: {{}}\n"))
                .collect::<String>()
        ),
    );
    write(
        &root.join("overlays/team/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  example.org/team: platform\n",
    );
    for (site, domain) in sites {
        write(
            &root.join(format!("sites/{site}/site.yaml")),
            &format!(
                "apiVersion: strata/v1alpha1\nkind: Site\nmetadata:\n  name: {site}\nspec:\n  layers: [common]\n  domain: {domain}\n"
            ),
        );
    }
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "base"]);
    let out = strata(root, &["diff", "--base", "HEAD"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the fleet does not compile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Sets `key: value` in the values of `svc` in the shared layer.
fn set_value(root: &Path, svc: &str, key: &str, value: &str) {
    let path = root.join("sites/_layers/common.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let from = format!("    {svc}: {{}}\n");
    assert!(text.contains(&from), "{text}");
    write(
        &path,
        &text.replacen(
            &from,
            &format!("    {svc}:\n      values: {{{key}: {value}}}\n"),
            1,
        ),
    );
}

/// `strata diff --base HEAD ARGS…`, which must report changes (exit 1).
fn diff(root: &Path, args: &[&str]) -> Output {
    let mut all = vec!["diff", "--base", "HEAD"];
    all.extend_from_slice(args);
    let out = strata(root, &all);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The report of `strata diff --base HEAD` on the working tree of `root`, through the library
/// (so that it can be rendered for thousands of bounds without recompiling).
fn report(root: &Path) -> strata::diff::Report {
    let root = root.canonicalize().unwrap_or_else(|e| panic!("{e}"));
    let base = strata::diff::git::checkout(&root, "HEAD").unwrap_or_else(|d| panic!("{d:?}"));
    let sites = strata::diff::site_names(&root);
    let b = strata::diff::snapshot(&base.root, &sites).unwrap_or_else(|d| panic!("{d:?}"));
    let h = strata::diff::snapshot(&root, &sites).unwrap_or_else(|d| panic!("{d:?}"));
    strata::diff::compare(&b, &h, "HEAD", "working tree")
}

/// `--max-bytes N` never prints more than N bytes, the truncation note included, for every N
/// from 0 to past the full report, in markdown and text, with and without `--output` (the old
/// renderer printed 118 bytes for `--max-bytes 100`, and text ignored the bound); the command
/// line passes the bound through for both formats.
#[test]
fn max_bytes_is_a_hard_bound_for_every_value() {
    use strata::diff::render;
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path();
    fleet(
        root,
        &[
            ("north", "north.example.org"),
            ("south", "south.example.org"),
        ],
    );
    set_value(root, "alpha", "level", "debug");
    set_value(root, "zeta", "replicas", "3");
    write(
        &root.join("overlays/team/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  example.org/team: platform\n  example.org/reviewed: \"yes\"\n",
    );
    let r = report(root);
    assert!(r.changes.len() > 3, "{:#?}", r.changes);
    let full_md = render::markdown(&r, None, None);
    let full_text = render::text(&r, false, None, None);
    let longest = full_md.len().max(full_text.len());
    assert!(longest > 2000, "the report is too small to cut");
    for n in 0..=longest + 1 {
        for file in [None, Some("strata-diff.md")] {
            let md = render::markdown(&r, Some(n), file);
            let text = render::text(&r, false, Some(n), file);
            for (format, out, full) in [("markdown", &md, &full_md), ("text", &text, &full_text)] {
                assert!(
                    out.len() <= n,
                    "{format} {file:?}: --max-bytes {n} gave {} bytes:\n{out}",
                    out.len()
                );
                if n >= full.len() {
                    assert_eq!(
                        out, full,
                        "{format}: --max-bytes {n} cut a report that fits"
                    );
                } else if n >= 300 {
                    assert!(
                        out.contains(&format!("truncated to {n} bytes")),
                        "{format}: no notice at --max-bytes {n}:\n{out}"
                    );
                }
            }
        }
    }
    // The command line: the same bound for both formats.
    for format in ["markdown", "text"] {
        for n in [0, 100, 117, 1000] {
            let out = diff(root, &["--format", format, "--max-bytes", &n.to_string()]).stdout;
            assert!(
                out.len() <= n,
                "strata diff --format {format} --max-bytes {n} printed {} bytes",
                out.len()
            );
        }
    }
}

/// A replica change is kept ahead of config-hash-only Deployment changes and ConfigMap edits
/// that sort before it by name (the old report was cut in alphabetical order and dropped it).
#[test]
fn a_replica_change_survives_truncation_ahead_of_config_hash_only_diffs() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path();
    fleet(root, &[("north", "north.example.org")]);
    for svc in ["alpha", "beta", "gamma"] {
        set_value(root, svc, "level", "debug");
    }
    set_value(root, "zeta", "replicas", "3");

    let json: Value =
        serde_json::from_slice(&diff(root, &["--format", "json"]).stdout).unwrap_or(Value::Null);
    let changes = json["changes"].as_array().cloned().unwrap_or_default();
    let first = changes.first().cloned().unwrap_or(Value::Null);
    assert_eq!(
        (first["kind"].as_str(), first["name"].as_str()),
        (Some("Deployment"), Some("zeta")),
        "the replica change is not first: {json:#}"
    );
    assert!(first["risks"]
        .as_array()
        .is_some_and(|r| r.contains(&Value::from("replicas"))));
    // The config-hash-only Deployment changes come last.
    let last = changes.last().cloned().unwrap_or(Value::Null);
    assert_eq!(last["kind"], "Deployment", "{json:#}");
    assert_eq!(last["riskScore"], 0, "{json:#}");

    let full = String::from_utf8_lossy(&diff(root, &["--format", "markdown"]).stdout).into_owned();
    let sections = full.matches("<details>").count();
    assert_eq!(sections, 7, "{full}");
    let head = full.find("### Changes").unwrap_or(0) + "### Changes\n\n".len();
    let biggest = full[head..]
        .split_inclusive("</details>\n\n")
        .map(str::len)
        .max()
        .unwrap_or(0);
    // Room for the summary, one or two sections and the note: not for all seven.
    let n = head + biggest + 400;
    for format in ["markdown", "text"] {
        let out = diff(root, &["--format", format, "--max-bytes", &n.to_string()]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.len() <= n, "{format}: {} > {n}", text.len());
        assert!(
            text.contains("truncated"),
            "{format}: not truncated:\n{text}"
        );
        let zeta = match format {
            "markdown" => "Changed <code>Deployment demo/zeta</code>",
            _ => "changed Deployment demo/zeta [zeta]",
        };
        assert!(
            text.contains(zeta),
            "{format}: the replica change was dropped:\n{text}"
        );
    }
}

/// An annotation added through an overlay shared by three sites is one entry per object,
/// listing the three sites, although each site's objects differ right beside the added line
/// (their hostnames and config hashes).
#[test]
fn an_annotation_added_through_a_shared_overlay_is_one_entry_listing_the_sites() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path();
    let sites = [
        ("north", "north.example.org"),
        ("south", "south.example.net"),
        ("west", "w.example.com"),
    ];
    fleet(root, &sites);
    write(
        &root.join("overlays/team/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  example.org/team: platform\n  example.org/reviewed: \"yes\"\n",
    );
    let json: Value =
        serde_json::from_slice(&diff(root, &["--format", "json"]).stdout).unwrap_or(Value::Null);
    let changes = json["changes"].as_array().cloned().unwrap_or_default();
    // A ConfigMap and a Deployment per service.
    assert_eq!(changes.len(), 2 * SERVICES.len(), "{json:#}");
    for c in &changes {
        assert_eq!(
            c["sites"],
            serde_json::json!(["north", "south", "west"]),
            "{c:#}"
        );
        let diff = c["diff"].as_str().unwrap_or("");
        assert!(
            diff.contains("+    example.org/reviewed: \"yes\""),
            "{diff}"
        );
    }
    // The context around the added line does differ between the sites.
    let host = changes
        .iter()
        .filter_map(|c| c["diff"].as_str())
        .any(|d| d.contains("north.example.org"));
    assert!(host, "{json:#}");
}
