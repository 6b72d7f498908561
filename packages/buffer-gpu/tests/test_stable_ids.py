"""Test ids are the same in every process: pytest-xdist, which gpu-check runs, needs that."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def _collected_ids() -> list[str]:
    # Run inside an xdist worker (gpu-check), the child must not inherit the worker's
    # PYTEST_XDIST_* variables: pytest-benchmark would take it for a worker and warn.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            str(PACKAGE / "tests"),  # what gpu-check spreads over xdist workers
        ],
        cwd=PACKAGE.parents[1],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_ids_do_not_depend_on_the_process() -> None:
    """Two collections give the same ids (no object address or hash in a parametrize id)."""
    first = _collected_ids()
    assert first
    assert _collected_ids() == first
