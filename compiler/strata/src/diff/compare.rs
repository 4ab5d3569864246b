//! Comparing two snapshots object by object.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;
use sha2::{Digest, Sha256};
use strata_yaml::{KeyOrder, ParseOptions};

use super::Snapshot;

/// What happened to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// New in the head.
    Added,
    /// Different in the head.
    Changed,
    /// Gone from the head.
    Removed,
}

/// A reason for a reviewer to look twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    /// The object is deleted.
    Deletion,
    /// A field the API server will not change in place (selectors, volumeClaimTemplates, a
    /// Job's template): the apply fails or the object must be re-created.
    ImmutableField,
    /// A CustomResourceDefinition changes.
    Crd,
    /// RBAC changes.
    Rbac,
    /// A container image changes.
    Image,
    /// A replica count changes.
    Replicas,
    /// A Secret (or SOPS file) changes.
    Secret,
}

/// Which keys of a Secret changed (never their values; a short fingerprint instead).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SecretKeys {
    /// Keys only in the head.
    pub added: Vec<String>,
    /// Keys only in the base.
    pub removed: Vec<String>,
    /// Keys whose value changed: (key, base fingerprint, head fingerprint).
    pub changed: Vec<(String, String, String)>,
}

/// One object's change, with every site it happens in.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// Sites where exactly this change happens.
    pub sites: Vec<String>,
    /// The unit (service folder, or `flux`/`argocd`).
    pub service: String,
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
    /// Risk flags.
    pub risks: Vec<Risk>,
    /// For Secrets and SOPS files: which keys changed.
    pub secret_keys: Option<SecretKeys>,
    /// How much a reviewer should look at this change (see [`risk_score`]); the report lists
    /// changes by it, highest first, so a truncated report keeps the risky ones.
    pub risk_score: u32,
    /// Unified diff of the object's YAML (secret values masked). With several sites, the
    /// first site's: the changed lines are the same in all of them, the unchanged lines
    /// around them (hostnames, config hashes) may differ.
    pub diff: String,
}

impl Change {
    /// `Kind namespace/name`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// The whole comparison.
#[derive(Clone, Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The base revision.
    pub base: String,
    /// The head revision (or "working tree").
    pub head: String,
    /// Every change, grouped across sites: the riskiest first (highest [`Change::risk_score`]),
    /// then in (service, API group, kind, namespace, name) order.
    pub changes: Vec<Change>,
    /// Per site: per service, counts of added, changed, removed objects.
    pub summary: BTreeMap<String, BTreeMap<String, [usize; 3]>>,
    /// Per site: the services that changed, and the services depending on them.
    pub impact: BTreeMap<String, Impact>,
}

/// The services a change touches in one site.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Impact {
    /// Services with a changed object.
    pub changed: BTreeSet<String>,
    /// Services that depend (directly or not) on a changed one, and did not change.
    pub dependents: BTreeSet<String>,
}

