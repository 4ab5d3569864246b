//! The `strata` command: a thin shell over the library (see `strata::cli`).

// mimalloc: the pipeline allocates many small values (YAML nodes, JSON maps) from several
// threads; measured with `make bench`, it makes `strata kustomize` faster than the system
// allocator (see the commit message for the figures).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    strata::cli::main()
}
