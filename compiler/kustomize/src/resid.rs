//! Resource identity, as kyaml's `resid` package defines it: group/version/kind, name and
//! namespace, with cluster-scoped kinds living in no namespace.

use std::fmt;

/// A group, version and kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    /// API group, empty for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Splits an `apiVersion` at its first `/` (`v1` is the core group).
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = split_api_version(api_version);
        Gvk {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
        }
    }

    /// kyaml's `IsSelected`: every non-empty field of `selector` equals ours.
    pub fn is_selected_by(&self, selector: &Gvk) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }

    /// Whether kustomize knows this exact type to be cluster-scoped.
    pub fn is_cluster_scoped(&self) -> bool {
        is_cluster_scoped(&self.group, &self.version, &self.kind)
    }
}

impl fmt::Display for Gvk {
    /// kyaml's `Gvk.String`: `Kind.version.group` with `[noKind]`, `[noVer]`, `[noGrp]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or = |s: &str, d: &'static str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        write!(
            f,
            "{}.{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]")
        )
    }
}

/// Splits `apiVersion` into group and version at the first `/`.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.find('/') {
        Some(i) => (&api_version[..i], &api_version[i + 1..]),
        None => ("", api_version),
    }
}

/// The namespace kyaml gives cluster-scoped resources (`resid.TotallyNotANamespace`).
pub const CLUSTER_NS: &str = "_non_namespaceable_";

