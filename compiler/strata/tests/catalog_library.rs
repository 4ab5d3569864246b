//! The catalog library `services/_lib/`: every service's templates (and endpoint strings)
//! import it as `_lib/<file>`; it is not a service; errors inside it point at its own lines;
//! no name, from a service or from the library, reaches a file outside the two.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{copy_tree, strata, workspace, yaml_docs};

/// A copy of the `minimal-site` golden case (which has no library) in a temporary folder.
fn repo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path().join("repo");
    copy_tree(&workspace().join("golden-tests/minimal-site"), &root);
    (tmp, root)
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
}

fn build(root: &Path, out: &Path) -> Output {
    strata(root, &["build", "--out", &out.to_string_lossy()])
}

const LIB: &str = r#"{#- A test library. -#}
{% set suffix = "-lib" %}
{% macro config_map(name, flag=false) -%}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ name ~ suffix }}
data:
  flag: {{ flag | to_json | quote }}
  from: {{ service.name }}
{%- endmacro %}
"#;

#[test]
fn services_and_endpoints_import_the_library() {
    let (tmp, root) = repo();
    write(&root, "services/_lib/lib.j2", LIB);
    write(
        &root,
        "services/web/templates/extra.yaml.j2",
        "{% import \"_lib/lib.j2\" as lib %}\n{{ lib.config_map(\"web-extra\", flag=true) }}\n",
    );
    // An endpoint string imports the library too.
    let db = root.join("services/db/service.yaml");
    let text = std::fs::read_to_string(&db).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        &db,
        text.replace(
            "internal: \"db.{{ site.namespace }}",
            "internal: \"{% import '_lib/lib.j2' as lib %}db{{ lib.suffix }}.{{ site.namespace }}",
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("out");
    let r = build(&root, &out);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let docs = yaml_docs(&out.join("demo/web/configmap-web-extra-lib.yaml"));
    assert_eq!(docs[0]["data"]["flag"], "true");
    assert_eq!(docs[0]["data"]["from"], "web");
    let etc = yaml_docs(&out.join("demo/web/configmap-web-etc.yaml"));
    assert_eq!(etc[0]["data"]["db"], "db-lib.demo.svc.cluster.local:3306");
    // The library is an input of the services: its text is part of their digest.
    let before = std::fs::read_to_string(out.join("demo/_meta/web.json")).unwrap_or_default();
    write(
        &root,
        "services/_lib/lib.j2",
        &format!("{LIB}{{# changed #}}\n"),
    );
    let out2 = tmp.path().join("out2");
    assert!(build(&root, &out2).status.success());
    let after = std::fs::read_to_string(out2.join("demo/_meta/web.json")).unwrap_or_default();
    assert_ne!(
        before, after,
        "a library change must change the services' inputDigest"
    );
}

#[test]
fn errors_inside_the_library_point_at_its_lines() {
    let (tmp, root) = repo();
    write(
        &root,
        "services/_lib/lib.j2",
        &LIB.replace("  from: {{ service.name }}", "  from: {{ values.nope }}"),
    );
    write(
        &root,
        "services/web/templates/extra.yaml.j2",
        "{% import \"_lib/lib.j2\" as lib %}\n{{ lib.config_map(\"web-extra\") }}\n",
    );
    let out = tmp.path().join("out");
    let r = build(&root, &out);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{err}");
    assert!(err.contains("services/_lib/lib.j2:10:"), "{err}");
    assert!(!out.exists(), "nothing is written on an error");
}

#[test]
fn the_library_is_not_a_service() {
    let (tmp, root) = repo();
    // Even with a service document, a folder whose name starts with `_` is not a service.
    write(
        &root,
        "services/_lib/service.yaml",
        "apiVersion: strata/v1alpha1\nkind: Service\nmetadata: {name: _lib}\nspec: {}\n",
    );
    write(&root, "services/_lib/lib.j2", LIB);
    let out = tmp.path().join("out");
    let r = build(&root, &out);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(!out.join("demo/_lib").exists());
    assert!(!out.join("demo/_meta/_lib.json").exists());
}

#[test]
fn no_name_leaves_the_service_or_the_library() {
    let marker = "LEAKED-FILE-CONTENT";
    for (file, text) in [
        // From a service's template.
        (
            "services/web/templates/extra.yaml.j2",
            "{% include \"../../x.j2\" %}\n",
        ),
        (
            "services/web/templates/extra.yaml.j2",
            "{% include \"_lib/../../x.j2\" %}\n",
        ),
        (
            "services/web/templates/extra.yaml.j2",
            "{% include \"_lib/../db/templates/statefulset.yaml.j2\" %}\n",
        ),
        (
            "services/web/templates/extra.yaml.j2",
            "{% include \"/etc/hostname\" %}\n",
        ),
        // From the library: it cannot reach outside its folder either.
        ("services/_lib/lib.j2", "{% include \"../../x.j2\" %}\n"),
        (
            "services/_lib/lib.j2",
            "{% include \"../db/templates/statefulset.yaml.j2\" %}\n",
        ),
    ] {
        let (tmp, root) = repo();
        write(tmp.path(), "x.j2", marker);
        write(&root, "x.j2", marker);
        if file.starts_with("services/_lib") {
            write(&root, file, text);
            write(
                &root,
                "services/web/templates/extra.yaml.j2",
                "{% include \"_lib/lib.j2\" %}\n",
            );
        } else {
            write(&root, file, text);
        }
        let out = tmp.path().join("out");
        let r = build(&root, &out);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{text}: {err}");
        // An include inside the library is reported through the template that included it.
        assert!(
            err.contains("non-existing template") || err.contains("error in \"_lib/lib.j2\""),
            "{text}: {err}"
        );
        assert!(!err.contains(marker), "{text}: {err}");
        assert!(!out.exists(), "{text}");
    }
}
