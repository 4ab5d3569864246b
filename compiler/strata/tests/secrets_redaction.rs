//! No diagnostic, in text or JSON, shows a value that is or may be secret.
//!
//! A distinctive literal is planted, one place at a time, in a scratch copy of the reference
//! repository: a value its service's schema marks `x-strata-secret` (in a site and in a layer),
//! a Secret's data (in a template, in an object a site kustomization adds, in an overlay patch
//! that does not parse), a plaintext file under `sites/<site>/secrets/`, and a literal
//! credential the leak check flags. Every command runs on each copy (text and JSON where the
//! command has both); the literal must appear in no output, and the expected diagnostic must.
//! A list-driven test then renders a diagnostic of every code with labels on such lines.

mod common;

use std::path::Path;
use std::process::Command;

use common::{copy_tree, strata, workspace};
use strata::diag::{render_json, render_text, Code, Diagnostic, Source};

const PLANTED: &str = "Zq7-PLANTED-SECRET-91x";

/// A scratch copy of the reference repository's inputs.
fn reference_copy(dir: &Path) {
    for part in ["services", "sites", "overlays", "schemas"] {
        copy_tree(&workspace().join(part), &dir.join(part));
    }
}

fn edit(root: &Path, rel: &str, f: impl FnOnce(String) -> String) {
    let p = root.join(rel);
    let text = std::fs::read_to_string(&p).unwrap_or_default();
    let new = f(text.clone());
    assert_ne!(text, new, "{rel}: the planting edit changed nothing");
    std::fs::write(&p, new).unwrap_or_else(|e| panic!("{rel}: {e}"));
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{rel}: {e}"));
}

struct Scenario {
    name: &'static str,
    /// The site the planted value concerns.
    site: &'static str,
    /// A code that must be reported (the plant is found).
    code: &'static str,
    plant: fn(&Path),
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "x-strata-secret literal in site.yaml",
            site: "prod-brno",
            code: "E0602",
            plant: |r| {
                edit(r, "sites/prod-brno/site.yaml", |t| {
                    t.replacen(
                        "    heat: {}\n",
                        &format!("    heat: {{}}\n    glance:\n      values:\n        storage:\n          rbd:\n            key: {PLANTED}\n"),
                        1,
                    )
                })
            },
        },
        Scenario {
            name: "x-strata-secret literal in a layer, and again under a misspelt key",
            site: "prod-ostrava",
            code: "E0602",
            plant: |r| {
                edit(r, "sites/_layers/tier-production.yaml", |t| {
                    t.replacen(
                        "            key: {secretRef: {name: rook-ceph-client-glance, key: glance}}",
                        &format!("            key: {PLANTED}\n            kye: {PLANTED}"),
                        1,
                    )
                })
            },
        },
        Scenario {
            name: "x-strata-secret literal at a path declared in a catalog library schema block",
            site: "prod-brno",
            code: "E0602",
            plant: |r| {
                edit(r, "services/_lib/schemas/common.schema.json", |t| {
                    let mut v: serde_json::Value =
                        serde_json::from_str(&t).unwrap_or_else(|e| panic!("{e}"));
                    v["$defs"]["database"]["properties"]["password"] =
                        serde_json::json!({"type": "object", "x-strata-secret": true});
                    serde_json::to_string_pretty(&v).unwrap_or_else(|e| panic!("{e}"))
                });
                edit(r, "sites/prod-brno/site.yaml", |t| {
                    t.replacen(
                        "    heat: {}\n",
                        &format!("    heat:\n      values:\n        database:\n          password: {PLANTED}\n"),
                        1,
                    )
                })
            },
        },
        Scenario {
            name: "a Secret's data in a template",
            site: "prod-brno",
            code: "E0601",
            plant: |r| {
                write(
                    r,
                    "services/keystone/templates/leaked.yaml.j2",
                    &format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\nstringData:\n  rbd-key: {PLANTED}\n"),
                )
            },
        },
        Scenario {
            name: "a Secret's data added by a site kustomization",
            site: "prod-ostrava",
            code: "E0601",
            plant: |r| {
                write(
                    r,
                    "sites/prod-ostrava/kustomization.yaml",
                    "resources:\n- leaked.yaml\n",
                );
                write(
                    r,
                    "sites/prod-ostrava/leaked.yaml",
                    &format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\n  namespace: openstack\n  labels: {{strata.io/service: keystone}}\ndata:\n  rbd-key: {PLANTED}\n"),
                );
            },
        },
        Scenario {
            name: "a Secret's data in an overlay patch that does not parse",
            site: "prod-ostrava",
            code: "E0401",
            plant: |r| {
                write(
                    r,
                    "sites/prod-ostrava/kustomization.yaml",
                    "patches:\n- path: leaked.yaml\n",
                );
                write(
                    r,
                    "sites/prod-ostrava/leaked.yaml",
                    &format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\nstringData:\n  rbd-key: {PLANTED}: [\n"),
                );
            },
        },
        Scenario {
            name: "a plaintext file under secrets/",
            site: "edge-north1",
            code: "E0603",
            plant: |r| {
                write(
                    r,
                    "sites/edge-north1/secrets/plain.sops.yaml",
                    &format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: plain\nstringData:\n  password: {PLANTED}\n  other: |\n    {PLANTED}\n"),
                )
            },
        },
        Scenario {
            name: "a file under secrets/ that does not parse, on the secret's line",
            site: "edge-north1",
            code: "E0101",
            plant: |r| {
                write(
                    r,
                    "sites/edge-north1/secrets/broken.sops.yaml",
                    &format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken\nstringData:\n  token: {PLANTED}: [\n"),
                )
            },
        },
        Scenario {
            name: "a literal credential in a ConfigMap template",
            site: "prod-brno",
            code: "E0601",
            plant: |r| {
                edit(r, "services/keystone/templates/configmap.yaml.j2", |t| {
                    t.replacen(
                        "  keystone.conf: |\n",
                        &format!("  keystone.conf: |\n    [database]\n    connection = mysql+pymysql://keystone:{PLANTED}@db/keystone\n    password = {PLANTED}\n"),
                        1,
                    )
                })
            },
        },
    ]
}

fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.email=ci@example.org", "-c", "user.name=ci"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs every command on a planted copy; returns the combined output of each, by command.
fn run_all(root: &Path, site: &str) -> Vec<(String, String)> {
    let out = root.join("rendered");
    let out = out.to_string_lossy().into_owned();
    let commands: Vec<Vec<&str>> = vec![
        vec!["build", "--out", &out, "--format", "json"],
        vec!["build", site, "--out", &out],
        vec!["build", site, "--out", &out, "--check"],
        vec!["validate", site, "--format", "json"],
        vec!["graph", site],
        vec!["secrets", site],
        vec!["secrets", site, "--format", "json"],
        vec!["explain", site, "ConfigMap/keystone-etc", "data"],
        vec!["explain", site, "Secret/leaked", "stringData.rbd-key"],
        vec!["diff", "HEAD"],
        vec!["diff", "HEAD", "--format", "json"],
    ];
    commands
        .iter()
        .map(|args| {
            let o = strata(root, args);
            (
                args.join(" "),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                ),
            )
        })
        .collect()
}

#[test]
fn planted_secrets_appear_in_no_output() {
    let have_git = Command::new("git").arg("--version").output().is_ok();
    if !have_git {
        common::skip_or_fail("git is not installed: diff is not run");
    }
    let scenarios = scenarios();
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = scenarios
            .iter()
            .map(|sc| {
                s.spawn(move || {
                    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
                    let root = dir.path();
                    reference_copy(root);
                    // The unplanted copy is the diff's base revision.
                    let committed = have_git
                        && git(root, &["init", "-q"])
                        && git(root, &["add", "-A"])
                        && git(root, &["commit", "-qm", "base"]);
                    assert!(
                        !have_git || committed,
                        "git could not commit the scratch copy"
                    );
                    (sc.plant)(root);
                    let outputs = run_all(root, sc.site);
                    let mut failures = Vec::new();
                    for (cmd, text) in &outputs {
                        if text.contains(PLANTED) {
                            failures.push(format!(
                                "[{}] `strata {cmd}` shows the planted secret:\n{text}",
                                sc.name
                            ));
                        }
                    }
                    if !outputs.iter().any(|(_, t)| t.contains(sc.code)) {
                        failures.push(format!(
                            "[{}] no command reported {} (the plant was not found):\n{}",
                            sc.name,
                            sc.code,
                            outputs
                                .iter()
                                .map(|(c, t)| format!("$ strata {c}\n{t}"))
                                .collect::<String>()
                        ));
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec!["a scenario panicked".into()])
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Sources holding the planted value the ways an input can: a file under `secrets/`, a value
/// the load stage marked secret, a Secret's data in a template, literal credentials.
fn secret_sources() -> Vec<(Source, usize)> {
    let sops = format!("apiVersion: v1\nkind: Secret\nstringData:\n  password: {PLANTED}\n");
    let site =
        format!("spec:\n  services:\n    glance:\n      values: {{key: {PLANTED}, kye: 1}}\n");
    let at = site.find(PLANTED).unwrap_or(0);
    let template = format!("kind: Secret\nmetadata:\n  name: x\ndata:\n  rbd-key: {PLANTED}\n");
    let config =
        format!("[database]\nconnection = mysql://u:{PLANTED}@db/x\nadmin_token = {PLANTED}\n");
    let env = format!("env:\n- name: OS_PASSWORD\n  value: {PLANTED}\n");
    let line_of = |text: &str| text.find(PLANTED).unwrap_or(0);
    vec![
        (
            Source::new("sites/a/secrets/x.sops.yaml", sops.clone()),
            line_of(&sops),
        ),
        (
            Source::new("sites/a/site.yaml", site.clone())
                .with_redacted(std::iter::once(at..at + PLANTED.len())),
            at,
        ),
        (
            Source::new("services/a/templates/s.yaml.j2", template.clone()),
            line_of(&template),
        ),
        (
            Source::new("services/a/templates/c.yaml.j2", config.clone()),
            line_of(&config),
        ),
        (
            Source::new("services/a/templates/d.yaml.j2", env.clone()),
            line_of(&env),
        ),
    ]
}

fn span(text: &str, range: std::ops::Range<usize>) -> strata_yaml::Span {
    let pos = |off: usize| strata_yaml::Pos {
        line: u32::try_from(text[..off].matches('\n').count() + 1).unwrap_or(0),
        col: u32::try_from(off - text[..off].rfind('\n').map_or(0, |i| i + 1) + 1).unwrap_or(0),
        offset: off,
    };
    strata_yaml::Span {
        start: pos(range.start),
        end: pos(range.end),
    }
}

#[test]
fn no_diagnostic_code_shows_a_secret_in_its_snippet() {
    for (code, _) in Code::all() {
        for (source, at) in secret_sources() {
            // A label on the value, one on its whole line, one spanning the whole file: what
            // a diagnostic of any code may point at.
            let text = source.text.to_string();
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            let d = Diagnostic::error(*code, "something is wrong")
                .at(&source, span(&text, at..at + PLANTED.len()), "the value")
                .at(&source, span(&text, line_start..line_end), "its line")
                .at(
                    &Source::new(source.path.clone(), source.text.clone()),
                    span(&text, 0..text.len()),
                    "the file",
                );
            for warning in [false, true] {
                let mut d = d.clone();
                if warning {
                    d.severity = strata::diag::Severity::Warning;
                }
                let shown = render_text(std::slice::from_ref(&d), false);
                assert!(
                    !shown.contains(PLANTED),
                    "{code} shows the secret of {}:\n{shown}",
                    source.path
                );
                assert!(shown.contains(code.as_str()), "{shown}");
                let json = render_json(std::slice::from_ref(&d));
                assert!(!json.contains(PLANTED), "{code} (JSON):\n{json}");
            }
        }
    }
}