impl Report {
    /// Whether anything changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// One object of a snapshot (shared with `strata plan`, which classifies the same pairs).
#[derive(Clone, Debug)]
pub(crate) struct Obj {
    /// The file it was written to, relative to the site folder.
    pub(crate) path: String,
    /// The unit (service folder, `cluster`, or the engine's folder).
    pub(crate) unit: String,
    /// `apiVersion`.
    pub(crate) api: String,
    /// `kind`.
    pub(crate) kind: String,
    /// `metadata.namespace`.
    pub(crate) namespace: Option<String>,
    /// `metadata.name`.
    pub(crate) name: String,
    /// The object with secret values replaced by fingerprints.
    pub(crate) masked: Value,
    /// Secret key → fingerprint, for Secrets and SOPS files.
    pub(crate) secret: Option<BTreeMap<String, String>>,
    /// Whether it comes from a SOPS file.
    pub(crate) sops: bool,
}

fn fingerprint(site: &str, name: &str, key: &str, value: &str) -> String {
    let mut h = Sha256::new();
    // Salted with where the value lives, so equal passwords of two Secrets do not show as equal.
    h.update(format!("strata-diff\0{site}\0{name}\0{key}\0").as_bytes());
    h.update(value.as_bytes());
    h.finalize()
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The objects of one site's output (secret values masked), leaving out `_meta/`,
/// kustomizations and the engine's root file.
pub(crate) fn objects(site: &str, out: &crate::emit::SiteOutput) -> Vec<Obj> {
    let mut list = Vec::new();
    for (path, text) in &out.files {
        let Some((unit, file)) = path.split_once('/') else {
            continue;
        };
        if unit == "_meta"
            || file == "kustomization.yaml"
            || !file.ends_with(".yaml")
            || file == "root.yaml"
        {
            continue;
        }
        let Ok(docs) = strata_yaml::parse(text, &ParseOptions::kubernetes()) else {
            continue;
        };
        let sops = file.ends_with(".sops.yaml");
        for d in docs.into_iter().filter(|d| !d.value.is_null()) {
            let mut v = d.value;
            let s = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(String::from);
            let api = s(&v, "/apiVersion").unwrap_or_default();
            let kind = s(&v, "/kind").unwrap_or_default();
            let name = s(&v, "/metadata/name").unwrap_or_default();
            let namespace = s(&v, "/metadata/namespace");
            let mut secret = None;
            if kind == "Secret" && api == "v1" {
                let mut keys = BTreeMap::new();
                for field in ["data", "stringData"] {
                    if let Some(Value::Object(m)) = v.get_mut(field) {
                        for (k, val) in m.iter_mut() {
                            let raw = val
                                .as_str()
                                .map(String::from)
                                .unwrap_or_else(|| val.to_string());
                            let fp = fingerprint(site, &name, k, &raw);
                            *val = Value::String(format!("<secret, fingerprint {fp}>"));
                            keys.insert(k.clone(), fp);
                        }
                    }
                }
                if sops {
                    // Re-encryption rewrites the metadata on every edit: noise for review.
                    if let Some(m) = v.as_object_mut() {
                        m.shift_remove("sops");
                    }
                }
                secret = Some(keys);
            }
            list.push(Obj {
                path: path.clone(),
                unit: unit.to_string(),
                api,
                kind,
                namespace,
                name,
                masked: v,
                secret,
                sops,
            });
        }
    }
    list
}

type Key = (String, String, String, Option<String>, String);

/// A change without its sites: changes with equal keys are the same change in several sites
/// and make one entry. The order of the fields is the report's order among equally risky
/// changes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey {
    /// The unit (service folder).
    service: String,
    /// `apiVersion`.
    api_version: String,
    /// `kind`.
    kind: String,
    /// `metadata.namespace`.
    namespace: Option<String>,
    /// `metadata.name` (the head's).
    name: String,
    /// The base name of a hash-suffix rename.
    renamed_from: Option<String>,
    /// Added, changed or removed.
    status: Status,
    /// Risk flags (the same lines may be risky in one site only, e.g. when a hunk touches a
    /// selector there).
    risks: Vec<Risk>,
    /// The change itself: the removed and added lines of each hunk, without the context lines
    /// and positions (which differ between sites whose objects differ elsewhere); for a Secret,
    /// the names of the keys added, removed and changed (fingerprints are salted per site).
    change: String,
}

fn key(o: &Obj) -> Key {
    let group = o
        .api
        .rsplit_once('/')
        .map_or(String::new(), |(g, _)| g.to_string());
    (
        o.unit.clone(),
        group,
        o.kind.clone(),
        o.namespace.clone(),
        o.name.clone(),
    )
}

/// The name without a kustomize-style hash suffix (`-` and 10 characters of its alphabet).
fn base_name(name: &str) -> Option<&str> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^(.*)-[2456789bcdfghkmt]{10}$").unwrap_or_else(|e| unreachable!("{e}"))
    });
    re.captures(name).and_then(|c| c.get(1)).map(|m| m.as_str())
}

fn yaml(v: Option<&Value>) -> String {
    v.map(|v| strata_yaml::emit(v, KeyOrder::Kubernetes))
        .unwrap_or_default()
}

fn unified(old: &str, new: &str, label: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{label}"), &format!("b/{label}"))
        .to_string()
}

