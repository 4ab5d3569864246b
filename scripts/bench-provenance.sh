#!/usr/bin/env bash
# What overlay provenance costs a full build: `strata build` of a fleet with recording on (the
# default) and off (STRATA_OVERLAY_PROVENANCE=off), runs interleaved, median of each, and the
# ratio (of CPU time: wall time on a shared machine mostly measures the neighbours; both are
# printed). The fleet is the reference sites, each copied FLEET times (default 4) under new names,
# so that the overlays (ha, ceph, tls, air-gapped) run on enough objects to measure.
# Fails when recording adds more than LIMIT (default 15%).
#
# Usage: scripts/bench-provenance.sh      (RUNS, FLEET and LIMIT change the defaults)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
runs=${RUNS:-7}
fleet=${FLEET:-4}
limit=${LIMIT:-15}
cd "$root"
echo "building the release binary..."
cargo build --release -q --locked -p strata --bin strata
strata="$target/release/strata"

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-provenance.XXXXXX")
trap 'rm -rf "$work"' EXIT
repo=$work/repo
mkdir -p "$repo/sites"
cp -r services overlays schemas "$repo/"
cp -r sites/_layers "$repo/sites/"
for site in sites/*/; do
  name=$(basename "$site")
  [ "$name" = _layers ] && continue
  for i in $(seq 1 "$fleet"); do
    cp -r "$site" "$repo/sites/$name-$i"
    sed -i "s/^  name: $name\$/  name: $name-$i/; s#rendered/$name\b#rendered/$name-$i#" \
      "$repo/sites/$name-$i/site.yaml"
  done
done
"$strata" --root "$repo" validate >/dev/null

python3 - "$strata" "$repo" "$work/out" "$runs" "$limit" <<'PY'
import os, statistics, subprocess, sys, time

strata, repo, out, runs, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])

def once(env_extra):
    """One full build: (wall seconds, CPU seconds of the process, user + system)."""
    env = dict(os.environ, **env_extra)
    t0 = time.perf_counter()
    p = subprocess.Popen([strata, "--root", repo, "build", "--out", out], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit("bench-provenance: the build failed")
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime

on, off = [], []
once({})  # warm the page cache
for _ in range(runs):
    off.append(once({"STRATA_OVERLAY_PROVENANCE": "off"}))
    on.append(once({}))
med = lambda xs, i: statistics.median(x[i] for x in xs)
sites = len([d for d in os.listdir(os.path.join(repo, "sites")) if not d.startswith("_")])
print("full build of %d sites, median of %d runs (wall / CPU):" % (sites, runs))
print("  provenance off  %.3f s / %.3f s" % (med(off, 0), med(off, 1)))
print("  provenance on   %.3f s / %.3f s" % (med(on, 0), med(on, 1)))
# CPU time is the measure: wall time on a shared machine mostly measures the neighbours.
ratio = med(on, 1) / med(off, 1)
print("  ratio on/off (CPU)  %.3f (limit %.2f); wall %.3f" % (ratio, 1 + limit / 100, med(on, 0) / med(off, 0)))
if ratio > 1 + limit / 100:
    sys.exit("bench-provenance: recording adds more than %g%% to a full build" % limit)
PY
