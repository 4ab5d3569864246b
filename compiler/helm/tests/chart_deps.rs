//! Chart loading, dependency processing (condition, tags, alias, import-values, library
//! charts, `file://` dependencies) and values coalescing (globals, subchart scoping, `null`
//! deletes), checked against Helm: the expected texts are what Helm SDK v4.2.3
//! (helm-python-sdk 0.2.2) renders for the same chart (with `lib` copied into `charts/`, as
//! `helm dependency build` would), printed as `== NAME` and the text per file.

use std::path::Path;

fn render(values_json: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts-unit/parent");
    let chart = strata_helm::load_dir(&dir).expect("chart loads");
    let values = strata_helm::serial::from_json_any(values_json).expect("json");
    let opts = strata_helm::RenderOptions {
        release_name: "r".into(),
        namespace: "ns".into(),
        values: strata_helm::Frozen::from_value(&values),
        ..Default::default()
    };
    let files = strata_helm::render(&chart, &opts).expect("renders");
    let mut out = String::new();
    for (k, v) in files {
        out.push_str(&format!("== {k}\n{v}\n"));
    }
    out
}

#[test]
fn default_values_match_helm() {
    assert_eq!(render("{}"), EXPECTED_DEFAULT);
}

#[test]
fn condition_disables_a_subchart_and_its_values_stay() {
    assert_eq!(render(r#"{"sub":{"enabled":false}}"#), EXPECTED_SUB_OFF);
}

#[test]
fn tags_false_and_null_delete() {
    // `other` is tagged `extra`: off. `sub.x: null` deletes the key, the subchart's default
    // included (Helm prints `sub-`); `fromOther: null` deletes the parent's table.
    let out = render(r#"{"tags":{"extra":false},"sub":{"x":null},"fromOther":null}"#);
    assert_eq!(out, EXPECTED_TAGS_NULL);
}

#[test]
fn parse_once_reuses_the_template_set() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts-unit/parent");
    let chart = strata_helm::load_dir(&dir).expect("chart loads");
    let opts = strata_helm::RenderOptions::default();
    let a = strata_helm::render(&chart, &opts).expect("renders");
    let b = strata_helm::render(&chart, &opts).expect("renders again");
    assert_eq!(a, b);
}

const EXPECTED_DEFAULT: &str = r#"== p/charts/other/templates/s.yaml
kind: Secret
metadata:
  name: other-default
  annotations:
    g: "{\"env\":\"prod\",\"nested\":{\"a\":1,\"b\":2}}"
    tn: p/charts/other/templates/s.yaml p/charts/other/templates false

== p/charts/sub/templates/s.yaml
kind: Secret
metadata:
  name: sub-parent-set
  annotations:
    g: "{\"env\":\"prod\",\"nested\":{\"a\":1,\"b\":2}}"
    tn: p/charts/sub/templates/s.yaml p/charts/sub/templates false

== p/templates/NOTES.txt
notes r

== p/templates/cm.yaml
kind: ConfigMap
metadata:
  name: r-p
data:
  vals: "{\"d1\":\"dv\",\"fromOther\":{\"e1\":\"v1\",\"keep\":\"parent\"},\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1}},\"lib\":{\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1}}},\"other\":{\"exported\":{\"e1\":\"v1\",\"keep\":\"child\"},\"exports\":{\"data\":{\"d1\":\"dv\"}},\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1,\"b\":2}},\"true\":\"suby\",\"x\":\"default\"},\"sub\":{\"enabled\":true,\"exported\":{\"e1\":\"v1\",\"keep\":\"child\"},\"exports\":{\"data\":{\"d1\":\"dv\"}},\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1,\"b\":2}},\"true\":\"suby\",\"x\":\"parent-set\"},\"tags\":{\"extra\":true}}"
  subs: lib,other,sub
  deps: sub:true:[];other:true:[map[child:exported parent:fromOther] map[child:exports.data parent:.]];lib:true:[];

== p/templates/hooks.yaml
apiVersion: v1
kind: Pod
metadata:
  name: test-pod
  annotations:
    helm.sh/hook: test
---
apiVersion: batch/v1
kind: Job
metadata:
  name: pre
  annotations:
    helm.sh/hook: pre-install
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa

"#;

const EXPECTED_SUB_OFF: &str = r#"== p/charts/other/templates/s.yaml
kind: Secret
metadata:
  name: other-default
  annotations:
    g: "{\"env\":\"prod\",\"nested\":{\"a\":1,\"b\":2}}"
    tn: p/charts/other/templates/s.yaml p/charts/other/templates false

== p/templates/NOTES.txt
notes r

== p/templates/cm.yaml
kind: ConfigMap
metadata:
  name: r-p
data:
  vals: "{\"d1\":\"dv\",\"fromOther\":{\"e1\":\"v1\",\"keep\":\"parent\"},\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1}},\"lib\":{\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1}}},\"other\":{\"exported\":{\"e1\":\"v1\",\"keep\":\"child\"},\"exports\":{\"data\":{\"d1\":\"dv\"}},\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1,\"b\":2}},\"true\":\"suby\",\"x\":\"default\"},\"sub\":{\"enabled\":false,\"x\":\"parent-set\"},\"tags\":{\"extra\":true}}"
  subs: lib,other
  deps: other:true:[map[child:exported parent:fromOther] map[child:exports.data parent:.]];lib:true:[];

== p/templates/hooks.yaml
apiVersion: v1
kind: Pod
metadata:
  name: test-pod
  annotations:
    helm.sh/hook: test
---
apiVersion: batch/v1
kind: Job
metadata:
  name: pre
  annotations:
    helm.sh/hook: pre-install
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa

"#;

const EXPECTED_TAGS_NULL: &str = r#"== p/charts/sub/templates/s.yaml
kind: Secret
metadata:
  name: sub-
  annotations:
    g: "{\"env\":\"prod\",\"nested\":{\"a\":1,\"b\":2}}"
    tn: p/charts/sub/templates/s.yaml p/charts/sub/templates false

== p/templates/NOTES.txt
notes r

== p/templates/cm.yaml
kind: ConfigMap
metadata:
  name: r-p
data:
  vals: "{\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1}},\"lib\":{\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1}}},\"sub\":{\"enabled\":true,\"exported\":{\"e1\":\"v1\",\"keep\":\"child\"},\"exports\":{\"data\":{\"d1\":\"dv\"}},\"global\":{\"env\":\"prod\",\"nested\":{\"a\":1,\"b\":2}},\"true\":\"suby\"},\"tags\":{\"extra\":false}}"
  subs: lib,sub
  deps: sub:true:[];lib:true:[];

== p/templates/hooks.yaml
apiVersion: v1
kind: Pod
metadata:
  name: test-pod
  annotations:
    helm.sh/hook: test
---
apiVersion: batch/v1
kind: Job
metadata:
  name: pre
  annotations:
    helm.sh/hook: pre-install
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa

"#;
