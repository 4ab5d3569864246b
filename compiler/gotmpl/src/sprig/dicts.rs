//! Sprig's dictionary functions (`dict`, `get`, `set`, `merge`, `dig`, `deepCopy`, …).
//!
//! Maps are shared like Go maps: `set`, `unset`, `merge` and `mergeOverwrite` change the map
//! they are given, and every other holder of it sees the change. Go iterates maps in random
//! order, so Sprig's `keys` and `values` come out shuffled; Strata's maps are ordered, so they
//! come out sorted by key (one of Go's possible orders, and the same on every build).

use std::collections::BTreeMap;

use super::args::{self, call_err, exact};
use crate::func::register;
use crate::{FuncError, FuncMap, Map, Value};

/// Adds the dictionary functions to `map`.
pub fn register_all(map: &mut FuncMap) {
    register(map, "dict", |_, a| {
        let mut m = BTreeMap::new();
        for pair in a.chunks(2) {
            let value = pair.get(1).cloned().unwrap_or_else(|| Value::str(""));
            m.insert(args::key(&pair[0]), value);
        }
        Ok(Value::map(m))
    });
    register(map, "get", |_, a| {
        exact(a, 2)?;
        let m = args::map(&a[0])?;
        let k = args::string(&a[1])?;
        Ok(m.borrow().get(k).cloned().unwrap_or_else(|| Value::str("")))
    });
    register(map, "set", |_, a| {
        exact(a, 3)?;
        let m = args::map(&a[0])?;
        let k = args::string(&a[1])?;
        m.borrow_mut().insert(k.into(), a[2].clone());
        Ok(a[0].clone())
    });
    register(map, "unset", |_, a| {
        exact(a, 2)?;
        let m = args::map(&a[0])?;
        let k = args::string(&a[1])?;
        m.borrow_mut().remove(k);
        Ok(a[0].clone())
    });
    register(map, "hasKey", |_, a| {
        exact(a, 2)?;
        let m = args::map(&a[0])?;
        let k = args::string(&a[1])?;
        Ok(Value::Bool(m.borrow().contains_key(k)))
    });
    register(map, "pluck", |_, a| {
        args::at_least(a, 1)?;
        let k = args::string(&a[0])?;
        let mut out = Vec::new();
        for d in &a[1..] {
            if let Some(v) = args::map(d)?.borrow().get(k) {
                out.push(v.clone());
            }
        }
        Ok(Value::list(out))
    });
    register(map, "keys", |_, a| {
        let mut out = Vec::new();
        for d in a {
            out.extend(args::map(d)?.borrow().keys().map(Value::str));
        }
        Ok(Value::list(out))
    });
    register(map, "values", |_, a| {
        exact(a, 1)?;
        let m = args::map(&a[0])?;
        let out = m.borrow().values().cloned().collect();
        Ok(Value::list(out))
    });
    register(map, "pick", |_, a| {
        args::at_least(a, 1)?;
        let m = args::map(&a[0])?.borrow();
        let mut out = BTreeMap::new();
        for k in &a[1..] {
            let k = args::string(k)?;
            if let Some(v) = m.get(k) {
                out.insert(k.into(), v.clone());
            }
        }
        Ok(Value::map(out))
    });
    register(map, "omit", |_, a| {
        args::at_least(a, 1)?;
        let m = args::map(&a[0])?.borrow();
        let omit = a[1..]
            .iter()
            .map(args::string)
            .collect::<Result<Vec<_>, _>>()?;
        let out = m
            .iter()
            .filter(|(k, _)| !omit.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(Value::map(out))
    });
    for (name, overwrite, must) in [
        ("merge", false, false),
        ("mustMerge", false, true),
        ("mergeOverwrite", true, false),
        ("mustMergeOverwrite", true, true),
    ] {
        register(map, name, move |_, a| {
            args::at_least(a, 1)?;
            let dst = args::map(&a[0])?;
            let srcs = a[1..]
                .iter()
                .map(args::map)
                .collect::<Result<Vec<_>, _>>()?;
            for src in srcs {
                if let Err(e) = merge_into(dst, src, overwrite, 0) {
                    return if must { Err(e) } else { Ok(Value::str("")) };
                }
            }
            Ok(a[0].clone())
        });
    }
    for name in ["deepCopy", "mustDeepCopy"] {
        register(map, name, |_, a| {
            exact(a, 1)?;
            deep_copy(&a[0], 0)
        });
    }
    register(map, "dig", |_, a| {
        if a.len() < 3 {
            return Err(call_err("dig needs at least three arguments"));
        }
        let n = a.len();
        let mut current = match &a[n - 1] {
            Value::Map(m) => m.clone(),
            other => return Err(conversion_err(other, "map[string]interface {}")),
        };
        let default = &a[n - 2];
        let keys = a[..n - 2]
            .iter()
            .map(|k| match k {
                Value::String(s) => Ok(s.clone()),
                other => Err(conversion_err(other, "string")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (i, k) in keys.iter().enumerate() {
            let step = match current.borrow().get(&**k) {
                None => return Ok(default.clone()),
                Some(v) => v.clone(),
            };
            if i + 1 == keys.len() {
                return Ok(step);
            }
            current = match step {
                Value::Map(m) => m,
                other => return Err(conversion_err(&other, "map[string]interface {}")),
            };
        }
        Ok(default.clone())
    });
}

/// Go's failed type assertion, recovered by text/template into a call error.
fn conversion_err(got: &Value, want: &str) -> FuncError {
    let got = match got {
        Value::Nil => "nil".to_string(),
        other => other.type_name(),
    };
    call_err(format!(
        "interface conversion: interface {{}} is {got}, not {want}"
    ))
}

/// mergo's `Merge` (`overwrite` false) and `MergeWithOverwrite` of `src` into `dst`, for the
/// maps templates build: a map merges into a map key by key, recursively; otherwise `src`'s
/// value replaces `dst`'s when overwriting, or when `dst` has no value or an empty one (nil,
/// false, 0, "", empty list or map — mergo's "empty"). A nil in `src` is skipped, except that
/// overwriting copies it.
pub fn merge_into(dst: &Map, src: &Map, overwrite: bool, depth: usize) -> Result<(), FuncError> {
    if depth > args::MAX_DEPTH {
        return Err(call_err(format!(
            "merge: maps nested deeper than {} levels",
            args::MAX_DEPTH
        )));
    }
    // A snapshot: `src` may be `dst` itself, or share maps with it.
    let entries: Vec<(crate::Key, Value)> = src
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, s) in entries {
        if matches!(s, Value::Nil) {
            if overwrite {
                dst.borrow_mut().insert(k, Value::Nil);
            }
            continue;
        }
        let d = dst.borrow().get(k.as_str()).cloned();
        if let (Value::Map(sm), Some(Value::Map(dm))) = (&s, &d) {
            merge_into(dm, sm, overwrite, depth + 1)?;
            if !dm.borrow().is_empty() {
                continue;
            }
        }
        if overwrite || d.as_ref().is_none_or(args::empty) {
            dst.borrow_mut().insert(k, s);
        }
    }
    Ok(())
}

/// copystructure's `Copy`: new maps and lists all the way down; other values as they are.
pub fn deep_copy(v: &Value, depth: usize) -> Result<Value, FuncError> {
    if depth > args::MAX_DEPTH {
        return Err(call_err(format!(
            "deepCopy: values nested deeper than {} levels",
            args::MAX_DEPTH
        )));
    }
    Ok(match v {
        Value::List(l) => Value::list(
            l.iter()
                .map(|x| deep_copy(x, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => {
            let mut out = BTreeMap::new();
            for (k, x) in m.borrow().iter() {
                out.insert(k.clone(), deep_copy(x, depth + 1)?);
            }
            Value::map(out)
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::args::testing::{call, d, i, l, s, show};
    use crate::Value;

    // Expected strings from Helm SDK v4.2.3.
    #[test]
    fn dict_functions_match_helm() {
        assert_eq!(show("dict", &[s("a"), i(1), s("b")]), "map[a:1 b:]");
        assert_eq!(show("get", &[d(&[("a", i(1))]), s("b")]), "");
        assert_eq!(
            show(
                "pluck",
                &[s("a"), d(&[("a", i(1))]), d(&[("a", i(2))]), d(&[])]
            ),
            "[1 2]"
        );
        assert_eq!(
            show("pick", &[d(&[("a", i(1)), ("b", i(2))]), s("a"), s("c")]),
            "map[a:1]"
        );
        assert_eq!(
            show("omit", &[d(&[("a", i(1)), ("b", i(2))]), s("a")]),
            "map[b:2]"
        );
        assert_eq!(show("values", &[d(&[("b", i(1)), ("a", i(2))])]), "[2 1]");
        let m = d(&[("a", Value::Float(1.0)), ("b", l(&[Value::Float(1.0)]))]);
        assert_eq!(show("dig", &[s("a"), s("def"), m.clone()]), "1");
        assert_eq!(show("dig", &[s("x"), s("def"), m.clone()]), "def");
        assert_eq!(
            show("dig", &[s("a"), s("b"), s("def"), m.clone()]),
            "ERR interface conversion: interface {} is float64, not map[string]interface {}"
        );
        assert_eq!(
            show("dig", &[s("a"), s("def")]),
            "ERR dig needs at least three arguments"
        );
        assert_eq!(
            show("get", &[Value::Nil, s("a")]),
            "ERR wrong type for value; expected map[string]interface {}; got interface {}"
        );
    }

    #[test]
    fn merge_follows_mergo() {
        let dst = d(&[
            ("a", d(&[("x", i(1)), ("y", s(""))])),
            ("l", l(&[i(1)])),
            ("e", s("")),
            ("z", i(0)),
        ]);
        let src = d(&[
            ("a", d(&[("y", i(2)), ("w", i(3))])),
            ("l", l(&[i(9)])),
            ("e", s("E")),
            ("z", i(5)),
            ("n", Value::Nil),
        ]);
        call("merge", &[dst.clone(), src]).unwrap();
        assert_eq!(
            crate::fmt::sprint(&dst),
            "map[a:map[w:3 x:1 y:2] e:E l:[1] z:5]"
        );
        let dst = d(&[
            ("a", d(&[("x", i(1)), ("y", s(""))])),
            ("l", l(&[i(1)])),
            ("e", s("")),
            ("z", i(0)),
            ("s", s("keep")),
        ]);
        let src = d(&[
            ("a", d(&[("y", i(2)), ("w", i(3))])),
            ("l", l(&[])),
            ("e", s("E")),
            ("z", i(5)),
            ("n", Value::Nil),
            ("s", d(&[("k", i(1))])),
        ]);
        call("mergeOverwrite", &[dst.clone(), src]).unwrap();
        assert_eq!(
            crate::fmt::sprint(&dst),
            "map[a:map[w:3 x:1 y:2] e:E l:[] n:<nil> s:map[k:1] z:5]"
        );
        // A map merged into itself, and a map that contains itself, do not hang or panic.
        call("merge", &[dst.clone(), dst.clone()]).unwrap();
        call("set", &[dst.clone(), s("self"), dst.clone()]).unwrap();
        assert!(call("deepCopy", std::slice::from_ref(&dst)).is_err());
        assert!(call("mustMergeOverwrite", &[d(&[]), dst.clone()]).is_ok());
    }
}
