//! The two glob dialects charts meet: Go's `filepath.Match` (`.helmignore` rules) and
//! gobwas/glob with `/` as separator (`.Files.Glob`).

/// Go's `path/filepath.Match`: `*` (no `/`), `?`, `[...]` classes with ranges and `^`/`!`
/// negation, `\` escapes. `None` for a malformed pattern (Go's `ErrBadPattern`).
pub fn go_match(pattern: &str, name: &str) -> Option<bool> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go_match_at(&p, &n)
}

fn go_match_at(p: &[char], n: &[char]) -> Option<bool> {
    if p.is_empty() {
        return Some(n.is_empty());
    }
    match p[0] {
        '*' => {
            // Validate the rest of the pattern once so malformed patterns always report.
            let rest = &p[1..];
            let mut i = 0;
            loop {
                if go_match_at(rest, &n[i..])? {
                    return Some(true);
                }
                if i >= n.len() || n[i] == '/' {
                    return Some(false);
                }
                i += 1;
            }
        }
        '?' => {
            if n.is_empty() || n[0] == '/' {
                return check_rest(&p[1..]).map(|_| false);
            }
            go_match_at(&p[1..], &n[1..])
        }
        '[' => {
            let (matched, used) = class(&p[1..], n.first().copied())?;
            if n.is_empty() || !matched || n[0] == '/' {
                return check_rest(&p[1 + used..]).map(|_| false);
            }
            go_match_at(&p[1 + used..], &n[1..])
        }
        '\\' => {
            let c = *p.get(1)?;
            if n.first() != Some(&c) {
                return check_rest(&p[2..]).map(|_| false);
            }
            go_match_at(&p[2..], &n[1..])
        }
        c => {
            if n.first() != Some(&c) {
                return check_rest(&p[1..]).map(|_| false);
            }
            go_match_at(&p[1..], &n[1..])
        }
    }
}

/// Checks the remaining pattern is well formed (Go reports a bad pattern even after a mismatch).
fn check_rest(p: &[char]) -> Option<()> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '[' => {
                let (_, used) = class(&p[i + 1..], None)?;
                i += 1 + used;
            }
            '\\' => {
                p.get(i + 1)?;
                i += 2;
            }
            _ => i += 1,
        }
    }
    Some(())
}

/// Matches a class body (after `[`) against `c`; returns (matched, chars used incl. `]`).
fn class(p: &[char], c: Option<char>) -> Option<(bool, usize)> {
    let mut i = 0;
    let negate = matches!(p.first(), Some('^') | Some('!'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *p.get(i)?;
        if ch == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        let lo = if ch == '\\' {
            i += 1;
            *p.get(i)?
        } else {
            ch
        };
        i += 1;
        let mut hi = lo;
        if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|&x| x != ']') {
            i += 1;
            let h = *p.get(i)?;
            hi = if h == '\\' {
                i += 1;
                *p.get(i)?
            } else {
                h
            };
            i += 1;
        }
        if let Some(c) = c {
            if lo <= c && c <= hi {
                matched = true;
            }
        }
    }
    Some((matched != negate, i))
}

/// gobwas/glob with separator `/`: `*` (no `/`), `**` (anything), `?` (one non-`/`), `[...]`
/// classes (`!` negates), `{a,b}` alternatives, `\` escapes. `None` for a malformed pattern.
pub fn files_glob(pattern: &str, name: &str) -> Option<bool> {
    let toks = tokenize(&pattern.chars().collect::<Vec<_>>())?;
    let n: Vec<char> = name.chars().collect();
    Some(glob_at(&toks, &n))
}

#[derive(Debug, Clone)]
enum Tok {
    Lit(char),
    Any,
    Star,
    SuperStar,
    Class(Vec<(char, char)>, bool),
    Alt(Vec<Vec<Tok>>),
}

