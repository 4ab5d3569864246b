//! `strata plan`: a change presented as a rollout.
//!
//! Input: the compiled output of two revisions (from `strata diff`'s machinery, see
//! [`crate::diff::snapshots`]) and the head's service graph of every site. Output: a [`Plan`]
//! — per site, the waves in rollout order (the leading `cluster` unit, then the services by
//! wave), each with the units that change and every object's change classified (pods restart,
//! Jobs re-run, objects recreated, scaled, added, removed, PVCs, CRDs, secrets rotated), and
//! the changes that need care. Secret values never reach the plan: Secrets are compared by key
//! and fingerprint, and only key names are kept.

pub mod classify;
pub mod render;

use std::collections::BTreeMap;

use crate::diff::compare::{objects, pair, secret_keys, Obj};
use crate::diff::{Snapshot, Status};
use crate::gitops::CLUSTER_UNIT;
use crate::graph::ServiceGraph;

/// How an object's change plays out in the rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// An immutable field changed: the object is deleted and created again.
    Recreate,
    /// Gone from the head: deleted.
    Removed,
    /// A CustomResourceDefinition changes.
    Crd,
    /// A PersistentVolumeClaim is added, removed or changed.
    Pvc,
    /// A Secret's keys or values change (names only).
    Secret,
    /// The pod template changed: the pods are replaced.
    Restart,
    /// A Job changed: it runs again.
    Rerun,
    /// The replica count changed.
    Scale,
    /// New in the head: created.
    Added,
    /// Changed in place, with no effect on running pods.
    Update,
}

impl Class {
    /// The word for people.
    pub fn text(self) -> &'static str {
        match self {
            Class::Recreate => "recreate",
            Class::Removed => "remove",
            Class::Crd => "CRD",
            Class::Pvc => "PVC",
            Class::Secret => "secret",
            Class::Restart => "restart",
            Class::Rerun => "re-run",
            Class::Scale => "scale",
            Class::Added => "add",
            Class::Update => "update",
        }
    }
}

/// Which keys of a Secret changed: names only (the plan holds no values and no fingerprints).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct KeyNames {
    /// Keys only in the head.
    pub added: Vec<String>,
    /// Keys only in the base.
    pub removed: Vec<String>,
    /// Keys with a new value.
    pub changed: Vec<String>,
}

