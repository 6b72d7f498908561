"""One ratio convention: time ours / time baseline, said in words that follow the number."""

from __future__ import annotations

import pytest

from benchkit.wording import SAME, judged_speed, speed


@pytest.mark.parametrize(
    ("ratio", "words"),
    [(0.5, "2.00x faster"), (1 / 1.3, "1.30x faster"), (1.1, "1.10x slower"), (1.0, "same")],
)
def test_speed_says_the_number(ratio: float, words: str) -> None:
    """Below 1 faster by 1/r, above 1 slower by r."""
    assert speed(ratio) == words


def test_a_ratio_that_rounds_to_one_is_same() -> None:
    """0.999 never reads "1.00x faster"."""
    assert speed(0.999) == "same"
    assert speed(1.004) == "same"


def test_judged_speed_says_same_within_noise() -> None:
    """The rule's "no change" wins over the number; nothing to divide reads "-"."""
    assert judged_speed(1.07, beyond_noise=False) == SAME
    assert judged_speed(1.3, beyond_noise=True) == "1.30x slower"
    assert judged_speed(None, beyond_noise=True) == "-"


@pytest.mark.parametrize("bad", [0.0, -1.0, float("inf"), float("nan")])
def test_speed_refuses_what_is_not_a_ratio(bad: float) -> None:
    """The message starts with the argument's name."""
    with pytest.raises(ValueError, match=r"^ratio must be a finite positive number"):
        speed(bad)
