//! Values: the frozen form a loaded chart keeps, and Helm's coalescing of user values over
//! chart defaults.
//!
//! Coalescing works on [`Value`] maps, which are shared references like Go maps, and copies
//! exactly where Helm copies (deeply where Helm deep-copies, shallowly where it copies one
//! level), so that the aliasing effects Helm has (a subchart's nested `global` defaults showing
//! up in its parent's nested global tables) happen here too.

use std::collections::BTreeMap;

use strata_gotmpl::{Key, Map, Value};

/// A value with no shared references, safe to keep in a loaded chart that many threads render.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Frozen {
    /// YAML `null`.
    #[default]
    Nil,
    /// A boolean.
    Bool(bool),
    /// Go `int`.
    Int(i64),
    /// Go `int64` (`--set` integers).
    Int64(i64),
    /// Go `float64` (every number read from YAML or JSON).
    Float(f64),
    /// A string.
    String(String),
    /// A list.
    List(Vec<Frozen>),
    /// A map.
    Map(BTreeMap<Key, Frozen>),
}

impl Frozen {
    /// Freezes `v` (a deep copy; objects, which values never contain, become `Nil`).
    pub fn from_value(v: &Value) -> Frozen {
        match v {
            Value::Nil | Value::Object(_) => Frozen::Nil,
            Value::Bool(b) => Frozen::Bool(*b),
            Value::Int(i) => Frozen::Int(*i),
            Value::Int64(i) => Frozen::Int64(*i),
            Value::Float(f) => Frozen::Float(*f),
            Value::String(s) => Frozen::String(String::from(&**s)),
            Value::List(l) => Frozen::List(l.iter().map(Frozen::from_value).collect()),
            Value::Map(m) => Frozen::Map(
                m.borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), Frozen::from_value(v)))
                    .collect(),
            ),
        }
    }

    /// Freezes `v`, taking its contents where nothing else holds them (a value just read from
    /// a file): keys and lists are moved rather than copied. The result equals
    /// [`Frozen::from_value`]'s.
    pub fn from_owned(v: Value) -> Frozen {
        match v {
            Value::List(l) => match std::rc::Rc::try_unwrap(l) {
                Ok(items) => Frozen::List(items.into_iter().map(Frozen::from_owned).collect()),
                Err(shared) => Frozen::from_value(&Value::List(shared)),
            },
            Value::Map(m) => match std::rc::Rc::try_unwrap(m) {
                Ok(cell) => Frozen::Map(
                    cell.into_inner()
                        .into_iter()
                        .map(|(k, v)| (k, Frozen::from_owned(v)))
                        .collect(),
                ),
                Err(shared) => Frozen::from_value(&Value::Map(shared)),
            },
            other => Frozen::from_value(&other),
        }
    }

    /// A fresh template value (no sharing with any other).
    pub fn to_value(&self) -> Value {
        match self {
            Frozen::Nil => Value::Nil,
            Frozen::Bool(b) => Value::Bool(*b),
            Frozen::Int(i) => Value::Int(*i),
            Frozen::Int64(i) => Value::Int64(*i),
            Frozen::Float(f) => Value::Float(*f),
            Frozen::String(s) => Value::str(s),
            Frozen::List(l) => Value::list(l.iter().map(Frozen::to_value).collect()),
            Frozen::Map(m) => {
                Value::map(m.iter().map(|(k, v)| (k.clone(), v.to_value())).collect())
            }
        }
    }

    /// An empty map.
    pub fn empty_map() -> Frozen {
        Frozen::Map(BTreeMap::new())
    }
}

/// Whether `v` can stand in for its own [`deep_copy`] once its holder lets go of it: no map in
/// it is reachable through a second reference (from inside `v` or from anywhere else), so no
/// change made through one path can show through another. Go's nil slice is not copied as
/// itself by [`deep_copy`], so a value holding one does not qualify either.
pub fn is_unshared(v: &Value) -> bool {
    match v {
        Value::Map(m) => std::rc::Rc::strong_count(m) == 1 && m.borrow().values().all(is_unshared),
        Value::List(l) => {
            !Value::is_nil_list(l)
                && (std::rc::Rc::strong_count(l) == 1 || !l.iter().any(holds_map))
                && l.iter().all(is_unshared)
        }
        _ => true,
    }
}

