//! `apply_overlays`: base objects rendered by Strata, then components, then a site
//! kustomization, with each result tagged with the base object it came from. Checked against
//! kubectl on the equivalent kustomization tree (the base written to a file, listed with the
//! components in a nested kustomization that is the site's first resource).

mod common;

use std::path::Path;

use serde_json::{json, Value};
use strata_kustomize::{apply_overlays, Options};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
    }
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
}

fn base() -> Vec<(Value, &'static str)> {
    vec![
        (
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "labels": {"app": "api"}},
                   "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}},
                            "template": {"metadata": {"labels": {"app": "api"}},
                                         "spec": {"containers": [{"name": "api", "image": "reg/api:1",
                                                  "envFrom": [{"configMapRef": {"name": "api-config"}}]}]}}}}),
            "svc:api",
        ),
        (
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "api-config"}, "data": {"LOG": "info"}}),
            "svc:api",
        ),
        (
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"},
                   "spec": {"selector": {"app": "api"}, "ports": [{"port": 80}]}}),
            "svc:api",
        ),
        (
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "db"}}),
            "svc:db",
        ),
    ]
}

fn tree(root: &Path) {
    write(
        &root.join("components/debug"),
        "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: dbg-\nconfigMapGenerator:\n- name: api-config\n  behavior: merge\n  literals: [LOG=debug]\n- name: debug-flags\n  literals: [trace=on]\npatches:\n- patch: |\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: api}\n    spec:\n      template:\n        spec:\n          containers:\n          - name: api\n            env: [{name: DEBUG, value: \"1\"}]\n",
    );
    write(
        &root.join("components/tls"),
        "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nsecretGenerator:\n- name: tls\n  literals: [crt=x]\npatches:\n- target: {kind: Deployment}\n  patch: |-\n    - {op: add, path: /spec/template/spec/volumes, value: [{name: tls, secret: {secretName: tls}}]}\n",
    );
    write(
        &root.join("site"),
        "kustomization.yaml",
        "resources:\n- extra.yaml\nnamespace: prod\nlabels:\n- pairs: {site: brno}\n  includeSelectors: true\nimages:\n- name: reg/api\n  newTag: \"2\"\nreplicas:\n- name: api\n  count: 3\n",
    );
    write(
        &root.join("site"),
        "extra.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: site-extra\n",
    );
}

#[test]
fn overlays_apply_in_order_and_keep_tags() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path();
    tree(root);
    let comps = vec![root.join("components/debug"), root.join("components/tls")];
    let out = apply_overlays(
        base(),
        &comps,
        Some(&root.join("site")),
        &Options::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let find = |kind: &str, prefix: &str| -> (Value, Option<&str>) {
        out.iter()
            .find(|(v, _)| {
                v["kind"] == kind
                    && v["metadata"]["name"]
                        .as_str()
                        .is_some_and(|n| n.starts_with(prefix))
            })
            .map(|(v, t)| (v.clone(), *t))
            .unwrap_or_else(|| panic!("no {kind} {prefix}* in {out:?}"))
    };
    let (dep, tag) = find("Deployment", "dbg-api");
    assert_eq!(tag, Some("svc:api"));
    assert_eq!(dep["metadata"]["namespace"], "prod");
    assert_eq!(dep["spec"]["replicas"], 3);
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["image"],
        "reg/api:2"
    );
    assert_eq!(dep["spec"]["selector"]["matchLabels"]["site"], "brno");
    // The base ConfigMap, merged by a component generator, keeps its tag and gets no hash
    // (it was not generated).
    let (cm, tag) = find("ConfigMap", "dbg-api-config");
    assert_eq!(tag, Some("svc:api"));
    assert_eq!(cm["data"]["LOG"], "debug");
    assert_eq!(cm["metadata"]["name"], "dbg-api-config");
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"],
        "dbg-api-config"
    );
    // Generated and site objects have no tag; generated names are hashed and referenced.
    let (secret, tag) = find("Secret", "tls-");
    assert_eq!(tag, None);
    assert_eq!(
        dep["spec"]["template"]["spec"]["volumes"][0]["secret"]["secretName"],
        secret["metadata"]["name"]
    );
    assert_eq!(find("ConfigMap", "dbg-debug-flags-").1, None);
    assert_eq!(find("ConfigMap", "site-extra").1, None);
    assert_eq!(find("ServiceAccount", "dbg-db").1, Some("svc:db"));
    // Legacy order: ServiceAccount, ConfigMaps, Secret, Service, Deployment.
    let kinds: Vec<&str> = out.iter().filter_map(|(v, _)| v["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "ServiceAccount",
            "ConfigMap",
            "ConfigMap",
            "ConfigMap",
            "Secret",
            "Service",
            "Deployment"
        ]
    );

    // The same result as kubectl on the equivalent tree.
    if !common::have_kubectl() {
        return common::skip(
            "kubectl is not available; apply_overlays was not compared with kubectl",
        );
    }
    let objs: Vec<Value> = base().into_iter().map(|(v, _)| v).collect();
    write(
        root,
        "site/virtual/base.yaml",
        &strata_yaml::emit_stream(objs.iter(), strata_yaml::KeyOrder::Kubernetes),
    );
    write(
        root,
        "site/virtual/kustomization.yaml",
        "resources: [base.yaml]\ncomponents:\n- ../../components/debug\n- ../../components/tls\n",
    );
    let k = std::fs::read_to_string(root.join("site/kustomization.yaml")).unwrap_or_default();
    write(
        root,
        "site/kustomization.yaml",
        &k.replace("resources:\n", "resources:\n- virtual\n"),
    );
    let expected =
        common::kubectl_kustomize(&root.join("site")).unwrap_or_else(|e| panic!("kubectl: {e}"));
    let ours: Vec<Value> = out.into_iter().map(|(v, _)| v).collect();
    common::compare(&ours, &expected).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn no_overlays_sorts_and_keeps_everything() {
    let out =
        apply_overlays(base(), &[], None, &Options::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.len(), 4);
    assert!(out.iter().all(|(_, t)| t.is_some()));
    assert_eq!(out[0].0["kind"], "ServiceAccount");
}

