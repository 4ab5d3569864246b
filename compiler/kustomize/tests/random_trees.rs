//! Our own differential generator (a fresh clone has no shared folder): seeded random
//! kustomization trees — bases with many kinds of objects, overlays, components, every
//! transformer Strata supports, strategic-merge and JSON patches with all kinds of targets,
//! generators with behaviors — built by `build_dir` and by `kubectl kustomize`, compared
//! semantically. When kubectl fails on a tree, `build_dir` must fail too.
//!
//! Needs kubectl; without it the test prints `SKIPPED` and passes, unless `CI=true`.
//! `RANDOM_TREES_CASES` (default 100) and `RANDOM_TREES_SEED` (a single case) tune it.

mod common;

use std::path::Path;

use serde_json::{json, Map, Value};

/// SplitMix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 10_000) as f64 / 10_000.0 < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
}

const TIERS: [&str; 3] = ["web", "api", "db"];
const TRICKY: [&str; 10] = [
    "yes",
    "on",
    "1.0",
    "0755",
    "null",
    "2024-01-01",
    "a: b",
    "~",
    "multi\nline\n",
    "x",
];

/// What the base contains, for overlays to refer to.
#[derive(Default, Clone)]
struct Base {
    deployments: Vec<String>,
    statefulsets: Vec<String>,
    services: Vec<String>,
    configmaps: Vec<String>,
    generated_cms: Vec<String>,
    generated_secrets: Vec<String>,
    service_accounts: Vec<String>,
    widgets: Vec<String>,
    images: Vec<String>,
}

fn write(dir: &Path, rel: &str, content: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
    }
    std::fs::write(&p, content).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
}

fn yaml(v: &Value) -> String {
    strata_yaml::emit(v, strata_yaml::KeyOrder::Kubernetes)
}

fn yaml_all(vs: &[Value]) -> String {
    strata_yaml::emit_stream(vs.iter(), strata_yaml::KeyOrder::Kubernetes)
}

fn image(r: &mut Rng) -> String {
    let name = r.pick(&[
        "nginx",
        "registry.example.org/team/app",
        "registry.local:5000/api",
        "busybox",
        "ghcr.io/x/sidecar",
    ]);
    match r.below(4) {
        0 => name.to_string(),
        1 => format!("{name}:1.{}", r.below(5)),
        2 => format!("{name}@sha256:{:064x}", r.next() as u128),
        _ => format!("{name}:2.{}@sha256:{:064x}", r.below(3), r.next() as u128),
    }
}

fn container(r: &mut Rng, name: &str, b: &Base) -> Value {
    let img = image(r);
    let mut c = json!({"name": name, "image": img});
    if r.chance(0.7) {
        let mut env = vec![json!({"name": "MODE", "value": *r.pick(&TRICKY)})];
        if !b.configmaps.is_empty() && r.chance(0.5) {
            let cm = r.pick(&b.configmaps).clone();
            env.push(json!({"name": "FROM_CM", "valueFrom": {"configMapKeyRef": {"name": cm, "key": "k"}}}));
        }
        if !b.generated_secrets.is_empty() && r.chance(0.5) {
            let s = r.pick(&b.generated_secrets).clone();
            env.push(json!({"name": "PW", "valueFrom": {"secretKeyRef": {"name": s, "key": "password"}}}));
        }
        c["env"] = Value::Array(env);
    }
    if !b.generated_cms.is_empty() && r.chance(0.6) {
        let cm = r.pick(&b.generated_cms).clone();
        c["envFrom"] = json!([{"configMapRef": {"name": cm}}]);
    }
    if r.chance(0.6) {
        let mut ports = vec![json!({"containerPort": 8080, "name": "http"})];
        if r.chance(0.4) {
            ports.push(json!({"containerPort": 9090, "protocol": "UDP"}));
        }
        c["ports"] = Value::Array(ports);
    }
    if r.chance(0.3) {
        c["args"] = json!(["--flag", r.pick(&TRICKY).to_string()]);
    }
    if r.chance(0.4) {
        c["resources"] = json!({"requests": {"cpu": "100m", "memory": "64Mi"}});
    }
    c
}

