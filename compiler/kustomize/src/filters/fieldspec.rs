//! Field specs (`api/filters/fieldspec`): a group/version/kind and a `/`-separated path that
//! transformers use to find the fields they set. Sequences met on the way are traversed
//! element-wise (`name[]` says so explicitly); with `create`, missing maps on the way and the
//! final field are created.

use serde_json::{Map, Value};

use crate::kustfile::FieldSpec;
use crate::resid::{split_api_version, Gvk};

/// What to create at the end of the path when the field is missing (and `create` is set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateKind {
    /// Never create.
    None,
    /// An empty string (namespace, name).
    Scalar,
    /// An empty map (labels, annotations).
    Map,
}

/// kustomize's `utils.PathSplitter`: splits at `/`, where `\/` is a literal slash.
pub fn split_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'/') {
            cur.push('/');
            chars.next();
        } else if c == '/' {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
}

/// A field spec with its path split, ready to apply.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Group, version and kind the spec applies to (empty fields match anything).
    pub gvk: Gvk,
    /// The path elements.
    pub path: Vec<String>,
    /// Create missing fields.
    pub create: bool,
    /// The path as written, for messages.
    pub raw: String,
}

impl Spec {
    /// Splits a field spec's path.
    pub fn new(fs: &FieldSpec) -> Spec {
        Spec {
            gvk: fs.gvk.clone(),
            path: split_path(&fs.path),
            create: fs.create,
            raw: fs.path.clone(),
        }
    }
}

/// Compiles a list of field specs.
pub fn compile(list: &[FieldSpec]) -> Vec<Spec> {
    list.iter().map(Spec::new).collect()
}

/// Whether a group/version/kind selects an object (empty fields match anything).
pub fn matches_gvk(gvk: &Gvk, obj: &Value) -> bool {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    if !gvk.kind.is_empty() && gvk.kind != kind {
        return false;
    }
    let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let (group, version) = split_api_version(api);
    (gvk.group.is_empty() || gvk.group == group)
        && (gvk.version.is_empty() || gvk.version == version)
}

/// Whether a group/version/kind selector selects a type.
pub fn selects(sel: &Gvk, group: &str, version: &str, kind: &str) -> bool {
    (sel.kind.is_empty() || sel.kind == kind)
        && (sel.group.is_empty() || sel.group == group)
        && (sel.version.is_empty() || sel.version == version)
}

/// Applies every spec of a list that selects the object's type.
pub fn apply_all(
    obj: &mut Value,
    specs: &[Spec],
    create_kind: CreateKind,
    set: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let api = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let (group, version) = split_api_version(&api);
    for fs in specs {
        if selects(&fs.gvk, group, version, &kind) {
            apply_unchecked(obj, fs, create_kind, set)?;
        }
    }
    Ok(())
}

/// Calls `set` on every node the field spec reaches in `obj` (if its type matches).
pub fn apply(
    obj: &mut Value,
    fs: &Spec,
    create_kind: CreateKind,
    set: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    if !matches_gvk(&fs.gvk, obj) {
        return Ok(());
    }
    apply_unchecked(obj, fs, create_kind, set)
}

fn apply_unchecked(
    obj: &mut Value,
    fs: &Spec,
    create_kind: CreateKind,
    set: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let create = if fs.create {
        create_kind
    } else {
        CreateKind::None
    };
    walk(obj, &fs.path, create, set).map_err(|e| format!("considering field '{}': {e}", fs.raw))
}

fn walk(
    node: &mut Value,
    path: &[String],
    create: CreateKind,
    set: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    if path.is_empty() {
        return set(node);
    }
    match node {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for item in items.iter_mut() {
                walk(item, path, create, set)?;
            }
            Ok(())
        }
        Value::Object(map) => walk_map(map, path, create, set),
        _ => Err("expected sequence or mapping node".into()),
    }
}

