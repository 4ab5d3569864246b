//! The command line (`book/src/design/contract.md`). Parsing, dispatch, printing and exit codes live here;
//! everything else is the library's.
//!
//! Exit codes: 0 success; 1 differences found (`build --check`, `diff`); 2 errors (bad
//! input, failed validation, usage).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod helm;

use crate::diag::{self, Diagnostic};
use crate::graph::format;
use crate::pipeline::Project;

/// Strata: compile site definitions into rendered Kubernetes manifests.
#[derive(Parser, Debug)]
#[command(name = "strata", version, about, long_about = None)]
pub struct Cli {
    /// The site repository (default: the current folder).
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// When to colour diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Colour choice.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Color {
    /// Only on a terminal (and not with NO_COLOR).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Output format of build and validate reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people.
    Text,
    /// For machines.
    Json,
}

/// Output format of `strata graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Waves and edges as text.
    Text,
    /// Graphviz.
    Dot,
    /// Mermaid (GitLab/GitHub markdown).
    Mermaid,
    /// JSON: nodes, edges, waves.
    Json,
}

/// Output format of `strata diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Unified diffs, coloured on a terminal.
    Text,
    /// A merge-request comment.
    Markdown,
    /// For machines (shape in the book).
    Json,
}

/// kustomize's `--load-restrictor` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LoadRestrictor {
    /// Files must resolve inside the kustomization's own folder (kustomize's default).
    #[value(name = "LoadRestrictionsRootOnly", alias = "root-only")]
    RootOnly,
    /// Files may be anywhere in the repository.
    #[value(name = "LoadRestrictionsNone", alias = "none")]
    None,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Render sites into the output folder.
    Build {
        /// Sites to build (default: every site).
        sites: Vec<String>,
        /// Output folder.
        #[arg(long, value_name = "DIR", default_value = "rendered")]
        out: PathBuf,
        /// Do not write; exit 1 if the output folder differs from what a build would write.
        #[arg(long)]
        check: bool,
        /// Worker threads (default: one per core).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Report format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// More custom resource schemas (CRD YAML, or <group>/<kind>_<version>.json), after schemas/crds/.
        #[arg(long = "schema-dir", value_name = "DIR")]
        schema_dirs: Vec<PathBuf>,
        /// Treat warnings as errors (exit 2), e.g. in CI.
        #[arg(long)]
        deny_warnings: bool,
        /// Also run the checks of `strata lint` on the compiled objects; an error finding fails the run (exit 2, nothing written).
        #[arg(long)]
        lint: bool,
        /// Sharding, changed sites only, progress.
        #[command(flatten)]
        fleet: crate::fleet::FleetArgs,
    },
    /// Run every check without writing anything.
    Validate {
        /// Sites to validate (default: every site).
        sites: Vec<String>,
        /// Report format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// More custom resource schemas (CRD YAML, or <group>/<kind>_<version>.json), after schemas/crds/.
        #[arg(long = "schema-dir", value_name = "DIR")]
        schema_dirs: Vec<PathBuf>,
        /// Treat warnings as errors (exit 2), e.g. in CI.
        #[arg(long)]
        deny_warnings: bool,
        /// Also run the checks of `strata lint` on the compiled objects; an error finding fails the run (exit 2, nothing written).
        #[arg(long)]
        lint: bool,
        /// Sharding, changed sites only, progress.
        #[command(flatten)]
        fleet: crate::fleet::FleetArgs,
    },
    /// Show what a change does to the rendered output of every site.
    Diff {
        /// The base revision (a commit, branch or tag).
        #[arg(long, value_name = "REV")]
        base: String,
        /// The head revision (default: the working tree).
        #[arg(long, value_name = "REV")]
        head: Option<String>,
        /// Sites to compare (default: every site of either revision).
        sites: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Text and markdown: keep the report within this many bytes, the note included (the riskiest diffs come first; JSON is never cut).
        #[arg(long, value_name = "N")]
        max_bytes: Option<usize>,
        /// Also write the full, untruncated report to FILE.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Show a change as a rollout: per site, wave by wave, what restarts, re-runs, is recreated.
    Plan {
        /// The base revision (a commit, branch or tag).
        #[arg(long, value_name = "REV")]
        base: String,
        /// The head revision (default: the working tree).
        #[arg(long, value_name = "REV")]
        head: Option<String>,
        /// Sites to plan (default: every site of either revision).
        sites: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Text and markdown: keep the plan within this many bytes, the note included (JSON is never cut).
        #[arg(long, value_name = "N")]
        max_bytes: Option<usize>,
    },
    /// Show what makes each site differ from its layers: overrides, dead overrides, values to move up.
    Drift {
        /// Sites to compare (default: every site).
        sites: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Exit 1 when a site has a dead override (a value equal to what its layers give).
        #[arg(long)]
        check: bool,
    },
    /// Show which input set a rendered value, and what it overrode.
    Explain {
        /// The site.
        site: String,
        /// The object, as KIND/NAME (e.g. Deployment/keystone-api).
        object: String,
        /// The field, e.g. spec.replicas or spec.template.spec.containers[0].image.
        field: String,
        /// For INI text (e.g. data.keystone.conf): explain one option, as SECTION.OPTION.
        #[arg(long, value_name = "SECTION.OPTION")]
        key: Option<String>,
    },
    /// List the Secrets a site's services read, and which its backend does not provide yet.
    Secrets {
        /// The site.
        site: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Render Helm charts in-process (`strata helm template CHART_DIR`).
    Helm {
        /// The Helm command.
        #[command(subcommand)]
        command: helm::HelmCommand,
    },
    /// Build a kustomization folder and print what `kubectl kustomize DIR` prints.
    Kustomize {
        /// The kustomization folder (relative to the current folder, as for kubectl).
        dir: PathBuf,
        /// kustomize's load restrictor: whether files must be inside each kustomization's folder.
        #[arg(long, value_enum, default_value_t = LoadRestrictor::RootOnly)]
        load_restrictor: LoadRestrictor,
    },
    /// Check sites for availability and policy faults; exit 1 when a finding is an error.
    Lint {
        /// Sites to lint (default: every site).
        sites: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = crate::lint::LintFormat::Text)]
        format: crate::lint::LintFormat,
        /// The output folder of a build: a site built from the same inputs is not compiled
        /// again, its findings are read from its `_meta/site.lint.json`.
        #[arg(long, value_name = "DIR", default_value = "rendered")]
        out: PathBuf,
        /// Compile every site, whatever the output folder holds.
        #[arg(long)]
        fresh: bool,
    },
    /// Show a site's service graph and rollout waves.
    Graph {
        /// The site.
        site: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
    },
}

