//! `strata drift [SITE…]`: what makes each site different from what its layers give it.
//!
//! For every site, each value its `site.yaml` writes under `spec` (its leaves: scalars, lists,
//! and empty maps such as `cinder: {}`, which enable a service) is compared with what the
//! site would have without it: the service defaults and the layers merged in order (the merge
//! rule of the check stage: maps merge, scalars and lists replace, `null` deletes). A value
//! equal to the inherited one is a *dead override* (it changes nothing; `--check` fails on
//! them). A value every site of a layer sets alike, and that differs from what the layer
//! gives, is a *candidate to move up* into that layer. The overlays a site adds and its own
//! `kustomization.yaml` entries are listed too, and a fleet summary orders the sites from the
//! one closest to its layers to the one furthest away.
//!
//! Only the input documents are read: nothing is rendered, so drift is instant and works on a
//! repository whose templates do not render.

mod render;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::explain::pointer_field;
use crate::load::Doc;
use crate::merge::{Layered, Tracked};
use crate::pipeline::Project;

pub use render::{markdown, text};

/// One value a site writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// The field, as a dotted path under `spec` (`services.nova.values.api.replicas`).
    pub path: String,
    /// What the site sets.
    pub value: Value,
    /// What the site would have without it (`None`: nothing sets it).
    pub inherited: Option<Value>,
    /// Where the site sets it (`file:line:col`).
    pub at: String,
    /// Where the inherited value is set (`file:line:col`), if anywhere.
    pub inherited_at: Option<String>,
}

/// A kustomization entry list of a site folder.
#[derive(Clone, Debug, PartialEq)]
pub struct KustEntry {
    /// The kustomization field (`patches`, `images`, `resources`…).
    pub field: String,
    /// How many entries (1 for a scalar field such as `namespace`).
    pub count: usize,
    /// Where (`file:line:col`).
    pub at: String,
}

/// One site's drift.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteDrift {
    /// The site.
    pub site: String,
    /// Its layers, in order.
    pub layers: Vec<String>,
    /// Values that differ from (or are absent in) what the layers give.
    pub overrides: Vec<Setting>,
    /// Values equal to what the layers give.
    pub dead: Vec<Setting>,
    /// Overlays the layers give.
    pub inherited_overlays: Vec<String>,
    /// Overlays in force only because the site names them.
    pub added_overlays: Vec<String>,
    /// Entries of the site's own `kustomization.yaml`, when it has one.
    pub kustomization: Vec<KustEntry>,
}

/// A value every site of a layer sets alike.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The layer it could move into.
    pub layer: String,
    /// The sites that set it (all the sites of the layer among those compared).
    pub sites: Vec<String>,
    /// The path under `spec`.
    pub path: String,
    /// The value.
    pub value: Value,
}

/// The drift report.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Per site, in name order.
    pub sites: Vec<SiteDrift>,
    /// Values to move up into a layer.
    pub candidates: Vec<Candidate>,
}

impl Report {
    /// Whether any site has a dead override (`--check` fails then).
    pub fn has_dead(&self) -> bool {
        self.sites.iter().any(|s| !s.dead.is_empty())
    }

    /// The sites, closest to their layers first (fewest overrides, then name).
    pub fn ranking(&self) -> Vec<&SiteDrift> {
        let mut v: Vec<&SiteDrift> = self.sites.iter().collect();
        v.sort_by(|a, b| {
            a.overrides
                .len()
                .cmp(&b.overrides.len())
                .then(a.site.cmp(&b.site))
        });
        v
    }

