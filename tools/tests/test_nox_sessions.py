"""What the noxfile's sessions say at the command line, run through nox itself."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from monorepo import machine
from monorepo.packages import ROOT


def _nox(*args: str) -> subprocess.CompletedProcess[str]:
    """``nox`` on the root noxfile, without colour, as a person runs it."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "NOX_DEFAULT_VENV_BACKEND"}
    }
    return subprocess.run(
        [sys.executable, "-m", "nox", "--no-color", "-f", str(ROOT / "noxfile.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


def test_help_after_the_double_dash_prints_the_usage_and_exits_0() -> None:
    """`-- --help` of a session parsing its options is a success, not a failed session."""
    result = _nox("-s", "tests-gpu", "--", "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: nox -s tests-gpu --" in result.stdout
    assert "tests-gpu skipped: printed the usage above (--help)" in result.stderr


def test_a_bad_option_fails_the_session_with_the_usage() -> None:
    """An unknown option after `--` fails with argparse's message and exit status 1."""
    result = _nox("-s", "tests-gpu", "--", "--no-such-option")
    assert result.returncode == 1
    assert "unrecognized arguments: --no-such-option" in result.stderr
    assert "bad arguments for this session (exit 2)" in result.stderr


def test_missing_gpu_prerequisites_are_named_on_one_line() -> None:
    """tests-gpu without Docker, the NVIDIA runtime or a GPU stops with one line naming them."""
    problems = [
        machine.docker_problem(),
        machine.nvidia_runtime_problem(),
        machine.gpu_problem(),
    ]
    if not any(problems):
        pytest.skip("this machine has every prerequisite of tests-gpu")
    result = _nox("-s", "tests-gpu")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # nox's "Running session" line, then the reason and nothing after it.
    assert lines[-1].startswith("nox > Session tests-gpu aborted: "), lines
    assert len(lines) == 2, lines
