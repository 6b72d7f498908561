"""Judge our benchmarks against the baselines measured in the same run.

A shared machine drifts: a busy neighbour, a new kernel, a CPU clock that
differs between two CI runners. All implementations measured in one run feel
the drift together, so the ratio ``ours / baseline`` per run cancels it. The
rule, used alike by the dashboard, the ``bench`` summary and ``bench-compare``:

- A benchmark of ours with baselines in the same run (zarr's buffers, the
  hardware limit, CuPy's copies) moved when ``ours / baseline`` moved beyond
  its noise threshold, in the same direction, against *every* baseline
  measured beside it. That is a regression or an improvement.
- A move of its time that the ratios do not show (the baselines moved with it)
  is machine **drift**: shown, never counted.
- A benchmark of ours with no baseline is judged on its time alone.
- Baselines are context: never judged themselves.

Over a history, "moved" means a step found by :func:`benchkit.stats.detect_steps`
(``confirm`` runs in a row, else a *candidate*); between two runs it means the
change exceeds the threshold and the interquartile ranges do not overlap.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from benchkit.config import DetectorConfig, Thresholds
from benchkit.history import BenchResult, Run
from benchkit.stats import Step, detect_steps, relative_threshold
from benchkit.wording import SAME, speed

__all__ = [
    "Flag",
    "PairVerdict",
    "baselines_by_ours",
    "describe_rule",
    "flag_history",
    "is_ours",
    "judge_against",
    "judge_pair",
    "level_threshold",
    "pair_thresholds",
]

Direction = Literal["regression", "improvement"]
FlagStatus = Literal["confirmed", "candidate", "drift"]
Verdict = Literal["regression", "improvement", "same", "drift", "new", "gone"]

# Steps found on different series of one benchmark start within this many runs
# of each other when they are one event: the detector places a step where the
# first confirming run is, and noise can shift that by a run either way.
_SAME_EVENT_RUNS = 2


def is_ours(result: BenchResult) -> bool:
    """Whether a result measures this project's code (``ours``, ``ours-*`` or unlabelled)."""
    return result.impl is None or result.impl == "ours" or result.impl.startswith("ours-")


def baselines_by_ours(run: Run) -> dict[str, dict[str, BenchResult]]:
    """For each labelled result of ours in ``run``: baseline impl -> that baseline's result.

    Results pair when they share a pytest-benchmark group (else a test
    function) and the rest of their parametrization. An impl measured twice in
    one scope is ambiguous and left out rather than guessed.
    """
    scopes: dict[str, dict[str, list[BenchResult]]] = defaultdict(lambda: defaultdict(list))
    for result in run.results.values():
        if result.impl is not None:
            scopes[result.pair_key][result.impl].append(result)
    paired: dict[str, dict[str, BenchResult]] = {}
    for found in scopes.values():
        baselines = {
            impl: results[0]
            for impl, results in found.items()
            if len(results) == 1 and not impl.startswith("ours") and results[0].stats.median > 0
        }
        for impl, results in found.items():
            if impl == "ours" or impl.startswith("ours-"):
                for result in results:
                    paired[result.fullname] = dict(baselines)
    return paired


def _ratio(ours: BenchResult, baseline: BenchResult) -> float:
    return ours.stats.median / baseline.stats.median


