//! Flux: one `kustomize.toolkit.fluxcd.io/v1` Kustomization per unit, `dependsOn` = the
//! unit's direct dependencies, `wait: true` so a dependent starts only when its dependencies
//! are ready, and a SOPS decryption block where the unit ships encrypted Secrets.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use strata_yaml::KeyOrder;

use super::{kustomization, repo_path, site_path, Unit};
use crate::model::Site;

/// The Kustomization of one unit.
pub fn object(site: &Site, unit: &Unit) -> Value {
    let g = &site.spec.gitops;
    let source = g.source_ref.as_ref();
    let mut source_ref = json!({
        "kind": source.and_then(|s| s.kind.clone()).unwrap_or_else(|| "GitRepository".into()),
        "name": source.map(|s| s.name.clone()).unwrap_or_else(|| "flux-system".into()),
    });
    if let Some(ns) = source.and_then(|s| s.namespace.clone()) {
        source_ref["namespace"] = Value::String(ns);
    }
    let mut spec = json!({
        "interval": g.interval.clone().unwrap_or_else(|| "10m".into()),
        // Flux reads a path relative to the source's root; `./` is its documented form.
        "path": format!("./{}", repo_path(&[&site_path(site), &unit.name])),
        "prune": g.prune.unwrap_or(true),
        "wait": true,
        "timeout": unit.timeout,
        "sourceRef": source_ref,
    });
    if !unit.depends_on.is_empty() {
        spec["dependsOn"] =
            Value::Array(unit.depends_on.iter().map(|d| json!({"name": d})).collect());
    }
    if unit.sops {
        let secret = site
            .spec
            .secrets
            .decryption_secret
            .clone()
            .unwrap_or_else(|| "sops-age".into());
        spec["decryption"] = json!({"provider": "sops", "secretRef": {"name": secret}});
    }
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {
            "name": unit.name,
            "namespace": g.namespace.clone().unwrap_or_else(|| "flux-system".into()),
            "labels": {"app.kubernetes.io/managed-by": "strata", "strata.io/site": site.name},
        },
        "spec": spec,
    })
}

/// `flux/<unit>.yaml` for every unit and `flux/kustomization.yaml` listing them.
pub fn files(site: &Site, units: &[Unit]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut names = Vec::new();
    for u in units {
        let file = format!("{}.yaml", u.name);
        out.insert(
            format!("flux/{file}"),
            strata_yaml::emit(&object(site, u), KeyOrder::Kubernetes),
        );
        names.push(file);
    }
    names.sort();
    out.insert("flux/kustomization.yaml".into(), kustomization(&names));
    out
}
