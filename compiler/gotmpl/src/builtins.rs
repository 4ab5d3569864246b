//! Go's built-in template functions (`and`, `or`, `not`, `len`, `index`, `slice`, `print`,
//! `printf`, `println`, `eq`…`ge`, `html`, `js`, `urlquery`, `call`), with Go's argument
//! handling and error texts. They are evaluated by the executor itself because `and`/`or`
//! short-circuit and several of them see Go's reflection details (nil pointers, kinds).

use crate::ast::Arg;
use crate::exec::{At, State, Val};
use crate::Value;

type R<T> = Result<T, Box<crate::Error>>;

/// Whether `name` is a built-in function.
pub fn is_builtin(name: &str) -> bool {
    crate::parse::BUILTINS.contains(&name)
}

fn arity(st: &State, ident: At, name: &str, want: usize, at_least: bool, got: usize) -> R<()> {
    let ok = if at_least { got >= want } else { got == want };
    if ok {
        return Ok(());
    }
    let w = if at_least {
        format!("at least {want}")
    } else {
        want.to_string()
    };
    Err(st.error_at(
        ident,
        format!("wrong number of args for {name}: want {w} got {got}"),
    ))
}

/// Calls the built-in `name`, or returns `None` when it is not one.
pub fn call_builtin(
    st: &mut State,
    dot: &Val,
    name: &str,
    call_at: At,
    ident_at: At,
    args: &[Arg],
    fin: Option<Val>,
) -> Option<R<Val>> {
    if !is_builtin(name) {
        return None;
    }
    Some(run(st, dot, name, call_at, ident_at, args, fin))
}

