//! Template rendering with Strata's environment (strict undefined, fuel, the helpers
//! `image`, `endpoint`, `secret_file`…, filters `to_ini`, `to_yaml`, `quote`…), through the
//! real pipeline: a small repository (the `minimal-site` golden case) is written to a
//! temporary folder with the fuzz input as one of its service's templates, then the site is
//! compiled in memory and its diagnostics are rendered as text and JSON.
//!
//! Input: sections separated by a line `%%%%`: the template `web/templates/main.yaml.j2`,
//! then a template `_lib.j2` it may `include` or `import`, then YAML for the site's `values`
//! of `web` (a mapping; anything else is ignored). Seeds are real templates.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use strata::pipeline::Project;

const CASE: &[(&str, &str)] = &[
    (
        "services/web/service.yaml",
        include_str!("../../golden-tests/minimal-site/services/web/service.yaml"),
    ),
    (
        "services/web/templates/configmap.yaml.j2",
        include_str!("../../golden-tests/minimal-site/services/web/templates/configmap.yaml.j2"),
    ),
    (
        "services/db/service.yaml",
        include_str!("../../golden-tests/minimal-site/services/db/service.yaml"),
    ),
    (
        "services/db/values.schema.json",
        include_str!("../../golden-tests/minimal-site/services/db/values.schema.json"),
    ),
    (
        "services/db/templates/statefulset.yaml.j2",
        include_str!("../../golden-tests/minimal-site/services/db/templates/statefulset.yaml.j2"),
    ),
    (
        "sites/_layers/common.yaml",
        include_str!("../../golden-tests/minimal-site/sites/_layers/common.yaml"),
    ),
];

fn write(root: &Path, template: &str, lib: &str, values: Value) -> std::io::Result<()> {
    for (path, text) in CASE {
        let p = root.join(path);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(p, text)?;
    }
    let t = root.join("services/web/templates");
    std::fs::write(t.join("main.yaml.j2"), template)?;
    std::fs::write(t.join("_lib.j2"), lib)?;
    // Values of any shape: the schema lets everything through, so that the template sees them.
    std::fs::write(
        root.join("services/web/values.schema.json"),
        r#"{"type": "object"}"#,
    )?;
    let site = json!({
        "apiVersion": "strata/v1alpha1",
        "kind": "Site",
        "metadata": {"name": "demo"},
        "spec": {"layers": ["common"], "services": {"web": {"values": values}}},
    });
    std::fs::create_dir_all(root.join("sites/demo"))?;
    std::fs::write(
        root.join("sites/demo/site.yaml"),
        strata_yaml::emit(&site, strata_yaml::KeyOrder::Kubernetes),
    )
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, "\n%%%%\n");
    let template = parts.next().unwrap_or("");
    let lib = parts.next().unwrap_or("");
    let values = parts
        .next()
        .and_then(|y| strata_yaml::parse_one(y, &strata_yaml::ParseOptions::default()).ok())
        .map(|d| d.value)
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({"replicas": 2}));
    let Ok(tmp) = tempfile::tempdir() else {
        return;
    };
    if write(tmp.path(), template, lib, values).is_err() {
        return;
    }
    let Ok(project) = Project::open(tmp.path()) else {
        return;
    };
    let mut diags = project.diagnostics.clone();
    let r = project.compile_site("demo");
    diags.extend(r.diagnostics);
    strata::diag::sort_and_dedup(&mut diags);
    // Diagnostics point into the template: rendering them must not panic either.
    let _ = strata::diag::render_text(&diags, false);
    let _ = strata::diag::render_json(&diags);
});
