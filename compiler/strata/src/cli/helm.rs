//! `strata helm template CHART_DIR`: renders a chart in-process and prints what
//! `helm template` prints for the same inputs, so users (and tests) can check Strata against
//! Helm.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::{print_out, Cli, Printer, ReportFormat};
use crate::diag::{Code, Diagnostic, Source};

/// Helm-compatible commands.
#[derive(Subcommand, Debug)]
pub enum HelmCommand {
    /// Render a chart folder and print what `helm template` prints.
    Template {
        /// The chart folder.
        chart: PathBuf,
        /// A values file (repeatable; later files win).
        #[arg(long = "values", short = 'f', value_name = "FILE")]
        values: Vec<PathBuf>,
        /// A value as `helm --set` takes it: `a.b=c`, `a[0]=x`, `a={x,y}` (repeatable).
        #[arg(long = "set", value_name = "K=V")]
        set: Vec<String>,
        /// A value kept as a string (`helm --set-string`, repeatable).
        #[arg(long = "set-string", value_name = "K=V")]
        set_string: Vec<String>,
        /// The release name.
        #[arg(long, value_name = "NAME", default_value = "release-name")]
        name: String,
        /// The release namespace.
        #[arg(long, short = 'n', value_name = "NS", default_value = "default")]
        namespace: String,
        /// The Kubernetes version `.Capabilities.KubeVersion` reports (e.g. 1.29).
        #[arg(long, value_name = "X.Y")]
        kube_version: Option<String>,
        /// Extra API versions for `.Capabilities.APIVersions` (repeatable).
        #[arg(long = "api-versions", short = 'a', value_name = "GROUP/VERSION")]
        api_versions: Vec<String>,
        /// Print the charts' `crds/` files too (first).
        #[arg(long)]
        include_crds: bool,
        /// Leave out test hooks.
        #[arg(long)]
        skip_tests: bool,
        /// Set `.Release.IsUpgrade` instead of `.Release.IsInstall`.
        #[arg(long)]
        is_upgrade: bool,
    },
}

/// Runs a `strata helm` command; returns the exit code.
pub(super) fn run(_cli: &Cli, printer: &Printer, command: &HelmCommand) -> u8 {
    match command {
        HelmCommand::Template {
            chart,
            values,
            set,
            set_string,
            name,
            namespace,
            kube_version,
            api_versions,
            include_crds,
            skip_tests,
            is_upgrade,
        } => {
            let inputs = Inputs {
                values,
                set,
                set_string,
            };
            let opts = strata_helm::OutputOptions {
                include_crds: *include_crds,
                skip_tests: *skip_tests,
            };
            match template(
                chart,
                &inputs,
                name,
                namespace,
                kube_version.clone(),
                api_versions,
                *is_upgrade,
                &opts,
            ) {
                Ok(text) => match print_out(&text) {
                    Ok(()) => 0,
                    Err(code) => code,
                },
                Err(d) => {
                    printer.diagnostics(&[*d], ReportFormat::Text);
                    2
                }
            }
        }
    }
}

struct Inputs<'a> {
    values: &'a [PathBuf],
    set: &'a [String],
    set_string: &'a [String],
}

