//! Every error names the file and the line of the entry at fault; hostile inputs fail
//! cleanly (no panic, no endless recursion); the load restrictor and the boundary hold.

use std::path::{Path, PathBuf};

use strata_kustomize::{build_dir, Error, LoadRestrictor, Options};

struct Tree(tempfile::TempDir);

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        let t = Tree(tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")));
        for (rel, text) in files {
            t.write(rel, text);
        }
        t
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.0.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("write: {e}"));
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.path().join(rel)
    }
    fn build(&self, rel: &str) -> Error {
        self.build_with(rel, &Options::default())
    }
    fn build_with(&self, rel: &str, opts: &Options) -> Error {
        match build_dir(&self.path(rel), opts) {
            Ok(docs) => panic!("expected an error, got {} documents", docs.len()),
            Err(e) => e,
        }
    }
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: \"1\"\n";

/// Checks the error's file name and line, and that Display shows them.
fn at(e: &Error, file_suffix: &str, line: u32, needle: &str) {
    let file = e
        .file
        .as_ref()
        .unwrap_or_else(|| panic!("no file in {e:?}"));
    assert!(
        file.ends_with(file_suffix),
        "file {} does not end with {file_suffix} ({e})",
        file.display()
    );
    let span = e.span.unwrap_or_else(|| panic!("no position in {e}"));
    assert_eq!(span.start.line, line, "wrong line for: {e}");
    assert!(
        e.message.contains(needle),
        "message {:?} lacks {needle:?}",
        e.message
    );
    let shown = e.to_string();
    assert!(
        shown.contains(&format!("{file_suffix}:{line}:")),
        "display lacks the position: {shown}"
    );
    let text = e
        .source_text
        .as_deref()
        .unwrap_or_else(|| panic!("no source text in {e}"));
    assert!(text.lines().count() >= line as usize);
}

#[test]
fn smp_without_a_matching_resource() {
    let t = Tree::new(&[
        ("cm.yaml", CM),
        (
            "kustomization.yaml",
            "resources:\n- cm.yaml\npatches:\n- path: p.yaml\n- patch: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: missing}\n",
        ),
        ("p.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {b: \"2\"}\n"),
    ]);
    let e = t.build(".");
    at(
        &e,
        "kustomization.yaml",
        5,
        "no resource matches strategic merge patch",
    );
    assert!(
        e.hint
            .as_deref()
            .unwrap_or("")
            .contains("ConfigMap.v1.[noGrp]/cm.[noNs]"),
        "{e}"
    );
}

#[test]
fn missing_resource_file() {
    let t = Tree::new(&[
        (
            "kustomization.yaml",
            "resources:\n  - a.yaml\n  - nope.yaml\n",
        ),
        ("a.yaml", CM),
    ]);
    at(
        &t.build("."),
        "kustomization.yaml",
        3,
        "'nope.yaml' does not exist",
    );
}

#[test]
fn bad_json_patch_path() {
    let t = Tree::new(&[
        ("cm.yaml", CM),
        (
            "kustomization.yaml",
            "resources: [cm.yaml]\npatches:\n- target: {kind: ConfigMap}\n  patch: |-\n    - op: add\n      path: /data/missing/x\n      value: 1\n",
        ),
    ]);
    at(
        &t.build("."),
        "kustomization.yaml",
        4,
        "add operation does not apply",
    );
}

#[test]
fn unknown_and_unsupported_fields() {
    let t = Tree::new(&[
        ("cm.yaml", CM),
        (
            "kustomization.yaml",
            "resources: [cm.yaml]\n\nnamePrefx: x-\n",
        ),
    ]);
    let e = t.build(".");
    at(&e, "kustomization.yaml", 3, "unknown field `namePrefx`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `namePrefix`?"));
    let t = Tree::new(&[
        ("cm.yaml", CM),
        (
            "kustomization.yaml",
            "resources: [cm.yaml]\nhelmCharts:\n- name: x\n",
        ),
    ]);
    at(
        &t.build("."),
        "kustomization.yaml",
        2,
        "`helmCharts` is not supported",
    );
}

#[test]
fn generator_key_repeated() {
    let t = Tree::new(&[(
        "kustomization.yaml",
        "configMapGenerator:\n- name: c\n  literals:\n  - a=1\n  - b=2\n  - a=3\n",
    )]);
    at(
        &t.build("."),
        "kustomization.yaml",
        6,
        "illegally repeats the key `a`",
    );
}

