"""The thresholds at every run, in one pass, are those the per-prefix rule gives."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from benchkit.config import DetectorConfig, Thresholds
from benchkit.history import load_history
from benchkit.judge import level_threshold, pair_thresholds
from benchkit.levels import MachineLevels
from benchkit.stats import prefix_level_thresholds


def _series(rng: random.Random, length: int) -> list[float]:
    level, values = 1.0, []
    for _ in range(length):
        if rng.random() < 0.05:
            level *= rng.choice([0.5, 1.5, 2.0])
        value = level * (1 + rng.gauss(0, 0.05))
        values.append(value * (1.6 if rng.random() < 0.03 else 1.0))
    return values


@pytest.mark.parametrize("seed", range(40))
def test_prefix_thresholds_equal_level_threshold_of_every_prefix(seed: int) -> None:
    """Steps, spikes and every detector setting: element k-1 is level_threshold(values[:k])."""
    rng = random.Random(seed)
    config = DetectorConfig(
        window=rng.choice([5, 10, 20]),
        min_samples=rng.choice([2, 3, 5]),
        confirm=rng.choice([1, 2, 3, 4]),
        mad_multiple=rng.choice([2.0, 4.0]),
        min_relative_change=rng.choice([0.02, 0.1]),
    )
    values = _series(rng, rng.randint(0, 90))
    expected = [level_threshold(values[:end], config) for end in range(1, len(values) + 1)]
    assert prefix_level_thresholds(values, config) == expected


def test_machine_levels_equal_pair_thresholds_at_every_run(
    fixture_history: SimpleNamespace, kit: SimpleNamespace
) -> None:
    """For each run and benchmark: the time and ratio thresholds of the history up to that run."""
    history = load_history(fixture_history.root)
    runs = [run for run in history.runs if run.machine_key == kit.MACHINE_A]
    thresholds = Thresholds()
    levels = MachineLevels(runs, thresholds)
    names = {name for run in runs for name in run.results}
    for position in range(len(runs)):
        for name in names:
            expected = pair_thresholds(runs[: position + 1], name, thresholds.for_benchmark(name))
            assert levels.pair_thresholds(name, position) == expected


def test_machine_levels_refuse_two_machines(fixture_history: SimpleNamespace) -> None:
    """One machine's runs only: the message names the argument and the machines."""
    history = load_history(fixture_history.root)
    with pytest.raises(ValueError, match=r"^runs must all be of one machine"):
        MachineLevels(history.runs, Thresholds())
