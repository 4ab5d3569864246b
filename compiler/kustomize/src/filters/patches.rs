//! The patch transformers: `patches` (`PatchTransformer`: strategic merge or JSON 6902, with
//! or without a target), the legacy `patchesStrategicMerge` and `patchesJson6902`.

use serde_json::Value;
use strata_yaml::ParseOptions;

use crate::error::Error;
use crate::filters::json6902;
use crate::filters::selector::Target;
use crate::filters::smp;
use crate::kustfile::{KustFile, Patch, Str};
use crate::loader::Fs;
use crate::resmap::ResMap;
use crate::resource::{merge_string_maps, Resource};

/// A parsed patch.
enum Parsed {
    /// Strategic merge patch documents.
    Smp(Vec<Value>),
    /// JSON 6902 operations (or why they do not decode).
    Json(Result<json6902::Patch, String>),
}

/// kustomize's `SliceFromBytes` for patches: Kubernetes objects (read like resource files).
fn parse_smp(text: &str) -> Result<Vec<Value>, String> {
    let docs = strata_yaml::parse(text, &ParseOptions::kubernetes()).map_err(|e| e.to_string())?;
    crate::target::validate_documents(docs.into_iter().map(|d| d.value).collect())
}

/// kustomize's `jsonPatchFromBytes`: a JSON array, or YAML read as YAML 1.1.
fn parse_json(text: &str) -> Result<json6902::Patch, String> {
    if text.is_empty() {
        return Err("empty json patch operations".into());
    }
    let v = if text.starts_with('[') {
        serde_json::from_str(text).map_err(|e| e.to_string())?
    } else {
        json6902::parse_text(text)?
    };
    if v.is_null() {
        // Go decodes `null` into an empty list of operations.
        return Ok(json6902::Patch::default());
    }
    json6902::Patch::decode(&v)
}

fn patch_text(fs: &Fs, k: &KustFile, p: &Patch) -> Result<(String, String), Error> {
    let inline = p.patch.as_deref().map(str::trim).unwrap_or("");
    match (inline.is_empty(), &p.path) {
        (true, None) => Err(k.error_at(&p.ptr, "a patch must have one of `patch` and `path`")),
        (false, Some(_)) => Err(k.error_at(&p.ptr, "a patch cannot have both `patch` and `path`")),
        (false, None) => Ok((inline.to_string(), format!("{}/patch", p.ptr))),
        (true, Some(path)) => read_patch_file(fs, k, &p.ptr, path),
    }
}

/// Reads the file of a patch entry's `path` (entry at `entry_ptr`) as text; errors point at
/// the `path` field. Returns the text and that pointer.
fn read_patch_file(
    fs: &Fs,
    k: &KustFile,
    entry_ptr: &str,
    path: &str,
) -> Result<(String, String), Error> {
    let ptr = format!("{entry_ptr}/path");
    let (_, bytes) = fs
        .load_file(&k.dir, path)
        .map_err(|e| k.error_at(&ptr, format!("cannot read patch '{path}': {}", e.message())))?;
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| k.error_at(&ptr, format!("patch '{path}' is not valid UTF-8")))?;
    Ok((text, ptr))
}

fn parse_either(text: &str) -> Result<Parsed, String> {
    let smp = parse_smp(text);
    let json = parse_json(text);
    match (smp, json) {
        (Ok(_), Ok(_)) => {
            Err("the patch qualifies as both a strategic merge and a JSON patch".into())
        }
        (Err(e1), Err(e2)) => Err(format!(
            "unable to parse the patch as a strategic merge patch ({e1}) or as a JSON patch ({e2})"
        )),
        (Ok(docs), Err(_)) if !docs.is_empty() => Ok(Parsed::Smp(docs)),
        // kustomize falls back to JSON when the text holds no object, e.g. `{}`: it then needs
        // a target, and fails to decode (checked against kubectl).
        (Ok(_), Err(e)) => Ok(Parsed::Json(Err(e))),
        (Err(_), Ok(ops)) => Ok(Parsed::Json(Ok(ops))),
    }
}

/// Options of a strategic merge patch.
#[derive(Clone, Copy, Default)]
struct SmpOptions {
    allow_name_change: bool,
    allow_kind_change: bool,
}

