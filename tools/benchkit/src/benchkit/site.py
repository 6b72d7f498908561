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
import fcntl
import hashlib
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from benchkit.compare import (
    compare_runs,
    format_result,
    pair_warnings,
    pool_runs,
    previous_commit_runs,
)
from benchkit.config import Thresholds
from benchkit.history import SITE_MARKER, BenchResult, History, Run
from benchkit.judge import (
    Flag,
    baselines_by_ours,
    describe_rule,
    flag_history,
    is_ours,
    judge_against,
)
from benchkit.levels import MachineLevels
from benchkit.machine import slugify
from benchkit.wording import judged_speed, speed

__all__ = [
    "COMMIT_URL_ENV",
    "SiteSummary",
    "benchmark_id",
    "build_site",
    "commit_url_from_remote",
    "plotly_js_path",
]

# Overrides the commit link template that `git remote get-url origin` gives.
COMMIT_URL_ENV = "BENCHKIT_COMMIT_URL"
_REMOTE = re.compile(
    r"^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/:]+@)"
    r"(?P<host>github\.com|gitlab\.com)[:/](?P<path>[^\s]+?)(?:\.git)?/?$"
)

_ASSETS = ("index.html", "app.js", "style.css")
_OUR_IMPL = "ours"
_HEX = re.compile(r"^[0-9a-fA-F]{7,64}$")


@dataclass(frozen=True)
class SiteSummary:
    """What a build produced, for the command line to report."""

    index_html: Path
    runs: int
    benchmarks: int  # charts: one per pytest-benchmark group (or test function)
    machines: int
    flags: int  # confirmed regressions and improvements of ours: the ones that count
    skipped: int
    candidates: int = 0  # steps of ours not yet confirmed by enough runs
    drift: int = 0  # steps of ours that the same-run baselines shared
    results: int = 0  # distinct benchmarks (parametrizations), ours and baselines


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