fn holds_map(v: &Value) -> bool {
    match v {
        Value::Map(_) => true,
        Value::List(l) => l.iter().any(holds_map),
        _ => false,
    }
}

/// Go's `copystructure.Copy`: a deep copy in which no map is shared with the original.
pub fn deep_copy(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::map(
            m.borrow()
                .iter()
                .map(|(k, v)| (k.clone(), deep_copy(v)))
                .collect(),
        ),
        Value::List(l) => Value::list(l.iter().map(deep_copy).collect()),
        other => other.clone(),
    }
}

/// The map inside `v`, when it is one (Helm's `istable`).
pub fn as_table(v: &Value) -> Option<Map> {
    match v {
        Value::Map(m) => Some(m.clone()),
        _ => None,
    }
}

fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(_))
}

fn is_nil(v: &Value) -> bool {
    matches!(v, Value::Nil)
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

/// A chart as coalescing sees it: its name, its default values and its (enabled) subcharts.
pub trait ValuesChart {
    /// The chart's name (its alias, when it has one).
    fn name(&self) -> &str;
    /// A fresh copy of the chart's default values (a map) that shares no map with anything
    /// else: what Helm's coalescing gets from `copystructure.Copy(chart.Values)`. A chart
    /// whose defaults are kept frozen builds the copy directly, instead of building a value
    /// and deep-copying it (the defaults of an openstack-helm chart are thousands of entries,
    /// copied several times per render).
    fn default_values_copy(&self) -> Value;
    /// What [`ValuesChart::default_values_copy`] gives, for the last reader of the defaults in
    /// a render ([`coalesce_values_last`]): a chart may hand over a copy it made earlier in the
    /// render instead of copying it again, when that copy shares no map with anything (so no
    /// change a template makes can show through a second path, as after a deep copy). After
    /// it, the chart's defaults must not be read again.
    fn take_default_values(&self) -> Value {
        self.default_values_copy()
    }
    /// The chart's subcharts, in Helm's order.
    fn subcharts(&self) -> Vec<&dyn ValuesChart>;
}

/// Helm's `CoalesceValues`: `user` values over the chart's defaults, recursively into subcharts
/// (with `global` copied down); a `null` user value deletes the default.
pub fn coalesce_values(chart: &dyn ValuesChart, user: &Value) -> Result<Map, String> {
    coalesced(chart, user, false, false)
}

/// [`coalesce_values`] as a render's last reader of the charts' defaults: it takes them with
/// [`ValuesChart::take_default_values`], so no chart of `chart`'s tree may be coalesced again.
pub fn coalesce_values_last(chart: &dyn ValuesChart, user: &Value) -> Result<Map, String> {
    coalesced(chart, user, false, true)
}

/// Helm's `MergeValues`: like [`coalesce_values`] but `null`s are kept.
pub fn merge_values(chart: &dyn ValuesChart, user: &Value) -> Result<Map, String> {
    coalesced(chart, user, true, false)
}

/// A copy of `user` (a map, or an empty one) with the chart tree's defaults coalesced in.
fn coalesced(
    chart: &dyn ValuesChart,
    user: &Value,
    merge: bool,
    last: bool,
) -> Result<Map, String> {
    let dest = match deep_copy(user) {
        Value::Map(m) => m,
        _ => new_map(),
    };
    coalesce(chart, &dest, "", merge, last)?;
    Ok(dest)
}

/// A new empty map (helper; `Value::empty_map` always is a map).
pub fn new_map() -> Map {
    std::rc::Rc::new(std::cell::RefCell::new(BTreeMap::new()))
}

/// `last`: whether this is [`coalesce_values_last`] (defaults taken, not copied).
fn coalesce(
    chart: &dyn ValuesChart,
    dest: &Map,
    prefix: &str,
    merge: bool,
    last: bool,
) -> Result<(), String> {
    coalesce_chart_values(chart, dest, prefix, merge, last);
    coalesce_deps(chart, dest, prefix, merge, last)
}

fn coalesce_deps(
    chart: &dyn ValuesChart,
    dest: &Map,
    prefix: &str,
    merge: bool,
    last: bool,
) -> Result<(), String> {
    for sub in chart.subcharts() {
        let name = Key::from(sub.name());
        let existing = dest.borrow().get(name.as_str()).cloned();
        let dv = match existing {
            None => {
                let m = new_map();
                dest.borrow_mut()
                    .insert(name.clone(), Value::Map(m.clone()));
                m
            }
            Some(Value::Map(m)) => m,
            Some(other) => {
                // Go prints the value with %t, which for a non-bool is `%!t(TYPE=VALUE)`.
                let shown = match &other {
                    Value::Bool(b) => b.to_string(),
                    v => format!("%!t({}={})", v.type_name(), strata_gotmpl::fmt::sprint(v)),
                };
                return Err(format!("type mismatch on {name}: {shown}"));
            }
        };
        let sub_prefix = concat_prefix(prefix, chart.name());
        coalesce_globals(&dv, dest);
        coalesce(sub, &dv, &sub_prefix, merge, last)?;
        dest.borrow_mut().insert(name, Value::Map(dv));
    }
    Ok(())
}

/// Copies the parent's `global` table into the subchart's values (parent wins).
fn coalesce_globals(dest: &Map, src: &Map) {
    let dg = match dest.borrow().get("global").cloned() {
        None => new_map(),
        Some(Value::Map(m)) => m,
        Some(_) => return, // "skipping globals because destination global is not a table"
    };
    let sg = match src.borrow().get("global").cloned() {
        None => new_map(),
        Some(Value::Map(m)) => m,
        Some(_) => return,
    };
    let entries: Vec<(Key, Value)> = sg
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, val) in entries {
        if let Value::Map(vm) = &val {
            // A shallow copy, as Helm's copyMap: nested tables stay shared.
            let vv = shallow_copy(vm);
            let destv = dg.borrow().get(key.as_str()).cloned();
            match destv {
                None => {
                    dg.borrow_mut().insert(key, Value::Map(vv));
                }
                Some(Value::Map(destvmap)) => {
                    coalesce_tables(&vv, &destvmap, true);
                    dg.borrow_mut().insert(key, Value::Map(vv));
                }
                Some(_) => {} // "cannot merge map onto non-map"
            }
        } else {
            let dv_is_table = dg.borrow().get(key.as_str()).is_some_and(is_table);
            if !dv_is_table {
                dg.borrow_mut().insert(key, val);
            }
        }
    }
    dest.borrow_mut().insert("global".into(), Value::Map(dg));
}

