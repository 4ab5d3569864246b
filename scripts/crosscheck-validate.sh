#!/usr/bin/env bash
# Validates rendered Kubernetes YAML with an independent validator, the PyPI package
# kubernetes-validate (strict mode: unknown fields are errors), so that Strata's own validator
# (crate strata-validate) can be shown to be neither laxer nor stricter on real output.
#
#   scripts/crosscheck-validate.sh [--kubernetes-version 1.34] [--expect-invalid] PATH...
#
# PATH: folders (every *.yaml / *.yml file under them, recursively) or single files.
# Every document with a `kind` is validated against the given Kubernetes version.
#
# Custom resources cannot be known to kubernetes-validate: a document whose apiVersion group
# contains a dot and that has no schema there (Flux, Argo CD, kustomize.config.k8s.io, …) is
# skipped, and listed as skipped. Documents without `kind` (not Kubernetes objects) are skipped.
# SOPS-encrypted documents are validated without their `sops` metadata, as Flux applies them.
#
# --expect-invalid: every file must be rejected (negative fixtures: one object per file);
# the exit status is non-zero if any file is accepted.
# --results: print `RESULT ACCEPT <file>` or `RESULT REJECT <file> <reason>` for every file and
# exit 0 (for differential tests that compare the verdicts with Strata's).
#
# Exit status: 0 all as expected; 1 a validation result not as expected; 2 usage error;
# 3 kubernetes-validate could not be installed (no python3, pip or network).
#
# kubernetes-validate is installed (pinned) with pip into a cache folder the first time:
# ${STRATA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strata}/kubernetes-validate-<version>.
set -euo pipefail

KV_VERSION="1.37.0"
k8s_version="1.34"
expect_invalid=0
results=0
paths=()

while [ $# -gt 0 ]; do
    case "$1" in
        --kubernetes-version|-k)
            [ $# -ge 2 ] || { echo "crosscheck: $1 needs a value" >&2; exit 2; }
            k8s_version="$2"; shift 2 ;;
        --kubernetes-version=*) k8s_version="${1#*=}"; shift ;;
        --expect-invalid) expect_invalid=1; shift ;;
        --results) results=1; shift ;;
        -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
        --) shift; paths+=("$@"); break ;;
        -*) echo "crosscheck: unknown option $1" >&2; exit 2 ;;
        *) paths+=("$1"); shift ;;
    esac
