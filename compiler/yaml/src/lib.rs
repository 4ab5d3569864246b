//! Strata's one YAML module.
//!
//! Every YAML byte Strata reads or writes goes through this crate, so that the two hard
//! problems of YAML in a Kubernetes tool are solved once:
//!
//! * **Reading with positions.** [`parse`] turns a YAML stream into [`serde_json::Value`]
//!   documents and, on request, a [`Spans`] table that maps every node (by JSON pointer) to the
//!   file position a person wrote it at. Duplicate keys are errors, alias expansion is bounded
//!   and nesting depth is limited, so hostile input cannot exhaust memory or the stack.
//! * **Writing what Go reads back.** [`emit`] writes canonical block YAML in which every string
//!   that a YAML 1.1 reader (go-yaml v2 in kubectl, Flux, Argo CD; PyYAML) or a YAML 1.2 reader
//!   would resolve to something else (`no`, `on`, `y`, `0777`, `1e3`, `2024-01-01`, `null` …)
//!   is quoted.
//!
//! The value model is `serde_json::Value` with insertion-ordered maps: it is what JSON Schema
//! validation, JSON patches and the template engine consume, so no conversion layer is needed.

mod emit;
mod parse;
mod resolve;
mod span;
pub mod suggest;

pub use emit::{emit, emit_stream, needs_quotes, KeyOrder};
pub use parse::{parse, parse_one, Document, Error, ErrorKind, ParseOptions, Schema, Timestamps};
pub use resolve::{resolve_plain, Resolved};
pub use serde_json::{Map, Number, Value};
pub use span::{pointer_escape, pointer_push, pointer_unescape, NodeSpans, Pos, Span, Spans};
pub use suggest::did_you_mean;
