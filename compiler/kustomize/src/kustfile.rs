//! Reading a kustomization file the way kustomize does — YAML 1.1 (`sigs.k8s.io/yaml`), then a
//! strict JSON decode into the `Kustomization` struct: unknown fields are errors, scalar types
//! are not converted, field names match case-insensitively — and remembering where every entry
//! was written so that errors can point at it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};
use strata_yaml::{ParseOptions, Schema, Spans};

use crate::error::Error;
use crate::value::type_name;

/// The file names kustomize recognises, in its order.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A string entry and the JSON pointer of where it was written.
#[derive(Clone, Debug, Default)]
pub struct Str {
    /// The value.
    pub value: String,
    /// JSON pointer of the entry in the kustomization file.
    pub ptr: String,
}

/// `kind:` of a kustomization file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KustKind {
    /// `Kustomization` (the default).
    Kustomization,
    /// `Component`.
    Component,
}

/// A field spec (`fields:` of a `labels` entry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSpec {
    /// Group, version, kind the spec applies to (empty = any).
    pub gvk: crate::resid::Gvk,
    /// `/`-separated path.
    pub path: String,
    /// Create missing fields.
    pub create: bool,
}

/// A `labels` entry.
#[derive(Clone, Debug, Default)]
pub struct Label {
    /// The labels.
    pub pairs: Vec<(String, String)>,
    /// Also set selectors (like `commonLabels`).
    pub include_selectors: bool,
    /// Also set pod template labels.
    pub include_templates: bool,
    /// Extra field specs.
    pub fields: Vec<FieldSpec>,
    /// Where the entry was written.
    pub ptr: String,
}

/// A patch target selector.
#[derive(Clone, Debug, Default)]
pub struct Selector {
    /// Group regex.
    pub group: String,
    /// Version regex.
    pub version: String,
    /// Kind regex.
    pub kind: String,
    /// Name regex.
    pub name: String,
    /// Namespace regex.
    pub namespace: String,
    /// Label selector.
    pub label_selector: String,
    /// Annotation selector.
    pub annotation_selector: String,
}

/// A `patches` / `patchesJson6902` entry.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    /// `path:` of a patch file.
    pub path: Option<String>,
    /// Inline `patch:` text.
    pub patch: Option<String>,
    /// `target:`.
    pub target: Option<Selector>,
    /// `options.allowNameChange`.
    pub allow_name_change: bool,
    /// `options.allowKindChange`.
    pub allow_kind_change: bool,
    /// Where the entry was written.
    pub ptr: String,
}

/// An `images` entry.
#[derive(Clone, Debug, Default)]
pub struct Image {
    /// Image name to match.
    pub name: String,
    /// New name.
    pub new_name: String,
    /// New tag.
    pub new_tag: String,
    /// New digest.
    pub digest: String,
    /// Suffix appended to the tag.
    pub tag_suffix: String,
    /// Where the entry was written.
    pub ptr: String,
}

/// A `replicas` entry.
#[derive(Clone, Debug, Default)]
pub struct Replica {
    /// Workload name.
    pub name: String,
    /// Replica count.
    pub count: i64,
    /// Where the entry was written.
    pub ptr: String,
}

/// `generatorOptions` / a generator's `options`.
#[derive(Clone, Debug, Default)]
pub struct GenOptions {
    /// Labels for generated objects.
    pub labels: Option<Vec<(String, String)>>,
    /// Annotations for generated objects.
    pub annotations: Option<Vec<(String, String)>>,
    /// No hash suffix.
    pub disable_name_suffix_hash: bool,
    /// `immutable: true` on generated objects.
    pub immutable: bool,
}

/// A `configMapGenerator` / `secretGenerator` entry.
#[derive(Clone, Debug, Default)]
pub struct GenArgs {
    /// Object name.
    pub name: String,
    /// Object namespace.
    pub namespace: String,
    /// `behavior:` as written.
    pub behavior: String,
    /// `literals:`.
    pub literals: Vec<Str>,
    /// `files:`.
    pub files: Vec<Str>,
    /// `envs:` (and the legacy `env:`, appended).
    pub envs: Vec<Str>,
    /// `options:`.
    pub options: Option<GenOptions>,
    /// Secret `type:`.
    pub secret_type: String,
    /// Where the entry was written.
    pub ptr: String,
}

