//! Argument checking and Go-compatible conversions shared by the Sprig functions.
//!
//! Go's text/template passes each argument by reflection: a parameter declared `string` or
//! `int` accepts only a value of exactly that Go type (an `int64` or `float64` is refused with
//! `wrong type for value; expected int; got float64`), while `interface{}` parameters take
//! anything and Sprig converts with `spf13/cast` (numbers) or `fmt.Sprintf("%v")` (strings).
//! The helpers here reproduce both, so errors and conversions read as Helm's do.
//!
//! Strata's [`Value::Nil`] stands for both Go's literal `nil` and a missing value (which Go
//! passes as a nil `interface {}`); a typed parameter refuses it as Go refuses a missing value:
//! `wrong type for value; expected string; got interface {}`.

use crate::{FuncError, Map, Value};

/// The most items a Sprig function builds in one list (`until`, `seq`, `repeat` …), so a
/// template cannot exhaust memory: Go would try and be killed.
pub const MAX_ITEMS: usize = 1_000_000;

/// The largest string (in bytes) a Sprig function builds (`repeat`, `indent`, `wrap` …).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// How deep `merge`, `deepCopy` and `deepEqual` follow nested maps and lists before refusing:
/// a map that contains itself (`set $d "x" $d`) must not recurse forever.
pub const MAX_DEPTH: usize = 1_000;

/// `error calling NAME: msg` (the executor adds the prefix).
pub fn call_err(msg: impl Into<String>) -> FuncError {
    FuncError::Call(msg.into())
}

/// Go's reflection error for an argument of the wrong type.
pub fn type_err(expected: &str, got: &Value) -> FuncError {
    let got = match got {
        Value::Nil => "interface {}".to_string(),
        other => other.type_name(),
    };
    FuncError::Arg(format!(
        "wrong type for value; expected {expected}; got {got}"
    ))
}

/// Checks that exactly `n` arguments were passed.
pub fn exact(args: &[Value], n: usize) -> Result<(), FuncError> {
    if args.len() == n {
        Ok(())
    } else {
        Err(FuncError::Arity {
            want: n.to_string(),
            got: args.len(),
        })
    }
}

/// Checks that at least `n` arguments were passed (a variadic Go function).
pub fn at_least(args: &[Value], n: usize) -> Result<(), FuncError> {
    if args.len() >= n {
        Ok(())
    } else {
        Err(FuncError::Arity {
            want: format!("at least {n}"),
            got: args.len(),
        })
    }
}

/// A `string` parameter.
pub fn string(v: &Value) -> Result<&str, FuncError> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(type_err("string", other)),
    }
}

/// An `int` parameter: only a Go `int` (a template literal, `len`, `atoi` …) is accepted.
pub fn int(v: &Value) -> Result<i64, FuncError> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(type_err("int", other)),
    }
}

/// A `bool` parameter.
pub fn boolean(v: &Value) -> Result<bool, FuncError> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(type_err("bool", other)),
    }
}

/// A `map[string]interface {}` parameter.
pub fn map(v: &Value) -> Result<&Map, FuncError> {
    match v {
        Value::Map(m) => Ok(m),
        other => Err(type_err("map[string]interface {}", other)),
    }
}

/// [`strval`] as a map key (Sprig's `dict` keys), built without a `String` in between.
pub fn key(v: &Value) -> crate::Key {
    match v {
        Value::String(s) => crate::Key::from(&**s),
        other => crate::Key::from(crate::fmt::sprint(other)),
    }
}

/// Sprig's `strval`: strings as they are, everything else as `fmt`'s `%v` prints it.
pub fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => String::from(&**s),
        other => crate::fmt::sprint(other),
    }
}