/// Go's `copyMap`: one level copied, nested tables shared.
fn shallow_copy(m: &Map) -> Map {
    std::rc::Rc::new(std::cell::RefCell::new(m.borrow().clone()))
}

/// Helm's `coalesceValues`: the chart's defaults (deep-copied) under the values `v`.
fn coalesce_chart_values(chart: &dyn ValuesChart, v: &Map, _prefix: &str, merge: bool, last: bool) {
    let defaults = if last {
        chart.take_default_values()
    } else {
        chart.default_values_copy()
    };
    let vc = match defaults {
        Value::Map(m) => m,
        _ => new_map(),
    };
    let sub_names: Vec<Key> = chart
        .subcharts()
        .iter()
        .map(|s| Key::from(s.name()))
        .collect();
    // `vc` is this call's own copy, referenced from nowhere else: its entries are moved out
    // rather than cloned.
    let entries = std::mem::take(&mut *vc.borrow_mut());
    for (key, val) in entries {
        let existing = v.borrow().get(key.as_str()).cloned();
        match existing {
            Some(value) => {
                if is_nil(&value) && !merge {
                    v.borrow_mut().remove(&key);
                } else if let Value::Map(dest) = &value {
                    if let Value::Map(src) = &val {
                        let merge = merge || sub_names.contains(&key);
                        if !merge {
                            clean_nil_values(src);
                        }
                        coalesce_tables(dest, src, merge);
                    }
                    // else: "skipped value for KEY: Not a table." (a warning only)
                }
            }
            None => {
                if !merge {
                    if is_nil(&val) {
                        continue;
                    }
                    if let Value::Map(sub) = &val {
                        clean_nil_values(sub);
                    }
                }
                v.borrow_mut().insert(key, val);
            }
        }
    }
}