# --- two runs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairVerdict:
    """How one benchmark of ours changed between two runs, and on what evidence."""

    verdict: Verdict
    judged_on: Literal["ratio", "time"]
    time_change: float | None
    time_threshold: float
    # Per baseline measured in both runs: (change of ours/baseline, its threshold).
    ratio_changes: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    # Per baseline: the change of its own time, context for a drift.
    baseline_changes: Mapping[str, float] = field(default_factory=dict)

    @property
    def judged_ratio(self) -> float | None:
        """The ratio (head over base) the verdict rests on; None when there is none.

        For a change of ours judged on ratios, the change of ``ours / baseline``
        that moved least: every baseline's ratio moved at least that far, the
        same way. Otherwise the change of our time.
        """
        if self.verdict in {"regression", "improvement"} and self.ratio_changes:
            return 1.0 + min((change for change, _ in self.ratio_changes.values()), key=abs)
        return None if self.time_change is None else 1.0 + self.time_change

    @property
    def words(self) -> str:
        """The verdict as a person reads it, by the one ratio convention (:mod:`benchkit.wording`)."""
        if self.verdict in {"new", "gone"}:
            return self.verdict
        ratio = self.judged_ratio
        if self.verdict in {"regression", "improvement"} and ratio is not None:
            against = ", ".join(sorted(self.ratio_changes))
            return speed(ratio) + (f" against {against}" if against else "")
        if self.verdict == "drift" and self.time_change is not None:
            return f"{SAME}: time {speed(1.0 + self.time_change)}, and the baselines' too"
        return SAME

    @property
    def reason(self) -> str:
        """One short phrase: why this verdict, every change said in words."""
        if self.verdict in {"new", "gone"}:
            return f"only in {'head' if self.verdict == 'new' else 'base'}"
        if self.judged_on == "time":
            return f"time, noise ±{self.time_threshold:.0%}"
        ratios = ", ".join(
            f"/{impl} {speed(1.0 + change)} (noise ±{threshold:.0%})"
            for impl, (change, threshold) in sorted(self.ratio_changes.items())
        )
        if self.verdict == "drift":
            shared = ", ".join(
                f"{impl} {speed(1.0 + change)}"
                for impl, change in sorted(self.baseline_changes.items())
            )
            return f"baselines moved too ({shared}); ratio {ratios}"
        beyond = any(abs(c) > t for c, t in self.ratio_changes.values())
        if self.verdict == "same" and beyond:
            return f"ratio {ratios}; interquartile ranges overlap"
        return f"ratio {ratios}"


def _shared(change: float, baseline_changes: Iterable[float]) -> bool:
    """Whether every baseline moved the same way as ours, at least half as far: drift."""
    return all(other * change > 0 and abs(other) >= abs(change) / 2 for other in baseline_changes)


def _moved(
    change: float, threshold: float, low: float, high: float, other: tuple[float, float]
) -> int:
    """+1 slower, -1 faster, 0 same: beyond the threshold *and* ranges apart."""
    if change > threshold and low > other[1]:
        return 1
    if change < -threshold and high < other[0]:
        return -1
    return 0


def judge_against(
    ours: BenchResult, baseline: BenchResult, threshold: float
) -> Literal["faster", "slower", "same"]:
    """Ours against a baseline measured in the same run: beyond ``threshold`` and the ranges apart.

    ``threshold`` is the smallest difference ever called (the benchmark's
    ``min_relative_change``); the ratio's range is our quartiles over the
    baseline's opposite ones, as :func:`judge_pair` uses, so a difference the
    run's own spread covers is "same".
    """
    o, b = ours.stats, baseline.stats
    side = _moved(o.median / b.median - 1.0, threshold, o.q1 / b.q3, o.q3 / b.q1, (1.0, 1.0))
    if side > 0:
        return "slower"
    return "faster" if side < 0 else "same"


