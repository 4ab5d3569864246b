#!/usr/bin/env bash
# Fleet-scale benchmark: the reference sites cloned into fleets of 100 and 1,000 sites
# (scripts/gen-fleet.sh, under target/fleet-bench/, never committed), then for each fleet:
#   build      wall time, CPU time and peak memory (max RSS) of `strata build`
#   validate   the same for `strata validate`
#   diff       a change to one site, `strata diff --base HEAD` (1,000 sites only)
#   cp -r      copying the rendered output, the floor for the write phase
# and the acceptance checks of the fleet page of the book (book/src/fleet.md): peak below
# 300 MB, 1,000 sites in at most 12x the time of 100, a one-site diff in at most 25% of a
# full validate and naming only that site. Exits 1 when a check fails.
#
# Usage: scripts/bench-fleet.sh   (SIZES="100 1000" by default; KEEP=1 keeps the outputs)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
sizes=${SIZES:-100 1000}
cd "$root"
echo "building the release binary..."
cargo build --release -q --locked -p strata --bin strata
strata=$target/release/strata
work=$target/fleet-bench
mkdir -p "$work"
out=$(mktemp -d "$work/out.XXXXXX")
trap 'rm -rf "$out"' EXIT

# "<wall s> <cpu s> <max RSS MB>" of one run of a command (its own exit status ignored).
measure() {
  /usr/bin/time -f "%e %U %S %M" -o "$out/time" "$@" >"$out/stdout" 2>"$out/stderr" || true
  # The last line: with a failing status, GNU time writes a line about it first.
  tail -n 1 "$out/time" | awk '{printf "%.2f %.2f %d\n", $1, $2 + $3, $4 / 1024}'
}

fail=0
check() { # check DESCRIPTION CONDITION(awk expression)
  if awk "BEGIN {exit !($2)}"; then echo "  ok    $1"; else echo "  FAIL  $1"; fail=1; fi
}

declare -A build_wall
for n in $sizes; do
  fleet=$work/f$n
  [ -d "$fleet/.git" ] || { rm -rf "$fleet"; bash scripts/gen-fleet.sh "$n" "$fleet" >/dev/null; }
  rm -rf "$out/rendered"
  read -r bw bc bm < <(measure "$strata" --root "$fleet" build --quiet --out "$out/rendered")
  grep -q "built $n sites" "$out/stderr" || { cat "$out/stderr"; echo "build of $n sites failed"; exit 1; }
  files=$(find "$out/rendered" -type f | wc -l)
  read -r vw vc vm < <(measure "$strata" --root "$fleet" validate --quiet)
  rm -rf "$out/copy"
  read -r cw _ _ < <(measure cp -r "$out/rendered" "$out/copy")
  rm -rf "$out/copy"
  build_wall[$n]=$bw
  echo "$n sites ($files files):"
  printf "  build     %7.2f s wall  %7.2f s CPU  %5d MB peak\n" "$bw" "$bc" "$bm"
  printf "  validate  %7.2f s wall  %7.2f s CPU  %5d MB peak\n" "$vw" "$vc" "$vm"
  printf "  cp -r     %7.2f s wall (of the output)\n" "$cw"
  check "build peak below 300 MB" "$bm < 300"
  check "validate peak below 300 MB" "$vm < 300"
  if [ "$n" -ge 1000 ]; then
    site=$(cd "$fleet/sites" && ls | grep -v '^_' | sed -n 7p)
    sed -i 's/^  region: \(.*\)$/  region: \1x/' "$fleet/sites/$site/site.yaml"
    read -r dw dc dm < <(measure "$strata" --root "$fleet" diff --base HEAD --format json)
    named=$(python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["summary"]))' <"$out/stdout" 2>/dev/null || echo "?")
    git -C "$fleet" checkout -q -- sites
    printf "  diff      %7.2f s wall  %7.2f s CPU  %5d MB peak  (one site changed: %s; named: %s)\n" \
      "$dw" "$dc" "$dm" "$site" "$named"
    check "one-site diff peak below 300 MB" "$dm < 300"
    check "one-site diff within 25% of validate ($(awk -v a="$dw" -v b="$vw" 'BEGIN {printf "%.0f", 100 * a / b}')%)" "$dw <= 0.25 * $vw"
    check "the diff names only $site" "\"$named\" == \"$site\""
  fi
done
if [ -n "${build_wall[100]:-}" ] && [ -n "${build_wall[1000]:-}" ]; then
  ratio=$(awk -v a="${build_wall[1000]}" -v b="${build_wall[100]}" 'BEGIN {printf "%.1f", a / b}')
  echo "1,000 sites / 100 sites build time: ${ratio}x"
  check "linear time (at most 12x)" "$ratio <= 12"
fi
exit $fail
