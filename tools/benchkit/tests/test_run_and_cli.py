"""benchkit run end to end: a real pytest-benchmark suite, the plugin, the recorder."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchkit.cli import main
from benchkit.history import load_history
from benchkit.machine import collect_machine_facts, machine_key
from benchkit.site import commit_url_from_remote

SUITE = """
import pytest

@pytest.mark.parametrize("impl", ["ours", "zarr"])
def test_sum(benchmark, impl):
    benchmark.group = "sum of 1000"
    benchmark.extra_info["impl"] = impl
    assert benchmark(sum, range(1000)) == 499500
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository with one committed benchmark suite."""
    root = tmp_path / "proj"
    (root / "benchmarks").mkdir(parents=True)
    (root / "benchmarks" / "test_sum.py").write_text(SUITE)
    (root / "pytest.ini").write_text("[pytest]\n")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
    }
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "."],
        ["git", "commit", "-qm", "Add <b>sum</b> benchmark"],
    ):
        subprocess.run(command, cwd=root, check=True, env=env)
    return root


def test_run_records_one_file_per_package_with_machine_and_commit(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two runs of a real suite: two files under this machine's key, enriched by the plugin."""
    monkeypatch.chdir(project)
    args = [
        "run",
        "--results",
        "results",
        "--suite",
        "demo",
        "benchmarks",
        "cpu",
        "--benchmark-min-rounds=3",
        "--benchmark-max-time=0.01",
    ]
    assert main(args) == 0
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "suite 1/1 demo on cpu" in out
    assert "against the previous run here" in out
    key = machine_key(collect_machine_facts())
    files = sorted((project / "results").rglob("*.json"))
    assert len(files) == 2
    assert all(f.parent.parent.name == key and f.name == "demo.json" for f in files)
    stored = json.loads(files[0].read_text())
    info = stored["machine_info"]
    assert info["machine_key"] == key
    assert info["cpu_cores"] >= 1
    assert "numpy_version" in info
    assert stored["commit_info"]["message"] == "Add <b>sum</b> benchmark"
    assert all("data" not in b["stats"] for b in stored["benchmarks"])
    history = load_history(project / "results")
    assert len(history.runs) == 2
    assert {r.impl for r in history.runs[0].results.values()} == {"ours", "zarr"}
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, check=True, capture_output=True, text=True
    ).stdout.strip()
    assert history.runs[0].run_id.split("-")[1] == head[:10]


