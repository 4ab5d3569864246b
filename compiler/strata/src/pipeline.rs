//! The pipeline of `book/src/design/pipeline.md`, stage by stage:
//!
//! ```text
//! load ─▶ validate inputs ─▶ resolve graph ─▶ render templates ─▶ apply overlays ─▶ validate outputs ─▶ emit
//! ```
//!
//! [`Project::open`] runs the repository-wide stages (load, document checks) once; each site
//! then goes through the per-site stages independently (in parallel), so one broken site
//! does not hide the errors of another.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::check::{self, Checked};
use crate::diag::{self, Diagnostic};
use crate::emit::{self, Final, Placed, SiteOutput};
use crate::gitops;
use crate::graph::ServiceGraph;
use crate::load::{self, Inputs};
use crate::model::Site;
use crate::overlay;
use crate::render::{self, Object};
use crate::repo::Repo;
use crate::validate::{self, Validators};

/// A repository after the repository-wide stages.
pub struct Project {
    /// The repository.
    pub repo: Repo,
    /// Everything read.
    pub inputs: Inputs,
    /// Document checks and the catalog.
    pub checked: Checked,
    /// Diagnostics of the repository-wide stages.
    pub diagnostics: Vec<Diagnostic>,
    /// Output validators, shared by every site.
    pub validators: Validators,
    /// [`crate::fleet::repository_digest`], computed once (it reads every schema file).
    repository_digest: std::sync::OnceLock<String>,
}

/// A site taken through the pipeline as far as it got.
#[derive(Default)]
pub struct SiteResult {
    /// The resolved site.
    pub site: Option<Site>,
    /// Its graph.
    pub graph: Option<ServiceGraph>,
    /// Its final objects with their unit folder and provenance.
    pub objects: Vec<Final>,
    /// Its files.
    pub output: Option<SiteOutput>,
    /// What went wrong (or is worth a warning).
    pub diagnostics: Vec<Diagnostic>,
    /// Its lint findings (a build records them in its output), or why they could not be
    /// made (a check code that does not exist).
    pub lint: Option<Result<Vec<crate::lint::Finding>, Vec<Diagnostic>>>,
}

impl Project {
    /// Loads and checks the repository at `root`; custom resources validate against the
    /// repository's `schemas/crds/` (and the bundled GitOps schemas).
    pub fn open(root: &Path) -> Result<Project, Diagnostic> {
        Project::open_with(root, &[])
    }

    /// [`Project::open`], with more custom resource schema folders (`--schema-dir`), read
    /// after the repository's own.
    pub fn open_with(root: &Path, schema_dirs: &[PathBuf]) -> Result<Project, Diagnostic> {
        let repo = Repo::open(root)?;
        let (inputs, mut diagnostics) = load::load(&repo);
        let (checked, more) = check::check_documents(&inputs);
        diagnostics.extend(more);
        let mut dirs = Vec::new();
        if repo.abs("schemas/crds").is_dir() {
            dirs.push(repo.abs("schemas/crds"));
        }
        dirs.extend(schema_dirs.iter().cloned());
        Ok(Project {
            repo,
            inputs,
            checked,
            diagnostics,
            validators: Validators::new(dirs),
            repository_digest: std::sync::OnceLock::new(),
        })
    }

    /// The sites to work on: the requested ones (which must exist), or every site.
    pub fn select_sites(&self, requested: &[String]) -> Result<Vec<String>, Vec<Diagnostic>> {
        if requested.is_empty() {
            return Ok(self.inputs.sites.keys().cloned().collect());
        }
        let mut diags = Vec::new();
        for name in requested {
            if let Some(why) = self.inputs.site_errors.get(name) {
                // The site exists; its site.yaml does not parse: that is the error to show.
                diags.extend(why.iter().cloned());
            } else if !self.inputs.sites.contains_key(name) {
                diags.push(crate::check::no_such_site(name, &self.inputs));
            }
        }
        diag::sort_and_dedup(&mut diags);
        if diags.is_empty() {
            let set: BTreeSet<String> = requested.iter().cloned().collect();
            Ok(set.into_iter().collect())
        } else {
            Err(diags)
        }
    }

    /// Stages 2 and 3 for one site: resolve it and build its graph.
    pub fn resolve(&self, name: &str) -> SiteResult {
        let mut r = SiteResult::default();
        let site = match check::resolve_site(name, &self.inputs, &self.checked) {
            Ok((s, found)) => {
                r.diagnostics = found;
                s
            }
            Err(d) => {
                r.diagnostics = d;
                return r;
            }
        };
        match ServiceGraph::build(&site, &self.checked.catalog) {
            Ok(g) => r.graph = Some(g),
            Err(d) => r.diagnostics.extend(d),
        }
        r.site = Some(site);
        r
    }

