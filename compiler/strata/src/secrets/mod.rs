//! Secrets: the site's SOPS files, ExternalSecret objects, and the leak check.
//!
//! Plaintext secret values never enter the repository or the output. A site's secret backend
//! provides every Secret its services declare (`spec.secrets` in service.yaml):
//!
//! * `sops` — SOPS-encrypted Secret manifests in `sites/<site>/secrets/` (optionally in a
//!   sub-folder named after the owning service). Strata checks their structure and key names
//!   (which SOPS leaves readable) and copies them byte for byte into the owning service's
//!   output folder, for Flux to decrypt.
//! * `external` — Strata writes an ExternalSecret per Secret; config files that embed a
//!   password are built by the External Secrets Operator from a template Strata renders
//!   around placeholders (`secret_file()`), so the password never passes through Strata.

pub mod leak;
pub mod marked;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};
use strata_yaml::ParseOptions;

use crate::diag::{Code, Diagnostic, Source};
use crate::model::{SecretBackend, Site};

/// A SOPS-encrypted Secret manifest of a site.
#[derive(Clone, Debug)]
pub struct SopsFile {
    /// The file (copied to the output unchanged).
    pub source: Source,
    /// `metadata.name` of the Secret.
    pub name: String,
    /// Keys of `data` and `stringData`.
    pub keys: Vec<String>,
    /// The service folder named in the path (`secrets/<service>/…`), if any.
    pub owner: Option<String>,
}

/// Whether a SOPS value is encrypted (`ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`).
fn is_encrypted(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.starts_with("ENC[AES256_GCM,data:")
            && s.contains(",iv:")
            && s.contains(",tag:")
            && s.contains(",type:")
            && s.ends_with(']')
    })
}