def judge_pair(
    before: BenchResult | None,
    after: BenchResult | None,
    *,
    before_baselines: Mapping[str, BenchResult],
    after_baselines: Mapping[str, BenchResult],
    time_threshold: float,
    ratio_thresholds: Mapping[str, float],
) -> PairVerdict:
    """The verdict on one benchmark of ours between a base and a head run.

    ``ratio_thresholds`` holds the noise threshold of ``ours / baseline`` per
    baseline impl (default: ``time_threshold``).
    """
    if before is None or after is None:
        return PairVerdict("new" if before is None else "gone", "time", None, time_threshold)
    if before.stats.median <= 0:
        return PairVerdict("same", "time", None, time_threshold)
    b, a = before.stats, after.stats
    time_change = a.median / b.median - 1.0
    time_side = _moved(time_change, time_threshold, a.q1, a.q3, (b.q1, b.q3))
    common = sorted(set(before_baselines) & set(after_baselines))
    if not common:
        verdict: Verdict = ("same", "regression", "improvement")[time_side]
        return PairVerdict(verdict, "time", time_change, time_threshold)
    ratio_changes: dict[str, tuple[float, float]] = {}
    baseline_changes: dict[str, float] = {}
    # Each ratio: beyond its threshold with the ranges apart (+1/-1), else 0. A
    # ratio that cannot decide never falls back to the time: that is what drifts.
    decided: set[int] = set()
    for impl in common:
        bb, ab = before_baselines[impl].stats, after_baselines[impl].stats
        threshold = ratio_thresholds.get(impl, time_threshold)
        change = (a.median / ab.median) / (b.median / bb.median) - 1.0
        # The ratio's range: our quartiles over the baseline's opposite ones, so
        # it is at least as wide as either side's spread.
        decided.add(
            _moved(change, threshold, a.q1 / ab.q3, a.q3 / ab.q1, (b.q1 / bb.q3, b.q3 / bb.q1))
        )
        ratio_changes[impl] = (change, threshold)
        baseline_changes[impl] = ab.median / bb.median - 1.0
    if len(decided) == 1 and (side := next(iter(decided))) != 0:
        verdict = "regression" if side > 0 else "improvement"
    elif time_side != 0 and _shared(time_change, baseline_changes.values()):
        verdict = "drift"
    else:
        verdict = "same"
    return PairVerdict(
        verdict, "ratio", time_change, time_threshold, ratio_changes, baseline_changes
    )


# --- a history ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """A step in one benchmark of ours on one machine, judged by the rule above."""

    fullname: str
    machine: str
    run: Run
    kind: Direction
    status: FlagStatus
    judged_on: Literal["ratio", "time"]
    before: float
    after: float
    threshold: float
    # Per baseline: the change of ours/baseline over the same runs.
    ratio_changes: Mapping[str, float] = field(default_factory=dict)
    # Per baseline: the change of its own time over the same runs.
    baseline_changes: Mapping[str, float] = field(default_factory=dict)

    @property
    def change(self) -> float:
        """Relative change of our time, ``after / before - 1`` (positive: slower)."""
        return self.after / self.before - 1.0 if self.before > 0 else 0.0

    @property
    def words(self) -> str:
        """The step as a person reads it, never contradicting its kind.

        A step of ours judged on ratios is said by the change of ``ours /
        baseline`` (our time can move the other way when the baselines moved
        more); a drift is "same", with the time's move as context.
        """
        side = 1 if self.kind == "regression" else -1
        if self.status == "drift":
            moved = self.after / self.before if self.before > 0 and self.after > 0 else None
            return SAME + (f": time {speed(moved)}, and the baselines' too" if moved else "")
        changes = list(self.ratio_changes.values()) if self.judged_on == "ratio" else []
        if not changes:
            changes = [self.change]
        # The smallest move that agrees with the kind; a level that disagrees says only the kind.
        agreeing = [change for change in changes if side * change > 0]
        if len(agreeing) == len(changes):
            return speed(1.0 + min(agreeing, key=abs))
        return "slower" if side > 0 else "faster"

    @property
    def counted(self) -> bool:
        """Whether this flag is a regression or improvement that counts."""
        return self.status == "confirmed"


@dataclass(frozen=True)
class _Event:
    position: int
    source: str  # "time" or a baseline impl
    step: Step


def _level_change(
    values: Mapping[int, float], position: int, config: DetectorConfig
) -> float | None:
    """Median of the ``confirm`` values from ``position`` over the median of the window before."""
    before = [v for p, v in values.items() if position - config.window <= p < position]
    after = [v for p, v in values.items() if position <= p < position + config.confirm]
    if not before or not after:
        return None
    center = statistics.median(before)
    return statistics.median(after) / center - 1.0 if center > 0 else None