/// One object's change in the rollout.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanChange {
    /// The unit (service folder, `cluster`, or the engine's folder).
    pub unit: String,
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`, if any.
    pub namespace: Option<String>,
    /// `metadata.name` (the head's, for a rename).
    pub name: String,
    /// The base name when a generated name's hash suffix changed.
    pub renamed_from: Option<String>,
    /// Added, changed or removed.
    pub status: Status,
    /// Every class the change falls in, most consequential first.
    pub classes: Vec<Class>,
    /// What changed, in words (images old → new, replicas, immutable fields, secret key names).
    pub details: Vec<String>,
    /// For Secrets: the key names that changed.
    pub secret_keys: Option<KeyNames>,
}

impl PlanChange {
    /// `Kind namespace/name`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// What a flag of care is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CareCode {
    /// An object is deleted and created again.
    Recreated,
    /// A PersistentVolumeClaim is removed.
    PvcDeleted,
    /// A CRD is added, changed or removed.
    CrdChanged,
    /// A StatefulSet's pods restart while its dependents restart too.
    StatefulRestartWithDependents,
}

/// A change that needs an operator's care.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Care {
    /// What kind of care.
    pub code: CareCode,
    /// The wave of the object's unit (`null`: outside the graph).
    pub wave: Option<i64>,
    /// The unit.
    pub unit: String,
    /// `Kind namespace/name`.
    pub object: String,
    /// Why, in words.
    pub message: String,
}

/// One wave of a site's rollout, with its changes.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Wave {
    /// The wave: `-1` for the leading `cluster` unit, then the services' waves; `null` for
    /// objects outside the graph (the engine's own objects).
    pub wave: Option<i64>,
    /// The units of this wave that change, in name order (they roll out side by side).
    pub units: Vec<String>,
    /// Their changes, by unit, then by class, kind, namespace and name.
    pub changes: Vec<PlanChange>,
}

/// One site's rollout.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SitePlan {
    /// The site.
    pub site: String,
    /// How many objects fall in each class.
    pub summary: BTreeMap<Class, usize>,
    /// What needs care, by wave.
    pub care: Vec<Care>,
    /// The waves with changes, in rollout order.
    pub waves: Vec<Wave>,
}

/// The whole plan.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Plan {
    /// The base revision.
    pub base: String,
    /// The head revision (or "working tree").
    pub head: String,
    /// The sites that change, in name order.
    pub sites: Vec<SitePlan>,
}

impl Plan {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }
}

/// The wave of a unit: `-1` for the cluster unit, the head graph's wave, else the base graph's
/// (a unit the change removes), else none (the engine's folder).
fn wave_of(unit: &str, head: Option<&ServiceGraph>, base: Option<&ServiceGraph>) -> Option<i64> {
    if unit == CLUSTER_UNIT {
        return Some(-1);
    }
    head.and_then(|g| g.waves.get(unit))
        .or_else(|| base.and_then(|g| g.waves.get(unit)))
        .map(|w| i64::try_from(*w).unwrap_or(i64::MAX))
}

fn plan_change(b: Option<&Obj>, a: Option<&Obj>) -> Option<PlanChange> {
    let any = a.or(b)?;
    let keys = secret_keys(b, a);
    let p = classify::Pair {
        api: &any.api,
        kind: &any.kind,
        before: b.map(|o| &o.masked),
        after: a.map(|o| &o.masked),
        secret: keys.as_ref(),
    };
    let findings = classify::classify(&p);
    let status = match (b, a) {
        (None, _) => Status::Added,
        (_, None) => Status::Removed,
        _ => Status::Changed,
    };
    let mut details = Vec::new();
    for (_, d) in &findings {
        for x in d {
            if !details.contains(x) {
                details.push(x.clone());
            }
        }
    }
    Some(PlanChange {
        unit: any.unit.clone(),
        api_version: any.api.clone(),
        kind: any.kind.clone(),
        namespace: any.namespace.clone(),
        name: any.name.clone(),
        renamed_from: match (b, a) {
            (Some(b), Some(a)) if b.name != a.name => Some(b.name.clone()),
            _ => None,
        },
        status,
        classes: findings.iter().map(|f| f.0).collect(),
        details,
        secret_keys: keys.map(|k| KeyNames {
            added: k.added,
            removed: k.removed,
            changed: k.changed.into_iter().map(|c| c.0).collect(),
        }),
    })
}

/// The plan of one site.
fn site_plan(site: &str, base: &Snapshot, head: &Snapshot) -> Option<SitePlan> {
    let empty = crate::emit::SiteOutput::default();
    let b_objs = objects(site, base.sites.get(site).unwrap_or(&empty));
    let a_objs = objects(site, head.sites.get(site).unwrap_or(&empty));
    let (hg, bg) = (head.graphs.get(site), base.graphs.get(site));
    let mut changes: Vec<(Option<i64>, PlanChange)> = pair(&b_objs, &a_objs)
        .into_iter()
        .filter_map(|(b, a)| plan_change(b, a))
        .map(|c| (wave_of(&c.unit, hg, bg), c))
        .collect();
    if changes.is_empty() {
        return None;
    }
    // Rollout order; objects outside the graph (None) last.
    changes.sort_by(|(wa, a), (wb, b)| {
        (
            wa.is_none(),
            wa,
            &a.unit,
            &a.classes,
            &a.kind,
            &a.namespace,
            &a.name,
        )
            .cmp(&(
                wb.is_none(),
                wb,
                &b.unit,
                &b.classes,
                &b.kind,
                &b.namespace,
                &b.name,
            ))
    });
    let mut summary = BTreeMap::new();
    for (_, c) in &changes {
        for k in &c.classes {
            *summary.entry(*k).or_insert(0) += 1;
        }
    }
    let placed: Vec<classify::Placed> = changes.iter().map(|(w, c)| (*w, c)).collect();
    let mut care = classify::care(&placed, hg.or(bg));
    care.sort_by(|a, b| {
        (a.wave.is_none(), a.wave, &a.unit, &a.object, a.code).cmp(&(
            b.wave.is_none(),
            b.wave,
            &b.unit,
            &b.object,
            b.code,
        ))
    });
    let mut waves: Vec<Wave> = Vec::new();
    for (w, c) in changes {
        if waves.last().is_none_or(|l| l.wave != w) {
            waves.push(Wave {
                wave: w,
                units: Vec::new(),
                changes: Vec::new(),
            });
        }
        if let Some(last) = waves.last_mut() {
            if !last.units.contains(&c.unit) {
                last.units.push(c.unit.clone());
            }
            last.changes.push(c);
        }
    }
    Some(SitePlan {
        site: site.to_string(),
        summary,
        care,
        waves,
    })
}

/// The plan of a change from `base` to `head` (snapshots of the same sites).
pub fn plan(base: &Snapshot, head: &Snapshot, base_rev: &str, head_rev: &str) -> Plan {
    let mut sites: Vec<&String> = base.sites.keys().chain(head.sites.keys()).collect();
    sites.sort();
    sites.dedup();
    Plan {
        base: base_rev.to_string(),
        head: head_rev.to_string(),
        sites: sites
            .into_iter()
            .filter_map(|s| site_plan(s, base, head))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::SiteOutput;
    use crate::graph::{Edge, EdgeKind};

    fn snap(files: &[(&str, &str)], graph: bool) -> Snapshot {
        let mut s = Snapshot::default();
        s.sites.insert(
            "a".into(),
            SiteOutput {
                site: "a".into(),
                files: files
                    .iter()
                    .map(|(p, t)| (p.to_string(), t.to_string()))
                    .collect(),
            },
        );
        if graph {
            s.graphs.insert(
                "a".into(),
                ServiceGraph {
                    waves: [("db".to_string(), 0), ("api".to_string(), 1)].into(),
                    edges: vec![Edge {
                        from: "api".into(),
                        to: "db".into(),
                        kind: EdgeKind::Hard,
                    }],
                },
            );
        }
        s
    }

    fn sts(image: &str) -> String {
        format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  namespace: os\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: db\n        image: {image}\n")
    }

    fn job(image: &str) -> String {
        format!("apiVersion: batch/v1\nkind: Job\nmetadata:\n  annotations:\n    kustomize.toolkit.fluxcd.io/force: enabled\n  name: api-db-sync\n  namespace: os\nspec:\n  template:\n    spec:\n      containers:\n      - name: s\n        image: {image}\n")
    }

    #[test]
    fn waves_come_in_graph_order_with_cluster_first() {
        let crd1 = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.example.org\nspec:\n  group: example.org\n";
        let crd2 = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.example.org\nspec:\n  group: example.com\n";
        let (s1, s2, j1, j2) = (sts("db:1"), sts("db:2"), job("api:1"), job("api:2"));
        let base = snap(
            &[
                ("api/job-api-db-sync.yaml", &j1),
                ("db/statefulset-db.yaml", &s1),
                ("cluster/crd.yaml", crd1),
            ],
            true,
        );
        let head = snap(
            &[
                ("api/job-api-db-sync.yaml", &j2),
                ("db/statefulset-db.yaml", &s2),
                ("cluster/crd.yaml", crd2),
            ],
            true,
        );
        let p = plan(&base, &head, "b", "h");
        assert_eq!(p.sites.len(), 1);
        let s = &p.sites[0];
        let waves: Vec<(Option<i64>, Vec<String>)> =
            s.waves.iter().map(|w| (w.wave, w.units.clone())).collect();
        assert_eq!(
            waves,
            vec![
                (Some(-1), vec!["cluster".to_string()]),
                (Some(0), vec!["db".to_string()]),
                (Some(1), vec!["api".to_string()]),
            ]
        );
        assert_eq!(s.waves[1].changes[0].classes, vec![Class::Restart]);
        assert_eq!(s.waves[2].changes[0].classes, vec![Class::Rerun]);
        let codes: Vec<CareCode> = s.care.iter().map(|c| c.code).collect();
        assert_eq!(
            codes,
            vec![
                CareCode::CrdChanged,
                CareCode::StatefulRestartWithDependents
            ]
        );
        assert_eq!(s.summary[&Class::Restart], 1);
        // No change, no site.
        assert!(plan(&base, &base, "b", "b").is_empty());
    }
}
