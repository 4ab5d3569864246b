//! Services whose source is a Helm chart (`spec.chart` in `service.yaml`).
//!
//! A chart service has no `templates/`: its objects are what Helm's engine (the `strata-helm`
//! crate, in-process) renders from the chart, with the service's layered values (service
//! `values` ◀ layers ◀ site) as Helm's user values. This module loads each chart once per
//! build ([`load_chart`], called by the load stage; a fleet of sites shares the one loaded
//! chart and its parsed templates), checks that the site's values are values the chart declares
//! ([`values::check`]), and renders a site's chart service into [`Object`](crate::render::Object)s
//! ([`render::render_service`]) that then go through the same stages as templated objects.
//!
//! Every path a chart service names — the chart folder, its values files, the chart's
//! `file://` dependencies, and every file inside those folders — must stay inside the
//! repository (symlinks resolved), as every other input.

pub mod render;
pub mod values;

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use strata_helm::{Chart, Frozen};

use crate::diag::{Code, Diagnostic, Source};
use crate::load::Doc;
use crate::repo::Repo;

/// How deep `file://` dependencies may chain before the check gives up (a cycle).
const MAX_DEPENDENCY_DEPTH: usize = 32;

/// A chart service's chart, loaded once and shared by every site that enables the service.
pub struct LoadedChart {
    /// The chart with its subcharts (its parsed template sets are cached inside, so every
    /// site renders with templates parsed once).
    pub chart: Arc<Chart>,
    /// The chart folder, repository-relative.
    pub dir: String,
    /// The service's values files, in order: the file and its values.
    pub values_files: Vec<(Source, Frozen)>,
    /// Every template and CRD file by the name Helm gives it (`chart/templates/x.yaml`,
    /// `chart/charts/sub/templates/y.yaml`, `chart/crds/z.yaml`), as a source.
    pub files: HashMap<String, Source>,
    /// The value paths the chart declares (defaults, values files, schema, subcharts).
    pub declared: values::Decl,
    /// Every file of the chart, its subcharts and `file://` dependencies, and the values
    /// files, sorted: the service's inputs for the `_meta` digest.
    pub inputs: Vec<Source>,
}

impl std::fmt::Debug for LoadedChart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LoadedChart({})", self.dir)
    }
}

/// Charts already loaded in this build, by canonical folder: two services naming the same
/// chart share it.
#[derive(Default)]
pub struct ChartCache {
    charts: HashMap<PathBuf, Arc<Chart>>,
    /// Reads a `file://` dependency that several charts share once per build.
    loader: strata_helm::Loader,
}

