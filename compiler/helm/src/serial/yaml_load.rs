//! Reading YAML as Helm reads it: `sigs.k8s.io/yaml.Unmarshal`, i.e. go-yaml v2 (YAML 1.1)
//! into Go's dynamic types, then a JSON round trip.
//!
//! The rules that make Helm's values what they are:
//! * YAML 1.1 resolution of plain scalars: `yes`/`no`/`on`/`off`/`y`/`n` (three casings) are
//!   booleans, integers in Go syntax (`0x1F`, `0o17`, `0755`, `1_000`), `.inf`/`.nan`, `~`.
//!   Quoted scalars are strings; timestamps stay the text written.
//! * Mappings are Go maps: a repeated key overwrites the earlier one; a `<<` merge key copies
//!   the merged mapping's entries at the position it appears (so it overwrites keys written
//!   before it and is overwritten by keys after it; in a list of merges earlier ones win).
//! * Non-string keys become strings (`1` → `"1"`, `true` → `"true"`, floats with float32
//!   precision); a null key, an integer beyond int64, or a collection as key is an error.
//! * Then the JSON round trip: every number becomes a `float64`, and `.inf`/`.nan` anywhere in
//!   a value is an error (JSON cannot carry them).
//! * Only the first document of the text is read (`---` starts one that is ignored).

mod fast;
#[cfg(test)]
mod fast_tests;
#[cfg(test)]
mod split_tests;

use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use strata_gotmpl::Value;
use strata_yaml::{resolve_plain, Resolved, Schema};

use super::gofloat::{format_g, Bits};
use super::json::json_kind;
use super::SerialError;

/// Deepest nesting of collections accepted; deeper input is refused rather than risking the
/// stack (go-yaml v2 has no limit, but no values file comes near this).
pub const MAX_DEPTH: usize = 1000;

/// A parsed YAML node, before decoding.
enum Node {
    Scalar {
        value: String,
        tag: Option<String>,
        /// Plain (unquoted) scalars are "implicit" in libyaml's terms: only they resolve.
        plain: bool,
    },
    Seq(Vec<usize>),
    Map(Vec<usize>),
    Alias {
        target: usize,
        name: String,
    },
}

struct NodeData {
    node: Node,
    line: usize,
    col: usize,
}

/// A decoded Go value, as go-yaml v2 produces it when decoding into `interface{}`.
#[derive(Clone, Debug)]
enum GoVal {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<GoVal>),
    /// `map[interface{}]interface{}` in insertion order, keys unique by Go equality.
    Map(Vec<(GoVal, GoVal)>),
}

impl GoVal {
    fn go_eq(&self, other: &GoVal) -> bool {
        match (self, other) {
            (GoVal::Nil, GoVal::Nil) => true,
            (GoVal::Bool(a), GoVal::Bool(b)) => a == b,
            (GoVal::Int(a), GoVal::Int(b)) => a == b,
            (GoVal::Uint(a), GoVal::Uint(b)) => a == b,
            (GoVal::Float(a), GoVal::Float(b)) => a == b,
            (GoVal::Str(a), GoVal::Str(b)) => a == b,
            _ => false,
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            GoVal::Nil => "<nil>",
            GoVal::Bool(_) => "bool",
            GoVal::Int(_) => "int",
            GoVal::Uint(_) => "uint64",
            GoVal::Float(_) => "float64",
            GoVal::Str(_) => "string",
            GoVal::Seq(_) => "[]interface {}",
            GoVal::Map(_) => "map[interface {}]interface {}",
        }
    }
}

fn map_set(entries: &mut Vec<(GoVal, GoVal)>, k: GoVal, v: GoVal) {
    if let Some(slot) = entries.iter_mut().find(|(ek, _)| ek.go_eq(&k)) {
        slot.1 = v;
    } else {
        entries.push((k, v));
    }
}

/// Where an error was found (1-based line and column), when known.
fn err_at(message: String, line: usize, col: usize) -> SerialError {
    SerialError {
        message,
        line: Some(line),
        col: Some(col),
    }
}