    /// The report as JSON (shape in the book's provenance chapter).
    pub fn to_json(&self) -> Value {
        let setting = |s: &Setting| {
            json!({
                "path": s.path,
                "value": s.value,
                "inherited": s.inherited,
                "at": s.at,
                "inheritedAt": s.inherited_at,
            })
        };
        json!({
            "summary": self.ranking().iter().map(|s| json!({
                "site": s.site,
                "overrides": s.overrides.len(),
                "dead": s.dead.len(),
                "addedOverlays": s.added_overlays.len(),
                "kustomizationEntries": s.kustomization.iter().map(|k| k.count).sum::<usize>(),
            })).collect::<Vec<_>>(),
            "sites": self.sites.iter().map(|s| json!({
                "site": s.site,
                "layers": s.layers,
                "overrides": s.overrides.iter().map(setting).collect::<Vec<_>>(),
                "dead": s.dead.iter().map(setting).collect::<Vec<_>>(),
                "overlays": {"inherited": s.inherited_overlays, "added": s.added_overlays},
                "kustomization": s.kustomization.iter().map(|k| json!({
                    "field": k.field, "count": k.count, "at": k.at,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "candidates": self.candidates.iter().map(|c| json!({
                "layer": c.layer,
                "sites": c.sites,
                "path": c.path,
                "value": c.value,
            })).collect::<Vec<_>>(),
        })
    }
}

/// The drift of the named sites (every site for none). Sites whose `site.yaml` did not load
/// are left out (the load stage reports them).
pub fn analyse(project: &Project, names: &[String]) -> Report {
    let mut sites = Vec::new();
    let mut written: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
    for name in names {
        let Some(doc) = project.inputs.sites.get(name) else {
            continue;
        };
        let (drift, leaves) = site_drift(project, name, doc);
        written.insert(name.clone(), leaves);
        sites.push(drift);
    }
    let candidates = candidates(&sites, &written);
    Report { sites, candidates }
}

/// A document's part under a pointer, for merging.
struct Part<'a> {
    doc: &'a Doc,
    base: String,
}

fn at(doc: &Doc, pointer: &str) -> String {
    let s = doc.span(pointer, false);
    format!("{}:{}:{}", doc.source.path, s.start.line, s.start.col)
}

/// The leaves of a value: scalars, lists and empty maps, by pointer.
fn leaves(v: &Value, ptr: &mut String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let len = ptr.len();
                *ptr = strata_yaml::pointer_push(ptr, k);
                leaves(x, ptr, out);
                ptr.truncate(len);
            }
        }
        other => out.push((ptr.clone(), other.clone())),
    }
}

/// What the documents before the site give at `rel` (a pointer under `spec`): the merged
/// value and the last document that sets it.
fn inherited(parts: &[Part<'_>], rel: &str) -> (Option<Value>, Option<String>) {
    // The check stage's merge, with its provenance: the origin of a node is its last writer.
    let mut merged = Tracked::empty_map();
    for p in parts {
        if let Some(v) = p.doc.doc.value.pointer(&p.base) {
            merged.merge(Layered {
                value: v,
                pointer: &p.base,
                spans: &p.doc.doc.spans,
                source: &p.doc.source,
            });
        }
    }
    let value = merged.value.pointer(rel).cloned();
    let from = value.as_ref().and(merged.origin_exact(rel)).map(|o| {
        format!(
            "{}:{}:{}",
            o.source.path, o.span.start.line, o.span.start.col
        )
    });
    (value, from)
}

fn site_drift(project: &Project, name: &str, doc: &Doc) -> (SiteDrift, Vec<(String, Value)>) {
    let spec = doc
        .doc
        .value
        .get("spec")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    let layers: Vec<String> = spec
        .get("layers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let layer_docs: Vec<&Doc> = layers
        .iter()
        .filter_map(|l| project.inputs.layers.get(l))
        .collect();
    let mut all = Vec::new();
    leaves(&spec, &mut String::new(), &mut all);
    let mut overrides = Vec::new();
    let mut dead = Vec::new();
    let mut written = Vec::new();
    for (ptr, value) in all {
        if ptr == "/layers" || ptr.starts_with("/layers/") {
            continue;
        }
        // A service's values inherit from its default, then the layers' entries for it.
        let segs: Vec<&str> = ptr.split('/').collect();
        let (parts, rel) = if segs.len() > 4 && segs[1] == "services" && segs[3] == "values" {
            let svc = strata_yaml::pointer_unescape(segs[2]);
            let base = format!("/spec/services/{}/values", segs[2]);
            let mut parts: Vec<Part<'_>> = Vec::new();
            if let Some(s) = project.checked.catalog.services.get(&svc) {
                parts.push(Part {
                    doc: &s.doc,
                    base: "/spec/values".into(),
                });
            }
            parts.extend(layer_docs.iter().map(|d| Part {
                doc: d,
                base: base.clone(),
            }));
            (parts, format!("/{}", segs[4..].join("/")))
        } else {
            let parts: Vec<Part<'_>> = layer_docs
                .iter()
                .map(|d| Part {
                    doc: d,
                    base: "/spec".into(),
                })
                .collect();
            (parts, ptr.clone())
        };
        let (inh, inh_at) = inherited(&parts, &rel);
        let setting = Setting {
            path: pointer_field(&ptr),
            value: value.clone(),
            at: at(doc, &format!("/spec{ptr}")),
            inherited_at: inh_at,
            inherited: inh.clone(),
        };
        // An empty map over an inherited map adds nothing (`horizon: {}` when a layer
        // enables horizon with values): dead too.
        let same = match (&inh, &value) {
            (Some(i), v) => {
                i == v || (v.as_object().is_some_and(|m| m.is_empty()) && i.is_object())
            }
            (None, _) => false,
        };
        if same {
            dead.push(setting);
        } else {
            written.push((ptr, value));
            overrides.push(setting);
        }
    }
    let layer_overlays: Vec<String> = layer_docs
        .iter()
        .filter_map(|d| d.doc.value.pointer("/spec/overlays"))
        .next_back()
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let site_overlays: Option<Vec<String>> =
        spec.get("overlays").and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        });
    let (inherited_overlays, added_overlays) = match site_overlays {
        None => (layer_overlays, Vec::new()),
        Some(s) => (
            s.iter()
                .filter(|o| layer_overlays.contains(o))
                .cloned()
                .collect(),
            s.iter()
                .filter(|o| !layer_overlays.contains(o))
                .cloned()
                .collect(),
        ),
    };
    let kustomization = kustomization_entries(project, name);
    (
        SiteDrift {
            site: name.to_string(),
            layers,
            overrides,
            dead,
            inherited_overlays,
            added_overlays,
            kustomization,
        },
        written,
    )
}

/// The transformation and resource entries of `sites/<site>/kustomization.yaml`.
fn kustomization_entries(project: &Project, site: &str) -> Vec<KustEntry> {
    if !project.inputs.site_kustomizations.contains_key(site) {
        return Vec::new();
    }
    let mut diags = Vec::new();
    let doc = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|f| format!("sites/{site}/{f}"))
        .find(|rel| project.repo.abs(rel).is_file())
        .and_then(|rel| crate::load::parse_file(&project.repo, &rel, &mut diags));
    let Some(doc) = doc else {
        return Vec::new();
    };
    let Some(map) = doc.doc.value.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "apiVersion" | "kind" | "metadata"))
        .map(|(k, v)| KustEntry {
            field: k.clone(),
            count: match v {
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                Value::Null => 0,
                _ => 1,
            },
            at: at(&doc, &strata_yaml::pointer_push("", k)),
        })
        .collect()
}

