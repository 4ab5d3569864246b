//! `strata diff` on two generated revisions: the comparison (`strata::diff::compare`) and
//! its three renderings (text, markdown with and without a byte bound, JSON).
//!
//! The fuzz input is read (with `arbitrary`) as a base revision — a few sites, each with a
//! few objects in unit folders (Deployments, StatefulSets, Secrets, SOPS files, …) and
//! sometimes a file of arbitrary text — and a list of edits that turn it into the head
//! revision (replicas, images, secret data, renames with hash suffixes, added and removed
//! objects and sites, any field). Both revisions are written as the in-memory files the
//! build would emit, with a service graph per site. Errors are fine; a panic, a hang or an
//! abort is a finding.

#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use strata::diff::{self, Snapshot};
use strata::emit::SiteOutput;
use strata::graph::{Edge, EdgeKind, ServiceGraph};

/// A string: mostly from a dictionary (so keys of the two revisions match), sometimes
/// anything.
#[derive(Arbitrary, Debug, Clone)]
enum S {
    Word(u8),
    Any(String),
}

const WORDS: &[&str] = &[
    "web",
    "db",
    "cluster",
    "demo",
    "prod",
    "nginx:1.27",
    "nginx:1.28",
    "app-cfg-5f7h8k9m2t",
    "app-cfg-bc2d4f6g8h",
    "password",
    "",
    "a/b",
    "-",
    "x",
    "1",
    "yes",
];