struct Printer {
    color: bool,
}

impl Printer {
    fn diagnostics(&self, diags: &[Diagnostic], format: ReportFormat) {
        let mut err = std::io::stderr().lock();
        match format {
            ReportFormat::Json => {
                let _ = writeln!(err, "{}", diag::render_json(diags));
            }
            ReportFormat::Text => {
                let _ = write!(err, "{}", diag::render_text(diags, self.color));
                let errors = diags.iter().filter(|d| d.is_error()).count();
                let warnings = diags.len() - errors;
                if errors > 0 {
                    let _ = writeln!(
                        err,
                        "{errors} error{}{}",
                        plural(errors),
                        if warnings > 0 {
                            format!(", {warnings} warning{}", plural(warnings))
                        } else {
                            String::new()
                        }
                    );
                }
            }
        }
    }
}

/// Writes `text` to stdout. A reader that went away (`strata graph SITE | head`) is not an
/// error: the rest of the output is dropped quietly and the command ends with the status it
/// would have had anyway, as `head` only wanted the beginning. Printing with `print!` would
/// panic there instead (exit 101). Any other write error (a full disk behind `>`) is reported,
/// and `Err` holds the exit code 2.
fn print_out(text: &str) -> Result<(), u8> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            note(&format!("error: cannot write to stdout: {e}"));
            Err(2)
        }
    }
}

