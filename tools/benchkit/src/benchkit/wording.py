"""How a ratio of times is said to a person: one convention for the summary, compare and the site.

The number is always ``time ours / time baseline`` (for two runs: head over
base), so below 1 ours is faster. Wherever a person reads it, it is said in
words that follow from the number itself, "1.30x faster" or "1.10x slower",
or "same (within noise)" when the rule found no change, so a label can never
contradict the number beside it.
"""

from __future__ import annotations

import math

__all__ = ["SAME", "judged_speed", "speed"]

SAME = "same (within noise)"


def speed(ratio: float) -> str:
    """``ratio`` (time ours / time baseline) in words: "1.30x faster", "1.10x slower" or "same"."""
    if not math.isfinite(ratio) or ratio <= 0:
        msg = f"ratio must be a finite positive number, got {ratio!r}"
        raise ValueError(msg)
    # Rounded first: a ratio of 0.999 would otherwise read "1.00x faster".
    if ratio < 1 and f"{1 / ratio:.2f}" != "1.00":
        return f"{1 / ratio:.2f}x faster"
    if ratio > 1 and f"{ratio:.2f}" != "1.00":
        return f"{ratio:.2f}x slower"
    return "same"


def judged_speed(ratio: float | None, *, beyond_noise: bool) -> str:
    """The words for a ratio the rule judged: :data:`SAME` unless it moved beyond its noise.

    ``None`` (nothing to divide) reads "-".
    """
    if ratio is None or not math.isfinite(ratio) or ratio <= 0:
        return "-"
    return speed(ratio) if beyond_noise else SAME
