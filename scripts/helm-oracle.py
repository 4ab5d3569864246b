#!/usr/bin/env python3
"""Helm's own engine as a batch oracle for Strata's differential tests.

Renders many charts in one Python process with Helm SDK v4.2.3 (PyPI helm-python-sdk==0.2.2),
so that a test pays the library's start-up once, not per chart.

Request (JSON, read from the file named by the first argument, or stdin when it is `-` or
absent): a list of objects

    {"chart": "path/to/chart",             # a chart folder
     "values": {...},                      # user values (optional; as `--set`/`-f` would give)
     "values_files": ["a.yaml", ...],      # values files read with Helm's YAML reader and merged
                                           #   over `values` in order (optional)
     "dependencies": {"name": "path"},     # chart folders to present as charts/<name> (optional;
                                           #   what `helm dependency build` does for file://)
     "name": "release", "namespace": "ns", # release name and namespace (optional)
     "repeat": 1}                          # render this many times (optional; nondeterminism)

Answer (JSON, written to stdout): a list, one entry per request, in order:

    {"files": {"<chart>/templates/<file>": "text", ...}, "seconds": 0.01}
    {"error": "message", "seconds": 0.01}

With `repeat` > 1, `files` is a list of that many dictionaries (or `error` for the first failure).
"""

import json
import os
import sys
import tempfile
import time


def merge(base, over):
    """Merges `over` into `base` as Helm merges several `-f` files: maps deeply, the rest replaced."""
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v
    return base


def chart_with_dependencies(chart, deps, scratch):
    """A folder that looks like `chart` with `deps` under charts/: symbolic links only (Helm's
    loader follows them), so nothing is copied."""
    if not deps:
        return chart
    chart = os.path.abspath(chart)
    farm = tempfile.mkdtemp(dir=scratch)
    # The folder's base name is not the chart's name for Helm (Chart.yaml's is), but keep it.
    top = os.path.join(farm, os.path.basename(chart))
    os.mkdir(top)
    for entry in os.listdir(chart):
        if entry == "charts":
            continue
        os.symlink(os.path.join(chart, entry), os.path.join(top, entry))
    charts = os.path.join(top, "charts")
    os.mkdir(charts)
    own = os.path.join(chart, "charts")
    if os.path.isdir(own):
        for entry in os.listdir(own):
            os.symlink(os.path.join(own, entry), os.path.join(charts, entry))
    for name, path in deps.items():
        link = os.path.join(charts, name)
        if not os.path.lexists(link):
            os.symlink(os.path.abspath(path), link)
    return top


def render_one(req, scratch):
    from helm_python.chart import Chart, values_from_yaml

    values = dict(req.get("values") or {})
    for path in req.get("values_files") or []:
        with open(path, encoding="utf-8") as f:
            merge(values, values_from_yaml(f.read()) or {})
    path = chart_with_dependencies(req["chart"], req.get("dependencies"), scratch)
    repeat = max(1, int(req.get("repeat", 1)))
    outs = []
    with Chart.load(path) as chart:
        for _ in range(repeat):
            outs.append(
                chart.render(
                    values,
                    name=req.get("name") or "release-name",
                    namespace=req.get("namespace") or "default",
                )
            )
    return outs[0] if repeat == 1 else outs


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "-"
    if src == "-":
        requests = json.load(sys.stdin)
    else:
        with open(src, encoding="utf-8") as f:
            requests = json.load(f)
    try:
        import helm_python.chart  # noqa: F401  (fail early, with a clear message)
        from helm_python.logging import disable_logging
    except ImportError as e:
        sys.exit("helm-oracle: helm-python-sdk is not installed (pip install helm-python-sdk==0.2.2): %s" % e)
    try:
        # The loader logs every symbolic link it follows (see `dependencies`): noise here.
        disable_logging()
    except Exception:  # noqa: BLE001  (an older library: keep its logging)
        pass
    answers = []
    with tempfile.TemporaryDirectory(prefix="helm-oracle.") as scratch:
        for req in requests:
            t0 = time.perf_counter()
            try:
                answer = {"files": render_one(req, scratch)}
            except Exception as e:  # noqa: BLE001  (every failure is an answer)
                detail = getattr(e, "detail", None) or str(e)
                answer = {"error": detail}
            answer["seconds"] = time.perf_counter() - t0
            answers.append(answer)
    json.dump(answers, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
