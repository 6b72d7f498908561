"""The first run on a GPU machine, in one command: what ``nox -s gpu-check`` runs and reports.

The session installs everything (stage 1 of 4), then calls
``python -m monorepo.gpu_check run --results DIR --out DIR [--wheelhouse DIR] [--full]``,
which runs the other three stages, each printed as it starts and ends:

2. tests: buffer-gpu's test suite (device tests, the conformance suite, the zarr GPU
   adapter) under pytest ``-v``, spread over pytest-xdist workers when it is installed,
   with JUnit XML in ``--out``;
3. benchmarks: buffer-gpu's benchmark suite recorded through benchkit's recording path
   (``benchkit.suites.run_suites``) under a run id naming the commit, which a GPU machine
   without git learns from the wheelhouse's ``COMMIT`` file; short rounds unless
   ``--full``. ``run`` starts this stage as ``python -m monorepo.gpu_check record ...``
   in a child process (same arguments), so that its time limit can stop it;
4. summary: tests passed, failed and skipped per part, zarr's own results (where zarr's
   GPU buffers, the baseline, fail or warn: recorded, never failures of ours), and
   bandwidths in GB/s and as a fraction of CuPy's copy from pinned memory, with the
   issue's targets checked; printed and written to ``--out/summary.txt``.

Each of stages 2 and 3 has a wall-clock limit (``--tests-limit``, ``--bench-limit``): past
it the stage is interrupted (SIGINT, so pytest still writes what it has), then killed.

Standard library only (benchkit is imported by ``record`` alone, inside the session's
virtualenv). The helpers for the session's shared site-packages live here too, so that
tools/tests can test them without nox.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "STAGES",
    "PartCounts",
    "PartOutcome",
    "bandwidth_table",
    "count_tests",
    "main",
    "read_commit",
    "run_part",
    "shared_site_folders",
    "site_pth_text",
    "stage_line",
    "third_party_requirements",
    "zarr_results",
]

COMMIT_FILE = "COMMIT"
# Transfers at least this large must reach the targets (issue 12).
_TARGET_BYTES = 64 << 20
_PINNED_FRACTION = 0.80
_ZARR_SPEEDUP = 2.0

# What gpu-check does, in order; stage 1 runs in the nox session, the others here.
STAGES = ("install", "tests", "benchmarks", "summary")

# The time budget: the whole check, cold CuPy kernel compiles included, in 8 minutes on
# one H100 with 16 CPU cores (issue 16). Estimates, not measurements (no GPU has run it yet):
# - install, offline from the wheelhouse: virtualenv, hatchling, the three packages built
#   from the tree, zarr and its dependencies, benchkit: about 1 minute (37 s measured on
#   a loaded 2-core CPU machine, offline, with an image-like Python);
# - tests: about 830 tests, 420 of them on the device. Each CuPy kernel is compiled by
#   NVRTC on first use (about 0.3 to 1 s each, a few hundred kernels over the dtypes
#   of the conformance suite), into a per-user cache that starts empty on a fresh
#   machine; 4 pytest-xdist workers share the compiling (CuPy writes each cache file
#   to a temporary name and renames it, in 13.6 and 14.x, so workers racing on one
#   kernel are harmless): 1 to 2 minutes, limit 3.5;
# - benchmarks, short rounds: 60 benchmarks, each timed for about 0.25 s (at least 3
#   rounds, after 1 warm-up), the largest moving 1 GiB per round, plus 1.3 GiB of random
#   host payloads made once: 1 to 2 minutes, limit 2.25;
# - each limit gets 15 s of grace after its SIGINT; the summary takes under a second.
# Worst case about 1 + 3.5 + 2.25 + 0.5 (grace) = 7.25 minutes, inside the 8; the device
# run's timeout_s of 540 (9 minutes) leaves the rest for a slow install. --full measures
# with pytest-benchmark's own rounds, which takes far longer: give it --bench-limit too.
TESTS_LIMIT_S = 210
BENCH_LIMIT_S = 135
GRACE_S = 15
XDIST_WORKERS = 4
# zarr's own results, as the tests and benchmarks record them: a JUnit property of a test,
# a benchmark's extra_info key, and the start of a benchmark's skip reason.
ZARR_RESULT_PROPERTY = "zarr-gpu-result"
ZARR_RESULT_EXTRA_INFO = "zarr_result"
ZARR_RESULT_SKIP = "zarr's result:"


def stage_line(stage: str, text: str) -> str:
    """``[gpu-check 2/4 tests] text``: one progress line, numbered by ``STAGES``."""
    return f"[gpu-check {STAGES.index(stage) + 1}/{len(STAGES)} {stage}] {text}"


def _say(stage: str, text: str) -> None:
    print(stage_line(stage, text), flush=True)


# --- the session's view of the machine's own packages (CuPy built for its driver) --------


def shared_site_folders() -> list[str]:
    """This interpreter's site-packages folders that exist, in the order it searches them.

    The user site (``pip install --user``) comes first where this interpreter enables it,
    as Python itself orders it. Where it does not (nox running from a virtualenv, such as
    pipx's or a GPU image's), the user site goes last, after the interpreter's own
    folders, so it only supplies what they lack; ``-s`` or ``PYTHONNOUSERSITE`` leave it
    out.
    """
    paths = sysconfig.get_paths()
    own = [paths["purelib"], paths["platlib"], *site.getsitepackages()]
    user: list[str] = []
    if not sys.flags.no_user_site:
        user = [site.getusersitepackages()]
    ordered = [*user, *own] if site.ENABLE_USER_SITE else [*own, *user]
    found: list[str] = []
    for folder in ordered:
        if folder not in found and Path(folder).is_dir():
            found.append(folder)
    return found


def site_pth_text(folders: Sequence[str]) -> str:
    """A .pth file's text that appends ``folders`` (and their own .pth files) to sys.path.

    ``site.addsitedir`` appends, so a virtualenv holding this file keeps its own packages
    first; pip counts the appended ones as installed and adds only what is missing.
    """
    return "".join(f"import site; site.addsitedir({folder!r})\n" for folder in folders)


def third_party_requirements(root: Path, specs: Sequence[str]) -> list[str]:
    """What installing ``specs`` (``buffer-core[testing]``, ...) from ``root/packages`` pulls
    from an index: their dependencies and chosen extras, ours followed, not listed.

    ``nox -s gpu-wheels`` downloads these, so that a dependency a package gains reaches
    the offline wheelhouse without anyone editing a list.
    """
    wanted = list(specs)
    seen: set[str] = set()
    found: list[str] = []
    while wanted:
        spec = wanted.pop(0)
        if spec in seen:
            continue
        seen.add(spec)
        name, _, extras = spec.partition("[")
        pyproject = root / "packages" / name / "pyproject.toml"
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        requirements = list(project.get("dependencies", []))
        optional = project.get("optional-dependencies", {})
        for extra in filter(None, extras.rstrip("]").split(",")):
            requirements += optional[extra.strip()]
        for requirement in requirements:
            dist = re.match(r"[A-Za-z0-9._-]+", requirement)
            dist_name = dist.group(0) if dist else ""
            if (root / "packages" / dist_name).is_dir():
                rest = requirement[len(dist_name) :]
                extra = rest[: rest.index("]") + 1] if rest.startswith("[") else ""
                wanted.append(f"{dist_name}{extra}")
            elif requirement not in found:
                found.append(requirement)
    return found


# --- running a stage under a time limit -------------------------------------------------------


@dataclass(frozen=True)
class PartOutcome:
    """How one stage's process ended."""

    returncode: int
    seconds: float
    timed_out: bool