/// Writes a line to stderr, ignoring errors: a closed stderr must not turn a finished command
/// into a crash (`eprintln!` would panic).
fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Runs the command line; the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    ExitCode::from(run(&cli))
}

/// Runs a parsed command line; the exit code.
pub fn run(cli: &Cli) -> u8 {
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let printer = Printer { color };
    match &cli.command {
        Command::Build {
            sites,
            out,
            check,
            jobs,
            format,
            schema_dirs,
            deny_warnings,
            lint: with_lint,
            fleet,
        } => {
            if let Some(n) = jobs {
                let _ = rayon::ThreadPoolBuilder::new()
                    .num_threads((*n).max(1))
                    .build_global();
            }
            let opts = (*check, *deny_warnings, *with_lint);
            let code = build(cli, &printer, sites, out, opts, *format, schema_dirs, fleet);
            // STRATA_STATS=1: what the chart templates cost (the fleet bench checks that each
            // template text is parsed once however many sites render the chart).
            if std::env::var_os("STRATA_STATS").is_some_and(|v| v == "1") {
                let (parsed, reused) = strata_gotmpl::parse_counts();
                eprintln!("strata stats: templates parsed {parsed}, reused {reused}");
            }
            code
        }
        Command::Validate {
            sites,
            format,
            schema_dirs,
            deny_warnings,
            lint: with_lint,
            fleet,
        } => validate(
            cli,
            &printer,
            sites,
            *format,
            schema_dirs,
            (*deny_warnings, *with_lint),
            fleet,
        ),
        Command::Graph { site, format } => graph(cli, &printer, site, *format),
        Command::Lint {
            sites,
            format,
            out,
            fresh,
        } => lint(
            cli,
            &printer,
            sites,
            *format,
            (!*fresh).then_some(out.as_path()),
        ),
        Command::Kustomize {
            dir,
            load_restrictor,
        } => kustomize(cli, &printer, dir, *load_restrictor),
        Command::Helm { command } => helm::run(cli, &printer, command),
        Command::Secrets { site, format } => secrets(cli, &printer, site, *format),
        Command::Explain {
            site,
            object,
            field,
            key,
        } => {
            let Some(project) = open(cli, &printer, ReportFormat::Text) else {
                return 2;
            };
            match crate::explain::explain(&project, site, object, field, key.as_deref()) {
                Ok(text) => match print_out(&text) {
                    Ok(()) => 0,
                    Err(code) => code,
                },
                Err(d) => {
                    printer.diagnostics(&d, ReportFormat::Text);
                    2
                }
            }
        }
        Command::Plan {
            base,
            head,
            sites,
            format,
            max_bytes,
        } => plan(
            &printer,
            &cli.root,
            base,
            head.as_deref(),
            sites,
            *format,
            *max_bytes,
        ),
        Command::Drift {
            sites,
            format,
            check,
        } => drift(cli, &printer, sites, *format, *check),
        Command::Diff {
            base,
            head,
            sites,
            format,
            max_bytes,
            output,
        } => diff(
            cli,
            &printer,
            base,
            head.as_deref(),
            sites,
            *format,
            *max_bytes,
            output.as_deref(),
        ),
    }
}

