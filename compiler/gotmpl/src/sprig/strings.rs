//! Sprig's string functions (`trim`, `upper`, `substr`, `quote`, `indent`, `snakecase`, …).
//!
//! Go strings are byte strings and Sprig indexes them by byte (`trunc`, `substr`, `abbrev`,
//! `wrap`); where such an index falls inside a multi-byte UTF-8 character, Go emits the broken
//! bytes and Strata emits U+FFFD instead (its strings are always valid UTF-8).

use super::args::{self, call_err, exact, string, strval};
use crate::func::register;
use crate::{CallContext, FuncError, FuncMap, Value};

type R = Result<Value, FuncError>;

/// Adds the string functions to `map`.
pub fn register_all(map: &mut FuncMap) {
    register(map, "hello", |_, a| {
        exact(a, 0)?;
        Ok(Value::str("Hello!"))
    });
    register(map, "trim", |_, a| str1(a, |s| s.trim().to_string()));
    register(map, "upper", |_, a| str1(a, to_upper));
    register(map, "lower", |_, a| str1(a, to_lower));
    register(map, "title", |_, a| str1(a, title));
    register(map, "untitle", |_, a| str1(a, untitle));
    register(map, "swapcase", |_, a| str1(a, swapcase));
    register(map, "nospace", |_, a| str1(a, nospace));
    register(map, "initials", |_, a| str1(a, initials));
    register(map, "snakecase", |_, a| {
        str1(a, |s| lower_case_words(s, '_'))
    });
    register(map, "kebabcase", |_, a| {
        str1(a, |s| lower_case_words(s, '-'))
    });
    register(map, "camelcase", |_, a| str1(a, pascal_case));
    register(map, "shuffle", shuffle);
    register(map, "substr", substr);
    register(map, "trunc", trunc);
    register(map, "abbrev", abbrev);
    register(map, "abbrevboth", abbrevboth);
    register(map, "repeat", repeat);
    register(map, "wrap", |_, a| {
        exact(a, 2)?;
        let width = args::int(&a[0])?;
        let s = string(&a[1])?;
        wrap_custom(s, width, "\n", false).map(Value::from)
    });
    register(map, "wrapWith", |_, a| {
        exact(a, 3)?;
        let width = args::int(&a[0])?;
        let sep = string(&a[1])?;
        let s = string(&a[2])?;
        wrap_custom(s, width, sep, true).map(Value::from)
    });
    for name in ["trimall", "trimAll"] {
        register(map, name, |_, a| {
            str2(a, |cut, s| s.trim_matches(|c| cut.contains(c)).to_string())
        });
    }
    register(map, "trimSuffix", |_, a| {
        str2(a, |suf, s| s.strip_suffix(suf).unwrap_or(s).to_string())
    });
    register(map, "trimPrefix", |_, a| {
        str2(a, |pre, s| s.strip_prefix(pre).unwrap_or(s).to_string())
    });
    register(map, "contains", |_, a| bool2(a, |sub, s| s.contains(sub)));
    register(map, "hasPrefix", |_, a| bool2(a, |p, s| s.starts_with(p)));
    register(map, "hasSuffix", |_, a| bool2(a, |p, s| s.ends_with(p)));
    register(map, "quote", |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| args::go_quote(&strval(v)))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    register(map, "squote", |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| format!("'{}'", crate::fmt::sprint(v)))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    register(map, "cat", |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(crate::fmt::sprint)
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    register(map, "indent", |_, a| {
        exact(a, 2)?;
        indent(args::int(&a[0])?, string(&a[1])?, "").map(Value::from)
    });
    register(map, "nindent", |_, a| {
        exact(a, 2)?;
        indent(args::int(&a[0])?, string(&a[1])?, "\n").map(Value::from)
    });
    register(map, "replace", |_, a| {
        exact(a, 3)?;
        let (old, new, src) = (string(&a[0])?, string(&a[1])?, string(&a[2])?);
        let count = if old.is_empty() {
            src.chars().count() + 1
        } else {
            src.matches(old).count()
        };
        args::check_bytes(
            "replace",
            src.len().saturating_add(count.saturating_mul(new.len())),
        )?;
        Ok(Value::from(src.replace(old, new)))
    });
    register(map, "plural", |_, a| {
        exact(a, 3)?;
        let (one, many) = (string(&a[0])?, string(&a[1])?);
        let n = args::int(&a[2])?;
        Ok(Value::str(if n == 1 { one } else { many }))
    });
    register(map, "toString", |_, a| {
        exact(a, 1)?;
        Ok(Value::from(strval(&a[0])))
    });
    register(map, "toStrings", |_, a| {
        exact(a, 1)?;
        Ok(Value::list(
            strslice(&a[0]).into_iter().map(Value::from).collect(),
        ))
    });
    register(map, "join", |_, a| {
        exact(a, 2)?;
        let sep = string(&a[0])?;
        Ok(Value::from(strslice(&a[1]).join(sep)))
    });
    register(map, "sortAlpha", |_, a| {
        exact(a, 1)?;
        let mut items = match &a[0] {
            Value::List(_) => strslice(&a[0]),
            other => vec![strval(other)],
        };
        items.sort();
        Ok(Value::list(items.into_iter().map(Value::from).collect()))
    });
    register(map, "split", |_, a| {
        exact(a, 2)?;
        let parts = go_split(string(&a[1])?, string(&a[0])?, -1);
        Ok(parts_map(parts))
    });
    register(map, "splitList", |_, a| {
        exact(a, 2)?;
        let parts = go_split(string(&a[1])?, string(&a[0])?, -1);
        Ok(Value::list(parts.into_iter().map(Value::str).collect()))
    });
    register(map, "splitn", |_, a| {
        exact(a, 3)?;
        let sep = string(&a[0])?;
        let n = args::int(&a[1])?;
        let parts = go_split(string(&a[2])?, sep, n);
        Ok(parts_map(parts))
    });
}

fn parts_map(parts: Vec<&str>) -> Value {
    let entries = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (compact_str::format_compact!("_{i}"), Value::str(p)))
        .collect();
    Value::map(entries)
}

