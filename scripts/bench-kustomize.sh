#!/usr/bin/env bash
# Benchmarks `strata kustomize` against `kubectl kustomize` on generated trees.
#
# Trees (sites x services, from the shared generator tools/kustomize-gen.py): 1x20, 10x20
# (every site is built), 1x100 and 1x500. For each tree and tool: wall time (median and best
# of several runs) and peak RSS, then the speed-up, and how Strata grows from 1x100 to 1x500.
#
# Usage: scripts/bench-kustomize.sh          (STRATA_SHARED overrides ../shared;
#                                             RUNS / KUBECTL_RUNS change the repetitions)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${STRATA_SHARED:-$root/../shared}
gen=$shared/tools/kustomize-gen.py
if [ ! -f "$gen" ]; then
  echo "bench-kustomize: the shared generator ($gen) is absent; nothing to benchmark."
  exit 0
fi
for tool in python3 kubectl; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench-kustomize: $tool is not installed; nothing to benchmark."
    exit 0
  fi
done

target=${CARGO_TARGET_DIR:-$root/target}
cd "$root"
echo "building the release binary..."
cargo build --release -q --locked -p strata --bin strata
strata_cmd=("$target/release/strata" kustomize)

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-kustomize.XXXXXX")
trap 'rm -rf "$work"' EXIT

trees=("1 20" "10 20" "1 100" "1 500")
for t in "${trees[@]}"; do
  set -- $t
  python3 "$gen" --seed 7 --sites "$1" --services "$2" --components 3 --regions 1 \
    --out "$work/t-$1x$2" >/dev/null
done

python3 - "$work" "${RUNS:-10}" "${KUBECTL_RUNS:-3}" "${strata_cmd[@]}" <<'PY'
import os, statistics, subprocess, sys, time

work, runs, kruns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
strata = sys.argv[4:]
trees = [(1, 20), (10, 20), (1, 100), (1, 500)]

def run_once(cmd, sites):
    """Builds every site once; returns (seconds, peak RSS in MB over the sites, output)."""
    t0 = time.perf_counter()
    peak, outs = 0, []
    for site in sites:
        p = subprocess.Popen(cmd + [site], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        if status != 0:
            sys.exit("%s failed on %s" % (" ".join(cmd), site))
        peak = max(peak, usage.ru_maxrss / 1024.0)
        outs.append(out)
    return time.perf_counter() - t0, peak, outs

def measure(cmd, sites, n):
    times, peaks, outs = [], [], None
    for _ in range(n):
        t, m, outs = run_once(cmd, sites)
        times.append(t)
        peaks.append(m)
    return statistics.median(times), min(times), max(peaks), outs

def ms(s):
    return "%.1f ms" % (s * 1000) if s < 10 else "%.2f s" % s

rows, strata_best = [], {}
for sites_n, services in trees:
    tree = os.path.join(work, "t-%dx%d" % (sites_n, services))
    sites = [os.path.join(tree, "sites", "site-%02d" % i) for i in range(sites_n)]
    kn = 2 if services >= 500 else kruns
    s_med, s_min, s_rss, s_out = measure(strata, sites, runs)
    k_med, k_min, k_rss, k_out = measure(["kubectl", "kustomize"], sites, kn)
    same = "identical" if s_out == k_out else "differs"
    strata_best[(sites_n, services)] = s_min
    rows.append(("%dx%d" % (sites_n, services), ms(s_med), ms(s_min), "%.0f MB" % s_rss,
                 ms(k_med), ms(k_min), "%.0f MB" % k_rss, "%.0fx" % (k_min / s_min), same))

head = ("tree", "strata median", "strata best", "strata RSS", "kubectl median", "kubectl best",
        "kubectl RSS", "speed-up (best)", "output")
widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
line = lambda r: "  ".join(str(c).rjust(w) for c, w in zip(r, widths))
print()
print(line(head))
for r in rows:
    print(line(r))
growth = strata_best[(1, 500)] / strata_best[(1, 100)]
print()
print("strata growth 1x500 / 1x100: %.1fx (5x the services)" % growth)
PY
