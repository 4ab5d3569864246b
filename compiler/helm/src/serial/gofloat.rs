//! Go's `strconv.FormatFloat` with the shortest precision (`-1`), in the formats the
//! serializers need: `'g'` (YAML scalars and float map keys), `'e'` and `'f'` (JSON).
//!
//! Rust's `{:e}` formatting yields the same shortest round-trip digits Go computes, so only the
//! layout around the digits has to follow Go.

/// A finite, non-zero float as its shortest decimal digits and exponent: `d.ddd × 10^exp`.
struct Digits {
    negative: bool,
    digits: String,
    exp: i32,
}

fn digits_of(sci: &str) -> Digits {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    Digits {
        negative: mantissa.starts_with('-'),
        digits: mantissa.chars().filter(char::is_ascii_digit).collect(),
        exp: exp.parse().unwrap_or(0),
    }
}

/// Which precision Go formats with: `float64` or `float32` (the value is first rounded to
/// `float32`, as Go's `FormatFloat(f, 'g', -1, 32)` does).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Bits {
    /// `float64`.
    B64,
    /// `float32`.
    B32,
}

fn special(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else if f == 0.0 {
        Some(if f.is_sign_negative() { "-0" } else { "0" }.into())
    } else {
        None
    }
}

fn shortest(f: f64, bits: Bits) -> Digits {
    match bits {
        Bits::B64 => digits_of(&format!("{f:e}")),
        // The cast rounds to nearest, as Go's float32 conversion does.
        Bits::B32 => digits_of(&format!("{:e}", f as f32)),
    }
}

fn write_e(out: &mut String, d: &Digits) {
    if d.negative {
        out.push('-');
    }
    out.push_str(&d.digits[..1]);
    if d.digits.len() > 1 {
        out.push('.');
        out.push_str(&d.digits[1..]);
    }
    out.push('e');
    out.push(if d.exp < 0 { '-' } else { '+' });
    let e = d.exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
}

fn write_f(out: &mut String, d: &Digits) {
    if d.negative {
        out.push('-');
    }
    if d.exp < 0 {
        out.push_str("0.");
        for _ in 0..(-d.exp - 1) {
            out.push('0');
        }
        out.push_str(&d.digits);
    } else {
        let point = d.exp as usize + 1;
        if d.digits.len() <= point {
            out.push_str(&d.digits);
            for _ in d.digits.len()..point {
                out.push('0');
            }
        } else {
            out.push_str(&d.digits[..point]);
            out.push('.');
            out.push_str(&d.digits[point..]);
        }
    }
}

/// `strconv.FormatFloat(f, 'g', -1, bits)`: exponent form when the decimal exponent is below
/// -4 or at least 6 (Go's threshold for the shortest `'g'` form, whatever the digit count):
/// `1e+06`, `123456`, `1e-05`, `0.0001`.
pub fn format_g(f: f64, bits: Bits) -> String {
    let f = if bits == Bits::B32 {
        f64::from(f as f32)
    } else {
        f
    };
    if let Some(s) = special(f) {
        return s;
    }
    let d = shortest(f, bits);
    let mut out = String::new();
    if d.exp < -4 || d.exp >= 6 {
        write_e(&mut out, &d);
    } else {
        write_f(&mut out, &d);
    }
    out
}

/// `strconv.FormatFloat(f, 'e', -1, 64)`: `1e+21`, `1.5e-07`.
pub fn format_e(f: f64) -> String {
    if let Some(s) = special(f) {
        return s;
    }
    let mut out = String::new();
    write_e(&mut out, &shortest(f, Bits::B64));
    out
}

/// `strconv.FormatFloat(f, 'f', -1, 64)`: never an exponent.
pub fn format_f(f: f64) -> String {
    if let Some(s) = special(f) {
        return s;
    }
    let mut out = String::new();
    write_f(&mut out, &shortest(f, Bits::B64));
    out
}

/// How Go's `encoding/json` writes a finite `float64`: plain decimal between 1e-6 and 1e21,
/// exponent form outside (with `e-07` shortened to `e-7`).
pub fn format_json(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format_e(f);
        // Go trims one leading zero of a negative two-digit exponent.
        if let Some(i) = s.find("e-0") {
            format!("{}e-{}", &s[..i], &s[i + 3..])
        } else {
            s
        }
    } else {
        format_f(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format() {
        for (f, want) in [
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e21, "1e+21"),
            (2.5, "2.5"),
            (-0.0, "-0"),
            (f64::INFINITY, "+Inf"),
        ] {
            assert_eq!(format_g(f, Bits::B64), want, "{f}");
        }
        assert_eq!(format_g(std::f64::consts::PI, Bits::B32), "3.1415927");
        assert_eq!(format_g(0.1, Bits::B32), "0.1");
        assert_eq!(format_g(1e10, Bits::B32), "1e+10");
    }

    #[test]
    fn json_format() {
        for (f, want) in [
            (1e6, "1000000"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-7"),
            (1e-6, "0.000001"),
            (1.5e-10, "1.5e-10"),
            (-2.5, "-2.5"),
            (0.0, "0"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ] {
            assert_eq!(format_json(f), want, "{f}");
        }
    }
}