def flag_history(runs: Sequence[Run], thresholds: Thresholds) -> list[Flag]:
    """Every step of every benchmark of ours in one machine's runs (oldest first)."""
    machines = {run.machine_key for run in runs}
    if len(machines) > 1:
        msg = f"runs must all be of one machine, got {sorted(machines)}"
        raise ValueError(msg)
    times: dict[str, dict[int, float]] = defaultdict(dict)
    ratios: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    baseline_times: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for position, run in enumerate(runs):
        pairs = baselines_by_ours(run)
        for fullname, result in run.results.items():
            if not is_ours(result):
                continue
            times[fullname][position] = result.stats.median
            for impl, baseline in pairs.get(fullname, {}).items():
                ratios[fullname][impl][position] = _ratio(result, baseline)
                baseline_times[fullname][impl][position] = baseline.stats.median
    flags: list[Flag] = []
    for fullname in sorted(times):
        config = thresholds.for_benchmark(fullname)
        flags.extend(
            _flags_of(
                fullname, runs, times[fullname], ratios[fullname], baseline_times[fullname], config
            )
        )
    return flags


def _steps(values: Mapping[int, float], config: DetectorConfig) -> list[tuple[int, Step]]:
    positions = sorted(values)
    return [
        (positions[step.index], step)
        for step in detect_steps([values[p] for p in positions], config)
    ]


def _flags_of(
    fullname: str,
    runs: Sequence[Run],
    times: Mapping[int, float],
    ratios: Mapping[str, Mapping[int, float]],
    baseline_times: Mapping[str, Mapping[int, float]],
    config: DetectorConfig,
) -> Iterable[Flag]:
    events = [_Event(p, "time", step) for p, step in _steps(times, config)]
    for impl, series in ratios.items():
        events += [_Event(p, impl, step) for p, step in _steps(series, config)]
    events.sort(key=lambda e: (e.position, e.source != "time", e.source))
    clusters: list[list[_Event]] = []
    for event in events:
        if clusters and event.position - clusters[-1][0].position <= _SAME_EVENT_RUNS:
            clusters[-1].append(event)
        else:
            clusters.append([event])
    for cluster in clusters:
        flag = _judge_cluster(fullname, runs, cluster, times, ratios, baseline_times, config)
        if flag is not None:
            yield flag