fn pod_spec(r: &mut Rng, app: &str, b: &Base) -> Value {
    let mut containers = vec![container(r, app, b)];
    if r.chance(0.3) {
        containers.push(container(r, "sidecar", b));
    }
    let mut spec = json!({"containers": containers});
    if r.chance(0.3) {
        spec["initContainers"] = json!([container(r, "init", b)]);
    }
    let mut volumes = Vec::new();
    if !b.configmaps.is_empty() && r.chance(0.5) {
        volumes.push(json!({"name": "cfg", "configMap": {"name": r.pick(&b.configmaps).clone()}}));
    }
    if !b.generated_cms.is_empty() && r.chance(0.5) {
        volumes
            .push(json!({"name": "gen", "configMap": {"name": r.pick(&b.generated_cms).clone()}}));
    }
    if !b.generated_secrets.is_empty() && r.chance(0.4) {
        volumes.push(
            json!({"name": "sec", "secret": {"secretName": r.pick(&b.generated_secrets).clone()}}),
        );
    }
    if r.chance(0.2) {
        volumes.push(json!({"name": "data", "persistentVolumeClaim": {"claimName": "data"}}));
    }
    if !volumes.is_empty() {
        spec["volumes"] = Value::Array(volumes);
    }
    if !b.service_accounts.is_empty() && r.chance(0.4) {
        spec["serviceAccountName"] = json!(r.pick(&b.service_accounts).clone());
    }
    if r.chance(0.2) {
        spec["affinity"] = json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": app}}}]}});
    }
    if r.chance(0.2) {
        spec["tolerations"] = json!([{"key": "k", "operator": "Exists"}]);
    }
    if r.chance(0.15) {
        spec["priorityClassName"] = json!("high");
    }
    spec
}