/// Go's conversion of a `float64` to `int64` as amd64 does it: truncation toward zero, and
/// the "integer indefinite" value (the minimum `int64`) for NaN and out-of-range values.
pub fn float_to_int(f: f64) -> i64 {
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// `cast.ToInt64` (spf13/cast v1.7, what Helm links): numbers converted (floats truncated),
/// booleans 1/0, strings parsed as Go integer literals after a trailing `.0…` is dropped,
/// everything that does not convert 0.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Float(f) => float_to_int(*f),
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => parse_go_int(trim_zero_decimal(s), 0).unwrap_or(0),
        _ => 0,
    }
}

/// `cast.ToFloat64`: numbers, booleans 1/0, strings parsed by `strconv.ParseFloat`, else 0.
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => parse_go_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// cast's `trimZeroDecimal`: `"1.00"` → `"1"`, so such strings convert to integers.
fn trim_zero_decimal(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=bytes.len()).rev() {
        match bytes[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Go's rule for `_` in number literals: only between digits, or right after a base prefix.
fn underscores_ok(digits: &str, prefixed: bool) -> bool {
    if !digits.contains('_') {
        return true;
    }
    let b = digits.as_bytes();
    for (i, c) in b.iter().enumerate() {
        if *c == b'_' {
            let before_ok = if i == 0 {
                prefixed
            } else {
                b[i - 1].is_ascii_alphanumeric()
            };
            let after_ok = b.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric());
            if !before_ok || !after_ok {
                return false;
            }
        }
    }
    true
}

/// `strconv.ParseInt(s, base, 64)`; `base` 0 reads Go's prefixes (`0x`, `0o`, `0b`, leading
/// `0` for octal) and allows `_` between digits.
pub fn parse_go_int(s: &str, base: u32) -> Option<i64> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest.is_empty() {
        return None;
    }
    let (radix, digits, prefixed) = if base == 0 {
        let lower = rest.to_ascii_lowercase();
        if lower.starts_with("0x") {
            (16, &rest[2..], true)
        } else if lower.starts_with("0o") {
            (8, &rest[2..], true)
        } else if lower.starts_with("0b") {
            (2, &rest[2..], true)
        } else if rest.len() > 1 && rest.starts_with('0') {
            (8, &rest[1..], true)
        } else {
            (10, rest, false)
        }
    } else {
        (base, rest, false)
    };
    if base == 0 {
        if !underscores_ok(digits, prefixed) {
            return None;
        }
    } else if digits.contains('_') {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() || !clean.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(&clean, radix).ok()?;
    if negative {
        if magnitude > 1u128 << 63 {
            None
        } else {
            Some((magnitude as i128).wrapping_neg() as i64)
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// `strconv.ParseFloat(s, 64)` for decimal syntax, `inf`/`infinity`/`nan` and `_` between
/// digits; out-of-range values are errors (as Go reports them). Go's hexadecimal floats
/// (`0x1p4`) are not read (none found in charts; they convert to 0).
pub fn parse_go_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return s.to_ascii_lowercase().parse::<f64>().ok();
    }
    if body.is_empty()
        || !body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-' | b'_'))
        || !underscores_ok(body, false)
    {
        return None;
    }
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    let f = clean.parse::<f64>().ok()?;
    if f.is_infinite() {
        None
    } else {
        Some(f)
    }
}

/// Sprig's `empty` (text/template's truth, inverted): nil, false, 0, and empty strings, lists
/// and maps are empty; Go structs (objects) never are.
pub fn empty(v: &Value) -> bool {
    !v.truth()
}

/// `reflect.DeepEqual`: same Go type and equal contents (maps and lists compared deeply;
/// NaN is unequal to itself; objects equal only to themselves). Beyond [`MAX_DEPTH`] levels
/// values compare unequal.
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    deep_equal_at(a, b, 0)
}

fn deep_equal_at(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) | (Value::Int64(x), Value::Int64(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            // reflect.DeepEqual: a nil slice equals only a nil slice.
            if Value::is_nil_list(x) != Value::is_nil_list(y) {
                return false;
            }
            std::rc::Rc::ptr_eq(x, y)
                || (x.len() == y.len()
                    && x.iter()
                        .zip(y.iter())
                        .all(|(p, q)| deep_equal_at(p, q, depth + 1)))
        }
        (Value::Map(x), Value::Map(y)) => {
            if std::rc::Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).is_some_and(|q| deep_equal_at(p, q, depth + 1)))
        }
        (Value::Object(x), Value::Object(y)) => std::rc::Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// The items of a Go slice argument, or `None` when the value is not a slice.
