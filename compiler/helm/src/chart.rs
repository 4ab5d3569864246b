//! Loading a chart folder the way Helm's directory loader does: `.helmignore`, `Chart.yaml`
//! (apiVersion v2, and v1 with `requirements.yaml`), `values.yaml`, `values.schema.json`,
//! `templates/`, `charts/` subcharts, every other file as `.Files`; plus `file://`
//! dependencies resolved as `helm dependency build` would place them in `charts/`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use strata_gotmpl::Value;

use crate::glob::go_match;
use crate::values::Frozen;
use crate::HelmError;

/// Helm refuses files larger than this when loading a chart (its `MaxDecompressedFileSize`).
const MAX_FILE_SIZE: u64 = 100 * 1024 * 1024;

/// How deep `file://` dependencies may chain (a cycle is reported instead of recursing forever).
const MAX_DEPENDENCY_DEPTH: usize = 32;

/// One file of a chart, named relative to the chart's root with `/` separators.
#[derive(Clone, Debug)]
pub struct ChartFile {
    /// The path inside the chart (`templates/deployment.yaml`, `files/a.conf`).
    pub name: String,
    /// The file's bytes (a leading UTF-8 byte-order mark removed, as Helm does).
    pub data: Arc<[u8]>,
    /// The bytes as text, made on first use and shared by every copy of the file (a
    /// dependency a loader reads once is rendered under many charts).
    text: Arc<std::sync::OnceLock<Arc<str>>>,
}

impl ChartFile {
    /// The file `name` with contents `data`.
    pub fn new(name: String, data: impl Into<Arc<[u8]>>) -> ChartFile {
        ChartFile {
            name,
            data: data.into(),
            text: Arc::default(),
        }
    }

    /// The file as text (invalid UTF-8 replaced, as templates see it).
    pub(crate) fn text(&self) -> &Arc<str> {
        self.text
            .get_or_init(|| Arc::from(utf8_text(&self.data).as_ref()))
    }
}

/// A maintainer entry of `Chart.yaml`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Maintainer {
    /// `name`.
    pub name: String,
    /// `email`.
    pub email: String,
    /// `url`.
    pub url: String,
}

/// A dependency entry of `Chart.yaml` (or of `requirements.yaml` for apiVersion v1).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dependency {
    /// The chart's name (replaced by the alias while dependencies are processed).
    pub name: String,
    /// A version range the chart's version must satisfy.
    pub version: String,
    /// Where `helm dependency build` gets it (`file://../x` is resolved here).
    pub repository: String,
    /// Comma-separated values paths; the first that resolves to a boolean enables or disables.
    pub condition: String,
    /// Tag names; `tags.<name>` in the values enables or disables.
    pub tags: Vec<String>,
    /// Set while dependencies are processed.
    pub enabled: bool,
    /// `import-values`: strings (`exports.<name>`) or `{child, parent}` maps.
    pub import_values: Vec<Frozen>,
    /// Another name for the subchart (its values key and template path).
    pub alias: String,
}

/// `Chart.yaml`, with the fields Helm's `Metadata` has.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    /// `name`.
    pub name: String,
    /// `home`.
    pub home: String,
    /// `sources`.
    pub sources: Vec<String>,
    /// `version`.
    pub version: String,
    /// `description`.
    pub description: String,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// `maintainers`.
    pub maintainers: Vec<Maintainer>,
    /// `icon`.
    pub icon: String,
    /// `apiVersion` (`v1` when absent, as Helm sets it).
    pub api_version: String,
    /// `condition`.
    pub condition: String,
    /// `tags`.
    pub tags: String,
    /// `appVersion`.
    pub app_version: String,
    /// `deprecated`.
    pub deprecated: bool,
    /// `annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `kubeVersion`: a range the cluster's version must satisfy.
    pub kube_version: String,
    /// `dependencies`; `None` when the chart declares none (not even an empty list).
    pub dependencies: Option<Vec<Dependency>>,
    /// `type`: `application` (or empty) or `library`.
    pub chart_type: String,
}