impl S {
    fn get(&self) -> String {
        match self {
            S::Word(i) => WORDS[*i as usize % WORDS.len()].to_string(),
            S::Any(s) => s.chars().take(40).collect(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Kind {
    Deployment,
    StatefulSet,
    Service,
    ConfigMap,
    Secret,
    SopsSecret,
    Job,
    PersistentVolumeClaim,
    ClusterRole,
    CustomResourceDefinition,
    Kustomization,
}

#[derive(Arbitrary, Debug, Clone)]
struct Obj {
    unit: u8,
    kind: Kind,
    name: S,
    namespace: Option<S>,
    replicas: Option<i64>,
    images: Vec<S>,
    data: Vec<(S, S)>,
    extra: Vec<(S, S)>,
}

const UNITS: &[&str] = &["cluster", "web", "db", "_meta", "x y"];

impl Obj {
    fn unit(&self) -> &'static str {
        UNITS[self.unit as usize % UNITS.len()]
    }

    fn value(&self) -> Value {
        let (api, kind) = match self.kind {
            Kind::Deployment => ("apps/v1", "Deployment"),
            Kind::StatefulSet => ("apps/v1", "StatefulSet"),
            Kind::Service => ("v1", "Service"),
            Kind::ConfigMap => ("v1", "ConfigMap"),
            Kind::Secret | Kind::SopsSecret => ("v1", "Secret"),
            Kind::Job => ("batch/v1", "Job"),
            Kind::PersistentVolumeClaim => ("v1", "PersistentVolumeClaim"),
            Kind::ClusterRole => ("rbac.authorization.k8s.io/v1", "ClusterRole"),
            Kind::CustomResourceDefinition => {
                ("apiextensions.k8s.io/v1", "CustomResourceDefinition")
            }
            Kind::Kustomization => ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
        };
        let mut meta = Map::new();
        meta.insert("name".into(), Value::String(self.name.get()));
        if let Some(ns) = &self.namespace {
            meta.insert("namespace".into(), Value::String(ns.get()));
        }
        let mut v = json!({"apiVersion": api, "kind": kind, "metadata": meta});
        let containers: Vec<Value> = self
            .images
            .iter()
            .take(3)
            .map(|i| json!({"name": "c", "image": i.get()}))
            .collect();
        let mut spec = json!({"selector": {"matchLabels": {"app": "web"}}, "template": {"spec": {"containers": containers}}});
        if let Some(r) = self.replicas {
            spec["replicas"] = json!(r);
        }
        for (k, val) in self.extra.iter().take(3) {
            spec[k.get()] = Value::String(val.get());
        }
        v["spec"] = spec;
        if !self.data.is_empty() {
            let data: Map<String, Value> = self
                .data
                .iter()
                .take(4)
                .map(|(k, val)| (k.get(), Value::String(val.get())))
                .collect();
            v["data"] = Value::Object(data);
        }
        if matches!(self.kind, Kind::SopsSecret) {
            v["sops"] = json!({"mac": self.name.get(), "version": "3.9.0"});
        }
        v
    }

    fn file(&self) -> String {
        let ext = if matches!(self.kind, Kind::SopsSecret) {
            "sops.yaml"
        } else {
            "yaml"
        };
        format!("{}/{:?}-{}.{ext}", self.unit(), self.kind, self.name.get())
    }
}

#[derive(Arbitrary, Debug, Clone)]
struct Site {
    name: S,
    objects: Vec<Obj>,
    /// Files of arbitrary text (unit index, file name, text).
    raw: Vec<(u8, S, String)>,
    edges: Vec<(u8, u8, bool)>,
}

#[derive(Arbitrary, Debug)]
enum Edit {
    Remove(u8, u8),
    Replicas(u8, u8, Option<i64>),
    Image(u8, u8, S),
    Data(u8, u8, S, S),
    Rename(u8, u8, S),
    Namespace(u8, u8, Option<S>),
    Unit(u8, u8, u8),
    Field(u8, u8, S, S),
    Add(u8, Obj),
    RemoveSite(u8),
    AddSite(Site),
    Raw(u8, u8, S, String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    base: Vec<Site>,
    edits: Vec<Edit>,
    max_bytes: Option<u16>,
    full_report: bool,
}

fn snapshot(sites: &[Site]) -> Snapshot {
    let mut snap = Snapshot::default();
    for s in sites {
        let name = s.name.get();
        let mut out = SiteOutput {
            site: name.clone(),
            files: BTreeMap::new(),
        };
        let mut units: BTreeSet<String> = BTreeSet::new();
        for o in s.objects.iter().take(8) {
            let text = strata_yaml::emit(&o.value(), strata_yaml::KeyOrder::Kubernetes);
            let entry = out.files.entry(o.file()).or_default();
            if !entry.is_empty() {
                entry.push_str("---\n");
            }
            entry.push_str(&text);
            units.insert(o.unit().to_string());
        }
        for (u, f, text) in s.raw.iter().take(2) {
            let unit = UNITS[*u as usize % UNITS.len()];
            out.files.insert(
                format!("{unit}/{}", f.get()),
                text.chars().take(300).collect(),
            );
        }
        out.files
            .insert("_meta/site.json".into(), format!("{{\"site\": {name:?}}}"));
        let ulist: Vec<String> = units.iter().cloned().collect();
        let mut graph = ServiceGraph::default();
        for (i, u) in ulist.iter().enumerate() {
            graph.waves.insert(u.clone(), i);
        }
        if !ulist.is_empty() {
            for (a, b, hard) in s.edges.iter().take(4) {
                graph.edges.push(Edge {
                    from: ulist[*a as usize % ulist.len()].clone(),
                    to: ulist[*b as usize % ulist.len()].clone(),
                    kind: if *hard {
                        EdgeKind::Hard
                    } else {
                        EdgeKind::Soft
                    },
                });
            }
            graph
                .edges
                .sort_by(|x, y| (&x.from, &x.to).cmp(&(&y.from, &y.to)));
        }
        // A site name twice: the later one wins, as a map would.
        snap.sites.insert(name.clone(), out);
        snap.graphs.insert(name, graph);
    }
    snap
}

fn object(sites: &mut [Site], s: u8, o: u8) -> Option<&mut Obj> {
    let n = sites.len();
    if n == 0 {
        return None;
    }
    let site = &mut sites[s as usize % n];
    let m = site.objects.len().min(8);
    if m == 0 {
        return None;
    }
    site.objects.get_mut(o as usize % m)
}

fn apply(sites: &mut Vec<Site>, e: &Edit) {
    match e {
        Edit::Remove(s, o) => {
            let n = sites.len();
            if n > 0 {
                let site = &mut sites[*s as usize % n];
                let m = site.objects.len().min(8);
                if m > 0 {
                    site.objects.remove(*o as usize % m);
                }
            }
        }
        Edit::Replicas(s, o, r) => {
            if let Some(obj) = object(sites, *s, *o) {
                obj.replicas = *r;
            }
        }
        Edit::Image(s, o, i) => {
            if let Some(obj) = object(sites, *s, *o) {
                obj.images.insert(0, i.clone());
            }
        }
        Edit::Data(s, o, k, v) => {
            if let Some(obj) = object(sites, *s, *o) {
                obj.data.insert(0, (k.clone(), v.clone()));
            }
        }
        Edit::Rename(s, o, n) => {
            if let Some(obj) = object(sites, *s, *o) {
                obj.name = n.clone();
            }
        }
        Edit::Namespace(s, o, ns) => {
            if let Some(obj) = object(sites, *s, *o) {
                obj.namespace = ns.clone();
            }
        }
        Edit::Unit(s, o, u) => {
            if let Some(obj) = object(sites, *s, *o) {
                obj.unit = *u;
            }
        }
        Edit::Field(s, o, k, v) => {
            if let Some(obj) = object(sites, *s, *o) {
                obj.extra.insert(0, (k.clone(), v.clone()));
            }
        }
        Edit::Add(s, obj) => {
            let n = sites.len();
            if n > 0 {
                sites[*s as usize % n].objects.insert(0, obj.clone());
            }
        }
        Edit::RemoveSite(s) => {
            let n = sites.len();
            if n > 0 {
                sites.remove(*s as usize % n);
            }
        }
        Edit::AddSite(site) => sites.push(site.clone()),
        Edit::Raw(s, u, f, text) => {
            let n = sites.len();
            if n > 0 {
                sites[*s as usize % n]
                    .raw
                    .insert(0, (*u, f.clone(), text.clone()));
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let mut base = input.base;
    base.truncate(4);
    let mut head = base.clone();
    for e in input.edits.iter().take(12) {
        apply(&mut head, e);
    }
    let (b, h) = (snapshot(&base), snapshot(&head));
    let report = diff::compare(&b, &h, "base", "head");
    let full = input.full_report.then_some("diff-full.md");
    let _ = diff::render::text(&report, false, None, full);
    let _ = diff::render::text(&report, true, None, full);
    let _ = diff::render::json(&report);
    let _ = diff::render::markdown(&report, None, full);
    if let Some(max) = input.max_bytes {
        // `--max-bytes` is a hard bound, for text and markdown alike.
        let max = usize::from(max);
        let text = diff::render::text(&report, false, Some(max), full);
        assert!(text.len() <= max, "text: {} bytes > {max}", text.len());
        let md = diff::render::markdown(&report, Some(max), full);
        assert!(md.len() <= max, "markdown: {} bytes > {max}", md.len());
    }
});
