//! Sprig's list functions (`list`, `first`, `append`, `uniq`, `slice`, `until`, …) and their
//! `must` variants.
//!
//! Sprig's non-`must` functions panic where the `must` ones return an error; Go's text/template
//! recovers both into `error calling NAME: …` with the same text, so each pair is one function
//! here. Errors on a nil list reproduce Go's nil-pointer runtime error, as Helm prints it.

use super::args::{self, call_err, deep_equal, empty, exact, kind_name, nil_deref};
use crate::func::register;
use crate::{CallContext, FuncError, FuncMap, Value};

type R = Result<Value, FuncError>;

/// Adds the list functions to `map`.
pub fn register_all(map: &mut FuncMap) {
    for name in ["list", "tuple"] {
        register(map, name, |_, a| Ok(Value::list(a.to_vec())));
    }
    for name in ["append", "push", "mustAppend", "mustPush"] {
        register(map, name, |_, a| {
            exact(a, 2)?;
            let mut items = items(&a[0], "Cannot push on type")?.to_vec();
            items.push(a[1].clone());
            Ok(Value::list(items))
        });
    }
    for name in ["prepend", "mustPrepend"] {
        register(map, name, |_, a| {
            exact(a, 2)?;
            let old = items(&a[0], "Cannot prepend on type")?;
            let mut items = Vec::with_capacity(old.len() + 1);
            items.push(a[1].clone());
            items.extend_from_slice(old);
            Ok(Value::list(items))
        });
    }
    for name in ["first", "mustFirst"] {
        register(map, name, |_, a| {
            exact(a, 1)?;
            Ok(items(&a[0], "Cannot find first on type")?
                .first()
                .cloned()
                .unwrap_or(Value::Nil))
        });
    }
    for name in ["last", "mustLast"] {
        register(map, name, |_, a| {
            exact(a, 1)?;
            Ok(items(&a[0], "Cannot find last on type")?
                .last()
                .cloned()
                .unwrap_or(Value::Nil))
        });
    }
    for name in ["rest", "mustRest"] {
        register(map, name, |_, a| {
            exact(a, 1)?;
            let l = items(&a[0], "Cannot find rest on type")?;
            // Sprig returns nil for an empty list (and toJson prints `null`).
            if l.is_empty() {
                return Ok(Value::nil_list());
            }
            Ok(Value::list(l.get(1..).unwrap_or_default().to_vec()))
        });
    }
    for name in ["initial", "mustInitial"] {
        register(map, name, |_, a| {
            exact(a, 1)?;
            let l = items(&a[0], "Cannot find initial on type")?;
            if l.is_empty() {
                return Ok(Value::nil_list());
            }
            Ok(Value::list(
                l.get(..l.len().saturating_sub(1))
                    .unwrap_or_default()
                    .to_vec(),
            ))
        });
    }
    for name in ["reverse", "mustReverse"] {
        register(map, name, |_, a| {
            exact(a, 1)?;
            let l = items(&a[0], "Cannot find reverse on type")?;
            Ok(Value::list(l.iter().rev().cloned().collect()))
        });
    }
    for name in ["compact", "mustCompact"] {
        register(map, name, |_, a| {
            exact(a, 1)?;
            let l = items(&a[0], "Cannot compact on type")?;
            Ok(Value::list(
                l.iter().filter(|v| !empty(v)).cloned().collect(),
            ))
        });
    }
    for name in ["uniq", "mustUniq"] {
        register(map, name, |_, a| {
            exact(a, 1)?;
            let l = items(&a[0], "Cannot find uniq on type")?;
            let mut out: Vec<Value> = Vec::new();
            for v in l {
                if !out.iter().any(|o| deep_equal(v, o)) {
                    out.push(v.clone());
                }
            }
            Ok(Value::list(out))
        });
    }
    for name in ["without", "mustWithout"] {
        register(map, name, |_, a| {
            args::at_least(a, 1)?;
            let l = items(&a[0], "Cannot find without on type")?;
            let omit = &a[1..];
            Ok(Value::list(
                l.iter()
                    .filter(|v| !omit.iter().any(|o| deep_equal(v, o)))
                    .cloned()
                    .collect(),
            ))
        });
    }
    for name in ["has", "mustHas"] {
        register(map, name, |_, a| {
            exact(a, 2)?;
            if matches!(a[1], Value::Nil) {
                return Ok(Value::Bool(false));
            }
            let l = items(&a[1], "Cannot find has on type")?;
            Ok(Value::Bool(l.iter().any(|v| deep_equal(&a[0], v))))
        });
    }
    for name in ["slice", "mustSlice"] {
        register(map, name, slice);
    }
    for name in ["chunk", "mustChunk"] {
        register(map, name, chunk);
    }
    register(map, "concat", |_, a| {
        let mut out = Vec::new();
        for v in a {
            match v {
                Value::List(l) => {
                    args::check_items("concat", (out.len() + l.len()) as u128)?;
                    out.extend(l.iter().cloned());
                }
                Value::Nil => return Err(nil_deref()),
                other => {
                    return Err(call_err(format!(
                        "Cannot concat type {} as list",
                        kind_name(other)
                    )))
                }
            }
        }
        // Go appends to a nil slice: nil when no list had an item.
        Ok(Value::appended(out))
    });
    register(map, "until", |_, a| {
        exact(a, 1)?;
        let n = args::int(&a[0])?;
        until_step(0, n, if n < 0 { -1 } else { 1 }).map(int_list)
    });
    register(map, "untilStep", |_, a| {
        exact(a, 3)?;
        until_step(args::int(&a[0])?, args::int(&a[1])?, args::int(&a[2])?).map(int_list)
    });
}

