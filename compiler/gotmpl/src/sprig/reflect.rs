//! Sprig's reflection functions: `typeOf`, `typeIs`, `typeIsLike`, `kindOf`, `kindIs`,
//! `deepEqual`.
//!
//! Strata's lists are all `[]interface {}`, so where Go would say `[]string` (the result of
//! `splitList`, `keys`, `toStrings`, `regexFindAll`) or `[]int` (`until`), these say
//! `[]interface {}`, and `deepEqual` of a `[]string` and an equal `[]interface {}` is true.

use super::args::{self, exact};
use crate::func::register;
use crate::{FuncMap, Value};

/// Adds the reflection functions to `map`.
pub fn register_all(map: &mut FuncMap) {
    register(map, "typeOf", |_, a| {
        exact(a, 1)?;
        Ok(Value::from(a[0].type_name()))
    });
    register(map, "typeIs", |_, a| {
        exact(a, 2)?;
        Ok(Value::Bool(args::string(&a[0])? == a[1].type_name()))
    });
    register(map, "typeIsLike", |_, a| {
        exact(a, 2)?;
        let target = args::string(&a[0])?;
        let t = a[1].type_name();
        Ok(Value::Bool(
            t == target || t.strip_prefix('*') == Some(target),
        ))
    });
    register(map, "kindOf", |_, a| {
        exact(a, 1)?;
        Ok(Value::str(a[0].kind()))
    });
    register(map, "kindIs", |_, a| {
        exact(a, 2)?;
        Ok(Value::Bool(args::string(&a[0])? == a[1].kind()))
    });
    register(map, "deepEqual", |_, a| {
        exact(a, 2)?;
        Ok(Value::Bool(args::deep_equal(&a[0], &a[1])))
    });
}
