//! Stage 5: overlays. A site's `spec.overlays` name kustomize components under `overlays/`;
//! they apply, in order, to the site's rendered objects, then the site folder's own
//! `kustomization.yaml` (if there is one) applies to the result — with kustomize v5.5
//! semantics, through `strata-kustomize`.
//!
//! Input: the rendered [`Object`]s of one site. Output: [`Final`] objects, each in the unit
//! folder of the service it came from. Invariants:
//! - a site with no overlays and no kustomization gets its objects back untouched (no
//!   reordering, no kustomize finishing steps), so overlays cost nothing when unused;
//! - every object keeps the provenance of the template it was rendered from, so later stages
//!   (the leak check, output validation) point at templates even after a patch;
//! - an object an overlay adds (a `resources:` entry of the site kustomization, a generated
//!   ConfigMap) says which service folder it belongs to with the `strata.io/service` label, and
//!   gets the site's namespace when it names none and its kind is namespaced — as a rendered
//!   object does;
//! - nothing outside the repository is read: the engine's boundary is the repository root,
//!   and kustomize's own load restrictor (root-only) applies inside it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diag::{self, Diagnostic, Source};
use crate::emit::Final;
use crate::model::Site;
use crate::render::Object;
use crate::repo::Repo;
use strata_kustomize::is_cluster_scoped_kind;
use strata_validate::object_label;

/// The label an object added by an overlay carries to name its service folder.
pub const SERVICE_LABEL: &str = "strata.io/service";

/// One field of a rendered object that an overlay entry set, replaced, added or removed.
#[derive(Clone, Debug)]
pub struct OverlayChange {
    /// JSON pointer of the field (`""`: the object itself).
    pub pointer: String,
    /// Before the entry (`None`: the entry added it).
    pub before: Option<Value>,
    /// After the entry (`None`: the entry removed it).
    pub after: Option<Value>,
    /// The kustomization file (repository-relative) and its text.
    pub source: Source,
    /// The line of the entry (or of the patch operation or key inside it).
    pub span: strata_yaml::Span,
    /// What the entry is, e.g. `patches[0] (JSON 6902 replace /spec/replicas)`.
    pub entry: String,
}

/// The environment variable that turns overlay provenance off (`STRATA_OVERLAY_PROVENANCE=off`):
/// for measuring what recording costs (`scripts/bench-provenance.sh`). Without provenance,
/// `explain` cannot name overlays and no overlay conflict is reported.
pub const PROVENANCE_ENV: &str = "STRATA_OVERLAY_PROVENANCE";

/// Whether the overlay stage records provenance (on unless [`PROVENANCE_ENV`] is `off`).
pub fn recording() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var(PROVENANCE_ENV).map_or(true, |v| v != "off" && v != "0"))
}

/// Applies the site's overlays to its rendered objects; `has_kustomization`: whether the site
/// folder has its own kustomization (found by the load stage).
pub fn apply(
    repo: &Repo,
    site: &Site,
    has_kustomization: bool,
    objects: Vec<Object>,
) -> Result<Vec<Final>, Vec<Diagnostic>> {
    if site.spec.overlays.is_empty() && !has_kustomization {
        return Ok(objects.into_iter().map(final_of).collect());
    }
    let components: Vec<PathBuf> = site
        .spec
        .overlays
        .iter()
        .map(|name| repo.abs(&format!("overlays/{name}")))
        .collect();
    let site_dir = has_kustomization.then(|| repo.abs(&format!("sites/{}", site.name)));
    let opts = strata_kustomize::Options {
        boundary: Some(repo.root().to_path_buf()),
        load_restrictor: strata_kustomize::LoadRestrictor::RootOnly,
    };
    // The values move to the engine; services and provenance wait here, by index.
    let mut services = Vec::with_capacity(objects.len());
    let mut provenances = Vec::with_capacity(objects.len());
    let mut base = Vec::with_capacity(objects.len());
    for (i, o) in objects.into_iter().enumerate() {
        base.push((o.value, i));
        services.push(o.service);
        provenances.push(Some(o.provenance));
    }
    let (out, changes) = if recording() {
        strata_kustomize::apply_overlays_recorded(base, &components, site_dir.as_deref(), &opts)
    } else {
        strata_kustomize::apply_overlays(base, &components, site_dir.as_deref(), &opts)
            .map(|o| (o, Vec::new()))
    }
    .map_err(|e| vec![overlay_error(repo, site, &e)])?;
    let mut changed: Vec<Vec<OverlayChange>> = vec![Vec::new(); services.len()];
    let mut sources: std::collections::HashMap<PathBuf, Source> = Default::default();
    for c in changes {
        let source = sources
            .entry(c.origin.file.clone())
            .or_insert_with(|| {
                Source::new(
                    display_path(Some(repo), &c.origin.file),
                    c.origin.text.clone(),
                )
            })
            .clone();
        if let Some(list) = changed.get_mut(c.object) {
            list.push(OverlayChange {
                pointer: c.pointer,
                before: c.before,
                after: c.after,
                source,
                span: c.origin.span,
                entry: c.origin.entry,
            });
        }
    }

    let mut finals = Vec::with_capacity(out.len());
    let mut diags = Vec::new();
    for (value, tag) in out {
        match tag.and_then(|i| services.get(i).map(|s| (i, s))) {
            Some((i, service)) => finals.push(Final {
                value,
                folder: service.clone(),
                provenance: provenances.get_mut(i).and_then(Option::take),
                overlay: changed.get_mut(i).map(std::mem::take).unwrap_or_default(),
            }),
            None => match added_object_folder(site, &value) {
                Ok(folder) => finals.push(Final {
                    value: with_site_namespace(site, value),
                    folder,
                    provenance: None,
                    overlay: Vec::new(),
                }),
                Err(d) => diags.push(d),
            },
        }
    }
    if diags.is_empty() {
        Ok(finals)
    } else {
        Err(diags)
    }
}

