//! Writing YAML as Helm's `toYaml` does: `sigs.k8s.io/yaml.Marshal` is `json.Marshal`, then
//! the JSON read back by go-yaml v2 and written by go-yaml v2's emitter (libyaml's, ported to
//! Go). This module reproduces that emitter's choices byte for byte:
//!
//! * block mappings with keys sorted by go-yaml's "natural" order (digit runs compared as
//!   numbers), sequences not indented under their key, 2-space indentation;
//! * empty collections as `{}` and `[]`, `null`, numbers as the JSON text resolves them
//!   (`1000000`, `1.5`, `1e+21`, `1e-06`);
//! * strings plain when go-yaml would read them back as the same string and the emitter allows
//!   it, else single-quoted, else double-quoted with escapes; strings with a line break as
//!   literal blocks (`|`, `|-`, `|+`, with an indentation indicator when they start with a
//!   space) unless a character forbids it;
//! * plain and quoted scalars folded at spaces once the line passes column 80;
//! * keys longer than 128 bytes written as explicit `? key` entries.

use std::cmp::Ordering;

use strata_yaml::{resolve_plain, Resolved, Schema};

use strata_gotmpl::Value;

use super::gofloat::{format_g, Bits};

/// The YAML text of a number whose JSON text is `json` (go-yaml resolves the JSON number and
/// formats the int, uint or float64 it finds).
pub fn number_text(json: &str) -> String {
    match resolve_plain(json, Schema::Go11) {
        Resolved::Int(i) => i.to_string(),
        Resolved::UInt(u) => u.to_string(),
        Resolved::Float(f) => format_g(f, Bits::B64),
        _ => json.to_string(),
    }
}

/// go-yaml's map key order for string keys (`sorter.go`): letters after other characters,
/// runs of digits compared by value. go-yaml v3 (`v3 == true`) puts letters first when they
/// follow a digit.
pub fn key_less(a: &str, b: &str, v3: bool) -> bool {
    // Keys are nearly always ASCII, where bytes are characters: compare them in place rather
    // than collecting characters (two allocations per comparison showed up in the profile).
    if a.is_ascii() && b.is_ascii() {
        return key_less_units(a.as_bytes(), b.as_bytes(), v3);
    }
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    key_less_units(&ar, &br, v3)
}

