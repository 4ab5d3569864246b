//! What a diagnostic may show of an input file.
//!
//! A diagnostic quotes the lines its labels point at, so a value written on such a line would
//! reach a terminal or a CI log. Every snippet therefore passes through [`shown`], which masks
//! (byte for byte, so that spans keep pointing at the same columns):
//!
//! * the ranges a [`Source`](super::Source) carries as known secret (values at paths a service's
//!   values schema marks `x-strata-secret`, found by the load stage; lines a check flagged);
//! * every value of a file under a `secrets/` folder (SOPS files: a plaintext one is a secret on
//!   screen, an encrypted one has nothing worth reading);
//! * the `data` and `stringData` of every v1 Secret document (templates, overlay patches);
//! * any line the leak check would flag: a password in a URL, an option such as `password = …`
//!   or `rootPassword: …`, the `value` of an environment variable named `…PASSWORD`/`…TOKEN`.
//!
//! Masking shows the key and hides the value: `password: *******`.

use std::ops::Range;

use crate::secrets::leak;

/// Whether the file at `path` (relative, `/` separators) lies under a `secrets/` folder: all of
/// its values are secret.
pub fn is_secret_file(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts.contains(&"secrets")
}

/// The byte range of a line's value: after its first `:` or `=`, or (a list item or a block
/// scalar's line) everything after the indentation.
fn value_range(line: &str) -> Range<usize> {
    match line.find([':', '=']) {
        Some(sep) => sep + 1..line.len(),
        None => (line.len() - line.trim_start().len())..line.len(),
    }
}

/// Lines (start offset, text without the newline) of `text`.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |l| {
        let start = offset;
        offset += l.len();
        (start, l.trim_end_matches(['\n', '\r']))
    })
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A template statement or comment line (`{% for … %}`): it does not end a YAML block.
fn is_template_line(trimmed: &str) -> bool {
    trimmed.starts_with("{%") || trimmed.starts_with("{#")
}

/// Whether a YAML document's lines declare a v1 Secret (`kind: Secret`).
fn declares_secret(doc: &[(usize, &str)]) -> bool {
    doc.iter().any(|(_, l)| {
        let t = l.trim();
        let Some(rest) = t.strip_prefix("kind:") else {
            return false;
        };
        let rest = rest.split(" #").next().unwrap_or("").trim();
        rest.trim_matches(|c| c == '"' || c == '\'') == "Secret"
    })
}

/// The byte ranges of `text` that a diagnostic must not show, found from the file's path and
/// text alone (see the module documentation).
pub fn sensitive_ranges(path: &str, text: &str) -> Vec<Range<usize>> {
    let all: Vec<(usize, &str)> = lines(text).collect();
    let mut out = Vec::new();
    let mut mask = |start: usize, line: &str| {
        let r = value_range(line);
        if r.start < r.end {
            out.push(start + r.start..start + r.end);
        }
    };
    if is_secret_file(path) {
        // Everything but what names the document: its apiVersion, kind, type and
        // metadata.name/namespace.
        let mut in_metadata = false;
        for (start, line) in &all {
            let ind = indent(line);
            let t = line.trim_start();
            if ind == 0 && !t.is_empty() {
                in_metadata = t.starts_with("metadata:");
            }
            let naming = if ind == 0 {
                ["apiVersion:", "kind:", "type:", "metadata:"]
                    .iter()
                    .any(|k| t.starts_with(k))
            } else {
                in_metadata && (t.starts_with("name:") || t.starts_with("namespace:"))
            };
            if !naming {
                mask(*start, line);
            }
        }
        return out;
    }
    // A JSON 6902 patch of a Secret's data: its `value:` lines.
    let patches_secret_data = all.iter().any(|(_, l)| {
        let t = l.trim_start().trim_start_matches("- ").trim_start();
        t.starts_with("path:") && (t.contains("/data") || t.contains("/stringData"))
    });
    // Documents, split at `---`.
    let mut docs: Vec<&[(usize, &str)]> = Vec::new();
    let mut from = 0;
    for (i, (_, l)) in all.iter().enumerate() {
        if l.starts_with("---") {
            docs.push(&all[from..i]);
            from = i + 1;
        }
    }
    docs.push(&all[from..]);
    for doc in docs {
        let secret_doc = declares_secret(doc);
        // The indentation of the `data:`/`stringData:` key whose block we are in.
        let mut block: Option<usize> = None;
        // The indentation of a list item naming a secret environment variable.
        let mut secret_env: Option<usize> = None;
        for (start, line) in doc {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || is_template_line(trimmed) || trimmed.starts_with('#') {
                continue;
            }
            let ind = indent(line);
            if let Some(b) = block {
                if ind > b {
                    mask(*start, line);
                    continue;
                }
                block = None;
            }
            let item = trimmed.trim_start_matches("- ").trim_start();
            if secret_doc {
                for key in ["data:", "stringData:"] {
                    if let Some(rest) = item.strip_prefix(key) {
                        let rest = rest.trim();
                        if rest.is_empty() || rest.starts_with('#') {
                            block = Some(ind);
                        } else {
                            mask(*start, line);
                        }
                    }
                }
            }
            if let Some(name) = item.strip_prefix("name:") {
                let name = name.trim().trim_matches(|c| c == '"' || c == '\'');
                secret_env = leak::secret_env_name(name).then_some(ind);
            } else if let Some(rest) = item.strip_prefix("value:") {
                let env_value = secret_env.is_some() && !leak::is_placeholder(rest);
                if env_value || patches_secret_data {
                    mask(*start, line);
                }
            }
            if leak::line_has_credential(line) {
                mask(*start, line);
            }
        }
    }
    out
}

