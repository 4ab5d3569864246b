//! The build algorithm (`api/internal/target/kusttarget.go`): accumulate a kustomization's
//! resources, generators, components and transformers, then finish the top level.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use crate::error::{err, Error};
use crate::filters::{
    annotations, generators, hash, images, labels, nameref, namespace, patches, prefix_suffix,
};
use crate::filters::{replicas, sort, specs};
use crate::kustfile::{KustFile, KustKind, Str};
use crate::loader::{FileError, Fs};
use crate::record::{FieldChange, Recorder, Scope};
use crate::resmap::ResMap;
use crate::resource::{Behavior, Resource};
use crate::value::{text, text_or_empty, type_name};

/// Checks and expands the documents of a resource file (kustomize's `dropBadNodes` and
/// `inlineAnyEmbeddedLists`): empty documents are skipped, every object needs a kind and a
/// name, no list may hold a null item, and the items of `*List` objects become resources
/// (after the file's other documents, as in kustomize).
pub fn validate_documents(values: Vec<Value>) -> Result<Vec<Value>, String> {
    let mut queue: VecDeque<Value> = VecDeque::new();
    for v in values {
        match &v {
            Value::Null => continue,
            Value::Object(m) if m.is_empty() => continue,
            Value::Array(a) if a.is_empty() => continue,
            Value::Object(_) => {}
            other => {
                return Err(format!(
                    "expected a Kubernetes object (a map), found {}",
                    type_name(other)
                ))
            }
        }
        let kind = text_or_empty(v.get("kind")).into_owned();
        if kind.is_empty() {
            return Err(format!("missing kind in object {}", describe(&v)));
        }
        if !kind.ends_with("List")
            && text_or_empty(v.get("metadata").and_then(|m| m.get("name"))).is_empty()
        {
            return Err(format!("missing metadata.name in object {}", describe(&v)));
        }
        if let Some(path) = nil_entry(&v) {
            return Err(format!("empty item at {path} in object {}", describe(&v)));
        }
        queue.push_back(v);
    }
    let mut out = Vec::with_capacity(queue.len());
    while let Some(v) = queue.pop_front() {
        let kind = text_or_empty(v.get("kind")).into_owned();
        if !kind.ends_with("List") {
            out.push(v);
            continue;
        }
        match v.get("items") {
            None => out.push(v),
            Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    if !item.is_object() {
                        return Err(format!("an item of {kind} is not an object"));
                    }
                    queue.push_back(item.clone());
                }
            }
            Some(other) => {
                return Err(format!(
                    "expected array in {kind}/items, but found {}",
                    type_name(other)
                ))
            }
        }
    }
    Ok(out)
}

fn describe(v: &Value) -> String {
    let kind = text_or_empty(v.get("kind"));
    let name = text_or_empty(v.get("metadata").and_then(|m| m.get("name")));
    format!("{{kind: {kind}, name: {name}}}")
}

/// kyaml's `HasNilEntryInList`: the path of a null list item.
fn nil_entry(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => m
            .iter()
            .find_map(|(k, x)| nil_entry(x).map(|p| format!("{k}/{p}"))),
        Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| {
            if x.is_null() {
                Some(String::new())
            } else {
                nil_entry(x).map(|p| format!("[{i}]/{p}"))
            }
        }),
        _ => None,
    }
}

/// kustomize's `errIfArgEqualOrHigher` over the chain of roots being built.
fn check_cycle(chain: &[PathBuf], candidate: &Path) -> Result<(), String> {
    for visited in chain {
        if visited.starts_with(candidate) {
            return Err(format!(
                "cycle detected: candidate root '{}' contains visited root '{}'",
                candidate.display(),
                visited.display()
            ));
        }
    }
    Ok(())
}

fn is_remote(path: &str) -> bool {
    path.contains("://")
        || path.starts_with("git@")
        || path.starts_with("github.com/")
        || path.starts_with("gitlab.com/")
}

