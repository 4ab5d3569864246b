//! The leak check: finds secret material in objects about to be written.
//!
//! Runs on every build, over the final objects. It finds (1) Secrets with plaintext `data` or
//! `stringData` — Strata never writes one; secrets come from SOPS files or ExternalSecrets —
//! and (2) literal credentials where a template wrote one by mistake: a password inside a URL
//! (`mysql://user:pw@host`), an option such as `password = …` or `memcache_secret_key = …` in
//! a config file, or an environment variable named `…PASSWORD`/`…SECRET`/`…TOKEN` with a
//! literal `value`. Placeholders the External Secrets Operator fills (`{{ .x }}`) are fine.
//! Findings never include the value.

use std::sync::OnceLock;

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use regex::Regex;
use serde_json::Value;

use crate::diag::{Code, Diagnostic};
use crate::emit::Final;
use strata_validate::object_label;

/// One finding: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leak {
    /// JSON pointer of the offending value in the object.
    pub pointer: String,
    /// What was found (never the value).
    pub reason: String,
    /// For a multi-line string, the line (0-based) of the string holding the finding.
    pub line: Option<usize>,
}

/// Whether a value is a placeholder filled later (`{{ .x }}`, `$(VAR)`, `${VAR}`) or empty:
/// not a credential.
pub(crate) fn is_placeholder(s: &str) -> bool {
    let t = s.trim().trim_matches(|c| c == '"' || c == '\'');
    t.is_empty()
        || (t.starts_with("{{") && t.ends_with("}}"))
        || t.starts_with("$(")
        || t.starts_with("${")
}

/// Booleans are switches, not credentials: `send_service_user_token = true` is an option
/// *about* tokens (oslo.config reads these words as booleans). `None` is Python's and
/// oslo.config's "no value" (`os-server-password = None` in nova's api_audit_map.conf).
fn is_flag(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "none"
    )
}

fn url_credentials() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@,]+:([^@\s]+?)@")
            .unwrap_or_else(|e| unreachable!("{e}"))
    })
}

/// `key = value` or `key: value` on one line: blanks around the separator never span a line
/// break, or an empty `key:` would take the next line as its value (a YAML block such as
/// `KeystoneBasic.authenticate_user_and_validate_token:` followed by `- args: {}`).
fn secret_option() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?im)^[ \t]*([A-Za-z0-9_.\-]*(?:password|passwd|_secret|secret_key|token))[ \t]*[=:][ \t]*(.*?)[ \t]*$")
            .unwrap_or_else(|e| unreachable!("{e}"))
    })
}

/// Whether an environment variable's name says it holds a credential.
pub(crate) fn secret_env_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.ends_with("PASSWORD")
        || n.ends_with("PASSWD")
        || n.ends_with("SECRET")
        || n.ends_with("TOKEN")
        || n.ends_with("SECRET_KEY")
}

/// Whether one line of text holds a literal credential by the rules of [`scan`]: a password
/// inside a URL, or an option such as `password = …` with a literal value. (Diagnostics mask
/// such lines wherever they appear.)
pub(crate) fn line_has_credential(line: &str) -> bool {
    let in_url = url_credentials()
        .captures_iter(line)
        .any(|c| c.get(1).is_some_and(|p| !is_placeholder(p.as_str())));
    in_url
        || secret_option().captures_iter(line).any(|c| {
            c.get(2).is_some_and(|v| {
                let v = v.as_str();
                // `rootPassword: {secretRef: …}` is a reference, the right way to write it.
                !is_placeholder(v) && !is_flag(v) && !v.contains("secretRef")
            })
        })
}

/// Whether a string is a script (its first non-blank line is a `#!` line). Charts ship their
/// init scripts in ConfigMaps (openstack-helm: `db-init.py`, `rabbit-init.sh` in every
/// chart), where `password = …` is an assignment in code, not a config option.
fn is_script(s: &str) -> bool {
    s.trim_start().starts_with("#!")
}

