//! The span-keeping YAML loader: saphyr's event parser, composed into `serde_json::Value`.
//!
//! saphyr-parser gives a span for every event; this module composes the events into values,
//! resolves scalars with go-yaml's rules ([`crate::resolve`]), expands aliases within a budget,
//! applies `<<` merge keys as go-yaml does, and records the position of every node.

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};

pub use crate::resolve::Schema;
use crate::resolve::{resolve_plain, Resolved};
use crate::span::{pointer_push, NodeSpans, Pos, Span, Spans};

/// How unquoted timestamps (`2024-01-01`) are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Timestamps {
    /// Keep the text as written: what a person means in a values file.
    #[default]
    AsWritten,
    /// Convert to the RFC 3339 string Go's JSON encoder writes for a `time.Time`
    /// (`2024-01-01T00:00:00Z`), as kustomize does for resource files.
    Rfc3339,
}

/// Options of [`parse`].
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Scalar resolution rules.
    pub schema: Schema,
    /// Timestamp handling.
    pub timestamps: Timestamps,
    /// Record the span of every node (costs one pointer string per node).
    pub spans: bool,
    /// Maximum nesting depth of collections.
    pub max_depth: usize,
    /// Maximum number of nodes that alias expansion may copy in one stream
    /// (a "billion laughs" file is refused instead of exhausting memory).
    pub max_alias_nodes: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            schema: Schema::Go12,
            timestamps: Timestamps::AsWritten,
            spans: true,
            max_depth: 128,
            max_alias_nodes: 1_000_000,
        }
    }
}

impl ParseOptions {
    /// Options for reading Kubernetes resource files the way kustomize does (go-yaml v3,
    /// timestamps as RFC 3339), without spans.
    pub fn kubernetes() -> Self {
        ParseOptions {
            timestamps: Timestamps::Rfc3339,
            spans: false,
            ..ParseOptions::default()
        }
    }
}

/// One parsed YAML document.
#[derive(Clone, Debug)]
pub struct Document {
    /// The document's value (`Value::Null` for an empty document).
    pub value: Value,
    /// Positions of every node, when requested.
    pub spans: Spans,
    /// The span of the whole document.
    pub span: Span,
}

/// The kind of a YAML error, for callers that map errors to diagnostic codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not well-formed YAML.
    Syntax,
    /// A key appears twice in one mapping.
    DuplicateKey,
    /// A mapping key that is itself a mapping or a sequence.
    ComplexKey,
    /// A value that JSON (and Kubernetes) cannot represent, such as `.inf`.
    Unrepresentable,
    /// An explicit tag (`!!int`) that does not fit its value.
    BadTag,
    /// Nesting or alias expansion beyond the configured limits.
    Limit,
}

/// A YAML error with the position it was found at.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message} at line {line} column {col}", line = span.start.line, col = span.start.col)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// A sentence describing the error.
    pub message: String,
    /// Where it went wrong.
    pub span: Span,
    /// A second position that explains the first (the first occurrence of a duplicate key).
    pub related: Option<Span>,
}

/// Parses a single-document YAML text; an empty text gives `Value::Null`.
pub fn parse_one(src: &str, opts: &ParseOptions) -> Result<Document, Error> {
    let mut docs = parse(src, opts)?;
    match docs.len() {
        0 => Ok(Document {
            value: Value::Null,
            spans: Spans::default(),
            span: Span::default(),
        }),
        1 => Ok(docs.remove(0)),
        _ => Err(Error {
            kind: ErrorKind::Syntax,
            message: "expected a single YAML document, found several".into(),
            span: docs[1].span,
            related: None,
        }),
    }
}

