//! Positive and negative fixtures against the bundled Kubernetes schemas.

mod common;

use common::*;
use serde_json::json;
use strata_validate::{kubernetes_versions, Error, Validator, ViolationKind};

#[test]
fn positive_fixtures_are_valid_in_every_bundled_version() {
    for version in kubernetes_versions() {
        let v = Validator::new(&version, &[], &[]).unwrap();
        assert_all_valid(&v, &fixtures().join("valid"));
    }
}

#[test]
fn negative_fixtures_are_rejected_with_their_violations() {
    for version in kubernetes_versions() {
        let v = Validator::new(&version, &[], &[]).unwrap();
        for dir in ["invalid", "invalid-strata-only"] {
            let results = assert_all_rejected(&v, &fixtures().join(dir));
            if version == "1.34" {
                for (path, out) in results {
                    eprintln!("{}:\n{}", path.display(), render(&out));
                }
            }
        }
    }
}

#[test]
fn bundled_versions_load() {
    let versions = kubernetes_versions();
    assert!(versions.len() >= 4, "{versions:?}");
    // The newest four minor versions kubernetes-validate ships, at least.
    assert!(versions.contains(&"1.37".to_string()), "{versions:?}");
    let mut files: Vec<String> = std::fs::read_dir(repo_root().join("schemas/kubernetes"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter_map(|n| {
            n.strip_prefix('v')?
                .strip_suffix(".json.gz")
                .map(String::from)
        })
        .collect();
    files.sort_by_key(|v| {
        v.split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    assert_eq!(
        files, versions,
        "schemas/kubernetes and the embedded list differ"
    );
    for version in &versions {
        let v = Validator::new(version, &[], &[]).unwrap();
        assert_eq!(v.kubernetes_version(), version);
        assert!(v.has_schema("apps/v1", "Deployment"));
        assert!(v.has_schema("v1", "ConfigMap"));
        assert!(!v.has_schema("extensions/v1beta1", "Deployment"));
    }
    let v = Validator::new("v1.34.2", &[], &[]).unwrap();
    assert_eq!(v.kubernetes_version(), "1.34");
}

#[test]
fn unsupported_version_lists_the_bundled_ones() {
    let err = Validator::new("1.12", &[], &[]).unwrap_err();
    assert!(matches!(err, Error::UnsupportedVersion { .. }));
    let text = err.to_string();
    assert!(
        text.contains("1.12") && text.contains("1.34") && text.contains("1.37"),
        "{text}"
    );
}

fn deployment() -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "keystone-api", "namespace": "openstack"},
        "spec": {
            "selector": {"matchLabels": {"app": "keystone"}},
            "template": {
                "metadata": {"labels": {"app": "keystone"}},
                "spec": {"containers": [{"name": "api", "image": "keystone:1", "ports": [{"containerPort": 5000}]}]}
            }
        }
    })
}

fn v134() -> Validator {
    Validator::new("1.34", &[], &[]).unwrap()
}

#[test]
fn wrong_type_names_object_field_and_expectation() {
    let mut d = deployment();
    d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = json!("5000");
    let out = v134().validate(&d);
    assert_eq!(out.len(), 1, "{}", render(&out));
    assert_eq!(out[0].kind, ViolationKind::Type);
    assert_eq!(
        out[0].pointer,
        "/spec/template/spec/containers/0/ports/0/containerPort"
    );
    assert_eq!(
        format!("{} {}: {}", strata_validate::object_label(&d), out[0].path, out[0].message),
        "Deployment openstack/keystone-api spec.template.spec.containers[0].ports[0].containerPort: \"5000\" is not an integer"
    );
}

#[test]
fn unknown_field_with_hint() {
    let mut d = deployment();
    d["spec"]["replica"] = json!(2);
    let out = v134().validate(&d);
    assert_eq!(out.len(), 1, "{}", render(&out));
    assert_eq!(out[0].kind, ViolationKind::UnknownField);
    assert_eq!(
        out[0].to_string(),
        "spec.replica: unknown field `replica` (did you mean `replicas`?)"
    );
    // Unknown fields are rejected at any depth, including the top level.
    let mut d = deployment();
    d["status2"] = json!({});
    d["spec"]["template"]["spec"]["containers"][0]["foo"] = json!(1);
    let out = v134().validate(&d);
    let ptrs: Vec<&str> = out.iter().map(|o| o.pointer.as_str()).collect();
    assert_eq!(
        ptrs,
        ["/spec/template/spec/containers/0/foo", "/status2"],
        "{}",
        render(&out)
    );
}