def commit_url_from_remote(cwd: Path | None = None, remote: str = "origin") -> str | None:
    """A commit link template from the git remote, or None (no remote, or an unknown host).

    GitHub and GitLab remotes, over https or ssh, become
    ``https://<host>/<owner>/<repo>/commit/{commit}`` (``/-/commit/`` on GitLab).
    """
    try:
        done = subprocess.run(
            ["git", "remote", "get-url", remote],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            cwd=cwd,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = _REMOTE.match(done.stdout.strip()) if done.returncode == 0 else None
    if match is None:
        return None
    host, path = match.group("host"), match.group("path")
    middle = "/-/commit/" if host == "gitlab.com" else "/commit/"
    return f"https://{host}/{path}{middle}{{commit}}"


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
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Built beside ``out`` (same filesystem, so the swap is a rename) and only
    # then swapped in: a build that fails, or one racing another, never leaves
    # a half-written site behind.
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        summary = _build(history, staging, thresholds, commit_url, docs_url)
        _swap_in(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dataclasses.replace(summary, index_html=out / "index.html")


def _build(
    history: History,
    out: Path,
    thresholds: Thresholds,
    commit_url: str | None,
    docs_url: str | None,
) -> SiteSummary:
    _write_assets(out)
    run_index = {id(run): number for number, run in enumerate(history.runs)}
    by_machine: dict[str, list[Run]] = defaultdict(list)
    for run in history.runs:
        by_machine[run.machine_key].append(run)
    levels = {machine: MachineLevels(runs, thresholds) for machine, runs in by_machine.items()}

    benchmarks, flags = _write_benchmarks(out, by_machine, run_index, thresholds)
    compared = _write_runs(out, history, by_machine, run_index, levels, thresholds)
    ratio_machines = _write_ratios(out, by_machine, run_index, thresholds)
    index = {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit_url": commit_url,
        "docs_url": docs_url,
        "machines": [_machine_entry(key, runs) for key, runs in sorted(by_machine.items())],
        "runs": [
            {**_run_entry(run), "compared": number in compared}
            for number, run in enumerate(history.runs)
        ],
        "benchmarks": benchmarks,
        "flags": flags,
        "ratio_machines": ratio_machines,
        # The Ours vs zarr view opens on the machine with the most history.
        "main_machine": max(by_machine, key=lambda key: (len(by_machine[key]), key))
        if by_machine
        else None,
        "skipped": [
            {"path": _display_path(item.path, history.root), "reason": item.reason}
            for item in history.skipped
        ],
        "rule": describe_rule(thresholds.default),
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
        flags=sum(1 for flag in flags if flag["status"] == "confirmed"),
        skipped=len(history.skipped),
        candidates=sum(1 for flag in flags if flag["status"] == "candidate"),
        drift=sum(1 for flag in flags if flag["status"] == "drift"),
        results=len({name for run in history.runs for name in run.results}),
    )


def _is_safe_link(url: str) -> bool:
    """Whether ``url`` is a link the page may follow: relative, or http(s) (never javascript:)."""
    scheme, _, rest = url.partition(":")
    if not rest or "/" in scheme:
        return bool(url.strip())
    return scheme.lower() in {"http", "https"}


def _check_out(out: Path) -> None:
    foreign = out.exists() and not (out / SITE_MARKER).exists()
    if foreign and (not out.is_dir() or any(out.iterdir())):
        msg = (
            f"output directory {str(out)!r} is not empty and is not a benchkit site;"
            " refusing to overwrite it"
        )
        raise ValueError(msg)


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by the finished ``staging`` folder.

    Concurrent builds into one folder take turns here, each swap moving a
    complete site in; the last one to finish wins. The lock is on the parent
    folder itself, so no lock file is left in the results tree.
    """
    retired: Path | None = None
    lock = os.open(out.parent, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _check_out(out)
        if out.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            out.replace(retired / "site")
        staging.replace(out)
    finally:
        os.close(lock)  # closing releases the lock
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def _write_assets(out: Path) -> None:
    (out / "assets").mkdir(parents=True)
    (out / SITE_MARKER).write_text("built by benchkit; safe to delete\n", encoding="utf-8")
    shutil.copyfile(plotly_js_path(), out / "assets" / "plotly.min.js")
    assets = resources.files("benchkit") / "assets"
    for name in _ASSETS:
        target = out / name if name == "index.html" else out / "assets" / name
        target.write_bytes((assets / name).read_bytes())
    # mkdtemp makes the folder private; a site is meant to be served and shared.
    out.chmod(0o755)


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
        "partial": run.selection,
    }


def _write_benchmarks(
    out: Path,
    by_machine: dict[str, list[Run]],
    run_index: dict[int, int],
    thresholds: Thresholds,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-chart series files; returns index entries and flags.

    A chart holds one pytest-benchmark group (or one test function when it has
    no group): every parametrization and every implementation measured for that
    operation, so ours, zarr and the hardware limit share an axis. Flags come
    from :func:`benchkit.judge.flag_history`: ours judged against its baselines.
    """
    charts: dict[str, dict[str, Any]] = {}
    flags: list[dict[str, Any]] = []
    for machine, runs in sorted(by_machine.items()):
        flags_by_name: dict[str, list[Flag]] = defaultdict(list)
        for flag in flag_history(runs, thresholds):
            flags_by_name[flag.fullname].append(flag)
        series_runs: dict[str, list[Run]] = defaultdict(list)
        for run in runs:
            for fullname in run.results:
                series_runs[fullname].append(run)
        for fullname, with_result in sorted(series_runs.items()):
            results = [run.results[fullname] for run in with_result]
            latest = results[-1]
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
                    "flags": {
                        "regression": 0,
                        "improvement": 0,
                        "candidate": 0,
                        "drift": 0,
                        "resolved": 0,
                    },
                },
            )
            chart["tests"].add(latest.base)
            chart["devices"].add(latest.device)
            chart["machines"].add(machine)
            entries = _flag_entries(flags_by_name.get(fullname, []), chart_id, latest, run_index)
            nbytes = latest.extra_info.get("bytes")
            chart["series"].append(
                {
                    "machine": machine,
                    "fullname": fullname,
                    "name": latest.fullname.rsplit("::", 1)[-1],
                    "param": latest.param,
                    "impl": latest.impl,
                    "role": "ours" if is_ours(latest) else "baseline",
                    "variant": latest.variant,
                    "device": latest.device,
                    # Bytes moved per call (extra_info["bytes"]): the page also shows GB/s.
                    "bytes": nbytes
                    if isinstance(nbytes, int) and not isinstance(nbytes, bool) and nbytes > 0
                    else None,
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
                    "flags": entries,
                }
            )
            for entry in entries:
                status = entry["status"]
                if entry["resolved_by"] is not None:
                    status = "resolved"  # a regression undone later: not an open one
                chart["flags"][entry["kind"] if status == "confirmed" else status] += 1
            flags.extend(entries)
    entries_out: list[dict[str, Any]] = []
    for chart_id, chart in sorted(charts.items(), key=lambda item: item[1]["title"]):
        _label_series(chart["series"])
        _write_data(
            out / "data" / "bench" / f"{chart_id}.js",
            f"bench/{chart_id}",
            {"id": chart_id, "title": chart["title"], "series": chart["series"]},
        )
        entries_out.append(
            {
                "id": chart_id,
                "title": chart["title"],
                "group": chart["group"],
                "tests": sorted(chart["tests"]),
                "devices": sorted(chart["devices"]),
                "machines": sorted(chart["machines"]),
                "labels": sorted({series["label"] for series in chart["series"]}),
                "flags": chart["flags"],
                "bytes": any(series["bytes"] for series in chart["series"]),
            }
        )
    flags.sort(key=lambda flag: (_STATUS_ORDER[flag["status"]], -flag["run"], flag["fullname"]))
    return entries_out, flags