impl Metadata {
    /// Whether this is a library chart (only its `_` partials are used, nothing is rendered).
    pub fn is_library(&self) -> bool {
        self.chart_type.eq_ignore_ascii_case("library")
    }
}

/// A loaded chart with its subcharts. Immutable and shareable between threads; renders keep a
/// cache of parsed template sets in it, so a chart rendered many times is parsed once per
/// distinct set of enabled subcharts.
pub struct Chart {
    /// `Chart.yaml`.
    pub metadata: Metadata,
    /// `values.yaml` (an empty map when absent).
    pub values: Frozen,
    /// The text of `values.yaml`, kept to point diagnostics at its lines.
    pub values_text: Option<String>,
    /// `values.schema.json`, parsed.
    pub schema: Option<serde_json::Value>,
    /// Files under `templates/`, in Helm's load order.
    pub templates: Vec<ChartFile>,
    /// Every other file (what `.Files` sees), including `crds/`.
    pub files: Vec<ChartFile>,
    /// Subcharts: the folders in `charts/` and the `file://` dependencies.
    pub subcharts: Vec<Arc<Chart>>,
    /// The folder the chart was loaded from.
    pub dir: PathBuf,
    /// Parsed template sets by the list of template names they hold (see `render`).
    pub(crate) parsed: Mutex<HashMap<u64, Arc<dyn std::any::Any + Send + Sync>>>,
}

impl std::fmt::Debug for Chart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chart")
            .field("name", &self.metadata.name)
            .field("dir", &self.dir)
            .field("templates", &self.templates.len())
            .field("subcharts", &self.subcharts)
            .finish()
    }
}

impl Chart {
    /// The chart's name.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The files under `crds/` (what `--include-crds` prints), in load order.
    pub fn crd_files(&self) -> Vec<&ChartFile> {
        self.files
            .iter()
            .filter(|f| {
                f.name.starts_with("crds/")
                    && (f.name.ends_with(".yaml")
                        || f.name.ends_with(".yml")
                        || f.name.ends_with(".json"))
            })
            .collect()
    }
}

/// The text of a chart file: its bytes as UTF-8, invalid sequences replaced by U+FFFD (as
/// `String::from_utf8_lossy`). Chart files are almost always valid UTF-8, and the standard
/// library's validation is several times faster than the lossy conversion's scan, which
/// showed up in the profile (every template text of every chart passes through here).
pub(crate) fn utf8_text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(data),
    }
}

/// Loads the chart in folder `dir`, its `charts/` subcharts and its `file://` dependencies.
pub fn load_dir(dir: &Path) -> Result<Chart, HelmError> {
    load_dir_depth(dir, 0, None)
}

/// One build's view of chart folders: loads charts as [`load_dir`] does, and reads a `file://`
/// dependency that several of its charts share (openstack-helm's helm-toolkit, under every
/// chart) once, without checking its folder again for the next chart. A build reads its inputs
/// once and assumes they do not change while it runs; [`load_dir`] instead checks every file of
/// a cached dependency (size and modification time) on each load, which for a corpus of charts
/// was most of the file system calls of the run.
#[derive(Default)]
pub struct Loader {
    deps: Mutex<HashMap<PathBuf, Arc<Chart>>>,
}

impl Loader {
    /// A loader that has read nothing yet.
    pub fn new() -> Loader {
        Loader::default()
    }

    /// Loads the chart in `dir`, as [`load_dir`] does.
    pub fn load_dir(&self, dir: &Path) -> Result<Chart, HelmError> {
        load_dir_depth(dir, 0, Some(self))
    }
}