/// Loads the chart a service document names in `/spec/chart` (if it names one). Problems
/// become diagnostics at the line of `service.yaml` that names the offending path.
pub fn load_chart(
    repo: &Repo,
    doc: &Doc,
    cache: &mut ChartCache,
    diags: &mut Vec<Diagnostic>,
) -> Option<Arc<LoadedChart>> {
    let spec = doc.doc.value.pointer("/spec/chart")?;
    let path = spec.get("path").and_then(Value::as_str)?;
    let at = |ptr: &str| doc.span(ptr, false);
    let dir = match confine(repo, path) {
        Ok(d) => d,
        Err(d) => {
            diags.push(d.at(
                &doc.source,
                at("/spec/chart/path"),
                "the chart folder named here",
            ));
            return None;
        }
    };
    if !dir.is_dir() {
        diags.push(
            Diagnostic::error(Code::ChartLoad, format!("`{path}` is not a chart folder"))
                .at(&doc.source, at("/spec/chart/path"), "named here")
                .help("name the folder that holds the chart's Chart.yaml, relative to the repository root"),
        );
        return None;
    }
    // Every file and `file://` dependency of the chart stays inside the repository.
    if let Err(msg) = check_tree(repo, &dir, 0) {
        diags.push(
            Diagnostic::error(Code::OutsideRoot, format!("chart `{path}` reaches outside the repository: {msg}"))
                .at(&doc.source, at("/spec/chart/path"), "the chart named here")
                .help("vendor the chart and its dependencies into the repository, and replace symlinks that leave it"),
        );
        return None;
    }
    let mut failed = false;
    let mut values_files = Vec::new();
    let files = spec
        .get("valuesFiles")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, f) in files.iter().enumerate() {
        let Some(rel) = f.as_str() else { continue };
        let ptr = format!("/spec/chart/valuesFiles/{i}");
        let src = match confine(repo, rel).and_then(|_| repo.read(rel)) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d.at(&doc.source, at(&ptr), "the values file named here"));
                failed = true;
                continue;
            }
        };
        match strata_helm::serial::load_values(&src.text) {
            Ok(v) => values_files.push((src, Frozen::from_owned(v))),
            Err(e) => {
                let line = e.line.unwrap_or(1);
                let col = e.col.unwrap_or(1);
                let span = crate::check::line_col_span(&src.text, line, col);
                diags.push(
                    Diagnostic::error(
                        Code::ChartLoad,
                        format!("values file `{rel}` cannot be read: {}", e.message),
                    )
                    .at(&src, span, "here")
                    .at(&doc.source, at(&ptr), "named here"),
                );
                failed = true;
            }
        }
    }
    let key = dir.clone();
    let chart = match cache.charts.get(&key) {
        Some(c) => Arc::clone(c),
        None => match cache.loader.load_dir(&dir) {
            Ok(c) => {
                let c = Arc::new(c);
                cache.charts.insert(key, Arc::clone(&c));
                c
            }
            Err(e) => {
                let mut d = Diagnostic::error(
                    Code::ChartLoad,
                    format!("chart `{path}` cannot be loaded: {}", e.message()),
                )
                .at(&doc.source, at("/spec/chart/path"), "the chart named here");
                if let strata_helm::HelmError::Load { path: p, .. } = &e {
                    if let Some(rel) = repo.rel(p).filter(|r| r != path.trim_end_matches('/')) {
                        d = d.note(format!("in {rel}"));
                    }
                }
                diags.push(d);
                return None;
            }
        },
    };
    if failed {
        return None;
    }
    let mut files = HashMap::new();
    collect_files(repo, &chart, chart.name(), &mut files);
    let declared = values::declared(&chart, &values_files);
    let mut inputs = BTreeMap::new();
    chart_inputs(repo, &chart, &mut inputs, 0);
    let mut inputs: Vec<Source> = inputs.into_values().collect();
    inputs.extend(values_files.iter().map(|(s, _)| s.clone()));
    Some(Arc::new(LoadedChart {
        chart,
        dir: repo.rel(&dir).unwrap_or_else(|| path.to_string()),
        values_files,
        files,
        declared,
        inputs,
    }))
}

/// `rel` resolved inside the repository; `..`, absolute paths and symlinks that leave it are
/// refused (E0002).
fn confine(repo: &Repo, rel: &str) -> Result<PathBuf, Diagnostic> {
    let lexical_escape = Path::new(rel).components().any(|c| {
        matches!(
            c,
            Component::ParentDir | Component::RootDir | Component::Prefix(_)
        )
    });
    if lexical_escape {
        return Err(Diagnostic::error(Code::OutsideRoot, format!("`{rel}` is outside the repository"))
            .help("name paths relative to the repository root, without `..`; vendor the chart into the repository"));
    }
    repo.confine(rel)
}

/// Checks that no file of the chart folder `dir` (symlinks resolved) and no `file://`
/// dependency its `Chart.yaml` (or `requirements.yaml`) names leaves the repository.
fn check_tree(repo: &Repo, dir: &Path, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPENDENCY_DEPTH {
        return Err("file:// dependencies nest too deeply (a cycle?)".into());
    }
    let root = repo.root();
    // A path that does not exist is judged by its components (the loader reports it missing).
    let inside = |p: &Path| match p.canonicalize() {
        Ok(c) => c.starts_with(root),
        Err(_) => lexical(p).starts_with(root),
    };
    let shown = |p: &Path| {
        p.strip_prefix(root)
            .map(|r| r.display().to_string())
            .unwrap_or_else(|_| p.display().to_string())
    };
    if !inside(dir) {
        return Err(format!("`{}` is outside it", shown(dir)));
    }
    for e in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if e.path_is_symlink() && !inside(e.path()) {
            return Err(format!("`{}` is a symlink that leaves it", shown(e.path())));
        }
    }
    for file in ["Chart.yaml", "requirements.yaml"] {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            continue;
        };
        let opts = strata_yaml::ParseOptions {
            spans: false,
            ..Default::default()
        };
        let Ok(doc) = strata_yaml::parse_one(&text, &opts) else {
            continue;
        };
        let deps = doc
            .value
            .get("dependencies")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for dep in deps {
            let Some(target) = dep
                .get("repository")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("file://"))
            else {
                continue;
            };
            let sub = dir.join(target);
            if !inside(&sub) {
                return Err(format!(
                    "dependency `file://{target}` of `{}` leaves it",
                    shown(&dir.join(file))
                ));
            }
            if let Ok(sub) = sub.canonicalize() {
                if sub.is_dir() {
                    check_tree(repo, &sub, depth + 1)?;
                }
            }
        }
    }
    Ok(())
}

