"""Building the dashboard: files, data, flags, escaping and robustness."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchkit.config import Thresholds
from benchkit.history import load_history
from benchkit.site import SITE_MARKER, benchmark_id, build_site, plotly_js_path


def read_data(path: Path) -> tuple[str, Any]:
    """The key and JSON payload of one data script."""
    match = re.fullmatch(r'benchkitLoaded\(("[^"]*"),(.*)\);\n', path.read_text(), flags=re.DOTALL)
    assert match, path
    return json.loads(match.group(1)), json.loads(match.group(2))


@pytest.fixture
def site(fixture_history: SimpleNamespace, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    build_site(load_history(fixture_history.root), out, commit_url="https://example.org/c/{commit}")
    return out


def test_site_is_self_contained(site: Path) -> None:
    """index.html, the app, the styles and plotly.js itself are in the site; no remote URL."""
    assert (site / "assets" / "plotly.min.js").read_bytes() == plotly_js_path().read_bytes()
    html = (site / "index.html").read_text()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources == ["assets/style.css", "assets/plotly.min.js", "assets/app.js", "data/index.js"]
    for name in ("app.js", "style.css"):
        assert "http://" not in (site / "assets" / name).read_text()
        assert "https://" not in (site / "assets" / name).read_text()
    assert (site / SITE_MARKER).exists()


def test_index_lists_runs_machines_charts_and_skipped_files(
    site: Path, fixture_history: SimpleNamespace, kit: SimpleNamespace
) -> None:
    """One index: every run, both machines, one chart per group/function, the skipped files."""
    key, index = read_data(site / "data" / "index.js")
    assert key == "index"
    assert [
        run["id"] for run in index["runs"]
    ] == fixture_history.run_ids_a + fixture_history.run_ids_b
    assert [m["key"] for m in index["machines"]] == sorted([kit.MACHINE_A, kit.MACHINE_B])
    gpu_machine = next(m for m in index["machines"] if m["key"] == kit.MACHINE_B)
    assert gpu_machine["gpus"] == ["NVIDIA H100 80GB HBM3"]
    assert gpu_machine["cuda_version"] == "12.4"
    titles = sorted(chart["title"] for chart in index["benchmarks"])
    assert titles == sorted([kit.HOSTILE, "all_equal", "test_copy_to_device", "test_from_bytes"])
    assert {Path(s["path"]).name for s in index["skipped"]} == {
        "buffer-cpu.json",
        "package.json",
        "garbage.json",
        "list.json",
    }
    assert index["commit_url"] == "https://example.org/c/{commit}"


def test_each_chart_has_its_own_series_file(site: Path, kit: SimpleNamespace) -> None:
    """A group's chart holds ours, zarr and the limit as labelled series with every run."""
    _, chart = read_data(site / "data" / "bench" / f"{benchmark_id('group:all_equal')}.js")
    labels = {series["label"]: series for series in chart["series"]}
    assert set(labels) == {"ours", "zarr", "numpy-limit"}
    assert len(labels["ours"]["points"]) == kit.RUNS_A
    run, median, q1, q3, *_ = labels["ours"]["points"][0]
    assert run == 0
    assert q1 < median < q3


def test_the_known_step_is_flagged_and_nothing_else(site: Path, kit: SimpleNamespace) -> None:
    """One confirmed regression (the 1.6x step), one drift, one candidate; nothing else."""
    _, index = read_data(site / "data" / "index.js")
    flags = {
        (f["fullname"].rsplit("::", 1)[-1], f["run"], f["kind"], f["status"])
        for f in index["flags"]
    }
    assert flags == {
        ("test_all_equal[ours]", kit.STEP_RUN, "regression", "confirmed"),
        ("test_from_bytes[ours]", kit.DRIFT_RUN, "regression", "drift"),
        (f"test_hostile[{kit.HOSTILE}]", kit.RUNS_A - 1, "regression", "candidate"),
    }
    confirmed = next(f for f in index["flags"] if f["status"] == "confirmed")
    assert confirmed["change"] == pytest.approx(0.6, abs=0.05)
    assert confirmed["judged_on"] == "ratio"
    assert set(confirmed["ratio_changes"]) == {"zarr", "numpy-limit"}
    drift = next(f for f in index["flags"] if f["status"] == "drift")
    assert drift["baseline_changes"]["zarr"] == pytest.approx(0.25, abs=0.05)
    # Only confirmed steps count on the chart badges.
    counts = {b["title"]: b["flags"] for b in index["benchmarks"]}
    assert counts["all_equal"] == {
        "regression": 1,
        "improvement": 0,
        "candidate": 0,
        "drift": 0,
        "resolved": 0,
    }
    assert counts["test_from_bytes"] == {
        "regression": 0,
        "improvement": 0,
        "candidate": 0,
        "drift": 1,
        "resolved": 0,
    }
    assert counts[kit.HOSTILE] == {
        "regression": 0,
        "improvement": 0,
        "candidate": 1,
        "drift": 0,
        "resolved": 0,
    }


