"""Loading histories: runs grouped and ordered, broken and foreign files skipped by name."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchkit.history import SITE_MARKER, load_history


def test_runs_load_in_time_order_per_machine(
    fixture_history: SimpleNamespace, kit: SimpleNamespace
) -> None:
    """Every stored run is read once, oldest first, under its machine key."""
    history = load_history(fixture_history.root)
    assert [
        run.run_id for run in history.runs
    ] == fixture_history.run_ids_a + fixture_history.run_ids_b
    assert {run.machine_key for run in history.runs} == {kit.MACHINE_A, kit.MACHINE_B}
    first = history.runs[0]
    assert first.commit == fixture_history.commits_a[0]
    assert first.message == "<script>alert(2)</script> speed up all_equal"
    assert first.packages == ["buffer-cpu"]
    assert len(first.results) == 6


def test_broken_and_foreign_files_are_skipped_with_their_reason(
    fixture_history: SimpleNamespace,
) -> None:
    """Truncated, non-UTF-8, non-object and foreign JSON are each reported by path; the rest loads."""
    history = load_history(fixture_history.root)
    reasons = {item.path: item.reason for item in history.skipped}
    broken = fixture_history.broken
    assert reasons[broken["truncated"]].startswith("not valid JSON")
    assert reasons[broken["garbage"]] == "not UTF-8 text"
    assert "top level is list" in reasons[broken["list"]]
    assert reasons[broken["foreign"]] == "not a pytest-benchmark result (no 'benchmarks' list)"
    assert len(history.skipped) == 4
    messages = [str(item) for item in history.skipped]
    assert f"skipped {broken['truncated']}: not valid JSON" in "\n".join(messages)


def test_impl_and_variant_come_from_extra_info_or_the_param(
    fixture_history: SimpleNamespace, kit: SimpleNamespace
) -> None:
    """impl is read from extra_info, else from an ours/zarr token of the param id."""
    history = load_history(fixture_history.root)
    results = history.runs[0].results
    ours = results[f"{kit.CPU_FILE}::test_all_equal[ours]"]
    assert (ours.impl, ours.variant, ours.group, ours.device) == ("ours", "", "all_equal", "cpu")
    assert ours.chart_key == "group:all_equal"
    limit = results[f"{kit.CPU_FILE}::test_all_equal_limit"]
    assert (limit.impl, limit.pair_key) == ("numpy-limit", "all_equal")
    plain = results[f"{kit.CPU_FILE}::test_from_bytes[zarr]"]
    assert (plain.base, plain.param, plain.chart_key) == (
        f"{kit.CPU_FILE}::test_from_bytes",
        "zarr",
        f"{kit.CPU_FILE}::test_from_bytes",
    )
    gpu = history.runs[-1].results
    assert {r.device for r in gpu.values()} == {"gpu"}


def test_param_token_gives_impl_and_variant(tmp_path: Path, kit: SimpleNamespace) -> None:
    """test_x[zarr-1MiB] without extra_info measures zarr, variant 1MiB."""
    entry = kit.bench_entry("packages/p/benchmarks/t.py::test_x[zarr-1MiB]", 1.0)
    entry["params"] = None
    raw = kit.raw_run([entry], machine_key="m", commit="ab" * 20, when=_when())
    (tmp_path / "m" / "r").mkdir(parents=True)
    (tmp_path / "m" / "r" / "p.json").write_text(json.dumps(raw))
    (result,) = load_history(tmp_path).runs[0].results.values()
    assert (result.impl, result.variant, result.pair_key) == (
        "zarr",
        "1MiB",
        "packages/p/benchmarks/t.py::test_x [1MiB]",
    )


@pytest.mark.parametrize(
    ("param", "impl", "variant"),
    [
        ("ours-pinned-source-16MiB", "ours-pinned-source", "16MiB"),
        ("1MiB-cupy-pinned", "cupy-pinned", "1MiB"),
        ("zarr", "zarr", ""),
        ("fill-0.0-ours", "ours", "fill-0.0"),
    ],
)
def test_dashed_impl_ids_leave_the_rest_as_variant(
    tmp_path: Path, kit: SimpleNamespace, param: str, impl: str, variant: str
) -> None:
    """An impl named in extra_info is cut out of the param id whole, dashes and all."""
    entry = kit.bench_entry(f"p/benchmarks/t.py::test_h2d[{param}]", 1.0, impl=impl, group="h2d")
    raw = kit.raw_run([entry], machine_key="m", commit="ab" * 20, when=_when())
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "f.json").write_text(json.dumps(raw))
    (result,) = load_history(tmp_path).runs[0].results.values()
    assert (result.impl, result.variant) == (impl, variant)


def test_a_built_site_inside_results_is_not_read(fixture_history: SimpleNamespace) -> None:
    """JSON under a directory marked as a benchkit site is ignored."""
    site = fixture_history.root / "site"
    (site / "data").mkdir(parents=True)
    (site / SITE_MARKER).write_text("")
    (site / "data" / "x.json").write_text("{broken")
    history = load_history(fixture_history.root)
    assert all(site not in item.path.parents for item in history.skipped)


def test_entry_without_stats_is_skipped_alone(tmp_path: Path, kit: SimpleNamespace) -> None:
    """One malformed benchmark entry is reported; its siblings in the file still load."""
    good = kit.bench_entry("packages/p/benchmarks/t.py::test_ok", 1.0)
    raw = kit.raw_run(
        [good, {"name": "x"}, {"fullname": "y", "stats": {"median": "fast"}}],
        machine_key="m",
        commit="ab" * 20,
        when=_when(),
    )
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "file.json").write_text(json.dumps(raw))
    history = load_history(tmp_path)
    assert list(history.runs[0].results) == ["packages/p/benchmarks/t.py::test_ok"]
    assert [s.reason for s in history.skipped] == [
        "benchmark entry 1: missing 'fullname' or 'stats'",
        "benchmark entry 2: statistics are missing or not finite numbers",
    ]
    assert history.runs[0].run_id == "file"


def test_missing_results_directory_is_a_value_error(tmp_path: Path) -> None:
    """A results path that is not a directory is named in the error."""
    with pytest.raises(ValueError, match=r"results directory .*nope.* does not exist"):
        load_history(tmp_path / "nope")


def _when() -> dt.datetime:
    return dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
