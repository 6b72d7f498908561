"""Compare two recorded runs benchmark by benchmark, as a ratio table.

A benchmark regresses when head/base exceeds its noise-aware threshold (from
the base machine's history, see :func:`benchkit.stats.relative_threshold`)
*and* the two runs' interquartile ranges do not overlap, so a single noisy run
on either side does not fail a pull request.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Literal

from benchkit.config import Thresholds
from benchkit.history import BenchResult, History, Run
from benchkit.stats import relative_threshold

__all__ = ["Comparison", "compare_runs", "format_seconds", "format_table", "resolve_run"]

Verdict = Literal["regression", "improvement", "same", "new", "gone"]


@dataclass(frozen=True)
class Comparison:
    """One benchmark in the two runs."""

    fullname: str
    base: BenchResult | None
    head: BenchResult | None
    threshold: float
    verdict: Verdict

    @property
    def ratio(self) -> float | None:
        """head / base of the medians (above 1: head is slower)."""
        if self.base is None or self.head is None or self.base.stats.median <= 0:
            return None
        return self.head.stats.median / self.base.stats.median


def resolve_run(history: History, ref: str, *, machine: str | None = None) -> Run:
    """Find a run by id, unique id prefix, ``latest``, commit prefix or git ref.

    Several runs at one commit resolve to the newest of them. ``machine``
    restricts the candidates to one machine key.
    """
    if not ref:
        msg = f"run reference must be a non-empty string, got {ref!r}"
        raise ValueError(msg)
    runs = [run for run in history.runs if machine is None or run.machine_key == machine]
    if not runs:
        where = f" for machine {machine!r}" if machine else ""
        msg = f"no recorded runs{where} under {str(history.root)!r}"
        raise ValueError(msg)
    if ref == "latest":
        return runs[-1]
    exact = [run for run in runs if run.run_id == ref]
    if exact:
        return _newest(exact, ref)
    by_prefix = [run for run in runs if run.run_id.startswith(ref)]
    if len({run.run_id for run in by_prefix}) == 1:
        return _newest(by_prefix, ref)
    commit = ref.lower()
    by_commit = [run for run in runs if run.commit and run.commit.lower().startswith(commit)]
    if not by_commit:
        resolved = _git_rev_parse(ref)
        if resolved:
            by_commit = [run for run in runs if run.commit == resolved]
    if by_commit:
        return _newest(by_commit, ref)
    if by_prefix:
        ids = ", ".join(sorted({run.run_id for run in by_prefix})[:5])
        msg = f"run reference {ref!r} is ambiguous: matches {ids}"
        raise ValueError(msg)
    msg = f"run reference {ref!r} matches no run id, commit or git ref in {str(history.root)!r}"
    raise ValueError(msg)


def _newest(candidates: list[Run], ref: str) -> Run:
    machines = {run.machine_key for run in candidates}
    if len(machines) > 1:
        msg = (
            f"run reference {ref!r} matches runs on several machines ({', '.join(sorted(machines))});"
            " pass --machine KEY to choose one"
        )
        raise ValueError(msg)
    return candidates[-1]


def _git_rev_parse(ref: str) -> str | None:
    if ref.startswith("-"):
        return None
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def compare_runs(
    history: History, base: Run, head: Run, thresholds: Thresholds
) -> list[Comparison]:
    """Every benchmark of either run, sorted by name."""
    earlier = [run for run in history.runs if run.machine_key == base.machine_key]
    cutoff = earlier.index(base) + 1 if base in earlier else len(earlier)
    comparisons: list[Comparison] = []
    for fullname in sorted(set(base.results) | set(head.results)):
        config = thresholds.for_benchmark(fullname)
        before = base.results.get(fullname)
        after = head.results.get(fullname)
        baseline = [
            run.results[fullname].stats.median
            for run in earlier[:cutoff]
            if fullname in run.results
        ][-config.window :]
        threshold = relative_threshold(baseline, config)
        comparisons.append(
            Comparison(fullname, before, after, threshold, _verdict(before, after, threshold))
        )
    return comparisons


def _verdict(base: BenchResult | None, head: BenchResult | None, threshold: float) -> Verdict:
    if base is None:
        return "new"
    if head is None:
        return "gone"
    if base.stats.median <= 0:
        return "same"
    change = head.stats.median / base.stats.median - 1.0
    if change > threshold and head.stats.q1 > base.stats.q3:
        return "regression"
    if change < -threshold and head.stats.q3 < base.stats.q1:
        return "improvement"
    return "same"


def format_seconds(seconds: float) -> str:
    """A time with a unit that keeps 3-4 significant digits readable."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_table(base: Run, head: Run, comparisons: list[Comparison]) -> str:
    """The ratio table as plain text, worst regressions first."""
    lines = [
        f"base: {base.run_id} ({base.machine_key}, commit {base.short_commit})",
        f"head: {head.run_id} ({head.machine_key}, commit {head.short_commit})",
    ]
    if base.machine_key != head.machine_key:
        lines.append("warning: the runs are from different machines; ratios mix hardware")
    order = {"regression": 0, "improvement": 1, "same": 2, "new": 3, "gone": 4}
    rows = sorted(comparisons, key=lambda c: (order[c.verdict], -(c.ratio or 0.0), c.fullname))
    header = ("benchmark", "base", "head", "head/base", "threshold", "verdict")
    table = [header]
    for item in rows:
        ratio = item.ratio
        table.append(
            (
                item.fullname,
                format_seconds(item.base.stats.median) if item.base else "-",
                format_seconds(item.head.stats.median) if item.head else "-",
                f"{ratio:.3f}" if ratio is not None else "-",
                f"±{item.threshold:.0%}",
                item.verdict,
            )
        )
    widths = [max(len(row[col]) for row in table) for col in range(len(header))]
    for row in table:
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    counts = {kind: sum(1 for c in comparisons if c.verdict == kind) for kind in order}
    lines.append(
        f"{counts['regression']} regressed, {counts['improvement']} improved, "
        f"{counts['same']} unchanged, {counts['new']} new, {counts['gone']} gone"
    )
    return "\n".join(lines)