/// Every `image` string in an object.
pub(crate) fn images(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                if k == "image" {
                    if let Some(s) = c.as_str() {
                        out.insert(s.to_string());
                    }
                }
                images(c, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| images(c, out)),
        _ => {}
    }
}

/// The fields of a kind the API server will not change in place (JSON pointers): a change to
/// one fails the apply, or the object must be deleted and created again.
pub(crate) fn immutable_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "StatefulSet" => &[
            "/spec/selector",
            "/spec/volumeClaimTemplates",
            "/spec/serviceName",
            "/spec/podManagementPolicy",
        ],
        "Deployment" | "DaemonSet" | "ReplicaSet" => &["/spec/selector"],
        "Job" => &["/spec/template", "/spec/selector", "/spec/completionMode"],
        "Service" => &["/spec/clusterIP", "/spec/clusterIPs"],
        "PersistentVolumeClaim" => &[
            "/spec/storageClassName",
            "/spec/accessModes",
            "/spec/volumeName",
        ],
        _ => &[],
    }
}

fn risks(before: Option<&Obj>, after: Option<&Obj>) -> Vec<Risk> {
    let mut r = BTreeSet::new();
    let any = after.or(before);
    let kind = any.map(|o| o.kind.as_str()).unwrap_or("");
    if after.is_none() {
        r.insert(Risk::Deletion);
    }
    if kind == "CustomResourceDefinition" {
        r.insert(Risk::Crd);
    }
    if matches!(
        kind,
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
    ) {
        r.insert(Risk::Rbac);
    }
    if any.is_some_and(|o| o.secret.is_some()) {
        r.insert(Risk::Secret);
    }
    if let (Some(b), Some(a)) = (before, after) {
        let differs = |p: &str| b.masked.pointer(p) != a.masked.pointer(p);
        if immutable_fields(kind).iter().any(|p| differs(p)) {
            r.insert(Risk::ImmutableField);
        }
        if differs("/spec/replicas") {
            r.insert(Risk::Replicas);
        }
        let (mut ib, mut ia) = (BTreeSet::new(), BTreeSet::new());
        images(&b.masked, &mut ib);
        images(&a.masked, &mut ia);
        if ib != ia {
            r.insert(Risk::Image);
        }
    } else if let Some(a) = after {
        if a.masked.pointer("/spec/replicas").is_some() {
            r.insert(Risk::Replicas);
        }
    }
    r.into_iter().collect()
}

/// Weight of each risk in [`risk_score`]: what a reviewer must not miss first.
fn risk_weight(r: Risk) -> u32 {
    match r {
        // The apply fails, or the object is deleted and re-created.
        Risk::ImmutableField => 70,
        Risk::Deletion => 60,
        // A CRD change can drop a version or a field of every custom resource of its kind.
        Risk::Crd => 50,
        // A credential that changes must change everywhere it is read, at once.
        Risk::Secret => 40,
        Risk::Replicas => 30,
        Risk::Image => 30,
        Risk::Rbac => 20,
    }
}

/// The order a reviewer should read changes in, as a number (higher = earlier): a change with
/// risk flags scores its heaviest flag's weight plus one per flag, so two flags outrank one of
/// the same weight; any other change to an object's content scores 10; a change to
/// annotations only (a config hash, an owner annotation) scores 0.
pub fn risk_score(risks: &[Risk], annotations_only: bool) -> u32 {
    match risks.iter().map(|r| risk_weight(*r)).max() {
        Some(w) => w + u32::try_from(risks.len()).unwrap_or(u32::MAX).min(9),
        None if annotations_only => 0,
        None => 10,
    }
}

/// The object without the `annotations` of any `metadata` in it (its own, a pod template's);
/// other fields named `annotations` (a ConfigMap key, say) stay.
fn without_annotations(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, c)| {
                    let mut c = without_annotations(c);
                    if k == "metadata" {
                        if let Some(meta) = c.as_object_mut() {
                            meta.shift_remove("annotations");
                        }
                    }
                    (k.clone(), c)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_annotations).collect()),
        other => other.clone(),
    }
}

/// Whether only annotations differ between the two versions of an object.
fn annotations_only(before: Option<&Obj>, after: Option<&Obj>) -> bool {
    match (before, after) {
        (Some(b), Some(a)) => {
            b.secret == a.secret && without_annotations(&b.masked) == without_annotations(&a.masked)
        }
        _ => false,
    }
}

