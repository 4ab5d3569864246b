//! Go's `fmt` formatting of values: `%v` here; the executor adds the other verbs.

use crate::Value;

/// How deep `%v` follows nested maps and lists before giving up; a map that contains itself
/// (Sprig's `set $d "x" $d`) must not recurse forever.
pub const MAX_DEPTH: usize = 10_000;

/// What Go's `fmt.Sprint(v)` prints for one value (`%v`).
pub fn sprint(v: &Value) -> String {
    let mut out = String::new();
    write_v(&mut out, v, 0);
    out
}

/// Appends `%v` of `v` to `out`.
pub fn write_v(out: &mut String, v: &Value, depth: usize) {
    if depth % 64 == 63 {
        // A deeply nested (or self-containing) value must not overflow the stack.
        return stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_GROW, || {
            write_v_inner(out, v, depth)
        });
    }
    write_v_inner(out, v, depth)
}

fn write_v_inner(out: &mut String, v: &Value, depth: usize) {
    if depth > MAX_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float_g(*f)),
        Value::String(s) => out.push_str(s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, item, depth + 1);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, item)) in m.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(out, item, depth + 1);
            }
            out.push(']');
        }
        Value::Object(o) => out.push_str(&o.format()),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`, which `%v` uses: the shortest digits that read
/// back as `f`, in exponent form when the decimal exponent is below -4 or at least 6
/// (`1e+06`, `100000`, `1e-05`).
pub fn format_float_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".to_string()
        } else {
            "-Inf".to_string()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".to_string()
        } else {
            "0".to_string()
        };
    }
    // Common case (counts, ports, replicas): an integral value below the exponent threshold.
    if f.fract() == 0.0 && f.abs() < 1e6 {
        return (f as i64).to_string();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "d.ddde±x".
    let sci = format!("{:e}", f);
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let point = exp as usize + 1;
        if digits.len() <= point {
            out.push_str(&digits);
            for _ in digits.len()..point {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

/// Whether Go's `strconv.IsPrint` holds for `c` (letters, marks, numbers, punctuation, symbols
/// and the ASCII space). Approximated with Rust's classification.
pub fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    // Unassigned, private-use, surrogate and format ranges Go treats as not printable.
    !matches!(u, 0xAD | 0x600..=0x605 | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFFFE | 0xFFFF)
}

/// Go's `strconv.Quote`: a double-quoted Go string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    quote_into(&mut out, s, '"');
    out.push('"');
    out
}

fn quote_into(out: &mut String, s: &str, q: char) {
    for c in s.chars() {
        match c {
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
}

/// Go's `fmt.Sprint(args...)`: a space between operands when neither is a string.
pub fn sprint_args(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        write_v(&mut out, a, 0);
        prev_string = is_string;
    }
    out
}

/// Go's `fmt.Sprintln(args...)`: spaces between all operands and a final newline.
pub fn sprintln_args(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_v(&mut out, a, 0);
    }
    out.push('\n');
    out
}

#[derive(Default, Clone, Copy)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    wid: Option<usize>,
    prec: Option<usize>,
    plus_v: bool,
    sharp_v: bool,
}

/// Go's `fmt.Sprintf(format, args...)`, with Go's error notes (`%!d(string=x)`,
/// `%!d(MISSING)`, `%!(EXTRA ...)`).
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let b = format.as_bytes();
    let mut i = 0;
    let mut argn = 0;
    let mut reordered = false;
    let mut good_argnum = true;
    while i < b.len() {
        // Copy literal text.
        let start = i;
        while i < b.len() && b[i] != b'%' {
            i += 1;
        }
        out.push_str(&format[start..i]);
        if i >= b.len() {
            break;
        }
        i += 1; // skip %
        let mut f = Flags::default();
        // Flags.
        while i < b.len() {
            match b[i] {
                b'#' => f.sharp = true,
                b'0' => f.zero = true,
                b'+' => f.plus = true,
                b'-' => f.minus = true,
                b' ' => f.space = true,
                _ => break,
            }
            i += 1;
        }
        // Argument index for width.
        let (na, ni, ok) = arg_number(format, i, argn, args.len());
        if ni != i {
            reordered = true;
        }
        argn = na;
        i = ni;
        good_argnum &= ok;
        // Width.
        if i < b.len() && b[i] == b'*' {
            i += 1;
            match args.get(argn).and_then(int_of) {
                Some(w) => {
                    let w = if w < 0 {
                        f.minus = true;
                        -w
                    } else {
                        w
                    };
                    if w > 1_000_000 {
                        out.push_str("%!(BADWIDTH)");
                    } else {
                        f.wid = Some(w as usize);
                    }
                }
                None => out.push_str("%!(BADWIDTH)"),
            }
            argn += 1;
            reordered = false;
        } else {
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i > s {
                f.wid = format[s..i].parse().ok();
            }
        }
        // Precision.
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let (na, ni, ok) = arg_number(format, i, argn, args.len());
            if ni != i {
                reordered = true;
            }
            argn = na;
            i = ni;
            good_argnum &= ok;
            if i < b.len() && b[i] == b'*' {
                i += 1;
                match args.get(argn).and_then(int_of) {
                    Some(p) if p >= 0 => f.prec = Some(p as usize),
                    _ => out.push_str("%!(BADPREC)"),
                }
                argn += 1;
                reordered = false;
            } else {
                let s = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                f.prec = Some(format[s..i].parse().unwrap_or(0));
            }
        }
        let (na, ni, ok) = arg_number(format, i, argn, args.len());
        if ni != i {
            reordered = true;
        }
        argn = na;
        i = ni;
        good_argnum &= ok;
        if i >= b.len() {
            out.push_str("%!(NOVERB)");
            break;
        }
        let verb = format[i..].chars().next().unwrap_or('%');
        i += verb.len_utf8();
        if verb == '%' {
            out.push('%');
            continue;
        }
        if !good_argnum {
            out.push_str("%!");
            out.push(verb);
            out.push_str("(BADINDEX)");
            good_argnum = true;
            continue;
        }
        if argn >= args.len() {
            out.push_str("%!");
            out.push(verb);
            out.push_str("(MISSING)");
            continue;
        }
        if verb == 'v' {
            if f.sharp {
                f.sharp = false;
                f.sharp_v = true;
            }
            if f.plus {
                f.plus = false;
                f.plus_v = true;
            }
        }
        if verb == 'w' {
            // Sprintf treats %w like %v (with an error note when the value is not an error).
            out.push_str("%!w(");
            out.push_str(&args[argn].type_name());
            out.push('=');
            write_v(&mut out, &args[argn], 0);
            out.push(')');
            argn += 1;
            continue;
        }
        print_arg(&mut out, &args[argn], verb, &f, 0);
        argn += 1;
    }
    if !reordered && argn < args.len() {
        out.push_str("%!(EXTRA ");
        for (k, a) in args[argn..].iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            match a {
                Value::Nil => out.push_str("<nil>"),
                a => {
                    out.push_str(&a.type_name());
                    out.push('=');
                    write_v(&mut out, a, 0);
                }
            }
        }
        out.push(')');
    }
    out
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) | Value::Int64(i) => Some(*i),
        _ => None,
    }
}

/// Parses `[n]` at `i`: returns the new argument number, the new position and whether the
/// index was valid.
fn arg_number(format: &str, i: usize, argn: usize, nargs: usize) -> (usize, usize, bool) {
    let b = format.as_bytes();
    if i >= b.len() || b[i] != b'[' {
        return (argn, i, true);
    }
    let Some(close) = format[i..].find(']') else {
        return (argn, i + 1, false);
    };
    let inner = &format[i + 1..i + close];
    match inner.parse::<usize>() {
        Ok(n) if n >= 1 && n <= nargs => (n - 1, i + close + 1, true),
        _ => (argn, i + close + 1, false),
    }
}

fn pad(out: &mut String, s: &str, f: &Flags) {
    let w = f.wid.unwrap_or(0);
    let n = s.chars().count();
    if n >= w {
        out.push_str(s);
        return;
    }
    let fill = w - n;
    if f.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if f.zero {
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(s);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(s);
    }
}

fn bad_verb(out: &mut String, v: &Value, verb: char) {
    out.push_str("%!");
    out.push(verb);
    out.push('(');
    match v {
        Value::Nil => out.push_str("<nil>"),
        v => {
            out.push_str(&v.type_name());
            out.push('=');
            write_v(out, v, 0);
        }
    }
    out.push(')');
}

fn print_arg(out: &mut String, v: &Value, verb: char, f: &Flags, depth: usize) {
    if depth % 64 == 63 {
        return stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_GROW, || {
            print_arg_inner(out, v, verb, f, depth)
        });
    }
    print_arg_inner(out, v, verb, f, depth)
}

fn print_arg_inner(out: &mut String, v: &Value, verb: char, f: &Flags, depth: usize) {
    if verb == 'T' {
        pad(out, &v.type_name(), f);
        return;
    }
    if depth > MAX_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::Nil => match verb {
            'v' if f.sharp_v && depth > 0 => pad(out, "interface {}(nil)", f),
            'v' => pad(out, "<nil>", f),
            _ if depth > 0 => pad(out, "<nil>", f),
            _ => bad_verb(out, v, verb),
        },
        Value::Bool(b) => match verb {
            't' | 'v' => pad(out, if *b { "true" } else { "false" }, f),
            _ => bad_verb(out, v, verb),
        },
        Value::Int(i) | Value::Int64(i) => fmt_int(out, v, *i, verb, f),
        Value::Float(x) => fmt_float(out, v, *x, verb, f),
        Value::String(s) => fmt_string(out, v, s, verb, f),
        Value::List(items) => {
            if f.sharp_v && Value::is_nil_list(items) {
                out.push_str("[]interface {}(nil)");
                return;
            }
            if f.sharp_v {
                out.push_str("[]interface {}{");
                for (k, it) in items.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    print_arg(out, it, verb, f, depth + 1);
                }
                out.push('}');
                return;
            }
            out.push('[');
            for (k, it) in items.iter().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                print_arg(out, it, verb, f, depth + 1);
            }
            out.push(']');
        }
        Value::Map(m) => {
            if f.sharp_v {
                out.push_str("map[string]interface {}{");
                for (k, (key, it)) in m.borrow().iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&quote(key));
                    out.push(':');
                    print_arg(out, it, verb, f, depth + 1);
                }
                out.push('}');
                return;
            }
            out.push_str("map[");
            for (k, (key, it)) in m.borrow().iter().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                print_arg(out, &Value::str(key), verb, f, depth + 1);
                out.push(':');
                print_arg(out, it, verb, f, depth + 1);
            }
            out.push(']');
        }
        Value::Object(o) => match verb {
            'v' | 's' => pad(out, &o.format(), f),
            _ => bad_verb(out, v, verb),
        },
    }
}

fn fmt_string(out: &mut String, v: &Value, s: &str, verb: char, f: &Flags) {
    match verb {
        'v' if f.sharp_v => pad(out, &quote(s), f),
        'v' | 's' => {
            let s = match f.prec {
                Some(p) => s.chars().take(p).collect::<String>(),
                None => s.to_string(),
            };
            pad(out, &s, f);
        }
        'q' => {
            let s2 = match f.prec {
                Some(p) => s.chars().take(p).collect::<String>(),
                None => s.to_string(),
            };
            if f.sharp
                && !s2.contains('`')
                && s2
                    .chars()
                    .all(|c| c == '\t' || (is_print(c) && c != '\u{FEFF}'))
            {
                pad(out, &format!("`{s2}`"), f);
            } else if f.plus {
                let mut q = String::from("\"");
                for c in s2.chars() {
                    if c.is_ascii() {
                        quote_into(&mut q, &c.to_string(), '"');
                    } else if (c as u32) < 0x10000 {
                        q.push_str(&format!("\\u{:04x}", c as u32));
                    } else {
                        q.push_str(&format!("\\U{:08x}", c as u32));
                    }
                }
                q.push('"');
                pad(out, &q, f);
            } else {
                pad(out, &quote(&s2), f);
            }
        }
        'x' | 'X' => {
            let bytes = s.as_bytes();
            let n = f.prec.map_or(bytes.len(), |p| p.min(bytes.len()));
            let mut h = String::new();
            for (k, byte) in bytes[..n].iter().enumerate() {
                if f.space && k > 0 {
                    h.push(' ');
                }
                if f.sharp && (f.space || k == 0) {
                    h.push_str(if verb == 'x' { "0x" } else { "0X" });
                }
                if verb == 'x' {
                    h.push_str(&format!("{byte:02x}"));
                } else {
                    h.push_str(&format!("{byte:02X}"));
                }
            }
            pad(out, &h, f);
        }
        _ => bad_verb(
            out,
            if matches!(v, Value::Nil) {
                &Value::Nil
            } else {
                v
            },
            verb,
        ),
    }
}

