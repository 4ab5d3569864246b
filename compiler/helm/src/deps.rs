//! Dependencies as Helm processes them before a render: aliases, `condition`, `tags`, pruning of
//! disabled subcharts, and `import-values` (both forms).
//!
//! Processing works on a per-render [`Node`] tree (the loaded [`Chart`] stays untouched), so
//! one chart can be rendered many times with different values.

use strata_gotmpl::Value;

use crate::chart::{Chart, Dependency, Metadata};
use crate::semver::is_compatible_range;
use crate::values::{self, Frozen, ValuesChart};

/// A chart as one render sees it: metadata with the alias applied and dependencies processed,
/// default values (with imported values), and the enabled subcharts.
#[derive(Clone)]
pub struct Node<'a> {
    /// The loaded chart this node stands for.
    pub chart: &'a Chart,
    /// Its metadata, as processing left it.
    pub meta: Metadata,
    /// Its default values (a map), as processing left them.
    pub values: NodeValues<'a>,
    /// Its enabled subcharts.
    pub deps: Vec<Node<'a>>,
}

impl ValuesChart for Node<'_> {
    fn name(&self) -> &str {
        &self.meta.name
    }
    fn default_values_copy(&self) -> Value {
        match &self.values {
            NodeValues::Loaded(frozen) => frozen.to_value(),
            NodeValues::Processed(v) => values::deep_copy(&v.borrow()),
        }
    }
    fn take_default_values(&self) -> Value {
        // The processed defaults are this render's own copy: the render's last coalescing
        // takes them rather than deep-copying them (a full copy of an openstack-helm chart's
        // defaults), unless some map in them is reachable twice.
        let NodeValues::Processed(v) = &self.values else {
            return self.default_values_copy();
        };
        let v = std::mem::take(&mut *v.borrow_mut());
        if values::is_unshared(&v) {
            v
        } else {
            values::deep_copy(&v)
        }
    }
    fn subcharts(&self) -> Vec<&dyn ValuesChart> {
        self.deps.iter().map(|d| d as &dyn ValuesChart).collect()
    }
}

/// A node's default values: the loaded chart's, until import processing replaces them.
#[derive(Clone)]
pub enum NodeValues<'a> {
    /// The loaded chart's defaults, untouched (copied only when coalescing needs a copy).
    Loaded(&'a Frozen),
    /// The defaults as `import-values` processing left them (in a cell, so that the render's
    /// last coalescing can take them; see [`ValuesChart::take_default_values`]).
    Processed(std::cell::RefCell<Value>),
}

impl<'a> Node<'a> {
    /// The node for `chart` and all its subcharts, before any processing.
    pub fn new(chart: &'a Chart) -> Node<'a> {
        Node {
            chart,
            meta: chart.metadata.clone(),
            values: NodeValues::Loaded(&chart.values),
            deps: chart.subcharts.iter().map(|c| Node::new(c)).collect(),
        }
    }

    /// Helm's `ChartFullPath` segments below the root: `sub`, `sub/charts/subsub`.
    pub fn full_path(&self, parent: Option<&str>) -> String {
        match parent {
            None => self.meta.name.clone(),
            Some(p) => format!("{p}/charts/{}", self.meta.name),
        }
    }
}

/// Helm's `ProcessDependencies` (with merge, as `install` and `template` call it): enables and
/// prunes subcharts from `user` values, then imports values from children into parents.
pub fn process_dependencies(root: &mut Node<'_>, user: &Value) -> Result<(), String> {
    process_enabled(root, user, "")?;
    process_import_values(root)
}

fn process_enabled(c: &mut Node<'_>, v: &Value, path: &str) -> Result<(), String> {
    let Some(mut reqs) = c.meta.dependencies.take() else {
        return Ok(());
    };
    let existing = std::mem::take(&mut c.deps);
    let mut chart_deps: Vec<Node<'_>> = Vec::new();
    for e in &existing {
        let declared = reqs
            .iter()
            .any(|r| e.meta.name == r.name && is_compatible_range(&r.version, &e.meta.version));
        if !declared {
            chart_deps.push(e.clone());
        }
    }
    for req in reqs.iter_mut() {
        if let Some(mut d) = alias_dependency(&existing, req) {
            if !req.alias.is_empty() {
                d.meta.name = req.alias.clone();
            }
            chart_deps.push(d);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.deps = chart_deps;
    for r in reqs.iter_mut() {
        r.enabled = true;
    }
    // The coalesced values serve the `tags` and `condition` lookups and the dependencies of
    // the subcharts. A chart without either (openstack-helm's: helm-toolkit, which has no
    // dependencies, and no condition) skips building them: coalescing copies all of the
    // chart's values and changes nothing else, and an error it would raise (a subchart key
    // that is not a table) is raised the same way by the render's own coalescing, which sees
    // the same subcharts since none is disabled.
    let needs_values = reqs
        .iter()
        .any(|r| !r.tags.is_empty() || !r.condition.trim().is_empty())
        || c.deps.iter().any(|d| {
            // A subchart's processing needs them only when it has dependencies of its own
            // (helm-toolkit declares an empty list).
            d.meta
                .dependencies
                .as_ref()
                .is_some_and(|r| !r.is_empty() || !d.deps.is_empty())
        });
    c.meta.dependencies = Some(reqs);
    if !needs_values {
        return Ok(());
    }
    let cvals = values::coalesce_values(c, v)?;
    let reqs = c
        .meta
        .dependencies
        .as_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut reqs = reqs;
    process_tags(&mut reqs, &cvals);
    process_conditions(&mut reqs, &cvals, path);
    let removed: Vec<String> = reqs
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    let mut kept: Vec<Node<'_>> = std::mem::take(&mut c.deps)
        .into_iter()
        .filter(|n| !removed.contains(&n.meta.name))
        .collect();
    let kept_meta: Vec<Dependency> = reqs
        .into_iter()
        .filter(|r| !removed.contains(&r.name))
        .collect();
    let cvals_value = Value::Map(cvals);
    for t in kept.iter_mut() {
        let subpath = format!("{path}{}.", t.meta.name);
        process_enabled(t, &cvals_value, &subpath)?;
    }
    c.meta.dependencies = Some(kept_meta);
    c.deps = kept;
    Ok(())
}

fn alias_dependency<'a>(charts: &[Node<'a>], dep: &Dependency) -> Option<Node<'a>> {
    charts
        .iter()
        .find(|c| c.meta.name == dep.name && is_compatible_range(&dep.version, &c.meta.version))
        .cloned()
}

