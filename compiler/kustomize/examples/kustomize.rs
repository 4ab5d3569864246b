//! `kustomize DIR`: prints what `kubectl kustomize DIR` prints. A stand-in for
//! `strata kustomize` used by the benchmark until the CLI subcommand exists.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use rayon::prelude::*;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: kustomize DIR");
        return ExitCode::from(2);
    };
    match strata_kustomize::build_dir(&dir, &strata_kustomize::Options::default()) {
        Ok(docs) => {
            // Documents are emitted in parallel and joined as `emit_stream` would.
            let parts: Vec<String> = docs
                .par_iter()
                .map(|d| strata_yaml::emit(d, strata_yaml::KeyOrder::Sorted))
                .collect();
            let out = parts.join("---\n");
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(out.as_bytes())
                .and_then(|_| stdout.flush())
                .is_err()
            {
                return ExitCode::from(2);
            }
            // The documents are not freed: the process ends here.
            std::process::exit(0)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
