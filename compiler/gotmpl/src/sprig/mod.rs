//! Sprig's functions, as Helm ships them (`sprig.TxtFuncMap()` minus `env` and `expandenv`,
//! which Helm removes): one file per family, each with a `register` function.

use crate::FuncMap;

/// Adds every Sprig function to `map`.
pub fn register(map: &mut FuncMap) {
    let _ = map;
}
