//! `strata lint`: availability and policy checks over compiled sites.
//!
//! Each site goes through the pipeline up to its final objects (render, overlays; no output
//! validation, no files), then every check of [`checks`] looks at three things together: the
//! final objects, the service graph, and the site's merged values with their provenance.
//! Per-object checks are those of common Kubernetes linters (replicas, disruption budgets,
//! spread, probes, resources, images, privileged containers); graph checks need the
//! dependency graph (quorum sizes on highly available sites, a highly available service that
//! depends on a single replica, disruption budgets that block a node drain).
//!
//! A finding points at the input line a person wrote: the site, layer or service-default
//! line of the value the template read ([`crate::explain::input_position`]), else the
//! template line. Services accept findings by design in their `lint.allow`; sites change
//! severities in their `lint.checks` (with a reason), merged from their layers.

pub mod checks;
pub mod record;
mod render;
pub mod sarif;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::diag::{self, Code, Diagnostic};
use crate::emit::Final;
use crate::graph::ServiceGraph;
use crate::model::{LintLevel, Site};
use crate::pipeline::Project;

pub use render::{json, text};

/// Output format of `strata lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    /// For people.
    Text,
    /// For machines (shape in the book).
    Json,
    /// SARIF 2.1.0, for code scanning in GitLab and GitHub.
    Sarif,
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// `strata lint` exits 1.
    Error,
    /// Worth fixing.
    Warning,
    /// For the record.
    Info,
}

impl Severity {
    /// The name printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A check: its stable code, short name, default severity and documentation.
#[derive(Debug)]
pub struct Rule {
    /// The code, e.g. `L0201`: L01xx look at one object, L02xx at the service graph.
    pub code: &'static str,
    /// A short name (SARIF `name`).
    pub name: &'static str,
    /// Severity unless a site's policy changes it.
    pub severity: Severity,
    /// One line: what it checks.
    pub summary: &'static str,
    /// How to fix what it finds.
    pub help: &'static str,
}

/// Every check, by code. The book's Lint page documents each one.
pub const RULES: &[Rule] = &[
    Rule { code: "L0101", name: "control-plane-replicas", severity: Severity::Error,
        summary: "A control-plane Deployment or StatefulSet runs fewer than 2 replicas on a highly available site.",
        help: "raise its replicas value (or let the `ha` overlay scale it); a service that must run one instance declares it in its service.yaml `lint.allow`" },
    Rule { code: "L0102", name: "pdb-missing", severity: Severity::Error,
        summary: "A Deployment or StatefulSet with 2 or more replicas has no PodDisruptionBudget.",
        help: "render a PodDisruptionBudget (`lib.pdb(name, component)`) that selects its pods, so that a node drain takes them down one at a time" },
    Rule { code: "L0103", name: "pdb-no-disruption", severity: Severity::Error,
        summary: "A PodDisruptionBudget permits no disruption at all (maxUnavailable 0, or minAvailable 100%).",
        help: "use `maxUnavailable: 1`: a budget that allows nothing blocks every node drain" },
    Rule { code: "L0104", name: "spread", severity: Severity::Warning,
        summary: "Replicas are not spread over nodes (no podAntiAffinity, no topologySpreadConstraints).",
        help: "add pod anti-affinity on kubernetes.io/hostname (`lib.anti_affinity`) or apply the `ha` overlay" },
    Rule { code: "L0105", name: "liveness-probe", severity: Severity::Warning,
        summary: "A long-running container has no liveness probe.",
        help: "add a livenessProbe, so that a hung process is restarted" },
    Rule { code: "L0106", name: "readiness-probe", severity: Severity::Warning,
        summary: "A container behind a Service has no readiness probe.",
        help: "add a readinessProbe, so that the Service sends traffic only to ready pods" },
    Rule { code: "L0107", name: "resource-requests", severity: Severity::Warning,
        summary: "A container has no CPU or memory request.",
        help: "set resources.requests.cpu and resources.requests.memory (the service's `resources` value)" },
    Rule { code: "L0108", name: "memory-limit", severity: Severity::Warning,
        summary: "A container has no memory limit.",
        help: "set resources.limits.memory, so that a leak is killed instead of starving the node" },
    Rule { code: "L0109", name: "image-unpinned", severity: Severity::Error,
        summary: "An image has no tag or digest, or the tag `latest`.",
        help: "pin the image by release tag or digest (the site's registry.tag is added to images without one)" },
    Rule { code: "L0110", name: "image-floating-tag", severity: Severity::Warning,
        summary: "An image tag starts with `latest` (e.g. `latest-ubuntu_noble`): it moves.",
        help: "pin a dated or versioned tag, or a digest, once the image publisher offers one" },
    Rule { code: "L0111", name: "privileged", severity: Severity::Error,
        summary: "A container is privileged, and its service does not say why.",
        help: "drop `privileged: true`, or declare it in the service.yaml `lint.allow` with the reason (hypervisors and virtual switches need it)" },
    Rule { code: "L0201", name: "quorum-size", severity: Severity::Error,
        summary: "A quorum cluster (Galera, RabbitMQ) runs an even number of replicas, or fewer than 3 on a highly available site.",
        help: "use an odd replica count, 3 or more on a highly available site: an even cluster loses quorum when half of it fails" },
    Rule { code: "L0202", name: "ha-chain", severity: Severity::Error,
        summary: "A highly available service (2 or more replicas) depends hard on a service that runs a single replica.",
        help: "raise the dependency's replicas: the dependents' redundancy is lost when its one pod goes" },
    Rule { code: "L0203", name: "pdb-blocks-drain", severity: Severity::Error,
        summary: "A PodDisruptionBudget blocks a node drain given the replicas it covers (or several budgets cover one pod).",
        help: "allow at least one disruption for the replica count (`maxUnavailable: 1`), and keep one budget per set of pods" },
];

/// The rule of a code.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// An input position a person wrote.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Repository-relative path.
    pub path: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// The line's text (secret values masked).
    pub text: String,
}

