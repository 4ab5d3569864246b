//! Secrets in chart services: chart values that carry credentials come from the site's secret
//! backend, never from the repository, and never reach `rendered/` in plaintext.
//!
//! Charts (openstack-helm above all) take credentials as values
//! (`endpoints.identity.auth.admin.password`, `endpoints.oslo_cache.auth.memcache_secret_key`)
//! and render them into Secret objects. A service names those values in
//! `spec.chart.secretValues` (value path → `{secret, key}`, an entry of the site's store or
//! SOPS files). Three steps:
//!
//! 1. [`inject`]: before rendering, each declared value is set to a placeholder token,
//!    `strata~secret~<secret>~<key>~/` ([`token`]). It is deterministic and made of characters
//!    that `quote`, `squote`, `toYaml`, `toJson`, `js` and `html` leave alone, so it reaches
//!    the rendered text unchanged, or base64-encoded by `b64enc`; `urlquery` changes only its
//!    final `/`, which tells that the real value must be URL-encoded too.
//! 2. [`resolve`]: after rendering, every v1 Secret whose `data` (base64-decoded) or
//!    `stringData` holds placeholders is emitted as the backend provides it:
//!    * `external`: an ExternalSecret whose `target.template.data` reproduces the chart's data,
//!      each placeholder replaced by the template reference `{{ .<var> }}` to the store key
//!      (`<prefix>/<secret>`, property `<key>`), the chart's own `{{` escaped;
//!    * `sops`: the Secret is left out and the site's SOPS file of the same name is shipped in
//!      its place (an error lists the keys it must hold when it is missing or short).
//!
//!    Before that, a ConfigMap or a container's environment value holding placeholders is
//!    moved into a Secret ([`super::promote`]), which is then resolved the same way.
//! 3. A placeholder anywhere else — an annotation, a command line — or in a form that cannot
//!    be mapped back (base64 outside a Secret's data, a SHA-256, a changed case) is an error
//!    naming the object, the field and the chart value, never a secret.
//!
//! Chart Secrets that hold no placeholder (a password from `randAlphaNum`, a literal default)
//! stay as they are and the leak check reports them as it does for any service.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use base64::Engine as _;
use regex::Regex;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::diag::{Code, Diagnostic, Source};
use crate::render::Object;
use crate::secrets::{placeholder_var, External, SopsFile};
use strata_validate::object_label;

/// One chart value the site's secret backend provides: key `key` of secret `secret` (in the
/// external store, `<keyPrefix>/<secret>` with property `key`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecretValue {
    /// The secret's name (a DNS subdomain name, as for Kubernetes Secrets).
    pub secret: String,
    /// The key inside it.
    pub key: String,
}

/// `spec.chart.secretValues`: chart value path (dotted, `\.` for a dot inside a key) → where
/// its value comes from.
pub type SecretValues = BTreeMap<String, SecretValue>;

/// What every placeholder starts with.
pub const TOKEN_PREFIX: &str = "strata~secret~";

/// The placeholder put into a chart value: `strata~secret~<secret>~<key>~/`. Neither a Secret
/// name nor a key can hold `~`, so the token reads back unambiguously. The final `/` is a
/// probe: Go's `urlquery` (which helm-toolkit applies to passwords in connection URLs) turns
/// it into `%2F`, so the ExternalSecret's template applies `urlquery` to the real value too.
pub fn token(secret: &str, key: &str) -> String {
    format!("{TOKEN_PREFIX}{secret}~{key}~/")
}

fn token_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"strata~secret~([a-z0-9.\-]+)~([A-Za-z0-9._\-]+)~(/|%2F)")
            .unwrap_or_else(|e| unreachable!("{e}"))
    })
}

fn valid_secret_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