def test_ratios_pair_ours_with_each_baseline(site: Path, kit: SimpleNamespace) -> None:
    """Per machine: ours/zarr and ours/numpy-limit for every run, the pair named by group."""
    _, index = read_data(site / "data" / "index.js")
    entry = next(e for e in index["ratio_machines"] if e["machine"] == kit.MACHINE_A)
    _, ratios = read_data(site / "data" / f"{entry['data']}.js")
    pairs = {(s["pair"], s["baseline"]): s for s in ratios["series"]}
    assert set(pairs) == {
        ("all_equal", "zarr"),
        ("all_equal", "numpy-limit"),
        ("test_from_bytes", "zarr"),
    }
    first = pairs[("all_equal", "zarr")]["points"][0]
    assert first[1] == pytest.approx(first[2] / first[3], rel=1e-4)  # 5 significant digits
    assert first[1] == pytest.approx(1 / 3, rel=0.1)


def test_run_files_carry_the_python_verdicts_for_compare(
    site: Path, fixture_history: SimpleNamespace, kit: SimpleNamespace
) -> None:
    """Each run file holds the run judged against the previous commit by compare_runs itself."""
    from benchkit.compare import compare_runs, pool_runs

    history = load_history(fixture_history.root)
    number = kit.STEP_RUN  # machine A's runs come first in time order
    _, data = read_data(site / "data" / "runs" / f"{number}.js")
    run = history.runs[number]
    base = pool_runs([history.runs[i] for i in data["base"]["runs"]])
    expected = compare_runs(history, base, run, Thresholds())
    assert {r["fullname"]: r["verdict"] for r in data["base"]["rows"]} == {
        c.fullname: c.verdict for c in expected
    }
    row = next(r for r in data["base"]["rows"] if r["fullname"].endswith("test_all_equal[ours]"))
    assert row["verdict"] == "regression"
    assert row["words"].endswith("x slower against numpy-limit, zarr")
    _, first = read_data(site / "data" / "runs" / "0.js")
    assert first["base"] is None


def test_hostile_strings_never_reach_html(site: Path, kit: SimpleNamespace) -> None:
    """Names, messages and branches appear only JSON-encoded in data scripts, never as markup."""
    assert kit.HOSTILE not in (site / "index.html").read_text()
    index_js = (site / "data" / "index.js").read_text()
    assert "<" not in index_js
    assert ">" not in index_js
    _, index = read_data(site / "data" / "index.js")
    assert index["runs"][0]["message"].startswith("<script>")
    assert index["runs"][0]["branch"] == '"><img src=y onerror=alert(3)>'
    # ...and the app never assigns innerHTML or uses document.write.
    app = (site / "assets" / "app.js").read_text()
    assert "innerHTML" not in app
    assert "document.write" not in app
    assert "insertAdjacentHTML" not in app


def test_refuses_to_overwrite_a_foreign_directory(
    fixture_history: SimpleNamespace, tmp_path: Path
) -> None:
    """An existing non-empty directory that is not a site is left alone."""
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("keep me")
    with pytest.raises(ValueError, match="not a benchkit site; refusing"):
        build_site(load_history(fixture_history.root), out)
    assert (out / "thesis.tex").read_text() == "keep me"


def test_rebuild_replaces_the_previous_site(
    fixture_history: SimpleNamespace, site: Path, kit: SimpleNamespace
) -> None:
    """Building again over a site replaces it (stale chart files disappear)."""
    (site / "data" / "bench" / "stale.js").write_text("")
    summary = build_site(load_history(fixture_history.root), site, thresholds=Thresholds())
    assert not (site / "data" / "bench" / "stale.js").exists()
    assert (summary.runs, summary.machines, summary.flags, summary.skipped) == (
        kit.RUNS_A + kit.RUNS_B,
        2,
        1,
        4,
    )
    assert (summary.candidates, summary.drift, summary.benchmarks, summary.results) == (1, 1, 4, 8)