/// `strata kustomize DIR`. When DIR is inside the repository (`--root`), nothing outside the
/// repository is read; a DIR outside it is the user's explicit choice, and kustomize's load
/// restrictor alone applies (as with kubectl).
fn kustomize(cli: &Cli, printer: &Printer, dir: &Path, restrictor: LoadRestrictor) -> u8 {
    let repo = crate::repo::Repo::open(&cli.root).ok();
    let inside = repo.as_ref().is_some_and(|r| r.rel(dir).is_some());
    let opts = strata_kustomize::Options {
        boundary: repo
            .as_ref()
            .filter(|_| inside)
            .map(|r| r.root().to_path_buf()),
        load_restrictor: match restrictor {
            LoadRestrictor::RootOnly => strata_kustomize::LoadRestrictor::RootOnly,
            LoadRestrictor::None => strata_kustomize::LoadRestrictor::None,
        },
    };
    match strata_kustomize::build_dir(dir, &opts) {
        Ok(docs) => {
            use rayon::prelude::*;
            // Documents are emitted in parallel, then joined as one stream.
            let parts: Vec<String> = docs
                .par_iter()
                .map(|d| strata_yaml::emit(d, strata_yaml::KeyOrder::Sorted))
                .collect();
            if let Err(code) = print_out(&parts.join("---\n")) {
                return code;
            }
            // The process ends right after this: freeing thousands of small values one by one
            // is measurable on big trees (`make bench`) and buys nothing.
            std::mem::forget(docs);
            std::mem::forget(parts);
            0
        }
        Err(e) => {
            let d = crate::overlay::kustomize_diagnostic(
                repo.as_ref(),
                &e,
                format!("cannot build `{}`", dir.display()),
            );
            printer.diagnostics(&[d], ReportFormat::Text);
            2
        }
    }
}

fn open(cli: &Cli, printer: &Printer, format: ReportFormat) -> Option<Project> {
    open_with(cli, printer, format, &[])
}

fn open_with(
    cli: &Cli,
    printer: &Printer,
    format: ReportFormat,
    schema_dirs: &[PathBuf],
) -> Option<Project> {
    // --schema-dir is relative to the current folder, as a user typing it expects.
    match Project::open_with(&cli.root, schema_dirs) {
        Ok(p) => Some(p),
        Err(d) => {
            printer.diagnostics(&[d], format);
            None
        }
    }
}

/// Opens the project and selects `sites` (every site when empty), reporting what went wrong
/// in `format`; `None` means exit code 2.
fn open_sites(
    cli: &Cli,
    printer: &Printer,
    format: ReportFormat,
    schema_dirs: &[PathBuf],
    sites: &[String],
) -> Option<(Project, Vec<String>)> {
    let project = open_with(cli, printer, format, schema_dirs)?;
    match project.select_sites(sites) {
        Ok(names) => Some((project, names)),
        Err(d) => {
            printer.diagnostics(&d, format);
            None
        }
    }
}