/// Parses a YAML stream into its documents.
pub fn parse(src: &str, opts: &ParseOptions) -> Result<Vec<Document>, Error> {
    let lines = LineIndex::new(src);
    let mut composer = Composer {
        opts,
        stack: Vec::new(),
        anchors: Vec::new(),
        alias_nodes: 0,
        spans: Spans::default(),
        root: None,
    };
    let mut docs = Vec::new();
    let mut doc_start = Pos::default();
    let mut parser = Parser::new_from_str(src);
    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| Error {
            kind: ErrorKind::Syntax,
            message: e.info().to_string(),
            span: {
                let p = lines.pos(src, *e.marker());
                Span { start: p, end: p }
            },
            related: None,
        })?;
        let span = Span {
            start: lines.pos(src, span.start),
            end: lines.pos(src, span.end),
        };
        match event {
            Event::DocumentStart(_) => {
                doc_start = span.start;
                composer.root = None;
                composer.anchors.clear();
                composer.spans = Spans::default();
            }
            Event::DocumentEnd => {
                let value = composer.root.take().unwrap_or(Value::Null);
                docs.push(Document {
                    value,
                    spans: std::mem::take(&mut composer.spans),
                    span: Span {
                        start: doc_start,
                        end: span.end,
                    },
                });
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            other => composer.event(other, span)?,
        }
    }
    Ok(docs)
}

/// Maps saphyr's character-based markers to byte offsets.
struct LineIndex {
    /// Byte offset of the start of every line.
    starts: Vec<usize>,
    ascii: bool,
}

impl LineIndex {
    fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            starts,
            ascii: src.is_ascii(),
        }
    }

    fn pos(&self, src: &str, m: Marker) -> Pos {
        let line = m.line().max(1);
        let start = self
            .starts
            .get(line - 1)
            .copied()
            .unwrap_or(src.len())
            .min(src.len());
        let offset = if self.ascii {
            (start + m.col()).min(src.len())
        } else {
            src[start..]
                .char_indices()
                .nth(m.col())
                .map_or(src.len(), |(i, _)| start + i)
        };
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
            offset,
        }
    }
}

enum FrameKind {
    Seq(Vec<Value>),
    Map {
        map: Map<String, Value>,
        key_spans: Vec<Span>,
        pending_key: Option<(String, Span, bool)>,
        merges: Vec<(Value, Span)>,
    },
}

struct Frame {
    kind: FrameKind,
    anchor: usize,
    start: Span,
    pointer: String,
    key_span: Option<Span>,
    nodes: usize,
}

struct Composer<'a> {
    opts: &'a ParseOptions,
    stack: Vec<Frame>,
    /// Anchored values by anchor id, with their node counts (for the alias budget).
    anchors: Vec<Option<(Value, usize)>>,
    alias_nodes: usize,
    spans: Spans,
    root: Option<Value>,
}

