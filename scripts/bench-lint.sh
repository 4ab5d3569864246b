#!/usr/bin/env bash
# Times `strata lint` of every reference site against a full `strata build` of them, and
# reports the ratio (the target: lint under 10% of a build). Uses hyperfine when installed,
# else a loop timed with `date +%s%N` (the median of RUNS runs).
#
# Usage: scripts/bench-lint.sh            (RUNS changes the repetitions; default 5)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
target=${CARGO_TARGET_DIR:-$root/target}
cd "$root"
echo "building the release binary..."
cargo build --release -q --locked -p strata --bin strata
strata=$target/release/strata
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

build_cmd="$strata --root $root build --out $out/rendered"
# lint exits 1 when it finds errors; the bench times it either way.
lint_cmd="$strata --root $root lint --format json >/dev/null || true"

median_ms() {
  local cmd=$1 times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    bash -c "$cmd" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs "$runs" --export-json "$out/h.json" \
    -n build "$build_cmd" -n lint "$lint_cmd"
  build_ms=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(round(r[0]['median']*1000))" "$out/h.json")
  lint_ms=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(round(r[1]['median']*1000))" "$out/h.json")
else
  bash -c "$build_cmd" >/dev/null 2>&1 # warm-up
  build_ms=$(median_ms "$build_cmd")
  lint_ms=$(median_ms "$lint_cmd")
fi
ratio=$(awk -v l="$lint_ms" -v b="$build_ms" 'BEGIN {printf "%.1f", (b > 0 ? 100 * l / b : 0)}')
echo "strata build (every reference site): ${build_ms} ms (median of $runs)"
echo "strata lint  (every reference site): ${lint_ms} ms (median of $runs)"
echo "lint / build: ${ratio}% (target: under 10%)"