fn load_dir_depth(dir: &Path, depth: usize, loader: Option<&Loader>) -> Result<Chart, HelmError> {
    if depth > MAX_DEPENDENCY_DEPTH {
        return Err(HelmError::load(
            dir,
            "file:// dependencies nest too deeply (a cycle?)",
        ));
    }
    if !dir.is_dir() {
        return Err(HelmError::load(dir, "not a chart folder"));
    }
    let rules = match std::fs::read_to_string(dir.join(".helmignore")) {
        Ok(text) => {
            IgnoreRules::parse(&text).map_err(|e| HelmError::load(&dir.join(".helmignore"), &e))?
        }
        Err(_) => IgnoreRules::default(),
    }
    .with_defaults();
    let mut files = Vec::new();
    walk(dir, "", &rules, &mut files, 0)?;
    let mut chart = load_files(files, dir, loader)?;
    resolve_file_dependencies(&mut chart, dir, depth, loader)?;
    Ok(chart)
}

fn walk(
    root: &Path,
    rel: &str,
    rules: &IgnoreRules,
    out: &mut Vec<(String, Vec<u8>)>,
    depth: usize,
) -> Result<(), HelmError> {
    if depth > 64 {
        return Err(HelmError::load(
            &root.join(rel),
            "folders nest too deeply (a symlink loop?)",
        ));
    }
    let here = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let mut entries: Vec<(String, std::fs::DirEntry)> = std::fs::read_dir(&here)
        .map_err(|e| HelmError::load(&here, &e.to_string()))?
        .filter_map(|e| e.ok())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (fname, entry) in entries {
        let path = entry.path();
        let name = if rel.is_empty() {
            fname.clone()
        } else {
            format!("{rel}/{fname}")
        };
        // A plain entry's metadata is read relative to the open folder (no path lookup); a
        // symbolic link is followed, as Helm's loader follows it.
        let meta = match entry.file_type() {
            Ok(t) if !t.is_symlink() => entry.metadata(),
            _ => std::fs::metadata(&path),
        }
        .map_err(|e| HelmError::load(&path, &e.to_string()))?;
        if meta.is_dir() {
            if rules.ignore(&name, true) {
                continue;
            }
            walk(root, &name, rules, out, depth + 1)?;
            continue;
        }
        if rules.ignore(&name, false) {
            continue;
        }
        if !meta.is_file() {
            return Err(HelmError::load(
                &path,
                "cannot load irregular file as it has file mode type bits set",
            ));
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err(HelmError::load(
                &path,
                &format!("chart file is larger than the maximum file size {MAX_FILE_SIZE}"),
            ));
        }
        let mut data =
            read_file(&path, meta.len()).map_err(|e| HelmError::load(&path, &e.to_string()))?;
        if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
            data.drain(..3);
        }
        out.push((name, data));
    }
    Ok(())
}

/// The bytes of the file at `path`, whose size the folder listing gave as `len`: read into a
/// buffer of that size (and whatever more the file holds by now), without `std::fs::read`'s
/// second look at the file's size (one system call per chart file fewer).
fn read_file(path: &Path, len: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    // Through `Take`, so that `File`'s own `read_to_end` (which asks for the size again) is
    // not used; the limit is no limit.
    (&file).take(u64::MAX).read_to_end(&mut data)?;
    Ok(data)
}