impl Composer<'_> {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Error> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(Frame {
                    kind:
                        FrameKind::Map {
                            pending_key: pending @ None,
                            ..
                        },
                    ..
                }) = self.stack.last_mut()
                {
                    // A scalar in key position: keys are kept as written, which is what
                    // Kubernetes objects (string-keyed JSON) need. Only a plain `<<` is a merge.
                    let merge = style == ScalarStyle::Plain && text == "<<";
                    *pending = Some((text.into_owned(), span, merge));
                    return Ok(());
                }
                let value = self.scalar(&text, style, tag.as_deref(), span)?;
                self.remember(anchor, &value, 1);
                self.attach(value, span, 1)
            }
            Event::Alias(id) => {
                if let Some(Frame {
                    kind:
                        FrameKind::Map {
                            pending_key: pending @ None,
                            ..
                        },
                    ..
                }) = self.stack.last_mut()
                {
                    let key = match self.anchors.get(id).and_then(Option::as_ref) {
                        Some((Value::String(s), _)) => s.clone(),
                        Some((v @ (Value::Number(_) | Value::Bool(_)), _)) => v.to_string(),
                        _ => {
                            return Err(self.err(
                                ErrorKind::ComplexKey,
                                span,
                                "an alias used as a mapping key must name a scalar",
                            ))
                        }
                    };
                    *pending = Some((key, span, false));
                    return Ok(());
                }
                let Some((value, nodes)) = self.anchors.get(id).and_then(Option::as_ref).cloned()
                else {
                    return Err(self.err(ErrorKind::Syntax, span, "alias to an unknown anchor"));
                };
                self.alias_nodes += nodes;
                if self.alias_nodes > self.opts.max_alias_nodes {
                    return Err(self.err(
                        ErrorKind::Limit,
                        span,
                        &format!(
                            "alias expansion exceeds the limit of {} nodes (a \"billion laughs\" document?)",
                            self.opts.max_alias_nodes
                        ),
                    ));
                }
                self.attach(value, span, nodes)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let is_map = matches!(event, Event::MappingStart(..));
                let (pointer, key_span) = self.child_pointer(span)?;
                if self.stack.len() >= self.opts.max_depth {
                    return Err(self.err(
                        ErrorKind::Limit,
                        span,
                        &format!("nesting deeper than {} levels", self.opts.max_depth),
                    ));
                }
                let kind = if is_map {
                    FrameKind::Map {
                        map: Map::new(),
                        key_spans: Vec::new(),
                        pending_key: None,
                        merges: Vec::new(),
                    }
                } else {
                    FrameKind::Seq(Vec::new())
                };
                self.stack.push(Frame {
                    kind,
                    anchor,
                    start: span,
                    pointer,
                    key_span,
                    nodes: 1,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(self.err(ErrorKind::Syntax, span, "unbalanced collection end"));
                };
                let value = match frame.kind {
                    FrameKind::Seq(items) => Value::Array(items),
                    FrameKind::Map {
                        mut map, merges, ..
                    } => {
                        apply_merges(&mut map, merges, |s| {
                            self.err(
                                ErrorKind::Syntax,
                                s,
                                "a `<<` merge key needs a mapping or a list of mappings",
                            )
                        })?;
                        Value::Object(map)
                    }
                };
                let whole = Span {
                    start: frame.start.start,
                    end: span.end.max_by_offset(frame.start.end),
                };
                if self.opts.spans {
                    self.spans.insert(
                        frame.pointer.clone(),
                        NodeSpans {
                            key: frame.key_span,
                            value: whole,
                        },
                    );
                }
                self.remember(frame.anchor, &value, frame.nodes);
                self.attach_built(value, frame.nodes)
            }
            _ => Ok(()),
        }
    }

    fn err(&self, kind: ErrorKind, span: Span, message: &str) -> Error {
        Error {
            kind,
            message: message.to_string(),
            span,
            related: None,
        }
    }

    fn remember(&mut self, anchor: usize, value: &Value, nodes: usize) {
        if anchor == 0 {
            return;
        }
        if self.anchors.len() <= anchor {
            self.anchors.resize(anchor + 1, None);
        }
        self.anchors[anchor] = Some((value.clone(), nodes));
    }

    /// The pointer and key span of the node about to be added to the top frame.
    fn child_pointer(&self, span: Span) -> Result<(String, Option<Span>), Error> {
        match self.stack.last() {
            None => Ok((String::new(), None)),
            Some(frame) => match &frame.kind {
                FrameKind::Seq(items) => Ok((
                    if self.opts.spans {
                        pointer_push(&frame.pointer, &items.len().to_string())
                    } else {
                        String::new()
                    },
                    None,
                )),
                FrameKind::Map { pending_key, .. } => match pending_key {
                    Some((k, ks, _)) => Ok((
                        if self.opts.spans {
                            pointer_push(&frame.pointer, k)
                        } else {
                            String::new()
                        },
                        Some(*ks),
                    )),
                    None => Err(self.err(
                        ErrorKind::ComplexKey,
                        span,
                        "a mapping key must be a scalar, not a mapping or a list",
                    )),
                },
            },
        }
    }

    /// Adds a scalar or alias value (which has no frame of its own) to its parent.
    fn attach(&mut self, value: Value, span: Span, nodes: usize) -> Result<(), Error> {
        if self.opts.spans {
            let (pointer, key) = self.child_pointer(span)?;
            self.spans.insert(pointer, NodeSpans { key, value: span });
        }
        self.attach_built(value, nodes)
    }

    fn attach_built(&mut self, value: Value, nodes: usize) -> Result<(), Error> {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(value);
            return Ok(());
        };
        frame.nodes += nodes;
        match &mut frame.kind {
            FrameKind::Seq(items) => items.push(value),
            FrameKind::Map {
                map,
                key_spans,
                pending_key,
                merges,
            } => {
                let Some((key, key_span, merge)) = pending_key.take() else {
                    // Unreachable for well-formed event streams: keys are taken in `event`.
                    return Ok(());
                };
                if merge {
                    merges.push((value, key_span));
                    return Ok(());
                }
                if map.contains_key(&key) {
                    let first = map
                        .keys()
                        .position(|k| *k == key)
                        .and_then(|i| key_spans.get(i).copied());
                    return Err(Error {
                        kind: ErrorKind::DuplicateKey,
                        message: format!("duplicate key `{key}`"),
                        span: key_span,
                        related: first,
                    });
                }
                map.insert(key, value);
                key_spans.push(key_span);
            }
        }
        Ok(())
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<Value, Error> {
        let core = tag.and_then(core_tag_name);
        let bad_tag = |what: &str| {
            self.err(
                ErrorKind::BadTag,
                span,
                &format!("cannot read `{text}` as {what}"),
            )
        };
        match core {
            Some("str") => return Ok(Value::String(text.to_string())),
            Some("binary") => {
                use base64::Engine as _;
                let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                return Ok(
                    match base64::engine::general_purpose::STANDARD.decode(compact) {
                        Ok(bytes) => match String::from_utf8(bytes) {
                            Ok(s) => Value::String(s),
                            Err(_) => Value::String(text.to_string()),
                        },
                        Err(_) => return Err(bad_tag("base64 (!!binary)")),
                    },
                );
            }
            _ => {}
        }
        // A tag other than the core ones (a custom `!foo`, or the non-specific `!`) leaves the
        // text a string, as go-yaml does.
        if tag.is_some() && core.is_none() {
            return Ok(Value::String(text.to_string()));
        }
        let resolved = if style == ScalarStyle::Plain || core.is_some() {
            resolve_plain(text, self.opts.schema)
        } else {
            Resolved::Str
        };
        let value = match resolved {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => Value::Number(i.into()),
            Resolved::UInt(u) => Value::Number(u.into()),
            Resolved::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            Resolved::NonFinite => {
                return Err(self.err(
                    ErrorKind::Unrepresentable,
                    span,
                    &format!("`{text}` is not a finite number; JSON and Kubernetes cannot represent it (quote it to make it a string)"),
                ))
            }
            Resolved::Timestamp(ts) => Value::String(match self.opts.timestamps {
                Timestamps::AsWritten => text.to_string(),
                Timestamps::Rfc3339 => ts,
            }),
            Resolved::Str => Value::String(text.to_string()),
        };
        match (core, &value) {
            (None, _)
            | (Some("null"), Value::Null)
            | (Some("bool"), Value::Bool(_))
            | (Some("int"), Value::Number(_))
            | (Some("float"), Value::Number(_))
            | (Some("timestamp"), Value::String(_)) => {
                if core == Some("int") && value.as_f64().is_some_and(|f| f.fract() != 0.0) {
                    return Err(bad_tag("an integer (!!int)"));
                }
                Ok(value)
            }
            (Some("map" | "seq"), _) => Err(bad_tag("a collection")),
            (Some(other), _) => Err(bad_tag(&format!("!!{other}"))),
        }
    }
}

