//! `_meta/site.lint.json`: a site's lint findings as its build found them, so that
//! `strata lint` after a build costs a fraction of one.
//!
//! Every build runs the checks on the objects it compiled (a few per cent of its time) and
//! records the findings beside `_meta/site.json`, keyed by a fingerprint of everything they
//! depend on: the site's inputs (those of its input digest), the repository-wide inputs
//! (`schemas/`, the Strata version: [`crate::fleet::repository_digest`]) and the table of
//! checks. The key is an XXH3 digest: only Strata reads it back, and SHA-256 in software
//! would cost more than the rest of the lookup. (The checks' code is not in the key, so that
//! an edit to it does not change every recorded output: a development build whose checks
//! changed, at the same version, may read an earlier build's records until the next build;
//! `--fresh` compiles every site, and the tests lint fresh output folders.)
//! `strata lint` resolves each site (cheap: no rendering), and when the record of its output
//! folder carries the same fingerprint, takes the findings from it instead of compiling the
//! site again. A record that is missing, unreadable, of another site or of other inputs is
//! ignored: the site is compiled, as `strata lint --fresh` does for every site.
//!
//! The file name holds a dot so that it cannot be the `_meta/<service>.json` of a service
//! (service names are DNS labels). Its location lines are the masked lines lint prints
//! (secret values never reach it).

use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};

use super::{rule, Finding, Location, Severity};
use crate::model::Site;
use crate::pipeline::Project;

/// The record's path in a site's output folder.
pub const PATH: &str = "_meta/site.lint.json";

/// The fingerprint a record is valid for: the site's inputs and the repository's, the Strata
/// version among them (what incremental `diff` compares, [`Project::site_cache_key`]), and
/// the table of checks (codes, severities, texts).
pub fn fingerprint(project: &Project, site: &Site) -> String {
    let rules: Vec<String> = super::RULES
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {}",
                r.code,
                r.name,
                r.severity.as_str(),
                r.summary,
                r.help
            )
        })
        .collect();
    let parts: Vec<(&str, &str)> = rules.iter().map(|r| ("lint rule", r.as_str())).collect();
    project.site_cache_key(site, &parts)
}

/// The record of a site's findings (before they are grouped across sites).
pub fn write(site: &str, fingerprint: &str, findings: &[Finding]) -> String {
    let list: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "code": f.code,
                "severity": f.severity,
                "service": f.service,
                "object": f.object,
                "message": f.message,
                "location": f.location.as_ref().map(|l| json!({
                    "path": &*l.path, "line": l.line, "col": l.col, "text": l.text,
                })),
                "hint": f.hint,
                "policy": f.policy,
            })
        })
        .collect();
    let v = json!({
        "strataVersion": crate::gitops::meta::VERSION,
        "site": site,
        "fingerprint": fingerprint,
        "findings": list,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// The findings of a record, when it is the record of `site` for `fingerprint`; `None`
/// for anything else (another site, other inputs, another Strata, a damaged file).
pub fn read(text: &str, site: &str, fingerprint: &str) -> Option<Vec<Finding>> {
    let v: Value = serde_json::from_str(text).ok()?;
    let matches = v.get("strataVersion")?.as_str()? == crate::gitops::meta::VERSION
        && v.get("site")?.as_str()? == site
        && v.get("fingerprint")?.as_str()? == fingerprint;
    if !matches {
        return None;
    }
    v.get("findings")?
        .as_array()?
        .iter()
        .map(|f| finding(f, site))
        .collect()
}

fn finding(v: &Value, site: &str) -> Option<Finding> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let severity = match v.get("severity")?.as_str()? {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        "info" => Severity::Info,
        _ => return None,
    };
    let location = match v.get("location")? {
        Value::Null => None,
        l => Some(Location {
            path: Arc::from(l.get("path")?.as_str()?),
            line: u32::try_from(l.get("line")?.as_u64()?).ok()?,
            col: u32::try_from(l.get("col")?.as_u64()?).ok()?,
            text: l.get("text")?.as_str()?.to_string(),
        }),
    };
    Some(Finding {
        // The code of a check this Strata has: a record naming another is not reused.
        code: rule(v.get("code")?.as_str()?)?.code,
        severity,
        sites: vec![site.to_string()],
        service: s("service")?,
        object: s("object")?,
        message: s("message")?,
        location,
        hint: s("hint")?,
        policy: match v.get("policy")? {
            Value::Null => None,
            p => Some(p.as_str()?.to_string()),
        },
        at: None,
    })
}

/// The findings recorded for `name` under the output folder `out`, when its build was of
/// the same inputs as `project` has now; `None` when the site has to be compiled.
pub fn reuse(project: &Project, name: &str, out: &Path) -> Option<Vec<Finding>> {
    let dir = out.join(name);
    // Only a folder Strata wrote for this site, and a plain file in it (not a link that
    // could lead outside the output folder).
    if !crate::emit::is_strata_site(&dir) {
        return None;
    }
    let path = dir.join(PATH);
    if !std::fs::symlink_metadata(&path).ok()?.is_file() {
        return None;
    }
    let (site, diags) = crate::check::resolve_site(name, &project.inputs, &project.checked).ok()?;
    if crate::diag::has_errors(&diags) {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    read(&text, name, &fingerprint(project, &site))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_only_for_its_site_and_fingerprint() {
        let f = Finding {
            code: "L0105",
            severity: Severity::Warning,
            sites: vec!["a".into()],
            service: "svc".into(),
            object: "Deployment/x".into(),
            message: "no liveness probe".into(),
            location: Some(Location {
                path: Arc::from("services/svc/templates/x.yaml.j2"),
                line: 3,
                col: 7,
                text: "      - name: x".into(),
            }),
            hint: "add one".into(),
            policy: Some("edge".into()),
            at: None,
        };
        let text = write("a", "sha256:1", std::slice::from_ref(&f));
        let back = read(&text, "a", "sha256:1").unwrap_or_default();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].location, f.location);
        assert_eq!(
            (back[0].code, back[0].policy.as_deref()),
            ("L0105", Some("edge"))
        );
        assert!(read(&text, "b", "sha256:1").is_none());
        assert!(read(&text, "a", "sha256:2").is_none());
        assert!(read(&text.replace("L0105", "L9999"), "a", "sha256:1").is_none());
        assert!(read("{", "a", "sha256:1").is_none());
    }
}