/// The output folder: relative paths are relative to the repository root.
fn out_dir(root: &Path, out: &Path) -> PathBuf {
    if out.is_absolute() {
        out.to_path_buf()
    } else {
        root.join(out)
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    cli: &Cli,
    printer: &Printer,
    sites: &[String],
    out: &Path,
    (check, deny_warnings, with_lint): (bool, bool, bool),
    format: ReportFormat,
    schema_dirs: &[PathBuf],
    fleet: &crate::fleet::FleetArgs,
) -> u8 {
    use crate::emit::{self, Staging};
    let Some((project, names)) = open_sites(cli, printer, format, schema_dirs, sites) else {
        return 2;
    };
    // Refused before compiling: a mistaken --out is reported at once.
    let out = out_dir(project.repo.root(), out);
    if let Err(d) = emit::check_out_dir(project.repo.root(), &out) {
        printer.diagnostics(&[d], format);
        return 2;
    }
    let names = match fleet.select(&project, &cli.root, names) {
        Ok(n) => n,
        Err(d) => {
            printer.diagnostics(&d, format);
            return 2;
        }
    };
    // Sites stream through: each is written to a staging folder (or, with --check, compared
    // with its folder) as soon as it compiled, and dropped; nothing under --out changes until
    // every site compiled and the staged sites are swapped in.
    let foreign = emit::refuse_foreign(&out, names.iter().map(String::as_str));
    let staging = if check || foreign.is_err() || names.is_empty() {
        None
    } else {
        match Staging::begin(&out) {
            Ok(s) => Some(s),
            Err(d) => {
                printer.diagnostics(&[d], format);
                return 2;
            }
        }
    };
    let differences = std::sync::Mutex::new(Vec::new());
    let sink = |o: &emit::SiteOutput| -> Result<(), Diagnostic> {
        match &staging {
            Some(s) => s.write_site(o),
            None if check => {
                let found = emit::check_site(&out, o);
                if let Ok(mut all) = differences.lock() {
                    all.extend(found);
                }
                Ok(())
            }
            None => Ok(()),
        }
    };
    let bar = fleet.progress(names.len(), "building");
    let run = project.compile_streaming(&names, with_lint, &sink, &|site| {
        if let Some(pb) = &bar {
            pb.set_message(site.to_string());
            pb.inc(1);
        }
    });
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    let diags = deny(run.diagnostics, deny_warnings);
    if diag::has_errors(&diags) {
        printer.diagnostics(&diags, format);
        return 2;
    }
    if with_lint && lint_findings(&names, run.findings, format, deny_warnings) {
        note("lint found errors: nothing written");
        return 2;
    }
    // Nothing to build is a mistake (the wrong --root, or a folder that is not a site
    // repository), and must never reach the output folder: a build of every site removes the
    // folders of sites that are gone, and with no site at all that would be every one. It is
    // checked after compiling, so that a site.yaml that does not load reports its own error.
    if project.inputs.sites.is_empty() {
        let d = Diagnostic::error(
            diag::Code::NotFound,
            "no sites found: `sites/` has no folder with a site.yaml",
        )
        .help("a site is a folder of sites/ with a site.yaml; run strata from a site repository, or name one with --root DIR");
        printer.diagnostics(&[d], format);
        return 2;
    }
    if let (Err(d), false) = (&foreign, check) {
        printer.diagnostics(std::slice::from_ref(d), format);
        return 2;
    }
    // In JSON, a successful build's warnings go into the summary on stdout instead.
    if !diags.is_empty() && (format == ReportFormat::Text || check) {
        printer.diagnostics(&diags, format);
    }
    if let Some(rev) = &fleet.changed_since {
        let all = project.inputs.sites.len();
        let others = all - names.len();
        note(&format!(
            "{} site{} changed since {rev}; {others} other{} not built",
            names.len(),
            plural(names.len()),
            plural(others)
        ));
    }
    // A build of every site (of its shard) removes Strata's folders of sites that are gone;
    // one of named sites leaves other sites' folders alone.
    let stale = if sites.is_empty() {
        emit::stale_sites(&out, &|name| fleet.is_stale(&project, name))
    } else {
        Vec::new()
    };
    let built: Vec<String> = run.sites.iter().map(|s| s.site.clone()).collect();
    if check {
        let mut diffs = differences.into_inner().unwrap_or_default();
        diffs.extend(emit::check_stale(&out, &stale));
        diffs.sort();
        if diffs.is_empty() {
            note(&format!(
                "{} is up to date ({} site{})",
                out.display(),
                built.len(),
                plural(built.len())
            ));
            return 0;
        }
        let mut text = String::new();
        for d in &diffs {
            text.push_str(&d.to_string());
            text.push('\n');
        }
        if let Err(code) = print_out(&text) {
            return code;
        }
        note(&format!(
            "{} differs from a fresh build in {} file{}; run `strata build` to update it",
            out.display(),
            diffs.len(),
            plural(diffs.len())
        ));
        return 1;
    }
    let staging = match staging {
        Some(s) => Some(s),
        None if !stale.is_empty() => match Staging::begin(&out) {
            Ok(s) => Some(s),
            Err(d) => {
                printer.diagnostics(&[d], format);
                return 2;
            }
        },
        None => None,
    };
    if let Some(s) = staging {
        if let Err(d) = s.commit(&built, &stale) {
            printer.diagnostics(&[d], format);
            return 2;
        }
    }
    let files: usize = run.sites.iter().map(|s| s.files).sum();
    let hooks: usize = run.sites.iter().map(|s| s.helm_hooks_left_out).sum();
    match format {
        ReportFormat::Text => {
            note(&format!(
                "built {} site{} ({files} files) into {}",
                built.len(),
                plural(built.len()),
                out.display()
            ));
            if hooks > 0 {
                note(&format!(
                    "left out {hooks} Helm hook{} with no equivalent in the sites' GitOps engines (tests, rollback hooks, delete hooks on Flux): see helmHooks in _meta/<service>.json",
                    plural(hooks)
                ));
            }
            0
        }
        ReportFormat::Json => {
            let summary = build_summary(project.repo.root(), &out, &run.sites, &diags);
            match print_out(&format!("{summary:#}\n")) {
                Ok(()) => 0,
                Err(code) => code,
            }
        }
    }
}

/// The JSON summary of a successful `build --format json` (shape in the book): the output
/// folder (relative to the repository root when inside it), each site with its file count,
/// the total, and the warnings, as `validate --format json` reports them.
fn build_summary(
    root: &Path,
    out: &Path,
    sites: &[crate::pipeline::SiteSummary],
    diags: &[Diagnostic],
) -> serde_json::Value {
    let resolved = crate::emit::resolve_path(out);
    let shown = resolved.strip_prefix(root).map_or_else(
        |_| resolved.display().to_string(),
        |rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        },
    );
    let diagnostics: serde_json::Value =
        serde_json::from_str(&diag::render_json(diags)).unwrap_or_else(|_| serde_json::json!([]));
    serde_json::json!({
        "out": shown,
        "sites": sites
            .iter()
            .map(|s| serde_json::json!({"site": s.site, "files": s.files}))
            .collect::<Vec<_>>(),
        "files": sites.iter().map(|s| s.files).sum::<usize>(),
        "helmHooksLeftOut": sites.iter().map(|s| s.helm_hooks_left_out).sum::<usize>(),
        "diagnostics": diagnostics,
    })
}

