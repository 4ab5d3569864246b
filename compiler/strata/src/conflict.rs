//! Overlay conflicts: an overlay that overrides a value a person set explicitly for a site.
//!
//! A site or layer that sets `keystone.values.api.replicas: 5` while the site's `ha` overlay
//! replaces every scalable Deployment's `spec.replicas` with 3 renders 3: the explicit value is
//! silently lost. For every field the overlay stage changed (recorded by the overlay stage),
//! the template line that rendered the field names the values it used; when the value in
//! force came from a site or a layer (not the service's default) and is exactly what the
//! overlay replaced or removed, that is a conflict, reported as a warning (E0402) at the site
//! or layer line, with the overlay line as a second label.

use serde_json::Value;

use crate::diag::{Code, Diagnostic};
use crate::emit::Final;
use crate::explain::{pointer_field, setters, value_refs};
use crate::model::Site;
use crate::pipeline::Project;

/// The conflict warnings of a site's final objects.
pub fn check(project: &Project, site: &Site, finals: &[Final]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for obj in finals.iter().filter(|f| !f.overlay.is_empty()) {
        if obj.value.get("kind").and_then(Value::as_str) == Some("Secret") {
            continue;
        }
        let service = project
            .checked
            .catalog
            .services
            .contains_key(&obj.folder)
            .then_some(obj.folder.as_str());
        for change in &obj.overlay {
            let Some(before) = change
                .before
                .as_ref()
                .filter(|b| !b.is_object() && !b.is_array())
            else {
                continue;
            };
            if change.after.as_ref() == Some(before) {
                continue;
            }
            for (site_wide, ptr) in value_refs(&project.checked.catalog, obj, &change.pointer) {
                let found = setters(project, site, if site_wide { None } else { service }, &ptr);
                let Some(last) = found.last() else { continue };
                if last.default || !same_scalar(&last.value, before) {
                    continue;
                }
                let values = if site_wide {
                    format!("site.values.{}", pointer_field(&ptr))
                } else {
                    format!(
                        "{}.values.{}",
                        service.unwrap_or(&obj.folder),
                        pointer_field(&ptr)
                    )
                };
                let after = change
                    .after
                    .as_ref()
                    .map_or("removes it".to_string(), |a| format!("sets {}", text(a)));
                let what = strata_validate::object_label(&obj.value);
                out.push(
                    Diagnostic::warning(
                        Code::OverlayConflict,
                        format!(
                            "an overlay overrides `{values}: {}` ({}): it {after} in {what} {}",
                            text(before),
                            last.who,
                            pointer_field(&change.pointer)
                        ),
                    )
                    .at(&last.doc.source, last.span, "set here")
                    .at(
                        &change.source,
                        change.span,
                        format!("overridden here, {}", change.entry),
                    )
                    .help(format!(
                        "the overlay wins: drop the value from {}, or narrow the overlay's target so it leaves {what} alone",
                        last.who
                    )),
                );
            }
        }
    }
    out
}

/// A rendered scalar equals the value a document set (templates render numbers as text too).
fn same_scalar(set: &Value, rendered: &Value) -> bool {
    set == rendered || (!set.is_object() && !set.is_array() && text(set) == text(rendered))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