/// Generates the base folder; returns what it holds.
fn gen_base(r: &mut Rng, dir: &Path) -> Base {
    let mut b = Base::default();
    let mut kust = Map::new();
    let mut resources: Vec<Value> = Vec::new();
    // Generators first so that workloads can refer to them.
    let mut cm_gens = Vec::new();
    for i in 0..r.range(0, 2) {
        let name = format!("gen-cm-{i}");
        let mut g = json!({"name": name.clone(), "literals": [format!("k={}", r.pick(&TRICKY).replace('\n', " ")), "QUOTED=\"q v\""]});
        if r.chance(0.4) {
            write(
                dir,
                &format!("files/app-{i}.conf"),
                "[section]\nkey = value\n",
            );
            g["files"] = json!([format!("files/app-{i}.conf")]);
        }
        if r.chance(0.3) {
            write(
                dir,
                &format!("files/vars-{i}.env"),
                "# comment\nA=1\nB= spaced \n\nC=x=y\n",
            );
            g["envs"] = json!([format!("files/vars-{i}.env")]);
        }
        if r.chance(0.2) {
            g["options"] = json!({"disableNameSuffixHash": true});
        }
        if r.chance(0.2) {
            g["options"] = json!({"labels": {"gen": "yes-label"}, "annotations": {"note": "x"}});
        }
        cm_gens.push(g);
        b.generated_cms.push(name);
    }
    let mut secret_gens = Vec::new();
    for i in 0..r.range(0, 2) {
        let name = format!("gen-secret-{i}");
        let mut g =
            json!({"name": name.clone(), "literals": [format!("password=p{}", r.below(1000))]});
        if r.chance(0.3) {
            g["type"] = json!("kubernetes.io/basic-auth");
        }
        secret_gens.push(g);
        b.generated_secrets.push(name);
    }
    // Plain objects.
    for i in 0..r.range(0, 2) {
        let name = format!("plain-cm-{i}");
        let mut data = Map::new();
        data.insert("k".into(), json!(r.pick(&TRICKY)));
        if r.chance(0.3) {
            data.insert("n".into(), json!("1"));
        }
        resources.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name.clone()}, "data": data}));
        b.configmaps.push(name);
    }
    for i in 0..r.range(0, 2) {
        let name = format!("sa-{i}");
        resources.push(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name.clone()}}));
        b.service_accounts.push(name);
    }
    let n_deploy = r.range(1, 3);
    for i in 0..n_deploy {
        let name = format!("web-{i}");
        let tier = r.pick(&TIERS).to_string();
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name.clone(), "labels": {"app": name.clone(), "tier": tier.clone()}},
            "spec": {"replicas": r.range(1, 3), "selector": {"matchLabels": {"app": name.clone()}},
                     "template": {"metadata": {"labels": {"app": name.clone(), "tier": tier}}, "spec": pod_spec(r, &name, &b)}}});
        if r.chance(0.3) {
            d["metadata"]["annotations"] = json!({"note": r.pick(&TRICKY)});
        }
        if r.chance(0.2) {
            d["spec"]["template"]["spec"]["topologySpreadConstraints"] = json!([{"maxSkew": 1,
                "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app": name.clone()}}}]);
        }
        resources.push(d);
        b.deployments.push(name.clone());
        if r.chance(0.7) {
            resources.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name.clone()},
                "spec": {"selector": {"app": name.clone()}, "ports": [{"port": 80, "targetPort": 8080}]}}));
            b.services.push(name.clone());
        }
        if r.chance(0.3) {
            resources.push(json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": format!("{name}-hpa")},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name.clone()}, "maxReplicas": 5}}));
        }
        if r.chance(0.3) {
            resources.push(json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": format!("{name}-pdb")},
                "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": name.clone()}}}}));
        }
    }
    if r.chance(0.5) {
        let name = "db".to_string();
        resources.push(json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name.clone(), "labels": {"app": "db", "tier": "db"}},
            "spec": {"serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                     "template": {"metadata": {"labels": {"app": "db"}}, "spec": pod_spec(r, "db", &b)},
                     "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"storageClassName": "fast",
                        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}));
        resources.push(
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
            "spec": {"clusterIP": "None", "selector": {"app": "db"}, "ports": [{"port": 5432}]}}),
        );
        b.statefulsets.push(name);
        b.services.push("db".into());
        if r.chance(0.5) {
            resources.push(json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"},
                "provisioner": "x"}));
        }
    }
    if r.chance(0.4) && !b.service_accounts.is_empty() {
        let sa = b.service_accounts[0].clone();
        resources.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"],
                       "resourceNames": b.configmaps.iter().chain(b.generated_cms.iter()).cloned().collect::<Vec<_>>()}]}));
        let mut subject = json!({"kind": "ServiceAccount", "name": sa.clone()});
        if r.chance(0.3) {
            subject["namespace"] = json!("default");
        }
        resources.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "reader"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
            "subjects": [subject, {"kind": "ServiceAccount", "name": "default"}]}));
        if r.chance(0.5) {
            resources.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "viewer"},
                "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}]}));
            resources.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "viewer"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "viewer"},
                "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": "default"}]}));
        }
    }
    if r.chance(0.4) {
        let svc = b
            .services
            .first()
            .cloned()
            .unwrap_or_else(|| "missing".into());
        let mut ing = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "ing"},
            "spec": {"rules": [{"host": "x.example.org", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": svc, "port": {"number": 80}}}}]}}]}});
        if let Some(s) = b.generated_secrets.first() {
            ing["spec"]["tls"] = json!([{"secretName": s, "hosts": ["x.example.org"]}]);
        }
        resources.push(ing);
    }
    if r.chance(0.3) {
        resources.push(json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
            "spec": {"schedule": "0 1 * * *", "jobTemplate": {"spec": {"template": {"spec": pod_spec(r, "nightly", &b)}}}}}));
    }
    if r.chance(0.4) {
        let name = "w1".to_string();
        resources.push(json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name.clone(), "labels": {"tier": "web"}},
            "spec": {"items": [{"name": "a", "v": 1}, {"name": "b", "v": 2}], "containers": [{"name": "c", "image": image(r)}],
                     "selector": {"app": "w"}}}));
        b.widgets.push(name);
    }
    if r.chance(0.2) {
        resources.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "np"},
            "spec": {"podSelector": {"matchLabels": {"app": "web-0"}}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "x"}}}]}]}}));
    }
    if r.chance(0.15) {
        resources.push(json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000}));
    }
    if r.chance(0.15) {
        resources.push(json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "names": {"kind": "Widget"}, "containers": [{"name": "x", "image": "nginx"}]}}));
    }
    if r.chance(0.15) {
        resources.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx"},
            "spec": {"controller": "k8s.io/ingress-nginx"}}));
    }
    if r.chance(0.15) {
        let mut job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
            "spec": {"template": {"spec": pod_spec(r, "migrate", &b)}}});
        if r.chance(0.5) {
            job["spec"]["selector"] = json!({"matchLabels": {"job": "migrate"}});
        }
        resources.push(job);
    }
    if r.chance(0.15) {
        resources.push(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}));
    }
    for d in &resources {
        if let Some(c) = d
            .pointer("/spec/template/spec/containers/0/image")
            .and_then(Value::as_str)
        {
            b.images.push(c.to_string());
        }
    }
    // Split the objects into files: some single, some multi-document, some as a List.
    let mut files = Vec::new();
    let mut i = 0;
    while i < resources.len() {
        let take = r.range(1, 3).min(resources.len() - i);
        let chunk = &resources[i..i + take];
        let fname = format!("res-{}.yaml", files.len());
        if take > 1 && r.chance(0.2) {
            write(
                dir,
                &fname,
                &yaml(&json!({"apiVersion": "v1", "kind": "List", "items": chunk})),
            );
        } else {
            write(dir, &fname, &yaml_all(chunk));
        }
        files.push(fname);
        i += take;
    }
    kust.insert("resources".into(), json!(files));
    if !cm_gens.is_empty() {
        kust.insert("configMapGenerator".into(), Value::Array(cm_gens));
    }
    if !secret_gens.is_empty() {
        kust.insert("secretGenerator".into(), Value::Array(secret_gens));
    }
    if r.chance(0.3) {
        kust.insert(
            "labels".into(),
            json!([{"pairs": {"base": "true"}, "includeTemplates": r.chance(0.5)}]),
        );
    }
    if r.chance(0.3) {
        kust.insert("namePrefix".into(), json!("b-"));
    }
    if r.chance(0.2) {
        kust.insert("namespace".into(), json!("base-ns"));
    }
    if r.chance(0.2) {
        kust.insert(
            "generatorOptions".into(),
            json!({"labels": {"from": "base"}}),
        );
    }
    write(dir, "kustomization.yaml", &yaml(&Value::Object(kust)));
    b
}