/// `sortOptions`.
#[derive(Clone, Debug, Default)]
pub struct SortOptions {
    /// `order:` as written.
    pub order: String,
    /// `legacySortOptions.orderFirst` / `orderLast`.
    pub legacy: Option<(Vec<String>, Vec<String>)>,
    /// Where the field was written.
    pub ptr: String,
}

/// The fields of a kustomization Strata supports.
#[derive(Clone, Debug)]
pub struct Kustomization {
    /// `kind:`.
    pub kind: KustKind,
    /// `resources:` followed by the legacy `bases:`.
    pub resources: Vec<Str>,
    /// `components:`.
    pub components: Vec<Str>,
    /// `namespace:`.
    pub namespace: Option<Str>,
    /// `namePrefix:`.
    pub name_prefix: Option<Str>,
    /// `nameSuffix:`.
    pub name_suffix: Option<Str>,
    /// `commonLabels:`.
    pub common_labels: Vec<(String, String)>,
    /// `labels:`.
    pub labels: Vec<Label>,
    /// `commonAnnotations:`.
    pub common_annotations: Vec<(String, String)>,
    /// `patches:`.
    pub patches: Vec<Patch>,
    /// `patchesStrategicMerge:`.
    pub patches_strategic_merge: Vec<Str>,
    /// `patchesJson6902:`.
    pub patches_json6902: Vec<Patch>,
    /// `images:` followed by the legacy `imageTags:`.
    pub images: Vec<Image>,
    /// `replicas:`.
    pub replicas: Vec<Replica>,
    /// `configMapGenerator:`.
    pub config_map_generator: Vec<GenArgs>,
    /// `secretGenerator:`.
    pub secret_generator: Vec<GenArgs>,
    /// `generatorOptions:`.
    pub generator_options: Option<GenOptions>,
    /// `sortOptions:`.
    pub sort_options: Option<SortOptions>,
}

/// A parsed kustomization file.
#[derive(Debug)]
pub struct KustFile {
    /// Path of the file.
    pub path: PathBuf,
    /// The kustomization root (the file's directory, symlinks resolved).
    pub dir: PathBuf,
    /// The file's text.
    pub text: Arc<str>,
    /// Positions of its entries, computed when an error needs them.
    spans: OnceLock<Spans>,
    /// The decoded fields.
    pub k: Kustomization,
}

impl KustFile {
    /// The positions of the file's nodes (parsed again, with spans, on first use: errors are
    /// rare and recording every position costs more than parsing).
    pub fn spans(&self) -> &Spans {
        self.spans.get_or_init(|| {
            strata_yaml::parse(&self.text, &opts(true))
                .ok()
                .and_then(|docs| docs.into_iter().next())
                .map(|d| d.spans)
                .unwrap_or_default()
        })
    }

    /// An error pointing at the entry at `ptr` (or its nearest written ancestor).
    pub fn error_at(&self, ptr: &str, message: impl Into<String>) -> Error {
        error_at(&self.path, &self.text, self.spans(), ptr, message.into())
    }
}

fn opts(spans: bool) -> ParseOptions {
    ParseOptions {
        schema: Schema::Go11,
        spans,
        ..ParseOptions::default()
    }
}

fn error_at(path: &Path, text: &Arc<str>, spans: &Spans, ptr: &str, message: String) -> Error {
    // Point at the value, or at its key when the value starts on a later line (a block
    // scalar or a nested map): that line names the entry.
    let span = spans.nearest(ptr).map(|(_, s)| match s.key {
        Some(k) if k.start.line < s.value.start.line => k,
        _ => s.value,
    });
    Error {
        message,
        file: Some(path.to_path_buf()),
        span,
        source_text: Some(text.clone()),
        hint: None,
    }
}

