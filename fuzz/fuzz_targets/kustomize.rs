//! `strata kustomize DIR` (strata-kustomize's `build_dir`) on small generated trees.
//!
//! The fuzz input is read (with `arbitrary`) as a tree of a few folders, each with a
//! kustomization (resources, bases and components by index — cycles included —, name
//! prefix/suffix, namespace, labels, annotations, images, replicas, patches, generators) and
//! a few resource files; strings come from a small dictionary (so names collide and patches
//! match) or are arbitrary. Any file may instead be arbitrary text. The tree is written to a
//! temporary folder and built with the repository boundary set to it. Errors are fine; a
//! panic, a hang or an abort is a finding.

#![no_main]

use std::path::Path;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

/// A string: mostly from a dictionary of names that collide, sometimes anything.
#[derive(Arbitrary, Debug)]
enum S {
    Word(u8),
    Any(String),
}

const WORDS: &[&str] = &[
    "app",
    "web",
    "db",
    "nginx",
    "nginx:1.27",
    "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "registry.example:5000/team/app:v1",
    "prod",
    "default",
    "x",
    "",
    "-",
    "a/b",
    "../up",
    "v1",
    "apps/v1",
    "$patch",
    "delete",
    "replace",
    "merge",
    "create",
    "1",
    "yes",
    "0x1F",
    "{{x}}",
    "a=b",
];

