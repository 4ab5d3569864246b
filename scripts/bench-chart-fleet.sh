#!/usr/bin/env bash
# Fleet benchmark of chart services: the openstack-helm example site repository
# (examples/openstack-helm, 11 chart services) with its 3 sites cloned into 27 (9 copies of
# each under new names, everything else kept), built by the release `strata build`.
#
# Reported: wall time, CPU time and peak memory of the build (/usr/bin/time -v when present),
# the files written, and how many template texts were parsed versus taken from the parse
# cache (STRATA_STATS=1). The acceptance check (exit 1 when it fails): no more texts parsed
# than the vendored charts have distinct template texts (files under templates/, equal ones
# counted once), i.e. each chart is parsed once however many sites render it. For comparison, Helm's engine (scripts/helm-oracle.py, one process,
# start-up excluded) renders the same 11 charts 27 times each with the chart's defaults, the
# service's values files and its values (not the sites' or layers' values, nor secretValues).
#
# Needs STRATA_OPENSTACK_HELM (a checkout of openstack-helm); without it, prints a skip line and
# exits 0. Works in a temporary folder under target/ (removed afterwards; KEEP=1 keeps it).
#
# Usage: STRATA_OPENSTACK_HELM=/path/to/openstack-helm scripts/bench-chart-fleet.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ -z "${STRATA_OPENSTACK_HELM:-}" ]; then
  echo "bench-chart-fleet: skipped (set STRATA_OPENSTACK_HELM to a checkout of openstack-helm to run it)."
  exit 0
fi
osh=$(cd "$STRATA_OPENSTACK_HELM" && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
echo "building the release binary..."
cargo build --release -q --locked -p strata --bin strata
strata=$target/release/strata

mkdir -p "$target"
work=$(mktemp -d "$target/chart-fleet-bench.XXXXXX")
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$work"' EXIT; fi
repo=$work/repo

# The example, without anything a previous `make vendor`/`make build` left in it.
cp -R examples/openstack-helm "$repo"
rm -rf "$repo/vendor" "$repo/rendered"
make -s -C "$repo" vendor OPENSTACK_HELM="$osh" >/dev/null

# 3 sites -> 27: lab-1 .. lab-9, prod-east-1 .. prod-east-9, prod-west-1 .. prod-west-9.
sites=0
for s in lab prod-east prod-west; do
  for i in 1 2 3 4 5 6 7 8 9; do
    mkdir "$repo/sites/$s-$i"
    sed "s/^  name: $s\$/  name: $s-$i/" "$repo/sites/$s/site.yaml" >"$repo/sites/$s-$i/site.yaml"
    grep -q "^  name: $s-$i\$" "$repo/sites/$s-$i/site.yaml" || { echo "bench-chart-fleet: cannot rename site $s" >&2; exit 1; }
    sites=$((sites + 1))
  done
  rm -r "${repo:?}/sites/$s"
done
services=$(find "$repo/services" -name service.yaml | wc -l)
echo "bench-chart-fleet: $sites sites x $services chart services (openstack-helm charts from $osh)"

# Template files of the vendored charts: every file under a chart's templates/ is parsed.
tpl_files=$(find "$repo/vendor/openstack-helm" -path '*/templates/*' -type f | wc -l)
tpl_texts=$(find "$repo/vendor/openstack-helm" -path '*/templates/*' -type f -exec sha256sum {} + | awk '{print $1}' | sort -u | wc -l)

# The build, measured.
status=0
if [ -x /usr/bin/time ]; then
  (cd "$repo" && STRATA_STATS=1 /usr/bin/time -v -o "$work/time" "$strata" build --root . >"$work/stdout" 2>"$work/stderr") || status=$?
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s}' "$work/time")
  cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {k = $2} END {printf "%.2f", u + k}' "$work/time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%d MB", $2 / 1024}' "$work/time")
