//! Inputs found by the fuzz targets in `fuzz/` (see book/src/fuzzing.md), kept as ordinary
//! tests so that each finding stays fixed without a fuzzer.

mod common;

use std::path::Path;

use common::{copy_tree, strata, workspace};

/// A copy of the `minimal-site` golden case, edited by `edit`.
fn case(edit: impl Fn(&Path)) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy_tree(&workspace().join("golden-tests/minimal-site"), tmp.path());
    edit(tmp.path());
    tmp
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Asserts that `build` fails as for any template mistake: exit code 2, a diagnostic naming
/// the template, no panic, nothing written.
fn fails_cleanly(root: &Path, names: &str) {
    let out = strata(root, &["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("error[E"), "{stderr}");
    assert!(stderr.contains(names), "{stderr}");
    assert!(!root.join("rendered").exists());
}

/// minijinja parses `{% import EXPR as NAME %}` with any expression as NAME and then panics
/// ("entered unreachable code") compiling it; `strata build` died with exit code 101. Found
/// by the `render` target.
#[test]
fn import_as_a_non_name_is_a_template_error_not_a_panic() {
    let tmp = case(|root| {
        let t = root.join("services/web/templates");
        write(&t.join("_lib.j2"), "{% macro x() %}x{% endmacro %}\n");
        write(
            &t.join("configmap.yaml.j2"),
            "{% import \"_lib.j2\" as l+ib %}\napiVersion: v1\n",
        );
    });
    fails_cleanly(tmp.path(), "configmap.yaml.j2");
}

/// The same construct in a service's endpoint template (rendered by the same engine).
#[test]
fn import_as_a_non_name_in_an_endpoint_is_an_error_not_a_panic() {
    let tmp = case(|root| {
        let p = root.join("services/db/service.yaml");
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{e}"));
        write(
            &p,
            &text.replace("internal: \"db.", "internal: \"{% import 'x' as 1 %}db."),
        );
    });
    fails_cleanly(tmp.path(), "endpoint `internal`");
}