/// Fields kustomize knows but Strata does not implement: an error naming the field.
const UNSUPPORTED: [&str; 12] = [
    "openapi",
    "replacements",
    "vars",
    "crds",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "buildMetadata",
];

/// Fields Strata implements.
const SUPPORTED: [&str; 22] = [
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "images",
    "imageTags",
    "replicas",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "sortOptions",
];

/// Parses and decodes a kustomization file.
pub fn parse(path: &Path, dir: &Path, text: Arc<str>) -> Result<KustFile, Error> {
    let docs = strata_yaml::parse(&text, &opts(false)).map_err(|e| Error {
        message: format!("invalid kustomization: {}", e.message),
        file: Some(path.to_path_buf()),
        span: Some(e.span),
        source_text: Some(text.clone()),
        hint: None,
    })?;
    // sigs.k8s.io/yaml reads only the first document of the stream.
    let value = docs
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap_or(Value::Null);
    let kf = KustFile {
        path: path.to_path_buf(),
        dir: dir.to_path_buf(),
        text: text.clone(),
        spans: OnceLock::new(),
        k: empty_kustomization(),
    };
    let dec = Dec { kf: &kf };
    let k = dec.kustomization(&value)?;
    Ok(KustFile { k, ..kf })
}

/// A kustomization with no fields set.
fn empty_kustomization() -> Kustomization {
    Kustomization {
        kind: KustKind::Kustomization,
        resources: Vec::new(),
        components: Vec::new(),
        namespace: None,
        name_prefix: None,
        name_suffix: None,
        common_labels: Vec::new(),
        labels: Vec::new(),
        common_annotations: Vec::new(),
        patches: Vec::new(),
        patches_strategic_merge: Vec::new(),
        patches_json6902: Vec::new(),
        images: Vec::new(),
        replicas: Vec::new(),
        config_map_generator: Vec::new(),
        secret_generator: Vec::new(),
        generator_options: None,
        sort_options: None,
    }
}

struct Dec<'a> {
    kf: &'a KustFile,
}

/// A decoded field: its canonical name, value and pointer.
type Field<'v> = (&'static str, &'v Value, String);

impl<'a> Dec<'a> {
    fn err(&self, ptr: &str, message: String) -> Error {
        self.kf.error_at(ptr, message)
    }

    fn key_span_err(&self, ptr: &str, message: String) -> Error {
        let mut e = self.err(ptr, message);
        if let Some(ns) = self.kf.spans().get(ptr) {
            if let Some(k) = ns.key {
                e.span = Some(k);
            }
        }
        e
    }

    fn type_err(&self, ptr: &str, what: &str, expected: &str, v: &Value) -> Error {
        self.err(
            ptr,
            format!(
                "invalid kustomization: {what} must be {expected}, not {}",
                type_name(v)
            ),
        )
    }

    /// The fields of a map in Go's decoding order (keys sorted, as `sigs.k8s.io/yaml` emits
    /// JSON), matched to `known` names exactly or ASCII-case-insensitively.
    fn fields<'v>(
        &self,
        v: &'v Value,
        ptr: &str,
        what: &str,
        known: &[&'static str],
    ) -> Result<Vec<Field<'v>>, Error> {
        let map = match v {
            Value::Null => return Ok(Vec::new()),
            Value::Object(m) => m,
            other => return Err(self.type_err(ptr, what, "a map", other)),
        };
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let fptr = strata_yaml::pointer_push(ptr, key);
            let name = known
                .iter()
                .find(|k| **k == key.as_str())
                .or_else(|| known.iter().find(|k| k.eq_ignore_ascii_case(key)));
            match name {
                Some(n) => out.push((*n, &map[key.as_str()], fptr)),
                None => {
                    let mut e = self.key_span_err(
                        &fptr,
                        format!("invalid kustomization: unknown field `{key}` in {what}"),
                    );
                    if let Some(best) = strata_yaml::did_you_mean(key, known.iter().copied()) {
                        e.hint = Some(format!("did you mean `{best}`?"));
                    }
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    fn string(&self, v: &Value, ptr: &str, what: &str) -> Result<Option<String>, Error> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            other => Err(self.type_err(ptr, what, "a string", other)),
        }
    }

