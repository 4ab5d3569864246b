//! jsonschema errors turned into sentences for people who do not know JSON Schema.
//!
//! Rules: name the field and what was expected ("is not an integer", "unknown field", "missing
//! required field"); show at most a short scalar, never a whole map or list, and never a value
//! of a Secret's `data`/`stringData`; for `oneOf`/`anyOf`, report what the alternatives expected
//! or the failure of the alternative that got furthest into the value.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use strata_yaml::did_you_mean;

use crate::formats;
use crate::{Violation, ViolationKind};

/// What an explanation needs besides the error.
pub(crate) struct Ctx<'a> {
    /// The object is a Secret: values under `data`/`stringData` are never shown.
    pub secret: bool,
    /// Schema documents by base URI (the kind's own schema and the Kubernetes definitions),
    /// to list the known fields of an object for "did you mean" hints.
    pub docs: &'a [(&'a str, &'a Value)],
}

impl Ctx<'_> {
    fn masked(&self, pointer: &str) -> bool {
        self.secret
            && ["/data", "/stringData"].iter().any(|p| {
                pointer == *p || pointer.strip_prefix(p).is_some_and(|r| r.starts_with('/'))
            })
    }

    /// The schema object that contains the keyword at `location` (an absolute keyword URI).
    fn parent_schema(&self, location: &str) -> Option<&Value> {
        let (base, fragment) = location.split_once('#')?;
        let doc = self.docs.iter().find(|(uri, _)| *uri == base)?.1;
        let fragment = percent_decode(fragment);
        let parent = fragment.rsplit_once('/')?.0;
        doc.pointer(parent)
    }
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Appends a pointer token, escaped.
pub(crate) fn push_token(pointer: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{escaped}")
}

/// The human form of a JSON pointer:
/// `/spec/template/metadata/labels/app.kubernetes.io~1name` →
/// `spec.template.metadata.labels["app.kubernetes.io/name"]`.
pub fn human_path(pointer: &str) -> String {
    let mut out = String::new();
    for raw in pointer.split('/').skip(1) {
        let token = raw.replace("~1", "/").replace("~0", "~");
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{token}]"));
        } else if !token.is_empty()
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'$')
        {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        } else {
            out.push_str(&format!("[{}]", quote(&token)));
        }
    }
    out
}

/// A field or key name as every Strata message writes one: in backticks, as the compiler's
/// diagnostics and the kustomization parser do (values, not names, are JSON-quoted).
pub fn field_name(s: &str) -> String {
    format!("`{s}`")
}

/// The "did you mean" hint appended to a one-line message.
fn hint(suggestion: &str) -> String {
    format!(" (did you mean {}?)", field_name(suggestion))
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// A short description of a value: a scalar as written (long strings cut), containers by type.
pub(crate) fn show(v: &Value, masked: bool) -> String {
    if masked {
        return "value".to_string();
    }
    match v {
        Value::String(s) => {
            if s.chars().count() > 60 {
                let cut: String = s.chars().take(57).collect();
                format!("{}…", quote(&cut).trim_end_matches('"')) + "\""
            } else {
                quote(s)
            }
        }
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a map".to_string(),
        other => other.to_string(),
    }
}

fn type_word(t: JsonType) -> &'static str {
    match t {
        JsonType::Null => "null",
        JsonType::Boolean => "a boolean (true or false)",
        JsonType::Integer => "an integer",
        JsonType::Number => "a number",
        JsonType::String => "a string",
        JsonType::Array => "a list",
        JsonType::Object => "a map",
    }
}

fn types_of(kind: &TypeKind) -> Vec<JsonType> {
    match kind {
        TypeKind::Single(t) => vec![*t],
        TypeKind::Multiple(set) => set.iter().collect(),
    }
}

