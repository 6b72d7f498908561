"""The short account ``benchkit run`` ends with: this run against the previous one here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from benchkit.compare import compare_runs, format_result, pool_runs, previous_commit_runs
from benchkit.config import Thresholds
from benchkit.history import History, Run
from benchkit.judge import Flag, flag_history

__all__ = ["run_summary"]

_WORDS = {"regression": "slower", "improvement": "faster", "drift": "drift", "same": "same"}
_ORDER = {"slower": 0, "faster": 1, "drift": 2, "same": 3, "new": 4, "gone": 5}


def run_summary(
    history: History,
    run: Run,
    thresholds: Thresholds,
    *,
    files: Sequence[Path] = (),
    site: Path | None = None,
    log: Path | None = None,
) -> str:
    """Confirmed regressions first, then each benchmark of ours, then where things are."""
    machine_runs = [r for r in history.runs if r.machine_key == run.machine_key]
    position = next(i for i, r in enumerate(machine_runs) if r.run_id == run.run_id)
    previous: Run | None = None
    pooled = 0
    same = previous_commit_runs(machine_runs, position)
    if same:
        # The previous commit's runs pooled, so one busy run there decides nothing.
        previous, pooled = pool_runs(same), len(same)
    config = thresholds.default
    lines: list[str] = []
    recent = [
        flag
        for flag in flag_history(machine_runs[: position + 1], thresholds)
        if machine_runs.index(flag.run) > position - config.confirm
    ]
    confirmed = [f for f in recent if f.status == "confirmed"]
    candidates = [f for f in recent if f.status == "candidate"]
    lines.append(f"summary of run {run.run_id} on {run.machine_key}:")
    if run.partial:
        lines.append(
            f"  partial run (pytest {run.selection}): {len(run.results)} benchmarks measured;"
            " the others are not compared, not gone"
        )
    regressions = [f for f in confirmed if f.kind == "regression"]
    improvements = [f for f in confirmed if f.kind == "improvement"]
    lines.append(
        f"  confirmed by this run: {_names(regressions) or 'no regression'};"
        f" {_names(improvements) or 'no improvement'}"
    )
    if candidates:
        lines.append(
            f"  candidates (not counted until {config.confirm} runs in a row agree):"
            f" {_names(candidates)}"
        )
    if previous is None:
        lines.append(f"  first run of machine {run.machine_key}: nothing to compare with")
    else:
        comparisons = [c for c in compare_runs(history, previous, run, thresholds) if c.is_ours]
        words = {c.fullname: _WORDS.get(c.verdict, c.verdict) for c in comparisons}
        counts = {w: sum(1 for v in words.values() if v == w) for w in _ORDER}
        shown = ", ".join(f"{n} {w}" for w, n in counts.items() if n)
        lines.append(
            f"  against the previous run here (commit {previous.short_commit},"
            f" {pooled} run{'s' if pooled > 1 else ''} pooled): {len(comparisons)}"
            f" benchmarks of ours: {shown}"
        )
        rows = sorted(comparisons, key=lambda c: (_ORDER[words[c.fullname]], c.fullname))
        width = max(len(_short(c.fullname)) for c in rows) if rows else 0
        if counts["slower"] or counts["faster"]:
            lines.append(
                "    (one run decides nothing: 'slower' and 'faster' below are candidates"
                f" until {config.confirm} runs in a row agree)"
            )
        said = {c.fullname: c.judgement.words if c.judgement else "" for c in rows}
        said_width = max((len(text) for text in said.values()), default=0)
        for item in rows:
            before, after = format_result(item.base), format_result(item.head)
            why = item.judgement.reason if item.judgement and words[item.fullname] != "same" else ""
            lines.append(
                f"    {words[item.fullname]:<6} {_short(item.fullname):<{width}}  "
                f"{before:>9} -> {after:<9} {said[item.fullname]:<{said_width}}  {why}".rstrip()
            )
    lines.extend(f"  results: {path}" for path in files)
    if site is not None:
        lines.append(f"  dashboard: {site.resolve().as_uri()}")
    if log is not None:
        lines.append(f"  full pytest-benchmark tables: {log}")
    return "\n".join(lines)


def _names(flags: Sequence[Flag]) -> str:
    return ", ".join(
        f"{flag.kind} of {_short(flag.fullname)} ({flag.words}) since {flag.run.short_commit}"
        for flag in flags
    )


def _short(fullname: str) -> str:
    return fullname.rsplit("::", 1)[-1]
