//! A resource in the accumulator: the object plus the build metadata kustomize keeps in
//! `internal.config.kubernetes.io/*` annotations (previous ids, prefixes, suffixes, hash flag).
//! Keeping that metadata outside the object means patches and selectors never see it, which is
//! what kustomize achieves by restoring the annotations around JSON patches and stripping them
//! from the output.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::resid::{is_cluster_scoped, split_api_version, Gvk, ResId, CLUSTER_NS};
use crate::value::{string_map, text_or_empty};

/// A previous id of a resource, as kustomize records it: kind, name and *effective* namespace;
/// group and version are always the resource's current ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrevId {
    /// Kind at the time.
    pub kind: String,
    /// Name at the time.
    pub name: String,
    /// Effective namespace at the time (`default` for none).
    pub namespace: String,
}

/// A generator behavior (`behavior:` of a generator entry).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Behavior {
    /// Add a new object (the default).
    #[default]
    Create,
    /// Replace an existing object, keeping its name and position.
    Replace,
    /// Merge data into an existing object.
    Merge,
}

/// One resource with its build metadata.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The object; always a JSON object.
    pub obj: Value,
    /// Previous ids, oldest first.
    pub prev: Vec<PrevId>,
    /// Name prefixes applied, innermost first.
    pub prefixes: Vec<String>,
    /// Name suffixes applied, innermost first.
    pub suffixes: Vec<String>,
    /// A generated object whose name gets the content hash at the end of the build.
    pub needs_hash: bool,
    /// Index of the base object this resource came from (`apply_overlays`).
    pub origin: Option<usize>,
}

impl Resource {
    /// A resource with no build history.
    pub fn new(obj: Value) -> Resource {
        Resource {
            obj,
            prev: Vec::new(),
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            needs_hash: false,
            origin: None,
        }
    }

    fn meta_field(&self, field: &str) -> Option<&Value> {
        self.obj.get("metadata")?.get(field)
    }

