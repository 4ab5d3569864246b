//! Stage 7, emit: lay a site's objects out as files (`book/src/design/layout.md`), write them atomically,
//! or compare them with what is on disk (`--check`).
//!
//! Input: the final objects of each site with the service each belongs to. Output: a
//! [`SiteOutput`] (file path → content) per site, all in memory; only [`write`] touches the
//! disk, and only after every site compiled without errors.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use strata_yaml::KeyOrder;

use crate::diag::{Code, Diagnostic};

/// The files of one site, by path relative to `rendered/<site>/`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteOutput {
    /// Site name.
    pub site: String,
    /// Relative path → file content.
    pub files: BTreeMap<String, String>,
}

/// A final object of a site: its value, the unit folder it is written to, and where it came
/// from (`None` for objects Strata adds itself, such as the site's Namespace).
#[derive(Clone, Debug)]
pub struct Final {
    /// The object.
    pub value: Value,
    /// The unit folder (a service name, or `cluster`).
    pub folder: String,
    /// Its template provenance.
    pub provenance: Option<crate::render::Provenance>,
    /// What the overlay stage changed in it, entry by entry, in order (empty when overlay
    /// provenance is not recorded).
    pub overlay: Vec<crate::overlay::OverlayChange>,
}

/// One object, placed in a service folder.
pub struct Placed<'a> {
    /// The object.
    pub value: &'a Value,
    /// The folder (a service name).
    pub folder: &'a str,
}

fn file_stem_part(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '.' | '_' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '_',
        })
        .collect()
}

/// A file copied to the output unchanged (a SOPS-encrypted Secret).
#[derive(Clone, Debug)]
pub struct Raw {
    /// The service folder.
    pub folder: String,
    /// The file name.
    pub name: String,
    /// The exact content.
    pub content: String,
}

/// Lays out objects as `<folder>/<kind>-<name>.yaml` plus a `kustomization.yaml` per folder.
/// `folders` lists every folder to create, so that a service rendering nothing still gets
/// an (empty) folder.
pub fn layout(
    site: &str,
    objects: &[Placed<'_>],
    raw: &[Raw],
    folders: &BTreeSet<String>,
) -> Result<SiteOutput, Vec<Diagnostic>> {
    let mut files = BTreeMap::new();
    let mut per_folder: BTreeMap<&str, Vec<String>> =
        folders.iter().map(|f| (f.as_str(), Vec::new())).collect();
    let mut diags = Vec::new();
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    for p in objects {
        let v = p.value;
        let s = |ptr: &str| v.pointer(ptr).and_then(Value::as_str).unwrap_or("");
        let kind = file_stem_part(s("/kind"));
        let name = file_stem_part(s("/metadata/name"));
        let ns = file_stem_part(s("/metadata/namespace"));
        let group = file_stem_part(s("/apiVersion").rsplit_once('/').map_or("", |(g, _)| g));
        // One object per file; a second object with the same kind and name (other namespace
        // or API group) gets those added to its file name.
        let candidates = [
            format!("{kind}-{name}.yaml"),
            format!("{kind}-{name}-{ns}.yaml"),
            format!("{kind}-{name}-{ns}-{group}.yaml"),
        ];
        let display = strata_validate::object_label(v);
        let Some(file) = candidates
            .iter()
            .map(|c| format!("{}/{c}", p.folder))
            .find(|c| !taken.contains_key(c))
        else {
            diags.push(
                Diagnostic::error(
                    Code::OutputCollision,
                    format!(
                        "{display} and {} would be written to the same file",
                        taken[&format!("{}/{}", p.folder, candidates[0])]
                    ),
                )
                .help("objects of one site must differ in kind, name, namespace or API group"),
            );
            continue;
        };
        taken.insert(file.clone(), display);
        per_folder
            .entry(p.folder)
            .or_default()
            .push(file[p.folder.len() + 1..].to_string());
        files.insert(file, strata_yaml::emit(v, KeyOrder::Kubernetes));
    }
    for r in raw {
        let file = format!("{}/{}", r.folder, r.name);
        if taken.contains_key(&file) {
            diags.push(
                Diagnostic::error(
                    Code::OutputCollision,
                    format!(
                        "the SOPS file `{}` would overwrite a rendered object's file",
                        r.name
                    ),
                )
                .help("rename the SOPS file"),
            );
            continue;
        }
        taken.insert(file.clone(), r.name.clone());
        per_folder
            .entry(r.folder.as_str())
            .or_default()
            .push(r.name.clone());
        files.insert(file, r.content.clone());
    }
    for (folder, mut names) in per_folder {
        names.sort();
        let k = json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": names,
        });
        files.insert(
            format!("{folder}/kustomization.yaml"),
            strata_yaml::emit(&k, KeyOrder::Kubernetes),
        );
    }
    if diags.is_empty() {
        Ok(SiteOutput {
            site: site.to_string(),
            files,
        })
    } else {
        Err(diags)
    }
}

