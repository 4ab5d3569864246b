#!/usr/bin/env bash
# Benchmarks `strata helm template` against Helm's own engine (the oracle: PyPI
# helm-python-sdk==0.2.2, Helm SDK v4.2.3) on the same charts, in the same run.
#
# Charts: every chart of the openstack-helm checkout named by STRATA_OPENSTACK_HELM (besides
# helm-toolkit, which they depend on through file://../helm-toolkit); when it is unset, the
# project's own test charts (compiler/helm/tests/charts/). Each chart is rendered with its
# default values.
#
# Helm: all charts in one Python process (its start-up and library load excluded; chart loading
# and rendering included), each chart's best of RUNS.
# Strata, the same way (the comparison the goal of at least 10x is about): all charts in one
# process of the `bench_corpus` example, which loads and renders each chart through the library
# `strata helm template` and `strata build` call, with one `Loader` as a build has; a fresh
# process per run, each chart's best of RUNS.
# Strata, as a user runs it: one `strata helm template CHART` process per chart, start-up
# included (Helm's figure has no start-up in it, so this ratio is not the goal's), best of RUNS.
# Reported: the totals and the ratios.
#
# Usage: scripts/bench-helm.sh        (RUNS changes the repetitions, default 3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! python3 -c 'import helm_python.chart' 2>/dev/null; then
  echo "bench-helm: python3 with helm-python-sdk is not installed (pip install helm-python-sdk==0.2.2); nothing to benchmark."
  exit 0
fi
target=${CARGO_TARGET_DIR:-$root/target}
echo "building the release binary..."
cargo build --release -q --locked -p strata --bin strata
cargo build --release -q --locked -p strata-helm --example bench_corpus

if [ -n "${STRATA_OPENSTACK_HELM:-}" ]; then
  corpus=$STRATA_OPENSTACK_HELM
  label="openstack-helm charts in $corpus"
else
  corpus=$root/compiler/helm/tests/charts
  label="the project's test charts (set STRATA_OPENSTACK_HELM for the upstream charts)"
fi

python3 - "$root" "$corpus" "$label" "${RUNS:-3}" "$target/release/strata" "$target/release/examples/bench_corpus" <<'PY'
import json, os, re, subprocess, sys, tempfile, time

root, corpus, label, runs, strata, inproc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
charts = sorted(
    os.path.join(corpus, d) for d in os.listdir(corpus)
    if os.path.isfile(os.path.join(corpus, d, "Chart.yaml")) and d != "helm-toolkit"
)
# Charts that only serve others (a library chart, which renders nothing) or fail on purpose.
charts = [c for c in charts if not os.path.basename(c).endswith("-lib") and os.path.basename(c) != "errors"]

def deps(chart):
    text = open(os.path.join(chart, "Chart.yaml"), encoding="utf-8").read()
    out = {}
    for m in re.finditer(r"repository:\s*[\"']?file://([^\s\"']+)", text):
        path = os.path.normpath(os.path.join(chart, m.group(1)))
        out[os.path.basename(path)] = path
    return out

print("bench-helm: %d charts: %s" % (len(charts), label))

# Strata: one process per chart, as a user runs it (per-chart best of RUNS).
strata_times, failed, out_bytes = {}, {}, 0
for c in charts:
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run([strata, "helm", "template", c, "--name", os.path.basename(c)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            failed[c] = (p.stderr.decode(errors="replace").strip().splitlines() or [""])[0]
            break
        strata_times[c] = min(dt, strata_times.get(c, dt))
    else:
        out_bytes += len(p.stdout)

# Helm's engine: all charts in one process, timed inside it (per-chart best of RUNS).
req = [{"chart": c, "dependencies": deps(c), "name": os.path.basename(c)} for c in charts]
helm_times, helm_failed = {}, {}
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    json.dump(req, f)
try:
    for _ in range(runs):
        p = subprocess.run([sys.executable, os.path.join(root, "scripts/helm-oracle.py"), f.name],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
        for c, a in zip(charts, json.loads(p.stdout)):
            if "error" in a:
                helm_failed[c] = a["error"].splitlines()[0]
            else:
                helm_times[c] = min(a["seconds"], helm_times.get(c, a["seconds"]))
finally:
    os.unlink(f.name)

# Only charts both render count (a test chart printing plain text is no manifest for
# `helm template`; a chart Strata cannot render yet has no time).
both = [c for c in charts if c in strata_times and c in helm_times]
ts = sum(strata_times[c] for c in both)
th = sum(helm_times[c] for c in both)
print("  strata helm template: %.3fs for %d charts (%.1f MB out, one process per chart, start-up included)"
      % (ts, len(both), out_bytes / 1e6))
print("  Helm's engine:        %.3fs for the same charts (one process, start-up excluded)" % th)
for c, e in sorted(failed.items()):
    print("  left out, strata failed: %s: %s" % (os.path.basename(c), e[:200]))
for c, e in sorted(helm_failed.items()):
    print("  left out, Helm failed: %s: %s" % (os.path.basename(c), e[:200]))
print("  per process: %.1fx (Strata's start-up included, Helm's not), best of %d runs per chart"
      % ((th / ts) if ts else float("nan"), runs))

# In one process on both sides: Strata's library loads and renders every chart as Helm's engine
# does above (a fresh process per run, so nothing is parsed in advance). Both sides are combined
# the same way: each chart's best time over RUNS processes, summed over the charts both render.
# (The best whole run of Strata's is printed too: it cannot be lower than that sum.)
best, inproc_times = None, {}
for _ in range(runs):
    p = subprocess.run([inproc, corpus], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.decode()
    m = re.search(r"total_seconds=([0-9.]+)", out)
    if p.returncode == 0 and m:
        best = min(best, float(m.group(1))) if best is not None else float(m.group(1))
    for name, secs, status in re.findall(r"chart_seconds=(\S+) ([0-9.]+) (ok|failed)", out):
        if status == "ok":
            c = os.path.join(corpus, name)
            inproc_times[c] = min(float(secs), inproc_times.get(c, float(secs)))
common = [c for c in charts if c in inproc_times and c in helm_times]
if common:
    ts1 = sum(inproc_times[c] for c in common)
    th1 = sum(helm_times[c] for c in common)
    print("  one process each: Strata %.3fs, Helm's engine %.3fs for the %d charts both render"
          " (each chart's best of %d runs on both sides; Strata's best whole run %.3fs)"
          % (ts1, th1, len(common), runs, best or float("nan")))
    print("  speed-up, one process on both sides: %.1fx (goal: >= 10x)" % (th1 / ts1))
PY