fn clean_nil_values(m: &Map) {
    // Only the keys to delete and the nested tables are taken out of the borrow: cloning
    // every entry made this a visible share of a render.
    let mut nils = Vec::new();
    let mut subs = Vec::new();
    for (key, val) in m.borrow().iter() {
        match val {
            Value::Nil => nils.push(key.clone()),
            Value::Map(sub) => subs.push(sub.clone()),
            _ => {}
        }
    }
    if !nils.is_empty() {
        let mut mm = m.borrow_mut();
        for key in &nils {
            mm.remove(key);
        }
    }
    for sub in subs {
        clean_nil_values(&sub);
    }
}

/// Helm's `coalesceTablesFullKey`: `src` merged into `dst`, `dst` authoritative. With `merge`
/// false a `null` in `dst` deletes the key (when `src` had a value for it).
pub fn coalesce_tables(dst: &Map, src: &Map, merge: bool) {
    if std::rc::Rc::ptr_eq(dst, src) {
        return;
    }
    // The keys that are `null` in `dst`, and among them those `src` gives a value (which
    // `null` then deletes): the only keys the loop below asks about, so only they are kept.
    let dst_nils: Vec<Key> = dst
        .borrow()
        .iter()
        .filter(|(_, v)| is_nil(v))
        .map(|(k, _)| k.clone())
        .collect();
    let src_non_nil: Vec<Key> = {
        let src = src.borrow();
        dst_nils
            .iter()
            .filter(|k| src.get(k.as_str()).is_some_and(|v| !is_nil(v)))
            .cloned()
            .collect()
    };
    for key in dst_nils {
        src.borrow_mut().insert(key, Value::Nil);
    }
    let entries: Vec<(Key, Value)> = src
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, val) in entries {
        let dv = dst.borrow().get(key.as_str()).cloned();
        match dv {
            Some(Value::Nil) if !merge && src_non_nil.contains(&key) => {
                dst.borrow_mut().remove(key.as_str());
            }
            None => {
                dst.borrow_mut().insert(key, val);
            }
            Some(dv) => {
                if let Value::Map(sv) = &val {
                    if let Value::Map(dvm) = &dv {
                        coalesce_tables(dvm, sv, merge);
                    }
                    // else: "cannot overwrite table with non table"
                }
                // else: dst wins (and a warning when dst is a table and src not null)
            }
        }
    }
}

/// Helm's `CoalesceTables` (a `null` in `dst` deletes).
pub fn coalesce_tables_delete(dst: &Map, src: &Map) {
    coalesce_tables(dst, src, false)
}

/// Helm's `MergeTables` (`null`s kept).
pub fn merge_tables(dst: &Map, src: &Map) {
    coalesce_tables(dst, src, true)
}

/// Helm's `Values.Table`: the table at the dotted path `name`.
pub fn table(v: &Map, name: &str) -> Option<Map> {
    let mut cur = v.clone();
    for part in name.split('.') {
        let next = match cur.borrow().get(part) {
            Some(Value::Map(m)) => m.clone(),
            _ => return None,
        };
        cur = next;
    }
    Some(cur)
}