/// Builds kustomizations with one file system.
pub struct Builder<'f, 'o> {
    fs: &'f Fs<'o>,
    /// Records what each entry changes in the base objects (overlay provenance); `None` costs
    /// nothing.
    recorder: Option<Recorder>,
}

impl<'f, 'o> Builder<'f, 'o> {
    /// A builder reading through `fs`.
    pub fn new(fs: &'f Fs<'o>) -> Self {
        Builder { fs, recorder: None }
    }

    /// A builder that records, entry by entry, the changes made to base objects.
    pub fn recording(fs: &'f Fs<'o>) -> Self {
        Builder {
            fs,
            recorder: Some(Recorder::default()),
        }
    }

    /// The changes recorded so far (none when not recording).
    pub fn take_changes(self) -> Vec<FieldChange> {
        self.recorder.map(Recorder::take).unwrap_or_default()
    }

    /// Runs one transformation entry (at `ptr` in `k`), recording its changes when recording.
    fn step(
        &self,
        k: &KustFile,
        acc: &mut ResMap,
        ptr: &str,
        entry: impl FnOnce() -> String,
        f: impl FnOnce(&mut ResMap) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.step_in(k, acc, ptr, entry, &Scope::default(), f)
    }

    /// [`Builder::step`] with what the entry can touch (see [`Scope`]).
    fn step_in(
        &self,
        k: &KustFile,
        acc: &mut ResMap,
        ptr: &str,
        entry: impl FnOnce() -> String,
        scope: &Scope<'_>,
        f: impl FnOnce(&mut ResMap) -> Result<(), Error>,
    ) -> Result<(), Error> {
        match &self.recorder {
            None => f(acc),
            Some(rec) => {
                f(acc)?;
                rec.record(acc, k, ptr, &entry(), scope);
                Ok(())
            }
        }
    }

    /// `kubectl kustomize DIR`.
    pub fn build_dir(&self, dir: &Path) -> Result<Vec<Resource>, Error> {
        let root = self.fs.root_dir(dir)?;
        self.fs.plan(std::slice::from_ref(&root));
        let k = self.fs.kustomization(&root)?;
        let mut acc = ResMap::new();
        self.accumulate_target(&k, &mut acc, std::slice::from_ref(&root))?;
        self.fs.release_documents();
        finish(acc, Some(&k))
    }

    /// Base objects + components + an optional site kustomization.
    pub fn apply_overlays(
        &self,
        objects: Vec<Value>,
        components: &[PathBuf],
        site: Option<&Path>,
    ) -> Result<Vec<Resource>, Error> {
        let mut acc = ResMap::new();
        for (i, obj) in objects.into_iter().enumerate() {
            if !obj.is_object() {
                return Err(err!(
                    "base object #{} is {}, not an object",
                    i + 1,
                    type_name(&obj)
                ));
            }
            if text_or_empty(obj.get("kind")).is_empty() {
                return Err(err!("base object #{} has no kind", i + 1));
            }
            if text_or_empty(obj.get("metadata").and_then(|m| m.get("name"))).is_empty() {
                return Err(err!(
                    "base object #{} ({}) has no metadata.name",
                    i + 1,
                    text_or_empty(obj.get("kind"))
                ));
            }
            let mut r = Resource::new(obj);
            r.origin = Some(i);
            acc.append(r)
                .map_err(|id| err!("two base objects have the same id: {id}"))?;
        }
        let roots: Vec<PathBuf> = components
            .iter()
            .map(PathBuf::as_path)
            .chain(site)
            .filter_map(|d| self.fs.root_dir(d).ok())
            .collect();
        self.fs.plan(&roots);
        if let Some(rec) = &self.recorder {
            rec.prime(&acc);
        }
        for c in components {
            let dir = self.fs.root_dir(c)?;
            let k = self.fs.kustomization(&dir)?;
            if k.k.kind != KustKind::Component {
                return Err(Error::in_file(
                    format!("'{}' is used as a component but its kustomization is not `kind: Component`", c.display()),
                    &k.path,
                ));
            }
            self.accumulate_target(&k, &mut acc, std::slice::from_ref(&dir))?;
        }
        let site_k = match site {
            Some(s) => {
                let dir = self.fs.root_dir(s)?;
                let k = self.fs.kustomization(&dir)?;
                self.accumulate_target(&k, &mut acc, std::slice::from_ref(&dir))?;
                Some(k)
            }
            None => None,
        };
        self.fs.release_documents();
        finish(acc, site_k.as_deref())
    }

