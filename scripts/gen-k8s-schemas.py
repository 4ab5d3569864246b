#!/usr/bin/env python3
"""Regenerate the Kubernetes and CRD JSON Schemas that `strata validate` bundles.

Run from anywhere (`make schemas` runs it from the repository root):

    python3 scripts/gen-k8s-schemas.py [--count N] [--package-version X.Y.Z]

What it does:

1. installs the pinned PyPI package `kubernetes-validate` (which ships the Kubernetes
   OpenAPI definitions converted to JSON Schema draft 2020-12, in "strict" variants
   where every object that lists its properties has `additionalProperties: false`) into
   a temporary directory with `pip install --target`;
2. takes the N newest Kubernetes minor versions it ships (default 7: at least the four newest
   that the issue asks for, plus 1.31-1.33 because sites pin `kubernetesVersion: "1.31"`;
   each costs ~25-30 KB compressed) and writes, per
   version, `schemas/kubernetes/v<minor>.json.gz`: one JSON document holding every
   top-level kind schema (keyed `<group>/<version>/<Kind>`, core kinds `<version>/<Kind>`)
   and the shared definitions, trimmed to what validation needs (descriptions and
   merge/list annotations removed), gzip-compressed with mtime 0 so the bytes only
   change when the input does;
3. copies the Flux and Argo CD JSON Schemas Strata emits objects of from
   `<shared>/crds/schemas` (env STRATA_SHARED, default `../shared` next to the
   repository) into `schemas/crds/<group>/<kind>_<version>.json`, when that folder exists;
4. writes README.md files noting the source, version and licence of both sets.

The output is deterministic: the same package version gives the same bytes.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The pinned source. Bump it, run `make schemas`, review the diff and commit.
PACKAGE = "kubernetes-validate"
PACKAGE_VERSION = "1.37.0"

# Schema keywords that carry no validation meaning for Strata: documentation and the
# merge/list annotations of the API server. Removed to keep the bundle small.
DROP_KEYWORDS = {
    "description",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-unions",
}

# The custom resources Strata itself emits (GitOps output): (group, kind, version).
CRD_SCHEMAS = [
    ("kustomize.toolkit.fluxcd.io", "kustomization", "v1"),
    ("source.toolkit.fluxcd.io", "gitrepository", "v1"),
    ("source.toolkit.fluxcd.io", "ocirepository", "v1"),
    ("helm.toolkit.fluxcd.io", "helmrelease", "v2"),
    ("argoproj.io", "application", "v1alpha1"),
    ("argoproj.io", "appproject", "v1alpha1"),
    ("argoproj.io", "applicationset", "v1alpha1"),
]

# Keywords whose value is a map from names to schemas (the names are data, not keywords).
SCHEMA_MAPS = {"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"}


def trim(schema):
    """Drops documentation keywords from a schema, recursively, leaving property names alone."""
    if isinstance(schema, list):
        return [trim(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in DROP_KEYWORDS:
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: trim(sub) for name, sub in value.items()}
        else:
            out[key] = trim(value)
    return out


def expected_file(gvk):
    """The file name kubernetes-validate looks a group/version/kind up under."""
    group = gvk.get("group", "")
    prefix = group.split(".")[0] + "-" if group else ""
    return "%s-%s%s.json" % (gvk["kind"].lower(), prefix, gvk["version"])


def api_version(gvk):
    group = gvk.get("group", "")
    return "%s/%s" % (group, gvk["version"]) if group else gvk["version"]


def install(tmp):
    """Installs the pinned package into `tmp` and returns its schema folder."""
    target = Path(tmp) / "site"
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--no-compile", "--target", str(target),
        "%s==%s" % (PACKAGE, PACKAGE_VERSION),
    ]
    subprocess.run(cmd, check=True)
    root = target / "kubernetes_validate" / "kubernetes-json-schema"
    if not root.is_dir():
        sys.exit("gen-k8s-schemas: %s has no kubernetes-json-schema folder" % PACKAGE)
    licence = None
    for dist in target.glob("kubernetes_validate-*.dist-info"):
        for cand in list(dist.glob("LICENSE*")) + list(dist.glob("licenses/*")):
            if cand.is_file():
                licence = cand.read_text(encoding="utf-8", errors="replace")
    return root, licence


def minor_key(name):
    m = re.match(r"^v(\d+)\.(\d+)\.(\d+)-local-strict$", name)
    return (int(m.group(1)), int(m.group(2))) if m else None


def build_version(folder):
    """One version's bundle: {"kinds": {apiVersion/Kind: schema}, "definitions": {...}}."""
    defs_doc = json.loads((folder / "_definitions.json").read_text(encoding="utf-8"))
    definitions = trim(defs_doc["$defs"])
    kinds = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("_") or path.name == "all.json":
            continue
        schema = json.loads(path.read_text(encoding="utf-8"))
        gvks = schema.get("x-kubernetes-group-version-kind") if isinstance(schema, dict) else None
        if not isinstance(gvks, list):
            continue
        for gvk in gvks:
            if expected_file(gvk) != path.name:
                continue
            body = trim(schema)
            for key in ("$schema", "$id", "x-kubernetes-group-version-kind"):
                body.pop(key, None)
            kinds["%s/%s" % (api_version(gvk), gvk["kind"])] = body
    return {"kinds": kinds, "definitions": definitions}