/// Every file under the folders of `chart` and its subcharts, by repository-relative path
/// (non-UTF-8 bytes replaced: the text only feeds a digest).
fn chart_inputs(repo: &Repo, chart: &Chart, out: &mut BTreeMap<String, Source>, depth: usize) {
    for e in walkdir::WalkDir::new(&chart.dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if !e.file_type().is_file() {
            continue;
        }
        let Some(rel) = repo.rel(e.path()) else {
            continue;
        };
        if out.contains_key(&rel) {
            continue;
        }
        let bytes = std::fs::read(e.path()).unwrap_or_default();
        out.insert(
            rel.clone(),
            Source::new(rel, String::from_utf8_lossy(&bytes).into_owned()),
        );
    }
    if depth < MAX_DEPENDENCY_DEPTH {
        for sub in &chart.subcharts {
            chart_inputs(repo, sub, out, depth + 1);
        }
    }
}

/// `p` with `.` and `..` components resolved lexically.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Registers every template and CRD file of `chart` (and its subcharts, under every name they
/// can render as: their own and their aliases) by Helm's template name.
fn collect_files(repo: &Repo, chart: &Chart, prefix: &str, out: &mut HashMap<String, Source>) {
    let source = |name: &str, data: &[u8]| {
        let path = repo
            .rel(&chart.dir.join(name))
            .unwrap_or_else(|| format!("{}/{name}", chart.dir.display()));
        Source::new(path, String::from_utf8_lossy(data).into_owned())
    };
    for t in &chart.templates {
        out.insert(format!("{prefix}/{}", t.name), source(&t.name, &t.data));
    }
    for f in chart.crd_files() {
        out.insert(format!("{prefix}/{}", f.name), source(&f.name, &f.data));
    }
    for (key, sub) in subchart_keys(chart) {
        collect_files(repo, &sub, &format!("{prefix}/charts/{key}"), out);
    }
}