/// Helm's `LoadFiles`: sorts a chart's files into metadata, values, schema, templates,
/// subcharts and other files.
fn load_files(
    files: Vec<(String, Vec<u8>)>,
    dir: &Path,
    loader: Option<&Loader>,
) -> Result<Chart, HelmError> {
    let mut metadata: Option<Metadata> = None;
    if let Some((_, data)) = files.iter().find(|(n, _)| n == "Chart.yaml") {
        let text = utf8_text(data);
        let v = crate::yamlin::parse_values(&text).map_err(|e| {
            HelmError::load(
                &dir.join("Chart.yaml"),
                &format!("cannot load Chart.yaml: {e}"),
            )
        })?;
        let mut md = metadata_from_value(&v);
        if md.api_version.is_empty() {
            md.api_version = "v1".to_string();
        }
        metadata = Some(md);
    }
    let mut values = Frozen::empty_map();
    let mut values_text = None;
    let mut schema = None;
    let mut templates = Vec::new();
    let mut other = Vec::new();
    let mut subfiles: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    for (name, data) in files {
        match name.as_str() {
            "Chart.yaml" | "Chart.lock" => {}
            "values.yaml" => {
                let text = utf8_text(&data).into_owned();
                let v = crate::yamlin::parse_values(&text).map_err(|e| {
                    HelmError::load(
                        &dir.join("values.yaml"),
                        &format!("cannot load values.yaml: {e}"),
                    )
                })?;
                values = Frozen::from_owned(v);
                values_text = Some(text);
            }
            "values.schema.json" => {
                let parsed: serde_json::Value = serde_json::from_slice(&data).map_err(|e| {
                    HelmError::load(
                        &dir.join("values.schema.json"),
                        &format!("invalid JSON: {e}"),
                    )
                })?;
                schema = Some(parsed);
            }
            "requirements.yaml" => {
                let text = utf8_text(&data);
                let v = crate::yamlin::parse_values(&text).map_err(|e| {
                    HelmError::load(
                        &dir.join("requirements.yaml"),
                        &format!("cannot load requirements.yaml: {e}"),
                    )
                })?;
                let md = metadata.get_or_insert_with(Metadata::default);
                if let Value::Map(m) = &v {
                    if let Some(deps) = m.borrow().get("dependencies") {
                        md.dependencies = dependencies_from_value(deps);
                    }
                }
                if md.api_version == "v1" {
                    other.push(ChartFile::new(name, data));
                }
            }
            "requirements.lock" => {
                if metadata.as_ref().is_some_and(|m| m.api_version == "v1") {
                    other.push(ChartFile::new(name, data));
                }
            }
            n if n.starts_with("templates/") => templates.push(ChartFile::new(name, data)),
            n if n.starts_with("charts/") => {
                if n.ends_with(".prov") {
                    other.push(ChartFile::new(name, data));
                    continue;
                }
                let rest = &n["charts/".len()..];
                let (cname, inner) = rest.split_once('/').unwrap_or((rest, ""));
                subfiles
                    .entry(cname.to_string())
                    .or_default()
                    .push((inner.to_string(), data));
            }
            _ => other.push(ChartFile::new(name, data)),
        }
    }
    let Some(metadata) = metadata else {
        return Err(HelmError::load(dir, "Chart.yaml file is missing"));
    };
    validate_metadata(&metadata)
        .map_err(|e| HelmError::load(&dir.join("Chart.yaml"), &format!("validation: {e}")))?;
    let mut subcharts = Vec::new();
    for (cname, files) in subfiles {
        if cname.starts_with('_') || cname.starts_with('.') {
            continue;
        }
        let subdir = dir.join("charts").join(&cname);
        if cname.ends_with(".tgz") {
            return Err(HelmError::load(
                &subdir,
                "packaged subcharts (.tgz) are not supported: unpack it into a folder of the same chart name",
            ));
        }
        let files: Vec<(String, Vec<u8>)> =
            files.into_iter().filter(|(n, _)| !n.is_empty()).collect();
        let mut sub = load_files(files, &subdir, loader).map_err(|e| {
            HelmError::load(
                &subdir,
                &format!(
                    "error unpacking subchart {cname} in {}: {}",
                    metadata.name,
                    e.message()
                ),
            )
        })?;
        resolve_file_dependencies(&mut sub, &subdir, 1, loader)?;
        subcharts.push(Arc::new(sub));
    }
    Ok(Chart {
        metadata,
        values,
        values_text,
        schema,
        templates,
        files: other,
        subcharts,
        dir: dir.to_path_buf(),
        parsed: Mutex::new(HashMap::new()),
    })
}

