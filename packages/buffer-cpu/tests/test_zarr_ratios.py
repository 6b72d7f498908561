"""The README's end-to-end table says each ratio (time ours / time zarr's) in words."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "zarr_ratios.py"
_spec = importlib.util.spec_from_file_location("zarr_ratios", SCRIPT)
assert _spec is not None
assert _spec.loader is not None
zarr_ratios = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zarr_ratios)


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (1 / 1.3, "1.30x faster"),
        (0.5, "2.00x faster"),
        (1.1, "1.10x slower"),
        (1.0, "same (1.00x)"),
        (0.999, "same (1.00x)"),
        (1.004, "same (1.00x)"),
    ],
)
def test_a_ratio_below_one_is_faster_and_above_one_slower(ratio: float, words: str) -> None:
    """Below 1 ours is faster by 1/ratio, above 1 slower by ratio; rounded to 1.00, neither."""
    assert zarr_ratios.in_words(ratio) == words


@pytest.mark.parametrize("ratio", [0.0, -1.0])
def test_a_ratio_that_is_no_time_ratio_is_refused(ratio: float) -> None:
    """Zero or negative times are no measurement; the message names the argument."""
    with pytest.raises(ValueError, match=r"^ratio must be a positive time ratio"):
        zarr_ratios.in_words(ratio)


def test_a_cell_is_the_median_over_runs_of_ours_over_zarr() -> None:
    """Three runs give one cell each: the median of their ratios, in words."""

    def run(ours: float, zarr: float) -> dict[str, object]:
        group = "zarr write, dense, memory, none"
        return {
            "benchmarks": [
                {"group": group, "extra_info": {"impl": "ours"}, "stats": {"median": ours}},
                {"group": group, "extra_info": {"impl": "zarr"}, "stats": {"median": zarr}},
            ]
        }

    text = zarr_ratios.table([run(1.0, 1.3), run(1.0, 2.0), run(1.0, 1.0)])
    assert "| write, dense | 1.30x faster |" in text
    assert "| read, full | - |" in text
