//! Stage 6: output validation. Every final object of a site is checked, offline, against the
//! Kubernetes schemas of the site's `kubernetesVersion` (bundled in `strata-validate`) and the
//! custom resource schemas of the GitOps engines (bundled), of the repository's
//! `schemas/crds/` and of any `--schema-dir`, in strict mode (unknown fields are errors).
//!
//! Input: the site and its [`Final`] objects. Output: diagnostics — E0501 for a violation,
//! E0502 for a kind without a schema that the site does not allow — each naming the object
//! and field, pointing at the template line that rendered the field (through the object's
//! provenance). Invariants: validators are compiled once per Kubernetes version and allowed
//! kinds and shared by every site (and thread); objects are validated in parallel and the
//! diagnostics come out in object order, so the report is deterministic.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use strata_validate::{Validator, Violation, ViolationKind};

use crate::diag::{Code, Diagnostic};
use crate::emit::Final;
use crate::model::Site;

/// A validator's identity: the Kubernetes version and the allowed kinds.
type Key = (String, Vec<String>);

/// The validators of a run: one per (Kubernetes version, allowed kinds), made on first use.
pub struct Validators {
    schema_dirs: Vec<PathBuf>,
    cache: Mutex<HashMap<Key, Arc<Validator>>>,
}

impl Validators {
    /// Validators reading custom resource schemas from `schema_dirs` (CRD YAML files and
    /// `<group>/<kind>_<version>.json` JSON Schemas; a later folder overrides an earlier one).
    pub fn new(schema_dirs: Vec<PathBuf>) -> Self {
        Validators {
            schema_dirs,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The validator for a site (made once, then shared).
    pub fn for_site(&self, site: &Site) -> Result<Arc<Validator>, Diagnostic> {
        let key = (
            site.spec.kubernetes_version.clone(),
            site.spec.validation.allowed_kinds.clone(),
        );
        // A poisoned lock only means another site's thread panicked; the map is still sound.
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = cache.get(&key) {
            return Ok(v.clone());
        }
        let v = Validator::new(&key.0, &self.schema_dirs, &key.1).map_err(|e| {
            let (code, hint) = match &e {
                strata_validate::Error::UnsupportedVersion { .. } => (
                    Code::InvalidValue,
                    "set spec.kubernetesVersion to a bundled version",
                ),
                _ => (
                    Code::Io,
                    "check the schema folders (schemas/crds/ and --schema-dir)",
                ),
            };
            Diagnostic::error(code, format!("cannot validate site `{}`: {e}", site.name)).help(hint)
        })?;
        let v = Arc::new(v);
        cache.insert(key, v.clone());
        Ok(v)
    }
}

/// Validates a site's final objects; the diagnostics, in object order.
pub fn check(validators: &Validators, site: &Site, objects: &[Final]) -> Vec<Diagnostic> {
    let validator = match validators.for_site(site) {
        Ok(v) => v,
        Err(d) => return vec![d],
    };
    let per_object: Vec<Vec<Diagnostic>> = objects
        .par_iter()
        .map(|o| {
            validator
                .validate(&o.value)
                .into_iter()
                .map(|v| diagnostic(site, o, &v, validator.kubernetes_version()))
                .collect()
        })
        .collect();
    per_object.into_iter().flatten().collect()
}

fn diagnostic(site: &Site, o: &Final, v: &Violation, version: &str) -> Diagnostic {
    let label = strata_validate::object_label(&o.value);
    let (code, help) = match v.kind {
        ViolationKind::NoSchema => (
            Code::NoSchema,
            "the kind is allowed with spec.validation.allowedKinds of the site or a layer".to_string(),
        ),
        ViolationKind::UnknownField => (
            Code::SchemaViolation,
            format!("Kubernetes {version} does not define this field here; check its spelling and indentation"),
        ),
        _ => (
            Code::SchemaViolation,
            format!("the API server of Kubernetes {version} would reject this object"),
        ),
    };
    // A missing schema is about the whole object, not a field.
    let message = match v.kind {
        ViolationKind::NoSchema => format!("{label}: {}", v.message),
        _ => format!("{label}: {v}"),
    };
    let Some(p) = &o.provenance else {
        return Diagnostic::error(code, message)
            .note(format!(
                "the object was added by Strata or an overlay of site `{}`",
                site.name
            ))
            .help(help);
    };
    let (src, span) = p.locate(&v.pointer);
    // The template position goes into the message too, so that one-line consumers (the JSON
    // report, CI logs) carry it: `… is not an integer (services/x/templates/a.yaml.j2:23)`.
    let mut d = Diagnostic::error(
        code,
        format!("{message} ({}:{})", src.path, span.start.line),
    )
    .at(&src, span, "rendered from here");
    if matches!(
        v.kind,
        ViolationKind::Type | ViolationKind::Enum | ViolationKind::Format | ViolationKind::Other
    ) && !v.path.is_empty()
    {
        let kind = o.value.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        let name = o
            .value
            .pointer("/metadata/name")
            .and_then(|n| n.as_str())
            .unwrap_or("");
        d = d.note(format!(
            "`strata explain {} {kind}/{name} {}` shows which values file set it",
            site.name, v.path
        ));
    }
    d.help(help)
}
