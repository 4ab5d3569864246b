//! The one error type of the crate: a message, the file and position it is about, the text of
//! that file (so a caller can print the offending line with a caret) and an optional hint.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use strata_yaml::Span;

/// A kustomize build error.
///
/// Unlike `kubectl kustomize`, which reports a chain of wrapped messages, every error names the
/// kustomization (or resource) file and, when known, the line and column of the entry at fault.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.one_line())]
pub struct Error {
    /// What went wrong, as one sentence.
    pub message: String,
    /// The file the error is about (usually a kustomization file).
    pub file: Option<PathBuf>,
    /// The position of the entry at fault in `file`.
    pub span: Option<Span>,
    /// The text of `file`, for printing the offending line.
    pub source_text: Option<Arc<str>>,
    /// How to fix it, when that is not obvious from the message.
    pub hint: Option<String>,
}

impl Error {
    /// An error about no particular file.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            file: None,
            span: None,
            source_text: None,
            hint: None,
        }
    }

    /// An error about a file as a whole.
    pub fn in_file(message: impl Into<String>, file: &Path) -> Self {
        Error {
            file: Some(file.to_path_buf()),
            ..Error::new(message)
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Prefixes the message with context, keeping the location.
    pub fn context(mut self, prefix: impl fmt::Display) -> Self {
        self.message = format!("{prefix}: {}", self.message);
        self
    }

    /// The error on one line: `file:line:col: message (hint)`.
    fn one_line(&self) -> String {
        let mut s = String::new();
        if let Some(file) = &self.file {
            s.push_str(&file.display().to_string());
            if let Some(span) = &self.span {
                s.push_str(&format!(":{}:{}", span.start.line, span.start.col));
            }
            s.push_str(": ");
        }
        s.push_str(&self.message);
        if let Some(hint) = &self.hint {
            s.push_str(" (hint: ");
            s.push_str(hint);
            s.push(')');
        }
        s
    }
}

/// Builds an error with a formatted message.
macro_rules! err {
    ($($arg:tt)*) => { $crate::error::Error::new(format!($($arg)*)) };
}
pub(crate) use err;