#[allow(clippy::too_many_arguments)]
fn template(
    chart_dir: &Path,
    inputs: &Inputs<'_>,
    name: &str,
    namespace: &str,
    kube_version: Option<String>,
    api_versions: &[String],
    is_upgrade: bool,
    out: &strata_helm::OutputOptions,
) -> Result<String, Box<Diagnostic>> {
    let chart = strata_helm::load_dir(chart_dir)
        .map_err(|e| Box::new(diagnostic(&e, "cannot load the chart")))?;
    // Values files merged in order (tables merge, anything else replaces), then --set.
    let mut base = strata_helm::values::new_map();
    let mut files = Vec::new();
    for path in inputs.values {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Box::new(Diagnostic::error(
                Code::Io,
                format!("cannot read `{}`: {e}", path.display()),
            ))
        })?;
        let v = strata_helm::serial::load_values(&text).map_err(|e| {
            let d = Diagnostic::error(
                Code::YamlSyntax,
                format!(
                    "cannot read values file `{}`: {}",
                    path.display(),
                    e.message
                ),
            );
            Box::new(match e.line {
                Some(l) => label(d, path, &text, l, e.col.unwrap_or(1)),
                None => d,
            })
        })?;
        if let strata_gotmpl::Value::Map(m) = &v {
            base = strata_helm::strvals::merge_maps(&base, m);
        }
        files.push((path.clone(), text));
    }
    for s in inputs.set {
        strata_helm::strvals::parse_into(s, &base).map_err(|e| {
            Box::new(Diagnostic::error(
                Code::Usage,
                format!("failed parsing --set data: {e}"),
            ))
        })?;
    }
    for s in inputs.set_string {
        strata_helm::strvals::parse_into_string(s, &base).map_err(|e| {
            Box::new(Diagnostic::error(
                Code::Usage,
                format!("failed parsing --set-string data: {e}"),
            ))
        })?;
    }
    let opts = strata_helm::RenderOptions {
        release_name: name.to_string(),
        namespace: namespace.to_string(),
        is_upgrade,
        values: strata_helm::Frozen::from_value(&strata_gotmpl::Value::Map(base)),
        values_files: files,
        kube_version,
        api_versions: api_versions.to_vec(),
        ..Default::default()
    };
    let rendered = strata_helm::render_chart(&chart, &opts)
        .map_err(|e| Box::new(diagnostic(&e, "cannot render the chart")))?;
    rendered
        .template_output(out)
        .map_err(|e| Box::new(diagnostic(&e, "cannot render the chart")))
}

/// A diagnostic for a chart error, labelled at the file, line and column it names.
fn diagnostic(e: &strata_helm::HelmError, context: &str) -> Diagnostic {
    use strata_helm::HelmError as H;
    let code = match e {
        H::Load { .. } => Code::InvalidValue,
        H::Values { .. } => Code::Usage,
        H::Schema { .. } => Code::ValuesInvalid,
        H::Parse { .. } => Code::TemplateSyntax,
        H::Exec { .. } | H::KubeVersion(_) => Code::TemplateError,
        H::Manifest { .. } => Code::BadRenderedObject,
    };
    let d = Diagnostic::error(code, format!("{context}: {e}"));
    match e {
        H::Parse {
            path: Some(p),
            line,
            col,
            ..
        }
        | H::Exec {
            path: Some(p),
            line,
            col,
            ..
        } => match std::fs::read_to_string(p) {
            Ok(text) => label(d, p, &text, *line, col + 1),
            Err(_) => d,
        },
        H::Schema {
            location: Some((p, line, col)),
            ..
        } => match std::fs::read_to_string(p) {
            Ok(text) => label(d, p, &text, *line as usize, *col as usize),
            Err(_) => d,
        },
        H::Load { path, .. } => d.note(format!("in {}", path.display())),
        _ => d,
    }
}

/// Labels `d` at 1-based `line`/`col` (characters) of `text`.
fn label(d: Diagnostic, path: &Path, text: &str, line: usize, col: usize) -> Diagnostic {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let chars = col.saturating_sub(1);
            let within: usize = l.chars().take(chars).map(char::len_utf8).sum();
            offset += within.min(l.trim_end_matches('\n').len());
            let pos = strata_yaml::Pos {
                line: line as u32,
                col: col.max(1) as u32,
                offset,
            };
            let span = strata_yaml::Span {
                start: pos,
                end: pos,
            };
            return d.at(
                &Source::new(path.display().to_string(), text.to_string()),
                span,
                "here",
            );
        }
        offset += l.len();
    }
    d.note(format!("in {}:{line}:{col}", path.display()))
}
