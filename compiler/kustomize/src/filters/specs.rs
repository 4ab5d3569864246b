//! kustomize's built-in field-spec configuration (`api/internal/konfig/builtinpluginconsts`):
//! where labels, annotations, namespaces, images and replica counts go, and which fields refer
//! to other objects by name. This is kustomize's own configuration, not Kubernetes API data.

use std::sync::OnceLock;

use crate::filters::fieldspec::{compile, Spec as Compiled};
use crate::kustfile::FieldSpec;
use crate::resid::Gvk;

macro_rules! compiled {
    ($name:ident, $doc:literal, $src:expr) => {
        #[doc = $doc]
        pub fn $name() -> &'static [Compiled] {
            static CELL: OnceLock<Vec<Compiled>> = OnceLock::new();
            CELL.get_or_init(|| compile(&$src))
        }
    };
}

compiled!(
    common_labels_compiled,
    "[`common_labels`], compiled.",
    common_labels()
);
compiled!(
    annotations,
    "[`COMMON_ANNOTATIONS`], compiled.",
    expand(COMMON_ANNOTATIONS)
);
compiled!(images, "[`IMAGES`], compiled.", expand(IMAGES));
compiled!(replicas, "[`REPLICAS`], compiled.", expand(REPLICAS));
compiled!(namespace, "[`NAMESPACE`], compiled.", expand(NAMESPACE));

/// A compact field spec: group, version, kind, path, create.
pub type Spec = (&'static str, &'static str, &'static str, &'static str, bool);

/// Expands compact specs.
pub fn expand(specs: &[Spec]) -> Vec<FieldSpec> {
    specs
        .iter()
        .map(|(g, v, k, p, c)| FieldSpec {
            gvk: Gvk {
                group: g.to_string(),
                version: v.to_string(),
                kind: k.to_string(),
            },
            path: p.to_string(),
            create: *c,
        })
        .collect()
}

/// `metadataLabels`: object labels and pod-template labels (also `templateLabels`).
pub const METADATA_LABELS: &[Spec] = &[
    ("", "", "", "metadata/labels", true),
    (
        "",
        "v1",
        "ReplicationController",
        "spec/template/metadata/labels",
        true,
    ),
    ("", "", "Deployment", "spec/template/metadata/labels", true),
    ("", "", "ReplicaSet", "spec/template/metadata/labels", true),
    ("", "", "DaemonSet", "spec/template/metadata/labels", true),
    (
        "apps",
        "",
        "StatefulSet",
        "spec/template/metadata/labels",
        true,
    ),
    (
        "apps",
        "",
        "StatefulSet",
        "spec/volumeClaimTemplates[]/metadata/labels",
        true,
    ),
    ("batch", "", "Job", "spec/template/metadata/labels", true),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/metadata/labels",
        true,
    ),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
    ),
];

const AFFINITY: [&str; 5] = [
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
];

/// `commonLabels`: selectors, then [`METADATA_LABELS`].
pub fn common_labels() -> Vec<FieldSpec> {
    let mut s: Vec<Spec> = vec![
        ("", "v1", "Service", "spec/selector", true),
        ("", "v1", "ReplicationController", "spec/selector", true),
        ("", "", "Deployment", "spec/selector/matchLabels", true),
    ];
    s.extend(
        AFFINITY
            .iter()
            .map(|p| ("apps", "", "Deployment", *p, false)),
    );
    s.push(("", "", "ReplicaSet", "spec/selector/matchLabels", true));
    s.push(("", "", "DaemonSet", "spec/selector/matchLabels", true));
    s.push(("apps", "", "StatefulSet", "spec/selector/matchLabels", true));
    s.push((
        "apps",
        "",
        "StatefulSet",
        "spec/volumeClaimTemplates[]/metadata/labels",
        true,
    ));
    s.extend(
        AFFINITY
            .iter()
            .map(|p| ("apps", "", "StatefulSet", *p, false)),
    );
    s.extend_from_slice(&[
        ("batch", "", "Job", "spec/selector/matchLabels", false),
        (
            "batch",
            "",
            "CronJob",
            "spec/jobTemplate/spec/selector/matchLabels",
            false,
        ),
        (
            "policy",
            "",
            "PodDisruptionBudget",
            "spec/selector/matchLabels",
            false,
        ),
        (
            "networking.k8s.io",
            "",
            "NetworkPolicy",
            "spec/podSelector/matchLabels",
            false,
        ),
        (
            "networking.k8s.io",
            "",
            "NetworkPolicy",
            "spec/ingress/from/podSelector/matchLabels",
            false,
        ),
        (
            "networking.k8s.io",
            "",
            "NetworkPolicy",
            "spec/egress/to/podSelector/matchLabels",
            false,
        ),
    ]);
    let mut out = expand(&s);
    // kustomize concatenates the two lists; duplicates are merged when the slice is built.
    for fs in expand(METADATA_LABELS) {
        if !out.iter().any(|o| o.gvk == fs.gvk && o.path == fs.path) {
            out.push(fs);
        }
    }
    out
}

