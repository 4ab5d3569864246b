//! Sprig's random functions — `randAlphaNum`, `randAlpha`, `randNumeric`, `randAscii`,
//! `randBytes`, `randInt` — made deterministic.
//!
//! Helm draws from the operating system's random source, so every `helm template` prints other
//! bytes. Strata draws from a ChaCha20 stream seeded by [`CallContext::next_seed`], which mixes
//! the render's seed (site, service, release), the template's name and how many random calls
//! came before: the same inputs print the same bytes on every build, and two calls in one
//! template still differ. The alphabets and the error behaviour are Sprig's.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::args::{exact, int};
use crate::func::register as reg;
use crate::{CallContext, FuncError, FuncMap, Value};

/// The most characters or bytes one call may ask for: a template asking for more is an error
/// rather than a render that exhausts memory (Helm has no limit).
pub const MAX_COUNT: i64 = 1 << 20;

const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const DIGITS: &[u8] = b"0123456789";

/// A random generator for one call, seeded from the context.
pub(crate) fn rng(ctx: &mut dyn CallContext) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(ctx.next_seed())
}

/// A uniform index below `n` (`n` > 0), without modulo bias.
pub(crate) fn below(rng: &mut ChaCha20Rng, n: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let x = rng.next_u64();
        if x < zone {
            return x % n;
        }
    }
}

fn too_many(name: &str, count: i64) -> FuncError {
    FuncError::Call(format!(
        "{name} {count}: Strata generates at most {MAX_COUNT} random characters or bytes per call"
    ))
}

/// `count` characters drawn from `alphabet`; a negative count gives "" (Sprig ignores the error
/// its generator returns).
fn rand_string(
    ctx: &mut dyn CallContext,
    name: &str,
    args: &[Value],
    alphabet: Option<&[u8]>,
) -> Result<Value, FuncError> {
    exact(args, 1)?;
    let count = int(&args[0])?;
    if count > MAX_COUNT {
        return Err(too_many(name, count));
    }
    if count <= 0 {
        return Ok(Value::str(""));
    }
    let mut rng = rng(ctx);
    let out: String = (0..count)
        .map(|_| match alphabet {
            Some(chars) => chars[below(&mut rng, chars.len() as u64) as usize] as char,
            // Printable ASCII, space to tilde.
            None => (32 + below(&mut rng, 95) as u8) as char,
        })
        .collect();
    Ok(Value::from(out))
}

/// Registers the random functions.
pub fn register(map: &mut FuncMap) {
    reg(map, "randAlphaNum", |ctx, args| {
        rand_string(ctx, "randAlphaNum", args, Some(ALNUM))
    });
    reg(map, "randAlpha", |ctx, args| {
        rand_string(ctx, "randAlpha", args, Some(ALPHA))
    });
    reg(map, "randNumeric", |ctx, args| {
        rand_string(ctx, "randNumeric", args, Some(DIGITS))
    });
    reg(map, "randAscii", |ctx, args| {
        rand_string(ctx, "randAscii", args, None)
    });
    reg(map, "randBytes", |ctx, args| {
        exact(args, 1)?;
        let count = int(&args[0])?;
        if count < 0 {
            // Go's `make([]byte, count)` panics; the template package reports the panic.
            return Err(FuncError::Call(
                "runtime error: makeslice: len out of range".into(),
            ));
        }
        if count > MAX_COUNT {
            return Err(too_many("randBytes", count));
        }
        let mut bytes = vec![0u8; count as usize];
        if count > 0 {
            rng(ctx).fill_bytes(&mut bytes);
        }
        use base64::Engine as _;
        Ok(Value::from(
            base64::engine::general_purpose::STANDARD.encode(bytes),
        ))
    });
    reg(map, "randInt", |ctx, args| {
        exact(args, 2)?;
        let (min, max) = (int(&args[0])?, int(&args[1])?);
        // Go computes max-min in int (wrapping) and `rand.Intn` panics on n <= 0.
        let span = max.wrapping_sub(min);
        if span <= 0 {
            return Err(FuncError::Call("invalid argument to Intn".into()));
        }
        let n = below(&mut rng(ctx), span as u64) as i64;
        Ok(Value::Int(n.wrapping_add(min)))
    });
}

#[cfg(test)]
mod tests {
    use super::super::testctx::{call, funcs, TestCtx};
    use crate::Value;

    #[test]
    fn alphabets_and_lengths() {
        let s = call("randAlphaNum", &[Value::Int(40)]).unwrap();
        assert_eq!(s.len(), 40);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
        let s = call("randAlpha", &[Value::Int(40)]).unwrap();
        assert!(s.bytes().all(|b| b.is_ascii_alphabetic()));
        let s = call("randNumeric", &[Value::Int(40)]).unwrap();
        assert!(s.bytes().all(|b| b.is_ascii_digit()));
        let s = call("randAscii", &[Value::Int(200)]).unwrap();
        assert!(s.bytes().all(|b| (32..=126).contains(&b)));
        // Helm SDK v4.2.3: negative and zero counts print nothing.
        assert_eq!(call("randAlphaNum", &[Value::Int(-1)]).unwrap(), "");
        assert_eq!(call("randAlphaNum", &[Value::Int(0)]).unwrap(), "");
        assert_eq!(call("randBytes", &[Value::Int(0)]).unwrap(), "");
        assert_eq!(call("randBytes", &[Value::Int(5)]).unwrap().len(), 8);
    }

    #[test]
    fn same_seed_same_output_and_calls_differ() {
        let map = funcs();
        let f = &map["randAlphaNum"];
        let mut a = TestCtx::default();
        let mut b = TestCtx::default();
        let a1 = f(&mut a, &[Value::Int(16)])
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        let a2 = f(&mut a, &[Value::Int(16)])
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        let b1 = f(&mut b, &[Value::Int(16)])
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(a1, b1);
        assert_ne!(a1, a2);
    }

    #[test]
    fn errors_match_helm_and_huge_counts_are_refused() {
        // Helm SDK v4.2.3 messages (after "error calling NAME: ").
        let e = call("randInt", &[Value::Int(5), Value::Int(5)]).unwrap_err();
        assert_eq!(e.to_string(), "invalid argument to Intn");
        let e = call("randBytes", &[Value::Int(-1)]).unwrap_err();
        assert_eq!(e.to_string(), "runtime error: makeslice: len out of range");
        let e = call("randAlphaNum", &[Value::Int(i64::MAX)]).unwrap_err();
        assert!(e.to_string().contains("at most"), "{e}");
        let e = call("randAlpha", &[Value::Float(3.0)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "wrong type for value; expected int; got float64"
        );
        let v = call("randInt", &[Value::Int(3), Value::Int(5)]).unwrap();
        assert!(v == "3" || v == "4");
        let v = call("randInt", &[Value::Int(i64::MIN), Value::Int(i64::MAX)]);
        assert!(v.is_err());
    }
}
