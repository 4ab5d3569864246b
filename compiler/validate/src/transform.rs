//! Schema rewrites made when schemas are loaded, so that validation matches the API server.
//!
//! - Bundled Kubernetes definitions: `IntOrString` and `Quantity` become plain type unions
//!   (upstream's `oneOf` of two nullable types rejects `null`, and gives a poor message), a
//!   quantity string must parse as one, label and annotation keys and values and namespace
//!   names must be valid, `int32` fields must fit in 32 bits.
//! - CRD schemas (OpenAPI v3 "structural" schemas) become strict JSON Schema 2020-12:
//!   `additionalProperties: false` wherever an object lists its properties (except under
//!   `x-kubernetes-preserve-unknown-fields`), `nullable`, `x-kubernetes-int-or-string` and the
//!   boolean `exclusiveMinimum` of OpenAPI 3.0 are translated, and `metadata` is checked as the
//!   API server checks it: as an `ObjectMeta`.

use serde_json::{json, Map, Value};

use crate::formats;

/// Where the bundled Kubernetes definitions live in the schema registry.
pub(crate) const DEFS_URI: &str = "https://kubernetes.io/api/_definitions.json";
/// The JSON Schema dialect every compiled schema uses.
pub(crate) const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const LABEL_SELECTOR: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector";
const INT_OR_STRING: &str = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const CONTAINER: &str = "io.k8s.api.core.v1.Container";

/// `$ref` to the bundled `ObjectMeta`.
pub(crate) fn object_meta_ref() -> String {
    format!("{DEFS_URI}#/$defs/{OBJECT_META}")
}

fn labels_schema() -> Value {
    json!({
        "type": ["object", "null"],
        "additionalProperties": {"type": ["string", "null"], "format": formats::LABEL_VALUE},
        "propertyNames": {"format": formats::LABEL_KEY}
    })
}

/// Rewrites the bundled Kubernetes definitions (see the module documentation).
pub(crate) fn patch_definitions(defs: &mut Map<String, Value>) {
    // What the API server accepts: an integer or a string (`80`, `"http"`, `"25%"`); `null`
    // means "not set".
    defs.insert(
        INT_OR_STRING.to_string(),
        json!({"type": ["string", "integer", "null"]}),
    );
    // A JSON number, or a string that parses as a quantity (`100m`, `1.5Gi`).
    defs.insert(
        QUANTITY.to_string(),
        json!({"type": ["string", "number", "null"], "format": formats::QUANTITY}),
    );
    if let Some(props) = defs
        .get_mut(OBJECT_META)
        .and_then(|m| m.get_mut("properties"))
        .and_then(Value::as_object_mut)
    {
        props.insert("labels".into(), labels_schema());
        props.insert(
            "annotations".into(),
            json!({
                "type": ["object", "null"],
                "additionalProperties": {"type": ["string", "null"]},
                "propertyNames": {"format": formats::ANNOTATION_KEY}
            }),
        );
        if let Some(ns) = props.get_mut("namespace").and_then(Value::as_object_mut) {
            ns.insert("format".into(), json!(formats::DNS_LABEL));
        }
    }
    // The API server requires an image for every container of a pod (and pod template); the
    // schema leaves it optional for tools that fill it in before applying.
    if let Some(Value::Array(required)) = defs
        .get_mut(CONTAINER)
        .and_then(|c| c.as_object_mut())
        .map(|c| c.entry("required").or_insert_with(|| json!([])))
    {
        if !required.contains(&json!("image")) {
            required.push(json!("image"));
        }
    }
    if let Some(props) = defs
        .get_mut(LABEL_SELECTOR)
        .and_then(|m| m.get_mut("properties"))
        .and_then(Value::as_object_mut)
    {
        props.insert("matchLabels".into(), labels_schema());
    }
    for def in defs.values_mut() {
        add_int32_ranges(def);
    }
}

fn has_type(schema: &Map<String, Value>, name: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == name,
        Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str() == Some(name)),
        _ => false,
    }
}

