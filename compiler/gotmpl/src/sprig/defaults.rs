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
