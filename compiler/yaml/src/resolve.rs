//! Resolution of plain (unquoted) scalars to null, booleans, numbers, timestamps or strings.
//!
//! Two schemas exist because Kubernetes tooling reads YAML in two ways: resource files are read
//! by go-yaml v3 (YAML 1.2 core, where `yes` is a string but `0755` is still octal), while
//! kustomization files go through `sigs.k8s.io/yaml`, i.e. go-yaml v2 (YAML 1.1, where `y`,
//! `yes`, `on` are booleans). The rules below follow go-yaml's `resolve.go` so that Strata reads
//! a file exactly as kubectl does.

/// Which reader's scalar rules to follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Schema {
    /// go-yaml v3, as kustomize reads resource files (and Strata reads its own inputs):
    /// `true/false/null` in three casings, Go integer syntax (`0x`, `0o`, `0b`, legacy `0755`
    /// octal, `_` separators), YAML-style floats, timestamps.
    #[default]
    Go12,
    /// go-yaml v2 (YAML 1.1), as `sigs.k8s.io/yaml` reads kustomization files: additionally
    /// `y`, `yes`, `on`, `n`, `no`, `off` (three casings) are booleans.
    Go11,
}

/// What a plain scalar resolves to.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    /// `~`, `null`, or nothing at all.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer above `i64::MAX`.
    UInt(u64),
    /// A finite float.
    Float(f64),
    /// `.inf`, `-.inf`, `.nan`: valid YAML, but not representable in JSON or Kubernetes.
    NonFinite,
    /// A timestamp, converted to the RFC 3339 text Go's JSON encoder would produce.
    Timestamp(String),
    /// Anything else is a string.
    Str,
}

