//! A fast reader for the YAML that values files and `fromYaml` inputs are made of: block
//! mappings and sequences, one-line plain and quoted scalars, literal and folded block scalars,
//! `[]`/`{}` and one-line flow sequences of scalars, comments.
//!
//! Why: the general reader (saphyr's scanner and parser, then a node tree, then go-yaml's
//! decoding, then the JSON round trip) costs about a sixth of a chart corpus render, while
//! nearly every document Helm reads uses only this small, regular part of YAML. This reader
//! goes from bytes straight to the final [`Value`], with the same rules as the general path.
//!
//! It never reports an error: whenever the text uses anything outside that part (anchors,
//! tags, merge keys, multi-line plain or quoted scalars, flow mappings, tabs, directives,
//! document markers, unusual characters) or is not valid YAML, it answers `None` and the
//! general path reads the text, so that results and error messages stay exactly Helm's. The
//! unit tests check that both paths agree on every text this one accepts.

use std::borrow::Cow;
use std::collections::BTreeMap;

use strata_gotmpl::Value;
use strata_yaml::{resolve_plain, Resolved, Schema};

use super::{key_string, GoVal};

/// Nesting deeper than this is left to the general path (which enforces the real limit).
const MAX_FAST_DEPTH: usize = 200;

/// YAML's limit on the length of an implicit key; longer keys are left to the general path.
const MAX_KEY_LEN: usize = 1000;

/// Reads `src` (one document) as [`super::unmarshal`] would, or `None` when the text is not
/// in the part of YAML this reader knows (see the module docs).
pub(super) fn load(src: &str) -> Option<Value> {
    let (start, end) = document_bounds(src.as_bytes())?;
    let src = &src[..end];
    let mut r = Reader {
        s: src.as_bytes(),
        src,
        pos: start,
        depth: 0,
        entries: Vec::new(),
    };
    let Some(indent) = r.next_content_line() else {
        return Some(Value::Nil);
    };
    let v = r.own_line_node(indent, 0)?;
    // Anything after the root node (at any indentation) is for the general path to judge.
    if r.next_content_line().is_some() {
        return None;
    }
    Some(v)
}

/// Checks the text in one pass and finds the first document's content: `None` when the
/// text has anything the fast reader leaves to the general path at the character or line
/// level (control characters and tabs, carriage returns, Unicode line breaks and byte order
/// marks, non-characters; directives, a second document, content on a marker's line or after
/// `...`); else where the content starts (after a leading `---` line) and ends (before a
/// `...` line).
pub(super) fn document_bounds(s: &[u8]) -> Option<(usize, usize)> {
    // Most texts are printable ASCII with few lines starting with `-`, `.` or `%`: chunks
    // are checked without branches, and only a chunk holding something else is looked at
    // byte by byte.
    const CHUNK: usize = 32;
    let is_mark = |b: u8| matches!(b, b'-' | b'.' | b'%');
    let (mut start, mut end) = (0, s.len());
    let mut started = false;
    let mut i = 0;
    while i < s.len() {
        let chunk = &s[i..(i + CHUNK).min(s.len())];
        let odd = chunk.iter().fold(false, |acc, &b| {
            acc | !(b == b'\n' || (b' '..=b'~').contains(&b))
        });
        let marked = ((i == 0 || s[i - 1] == b'\n') && is_mark(chunk[0]))
            || chunk
                .iter()
                .zip(&chunk[1..])
                .fold(false, |acc, (&a, &b)| acc | ((a == b'\n') & is_mark(b)));
        if odd && !chunk.iter().enumerate().all(|(k, _)| char_ok(s, i + k)) {
            return None;
        }
        if marked && end == s.len() {
            for k in 0..chunk.len() {
                let p = i + k;
                if (p == 0 || s[p - 1] == b'\n') && is_mark(s[p]) {
                    match marker(s, p)? {
                        Marker::None => {}
                        Marker::Start => {
                            // Only a first `---`, before any content, merely opens the
                            // document.
                            if started || has_content(&s[..p]) {
                                return None;
                            }
                            started = true;
                            start = line_after(s, p);
                        }
                        Marker::End => {
                            let after = line_after(s, p);
                            if !has_content(&s[start..p]) || has_content(&s[after..]) {
                                return None;
                            }
                            end = p;
                            // What follows is only checked for its characters.
                            break;
                        }
                    }
                }
            }
        }
        i += chunk.len();
    }
    Some((start, end))
}

