"""Read every recorded run under a results directory into typed records.

Files that are not pytest-benchmark results (truncated, corrupt, some other
tool's JSON) are skipped and reported as :class:`Skipped` so the caller can warn
while everything else still loads.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "SITE_MARKER",
    "BenchResult",
    "History",
    "Run",
    "Skipped",
    "Stats",
    "iter_results",
    "load_history",
]

# Written into a built site so a site inside the results tree is never read as results.
SITE_MARKER = ".benchkit-site"
_IMPL_TOKENS = ("ours", "zarr")
# Counts (rounds, bytes) must stay exact as JSON numbers in the page.
_MAX_COUNT = 2**53
# A picosecond to a day: outside that no benchmark measured a time.
_SHORTEST, _LONGEST = 1e-12, 86_400.0


@dataclass(frozen=True)
class Stats:
    """Summary statistics of one benchmark in one run, in seconds."""

    median: float
    q1: float
    q3: float
    min: float
    max: float
    mean: float
    stddev: float
    rounds: int


@dataclass(frozen=True)
class BenchResult:
    """One benchmark (one parametrization) measured in one run."""

    fullname: str
    base: str
    param: str
    group: str | None
    device: str
    impl: str | None
    variant: str
    stats: Stats
    extra_info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def chart_key(self) -> str:
        """Results sharing a chart: a pytest-benchmark group, else one test function."""
        return f"group:{self.group}" if self.group else self.base

    @property
    def pair_key(self) -> str:
        """What an ``ours`` result and its ``zarr`` baseline have in common."""
        scope = self.group or self.base
        return f"{scope} [{self.variant}]" if self.variant else scope


@dataclass
class Run:
    """All packages' results recorded under one run id on one machine."""

    run_id: str
    machine_key: str
    time: dt.datetime
    commit: str | None
    commit_time: dt.datetime | None
    branch: str | None
    dirty: bool
    message: str | None
    machine_info: dict[str, Any]
    packages: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    results: dict[str, BenchResult] = field(default_factory=dict)
    # The pytest selection (``-k all_equal``) of a run that measured only some
    # benchmarks; None for a full run.
    selection: str | None = None

    @property
    def partial(self) -> bool:
        """Whether a pytest selection chose some benchmarks only (what it left out is not gone)."""
        return self.selection is not None

    @property
    def short_commit(self) -> str:
        return (self.commit or "")[:8] or "unknown"


@dataclass(frozen=True)
class Skipped:
    """A file (or one entry in it) that could not be used, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.path}: {self.reason}"


@dataclass
class History:
    """Runs sorted oldest first, plus whatever had to be skipped."""

    root: Path
    runs: list[Run]
    skipped: list[Skipped]

    def machines(self) -> dict[str, dict[str, Any]]:
        """Machine key -> the machine_info of its most recent run."""
        return {run.machine_key: run.machine_info for run in self.runs}


def load_history(root: Path) -> History:
    """Load every ``*.json`` under ``root`` (skipping built sites and temp files)."""
    if not root.is_dir():
        msg = f"results directory {str(root)!r} does not exist or is not a directory"
        raise ValueError(msg)
    runs: dict[tuple[str, str], Run] = {}
    skipped: list[Skipped] = []
    for path in _result_files(root):
        problem = _load_file(runs, root, path, skipped)
        if problem is not None:
            skipped.append(Skipped(path, problem))
    ordered = sorted(runs.values(), key=lambda run: (run.time, run.run_id))
    return History(root=root, runs=ordered, skipped=skipped)


def _load_file(
    runs: dict[tuple[str, str], Run], root: Path, path: Path, skipped: list[Skipped]
) -> str | None:
    """Add one file's results to ``runs``; return why it was skipped, if it was."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except json.JSONDecodeError as exc:
        return f"not valid JSON ({exc.msg}, line {exc.lineno})"
    except RecursionError:
        return "JSON nested too deeply to read"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    except ValueError as exc:  # e.g. an integer literal with more digits than Python reads
        return f"not readable as JSON ({exc})"
    problem = _foreign_reason(raw)
    if problem is not None:
        return problem
    # Parsed runs are only changed once the whole file is known to be usable,
    # so a file that fails halfway leaves nothing of itself behind.
    staged: dict[tuple[str, str], Run] = {}
    entries: list[Skipped] = []
    try:
        _add_file(staged, root, path, raw, entries)
    except (RecursionError, ValueError, TypeError, OverflowError, KeyError, OSError) as exc:
        return f"not a usable pytest-benchmark result ({type(exc).__name__}: {exc})"[:300]
    skipped.extend(entries)
    for key, run in staged.items():
        existing = runs.get(key)
        if existing is None:
            runs[key] = run
        else:
            existing.packages += run.packages
            existing.files += run.files
            existing.results.update(run.results)
            existing.selection = existing.selection or run.selection
    return None


