//! File access: kustomize's load restrictor (files must resolve, after symlinks, in or below
//! their kustomization's root; directories may be anywhere), Strata's optional boundary
//! (nothing may be read outside it), and caches so that every file is read and parsed once
//! per build.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rayon::prelude::*;
use serde_json::Value;
use strata_yaml::ParseOptions;

use crate::error::{err, Error};
use crate::kustfile::{self, KustFile, FILE_NAMES};
use crate::{LoadRestrictor, Options};

/// Why a file could not be loaded.
#[derive(Debug)]
pub enum FileError {
    /// Nothing at that path.
    Missing(String),
    /// The path is a directory.
    IsDir,
    /// Refused by the load restrictor or the boundary.
    Refused(String),
    /// Another I/O error.
    Io(String),
}

impl FileError {
    /// The error as a sentence.
    pub fn message(&self) -> String {
        match self {
            FileError::Missing(m) | FileError::Refused(m) | FileError::Io(m) => m.clone(),
            FileError::IsDir => "is a directory".to_string(),
        }
    }
}

/// Resolves `rel` (joined to the resolved `root` as `joined`) to a real path, and whether it
/// is a directory. A plain relative path below the root is checked component by component
/// (one `lstat` each, usually one in all); anything else goes through `canonicalize`.
fn resolve(root: &Path, rel: &str, joined: &Path) -> std::io::Result<(PathBuf, bool)> {
    use std::path::Component;
    let slow = || -> std::io::Result<(PathBuf, bool)> {
        let real = joined.canonicalize()?;
        let is_dir = real.is_dir();
        Ok((real, is_dir))
    };
    let rel_path = Path::new(rel);
    if rel_path.is_absolute() {
        return slow();
    }
    let mut cur = root.to_path_buf();
    let mut is_dir = true;
    for c in rel_path.components() {
        match c {
            Component::Normal(part) => {
                cur.push(part);
                let md = std::fs::symlink_metadata(&cur)?;
                if md.file_type().is_symlink() {
                    return slow();
                }
                is_dir = md.is_dir();
            }
            Component::CurDir => {}
            _ => return slow(),
        }
    }
    Ok((cur, is_dir))
}

/// A path with `.` and `..` removed lexically (a key for the reuse plan; symlinks are not
/// followed, which at worst caches a file that did not need it).
fn lexical(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The file system of one build.
pub struct Fs<'o> {
    opts: &'o Options,
    boundary: Option<PathBuf>,
    /// Parsed resource files that the plan says are loaded more than once.
    docs: Mutex<HashMap<PathBuf, Arc<Vec<Value>>>>,
    kusts: Mutex<HashMap<PathBuf, Arc<KustFile>>>,
    /// Which resource files are loaded more than once in this build (see [`Fs::plan`]).
    reuse: Mutex<Reuse>,
}

/// Folders visited, resource files counted, and whether a folder was entered twice.
type PlanState = (HashSet<PathBuf>, HashMap<PathBuf, u32>, bool);

