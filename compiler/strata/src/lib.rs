//! Strata: a declarative desired-state compiler for fleets of Kubernetes sites.
//!
//! The library is a pipeline of stages (`book/src/design/pipeline.md`), one module each, each with a typed
//! input and output; `ARCHITECTURE.md` maps them. The `strata` binary ([`cli`]) is a thin
//! layer over [`pipeline::Project`].
//!
//! | stage | module | input → output |
//! |---|---|---|
//! | load | [`load`] | repository → parsed documents with spans |
//! | validate inputs | [`check`] | documents → catalog, resolved sites (merged values) |
//! | resolve graph | [`graph`] | site → service graph and waves |
//! | render templates | [`render`] | site + graph → Kubernetes objects with provenance |
//! | apply overlays | (strata-kustomize) | objects → objects |
//! | validate outputs | (strata-validate) | objects → diagnostics |
//! | emit | [`emit`] | objects → files, written atomically |

pub mod chart;
pub mod check;
pub mod cli;
pub mod conflict;
pub mod diag;
pub mod diff;
pub mod drift;
pub mod emit;
pub mod explain;
pub mod fleet;
pub mod gitops;
pub mod graph;
pub mod lint;
pub mod load;
pub mod merge;
pub mod model;
pub mod overlay;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod repo;
pub mod secrets;
pub mod validate;