pub fn list(v: &Value) -> Option<&[Value]> {
    match v {
        Value::List(l) => Some(l),
        _ => None,
    }
}

/// Go's reflect kind name as Sprig's list errors print it (`Cannot push on type int`).
pub fn kind_name(v: &Value) -> &'static str {
    v.kind()
}

/// The error Go's runtime gives for `reflect.TypeOf(nil).Kind()` (Sprig's list functions on
/// nil), recovered by text/template into a call error.
pub fn nil_deref() -> FuncError {
    call_err("runtime error: invalid memory address or nil pointer dereference")
}

/// Refuses a result larger than [`MAX_BYTES`].
pub fn check_bytes(name: &str, len: usize) -> Result<(), FuncError> {
    if len > MAX_BYTES {
        Err(call_err(format!(
            "{name}: result of {len} bytes exceeds Strata's limit of {MAX_BYTES} bytes"
        )))
    } else {
        Ok(())
    }
}

/// Refuses a list longer than [`MAX_ITEMS`].
pub fn check_items(name: &str, len: u128) -> Result<(), FuncError> {
    if len > MAX_ITEMS as u128 {
        Err(call_err(format!(
            "{name}: result of {len} items exceeds Strata's limit of {MAX_ITEMS} items"
        )))
    } else {
        Ok(())
    }
}

