//! The Go structs Helm hands templates: `.Files` (with `Get`, `GetBytes`, `Glob`, `AsConfig`,
//! `AsSecrets`, `Lines`) and `.Capabilities` (`KubeVersion`, `APIVersions.Has`, `HelmVersion`).

use std::collections::BTreeMap;
use std::sync::Arc;

use strata_gotmpl::{FuncError, Object, Value};

use crate::chart::ChartFile;

/// `.Files`: the chart's non-template files by name (Helm's `engine.files`, a Go map type).
pub struct Files {
    files: BTreeMap<String, Arc<[u8]>>,
}

impl Files {
    /// The files of a chart.
    pub fn new(files: &[ChartFile]) -> Files {
        Files {
            files: files
                .iter()
                .map(|f| (f.name.clone(), f.data.clone()))
                .collect(),
        }
    }

    fn get(&self, name: &str) -> String {
        self.files
            .get(name)
            .map(|d| crate::chart::utf8_text(d).into_owned())
            .unwrap_or_default()
    }

    fn as_map(&self, f: impl Fn(&[u8]) -> String) -> Value {
        // Helm keys by base name; a later file with the same base name wins (Go map order is
        // random there; Strata takes the last in path order).
        let m: strata_gotmpl::Entries = self
            .files
            .iter()
            .map(|(k, v)| {
                (
                    strata_gotmpl::Key::from(k.rsplit('/').next().unwrap_or(k)),
                    Value::str(f(v)),
                )
            })
            .collect();
        Value::map(m)
    }
}

fn str_arg(args: &[Value], i: usize) -> Result<String, FuncError> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(other) => Err(FuncError::Arg(format!(
            "wrong type for value; expected string; got {}",
            other.type_name()
        ))),
        None => Err(FuncError::Arity {
            want: (i + 1).to_string(),
            got: args.len(),
        }),
    }
}

impl Object for Files {
    fn type_name(&self) -> String {
        "engine.files".into()
    }
    fn kind(&self) -> &'static str {
        "map"
    }
    fn field(&self, name: &str) -> Option<Value> {
        // Indexing the Go map: the bytes, or nothing.
        Some(
            self.files
                .get(name)
                .map(|d| Value::str(crate::chart::utf8_text(d)))
                .unwrap_or(Value::Nil),
        )
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, FuncError>> {
        let r = match name {
            "Get" | "GetBytes" => str_arg(args, 0).map(|n| Value::str(self.get(&n))),
            "Glob" => str_arg(args, 0).map(|pattern| {
                let pattern = if crate::glob::files_glob(&pattern, "").is_some() {
                    pattern
                } else {
                    "**".to_string()
                };
                let files = self
                    .files
                    .iter()
                    .filter(|(n, _)| crate::glob::files_glob(&pattern, n) == Some(true))
                    .map(|(n, d)| (n.clone(), d.clone()))
                    .collect();
                Value::Object(std::rc::Rc::new(Files { files }))
            }),
            "AsConfig" => Ok(Value::str(crate::yamlin::to_yaml(
                &self.as_map(|d| crate::chart::utf8_text(d).into_owned()),
            ))),
            "AsSecrets" => Ok(Value::str(crate::yamlin::to_yaml(&self.as_map(base64)))),
            "Lines" => str_arg(args, 0).map(|p| {
                let s = self.get(&p);
                if s.is_empty() {
                    return Value::list(Vec::new());
                }
                let s = s.strip_suffix('\n').unwrap_or(&s);
                Value::list(s.split('\n').map(Value::str).collect())
            }),
            _ => return None,
        };
        Some(r)
    }
    fn entries(&self) -> Option<Vec<(String, Value)>> {
        // `range $path, $bytes := .Files.Glob "…"`: Go's map of `[]byte`, keys sorted.
        Some(
            self.files
                .iter()
                .map(|(k, v)| (k.clone(), bytes_value(v)))
                .collect(),
        )
    }
    fn format(&self) -> String {
        let parts: Vec<String> = self
            .files
            .iter()
            .map(|(k, v)| {
                let bytes: Vec<String> = v.iter().map(|b| b.to_string()).collect();
                format!("{k}:[{}]", bytes.join(" "))
            })
            .collect();
        format!("map[{}]", parts.join(" "))
    }
}

/// A Go `[]byte` as templates see it: a list of byte values (`[97 98]` when printed).
fn bytes_value(data: &[u8]) -> Value {
    Value::list(data.iter().map(|b| Value::Int(i64::from(*b))).collect())
}

