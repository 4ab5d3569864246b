//! Stage 1, load: read every input file of the repository and parse it with positions.
//!
//! Input: a [`Repo`]. Output: [`Inputs`] — the parsed Site, Layer and Service documents, the
//! template sources and the overlay names — plus diagnostics for files that could not be read
//! or parsed (those files are left out, so later stages see only well-formed documents).
//! Nothing after this stage touches the file system for inputs, except the overlay stage,
//! which hands overlay folders to the kustomize engine.

use std::collections::{BTreeMap, BTreeSet};

use strata_yaml::{Document, ErrorKind, ParseOptions};

use crate::diag::{Code, Diagnostic, Source};
use crate::repo::Repo;

/// A parsed YAML document with the text it came from.
#[derive(Clone, Debug)]
pub struct Doc {
    /// The file.
    pub source: Source,
    /// The parsed document, with spans.
    pub doc: Document,
}

impl Doc {
    /// The span of the node at `pointer` (or its nearest written ancestor): the key when
    /// `prefer_key` and the node is a map entry, else the value.
    pub fn span(&self, pointer: &str, prefer_key: bool) -> strata_yaml::Span {
        match self.doc.spans.nearest(pointer) {
            Some((_, s)) if prefer_key => s.key.unwrap_or(s.value),
            Some((_, s)) => s.value,
            None => self.doc.span,
        }
    }
}

/// The files of one catalog service.
#[derive(Clone, Debug)]
pub struct ServiceFiles {
    /// `services/<name>/service.yaml`.
    pub doc: Doc,
    /// `services/<name>`.
    pub dir: String,
    /// Every `*.j2` file under `templates/`, sorted by name (partials, whose names start with
    /// `_`, included).
    pub templates: Vec<Source>,
    /// The values schema (`spec.valuesSchema`, by default `values.schema.json` when present).
    pub values_schema: Option<Source>,
    /// The chart of a chart service (`spec.chart`), loaded once for the whole build.
    pub chart: Option<std::sync::Arc<crate::chart::LoadedChart>>,
}

/// Everything stage 1 read.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// Sites by folder name.
    pub sites: BTreeMap<String, Doc>,
    /// Layers by file stem.
    pub layers: BTreeMap<String, Doc>,
    /// Catalog services by folder name.
    pub services: BTreeMap<String, ServiceFiles>,
    /// Names of the folders under `overlays/`.
    pub overlays: BTreeSet<String>,
    /// Each site's `secrets/**/*.sops.yaml` files, by site.
    pub sops: BTreeMap<String, Vec<Source>>,
    /// A digest of every overlay folder's files (for `_meta`), by overlay name.
    pub overlay_digests: BTreeMap<String, String>,
    /// For each site whose `site.yaml` exists but could not be read or parsed: why (the same
    /// diagnostics are among the load stage's), so that naming the site reports its error
    /// rather than "there is no site".
    pub site_errors: BTreeMap<String, Vec<Diagnostic>>,
    /// For each site whose folder has its own kustomization: a digest of the site folder's
    /// files (the kustomization's patches and resources are inputs too), by site.
    pub site_kustomizations: BTreeMap<String, String>,
    /// The repository's schema of site-wide values (`schemas/site-values.schema.json`), when
    /// it has one.
    pub site_values_schema: Option<Source>,
    /// The catalog library (`services/_lib/`), shared read-only by every service.
    pub library: Library,
}

/// The folder of the catalog library. It is not a service: folders of `services/` whose names
/// start with `_` are never loaded as services.
pub const LIBRARY_DIR: &str = "services/_lib";

/// The catalog library: templates every service's templates may import, and JSON Schema
/// files every values schema may reference. Read once here, so rendering and validation
/// read nothing from disk.
#[derive(Clone, Debug, Default)]
pub struct Library {
    /// Every `*.j2` file of `services/_lib/`, sorted by name. Templates import them as
    /// `_lib/<file>` (the path below `services/`).
    pub templates: Vec<Source>,
    /// Every `*.json` file of `services/_lib/schemas/`, sorted by name. Values schemas
    /// reference them with a relative `$ref` (`../_lib/schemas/<file>#…`).
    pub schemas: Vec<Source>,
}

