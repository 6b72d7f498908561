"""Detector settings from benchkit.toml, with per-benchmark overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchkit.config import DetectorConfig, load_thresholds


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    """No file: the documented defaults for every benchmark."""
    thresholds = load_thresholds(tmp_path / "benchkit.toml")
    assert thresholds.for_benchmark("anything") == DetectorConfig()


def test_overrides_apply_by_pattern_last_match_wins(tmp_path: Path) -> None:
    """[detector] changes the default; [[overrides]] patterns refine it per benchmark."""
    path = tmp_path / "benchkit.toml"
    path.write_text(
        "[detector]\nmad_multiple = 5.0\n"
        '[[overrides]]\nmatch = "*test_copy*"\nmin_relative_change = 0.25\n'
        '[[overrides]]\nmatch = "*test_copy_small*"\nconfirm = 4\n'
    )
    thresholds = load_thresholds(path)
    assert thresholds.for_benchmark("x::test_other").mad_multiple == 5.0
    big = thresholds.for_benchmark("x::test_copy_big")
    assert (big.mad_multiple, big.min_relative_change) == (5.0, 0.25)
    small = thresholds.for_benchmark("x::test_copy_small")
    assert (small.confirm, small.min_relative_change) == (4, 0.10)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("[detector]\nwindo = 3\n", ValueError, r"unknown key\(s\) \['windo'\]"),
        ("[detectors]\n", ValueError, r"unknown table\(s\) \['detectors'\]"),
        ("[[overrides]]\nconfirm = 2\n", TypeError, "needs a string 'match'"),
        ("[detector]\nconfirm = 0\n", ValueError, "confirm must be a positive integer"),
        ("[detector\n", ValueError, "is not valid TOML"),
    ],
)
def test_bad_files_name_the_problem(
    tmp_path: Path, text: str, error: type[Exception], message: str
) -> None:
    """Every mistake in the file is reported with the file and the key."""
    path = tmp_path / "benchkit.toml"
    path.write_text(text)
    with pytest.raises(error, match=message):
        load_thresholds(path)