def _result_files(root: Path) -> Iterator[Path]:
    site_dirs = {marker.parent for marker in root.rglob(SITE_MARKER)}
    for path in sorted(root.rglob("*.json")):
        if path.name.startswith(".") or any(parent in site_dirs for parent in path.parents):
            continue
        if path.is_file():
            yield path


def _foreign_reason(raw: object) -> str | None:
    if not isinstance(raw, dict):
        return f"not a pytest-benchmark result (top level is {type(raw).__name__}, not an object)"
    if not isinstance(raw.get("benchmarks"), list):
        return "not a pytest-benchmark result (no 'benchmarks' list)"
    if not isinstance(raw.get("machine_info"), dict):
        return "not a pytest-benchmark result (no 'machine_info' object)"
    return None


def _add_file(
    runs: dict[tuple[str, str], Run],
    root: Path,
    path: Path,
    raw: dict[str, Any],
    skipped: list[Skipped],
) -> None:
    meta = _as_dict(raw.get("benchkit"))
    machine_info: dict[str, Any] = raw["machine_info"]
    relative = path.relative_to(root)
    key = _first_str(meta.get("machine_key"), machine_info.get("machine_key"))
    if key is None:
        key = relative.parts[0] if len(relative.parts) > 1 else "unknown-machine"
    run_id = _first_str(meta.get("run_id")) or _run_id_from_path(relative)
    package = _first_str(meta.get("package")) or _package_from(raw) or path.stem
    device = _first_str(meta.get("device")) or ("gpu" if "gpu" in package else "cpu")
    commit_info = _as_dict(raw.get("commit_info"))
    time = _parse_time(raw.get("datetime")) or _parse_time(commit_info.get("time"))
    if time is None:
        time = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    run = runs[(key, run_id)] = Run(
        run_id=run_id,
        machine_key=key,
        time=time,
        commit=_first_str(commit_info.get("id")),
        commit_time=_parse_time(commit_info.get("time")),
        branch=_first_str(commit_info.get("branch")),
        dirty=bool(commit_info.get("dirty", False)),
        message=_first_str(commit_info.get("message")),
        machine_info=machine_info,
        selection=_first_str(meta.get("selection")),
    )
    run.packages.append(package)
    run.files.append(path)
    for index, entry in enumerate(raw["benchmarks"]):
        result = _parse_result(entry, device)
        if isinstance(result, str):
            skipped.append(Skipped(path, f"benchmark entry {index}: {result}"))
        else:
            run.results[result.fullname] = result


