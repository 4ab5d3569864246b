//! Strategic-merge metadata from the Kubernetes OpenAPI schema (the table
//! `data/patch-strategies.json`, extracted by `scripts/gen-patch-strategies.py` from the
//! Kubernetes 1.21 definitions, the version kustomize embeds; compiled into static data by
//! `build.rs`).

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
        keys: &'static [&'static str],
        /// Item schema.
        items: &'static Field,
    },
}

/// A definition holding merge lists: its fields (sorted by name) and the schema of extra keys.
#[derive(Debug)]
pub struct TypeDef {
    props: &'static [(&'static str, Field)],
    additional: Option<Field>,
}

include!(concat!(env!("OUT_DIR"), "/patch_strategies.rs"));

static OPAQUE: Field = Field::Opaque;

/// The schema of a resource type, if Kubernetes 1.21 defines it.
pub fn resource(api_version: &str, kind: &str) -> Option<&'static Field> {
    let cmp = |key: &str| -> std::cmp::Ordering {
        // Compare `key` with `api_version/kind` without building the string.
        let (a, b) = key.split_at(key.rfind('/').unwrap_or(0));
        a.cmp(api_version)
            .then_with(|| b.get(1..).unwrap_or("").cmp(kind))
    };
    KINDS
        .binary_search_by(|(k, _)| cmp(k))
        .ok()
        .map(|i| &KINDS[i].1)
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
                let def = TYPES.get(*i)?;
                match def.props.binary_search_by(|(k, _)| (*k).cmp(key)) {
                    Ok(j) => Some(&def.props[j].1),
                    Err(_) => def.additional.as_ref(),
                }
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
    pub fn merge_keys(&self) -> Option<&'static [&'static str]> {
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
        assert!(resource("rbac.authorization.k8s.io/v1", "ClusterRole").is_some());
        assert!(resource("v1", "Nope").is_none());
        assert!(KINDS.len() > 200 && TYPES.len() > 100);
    }
}
