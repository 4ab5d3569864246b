//! `configMapGenerator` / `secretGenerator` (`api/internal/generators`, `api/kv`): key/value
//! pairs from env files, literals and files, in that order, into a ConfigMap's `data` (or
//! `binaryData` for non-UTF-8 values) or a Secret's base64 `data`.

use base64::Engine;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::kustfile::{GenArgs, GenOptions, KustFile, Str};
use crate::loader::Fs;
use crate::resource::{Behavior, Resource};

/// A key and its value (bytes: files may be binary).
type Pair = (String, Vec<u8>, String);

/// kustomize's `encodeBase64`: standard base64, wrapped at 70 characters with a newline after
/// every line (including the last) once the encoding is 70 characters or longer.
pub fn encode_base64(data: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = base64::engine::general_purpose::STANDARD.encode(data);
    let lines = enc.len() / LINE + 1;
    if lines <= 1 {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + lines);
    for chunk in enc.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// kustomize's `removeQuotes`: one pair of matching surrounding quotes.
fn remove_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// Parses a literal source `key=value`.
pub fn parse_literal(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), remove_quotes(v).to_string())),
        _ => Err(format!("invalid literal source {s}, expected key=value")),
    }
}

/// Parses a file source `path` or `key=path`.
pub fn parse_file_source(s: &str) -> Result<(String, String), String> {
    let n = s.matches('=').count();
    if n == 0 {
        return Ok((go_path_base(s), s.to_string()));
    }
    if n > 1 {
        return Err("key names or file paths cannot contain '='".into());
    }
    match s.split_once('=') {
        Some(("", p)) => Err(format!("key name for file path {p} missing")),
        Some((k, "")) => Err(format!("file path for key name {k} missing")),
        Some((k, p)) => Ok((k.to_string(), p.to_string())),
        None => Err(format!("invalid file source {s}")),
    }
}

/// Go's `path.Base`.
fn go_path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn has_chdir_prefix(k: &str) -> Option<&'static str> {
    match k {
        "." => Some("must not be '.'"),
        ".." => Some("must not be '..'"),
        _ if k.starts_with("..") => Some("must not start with '..'"),
        _ => None,
    }
}

/// Kubernetes' `IsConfigMapKey`.
fn check_config_map_key(k: &str) -> Result<(), String> {
    if k.is_empty()
        || k.len() > 253
        || !k
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    {
        return Err(format!(
            "invalid key '{k}': a valid config key must consist of alphanumeric characters, '-', '_' or '.' (regex used for validation is '[-._a-zA-Z0-9]+')"
        ));
    }
    if let Some(m) = has_chdir_prefix(k) {
        return Err(format!("invalid key '{k}': {m}"));
    }
    Ok(())
}

/// Kubernetes' `IsEnvVarName`.
fn check_env_name(k: &str) -> Result<(), String> {
    let b = k.as_bytes();
    let ok = !b.is_empty()
        && (b[0].is_ascii_alphabetic() || matches!(b[0], b'-' | b'.' | b'_'))
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'));
    if !ok {
        return Err(format!(
            "invalid env variable name '{k}': a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit"
        ));
    }
    if let Some(m) = has_chdir_prefix(k) {
        return Err(format!("invalid env variable name '{k}': {m}"));
    }
    Ok(())
}