/// `commonAnnotations`.
pub const COMMON_ANNOTATIONS: &[Spec] = &[
    ("", "", "", "metadata/annotations", true),
    (
        "",
        "v1",
        "ReplicationController",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "",
        "",
        "Deployment",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "",
        "",
        "ReplicaSet",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "",
        "",
        "DaemonSet",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "apps",
        "",
        "StatefulSet",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "batch",
        "",
        "Job",
        "spec/template/metadata/annotations",
        true,
    ),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/metadata/annotations",
        true,
    ),
    (
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/annotations",
        true,
    ),
];

/// `images` (besides the legacy walk over every `containers`/`initContainers` list).
pub const IMAGES: &[Spec] = &[
    ("", "", "", "spec/containers[]/image", false),
    ("", "", "", "spec/initContainers[]/image", false),
    ("", "", "", "spec/template/spec/containers[]/image", false),
    (
        "",
        "",
        "",
        "spec/template/spec/initContainers[]/image",
        false,
    ),
];

/// `replicas`.
pub const REPLICAS: &[Spec] = &[
    ("", "", "Deployment", "spec/replicas", true),
    ("", "", "ReplicationController", "spec/replicas", true),
    ("", "", "ReplicaSet", "spec/replicas", true),
    ("", "", "StatefulSet", "spec/replicas", true),
];

/// Extra `namespace` field specs (`metadata/namespace` is set separately, for namespaced
/// kinds only).
pub const NAMESPACE: &[Spec] = &[
    ("", "v1", "Namespace", "metadata/name", true),
    (
        "apiregistration.k8s.io",
        "",
        "APIService",
        "spec/service/namespace",
        true,
    ),
    (
        "apiextensions.k8s.io",
        "",
        "CustomResourceDefinition",
        "spec/conversion/webhook/clientConfig/service/namespace",
        false,
    ),
];

/// One row of the name-reference table: objects of type `target` are referred to by name from
/// the `referrers` fields.
pub struct NameRef {
    /// The referred-to type (empty fields match anything).
    pub target: Gvk,
    /// The referring fields.
    pub referrers: Vec<FieldSpec>,
}

fn pod_paths(prefix: &str, suffixes: &[&str]) -> Vec<String> {
    suffixes.iter().map(|s| format!("{prefix}{s}")).collect()
}