def write_gz(path, data):
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    buf = io.BytesIO()
    # mtime=0 and no file name: the same JSON always gives the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    path.write_bytes(buf.getvalue())
    return len(raw), len(buf.getvalue())


def copy_crds(repo, shared, out_dir):
    src_root = shared / "crds" / "schemas"
    if not src_root.is_dir():
        print("gen-k8s-schemas: %s not found; schemas/crds left as it is" % src_root)
        return False
    rows = []
    for group, kind, version in CRD_SCHEMAS:
        src = src_root / group / ("%s_%s.json" % (kind, version))
        if not src.is_file():
            sys.exit("gen-k8s-schemas: missing %s" % src)
        dst = out_dir / group / src.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        # Re-serialised with sorted keys so the copies are byte-stable whatever the source's layout.
        data = json.loads(src.read_text(encoding="utf-8"))
        dst.write_text(json.dumps(data, sort_keys=True, indent=1) + "\n", encoding="utf-8")
        rows.append((group, kind, version, hashlib.sha256(dst.read_bytes()).hexdigest()[:16]))
    # The upstream table (repository, path, tag, commit, sha256 of each CRD file).
    provenance = ""
    readme = shared / "crds" / "README.md"
    if readme.is_file():
        provenance = "\n".join(
            line for line in readme.read_text(encoding="utf-8").splitlines()
            if line.startswith("|")
        )
    table = "\n".join(
        "| `%s/%s_%s.json` | `%s` | %s |" % (g, k, v, g, h) for g, k, v, h in rows
    )
    text = """# CRD schemas of the custom resources Strata emits

Generated by `scripts/gen-k8s-schemas.py` (`make schemas`) from the project's shared CRD
fixtures (`crds/schemas/` in the shared reference folder): each file is the
`openAPIV3Schema` of one served version of an upstream CustomResourceDefinition, re-serialised
with sorted keys. `strata validate` loads this folder like any `--schema-dir`
(`<group>/<kind>_<version>.json`), adding strictness (unknown fields are errors, except under
`x-kubernetes-preserve-unknown-fields`) and the Kubernetes `ObjectMeta` rules when it compiles them.

Licence: Apache-2.0, like the upstream projects they come from (Flux: fluxcd/kustomize-controller,
fluxcd/source-controller, fluxcd/helm-controller; Argo CD: argoproj/argo-cd); see the upstream
LICENSE files at the tags below.

| file | group | sha256 (first 16 hex) |
|---|---|---|
%s

## Upstream provenance (the CRD files the schemas were extracted from)

%s
""" % (table, provenance)
    (out_dir / "README.md").write_text(text, encoding="utf-8")
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=7,
                        help="how many of the newest Kubernetes minor versions to bundle")
    parser.add_argument("--from-dir", type=Path,
                        help="use an already unpacked kubernetes-json-schema folder (no pip)")
    args = parser.parse_args()

    repo = Path(__file__).resolve().parent.parent
    shared = Path(os.environ.get("STRATA_SHARED", repo.parent / "shared")).resolve()
    k8s_out = repo / "schemas" / "kubernetes"
    crd_out = repo / "schemas" / "crds"

    with tempfile.TemporaryDirectory(prefix="strata-k8s-schemas-") as tmp:
        if args.from_dir:
            root, licence = args.from_dir, None
        else:
            root, licence = install(tmp)
        strict = sorted(
            (minor_key(p.name), p) for p in root.iterdir() if minor_key(p.name) is not None
        )
        if len(strict) < args.count:
            sys.exit("gen-k8s-schemas: only %d versions shipped" % len(strict))
        chosen = strict[-args.count:]

        k8s_out.mkdir(parents=True, exist_ok=True)
        for old in k8s_out.glob("v*.json.gz"):
            old.unlink()
        rows = []
        for (major, minor), folder in chosen:
            bundle = build_version(folder)
            name = "v%d.%d.json.gz" % (major, minor)
            raw, packed = write_gz(k8s_out / name, bundle)
            rows.append((name, folder.name, len(bundle["kinds"]), len(bundle["definitions"]),
                         raw, packed))
            print("gen-k8s-schemas: %s: %d kinds, %d definitions, %d bytes (%d gzip)"
                  % (name, len(bundle["kinds"]), len(bundle["definitions"]), raw, packed))

        licence_line = "Apache License 2.0"
        if licence and "Apache License" not in licence:
            licence_line = "see the package's LICENSE file (not recognised as Apache-2.0!)"
        table = "\n".join("| `%s` | `%s` | %d | %d | %d | %d |" % r for r in rows)
        readme = """# Bundled Kubernetes JSON Schemas

Generated by `scripts/gen-k8s-schemas.py` (run `make schemas`; it needs PyPI) from the PyPI
package **`%s` %s** (https://github.com/willthames/kubernetes-validate, by Will Thames),
which ships the Kubernetes OpenAPI definitions converted to JSON Schema draft 2020-12. The
"-local-strict" variants are used: every object schema that lists its properties has
`additionalProperties: false`, like kubeconform's `-strict`.

Licence: %s (Apache-2.0), as stated in the package metadata and its LICENSE file; the
Kubernetes OpenAPI definitions they are derived from are Apache-2.0 as well
(kubernetes/kubernetes).

Each `v<minor>.json.gz` holds one JSON document, gzip-compressed with mtime 0 (deterministic):
`{"kinds": {"<apiVersion>/<Kind>": schema}, "definitions": {"<definition name>": schema}}`.
Kind schemas refer to definitions as `/api/_definitions.json#/$defs/<name>`, definitions to
each other as `#/$defs/<name>` (resolved against `https://kubernetes.io/api/_definitions.json`).
Trimmed for size: the keywords %s are removed; nothing that constrains a value is changed.
The `strata-validate` crate embeds these files in the binary and adjusts a few definitions when
it compiles them (int-or-string, quantities, object names and labels); see its documentation.

| file | upstream folder | kinds | definitions | JSON bytes | gzip bytes |
|---|---|---|---|---|---|
%s

To regenerate: `make schemas` (or `python3 scripts/gen-k8s-schemas.py --count N` for a
different number of versions), then review and commit the result. To bundle a newer
Kubernetes, bump `PACKAGE_VERSION` in the script first. The list of embedded files in
`compiler/validate/src/bundle.rs` must match this folder (a test checks it).
""" % (PACKAGE, PACKAGE_VERSION, licence_line,
       ", ".join("`%s`" % k for k in sorted(DROP_KEYWORDS)), table)
        (k8s_out / "README.md").write_text(readme, encoding="utf-8")

    if copy_crds(repo, shared, crd_out):
        print("gen-k8s-schemas: copied %d CRD schemas into %s" % (len(CRD_SCHEMAS), crd_out))


if __name__ == "__main__":
    main()
