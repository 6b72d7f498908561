"""Synthetic histories shaped like the real one, to measure the dashboard build at scale.

Each run holds the shape of ``bench-results/``: about fifty benchmarks of
ours, each with zarr's buffers beside it and some with a hardware limit too,
in pytest-benchmark groups, with seeded noise, a step of ours and a drift
that all implementations share, so the build does all the work it does on
real data.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from benchkit.record import new_run_id, store_run_file

__all__ = ["write_synthetic_history"]

_FAMILIES = {
    # test function: number of cases (the real suites' read, writes and buffer operations)
    "test_read": 18,
    "test_write_dense": 6,
    "test_write_mostly_empty": 6,
    "test_write_sharded": 6,
    "test_buffer_op": 16,
}
_WITH_LIMIT = 5  # cases that also measure the memory limit


def write_synthetic_history(root: Path, *, machines: int, runs: int, seed: int = 0) -> Path:
    """Write ``machines`` x ``runs`` recorded runs under ``root``; return ``root``."""
    if machines < 1 or runs < 1:
        msg = f"machines and runs must be at least 1, got {machines} and {runs}"
        raise ValueError(msg)
    rng = random.Random(seed)
    cases = [(family, case) for family, count in _FAMILIES.items() for case in range(count)]
    base_times = {case: 10 ** rng.uniform(-5, -2) for case in cases}
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for number in range(machines):
        key = f"synthetic-cpu-{number}c-8g-{number:08x}"
        for position in range(runs):
            when = start + dt.timedelta(hours=position, minutes=number)
            commit = f"{position:08x}".ljust(40, "a")
            # From 60 % of the history on, every implementation is 20 % slower
            # (drift); from 30 %, the first case of ours alone 40 % (a step).
            drift = 1.2 if position >= runs * 0.6 else 1.0
            entries = []
            for index, case in enumerate(cases):
                family, variant = case
                ours_step = 1.4 if index == 0 and position >= runs * 0.3 else 1.0
                for impl, factor in (
                    ("ours", 0.8 * ours_step),
                    ("zarr", 1.0),
                    ("numpy-limit", 0.5),
                ):
                    if impl == "numpy-limit" and index >= _WITH_LIMIT:
                        continue
                    median = base_times[case] * factor * drift * (1 + rng.gauss(0, 0.03))
                    entries.append(_entry(family, f"case{variant}", impl, median))
            raw = _document(entries, key, commit, when)
            store_run_file(
                root, raw, run_id=new_run_id(commit, now=when), package="synthetic", device="cpu"
            )
    return root


def _entry(family: str, variant: str, impl: str, median: float) -> dict[str, Any]:
    name = f"{family}[{impl}-{variant}]"
    q1, q3 = median * 0.97, median * 1.03
    return {
        "group": f"{family.removeprefix('test_')}, {variant}",
        "name": name,
        "fullname": f"packages/synthetic/benchmarks/test_synthetic.py::{name}",
        "params": {"impl": impl, "variant": variant},
        "param": f"{impl}-{variant}",
        "extra_info": {"impl": impl},
        "stats": {
            "min": median * 0.95,
            "max": median * 1.1,
            "mean": median,
            "stddev": median * 0.03,
            "rounds": 20,
            "median": median,
            "q1": q1,
            "q3": q3,
            "iqr": q3 - q1,
            "ops": 1 / median,
        },
    }


def _document(
    entries: list[dict[str, Any]], key: str, commit: str, when: dt.datetime
) -> dict[str, Any]:
    return {
        "machine_info": {"machine_key": key, "cpu_model": "Synthetic CPU", "cpu_cores": 2},
        "commit_info": {"id": commit, "time": when.isoformat(), "dirty": False, "branch": "main"},
        "benchmarks": entries,
        "datetime": when.isoformat(),
        "version": "5.1.0",
    }