def test_failing_suite_exits_one_and_keeps_passing_results(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing benchmark fails the command; the benchmarks that ran are still stored."""
    (project / "benchmarks" / "test_bad.py").write_text(
        "def test_bad(benchmark):\n    benchmark(int, '1')\n    raise RuntimeError('broken')\n"
    )
    monkeypatch.chdir(project)
    assert (
        main(
            [
                "run",
                "--results",
                "r",
                "--suite",
                "demo",
                "benchmarks",
                "cpu",
                "--benchmark-max-time=0.01",
            ]
        )
        == 1
    )
    (stored,) = (project / "r").rglob("*.json")
    assert len(json.loads(stored.read_text())["benchmarks"]) >= 2


def test_a_failing_logged_suite_shows_its_failure(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --log-dir the failure's last lines still reach the console, with the log's path."""
    (project / "benchmarks" / "test_bad.py").write_text(
        "def test_bad(benchmark):\n    benchmark(int, '1')\n    raise RuntimeError('broken')\n"
    )
    monkeypatch.chdir(project)
    args = ["run", "--results", "r", "--log-dir", "logs", "--suite", "demo", "benchmarks", "cpu"]
    assert main([*args, "--benchmark-max-time=0.01"]) == 1
    out = capsys.readouterr().out
    assert "FAILED benchmarks/test_bad.py::test_bad - RuntimeError: broken" in out
    assert "demo: pytest exited 1; the whole output is in logs/" in out


def test_dashboard_command_builds_and_warns(
    fixture_history: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """benchkit dashboard writes the site, names skipped files and prints where it is."""
    out = tmp_path / "site"
    assert main(["dashboard", "--results", str(fixture_history.root), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert f"open {(out / 'index.html').resolve().as_uri()}" in captured.out
    assert "4 file(s) skipped" in captured.out
    assert f"skipped {fixture_history.broken['garbage']}: not UTF-8 text" in captured.err


def test_machine_command_prints_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    """benchkit machine prints this machine's facts and key as JSON."""
    assert main(["machine"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["machine_key"] == machine_key(collect_machine_facts())


def test_unknown_options_are_refused_outside_run(capsys: pytest.CaptureFixture[str]) -> None:
    """Only `run` forwards unknown options (to pytest); elsewhere they are errors."""
    with pytest.raises(SystemExit) as exit_:
        main(["dashboard", "--bogus"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_run_with_a_log_shows_progress_and_ends_with_the_summary(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--log-dir: pytest's tables go to the log, the console gets a bar, the site and a summary."""
    monkeypatch.chdir(project)
    args = [
        "run",
        "--results",
        "results",
        "--log-dir",
        "logs",
        "--site",
        "site",
        "--commit-url",
        "none",
        "--suite",
        "demo",
        "benchmarks",
        "cpu",
        "--benchmark-min-rounds=3",
        "--benchmark-max-time=0.01",
    ]
    assert main(args) == 0
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "suite 1/1 demo on cpu [##############################] 2/2" in out
    assert "record: 2 benchmarks of demo -> results/" in out
    assert "dashboard: 2 runs, 1 charts of 2 benchmarks" in out
    assert "against the previous run here (commit " in out
    assert out.rstrip().splitlines()[-1].startswith("  full pytest-benchmark tables: logs/")
    # The tables are in the log, not on the console.
    (log, *_) = sorted((project / "logs").glob("*.log"))
    assert "benchmark 'sum of 1000'" in log.read_text()
    assert "benchmark 'sum of 1000'" not in out
    assert (project / "site" / "index.html").is_file()


@pytest.mark.parametrize(
    ("remote", "template"),
    [
        ("git@github.com:owner/repo.git", "https://github.com/owner/repo/commit/{commit}"),
        ("https://github.com/owner/repo", "https://github.com/owner/repo/commit/{commit}"),
        ("https://gitlab.com/g/sub/repo.git", "https://gitlab.com/g/sub/repo/-/commit/{commit}"),
        ("https://example.org/repo.git", None),
    ],
)
def test_commit_links_come_from_the_origin_remote(
    project: Path, remote: str, template: str | None
) -> None:
    """GitHub and GitLab remotes become commit link templates; other hosts give none."""
    assert commit_url_from_remote(project) is None  # no remote yet
    subprocess.run(["git", "remote", "add", "origin", remote], cwd=project, check=True)
    assert commit_url_from_remote(project) == template


def test_commit_url_environment_variable_overrides_the_remote(
    fixture_history: SimpleNamespace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """BENCHKIT_COMMIT_URL sets the template; 'none' turns the links off."""
    out = tmp_path / "site"
    root = str(fixture_history.root)
    monkeypatch.setenv("BENCHKIT_COMMIT_URL", "https://code.example/c/{commit}")
    assert main(["dashboard", "--results", root, "--out", str(out)]) == 0
    assert "https://code.example/c/{commit}" in (out / "data" / "index.js").read_text()
    monkeypatch.setenv("BENCHKIT_COMMIT_URL", "none")
    assert main(["dashboard", "--results", root, "--out", str(out)]) == 0
    assert '"commit_url":null' in (out / "data" / "index.js").read_text()


@pytest.mark.parametrize(
    ("args", "partial"),
    [
        ([], False),
        (["-q", "--benchmark-min-rounds=3"], False),
        (["-k", "all_equal"], True),
        (["-kall_equal"], True),
        (["-m", "not slow"], True),
        (["--deselect=x.py::t"], True),
        (["-x"], True),
    ],
)
def test_selection_of_marks_runs_that_choose_some_benchmarks(
    args: list[str], partial: bool
) -> None:
    """pytest options that leave benchmarks out make the run partial, with the options named."""
    from benchkit.suites import selection_of

    assert (selection_of(args) is not None) == partial
    if partial:
        assert selection_of(args) == " ".join(args)


def test_a_selection_that_leaves_a_suite_nothing_is_not_a_failure(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """-k matching nothing in a suite (warnings as errors, as in this repository): exit 0, no record."""
    (project / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    monkeypatch.chdir(project)
    args = ["run", "--results", "results", "--suite", "demo", "benchmarks", "cpu"]
    assert main([*args, "-k", "matches_nothing"]) == 0
    assert "nothing recorded (pytest exit 5)" in capsys.readouterr().out
    assert not (project / "results").exists() or not any((project / "results").rglob("*.json"))
