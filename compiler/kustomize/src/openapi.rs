//! Strategic-merge metadata from the Kubernetes OpenAPI schema (the table
//! `data/patch-strategies.json`, extracted by `scripts/gen-patch-strategies.py` from the
//! Kubernetes 1.21 definitions, the version kustomize embeds).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

/// What the schema says about a field.
#[derive(Debug)]
pub enum Field {
    /// A known field whose subtree has no merge list: maps merge, lists are replaced.
    Opaque,
    /// A field of a definition that holds merge lists (an index into the table).
    Type(usize),
    /// An associative list (`x-kubernetes-patch-strategy: merge`) with its merge keys (none:
    /// a set of scalars) and the schema of its items.
    MergeList {
        /// Merge keys.
        keys: Vec<String>,
        /// Item schema.
        items: Box<Field>,
    },
}

struct TypeDef {
    props: HashMap<String, Field>,
    additional: Option<Field>,
}

struct Table {
    kinds: HashMap<String, Field>,
    types: Vec<TypeDef>,
}

static OPAQUE: Field = Field::Opaque;

fn parse_field(v: &Value, names: &HashMap<&str, usize>) -> Field {
    match v {
        Value::String(s) => names
            .get(s.as_str())
            .map_or(Field::Opaque, |i| Field::Type(*i)),
        Value::Object(m) => Field::MergeList {
            keys: m
                .get("keys")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|k| k.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            items: Box::new(
                m.get("items")
                    .map_or(Field::Opaque, |i| parse_field(i, names)),
            ),
        },
        _ => Field::Opaque,
    }
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The table is embedded at compile time and checked by a unit test; should it ever
        // fail to parse, every type is treated as unknown (lists replaced).
        let raw: Value = serde_json::from_str(include_str!("../data/patch-strategies.json"))
            .unwrap_or(Value::Null);
        let empty = serde_json::Map::new();
        let defs = raw
            .get("types")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let names: HashMap<&str, usize> = defs
            .keys()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        let field_map = |v: Option<&Value>| -> HashMap<String, Field> {
            v.and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, f)| (k.clone(), parse_field(f, &names)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let types = defs
            .values()
            .map(|def| TypeDef {
                props: field_map(def.get("props")),
                additional: def.get("additional").map(|a| parse_field(a, &names)),
            })
            .collect();
        let kinds = field_map(raw.get("kinds"));
        Table { kinds, types }
    })
}

/// The schema of a resource type, if Kubernetes 1.21 defines it.
pub fn resource(api_version: &str, kind: &str) -> Option<&'static Field> {
    let mut key = String::with_capacity(api_version.len() + kind.len() + 1);
    key.push_str(api_version);
    key.push('/');
    key.push_str(kind);
    table().kinds.get(&key)
}

/// Whether the schema subtree can hold an associative list (else a merge with nothing
/// cannot change it).
pub fn may_hold_merge_lists(f: Option<&Field>) -> bool {
    !matches!(f, Some(Field::Opaque))
}

impl Field {
    /// The schema of a map field (`None`: not in the schema).
    pub fn field(&self, key: &str) -> Option<&Field> {
        match self {
            Field::Opaque => Some(&OPAQUE),
            Field::Type(i) => {
                let def = table().types.get(*i)?;
                def.props.get(key).or(def.additional.as_ref())
            }
            Field::MergeList { .. } => None,
        }
    }

    /// The schema of list items.
    pub fn elements(&self) -> Option<&Field> {
        match self {
            Field::Opaque => Some(&OPAQUE),
            Field::Type(_) => None,
            Field::MergeList { items, .. } => Some(items),
        }
    }

    /// The merge keys, if this is an associative list.
    pub fn merge_keys(&self) -> Option<&[String]> {
        match self {
            Field::MergeList { keys, .. } => Some(keys),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_has_the_well_known_merge_keys() {
        let dep = resource("apps/v1", "Deployment").unwrap();
        let pod = dep
            .field("spec")
            .unwrap()
            .field("template")
            .unwrap()
            .field("spec")
            .unwrap();
        assert_eq!(
            pod.field("containers").unwrap().merge_keys().unwrap(),
            ["name"]
        );
        let c = pod.field("containers").unwrap().elements().unwrap();
        assert_eq!(
            c.field("ports").unwrap().merge_keys().unwrap(),
            ["containerPort", "protocol"]
        );
        assert!(c.field("args").unwrap().merge_keys().is_none());
        assert!(c.field("noSuchField").is_none());
        let svc = resource("v1", "Service").unwrap();
        assert_eq!(
            svc.field("spec")
                .unwrap()
                .field("ports")
                .unwrap()
                .merge_keys()
                .unwrap(),
            ["port", "protocol"]
        );
        let meta = svc.field("metadata").unwrap();
        assert!(meta
            .field("finalizers")
            .unwrap()
            .merge_keys()
            .unwrap()
            .is_empty());
        assert!(resource("example.com/v1", "Widget").is_none());
        assert!(matches!(resource("v1", "ConfigMap"), Some(Field::Type(_))));
    }
}