/// The aliases under which each subchart of `chart` is rendered (and takes its values): the
/// dependency's alias when it has one, else the chart's name.
pub(crate) fn subchart_keys(chart: &Chart) -> BTreeMap<String, Arc<Chart>> {
    let deps = chart.metadata.dependencies.clone().unwrap_or_default();
    let mut out = BTreeMap::new();
    for sub in &chart.subcharts {
        // A dependency entry names it (by its alias, else its name); a folder of `charts/`
        // no entry names goes by its chart name.
        let mut keys: Vec<&str> = deps
            .iter()
            .filter(|d| d.name == sub.name())
            .map(|d| {
                if d.alias.is_empty() {
                    d.name.as_str()
                } else {
                    d.alias.as_str()
                }
            })
            .collect();
        if keys.is_empty() {
            keys.push(sub.name());
        }
        for k in keys {
            out.insert(k.to_string(), Arc::clone(sub));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service_doc(repo: &Repo, rel: &str) -> Result<Doc, String> {
        let mut diags = Vec::new();
        crate::load::parse_file(repo, rel, &mut diags).ok_or_else(|| format!("{diags:?}"))
    }

    fn write(root: &Path, rel: &str, text: &str) -> std::io::Result<()> {
        let p = root.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(p, text)
    }

    const SERVICE: &str = "apiVersion: strata/v1alpha1\nkind: Service\nmetadata: {name: web}\nspec:\n  chart:\n    path: charts/web\n";
    const CHART: &str = "apiVersion: v2\nname: web\nversion: 0.1.0\n";

    #[test]
    fn a_chart_loads_once_per_folder() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        write(dir.path(), "charts/web/Chart.yaml", CHART)?;
        write(
            dir.path(),
            "charts/web/templates/cm.yaml",
            "kind: ConfigMap\n",
        )?;
        write(dir.path(), "services/web/service.yaml", SERVICE)?;
        let repo = Repo::open(dir.path()).map_err(|d| d.message)?;
        let doc = service_doc(&repo, "services/web/service.yaml")?;
        let mut cache = ChartCache::default();
        let mut diags = Vec::new();
        let a = load_chart(&repo, &doc, &mut cache, &mut diags).ok_or("not loaded")?;
        let b = load_chart(&repo, &doc, &mut cache, &mut diags).ok_or("not loaded")?;
        assert!(diags.is_empty(), "{diags:?}");
        assert!(Arc::ptr_eq(&a.chart, &b.chart));
        assert_eq!(
            a.files.get("web/templates/cm.yaml").map(|s| &*s.path),
            Some("charts/web/templates/cm.yaml")
        );
        Ok(())
    }

    #[test]
    fn subchart_values_are_declared_under_their_alias() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        write(
            dir.path(),
            "charts/web/Chart.yaml",
            "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n- {name: cache, version: 0.1.0, alias: sessions, condition: sessions.enabled, tags: [caches]}\n",
        )?;
        write(dir.path(), "charts/web/values.yaml", "replicas: 1\n")?;
        write(
            dir.path(),
            "charts/web/charts/cache/Chart.yaml",
            "apiVersion: v2\nname: cache\nversion: 0.1.0\n",
        )?;
        write(
            dir.path(),
            "charts/web/charts/cache/values.yaml",
            "size: 64\nglobal: {zone: a}\n",
        )?;
        write(dir.path(), "services/web/service.yaml", SERVICE)?;
        let repo = Repo::open(dir.path()).map_err(|d| d.message)?;
        let doc = service_doc(&repo, "services/web/service.yaml")?;
        let mut diags = Vec::new();
        let c =
            load_chart(&repo, &doc, &mut ChartCache::default(), &mut diags).ok_or("not loaded")?;
        let d = &c.declared;
        assert!(d.keys["sessions"].keys.contains_key("size"));
        assert!(d.keys["sessions"].keys.contains_key("enabled"));
        assert!(d.keys["tags"].keys.contains_key("caches"));
        assert!(d.keys["global"].keys.contains_key("zone"));
        assert!(!d.keys.contains_key("size"));
        assert!(
            !d.keys.contains_key("cache"),
            "an aliased subchart takes its values under its alias only"
        );
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_and_dependencies_leaving_the_repository_are_refused(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let outer = tempfile::tempdir()?;
        let root = outer.path().join("repo");
        write(&root, "charts/web/Chart.yaml", CHART)?;
        write(&root, "services/web/service.yaml", SERVICE)?;
        write(outer.path(), "secret.txt", "x")?;
        std::os::unix::fs::symlink(
            outer.path().join("secret.txt"),
            root.join("charts/web/secret.txt"),
        )?;
        let repo = Repo::open(&root).map_err(|d| d.message)?;
        let doc = service_doc(&repo, "services/web/service.yaml")?;
        let mut diags = Vec::new();
        assert!(load_chart(&repo, &doc, &mut ChartCache::default(), &mut diags).is_none());
        assert_eq!(diags.first().map(|d| d.code), Some(Code::OutsideRoot));
        assert!(diags[0].message.contains("symlink"), "{}", diags[0].message);

        std::fs::remove_file(root.join("charts/web/secret.txt"))?;
        write(
            outer.path(),
            "dep/Chart.yaml",
            "apiVersion: v2\nname: dep\nversion: 0.1.0\n",
        )?;
        write(
            &root,
            "charts/web/Chart.yaml",
            "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n- {name: dep, version: 0.1.0, repository: 'file://../../../dep'}\n",
        )?;
        let mut diags = Vec::new();
        assert!(load_chart(&repo, &doc, &mut ChartCache::default(), &mut diags).is_none());
        assert_eq!(diags.first().map(|d| d.code), Some(Code::OutsideRoot));
        assert!(
            diags[0].message.contains("file://../../../dep"),
            "{}",
            diags[0].message
        );
        Ok(())
    }
}
