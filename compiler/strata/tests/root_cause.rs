//! The root cause first: the error a person must fix is the one reported, and no advice
//! deletes what should be kept.

mod common;

use common::{copy_tree, strata, workspace};

/// Naming a site whose site.yaml does not parse reports the YAML error at its line (exit 2),
/// in every command that takes a site, never "there is no site".
#[test]
fn a_named_site_with_a_yaml_error_shows_the_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy_tree(&workspace().join("golden-tests/minimal-site"), dir.path());
    let site = dir.path().join("sites/demo/site.yaml");
    let text = std::fs::read_to_string(&site).unwrap_or_default();
    std::fs::write(&site, text.replace("layers: [common]", "layers: [common"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("rendered");
    let out = out.to_string_lossy().into_owned();
    for args in [
        vec!["build", "demo", "--out", &out],
        vec!["validate", "demo"],
        vec!["validate", "demo", "--format", "json"],
        vec!["graph", "demo"],
        vec!["explain", "demo", "Deployment/web", "spec.replicas"],
        vec!["secrets", "demo"],
    ] {
        let o = strata(dir.path(), &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("E0101"), "{args:?}: {err}");
        assert!(err.contains("sites/demo/site.yaml"), "{args:?}: {err}");
        assert!(!err.contains("there is no site"), "{args:?}: {err}");
    }
    assert!(!dir.path().join("rendered").exists());
}

/// A SOPS file that no enabled service reads is a warning: the build succeeds, and the file
/// is not shipped (it was an error advising to delete the encrypted file).
#[test]
fn an_unread_sops_file_is_a_warning_and_not_shipped() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy_tree(&workspace().join("golden-tests/gitops-flux"), dir.path());
    let secrets = dir.path().join("sites/demo/secrets");
    let db_root = std::fs::read_to_string(secrets.join("db/db-root.sops.yaml")).unwrap_or_default();
    assert!(db_root.contains("name: db-root"));
    std::fs::write(
        secrets.join("orphan.sops.yaml"),
        db_root.replace("name: db-root", "name: orphan"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("rendered");
    let o = strata(dir.path(), &["build", "--out", &out.to_string_lossy()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("warning[E0606]"), "{err}");
    assert!(err.contains("not shipped"), "{err}");
    assert!(!err.contains("remove the file"), "{err}");
    let shipped = walkdir::WalkDir::new(&out)
        .into_iter()
        .flatten()
        .any(|e| e.file_name() == "orphan.sops.yaml");
    assert!(!shipped, "the unread SOPS file was written to the output");
    let read_file_shipped = walkdir::WalkDir::new(&out)
        .into_iter()
        .flatten()
        .any(|e| e.file_name() == "db-root.sops.yaml");
    assert!(read_file_shipped, "the SOPS file db reads was not written");
}
