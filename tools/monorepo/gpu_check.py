"""The first run on a GPU machine, in one command: what ``nox -s gpu-check`` records and reports.

``python -m monorepo.gpu_check record ...`` runs buffer-gpu's benchmark suite
through benchkit's recording path (``benchkit.suites.run_suites``) under a run
id naming the commit, which a GPU machine without git learns from the
wheelhouse; ``python -m monorepo.gpu_check summary ...`` turns the tests'
JUnit XML and the recorded benchmarks into one summary: tests passed and
failed per part, and bandwidths in GB/s and as a fraction of CuPy's copy
from pinned memory, with the issue's targets checked.

Standard library only (benchkit is imported by ``record`` alone, inside the
session's virtualenv).
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PartCounts", "bandwidth_table", "count_tests", "main", "read_commit"]

COMMIT_FILE = "COMMIT"
# Transfers at least this large must reach the targets (issue 12).
_TARGET_BYTES = 64 << 20
_PINNED_FRACTION = 0.80
_ZARR_SPEEDUP = 2.0


def read_commit(root: Path, wheelhouse: Path | None) -> tuple[str | None, bool]:
    """The commit the tree is at and whether it is dirty: from git, else the wheelhouse's record."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = (
            subprocess.run(
                ["git", "diff", "--quiet", "HEAD", "--"], cwd=root, check=False
            ).returncode
            != 0
        )
    except (OSError, subprocess.CalledProcessError):
        head, dirty = "", False
    if head:
        return head, dirty
    if wheelhouse is not None and (wheelhouse / COMMIT_FILE).is_file():
        words = (wheelhouse / COMMIT_FILE).read_text(encoding="utf-8").split()
        if words and re.fullmatch(r"[0-9a-f]{7,64}", words[0]):
            return words[0], "dirty" in words[1:]
    return None, False


