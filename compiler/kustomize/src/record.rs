//! Provenance of the overlay stage: which kustomization entry changed which field of which base
//! object, with the value before and after.
//!
//! Recording is optional and off for `strata kustomize` / [`crate::build_dir`]: the builder then
//! runs exactly as before. When on ([`crate::apply_overlays_recorded`]), every transformation
//! entry (one patch, one `images` entry, `namespace`, `labels`…) runs between a snapshot of the
//! base objects and a structural diff of them. Diffing around each entry, instead of having
//! every filter report its own writes, keeps the filters untouched (they stay byte-for-byte the
//! kustomize re-implementation they are) and records every effect of an entry, including the
//! ones a filter makes indirectly (a JSON patch `add` that replaces, a strategic merge that
//! deletes with `$patch: delete`). Only base objects (those with an origin) are snapshotted, so
//! the nested kustomizations of a site's own `resources:` cost nothing extra.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::kustfile::KustFile;
use crate::resmap::ResMap;

/// One field of one base object that an overlay entry set, replaced, added or removed.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    /// Index of the base object (as passed to `apply_overlays_recorded`).
    pub object: usize,
    /// JSON pointer of the field inside the object (`""`: the whole object was removed).
    pub pointer: String,
    /// The value before the entry ran (`None`: the entry added the field).
    pub before: Option<Value>,
    /// The value after (`None`: the entry removed the field).
    pub after: Option<Value>,
    /// The entry that made the change.
    pub origin: ChangeOrigin,
}

/// A kustomization entry: the file, the line of the entry (or of the patch operation or key
/// inside an inline patch, when it can be found) and what kind of entry it is.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeOrigin {
    /// The kustomization file.
    pub file: PathBuf,
    /// Its text (shared, for diagnostics that quote the line).
    pub text: Arc<str>,
    /// The span pointed at: the operation or key line, else the entry.
    pub span: strata_yaml::Span,
    /// What the entry is, e.g. `patches[0] (JSON 6902: replace /spec/replicas)`, `images[8]`.
    pub entry: String,
}

/// Collects changes; shared by the builder's (possibly parallel) work.
///
/// It keeps one copy of every base object as last seen (`shadow`): after each entry, objects
/// equal to their copy are skipped (a comparison, no allocation), and only the changed ones
/// are diffed and copied again. So recording costs one copy of the base objects plus one
/// comparison per object and entry, whatever the number of entries.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    changes: Mutex<Vec<FieldChange>>,
    shadow: Mutex<HashMap<usize, Value>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Recorder {
    /// Everything recorded, in the order the entries ran.
    pub(crate) fn take(self) -> Vec<FieldChange> {
        self.changes.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    /// Copies the base objects before the first entry runs.
    pub(crate) fn prime(&self, acc: &ResMap) {
        let mut shadow = lock(&self.shadow);
        shadow.clear();
        for r in acc.resources() {
            if let Some(o) = r.origin {
                shadow.insert(o, r.obj.clone());
            }
        }
    }

    /// Compares the base objects after the entry at `ptr` of `k` with their copies, and
    /// records every difference as made by that entry. An accumulator without base objects (a
    /// nested kustomization's) has nothing to record.
    ///
    /// `scope`, when known, limits the comparison to objects the entry can change (a patch's
    /// target kind); `split`, for a list of entries run as one (`images`), names the entry a
    /// change came from by the value it changed: (its pointer, its description).
    pub(crate) fn record(
        &self,
        acc: &ResMap,
        k: &KustFile,
        ptr: &str,
        entry: &str,
        scope: &Scope<'_>,
    ) {
        if !acc.resources().iter().any(|r| r.origin.is_some()) {
            return;
        }
        let mut shadow = lock(&self.shadow);
        let mut found = Vec::new();
        let mut seen = 0;
        for r in acc.resources() {
            let Some(origin) = r.origin else { continue };
            seen += 1;
            if let Some(kind) = scope.kind {
                if r.obj.get("kind").and_then(Value::as_str) != Some(kind) {
                    continue;
                }
            }
            match shadow.get_mut(&origin) {
                Some(old) if *old == r.obj => {}
                Some(old) => {
                    let mut diffs = Vec::new();
                    diff(&mut String::new(), old, &r.obj, &mut diffs);
                    found.extend(diffs.into_iter().map(|(p, b, a)| (origin, p, b, a)));
                    *old = r.obj.clone();
                }
                None => {
                    shadow.insert(origin, r.obj.clone());
                }
            }
        }
        if seen < shadow.len() {
            let present: std::collections::HashSet<usize> =
                acc.resources().iter().filter_map(|r| r.origin).collect();
            let mut gone: Vec<usize> = shadow
                .keys()
                .copied()
                .filter(|o| !present.contains(o))
                .collect();
            gone.sort_unstable();
            for o in gone {
                if let Some(old) = shadow.remove(&o) {
                    found.push((o, String::new(), Some(old), None));
                }
            }
        }
        drop(shadow);
        if found.is_empty() {
            return;
        }
        let locator = Locator::new(k, ptr);
        let changes: Vec<FieldChange> = found
            .into_iter()
            .map(|(object, pointer, before, after)| {
                let split = scope.split.and_then(|f| f(before.as_ref()));
                let (span, detail) = match &split {
                    Some((p, _)) => (Locator::new(k, p).entry, None),
                    None => locator.locate(&pointer),
                };
                let entry = match (detail, split) {
                    (_, Some((_, e))) => e,
                    (Some(d), None) => format!("{entry} ({d})"),
                    (None, None) => entry.to_string(),
                };
                FieldChange {
                    object,
                    pointer,
                    before,
                    after,
                    origin: ChangeOrigin {
                        file: k.path.clone(),
                        text: k.text.clone(),
                        span,
                        entry,
                    },
                }
            })
            .collect();
        lock(&self.changes).extend(changes);
    }
}

/// What an entry can touch, and how to name the entry of a change when several run as one.
#[derive(Default)]
pub(crate) struct Scope<'a> {
    /// Only objects of this kind can change.
    pub kind: Option<&'a str>,
    /// Names the entry (pointer, description) a change came from, by the value before.
    #[allow(clippy::type_complexity)]
    pub split: Option<&'a dyn Fn(Option<&Value>) -> Option<(String, String)>>,
}

