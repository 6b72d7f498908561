"""The regression detector on synthetic series with known steps and noise."""

from __future__ import annotations

import random

import pytest

from benchkit.config import DetectorConfig
from benchkit.stats import detect_steps, relative_threshold

CONFIG = DetectorConfig()


def noisy_series(
    levels: list[tuple[int, float]], *, noise: float, seed: int, spikes: int = 0
) -> list[float]:
    """Runs at the given (count, level) levels with Gaussian relative noise and lone spikes."""
    rng = random.Random(seed)
    values = [level * (1 + rng.gauss(0, noise)) for count, level in levels for _ in range(count)]
    for index in rng.sample(range(len(values)), spikes):
        values[index] *= rng.choice([0.5, 2.5])  # a busy machine for one run
    return values


@pytest.mark.parametrize("seed", range(20))
def test_pure_noise_with_spikes_flags_nothing(seed: int) -> None:
    """200 runs of 3 % noise plus six 2x-2.5x spikes (busy runs): no confirmed step."""
    values = noisy_series([(200, 1e-3)], noise=0.03, seed=seed, spikes=6)
    confirmed = [step for step in detect_steps(values, CONFIG) if step.confirmed]
    assert confirmed == []


@pytest.mark.parametrize("seed", range(20))
def test_known_steps_are_found_at_their_run(seed: int) -> None:
    """A 40 % slowdown at run 60 and a 35 % speed-up at run 120 under 3 % noise are both found."""
    values = noisy_series([(60, 1.0), (60, 1.4), (60, 0.91)], noise=0.03, seed=seed)
    steps = detect_steps(values, CONFIG)
    assert [(step.index, step.kind) for step in steps] == [
        (60, "regression"),
        (120, "improvement"),
    ]
    assert steps[0].change == pytest.approx(0.4, abs=0.06)
    assert steps[1].change == pytest.approx(0.91 / 1.4 - 1, abs=0.06)


def test_step_smaller_than_the_noise_is_not_flagged() -> None:
    """A 15 % step in 8 % noise stays under 4 scaled MADs: the detector does not guess."""
    values = noisy_series([(100, 1.0), (100, 1.15)], noise=0.08, seed=7)
    assert [step for step in detect_steps(values, CONFIG) if step.confirmed] == []


def test_quiet_series_uses_the_relative_floor() -> None:
    """With almost no noise, a 5 % step stays below the 10 % floor, a 20 % step does not."""
    small = [1.0] * 10 + [1.05] * 5
    large = [1.0] * 10 + [1.2] * 5
    assert detect_steps(small, CONFIG) == []
    (step,) = detect_steps(large, CONFIG)
    assert (step.index, step.kind, step.threshold) == (10, "regression", 0.10)


def test_needs_min_samples_before_judging() -> None:
    """A jump after fewer than min_samples runs is not judged at all."""
    values = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]
    assert detect_steps(values[:5], DetectorConfig(min_samples=5)) == []
    assert [s.index for s in detect_steps(values, DetectorConfig(min_samples=3))] == [3]
    assert detect_steps(values[:4], DetectorConfig(min_samples=5)) == []


def test_newest_run_beyond_threshold_is_unconfirmed() -> None:
    """A jump in the very last run is reported, marked unconfirmed until the next run."""
    values = [1.0] * 10 + [1.5]
    (step,) = detect_steps(values, CONFIG)
    assert (step.index, step.confirmed) == (10, False)
    (step,) = detect_steps([*values, 1.5, 1.5], CONFIG)
    assert (step.index, step.confirmed) == (10, True)
    assert detect_steps([*values, 1.0, 1.0], CONFIG) == []


def test_new_level_becomes_the_baseline() -> None:
    """After a step the series is judged against its new level, so one step is one flag."""
    values = [1.0] * 20 + [2.0] * 40
    assert [s.index for s in detect_steps(values, CONFIG)] == [20]


def test_relative_threshold_scales_with_mad() -> None:
    """Threshold = max(floor, k * 1.4826 * MAD / median)."""
    baseline = [1.0, 1.1, 0.9, 1.0, 1.2, 0.8, 1.1, 0.9]
    # median 1.0, absolute deviations 0,.1,.1,0,.2,.2,.1,.1 -> MAD 0.1
    assert relative_threshold(baseline, CONFIG) == pytest.approx(4 * 1.4826 * 0.1)
    assert relative_threshold(baseline[:3], CONFIG) == CONFIG.min_relative_change


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": 0}, "window must be a positive integer"),
        ({"min_samples": 20, "window": 10}, "must not exceed window"),
        ({"mad_multiple": -1.0}, "mad_multiple must be a non-negative number"),
        ({"confirm": 1.5}, "confirm must be a positive integer"),
    ],
)
def test_bad_detector_settings_are_named(kwargs: dict[str, object], message: str) -> None:
    """Invalid settings raise ValueError naming the setting."""
    with pytest.raises(ValueError, match=message):
        DetectorConfig(**kwargs)  # type: ignore[arg-type]
