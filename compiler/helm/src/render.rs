//! Helm's engine driver: one template set holding every template of the chart and its enabled
//! subcharts, named `<chart>/templates/<file>` (`<parent>/charts/<sub>/templates/<file>` below),
//! parsed deepest path first and then in reverse name order (Helm's `sortTemplates`, so the
//! root chart's definitions win), each executed with its own chart's data.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use strata_gotmpl::{ExecOptions, Key, MissingKey, Templates, Value};

use crate::chart::{check_dependencies, Chart, Metadata};
use crate::deps::{process_dependencies, Node};
use crate::funcs::{helm_funcs, WARN_END, WARN_START};
use crate::objects::{
    Capabilities, Files, KubeVersion, DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION,
};
use crate::values::{self, Frozen};
use crate::HelmError;

/// What a render needs besides the chart.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// `.Release.Name` (`helm template`'s default is `release-name`).
    pub release_name: String,
    /// `.Release.Namespace`.
    pub namespace: String,
    /// `.Release.Revision`.
    pub revision: i64,
    /// `.Release.IsUpgrade` (and `IsInstall` its opposite).
    pub is_upgrade: bool,
    /// The user values (values files merged, then `--set`), a map.
    pub values: Frozen,
    /// The user values files with their text, to point schema errors at the line that set the
    /// offending value (the last file that sets it).
    pub values_files: Vec<(PathBuf, String)>,
    /// `.Capabilities.KubeVersion` (`1.29`, `v1.29.3`); Helm's default when `None`.
    pub kube_version: Option<String>,
    /// API versions added to `.Capabilities.APIVersions` (`--api-versions`).
    pub api_versions: Vec<String>,
    /// Skip `values.schema.json` validation.
    pub skip_schema_validation: bool,
    /// Seed of the deterministic random functions.
    pub seed: u64,
    /// The fixed build time `now` returns (seconds since the Unix epoch).
    pub now_unix: i64,
    /// Evaluation steps allowed per template (a runaway template fails instead of hanging).
    pub fuel: u64,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            release_name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_upgrade: false,
            values: Frozen::empty_map(),
            values_files: Vec::new(),
            kube_version: None,
            api_versions: Vec::new(),
            skip_schema_validation: false,
            seed: 0,
            now_unix: 0,
            fuel: 50_000_000,
        }
    }
}

/// A rendered chart: what Helm's engine returns, plus what `helm template` prints around it.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    /// Every rendered template by name, `NOTES.txt` files included, partials not (Helm's
    /// `engine.Render` result).
    pub files: BTreeMap<String, String>,
    /// The `crds/` files of the chart and its enabled subcharts: (`<chart path>/crds/<file>`,
    /// text), in Helm's order.
    pub crds: Vec<(String, String)>,
}

