"""Fixture histories: pytest-benchmark JSON written by benchkit's own recorder.

Timings are synthetic (seeded noise around known levels, with known steps) so
the tests can say exactly what the detector and the dashboard must show.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchkit.record import new_run_id, store_run_file

HOSTILE = "<img src=x onerror=alert(1)>"
MACHINE_A = "fixture-cpu-2c-8g-aaaaaaaa"
MACHINE_B = "fixture-cpu-16c-64g-h100-bbbbbbbb"
CPU_FILE = "packages/buffer-cpu/benchmarks/test_fixture.py"
GPU_FILE = "packages/buffer-gpu/benchmarks/test_fixture_gpu.py"
STEP_RUN = 10  # the run at which test_all_equal[ours] becomes 1.6x slower on machine A
DRIFT_RUN = 12  # from here test_from_bytes[ours] and its zarr baseline are both 1.25x slower
RUNS_A = 16
RUNS_B = 3


def bench_entry(
    fullname: str,
    median: float,
    *,
    group: str | None = None,
    impl: str | None = None,
    device: str | None = None,
    spread: float = 0.04,
    param_name: str = "impl",
) -> dict[str, Any]:
    """One pytest-benchmark ``benchmarks[]`` entry with consistent statistics."""
    name = fullname.rsplit("::", 1)[-1]
    param = name[name.index("[") + 1 : -1] if name.endswith("]") else None
    q1, q3 = median * (1 - spread), median * (1 + spread)
    extra: dict[str, Any] = {}
    if impl:
        extra["impl"] = impl
    if device:
        extra["device"] = device
    return {
        "group": group,
        "name": name,
        "fullname": fullname,
        "params": {param_name: param} if param else None,
        "param": param,
        "extra_info": extra,
        "options": {"disable_gc": False, "timer": "perf_counter", "min_rounds": 5},
        "stats": {
            "min": median * (1 - 2 * spread),
            "max": median * (1 + 3 * spread),
            "mean": median,
            "stddev": median * spread,
            "rounds": 20,
            "median": median,
            "iqr": q3 - q1,
            "q1": q1,
            "q3": q3,
            "iqr_outliers": 0,
            "stddev_outliers": 1,
            "outliers": "1;0",
            "ld15iqr": median * (1 - 2 * spread),
            "hd15iqr": median * (1 + 3 * spread),
            "ops": 1 / median,
            "total": median * 20,
            "data": [median] * 20,
            "iterations": 1,
        },
    }


def raw_run(
    benchmarks: list[dict[str, Any]],
    *,
    machine_key: str,
    commit: str,
    when: dt.datetime,
    message: str = "Improve things",
    branch: str = "main",
    gpus: list[str] | None = None,
) -> dict[str, Any]:
    """A whole pytest-benchmark JSON document as the plugin leaves it."""
    return {
        "machine_info": {
            "node": "fixture",
            "processor": "x86_64",
            "machine": "x86_64",
            "python_version": "3.11.7",
            "system": "Linux",
            "release": "6.1.0",
            "cpu": {"brand_raw": "Fixture CPU", "count": 2},
            "machine_key": machine_key,
            "cpu_model": "Fixture CPU",
            "cpu_cores": 2,
            "memory_gib": 8,
            "gpus": [{"name": name, "memory_mib": 81559} for name in gpus or []],
            "gpu_driver": "550.54" if gpus else None,
            "cuda_version": "12.4" if gpus else None,
            "numpy_version": "2.4.0",
            "cupy_version": "13.3.0" if gpus else None,
        },
        "commit_info": {
            "id": commit,
            "time": when.isoformat(),
            "author_time": when.isoformat(),
            "dirty": False,
            "project": "buffers",
            "branch": branch,
            "message": message,
        },
        "benchmarks": benchmarks,
        "datetime": when.isoformat(),
        "version": "5.1.0",
    }


@dataclass
class FixtureHistory:
    """Where the fixture history lives and what it holds."""

    root: Path
    run_ids_a: list[str] = field(default_factory=list)
    run_ids_b: list[str] = field(default_factory=list)
    commits_a: list[str] = field(default_factory=list)
    broken: dict[str, Path] = field(default_factory=dict)


def _commit(number: int) -> str:
    return f"{number:04x}".ljust(40, "c")


def write_history(root: Path, *, with_broken: bool = True) -> FixtureHistory:
    """Machine A: 16 CPU runs with one known regression; machine B: 3 GPU runs."""
    rng = random.Random(1234)
    start = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    history = FixtureHistory(root=root)

    def noisy(level: float) -> float:
        return level * (1 + rng.gauss(0, 0.01))

    for number in range(RUNS_A):
        when = start + dt.timedelta(hours=number)
        ours = 1.6e-3 if number >= STEP_RUN else 1.0e-3
        drift = 1.25 if number >= DRIFT_RUN else 1.0
        # The newest run only: a step with no baseline that no later run confirms yet.
        hostile = 7.5e-5 if number == RUNS_A - 1 else 5e-5
        benchmarks = [
            bench_entry(
                f"{CPU_FILE}::test_all_equal[ours]", noisy(ours), group="all_equal", impl="ours"
            ),
            bench_entry(
                f"{CPU_FILE}::test_all_equal[zarr]", noisy(3e-3), group="all_equal", impl="zarr"
            ),
            bench_entry(
                f"{CPU_FILE}::test_all_equal_limit",
                noisy(0.8e-3),
                group="all_equal",
                impl="numpy-limit",
            ),
            bench_entry(f"{CPU_FILE}::test_from_bytes[ours]", noisy(2e-6 * drift), impl="ours"),
            bench_entry(f"{CPU_FILE}::test_from_bytes[zarr]", noisy(2.2e-6 * drift), impl="zarr"),
            bench_entry(
                f"{CPU_FILE}::test_hostile[{HOSTILE}]",
                noisy(hostile),
                group=HOSTILE,
                param_name="text",
            ),
        ]
        commit = _commit(number)
        raw = raw_run(
            benchmarks,
            machine_key=MACHINE_A,
            commit=commit,
            when=when,
            message="<script>alert(2)</script> speed up all_equal",
            branch='"><img src=y onerror=alert(3)>',
        )
        run_id = new_run_id(commit, now=when)
        store_run_file(root, raw, run_id=run_id, package="buffer-cpu", device="cpu")
        history.run_ids_a.append(run_id)
        history.commits_a.append(commit)

    for number in range(RUNS_B):
        when = start + dt.timedelta(days=1, hours=number)
        commit = _commit(100 + number)
        raw = raw_run(
            [
                bench_entry(
                    f"{GPU_FILE}::test_copy_to_device[ours]", noisy(4e-4), impl="ours", device="gpu"
                ),
                bench_entry(
                    f"{GPU_FILE}::test_copy_to_device[zarr]", noisy(5e-4), impl="zarr", device="gpu"
                ),
            ],
            machine_key=MACHINE_B,
            commit=commit,
            when=when,
            gpus=["NVIDIA H100 80GB HBM3"],
        )
        run_id = new_run_id(commit, now=when)
        store_run_file(root, raw, run_id=run_id, package="buffer-gpu", device="gpu")
        history.run_ids_b.append(run_id)

    if with_broken:
        good = next((root / MACHINE_A).rglob("*.json")).read_text(encoding="utf-8")
        broken = {
            "truncated": root / MACHINE_A / "truncated-run" / "buffer-cpu.json",
            "foreign": root / "package.json",
            "garbage": root / MACHINE_A / "garbage.json",
            "list": root / MACHINE_A / "list.json",
        }
        for path in broken.values():
            path.parent.mkdir(parents=True, exist_ok=True)
        broken["truncated"].write_text(good[: len(good) // 2], encoding="utf-8")
        broken["foreign"].write_text(json.dumps({"name": "not-benchmarks"}), encoding="utf-8")
        broken["garbage"].write_bytes(b"\xff\xfe\x00garbage")
        broken["list"].write_text("[1, 2, 3]", encoding="utf-8")
        history.broken = broken
    return history


PAIRED_FILE = "packages/buffer-cpu/benchmarks/test_paired.py"
PAIRED_RUNS = 16
PAIRED_STEP = 10
PAIRED_OURS = f"{PAIRED_FILE}::test_op[ours]"
PAIRED_ZARR = f"{PAIRED_FILE}::test_op[zarr]"
PAIRED_LIMIT = f"{PAIRED_FILE}::test_op_limit"


def write_paired_history(
    root: Path,
    *,
    drift: float = 1.0,
    ours_step: float = 1.0,
    zarr_step: float = 1.0,
    ours_delay: int = 0,
    noise: float = 0.01,
    spikes: int = 0,
    seed: int = 5,
    machine: str = MACHINE_A,
) -> list[str]:
    """One operation measured as ours, zarr and the limit in every run; returns the run ids.

    From run PAIRED_STEP on, every implementation is ``drift`` times slower
    (the machine changed), ours is ``ours_step`` times slower on top (our
    code changed; ``ours_delay`` runs later than the machine's change) and
    zarr ``zarr_step`` times (zarr changed). ``spikes``
    single runs are 2x slower for all three (a busy neighbour).
    """
    rng = random.Random(seed)
    start = dt.datetime(2025, 6, 1, 8, 0, tzinfo=dt.UTC)
    busy = set(rng.sample(range(PAIRED_RUNS), spikes))
    ids = []
    for number in range(PAIRED_RUNS):
        when = start + dt.timedelta(hours=number)
        after = number >= PAIRED_STEP
        machine_factor = (drift if after else 1.0) * (2.0 if number in busy else 1.0)

        def level(
            base: float, own: float, after: bool = after, factor: float = machine_factor
        ) -> float:
            return base * factor * (own if after else 1.0) * (1 + rng.gauss(0, noise))

        group = "op, 1 MiB"
        ours_after = number >= PAIRED_STEP + ours_delay
        ours_level = level(1e-4, 1.0) * (ours_step if ours_after else 1.0)
        benchmarks = [
            bench_entry(PAIRED_OURS, ours_level, group=group, impl="ours"),
            bench_entry(PAIRED_ZARR, level(3e-4, zarr_step), group=group, impl="zarr"),
            bench_entry(PAIRED_LIMIT, level(0.8e-4, 1.0), group=group, impl="numpy-limit"),
        ]
        commit = _commit(500 + number)
        raw = raw_run(benchmarks, machine_key=machine, commit=commit, when=when)
        run_id = new_run_id(commit, now=when)
        store_run_file(root, raw, run_id=run_id, package="buffer-cpu", device="cpu")
        ids.append(run_id)
    return ids


@pytest.fixture
def fixture_history(tmp_path: Path) -> FixtureHistory:
    """A results directory with two machines, a known step, hostile names and broken files."""
    return write_history(tmp_path / "bench-results")


@pytest.fixture
def make_history(tmp_path: Path) -> Callable[..., FixtureHistory]:
    """Build a fixture history under a fresh directory (keyword: with_broken)."""
    counter = iter(range(1000))

    def make(**kwargs: Any) -> FixtureHistory:
        return write_history(tmp_path / f"results-{next(counter)}", **kwargs)

    return make


@pytest.fixture
def kit() -> SimpleNamespace:
    """The builders above, for tests (importlib mode keeps conftest unimportable)."""
    return SimpleNamespace(
        bench_entry=bench_entry,
        raw_run=raw_run,
        write_history=write_history,
        write_paired_history=write_paired_history,
        PAIRED_RUNS=PAIRED_RUNS,
        PAIRED_STEP=PAIRED_STEP,
        PAIRED_OURS=PAIRED_OURS,
        PAIRED_ZARR=PAIRED_ZARR,
        PAIRED_LIMIT=PAIRED_LIMIT,
        DRIFT_RUN=DRIFT_RUN,
        HOSTILE=HOSTILE,
        MACHINE_A=MACHINE_A,
        MACHINE_B=MACHINE_B,
        CPU_FILE=CPU_FILE,
        STEP_RUN=STEP_RUN,
        RUNS_A=RUNS_A,
        RUNS_B=RUNS_B,
    )


# --- headless Chromium, for the browser tests ------------------------------------------------

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    for candidate in (os.environ.get("BENCHKIT_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("BENCHKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and BENCHKIT_REQUIRE_BROWSER=1 demands the browser test")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (benchkit[test])")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        yield instance
        instance.close()
