//! TOML as Helm's `toToml` / `fromToml` see it (BurntSushi/toml v1.6).
//!
//! The encoder's layout: in every table, plain values first then sub-tables, each group in
//! byte order of the keys; a blank line before each top-level table and each `[[array]]`
//! entry; keys inside a table indented by two spaces per level; floats always with a decimal
//! point or exponent (`1.0`, `1e+06`); `null` entries left out; a list whose elements are all
//! maps becomes an array of tables, any other list an inline array (`[1.0, {a = 1.0}]`).

use strata_gotmpl::Value;

use super::gofloat::{format_g, Bits};

/// How deep the encoder follows nested values before giving up (a map that contains itself).
const MAX_DEPTH: usize = 1000;

/// Encodes `v` as BurntSushi/toml's encoder does.
pub fn encode(v: &Value) -> Result<String, String> {
    let mut enc = Encoder {
        out: String::new(),
        written: false,
    };
    match v {
        Value::Map(_) => enc.table(&[], v, 0)?,
        Value::Nil => return Err("toml: cannot encode a nil value".into()),
        other => {
            // A value that is not a table is written bare, without a line break.
            let mut s = String::new();
            inline(&mut s, other, 0)?;
            enc.out.push_str(&s);
        }
    }
    Ok(enc.out)
}

struct Encoder {
    out: String,
    written: bool,
}

fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(_))
}

fn is_table_array(v: &Value) -> bool {
    match v {
        Value::List(items) => {
            // A nil element makes it an inline array, which then fails as BurntSushi's does.
            !items.is_empty() && items.iter().all(is_table)
        }
        _ => false,
    }
}

/// A key, bare when it is made of `A-Za-z0-9_-` only, else quoted.
fn quote_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        let mut s = String::new();
        quote_string(&mut s, k);
        s
    }
}

fn quote_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let s = format_g(f, Bits::B64);
    if s.contains(['.', 'e', 'E']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// A value written inline (after `key = `, or inside an array).
fn inline(out: &mut String, v: &Value, depth: usize) -> Result<(), String> {
    super::grow_stack(depth, || inline_inner(out, v, depth))
}

fn inline_inner(out: &mut String, v: &Value, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("toml: value nested too deeply (a map that contains itself?)".into());
    }
    match v {
        Value::Nil => return Err("toml: cannot encode a nil value".into()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float_text(*f)),
        Value::String(s) => quote_string(out, s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if matches!(item, Value::Nil) {
                    return Err("toml: cannot encode array with nil element".into());
                }
                if i > 0 {
                    out.push_str(", ");
                }
                inline(out, item, depth + 1)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            let m = m
                .try_borrow()
                .map_err(|_| "toml: a map that contains itself cannot be encoded".to_string())?;
            out.push('{');
            // Plain values first, then tables, as in a table written out. BurntSushi writes a
            // separator after every entry but the last, even when a later nil entry is then
            // left out (which leaves a trailing `, `).
            let plain = m.iter().filter(|(_, v)| !is_table(v) && !is_table_array(v));
            let tables = m.iter().filter(|(_, v)| is_table(v) || is_table_array(v));
            let ordered: Vec<_> = plain.chain(tables).collect();
            let n = ordered.len();
            for (i, (k, item)) in ordered.into_iter().enumerate() {
                if matches!(item, Value::Nil) {
                    continue;
                }
                out.push_str(&quote_key(k));
                out.push_str(" = ");
                inline(out, item, depth + 1)?;
                if i + 1 < n {
                    out.push_str(", ");
                }
            }
            out.push('}');
        }
        Value::Object(o) => {
            return Err(format!(
                "toml: cannot encode a value of type {}",
                o.type_name()
            ))
        }
    }
    Ok(())
}

impl Encoder {
    fn write(&mut self, s: &str) {
        self.out.push_str(s);
        self.written = true;
    }

    fn newline(&mut self) {
        if self.written {
            self.write("\n");
        }
    }

    fn header(key: &[String]) -> String {
        key.iter()
            .map(|k| quote_key(k))
            .collect::<Vec<_>>()
            .join(".")
    }

    fn indent(level: usize) -> String {
        "  ".repeat(level)
    }

    /// Writes the entries of table `v` (a map) whose path is `key`.
    fn table(&mut self, key: &[String], v: &Value, depth: usize) -> Result<(), String> {
        super::grow_stack(depth, || self.table_inner(key, v, depth))
    }

    fn table_inner(&mut self, key: &[String], v: &Value, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("toml: value nested too deeply (a map that contains itself?)".into());
        }
        let Value::Map(m) = v else {
            return Ok(());
        };
        let entries: strata_gotmpl::Entries = m
            .try_borrow()
            .map_err(|_| "toml: a map that contains itself cannot be encoded".to_string())?
            .clone();
        let indent = Self::indent(key.len());
        // Plain values first.
        for (k, item) in &entries {
            if matches!(item, Value::Nil) || is_table(item) || is_table_array(item) {
                continue;
            }
            let mut line = format!("{indent}{} = ", quote_key(k));
            inline(&mut line, item, depth + 1)?;
            line.push('\n');
            self.write(&line);
        }
        // Then sub-tables and arrays of tables.
        for (k, item) in &entries {
            let mut path = key.to_vec();
            path.push(k.to_string());
            if is_table(item) {
                if path.len() == 1 {
                    self.newline();
                }
                let h = format!(
                    "{}[{}]\n",
                    Self::indent(path.len() - 1),
                    Self::header(&path)
                );
                self.write(&h);
                self.table(&path, item, depth + 1)?;
            } else if is_table_array(item) {
                let Value::List(items) = item else { continue };
                for t in items.iter() {
                    if matches!(t, Value::Nil) {
                        continue;
                    }
                    self.newline();
                    let h = format!(
                        "{}[[{}]]\n",
                        Self::indent(path.len() - 1),
                        Self::header(&path)
                    );
                    self.write(&h);
                    self.table(&path, t, depth + 1)?;
                }
            }
        }
        Ok(())
    }
}

/// Decodes a TOML document into a map as BurntSushi/toml does into `map[string]interface{}`:
/// integers are `int64`, floats `float64`, date-times their RFC 3339 text.
pub fn decode(text: &str) -> Result<Value, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1);
        format!("toml: line {line}: {}", e.message())
    })?;
    Ok(from_table(&table))
}

fn from_table(t: &toml::Table) -> Value {
    Value::map(
        t.iter()
            .map(|(k, v)| (strata_gotmpl::Key::from(k.as_str()), from_toml(v)))
            .collect(),
    )
}

fn from_toml(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::Int64(*i),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(items) => Value::list(items.iter().map(from_toml).collect()),
        toml::Value::Table(t) => from_table(t),
    }
}