fn valid_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Splits a value path at unescaped dots (`a.b\.c` → `["a", "b.c"]`).
pub fn split_path(path: &str) -> Result<Vec<String>, String> {
    let mut parts = vec![String::new()];
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => parts.last_mut().map(|p| p.push(n)).unwrap_or(()),
                None => return Err(format!("`{path}` ends with a lone `\\`")),
            },
            '.' => parts.push(String::new()),
            c => parts.last_mut().map(|p| p.push(c)).unwrap_or(()),
        }
    }
    if parts.iter().any(String::is_empty) {
        return Err(format!("`{path}` has an empty segment"));
    }
    Ok(parts)
}

/// Checks the declarations themselves: paths that parse, secret names and keys Kubernetes
/// and the token accept. Returns one message per bad entry, keyed by its path.
pub fn check_declarations(decls: &SecretValues) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, v) in decls {
        if let Err(e) = split_path(path) {
            out.push((path.clone(), e));
        }
        if !valid_secret_name(&v.secret) {
            out.push((
                path.clone(),
                format!(
                    "`{}` is not a valid Secret name (lower-case letters, digits, `-` and `.`)",
                    v.secret
                ),
            ));
        }
        if !valid_key(&v.key) {
            out.push((
                path.clone(),
                format!(
                    "`{}` is not a valid Secret key (letters, digits, `-`, `_` and `.`)",
                    v.key
                ),
            ));
        }
    }
    out
}

