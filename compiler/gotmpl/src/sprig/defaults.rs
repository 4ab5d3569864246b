//! Sprig's default and flow functions: `default`, `empty`, `coalesce`, `all`, `any`, `ternary`.

use super::args::{self, empty, exact};
use crate::func::register;
use crate::{FuncMap, Value};

/// Adds the default functions to `map`.
pub fn register_all(map: &mut FuncMap) {
    register(map, "default", |_, a| {
        args::at_least(a, 1)?;
        // Sprig looks at the first given value only: `default 1 2 3` is 2.
        Ok(match a.get(1) {
            Some(v) if !empty(v) => v.clone(),
            _ => a[0].clone(),
        })
    });
    register(map, "empty", |_, a| {
        exact(a, 1)?;
        Ok(Value::Bool(empty(&a[0])))
    });
    register(map, "coalesce", |_, a| {
        Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))
    });
    register(map, "all", |_, a| {
        Ok(Value::Bool(a.iter().all(|v| !empty(v))))
    });
    register(map, "any", |_, a| {
        Ok(Value::Bool(a.iter().any(|v| !empty(v))))
    });
    register(map, "ternary", |_, a| {
        exact(a, 3)?;
        Ok(if args::boolean(&a[2])? {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
}

#[cfg(test)]
mod tests {
    use super::super::args::testing::{d, i, l, s, show};
    use crate::Value;

    // Expected strings from Helm SDK v4.2.3 (the lines of one scratch template each).
    #[test]
    fn lists_defaults_math_reflection_match_helm() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("rest", vec![l(&[])], "[]"),
            ("first", vec![i(1)], "ERR Cannot find first on type int"),
            (
                "first",
                vec![Value::Nil],
                "ERR runtime error: invalid memory address or nil pointer dereference",
            ),
            (
                "slice",
                vec![l(&[i(1), i(2), i(3)]), s("1"), Value::Float(2.0)],
                "[2]",
            ),
            (
                "slice",
                vec![l(&[i(1), i(2), i(3)]), i(2), i(1)],
                "ERR reflect.Value.Slice: slice index out of bounds",
            ),
            ("chunk", vec![i(2), l(&[i(1), i(2), i(3)])], "[[1 2] [3]]"),
            (
                "chunk",
                vec![i(0), l(&[i(1)])],
                "ERR runtime error: makeslice: len out of range",
            ),
            (
                "concat",
                vec![l(&[i(1)]), i(2)],
                "ERR Cannot concat type int as list",
            ),
            ("has", vec![Value::Float(1.0), l(&[i(1)])], "false"),
            (
                "uniq",
                vec![l(&[i(1), i(1), s("1"), i(2), i(1)])],
                "[1 1 2]",
            ),
            (
                "without",
                vec![l(&[i(1), i(2), i(3), i(1)]), i(1), i(3)],
                "[2]",
            ),
            (
                "compact",
                vec![l(&[
                    i(0),
                    s(""),
                    Value::Nil,
                    Value::Bool(false),
                    i(1),
                    l(&[]),
                    d(&[]),
                ])],
                "[1]",
            ),
            (
                "append",
                vec![s("ab"), i(1)],
                "ERR Cannot push on type string",
            ),
            ("default", vec![i(1), i(2), i(3)], "2"),
            ("default", vec![i(5)], "5"),
            ("coalesce", vec![i(0), s(""), s("x")], "x"),
            ("all", vec![], "true"),
            ("any", vec![], "false"),
            ("add", vec![i(1), s("3"), Value::Float(2.9)], "6"),
            ("add", vec![i(i64::MAX), i(1)], "-9223372036854775808"),
            (
                "div",
                vec![i(1), i(0)],
                "ERR runtime error: integer divide by zero",
            ),
            ("mod", vec![i(-7), i(3)], "-1"),
            ("div", vec![i(-7), i(2)], "-3"),
            ("maxf", vec![i(1), s("2.5"), Value::Float(0.5)], "2.5"),
            ("ceil", vec![s("2.1")], "3"),
            ("divf", vec![i(1), i(0)], "ERR decimal division by 0"),
            ("int", vec![s("0x1F")], "31"),
            ("atoi", vec![s("+3")], "3"),
            ("atoi", vec![s(" 1")], "0"),
            ("toDecimal", vec![s("-0777")], "-511"),
            ("toDecimal", vec![Value::Float(1.5)], "0"),
            ("toString", vec![Value::Nil], "<nil>"),
            ("typeOf", vec![Value::Nil], "<nil>"),
            ("kindOf", vec![Value::Nil], "invalid"),
            ("typeIsLike", vec![s("int"), i(1)], "true"),
            ("deepEqual", vec![i(1), Value::Float(1.0)], "false"),
            ("semver", vec![s("abc")], "ERR invalid semantic version"),
            ("isAbs", vec![s("/a")], "true"),
        ];
        for (name, args, want) in cases {
            assert_eq!(show(name, &args), want, "{name} {args:?}");
        }
    }
}
