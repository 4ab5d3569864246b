//! The `strata` command: a thin shell over the library (see `strata::cli`).

fn main() -> std::process::ExitCode {
    strata::cli::main()
}
