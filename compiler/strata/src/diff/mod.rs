//! `strata diff`: what a change does to the rendered output of every site.
//!
//! Input: two revisions (a git revision and another, or the working tree). Each is compiled
//! in memory through the whole pipeline (nothing is written, the working tree and index are
//! not touched); the outputs are compared object by object, keyed by site, service, API group,
//! kind, namespace and name. Output: a [`Report`] — changes grouped across sites, secret
//! values masked, renames by hash suffix paired, risk flags and the impact on the graph —
//! rendered as text, markdown (for a merge-request comment) or JSON.

pub mod compare;
pub mod git;
pub mod render;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diag::{self, Diagnostic};
use crate::emit::SiteOutput;
use crate::graph::ServiceGraph;
use crate::pipeline::Project;

pub use compare::{compare, Change, Report, Risk, Status};

/// The compiled output of one revision.
#[derive(Default)]
pub struct Snapshot {
    /// Files of each site.
    pub sites: BTreeMap<String, SiteOutput>,
    /// Graph of each site.
    pub graphs: BTreeMap<String, ServiceGraph>,
}

/// The site names of a repository (folders of `sites/` with a `site.yaml`).
pub fn site_names(root: &Path) -> BTreeSet<String> {
    std::fs::read_dir(root.join("sites"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("site.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('_'))
        .collect()
}

/// Compiles the given sites of the repository at `root` (sites it does not have are left
/// out: they are added or removed by the change).
pub fn snapshot(root: &Path, sites: &BTreeSet<String>) -> Result<Snapshot, Vec<Diagnostic>> {
    let project = Project::open(root).map_err(|d| vec![d])?;
    snapshot_of(&project, sites)
}

/// [`snapshot`] of an opened project.
pub fn snapshot_of(
    project: &Project,
    sites: &BTreeSet<String>,
) -> Result<Snapshot, Vec<Diagnostic>> {
    let names: Vec<String> = sites
        .iter()
        .filter(|s| project.inputs.sites.contains_key(*s))
        .cloned()
        .collect();
    let mut diags = project.diagnostics.clone();
    let mut snap = Snapshot::default();
    let results: Vec<(String, crate::pipeline::SiteResult)> = {
        use rayon::prelude::*;
        names
            .par_iter()
            .map(|n| {
                let mut r = project.compile_site(n);
                // Only the files and the graph are compared: the objects go now, not when
                // every site has compiled.
                r.objects = Vec::new();
                r.site = None;
                (n.clone(), r)
            })
            .collect()
    };
    for (name, r) in results {
        diags.extend(r.diagnostics);
        if let Some(o) = r.output {
            snap.sites.insert(name.clone(), o);
        }
        if let Some(g) = r.graph {
            snap.graphs.insert(name, g);
        }
    }
    diag::sort_and_dedup(&mut diags);
    if diag::has_errors(&diags) {
        Err(diags)
    } else {
        Ok(snap)
    }
}

/// Compiles the `base` revision and the `head` revision (the working tree when `None`) of the
/// git repository holding `root`, for the named sites (every site of either revision when
/// `sites` is empty). A site in neither revision is an error with a "did you mean"; errors of a
/// revision note which revision they come from. Used by `strata diff` and `strata plan`.
pub fn snapshots(
    root: &Path,
    base: &str,
    head: Option<&str>,
    sites: &[String],
) -> Result<(Snapshot, Snapshot), Vec<Diagnostic>> {
    let root = root.canonicalize().map_err(|e| {
        vec![Diagnostic::error(
            diag::Code::NotFound,
            format!("cannot open `{}`: {e}", root.display()),
        )]
    })?;
    let base_co = git::checkout(&root, base).map_err(|d| vec![d])?;
    let head_co = head
        .map(|h| git::checkout(&root, h))
        .transpose()
        .map_err(|d| vec![d])?;
    let head_root = head_co
        .as_ref()
        .map_or(root.as_path(), |c| c.root.as_path());
    let known: BTreeSet<String> = site_names(&base_co.root)
        .into_iter()
        .chain(site_names(head_root))
        .collect();
    let selected: BTreeSet<String> = if sites.is_empty() {
        known.clone()
    } else {
        let unknown: Vec<Diagnostic> = sites
            .iter()
            .filter(|s| !known.contains(*s))
            .map(|s| {
                let d = Diagnostic::error(
                    diag::Code::NotFound,
                    format!("there is no site `{s}` in either revision"),
                );
                match strata_yaml::did_you_mean(s, known.iter().map(String::as_str)) {
                    Some(near) => d.help(format!("did you mean `{near}`?")),
                    None => d,
                }
            })
            .collect();
        if !unknown.is_empty() {
            return Err(unknown);
        }
        sites.iter().cloned().collect()
    };
    let in_base = |d: Vec<Diagnostic>| -> Vec<Diagnostic> {
        d.into_iter()
            .map(|x| x.note(format!("in the base revision `{base}`")))
            .collect()
    };
    let in_head = |d: Vec<Diagnostic>| -> Vec<Diagnostic> {
        d.into_iter()
            .map(|x| {
                x.note(format!(
                    "in the head revision `{}`",
                    head.unwrap_or("working tree")
                ))
            })
            .collect()
    };
    let (bp, hp) = rayon::join(|| Project::open(&base_co.root), || Project::open(head_root));
    let bp = bp.map_err(|d| in_base(vec![d]))?;
    let hp = hp.map_err(|d| in_head(vec![d]))?;
    // A site whose inputs are the same in both revisions renders the same: it is not
    // compiled at all, so that a change to one site of a big fleet costs about one site.
    let changed = crate::fleet::changed(&bp, &hp, &selected);
    let (b, h) = rayon::join(|| snapshot_of(&bp, &changed), || snapshot_of(&hp, &changed));
    let b = b.map_err(in_base)?;
    let h = h.map_err(in_head)?;
    Ok((b, h))
}
