//! Shared values-schema blocks: a service's `values.schema.json` may reference a block of the
//! catalog library's schema files (`services/_lib/schemas/*.json`) with a relative `$ref`,
//! e.g. `{"$ref": "../_lib/schemas/common.schema.json#/$defs/jobs"}`.
//!
//! Such references are resolved here, before the schema is compiled, by copying the block in
//! its place (and, inside it, resolving the block's own references against its file). The
//! compiled schema is therefore self-contained: validation reads nothing from disk or the
//! network, and every later reader of the schema document (the error explainer's "did you
//! mean", the literal-secret check of `x-strata-secret`) sees the block as if it were written
//! in the service's file. A reference to a file that is not a library schema file is an
//! error, so no `$ref` reaches anything else. References inside a service's own file
//! (`#/$defs/…`) are left to the JSON Schema validator.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diag::{Code, Diagnostic, Source};

/// How deep blocks may reference blocks (a reference cycle stops here).
const MAX_DEPTH: usize = 16;

/// The catalog library's schema files, parsed.
#[derive(Debug, Default)]
pub struct SharedSchemas {
    /// By repository path.
    docs: BTreeMap<String, (Source, Value)>,
}

impl SharedSchemas {
    /// Parses the library's schema files; a file that is not valid JSON, or not a valid JSON
    /// Schema, is reported at that file and left out.
    pub fn parse(files: &[Source]) -> (SharedSchemas, Vec<Diagnostic>) {
        let mut shared = SharedSchemas::default();
        let mut diags = Vec::new();
        for src in files {
            let value: Value = match serde_json::from_str(&src.text) {
                Ok(v) => v,
                Err(e) => {
                    let span = super::line_col_span(&src.text, e.line(), e.column());
                    diags.push(
                        bad(format!("`{}` is not valid JSON: {e}", src.path)).at(src, span, "here"),
                    );
                    continue;
                }
            };
            if let Err(e) = jsonschema::meta::validate(&value) {
                let at = pointer_span(src, e.instance_path().as_str());
                diags.push(
                    bad(format!("`{}` is not a valid JSON Schema: {e}", src.path))
                        .at(src, at, "here"),
                );
                continue;
            }
            shared
                .docs
                .insert(src.path.to_string(), (src.clone(), value));
        }
        (shared, diags)
    }

    /// The library files a schema references (directly or through other blocks).
    pub fn used_by(&self, schema: &Value, path: &str) -> Vec<Source> {
        let mut found = BTreeMap::new();
        self.collect(schema, path, 0, &mut found);
        found.into_values().collect()
    }