/// The core-schema name of a tag (`!!int`, `tag:yaml.org,2002:int` → `int`).
fn core_tag_name(tag: &Tag) -> Option<&str> {
    if tag.handle == "!!" {
        return Some(tag.suffix.as_str());
    }
    if tag.handle == "tag:yaml.org,2002:" {
        return Some(tag.suffix.as_str());
    }
    tag.suffix.strip_prefix("tag:yaml.org,2002:")
}

/// Applies `<<` merge keys: keys written in the mapping win, then earlier merge sources.
fn apply_merges(
    map: &mut Map<String, Value>,
    merges: Vec<(Value, Span)>,
    bad: impl Fn(Span) -> Error,
) -> Result<(), Error> {
    for (source, span) in merges {
        let sources: Vec<Map<String, Value>> = match source {
            Value::Object(m) => vec![m],
            Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    Value::Object(m) => Ok(m),
                    _ => Err(bad(span)),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(bad(span)),
        };
        for m in sources {
            for (k, v) in m {
                map.entry(k).or_insert(v);
            }
        }
    }
    Ok(())
}

trait MaxByOffset {
    fn max_by_offset(self, other: Pos) -> Pos;
}

impl MaxByOffset for Pos {
    fn max_by_offset(self, other: Pos) -> Pos {
        if other.offset > self.offset {
            other
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Document {
        match parse_one(src, &ParseOptions::default()) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn values_and_spans() {
        let doc = one("a: 1\nb:\n  - x\n  - {c: yes}\n");
        assert_eq!(
            doc.value,
            serde_json::json!({"a": 1, "b": ["x", {"c": "yes"}]})
        );
        let b1 = doc.spans.get("/b/1/c").expect("span");
        assert_eq!((b1.value.start.line, b1.value.start.col), (4, 9));
        let key = b1.key.expect("key span");
        assert_eq!((key.start.line, key.start.col), (4, 6));
        let a = doc.spans.get("/a").expect("span");
        assert_eq!(&"a: 1\n"[a.value.bytes()], "1");
    }

    #[test]
    fn spans_count_characters_not_bytes() {
        let src = "name: \"ünïcode\"\nport: 80\n";
        let doc = one(src);
        let s = doc.spans.get("/name").expect("span");
        assert_eq!(s.value.start.col, 7);
        let p = doc.spans.get("/port").expect("span");
        assert_eq!(&src[p.value.bytes()], "80");
    }

    #[test]
    fn duplicate_keys_are_errors_with_both_positions() {
        let err = parse_one("a: 1\nb: 2\na: 3\n", &ParseOptions::default()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::DuplicateKey);
        assert_eq!(err.span.start.line, 3);
        assert_eq!(err.related.map(|s| s.start.line), Some(1));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse_one("a: [1, 2\nb: 3\n", &ParseOptions::default()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Syntax);
        assert!(err.span.start.line >= 1);
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            src.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                [prev.as_str(); 10].join(", ")
            ));
        }
        let err = parse_one(&src, &ParseOptions::default()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Limit);
    }