/// Helm's `Values.PathValue`: the non-table value at the dotted path, `None` when there is none.
pub fn path_value(v: &Map, path: &str) -> Option<Value> {
    if path.is_empty() {
        return None;
    }
    let parts: Vec<&str> = path.split('.').collect();
    let (key, parents) = parts.split_last()?;
    let t = if parents.is_empty() {
        v.clone()
    } else {
        table(v, &parents.join("."))?
    };
    let got = t.borrow().get(*key).cloned();
    match got {
        Some(val) if !is_table(&val) => Some(val),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct C {
        name: &'static str,
        values: Frozen,
        subs: Vec<C>,
    }
    impl ValuesChart for C {
        fn name(&self) -> &str {
            self.name
        }
        fn default_values_copy(&self) -> Value {
            self.values.to_value()
        }
        fn subcharts(&self) -> Vec<&dyn ValuesChart> {
            self.subs.iter().map(|s| s as &dyn ValuesChart).collect()
        }
    }

    fn m(entries: &[(&str, Frozen)]) -> Frozen {
        Frozen::Map(
            entries
                .iter()
                .map(|(k, v)| (Key::from(*k), v.clone()))
                .collect(),
        )
    }
    fn s(x: &str) -> Frozen {
        Frozen::String(x.to_string())
    }

    #[test]
    fn freezing_an_owned_value_equals_freezing_a_borrowed_one() {
        let inner = m(&[("k", s("v")), ("n", Frozen::Nil)]).to_value();
        let shared = Value::map(
            [
                ("a".into(), inner.clone()),
                ("b".into(), inner.clone()),
                (
                    "l".into(),
                    Value::list(vec![inner, Value::Float(1.5), Value::nil_list()]),
                ),
                ("e".into(), Value::nil_list()),
            ]
            .into_iter()
            .collect(),
        );
        let want = Frozen::from_value(&shared);
        assert_eq!(Frozen::from_owned(shared), want);
        let owned = m(&[("x", m(&[("y", Frozen::List(vec![s("z")]))]))]);
        assert_eq!(Frozen::from_owned(owned.to_value()), owned);
    }

    #[test]
    fn user_over_defaults_null_deletes_and_globals_flow_down() {
        let chart = C {
            name: "p",
            values: m(&[
                ("a", s("1")),
                ("b", s("2")),
                ("global", m(&[("g", s("pg"))])),
            ]),
            subs: vec![C {
                name: "s",
                values: m(&[("x", s("sx")), ("global", m(&[("h", s("sh"))]))]),
                subs: vec![],
            }],
        };
        let user = m(&[
            ("b", Frozen::Nil),
            ("c", s("3")),
            ("s", m(&[("x", s("ux"))])),
        ])
        .to_value();
        let out = Frozen::from_value(&Value::Map(coalesce_values(&chart, &user).unwrap()));
        let want = m(&[
            ("a", s("1")),
            ("c", s("3")),
            ("global", m(&[("g", s("pg"))])),
            (
                "s",
                m(&[
                    ("x", s("ux")),
                    ("global", m(&[("g", s("pg")), ("h", s("sh"))])),
                ]),
            ),
        ]);
        assert_eq!(out, want);
    }

    #[test]
    fn path_value_skips_tables() {
        let v = match m(&[("a", m(&[("b", Frozen::Bool(true))]))]).to_value() {
            Value::Map(m) => m,
            _ => unreachable!(),
        };
        assert!(matches!(path_value(&v, "a.b"), Some(Value::Bool(true))));
        assert!(path_value(&v, "a").is_none());
        assert!(path_value(&v, "a.c").is_none());
    }
    #[test]
    fn only_values_without_a_second_path_to_a_map_stand_in_for_their_copy() {
        let fresh = m(&[
            ("a", m(&[("b", s("1"))])),
            ("l", Frozen::List(vec![s("x")])),
        ]);
        assert!(is_unshared(&fresh.to_value()));
        // A map reachable from two keys (as coalescing's shallow copies of globals leave them).
        let inner = m(&[("b", s("1"))]).to_value();
        let twice = Value::map(
            [("x", inner.clone()), ("y", inner)]
                .into_iter()
                .map(|(k, v)| (Key::from(k), v))
                .collect(),
        );
        assert!(!is_unshared(&twice));
        // A map held from outside too.
        let held = m(&[("b", s("1"))]).to_value();
        let _other = held.clone();
        assert!(!is_unshared(&held));
        // A list held twice is shared harmlessly unless it holds a map.
        let plain = Value::list(vec![Value::str("x")]);
        let with_plain = Value::list(vec![plain.clone(), plain.clone()]);
        assert!(is_unshared(&with_plain));
        let holding = Value::list(vec![Value::empty_map()]);
        let with_holding = Value::list(vec![holding.clone(), holding]);
        assert!(!is_unshared(&with_holding));
        // Go's nil slice is not what a deep copy gives back.
        assert!(!is_unshared(&Value::nil_list()));
    }
}
