//! Random-template differential test: Go templates generated from a seed (tests/gen), over
//! generated values, rendered by Strata and by Helm's own engine (the oracle), compared byte
//! for byte. Both failing counts as agreement when they fail at the same template position.
//!
//! `STRATA_DIFF_SEEDS=N` (default 300) seeds from `STRATA_DIFF_SEED_START` (default 0);
//! `make helm-diff` runs many more. A disagreement prints the seed, the template, both outputs,
//! and saves a minimized reproduction (a chart both engines can render) under
//! `target/helm-diff/seed-<N>/`.

mod common;
mod gen;

use std::path::{Path, PathBuf};

use common::{Rendered, Request, Verdict};
use gen::Case;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Writes the case as a chart named `gen` in `dir`.
fn write_chart(case: &Case, dir: &Path) -> Request {
    common::write(
        &dir.join("Chart.yaml"),
        "apiVersion: v2\nname: gen\nversion: 0.1.0\n",
    );
    common::write(&dir.join("values.yaml"), &case.values);
    common::write(&dir.join("templates/_defs.tpl"), &case.defs_text());
    common::write(&dir.join("templates/t.txt"), &case.main_text());
    Request::new(dir)
}

/// Renders cases with both engines (the oracle in one batch).
fn run(cases: &[Case], scratch: &Path) -> Vec<(Rendered, Rendered)> {
    let reqs: Vec<Request> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let dir = scratch.join(format!("c{i}"));
            let _ = std::fs::remove_dir_all(&dir);
            write_chart(c, &dir)
        })
        .collect();
    let helm = common::oracle(&reqs, 1);
    reqs.iter()
        .zip(helm)
        .map(|(r, (mut h, _))| (h.remove(0), common::strata(r)))
        .collect()
}

/// Shrinks a disagreeing case while it still disagrees (greedy, one batch of candidates per step).
fn minimize(case: Case, scratch: &Path) -> Case {
    let mut best = case;
    for _ in 0..60 {
        let candidates = best.shrinks();
        if candidates.is_empty() {
            break;
        }
        let results = run(&candidates, scratch);
        match candidates
            .into_iter()
            .zip(results)
            .find(|(_, (h, s))| matches!(common::compare(h, s), Verdict::Differ(_)))
        {
            Some((c, _)) => best = c,
            None => break,
        }
    }
    best
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::workspace().join("target"))
}

fn show(r: &Rendered) -> String {
    match r {
        Ok(files) => files
            .iter()
            .map(|(k, v)| format!("# {k}\n{v}"))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => format!("ERROR: {e}"),
    }
}

#[test]
fn random_templates_agree_with_helm() {
    if !common::oracle_or_skip("differential_random") {
        return;
    }
    let count = env_u64("STRATA_DIFF_SEEDS", 300);
    let start = env_u64("STRATA_DIFF_SEED_START", 0);
    let scratch = tempfile::tempdir().expect("temporary folder");
    let t0 = std::time::Instant::now();
    let (mut equal, mut both_failed, mut helm_failed) = (0usize, 0usize, 0usize);
    // Both failed with an argument-type error on the same line, at another column.
    let mut arg_column = 0usize;
    let mut differ: Vec<(Case, String)> = Vec::new();
    let mut seed = start;
    while seed < start + count {
        // Batches keep the oracle's request (and its temporary charts) small.
        let end = (seed + 500).min(start + count);
        let cases: Vec<Case> = (seed..end).map(gen::generate).collect();
        for (case, (h, s)) in cases.iter().zip(run(&cases, scratch.path())) {
            if let Err(e) = &h {
                helm_failed += 1;
                if std::env::var_os("STRATA_DIFF_SHOW_HELM_ERRORS").is_some() {
                    eprintln!("seed {}: Helm: {}", case.seed, e.replace('\n', " "));
                }
            }
            match common::compare(&h, &s) {
                Verdict::Equal => equal += 1,
                Verdict::BothFailed => both_failed += 1,
                Verdict::BothFailedArgumentColumn => arg_column += 1,
                Verdict::Differ(d) => differ.push((case.clone(), d)),
            }
        }
        seed = end;
    }
    eprintln!(
        "differential_random: {count} seeds from {start}: {equal} equal, {both_failed} failing in both at the same place, {arg_column} failing in both on the same line with the argument blamed at another column, {} different (Helm failed on {helm_failed}); {:.1}s",
        differ.len(),
        t0.elapsed().as_secs_f64()
    );
    if differ.is_empty() {
        return;
    }
    let out = target_dir().join("helm-diff");
    let max_min = env_u64("STRATA_DIFF_MINIMIZE", 5) as usize;
    for (i, (case, d)) in differ.iter().enumerate() {
        eprintln!(
            "\n=== seed {} differs:\n{d}\n--- values.yaml\n{}--- templates/_defs.tpl\n{}\n--- templates/t.txt\n{}\n",
            case.seed,
            case.values,
            case.defs_text(),
            case.main_text()
        );
        if i >= max_min {
            continue;
        }
        let small = minimize(case.clone(), scratch.path());
        let dir = out.join(format!("seed-{}", case.seed));
        let _ = std::fs::remove_dir_all(&dir);
        let req = write_chart(&small, &dir);
        let (h, s) = run(std::slice::from_ref(&small), scratch.path()).remove(0);
        common::write(&dir.join("helm.out"), &show(&h));
        common::write(&dir.join("strata.out"), &show(&s));
        eprintln!(
            "minimized reproduction of seed {} in {} (helm.out, strata.out):\n--- templates/_defs.tpl\n{}\n--- templates/t.txt\n{}\n--- helm\n{}\n--- strata\n{}\n",
            case.seed,
            req.chart.display(),
            small.defs_text(),
            small.main_text(),
            show(&h),
            show(&s)
        );
    }
    let seeds: Vec<String> = differ.iter().map(|(c, _)| c.seed.to_string()).collect();
    panic!(
        "{} of {count} generated templates render differently from Helm (seeds {}); reproductions in {}",
        differ.len(),
        seeds.join(", "),
        out.display()
    );
}