/// The change a unified diff makes, without context: per hunk, its removed and added lines.
/// (The `---`/`+++` header comes before the first hunk; inside hunks every line is marked.)
fn changed_lines(diff: &str) -> String {
    let mut out = String::new();
    let mut in_hunk = false;
    for line in diff.lines() {
        if line.starts_with("@@") {
            in_hunk = true;
            out.push_str("@@\n");
        } else if in_hunk && (line.starts_with('-') || line.starts_with('+')) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Which keys of a Secret changed, by fingerprint.
pub(crate) fn secret_keys(before: Option<&Obj>, after: Option<&Obj>) -> Option<SecretKeys> {
    let b = before.and_then(|o| o.secret.clone());
    let a = after.and_then(|o| o.secret.clone());
    if b.is_none() && a.is_none() {
        return None;
    }
    let (b, a) = (b.unwrap_or_default(), a.unwrap_or_default());
    let mut s = SecretKeys::default();
    for (k, fa) in &a {
        match b.get(k) {
            None => s.added.push(k.clone()),
            Some(fb) if fb != fa => s.changed.push((k.clone(), fb.clone(), fa.clone())),
            Some(_) => {}
        }
    }
    s.removed = b.keys().filter(|k| !a.contains_key(*k)).cloned().collect();
    Some(s)
}

fn file_label(o: &Obj) -> String {
    o.path.clone()
}

/// Pairs the objects of one site's base and head: equal keys whose content differs, then
/// generated names whose hash suffix changed (one object renamed), then what is left as
/// removed (base only) and added (head only). Unchanged objects are left out.
pub(crate) fn pair<'a>(
    b_objs: &'a [Obj],
    a_objs: &'a [Obj],
) -> Vec<(Option<&'a Obj>, Option<&'a Obj>)> {
    let b_idx: BTreeMap<Key, &Obj> = b_objs.iter().map(|o| (key(o), o)).collect();
    let a_idx: BTreeMap<Key, &Obj> = a_objs.iter().map(|o| (key(o), o)).collect();
    let mut pairs: Vec<(Option<&Obj>, Option<&Obj>)> = Vec::new();
    let mut only_b: Vec<&Obj> = Vec::new();
    for (k, b) in &b_idx {
        match a_idx.get(k) {
            Some(a) => {
                if a.masked != b.masked || (a.sops && a.secret != b.secret) {
                    pairs.push((Some(*b), Some(*a)));
                }
            }
            None => only_b.push(b),
        }
    }
    let mut only_a: Vec<&Obj> = a_idx
        .iter()
        .filter(|(k, _)| !b_idx.contains_key(*k))
        .map(|(_, o)| *o)
        .collect();
    // Rename pairing: a generated name whose hash suffix changed is one object.
    let mut unmatched_b = Vec::new();
    for b in only_b {
        let bk = key(b);
        let found = base_name(&b.name).and_then(|bn| {
            only_a.iter().position(|a| {
                let ak = key(a);
                (ak.0 == bk.0 && ak.1 == bk.1 && ak.2 == bk.2 && ak.3 == bk.3)
                    && base_name(&a.name) == Some(bn)
            })
        });
        match found {
            Some(i) => {
                let a = only_a.remove(i);
                pairs.push((Some(b), Some(a)));
            }
            None => unmatched_b.push(b),
        }
    }
    pairs.extend(unmatched_b.into_iter().map(|b| (Some(b), None)));
    pairs.extend(only_a.into_iter().map(|a| (None, Some(a))));
    pairs
}

/// Compares two snapshots.
pub fn compare(base: &Snapshot, head: &Snapshot, base_rev: &str, head_rev: &str) -> Report {
    let sites: BTreeSet<&String> = base.sites.keys().chain(head.sites.keys()).collect();
    // (change without sites) → sites
    let mut grouped: BTreeMap<GroupKey, (Change, Vec<String>)> = BTreeMap::new();
    let mut report = Report {
        base: base_rev.to_string(),
        head: head_rev.to_string(),
        ..Report::default()
    };
    for site in sites {
        let empty = crate::emit::SiteOutput::default();
        let b_objs = objects(site, base.sites.get(site).unwrap_or(&empty));
        let a_objs = objects(site, head.sites.get(site).unwrap_or(&empty));
        let pairs = pair(&b_objs, &a_objs);

        let graph = head.graphs.get(site).or_else(|| base.graphs.get(site));
        let mut impact = Impact::default();
        let counts = report.summary.entry(site.clone()).or_default();
        for (b, a) in pairs {
            let Some(any) = a.or(b) else { continue };
            let status = match (b, a) {
                (None, _) => Status::Added,
                (_, None) => Status::Removed,
                _ => Status::Changed,
            };
            let slot = match status {
                Status::Added => 0,
                Status::Changed => 1,
                Status::Removed => 2,
            };
            counts.entry(any.unit.clone()).or_insert([0; 3])[slot] += 1;
            impact.changed.insert(any.unit.clone());
            let renamed_from = match (b, a) {
                (Some(b), Some(a)) if b.name != a.name => Some(b.name.clone()),
                _ => None,
            };
            let diff = unified(
                &yaml(b.map(|o| &o.masked)),
                &yaml(a.map(|o| &o.masked)),
                &file_label(any),
            );
            let risks = risks(b, a);
            let change = Change {
                sites: Vec::new(),
                service: any.unit.clone(),
                api_version: any.api.clone(),
                kind: any.kind.clone(),
                namespace: any.namespace.clone(),
                name: any.name.clone(),
                renamed_from: renamed_from.clone(),
                status,
                risk_score: risk_score(&risks, annotations_only(b, a)),
                risks,
                secret_keys: secret_keys(b, a),
                diff,
            };
            // Secret fingerprints are salted per site, so group secrets by their key names.
            let change_text = match &change.secret_keys {
                Some(s) => format!(
                    "{:?}{:?}{:?}",
                    s.added,
                    s.removed,
                    s.changed.iter().map(|c| &c.0).collect::<Vec<_>>()
                ),
                None => changed_lines(&change.diff),
            };
            let gk = GroupKey {
                service: change.service.clone(),
                api_version: change.api_version.clone(),
                kind: change.kind.clone(),
                namespace: change.namespace.clone(),
                name: change.name.clone(),
                renamed_from,
                status,
                risks: change.risks.clone(),
                change: change_text,
            };
            grouped
                .entry(gk)
                .or_insert_with(|| (change, Vec::new()))
                .1
                .push(site.clone());
        }
        if let Some(g) = graph {
            for s in &impact.changed {
                impact.dependents.extend(g.dependents_closure(s));
            }
        }
        let changed = impact.changed.clone();
        impact.dependents.retain(|d| !changed.contains(d));
        if !impact.changed.is_empty() {
            report.impact.insert(site.clone(), impact);
        }
        if counts.is_empty() {
            report.summary.remove(site);
        }
    }
    report.changes = grouped
        .into_values()
        .map(|(mut c, sites)| {
            c.sites = sites;
            c
        })
        .collect();
    // Stable: equally risky changes keep the key order.
    report
        .changes
        .sort_by_key(|c| std::cmp::Reverse(c.risk_score));
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::SiteOutput;

    fn snap(sites: &[(&str, &[(&str, &str)])]) -> Snapshot {
        let mut s = Snapshot::default();
        for (site, files) in sites {
            s.sites.insert(
                site.to_string(),
                SiteOutput {
                    site: site.to_string(),
                    files: files
                        .iter()
                        .map(|(p, t)| (p.to_string(), t.to_string()))
                        .collect(),
                },
            );
        }
        s
    }

    const CM1: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: etc\n  namespace: os\ndata:\n  a.conf: |\n    [DEFAULT]\n    debug = false\n    x = 1\n";
    const CM2: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: etc\n  namespace: os\ndata:\n  a.conf: |\n    [DEFAULT]\n    debug = true\n    x = 1\n";

    #[test]
    fn same_change_in_two_sites_is_one_entry_with_line_diffs() {
        let base = snap(&[
            ("a", &[("svc/configmap-etc.yaml", CM1)]),
            ("b", &[("svc/configmap-etc.yaml", CM1)]),
        ]);
        let head = snap(&[
            ("a", &[("svc/configmap-etc.yaml", CM2)]),
            ("b", &[("svc/configmap-etc.yaml", CM2)]),
        ]);
        let r = compare(&base, &head, "base", "head");
        assert_eq!(r.changes.len(), 1);
        assert_eq!(r.changes[0].sites, vec!["a", "b"]);
        assert!(
            r.changes[0]
                .diff
                .contains("-    debug = false\n+    debug = true\n"),
            "{}",
            r.changes[0].diff
        );
    }

    #[test]
    fn secrets_show_keys_not_values() {
        let s1 = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2\n  user: admin\n";
        let s2 = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: correct-horse\n  token: t0k3n\n";
        let r = compare(
            &snap(&[("a", &[("svc/secret-s.yaml", s1)])]),
            &snap(&[("a", &[("svc/secret-s.yaml", s2)])]),
            "b",
            "h",
        );
        let text = format!("{r:?}");
        for secret in ["hunter2", "correct-horse", "t0k3n", "admin"] {
            assert!(!text.contains(secret), "{secret} leaked");
        }
        let keys = r.changes[0].secret_keys.clone().unwrap_or_default();
        assert_eq!(keys.added, vec!["token"]);
        assert_eq!(keys.removed, vec!["user"]);
        assert_eq!(
            keys.changed
                .iter()
                .map(|c| c.0.as_str())
                .collect::<Vec<_>>(),
            vec!["password"]
        );
        assert!(r.changes[0].risks.contains(&Risk::Secret));
    }

    #[test]
    fn hash_suffix_renames_are_one_change_and_deletions_are_flagged() {
        let g1 =
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gen-4h2mbtbbt6\ndata:\n  a: b\n";
        let g2 =
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gen-9kf6k7c5d2\ndata:\n  a: c\n";
        let dep =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 1\n";
        let r = compare(
            &snap(&[(
                "a",
                &[
                    ("svc/configmap-gen-4h2mbtbbt6.yaml", g1),
                    ("svc/deployment-d.yaml", dep),
                ],
            )]),
            &snap(&[("a", &[("svc/configmap-gen-9kf6k7c5d2.yaml", g2)])]),
            "b",
            "h",
        );
        assert_eq!(r.changes.len(), 2);
        let rename = r.changes.iter().find(|c| c.kind == "ConfigMap");
        assert_eq!(
            rename.and_then(|c| c.renamed_from.clone()).as_deref(),
            Some("gen-4h2mbtbbt6")
        );
        let del = r.changes.iter().find(|c| c.kind == "Deployment");
        assert_eq!(del.map(|c| c.status), Some(Status::Removed));
        assert!(del.is_some_and(|c| c.risks.contains(&Risk::Deletion)));
        assert_eq!(r.summary["a"]["svc"], [0, 1, 1]);
    }

    fn deployment(host: &str, hash: &str, replicas: u32, note: Option<&str>) -> String {
        let note = note.map_or(String::new(), |n| format!("    example.org/note: {n}\n"));
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n{note}    example.org/host: {host}\n  name: api\n  namespace: os\nspec:\n  replicas: {replicas}\n  template:\n    metadata:\n      annotations:\n        strata.io/config-hash: {hash}\n    spec:\n      containers:\n      - image: api:1\n        name: api\n"
        )
    }

    /// The same lines added in two sites whose objects differ right beside them (hostnames,
    /// config hashes) are one change listing both sites.
    #[test]
    fn same_change_with_different_context_is_one_entry() {
        let a0 = deployment("a.example.org", "1111", 1, None);
        let a1 = deployment("a.example.org", "1111", 1, Some("hi"));
        let b0 = deployment("b.example.org", "2222", 1, None);
        let b1 = deployment("b.example.org", "2222", 1, Some("hi"));
        let base = snap(&[
            ("a", &[("api/deployment-api.yaml", a0.as_str())]),
            ("b", &[("api/deployment-api.yaml", b0.as_str())]),
        ]);
        let head = snap(&[
            ("a", &[("api/deployment-api.yaml", a1.as_str())]),
            ("b", &[("api/deployment-api.yaml", b1.as_str())]),
        ]);
        let r = compare(&base, &head, "base", "head");
        assert_eq!(r.changes.len(), 1, "{:#?}", r.changes);
        assert_eq!(r.changes[0].sites, vec!["a", "b"]);
        assert_eq!(r.changes[0].risk_score, 0, "annotations only");
        // A different change in one site stays apart.
        let b2 = deployment("b.example.org", "2222", 1, Some("ho"));
        let head = snap(&[
            ("a", &[("api/deployment-api.yaml", a1.as_str())]),
            ("b", &[("api/deployment-api.yaml", b2.as_str())]),
        ]);
        assert_eq!(compare(&base, &head, "base", "head").changes.len(), 2);
    }

    /// Risky changes come first, whatever their names; equally risky ones keep the key order.
    #[test]
    fn changes_are_ordered_by_risk_then_key() {
        let cm = |name: &str, v: &str| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: {v}\n")
        };
        let (c1, c2) = (cm("a-etc", "1"), cm("a-etc", "2"));
        let base = snap(&[(
            "s",
            &[
                ("a/configmap-a-etc.yaml", c1.as_str()),
                ("a/deployment-api.yaml", &deployment("h", "1", 1, None)),
                ("b/deployment-api.yaml", &deployment("h", "1", 1, None)),
                ("z/deployment-api.yaml", &deployment("h", "1", 1, None)),
            ],
        )]);
        let head = snap(&[(
            "s",
            &[
                ("a/configmap-a-etc.yaml", c2.as_str()),
                ("a/deployment-api.yaml", &deployment("h", "2", 1, None)),
                ("b/deployment-api.yaml", &deployment("h", "2", 1, None)),
                ("z/deployment-api.yaml", &deployment("h", "1", 3, None)),
            ],
        )]);
        let r = compare(&base, &head, "base", "head");
        let order: Vec<(&str, &str, u32)> = r
            .changes
            .iter()
            .map(|c| (c.service.as_str(), c.kind.as_str(), c.risk_score))
            .collect();
        assert_eq!(
            order,
            vec![
                ("z", "Deployment", 31),
                ("a", "ConfigMap", 10),
                ("a", "Deployment", 0),
                ("b", "Deployment", 0),
            ]
        );
    }

    #[test]
    fn risk_scores_rank_the_flags() {
        let s = |r: &[Risk]| risk_score(r, false);
        assert!(s(&[Risk::ImmutableField]) > s(&[Risk::Deletion]));
        assert!(s(&[Risk::Deletion]) > s(&[Risk::Secret, Risk::Replicas, Risk::Image]));
        assert!(s(&[Risk::Replicas, Risk::Image]) > s(&[Risk::Replicas]));
        assert!(s(&[Risk::Rbac]) > s(&[]));
        assert!(s(&[]) > risk_score(&[], true));
    }

    #[test]
    fn only_metadata_annotations_are_left_out() {
        let v = serde_json::json!({
            "metadata": {"name": "x", "annotations": {"a": "1"}},
            "data": {"annotations": "kept"},
            "spec": {"template": {"metadata": {"annotations": {"h": "2"}, "labels": {"l": "3"}}}},
        });
        assert_eq!(
            without_annotations(&v),
            serde_json::json!({
                "metadata": {"name": "x"},
                "data": {"annotations": "kept"},
                "spec": {"template": {"metadata": {"labels": {"l": "3"}}}},
            })
        );
    }

    #[test]
    fn changed_lines_leave_out_context_and_positions() {
        let d1 = "--- a/x\n+++ b/x\n@@ -1,3 +1,4 @@\n a: 1\n+b: 2\n c: 3\n";
        let d2 = "--- a/x\n+++ b/x\n@@ -7,3 +7,4 @@\n z: 9\n+b: 2\n y: 8\n";
        assert_eq!(changed_lines(d1), changed_lines(d2));
        assert_eq!(changed_lines(d1), "@@\n+b: 2\n");
        // A removed line whose text starts with `--` is a change, not a header.
        let d3 = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n---x\n++++y\n";
        assert_eq!(changed_lines(d3), "@@\n---x\n++++y\n");
    }
}