fn err(message: String) -> SerialError {
    SerialError {
        message,
        line: None,
        col: None,
    }
}

/// libyaml's wording and line numbering for a parse error saphyr reports as `info` at 1-based
/// `line`: go-yaml prints the 0-based line of parser errors and the 1-based line of scanner
/// errors, and no line at all when the error is on the first line.
fn libyaml_message(info: &str, line: usize) -> String {
    const PARSER: [(&str, &str); 6] = [
        (
            "while parsing a block mapping, did not find expected key",
            "did not find expected key",
        ),
        (
            "while parsing a flow mapping, did not find expected ',' or '}'",
            "did not find expected ',' or '}'",
        ),
        (
            "while parsing a flow sequence, expected ',' or ']'",
            "did not find expected ',' or ']'",
        ),
        (
            "while parsing a block collection, did not find expected '-' indicator",
            "did not find expected '-' indicator",
        ),
        (
            "while parsing a node, did not find expected node content",
            "did not find expected node content",
        ),
        (
            "did not find expected <document start>",
            "did not find expected <document start>",
        ),
    ];
    let zero_based = line.saturating_sub(1);
    let (text, shown) = match PARSER.iter().find(|(saphyr, _)| info.starts_with(saphyr)) {
        Some((_, libyaml)) => (libyaml.to_string(), zero_based),
        None => {
            // Scanner errors: libyaml states the problem without saphyr's "while …" context.
            let text = match info.split_once(", ") {
                Some((ctx, rest)) if ctx.starts_with("while ") => rest.to_string(),
                _ => info.to_string(),
            };
            (text, zero_based + 1)
        }
    };
    if zero_based == 0 {
        format!("yaml: {text}")
    } else {
        format!("yaml: line {shown}: {text}")
    }
}

/// libyaml's reader refuses characters outside YAML's printable set before parsing.
fn check_characters(src: &str) -> Result<(), SerialError> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{85}')
            || (' '..='~').contains(&c)
            || ('\u{A0}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    match src.char_indices().find(|&(_, c)| !allowed(c)) {
        None => Ok(()),
        Some((offset, _)) => {
            let line = src[..offset].matches('\n').count() + 1;
            let col = src[..offset]
                .rsplit('\n')
                .next()
                .map_or(0, |l| l.chars().count())
                + 1;
            Err(err_at(
                "yaml: control characters are not allowed".into(),
                line,
                col,
            ))
        }
    }
}

