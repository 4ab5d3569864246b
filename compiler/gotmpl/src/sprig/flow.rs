//! Sprig's flow-control function `fail`: the call's error is the given message (Helm reports it
//! as `execution error at (FILE:LINE:COL): MESSAGE`).

use super::args::{exact, string};
use crate::func::register as reg;
use crate::{FuncError, FuncMap};

/// Registers `fail`.
pub fn register(map: &mut FuncMap) {
    reg(map, "fail", |_, args| {
        exact(args, 1)?;
        Err(FuncError::Call(string(&args[0])?.to_string()))
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn fail_is_the_message() {
        let e = super::super::testctx::call("fail", &["boom".into()]).unwrap_err();
        assert_eq!(e, crate::FuncError::Call("boom".into()));
    }
}
