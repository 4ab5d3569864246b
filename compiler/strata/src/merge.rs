//! The one merge rule (`book/src/design/inputs.md`), with provenance.
//!
//! Maps merge key by key, scalars and lists replace, an explicit `null` deletes the key.
//! Every merged node remembers the file and position that set it ([`Origin`]), so that an
//! error about a merged value — or `strata explain` — points at the line a person wrote.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use strata_yaml::{pointer_push, Span, Spans};

use crate::diag::Source;

/// Where a merged value was written.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The file.
    pub source: Source,
    /// The value's position.
    pub span: Span,
    /// The key's position, when the value is a map entry.
    pub key: Option<Span>,
}

/// A part of a parsed document: its value at `pointer`, with the document's spans.
#[derive(Clone, Copy)]
pub struct Layered<'a> {
    /// The value at `pointer` in the document.
    pub value: &'a Value,
    /// The pointer of `value` inside its document.
    pub pointer: &'a str,
    /// The document's spans.
    pub spans: &'a Spans,
    /// The document's file.
    pub source: &'a Source,
}

/// A value merged from several documents, with the origin of every node.
#[derive(Clone, Debug, Default)]
pub struct Tracked {
    /// The merged value (never contains `null`).
    pub value: Value,
    /// Origin of each node, by JSON pointer relative to `value`.
    origins: BTreeMap<String, Origin>,
    /// The keys an explicit `null` deleted, and that no later document set again: the `null`'s
    /// origin, by pointer. A chart service passes them on to Helm as `null`s, which delete
    /// the chart's own defaults too (Helm's coalescing).
    deleted: BTreeMap<String, Origin>,
}

impl Tracked {
    /// An empty map.
    pub fn empty_map() -> Tracked {
        Tracked {
            value: Value::Object(Map::new()),
            origins: BTreeMap::new(),
            deleted: BTreeMap::new(),
        }
    }

    /// Merges `over` on top of this value.
    pub fn merge(&mut self, over: Layered<'_>) {
        let mut value = std::mem::take(&mut self.value);
        merge_value(
            &mut value,
            over.value,
            "",
            over.pointer,
            &over,
            &mut Books {
                origins: &mut self.origins,
                deleted: &mut self.deleted,
            },
        );
        self.value = value;
    }

    /// The pointers of the keys an explicit `null` deleted (and no later document set
    /// again), in order, with the `null`'s origin.
    pub fn deleted(&self) -> impl Iterator<Item = (&str, &Origin)> {
        self.deleted.iter().map(|(k, o)| (k.as_str(), o))
    }

    /// The origin of the node at `pointer`, or of its nearest ancestor with one.
    pub fn origin(&self, pointer: &str) -> Option<&Origin> {
        let mut p = pointer;
        loop {
            if let Some(o) = self.origins.get(p) {
                return Some(o);
            }
            if p.is_empty() {
                return None;
            }
            p = p.rfind('/').map_or("", |i| &p[..i]);
        }
    }

    /// The origin of exactly this node.
    pub fn origin_exact(&self, pointer: &str) -> Option<&Origin> {
        self.origins.get(pointer)
    }

    /// The sub-tree at `pointer`, with its origins re-rooted (an absent node gives `{}`).
    pub fn subtree(&self, pointer: &str) -> Tracked {
        let value = self
            .value
            .pointer(pointer)
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        let under = |m: &BTreeMap<String, Origin>| -> BTreeMap<String, Origin> {
            m.range(pointer.to_string()..)
                .take_while(|(k, _)| k.starts_with(pointer))
                .filter(|(k, _)| k.len() == pointer.len() || k.as_bytes()[pointer.len()] == b'/')
                .map(|(k, v)| (k[pointer.len()..].to_string(), v.clone()))
                .collect()
        };
        Tracked {
            value,
            origins: under(&self.origins),
            deleted: under(&self.deleted),
        }
    }
}

/// What a merge keeps besides the value: the origin of every node, and the deletions.
struct Books<'a> {
    origins: &'a mut BTreeMap<String, Origin>,
    deleted: &'a mut BTreeMap<String, Origin>,
}

fn origin_of(src_ptr: &str, over: &Layered<'_>) -> Option<Origin> {
    over.spans.get(src_ptr).map(|s| Origin {
        source: over.source.clone(),
        span: s.value,
        key: s.key,
    })
}

/// Records that the `null` at `src_ptr` deleted the key at `at` (and whatever was below it).
fn record_deletion(books: &mut Books<'_>, at: &str, src_ptr: &str, over: &Layered<'_>) {
    forget(books.deleted, at);
    if let Some(o) = origin_of(src_ptr, over) {
        books.deleted.insert(at.to_string(), o);
    }
}

/// Records the deletions of the `null`s inside `src` (a value copied in whole).
fn record_nested_deletions(
    books: &mut Books<'_>,
    src: &Value,
    at: &str,
    src_ptr: &str,
    over: &Layered<'_>,
) {
    if let Value::Object(m) = src {
        for (k, v) in m {
            let (child_at, child_src) = (pointer_push(at, k), pointer_push(src_ptr, k));
            if v.is_null() {
                record_deletion(books, &child_at, &child_src, over);
            } else {
                record_nested_deletions(books, v, &child_at, &child_src, over);
            }
        }
    }
}

fn record(origins: &mut BTreeMap<String, Origin>, at: &str, src_ptr: &str, over: &Layered<'_>) {
    if let Some(o) = origin_of(src_ptr, over) {
        origins.insert(at.to_string(), o);
    }
}

