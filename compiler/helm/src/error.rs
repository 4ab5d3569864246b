//! Errors of chart loading and rendering, with Helm's wording.

use std::path::{Path, PathBuf};

/// Why a chart could not be loaded or rendered. `Display` prints what Helm prints.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HelmError {
    /// A chart folder or one of its files could not be loaded.
    #[error("{message}")]
    Load {
        /// The file or folder concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A values file or `--set` value is malformed.
    #[error("{message}")]
    Values {
        /// The values file (none for `--set`).
        path: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// The coalesced values break a chart's `values.schema.json`.
    #[error("values don't meet the specifications of the schema(s) in the following chart(s):\n{message}")]
    Schema {
        /// Helm's list of `chart:\n- at 'path': problem` entries.
        message: String,
        /// Where the offending value was written, when known: file, line, column.
        location: Option<(PathBuf, u32, u32)>,
    },
    /// A template does not parse: `parse error at (NAME:LINE): MSG`.
    #[error("{message}")]
    Parse {
        /// The template's name (`chart/templates/file`).
        template: String,
        /// The file on disk, when known.
        path: Option<PathBuf>,
        /// 1-based line.
        line: usize,
        /// 1-based column (0 when the parser gives none).
        col: usize,
        /// Helm's message.
        message: String,
    },
    /// A template failed while executing (`fail`, `required`, a function error, …).
    #[error("{message}")]
    Exec {
        /// The template's name where the error happened.
        template: String,
        /// The file on disk, when known.
        path: Option<PathBuf>,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// Helm's message.
        message: String,
    },
    /// A rendered manifest is not YAML Helm can read the head of.
    #[error("{message}")]
    Manifest {
        /// The template's name.
        template: String,
        /// Helm's message.
        message: String,
    },
    /// The chart's `kubeVersion` excludes the Kubernetes version rendered for.
    #[error("{0}")]
    KubeVersion(String),
}

impl HelmError {
    pub(crate) fn load(path: &Path, message: &str) -> HelmError {
        HelmError::Load {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }

    /// The message without a location.
    pub fn message(&self) -> String {
        match self {
            HelmError::Load { message, .. }
            | HelmError::Values { message, .. }
            | HelmError::Parse { message, .. }
            | HelmError::Exec { message, .. }
            | HelmError::Manifest { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}
