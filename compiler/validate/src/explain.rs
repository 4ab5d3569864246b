//! jsonschema errors turned into sentences for people who do not know JSON Schema.
//!
//! Rules: name the field and what was expected ("is not an integer", "unknown field", "missing
//! required field"); show at most a short scalar, never a whole map or list, and never a value
//! of a Secret's `data`/`stringData`; for `oneOf`/`anyOf`, report what the alternatives expected
//! or the failure of the alternative that got furthest into the value.
//!
//! This is the one explainer of schema errors in Strata: output validation words
//! [`Explanation::message`] beside a path, and the compiler's checks of the documents a person
//! wrote (sites, layers, services, values) word [`Explanation::report`] with the spans of the
//! nodes. Both see the same facts, the same "did you mean" and the same choice among
//! alternatives.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use strata_yaml::did_you_mean;

use crate::formats;
use crate::ViolationKind;

/// What an explanation needs besides the error.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// The value is a Secret: values under `data`/`stringData` are never shown.
    pub secret: bool,
    /// Schema documents by base URI (e.g. a kind's own schema and the Kubernetes definitions),
    /// to find the schema that holds a failed keyword: its known fields for "did you mean"
    /// hints, its description for help.
    pub docs: &'a [(&'a str, &'a Value)],
    /// The schema the validator was compiled from, for a keyword whose absolute location is
    /// not in `docs`: it is looked up by the error's schema path.
    pub schema: Option<&'a Value>,
}

impl Context<'_> {
    fn masked(&self, pointer: &str) -> bool {
        self.secret
            && ["/data", "/stringData"].iter().any(|p| {
                pointer == *p || pointer.strip_prefix(p).is_some_and(|r| r.starts_with('/'))
            })
    }

    /// The schema object that contains the keyword that failed.
    fn parent_schema(&self, err: &ValidationError<'_>) -> Option<&Value> {
        err.absolute_keyword_location()
            .and_then(|loc| self.parent_in_docs(loc.as_str()))
            .or_else(|| {
                let path = err.schema_path().as_str();
                let parent = &path[..path.rfind('/')?];
                self.schema?.pointer(parent)
            })
    }

    /// The schema object that contains the keyword at `location` (an absolute keyword URI).
    fn parent_in_docs(&self, location: &str) -> Option<&Value> {
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
        let token = strata_yaml::pointer_unescape(raw);
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

/// One schema error explained, without positions in any file: output validation turns it into
/// a [`Violation`] (pointer and [`message`](Self::message)); the compiler's input checks turn it
/// into a diagnostic with [`report`](Self::report) and their own spans.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The kind of rule.
    pub kind: ViolationKind,
    /// JSON pointer of the node explained (for an unknown or missing field: the pointer the
    /// field has or would have).
    pub pointer: String,
    /// JSON pointer of the value the schema rejected (for an unknown or missing field: the
    /// map that holds it).
    pub instance: String,
    /// The one-line sentence, without the path: `"5000" is not an integer`,
    /// ``unknown field `replica` (did you mean `replicas`?)``. Never shows a whole map or list,
    /// nor a value of a Secret's `data`/`stringData`.
    pub message: String,
    /// What the schema expected, for callers that word their own sentence.
    pub detail: Detail,
    /// jsonschema's own reason, without the value it starts with (e.g. `less than the minimum
    /// of 1`), for rules without a worded [`Detail`].
    pub reason: String,
    /// The `description` of the schema that holds the failed keyword, if any: help for people.
    pub description: Option<String>,
}

/// The facts behind an [`Explanation`]. Values are scalars as written; a map or list found is
/// an empty map or list (only its type is ever shown), and a value that must not be shown is
/// `null`.
#[derive(Clone, Debug, PartialEq)]
pub enum Detail {
    /// A field the schema does not know.
    UnknownField {
        /// The field.
        key: String,
        /// The closest known field, if one is close enough.
        suggestion: Option<String>,
        /// The fields the schema knows at this place.
        known: Vec<String>,
    },
    /// A required field is missing.
    Required {
        /// The field.
        name: String,
    },
    /// A value of the wrong type.
    Type {
        /// The allowed types, in schema order.
        expected: Vec<JsonType>,
        /// The value found.
        found: Value,
    },
    /// A value outside a fixed set.
    Enum {
        /// The value found.
        found: Value,
        /// The allowed values.
        options: Vec<Value>,
        /// The closest allowed string, if one is close enough.
        suggestion: Option<String>,
    },
    /// A value other than the one constant allowed.
    Const {
        /// The value found.
        found: Value,
        /// The value required.
        expected: Value,
    },
    /// A string that does not match the schema's pattern.
    Pattern {
        /// The value found.
        found: Value,
    },
    /// Any other rule: [`Explanation::message`] and [`Explanation::reason`] say it.
    Other,
}

