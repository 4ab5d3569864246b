//! The typed input model (`book/src/design/inputs.md`): what the check stage produces from valid documents.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::diag::Source;
use crate::load::Doc;
use crate::merge::Tracked;

/// The `spec` of a Service document.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    /// One line on what the service is.
    #[serde(default)]
    pub description: String,
    /// Hard dependencies: must be enabled; rolled out first.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Ordering-only dependencies.
    #[serde(default)]
    pub soft_depends_on: Vec<String>,
    /// Endpoint templates by kind (`internal`, `public` …).
    #[serde(default)]
    pub endpoints: BTreeMap<String, String>,
    /// Default values.
    #[serde(default)]
    pub values: Value,
    /// File name of the values schema.
    #[serde(default)]
    pub values_schema: Option<String>,
    /// Secrets the service's pods read, by name.
    #[serde(default)]
    pub secrets: BTreeMap<String, SecretDecl>,
    /// Rollout settings.
    #[serde(default)]
    pub rollout: Rollout,
    /// What `strata lint` should know about the service.
    #[serde(default)]
    pub lint: ServiceLint,
    /// The Helm chart the service is rendered from (instead of `templates/`).
    #[serde(default)]
    pub chart: Option<ChartSpec>,
}

/// A service's `chart:` block: the service is a Helm chart.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartSpec {
    /// The chart folder, relative to the repository root.
    pub path: String,
    /// Values files (repository-relative), merged over the chart's defaults in order.
    #[serde(default)]
    pub values_files: Vec<String>,
    /// `.Release.Name` (default: the service name).
    #[serde(default)]
    pub release_name: Option<String>,
    /// Dotted value paths the chart reads without declaring them: not checked below.
    #[serde(default)]
    pub undeclared_values: Vec<String>,
    /// Chart values that carry credentials (value path → secret and key of the site's
    /// backend): placeholders before rendering, resolved after (`secrets::chart`).
    #[serde(default)]
    pub secret_values: crate::secrets::chart::SecretValues,
    /// Secrets the chart renders that hold no credential: not reported as plaintext Secrets
    /// (their content is still leak-checked).
    #[serde(default)]
    pub plain_secrets: Vec<PlainSecret>,
}

/// A chart Secret accepted as holding no credential (`spec.chart.plainSecrets`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlainSecret {
    /// The Secret's name as the chart renders it.
    pub name: String,
    /// Why it holds no credential (required, for the reviewer).
    pub reason: String,
}

/// A service's `lint:` block: whether it is a quorum cluster, and the findings it accepts.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ServiceLint {
    /// Its StatefulSets form a quorum cluster (an odd replica count is needed).
    #[serde(default)]
    pub quorum: bool,
    /// Findings accepted by design, each with its reason.
    #[serde(default)]
    pub allow: Vec<LintAllow>,
}

/// One finding a service accepts by design.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LintAllow {
    /// The check code (`L0111`).
    pub check: String,
    /// `KIND/NAME` of the objects (a trailing `*` matches any rest); empty: every object.
    #[serde(default)]
    pub objects: Vec<String>,
    /// Why it is acceptable.
    pub reason: String,
}

/// The severity a site's lint policy gives a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LintLevel {
    /// The check's findings are dropped.
    Off,
    /// Informational.
    Info,
    /// A warning.
    Warning,
    /// An error (`strata lint` exits 1).
    Error,
}

/// One check's policy on a site.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
pub struct CheckPolicy {
    /// The severity its findings get.
    pub severity: LintLevel,
    /// Why the site departs from the default.
    pub reason: String,
}

/// A site's `lint:` block (merged from its layers like every spec field).
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
pub struct LintPolicy {
    /// Whether the site is highly available (default: derived, see the lint module).
    pub ha: Option<bool>,
    /// Per check code, a changed severity.
    #[serde(default)]
    pub checks: BTreeMap<String, CheckPolicy>,
}

/// How the GitOps engine rolls a service out.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Rollout {
    /// Readiness timeout.
    pub timeout: Option<String>,
}

/// A Secret a service reads, and the keys it must have.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SecretDecl {
    /// The keys.
    pub keys: Vec<String>,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
}

/// Where a site's secrets come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretBackend {
    /// SOPS-encrypted Secret manifests, passed through.
    #[default]
    Sops,
    /// ExternalSecret objects reading a secret store.
    External,
}

/// A secret store reference.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
pub struct StoreRef {
    /// `SecretStore` or `ClusterSecretStore` (default).
    pub kind: Option<String>,
    /// Its name.
    pub name: String,
}

/// Secret settings of a site.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretsConfig {
    /// The backend.
    #[serde(default)]
    pub backend: SecretBackend,
    /// The store (external).
    pub store: Option<StoreRef>,
    /// Remote key prefix (external; default: the site name).
    pub key_prefix: Option<String>,
    /// Refresh interval (external; default 1h).
    pub refresh_interval: Option<String>,
    /// The age key Secret for Flux decryption (sops; default sops-age).
    pub decryption_secret: Option<String>,
}