    fn str_entry(&self, v: &Value, ptr: &str, what: &str) -> Result<Option<Str>, Error> {
        Ok(self.string(v, ptr, what)?.map(|value| Str {
            value,
            ptr: ptr.to_string(),
        }))
    }

    fn boolean(&self, v: &Value, ptr: &str, what: &str) -> Result<bool, Error> {
        match v {
            Value::Null => Ok(false),
            Value::Bool(b) => Ok(*b),
            other => Err(self.type_err(ptr, what, "a boolean", other)),
        }
    }

    fn int64(&self, v: &Value, ptr: &str, what: &str) -> Result<i64, Error> {
        match v {
            Value::Null => Ok(0),
            Value::Number(n) => n.as_i64().ok_or_else(|| {
                self.err(
                    ptr,
                    format!("invalid kustomization: {what} must be an integer, not {n}"),
                )
            }),
            other => Err(self.type_err(ptr, what, "an integer", other)),
        }
    }

    fn list<'v>(
        &self,
        v: &'v Value,
        ptr: &str,
        what: &str,
    ) -> Result<Vec<(&'v Value, String)>, Error> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, item)| (item, format!("{ptr}/{i}")))
                .collect()),
            other => Err(self.type_err(ptr, what, "a list", other)),
        }
    }

    fn string_list(&self, v: &Value, ptr: &str, what: &str) -> Result<Vec<Str>, Error> {
        let mut out = Vec::new();
        for (item, iptr) in self.list(v, ptr, what)? {
            // Go decodes a null list element of []string as "".
            let value = self
                .string(item, &iptr, &format!("each entry of {what}"))?
                .unwrap_or_default();
            out.push(Str { value, ptr: iptr });
        }
        Ok(out)
    }

    fn plain_string_list(&self, v: &Value, ptr: &str, what: &str) -> Result<Vec<String>, Error> {
        Ok(self
            .string_list(v, ptr, what)?
            .into_iter()
            .map(|s| s.value)
            .collect())
    }

    fn string_map(
        &self,
        v: &Value,
        ptr: &str,
        what: &str,
    ) -> Result<Option<Vec<(String, String)>>, Error> {
        let map: &Map<String, Value> = match v {
            Value::Null => return Ok(None),
            Value::Object(m) => m,
            other => return Err(self.type_err(ptr, what, "a map of strings", other)),
        };
        let mut out = Vec::with_capacity(map.len());
        for (k, val) in map {
            let vptr = strata_yaml::pointer_push(ptr, k);
            let s = self
                .string(val, &vptr, &format!("the value of `{k}` in {what}"))?
                .unwrap_or_default();
            out.push((k.clone(), s));
        }
        Ok(Some(out))
    }

    fn kustomization(&self, v: &Value) -> Result<Kustomization, Error> {
        if !matches!(v, Value::Null | Value::Object(_)) {
            return Err(self.type_err("", "a kustomization", "a map", v));
        }
        let mut known: Vec<&'static str> = SUPPORTED.to_vec();
        known.extend_from_slice(&UNSUPPORTED);
        let fields = self.fields(v, "", "the kustomization", &known)?;
        let mut k = empty_kustomization();
        let mut kind: Option<(String, String)> = None;
        let mut api_version: Option<(String, String)> = None;
        let mut bases = Vec::new();
        let mut image_tags = Vec::new();
        let mut nonempty = false;
        for (name, val, ptr) in fields {
            let present = !is_zero(val);
            if !matches!(name, "apiVersion" | "kind") && present {
                nonempty = true;
            }
            match name {
                "apiVersion" => {
                    api_version = self.string(val, &ptr, "apiVersion")?.map(|s| (s, ptr))
                }
                "kind" => kind = self.string(val, &ptr, "kind")?.map(|s| (s, ptr)),
                "metadata" => self.object_meta(val, &ptr)?,
                "resources" => k.resources = self.string_list(val, &ptr, "resources")?,
                "bases" => bases = self.string_list(val, &ptr, "bases")?,
                "components" => k.components = self.string_list(val, &ptr, "components")?,
                "namespace" => k.namespace = self.str_entry(val, &ptr, "namespace")?,
                "namePrefix" => k.name_prefix = self.str_entry(val, &ptr, "namePrefix")?,
                "nameSuffix" => k.name_suffix = self.str_entry(val, &ptr, "nameSuffix")?,
                "commonLabels" => {
                    k.common_labels = self
                        .string_map(val, &ptr, "commonLabels")?
                        .unwrap_or_default()
                }
                "commonAnnotations" => {
                    k.common_annotations = self
                        .string_map(val, &ptr, "commonAnnotations")?
                        .unwrap_or_default()
                }
                "labels" => {
                    for (item, iptr) in self.list(val, &ptr, "labels")? {
                        k.labels.push(self.label(item, &iptr)?);
                    }
                }
                "patches" => {
                    for (item, iptr) in self.list(val, &ptr, "patches")? {
                        k.patches.push(self.patch(item, &iptr, "a patches entry")?);
                    }
                }
                "patchesStrategicMerge" => {
                    k.patches_strategic_merge =
                        self.string_list(val, &ptr, "patchesStrategicMerge")?
                }
                "patchesJson6902" => {
                    for (item, iptr) in self.list(val, &ptr, "patchesJson6902")? {
                        k.patches_json6902.push(self.patch(
                            item,
                            &iptr,
                            "a patchesJson6902 entry",
                        )?);
                    }
                }
                "images" | "imageTags" => {
                    let mut out = Vec::new();
                    for (item, iptr) in self.list(val, &ptr, name)? {
                        out.push(self.image(item, &iptr)?);
                    }
                    if name == "images" {
                        k.images = out;
                    } else {
                        image_tags = out;
                    }
                }
                "replicas" => {
                    for (item, iptr) in self.list(val, &ptr, "replicas")? {
                        k.replicas.push(self.replica(item, &iptr)?);
                    }
                }
                "configMapGenerator" | "secretGenerator" => {
                    let secret = name == "secretGenerator";
                    let mut out = Vec::new();
                    for (item, iptr) in self.list(val, &ptr, name)? {
                        out.push(self.generator(item, &iptr, secret)?);
                    }
                    if secret {
                        k.secret_generator = out;
                    } else {
                        k.config_map_generator = out;
                    }
                }
                "generatorOptions" => {
                    k.generator_options = self.gen_options(val, &ptr, "generatorOptions")?
                }
                "sortOptions" => k.sort_options = self.sort_options(val, &ptr)?,
                other => {
                    debug_assert!(UNSUPPORTED.contains(&other));
                    let empty = match val {
                        Value::Array(a) => a.is_empty(),
                        Value::Object(m) => m.is_empty(),
                        _ => !present,
                    };
                    if !empty {
                        return Err(self
                            .key_span_err(
                                &ptr,
                                format!(
                                    "the kustomization field `{other}` is not supported by Strata"
                                ),
                            )
                            .with_hint("remove it, or build this folder with kubectl kustomize"));
                    }
                }
            }
        }
        k.resources.extend(bases);
        k.images.extend(image_tags);
        if let Some((kd, ptr)) = &kind {
            k.kind = match kd.as_str() {
                "" | "Kustomization" => KustKind::Kustomization,
                "Component" => KustKind::Component,
                _ => {
                    return Err(self
                        .err(ptr, format!("invalid kustomization: kind should be Kustomization or Component, not `{kd}`")))
                }
            };
        }
        if let Some((av, ptr)) = &api_version {
            let required = match k.kind {
                KustKind::Kustomization => "kustomize.config.k8s.io/v1beta1",
                KustKind::Component => "kustomize.config.k8s.io/v1alpha1",
            };
            if !av.is_empty() && av != required {
                return Err(self.err(
                    ptr,
                    format!(
                        "invalid kustomization: apiVersion for {} should be {required}, not `{av}`",
                        if k.kind == KustKind::Component {
                            "Component"
                        } else {
                            "Kustomization"
                        }
                    ),
                ));
            }
        }
        if !nonempty {
            let name = self
                .kf
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Err(Error::in_file(format!("{name} is empty"), &self.kf.path)
                .with_hint("list at least one resource, component or generator"));
        }
        Ok(k)
    }

    fn object_meta(&self, v: &Value, ptr: &str) -> Result<(), Error> {
        for (name, val, fptr) in self.fields(
            v,
            ptr,
            "metadata",
            &["name", "namespace", "labels", "annotations"],
        )? {
            match name {
                "name" | "namespace" => {
                    self.string(val, &fptr, name)?;
                }
                _ => {
                    self.string_map(val, &fptr, name)?;
                }
            }
        }
        Ok(())
    }

    fn label(&self, v: &Value, ptr: &str) -> Result<Label, Error> {
        let mut l = Label {
            ptr: ptr.to_string(),
            ..Label::default()
        };
        let known = ["pairs", "includeSelectors", "includeTemplates", "fields"];
        for (name, val, fptr) in self.fields(v, ptr, "a labels entry", &known)? {
            match name {
                "pairs" => l.pairs = self.string_map(val, &fptr, "pairs")?.unwrap_or_default(),
                "includeSelectors" => {
                    l.include_selectors = self.boolean(val, &fptr, "includeSelectors")?
                }
                "includeTemplates" => {
                    l.include_templates = self.boolean(val, &fptr, "includeTemplates")?
                }
                _ => {
                    for (item, iptr) in self.list(val, &fptr, "fields")? {
                        l.fields.push(self.field_spec(item, &iptr)?);
                    }
                }
            }
        }
        Ok(l)
    }

    fn field_spec(&self, v: &Value, ptr: &str) -> Result<FieldSpec, Error> {
        let mut fs = FieldSpec::default();
        for (name, val, fptr) in self.fields(
            v,
            ptr,
            "a field spec",
            &["group", "version", "kind", "path", "create"],
        )? {
            match name {
                "create" => fs.create = self.boolean(val, &fptr, "create")?,
                _ => {
                    let s = self.string(val, &fptr, name)?.unwrap_or_default();
                    match name {
                        "group" => fs.gvk.group = s,
                        "version" => fs.gvk.version = s,
                        "kind" => fs.gvk.kind = s,
                        _ => fs.path = s,
                    }
                }
            }
        }
        Ok(fs)
    }

    fn patch(&self, v: &Value, ptr: &str, what: &str) -> Result<Patch, Error> {
        let mut p = Patch {
            ptr: ptr.to_string(),
            ..Patch::default()
        };
        for (name, val, fptr) in
            self.fields(v, ptr, what, &["path", "patch", "target", "options"])?
        {
            match name {
                "path" => p.path = self.string(val, &fptr, "path")?.filter(|s| !s.is_empty()),
                "patch" => p.patch = self.string(val, &fptr, "patch")?,
                "target" => {
                    if !val.is_null() {
                        p.target = Some(self.selector(val, &fptr)?);
                    }
                }
                _ => {
                    let map = match val {
                        Value::Null => continue,
                        Value::Object(m) => m,
                        other => {
                            return Err(self.type_err(&fptr, "options", "a map of booleans", other))
                        }
                    };
                    for (k, b) in map {
                        let bptr = strata_yaml::pointer_push(&fptr, k);
                        let b = self.boolean(b, &bptr, &format!("options.{k}"))?;
                        match k.as_str() {
                            "allowNameChange" => p.allow_name_change = b,
                            "allowKindChange" => p.allow_kind_change = b,
                            _ => {}
                        }
                    }
                }
            }
        }
        Ok(p)
    }

    fn selector(&self, v: &Value, ptr: &str) -> Result<Selector, Error> {
        let mut s = Selector::default();
        let known = [
            "group",
            "version",
            "kind",
            "name",
            "namespace",
            "labelSelector",
            "annotationSelector",
        ];
        for (name, val, fptr) in self.fields(v, ptr, "a patch target", &known)? {
            let value = self.string(val, &fptr, name)?.unwrap_or_default();
            match name {
                "group" => s.group = value,
                "version" => s.version = value,
                "kind" => s.kind = value,
                "name" => s.name = value,
                "namespace" => s.namespace = value,
                "labelSelector" => s.label_selector = value,
                _ => s.annotation_selector = value,
            }
        }
        Ok(s)
    }

    fn image(&self, v: &Value, ptr: &str) -> Result<Image, Error> {
        let mut im = Image {
            ptr: ptr.to_string(),
            ..Image::default()
        };
        let known = ["name", "newName", "newTag", "digest", "tagSuffix"];
        for (name, val, fptr) in self.fields(v, ptr, "an images entry", &known)? {
            let value = self.string(val, &fptr, name)?.unwrap_or_default();
            match name {
                "name" => im.name = value,
                "newName" => im.new_name = value,
                "newTag" => im.new_tag = value,
                "digest" => im.digest = value,
                _ => im.tag_suffix = value,
            }
        }
        Ok(im)
    }

    fn replica(&self, v: &Value, ptr: &str) -> Result<Replica, Error> {
        let mut r = Replica {
            ptr: ptr.to_string(),
            ..Replica::default()
        };
        for (name, val, fptr) in self.fields(v, ptr, "a replicas entry", &["name", "count"])? {
            match name {
                "name" => r.name = self.string(val, &fptr, "name")?.unwrap_or_default(),
                _ => r.count = self.int64(val, &fptr, "count")?,
            }
        }
        Ok(r)
    }

    fn generator(&self, v: &Value, ptr: &str, secret: bool) -> Result<GenArgs, Error> {
        let mut g = GenArgs {
            ptr: ptr.to_string(),
            ..GenArgs::default()
        };
        let mut known = vec![
            "name",
            "namespace",
            "behavior",
            "literals",
            "files",
            "envs",
            "env",
            "options",
        ];
        if secret {
            known.push("type");
        }
        let what = if secret {
            "a secretGenerator entry"
        } else {
            "a configMapGenerator entry"
        };
        let mut env = None;
        for (name, val, fptr) in self.fields(v, ptr, what, &known)? {
            match name {
                "name" => g.name = self.string(val, &fptr, name)?.unwrap_or_default(),
                "namespace" => g.namespace = self.string(val, &fptr, name)?.unwrap_or_default(),
                "behavior" => g.behavior = self.string(val, &fptr, name)?.unwrap_or_default(),
                "type" => g.secret_type = self.string(val, &fptr, name)?.unwrap_or_default(),
                "literals" => g.literals = self.string_list(val, &fptr, name)?,
                "files" => g.files = self.string_list(val, &fptr, name)?,
                "envs" => g.envs = self.string_list(val, &fptr, name)?,
                "env" => {
                    env = self
                        .str_entry(val, &fptr, name)?
                        .filter(|s| !s.value.is_empty())
                }
                _ => g.options = self.gen_options(val, &fptr, "options")?,
            }
        }
        // kustomize's FixKustomization appends the legacy `env` to `envs`.
        g.envs.extend(env);
        Ok(g)
    }

    fn gen_options(&self, v: &Value, ptr: &str, what: &str) -> Result<Option<GenOptions>, Error> {
        if v.is_null() {
            return Ok(None);
        }
        let mut o = GenOptions::default();
        let known = [
            "labels",
            "annotations",
            "disableNameSuffixHash",
            "immutable",
        ];
        for (name, val, fptr) in self.fields(v, ptr, what, &known)? {
            match name {
                "labels" => o.labels = self.string_map(val, &fptr, "labels")?,
                "annotations" => o.annotations = self.string_map(val, &fptr, "annotations")?,
                "disableNameSuffixHash" => {
                    o.disable_name_suffix_hash = self.boolean(val, &fptr, name)?
                }
                _ => o.immutable = self.boolean(val, &fptr, name)?,
            }
        }
        Ok(Some(o))
    }

    fn sort_options(&self, v: &Value, ptr: &str) -> Result<Option<SortOptions>, Error> {
        if v.is_null() {
            return Ok(None);
        }
        let mut s = SortOptions {
            ptr: ptr.to_string(),
            ..SortOptions::default()
        };
        for (name, val, fptr) in
            self.fields(v, ptr, "sortOptions", &["order", "legacySortOptions"])?
        {
            match name {
                "order" => s.order = self.string(val, &fptr, "order")?.unwrap_or_default(),
                _ => {
                    if val.is_null() {
                        continue;
                    }
                    let mut first = Vec::new();
                    let mut last = Vec::new();
                    for (n, lv, lptr) in self.fields(
                        val,
                        &fptr,
                        "legacySortOptions",
                        &["orderFirst", "orderLast"],
                    )? {
                        let list = self.plain_string_list(lv, &lptr, n)?;
                        if n == "orderFirst" {
                            first = list;
                        } else {
                            last = list;
                        }
                    }
                    s.legacy = Some((first, last));
                }
            }
        }
        Ok(Some(s))
    }
}