/// kustomize's `nameReference` table.
pub fn name_references() -> Vec<NameRef> {
    let mut out = Vec::new();
    let gvk = |g: &str, v: &str, k: &str| Gvk {
        group: g.into(),
        version: v.into(),
        kind: k.into(),
    };
    let fs = |g: &str, v: &str, k: &str, p: &str| FieldSpec {
        gvk: gvk(g, v, k),
        path: p.into(),
        create: false,
    };
    for target in [
        "Deployment",
        "ReplicationController",
        "ReplicaSet",
        "StatefulSet",
    ] {
        out.push(NameRef {
            target: gvk("", "", target),
            referrers: vec![fs(
                "",
                "",
                "HorizontalPodAutoscaler",
                "spec/scaleTargetRef/name",
            )],
        });
    }
    // Workloads: (kind, version, pod spec prefix). Pod fields carry `version: v1`.
    let workloads: [(&str, &str, &str); 7] = [
        ("Pod", "v1", "spec/"),
        ("PodTemplate", "", "template/spec/"),
        ("Deployment", "", "spec/template/spec/"),
        ("ReplicaSet", "", "spec/template/spec/"),
        ("DaemonSet", "", "spec/template/spec/"),
        ("StatefulSet", "", "spec/template/spec/"),
        ("Job", "", "spec/template/spec/"),
    ];
    let cj = "spec/jobTemplate/spec/template/spec/";
    // ConfigMap.
    let mut refs = Vec::new();
    let cm_fields = [
        "volumes/configMap/name",
        "containers/env/valueFrom/configMapKeyRef/name",
        "initContainers/env/valueFrom/configMapKeyRef/name",
        "containers/envFrom/configMapRef/name",
        "initContainers/envFrom/configMapRef/name",
        "volumes/projected/sources/configMap/name",
    ];
    for (k, v, p) in workloads {
        for path in pod_paths(p, &cm_fields) {
            refs.push(fs("", v, k, &path));
        }
    }
    for f in [
        "volumes/configMap/name",
        "volumes/projected/sources/configMap/name",
        "containers/env/valueFrom/configMapKeyRef/name",
        "initContainers/env/valueFrom/configMapKeyRef/name",
        "containers/envFrom/configMapRef/name",
        "initContainers/envFrom/configMapRef/name",
    ] {
        refs.push(fs("", "", "CronJob", &format!("{cj}{f}")));
    }
    refs.push(fs("", "", "Node", "spec/configSource/configMap"));
    refs.push(fs("", "", "Role", "rules/resourceNames"));
    refs.push(fs("", "", "ClusterRole", "rules/resourceNames"));
    refs.push(fs(
        "",
        "",
        "Ingress",
        "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
    ));
    out.push(NameRef {
        target: gvk("", "v1", "ConfigMap"),
        referrers: refs,
    });
    // Secret.
    let mut refs = Vec::new();
    let secret_fields = [
        "volumes/secret/secretName",
        "containers/env/valueFrom/secretKeyRef/name",
        "initContainers/env/valueFrom/secretKeyRef/name",
        "containers/envFrom/secretRef/name",
        "initContainers/envFrom/secretRef/name",
        "imagePullSecrets/name",
        "volumes/projected/sources/secret/name",
    ];
    for (k, v, p) in workloads {
        for path in pod_paths(p, &secret_fields) {
            refs.push(fs("", v, k, &path));
        }
    }
    for f in [
        "volumes/secret/secretName",
        "volumes/projected/sources/secret/name",
        "containers/env/valueFrom/secretKeyRef/name",
        "initContainers/env/valueFrom/secretKeyRef/name",
        "containers/envFrom/secretRef/name",
        "initContainers/envFrom/secretRef/name",
        "imagePullSecrets/name",
    ] {
        refs.push(fs("", "", "CronJob", &format!("{cj}{f}")));
    }
    for p in [
        "spec/tls/secretName",
        "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
        "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
        "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
        "spec/tls/secretName",
    ] {
        refs.push(fs("", "", "Ingress", p));
    }
    refs.push(fs("", "", "ServiceAccount", "imagePullSecrets/name"));
    for p in [
        "parameters/secretName",
        "parameters/adminSecretName",
        "parameters/userSecretName",
        "parameters/secretRef",
    ] {
        refs.push(fs("", "", "StorageClass", p));
    }
    refs.push(fs("", "", "Role", "rules/resourceNames"));
    refs.push(fs("", "", "ClusterRole", "rules/resourceNames"));
    refs.push(fs(
        "serving.knative.dev",
        "v1",
        "Service",
        "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
    ));
    refs.push(fs("", "", "PersistentVolume", "spec/azureFile/secretName"));
    out.push(NameRef {
        target: gvk("", "v1", "Secret"),
        referrers: refs,
    });
    // Service.
    out.push(NameRef {
        target: gvk("", "v1", "Service"),
        referrers: vec![
            fs("apps", "", "StatefulSet", "spec/serviceName"),
            fs(
                "",
                "",
                "Ingress",
                "spec/rules/http/paths/backend/serviceName",
            ),
            fs("", "", "Ingress", "spec/backend/serviceName"),
            fs(
                "",
                "",
                "Ingress",
                "spec/rules/http/paths/backend/service/name",
            ),
            fs("", "", "Ingress", "spec/defaultBackend/service/name"),
            fs(
                "apiregistration.k8s.io",
                "",
                "APIService",
                "spec/service/name",
            ),
            fs(
                "admissionregistration.k8s.io",
                "",
                "ValidatingWebhookConfiguration",
                "webhooks/clientConfig/service",
            ),
            fs(
                "admissionregistration.k8s.io",
                "",
                "MutatingWebhookConfiguration",
                "webhooks/clientConfig/service",
            ),
        ],
    });
    // Role, ClusterRole.
    out.push(NameRef {
        target: gvk("rbac.authorization.k8s.io", "", "Role"),
        referrers: vec![fs(
            "rbac.authorization.k8s.io",
            "",
            "RoleBinding",
            "roleRef/name",
        )],
    });
    out.push(NameRef {
        target: gvk("rbac.authorization.k8s.io", "", "ClusterRole"),
        referrers: vec![
            fs(
                "rbac.authorization.k8s.io",
                "",
                "RoleBinding",
                "roleRef/name",
            ),
            fs(
                "rbac.authorization.k8s.io",
                "",
                "ClusterRoleBinding",
                "roleRef/name",
            ),
        ],
    });
    // ServiceAccount.
    out.push(NameRef {
        target: gvk("", "v1", "ServiceAccount"),
        referrers: vec![
            fs("rbac.authorization.k8s.io", "", "RoleBinding", "subjects"),
            fs(
                "rbac.authorization.k8s.io",
                "",
                "ClusterRoleBinding",
                "subjects",
            ),
            fs("", "", "Pod", "spec/serviceAccountName"),
            fs(
                "",
                "",
                "StatefulSet",
                "spec/template/spec/serviceAccountName",
            ),
            fs(
                "",
                "",
                "Deployment",
                "spec/template/spec/serviceAccountName",
            ),
            fs(
                "",
                "",
                "ReplicationController",
                "spec/template/spec/serviceAccountName",
            ),
            fs(
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/serviceAccountName",
            ),
            fs("", "", "Job", "spec/template/spec/serviceAccountName"),
            fs("", "", "DaemonSet", "spec/template/spec/serviceAccountName"),
        ],
    });
    // PersistentVolumeClaim.
    out.push(NameRef {
        target: gvk("", "v1", "PersistentVolumeClaim"),
        referrers: vec![
            fs(
                "",
                "",
                "Pod",
                "spec/volumes/persistentVolumeClaim/claimName",
            ),
            fs(
                "",
                "",
                "StatefulSet",
                "spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
            fs(
                "",
                "",
                "Deployment",
                "spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
            fs(
                "",
                "",
                "ReplicationController",
                "spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
            fs(
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
            fs(
                "",
                "",
                "Job",
                "spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
            fs(
                "",
                "",
                "DaemonSet",
                "spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
        ],
    });
    // PersistentVolume.
    out.push(NameRef {
        target: gvk("", "v1", "PersistentVolume"),
        referrers: vec![
            fs("", "", "PersistentVolumeClaim", "spec/volumeName"),
            fs("", "", "ClusterRole", "rules/resourceNames"),
        ],
    });
    // StorageClass.
    out.push(NameRef {
        target: gvk("storage.k8s.io", "v1", "StorageClass"),
        referrers: vec![
            fs("", "", "PersistentVolume", "spec/storageClassName"),
            fs("", "", "PersistentVolumeClaim", "spec/storageClassName"),
            fs(
                "",
                "",
                "StatefulSet",
                "spec/volumeClaimTemplates/spec/storageClassName",
            ),
        ],
    });
    // PriorityClass.
    out.push(NameRef {
        target: gvk("scheduling.k8s.io", "v1", "PriorityClass"),
        referrers: vec![
            fs("", "", "Pod", "spec/priorityClassName"),
            fs(
                "",
                "",
                "StatefulSet",
                "spec/template/spec/priorityClassName",
            ),
            fs("", "", "Deployment", "spec/template/spec/priorityClassName"),
            fs(
                "",
                "",
                "ReplicationController",
                "spec/template/spec/priorityClassName",
            ),
            fs(
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/priorityClassName",
            ),
            fs("", "", "Job", "spec/template/spec/priorityClassName"),
            fs("", "", "DaemonSet", "spec/template/spec/priorityClassName"),
        ],
    });
    out.push(NameRef {
        target: gvk(
            "admissionregistration.k8s.io",
            "",
            "ValidatingAdmissionPolicy",
        ),
        referrers: vec![fs(
            "admissionregistration.k8s.io",
            "",
            "ValidatingAdmissionPolicyBinding",
            "spec/policyName",
        )],
    });
    // IngressClass: kustomize writes the group as `networking.k8s.io/v1`, which no object
    // has, so these references are never rewritten (checked against kubectl).
    out.push(NameRef {
        target: gvk("networking.k8s.io/v1", "v1", "IngressClass"),
        referrers: vec![fs("", "", "Ingress", "spec/ingressClassName")],
    });
    out
}