_STATUS_ORDER = {"confirmed": 0, "candidate": 1, "drift": 2}


def _flag_entries(
    flags: list[Flag], chart_id: str, latest: BenchResult, run_index: dict[int, int]
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for number, flag in enumerate(flags):
        # A counted regression that a later counted improvement of the same
        # benchmark undid is history, not an open problem.
        resolved = next(
            (
                later
                for later in flags[number + 1 :]
                if flag.counted
                and later.counted
                and flag.kind == "regression"
                and later.kind == "improvement"
            ),
            None,
        )
        entries.append(
            {
                "bench": chart_id,
                "fullname": flag.fullname,
                "name": latest.fullname.rsplit("::", 1)[-1],
                "machine": flag.machine,
                "device": latest.device,
                "run": run_index[id(flag.run)],
                "kind": flag.kind,
                "status": flag.status,
                "judged_on": flag.judged_on,
                "before": _finite(flag.before),
                "after": _finite(flag.after),
                "change": _finite(flag.change),
                "words": flag.words,
                "evidence": _evidence(flag),
                "threshold": _finite(flag.threshold),
                "ratio_changes": {k: _finite(v) for k, v in sorted(flag.ratio_changes.items())},
                "baseline_changes": {
                    k: _finite(v) for k, v in sorted(flag.baseline_changes.items())
                },
                "resolved_by": run_index[id(resolved.run)] if resolved else None,
                # Kept for readers of older sites: true only for a counted step.
                "confirmed": flag.status == "confirmed",
            }
        )
    return entries


def _evidence(flag: Flag) -> str:
    """What the step was judged on, in words by the one ratio convention."""

    def said(changes: dict[str, float] | Any) -> str:
        return ", ".join(
            f"{impl} {speed(1.0 + change)}"
            for impl, change in sorted(changes.items())
            if change > -1.0
        )

    if flag.judged_on == "time":
        return "time (no baseline)"
    if flag.status == "drift":
        return f"baselines moved too: {said(flag.baseline_changes)}"
    return f"ours / baseline: {said(flag.ratio_changes)}"


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


def _write_runs(
    out: Path,
    history: History,
    by_machine: dict[str, list[Run]],
    run_index: dict[int, int],
    levels: dict[str, MachineLevels],
    thresholds: Thresholds,
) -> set[int]:
    """One file per run: the run judged against the previous commit here, by the Python rule.

    The compare view only renders these verdicts; it never judges. The base is
    the runs of the previous other commit on the same machine, pooled. Other
    pairs are ``nox -s bench-compare``'s job. Returns the runs that have a base.
    """
    compared: set[int] = set()
    for machine_runs in by_machine.values():
        for position, run in enumerate(machine_runs):
            number = run_index[id(run)]
            payload: dict[str, Any] = {"run": number, "base": None}
            earlier = previous_commit_runs(machine_runs, position, other_commit=True)
            if earlier:
                base = pool_runs(earlier)
                comparisons = compare_runs(
                    history, base, run, thresholds, levels=levels[run.machine_key]
                )
                compared.add(number)
                payload["base"] = {
                    "runs": [run_index[id(r)] for r in earlier],
                    "commit": base.short_commit,
                    "warnings": pair_warnings(base, run),
                    "rows": [_comparison_row(item) for item in comparisons],
                }
            _write_data(out / "data" / "runs" / f"{number}.js", f"runs/{number}", payload)
    return compared


def _comparison_row(item: Any) -> dict[str, Any]:
    judgement = item.judgement
    return {
        "fullname": item.fullname,
        "bench": benchmark_id((item.head or item.base).chart_key),
        "device": (item.head or item.base).device,
        "ours": item.is_ours,
        "base": format_result(item.base),
        "head": format_result(item.head),
        "ratio": _finite(item.ratio) if item.ratio is not None else None,
        "verdict": item.verdict,
        "words": judgement.words if judgement else "not judged (baseline)",
        "why": judgement.reason if judgement else "context, not judged",
    }


def _write_ratios(
    out: Path,
    by_machine: dict[str, list[Run]],
    run_index: dict[int, int],
    thresholds: Thresholds,
) -> list[dict[str, Any]]:
    """Our median over each baseline's median, per pair and run, one file per machine.

    Each series carries the verdict on its latest run (ours against that
    baseline, beyond the ratio's noise or not) and its workload family, so the
    page only draws and counts.
    """
    written: list[dict[str, Any]] = []
    for machine, runs in sorted(by_machine.items()):
        series: dict[tuple[str, str], dict[str, Any]] = {}
        # A scope whose ours is measured with one variant only is named once:
        # the group title already says what the variant would repeat.
        variants: dict[str, set[str]] = defaultdict(set)
        functions: dict[str, set[str]] = defaultdict(set)
        for run in runs:
            for result in run.results.values():
                if result.impl is not None and is_ours(result):
                    variants[result.group or result.base].add(result.variant)
                    functions[result.base].add(result.fullname)
        for run in runs:
            pairs = baselines_by_ours(run)
            for fullname, baselines in sorted(pairs.items()):
                ours = run.results[fullname]
                scope = ours.group or ours.base
                label = scope if ours.group else scope.rsplit("::", 1)[-1]
                if len(variants[scope]) > 1 and ours.variant:
                    label = f"{label} [{ours.variant}]"
                if ours.impl != "ours":
                    label = f"{label} ({ours.impl})"
                for impl, baseline in sorted(baselines.items()):
                    entry = series.setdefault(
                        (fullname, impl),
                        {
                            "pair": label,
                            "fullname": fullname,
                            "baseline": impl,
                            "device": ours.device,
                            "bench": benchmark_id(ours.chart_key),
                            "family": _family(ours, functions),
                            "points": [],
                        },
                    )
                    ratio = ours.stats.median / baseline.stats.median
                    entry["points"].append(
                        [
                            run_index[id(run)],
                            _sig(ratio),
                            _sig(ours.stats.median),
                            _sig(baseline.stats.median),
                        ]
                    )
                    # Ours against a baseline in one run is a difference, not a change:
                    # its noise is the run's own spread (the quartiles) and the floor
                    # under which no difference is called; the ratio's history has
                    # moved with every change of ours and would hide a 3x gap.
                    floor = thresholds.for_benchmark(fullname).min_relative_change
                    verdict = judge_against(ours, baseline, floor)
                    entry["latest"] = {
                        "run": run_index[id(run)],
                        "ratio": _sig(ratio),
                        "verdict": verdict,
                        "words": judged_speed(ratio, beyond_noise=verdict != "same"),
                    }
        if series:
            digest = hashlib.sha1(machine.encode(), usedforsecurity=False).hexdigest()[:6]
            key = f"ratios/{slugify(machine)[:60]}-{digest}"
            headlines = _headlines(list(series.values()))
            written.append({"machine": machine, "data": key, "headlines": headlines})
            # Worst first: the rows a maintainer acts on lead the table.
            ordered = sorted(
                series.values(),
                key=lambda s: (s["baseline"] != "zarr", -s["latest"]["ratio"], s["pair"]),
            )
            _write_data(out / "data" / f"{key}.js", key, {"machine": machine, "series": ordered})
    return written


def _family(ours: BenchResult, functions: dict[str, set[str]]) -> str:
    """A workload family for the small multiples: the test function, when it has several cases."""
    if len(functions[ours.base]) > 1:
        return ours.base.rsplit("::", 1)[-1].removeprefix("test_").replace("_", " ")
    # Single-case functions of one file (the buffer operations) share a chart.
    return Path(ours.base.split("::", 1)[0]).stem.removeprefix("test_").replace("_", " ")


def _headlines(series: list[dict[str, Any]]) -> dict[str, str]:
    """Per baseline: "ours faster in N of M, slower in K beyond noise" on the latest runs."""
    headlines: dict[str, str] = {}
    # zarr's buffers first: the view answers "ours vs zarr" before the hardware limits.
    for baseline in sorted({s["baseline"] for s in series}, key=lambda b: (b != "zarr", b)):
        latest = [s["latest"]["verdict"] for s in series if s["baseline"] == baseline]
        faster, slower = latest.count("faster"), latest.count("slower")
        headlines[baseline] = (
            f"ours faster in {faster} of {len(latest)}, slower in {slower} beyond noise;"
            f" {len(latest) - faster - slower} the same within noise (latest run of each)"
        )
    return headlines


def _sig(value: float) -> float:
    # Five significant digits are far below timing noise and halve the data files.
    return _finite(float(f"{value:.5g}"))


def _finite(value: float) -> float:
    # The loader refuses non-finite and implausible times, so this never fires
    # on a history it read; it names the problem if a new computation breaks that.
    if not math.isfinite(value):
        msg = f"value must be finite for the site's JSON, got {value!r}"
        raise ValueError(msg)
    return value


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
