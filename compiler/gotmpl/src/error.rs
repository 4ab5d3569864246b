//! Template errors, printed in the words Go's text/template uses.

use std::fmt;

/// What went wrong: parsing the text, executing it, or a limit the executor enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not a valid template (`template: NAME:LINE: MSG`).
    Parse,
    /// Executing failed (`template: NAME:LINE:COL: executing "NAME" at <NODE>: MSG`).
    Exec,
    /// A function called from the template failed (printed as an execution error).
    Func,
    /// The evaluation budget ([`crate::ExecOptions::fuel`]) ran out.
    Fuel,
    /// Templates nested deeper than [`crate::ExecOptions::max_depth`].
    Depth,
    /// A template name that the set does not define.
    NoTemplate,
}

/// A template error; `Display` prints exactly what Go prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The template file (Go's parse name) the error is in.
    pub template: String,
    /// 1-based line; 0 when unknown.
    pub line: usize,
    /// 0-based byte column within the line, as Go counts it; meaningful for execution errors.
    pub col: usize,
    /// What kind of failure this is.
    pub kind: ErrorKind,
    /// The message after the location (Go's text).
    pub message: String,
    /// The executing template's name (`executing "NAME"`), for execution errors.
    pub executing: String,
    /// Go's short rendering of the node being evaluated (`<NODE>`), for execution errors.
    pub context: Option<String>,
    /// The full text as Go prints it; errors from nested templates keep the innermost one.
    pub text: String,
}

impl Error {
    /// A parse error: `template: NAME:LINE: MSG`.
    pub fn parse(template: &str, line: usize, message: impl Into<String>) -> Error {
        let message = message.into();
        let text = format!("template: {template}:{line}: {message}");
        Error {
            template: template.to_string(),
            line,
            col: 0,
            kind: ErrorKind::Parse,
            message,
            executing: String::new(),
            context: None,
            text,
        }
    }

    /// An execution error at a node: `template: FILE:LINE:COL: executing "NAME" at <NODE>: MSG`.
    pub fn exec(
        kind: ErrorKind,
        file: &str,
        line: usize,
        col: usize,
        executing: &str,
        context: &str,
        message: impl Into<String>,
    ) -> Error {
        let message = message.into();
        let text = format!(
            "template: {file}:{line}:{col}: executing \"{executing}\" at <{context}>: {message}"
        );
        Error {
            template: file.to_string(),
            line,
            col,
            kind,
            message,
            executing: executing.to_string(),
            context: Some(context.to_string()),
            text,
        }
    }

    /// An execution error without a node: `template: NAME: MSG`.
    pub fn plain(kind: ErrorKind, name: &str, message: impl Into<String>) -> Error {
        let message = message.into();
        let text = format!("template: {name}: {message}");
        Error {
            template: name.to_string(),
            line: 0,
            col: 0,
            kind,
            message,
            executing: name.to_string(),
            context: None,
            text,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Error {}
