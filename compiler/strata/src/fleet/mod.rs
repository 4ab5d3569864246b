//! Working on a fleet of many sites: which sites a run takes (`--shard I/N`,
//! `--changed-since REV`), which sites changed between two revisions (for `diff`, `plan` and
//! `--changed-since`), and the progress bar.
//!
//! A site's output depends only on its inputs: its `site.yaml`, its layers, the services and
//! overlays it uses (the [`Project::input_digest`] that `_meta/site.json` records), the
//! repository's `schemas/` (which decide whether its output is valid) and the Strata version.
//! [`fingerprint`] is the digest of all of them; two revisions in which a site has the same
//! fingerprint render it byte for byte the same, so it need not be compiled to be compared.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::diag::{self, Diagnostic};
use crate::pipeline::Project;

/// `--shard I/N`: the I-th of N deterministic parts of the fleet (I from 1, as GitLab's
/// `CI_NODE_INDEX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which part, 1 ≤ index ≤ count.
    pub index: u64,
    /// How many parts.
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard: write I/N with 1 ≤ I ≤ N, e.g. 2/5");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether site `name` belongs to this shard. A site's shard depends only on its name
    /// (the first 8 bytes of the SHA-256 of the name, big-endian, modulo N, plus 1), so
    /// adding or removing a site never moves another one.
    pub fn contains(&self, name: &str) -> bool {
        shard_of(name, self.count) == self.index
    }
}

/// The shard (1..=count) of site `name` among `count`.
pub fn shard_of(name: &str, count: u64) -> u64 {
    let h = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&h[..8]);
    u64::from_be_bytes(first) % count.max(1) + 1
}

/// The fleet options of `build` and `validate`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct FleetArgs {
    /// Only the sites of shard I of N (by a hash of the site name), e.g. 2/5 in the second of five CI jobs.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Only the sites whose inputs differ from those in git revision REV (new sites included).
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
    /// No progress bar (there is none either when stderr is not a terminal).
    #[arg(long, short)]
    pub quiet: bool,
}

impl FleetArgs {
    /// Narrows `names` (sorted) to what these options select: the shard's sites, then those
    /// changed since the revision. `root` is the repository of `project` (the head).
    pub fn select(
        &self,
        project: &Project,
        root: &Path,
        names: Vec<String>,
    ) -> Result<Vec<String>, Vec<Diagnostic>> {
        let mut names: Vec<String> = match self.shard {
            Some(s) => names.into_iter().filter(|n| s.contains(n)).collect(),
            None => names,
        };
        if let Some(rev) = &self.changed_since {
            let checkout = crate::diff::git::checkout(root, rev).map_err(|d| vec![d])?;
            let base = Project::open(&checkout.root).map_err(|d| vec![d])?;
            let set: BTreeSet<String> = names.iter().cloned().collect();
            let changed = changed(&base, project, &set);
            names.retain(|n| changed.contains(n));
        }
        Ok(names)
    }

    /// Whether the site folder `name` of the output folder is stale in a build of every site
    /// of `project` with these options: its site no longer exists, and it is in this run's
    /// shard (each shard removes its own stale folders, so that merged shards equal one build).
    pub fn is_stale(&self, project: &Project, name: &str) -> bool {
        !project.inputs.sites.contains_key(name) && self.shard.is_none_or(|s| s.contains(name))
    }

    /// A progress bar for `len` sites, on a terminal and without `--quiet` only.
    pub fn progress(&self, len: usize, verb: &str) -> Option<indicatif::ProgressBar> {
        use std::io::IsTerminal;
        if self.quiet || len < 2 || !std::io::stderr().is_terminal() {
            return None;
        }
        let pb = indicatif::ProgressBar::new(len as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{spinner}} {verb} sites {{pos}}/{{len}} {{wide_bar}} {{eta}} {{msg}}"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(pb)
    }
}

/// The digest of the repository-wide inputs every site's output depends on: the Strata
/// version and every file under `schemas/` (the site-values schema, CRD schemas).
pub fn repository_digest(project: &Project) -> String {
    let dir = project.repo.abs("schemas");
    let mut parts: Vec<(String, String)> = vec![(
        "strataVersion".into(),
        crate::gitops::meta::VERSION.to_string(),
    )];
    for e in walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
    {
        let rel = e.path().strip_prefix(&dir).unwrap_or(e.path());
        // Bytes, hashed (a schema may be gzipped): its digest stands for its content. XXH3
        // (128 bits), not SHA-256: the folder holds megabytes of CRD schemas, which SHA-256
        // without the CPU's SHA extensions hashes at a cost of several per cent of a build,
        // and this digest is a cache key (of `diff`, `lint`), not an address users see.
        let content = std::fs::read(e.path())
            .map(|b| format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&b)))
            .unwrap_or_else(|err| format!("unreadable: {err}"));
        parts.push((rel.to_string_lossy().into_owned(), content));
    }
    crate::gitops::meta::digest(parts.iter().map(|(a, b)| (a.as_str(), b.as_str())))
}

/// A site's fingerprint ([`Project::site_fingerprint`]), or `None` when the site does not
/// resolve (it has to be compiled to report why).
pub fn fingerprint(project: &Project, name: &str) -> Option<String> {
    let (site, diags) = crate::check::resolve_site(name, &project.inputs, &project.checked).ok()?;
    if diag::has_errors(&diags) {
        return None;
    }
    Some(project.site_fingerprint(&site))
}

/// The fingerprints of `names` in `project` (sites it lacks are left out).
pub fn fingerprints(project: &Project, names: &BTreeSet<String>) -> BTreeMap<String, String> {
    let list: Vec<&String> = names
        .iter()
        .filter(|n| project.inputs.sites.contains_key(*n))
        .collect();
    list.par_iter()
        .filter_map(|n| fingerprint(project, n).map(|f| ((*n).clone(), f)))
        .collect()
}

/// Which of `names` may render differently in `head` than in `base`: those whose
/// fingerprints differ, or that either revision lacks or cannot resolve. The others render
/// byte for byte the same in both and need not be compiled.
pub fn changed(base: &Project, head: &Project, names: &BTreeSet<String>) -> BTreeSet<String> {
    let (b, h) = rayon::join(|| fingerprints(base, names), || fingerprints(head, names));
    names
        .iter()
        .filter(|n| match (b.get(*n), h.get(*n)) {
            (Some(x), Some(y)) => x != y,
            // Present in neither: nothing to compare (and nothing to compile).
            _ => base.inputs.sites.contains_key(*n) || head.inputs.sites.contains_key(*n),
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_stably() {
        assert_eq!("2/5".parse::<Shard>(), Ok(Shard { index: 2, count: 5 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad} accepted");
        }
        let names: Vec<String> = (0..200).map(|i| format!("site-{i}")).collect();
        for n in [1u64, 3, 7] {
            // Every site in exactly one shard.
            for name in &names {
                let holders = (1..=n)
                    .filter(|i| {
                        Shard {
                            index: *i,
                            count: n,
                        }
                        .contains(name)
                    })
                    .count();
                assert_eq!(holders, 1);
            }
        }
        // Pinned (computed independently with Python's hashlib) so that a change of the rule,
        // which would move every CI job's sites, is noticed.
        assert_eq!(shard_of("prod-brno", 7), 1);
        assert_eq!(shard_of("prod-ostrava", 7), 3);
        assert_eq!(shard_of("prod-ostrava", 3), 1);
        assert_eq!(shard_of("edge-north1", 3), 2);
        let spread: BTreeSet<u64> = names.iter().map(|n| shard_of(n, 7)).collect();
        assert_eq!(spread.len(), 7);
    }
}
