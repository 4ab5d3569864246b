//! Serialization as Helm's templates and values see it, byte for byte:
//!
//! * [`load_values`] / [`from_yaml`]: YAML read the way `sigs.k8s.io/yaml` reads it (go-yaml
//!   v2, YAML 1.1, then a JSON round trip that makes every number a `float64`);
//! * [`to_yaml`]: `toYaml` (`json.Marshal`, then go-yaml v2's emitter);
//! * [`to_json`] and friends: Go's `encoding/json`;
//! * [`to_toml`]: the TOML encoder Helm uses (BurntSushi/toml);
//! * [`register`]: Helm's functions by their Helm names (`toYaml`, `fromYaml`, `toJson`, …).
//!
//! Values share maps (`Rc<RefCell>`), so a map can contain itself; every writer stops at a
//! depth limit and reports it as the error Go reports for a cycle.

mod gofloat;
mod json;
mod toml;
mod yaml_emit;
mod yaml_load;

use strata_gotmpl::{FuncError, FuncMap, Value};

pub use json::EncodeOptions;
pub use yaml_load::{load_values, unmarshal as from_yaml_any, unmarshal_list, unmarshal_map};

/// A serialization error: Helm's message, and for YAML input the position (1-based) when
/// known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SerialError {
    /// The message as Helm words it (e.g. `error converting YAML to JSON: yaml: line 2: …`).
    pub message: String,
    /// The line the problem was found at.
    pub line: Option<usize>,
    /// The column the problem was found at.
    pub col: Option<usize>,
}

impl SerialError {
    fn msg(message: String) -> SerialError {
        SerialError {
            message,
            line: None,
            col: None,
        }
    }
}

/// How deep `toYaml` follows nested values before reporting a cycle.
const MAX_DEPTH: usize = json::MAX_DEPTH;

/// `sigs.k8s.io/yaml.Marshal(v)` with Helm's trailing newline trimmed: what `toYaml` prints.
pub fn to_yaml(v: &Value) -> Result<String, SerialError> {
    yaml_text(v, false).map_err(|m| {
        // Errors of the JSON step are wrapped; the YAML reader's are not.
        if m.starts_with("json:") {
            SerialError::msg(format!("error marshaling into JSON: {m}"))
        } else {
            SerialError::msg(m)
        }
    })
}

/// `toYamlPretty`: Helm encodes with go-yaml v3 directly (no JSON round trip), indenting by 2;
/// sequences under a key are indented, and numbers keep their Go formatting (`1e+06`).
pub fn to_yaml_pretty(v: &Value) -> Result<String, SerialError> {
    yaml_text(v, true).map_err(SerialError::msg)
}

/// `v` checked and written as YAML (after the JSON round trip unless `pretty`), without the
/// document's final line break (Helm trims it).
fn yaml_text(v: &Value, pretty: bool) -> Result<String, String> {
    check_yaml(v, 0, pretty)?;
    let mut text = yaml_emit::emit(v, pretty);
    if text.ends_with('\n') {
        text.pop();
    }
    Ok(text)
}

/// The error writing `v` as YAML gives, if any, found in the order Go finds it: the JSON round
/// trip (`pretty == false`) marshals map entries in byte order of their keys, while the
/// emitter writes them in go-yaml's natural order, so the check is a pass of its own before
/// anything is written.
fn check_yaml(v: &Value, depth: usize, pretty: bool) -> Result<(), String> {
    grow_stack(depth, || check_yaml_inner(v, depth, pretty))
}

/// Runs `f`, one level of a writer's recursion, on a grown stack when the thread's is running
/// low. Values nest up to `MAX_DEPTH` levels, and in a debug build that many frames of a
/// writer overflow a test thread's 2 MiB stack; the check is made every 16 levels (a few
/// frames fit easily in the red zone), so it costs nothing measurable.
pub(crate) fn grow_stack<T>(depth: usize, f: impl FnOnce() -> T) -> T {
    if depth.is_multiple_of(16) {
        stacker::maybe_grow(strata_gotmpl::STACK_RED_ZONE, strata_gotmpl::STACK_GROW, f)
    } else {
        f()
    }
}

fn check_yaml_inner(v: &Value, depth: usize, pretty: bool) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "json: unsupported value: encountered a cycle via {}",
            v.type_name()
        ));
    }
    match v {
        Value::Float(f) if !pretty && !f.is_finite() => Err(format!(
            "json: unsupported value: {}",
            gofloat::format_g(*f, gofloat::Bits::B64)
        )),
        Value::String(s) if !pretty => json_to_yaml_readable(s),
        Value::List(items) => items
            .iter()
            .try_for_each(|i| check_yaml(i, depth + 1, pretty)),
        Value::Map(m) => {
            let m = m.try_borrow().map_err(|_| {
                "json: unsupported value: encountered a cycle via map[string]interface {}"
                    .to_string()
            })?;
            for (k, item) in m.iter() {
                if !pretty {
                    json_to_yaml_readable(k)?;
                }
                check_yaml(item, depth + 1, pretty)?;
            }
            Ok(())
        }
        Value::Object(o) => Err(format!("json: unsupported type: {}", o.type_name())),
        _ => Ok(()),
    }
}

