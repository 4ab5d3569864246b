//! `images` (`api/filters/imagetag`, `ImageTagTransformer`): rewrite container images that
//! match a name. Like kustomize, each entry first walks every `containers`/`initContainers`
//! list anywhere in the object, then the standard pod-spec field specs (CRDs are skipped); an
//! image at a standard path is therefore visited twice, which only shows with `tagSuffix`
//! (appended twice — checked against kubectl).

use regex::Regex;
use serde_json::Value;

use crate::filters::fieldspec::{self, CreateKind};
use crate::filters::specs;
use crate::kustfile::Image;
use crate::resmap::ResMap;

/// kustomize's `image.Split`: name, tag and digest of an image reference; the tag is looked
/// for after the first `/` so that a registry port is not taken for a tag.
pub fn split(image: &str) -> (String, String, String) {
    let slash = match image.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (Some(c), Some(a)) if a > c => {
            let (c, a) = (c + slash, a + slash);
            (
                image[..c].to_string(),
                image[c + 1..a].to_string(),
                image[a + 1..].to_string(),
            )
        }
        (_, Some(a)) => {
            let a = a + slash;
            (
                image[..a].to_string(),
                String::new(),
                image[a + 1..].to_string(),
            )
        }
        (Some(c), None) => {
            let c = c + slash;
            (
                image[..c].to_string(),
                image[c + 1..].to_string(),
                String::new(),
            )
        }
    }
}

/// A compiled `images` entry.
pub struct Updater<'a> {
    image: &'a Image,
    pattern: Regex,
}

impl<'a> Updater<'a> {
    /// Compiles the match pattern; like kustomize, the name is a regular expression.
    pub fn new(image: &'a Image) -> Result<Updater<'a>, String> {
        let pattern = Regex::new(&format!(
            "^{}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$",
            image.name
        ))
        .map_err(|e| format!("image name '{}' is not a valid pattern: {e}", image.name))?;
        Ok(Updater { image, pattern })
    }

    /// The new value for an image reference, if the entry matches it.
    pub fn update(&self, value: &str) -> Option<String> {
        if !self.pattern.is_match(value) {
            return None;
        }
        let (mut name, mut tag, mut digest) = split(value);
        let im = self.image;
        if !im.new_name.is_empty() {
            name = im.new_name.clone();
        }
        if !im.new_tag.is_empty() && !im.digest.is_empty() {
            tag = im.new_tag.clone();
            digest = im.digest.clone();
        } else if !im.new_tag.is_empty() {
            tag = im.new_tag.clone();
            digest.clear();
        } else if !im.digest.is_empty() {
            tag.clear();
            digest = im.digest.clone();
        } else if !im.tag_suffix.is_empty() {
            // A tag suffix drops the digest (it no longer matches the tag).
            tag.push_str(&im.tag_suffix);
            digest.clear();
        }
        if !tag.is_empty() {
            name.push(':');
            name.push_str(&tag);
        }
        if !digest.is_empty() {
            name.push('@');
            name.push_str(&digest);
        }
        Some(name)
    }

    fn set(&self, node: &mut Value) -> Result<(), String> {
        match node {
            Value::Null => Ok(()),
            Value::Array(_) | Value::Object(_) => Err("an image must be a string".into()),
            other => {
                if let Some(new) = self.update(&crate::value::text(other)) {
                    *other = Value::String(new);
                }
                Ok(())
            }
        }
    }

    /// The legacy walk: every `containers`/`initContainers` sequence at any depth.
    fn legacy_walk(&self, node: &mut Value) -> Result<(), String> {
        match node {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    self.legacy_walk(v)?;
                    if key == "containers" || key == "initContainers" {
                        if let Value::Array(items) = v {
                            for item in items.iter_mut() {
                                if let Some(img) =
                                    item.as_object_mut().and_then(|m| m.get_mut("image"))
                                {
                                    self.set(img)?;
                                }
                            }
                        }
                    }
                }
                Ok(())
            }
            Value::Array(items) => {
                for item in items.iter_mut() {
                    self.legacy_walk(item)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Applies one `images` entry to every resource.
pub fn apply(acc: &mut ResMap, image: &Image) -> Result<(), String> {
    let up = Updater::new(image)?;
    let specs = specs::images();
    acc.try_for_each_mut(|_, r| {
        // Both passes leave CRDs alone (kustomize's deny list).
        if r.kind() == "CustomResourceDefinition" {
            return Ok(());
        }
        up.legacy_walk(&mut r.obj)
            .map_err(|e| format!("{e} in {}", r.cur_id()))?;
        fieldspec::apply_all(&mut r.obj, specs, CreateKind::None, &mut |n| up.set(n))
            .map_err(|e| format!("{e} of object {}", r.cur_id()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(name: &str, new_name: &str, new_tag: &str, digest: &str) -> Image {
        Image {
            name: name.into(),
            new_name: new_name.into(),
            new_tag: new_tag.into(),
            digest: digest.into(),
            ..Image::default()
        }
    }

    #[test]
    fn split_ignores_registry_ports() {
        assert_eq!(
            split("registry.local:5000/team/api:v3"),
            (
                "registry.local:5000/team/api".into(),
                "v3".into(),
                "".into()
            )
        );
        assert_eq!(
            split("nginx@sha256:abc"),
            ("nginx".into(), "".into(), "sha256:abc".into())
        );
        assert_eq!(
            split("nginx:1.2@sha256:abc"),
            ("nginx".into(), "1.2".into(), "sha256:abc".into())
        );
        assert_eq!(split("nginx"), ("nginx".into(), "".into(), "".into()));
    }

    #[test]
    fn updates_follow_kustomize() {
        let i = image("nginx", "", "1.25", "");
        let u = Updater::new(&i).unwrap();
        assert_eq!(u.update("nginx").as_deref(), Some("nginx:1.25"));
        assert_eq!(
            u.update("nginx:1.0@sha256:x").as_deref(),
            Some("nginx:1.25")
        );
        assert_eq!(u.update("my-nginx"), None);
        assert_eq!(u.update("docker.io/nginx:1.0"), None);
        let i = image("nginx", "", "", "sha256:d");
        assert_eq!(
            Updater::new(&i).unwrap().update("nginx:1.0").as_deref(),
            Some("nginx@sha256:d")
        );
        let i = image("nginx", "reg/nginx", "2", "sha256:d");
        assert_eq!(
            Updater::new(&i).unwrap().update("nginx:1.0").as_deref(),
            Some("reg/nginx:2@sha256:d")
        );
    }
}
