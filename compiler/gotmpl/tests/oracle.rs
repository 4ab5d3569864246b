//! Runs the cases in `oracle_cases` (expected outputs recorded from Helm SDK v4.2.3) through
//! the engine the way Helm calls it: `missingkey=zero`, `<no value>` replaced by nothing in the
//! output and in `include`/`tpl` results.

mod oracle_cases;

mod common;

use common::{from_json, options, test_funcs, with_values};
use strata_gotmpl::{MissingKey, Templates};

#[test]
fn cases_render_as_helm_renders_them() {
    let f = test_funcs(true);
    let mut failures = Vec::new();
    for (tpl, vi, want) in oracle_cases::CASES {
        let mut t = Templates::new();
        t.check_funcs(&f);
        let name = "c/templates/t";
        let vals: serde_json::Value =
            serde_json::from_str(oracle_cases::VALUES[*vi]).expect("case values are JSON");
        let opts = options(&f, MissingKey::Zero, 1, 0);
        let got = t
            .parse(name, tpl)
            .and_then(|_| t.execute(name, &with_values(from_json(&vals)), &opts));
        let got = match got {
            Ok(s) => format!("OK:{}", s.replace("<no value>", "")),
            Err(e) => format!("ERR:{e}"),
        };
        if got != *want {
            failures.push(format!("{tpl:?}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        oracle_cases::CASES.len(),
        failures.join("\n")
    );
}
