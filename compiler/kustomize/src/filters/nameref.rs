//! Name-reference fixing (`api/filters/nameref`, `nameReferenceTransformer`), run once at the
//! end of the top-level build: every field that names another object (a ConfigMap volume, a
//! role binding subject, an HPA target…) is rewritten to that object's final name, choosing the
//! referral the way kustomize does. Candidates are looked up through an index by previous name
//! instead of kustomize's scan of every resource per field, so the pass is linear.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde_json::Value;

use crate::filters::fieldspec::split_path;
use crate::filters::specs::{self, NameRef};
use crate::resid::{Gvk, ResId};
use crate::resmap::ResMap;
use crate::value::text;

/// What the selection needs to know about every resource (ids do not change in this pass).
struct Info {
    cur: ResId,
    prev: Vec<ResId>,
    org: ResId,
    cluster: bool,
    eff_ns: String,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    /// Namespaces of ServiceAccount subjects (RoleBindings only).
    sa_namespaces: Vec<String>,
    role_ref: Option<Gvk>,
}

struct Ctx<'a> {
    infos: &'a [Info],
    by_prev_name: &'a HashMap<&'a str, Vec<usize>>,
}

/// kustomize's `SameEndingSubSlice`.
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    let diff = long.len() - short.len();
    short.iter().enumerate().all(|(i, s)| &long[i + diff] == s)
}

impl Ctx<'_> {
    /// `SubsetThatCouldBeReferencedByResource`.
    fn could_reference(&self, referrer: usize, target: usize) -> bool {
        let r = &self.infos[referrer];
        let t = &self.infos[target];
        r.cluster || t.cluster || t.eff_ns == r.eff_ns || r.sa_namespaces.contains(&t.cur.namespace)
    }

    /// `selectReferral`: the one candidate a name refers to, if any.
    fn select(
        &self,
        referrer: usize,
        old: &str,
        target: &Gvk,
        role_ref: bool,
        candidates: Vec<usize>,
        with_namespace: bool,
    ) -> Result<Option<usize>, String> {
        let r = &self.infos[referrer];
        let role_gvk = if role_ref { r.role_ref.as_ref() } else { None };
        let mut c: Vec<usize> = candidates
            .into_iter()
            .filter(|&i| {
                let t = &self.infos[i];
                t.prev.iter().any(|p| p.name == old)
                    && t.prev.iter().any(|p| p.gvk.is_selected_by(target))
                    && role_gvk.is_none_or(|g| t.prev.iter().any(|p| p.gvk.is_selected_by(g)))
                    && (r.cluster
                        || t.cluster
                        || t.cur.gvk.kind == "ServiceAccount"
                        || t.eff_ns == r.eff_ns)
            })
            .collect();
        if c.len() == 1 {
            return Ok(Some(c[0]));
        }
        c.retain(|&i| {
            let t = &self.infos[i];
            same_ending(&t.prefixes, &r.prefixes) && same_ending(&t.suffixes, &r.suffixes)
        });
        match c.len() {
            0 => Ok(None),
            1 => Ok(Some(c[0])),
            _ => {
                let first = &self.infos[c[0]].cur;
                let identical = c.iter().all(|&i| {
                    let t = &self.infos[i].cur;
                    t.name == first.name && (!with_namespace || t.namespace == first.namespace)
                });
                if identical {
                    Ok(Some(c[0]))
                } else {
                    let ids: Vec<String> =
                        c.iter().map(|&i| self.infos[i].cur.to_string()).collect();
                    Err(format!(
                        "found multiple possible referrals: {}",
                        ids.join(", ")
                    ))
                }
            }
        }
    }

    fn candidates_by_name(&self, referrer: usize, name: &str) -> Vec<usize> {
        self.by_prev_name
            .get(name)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&t| self.could_reference(referrer, t))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn set_scalar(
        &self,
        referrer: usize,
        node: &mut Value,
        target: &Gvk,
        role_ref: bool,
    ) -> Result<(), String> {
        let old: String = text(node).into_owned();
        let candidates = self.candidates_by_name(referrer, &old);
        if let Some(i) = self.select(referrer, &old, target, role_ref, candidates, false)? {
            let new = &self.infos[i].cur.name;
            if *new != old {
                *node = Value::String(new.clone());
            }
        }
        Ok(())
    }

    fn set_mapping(
        &self,
        referrer: usize,
        node: &mut Value,
        target: &Gvk,
        role_ref: bool,
    ) -> Result<(), String> {
        let Value::Object(m) = node else {
            return Err("expect a mapping node".into());
        };
        let Some(name) = m.get("name") else {
            return Err("path config error; no 'name' field in node".into());
        };
        let old = text(name).into_owned();
        let mut candidates = self.candidates_by_name(referrer, &old);
        if let Some(ns) = m.get("namespace") {
            let ns: Cow<str> = text(ns);
            // Grouped by original namespace if any candidate could be referenced from there,
            // else by current namespace; cluster-scoped objects are in neither group.
            let subset: Vec<usize> = (0..self.infos.len())
                .filter(|&t| self.could_reference(referrer, t) && !self.infos[t].cluster)
                .collect();
            let by_org = subset
                .iter()
                .any(|&t| self.infos[t].org.effective_namespace() == ns);
            candidates.retain(|&t| {
                let info = &self.infos[t];
                !info.cluster
                    && if by_org {
                        info.org.effective_namespace() == ns
                    } else {
                        info.eff_ns == ns
                    }
            });
        }
        let Some(i) = self.select(referrer, &old, target, role_ref, candidates, true)? else {
            return Ok(());
        };
        let referral = &self.infos[i].cur;
        if referral.name == old && referral.namespace.is_empty() {
            return Ok(());
        }
        m.insert("name".into(), Value::String(referral.name.clone()));
        if !referral.namespace.is_empty() {
            m.insert(
                "namespace".into(),
                Value::String(referral.namespace.clone()),
            );
        }
        Ok(())
    }

    fn set(
        &self,
        referrer: usize,
        node: &mut Value,
        target: &Gvk,
        role_ref: bool,
    ) -> Result<(), String> {
        match node {
            Value::Null => Ok(()),
            Value::Object(_) => self.set_mapping(referrer, node, target, role_ref),
            Value::Array(items) => {
                for item in items.iter_mut() {
                    match item {
                        Value::Null => {}
                        Value::Object(_) => self.set_mapping(referrer, item, target, role_ref)?,
                        Value::Array(_) => {
                            return Err("expected either a string or a map of string".into())
                        }
                        _ => self.set_scalar(referrer, item, target, role_ref)?,
                    }
                }
                Ok(())
            }
            _ => self.set_scalar(referrer, node, target, role_ref),
        }
    }
}