fn io(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("cannot write `{}`: {e}", path.display()))
}

/// The folders of a site repository that Strata reads its inputs from. An output folder inside
/// one of them would mix rendered files with the sources.
const INPUT_FOLDERS: [&str; 4] = ["sites", "services", "overlays", "schemas"];

/// File names that mark a folder as holding sources (a nested site repository, such as a golden
/// test case, or a code project): an output folder must not be placed among them.
const SOURCE_MARKERS: [&str; 4] = ["site.yaml", "service.yaml", "Cargo.toml", ".git"];

/// How deep below a top-level folder of the repository [`SOURCE_MARKERS`] are looked for (a
/// golden case's `sites/<site>/site.yaml` is four levels down), so that a huge folder such as a
/// build cache is not walked whole.
const MARKER_DEPTH: usize = 4;

/// Whether `dir` is a site folder that Strata wrote: a real folder (not a symlink) whose
/// `_meta/site.json` parses as the record Strata writes for that very site. Only such folders
/// are ever replaced or removed; anything else in an output folder belongs to someone else
/// (a Flux bootstrap's `flux-system/`, a README, another tool's output).
pub fn is_strata_site(dir: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return false;
    };
    if !meta.is_dir() {
        return false;
    }
    let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let Ok(text) = std::fs::read_to_string(dir.join("_meta/site.json")) else {
        return false;
    };
    let Ok(v) = serde_json::from_str::<Value>(&text) else {
        return false;
    };
    v.get("strataVersion").is_some_and(Value::is_string)
        && v.get("site").and_then(Value::as_str) == Some(name)
        && v.get("inputDigest").is_some_and(Value::is_string)
}

/// `path` made absolute with every symlink resolved, also when its last components do not
/// exist yet: the longest existing ancestor is canonicalized and the rest appended. `..` is
/// applied after resolving what precedes it, as the operating system does.
pub fn resolve_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut cur = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if let Ok(real) = cur.canonicalize() {
                    cur = real;
                }
                cur.pop();
            }
            other => cur.push(other),
        }
    }
    let mut rest = Vec::new();
    let mut base = cur.clone();
    loop {
        if let Ok(real) = base.canonicalize() {
            let mut out = real;
            out.extend(rest.iter().rev());
            return out;
        }
        match (
            base.file_name().map(std::ffi::OsStr::to_os_string),
            base.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                base = parent.to_path_buf();
            }
            _ => return cur,
        }
    }
}

fn holds_sources(dir: &Path) -> bool {
    walkdir::WalkDir::new(dir)
        .max_depth(MARKER_DEPTH)
        .into_iter()
        .flatten()
        .any(|e| {
            e.depth() > 0
                && SOURCE_MARKERS
                    .iter()
                    .any(|m| e.file_name() == std::ffi::OsStr::new(m))
        })
}