/// Whether the right-hand side of a `password = …` line inside a script is a literal: a quoted
/// string without interpolation, or a bare word. Expressions — `os.environ['X']`,
/// `engine.url.password`, `` `echo …` ``, `$(…)`, `f.read()`, `None` — read the credential from
/// somewhere else at run time and are no leak.
fn is_script_literal(v: &str) -> bool {
    let t = v.trim().trim_end_matches(';').trim();
    if t.len() >= 2 {
        for q in ['"', '\''] {
            if t.starts_with(q) && t.ends_with(q) {
                let inner = &t[1..t.len() - 1];
                return !inner.is_empty()
                    && !inner.contains(q)
                    && !inner.contains('$')
                    && !inner.contains("{{");
            }
        }
    }
    !t.is_empty()
        && !matches!(
            t,
            "None" | "null" | "nil" | "True" | "False" | "true" | "false"
        )
        && !t.contains(|c: char| c.is_whitespace() || ".()[]{}$`'\"\\|,".contains(c))
}

/// The line (0-based) of byte `at` in a multi-line string.
fn line_of(s: &str, at: usize) -> Option<usize> {
    s.contains('\n')
        .then(|| s[..at.min(s.len())].matches('\n').count())
}

/// Finds the leaks in one object.
pub fn scan(object: &Value) -> Vec<Leak> {
    scan_with(object, false)
}

/// [`scan`], for a Secret accepted as holding no credential when `plain_ok` (a chart
/// service's `chart.plainSecrets`): its plaintext `data`/`stringData` is no finding by
/// itself, but its content, `data` decoded, is checked for credentials like any text.
pub fn scan_with(object: &Value, plain_ok: bool) -> Vec<Leak> {
    let mut out = Vec::new();
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let api = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if kind == "Secret" && api == "v1" && plain_ok {
        if let Some(m) = object.get("data").and_then(Value::as_object) {
            for (k, v) in m {
                let decoded = v.as_str().and_then(|s| {
                    base64::engine::general_purpose::STANDARD
                        .decode(s.trim())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                });
                if let Some(text) = decoded {
                    let mut ptr = format!("/data/{}", strata_yaml::pointer_escape(k));
                    let mut found = Vec::new();
                    walk(&Value::String(text), &mut ptr, &mut found);
                    // Lines of the decoded text are not lines of the rendered file.
                    out.extend(found.into_iter().map(|l| Leak { line: None, ..l }));
                }
            }
        }
    } else if kind == "Secret" && api == "v1" {
        for field in ["data", "stringData"] {
            if object
                .get(field)
                .and_then(Value::as_object)
                .is_some_and(|m| !m.is_empty())
            {
                out.push(Leak {
                    pointer: format!("/{field}"),
                    reason: format!("a Secret with plaintext `{field}`"),
                    line: None,
                });
            }
        }
    }
    walk(object, &mut String::new(), &mut out);
    out
}

fn walk(v: &Value, ptr: &mut String, out: &mut Vec<Leak>) {
    match v {
        Value::Object(m) => {
            if let (Some(Value::String(name)), Some(Value::String(value))) =
                (m.get("name"), m.get("value"))
            {
                if secret_env_name(name) && !is_placeholder(value) {
                    out.push(Leak {
                        pointer: format!("{ptr}/value"),
                        reason: format!("environment variable `{name}` with a literal value"),
                        line: None,
                    });
                }
            }
            for (k, child) in m {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&strata_yaml::pointer_escape(k));
                walk(child, ptr, out);
                ptr.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = ptr.len();
                ptr.push_str(&format!("/{i}"));
                walk(child, ptr, out);
                ptr.truncate(len);
            }
        }
        Value::String(s) => {
            for c in url_credentials().captures_iter(s) {
                if let Some(p) = c.get(1).filter(|p| !is_placeholder(p.as_str())) {
                    out.push(Leak {
                        pointer: ptr.clone(),
                        reason: "a URL with a literal password".into(),
                        line: line_of(s, p.start()),
                    });
                    break;
                }
            }
            // oslo.rootwrap filter files (`*.filters`) hold command patterns
            // (`read_passwd: RegExpFilter, cat, root, …`), not options.
            if (s.contains('\n') || s.contains('=')) && !ptr.ends_with(".filters") {
                let script = is_script(s);
                for c in secret_option().captures_iter(s) {
                    let (Some(key), Some(value)) = (c.get(1), c.get(2)) else {
                        continue;
                    };
                    let literal = if script {
                        is_script_literal(value.as_str())
                    } else {
                        !is_placeholder(value.as_str()) && !is_flag(value.as_str())
                    };
                    if literal {
                        out.push(Leak {
                            pointer: ptr.clone(),
                            reason: format!("option `{}` with a literal value", key.as_str()),
                            line: line_of(s, key.start()),
                        });
                        break;
                    }
                }
            }
        }
        _ => {}
    }
}

