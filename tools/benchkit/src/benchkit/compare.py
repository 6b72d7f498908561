"""Compare two recorded runs benchmark by benchmark, as a table with a verdict.

Only benchmarks of ours are judged, by the rule in :mod:`benchkit.judge`: on
``ours / baseline`` where baselines ran beside them in both runs, else on time;
a change of time its baselines share is drift. Thresholds come from the base
machine's history up to the base run (:func:`benchkit.stats.relative_threshold`),
and the interquartile ranges must not overlap, so a single noisy run on either
side does not fail a pull request. Baselines appear as context.
"""

from __future__ import annotations

import dataclasses
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from benchkit.config import Thresholds
from benchkit.history import BenchResult, History, Run, Stats
from benchkit.judge import PairVerdict, baselines_by_ours, describe_rule, is_ours, judge_pair
from benchkit.levels import MachineLevels
from benchkit.wording import speed

__all__ = [
    "Comparison",
    "compare_runs",
    "format_result",
    "format_seconds",
    "format_table",
    "pair_warnings",
    "pool_runs",
    "previous_commit_runs",
    "resolve_run",
    "resolve_runs",
    "verdict_line",
]

Verdict = Literal["regression", "improvement", "same", "drift", "new", "gone", "baseline"]


@dataclass(frozen=True)
class Comparison:
    """One benchmark in the two runs."""

    fullname: str
    base: BenchResult | None
    head: BenchResult | None
    threshold: float
    verdict: Verdict
    # The evidence for a benchmark of ours; None for a baseline (context).
    judgement: PairVerdict | None = None

    @property
    def ratio(self) -> float | None:
        """head / base of the medians (above 1: head is slower)."""
        if self.base is None or self.head is None or self.base.stats.median <= 0:
            return None
        return self.head.stats.median / self.base.stats.median

    @property
    def is_ours(self) -> bool:
        return self.judgement is not None


def resolve_run(history: History, ref: str, *, machine: str | None = None) -> Run:
    """Find a run by id, unique id prefix, ``latest``, commit prefix or git ref.

    Several runs at one commit resolve to the newest of them. ``machine``
    restricts the candidates to one machine key. A git ref that exists but
    has no recorded run is told apart from a reference that names nothing.
    """
    return resolve_runs(history, ref, machine=machine)[-1]


def resolve_runs(history: History, ref: str, *, machine: str | None = None) -> list[Run]:
    """Like :func:`resolve_run`, but a commit (or git ref) gives every run of it on its machine."""
    run = _resolve(history, ref, machine=machine)
    if isinstance(run, Run):
        return [run]
    return run


def pool_runs(runs: list[Run]) -> Run:
    """Several runs of one commit on one machine as one run: per benchmark the median statistics.

    The median of three runs is not moved by one run that a busy machine
    slowed down, which a single run's median can be.
    """
    if not runs:
        msg = "runs must hold at least one run, got none"
        raise ValueError(msg)
    if len(runs) == 1:
        return runs[0]
    keys = {(run.machine_key, run.commit) for run in runs}
    if len(keys) > 1:
        msg = f"runs must share one machine and commit to be pooled, got {sorted(map(str, keys))}"
        raise ValueError(msg)
    newest = runs[-1]
    results: dict[str, BenchResult] = {}
    for fullname in sorted({name for run in runs for name in run.results}):
        found = [run.results[fullname] for run in runs if fullname in run.results]
        stats = [result.stats for result in found]
        pooled = Stats(
            median=statistics.median(s.median for s in stats),
            q1=statistics.median(s.q1 for s in stats),
            q3=statistics.median(s.q3 for s in stats),
            min=min(s.min for s in stats),
            max=max(s.max for s in stats),
            mean=statistics.fmean(s.mean for s in stats),
            stddev=statistics.median(s.stddev for s in stats),
            rounds=sum(s.rounds for s in stats),
        )
        results[fullname] = dataclasses.replace(found[-1], stats=pooled)
    return dataclasses.replace(
        newest,
        run_id=f"{newest.short_commit} ({len(runs)} runs pooled)",
        packages=sorted({p for run in runs for p in run.packages}),
        files=[f for run in runs for f in run.files],
        results=results,
    )