def _parse_result(entry: object, device: str) -> BenchResult | str:
    if not isinstance(entry, dict):
        return "not an object"
    fullname = _first_str(entry.get("fullname"), entry.get("name"))
    stats = entry.get("stats")
    if fullname is None or not isinstance(stats, dict):
        return "missing 'fullname' or 'stats'"
    try:
        parsed = Stats(
            median=_finite(stats["median"]),
            q1=_finite(stats.get("q1", stats["median"])),
            q3=_finite(stats.get("q3", stats["median"])),
            min=_finite(stats.get("min", stats["median"])),
            max=_finite(stats.get("max", stats["median"])),
            mean=_finite(stats.get("mean", stats["median"])),
            stddev=_finite(stats.get("stddev", 0.0)),
            rounds=_count(stats.get("rounds", 0)),
        )
    except (KeyError, TypeError, ValueError, OverflowError):
        return "statistics are missing or not finite numbers"
    problem = _implausible(parsed)
    if problem is not None:
        return problem
    param = entry.get("param")
    param_id = param if isinstance(param, str) else ""
    base = fullname[: -len(f"[{param_id}]")] if param_id and fullname.endswith("]") else fullname
    if param_id == "" and fullname.endswith("]") and "[" in fullname:
        base, _, rest = fullname.partition("[")
        param_id = rest[:-1]
    extra = _as_dict(entry.get("extra_info"))
    nbytes = extra.get("bytes")
    if nbytes is not None and (
        isinstance(nbytes, bool) or not isinstance(nbytes, int) or not 0 < nbytes < _MAX_COUNT
    ):
        return f"extra_info.bytes must be a byte count below 2**53, got {str(nbytes)[:40]}"
    impl, variant = _impl_and_variant(param_id, entry.get("params"), extra)
    return BenchResult(
        fullname=fullname,
        base=base,
        param=param_id,
        group=_first_str(entry.get("group")),
        device=_first_str(extra.get("device")) or device,
        impl=impl,
        variant=variant,
        stats=parsed,
        extra_info=extra,
    )


def _impl_and_variant(
    param_id: str, params: object, extra: Mapping[str, Any]
) -> tuple[str | None, str]:
    """Which implementation a result measures and what else it is parametrized on.

    ``extra_info['impl']`` wins; otherwise an ``impl`` parameter, otherwise an
    ``ours``/``zarr`` token in the parametrization id (``test_x[ours-1MiB]``).
    """
    tokens = [token for token in re.split(r"-", param_id) if token] if param_id else []
    impl = _first_str(extra.get("impl"))
    if impl is None and isinstance(params, dict):
        impl = _first_str(params.get("impl"))
    if impl is None:
        impl = next((token for token in tokens if token in _IMPL_TOKENS), None)
    return impl, "-".join(_without_run(tokens, impl.split("-") if impl else []))


def _without_run(tokens: list[str], run: list[str]) -> list[str]:
    """``tokens`` minus the first contiguous occurrence of ``run`` (impl ids contain dashes)."""
    for start in range(len(tokens) - len(run) + 1):
        if run and tokens[start : start + len(run)] == run:
            return tokens[:start] + tokens[start + len(run) :]
    return tokens


def _run_id_from_path(relative: Path) -> str:
    # Foreign layouts (a file copied in by hand) become a run of their own.
    return "-".join(part for part in relative.with_suffix("").parts[1:]) or relative.stem


def _package_from(raw: dict[str, Any]) -> str | None:
    for entry in raw["benchmarks"]:
        if isinstance(entry, dict) and isinstance(entry.get("fullname"), str):
            match = re.match(r"packages/([^/]+)/", entry["fullname"])
            if match:
                return match.group(1)
    return None


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first_str(*values: object) -> str | None:
    for value in values:
        if isinstance(value, str) and value:
            return value
    return None


def _finite(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    number = int(value)  # OverflowError for an infinite float
    if not 0 <= number < _MAX_COUNT:
        raise ValueError(value)
    return number


def _implausible(stats: Stats) -> str | None:
    """Why ``stats`` cannot be a measurement, or None.

    A time must be positive, and a median inside what a timer can measure: a
    subnormal baseline median (1e-320 s) makes every ratio over it infinite.
    """
    if not _SHORTEST <= stats.median <= _LONGEST:
        return f"median {stats.median!r} s is not a time between {_SHORTEST:g} s and {_LONGEST:g} s"
    if min(stats.q1, stats.q3, stats.min, stats.max, stats.mean, stats.stddev) < 0:
        return "statistics hold a negative time"
    if not stats.q1 <= stats.median <= stats.q3:
        return "median lies outside its interquartile range"
    return None


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def iter_results(runs: Iterable[Run]) -> Iterator[tuple[Run, BenchResult]]:
    """Every (run, result) pair, runs in the given order."""
    for run in runs:
        for result in run.results.values():
            yield run, result
