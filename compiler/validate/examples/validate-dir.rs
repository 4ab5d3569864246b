//! Validates every YAML file under some folders, as `strata validate` does for rendered output;
//! for trying the validator on real files and comparing it with `scripts/crosscheck-validate.sh`.
//!
//! `cargo run -p strata-validate --example validate-dir -- [-k 1.31] [--schema-dir D]...
//! [--allow KIND]... PATH...`
//!
//! Documents without a `kind`, and kustomize's own `kustomization.yaml` files (not API
//! objects), are skipped. Exit status 1 if any object is invalid.

use std::path::{Path, PathBuf};

use serde_json::Value;
use strata_validate::{object_label, Validator};

fn yaml_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        eprintln!("validate-dir: cannot read {}", path.display());
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

fn main() {
    let mut version = "1.34".to_string();
    let mut dirs = Vec::new();
    let mut allowed = Vec::new();
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-k" | "--kubernetes-version" => version = args.next().unwrap_or_default(),
            "--schema-dir" => dirs.extend(args.next().map(PathBuf::from)),
            "--allow" => allowed.extend(args.next()),
            _ => paths.push(PathBuf::from(a)),
        }
    }
    let validator = match Validator::new(&version, &dirs, &allowed) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("validate-dir: {e}");
            std::process::exit(2);
        }
    };
    let mut files = Vec::new();
    for p in &paths {
        yaml_files(p, &mut files);
    }
    let mut objects: Vec<(PathBuf, Value)> = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        match strata_yaml::parse(&text, &strata_yaml::ParseOptions::kubernetes()) {
            Ok(docs) => {
                for d in docs {
                    let api = d.value.get("apiVersion").and_then(Value::as_str);
                    let is_kustomization =
                        api.is_some_and(|a| a.starts_with("kustomize.config.k8s.io/"));
                    if d.value.get("kind").is_some() && !is_kustomization {
                        objects.push((f.clone(), d.value));
                    }
                }
            }
            Err(e) => eprintln!("{}: {e}", f.display()),
        }
    }
    let refs: Vec<&Value> = objects.iter().map(|(_, v)| v).collect();
    let results = validator.validate_all(&refs);
    let mut invalid = 0;
    for ((file, object), violations) in objects.iter().zip(&results) {
        if violations.is_empty() {
            continue;
        }
        invalid += 1;
        for v in violations {
            println!("{}: {}: {v}", file.display(), object_label(object));
        }
    }
    println!(
        "validate-dir (Kubernetes {}): {} files, {} objects, {} invalid",
        validator.kubernetes_version(),
        files.len(),
        objects.len(),
        invalid
    );
    std::process::exit(i32::from(invalid > 0));
}