fn forget(origins: &mut BTreeMap<String, Origin>, at: &str) {
    let doomed: Vec<String> = origins
        .range(at.to_string()..)
        .take_while(|(k, _)| k.starts_with(at))
        .filter(|(k, _)| k.len() == at.len() || k.as_bytes()[at.len()] == b'/')
        .map(|(k, _)| k.clone())
        .collect();
    for k in doomed {
        origins.remove(&k);
    }
}

/// Sets `dst` to a copy of `src` (without nulls, each recorded as a deletion) and records the
/// origin of every node.
fn replace(
    dst: &mut Value,
    src: &Value,
    at: &str,
    src_ptr: &str,
    over: &Layered<'_>,
    books: &mut Books<'_>,
) {
    forget(books.origins, at);
    forget(books.deleted, at);
    *dst = strip_nulls(src);
    record_all(dst, at, src_ptr, over, books.origins);
    record_nested_deletions(books, src, at, src_ptr, over);
}

fn record_all(
    v: &Value,
    at: &str,
    src_ptr: &str,
    over: &Layered<'_>,
    origins: &mut BTreeMap<String, Origin>,
) {
    record(origins, at, src_ptr, over);
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                record_all(
                    child,
                    &pointer_push(at, k),
                    &pointer_push(src_ptr, k),
                    over,
                    origins,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let i = i.to_string();
                record_all(
                    child,
                    &pointer_push(at, &i),
                    &pointer_push(src_ptr, &i),
                    over,
                    origins,
                );
            }
        }
        _ => {}
    }
}

fn merge_value(
    dst: &mut Value,
    src: &Value,
    at: &str,
    src_ptr: &str,
    over: &Layered<'_>,
    books: &mut Books<'_>,
) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) => {
            // The map itself keeps its first origin, but the latest writer of any key is
            // recorded for that key.
            if !books.origins.contains_key(at) {
                record(books.origins, at, src_ptr, over);
            }
            for (k, sv) in s {
                let child_at = pointer_push(at, k);
                let child_src = pointer_push(src_ptr, k);
                if sv.is_null() {
                    d.shift_remove(k);
                    forget(books.origins, &child_at);
                    record_deletion(books, &child_at, &child_src, over);
                    continue;
                }
                books.deleted.remove(&child_at);
                match d.get_mut(k) {
                    Some(dv @ Value::Object(_)) if sv.is_object() => {
                        merge_value(dv, sv, &child_at, &child_src, over, books);
                        // The key was (re)written by this layer too.
                        record(books.origins, &child_at, &child_src, over);
                    }
                    Some(dv) => replace(dv, sv, &child_at, &child_src, over, books),
                    None => {
                        let mut nv = Value::Null;
                        replace(&mut nv, sv, &child_at, &child_src, over, books);
                        d.insert(k.clone(), nv);
                    }
                }
            }
        }
        (dst, src) => {
            if src.is_null() {
                return;
            }
            replace(dst, src, at, src_ptr, over, books);
        }
    }
}

/// A copy of `v` without map entries whose value is `null`.
pub fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use strata_yaml::{parse_one, ParseOptions};

    fn doc(path: &str, text: &str) -> (Source, strata_yaml::Document) {
        let d = parse_one(text, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        (Source::new(path, text), d)
    }

    /// The documents merged in order, each at its root.
    fn merged(docs: &[(Source, strata_yaml::Document)]) -> Tracked {
        let mut t = Tracked::empty_map();
        for (s, d) in docs {
            t.merge(Layered {
                value: &d.value,
                pointer: "",
                spans: &d.spans,
                source: s,
            });
        }
        t
    }

    #[test]
    fn maps_merge_scalars_and_lists_replace_null_deletes() {
        let t = merged(&[
            doc(
                "defaults.yaml",
                "api: {replicas: 1, port: 5000}\nlist: [a, b]\ndebug: true\n",
            ),
            doc(
                "layer.yaml",
                "api: {replicas: 3}\nlist: [c]\ndebug: null\nextra: {x: null, y: 1}\n",
            ),
        ]);
        assert_eq!(
            t.value,
            json!({"api": {"replicas": 3, "port": 5000}, "list": ["c"], "extra": {"y": 1}})
        );
        let o = t
            .origin("/api/replicas")
            .map(|o| (&*o.source.path, o.span.start.line));
        assert_eq!(o, Some(("layer.yaml", 1)));
        let o = t.origin("/api/port").map(|o| &*o.source.path);
        assert_eq!(o, Some("defaults.yaml"));
        assert!(t.origin_exact("/debug").is_none());
        let sub = t.subtree("/api");
        assert_eq!(
            sub.origin("/replicas").map(|o| &*o.source.path),
            Some("layer.yaml")
        );
    }

    #[test]
    fn deletions_are_kept_until_a_later_document_sets_the_key_again() {
        let t = merged(&[
            doc("a.yaml", "image: {tag: x}\nannotations: {a: 1}\n"),
            doc(
                "b.yaml",
                "image: {tag: null}\nannotations: null\nnew: {gone: null}\nkept: null\n",
            ),
            doc("c.yaml", "kept: 1\n"),
        ]);
        let deleted: Vec<(&str, &str, u32)> = t
            .deleted()
            .map(|(p, o)| (p, &*o.source.path, o.span.start.line))
            .collect();
        // `new.gone` deleted nothing below it here, but it would delete a chart default.
        assert_eq!(
            deleted,
            vec![
                ("/annotations", "b.yaml", 2),
                ("/image/tag", "b.yaml", 1),
                ("/new/gone", "b.yaml", 3),
            ]
        );
        assert_eq!(t.value, json!({"image": {}, "new": {}, "kept": 1}));
        let sub = t.subtree("/image");
        assert_eq!(sub.deleted().map(|(p, _)| p).collect::<Vec<_>>(), ["/tag"]);
    }
}