/// kustomize's `Resource.ApplySmPatch`: merges, then restores kind, name and namespace unless
/// the options allow them to change.
fn apply_to_resource(r: &mut Resource, patch: Value, o: SmpOptions) -> Result<(), String> {
    let (name, ns, kind) = (
        r.name().into_owned(),
        r.namespace().into_owned(),
        r.kind().into_owned(),
    );
    if o.allow_name_change || o.allow_kind_change {
        r.store_previous_id();
    }
    let obj = std::mem::take(&mut r.obj);
    match smp::merge(obj, patch)? {
        None => {
            r.obj = Value::Null;
            return Ok(());
        }
        Some(v) => r.obj = v,
    }
    if r.is_empty() {
        return Ok(());
    }
    if !o.allow_kind_change {
        r.set_kind(&kind);
    }
    if !o.allow_name_change {
        r.set_name(&name);
    }
    r.set_namespace(&ns);
    Ok(())
}

/// kustomize's `resWrangler.ApplySmPatch`: the patch is copied per target with its labels and
/// annotations re-set as strings (so a `null` label value becomes the string `"null"`, as in
/// kubectl), takes the target's apiVersion, and the accumulator is rebuilt afterwards.
fn apply_to_selected(
    acc: &mut ResMap,
    selected: &[usize],
    patch: &Value,
    o: SmpOptions,
) -> Result<(), String> {
    let base = Resource::new(patch.clone());
    for &i in selected {
        let mut copy = base.clone();
        let labels = copy.labels();
        copy.set_string_map("labels", merge_string_maps(&[&labels, &labels]));
        let annotations = copy.annotations();
        copy.set_string_map(
            "annotations",
            merge_string_maps(&[&annotations, &annotations]),
        );
        let (name, ns) = (copy.name().into_owned(), copy.namespace().into_owned());
        copy.set_name(&name);
        copy.set_namespace(&ns);
        acc.modify(i, |r| {
            copy.set_api_version(&r.api_version());
            apply_to_resource(r, copy.obj, o)
        })?;
    }
    acc.rebuild()
        .map_err(|id| format!("may not add resource with an already registered id: {id}"))
}

fn smp_target(acc: &ResMap, patch: &Value) -> Result<usize, (String, Option<String>)> {
    let id = Resource::new(patch.clone()).cur_id();
    let matches = acc.matching_any_id(&id);
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => {
            let same_kind: Vec<String> = acc
                .resources()
                .iter()
                .filter(|r| r.kind() == id.gvk.kind)
                .take(6)
                .map(|r| r.cur_id().to_string())
                .collect();
            let hint = if same_kind.is_empty() {
                format!("no {} is in the build at this point", id.gvk.kind)
            } else {
                format!(
                    "the patch's apiVersion, kind, metadata.name and metadata.namespace must name one object; {} objects here: {}",
                    id.gvk.kind,
                    same_kind.join(", ")
                )
            };
            Err((
                format!("no resource matches strategic merge patch \"{id}\""),
                Some(hint),
            ))
        }
        _ => Err((
            format!("multiple resources match strategic merge patch \"{id}\""),
            None,
        )),
    }
}

fn selected(acc: &ResMap, target: &Target) -> Vec<usize> {
    acc.resources()
        .iter()
        .enumerate()
        .filter(|(_, r)| target.selects(r))
        .map(|(i, _)| i)
        .collect()
}

fn apply_json(
    acc: &mut ResMap,
    sel: &[usize],
    ops: &json6902::Patch,
    store_previous: bool,
) -> Result<(), String> {
    for &i in sel {
        let r = &mut acc.resources_mut()[i];
        if store_previous {
            r.store_previous_id();
        }
        let id = r.cur_id();
        ops.apply(&mut r.obj)
            .map_err(|e| format!("{e} (in {id})"))?;
        if !r.obj.is_object() {
            return Err(format!(
                "the JSON patch turned {id} into something that is not an object"
            ));
        }
    }
    Ok(())
}

/// One `patches` entry.
pub fn apply_entry(fs: &Fs, k: &KustFile, p: &Patch, acc: &mut ResMap) -> Result<(), Error> {
    let (text, ptr) = patch_text(fs, k, p)?;
    let parsed = parse_either(&text).map_err(|m| k.error_at(&ptr, m))?;
    let at = |m: String| k.error_at(&p.ptr, m);
    let target = match &p.target {
        Some(t) => Some(Target::new(t).map_err(|m| k.error_at(&format!("{}/target", p.ptr), m))?),
        None => None,
    };
    match parsed {
        Parsed::Smp(docs) => {
            let o = SmpOptions {
                allow_name_change: p.allow_name_change,
                allow_kind_change: p.allow_kind_change,
            };
            match target {
                None => {
                    for doc in docs {
                        let i = smp_target(acc, &doc).map_err(|(m, hint)| {
                            let e = k.error_at(&p.ptr, m);
                            match hint {
                                Some(h) => e.with_hint(h),
                                None => e,
                            }
                        })?;
                        acc.modify(i, |r| apply_to_resource(r, doc, o))
                            .map_err(at)?;
                        acc.rebuild().map_err(|id| {
                            at(format!(
                                "may not add resource with an already registered id: {id}"
                            ))
                        })?;
                    }
                    Ok(())
                }
                Some(t) => {
                    if docs.len() != 1 {
                        return Err(k.error_at(
                            &ptr,
                            format!(
                                "a patch with a target must hold exactly one document, found {}",
                                docs.len()
                            ),
                        ));
                    }
                    let sel = selected(acc, &t);
                    apply_to_selected(acc, &sel, &docs[0], o).map_err(at)
                }
            }
        }
        Parsed::Json(ops) => {
            let Some(t) = target else {
                return Err(at("a JSON patch must have a target".into())
                    .with_hint("add `target:` with the kind and name of the objects to patch"));
            };
            let ops = ops.map_err(|m| k.error_at(&ptr, format!("decoding the JSON patch: {m}")))?;
            let sel = selected(acc, &t);
            apply_json(acc, &sel, &ops, true).map_err(|m| k.error_at(&ptr, m))
        }
    }
}