/// The YAML text of a float: after the JSON round trip (`pretty == false`; finite, as
/// [`check_yaml`] made sure) or as go-yaml v3 formats a `float64`.
pub(crate) fn yaml_float_text(f: f64, pretty: bool) -> String {
    if pretty {
        match gofloat::format_g(f, gofloat::Bits::B64).as_str() {
            "+Inf" => ".inf".into(),
            "-Inf" => "-.inf".into(),
            "NaN" => ".nan".into(),
            s => s.to_string(),
        }
    } else {
        yaml_emit::number_text(&gofloat::format_json(f))
    }
}

/// `toYaml` reads its own JSON back with go-yaml, whose reader refuses some characters that
/// JSON writes unescaped (DEL, C1 controls other than NEL, U+FFFE, U+FFFF): `toYaml` of such a
/// string fails (and prints nothing).
fn json_to_yaml_readable(s: &str) -> Result<(), String> {
    let bad = |c: char| {
        c == '\u{7F}'
            || (('\u{80}'..='\u{9F}').contains(&c) && c != '\u{85}')
            || c == '\u{FFFE}'
            || c == '\u{FFFF}'
    };
    // Text below DEL holds none of them (nearly every string): no character decoding.
    if s.bytes().all(|b| b < 0x7F) {
        return Ok(());
    }
    if s.chars().any(bad) {
        Err("yaml: control characters are not allowed".to_string())
    } else {
        Ok(())
    }
}

/// `json.Marshal(v)`: what `toJson` prints.
pub fn to_json(v: &Value) -> Result<String, SerialError> {
    json::encode(
        v,
        EncodeOptions {
            escape_html: true,
            indent: None,
        },
    )
    .map_err(SerialError::msg)
}

/// `json.MarshalIndent(v, "", "  ")`: what `toPrettyJson` prints.
pub fn to_pretty_json(v: &Value) -> Result<String, SerialError> {
    json::encode(
        v,
        EncodeOptions {
            escape_html: true,
            indent: Some(2),
        },
    )
    .map_err(SerialError::msg)
}

/// JSON without HTML escaping: what `toRawJson` prints.
pub fn to_raw_json(v: &Value) -> Result<String, SerialError> {
    json::encode(
        v,
        EncodeOptions {
            escape_html: false,
            indent: None,
        },
    )
    .map_err(SerialError::msg)
}

/// `json.Unmarshal` into `interface{}` (Sprig's `mustFromJson`).
pub fn from_json_any(text: &str) -> Result<Value, SerialError> {
    json::decode(text).map_err(SerialError::msg)
}

/// Helm's `fromYaml`: a map; on error, the map holds the message under `Error`.
pub fn from_yaml(text: &str) -> Value {
    match unmarshal_map(text) {
        Ok(v) => v,
        Err(e) => error_map(e.message),
    }
}

/// Helm's `fromYamlArray`: a list; on error, a list holding only the message.
pub fn from_yaml_array(text: &str) -> Value {
    match unmarshal_list(text) {
        Ok(v) => v,
        Err(e) => Value::list(vec![Value::from(e.message)]),
    }
}

/// Helm's `fromJson`: a map; on error, the map holds the message under `Error` (beside what
/// Go's decoder managed to decode). `null` gives an empty map (Helm's is a nil map, which
/// `toJson` prints as `null`; Strata has no nil map).
pub fn from_json(text: &str) -> Value {
    match json::decode_partial(text) {
        Ok((Value::Nil, None)) => Value::empty_map(),
        Ok((v @ Value::Map(_), type_error)) => {
            if let (Some(e), Value::Map(m)) = (type_error, &v) {
                m.borrow_mut().insert("Error".into(), Value::from(e));
            }
            v
        }
        Ok((other, _)) => error_map(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json::json_kind(&other)
        )),
        Err(e) => error_map(e),
    }
}

/// Helm's `fromJsonArray`: a list; on error, a list holding only the message.
pub fn from_json_array(text: &str) -> Value {
    match json::decode_partial(text) {
        // `null` leaves the slice nil.
        Ok((Value::Nil, None)) => Value::nil_list(),
        Ok((v @ Value::List(_), None)) => v,
        Ok((Value::List(_), Some(e))) => Value::list(vec![Value::from(e)]),
        Ok((other, _)) => Value::list(vec![Value::from(format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            json::json_kind(&other)
        ))]),
        Err(e) => Value::list(vec![Value::from(e)]),
    }
}

fn error_map(message: String) -> Value {
    let mut m = std::collections::BTreeMap::new();
    m.insert("Error".into(), Value::from(message));
    Value::map(m)
}

