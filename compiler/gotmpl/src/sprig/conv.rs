//! Sprig's conversions: `atoi`, `int`, `int64`, `float64`, `toDecimal`, `seq`.

use super::args::{self, exact};
use super::lists::until_step;
use crate::func::register;
use crate::{FuncError, FuncMap, Value};

/// Adds the conversion functions to `map`.
pub fn register_all(map: &mut FuncMap) {
    register(map, "atoi", |_, a| {
        exact(a, 1)?;
        let s = args::string(&a[0])?;
        // strconv.Atoi: decimal only, no prefixes or `_`; errors give 0.
        let ok = !s.contains('_') && !s.trim_start_matches(['+', '-']).starts_with("0x");
        let n = if ok { args::parse_go_int(s, 10) } else { None };
        Ok(Value::Int(n.unwrap_or(0)))
    });
    register(map, "int", |_, a| {
        exact(a, 1)?;
        Ok(Value::Int(args::to_int64(&a[0])))
    });
    register(map, "int64", |_, a| {
        exact(a, 1)?;
        Ok(Value::Int64(args::to_int64(&a[0])))
    });
    register(map, "float64", |_, a| {
        exact(a, 1)?;
        Ok(Value::Float(args::to_float64(&a[0])))
    });
    register(map, "toDecimal", |_, a| {
        exact(a, 1)?;
        let text = crate::fmt::sprint(&a[0]);
        Ok(Value::Int64(args::parse_go_int(&text, 8).unwrap_or(0)))
    });
    register(map, "seq", |_, a| {
        let p = a.iter().map(args::int).collect::<Result<Vec<_>, _>>()?;
        seq(&p).map(Value::from)
    });
}

/// Sprig's `seq`: like GNU seq, `seq END`, `seq START END`, `seq START STEP END`, counting
/// down when END is below START; the numbers joined by spaces.
fn seq(p: &[i64]) -> Result<String, FuncError> {
    let list = match *p {
        [end] => {
            let inc = if end < 1 { -1 } else { 1 };
            until_step(1, end.saturating_add(inc), inc)?
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step(start, end.saturating_add(step), step)?
        }
        [start, step, end] => {
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return Ok(String::new());
                }
            }
            until_step(start, end.saturating_add(inc), step)?
        }
        _ => return Ok(String::new()),
    };
    Ok(list
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_matches_sprig() {
        // Helm SDK v4.2.3.
        assert_eq!(seq(&[5]).unwrap(), "1 2 3 4 5");
        assert_eq!(seq(&[0]).unwrap(), "1 0");
        assert_eq!(seq(&[-3]).unwrap(), "1 0 -1 -2 -3");
        assert_eq!(seq(&[2, 5]).unwrap(), "2 3 4 5");
        assert_eq!(seq(&[5, 2]).unwrap(), "5 4 3 2");
        assert_eq!(seq(&[1, 2, 10]).unwrap(), "1 3 5 7 9");
        assert_eq!(seq(&[10, -3, 1]).unwrap(), "10 7 4 1");
        assert_eq!(seq(&[10, 3, 1]).unwrap(), "");
        assert_eq!(seq(&[1, 2, 3, 4]).unwrap(), "");
        assert!(seq(&[i64::MAX]).is_err());
    }
}