impl S {
    fn get(&self) -> String {
        match self {
            S::Word(i) => WORDS[*i as usize % WORDS.len()].to_string(),
            S::Any(s) => s.chars().take(40).collect(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Kind {
    Deployment,
    Service,
    ConfigMap,
    Secret,
    StatefulSet,
    Namespace,
    CronJob,
    Ingress,
    Widget,
    Other(S, S),
}

impl Kind {
    fn api_kind(&self) -> (String, String) {
        let (a, k) = match self {
            Kind::Deployment => ("apps/v1", "Deployment"),
            Kind::Service => ("v1", "Service"),
            Kind::ConfigMap => ("v1", "ConfigMap"),
            Kind::Secret => ("v1", "Secret"),
            Kind::StatefulSet => ("apps/v1", "StatefulSet"),
            Kind::Namespace => ("v1", "Namespace"),
            Kind::CronJob => ("batch/v1", "CronJob"),
            Kind::Ingress => ("networking.k8s.io/v1", "Ingress"),
            Kind::Widget => ("example.com/v1", "Widget"),
            Kind::Other(a, k) => return (a.get(), k.get()),
        };
        (a.to_string(), k.to_string())
    }
}

/// A scalar or a small structure, for free-form fields.
#[derive(Arbitrary, Debug)]
enum Val {
    Str(S),
    Int(i64),
    Bool(bool),
    Null,
    List(Vec<S>),
    Map(Vec<(S, S)>),
}

impl Val {
    fn get(&self) -> Value {
        match self {
            Val::Str(s) => Value::String(s.get()),
            Val::Int(i) => json!(i),
            Val::Bool(b) => json!(b),
            Val::Null => Value::Null,
            Val::List(l) => {
                Value::Array(l.iter().take(4).map(|s| Value::String(s.get())).collect())
            }
            Val::Map(m) => Value::Object(pairs(m)),
        }
    }
}

fn pairs(m: &[(S, S)]) -> Map<String, Value> {
    m.iter()
        .take(4)
        .map(|(k, v)| (k.get(), Value::String(v.get())))
        .collect()
}

#[derive(Arbitrary, Debug)]
struct Resource {
    kind: Kind,
    name: S,
    namespace: Option<S>,
    labels: Vec<(S, S)>,
    images: Vec<S>,
    replicas: Option<Val>,
    /// A free-form field at a free-form path under `spec` (or `data`).
    extra: Option<(S, Val)>,
    /// A reference to another object (a ConfigMap or Secret volume), for name references.
    refers: Option<S>,
}

impl Resource {
    fn value(&self) -> Value {
        let (api, kind) = self.kind.api_kind();
        let mut meta = Map::new();
        meta.insert("name".into(), Value::String(self.name.get()));
        if let Some(ns) = &self.namespace {
            meta.insert("namespace".into(), Value::String(ns.get()));
        }
        if !self.labels.is_empty() {
            meta.insert("labels".into(), Value::Object(pairs(&self.labels)));
        }
        let mut v = json!({"apiVersion": api, "kind": kind, "metadata": meta});
        let containers: Vec<Value> = self
            .images
            .iter()
            .take(3)
            .enumerate()
            .map(|(i, im)| json!({"name": format!("c{i}"), "image": im.get()}))
            .collect();
        let mut pod = json!({"containers": containers});
        if let Some(r) = &self.refers {
            pod["volumes"] = json!([
                {"name": "a", "configMap": {"name": r.get()}},
                {"name": "b", "secret": {"secretName": r.get()}},
            ]);
        }
        let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": pod});
        match kind.as_str() {
            "ConfigMap" | "Secret" => {
                v["data"] = json!({"k": "dmFsdWU="});
            }
            "CronJob" => {
                v["spec"] = json!({"jobTemplate": {"spec": {"template": template}}});
            }
            "Namespace" => {}
            _ => {
                v["spec"] =
                    json!({"selector": {"matchLabels": {"app": "web"}}, "template": template});
            }
        }
        if let Some(r) = &self.replicas {
            v["spec"]["replicas"] = r.get();
        }
        if let Some((k, val)) = &self.extra {
            let field = if v.get("data").is_some() {
                "data"
            } else {
                "spec"
            };
            if let Some(m) = v.get_mut(field).and_then(Value::as_object_mut) {
                m.insert(k.get(), val.get());
            } else {
                v[field] = json!({ k.get(): val.get() });
            }
        }
        v
    }
}

#[derive(Arbitrary, Debug)]
struct Image {
    name: S,
    new_name: Option<S>,
    new_tag: Option<S>,
    digest: Option<S>,
}

#[derive(Arbitrary, Debug)]
struct Target {
    kind: Option<S>,
    name: Option<S>,
    label_selector: Option<S>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Add(S, Val),
    Remove(S),
    Replace(S, Val),
    Move(S, S),
    Copy(S, S),
    Test(S, Val),
}

#[derive(Arbitrary, Debug)]
enum Patch {
    /// A strategic merge patch: an object (with `$patch` directives sometimes).
    Smp(Resource, Option<S>),
    /// A JSON 6902 patch with a target.
    Json(Vec<Op>, Target),
    /// A patch given as a file of this folder (by index).
    File(u8, Option<Target>),
    /// A patch in arbitrary text.
    Text(String, Option<Target>),
}

#[derive(Arbitrary, Debug)]
struct Generator {
    secret: bool,
    name: S,
    behavior: Option<S>,
    literals: Vec<(S, S)>,
    files: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
struct Kustomization {
    component: bool,
    resources: Vec<u8>,
    bases: Vec<u8>,
    components: Vec<u8>,
    name_prefix: Option<S>,
    name_suffix: Option<S>,
    namespace: Option<S>,
    common_labels: Vec<(S, S)>,
    common_annotations: Vec<(S, S)>,
    labels: Option<(Vec<(S, S)>, bool, bool)>,
    images: Vec<Image>,
    replicas: Vec<(S, Val)>,
    patches: Vec<Patch>,
    patches_strategic_merge: Vec<u8>,
    generators: Vec<Generator>,
    disable_hash: Option<bool>,
    legacy_sort: Option<bool>,
    /// A field the schema does not know (or knows under another type).
    odd: Option<(S, Val)>,
}

#[derive(Arbitrary, Debug)]
enum File {
    Resources(Vec<Resource>),
    Text(String),
}

#[derive(Arbitrary, Debug)]
enum KustFile {
    Generated(Kustomization),
    Text(String),
}

#[derive(Arbitrary, Debug)]
struct Folder {
    kustomization: KustFile,
    files: Vec<File>,
}

#[derive(Arbitrary, Debug)]
struct Tree {
    folders: Vec<Folder>,
}

/// The folder of index `i` (0 is the root, the others sit under `d/`).
fn folder(i: usize) -> String {
    if i == 0 {
        ".".into()
    } else {
        format!("d/f{i}")
    }
}

/// A reference from folder `from` to folder `to` (relative, as a kustomization writes it).
fn rel(from: usize, to: usize) -> String {
    let up = if from == 0 { "." } else { "../.." };
    if to == 0 {
        up.to_string()
    } else {
        format!("{up}/d/f{to}")
    }
}

fn emit(v: &Value) -> String {
    strata_yaml::emit(v, strata_yaml::KeyOrder::Sorted)
}

fn target(t: &Target) -> Value {
    let mut m = Map::new();
    if let Some(k) = &t.kind {
        m.insert("kind".into(), Value::String(k.get()));
    }
    if let Some(n) = &t.name {
        m.insert("name".into(), Value::String(n.get()));
    }
    if let Some(l) = &t.label_selector {
        m.insert("labelSelector".into(), Value::String(l.get()));
    }
    Value::Object(m)
}

fn kustomization(k: &Kustomization, me: usize, n: usize, files: usize) -> Value {
    let file = |i: &u8| format!("r{}.yaml", *i as usize % files.max(1));
    let dir = |i: &u8| rel(me, *i as usize % n);
    let mut m = Map::new();
    m.insert(
        "apiVersion".into(),
        json!(if k.component {
            "kustomize.config.k8s.io/v1alpha1"
        } else {
            "kustomize.config.k8s.io/v1beta1"
        }),
    );
    m.insert(
        "kind".into(),
        json!(if k.component {
            "Component"
        } else {
            "Kustomization"
        }),
    );
    let mut resources: Vec<String> = k.resources.iter().take(4).map(file).collect();
    resources.extend(k.bases.iter().take(2).map(dir));
    m.insert("resources".into(), json!(resources));
    if !k.components.is_empty() {
        let c: Vec<String> = k.components.iter().take(2).map(dir).collect();
        m.insert("components".into(), json!(c));
    }
    for (key, v) in [
        ("namePrefix", &k.name_prefix),
        ("nameSuffix", &k.name_suffix),
        ("namespace", &k.namespace),
    ] {
        if let Some(v) = v {
            m.insert(key.into(), Value::String(v.get()));
        }
    }
    if !k.common_labels.is_empty() {
        m.insert(
            "commonLabels".into(),
            Value::Object(pairs(&k.common_labels)),
        );
    }
    if !k.common_annotations.is_empty() {
        m.insert(
            "commonAnnotations".into(),
            Value::Object(pairs(&k.common_annotations)),
        );
    }
    if let Some((p, sel, tpl)) = &k.labels {
        m.insert(
            "labels".into(),
            json!([{"pairs": pairs(p), "includeSelectors": sel, "includeTemplates": tpl}]),
        );
    }
    if !k.images.is_empty() {
        let images: Vec<Value> = k
            .images
            .iter()
            .take(3)
            .map(|im| {
                let mut o = Map::new();
                o.insert("name".into(), Value::String(im.name.get()));
                for (key, v) in [
                    ("newName", &im.new_name),
                    ("newTag", &im.new_tag),
                    ("digest", &im.digest),
                ] {
                    if let Some(v) = v {
                        o.insert(key.into(), Value::String(v.get()));
                    }
                }
                Value::Object(o)
            })
            .collect();
        m.insert("images".into(), Value::Array(images));
    }
    if !k.replicas.is_empty() {
        let r: Vec<Value> = k
            .replicas
            .iter()
            .take(2)
            .map(|(n, c)| json!({"name": n.get(), "count": c.get()}))
            .collect();
        m.insert("replicas".into(), Value::Array(r));
    }
    if !k.patches.is_empty() {
        let p: Vec<Value> = k
            .patches
            .iter()
            .take(3)
            .map(|p| match p {
                Patch::Smp(r, directive) => {
                    let mut v = r.value();
                    if let Some(d) = directive {
                        v["$patch"] = Value::String(d.get());
                    }
                    json!({"patch": emit(&v)})
                }
                Patch::Json(ops, t) => {
                    let ops: Vec<Value> = ops
                        .iter()
                        .take(4)
                        .map(|o| match o {
                            Op::Add(p, v) => {
                                json!({"op": "add", "path": p.get(), "value": v.get()})
                            }
                            Op::Remove(p) => json!({"op": "remove", "path": p.get()}),
                            Op::Replace(p, v) => {
                                json!({"op": "replace", "path": p.get(), "value": v.get()})
                            }
                            Op::Move(f, p) => {
                                json!({"op": "move", "from": f.get(), "path": p.get()})
                            }
                            Op::Copy(f, p) => {
                                json!({"op": "copy", "from": f.get(), "path": p.get()})
                            }
                            Op::Test(p, v) => {
                                json!({"op": "test", "path": p.get(), "value": v.get()})
                            }
                        })
                        .collect();
                    json!({"patch": emit(&Value::Array(ops)), "target": target(t)})
                }
                Patch::File(i, t) => {
                    let mut v = json!({"path": file(i)});
                    if let Some(t) = t {
                        v["target"] = target(t);
                    }
                    v
                }
                Patch::Text(s, t) => {
                    let mut v = json!({"patch": s.chars().take(200).collect::<String>()});
                    if let Some(t) = t {
                        v["target"] = target(t);
                    }
                    v
                }
            })
            .collect();
        m.insert("patches".into(), Value::Array(p));
    }
    if !k.patches_strategic_merge.is_empty() {
        let p: Vec<String> = k.patches_strategic_merge.iter().take(2).map(file).collect();
        m.insert("patchesStrategicMerge".into(), json!(p));
    }
    let (mut cms, mut secrets) = (Vec::new(), Vec::new());
    for g in k.generators.iter().take(3) {
        let mut v = json!({"name": g.name.get()});
        if let Some(b) = &g.behavior {
            v["behavior"] = Value::String(b.get());
        }
        if !g.literals.is_empty() {
            let l: Vec<String> = g
                .literals
                .iter()
                .take(3)
                .map(|(k, v)| format!("{}={}", k.get(), v.get()))
                .collect();
            v["literals"] = json!(l);
        }
        if !g.files.is_empty() {
            let f: Vec<String> = g.files.iter().take(2).map(file).collect();
            v["files"] = json!(f);
        }
        if g.secret {
            secrets.push(v);
        } else {
            cms.push(v);
        }
    }
    if !cms.is_empty() {
        m.insert("configMapGenerator".into(), Value::Array(cms));
    }
    if !secrets.is_empty() {
        m.insert("secretGenerator".into(), Value::Array(secrets));
    }
    if let Some(d) = k.disable_hash {
        m.insert(
            "generatorOptions".into(),
            json!({"disableNameSuffixHash": d}),
        );
    }
    if let Some(legacy) = k.legacy_sort {
        m.insert(
            "sortOptions".into(),
            if legacy {
                json!({"order": "legacy"})
            } else {
                json!({"order": "fifo"})
            },
        );
    }
    if let Some((key, v)) = &k.odd {
        m.insert(key.get(), v.get());
    }
    Value::Object(m)
}

fn write(root: &Path, tree: &Tree) -> std::io::Result<()> {
    let n = tree.folders.len().min(5);
    for (i, f) in tree.folders.iter().take(n).enumerate() {
        let dir = root.join(folder(i));
        std::fs::create_dir_all(&dir)?;
        let files = f.files.len().min(4);
        let text = match &f.kustomization {
            KustFile::Generated(k) => emit(&kustomization(k, i, n, files)),
            KustFile::Text(t) => t.chars().take(400).collect(),
        };
        std::fs::write(dir.join("kustomization.yaml"), text)?;
        for (j, file) in f.files.iter().take(files).enumerate() {
            let text = match file {
                File::Resources(rs) => {
                    let values: Vec<Value> = rs.iter().take(4).map(Resource::value).collect();
                    strata_yaml::emit_stream(&values, strata_yaml::KeyOrder::Kubernetes)
                }
                File::Text(t) => t.chars().take(400).collect(),
            };
            std::fs::write(dir.join(format!("r{j}.yaml")), text)?;
        }
    }
    Ok(())
}

fuzz_target!(|tree: Tree| {
    if tree.folders.is_empty() {
        return;
    }
    let Ok(tmp) = tempfile::tempdir() else {
        return;
    };
    if write(tmp.path(), &tree).is_err() {
        return;
    }
    let opts = strata_kustomize::Options {
        boundary: Some(tmp.path().to_path_buf()),
        ..Default::default()
    };
    if let Ok(objects) = strata_kustomize::build_dir(tmp.path(), &opts) {
        // What `strata kustomize` prints next.
        let _ = strata_yaml::emit_stream(&objects, strata_yaml::KeyOrder::Sorted);
    }
});
