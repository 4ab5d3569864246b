//! Differential test against `kubectl kustomize` (kustomize v5.5.0) on trees from the shared
//! generator (`tools/kustomize-gen.py`): 200 seeds of mixed sizes, every site compared.
//!
//! Needs kubectl, python3 with PyYAML and the shared folder (`STRATA_SHARED` or `../shared`);
//! without them the test prints `SKIPPED` and passes, unless `CI=true`.

mod common;

use std::path::Path;
use std::process::Command;

/// Generator parameters derived deterministically from the seed.
fn params(seed: u64) -> (u64, u64, u64, u64) {
    let sites = seed % 3 + 1;
    let services = (seed * 7) % 14 + 2;
    let components = seed % 5;
    let regions = (seed / 3) % 3;
    (sites, services, components, regions)
}

fn run_seed(gen: &Path, seed: u64, work: &Path) -> Result<usize, String> {
    let (sites, services, components, regions) = params(seed);
    let out = work.join(format!("seed-{seed}"));
    let status = Command::new("python3")
        .arg(gen)
        .args(["--seed", &seed.to_string()])
        .args(["--sites", &sites.to_string()])
        .args(["--services", &services.to_string()])
        .args(["--components", &components.to_string()])
        .args(["--regions", &regions.to_string()])
        .arg("--out")
        .arg(&out)
        .arg("--record")
        .output()
        .map_err(|e| format!("cannot run the generator: {e}"))?;
    if !status.status.success() {
        return Err(format!(
            "seed {seed}: generator (or kubectl) failed: {}{}",
            String::from_utf8_lossy(&status.stdout),
            String::from_utf8_lossy(&status.stderr)
        ));
    }
    let mut checked = 0;
    for s in 0..sites {
        let site = out.join("sites").join(format!("site-{s:02}"));
        let expected = std::fs::read_to_string(site.join("expected.yaml"))
            .map_err(|e| format!("seed {seed} site {s}: no expected.yaml: {e}"))?;
        let ours = strata_kustomize::build_dir(&site, &strata_kustomize::Options::default())
            .map_err(|e| format!("seed {seed} site-{s:02}: build failed: {e}"))?;
        common::compare(&ours, &expected).map_err(|e| format!("seed {seed} site-{s:02}: {e}"))?;
        checked += 1;
    }
    // Nothing is kept between runs.
    let _ = std::fs::remove_dir_all(&out);
    Ok(checked)
}

#[test]
fn two_hundred_generated_seeds_match_kubectl() {
    let Some(shared) = common::shared_dir() else {
        return common::skip("the shared folder (STRATA_SHARED or ../shared) is absent");
    };
    if !common::have_kubectl() {
        return common::skip("kubectl is not available");
    }
    if !common::have_python_yaml() {
        return common::skip("python3 with PyYAML is not available");
    }
    let gen = shared.join("tools/kustomize-gen.py");
    let work = match tempfile::tempdir() {
        Ok(w) => w,
        Err(e) => panic!("cannot create a temporary folder: {e}"),
    };
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 8);
    let seeds: Vec<u64> = (1..=200).collect();
    let (passed, failures) =
        common::run_seeds(&seeds, threads, |seed| run_seed(&gen, seed, work.path()));
    let sites: usize = passed.iter().sum();
    eprintln!(
        "differential: {} of 200 seeds pass ({sites} sites compared)",
        200 - failures.len()
    );
    if let Some((_, first)) = failures.first() {
        panic!(
            "{} of 200 seeds differ from kubectl; first: {first}",
            failures.len()
        );
    }
}
