//! Sprig's functions, as Helm ships them (`sprig.TxtFuncMap()` minus `env` and `expandenv`,
//! which Helm removes): one file per family, each with a `register` function.

use crate::FuncMap;

mod cargs;
pub mod certs;
pub mod crypto;
pub mod dates;
pub mod encoding;
pub mod flow;
pub mod network;
pub mod random;
#[cfg(test)]
mod testctx;
pub mod urls;
pub mod uuid;

/// Adds every Sprig function to `map`.
pub fn register(map: &mut FuncMap) {
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