@dataclass
class PartCounts:
    """Outcomes of one part of the test run."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, outcome: str) -> None:
        if outcome == "passed":
            self.passed += 1
        elif outcome == "skipped":
            self.skipped += 1
        else:
            self.failed += 1


def _part(classname: str) -> str:
    if ".zarr." in f".{classname}." or classname.startswith("zarr."):
        return "zarr GPU adapter"
    if "test_conformance" in classname:
        return "conformance suite"
    return "buffer-gpu tests"


def count_tests(junit: Path) -> tuple[dict[str, PartCounts], list[str]]:
    """Counts per part (device tests, conformance, zarr) and the ids of failed tests."""
    parts: dict[str, PartCounts] = {}
    failed: list[str] = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        classname = case.get("classname", "")
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped" and outcome == "passed":
                outcome = "skipped"
        parts.setdefault(_part(classname), PartCounts()).add(outcome)
        if outcome == "failed":
            failed.append(f"{classname}::{case.get('name', '')}")
    return parts, failed


def _direction_and_size(group: str) -> tuple[str, int] | None:
    match = re.fullmatch(r"(host to device|device to host), (\d+) MiB", group)
    return (match.group(1), int(match.group(2)) << 20) if match else None


def bandwidth_table(raw: dict[str, Any]) -> list[str]:
    """Lines of the summary for recorded pytest-benchmark JSON ``raw``."""
    medians: dict[tuple[str, str], float] = {}
    nbytes: dict[str, int] = {}
    others: list[str] = []
    for bench in raw.get("benchmarks", []):
        group, info = str(bench.get("group")), bench.get("extra_info", {})
        median = float(bench["stats"]["median"])
        medians[(group, str(info.get("impl")))] = median
        if info.get("bytes"):
            nbytes[group] = int(info["bytes"])
        if _direction_and_size(group) is None:
            shares = info.get("shares_memory")
            note = "" if shares is None else f", shares memory: {shares}"
            others.append(f"  {group:<40} {info.get('impl')!s:<8} {median * 1e6:12.1f} us{note}")
    lines = [f"  {'transfer':<26} {'impl':<19} {'GB/s':>7} {'of pinned':>9} {'x zarr':>7}  targets"]
    targets_met = True
    for group in sorted({g for g, _ in medians if _direction_and_size(g)}, key=_sort_key):
        direction_size = _direction_and_size(group)
        assert direction_size is not None  # filtered above
        size = direction_size[1]
        pinned = medians.get((group, "cupy-pinned"))
        zarr = medians.get((group, "zarr"))
        for (g, impl), median in sorted(medians.items()):
            if g != group:
                continue
            rate = size / median / 1e9
            of_pinned = f"{pinned / median:9.2f}" if pinned else f"{'-':>9}"
            vs_zarr = f"{zarr / median:7.2f}" if zarr else f"{'-':>7}"
            verdict = ""
            if impl == "ours" and size >= _TARGET_BYTES:
                ok = (pinned is None or pinned / median >= _PINNED_FRACTION) and (
                    zarr is None or zarr / median >= _ZARR_SPEEDUP
                )
                targets_met &= ok
                verdict = "met" if ok else "MISSED (>= 0.80 of pinned, >= 2x zarr)"
            lines.append(f"  {group:<26} {impl:<19} {rate:7.2f} {of_pinned} {vs_zarr}  {verdict}")
    lines.append(f"  transfer targets at >= 64 MiB: {'all met' if targets_met else 'NOT all met'}")
    return [*lines, *sorted(others), *_wrap_scaling(medians)]


def _wrap_scaling(medians: dict[tuple[str, str], float]) -> list[str]:
    """Zero-copy wraps must be O(1) in size: ours at 1 GiB against ours at 1 MiB, per producer."""
    lines = []
    for (group, impl), large in sorted(medians.items()):
        match = re.fullmatch(r"wrap 1 GiB (.+) array", group)
        small = medians.get((f"wrap 1 MiB {match.group(1)} array", impl)) if match else None
        if match and impl == "ours" and small:
            lines.append(
                f"  wrap {match.group(1)}: 1 GiB takes {large / small:.2f}x the time of 1 MiB "
                "(O(1) in size: about 1)"
            )
    return lines


def _sort_key(group: str) -> tuple[str, int]:
    found = _direction_and_size(group)
    return (found[0], found[1]) if found else (group, 0)


def summary(junit: Path, bench: Path | None, pytest_status: int, bench_status: int | None) -> str:
    """The one summary gpu-check prints and writes."""
    lines = ["gpu-check summary"]
    parts, failed = count_tests(junit) if junit.is_file() else ({}, [])
    if not parts:
        lines.append(f"  tests: no JUnit report ({junit}); pytest exit {pytest_status}")
    for name, counts in sorted(parts.items()):
        lines.append(
            f"  {name:<20} {counts.passed:5} passed {counts.failed:4} failed {counts.skipped:4} skipped"
        )
    lines += [f"    FAILED {test_id}" for test_id in failed[:30]]
    if bench is None:
        lines.append(f"  benchmarks: nothing recorded (suite exit {bench_status})")
    else:
        lines.append(f"  benchmarks recorded in {bench} (suite exit {bench_status}):")
        lines += bandwidth_table(json.loads(bench.read_text(encoding="utf-8")))
    return "\n".join(lines)


# Short mode: a few rounds per benchmark, so the 1 MiB to 1 GiB suite fits in minutes.
SHORT_BENCHMARK_ARGS = [
    "--benchmark-min-rounds=3",
    "--benchmark-max-time=0.25",
    "--benchmark-warmup=on",
    "--benchmark-warmup-iterations=1",
]


def _record(args: argparse.Namespace) -> tuple[int, Path | None]:
    # benchkit is installed in the session's venv, not beside this stdlib-only package.
    record = importlib.import_module("benchkit.record")
    suites = importlib.import_module("benchkit.suites")
    commit, dirty = read_commit(args.root, args.wheelhouse)
    outcome = suites.run_suites(
        [suites.Suite("buffer-gpu", args.root / "packages/buffer-gpu/benchmarks", "gpu")],
        args.results,
        pytest_args=[] if args.full else SHORT_BENCHMARK_ARGS,
        run_id=record.new_run_id(commit, dirty=dirty),
    )[0]
    if outcome.stored is None:
        return outcome.returncode, None
    # The device machine returns files at most two folders deep: <key>/<run>/file.
    copy = args.out / outcome.stored.parent.parent.name / outcome.stored.parent.name
    copy.mkdir(parents=True, exist_ok=True)
    shutil.copy2(outcome.stored, copy / outcome.stored.name)
    return outcome.returncode, copy / outcome.stored.name


def _run(args: argparse.Namespace) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    junit = args.out / "tests.xml"
    tests = args.root / "packages/buffer-gpu/tests"
    pytest_status = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            str(tests),
            # It builds a CuPy-free copy of this environment, which a venv
            # that borrows the system's site-packages cannot give; nox -s
            # tests runs it.
            f"--ignore={tests / 'test_without_cupy.py'}",
            f"--junitxml={junit}",
            "-q",
            "-rfE",
        ],
        cwd=args.root,
        check=False,
    ).returncode
    bench_status, bench = _record(args)
    text = summary(junit, bench, pytest_status, bench_status)
    print(text, flush=True)
    (args.out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    return 0 if pytest_status == 0 and bench_status == 0 else 1


def main(argv: Sequence[str] | None = None) -> int:
    """``run``: device tests, conformance and zarr GPU tests, recorded short benchmarks, summary."""
    parser = argparse.ArgumentParser(prog="python -m monorepo.gpu_check")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="test, benchmark, record and summarize on this GPU")
    run.add_argument("--root", type=Path, default=Path.cwd(), help="the repository's root")
    run.add_argument("--results", type=Path, required=True, help="benchmark history directory")
    run.add_argument("--out", type=Path, required=True, help="JUnit XML, summary, recorded JSON")
    run.add_argument(
        "--wheelhouse", type=Path, help="where the COMMIT file of a tree without git is"
    )
    run.add_argument("--full", action="store_true", help="pytest-benchmark's default rounds")
    args = parser.parse_args(argv)
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
