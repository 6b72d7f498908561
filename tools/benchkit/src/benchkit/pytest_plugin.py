"""pytest plugin that enriches pytest-benchmark's JSON with machine and commit facts.

Loaded explicitly (``pytest -p benchkit.pytest_plugin``) by ``benchkit run`` so
the benchmark suites themselves never depend on this tool.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from typing import Any

import pytest

from benchkit.machine import collect_machine_facts, machine_key

__all__ = [
    "pytest_benchmark_update_commit_info",
    "pytest_benchmark_update_machine_info",
    "pytest_collection_finish",
    "pytest_runtest_logfinish",
]

# Same name as benchkit.suites.PROGRESS_FD_ENV (not imported: the plugin stays light).
_PROGRESS_FD_ENV = "BENCHKIT_PROGRESS_FD"


def _progress(line: str) -> None:
    """Tell ``benchkit run`` how far the suite is, when it asked (a pipe's fd)."""
    fd = os.environ.get(_PROGRESS_FD_ENV, "")
    if fd.isdigit():
        # A closed or foreign descriptor must never fail a benchmark run.
        with contextlib.suppress(OSError):
            os.write(int(fd), f"{line}\n".encode())


def pytest_collection_finish(session: pytest.Session) -> None:
    """Report how many tests will run."""
    _progress(f"total {len(session.items)}")


def pytest_runtest_logfinish(nodeid: str) -> None:
    """Report one test finished (passed, failed or skipped)."""
    _progress(f"done {nodeid}")


# pluggy passes only the hook arguments an implementation names.
def pytest_benchmark_update_machine_info(machine_info: dict[str, Any]) -> None:
    """Add hardware, GPU stack, library versions and the derived ``machine_key``."""
    facts = collect_machine_facts()
    machine_info.update(facts.to_machine_info())
    machine_info["machine_key"] = machine_key(facts)


def pytest_benchmark_update_commit_info(config: pytest.Config, commit_info: dict[str, Any]) -> None:
    """Add the commit's subject line, which the dashboard shows in tooltips."""
    commit = commit_info.get("id")
    if not isinstance(commit, str) or not commit:
        return
    try:
        subject = subprocess.run(
            ["git", "log", "-1", "--format=%s", commit],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
            cwd=config.rootpath,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return
    commit_info["message"] = subject
