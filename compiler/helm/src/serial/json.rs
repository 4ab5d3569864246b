//! JSON as Go's `encoding/json` writes and reads it, for `toJson`, `toPrettyJson`, `toRawJson`,
//! `fromJson` and the JSON round trip inside `toYaml`.
//!
//! Writing: map keys sorted by bytes; `<`, `>`, `&` escaped as `\u003c`… unless HTML escaping
//! is off (`toRawJson`); U+2028/U+2029 always escaped; floats in plain decimal between 1e-6 and
//! 1e21 and in exponent form outside; NaN and ±Inf refused; a map that contains itself refused
//! (Go reports a cycle).
//!
//! Reading: into Go's `interface{}` — objects as maps (a repeated key: the last wins), every
//! number a `float64`, with Go's error messages.

use std::collections::BTreeMap;

use strata_gotmpl::Value;

use super::gofloat::{format_g, format_json, Bits};

/// How deep Go's encoder goes before it reports a cycle (it starts checking pointers after
/// 1000 levels; a value nested that deep in a template is a cycle in practice).
pub const MAX_DEPTH: usize = 1000;

/// Options of [`encode`].
#[derive(Clone, Copy, Debug)]
pub struct EncodeOptions {
    /// Escape `<`, `>` and `&` (Go's default; off for `toRawJson`).
    pub escape_html: bool,
    /// Indent with this many spaces per level (`json.MarshalIndent(v, "", "  ")`).
    pub indent: Option<usize>,
}

/// `json.Marshal(v)` (or `MarshalIndent`), with Go's error text on failure.
pub fn encode(v: &Value, opts: EncodeOptions) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, v, opts, 0)?;
    Ok(out)
}

fn newline(out: &mut String, opts: EncodeOptions, depth: usize) {
    if let Some(n) = opts.indent {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', n * depth));
    }
}

fn write_value(
    out: &mut String,
    v: &Value,
    opts: EncodeOptions,
    depth: usize,
) -> Result<(), String> {
    super::grow_stack(depth, || write_value_inner(out, v, opts, depth))
}

fn write_value_inner(
    out: &mut String,
    v: &Value,
    opts: EncodeOptions,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "json: unsupported value: encountered a cycle via {}",
            v.type_name()
        ));
    }
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(format!(
                    "json: unsupported value: {}",
                    format_g(*f, Bits::B64)
                ));
            }
            out.push_str(&format_json(*f));
        }
        Value::String(s) => write_string(out, s, opts.escape_html),
        Value::List(items) => {
            if Value::is_nil_list(items) {
                out.push_str("null");
                return Ok(());
            }
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, opts, depth + 1);
                write_value(out, item, opts, depth + 1)?;
            }
            newline(out, opts, depth);
            out.push(']');
        }
        Value::Map(m) => {
            let m = m.try_borrow().map_err(|_| {
                "json: unsupported value: encountered a cycle via map[string]interface {}"
                    .to_string()
            })?;
            if m.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, opts, depth + 1);
                write_string(out, k, opts.escape_html);
                out.push(':');
                if opts.indent.is_some() {
                    out.push(' ');
                }
                write_value(out, item, opts, depth + 1)?;
            }
            newline(out, opts, depth);
            out.push('}');
        }
        Value::Object(o) => {
            return Err(format!("json: unsupported type: {}", o.type_name()));
        }
    }
    Ok(())
}

/// A JSON string literal as Go writes it.
pub fn write_string(out: &mut String, s: &str, escape_html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if escape_html => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xF] as char);
            }
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xF] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A Go JSON syntax error or type error, as `err.Error()` prints it.
pub type DecodeError = String;

/// `json.Unmarshal(text, &interface{})`.
pub fn decode(text: &str) -> Result<Value, DecodeError> {
    match decode_partial(text)? {
        (_, Some(e)) => Err(e),
        (v, None) => Ok(v),
    }
}

/// Like [`decode`], but a type error (a number beyond float64) leaves the value decoded with
/// `null` in that place, as Go's decoder does, and is returned beside it.
pub fn decode_partial(text: &str) -> Result<(Value, Option<DecodeError>), DecodeError> {
    let mut p = JsonParser {
        b: text.as_bytes(),
        s: text,
        i: 0,
        depth: 0,
        type_error: None,
    };
    p.skip_ws();
    if p.i >= p.b.len() {
        return Err("unexpected end of JSON input".into());
    }
    let v = p.value()?;
    p.skip_ws();
    if p.i < p.b.len() {
        return Err(format!(
            "invalid character {} after top-level value",
            p.quote_at(p.i)
        ));
    }
    Ok((v, p.type_error))
}

/// Deepest nesting read (Go's scanner allows 10000; Strata stops earlier to keep the stack
/// safe, far beyond any real document).
const MAX_NESTING: usize = 1000;

struct JsonParser<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
    depth: usize,
    /// Go reports a number out of float64's range only after the whole text has been found
    /// well-formed, so the first such error waits here.
    type_error: Option<String>,
}