def _resolve(history: History, ref: str, *, machine: str | None) -> Run | list[Run]:
    """One run (by id or 'latest') or every run of one commit, oldest first."""
    if not ref:
        msg = f"run reference must be a non-empty string, got {ref!r}"
        raise ValueError(msg)
    runs = [run for run in history.runs if machine is None or run.machine_key == machine]
    where = f" for machine {machine!r}" if machine else ""
    if not runs:
        msg = f"no recorded runs{where} under {str(history.root)!r}"
        raise ValueError(msg)
    if ref == "latest":
        return runs[-1]
    exact = [run for run in runs if run.run_id == ref]
    if exact:
        return _newest(exact, ref)[-1]
    by_prefix = [run for run in runs if run.run_id.startswith(ref)]
    if len({run.run_id for run in by_prefix}) == 1:
        return _newest(by_prefix, ref)[-1]
    commit = ref.lower()
    by_commit = [run for run in runs if run.commit and run.commit.lower().startswith(commit)]
    resolved = None
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
    if resolved:
        msg = (
            f"run reference {ref!r} is commit {resolved[:10]}, which has no recorded run{where}"
            f" in {str(history.root)!r}; run `nox -s bench` there, or pick a recorded commit"
            f" (latest: {runs[-1].short_commit})"
        )
        raise ValueError(msg)
    msg = (
        f"run reference {ref!r} is not a run id, a recorded commit or a git ref"
        f" (history: {str(history.root)!r})"
    )
    raise ValueError(msg)


def _newest(candidates: list[Run], ref: str) -> list[Run]:
    machines = {run.machine_key for run in candidates}
    if len(machines) > 1:
        msg = (
            f"run reference {ref!r} matches runs on several machines ({', '.join(sorted(machines))});"
            " pass --machine KEY to choose one"
        )
        raise ValueError(msg)
    return candidates


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
    history: History,
    base: Run,
    head: Run,
    thresholds: Thresholds,
    *,
    levels: MachineLevels | None = None,
) -> list[Comparison]:
    """Every benchmark of either run, sorted by name; ours judged, baselines as context.

    ``levels`` holds the base machine's thresholds when the caller compares
    many pairs (the dashboard); without it they are found here. A partial head
    run (a pytest selection) is compared on what it measured: what it did not
    select is not "gone".
    """
    if levels is None:
        levels = MachineLevels(
            [run for run in history.runs if run.machine_key == base.machine_key], thresholds
        )
    # The thresholds of the history up to the base run (or the newest run of a pooled base).
    position = levels.position_of(base)
    base_pairs, head_pairs = baselines_by_ours(base), baselines_by_ours(head)
    names = set(head.results) if head.partial else set(base.results) | set(head.results)
    comparisons: list[Comparison] = []
    for fullname in sorted(names):
        before = base.results.get(fullname)
        after = head.results.get(fullname)
        time_threshold, ratio_thresholds = levels.pair_thresholds(fullname, position)
        if not is_ours(before or after):  # type: ignore[arg-type]  # one of them is set
            comparisons.append(Comparison(fullname, before, after, time_threshold, "baseline"))
            continue
        judgement = judge_pair(
            before,
            after,
            before_baselines=base_pairs.get(fullname, {}),
            after_baselines=head_pairs.get(fullname, {}),
            time_threshold=time_threshold,
            ratio_thresholds=ratio_thresholds,
        )
        comparisons.append(
            Comparison(fullname, before, after, time_threshold, judgement.verdict, judgement)
        )
    return comparisons


def previous_commit_runs(
    machine_runs: Sequence[Run], position: int, *, other_commit: bool = False
) -> list[Run]:
    """The runs of the commit recorded before ``machine_runs[position]`` (oldest first), or none.

    One run decides nothing on a busy machine: the summary and the dashboard
    judge a run against all runs of the previous commit, pooled. With
    ``other_commit`` (the dashboard), earlier runs of the run's own commit are
    passed over: the previous commit is the last one that is not this one.
    """
    head = machine_runs[position]
    earlier = [
        run
        for run in machine_runs[:position]
        if not (other_commit and run.commit == head.commit and run.dirty == head.dirty)
    ]
    if not earlier:
        return []
    last = earlier[-1]
    return [run for run in earlier if run.commit == last.commit and run.dirty == last.dirty]


def pair_warnings(base: Run, head: Run) -> list[str]:
    """What a person must know before reading a comparison of ``base`` and ``head``."""
    warnings: list[str] = []
    if base.machine_key != head.machine_key:
        warnings.append("the runs are from different machines; ratios mix hardware")
    if base.run_id == head.run_id and base.machine_key == head.machine_key:
        warnings.append("BASE and HEAD are the same run; nothing can have changed")
    elif set(base.files) & set(head.files):
        warnings.append("BASE and HEAD share recorded runs (a commit's runs are pooled)")
    elif base.commit is not None and base.commit == head.commit and base.dirty == head.dirty:
        warnings.append(
            f"BASE and HEAD are runs of one commit ({head.short_commit}): any change is noise,"
            " so every verdict is at most a candidate"
        )
    if head.partial:
        warnings.append(
            f"HEAD is a partial run (pytest {head.selection}): only the"
            f" {len(head.results)} benchmarks it measured are compared"
        )
    return warnings