#[test]
fn bad_base_objects_and_non_components_are_errors() {
    let e = apply_overlays(
        vec![(json!({"kind": "ConfigMap"}), 1)],
        &[],
        None,
        &Options::default(),
    )
    .err()
    .unwrap_or_else(|| panic!("no error"));
    assert!(e.message.contains("no metadata.name"), "{e}");
    let dup = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
    assert!(apply_overlays(
        vec![(dup.clone(), 1), (dup, 2)],
        &[],
        None,
        &Options::default()
    )
    .is_err());
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(tmp.path(), "c/kustomization.yaml", "namePrefix: x-\n");
    let e = apply_overlays(base(), &[tmp.path().join("c")], None, &Options::default())
        .err()
        .unwrap_or_else(|| panic!("no error"));
    assert!(e.message.contains("not `kind: Component`"), "{e}");
}

/// Overlay provenance: every change to a base object, with the entry that made it, in order,
/// and the same objects as without recording.
#[test]
fn recorded_changes_name_each_entry() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path();
    tree(root);
    let comps = vec![root.join("components/debug"), root.join("components/tls")];
    let site = root.join("site");
    let plain = apply_overlays(base(), &comps, Some(&site), &Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let (objects, changes) =
        strata_kustomize::apply_overlays_recorded(base(), &comps, Some(&site), &Options::default())
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(objects, plain, "recording changed the result");
    let of = |object: usize, pointer: &str| -> Vec<(String, u32, String)> {
        changes
            .iter()
            .filter(|c| c.object == object && c.pointer == pointer)
            .map(|c| {
                (
                    c.origin
                        .file
                        .strip_prefix(root)
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    c.origin.span.start.line,
                    c.origin.entry.clone(),
                )
            })
            .collect()
    };
    let site_k = "site/kustomization.yaml".to_string();
    // replicas (line 11: `- name: api`), images (line 8), namespace (line 3).
    assert_eq!(
        of(0, "/spec/replicas"),
        [(site_k.clone(), 11, "replicas[0] api".to_string())]
    );
    let image = changes
        .iter()
        .find(|c| c.object == 0 && c.pointer == "/spec/template/spec/containers/0/image")
        .unwrap_or_else(|| panic!("no image change in {changes:#?}"));
    assert_eq!(image.before, Some(json!("reg/api:1")));
    assert_eq!(image.after, Some(json!("reg/api:2")));
    assert_eq!(image.origin.entry, "images[0] reg/api");
    assert_eq!(image.origin.span.start.line, 8);
    assert_eq!(
        of(0, "/metadata/namespace"),
        [(site_k.clone(), 3, "namespace".to_string())]
    );
    // The prefix first, then the name references fixed at the end are not entries.
    assert_eq!(
        of(0, "/metadata/name"),
        [(
            "components/debug/kustomization.yaml".to_string(),
            3,
            "namePrefix".to_string()
        )]
    );
    // A JSON 6902 add names its operation; a strategic merge patch the key it set.
    let volumes = of(0, "/spec/template/spec/volumes");
    assert_eq!(volumes.len(), 1, "{changes:#?}");
    assert!(volumes[0]
        .2
        .contains("JSON 6902 add /spec/template/spec/volumes"));
    let env = of(0, "/spec/template/spec/containers/0/env");
    assert_eq!(
        env,
        [(
            "components/debug/kustomization.yaml".to_string(),
            20,
            "patches[0]".to_string()
        )]
    );
    // A generator merged into a base ConfigMap.
    let log = of(1, "/data/LOG");
    assert_eq!(log.len(), 1, "{changes:#?}");
    assert_eq!(log[0].2, "configMapGenerator[0] api-config");
    // Entries run in order: the component's prefix before the site's namespace.
    let pos = |p: &str| changes.iter().position(|c| c.object == 0 && c.pointer == p);
    assert!(pos("/metadata/name") < pos("/metadata/namespace"));
}
