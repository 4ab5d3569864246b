//! Schemas of custom resources: CRD YAML files and `<group>/<kind>_<version>.json` files in
//! schema folders, and the GitOps CRD schemas embedded in the binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::Error;

/// Where a custom schema comes from, and its text or value.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    /// Already parsed (the `openAPIV3Schema` of a CRD read from YAML).
    Parsed(Arc<Value>),
    /// A JSON Schema file, read when the kind is first validated.
    File(PathBuf),
    /// A JSON Schema embedded in the binary.
    Embedded(&'static str),
}

/// One custom resource schema.
#[derive(Clone, Debug)]
pub(crate) struct CustomSchema {
    /// The kind as the CRD spells it, when known (file names are lower-case).
    pub exact_kind: Option<String>,
    /// Where it was found, for messages.
    pub origin: String,
    /// The schema.
    pub body: Body,
}

/// Key of a custom schema: group, version and lower-cased kind.
pub(crate) fn key(group: &str, version: &str, kind: &str) -> String {
    format!("{group}/{version}/{}", kind.to_ascii_lowercase())
}

/// The Flux and Argo CD schemas of the objects Strata itself emits, so that the binary can
/// validate its own GitOps output anywhere; schema folders override them.
const EMBEDDED: &[(&str, &str, &str, &str)] = &[
    (
        "kustomize.toolkit.fluxcd.io",
        "v1",
        "Kustomization",
        include_str!("../../../schemas/crds/kustomize.toolkit.fluxcd.io/kustomization_v1.json"),
    ),
    (
        "source.toolkit.fluxcd.io",
        "v1",
        "GitRepository",
        include_str!("../../../schemas/crds/source.toolkit.fluxcd.io/gitrepository_v1.json"),
    ),
    (
        "source.toolkit.fluxcd.io",
        "v1",
        "OCIRepository",
        include_str!("../../../schemas/crds/source.toolkit.fluxcd.io/ocirepository_v1.json"),
    ),
    (
        "helm.toolkit.fluxcd.io",
        "v2",
        "HelmRelease",
        include_str!("../../../schemas/crds/helm.toolkit.fluxcd.io/helmrelease_v2.json"),
    ),
    (
        "argoproj.io",
        "v1alpha1",
        "Application",
        include_str!("../../../schemas/crds/argoproj.io/application_v1alpha1.json"),
    ),
    (
        "argoproj.io",
        "v1alpha1",
        "AppProject",
        include_str!("../../../schemas/crds/argoproj.io/appproject_v1alpha1.json"),
    ),
    (
        "argoproj.io",
        "v1alpha1",
        "ApplicationSet",
        include_str!("../../../schemas/crds/argoproj.io/applicationset_v1alpha1.json"),
    ),
];

/// The embedded GitOps schemas.
pub(crate) fn embedded() -> HashMap<String, CustomSchema> {
    EMBEDDED
        .iter()
        .map(|(group, version, kind, text)| {
            (
                key(group, version, kind),
                CustomSchema {
                    exact_kind: Some((*kind).to_string()),
                    origin: format!(
                        "bundled schemas/crds/{group}/{}_{version}.json",
                        kind.to_ascii_lowercase()
                    ),
                    body: Body::Embedded(text),
                },
            )
        })
        .collect()
}

/// Reads one schema folder (recursively, in name order) into `into`, replacing earlier entries.
pub(crate) fn load_dir(dir: &Path, into: &mut HashMap<String, CustomSchema>) -> Result<(), Error> {
    let meta = std::fs::metadata(dir).map_err(|source| Error::SchemaDir {
        path: dir.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(Error::SchemaDir {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
        });
    }
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    for entry in walker {
        let entry = entry.map_err(|e| Error::SchemaDir {
            path: e.path().unwrap_or(dir).to_path_buf(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("file system loop")),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("yaml" | "yml") => load_yaml(path, into)?,
            Some("json") => load_json(path, into)?,
            _ => {}
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::SchemaFile {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// A YAML file: every CustomResourceDefinition document in it; other documents are ignored
/// (a schema folder may hold a kustomization.yaml or other manifests).
fn load_yaml(path: &Path, into: &mut HashMap<String, CustomSchema>) -> Result<(), Error> {
    let text = read(path)?;
    let docs =
        strata_yaml::parse(&text, &strata_yaml::ParseOptions::kubernetes()).map_err(|e| {
            Error::SchemaFile {
                path: path.to_path_buf(),
                message: e.to_string(),
            }
        })?;
    for doc in docs {
        add_crd(doc.value, path, into)?;
    }
    Ok(())
}

/// A JSON file: a CRD in JSON form, or the JSON Schema of one kind at
/// `<group>/<kind>_<version>.json` (the layout kubeconform and the CRDs-catalog use).
fn load_json(path: &Path, into: &mut HashMap<String, CustomSchema>) -> Result<(), Error> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let group = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|g| g.to_str());
    if let (Some(group), Some((kind, version))) = (group, stem.rsplit_once('_')) {
        if group.contains('.') && !kind.is_empty() && version.starts_with('v') {
            into.insert(
                key(group, version, kind),
                CustomSchema {
                    exact_kind: None,
                    origin: path.display().to_string(),
                    body: Body::File(path.to_path_buf()),
                },
            );
            return Ok(());
        }
    }
    // Not in the schema layout: accept it if it is a CRD, ignore it otherwise.
    let text = read(path)?;
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        add_crd(value, path, into)?;
    }
    Ok(())
}

fn add_crd(doc: Value, path: &Path, into: &mut HashMap<String, CustomSchema>) -> Result<(), Error> {
    if doc.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
        return Ok(());
    }
    let bad = |message: &str| Error::SchemaFile {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let spec = doc
        .get("spec")
        .ok_or_else(|| bad("CustomResourceDefinition without spec"))?;
    let group = spec
        .get("group")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("CustomResourceDefinition without spec.group"))?;
    let kind = spec
        .pointer("/names/kind")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("CustomResourceDefinition without spec.names.kind"))?;
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or(kind);
    // apiextensions.k8s.io/v1: a schema per version; v1beta1 may also have one for all.
    let shared = spec.pointer("/validation/openAPIV3Schema");
    let mut found = false;
    if let Some(versions) = spec.get("versions").and_then(Value::as_array) {
        for v in versions {
            let Some(version) = v.get("name").and_then(Value::as_str) else {
                continue;
            };
            if v.get("served") == Some(&Value::Bool(false)) {
                continue;
            }
            let Some(schema) = v.pointer("/schema/openAPIV3Schema").or(shared) else {
                continue;
            };
            into.insert(
                key(group, version, kind),
                CustomSchema {
                    exact_kind: Some(kind.to_string()),
                    origin: format!("CRD {name} in {}", path.display()),
                    body: Body::Parsed(Arc::new(schema.clone())),
                },
            );
            found = true;
        }
    }
    if !found {
        if let (Some(version), Some(schema)) = (spec.get("version").and_then(Value::as_str), shared)
        {
            into.insert(
                key(group, version, kind),
                CustomSchema {
                    exact_kind: Some(kind.to_string()),
                    origin: format!("CRD {name} in {}", path.display()),
                    body: Body::Parsed(Arc::new(schema.clone())),
                },
            );
        }
    }
    Ok(())
}

/// The JSON Schema value of a custom schema.
pub(crate) fn materialise(body: &Body) -> Result<Value, String> {
    match body {
        Body::Parsed(v) => Ok((**v).clone()),
        Body::Embedded(text) => serde_json::from_str(text).map_err(|e| e.to_string()),
        Body::File(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
        }
    }
}
