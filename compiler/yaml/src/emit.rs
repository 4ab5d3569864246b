//! The canonical emitter: block YAML that every Kubernetes tool reads back as written.
//!
//! Style (`book/src/design/layout.md`, and what `kubectl kustomize` prints): 2-space indentation, block
//! collections, sequences not indented under their key, keys sorted by bytes (optionally with
//! `apiVersion`, `kind`, `metadata` first at the top level), multi-line strings as `|` blocks,
//! integral floats written as integers. A string is written plain only when no reader we care
//! about — go-yaml v2 (YAML 1.1: kubectl, Flux, Argo CD), go-yaml v3, PyYAML (YAML 1.1) and a
//! YAML 1.2 core reader — would resolve it to anything but that same string.

use serde_json::{Map, Value};

use crate::resolve::{resolve_plain, Resolved, Schema};

/// Order of keys in emitted mappings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyOrder {
    /// Every mapping sorted by key bytes, as Go's JSON encoder (and so kustomize) does.
    #[default]
    Sorted,
    /// `apiVersion`, `kind`, `metadata` first in the top-level mapping, the rest sorted:
    /// the layout of `rendered/` (`book/src/design/layout.md`).
    Kubernetes,
}

/// Emits one document; the text ends with a newline.
pub fn emit(value: &Value, order: KeyOrder) -> String {
    let mut out = String::with_capacity(1024);
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0, false, order, true),
        Value::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0, false, order),
        Value::String(s) => {
            // A document that is only a string: always double-quoted, so that `---` or `...`
            // inside it can never be read as a document marker.
            write_double_quoted(&mut out, s);
            out.push('\n');
        }
        other => {
            write_inline_scalar(&mut out, other);
            out.push('\n');
        }
    }
    out
}

/// Emits several documents separated by `---` lines (no leading separator, as kustomize).
pub fn emit_stream<'a>(values: impl IntoIterator<Item = &'a Value>, order: KeyOrder) -> String {
    let mut out = String::new();
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&emit(v, order));
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn sorted_entries(map: &Map<String, Value>, order: KeyOrder, top: bool) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    let rank = |k: &str| -> u8 {
        if order == KeyOrder::Kubernetes && top {
            match k {
                "apiVersion" => 0,
                "kind" => 1,
                "metadata" => 2,
                _ => 3,
            }
        } else {
            3
        }
    };
    entries.sort_by(|a, b| (rank(a.0), a.0.as_bytes()).cmp(&(rank(b.0), b.0.as_bytes())));
    entries
}

/// The longest key (in bytes, as written) emitted as an implicit key: YAML's limit is 1024
/// characters, and bytes are never fewer than characters.
const MAX_IMPLICIT_KEY: usize = 1024;

/// Writes a non-empty mapping whose keys sit at column `ind`; with `first_inline` the first
/// key continues the current line (after `- `).
fn write_map(
    out: &mut String,
    map: &Map<String, Value>,
    ind: usize,
    first_inline: bool,
    order: KeyOrder,
    top: bool,
) {
    for (i, (k, v)) in sorted_entries(map, order, top).into_iter().enumerate() {
        if i > 0 || !first_inline {
            indent(out, ind);
        }
        let mut key = String::new();
        write_key(&mut key, k);
        // YAML allows at most 1024 characters in an implicit key (`key: value`); a longer key
        // is written as an explicit one (`? key` then `: value` on the next line), else no
        // reader could read the file back.
        let explicit = key.len() > MAX_IMPLICIT_KEY;
        if explicit {
            out.push_str("? ");
            out.push_str(&key);
            out.push('\n');
            indent(out, ind);
        } else {
            out.push_str(&key);
        }
        out.push(':');
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push('\n');
                write_map(out, m, ind + 2, false, order, false);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                // Under an explicit key the sequence is indented, as every reader expects.
                let seq_ind = if explicit { ind + 2 } else { ind };
                write_seq(out, items, seq_ind, false, order);
            }
            scalar => {
                out.push(' ');
                write_scalar(out, scalar, ind + 2);
            }
        }
    }
}

/// Writes a non-empty sequence whose dashes sit at column `ind`.
fn write_seq(out: &mut String, items: &[Value], ind: usize, first_inline: bool, order: KeyOrder) {
    for (i, v) in items.iter().enumerate() {
        if i > 0 || !first_inline {
            indent(out, ind);
        }
        out.push_str("- ");
        match v {
            Value::Object(m) if !m.is_empty() => write_map(out, m, ind + 2, true, order, false),
            Value::Array(inner) if !inner.is_empty() => {
                write_seq(out, inner, ind + 2, true, order);
            }
            scalar => write_scalar(out, scalar, ind + 2),
        }
    }
}