fn smp_for_deployment(r: &mut Rng, name: &str, container: &str) -> Value {
    let mut c = json!({"name": container});
    match r.below(5) {
        0 => {
            c["env"] =
                json!([{"name": "PATCHED", "value": "1"}, {"name": "MODE", "value": "patched"}])
        }
        1 => c["resources"] = json!({"limits": {"cpu": "1"}, "requests": null}),
        2 => {
            c["ports"] = json!([{"containerPort": 8080, "protocol": "TCP", "name": "web"}, {"containerPort": 7070}])
        }
        3 => c["args"] = json!(["--patched"]),
        _ => c["image"] = json!("patched/image:9"),
    }
    let mut spec = json!({"template": {"spec": {"containers": [c]}}});
    if r.chance(0.3) {
        spec["replicas"] = json!(r.range(2, 6));
    }
    if r.chance(0.2) {
        if let Some(a) = spec["template"]["spec"]["containers"].as_array_mut() {
            a.push(json!({"name": "added", "image": "added:1"}));
        }
    }
    if r.chance(0.15) {
        spec["template"]["spec"]["containers"] = json!([{"name": "sidecar", "$patch": "delete"}]);
    }
    if r.chance(0.15) {
        spec["template"]["spec"]["volumes"] = json!([{"name": "extra", "emptyDir": {}}]);
    }
    let mut meta = json!({"name": name});
    if r.chance(0.3) {
        meta["labels"] = json!({"patched": "true", "tier": null});
    }
    if r.chance(0.2) {
        meta["annotations"] = json!({"note": null, "new": "a"});
    }
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec})
}