    /// Every stage for one site, up to its files in memory.
    pub fn compile_site(&self, name: &str) -> SiteResult {
        let (mut r, finals) = self.up_to_final_objects(name);
        let (Some(mut finals), Some(site), Some(graph)) = (finals, &r.site, &r.graph) else {
            return r;
        };
        r.diagnostics
            .extend(crate::conflict::check(self, site, &finals));
        // The lint findings, on the objects `strata lint` sees (before the GitOps stage adds
        // and changes objects): recorded in the output, so that `strata lint` after a build
        // need not compile the site again.
        let linted = crate::lint::site_findings(self, site, graph, &finals);
        // Helm hooks first: `prepare` gives every Job a default that must not shadow a hook.
        let hooks = gitops::hooks::map(site.spec.gitops.engine, &mut finals);
        gitops::prepare(site, &mut finals);
        let invalid = validate::check(&self.validators, site, &finals);
        if diag::has_errors(&invalid) {
            // The objects are kept (not written): `strata explain` traces an invalid value.
            r.diagnostics.extend(invalid);
            r.objects = finals;
            return r;
        }
        let mut folders: BTreeSet<String> = graph.waves.keys().cloned().collect();
        folders.insert(gitops::CLUSTER_UNIT.to_string());
        folders.extend(gitops::hooks::pre_folders(&hooks));
        let placed: Vec<Placed<'_>> = finals
            .iter()
            .map(|f| Placed {
                value: &f.value,
                folder: &f.folder,
            })
            .collect();
        let raw = crate::secrets::sops::sops_files(site, &self.checked.catalog, graph);
        match emit::layout(&site.name, &placed, &raw, &folders) {
            Ok(mut o) => {
                let sops_folders: BTreeSet<String> = raw.iter().map(|r| r.folder.clone()).collect();
                let mut units = gitops::units(site, graph, &self.checked.catalog, &sops_folders);
                gitops::hooks::add_pre_units(&mut units, &hooks);
                o.files.extend(gitops::files(site, &units));
                let site_digest = self.input_digest(site);
                o.files.extend(gitops::meta::files(
                    site,
                    &self.checked.catalog,
                    &site_digest,
                    &self.inputs.overlay_digests,
                    &units,
                ));
                gitops::hooks::annotate_meta(&mut o.files, &hooks);
                crate::secrets::promote::annotate_meta(&mut o.files, &finals);
                if let Ok(found) = &linted {
                    let key = crate::lint::record::fingerprint(self, site);
                    o.files.insert(
                        crate::lint::record::PATH.into(),
                        crate::lint::record::write(&site.name, &key, found),
                    );
                }
                r.output = Some(o);
            }
            Err(d) => r.diagnostics.extend(d),
        }
        r.objects = finals;
        r.lint = Some(linted);
        r
    }

    /// What `_meta` digests beside the catalog: the layer documents a site merges, and its
    /// own folder's digest when it has a kustomization.
    fn meta_inputs(&self, site: &Site) -> (Vec<&crate::diag::Source>, Option<(String, String)>) {
        let layers = site
            .spec
            .layers
            .iter()
            .filter_map(|l| self.inputs.layers.get(l))
            .map(|d| &d.source)
            .collect();
        let site_folder = self
            .inputs
            .site_kustomizations
            .get(&site.name)
            .map(|digest| (format!("sites/{}", site.name), digest.clone()));
        (layers, site_folder)
    }

    /// A resolved site's input digest, as `_meta/site.json` records it
    /// ([`gitops::meta::site_input_parts`], SHA-256).
    pub fn input_digest(&self, site: &Site) -> String {
        self.hash_inputs(site, &[], |parts| gitops::meta::digest(parts))
    }

    /// `hash` of the site's input parts ([`gitops::meta::site_input_parts`]), then `extra`.
    fn hash_inputs(
        &self,
        site: &Site,
        extra: &[(&str, &str)],
        hash: impl FnOnce(Vec<(&str, &str)>) -> String,
    ) -> String {
        let (layers, site_folder) = self.meta_inputs(site);
        let overlays = gitops::meta::overlay_parts(site, &self.inputs.overlay_digests);
        let mut parts = gitops::meta::site_input_parts(
            site,
            &self.checked.catalog,
            &layers,
            &overlays,
            site_folder.as_ref(),
        );
        parts.extend_from_slice(extra);
        hash(parts)
    }