/// The file names kustomize accepts for a kustomization, in its order of preference.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Reads and parses the repository's inputs.
pub fn load(repo: &Repo) -> (Inputs, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut inputs = Inputs::default();
    for name in repo.dirs("sites") {
        if name.starts_with('_') {
            continue;
        }
        let rel = format!("sites/{name}/site.yaml");
        if !repo.exists(&rel) {
            continue;
        }
        let before = diags.len();
        match parse_file(repo, &rel, &mut diags) {
            Some(doc) => {
                inputs.sites.insert(name.clone(), doc);
            }
            None => {
                inputs
                    .site_errors
                    .insert(name.clone(), diags[before..].to_vec());
            }
        }
        let mut sops = Vec::new();
        let secrets_dir = format!("sites/{name}/secrets");
        for entry in walkdir::WalkDir::new(repo.abs(&secrets_dir))
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            let file = entry.file_name().to_string_lossy();
            let is_file = entry.file_type().is_file() || entry.path_is_symlink();
            if !is_file || !(file.ends_with(".sops.yaml") || file.ends_with(".sops.yml")) {
                continue;
            }
            // A lexical path, so that a symlink leaving the repository is refused by `read`
            // rather than silently skipped.
            let Ok(rel) = entry.path().strip_prefix(repo.root()) else {
                continue;
            };
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            match repo.read(&rel) {
                Ok(src) => sops.push(src),
                Err(d) => diags.push(d),
            }
        }
        if !sops.is_empty() {
            inputs.sops.insert(name, sops);
        }
    }
    for file in repo.files("sites/_layers") {
        let Some(stem) = file
            .strip_suffix(".yaml")
            .or_else(|| file.strip_suffix(".yml"))
        else {
            continue;
        };
        let rel = format!("sites/_layers/{file}");
        if let Some(doc) = parse_file(repo, &rel, &mut diags) {
            inputs.layers.insert(stem.to_string(), doc);
        }
    }
    inputs.library = load_library(repo, &mut diags);
    let mut charts = crate::chart::ChartCache::default();
    for name in repo.dirs("services") {
        if name.starts_with('_') {
            continue;
        }
        let dir = format!("services/{name}");
        let rel = format!("{dir}/service.yaml");
        if !repo.exists(&rel) {
            continue;
        }
        let Some(doc) = parse_file(repo, &rel, &mut diags) else {
            continue;
        };
        let mut templates = Vec::new();
        for file in repo.files(&format!("{dir}/templates")) {
            if !file.ends_with(".j2") {
                continue;
            }
            match repo.read(&format!("{dir}/templates/{file}")) {
                Ok(src) => templates.push(src),
                Err(d) => diags.push(d),
            }
        }
        let named = doc
            .doc
            .value
            .pointer("/spec/valuesSchema")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let schema_rel = match &named {
            Some(file) => Some(format!("{dir}/{file}")),
            None => Some(format!("{dir}/values.schema.json")).filter(|p| repo.exists(p)),
        };
        let values_schema = match schema_rel {
            Some(rel) if rel.contains("..") => {
                diags.push(
                    Diagnostic::error(
                        Code::OutsideRoot,
                        format!("`{rel}` leaves the service folder"),
                    )
                    .at(&doc.source, doc.span("/spec/valuesSchema", false), "here")
                    .help("keep the values schema inside the service folder"),
                );
                None
            }
            Some(rel) => match repo.read(&rel) {
                Ok(src) => Some(src),
                Err(d) => {
                    diags.push(d.at(
                        &doc.source,
                        doc.span("/spec/valuesSchema", false),
                        "named here",
                    ));
                    None
                }
            },
            None => None,
        };
        let chart = crate::chart::load_chart(repo, &doc, &mut charts, &mut diags);
        inputs.services.insert(
            name,
            ServiceFiles {
                doc,
                dir,
                templates,
                values_schema,
                chart,
            },
        );
    }
    if repo.exists(crate::check::site_values::SCHEMA_PATH) {
        match repo.read(crate::check::site_values::SCHEMA_PATH) {
            Ok(src) => inputs.site_values_schema = Some(src),
            Err(d) => diags.push(d),
        }
    }
    inputs.overlays = repo.dirs("overlays").into_iter().collect();
    for name in &inputs.overlays {
        inputs.overlay_digests.insert(
            name.clone(),
            folder_digest(&repo.abs(&format!("overlays/{name}"))),
        );
    }
    for name in inputs.sites.keys() {
        let dir = format!("sites/{name}");
        if KUSTOMIZATION_FILES
            .iter()
            .any(|f| repo.exists(&format!("{dir}/{f}")))
        {
            inputs
                .site_kustomizations
                .insert(name.clone(), folder_digest(&repo.abs(&dir)));
        }
    }
    // Values at secret paths are known from here on: no diagnostic will show them.
    crate::secrets::marked::mark_inputs(&mut inputs);
    (inputs, diags)
}