/// One finding, possibly shared by several sites (same object, same input line).
#[derive(Clone, Debug)]
pub struct Finding {
    /// The check code.
    pub code: &'static str,
    /// Its severity after the site's policy.
    pub severity: Severity,
    /// The sites it was found on.
    pub sites: Vec<String>,
    /// The service (unit folder) of the object.
    pub service: String,
    /// `KIND/NAME`.
    pub object: String,
    /// What is wrong.
    pub message: String,
    /// Where a person wrote it.
    pub location: Option<Location>,
    /// How to fix it.
    pub hint: String,
    /// The site policy's reason, when it changed the severity.
    pub policy: Option<String>,
    /// The object (index in the site's final objects) and field the finding is about, until
    /// [`lint_site`] turns it into `location`: positions are looked up only for the
    /// findings that survive the allowances and the policy (the lookup reads provenance
    /// and masks a whole input file, the costliest step of a check).
    at: Option<(usize, String)>,
}

/// A pod-bearing object.
pub struct Workload<'a> {
    /// The object.
    pub obj: &'a Final,
    /// Its kind.
    pub kind: &'a str,
    /// `KIND/NAME`.
    pub display: String,
    /// Replicas of a Deployment or StatefulSet (1 when absent); `None` for other kinds.
    pub replicas: Option<i64>,
    /// The pod spec.
    pub pod: &'a Value,
    /// Pointer of the pod spec in the object.
    pub pod_ptr: &'static str,
    /// The pod template's labels.
    pub labels: Option<&'a Map<String, Value>>,
}

impl Workload<'_> {
    /// Deployments, StatefulSets and DaemonSets (not Jobs).
    pub fn long_running(&self) -> bool {
        matches!(self.kind, "Deployment" | "StatefulSet" | "DaemonSet")
    }

    /// Containers (and, with `init`, init containers) with their pointers.
    pub fn containers(&self, init: bool) -> Vec<(String, &Value)> {
        let mut out = Vec::new();
        let lists: &[&str] = if init {
            &["containers", "initContainers"]
        } else {
            &["containers"]
        };
        for list in lists {
            if let Some(cs) = self.pod.get(*list).and_then(Value::as_array) {
                for (i, c) in cs.iter().enumerate() {
                    out.push((format!("{}/{list}/{i}", self.pod_ptr), c));
                }
            }
        }
        out
    }
}

