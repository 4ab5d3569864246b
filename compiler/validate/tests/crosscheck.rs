//! Strata's validator against an independent one, kubernetes-validate from PyPI (run by
//! `scripts/crosscheck-validate.sh`): on the positive fixtures both must accept every object,
//! on the negative fixtures both must reject every file. The strata-only negatives (rules of
//! the API server that plain JSON Schema validation misses) must be rejected by Strata and are
//! accepted by kubernetes-validate, which shows where Strata is deliberately stricter.
//!
//! Needs python3, pip and PyPI: when they are missing the test is skipped loudly, except in CI
//! (`CI=true`), where it fails.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::{json, Value};
use strata_validate::{Validator, Violation, ViolationKind};

enum Outcome {
    Ok,
    Failed(String),
    Unavailable(String),
}

fn crosscheck(version: &str, expect_invalid: bool, dirs: &[&Path]) -> Outcome {
    crosscheck_with(
        version,
        if expect_invalid {
            &["--expect-invalid"]
        } else {
            &[]
        },
        dirs,
    )
    .0
}

fn crosscheck_with(version: &str, flags: &[&str], dirs: &[&Path]) -> (Outcome, String) {
    let script = repo_root().join("scripts/crosscheck-validate.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&script).arg("--kubernetes-version").arg(version);
    cmd.args(flags);
    cmd.args(dirs);
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            return (
                Outcome::Unavailable(format!("cannot run bash: {e}")),
                String::new(),
            )
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let text = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let outcome = match out.status.code() {
        Some(0) => Outcome::Ok,
        Some(3) => Outcome::Unavailable(text),
        _ => Outcome::Failed(text),
    };
    (outcome, stdout)
}

fn unavailable(text: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("kubernetes-validate is unavailable in CI:\n{text}");
    }
    // Written to the real stderr, not through the test harness's capture: a skip must be seen.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: the cross-check with kubernetes-validate did not run \
         (python3, pip or PyPI unavailable):\n{text}"
    );
}

/// Runs the script; returns false (after saying so) when the independent validator is not
/// available outside CI.
fn expect_ok(version: &str, expect_invalid: bool, dirs: &[&Path]) -> bool {
    match crosscheck(version, expect_invalid, dirs) {
        Outcome::Ok => true,
        Outcome::Failed(text) => panic!("kubernetes-validate disagrees:\n{text}"),
        Outcome::Unavailable(text) => {
            unavailable(&text);
            false
        }
    }
}

#[test]
fn both_validators_agree_on_the_fixtures() {
    let f = fixtures();
    let (valid, gitops, invalid) = (f.join("valid"), f.join("gitops/valid"), f.join("invalid"));
    for version in ["1.31", "1.37"] {
        let v = Validator::new(version, &[], &[]).unwrap();
        // Strata's side.
        assert_all_valid(&v, &valid);
        assert_all_valid(&v, &gitops);
        assert_all_rejected(&v, &invalid);
        assert_all_rejected(&v, &f.join("invalid-strata-only"));
        // The independent side.
        if !expect_ok(version, false, &[&valid, &gitops]) {
            return;
        }
        expect_ok(version, true, &[&invalid]);
        // kubernetes-validate accepts these: the rules they break are the API server's, which
        // only Strata knows. If this fails, move the fixture to `invalid/`.
        expect_ok(version, false, &[&f.join("invalid-strata-only")]);
    }
}

