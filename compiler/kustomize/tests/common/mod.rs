//! Shared helpers of the differential tests: finding the tools, running `kubectl kustomize`,
//! and comparing documents semantically.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Whether missing tools fail the test (CI) instead of skipping it.
pub fn strict() -> bool {
    std::env::var("CI").map(|v| v == "true").unwrap_or(false)
}

/// Skips (or, in CI, fails) the test with a loud message.
pub fn skip(why: &str) {
    if strict() {
        panic!("{why} (CI=true: differential tests must run)");
    }
    eprintln!("\n!!! SKIPPED: {why} !!!\n");
}

/// Whether `kubectl kustomize` can run.
pub fn have_kubectl() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Whether python3 with PyYAML can run.
pub fn have_python_yaml() -> bool {
    Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// The shared folder: `STRATA_SHARED`, else `../shared` next to the workspace.
pub fn shared_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("STRATA_SHARED") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.is_dir().then_some(p)
}

/// `kubectl kustomize DIR`: the output text, or the error text.
pub fn kubectl_kustomize(dir: &Path) -> Result<String, String> {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run kubectl: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Normalises a value like the oracle script: floats with an integral value become integers.
pub fn normalise(v: Value) -> Value {
    match v {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(normalise).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, normalise(v))).collect()),
        other => other,
    }
}

/// Parses a YAML stream as kubectl's output is read back, dropping empty documents.
pub fn parse_stream(text: &str) -> Result<Vec<Value>, String> {
    let docs = strata_yaml::parse(text, &strata_yaml::ParseOptions::kubernetes())
        .map_err(|e| e.to_string())?;
    Ok(docs
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .map(normalise)
        .collect())
}

fn ident(v: &Value) -> String {
    format!(
        "{}/{}/{}",
        v.get("kind").and_then(Value::as_str).unwrap_or("?"),
        v.pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or(""),
        v.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?")
    )
}

/// Compares our documents (emitted and read back, as the CLI prints them) with kubectl's
/// output; `Err` describes the first difference.
pub fn compare(ours: &[Value], expected_text: &str) -> Result<(), String> {
    let ours_text = strata_yaml::emit_stream(ours.iter(), strata_yaml::KeyOrder::Sorted);
    let ours = parse_stream(&ours_text).map_err(|e| format!("our output does not parse: {e}"))?;
    let exp =
        parse_stream(expected_text).map_err(|e| format!("kubectl output does not parse: {e}"))?;
    if ours == exp {
        return Ok(());
    }
    if ours.len() != exp.len() {
        let o: Vec<String> = ours.iter().map(ident).collect();
        let e: Vec<String> = exp.iter().map(ident).collect();
        return Err(format!(
            "expected {} documents, got {}\n expected: {e:?}\n ours:     {o:?}",
            exp.len(),
            ours.len()
        ));
    }
    for (i, (o, e)) in ours.iter().zip(&exp).enumerate() {
        if o != e {
            return Err(format!(
                "document #{i} differs (expected {}, got {})\n--- expected\n{}\n--- ours\n{}",
                ident(e),
                ident(o),
                strata_yaml::emit(e, strata_yaml::KeyOrder::Sorted),
                strata_yaml::emit(o, strata_yaml::KeyOrder::Sorted)
            ));
        }
    }
    Ok(())
}

/// Runs `case` for every seed on `threads` worker threads (each seed once, in any order):
/// the successes, and the failures sorted by seed.
pub fn run_seeds<T: Send>(
    seeds: &[u64],
    threads: usize,
    case: impl Fn(u64) -> Result<T, String> + Sync,
) -> (Vec<T>, Vec<(u64, String)>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let passed = Mutex::new(Vec::new());
    let failed = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                while let Some(&seed) = seeds.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let r = case(seed);
                    match r {
                        Ok(v) => passed.lock().unwrap_or_else(|p| p.into_inner()).push(v),
                        Err(e) => failed
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push((seed, e)),
                    }
                }
            });
        }
    });
    let mut failed = failed.into_inner().unwrap_or_else(|p| p.into_inner());
    failed.sort_by_key(|(s, _)| *s);
    (
        passed.into_inner().unwrap_or_else(|p| p.into_inner()),
        failed,
    )
}
