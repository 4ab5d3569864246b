//! Functions callable from templates: the signature every built-in, Sprig and Helm function has,
//! and the context a call can reach back into (templates for `include`/`tpl`, the deterministic
//! randomness and clock).

use std::collections::HashMap;
use std::sync::Arc;

use crate::Value;

/// Why a function call failed, in the words Go's text/template uses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FuncError {
    /// The function returned an error: Go prints `error calling NAME: MESSAGE`.
    #[error("{0}")]
    Call(String),
    /// An argument Go's reflection could not pass, e.g.
    /// `wrong type for value; expected string; got int` (printed without "error calling").
    #[error("{0}")]
    Arg(String),
    /// `wrong number of args for NAME: want WANT got GOT` (`want` as Go prints it, e.g. `1` or
    /// `at least 1`).
    #[error("wrong number of args: want {want} got {got}")]
    Arity {
        /// How many Go wanted, as Go prints it.
        want: String,
        /// How many the template passed.
        got: usize,
    },
    /// A template executed by the function (`include`, `tpl`) failed; passed through unchanged.
    #[error("{0}")]
    Template(Box<crate::Error>),
}

/// What a function can ask of the running template.
pub trait CallContext {
    /// The name of the template being executed (Helm's `.Template.Name` of the caller).
    fn template_name(&self) -> &str;
    /// Executes the template `name` of the current set with `data` (Helm's `include`).
    fn execute_named(&mut self, name: &str, data: &Value) -> Result<String, FuncError>;
    /// [`CallContext::execute_named`] as a string value (Helm's `include` result); an
    /// executor may reuse its output buffers here.
    fn include(&mut self, name: &str, data: &Value) -> Result<Value, FuncError> {
        self.execute_named(name, data).map(Value::from)
    }
    /// Parses `text` as a template that sees the current set's definitions and executes it
    /// with `data` (Helm's `tpl`); definitions inside `text` stay local to this call.
    fn execute_text(&mut self, text: &str, data: &Value) -> Result<String, FuncError>;
    /// A fresh 64-bit seed for one call of a random function, derived from the render's seed,
    /// the template name and how many random calls came before it in this render: the same
    /// inputs give the same sequence on every machine.
    fn next_seed(&mut self) -> u64;
    /// The fixed build time, in seconds since the Unix epoch (what `now` returns).
    fn now_unix(&self) -> i64;
}

/// A function a template can call.
pub type Func =
    Arc<dyn Fn(&mut dyn CallContext, &[Value]) -> Result<Value, FuncError> + Send + Sync>;

/// Functions by name.
pub type FuncMap = HashMap<String, Func, foldhash::fast::RandomState>;

/// Adds `f` to `map` under `name` (sugar for the registration tables).
pub fn register<F>(map: &mut FuncMap, name: &str, f: F)
where
    F: Fn(&mut dyn CallContext, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
{
    map.insert(name.to_string(), Arc::new(f));
}
