//! The values a template computes with, typed as Go's dynamic types are.
//!
//! Go templates are dynamically typed over Go's own types, and that typing is visible in the
//! output: a number read from YAML values is a `float64` (`{{ .Values.n }}` prints `1e+06` for
//! 1000000), a template literal is an `int`, Sprig's arithmetic gives `int64`, and `eq` refuses to
//! compare an `int` with a `float64`. [`Value`] keeps exactly those distinctions.
//!
//! Maps are shared and mutable, as Go maps are: Sprig's `set` on `.Values` is seen by every later
//! reader (openstack-helm relies on that). Lists are immutable once built (no Sprig or template
//! function mutates a slice in place), so they are shared without a cell.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// A key of a [`Map`]: a string kept inline when it is short (nearly every key is), so copying
/// a map does not allocate per key and looking one up reads no second block. Ordered as `str`.
pub type Key = compact_str::CompactString;

/// The entries of a [`Map`].
pub type Entries = BTreeMap<Key, Value>;

/// A Go map with string keys (`map[string]interface{}`), shared by reference like a Go map.
/// Keys are kept sorted: every place Go observes map order (range, fmt, JSON, YAML) sorts them.
pub type Map = Rc<RefCell<Entries>>;

/// A Go value as a template sees it.
#[derive(Clone, Default)]
pub enum Value {
    /// Go's untyped `nil` (an absent interface value).
    #[default]
    Nil,
    /// `bool`.
    Bool(bool),
    /// `int`: template literals, `len`, and the functions Go declares as returning `int`.
    Int(i64),
    /// `int64`: Sprig's arithmetic (`add`, `mul`, `int64`, …).
    Int64(i64),
    /// `float64`: every number that came from YAML or JSON, and float literals.
    Float(f64),
    /// `string`.
    String(Rc<str>),
    /// A slice (`[]interface{}`; Strata does not distinguish `[]string`).
    List(Rc<Vec<Value>>),
    /// `map[string]interface{}`.
    Map(Map),
    /// A Go struct or pointer with fields and methods (`.Chart`, `.Files`, `.Capabilities`).
    Object(Rc<dyn Object>),
}

/// A Go struct value exposed to templates: fields, methods, and how `fmt` prints it.
pub trait Object {
    /// Go's type name as `typeOf` and error messages print it (e.g. `*chart.Metadata`).
    fn type_name(&self) -> String;
    /// Go's kind as `kindOf` prints it (`struct` or `ptr`).
    fn kind(&self) -> &'static str {
        "ptr"
    }
    /// An exported field, or a method without arguments; `None` when there is none.
    fn field(&self, name: &str) -> Option<Value>;
    /// Calls method `name` with `args`; `None` when the type has no such method.
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, crate::FuncError>> {
        let _ = (name, args);
        None
    }
    /// What `fmt`'s `%v` prints for it.
    fn format(&self) -> String;
    /// For a Go map type with methods (Helm's `Files`): its entries, keys sorted, which
    /// `range`, `len` and `index` see. `None` (the default) for structs.
    fn entries(&self) -> Option<Vec<(String, Value)>> {
        None
    }
}

thread_local! {
    /// The nil slice of this thread (see [`Value::nil_list`]); values never cross threads.
    static NIL_LIST: Rc<Vec<Value>> = Rc::new(Vec::new());
}

impl Value {
    /// A string value.
    pub fn str(s: impl AsRef<str>) -> Value {
        Value::String(Rc::from(s.as_ref()))
    }

    /// A list value.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items))
    }

    /// Go's nil slice (`[]interface{}(nil)`): what Sprig's `rest` and `initial` of an empty
    /// list, `concat` of nothing and `regexFindAll` without a match return. It reads as an
    /// empty list everywhere except where Go tells the two apart: JSON (`null`, and so
    /// `toYaml`), `%#v` and `deepEqual`. It is one shared list per thread, recognised by
    /// identity, so it survives copies (variables, arguments) as Go's nil slice does and every
    /// function that builds a list from it builds an ordinary one.
    pub fn nil_list() -> Value {
        NIL_LIST.with(|l| Value::List(l.clone()))
    }

    /// Whether `items` is the [`Value::nil_list`] sentinel.
    pub fn is_nil_list(items: &Rc<Vec<Value>>) -> bool {
        NIL_LIST.with(|l| Rc::ptr_eq(l, items))
    }

    /// `items` as a Go slice built by appending: nil when nothing was appended.
    pub fn appended(items: Vec<Value>) -> Value {
        if items.is_empty() {
            Value::nil_list()
        } else {
            Value::list(items)
        }
    }

    /// A new map value holding `entries`.
    pub fn map(entries: Entries) -> Value {
        Value::Map(Rc::new(RefCell::new(entries)))
    }

    /// A new, empty map value.
    pub fn empty_map() -> Value {
        Value::map(BTreeMap::new())
    }

    /// Go's `reflect.Kind` name, as Sprig's `kindOf` prints it.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(o) => o.kind(),
        }
    }

    /// Go's type name, as Sprig's `typeOf` (`%T`) prints it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".to_string(),
            Value::List(_) => "[]interface {}".to_string(),
            Value::Map(_) => "map[string]interface {}".to_string(),
            Value::Object(o) => o.type_name(),
            other => other.kind().to_string(),
        }
    }

    /// Go template truth: false, 0, nil, and empty strings, lists and maps are false.
    pub fn truth(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            Value::Object(_) => true,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Rc::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("Nil"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Int64(i) => write!(f, "Int64({i})"),
            Value::Float(x) => write!(f, "Float({x:?})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::List(l) => f.debug_list().entries(l.iter()).finish(),
            Value::Map(m) => f.debug_map().entries(m.borrow().iter()).finish(),
            Value::Object(o) => write!(f, "Object({})", o.type_name()),
        }
    }
}