/// Builds the node tree of the first document; `None` for an empty stream.
fn parse_first_document(src: &str) -> Result<Option<(Vec<NodeData>, usize)>, SerialError> {
    check_characters(src)?;
    let mut parser = Parser::new_from_str(src);
    let mut nodes: Vec<NodeData> = Vec::new();
    // Anchor id -> node index; registered when the node starts, as libyaml does, so that an
    // alias inside its own anchor's node is seen (and refused when decoding).
    let mut anchors: BTreeMap<usize, usize> = BTreeMap::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut root: Option<usize> = None;
    let mut in_doc = false;
    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| {
            let m = e.marker();
            let line = m.line().max(1);
            let info = e.info();
            let message = if info.contains("unknown anchor") {
                let name = anchor_name_at(src, m.index());
                format!("yaml: unknown anchor '{name}' referenced")
            } else {
                libyaml_message(info, line)
            };
            err_at(message, line, m.col() + 1)
        })?;
        let line = span.start.line().max(1);
        let col = span.start.col() + 1;
        let push = |node: Node, nodes: &mut Vec<NodeData>| -> usize {
            nodes.push(NodeData { node, line, col });
            nodes.len() - 1
        };
        let new_index = match event {
            Event::DocumentStart(_) => {
                in_doc = true;
                continue;
            }
            Event::DocumentEnd => {
                if in_doc {
                    // go-yaml's Unmarshal reads the first document only.
                    break;
                }
                continue;
            }
            Event::StreamStart | Event::Nothing => continue,
            Event::StreamEnd => break,
            Event::Scalar(value, style, anchor, tag) => {
                let i = push(
                    Node::Scalar {
                        value: value.into_owned(),
                        tag: tag.map(|t| long_tag(&t)),
                        plain: style == ScalarStyle::Plain,
                    },
                    &mut nodes,
                );
                if anchor > 0 {
                    anchors.insert(anchor, i);
                }
                i
            }
            Event::Alias(id) => {
                let name = anchor_name_at(src, span.start.index());
                let Some(&target) = anchors.get(&id) else {
                    return Err(err_at(
                        format!("yaml: unknown anchor '{name}' referenced"),
                        line,
                        col,
                    ));
                };
                push(Node::Alias { target, name }, &mut nodes)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err_at(
                        format!("yaml: line {line}: nesting deeper than {MAX_DEPTH} levels"),
                        line,
                        col,
                    ));
                }
                let node = if matches!(event, Event::SequenceStart(..)) {
                    Node::Seq(Vec::new())
                } else {
                    Node::Map(Vec::new())
                };
                let i = push(node, &mut nodes);
                if anchor > 0 {
                    anchors.insert(anchor, i);
                }
                attach(&mut nodes, &stack, &mut root, i);
                stack.push(i);
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                if stack.is_empty() && root.is_some() {
                    // libyaml ends the document implicitly after its root node, whatever
                    // follows; go-yaml never asks for more.
                    break;
                }
                continue;
            }
        };
        attach(&mut nodes, &stack, &mut root, new_index);
        if stack.is_empty() && root.is_some() {
            break;
        }
    }
    Ok(root.map(|r| (nodes, r)))
}

fn attach(nodes: &mut [NodeData], stack: &[usize], root: &mut Option<usize>, child: usize) {
    match stack.last() {
        None => {
            if root.is_none() {
                *root = Some(child);
            }
        }
        Some(&parent) => match &mut nodes[parent].node {
            Node::Seq(c) | Node::Map(c) => c.push(child),
            _ => {}
        },
    }
}

/// The anchor name written at character offset `index` (`*name` or `&name`).
fn anchor_name_at(src: &str, index: usize) -> String {
    let rest: String = src.chars().skip(index).take(200).collect();
    let rest = rest.trim_start_matches(['*', '&']);
    rest.chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
        .collect()
}