fn json_ops(r: &mut Rng) -> Value {
    let mut ops = Vec::new();
    for _ in 0..r.range(1, 3) {
        match r.below(9) {
            0 => ops.push(json!({"op": "add", "path": "/metadata/annotations", "value": {"json": "added"}})),
            1 => ops.push(json!({"op": "add", "path": "/metadata/labels/json-label", "value": "v"})),
            2 => ops.push(json!({"op": "replace", "path": "/spec/replicas", "value": r.range(1, 9)})),
            3 => {
                ops.push(json!({"op": "add", "path": "/spec/template/spec/containers/0/env", "value": [{"name": "J", "value": "j"}]}));
                ops.push(json!({"op": "add", "path": "/spec/template/spec/containers/0/env/0", "value": {"name": "I", "value": "i"}}));
                ops.push(json!({"op": "add", "path": "/spec/template/spec/containers/0/env/-", "value": {"name": "K"}}));
            }
            4 => {
                ops.push(json!({"op": "add", "path": "/spec/template/spec/containers/0/args", "value": ["a"]}));
                ops.push(json!({"op": "remove", "path": "/spec/template/spec/containers/0/args"}));
            }
            5 => ops.push(json!({"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "json/image:1"})),
            6 => {
                ops.push(json!({"op": "copy", "from": "/metadata/name", "path": "/metadata/labels/copied"}));
                ops.push(json!({"op": "move", "from": "/metadata/labels/copied", "path": "/metadata/labels/moved"}));
            }
            7 if r.chance(0.2) => ops.push(json!({"op": "remove", "path": "/spec/template/spec/containers/0/args"})),
            _ => ops.push(json!({"op": "test", "path": "/kind", "value": "Deployment"})),
        }
    }
    Value::Array(ops)
}

/// Kustomization fields that transform (shared by overlays and components).
fn gen_transformers(r: &mut Rng, dir: &Path, b: &Base, k: &mut Map<String, Value>, tag: &str) {
    let mut patches = Vec::new();
    for _ in 0..r.range(0, 3) {
        match r.below(6) {
            0 | 1 if !b.deployments.is_empty() => {
                let d = r.pick(&b.deployments).clone();
                let p = smp_for_deployment(r, &d, &d);
                if r.chance(0.4) {
                    let f = format!("patch-{tag}-{}.yaml", patches.len());
                    write(dir, &f, &yaml(&p));
                    patches.push(json!({"path": f}));
                } else {
                    patches.push(json!({"patch": yaml(&p)}));
                }
            }
            2 => {
                let target = match r.below(4) {
                    0 => json!({"kind": "Deployment"}),
                    1 => json!({"kind": "Deployment", "name": "web-.*"}),
                    2 => {
                        json!({"labelSelector": format!("tier={}", r.pick(&TIERS)), "kind": "Deployment"})
                    }
                    _ => {
                        json!({"group": "apps", "kind": "(Deployment|StatefulSet)", "labelSelector": "tier notin (x)"})
                    }
                };
                let p = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ignored"},
                    "spec": {"template": {"metadata": {"annotations": {"targeted": tag}},
                        "spec": {"containers": [{"name": "injected", "image": "inj:1"}]}}}});
                patches.push(json!({"target": target, "patch": yaml(&p)}));
            }
            3 if !b.deployments.is_empty() => {
                let target = if r.chance(0.5) {
                    json!({"kind": "Deployment", "name": r.pick(&b.deployments)})
                } else {
                    json!({"kind": "Deployment", "annotationSelector": "!absent"})
                };
                let ops = json_ops(r);
                let text = if r.chance(0.5) {
                    serde_json::to_string(&ops).unwrap_or_default()
                } else {
                    yaml(&ops)
                };
                patches.push(json!({"target": target, "patch": text}));
            }
            4 if !b.widgets.is_empty() => {
                let p = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": b.widgets[0]},
                    "spec": {"items": [{"name": "c", "v": 3}], "extra": r.pick(&TRICKY)}});
                patches.push(json!({"patch": yaml(&p)}));
            }
            5 if !b.services.is_empty() => {
                let p = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "any"},
                    "spec": {"ports": [{"port": 9090, "name": "metrics"}, {"port": 80, "protocol": "TCP", "name": "http"}]}});
                patches.push(json!({"target": {"kind": "Service", "name": r.pick(&b.services)}, "patch": yaml(&p)}));
            }
            _ => {}
        }
    }
    if !patches.is_empty() {
        k.insert("patches".into(), Value::Array(patches));
    }
    if r.chance(0.2) && !b.deployments.is_empty() {
        let d = r.pick(&b.deployments).clone();
        let p = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": d.clone()},
            "spec": {"template": {"spec": {"containers": [{"name": d, "env": [{"name": "LEGACY", "value": "1"}]}]}}}});
        if r.chance(0.5) {
            let f = format!("legacy-{tag}.yaml");
            write(dir, &f, &yaml(&p));
            k.insert("patchesStrategicMerge".into(), json!([f]));
        } else {
            k.insert("patchesStrategicMerge".into(), json!([yaml(&p)]));
        }
    }
    if r.chance(0.15) && !b.deployments.is_empty() {
        k.insert(
            "patchesJson6902".into(),
            json!([{"target": {"group": "apps", "version": "v1", "kind": "Deployment", "name": r.pick(&b.deployments)},
                    "patch": yaml(&json!([{"op": "add", "path": "/metadata/labels/legacy-json", "value": "yes"}]))}]),
        );
    }
    if r.chance(0.4) {
        let mut images = Vec::new();
        for _ in 0..r.range(1, 3) {
            let name = if !b.images.is_empty() && r.chance(0.6) {
                let img = r.pick(&b.images).clone();
                let (n, _, _) = split_image(&img);
                n
            } else {
                r.pick(&["nginx", "busybox", "ghcr.io/x/sidecar"])
                    .to_string()
            };
            let mut im = json!({"name": name});
            match r.below(5) {
                0 => im["newTag"] = json!(format!("v{}", r.below(9))),
                1 => im["newName"] = json!("mirror.example.org/img"),
                2 => im["digest"] = json!(format!("sha256:{:064x}", r.next() as u128)),
                3 => {
                    im["newName"] = json!("mirror.example.org/img2");
                    im["newTag"] = json!("pinned");
                }
                _ => im["tagSuffix"] = json!("-debug"),
            }
            images.push(im);
        }
        k.insert("images".into(), Value::Array(images));
    }
    if r.chance(0.3) {
        k.insert(
            "commonAnnotations".into(),
            json!({format!("note-{tag}"): r.pick(&TRICKY)}),
        );
    }
    if r.chance(0.3) {
        let mut l = json!({"pairs": {format!("l-{tag}"): "v"}});
        if r.chance(0.4) {
            l["includeSelectors"] = json!(true);
        }
        if r.chance(0.4) {
            l["includeTemplates"] = json!(true);
        }
        k.insert("labels".into(), json!([l]));
    }
}

