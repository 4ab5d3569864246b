//! Throughput of the validator on one thread.
//!
//! `cargo run --release -p strata-validate --example bench [-- COUNT [VERSION]]`
//!
//! Builds COUNT (default 10,000) realistic rendered objects — Deployments, Services,
//! ConfigMaps, StatefulSets, ServiceAccounts, PodDisruptionBudgets, Jobs, Ingresses, Secrets —
//! compiles their schemas (not timed: done once per kind and cached), then validates every
//! object on the current thread and prints objects per second and microseconds per object.
//! The target is at least 100,000 objects per second.

use std::time::Instant;

use serde_json::{json, Value};
use strata_validate::Validator;

fn deployment(i: usize) -> Value {
    let name = format!("svc-{i}-api");
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": "openstack",
            "labels": {
                "app.kubernetes.io/name": name,
                "app.kubernetes.io/component": "api",
                "app.kubernetes.io/part-of": "openstack",
                "app.kubernetes.io/managed-by": "strata"
            },
            "annotations": {"strata.io/source": "services/x/templates/deployment.yaml"}
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
            "template": {
                "metadata": {
                    "labels": {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "api"},
                    "annotations": {"checksum/config": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
                },
                "spec": {
                    "serviceAccountName": name,
                    "securityContext": {"runAsNonRoot": true, "runAsUser": 42424, "fsGroup": 42424},
                    "containers": [{
                        "name": "api",
                        "image": format!("registry.example.org/openstack/svc-{i}:2025.1"),
                        "imagePullPolicy": "IfNotPresent",
                        "args": ["--config-file", "/etc/svc/svc.conf"],
                        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                        "env": [
                            {"name": "LOG_LEVEL", "value": "info"},
                            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}
                        ],
                        "resources": {
                            "requests": {"cpu": "100m", "memory": "256Mi"},
                            "limits": {"cpu": 1, "memory": "1Gi"}
                        },
                        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10},
                        "livenessProbe": {"tcpSocket": {"port": 8080}, "failureThreshold": 3},
                        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                        "volumeMounts": [{"name": "config", "mountPath": "/etc/svc", "readOnly": true}]
                    }],
                    "volumes": [{"name": "config", "configMap": {"name": format!("svc-{i}-config")}}]
                }
            }
        }
    })
}

fn statefulset(i: usize) -> Value {
    let name = format!("db-{i}");
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "openstack", "labels": {"app.kubernetes.io/name": name}},
        "spec": {
            "serviceName": name,
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": name}},
                "spec": {"containers": [{
                    "name": "db",
                    "image": "docker.io/library/mariadb:11.4",
                    "ports": [{"name": "mysql", "containerPort": 3306}],
                    "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}},
                    "volumeMounts": [{"name": "data", "mountPath": "/var/lib/mysql"}]
                }]}
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}}}
            }]
        }
    })
}

fn service(i: usize) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": format!("svc-{i}-api"), "namespace": "openstack", "labels": {"app.kubernetes.io/name": format!("svc-{i}")}},
        "spec": {
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": format!("svc-{i}-api")},
            "ports": [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}]
        }
    })
}

fn configmap(i: usize) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": format!("svc-{i}-config"), "namespace": "openstack", "labels": {"app.kubernetes.io/name": format!("svc-{i}")}},
        "data": {
            "svc.conf": format!("[DEFAULT]\ndebug = false\nworkers = {}\n[database]\nconnection = mysql+pymysql://svc@db/svc{i}\n", i % 8 + 1),
            "logging.conf": "[loggers]\nkeys = root\n"
        }
    })
}

fn other(i: usize) -> Value {
    // `i / 10`: the caller picks this function for two of every ten objects.
    match (i / 10) % 5 {
        0 => json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": format!("svc-{i}-api"), "namespace": "openstack"},
            "automountServiceAccountToken": false
        }),
        1 => json!({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": format!("svc-{i}-api"), "namespace": "openstack"},
            "spec": {"maxUnavailable": "25%", "selector": {"matchLabels": {"app.kubernetes.io/name": format!("svc-{i}-api")}}}
        }),
        2 => json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": format!("svc-{i}-db-sync"), "namespace": "openstack"},
            "spec": {"backoffLimit": 6, "template": {"spec": {"restartPolicy": "OnFailure",
                "containers": [{"name": "db-sync", "image": "registry.example.org/svc:1", "command": ["svc-manage", "db_sync"]}]}}}
        }),
        3 => json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": format!("svc-{i}"), "namespace": "openstack"},
            "spec": {"ingressClassName": "nginx", "rules": [{"host": format!("svc-{i}.example.org"), "http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": format!("svc-{i}-api"), "port": {"name": "http"}}}}]}}]}
        }),
        _ => json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": format!("svc-{i}-tls"), "namespace": "openstack"},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": "LS0tLS1CRUdJTg==", "tls.key": "LS0tLS1CRUdJTg=="}
        }),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let version = args.next().unwrap_or_else(|| "1.34".to_string());
    let objects: Vec<Value> = (0..count)
        .map(|i| match i % 10 {
            0..=2 => deployment(i),
            3..=4 => service(i),
            5..=6 => configmap(i),
            7 => statefulset(i),
            _ => other(i),
        })
        .collect();

    let start = Instant::now();
    let validator = match Validator::new(&version, &[], &[]) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(2);
        }
    };
    // Compile every kind's schema once (what the first objects of a build pay).
    let mut seen = std::collections::BTreeSet::new();
    for o in &objects {
        if seen.insert((o["apiVersion"].to_string(), o["kind"].to_string())) {
            let _ = validator.validate(o);
        }
    }
    let setup = start.elapsed();

    let mut best = f64::INFINITY;
    let mut invalid = 0;
    for _ in 0..3 {
        let t = Instant::now();
        invalid = 0;
        for o in &objects {
            if !validator.validate(o).is_empty() {
                invalid += 1;
            }
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    let per_second = count as f64 / best;
    println!(
        "validate (1 thread, Kubernetes {version}): {count} objects in {:.1} ms: {:.0} objects/s, {:.2} µs/object ({} invalid; schema load+compile {:.0} ms, {} kinds)",
        best * 1e3,
        per_second,
        best * 1e6 / count as f64,
        invalid,
        setup.as_secs_f64() * 1e3,
        seen.len()
    );
    let refs: Vec<&Value> = objects.iter().collect();
    let t = Instant::now();
    let results = validator.validate_all(&refs);
    let all = t.elapsed().as_secs_f64();
    println!(
        "validate_all ({} threads): {:.0} objects/s",
        rayon::current_num_threads(),
        results.len() as f64 / all
    );
    if invalid > 0 {
        eprintln!("bench: {invalid} objects were invalid: the generated objects are wrong");
        std::process::exit(1);
    }
    if per_second < 100_000.0 {
        eprintln!("bench: below the target of 100,000 objects per second");
    }
}