    /// kustomize's `accumulateTarget`.
    fn accumulate_target(
        &self,
        k: &KustFile,
        acc: &mut ResMap,
        chain: &[PathBuf],
    ) -> Result<(), Error> {
        // Entries are loaded (and nested kustomizations built) in parallel, then appended in
        // list order, so the result and the first error reported do not depend on timing.
        let loaded: Vec<Result<ResMap, Error>> = if k.k.resources.len() > 1 {
            k.k.resources
                .par_iter()
                .map(|entry| self.load_resource(k, entry, chain))
                .collect()
        } else {
            k.k.resources
                .iter()
                .map(|entry| self.load_resource(k, entry, chain))
                .collect()
        };
        for (entry, sub) in k.k.resources.iter().zip(loaded) {
            acc.append_all(sub?).map_err(|id| {
                k.error_at(
                    &entry.ptr,
                    format!(
                        "may not add resource with an already registered id: {id} (from '{}')",
                        entry.value
                    ),
                )
                .with_hint("two resources have the same kind, name and namespace")
            })?;
        }
        for (gens, secret) in [
            (&k.k.config_map_generator, false),
            (&k.k.secret_generator, true),
        ] {
            for (i, g) in gens.iter().enumerate() {
                let (res, behavior) = generators::generate(self.fs, k, g, secret)?;
                let field = if secret {
                    "secretGenerator"
                } else {
                    "configMapGenerator"
                };
                self.step(
                    k,
                    acc,
                    &g.ptr,
                    || format!("{field}[{i}] {}", g.name),
                    |acc| {
                        absorb(acc, res, behavior).map_err(|(m, hint)| {
                            let e = k.error_at(&g.ptr, m);
                            match hint {
                                Some(h) => e.with_hint(h),
                                None => e,
                            }
                        })
                    },
                )?;
            }
        }
        for entry in &k.k.components {
            let dir = self
                .fs
                .child_dir(&k.dir, &entry.value)
                .map_err(|m| k.error_at(&entry.ptr, format!("component '{}': {m}", entry.value)))?;
            check_cycle(chain, &dir).map_err(|m| k.error_at(&entry.ptr, m))?;
            let kc = self
                .fs
                .kustomization(&dir)
                .map_err(|e| located(e, k, entry))?;
            if kc.k.kind != KustKind::Component {
                return Err(k
                    .error_at(
                        &entry.ptr,
                        format!(
                            "'{}' is listed as a component but is not `kind: Component`",
                            entry.value
                        ),
                    )
                    .with_hint("list it under `resources:`, or make it a Component"));
            }
            let mut sub_chain = chain.to_vec();
            sub_chain.push(dir);
            self.accumulate_target(&kc, acc, &sub_chain)?;
        }
        self.run_transformers(k, acc)
    }