fn split_image(s: &str) -> (String, String, String) {
    let no_digest = s.split('@').next().unwrap_or(s);
    let slash = no_digest.find('/').unwrap_or(0);
    match no_digest[slash..].find(':') {
        Some(c) => (
            no_digest[..slash + c].to_string(),
            String::new(),
            String::new(),
        ),
        None => (no_digest.to_string(), String::new(), String::new()),
    }
}

fn gen_component(r: &mut Rng, dir: &Path, b: &Base, idx: usize) {
    let mut k = Map::new();
    k.insert(
        "apiVersion".into(),
        json!("kustomize.config.k8s.io/v1alpha1"),
    );
    k.insert("kind".into(), json!("Component"));
    if r.chance(0.4) {
        write(
            dir,
            "extra.yaml",
            &yaml(&json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("comp-{idx}-cm")}, "data": {"c": "1"}})),
        );
        k.insert("resources".into(), json!(["extra.yaml"]));
    }
    if !b.generated_cms.is_empty() && r.chance(0.5) {
        k.insert(
            "configMapGenerator".into(),
            json!([{"name": b.generated_cms[0], "behavior": "merge", "literals": [format!("comp{idx}=on")]}]),
        );
    }
    if r.chance(0.3) {
        k.insert("namePrefix".into(), json!(format!("c{idx}-")));
    }
    gen_transformers(r, dir, b, &mut k, &format!("c{idx}"));
    if k.len() <= 2 {
        k.insert(
            "commonAnnotations".into(),
            json!({format!("component-{idx}"): "on"}),
        );
    }
    write(dir, "kustomization.yaml", &yaml(&Value::Object(k)));
}

