//! Argument conversion for the Sprig functions of encoding, crypto, random, uuid, dates, certs,
//! network and urls: Go's reflection rules when a template passes a value to a typed parameter.
//!
//! Go converts an argument only when its dynamic type is assignable to the parameter's type: an
//! `int64` is not an `int`, a `float64` from values is not an `int`, and a missing value
//! (`interface {}` holding nil) is not a `string`. The messages are Go's.

use crate::{FuncError, Value};

/// Checks that exactly `want` arguments were passed.
pub(crate) fn arity(args: &[Value], want: usize) -> Result<(), FuncError> {
    if args.len() == want {
        Ok(())
    } else {
        Err(FuncError::Arity {
            want: want.to_string(),
            got: args.len(),
        })
    }
}

/// Go's message for an argument of the wrong type.
pub(crate) fn wrong_type(expected: &str, got: &Value) -> FuncError {
    let got = match got {
        // A missing map key reaches a function as a nil `interface {}`.
        Value::Nil => "interface {}".to_string(),
        other => other.type_name(),
    };
    FuncError::Arg(format!(
        "wrong type for value; expected {expected}; got {got}"
    ))
}

/// A `string` parameter.
pub(crate) fn string(v: &Value) -> Result<&str, FuncError> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(wrong_type("string", other)),
    }
}

/// An `int` parameter (template integer literals and `len` are `int`; Sprig's arithmetic gives
/// `int64`, which Go refuses here).
pub(crate) fn int(v: &Value) -> Result<i64, FuncError> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(wrong_type("int", other)),
    }
}

/// An `interface {}` parameter that Sprig then reads as a `[]interface {}`: nil is an empty
/// list, a list is itself; anything else is Go's conversion error.
pub(crate) fn list(v: &Value) -> Result<Vec<Value>, FuncError> {
    match v {
        Value::Nil => Ok(Vec::new()),
        Value::List(items) => Ok(items.as_ref().clone()),
        other => Err(wrong_type("[]interface {}", other)),
    }
}

/// A `map[string]interface {}` parameter.
pub(crate) fn map(v: &Value) -> Result<crate::Map, FuncError> {
    match v {
        Value::Map(m) => Ok(m.clone()),
        other => Err(wrong_type("map[string]interface {}", other)),
    }
}

/// Go's `string(bytes)` for bytes that may not be UTF-8: Strata's strings are UTF-8, so invalid
/// sequences become U+FFFD (Go would keep the raw bytes).
pub(crate) fn bytes_to_string(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// A JSON string literal as Go's `encoding/json` writes it (HTML-safe: `<`, `>`, `&` escaped).
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
