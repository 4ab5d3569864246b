//! One transformation per module, modelled on kustomize's `api/filters/*`. Each works on the
//! accumulator (or a single object) and reports errors as plain messages; the build adds the
//! kustomization file and position.

pub mod annotations;
pub mod fieldspec;
pub mod generators;
pub mod hash;
pub mod images;
pub mod json6902;
pub mod labels;
pub mod nameref;
pub mod namespace;
pub mod patches;
pub mod prefix_suffix;
pub mod replicas;
pub mod selector;
pub mod smp;
pub mod sort;
pub mod specs;
