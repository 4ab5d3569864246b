//! Sprig's regular-expression functions (`regexMatch`, `regexFind`, `regexFindAll`,
//! `regexReplaceAll`, `regexReplaceAllLiteral`, `regexSplit`, `regexQuoteMeta` and the `must`
//! variants), with Go's RE2 syntax and Go's matching rules.
//!
//! Rust's `regex` crate accepts the same syntax; the differences are bridged here: Go's `\d`,
//! `\w`, `\s` and `\b` are ASCII-only (Rust's are Unicode), Go skips an empty match right after
//! a previous match, and `$1`/`${name}` in replacements follow Go's `Regexp.Expand`. Error
//! texts for invalid patterns are Rust's, not Go's.

use std::sync::Arc;

use regex::{Captures, Regex};

use super::args::{self, call_err, exact, string};
use crate::func::register;
use crate::{FuncError, FuncMap, Value};

/// Adds the regex functions to `map`.
pub fn register_all(map: &mut FuncMap) {
    register(map, "regexMatch", |_, a| {
        exact(a, 2)?;
        let (re, s) = (string(&a[0])?, string(&a[1])?);
        Ok(Value::Bool(compile(re).is_ok_and(|r| r.is_match(s))))
    });
    register(map, "mustRegexMatch", |_, a| {
        exact(a, 2)?;
        let (re, s) = (string(&a[0])?, string(&a[1])?);
        Ok(Value::Bool(compile(re)?.is_match(s)))
    });
    for (name, must) in [("regexFindAll", false), ("mustRegexFindAll", true)] {
        register(map, name, move |_, a| {
            exact(a, 3)?;
            let re = compile_for(string(&a[0])?, must)?;
            let s = string(&a[1])?;
            let n = args::int(&a[2])?;
            // Go's FindAllString gives nil when nothing matched (or n is 0).
            Ok(Value::appended(
                find_all(&re, s, n)
                    .into_iter()
                    .map(|(b, e)| Value::str(&s[b..e]))
                    .collect(),
            ))
        });
    }
    for (name, must) in [("regexFind", false), ("mustRegexFind", true)] {
        register(map, name, move |_, a| {
            exact(a, 2)?;
            let re = compile_for(string(&a[0])?, must)?;
            let s = string(&a[1])?;
            Ok(Value::str(re.find(s).map_or("", |m| m.as_str())))
        });
    }
    for (name, must) in [("regexReplaceAll", false), ("mustRegexReplaceAll", true)] {
        register(map, name, move |_, a| {
            exact(a, 3)?;
            let re = compile_for(string(&a[0])?, must)?;
            let (s, repl) = (string(&a[1])?, string(&a[2])?);
            replace_all(&re, s, |out, caps| expand(out, repl, &re, caps)).map(Value::from)
        });
    }
    for (name, must) in [
        ("regexReplaceAllLiteral", false),
        ("mustRegexReplaceAllLiteral", true),
    ] {
        register(map, name, move |_, a| {
            exact(a, 3)?;
            let re = compile_for(string(&a[0])?, must)?;
            let (s, repl) = (string(&a[1])?, string(&a[2])?);
            replace_all(&re, s, |out, _| out.push_str(repl)).map(Value::from)
        });
    }
    for (name, must) in [("regexSplit", false), ("mustRegexSplit", true)] {
        register(map, name, move |_, a| {
            exact(a, 3)?;
            let pattern = string(&a[0])?;
            let re = compile_for(pattern, must)?;
            let s = string(&a[1])?;
            let n = args::int(&a[2])?;
            if n == 0 {
                // Go's Regexp.Split returns nil for n == 0.
                return Ok(Value::nil_list());
            }
            Ok(Value::list(
                split(&re, pattern, s, n)
                    .into_iter()
                    .map(Value::str)
                    .collect(),
            ))
        });
    }
    register(map, "regexQuoteMeta", |_, a| {
        exact(a, 1)?;
        Ok(Value::from(quote_meta(string(&a[0])?)))
    });
}

/// Compiles for a `must` function (Go's `Compile` error) or a plain one (Go's `MustCompile`
/// panic, whose text adds `regexp: Compile(...)`).
fn compile_for(pattern: &str, must: bool) -> Result<Arc<Regex>, FuncError> {
    compile(pattern).map_err(|e| {
        if must {
            e
        } else {
            call_err(format!("regexp: Compile(`{pattern}`): {e}"))
        }
    })
}