/// The result of [`Fs::plan`].
#[derive(Default)]
struct Reuse {
    /// A folder is entered twice (a diamond): cache every resource file.
    all: bool,
    /// Resource files (joined paths) listed more than once.
    files: HashSet<PathBuf>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned cache only means another thread panicked; the data is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<'o> Fs<'o> {
    /// A file system for one build.
    pub fn new(opts: &'o Options) -> Result<Fs<'o>, Error> {
        let boundary = match &opts.boundary {
            Some(b) => Some(
                b.canonicalize()
                    .map_err(|e| err!("cannot resolve the boundary {}: {e}", b.display()))?,
            ),
            None => None,
        };
        Ok(Fs {
            opts,
            boundary,
            docs: Mutex::new(HashMap::new()),
            kusts: Mutex::new(HashMap::new()),
            reuse: Mutex::new(Reuse::default()),
        })
    }

    fn check_boundary(&self, real: &Path, shown: &Path) -> Result<(), String> {
        match &self.boundary {
            Some(b) if !real.starts_with(b) => Err(format!(
                "'{}' resolves to '{}', outside the repository '{}'",
                shown.display(),
                real.display(),
                b.display()
            )),
            _ => Ok(()),
        }
    }

    /// Resolves a directory given by the caller (the build root, a component, a site folder).
    pub fn root_dir(&self, dir: &Path) -> Result<PathBuf, Error> {
        let real = dir
            .canonicalize()
            .map_err(|e| err!("cannot read the directory '{}': {e}", dir.display()))?;
        if !real.is_dir() {
            return Err(err!("'{}' is not a directory", dir.display()));
        }
        self.check_boundary(&real, dir).map_err(Error::new)?;
        Ok(real)
    }

    /// Resolves a directory named by a kustomization (`resources`, `components`), relative to
    /// its root. Directories may be outside the root, but not absolute.
    pub fn child_dir(&self, root: &Path, rel: &str) -> Result<PathBuf, String> {
        if rel.is_empty() {
            return Err("an empty path is not a directory".into());
        }
        if Path::new(rel).is_absolute() {
            return Err(format!("new root '{rel}' cannot be absolute"));
        }
        let joined = root.join(rel);
        let (real, is_dir) = resolve(root, rel, &joined).map_err(|e| format!("'{rel}': {e}"))?;
        if !is_dir {
            return Err(format!("'{rel}' is not a directory"));
        }
        self.check_boundary(&real, &joined)?;
        Ok(real)
    }

    /// Reads a file named by the kustomization rooted at `root`, subject to the load
    /// restrictor and the boundary.
    pub fn load_file(&self, root: &Path, rel: &str) -> Result<(PathBuf, Vec<u8>), FileError> {
        if rel.is_empty() {
            return Err(FileError::Missing("empty file name".into()));
        }
        let joined = if Path::new(rel).is_absolute() {
            PathBuf::from(rel)
        } else {
            root.join(rel)
        };
        let (real, is_dir) = match resolve(root, rel, &joined) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(FileError::Missing(format!("'{rel}' does not exist")))
            }
            Err(e) => return Err(FileError::Io(format!("'{rel}': {e}"))),
        };
        if is_dir {
            return Err(FileError::IsDir);
        }
        if self.opts.load_restrictor == LoadRestrictor::RootOnly && !real.starts_with(root) {
            return Err(FileError::Refused(format!(
                "security; file '{}' is not in or below '{}'",
                real.display(),
                root.display()
            )));
        }
        self.check_boundary(&real, &joined)
            .map_err(FileError::Refused)?;
        let data =
            std::fs::read(&real).map_err(|e| FileError::Io(format!("cannot read '{rel}': {e}")))?;
        Ok((real, data))
    }

    /// Loads and decodes the kustomization file of a (resolved) directory.
    pub fn kustomization(&self, dir: &Path) -> Result<Arc<KustFile>, Error> {
        if let Some(k) = lock(&self.kusts).get(dir) {
            return Ok(k.clone());
        }
        let present: Vec<&str> = FILE_NAMES
            .iter()
            .copied()
            .filter(|n| dir.join(n).is_file())
            .collect();
        let name = match present.as_slice() {
            [one] => *one,
            [] => {
                return Err(err!(
                    "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
                    dir.display()
                ))
            }
            _ => return Err(err!("found multiple kustomization files under '{}': {}", dir.display(), present.join(", "))),
        };
        let path = dir.join(name);
        let (_, bytes) = self
            .load_file(dir, name)
            .map_err(|e| Error::in_file(e.message(), &path))?;
        let text: Arc<str> = match std::str::from_utf8(&bytes) {
            Ok(s) => Arc::from(s),
            Err(_) => {
                return Err(Error::in_file(
                    "the kustomization file is not valid UTF-8",
                    &path,
                ))
            }
        };
        let k = Arc::new(kustfile::parse(&path, dir, text)?);
        lock(&self.kusts).insert(dir.to_path_buf(), k.clone());
        Ok(k)
    }

