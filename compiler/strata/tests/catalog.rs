//! The reference catalog's promises, checked on a fresh build of this repository's sites:
//! - the production site's rollout waves are the ones the operators' runbooks list;
//! - keystone, glance, nova and neutron get their database connection, transport_url (every
//!   RabbitMQ replica), keystone_authtoken and memcache settings from values and endpoints,
//!   split between the ConfigMap and the secret config file's template;
//! - no literal credential appears anywhere in the output.

mod common;

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use common::{workspace, yaml_docs as docs};

fn strata(args: &[&str]) -> Output {
    common::strata(&workspace(), args)
}

fn build() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("rendered").to_string_lossy().into_owned();
    let r = strata(&["build", "--out", &out]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    tmp
}

#[test]
fn production_waves() {
    let out = strata(&["graph", "prod-brno", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(
        v["waves"],
        serde_json::json!([
            ["ingress", "mariadb", "memcached", "rabbitmq"],
            ["keystone"],
            ["barbican", "cinder", "glance", "heat", "placement"],
            ["neutron", "nova"],
            ["magnum", "octavia"],
            ["horizon"]
        ])
    );
}

/// Every string of the object's ConfigMap `data` (or ExternalSecret `target.template.data`).
fn config_text(objs: &[Value]) -> String {
    let mut out = String::new();
    for o in objs {
        for ptr in ["/data", "/spec/target/template/data"] {
            if let Some(m) = o.pointer(ptr).and_then(Value::as_object) {
                for v in m.values() {
                    out.push_str(v.as_str().unwrap_or(""));
                    out.push('\n');
                }
            }
        }
    }
    out
}

fn replicas(dir: &Path, file: &str) -> usize {
    let v = docs(&dir.join(file));
    v[0]["spec"]["replicas"].as_u64().unwrap_or(1) as usize
}

#[test]
fn openstack_configuration_comes_from_values_and_endpoints() {
    let tmp = build();
    let mut checked = 0;
    for site in ["prod-brno", "prod-ostrava"] {
        let root = tmp.path().join("rendered").join(site);
        let rabbits = replicas(&root.join("rabbitmq"), "statefulset-rabbitmq.yaml");
        let memcacheds = replicas(&root.join("memcached"), "statefulset-memcached.yaml");
        assert!(rabbits >= 3 && memcacheds >= 3, "{site}: not an HA site");
        for svc in ["keystone", "glance", "nova", "neutron"] {
            let dir = root.join(svc);
            let mut objs = docs(&dir.join(format!("configmap-{svc}-etc.yaml")));
            objs.extend(docs(
                &dir.join(format!("externalsecret-{svc}-etc-secret.yaml")),
            ));
            let text = config_text(&objs);
            let what = format!("{site}/{svc}");
            assert!(
                text.contains(&format!("connection = mysql+pymysql://{svc}:{{{{ .")),
                "{what}: no [database] connection built around the stored password"
            );
            assert!(
                text.contains("@mariadb.openstack.svc"),
                "{what}: database host"
            );
            let transport = text
                .lines()
                .find(|l| l.trim_start().starts_with("transport_url = rabbit://"))
                .unwrap_or_else(|| panic!("{what}: no transport_url"));
            for i in 0..rabbits {
                assert!(
                    transport.contains(&format!("@rabbitmq-{i}.rabbitmq.openstack.svc")),
                    "{what}: transport_url lacks replica {i}: {transport}"
                );
            }
            if svc != "keystone" {
                assert!(
                    text.contains("[keystone_authtoken]"),
                    "{what}: keystone_authtoken"
                );
                assert!(
                    text.contains("auth_url = http://keystone-api.openstack.svc"),
                    "{what}: auth_url from endpoint()"
                );
            }
            let memcache = text
                .lines()
                .find(|l| {
                    let l = l.trim_start();
                    l.starts_with("memcache_servers =") || l.starts_with("memcached_servers =")
                })
                .unwrap_or_else(|| panic!("{what}: no memcache servers"));
            for i in 0..memcacheds {
                assert!(
                    memcache.contains(&format!("memcached-{i}.memcached.")),
                    "{what}: memcache servers lack replica {i}: {memcache}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
}

#[test]
fn no_literal_credentials_in_the_output() {
    let tmp = build();
    let mut files = 0;
    for e in walkdir::WalkDir::new(tmp.path().join("rendered"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
    {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("yaml") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains("\nsops:\n") {
            // SOPS files: every value of the Secret is ciphertext.
            for doc in docs(path) {
                for field in ["data", "stringData"] {
                    for (k, v) in doc[field].as_object().into_iter().flatten() {
                        assert!(
                            v.as_str().is_some_and(|s| s.starts_with("ENC[AES256_GCM,")),
                            "{}: {field}.{k} is not encrypted",
                            path.display()
                        );
                    }
                }
            }
            continue;
        }
        for doc in docs(path) {
            let leaks = strata::secrets::leak::scan(&doc);
            assert!(leaks.is_empty(), "{}: {leaks:?}", path.display());
        }
    }
    assert!(files > 500, "only {files} files");
}
