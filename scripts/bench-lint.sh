#!/usr/bin/env bash
# Measures what linting every reference site costs against a full `strata build`, as ratios:
#   (a) `strata lint` after a build: unchanged sites are not compiled, their findings are read
#       from the build's `_meta/site.lint.json` (the usual case: rendered/ is committed and
#       `build --check` keeps it current). Under 10% is the target;
#   (b) `strata lint --fresh`: every site compiled up to its final objects (rendering, most of
#       a build, is its floor: what lint costs when every site changed);
#   (c) the marginal cost of `strata build --lint` over `strata build` (every build runs the
#       checks to write its records; --lint only prints them and fails on errors).
# With valgrind installed the figures are instruction counts (callgrind, one run each:
# exact, and independent of the machine's load); else CPU time, the median of RUNS runs
# (default 5). One worker thread either way.
#
# Usage: scripts/bench-lint.sh
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
export RAYON_NUM_THREADS=1

build_cmd="$strata --root $root build --jobs 1 --out $out/rendered"
build_lint_cmd="$strata --root $root build --jobs 1 --lint --out $out/rendered"
# lint exits 1 when it finds errors; the bench times it either way.
lint_cmd="$strata --root $root lint --format json --out $out/rendered"
fresh_cmd="$strata --root $root lint --format json --fresh"

# CPU milliseconds (user + sys) of one run of a command.
cpu_ms() {
  local t
  t=$( { TIMEFORMAT='%U %S'; time bash -c "$1 >/dev/null 2>&1 || true"; } 2>&1 | tail -1)
  awk -v t="$t" 'BEGIN {split(t, a, " "); printf "%d", 1000 * (a[1] + a[2])}'
}

median_ms() {
  local cmd=$1 times=()
  for _ in $(seq "$runs"); do
    times+=("$(cpu_ms "$cmd")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# Instructions executed by one run of a command (callgrind's total).
instructions() {
  bash -c "valgrind --tool=callgrind --callgrind-out-file=$out/cg $1 2>&1 >/dev/null || true" |
    awk '/refs:/ {gsub(",", "", $NF); print $NF}'
}

bash -c "$build_cmd" >/dev/null 2>&1 # warm-up
# (a) measures the records being read: make sure they are.
if ! bash -c "$lint_cmd" 2>&1 >/dev/null | grep -q "unchanged since built"; then
  echo "bench-lint: lint after the build did not read the build's records" >&2
  exit 1
fi
if command -v valgrind >/dev/null; then
  unit="instructions (callgrind)"
  build_ms=$(instructions "$build_cmd")
  build_lint_ms=$(instructions "$build_lint_cmd")
  lint_ms=$(instructions "$lint_cmd")
  fresh_ms=$(instructions "$fresh_cmd")
else
  unit="CPU ms, median of $runs runs (user + sys)"
  build_ms=$(median_ms "$build_cmd")
  build_lint_ms=$(median_ms "$build_lint_cmd")
  lint_ms=$(median_ms "$lint_cmd")
  fresh_ms=$(median_ms "$fresh_cmd")
fi
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b > 0 ? 100 * a / b : 0)}'; }
echo "$unit, one worker thread:"
echo "  strata build         ${build_ms}"
echo "  strata build --lint  ${build_lint_ms}"
echo "  strata lint          ${lint_ms}  (after the build: records read)"
echo "  strata lint --fresh  ${fresh_ms}"
echo "(a) lint after a build / build:       $(pct "$lint_ms" "$build_ms")% (target: under 10%)"
echo "(b) lint --fresh / build:             $(pct "$fresh_ms" "$build_ms")% (every site compiled again)"
echo "(c) (build --lint - build) / build:   $(pct $((build_lint_ms - build_ms)) "$build_ms")%"