/// `helm dependency build` for `file://` repositories: each such dependency not already in
/// `charts/` is loaded from its folder (relative to the chart's folder), as if packaged there.
fn resolve_file_dependencies(
    chart: &mut Chart,
    dir: &Path,
    depth: usize,
    loader: Option<&Loader>,
) -> Result<(), HelmError> {
    let Some(deps) = chart.metadata.dependencies.clone() else {
        return Ok(());
    };
    for dep in deps {
        let Some(rel) = dep.repository.strip_prefix("file://") else {
            continue;
        };
        if chart.subcharts.iter().any(|s| s.name() == dep.name) {
            continue;
        }
        let path = dir.join(rel);
        let sub = match loader {
            Some(l) => l.dependency(&path, depth + 1),
            None => load_file_dependency(&path, depth + 1),
        }
        .map_err(|e| {
            HelmError::load(
                &dir.join("Chart.yaml"),
                &format!(
                    "dependency {} ({}): {}",
                    dep.name,
                    dep.repository,
                    e.message()
                ),
            )
        })?;
        if sub.name() != dep.name {
            return Err(HelmError::load(
                &dir.join("Chart.yaml"),
                &format!(
                    "dependency {} ({}) is a chart named {}",
                    dep.name,
                    dep.repository,
                    sub.name()
                ),
            ));
        }
        if !dep.version.trim().is_empty()
            && !crate::semver::is_compatible_range(&dep.version, &sub.metadata.version)
        {
            return Err(HelmError::load(
                &dir.join("Chart.yaml"),
                &format!(
                    "can't get a valid version for dependency {}: {} does not satisfy {}",
                    dep.name, sub.metadata.version, dep.version
                ),
            ));
        }
        chart.subcharts.push(sub);
    }
    Ok(())
}

/// A `file://` dependency loaded before in this process, with what its folder looked like.
struct CachedDependency {
    fingerprint: Vec<(String, u64, Option<std::time::SystemTime>)>,
    chart: Arc<Chart>,
}

/// Loads a `file://` dependency, or takes it from the process-wide cache when its folder is
/// unchanged. A library chart such as openstack-helm's helm-toolkit is the dependency of
/// every chart of a repository: loading all the charts (a fleet build, the corpus bench)
/// would otherwise read and parse it again for each one. The cache is keyed by canonical path
/// and checked against every file's size and modification time, so an edited dependency is
/// loaded again (within the file system's timestamp resolution); only dependencies that have
/// no `file://` dependencies of their own (which the check could not see) are cached.
fn load_file_dependency(path: &Path, depth: usize) -> Result<Arc<Chart>, HelmError> {
    type Cache = Mutex<HashMap<PathBuf, CachedDependency>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let key = std::fs::canonicalize(path).ok();
    let fingerprint = key.as_deref().and_then(folder_fingerprint);
    if let (Some(key), Some(fp)) = (&key, &fingerprint) {
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(hit) = cache.lock().ok().and_then(|c| {
            c.get(key)
                .filter(|h| &h.fingerprint == fp)
                .map(|h| h.chart.clone())
        }) {
            return Ok(Arc::new(hit.reached_from(path)));
        }
    }
    let chart = Arc::new(load_dir_depth(path, depth, None)?);
    let self_contained = chart
        .metadata
        .dependencies
        .iter()
        .flatten()
        .all(|d| !d.repository.starts_with("file://"));
    if let (Some(key), Some(fingerprint), true) = (key, fingerprint, self_contained) {
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        if let Ok(mut c) = cache.lock() {
            c.insert(
                key,
                CachedDependency {
                    fingerprint,
                    chart: chart.clone(),
                },
            );
        }
    }
    Ok(chart)
}

impl Loader {
    /// A `file://` dependency in folder `path`: read once per loader (keyed by its canonical
    /// path, so `a/../helm-toolkit` and `b/../helm-toolkit` are one folder).
    fn dependency(&self, path: &Path, depth: usize) -> Result<Arc<Chart>, HelmError> {
        let key = std::fs::canonicalize(path).ok();
        if let Some(key) = &key {
            if let Some(hit) = self.deps.lock().ok().and_then(|d| d.get(key).cloned()) {
                return Ok(Arc::new(hit.reached_from(path)));
            }
        }
        let chart = Arc::new(load_dir_depth(path, depth, Some(self))?);
        if let (Some(key), Ok(mut deps)) = (key, self.deps.lock()) {
            deps.insert(key, chart.clone());
        }
        Ok(chart)
    }
}

