"""Judging ours against its same-run baselines: drift is not a regression, a step of ours is.

Synthetic histories in the real record format (written by benchkit's recorder,
read back by load_history), and the real history in bench-results/.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchkit.cli import main
from benchkit.compare import compare_runs, pool_runs, resolve_run, resolve_runs
from benchkit.config import Thresholds
from benchkit.history import History, load_history
from benchkit.judge import baselines_by_ours, flag_history, is_ours
from benchkit.site import build_site

REAL_HISTORY = Path(__file__).resolve().parents[3] / "bench-results"


def _flags(root: Path) -> list[tuple[str, str, str, str]]:
    history = load_history(root)
    return [
        (flag.fullname, flag.status, flag.kind, flag.judged_on)
        for flag in flag_history(history.runs, Thresholds())
    ]


def _compare_exit(root: Path, ids: list[str], step: int) -> int:
    return main(["compare", ids[step - 1], ids[step], "--results", str(root)])


def test_shared_drift_is_drift_not_a_regression(
    tmp_path: Path, kit: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ours, zarr and the limit 20 % slower together: one drift flag, no regression, exit 0."""
    root = tmp_path / "r"
    ids = kit.write_paired_history(root, drift=1.2)
    assert _flags(root) == [(kit.PAIRED_OURS, "drift", "regression", "ratio")]
    assert _compare_exit(root, ids, kit.PAIRED_STEP) == 0
    out = capsys.readouterr().out
    assert "test_op[ours]" in out
    assert out.splitlines()[-1].startswith(
        "verdict: OK, no regression of ours (0 improved, 1 drift)"
    )
    summary = build_site(load_history(root), tmp_path / "site")
    assert (summary.flags, summary.candidates, summary.drift) == (0, 0, 1)