/// "an integer or a string"; `null` is left out when something else is allowed (a value that
/// failed was never null-is-enough).
fn expected_words(types: &[JsonType]) -> String {
    let mut words: Vec<&str> = Vec::new();
    let non_null = types.iter().any(|t| *t != JsonType::Null);
    for t in types {
        if *t == JsonType::Null && non_null {
            continue;
        }
        // A number accepts integers: saying both reads oddly.
        if *t == JsonType::Integer && types.contains(&JsonType::Number) {
            continue;
        }
        let w = type_word(*t);
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words.join(" or ")
}

fn type_message(instance: &Value, expected: &str, masked: bool) -> String {
    match instance {
        Value::Array(_) | Value::Object(_) => {
            format!("expected {expected}, found {}", show(instance, false))
        }
        _ => format!("{} is not {expected}", show(instance, masked)),
    }
}

fn push(out: &mut Vec<Violation>, kind: ViolationKind, pointer: String, message: String) {
    out.push(Violation {
        path: human_path(&pointer),
        pointer,
        message,
        kind,
    });
}

/// Explains one error, appending violations to `out`.
pub(crate) fn explain(err: &ValidationError<'_>, ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let ptr = err.instance_path().as_str().to_string();
    let instance: &Value = err.instance();
    let masked = ctx.masked(&ptr);
    let shown = || show(instance, masked);
    match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let known: Vec<String> = err
                .absolute_keyword_location()
                .and_then(|loc| ctx.parent_schema(loc.as_str()))
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            for key in unexpected {
                let hint = did_you_mean(key, known.iter().map(String::as_str))
                    .map(hint)
                    .unwrap_or_default();
                push(
                    out,
                    ViolationKind::UnknownField,
                    push_token(&ptr, key),
                    format!("unknown field {}{hint}", field_name(key)),
                );
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or("?");
            push(
                out,
                ViolationKind::Required,
                push_token(&ptr, name),
                format!("missing required field {}", field_name(name)),
            );
        }
        ValidationErrorKind::Type { kind } => {
            let expected = expected_words(&types_of(kind));
            push(
                out,
                ViolationKind::Type,
                ptr,
                type_message(instance, &expected, masked),
            );
        }
        ValidationErrorKind::Enum { options } => {
            let opts: Vec<&Value> = options
                .as_array()
                .map(|a| a.iter().filter(|v| !v.is_null()).collect())
                .unwrap_or_default();
            let list: Vec<String> = opts.iter().map(|v| show(v, false)).collect();
            let hint = instance
                .as_str()
                .filter(|_| !masked)
                .and_then(|s| did_you_mean(s, opts.iter().filter_map(|v| v.as_str())))
                .map(hint)
                .unwrap_or_default();
            let message = if list.len() == 1 {
                format!("{} must be {}{hint}", shown(), list[0])
            } else {
                format!("{} is not one of {}{hint}", shown(), list.join(", "))
            };
            push(out, ViolationKind::Enum, ptr, message);
        }
        ValidationErrorKind::Constant { expected_value } => push(
            out,
            ViolationKind::Enum,
            ptr,
            format!("{} must be {}", shown(), show(expected_value, false)),
        ),
        ValidationErrorKind::Format { format } => {
            let message = match formats::explain_format(format) {
                Some(why) => format!("{} {why}", shown()),
                None => format!("{} is not a valid {format}", shown()),
            };
            push(out, ViolationKind::Format, ptr, message);
        }
        ValidationErrorKind::PropertyNames { error } => {
            let key = error.instance().as_str().unwrap_or("?").to_string();
            let why = match error.kind() {
                ValidationErrorKind::Format { format } => formats::explain_format(format)
                    .unwrap_or("is not a valid key")
                    .to_string(),
                ValidationErrorKind::Pattern { pattern } => {
                    format!("does not match the pattern {pattern}")
                }
                ValidationErrorKind::MaxLength { limit } => {
                    format!("is longer than {limit} characters")
                }
                _ => "is not an allowed key".to_string(),
            };
            push(
                out,
                ViolationKind::Format,
                push_token(&ptr, &key),
                format!("key {} {why}", field_name(&key)),
            );
        }
        ValidationErrorKind::Pattern { pattern } => {
            // Flux and others spell Go durations as a regex: say what it means.
            let message = if pattern.contains("(ms|s|m|h)") {
                format!(
                    "{} {}",
                    shown(),
                    formats::explain_format(formats::DURATION).unwrap_or("is not a duration")
                )
            } else {
                format!("{} does not match the required pattern {pattern}", shown())
            };
            push(out, ViolationKind::Format, ptr, message);
        }
        ValidationErrorKind::Minimum { limit } => push(
            out,
            ViolationKind::Other,
            ptr,
            format!("{} is less than the minimum {limit}", shown()),
        ),
        ValidationErrorKind::Maximum { limit } => push(
            out,
            ViolationKind::Other,
            ptr,
            format!("{} is greater than the maximum {limit}", shown()),
        ),
        ValidationErrorKind::ExclusiveMinimum { limit } => push(
            out,
            ViolationKind::Other,
            ptr,
            format!("{} must be greater than {limit}", shown()),
        ),
        ValidationErrorKind::ExclusiveMaximum { limit } => push(
            out,
            ViolationKind::Other,
            ptr,
            format!("{} must be less than {limit}", shown()),
        ),
        ValidationErrorKind::MinLength { limit } => push(
            out,
            ViolationKind::Other,
            ptr,
            format!(
                "{} is too short: at least {limit} character{} required",
                shown(),
                if *limit == 1 { "" } else { "s" }
            ),
        ),
        ValidationErrorKind::MaxLength { limit } => push(
            out,
            ViolationKind::Other,
            ptr,
            format!("{} is too long: at most {limit} characters allowed", shown()),
        ),
        ValidationErrorKind::MinItems { limit } => push(
            out,
            ViolationKind::Other,
            ptr,
            format!("the list needs at least {limit} item{}", plural(*limit)),
        ),
        ValidationErrorKind::MaxItems { limit } => push(
            out,
            ViolationKind::Other,
            ptr,
            format!("the list may have at most {limit} item{}", plural(*limit)),
        ),
        ValidationErrorKind::MinProperties { limit } => push(
            out,
            ViolationKind::Other,
            ptr,
            format!("the map needs at least {limit} entr{}", if *limit == 1 { "y" } else { "ies" }),
        ),
        ValidationErrorKind::MaxProperties { limit } => push(
            out,
            ViolationKind::Other,
            ptr,
            format!("the map may have at most {limit} entr{}", if *limit == 1 { "y" } else { "ies" }),
        ),
        ValidationErrorKind::UniqueItems => push(
            out,
            ViolationKind::Other,
            ptr,
            "the list has duplicate items".to_string(),
        ),
        ValidationErrorKind::MultipleOf { multiple_of } => push(
            out,
            ViolationKind::Other,
            ptr,
            format!("{} is not a multiple of {multiple_of}", shown()),
        ),
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            explain_alternatives(&ptr, instance, masked, context, ctx, out);
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => push(
            out,
            ViolationKind::Other,
            ptr,
            "matches more than one of the allowed forms; exactly one is required (set only one of the alternative fields)".to_string(),
        ),
        ValidationErrorKind::Not { .. } => push(
            out,
            ViolationKind::Other,
            ptr,
            "is not allowed here".to_string(),
        ),
        ValidationErrorKind::FalseSchema => {
            let field = ptr.rsplit('/').next().unwrap_or("");
            push(
                out,
                ViolationKind::UnknownField,
                ptr.clone(),
                format!("field {} is not allowed here", field_name(field)),
            );
        }
        ValidationErrorKind::Contains => push(
            out,
            ViolationKind::Other,
            ptr,
            "the list has no item of the required form".to_string(),
        ),
        ValidationErrorKind::Referencing(e) => push(
            out,
            ViolationKind::Other,
            ptr,
            format!("the schema could not be resolved: {e}"),
        ),
        _ => push(
            out,
            ViolationKind::Other,
            ptr,
            "does not satisfy the schema".to_string(),
        ),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `oneOf`/`anyOf`: if every alternative only failed on the type of this very value, say which
/// types were allowed; otherwise explain the alternative that got furthest into the value.
fn explain_alternatives(
    ptr: &str,
    instance: &Value,
    masked: bool,
    context: &[Vec<ValidationError<'static>>],
    ctx: &Ctx<'_>,
    out: &mut Vec<Violation>,
) {
    let mut types: Vec<JsonType> = Vec::new();
    let only_types = !context.is_empty()
        && context.iter().all(|errs| {
            errs.iter().all(|e| {
                e.instance_path().as_str() == ptr
                    && match e.kind() {
                        ValidationErrorKind::Type { kind } => {
                            types.extend(types_of(kind));
                            true
                        }
                        _ => false,
                    }
            }) && !errs.is_empty()
        });
    if only_types {
        let expected = expected_words(&types);
        push(
            out,
            ViolationKind::Type,
            ptr.to_string(),
            type_message(instance, &expected, masked),
        );
        return;
    }
    let best = context
        .iter()
        .filter(|errs| !errs.is_empty())
        .max_by(|a, b| {
            let depth = |errs: &Vec<ValidationError<'static>>| {
                errs.iter()
                    .map(|e| e.instance_path().as_str().matches('/').count())
                    .max()
                    .unwrap_or(0)
            };
            depth(a)
                .cmp(&depth(b))
                // Fewer errors means a closer match.
                .then(b.len().cmp(&a.len()))
        });
    match best {
        Some(errs) => {
            for e in errs {
                explain(e, ctx, out);
            }
        }
        None => push(
            out,
            ViolationKind::Other,
            ptr.to_string(),
            "does not match any of the allowed forms".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_paths() {
        assert_eq!(
            human_path("/spec/template/spec/containers/0/ports/0/containerPort"),
            "spec.template.spec.containers[0].ports[0].containerPort"
        );
        assert_eq!(
            human_path("/metadata/labels/app.kubernetes.io~1name"),
            "metadata.labels[\"app.kubernetes.io/name\"]"
        );
        assert_eq!(human_path(""), "");
    }

    #[test]
    fn values_are_shown_short() {
        assert_eq!(show(&serde_json::json!("5000"), false), "\"5000\"");
        assert_eq!(show(&serde_json::json!({"a": 1}), false), "a map");
        assert_eq!(show(&serde_json::json!("secret"), true), "value");
        let long = show(&serde_json::json!("x".repeat(500)), false);
        assert!(long.chars().count() < 70, "{long}");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/%24defs/a"), "/$defs/a");
        assert_eq!(percent_decode("/a%2"), "/a%2");
    }
}
