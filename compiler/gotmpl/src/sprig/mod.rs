//! Sprig's functions, as Helm ships them (`sprig.TxtFuncMap()` minus `env` and `expandenv`,
//! which Helm removes): one file per family, each with a `register` function.

use crate::FuncMap;

pub mod args;
pub mod certs;
mod conv;
pub mod crypto;
pub mod dates;
mod defaults;
mod dicts;
pub mod encoding;
pub mod flow;
mod lists;
mod math;
pub mod network;
mod paths;
pub mod random;
mod reflect;
mod regex;
mod semver;
mod strings;
#[cfg(test)]
mod testctx;
pub mod urls;
pub mod uuid;

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
    encoding::register(map);
    crypto::register(map);
    random::register(map);
    uuid::register(map);
    urls::register(map);
    network::register(map);
    dates::register(map);
    certs::register(map);
    flow::register(map);
}