fn run(
    st: &mut State,
    dot: &Val,
    name: &str,
    call_at: At,
    ident_at: At,
    args: &[Arg],
    fin: Option<Val>,
) -> R<Val> {
    let explicit = if args.is_empty() { args } else { &args[1..] };
    let got = explicit.len() + usize::from(fin.is_some());
    match name {
        "and" | "or" => {
            arity(st, ident_at, name, 1, true, got)?;
            let want_truth = name == "or";
            let mut v = Val::invalid();
            for a in explicit {
                v = st.arg(dot, a)?;
                if v.v.truth() == want_truth {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }
        "not" => arity(st, ident_at, name, 1, false, got)?,
        "len" => arity(st, ident_at, name, 1, false, got)?,
        "index" | "slice" | "printf" | "eq" | "call" => arity(st, ident_at, name, 1, true, got)?,
        "ne" | "lt" | "le" | "gt" | "ge" => arity(st, ident_at, name, 2, false, got)?,
        _ => {}
    }
    // Evaluate the arguments (into a list from the executor's pool, given back after).
    let mut vals = st.take_vals();
    for a in explicit {
        match st.arg(dot, a) {
            Ok(v) => vals.push(v),
            Err(e) => {
                st.give_vals(vals);
                return Err(e);
            }
        }
    }
    if let Some(f) = fin {
        vals.push(f);
    }
    let r = apply(st, name, call_at, ident_at, explicit, &vals);
    st.give_vals(vals);
    r
}

/// A built-in other than `and`/`or` applied to its evaluated arguments `vals` (`explicit`
/// are the argument nodes, for error positions).
fn apply(
    st: &mut State,
    name: &str,
    call_at: At,
    ident_at: At,
    explicit: &[Arg],
    vals: &[Val],
) -> R<Val> {
    let fail =
        |st: &State, msg: String| st.error_at(call_at, format!("error calling {name}: {msg}"));
    match name {
        "not" => Ok(Val {
            v: Value::Bool(!vals[0].v.truth()),
            boxed: false,
        }),
        "len" => match length(&vals[0]) {
            Ok(n) => Ok(Val {
                v: Value::Int(n),
                boxed: false,
            }),
            Err(m) => Err(fail(st, m)),
        },
        "index" => index(&vals[0], &vals[1..]).map_err(|m| fail(st, m)),
        "slice" => slice(&vals[0], &vals[1..])
            .map(plain)
            .map_err(|m| fail(st, m)),
        "print" => Ok(plain(Value::from(crate::fmt::sprint_args(&values(vals))))),
        "println" => Ok(plain(Value::from(crate::fmt::sprintln_args(&values(vals))))),
        "printf" => {
            let Value::String(f) = &vals[0].v else {
                let at = if explicit.is_empty() {
                    ident_at
                } else {
                    At::Arg(&explicit[0])
                };
                return Err(wrong_type(st, at, explicit.first(), &vals[0], "string"));
            };
            let f = f.clone();
            Ok(plain(Value::from(crate::fmt::sprintf(
                &f,
                &values(&vals[1..]),
            ))))
        }
        "html" => Ok(plain(Value::from(html_escape(&eval_args(vals))))),
        "js" => Ok(plain(Value::from(js_escape(&eval_args(vals))))),
        "urlquery" => Ok(plain(Value::from(query_escape(&eval_args(vals))))),
        "eq" => eq(&vals[0], &vals[1..])
            .map(|b| plain(Value::Bool(b)))
            .map_err(|m| fail(st, m)),
        "ne" => eq(&vals[0], &vals[1..])
            .map(|b| plain(Value::Bool(!b)))
            .map_err(|m| fail(st, m)),
        "lt" => lt(&vals[0], &vals[1])
            .map(|b| plain(Value::Bool(b)))
            .map_err(|m| fail(st, m)),
        "le" => le(&vals[0], &vals[1])
            .map(|b| plain(Value::Bool(b)))
            .map_err(|m| fail(st, m)),
        "gt" => le(&vals[0], &vals[1])
            .map(|b| plain(Value::Bool(!b)))
            .map_err(|m| fail(st, m)),
        "ge" => lt(&vals[0], &vals[1])
            .map(|b| plain(Value::Bool(!b)))
            .map_err(|m| fail(st, m)),
        "call" => {
            let callee = explicit
                .first()
                .map(|a| a.to_go_string())
                .unwrap_or_default();
            if vals[0].v.kind() == "invalid" {
                Err(fail(st, "call of nil".to_string()))
            } else {
                Err(fail(
                    st,
                    format!("non-function {callee} of type {}", vals[0].v.type_name()),
                ))
            }
        }
        _ => Ok(Val::invalid()),
    }
}

fn wrong_type(st: &State, at: At, node: Option<&Arg>, v: &Val, want: &str) -> Box<crate::Error> {
    match node {
        Some(n @ (Arg::Number { .. } | Arg::Bool(..))) => {
            st.error_at(at, format!("expected {want}; found {}", n.to_go_string()))
        }
        _ => {
            if v.v.kind() == "invalid" {
                st.error_at(at, format!("invalid value; expected {want}"))
            } else {
                st.error_at(
                    at,
                    format!(
                        "wrong type for value; expected {want}; got {}",
                        v.v.type_name()
                    ),
                )
            }
        }
    }
}

fn plain(v: Value) -> Val {
    Val { v, boxed: false }
}

fn values(vals: &[Val]) -> Vec<Value> {
    vals.iter().map(|v| v.v.clone()).collect()
}

fn length(v: &Val) -> Result<i64, String> {
    match &v.v {
        Value::Nil => {
            if v.boxed {
                Err("len of nil pointer".to_string())
            } else {
                // Go's reflection fails on the invalid value before `len` can say more.
                Err("reflect: call of reflect.Value.Type on zero Value".to_string())
            }
        }
        Value::String(s) => Ok(s.len() as i64),
        Value::List(l) => Ok(l.len() as i64),
        Value::Map(m) => Ok(m.borrow().len() as i64),
        Value::Object(o) if o.entries().is_some() => Ok(o.entries().map_or(0, |e| e.len()) as i64),
        other => Err(format!("len of type {}", other.type_name())),
    }
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x = match index {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Nil => return Err("cannot index slice/array with nil".to_string()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ))
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(item: &Val, indexes: &[Val]) -> Result<Val, String> {
    let mut cur = item.clone();
    if cur.v.kind() == "invalid" {
        return Err("index of untyped nil".to_string());
    }
    for ix in indexes {
        if let Value::Nil = cur.v {
            return Err("index of nil pointer".to_string());
        }
        cur = match &cur.v {
            Value::List(l) => {
                let x = index_arg(&ix.v, l.len())?;
                match l.get(x) {
                    Some(v) => Val {
                        v: v.clone(),
                        boxed: true,
                    },
                    None => return Err("reflect: slice index out of range".to_string()),
                }
            }
            Value::String(s) => {
                let x = index_arg(&ix.v, s.len())?;
                match s.as_bytes().get(x) {
                    // Go returns the byte (uint8); Strata has one integer type for it.
                    Some(b) => Val {
                        v: Value::Int(*b as i64),
                        boxed: false,
                    },
                    None => return Err("reflect: string index out of range".to_string()),
                }
            }
            Value::Map(m) => match &ix.v {
                Value::String(k) => match m.borrow().get(&**k) {
                    Some(v) => Val {
                        v: v.clone(),
                        boxed: true,
                    },
                    None => Val {
                        v: Value::Nil,
                        boxed: true,
                    },
                },
                Value::Nil => return Err("value is nil; should be of type string".to_string()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ))
                }
            },
            Value::Object(o) if o.entries().is_some() => match &ix.v {
                Value::String(k) => {
                    let found = o
                        .entries()
                        .unwrap_or_default()
                        .into_iter()
                        .find(|(key, _)| key == &**k);
                    Val {
                        v: found.map(|(_, v)| v).unwrap_or(Value::Nil),
                        boxed: false,
                    }
                }
                Value::Nil => return Err("value is nil; should be of type string".to_string()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ))
                }
            },
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(cur)
}

fn slice(item: &Val, indexes: &[Val]) -> Result<Value, String> {
    if item.v.kind() == "invalid" {
        return Err("slice of untyped nil".to_string());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match &item.v {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".to_string());
            }
            s.len()
        }
        Value::List(l) => l.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0usize, len, len];
    for (i, ix) in indexes.iter().enumerate() {
        idx[i] = index_arg(&ix.v, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(match &item.v {
        Value::String(s) => {
            Value::from(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned())
        }
        Value::List(l) => Value::list(l[idx[0]..idx[1]].to_vec()),
        _ => Value::Nil,
    })
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
}

fn basic_kind(v: &Value) -> Result<Kind, String> {
    match v {
        Value::Bool(_) => Ok(Kind::Bool),
        Value::Int(_) | Value::Int64(_) => Ok(Kind::Int),
        Value::Float(_) => Ok(Kind::Float),
        Value::String(_) => Ok(Kind::String),
        _ => Err("invalid type for comparison".to_string()),
    }
}

fn bad_comparison(a: &Value, b: &Value) -> String {
    format!(
        "incompatible types for comparison: {} and {}",
        a.type_name(),
        b.type_name()
    )
}

fn eq(arg1: &Val, rest: &[Val]) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".to_string());
    }
    let a = &arg1.v;
    let k1 = basic_kind(a).unwrap_or(Kind::Invalid);
    for arg in rest {
        let b = &arg.v;
        let k2 = basic_kind(b).unwrap_or(Kind::Invalid);
        let truth = if k1 != k2 {
            let valid = |v: &Value| !matches!(v, Value::Nil);
            if valid(a) && valid(b) {
                return Err(bad_comparison(a, b));
            }
            false
        } else {
            match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::String(x), Value::String(y)) => x == y,
                (Value::Nil, _) | (_, Value::Nil) => {
                    matches!(a, Value::Nil) == matches!(b, Value::Nil)
                }
                _ => {
                    return Err(format!(
                        "non-comparable type {}: {}",
                        crate::fmt::sprintf("%s", std::slice::from_ref(b)),
                        b.type_name()
                    ))
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(arg1: &Val, arg2: &Val) -> Result<bool, String> {
    let (a, b) = (&arg1.v, &arg2.v);
    let k1 = basic_kind(a)?;
    let k2 = basic_kind(b)?;
    if k1 != k2 {
        return Err(bad_comparison(a, b));
    }
    Ok(match (a, b) {
        (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::String(x), Value::String(y)) => x < y,
        _ => return Err("invalid type for comparison".to_string()),
    })
}

fn le(arg1: &Val, arg2: &Val) -> Result<bool, String> {
    if lt(arg1, arg2)? {
        return Ok(true);
    }
    eq(arg1, std::slice::from_ref(arg2))
}

/// Go's `evalArgs` for html/js/urlquery: one string as is, anything else through `Sprint`
/// with missing values printed as `<no value>`.
fn eval_args(vals: &[Val]) -> String {
    if vals.len() == 1 {
        if let Value::String(s) = &vals[0].v {
            return String::from(&**s);
        }
    }
    let printable: Vec<Value> = vals
        .iter()
        .map(|v| match &v.v {
            Value::Nil => Value::str("<no value>"),
            other => other.clone(),
        })
        .collect();
    crate::fmt::sprint_args(&printable)
}

/// Go's `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    const HEX: &[u8] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c if (c as u32) < 0x80 => out.push(c),
            c => {
                if crate::fmt::is_print(c) {
                    out.push(c);
                } else {
                    out.push_str(&format!("\\u{:04X}", c as u32));
                }
            }
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