    /// One `resources` entry: a file's objects or a nested kustomization's result.
    fn load_resource(&self, k: &KustFile, entry: &Str, chain: &[PathBuf]) -> Result<ResMap, Error> {
        let mut acc = ResMap::new();
        let path = entry.value.as_str();
        if is_remote(path) {
            return Err(k
                .error_at(
                    &entry.ptr,
                    format!("remote resource '{path}' is not supported"),
                )
                .with_hint("vendor the resource into the repository"));
        }
        let file_err = match self.fs.load_file(&k.dir, path) {
            Ok((real, bytes)) => {
                let docs = self.fs.resources(&real, path, &bytes)?;
                for obj in docs {
                    acc.append(Resource::new(obj)).map_err(|id| {
                        k.error_at(
                            &entry.ptr,
                            format!("may not add resource with an already registered id: {id} (from '{path}')"),
                        )
                        .with_hint("two resources have the same kind, name and namespace")
                    })?;
                }
                return Ok(acc);
            }
            Err(e) => e,
        };
        let dir = match self.fs.child_dir(&k.dir, path) {
            Ok(d) => d,
            Err(dir_err) => {
                let (msg, hint) = match &file_err {
                    FileError::Missing(_) => (
                        format!("resource '{path}' does not exist"),
                        Some("check the path; it is relative to this kustomization's folder"),
                    ),
                    FileError::Refused(m) => (
                        m.clone(),
                        Some("a kustomization may only read files in or below its own folder"),
                    ),
                    FileError::IsDir => (format!("resource '{path}': {dir_err}"), None),
                    FileError::Io(m) => (m.clone(), None),
                };
                let e = k.error_at(&entry.ptr, msg);
                return Err(match hint {
                    Some(h) => e.with_hint(h),
                    None => e,
                });
            }
        };
        check_cycle(chain, &dir).map_err(|m| k.error_at(&entry.ptr, m))?;
        let kc = self
            .fs
            .kustomization(&dir)
            .map_err(|e| located(e, k, entry))?;
        if kc.k.kind == KustKind::Component {
            return Err(k
                .error_at(
                    &entry.ptr,
                    format!("expected kind != 'Component' for path '{}'", dir.display()),
                )
                .with_hint("list components under `components:`"));
        }
        let mut sub_chain = chain.to_vec();
        sub_chain.push(dir);
        self.accumulate_target(&kc, &mut acc, &sub_chain)?;
        Ok(acc)
    }