/// Refuses an output folder that is, contains, or lies among the repository's sources: the
/// repository root itself or a folder above it, a hidden folder (`.git`), one of the input
/// folders (`sites/`, `services/`, `overlays/`, `schemas/`), or a top-level folder that holds
/// sources (a `site.yaml`, `service.yaml`, `Cargo.toml` or `.git` within a few levels). Paths
/// are compared with symlinks resolved. A fresh folder (`rendered/`, `out/`) or one outside the
/// repository is fine: there, only Strata's own site folders are ever replaced or removed.
pub fn check_out_dir(root: &Path, out: &Path) -> Result<(), Diagnostic> {
    let root = resolve_path(root);
    let out = resolve_path(out);
    let refuse = |why: String| {
        Diagnostic::error(
            Code::UnsafeOutput,
            format!("refusing to write into `{}`: {why}", out.display()),
        )
        .help(
            "choose an output folder of its own, such as `rendered` (the default) or a new folder",
        )
    };
    if out == root {
        return Err(refuse("it is the repository itself".into()));
    }
    if root.starts_with(&out) {
        return Err(refuse("it contains the repository".into()));
    }
    let Ok(rel) = out.strip_prefix(&root) else {
        return Ok(());
    };
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(hidden) = parts.iter().find(|p| p.starts_with('.')) {
        return Err(refuse(format!(
            "it is inside the hidden folder `{hidden}` of the repository"
        )));
    }
    let Some(top) = parts.first() else {
        return Ok(());
    };
    if INPUT_FOLDERS.contains(&top.as_str()) {
        return Err(refuse(format!("`{top}/` holds the repository's inputs")));
    }
    if holds_sources(&root.join(top)) {
        return Err(refuse(format!(
            "`{top}/` holds sources (a site.yaml, service.yaml, Cargo.toml or .git inside it)"
        )));
    }
    Ok(())
}

/// Refuses to write sites whose folder under `out` exists but is not Strata's
/// ([`is_strata_site`]): someone else's folder is never replaced.
pub fn refuse_foreign<'a>(
    out: &Path,
    sites: impl IntoIterator<Item = &'a str>,
) -> Result<(), Diagnostic> {
    for site in sites {
        let live = out.join(site);
        if std::fs::symlink_metadata(&live).is_ok() && !is_strata_site(&live) {
            return Err(Diagnostic::error(
                Code::UnsafeOutput,
                format!(
                    "refusing to replace `{}`: Strata did not write it (it has no `_meta/site.json` of site `{site}`)",
                    live.display(),
                ),
            )
            .help("move that folder away, or build into another folder with --out DIR"));
        }
    }
    Ok(())
}

/// An output folder being written, all or nothing: each site is written to a staging folder
/// inside `out` (`.strata-staging/<site>`) as soon as it compiled, and nothing under `out`
/// changes until [`Staging::commit`] swaps every staged site in. Dropping a `Staging` without
/// committing removes what was staged, leaving the output as it was.
pub struct Staging {
    out: PathBuf,
    staging: PathBuf,
    trash: PathBuf,
    /// Whether `begin` created `out`: a run that fails then leaves no empty folder behind.
    created_out: bool,
    committed: bool,
}

impl Staging {
    /// Prepares `out` (created when missing) for staging; leftovers of an interrupted run are
    /// removed first.
    pub fn begin(out: &Path) -> Result<Staging, Diagnostic> {
        let created_out = std::fs::symlink_metadata(out).is_err();
        std::fs::create_dir_all(out).map_err(|e| io(out, &e))?;
        let st = Staging {
            out: out.to_path_buf(),
            staging: out.join(".strata-staging"),
            trash: out.join(".strata-old"),
            created_out,
            committed: false,
        };
        for dir in [&st.staging, &st.trash] {
            if dir.exists() {
                std::fs::remove_dir_all(dir).map_err(|e| io(dir, &e))?;
            }
            std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
        }
        Ok(st)
    }

    /// Writes one site's files to the staging folder. Safe to call from several threads at
    /// once for different sites.
    pub fn write_site(&self, o: &SiteOutput) -> Result<(), Diagnostic> {
        let root = self.staging.join(&o.site);
        std::fs::create_dir_all(&root).map_err(|e| io(&root, &e))?;
        // Files come sorted by path, so a folder's files are consecutive: each folder is
        // created once.
        let mut made: Option<PathBuf> = None;
        for (rel, content) in &o.files {
            let path = root.join(rel);
            if let Some(parent) = path.parent() {
                if made.as_deref() != Some(parent) {
                    std::fs::create_dir_all(parent).map_err(|e| io(parent, &e))?;
                    made = Some(parent.to_path_buf());
                }
            }
            std::fs::write(&path, content).map_err(|e| io(&path, &e))?;
        }
        Ok(())
    }

