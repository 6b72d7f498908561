"""Noise-aware step detection on a benchmark's history of medians.

Timings are "lower is better": a step up is a regression, a step down an
improvement. The rolling median and the median absolute deviation (MAD) are
used instead of mean and standard deviation because one stray run on a busy
machine must not move the baseline or widen the threshold much.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from benchkit.config import DetectorConfig

__all__ = ["MAD_TO_SIGMA", "Step", "detect_steps", "prefix_level_thresholds", "relative_threshold"]

# Scales the MAD of normally distributed noise to its standard deviation, so
# mad_multiple reads like "that many sigmas".
MAD_TO_SIGMA = 1.4826

StepKind = Literal["regression", "improvement"]


@dataclass(frozen=True)
class Step:
    """A sustained change that starts at ``index`` in the series."""

    index: int
    kind: StepKind
    before: float
    after: float
    threshold: float
    confirmed: bool

    @property
    def change(self) -> float:
        """Relative change, ``after / before - 1`` (positive: slower)."""
        return self.after / self.before - 1.0


def relative_threshold(baseline: Sequence[float], config: DetectorConfig) -> float:
    """How far (relative to the baseline median) a value must move to stand out.

    With fewer than ``min_samples`` baseline values the noise is unknown and
    only the ``min_relative_change`` floor applies.
    """
    if len(baseline) < config.min_samples:
        return config.min_relative_change
    return _threshold_around(baseline, statistics.median(baseline), config)


def _threshold_around(baseline: Sequence[float], center: float, config: DetectorConfig) -> float:
    """:func:`relative_threshold` for a baseline whose median ``center`` is known."""
    if center <= 0:
        return config.min_relative_change
    mad = statistics.median(abs(value - center) for value in baseline)
    return max(config.min_relative_change, config.mad_multiple * MAD_TO_SIGMA * mad / center)


def detect_steps(values: Sequence[float], config: DetectorConfig) -> list[Step]:
    """Find the runs where a series moves to a new level and stays there.

    A candidate at ``i`` is judged against the rolling window before it, which
    never reaches back past the previous step, so a new level becomes the
    baseline once ``min_samples`` runs have been seen at it. A step whose
    confirming runs have not all happened yet (the newest runs) is reported
    with ``confirmed=False``; a single run beyond the threshold followed by a
    run back inside it is noise and is not reported.
    """
    steps: list[Step] = []
    _scan(values, len(values), config, config.min_samples, steps)
    return steps


def _scan(
    values: Sequence[float],
    end: int,
    config: DetectorConfig,
    index: int,
    steps: list[Step],
    states: list[tuple[int, int]] | None = None,
) -> None:
    """The detector over ``values[:end]`` from ``index`` on, appending to ``steps``.

    ``states`` receives ``(index, steps so far)`` before each decision and once
    at the end, so :func:`prefix_level_thresholds` can resume from any of them.
    """
    level_start = steps[-1].index if steps else 0
    while index < end:
        if states is not None:
            states.append((index, len(steps)))
        baseline = values[max(level_start, index - config.window) : index]
        center = statistics.median(baseline) if baseline else 0.0
        if len(baseline) < config.min_samples or center <= 0:
            index += 1
            continue
        threshold = _threshold_around(baseline, center, config)
        following = values[index : min(index + config.confirm, end)]
        deviations = [value / center - 1.0 for value in following]
        side = 1 if deviations[0] > threshold else -1 if deviations[0] < -threshold else 0
        if side == 0 or not all(side * deviation > threshold for deviation in deviations):
            index += 1
            continue
        steps.append(
            Step(
                index=index,
                kind="regression" if side > 0 else "improvement",
                before=center,
                after=statistics.median(following),
                threshold=threshold,
                confirmed=len(following) == config.confirm,
            )
        )
        level_start = index
        index += config.min_samples
    if states is not None:
        states.append((index, len(steps)))


def prefix_level_thresholds(values: Sequence[float], config: DetectorConfig) -> list[float]:
    """For every prefix ``values[:k]``, the noise threshold of its current level, in one pass.

    Element ``k - 1`` equals ``level_threshold(values[:k])`` of
    :mod:`benchkit.judge` (the spread of the runs since the prefix's last step),
    without re-running the detector on each prefix, which made a dashboard
    build quadratic in its history. The detector decides at ``i`` from
    ``values[i : i + confirm]``, so a prefix ``k`` agrees with the full series on
    every decision with ``i + confirm <= k``; only the last ``confirm - 1``
    decisions are redone, on the truncated values.
    """
    steps: list[Step] = []
    states: list[tuple[int, int]] = []
    _scan(values, len(values), config, config.min_samples, steps, states)
    thresholds: list[float] = []
    position = 0
    for end in range(1, len(values) + 1):
        # The first decision that could see past the prefix (states are in index order).
        while states[position][0] + config.confirm <= end:
            position += 1
        index, found = states[position]
        tail = steps[:found]
        if index < end:
            _scan(values, end, config, index, tail)
        start = tail[-1].index if tail else 0
        # Sliced from the window's start: values[start:end] would copy the whole level.
        window = values[max(start, end - config.window) : end]
        thresholds.append(relative_threshold(window, config))
    return thresholds
