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
    pub message: Box<str>,
    /// The executing template's name (`executing "NAME"`), for execution errors.
    pub executing: Box<str>,
    /// Go's rendering of the node being evaluated (`<NODE>`), for execution errors.
    pub context: Option<Box<str>>,
    /// The whole text as Go prints it (what `Display` prints).
    pub text: String,
}

impl Error {
    /// A parse error: `template: NAME:LINE: MSG`.
    pub fn parse(template: &str, line: usize, message: impl Into<String>) -> Error {
        let message: Box<str> = message.into().into_boxed_str();
        Error {
            template: template.to_string(),
            line,
            col: 0,
            kind: ErrorKind::Parse,
            message,
            executing: Box::from(""),
            context: None,
            text: String::new(),
        }
        .finish()
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
        let message: Box<str> = message.into().into_boxed_str();
        Error {
            template: file.to_string(),
            line,
            col,
            kind,
            message,
            executing: Box::from(executing),
            context: Some(Box::from(context)),
            text: String::new(),
        }
        .finish()
    }

    /// An execution error without a node: `template: NAME: MSG`.
    pub fn plain(kind: ErrorKind, name: &str, message: impl Into<String>) -> Error {
        let message: Box<str> = message.into().into_boxed_str();
        Error {
            template: name.to_string(),
            line: 0,
            col: 0,
            kind,
            message,
            executing: Box::from(name),
            context: None,
            text: String::new(),
        }
        .finish()
    }
}

impl Error {
    /// Fills in `text` from the other fields.
    fn finish(mut self) -> Error {
        self.text = Shape(&self).to_string();
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Formats an error's fields as Go does.
struct Shape<'e>(&'e Error);

impl fmt::Display for Shape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        match (&e.context, e.kind) {
            (Some(ctx), _) => write!(
                f,
                "template: {}:{}:{}: executing \"{}\" at <{}>: {}",
                e.template, e.line, e.col, e.executing, ctx, e.message
            ),
            (None, ErrorKind::Parse) => {
                write!(f, "template: {}:{}: {}", e.template, e.line, e.message)
            }
            (None, _) if e.template.is_empty() => write!(f, "template: {}", e.message),
            (None, _) => write!(f, "template: {}: {}", e.template, e.message),
        }
    }
}

impl std::error::Error for Error {}