/// Go's `strings.SplitN` (`n < 0`: all parts; `n == 0`: none; an empty separator splits
/// into characters).
pub fn go_split<'a>(s: &'a str, sep: &str, n: i64) -> Vec<&'a str> {
    if n == 0 {
        return Vec::new();
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    if sep.is_empty() {
        let mut out = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if out.len() + 1 == limit {
                out.push(rest);
                return out;
            }
            let len = rest.chars().next().map_or(1, char::len_utf8);
            out.push(&rest[..len]);
            rest = &rest[len..];
        }
        return out;
    }
    s.splitn(limit, sep).collect()
}

/// Sprig's `strslice`: a list's non-nil items as strings; nil gives none; anything else is one
/// string.
pub fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(items) => items
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(strval)
            .collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

fn str1(a: &[Value], f: impl Fn(&str) -> String) -> R {
    exact(a, 1)?;
    Ok(Value::from(f(string(&a[0])?)))
}

fn str2(a: &[Value], f: impl Fn(&str, &str) -> String) -> R {
    exact(a, 2)?;
    Ok(Value::from(f(string(&a[0])?, string(&a[1])?)))
}

fn bool2(a: &[Value], f: impl Fn(&str, &str) -> bool) -> R {
    exact(a, 2)?;
    Ok(Value::Bool(f(string(&a[0])?, string(&a[1])?)))
}

/// The bytes `s[from..to]` as a string, replacing split UTF-8 characters by U+FFFD.
fn byte_slice(s: &str, from: usize, to: usize) -> String {
    match s.get(from..to) {
        Some(sub) => sub.to_string(),
        None => String::from_utf8_lossy(&s.as_bytes()[from..to]).into_owned(),
    }
}

/// Go's simple (one character to one character) case mapping: where Unicode's full mapping
/// gives several characters (`ß` → `SS`), Go keeps the character.
fn map_simple(c: char, f: impl Fn(char) -> Option<char>) -> char {
    f(c).unwrap_or(c)
}

fn upper_char(c: char) -> Option<char> {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => Some(u),
        _ => None,
    }
}

fn lower_char(c: char) -> Option<char> {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(u), None) => Some(u),
        _ => None,
    }
}

fn to_upper(s: &str) -> String {
    s.chars().map(|c| map_simple(c, upper_char)).collect()
}

