//! Helpers shared by the integration tests: run the binary, read YAML back, copy trees, and
//! the skip rule for tools that may be absent (skip loudly; fail under `CI=true`).

#![allow(dead_code)] // Each test file uses a different subset.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The repository root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `strata --root ROOT --color never ARGS…`.
pub fn strata(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--root")
        .arg(root)
        .args(["--color", "never"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run strata: {e}"))
}

/// The non-empty documents of a YAML file, as Kubernetes (go-yaml) reads them.
pub fn yaml_docs(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    yaml_stream(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The non-empty documents of a YAML stream.
pub fn yaml_stream(text: &str) -> Result<Vec<Value>, String> {
    Ok(
        strata_yaml::parse(text, &strata_yaml::ParseOptions::kubernetes())
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|d| d.value)
            .filter(|v| !v.is_null())
            .collect(),
    )
}

/// Copies a tree (leaving out recorded `expected*` and `rendered` output of golden cases).
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().flatten() {
        let rel = e.path().strip_prefix(from).unwrap_or(e.path());
        if rel.starts_with("expected") || rel.starts_with("rendered") {
            continue;
        }
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap_or_else(|err| panic!("{err}"));
        } else if e.file_type().is_file() {
            std::fs::copy(e.path(), &dest).unwrap_or_else(|err| panic!("{err}"));
        }
    }
}

/// For a missing tool or reference folder: a loud skip, or a failure under `CI=true`.
pub fn skip_or_fail(what: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what} (required under CI=true)"
    );
    eprintln!("\n!!! SKIPPED: {what} !!!\n");
}

/// Whether `kubectl` runs.
pub fn have_kubectl() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `git -C dir args…` with a fixed identity and no signing; panics (failing the test)
/// when git fails.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.email=ci@example.org",
            "-c",
            "user.name=ci",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("git: {e}"));
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Replaces the first `from` in the file at `path` by `to`; panics (failing the test) when
/// `from` is not there.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        text.contains(from),
        "{}: `{from}` not found",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{e}"));
}

/// Gives the `password` of a SOPS-encrypted file a new ciphertext (as a rotation does), without
/// decrypting anything; the first 12 characters of the old ciphertext.
pub fn rotate_sops_password(secret: &Path) -> String {
    let text = std::fs::read_to_string(secret).unwrap_or_default();
    let marker = "password: ENC[AES256_GCM,data:";
    let at = text
        .find(marker)
        .map(|i| i + marker.len())
        .unwrap_or_else(|| panic!("no encrypted password in {}", secret.display()));
    let old_ct = text[at..at + 12].to_string();
    std::fs::write(
        secret,
        format!("{}Zm9vYmFyYmF6{}", &text[..at], &text[at + 12..]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    old_ct
}

/// What the External Secrets Operator does with `engineVersion: v2` for the few functions our
/// templates use: `{{ "{{" }}`, `{{ .var }}`, `{{ .var | urlquery }}` (Go's QueryEscape) and
/// `{{ .var | quote }}` (Sprig's, Go's `%q`).
pub fn fill(template: &str, values: &std::collections::BTreeMap<&str, &str>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let Some(end) = rest[at..].find("}}") else {
            panic!("unclosed action in {template}");
        };
        let action = rest[at + 2..at + end].trim();
        rest = &rest[at + end + 2..];
        if action == "\"{{\"" {
            out.push_str("{{");
            continue;
        }
        let (var, func) = match action.split_once('|') {
            Some((v, f)) => (v.trim(), f.trim()),
            None => (action, ""),
        };
        let name = var.trim_start_matches('.');
        let v = values
            .get(name)
            .unwrap_or_else(|| panic!("no value for {name}"));
        if func == "quote" {
            // The function Strata's Sprig `quote` runs (Go's `%q`), held equal to Helm's by
            // the differential tests.
            out.push_str(&strata_gotmpl::sprig::args::go_quote(v));
        } else if func == "urlquery" {
            for b in v.bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        out.push(b as char)
                    }
                    b' ' => out.push('+'),
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
        } else {
            assert_eq!(func, "", "{action}");
            out.push_str(v);
        }
    }
    out.push_str(rest);
    out
}

/// What `strata helm template` prints for the chart `services/app/chart` of the test
/// repository `root` (release `app`, namespace `apps`) with `set` as `--set-string`, as
/// documents: Helm's rendering with the real values (the differential tests hold
/// `strata helm template` equal to Helm).
pub fn helm_template_app(root: &Path, set: &str) -> Vec<Value> {
    let chart = root.join("services/app/chart");
    let r = strata(
        root,
        &[
            "helm",
            "template",
            &chart.to_string_lossy(),
            "--name",
            "app",
            "--namespace",
            "apps",
            "--set-string",
            set,
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    yaml_stream(&String::from_utf8_lossy(&r.stdout)).unwrap_or_else(|e| panic!("{e}"))
}
