//! Sprig's `uuidv4`, deterministic: a version-4 UUID (random bits, version nibble 4, RFC 4122
//! variant) whose random bits come from [`crate::CallContext::next_seed`] instead of the
//! operating system, so a build prints the same UUID every time.

use rand_core::RngCore;

use super::args::exact;
use crate::func::register as reg;
use crate::{FuncMap, Value};

/// Registers `uuidv4`.
pub fn register(map: &mut FuncMap) {
    reg(map, "uuidv4", |ctx, args| {
        exact(args, 0)?;
        let mut b = [0u8; 16];
        super::random::rng(ctx).fill_bytes(&mut b);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        Ok(Value::from(format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )))
    });
}

#[cfg(test)]
mod tests {
    use super::super::testctx::call;

    #[test]
    fn is_a_version_4_uuid() {
        // Helm SDK v4.2.3 printed e.g. 39de259e-4aa1-416f-8a9a-865cbe10fccb.
        let u = call("uuidv4", &[]).unwrap();
        let parts: Vec<&str> = u.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(u
            .bytes()
            .all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        assert!(parts[2].starts_with('4'));
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"));
        assert_eq!(u, call("uuidv4", &[]).unwrap());
    }
}