fn to_lower(s: &str) -> String {
    s.chars().map(|c| map_simple(c, lower_char)).collect()
}

/// Go's `unicode.IsSpace`.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's deprecated `strings.Title`: the first letter of every word in title case, where ASCII
/// letters, digits and `_`, and any Unicode letter or digit, continue a word.
fn title(s: &str) -> String {
    let separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else if c.is_alphanumeric() {
            false
        } else {
            is_space(c)
        }
    };
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if separator(prev) {
                map_simple(c, upper_char)
            } else {
                c
            };
            prev = c;
            out
        })
        .collect()
}

/// goutils' `Uncapitalize`: the first letter of each whitespace-separated word in lower case.
fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                map_simple(c, lower_char)
            } else {
                c
            }
        })
        .collect()
}

/// goutils' `SwapCase`: upper to lower; lower to upper, or title case at a word's start.
fn swapcase(s: &str) -> String {
    let mut at_start = true;
    s.chars()
        .map(|c| {
            if c.is_uppercase() {
                at_start = false;
                map_simple(c, lower_char)
            } else if c.is_lowercase() {
                let up = map_simple(c, upper_char);
                at_start = false;
                up
            } else {
                at_start = is_space(c);
                c
            }
        })
        .collect()
}

/// Go's `unicode.IsSpace` of one byte read as a rune (goutils reads bytes, not characters).
fn byte_is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// goutils' `DeleteWhiteSpace`. It reads the string byte by byte, so when it removes
/// anything, every other byte of a multi-byte character is re-encoded as the Latin-1 character
/// of that byte (Go's behaviour, kept).
fn nospace(s: &str) -> String {
    if !s.bytes().any(byte_is_space) {
        return s.to_string();
    }
    s.bytes()
        .filter(|b| !byte_is_space(*b))
        .map(char::from)
        .collect()
}

/// goutils' `Initials`: the first byte of each whitespace-separated word (a byte of a
/// multi-byte character comes out as its Latin-1 character, as in Go).
fn initials(s: &str) -> String {
    let mut gap = true;
    let mut out = String::new();
    for b in s.bytes() {
        if byte_is_space(b) {
            gap = true;
        } else if gap {
            out.push(char::from(b));
            gap = false;
        }
    }
    out
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || is_space(c)
}

fn is_punct(c: char) -> bool {
    // Go's unicode.IsPunct: the P* categories. ASCII symbols ($+<=>^`|~) are S*, not P*.
    if c.is_ascii() {
        c.is_ascii_punctuation()
            && !matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~')
    } else {
        matches!(c, '\u{a1}' | '\u{a7}' | '\u{ab}' | '\u{b6}' | '\u{b7}' | '\u{bb}' | '\u{bf}'
            | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}' | '\u{3001}'..='\u{3003}'
            | '\u{3008}'..='\u{3011}')
    }
}

/// xstrings' `isAlphabet`: a letter that is not a CJK ideograph.
fn is_alphabet(c: char) -> bool {
    c.is_alphabetic()
        && !matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// xstrings' `nextWord`: the kind and text of the next word of `s`, and the rest.
fn next_word(s: &str) -> (Word, &str, &str) {
    let mut chars = s.char_indices().peekable();
    let Some((_, first)) = chars.next() else {
        return (Word::Invalid, "", "");
    };
    let mut end = first.len_utf8();
    let take_while = |end: &mut usize, pred: &dyn Fn(char) -> bool| {
        for c in s[*end..].chars() {
            if !pred(c) {
                break;
            }
            *end += c.len_utf8();
        }
    };
    let kind = if is_connector(first) {
        take_while(&mut end, &is_connector);
        Word::Connector
    } else if is_punct(first) {
        take_while(&mut end, &is_punct);
        Word::Punct
    } else if first.is_uppercase() {
        if let Some(second) = s[end..].chars().next() {
            if second.is_uppercase() {
                // A run of capitals; its last one starts the next word when a letter follows
                // ("HTTPServer" → "HTTP", "Server").
                let mut last_size = second.len_utf8();
                end += last_size;
                let mut stopped_on = None;
                for c in s[end..].chars() {
                    if !c.is_uppercase() {
                        stopped_on = Some(c);
                        break;
                    }
                    last_size = c.len_utf8();
                    end += last_size;
                }
                if stopped_on.is_some_and(is_alphabet) {
                    end -= last_size;
                }
            } else if is_alphabet(second) {
                end += second.len_utf8();
                take_while(&mut end, &|c| is_alphabet(c) && !c.is_uppercase());
            }
        }
        Word::Upper
    } else if is_alphabet(first) {
        take_while(&mut end, &|c| is_alphabet(c) && !c.is_uppercase());
        Word::Alphabet
    } else if first.is_numeric() {
        take_while(&mut end, &|c| c.is_numeric());
        Word::Number
    } else {
        take_while(&mut end, &|c| {
            !(is_connector(c) || is_alphabet(c) || c.is_numeric() || is_punct(c))
        });
        Word::Other
    };
    (kind, &s[..end], &s[end..])
}

fn push_lower(out: &mut String, kind: Word, word: &str, connector: char) {
    if kind != Word::Upper && kind != Word::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            out.push(connector);
        } else if c.is_uppercase() {
            out.push(map_simple(c, lower_char));
        } else {
            out.push(c);
        }
    }
}