/// What every check sees of one site.
pub struct Context<'a> {
    /// The site.
    pub site: &'a Site,
    /// Its graph.
    pub graph: &'a ServiceGraph,
    /// The catalog.
    pub catalog: &'a crate::model::Catalog,
    /// Its final objects.
    pub objects: &'a [Final],
    /// Whether the site is highly available.
    pub ha: bool,
    /// Its pod-bearing objects.
    pub workloads: Vec<Workload<'a>>,
}

/// `KIND/NAME` of an object.
pub fn display(v: &Value) -> String {
    format!(
        "{}/{}",
        v.get("kind").and_then(Value::as_str).unwrap_or("?"),
        v.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?")
    )
}

/// Whether a label selector's `matchLabels` select `labels` (an empty selector selects
/// nothing here: it is not what a budget or Service means to write).
pub fn selects(selector: Option<&Value>, labels: Option<&Map<String, Value>>) -> bool {
    let (Some(sel), Some(labels)) = (selector.and_then(Value::as_object), labels) else {
        return false;
    };
    !sel.is_empty() && sel.iter().all(|(k, v)| labels.get(k) == Some(v))
}

impl<'a> Context<'a> {
    /// Builds the context of a site.
    pub fn new(
        site: &'a Site,
        graph: &'a ServiceGraph,
        catalog: &'a crate::model::Catalog,
        objects: &'a [Final],
    ) -> Context<'a> {
        let workloads: Vec<Workload<'a>> = objects.iter().filter_map(workload).collect();
        let ha = site.spec.lint.ha.unwrap_or_else(|| {
            site.spec.overlays.iter().any(|o| o == "ha")
                || workloads.iter().any(|w| w.replicas.is_some_and(|r| r >= 2))
        });
        Context {
            site,
            graph,
            catalog,
            objects,
            ha,
            workloads,
        }
    }

    /// The objects of a kind.
    pub fn of_kind(&self, kind: &'a str) -> impl Iterator<Item = &'a Final> + 'a {
        self.objects
            .iter()
            .filter(move |f| f.value.get("kind").and_then(Value::as_str) == Some(kind))
    }

    /// The highest replica count of a service's Deployments and StatefulSets.
    pub fn service_replicas(&self, service: &str) -> Option<(i64, &Workload<'a>)> {
        self.workloads
            .iter()
            .filter(|w| w.obj.folder == service)
            .filter_map(|w| Some((w.replicas?, w)))
            .max_by_key(|(r, _)| *r)
    }

    /// A finding about the field at `pointer` of `obj` (one of the site's objects); its
    /// input line is looked up later, only when the finding is kept.
    pub fn finding(
        &self,
        code: &'static str,
        obj: &Final,
        pointer: &str,
        message: String,
    ) -> Finding {
        let r = rule(code);
        let index = self.objects.iter().position(|o| std::ptr::eq(o, obj));
        Finding {
            code,
            severity: r.map_or(Severity::Warning, |r| r.severity),
            sites: vec![self.site.name.clone()],
            service: obj.folder.clone(),
            object: display(&obj.value),
            message,
            location: None,
            hint: r.map_or("", |r| r.help).to_string(),
            policy: None,
            at: index.map(|i| (i, pointer.to_string())),
        }
    }

    /// The input line a person wrote for the field at `pointer` of `obj`. `shown` keeps
    /// each input file's masked text, which several findings of a site usually share.
    fn locate(
        &self,
        obj: &Final,
        pointer: &str,
        shown: &mut HashMap<Arc<str>, String>,
    ) -> Option<Location> {
        crate::explain::input_position(self.site, self.catalog, obj, pointer).map(|(src, span)| {
            let text = shown
                .entry(src.path.clone())
                .or_insert_with(|| src.shown())
                .lines()
                .nth(span.start.line.saturating_sub(1) as usize)
                .unwrap_or("")
                .to_string();
            Location {
                path: src.path.clone(),
                line: span.start.line,
                col: span.start.col,
                text,
            }
        })
    }
}

