//! The project's own test charts (tests/charts/), each rendered by Strata and by Helm's own
//! engine (the oracle), compared file by file, byte for byte; a failing render must fail in
//! both, at the same template file, line and column.

mod common;

use std::path::PathBuf;

use common::{Request, Verdict};

/// One render of a test chart: the chart, values files (from tests/charts/values/), release
/// name and namespace, and the `file://` dependencies to resolve.
struct Case {
    chart: &'static str,
    values: &'static [&'static str],
    name: &'static str,
    namespace: &'static str,
    deps: &'static [(&'static str, &'static str)],
}

const fn case(chart: &'static str, values: &'static [&'static str]) -> Case {
    Case {
        chart,
        values,
        name: "release-name",
        namespace: "default",
        deps: &[],
    }
}

/// Every case; the features each chart exercises are listed in tests/charts/README.md.
const CASES: &[Case] = &[
    case("basics", &[]),
    Case {
        name: "other-release",
        namespace: "team-a",
        ..case("basics", &["basics-alt.yaml"])
    },
    case("umbrella", &[]),
    case("umbrella", &["umbrella-switches.yaml"]),
    case("umbrella", &["umbrella-gated.yaml"]),
    case("files", &[]),
    case("schema", &[]),
    case("schema", &["schema-invalid.yaml"]),
    case("hooks", &[]),
    case("errors", &[]),
    case("errors", &["errors-required.yaml"]),
    case("errors", &["errors-fail.yaml"]),
    case("errors", &["errors-compare.yaml"]),
    case("errors", &["errors-nilfield.yaml"]),
    case("errors", &["errors-include.yaml"]),
    case("errors", &["errors-index.yaml"]),
    case("errors", &["errors-tpl-parse.yaml"]),
    case("errors", &["errors-tpl-fail.yaml"]),
    case("errors", &["errors-notes.yaml"]),
    Case {
        deps: &[("filedep-lib", "filedep-lib")],
        ..case("filedep", &[])
    },
];

fn request(c: &Case) -> Request {
    let dir = common::test_charts();
    Request {
        chart: dir.join(c.chart),
        values_files: c
            .values
            .iter()
            .map(|v| dir.join("values").join(v))
            .collect::<Vec<PathBuf>>(),
        dependencies: c
            .deps
            .iter()
            .map(|(n, p)| (n.to_string(), dir.join(p)))
            .collect(),
        name: c.name.into(),
        namespace: c.namespace.into(),
    }
}

#[test]
fn test_charts_agree_with_helm() {
    if !common::oracle_or_skip("differential_charts") {
        return;
    }
    let reqs: Vec<Request> = CASES.iter().map(request).collect();
    let helm = common::oracle(&reqs, 1);
    let (mut equal_files, mut both_failed, mut failures) = (0usize, 0usize, Vec::new());
    for ((c, req), (h, _)) in CASES.iter().zip(&reqs).zip(helm) {
        let h = &h[0];
        let s = common::strata(req);
        match common::compare(h, &s) {
            Verdict::Equal => equal_files += h.as_ref().map_or(0, |f| f.len()),
            Verdict::BothFailed => both_failed += 1,
            Verdict::BothFailedArgumentColumn => failures.push(format!(
                "chart {} with values {:?}: both failed, at another column of the same line",
                c.chart, c.values
            )),
            Verdict::Differ(d) => failures.push(format!(
                "chart {} with values {:?} (release {}, namespace {}):\n{d}",
                c.chart, c.values, c.name, c.namespace
            )),
        }
    }
    eprintln!(
        "differential_charts: {} renders: {} agree ({equal_files} files equal, {both_failed} failing in both at the same place), {} differ",
        CASES.len(),
        CASES.len() - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "test charts render differently from Helm:\n\n{}",
        failures.join("\n")
    );
}

/// Every case's oracle answer is what the case is for: the error cases fail in Helm, the
/// others do not (so a chart edited by mistake cannot turn a test into a no-op).
#[test]
fn test_chart_cases_mean_what_they_say() {
    if !common::oracle_or_skip("differential_charts") {
        return;
    }
    let reqs: Vec<Request> = CASES.iter().map(request).collect();
    for (c, (h, _)) in CASES.iter().zip(common::oracle(&reqs, 1)) {
        let should_fail = c
            .values
            .iter()
            .any(|v| v.starts_with("errors-") || v.ends_with("-invalid.yaml"));
        assert_eq!(
            h[0].is_err(),
            should_fail,
            "{} {:?}: Helm answered {:?}",
            c.chart,
            c.values,
            h[0].as_ref().map(|f| f.len())
        );
    }
}
