//! Sprig's `getHostByName`, offline.
//!
//! Helm resolves the name through DNS while rendering, so its output depends on the network
//! and the moment. Strata never touches the network while it compiles: the function is an error
//! that says so, rather than a guess that would differ from what the cluster resolves.

use super::args::{exact, string};
use crate::func::register as reg;
use crate::{FuncError, FuncMap};

/// Registers `getHostByName`.
pub fn register(map: &mut FuncMap) {
    reg(map, "getHostByName", |_, args| {
        exact(args, 1)?;
        let name = string(&args[0])?;
        Err(FuncError::Call(format!(
            "cannot resolve {name:?}: Strata renders charts offline and does not look up host \
             names; put the address in the chart's values instead"
        )))
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_an_error_offline() {
        let e = super::super::testctx::call("getHostByName", &["example.com".into()]).unwrap_err();
        assert!(e.to_string().contains("offline"), "{e}");
    }
}
