//! Runs the cases in `oracle_cases` (expected outputs recorded from Helm SDK v4.2.3) through
//! the engine the way Helm calls it: `missingkey=zero`, `<no value>` replaced by nothing in the
//! output and in `include`/`tpl` results.

mod oracle_cases;

use std::collections::BTreeMap;

use strata_gotmpl::{
    func, CallContext, ExecOptions, FuncError, FuncMap, MissingKey, Templates, Value,
};

fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => Value::list(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Value::map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// The few Sprig/Helm functions the cases use, reduced to what the cases need.
fn funcs() -> FuncMap {
    let mut f = FuncMap::new();
    func::register(&mut f, "include", |c: &mut dyn CallContext, a: &[Value]| {
        let name = a[0].as_str().unwrap_or("").to_string();
        c.execute_named(&name, &a[1])
            .map(|s| Value::from(s.replace("<no value>", "")))
    });
    func::register(&mut f, "tpl", |c: &mut dyn CallContext, a: &[Value]| {
        let text = a[0].as_str().unwrap_or("").to_string();
        c.execute_text(&text, &a[1])
            .map(|s| Value::from(s.replace("<no value>", "")))
    });
    func::register(&mut f, "dict", |_c: &mut dyn CallContext, a: &[Value]| {
        let mut m = BTreeMap::new();
        for kv in a.chunks(2) {
            m.insert(
                strata_gotmpl::fmt::sprint(&kv[0]),
                kv.get(1).cloned().unwrap_or(Value::Nil),
            );
        }
        Ok(Value::map(m))
    });
    func::register(&mut f, "list", |_c: &mut dyn CallContext, a: &[Value]| {
        Ok(Value::list(a.to_vec()))
    });
    func::register(
        &mut f,
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
    f
}

#[test]
fn cases_render_as_helm_renders_them() {
    let f = funcs();
    let mut failures = Vec::new();
    for (tpl, vi, want) in oracle_cases::CASES {
        let mut t = Templates::new();
        t.check_funcs(&f);
        let name = "c/templates/t";
        let vals: serde_json::Value =
            serde_json::from_str(oracle_cases::VALUES[*vi]).expect("case values are JSON");
        let mut top = BTreeMap::new();
        top.insert("Values".to_string(), from_json(&vals));
        let opts = ExecOptions {
            funcs: &f,
            missing_key: MissingKey::Zero,
            seed: 1,
            now_unix: 0,
            fuel: 1_000_000,
            max_depth: 1000,
        };
        let got = t
            .parse(name, tpl)
            .and_then(|_| t.execute(name, &Value::map(top), &opts));
        let got = match got {
            Ok(s) => format!("OK:{}", s.replace("<no value>", "")),
            Err(e) => format!("ERR:{e}"),
        };
        if got != *want {
            failures.push(format!("{tpl:?}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        oracle_cases::CASES.len(),
        failures.join("\n")
    );
}