#[test]
fn missing_required_field() {
    let mut d = deployment();
    d["spec"]["template"]["spec"]["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("image");
    let out = v134().validate(&d);
    assert_eq!(out.len(), 1, "{}", render(&out));
    assert_eq!(
        out[0].to_string(),
        "spec.template.spec.containers[0].image: missing required field `image`"
    );
    assert_eq!(out[0].kind, ViolationKind::Required);
}

#[test]
fn maps_and_preserved_fields_stay_open() {
    let mut d = deployment();
    d["metadata"]["labels"] = json!({"any.domain/any-key": "v", "x": ""});
    d["metadata"]["annotations"] = json!({"a.b/c": "anything at all, spaces too"});
    d["spec"]["template"]["spec"]["nodeSelector"] = json!({"kubernetes.io/os": "linux"});
    assert!(v134().validate(&d).is_empty());
}

#[test]
fn int_or_string_and_quantities_as_the_api_server_reads_them() {
    let v = v134();
    let mut d = deployment();
    let c = &mut d["spec"]["template"]["spec"]["containers"][0];
    c["resources"] = json!({
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": 1, "memory": 1.5e9, "ephemeral-storage": "1e9"}
    });
    c["readinessProbe"] = json!({"httpGet": {"port": "http"}});
    c["livenessProbe"] = json!({"tcpSocket": {"port": 5000}});
    d["spec"]["strategy"] = json!({"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}});
    assert!(v.validate(&d).is_empty(), "{}", render(&v.validate(&d)));

    let mut bad = d.clone();
    bad["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = json!("one");
    bad["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] =
        json!(1.5);
    bad["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = json!({"value": 1});
    let out = v.validate(&bad);
    let msgs: Vec<String> = out.iter().map(ToString::to_string).collect();
    assert_eq!(
        msgs,
        [
            "spec.strategy.rollingUpdate.maxSurge: expected an integer or a string, found a map",
            "spec.template.spec.containers[0].readinessProbe.httpGet.port: 1.5 is not an integer or a string",
            "spec.template.spec.containers[0].resources.limits.cpu: \"one\" is not a valid quantity (examples: 100m, 2, 0.5, 1.5Gi, 512Mi)",
        ],
        "{}",
        render(&out)
    );
}

#[test]
fn names_by_kind() {
    let v = v134();
    let cm =
        |name: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}});
    assert!(v.validate(&cm("a.b-c")).is_empty());
    let out = v.validate(&cm("A_b"));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].pointer, "/metadata/name");
    assert!(
        out[0].message.starts_with("\"A_b\" is not a valid name"),
        "{}",
        out[0]
    );
    let svc =
        |name: &str| json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}});
    assert!(v.validate(&svc("keystone")).is_empty());
    assert_eq!(v.validate(&svc("a.b")).len(), 1);
    assert_eq!(v.validate(&svc("9a")).len(), 1);
    let ns =
        |name: &str| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    assert!(v.validate(&ns("openstack")).is_empty());
    assert_eq!(v.validate(&ns("open.stack")).len(), 1);
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "system:a:B"}});
    assert!(v.validate(&role).is_empty());
    let gen = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"generateName": "migrate-"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "x"}]}}}});
    assert!(v.validate(&gen).is_empty(), "{}", render(&v.validate(&gen)));
}

#[test]
fn secret_values_are_never_shown() {
    let v = v134();
    let s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
        "data": {"password": "hunter2 is my password"}, "stringData": {"token": 12345}});
    let out = v.validate(&s);
    assert_eq!(out.len(), 2, "{}", render(&out));
    for o in &out {
        assert!(
            !o.message.contains("hunter2") && !o.message.contains("12345"),
            "{o}"
        );
        assert!(o.message.starts_with("value "), "{o}");
    }
}