/// `strata drift`: exit 0, or 1 with `--check` when a dead override exists.
fn drift(cli: &Cli, printer: &Printer, sites: &[String], format: DiffFormat, check: bool) -> u8 {
    let Some(project) = open(cli, printer, ReportFormat::Text) else {
        return 2;
    };
    let names = match project.select_sites(sites) {
        Ok(n) => n,
        Err(d) => {
            printer.diagnostics(&d, ReportFormat::Text);
            return 2;
        }
    };
    let report = crate::drift::analyse(&project, &names);
    let text = match format {
        DiffFormat::Text => crate::drift::text(&report),
        DiffFormat::Markdown => crate::drift::markdown(&report),
        DiffFormat::Json => format!("{:#}\n", report.to_json()),
    };
    if let Err(code) = print_out(&text) {
        return code;
    }
    if check && report.has_dead() {
        note("dead overrides found (values equal to what the layers give): remove them");
        return 1;
    }
    0
}

/// `--deny-warnings`: every warning becomes an error.
fn deny(mut diags: Vec<Diagnostic>, deny_warnings: bool) -> Vec<Diagnostic> {
    if deny_warnings {
        for d in &mut diags {
            d.severity = diag::Severity::Error;
        }
    }
    diags
}

/// `build --lint` and `validate --lint`: prints the findings on stderr (lint's text report,
/// or its JSON with `--format json`, so that stdout keeps the command's own output) and
/// says whether they fail the run: an error finding does, and with `--deny-warnings` a
/// warning does too.
fn lint_findings(
    names: &[String],
    findings: Vec<crate::lint::Finding>,
    format: ReportFormat,
    deny_warnings: bool,
) -> bool {
    use crate::lint::{self, Severity};
    let report = lint::report(names, findings);
    let text = match format {
        ReportFormat::Text => lint::text(&report),
        ReportFormat::Json => lint::json(&report),
    };
    eprint!("{text}");
    report.count(Severity::Error) > 0 || (deny_warnings && report.count(Severity::Warning) > 0)
}

