//! Compiles `data/patch-strategies.json` (the strategic-merge table extracted from the
//! Kubernetes OpenAPI schema by `scripts/gen-patch-strategies.py`) into static Rust data, so
//! that looking up a merge key costs no parsing at run time.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

fn field(v: &Value, names: &[&String], out: &mut String) {
    match v {
        Value::String(s) => match names.iter().position(|n| *n == s) {
            Some(i) => write!(out, "Field::Type({i})").unwrap_or_default(),
            None => out.push_str("Field::Opaque"),
        },
        Value::Object(m) => {
            out.push_str("Field::MergeList { keys: &[");
            for k in m
                .get("keys")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                write!(out, "{:?}, ", k.as_str().unwrap_or_default()).unwrap_or_default();
            }
            out.push_str("], items: &");
            field(m.get("items").unwrap_or(&Value::Null), names, out);
            out.push_str(" }");
        }
        _ => out.push_str("Field::Opaque"),
    }
}

fn main() {
    println!("cargo:rerun-if-changed=data/patch-strategies.json");
    let text = std::fs::read_to_string("data/patch-strategies.json").unwrap_or_default();
    let raw: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let empty = serde_json::Map::new();
    let types = raw
        .get("types")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let kinds = raw
        .get("kinds")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut names: Vec<&String> = types.keys().collect();
    names.sort();
    let mut out = String::new();
    out.push_str("/// Type definitions, by index.\npub static TYPES: &[TypeDef] = &[\n");
    for name in &names {
        let def = &types[name.as_str()];
        writeln!(out, "    // {name}").unwrap_or_default();
        out.push_str("    TypeDef { props: &[");
        let mut props: Vec<(&String, &Value)> = def
            .get("props")
            .and_then(Value::as_object)
            .map(|m| m.iter().collect())
            .unwrap_or_default();
        props.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in props {
            write!(out, "({k:?}, ").unwrap_or_default();
            field(v, &names, &mut out);
            out.push_str("), ");
        }
        out.push_str("], additional: ");
        match def.get("additional") {
            Some(a) => {
                out.push_str("Some(");
                field(a, &names, &mut out);
                out.push(')');
            }
            None => out.push_str("None"),
        }
        out.push_str(" },\n");
    }
    out.push_str("];\n\n/// `apiVersion/kind` → root schema, sorted.\npub static KINDS: &[(&str, Field)] = &[\n");
    let mut ks: Vec<(&String, &Value)> = kinds.iter().collect();
    // Sorted by (apiVersion, kind), the order the lookup compares in.
    let split = |k: &str| -> (String, String) {
        let i = k.rfind('/').unwrap_or(0);
        (k[..i].to_string(), k.get(i + 1..).unwrap_or("").to_string())
    };
    ks.sort_by_key(|a| split(a.0));
    for (k, v) in ks {
        write!(out, "    ({k:?}, ").unwrap_or_default();
        field(v, &names, &mut out);
        out.push_str("),\n");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()))
        .join("patch_strategies.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}