done
[ ${#paths[@]} -gt 0 ] || { echo "usage: $0 [--kubernetes-version V] [--expect-invalid] PATH..." >&2; exit 2; }

if ! command -v python3 >/dev/null 2>&1; then
    echo "crosscheck: python3 not found" >&2
    exit 3
fi

cache="${STRATA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strata}/kubernetes-validate-${KV_VERSION}"
have_kv() {
    PYTHONPATH="$cache${PYTHONPATH:+:$PYTHONPATH}" python3 -c \
        "import kubernetes_validate.version as v, sys; sys.exit(v.__version__ != '$KV_VERSION')" \
        >/dev/null 2>&1
}
# Two runs at once on a fresh machine (tests run in parallel) must not install over each
# other: the first to take the lock installs (into a temporary sibling folder renamed into
# place), the others wait for it and then find the package installed. The lock is flock(2)
# on an open file, taken through python3 (needed anyway) so that it works without util-linux;
# it belongs to this shell's open file and is released when the file is closed.
if ! have_kv; then
    mkdir -p "$(dirname "$cache")"
    exec 9>"${cache}.lock"
    python3 -c 'import fcntl; fcntl.flock(9, fcntl.LOCK_EX)' || {
        echo "crosscheck: cannot lock ${cache}.lock" >&2
        exit 3
    }
    if ! have_kv; then
        echo "crosscheck: installing kubernetes-validate $KV_VERSION into $cache" >&2
        tmp="$(mktemp -d "${cache}.tmp.XXXXXX")"
        if ! python3 -m pip install --quiet --disable-pip-version-check --no-compile \
                --target "$tmp" "kubernetes-validate==$KV_VERSION" >&2; then
            rm -rf "$tmp"
            echo "crosscheck: could not install kubernetes-validate $KV_VERSION (no pip or no network?)" >&2
            exit 3
        fi
        rm -rf "$cache"
        mv "$tmp" "$cache"
        have_kv || { echo "crosscheck: kubernetes-validate installed but not importable" >&2; exit 3; }
    fi
    exec 9>&-
fi

PYTHONPATH="$cache${PYTHONPATH:+:$PYTHONPATH}" exec python3 - "$k8s_version" "$expect_invalid" "$results" "${paths[@]}" <<'PY'
import os
import sys

import yaml
import kubernetes_validate.utils as kv

version, expect_invalid, results = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1"
roots = sys.argv[4:]

files = []
for root in roots:
    if os.path.isfile(root):
        files.append(root)
    elif os.path.isdir(root):
        for d, dirs, names in os.walk(root):
            dirs.sort()
            files.extend(os.path.join(d, n) for n in sorted(names)
                         if n.endswith((".yaml", ".yml")))
    else:
        print("crosscheck: %s does not exist" % root, file=sys.stderr)
        sys.exit(2)


def group_of(api_version):
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


checked = skipped = 0
bad = []        # (file, message): results not as expected
for path in files:
    try:
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
    except Exception as e:  # a file that is not YAML is a failure either way
        docs = None
        reason = "not valid YAML: %s" % e
    file_rejected = docs is None
    reasons = [] if docs is not None else [reason]
    for doc in docs or []:
        if not isinstance(doc, dict) or "kind" not in doc:
            continue
        api_version = str(doc.get("apiVersion", ""))
        kind = doc.get("kind")
        name = (doc.get("metadata") or {}).get("name", "?") if isinstance(doc.get("metadata"), dict) else "?"
        label = "%s %s (%s)" % (kind, name, api_version)
        sops = doc.get("sops")
        if isinstance(sops, dict) and "mac" in sops and "version" in sops:
            # SOPS-encrypted: Flux decrypts it and drops `sops` before applying; encrypted
            # values stay strings, which is what their fields expect.
            doc = {k: v for k, v in doc.items() if k != "sops"}
        try:
            kv.validate(doc, version, strict=True)
            checked += 1
        except kv.SchemaNotFoundError:
            if "." in group_of(api_version):
                skipped += 1
                print("SKIP %s: %s is a custom resource kubernetes-validate has no schema for"
                      % (path, label))
                continue
            checked += 1
            file_rejected = True
            reasons.append("%s: no schema for Kubernetes %s" % (label, version))
        except kv.VersionNotSupportedError:
            print("crosscheck: kubernetes-validate does not support Kubernetes %s" % version,
                  file=sys.stderr)
            sys.exit(2)
        except kv.ValidationError as e:
            checked += 1
            file_rejected = True
            where = ".".join(str(p) for p in e.path)
            reasons.append("%s: %s: %s" % (label, where, e.message[:300]))
        except Exception as e:  # e.g. a document without apiVersion
            checked += 1
            file_rejected = True
            reasons.append("%s: could not be validated: %s" % (label, e))
    if results:
        if file_rejected:
            print("RESULT REJECT %s %s" % (path, "; ".join(reasons).replace("\n", " ")))
        else:
            print("RESULT ACCEPT %s" % path)
    elif expect_invalid:
        if file_rejected:
            print("REJECTED (as expected) %s: %s" % (path, "; ".join(reasons)))
        else:
            bad.append((path, "accepted, but it should be rejected"))
    else:
        for r in reasons:
            bad.append((path, r))

for path, message in bad:
    print("FAIL %s: %s" % (path, message))
mode = "results" if results else "negative" if expect_invalid else "positive"
print("crosscheck (kubernetes-validate, Kubernetes %s, %s): %d files, %d objects checked, "
      "%d custom resources skipped, %d unexpected results"
      % (version, mode, len(files), checked, skipped, len(bad)))
sys.exit(1 if bad else 0)
PY