/// Compiled patterns per thread: charts call `regexReplaceAll` with the same few patterns
/// thousands of times, and building a regex costs far more than running it. Bounded, so a
/// template generating patterns cannot grow it without end. Shared (`Arc`), not cloned: a
/// cloned `Regex` gets a fresh pool of search caches, and building the lazy DFA's cache on the
/// first search of every clone cost more than the searches themselves.
const REGEX_CACHE_LIMIT: usize = 256;

thread_local! {
    static REGEX_CACHE: std::cell::RefCell<std::collections::HashMap<String, Result<Arc<Regex>, FuncError>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Compiles a Go (RE2) pattern, rewriting Go's ASCII-only classes for Rust (cached).
pub fn compile(pattern: &str) -> Result<Arc<Regex>, FuncError> {
    if let Some(hit) = REGEX_CACHE.with(|c| c.borrow().get(pattern).cloned()) {
        return hit;
    }
    let compiled = compile_uncached(pattern).map(Arc::new);
    REGEX_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= REGEX_CACHE_LIMIT {
            c.clear();
        }
        c.insert(pattern.to_string(), compiled.clone());
    });
    compiled
}

fn compile_uncached(pattern: &str) -> Result<Regex, FuncError> {
    let translated = translate(pattern);
    regex::RegexBuilder::new(&translated)
        .size_limit(10 * (1 << 20))
        .build()
        .map_err(|e| {
            let msg = e.to_string();
            let last = msg
                .lines()
                .rfind(|l| l.starts_with("error:"))
                .map_or(msg.as_str(), |l| l.trim_start_matches("error:").trim());
            call_err(format!("error parsing regexp: {last}: `{pattern}`"))
        })
}

/// Rewrites `\d \D \w \W \s \S \b \B` to their ASCII meanings, inside and outside classes.
fn translate(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 16);
    let mut chars = p.chars().peekable();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let inside = class_depth > 0;
                let rep = match (n, inside) {
                    ('d', false) => "[0-9]",
                    ('D', false) => "[^0-9]",
                    ('w', false) => "[0-9A-Za-z_]",
                    ('W', false) => "[^0-9A-Za-z_]",
                    ('s', false) => "[\\t\\n\\f\\r ]",
                    ('S', false) => "[^\\t\\n\\f\\r ]",
                    ('b', false) => "(?-u:\\b)",
                    ('B', false) => "(?-u:\\B)",
                    ('d', true) => "0-9",
                    ('w', true) => "0-9A-Za-z_",
                    ('s', true) => "\\t\\n\\f\\r ",
                    ('D', true) => "[^0-9]",
                    ('W', true) => "[^0-9A-Za-z_]",
                    ('S', true) => "[^\\t\\n\\f\\r ]",
                    _ => "",
                };
                if rep.is_empty() {
                    out.push('\\');
                    out.push(n);
                } else {
                    out.push_str(rep);
                }
            }
            '[' => {
                out.push('[');
                if class_depth > 0 && chars.peek() == Some(&':') {
                    // A POSIX class `[:alpha:]` inside a bracket expression.
                    for c in chars.by_ref() {
                        out.push(c);
                        if c == ']' {
                            break;
                        }
                    }
                    continue;
                }
                class_depth += 1;
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            // Go has no nested classes or set operators; Rust reads `&&`, `--`, `~~` in a class
            // as operators, so they are escaped.
            '&' | '-' | '~' if class_depth > 0 && chars.peek() == Some(&c) => {
                out.push('\\');
                out.push(c);
            }
            other => out.push(other),
        }
    }
    out
}

/// Go's `FindAllStringIndex`: at most `n` matches (all when `n < 0`), skipping an empty match
/// that directly follows the previous match.
fn find_all(re: &Regex, s: &str, n: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let mut pos = 0usize;
    let mut prev_end: Option<usize> = None;
    while out.len() < limit && pos <= s.len() {
        let Some(m) = re.find_at(s, pos) else {
            break;
        };
        let mut accept = true;
        if m.end() == m.start() {
            if Some(m.start()) == prev_end {
                accept = false;
            }
            pos = m.end() + s[m.end()..].chars().next().map_or(1, char::len_utf8);
        } else {
            pos = m.end();
        }
        prev_end = Some(m.end());
        if accept {
            out.push((m.start(), m.end()));
        }
    }
    out
}