/// xstrings' `ToSnakeCase`/`ToKebabCase`: words (split at case changes, connectors and
/// number boundaries) in lower case, joined by `connector`.
fn lower_case_words(s: &str, connector: char) -> String {
    let mut out = String::new();
    if s.is_empty() {
        return out;
    }
    let (mut kind, mut word, mut rest) = next_word(s);
    while !rest.is_empty() {
        if kind != Word::Connector {
            push_lower(&mut out, kind, word, connector);
        }
        let prev = kind;
        let last = word;
        (kind, word, rest) = next_word(rest);
        match prev {
            Word::Number => {
                while kind == Word::Alphabet || kind == Word::Number {
                    push_lower(&mut out, kind, word, connector);
                    (kind, word, rest) = next_word(rest);
                }
                if !matches!(kind, Word::Invalid | Word::Punct | Word::Connector) {
                    out.push(connector);
                }
            }
            Word::Connector => push_lower(&mut out, prev, last, connector),
            Word::Punct => {}
            _ => {
                if kind != Word::Number {
                    if kind != Word::Connector && kind != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if rest.is_empty() {
                    continue;
                }
                let number = word;
                (kind, word, rest) = next_word(rest);
                if kind != Word::Alphabet {
                    push_lower(&mut out, Word::Number, number, connector);
                    if kind != Word::Connector && kind != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                out.push(connector);
                push_lower(&mut out, Word::Number, number, connector);
                while kind == Word::Alphabet || kind == Word::Number {
                    push_lower(&mut out, kind, word, connector);
                    (kind, word, rest) = next_word(rest);
                }
                if !matches!(kind, Word::Invalid | Word::Connector | Word::Punct) {
                    out.push(connector);
                }
            }
        }
    }
    push_lower(&mut out, kind, word, connector);
    out
}

/// xstrings' `ToPascalCase` (Sprig's `camelcase`): leading connectors (`-`, `_`, spaces) kept,
/// the first other character and each one after a connector in upper case, single connectors
/// between words removed (of a run of connectors all but the last are kept, and a trailing one
/// stays), as xstrings does.
fn pascal_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    let mut r0 = None;
    for c in chars.by_ref() {
        if !is_connector(c) {
            r0 = Some(map_simple(c, upper_char));
            break;
        }
        out.push(c);
        r0 = Some(c);
    }
    let Some(mut r0) = r0 else {
        return out;
    };
    let rest: Vec<char> = chars.collect();
    if rest.is_empty() {
        // xstrings writes the last character once more here, even a connector already written.
        out.push(r0);
        return out;
    }
    for c in rest {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            r0 = map_simple(r0, upper_char);
        } else {
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

/// `shuffle`: the characters in a pseudo-random order drawn from the render's seed (Go uses
/// the global random source; Strata is deterministic).
fn shuffle(ctx: &mut dyn CallContext, a: &[Value]) -> R {
    exact(a, 1)?;
    let s = string(&a[0])?;
    let mut chars: Vec<char> = s.chars().collect();
    let mut state = ctx.next_seed();
    for i in (1..chars.len()).rev() {
        let j = (splitmix64(&mut state) % (i as u64 + 1)) as usize;
        chars.swap(i, j);
    }
    Ok(Value::from(chars.into_iter().collect::<String>()))
}

/// SplitMix64: a small, well-mixed generator for deterministic choices.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn bounds_err(msg: String) -> FuncError {
    call_err(format!("runtime error: slice bounds out of range {msg}"))
}

/// Sprig's `substring`, byte-indexed, with Go's slice panics as errors.
fn substr(_: &mut dyn CallContext, a: &[Value]) -> R {
    exact(a, 3)?;
    let start = args::int(&a[0])?;
    let end = args::int(&a[1])?;
    let s = string(&a[2])?;
    let len = s.len() as i64;
    if start < 0 {
        if end < 0 || end > len {
            return Err(bounds_err(if end < 0 {
                format!("[:{end}]")
            } else {
                format!("[:{end}] with length {len}")
            }));
        }
        return Ok(Value::from(byte_slice(s, 0, end as usize)));
    }
    if end < 0 || end > len {
        if start > len {
            return Err(bounds_err(format!("[{start}:{len}]")));
        }
        return Ok(Value::from(byte_slice(s, start as usize, s.len())));
    }
    if start > end {
        return Err(bounds_err(format!("[{start}:{end}]")));
    }
    Ok(Value::from(byte_slice(s, start as usize, end as usize)))
}

/// Sprig's `trunc`: the first `c` bytes, or for negative `c` the last `-c`.
fn trunc(_: &mut dyn CallContext, a: &[Value]) -> R {
    exact(a, 2)?;
    let c = args::int(&a[0])?;
    let s = string(&a[1])?;
    let len = s.len() as i64;
    let out = if c < 0 && len + c > 0 {
        byte_slice(s, (len + c) as usize, s.len())
    } else if c >= 0 && len > c {
        byte_slice(s, 0, c as usize)
    } else {
        s.to_string()
    };
    Ok(Value::from(out))
}

/// goutils' `AbbreviateFull`; `None` where it returns an error (Sprig then prints "").
fn abbreviate_full(s: &str, offset: i64, width: i64) -> Option<String> {
    if s.is_empty() {
        return Some(String::new());
    }
    if width < 4 {
        return None;
    }
    let len = s.len() as i64;
    if len <= width {
        return Some(s.to_string());
    }
    let mut offset = offset.min(len);
    if len - offset < width - 3 {
        offset = len - (width - 3);
    }
    if offset <= 4 {
        return Some(format!("{}...", byte_slice(s, 0, (width - 3) as usize)));
    }
    if width < 7 {
        return None;
    }
    if offset + width - 3 < len {
        let tail = byte_slice(s, offset as usize, s.len());
        let inner = abbreviate_full(&tail, 0, width - 3).unwrap_or_default();
        return Some(format!("...{inner}"));
    }
    Some(format!(
        "...{}",
        byte_slice(s, (len - (width - 3)) as usize, s.len())
    ))
}

fn abbrev(_: &mut dyn CallContext, a: &[Value]) -> R {
    exact(a, 2)?;
    let width = args::int(&a[0])?;
    let s = string(&a[1])?;
    if width < 4 {
        return Ok(Value::str(s));
    }
    Ok(Value::from(
        abbreviate_full(s, 0, width).unwrap_or_default(),
    ))
}

fn abbrevboth(_: &mut dyn CallContext, a: &[Value]) -> R {
    exact(a, 3)?;
    let left = args::int(&a[0])?;
    let right = args::int(&a[1])?;
    let s = string(&a[2])?;
    if right < 4 || left > 0 && right < 7 {
        return Ok(Value::str(s));
    }
    Ok(Value::from(
        abbreviate_full(s, left, right).unwrap_or_default(),
    ))
}

fn repeat(_: &mut dyn CallContext, a: &[Value]) -> R {
    exact(a, 2)?;
    let count = args::int(&a[0])?;
    let s = string(&a[1])?;
    if count < 0 {
        return Err(call_err("strings: negative Repeat count"));
    }
    args::check_bytes(
        "repeat",
        (s.len() as u128 * count as u128).min(usize::MAX as u128) as usize,
    )?;
    Ok(Value::from(s.repeat(count as usize)))
}

/// Sprig's `indent` (`nindent` with `lead` = a newline, printed first).
fn indent(spaces: i64, s: &str, lead: &str) -> Result<String, FuncError> {
    if spaces < 0 {
        return Err(call_err("strings: negative Repeat count"));
    }
    // One pass over the bytes: charts indent large blocks (`toYaml | indent`) of short lines,
    // where searching line by line costs more per line than the copy itself.
    let lines = memchr::memchr_iter(b'\n', s.as_bytes()).count() as u128 + 1;
    let total = s.len() as u128 + lines * spaces as u128;
    args::check_bytes("indent", total.min(usize::MAX as u128) as usize)?;
    let pad = " ".repeat(spaces as usize);
    let mut out = String::with_capacity(total as usize + lead.len());
    out.push_str(lead);
    out.push_str(&pad);
    let mut start = 0;
    for i in memchr::memchr_iter(b'\n', s.as_bytes()) {
        // A newline byte is always a character boundary.
        out.push_str(&s[start..=i]);
        out.push_str(&pad);
        start = i + 1;
    }
    out.push_str(&s[start..]);
    Ok(out)
}

/// goutils' `WrapCustom`: breaks `s` at spaces so lines hold at most `width` bytes; with
/// `long_words`, words longer than that are cut too. Leading spaces of a new line are dropped.
fn wrap_custom(s: &str, width: i64, sep: &str, long_words: bool) -> Result<String, FuncError> {
    if s.is_empty() {
        return Ok(String::new());
    }
    let sep = if sep.is_empty() { "\n" } else { sep };
    let width = width.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut out: Vec<u8> = Vec::with_capacity(len);
    let mut offset = 0usize;
    while len - offset > width {
        if out.len() > args::MAX_BYTES {
            return Err(call_err(format!(
                "wrap: result exceeds Strata's limit of {} bytes",
                args::MAX_BYTES
            )));
        }
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = width + offset + 1;
        let space = b[offset..end].iter().rposition(|c| *c == b' ');
        if let Some(rel) = space {
            out.extend_from_slice(&b[offset..offset + rel]);
            out.extend_from_slice(sep.as_bytes());
            offset += rel + 1;
        } else if long_words {
            out.extend_from_slice(&b[offset..offset + width]);
            out.extend_from_slice(sep.as_bytes());
            offset += width;
        } else {
            let end = width + offset;
            match b[end..].iter().position(|c| *c == b' ') {
                None => {
                    out.extend_from_slice(&b[offset..]);
                    offset = len;
                }
                Some(idx) => {
                    out.extend_from_slice(&b[offset..end + idx]);
                    out.extend_from_slice(sep.as_bytes());
                    offset = end + idx + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::super::args::testing::{i, l, s, show};
    use crate::Value;

    // Every expected string below is what Helm SDK v4.2.3 printed for the same call.
    #[test]
    fn case_functions_match_helm() {
        assert_eq!(
            show("title", &[s("hello wORLD foo_bar x-y")]),
            "Hello WORLD Foo_bar X-Y"
        );
        assert_eq!(show("untitle", &[s("Hello World")]), "hello world");
        assert_eq!(show("swapcase", &[s("Hello wORLD")]), "hELLO World");
        assert_eq!(show("nospace", &[s(" a b\tc ")]), "abc");
        assert_eq!(show("initials", &[s("hello big world")]), "hbw");
        assert_eq!(
            show("snakecase", &[s("HTTPServerID2go")]),
            "http_server_id_2go"
        );
        assert_eq!(show("kebabcase", &[s("FooBar baz_Qux")]), "foo-bar-baz-qux");
        assert_eq!(show("camelcase", &[s("foo_bar-baz qux")]), "FooBarBazQux");
        assert_eq!(show("snakecase", &[s("a1b2C3")]), "a_1b2_c3");
        assert_eq!(show("camelcase", &[s("_foo")]), "_Foo");
        assert_eq!(show("camelcase", &[s("__")]), "___");
        assert_eq!(show("camelcase", &[s("a__b_")]), "A_B_");
        assert_eq!(show("camelcase", &[s("x")]), "X");
        assert_eq!(show("snakecase", &[s("fooBar_Baz")]), "foo_bar_baz");
        assert_eq!(show("snakecase", &[s("ABC")]), "abc");
        assert_eq!(show("kebabcase", &[s("aB1")]), "a-b1");
        assert_eq!(show("upper", &[s("straße")]), "STRAßE");
        assert_eq!(show("lower", &[s("ÀB")]), "àb");
    }

    #[test]
    fn slicing_and_layout_match_helm() {
        assert_eq!(show("abbrev", &[i(5), s("hello world")]), "he...");
        assert_eq!(
            show("abbrevboth", &[i(5), i(10), s("1234 5678 9123")]),
            "...5678..."
        );
        assert_eq!(show("trunc", &[i(5), s("hello world")]), "hello");
        assert_eq!(show("trunc", &[i(-5), s("hello world")]), "world");
        assert_eq!(show("substr", &[i(0), i(5), s("hello world")]), "hello");
        assert_eq!(show("substr", &[i(3), i(-1), s("hello")]), "lo");
        assert_eq!(
            show("substr", &[i(2), i(1), s("hello")]),
            "ERR runtime error: slice bounds out of range [2:1]"
        );
        assert_eq!(
            show("wrap", &[i(5), s("hello big world")]),
            "hello\nbig\nworld"
        );
        assert_eq!(
            show("wrapWith", &[i(5), s("\t"), s("helloworld")]),
            "hello\tworld"
        );
        assert_eq!(show("indent", &[i(2), s("a\nb")]), "  a\n  b");
        assert_eq!(show("nindent", &[i(2), s("a")]), "\n  a");
        assert_eq!(show("replace", &[s(" "), s("-"), s("a b c")]), "a-b-c");
        assert_eq!(show("repeat", &[i(3), s("ab")]), "ababab");
        assert_eq!(
            show("repeat", &[i(-1), s("a")]),
            "ERR strings: negative Repeat count"
        );
        assert!(show("repeat", &[i(1 << 40), s("ab")]).starts_with("ERR repeat: result of"));
        assert!(show("indent", &[i(1 << 40), s("a")]).starts_with("ERR indent: result of"));
    }

    #[test]
    fn splitting_joining_quoting_match_helm() {
        assert_eq!(show("trimAll", &[s("$"), s("$5.00$")]), "5.00");
        assert_eq!(show("trimPrefix", &[s("a"), s("aab")]), "ab");
        assert_eq!(show("trimSuffix", &[s("b"), s("abb")]), "ab");
        assert_eq!(show("trim", &[s("  x ")]), "x");
        assert_eq!(show("split", &[s("$"), s("a$b")]), "map[_0:a _1:b]");
        assert_eq!(
            show("splitn", &[s("$"), i(2), s("a$b$c")]),
            "map[_0:a _1:b$c]"
        );
        assert_eq!(show("splitList", &[s(""), s("abc")]), "[a b c]");
        assert_eq!(
            show("join", &[s("-"), l(&[i(1), Value::Nil, s("a")])]),
            "1-a"
        );
        assert_eq!(show("sortAlpha", &[l(&[s("b"), s("a"), i(1)])]), "[1 a b]");
        assert_eq!(
            show("toStrings", &[l(&[i(1), Value::Nil, Value::Float(2.5)])]),
            "[1 2.5]"
        );
        assert_eq!(
            show("cat", &[s("a"), Value::Nil, i(1), l(&[i(2)])]),
            "a 1 [2]"
        );
        assert_eq!(show("contains", &[s("b"), s("abc")]), "true");
        assert_eq!(show("plural", &[s("one"), s("many"), i(2)]), "many");
        assert_eq!(
            show("squote", &[s("a"), Value::Float(1.5), Value::Nil]),
            "'a' '1.5'"
        );
        assert_eq!(
            show("quote", &[i(1), Value::Nil, s("a\"b"), Value::Float(2.5)]),
            "\"1\" \"a\\\"b\" \"2.5\""
        );
        assert_eq!(show("quote", &[s("é\u{a0}\u{1}")]), "\"é\\u00a0\\x01\"");
        assert_eq!(
            show("upper", &[Value::Float(3.0)]),
            "ERR wrong type for value; expected string; got float64"
        );
        assert_eq!(
            show("repeat", &[Value::Int64(2), s("x")]),
            "ERR wrong type for value; expected int; got int64"
        );
    }
}