fn gen_overlay(
    r: &mut Rng,
    dir: &Path,
    b: &Base,
    base_rel: &str,
    components: &[String],
    top: bool,
) {
    let mut k = Map::new();
    let mut resources = vec![json!(base_rel)];
    if r.chance(0.3) {
        write(
            dir,
            "own.yaml",
            &yaml(
                &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "own-secret"},
            "stringData": {"a": "b"}, "type": "Opaque"}),
            ),
        );
        resources.push(json!("own.yaml"));
    }
    k.insert("resources".into(), Value::Array(resources));
    if !components.is_empty() {
        k.insert("components".into(), json!(components));
    }
    if r.chance(0.7) {
        k.insert("namespace".into(), json!(if top { "prod" } else { "mid" }));
    }
    if r.chance(0.5) {
        k.insert("namePrefix".into(), json!(if top { "p-" } else { "m-" }));
    }
    if r.chance(0.3) {
        k.insert("nameSuffix".into(), json!(if top { "-s" } else { "-t" }));
    }
    if r.chance(0.3) {
        k.insert(
            "commonLabels".into(),
            json!({"common": if top { "top" } else { "mid" }}),
        );
    }
    gen_transformers(r, dir, b, &mut k, if top { "top" } else { "mid" });
    if r.chance(0.3) && !b.deployments.is_empty() {
        k.insert(
            "replicas".into(),
            json!([{"name": r.pick(&b.deployments), "count": r.range(1, 7)}]),
        );
    }
    let mut cms = Vec::new();
    if !b.generated_cms.is_empty() && r.chance(0.5) {
        let behavior = if r.chance(0.7) { "merge" } else { "replace" };
        cms.push(json!({"name": b.generated_cms[0], "behavior": behavior, "literals": ["overlay=1", "k=overridden"]}));
    }
    if r.chance(0.4) {
        cms.push(json!({"name": if top { "overlay-cm-top" } else { "overlay-cm-mid" }, "literals": ["x=1"]}));
    }
    if !b.configmaps.is_empty() && r.chance(0.2) {
        cms.push(
            json!({"name": b.configmaps[0], "behavior": "merge", "literals": ["merged=plain"]}),
        );
    }
    if !cms.is_empty() {
        k.insert("configMapGenerator".into(), Value::Array(cms));
    }
    if !b.generated_secrets.is_empty() && r.chance(0.3) {
        k.insert(
            "secretGenerator".into(),
            json!([{"name": b.generated_secrets[0], "behavior": "merge", "literals": ["extra=e"]}]),
        );
    }
    if r.chance(0.2) {
        k.insert(
            "generatorOptions".into(),
            json!({"disableNameSuffixHash": r.chance(0.5), "annotations": {"g": "1"}}),
        );
    }
    if top && r.chance(0.15) {
        k.insert("sortOptions".into(), json!({"order": "fifo"}));
    }
    write(dir, "kustomization.yaml", &yaml(&Value::Object(k)));
}