/// [`key_less`] over characters (`char`s, or the bytes of ASCII text).
fn key_less_units<C: Copy + Into<char>>(a: &[C], b: &[C], v3: bool) -> bool {
    let ar = |i: usize| -> char { a[i].into() };
    let br = |i: usize| -> char { b[i].into() };
    let n = a.len().min(b.len());
    let mut digits = false;
    for i in 0..n {
        if ar(i) == br(i) {
            digits = ar(i).is_ascii_digit();
            continue;
        }
        let al = ar(i).is_alphabetic();
        let bl = br(i).is_alphabetic();
        if al && bl {
            return ar(i) < br(i);
        }
        if al || bl {
            return if v3 && digits { al } else { bl };
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ar(i) == '0' || br(i) == '0' {
            let mut j = i;
            while j > 0 {
                j -= 1;
                if !ar(j).is_ascii_digit() {
                    break;
                }
                if ar(j) != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < a.len() && ar(ai).is_ascii_digit() {
            an = an.wrapping_mul(10).wrapping_add(ar(ai) as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < b.len() && br(bi).is_ascii_digit() {
            bn = bn.wrapping_mul(10).wrapping_add(br(bi) as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar(i) < br(i);
    }
    a.len() < b.len()
}

/// Sorts keys as go-yaml (v2, or v3 with `v3`) does.
pub fn sort_keys<K: AsRef<str>, T>(entries: &mut [(K, T)], v3: bool) {
    entries.sort_by(|a, b| {
        let (ka, kb) = (a.0.as_ref(), b.0.as_ref());
        if key_less(ka, kb, v3) {
            Ordering::Less
        } else if key_less(kb, ka, v3) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    });
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// What the emitter's scalar analysis finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// libyaml's printable set (4-byte UTF-8 characters, tabs and C1 controls are not).
fn is_printable(c: char) -> bool {
    c == '\n'
        || (' '..='~').contains(&c)
        || ('\u{A0}'..='\u{D7FF}').contains(&c)
        || (('\u{E000}'..='\u{FFFD}').contains(&c) && c != '\u{FEFF}')
}

fn analyze(value: &str, v3: bool) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    // Bytes are characters in ASCII text (nearly every value): no copy into a char vector,
    // and runs of characters that change nothing but "the previous one was neither a space nor
    // a break" are skipped at once.
    if value.is_ascii() {
        return analyze_units(value, value.as_bytes(), v3);
    }
    let chars: Vec<char> = value.chars().collect();
    analyze_units(value, &chars, v3)
}

/// Bytes after the first that [`analyze_units`] treats alike: printable, and neither a space, a
/// break, `:` nor `#` (the indicators that depend on their neighbours). Each only clears the
/// "previous was a space / a break" and "preceded by whitespace" states.
const fn plain_run_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0x21;
    while b <= 0x7E {
        t[b] = b != b':' as usize && b != b'#' as usize;
        b += 1;
    }
    t
}
static PLAIN_RUN: [bool; 256] = plain_run_table();

/// The verdict of a scalar analysis from what the scan found (libyaml's
/// `yaml_emitter_analyze_scalar` tail). `ends`: leading space, leading break, trailing
/// space, trailing break.
fn finish_analysis(
    line_breaks: bool,
    block_indicators: bool,
    special: bool,
    tabs: bool,
    ends: [bool; 4],
    break_space: bool,
    space_break: bool,
) -> Analysis {
    let [leading_space, leading_break, trailing_space, trailing_break] = ends;
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || tabs || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// [`analyze`] over the characters of `value` (`char`s, or its bytes when it is ASCII). Runs of
/// [`PLAIN_RUN`] characters after the first are skipped at once: they change nothing but the
/// "previous was a space / a break" and "preceded by whitespace" states (tested against the
/// character-by-character analysis).
fn analyze_units<C: Copy + Into<char>>(value: &str, chars: &[C], v3: bool) -> Analysis {
    let mut block_indicators = false;
    let mut line_breaks = false;
    let mut special = false;
    // go-yaml v3 allows tabs in block scalars (v2 treats them as special characters).
    let mut tabs = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;
    if value.starts_with("---") || value.starts_with("...") {
        block_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let n = chars.len();
    let plain_run = |c: char| (c as u32) < 256 && PLAIN_RUN[c as usize];
    let mut i = 0;
    while i < n {
        let c: char = chars[i].into();
        if i > 0 && plain_run(c) {
            while i < n && plain_run(chars[i].into()) {
                i += 1;
            }
            previous_space = false;
            previous_break = false;
            preceded_by_whitespace = false;
            continue;
        }
        let followed_by_whitespace = i + 1 >= n || is_blank(chars[i + 1].into());
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if v3 && c == '\t' {
            tabs = true;
        } else if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == n {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == n {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
        i += 1;
    }
    finish_analysis(
        line_breaks,
        block_indicators,
        special,
        tabs,
        [leading_space, leading_break, trailing_space, trailing_break],
        break_space,
        space_break,
    )
}

/// go-yaml v2's `isBase60Float`: such strings are quoted for YAML 1.1 readers.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&c) = b.first() else {
        return false;
    };
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let mut i = usize::from(c == b'+' || c == b'-');
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        match i - start {
            1 => {}
            2 if b[start] <= b'5' => {}
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// The style go-yaml's encoder asks for a string (`stringv`).
fn requested_style(s: &str, v3: bool) -> Style {
    // go-yaml v2 resolves timestamps too (it only turns them back into strings when decoding
    // into `interface{}`), so a timestamp-like string is quoted. (`<<` resolves to a string:
    // only the decoder gives it a meaning.)
    let _ = v3;
    if s.contains('\n') {
        return Style::Literal;
    }
    // A timestamp starts with four digits: only then is the second resolution needed.
    let can_use_plain = resolve_plain(s, Schema::Go11) == Resolved::Str
        && !is_base60_float(s)
        && !(s.as_bytes().first().is_some_and(u8::is_ascii_digit)
            && matches!(resolve_plain(s, Schema::Go12), Resolved::Timestamp(_)));
    if can_use_plain {
        Style::Plain
    } else {
        Style::Double
    }
}

/// The emitter's state, as libyaml keeps it.
struct Emitter {
    out: String,
    column: usize,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    mapping_context: bool,
    simple_key_context: bool,
    best_indent: i64,
    best_width: usize,
    /// go-yaml v3's rules (for `toYamlPretty`): sequences in mappings indented, no line
    /// folding, tabs allowed in literal blocks, `<<` plain.
    v3: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break_char(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { self.best_indent } else { 0 };
        } else if !indentless {
            self.indent += self.best_indent;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// Emits `v` as the node Helm's writer makes of it: after the JSON round trip
    /// (`v3 == false`: a nil slice is `null`, floats as JSON writes them) or as go-yaml v3
    /// encodes it. `v` has passed the writer's checks (`check_yaml`): no objects, no cycles
    /// deeper than the limit, only finite floats and readable strings where they matter.
    fn emit_value(&mut self, v: &Value, mapping: bool, simple_key: bool, depth: usize) {
        super::grow_stack(depth, || {
            self.mapping_context = mapping;
            self.simple_key_context = simple_key;
            match v {
                Value::Nil => self.emit_scalar("null", Style::Plain),
                Value::Bool(b) => self.emit_scalar(if *b { "true" } else { "false" }, Style::Plain),
                Value::Int(i) | Value::Int64(i) => self.emit_scalar(&i.to_string(), Style::Plain),
                Value::Float(f) => {
                    self.emit_scalar(&super::yaml_float_text(*f, self.v3), Style::Plain)
                }
                Value::String(s) => self.emit_scalar(s, requested_style(s, self.v3)),
                // The JSON round trip writes a nil slice as `null`; go-yaml v3 writes `[]`.
                Value::List(items) if !self.v3 && Value::is_nil_list(items) => {
                    self.emit_scalar("null", Style::Plain)
                }
                Value::List(items) if items.is_empty() => self.emit_empty("[", "]"),
                Value::List(items) => self.emit_block_sequence(items, depth),
                Value::Map(m) => {
                    let Ok(m) = m.try_borrow() else {
                        return;
                    };
                    if m.is_empty() {
                        self.emit_empty("{", "}");
                        return;
                    }
                    let mut entries: Vec<(&str, &Value)> =
                        m.iter().map(|(k, v)| (k.as_str(), v)).collect();
                    sort_keys(&mut entries, self.v3);
                    self.emit_block_mapping(&entries, depth);
                }
                Value::Object(_) => {}
            }
        })
    }

    /// A mapping key: what `emit_value` does for a string, without analysing it again (`a`
    /// is its analysis).
    fn emit_key(&mut self, k: &str, a: Analysis, simple_key: bool) {
        self.mapping_context = true;
        self.simple_key_context = simple_key;
        self.emit_analyzed(k, a, requested_style(k, self.v3));
    }

    fn emit_empty(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn emit_block_sequence(&mut self, items: &[Value], depth: usize) {
        let indentless = if self.v3 {
            false
        } else {
            self.mapping_context && !self.indention
        };
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_value(item, false, false, depth + 1);
        }
        self.pop_indent();
    }

    fn emit_block_mapping(&mut self, entries: &[(&str, &Value)], depth: usize) {
        self.increase_indent(false, false);
        for &(k, v) in entries {
            self.write_indent();
            let a = analyze(k, self.v3);
            let simple = !a.multiline && k.len() <= 128;
            if simple {
                self.emit_key(k, a, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.emit_key(k, a, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.emit_value(v, true, false, depth + 1);
        }
        self.pop_indent();
    }

    fn emit_scalar(&mut self, value: &str, requested: Style) {
        let a = analyze(value, self.v3);
        self.emit_analyzed(value, a, requested);
    }

    /// [`Emitter::emit_scalar`] with the analysis of `value` already made.
    fn emit_analyzed(&mut self, value: &str, a: Analysis, requested: Style) {
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain
            && (!a.block_plain_allowed || (value.is_empty() && self.simple_key_context))
        {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || self.simple_key_context) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::Single => self.write_single(value, allow_breaks),
            Style::Double => self.write_double(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        // Most plain scalars have neither spaces nor line breaks: then every character is
        // put as it is, which needs no per-character work.
        if !value.contains(|c: char| c == ' ' || is_break(c)) {
            self.out.push_str(value);
            self.column += if value.is_ascii() {
                value.len()
            } else {
                value.chars().count()
            };
            self.whitespace = false;
            self.indention = false;
            return;
        }
        if value.is_ascii() && !value.contains(['\n', '\r']) {
            self.write_plain_spaced_ascii(value, allow_breaks);
            return;
        }
        self.write_plain_chars(value, allow_breaks);
    }

    /// [`Emitter::write_plain`] for ASCII text with spaces and no line break: the words
    /// between spaces are copied at once. The same output as [`Emitter::write_plain_chars`]
    /// (tested).
    fn write_plain_spaced_ascii(&mut self, value: &str, allow_breaks: bool) {
        let b = value.as_bytes();
        let mut spaces = false;
        let mut i = 0;
        while i < b.len() {
            if b[i] == b' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && b.get(i + 1) != Some(&b' ')
                {
                    self.write_indent();
                } else {
                    self.put(' ');
                }
                spaces = true;
                i += 1;
                continue;
            }
            let end = b[i..]
                .iter()
                .position(|&c| c == b' ')
                .map_or(b.len(), |p| i + p);
            self.out.push_str(&value[i..end]);
            self.column += end - i;
            self.indention = false;
            spaces = false;
            i = end;
        }
        self.whitespace = false;
        self.indention = false;
    }

    /// The rest of [`Emitter::write_plain`], character by character (the general path).
    fn write_plain_chars(&mut self, value: &str, allow_breaks: bool) {
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break_char(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i + 1 < n
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break_char(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        if value.is_ascii() {
            self.write_double_ascii(value, allow_breaks);
        } else {
            self.write_double_chars(value, allow_breaks);
        }
    }

    /// [`Emitter::write_double`] for ASCII text: runs of characters written as they are
    /// (printable, not a space, `"` or `\\`) are copied at once, the rest go through the
    /// per-character rules. The same output as [`Emitter::write_double_chars`] (tested).
    fn write_double_ascii(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let b = value.as_bytes();
        let n = b.len();
        let as_is = |c: u8| (0x21..=0x7E).contains(&c) && c != b'"' && c != b'\\';
        let mut spaces = false;
        let mut i = 0;
        while i < n {
            if as_is(b[i]) {
                let start = i;
                while i < n && as_is(b[i]) {
                    i += 1;
                }
                self.out.push_str(&value[start..i]);
                self.column += i - start;
                spaces = false;
                continue;
            }
            let next_space = b.get(i + 1) == Some(&b' ');
            self.double_char(
                b[i] as char,
                i,
                n,
                next_space,
                allow_breaks,
                false,
                &mut spaces,
            );
            i += 1;
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// [`Emitter::write_double`] character by character (the general path).
    fn write_double_chars(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let bom = value.starts_with('\u{FEFF}');
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            let next_space = chars.get(i + 1) == Some(&' ');
            self.double_char(c, i, n, next_space, allow_breaks, bom, &mut spaces);
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// One character of a double-quoted scalar (libyaml's `yaml_emitter_write_double_quoted`
    /// loop body): `i` is its index among the `n` characters, `next_space` whether a space
    /// follows it, `bom` whether the text starts with a byte order mark.
    #[allow(clippy::too_many_arguments)]
    fn double_char(
        &mut self,
        c: char,
        i: usize,
        n: usize,
        next_space: bool,
        allow_breaks: bool,
        bom: bool,
        spaces: &mut bool,
    ) {
        if !is_printable(c) || bom || is_break(c) || c == '"' || c == '\\' {
            self.put('\\');
            match c {
                '\0' => self.put('0'),
                '\u{7}' => self.put('a'),
                '\u{8}' => self.put('b'),
                '\t' => self.put('t'),
                '\n' => self.put('n'),
                '\u{b}' => self.put('v'),
                '\u{c}' => self.put('f'),
                '\r' => self.put('r'),
                '\u{1b}' => self.put('e'),
                '"' => self.put('"'),
                '\\' => self.put('\\'),
                '\u{85}' => self.put('N'),
                '\u{A0}' => self.put('_'),
                '\u{2028}' => self.put('L'),
                '\u{2029}' => self.put('P'),
                _ => {
                    let v = c as u32;
                    let (letter, width) = if v <= 0xFF {
                        ('x', 2)
                    } else if v <= 0xFFFF {
                        ('u', 4)
                    } else {
                        ('U', 8)
                    };
                    self.put(letter);
                    for d in format!("{v:0width$X}").chars() {
                        self.put(d);
                    }
                }
            }
            *spaces = false;
        } else if c == ' ' {
            if allow_breaks && !*spaces && self.column > self.best_width && i > 0 && i + 1 < n {
                self.write_indent();
                if next_space {
                    self.put('\\');
                }
            } else {
                self.put(c);
            }
            *spaces = true;
        } else {
            self.put(c);
            *spaces = false;
        }
    }

    fn write_block_hints(&mut self, value: &str) {
        let chars: Vec<char> = value.chars().collect();
        if let Some(&first) = chars.first() {
            if first == ' ' || is_break(first) {
                let hint = self.best_indent.to_string();
                self.write_indicator(&hint, false, false, false);
            }
        }
        let chomp = match chars.len() {
            0 => Some("-"),
            n if !is_break(chars[n - 1]) => Some("-"),
            1 => Some("+"),
            n if is_break(chars[n - 2]) => Some("+"),
            _ => None,
        };
        if let Some(ch) = chomp {
            self.write_indicator(ch, false, false, false);
        }
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        self.write_block_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        // Each run of characters between breaks is written at once (configuration files and
        // scripts are long literal blocks): the indent before its first character, then the run.
        let mut rest = value;
        while !rest.is_empty() {
            let end = rest.find(is_break).unwrap_or(rest.len());
            if end > 0 {
                let run = &rest[..end];
                if breaks {
                    self.write_indent();
                }
                self.out.push_str(run);
                self.column += if run.is_ascii() {
                    run.len()
                } else {
                    run.chars().count()
                };
                self.indention = false;
                breaks = false;
                rest = &rest[end..];
                continue;
            }
            let Some(c) = rest.chars().next() else {
                break;
            };
            self.write_break_char(c);
            self.indention = true;
            breaks = true;
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// Emits `v` as one YAML document, as go-yaml v2's `Marshal` does after the JSON round trip
/// (the text ends with a line break), or with go-yaml v3's emitter rules when `v3`
/// (`toYamlPretty`: indent 2, sequences indented under their key, no folding of long lines).
/// `v` has passed `check_yaml`.
pub fn emit(v: &Value, v3: bool) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
        mapping_context: false,
        simple_key_context: false,
        best_indent: 2,
        best_width: if v3 { usize::MAX } else { 80 },
        v3,
    };
    e.emit_value(v, false, false, 0);
    // Document end: the last line is terminated.
    e.write_indent();
    e.out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The analysis character by character, as libyaml writes it: the reference
    /// `analyze_units` (which skips runs) is tested against.
    fn analyze_reference<C: Copy + Into<char>>(value: &str, chars: &[C], v3: bool) -> Analysis {
        let mut block_indicators = false;
        let mut line_breaks = false;
        let mut special = false;
        // go-yaml v3 allows tabs in block scalars (v2 treats them as special characters).
        let mut tabs = false;
        let mut leading_space = false;
        let mut leading_break = false;
        let mut trailing_space = false;
        let mut trailing_break = false;
        let mut break_space = false;
        let mut space_break = false;
        let mut previous_space = false;
        let mut previous_break = false;
        if value.starts_with("---") || value.starts_with("...") {
            block_indicators = true;
        }
        let mut preceded_by_whitespace = true;
        let n = chars.len();
        for (i, &c) in chars.iter().enumerate() {
            let c: char = c.into();
            let followed_by_whitespace = i + 1 >= n || is_blank(chars[i + 1].into());
            if i == 0 {
                match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => block_indicators = true,
                    '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                    _ => {}
                }
            } else {
                match c {
                    ':' if followed_by_whitespace => block_indicators = true,
                    '#' if preceded_by_whitespace => block_indicators = true,
                    _ => {}
                }
            }
            if v3 && c == '\t' {
                tabs = true;
            } else if !is_printable(c) {
                special = true;
            }
            if c == ' ' {
                if i == 0 {
                    leading_space = true;
                }
                if i + 1 == n {
                    trailing_space = true;
                }
                if previous_break {
                    break_space = true;
                }
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                line_breaks = true;
                if i == 0 {
                    leading_break = true;
                }
                if i + 1 == n {
                    trailing_break = true;
                }
                if previous_space {
                    space_break = true;
                }
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
        }
        finish_analysis(
            line_breaks,
            block_indicators,
            special,
            tabs,
            [leading_space, leading_break, trailing_space, trailing_break],
            break_space,
            space_break,
        )
    }

    #[test]
    fn natural_key_order() {
        let mut keys: Vec<(String, ())> = ["a10", "a9", "b", "B", "_x", "1", "10", "2", "a"]
            .iter()
            .map(|k| (k.to_string(), ()))
            .collect();
        sort_keys(&mut keys, false);
        let got: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        // Order checked against Helm SDK v4.2.3 (toYaml of a map with these keys).
        assert_eq!(got, ["_x", "1", "2", "10", "B", "a", "a9", "a10", "b"]);
    }

    #[test]
    fn skipping_plain_runs_agrees_with_the_per_character_analysis() {
        // Every string of up to 4 characters over the characters the analysis tells apart,
        // and longer pseudo-random ones, in both go-yaml versions' rules.
        let alphabet = b" \n\r\t:#-?a.'\"[\x01\x7f0";
        let check = |s: &[u8]| {
            let text = std::str::from_utf8(s).unwrap();
            let chars: Vec<char> = text.chars().collect();
            for v3 in [false, true] {
                let want = analyze_reference(text, s, v3);
                assert_eq!(analyze_units(text, s, v3), want, "{text:?} v3={v3}");
                assert_eq!(analyze_units(text, &chars, v3), want, "{text:?} v3={v3}");
            }
        };
        let mut buf = Vec::new();
        fn all(buf: &mut Vec<u8>, alphabet: &[u8], left: usize, check: &dyn Fn(&[u8])) {
            check(buf);
            if left == 0 {
                return;
            }
            for &c in alphabet {
                buf.push(c);
                all(buf, alphabet, left - 1, check);
                buf.pop();
            }
        }
        all(&mut buf, alphabet, 4, &check);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            let s: Vec<u8> = (0..len)
                .map(|i| {
                    let r = x.rotate_left(i as u32 * 5);
                    // Mostly letters, so that runs form.
                    if r.is_multiple_of(3) {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    } else {
                        b'a' + (r >> 16) as u8 % 26
                    }
                })
                .collect();
            check(&s);
        }
    }

    /// An emitter in the state a scalar is written in, at `column`.
    fn emitter_at(column: usize) -> Emitter {
        Emitter {
            out: " ".repeat(column),
            column,
            indent: 2,
            indents: Vec::new(),
            whitespace: false,
            indention: false,
            mapping_context: true,
            simple_key_context: false,
            best_indent: 2,
            best_width: 80,
            v3: false,
        }
    }

    #[test]
    fn the_ascii_writers_agree_with_the_general_ones() {
        let words = [
            "a",
            "bc",
            "l\nm",
            "\"q\"",
            "\\",
            "x\ty",
            "\u{1}",
            "long-word-of-text",
            "  ",
            " ",
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = (x % 30) as usize;
            let text: String = (0..n)
                .map(|i| words[(x.rotate_left(i as u32 * 3) % words.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(if x.is_multiple_of(2) { " " } else { "" });
            for column in [0, 40, 79, 81, 120] {
                for allow_breaks in [false, true] {
                    let (mut fast, mut general) = (emitter_at(column), emitter_at(column));
                    fast.write_double_ascii(&text, allow_breaks);
                    general.write_double_chars(&text, allow_breaks);
                    assert_eq!(fast.out, general.out, "double {text:?} at {column}");
                    assert_eq!(fast.column, general.column);
                    if !text.contains(['\n', '\r']) {
                        let (mut fast, mut general) = (emitter_at(column), emitter_at(column));
                        fast.write_plain_spaced_ascii(&text, allow_breaks);
                        general.write_plain_chars(&text, allow_breaks);
                        assert_eq!(fast.out, general.out, "plain {text:?} at {column}");
                        assert_eq!(
                            (fast.column, fast.indention, fast.whitespace),
                            (general.column, general.indention, general.whitespace)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn base60() {
        assert!(is_base60_float("1:20"));
        assert!(is_base60_float("190:20:30.15"));
        assert!(!is_base60_float("1:2:3:"));
        assert!(!is_base60_float("1:60"));
        assert!(!is_base60_float("a:1"));
    }
}