    /// Swaps the staged `sites` in (each replaces its live folder whole) and removes the
    /// `stale` site folders; then clears the staging and the replaced folders (in parallel:
    /// on a big fleet that is most of the time spent here).
    pub fn commit(mut self, sites: &[String], stale: &[PathBuf]) -> Result<(), Diagnostic> {
        self.committed = true;
        for site in sites {
            let live = self.out.join(site);
            if live.exists() {
                std::fs::rename(&live, self.trash.join(site)).map_err(|e| io(&live, &e))?;
            }
            std::fs::rename(self.staging.join(site), &live).map_err(|e| io(&live, &e))?;
        }
        for dir in stale {
            let name = dir.file_name().unwrap_or_default().to_os_string();
            std::fs::rename(dir, self.trash.join(name)).map_err(|e| io(dir, &e))?;
        }
        self.clear()
    }

    /// Removes the staging and trash folders, each site folder in them in parallel.
    fn clear(&self) -> Result<(), Diagnostic> {
        use rayon::prelude::*;
        for dir in [&self.staging, &self.trash] {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths
                .par_iter()
                .try_for_each(|p| std::fs::remove_dir_all(p).map_err(|e| io(p, &e)))?;
            std::fs::remove_dir_all(dir).map_err(|e| io(dir, &e))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // After a commit both folders are gone already; after a failure this discards the
        // staged sites. Errors are ignored: the next run clears leftovers first.
        let _ = self.clear();
        if self.created_out && !self.committed {
            // Only removes the folder when it is empty (it is: everything was staged).
            let _ = std::fs::remove_dir(&self.out);
        }
    }
}

/// Writes every site's folder under `out`, atomically per site: each site is written to a
/// staging folder inside `out` and swapped in whole, so a failure leaves the previous output
/// in place. Only folders Strata wrote ([`is_strata_site`]) are ever replaced or removed: an
/// existing folder in the way of a site that Strata did not write is an error, and nothing is
/// written. With `prune` (a build of every site), Strata's site folders of sites that no longer
/// exist are removed; a build of no site at all never removes anything. (Builds stream their
/// sites through [`Staging`] instead of holding them all; this is the same for outputs in
/// memory.)
pub fn write(out: &Path, outputs: &[SiteOutput], prune: bool) -> Result<(), Diagnostic> {
    refuse_foreign(out, outputs.iter().map(|o| o.site.as_str()))?;
    let staging = Staging::begin(out)?;
    for o in outputs {
        staging.write_site(o)?;
    }
    let keep: BTreeSet<&str> = outputs.iter().map(|o| o.site.as_str()).collect();
    let stale = if prune && !outputs.is_empty() {
        stale_sites(out, &|name| !keep.contains(name))
    } else {
        Vec::new()
    };
    let names: Vec<String> = outputs.iter().map(|o| o.site.clone()).collect();
    staging.commit(&names, &stale)
}

/// Strata's site folders in `out` ([`is_strata_site`]) whose name `is_stale` accepts: what a
/// build of every site removes (the folders of sites that are gone), sorted.
pub fn stale_sites(out: &Path, is_stale: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            !name.starts_with('.') && is_stale(&name)
        })
        .map(|e| e.path())
        .filter(|p| is_strata_site(p))
        .collect();
    stale.sort();
    stale
}

/// One difference between a build and an output folder (`build --check`). They sort as
/// `build --check` prints them: folders Strata would refuse, then missing and changed files
/// by path, then files the build would not produce by path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    rank: u8,
    path: PathBuf,
    text: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The differences between one site's output and its folder under `out`: missing, changed