/// Resolves the text of a plain scalar under `schema`.
pub fn resolve_plain(s: &str, schema: Schema) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return Resolved::NonFinite,
        _ => {}
    }
    if schema == Schema::Go11 {
        match s {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Resolved::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Resolved::Bool(false),
            _ => {}
        }
    }
    let first = s.as_bytes()[0];
    match first {
        b'.' => match parse_go_float(s) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str,
        },
        b'0'..=b'9' | b'+' | b'-' => {
            if schema == Schema::Go12 {
                if let Some(ts) = parse_timestamp(s) {
                    return Resolved::Timestamp(ts);
                }
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(v) = parse_go_int(&plain) {
                return v;
            }
            if is_yaml_style_float(&plain) {
                if let Some(f) = parse_go_float(&plain) {
                    return Resolved::Float(f);
                }
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint` for large positive values.
fn parse_go_int(s: &str) -> Option<Resolved> {
    let (neg, body) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u128 + 1 {
            // The cast wraps exactly once at i64::MIN, which is the intended value.
            return Some(Resolved::Int((magnitude as i128).wrapping_neg() as i64));
        }
        return None;
    }
    if magnitude <= i64::MAX as u128 {
        Some(Resolved::Int(magnitude as i64))
    } else if magnitude <= u64::MAX as u128 {
        Some(Resolved::UInt(magnitude as u64))
    } else {
        None
    }
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A float in the decimal syntax Go's `ParseFloat` shares with YAML; hex floats, `inf` and
/// `nan` spellings are deliberately not accepted (go-yaml only reaches `ParseFloat` for them
/// through paths that real manifests do not take).
fn parse_go_float(s: &str) -> Option<f64> {
    if !is_yaml_style_float(s) {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// go-yaml v3's timestamp formats (`2006-1-2`, `2006-1-2T15:4:5.999999999Z07:00`, the same
/// with a lower-case `t`, and `2006-1-2 15:4:5.999999999`), rendered as Go's JSON encoder
/// renders a `time.Time` (RFC 3339 with nanoseconds trimmed).
fn parse_timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut p = Cursor { b, i: 5 };
    let year: u32 = s[..4].parse().ok()?;
    let month = p.num(1, 2)?;
    p.expect(b'-')?;
    let day = p.num(1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if p.done() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let zoned = match p.next()? {
        b'T' | b't' => true,
        b' ' => false,
        _ => return None,
    };
    let hour = p.num(1, 2)?;
    p.expect(b':')?;
    let minute = p.num(1, 2)?;
    p.expect(b':')?;
    let second = p.num(1, 2)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut frac = String::new();
    if p.peek() == Some(b'.') {
        p.i += 1;
        let start = p.i;
        while p.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.i += 1;
        }
        if p.i == start || p.i - start > 9 {
            return None;
        }
        frac = s[start..p.i].trim_end_matches('0').to_string();
    }
    let zone = if zoned {
        match p.next()? {
            b'Z' => "Z".to_string(),
            sign @ (b'+' | b'-') => {
                let h = p.num(2, 2)?;
                p.expect(b':')?;
                let m = p.num(2, 2)?;
                if h > 23 || m > 59 {
                    return None;
                }
                if h == 0 && m == 0 && sign == b'+' {
                    "Z".to_string()
                } else {
                    format!("{}{h:02}:{m:02}", sign as char)
                }
            }
            _ => return None,
        }
    } else {
        "Z".to_string()
    };
    if !p.done() {
        return None;
    }
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    Some(format!(
        "{date}T{hour:02}:{minute:02}:{second:02}{frac}{zone}"
    ))
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go12(s: &str) -> Resolved {
        resolve_plain(s, Schema::Go12)
    }

    #[test]
    fn yaml_1_1_booleans_are_strings_in_go12_and_booleans_in_go11() {
        for s in ["y", "yes", "on", "no", "off", "N", "Yes", "ON"] {
            assert_eq!(go12(s), Resolved::Str, "{s}");
            assert!(
                matches!(resolve_plain(s, Schema::Go11), Resolved::Bool(_)),
                "{s}"
            );
        }
        assert_eq!(go12("True"), Resolved::Bool(true));
        assert_eq!(go12("tRUE"), Resolved::Str);
    }

    #[test]
    fn integers_follow_go_syntax() {
        assert_eq!(go12("0755"), Resolved::Int(493));
        assert_eq!(go12("0o17"), Resolved::Int(15));
        assert_eq!(go12("0x1F"), Resolved::Int(31));
        assert_eq!(go12("-0b101"), Resolved::Int(-5));
        assert_eq!(go12("1_000"), Resolved::Int(1000));
        assert_eq!(go12("+12"), Resolved::Int(12));
        assert_eq!(go12("-9223372036854775808"), Resolved::Int(i64::MIN));
        assert_eq!(go12("18446744073709551615"), Resolved::UInt(u64::MAX));
        // Not octal, so go-yaml falls through to its float syntax.
        assert_eq!(go12("0789"), Resolved::Float(789.0));
    }

    #[test]
    fn floats_need_yaml_style() {
        assert_eq!(go12("1e3"), Resolved::Float(1000.0));
        assert_eq!(go12(".5"), Resolved::Float(0.5));
        assert_eq!(go12("1."), Resolved::Float(1.0));
        assert_eq!(go12("1.0.0"), Resolved::Str);
        assert_eq!(go12("1e"), Resolved::Str);
        assert_eq!(go12(".inf"), Resolved::NonFinite);
        assert_eq!(go12("10Gi"), Resolved::Str);
        assert_eq!(go12("1:20"), Resolved::Str);
    }

    #[test]
    fn timestamps_become_rfc3339() {
        assert_eq!(
            go12("2024-01-01"),
            Resolved::Timestamp("2024-01-01T00:00:00Z".into())
        );
        assert_eq!(
            go12("2024-1-2T3:04:05.500+02:00"),
            Resolved::Timestamp("2024-01-02T03:04:05.5+02:00".into())
        );
        assert_eq!(
            go12("2001-12-14 21:59:43.10"),
            Resolved::Timestamp("2001-12-14T21:59:43.1Z".into())
        );
        assert_eq!(go12("2023-02-29"), Resolved::Str);
        assert_eq!(resolve_plain("2024-01-01", Schema::Go11), Resolved::Str);
    }
}
