//! `--set` values as Helm's `strvals` parses them: `a.b=c`, `a[0]=x`, `a={x,y}`, several
//! assignments separated by `,`, `\` escaping the next character; and the merge of values
//! files (`-f`), later files winning table by table.
//!
//! Types follow Helm: `true`/`false` (any case) are booleans, `null` deletes, a decimal integer
//! without a leading zero is an `int64` (not the `float64` a values file gives), everything else
//! is a string. `--set-string` keeps every value a string.

use strata_gotmpl::{Map, Value};

use crate::values::new_map;

/// Helm's largest list index for `a[i]=...`.
const MAX_INDEX: usize = 65536;
/// Helm's deepest `a.b.c...` nesting.
const MAX_NESTED: usize = 30;

/// Parses `s` (one `--set` argument) into `dest`, as Helm's `strvals.ParseInto`.
pub fn parse_into(s: &str, dest: &Map) -> Result<(), String> {
    Parser {
        chars: s.chars().collect(),
        pos: 0,
        strings: false,
    }
    .parse(dest)
}

/// Parses `s` (one `--set-string` argument) into `dest`: every value stays a string.
pub fn parse_into_string(s: &str, dest: &Map) -> Result<(), String> {
    Parser {
        chars: s.chars().collect(),
        pos: 0,
        strings: true,
    }
    .parse(dest)
}

/// Helm's `mergeMaps` for values files: tables merge recursively, anything else replaces.
pub fn merge_maps(a: &Map, b: &Map) -> Map {
    let out: strata_gotmpl::Entries = a.borrow().clone();
    let out = std::rc::Rc::new(std::cell::RefCell::new(out));
    let entries: Vec<(strata_gotmpl::Key, Value)> = b
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in entries {
        if let Value::Map(vm) = &v {
            let existing = out.borrow().get(k.as_str()).cloned();
            if let Some(Value::Map(bv)) = existing {
                let merged = merge_maps(&bv, vm);
                out.borrow_mut().insert(k, Value::Map(merged));
                continue;
            }
        }
        out.borrow_mut().insert(k, v);
    }
    out
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    strings: bool,
}

enum Stop {
    Eof,
    At(char),
}

impl Parser {
    fn parse(&mut self, data: &Map) -> Result<(), String> {
        loop {
            match self.key(data, 0) {
                Ok(()) => continue,
                Err(None) => return Ok(()),
                Err(Some(e)) => return Err(e),
            }
        }
    }

    /// Reads up to one of `stop` (unescaping `\x`); returns the text and what stopped it.
    fn until(&mut self, stop: &[char]) -> (String, Stop) {
        let mut v = String::new();
        loop {
            let Some(&r) = self.chars.get(self.pos) else {
                return (v, Stop::Eof);
            };
            self.pos += 1;
            if stop.contains(&r) {
                return (v, Stop::At(r));
            }
            if r == '\\' {
                let Some(&next) = self.chars.get(self.pos) else {
                    return (v, Stop::Eof);
                };
                self.pos += 1;
                v.push(next);
            } else {
                v.push(r);
            }
        }
    }