/// `text` with the bytes of `ranges` masked: every character that is not whitespace becomes as
/// many `*` as it has bytes, so byte offsets (and the spans pointing into the text) are kept.
pub fn mask(text: &str, ranges: &[Range<usize>]) -> String {
    if ranges.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let hidden = !c.is_whitespace() && ranges.iter().any(|r| r.start <= i && i < r.end);
        if hidden {
            out.extend(std::iter::repeat_n('*', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` as a diagnostic may show it: the ranges found by [`sensitive_ranges`] and the
/// `known` ones masked.
pub fn shown(path: &str, text: &str, known: &[Range<usize>]) -> String {
    let mut ranges = sensitive_ranges(path, text);
    ranges.extend(known.iter().cloned());
    mask(text, &ranges)
}

/// One line of rendered or input text, masked as [`shown`] would mask it inside `text` (for
/// notes that quote a line).
pub fn shown_line(path: &str, text: &str, line: usize) -> String {
    let all = shown(path, text, &[]);
    all.lines().nth(line).unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "Zq7-PLANTED";

    #[test]
    fn secret_files_show_keys_only() {
        let text = format!(
            "apiVersion: v1\nkind: Secret\nstringData:\n  password: {S}\n  cert: |\n    {S}\n"
        );
        let out = shown("sites/a/secrets/x.sops.yaml", &text, &[]);
        assert!(!out.contains(S), "{out}");
        assert!(out.contains("  password: ***********"), "{out}");
        assert!(out.starts_with("apiVersion: v1\nkind: Secret\n"), "{out}");
        assert_eq!(out.len(), text.len());
    }

    #[test]
    fn secret_data_in_templates_and_patches() {
        let tpl = format!("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: visible\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n{{% if true %}}\nstringData:\n{{% for k in ks %}}\n  rbd-key: {S}\n{{% endfor %}}\n  other: |\n    {S}\ntype: Opaque\n");
        let out = shown("services/a/templates/s.yaml.j2", &tpl, &[]);
        assert!(!out.contains(S), "{out}");
        assert!(out.contains("a: visible"), "{out}");
        assert!(out.contains("type: Opaque"), "{out}");
        let inline = format!("kind: Secret\ndata: {{k: {S}}}\n");
        assert!(!shown("overlays/o/p.yaml", &inline, &[]).contains(S));
        let patch = format!("- op: add\n  path: /data/key\n  value: {S}\n");
        assert!(!shown("overlays/o/p.yaml", &patch, &[]).contains(S));
    }

    #[test]
    fn credentials_and_known_ranges() {
        for text in [
            format!("connection = mysql://u:{S}@db/x\n"),
            format!("[a]\npassword = {S}\n"),
            format!("env:\n- name: DB_PASSWORD\n  value: {S}\n"),
            format!("rootPassword: {S}\n"),
        ] {
            assert!(!shown("a.yaml", &text, &[]).contains(S), "{text}");
        }
        let text = format!("key: {S}\nother: 1\n");
        let at = text.find(S).unwrap_or(0);
        let known: Vec<Range<usize>> = std::iter::once(at..at + S.len()).collect();
        let out = shown("a.yaml", &text, &known);
        assert_eq!(out, "key: ***********\nother: 1\n");
        // Placeholders and ordinary lines stay readable.
        let text = "password = {{ .x }}\nname: DB_PASSWORD\nvalueFrom: {}\nreplicas: 3\n";
        assert_eq!(shown("a.yaml", text, &[]), text);
    }
}
