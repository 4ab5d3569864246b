//! Custom resources: CRD YAML folders, `<group>/<kind>_<version>.json` folders, the bundled
//! GitOps schemas in `schemas/crds`, and the upstream CRDs in the shared reference folder.

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::json;
use strata_validate::{Error, Validator, ViolationKind};

fn with_dirs(dirs: &[PathBuf]) -> Validator {
    Validator::new("1.34", dirs, &[]).unwrap()
}

#[test]
fn crd_yaml_and_json_schema_folders() {
    let v = with_dirs(&[fixtures().join("crds/yaml"), fixtures().join("crds/json")]);
    assert!(v.has_schema("example.com/v1", "Widget"));
    assert!(v.has_schema("example.org/v1", "Gadget"));
    assert!(
        !v.has_schema("example.com/v1beta1", "Widget"),
        "unserved version"
    );
    assert_all_valid(&v, &fixtures().join("custom/valid"));
    let results = assert_all_rejected(&v, &fixtures().join("custom/invalid"));
    for (path, out) in results {
        eprintln!("{}:\n{}", path.display(), render(&out));
    }
}

#[test]
fn custom_resources_without_their_folder_have_no_schema() {
    let v = with_dirs(&[]);
    let f = load(&fixtures().join("custom/valid/widget.yaml"));
    let out = v.validate(&f.objects[0]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, ViolationKind::NoSchema);
}

#[test]
fn later_folders_override_earlier_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let group = tmp.path().join("example.com");
    std::fs::create_dir_all(&group).unwrap();
    // A looser Widget schema: size may be anything.
    std::fs::write(
        group.join("widget_v1.json"),
        r#"{"type": "object", "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}"#,
    )
    .unwrap();
    let obj = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": "huge"}});
    let strict_last = with_dirs(&[tmp.path().to_path_buf(), fixtures().join("crds/yaml")]);
    assert_eq!(strict_last.validate(&obj).len(), 1);
    let loose_last = with_dirs(&[fixtures().join("crds/yaml"), tmp.path().to_path_buf()]);
    assert!(
        loose_last.validate(&obj).is_empty(),
        "{}",
        render(&loose_last.validate(&obj))
    );
}

#[test]
fn bad_schema_folders_are_errors() {
    let err = Validator::new("1.34", &[PathBuf::from("does/not/exist")], &[]).unwrap_err();
    assert!(matches!(err, Error::SchemaDir { .. }), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("broken.yaml"), "kind: [unclosed").unwrap();
    let err = Validator::new("1.34", &[tmp.path().to_path_buf()], &[]).unwrap_err();
    assert!(matches!(err, Error::SchemaFile { .. }), "{err}");
    // A broken JSON schema file is reported on the objects of its kind, not at start-up.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("example.com")).unwrap();
    std::fs::write(tmp.path().join("example.com/thing_v1.json"), "{not json").unwrap();
    let v = Validator::new("1.34", &[tmp.path().to_path_buf()], &[]).unwrap();
    let out = v.validate(
        &json!({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}}),
    );
    assert_eq!(out.len(), 1);
    assert!(out[0].message.contains("cannot be used"), "{}", out[0]);
}

#[test]
fn gitops_objects_against_the_bundled_schemas() {
    // Embedded in the binary: no folder needed.
    let embedded = with_dirs(&[]);
    // And the same files as a --schema-dir, as a site repository would keep them.
    let folder = with_dirs(&[repo_root().join("schemas/crds")]);
    for v in [&embedded, &folder] {
        assert_all_valid(v, &fixtures().join("gitops/valid"));
        let results = assert_all_rejected(v, &fixtures().join("gitops/invalid"));
        for (path, out) in results {
            eprintln!("{}:\n{}", path.display(), render(&out));
        }
    }
}

/// The shared reference folder next to the repository (`STRATA_SHARED` overrides it).
fn shared_crds() -> Option<PathBuf> {
    let shared = std::env::var_os("STRATA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"));
    let crds = shared.join("crds");
    if crds.is_dir() {
        return Some(crds);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{} is missing in CI", crds.display());
    }
    // Written to the real stderr, not through the test harness's capture: a skip must be seen.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {} not found; the upstream CRD test did not run",
        crds.display()
    );
    None
}

#[test]
fn gitops_objects_against_the_upstream_crd_yaml() {
    let Some(crds) = shared_crds() else { return };
    // The CRD YAML files (the folder also holds schemas/…_v1.json copies: both are read, the
    // JSON files come later in name order and win; check the YAML alone too).
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&crds).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    for dirs in [
        vec![tmp.path().to_path_buf()],
        vec![crds.clone()],
        vec![crds.join("schemas")],
    ] {
        let v = with_dirs(&dirs);
        assert_all_valid(&v, &fixtures().join("gitops/valid"));
        assert_all_rejected(&v, &fixtures().join("gitops/invalid"));
    }
}

#[test]
fn bundled_crd_schemas_match_the_shared_copies() {
    let Some(crds) = shared_crds() else { return };
    for (group, file) in [
        ("kustomize.toolkit.fluxcd.io", "kustomization_v1.json"),
        ("source.toolkit.fluxcd.io", "gitrepository_v1.json"),
        ("source.toolkit.fluxcd.io", "ocirepository_v1.json"),
        ("helm.toolkit.fluxcd.io", "helmrelease_v2.json"),
        ("argoproj.io", "application_v1alpha1.json"),
        ("argoproj.io", "appproject_v1alpha1.json"),
        ("argoproj.io", "applicationset_v1alpha1.json"),
    ] {
        let read = |p: PathBuf| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
        };
        let ours = read(repo_root().join("schemas/crds").join(group).join(file));
        let theirs = read(crds.join("schemas").join(group).join(file));
        assert_eq!(ours, theirs, "{group}/{file}: run `make schemas`");
    }
}
