//! Go's `text/template` language with Sprig's functions, in Rust.
//!
//! The engine Strata uses to render Helm charts in-process. It follows Go's definition of the
//! language (actions, pipelines, variables, `if`/`with`/`range`/`define`/`template`/`block`,
//! whitespace trimming, the built-in functions, Go's `fmt` formatting of values) and Helm's
//! options (`missingkey=zero`). Values are typed as Go types them ([`Value`]), so output and
//! errors match what Helm prints.

pub mod fmt;
pub mod func;
pub mod sprig;
pub mod value;

pub use func::{CallContext, Func, FuncError, FuncMap};
pub use value::{Map, Object, Value};

/// A template error (placeholder until the executor lands).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub String);
