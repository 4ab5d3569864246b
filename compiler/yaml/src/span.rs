//! Source positions of parsed nodes.

use std::collections::HashMap;

/// A position in a source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line, 1-based.
    pub line: u32,
    /// Column, 1-based, counted in characters (what editors show).
    pub col: u32,
    /// Byte offset into the source text.
    pub offset: usize,
}

/// A half-open range of source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First character of the range.
    pub start: Pos,
    /// One past the last character of the range.
    pub end: Pos,
}

impl Span {
    /// The byte range of the span, for slicing the source or pointing at it in a diagnostic.
    pub fn bytes(&self) -> std::ops::Range<usize> {
        self.start.offset..self.end.offset.max(self.start.offset)
    }
}

/// Where one node was written: the span of its key (for map entries) and of its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSpans {
    /// The span of the key, when the node is the value of a map entry.
    pub key: Option<Span>,
    /// The span of the value itself.
    pub value: Span,
}

/// Positions of every node of one document, keyed by JSON pointer (RFC 6901).
///
/// The root is the empty pointer `""`; `/spec/services/0` is the first element of the
/// `services` list inside `spec`.
#[derive(Clone, Debug, Default)]
pub struct Spans {
    map: HashMap<String, NodeSpans>,
}

impl Spans {
    pub(crate) fn insert(&mut self, pointer: String, spans: NodeSpans) {
        self.map.insert(pointer, spans);
    }

    /// The spans of the node at exactly this pointer.
    pub fn get(&self, pointer: &str) -> Option<&NodeSpans> {
        self.map.get(pointer)
    }

    /// The spans of the node at this pointer, or of its nearest ancestor that was written in
    /// the source (a value that a later stage added has no span of its own).
    pub fn nearest(&self, pointer: &str) -> Option<(&str, &NodeSpans)> {
        let mut p = pointer;
        loop {
            if let Some((k, v)) = self.map.get_key_value(p) {
                return Some((k.as_str(), v));
            }
            if p.is_empty() {
                return None;
            }
            p = match p.rfind('/') {
                Some(i) => &p[..i],
                None => "",
            };
        }
    }

    /// Every recorded pointer and its spans, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &NodeSpans)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether no node was recorded (the document was parsed without spans).
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Escapes one reference token of a JSON pointer (`~` → `~0`, `/` → `~1`).
pub fn pointer_escape(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        std::borrow::Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        std::borrow::Cow::Borrowed(token)
    }
}

/// Unescapes one reference token of a JSON pointer (`~1` → `/`, then `~0` → `~`).
pub fn pointer_unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Appends one escaped reference token to a JSON pointer.
pub fn pointer_push(pointer: &str, token: &str) -> String {
    let token = pointer_escape(token);
    let mut s = String::with_capacity(pointer.len() + 1 + token.len());
    s.push_str(pointer);
    s.push('/');
    s.push_str(&token);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_walks_up_to_an_ancestor() {
        let mut spans = Spans::default();
        let at = |line| NodeSpans {
            key: None,
            value: Span {
                start: Pos {
                    line,
                    col: 1,
                    offset: 0,
                },
                end: Pos::default(),
            },
        };
        spans.insert(String::new(), at(1));
        spans.insert("/spec".into(), at(2));
        assert_eq!(spans.nearest("/spec/a/b").map(|(p, _)| p), Some("/spec"));
        assert_eq!(spans.nearest("/other").map(|(p, _)| p), Some(""));
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(
            pointer_push("/metadata/labels", "app.kubernetes.io/name"),
            "/metadata/labels/app.kubernetes.io~1name"
        );
        assert_eq!(pointer_escape("a~b"), "a~0b");
        // `~01` is `~1` escaped: unescaping `~1` first keeps it from turning into `/`.
        for token in ["app.kubernetes.io/name", "a~b", "~1", "~0/~"] {
            assert_eq!(pointer_unescape(&pointer_escape(token)), token);
        }
    }
}
