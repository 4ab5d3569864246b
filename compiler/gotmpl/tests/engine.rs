//! Engine tests. Expected strings were checked against Helm SDK v4.2.3 (Go's text/template
//! with `missingkey=zero`) through the helm-python-sdk oracle, unless marked otherwise.

use std::collections::BTreeMap;

use strata_gotmpl::{CallContext, ExecOptions, FuncError, FuncMap, MissingKey, Templates, Value};

/// Builds a Value from JSON the way Helm sees values: every number is float64.
fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => Value::list(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            let m: BTreeMap<String, Value> =
                o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect();
            Value::map(m)
        }
    }
}

fn funcs() -> FuncMap {
    let mut m = FuncMap::new();
    strata_gotmpl::func::register(
        &mut m,
        "upper",
        |_c: &mut dyn CallContext, a: &[Value]| match a {
            [Value::String(s)] => Ok(Value::str(s.to_uppercase())),
            [v] => Err(FuncError::Arg(format!(
                "wrong type for value; expected string; got {}",
                v.type_name()
            ))),
            _ => Err(FuncError::Arity {
                want: "1".into(),
                got: a.len(),
            }),
        },
    );
    strata_gotmpl::func::register(&mut m, "fail", |_c: &mut dyn CallContext, a: &[Value]| {
        Err(FuncError::Call(format!(
            "{}",
            strata_gotmpl::fmt::sprint(&a[0])
        )))
    });
    strata_gotmpl::func::register(&mut m, "include", |c: &mut dyn CallContext, a: &[Value]| {
        let name = a[0].as_str().unwrap_or("").to_string();
        c.execute_named(&name, &a[1]).map(Value::from)
    });
    strata_gotmpl::func::register(&mut m, "tpl", |c: &mut dyn CallContext, a: &[Value]| {
        let text = a[0].as_str().unwrap_or("").to_string();
        c.execute_text(&text, &a[1]).map(Value::from)
    });
    strata_gotmpl::func::register(&mut m, "dict", |_c: &mut dyn CallContext, a: &[Value]| {
        let mut m = BTreeMap::new();
        for kv in a.chunks(2) {
            m.insert(
                strata_gotmpl::fmt::sprint(&kv[0]),
                kv.get(1).cloned().unwrap_or(Value::Nil),
            );
        }
        Ok(Value::map(m))
    });
    strata_gotmpl::func::register(&mut m, "list", |_c: &mut dyn CallContext, a: &[Value]| {
        Ok(Value::list(a.to_vec()))
    });
    m
}

fn opts(f: &FuncMap, mk: MissingKey) -> ExecOptions<'_> {
    ExecOptions {
        funcs: f,
        missing_key: mk,
        seed: 1,
        now_unix: 0,
        fuel: 1_000_000,
        max_depth: 1000,
    }
}

/// Renders `tpl` as "t" with `values` (JSON) as `.Values`, Helm-style (missingkey=zero).
fn render_mk(tpl: &str, values: &str, mk: MissingKey) -> Result<String, String> {
    let f = funcs();
    let mut t = Templates::new();
    t.check_funcs(&f);
    t.parse("t", tpl).map_err(|e| e.to_string())?;
    let vals: serde_json::Value = serde_json::from_str(values).expect("test json");
    let mut top = BTreeMap::new();
    top.insert("Values".to_string(), from_json(&vals));
    let data = Value::map(top);
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