/// Walks a referrer field path (sequences traversed implicitly, nothing created).
fn walk(
    node: &mut Value,
    path: &[String],
    set: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    if path.is_empty() {
        return set(node);
    }
    match node {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for item in items.iter_mut() {
                walk(item, path, set)?;
            }
            Ok(())
        }
        Value::Object(m) => {
            let name = path[0].strip_suffix("[]").unwrap_or(&path[0]);
            match m.get_mut(name) {
                Some(f) => walk(f, &path[1..], set),
                None => Ok(()),
            }
        }
        // kustomize only visits referrers that have the field (`resHasField`).
        _ => Ok(()),
    }
}

fn info_of(r: &crate::resource::Resource) -> Info {
    let cur = r.cur_id();
    let cluster = cur.is_cluster_scoped();
    let eff_ns = cur.effective_namespace().to_string();
    let sa_namespaces = if cur.gvk.kind == "RoleBinding" {
        r.obj
            .get("subjects")
            .and_then(Value::as_array)
            .map(|subs| {
                subs.iter()
                    .filter_map(|s| {
                        let m = s.as_object()?;
                        let ns = m.get("namespace")?;
                        (m.get("kind").map(text).as_deref() == Some("ServiceAccount"))
                            .then(|| text(ns).into_owned())
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let role_ref = r
        .obj
        .get("roleRef")
        .and_then(Value::as_object)
        .and_then(|m| {
            Some(Gvk {
                group: text(m.get("apiGroup")?).into_owned(),
                version: String::new(),
                kind: text(m.get("kind")?).into_owned(),
            })
        });
    Info {
        prev: r.prev_ids(),
        org: r.org_id(),
        cluster,
        eff_ns,
        prefixes: r.prefixes.clone(),
        suffixes: r.suffixes.clone(),
        sa_namespaces,
        role_ref,
        cur,
    }
}

/// Fixes every name reference in the accumulator.
pub fn fix(acc: &mut ResMap) -> Result<(), String> {
    /// The table with every referrer path split.
    type Compiled = (Vec<NameRef>, Vec<Vec<Vec<String>>>);
    static TABLE: OnceLock<Compiled> = OnceLock::new();
    let (table, paths) = TABLE.get_or_init(|| {
        let table = specs::name_references();
        let paths = table
            .iter()
            .map(|t| t.referrers.iter().map(|f| split_path(&f.path)).collect())
            .collect();
        (table, paths)
    });
    let infos: Vec<Info> = if acc.len() >= 64 {
        acc.resources().par_iter().map(info_of).collect()
    } else {
        acc.resources().iter().map(info_of).collect()
    };
    let mut by_prev_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, info) in infos.iter().enumerate() {
        let mut names: Vec<&str> = info.prev.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for n in names {
            by_prev_name.entry(n).or_default().push(i);
        }
    }
    let ctx = Ctx {
        infos: &infos,
        by_prev_name: &by_prev_name,
    };
    // Each referrer is independent (only its own fields change); the first error in list
    // order is reported.
    acc.try_for_each_mut(|i, r| {
        let org = &infos[i].org.gvk;
        for (t, nr) in table.iter().enumerate() {
            for (f, fs) in nr.referrers.iter().enumerate() {
                if !org.is_selected_by(&fs.gvk) {
                    continue;
                }
                let role_ref = fs.path.ends_with("roleRef/name");
                let mut set = |n: &mut Value| ctx.set(i, n, &nr.target, role_ref);
                walk(&mut r.obj, &paths[t][f], &mut set).map_err(|e| {
                    format!(
                        "updating name reference in '{}' field of '{}': {e}",
                        fs.path, infos[i].cur
                    )
                })?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Resource;
    use serde_json::json;

    #[test]
    fn references_follow_renames() {
        let mut m = ResMap::new();
        let mut cm = Resource::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}}),
        );
        cm.store_previous_id();
        cm.set_name("p-cfg-hash");
        m.append(cm).unwrap();
        let mut d = Resource::new(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"volumes": [{"name": "v", "configMap": {"name": "cfg"}}],
              "containers": [{"name": "c", "envFrom": [{"configMapRef": {"name": "cfg"}}, {"configMapRef": {"name": "other"}}]}]}}}}),
        );
        d.store_previous_id();
        m.append(d).unwrap();
        fix(&mut m).unwrap();
        let d = &m.resources()[1].obj["spec"]["template"]["spec"];
        assert_eq!(d["volumes"][0]["configMap"]["name"], "p-cfg-hash");
        assert_eq!(
            d["containers"][0]["envFrom"][0]["configMapRef"]["name"],
            "p-cfg-hash"
        );
        assert_eq!(
            d["containers"][0]["envFrom"][1]["configMapRef"]["name"],
            "other"
        );
    }

    #[test]
    fn subjects_get_name_and_namespace() {
        let mut m = ResMap::new();
        let mut sa = Resource::new(
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}}),
        );
        sa.store_previous_id();
        sa.set_name("p-sa");
        sa.set_namespace("prod");
        m.append(sa).unwrap();
        let rb = Resource::new(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "b"}, "subjects": [{"kind": "ServiceAccount", "name": "sa"}]}),
        );
        m.append(rb).unwrap();
        fix(&mut m).unwrap();
        assert_eq!(
            m.resources()[1].obj["subjects"][0],
            json!({"kind": "ServiceAccount", "name": "p-sa", "namespace": "prod"})
        );
    }

    #[test]
    fn ending_sub_slices() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(same_ending(&s(&["a", "b", "c"]), &s(&["b", "c"])));
        assert!(!same_ending(&s(&["a", "b", "c"]), &s(&["a", "b"])));
        assert!(!same_ending(&s(&[]), &s(&["a"])));
        assert!(same_ending(&s(&[]), &s(&[])));
    }
}
