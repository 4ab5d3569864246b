//! Sprig's arithmetic: integer functions (`add`, `sub`, `mul`, `div`, `mod`, `max`, `min`,
//! `add1`, `biggest`) on `int64` after `cast.ToInt64`, float functions (`floor`, `ceil`,
//! `round`, `maxf`, `minf`), and the decimal functions (`addf`, `subf`, `mulf`, `divf`,
//! `add1f`), which Sprig computes in exact decimal arithmetic (shopspring/decimal, division to
//! 16 decimal places) before converting back to `float64`.
//!
//! Strata's decimals hold up to 38 significant digits; an operation that would need more
//! (e.g. adding 1e30 and 1e-10) is done in `float64` instead, which can differ from Sprig in
//! the last digit.

use super::args::{self, call_err, exact, to_float64, to_int64};
use crate::func::register;
use crate::{FuncError, FuncMap, Value};

/// Adds the math functions to `map`.
pub fn register_all(map: &mut FuncMap) {
    register(map, "add1", |_, a| {
        exact(a, 1)?;
        Ok(Value::Int64(to_int64(&a[0]).wrapping_add(1)))
    });
    register(map, "add", |_, a| {
        Ok(Value::Int64(
            a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v))),
        ))
    });
    register(map, "sub", |_, a| {
        exact(a, 2)?;
        Ok(Value::Int64(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
    });
    register(map, "mul", |_, a| {
        args::at_least(a, 1)?;
        Ok(Value::Int64(
            a[1..]
                .iter()
                .fold(to_int64(&a[0]), |acc, v| acc.wrapping_mul(to_int64(v))),
        ))
    });
    register(map, "div", |_, a| {
        exact(a, 2)?;
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(divide_by_zero());
        }
        Ok(Value::Int64(to_int64(&a[0]).wrapping_div(d)))
    });
    register(map, "mod", |_, a| {
        exact(a, 2)?;
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(divide_by_zero());
        }
        Ok(Value::Int64(to_int64(&a[0]).wrapping_rem(d)))
    });
    for name in ["max", "biggest"] {
        register(map, name, |_, a| {
            args::at_least(a, 1)?;
            Ok(Value::Int64(
                a.iter().map(to_int64).max().unwrap_or_default(),
            ))
        });
    }
    register(map, "min", |_, a| {
        args::at_least(a, 1)?;
        Ok(Value::Int64(
            a.iter().map(to_int64).min().unwrap_or_default(),
        ))
    });
    register(map, "maxf", |_, a| {
        args::at_least(a, 1)?;
        Ok(Value::Float(
            a[1..]
                .iter()
                .fold(to_float64(&a[0]), |acc, v| go_max(acc, to_float64(v))),
        ))
    });
    register(map, "minf", |_, a| {
        args::at_least(a, 1)?;
        Ok(Value::Float(
            a[1..]
                .iter()
                .fold(to_float64(&a[0]), |acc, v| go_min(acc, to_float64(v))),
        ))
    });
    register(map, "floor", |_, a| {
        exact(a, 1)?;
        Ok(Value::Float(to_float64(&a[0]).floor()))
    });
    register(map, "ceil", |_, a| {
        exact(a, 1)?;
        Ok(Value::Float(to_float64(&a[0]).ceil()))
    });
    register(map, "round", |_, a| {
        args::at_least(a, 2)?;
        let places = args::int(&a[1])?;
        let round_on = match a.get(2) {
            None => 0.5,
            Some(Value::Float(f)) => *f,
            Some(other) => return Err(args::type_err("float64", other)),
        };
        Ok(Value::Float(round(to_float64(&a[0]), places, round_on)))
    });
    register(map, "add1f", |_, a| {
        exact(a, 1)?;
        decimal_op(&a[0], &[Value::Int(1)], Op::Add)
    });
    register(map, "addf", |_, a| {
        decimal_op(&Value::Float(0.0), a, Op::Add)
    });
    register(map, "subf", |_, a| {
        args::at_least(a, 1)?;
        decimal_op(&a[0], &a[1..], Op::Sub)
    });
    register(map, "mulf", |_, a| {
        args::at_least(a, 1)?;
        decimal_op(&a[0], &a[1..], Op::Mul)
    });
    register(map, "divf", |_, a| {
        args::at_least(a, 1)?;
        decimal_op(&a[0], &a[1..], Op::Div)
    });
}

fn divide_by_zero() -> FuncError {
    call_err("runtime error: integer divide by zero")
}

/// Go's `math.Max`: NaN wins, +0 beats -0.
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() {
            b
        } else {
            a
        }
    } else {
        a.max(b)
    }
}

/// Go's `math.Min`: NaN wins, -0 beats +0.
fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else {
        a.min(b)
    }
}

/// Sprig's `round`: scale by 10^places, round up when the fraction reaches `round_on`.
fn round(val: f64, places: i64, round_on: f64) -> f64 {
    let pow = 10f64.powf(places as f64);
    let digit = pow * val;
    let frac = digit - digit.trunc();
    let r = if frac >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    r / pow
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// A decimal `mantissa × 10^exp`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Dec {
    m: i128,
    exp: i32,
}

/// The digits Sprig's division keeps after the decimal point (shopspring's DivisionPrecision).
const DIV_PLACES: i32 = 16;

impl Dec {
    /// shopspring's `NewFromFloat`: the shortest decimal that reads back as `f`.
    fn from_f64(f: f64) -> Option<Dec> {
        if f == 0.0 {
            return Some(Dec { m: 0, exp: 0 });
        }
        let sci = format!("{f:e}");
        let (mant, e) = sci.split_once('e')?;
        let e: i32 = e.parse().ok()?;
        let negative = mant.starts_with('-');
        let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
        let m: i128 = digits.parse().ok()?;
        Some(Dec {
            m: if negative { -m } else { m },
            exp: e - (digits.len() as i32 - 1),
        })
    }