    /// The digest of the repository-wide inputs ([`crate::fleet::repository_digest`]).
    pub fn repository_digest(&self) -> &str {
        self.repository_digest
            .get_or_init(|| crate::fleet::repository_digest(self))
    }

    /// A resolved site's fingerprint: its input digest and the repository's. Two builds of
    /// sites with the same fingerprint write the same bytes (incremental `diff` and the lint
    /// record rely on it).
    pub fn site_fingerprint(&self, site: &Site) -> String {
        let site_digest = self.input_digest(site);
        gitops::meta::digest([
            ("repository", self.repository_digest()),
            ("site", site_digest.as_str()),
        ])
    }

    /// A cache key of what a site's output is made from, as [`Project::site_fingerprint`]
    /// covers it, and `extra`: a fast digest ([`gitops::meta::fast_digest`]), for records
    /// that only Strata reads back.
    pub fn site_cache_key(&self, site: &Site, extra: &[(&str, &str)]) -> String {
        let mut more = vec![("repository", self.repository_digest())];
        more.extend_from_slice(extra);
        self.hash_inputs(site, &more, |parts| gitops::meta::fast_digest(parts))
    }

    /// The stages up to the final objects (render, overlays, leak check), without output
    /// validation, the GitOps stage or the file layout: what `strata lint` needs, at a
    /// fraction of a build's cost.
    pub fn final_objects(&self, name: &str) -> SiteResult {
        let (mut r, finals) = self.up_to_final_objects(name);
        if let Some(f) = finals {
            r.objects = f;
        }
        r
    }

    /// Resolve, render, overlays and the leak check for one site (the stages `build` and
    /// `lint` share): the final objects, or `None` when a stage failed (its diagnostics are
    /// in the result).
    fn up_to_final_objects(&self, name: &str) -> (SiteResult, Option<Vec<Final>>) {
        let mut r = self.resolve(name);
        let (Some(site), Some(graph)) = (&r.site, &r.graph) else {
            return (r, None);
        };
        if diag::has_errors(&r.diagnostics) {
            return (r, None);
        }
        // Charts see the APIs the site's objects are validated against (`.Capabilities`); a
        // site whose validator cannot be made gets that error from the validation stage.
        let validator = self.validators.for_site(site).ok();
        let api_versions = validator.as_deref().map_or(&[][..], |v| v.api_versions());
        let (objects, diags) =
            render::render_site(site, &self.checked.catalog, graph, api_versions);
        let failed = diag::has_errors(&diags);
        r.diagnostics.extend(diags);
        if failed {
            return (r, None);
        }
        match self.finish_objects(site, objects) {
            Ok(f) => (r, Some(f)),
            Err(d) => {
                r.diagnostics.extend(d);
                (r, None)
            }
        }
    }

    /// Stage 5 and the leak check: overlays, then no secret material in the final objects.
    /// (Output validation runs after the GitOps stage has added its objects.)
    fn finish_objects(
        &self,
        site: &Site,
        objects: Vec<Object>,
    ) -> Result<Vec<Final>, Vec<Diagnostic>> {
        let has_kustomization = self.inputs.site_kustomizations.contains_key(&site.name);
        let finals = overlay::apply(&self.repo, site, has_kustomization, objects)?;
        let plain: crate::secrets::leak::PlainSecrets = site
            .spec
            .services
            .keys()
            .filter_map(|name| self.checked.catalog.services.get(name))
            .filter_map(|svc| {
                let names = svc.spec.chart.as_ref()?.plain_secrets.iter();
                Some((svc.name.clone(), names.map(|p| p.name.clone()).collect()))
            })
            .collect();
        let diags = crate::secrets::leak::check(&finals, &plain);
        if !diags.is_empty() {
            return Err(diags);
        }
        Ok(finals)
    }

    /// Compiles the named sites in parallel; diagnostics of the repository-wide stages come
    /// first, then each site's, in a stable order.
    pub fn compile(&self, names: &[String]) -> (Vec<SiteOutput>, Vec<Diagnostic>) {
        self.compile_with_progress(names, &|_| {})
    }

    /// [`Project::compile`], calling `done` with each site's name as it finishes (for a
    /// progress bar; the results do not depend on the order of the calls).
    pub fn compile_with_progress(
        &self,
        names: &[String],
        done: &(dyn Fn(&str) + Sync),
    ) -> (Vec<SiteOutput>, Vec<Diagnostic>) {
        let (outputs, diags, _) = self.compile_linted(names, false, done);
        (outputs, diags)
    }