/// `toToml`: BurntSushi/toml's encoder.
pub fn to_toml(v: &Value) -> Result<String, SerialError> {
    toml::encode(v).map_err(SerialError::msg)
}

/// Helm's `fromToml`: a map; on error, the map holds the message under `Error`.
pub fn from_toml(text: &str) -> Value {
    match toml::decode(text) {
        Ok(v) => v,
        Err(e) => error_map(e),
    }
}

fn arity(args: &[Value], want: usize) -> Result<(), FuncError> {
    if args.len() == want {
        Ok(())
    } else {
        Err(FuncError::Arity {
            want: want.to_string(),
            got: args.len(),
        })
    }
}

/// A `string` parameter, with Go's message for anything else.
fn string_arg(v: &Value) -> Result<&str, FuncError> {
    match v {
        Value::String(s) => Ok(s),
        Value::Nil => Err(FuncError::Arg("invalid value; expected string".to_string())),
        other => Err(FuncError::Arg(format!(
            "wrong type for value; expected string; got {}",
            other.type_name()
        ))),
    }
}

/// Registers Helm's serialization functions (and Sprig's JSON ones, which Helm keeps):
/// `toYaml`, `mustToYaml`, `toYamlPretty`, `fromYaml`, `fromYamlArray`, `toJson`, `mustToJson`,
/// `toPrettyJson`, `mustToPrettyJson`, `toRawJson`, `mustToRawJson`, `fromJson`,
/// `fromJsonArray`, `mustFromJson`, `toToml`, `mustToToml`, `fromToml`.
///
/// The non-`must` writers print an empty string when the value cannot be serialized (Helm
/// swallows the error); the `must` ones fail the template with Go's message.
pub fn register(map: &mut FuncMap) {
    use strata_gotmpl::func::register as reg;
    reg(map, "toYaml", |_, a| {
        arity(a, 1)?;
        Ok(Value::from(to_yaml(&a[0]).unwrap_or_default()))
    });
    reg(map, "mustToYaml", |_, a| {
        arity(a, 1)?;
        to_yaml(&a[0])
            .map(Value::from)
            .map_err(|e| FuncError::Call(e.message))
    });
    reg(map, "toYamlPretty", |_, a| {
        arity(a, 1)?;
        Ok(Value::from(to_yaml_pretty(&a[0]).unwrap_or_default()))
    });
    reg(map, "fromYaml", |_, a| {
        arity(a, 1)?;
        Ok(from_yaml(string_arg(&a[0])?))
    });
    reg(map, "fromYamlArray", |_, a| {
        arity(a, 1)?;
        Ok(from_yaml_array(string_arg(&a[0])?))
    });
    reg(map, "toJson", |_, a| {
        arity(a, 1)?;
        Ok(Value::from(to_json(&a[0]).unwrap_or_default()))
    });
    reg(map, "mustToJson", |_, a| {
        arity(a, 1)?;
        to_json(&a[0])
            .map(Value::from)
            .map_err(|e| FuncError::Call(e.message))
    });
    reg(map, "toPrettyJson", |_, a| {
        arity(a, 1)?;
        Ok(Value::from(to_pretty_json(&a[0]).unwrap_or_default()))
    });
    reg(map, "mustToPrettyJson", |_, a| {
        arity(a, 1)?;
        to_pretty_json(&a[0])
            .map(Value::from)
            .map_err(|e| FuncError::Call(e.message))
    });
    // Sprig's toRawJson panics on error; the template sees the panic as a call error.
    for name in ["toRawJson", "mustToRawJson"] {
        reg(map, name, |_, a| {
            arity(a, 1)?;
            to_raw_json(&a[0])
                .map(Value::from)
                .map_err(|e| FuncError::Call(e.message))
        });
    }
    reg(map, "fromJson", |_, a| {
        arity(a, 1)?;
        Ok(from_json(string_arg(&a[0])?))
    });
    reg(map, "fromJsonArray", |_, a| {
        arity(a, 1)?;
        Ok(from_json_array(string_arg(&a[0])?))
    });
    reg(map, "mustFromJson", |_, a| {
        arity(a, 1)?;
        from_json_any(string_arg(&a[0])?).map_err(|e| FuncError::Call(e.message))
    });
    reg(map, "toToml", |_, a| {
        arity(a, 1)?;
        // Helm's toToml prints the error text itself when encoding fails.
        Ok(Value::from(to_toml(&a[0]).unwrap_or_else(|e| e.message)))
    });
    reg(map, "mustToToml", |_, a| {
        arity(a, 1)?;
        to_toml(&a[0])
            .map(Value::from)
            .map_err(|e| FuncError::Call(e.message))
    });
    reg(map, "fromToml", |_, a| {
        arity(a, 1)?;
        Ok(from_toml(string_arg(&a[0])?))
    });
}

#[cfg(test)]
mod tests;
