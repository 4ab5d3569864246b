//! A re-implementation of `kubectl kustomize` (kustomize v5.5.0) whose output equals kubectl's.
//!
//! [`build_dir`] builds a kustomization folder like `kubectl kustomize DIR`; [`apply_overlays`]
//! applies kustomize components and a site kustomization to objects Strata rendered itself.
//!
//! The build follows kustomize's algorithm (`api/internal/target/kusttarget.go`): each
//! kustomization accumulates its resources (files, and nested kustomizations built with a fresh
//! accumulator), runs its generators, applies its components to the same accumulator, then runs
//! its transformers in kustomize's fixed order. Only at the top level are generated names hashed,
//! name references fixed and the result sorted. Every transformation lives in its own module
//! under `src/filters/`, modelled on kustomize's `api/filters/*`.
//!
//! Differences from kustomize are deliberate and limited to errors: every error names the file
//! and the line and column of the entry at fault; a field Strata does not support (helm charts,
//! replacements, vars, plugins…) is an error; an unknown generator `behavior` is an error.
//!
//! Behaviour reproduced from kubectl (v1.32, kustomize v5.5.0) beyond the rules summarised in
//! `book/src/design/kustomize.md`, each checked against it (see `tests/cases/`):
//!
//! * an `images` entry with `tagSuffix` drops the digest, and is applied twice to images at the
//!   standard pod-spec paths (`nginx:1` becomes `nginx:1-x-x`); CRDs are never touched;
//! * a generator merged into (or replacing) an existing object gets a hash suffix only if both
//!   asked for one; a plain ConfigMap merged with a generator stays unhashed;
//! * a strategic merge patch with a `target` turns `null` label and annotation values into the
//!   string `"null"` (kustomize re-sets the patch's metadata as strings); without a target,
//!   `null` deletes;
//! * in a several-key merge list (container ports), destination elements are kept unmerged
//!   after the patch-only ones; an element lacking the merge key empties the list around it;
//! * a patch whose text holds no object (`{}`) is taken as a JSON patch that fails to decode;
//! * `IngressClass` references (`spec.ingressClassName`) are never renamed (kustomize's table
//!   writes the group as `networking.k8s.io/v1`); `HTTPRoute` back-ends are not references in
//!   v5.5; `ValidatingAdmissionPolicyBinding.spec.policyName` is;
//! * an env-file line without `=` gives an empty value (not the process environment).

// The public `Error` (message, file, span, source text, hint) is larger than clippy likes for
// an `Err` variant; errors are rare and its shape is part of the API Strata consumes.
#![allow(clippy::result_large_err)]

mod error;
mod filters;
mod kustfile;
mod loader;
mod openapi;
mod record;
mod resid;
mod resmap;
mod resource;
mod target;
mod value;

use std::path::{Path, PathBuf};

pub use error::Error;
pub use record::{ChangeOrigin, FieldChange};
pub use resid::is_cluster_scoped_kind;

/// kustomize's `--load-restrictor`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadRestrictor {
    /// Files a kustomization reads must resolve (after symlinks) in or below its own folder
    /// (`LoadRestrictionsRootOnly`, kustomize's default).
    #[default]
    RootOnly,
    /// Files may be anywhere (`LoadRestrictionsNone`).
    None,
}

/// Build options.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// When set, every file or folder read must resolve (after symlinks) inside this folder,
    /// else the build fails: Strata never reads outside the user's repository.
    pub boundary: Option<PathBuf>,
    /// kustomize's load restrictor.
    pub load_restrictor: LoadRestrictor,
}

/// `kubectl kustomize DIR`: the documents in kubectl's order.
pub fn build_dir(dir: &Path, opts: &Options) -> Result<Vec<serde_json::Value>, Error> {
    let fs = loader::Fs::new(opts)?;
    let out = target::Builder::new(&fs).build_dir(dir)?;
    Ok(out.into_iter().map(|r| r.obj).collect())
}

/// For Strata sites: treat `base` (objects rendered by Strata, each with an opaque tag) as the
/// accumulated resources of a virtual top-level kustomization, apply `components` (each a folder
/// with a `kind: Component` kustomization, in order, exactly as a kustomization's `components:`
/// list would), then, if given, the folder `site_kustomization` (a kustomization folder; its own
/// `resources` are added and its transformers and patches apply to everything, as if `base` were
/// its first resource). Then the top-level finishing steps (hash suffixes, name-reference fixing,
/// sorting per its `sortOptions` or the legacy order). Returns each final object with the tag
/// of the base object it came from (`None` for objects an overlay added or generated).
pub fn apply_overlays<T: Clone>(
    base: Vec<(serde_json::Value, T)>,
    components: &[PathBuf],
    site_kustomization: Option<&Path>,
    opts: &Options,
) -> Result<Vec<(serde_json::Value, Option<T>)>, Error> {
    let fs = loader::Fs::new(opts)?;
    let (objects, tags): (Vec<_>, Vec<_>) = base.into_iter().unzip();
    let out = target::Builder::new(&fs).apply_overlays(objects, components, site_kustomization)?;
    Ok(out
        .into_iter()
        .map(|r| {
            let tag = r.origin.and_then(|i| tags.get(i).cloned());
            (r.obj, tag)
        })
        .collect())
}

/// [`apply_overlays`], also returning what the overlays changed in each base object: every
/// field an entry set, replaced, added or removed, with the entry's file and line, in the order
/// the entries ran (overlay provenance, for `strata explain` and conflict warnings). Without
/// this, nothing is recorded and nothing is copied.
#[allow(clippy::type_complexity)]
pub fn apply_overlays_recorded<T: Clone>(
    base: Vec<(serde_json::Value, T)>,
    components: &[PathBuf],
    site_kustomization: Option<&Path>,
    opts: &Options,
) -> Result<(Vec<(serde_json::Value, Option<T>)>, Vec<FieldChange>), Error> {
    let fs = loader::Fs::new(opts)?;
    let (objects, tags): (Vec<_>, Vec<_>) = base.into_iter().unzip();
    let builder = target::Builder::recording(&fs);
    let out = builder.apply_overlays(objects, components, site_kustomization)?;
    let changes = builder.take_changes();
    let objects = out
        .into_iter()
        .map(|r| {
            let tag = r.origin.and_then(|i| tags.get(i).cloned());
            (r.obj, tag)
        })
        .collect();
    Ok((objects, changes))
}
