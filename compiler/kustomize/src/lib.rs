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
//! under [`filters`], modelled on kustomize's `api/filters/*`.
//!
//! Differences from kustomize are deliberate and limited to errors: every error names the file
//! and the line and column of the entry at fault; a field Strata does not support (helm charts,
//! replacements, vars, plugins…) is an error; an unknown generator `behavior` is an error.

// The public `Error` (message, file, span, source text, hint) is larger than clippy likes for
// an `Err` variant; errors are rare and its shape is part of the API Strata consumes.
#![allow(clippy::result_large_err)]

mod error;
mod filters;
mod kustfile;
mod loader;
mod openapi;
mod resid;
mod resmap;
mod resource;
mod target;
mod value;

use std::path::{Path, PathBuf};

pub use error::Error;
pub use resid::{Gvk, ResId};

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
