#!/usr/bin/env bash
# Generates a fleet for benchmarks: a copy of this repository's inputs (services/, overlays/,
# schemas/, sites/_layers/) with the reference sites of sites/ cloned under new names
# (<site>-0001, <site>-0002, ...; round robin over the reference sites) until there are N
# sites, committed to a fresh git repository (so that `strata diff --base HEAD` works there).
# The fleet is scratch data: put it under target/ or a temporary folder, never commit it.
#
# Usage: scripts/gen-fleet.sh N DEST   (DEST must not exist, or be empty)
set -euo pipefail

n=${1:?usage: gen-fleet.sh N DEST}
dest=${2:?usage: gen-fleet.sh N DEST}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
  echo "gen-fleet: $dest exists and is not empty" >&2
  exit 2
fi
mkdir -p "$dest/sites"
cp -r "$root/services" "$root/overlays" "$root/schemas" "$dest/"
cp -r "$root/sites/_layers" "$dest/sites/"
refs=()
for d in "$root"/sites/*/; do
  name=$(basename "$d")
  case "$name" in _*) continue ;; esac
  [ -f "$d/site.yaml" ] && refs+=("$name")
done
for i in $(seq 1 "$n"); do
  ref=${refs[$(((i - 1) % ${#refs[@]}))]}
  new=$(printf '%s-%04d' "$ref" "$i")
  cp -r "$root/sites/$ref" "$dest/sites/$new"
  # The site's own name, and the rendered path its GitOps object points at.
  sed -i -e "s/^\(  name: \)$ref\$/\1$new/" -e "s#rendered/$ref\$#rendered/$new#" \
    "$dest/sites/$new/site.yaml"
done
printf 'rendered/\n' >"$dest/.gitignore"
git -C "$dest" init -q
git -C "$dest" add -A
git -C "$dest" -c user.name=fleet -c user.email=fleet@example.org commit -qm "fleet of $n sites"
echo "generated $n sites in $dest"