#[test]
fn duplicate_resource_ids() {
    let t = Tree::new(&[
        ("kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n"),
        ("a.yaml", CM),
        ("b.yaml", CM),
    ]);
    at(
        &t.build("."),
        "kustomization.yaml",
        3,
        "already registered id: ConfigMap.v1.[noGrp]/cm.[noNs]",
    );
}

#[test]
fn generator_behaviors() {
    let t = Tree::new(&[(
        "kustomization.yaml",
        "configMapGenerator:\n- name: c\n  literals: [a=1]\n- name: d\n  behavior: merge\n  literals: [a=1]\n",
    )]);
    at(
        &t.build("."),
        "kustomization.yaml",
        4,
        "does not exist; cannot merge or replace",
    );
    let t = Tree::new(&[(
        "kustomization.yaml",
        "configMapGenerator:\n- name: c\n  behavior: merj\n  literals: [a=1]\n",
    )]);
    at(
        &t.build("."),
        "kustomization.yaml",
        3,
        "unknown generator behavior 'merj'",
    );
}

#[test]
fn replicas_without_a_workload() {
    let t = Tree::new(&[
        ("cm.yaml", CM),
        (
            "kustomization.yaml",
            "resources: [cm.yaml]\nreplicas:\n- name: web\n  count: 2\n",
        ),
    ]);
    at(
        &t.build("."),
        "kustomization.yaml",
        3,
        "resource with name web does not match",
    );
}

#[test]
fn type_errors_point_at_the_value() {
    let t = Tree::new(&[
        ("cm.yaml", CM),
        (
            "kustomization.yaml",
            "resources: [cm.yaml]\nnamespace: no\n",
        ),
    ]);
    at(
        &t.build("."),
        "kustomization.yaml",
        2,
        "namespace must be a string, not a boolean",
    );
}

#[test]
fn malformed_resource_yaml_names_the_resource_file() {
    let t = Tree::new(&[
        ("kustomization.yaml", "resources: [bad.yaml]\n"),
        (
            "bad.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n",
        ),
    ]);
    let e = t.build(".");
    assert!(
        e.file.as_ref().is_some_and(|f| f.ends_with("bad.yaml")),
        "{e}"
    );
    assert!(e.span.is_some(), "{e}");
}

#[test]
fn components_must_be_components_and_resources_must_not() {
    let t = Tree::new(&[
        ("cm.yaml", CM),
        ("comp/kustomization.yaml", "resources: [../cm.yaml]\n"),
        (
            "kustomization.yaml",
            "resources: [cm.yaml]\ncomponents:\n- comp\n",
        ),
    ]);
    at(
        &t.build("."),
        "kustomization.yaml",
        3,
        "not `kind: Component`",
    );
    let t = Tree::new(&[
        (
            "comp/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: x-\n",
        ),
        ("kustomization.yaml", "resources:\n- comp\n"),
    ]);
    at(
        &t.build("."),
        "kustomization.yaml",
        2,
        "expected kind != 'Component'",
    );
}

#[test]
fn cycles_are_detected() {
    let t = Tree::new(&[
        ("a/kustomization.yaml", "resources:\n- ../b\n"),
        ("b/kustomization.yaml", "resources:\n- ../a\n"),
    ]);
    at(&t.build("a"), "b/kustomization.yaml", 2, "cycle detected");
    let t = Tree::new(&[("a/kustomization.yaml", "resources:\n- .\n")]);
    at(&t.build("a"), "a/kustomization.yaml", 2, "cycle detected");
}

#[test]
fn files_outside_the_root_are_refused() {
    let t = Tree::new(&[
        ("cm.yaml", CM),
        ("sub/kustomization.yaml", "resources:\n- ../cm.yaml\n"),
    ]);
    at(
        &t.build("sub"),
        "sub/kustomization.yaml",
        2,
        "is not in or below",
    );
    let opts = Options {
        load_restrictor: LoadRestrictor::None,
        ..Options::default()
    };
    assert!(build_dir(&t.path("sub"), &opts).is_ok());
}