#[test]
fn no_schema_is_an_error_unless_allowed() {
    let obj = json!({"apiVersion": "example.net/v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": {"x": 1}});
    let out = v134().validate(&obj);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, ViolationKind::NoSchema);
    assert!(out[0].message.contains("--schema-dir"), "{}", out[0]);
    for allowed in ["Thing", "example.net/v1/Thing"] {
        let v = Validator::new("1.34", &[], &[allowed.to_string()]).unwrap();
        assert!(v.validate(&obj).is_empty(), "{allowed}");
    }
    let v = Validator::new("1.34", &[], &["example.net/v2/Thing".to_string()]).unwrap();
    assert_eq!(v.validate(&obj).len(), 1);
    // A kind with a schema is validated even when listed as allowed.
    let v = Validator::new("1.34", &[], &["Deployment".to_string()]).unwrap();
    let mut d = deployment();
    d["spec"]["replica"] = json!(1);
    assert_eq!(v.validate(&d).len(), 1);
    // Hints for misspelt kinds and removed API versions.
    let out = v134().validate(
        &json!({"apiVersion": "apps/v1", "kind": "deployment", "metadata": {"name": "x"}}),
    );
    assert!(
        out[0].message.contains("did you mean \"Deployment\""),
        "{}",
        out[0]
    );
    let out = v134().validate(
        &json!({"apiVersion": "apps/v1beta1", "kind": "Deployment", "metadata": {"name": "x"}}),
    );
    assert!(out[0].message.contains("\"apps/v1\""), "{}", out[0]);
}

#[test]
fn never_panics_on_odd_input() {
    let v = v134();
    let mut deep = json!("leaf");
    for _ in 0..200 {
        deep = json!({"a": [deep]});
    }
    for odd in [
        json!(null),
        json!([1, 2]),
        json!("Deployment"),
        json!({}),
        json!({"apiVersion": 1, "kind": ["x"]}),
        json!({"apiVersion": "", "kind": ""}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment"}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": "x", "spec": []}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": 5, "labels": [1]}, "spec": {"template": deep}}),
        json!({"apiVersion": "/", "kind": "/"}),
        json!({"apiVersion": "a/b/c", "kind": "K"}),
    ] {
        let out = v.validate(&odd);
        assert!(!out.is_empty(), "{odd}");
        for o in &out {
            assert!(o.message.len() < 400, "{o}");
        }
    }
}

#[test]
fn validate_all_keeps_order() {
    let v = v134();
    let good = deployment();
    let mut bad = deployment();
    bad["spec"]["replica"] = json!(1);
    let objects: Vec<serde_json::Value> = (0..500)
        .map(|i| {
            if i % 7 == 3 {
                bad.clone()
            } else {
                good.clone()
            }
        })
        .collect();
    let refs: Vec<&serde_json::Value> = objects.iter().collect();
    let results = v.validate_all(&refs);
    assert_eq!(results.len(), 500);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.len(), usize::from(i % 7 == 3), "object {i}");
    }
}

#[test]
fn sops_encrypted_objects_are_validated_as_flux_applies_them() {
    let v = v134();
    let enc = "ENC[AES256_GCM,data:5lSf+vv3Ou2D,iv:2B0R2Qi1,tag:RrWVeEa8,type:str]";
    let mut s = json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "type": "Opaque",
        "data": {"password": enc}, "stringData": {"user": enc},
        "sops": {"age": [{"recipient": "age1xyz", "enc": "x"}], "mac": enc, "version": "3.11.0",
                 "lastmodified": "2026-11-24T10:12:52Z", "encrypted_regex": "^(data|stringData)$"}
    });
    assert!(v.validate(&s).is_empty(), "{}", render(&v.validate(&s)));
    s["spec"] = json!({});
    let out = v.validate(&s);
    assert_eq!(out.len(), 1, "{}", render(&out));
    assert_eq!(out[0].pointer, "/spec");
    // A `sops` field that is not SOPS metadata is an unknown field like any other.
    let odd = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "sops": {"x": 1}});
    assert_eq!(v.validate(&odd).len(), 1);
}
