//! Stage 7, emit: lay a site's objects out as files (DESIGN.md §4), write them atomically,
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
        let display = crate::render::object_display(v);
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

/// Writes every site's folder under `out`, atomically per site: each site is written to a
/// staging folder inside `out` and swapped in whole, so a failure leaves the previous output
/// in place. With `prune`, site folders in `out` that are not in `outputs` are removed (a
/// build of every site); otherwise other sites' folders are left alone.
pub fn write(out: &Path, outputs: &[SiteOutput], prune: bool) -> Result<(), Diagnostic> {
    std::fs::create_dir_all(out).map_err(|e| io(out, &e))?;
    let staging = out.join(".strata-staging");
    let trash = out.join(".strata-old");
    for dir in [&staging, &trash] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| io(dir, &e))?;
        }
    }
    std::fs::create_dir_all(&staging).map_err(|e| io(&staging, &e))?;
    std::fs::create_dir_all(&trash).map_err(|e| io(&trash, &e))?;
    // Write everything first; only then swap, so that a write error changes nothing.
    for o in outputs {
        let root = staging.join(&o.site);
        for (rel, content) in &o.files {
            let path = root.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, &e))?;
            }
            std::fs::write(&path, content).map_err(|e| io(&path, &e))?;
        }
        std::fs::create_dir_all(&root).map_err(|e| io(&root, &e))?;
    }
    let keep: BTreeSet<&str> = outputs.iter().map(|o| o.site.as_str()).collect();
    for o in outputs {
        let live = out.join(&o.site);
        if live.exists() {
            std::fs::rename(&live, trash.join(&o.site)).map_err(|e| io(&live, &e))?;
        }
        std::fs::rename(staging.join(&o.site), &live).map_err(|e| io(&live, &e))?;
    }
    if prune {
        for entry in std::fs::read_dir(out).map_err(|e| io(out, &e))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || keep.contains(name.as_str()) || !entry.path().is_dir() {
                continue;
            }
            std::fs::rename(entry.path(), trash.join(&name)).map_err(|e| io(&entry.path(), &e))?;
        }
    }
    for dir in [&staging, &trash] {
        std::fs::remove_dir_all(dir).map_err(|e| io(dir, &e))?;
    }
    Ok(())
}

/// The differences between `outputs` and what is under `out`: files that are missing,
/// changed, or not produced (extra). Empty when the output is up to date.
pub fn check(out: &Path, outputs: &[SiteOutput], prune: bool) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut expected: BTreeMap<PathBuf, &str> = BTreeMap::new();
    for o in outputs {
        for (rel, content) in &o.files {
            expected.insert(Path::new(&o.site).join(rel), content);
        }
    }
    let mut on_disk: BTreeSet<PathBuf> = BTreeSet::new();
    let roots: Vec<PathBuf> = if prune {
        vec![out.to_path_buf()]
    } else {
        outputs.iter().map(|o| out.join(&o.site)).collect()
    };
    for root in roots {
        for entry in walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            if entry.file_type().is_file() {
                if let Ok(rel) = entry.path().strip_prefix(out) {
                    if rel
                        .components()
                        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
                    {
                        continue;
                    }
                    on_disk.insert(rel.to_path_buf());
                }
            }
        }
    }
    for (rel, content) in &expected {
        match std::fs::read(out.join(rel)) {
            Ok(bytes) if bytes == content.as_bytes() => {}
            Ok(_) => diffs.push(format!("changed: {}", rel.display())),
            Err(_) => diffs.push(format!("missing: {}", rel.display())),
        }
    }
    for rel in on_disk {
        if !expected.contains_key(&rel) {
            diffs.push(format!("not produced by this build: {}", rel.display()));
        }
    }
    diffs
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

    #[test]
    fn write_swaps_and_check_detects_edits() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("rendered");
        let o = SiteOutput {
            site: "s".into(),
            files: BTreeMap::from([("a/x.yaml".to_string(), "x: 1\n".to_string())]),
        };
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
        std::fs::create_dir_all(out.join("gone"))?;
        write(&out, std::slice::from_ref(&o), true).map_err(|d| d.message)?;
        assert!(!out.join("gone").exists());
        assert!(check(&out, &[o], true).is_empty());
        Ok(())
    }
}