fn write_key(out: &mut String, k: &str) {
    if needs_quotes(k) || k.contains('\n') || !is_printable(k) {
        write_double_quoted(out, k);
    } else {
        out.push_str(k);
    }
}

/// Writes a scalar (or empty collection) value and the line break after it; block scalars put
/// their content at column `content_ind`.
fn write_scalar(out: &mut String, v: &Value, content_ind: usize) {
    match v {
        Value::String(s) if s.contains('\n') && block_allowed(s) => {
            write_block(out, s, content_ind);
            return;
        }
        Value::String(s) => {
            if needs_quotes(s) || !is_printable(s) || s.contains('\n') {
                write_double_quoted(out, s);
            } else {
                out.push_str(s);
            }
        }
        other => write_inline_scalar(out, other),
    }
    out.push('\n');
}

fn write_inline_scalar(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else if let Some(f) = n.as_f64() {
                out.push_str(&format_float(f));
            }
        }
        Value::String(s) => write_double_quoted(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Integral floats are written as integers (as Go's JSON→YAML conversion does); others in
/// plain decimal notation, never with an exponent, because PyYAML (YAML 1.1) reads `1e-07`
/// as a string.
fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        // Exact: |f| is below 2^53.
        format!("{}", f as i64)
    } else {
        let s = format!("{f}");
        if s.contains('.') || s.contains("inf") || s.contains("NaN") {
            s
        } else {
            format!("{s}.0")
        }
    }
}

fn write_block(out: &mut String, s: &str, ind: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    // An indentation indicator is needed when the first non-empty line starts with a space,
    // or the reader would take that space as indentation.
    if body
        .split('\n')
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with(' '))
    {
        out.push('2');
    }
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            indent(out, ind);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// Whether a multi-line string can be written as a literal block and read back identically.
fn block_allowed(s: &str) -> bool {
    let body = s.trim_end_matches('\n');
    !body.is_empty()
        && is_printable(s)
        && !s.contains('\r')
        // A body line of only spaces before the first content line could be taken for
        // indentation; such strings are rare enough to quote instead.
        && body.split('\n').find(|l| !l.is_empty()).is_some_and(|l| !l.trim().is_empty())
}

/// YAML's printable set, minus characters that readers treat as line breaks or that are
/// invisible (U+0085, U+2028, U+2029, U+FEFF): those are written escaped.
fn is_printable(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(c, '\t' | '\n')
            || (' '..='~').contains(&c)
            || (c >= '\u{A0}'
                && !matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
                ))
    })
}

fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) < 0x20 || (0x7F..0xA0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02X}", c as u32));
            }
            '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether `s`, written as a plain scalar, could be read back as something other than the
/// string `s` by a YAML 1.1 or 1.2 reader, or is not a valid plain scalar at all.
pub fn needs_quotes(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return true;
    };
    // Resolution by go-yaml v3 and v2 (which also covers YAML 1.2 core and most of 1.1).
    for schema in [Schema::Go12, Schema::Go11] {
        if resolve_plain(s, schema) != Resolved::Str {
            return true;
        }
    }
    if looks_like_yaml11_scalar(s) {
        return true;
    }
    // Plain-scalar syntax.
    if s.starts_with(' ') || s.ends_with(' ') || s.contains('\t') {
        return true;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.contains('\n') {
        return true;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return true;
    }
    match first {
        '-' | '?' | ':' => {
            // Allowed as a first character only when followed by a non-space character.
            let second = s[1..].chars().next();
            second.is_none_or(|c| c == ' ')
        }
        ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%'
        | '@' | '`' => true,
        _ => false,
    }
}