/// An [`Explanation`] worded as a diagnostic about an input document: a headline naming the
/// document, and the node to point at with a label and a help line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The headline, e.g. ``unknown field `replica` in `spec` of site `prod` ``.
    pub message: String,
    /// JSON pointer of the node to point at.
    pub pointer: String,
    /// Point at the node's key rather than its value.
    pub key: bool,
    /// The label under the node, e.g. `unknown field`, `expected a map`.
    pub label: String,
    /// What to do, e.g. ``did you mean `replicas`?``, ``add `name:` ``, or the schema's
    /// description.
    pub help: Option<String>,
}

impl Explanation {
    /// Words the explanation for a document a person wrote; `what` names it in the headline
    /// (e.g. ``site `prod` ``, ``values of `keystone` ``).
    pub fn report(&self, what: &str) -> Report {
        let path = match human_path(&self.instance) {
            p if p.is_empty() => "the document".to_string(),
            p => p,
        };
        let at_value = |message: String, label: &str, help: Option<String>| Report {
            message,
            pointer: self.instance.clone(),
            key: false,
            label: label.to_string(),
            help,
        };
        let description = self.description.clone();
        match &self.detail {
            Detail::UnknownField {
                key,
                suggestion,
                known,
            } => {
                let place = if self.instance.is_empty() {
                    String::new()
                } else {
                    format!(" in `{path}`")
                };
                let help = match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if known.is_empty() => "remove it".to_string(),
                    None => format!("expected one of: {}", known.join(", ")),
                };
                Report {
                    message: format!("unknown field `{key}`{place} of {what}"),
                    pointer: self.pointer.clone(),
                    key: true,
                    label: "unknown field".to_string(),
                    help: Some(help),
                }
            }
            Detail::Required { name } => {
                let whose = if self.instance.is_empty() {
                    what.to_string()
                } else {
                    format!("`{path}` of {what}")
                };
                Report {
                    message: format!("{whose} is missing the required field `{name}`"),
                    pointer: self.instance.clone(),
                    key: true,
                    label: format!("`{name}` is missing here"),
                    help: Some(format!("add `{name}:`")),
                }
            }
            Detail::Type { expected, found } => {
                let words = input_type_words(expected);
                let help = if expected.contains(&JsonType::String)
                    && (found.is_number() || found.is_boolean())
                {
                    Some("quote the value to make it a string".to_string())
                } else {
                    description
                };
                at_value(
                    format!(
                        "`{path}` of {what} must be {words}, found {}",
                        type_name(found)
                    ),
                    &format!("expected {words}"),
                    help,
                )
            }
            Detail::Enum {
                found,
                options,
                suggestion,
            } => {
                let allowed = options.iter().map(short).collect::<Vec<_>>().join(", ");
                let help = match suggestion {
                    Some(s) => format!("did you mean `{s}`? (allowed: {allowed})"),
                    None => format!("allowed: {allowed}"),
                };
                at_value(
                    format!(
                        "`{path}` of {what} is {}, which is not allowed",
                        short(found)
                    ),
                    "not allowed",
                    Some(help),
                )
            }
            Detail::Const { found, expected } => at_value(
                format!(
                    "`{path}` of {what} must be {}, found {}",
                    short(expected),
                    short(found)
                ),
                "unexpected value",
                Some(format!("write {}", short(expected))),
            ),
            Detail::Pattern { found } => at_value(
                format!("`{path}` of {what} has an invalid value {}", short(found)),
                "invalid value",
                description,
            ),
            Detail::Other => at_value(
                format!("`{path}` of {what} is {}", self.reason),
                "here",
                description,
            ),
        }
    }
}

