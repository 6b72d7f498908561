"""The public names of benchkit: changing them is a visible decision."""

from __future__ import annotations

import importlib.metadata

import benchkit


def test_public_names() -> None:
    """__all__ lists exactly the supported API, sorted."""
    assert benchkit.__all__ == sorted(benchkit.__all__)
    assert set(benchkit.__all__) == {
        "BenchResult",
        "Comparison",
        "DetectorConfig",
        "Flag",
        "History",
        "MachineFacts",
        "PairVerdict",
        "Run",
        "Skipped",
        "Step",
        "Thresholds",
        "__version__",
        "build_site",
        "collect_machine_facts",
        "compare_runs",
        "detect_steps",
        "flag_history",
        "judge_pair",
        "load_history",
        "load_thresholds",
        "machine_key",
        "new_run_id",
        "pool_runs",
        "resolve_run",
        "store_run_file",
    }


def test_version_matches_metadata() -> None:
    """__version__ comes from the installed distribution's metadata."""
    assert benchkit.__version__ == importlib.metadata.version("benchkit")