/// The tag in its long form (`!!int` → `tag:yaml.org,2002:int`), as libyaml reports it.
fn long_tag(tag: &Tag) -> String {
    if tag.handle == "!!" {
        format!("tag:yaml.org,2002:{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

const TAG_PREFIX: &str = "tag:yaml.org,2002:";

fn short_tag(tag: &str) -> String {
    match tag.strip_prefix(TAG_PREFIX) {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

/// go-yaml v2's `resolve` for a plain scalar: the tag it resolves to and its value.
fn resolve_untagged(s: &str) -> (&'static str, GoVal) {
    match resolve_plain(s, Schema::Go11) {
        Resolved::Null => ("null", GoVal::Nil),
        Resolved::Bool(b) => ("bool", GoVal::Bool(b)),
        Resolved::Int(i) => ("int", GoVal::Int(i)),
        Resolved::UInt(u) => ("int", GoVal::Uint(u)),
        Resolved::Float(f) => ("float", GoVal::Float(f)),
        Resolved::NonFinite => {
            let f = if s.to_ascii_lowercase().contains("nan") {
                f64::NAN
            } else if s.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            ("float", GoVal::Float(f))
        }
        Resolved::Timestamp(_) => ("timestamp", GoVal::Str(s.to_string())),
        Resolved::Str => {
            if s == "<<" {
                ("merge", GoVal::Str(s.to_string()))
            } else {
                ("str", GoVal::Str(s.to_string()))
            }
        }
    }
}

/// Timestamps in the forms go-yaml v2 accepts; decoded into `interface{}` they stay the text
/// written, so only whether a scalar is one matters (for `!!timestamp`).
fn looks_like_timestamp(s: &str) -> bool {
    matches!(resolve_plain(s, Schema::Go12), Resolved::Timestamp(_))
}

struct Decoder<'a> {
    nodes: &'a [NodeData],
    active_aliases: Vec<usize>,
    decode_count: usize,
    alias_count: usize,
    alias_depth: usize,
}

/// go-yaml v2's limit on alias expansion: the share of decode steps that may come from
/// aliases shrinks from 99% to 10% as documents grow.
fn allowed_alias_ratio(decode_count: usize) -> f64 {
    const LOW: f64 = 400_000.0;
    const HIGH: f64 = 4_000_000.0;
    let d = decode_count as f64;
    if d <= LOW {
        0.99
    } else if d >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((d - LOW) / (HIGH - LOW))
    }
}

impl Decoder<'_> {
    fn decode(&mut self, i: usize, depth: usize) -> Result<GoVal, SerialError> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err(err("yaml: document contains excessive aliasing".into()));
        }
        if depth > MAX_DEPTH {
            let n = &self.nodes[i];
            return Err(err_at(
                format!(
                    "yaml: line {}: nesting deeper than {MAX_DEPTH} levels",
                    n.line
                ),
                n.line,
                n.col,
            ));
        }
        let n = &self.nodes[i];
        match &n.node {
            Node::Alias { target, name } => {
                if self.active_aliases.contains(&i) {
                    return Err(err_at(
                        format!("yaml: anchor '{name}' value contains itself"),
                        n.line,
                        n.col,
                    ));
                }
                self.active_aliases.push(i);
                self.alias_depth += 1;
                let r = self.decode(*target, depth + 1);
                self.alias_depth -= 1;
                self.active_aliases.pop();
                r
            }
            Node::Scalar { value, tag, plain } => self.scalar(value, tag.as_deref(), *plain, n),
            Node::Seq(children) => {
                let mut out = Vec::with_capacity(children.len());
                for &c in children {
                    out.push(self.decode(c, depth + 1)?);
                }
                Ok(GoVal::Seq(out))
            }
            Node::Map(children) => {
                let mut out = Vec::new();
                self.mapping_into(children, &mut out, depth)?;
                Ok(GoVal::Map(out))
            }
        }
    }

    fn mapping_into(
        &mut self,
        children: &[usize],
        out: &mut Vec<(GoVal, GoVal)>,
        depth: usize,
    ) -> Result<(), SerialError> {
        for pair in children.chunks(2) {
            let (k, v) = (pair[0], pair.get(1).copied());
            if self.is_merge(k) {
                if let Some(v) = v {
                    self.merge(v, out, depth)?;
                }
                continue;
            }
            let key = self.decode(k, depth + 1)?;
            if matches!(key, GoVal::Seq(_) | GoVal::Map(_)) {
                let n = &self.nodes[k];
                return Err(err_at(
                    format!("yaml: invalid map key: {}", go_syntax(&key)),
                    n.line,
                    n.col,
                ));
            }
            let value = match v {
                Some(v) => self.decode(v, depth + 1)?,
                None => GoVal::Nil,
            };
            map_set(out, key, value);
        }
        Ok(())
    }

    fn is_merge(&self, i: usize) -> bool {
        match &self.nodes[i].node {
            Node::Scalar { value, tag, plain } => {
                value == "<<"
                    && (*plain && tag.is_none()
                        || tag.as_deref() == Some("tag:yaml.org,2002:merge"))
            }
            _ => false,
        }
    }

    fn merge(
        &mut self,
        i: usize,
        out: &mut Vec<(GoVal, GoVal)>,
        depth: usize,
    ) -> Result<(), SerialError> {
        let want_map = |n: &NodeData| {
            err_at(
                "yaml: map merge requires map or sequence of maps as the value".into(),
                n.line,
                n.col,
            )
        };
        let is_map_or_alias_to_map = |this: &Self, j: usize| match &this.nodes[j].node {
            Node::Map(_) => true,
            Node::Alias { target, .. } => matches!(this.nodes[*target].node, Node::Map(_)),
            _ => false,
        };
        match &self.nodes[i].node {
            Node::Map(_) | Node::Alias { .. } => {
                if !is_map_or_alias_to_map(self, i) {
                    return Err(want_map(&self.nodes[i]));
                }
                self.merge_one(i, out, depth)
            }
            Node::Seq(children) => {
                // Earlier entries take precedence, so they are applied last.
                for &c in children.iter().rev() {
                    if !is_map_or_alias_to_map(self, c) {
                        return Err(want_map(&self.nodes[c]));
                    }
                    self.merge_one(c, out, depth)?;
                }
                Ok(())
            }
            Node::Scalar { .. } => Err(want_map(&self.nodes[i])),
        }
    }

    /// Decodes mapping node `i` (or an alias to one) into the existing map `out`.
    fn merge_one(
        &mut self,
        i: usize,
        out: &mut Vec<(GoVal, GoVal)>,
        depth: usize,
    ) -> Result<(), SerialError> {
        match self.decode(i, depth + 1)? {
            GoVal::Map(entries) => {
                for (k, v) in entries {
                    map_set(out, k, v);
                }
                Ok(())
            }
            _ => Err(err(
                "yaml: map merge requires map or sequence of maps as the value".into(),
            )),
        }
    }

    fn scalar(
        &mut self,
        value: &str,
        tag: Option<&str>,
        plain: bool,
        n: &NodeData,
    ) -> Result<GoVal, SerialError> {
        let Some(tag) = tag else {
            if !plain {
                return Ok(GoVal::Str(value.to_string()));
            }
            return Ok(resolve_untagged(value).1);
        };
        let Some(want) = tag.strip_prefix(TAG_PREFIX) else {
            // A tag go-yaml does not resolve (`!foo`, `!`) leaves the text a string.
            return Ok(GoVal::Str(value.to_string()));
        };
        match want {
            "str" => Ok(GoVal::Str(value.to_string())),
            "binary" => {
                use base64::Engine as _;
                match base64::engine::general_purpose::STANDARD.decode(value) {
                    // Go strings may hold any bytes; the JSON round trip then replaces
                    // invalid UTF-8, as the lossy conversion does.
                    Ok(bytes) => Ok(GoVal::Str(String::from_utf8_lossy(&bytes).into_owned())),
                    Err(_) => Err(err_at(
                        "yaml: !!binary value contains invalid base64 data".into(),
                        n.line,
                        n.col,
                    )),
                }
            }
            "bool" | "int" | "float" | "null" | "timestamp" => {
                let (mut rtag, mut out) = resolve_untagged(value);
                if rtag == "str" && want == "timestamp" && looks_like_timestamp(value) {
                    rtag = "timestamp";
                }
                if rtag == want {
                    return Ok(out);
                }
                if want == "float" && rtag == "int" {
                    out = match out {
                        GoVal::Int(i) => GoVal::Float(i as f64),
                        GoVal::Uint(u) => GoVal::Float(u as f64),
                        other => other,
                    };
                    if matches!(out, GoVal::Float(_)) {
                        return Ok(out);
                    }
                }
                Err(err_at(
                    format!(
                        "yaml: cannot decode !!{rtag} `{value}` as a {}",
                        short_tag(tag)
                    ),
                    n.line,
                    n.col,
                ))
            }
            // Other tags of the yaml.org namespace (`!!map` on a scalar…) are not resolvable.
            _ => Ok(GoVal::Str(value.to_string())),
        }
    }
}

