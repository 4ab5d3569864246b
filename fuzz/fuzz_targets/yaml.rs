//! The YAML loader on any text, under every option set; where the text parses, the
//! emitter's output must parse again to the same text (emit → parse → emit is stable).
//!
//! Input: one byte of options, then the YAML text (invalid UTF-8 is replaced, as the loader
//! only ever sees `&str`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_yaml::{KeyOrder, ParseOptions, Schema, Timestamps, Value};

fn options(byte: u8) -> ParseOptions {
    let mut o = if byte & 1 == 0 {
        ParseOptions::default()
    } else {
        ParseOptions::kubernetes()
    };
    if byte & 2 != 0 {
        o.schema = Schema::Go11;
    }
    if byte & 4 != 0 {
        o.timestamps = Timestamps::Rfc3339;
    }
    if byte & 8 != 0 {
        o.spans = !o.spans;
    }
    if byte & 16 != 0 {
        // Small limits, so the limit paths are reached by short inputs too.
        o.max_depth = 4;
        o.max_alias_nodes = 64;
    }
    o
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let opts = options(first);
    let _ = strata_yaml::parse_one(&text, &opts);
    let Ok(docs) = strata_yaml::parse(&text, &opts) else {
        return;
    };
    let order = if first & 32 != 0 {
        KeyOrder::Kubernetes
    } else {
        KeyOrder::Sorted
    };
    let values: Vec<Value> = docs.into_iter().map(|d| d.value).collect();
    let emitted = strata_yaml::emit_stream(&values, order);
    // What we wrote must read back, under the reader that read the original, with the same
    // number of documents and the same text when written again. (Values are compared through
    // their text: the emitter writes integral floats as integers on purpose.)
    let again = match strata_yaml::parse(&emitted, &opts) {
        Ok(d) => d,
        Err(e) => panic!("emitted YAML does not parse: {e}\n--- emitted:\n{emitted}"),
    };
    assert_eq!(
        again.len(),
        values.len(),
        "document count changed\n--- emitted:\n{emitted}"
    );
    let values2: Vec<Value> = again.into_iter().map(|d| d.value).collect();
    let emitted2 = strata_yaml::emit_stream(&values2, order);
    assert_eq!(emitted, emitted2, "emit → parse → emit is not stable");
});