    /// The transformers, in kustomize's fixed order.
    fn run_transformers(&self, k: &KustFile, acc: &mut ResMap) -> Result<(), Error> {
        let kk = &k.k;
        if !kk.patches_strategic_merge.is_empty() {
            // The legacy list applies as one transformation (its checks span the list).
            self.step(
                k,
                acc,
                "/patchesStrategicMerge",
                || "patchesStrategicMerge".into(),
                |acc| patches::apply_legacy_smp(self.fs, k, &kk.patches_strategic_merge, acc),
            )?;
        }
        for (i, p) in kk.patches.iter().enumerate() {
            // A patch with a target kind changes only objects of that kind.
            let scope = Scope {
                kind: p
                    .target
                    .as_ref()
                    .map(|t| t.kind.as_str())
                    // Target fields are anchored regular expressions: only a plain name is
                    // one kind.
                    .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric())),
                split: None,
            };
            self.step_in(
                k,
                acc,
                &p.ptr,
                || format!("patches[{i}]"),
                &scope,
                |acc| patches::apply_entry(self.fs, k, p, acc),
            )?;
        }
        if let Some(ns) = &kk.namespace {
            self.step(
                k,
                acc,
                &ns.ptr,
                || "namespace".into(),
                |acc| namespace::apply(acc, &ns.value).map_err(|m| k.error_at(&ns.ptr, m)),
            )?;
        }
        if let Some(p) = &kk.name_prefix {
            self.step(
                k,
                acc,
                &p.ptr,
                || "namePrefix".into(),
                |acc| prefix_suffix::apply_prefix(acc, &p.value).map_err(|m| k.error_at(&p.ptr, m)),
            )?;
        }
        if let Some(s) = &kk.name_suffix {
            self.step(
                k,
                acc,
                &s.ptr,
                || "nameSuffix".into(),
                |acc| prefix_suffix::apply_suffix(acc, &s.value).map_err(|m| k.error_at(&s.ptr, m)),
            )?;
        }
        for (i, l) in kk.labels.iter().enumerate() {
            let specs = labels::specs_for(l).map_err(|m| k.error_at(&l.ptr, m))?;
            let specs = crate::filters::fieldspec::compile(&specs);
            self.step(
                k,
                acc,
                &l.ptr,
                || format!("labels[{i}]"),
                |acc| labels::apply(acc, &l.pairs, &specs).map_err(|m| k.error_at(&l.ptr, m)),
            )?;
        }
        if kk.common_labels.is_empty() {
            labels::apply(acc, &kk.common_labels, specs::common_labels_compiled())
                .map_err(|m| k.error_at("/commonLabels", m))?;
        } else {
            self.step(
                k,
                acc,
                "/commonLabels",
                || "commonLabels".into(),
                |acc| {
                    labels::apply(acc, &kk.common_labels, specs::common_labels_compiled())
                        .map_err(|m| k.error_at("/commonLabels", m))
                },
            )?;
        }
        if kk.common_annotations.is_empty() {
            annotations::apply(acc, &kk.common_annotations)
                .map_err(|m| k.error_at("/commonAnnotations", m))?;
        } else {
            self.step(
                k,
                acc,
                "/commonAnnotations",
                || "commonAnnotations".into(),
                |acc| {
                    annotations::apply(acc, &kk.common_annotations)
                        .map_err(|m| k.error_at("/commonAnnotations", m))
                },
            )?;
        }
        for (i, p) in kk.patches_json6902.iter().enumerate() {
            self.step(
                k,
                acc,
                &p.ptr,
                || format!("patchesJson6902[{i}]"),
                |acc| patches::apply_legacy_json(self.fs, k, p, acc),
            )?;
        }
        for (i, r) in kk.replicas.iter().enumerate() {
            self.step(
                k,
                acc,
                &r.ptr,
                || format!("replicas[{i}] {}", r.name),
                |acc| {
                    replicas::apply(acc, r).map_err(|m| {
                        k.error_at(&r.ptr, m).with_hint(
                            "replicas apply to Deployments, ReplicationControllers, ReplicaSets and StatefulSets by name",
                        )
                    })
                },
            )?;
        }
        if self.recorder.is_none() || kk.images.is_empty() {
            for im in &kk.images {
                images::apply(acc, im).map_err(|m| k.error_at(&im.ptr, m))?;
            }
            return Ok(());
        }
        // The `images` list runs as one step (one comparison of the objects, not one per
        // entry); each change is named after the entry whose name matches the image it had.
        let split = |before: Option<&Value>| {
            let name = image_name(before?.as_str()?);
            kk.images
                .iter()
                .enumerate()
                .find(|(_, im)| im.name == name)
                .map(|(i, im)| (im.ptr.clone(), format!("images[{i}] {}", im.name)))
        };
        let scope = Scope {
            kind: None,
            split: Some(&split),
        };
        self.step_in(
            k,
            acc,
            "/images",
            || "images".into(),
            &scope,
            |acc| {
                for im in &kk.images {
                    images::apply(acc, im).map_err(|m| k.error_at(&im.ptr, m))?;
                }
                Ok(())
            },
        )
    }
}

