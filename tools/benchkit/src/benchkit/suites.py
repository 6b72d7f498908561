"""Run packages' pytest-benchmark suites and record each into the history."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchkit.record import new_run_id, store_run_file

__all__ = [
    "PROGRESS_FD_ENV",
    "Suite",
    "SuiteOutcome",
    "current_commit",
    "run_suites",
    "selection_of",
]

# pytest's exit status when it collected no test at all.
_NO_TESTS = 5
_NOTHING_RUN_WARNING = "pytest_benchmark.logger.PytestBenchmarkWarning"
# Lines of pytest's output shown on the console when a logged suite fails.
_FAILURE_LINES = 15
# The pipe on which benchkit.pytest_plugin reports collected and finished tests.
PROGRESS_FD_ENV = "BENCHKIT_PROGRESS_FD"


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


# pytest options that leave benchmarks out of a run: such a run is recorded as
# partial, so what it did not measure is not reported "gone" afterwards.
_SELECTING = ("-k", "-m", "--deselect", "--lf", "--last-failed", "--sw", "--stepwise")
_STOPPING = ("-x", "--exitfirst", "--maxfail")


def selection_of(pytest_args: Sequence[str]) -> str | None:
    """The pytest options of a run that measures only some benchmarks, or None for a full run."""
    for arg in pytest_args:
        name = arg.split("=", 1)[0]
        if name in _SELECTING or name in _STOPPING or arg[:2] in {"-k", "-m"}:
            return " ".join(pytest_args)
    return None


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
    log_dir: Path | None = None,
) -> list[SuiteOutcome]:
    """Run every suite with this interpreter's pytest under one run id.

    Results that a suite produced are stored even when some of its benchmarks
    failed (the outcome's return code says so); a suite that collected nothing
    stores nothing. With ``log_dir``, pytest's output (the full tables) goes to
    ``<log_dir>/<run id>.log`` and the console shows a progress bar per suite;
    without it pytest prints to the console as usual.
    """
    if not suites:
        msg = "suites must name at least one benchmark suite, got none"
        raise ValueError(msg)
    for suite in suites:
        if not suite.path.is_dir():
            msg = f"benchmark directory {str(suite.path)!r} of {suite.package!r} does not exist"
            raise ValueError(msg)
    commit, dirty = current_commit()
    run_id = run_id or new_run_id(commit, dirty=dirty)
    log = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = log_dir / f"{run_id}.log"
    outcomes: list[SuiteOutcome] = []
    where = f"; full pytest output in {log}" if log else ""
    _say(f"run {run_id}: {len(suites)} suite(s) -> {results}{where}")
    for number, suite in enumerate(suites, start=1):
        label = f"suite {number}/{len(suites)} {suite.package} on {suite.device}"
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
                # A selection (-k) that leaves a suite nothing to run makes
                # pytest-benchmark warn, and the repository's pytest settings turn
                # warnings into errors: that suite measured nothing, it did not fail.
                "-W",
                f"ignore::{_NOTHING_RUN_WARNING}",
                *pytest_args,
            ]
            if log is None:
                _say(f"{label}: pytest {suite.path}")
                returncode = subprocess.run(command, check=False).returncode
            else:
                returncode = _run_logged(command, log, label)
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
                        selection=selection_of(pytest_args),
                    )
        if stored is not None:
            _say(f"record: {count} benchmarks of {suite.package} -> {stored}")
        else:
            _say(f"record: {suite.package}: nothing recorded (pytest exit {returncode})")
        if returncode not in {0, _NO_TESTS} and log is not None:
            # The failure itself, so nobody has to open the log to see what broke.
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-_FAILURE_LINES:]
            print("\n".join(f"    {line}" for line in tail), flush=True)
            _say(f"{suite.package}: pytest exited {returncode}; the whole output is in {log}")
        outcomes.append(SuiteOutcome(suite, returncode, stored, count))
    return outcomes


def _run_logged(command: list[str], log: Path, label: str) -> int:
    """Run pytest with its output in ``log``, drawing progress from the plugin's pipe."""
    read_end, write_end = os.pipe()
    env = {**os.environ, PROGRESS_FD_ENV: str(write_end)}
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"\n=== {label}: {' '.join(command)}\n")
        handle.flush()
        try:
            process = subprocess.Popen(
                command, stdout=handle, stderr=subprocess.STDOUT, pass_fds=(write_end,), env=env
            )
        finally:
            os.close(write_end)
        bar = _Progress(label)
        with os.fdopen(read_end, encoding="utf-8", errors="replace") as progress:
            for line in progress:
                kind, _, value = line.strip().partition(" ")
                if kind == "total" and value.isdigit():
                    bar.total = int(value)
                elif kind == "done":
                    bar.done += 1
                bar.draw()
        returncode = process.wait()
    bar.finish()
    return returncode


class _Progress:
    """A one-line bar on a terminal; a few plain lines elsewhere (CI logs)."""

    WIDTH = 30

    def __init__(self, label: str) -> None:
        self.label = label
        self.total = 0
        self.done = 0
        self._tty = sys.stdout.isatty()
        self._quarter = -1

    def _line(self) -> str:
        if not self.total:
            return f"benchkit: {self.label}: collecting"
        filled = self.WIDTH * self.done // self.total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        return f"benchkit: {self.label} [{bar}] {self.done}/{self.total}"

    def draw(self) -> None:
        if self._tty:
            sys.stdout.write("\r" + self._line())
            sys.stdout.flush()
            return
        quarter = 4 * self.done // self.total if self.total else -1
        if quarter > self._quarter and 0 < quarter < 4:
            self._quarter = quarter
            print(self._line(), flush=True)

    def finish(self) -> None:
        if self._tty:
            sys.stdout.write("\r" + self._line() + "\n")
            sys.stdout.flush()
        else:
            print(self._line(), flush=True)


def _say(message: str) -> None:
    print(f"benchkit: {message}", flush=True)
