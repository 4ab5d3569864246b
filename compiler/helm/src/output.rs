//! What `helm template` prints for rendered files: each file split into YAML documents, empty
//! ones dropped, manifests ordered by kind in Helm's install order (stable, so files keep their
//! path order and documents their file order), hooks after them in the same kind order, test
//! hooks unless skipped, `crds/` files first when asked for, `NOTES.txt` never.

use std::collections::BTreeMap;

use crate::HelmError;

/// Helm's `InstallOrder`: kinds installed first come first; unknown kinds last, by name.
const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The hook events Helm knows (`helm.sh/hook` values); a document naming another is dropped,
/// as Helm drops it.
const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
    "test-success",
];

/// How to print.
#[derive(Clone, Debug, Default)]
pub struct OutputOptions {
    /// Print the charts' `crds/` files first (`--include-crds`).
    pub include_crds: bool,
    /// Leave out `helm.sh/hook: test` documents (`--skip-tests`).
    pub skip_tests: bool,
}

/// One YAML document of a rendered file, with the head fields Helm sorts by.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The template the document came from (`chart/templates/file.yaml`).
    pub source: String,
    /// The document's text as Helm prints it.
    pub content: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// The hook events (`helm.sh/hook`), empty for an ordinary manifest.
    pub hooks: Vec<String>,
    /// `helm.sh/hook-weight` (0 when absent or not an integer).
    pub hook_weight: i64,
}

impl Document {
    /// Whether this is a test hook (`helm.sh/hook: test`).
    pub fn is_test(&self) -> bool {
        self.hooks
            .iter()
            .any(|h| h == "test" || h == "test-success")
    }
}

/// Manifests and hooks, each in Helm's order (Helm's `SortManifests`).
#[derive(Clone, Debug, Default)]
pub struct Sorted {
    /// Ordinary manifests.
    pub manifests: Vec<Document>,
    /// Hook documents.
    pub hooks: Vec<Document>,
}

/// Helm's `SplitManifests`: the documents of one file, leading whitespace trimmed, empty ones
/// dropped.
pub fn split_manifests(text: &str) -> Vec<String> {
    let text = text.trim_start();
    let mut docs = Vec::new();
    let mut rest = text;
    let mut first = true;
    loop {
        match find_separator(rest, first) {
            Some((start, end)) => {
                docs.push(&rest[..start]);
                rest = &rest[end..];
            }
            None => {
                docs.push(rest);
                break;
            }
        }
        first = false;
    }
    docs.into_iter()
        .filter(|d| !d.trim().is_empty())
        .map(|d| d.trim_start().to_string())
        .collect()
}

/// The next match of Helm's separator `(?:^|\s*\n)---\s*` (`^` only at the very start).
fn find_separator(s: &str, at_start: bool) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let eat_ws = |mut i: usize| {
        while i < b.len() && (b[i] as char).is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    if at_start && s.starts_with("---") {
        return Some((0, eat_ws(3)));
    }
    let nl = s.find("\n---")?;
    // Extend the match backwards over whitespace before the newline (the leftmost match).
    let mut start = nl;
    while start > 0 && (b[start - 1] as char).is_ascii_whitespace() {
        start -= 1;
    }
    Some((start, eat_ws(nl + 4)))
}

/// Helm's `SortManifests`: splits every rendered file (partials and blank files skipped, paths
/// in byte order), separates hooks, orders both by kind.
pub fn sort_manifests(files: &BTreeMap<String, String>) -> Result<Sorted, HelmError> {
    let mut out = Sorted::default();
    for (path, content) in files {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            let head = read_head(&doc).map_err(|e| HelmError::Manifest {
                template: path.clone(),
                message: format!("YAML parse error on {path}: {e}"),
            })?;
            let Some(hook) = head.annotations.get("helm.sh/hook") else {
                out.manifests.push(Document {
                    source: path.clone(),
                    content: doc,
                    kind: head.kind,
                    name: head.name,
                    hooks: Vec::new(),
                    hook_weight: 0,
                });
                continue;
            };
            let events: Vec<String> = hook
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .collect();
            if events.iter().any(|e| !HOOK_EVENTS.contains(&e.as_str())) {
                continue; // Helm: "skipping unknown hooks"
            }
            let weight = head
                .annotations
                .get("helm.sh/hook-weight")
                .and_then(|w| w.parse().ok())
                .unwrap_or(0);
            out.hooks.push(Document {
                source: path.clone(),
                content: doc,
                kind: head.kind,
                name: head.name,
                hooks: events,
                hook_weight: weight,
            });
        }
    }
    sort_by_kind(&mut out.manifests);
    sort_by_kind(&mut out.hooks);
    Ok(out)
}