/// Parses an env file (kustomize's `keyValuesFromLines`).
pub fn parse_env(content: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut lines: Vec<&[u8]> = content.split(|b| *b == b'\n').collect();
    if content.ends_with(b"\n") {
        lines.pop();
    }
    for (i, raw) in lines.into_iter().enumerate() {
        let mut line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let Ok(mut s) = std::str::from_utf8(line) else {
            return Err(format!("line {} has invalid utf8 bytes", i + 1));
        };
        if i == 0 {
            s = s.strip_prefix('\u{feff}').unwrap_or(s);
        }
        line = s.trim_start().as_bytes();
        let s = std::str::from_utf8(line).unwrap_or_default();
        if s.is_empty() || s.starts_with('#') {
            continue;
        }
        let (k, v) = s.split_once('=').unwrap_or((s, ""));
        check_env_name(k).map_err(|e| format!("line {}: {e}", i + 1))?;
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

/// `MergeGlobalOptionsIntoLocal`: local labels/annotations win, flags are OR-ed.
pub fn merge_options(local: Option<&GenOptions>, global: Option<&GenOptions>) -> GenOptions {
    let mut o = local.cloned().unwrap_or_default();
    if let Some(g) = global {
        for (field, gmap) in [
            (&mut o.labels, &g.labels),
            (&mut o.annotations, &g.annotations),
        ] {
            match (field.as_mut(), gmap) {
                (None, Some(gm)) => *field = Some(gm.clone()),
                (Some(lm), Some(gm)) => {
                    for (k, v) in gm {
                        if !lm.iter().any(|(lk, _)| lk == k) {
                            lm.push((k.clone(), v.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
        o.disable_name_suffix_hash |= g.disable_name_suffix_hash;
        o.immutable |= g.immutable;
    }
    o
}

/// Parses `behavior:`; unlike kustomize (which treats a misspelt behavior as `create`), an
/// unknown value is an error.
pub fn behavior(s: &str) -> Result<Behavior, String> {
    match s {
        "" | "create" => Ok(Behavior::Create),
        "merge" => Ok(Behavior::Merge),
        "replace" => Ok(Behavior::Replace),
        other => Err(format!(
            "unknown generator behavior '{other}': use create, merge or replace"
        )),
    }
}

/// Generates the object of one generator entry.
pub fn generate(
    fs: &Fs,
    k: &KustFile,
    g: &GenArgs,
    secret: bool,
) -> Result<(Resource, Behavior), Error> {
    let kind = if secret { "Secret" } else { "ConfigMap" };
    let at = |ptr: &str, m: String| k.error_at(ptr, m);
    let beh = behavior(&g.behavior).map_err(|m| at(&format!("{}/behavior", g.ptr), m))?;
    if g.name.is_empty() {
        return Err(at(
            &g.ptr,
            format!("a {} generator entry must have a name", kind.to_lowercase()),
        ));
    }
    let mut pairs: Vec<Pair> = Vec::new();
    for e in &g.envs {
        let bytes = load(fs, k, e)?;
        for (key, v) in
            parse_env(&bytes).map_err(|m| at(&e.ptr, format!("env file '{}': {m}", e.value)))?
        {
            pairs.push((key, v.into_bytes(), e.ptr.clone()));
        }
    }
    for l in &g.literals {
        let (key, v) = parse_literal(&l.value).map_err(|m| at(&l.ptr, m))?;
        pairs.push((key, v.into_bytes(), l.ptr.clone()));
    }
    for f in &g.files {
        let (key, path) = parse_file_source(&f.value).map_err(|m| at(&f.ptr, m))?;
        let bytes = load(
            fs,
            k,
            &Str {
                value: path,
                ptr: f.ptr.clone(),
            },
        )?;
        pairs.push((key, bytes, f.ptr.clone()));
    }
    let mut seen: Vec<&str> = Vec::with_capacity(pairs.len());
    for (key, _, ptr) in &pairs {
        check_config_map_key(key).map_err(|m| at(ptr, m))?;
        if seen.contains(&key.as_str()) {
            return Err(at(
                ptr,
                format!(
                    "{} {} illegally repeats the key `{key}`",
                    kind.to_lowercase(),
                    g.name
                ),
            )
            .with_hint("each key may come from only one literal, file or env line"));
        }
        seen.push(key);
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));

    let mut meta = Map::new();
    meta.insert("name".into(), Value::String(g.name.clone()));
    if !g.namespace.is_empty() {
        meta.insert("namespace".into(), Value::String(g.namespace.clone()));
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    obj.insert("kind".into(), Value::String(kind.into()));
    obj.insert("metadata".into(), Value::Object(meta));
    if secret {
        let t = if g.secret_type.is_empty() {
            "Opaque"
        } else {
            &g.secret_type
        };
        obj.insert("type".into(), Value::String(t.into()));
        let data: Map<String, Value> = pairs
            .into_iter()
            .map(|(key, v, _)| (key, Value::String(encode_base64(&v))))
            .collect();
        obj.insert("data".into(), Value::Object(data));
    } else {
        let mut data = Map::new();
        let mut binary = Map::new();
        for (key, v, _) in pairs {
            match String::from_utf8(v) {
                Ok(s) => {
                    data.insert(key, Value::String(s));
                }
                Err(e) => {
                    binary.insert(key, Value::String(encode_base64(e.as_bytes())));
                }
            }
        }
        if !data.is_empty() {
            obj.insert("data".into(), Value::Object(data));
        }
        if !binary.is_empty() {
            obj.insert("binaryData".into(), Value::Object(binary));
        }
    }
    let opts = merge_options(g.options.as_ref(), k.k.generator_options.as_ref());
    let mut res = Resource::new(Value::Object(obj));
    for (field, entries) in [("labels", &opts.labels), ("annotations", &opts.annotations)] {
        if let Some(entries) = entries {
            if !entries.is_empty() {
                res.set_string_map(field, entries.clone());
            }
        }
    }
    if opts.immutable {
        if let Some(m) = res.obj.as_object_mut() {
            m.insert("immutable".into(), Value::Bool(true));
        }
    }
    res.needs_hash = !opts.disable_name_suffix_hash;
    Ok((res, beh))
}

fn load(fs: &Fs, k: &KustFile, s: &Str) -> Result<Vec<u8>, Error> {
    match fs.load_file(&k.dir, &s.value) {
        Ok((_, b)) => Ok(b.to_vec()),
        Err(e) => Err(k.error_at(
            &s.ptr,
            format!("cannot read '{}': {}", s.value, e.message()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_file_sources() {
        assert_eq!(
            parse_literal("QUOTED=\"hello world\"").unwrap(),
            ("QUOTED".into(), "hello world".into())
        );
        assert_eq!(
            parse_literal("SINGLE='x=y'").unwrap(),
            ("SINGLE".into(), "x=y".into())
        );
        assert_eq!(
            parse_literal("EMPTY=").unwrap(),
            ("EMPTY".into(), "".into())
        );
        assert!(parse_literal("=x").is_err());
        assert!(parse_literal("novalue").is_err());
        assert_eq!(
            parse_file_source("dir/app.conf").unwrap(),
            ("app.conf".into(), "dir/app.conf".into())
        );
        assert_eq!(
            parse_file_source("k=dir/app.conf").unwrap(),
            ("k".into(), "dir/app.conf".into())
        );
        assert!(parse_file_source("a=b=c").is_err());
    }

    #[test]
    fn env_files() {
        let env = b"\xef\xbb\xbfA=1\n  # comment\n\nB= spaced \r\nC\nD=x=y";
        let got = parse_env(env).unwrap();
        assert_eq!(
            got,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), " spaced ".into()),
                ("C".into(), "".into()),
                ("D".into(), "x=y".into())
            ]
        );
        assert!(parse_env(b"1BAD=x").is_err());
    }

    #[test]
    fn base64_wraps_at_70() {
        assert_eq!(encode_base64(b"abc"), "YWJj");
        let long = encode_base64(&[b'a'; 60]);
        assert!(long.ends_with('\n'));
        assert_eq!(long.lines().next().map(str::len), Some(70));
    }
}
