//! Helm charts compiled in-process with [`strata_gotmpl`]: charts and their dependencies,
//! values coalescing, Helm's own template functions, and the output `helm template` prints.
//!
//! The flow of one render, as Helm's `install --dry-run` / `helm template` runs it:
//! [`load_dir`] loads a chart folder once; [`render`] then processes its dependencies against
//! the user values (conditions, tags, aliases, import-values), coalesces the values, validates
//! them against the charts' schemas, and executes every template of the chart and its enabled
//! subcharts in one template set; [`Rendered::template_output`] turns the rendered files into what
//! `helm template` prints.

pub mod chart;
pub mod deps;
mod error;
mod funcs;
mod glob;
pub mod objects;
pub mod output;
pub mod render;
mod schema;
pub mod semver;
pub mod serial;
pub mod strvals;
pub mod values;
mod yamlin;

pub use chart::{load_dir, Chart, ChartFile, Dependency, Loader, Maintainer, Metadata};
pub use error::HelmError;
pub use output::OutputOptions;
pub use render::{render, render_chart, RenderOptions, Rendered};
pub use values::Frozen;
