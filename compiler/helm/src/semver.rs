//! The part of Masterminds' semver that chart loading needs: does a chart's version satisfy a
//! dependency's version range (`>= 0.1.0`, `~1.2`, `^2`, `1.x`, `1.2 - 1.4`, `a || b`), and is
//! a Kubernetes version inside a chart's `kubeVersion` range.

use std::cmp::Ordering;

/// A parsed semantic version (`v` prefix and missing minor/patch allowed, as Masterminds allows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Major, minor, patch.
    pub parts: [u64; 3],
    /// Pre-release identifiers (`rc.1`), empty when none.
    pub pre: String,
}

impl Version {
    /// Parses `s`; `None` when it is not a version.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let (core, _build) = s.split_once('+').unwrap_or((s, ""));
        let (nums, pre) = core.split_once('-').unwrap_or((core, ""));
        let mut parts = [0u64; 3];
        let fields: Vec<&str> = nums.split('.').collect();
        if fields.is_empty() || fields.len() > 3 {
            return None;
        }
        for (i, f) in fields.iter().enumerate() {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            parts[i] = f.parse().ok()?;
        }
        Some(Version {
            parts,
            pre: pre.to_string(),
        })
    }

    fn cmp_to(&self, other: &Version) -> Ordering {
        match self.parts.cmp(&other.parts) {
            Ordering::Equal => match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => cmp_pre(&self.pre, &other.pre),
            },
            o => o,
        }
    }
}

fn cmp_pre(a: &str, b: &str) -> Ordering {
    let mut ai = a.split('.');
    let mut bi = b.split('.');
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(p), Ok(q)) => p.cmp(&q),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// One bound: the version written in a constraint, with how many of its parts were given
/// (`1.2` gives two; `1.x` gives one).
#[derive(Clone, Debug)]
struct Partial {
    v: Version,
    given: usize,
}

fn parse_partial(s: &str) -> Option<Partial> {
    let s = s.trim();
    if s.is_empty() || s == "*" || s == "x" || s == "X" {
        return Some(Partial {
            v: Version {
                parts: [0; 3],
                pre: String::new(),
            },
            given: 0,
        });
    }
    let t = s.strip_prefix('v').unwrap_or(s);
    let (core, _) = t.split_once('+').unwrap_or((t, ""));
    let (nums, pre) = core.split_once('-').unwrap_or((core, ""));
    let mut parts = [0u64; 3];
    let mut given = 0;
    for (i, f) in nums.split('.').enumerate() {
        if i >= 3 {
            return None;
        }
        if f == "x" || f == "X" || f == "*" {
            break;
        }
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        parts[i] = f.parse().ok()?;
        given = i + 1;
    }
    Some(Partial {
        v: Version {
            parts,
            pre: pre.to_string(),
        },
        given,
    })
}

fn bump(p: &Partial, at: usize) -> Version {
    let mut parts = p.v.parts;
    parts[at] += 1;
    for x in parts.iter_mut().skip(at + 1) {
        *x = 0;
    }
    Version {
        parts,
        pre: String::new(),
    }
}

fn base(p: &Partial) -> Version {
    Version {
        parts: p.v.parts,
        pre: p.v.pre.clone(),
    }
}