/// An added object as the render stage would have placed it: without `metadata.namespace`
/// and of a namespaced kind, it goes to the site's namespace (an overlay's own `namespace:`
/// has already set it where the user asked for one). Cluster-scoped kinds stay without.
fn with_site_namespace(site: &Site, mut value: Value) -> Value {
    let text = |p: &str| value.pointer(p).and_then(Value::as_str).unwrap_or("");
    if is_cluster_scoped_kind(text("/apiVersion"), text("/kind")) {
        return value;
    }
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        if meta.get("namespace").is_none_or(Value::is_null) {
            meta.insert(
                "namespace".into(),
                Value::String(site.spec.namespace.clone()),
            );
        }
    }
    value
}

fn final_of(o: Object) -> Final {
    Final {
        value: o.value,
        folder: o.service,
        provenance: Some(o.provenance),
        overlay: Vec::new(),
    }
}

/// The service folder of an object an overlay added: its `strata.io/service` label, which must
/// name a service the site enables.
fn added_object_folder(site: &Site, value: &Value) -> Result<String, Diagnostic> {
    let label = value
        .pointer("/metadata/labels")
        .and_then(|l| l.get(SERVICE_LABEL))
        .and_then(Value::as_str);
    let what = object_label(value);
    match label {
        Some(s) if site.spec.services.contains_key(s) => Ok(s.to_string()),
        Some(s) => Err(Diagnostic::error(
            diag::Code::Overlay,
            format!(
                "{what}, added by an overlay of site `{}`, has label {SERVICE_LABEL}={s}, which is not a service the site enables",
                site.name
            ),
        )
        .help(format!(
            "set the label to one of: {}",
            site.spec.services.keys().cloned().collect::<Vec<_>>().join(", ")
        ))),
        None => Err(Diagnostic::error(
            diag::Code::Overlay,
            format!(
                "{what} is added by an overlay of site `{}` but does not say which service folder it belongs to",
                site.name
            ),
        )
        .help(format!(
            "give it the label `{SERVICE_LABEL}: <service>` (e.g. with `labels:` in the kustomization that adds it)"
        ))),
    }
}

/// A kustomize error as a diagnostic at the kustomization entry at fault.
fn overlay_error(repo: &Repo, site: &Site, e: &strata_kustomize::Error) -> Diagnostic {
    let d = kustomize_diagnostic(
        Some(repo),
        e,
        format!("an overlay of site `{}` failed", site.name),
    );
    if d.help.is_some() {
        return d;
    }
    d.help(format!(
        "the site applies overlays {:?} (spec.overlays), then sites/{}/kustomization.yaml if present",
        site.spec.overlays, site.name
    ))
}

/// Any kustomize error as an E0401 diagnostic: `context: message`, labelled at the file and
/// entry at fault (paths relative to `repo` when inside it), with the engine's hint.
pub fn kustomize_diagnostic(
    repo: Option<&Repo>,
    e: &strata_kustomize::Error,
    context: String,
) -> Diagnostic {
    let mut d = Diagnostic::error(diag::Code::Overlay, format!("{context}: {}", e.message));
    let path = e.file.as_deref().map(|f| display_path(repo, f));
    match (&path, e.span, &e.source_text) {
        (Some(p), Some(span), Some(text)) => {
            d = d.at(&Source::new(p.as_str(), text.clone()), span, "here");
        }
        (Some(p), _, _) => d = d.note(format!("in {p}")),
        _ => {}
    }
    match &e.hint {
        Some(h) => d.help(h.clone()),
        None => d,
    }
}

/// A path as the user knows it: relative to the repository when inside it.
fn display_path(repo: Option<&Repo>, p: &Path) -> String {
    repo.and_then(|r| r.rel(p))
        .unwrap_or_else(|| p.display().to_string())
}
