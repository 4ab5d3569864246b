//! L0109: images are pinned by tag or digest, and the tag is not `latest`.
//! L0110: the tag does not start with `latest` (a moving tag such as `latest-ubuntu_noble`).

use serde_json::Value;

use super::super::{Context, Finding};

/// The tag of an image reference (`None` without one); a digest counts as pinned (`Some("")`).
pub(crate) fn tag(image: &str) -> Option<&str> {
    if image.contains('@') {
        return Some("");
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, t)| t)
}

/// Runs the check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for w in &cx.workloads {
        for (ptr, c) in w.containers(true) {
            let Some(image) = c.get("image").and_then(Value::as_str) else {
                continue;
            };
            let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
            let at = format!("{ptr}/image");
            match tag(image) {
                None | Some("latest") => out.push(cx.finding(
                    "L0109",
                    w.obj,
                    &at,
                    format!(
                        "container `{name}` of {} runs the image `{}`, which is not pinned",
                        w.display,
                        image.rsplit('/').next().unwrap_or(image)
                    ),
                )),
                Some(t) if t.starts_with("latest") => out.push(cx.finding(
                    "L0110",
                    w.obj,
                    &at,
                    format!(
                        "container `{name}` of {} runs an image with the tag `{t}`, which moves",
                        w.display
                    ),
                )),
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tag;

    #[test]
    fn tags() {
        assert_eq!(tag("registry:5000/a/b"), None);
        assert_eq!(tag("a/b:1.2"), Some("1.2"));
        assert_eq!(tag("a/b@sha256:00"), Some(""));
        assert_eq!(tag("b:latest"), Some("latest"));
    }
}