/// YAML 1.1 forms that go-yaml does not resolve but PyYAML and other 1.1 readers do:
/// sexagesimal numbers (`1:20`), the merge and value keys (`<<`, `=`), timestamps in the
/// wider 1.1 syntax, and `inf`/`nan` spellings Go's `ParseFloat` accepts after a sign.
fn looks_like_yaml11_scalar(s: &str) -> bool {
    if s == "<<" || s == "=" {
        return true;
    }
    let b = s.as_bytes();
    // Timestamps: YYYY-M…
    if b.len() >= 6
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5].is_ascii_digit()
    {
        return true;
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan" | ".inf" | ".nan") {
        return true;
    }
    // Sexagesimal: [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?
    let (int_part, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let mut parts = int_part.split(':');
    let head = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    if !rest.is_empty()
        && head.starts_with(|c: char| c.is_ascii_digit())
        && head.chars().all(|c| c.is_ascii_digit() || c == '_')
        && rest.iter().all(|p| {
            (1..=2).contains(&p.len())
                && p.chars().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || p.as_bytes()[0] <= b'5')
        })
        && frac.is_none_or(|f| f.chars().all(|c| c.is_ascii_digit() || c == '_'))
    {
        return true;
    }
    // Hexadecimal floats and other `ParseFloat` syntaxes starting with a digit.
    if unsigned.starts_with("0x") || unsigned.starts_with("0X") {
        return unsigned[2..]
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, '_' | '.' | 'p' | 'P' | '+' | '-'));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_one, ParseOptions};
    use serde_json::json;

    #[test]
    fn layout_matches_kubectl_style() {
        let v = json!({
            "spec": {"containers": [{"name": "a", "args": ["-c", "x"], "ports": []}]},
            "metadata": {"name": "x", "labels": {}},
            "kind": "Pod",
            "apiVersion": "v1"
        });
        let expected = "\
apiVersion: v1
kind: Pod
metadata:
  labels: {}
  name: x
spec:
  containers:
  - args:
    - -c
    - x
    name: a
    ports: []
";
        assert_eq!(emit(&v, KeyOrder::Kubernetes), expected);
    }

    #[test]
    fn yaml_1_1_ambiguities_are_quoted() {
        for s in [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "Y",
            "N",
            "true",
            "False",
            "null",
            "~",
            "",
            "0777",
            "0o17",
            "1e3",
            "1_000",
            "0x1F",
            "1.0",
            ".5",
            "1:20",
            "190:20:30.15",
            "2024-01-01",
            "2001-12-14 21:59:43.10 -5",
            "<<",
            "=",
            ".inf",
            "-.Inf",
            "+inf",
            "NaN",
            "- x",
            "-",
            ":",
            "? x",
            "a: b",
            "a #b",
            "x:",
            " lead",
            "trail ",
            "#c",
            "*alias",
            "&anchor",
            "!tag",
            "|",
            ">",
            "'q'",
            "\"q\"",
            "%x",
            "@x",
            "`x",
            "[a]",
            "{a}",
            "---",
            "...",
            "tab\there",
        ] {
            assert!(needs_quotes(s), "{s:?} must be quoted");
        }
        for s in [
            "keystone",
            "10Gi",
            "nginx:1.25",
            "-c",
            "--flag=1",
            "a#b",
            "a:b",
            "http://x:80/y",
            "::1",
            "1a",
            "v1",
            "app.kubernetes.io/name",
            "100m",
            "y2k",
            "Yes please",
        ] {
            assert!(!needs_quotes(s), "{s:?} need not be quoted");
        }
    }

    #[test]
    fn block_scalars_round_trip() {
        for s in [
            "a\nb\n",
            "a\nb",
            "a\nb\n\n\n",
            "  indented\nfirst\n",
            "\nleading blank\n",
            "tabs\tinside\nline\n",
            "trailing spaces  \nx\n",
            "\n",
            "\n\n",
            " \nx",
            "crlf\r\nline\n",
            "bom\u{FEFF}\nx\n",
        ] {
            let v = json!({"k": s, "l": [s, {"m": s}]});
            let text = emit(&v, KeyOrder::Sorted);
            let back = parse_one(&text, &ParseOptions::default())
                .unwrap_or_else(|e| panic!("{s:?}: {e}\n{text}"))
                .value;
            assert_eq!(back, v, "{s:?} emitted as\n{text}");
        }
    }

    #[test]
    fn numbers() {
        let v = json!({"a": 1.0, "b": 1.5, "c": -3, "d": 1e21, "e": 0.0000001, "f": u64::MAX});
        let text = emit(&v, KeyOrder::Sorted);
        assert_eq!(
            text,
            "a: 1\nb: 1.5\nc: -3\nd: 1000000000000000000000.0\ne: 0.0000001\nf: 18446744073709551615\n"
        );
    }

    #[test]
    fn streams_are_separated() {
        let docs = [json!({"a": 1}), json!({"b": 2})];
        assert_eq!(emit_stream(&docs, KeyOrder::Sorted), "a: 1\n---\nb: 2\n");
    }

    #[test]
    fn nested_sequences_and_empty_collections() {
        let v = json!({"a": [[1, 2], [], {}, [[3]]]});
        let text = emit(&v, KeyOrder::Sorted);
        assert_eq!(text, "a:\n- - 1\n  - 2\n- []\n- {}\n- - - 3\n");
        let back = parse_one(&text, &ParseOptions::default()).map(|d| d.value);
        assert_eq!(back.ok(), Some(v));
    }
}