    #[test]
    fn deep_nesting_is_refused() {
        // saphyr refuses deep flow nesting itself; block nesting meets our own limit.
        let flow = format!("{}{}", "[".repeat(500), "]".repeat(500));
        assert!(parse_one(&flow, &ParseOptions::default()).is_err());
        let block: String = (0..300).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
        let err = parse_one(&block, &ParseOptions::default()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Limit);
    }

    #[test]
    fn merge_keys_and_aliases() {
        let doc = one("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n");
        assert_eq!(doc.value["d"], serde_json::json!({"x": 1, "y": 3}));
    }

    #[test]
    fn tags_and_styles() {
        let doc = one("a: !!str 123\nb: '0755'\nc: 0755\nd: !!binary aGVsbG8=\ne: |\n  x\n");
        assert_eq!(
            doc.value,
            serde_json::json!({"a": "123", "b": "0755", "c": 493, "d": "hello", "e": "x\n"})
        );
        assert!(parse_one("a: !!int abc\n", &ParseOptions::default()).is_err());
        assert!(parse_one("a: .inf\n", &ParseOptions::default()).is_err());
    }

    #[test]
    fn multiple_documents_and_empty_ones() {
        let docs = parse(
            "---\na: 1\n---\n# only a comment\n---\nb: 2\n",
            &ParseOptions::default(),
        )
        .expect("parse");
        let values: Vec<_> = docs.iter().map(|d| d.value.clone()).collect();
        assert_eq!(
            values,
            vec![
                serde_json::json!({"a": 1}),
                Value::Null,
                serde_json::json!({"b": 2})
            ]
        );
    }

    #[test]
    fn kustomization_files_read_yaml_1_1_booleans() {
        let opts = ParseOptions {
            schema: Schema::Go11,
            ..ParseOptions::default()
        };
        let doc = parse_one("namespace: n\n", &opts).expect("parse");
        assert_eq!(doc.value["namespace"], Value::Bool(false));
    }
}