type Diff = (String, Option<Value>, Option<Value>);

/// The differences between two values as (pointer, before, after), at the deepest node that
/// differs: map keys one by one, lists element by element when only appended to or of equal
/// length, otherwise the whole value.
fn diff(ptr: &mut String, old: &Value, new: &Value, out: &mut Vec<Diff>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&strata_yaml::pointer_escape(k));
                match b.get(k) {
                    Some(vb) if vb == va => {}
                    Some(vb) => diff(ptr, va, vb, out),
                    None => out.push((ptr.clone(), Some(va.clone()), None)),
                }
                ptr.truncate(len);
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    let p = format!("{ptr}/{}", strata_yaml::pointer_escape(k));
                    out.push((p, None, Some(vb.clone())));
                }
            }
        }
        (Value::Array(a), Value::Array(b))
            if a.len() == b.len() || (b.len() > a.len() && b[..a.len()] == a[..]) =>
        {
            for (i, vb) in b.iter().enumerate() {
                let p = format!("{ptr}/{i}");
                match a.get(i) {
                    Some(va) if va == vb => {}
                    Some(va) => {
                        let mut p = p;
                        diff(&mut p, va, vb, out);
                    }
                    None => out.push((p, None, Some(vb.clone()))),
                }
            }
        }
        _ => out.push((ptr.clone(), Some(old.clone()), Some(new.clone()))),
    }
}

/// Finds the line inside an entry that made a change: the `path:` of a JSON 6902 operation, or
/// the key of a strategic merge patch, when the entry's text has one that fits.
struct Locator<'k> {
    /// The entry's span (its key line when the value starts on a later line).
    entry: strata_yaml::Span,
    /// The lines of the entry: (line number, byte offset of the line, text).
    lines: Vec<(u32, usize, &'k str)>,
}

impl<'k> Locator<'k> {
    fn new(k: &'k KustFile, ptr: &str) -> Self {
        let node = k.spans().nearest(ptr).map(|(_, s)| *s);
        let entry = node
            .map(|s| match s.key {
                Some(key) if key.start.line < s.value.start.line => key,
                _ => s.value,
            })
            .unwrap_or_default();
        let mut lines = Vec::new();
        if let Some(s) = node {
            let (first, last) = (s.value.start.line, s.value.end.line.max(s.value.start.line));
            let mut offset = 0;
            for (i, text) in k.text.split_inclusive('\n').enumerate() {
                let n = i as u32 + 1;
                if n > last {
                    break;
                }
                if n >= first {
                    lines.push((n, offset, text.trim_end_matches(['\n', '\r'])));
                }
                offset += text.len();
            }
        }
        // One line: the entry's first (a map entry spans its whole body otherwise).
        let entry = match k.text.get(entry.start.offset..) {
            Some(rest) if entry.end.line > entry.start.line => {
                let len = rest.find(['\n', '\r']).unwrap_or(rest.len());
                strata_yaml::Span {
                    start: entry.start,
                    end: strata_yaml::Pos {
                        line: entry.start.line,
                        col: entry.start.col + rest[..len].chars().count() as u32,
                        offset: entry.start.offset + len,
                    },
                }
            }
            _ => entry,
        };
        Locator { entry, lines }
    }

