"""The page shows the verdicts of the Python rule, on the real history and on synthetic steps.

The page has no rule of its own: these tests read what headless Chromium
rendered and compare it, row by row, with benchkit.compare.compare_runs,
benchkit.judge.flag_history and benchkit.judge.judge_against.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchkit.compare import compare_runs, pool_runs, previous_commit_runs
from benchkit.config import load_thresholds
from benchkit.history import History, load_history
from benchkit.judge import baselines_by_ours, flag_history, judge_against
from benchkit.site import build_site

pytestmark = pytest.mark.browser

REAL_HISTORY = Path(__file__).resolve().parents[3] / "bench-results"


@pytest.fixture
def open_site(browser: Any, tmp_path: Path) -> Iterator[Any]:
    """Build the site of a history and open pages of it; no script error may occur."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []

    def open_page(history: History, fragment: str, thresholds: Any = None) -> Any:
        out = tmp_path / "site"
        if not out.exists():
            build_site(history, out, thresholds=thresholds)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "index.html").resolve().as_uri() + fragment)
        page.wait_for_selector("body[data-ready='1']")
        return page

    yield open_page
    context.close()
    assert errors == []


def _shown_compare(page: Any) -> dict[str, str]:
    page.wait_for_selector("#compare-table")
    rows = page.locator("#compare-table tbody tr, #compare-baselines tbody tr")
    return dict(
        zip(
            rows.evaluate_all("rs => rs.map(r => r.dataset.fullname)"),
            rows.evaluate_all("rs => rs.map(r => r.dataset.verdict)"),
            strict=True,
        )
    )


def _check_compare_views(open_site: Any, history: History, thresholds: Any, runs: list[int]) -> int:
    """Each chosen run's compare table equals compare_runs against its previous commit."""
    checked = 0
    for machine in sorted({run.machine_key for run in history.runs}):
        machine_runs = [run for run in history.runs if run.machine_key == machine]
        for position, run in enumerate(machine_runs):
            if history.runs.index(run) not in runs:
                continue
            earlier = previous_commit_runs(machine_runs, position, other_commit=True)
            if not earlier:
                continue
            expected = compare_runs(history, pool_runs(earlier), run, thresholds)
            page = open_site(history, f"#view=compare&head={run.run_id}", thresholds)
            assert _shown_compare(page) == {c.fullname: c.verdict for c in expected}
            page.close()
            checked += 1
    return checked


def _check_flags(open_site: Any, history: History, thresholds: Any) -> None:
    """The Regressions view lists exactly flag_history's steps, with their statuses."""
    expected = sorted(
        (flag.fullname, flag.status, flag.kind)
        for machine in {run.machine_key for run in history.runs}
        for flag in flag_history(
            [run for run in history.runs if run.machine_key == machine], thresholds
        )
    )
    page = open_site(history, "#view=regressions", thresholds)
    rows = page.locator("#flags tbody tr")
    shown = sorted(
        zip(
            rows.evaluate_all("rs => rs.map(r => r.dataset.fullname)"),
            rows.evaluate_all("rs => rs.map(r => r.dataset.status)"),
            rows.evaluate_all("rs => rs.map(r => r.dataset.kind)"),
            strict=True,
        )
    )
    assert shown == expected
    page.close()


def _check_ratio_table(open_site: Any, history: History, thresholds: Any) -> None:
    """Ours vs zarr: each latest verdict is judge_against with the benchmark's floor."""
    machines = {run.machine_key for run in history.runs}
    main = max(machines, key=lambda m: (sum(r.machine_key == m for r in history.runs), m))
    runs = [run for run in history.runs if run.machine_key == main]
    expected: dict[str, str] = {}
    for run in runs:
        for fullname, baselines in baselines_by_ours(run).items():
            if "zarr" in baselines:
                floor = thresholds.for_benchmark(fullname).min_relative_change
                expected[fullname] = judge_against(run.results[fullname], baselines["zarr"], floor)
    page = open_site(history, "#view=ratios", thresholds)
    table = page.locator(".ratio-section[data-baseline='zarr'] .ratio-table tbody tr")
    table.first.wait_for()
    shown = dict(
        zip(
            table.evaluate_all("rs => rs.map(r => r.dataset.fullname)"),
            table.evaluate_all("rs => rs.map(r => r.dataset.verdict)"),
            strict=True,
        )
    )
    assert shown == expected
    page.close()


@pytest.mark.skipif(not REAL_HISTORY.is_dir(), reason="no bench-results/ in this checkout")
def test_the_page_shows_the_python_verdicts_on_the_real_history(open_site: Any) -> None:
    """bench-results/: the newest runs' compare tables, every flag, every latest ours/zarr verdict."""
    history = load_history(REAL_HISTORY)
    thresholds = load_thresholds(REAL_HISTORY / "benchkit.toml")
    # The newest 40 runs: a page per run, so the test's time stays bounded as the history grows.
    newest = list(range(max(0, len(history.runs) - 40), len(history.runs)))
    checked = _check_compare_views(open_site, history, thresholds, newest)
    assert checked >= 1
    _check_flags(open_site, history, thresholds)
    _check_ratio_table(open_site, history, thresholds)


@pytest.mark.parametrize(
    "scenario",
    [{"drift": 1.2}, {"ours_step": 1.3}, {"drift": 1.2, "ours_step": 1.3, "ours_delay": 1}],
    ids=["drift", "step-of-ours", "drift-then-step"],
)
def test_the_page_shows_the_python_verdicts_on_steps_and_drift(
    open_site: Any, kit: SimpleNamespace, tmp_path: Path, scenario: dict[str, float]
) -> None:
    """Synthetic histories with a known step or drift: the same verdicts as Python, run by run."""
    kit.write_paired_history(tmp_path / "r", **scenario)
    history = load_history(tmp_path / "r")
    thresholds = load_thresholds(tmp_path / "r" / "absent.toml")
    around = range(kit.PAIRED_STEP - 1, kit.PAIRED_STEP + 3)
    assert _check_compare_views(open_site, history, thresholds, list(around)) == len(around)
    _check_flags(open_site, history, thresholds)
    _check_ratio_table(open_site, history, thresholds)
