//! Template-level tests of the Sprig families encoding, crypto, random, uuid, dates, certs,
//! network, urls and flow: the functions as a chart calls them through the engine. Expected
//! strings come from Helm SDK v4.2.3 (helm-python-sdk 0.2.2) unless a comment says the output
//! is Strata's deterministic choice.

use std::collections::BTreeMap;

mod common;

use common::{options, with_values};
use strata_gotmpl::{FuncMap, MissingKey, Templates, Value};

fn funcs() -> FuncMap {
    let mut f = FuncMap::default();
    strata_gotmpl::sprig::register(&mut f);
    f
}

/// Renders `tpl` as "t" with `values` as `.Values`, seed and build time as given.
fn render_with(tpl: &str, values: Value, seed: u64, now: i64) -> Result<String, String> {
    let f = funcs();
    let mut t = Templates::new();
    t.parse("t", tpl).map_err(|e| e.to_string())?;
    let opts = options(&f, MissingKey::Zero, seed, now);
    t.execute("t", &with_values(values), &opts)
        .map_err(|e| e.to_string())
}

/// 2024-03-01 12:34:56 UTC.
const NOW: i64 = 1_709_296_496;

fn render(tpl: &str) -> Result<String, String> {
    render_with(tpl, Value::empty_map(), 7, NOW)
}

fn ok(tpl: &str) -> String {
    render(tpl).unwrap_or_else(|e| panic!("{tpl}: {e}"))
}

#[test]
fn random_functions_are_deterministic_per_seed_and_call() {
    let tpl = "{{ randAlphaNum 12 }} {{ randAlphaNum 12 }} {{ uuidv4 }}";
    let a = ok(tpl);
    assert_eq!(a, ok(tpl), "same inputs, same bytes");
    let parts: Vec<&str> = a.split(' ').collect();
    assert_ne!(parts[0], parts[1], "two calls differ");
    assert_eq!(parts[0].len(), 12);
    let other_seed = render_with(tpl, Value::empty_map(), 8, NOW).unwrap();
    assert_ne!(
        a, other_seed,
        "another site/service seed gives other values"
    );
}

#[test]
fn now_is_the_build_time() {
    assert_eq!(ok("{{ now }}"), "2024-03-01 12:34:56 +0000 UTC");
    assert_eq!(ok("{{ now | date \"2006-01-02\" }}"), "2024-03-01");
    assert_eq!(ok("{{ printf \"%T\" now }}"), "time.Time");
    assert_eq!(ok("{{ now | unixEpoch }}"), NOW.to_string());
    // openstack-helm's helm-toolkit computes certificate expiry dates this way.
    assert_eq!(
        ok("{{ date_in_zone \"2006-01-02T15:04:05Z07:00\" ( date_modify \"+8760h\" now ) \"UTC\" }}"),
        "2025-03-01T12:34:56Z"
    );
}

#[test]
fn time_methods_are_callable() {
    assert_eq!(ok("{{ now.Unix }}"), NOW.to_string());
    assert_eq!(ok("{{ now.Year }} {{ now.Month }}"), "2024 March");
    assert_eq!(ok("{{ now.Format \"Jan 2\" }}"), "Mar 1");
    assert_eq!(
        ok("{{ (toDate \"2006-01-02\" \"2024-03-01\").UTC.Weekday }}"),
        "Friday"
    );
}

#[test]
fn helm_outputs_of_pure_functions() {
    assert_eq!(
        ok("{{ \"abc\" | sha256sum }}"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        ok("{{ b64dec \"aGVsbG8\" }}"),
        "illegal base64 data at input byte 4"
    );
    assert_eq!(ok("{{ \"hello\" | b32enc | b32dec }}"), "hello");
    assert_eq!(ok("{{ (urlParse \"http://[::1]:80/x\").hostname }}"), "::1");
    assert_eq!(
        ok("{{ toDate \"2006-01-02\" \"2024-03-01\" | date \"Jan\" }}"),
        "Mar"
    );
    assert_eq!(ok("{{ duration \"3700\" }}"), "1h1m40s");
    assert_eq!(
        ok("{{ derivePassword 1 \"pin\" \"p\" \"u\" \"s\" }}"),
        "2461"
    );
}

#[test]
fn errors_read_as_helm_prints_them() {
    let e = render("{{ randInt 5 5 }}").unwrap_err();
    assert!(
        e.ends_with("error calling randInt: invalid argument to Intn"),
        "{e}"
    );
    let mut vals = BTreeMap::new();
    vals.insert("n".into(), Value::Float(3.0));
    let e = render_with("{{ .Values.n | randAlpha }}", Value::map(vals), 7, NOW).unwrap_err();
    assert!(
        e.ends_with("wrong type for value; expected int; got float64"),
        "{e}"
    );
    let e = render("{{ mustToDate \"2006-01-02\" \"bad\" }}").unwrap_err();
    assert!(
        e.ends_with("error calling mustToDate: parsing time \"bad\" as \"2006-01-02\": cannot parse \"bad\" as \"2006\""),
        "{e}"
    );
    let e = render("{{ getHostByName \"example.com\" }}").unwrap_err();
    assert!(e.contains("offline"), "{e}");
    let e = render("{{ fail \"boom\" }}").unwrap_err();
    assert!(e.ends_with("error calling fail: boom"), "{e}");
}

#[test]
fn certificates_through_templates() {
    let tpl = "{{ $ca := genCA \"my-ca\" 365 }}{{ $c := genSignedCert \"svc\" nil nil 30 $ca }}\
               {{ substr 0 27 $ca.Cert }}|{{ substr 0 31 $c.Key }}|{{ eq $ca.Cert $c.Cert }}";
    let out = ok(tpl);
    assert_eq!(
        out,
        "-----BEGIN CERTIFICATE-----|-----BEGIN RSA PRIVATE KEY-----|false"
    );
    assert_eq!(out, ok(tpl));
}