else
  t0=$(date +%s.%N)
  (cd "$repo" && STRATA_STATS=1 "$strata" build --root . >"$work/stdout" 2>"$work/stderr") || status=$?
  wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
  cpu="n/a (no /usr/bin/time)"
  rss="n/a (no /usr/bin/time)"
fi
if [ "$status" -ne 0 ]; then
  echo "bench-chart-fleet: strata build failed (exit $status):" >&2
  head -n 40 "$work/stderr" >&2
  exit 1
fi
files=$(find "$repo/rendered" -type f | wc -l)
bytes=$(du -sm "$repo/rendered" | cut -f1)
stats=$(grep '^strata stats:' "$work/stderr" || true)
parsed=$(sed -n 's/.*templates parsed \([0-9]*\), reused \([0-9]*\).*/\1/p' <<<"$stats")
reused=$(sed -n 's/.*templates parsed \([0-9]*\), reused \([0-9]*\).*/\2/p' <<<"$stats")
echo "  strata build: ${wall}s wall, ${cpu}s CPU, peak memory $rss; $files files written ($bytes MB)"
echo "  template texts: parsed ${parsed:-?}, reused ${reused:-?}; the vendored charts have $tpl_files template files ($tpl_texts distinct texts)"
fail=0
# The same text in two charts (or twice in one) is one parse: the bound is the distinct texts.
if [ -n "$parsed" ] && [ "$parsed" -le "$tpl_texts" ]; then
  echo "  ok    each template text parsed once (parsed $parsed <= $tpl_texts distinct template texts)"
else
  echo "  FAIL  each template text parsed once (parsed ${parsed:-?}, distinct template texts $tpl_texts)"
  fail=1
fi

# Helm's engine on the same charts, 27 renders each, in one process.
if python3 -c 'import helm_python.chart, yaml' 2>/dev/null; then
  python3 - "$root" "$repo" "$sites" "$wall" <<'PY'
import glob, json, os, re, subprocess, sys, tempfile, time
import yaml

root, repo, sites, wall = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
reqs = []
for svc in sorted(glob.glob(os.path.join(repo, "services", "*", "service.yaml"))):
    spec = (yaml.safe_load(open(svc, encoding="utf-8")) or {}).get("spec") or {}
    chart = spec.get("chart") or {}
    if "path" not in chart:
        continue
    path = os.path.join(repo, chart["path"])
    deps = {}
    text = open(os.path.join(path, "Chart.yaml"), encoding="utf-8").read()
    for m in re.finditer(r"repository:\s*[\"']?file://([^\s\"']+)", text):
        d = os.path.normpath(os.path.join(path, m.group(1)))
        deps[os.path.basename(d)] = d
    name = os.path.basename(os.path.dirname(svc))
    for i in range(sites):
        reqs.append({
            "chart": path,
            "dependencies": deps,
            "values_files": [os.path.join(repo, f) for f in chart.get("valuesFiles") or []],
            "values": spec.get("values") or {},
            "name": name,
            "namespace": name,
        })
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    json.dump(reqs, f)
try:
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, os.path.join(root, "scripts/helm-oracle.py"), f.name],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    process = time.perf_counter() - t0
finally:
    os.unlink(f.name)
answers = json.loads(p.stdout)
helm = sum(a["seconds"] for a in answers)
errors = sorted({os.path.basename(r["chart"]) + ": " + a["error"].splitlines()[0][:160]
                 for r, a in zip(reqs, answers) if "error" in a})
print("  Helm's engine: %.2fs rendering %d charts x %d (one process, %.2fs with its start-up)"
      % (helm, len(reqs) // sites, sites, process))
for e in errors:
    print("  Helm failed: %s" % e)
print("  ratio: Helm's rendering alone / the whole strata build = %.1fx" % (helm / wall if wall else float("nan")))
PY
else
  echo "  Helm's engine: not compared (python3 with helm-python-sdk and PyYAML is not installed)"
fi
exit "$fail"