    /// The span to point at for a change at `pointer`, and a detail for the entry text.
    fn locate(&self, pointer: &str) -> (strata_yaml::Span, Option<String>) {
        // JSON 6902: the operation whose path is the longest prefix of the change.
        let mut best: Option<(usize, u32, usize, &str, String)> = None;
        for (n, off, text) in &self.lines {
            let Some(path) = field_in(text, "path") else {
                continue;
            };
            if !path.starts_with('/') {
                continue;
            }
            // An append (`/-`) lands on an index.
            let base = path.strip_suffix("/-").unwrap_or(path);
            let fits = pointer == base
                || pointer.starts_with(base) && pointer.as_bytes().get(base.len()) == Some(&b'/');
            if fits && best.as_ref().is_none_or(|b| base.len() > b.0) {
                best = Some((base.len(), *n, *off, text, path.to_string()));
            }
        }
        if let Some((_, n, off, text, path)) = best {
            // The operation's `op:` is on the line before or after `path:`, by convention.
            // The same line (flow style) first, then the nearest lines, the one above first.
            let op = [0i64, -1, 1, -2, 2].iter().find_map(|d| {
                self.lines
                    .iter()
                    .find(|(m, _, _)| i64::from(*m) == i64::from(n) + d)
                    .and_then(|(_, _, t)| field_in(t, "op").map(str::to_string))
            });
            let detail = match op {
                Some(op) => format!("JSON 6902 {op} {path}"),
                None => format!("JSON 6902 {path}"),
            };
            return (line_span(n, off, text), Some(detail));
        }
        // Strategic merge: the last key of the change, written inside the entry.
        if let Some(key) = pointer
            .rsplit('/')
            .map(strata_yaml::pointer_unescape)
            .find(|s| !s.is_empty() && s.parse::<usize>().is_err())
        {
            let written = [
                format!("{key}:"),
                format!("\"{key}\":"),
                format!("'{key}':"),
            ];
            for (n, off, text) in self.lines.iter().skip(1) {
                let t = text.trim_start().trim_start_matches("- ").trim_start();
                if written.iter().any(|w| t.starts_with(w.as_str())) {
                    return (line_span(*n, *off, text), None);
                }
            }
        }
        (self.entry, None)
    }
}

/// The value of `name: value` in a line of YAML, block (`- op: add`) or flow
/// (`- {op: add, path: /a}`) style, unquoted.
fn field_in<'t>(line: &'t str, name: &str) -> Option<&'t str> {
    let key = format!("{name}:");
    let mut from = 0;
    while let Some(i) = line[from..].find(&key) {
        let at = from + i;
        let before = line[..at].trim_end().chars().last();
        if matches!(before, None | Some('-' | '{' | ',')) {
            let rest = &line[at + key.len()..];
            let end = rest.find([',', '}']).unwrap_or(rest.len());
            let v = rest[..end].trim().trim_matches(|c| c == '"' || c == '\'');
            return (!v.is_empty()).then_some(v);
        }
        from = at + key.len();
    }
    None
}

/// The span of a line's text, from its first non-blank character.
fn line_span(line: u32, offset: usize, text: &str) -> strata_yaml::Span {
    let indent = text.len() - text.trim_start().len();
    let start = strata_yaml::Pos {
        line,
        col: indent as u32 + 1,
        offset: offset + indent,
    };
    let end = strata_yaml::Pos {
        line,
        col: text.chars().count() as u32 + 1,
        offset: offset + text.len(),
    };
    strata_yaml::Span { start, end }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diffs_at_the_deepest_node() {
        let mut out = Vec::new();
        diff(
            &mut String::new(),
            &json!({"spec": {"replicas": 1, "x": [1, 2], "gone": true}}),
            &json!({"spec": {"replicas": 3, "x": [1, 2, 3], "new": "a"}}),
            &mut out,
        );
        assert_eq!(
            out,
            vec![
                ("/spec/replicas".into(), Some(json!(1)), Some(json!(3))),
                ("/spec/x/2".into(), None, Some(json!(3))),
                ("/spec/gone".into(), Some(json!(true)), None),
                ("/spec/new".into(), None, Some(json!("a"))),
            ]
        );
    }

    #[test]
    fn fields_in_block_and_flow_lines() {
        assert_eq!(field_in("    - op: replace", "op"), Some("replace"));
        assert_eq!(
            field_in("      path: /spec/replicas", "path"),
            Some("/spec/replicas")
        );
        assert_eq!(
            field_in("- {op: add, path: \"/a/b\", value: 1}", "path"),
            Some("/a/b")
        );
        assert_eq!(field_in("  subpath: /x", "path"), None);
    }

    #[test]
    fn a_shortened_list_is_one_change() {
        let mut out = Vec::new();
        diff(
            &mut String::new(),
            &json!({"a": [1, 2]}),
            &json!({"a": [2]}),
            &mut out,
        );
        assert_eq!(
            out,
            vec![("/a".into(), Some(json!([1, 2])), Some(json!([2])))]
        );
    }
}