fn tokenize(p: &[char]) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '*' => {
                if p.get(i + 1) == Some(&'*') {
                    out.push(Tok::SuperStar);
                    i += 2;
                } else {
                    out.push(Tok::Star);
                    i += 1;
                }
            }
            '?' => {
                out.push(Tok::Any);
                i += 1;
            }
            '\\' => {
                out.push(Tok::Lit(*p.get(i + 1)?));
                i += 2;
            }
            '[' => {
                let mut j = i + 1;
                let neg = p.get(j) == Some(&'!');
                if neg {
                    j += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    let c = *p.get(j)?;
                    if c == ']' {
                        j += 1;
                        break;
                    }
                    if p.get(j + 1) == Some(&'-') && p.get(j + 2).is_some_and(|&x| x != ']') {
                        ranges.push((c, p[j + 2]));
                        j += 3;
                    } else {
                        ranges.push((c, c));
                        j += 1;
                    }
                }
                out.push(Tok::Class(ranges, neg));
                i = j;
            }
            '{' => {
                // Split the alternatives at top-level commas up to the matching brace.
                let mut depth = 0;
                let mut j = i + 1;
                let mut start = j;
                let mut alts = Vec::new();
                loop {
                    let c = *p.get(j)?;
                    match c {
                        '\\' => j += 1,
                        '{' => depth += 1,
                        '}' if depth > 0 => depth -= 1,
                        '}' => {
                            alts.push(tokenize(&p[start..j])?);
                            j += 1;
                            break;
                        }
                        ',' if depth == 0 => {
                            alts.push(tokenize(&p[start..j])?);
                            start = j + 1;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                out.push(Tok::Alt(alts));
                i = j;
            }
            c => {
                out.push(Tok::Lit(c));
                i += 1;
            }
        }
    }
    Some(out)
}

fn glob_at(t: &[Tok], n: &[char]) -> bool {
    let Some(first) = t.first() else {
        return n.is_empty();
    };
    let rest = &t[1..];
    match first {
        Tok::Lit(c) => n.first() == Some(c) && glob_at(rest, &n[1..]),
        Tok::Any => n.first().is_some_and(|&c| c != '/') && glob_at(rest, &n[1..]),
        Tok::Class(ranges, neg) => {
            n.first()
                .is_some_and(|&c| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *neg)
                && glob_at(rest, &n[1..])
        }
        Tok::Star | Tok::SuperStar => {
            let mut i = 0;
            loop {
                if glob_at(rest, &n[i..]) {
                    return true;
                }
                if i >= n.len() || (matches!(first, Tok::Star) && n[i] == '/') {
                    return false;
                }
                i += 1;
            }
        }
        Tok::Alt(alts) => alts.iter().any(|a| {
            let mut joined = a.clone();
            joined.extend_from_slice(rest);
            glob_at(&joined, n)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_filepath_match() {
        assert_eq!(go_match("*.txt", "a.txt"), Some(true));
        assert_eq!(go_match("*.txt", "d/a.txt"), Some(false));
        assert_eq!(go_match("templates/.?*", "templates/.hidden"), Some(true));
        assert_eq!(go_match("templates/.?*", "templates/."), Some(false));
        assert_eq!(go_match("[a-c]x", "bx"), Some(true));
        assert_eq!(go_match("[^a-c]x", "bx"), Some(false));
        assert_eq!(go_match("[", "a"), None);
    }

    #[test]
    fn gobwas_glob() {
        assert_eq!(files_glob("files/*", "files/a.conf"), Some(true));
        assert_eq!(files_glob("files/*", "files/sub/a.conf"), Some(false));
        assert_eq!(files_glob("files/**", "files/sub/a.conf"), Some(true));
        assert_eq!(files_glob("**.yaml", "a/b.yaml"), Some(true));
        assert_eq!(files_glob("files/{a,b}.conf", "files/b.conf"), Some(true));
        assert_eq!(files_glob("files/[!a]*", "files/a.conf"), Some(false));
    }
}
