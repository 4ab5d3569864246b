//! The secret helpers of templates: `secret_ref(name, key)`, `secret_value(name, key)` and
//! `secret_file(name, files)` (see the book's Secrets page).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use minijinja::{Environment, Error as JinjaError, ErrorKind as JinjaKind, Value as JValue};
use serde_json::json;

use crate::diag::{Code, Diagnostic};
use crate::model::{Service, Site};
use crate::secrets::{placeholder, placeholder_var, External, SharedSecrets};

/// `secret_ref(name, key)`, `secret_value(name, key)` and `secret_file(name, files)`.
pub(crate) fn add(
    env: &mut Environment<'static>,
    site: &Site,
    svc: &Service,
    recorded: Arc<Mutex<Vec<Diagnostic>>>,
    state: SharedSecrets,
) {
    let decls = Arc::new(svc.spec.secrets.clone());
    let me = svc.name.clone();
    let src = svc.doc.source.clone();
    let external = External::of(site).map(Arc::new);
    let namespace = site.spec.namespace.clone();
    // Checks that `name` (and `key`) are declared by this service; the site's provision of
    // every declared Secret is checked when the site is resolved.
    let check = {
        let decls = Arc::clone(&decls);
        let recorded = Arc::clone(&recorded);
        move |helper: &str, name: &str, key: Option<&str>| -> Result<(), JinjaError> {
            let problem = match decls.get(name) {
                None => Some(format!(
                    "{helper}(): Secret `{name}` is not declared by `{me}`"
                )),
                Some(d) => key.filter(|k| !d.keys.iter().any(|dk| dk == k)).map(|k| {
                    format!("{helper}(): Secret `{name}` of `{me}` has no declared key `{k}`")
                }),
            };
            match problem {
                None => Ok(()),
                Some(msg) => {
                    if let Ok(mut r) = recorded.lock() {
                        r.push(Diagnostic::error(Code::UndeclaredSecret, msg.clone()).help(
                            format!(
                                "declare it in {} under spec.secrets: `{name}: {{keys: [{}]}}`",
                                src.path,
                                key.unwrap_or("<key>")
                            ),
                        ));
                    }
                    Err(JinjaError::new(JinjaKind::InvalidOperation, msg))
                }
            }
        }
    };
    let check_ref = check.clone();
    env.add_function(
        "secret_ref",
        move |name: &str, key: &str| -> Result<JValue, JinjaError> {
            check_ref("secret_ref", name, Some(key))?;
            Ok(JValue::from(minijinja::value::Serde(
                json!({"secretKeyRef": {"name": name, "key": key}}),
            )))
        },
    );
    let check_value = check.clone();
    let state_value = Arc::clone(&state);
    env.add_function(
        "secret_value",
        move |name: &str, key: &str| -> Result<String, JinjaError> {
            check_value("secret_value", name, Some(key))?;
            if let Ok(mut s) = state_value.lock() {
                s.vars.insert(
                    placeholder_var(name, key),
                    (name.to_string(), key.to_string()),
                );
            }
            Ok(placeholder(name, key))
        },
    );
    env.add_function(
        "secret_file",
        move |name: &str, files: JValue| -> Result<String, JinjaError> {
            check("secret_file", name, None)?;
            let files: BTreeMap<String, String> = serde_json::to_value(&files)
                .ok()
                .and_then(|v| serde_json::from_value(v).ok())
                .ok_or_else(|| {
                    JinjaError::new(
                        JinjaKind::InvalidOperation,
                        "secret_file(): the second argument must be a map of file name to text",
                    )
                })?;
            for f in files.keys() {
                check("secret_file", name, Some(f))?;
            }
            let Ok(mut st) = state.lock() else {
                return Err(JinjaError::new(
                    JinjaKind::InvalidOperation,
                    "secret_file(): internal state unavailable",
                ));
            };
            st.produced.insert(name.to_string());
            let Some(external) = &external else {
                // SOPS: the site's encrypted file is the Secret; nothing is rendered.
                return Ok(String::new());
            };
            // Every placeholder used in the files becomes a reference into the store.
            let mut refs: BTreeMap<String, (String, String)> = BTreeMap::new();
            for text in files.values() {
                for (var, target) in &st.vars {
                    if text.contains(&format!("{{{{ .{var} }}}}")) {
                        refs.insert(var.clone(), target.clone());
                    }
                }
            }
            let data: Vec<(String, String, String)> =
                refs.into_iter().map(|(var, (n, k))| (var, n, k)).collect();
            let obj = external.object(name, &namespace, &data, Some(&files));
            Ok(strata_yaml::emit(&obj, strata_yaml::KeyOrder::Kubernetes))
        },
    );
}
