//! The accumulator: resources in load order, with an index by current id so that appending
//! many resources stays linear.

use std::collections::HashMap;

use crate::resid::{IdKey, ResId};
use crate::resource::Resource;

/// An ordered list of resources with unique current ids.
#[derive(Clone, Debug, Default)]
pub struct ResMap {
    list: Vec<Resource>,
    /// Current id → position; `None` when a mutation may have changed ids.
    index: Option<HashMap<IdKey, usize>>,
}

impl ResMap {
    /// An empty accumulator.
    pub fn new() -> ResMap {
        ResMap::default()
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are no resources.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The resources in order.
    pub fn resources(&self) -> &[Resource] {
        &self.list
    }

    /// Mutable access to the resources; ids may change, so the index is dropped.
    pub fn resources_mut(&mut self) -> &mut Vec<Resource> {
        self.index = None;
        &mut self.list
    }

    /// Runs `f` on every resource (in parallel for large maps); ids may change, so the index
    /// is dropped. The first error in list order is returned.
    pub fn try_for_each_mut<F>(&mut self, f: F) -> Result<(), String>
    where
        F: Fn(usize, &mut Resource) -> Result<(), String> + Sync,
    {
        use rayon::prelude::*;
        self.index = None;
        if self.list.len() < 64 {
            return self
                .list
                .iter_mut()
                .enumerate()
                .try_for_each(|(i, r)| f(i, r));
        }
        let results: Vec<Result<(), String>> = self
            .list
            .par_iter_mut()
            .enumerate()
            .map(|(i, r)| f(i, r))
            .collect();
        results.into_iter().collect()
    }

    /// Takes the resources out.
    pub fn into_vec(self) -> Vec<Resource> {
        self.list
    }

    fn ensure_index(&mut self) -> &mut HashMap<IdKey, usize> {
        let list = &self.list;
        self.index.get_or_insert_with(|| {
            let mut m = HashMap::with_capacity(list.len());
            for (i, r) in list.iter().enumerate() {
                m.entry(r.id_key()).or_insert(i);
            }
            m
        })
    }

    /// Appends a resource unless its current id is already present (then returns the id).
    pub fn append(&mut self, r: Resource) -> Result<(), ResId> {
        let key = r.id_key();
        let n = self.list.len();
        let index = self.ensure_index();
        if index.contains_key(&key) {
            return Err(r.cur_id());
        }
        index.insert(key, n);
        self.list.push(r);
        Ok(())
    }

    /// Appends all resources of another accumulator, failing on the first duplicate id.
    pub fn append_all(&mut self, mut other: ResMap) -> Result<(), ResId> {
        // Reuse the other map's id keys when it has them (ids do not change on append).
        let mut keys: Vec<Option<IdKey>> = vec![None; other.list.len()];
        if let Some(idx) = other.index.take() {
            for (k, i) in idx {
                if let Some(slot) = keys.get_mut(i) {
                    *slot = Some(k);
                }
            }
        }
        self.ensure_index();
        for (r, key) in other.list.into_iter().zip(keys) {
            let key = key.unwrap_or_else(|| r.id_key());
            let n = self.list.len();
            let index = self.ensure_index();
            if index.contains_key(&key) {
                return Err(r.cur_id());
            }
            index.insert(key, n);
            self.list.push(r);
        }
        Ok(())
    }

    /// Changes one resource, keeping the id index when its id stays the same.
    pub fn modify<R>(&mut self, i: usize, f: impl FnOnce(&mut Resource) -> R) -> R {
        let before = self.index.as_ref().map(|_| self.list[i].id_key());
        let out = f(&mut self.list[i]);
        if let Some(b) = before {
            if self.list[i].is_empty() || self.list[i].id_key() != b {
                self.index = None;
            }
        }
        out
    }

    /// Replaces the resource at `i`.
    pub fn replace(&mut self, i: usize, r: Resource) {
        self.index = None;
        self.list[i] = r;
    }

    /// Positions of resources whose current or any previous id equals `id`
    /// (kustomize's `GetMatchingResourcesByAnyId`).
    pub fn matching_any_id(&self, id: &ResId) -> Vec<usize> {
        self.list
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_empty() && r.any_id_matches(id))
            .map(|(i, _)| i)
            .collect()
    }

    /// Positions of resources whose current id equals `id`.
    pub fn matching_current_id(&mut self, id: &ResId) -> Option<usize> {
        self.ensure_index().get(&id.key()).copied()
    }

    /// Rebuilds from a list, dropping emptied resources and checking ids are unique
    /// (kustomize re-appends every resource after a strategic merge patch).
    pub fn rebuild(&mut self) -> Result<(), ResId> {
        if self.index.is_some() && !self.list.iter().any(Resource::is_empty) {
            // Nothing was renamed or emptied since the index was built.
            return Ok(());
        }
        let list = std::mem::take(&mut self.list);
        self.index = None;
        for r in list {
            if !r.is_empty() {
                self.append(r)?;
            }
        }
        Ok(())
    }

    /// Checks that current ids are unique (after a transformer that renames).
    pub fn check_unique(&mut self) -> Result<(), ResId> {
        self.index = None;
        let mut seen: HashMap<IdKey, usize> = HashMap::with_capacity(self.list.len());
        for (i, r) in self.list.iter().enumerate() {
            if seen.insert(r.id_key(), i).is_some() {
                return Err(r.cur_id());
            }
        }
        self.index = Some(seen);
        Ok(())
    }
}
