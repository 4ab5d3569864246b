//! Sprig's functions, as Helm ships them (`sprig.TxtFuncMap()` minus `env` and `expandenv`,
//! which Helm removes): one file per family, each with a `register` function.

use crate::FuncMap;

pub mod args;
mod conv;
mod defaults;
mod dicts;
mod lists;
mod math;
mod paths;
mod reflect;
mod regex;
mod semver;
mod strings;

/// Adds every Sprig function to `map`.
pub fn register(map: &mut FuncMap) {
    strings::register_all(map);
    lists::register_all(map);
    dicts::register_all(map);
    defaults::register_all(map);
    conv::register_all(map);
    math::register_all(map);
    reflect::register_all(map);
    regex::register_all(map);
    semver::register_all(map);
    paths::register_all(map);
}