    fn typed(&self, s: &str) -> Value {
        if self.strings {
            return Value::str(s);
        }
        if s.eq_ignore_ascii_case("true") {
            return Value::Bool(true);
        }
        if s.eq_ignore_ascii_case("false") {
            return Value::Bool(false);
        }
        if s.eq_ignore_ascii_case("null") {
            return Value::Nil;
        }
        if s == "0" {
            return Value::Int64(0);
        }
        if !s.is_empty() && !s.starts_with('0') {
            // Go's ParseInt accepts a leading sign and decimal digits only.
            let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(i) = s.parse::<i64>() {
                    return Value::Int64(i);
                }
            }
        }
        Value::str(s)
    }

    /// One `key...=value`; `Err(None)` at the end of input.
    fn key(&mut self, data: &Map, mut level: usize) -> Result<(), Option<String>> {
        let (k, last) = self.until(&['=', '[', ',', '.']);
        match last {
            Stop::Eof => {
                if k.is_empty() {
                    Err(None)
                } else {
                    Err(Some(format!("key {k:?} has no value")))
                }
            }
            Stop::At('[') => {
                let i = self
                    .key_index()
                    .map_err(|e| Some(format!("error parsing index: {e}")))?;
                let list = match data.borrow().get(k.as_str()) {
                    None => Vec::new(),
                    Some(Value::List(l)) => l.as_ref().clone(),
                    Some(other) => {
                        return Err(Some(format!(
                            "unable to parse key: interface conversion: interface {{}} is {}, not []interface {{}}",
                            other.type_name()
                        )))
                    }
                };
                let (list, err) = self.list_item(list, i, level);
                set(data, &k, Value::list(list));
                match err {
                    None => Ok(()),
                    Some(e) => Err(Some(e)),
                }
            }
            Stop::At('=') => match self.val_list() {
                Ok(Some(vl)) => {
                    set(data, &k, Value::list(vl));
                    Ok(())
                }
                Ok(None) => {
                    let (rs, _) = self.until(&[',']);
                    let v = self.typed(&rs);
                    set(data, &k, v);
                    Ok(())
                }
                Err(ListErr::Eof) => {
                    set(data, &k, Value::str(""));
                    Err(None)
                }
                Err(ListErr::Msg(e)) => Err(Some(e)),
            },
            Stop::At(',') => {
                set(data, &k, Value::str(""));
                Err(Some(format!("key {k:?} has no value (cannot end with ,)")))
            }
            Stop::At(_) => {
                level += 1;
                if level > MAX_NESTED {
                    return Err(Some(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED}"
                    )));
                }
                let inner = match data.borrow().get(k.as_str()) {
                    None => new_map(),
                    Some(Value::Map(m)) => m.clone(),
                    Some(other) => {
                        return Err(Some(format!(
                            "unable to parse key: interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                            other.type_name()
                        )))
                    }
                };
                let e = self.key(&inner, level);
                let empty = inner.borrow().is_empty();
                if e.is_ok() && empty {
                    return Err(Some(format!("key map {k:?} has no value")));
                }
                if !empty {
                    set(data, &k, Value::Map(inner));
                }
                e
            }
        }
    }

    fn key_index(&mut self) -> Result<i64, String> {
        let (v, last) = self.until(&[']']);
        if matches!(last, Stop::Eof) {
            return Err("EOF".into());
        }
        v.parse::<i64>()
            .map_err(|_| format!("strconv.Atoi: parsing {v:?}: invalid syntax"))
    }

    fn list_item(
        &mut self,
        mut list: Vec<Value>,
        i: i64,
        level: usize,
    ) -> (Vec<Value>, Option<String>) {
        if i < 0 {
            return (list, Some(format!("negative {i} index not allowed")));
        }
        let i = i as usize;
        let (k, last) = self.until(&['[', '.', '=']);
        if !k.is_empty() {
            return (
                list,
                Some(format!("unexpected data at end of array index: {k:?}")),
            );
        }
        match last {
            Stop::Eof => (list, Some("EOF".into())),
            Stop::At('=') => match self.val_list() {
                Ok(Some(vl)) => set_index(list, i, Value::list(vl)),
                Err(ListErr::Eof) => set_index(list, i, Value::str("")),
                Ok(None) => {
                    let (rs, _) = self.until(&[',']);
                    let v = self.typed(&rs);
                    set_index(list, i, v)
                }
                Err(ListErr::Msg(e)) => (list, Some(e)),
            },
            Stop::At('[') => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, Some(format!("error parsing index: {e}"))),
                };
                let crt = match list.get(i) {
                    Some(Value::List(l)) => l.as_ref().clone(),
                    _ => Vec::new(),
                };
                let (l2, err) = self.list_item(crt, next, level);
                if err.is_some() {
                    return (list, err);
                }
                set_index(list, i, Value::list(l2))
            }
            Stop::At(_) => {
                let inner = match list.get(i) {
                    Some(Value::Map(m)) => m.clone(),
                    _ => new_map(),
                };
                if let Err(e) = self.key(&inner, level) {
                    return (list, Some(e.unwrap_or_else(|| "EOF".into())));
                }
                if list.len() <= i {
                    list.resize(i + 1, Value::Nil);
                }
                set_index(list, i, Value::Map(inner))
            }
        }
    }

    /// `{a,b}` lists; `Ok(None)` when the value is not a list.
    fn val_list(&mut self) -> Result<Option<Vec<Value>>, ListErr> {
        let Some(&r) = self.chars.get(self.pos) else {
            return Err(ListErr::Eof);
        };
        if r != '{' {
            return Ok(None);
        }
        self.pos += 1;
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.until(&[',', '}']);
            match last {
                Stop::Eof => return Err(ListErr::Msg("list must terminate with '}'".into())),
                Stop::At('}') => {
                    if self.chars.get(self.pos) == Some(&',') {
                        self.pos += 1;
                    }
                    list.push(self.typed(&rs));
                    return Ok(Some(list));
                }
                Stop::At(_) => list.push(self.typed(&rs)),
            }
        }
    }
}