/// and extra files (hidden files ignored), or the folder itself when Strata did not write it.
pub fn check_site(out: &Path, o: &SiteOutput) -> Vec<Difference> {
    let live = out.join(&o.site);
    if std::fs::symlink_metadata(&live).is_ok() && !is_strata_site(&live) {
        return vec![Difference {
            rank: 0,
            path: PathBuf::from(&o.site),
            text: format!(
                "not written by Strata (a build refuses to replace it): {}/",
                o.site
            ),
        }];
    }
    let mut diffs = Vec::new();
    for (rel, content) in &o.files {
        let path = Path::new(&o.site).join(rel);
        let text = match std::fs::read(out.join(&path)) {
            Ok(bytes) if bytes == content.as_bytes() => continue,
            Ok(_) => format!("changed: {}", path.display()),
            Err(_) => format!("missing: {}", path.display()),
        };
        diffs.push(Difference {
            rank: 1,
            path,
            text,
        });
    }
    let produced: BTreeSet<PathBuf> = o.files.keys().map(PathBuf::from).collect();
    diffs.extend(
        files_under(out, &live)
            .into_iter()
            .filter(|rel| {
                rel.strip_prefix(&o.site)
                    .is_ok_and(|inner| !produced.contains(inner))
            })
            .map(extra),
    );
    diffs
}

/// The files of the `stale` site folders: a build would remove them.
pub fn check_stale(out: &Path, stale: &[PathBuf]) -> Vec<Difference> {
    stale
        .iter()
        .flat_map(|dir| files_under(out, dir))
        .map(extra)
        .collect()
}

fn extra(path: PathBuf) -> Difference {
    Difference {
        rank: 2,
        text: format!("not produced by this build: {}", path.display()),
        path,
    }
}

/// The files under `dir`, relative to `out`, hidden ones left out.
fn files_under(out: &Path, dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.path().strip_prefix(out).ok().map(Path::to_path_buf))
        .filter(|rel| {
            !rel.components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        })
        .collect()
}