def test_commit_url_needs_a_placeholder(fixture_history: SimpleNamespace, tmp_path: Path) -> None:
    """A commit link template without {commit} is refused."""
    with pytest.raises(ValueError, match="commit_url must contain"):
        build_site(load_history(fixture_history.root), tmp_path / "s", commit_url="https://x/")


def test_docs_link_is_in_the_index(fixture_history: SimpleNamespace, tmp_path: Path) -> None:
    """docs_url reaches the page's data; without it there is no link."""
    history = load_history(fixture_history.root)
    build_site(history, tmp_path / "with", docs_url="../index.html")
    assert read_data(tmp_path / "with" / "data" / "index.js")[1]["docs_url"] == "../index.html"
    build_site(history, tmp_path / "without")
    assert read_data(tmp_path / "without" / "data" / "index.js")[1]["docs_url"] is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", " "])
def test_docs_link_must_be_relative_or_http(
    fixture_history: SimpleNamespace, tmp_path: Path, url: str
) -> None:
    """A docs link the page should never follow is refused, naming the argument."""
    with pytest.raises(ValueError, match=r"^docs_url must be a relative path or an http"):
        build_site(load_history(fixture_history.root), tmp_path / "s", docs_url=url)


def test_a_regression_undone_later_is_marked_resolved(tmp_path: Path, kit: SimpleNamespace) -> None:
    """Ours 1.5x slower from one run, back to its level 12 runs later: the regression is resolved."""
    import datetime as dt

    from benchkit.record import new_run_id, store_run_file

    root = tmp_path / "r"
    start = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    for number in range(36):
        level = 1.5 if 12 <= number < 24 else 1.0
        noise = 1 + 0.01 * ((number * 7) % 5 - 2)
        entry = kit.bench_entry(f"{kit.CPU_FILE}::test_undone", 1e-3 * level * noise)
        when = start + dt.timedelta(hours=number)
        commit = f"{number + 1:04x}".ljust(40, "d")
        raw = kit.raw_run([entry], machine_key=kit.MACHINE_A, commit=commit, when=when)
        store_run_file(root, raw, run_id=new_run_id(commit, now=when), package="p", device="cpu")
    out = tmp_path / "site"
    build_site(load_history(root), out)
    _, index = read_data(out / "data" / "index.js")
    regression = next(f for f in index["flags"] if f["kind"] == "regression")
    improvement = next(f for f in index["flags"] if f["kind"] == "improvement")
    assert regression["resolved_by"] == improvement["run"]
    assert re.fullmatch(r"1\.[45]\dx slower", regression["words"])
    assert index["benchmarks"][0]["flags"]["resolved"] == 1
    assert index["benchmarks"][0]["flags"]["regression"] == 0


def test_a_partial_run_is_summarized_as_partial(tmp_path: Path, kit: SimpleNamespace) -> None:
    """A run recorded with `-k`: the summary says partial and lists no benchmark as gone."""
    import datetime as dt

    from benchkit.record import new_run_id, store_run_file
    from benchkit.summary import run_summary

    root = tmp_path / "r"
    start = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    names = ["test_a[ours]", "test_b[ours]", "test_c[ours]"]
    for number, chosen in enumerate([names, names, names[:1]]):
        entries = [kit.bench_entry(f"{kit.CPU_FILE}::{name}", 1e-3) for name in chosen]
        when = start + dt.timedelta(hours=number)
        commit = f"{number + 1:04x}".ljust(40, "d")
        raw = kit.raw_run(entries, machine_key=kit.MACHINE_A, commit=commit, when=when)
        selection = "-k test_a" if len(chosen) == 1 else None
        run_id = new_run_id(commit, now=when)
        store_run_file(root, raw, run_id=run_id, package="p", device="cpu", selection=selection)
    history = load_history(root)
    run = history.runs[-1]
    assert run.partial
    text = run_summary(history, run, Thresholds())
    assert "partial run (pytest -k test_a): 1 benchmarks measured" in text
    assert not any(line.lstrip().startswith("gone") for line in text.splitlines())
    assert " gone" not in text.split("benchmarks of ours:", 1)[1].splitlines()[0]