    /// `kind`.
    pub fn kind(&self) -> Cow<'_, str> {
        text_or_empty(self.obj.get("kind"))
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> Cow<'_, str> {
        text_or_empty(self.obj.get("apiVersion"))
    }

    /// `metadata.name`.
    pub fn name(&self) -> Cow<'_, str> {
        text_or_empty(self.meta_field("name"))
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> Cow<'_, str> {
        text_or_empty(self.meta_field("namespace"))
    }

    /// The current type.
    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(&self.api_version(), &self.kind())
    }

    /// The current id.
    pub fn cur_id(&self) -> ResId {
        ResId {
            gvk: self.gvk(),
            name: self.name().into_owned(),
            namespace: self.namespace().into_owned(),
        }
    }

    /// The parts of the current id that identity compares: group, version, kind, name and
    /// effective namespace.
    fn id_parts(&self) -> [Cow<'_, str>; 5] {
        let (g, v): (Cow<'_, str>, Cow<'_, str>) = match self.api_version() {
            Cow::Borrowed(av) => {
                let (g, v) = split_api_version(av);
                (Cow::Borrowed(g), Cow::Borrowed(v))
            }
            Cow::Owned(av) => {
                let (g, v) = split_api_version(&av);
                (Cow::Owned(g.to_string()), Cow::Owned(v.to_string()))
            }
        };
        let kind = self.kind();
        let ns = self.namespace();
        let eff: Cow<'_, str> = if is_cluster_scoped(&g, &v, &kind) {
            Cow::Borrowed(CLUSTER_NS)
        } else if ns.is_empty() {
            Cow::Borrowed("default")
        } else {
            ns
        };
        [g, v, kind, self.name(), eff]
    }

    /// A 64-bit hash of the current id (FNV-1a; equal ids hash equally).
    pub fn id_hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in self.id_parts() {
            for b in part.as_bytes().iter().chain(std::iter::once(&0xffu8)) {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h
    }

    /// The id parts as owned strings, to compare an id before and after a change.
    pub fn clone_id_parts(&self) -> [String; 5] {
        self.id_parts().map(Cow::into_owned)
    }

    /// Whether two resources have the same current id ([`ResId::same_as`]).
    pub fn same_id(&self, other: &Resource) -> bool {
        self.id_parts() == other.id_parts()
    }

    /// The previous ids, oldest first (not including the current one).
    pub fn prev_ids(&self) -> Vec<ResId> {
        let gvk = self.gvk();
        self.prev
            .iter()
            .map(|p| ResId {
                gvk: Gvk {
                    kind: p.kind.clone(),
                    ..gvk.clone()
                },
                name: p.name.clone(),
                namespace: p.namespace.clone(),
            })
            .collect()
    }

    /// The original id: the first previous id, or the current one.
    pub fn org_id(&self) -> ResId {
        match self.prev.first() {
            Some(p) => ResId {
                gvk: Gvk {
                    kind: p.kind.clone(),
                    ..self.gvk()
                },
                name: p.name.clone(),
                namespace: p.namespace.clone(),
            },
            None => self.cur_id(),
        }
    }

    /// Whether the current or any previous id equals `id`.
    pub fn any_id_matches(&self, id: &ResId) -> bool {
        let av = self.api_version();
        let (g, v) = split_api_version(&av);
        if g != id.gvk.group || v != id.gvk.version {
            return false;
        }
        let want = id.effective_namespace();
        let eff = |kind: &str, ns: &str| -> bool {
            if is_cluster_scoped(g, v, kind) {
                want == CLUSTER_NS
            } else if ns.is_empty() {
                want == "default"
            } else {
                want == ns
            }
        };
        let kind = self.kind();
        if kind == id.gvk.kind && self.name() == id.name && eff(&kind, &self.namespace()) {
            return true;
        }
        self.prev
            .iter()
            .any(|p| p.kind == id.gvk.kind && p.name == id.name && eff(&p.kind, &p.namespace))
    }

    /// Whether the current type is selected by `sel` (empty fields match anything), without
    /// allocating.
    pub fn selected_by(&self, sel: &Gvk) -> bool {
        let av = self.api_version();
        let (g, v) = split_api_version(&av);
        (sel.group.is_empty() || sel.group == g)
            && (sel.version.is_empty() || sel.version == v)
            && (sel.kind.is_empty() || sel.kind == self.kind())
    }

    /// Records the current id as a previous one (kustomize's `StorePreviousId`).
    pub fn store_previous_id(&mut self) {
        let id = self.cur_id();
        self.prev.push(PrevId {
            kind: id.gvk.kind.clone(),
            name: id.name.clone(),
            namespace: id.effective_namespace().to_string(),
        });
    }

    fn metadata_mut(&mut self) -> Option<&mut Map<String, Value>> {
        crate::value::ensure_map(&mut self.obj, &["metadata"])
    }

    /// Sets `metadata.name`.
    pub fn set_name(&mut self, name: &str) {
        if let Some(m) = self.metadata_mut() {
            m.insert("name".into(), Value::String(name.to_string()));
        }
    }

    /// Sets `metadata.namespace`; an empty namespace removes the field (kyaml's `SetNamespace`).
    pub fn set_namespace(&mut self, ns: &str) {
        if let Some(m) = self.metadata_mut() {
            if ns.is_empty() {
                m.remove("namespace");
            } else {
                m.insert("namespace".into(), Value::String(ns.to_string()));
            }
        }
    }

    /// Sets `kind`.
    pub fn set_kind(&mut self, kind: &str) {
        if let Some(m) = self.obj.as_object_mut() {
            m.insert("kind".into(), Value::String(kind.to_string()));
        }
    }

    /// Sets `apiVersion`.
    pub fn set_api_version(&mut self, api_version: &str) {
        if let Some(m) = self.obj.as_object_mut() {
            m.insert("apiVersion".into(), Value::String(api_version.to_string()));
        }
    }

    /// `metadata.labels` as strings.
    pub fn labels(&self) -> Vec<(String, String)> {
        string_map(self.meta_field("labels"))
    }

    /// `metadata.annotations` as strings.
    pub fn annotations(&self) -> Vec<(String, String)> {
        string_map(self.meta_field("annotations"))
    }

    /// Replaces `metadata.<field>` with a string map; an empty map removes the field
    /// (kyaml's `SetLabels`/`SetAnnotations`).
    pub fn set_string_map(&mut self, field: &str, entries: Vec<(String, String)>) {
        if let Some(m) = self.metadata_mut() {
            if entries.is_empty() {
                m.remove(field);
            } else {
                let map: Map<String, Value> = entries
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                m.insert(field.to_string(), Value::Object(map));
            }
        }
    }

    /// Whether the object is null or an empty map (a resource deleted by a patch).
    pub fn is_empty(&self) -> bool {
        match &self.obj {
            Value::Null => true,
            Value::Object(m) => m.is_empty(),
            _ => false,
        }
    }
}

/// Merges string maps, later maps winning (kustomize's `mergeStringMaps`).
pub fn merge_string_maps(maps: &[&[(String, String)]]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for m in maps {
        for (k, v) in m.iter() {
            match out.iter_mut().find(|(ok, _)| ok == k) {
                Some(slot) => slot.1 = v.clone(),
                None => out.push((k.clone(), v.clone())),
            }
        }
    }
    out
}
