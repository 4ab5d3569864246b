//! Sprig's `semver` and `semverCompare`, with the version and constraint rules of
//! Masterminds/semver v3 (what Helm links): loose versions (`v1.2` is 1.2.0, leading zeros
//! allowed), constraints with `=`, `!=`, `>`, `<`, `>=`, `<=`, `~`, `~>`, `^`, wildcards
//! (`1.2.x`, `*`), hyphen ranges (`1 - 2`), AND by space or comma and OR by `||`; a
//! prerelease version only satisfies a group of constraints where one names a prerelease.

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::OnceLock;

use regex::Regex;

use super::args::{call_err, exact, string};
use crate::func::register;
use crate::{FuncError, FuncMap, Object, Value};

/// Adds the semver functions to `map`.
pub fn register_all(map: &mut FuncMap) {
    register(map, "semver", |_, a| {
        exact(a, 1)?;
        let v = Version::parse(string(&a[0])?).map_err(call_err)?;
        Ok(Value::Object(Rc::new(v)))
    });
    register(map, "semverCompare", |_, a| {
        exact(a, 2)?;
        let c = Constraints::parse(string(&a[0])?).map_err(call_err)?;
        let v = Version::parse(string(&a[1])?).map_err(call_err)?;
        Ok(Value::Bool(c.check(&v)))
    });
}

const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

struct Patterns {
    loose: Regex,
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static P: OnceLock<Option<Patterns>> = OnceLock::new();
    P.get_or_init(|| {
        let c = |p: String| super::regex::compile(&p).ok().map(|r| Regex::clone(&r));
        Some(Patterns {
            loose: c(r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$".to_string())?,
            constraint: c(format!(r"^\s*({OPS})\s*({CV})\s*$"))?,
            range: c(format!(r"\s*({CV})\s+-\s+({CV})\s*"))?,
            find: c(format!(r"({OPS})\s*({CV})"))?,
            valid: c(format!(
                r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$"
            ))?,
        })
    })
    .as_ref()
}

/// A parsed version (Go's `*semver.Version`).
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

fn segment(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| {
        format!(
            "error parsing version segment: strconv.ParseUint: parsing \"{s}\": value out of range"
        )
    })
}

fn only(s: &str, extra: bool) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (extra && (b.is_ascii_alphabetic() || b == b'-')))
}

impl Version {
    /// semver's `NewVersion` (coercing): `v` prefix, missing minor/patch, leading zeros allowed.
    pub fn parse(s: &str) -> Result<Version, String> {
        let invalid = || "invalid semantic version".to_string();
        let p = patterns().ok_or_else(invalid)?;
        let m = p.loose.captures(s).ok_or_else(invalid)?;
        let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
        let v = Version {
            major: segment(g(1))?,
            minor: if g(2).is_empty() {
                0
            } else {
                segment(&g(2)[1..])?
            },
            patch: if g(3).is_empty() {
                0
            } else {
                segment(&g(3)[1..])?
            },
            pre: g(5).to_string(),
            metadata: g(8).to_string(),
            original: s.to_string(),
        };
        if !v.pre.is_empty() {
            for part in v.pre.split('.') {
                if part.is_empty() || !only(part, true) {
                    return Err("invalid prerelease string".to_string());
                }
                if only(part, false) && part.len() > 1 && part.starts_with('0') {
                    return Err("version segment starts with 0".to_string());
                }
            }
        }
        if !v.metadata.is_empty()
            && v.metadata
                .split('.')
                .any(|p| p.is_empty() || !only(p, true))
        {
            return Err("invalid metadata string".to_string());
        }
        Ok(v)
    }

    fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &o.pre),
            })
    }

    fn text(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre);
        }
        if !self.metadata.is_empty() {
            s.push('+');
            s.push_str(&self.metadata);
        }
        s
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..pa.len().max(pb.len()) {
        let (s, o) = (
            pa.get(i).copied().unwrap_or(""),
            pb.get(i).copied().unwrap_or(""),
        );
        if s == o {
            continue;
        }
        if s.is_empty() {
            return Ordering::Less;
        }
        if o.is_empty() {
            return Ordering::Greater;
        }
        return match (s.parse::<u64>(), o.parse::<u64>()) {
            (Err(_), Err(_)) => s.cmp(o),
            (_, Err(_)) => Ordering::Less,
            (Err(_), _) => Ordering::Greater,
            (Ok(x), Ok(y)) => {
                if x > y {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
        };
    }
    Ordering::Equal
}

fn other_version(args: &[Value]) -> Result<Rc<dyn Object>, FuncError> {
    match args {
        [Value::Object(o)] if o.type_name() == "*semver.Version" => Ok(o.clone()),
        [other] => Err(super::args::type_err("*semver.Version", other)),
        _ => Err(FuncError::Arity {
            want: "1".to_string(),
            got: args.len(),
        }),
    }
}

impl Object for Version {
    fn type_name(&self) -> String {
        "*semver.Version".to_string()
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Major" => Value::Int64(self.major as i64),
            "Minor" => Value::Int64(self.minor as i64),
            "Patch" => Value::Int64(self.patch as i64),
            "Prerelease" => Value::str(&self.pre),
            "Metadata" => Value::str(&self.metadata),
            "Original" => Value::str(&self.original),
            "String" => Value::from(self.text()),
            _ => return None,
        })
    }

    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, FuncError>> {
        if !matches!(name, "Compare" | "LessThan" | "GreaterThan" | "Equal") {
            return None;
        }
        Some(other_version(args).and_then(|o| {
            // Parse the other's canonical text back: objects are opaque behind `dyn Object`.
            let text = o.format();
            let other = Version::parse(&text).map_err(call_err)?;
            let ord = self.compare(&other);
            Ok(match name {
                "Compare" => Value::Int(ord as i64),
                "LessThan" => Value::Bool(ord == Ordering::Less),
                "GreaterThan" => Value::Bool(ord == Ordering::Greater),
                _ => Value::Bool(ord == Ordering::Equal),
            })
        }))
    }

    fn format(&self) -> String {
        self.text()
    }
}

#[derive(Debug)]
struct Constraint {
    op: String,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

impl Constraint {
    fn parse(s: &str, p: &Patterns) -> Result<Constraint, String> {
        let m = p
            .constraint
            .captures(s)
            .ok_or_else(|| format!("improper constraint: {}", super::args::go_quote(s)))?;
        let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
        let (major, minor, patch, pre) = (g(3), g(4), g(5), g(6));
        let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
        let ver = if is_x(major) || major.is_empty() {
            dirty = true;
            format!("0.0.0{pre}")
        } else if minor.is_empty() || is_x(&minor[1..]) {
            dirty = true;
            minor_dirty = true;
            format!("{major}.0.0{pre}")
        } else if patch.is_empty() || is_x(&patch[1..]) {
            dirty = true;
            patch_dirty = true;
            format!("{major}{minor}.0{pre}")
        } else {
            g(2).to_string()
        };
        let con = Version::parse(&ver).map_err(|_| "constraint parser error".to_string())?;
        Ok(Constraint {
            op: g(1).to_string(),
            con,
            dirty,
            minor_dirty,
            patch_dirty,
        })
    }

    fn check(&self, v: &Version, include_pre: bool) -> bool {
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        let c = &self.con;
        let cmp = v.compare(c);
        match self.op.as_str() {
            "" | "=" => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    cmp == Ordering::Equal
                }
            }
            "!=" => {
                if self.dirty {
                    if c.major != v.major {
                        return true;
                    }
                    if c.minor != v.minor && !self.minor_dirty {
                        return true;
                    } else if self.minor_dirty {
                        return false;
                    } else if c.patch != v.patch && !self.patch_dirty {
                        return true;
                    } else if self.patch_dirty {
                        if !v.pre.is_empty() || !c.pre.is_empty() {
                            return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
                        }
                        return false;
                    }
                }
                cmp != Ordering::Equal
            }
            ">" => {
                if !self.dirty {
                    return cmp == Ordering::Greater;
                }
                if v.major != c.major {
                    return v.major > c.major;
                }
                if self.minor_dirty {
                    return false;
                }
                if self.patch_dirty {
                    return v.minor > c.minor;
                }
                cmp == Ordering::Greater
            }
            "<" => cmp == Ordering::Less,
            ">=" | "=>" => cmp != Ordering::Less,
            "<=" | "=<" => {
                if !self.dirty {
                    return cmp != Ordering::Greater;
                }
                !(v.major > c.major
                    || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            "~" | "~>" => self.tilde(v),
            "^" => self.caret(v),
            _ => false,
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        v.major == c.major && (v.minor == c.minor || self.minor_dirty)
    }

    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        if v.minor > 0 {
            return false;
        }
        c.patch == v.patch
    }
}

/// OR-groups of AND-ed constraints.
#[derive(Debug)]
struct Constraints {
    groups: Vec<(Vec<Constraint>, bool)>,
}

impl Constraints {
    fn parse(text: &str) -> Result<Constraints, String> {
        let p = patterns().ok_or_else(|| "constraint parser error".to_string())?;
        // Hyphen ranges `A - B` become `>= A, <= B `, each occurrence in turn.
        let mut rewritten = text.to_string();
        for caps in p.range.captures_iter(text) {
            let (Some(all), Some(a), Some(b)) = (caps.get(0), caps.get(1), caps.get(11)) else {
                continue;
            };
            let with = format!(">= {}, <= {} ", a.as_str(), b.as_str());
            rewritten = rewritten.replacen(all.as_str(), &with, 1);
        }
        let mut groups = Vec::new();
        for part in rewritten.split("||") {
            if !p.valid.is_match(part) {
                return Err(format!(
                    "improper constraint: {}",
                    super::args::go_quote(part)
                ));
            }
            let mut found: Vec<&str> = p.find.find_iter(part).map(|m| m.as_str()).collect();
            if found.is_empty() {
                found.push(part);
            }
            let mut list = Vec::new();
            let mut has_pre = false;
            for s in found {
                let c = Constraint::parse(s, p)?;
                has_pre |= !c.con.pre.is_empty();
                list.push(c);
            }
            groups.push((list, has_pre));
        }
        Ok(Constraints { groups })
    }

    fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .any(|(list, pre)| list.iter().all(|c| c.check(v, *pre)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(c: &str, v: &str) -> Result<bool, String> {
        Ok(Constraints::parse(c)?.check(&Version::parse(v)?))
    }

    #[test]
    fn constraints_match_helm() {
        // Helm SDK v4.2.3.
        assert!(cmp(">=1.2.0", "1.3.0").unwrap());
        assert!(!cmp("^1.2", "2.0.0").unwrap());
        assert!(cmp("~1.2.3", "1.2.9").unwrap());
        assert!(cmp(">1.0 <2.0 || 3.x", "3.5.0").unwrap());
        assert!(!cmp(">=1.0", "1.1.0-alpha").unwrap());
        assert!(cmp(">=1.0-0", "1.1.0-alpha").unwrap());
        assert_eq!(
            cmp("abc", "1.0.0").unwrap_err(),
            "improper constraint: \"abc\""
        );
        assert_eq!(cmp(">=1.0", "x").unwrap_err(), "invalid semantic version");
        assert_eq!(
            Version::parse("1.2.3-beta.1+b").unwrap().text(),
            "1.2.3-beta.1+b"
        );
        assert_eq!(Version::parse("v1.2").unwrap().text(), "1.2.0");
    }
}