/// Checks that `src` is a SOPS-encrypted Kubernetes Secret and reads its name and keys.
/// Errors never show a value (an unencrypted value is a secret on screen).
pub fn parse_sops(src: &Source, site: &str) -> Result<SopsFile, Vec<Diagnostic>> {
    let doc = strata_yaml::parse_one(&src.text, &ParseOptions::default())
        .map_err(|e| vec![crate::load::yaml_diagnostic(src, &e)])?;
    let span = |p: &str, key: bool| match doc.spans.nearest(p) {
        Some((_, s)) if key => s.key.unwrap_or(s.value),
        Some((_, s)) => s.value,
        None => doc.span,
    };
    let bad = |msg: String, p: &str, key: bool| {
        Diagnostic::error(Code::BadSops, msg)
            .at(src, span(p, key), "here")
            .help("encrypt the file with `sops --encrypt --age <recipient> --encrypted-regex '^(data|stringData)$'`")
    };
    let v = &doc.value;
    let mut diags = Vec::new();
    if v.get("kind").and_then(Value::as_str) != Some("Secret")
        || v.get("apiVersion").and_then(Value::as_str) != Some("v1")
    {
        diags.push(bad(
            format!(
                "`{}` must be a SOPS-encrypted `v1` Secret manifest",
                src.path
            ),
            "/kind",
            false,
        ));
    }
    let name = v
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        diags.push(bad(
            format!("`{}` has no metadata.name", src.path),
            "/metadata",
            true,
        ));
    }
    match v.get("sops") {
        Some(Value::Object(meta)) => {
            let recipients = ["age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault"]
                .iter()
                .any(|k| {
                    meta.get(*k)
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty())
                });
            if !recipients {
                diags.push(bad(
                    format!("`{}` has no SOPS recipients (age, pgp, kms …)", src.path),
                    "/sops",
                    true,
                ));
            }
            if !meta.get("mac").is_some_and(is_encrypted) {
                diags.push(bad(
                    format!("`{}` has no encrypted SOPS `mac`", src.path),
                    "/sops",
                    true,
                ));
            }
        }
        _ => diags.push(bad(
            format!(
                "`{}` is not SOPS-encrypted: it has no `sops:` metadata",
                src.path
            ),
            "",
            false,
        )),
    }
    let mut keys = Vec::new();
    for field in ["data", "stringData"] {
        if let Some(m) = v.get(field).and_then(Value::as_object) {
            for (k, val) in m {
                keys.push(k.clone());
                if !is_encrypted(val) {
                    let p = format!("/{field}/{}", strata_yaml::pointer_escape(k));
                    let at = span(&p, true);
                    diags.push(
                        Diagnostic::error(Code::BadSops, format!("`{field}.{k}` in `{}` is not encrypted", src.path))
                            .at(&src.redact_line(at.start.line), at, "plaintext value (not shown)")
                            .help("encrypt the file with sops before committing it, and rotate this secret: it has been in plaintext"),
                    );
                }
            }
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    keys.sort();
    let prefix = format!("sites/{site}/secrets/");
    let owner = src
        .path
        .strip_prefix(prefix.as_str())
        .and_then(|rest| rest.split_once('/'))
        .map(|(dir, _)| dir.to_string());
    Ok(SopsFile {
        source: src.clone(),
        name,
        keys,
        owner,
    })
}

/// Reads a site's SOPS files, one Secret name each.
pub fn site_sops(
    site: &str,
    files: &[Source],
) -> Result<BTreeMap<String, SopsFile>, Vec<Diagnostic>> {
    let mut out: BTreeMap<String, SopsFile> = BTreeMap::new();
    let mut diags = Vec::new();
    for src in files {
        match parse_sops(src, site) {
            Ok(f) => {
                if let Some(first) = out.get(&f.name) {
                    diags.push(
                        Diagnostic::error(
                            Code::BadSops,
                            format!("Secret `{}` is defined by two SOPS files", f.name),
                        )
                        .help(format!(
                            "keep one of {} and {}",
                            first.source.path, f.source.path
                        )),
                    );
                } else {
                    out.insert(f.name.clone(), f);
                }
            }
            Err(d) => diags.extend(d),
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// The ExternalSecret settings of a site.
pub struct External {
    store_kind: String,
    store_name: String,
    prefix: String,
    refresh: String,
}

impl External {
    /// The settings of `site`, when its backend is `external`.
    pub fn of(site: &Site) -> Option<External> {
        let cfg = &site.spec.secrets;
        if cfg.backend != SecretBackend::External {
            return None;
        }
        let store = cfg.store.as_ref();
        Some(External {
            store_kind: store
                .and_then(|s| s.kind.clone())
                .unwrap_or_else(|| "ClusterSecretStore".into()),
            store_name: store.map(|s| s.name.clone()).unwrap_or_default(),
            prefix: cfg.key_prefix.clone().unwrap_or_else(|| site.name.clone()),
            refresh: cfg.refresh_interval.clone().unwrap_or_else(|| "1h".into()),
        })
    }

    /// An ExternalSecret that creates Secret `name`. `data` lists (secretKey, secret name,
    /// key) references into the store; `template` (file name → content with `{{ .secretKey }}`
    /// placeholders) makes the operator build the Secret's keys from them.
    pub fn object(
        &self,
        name: &str,
        namespace: &str,
        data: &[(String, String, String)],
        template: Option<&BTreeMap<String, String>>,
    ) -> Value {
        let refs: Vec<Value> = data
            .iter()
            .map(|(secret_key, secret, key)| {
                json!({"secretKey": secret_key, "remoteRef": {"key": format!("{}/{secret}", self.prefix), "property": key}})
            })
            .collect();
        let mut target = json!({"name": name, "creationPolicy": "Owner"});
        if let Some(files) = template {
            target["template"] = json!({"engineVersion": "v2", "data": files});
        }
        json!({
            "apiVersion": "external-secrets.io/v1",
            "kind": "ExternalSecret",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "refreshInterval": self.refresh,
                "secretStoreRef": {"kind": self.store_kind, "name": self.store_name},
                "target": target,
                "data": refs,
            }
        })
    }
}

/// The placeholder variable for key `key` of Secret `name` inside an ExternalSecret template.
pub fn placeholder_var(name: &str, key: &str) -> String {
    format!("{name}_{key}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The Go-template placeholder the External Secrets Operator replaces with the stored value.
pub fn placeholder(name: &str, key: &str) -> String {
    format!("{{{{ .{} }}}}", placeholder_var(name, key))
}

/// Shared by the template helpers of one service render: which Secrets `secret_file()`
/// produced, and which placeholders `secret_value()` handed out.
#[derive(Default, Debug)]
pub struct RenderSecrets {
    /// Secret names produced by `secret_file()`.
    pub produced: std::collections::BTreeSet<String>,
    /// Placeholder variable → (secret name, key).
    pub vars: BTreeMap<String, (String, String)>,
}

/// Shared, lockable render state.
pub type SharedSecrets = Arc<std::sync::Mutex<RenderSecrets>>;

#[cfg(test)]
mod tests {
    use super::*;

    const ENC: &str = "ENC[AES256_GCM,data:Zm9v,iv:aXY=,tag:dGFn,type:str]";

    fn sops(body: &str) -> Source {
        Source::new(
            "sites/s/secrets/keystone/keystone-db.sops.yaml",
            body.to_string(),
        )
    }

    #[test]
    fn accepts_sops_secrets_and_reads_keys() {
        let text = format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: keystone-db\nstringData:\n  password: {ENC}\nsops:\n  age:\n  - recipient: age1xyz\n    enc: x\n  lastmodified: \"2026-01-01T00:00:00Z\"\n  mac: {ENC}\n  version: 3.9.0\n");
        let f = parse_sops(&sops(&text), "s").map_err(|d| d[0].message.clone());
        let f = f.unwrap_or_else(|m| panic!("{m}"));
        assert_eq!(f.name, "keystone-db");
        assert_eq!(f.keys, vec!["password"]);
        assert_eq!(f.owner.as_deref(), Some("keystone"));
    }

    #[test]
    fn rejects_plaintext_without_showing_it() {
        let text = format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  password: hunter2\nsops:\n  age: [{{recipient: a}}]\n  mac: {ENC}\n");
        let d = parse_sops(&sops(&text), "s").err().unwrap_or_default();
        assert_eq!(d.len(), 1);
        let shown = crate::diag::render_text(&d, false);
        assert!(shown.contains("password: *******"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n";
        assert!(parse_sops(&sops(text), "s").is_err());
    }

    #[test]
    fn placeholders_are_go_template_fields() {
        assert_eq!(
            placeholder("keystone-db", "password"),
            "{{ .keystone_db_password }}"
        );
    }
}