fn workload(f: &Final) -> Option<Workload<'_>> {
    let kind = f.value.get("kind").and_then(Value::as_str)?;
    let (pod_ptr, replicas) = match kind {
        "Deployment" | "StatefulSet" => (
            "/spec/template/spec",
            Some(
                f.value
                    .pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(1),
            ),
        ),
        "DaemonSet" | "Job" => ("/spec/template/spec", None),
        "CronJob" => ("/spec/jobTemplate/spec/template/spec", None),
        _ => return None,
    };
    let pod = f.value.pointer(pod_ptr)?;
    let tmpl = &pod_ptr[..pod_ptr.len() - "/spec".len()];
    Some(Workload {
        obj: f,
        kind,
        display: display(&f.value),
        replicas,
        pod,
        pod_ptr,
        labels: f
            .value
            .pointer(&format!("{tmpl}/metadata/labels"))
            .and_then(Value::as_object),
    })
}

/// Runs every check on one site, then applies the services' allowances and the site's policy.
pub fn lint_site(cx: &Context<'_>) -> Vec<Finding> {
    let mut found = Vec::new();
    checks::run(cx, &mut found);
    let mut shown = HashMap::new();
    found
        .into_iter()
        .filter(|f| !allowed(cx, f))
        .filter_map(|mut f| {
            if let Some(p) = cx.site.spec.lint.checks.get(f.code) {
                f.severity = match p.severity {
                    LintLevel::Off => return None,
                    LintLevel::Info => Severity::Info,
                    LintLevel::Warning => Severity::Warning,
                    LintLevel::Error => Severity::Error,
                };
                f.policy = Some(p.reason.clone());
            }
            if let Some((i, ptr)) = f.at.take() {
                f.location = cx
                    .objects
                    .get(i)
                    .and_then(|o| cx.locate(o, &ptr, &mut shown));
            }
            Some(f)
        })
        .collect()
}

fn allowed(cx: &Context<'_>, f: &Finding) -> bool {
    let Some(svc) = cx.catalog.services.get(&f.service) else {
        return false;
    };
    svc.spec.lint.allow.iter().any(|a| {
        a.check == f.code
            && (a.objects.is_empty()
                || a.objects.iter().any(|o| match o.strip_suffix('*') {
                    Some(prefix) => f.object.starts_with(prefix),
                    None => *o == f.object,
                }))
    })
}

/// Check codes named in the site's policy and its services' allowances must exist.
fn unknown_codes(project: &Project, site: &Site) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let known = RULES.iter().map(|r| r.code);
    for code in site.spec.lint.checks.keys() {
        if rule(code).is_none() {
            let at = site
                .merged
                .origin(&format!("/lint/checks/{code}"))
                .map(|o| (&o.source, o.key.unwrap_or(o.span)));
            let mut d = Diagnostic::error(
                Code::UnknownName,
                format!("site `{}`: there is no lint check `{code}`", site.name),
            )
            .at_opt(at, "unknown check");
            if let Some(s) = strata_yaml::did_you_mean(code, known.clone()) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            diags.push(d);
        }
    }
    for name in site.enabled() {
        let Some(svc) = project.checked.catalog.services.get(name) else {
            continue;
        };
        for (i, a) in svc.spec.lint.allow.iter().enumerate() {
            if rule(&a.check).is_none() {
                let span = svc.doc.span(&format!("/spec/lint/allow/{i}/check"), false);
                diags.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        format!(
                            "service `{name}` allows lint check `{}`, which does not exist",
                            a.check
                        ),
                    )
                    .at(&svc.doc.source, span, "unknown check")
                    .help("the checks are listed on the book's Lint page"),
                );
            }
        }
    }
    diags
}

/// What `strata lint` found.
pub struct Report {
    /// The sites linted.
    pub sites: Vec<String>,
    /// Findings, grouped across sites, errors first, then by input position.
    pub findings: Vec<Finding>,
    /// The sites whose findings were taken from their build's record instead of compiling
    /// them ([`record`]).
    pub reused: Vec<String>,
}

impl Report {
    /// How many findings of a severity.
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
}