/// Input diagnostics name types without the output form's "(true or false)" and keep every
/// allowed type, `null` included.
fn input_type_words(types: &[JsonType]) -> String {
    let mut words: Vec<&str> = Vec::new();
    for t in types {
        let w = match t {
            JsonType::Null => "null",
            JsonType::Boolean => "a boolean",
            JsonType::Integer => "an integer",
            JsonType::Number => "a number",
            JsonType::String => "a string",
            JsonType::Array => "a list",
            JsonType::Object => "a map",
        };
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words.join(" or ")
}

/// The type of a value found, as input diagnostics name it.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// A value in an input diagnostic: strings in plain quotes, cut after 60 characters.
fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("\"{s}\""),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a map".to_string(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// A value as an [`Explanation`] keeps it: scalars as they are, maps and lists emptied (only
/// their type is ever shown), a hidden value as `null`.
fn found(v: &Value, masked: bool) -> Value {
    match v {
        _ if masked => Value::Null,
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Object(_) => Value::Object(serde_json::Map::new()),
        other => other.clone(),
    }
}

/// jsonschema's message without the offending value it starts with.
fn reason(err: &ValidationError<'_>) -> String {
    let msg = err.to_string();
    msg.split_once(" is ")
        .map_or(msg.as_str(), |(_, r)| r)
        .to_string()
}

/// Explains one error: usually one explanation, one per unknown field, or those of the
/// alternative of a `oneOf`/`anyOf` that got furthest into the value.
pub fn explain(err: &ValidationError<'_>, ctx: &Context<'_>) -> Vec<Explanation> {
    let mut out = Vec::new();
    explain_into(err, ctx, &mut out);
    out
}

fn explain_into(err: &ValidationError<'_>, ctx: &Context<'_>, out: &mut Vec<Explanation>) {
    let ptr = err.instance_path().as_str().to_string();
    let instance: &Value = err.instance();
    let masked = ctx.masked(&ptr);
    let shown = || show(instance, masked);
    let parent = ctx.parent_schema(err);
    let description = parent
        .and_then(|s| s.get("description"))
        .and_then(Value::as_str)
        .map(String::from);
    let push = |out: &mut Vec<Explanation>,
                kind: ViolationKind,
                pointer: String,
                message: String,
                detail: Detail| {
        out.push(Explanation {
            kind,
            pointer,
            instance: ptr.clone(),
            message,
            detail,
            // jsonschema's text starts with the value, which may itself hold " is ".
            reason: if masked {
                "not valid here".to_string()
            } else {
                reason(err)
            },
            description: description.clone(),
        });
    };
    let other = |out: &mut Vec<Explanation>, message: String| {
        push(
            out,
            ViolationKind::Other,
            ptr.clone(),
            message,
            Detail::Other,
        )
    };
    match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let known: Vec<String> = parent
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            for key in unexpected {
                let suggestion =
                    did_you_mean(key, known.iter().map(String::as_str)).map(String::from);
                let hint = suggestion.as_deref().map(hint).unwrap_or_default();
                push(
                    out,
                    ViolationKind::UnknownField,
                    push_token(&ptr, key),
                    format!("unknown field {}{hint}", field_name(key)),
                    Detail::UnknownField {
                        key: key.clone(),
                        suggestion,
                        known: known.clone(),
                    },
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
                Detail::Required {
                    name: name.to_string(),
                },
            );
        }
        ValidationErrorKind::Type { kind } => {
            let expected = types_of(kind);
            push(
                out,
                ViolationKind::Type,
                ptr.clone(),
                type_message(instance, &expected_words(&expected), masked),
                Detail::Type {
                    expected,
                    found: found(instance, masked),
                },
            );
        }
        ValidationErrorKind::Enum { options } => {
            let all: Vec<Value> = options.as_array().cloned().unwrap_or_default();
            let list: Vec<String> = all
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| show(v, false))
                .collect();
            let suggestion = instance
                .as_str()
                .filter(|_| !masked)
                .and_then(|s| did_you_mean(s, all.iter().filter_map(Value::as_str)))
                .map(String::from);
            let hint = suggestion.as_deref().map(hint).unwrap_or_default();
            let message = if list.len() == 1 {
                format!("{} must be {}{hint}", shown(), list[0])
            } else {
                format!("{} is not one of {}{hint}", shown(), list.join(", "))
            };
            push(
                out,
                ViolationKind::Enum,
                ptr.clone(),
                message,
                Detail::Enum {
                    found: found(instance, masked),
                    options: all,
                    suggestion,
                },
            );
        }
        ValidationErrorKind::Constant { expected_value } => push(
            out,
            ViolationKind::Enum,
            ptr.clone(),
            format!("{} must be {}", shown(), show(expected_value, false)),
            Detail::Const {
                found: found(instance, masked),
                expected: (**expected_value).clone(),
            },
        ),
        ValidationErrorKind::Format { format } => {
            let message = match formats::explain_format(format) {
                Some(why) => format!("{} {why}", shown()),
                None => format!("{} is not a valid {format}", shown()),
            };
            push(out, ViolationKind::Format, ptr.clone(), message, Detail::Other);
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
                Detail::Other,
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
            push(
                out,
                ViolationKind::Format,
                ptr.clone(),
                message,
                Detail::Pattern {
                    found: found(instance, masked),
                },
            );
        }
        ValidationErrorKind::Minimum { limit } => {
            other(out, format!("{} is less than the minimum {limit}", shown()))
        }
        ValidationErrorKind::Maximum { limit } => {
            other(out, format!("{} is greater than the maximum {limit}", shown()))
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            other(out, format!("{} must be greater than {limit}", shown()))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            other(out, format!("{} must be less than {limit}", shown()))
        }
        ValidationErrorKind::MinLength { limit } => other(
            out,
            format!(
                "{} is too short: at least {limit} character{} required",
                shown(),
                plural(*limit)
            ),
        ),
        ValidationErrorKind::MaxLength { limit } => other(
            out,
            format!("{} is too long: at most {limit} characters allowed", shown()),
        ),
        ValidationErrorKind::MinItems { limit } => other(
            out,
            format!("the list needs at least {limit} item{}", plural(*limit)),
        ),
        ValidationErrorKind::MaxItems { limit } => other(
            out,
            format!("the list may have at most {limit} item{}", plural(*limit)),
        ),
        ValidationErrorKind::MinProperties { limit } => other(
            out,
            format!("the map needs at least {limit} entr{}", if *limit == 1 { "y" } else { "ies" }),
        ),
        ValidationErrorKind::MaxProperties { limit } => other(
            out,
            format!("the map may have at most {limit} entr{}", if *limit == 1 { "y" } else { "ies" }),
        ),
        ValidationErrorKind::UniqueItems => {
            other(out, "the list has duplicate items".to_string())
        }
        ValidationErrorKind::MultipleOf { multiple_of } => {
            other(out, format!("{} is not a multiple of {multiple_of}", shown()))
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            match alternatives(&ptr, context) {
                Alternatives::Types(expected) => push(
                    out,
                    ViolationKind::Type,
                    ptr.clone(),
                    type_message(instance, &expected_words(&expected), masked),
                    Detail::Type {
                        expected,
                        found: found(instance, masked),
                    },
                ),
                Alternatives::Best(errs) => {
                    for e in errs {
                        explain_into(e, ctx, out);
                    }
                }
                Alternatives::None => {
                    other(out, "does not match any of the allowed forms".to_string())
                }
            }
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => other(
            out,
            "matches more than one of the allowed forms; exactly one is required (set only one of the alternative fields)".to_string(),
        ),
        ValidationErrorKind::Not { .. } => other(out, "is not allowed here".to_string()),
        ValidationErrorKind::FalseSchema => {
            let field = ptr.rsplit('/').next().unwrap_or("");
            push(
                out,
                ViolationKind::UnknownField,
                ptr.clone(),
                format!("field {} is not allowed here", field_name(field)),
                Detail::Other,
            );
        }
        ValidationErrorKind::Contains => {
            other(out, "the list has no item of the required form".to_string())
        }
        ValidationErrorKind::Referencing(e) => {
            other(out, format!("the schema could not be resolved: {e}"))
        }
        _ => other(out, "does not satisfy the schema".to_string()),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What a failed `oneOf`/`anyOf` is explained by.
enum Alternatives<'e> {
    /// Every alternative failed only on the type of this very value: these types were allowed.
    Types(Vec<JsonType>),
    /// The errors of the alternative that got furthest into the value: usually the one the
    /// person meant (e.g. the map form of a `null`-or-map entry).
    Best(&'e [ValidationError<'static>]),
    /// No alternative reported an error.
    None,
}

