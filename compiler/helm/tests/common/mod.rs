//! Helpers shared by the differential tests: Helm's own engine as an oracle (through
//! `scripts/helm-oracle.py` and PyPI `helm-python-sdk==0.2.2`, Helm SDK v4.2.3), Strata's side
//! (`strata_helm::render`), the comparison of their answers, and the skip rule for tools that
//! may be absent (skip loudly; fail under `CI=true`).

#![allow(dead_code)] // Each test file uses a different subset.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

/// The repository root.
pub fn workspace() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    p.canonicalize().unwrap_or(p)
}

/// The project's own test charts.
pub fn test_charts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts")
}

/// For a missing tool or reference folder: a loud skip, or a failure under `CI=true`.
pub fn skip_or_fail(what: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what} (required under CI=true)"
    );
    eprintln!("\n!!! SKIPPED: {what} !!!\n");
}

/// Whether python3 with helm-python-sdk is there; when not, skips loudly (fails under CI).
pub fn oracle_or_skip(test: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import helm_python.chart"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        skip_or_fail(&format!(
            "{test}: python3 with helm-python-sdk (pip install helm-python-sdk==0.2.2) is not available"
        ));
    }
    ok
}

/// One render: a chart folder, values files over its defaults, charts to present under
/// `charts/` (resolved `file://` dependencies), release name and namespace.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub chart: PathBuf,
    pub values_files: Vec<PathBuf>,
    pub dependencies: Vec<(String, PathBuf)>,
    pub name: String,
    pub namespace: String,
}

impl Request {
    pub fn new(chart: impl Into<PathBuf>) -> Request {
        Request {
            chart: chart.into(),
            name: "release-name".into(),
            namespace: "default".into(),
            ..Request::default()
        }
    }
}

/// What an engine gave: every template file's text, or an error message.
pub type Rendered = Result<BTreeMap<String, String>, String>;

/// The oracle's answers to `reqs` (each rendered `repeat` times), in one Python process, with
/// the oracle's own render time in seconds.
pub fn oracle(reqs: &[Request], repeat: usize) -> Vec<(Vec<Rendered>, f64)> {
    let list: Vec<Value> = reqs
        .iter()
        .map(|r| {
            json!({
                "chart": r.chart,
                "values_files": r.values_files,
                "dependencies": r.dependencies.iter().map(|(n, p)| (n.clone(), json!(p))).collect::<serde_json::Map<_, _>>(),
                "name": r.name,
                "namespace": r.namespace,
                "repeat": repeat,
            })
        })
        .collect();
    let script = workspace().join("scripts/helm-oracle.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let input = serde_json::to_vec(&list).unwrap_or_default();
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("helm-oracle: {e}"));
    let _ = writer.join();
    let stderr: String = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.contains("found symbolic link"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(out.status.success(), "helm-oracle failed:\n{stderr}");
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("helm-oracle's answer is not JSON ({e}):\n{stderr}"));
    assert_eq!(
        answers.len(),
        reqs.len(),
        "helm-oracle: one answer per request"
    );
    answers
        .into_iter()
        .map(|a| {
            let secs = a["seconds"].as_f64().unwrap_or(0.0);
            let renders = if let Some(e) = a["error"].as_str() {
                vec![Err(e.to_string()); repeat]
            } else if repeat == 1 {
                vec![Ok(files_of(&a["files"]))]
            } else {
                a["files"]
                    .as_array()
                    .map(|l| l.iter().map(|f| Ok(files_of(f))).collect())
                    .unwrap_or_default()
            };
            (renders, secs)
        })
        .collect()
}

fn files_of(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Strata's answer to `req`, through `strata_helm`'s library API, with what `helm template`
/// (and the oracle) use by default: Helm's default Kubernetes version and API versions. The
/// chart's `file://` dependencies are resolved by `strata_helm` itself.
pub fn strata(req: &Request) -> Rendered {
    let chart = strata_helm::load_dir(&req.chart).map_err(|e| e.to_string())?;
    let mut base = strata_helm::values::new_map();
    let mut files = Vec::new();
    for path in &req.values_files {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let v = strata_helm::serial::load_values(&text)
            .map_err(|e| format!("{}: {}", path.display(), e.message))?;
        if let strata_gotmpl::Value::Map(m) = &v {
            base = strata_helm::strvals::merge_maps(&base, m);
        }
        files.push((path.clone(), text));
    }
    let opts = strata_helm::RenderOptions {
        release_name: req.name.clone(),
        namespace: req.namespace.clone(),
        values: strata_helm::Frozen::from_value(&strata_gotmpl::Value::Map(base)),
        values_files: files,
        ..Default::default()
    };
    strata_helm::render(&chart, &opts).map_err(|e| e.to_string())
}

/// The first `FILE:LINE[:COL]` of an error message whose file lies in a chart's `templates/`
/// (Helm writes it as `template: F:L:C: …`, `execution error at (F:L:C): …` or `F:L:C\n …`).
/// `None` when the message names no template position (a values or schema error).
pub fn error_position(msg: &str) -> Option<String> {
    let at = msg.find("/templates/")?;
    let start = msg[..at]
        .rfind(|c: char| c.is_whitespace() || c == '(' || c == '"')
        .map_or(0, |i| i + 1);
    let rest = &msg[start..];
    let mut end = rest.find(':')?;
    let mut nums = 0;
    while nums < 2 {
        let tail = &rest[end + 1..];
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            break;
        }
        end += 1 + digits;
        nums += 1;
        if !rest[end..].starts_with(':') {
            break;
        }
    }
    (nums > 0).then(|| rest[..end].to_string())
}