fn int_list(v: Vec<i64>) -> Value {
    Value::list(v.into_iter().map(Value::Int).collect())
}

/// The items of a list argument; Sprig's error (`PREFIX KIND`) for anything else.
fn items<'a>(v: &'a Value, prefix: &str) -> Result<&'a [Value], FuncError> {
    match v {
        Value::List(l) => Ok(l),
        Value::Nil => Err(nil_deref()),
        other => Err(call_err(format!("{prefix} {}", kind_name(other)))),
    }
}

/// Sprig's `untilStep`: `start`, `start+step`, … up to but excluding `stop` (counting down
/// for a negative step); nothing when the step points away from `stop`. At most
/// [`args::MAX_ITEMS`] items.
pub fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, FuncError> {
    let count: u128 = if stop < start {
        if step >= 0 {
            return Ok(Vec::new());
        }
        let span = (start as i128 - stop as i128) as u128;
        span.div_ceil((-(step as i128)) as u128)
    } else {
        if step <= 0 {
            return Ok(Vec::new());
        }
        let span = (stop as i128 - start as i128) as u128;
        span.div_ceil(step as u128)
    };
    args::check_items("untilStep", count)?;
    Ok((0..count as i64)
        .map(|i| (start as i128 + i as i128 * step as i128) as i64)
        .collect())
}

/// Sprig's `slice LIST [START [END]]` (indices converted with `cast.ToInt`).
fn slice(_: &mut dyn CallContext, a: &[Value]) -> R {
    args::at_least(a, 1)?;
    let l = match &a[0] {
        Value::List(l) => l,
        Value::Nil => return Err(nil_deref()),
        other => {
            return Err(call_err(format!(
                "list should be type of slice or array but {}",
                kind_name(other)
            )))
        }
    };
    if l.is_empty() {
        return Ok(Value::Nil);
    }
    let start = a.get(1).map_or(0, args::to_int64);
    let end = a.get(2).map_or(l.len() as i64, args::to_int64);
    if start < 0 || end < start || end > l.len() as i64 {
        return Err(call_err("reflect.Value.Slice: slice index out of bounds"));
    }
    Ok(Value::list(l[start as usize..end as usize].to_vec()))
}

/// Sprig's `chunk SIZE LIST`: consecutive lists of `SIZE` items (the last may be shorter).
fn chunk(_: &mut dyn CallContext, a: &[Value]) -> R {
    exact(a, 2)?;
    let size = args::int(&a[0])?;
    let l = items(&a[1], "Cannot chunk type")?;
    if l.is_empty() {
        // Go computes floor(-1/size)+1 = 0 chunks for a positive size.
        if size > 0 {
            return Ok(Value::list(Vec::new()));
        }
    }
    if size <= 0 {
        return Err(call_err("runtime error: makeslice: len out of range"));
    }
    Ok(Value::list(
        l.chunks(size as usize)
            .map(|c| Value::list(c.to_vec()))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_step_matches_sprig() {
        // Helm SDK v4.2.3: until 3, until -3, untilStep 0 10 3, untilStep 10 0 -3, untilStep 0 10 0.
        assert_eq!(until_step(0, 3, 1).unwrap(), vec![0, 1, 2]);
        assert_eq!(until_step(0, -3, -1).unwrap(), vec![0, -1, -2]);
        assert_eq!(until_step(0, 10, 3).unwrap(), vec![0, 3, 6, 9]);
        assert_eq!(until_step(10, 0, -3).unwrap(), vec![10, 7, 4, 1]);
        assert!(until_step(0, 10, 0).unwrap().is_empty());
        assert!(until_step(0, i64::MAX, 1).is_err());
        assert!(until_step(i64::MAX, i64::MIN, -1).is_err());
    }
}
