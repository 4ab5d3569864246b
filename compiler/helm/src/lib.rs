//! Helm charts compiled in-process with [`strata_gotmpl`]: charts and their dependencies,
//! values coalescing, Helm's own template functions, and the output `helm template` prints.
pub mod serial;
