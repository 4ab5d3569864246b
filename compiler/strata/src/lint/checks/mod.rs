//! The checks, one per file. Each adds its findings (at their default severity) for one
//! site; [`super::lint_site`] applies allowances and the site's policy afterwards.

use super::{Context, Finding};

pub mod ha_chain;
pub mod images;
pub mod pdb;
pub mod pdb_drain;
pub mod privileged;
pub mod probes;
pub mod quorum;
pub mod replicas;
pub mod resources;
pub mod spread;

/// Runs every check.
pub fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
    replicas::check(cx, out);
    pdb::check(cx, out);
    spread::check(cx, out);
    probes::check(cx, out);
    resources::check(cx, out);
    images::check(cx, out);
    privileged::check(cx, out);
    quorum::check(cx, out);
    ha_chain::check(cx, out);
    pdb_drain::check(cx, out);
}

/// Whether a service declares itself a quorum cluster.
pub(crate) fn is_quorum(cx: &Context<'_>, service: &str) -> bool {
    cx.catalog
        .services
        .get(service)
        .is_some_and(|s| s.spec.lint.quorum)
}

/// `n replica(s)`.
pub(crate) fn replicas_text(n: i64) -> String {
    format!("{n} replica{}", if n == 1 { "" } else { "s" })
}