impl Chart {
    /// The same chart as a fresh load from `path` gives: only `dir` differs (it names the
    /// folder as this chart's `file://` path reaches it, which diagnostics print).
    fn reached_from(&self, path: &Path) -> Chart {
        Chart {
            metadata: self.metadata.clone(),
            values: self.values.clone(),
            values_text: self.values_text.clone(),
            schema: self.schema.clone(),
            templates: self.templates.clone(),
            files: self.files.clone(),
            subcharts: self.subcharts.clone(),
            dir: path.to_path_buf(),
            parsed: Mutex::new(HashMap::new()),
        }
    }
}

/// Every file under `dir` (relative path, size, modification time), in walk order; `None`
/// when the folder cannot be read (the load then reports why).
fn folder_fingerprint(dir: &Path) -> Option<Vec<(String, u64, Option<std::time::SystemTime>)>> {
    fn walk(
        dir: &Path,
        rel: &str,
        out: &mut Vec<(String, u64, Option<std::time::SystemTime>)>,
        depth: usize,
    ) -> Option<()> {
        if depth > 64 {
            return None;
        }
        let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
            .ok()?
            .collect::<Result<_, _>>()
            .ok()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = format!("{rel}/{}", e.file_name().to_string_lossy());
            // The entry's type comes with the directory listing, and a plain entry's metadata
            // is read relative to the open directory: no path lookup per file, which made
            // this check cost more than the cache saved on some file systems. Symbolic links
            // are followed, as the loader follows them.
            let meta = if e.file_type().ok()?.is_symlink() {
                std::fs::metadata(e.path()).ok()?
            } else {
                e.metadata().ok()?
            };
            if meta.is_dir() {
                walk(&e.path(), &name, out, depth + 1)?;
            } else {
                out.push((name, meta.len(), meta.modified().ok()));
            }
        }
        Some(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out, 0)?;
    Some(out)
}

/// Helm's `CheckDependencies` for the chart being rendered: every declared dependency must be
/// present (in `charts/` or resolved from `file://`).
pub(crate) fn check_dependencies(chart: &Chart) -> Result<(), HelmError> {
    let Some(deps) = &chart.metadata.dependencies else {
        return Ok(());
    };
    let missing: Vec<&str> = deps
        .iter()
        .filter(|d| !chart.subcharts.iter().any(|s| s.name() == d.name))
        .map(|d| d.name.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(HelmError::load(
        &chart.dir.join("Chart.yaml"),
        &format!(
            "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
            missing.join(", ")
        ),
    ))
}

fn validate_metadata(md: &Metadata) -> Result<(), String> {
    if md.name.is_empty() {
        return Err("chart.metadata.name is required".into());
    }
    if md.name == "." || md.name == ".." {
        return Err(format!("chart.metadata.name {:?} is not allowed", md.name));
    }
    if md.name.contains('/') || md.name.contains('\\') {
        return Err(format!("chart.metadata.name {:?} is invalid", md.name));
    }
    if md.version.is_empty() {
        return Err("chart.metadata.version is required".into());
    }
    if crate::semver::Version::parse(&md.version).is_none() {
        return Err(format!(
            "chart.metadata.version {:?} is invalid",
            md.version
        ));
    }
    if !matches!(md.chart_type.as_str(), "" | "application" | "library") {
        return Err("chart.metadata.type must be application or library".into());
    }
    let mut seen = std::collections::HashSet::new();
    for d in md.dependencies.iter().flatten() {
        if !d.alias.is_empty()
            && !d
                .alias
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "dependency {:?} has disallowed characters in the alias",
                d.name
            ));
        }
        let key = if d.alias.is_empty() {
            &d.name
        } else {
            &d.alias
        };
        if !seen.insert(key.clone()) {
            return Err(format!(
                "more than one dependency with name or alias {key:?}"
            ));
        }
    }
    Ok(())
}

