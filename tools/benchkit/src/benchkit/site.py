"""Build the static trend dashboard from a loaded history.

The site works from ``file://`` without a server: browsers refuse ``fetch`` of
local files, so every data file is a small script that hands its JSON to
``window.benchkitLoaded``; the page loads them with ``<script>`` tags on
demand. One index (runs, benchmarks, flags) plus one file per benchmark, per
run and per machine keeps the first paint quick with thousands of runs.

Nothing from the results is ever written into HTML: it travels as JSON and
the page puts it into the DOM as text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.util
import json
import re
import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from benchkit.config import Thresholds
from benchkit.history import SITE_MARKER, BenchResult, History, Run
from benchkit.machine import slugify
from benchkit.stats import detect_steps, relative_threshold

__all__ = ["SiteSummary", "benchmark_id", "build_site", "plotly_js_path"]

_ASSETS = ("index.html", "app.js", "style.css")
_OUR_IMPL = "ours"
_HEX = re.compile(r"^[0-9a-fA-F]{7,64}$")


@dataclass(frozen=True)
class SiteSummary:
    """What a build produced, for the command line to report."""

    index_html: Path
    runs: int
    benchmarks: int
    machines: int
    flags: int
    skipped: int


def plotly_js_path() -> Path:
    """The minified plotly.js that the ``plotly`` Python package ships."""
    spec = importlib.util.find_spec("plotly")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "package_data" / "plotly.min.js"
        if candidate.is_file():
            return candidate
    msg = "plotly.min.js not found: install the 'plotly' Python package (benchkit depends on it)"
    raise FileNotFoundError(msg)


def benchmark_id(base: str) -> str:
    """A stable file name for a chart (a group or a test function)."""
    tail = base.removeprefix("group:").rsplit("::", 1)[-1]
    digest = hashlib.sha1(base.encode(), usedforsecurity=False).hexdigest()[:10]
    return f"{slugify(tail)[:48]}-{digest}"


def build_site(
    history: History,
    out: Path,
    *,
    thresholds: Thresholds | None = None,
    commit_url: str | None = None,
    docs_url: str | None = None,
) -> SiteSummary:
    """Write the site into ``out`` (replacing a previous build there).

    ``docs_url``, when given, is linked from the page header as
    "Documentation" (the published site passes ``../index.html``).
    """
    if commit_url is not None and "{commit}" not in commit_url:
        msg = f"commit_url must contain '{{commit}}', got {commit_url!r}"
        raise ValueError(msg)
    if docs_url is not None and not _is_safe_link(docs_url):
        msg = f"docs_url must be a relative path or an http(s) URL, got {docs_url!r}"
        raise ValueError(msg)
    thresholds = thresholds or Thresholds()
    _prepare_out(out)
    run_index = {id(run): number for number, run in enumerate(history.runs)}
    by_machine: dict[str, list[Run]] = defaultdict(list)
    for run in history.runs:
        by_machine[run.machine_key].append(run)

    benchmarks, flags, run_thresholds = _write_benchmarks(out, by_machine, run_index, thresholds)
    _write_runs(out, history.runs, run_thresholds)
    ratio_machines = _write_ratios(out, by_machine, run_index)
    index = {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit_url": commit_url,
        "docs_url": docs_url,
        "machines": [_machine_entry(key, runs) for key, runs in sorted(by_machine.items())],
        "runs": [_run_entry(run) for run in history.runs],
        "benchmarks": benchmarks,
        "flags": flags,
        "ratio_machines": ratio_machines,
        "skipped": [
            {"path": _display_path(item.path, history.root), "reason": item.reason}
            for item in history.skipped
        ],
        "thresholds": {
            "default": dataclasses.asdict(thresholds.default),
            "overrides": [
                [pattern, dataclasses.asdict(config)] for pattern, config in thresholds.overrides
            ],
        },
    }
    _write_data(out / "data" / "index.js", "index", index)
    return SiteSummary(
        index_html=out / "index.html",
        runs=len(history.runs),
        benchmarks=len(benchmarks),
        machines=len(by_machine),
        flags=len(flags),
        skipped=len(history.skipped),
    )


def _is_safe_link(url: str) -> bool:
    """Whether ``url`` is a link the page may follow: relative, or http(s) (never javascript:)."""
    scheme, _, rest = url.partition(":")
    if not rest or "/" in scheme:
        return bool(url.strip())
    return scheme.lower() in {"http", "https"}


def _prepare_out(out: Path) -> None:
    if out.exists():
        if not (out / SITE_MARKER).exists() and any(out.iterdir()):
            msg = (
                f"output directory {str(out)!r} is not empty and is not a benchkit site;"
                " refusing to overwrite it"
            )
            raise ValueError(msg)
        shutil.rmtree(out)
    (out / "assets").mkdir(parents=True)
    (out / SITE_MARKER).write_text("built by benchkit; safe to delete\n", encoding="utf-8")
    shutil.copyfile(plotly_js_path(), out / "assets" / "plotly.min.js")
    assets = resources.files("benchkit") / "assets"
    for name in _ASSETS:
        target = out / name if name == "index.html" else out / "assets" / name
        target.write_bytes((assets / name).read_bytes())


def _write_data(path: Path, key: str, payload: Any) -> None:
    # ensure_ascii keeps U+2028/9 and every non-ASCII character out of the
    # script, so the file is valid JavaScript whatever the names contain; the
    # markup characters only ever occur inside JSON strings, where \u escapes
    # mean the same, so no data file can contain a tag even by accident.
    body = json.dumps(payload, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    body = body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"benchkitLoaded({json.dumps(key)},{body});\n", encoding="utf-8")


def _machine_entry(key: str, runs: list[Run]) -> dict[str, Any]:
    info = runs[-1].machine_info
    cpu = _as_dict(info.get("cpu"))
    gpus = info.get("gpus")
    gpus = gpus if isinstance(gpus, list) else []
    return {
        "key": key,
        "runs": len(runs),
        "cpu_model": _text(info.get("cpu_model")) or _text(cpu.get("brand_raw")),
        "cpu_cores": info.get("cpu_cores") if isinstance(info.get("cpu_cores"), int) else None,
        "memory_gib": info.get("memory_gib") if isinstance(info.get("memory_gib"), int) else None,
        "gpus": [_text(gpu.get("name")) for gpu in gpus if isinstance(gpu, dict)],
        "gpu_driver": _text(info.get("gpu_driver")),
        "cuda_version": _text(info.get("cuda_version")),
        "numpy_version": _text(info.get("numpy_version")),
        "cupy_version": _text(info.get("cupy_version")),
        "python": _text(info.get("python_version")),
        "system": " ".join(filter(None, (_text(info.get("system")), _text(info.get("release"))))),
    }


def _run_entry(run: Run) -> dict[str, Any]:
    return {
        "id": run.run_id,
        "machine": run.machine_key,
        "time": run.time.isoformat(timespec="seconds"),
        "commit": run.commit,
        "linkable": bool(run.commit and _HEX.fullmatch(run.commit)),
        "commit_time": run.commit_time.isoformat(timespec="seconds") if run.commit_time else None,
        "branch": run.branch,
        "dirty": run.dirty,
        "message": run.message,
        "packages": sorted(set(run.packages)),
    }


def _write_benchmarks(
    out: Path,
    by_machine: dict[str, list[Run]],
    run_index: dict[int, int],
    thresholds: Thresholds,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[int, dict[str, float]]]:
    """Per-chart series files; returns index entries, flags and per-run thresholds.

    A chart holds one pytest-benchmark group (or one test function when it has
    no group): every parametrization and every implementation measured for that
    operation, so ours, zarr and the hardware limit share an axis.
    """
    charts: dict[str, dict[str, Any]] = {}
    flags: list[dict[str, Any]] = []
    run_thresholds: dict[int, dict[str, float]] = defaultdict(dict)
    for machine, runs in sorted(by_machine.items()):
        series_runs: dict[str, list[Run]] = defaultdict(list)
        for run in runs:
            for fullname in run.results:
                series_runs[fullname].append(run)
        for fullname, with_result in sorted(series_runs.items()):
            results = [run.results[fullname] for run in with_result]
            latest = results[-1]
            config = thresholds.for_benchmark(fullname)
            medians = [result.stats.median for result in results]
            for position, run in enumerate(with_result):
                window = medians[max(0, position + 1 - config.window) : position + 1]
                run_thresholds[run_index[id(run)]][fullname] = relative_threshold(window, config)
            chart_id = benchmark_id(latest.chart_key)
            chart = charts.setdefault(
                chart_id,
                {
                    "title": latest.group or latest.base.rsplit("::", 1)[-1],
                    "group": latest.group,
                    "tests": set(),
                    "devices": set(),
                    "machines": set(),
                    "series": [],
                    "flags": {"regression": 0, "improvement": 0},
                },
            )
            chart["tests"].add(latest.base)
            chart["devices"].add(latest.device)
            chart["machines"].add(machine)
            steps = detect_steps(medians, config)
            chart["series"].append(
                {
                    "machine": machine,
                    "fullname": fullname,
                    "name": latest.fullname.rsplit("::", 1)[-1],
                    "param": latest.param,
                    "impl": latest.impl,
                    "variant": latest.variant,
                    "device": latest.device,
                    "points": [
                        [
                            run_index[id(run)],
                            _sig(r.stats.median),
                            _sig(r.stats.q1),
                            _sig(r.stats.q3),
                            _sig(r.stats.min),
                            _sig(r.stats.max),
                            r.stats.rounds,
                        ]
                        for run, r in zip(with_result, results, strict=True)
                    ],
                    "steps": [
                        {
                            "run": run_index[id(with_result[step.index])],
                            "kind": step.kind,
                            "before": step.before,
                            "after": step.after,
                            "threshold": step.threshold,
                            "confirmed": step.confirmed,
                        }
                        for step in steps
                    ],
                }
            )
            for step in steps:
                chart["flags"][step.kind] += 1
                flags.append(
                    {
                        "bench": chart_id,
                        "fullname": fullname,
                        "name": latest.fullname.rsplit("::", 1)[-1],
                        "machine": machine,
                        "device": latest.device,
                        "run": run_index[id(with_result[step.index])],
                        "kind": step.kind,
                        "before": step.before,
                        "after": step.after,
                        "change": step.change,
                        "threshold": step.threshold,
                        "confirmed": step.confirmed,
                    }
                )
    entries: list[dict[str, Any]] = []
    for chart_id, chart in sorted(charts.items(), key=lambda item: item[1]["title"]):
        _label_series(chart["series"])
        _write_data(
            out / "data" / "bench" / f"{chart_id}.js",
            f"bench/{chart_id}",
            {"id": chart_id, "title": chart["title"], "series": chart["series"]},
        )
        entries.append(
            {
                "id": chart_id,
                "title": chart["title"],
                "group": chart["group"],
                "tests": sorted(chart["tests"]),
                "devices": sorted(chart["devices"]),
                "machines": sorted(chart["machines"]),
                "labels": sorted({series["label"] for series in chart["series"]}),
                "flags": chart["flags"],
            }
        )
    flags.sort(key=lambda flag: (-flag["run"], flag["fullname"]))
    return entries, flags, run_thresholds


def _label_series(series: list[dict[str, Any]]) -> None:
    """Name each series by implementation when that tells them apart, else by test id."""
    names = {item["fullname"]: (item["impl"], item["variant"]) for item in series}
    by_impl = all(item["impl"] for item in series) and len(set(names.values())) == len(names)
    # A variant shared by the whole chart is already in its title.
    shared_variant = len({item["variant"] for item in series}) == 1
    for item in series:
        if by_impl:
            variant = "" if shared_variant else item["variant"]
            item["label"] = item["impl"] + (f" [{variant}]" if variant else "")
        else:
            item["label"] = item["name"]


def _write_runs(out: Path, runs: list[Run], run_thresholds: dict[int, dict[str, float]]) -> None:
    for number, run in enumerate(runs):
        payload = {
            "run": number,
            "results": {
                fullname: {
                    "bench": benchmark_id(result.chart_key),
                    "device": result.device,
                    "median": result.stats.median,
                    "q1": result.stats.q1,
                    "q3": result.stats.q3,
                    "threshold": run_thresholds[number].get(fullname),
                }
                for fullname, result in sorted(run.results.items())
            },
        }
        _write_data(out / "data" / "runs" / f"{number}.js", f"runs/{number}", payload)


def _write_ratios(
    out: Path, by_machine: dict[str, list[Run]], run_index: dict[int, int]
) -> list[dict[str, str]]:
    """Our median over each baseline's median, per pair and run, one file per machine."""
    written: list[dict[str, str]] = []
    for machine, runs in sorted(by_machine.items()):
        series: dict[tuple[str, str], dict[str, Any]] = {}
        for run in runs:
            for key, ours, baseline in _pairs(run):
                entry = series.setdefault(
                    (key, baseline.impl or ""),
                    {
                        "pair": key,
                        "baseline": baseline.impl,
                        "device": ours.device,
                        "bench": benchmark_id(ours.chart_key),
                        "points": [],
                    },
                )
                entry["points"].append(
                    [
                        run_index[id(run)],
                        _sig(ours.stats.median / baseline.stats.median),
                        _sig(ours.stats.median),
                        _sig(baseline.stats.median),
                    ]
                )
        if series:
            digest = hashlib.sha1(machine.encode(), usedforsecurity=False).hexdigest()[:6]
            key = f"ratios/{slugify(machine)[:60]}-{digest}"
            written.append({"machine": machine, "data": key})
            ordered = sorted(series.values(), key=lambda s: (s["baseline"] != "zarr", s["pair"]))
            _write_data(out / "data" / f"{key}.js", key, {"machine": machine, "series": ordered})
    return written


def _pairs(run: Run) -> Iterable[tuple[str, BenchResult, BenchResult]]:
    """(pair key, ours, baseline) for every baseline measured beside one of ours."""
    sides: dict[str, dict[str, list[BenchResult]]] = defaultdict(dict)
    for result in run.results.values():
        if result.impl:
            sides[result.pair_key].setdefault(result.impl, []).append(result)
    for key, found in sorted(sides.items()):
        ours = found.get(_OUR_IMPL, [])
        # Ambiguous pairings (two "ours" in one scope) are left out rather than guessed.
        if len(ours) != 1:
            continue
        for impl, baselines in sorted(found.items()):
            if impl != _OUR_IMPL and len(baselines) == 1 and baselines[0].stats.median > 0:
                yield key, ours[0], baselines[0]


def _sig(value: float) -> float:
    # Five significant digits are far below timing noise and halve the data files.
    return float(f"{value:.5g}")


def _display_path(path: Path, root: Path) -> str:
    """``path`` as the reader knows it: inside the results directory when it is."""
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