def _judge_cluster(
    fullname: str,
    runs: Sequence[Run],
    cluster: list[_Event],
    times: Mapping[int, float],
    ratios: Mapping[str, Mapping[int, float]],
    baseline_times: Mapping[str, Mapping[int, float]],
    config: DetectorConfig,
) -> Flag | None:
    time_step = next((e for e in cluster if e.source == "time"), None)
    ratio_steps = {e.source: e for e in cluster if e.source != "time"}
    position = min(e.position for e in cluster)
    # The baselines measured beside ours where the event starts.
    present = sorted(impl for impl, series in ratios.items() if position in series)
    ratio_changes = {
        impl: change
        for impl in present
        if (change := _level_change(ratios[impl], position, config)) is not None
    }
    baseline_changes = {
        impl: change
        for impl in present
        if (change := _level_change(baseline_times[impl], position, config)) is not None
    }
    kinds = {e.step.kind for e in ratio_steps.values()}
    if not present:
        if time_step is None:
            return None
        step = time_step.step
        return Flag(
            fullname,
            runs[position].machine_key,
            runs[time_step.position],
            step.kind,
            "confirmed" if step.confirmed else "candidate",
            "time",
            step.before,
            step.after,
            step.threshold,
        )
    if set(ratio_steps) >= set(present) and len(kinds) == 1:
        # Ours moved against every baseline beside it: a change of ours.
        chosen = [ratio_steps[impl].step for impl in present]
        confirmed = all(step.confirmed for step in chosen)
        before, after = _time_levels(times, position, config, time_step)
        # Where the ratios moved: drift just before can start the time's step earlier.
        at = min(ratio_steps[impl].position for impl in present)
        return Flag(
            fullname,
            runs[at].machine_key,
            runs[at],
            kinds.pop(),
            "confirmed" if confirmed else "candidate",
            "ratio",
            before,
            after,
            max(step.threshold for step in chosen),
            ratio_changes,
            baseline_changes,
        )
    if time_step is None:
        # A baseline moved on its own (a zarr release, say): not about ours.
        return None
    step = time_step.step
    side = 1 if step.kind == "regression" else -1
    status: FlagStatus = "drift"
    if ratio_changes and all(side * change > step.threshold for change in ratio_changes.values()):
        # Every ratio moved as far as the time did, but too noisily to make a
        # step of its own: the baselines did not share the move, it is ours.
        status = "confirmed" if step.confirmed else "candidate"
    elif not _shared(step.change, baseline_changes.values()):
        return None  # neither ours alone nor shared: the evidence disagrees
    at = time_step.position
    if status != "drift" and ratio_steps:
        # Drift can move the time a run or two before ours changes (the time's
        # step then starts early): the change of ours is where the ratios moved.
        at = min(e.position for e in ratio_steps.values())
    return Flag(
        fullname,
        runs[at].machine_key,
        runs[at],
        step.kind,
        status,
        "ratio",
        step.before,
        step.after,
        step.threshold,
        ratio_changes,
        baseline_changes,
    )


def _time_levels(
    times: Mapping[int, float], position: int, config: DetectorConfig, time_step: _Event | None
) -> tuple[float, float]:
    if time_step is not None:
        return time_step.step.before, time_step.step.after
    before = [v for p, v in times.items() if position - config.window <= p < position]
    after = [v for p, v in times.items() if position <= p < position + config.confirm]
    return (
        statistics.median(before) if before else times.get(position, 0.0),
        statistics.median(after) if after else times.get(position, 0.0),
    )


# --- thresholds for two runs ----------------------------------------------------------------


def level_threshold(values: Sequence[float], config: DetectorConfig) -> float:
    """The noise threshold of a series' current level: its runs since its last step.

    Steps inside the window would inflate the spread, so, like the detector,
    the window never reaches back past the last step it found.
    """
    steps = detect_steps(values, config)
    start = steps[-1].index if steps else 0
    return relative_threshold(values[start:][-config.window :], config)


def pair_thresholds(
    earlier: Sequence[Run], fullname: str, config: DetectorConfig
) -> tuple[float, dict[str, float]]:
    """Noise thresholds of a benchmark's time and of each of its ratios, from ``earlier`` runs."""
    times: list[float] = []
    ratio_series: dict[str, list[float]] = defaultdict(list)
    for run in earlier:
        result = run.results.get(fullname)
        if result is None:
            continue
        times.append(result.stats.median)
        for impl, baseline in baselines_by_ours(run).get(fullname, {}).items():
            ratio_series[impl].append(_ratio(result, baseline))
    return (
        level_threshold(times, config),
        {impl: level_threshold(values, config) for impl, values in ratio_series.items()},
    )


def describe_rule(config: DetectorConfig) -> str:
    """The rule in words, for the command line and the dashboard."""
    return (
        "Each benchmark of ours is judged on ours/baseline per run where baselines ran beside it "
        "(zarr's buffers, the hardware limit), else on its time. A change counts when it exceeds "
        f"the noise threshold (the larger of {config.min_relative_change:.0%} and "
        f"{config.mad_multiple:g} scaled MADs of up to {config.window} runs since the last step) "
        "and the interquartile ranges do not overlap, against every baseline in the same "
        "direction; a change of time that the baselines share is drift and never counts. "
        "Baselines are context, not judged."
    )