/// A string field as `sigs.k8s.io/yaml` fills a Go string from any scalar (`1.10` becomes `1.1`,
/// `y` becomes `true`).
fn scalar_string(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Nil) => String::new(),
        Some(Value::String(s)) => s.to_string(),
        Some(other) => strata_gotmpl::fmt::sprint(other),
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::List(l)) => l.iter().map(|x| scalar_string(Some(x))).collect(),
        _ => Vec::new(),
    }
}

fn get(m: &Value, key: &str) -> Option<Value> {
    match m {
        Value::Map(m) => m.borrow().get(key).cloned(),
        _ => None,
    }
}

fn metadata_from_value(v: &Value) -> Metadata {
    let s = |k: &str| scalar_string(get(v, k).as_ref());
    let maintainers = match get(v, "maintainers") {
        Some(Value::List(l)) => l
            .iter()
            .map(|m| Maintainer {
                name: scalar_string(get(m, "name").as_ref()),
                email: scalar_string(get(m, "email").as_ref()),
                url: scalar_string(get(m, "url").as_ref()),
            })
            .collect(),
        _ => Vec::new(),
    };
    let annotations = match get(v, "annotations") {
        Some(Value::Map(m)) => m
            .borrow()
            .iter()
            .map(|(k, v)| (k.to_string(), scalar_string(Some(v))))
            .collect(),
        _ => BTreeMap::new(),
    };
    Metadata {
        name: s("name"),
        home: s("home"),
        sources: string_list(get(v, "sources").as_ref()),
        version: s("version"),
        description: s("description"),
        keywords: string_list(get(v, "keywords").as_ref()),
        maintainers,
        icon: s("icon"),
        api_version: s("apiVersion"),
        condition: s("condition"),
        tags: s("tags"),
        app_version: s("appVersion"),
        deprecated: matches!(get(v, "deprecated"), Some(Value::Bool(true))),
        annotations,
        kube_version: s("kubeVersion"),
        dependencies: get(v, "dependencies").and_then(|d| dependencies_from_value(&d)),
        chart_type: s("type"),
    }
}