/// Reads the catalog library; a repository without `services/_lib/` has an empty one.
fn load_library(repo: &Repo, diags: &mut Vec<Diagnostic>) -> Library {
    let mut read = |dir: &str, ext: &str| -> Vec<Source> {
        let mut out = Vec::new();
        for file in repo.files(dir) {
            if !file.ends_with(ext) {
                continue;
            }
            // `read` refuses a symlink that leaves the repository.
            match repo.read(&format!("{dir}/{file}")) {
                Ok(src) => out.push(src),
                Err(d) => diags.push(d),
            }
        }
        out
    };
    Library {
        templates: read(LIBRARY_DIR, ".j2"),
        schemas: read(&format!("{LIBRARY_DIR}/schemas"), ".json"),
    }
}

/// A digest of the names and contents of every file under `dir` (sorted).
fn folder_digest(dir: &std::path::Path) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for e in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(dir)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            h.update((rel.len() as u64).to_le_bytes());
            h.update(rel.as_bytes());
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads and parses one single-document YAML file; failures become diagnostics.
pub fn parse_file(repo: &Repo, rel: &str, diags: &mut Vec<Diagnostic>) -> Option<Doc> {
    let source = match repo.read(rel) {
        Ok(s) => s,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    match strata_yaml::parse_one(&source.text, &ParseOptions::default()) {
        Ok(doc) => Some(Doc { source, doc }),
        Err(e) => {
            diags.push(yaml_diagnostic(&source, &e));
            None
        }
    }
}

/// The diagnostic for a YAML error in `source`.
pub fn yaml_diagnostic(source: &Source, e: &strata_yaml::Error) -> Diagnostic {
    let (code, label, help) = match e.kind {
        ErrorKind::Syntax => (
            Code::YamlSyntax,
            "here",
            "check indentation, and quote values that contain `: ` or start with a special character",
        ),
        ErrorKind::DuplicateKey => (
            Code::DuplicateKey,
            "written again here",
            "remove one of the two entries; YAML keeps only one of them and readers disagree which",
        ),
        _ => (
            Code::YamlUnusable,
            "here",
            "quote the value to make it a string, or simplify the document",
        ),
    };
    let mut d = Diagnostic::error(code, e.message.clone())
        .at(source, e.span, label)
        .help(help);
    if let Some(first) = e.related {
        d = d.at(source, first, "first written here");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_errors_point_at_the_file() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir_all(dir.path().join("sites/a"))?;
        std::fs::write(dir.path().join("sites/a/site.yaml"), "a: 1\na: 2\n")?;
        let repo = Repo::open(dir.path()).map_err(|d| d.message)?;
        let (inputs, diags) = load(&repo);
        assert!(inputs.sites.is_empty());
        assert_eq!(diags.len(), 1);
        assert_eq!(inputs.site_errors.get("a").map(Vec::len), Some(1));
        assert_eq!(diags[0].code, Code::DuplicateKey);
        assert_eq!(diags[0].labels[0].span.start.line, 2);
        assert_eq!(&*diags[0].labels[0].source.path, "sites/a/site.yaml");
        Ok(())
    }
}
