//! Sprig's functions, as Helm ships them (`sprig.TxtFuncMap()` minus `env` and `expandenv`,
//! which Helm removes): one file per family, each with a `register` function.

use crate::FuncMap;

mod cargs;
pub mod encoding;
#[cfg(test)]
mod testctx;

/// Adds every Sprig function to `map`.
pub fn register(map: &mut FuncMap) {
    encoding::register(map);
}
