"""The noise thresholds in force at every run of one machine, found in one pass.

``bench-compare`` judges a base run with the thresholds of the history up to
it (:func:`benchkit.judge.pair_thresholds`); the dashboard needs them at every
run. Asking :func:`benchkit.judge.level_threshold` at every run re-ran the
step detector on every prefix, quadratic in the history;
:func:`benchkit.stats.prefix_level_thresholds` gives the same numbers in one
pass per series.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence

from benchkit.config import Thresholds
from benchkit.history import Run
from benchkit.judge import baselines_by_ours, is_ours
from benchkit.stats import prefix_level_thresholds, relative_threshold

__all__ = ["MachineLevels"]


class _Series:
    """One series' run positions and the threshold in force from each on."""

    def __init__(
        self, positions: list[int], values: list[float], thresholds: Thresholds, name: str
    ):
        self.positions = positions
        self.thresholds = prefix_level_thresholds(values, thresholds.for_benchmark(name))

    def at(self, position: int) -> float | None:
        found = bisect.bisect_right(self.positions, position)
        return self.thresholds[found - 1] if found else None


class MachineLevels:
    """Thresholds of each benchmark's time and of each ``ours / baseline`` ratio, per run.

    ``runs`` are one machine's runs, oldest first; position ``p`` means "the
    history up to and including ``runs[p]``", as ``bench-compare`` uses for a base run.
    """

    def __init__(self, runs: Sequence[Run], thresholds: Thresholds) -> None:
        machines = {run.machine_key for run in runs}
        if len(machines) > 1:
            msg = f"runs must all be of one machine, got {sorted(machines)}"
            raise ValueError(msg)
        self.runs = list(runs)
        self._thresholds = thresholds
        self._position = {id(run): number for number, run in enumerate(self.runs)}
        times: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        ratios: dict[tuple[str, str], tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for position, run in enumerate(self.runs):
            pairs = baselines_by_ours(run)
            for fullname, result in run.results.items():
                times[fullname][0].append(position)
                times[fullname][1].append(result.stats.median)
                if not is_ours(result):
                    continue
                for impl, baseline in pairs.get(fullname, {}).items():
                    ratios[(fullname, impl)][0].append(position)
                    ratios[(fullname, impl)][1].append(result.stats.median / baseline.stats.median)
        self._times = {
            name: _Series(pos, values, thresholds, name) for name, (pos, values) in times.items()
        }
        self._ratios: dict[str, dict[str, _Series]] = defaultdict(dict)
        for (name, impl), (pos, values) in ratios.items():
            self._ratios[name][impl] = _Series(pos, values, thresholds, name)

    def position_of(self, run: Run) -> int:
        """Where ``run`` (or, for a pooled run, the newest run up to its time) stands."""
        if id(run) in self._position:
            return self._position[id(run)]
        # A pooled run is a new object carrying its newest run's time.
        times = [r.time for r in self.runs]
        return bisect.bisect_right(times, run.time) - 1

    def time_threshold(self, fullname: str, position: int) -> float:
        """The threshold of ``fullname``'s time with the history up to ``position``."""
        series = self._times.get(fullname)
        found = series.at(position) if series is not None and position >= 0 else None
        if found is None:
            # No history yet: only the floor applies, as level_threshold([]) gives.
            return relative_threshold([], self._thresholds.for_benchmark(fullname))
        return found

    def ratio_thresholds(self, fullname: str, position: int) -> dict[str, float]:
        """Per baseline measured by then: the threshold of ``ours / baseline``."""
        found: dict[str, float] = {}
        if position < 0:
            return found
        for impl, series in self._ratios.get(fullname, {}).items():
            threshold = series.at(position)
            if threshold is not None:
                found[impl] = threshold
        return found

    def pair_thresholds(self, fullname: str, position: int) -> tuple[float, dict[str, float]]:
        """What :func:`benchkit.judge.pair_thresholds` gives for the runs up to ``position``."""
        return self.time_threshold(fullname, position), self.ratio_thresholds(fullname, position)
