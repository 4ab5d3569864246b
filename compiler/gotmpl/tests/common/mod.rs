//! What the engine's integration tests share: values as Helm builds them, a few stand-in
//! functions, execution options and the data a chart template sees.

#![allow(dead_code)]

use std::collections::BTreeMap;

use strata_gotmpl::{func, CallContext, ExecOptions, FuncError, FuncMap, MissingKey, Value};

/// Builds a Value from JSON the way Helm sees values: every number is float64.
pub fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => Value::list(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            let m: BTreeMap<strata_gotmpl::Key, Value> = o
                .iter()
                .map(|(k, v)| (k.as_str().into(), from_json(v)))
                .collect();
            Value::map(m)
        }
    }
}

/// `{"Values": values}`: the data a chart template executes with, reduced to `.Values`.
pub fn with_values(values: Value) -> Value {
    let mut top = BTreeMap::new();
    top.insert("Values".into(), values);
    Value::map(top)
}

/// Stand-ins for the few Sprig and Helm functions the tests use (`upper`, `fail`, `include`,
/// `tpl`, `dict`, `list`), reduced to what the tests need. With `helm_no_value`, `include` and
/// `tpl` drop `<no value>` from their results as Helm does.
pub fn test_funcs(helm_no_value: bool) -> FuncMap {
    let mut m = FuncMap::default();
    func::register(
        &mut m,
        "upper",
        |_c: &mut dyn CallContext, a: &[Value]| match a {
            [Value::String(s)] => Ok(Value::str(s.to_uppercase())),
            [v] => Err(FuncError::Arg(format!(
                "wrong type for value; expected string; got {}",
                v.type_name()
            ))),
            _ => Err(FuncError::Arity {
                want: "1".into(),
                got: a.len(),
            }),
        },
    );
    func::register(&mut m, "fail", |_c: &mut dyn CallContext, a: &[Value]| {
        Err(FuncError::Call(strata_gotmpl::fmt::sprint(
            &a.first().cloned().unwrap_or_default(),
        )))
    });
    let finish = move |s: String| {
        if helm_no_value {
            Value::from(s.replace("<no value>", ""))
        } else {
            Value::from(s)
        }
    };
    func::register(
        &mut m,
        "include",
        move |c: &mut dyn CallContext, a: &[Value]| {
            let name = a.first().and_then(|v| v.as_str()).unwrap_or("").to_string();
            c.execute_named(&name, &a.get(1).cloned().unwrap_or_default())
                .map(finish)
        },
    );
    func::register(
        &mut m,
        "tpl",
        move |c: &mut dyn CallContext, a: &[Value]| {
            let text = a.first().and_then(|v| v.as_str()).unwrap_or("").to_string();
            c.execute_text(&text, &a.get(1).cloned().unwrap_or_default())
                .map(finish)
        },
    );
    func::register(&mut m, "dict", |_c: &mut dyn CallContext, a: &[Value]| {
        let mut m = BTreeMap::new();
        for kv in a.chunks(2) {
            m.insert(
                strata_gotmpl::fmt::sprint(&kv[0]).into(),
                kv.get(1).cloned().unwrap_or(Value::Nil),
            );
        }
        Ok(Value::map(m))
    });
    func::register(&mut m, "list", |_c: &mut dyn CallContext, a: &[Value]| {
        Ok(Value::list(a.to_vec()))
    });
    m
}

/// Execution options as the tests use them: generous fuel, Helm's nesting limit.
pub fn options(
    funcs: &FuncMap,
    missing_key: MissingKey,
    seed: u64,
    now_unix: i64,
) -> ExecOptions<'_> {
    ExecOptions {
        funcs,
        missing_key,
        seed,
        now_unix,
        fuel: 1_000_000,
        max_depth: 1000,
    }
}