/// Lints the named sites (in parallel). With `built`, the output folder of a build, a site
/// whose record there was made from the same inputs ([`record::reuse`]) is not compiled:
/// its findings are read back. Every other site is taken through the pipeline up to its
/// final objects. Bad input (a site that does not compile, an unknown check code) is `Err`
/// with the diagnostics.
pub fn lint(
    project: &Project,
    names: &[String],
    built: Option<&Path>,
) -> Result<Report, Vec<Diagnostic>> {
    // A repository that does not load is compiled, site by site, for its diagnostics.
    let built = built.filter(|_| !diag::has_errors(&project.diagnostics));
    type Linted = (Vec<Diagnostic>, Vec<Finding>, bool);
    let results: Vec<Linted> = names
        .par_iter()
        .map(|n| {
            if let Some(f) = built.and_then(|out| record::reuse(project, n, out)) {
                return (Vec::new(), f, true);
            }
            let r = project.final_objects(n);
            if diag::has_errors(&r.diagnostics) {
                return (r.diagnostics, Vec::new(), false);
            }
            match compiled_site(project, &r) {
                Ok(f) => (r.diagnostics, f, false),
                Err(bad) => (bad, Vec::new(), false),
            }
        })
        .collect();
    let mut diags = project.diagnostics.clone();
    let mut all = Vec::new();
    let mut reused = Vec::new();
    for (n, (d, f, from_record)) in names.iter().zip(results) {
        diags.extend(d);
        all.extend(f);
        if from_record {
            reused.push(n.clone());
        }
    }
    if diag::has_errors(&diags) {
        diag::sort_and_dedup(&mut diags);
        return Err(diags);
    }
    let mut report = report(names, all);
    report.reused = reused;
    Ok(report)
}

/// The findings of one site that went through the pipeline without errors (as far as
/// [`Project::final_objects`]): `Err` when its lint policy or its services' allowances name
/// a check that does not exist.
pub fn compiled_site(
    project: &Project,
    r: &crate::pipeline::SiteResult,
) -> Result<Vec<Finding>, Vec<Diagnostic>> {
    let (Some(site), Some(graph)) = (&r.site, &r.graph) else {
        return Ok(Vec::new());
    };
    site_findings(project, site, graph, &r.objects)
}

/// The findings of a site's final objects (after overlays, before the GitOps stage adds
/// its own): `Err` when its lint policy or its services' allowances name a check that does
/// not exist.
pub fn site_findings(
    project: &Project,
    site: &Site,
    graph: &ServiceGraph,
    objects: &[Final],
) -> Result<Vec<Finding>, Vec<Diagnostic>> {
    let bad = unknown_codes(project, site);
    if !bad.is_empty() {
        return Err(bad);
    }
    let cx = Context::new(site, graph, &project.checked.catalog, objects);
    Ok(lint_site(&cx))
}

/// The report of the findings of the sites `names`, grouped across sites.
pub fn report(names: &[String], findings: Vec<Finding>) -> Report {
    Report {
        sites: names.to_vec(),
        findings: group(findings),
        reused: Vec::new(),
    }
}

/// One finding per (check, object, message, input line), with the sites that share it.
fn group(all: Vec<Finding>) -> Vec<Finding> {
    type Key = (
        Severity,
        Option<Location>,
        &'static str,
        String,
        String,
        String,
    );
    let mut map: BTreeMap<Key, Finding> = BTreeMap::new();
    for f in all {
        let key = (
            f.severity,
            f.location.clone(),
            f.code,
            f.object.clone(),
            f.message.clone(),
            f.policy.clone().unwrap_or_default(),
        );
        match map.get_mut(&key) {
            Some(g) => g.sites.extend(f.sites),
            None => {
                map.insert(key, f);
            }
        }
    }
    map.into_values()
        .map(|mut f| {
            f.sites.sort();
            f.sites.dedup();
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_are_unique_and_documented() {
        let book = include_str!("../../../../book/src/lint.md");
        let mut seen = std::collections::BTreeSet::new();
        for r in RULES {
            assert!(seen.insert(r.code), "{} twice", r.code);
            assert!(
                book.contains(&format!("`{}`", r.code)),
                "{} not in the book",
                r.code
            );
        }
    }

    #[test]
    fn selectors() {
        let labels = json!({"app": "a", "component": "api"});
        let labels = labels.as_object();
        assert!(selects(Some(&json!({"app": "a"})), labels));
        assert!(!selects(Some(&json!({"app": "b"})), labels));
        // An empty selector is not taken to mean "every pod".
        assert!(!selects(Some(&json!({})), labels));
        assert!(!selects(None, labels));
    }

    #[test]
    fn zero_budgets() {
        use checks::pdb::is_zero;
        assert!(is_zero(&json!(0)));
        assert!(is_zero(&json!("0%")));
        assert!(!is_zero(&json!(1)));
        assert!(!is_zero(&json!("10%")));
    }
}
