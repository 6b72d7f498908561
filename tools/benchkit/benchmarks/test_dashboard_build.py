"""The dashboard build's cost at a few history sizes, recorded by `nox -s bench` like every suite.

A build must stay linear in its history (``nox -s bench`` rebuilds the site
after every recording); the two sizes make a lost linearity visible as a
step of the larger one, judged by the same rule as every benchmark of ours.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from benchkit.history import load_history
from benchkit.site import build_site
from benchkit.synthetic import write_synthetic_history

MACHINES = 3


@pytest.mark.parametrize("runs", [100, 300], ids=lambda runs: f"{MACHINES}x{runs}-runs")
def test_dashboard_build(benchmark: Any, tmp_path: Path, runs: int) -> None:
    """Load a synthetic history of MACHINES x runs and build its site (commit links off)."""
    root = write_synthetic_history(tmp_path / "results", machines=MACHINES, runs=runs)
    sites = (tmp_path / f"site-{number}" for number in itertools.count())
    benchmark.group = f"dashboard build, {MACHINES} machines x {runs} runs"
    benchmark.extra_info["runs"] = MACHINES * runs

    def build() -> None:
        build_site(load_history(root), next(sites))

    benchmark.pedantic(build, rounds=3, iterations=1, warmup_rounds=0)
    summary = build_site(load_history(root), tmp_path / "last")
    assert summary.runs == MACHINES * runs
    assert summary.skipped == 0