fn validate(
    cli: &Cli,
    printer: &Printer,
    sites: &[String],
    format: ReportFormat,
    schema_dirs: &[PathBuf],
    (deny_warnings, with_lint): (bool, bool),
    fleet: &crate::fleet::FleetArgs,
) -> u8 {
    let Some((project, names)) = open_sites(cli, printer, format, schema_dirs, sites) else {
        return 2;
    };
    let names = match fleet.select(&project, &cli.root, names) {
        Ok(n) => n,
        Err(d) => {
            printer.diagnostics(&d, format);
            return 2;
        }
    };
    let bar = fleet.progress(names.len(), "validating");
    // Each site's files are dropped as soon as it compiled: memory does not grow with the fleet.
    let run = project.compile_streaming(&names, with_lint, &|_| Ok(()), &|site| {
        if let Some(pb) = &bar {
            pb.set_message(site.to_string());
            pb.inc(1);
        }
    });
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    let (outputs, diags, findings) = (run.sites, run.diagnostics, run.findings);
    let diags = deny(diags, deny_warnings);
    printer.diagnostics(&diags, format);
    if diag::has_errors(&diags) {
        return 2;
    }
    if with_lint && lint_findings(&names, findings, format, deny_warnings) {
        return 2;
    }
    if format == ReportFormat::Text {
        note(&format!(
            "{} site{} valid",
            outputs.len(),
            plural(outputs.len())
        ));
    }
    0
}

