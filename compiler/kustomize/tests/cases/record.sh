#!/usr/bin/env bash
# Records kubectl's output for every case folder: expected.yaml, or expected.error when
# kubectl fails (its message, with the case path replaced by <CASE>).
# Usage: tests/cases/record.sh [CASE...]   (from compiler/kustomize)
set -u
cd "$(dirname "$0")"
cases=("$@")
err=$(mktemp)
trap 'rm -f "$err"' EXIT
[ ${#cases[@]} -eq 0 ] && cases=(*/)
for c in "${cases[@]}"; do
  c=${c%/}
  [ -f "$c/kustomization.yaml" ] || continue
  rm -f "$c/expected.yaml" "$c/expected.error"
  abs=$(cd "$c" && pwd)
  if out=$(kubectl kustomize "$c" 2>"$err"); then
    printf '%s' "$out" > "$c/expected.yaml"
    [ -n "$out" ] && echo >> "$c/expected.yaml"
    echo "ok    $c"
  else
    grep -v '^# Warning' "$err" | sed "s#$abs#<CASE>#g; s#^E[0-9]* [0-9:.]* *[0-9]* run.go:[0-9]*\] ##" > "$c/expected.error"
    echo "error $c"
  fi
done