/// The name of an image reference: without its digest and tag (`quay.io/a/b:1` → `quay.io/a/b`).
fn image_name(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

/// Gives an error from a nested kustomization's loading the position of the entry naming it,
/// when it has none of its own.
fn located(e: Error, k: &KustFile, entry: &Str) -> Error {
    if e.file.is_some() {
        return e;
    }
    let mut out = k.error_at(&entry.ptr, format!("'{}': {}", entry.value, e.message));
    out.hint = e.hint;
    out
}

/// kustomize's `appendReplaceOrMerge`: adds a generated object, or merges it into / replaces
/// the object it names (by current or previous id).
fn absorb(
    acc: &mut ResMap,
    mut res: Resource,
    behavior: Behavior,
) -> Result<(), (String, Option<String>)> {
    let id = res.cur_id();
    let matches = acc.matching_any_id(&id);
    match matches.as_slice() {
        [] => match behavior {
            Behavior::Merge | Behavior::Replace => Err((
                format!("id {id} does not exist; cannot merge or replace"),
                Some("behavior merge/replace needs an object of that name from a base or an earlier generator".into()),
            )),
            Behavior::Create => acc
                .append(res)
                .map_err(|id| (format!("may not add resource with an already registered id: {id}"), None)),
        },
        [i] => {
            let old = &acc.resources()[*i];
            match behavior {
                Behavior::Create => {
                    return Err((
                        format!("id {id} exists; behavior must be merge or replace"),
                        Some("add `behavior: merge` or `behavior: replace` to the generator entry".into()),
                    ))
                }
                Behavior::Replace | Behavior::Merge => {
                    copy_merge_metadata(&mut res, old);
                    if behavior == Behavior::Merge {
                        merge_data(&mut res, old, "data");
                        merge_data(&mut res, old, "binaryData");
                    }
                }
            }
            acc.replace(*i, res);
            Ok(())
        }
        _ => Err((format!("found multiple objects that could accept merge of {id}"), None)),
    }
}

/// kustomize's `CopyMergeMetaDataFieldsFrom`: labels and annotations merged (new wins), name,
/// namespace and the build history from the old object. The merged object gets a hash suffix
/// only if both the old and the new one asked for it (checked against kubectl: either side's
/// `disableNameSuffixHash` wins).
fn copy_merge_metadata(res: &mut Resource, old: &Resource) {
    let labels = crate::resource::merge_string_maps(&[&old.labels(), &res.labels()]);
    res.set_string_map("labels", labels);
    let annotations = crate::resource::merge_string_maps(&[&old.annotations(), &res.annotations()]);
    res.set_string_map("annotations", annotations);
    res.set_name(&old.name());
    res.set_namespace(&old.namespace());
    res.prev = old.prev.clone();
    res.prefixes = old.prefixes.clone();
    res.suffixes = old.suffixes.clone();
    res.needs_hash = old.needs_hash && res.needs_hash;
    res.origin = old.origin;
}

/// `MergeDataMapFrom`: the old entries, overridden by the new ones, as strings; no map if empty.
fn merge_data(res: &mut Resource, old: &Resource, field: &str) {
    let old_map = crate::value::string_map(old.obj.get(field));
    let new_map = crate::value::string_map(res.obj.get(field));
    let merged = crate::resource::merge_string_maps(&[&old_map, &new_map]);
    if let Some(m) = res.obj.as_object_mut() {
        m.shift_remove(field);
        if !merged.is_empty() {
            let map: serde_json::Map<String, Value> = merged
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            m.insert(field.to_string(), Value::Object(map));
        }
    }
}

/// Annotations kustomize uses during a build and removes from its output (it keeps its own
/// build metadata in them; ours lives outside the object, but an input may carry them).
const BUILD_ANNOTATIONS: [&str; 20] = [
    "internal.config.kubernetes.io/previousNames",
    "internal.config.kubernetes.io/previousNamespaces",
    "internal.config.kubernetes.io/previousKinds",
    "internal.config.kubernetes.io/prefixes",
    "internal.config.kubernetes.io/suffixes",
    "internal.config.kubernetes.io/refBy",
    "internal.config.kubernetes.io/generatorBehavior",
    "internal.config.kubernetes.io/needsHashSuffix",
    "internal.config.kubernetes.io/allowNameChange",
    "internal.config.kubernetes.io/allowKindChange",
    "internal.config.kubernetes.io/path",
    "internal.config.kubernetes.io/index",
    "internal.config.kubernetes.io/id",
    "internal.config.kubernetes.io/seqindent",
    "internal.config.kubernetes.io/annotations-migration-resource-id",
    "config.kubernetes.io/path",
    "config.kubernetes.io/index",
    "config.k8s.io/id",
    "config.kubernetes.io/origin",
    "alpha.config.kubernetes.io/transformations",
];

/// The top-level steps: hash suffixes, name references, local-config objects, order, and
/// the cleanup kustomize does when it strips its build annotations.
fn finish(mut acc: ResMap, k: Option<&KustFile>) -> Result<Vec<Resource>, Error> {
    let hashed = acc.try_for_each_mut(|_, r| {
        if r.needs_hash {
            let h = hash::hash(&r.obj);
            r.store_previous_id();
            let name = format!("{}-{h}", r.name());
            r.set_name(&name);
        }
        Ok(())
    });
    if let Err(m) = hashed {
        return Err(Error::new(m));
    }
    nameref::fix(&mut acc).map_err(|m| match k {
        Some(k) => Error::in_file(m, &k.path),
        None => Error::new(m),
    })?;
    let mut list: Vec<Resource> = acc
        .into_vec()
        .into_iter()
        .filter(|r| {
            match r
                .obj
                .get("metadata")
                .and_then(|m| m.get("annotations"))
                .and_then(|a| a.get("config.kubernetes.io/local-config"))
            {
                Some(v) => text(v) == "false",
                None => true,
            }
        })
        .collect();
    match k.and_then(|k| k.k.sort_options.as_ref().map(|s| (k, s))) {
        None => {
            let (first, last) = sort::default_lists();
            sort::legacy(&mut list, &first, &last);
        }
        Some((k, s)) => match s.order.as_str() {
            "legacy" => {
                let (first, last) = s.legacy.clone().unwrap_or_else(sort::default_lists);
                sort::legacy(&mut list, &first, &last);
            }
            "fifo" => {
                if s.legacy.is_some() {
                    return Err(k.error_at(
                        &s.ptr,
                        "sortOptions.legacySortOptions is set but the selected sort order is 'fifo', not 'legacy'",
                    ));
                }
            }
            _ => {
                return Err(k.error_at(
                    &s.ptr,
                    "the field 'sortOptions.order' must be one of [fifo, legacy]",
                ))
            }
        },
    }
    for r in &mut list {
        if let Some(meta) = r.obj.get_mut("metadata").and_then(Value::as_object_mut) {
            if let Some(Value::Object(a)) = meta.get_mut("annotations") {
                a.retain(|k, _| !BUILD_ANNOTATIONS.contains(&k.as_str()));
            }
            let empty = match meta.get("annotations") {
                Some(Value::Null) => true,
                Some(Value::Object(m)) => m.is_empty(),
                _ => false,
            };
            if empty {
                meta.shift_remove("annotations");
            }
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_are_inlined_after_the_other_documents() {
        let docs = vec![
            json!({"apiVersion": "v1", "kind": "ConfigMapList", "items": [
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}]}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}),
            Value::Null,
        ];
        let out = validate_documents(docs).unwrap();
        let names: Vec<_> = out.iter().map(|v| v["metadata"]["name"].clone()).collect();
        assert_eq!(names, [json!("b"), json!("a")]);
    }

    #[test]
    fn bad_documents() {
        assert!(
            validate_documents(vec![json!({"kind": "ConfigMap", "metadata": {}})])
                .unwrap_err()
                .contains("missing metadata.name")
        );
        assert!(validate_documents(vec![json!({"metadata": {"name": "x"}})])
            .unwrap_err()
            .contains("missing kind"));
        assert!(validate_documents(vec![
            json!({"kind": "X", "metadata": {"name": "x"}, "a": [1, null]})
        ])
        .unwrap_err()
        .contains("empty item"));
    }

    #[test]
    fn cycles() {
        let chain = vec![PathBuf::from("/r/a"), PathBuf::from("/r/a/b")];
        assert!(check_cycle(&chain, Path::new("/r/a")).is_err());
        assert!(check_cycle(&chain, Path::new("/r")).is_err());
        assert!(check_cycle(&chain, Path::new("/r/c")).is_ok());
    }
}
