//! Inputs found by the fuzz targets in `fuzz/` (see book/src/fuzzing.md), kept as ordinary
//! tests so that each finding stays fixed without a fuzzer.

use serde_json::{json, Value};
use strata_yaml::{emit, parse, KeyOrder, ParseOptions};

fn round_trip(v: &Value) {
    let text = emit(v, KeyOrder::Sorted);
    let docs = parse(&text, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("emitted YAML does not parse: {e}\n{text}"));
    assert_eq!(docs.len(), 1, "{text}");
    assert_eq!(&docs[0].value, v, "{text}");
}

/// YAML limits an implicit (`key: value`) key to 1024 characters: a longer key was written
/// as an implicit key, and no reader (ours, go-yaml, PyYAML) could read the file back. Found
/// by the `yaml` target (emit → parse round trip).
#[test]
fn keys_longer_than_1024_characters_are_read_back() {
    let plain = "k".repeat(1500);
    let quoted = "\u{1}".repeat(300); // each written as `\x01`: 1,200 bytes
    let block = "line\n".repeat(3);
    // At the limit: 1,024 bytes written (plain; quoted with its two quotes), and one more.
    let at_limit = "k".repeat(1024);
    let quoted_at_limit = format!("{}:", "q".repeat(1021));
    let over = "k".repeat(1025);
    for key in [
        plain.as_str(),
        quoted.as_str(),
        at_limit.as_str(),
        quoted_at_limit.as_str(),
        over.as_str(),
    ] {
        round_trip(&json!({ key: "v" }));
        round_trip(&json!({ key: {"a": 1, "b": [1, 2]} }));
        round_trip(&json!({ key: [ {"x": null}, "y" ] }));
        round_trip(&json!({ key: block }));
        round_trip(&json!({ key: [] }));
        round_trip(&json!({"a": [{ key: 1, "short": {key: [2]} }]}));
        round_trip(&json!([[{ key: 1 }]]));
    }
}