/// Whether the byte at `i` may appear in a text the fast reader takes.
fn char_ok(s: &[u8], i: usize) -> bool {
    match s[i] {
        b'\n' | b' '..=b'~' => true,
        // U+0080..U+009F: C1 controls (and NEL, a line break to YAML).
        0xC2 => !matches!(s.get(i + 1), Some(0x80..=0x9F)),
        // U+2028, U+2029: line and paragraph separators.
        0xE2 => !(s.get(i + 1) == Some(&0x80) && matches!(s.get(i + 2), Some(0xA8 | 0xA9))),
        // U+FEFF (byte order mark), U+FFFE, U+FFFF.
        0xEF => !matches!(
            (s.get(i + 1), s.get(i + 2)),
            (Some(0xBB), Some(0xBF)) | (Some(0xBF), Some(0xBE | 0xBF))
        ),
        0x80..=0xFF => true,
        _ => false,
    }
}

enum Marker {
    None,
    Start,
    End,
}

/// What the line starting at `p` (with `-`, `.` or `%`) is to the document structure;
/// `None` for what the fast reader leaves (directives, markers followed by text).
fn marker(s: &[u8], p: usize) -> Option<Marker> {
    let l = &s[p..line_after(s, p)];
    let l = l.strip_suffix(b"\n").unwrap_or(l);
    if l[0] == b'%' {
        return None;
    }
    if !(l.starts_with(b"---") || l.starts_with(b"...")) {
        return Some(Marker::None);
    }
    let rest = &l[3..];
    if !rest.is_empty() && rest[0] != b' ' {
        // Text such as `---x` (a plain scalar) is rare enough to leave.
        return None;
    }
    if has_content(rest) {
        return None;
    }
    Some(if l[0] == b'-' {
        Marker::Start
    } else {
        Marker::End
    })
}

/// The index after the line break ending the line that holds `p` (or the text's length).
fn line_after(s: &[u8], p: usize) -> usize {
    s[p..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(s.len(), |n| p + n + 1)
}

/// Whether any line of `s` holds more than spaces and a comment.
fn has_content(s: &[u8]) -> bool {
    s.split(|&b| b == b'\n')
        .any(|l| l.iter().find(|&&b| b != b' ').is_some_and(|&b| b != b'#'))
}

/// A map key as go-yaml decodes it, before sigs.k8s.io/yaml turns it into a string.
enum Key {
    /// Kept as the map key it becomes (inline when short: no allocation per key).
    Str(strata_gotmpl::Key),
    Other(GoVal),
}

struct Reader<'a> {
    s: &'a [u8],
    src: &'a str,
    /// Always at the start of a line between nodes.
    pos: usize,
    depth: usize,
    /// The entries of the mappings being read, innermost last (one buffer for all levels).
    entries: Vec<(Key, Value)>,
}

fn is_blank_or_end(b: Option<&u8>) -> bool {
    matches!(b, None | Some(b' ' | b'\n'))
}

impl<'a> Reader<'a> {
    fn at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    /// Moves `pos` to the start of the next line holding content (skipping blank and comment
    /// lines) and returns its indentation; `None` at the end of the text.
    fn next_content_line(&mut self) -> Option<usize> {
        loop {
            let mut i = self.pos;
            while self.at(i) == Some(b' ') {
                i += 1;
            }
            match self.at(i) {
                None => {
                    self.pos = i;
                    return None;
                }
                Some(b'\n') => self.pos = i + 1,
                Some(b'#') => self.pos = self.line_end(i) + 1,
                Some(_) => return Some(i - self.pos),
            }
        }
    }