/// The one rule for `oneOf`/`anyOf`: if every alternative only failed on the type of this very
/// value, say which types were allowed; otherwise take the alternative whose errors reach
/// deepest into the value (the last of equals), and of those the one with fewest errors.
fn alternatives<'e>(ptr: &str, context: &'e [Vec<ValidationError<'static>>]) -> Alternatives<'e> {
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
        return Alternatives::Types(types);
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
        Some(errs) => Alternatives::Best(errs),
        None => Alternatives::None,
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

    fn explain_all(schema: &Value, value: &Value) -> Vec<Explanation> {
        let validator = jsonschema::validator_for(schema).expect("test schema compiles");
        let ctx = Context {
            schema: Some(schema),
            ..Default::default()
        };
        validator
            .iter_errors(value)
            .flat_map(|e| explain(&e, &ctx))
            .collect()
    }

    fn input_schema() -> Value {
        serde_json::json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "description": "The name."},
                "replicas": {"type": "integer"},
                "tier": {"enum": ["gold", "silver"]},
                "spec": {"oneOf": [{"type": "string"}, {"type": "object"}]}
            }
        })
    }

    #[test]
    fn one_explanation_serves_both_wordings() {
        let v = serde_json::json!({"replica": 2, "tier": "golt", "spec": [1]});
        let mut ex = explain_all(&input_schema(), &v);
        ex.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        let lines: Vec<(&str, &str)> = ex
            .iter()
            .map(|e| (e.pointer.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                ("/name", "missing required field `name`"),
                (
                    "/replica",
                    "unknown field `replica` (did you mean `replicas`?)"
                ),
                ("/spec", "expected a string or a map, found a list"),
                (
                    "/tier",
                    "\"golt\" is not one of \"gold\", \"silver\" (did you mean `gold`?)"
                ),
            ]
        );
        let reports: Vec<Report> = ex.iter().map(|e| e.report("site `x`")).collect();
        let unknown = &reports[1];
        assert_eq!(unknown.message, "unknown field `replica` of site `x`");
        assert_eq!((unknown.pointer.as_str(), unknown.key), ("/replica", true));
        assert_eq!(unknown.help.as_deref(), Some("did you mean `replicas`?"));
        let required = &reports[0];
        assert_eq!(
            required.message,
            "site `x` is missing the required field `name`"
        );
        assert_eq!((required.pointer.as_str(), required.key), ("", true));
        assert_eq!(required.help.as_deref(), Some("add `name:`"));
        // Every alternative failed on the type of the value itself: say all that were allowed.
        assert_eq!(
            reports[2].message,
            "`spec` of site `x` must be a string or a map, found a list"
        );
        assert_eq!(reports[2].label, "expected a string or a map");
        assert_eq!(
            reports[3].help.as_deref(),
            Some("did you mean `gold`? (allowed: \"gold\", \"silver\")")
        );
    }

    #[test]
    fn input_help_quotes_scalars_or_gives_the_description() {
        let ex = explain_all(&input_schema(), &serde_json::json!({"name": 5}));
        let r = ex[0].report("service `s`");
        assert_eq!(
            r.message,
            "`name` of service `s` must be a string, found an integer"
        );
        assert_eq!(
            r.help.as_deref(),
            Some("quote the value to make it a string")
        );
        let ex = explain_all(&input_schema(), &serde_json::json!({"name": {}}));
        assert_eq!(
            ex[0].report("service `s`").help.as_deref(),
            Some("The name.")
        );
        assert_eq!(ex[0].description.as_deref(), Some("The name."));
    }

    #[test]
    fn secret_values_stay_out_of_explanations() {
        let schema = serde_json::json!({"properties": {"data": {"additionalProperties": {"type": "integer"}}}});
        let validator = jsonschema::validator_for(&schema).expect("test schema compiles");
        let ctx = Context {
            secret: true,
            schema: Some(&schema),
            ..Default::default()
        };
        let value = serde_json::json!({"data": {"password": "this is hunter2"}});
        let ex: Vec<Explanation> = validator
            .iter_errors(&value)
            .flat_map(|e| explain(&e, &ctx))
            .collect();
        assert_eq!(ex.len(), 1);
        assert!(!format!("{ex:?}").contains("hunter2"), "{ex:?}");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/%24defs/a"), "/$defs/a");
        assert_eq!(percent_decode("/a%2"), "/a%2");
    }
}