/// Values every compared site of a layer sets alike (and that differ from what the layers
/// give), reported under the most specific such layer. Layers used by fewer than two of the
/// compared sites are skipped: one site's value is its own business.
fn candidates(
    sites: &[SiteDrift],
    written: &BTreeMap<String, Vec<(String, Value)>>,
) -> Vec<Candidate> {
    let mut by_layer: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in sites {
        for l in &s.layers {
            by_layer.entry(l).or_default().push(&s.site);
        }
    }
    let mut found: Vec<Candidate> = Vec::new();
    for (layer, members) in &by_layer {
        if members.len() < 2 {
            continue;
        }
        let Some(first) = written.get(members[0]) else {
            continue;
        };
        for (ptr, value) in first {
            let everywhere = members[1..].iter().all(|m| {
                written
                    .get(*m)
                    .is_some_and(|w| w.iter().any(|(p, v)| p == ptr && v == value))
            });
            if everywhere {
                found.push(Candidate {
                    layer: layer.to_string(),
                    sites: members.iter().map(|s| s.to_string()).collect(),
                    path: pointer_field(ptr),
                    value: value.clone(),
                });
            }
        }
    }
    // The same value for the same sites under several layers: keep the most specific layer
    // (the one with the fewest sites; among equals, the later one in the sites' stacks).
    let order: BTreeMap<&str, usize> = sites
        .iter()
        .flat_map(|s| s.layers.iter().enumerate().map(|(i, l)| (l.as_str(), i)))
        .fold(BTreeMap::new(), |mut m, (l, i)| {
            let e = m.entry(l).or_insert(i);
            *e = (*e).max(i);
            m
        });
    let mut out: Vec<Candidate> = Vec::new();
    for c in &found {
        if out.iter().any(|o| o.path == c.path && o.value == c.value) {
            continue;
        }
        let best = found
            .iter()
            .filter(|o| o.path == c.path && o.value == c.value)
            .min_by_key(|o| {
                (
                    o.sites.len(),
                    usize::MAX - order.get(o.layer.as_str()).copied().unwrap_or(0),
                )
            });
        if let Some(b) = best {
            out.push(b.clone());
        }
    }
    out.sort_by(|a, b| a.layer.cmp(&b.layer).then(a.path.cmp(&b.path)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_stop_at_lists_and_empty_maps() {
        let mut out = Vec::new();
        leaves(
            &json!({"s": {"x": {}, "y": [1], "z": {"w": 1}}}),
            &mut String::new(),
            &mut out,
        );
        let ptrs: Vec<&str> = out.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(ptrs, ["/s/x", "/s/y", "/s/z/w"]);
    }
}