fn with_sign(neg: bool, body: String, f: &Flags, out: &mut String) {
    let sign = if neg {
        "-"
    } else if f.plus {
        "+"
    } else if f.space {
        " "
    } else {
        ""
    };
    let total = sign.len() + body.chars().count();
    match f.wid {
        Some(w) if f.zero && !f.minus && w > total => {
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', w - total));
            out.push_str(&body);
        }
        _ => {
            let s = format!("{sign}{body}");
            let nf = Flags { zero: false, ..*f };
            pad(out, &s, &nf);
        }
    }
}

fn fmt_int(out: &mut String, v: &Value, i: i64, verb: char, f: &Flags) {
    let neg = i < 0;
    let u = i.unsigned_abs();
    let (mut digits, prefix) = match verb {
        'd' | 'v' => (u.to_string(), ""),
        'x' => (format!("{u:x}"), "0x"),
        'X' => (format!("{u:X}"), "0X"),
        'o' => (format!("{u:o}"), "0"),
        'O' => (format!("{u:o}"), "0o"),
        'b' => (format!("{u:b}"), "0b"),
        'c' => {
            let c = char::from_u32(i as u32)
                .filter(|_| (0..=0x10FFFF).contains(&i))
                .unwrap_or('\u{FFFD}');
            pad(out, &c.to_string(), f);
            return;
        }
        'q' => {
            let c = char::from_u32(i as u32)
                .filter(|_| (0..=0x10FFFF).contains(&i))
                .unwrap_or('\u{FFFD}');
            let mut q = String::from("'");
            if c == '\'' {
                q.push_str("\\'");
            } else {
                quote_into(&mut q, &c.to_string(), '\'');
            }
            q.push('\'');
            pad(out, &q, f);
            return;
        }
        'U' => {
            let mut s = format!("U+{:04X}", u);
            if f.sharp {
                if let Some(c) = char::from_u32(i as u32) {
                    if is_print(c) {
                        s.push_str(&format!(" '{c}'"));
                    }
                }
            }
            pad(out, &s, f);
            return;
        }
        _ => {
            bad_verb(out, v, verb);
            return;
        }
    };
    let mut prec = f.prec;
    if prec.is_none() && f.zero && !f.minus {
        if let Some(w) = f.wid {
            let signed = neg || f.plus || f.space;
            prec = Some(w.saturating_sub(usize::from(signed)));
        }
    }
    if let Some(p) = prec {
        if p == 0 && i == 0 && f.prec.is_some() {
            digits = String::new();
        } else if digits.len() < p {
            digits = format!("{}{}", "0".repeat(p - digits.len()), digits);
        }
    }
    let body = if f.sharp && verb != 'd' && verb != 'v' {
        if verb == 'o' && digits.starts_with('0') {
            digits
        } else {
            format!("{prefix}{digits}")
        }
    } else if verb == 'O' {
        format!("{prefix}{digits}")
    } else {
        digits
    };
    let nf = Flags { zero: false, ..*f };
    with_sign(neg, body, &nf, out);
}

