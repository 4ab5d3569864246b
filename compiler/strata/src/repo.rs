//! The repository on disk: the only place Strata reads input from.
//!
//! Every read goes through [`Repo`], which refuses paths that leave the repository root,
//! including through symlinks, so that no input — however hostile — makes Strata read files
//! elsewhere on the machine.

use std::path::{Component, Path, PathBuf};

use crate::diag::{Code, Diagnostic, Source};

/// A site repository (`book/src/design/layout.md`), opened at its root folder.
#[derive(Clone, Debug)]
pub struct Repo {
    root: PathBuf,
}

impl Repo {
    /// Opens the repository rooted at `root`.
    pub fn open(root: &Path) -> Result<Repo, Diagnostic> {
        let root = root.canonicalize().map_err(|e| {
            Diagnostic::error(
                Code::NotFound,
                format!("cannot open the repository at `{}`: {e}", root.display()),
            )
            .help("run strata from a site repository, or name one with --root DIR")
        })?;
        Ok(Repo { root })
    }

    /// The canonical root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The absolute path of a repository-relative path (not checked).
    pub fn abs(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Whether a repository-relative path exists.
    pub fn exists(&self, rel: &str) -> bool {
        self.abs(rel).exists()
    }

    /// Resolves `rel` and checks that it stays inside the repository (after symlinks).
    pub fn confine(&self, rel: &str) -> Result<PathBuf, Diagnostic> {
        let lexical_escape = Path::new(rel).components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
        let abs = self.abs(rel);
        let resolved = abs
            .canonicalize()
            .map_err(|e| Diagnostic::error(Code::Io, format!("cannot read `{rel}`: {e}")))?;
        if lexical_escape || !resolved.starts_with(&self.root) {
            return Err(Diagnostic::error(
                Code::OutsideRoot,
                format!("`{rel}` is outside the repository"),
            )
            .help("Strata only reads files inside the repository; copy the file in or fix the symlink"));
        }
        Ok(resolved)
    }

    /// Reads a repository-relative file as UTF-8 text.
    pub fn read(&self, rel: &str) -> Result<Source, Diagnostic> {
        let path = self.confine(rel)?;
        let bytes = std::fs::read(&path)
            .map_err(|e| Diagnostic::error(Code::Io, format!("cannot read `{rel}`: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Diagnostic::error(
                Code::Io,
                format!(
                    "`{rel}` is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        Ok(Source::new(rel, text))
    }

    /// The sorted names of the sub-folders of a repository-relative folder (none if absent).
    pub fn dirs(&self, rel: &str) -> Vec<String> {
        self.entries(rel, true)
    }

    /// The sorted names of the files in a repository-relative folder (none if absent).
    pub fn files(&self, rel: &str) -> Vec<String> {
        self.entries(rel, false)
    }

    fn entries(&self, rel: &str, dirs: bool) -> Vec<String> {
        let Ok(read) = std::fs::read_dir(self.abs(rel)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = read
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir() == dirs)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        names
    }

    /// A path relative to the repository root, with `/` separators, when `abs` is inside it.
    pub fn rel(&self, abs: &Path) -> Option<String> {
        let abs = abs.canonicalize().ok()?;
        let rel = abs.strip_prefix(&self.root).ok()?;
        Some(
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_outside_the_root() -> Result<(), Box<dyn std::error::Error>> {
        let outer = tempfile::tempdir()?;
        let root = outer.path().join("repo");
        std::fs::create_dir_all(root.join("a"))?;
        std::fs::write(outer.path().join("secret.txt"), "x")?;
        std::fs::write(root.join("a/ok.yaml"), "a: 1")?;
        let repo = Repo::open(&root).map_err(|d| d.message)?;
        assert!(repo.read("a/ok.yaml").is_ok());
        let err = repo.read("../secret.txt").err().map(|d| d.code);
        assert_eq!(err, Some(Code::OutsideRoot));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outer.path().join("secret.txt"), root.join("a/link.yaml"))?;
            let err = repo.read("a/link.yaml").err().map(|d| d.code);
            assert_eq!(err, Some(Code::OutsideRoot));
        }
        Ok(())
    }
}