/// The differences between `outputs` and what is under `out`: files that are missing,
/// changed, or not produced (extra). Empty when the output is up to date. As with [`write`],
/// only Strata's own site folders are looked into: extra files are reported inside the built
/// sites' folders and (with `prune`) in the stale site folders a build would remove; a folder
/// Strata did not write in a site's place is reported once, as the build would refuse it.
pub fn check(out: &Path, outputs: &[SiteOutput], prune: bool) -> Vec<String> {
    let mut diffs: Vec<Difference> = outputs.iter().flat_map(|o| check_site(out, o)).collect();
    if prune && !outputs.is_empty() {
        let keep: BTreeSet<&str> = outputs.iter().map(|o| o.site.as_str()).collect();
        diffs.extend(check_stale(
            out,
            &stale_sites(out, &|name| !keep.contains(name)),
        ));
    }
    diffs.sort();
    diffs.into_iter().map(|d| d.text).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_names_files_by_kind_and_name() {
        let a = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "etc", "namespace": "a"}});
        let b = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "etc", "namespace": "b"}});
        let c = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "system:x"}});
        let placed = [
            Placed {
                value: &a,
                folder: "svc",
            },
            Placed {
                value: &b,
                folder: "svc",
            },
            Placed {
                value: &c,
                folder: "svc",
            },
        ];
        let out = layout(
            "s",
            &placed,
            &[],
            &BTreeSet::from(["svc".to_string(), "empty".to_string()]),
        )
        .map_err(|d| d.len());
        let files: Vec<String> = out
            .map(|o| o.files.into_keys().collect())
            .unwrap_or_default();
        assert_eq!(
            files,
            vec![
                "empty/kustomization.yaml",
                "svc/clusterrole-system_x.yaml",
                "svc/configmap-etc-b.yaml",
                "svc/configmap-etc.yaml",
                "svc/kustomization.yaml"
            ]
        );
    }

    /// A site's output as the pipeline makes it, with the `_meta/site.json` that marks the
    /// folder as Strata's.
    fn site(name: &str, files: &[(&str, &str)]) -> SiteOutput {
        let mut files: BTreeMap<String, String> = files
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        files.insert(
            "_meta/site.json".into(),
            json!({"strataVersion": "0", "site": name, "inputDigest": "sha256:0"}).to_string(),
        );
        SiteOutput {
            site: name.into(),
            files,
        }
    }

    #[test]
    fn write_swaps_and_check_detects_edits() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("rendered");
        let o = site("s", &[("a/x.yaml", "x: 1\n")]);
        write(&out, std::slice::from_ref(&o), true).map_err(|d| d.message)?;
        assert!(check(&out, std::slice::from_ref(&o), true).is_empty());
        std::fs::write(out.join("s/a/x.yaml"), "x: 2\n")?;
        std::fs::write(out.join("s/a/extra.yaml"), "")?;
        assert_eq!(
            check(&out, std::slice::from_ref(&o), true),
            vec![
                "changed: s/a/x.yaml",
                "not produced by this build: s/a/extra.yaml"
            ]
        );
        // A stale site folder of Strata's is removed; a folder Strata did not write is kept.
        write(&out, &[site("gone", &[])], false).map_err(|d| d.message)?;
        std::fs::create_dir_all(out.join("flux-system"))?;
        std::fs::write(out.join("flux-system/gotk-sync.yaml"), "x: 1\n")?;
        assert_eq!(
            check(&out, std::slice::from_ref(&o), true),
            vec![
                "changed: s/a/x.yaml",
                "not produced by this build: gone/_meta/site.json",
                "not produced by this build: s/a/extra.yaml"
            ]
        );
        write(&out, std::slice::from_ref(&o), true).map_err(|d| d.message)?;
        assert!(!out.join("gone").exists());
        assert!(out.join("flux-system/gotk-sync.yaml").exists());
        assert!(check(&out, &[o], true).is_empty());
        Ok(())
    }

    #[test]
    fn never_replaces_or_prunes_a_folder_strata_did_not_write(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("rendered");
        std::fs::create_dir_all(out.join("s/keep"))?;
        std::fs::write(out.join("s/keep/file"), "mine")?;
        // A `_meta/site.json` of another site, or one that is not Strata's, does not count.
        std::fs::create_dir_all(out.join("t/_meta"))?;
        std::fs::write(
            out.join("t/_meta/site.json"),
            r#"{"site": "other", "strataVersion": "0", "inputDigest": "x"}"#,
        )?;
        let err = write(&out, &[site("s", &[])], true).err().map(|d| d.code);
        assert_eq!(err, Some(Code::UnsafeOutput));
        assert_eq!(std::fs::read_to_string(out.join("s/keep/file"))?, "mine");
        assert_eq!(
            check(&out, &[site("s", &[])], true),
            vec!["not written by Strata (a build refuses to replace it): s/"]
        );
        write(&out, &[site("u", &[])], true).map_err(|d| d.message)?;
        assert!(out.join("s/keep/file").exists() && out.join("t/_meta/site.json").exists());
        // No site: nothing is removed, even with prune.
        write(&out, &[], true).map_err(|d| d.message)?;
        assert!(is_strata_site(&out.join("u")));
        Ok(())
    }

    #[test]
    fn refuses_output_folders_among_the_sources() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().join("repo");
        for d in ["sites/a", "services/x", ".git", "tools/sub", "docs"] {
            std::fs::create_dir_all(root.join(d))?;
        }
        std::fs::write(root.join("tools/sub/Cargo.toml"), "")?;
        let bad = [
            ".",
            "..",
            "sites",
            "sites/a/out",
            "services/x",
            ".git/x",
            "tools",
            "tools/out",
            "rendered/../sites",
        ];
        for b in bad {
            assert!(check_out_dir(&root, &root.join(b)).is_err(), "{b} accepted");
        }
        for good in ["rendered", "rendered/x", "out/a/b", "docs/rendered"] {
            assert!(
                check_out_dir(&root, &root.join(good)).is_ok(),
                "{good} refused"
            );
        }
        assert!(check_out_dir(&root, &dir.path().join("elsewhere")).is_ok());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("sites"), root.join("link"))?;
            assert!(check_out_dir(&root, &root.join("link/new")).is_err());
            std::os::unix::fs::symlink(&root, dir.path().join("alias"))?;
            assert!(check_out_dir(&root, &dir.path().join("alias")).is_err());
        }
        Ok(())
    }
}
