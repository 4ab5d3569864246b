//! Engine tests. Expected strings were checked against Helm SDK v4.2.3 (Go's text/template
//! with `missingkey=zero`) through the helm-python-sdk oracle, unless marked otherwise.

use std::collections::BTreeMap;

mod common;

use common::{from_json, options, test_funcs, with_values};
use strata_gotmpl::{CallContext, ExecOptions, FuncError, FuncMap, MissingKey, Templates, Value};

fn funcs() -> FuncMap {
    test_funcs(false)
}

fn opts(f: &FuncMap, mk: MissingKey) -> ExecOptions<'_> {
    options(f, mk, 1, 0)
}

/// Renders `tpl` as "t" with `values` (JSON) as `.Values`, Helm-style (missingkey=zero).
fn render_mk(tpl: &str, values: &str, mk: MissingKey) -> Result<String, String> {
    let f = funcs();
    let mut t = Templates::new();
    t.check_funcs(&f);
    t.parse("t", tpl).map_err(|e| e.to_string())?;
    let vals: serde_json::Value = serde_json::from_str(values).expect("test json");
    let data = with_values(from_json(&vals));
    t.execute("t", &data, &opts(&f, mk))
        .map_err(|e| e.to_string())
}

fn render(tpl: &str, values: &str) -> Result<String, String> {
    render_mk(tpl, values, MissingKey::Zero)
}

fn ok(tpl: &str, values: &str) -> String {
    match render(tpl, values) {
        Ok(s) => s,
        Err(e) => panic!("{tpl}: unexpected error {e}"),
    }
}

fn err(tpl: &str, values: &str) -> String {
    match render(tpl, values) {
        Ok(s) => panic!("{tpl}: expected an error, got {s:?}"),
        Err(e) => e,
    }
}

