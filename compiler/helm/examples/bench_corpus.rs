//! Loads and renders every chart under a folder in one process, as Helm's engine is timed in
//! the bench (`scripts/bench-helm.sh`): `cargo run --release -p strata-helm --example
//! bench_corpus -- DIR [RUNS]`. Prints the load and render times (best of RUNS, default 1) and
//! the bytes, then one `chart_seconds=NAME SECONDS ok|failed` line per chart (load and render
//! of that chart, in the last run), which the bench combines over several processes exactly as
//! it combines Helm's per-chart times. Later runs in the same process find every text already
//! parsed (the parse cache that lets a fleet parse each chart once); the bench uses one run per
//! process, so a chart corpus is measured as a first render.

use std::time::Instant;

// The allocator of the strata binary, so the figures are the ones a user gets.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: bench_corpus DIR [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(1);
    let mut charts: Vec<std::path::PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("Chart.yaml").is_file())
            .filter(|p| p.file_name().is_some_and(|n| n != "helm-toolkit"))
            .collect(),
        Err(e) => {
            eprintln!("{dir}: {e}");
            std::process::exit(2);
        }
    };
    charts.sort();
    let (mut best_load, mut best_render, mut bytes, mut failed) = (f64::MAX, f64::MAX, 0, 0);
    let mut per_chart = Vec::new();
    for _ in 0..runs {
        // One loader per run, as one build has one: the charts' shared `file://` dependency
        // (helm-toolkit) is read once per run.
        let loader = strata_helm::Loader::new();
        let (mut load, mut render) = (0.0, 0.0);
        bytes = 0;
        failed = 0;
        per_chart.clear();
        for c in &charts {
            let t0 = Instant::now();
            let chart = loader.load_dir(c);
            load += t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let opts = strata_helm::RenderOptions {
                release_name: "r".into(),
                namespace: "ns".into(),
                ..Default::default()
            };
            let ok = match chart.and_then(|c| strata_helm::render(&c, &opts)) {
                Ok(files) => {
                    bytes += files.values().map(String::len).sum::<usize>();
                    true
                }
                Err(_) => {
                    failed += 1;
                    false
                }
            };
            render += t1.elapsed().as_secs_f64();
            per_chart.push((c, t0.elapsed().as_secs_f64(), ok));
        }
        best_load = best_load.min(load);
        best_render = best_render.min(render);
    }
    println!(
        "{} charts ({failed} failed): load {best_load:.3}s, render {best_render:.3}s, {bytes} bytes",
        charts.len()
    );
    println!("total_seconds={:.6}", best_load + best_render);
    for (c, seconds, ok) in per_chart {
        let name = c
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let status = if ok { "ok" } else { "failed" };
        println!("chart_seconds={name} {seconds:.6} {status}");
    }
}