fn process_tags(reqs: &mut [Dependency], cvals: &strata_gotmpl::Map) {
    let Some(vt) = values::table(cvals, "tags") else {
        return;
    };
    let vt = vt.borrow();
    for r in reqs.iter_mut() {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            if let Some(Value::Bool(b)) = vt.get(k.as_str()) {
                if *b {
                    has_true = true;
                } else {
                    has_false = true;
                }
            }
        }
        // Disabled only when some tag is false and none is true.
        r.enabled = has_true || !has_false;
    }
}

fn process_conditions(reqs: &mut [Dependency], cvals: &strata_gotmpl::Map, cpath: &str) {
    for r in reqs.iter_mut() {
        for c in r.condition.trim().split(',') {
            if c.is_empty() {
                continue;
            }
            if let Some(Value::Bool(b)) = values::path_value(cvals, &format!("{cpath}{c}")) {
                r.enabled = b;
                break;
            }
        }
    }
}

fn process_import_values(c: &mut Node<'_>) -> Result<(), String> {
    for d in c.deps.iter_mut() {
        process_import_values(d)?;
    }
    if c.meta.dependencies.is_none() {
        return Ok(());
    }
    let cvals = values::merge_values(c, &Value::Nil)?;
    let b = values::new_map();
    let mut reqs = c.meta.dependencies.take().unwrap_or_default();
    for r in reqs.iter_mut() {
        let mut out = Vec::new();
        for riv in &r.import_values {
            match riv {
                Frozen::Map(m) => {
                    let child = m
                        .get("child")
                        .map(|v| strata_gotmpl::fmt::sprint(&v.to_value()))
                        .unwrap_or_else(|| "<nil>".into());
                    let parent = m
                        .get("parent")
                        .map(|v| strata_gotmpl::fmt::sprint(&v.to_value()))
                        .unwrap_or_else(|| "<nil>".into());
                    out.push(Frozen::Map(
                        [
                            ("child".into(), Frozen::String(child.clone())),
                            ("parent".into(), Frozen::String(parent.clone())),
                        ]
                        .into_iter()
                        .collect(),
                    ));
                    let Some(vv) = values::table(&cvals, &format!("{}.{}", r.name, child)) else {
                        continue;
                    };
                    let src = path_to_map(&parent, vv);
                    values::merge_tables(&b, &src);
                }
                Frozen::String(s) => {
                    let child = format!("exports.{s}");
                    out.push(Frozen::Map(
                        [
                            ("child".into(), Frozen::String(child.clone())),
                            ("parent".into(), Frozen::String(".".into())),
                        ]
                        .into_iter()
                        .collect(),
                    ));
                    let Some(vm) = values::table(&cvals, &format!("{}.{}", r.name, child)) else {
                        continue;
                    };
                    values::merge_tables(&b, &vm);
                }
                _ => {}
            }
        }
        r.import_values = out;
    }
    c.meta.dependencies = Some(reqs);
    if b.borrow().is_empty() {
        // Nothing imported: Helm's deep copy and merge of an empty table leave values equal
        // to `cvals`, and every later reader copies them before changing anything (see
        // `default_values_copy`) or takes them only when no map in them is shared (see
        // `take_default_values`), so the maps `cvals` shares inside itself cannot show.
        c.values = NodeValues::Processed(std::cell::RefCell::new(Value::Map(cvals)));
        return Ok(());
    }
    let copy = match values::deep_copy(&Value::Map(cvals)) {
        Value::Map(m) => m,
        _ => values::new_map(),
    };
    values::merge_tables(&copy, &b);
    c.values = NodeValues::Processed(std::cell::RefCell::new(Value::Map(copy)));
    Ok(())
}

fn path_to_map(path: &str, data: strata_gotmpl::Map) -> strata_gotmpl::Map {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for part in path.split('.').rev() {
        let m = values::new_map();
        m.borrow_mut().insert(part.into(), Value::Map(cur));
        cur = m;
    }
    cur
}