    /// Finds out, before a build, which resource files it will load more than once, so that
    /// only those are kept after parsing: every file is parsed once, and the objects of a file
    /// used once are moved into the build instead of copied out of a cache. Reads only the
    /// kustomization files (which the build reuses); anything it cannot read is left for the
    /// build to report.
    pub fn plan(&self, roots: &[PathBuf]) {
        let state = Mutex::new((HashSet::new(), HashMap::new(), false));
        for root in roots {
            self.plan_dir(root, &state, 0);
        }
        let (_, counts, all): (HashSet<PathBuf>, HashMap<PathBuf, u32>, bool) =
            state.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut reuse = lock(&self.reuse);
        reuse.all = all;
        reuse.files = counts
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(p, _)| p)
            .collect();
    }

    /// Visits a folder of the plan (its sub-folders in parallel: the visit reads and parses
    /// their kustomization files, which the build then finds in the cache).
    fn plan_dir(&self, dir: &Path, state: &Mutex<PlanState>, depth: usize) {
        {
            let mut st = lock(state);
            if !st.0.insert(dir.to_path_buf()) {
                st.2 = true;
                return;
            }
        }
        // Deeper than any real tree: a cycle the build will report.
        if depth > 64 {
            return;
        }
        let Ok(k) = self.kustomization(dir) else {
            return;
        };
        let entries: Vec<&str> =
            k.k.resources
                .iter()
                .chain(&k.k.components)
                .map(|e| e.value.as_str())
                .collect();
        let visit = |rel: &&str| match self.child_dir(dir, rel) {
            Ok(sub) => self.plan_dir(&sub, state, depth + 1),
            Err(_) => *lock(state).1.entry(lexical(&dir.join(rel))).or_default() += 1,
        };
        if entries.len() > 1 {
            entries.par_iter().for_each(visit);
        } else {
            entries.iter().for_each(visit);
        }
    }

    fn reused(&self, joined: &Path) -> bool {
        let reuse = lock(&self.reuse);
        reuse.all || reuse.files.contains(&lexical(joined))
    }

    /// Frees the parsed-document cache on a background thread, so that freeing the copies
    /// overlaps with the rest of the build (they are no longer needed once all resources are
    /// accumulated).
    pub fn release_documents(&self) {
        let docs = std::mem::take(&mut *lock(&self.docs));
        if !docs.is_empty() {
            rayon::spawn(move || drop(docs));
        }
    }

    /// Parses a resource file (cached): multi-document YAML read like go-yaml v3, empty
    /// documents skipped, `*List` documents inlined, every object checked for a kind and name.
    pub fn resources(&self, real: &Path, rel: &str, bytes: &[u8]) -> Result<Vec<Value>, Error> {
        let cache = self.reused(real);
        if cache {
            if let Some(d) = lock(&self.docs).get(real) {
                return Ok(d.as_ref().clone());
            }
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| Error::in_file(format!("'{rel}' is not valid UTF-8 text"), real))?;
        let docs = strata_yaml::parse(text, &ParseOptions::kubernetes()).map_err(|e| Error {
            message: format!("malformed YAML in '{rel}': {}", e.message),
            file: Some(real.to_path_buf()),
            span: Some(e.span),
            source_text: Some(Arc::from(text)),
            hint: None,
        })?;
        let values: Vec<Value> = docs.into_iter().map(|d| d.value).collect();
        let objs = crate::target::validate_documents(values)
            .map_err(|m| Error::in_file(format!("in '{rel}': {m}"), real))?;
        if cache {
            lock(&self.docs).insert(real.to_path_buf(), Arc::new(objs.clone()));
        }
        Ok(objs)
    }
}