/// `format: int32` only annotates in JSON Schema; the API server cannot decode a larger number.
pub(crate) fn add_int32_ranges(schema: &mut Value) {
    match schema {
        Value::Object(obj) => {
            if obj.get("format").and_then(Value::as_str) == Some("int32")
                && has_type(obj, "integer")
            {
                obj.entry("minimum").or_insert(json!(i32::MIN));
                obj.entry("maximum").or_insert(json!(i32::MAX));
            }
            for (key, value) in obj.iter_mut() {
                if key != "enum" && key != "const" && key != "default" && key != "example" {
                    add_int32_ranges(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(add_int32_ranges),
        _ => {}
    }
}

/// Turns a CRD's `openAPIV3Schema` (or a kubeconform-style JSON Schema of a custom resource)
/// into the strict schema Strata compiles.
pub(crate) fn strict_crd_schema(mut schema: Value) -> Value {
    strictify(&mut schema, false);
    if let Some(obj) = schema.as_object_mut() {
        // The file's own dialect (often draft 4 or 7 in kubeconform catalogs) is replaced: the
        // rewrites above produce 2020-12.
        obj.insert("$schema".into(), json!(DRAFT_2020_12));
        obj.remove("$id");
        obj.remove("id");
        if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
            let meta = match props.shift_remove("metadata") {
                // A CRD may narrow `metadata.name` (a maximum length, a pattern); keep that,
                // without strictness, beside the ObjectMeta checks.
                Some(Value::Object(mut m)) if m.contains_key("properties") => {
                    m.remove("additionalProperties");
                    m.remove("type");
                    json!({"allOf": [{"$ref": object_meta_ref()}, Value::Object(m)]})
                }
                _ => json!({"$ref": object_meta_ref()}),
            };
            props.insert("metadata".into(), meta);
            props
                .entry("apiVersion")
                .or_insert_with(|| json!({"type": "string"}));
            props
                .entry("kind")
                .or_insert_with(|| json!({"type": "string"}));
        }
    }
    schema
}

/// OpenAPI v3 → JSON Schema 2020-12 with strictness; `junctor_branch` is true for the direct
/// branches of `allOf`/`anyOf`/`oneOf`/`not`, which only add constraints to the properties the
/// enclosing schema lists and so must not close the object themselves.
fn strictify(schema: &mut Value, junctor_branch: bool) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj.get("nullable") == Some(&Value::Bool(true)) {
        obj.remove("nullable");
        if let Some(Value::String(t)) = obj.get("type").cloned() {
            obj.insert("type".into(), json!([t, "null"]));
        }
        if let Some(Value::Array(options)) = obj.get_mut("enum") {
            if !options.contains(&Value::Null) {
                options.push(Value::Null);
            }
        }
    }
    for (bool_key, limit_key) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Bool(exclusive)) = obj.get(bool_key).cloned() {
            obj.remove(bool_key);
            if exclusive {
                if let Some(limit) = obj.remove(limit_key) {
                    obj.insert(bool_key.into(), limit);
                }
            }
        }
    }
    if obj.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        // Usually `anyOf: [{type: integer}, {type: string}]`; a type union says the same with
        // a clearer message. Branches that say more (a pattern) are kept.
        obj.insert("type".into(), json!(["integer", "string"]));
        if let Some(Value::Array(branches)) = obj.get("anyOf") {
            let plain = branches.iter().all(|b| {
                b.as_object().is_some_and(|m| {
                    m.len() == 1
                        && matches!(
                            m.get("type").and_then(Value::as_str),
                            Some("integer" | "string")
                        )
                })
            });
            if plain {
                obj.remove("anyOf");
            }
        }
    }
    add_int32_ranges_here(obj);
    let preserve = obj.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    if obj.contains_key("properties")
        && !obj.contains_key("additionalProperties")
        && !obj.contains_key("unevaluatedProperties")
        && !preserve
        && !junctor_branch
    {
        obj.insert("additionalProperties".into(), Value::Bool(false));
    }
    for (key, value) in obj.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                if let Some(m) = value.as_object_mut() {
                    m.values_mut().for_each(|s| strictify(s, false));
                }
            }
            "items"
            | "additionalProperties"
            | "additionalItems"
            | "contains"
            | "unevaluatedProperties"
            | "propertyNames"
            | "prefixItems" => match value {
                Value::Array(list) => list.iter_mut().for_each(|s| strictify(s, false)),
                other => strictify(other, false),
            },
            "allOf" | "anyOf" | "oneOf" => {
                if let Some(list) = value.as_array_mut() {
                    list.iter_mut().for_each(|s| strictify(s, true));
                }
            }
            "not" => strictify(value, true),
            _ => {}
        }
    }
}

fn add_int32_ranges_here(obj: &mut Map<String, Value>) {
    if obj.get("format").and_then(Value::as_str) == Some("int32") && has_type(obj, "integer") {
        obj.entry("minimum").or_insert(json!(i32::MIN));
        obj.entry("maximum").or_insert(json!(i32::MAX));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crd_schemas_become_strict() {
        let s = strict_crd_schema(json!({
            "type": "object",
            "properties": {
                "metadata": {"type": "object"},
                "spec": {
                    "type": "object",
                    "properties": {
                        "port": {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": true},
                        "values": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {"a": {"type": "string"}}},
                        "count": {"type": "integer", "format": "int32", "minimum": 0, "exclusiveMinimum": true},
                        "note": {"type": "string", "nullable": true},
                        "choice": {"type": "object", "properties": {"a": {}, "b": {}}, "oneOf": [{"properties": {"a": {}}, "required": ["a"]}, {"required": ["b"]}]}
                    }
                }
            }
        }));
        assert_eq!(s["additionalProperties"], json!(false));
        let spec = &s["properties"]["spec"];
        assert_eq!(spec["additionalProperties"], json!(false));
        assert_eq!(
            spec["properties"]["port"],
            json!({"type": ["integer", "string"], "x-kubernetes-int-or-string": true})
        );
        assert!(spec["properties"]["values"]
            .get("additionalProperties")
            .is_none());
        assert_eq!(spec["properties"]["count"]["exclusiveMinimum"], json!(0));
        assert_eq!(spec["properties"]["count"]["maximum"], json!(i32::MAX));
        assert_eq!(
            spec["properties"]["note"]["type"],
            json!(["string", "null"])
        );
        assert!(spec["properties"]["choice"]["oneOf"][0]
            .get("additionalProperties")
            .is_none());
        assert_eq!(
            s["properties"]["metadata"],
            json!({"$ref": object_meta_ref()})
        );
        assert_eq!(s["properties"]["kind"], json!({"type": "string"}));
    }
}