    /// [`Project::compile_with_progress`], and with `lint` the checks of `strata lint` on
    /// each compiled site's final objects (`build --lint`, `validate --lint`): the objects are
    /// already in memory, so the checks cost a fraction of what a separate `strata lint`
    /// (which renders every site again) costs. A site with compile errors is not linted; a
    /// lint policy naming an unknown check is an error diagnostic.
    pub fn compile_linted(
        &self,
        names: &[String],
        lint: bool,
        done: &(dyn Fn(&str) + Sync),
    ) -> (Vec<SiteOutput>, Vec<Diagnostic>, Vec<crate::lint::Finding>) {
        let results: Vec<(SiteResult, Vec<crate::lint::Finding>)> = names
            .par_iter()
            .map(|n| {
                let compiled = self.compile_one(n, lint);
                done(n);
                compiled
            })
            .collect();
        let mut diags = self.diagnostics.clone();
        let mut outputs = Vec::new();
        let mut findings = Vec::new();
        for (r, f) in results {
            diags.extend(r.diagnostics);
            findings.extend(f);
            if let Some(o) = r.output {
                outputs.push(o);
            }
        }
        diag::sort_and_dedup(&mut diags);
        (outputs, diags, findings)
    }

    /// One site compiled, and with `lint` its final objects checked.
    fn compile_one(&self, name: &str, lint: bool) -> (SiteResult, Vec<crate::lint::Finding>) {
        let mut r = self.compile_site(name);
        let findings = match r.lint.take() {
            Some(Ok(f)) if lint && r.output.is_some() => f,
            Some(Err(d)) if lint && r.output.is_some() => {
                r.diagnostics.extend(d);
                Vec::new()
            }
            _ => Vec::new(),
        };
        (r, findings)
    }

    /// [`Project::compile_linted`] in constant memory: each site's files go to `sink` as soon
    /// as the site compiled (from the worker thread that compiled it, so sinks that write run
    /// in parallel) and are dropped; what is kept of a site is its name, file count,
    /// diagnostics and findings. Peak memory thus depends on the largest sites (one per
    /// worker), not on how many there are. Once a site has failed, later sites are still
    /// compiled (for their diagnostics) but no longer handed to `sink`: the run fails anyway.
    /// A `sink` error is a diagnostic of the run.
    pub fn compile_streaming(
        &self,
        names: &[String],
        lint: bool,
        sink: &(dyn Fn(&SiteOutput) -> Result<(), Diagnostic> + Sync),
        done: &(dyn Fn(&str) + Sync),
    ) -> Streamed {
        let failed = std::sync::atomic::AtomicBool::new(false);
        let results: Vec<StreamedSite> = names
            .par_iter()
            .map(|n| {
                let (mut r, findings) = self.compile_one(n, lint);
                if diag::has_errors(&r.diagnostics) {
                    failed.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                let kept = r.output.take().map(|o| {
                    if !failed.load(std::sync::atomic::Ordering::Relaxed) {
                        if let Err(d) = sink(&o) {
                            failed.store(true, std::sync::atomic::Ordering::Relaxed);
                            r.diagnostics.push(d);
                        }
                    }
                    SiteSummary {
                        helm_hooks_left_out: crate::gitops::hooks::left_out(&o.files),
                        files: o.files.len(),
                        site: o.site,
                    }
                });
                done(n);
                (kept, r.diagnostics, findings)
            })
            .collect();
        let mut out = Streamed {
            diagnostics: self.diagnostics.clone(),
            ..Streamed::default()
        };
        for (kept, d, f) in results {
            out.sites.extend(kept);
            out.diagnostics.extend(d);
            out.findings.extend(f);
        }
        diag::sort_and_dedup(&mut out.diagnostics);
        out
    }
}

/// What a streamed build keeps of one compiled site.
#[derive(Clone, Debug)]
pub struct SiteSummary {
    /// The site.
    pub site: String,
    /// How many files its output has.
    pub files: usize,
    /// How many Helm hooks its GitOps engine has no equivalent for (listed in `_meta`).
    pub helm_hooks_left_out: usize,
}

/// What [`Project::compile_streaming`] keeps of one site: its summary (when it compiled), its
/// diagnostics and its lint findings.
type StreamedSite = (
    Option<SiteSummary>,
    Vec<Diagnostic>,
    Vec<crate::lint::Finding>,
);

/// What [`Project::compile_streaming`] keeps of a run.
#[derive(Default)]
pub struct Streamed {
    /// Each compiled site's summary, in the order of the names given.
    pub sites: Vec<SiteSummary>,
    /// The repository-wide stages' diagnostics, then each site's, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// The lint findings (with `lint`).
    pub findings: Vec<crate::lint::Finding>,
}
