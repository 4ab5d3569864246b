//! `strata helm template`: what `helm template` prints (CRDs first with `--include-crds`,
//! manifests in Helm's kind order, hooks after them, test hooks left out with `--skip-tests`,
//! NOTES.txt not printed), and template errors as diagnostics with file:line:col, exit 2.

mod common;

use std::path::{Path, PathBuf};

fn chart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../helm/tests/charts-unit/parent")
}

#[test]
fn prints_helm_template_output_in_helm_order() {
    let dir = chart();
    let out = common::strata(
        Path::new("."),
        &[
            "helm",
            "template",
            dir.to_str().unwrap_or_default(),
            "--include-crds",
            "--skip-tests",
            "--set",
            "sub.enabled=false",
            "--name",
            "r",
            "--namespace",
            "ns",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text, EXPECTED);
}

#[test]
fn a_fail_is_a_diagnostic_at_the_template_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = tmp.path().join("c");
    std::fs::create_dir_all(c.join("templates")).expect("mkdir");
    std::fs::write(
        c.join("Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    )
    .expect("write");
    std::fs::write(c.join("templates/t.yaml"), "x: 1\n  {{ fail \"boom\" }}\n").expect("write");
    let out = common::strata(
        tmp.path(),
        &["helm", "template", c.to_str().unwrap_or_default()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    // Helm's text (Helm SDK v4.2.3): execution error at (c/templates/t.yaml:2:5): boom
    assert!(
        err.contains("execution error at (c/templates/t.yaml:2:5): boom"),
        "{err}"
    );
    assert!(err.contains("t.yaml:2:"), "{err}");
}

#[test]
fn a_bad_set_is_a_usage_error() {
    let dir = chart();
    let out = common::strata(
        Path::new("."),
        &[
            "helm",
            "template",
            dir.to_str().unwrap_or_default(),
            "--set",
            "a",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("key \"a\" has no value"));
}

const EXPECTED: &str = r#"---
# Source: p/crds/crd.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com

---
# Source: p/templates/hooks.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa

---
# Source: p/charts/other/templates/s.yaml
kind: Secret
metadata:
  name: other-default
  annotations:
    g: "{\"env\":\"prod\",\"nested\":{\"a\":1,\"b\":2}}"
    tn: p/charts/other/templates/s.yaml p/charts/other/templates false

---
# Source: p/templates/cm.yaml
kind: ConfigMap
metadata:
  name: r-p
data:
  vals: "{\"d1\":\"dv\",\"fromOther\":{\"e1\":\"v1\",\"keep\":\"parent\"},\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1}},\"lib\":{\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1}}},\"other\":{\"exported\":{\"e1\":\"v1\",\"keep\":\"child\"},\"exports\":{\"data\":{\"d1\":\"dv\"}},\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1,\"b\":2}},\"true\":\"suby\",\"x\":\"default\"},\"sub\":{\"enabled\":false,\"x\":\"parent-set\"},\"tags\":{\"extra\":true}}"
  subs: lib,other
  deps: other:true:[map[child:exported parent:fromOther] map[child:exports.data parent:.]];lib:true:[];
---
# Source: p/templates/hooks.yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: pre
  annotations:
    helm.sh/hook: pre-install
"#;
