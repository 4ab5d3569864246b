//! Patch targets (`api/types/selector.go`, `resWrangler.Select`): anchored regular expressions
//! for group, version, kind, name and namespace, and Kubernetes label/annotation selectors.

use std::borrow::Cow;

use regex::Regex;
use serde_json::Value;

use crate::kustfile::Selector;
use crate::resid::split_api_version;
use crate::resource::Resource;

/// One requirement of a label selector.
#[derive(Clone, Debug, PartialEq)]
enum Op {
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
    Gt(i64),
    Lt(i64),
}

/// A parsed Kubernetes label selector (`a=b,c in (x,y),!d`).
#[derive(Clone, Debug, Default)]
pub struct LabelSelector {
    reqs: Vec<(String, Op)>,
}

impl LabelSelector {
    /// Parses the selector syntax of `k8s.io/apimachinery/pkg/labels.Parse`.
    pub fn parse(s: &str) -> Result<LabelSelector, String> {
        let mut p = Parser {
            chars: s.chars().collect(),
            pos: 0,
            text: s,
        };
        let mut reqs = Vec::new();
        p.skip_ws();
        if p.at_end() {
            return Ok(LabelSelector { reqs });
        }
        loop {
            reqs.push(p.requirement()?);
            p.skip_ws();
            if p.at_end() {
                break;
            }
            p.expect(',')?;
        }
        Ok(LabelSelector { reqs })
    }

    /// Whether a label set satisfies every requirement.
    #[cfg(test)]
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        self.matches_with(|key| {
            labels
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| Cow::Borrowed(v.as_str()))
        })
    }

    /// Whether a `metadata.labels`-like map satisfies every requirement.
    pub fn matches_map(&self, map: Option<&Value>) -> bool {
        let map = map.and_then(Value::as_object);
        self.matches_with(|key| map.and_then(|m| m.get(key)).map(crate::value::text))
    }

    fn matches_with<'v>(&self, get: impl Fn(&str) -> Option<Cow<'v, str>>) -> bool {
        self.reqs.iter().all(|(key, op)| {
            let v = get(key);
            let v = v.as_deref();
            match op {
                Op::In(vals) => v.is_some_and(|v| vals.iter().any(|x| x == v)),
                Op::NotIn(vals) => v.is_none_or(|v| !vals.iter().any(|x| x == v)),
                Op::Exists => v.is_some(),
                Op::DoesNotExist => v.is_none(),
                Op::Gt(n) => v
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|x| x > *n),
                Op::Lt(n) => v
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|x| x < *n),
            }
        })
    }
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn err(&self, what: &str) -> String {
        format!(
            "unable to parse requirement: {what} in selector '{}'",
            self.text
        )
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected '{c}'")))
        }
    }

    /// A key or value token: anything but whitespace, separators and operators.
    fn word(&mut self) -> String {
        self.skip_ws();
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, ',' | '(' | ')' | '=' | '!' | '<' | '>') {
                break;
            }
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn values(&mut self) -> Result<Vec<String>, String> {
        self.expect('(')?;
        let mut out = Vec::new();
        loop {
            let w = self.word();
            self.skip_ws();
            match self.peek() {
                Some(',') => {
                    out.push(w);
                    self.pos += 1;
                }
                Some(')') => {
                    out.push(w);
                    self.pos += 1;
                    return Ok(out);
                }
                _ => return Err(self.err("expected ',' or ')' in a value list")),
            }
        }
    }

    fn requirement(&mut self) -> Result<(String, Op), String> {
        self.skip_ws();
        if self.peek() == Some('!') {
            self.pos += 1;
            let key = self.word();
            validate_key(&key).map_err(|e| self.err(&e))?;
            return Ok((key, Op::DoesNotExist));
        }
        let key = self.word();
        validate_key(&key).map_err(|e| self.err(&e))?;
        self.skip_ws();
        let rest: String = self.chars[self.pos..].iter().collect();
        let op = if rest.starts_with("==") {
            self.pos += 2;
            Op::In(vec![self.value()?])
        } else if rest.starts_with("!=") {
            self.pos += 2;
            Op::NotIn(vec![self.value()?])
        } else if rest.starts_with('=') {
            self.pos += 1;
            Op::In(vec![self.value()?])
        } else if rest.starts_with('>') || rest.starts_with('<') {
            let gt = rest.starts_with('>');
            self.pos += 1;
            let v = self.word();
            let n: i64 = v
                .parse()
                .map_err(|_| self.err(&format!("'{v}' is not an integer")))?;
            if gt {
                Op::Gt(n)
            } else {
                Op::Lt(n)
            }
        } else if rest.starts_with("notin") && !rest[5..].starts_with(|c: char| c.is_alphanumeric())
        {
            self.pos += 5;
            Op::NotIn(self.checked_values()?)
        } else if rest.starts_with("in") && !rest[2..].starts_with(|c: char| c.is_alphanumeric()) {
            self.pos += 2;
            Op::In(self.checked_values()?)
        } else if rest.is_empty() || rest.starts_with(',') {
            Op::Exists
        } else {
            return Err(self.err(&format!("unexpected '{rest}'")));
        };
        Ok((key, op))
    }

    fn value(&mut self) -> Result<String, String> {
        let v = self.word();
        validate_value(&v).map_err(|e| self.err(&e))?;
        Ok(v)
    }

    fn checked_values(&mut self) -> Result<Vec<String>, String> {
        let vals = self.values()?;
        for v in &vals {
            validate_value(v).map_err(|e| self.err(&e))?;
        }
        Ok(vals)
    }
}

