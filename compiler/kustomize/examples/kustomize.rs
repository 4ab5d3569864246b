//! `kustomize DIR`: prints what `kubectl kustomize DIR` prints. A stand-in for
//! `strata kustomize` used by the benchmark until the CLI subcommand exists.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: kustomize DIR");
        return ExitCode::from(2);
    };
    match strata_kustomize::build_dir(&dir, &strata_kustomize::Options::default()) {
        Ok(docs) => {
            let out = strata_yaml::emit_stream(docs.iter(), strata_yaml::KeyOrder::Sorted);
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
