//! `_meta/site.json` and `_meta/<service>.json`: what produced the output, for reviewers and
//! tools. No timestamps, so an unchanged input gives an unchanged file.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Unit;
use crate::diag::Source;
use crate::model::{Catalog, Site};

/// The Strata version written into `_meta`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub(crate) fn digest<'a>(parts: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut h = Sha256::new();
    for (name, text) in parts {
        // Length-prefixed, so that moving bytes between parts changes the digest.
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    format!(
        "sha256:{}",
        h.finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// [`digest`] with XXH3 (128 bits) instead of SHA-256, for cache keys that Strata alone
/// reads back (`_meta/site.lint.json`): it hashes a site's inputs at a small fraction of the
/// cost of SHA-256 in software.
pub(crate) fn fast_digest<'a>(parts: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for (name, text) in parts {
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(&(text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    format!("xxh3:{:032x}", h.digest128())
}

fn service_sources<'a>(catalog: &'a Catalog, name: &str) -> Vec<&'a Source> {
    let Some(svc) = catalog.services.get(name) else {
        return Vec::new();
    };
    let mut out = vec![&svc.doc.source];
    out.extend(svc.values_schema.iter().map(|s| &s.source));
    out.extend(svc.values_schema.iter().flat_map(|s| &s.shared));
    out.extend(svc.templates.iter());
    // A chart service's inputs: every file of its chart and its values files.
    out.extend(svc.chart.iter().flat_map(|c| c.inputs.iter()));
    // The catalog library is an input of every service: a change to it changes their output.
    out.extend(svc.library.iter());
    out
}

/// Everything a site's output is made from, as (name, text) pairs in a stable order, for its
/// input digest: its `site.yaml`, the layers it merges (`layers`), every file of the services
/// it enables (the catalog library included), its SOPS files, the digests of the overlay
/// folders it applies (`overlay_parts`, from [`overlay_parts`]) and of its own folder when
/// that has a kustomization (`site_folder`). `_meta/site.json` records the digest, and
/// `strata diff`, `plan` and `build --changed-since` compare it to skip unchanged sites.
pub(crate) fn site_input_parts<'a>(
    site: &'a Site,
    catalog: &'a Catalog,
    layers: &[&'a Source],
    overlay_parts: &'a [(String, String)],
    site_folder: Option<&'a (String, String)>,
) -> Vec<(&'a str, &'a str)> {
    let mut inputs: Vec<(&str, &str)> = vec![(&site.doc.source.path, &site.doc.source.text)];
    inputs.extend(layers.iter().map(|s| (&*s.path, &*s.text)));
    for name in site.spec.services.keys() {
        inputs.extend(
            service_sources(catalog, name)
                .into_iter()
                .map(|s| (&*s.path, &*s.text)),
        );
    }
    inputs.extend(
        site.sops
            .values()
            .map(|f| (&*f.source.path, &*f.source.text)),
    );
    inputs.extend(overlay_parts.iter().map(|(a, b)| (a.as_str(), b.as_str())));
    inputs.extend(site_folder.map(|(a, b)| (a.as_str(), b.as_str())));
    inputs.sort();
    inputs.dedup();
    inputs
}

/// The overlay folders a site applies, each with its digest, in the site's order.
pub(crate) fn overlay_parts(
    site: &Site,
    overlays: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    site.spec
        .overlays
        .iter()
        .map(|o| {
            (
                format!("overlays/{o}"),
                overlays.get(o).cloned().unwrap_or_default(),
            )
        })
        .collect()
}

/// The `_meta` files of a site. `site_digest` is its input digest ([`site_input_parts`]),
/// `overlays` the
/// digests of the overlay folders it applies.
pub fn files(
    site: &Site,
    catalog: &Catalog,
    site_digest: &str,
    overlays: &BTreeMap<String, String>,
    units: &[Unit],
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let overlay_parts = overlay_parts(site, overlays);
    let site_json = json!({
        "strataVersion": VERSION,
        "site": site.name,
        "inputDigest": site_digest,
        "kubernetesVersion": site.spec.kubernetes_version,
        "namespace": site.spec.namespace,
        "gitops": site.spec.gitops.engine,
        "layers": site.spec.layers,
        "overlays": site.spec.overlays,
        "units": units.iter().map(|u| json!({"name": u.name, "wave": u.wave, "dependsOn": u.depends_on})).collect::<Vec<_>>(),
    });
    out.insert("_meta/site.json".into(), pretty(&site_json));
    for u in units {
        let values = site
            .values
            .get(&u.name)
            .map(|t| t.value.clone())
            .unwrap_or(Value::Null);
        let values_text = serde_json::to_string(&values).unwrap_or_default();
        let spec_text = serde_json::to_string(&json!({
            "namespace": site.spec.namespace, "domain": site.spec.domain, "region": site.spec.region,
            "registry": site.spec.registry, "values": site.spec.values, "overlays": site.spec.overlays,
        }))
        .unwrap_or_default();
        let mut parts: Vec<(&str, &str)> = service_sources(catalog, &u.name)
            .into_iter()
            .map(|s| (&*s.path, &*s.text))
            .collect();
        parts.push(("values", &values_text));
        parts.push(("site", &spec_text));
        parts.extend(overlay_parts.iter().map(|(a, b)| (a.as_str(), b.as_str())));
        let unit_json = json!({
            "strataVersion": VERSION,
            "site": site.name,
            "service": u.name,
            "inputDigest": digest(parts),
            "wave": u.wave,
            "dependsOn": u.depends_on,
        });
        out.insert(format!("_meta/{}.json", u.name), pretty(&unit_json));
    }
    out
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}