/// Whether a decoded value leaves a Go struct field at its zero value (for kustomize's
/// "kustomization is empty" check).
fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<KustFile, Error> {
        parse(
            Path::new("kustomization.yaml"),
            Path::new("."),
            Arc::from(s),
        )
    }

    #[test]
    fn unknown_fields_are_errors_with_a_position_and_a_hint() {
        let e = parse_str("resources: [a.yaml]\nnamePrefx: x-\n").unwrap_err();
        assert!(e.message.contains("unknown field `namePrefx`"), "{e}");
        assert_eq!(e.span.map(|s| s.start.line), Some(2));
        assert_eq!(e.hint.as_deref(), Some("did you mean `namePrefix`?"));
    }

    #[test]
    fn field_names_match_case_insensitively_like_go() {
        let k = parse_str("RESOURCES: [a.yaml]\nNamePrefix: p-\n")
            .unwrap()
            .k;
        assert_eq!(k.resources[0].value, "a.yaml");
        assert_eq!(k.name_prefix.unwrap().value, "p-");
    }

    #[test]
    fn yaml_1_1_booleans_are_not_strings() {
        let e = parse_str("resources: [a.yaml]\nnamespace: n\n").unwrap_err();
        assert!(
            e.message
                .contains("namespace must be a string, not a boolean"),
            "{e}"
        );
    }

    #[test]
    fn unsupported_fields_are_named() {
        let e = parse_str("resources: [a.yaml]\nreplacements:\n- source: {kind: X}\n").unwrap_err();
        assert!(e.message.contains("`replacements` is not supported"), "{e}");
        assert!(parse_str("resources: [a.yaml]\nvars: []\n").is_ok());
    }

    #[test]
    fn empty_kustomizations_are_errors() {
        assert!(parse_str("kind: Kustomization\n")
            .unwrap_err()
            .message
            .contains("is empty"));
        assert!(parse_str("# nothing\n").is_err());
        assert!(parse_str("resources: []\n").is_ok());
    }

    #[test]
    fn legacy_fields_are_appended() {
        let k = parse_str(
            "resources: [a]\nbases: [b]\nimages: [{name: x}]\nimageTags: [{name: z}]\nconfigMapGenerator:\n- name: c\n  env: e.env\n  envs: [f.env]\n",
        )
        .unwrap()
        .k;
        let r: Vec<_> = k.resources.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(r, ["a", "b"]);
        assert_eq!(k.images.len(), 2);
        let envs: Vec<_> = k.config_map_generator[0]
            .envs
            .iter()
            .map(|s| s.value.as_str())
            .collect();
        assert_eq!(envs, ["f.env", "e.env"]);
    }
}