/// Sets every declared value of `values` (the chart's user values, a map) to its placeholder,
/// creating the maps on the way. A path that runs through something other than a map is an
/// error (path, message).
pub fn inject(values: &mut Value, decls: &SecretValues) -> Result<(), Vec<(String, String)>> {
    let mut errors = check_declarations(decls);
    if !errors.is_empty() {
        return Err(errors);
    }
    if values.is_null() {
        *values = Value::Object(Map::new());
    }
    for (path, v) in decls {
        let Ok(parts) = split_path(path) else {
            continue;
        };
        if let Err(at) = set_path(values, &parts, Value::String(token(&v.secret, &v.key))) {
            errors.push((
                path.clone(),
                format!(
                    "`{}` is not a map in the chart's values, so `{path}` cannot be set",
                    parts[..at].join(".")
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Sets `parts` in `v` to `value`, creating maps (and replacing `null`s) on the way; on a
/// non-map the error is the number of segments that led to it.
fn set_path(v: &mut Value, parts: &[String], value: Value) -> Result<(), usize> {
    let mut at = v;
    for (i, part) in parts.iter().enumerate() {
        if at.is_null() {
            *at = Value::Object(Map::new());
        }
        let Value::Object(map) = at else {
            return Err(i);
        };
        at = map.entry(part.clone()).or_insert(Value::Null);
    }
    *at = value;
    Ok(())
}

/// The placeholders of one service and the forms they may take.
pub struct Tokens {
    /// (secret, key) → the value paths declaring it.
    paths: BTreeMap<(String, String), Vec<String>>,
    /// Forms that cannot be mapped back: (text to find, secret, key, what it is).
    opaque: Vec<(String, String, String, &'static str)>,
}

impl Tokens {
    /// The placeholders of `decls`.
    pub fn new(decls: &SecretValues) -> Tokens {
        let mut paths: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for (path, v) in decls {
            paths
                .entry((v.secret.clone(), v.key.clone()))
                .or_default()
                .push(path.clone());
        }
        let mut opaque = Vec::new();
        for (secret, key) in paths.keys() {
            let t = token(secret, key);
            let b64 = base64::engine::general_purpose::STANDARD.encode(&t);
            // `b64enc` of the bare token, without its padding, also ends longer encodings.
            opaque.push((
                b64.trim_end_matches('=').to_string(),
                secret.clone(),
                key.clone(),
                "base64-encoded",
            ));
            let sha = Sha256::digest(t.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>();
            opaque.push((sha, secret.clone(), key.clone(), "hashed (sha256sum)"));
        }
        Tokens { paths, opaque }
    }

    /// Whether the service declares no secret values.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The value paths that declare (secret, key), joined for a message.
    pub fn describe(&self, secret: &str, key: &str) -> String {
        self.paths
            .get(&(secret.to_string(), key.to_string()))
            .map(|p| {
                p.iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| format!("`{secret}/{key}` (not declared by this service)"))
    }

    /// The declared (secret, key) pairs found as placeholders in `text`.
    pub(crate) fn plain(&self, text: &str) -> Vec<(String, String)> {
        if !text.contains(TOKEN_PREFIX) {
            return Vec::new();
        }
        token_re()
            .captures_iter(text)
            .filter_map(|c| {
                Some((
                    c.get(1)?.as_str().to_string(),
                    c.get(2)?.as_str().to_string(),
                ))
            })
            .collect()
    }

    /// A placeholder in `text` in a form that cannot be mapped back: (secret, key, form).
    /// Base64 strings are decoded and searched too.
    pub(crate) fn opaque_in(&self, text: &str) -> Option<(String, String, String)> {
        let lower = text.to_ascii_lowercase();
        if !text.contains(TOKEN_PREFIX) && lower.contains(TOKEN_PREFIX) {
            let at = lower.find(TOKEN_PREFIX).unwrap_or(0);
            let found = token_re().captures(&lower[at..]);
            let (s, k) = found
                .and_then(|c| {
                    Some((
                        c.get(1)?.as_str().to_string(),
                        c.get(2)?.as_str().to_string(),
                    ))
                })
                .unwrap_or_default();
            return Some((s, k, "changed in case (upper or title)".into()));
        }
        for (needle, s, k, what) in &self.opaque {
            if text.contains(needle.as_str()) {
                return Some((s.clone(), k.clone(), (*what).to_string()));
            }
        }
        if let Some(decoded) = decode_base64(text) {
            if let Some((s, k)) = self.plain(&decoded).into_iter().next() {
                return Some((s, k, "base64-encoded".into()));
            }
        }
        None
    }
}

/// A string's base64 decoding (standard alphabet, padded, as Sprig's `b64enc` writes it), when
/// it is valid UTF-8; `None` for anything else.
fn decode_base64(s: &str) -> Option<String> {
    let t = s.trim();
    if t.len() < 16 || !t.len().is_multiple_of(4) {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(t).ok()?;
    String::from_utf8(bytes).ok()
}

/// A placeholder where it may not be: an error to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misplaced {
    /// JSON pointer of the field in the object.
    pub pointer: String,
    /// The secret and key of the placeholder.
    pub secret: String,
    /// The key.
    pub key: String,
    /// Why it is wrong.
    pub why: String,
}

/// Every placeholder of `object` outside a Secret's `data`/`stringData` (for a v1 Secret those
/// two fields are skipped: [`secret_data`] handles them).
pub fn misplaced(object: &Value, tokens: &Tokens) -> Vec<Misplaced> {
    let is_secret = is_v1_secret(object);
    let mut out = Vec::new();
    let mut ptr = String::new();
    walk(object, &mut ptr, &mut |p, s| {
        if is_secret && (p.starts_with("/data/") || p.starts_with("/stringData/")) {
            return;
        }
        if let Some((secret, key)) = tokens.plain(s).into_iter().next() {
            out.push(Misplaced {
                pointer: p.to_string(),
                secret,
                key,
                why: "outside a Secret's data".into(),
            });
        } else if let Some((secret, key, form)) = tokens.opaque_in(s) {
            out.push(Misplaced {
                pointer: p.to_string(),
                secret,
                key,
                why: format!("{form}, which Strata cannot map back to the secret"),
            });
        }
    });
    out
}

fn walk(v: &Value, ptr: &mut String, f: &mut dyn FnMut(&str, &str)) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&strata_yaml::pointer_escape(k));
                // A key can carry a placeholder too (a map built from values).
                f(ptr, k);
                walk(child, ptr, f);
                ptr.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = ptr.len();
                ptr.push_str(&format!("/{i}"));
                walk(child, ptr, f);
                ptr.truncate(len);
            }
        }
        Value::String(s) => f(ptr, s),
        _ => {}
    }
}

fn is_v1_secret(v: &Value) -> bool {
    v.get("apiVersion").and_then(Value::as_str) == Some("v1")
        && v.get("kind").and_then(Value::as_str) == Some("Secret")
}

/// The (secret, key) pairs a Secret's placeholders refer to.
pub type Refs = BTreeSet<(String, String)>;

/// One key of a chart Secret, as text (`data` decoded; `stringData` wins, as in Kubernetes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// UTF-8 text.
    Text(String),
    /// Bytes that are not UTF-8, base64-encoded as the chart wrote them.
    Binary(String),
}

/// The keys of a v1 Secret with their content, and the (secret, key) placeholders found in
/// them; `None` when the object is not a v1 Secret. A `data` value that is not valid base64 is
/// kept as text (output validation reports it).
pub fn secret_data(object: &Value, tokens: &Tokens) -> Option<(BTreeMap<String, Entry>, Refs)> {
    if !is_v1_secret(object) {
        return None;
    }
    let mut entries = BTreeMap::new();
    if let Some(m) = object.get("data").and_then(Value::as_object) {
        for (k, v) in m {
            let s = v.as_str().unwrap_or_default();
            let e = match base64::engine::general_purpose::STANDARD.decode(s.trim()) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => Entry::Text(text),
                    Err(_) => Entry::Binary(s.trim().to_string()),
                },
                Err(_) => Entry::Text(s.to_string()),
            };
            entries.insert(k.clone(), e);
        }
    }
    if let Some(m) = object.get("stringData").and_then(Value::as_object) {
        for (k, v) in m {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            entries.insert(k.clone(), Entry::Text(text));
        }
    }
    let mut found = BTreeSet::new();
    for e in entries.values() {
        if let Entry::Text(t) = e {
            found.extend(tokens.plain(t));
        }
    }
    Some((entries, found))
}

/// Escapes text for a Go template (the External Secrets Operator's `engineVersion: v2`): a
/// literal `{{` becomes `{{ "{{" }}`; `}}` outside an action is already literal.
pub fn escape_go_template(text: &str) -> String {
    text.replace("{{", "{{ \"{{\" }}")
}

/// The template text of one Secret key: the chart's text, escaped, each placeholder replaced
/// by the reference to its store key. A placeholder between double quotes (what `quote`, and
/// `toJson`, print) becomes `{{ .<var> | quote }}`, so that a password holding `"` or `\`
/// is escaped as Helm would print it; `urlquery`'s form is URL-encoded the same way.
pub fn template_text(entry: &Entry) -> String {
    static QUOTED: OnceLock<Regex> = OnceLock::new();
    let quoted = QUOTED.get_or_init(|| {
        Regex::new(r#"("?)strata~secret~([a-z0-9.\-]+)~([A-Za-z0-9._\-]+)~(/|%2F)("?)"#)
            .unwrap_or_else(|e| unreachable!("{e}"))
    });
    match entry {
        Entry::Text(t) => {
            let escaped = escape_go_template(t);
            quoted
                .replace_all(&escaped, |c: &regex::Captures<'_>| {
                    let open = c.get(1).map_or("", |m| m.as_str());
                    let s = c.get(2).map_or("", |m| m.as_str());
                    let k = c.get(3).map_or("", |m| m.as_str());
                    let close = c.get(5).map_or("", |m| m.as_str());
                    let var = placeholder_var(s, k);
                    match (c.get(4).map(|m| m.as_str()), open, close) {
                        (Some("/"), "\"", "\"") => format!("{{{{ .{var} | quote }}}}"),
                        (Some("%2F"), _, _) => {
                            format!("{open}{{{{ .{var} | urlquery }}}}{close}")
                        }
                        _ => format!("{open}{{{{ .{var} }}}}{close}"),
                    }
                })
                .into_owned()
        }
        // Not derived from a secret value (a placeholder is text): the operator decodes the
        // chart's bytes itself.
        Entry::Binary(b64) => format!("{{{{ \"{b64}\" | b64dec }}}}"),
    }
}

/// The ExternalSecret that replaces chart Secret `object`, whose keys are `entries` and whose
/// placeholders are `found`: same name and namespace, the chart's labels and annotations on
/// both the ExternalSecret and the Secret it creates, the chart's `type`, and one `data`
/// reference per placeholder.
pub fn external_secret(
    external: &External,
    object: &Value,
    entries: &BTreeMap<String, Entry>,
    found: &BTreeSet<(String, String)>,
    default_namespace: &str,
) -> Value {
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let namespace = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or(default_namespace);
    let refs: Vec<(String, String, String)> = found
        .iter()
        .map(|(s, k)| (placeholder_var(s, k), s.clone(), k.clone()))
        .collect();
    let files: BTreeMap<String, String> = entries
        .iter()
        .map(|(k, e)| (k.clone(), template_text(e)))
        .collect();
    let mut es = external.object(name, namespace, &refs, Some(&files));
    let meta = object.get("metadata");
    let mut tmeta = Map::new();
    for field in ["labels", "annotations"] {
        if let Some(m) = meta
            .and_then(|m| m.get(field))
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
        {
            tmeta.insert(field.to_string(), Value::Object(m.clone()));
            es["metadata"][field] = Value::Object(m.clone());
        }
    }
    if let Some(t) = object.get("type").and_then(Value::as_str) {
        es["spec"]["target"]["template"]["type"] = json!(t);
    }
    if !tmeta.is_empty() {
        es["spec"]["target"]["template"]["metadata"] = Value::Object(tmeta);
    }
    es
}

/// How the site provides chart secrets.
pub enum Backend<'a> {
    /// ExternalSecrets from the site's store.
    External(&'a External),
    /// The site's SOPS files (by Secret name), shipped in place of the chart's Secrets.
    Sops {
        /// The site's name (for paths in messages).
        site: &'a str,
        /// Its SOPS files.
        files: &'a BTreeMap<String, SopsFile>,
        /// The Secrets the service declares in `spec.secrets` (a top-level SOPS file of such a
        /// Secret is shipped with the service, see `sops::sops_files`).
        declared: BTreeSet<String>,
    },
}

/// What [`resolve`] did to one service's objects.
#[derive(Debug, Default)]
pub struct Resolved {
    /// The objects: chart Secrets with placeholders replaced by ExternalSecrets, or left out
    /// for their SOPS files.
    pub objects: Vec<Object>,
    /// For a SOPS site: the Secrets whose SOPS files replace chart Secrets.
    pub sops: Vec<String>,
    /// The ConfigMaps made Secrets ([`super::promote::promote`]).
    pub promoted: super::promote::Promoted,
}

/// Resolves the placeholders of service `service`'s rendered objects (see the module doc).
/// `decl_src` is the service.yaml that declares the values (for messages without an object).
pub fn resolve(
    service: &str,
    objects: Vec<Object>,
    decls: &SecretValues,
    backend: &Backend<'_>,
    default_namespace: &str,
) -> (Resolved, Vec<Diagnostic>) {
    let tokens = Tokens::new(decls);
    let mut out = Resolved::default();
    let mut diags = Vec::new();
    // ConfigMaps and environment values holding placeholders become Secrets first.
    let (objects, promoted) = super::promote::promote(service, objects, &tokens, default_namespace);
    out.promoted = promoted;
    // What Strata changed in objects a SOPS file replaces: reported with another object.
    let mut orphan_changes = Vec::new();
    for mut o in objects {
        for m in misplaced(&o.value, &tokens) {
            let mut d = Diagnostic::error(
                Code::ChartSecret,
                format!(
                    "{} of `{service}` carries the secret chart value {} at `{}` ({}); only a Secret's data may hold it",
                    object_label(&o.value),
                    tokens.describe(&m.secret, &m.key),
                    m.pointer,
                    m.why
                ),
            );
            let (src, span) = o.provenance.locate(&m.pointer);
            d = d.at(
                &src.redact_line(span.start.line),
                span,
                "rendered from here",
            );
            diags.push(d.help(
                "read the value from the Secret the chart renders (secretKeyRef, a mounted file), or leave it out of chart.secretValues if it is not a secret",
            ));
        }
        if tokens.is_empty() {
            out.objects.push(o);
            continue;
        }
        let Some((entries, found)) = secret_data(&o.value, &tokens) else {
            out.objects.push(o);
            continue;
        };
        if found.is_empty() {
            out.objects.push(o);
            continue;
        }
        let name = o
            .value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        match backend {
            Backend::External(ext) => {
                o.value = external_secret(ext, &o.value, &entries, &found, default_namespace);
                out.objects.push(o);
            }
            Backend::Sops {
                site,
                files,
                declared,
            } => {
                let keys: Vec<&str> = entries.keys().map(String::as_str).collect();
                let want = format!("sites/{site}/secrets/{service}/{name}.sops.yaml");
                let from: Vec<String> = found.iter().map(|(s, k)| tokens.describe(s, k)).collect();
                let (src, span) = o.provenance.locate("/metadata/name");
                match files.get(&name) {
                    None => diags.push(
                        Diagnostic::error(
                            Code::ChartSecret,
                            format!(
                                "site `{site}` does not provide Secret `{name}`, which the chart of `{service}` builds from secret values ({})",
                                from.join(", ")
                            ),
                        )
                        .at(&src, span, "rendered from here")
                        .help(format!(
                            "add a SOPS-encrypted Secret `{name}` with key{} {} as {want}",
                            if keys.len() == 1 { "" } else { "s" },
                            keys.join(", ")
                        )),
                    ),
                    Some(f) => {
                        let missing: Vec<&str> = keys
                            .iter()
                            .copied()
                            .filter(|k| !f.keys.iter().any(|fk| fk == k))
                            .collect();
                        if !missing.is_empty() {
                            diags.push(
                                Diagnostic::error(
                                    Code::ChartSecret,
                                    format!(
                                        "Secret `{name}` in {} lacks key{} {} that the chart of `{service}` renders",
                                        f.source.path,
                                        if missing.len() == 1 { "" } else { "s" },
                                        missing.join(", ")
                                    ),
                                )
                                .at(&src, span, "rendered from here")
                                .help(format!(
                                    "the file must hold every key of the chart's Secret: {}",
                                    keys.join(", ")
                                )),
                            );
                        }
                        let shipped = f.owner.as_deref() == Some(service)
                            || (f.owner.is_none() && declared.contains(&name));
                        if !shipped {
                            diags.push(
                                Diagnostic::error(
                                    Code::ChartSecret,
                                    format!(
                                        "Secret `{name}` of the chart of `{service}` is in {}, which is not shipped with `{service}`",
                                        f.source.path
                                    ),
                                )
                                .at(&f.source, strata_yaml::Span::default(), "this file")
                                .help(format!("move it to {want}")),
                            );
                        }
                        out.sops.push(name);
                    }
                }
                orphan_changes.append(&mut o.provenance.secret_changes);
            }
        }
    }
    if let Some(first) = out.objects.first_mut() {
        first.provenance.secret_changes.extend(orphan_changes);
    }
    (out, diags)
}

/// A note for the leak check's finding on a plaintext Secret of a chart service.
pub const LEAK_HINT: &str = "if a chart renders this Secret, declare the chart values it is built from in the service's chart.secretValues, so that the site's secret backend provides them";

/// A placeholder in a source text (service.yaml of a chart service is fine, rendered output
/// is not): used by tests and `explain` to recognise tokens.
pub fn contains_token(text: &str) -> bool {
    token_re().is_match(text)
}

/// The source a diagnostic about a declaration points at when no object is involved.
pub fn declaration_error(src: &Source, path: &str, message: &str) -> Diagnostic {
    Diagnostic::error(
        Code::ChartSecret,
        format!("chart.secretValues `{path}`: {message}"),
    )
    .at(src, strata_yaml::Span::default(), "declared here")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls() -> SecretValues {
        let mut d = SecretValues::new();
        d.insert(
            "endpoints.identity.auth.admin.password".into(),
            SecretValue {
                secret: "keystone-admin".into(),
                key: "password".into(),
            },
        );
        d.insert(
            "endpoints.oslo_cache.auth.memcache_secret_key".into(),
            SecretValue {
                secret: "keystone-memcache".into(),
                key: "key".into(),
            },
        );
        d
    }

    #[test]
    fn tokens_are_deterministic_and_read_back() {
        let t = token("keystone-admin", "password");
        assert_eq!(t, "strata~secret~keystone-admin~password~/");
        let tokens = Tokens::new(&decls());
        assert_eq!(
            tokens.plain(&format!("mysql://u:{t}@db/x and {t}")),
            vec![
                ("keystone-admin".to_string(), "password".to_string()),
                ("keystone-admin".to_string(), "password".to_string())
            ]
        );
    }

    #[test]
    fn paths_split_at_unescaped_dots() {
        assert_eq!(
            split_path(r"a.b\.c.d").unwrap_or_default(),
            vec!["a", "b.c", "d"]
        );
        assert!(split_path("a..b").is_err());
        assert!(split_path("a\\").is_err());
    }

    #[test]
    fn inject_sets_placeholders_and_creates_maps() {
        let mut v = json!({"endpoints": {"identity": {"auth": {"admin": {"username": "admin", "password": "password"}}}, "oslo_cache": null}});
        assert!(inject(&mut v, &decls()).is_ok());
        assert_eq!(
            v.pointer("/endpoints/identity/auth/admin/password"),
            Some(&json!("strata~secret~keystone-admin~password~/"))
        );
        assert_eq!(
            v.pointer("/endpoints/identity/auth/admin/username"),
            Some(&json!("admin"))
        );
        assert_eq!(
            v.pointer("/endpoints/oslo_cache/auth/memcache_secret_key"),
            Some(&json!("strata~secret~keystone-memcache~key~/"))
        );
        let mut bad = json!({"endpoints": "x"});
        let e = inject(&mut bad, &decls()).err().unwrap_or_default();
        assert_eq!(e.len(), 2, "{e:?}");
        let mut d = decls();
        d.insert(
            "x".into(),
            SecretValue {
                secret: "Bad_Name".into(),
                key: "a~b".into(),
            },
        );
        assert_eq!(inject(&mut json!({}), &d).err().map(|e| e.len()), Some(2));
    }

    #[test]
    fn placeholders_outside_secret_data_are_found_in_every_form() {
        let tokens = Tokens::new(&decls());
        let t = token("keystone-admin", "password");
        let b64 = base64::engine::general_purpose::STANDARD.encode(&t);
        let b64_long = base64::engine::general_purpose::STANDARD.encode(format!("user:{t}\n"));
        let sha = Sha256::digest(t.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {"h": sha}},
            "data": {"a": format!("password = {t}"), "b": b64, "c": b64_long, "d": t.to_uppercase(), "ok": "nothing"}});
        let m = misplaced(&cm, &tokens);
        let ptrs: Vec<&str> = m.iter().map(|m| m.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            vec![
                "/metadata/annotations/h",
                "/data/a",
                "/data/b",
                "/data/c",
                "/data/d"
            ]
        );
        assert!(m[0].why.contains("sha256"), "{m:?}");
        assert!(m[1].why.contains("outside"), "{m:?}");
        assert!(m[2].why.contains("base64"), "{m:?}");
        assert!(m[4].why.contains("case"), "{m:?}");
        // A Secret's data is not misplaced; its annotations are.
        let s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "annotations": {"x": t}},
            "stringData": {"p": t}, "data": {"q": b64}});
        let m = misplaced(&s, &tokens);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].pointer, "/metadata/annotations/x");
        let env = json!({"kind": "Deployment", "spec": {"env": [{"name": "P", "value": t}]}});
        assert_eq!(misplaced(&env, &tokens)[0].pointer, "/spec/env/0/value");
    }

    #[test]
    fn secret_data_reads_base64_and_string_data() {
        let tokens = Tokens::new(&decls());
        let t = token("keystone-admin", "password");
        let enc = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"conf": enc(&format!("[db]\nconnection = mysql://k:{t}@db/k\n")), "bin": enc_bytes(&[0xff, 0xfe]), "user": enc("admin")},
            "stringData": {"pw": t}});
        let (entries, found) = secret_data(&s, &tokens).unwrap_or_default();
        assert_eq!(entries.len(), 4);
        assert!(matches!(entries["bin"], Entry::Binary(_)));
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            vec![("keystone-admin".to_string(), "password".to_string())]
        );
        assert_eq!(
            template_text(&entries["conf"]),
            "[db]\nconnection = mysql://k:{{ .keystone_admin_password }}@db/k\n"
        );
        assert_eq!(template_text(&entries["bin"]), "{{ \"//4=\" | b64dec }}");
        assert_eq!(template_text(&entries["user"]), "admin");
        assert!(secret_data(&json!({"kind": "ConfigMap"}), &tokens).is_none());
    }

    fn enc_bytes(b: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    #[test]
    fn urlquery_in_the_chart_is_applied_to_the_real_value() {
        // What Go's url.QueryEscape (the `urlquery` builtin) makes of the token.
        let t = token("keystone-admin", "password").replace('/', "%2F");
        let e = Entry::Text(format!("mysql+pymysql://keystone:{t}@db/keystone"));
        assert_eq!(
            template_text(&e),
            "mysql+pymysql://keystone:{{ .keystone_admin_password | urlquery }}@db/keystone"
        );
        let tokens = Tokens::new(&decls());
        assert_eq!(tokens.plain(&t).len(), 1);
    }

    #[test]
    fn every_form_helm_prints_reads_back() {
        // `urlquery`, `quote`, `toYaml`, `js`, `toJson`, `squote` of the token, as Helm SDK
        // v4.2.3 printed them (helm-python-sdk 0.2.2).
        let printed = "a: strata~secret~keystone-admin~password~%2F\nb: \"strata~secret~keystone-admin~password~/\"\nc: strata~secret~keystone-admin~password~/\nd: strata~secret~keystone-admin~password~/\ne: \"strata~secret~keystone-admin~password~/\"\nf: 'strata~secret~keystone-admin~password~/'\n";
        let tokens = Tokens::new(&decls());
        assert_eq!(tokens.plain(printed).len(), 6);
        assert_eq!(
            template_text(&Entry::Text(printed.to_string())),
            "a: {{ .keystone_admin_password | urlquery }}\nb: {{ .keystone_admin_password | quote }}\nc: {{ .keystone_admin_password }}\nd: {{ .keystone_admin_password }}\ne: {{ .keystone_admin_password | quote }}\nf: '{{ .keystone_admin_password }}'\n"
        );
    }

    #[test]
    fn chart_braces_are_escaped_for_the_operator() {
        let e = Entry::Text(format!(
            "a {{{{ b }}}} {}",
            token("keystone-admin", "password")
        ));
        assert_eq!(
            template_text(&e),
            "a {{ \"{{\" }} b }} {{ .keystone_admin_password }}"
        );
    }
}