/// Every scalar, map and list of `v` with its JSON pointer.
fn nodes(v: &Value, pointer: String, out: &mut Vec<String>) {
    out.push(pointer.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let token = k.replace('~', "~0").replace('/', "~1");
                nodes(c, format!("{pointer}/{token}"), out);
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate() {
                nodes(c, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The mutations of one object: at every node, a value of another type, an unknown field (in
/// maps) and the removal of the node (from maps). `apiVersion` and `kind` are left alone.
fn mutations(object: &Value) -> Vec<(String, Value)> {
    let mut pointers = Vec::new();
    nodes(object, String::new(), &mut pointers);
    let mut out = Vec::new();
    for p in pointers {
        if p.is_empty() || p == "/apiVersion" || p == "/kind" {
            continue;
        }
        let Some(node) = object.pointer(&p) else {
            continue;
        };
        let other = match node {
            Value::String(_) => json!(7),
            Value::Bool(_) => json!("yes"),
            Value::Number(n) => json!(n.to_string()),
            Value::Array(_) => json!("x"),
            Value::Object(_) => json!(["x"]),
            Value::Null => json!({}),
        };
        let mut m = object.clone();
        if let Some(slot) = m.pointer_mut(&p) {
            *slot = other;
            out.push((format!("type {p}"), m));
        }
        if node.is_object() {
            let mut m = object.clone();
            if let Some(Value::Object(map)) = m.pointer_mut(&p) {
                map.insert("zzUnknownField".into(), json!(1));
                out.push((format!("unknown {p}"), m));
            }
        }
        let (parent, last) = p.rsplit_once('/').unwrap_or(("", ""));
        let mut m = object.clone();
        if let Some(Value::Object(map)) = m.pointer_mut(parent) {
            let key = strata_yaml::pointer_unescape(last);
            map.shift_remove(&key);
            out.push((format!("delete {p}"), m));
        }
    }
    out
}

/// The rules of the API server that only Strata checks (see the crate documentation): a
/// violation of one of them may reject an object that kubernetes-validate accepts.
fn api_server_only(v: &Violation) -> bool {
    match v.kind {
        ViolationKind::Format => true,
        ViolationKind::Required => {
            v.pointer == "/metadata"
                || v.pointer == "/metadata/name"
                || v.pointer.ends_with("/image")
        }
        ViolationKind::Other => {
            v.message.contains("2147483647") || v.message.contains("-2147483648")
        }
        _ => false,
    }
}

/// Differential test on every single-point mutation of the positive fixtures: whatever
/// kubernetes-validate rejects, Strata rejects (Strata is not laxer); whatever Strata rejects
/// and kubernetes-validate accepts breaks only an API-server rule (Strata is not stricter than
/// the API server's documented rules).
#[test]
fn mutated_objects_are_judged_alike() {
    let version = "1.34";
    let v = Validator::new(version, &[], &[]).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut cases: BTreeMap<String, (String, Vec<Violation>)> = BTreeMap::new();
    for path in yaml_files(&fixtures().join("valid")) {
        let f = load(&path);
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        for (i, (what, object)) in mutations(&f.objects[0]).into_iter().enumerate() {
            let file = tmp.path().join(format!("{stem}-{i:04}.yaml"));
            std::fs::write(&file, serde_json::to_string(&object).unwrap()).unwrap();
            cases.insert(
                file.display().to_string(),
                (format!("{stem}: {what}"), v.validate(&object)),
            );
        }
    }
    assert!(cases.len() > 1000, "{} mutations", cases.len());
    let (outcome, stdout) = crosscheck_with(version, &["--results"], &[tmp.path()]);
    match outcome {
        Outcome::Ok => {}
        Outcome::Unavailable(text) => return unavailable(&text),
        Outcome::Failed(text) => panic!("the cross-check script failed:\n{text}"),
    }
    let mut verdicts = BTreeMap::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("RESULT ACCEPT ") {
            verdicts.insert(rest.to_string(), None);
        } else if let Some(rest) = line.strip_prefix("RESULT REJECT ") {
            let (file, reason) = rest.split_once(' ').unwrap_or((rest, ""));
            verdicts.insert(file.to_string(), Some(reason.to_string()));
        }
    }
    assert_eq!(
        verdicts.len(),
        cases.len(),
        "a verdict for every file:\n{stdout}"
    );
    let mut laxer = Vec::new();
    let mut stricter = Vec::new();
    let (mut both, mut only_strata) = (0, 0);
    for (file, (what, out)) in &cases {
        match (&verdicts[file], out.is_empty()) {
            (Some(reason), true) => laxer.push(format!("{what}: kubernetes-validate: {reason}")),
            (Some(_), false) => both += 1,
            (None, false) => {
                only_strata += 1;
                if !out.iter().all(api_server_only) {
                    stricter.push(format!("{what}:\n{}", render(out)));
                }
            }
            (None, true) => {}
        }
    }
    eprintln!(
        "{} mutations: {both} rejected by both, {only_strata} only by Strata (API-server rules), \
         {} accepted by both",
        cases.len(),
        cases.len() - both - only_strata
    );
    assert!(
        laxer.is_empty(),
        "Strata accepts what kubernetes-validate rejects:\n{}",
        laxer.join("\n")
    );
    assert!(
        stricter.is_empty(),
        "Strata rejects beyond the API-server rules:\n{}",
        stricter.join("\n")
    );
}

/// Runs started at once on a fresh machine (tests in parallel) share one install: each waits
/// for the first to finish instead of installing over it, so all succeed.
#[test]
fn concurrent_first_installs_all_succeed() {
    let cache = tempfile::tempdir().unwrap();
    let valid = fixtures().join("valid");
    let script = repo_root().join("scripts/crosscheck-validate.sh");
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new("bash")
                .arg(&script)
                .arg(&valid)
                .env("STRATA_CACHE", cache.path())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    if outs.iter().all(|o| o.status.code() == Some(3)) {
        return unavailable(&text(&outs[0]));
    }
    for o in &outs {
        assert_eq!(o.status.code(), Some(0), "{}", text(o));
    }
    let installs = outs
        .iter()
        .filter(|o| text(o).contains("crosscheck: installing"))
        .count();
    assert_eq!(installs, 1, "the package was installed more than once");
}
