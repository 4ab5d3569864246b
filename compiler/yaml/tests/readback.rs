//! The emitter's promise, checked against the readers that matter: what Strata writes is read
//! back as the same strings by go-yaml v2 (YAML 1.1, through `kubectl kustomize` reading a
//! kustomization file), go-yaml v3 (kustomize reading a resource file), PyYAML (YAML 1.1) and
//! Strata's own loader.
//!
//! Tests that need `kubectl` or `python3` skip with a loud message when the tool is absent, and
//! fail instead when `CI=true`, so that CI never passes them by skipping.

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use strata_yaml::{emit, parse_one, KeyOrder, ParseOptions};

/// Strings that YAML readers are known to disagree on, plus plain ones that must stay plain.
const TRICKY: &[&str] = &[
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "NO",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "y",
    "Y",
    "n",
    "N",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "null",
    "Null",
    "NULL",
    "~",
    "",
    "0",
    "00",
    "0777",
    "0o17",
    "0x1F",
    "0b101",
    "-0b101",
    "1_000",
    "1e3",
    "1E3",
    "1.0",
    "1.",
    ".5",
    "-1",
    "+1",
    "+12.5e-3",
    "08",
    "09.5",
    "1:20",
    "190:20:30",
    "190:20:30.15",
    "2024-01-01",
    "2024-1-1",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    ".inf",
    "-.inf",
    ".NaN",
    "+inf",
    "-Infinity",
    "NaN",
    "<<",
    "=",
    "- item",
    "-",
    "--",
    "-c",
    "--flag=x",
    "?",
    "? x",
    ":",
    "::1",
    "a: b",
    "a:b",
    "a #b",
    "a#b",
    "x:",
    " lead",
    "trail ",
    "#comment",
    "*star",
    "&amp",
    "!bang",
    "|pipe",
    ">fold",
    "'single'",
    "\"double\"",
    "%percent",
    "@at",
    "`tick",
    "[a, b]",
    "{a: b}",
    "a, b",
    "---",
    "...",
    "tab\tinside",
    "multi\nline\n",
    "multi\nline",
    "  indented\nblock\n",
    "trailing\n\n\n",
    "10Gi",
    "100m",
    "nginx:1.25",
    "registry.example.org:5000/team/app@sha256:abc",
    "http://keystone:5000/v3",
    "ünïcødé",
    "emoji 🚀",
    "back\\slash",
    "quote\"inside",
    "nbsp\u{a0}inside",
    "line\u{2028}sep",
];

fn tricky_map() -> Map<String, Value> {
    TRICKY
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("k{i:03}"), Value::String((*s).to_string())))
        .collect()
}

/// Whether an external tool is present; absent means skip, except under CI.
fn have(tool: &str, args: &[&str]) -> bool {
    let ok = Command::new(tool)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is required under CI=true but is not available"
        );
        eprintln!(
            "\n!!! SKIPPED: `{tool}` is not available; this read-back test did not run !!!\n"
        );
    }
    ok
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("strata-yaml-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
}

#[test]
fn own_loader_reads_back_every_tricky_string() {
    let v = Value::Object(tricky_map());
    let text = emit(&v, KeyOrder::Sorted);
    let back = parse_one(&text, &ParseOptions::default())
        .expect("parse")
        .value;
    assert_eq!(back, v, "{text}");
    // As keys too.
    let keys: Map<String, Value> = TRICKY
        .iter()
        .map(|s| ((*s).to_string(), json!(1)))
        .collect();
    let v = Value::Object(keys);
    let text = emit(&v, KeyOrder::Sorted);
    let back = parse_one(&text, &ParseOptions::default())
        .expect("parse")
        .value;
    assert_eq!(back, v, "{text}");
}

#[test]
fn pyyaml_reads_back_every_tricky_string() {
    if !have("python3", &["-c", "import yaml"]) {
        return;
    }
    let dir = tempdir("pyyaml");
    let v = Value::Object(tricky_map());
    write(&dir.join("in.yaml"), &emit(&v, KeyOrder::Sorted));
    let out = Command::new("python3")
        .arg("-c")
        .arg("import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))")
        .arg(dir.join("in.yaml"))
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let back: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(back, v);
}

#[test]
fn go_yaml_v2_and_v3_read_back_every_tricky_string() {
    if !have("kubectl", &["version", "--client"]) {
        return;
    }
    let dir = tempdir("kubectl");
    // kubectl's own emitter (go-yaml v2) writes U+2028 as a line break followed by indentation,
    // so its output cannot carry such a string back; those are checked by the other readers.
    let strings: Map<String, Value> = tricky_map()
        .into_iter()
        .filter(|(_, v)| !v.as_str().is_some_and(|s| s.contains('\u{2028}')))
        .collect();
    // go-yaml v3: a ConfigMap resource file.
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tricky"}, "data": strings});
    write(&dir.join("cm.yaml"), &emit(&cm, KeyOrder::Kubernetes));
    // go-yaml v2 (YAML 1.1): the kustomization file itself, whose commonAnnotations are
    // `map[string]string`: a value read as a boolean or number fails the build.
    let annotations: Map<String, Value> = strings
        .iter()
        .filter(|(_, v)| v.as_str().is_some_and(|s| !s.is_empty()))
        .map(|(k, v)| (format!("example.org/{k}"), v.clone()))
        .collect();
    let kust = json!({"resources": ["cm.yaml"], "commonAnnotations": annotations});
    write(
        &dir.join("kustomization.yaml"),
        &emit(&kust, KeyOrder::Sorted),
    );
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(&dir)
        .output()
        .expect("kubectl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let back = parse_one(&text, &ParseOptions::default())
        .expect("parse")
        .value;
    assert_eq!(back["data"], Value::Object(strings));
    assert_eq!(back["metadata"]["annotations"], Value::Object(annotations));
}

fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        2 => proptest::sample::select(vec![
            ' ', '\n', '\t', ':', '#', '-', '?', '!', '&', '*', '|', '>', '\'', '"', '%', '@', '`',
            ',', '[', ']', '{', '}', '.', '0', '1', '7', '9', 'e', 'x', 'o', 'y', 'n', '~', '=',
            '<', '\\', '\r', '\u{85}', '\u{a0}', '\u{2028}', '\u{feff}', 'é', '🚀', '\u{1}',
        ]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_string_round_trips_as_value_and_key(chars in proptest::collection::vec(tricky_char(), 0..24)) {
        let s: String = chars.into_iter().collect();
        let v = json!({ "v": s.clone(), "l": [s.clone(), [s.clone()]], s.clone(): {"x": s.clone()} });
        let text = emit(&v, KeyOrder::Sorted);
        let back = parse_one(&text, &ParseOptions::default());
        prop_assert!(back.is_ok(), "{:?} gave unparsable\n{}", s, text);
        prop_assert_eq!(back.map(|d| d.value).ok(), Some(v), "{}", text);
    }
}