fn walk_map(
    map: &mut Map<String, Value>,
    path: &[String],
    create: CreateKind,
    set: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let (name, is_seq) = match path[0].strip_suffix("[]") {
        Some(n) => (n, true),
        None => (path[0].as_str(), false),
    };
    if name.is_empty() {
        return Err("cannot set or create an empty field name".into());
    }
    let last = path.len() <= 1;
    // The kind the field gets when it is created, or when it exists but is null.
    let kind = if create == CreateKind::None || is_seq {
        None
    } else if last {
        Some(create)
    } else {
        Some(CreateKind::Map)
    };
    let field = match (map.contains_key(name), kind) {
        (true, _) => map.get_mut(name),
        (false, Some(k)) => {
            map.insert(name.to_string(), empty(k));
            map.get_mut(name)
        }
        (false, None) => None,
    };
    let Some(field) = field else { return Ok(()) };
    if field.is_null() {
        // kyaml turns a null it walks through into the kind it expects (an explicit `[]`
        // path element expects a sequence).
        if is_seq {
            *field = Value::Array(Vec::new());
        } else if let Some(k) = kind {
            *field = empty(k);
        }
    }
    walk(field, &path[1..], create, set)
}

fn empty(kind: CreateKind) -> Value {
    match kind {
        CreateKind::Map => Value::Object(Map::new()),
        CreateKind::Scalar | CreateKind::None => Value::String(String::new()),
    }
}

/// A setter that puts string entries into a map node (labels, annotations).
pub fn set_entries<'a>(
    entries: &'a [(String, String)],
) -> impl FnMut(&mut Value) -> Result<(), String> + 'a {
    move |node: &mut Value| {
        if node.is_null() {
            *node = Value::Object(Map::new());
        }
        let Some(map) = node.as_object_mut() else {
            return Err(format!(
                "wrong node kind: expected a map but got {}",
                crate::value::type_name(node)
            ));
        };
        for (k, v) in entries {
            map.insert(k.clone(), Value::String(v.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(kind: &str, path: &str, create: bool) -> Spec {
        Spec::new(&FieldSpec {
            gvk: crate::resid::Gvk {
                kind: kind.into(),
                ..Default::default()
            },
            path: path.into(),
            create,
        })
    }

    #[test]
    fn paths_split_with_escaped_slashes() {
        assert_eq!(
            split_path("metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"),
            [
                "metadata",
                "annotations",
                "nginx.ingress.kubernetes.io/auth-secret"
            ]
        );
    }

    #[test]
    fn creates_maps_on_the_way_and_traverses_sequences() {
        let mut obj = json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}}});
        let entries = vec![("x".to_string(), "1".to_string())];
        apply(
            &mut obj,
            &spec("Deployment", "spec/selector/matchLabels", true),
            CreateKind::Map,
            &mut set_entries(&entries),
        )
        .unwrap();
        assert_eq!(obj["spec"]["selector"]["matchLabels"], json!({"x": "1"}));
        let mut n = 0;
        apply(
            &mut obj,
            &spec("", "spec/template/spec/containers/name", false),
            CreateKind::None,
            &mut |_| {
                n += 1;
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn missing_fields_are_skipped_without_create_and_kinds_must_match() {
        let mut obj = json!({"kind": "Service", "spec": {}});
        let entries = vec![("x".to_string(), "1".to_string())];
        apply(
            &mut obj,
            &spec("Service", "spec/selector", false),
            CreateKind::Map,
            &mut set_entries(&entries),
        )
        .unwrap();
        assert_eq!(obj, json!({"kind": "Service", "spec": {}}));
        apply(
            &mut obj,
            &spec("Deployment", "spec/selector", true),
            CreateKind::Map,
            &mut set_entries(&entries),
        )
        .unwrap();
        assert_eq!(obj, json!({"kind": "Service", "spec": {}}));
    }

    #[test]
    fn scalars_in_the_middle_of_a_path_are_errors() {
        let mut obj = json!({"kind": "X", "spec": "oops"});
        let r = apply(
            &mut obj,
            &spec("", "spec/selector", true),
            CreateKind::Map,
            &mut |_| Ok(()),
        );
        assert!(r.is_err());
    }
}
