//! SARIF 2.1.0 output of `strata lint`, for code scanning (GitHub's upload-sarif, GitLab's
//! SARIF conversion): one rule per check, one result per finding, located at the
//! repository-relative input line.

use serde_json::{json, Value};

use super::{Report, Severity, RULES};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The SARIF log of a report.
pub fn sarif(report: &Report) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.help, "markdown": format!("**{}** ({}): {}\n\nFix: {}", r.code, r.name, r.summary, r.help)},
                "defaultConfiguration": {"level": level(r.severity)},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = RULES.iter().position(|r| r.code == f.code).unwrap_or(0);
            let mut result = json!({
                "ruleId": f.code,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": format!("{} (sites: {}; {} {})", f.message, f.sites.join(", "), f.service, f.object)},
                "partialFingerprints": {"strataObject/v1": format!("{}:{}:{}", f.code, f.service, f.object)},
                "properties": {"sites": f.sites, "service": f.service, "object": f.object, "hint": f.hint},
            });
            if let Some(l) = &f.location {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": l.path.to_string(), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": l.line, "startColumn": l.col},
                    }
                }]);
            }
            if let Some(p) = &f.policy {
                result["properties"]["policy"] = json!(p);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "strata",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The site repository's root."}}},
            "results": results,
        }],
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&log).unwrap_or_default()
    )
}