fn check_term(op: &str, p: &Partial, v: &Version) -> bool {
    // A pre-release version only satisfies terms that themselves name a pre-release.
    if !v.pre.is_empty() && p.v.pre.is_empty() {
        return false;
    }
    let ge = |b: &Version| v.cmp_to(b) != Ordering::Less;
    let lt = |b: &Version| v.cmp_to(b) == Ordering::Less;
    match op {
        "" | "=" => {
            if p.given == 0 {
                true
            } else if p.given == 3 {
                v.cmp_to(&p.v) == Ordering::Equal
            } else {
                ge(&base(p)) && lt(&bump(p, p.given - 1))
            }
        }
        "!=" => {
            if p.given == 3 {
                v.cmp_to(&p.v) != Ordering::Equal
            } else if p.given == 0 {
                false
            } else {
                !(ge(&base(p)) && lt(&bump(p, p.given - 1)))
            }
        }
        ">" => {
            if p.given == 0 {
                false
            } else if p.given == 3 {
                v.cmp_to(&p.v) == Ordering::Greater
            } else {
                ge(&bump(p, p.given - 1))
            }
        }
        ">=" | "=>" => ge(&base(p)),
        "<" => lt(&base(p)),
        "<=" | "=<" => {
            if p.given == 3 || p.given == 0 {
                p.given == 0 || v.cmp_to(&p.v) != Ordering::Greater
            } else {
                lt(&bump(p, p.given - 1))
            }
        }
        "~" | "~>" => {
            let upper = if p.given <= 1 { bump(p, 0) } else { bump(p, 1) };
            ge(&base(p)) && (p.given == 0 || lt(&upper))
        }
        "^" => {
            if p.given == 0 {
                return true;
            }
            let upper = if p.v.parts[0] > 0 || p.given == 1 {
                bump(p, 0)
            } else if p.v.parts[1] > 0 || p.given == 2 {
                bump(p, 1)
            } else {
                bump(p, 2)
            };
            ge(&base(p)) && lt(&upper)
        }
        _ => false,
    }
}

/// Whether `version` satisfies the range `constraint` (Helm's `IsCompatibleRange`); an
/// unparsable constraint or version is not compatible.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    let Some(v) = Version::parse(version) else {
        return false;
    };
    let constraint = constraint.trim();
    if constraint.is_empty() {
        return v.pre.is_empty();
    }
    constraint
        .split("||")
        .any(|group| check_group(group, &v).unwrap_or(false))
}

fn check_group(group: &str, v: &Version) -> Option<bool> {
    let group = group.trim();
    // Hyphen range `A - B`.
    if let Some((a, b)) = group.split_once(" - ") {
        let lo = parse_partial(a)?;
        let hi = parse_partial(b)?;
        return Some(check_term(">=", &lo, v) && check_term("<=", &hi, v));
    }
    let mut terms: Vec<String> = Vec::new();
    let mut pending_op = String::new();
    for tok in group
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        if tok.chars().all(|c| "<>=!~^".contains(c)) {
            pending_op.push_str(tok);
            continue;
        }
        terms.push(format!("{pending_op}{tok}"));
        pending_op.clear();
    }
    if !pending_op.is_empty() {
        return None;
    }
    if terms.is_empty() {
        return Some(v.pre.is_empty());
    }
    for t in terms {
        let op_len = t.find(|c: char| !"<>=!~^".contains(c)).unwrap_or(t.len());
        let (op, rest) = t.split_at(op_len);
        let p = parse_partial(rest)?;
        if !check_term(op, &p, v) {
            return Some(false);
        }
    }
    Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(is_compatible_range(">= 0.1.0", "0.2.4"));
        assert!(is_compatible_range(">=0.1.0", "0.1.0"));
        assert!(!is_compatible_range("< 0.1.0", "0.2.4"));
        assert!(is_compatible_range("~1.2", "1.2.9"));
        assert!(!is_compatible_range("~1.2", "1.3.0"));
        assert!(is_compatible_range("^1.2", "1.9.0"));
        assert!(!is_compatible_range("^1.2", "2.0.0"));
        assert!(is_compatible_range("1.x", "1.4.0"));
        assert!(is_compatible_range("1.2.3", "1.2.3"));
        assert!(is_compatible_range(">1.0 <2.0 || 3.x", "3.1.0"));
        assert!(is_compatible_range(">= 1.20.0-0", "1.36.0"));
        assert!(is_compatible_range("1.0 - 2.0", "2.0.5"));
        assert!(!is_compatible_range(">=1.0", "1.5.0-rc.1"));
        assert!(!is_compatible_range("garbage", "1.0.0"));
        assert!(is_compatible_range("*", "1.0.0"));
    }
}