def run_part(
    stage: str, command: Sequence[str], *, limit_s: float, cwd: Path, grace_s: float = GRACE_S
) -> PartOutcome:
    """Run ``command`` in its own process group, printing it and how it ended.

    Past ``limit_s`` the group gets SIGINT (pytest then stops, prints its summary and
    writes its reports), and SIGKILL if it is still there ``grace_s`` later.
    """
    _say(stage, f"{shlex.join(command)}  (limit {limit_s:.0f} s)")
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, start_new_session=True)
    timed_out = False
    try:
        try:
            returncode = process.wait(timeout=limit_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _say(stage, f"over its limit of {limit_s:.0f} s: interrupting it (SIGINT)")
            _signal_group(process, signal.SIGINT)
            try:
                returncode = process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                _say(stage, f"still running {grace_s:.0f} s later: killing it")
                _signal_group(process, signal.SIGKILL)
                returncode = process.wait()
    except BaseException:
        # Its own process group does not get the terminal's Ctrl-C: pass it on.
        _signal_group(process, signal.SIGKILL)
        process.wait()
        raise
    seconds = time.monotonic() - start
    ended = "stopped at its time limit" if timed_out else "done"
    _say(stage, f"{ended}: exit {returncode} after {seconds:.0f} s")
    return PartOutcome(returncode, seconds, timed_out)


def _signal_group(process: subprocess.Popen[Any], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


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
    if ".benchmarks." in f".{classname}." or classname.startswith("benchmarks."):
        return "benchmarks"
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
        if not case.get("name"):
            # The test running when pytest was interrupted (a stage's time limit): an
            # empty <testcase/>, neither passed nor failed; the summary names the stop.
            continue
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


def zarr_results(junit: Path) -> list[str]:
    """zarr's own results that a JUnit report carries: ``test id: what zarr's GPU buffers did``.

    A test records them as the property ``zarr-gpu-result``; a benchmark whose zarr
    baseline cannot run skips with a reason starting ``zarr's result:``.
    """
    found: list[str] = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        found.extend(
            f"{test_id}: {prop.get('value', '')}"
            for prop in case.iter("property")
            if prop.get("name") == ZARR_RESULT_PROPERTY
        )
        for skipped in case.iter("skipped"):
            message = skipped.get("message", "")
            # pytest's JUnit message of a skip is "<reason>" or "<file>:<line>: <reason>".
            if ZARR_RESULT_SKIP in message:
                found.append(f"{test_id}: {message[message.index(ZARR_RESULT_SKIP) :]}")
    return found


def _direction_and_size(group: str) -> tuple[str, int] | None:
    match = re.fullmatch(r"(host to device|device to host), (\d+) MiB", group)
    return (match.group(1), int(match.group(2)) << 20) if match else None


def bandwidth_table(raw: dict[str, Any]) -> list[str]:
    """Lines of the summary for recorded pytest-benchmark JSON ``raw``."""
    medians: dict[tuple[str, str], float] = {}
    nbytes: dict[str, int] = {}
    others: list[str] = []
    zarr_notes: list[str] = []
    for bench in raw.get("benchmarks", []):
        group, info = str(bench.get("group")), bench.get("extra_info", {})
        median = float(bench["stats"]["median"])
        medians[(group, str(info.get("impl")))] = median
        if info.get("bytes"):
            nbytes[group] = int(info["bytes"])
        if info.get(ZARR_RESULT_EXTRA_INFO):
            zarr_notes.append(f"  {group} ({info.get('impl')}): {info[ZARR_RESULT_EXTRA_INFO]}")
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
    if zarr_notes:
        zarr_notes.insert(0, "  zarr's own results in the record (zarr's, not failures of ours):")
    return [*lines, *sorted(others), *_wrap_scaling(medians), *zarr_notes]


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


def summary(
    junit: Path,
    bench: Path | None,
    pytest_status: int,
    bench_status: int | None,
    *,
    bench_junit: Path | None = None,
    timed_out: Sequence[str] = (),
    device_problem: str | None = None,
) -> str:
    """The one summary gpu-check prints and writes."""
    lines = ["gpu-check summary"]
    if device_problem is not None:
        lines.append(f"  NO USABLE DEVICE, so every device test skipped: {device_problem}")
    lines += [f"  STOPPED at its time limit: {stage}" for stage in timed_out]
    parts, failed = count_tests(junit) if junit.is_file() else ({}, [])
    if not parts:
        lines.append(f"  tests: no JUnit report ({junit}); pytest exit {pytest_status}")
    zarrs: list[str] = zarr_results(junit) if junit.is_file() else []
    if bench_junit is not None and bench_junit.is_file():
        bench_parts, bench_failed = count_tests(bench_junit)
        parts.update(bench_parts)
        failed += bench_failed
        zarrs += zarr_results(bench_junit)
    for name, counts in sorted(parts.items()):
        lines.append(
            f"  {name:<20} {counts.passed:5} passed {counts.failed:4} failed {counts.skipped:4} skipped"
        )
    lines += [f"    FAILED {test_id}" for test_id in failed[:30]]
    if zarrs:
        lines.append(
            "  zarr's own results (zarr's GPU buffers as the baseline; not failures of ours):"
        )
        lines += [f"    {line}" for line in zarrs]
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
# Where ``record`` leaves the path of the stored run for ``run`` to summarize.
_RECORDED = "recorded.txt"
_TESTS_JUNIT = "tests.xml"
_BENCH_JUNIT = "benchmarks.xml"
_NOTHING_SAVED = "Not saving anything, no benchmarks have been run"


def _record(args: argparse.Namespace) -> int:
    """Stage 3 alone: run the benchmarks, store the run, copy it into ``--out``."""
    # ``run`` interrupts this stage's process group at its limit: pytest must get that
    # SIGINT (it then still writes its JSON), and this process must live on to store it.
    signal.signal(signal.SIGINT, lambda *_: None)
    # benchkit is installed in the session's venv, not beside this stdlib-only package.
    record = importlib.import_module("benchkit.record")
    suites = importlib.import_module("benchkit.suites")
    commit, dirty = read_commit(args.root, args.wheelhouse)
    pytest_args = ["-v", f"--junitxml={args.out / _BENCH_JUNIT}", "-p", "no:cacheprovider"]
    # Where every benchmark skips (no usable device: the skip reasons say why),
    # pytest-benchmark warns that it saves nothing, an error under filterwarnings = error;
    # the summary already says "nothing recorded".
    pytest_args += ["-W", f"ignore:{_NOTHING_SAVED}:pytest_benchmark.logger.PytestBenchmarkWarning"]
    outcome = suites.run_suites(
        [suites.Suite("buffer-gpu", args.root / "packages/buffer-gpu/benchmarks", "gpu")],
        args.results,
        pytest_args=[*pytest_args, *([] if args.full else SHORT_BENCHMARK_ARGS)],
        run_id=record.new_run_id(commit, dirty=dirty),
    )[0]
    if outcome.stored is not None:
        # The device machine returns files at most two folders deep: <key>/<run>/file.
        copy = args.out / outcome.stored.parent.parent.name / outcome.stored.parent.name
        copy.mkdir(parents=True, exist_ok=True)
        shutil.copy2(outcome.stored, copy / outcome.stored.name)
        (args.out / _RECORDED).write_text(str(copy / outcome.stored.name), encoding="utf-8")
    return int(outcome.returncode)


def _tests_command(args: argparse.Namespace) -> list[str]:
    tests = args.root / "packages/buffer-gpu/tests"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(tests)]
    # It builds a CuPy-free copy of this environment, which a venv that borrows the
    # system's site-packages cannot give; nox -s tests runs it.
    command.append(f"--ignore={tests / 'test_without_cupy.py'}")
    command += [f"--junitxml={args.out / _TESTS_JUNIT}", "-v", "-rfE"]
    if args.workers > 0 and importlib.util.find_spec("xdist") is not None:
        command += ["-n", str(args.workers)]
    return command


def _bench_command(args: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "monorepo.gpu_check", "record", "--root", str(args.root)]
    command += ["--results", str(args.results), "--out", str(args.out)]
    if args.wheelhouse is not None:
        command += ["--wheelhouse", str(args.wheelhouse)]
    if args.full:
        command.append("--full")
    return command


def _run(args: argparse.Namespace) -> int:
    """Stages 2 to 4: tests, benchmarks (a child process), summary."""
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in (_TESTS_JUNIT, _BENCH_JUNIT, _RECORDED):
        (args.out / stale).unlink(missing_ok=True)
    # A run whose device tests all skipped checked nothing on the GPU: it is not green.
    device_problem = importlib.import_module("buffer_gpu").device_problem()
    _say("tests", f"device: {device_problem or 'usable'}")
    tests = run_part("tests", _tests_command(args), limit_s=args.tests_limit, cwd=args.root)
    bench = run_part("benchmarks", _bench_command(args), limit_s=args.bench_limit, cwd=args.root)
    recorded = args.out / _RECORDED
    stored = Path(recorded.read_text(encoding="utf-8")) if recorded.is_file() else None
    _say("summary", f"{args.out / 'summary.txt'}")
    timed_out = [name for name, part in (("tests", tests), ("benchmarks", bench)) if part.timed_out]
    text = summary(
        args.out / _TESTS_JUNIT,
        stored,
        tests.returncode,
        bench.returncode,
        bench_junit=args.out / _BENCH_JUNIT,
        timed_out=timed_out,
        device_problem=device_problem,
    )
    print(text, flush=True)
    (args.out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    green = tests.returncode == 0 and bench.returncode == 0 and not timed_out
    return 0 if green and device_problem is None else 1


def main(argv: Sequence[str] | None = None) -> int:
    """``run``: stages 2 to 4 (tests, benchmarks, summary); ``record``: stage 3 alone."""
    parser = argparse.ArgumentParser(prog="python -m monorepo.gpu_check")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="test, benchmark, record and summarize on this GPU")
    record = commands.add_parser("record", help="benchmark and record only (run's stage 3)")
    for sub in (run, record):
        sub.add_argument("--root", type=Path, default=Path.cwd(), help="the repository's root")
        sub.add_argument("--results", type=Path, required=True, help="benchmark history directory")
        sub.add_argument(
            "--out", type=Path, required=True, help="JUnit XML, summary, recorded JSON"
        )
        sub.add_argument(
            "--wheelhouse", type=Path, help="where the COMMIT file of a tree without git is"
        )
        sub.add_argument("--full", action="store_true", help="pytest-benchmark's default rounds")
    run.add_argument("--tests-limit", type=float, default=TESTS_LIMIT_S, help="seconds, stage 2")
    run.add_argument("--bench-limit", type=float, default=BENCH_LIMIT_S, help="seconds, stage 3")
    run.add_argument(
        "--workers", type=int, default=XDIST_WORKERS, help="pytest-xdist workers (0: none)"
    )
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    args.out = args.out.resolve()
    args.results = args.results.resolve()
    if args.command == "record":
        args.out.mkdir(parents=True, exist_ok=True)
        return _record(args)
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
