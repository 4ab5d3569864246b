//! No input, however broken or hostile, makes Strata panic, hang, or read or write outside
//! the repository and its output folder (`book/src/design/pipeline.md`).
//!
//! A proptest mutates a small valid repository byte by byte and runs the whole pipeline in
//! process; hand-written cases cover known attacks (alias bombs, deep nesting, endless
//! template loops and recursion, includes and symlinks leaving the repository).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use strata::pipeline::Project;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../golden-tests/gitops-flux")
}

fn copy(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().flatten() {
        let Ok(rel) = e.path().strip_prefix(from) else {
            continue;
        };
        if rel.starts_with("expected") {
            continue;
        }
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap_or_else(|err| panic!("{err}"));
        } else {
            std::fs::copy(e.path(), &dest).unwrap_or_else(|err| panic!("{err}"));
        }
    }
}

/// Compiles every site; returns whether it succeeded. Panics propagate (and fail the test).
fn compile(root: &Path) -> bool {
    let Ok(project) = Project::open(root) else {
        return false;
    };
    let names: Vec<String> = project.inputs.sites.keys().cloned().collect();
    let (_, diags) = project.compile(&names);
    !strata::diag::has_errors(&diags)
}

const FILES: &[&str] = &[
    "sites/demo/site.yaml",
    "sites/_layers/common.yaml",
    "services/web/service.yaml",
    "services/web/templates/configmap.yaml.j2",
    "services/db/templates/statefulset.yaml.j2",
    "services/db/values.schema.json",
    "sites/demo/secrets/web-db.sops.yaml",
];

fn mutation() -> impl Strategy<Value = (usize, usize, usize, String)> {
    let text = proptest::collection::vec(
        proptest::sample::select(vec![
            ":",
            " ",
            "\n",
            "-",
            "{",
            "}",
            "[",
            "]",
            "\"",
            "'",
            "#",
            "&a",
            "*a",
            "!",
            "|",
            ">",
            "{{",
            "}}",
            "{%",
            "%}",
            "null",
            "~",
            "0x",
            "yes",
            "\t",
            "é",
            "\u{feff}",
            "<<: *a",
            "x",
            "1",
            "values.",
            "endpoint(",
            ")",
        ]),
        0..6,
    )
    .prop_map(|v| v.concat());
    (0..FILES.len(), 0usize..4000, 0usize..8, text)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn mutated_inputs_never_panic((file, at, delete, insert) in mutation()) {
        let tmp = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        copy(&fixture(), tmp.path());
        let path = tmp.path().join(FILES[file]);
        let mut bytes = std::fs::read(&path).unwrap_or_default();
        let at = at.min(bytes.len());
        let end = (at + delete).min(bytes.len());
        bytes.splice(at..end, insert.bytes());
        std::fs::write(&path, &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let start = Instant::now();
        let _ = compile(tmp.path());
        prop_assert!(start.elapsed() < HANG, "took {:?}", start.elapsed());
    }
}

/// How long a compile may take before the test calls it a hang. The bound tells an endless
/// loop from a finished one, not fast from slow: an unoptimised test build on two busy cores
/// spends tens of seconds burning the template fuel, so the margin is wide (speed is measured
/// by `make bench`, not here).
const HANG: Duration = Duration::from_secs(120);

fn hostile(edit: impl Fn(&Path)) -> (bool, Duration) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy(&fixture(), tmp.path());
    edit(tmp.path());
    let start = Instant::now();
    let ok = compile(tmp.path());
    (ok, start.elapsed())
}

fn write(root: &Path, rel: &str, text: &str) {
    std::fs::write(root.join(rel), text).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn alias_bomb_is_refused() {
    let (ok, t) = hostile(|root| {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            bomb.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{}", i - 1); 10].join(", ")
            ));
        }
        write(root, "sites/_layers/common.yaml", &bomb);
    });
    assert!(!ok);
    assert!(t < HANG, "{t:?}");
}

#[test]
fn endless_templates_are_stopped() {
    for body in [
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}",
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
        "{% include \"configmap.yaml.j2\" %}",
    ] {
        let (ok, t) = hostile(|root| write(root, "services/web/templates/configmap.yaml.j2", body));
        assert!(!ok, "{body}");
        assert!(t < HANG, "{body}: {t:?}");
    }
}

#[test]
fn templates_cannot_reach_outside_their_service() {
    for body in [
        "{% include \"../../db/templates/statefulset.yaml.j2\" %}",
        "{% include \"/etc/passwd\" %}",
        "{% include \"../service.yaml\" %}",
    ] {
        let (ok, _) = hostile(|root| write(root, "services/web/templates/configmap.yaml.j2", body));
        assert!(!ok, "{body} was allowed");
    }
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_repository_are_refused() {
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let secret = outside.path().join("secret.yaml.j2");
    std::fs::write(
        &secret,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (ok, _) = hostile(|root| {
        std::os::unix::fs::symlink(&secret, root.join("services/web/templates/stolen.yaml.j2"))
            .unwrap_or_else(|e| panic!("{e}"));
    });
    assert!(
        !ok,
        "a template symlinked from outside the repository was read"
    );
    let (ok, _) = hostile(|root| {
        std::os::unix::fs::symlink(&secret, root.join("sites/demo/secrets/stolen.sops.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
    });
    assert!(
        !ok,
        "a SOPS file symlinked from outside the repository was read"
    );
}

#[test]
fn deep_nesting_is_refused() {
    let (ok, t) = hostile(|root| {
        let deep: String = (0..2000)
            .map(|i| format!("{}a:\n", " ".repeat(i)))
            .collect();
        write(root, "sites/demo/site.yaml", &deep);
    });
    assert!(!ok);
    assert!(t < HANG, "{t:?}");
}