/// Per service (unit folder), the names of the chart Secrets it accepts as holding no
/// credential (`spec.chart.plainSecrets`).
pub type PlainSecrets = BTreeMap<String, BTreeSet<String>>;

/// The leak check of a site's final objects, as diagnostics pointing at the template each
/// finding was rendered from (with the line itself redacted, as it may hold the secret).
/// A Secret named in `plain` for its service, rendered by the service (not added by an
/// overlay), is checked for credentials in its content only.
pub fn check(objects: &[Final], plain: &PlainSecrets) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for o in objects {
        let plain_ok = o.provenance.is_some()
            && o.value.get("kind").and_then(Value::as_str) == Some("Secret")
            && o.value
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .is_some_and(|n| plain.get(&o.folder).is_some_and(|s| s.contains(n)));
        for leak in scan_with(&o.value, plain_ok) {
            let mut d = Diagnostic::error(
                Code::SecretLeak,
                format!(
                    "{} would carry secret material: {} (value not shown)",
                    object_label(&o.value),
                    leak.reason
                ),
            );
            d = match &o.provenance {
                Some(p) => {
                    let (src, span) = match leak.line {
                        Some(line) => p.locate_line(&leak.pointer, line),
                        None => p.locate(&leak.pointer),
                    };
                    d.at(
                        &src.redact_line(span.start.line),
                        span,
                        "rendered from here",
                    )
                }
                None => d.note(format!("at {} of an object an overlay added", leak.pointer)),
            };
            if leak.pointer == "/data" || leak.pointer == "/stringData" {
                d = d.note(crate::secrets::chart::LEAK_HINT);
            }
            diags.push(d.help(
                "read secrets from a Secret: secret_ref() for env and volumes, secret_value() inside secret_file() for config files",
            ));
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_plaintext_and_accepts_placeholders() {
        let leaks = |v: Value| scan(&v).into_iter().map(|l| l.pointer).collect::<Vec<_>>();
        assert_eq!(
            leaks(json!({"apiVersion": "v1", "kind": "Secret", "stringData": {"a": "b"}})),
            vec!["/stringData"]
        );
        assert!(
            leaks(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}))
                .is_empty()
        );
        let cm = |text: &str| json!({"kind": "ConfigMap", "data": {"k.conf": text}});
        assert_eq!(
            leaks(cm(
                "[database]\nconnection = mysql+pymysql://keystone:hunter2@db/keystone\n"
            )),
            vec!["/data/k.conf"]
        );
        assert!(leaks(cm("[database]\nconnection = mysql+pymysql://keystone:{{ .keystone_db_password }}@db/keystone\n")).is_empty());
        assert_eq!(
            leaks(cm("[keystone_authtoken]\npassword = hunter2\n")),
            vec!["/data/k.conf"]
        );
        assert!(leaks(cm(
            "[keystone_authtoken]\nauth_type = password\nrbd_secret_uuid = 1234\n"
        ))
        .is_empty());
        assert!(leaks(cm("transport_url = rabbit://nova:{{ .nova_rabbit_password }}@r-0:5672,nova:{{ .nova_rabbit_password }}@r-1:5672/nova\n")).is_empty());
        let env = json!({"kind": "Deployment", "spec": {"env": [{"name": "DB_PASSWORD", "value": "x"}, {"name": "OS_PASSWORD", "valueFrom": {}}]}});
        assert_eq!(leaks(env), vec!["/spec/env/0/value"]);
        assert!(leaks(cm("[nova]\nsend_service_user_token = true\n")).is_empty());
        assert_eq!(
            leaks(cm("[x]\nadmin_token = truly-secret\n")),
            vec!["/data/k.conf"]
        );
        let msg = format!("{:?}", scan(&cm("password = hunter2\n")));
        assert!(!msg.contains("hunter2"));
    }

    /// Config files of the openstack-helm charts that hold words like `passwd` or `token`
    /// without any credential.
    #[test]
    fn chart_config_files_without_credentials() {
        let leaks = |file: &str, text: &str| {
            scan(&json!({"kind": "ConfigMap", "data": {file: text}}))
                .into_iter()
                .map(|l| l.reason)
                .collect::<Vec<_>>()
        };
        // A key with an empty value on its line does not take the next line as its value.
        let rally =
            "KeystoneBasic.authenticate_user_and_validate_token:\n- args: {}\n  runner: {}\n";
        assert!(leaks("rally_tests.yaml", rally).is_empty());
        assert!(leaks(
            "api_audit_map.conf",
            "[resources]\nos-server-password = None\n"
        )
        .is_empty());
        let filters = "[Filters]\nread_passwd: RegExpFilter, cat, root, cat, (/var|/usr)?/tmp/x[^/]+/etc/passwd\n";
        assert!(leaks("compute.filters", filters).is_empty());
        // The same line in any other file, and a real value after an empty key, still count.
        assert_eq!(leaks("x.conf", filters).len(), 1);
        assert_eq!(leaks("x.yaml", "a_token:\nadmin_token: hunter2\n").len(), 1);
    }

    /// openstack-helm's init scripts (rendered into every chart's `-bin` ConfigMap) assign
    /// credentials read at run time: code, not literals. A literal in a script still counts.
    #[test]
    fn scripts_assign_credentials_from_code() {
        let leaks = |text: &str| {
            scan(&json!({"kind": "ConfigMap", "data": {"db-init.py": text}}))
                .into_iter()
                .map(|l| l.reason)
                .collect::<Vec<_>>()
        };
        for code in [
            "#!/usr/bin/env python\nroot_password = root_engine_full.url.password\n",
            "#!/usr/bin/env python\npassword = user_engine.url.password\n",
            "#!/usr/bin/python3\nmysql_dbadmin_password = os.environ['MYSQL_DBADMIN_PASSWORD']\n",
            "#!/usr/bin/python3\nMARIADB_PASSWORD = os.getenv(\"MARIADB_PASSWORD\")\n",
            "#!/bin/bash\nRABBITMQ_ADMIN_PASSWORD=`echo $RABBITMQ_ADMIN_CONNECTION | awk -F'[@]' '{print $1}' \\\n",
            "#!/bin/bash\nRABBITMQ_ADMIN_PASSWORD=$(echo \"${X}\" | cut -d: -f2)\n",
            "\n\n#!/usr/bin/env python\nKUBE_TOKEN = None\nKUBE_TOKEN = f.read()\n",
            "#!/usr/bin/env python\nkeystone_password = get_variable('OS_PASSWORD')\n",
            "#!/usr/bin/env python\npassword = auth_val['password']\n",
            "#!/bin/sh\nPASSWORD=\"${DB_PASSWORD}\"\n",
        ] {
            assert!(leaks(code).is_empty(), "{code}");
        }
        for literal in [
            "#!/usr/bin/env python\npassword = 'hunter2'\n",
            "#!/bin/sh\nDB_PASSWORD=hunter2\n",
            "#!/bin/sh\nDB_PASSWORD=\"hunter2\"\n",
            "#!/bin/sh\nmysql -u root\nADMIN_TOKEN=abc123;\n",
        ] {
            assert_eq!(leaks(literal).len(), 1, "{literal}");
        }
        // A URL with a password stays a leak in a script too.
        assert_eq!(
            leaks("#!/bin/sh\nconnection = mysql://u:pw@db/x\n"),
            vec!["a URL with a literal password".to_string()]
        );
    }

    /// A chart Secret accepted as holding no credential (`chart.plainSecrets`) is no finding
    /// by itself; a credential in its decoded content still is.
    #[test]
    fn accepted_plain_secrets_are_still_checked_for_credentials() {
        let enc = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let s = |text: &str| {
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "libvirt-etc"},
            "data": {"libvirt.conf": enc(text)}})
        };
        let clean = s("listen_tls = 0\nauth_tcp = \"none\"\n");
        assert_eq!(scan(&clean).len(), 1, "not accepted: a plaintext Secret");
        assert!(scan_with(&clean, true).is_empty());
        let leaky = s("listen_tls = 0\nadmin_password = hunter2\n");
        let found = scan_with(&leaky, true);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/data/libvirt.conf");
        assert!(found[0].reason.contains("admin_password"));
        assert_eq!(found[0].line, None);
        let url = s("uri = qemu+tcp://admin:hunter2@host/system\n");
        assert_eq!(scan_with(&url, true).len(), 1);
    }
}