fn base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Helm v4.2.3's default API versions (`.Capabilities.APIVersions` without a cluster), in
/// Helm's order.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// Helm v4.2.3's default Kubernetes version without a cluster.
pub const DEFAULT_KUBE_VERSION: &str = "1.36.0";

/// `.Capabilities.KubeVersion`.
#[derive(Clone, Debug)]
pub struct KubeVersion {
    /// `Version` (also `GitVersion`): as given, with a `v` prefix.
    pub version: String,
    /// What `String()` (and printing) gives: `v` + the normalized `major.minor.patch`.
    pub normalized: String,
    /// `Major`.
    pub major: String,
    /// `Minor`.
    pub minor: String,
}

impl KubeVersion {
    /// Helm's `ParseKubeVersion`: `1.29`, `v1.29.3`, `1.29.3-gke.1`; `None` when not a version.
    pub fn parse(s: &str) -> Option<KubeVersion> {
        let t = s.trim();
        let core = t.strip_prefix('v').unwrap_or(t);
        let nums_end = core
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(core.len());
        let nums: Vec<&str> = core[..nums_end].split('.').collect();
        if nums.len() < 2 || nums.len() > 3 || nums.iter().any(|n| n.is_empty()) {
            return None;
        }
        let parsed: Vec<u64> = nums.iter().map(|n| n.parse().ok()).collect::<Option<_>>()?;
        let patch = parsed.get(2).copied().unwrap_or(0);
        let version = if t.starts_with('v') {
            t.to_string()
        } else {
            format!("v{t}")
        };
        Some(KubeVersion {
            version,
            normalized: format!("v{}.{}.{}", parsed[0], parsed[1], patch),
            major: parsed[0].to_string(),
            minor: parsed[1].to_string(),
        })
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "common.KubeVersion".into()
    }
    fn kind(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" | "GitVersion" => Some(Value::str(&self.version)),
            "Major" => Some(Value::str(&self.major)),
            "Minor" => Some(Value::str(&self.minor)),
            "String" => Some(Value::str(&self.normalized)),
            _ => None,
        }
    }
    fn format(&self) -> String {
        self.normalized.clone()
    }
}

/// `.Capabilities.APIVersions`.
pub struct VersionSet(pub Vec<String>);

impl Object for VersionSet {
    fn type_name(&self) -> String {
        "common.VersionSet".into()
    }
    fn kind(&self) -> &'static str {
        "slice"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, FuncError>> {
        match name {
            "Has" => Some(str_arg(args, 0).map(|v| Value::Bool(self.0.contains(&v)))),
            _ => None,
        }
    }
    fn format(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
}

/// `.Capabilities.HelmVersion` (Helm's `version.BuildInfo`), as the oracle reports it.
pub struct BuildInfo;

impl Object for BuildInfo {
    fn type_name(&self) -> String {
        "version.BuildInfo".into()
    }
    fn kind(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" => Some(Value::str("v4.2")),
            "GitCommit" | "GitTreeState" => Some(Value::str("")),
            "GoVersion" => Some(Value::str("go1.26.6")),
            "KubeClientVersion" => Some(Value::str("v1.36")),
            _ => None,
        }
    }
    fn format(&self) -> String {
        "{v4.2   go1.26.6 v1.36}".into()
    }
}

/// `.Capabilities`.
pub struct Capabilities {
    /// `KubeVersion`.
    pub kube: KubeVersion,
    /// `APIVersions`.
    pub api_versions: Vec<String>,
}

impl Object for Capabilities {
    fn type_name(&self) -> String {
        "*common.Capabilities".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::Object(std::rc::Rc::new(self.kube.clone()))),
            "APIVersions" => Some(Value::Object(std::rc::Rc::new(VersionSet(
                self.api_versions.clone(),
            )))),
            "HelmVersion" => Some(Value::Object(std::rc::Rc::new(BuildInfo))),
            _ => None,
        }
    }
    fn format(&self) -> String {
        format!(
            "&{{{{{} {} {} {}}} [{}] {}}}",
            self.kube.version,
            self.kube.normalized,
            self.kube.major,
            self.kube.minor,
            self.api_versions.join(" "),
            BuildInfo.format()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_version_like_helm() {
        let k = KubeVersion::parse("1.29").unwrap();
        assert_eq!(
            (
                k.version.as_str(),
                k.normalized.as_str(),
                k.major.as_str(),
                k.minor.as_str()
            ),
            ("v1.29", "v1.29.0", "1", "29")
        );
        assert!(KubeVersion::parse("x").is_none());
        assert_eq!(base64(b"hi!?"), "aGkhPw==");
    }
}
