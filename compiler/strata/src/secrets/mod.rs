//! Secrets in one home: the site's SOPS files, ExternalSecret objects, the secret checks of
//! site resolution, the template helpers, and the leak check.
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
//!
//! Modules: [`sops`] (reading and shipping SOPS files), [`external`] (ExternalSecret objects),
//! [`checks`] (the backend provides every declared Secret; marked values are references),
//! [`helpers`] (`secret_ref`, `secret_value`, `secret_file` for templates), [`marked`] (which
//! values a schema marks secret) and [`leak`] (no plaintext reaches the output).

pub mod chart;
pub mod checks;
pub mod external;
pub mod helpers;
pub mod leak;
pub mod marked;
pub mod promote;
pub mod sops;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use checks::{secret_needs, SecretNeed};
pub use external::{placeholder, placeholder_var, External};
pub use sops::{parse_sops, site_sops, SopsFile};

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
    use crate::diag::Source;

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
