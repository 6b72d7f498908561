"""Real `python -m benchkit` processes against hostile history files and concurrent builds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchkit.history import SITE_MARKER


def _benchkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchkit", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _hostile_documents(kit: SimpleNamespace) -> dict[str, str]:
    """File name -> JSON text, each hostile in one way the issue found."""

    def run(entries: list[dict[str, Any]]) -> dict[str, Any]:
        return kit.raw_run(
            entries, machine_key=kit.MACHINE_A, commit="f" * 40, when=_later(), message="hostile"
        )

    def entry(median: float, impl: str = "ours") -> dict[str, Any]:
        return kit.bench_entry(
            f"{kit.CPU_FILE}::test_hostile[{impl}]", median, group="hostile", impl=impl
        )

    rounds = run([entry(1e-3)])
    rounds["benchmarks"][0]["stats"]["rounds"] = float("inf")
    huge = run([entry(1e-3)])
    huge["benchmarks"][0]["extra_info"]["bytes"] = 10**400
    tiny = run([entry(1e-3), entry(1e-320, "zarr")])
    tiny["benchmarks"][1]["stats"].update(min=1e-320, q1=1e-320, q3=1e-320, max=1e-320)
    negative = run([entry(-1e-3)])
    zero = run([entry(1e-3)])
    zero["benchmarks"][0]["stats"].update(median=0.0, q1=0.0, q3=0.0, min=0.0)
    depth = 200_000
    return {
        "rounds-infinity.json": json.dumps(rounds),  # writes the literal Infinity
        "bytes-10e400.json": json.dumps(huge),
        "subnormal-baseline.json": json.dumps(tiny),
        "negative-time.json": json.dumps(negative),
        "zero-time.json": json.dumps(zero),
        "deeply-nested.json": "[" * depth + "]" * depth,
    }


def _later() -> Any:
    import datetime as dt

    return dt.datetime(2025, 4, 1, tzinfo=dt.UTC)


def test_each_hostile_file_is_skipped_by_name(
    fixture_history: SimpleNamespace, kit: SimpleNamespace, tmp_path: Path
) -> None:
    """The dashboard still builds and names each file; compare exits 0 or 2, never a traceback."""
    folder = fixture_history.root / kit.MACHINE_A / "hostile"
    folder.mkdir()
    documents = _hostile_documents(kit)
    for name, text in documents.items():
        (folder / name).write_text(text)
    site = tmp_path / "site"
    built = _benchkit("dashboard", "--results", str(fixture_history.root), "--out", str(site))
    assert built.returncode == 0, built.stderr
    assert "Traceback" not in built.stderr
    warnings = [line for line in built.stderr.splitlines() if "warning: skipped" in line]
    for name in documents:
        assert any(name in line for line in warnings), (name, built.stderr)
    index = (site / "data" / "index.js").read_text()
    for bad in ("Infinity", "NaN"):
        assert bad not in index
    for ref in ("latest", "f" * 8, "nope"):
        compared = _benchkit("compare", ref, "latest", "--results", str(fixture_history.root))
        assert compared.returncode in {0, 2}, compared
        assert "Traceback" not in compared.stderr
        if compared.returncode == 2:
            assert len(compared.stderr.strip().splitlines()) >= 1
            assert compared.stdout.strip().splitlines()[-1] == "verdict: ERROR, no verdict (exit 2)"


def test_an_unexpected_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """A results path that is a file: exit 2 with one error line, not 1 (regression) or a traceback."""
    results = tmp_path / "results"
    results.write_text("not a directory")
    compared = _benchkit("compare", "a", "b", "--results", str(results))
    assert compared.returncode == 2
    assert "Traceback" not in compared.stderr
    assert compared.stderr.startswith("benchkit: error: results directory")


def test_compare_refuses_two_machines_unless_told(
    fixture_history: SimpleNamespace, kit: SimpleNamespace
) -> None:
    """Exit 2 naming both machines and the ways out; --cross-machine compares anyway."""
    root = str(fixture_history.root)
    base = fixture_history.run_ids_a[-1]
    other = next(p.name for p in (fixture_history.root / kit.MACHINE_B).iterdir() if p.is_dir())
    refused = _benchkit("compare", base, other, "--results", root)
    assert refused.returncode == 2
    for needed in (kit.MACHINE_A, kit.MACHINE_B, "--machine", "--cross-machine"):
        assert needed in refused.stderr
    assert "Traceback" not in refused.stderr
    crossed = _benchkit("compare", base, other, "--results", root, "--cross-machine")
    assert crossed.returncode in {0, 1}
    assert "warning: the runs are from different machines" in crossed.stdout


def test_latest_means_the_latest_run_on_base_machine(
    fixture_history: SimpleNamespace, kit: SimpleNamespace
) -> None:
    """Machine B recorded last, yet `latest` against a run of A is A's latest run."""
    root = str(fixture_history.root)
    compared = _benchkit("compare", fixture_history.run_ids_a[0], "latest", "--results", root)
    assert compared.returncode in {0, 1}, compared.stderr
    assert f"head: {fixture_history.run_ids_a[-1]} ({kit.MACHINE_A}" in compared.stdout


def _site_is_complete(site: Path) -> None:
    assert (site / SITE_MARKER).is_file()
    for name in ("index.html", "assets/app.js", "assets/style.css", "assets/plotly.min.js"):
        assert (site / name).is_file(), name
    text = (site / "data" / "index.js").read_text()
    index = json.loads(text[text.index(",") + 1 : text.rindex(");")])
    for bench in index["benchmarks"]:
        assert (site / "data" / "bench" / f"{bench['id']}.js").is_file()
    for number in range(len(index["runs"])):
        assert (site / "data" / "runs" / f"{number}.js").is_file()
    for entry in index["ratio_machines"]:
        assert (site / "data" / f"{entry['data']}.js").is_file()


@pytest.mark.parametrize("attempt", range(4))
def test_two_concurrent_builds_leave_a_complete_site(
    fixture_history: SimpleNamespace, tmp_path: Path, attempt: int
) -> None:
    """Two dashboard processes into one folder, started together: both succeed, the site is whole."""
    site = tmp_path / "site"
    if attempt % 2:
        # Half the attempts race over an existing site, half over none.
        assert _benchkit("dashboard", "--results", str(fixture_history.root), "--out", str(site))
    command = [
        sys.executable,
        "-m",
        "benchkit",
        "dashboard",
        "--results",
        str(fixture_history.root),
        "--out",
        str(site),
    ]
    builds = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for build in builds:
        _, err = build.communicate(timeout=300)
        assert build.returncode == 0, err
    _site_is_complete(site)
    # Nothing is left beside the site: no staging folder, no old copy, no lock file.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []
