//! Sprig's path functions: `base`, `dir`, `clean`, `ext`, `isAbs` (Go's `path`) and their
//! `os` variants (Go's `path/filepath`, which on Linux, where Helm renders, is the same).

use super::args::{exact, string};
use crate::func::register;
use crate::{FuncMap, Value};

/// Adds the path functions to `map`.
pub fn register_all(map: &mut FuncMap) {
    for (name, f) in [
        ("base", base as fn(&str) -> String),
        ("dir", dir),
        ("clean", clean),
        ("ext", ext),
        ("osBase", base),
        ("osDir", dir),
        ("osClean", clean),
        ("osExt", ext),
    ] {
        register(map, name, move |_, a| {
            exact(a, 1)?;
            Ok(Value::from(f(string(&a[0])?)))
        });
    }
    for name in ["isAbs", "osIsAbs"] {
        register(map, name, |_, a| {
            exact(a, 1)?;
            Ok(Value::Bool(string(&a[0])?.starts_with('/')))
        });
    }
}

/// Go's `path.Clean`: the shortest equivalent path (`.` for empty).
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `path.Base`: the last element, trailing slashes removed (`.` for empty, `/` for root).
pub fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[i + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

/// Go's `path.Dir`: everything but the last element, cleaned.
pub fn dir(p: &str) -> String {
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    clean(&p[..cut])
}

/// Go's `path.Ext`: the suffix from the last `.` of the last element, or "".
pub fn ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        match c {
            '/' => return String::new(),
            '.' => return p[i..].to_string(),
            _ => {}
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_go() {
        // Helm SDK v4.2.3.
        assert_eq!(base("a/b.txt"), "b.txt");
        assert_eq!(dir("a/b.txt"), "a");
        assert_eq!(ext("a/b.tar.gz"), ".gz");
        assert_eq!(clean("a//b/../c/."), "a/c");
        assert_eq!(base(""), ".");
        assert_eq!(dir(""), ".");
        assert_eq!(base("/"), "/");
        assert_eq!(dir("/a/"), "/a");
        assert_eq!(clean(""), ".");
        assert_eq!(clean("../../a"), "../../a");
        assert_eq!(ext("a.b/c"), "");
        assert_eq!(clean("/../a"), "/a");
    }
}