def test_a_step_of_ours_alone_is_a_confirmed_regression(
    tmp_path: Path, kit: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ours alone 30 % slower: a confirmed regression judged on the ratio, exit 1."""
    root = tmp_path / "r"
    ids = kit.write_paired_history(root, ours_step=1.3)
    assert _flags(root) == [(kit.PAIRED_OURS, "confirmed", "regression", "ratio")]
    assert _compare_exit(root, ids, kit.PAIRED_STEP) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        "verdict: FAIL, 1 regression(s) of ours: test_op[ours]"
    )
    summary = build_site(load_history(root), tmp_path / "site")
    assert (summary.flags, summary.drift) == (1, 0)


def test_a_step_of_ours_a_run_after_drift_is_placed_where_the_ratio_moved(
    tmp_path: Path, kit: SimpleNamespace
) -> None:
    """Machine 15 % faster, then ours 25 % faster a run later: the step is at the later run."""
    root = tmp_path / "r"
    ids = kit.write_paired_history(root, drift=0.85, ours_step=0.75, ours_delay=1)
    history = load_history(root)
    (flag,) = flag_history(history.runs, Thresholds())
    assert (flag.status, flag.kind, flag.judged_on) == ("confirmed", "improvement", "ratio")
    assert flag.run.run_id == ids[kit.PAIRED_STEP + 1]


def test_a_step_of_ours_hidden_by_drift_is_still_found(
    tmp_path: Path, kit: SimpleNamespace
) -> None:
    """Machine 20 % faster while ours got 30 % slower: our time moves +4 %, the ratio +30 %."""
    root = tmp_path / "r"
    ids = kit.write_paired_history(root, drift=0.8, ours_step=1.3)
    history = load_history(root)
    (flag,) = flag_history(history.runs, Thresholds())
    assert (flag.status, flag.kind, flag.judged_on) == ("confirmed", "regression", "ratio")
    assert flag.change == pytest.approx(0.04, abs=0.03)
    assert flag.ratio_changes["zarr"] == pytest.approx(0.3, abs=0.06)
    assert flag.ratio_changes["numpy-limit"] == pytest.approx(0.3, abs=0.06)
    assert _compare_exit(root, ids, kit.PAIRED_STEP) == 1


def test_a_noisy_flat_series_flags_nothing(tmp_path: Path, kit: SimpleNamespace) -> None:
    """5 % noise and three 2x busy runs shared by all implementations: no flag at all."""
    root = tmp_path / "r"
    ids = kit.write_paired_history(root, noise=0.05, spikes=3, seed=11)
    assert _flags(root) == []
    history = load_history(root)
    for before, after in itertools.pairwise(ids):
        verdicts = {
            c.verdict
            for c in compare_runs(
                history, resolve_run(history, before), resolve_run(history, after), Thresholds()
            )
            if c.is_ours
        }
        assert verdicts <= {"same", "drift"}


def test_a_baseline_moving_alone_is_not_ours(tmp_path: Path, kit: SimpleNamespace) -> None:
    """zarr alone 30 % faster (a zarr release): ours/zarr steps, ours/limit and our time do not."""
    root = tmp_path / "r"
    ids = kit.write_paired_history(root, zarr_step=0.7)
    assert _flags(root) == []
    assert _compare_exit(root, ids, kit.PAIRED_STEP) == 0


def test_baselines_pair_by_group_and_are_never_judged(tmp_path: Path, kit: SimpleNamespace) -> None:
    """ours pairs with zarr and the limit of its group; the baselines get no verdict of their own."""
    root = tmp_path / "r"
    ids = kit.write_paired_history(root, ours_step=1.3)
    history = load_history(root)
    head = resolve_run(history, ids[kit.PAIRED_STEP])
    pairs = baselines_by_ours(head)
    assert {name: sorted(found) for name, found in pairs.items()} == {
        kit.PAIRED_OURS: ["numpy-limit", "zarr"]
    }
    assert not is_ours(head.results[kit.PAIRED_LIMIT])
    base = resolve_run(history, ids[kit.PAIRED_STEP - 1])
    verdicts = {c.fullname: c.verdict for c in compare_runs(history, base, head, Thresholds())}
    assert verdicts == {
        kit.PAIRED_OURS: "regression",
        kit.PAIRED_ZARR: "baseline",
        kit.PAIRED_LIMIT: "baseline",
    }


def test_comparing_a_run_with_itself_warns(
    tmp_path: Path, kit: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    """BASE and HEAD naming one run: a warning, and nothing changed."""
    root = tmp_path / "r"
    ids = kit.write_paired_history(root)
    assert main(["compare", ids[3], ids[3], "--results", str(root)]) == 0
    assert "warning: BASE and HEAD are the same run" in capsys.readouterr().out


# The 17 runs recorded before this rule existed; later runs must not change what is pinned here.
REAL_RUNS_UNTIL = dt.datetime(2026, 11, 26, 2, 22, tzinfo=dt.UTC)
REAL_MACHINE = "intel-xeon-2c-24g-71e7d510"


def _real_history() -> History:
    if not (REAL_HISTORY / REAL_MACHINE).is_dir():
        pytest.skip("the recorded history is not beside tools/ (bench-results/)")
    history = load_history(REAL_HISTORY)
    runs = [r for r in history.runs if r.machine_key == REAL_MACHINE and r.time <= REAL_RUNS_UNTIL]
    return History(root=history.root, runs=runs, skipped=[])


def test_the_real_history_flags_only_the_real_code_changes() -> None:
    """bench-results/: the counted steps are the three commits that sped ours up, nothing else."""
    history = _real_history()
    assert len(history.runs) == 17
    flags = flag_history(history.runs, Thresholds())
    counted = {
        (flag.fullname.rsplit("::", 1)[-1], flag.run.short_commit, flag.kind)
        for flag in flags
        if flag.counted
    }
    assert counted == {
        ("test_all_equal_first_differs[ours]", "0bb8302d", "improvement"),
        ("test_all_equal_small_chunk[ours]", "ca923dfc", "improvement"),
        ("test_ndbuffer_construction[ours]", "d2995ef6", "improvement"),
    }
    assert all(flag.judged_on == "ratio" for flag in flags if flag.counted)
    # The old time-only rule also flagged zarr's own rows; baselines are never flagged now.
    assert all(flag.fullname.endswith("]") and "[zarr" not in flag.fullname for flag in flags)


def test_the_real_history_pooled_commits_compare_cleanly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """e8788073 -> d2995ef6, three runs each pooled: the two sped-up operations improve, none regress."""
    history = _real_history()
    base = pool_runs(resolve_runs(history, "e8788073"))
    head = pool_runs(resolve_runs(history, "d2995ef6"))
    verdicts = {
        c.fullname.rsplit("::", 1)[-1]: c.verdict
        for c in compare_runs(history, base, head, Thresholds())
    }
    assert "regression" not in verdicts.values()
    assert verdicts["test_all_equal_first_differs[ours]"] == "improvement"
    assert verdicts["test_ndbuffer_construction[ours]"] == "improvement"
    assert {v for k, v in verdicts.items() if "[zarr" in k or "_limit" in k} == {"baseline"}