/// Go's `strconv.Quote` (what `%q` prints for a string): double quotes, `\"` and `\\`,
/// the C escapes `\a \b \f \n \r \t \v`, other non-printable characters as `\xHH`, `\uHHHH` or
/// `\UHHHHHHHH`; printable Unicode kept as it is.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    // Runs of printable ASCII other than `"` and `\` are copied as they are, in one step: the
    // common case (openstack-helm quotes whole configuration values), which char by char was
    // a visible share of a render.
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..]
            .iter()
            .take_while(|&&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
            .count();
        out.push_str(&s[i..i + run]);
        i += run;
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Approximates Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the
/// ASCII space. Control, format, separator (other than space), private-use and noncharacter
/// code points are not printable; unassigned code points are treated as printable (Strata has
/// no Unicode tables).
fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xE000..=0xF8FF | 0xFDD0..=0xFDEF | 0xFFFE | 0xFFFF | 0xF0000..=0x10FFFF
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// Go's `string(bytes)` for bytes that may not be UTF-8: Strata's strings are UTF-8, so invalid
/// sequences become U+FFFD (Go would keep the raw bytes).
pub fn bytes_to_string(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// A JSON string literal as Go's `encoding/json` writes it (HTML-safe: `<`, `>`, `&` escaped).
pub fn json_string(s: &str) -> String {
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

/// An `interface {}` parameter that Sprig then reads as a `[]interface {}`: nil is an empty
/// list, a list is itself; anything else is Go's conversion error.
pub fn list_or_nil(v: &Value) -> Result<Vec<Value>, FuncError> {
    match v {
        Value::Nil => Ok(Vec::new()),
        Value::List(items) => Ok(items.as_ref().clone()),
        other => Err(type_err("[]interface {}", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from Helm SDK v4.2.3 (`int`/`float64` on strings).
    #[test]
    fn cast_conversions_match_helm() {
        let cases = [
            ("010", 8),
            ("1.0", 1),
            ("1.5", 0),
            ("-5", -5),
            ("+5", 5),
            ("0b101", 5),
            ("0o17", 15),
            ("1_000", 1000),
            ("1.00", 1),
            ("", 0),
            ("0x1F", 31),
            ("1e3", 0),
            (" 12", 0),
            ("08", 0),
            ("9223372036854775808", 0),
        ];
        for (s, want) in cases {
            assert_eq!(to_int64(&Value::str(s)), want, "{s}");
        }
        assert_eq!(to_int64(&Value::Float(3.9)), 3);
        assert_eq!(to_int64(&Value::Float(1e19)), i64::MIN);
        assert_eq!(to_int64(&Value::Float(-1e19)), i64::MIN);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
        assert_eq!(to_int64(&Value::Nil), 0);
        assert_eq!(to_float64(&Value::str("1e3")), 1000.0);
        assert_eq!(to_float64(&Value::str(" 1")), 0.0);
        assert_eq!(to_float64(&Value::str("0x10")), 0.0);
        assert_eq!(to_float64(&Value::str("inf")), f64::INFINITY);
        assert_eq!(to_float64(&Value::str("1_0")), 10.0);
        assert_eq!(to_float64(&Value::Bool(true)), 1.0);
        assert_eq!(to_float64(&Value::str("1e400")), 0.0);
    }

    #[test]
    fn quote_escapes_as_go_does() {
        assert_eq!(
            go_quote("a\"b\\c\n\t\u{1}é\u{a0}"),
            "\"a\\\"b\\\\c\\n\\t\\x01é\\u00a0\""
        );
        // Plain ASCII runs around escapes and multi-byte characters, and the empty string.
        assert_eq!(go_quote("key = x😀y\u{7f}"), "\"key = x😀y\\x7f\"");
        assert_eq!(go_quote(""), "\"\"");
    }

    #[test]
    fn type_errors_read_as_go_reflection_errors() {
        assert_eq!(
            string(&Value::Float(2.0)).unwrap_err().to_string(),
            "wrong type for value; expected string; got float64"
        );
        assert_eq!(
            int(&Value::Int64(2)).unwrap_err().to_string(),
            "wrong type for value; expected int; got int64"
        );
        assert_eq!(
            map(&Value::Nil).unwrap_err().to_string(),
            "wrong type for value; expected map[string]interface {}; got interface {}"
        );
    }
}

/// Calling registered functions from unit tests, without a template engine.
#[cfg(test)]
pub mod testing {
    use crate::{CallContext, FuncError, FuncMap, Value};

    /// A context with no templates, a counter for seeds and time 0.
    pub struct Dummy(pub u64);

    impl CallContext for Dummy {
        fn template_name(&self) -> &str {
            "t"
        }
        fn execute_named(&mut self, name: &str, _: &Value) -> Result<String, FuncError> {
            Err(FuncError::Call(format!("no template {name}")))
        }
        fn execute_text(&mut self, _: &str, _: &Value) -> Result<String, FuncError> {
            Err(FuncError::Call("no templates".to_string()))
        }
        fn next_seed(&mut self) -> u64 {
            self.0 += 1;
            self.0
        }
        fn now_unix(&self) -> i64 {
            0
        }
    }

    /// Calls Sprig function `name` with `args`.
    pub fn call(name: &str, args: &[Value]) -> Result<Value, FuncError> {
        let mut map = FuncMap::default();
        crate::sprig::register(&mut map);
        let f = map
            .get(name)
            .unwrap_or_else(|| panic!("no function {name}"));
        f(&mut Dummy(0), args)
    }

    /// `%v` of the result of calling `name`, or the error text.
    pub fn show(name: &str, args: &[Value]) -> String {
        match call(name, args) {
            Ok(v) => crate::fmt::sprint(&v),
            Err(e) => format!("ERR {e}"),
        }
    }

    /// A string value.
    pub fn s(x: &str) -> Value {
        Value::str(x)
    }

    /// An `int` value.
    pub fn i(x: i64) -> Value {
        Value::Int(x)
    }

    /// A list value.
    pub fn l(items: &[Value]) -> Value {
        Value::list(items.to_vec())
    }

    /// A map value built from pairs.
    pub fn d(pairs: &[(&str, Value)]) -> Value {
        Value::map(
            pairs
                .iter()
                .map(|(k, v)| (crate::Key::from(*k), v.clone()))
                .collect(),
        )
    }
}