impl JsonParser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    /// Go's `quoteChar` of the character at byte `i`.
    fn quote_at(&self, i: usize) -> String {
        let c = self.s[i..].chars().next().unwrap_or('\0');
        match c {
            '\'' => "'\\''".into(),
            '"' => "'\"'".into(),
            c => {
                let q = format!("{:?}", c.to_string());
                let inner = &q[1..q.len() - 1];
                // Rust's escapes for control characters differ from Go's `strconv.Quote`.
                let inner = if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') {
                    format!("\\x{:02x}", c as u32)
                } else if inner.starts_with("\\u{") {
                    format!("\\u{:04x}", c as u32)
                } else {
                    inner.to_string()
                };
                format!("'{inner}'")
            }
        }
    }

    /// Go's character quoting for the byte at `i`, or a space at the end of the input (Go's
    /// scanner ends a number or literal by stepping with a space).
    fn quote_or_space(&self, i: usize) -> String {
        if i >= self.b.len() {
            "' '".to_string()
        } else {
            self.quote_at(i)
        }
    }

    fn eof_or<T>(&self, what: impl FnOnce() -> String) -> Result<T, DecodeError> {
        if self.i >= self.b.len() {
            Err("unexpected end of JSON input".into())
        } else {
            Err(what())
        }
    }

    fn value(&mut self) -> Result<Value, DecodeError> {
        self.skip_ws();
        let Some(&c) = self.b.get(self.i) else {
            return Err("unexpected end of JSON input".into());
        };
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(Value::from(self.string()?)),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Nil),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(format!(
                "invalid character {} looking for beginning of value",
                self.quote_at(self.i)
            )),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, DecodeError> {
        let w = word.as_bytes();
        for (k, &expected) in w.iter().enumerate() {
            let quoted = match self.b.get(self.i + k) {
                // At the end of the input Go's scanner steps with a space.
                None => "' '".to_string(),
                Some(&got) if got != expected => self.quote_at(self.i + k),
                _ => continue,
            };
            return Err(format!(
                "invalid character {quoted} in literal {word} (expecting '{}')",
                expected as char
            ));
        }
        self.i += w.len();
        Ok(v)
    }

    fn number(&mut self) -> Result<Value, DecodeError> {
        let start = self.i;
        let b = self.b;
        let at = |i: usize| b.get(i).copied();
        if at(self.i) == Some(b'-') {
            self.i += 1;
        }
        match at(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while at(self.i).is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
            }
            _ => {
                return Err(format!(
                    "invalid character {} in numeric literal",
                    self.quote_or_space(self.i)
                ))
            }
        }
        if at(self.i) == Some(b'.') {
            self.i += 1;
            if !at(self.i).is_some_and(|c| c.is_ascii_digit()) {
                return Err(format!(
                    "invalid character {} after decimal point in numeric literal",
                    self.quote_or_space(self.i)
                ));
            }
            while at(self.i).is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        if matches!(at(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(at(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !at(self.i).is_some_and(|c| c.is_ascii_digit()) {
                return Err(format!(
                    "invalid character {} in exponent of numeric literal",
                    self.quote_or_space(self.i)
                ));
            }
            while at(self.i).is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        let text = &self.s[start..self.i];
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => {
                if self.type_error.is_none() {
                    self.type_error = Some(format!(
                        "json: cannot unmarshal number {text} into Go value of type float64"
                    ));
                }
                Ok(Value::Nil)
            }
        }
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        // At the opening quote.
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err("unexpected end of JSON input".into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.b.get(self.i) else {
                        return Err("unexpected end of JSON input".into());
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let u = self.hex4()?;
                            if (0xD800..0xDC00).contains(&u)
                                && self.b.get(self.i) == Some(&b'\\')
                                && self.b.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    let cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                                    out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                                } else {
                                    out.push('\u{FFFD}');
                                    self.i = save;
                                }
                            } else {
                                out.push(char::from_u32(u).unwrap_or('\u{FFFD}'));
                            }
                        }
                        _ => {
                            return Err(format!(
                                "invalid character {} in string escape code",
                                self.quote_at(self.i - 1)
                            ))
                        }
                    }
                }
                c if c < 0x20 => {
                    return Err(format!(
                        "invalid character {} in string literal",
                        self.quote_at(self.i)
                    ))
                }
                _ => {
                    let ch = self.s[self.i..].chars().next().unwrap_or('\u{FFFD}');
                    out.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, DecodeError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(&c) = self.b.get(self.i) else {
                return Err("unexpected end of JSON input".into());
            };
            let d = (c as char).to_digit(16).ok_or_else(|| {
                format!(
                    "invalid character {} in \\u hexadecimal character escape",
                    self.quote_at(self.i)
                )
            })?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn enter(&mut self) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err("exceeded max depth".into());
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value, DecodeError> {
        self.enter()?;
        self.i += 1;
        let mut map = BTreeMap::new();
        self.skip_ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::map(map));
        }
        loop {
            self.skip_ws();
            match self.b.get(self.i) {
                Some(b'"') => {}
                _ => {
                    return self.eof_or(|| {
                        format!(
                            "invalid character {} looking for beginning of object key string",
                            self.quote_at(self.i)
                        )
                    })
                }
            }
            let key = self.string()?;
            self.skip_ws();
            match self.b.get(self.i) {
                Some(b':') => self.i += 1,
                _ => {
                    return self.eof_or(|| {
                        format!(
                            "invalid character {} after object key",
                            self.quote_at(self.i)
                        )
                    })
                }
            }
            let v = self.value()?;
            map.insert(key.into(), v);
            self.skip_ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Value::map(map));
                }
                _ => {
                    return self.eof_or(|| {
                        format!(
                            "invalid character {} after object key:value pair",
                            self.quote_at(self.i)
                        )
                    })
                }
            }
        }
    }

    fn array(&mut self) -> Result<Value, DecodeError> {
        self.enter()?;
        self.i += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::list(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Value::list(items));
                }
                _ => {
                    return self.eof_or(|| {
                        format!(
                            "invalid character {} after array element",
                            self.quote_at(self.i)
                        )
                    })
                }
            }
        }
    }
}

/// What JSON calls a value's kind in "cannot unmarshal X into …" messages.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "null",
        Value::Bool(_) => "bool",
        Value::String(_) => "string",
        Value::List(_) => "array",
        Value::Map(_) => "object",
        _ => "number",
    }
}