fn sort_by_kind(docs: &mut [Document]) {
    let rank = |k: &str| INSTALL_ORDER.iter().position(|x| *x == k);
    docs.sort_by(|a, b| match (rank(&a.kind), rank(&b.kind)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.kind.cmp(&b.kind),
    });
}

struct Head {
    kind: String,
    name: String,
    annotations: BTreeMap<String, String>,
}

fn read_head(doc: &str) -> Result<Head, String> {
    let opts = strata_yaml::ParseOptions {
        schema: strata_yaml::Schema::Go11,
        spans: false,
        ..Default::default()
    };
    let docs = strata_yaml::parse(doc, &opts).map_err(|e| e.to_string())?;
    let v = docs
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap_or(serde_json::Value::Null);
    let s = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let meta = v.get("metadata");
    let annotations = match meta.and_then(|m| m.get("annotations")) {
        Some(serde_json::Value::Object(o)) => {
            o.iter().map(|(k, v)| (k.clone(), s(Some(v)))).collect()
        }
        _ => BTreeMap::new(),
    };
    Ok(Head {
        kind: s(v.get("kind")),
        name: s(meta.and_then(|m| m.get("name"))),
        annotations,
    })
}

/// What `helm template` prints: `crds` (name, text) first when asked, then the manifests, then
/// the hooks, each as `---\n# Source: NAME\nTEXT\n`. `NOTES.txt` files must already be removed.
pub fn template_output(sorted: &Sorted, crds: &[(String, String)], opts: &OutputOptions) -> String {
    let mut manifest = String::new();
    if opts.include_crds {
        for (name, text) in crds {
            manifest.push_str(&format!("---\n# Source: {name}\n{text}\n"));
        }
    }
    for m in &sorted.manifests {
        manifest.push_str(&format!("---\n# Source: {}\n{}\n", m.source, m.content));
    }
    let mut out = manifest.trim().to_string();
    out.push('\n');
    for h in &sorted.hooks {
        if opts.skip_tests && h.is_test() {
            continue;
        }
        out.push_str(&format!("---\n# Source: {}\n{}\n", h.source, h.content));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_helm() {
        assert_eq!(split_manifests("a: 1\n---\nb: 2\n"), vec!["a: 1", "b: 2\n"]);
        // Helm's separator eats the blank lines after `---`, so a second `---` right after is no
        // separator (checked against Helm's SplitManifests).
        assert_eq!(
            split_manifests("---\na: 1\n  \n---\n\n---\nb: 2"),
            vec!["a: 1", "---\nb: 2"]
        );
        assert_eq!(split_manifests("\n\n# c\na: 1"), vec!["# c\na: 1"]);
    }

    #[test]
    fn sorted_by_kind_then_path_and_hooks_apart() {
        let mut files = BTreeMap::new();
        files.insert(
            "c/templates/b.yaml".to_string(),
            "kind: Deployment\nmetadata:\n  name: d\n---\nkind: Service\nmetadata:\n  name: s\n"
                .to_string(),
        );
        files.insert(
            "c/templates/a.yaml".to_string(),
            "kind: Zeta\n---\nkind: ConfigMap\n".to_string(),
        );
        files.insert(
            "c/templates/t.yaml".to_string(),
            "kind: Pod\nmetadata:\n  annotations:\n    helm.sh/hook: test\n".to_string(),
        );
        files.insert("c/templates/_h.tpl".to_string(), "kind: Secret".to_string());
        let s = sort_manifests(&files).unwrap();
        let kinds: Vec<&str> = s.manifests.iter().map(|d| d.kind.as_str()).collect();
        assert_eq!(kinds, vec!["ConfigMap", "Service", "Deployment", "Zeta"]);
        assert_eq!(s.hooks.len(), 1);
        let out = template_output(
            &s,
            &[],
            &OutputOptions {
                include_crds: false,
                skip_tests: true,
            },
        );
        assert!(!out.contains("kind: Pod"), "{out}");
        // Helm v4 keeps a document's trailing newline, so a blank line precedes the next `---`.
        assert!(
            out.starts_with("---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n\n---\n"),
            "{out}"
        );
    }
}
