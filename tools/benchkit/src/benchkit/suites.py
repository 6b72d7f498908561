"""Run packages' pytest-benchmark suites and record each into the history."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchkit.record import new_run_id, store_run_file

__all__ = ["Suite", "SuiteOutcome", "current_commit", "run_suites"]

# pytest's exit status when it collected no test at all.
_NO_TESTS = 5


@dataclass(frozen=True)
class Suite:
    """One package's benchmark directory and the device it measures."""

    package: str
    path: Path
    device: str


@dataclass(frozen=True)
class SuiteOutcome:
    """What running one suite produced."""

    suite: Suite
    returncode: int
    stored: Path | None
    benchmarks: int


def current_commit(cwd: Path | None = None) -> tuple[str | None, bool]:
    """HEAD's hash and whether tracked files differ from it (``None`` outside git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
            cwd=cwd,
        ).stdout.strip()
        # Untracked files (new results among them) do not make a run dirty,
        # the same rule pytest-benchmark's own commit_info follows.
        dirty = (
            subprocess.run(
                ["git", "diff", "--quiet", "HEAD", "--"],
                capture_output=True,
                timeout=30,
                check=False,
                cwd=cwd,
            ).returncode
            != 0
        )
    except (OSError, subprocess.SubprocessError):
        return None, False
    return head or None, dirty


def run_suites(
    suites: Sequence[Suite],
    results: Path,
    *,
    pytest_args: Sequence[str] = (),
    keep_samples: bool = False,
    run_id: str | None = None,
) -> list[SuiteOutcome]:
    """Run every suite with this interpreter's pytest under one run id.

    Results that a suite produced are stored even when some of its benchmarks
    failed (the outcome's return code says so); a suite that collected nothing
    stores nothing.
    """
    if not suites:
        msg = "suites must name at least one benchmark suite, got none"
        raise ValueError(msg)
    commit, dirty = current_commit()
    run_id = run_id or new_run_id(commit, dirty=dirty)
    outcomes: list[SuiteOutcome] = []
    _say(f"run {run_id}: {len(suites)} suite(s) -> {results}")
    for number, suite in enumerate(suites, start=1):
        if not suite.path.is_dir():
            msg = f"benchmark directory {str(suite.path)!r} of {suite.package!r} does not exist"
            raise ValueError(msg)
        _say(f"[{number}/{len(suites)}] {suite.package} on {suite.device}: pytest {suite.path}")
        with tempfile.TemporaryDirectory(prefix="benchkit-") as scratch:
            report = Path(scratch) / "benchmark.json"
            command = [
                sys.executable,
                "-m",
                "pytest",
                str(suite.path),
                "-p",
                "benchkit.pytest_plugin",
                "--benchmark-only",
                f"--benchmark-json={report}",
                *pytest_args,
            ]
            returncode = subprocess.run(command, check=False).returncode
            stored: Path | None = None
            count = 0
            if report.is_file() and returncode != _NO_TESTS:
                raw = json.loads(report.read_text(encoding="utf-8"))
                count = len(raw.get("benchmarks", []))
                if count:
                    stored = store_run_file(
                        results,
                        raw,
                        run_id=run_id,
                        package=suite.package,
                        device=suite.device,
                        keep_samples=keep_samples,
                    )
        if stored is not None:
            _say(f"[{number}/{len(suites)}] stored {count} benchmarks in {stored}")
        else:
            _say(
                f"[{number}/{len(suites)}] {suite.package}: nothing recorded (pytest exit {returncode})"
            )
        outcomes.append(SuiteOutcome(suite, returncode, stored, count))
    return outcomes


def _say(message: str) -> None:
    print(f"benchkit: {message}", flush=True)