#[cfg(unix)]
#[test]
fn symlinks_are_resolved_before_the_checks() {
    let t = Tree::new(&[
        ("outside.yaml", CM),
        ("root/kustomization.yaml", "resources:\n- link.yaml\n"),
    ]);
    std::os::unix::fs::symlink(t.path("outside.yaml"), t.path("root/link.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    at(
        &t.build("root"),
        "root/kustomization.yaml",
        2,
        "is not in or below",
    );
    // A directory may be outside its referrer, but not outside the boundary.
    let t = Tree::new(&[
        ("repo/base/kustomization.yaml", "resources: [cm.yaml]\n"),
        ("repo/base/cm.yaml", CM),
        ("elsewhere/kustomization.yaml", "resources: [cm.yaml]\n"),
        ("elsewhere/cm.yaml", CM),
        (
            "repo/site/kustomization.yaml",
            "resources:\n- ../base\n- ../link\n",
        ),
    ]);
    std::os::unix::fs::symlink(t.path("elsewhere"), t.path("repo/link"))
        .unwrap_or_else(|e| panic!("{e}"));
    let opts = Options {
        boundary: Some(t.path("repo")),
        ..Options::default()
    };
    let e = t.build_with("repo/site", &opts);
    at(&e, "site/kustomization.yaml", 3, "outside the repository");
    // Without the boundary this is fine... except for the duplicate ConfigMap.
    let e = t.build("repo/site");
    at(&e, "site/kustomization.yaml", 3, "already registered id");
}

#[test]
fn the_boundary_applies_to_the_build_root() {
    let t = Tree::new(&[
        ("kustomization.yaml", "resources: [cm.yaml]\n"),
        ("cm.yaml", CM),
    ]);
    std::fs::create_dir_all(t.path("sub")).unwrap_or_else(|e| panic!("{e}"));
    let opts = Options {
        boundary: Some(t.path("sub")),
        ..Options::default()
    };
    let e = t.build_with(".", &opts);
    assert!(e.message.contains("outside the repository"), "{e}");
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let deep = format!("{}x{}", "[".repeat(5000), "]".repeat(5000));
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    let cases: Vec<(&str, String)> = vec![
        ("kustomization.yaml", deep.clone()),
        ("kustomization.yaml", format!("resources: [r.yaml]\n{bomb}")),
        (
            "kustomization.yaml",
            "resources: [r.yaml]\npatches:\n- target: {kind: '('}\n  patch: '[]'\n".into(),
        ),
        (
            "kustomization.yaml",
            "resources: [r.yaml]\nimages:\n- name: '(['\n  newTag: x\n".into(),
        ),
        (
            "kustomization.yaml",
            "resources: [r.yaml]\npatches:\n- target: {labelSelector: 'a in b'}\n  patch: '[]'\n"
                .into(),
        ),
        (
            "kustomization.yaml",
            "resources: [r.yaml]\npatches:\n- patch: 'just text'\n".into(),
        ),
        (
            "kustomization.yaml",
            "resources: [r.yaml]\npatches:\n- patch: '{}'\n".into(),
        ),
        (
            "kustomization.yaml",
            "resources: [r.yaml]\npatches:\n- patch: '[]'\n".into(),
        ),
        (
            "kustomization.yaml",
            "resources: [r.yaml]\nsortOptions: {order: random}\n".into(),
        ),
        ("kustomization.yaml", "- a\n- b\n".into()),
        ("kustomization.yaml", "resources: [r.yaml, '']\n".into()),
        ("kustomization.yaml", "resources: [/etc/passwd]\n".into()),
    ];
    for (name, text) in cases {
        let t = Tree::new(&[(name, &text), ("r.yaml", CM)]);
        let _ = build_dir(&t.path("."), &Options::default())
            .err()
            .unwrap_or_else(|| panic!("no error for {text:.80}"));
    }
    // A resource file that is an alias bomb or deeply nested.
    for text in [
        deep,
        bomb.to_string(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: [1, null]}\n".into(),
    ] {
        let t = Tree::new(&[
            ("kustomization.yaml", "resources: [r.yaml]\n"),
            ("r.yaml", &text),
        ]);
        assert!(build_dir(&t.path("."), &Options::default()).is_err());
    }
}

#[test]
fn errors_in_nested_kustomizations_name_the_nested_file() {
    let t = Tree::new(&[
        ("base/kustomization.yaml", "resources: [cm.yaml]\npatches:\n- patch: |\n    apiVersion: v1\n    kind: Secret\n    metadata: {name: nope}\n"),
        ("base/cm.yaml", CM),
        ("overlay/kustomization.yaml", "resources:\n- ../base\n"),
    ]);
    let e = t.build("overlay");
    at(&e, "base/kustomization.yaml", 3, "no resource matches");
    assert!(Path::new(&e.file.clone().unwrap_or_default()).is_absolute());
}