/// Go's `ReplaceAllString` loop: each match replaced by `repl`, except an empty match right
/// after a previous match.
fn replace_all(
    re: &Regex,
    s: &str,
    mut repl: impl FnMut(&mut String, &Captures<'_>),
) -> Result<String, FuncError> {
    let mut out = String::with_capacity(s.len());
    let mut last_end = 0usize;
    let mut search = 0usize;
    while search <= s.len() {
        let Some(caps) = re.captures_at(s, search) else {
            break;
        };
        let Some(m) = caps.get(0) else {
            break;
        };
        out.push_str(&s[last_end..m.start()]);
        if m.end() > last_end || m.start() == 0 {
            repl(&mut out, &caps);
        }
        args::check_bytes("regexReplaceAll", out.len())?;
        last_end = m.end();
        let width = s[search..].chars().next().map_or(1, char::len_utf8);
        search = if search + width > m.end() {
            search + width
        } else if search + 1 > m.end() {
            search + 1
        } else {
            m.end()
        };
    }
    out.push_str(s.get(last_end..).unwrap_or(""));
    Ok(out)
}

/// Go's `Regexp.Expand`: `$$` is `$`; `$name`/`${name}` (letters, digits, `_`; the longest
/// such name) is the group by number (decimal, no leading zero) or by name, "" when absent;
/// a `$` not followed by a valid reference is kept.
fn expand(out: &mut String, template: &str, re: &Regex, caps: &Captures<'_>) {
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let (brace, body) = match rest.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let name_len: usize = body
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum();
        let closed = !brace || body[name_len..].starts_with('}');
        if name_len == 0 || !closed {
            out.push('$');
            continue;
        }
        let name = &body[..name_len];
        rest = &body[name_len + usize::from(brace)..];
        let number = if name.bytes().all(|b| b.is_ascii_digit())
            && !(name.starts_with('0') && name.len() > 1)
            && name.len() <= 8
        {
            name.parse::<usize>().ok()
        } else {
            None
        };
        let group = match number {
            Some(n) => caps.get(n),
            None => re
                .capture_names()
                .position(|n| n == Some(name))
                .and_then(|i| caps.get(i)),
        };
        if let Some(g) = group {
            out.push_str(g.as_str());
        }
    }
    out.push_str(rest);
}

/// Go's `Regexp.Split`.
fn split<'a>(re: &Regex, pattern: &str, s: &'a str, n: i64) -> Vec<&'a str> {
    if n == 0 {
        return Vec::new();
    }
    if !pattern.is_empty() && s.is_empty() {
        return vec![""];
    }
    let mut out = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for (start, stop) in find_all(re, s, n) {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = start;
        if stop != 0 {
            out.push(&s[beg..end]);
        }
        beg = stop;
    }
    if end != s.len() {
        out.push(&s[beg..]);
    }
    out
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(re: &str, s: &str, n: i64) -> Vec<String> {
        let r = compile(re).unwrap();
        find_all(&r, s, n)
            .into_iter()
            .map(|(b, e)| s[b..e].to_string())
            .collect()
    }

    fn repl(re: &str, s: &str, t: &str) -> String {
        let r = compile(re).unwrap();
        replace_all(&r, s, |out, c| expand(out, t, &r, c)).unwrap()
    }

    #[test]
    fn go_matching_rules() {
        // Expected values from Helm SDK v4.2.3.
        assert_eq!(all("a*", "baaac", -1), ["", "aaa", ""]);
        assert_eq!(all("a", "aaa", 2), ["a", "a"]);
        assert_eq!(repl("x*", "abc", "-"), "-a-b-c-");
        assert_eq!(repl("a", "aXa", "${1"), "${1X${1");
        assert_eq!(repl("a", "aXa", "$"), "$X$");
        assert_eq!(all("\\d+", "a1b22٣", -1), ["1", "22"]);
        assert_eq!(repl("a*", "baaac", "-"), "-b-c-");
        assert_eq!(repl("(a)(b)?", "ab a", "[$1$2x${1}x$$]"), "[aax$] [aax$]");
        assert_eq!(repl("(?P<n>\\w+)", "hi yo", "<${n}>"), "<hi> <yo>");
        let r = compile("a").unwrap();
        assert_eq!(split(&r, "a", "banana", -1), ["b", "n", "n", ""]);
        assert_eq!(split(&r, "a", "banana", 2), ["b", "nana"]);
        let r = compile("").unwrap();
        assert_eq!(split(&r, "", "abc", -1), ["a", "b", "c"]);
        assert_eq!(quote_meta("1.2[x]"), "1\\.2\\[x\\]");
    }
}