/// Generates one tree; returns the folder to build.
fn gen_tree(seed: u64, root: &Path) -> std::path::PathBuf {
    let mut r = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
    let b = gen_base(&mut r, &root.join("base"));
    let n_comp = r.range(0, 2);
    let mut comps = Vec::new();
    for i in 0..n_comp {
        gen_component(&mut r, &root.join(format!("components/c{i}")), &b, i);
        comps.push(format!("../components/c{i}"));
    }
    if r.chance(0.25) {
        // A diamond: the base twice, in two namespaces with two prefixes, joined at the top;
        // name references must resolve within each copy.
        for (side, ns) in [("side-a", "ns-a"), ("side-b", "ns-b")] {
            let mut k = Map::new();
            k.insert("resources".into(), json!(["../base"]));
            k.insert("namespace".into(), json!(ns));
            k.insert("namePrefix".into(), json!(format!("{}-", &side[5..])));
            if r.chance(0.5) {
                k.insert("nameSuffix".into(), json!("-x"));
            }
            if !b.generated_cms.is_empty() && r.chance(0.5) {
                k.insert(
                    "configMapGenerator".into(),
                    json!([{"name": b.generated_cms[0], "behavior": "merge", "literals": [format!("side={side}")]}]),
                );
            }
            write(
                &root.join(side),
                "kustomization.yaml",
                &yaml(&Value::Object(k)),
            );
        }
        let mut k = Map::new();
        k.insert("resources".into(), json!(["../side-a", "../side-b"]));
        if !comps.is_empty() && r.chance(0.5) {
            k.insert("components".into(), json!(comps));
        }
        if r.chance(0.5) {
            k.insert("namePrefix".into(), json!("top-"));
        }
        if r.chance(0.5) {
            k.insert("commonLabels".into(), json!({"diamond": "yes"}));
        }
        if r.chance(0.5) {
            k.insert(
                "patches".into(),
                json!([{"target": {"kind": "Deployment", "namespace": "ns-a"},
                        "patch": yaml(&json!([{"op": "add", "path": "/metadata/annotations", "value": {"side": "a"}}]))}]),
            );
        }
        write(
            &root.join("top"),
            "kustomization.yaml",
            &yaml(&Value::Object(k)),
        );
        return root.join("top");
    }
    let mid = r.chance(0.4);
    if mid {
        gen_overlay(&mut r, &root.join("mid"), &b, "../base", &[], false);
        gen_overlay(&mut r, &root.join("top"), &b, "../mid", &comps, true);
    } else {
        gen_overlay(&mut r, &root.join("top"), &b, "../base", &comps, true);
    }
    root.join("top")
}

fn run_case(seed: u64, work: &Path) -> Result<bool, String> {
    let root = work.join(format!("case-{seed}"));
    let top = gen_tree(seed, &root);
    let expected = common::kubectl_kustomize(&top);
    let ours = strata_kustomize::build_dir(&top, &strata_kustomize::Options::default());
    let result = match (expected, ours) {
        (Ok(text), Ok(docs)) => common::compare(&docs, &text).map(|_| true),
        (Err(k), Err(o)) => {
            if std::env::var("RANDOM_TREES_SHOW_ERRORS").is_ok() {
                eprintln!(
                    "case {seed}: both failed\n  kubectl: {}\n  ours:    {o}",
                    k.trim()
                );
            }
            Ok(false)
        }
        (Ok(_), Err(e)) => Err(format!("kubectl succeeded but we failed: {e}")),
        (Err(e), Ok(_)) => Err(format!("kubectl failed but we succeeded: {}", e.trim())),
    };
    match &result {
        Ok(_) => {
            let _ = std::fs::remove_dir_all(&root);
        }
        Err(_) => {
            if std::env::var("RANDOM_TREES_KEEP").is_ok() {
                let keep = std::env::temp_dir().join(format!("random-tree-{seed}"));
                let _ = std::fs::remove_dir_all(&keep);
                let _ = std::process::Command::new("cp")
                    .arg("-r")
                    .arg(&root)
                    .arg(&keep)
                    .status();
                eprintln!("kept case {seed} in {}", keep.display());
            }
        }
    }
    result
}

#[test]
fn random_trees_match_kubectl() {
    if !common::have_kubectl() {
        return common::skip("kubectl is not available");
    }
    let cases: u64 = std::env::var("RANDOM_TREES_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let only: Option<u64> = std::env::var("RANDOM_TREES_SEED")
        .ok()
        .and_then(|s| s.parse().ok());
    let seeds: Vec<u64> = match only {
        Some(s) => vec![s],
        None => (1..=cases).collect(),
    };
    let work =
        tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temporary folder: {e}"));
    // Ok(false): both tools report an error.
    let (passed, failures) = common::run_seeds(&seeds, 2, |seed| run_case(seed, work.path()));
    let errors_matched = passed.iter().filter(|built| !**built).count();
    eprintln!(
        "random trees: {} of {} cases match kubectl ({} where both report an error)",
        seeds.len() - failures.len(),
        seeds.len(),
        errors_matched
    );
    for (seed, e) in failures.iter().take(3) {
        eprintln!("case {seed}: {e}\n");
    }
    if !failures.is_empty() {
        let list: Vec<String> = failures.iter().map(|(s, _)| s.to_string()).collect();
        panic!(
            "{} cases differ from kubectl: {}",
            failures.len(),
            list.join(", ")
        );
    }
}