fn graph(cli: &Cli, printer: &Printer, site: &str, format: GraphFormat) -> u8 {
    let Some(project) = open(cli, printer, ReportFormat::Text) else {
        return 2;
    };
    let names = match project.select_sites(&[site.to_string()]) {
        Ok(n) => n,
        Err(d) => {
            printer.diagnostics(&d, ReportFormat::Text);
            return 2;
        }
    };
    let mut diags = project.diagnostics.clone();
    let r = project.resolve(&names[0]);
    diags.extend(r.diagnostics);
    diag::sort_and_dedup(&mut diags);
    if diag::has_errors(&diags) {
        printer.diagnostics(&diags, ReportFormat::Text);
        return 2;
    }
    let Some(g) = r.graph else { return 2 };
    let text = match format {
        GraphFormat::Text => format::text(site, &g),
        GraphFormat::Dot => format::dot(site, &g),
        GraphFormat::Mermaid => format::mermaid(site, &g),
        GraphFormat::Json => format::json(site, &g),
    };
    match print_out(&text) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

/// `strata lint`: findings on stdout; exit 1 with an error finding, 2 on bad input. With
/// `built` (the output folder), sites built from the same inputs are not compiled again.
fn lint(
    cli: &Cli,
    printer: &Printer,
    sites: &[String],
    format: crate::lint::LintFormat,
    built: Option<&Path>,
) -> u8 {
    use crate::lint::{self, LintFormat, Severity};
    let Some(project) = open(cli, printer, ReportFormat::Text) else {
        return 2;
    };
    let names = match project.select_sites(sites) {
        Ok(n) => n,
        Err(d) => {
            printer.diagnostics(&d, ReportFormat::Text);
            return 2;
        }
    };
    let built = built.map(|out| out_dir(project.repo.root(), out));
    // An output folder a build would refuse is not read either.
    if let Some(Err(d)) = built
        .as_deref()
        .map(|out| crate::emit::check_out_dir(project.repo.root(), out))
    {
        printer.diagnostics(&[d], ReportFormat::Text);
        return 2;
    }
    let report = match lint::lint(&project, &names, built.as_deref()) {
        Ok(r) => r,
        Err(d) => {
            printer.diagnostics(&d, ReportFormat::Text);
            return 2;
        }
    };
    if !report.reused.is_empty() {
        note(&format!(
            "{} of {} site{} unchanged since built: findings read from their `{}`",
            report.reused.len(),
            names.len(),
            plural(names.len()),
            lint::record::PATH
        ));
    }
    let text = match format {
        LintFormat::Text => lint::text(&report),
        LintFormat::Json => lint::json(&report),
        LintFormat::Sarif => lint::sarif::sarif(&report),
    };
    if let Err(code) = print_out(&text) {
        return code;
    }
    u8::from(report.count(Severity::Error) > 0)
}

#[allow(clippy::too_many_arguments)]
fn diff(
    cli: &Cli,
    printer: &Printer,
    base: &str,
    head: Option<&str>,
    sites: &[String],
    format: DiffFormat,
    max_bytes: Option<usize>,
    output: Option<&Path>,
) -> u8 {
    use crate::diff;
    let fail = |d: Vec<Diagnostic>| {
        printer.diagnostics(&d, ReportFormat::Text);
        2
    };
    let (b, h) = match diff::snapshots(&cli.root, base, head, sites) {
        Ok(s) => s,
        Err(d) => return fail(d),
    };
    let report = diff::compare(&b, &h, base, head.unwrap_or("working tree"));
    let render = |limit: Option<usize>, full: Option<&str>| match format {
        DiffFormat::Text => diff::render::text(
            &report,
            limit.is_none()
                && full.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none(),
            limit,
            full,
        ),
        DiffFormat::Markdown => diff::render::markdown(&report, limit, full),
        DiffFormat::Json => diff::render::json(&report),
    };
    if let Some(file) = output {
        if let Err(e) = std::fs::write(file, render(None, Some(""))) {
            return fail(vec![Diagnostic::error(
                diag::Code::Io,
                format!("cannot write `{}`: {e}", file.display()),
            )]);
        }
    }
    let shown = output.map(|p| p.display().to_string());
    if let Err(code) = print_out(&render(max_bytes, shown.as_deref())) {
        return code;
    }
    u8::from(!report.is_empty())
}

/// `strata plan`: exit 0 when nothing changes, 1 when something does, 2 on errors.
fn plan(
    printer: &Printer,
    root: &Path,
    base: &str,
    head: Option<&str>,
    sites: &[String],
    format: DiffFormat,
    max_bytes: Option<usize>,
) -> u8 {
    let (b, h) = match crate::diff::snapshots(root, base, head, sites) {
        Ok(s) => s,
        Err(d) => {
            printer.diagnostics(&d, ReportFormat::Text);
            return 2;
        }
    };
    let plan = crate::plan::plan(&b, &h, base, head.unwrap_or("working tree"));
    let text = match format {
        DiffFormat::Text => crate::plan::render::text(&plan, max_bytes),
        DiffFormat::Markdown => crate::plan::render::markdown(&plan, max_bytes),
        DiffFormat::Json => crate::plan::render::json(&plan),
    };
    if let Err(code) = print_out(&text) {
        return code;
    }
    u8::from(!plan.is_empty())
}

fn secrets(cli: &Cli, printer: &Printer, site: &str, format: ReportFormat) -> u8 {
    let Some(project) = open(cli, printer, ReportFormat::Text) else {
        return 2;
    };
    // The same "did you mean" help as every other command that takes a site.
    if let Err(d) = project.select_sites(&[site.to_string()]) {
        printer.diagnostics(&d, ReportFormat::Text);
        return 2;
    }
    let (backend, needs) =
        match crate::secrets::secret_needs(site, &project.inputs, &project.checked) {
            Ok(n) => n,
            Err(d) => {
                printer.diagnostics(&d, ReportFormat::Text);
                return 2;
            }
        };
    let text = match format {
        ReportFormat::Json => {
            let v = serde_json::json!({"site": site, "backend": backend, "secrets": needs});
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        ReportFormat::Text => {
            let mut text = format!(
                "site {site}: {} Secrets, backend {}\n",
                needs.len(),
                serde_json::to_string(&backend)
                    .unwrap_or_default()
                    .trim_matches('"')
            );
            for n in &needs {
                let state = if n.missing.is_empty() {
                    "ok".to_string()
                } else {
                    format!("MISSING keys: {}", n.missing.join(", "))
                };
                text.push_str(&format!(
                    "  {:<32} keys: {:<40} read by: {:<20} {state}\n",
                    n.name,
                    n.keys.join(", "),
                    n.services.join(", ")
                ));
            }
            text
        }
    };
    if let Err(code) = print_out(&text) {
        return code;
    }
    u8::from(needs.iter().any(|n| !n.missing.is_empty()))
}