def format_result(result: BenchResult | None) -> str:
    """The median time, with GB/s when the benchmark declares ``extra_info["bytes"]``."""
    if result is None:
        return "-"
    text = format_seconds(result.stats.median)
    nbytes = result.extra_info.get("bytes")
    if isinstance(nbytes, bool) or not isinstance(nbytes, int) or nbytes <= 0:
        return text
    if result.stats.median > 0:
        text += f" ({nbytes / result.stats.median / 1e9:.3g} GB/s)"
    return text


def format_seconds(seconds: float) -> str:
    """A time with a unit that keeps 3-4 significant digits readable."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


_ORDER = {"regression": 0, "improvement": 1, "drift": 2, "same": 3, "new": 4, "gone": 5}


def format_table(
    base: Run, head: Run, comparisons: list[Comparison], thresholds: Thresholds | None = None
) -> str:
    """The rule, the table of ours (worst first), the baselines as context, the counts."""
    config = (thresholds or Thresholds()).default
    lines = [
        f"base: {base.run_id} ({base.machine_key}, commit {base.short_commit})",
        f"head: {head.run_id} ({head.machine_key}, commit {head.short_commit})",
    ]
    lines += [f"warning: {warning}" for warning in pair_warnings(base, head)]
    lines.append(f"rule: {describe_rule(config)}")
    lines.append(
        "ratios: time head / time base (below 1: head faster), said in words; a verdict between"
        " two runs is a candidate until the history confirms it (nox -s dashboard)"
    )
    files = sorted({c.fullname.rsplit("::", 1)[0] for c in comparisons if "::" in c.fullname})
    if files:
        lines.append(f"files: {', '.join(files)}")
    ours = sorted(
        (c for c in comparisons if c.is_ours),
        key=lambda c: (_ORDER[c.verdict], -(c.ratio or 0.0), c.fullname),
    )
    context = [c for c in comparisons if not c.is_ours]
    header = ("benchmark of ours", "base", "head", "head/base", "verdict", "in words", "why")
    table = [header]
    for item in ours:
        judgement = item.judgement
        table.append(
            (
                _short(item.fullname),
                format_result(item.base),
                format_result(item.head),
                f"{item.ratio:.3f}" if item.ratio is not None else "-",
                item.verdict,
                judgement.words if judgement else "",
                judgement.reason if judgement else "",
            )
        )
    lines += _columns(table)
    if context:
        lines.append("baselines (context, not judged):")
        rows = [("baseline", "base", "head", "head/base", "time (not judged)")]
        rows += [
            (
                _short(item.fullname),
                format_result(item.base),
                format_result(item.head),
                f"{item.ratio:.3f}" if item.ratio is not None else "-",
                speed(item.ratio) if item.ratio is not None and item.ratio > 0 else "-",
            )
            for item in context
        ]
        lines += ["  " + line for line in _columns(rows)]
    counts = {kind: sum(1 for c in ours if c.verdict == kind) for kind in _ORDER}
    lines.append(
        f"{counts['regression']} regressed, {counts['improvement']} improved, "
        f"{counts['drift']} drift, {counts['same']} unchanged, {counts['new']} new, "
        f"{counts['gone']} gone; {len(context)} baseline(s) not judged"
    )
    return "\n".join(lines)


def verdict_line(comparisons: list[Comparison]) -> str:
    """The last line of ``bench-compare``: pass or fail, and why."""
    regressed = [c for c in comparisons if c.verdict == "regression"]
    if regressed:
        names = ", ".join(_short(c.fullname) for c in regressed[:3])
        more = f" and {len(regressed) - 3} more" if len(regressed) > 3 else ""
        return f"verdict: FAIL, {len(regressed)} regression(s) of ours: {names}{more}"
    drift = sum(1 for c in comparisons if c.verdict == "drift")
    improved = sum(1 for c in comparisons if c.verdict == "improvement")
    return f"verdict: OK, no regression of ours ({improved} improved, {drift} drift)"


def _short(fullname: str) -> str:
    """The test id without its file: every table row of one suite shares the path."""
    return fullname.rsplit("::", 1)[-1]


def _columns(table: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[col]) for row in table) for col in range(len(table[0]))]
    lines = []
    for row in table:
        cells = [row[0].ljust(widths[0])]
        for number, (cell, width) in enumerate(zip(row[1:], widths[1:], strict=True), start=1):
            # Text columns (verdict, why) read left-aligned; numbers right-aligned.
            cells.append(cell.ljust(width) if number >= 4 else cell.rjust(width))
        lines.append("  ".join(cells).rstrip())
    return lines