enum ListErr {
    Eof,
    Msg(String),
}

fn set(data: &Map, key: &str, val: Value) {
    if key.is_empty() {
        return;
    }
    data.borrow_mut().insert(key.into(), val);
}

fn set_index(mut list: Vec<Value>, index: usize, val: Value) -> (Vec<Value>, Option<String>) {
    if index > MAX_INDEX {
        return (
            list,
            Some(format!(
                "index of {index} is greater than maximum supported index of {MAX_INDEX}"
            )),
        );
    }
    if list.len() <= index {
        list.resize(index + 1, Value::Nil);
    }
    list[index] = val;
    (list, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Frozen;

    fn parse(s: &str) -> Result<Frozen, String> {
        let m = new_map();
        parse_into(s, &m)?;
        Ok(Frozen::from_owned(Value::Map(m)))
    }

    fn yaml_like(f: &Frozen) -> String {
        format!("{f:?}")
    }

    #[test]
    fn scalars_and_types() {
        let got = parse("a=1,b=true,c=null,d=007,e=x\\,y,f.g=h").unwrap();
        let want = Frozen::Map(
            [
                ("a".into(), Frozen::Int64(1)),
                ("b".into(), Frozen::Bool(true)),
                ("c".into(), Frozen::Nil),
                ("d".into(), Frozen::String("007".into())),
                ("e".into(), Frozen::String("x,y".into())),
                (
                    "f".into(),
                    Frozen::Map(
                        [("g".into(), Frozen::String("h".into()))]
                            .into_iter()
                            .collect(),
                    ),
                ),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(yaml_like(&got), yaml_like(&want));
    }

    #[test]
    fn lists() {
        let got = parse("a={x,2},b[1]=y,c[0].d=e").unwrap();
        let Frozen::Map(m) = got else { panic!() };
        assert_eq!(
            m["a"],
            Frozen::List(vec![Frozen::String("x".into()), Frozen::Int64(2)])
        );
        assert_eq!(
            m["b"],
            Frozen::List(vec![Frozen::Nil, Frozen::String("y".into())])
        );
        assert_eq!(
            m["c"],
            Frozen::List(vec![Frozen::Map(
                [("d".into(), Frozen::String("e".into()))]
                    .into_iter()
                    .collect()
            )])
        );
    }

    #[test]
    fn errors() {
        assert_eq!(parse("a").unwrap_err(), "key \"a\" has no value");
        assert_eq!(
            parse("a,b=c").unwrap_err(),
            "key \"a\" has no value (cannot end with ,)"
        );
        assert_eq!(
            parse("a[-1]=x").unwrap_err(),
            "negative -1 index not allowed"
        );
        assert!(parse("a={x").is_err());
    }
}