    /// The index of the line break ending the line that holds `i` (or the text's length).
    fn line_end(&self, i: usize) -> usize {
        match self.s[i..].iter().position(|&b| b == b'\n') {
            Some(n) => i + n,
            None => self.s.len(),
        }
    }

    /// Finishes a line after a node: only spaces and a comment may follow. Leaves `pos` at the
    /// next line's start.
    fn end_line(&mut self, mut i: usize) -> Option<()> {
        let had_space = i > 0 && self.s[i - 1] == b' ';
        let start = i;
        while self.at(i) == Some(b' ') {
            i += 1;
        }
        match self.at(i) {
            None => self.pos = i,
            Some(b'\n') => self.pos = i + 1,
            Some(b'#') if had_space || i > start => self.pos = self.line_end(i) + 1,
            Some(_) => return None,
        }
        self.pos = self.pos.min(self.s.len());
        Some(())
    }

    fn is_seq_entry(&self, i: usize) -> bool {
        self.at(i) == Some(b'-') && is_blank_or_end(self.s.get(i + 1))
    }

    /// The node whose first line starts at `pos` with indentation `indent`, in a collection
    /// at column `n` (0 for the root).
    fn own_line_node(&mut self, indent: usize, n: usize) -> Option<Value> {
        let first = self.pos + indent;
        if self.is_seq_entry(first) {
            self.block_seq(indent)
        } else {
            self.node(first, n, true, true)
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_FAST_DEPTH).then_some(())
    }

    /// A block sequence at column `n`; `pos` is at the start of its first entry's line.
    fn block_seq(&mut self, n: usize) -> Option<Value> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            let dash = self.pos + n;
            items.push(self.node_after_indicator(dash + 1, n, true)?);
            match self.next_content_line() {
                Some(i) if i == n && self.is_seq_entry(self.pos + n) => continue,
                Some(i) if i > n => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        Some(Value::list(items))
    }