#[test]
fn text_and_fields() {
    assert_eq!(ok("a {{ .Values.x }} b", r#"{"x":"y"}"#), "a y b");
    assert_eq!(ok("{{ .Values.m.a }}", r#"{"m":{"a":1000000}}"#), "1e+06");
    assert_eq!(
        ok("{{ .Values.m }}", r#"{"m":{"a":[1,"x",2.5],"b":2}}"#),
        "map[a:[1 x 2.5] b:2]"
    );
    assert_eq!(ok("{{ .Values.missing }}", "{}"), "<no value>");
}

#[test]
fn control_structures() {
    assert_eq!(
        ok(
            "{{ if .Values.a }}yes{{ else if .Values.b }}b{{ else }}no{{ end }}",
            r#"{"b":1}"#
        ),
        "b"
    );
    assert_eq!(
        ok(
            "{{ range $i, $v := .Values.l }}{{ $i }}={{ $v }},{{ end }}",
            r#"{"l":["a","b"]}"#
        ),
        "0=a,1=b,"
    );
    assert_eq!(
        ok(
            "{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }},{{ end }}",
            r#"{"m":{"b":1,"a":2}}"#
        ),
        "a=2,b=1,"
    );
    assert_eq!(
        ok(
            "{{ range .Values.l }}x{{ else }}empty{{ end }}",
            r#"{"l":[]}"#
        ),
        "empty"
    );
    assert_eq!(ok("{{ range 3 }}{{ . }}{{ end }}", "{}"), "012");
    assert_eq!(
        ok(
            "{{ range .Values.l }}{{ if eq . 2.0 }}{{ break }}{{ end }}{{ . }}{{ end }}",
            r#"{"l":[1,2,3]}"#
        ),
        "1"
    );
    assert_eq!(
        ok(
            "{{ range .Values.l }}{{ if eq . 2.0 }}{{ continue }}{{ end }}{{ . }}{{ end }}",
            r#"{"l":[1,2,3]}"#
        ),
        "13"
    );
    assert_eq!(
        ok(
            "{{ with .Values.a }}{{ . }}{{ else with .Values.b }}b{{ . }}{{ else }}none{{ end }}",
            r#"{"b":"x"}"#
        ),
        "bx"
    );
    assert_eq!(
        ok(
            "{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" .Values.a }}",
            r#"{"a":"q"}"#
        ),
        "[q]"
    );
    assert_eq!(
        ok(
            "{{ block \"y\" .Values.a }}<{{ . }}>{{ end }}",
            r#"{"a":"q"}"#
        ),
        "<q>"
    );
    assert_eq!(ok("a  {{- /* c */ -}}  b", "{}"), "ab");
    assert_eq!(ok("a\n  {{- 1 }}\n{{ 2 -}}\n  b", "{}"), "a1\n2b");
}

#[test]
fn include_and_tpl() {
    assert_eq!(
        ok(
            "{{ define \"x\" }}[{{ .a }}]{{ end }}{{ include \"x\" (dict \"a\" 1) | upper }}",
            "{}"
        ),
        "[1]"
    );
    assert_eq!(ok("{{ tpl \"{{ .Values.a }}\" . }}", r#"{"a":"q"}"#), "q");
}

#[test]
fn variables() {
    assert_eq!(
        ok(
            "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
            "{}"
        ),
        "2"
    );
    assert_eq!(
        ok(
            "{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ end }}{{ $x }}",
            "{}"
        ),
        "1"
    );
    assert_eq!(
        ok(
            "{{ range .Values.l }}{{ $.Values.a }}{{ end }}",
            r#"{"l":[1,2],"a":"z"}"#
        ),
        "zz"
    );
}

#[test]
fn errors() {
    assert_eq!(
        err("{{ eq .Values.i 3 }}", r#"{"i":3}"#),
        "template: t:1:3: executing \"t\" at <eq .Values.i 3>: error calling eq: incompatible types for comparison: float64 and int"
    );
    assert_eq!(
        err("{{ .Values.a.b }}", "{}"),
        "template: t:1:10: executing \"t\" at <.Values.a.b>: nil pointer evaluating interface {}.b"
    );
    assert_eq!(err("{{ if }}", "{}"), "template: t:1: missing value for if");
    assert_eq!(
        err("{{ nope }}", "{}"),
        "template: t:1: function \"nope\" not defined"
    );
}

fn opts_with(f: &FuncMap, fuel: u64, max_depth: usize) -> ExecOptions<'_> {
    ExecOptions {
        funcs: f,
        missing_key: MissingKey::Zero,
        seed: 7,
        now_unix: 1_700_000_000,
        fuel,
        max_depth,
    }
}

#[test]
fn fuel_stops_endless_work() {
    let f = funcs();
    let mut t = Templates::new();
    t.parse(
        "t",
        "{{ range 100000000 }}{{ range 100000000 }}x{{ end }}{{ end }}",
    )
    .unwrap();
    let e = t
        .execute("t", &Value::Nil, &opts_with(&f, 10_000, 100))
        .unwrap_err();
    assert_eq!(e.kind, strata_gotmpl::ErrorKind::Fuel);
    assert!(e.to_string().ends_with(": fuel exhausted"), "{e}");
}

#[test]
fn recursion_is_limited_and_does_not_overflow_the_stack() {
    let f = funcs();
    let mut t = Templates::new();
    t.parse(
        "t",
        r#"{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}"#,
    )
    .unwrap();
    let e = t
        .execute("t", &Value::Nil, &opts_with(&f, 10_000_000, 1000))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"template: t:1:28: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (1000)"#
    );
    // The same through include, 1000 levels deep, inside a test thread's small stack.
    let mut t = Templates::new();
    t.parse(
        "t",
        r#"{{ define "r" }}{{ include "r" . }}{{ end }}{{ include "r" . }}"#,
    )
    .unwrap();
    let e = t
        .execute("t", &Value::Nil, &opts_with(&f, 10_000_000, 1000))
        .unwrap_err();
    assert!(e
        .to_string()
        .ends_with("exceeded maximum template depth (1000)"));
}

#[test]
fn deep_nesting_is_a_parse_error_not_a_crash() {
    let f = funcs();
    let deep = format!("{{{{ {}1{} }}}}", "(".repeat(5000), ")".repeat(5000));
    let mut t = Templates::new();
    let e = t.parse("t", &deep).unwrap_err();
    assert_eq!(
        e.to_string(),
        "template: t:1: max expression depth exceeded"
    );
    let deep_if = format!("{}x{}", "{{ if 1 }}".repeat(5000), "{{ end }}".repeat(5000));
    let e = t.parse("t", &deep_if).unwrap_err();
    assert_eq!(
        e.to_string(),
        "template: t:1: max expression depth exceeded"
    );
    // Just below the limit parses and runs.
    let ok_deep = format!("{}x{}", "{{ if 1 }}".repeat(900), "{{ end }}".repeat(900));
    t.parse("t", &ok_deep).unwrap();
    assert_eq!(
        t.execute("t", &Value::Nil, &opts_with(&f, 1_000_000, 100))
            .unwrap(),
        "x"
    );
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(900), ")".repeat(900));
    t.parse("t", &parens).unwrap();
    assert_eq!(
        t.execute("t", &Value::Nil, &opts_with(&f, 1_000_000, 100))
            .unwrap(),
        "1"
    );
}

#[test]
fn missing_key_modes() {
    // Go's own behaviour for the three `missingkey` settings (text/template documentation).
    assert_eq!(
        render_mk("{{ .Values.a }}", "{}", MissingKey::Default).unwrap(),
        "<no value>"
    );
    assert_eq!(
        render_mk("{{ .Values.a.b }}", "{}", MissingKey::Default).unwrap(),
        "<no value>"
    );
    assert_eq!(
        render_mk("{{ .Values.a.b }}", "{}", MissingKey::Zero).unwrap_err(),
        "template: t:1:10: executing \"t\" at <.Values.a.b>: nil pointer evaluating interface {}.b"
    );
    assert_eq!(
        render_mk("{{ .Values.a }}", "{}", MissingKey::Error).unwrap_err(),
        "template: t:1:10: executing \"t\" at <.Values.a>: map has no entry for key \"a\""
    );
    // index of a missing key gives nil in every mode.
    assert_eq!(
        render_mk("{{ index .Values \"a\" }}", "{}", MissingKey::Error).unwrap(),
        "<no value>"
    );
}

struct Meta;

impl strata_gotmpl::Object for Meta {
    fn type_name(&self) -> String {
        "*chart.Metadata".to_string()
    }
    fn field(&self, name: &str) -> Option<Value> {
        (name == "Name").then(|| Value::str("mychart"))
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, FuncError>> {
        (name == "Twice").then(|| {
            Ok(Value::str(format!(
                "{0}{0}",
                strata_gotmpl::fmt::sprint(&args[0])
            )))
        })
    }
    fn format(&self) -> String {
        "&{mychart}".to_string()
    }
}

#[test]
fn objects_have_fields_and_methods() {
    let f = funcs();
    let mut top = BTreeMap::new();
    top.insert("Chart".into(), Value::Object(std::rc::Rc::new(Meta)));
    let data = Value::map(top);
    let mut t = Templates::new();
    t.parse(
        "t",
        "{{ .Chart.Name }} {{ .Chart.Twice \"ab\" }} {{ \"x\" | .Chart.Twice }} {{ .Chart }}",
    )
    .unwrap();
    assert_eq!(
        t.execute("t", &data, &opts_with(&f, 10_000, 10)).unwrap(),
        "mychart abab xx &{mychart}"
    );
    t.parse("t", "{{ .Chart.Nope }}").unwrap();
    assert_eq!(
        t.execute("t", &data, &opts_with(&f, 10_000, 10)).unwrap_err().to_string(),
        "template: t:1:9: executing \"t\" at <.Chart.Nope>: can't evaluate field Nope in type *chart.Metadata"
    );
}

#[test]
fn call_context_seeds_are_deterministic() {
    let mut f = funcs();
    strata_gotmpl::func::register(&mut f, "seed", |c: &mut dyn CallContext, _a: &[Value]| {
        Ok(Value::Int64((c.next_seed() % 1000) as i64))
    });
    strata_gotmpl::func::register(&mut f, "now", |c: &mut dyn CallContext, _a: &[Value]| {
        Ok(Value::Int64(c.now_unix()))
    });
    let mut t = Templates::new();
    t.parse("t", "{{ seed }} {{ seed }} {{ now }}").unwrap();
    let a = t
        .execute("t", &Value::Nil, &opts_with(&f, 10_000, 10))
        .unwrap();
    let b = t
        .execute("t", &Value::Nil, &opts_with(&f, 10_000, 10))
        .unwrap();
    assert_eq!(a, b);
    let parts: Vec<&str> = a.split(' ').collect();
    assert_ne!(parts[0], parts[1], "successive calls differ");
    assert_eq!(parts[2], "1700000000");
}

#[test]
fn later_files_replace_definitions_but_empty_ones_do_not() {
    let f = funcs();
    let mut t = Templates::new();
    t.parse("a", r#"{{ define "x" }}one{{ end }}"#).unwrap();
    t.parse("b", r#"{{ define "x" }}two{{ end }}"#).unwrap();
    t.parse("c", r#"{{ define "x" }} {{ end }}{{ template "x" }}"#)
        .unwrap();
    assert_eq!(
        t.execute("c", &Value::Nil, &opts_with(&f, 10_000, 10))
            .unwrap(),
        "two"
    );
    assert!(t.contains("x") && t.contains("a"));
    assert_eq!(t.names().collect::<Vec<_>>(), vec!["x", "a", "b", "c"]);
}

#[test]
fn tpl_definitions_stay_local() {
    let f = funcs();
    let mut t = Templates::new();
    t.parse(
        "t",
        r#"{{ tpl "{{ define \"q\" }}Q{{ end }}{{ include \"q\" . }}" . }}{{ include "q" . }}"#,
    )
    .unwrap();
    let e = t
        .execute("t", &Value::Nil, &opts_with(&f, 10_000, 10))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("no template \"q\" associated with template \"gotpl\""),
        "{e}"
    );
}

/// Random token soup must never panic or hang: every input parses or fails with an error, and
/// every parsed template executes or fails with an error.
#[test]
fn random_templates_never_panic() {
    const TOKENS: &[&str] = &[
        "{{",
        "}}",
        "{{-",
        "-}}",
        " ",
        "\n",
        "if",
        "else",
        "end",
        "range",
        "with",
        "define",
        "template",
        "block",
        "break",
        "continue",
        "\"x\"",
        "`r`",
        "'c'",
        "1",
        "-2",
        "3.5",
        "0x1f",
        "1e3",
        ".",
        ".a",
        ".Values",
        ".b.c",
        "$",
        "$x",
        "$x :=",
        "$x =",
        "|",
        "(",
        ")",
        ",",
        "nil",
        "true",
        "len",
        "index",
        "printf",
        "\"%d %s %v\"",
        "print",
        "eq",
        "lt",
        "and",
        "or",
        "not",
        "slice",
        "html",
        "js",
        "include",
        "tpl",
        "dict",
        "list",
        "/*",
        "*/",
        "text",
        "é",
        ":=",
        "=",
        "\\",
    ];
    let f = funcs();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let data = {
        let vals: serde_json::Value =
            serde_json::from_str(r#"{"a":{"b":{"c":[1,"x",null]}},"l":[1,2],"s":"str"}"#).unwrap();
        let mut top = BTreeMap::new();
        top.insert("Values".into(), from_json(&vals));
        top.insert("a".into(), Value::str("q"));
        Value::map(top)
    };
    let opts = opts_with(&f, 20_000, 50);
    for _ in 0..10_000 {
        let n = (next() % 24) as usize;
        let mut text = String::new();
        for _ in 0..n {
            text.push_str(TOKENS[(next() % TOKENS.len() as u64) as usize]);
            if next() % 3 == 0 {
                text.push(' ');
            }
        }
        let mut t = Templates::new();
        if t.parse("t", &text).is_ok() {
            let _ = t.execute("t", &data, &opts);
        }
    }
}

/// Helm's `.Files` is a Go map type with methods; `range`, `len` and `index` see its entries.
struct FilesLike;

impl strata_gotmpl::Object for FilesLike {
    fn type_name(&self) -> String {
        "files.Files".to_string()
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn format(&self) -> String {
        "map[a.txt:[97] b.txt:[98]]".to_string()
    }
    fn entries(&self) -> Option<Vec<(String, Value)>> {
        Some(vec![
            ("a.txt".to_string(), Value::list(vec![Value::Int(97)])),
            ("b.txt".to_string(), Value::list(vec![Value::Int(98)])),
        ])
    }
}

#[test]
fn map_objects_can_be_ranged_measured_and_indexed() {
    let f = funcs();
    let mut top = BTreeMap::new();
    top.insert("Files".into(), Value::Object(std::rc::Rc::new(FilesLike)));
    let data = Value::map(top);
    let mut t = Templates::new();
    t.parse(
        "t",
        r#"{{ range $k, $v := .Files }}{{ $k }}={{ $v }};{{ end }}{{ len .Files }} {{ index .Files "b.txt" }}"#,
    )
    .unwrap();
    assert_eq!(
        t.execute("t", &data, &opts_with(&f, 10_000, 10)).unwrap(),
        "a.txt=[97];b.txt=[98];2 [98]"
    );
}

#[test]
fn argument_errors_point_where_go_points() {
    // Helm SDK v4.2.3:
    //   {{ upper (len "ab") }}  -> at <"ab">: wrong type for value; expected string; got int
    //   {{ ternary 1 2 "x" }}   -> at <"x">: expected bool; found "x"
    //   {{ ternary "a" "b" (or 0 "s") }} -> at <"s">: wrong type for value; expected bool; got string
    let mut f = funcs();
    strata_gotmpl::func::register(
        &mut f,
        "ternary",
        |_c: &mut dyn CallContext, a: &[Value]| match a.get(2) {
            Some(Value::Bool(b)) => Ok(if *b { a[0].clone() } else { a[1].clone() }),
            Some(v) => Err(FuncError::Arg(format!(
                "wrong type for value; expected bool; got {}",
                v.type_name()
            ))),
            None => Err(FuncError::Arity {
                want: "3".into(),
                got: a.len(),
            }),
        },
    );
    let run = |text: &str| {
        let mut t = Templates::new();
        t.parse("c/templates/t", text).unwrap();
        t.execute("c/templates/t", &Value::Nil, &opts_with(&f, 10_000, 10))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        run(r#"{{ upper (len "ab") }}"#),
        r#"template: c/templates/t:1:14: executing "c/templates/t" at <"ab">: wrong type for value; expected string; got int"#
    );
    assert_eq!(
        run(r#"{{ ternary 1 2 "x" }}"#),
        r#"template: c/templates/t:1:15: executing "c/templates/t" at <"x">: expected bool; found "x""#
    );
    assert_eq!(
        run(r#"{{ ternary "a" "b" (or 0 "s") }}"#),
        r#"template: c/templates/t:1:25: executing "c/templates/t" at <"s">: wrong type for value; expected bool; got string"#
    );
}

/// A text parsed once is shared by every set that parses it again (a library chart vendored
/// under many charts); each set must still see its own file name in errors, its own
/// definitions, and reject unknown functions when it checks them.
#[test]
fn a_text_parsed_for_several_sets_keeps_each_sets_names() {
    let f = funcs();
    let text = "{{ define \"shared.d\" }}[{{ .x.y }}]{{ end }}{{ template \"shared.d\" . }}";
    let data = from_json(&serde_json::json!({"x": "a string"}));
    let mut errors = Vec::new();
    for name in ["one/templates/_t.tpl", "two/templates/_t.tpl"] {
        let mut set = Templates::new();
        set.parse(name, text).expect("parses");
        assert!(set.contains("shared.d") && set.contains(name));
        let err = set
            .execute(name, &data, &opts(&f, MissingKey::Zero))
            .expect_err("a field of a string");
        errors.push(err.to_string());
    }
    assert!(
        errors[0].starts_with("template: one/templates/_t.tpl:1:"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("template: two/templates/_t.tpl:1:"),
        "{}",
        errors[1]
    );
    assert_eq!(
        errors[0].replace("one/", ""),
        errors[1].replace("two/", ""),
        "the same error but for the file name"
    );

    // Parsed without a function check first, the text must not slip past a set that checks.
    let calls = "{{ nosuchfunction 1 }}";
    let mut lax = Templates::new();
    lax.parse("lax", calls)
        .expect("unchecked parse accepts any name");
    let mut strict = Templates::new();
    strict.check_funcs(&f);
    let err = strict
        .parse("strict", calls)
        .expect_err("checked parse refuses it");
    assert!(
        err.to_string()
            .contains("function \"nosuchfunction\" not defined"),
        "{err}"
    );
}