impl Rendered {
    /// What `helm template` prints.
    pub fn template_output(
        &self,
        opts: &crate::output::OutputOptions,
    ) -> Result<String, HelmError> {
        let files: BTreeMap<String, String> = self
            .files
            .iter()
            .filter(|(k, _)| !k.ends_with("NOTES.txt"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let sorted = crate::output::sort_manifests(&files)?;
        Ok(crate::output::template_output(&sorted, &self.crds, opts))
    }
}

/// Renders every template of `chart` (and its enabled subcharts) as Helm's engine does; the
/// result maps template names to text exactly like Helm's `engine.Render`.
pub fn render(chart: &Chart, opts: &RenderOptions) -> Result<BTreeMap<String, String>, HelmError> {
    render_chart(chart, opts).map(|r| r.files)
}

/// One template to execute, with the data it sees.
struct Renderable {
    name: String,
    file: crate::chart::ChartFile,
    data: Value,
    base_path: String,
    disk: PathBuf,
}

/// [`render`], keeping the CRDs for `--include-crds`.
pub fn render_chart(chart: &Chart, opts: &RenderOptions) -> Result<Rendered, HelmError> {
    check_dependencies(chart)?;
    let kube = match &opts.kube_version {
        Some(v) => KubeVersion::parse(v).ok_or_else(|| HelmError::Values {
            path: None,
            message: format!("invalid kube version '{v}'"),
        })?,
        None => KubeVersion::parse(DEFAULT_KUBE_VERSION).unwrap_or(KubeVersion {
            version: "v1.36.0".into(),
            normalized: "v1.36.0".into(),
            major: "1".into(),
            minor: "36".into(),
        }),
    };
    if !chart.metadata.kube_version.is_empty()
        && !crate::semver::is_compatible_range(&chart.metadata.kube_version, &kube.normalized)
    {
        return Err(HelmError::KubeVersion(format!(
            "chart requires kubeVersion: {} which is incompatible with Kubernetes {}",
            chart.metadata.kube_version, kube.version
        )));
    }
    let user = opts.values.to_value();
    let mut root = Node::new(chart);
    process_dependencies(&mut root, &user).map_err(|m| HelmError::Values {
        path: None,
        message: m,
    })?;
    // The last reader of the charts' defaults in this render (see `coalesce_values_last`).
    let vals = values::coalesce_values_last(&root, &user).map_err(|m| HelmError::Values {
        path: None,
        message: m,
    })?;
    if !opts.skip_schema_validation {
        crate::schema::validate(&root, &vals, opts)?;
    }

    let mut api_versions: Vec<String> =
        DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect();
    api_versions.extend(opts.api_versions.iter().cloned());
    let caps = Value::Object(Rc::new(Capabilities { kube, api_versions }));
    let release = Value::map(
        [
            ("Name", Value::str(&opts.release_name)),
            ("Namespace", Value::str(&opts.namespace)),
            ("IsUpgrade", Value::Bool(opts.is_upgrade)),
            ("IsInstall", Value::Bool(!opts.is_upgrade)),
            ("Revision", Value::Int(opts.revision)),
            ("Service", Value::str("Helm")),
        ]
        .into_iter()
        .map(|(k, v)| (Key::from(k), v))
        .collect(),
    );

    let mut tpls = Vec::new();
    let mut crds = Vec::new();
    collect(
        &root,
        None,
        &Value::Map(vals),
        &release,
        &caps,
        true,
        &mut tpls,
        &mut crds,
    );

    // Helm's sortTemplates: more path segments first; equal depth in reverse byte order.
    // (Depths counted once per template, not in every comparison: counting them there was a
    // visible share of a render.)
    tpls.sort_by_cached_key(|t| {
        let depth = t.name.bytes().filter(|&c| c == b'/').count();
        (std::cmp::Reverse(depth), std::cmp::Reverse(t.name.clone()))
    });

    let set = parsed_set(chart, &tpls)?;
    let exec = ExecOptions {
        funcs: helm_funcs(),
        missing_key: MissingKey::Zero,
        seed: opts.seed,
        now_unix: opts.now_unix,
        fuel: opts.fuel,
        max_depth: 1000,
    };
    let mut files = BTreeMap::new();
    for t in &tpls {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        if base.starts_with('_') {
            continue;
        }
        if let Value::Map(m) = &t.data {
            let tmpl = Value::map(
                [
                    ("Name".into(), Value::str(&t.name)),
                    ("BasePath".into(), Value::str(&t.base_path)),
                ]
                .into_iter()
                .collect(),
            );
            m.borrow_mut().insert("Template".into(), tmpl);
        }
        let out = set
            .execute(&t.name, &t.data, &exec)
            .map_err(|e| exec_error(&e, &tpls))?;
        files.insert(t.name.clone(), without_no_value(out));
    }
    Ok(Rendered { files, crds })
}

/// `text` with Helm's `<no value>` removed; the text itself (no copy) when it has none, as most
/// rendered files have none.
pub(crate) fn without_no_value(text: String) -> String {
    if text.contains("<no value>") {
        text.replace("<no value>", "")
    } else {
        text
    }
}

/// The parsed template set for this list of templates, from the chart's cache when it was
/// parsed before (the list, and so the set, depends only on which subcharts are enabled).
fn parsed_set(chart: &Chart, tpls: &[Renderable]) -> Result<Arc<Templates>, HelmError> {
    // foldhash, seeded the same in every process: SipHash over every template's name and path
    // was a visible cost for a chart with many templates (a 64-bit key either way).
    let mut h = foldhash::quality::FixedState::with_seed(0x5eed).build_hasher();
    for t in tpls {
        t.name.hash(&mut h);
        // The path's bytes: hashing a `Path` walks its components, which was a visible cost.
        t.disk.as_os_str().hash(&mut h);
    }
    let key = h.finish();
    if let Ok(cache) = chart.parsed.lock() {
        if let Some(set) = cache
            .get(&key)
            .and_then(|s| s.clone().downcast::<Templates>().ok())
        {
            return Ok(set);
        }
    }
    let mut set = Templates::new();
    for t in tpls {
        set.parse_shared(&t.name, t.file.text())
            .map_err(|e| parse_error(&e, t))?;
    }
    let set = Arc::new(set);
    if let Ok(mut cache) = chart.parsed.lock() {
        cache.insert(key, set.clone());
    }
    Ok(set)
}

/// Helm's `recAllTpls`: the data each chart's templates see, and their names.
#[allow(clippy::too_many_arguments)]
fn collect(
    node: &Node<'_>,
    parent_path: Option<&str>,
    parent_values: &Value,
    release: &Value,
    caps: &Value,
    is_root: bool,
    out: &mut Vec<Renderable>,
    crds: &mut Vec<(String, String)>,
) -> Value {
    let values = if is_root {
        parent_values.clone()
    } else {
        match parent_values {
            Value::Map(m) => match m.borrow().get(node.meta.name.as_str()) {
                Some(Value::Map(sub)) => Value::Map(sub.clone()),
                _ => Value::empty_map(),
            },
            _ => Value::empty_map(),
        }
    };
    let subcharts = Value::empty_map();
    let mut chart_map = metadata_value(&node.meta);
    if let Value::Map(m) = &mut chart_map {
        m.borrow_mut().insert("IsRoot".into(), Value::Bool(is_root));
    }
    let next = Value::map(
        [
            ("Chart", chart_map),
            (
                "Files",
                Value::Object(Rc::new(Files::new(&node.chart.files))),
            ),
            ("Release", release.clone()),
            ("Capabilities", caps.clone()),
            ("Values", values.clone()),
            ("Subcharts", subcharts.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (Key::from(k), v))
        .collect(),
    );
    let full = node.full_path(parent_path);
    for f in node.chart.crd_files() {
        crds.push((
            format!("{full}/{}", f.name),
            crate::chart::utf8_text(&f.data).into_owned(),
        ));
    }
    for d in &node.deps {
        let sub = collect(d, Some(&full), &values, release, caps, false, out, crds);
        if let Value::Map(m) = &subcharts {
            m.borrow_mut().insert(Key::from(d.meta.name.as_str()), sub);
        }
    }
    let library = node.meta.is_library();
    // Names joined by hand: `format!` for every template of every chart was a visible cost.
    let base_path = [full.as_str(), "/templates"].concat();
    for t in &node.chart.templates {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        if library && !base.starts_with('_') {
            continue;
        }
        out.push(Renderable {
            name: [full.as_str(), "/", t.name.as_str()].concat(),
            file: t.clone(),
            data: next.clone(),
            base_path: base_path.clone(),
            disk: node.chart.dir.join(&t.name),
        });
    }
    next
}

/// `.Chart`: Helm v4 hands templates the metadata as a map of Go field names.
fn metadata_value(md: &Metadata) -> Value {
    let s = |x: &str| Value::str(x);
    let strs = |l: &[String]| Value::list(l.iter().map(Value::str).collect());
    let deps = md
        .dependencies
        .iter()
        .flatten()
        .map(|d| {
            Value::map(
                [
                    ("Name", s(&d.name)),
                    ("Version", s(&d.version)),
                    ("Repository", s(&d.repository)),
                    ("Condition", s(&d.condition)),
                    ("Tags", strs(&d.tags)),
                    ("Enabled", Value::Bool(d.enabled)),
                    (
                        "ImportValues",
                        Value::list(d.import_values.iter().map(Frozen::to_value).collect()),
                    ),
                    ("Alias", s(&d.alias)),
                ]
                .into_iter()
                .map(|(k, v)| (Key::from(k), v))
                .collect(),
            )
        })
        .collect();
    let maintainers = md
        .maintainers
        .iter()
        .map(|m| {
            Value::map(
                [
                    ("Name", s(&m.name)),
                    ("Email", s(&m.email)),
                    ("URL", s(&m.url)),
                ]
                .into_iter()
                .map(|(k, v)| (Key::from(k), v))
                .collect(),
            )
        })
        .collect();
    Value::map(
        [
            ("Name", s(&md.name)),
            ("Home", s(&md.home)),
            ("Sources", strs(&md.sources)),
            ("Version", s(&md.version)),
            ("Description", s(&md.description)),
            ("Keywords", strs(&md.keywords)),
            ("Maintainers", Value::list(maintainers)),
            ("Icon", s(&md.icon)),
            ("APIVersion", s(&md.api_version)),
            ("Condition", s(&md.condition)),
            ("Tags", s(&md.tags)),
            ("AppVersion", s(&md.app_version)),
            ("Deprecated", Value::Bool(md.deprecated)),
            (
                "Annotations",
                Value::map(
                    md.annotations
                        .iter()
                        .map(|(k, v)| (Key::from(k.as_str()), s(v)))
                        .collect(),
                ),
            ),
            ("KubeVersion", s(&md.kube_version)),
            ("Dependencies", Value::list(deps)),
            ("Type", s(&md.chart_type)),
        ]
        .into_iter()
        .map(|(k, v)| (Key::from(k), v))
        .collect(),
    )
}

/// Helm's `cleanupParseError`: `parse error at (NAME:LINE): MSG`.
fn parse_error(e: &strata_gotmpl::Error, t: &Renderable) -> HelmError {
    let text = e.to_string();
    let tokens: Vec<&str> = text.split(": ").collect();
    let message = if tokens.len() == 1 {
        format!("parse error in ({}): {text}", t.name)
    } else {
        format!(
            "parse error at ({}): {}",
            tokens[1],
            tokens[tokens.len() - 1]
        )
    };
    HelmError::Parse {
        template: e.template.clone(),
        path: Some(t.disk.clone()),
        line: e.line,
        col: e.col,
        message,
    }
}

/// Helm's `reformatExecErrorMsg`: a `fail`/`required` anywhere becomes
/// `execution error at (FILE:LINE:COL): MSG`; otherwise the chain of template errors is printed
/// one location per paragraph, or Go's text unchanged when a link is not a template error.
fn exec_error(e: &strata_gotmpl::Error, tpls: &[Renderable]) -> HelmError {
    let text = e.to_string();
    let disk = |name: &str| tpls.iter().find(|t| t.name == name).map(|t| t.disk.clone());
    let make = |message: String| HelmError::Exec {
        template: e.template.clone(),
        path: disk(&e.template),
        line: e.line,
        col: e.col,
        message,
    };
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return make(format!("execution error in ({}): {text}", e.template));
    }
    if let (Some(s), Some(end)) = (tokens[2].find(WARN_START), tokens[2].rfind(WARN_END)) {
        if s + WARN_START.len() <= end {
            return make(format!(
                "execution error at ({}): {}",
                tokens[1],
                &tokens[2][s + WARN_START.len()..end]
            ));
        }
    }
    // Go's error chain (errors.Unwrap): a function's error is wrapped with `%w`, so after
    // "error calling NAME: " comes the next link (an included template's own error, or a plain
    // error that ends Helm's reformatting).
    let mut chain: Vec<String> = vec![text.clone()];
    while let Some(next) = chain.last().and_then(|l| wrapped_link(l)) {
        chain.push(next);
    }
    let mut traces: Vec<Trace> = Vec::new();
    for link in &chain {
        match parse_trace(link) {
            Some(t) => {
                if traces.last() != Some(&t) {
                    traces.push(t);
                }
            }
            None => return make(text),
        }
    }
    let mut out = String::new();
    for t in &traces {
        out.push_str(&t.render());
    }
    make(out.trim().to_string())
}

#[derive(PartialEq, Debug)]
struct Trace {
    location: String,
    message: String,
    executed: String,
}

impl Trace {
    fn render(&self) -> String {
        let mut s = String::new();
        if !self.location.is_empty() {
            s.push_str(&format!("{}\n  ", self.location));
        }
        if !self.executed.is_empty() {
            s.push_str(&format!("{}\n    ", self.executed));
        }
        if !self.message.is_empty() {
            s.push_str(&format!("{}\n", self.message));
        }
        s
    }
}

fn cut_template(msg: &str) -> String {
    match msg.find(" template:") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Helm's `parseTemplateExecutingAtErrorType`.
fn parse_executing_at(remainder: &str) -> Option<Trace> {
    let (name, after) = remainder.split_once(": executing ")?;
    let rest = after.strip_prefix('"')?;
    let q = rest.find('"')?;
    let func = &rest[..q];
    let after_at = rest[q + 1..].strip_prefix(" at <")?;
    let (loc, msg) = after_at.split_once(">: ")?;
    Some(Trace {
        location: name.to_string(),
        message: cut_template(msg),
        executed: format!("executing \"{func}\" at <{loc}>:"),
    })
}

/// The error a link wraps: what follows `error calling NAME: ` in its message.
fn wrapped_link(link: &str) -> Option<String> {
    let remainder = link.strip_prefix("template: ")?;
    let (_, after) = remainder.split_once(": executing ")?;
    let (_, msg) = after.split_once(">: ")?;
    let rest = msg.strip_prefix("error calling ")?;
    let (_, inner) = rest.split_once(": ")?;
    Some(inner.to_string())
}

/// Helm's `parseTemplateExecErrorString`.
fn parse_trace(s: &str) -> Option<Trace> {
    let remainder = s.strip_prefix("template: ")?;
    if remainder.starts_with("no template ") {
        return Some(Trace {
            location: String::new(),
            message: s.to_string(),
            executed: String::new(),
        });
    }
    if let Some(t) = parse_executing_at(remainder) {
        return Some(t);
    }
    let sep = remainder.rfind(": ")?;
    Some(Trace {
        location: remainder[..sep].to_string(),
        message: cut_template(&remainder[sep + 2..]),
        executed: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traces_like_helm() {
        // Texts from Helm SDK v4.2.3 (helm-python-sdk 0.2.2).
        let t = parse_trace("template: c2/templates/t.yaml:1:10: executing \"c2/templates/t.yaml\" at <.Values.a.b.c>: nil pointer evaluating interface {}.c").unwrap();
        assert_eq!(
            t.render().trim(),
            "c2/templates/t.yaml:1:10\n  executing \"c2/templates/t.yaml\" at <.Values.a.b.c>:\n    nil pointer evaluating interface {}.c"
        );
        assert!(parse_trace("error calling eq: x").is_none());
    }
}