    fn to_f64(self) -> f64 {
        format!("{}e{}", self.m, self.exp)
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// `self` with exponent `exp` (≤ self.exp), if the mantissa fits.
    fn rescale(self, exp: i32) -> Option<i128> {
        let shift = u32::try_from(self.exp - exp).ok()?;
        self.m.checked_mul(10i128.checked_pow(shift)?)
    }

    fn apply(self, op: Op, other: Dec) -> Result<Option<Dec>, FuncError> {
        Ok(match op {
            Op::Add | Op::Sub => {
                let exp = self.exp.min(other.exp);
                let (Some(a), Some(b)) = (self.rescale(exp), other.rescale(exp)) else {
                    return Ok(None);
                };
                let sum = match op {
                    Op::Add => a.checked_add(b),
                    _ => a.checked_sub(b),
                };
                sum.map(|m| Dec { m, exp })
            }
            Op::Mul => self.m.checked_mul(other.m).map(|m| Dec {
                m,
                exp: self.exp + other.exp,
            }),
            Op::Div => {
                if other.m == 0 {
                    return Err(call_err("decimal division by 0"));
                }
                // round(self / other × 10^16), half away from zero.
                let shift = self.exp - other.exp + DIV_PLACES;
                let (num, den) = if shift >= 0 {
                    let p = 10i128.checked_pow(shift as u32);
                    (p.and_then(|p| self.m.checked_mul(p)), Some(other.m))
                } else {
                    let p = 10i128.checked_pow((-shift) as u32);
                    (Some(self.m), p.and_then(|p| other.m.checked_mul(p)))
                };
                let (Some(num), Some(den)) = (num, den) else {
                    return Ok(None);
                };
                let mut q = num / den;
                let r = num % den;
                if r != 0 && r.unsigned_abs().saturating_mul(2) >= den.unsigned_abs() {
                    q += if (num < 0) != (den < 0) { -1 } else { 1 };
                }
                Some(Dec {
                    m: q,
                    exp: -DIV_PLACES,
                })
            }
        })
    }
}

fn float_op(op: Op, a: f64, b: f64) -> f64 {
    match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::Div => a / b,
    }
}

fn to_dec(f: f64) -> Result<Option<Dec>, FuncError> {
    if f.is_finite() {
        Ok(Dec::from_f64(f))
    } else {
        Err(call_err(format!(
            "Cannot create a Decimal from {}",
            crate::fmt::format_float_g(f)
        )))
    }
}

/// Sprig's `execDecimalOp`: folds `rest` into `first` with `op` in decimal arithmetic.
fn decimal_op(first: &Value, rest: &[Value], op: Op) -> Result<Value, FuncError> {
    let mut acc_f = to_float64(first);
    let mut acc = to_dec(acc_f)?;
    for v in rest {
        let x = to_float64(v);
        let dx = to_dec(x)?;
        if matches!(op, Op::Div) && x == 0.0 {
            return Err(call_err("decimal division by 0"));
        }
        acc = match (acc, dx) {
            (Some(a), Some(b)) => a.apply(op, b)?,
            _ => None,
        };
        acc_f = match acc {
            Some(d) => d.to_f64(),
            None => float_op(op, acc_f, x),
        };
        if acc.is_none() {
            acc = to_dec(acc_f).ok().flatten();
        }
    }
    Ok(Value::Float(match acc {
        Some(d) => d.to_f64(),
        None => acc_f,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(args: &[f64], op: Op) -> f64 {
        let vals: Vec<Value> = args.iter().map(|x| Value::Float(*x)).collect();
        match decimal_op(&vals[0], &vals[1..], op).unwrap() {
            Value::Float(x) => x,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decimal_arithmetic_matches_sprig() {
        // Helm SDK v4.2.3: addf 1.1 2.2, subf 1 0.9, mulf 1.1 3, divf 1 3, divf 10 4,
        // divf 2 3, divf 1 7, addf 0.1 0.2, mulf 1e20 1e20.
        let p = crate::fmt::format_float_g;
        assert_eq!(p(f(&[0.0, 1.1, 2.2], Op::Add)), "3.3");
        assert_eq!(p(f(&[1.0, 0.9], Op::Sub)), "0.1");
        assert_eq!(p(f(&[1.1, 3.0], Op::Mul)), "3.3");
        assert_eq!(p(f(&[1.0, 3.0], Op::Div)), "0.3333333333333333");
        assert_eq!(p(f(&[10.0, 4.0], Op::Div)), "2.5");
        assert_eq!(p(f(&[2.0, 3.0], Op::Div)), "0.6666666666666667");
        assert_eq!(p(f(&[1.0, 7.0], Op::Div)), "0.1428571428571429");
        assert_eq!(p(f(&[0.0, 0.1, 0.2], Op::Add)), "0.3");
        assert_eq!(p(f(&[1e20, 1e20], Op::Mul)), "1e+40");
    }

    #[test]
    fn round_matches_sprig() {
        // Helm SDK v4.2.3: round 2.555 2, round 2.5 0, round -2.5 0, round 1.2345 2 0.3.
        assert_eq!(round(2.555, 2, 0.5), 2.56);
        assert_eq!(round(2.5, 0, 0.5), 3.0);
        assert_eq!(round(-2.5, 0, 0.5), -3.0);
        assert_eq!(round(1.2345, 2, 0.3), 1.24);
        assert_eq!(round(1e300, 2, 0.5), 1e300);
    }
}
