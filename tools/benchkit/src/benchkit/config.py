"""Regression-detector settings: defaults, a TOML file, per-benchmark overrides.

The file (``bench-results/benchkit.toml`` by default) looks like::

    [detector]
    mad_multiple = 4.0
    min_relative_change = 0.10

    [[overrides]]
    match = "*test_copy*"        # fnmatch pattern on the benchmark's full name
    min_relative_change = 0.25   # this one is noisy on shared runners
"""

from __future__ import annotations

import dataclasses
import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CONFIG_FILE_NAME", "DetectorConfig", "Thresholds", "load_thresholds"]

CONFIG_FILE_NAME = "benchkit.toml"


@dataclass(frozen=True)
class DetectorConfig:
    """How far a benchmark must move, and for how long, to count as a step.

    A run is compared with the rolling median of the ``window`` runs before it;
    it is beyond the threshold when it differs by more than ``mad_multiple``
    scaled median absolute deviations of that window *and* by more than
    ``min_relative_change`` (the floor keeps a very quiet history from flagging
    1 % wobbles). ``confirm`` consecutive runs beyond the threshold on the same
    side make a step; ``min_samples`` runs are needed before anything is judged.
    """

    # Chosen on simulated histories (tests/test_stats.py): with 3 runs to
    # confirm, two busy runs in a row are not a step, and a 20-run window
    # estimates the MAD well enough that 8 % noise does not cross 4 MADs.
    window: int = 20
    min_samples: int = 8
    mad_multiple: float = 4.0
    min_relative_change: float = 0.10
    confirm: int = 3

    def __post_init__(self) -> None:
        for name in ("window", "min_samples", "confirm"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                msg = f"{name} must be a positive integer, got {value!r}"
                raise ValueError(msg)
        if self.min_samples > self.window:
            msg = f"min_samples ({self.min_samples}) must not exceed window ({self.window})"
            raise ValueError(msg)
        for name in ("mad_multiple", "min_relative_change"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                msg = f"{name} must be a non-negative number, got {value!r}"
                raise ValueError(msg)


@dataclass(frozen=True)
class Thresholds:
    """Default detector settings plus ordered per-benchmark overrides (last match wins)."""

    default: DetectorConfig = field(default_factory=DetectorConfig)
    overrides: tuple[tuple[str, DetectorConfig], ...] = ()

    def for_benchmark(self, fullname: str) -> DetectorConfig:
        chosen = self.default
        for pattern, config in self.overrides:
            if fnmatch.fnmatchcase(fullname, pattern):
                chosen = config
        return chosen


_FIELDS = {f.name for f in dataclasses.fields(DetectorConfig)}


def load_thresholds(path: Path | None) -> Thresholds:
    """Read ``path`` if it exists; a missing file means the defaults."""
    if path is None or not path.exists():
        return Thresholds()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        msg = f"threshold file {str(path)!r} is not valid TOML: {exc}"
        raise ValueError(msg) from exc
    unknown = set(document) - {"detector", "overrides"}
    if unknown:
        msg = (
            f"threshold file {str(path)!r}: unknown table(s) {sorted(unknown)}, "
            "expected 'detector' and 'overrides'"
        )
        raise ValueError(msg)
    default = _config(DetectorConfig(), document.get("detector", {}), path, "[detector]")
    overrides: list[tuple[str, DetectorConfig]] = []
    raw_overrides = document.get("overrides", [])
    if not isinstance(raw_overrides, list):
        msg = f"threshold file {str(path)!r}: 'overrides' must be an array of tables"
        raise TypeError(msg)
    for index, item in enumerate(raw_overrides):
        where = f"[[overrides]] #{index + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("match"), str):
            msg = f"threshold file {str(path)!r}: {where} needs a string 'match'"
            raise TypeError(msg)
        settings = {k: v for k, v in item.items() if k != "match"}
        overrides.append((item["match"], _config(default, settings, path, where)))
    return Thresholds(default=default, overrides=tuple(overrides))


def _config(base: DetectorConfig, settings: Any, path: Path, where: str) -> DetectorConfig:
    if not isinstance(settings, dict):
        msg = f"threshold file {str(path)!r}: {where} must be a table"
        raise TypeError(msg)
    unknown = set(settings) - _FIELDS
    if unknown:
        msg = (
            f"threshold file {str(path)!r}: {where} has unknown key(s) {sorted(unknown)}, "
            f"expected some of {sorted(_FIELDS)}"
        )
        raise ValueError(msg)
    try:
        return dataclasses.replace(base, **settings)
    except ValueError as exc:
        msg = f"threshold file {str(path)!r}: {where}: {exc}"
        raise ValueError(msg) from exc