fn name_ok(s: &str, max: usize) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= max
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name of up to 63 characters.
fn validate_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|l| {
                let b = l.as_bytes();
                !b.is_empty()
                    && b[0].is_ascii_alphanumeric()
                    && b[b.len() - 1].is_ascii_alphanumeric()
                    && b.iter()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            })
    });
    if prefix_ok && name_ok(name, 63) {
        Ok(())
    } else {
        Err(format!("invalid label key '{key}'"))
    }
}

fn validate_value(v: &str) -> Result<(), String> {
    if v.is_empty() || name_ok(v, 63) {
        Ok(())
    } else {
        Err(format!("invalid label value '{v}'"))
    }
}

/// A compiled patch target.
pub struct Target {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: LabelSelector,
    annotations: LabelSelector,
}

fn anchored(field: &str, pattern: &str) -> Result<Option<Regex>, String> {
    if pattern.is_empty() {
        return Ok(None);
    }
    Regex::new(&format!("^(?:{pattern})$"))
        .map(Some)
        .map_err(|e| format!("target {field} '{pattern}' is not a valid regular expression: {e}"))
}

impl Target {
    /// Compiles a selector.
    pub fn new(s: &Selector) -> Result<Target, String> {
        Ok(Target {
            group: anchored("group", &s.group)?,
            version: anchored("version", &s.version)?,
            kind: anchored("kind", &s.kind)?,
            name: anchored("name", &s.name)?,
            namespace: anchored("namespace", &s.namespace)?,
            labels: LabelSelector::parse(&s.label_selector)?,
            annotations: LabelSelector::parse(&s.annotation_selector)?,
        })
    }

    /// Whether a resource is selected: namespace and name are tried on the original and the
    /// current id, the type on the current one.
    pub fn selects(&self, r: &Resource) -> bool {
        let m = |re: &Option<Regex>, s: &str| re.as_ref().is_none_or(|re| re.is_match(s));
        let av = r.api_version();
        let (group, version) = split_api_version(&av);
        let kind = r.kind();
        if !(m(&self.group, group) && m(&self.version, version) && m(&self.kind, &kind)) {
            return false;
        }
        if self.namespace.is_some() || self.name.is_some() {
            let cur = r.cur_id();
            let org = r.org_id();
            if let Some(ns) = &self.namespace {
                if !ns.is_match(org.effective_namespace())
                    && !ns.is_match(cur.effective_namespace())
                {
                    return false;
                }
            }
            if let Some(name) = &self.name {
                if !name.is_match(&org.name) && !name.is_match(&cur.name) {
                    return false;
                }
            }
        }
        let meta = r.obj.get("metadata");
        (self.labels.reqs.is_empty() || self.labels.matches_map(meta.and_then(|m| m.get("labels"))))
            && (self.annotations.reqs.is_empty()
                || self
                    .annotations
                    .matches_map(meta.and_then(|m| m.get("annotations"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn label_selectors() {
        let l = labels(&[("tier", "api"), ("app", "web")]);
        let t = |s: &str| LabelSelector::parse(s).unwrap().matches(&l);
        assert!(t("tier=api"));
        assert!(t("tier==api,app"));
        assert!(t("tier in (api, cache)"));
        assert!(!t("tier notin (api)"));
        assert!(t("!missing"));
        assert!(!t("tier!=api"));
        assert!(t("missing!=x"));
        assert!(t(""));
        assert!(LabelSelector::parse("tier in api").is_err());
        assert!(LabelSelector::parse("-bad=x").is_err());
    }

    #[test]
    fn regexes_are_anchored() {
        let s = Selector {
            kind: "Deploy".into(),
            ..Selector::default()
        };
        let t = Target::new(&s).unwrap();
        let r = Resource::new(
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}}),
        );
        assert!(!t.selects(&r));
        let s = Selector {
            kind: "(Deployment|StatefulSet)".into(),
            name: "x|y".into(),
            ..Selector::default()
        };
        assert!(Target::new(&s).unwrap().selects(&r));
    }
}
