//! The `sops` backend: a site's SOPS-encrypted Secret manifests.
//!
//! Files live in `sites/<site>/secrets/` (optionally in a sub-folder named after the service
//! that owns them). Strata never decrypts: it checks their structure and the key names SOPS
//! leaves readable, refuses plaintext values (without showing them), and ships each file byte
//! for byte into the folder of the service that owns it, for Flux to decrypt.

use std::collections::BTreeMap;

use serde_json::Value;
use strata_yaml::ParseOptions;

use crate::diag::{Code, Diagnostic, Source};
use crate::emit;
use crate::graph::ServiceGraph;
use crate::model::Site;

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

/// The site's SOPS files, each placed in the folder of the service that owns it: the folder
/// named in its path, else the service of the earliest wave (then the first by name) that
/// declares its Secret, so that it exists before every service reading it.
/// (The check stage has made sure every file has an owner.)
pub fn sops_files(
    site: &Site,
    catalog: &crate::model::Catalog,
    graph: &ServiceGraph,
) -> Vec<emit::Raw> {
    site.sops
        .values()
        .filter_map(|f| {
            // A file whose service is not enabled is not shipped (a warning says so).
            if f.owner
                .as_ref()
                .is_some_and(|o| !site.spec.services.contains_key(o))
            {
                return None;
            }
            let folder = f.owner.clone().or_else(|| {
                site.spec
                    .services
                    .keys()
                    .filter(|s| {
                        catalog
                            .services
                            .get(*s)
                            .is_some_and(|svc| svc.spec.secrets.contains_key(&f.name))
                    })
                    .min_by_key(|s| graph.rollout_key(s))
                    .cloned()
            })?;
            let name = f
                .source
                .path
                .rsplit('/')
                .next()
                .unwrap_or(&f.source.path)
                .to_string();
            Some(emit::Raw {
                folder,
                name,
                content: f.source.text.to_string(),
            })
        })
        .collect()
}
