//! A stand-in for the executor in the unit tests of helper C's Sprig families: a fixed seed
//! sequence and build time, no templates.

use crate::{CallContext, FuncError, FuncMap, Value};

/// A call context with a counter-based seed and a fixed clock.
pub(crate) struct TestCtx {
    /// The next value `next_seed` mixes.
    pub seed: u64,
    /// What `now_unix` returns.
    pub now: i64,
}

impl Default for TestCtx {
    fn default() -> Self {
        // 2024-03-01 12:34:56 UTC.
        TestCtx {
            seed: 0,
            now: 1_709_296_496,
        }
    }
}

impl CallContext for TestCtx {
    fn template_name(&self) -> &str {
        "test"
    }
    fn execute_named(&mut self, name: &str, _data: &Value) -> Result<String, FuncError> {
        Err(FuncError::Call(format!("no template {name}")))
    }
    fn execute_text(&mut self, _text: &str, _data: &Value) -> Result<String, FuncError> {
        Err(FuncError::Call("no templates in unit tests".into()))
    }
    fn next_seed(&mut self) -> u64 {
        self.seed += 1;
        self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    fn now_unix(&self) -> i64 {
        self.now
    }
}

/// Every function helper C registers.
pub(crate) fn funcs() -> FuncMap {
    let mut map = FuncMap::default();
    super::register(&mut map);
    map
}

/// Calls `name` with a fresh context and returns the result's value.
pub(crate) fn call_value(name: &str, args: &[Value]) -> Result<Value, FuncError> {
    let map = funcs();
    let f = map
        .get(name)
        .unwrap_or_else(|| panic!("{name} is not registered"));
    f(&mut TestCtx::default(), args)
}

/// Calls `name` with a fresh context and returns `%v` of the result.
pub(crate) fn call(name: &str, args: &[Value]) -> Result<String, FuncError> {
    call_value(name, args).map(|v| crate::fmt::sprint(&v))
}