    /// A block mapping at column `n` whose first key starts at `first` (on the line at `pos`,
    /// possibly after a sequence entry's `- `).
    fn block_map(&mut self, n: usize, first: usize) -> Option<Value> {
        self.enter()?;
        let mark = self.entries.len();
        let mut key_at = first;
        loop {
            let (key, colon) = self.key(key_at)?;
            let value = self.node_after_indicator(colon + 1, n, false)?;
            self.entries.push((key, value));
            match self.next_content_line() {
                Some(i) if i == n => {
                    key_at = self.pos + n;
                    if self.is_seq_entry(key_at) {
                        return None;
                    }
                }
                Some(i) if i > n => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        build_map(&mut self.entries, mark)
    }

    /// A mapping key starting at `i`: its decoded form and the index of its `:`.
    fn key(&self, i: usize) -> Option<(Key, usize)> {
        match self.at(i)? {
            q @ (b'"' | b'\'') => {
                let (text, end) = self.quoted(i, q)?;
                let mut j = end;
                while self.at(j) == Some(b' ') {
                    j += 1;
                }
                if self.at(j) != Some(b':') || !is_blank_or_end(self.s.get(j + 1)) {
                    return None;
                }
                Some((Key::Str(strata_gotmpl::Key::from(&*text)), j))
            }
            _ => {
                if !self.plain_start(i) {
                    return None;
                }
                let (end, colon) = self.plain_end(i);
                let colon = colon?;
                if end - i > MAX_KEY_LEN {
                    return None;
                }
                let text = &self.src[i..end];
                if text == "<<" {
                    return None;
                }
                let key = match resolve(text) {
                    Resolved::Str | Resolved::Timestamp(_) => {
                        Key::Str(strata_gotmpl::Key::from(text))
                    }
                    Resolved::Bool(b) => Key::Other(GoVal::Bool(b)),
                    Resolved::Int(v) => Key::Other(GoVal::Int(v)),
                    Resolved::Float(f) => Key::Other(GoVal::Float(f)),
                    // Null keys, big unsigned keys and `.inf`/`.nan` keys are errors or rare:
                    // the general path has the exact behaviour.
                    Resolved::Null | Resolved::UInt(_) | Resolved::NonFinite => return None,
                };
                Some((key, colon))
            }
        }
    }

    /// Whether a plain scalar may start at `i` (in block context).
    fn plain_start(&self, i: usize) -> bool {
        match self.at(i) {
            None | Some(b' ' | b'\n') => false,
            Some(b'-' | b'?' | b':') => !is_blank_or_end(self.s.get(i + 1)),
            Some(
                b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
                | b'"' | b'%' | b'@' | b'`',
            ) => false,
            Some(_) => true,
        }
    }

    /// Scans a one-line plain scalar starting at `i`: the end of its text (trailing spaces
    /// excluded) and, when it is followed by `: ` (a mapping key), the index of that `:`.
    fn plain_end(&self, i: usize) -> (usize, Option<usize>) {
        let mut j = i;
        let mut end = i;
        while let Some(b) = self.at(j) {
            match b {
                b'\n' => break,
                b' ' => {
                    if self.at(j + 1) == Some(b'#') {
                        break;
                    }
                }
                b':' if is_blank_or_end(self.s.get(j + 1)) => return (end, Some(j)),
                _ => end = j + 1,
            }
            j += 1;
        }
        (end, None)
    }

    /// The node after a `:` or `-` indicator at `i - 1`, in a collection at column `n`.
    /// Leaves `pos` at the start of the line after the node.
    fn node_after_indicator(&mut self, mut i: usize, n: usize, in_seq: bool) -> Option<Value> {
        while self.at(i) == Some(b' ') {
            i += 1;
        }
        if matches!(self.at(i), None | Some(b'\n' | b'#')) {
            self.end_line(i)?;
            return self.nested(n, in_seq);
        }
        self.node(i, n, in_seq, false)
    }

    /// The node starting at `i` (not a line end), in a collection at column `n`. `compact`:
    /// a `key: value` there starts a mapping (in a sequence entry, or on a line of its own).
    /// `own_line`: the node starts its line (block scalars there are left to the general
    /// path).
    fn node(&mut self, i: usize, n: usize, compact: bool, own_line: bool) -> Option<Value> {
        let in_seq = compact;
        match self.at(i) {
            None | Some(b'\n' | b'#') => None,
            Some(b'|' | b'>') if own_line => None,
            Some(b'|') => self.block_scalar(i, n, true),
            Some(b'>') => self.block_scalar(i, n, false),
            Some(q @ (b'"' | b'\'')) => {
                let (text, end) = self.quoted(i, q)?;
                let mut j = end;
                while self.at(j) == Some(b' ') {
                    j += 1;
                }
                if self.at(j) == Some(b':') && is_blank_or_end(self.s.get(j + 1)) {
                    // A mapping in a sequence entry (`- "k": v`).
                    return if in_seq { self.inline_map(i) } else { None };
                }
                self.end_line(end)?;
                Some(Value::str(text))
            }
            Some(b'[') => self.flow_seq(i),
            Some(b'{') => {
                let mut j = i + 1;
                while self.at(j) == Some(b' ') {
                    j += 1;
                }
                if self.at(j) != Some(b'}') {
                    return None;
                }
                self.end_line(j + 1)?;
                Some(Value::empty_map())
            }
            Some(_) => {
                if !self.plain_start(i) {
                    return None;
                }
                let (end, colon) = self.plain_end(i);
                if colon.is_some() {
                    return if in_seq { self.inline_map(i) } else { None };
                }
                let mut j = end;
                while self.at(j) == Some(b' ') {
                    j += 1;
                }
                if self.at(j) == Some(b'#') {
                    // A comment ends the scalar.
                    let v = scalar_value(&self.src[i..end])?;
                    self.end_line(end)?;
                    return Some(v);
                }
                self.plain_lines(i, end, n)
            }
        }
    }

    /// A mapping starting inside a sequence entry's line, at index `i`.
    fn inline_map(&mut self, i: usize) -> Option<Value> {
        let line_start = self.s[..i]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        self.pos = line_start;
        self.block_map(i - line_start, i)
    }

    /// A plain scalar whose first line holds `i..end` (and nothing after but spaces), in a
    /// collection at column `n`: continues on the following lines indented deeper than `n`
    /// (libyaml's folding: a line break becomes a space, `k` empty lines become `k` breaks).
    fn plain_lines(&mut self, i: usize, end: usize, n: usize) -> Option<Value> {
        let mut text: Option<String> = None;
        let mut line_end = self.line_end(end);
        let mut breaks = 0;
        let mut p = line_end + 1;
        while p < self.s.len() {
            let mut q = p;
            while self.at(q) == Some(b' ') {
                q += 1;
            }
            match self.at(q) {
                None | Some(b'#') => break,
                Some(b'\n') => {
                    breaks += 1;
                    p = q + 1;
                    continue;
                }
                Some(_) => {}
            }
            if q - p <= n {
                break;
            }
            // A continuation line; indicators, keys and comments on it are left to the
            // general path.
            if !self.plain_start(q) {
                return None;
            }
            let (lend, colon) = self.plain_end(q);
            let after = self.line_end(lend);
            if colon.is_some() || self.s[lend..after].iter().any(|&b| b != b' ') {
                return None;
            }
            let t = text.get_or_insert_with(|| self.src[i..end].to_string());
            if breaks == 0 {
                t.push(' ');
            }
            for _ in 0..breaks {
                t.push('\n');
            }
            t.push_str(&self.src[q..lend]);
            breaks = 0;
            line_end = after;
            p = after + 1;
        }
        self.pos = (line_end + 1).min(self.s.len());
        match text {
            None => scalar_value(&self.src[i..end]),
            Some(t) => scalar_value(&t),
        }
    }

    /// A node on the lines after an indicator that ended its line (`key:` or `-`): a nested
    /// collection or scalar, or null.
    fn nested(&mut self, n: usize, in_seq: bool) -> Option<Value> {
        match self.next_content_line() {
            Some(i) if i > n => self.own_line_node(i, n),
            Some(i) if i == n && !in_seq && self.is_seq_entry(self.pos + n) => self.block_seq(n),
            _ => Some(Value::Nil),
        }
    }

    /// A one-line quoted scalar starting at `i` (the quote `q`): its text and the index after
    /// the closing quote.
    fn quoted(&self, i: usize, q: u8) -> Option<(Cow<'a, str>, usize)> {
        let src = self.src;
        let mut j = i + 1;
        // Most quoted scalars have no escapes: their text is borrowed.
        loop {
            match self.at(j)? {
                b'\n' => return None,
                b'\\' if q == b'"' => break,
                b if b == q => {
                    if q == b'\'' && self.at(j + 1) == Some(b'\'') {
                        break;
                    }
                    return Some((Cow::Borrowed(&src[i + 1..j]), j + 1));
                }
                _ => j += 1,
            }
        }
        let mut out = String::new();
        let mut j = i + 1;
        let mut run = j;
        loop {
            let b = self.at(j)?;
            if b == b'\n' {
                return None;
            }
            if b == q {
                if q == b'\'' && self.at(j + 1) == Some(b'\'') {
                    out.push_str(&self.src[run..=j]);
                    j += 2;
                    run = j;
                    continue;
                }
                out.push_str(&self.src[run..j]);
                return Some((Cow::Owned(out), j + 1));
            }
            if q == b'"' && b == b'\\' {
                out.push_str(&self.src[run..j]);
                let (c, len) = self.escape(j + 1)?;
                out.push(c);
                j += 1 + len;
                run = j;
                continue;
            }
            j += 1;
        }
    }

    /// A double-quoted escape after the backslash at `i - 1`: the character and the bytes
    /// read. Escapes beyond the common ones are left to the general path.
    fn escape(&self, i: usize) -> Option<(char, usize)> {
        let c = match self.at(i)? {
            b'0' => '\0',
            b'a' => '\u{7}',
            b'b' => '\u{8}',
            b't' => '\t',
            b'n' => '\n',
            b'v' => '\u{B}',
            b'f' => '\u{C}',
            b'r' => '\r',
            b'e' => '\u{1B}',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'u' => {
                let hex = self.src.get(i + 1..i + 5)?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                return Some((c, 5));
            }
            _ => return None,
        };
        Some((c, 1))
    }

    /// `[]` or a one-line flow sequence of plain and quoted scalars, starting at `i`.
    fn flow_seq(&mut self, i: usize) -> Option<Value> {
        let mut items = Vec::new();
        let mut j = i + 1;
        let skip = |this: &Self, mut j: usize| {
            while this.at(j) == Some(b' ') {
                j += 1;
            }
            j
        };
        j = skip(self, j);
        if self.at(j) == Some(b']') {
            self.end_line(j + 1)?;
            return Some(Value::list(items));
        }
        loop {
            match self.at(j)? {
                q @ (b'"' | b'\'') => {
                    let (text, end) = self.quoted(j, q)?;
                    items.push(Value::str(text));
                    j = end;
                }
                b => {
                    let ok_start = match b {
                        b'-' => !matches!(self.at(j + 1), None | Some(b' ' | b'\n' | b',' | b']')),
                        _ => self.plain_start(j),
                    };
                    if !ok_start {
                        return None;
                    }
                    let start = j;
                    let mut end = j;
                    loop {
                        match self.at(j)? {
                            b',' | b']' => break,
                            b'\n' | b'[' | b'{' | b'}' | b'#' | b':' => return None,
                            b' ' => {}
                            _ => end = j + 1,
                        }
                        j += 1;
                    }
                    items.push(scalar_value(&self.src[start..end])?);
                }
            }
            j = skip(self, j);
            match self.at(j)? {
                b',' => j = skip(self, j + 1),
                b']' => break,
                _ => return None,
            }
        }
        self.end_line(j + 1)?;
        Some(Value::list(items))
    }

    /// A literal (`|`) or folded (`>`) block scalar whose header starts at `i`, in a
    /// collection at column `n`; follows libyaml's `yaml_parser_scan_block_scalar`.
    fn block_scalar(&mut self, i: usize, n: usize, literal: bool) -> Option<Value> {
        // Header: chomping indicator only (explicit indentation is left to the general path).
        let mut j = i + 1;
        let chomp = match self.at(j) {
            Some(b'-') => {
                j += 1;
                -1
            }
            Some(b'+') => {
                j += 1;
                1
            }
            _ => 0,
        };
        if !is_blank_or_end(self.s.get(j)) {
            return None;
        }
        self.end_line(j)?;
        let mut pos = self.pos;
        let mut indent = 0usize;
        let mut trailing = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        let mut out = String::new();
        let min_indent = n + 1;
        // Leading breaks, and the indentation from the first content line.
        let (mut col, mut p) = self.block_breaks(pos, &mut indent, min_indent, &mut trailing);
        if !trailing.is_empty() && p < self.s.len() && col != indent {
            // An empty scalar followed by blank lines, or blank lines deeper than the
            // content: rare, and the readers' rules there are subtle.
            return None;
        }
        while col == indent && p < self.s.len() {
            let trailing_blank = self.s[p] == b' ';
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if trailing.is_empty() {
                    out.push(' ');
                }
            } else if leading_break {
                out.push('\n');
            }
            leading_break = false;
            out.push_str(&trailing);
            trailing.clear();
            leading_blank = trailing_blank;
            let end = self.line_end(p);
            out.push_str(&self.src[p..end]);
            if end >= self.s.len() {
                p = end;
                break;
            }
            leading_break = true;
            pos = end + 1;
            (col, p) = self.block_breaks(pos, &mut indent, min_indent, &mut trailing);
        }
        if p >= self.s.len() && self.s.last() != Some(&b'\n') {
            // The scalar runs to the end of a text without a final line break: saphyr then
            // reads a line break that libyaml does not (Helm's `fromYaml "a: |\n  x"` is "x"
            // where the general path gives "x\n"); the general path's reading is kept.
            return None;
        }
        if chomp != -1 && leading_break {
            out.push('\n');
        }
        if chomp == 1 {
            out.push_str(&trailing);
        }
        // Back to the start of the line where the scalar ended.
        self.pos = if p >= self.s.len() {
            self.s.len()
        } else {
            p - col
        };
        Some(Value::from(out))
    }

    /// libyaml's `yaml_parser_scan_block_scalar_breaks` from the line start `pos`: consumes
    /// indentation and empty lines (into `trailing`), fixing `indent` when it is still 0.
    /// Returns the column reached and the index there.
    fn block_breaks(
        &self,
        mut pos: usize,
        indent: &mut usize,
        min_indent: usize,
        trailing: &mut String,
    ) -> (usize, usize) {
        let mut max_indent = 0;
        loop {
            let mut col = 0;
            while (*indent == 0 || col < *indent) && self.at(pos + col) == Some(b' ') {
                col += 1;
            }
            max_indent = max_indent.max(col);
            if self.at(pos + col) != Some(b'\n') {
                if *indent == 0 {
                    *indent = max_indent.max(min_indent).max(1);
                }
                return (col, pos + col);
            }
            trailing.push('\n');
            pos += col + 1;
        }
    }
}

/// A plain scalar's value: go-yaml v2's resolution, then the JSON round trip (numbers become
/// float64). `None` for `.inf`/`.nan`, which the round trip refuses.
fn scalar_value(text: &str) -> Option<Value> {
    Some(match resolve(text) {
        Resolved::Null => Value::Nil,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::Float(i as f64),
        Resolved::UInt(u) => Value::Float(u as f64),
        Resolved::Float(f) if f.is_finite() => Value::Float(f),
        Resolved::Float(_) | Resolved::NonFinite => return None,
        Resolved::Timestamp(_) | Resolved::Str => Value::str(text),
    })
}

/// go-yaml v2's resolution of a plain scalar. Most scalars are words that cannot be anything
/// but strings: only texts starting like a null, a boolean or a number need the full rules.
fn resolve(text: &str) -> Resolved {
    match text.as_bytes().first() {
        Some(
            b'~'
            | b'n'
            | b'N'
            | b't'
            | b'T'
            | b'f'
            | b'F'
            | b'y'
            | b'Y'
            | b'o'
            | b'O'
            | b'.'
            | b'+'
            | b'-'
            | b'0'..=b'9',
        )
        | None => resolve_plain(text, Schema::Go11),
        Some(_) => Resolved::Str,
    }
}

/// The map go-yaml then sigs.k8s.io/yaml make of `entries` in document order: a repeated key
/// keeps its first position and its last value, then keys become strings (where two keys
/// meet again, the later position wins).
/// The entries are `buffer[mark..]`, taken out of the buffer.
fn build_map(buffer: &mut Vec<(Key, Value)>, mark: usize) -> Option<Value> {
    let entries = buffer.drain(mark..);
    if entries
        .as_slice()
        .iter()
        .all(|(k, _)| matches!(k, Key::Str(_)))
    {
        // With only string keys, both steps reduce to "the last value of each key", which is
        // what collecting into a BTreeMap keeps (a stable sort, then the last of equal keys).
        let map: strata_gotmpl::Entries = entries
            .map(|(k, v)| match k {
                Key::Str(s) => (s, v),
                // Not reached (all keys are strings); mapping keeps the exact size hint.
                Key::Other(_) => (strata_gotmpl::Key::default(), v),
            })
            .collect();
        return Some(Value::map(map));
    }
    let mut unique: Vec<(GoVal, Value)> = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let k = match k {
            Key::Str(s) => GoVal::Str(s.into_string()),
            Key::Other(g) => g,
        };
        match unique.iter_mut().find(|(e, _)| e.go_eq(&k)) {
            Some(slot) => slot.1 = v,
            None => unique.push((k, v)),
        }
    }
    let mut map = BTreeMap::new();
    for (k, v) in unique {
        map.insert(key_string(&k, &GoVal::Nil).ok()?.into(), v);
    }
    Some(Value::map(map))
}
