//! The accumulator: resources in load order, with an index by current id so that appending
//! many resources stays linear.

use std::collections::HashMap;

use crate::resid::ResId;
use crate::resource::Resource;

/// Positions by current-id hash; ids whose hash collides with a different id are kept apart.
#[derive(Clone, Debug, Default)]
struct Index {
    by_hash: HashMap<u64, usize>,
    collided: Vec<usize>,
}

impl Index {
    fn find(&self, list: &[Resource], h: u64, r: &Resource) -> Option<usize> {
        if let Some(&i) = self.by_hash.get(&h) {
            if list[i].same_id(r) {
                return Some(i);
            }
        }
        self.collided.iter().copied().find(|&i| list[i].same_id(r))
    }

    /// Records position `i` (whose id is not yet present).
    fn insert(&mut self, h: u64, i: usize) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.by_hash.entry(h) {
            e.insert(i);
        } else {
            self.collided.push(i);
        }
    }
}

/// An ordered list of resources with unique current ids.
#[derive(Clone, Debug, Default)]
pub struct ResMap {
    list: Vec<Resource>,
    /// The id index; `None` when a mutation may have changed ids.
    index: Option<Index>,
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

    fn ensure_index(&mut self) -> &mut Index {
        let list = &self.list;
        self.index.get_or_insert_with(|| {
            let mut idx = Index {
                by_hash: HashMap::with_capacity(list.len()),
                collided: Vec::new(),
            };
            for (i, r) in list.iter().enumerate() {
                let h = r.id_hash();
                if idx.find(list, h, r).is_none() {
                    idx.insert(h, i);
                }
            }
            idx
        })
    }

    /// Appends a resource unless its current id is already present (then returns the id).
    pub fn append(&mut self, r: Resource) -> Result<(), ResId> {
        let h = r.id_hash();
        self.ensure_index();
        let n = self.list.len();
        if let Some(idx) = &self.index {
            if idx.find(&self.list, h, &r).is_some() {
                return Err(r.cur_id());
            }
        }
        if let Some(idx) = self.index.as_mut() {
            idx.insert(h, n);
        }
        self.list.push(r);
        Ok(())
    }

    /// Appends all resources of another accumulator, failing on the first duplicate id.
    pub fn append_all(&mut self, other: ResMap) -> Result<(), ResId> {
        self.list.reserve(other.list.len());
        for r in other.list {
            self.append(r)?;
        }
        Ok(())
    }

    /// Changes one resource, keeping the id index when its id stays the same.
    pub fn modify<R>(&mut self, i: usize, f: impl FnOnce(&mut Resource) -> R) -> R {
        let before = self.index.as_ref().map(|_| self.list[i].clone_id_parts());
        let out = f(&mut self.list[i]);
        if let Some(b) = before {
            if self.list[i].is_empty() || self.list[i].clone_id_parts() != b {
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
        let mut idx = Index::default();
        for (i, r) in self.list.iter().enumerate() {
            let h = r.id_hash();
            if idx.find(&self.list, h, r).is_some() {
                return Err(r.cur_id());
            }
            idx.insert(h, i);
        }
        self.index = Some(idx);
        Ok(())
    }
}