fn dependencies_from_value(v: &Value) -> Option<Vec<Dependency>> {
    match v {
        Value::List(l) => Some(
            l.iter()
                .map(|d| Dependency {
                    name: scalar_string(get(d, "name").as_ref()),
                    version: scalar_string(get(d, "version").as_ref()),
                    repository: scalar_string(get(d, "repository").as_ref()),
                    condition: scalar_string(get(d, "condition").as_ref()),
                    tags: string_list(get(d, "tags").as_ref()),
                    enabled: matches!(get(d, "enabled"), Some(Value::Bool(true))),
                    import_values: match get(d, "import-values") {
                        Some(Value::List(l)) => l.iter().map(Frozen::from_value).collect(),
                        _ => Vec::new(),
                    },
                    alias: scalar_string(get(d, "alias").as_ref()),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// `.helmignore` rules, as Helm's `ignore` package reads and applies them.
#[derive(Default)]
struct IgnoreRules {
    patterns: Vec<IgnorePattern>,
}

struct IgnorePattern {
    rule: String,
    negate: bool,
    must_dir: bool,
    /// 0: match the base name; 1: match the whole path; 2: anchored at the root (`/x`).
    mode: u8,
}

impl IgnoreRules {
    fn parse(text: &str) -> Result<IgnoreRules, String> {
        let mut r = IgnoreRules::default();
        for line in text.lines() {
            r.add(line)?;
        }
        Ok(r)
    }

    fn with_defaults(mut self) -> IgnoreRules {
        // Helm always ignores hidden files directly under templates/.
        let _ = self.add("templates/.?*");
        self
    }

    fn add(&mut self, rule: &str) -> Result<(), String> {
        let rule = rule.trim_start_matches('\u{feff}').trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err("double-star (**) syntax is not supported".into());
        }
        if go_match(rule, "abc").is_none() {
            return Err("syntax error in pattern".into());
        }
        let mut rule = rule.to_string();
        let negate = rule.starts_with('!');
        if negate {
            rule.remove(0);
        }
        let must_dir = rule.ends_with('/');
        if must_dir {
            rule.pop();
        }
        let mode = if let Some(r) = rule.strip_prefix('/') {
            rule = r.to_string();
            2
        } else if rule.contains('/') {
            1
        } else {
            0
        };
        self.patterns.push(IgnorePattern {
            rule,
            negate,
            must_dir,
            mode,
        });
        Ok(())
    }

    fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            let target = if p.mode == 0 {
                path.rsplit('/').next().unwrap_or(path)
            } else {
                path
            };
            let matched = go_match(&p.rule, target).unwrap_or(false);
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !matched {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A library chart `lib` (one definition) and charts `x` and `y` that depend on it
    /// through `file://../lib`; returns the folder holding them and the library's folder.
    fn two_charts_sharing_a_library() -> (tempfile::TempDir, PathBuf) {
        let root = tempfile::tempdir().unwrap();
        let lib = root.path().join("lib");
        write(
            &lib.join("Chart.yaml"),
            "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n",
        );
        write(&lib.join("templates/_a.tpl"), "{{define \"a\"}}one{{end}}");
        for app in ["x", "y"] {
            write(
                &root.path().join(app).join("Chart.yaml"),
                &format!("apiVersion: v2\nname: {app}\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: 0.1.0\n  repository: file://../lib\n"),
            );
        }
        (root, lib)
    }

    #[test]
    fn a_file_dependency_is_shared_until_its_folder_changes() {
        let (root, lib) = two_charts_sharing_a_library();
        let x = load_dir(&root.path().join("x")).unwrap();
        let y = load_dir(&root.path().join("y")).unwrap();
        let (lx, ly) = (&x.subcharts[0], &y.subcharts[0]);
        // The second chart gets the first one's files (shared, not read again), under its own
        // path to the dependency.
        assert!(Arc::ptr_eq(&lx.templates[0].data, &ly.templates[0].data));
        assert_eq!(ly.dir, root.path().join("y").join("../lib"));
        // A changed file (another size) is read again.
        write(&lib.join("templates/_a.tpl"), "{{define \"a\"}}two!{{end}}");
        let z = load_dir(&root.path().join("x")).unwrap();
        assert_eq!(
            &*z.subcharts[0].templates[0].data,
            b"{{define \"a\"}}two!{{end}}"
        );
    }

    #[test]
    fn a_loader_reads_a_shared_dependency_once() {
        let (root, lib) = two_charts_sharing_a_library();
        let loader = Loader::new();
        let x = loader.load_dir(&root.path().join("x")).unwrap();
        // Within one loader (one build) the folder is not looked at again: an edit made while
        // the build runs is not seen.
        write(&lib.join("templates/_a.tpl"), "{{define \"a\"}}two!{{end}}");
        let y = loader.load_dir(&root.path().join("y")).unwrap();
        let (lx, ly) = (&x.subcharts[0], &y.subcharts[0]);
        assert!(Arc::ptr_eq(&lx.templates[0].data, &ly.templates[0].data));
        assert_eq!(lx.dir, root.path().join("x").join("../lib"));
        assert_eq!(ly.dir, root.path().join("y").join("../lib"));
        // The next build (a new loader) reads it again.
        let z = Loader::new().load_dir(&root.path().join("y")).unwrap();
        assert_eq!(
            &*z.subcharts[0].templates[0].data,
            b"{{define \"a\"}}two!{{end}}"
        );
        // A dependency that cannot be loaded is an error for every chart that names it.
        std::fs::remove_file(lib.join("Chart.yaml")).unwrap();
        let fresh = Loader::new();
        assert!(fresh.load_dir(&root.path().join("x")).is_err());
        assert!(fresh.load_dir(&root.path().join("y")).is_err());
    }
}
