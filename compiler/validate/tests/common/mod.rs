//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use strata_validate::{Validator, Violation, ViolationKind};

/// The crate's fixture folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The YAML files of a fixture folder, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// A fixture: its objects and its `# expect: <pointer> <Kind>` lines.
pub struct Fixture {
    pub path: PathBuf,
    pub objects: Vec<Value>,
    pub expect: Vec<(String, ViolationKind)>,
}

pub fn kind_named(name: &str) -> ViolationKind {
    match name {
        "Type" => ViolationKind::Type,
        "UnknownField" => ViolationKind::UnknownField,
        "Required" => ViolationKind::Required,
        "Enum" => ViolationKind::Enum,
        "Format" => ViolationKind::Format,
        "Other" => ViolationKind::Other,
        "NoSchema" => ViolationKind::NoSchema,
        other => panic!("unknown violation kind {other}"),
    }
}

pub fn load(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap();
    let docs = strata_yaml::parse(&text, &strata_yaml::ParseOptions::kubernetes())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let objects: Vec<Value> = docs
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect();
    let expect = text
        .lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(|l| {
            let (ptr, kind) = l
                .trim()
                .rsplit_once(' ')
                .expect("`# expect: <pointer> <Kind>`");
            (ptr.to_string(), kind_named(kind))
        })
        .collect();
    Fixture {
        path: path.to_path_buf(),
        objects,
        expect,
    }
}

/// Asserts every object of every file in `dir` is valid.
pub fn assert_all_valid(v: &Validator, dir: &Path) {
    let files = yaml_files(dir);
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    for path in files {
        let f = load(&path);
        assert_eq!(
            f.objects.len(),
            1,
            "{}: one object per file",
            path.display()
        );
        let out = v.validate(&f.objects[0]);
        assert!(
            out.is_empty(),
            "{} (Kubernetes {}) should be valid:\n{}",
            path.display(),
            v.kubernetes_version(),
            render(&out)
        );
    }
}

/// Asserts every file in `dir` is rejected with at least its expected violations; returns
/// the violations per file for further checks.
pub fn assert_all_rejected(v: &Validator, dir: &Path) -> Vec<(PathBuf, Vec<Violation>)> {
    let files = yaml_files(dir);
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    let mut all = Vec::new();
    for path in files {
        let f = load(&path);
        assert_eq!(
            f.objects.len(),
            1,
            "{}: one object per file",
            path.display()
        );
        assert!(
            !f.expect.is_empty(),
            "{}: no `# expect:` line",
            path.display()
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# Invalid"),
            "{}: a negative fixture starts with a comment saying what is wrong",
            path.display()
        );
        let out = v.validate(&f.objects[0]);
        for (ptr, kind) in &f.expect {
            assert!(
                out.iter().any(|o| &o.pointer == ptr && o.kind == *kind),
                "{}: expected a {kind:?} violation at {ptr}, got:\n{}",
                path.display(),
                render(&out)
            );
        }
        for o in &out {
            assert!(!o.message.is_empty());
            assert!(
                !o.message.contains("additionalProperties") && !o.message.contains("oneOf"),
                "{}: message speaks JSON Schema: {o}",
                path.display()
            );
        }
        all.push((path, out));
    }
    all
}

pub fn render(out: &[Violation]) -> String {
    out.iter()
        .map(|o| format!("  {o}   [{:?} {}]\n", o.kind, o.pointer))
        .collect()
}