/// A resource id: type, name and namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResId {
    /// The type.
    pub gvk: Gvk,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` as written (may be empty).
    pub namespace: String,
}

impl ResId {
    /// The namespace ids are compared by: a sentinel for cluster-scoped kinds, `default` for
    /// none.
    pub fn effective_namespace(&self) -> &str {
        if self.gvk.is_cluster_scoped() {
            CLUSTER_NS
        } else if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    /// Whether the id's type is cluster-scoped.
    pub fn is_cluster_scoped(&self) -> bool {
        self.gvk.is_cluster_scoped()
    }

    /// kyaml's `ResId.Equals`: same type, name and effective namespace.
    #[cfg(test)]
    pub fn same_as(&self, other: &ResId) -> bool {
        self.gvk == other.gvk
            && self.name == other.name
            && self.effective_namespace() == other.effective_namespace()
    }
}

impl fmt::Display for ResId {
    /// kyaml's `ResId.String`: `Kind.version.group/name.namespace`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.name.is_empty() {
            "[noName]"
        } else {
            &self.name
        };
        let ns = if self.namespace.is_empty() {
            "[noNs]"
        } else {
            &self.namespace
        };
        write!(f, "{}/{}.{}", self.gvk, name, ns)
    }
}

/// One row of the cluster-scoped kinds table.
struct ClusterScoped {
    group: &'static str,
    kind: &'static str,
    /// The versions kyaml's `precomputedIsNamespaceScoped` table (Kubernetes 1.21.2) lists
    /// for this kind; empty when kyaml does not know the kind as cluster-scoped.
    kyaml_versions: &'static [&'static str],
    /// Whether a current API server serves the kind cluster-scoped (false for kinds that only
    /// kyaml's old table still has, such as `PodSecurityPolicy`, removed in Kubernetes 1.25).
    current: bool,
}

const V1: &[&str] = &["v1"];
const V1_V1BETA1: &[&str] = &["v1", "v1beta1"];
const V1BETA1: &[&str] = &["v1beta1"];

/// The cluster-scoped kinds: the one table behind both [`is_cluster_scoped`] (kustomize's
/// exact, version-specific rule) and [`is_cluster_scoped_kind`] (the compiler's rule for
/// which rendered objects get the site's namespace).
const CLUSTER_SCOPED: &[ClusterScoped] = &[
    row(
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        V1_V1BETA1,
        true,
    ),
    row(
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        V1_V1BETA1,
        true,
    ),
    row(
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicy",
        &[],
        true,
    ),
    row(
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
        &[],
        true,
    ),
    row(
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        V1_V1BETA1,
        true,
    ),
    row("apiregistration.k8s.io", "APIService", V1_V1BETA1, true),
    row(
        "certificates.k8s.io",
        "CertificateSigningRequest",
        V1_V1BETA1,
        true,
    ),
    row("flowcontrol.apiserver.k8s.io", "FlowSchema", V1BETA1, true),
    row(
        "flowcontrol.apiserver.k8s.io",
        "PriorityLevelConfiguration",
        V1BETA1,
        true,
    ),
    row("networking.k8s.io", "IngressClass", V1_V1BETA1, true),
    row("node.k8s.io", "RuntimeClass", V1_V1BETA1, true),
    row("policy", "PodSecurityPolicy", V1BETA1, false),
    row("rbac.authorization.k8s.io", "ClusterRole", V1_V1BETA1, true),
    row(
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        V1_V1BETA1,
        true,
    ),
    row("scheduling.k8s.io", "PriorityClass", V1_V1BETA1, true),
    row("storage.k8s.io", "CSIDriver", V1_V1BETA1, true),
    row("storage.k8s.io", "CSINode", V1_V1BETA1, true),
    row("storage.k8s.io", "StorageClass", V1_V1BETA1, true),
    row("storage.k8s.io", "VolumeAttachment", V1_V1BETA1, true),
    row("", "ComponentStatus", V1, true),
    row("", "Namespace", V1, true),
    row("", "Node", V1, true),
    row("", "NodeProxyOptions", V1, false),
    row("", "PersistentVolume", V1, true),
];

const fn row(
    group: &'static str,
    kind: &'static str,
    kyaml_versions: &'static [&'static str],
    current: bool,
) -> ClusterScoped {
    ClusterScoped {
        group,
        kind,
        kyaml_versions,
        current,
    }
}

/// kyaml's `precomputedIsNamespaceScoped` rule (Kubernetes 1.21.2): the exact
/// `(apiVersion, kind)` pairs that are cluster-scoped. Unknown types, including every custom
/// resource, are namespaced. This is what kustomize's namespace and name-reference handling
/// follow, so it must not learn kinds kyaml does not know.
pub fn is_cluster_scoped(group: &str, version: &str, kind: &str) -> bool {
    CLUSTER_SCOPED
        .iter()
        .any(|r| r.group == group && r.kind == kind && r.kyaml_versions.contains(&version))
}

/// Whether a current API server serves `kind` of `api_version` cluster-scoped, whatever the
/// version: the compiler's rule for which rendered objects are not given the site's
/// namespace. Unknown kinds, including every custom resource, are namespaced.
pub fn is_cluster_scoped_kind(api_version: &str, kind: &str) -> bool {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    CLUSTER_SCOPED
        .iter()
        .any(|r| r.current && r.group == group && r.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_by_effective_namespace() {
        let a = ResId {
            gvk: Gvk::from_api_version("v1", "ConfigMap"),
            name: "x".into(),
            namespace: String::new(),
        };
        let mut b = a.clone();
        b.namespace = "default".into();
        assert!(a.same_as(&b));
        assert_eq!(a.to_string(), "ConfigMap.v1.[noGrp]/x.[noNs]");
    }

    #[test]
    fn cluster_scope_depends_on_the_exact_api_version() {
        assert!(
            Gvk::from_api_version("rbac.authorization.k8s.io/v1", "ClusterRole")
                .is_cluster_scoped()
        );
        assert!(!Gvk::from_api_version("rbac.example.io/v1", "ClusterRole").is_cluster_scoped());
        assert!(Gvk::from_api_version("v1", "Namespace").is_cluster_scoped());
        assert!(!Gvk::from_api_version("example.com/v1", "Widget").is_cluster_scoped());
    }

    #[test]
    fn the_compiler_rule_ignores_versions_and_knows_newer_kinds() {
        assert!(is_cluster_scoped_kind(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole"
        ));
        assert!(is_cluster_scoped_kind(
            "admissionregistration.k8s.io/v1",
            "ValidatingAdmissionPolicy"
        ));
        assert!(!is_cluster_scoped(
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingAdmissionPolicy"
        ));
        assert!(is_cluster_scoped_kind("storage.k8s.io/v2", "StorageClass"));
        assert!(!is_cluster_scoped_kind(
            "policy/v1beta1",
            "PodSecurityPolicy"
        ));
        assert!(!is_cluster_scoped_kind("apps/v1", "Deployment"));
    }
}
