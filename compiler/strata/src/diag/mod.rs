//! Diagnostics: every error Strata reports, with a code, the input position a person wrote,
//! the offending line with a caret, and a hint (`book/src/design/contract.md`).
//!
//! Stages never print; they return `Vec<Diagnostic>`. The CLI sorts them (so that output does
//! not depend on thread scheduling) and renders them as text or JSON.

mod codes;
pub mod redact;
mod render;

use std::ops::Range;
use std::sync::Arc;

pub use codes::Code;
pub use render::{render_json, render_text};
use strata_yaml::Span;

/// The text of one input file, shared by every diagnostic that points into it.
///
/// `text` is the file as read (later stages use it: SOPS files are copied from it); what a
/// diagnostic shows of it is [`Source::shown`], with every secret value masked.
#[derive(Clone, Debug)]
pub struct Source {
    /// Path relative to the repository root, with `/` separators.
    pub path: Arc<str>,
    /// The whole file.
    pub text: Arc<str>,
    /// Byte ranges of `text` known to hold secret values (never shown).
    pub redacted: Arc<[Range<usize>]>,
}

impl Source {
    /// A source from a path and its text.
    pub fn new(path: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        Source {
            path: path.into(),
            text: text.into(),
            redacted: Arc::from([]),
        }
    }

    /// A copy of this source that also hides `ranges` (byte ranges of `text`).
    pub fn with_redacted(&self, ranges: impl IntoIterator<Item = Range<usize>>) -> Source {
        let mut all: Vec<Range<usize>> = self.redacted.to_vec();
        all.extend(ranges);
        all.sort_by_key(|r| (r.start, r.end));
        all.dedup();
        Source {
            path: self.path.clone(),
            text: self.text.clone(),
            redacted: all.into(),
        }
    }

    /// A copy of this source in which line `line` (1-based) is hidden after its first `:` or
    /// `=`, for diagnostics about secret material: the line is shown, the value is not.
    pub fn redact_line(&self, line: u32) -> Source {
        let start: usize = self
            .text
            .split_inclusive('\n')
            .take(line.saturating_sub(1) as usize)
            .map(str::len)
            .sum();
        let start = start.min(self.text.len());
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let from = self.text[start..end]
            .find([':', '='])
            .map_or(start, |sep| start + sep + 1);
        self.with_redacted(std::iter::once(from..end))
    }

    /// The text as a diagnostic may show it: known secret ranges, the values of files under a
    /// `secrets/` folder, Secret data and literal credentials masked (see [`redact`]). Byte
    /// offsets are those of `text`.
    pub fn shown(&self) -> String {
        redact::shown(&self.path, &self.text, &self.redacted)
    }
}

/// A position in an input file, with what to say about it.
#[derive(Clone, Debug)]
pub struct Label {
    /// The file.
    pub source: Source,
    /// Where in the file.
    pub span: Span,
    /// A short note printed under the caret.
    pub message: String,
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The run fails (exit code 2).
    Error,
    /// Worth reading; the run still succeeds.
    Warning,
}

/// One finding, error or warning.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// The stable code (`E0203`), documented in the book.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One sentence: what is wrong.
    pub message: String,
    /// Where: the first label is the primary position, the others add context.
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// Further context (e.g. the rendered line a template error came from).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A new error with the given code and message.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// A new warning with the given code and message.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Adds a label at `span` of `source`.
    pub fn at(mut self, source: &Source, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            source: source.clone(),
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a label when a position is known.
    pub fn at_opt(self, at: Option<(&Source, Span)>, message: impl Into<String>) -> Self {
        match at {
            Some((source, span)) => self.at(source, span, message),
            None => self,
        }
    }

    /// Sets the hint.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this diagnostic fails the run.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The key diagnostics are sorted by: errors before warnings, then code (the stage: an
    /// earlier stage's finding is often the cause of a later one's), file, position, message.
    fn sort_key(&self) -> (Severity, Code, String, usize, String) {
        match self.labels.first() {
            Some(l) => (
                self.severity,
                self.code,
                l.source.path.to_string(),
                l.span.start.offset,
                self.message.clone(),
            ),
            None => (
                self.severity,
                self.code,
                String::new(),
                0,
                self.message.clone(),
            ),
        }
    }
}

/// Sorts diagnostics into a stable order, root causes first (errors before warnings, earlier
/// stages before later ones: a missing dependency, E0203, before the secrets it leaves
/// unread), and drops exact duplicates (the same problem found through two sites sharing a
/// layer is reported once).
pub fn sort_and_dedup(diags: &mut Vec<Diagnostic>) {
    diags.sort_by_cached_key(Diagnostic::sort_key);
    diags.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.help == b.help && a.notes == b.notes);
}

/// Whether any diagnostic is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}
