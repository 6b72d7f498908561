"""Comparing two runs: resolving references, verdicts, the table and the exit status."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchkit.cli import main
from benchkit.compare import (
    compare_runs,
    format_result,
    format_seconds,
    format_table,
    resolve_run,
)
from benchkit.config import Thresholds
from benchkit.history import load_history
from benchkit.record import store_run_file


def test_references_resolve_by_id_prefix_commit_and_latest(
    fixture_history: SimpleNamespace, kit: SimpleNamespace
) -> None:
    """A run is found by its id, a unique id prefix, a commit prefix or 'latest'."""
    history = load_history(fixture_history.root)
    third = fixture_history.run_ids_a[2]
    assert resolve_run(history, third).run_id == third
    assert resolve_run(history, third[:-2]).run_id == third
    assert resolve_run(history, fixture_history.commits_a[2][:8]).run_id == third
    assert resolve_run(history, "latest").run_id == fixture_history.run_ids_b[-1]
    latest_a = resolve_run(history, "latest", machine=kit.MACHINE_A)
    assert latest_a.run_id == fixture_history.run_ids_a[-1]


def test_unknown_and_ambiguous_references_are_errors(fixture_history: SimpleNamespace) -> None:
    """A reference matching nothing, or several runs, raises ValueError saying so."""
    history = load_history(fixture_history.root)
    with pytest.raises(ValueError, match="is not a run id, a recorded commit or a git ref"):
        resolve_run(history, "zzzz-not-a-run")
    with pytest.raises(ValueError, match="is ambiguous"):
        resolve_run(history, "2025")
    with pytest.raises(ValueError, match="no recorded runs for machine 'nope'"):
        resolve_run(history, "latest", machine="nope")


def test_the_known_step_is_a_regression(
    fixture_history: SimpleNamespace, kit: SimpleNamespace
) -> None:
    """Across the 1.6x step only test_all_equal[ours] regresses; the rest stays the same."""
    history = load_history(fixture_history.root)
    base = resolve_run(history, fixture_history.run_ids_a[kit.STEP_RUN - 1])
    head = resolve_run(history, fixture_history.run_ids_a[kit.STEP_RUN])
    verdicts = {c.fullname: c.verdict for c in compare_runs(history, base, head, Thresholds())}
    assert verdicts.pop(f"{kit.CPU_FILE}::test_all_equal[ours]") == "regression"
    assert verdicts.pop(f"{kit.CPU_FILE}::test_all_equal[zarr]") == "baseline"
    assert verdicts.pop(f"{kit.CPU_FILE}::test_all_equal_limit") == "baseline"
    assert verdicts.pop(f"{kit.CPU_FILE}::test_from_bytes[zarr]") == "baseline"
    assert set(verdicts.values()) == {"same"}
    reverse = compare_runs(history, head, base, Thresholds())
    assert {c.verdict for c in reverse} == {"improvement", "same", "baseline"}


def test_runs_with_different_benchmarks_list_new_and_gone(
    fixture_history: SimpleNamespace,
) -> None:
    """Benchmarks in only one run are 'new' or 'gone', and the table warns about machines."""
    history = load_history(fixture_history.root)
    base = resolve_run(history, fixture_history.run_ids_a[0])
    head = resolve_run(history, fixture_history.run_ids_b[0])
    comparisons = compare_runs(history, base, head, Thresholds())
    assert {c.verdict for c in comparisons if c.is_ours} == {"new", "gone"}
    table = format_table(base, head, comparisons)
    assert "different machines" in table
    assert table.splitlines()[-1] == (
        "0 regressed, 0 improved, 0 drift, 0 unchanged, 1 new, 3 gone; 4 baseline(s) not judged"
    )


def test_cli_exit_status_follows_the_verdicts(
    fixture_history: SimpleNamespace, kit: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    """benchkit compare exits 1 across the regression, 0 between quiet runs, 2 on bad refs."""
    ids = fixture_history.run_ids_a
    root = str(fixture_history.root)
    assert main(["compare", ids[kit.STEP_RUN - 1], ids[kit.STEP_RUN], "--results", root]) == 1
    out = capsys.readouterr()
    assert "regression" in out.out
    assert "test_all_equal[ours]" in out.out
    assert f"warning: skipped {fixture_history.broken['foreign']}" in out.err
    assert main(["compare", ids[0], ids[1], "--results", root]) == 0
    assert main(["compare", "nope", ids[1], "--results", root]) == 2
    out = capsys.readouterr()
    assert "is not a run id, a recorded commit or a git ref" in out.err
    assert out.out.splitlines()[-1] == "verdict: ERROR, no verdict (exit 2)"


def test_a_git_ref_without_a_run_is_told_apart(
    fixture_history: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    """HEAD of this repository exists but has no run in the fixture: the message says so."""
    root = str(fixture_history.root)
    assert main(["compare", "HEAD", "latest", "--results", root]) == 2
    assert "which has no recorded run" in capsys.readouterr().err


def test_the_table_prints_its_rule_and_judges_only_ours(
    fixture_history: SimpleNamespace, kit: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rule comes first; baselines are listed apart as context; the verdict line is last."""
    ids = fixture_history.run_ids_a
    main(
        [
            "compare",
            ids[kit.STEP_RUN - 1],
            ids[kit.STEP_RUN],
            "--results",
            str(fixture_history.root),
        ]
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("rule: Each benchmark of ours is judged on ours/baseline per run")
    context = lines.index("baselines (context, not judged):")
    assert all("[ours]" not in line for line in lines[context:-2])
    assert lines[-1] == "verdict: FAIL, 1 regression(s) of ours: test_all_equal[ours]"


@pytest.mark.parametrize(
    ("seconds", "text"), [(2.5, "2.5 s"), (0.0012, "1.2 ms"), (3.4e-6, "3.4 us"), (5e-9, "5 ns")]
)
def test_format_seconds_picks_a_readable_unit(seconds: float, text: str) -> None:
    """Times print with a unit that keeps a few significant digits."""
    assert format_seconds(seconds) == text


def test_declared_bytes_add_throughput(kit: SimpleNamespace, tmp_path: Path) -> None:
    """extra_info['bytes'] adds GB/s (decimal) beside the time; without it, time alone."""
    entry = kit.bench_entry("x.py::test_copy[ours]", 2e-3, impl="ours")
    entry["extra_info"]["bytes"] = 16 * 10**6
    raw = kit.raw_run(
        [entry, kit.bench_entry("x.py::test_other[ours]", 2e-3, impl="ours")],
        machine_key=kit.MACHINE_A,
        commit="ab" * 20,
        when=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    store_run_file(tmp_path, raw, run_id="r1", package="p", device="cpu")
    (run,) = load_history(tmp_path).runs
    assert format_result(run.results["x.py::test_copy[ours]"]) == "2 ms (8 GB/s)"
    assert format_result(run.results["x.py::test_other[ours]"]) == "2 ms"
    assert format_result(None) == "-"