/// A compiled values schema.
pub struct ValuesSchema {
    /// The file.
    pub source: Source,
    /// The schema document.
    pub schema: Value,
    /// The compiled validator.
    pub validator: jsonschema::Validator,
    /// The catalog library's schema files it references (inputs of the service too).
    pub shared: Vec<Source>,
}

impl std::fmt::Debug for ValuesSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ValuesSchema({})", self.source.path)
    }
}

/// A catalog service.
#[derive(Clone, Debug)]
pub struct Service {
    /// Catalog name (the folder name).
    pub name: String,
    /// `services/<name>`.
    pub dir: String,
    /// The service document.
    pub doc: Doc,
    /// Its typed spec.
    pub spec: ServiceSpec,
    /// Its compiled values schema, if it has one.
    pub values_schema: Option<Arc<ValuesSchema>>,
    /// Template sources (`templates/*.j2`), sorted; partials start with `_`.
    pub templates: Vec<Source>,
    /// The catalog library's templates (`services/_lib/*.j2`, shared by every service), which
    /// its templates import as `_lib/<file>`.
    pub library: Arc<[Source]>,
    /// For a chart service: the chart, loaded once and shared by every site and thread.
    pub chart: Option<Arc<crate::chart::LoadedChart>>,
}

/// Every valid catalog service, by name.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Services by name.
    pub services: BTreeMap<String, Service>,
}

/// Image registry settings of a site.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Registry {
    /// Mirror every image is rewritten to.
    pub mirror: Option<String>,
    /// Release tag for images without one.
    pub tag: Option<String>,
}

/// Which GitOps objects a site gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Flux Kustomizations.
    Flux,
    /// Argo CD Applications.
    Argocd,
    /// Service folders only.
    #[default]
    None,
}

/// GitOps settings of a site.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gitops {
    /// The engine.
    #[serde(default)]
    pub engine: Engine,
    /// Path of the site's rendered folder in the Git repository.
    pub path: Option<String>,
    /// Flux reconciliation interval.
    pub interval: Option<String>,
    /// Per-service timeout.
    pub timeout: Option<String>,
    /// Whether to prune.
    pub prune: Option<bool>,
    /// Flux source reference.
    pub source_ref: Option<SourceRef>,
    /// Namespace of the GitOps objects.
    pub namespace: Option<String>,
    /// Argo CD repository URL.
    #[serde(rename = "repoURL")]
    pub repo_url: Option<String>,
    /// Argo CD target revision.
    pub target_revision: Option<String>,
    /// Argo CD project.
    pub project: Option<String>,
    /// Argo CD destination server.
    pub server: Option<String>,
}

/// A Flux source reference.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
pub struct SourceRef {
    /// Source kind (default GitRepository).
    pub kind: Option<String>,
    /// Source name.
    pub name: String,
    /// Source namespace.
    pub namespace: Option<String>,
}

/// Output validation settings of a site.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// Kinds accepted without a schema.
    #[serde(default)]
    pub allowed_kinds: Vec<String>,
}

/// One enabled service in a site's spec (its values are kept, tracked, in [`Site::values`]).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SiteServiceEntry {
    /// Values for the service.
    #[serde(default)]
    pub values: Value,
}

/// The effective `spec` of a site: its layers merged, then the site itself.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteSpec {
    /// Layers, in merge order.
    #[serde(default)]
    pub layers: Vec<String>,
    /// Kubernetes minor version.
    pub kubernetes_version: String,
    /// Namespace of namespaced objects.
    pub namespace: String,
    /// Public domain.
    pub domain: Option<String>,
    /// OpenStack region.
    pub region: Option<String>,
    /// Registry settings.
    #[serde(default)]
    pub registry: Registry,
    /// GitOps settings.
    #[serde(default)]
    pub gitops: Gitops,
    /// Overlays, in order.
    #[serde(default)]
    pub overlays: Vec<String>,
    /// Enabled services.
    #[serde(default)]
    pub services: BTreeMap<String, SiteServiceEntry>,
    /// Site-wide values.
    #[serde(default)]
    pub values: Value,
    /// Output validation settings.
    #[serde(default)]
    pub validation: Validation,
    /// Secret settings.
    #[serde(default)]
    pub secrets: SecretsConfig,
    /// `strata lint` policy.
    #[serde(default)]
    pub lint: LintPolicy,
}

/// A site after its layers are merged and its services' values are resolved.
#[derive(Clone, Debug)]
pub struct Site {
    /// Site name (the folder name).
    pub name: String,
    /// `sites/<name>/site.yaml`.
    pub doc: Doc,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// The effective spec, typed.
    pub spec: SiteSpec,
    /// The effective spec with the origin of every value.
    pub merged: Tracked,
    /// Merged values of every enabled service (defaults ◀ layers ◀ site), with origins.
    pub values: BTreeMap<String, Tracked>,
    /// The site's SOPS-encrypted Secret files, by Secret name.
    pub sops: BTreeMap<String, crate::secrets::SopsFile>,
}

impl Site {
    /// Names of the enabled services, sorted.
    pub fn enabled(&self) -> impl Iterator<Item = &str> {
        self.spec.services.keys().map(String::as_str)
    }
}