/// How the two answers to one render compare.
#[derive(Debug)]
pub enum Verdict {
    /// Every file byte for byte equal.
    Equal,
    /// Both failed, at the same template position (or neither names one).
    BothFailed,
    /// Both failed on the same template line with an argument-type error, at different
    /// columns (the documented `and`/`or` blame-site difference).
    BothFailedArgumentColumn,
    /// Differences, described for a person.
    Differ(String),
}

/// Whether two `FILE:LINE[:COL]` positions name the same file and line.
fn same_line(a: Option<&str>, b: Option<&str>) -> bool {
    fn line(p: &str) -> &str {
        match p.rsplit_once(':') {
            Some((head, col))
                if head.matches(':').count() >= 1 && col.chars().all(|c| c.is_ascii_digit()) =>
            {
                head
            }
            _ => p,
        }
    }
    matches!((a, b), (Some(a), Some(b)) if line(a) == line(b))
}

/// Whether Helm's error is Go's failure to pass an argument to a function.
fn is_argument_error(msg: &str) -> bool {
    msg.contains("wrong type for value; expected") || msg.contains("invalid value; expected")
}

/// Compares the oracle's and Strata's answers.
pub fn compare(helm: &Rendered, strata: &Rendered) -> Verdict {
    match (helm, strata) {
        (Ok(h), Ok(s)) => {
            let mut out = String::new();
            for (name, ht) in h {
                match s.get(name) {
                    None => out.push_str(&format!("  {name}: missing from Strata's render\n")),
                    Some(st) if st != ht => out.push_str(&format!(
                        "  {name}: differs\n--- helm\n{ht}\n--- strata\n{st}\n---\n{}",
                        first_difference(ht, st)
                    )),
                    Some(_) => {}
                }
            }
            for name in s.keys().filter(|n| !h.contains_key(*n)) {
                out.push_str(&format!("  {name}: only in Strata's render\n"));
            }
            if out.is_empty() {
                Verdict::Equal
            } else {
                Verdict::Differ(out)
            }
        }
        (Err(h), Err(s)) => {
            let (hp, sp) = (error_position(h), error_position(s));
            if hp.is_none() || hp == sp {
                Verdict::BothFailed
            } else if same_line(hp.as_deref(), sp.as_deref()) && is_argument_error(h) {
                // Go blames a badly typed argument at the last node it evaluated inside it;
                // when `and`/`or` stopped early that node is not the argument's last one, and
                // Strata's engine names the argument's last node instead (a documented
                // difference in the column of the error, never in rendered output).
                Verdict::BothFailedArgumentColumn
            } else {
                Verdict::Differ(format!(
                    "  both failed, at different positions ({hp:?} vs {sp:?})\n--- helm\n{h}\n--- strata\n{s}\n"
                ))
            }
        }
        (Err(h), Ok(_)) => Verdict::Differ(format!("  Helm failed, Strata did not:\n{h}\n")),
        (Ok(_), Err(s)) => Verdict::Differ(format!("  Strata failed, Helm did not:\n{s}\n")),
    }
}

/// Where two texts first differ: line number and both lines.
pub fn first_difference(a: &str, b: &str) -> String {
    let (al, bl): (Vec<&str>, Vec<&str>) = (a.split('\n').collect(), b.split('\n').collect());
    for i in 0..al.len().max(bl.len()) {
        let (x, y) = (al.get(i), bl.get(i));
        if x != y {
            return format!(
                "  first difference at line {}:\n    helm:   {:?}\n    strata: {:?}\n",
                i + 1,
                x.unwrap_or(&"<end>"),
                y.unwrap_or(&"<end>")
            );
        }
    }
    "  (no line differs)\n".into()
}

/// Writes a file, creating its folder.
pub fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[cfg(test)]
mod tests {
    use super::error_position;

    #[test]
    fn error_positions_from_helm_messages() {
        // Messages from Helm SDK v4.2.3.
        assert_eq!(
            error_position(
                "execution error at (errors/templates/e.yaml:3:13): db.password is required"
            )
            .as_deref(),
            Some("errors/templates/e.yaml:3:13")
        );
        assert_eq!(
            error_position("template: c/templates/t.txt:1:117: executing \"c/templates/t.txt\" at <eq .Values.i 3>: x").as_deref(),
            Some("c/templates/t.txt:1:117")
        );
        assert_eq!(
            error_position("errors/templates/e.yaml:9:13\n  executing \"errors/templates/e.yaml\" at <.Values.db>:").as_deref(),
            Some("errors/templates/e.yaml:9:13")
        );
        assert_eq!(
            error_position("parse error at (r/templates/t.txt:4): unexpected").as_deref(),
            Some("r/templates/t.txt:4")
        );
        assert_eq!(error_position("values don't meet the specifications"), None);
    }
}