/// The decimal digits of `x` rounded to `sig` significant digits (or the shortest digits that
/// read back, when `sig` is None), and the decimal exponent of the first digit.
fn decimal_digits(x: f64, sig: Option<usize>) -> (String, i32) {
    let s = match sig {
        Some(p) => format!("{:.*e}", p.saturating_sub(1), x.abs()),
        None => format!("{:e}", x.abs()),
    };
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = m.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits, e.parse().unwrap_or(0))
}

fn exp_form(digits: &str, exp: i32, frac: usize, upper: bool) -> String {
    let mut s = String::new();
    s.push_str(&digits[..1]);
    if frac > 0 {
        s.push('.');
        let rest = &digits[1..];
        s.push_str(rest);
        for _ in rest.len()..frac {
            s.push('0');
        }
    }
    s.push(if upper { 'E' } else { 'e' });
    s.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        s.push('0');
    }
    s.push_str(&a.to_string());
    s
}

fn fmt_float(out: &mut String, v: &Value, x: f64, verb: char, f: &Flags) {
    let upper = matches!(verb, 'E' | 'G' | 'X');
    if x.is_nan() || x.is_infinite() {
        let body = if x.is_nan() { "NaN" } else { "Inf" };
        if !matches!(
            verb,
            'v' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'b' | 'x' | 'X'
        ) {
            bad_verb(out, v, verb);
            return;
        }
        let neg = x.is_sign_negative() && !x.is_nan();
        let sign = if neg {
            "-"
        } else if f.plus {
            "+"
        } else if f.space {
            " "
        } else {
            ""
        };
        let nf = Flags { zero: false, ..*f };
        pad(out, &format!("{sign}{body}"), &nf);
        return;
    }
    let neg = x.is_sign_negative();
    let body = match verb {
        'v' | 'g' | 'G' => {
            if f.prec.is_none() {
                let s = format_float_g(x.abs());
                if upper {
                    s.to_uppercase()
                } else {
                    s
                }
            } else {
                let p = f.prec.unwrap_or(6).max(1);
                let (digits, exp) = decimal_digits(x, Some(p));
                let digits = digits.trim_end_matches('0');
                let digits = if digits.is_empty() { "0" } else { digits };
                let nd = digits.len() as i32;
                let mut eprec = p as i32;
                if eprec > nd && nd > exp {
                    eprec = nd;
                }
                if exp < -4 || exp >= eprec {
                    exp_form(digits, exp, (nd - 1) as usize, upper)
                } else if exp < 0 {
                    format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
                } else if nd > exp + 1 {
                    format!(
                        "{}.{}",
                        &digits[..(exp + 1) as usize],
                        &digits[(exp + 1) as usize..]
                    )
                } else {
                    format!("{}{}", digits, "0".repeat((exp + 1 - nd) as usize))
                }
            }
        }
        'e' | 'E' => {
            let p = f.prec.unwrap_or(6);
            let (digits, exp) = decimal_digits(x, Some(p + 1));
            exp_form(&digits, exp, p, upper)
        }
        'f' | 'F' => format!("{:.*}", f.prec.unwrap_or(6), x.abs()),
        _ => {
            bad_verb(out, v, verb);
            return;
        }
    };
    let body = if f.sharp && !body.contains('.') && !body.contains('e') && !body.contains('E') {
        format!("{body}.")
    } else {
        body
    };
    with_sign(neg, body, f, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go_prints_them() {
        for (f, want) in [
            (1e6, "1e+06"),
            (100000.0, "100000"),
            (2.5, "2.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123456789.0, "1.23456789e+08"),
            (-1.5, "-1.5"),
            (1e21, "1e+21"),
            (3.0, "3"),
        ] {
            assert_eq!(format_float_g(f), want, "{f}");
        }
    }

    #[test]
    fn maps_and_lists_print_as_go_prints_them() {
        let mut m = std::collections::BTreeMap::new();
        m.insert("b".into(), Value::Float(2.0));
        m.insert(
            "a".into(),
            Value::list(vec![
                Value::Float(1.0),
                Value::str("x"),
                Value::Float(2.5),
                Value::Nil,
            ]),
        );
        assert_eq!(sprint(&Value::map(m)), "map[a:[1 x 2.5 <nil>] b:2]");
    }

    #[test]
    fn sprintf_matches_go() {
        // Outputs recorded from Helm SDK v4.2.3 (Go's fmt) through `printf` in a template.
        let m = {
            let mut m = std::collections::BTreeMap::new();
            m.insert("a".into(), Value::Float(1.0));
            Value::map(m)
        };
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            (
                "%05s|%-4d|%+.2f|%x|%q|%v|%T",
                vec![
                    Value::str("ab"),
                    Value::Int(3),
                    Value::Float(1.5),
                    Value::str("hi"),
                    Value::str("q"),
                    m.clone(),
                    m.clone(),
                ],
                "000ab|3   |+1.50|6869|\"q\"|map[a:1]|map[string]interface {}",
            ),
            (
                "%d %s",
                vec![Value::str("x"), Value::Int(1)],
                "%!d(string=x) %!s(int=1)",
            ),
            ("%d", vec![], "%!d(MISSING)"),
            ("%d", vec![Value::Int(1), Value::Int(2)], "1%!(EXTRA int=2)"),
            (
                "%6.2f|%-8.3e|%08.3f|%+08d|%x|%X",
                vec![
                    Value::Float(3.14158),
                    Value::Float(1234.5),
                    Value::Float(-3.14158),
                    Value::Int(42),
                    Value::str("hello"),
                    Value::Int(-255),
                ],
                "  3.14|1.234e+03|-003.142|+0000042|68656c6c6f|-FF",
            ),
            ("%d", vec![m.clone()], "map[%!d(string=a):%!d(float64=1)]"),
        ];
        for (f, args, want) in cases {
            assert_eq!(sprintf(f, &args), want, "{f}");
        }
    }

    #[test]
    fn sprint_spaces_only_between_non_strings() {
        // Helm SDK v4.2.3: {{ print 1 2 "a" 3 nil }} prints "1 2a3 <nil>".
        let args = [
            Value::Int(1),
            Value::Int(2),
            Value::str("a"),
            Value::Int(3),
            Value::Nil,
        ];
        assert_eq!(sprint_args(&args), "1 2a3 <nil>");
        assert_eq!(sprintln_args(&args[..3]), "1 2 a\n");
    }

    #[test]
    fn quote_is_go_strconv_quote() {
        assert_eq!(quote("a\"b\n\u{1}é"), "\"a\\\"b\\n\\x01é\"");
    }
}