    fn collect(
        &self,
        node: &Value,
        base: &str,
        depth: usize,
        found: &mut BTreeMap<String, Source>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        match node {
            Value::Object(m) => {
                if let Some(file) = m
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| external_file(base, r))
                {
                    if let Some((src, doc)) = self.docs.get(&file) {
                        if found.insert(file.clone(), src.clone()).is_none() {
                            self.collect(doc, &file, depth + 1, found);
                        }
                    }
                }
                m.values().for_each(|v| self.collect(v, base, depth, found));
            }
            Value::Array(a) => a.iter().for_each(|v| self.collect(v, base, depth, found)),
            _ => {}
        }
    }

    /// Replaces every reference of `schema` (the document of `src`) to a library block by a
    /// copy of the block.
    pub fn inline(&self, schema: &mut Value, src: &Source) -> Result<(), Diagnostic> {
        self.inline_in(schema, src, None, 0)
    }

    /// `root` is the document of `src` when it is a library file (its local references are
    /// resolved too, since the copy lands in another document), `None` for a service's file.
    fn inline_in(
        &self,
        node: &mut Value,
        src: &Source,
        root: Option<&Value>,
        depth: usize,
    ) -> Result<(), Diagnostic> {
        match node {
            Value::Object(m) => {
                if let Some(reference) = m.get("$ref").and_then(Value::as_str).map(str::to_string) {
                    let local = reference.starts_with('#');
                    if !local || root.is_some() {
                        let mut block = self.target(&reference, src, root, depth)?;
                        m.remove("$ref");
                        // Keywords written beside the reference (a description) win.
                        if let Value::Object(b) = &mut block {
                            for (k, v) in std::mem::take(m) {
                                b.insert(k, v);
                            }
                        }
                        *node = block;
                        return Ok(());
                    }
                }
                for v in m.values_mut() {
                    self.inline_in(v, src, root, depth)?;
                }
            }
            Value::Array(a) => {
                for v in a {
                    self.inline_in(v, src, root, depth)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The block `reference` names, with its own references resolved.
    fn target(
        &self,
        reference: &str,
        src: &Source,
        root: Option<&Value>,
        depth: usize,
    ) -> Result<Value, Diagnostic> {
        let at = |msg: String, help: &str| {
            bad(msg)
                .at(src, ref_span(src, reference), "this reference")
                .help(help.to_string())
        };
        if depth >= MAX_DEPTH {
            return Err(at(
                format!("`$ref` `{reference}` nests more than {MAX_DEPTH} blocks deep (a cycle?)"),
                "shared blocks may not reference themselves",
            ));
        }
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let (target_src, doc) = if file.is_empty() {
            // Only a library block's local references get here (a service's own are left to
            // the validator).
            match root {
                Some(doc) => (src, doc),
                None => return Err(at(format!("`$ref` `{reference}` is local"), "")),
            }
        } else {
            let path = external_file(&src.path, reference).ok_or_else(|| {
                at(
                    format!("`$ref` `{reference}` leaves the repository"),
                    "reference a schema file of the catalog library, e.g. `../_lib/schemas/common.schema.json#/$defs/jobs`",
                )
            })?;
            match self.docs.get(&path) {
                Some((s, d)) => (s, d),
                None => {
                    return Err(at(
                        format!(
                            "`$ref` `{reference}` names `{path}`, which is not a schema file of the catalog library ({}/schemas/*.json)",
                            crate::load::LIBRARY_DIR
                        ),
                        "values schemas may reference only the catalog library's schema files; nothing is fetched",
                    ))
                }
            }
        };
        let mut block = doc.pointer(fragment).cloned().ok_or_else(|| {
            at(
                format!(
                    "`$ref` `{reference}`: `{}` has no `#{fragment}`",
                    target_src.path
                ),
                "check the block's name in that file's `$defs`",
            )
        })?;
        self.inline_in(&mut block, target_src, Some(doc), depth + 1)?;
        Ok(block)
    }
}

/// The repository path of the file a non-local `$ref` names, relative to the folder of
/// `base` (a repository path); `None` for local references and paths that leave the
/// repository or are absolute (URLs included).
fn external_file(base: &str, reference: &str) -> Option<String> {
    let file = reference.split('#').next().unwrap_or("");
    if file.is_empty() || file.starts_with('/') || file.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for c in file.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

fn bad(msg: String) -> Diagnostic {
    Diagnostic::error(Code::BadValuesSchema, msg)
}

/// The span of the `"$ref": "<reference>"` text in a schema file (JSON has no positions of
/// its own), or of the file's start.
fn ref_span(src: &Source, reference: &str) -> strata_yaml::Span {
    let quoted = format!("\"{reference}\"");
    match src.text.find(&quoted) {
        Some(i) => crate::render::span_of(&src.text, i..i + quoted.len()),
        None => crate::render::span_of(&src.text, 0..0),
    }
}

/// The span of the node at `pointer` in a schema file, found by looking for each key of the
/// pointer after the previous one (array indexes are skipped); the file's start when a key
/// is not found.
fn pointer_span(src: &Source, pointer: &str) -> strata_yaml::Span {
    let mut at = 0..0;
    for key in pointer.split('/').skip(1) {
        if key.parse::<usize>().is_ok() {
            continue;
        }
        let key = strata_yaml::pointer_unescape(key);
        let quoted = format!("\"{key}\"");
        match src.text.get(at.end..).and_then(|t| t.find(&quoted)) {
            Some(i) => at = at.end + i..at.end + i + quoted.len(),
            None => break,
        }
    }
    crate::render::span_of(&src.text, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_inside_the_repository_only() {
        let base = "services/web/values.schema.json";
        assert_eq!(
            external_file(base, "../_lib/schemas/common.schema.json#/$defs/jobs").as_deref(),
            Some("services/_lib/schemas/common.schema.json")
        );
        assert_eq!(external_file(base, "#/$defs/api"), None);
        assert_eq!(external_file(base, "../../../../etc/passwd"), None);
        assert_eq!(external_file(base, "https://example.com/s.json"), None);
        assert_eq!(external_file(base, "/etc/passwd"), None);
    }

    #[test]
    fn blocks_are_copied_with_their_own_references() -> Result<(), Box<dyn std::error::Error>> {
        let lib = Source::new(
            "services/_lib/schemas/common.schema.json",
            r##"{"$defs": {"res": {"type": "object", "properties": {"cpu": {"type": "string"}}},
                "jobs": {"type": "object", "properties": {"resources": {"$ref": "#/$defs/res"}}}}}"##,
        );
        let (shared, diags) = SharedSchemas::parse(&[lib]);
        assert!(diags.is_empty(), "{diags:?}");
        let svc = Source::new(
            "services/web/values.schema.json",
            r##"{"properties": {"jobs": {"$ref": "../_lib/schemas/common.schema.json#/$defs/jobs", "description": "Jobs."}, "api": {"$ref": "#/$defs/api"}}}"##,
        );
        let mut schema: Value = serde_json::from_str(&svc.text)?;
        shared
            .inline(&mut schema, &svc)
            .map_err(|d| d.message.clone())?;
        assert_eq!(
            schema,
            serde_json::json!({"properties": {
                "jobs": {"type": "object", "description": "Jobs.", "properties": {"resources": {"type": "object", "properties": {"cpu": {"type": "string"}}}}},
                "api": {"$ref": "#/$defs/api"}
            }})
        );
        assert_eq!(
            shared
                .used_by(&serde_json::from_str(&svc.text)?, &svc.path)
                .len(),
            1
        );
        Ok(())
    }

    #[test]
    fn unknown_files_and_blocks_are_errors_at_the_reference(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let (shared, _) = SharedSchemas::parse(&[]);
        let svc = Source::new(
            "services/web/values.schema.json",
            "{\n  \"properties\": {\"x\": {\"$ref\": \"../db/values.schema.json#/x\"}}\n}",
        );
        let mut schema: Value = serde_json::from_str(&svc.text)?;
        let Err(d) = shared.inline(&mut schema, &svc) else {
            return Err("a reference outside the library must fail".into());
        };
        assert!(
            d.message
                .contains("not a schema file of the catalog library"),
            "{}",
            d.message
        );
        assert_eq!(d.labels[0].span.start.line, 2);
        Ok(())
    }

    #[test]
    fn a_broken_library_file_is_reported_at_its_line() {
        let lib = Source::new(
            "services/_lib/schemas/common.schema.json",
            "{\n  \"$defs\": {\n    \"jobs\": {\"type\": 3}\n  }\n}",
        );
        let (_, diags) = SharedSchemas::parse(&[lib]);
        assert_eq!(diags.len(), 1);
        assert_eq!(
            &*diags[0].labels[0].source.path,
            "services/_lib/schemas/common.schema.json"
        );
        assert_eq!(diags[0].labels[0].span.start.line, 3);
    }
}