/// The legacy `patchesStrategicMerge` list, applied by one transformer.
pub fn apply_legacy_smp(
    fs: &Fs,
    k: &KustFile,
    entries: &[Str],
    acc: &mut ResMap,
) -> Result<(), Error> {
    let mut patches: Vec<(Value, &str)> = Vec::new();
    for e in entries {
        // kustomize first tries the string itself as YAML, then as a file name.
        if let Ok(docs) = parse_smp(&e.value) {
            patches.extend(docs.into_iter().map(|d| (d, e.ptr.as_str())));
            continue;
        }
        let (_, bytes) = fs.load_file(&k.dir, &e.value).map_err(|err| {
            k.error_at(
                &e.ptr,
                format!("cannot read patch '{}': {}", e.value, err.message()),
            )
        })?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| k.error_at(&e.ptr, format!("patch '{}' is not valid UTF-8", e.value)))?;
        let docs = parse_smp(&text)
            .map_err(|m| k.error_at(&e.ptr, format!("patch '{}': {m}", e.value)))?;
        patches.extend(docs.into_iter().map(|d| (d, e.ptr.as_str())));
    }
    if patches.is_empty() {
        let ptr = entries.first().map(|e| e.ptr.as_str()).unwrap_or("");
        return Err(k.error_at(ptr, "patchesStrategicMerge: the patches appear to be empty"));
    }
    for (doc, ptr) in patches {
        let i = smp_target(acc, &doc).map_err(|(m, hint)| {
            let e = k.error_at(ptr, m);
            match hint {
                Some(h) => e.with_hint(h),
                None => e,
            }
        })?;
        apply_to_selected(acc, &[i], &doc, SmpOptions::default())
            .map_err(|m| k.error_at(ptr, m))?;
    }
    Ok(())
}

/// One legacy `patchesJson6902` entry.
pub fn apply_legacy_json(fs: &Fs, k: &KustFile, p: &Patch, acc: &mut ResMap) -> Result<(), Error> {
    let Some(sel) = &p.target else {
        return Err(k.error_at(&p.ptr, "a patchesJson6902 entry must have a target"));
    };
    if sel.name.is_empty() {
        return Err(k.error_at(
            &format!("{}/target", p.ptr),
            "a patchesJson6902 target must have a name",
        ));
    }
    let inline = p.patch.clone().unwrap_or_default();
    let (text, ptr) = match (&p.path, inline.is_empty()) {
        (None, true) => {
            return Err(k.error_at(&p.ptr, "a patchesJson6902 entry needs `path` or `patch`"))
        }
        (Some(_), false) => {
            return Err(k.error_at(
                &p.ptr,
                "a patchesJson6902 entry cannot have both `path` and `patch`",
            ))
        }
        (None, false) => (inline, format!("{}/patch", p.ptr)),
        (Some(path), true) => {
            let (text, ptr) = read_patch_file(fs, k, &p.ptr, path)?;
            if text.is_empty() {
                return Err(k.error_at(&ptr, format!("patch file '{path}' is empty")));
            }
            (text, ptr)
        }
    };
    let ops =
        parse_json(&text).map_err(|m| k.error_at(&ptr, format!("decoding the JSON patch: {m}")))?;
    if ops.is_empty() {
        return Err(k.error_at(&ptr, "the JSON patch appears to be empty"));
    }
    let target = Target::new(sel).map_err(|m| k.error_at(&format!("{}/target", p.ptr), m))?;
    let s = selected(acc, &target);
    apply_json(acc, &s, &ops, false).map_err(|m| k.error_at(&ptr, m))
}