/// Go's `%#v` of a small value, for error messages (approximate for nested collections).
fn go_syntax(v: &GoVal) -> String {
    match v {
        GoVal::Nil => "interface {}(nil)".into(),
        GoVal::Bool(b) => b.to_string(),
        GoVal::Int(i) => i.to_string(),
        GoVal::Uint(u) => format!("0x{u:x}"),
        GoVal::Float(f) => format_g(*f, Bits::B64),
        GoVal::Str(s) => format!("{s:?}"),
        GoVal::Seq(items) => format!(
            "[]interface {{}}{{{}}}",
            items.iter().map(go_syntax).collect::<Vec<_>>().join(", ")
        ),
        GoVal::Map(entries) => format!(
            "map[interface {{}}]interface {{}}{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}:{}", go_syntax(k), go_syntax(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The string a non-string key becomes (sigs.k8s.io/yaml's conversion).
fn key_string(k: &GoVal, v: &GoVal) -> Result<String, String> {
    Ok(match k {
        GoVal::Str(s) => s.clone(),
        GoVal::Int(i) => i.to_string(),
        GoVal::Float(f) => match format_g(*f, Bits::B32).as_str() {
            "+Inf" => ".inf".into(),
            "-Inf" => "-.inf".into(),
            "NaN" => ".nan".into(),
            s => s.to_string(),
        },
        GoVal::Bool(b) => b.to_string(),
        other => {
            return Err(format!(
                "unsupported map key of type: {}, key: {}, value: {}",
                other.type_name(),
                go_syntax(other),
                go_syntax(v)
            ))
        }
    })
}

/// sigs.k8s.io/yaml's conversion to a JSON-able object, then the JSON round trip into Go's
/// `interface{}` (every number a float64).
fn to_value(v: GoVal) -> Result<Value, String> {
    Ok(match v {
        GoVal::Nil => Value::Nil,
        GoVal::Bool(b) => Value::Bool(b),
        GoVal::Int(i) => Value::Float(i as f64),
        GoVal::Uint(u) => Value::Float(u as f64),
        GoVal::Float(f) => {
            if !f.is_finite() {
                return Err(format!(
                    "json: unsupported value: {}",
                    format_g(f, Bits::B64)
                ));
            }
            Value::Float(f)
        }
        GoVal::Str(s) => Value::from(s),
        GoVal::Seq(items) => Value::list(
            items
                .into_iter()
                .map(to_value)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        GoVal::Map(entries) => {
            let mut strings = Vec::with_capacity(entries.len());
            for (k, v) in &entries {
                strings.push(key_string(k, v)?);
            }
            let mut out = BTreeMap::new();
            for (key, (_, v)) in strings.into_iter().zip(entries) {
                out.insert(key.into(), to_value(v)?);
            }
            Value::map(out)
        }
    })
}

/// Decodes the first document of `src` as go-yaml v2 would into `interface{}`, then applies
/// sigs.k8s.io/yaml's key conversion and JSON round trip. `Ok(Value::Nil)` for an empty text.
///
/// Errors carry Helm's wording: `error converting YAML to JSON: yaml: line 3: …`.
pub fn unmarshal(src: &str) -> Result<Value, SerialError> {
    if let Some(v) = fast::load(src) {
        return Ok(v);
    }
    unmarshal_general(src)
}

/// [`unmarshal`] by the general reader, for any text.
fn unmarshal_general(src: &str) -> Result<Value, SerialError> {
    let wrap = |mut e: SerialError| {
        e.message = format!("error converting YAML to JSON: {}", e.message);
        e
    };
    let Some((nodes, root)) = parse_first_document(src).map_err(wrap)? else {
        return Ok(Value::Nil);
    };
    let mut d = Decoder {
        nodes: &nodes,
        active_aliases: Vec::new(),
        decode_count: 0,
        alias_count: 0,
        alias_depth: 0,
    };
    let go = d.decode(root, 0).map_err(wrap)?;
    to_value(go).map_err(|m| err(format!("error converting YAML to JSON: {m}")))
}

/// `yaml.Unmarshal(text, &map[string]interface{}{})` as Helm's `fromYaml` calls it: a mapping,
/// an empty map for an empty text or `null`, and an error for any other document.
pub fn unmarshal_map(src: &str) -> Result<Value, SerialError> {
    match unmarshal(src)? {
        Value::Nil => Ok(Value::empty_map()),
        v @ Value::Map(_) => Ok(v),
        other => Err(err(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        ))),
    }
}

/// `yaml.Unmarshal(text, &[]interface{}{})` as Helm's `fromYamlArray` calls it.
pub fn unmarshal_list(src: &str) -> Result<Value, SerialError> {
    match unmarshal(src)? {
        Value::Nil => Ok(Value::list(Vec::new())),
        v @ Value::List(_) => Ok(v),
        other => Err(err(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
            json_kind(&other)
        ))),
    }
}

/// Reads a chart's `values.yaml` as Helm's chart loader does: every `---`-separated document is
/// read (as `fromYaml` reads one) and the documents are merged, later ones winning, maps merged
/// recursively. The result is always a map.
pub fn load_values(src: &str) -> Result<Value, SerialError> {
    let mut merged: Option<Value> = None;
    for (doc, first_line) in split_documents(src) {
        // The message keeps Helm's wording (lines counted within the document); the position
        // fields are made absolute for diagnostics.
        let v = unmarshal_map(doc).map_err(|mut e| {
            if let Some(l) = e.line.as_mut() {
                *l += first_line - 1;
            }
            e
        })?;
        merged = match merged {
            // The first document's map is new and unshared: merging it into nothing would
            // only copy it.
            None => Some(v),
            Some(m) => Some(merge_maps(&m, &v)),
        };
    }
    Ok(merged.unwrap_or_else(Value::empty_map))
}

/// Splits a stream the way Kubernetes' `YAMLReader` does: a line starting with `---` (followed
/// only by spaces or a comment) ends a document. Returns each document's text and the line
/// number (1-based) of its first line.
fn split_documents(src: &str) -> Vec<(&str, usize)> {
    // Only lines that start with `---` can end a document: they are found with a substring
    // search, and lines are counted only up to each separator (values files are long, and
    // most have one `---` line at most).
    let b = src.as_bytes();
    let marker_from = |at: usize| -> Option<usize> {
        if (at == 0 || b[at - 1] == b'\n') && src[at..].starts_with("---") {
            return Some(at);
        }
        src[at..].find("\n---").map(|i| at + i + 1)
    };
    let mut docs = Vec::new();
    // The current document starts at byte `from`, on line `start`; `line` is the number of
    // the line that starts at byte `counted`.
    let (mut from, mut start) = (0, 1);
    let (mut line, mut counted) = (1, 0);
    let mut at = 0;
    while let Some(p) = marker_from(at) {
        let line_end = src[p..].find('\n').map_or(src.len(), |i| p + i + 1);
        let rest = src[p + 3..line_end].trim();
        if rest.is_empty() || rest.starts_with('#') {
            line += b[counted..p].iter().filter(|&&c| c == b'\n').count();
            counted = p;
            if p > from {
                docs.push((&src[from..p], start));
            }
            from = line_end;
            start = line + 1;
        }
        at = line_end;
    }
    if src.len() > from {
        docs.push((&src[from..], start));
    }
    docs
}

/// Helm's `MergeMaps`: `b`'s entries over `a`'s, maps merged recursively (new maps; the inputs
/// are left untouched).
fn merge_maps(a: &Value, b: &Value) -> Value {
    let (Value::Map(a), Value::Map(b)) = (a, b) else {
        return b.clone();
    };
    let mut out = a.borrow().clone();
    for (k, v) in b.borrow().iter() {
        if let (Value::Map(_), Some(existing @ Value::Map(_))) = (v, out.get(k)) {
            let merged = merge_maps(existing, v);
            out.insert(k.clone(), merged);
            continue;
        }
        out.insert(k.clone(), v.clone());
    }
    Value::map(out)
}
