"""gpu-check: its report (JUnit counts, zarr's results, bandwidths), stages, limits, shared sites."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from monorepo import gpu_check
from monorepo.gpu_check import bandwidth_table, count_tests, read_commit, summary

MiB = 1 << 20


def _junit(tmp_path: Path) -> Path:
    """A JUnit report of a real pytest run: passes, a failure, a skip, in each part's files."""
    (tmp_path / "zarr").mkdir()
    (tmp_path / "zarr" / "test_zarr_gpu.py").write_text("def test_zarr():\n    pass\n")
    (tmp_path / "test_conformance.py").write_text(
        "import pytest\n\ndef test_a():\n    pass\n\ndef test_b():\n    pytest.skip('no device')\n"
    )
    (tmp_path / "test_gpu_device.py").write_text("def test_c():\n    assert 1 == 2\n")
    report = tmp_path / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}", "-q"],
        cwd=tmp_path,
        check=False,
        capture_output=True,
    )
    return report


def test_counts_are_split_into_device_conformance_and_zarr(tmp_path: Path) -> None:
    """Each part gets its passes, failures and skips; failures are named."""
    parts, failed = count_tests(_junit(tmp_path))
    assert (parts["conformance suite"].passed, parts["conformance suite"].skipped) == (1, 1)
    assert parts["zarr GPU adapter"].passed == 1
    assert parts["buffer-gpu tests"].failed == 1
    assert failed == ["test_gpu_device::test_c"]


def _bench(group: str, impl: str, median: float, nbytes: int) -> dict[str, object]:
    """One entry as pytest-benchmark writes it (the fields the summary reads)."""
    return {
        "group": group,
        "name": f"test[{impl}]",
        "extra_info": {"impl": impl, "bytes": nbytes},
        "stats": {"median": median, "mean": median},
    }


def test_bandwidths_and_targets_at_64_mib() -> None:
    """GB/s from bytes and median; ours against CuPy pinned (>= 0.8) and zarr (>= 2x)."""
    group = "host to device, 64 MiB"
    raw = {
        "benchmarks": [
            _bench(group, "cupy-pinned", 0.001, 64 * MiB),
            _bench(group, "ours", 0.00125, 64 * MiB),
            _bench(group, "zarr", 0.005, 64 * MiB),
            _bench("device to host, 64 MiB", "cupy-pinned", 0.001, 64 * MiB),
            _bench("device to host, 64 MiB", "ours", 0.002, 64 * MiB),
            _bench("wrap 1 GiB cupy array", "ours", 2e-6, 1 << 30),
            _bench("wrap 1 MiB cupy array", "ours", 1e-6, MiB),
        ]
    }
    lines = bandwidth_table(raw)
    ours_h2d = next(line for line in lines if group in line and " ours " in line)
    assert f"{64 * MiB / 0.00125 / 1e9:7.2f}" in ours_h2d
    assert "0.80" in ours_h2d  # of pinned
    assert "4.00" in ours_h2d  # x zarr
    assert ours_h2d.rstrip().endswith("met")
    ours_d2h = next(line for line in lines if "device to host" in line and " ours " in line)
    assert "MISSED" in ours_d2h
    assert any("NOT all met" in line for line in lines)
    assert any("wrap 1 GiB cupy array" in line and "2.0 us" in line for line in lines)
    assert any("wrap cupy: 1 GiB takes 2.00x the time of 1 MiB" in line for line in lines)


def test_summary_without_benchmarks_says_so(tmp_path: Path) -> None:
    """With no device the benchmarks record nothing, and the summary says why and which exit."""
    text = summary(_junit(tmp_path), None, 1, 5)
    assert "nothing recorded (suite exit 5)" in text
    assert "NO USABLE DEVICE" not in text
    text = summary(tmp_path / "report.xml", None, 0, 0, device_problem="no NVIDIA driver found")
    assert "NO USABLE DEVICE, so every device test skipped: no NVIDIA driver found" in text
    assert "FAILED test_gpu_device::test_c" in text


def test_commit_from_git_or_the_wheelhouse(tmp_path: Path) -> None:
    """In a git checkout the commit is HEAD's; in a copy without git, the wheelhouse's record."""
    root = Path(__file__).resolve().parents[2]
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert read_commit(root, None)[0] == head
    copy = tmp_path / "tree"
    copy.mkdir()
    wheelhouse = tmp_path / "wheels"
    wheelhouse.mkdir()
    (wheelhouse / "COMMIT").write_text("0123456789abcdef dirty\n")
    assert read_commit(copy, wheelhouse) == ("0123456789abcdef", True)
    assert read_commit(copy, None) == (None, False)


# --- the docstring, the stages and their time limits ------------------------------------------


def test_docstring_names_only_subcommands_that_exist(capsys: pytest.CaptureFixture[str]) -> None:
    """Every ``python -m monorepo.gpu_check X`` in the module docstring is a subcommand."""
    named = set(re.findall(r"python -m monorepo\.gpu_check (\w+)", gpu_check.__doc__ or ""))
    assert named == {"run", "record"}
    for command in named:
        with pytest.raises(SystemExit) as exit_:
            gpu_check.main([command, "--help"])
        assert exit_.value.code == 0
        assert f"gpu_check {command}" in capsys.readouterr().out


def test_stage_lines_are_numbered_in_order() -> None:
    """Progress lines say which of the four stages runs."""
    assert gpu_check.stage_line("install", "x") == "[gpu-check 1/4 install] x"
    assert gpu_check.stage_line("summary", "y") == "[gpu-check 4/4 summary] y"


def test_a_stage_past_its_limit_is_interrupted_and_pytest_still_reports(tmp_path: Path) -> None:
    """SIGINT at the limit: pytest stops, writes its JUnit XML, and the outcome says so."""
    (tmp_path / "test_slow.py").write_text(
        "import time\n\ndef test_fast():\n    pass\n\ndef test_slow():\n    time.sleep(60)\n"
    )
    report = tmp_path / "report.xml"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}"]
    outcome = gpu_check.run_part("tests", command, limit_s=8, cwd=tmp_path, grace_s=20)
    assert outcome.timed_out
    assert outcome.returncode != 0
    assert outcome.seconds < 25
    parts, _ = gpu_check.count_tests(report)
    assert parts["buffer-gpu tests"].passed == 1


def test_a_stage_within_its_limit_reports_its_exit(capsys: pytest.CaptureFixture[str]) -> None:
    """The command, its limit and its exit are printed; nothing is interrupted."""
    command = [sys.executable, "-c", "raise SystemExit(3)"]
    outcome = gpu_check.run_part("benchmarks", command, limit_s=60, cwd=Path.cwd())
    assert (outcome.returncode, outcome.timed_out) == (3, False)
    out = capsys.readouterr().out
    assert "[gpu-check 3/4 benchmarks]" in out
    assert "(limit 60 s)" in out
    assert "done: exit 3" in out


# --- zarr's own results ---------------------------------------------------------------------


def _junit_with_zarr_results(tmp_path: Path) -> Path:
    """A real pytest run whose tests record zarr's results the two ways the suites do."""
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "test_zarr_gpu.py").write_text(
        "def test_parity(request):\n"
        "    request.node.user_properties.append(('zarr-gpu-result', 'write fails in CuPy'))\n"
    )
    (tmp_path / "benchmarks" / "test_gpu_buffers.py").write_text(
        "import pytest\n\ndef test_wrap():\n"
        '    pytest.skip("zarr\'s result: cannot take a dlpack-only array: AttributeError")\n'
    )
    report = tmp_path / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}", "-q"],
        cwd=tmp_path,
        check=False,
        capture_output=True,
    )
    return report


def test_zarrs_results_are_listed_not_counted_as_failures(tmp_path: Path) -> None:
    """A recorded property and a skip naming zarr both reach the summary, as zarr's."""
    report = _junit_with_zarr_results(tmp_path)
    results = gpu_check.zarr_results(report)
    wrap = "zarr's result: cannot take a dlpack-only array: AttributeError"
    assert sorted(results) == [
        f"benchmarks.test_gpu_buffers::test_wrap: {wrap}",
        "test_zarr_gpu::test_parity: write fails in CuPy",
    ]
    (tmp_path / "x").mkdir()
    text = summary(_junit(tmp_path / "x"), None, 0, 0, bench_junit=report, timed_out=["tests"])
    assert "STOPPED at its time limit: tests" in text
    assert "zarr's own results" in text
    assert "write fails in CuPy" in text
    assert "benchmarks               0 passed    0 failed    1 skipped" in text


def test_a_benchmarks_zarr_note_reaches_the_table() -> None:
    """extra_info["zarr_result"] of a recorded benchmark is listed under zarr's results."""
    entry = _bench("combine 1000 x 1 KiB host buffers", "zarr", 0.01, 1000 * 1024)
    entry["extra_info"] = {"impl": "zarr", "zarr_result": "ZarrUserWarning: slow copy"}
    lines = bandwidth_table({"benchmarks": [entry]})
    assert "  combine 1000 x 1 KiB host buffers (zarr): ZarrUserWarning: slow copy" in lines


# --- what the session shares and installs ----------------------------------------------------


def _fake_site(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, user_enabled: bool
) -> dict[str, str]:
    folders = {name: str(tmp_path / name) for name in ("purelib", "platlib", "system", "user")}
    for folder in folders.values():
        Path(folder).mkdir()
    paths = {"purelib": folders["purelib"], "platlib": folders["platlib"]}
    monkeypatch.setattr(gpu_check.sysconfig, "get_paths", lambda: paths)
    monkeypatch.setattr(gpu_check.site, "getsitepackages", lambda: [folders["system"]])
    monkeypatch.setattr(gpu_check.site, "getusersitepackages", lambda: folders["user"])
    monkeypatch.setattr(gpu_check.site, "ENABLE_USER_SITE", user_enabled)
    return folders


def test_the_user_site_comes_first_where_python_enables_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """pip install --user on the Python running nox: its user site leads, as in Python."""
    f = _fake_site(monkeypatch, tmp_path, user_enabled=True)
    expected = [f["user"], f["purelib"], f["platlib"], f["system"]]
    assert gpu_check.shared_site_folders() == expected


def test_the_user_site_comes_last_from_a_virtualenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """nox in a venv (pipx, a GPU image): the user site only fills in; missing folders drop."""
    f = _fake_site(monkeypatch, tmp_path, user_enabled=False)
    Path(f["platlib"]).rmdir()
    assert gpu_check.shared_site_folders() == [f["purelib"], f["system"], f["user"]]


def test_a_user_site_package_is_importable_in_the_session_venv(tmp_path: Path) -> None:
    """End to end on the CPU: a package in the user site imports in a venv given the .pth."""
    env = {**os.environ, "PYTHONUSERBASE": str(tmp_path / "userbase")}
    env.pop("PYTHONNOUSERSITE", None)
    tools = Path(gpu_check.__file__).resolve().parents[1]
    probe = (
        f"import sys; sys.path.insert(0, {str(tools)!r}); import site\n"
        "from monorepo.gpu_check import shared_site_folders, site_pth_text\n"
        "print(site.getusersitepackages()); print(site_pth_text(shared_site_folders()), end='')"
    )
    user_site = subprocess.run(
        [sys.executable, "-c", probe.replace("print(site_pth", "0 and print(site_pth")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    package = Path(user_site) / "gpu_check_user_probe"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("WHERE = 'user site'\n")
    lines = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert f"import site; site.addsitedir({user_site!r})" in lines[1:]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "_gpu_check_system_site.pth").write_text("\n".join(lines[1:]) + "\n")
    found = subprocess.run(
        [python, "-c", "import gpu_check_user_probe as p; print(p.WHERE)"],
        env={**env, "PYTHONNOUSERSITE": "1"},  # found through the .pth, not the venv's own site
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.stdout.strip() == "user site", found.stderr


def test_the_wheelhouse_gets_every_third_party_requirement_of_the_packages() -> None:
    """gpu-wheels downloads what the packages require, read from their pyproject files."""
    root = Path(__file__).resolve().parents[2]
    specs = ["buffer-core[testing]", "buffer-cpu", "buffer-gpu[zarr]"]
    found = gpu_check.third_party_requirements(root, specs)
    assert not [r for r in found if r.startswith("buffer-")]
    names = {re.match(r"[A-Za-z0-9._-]+", r).group(0).lower() for r in found}  # type: ignore[union-attr]
    assert {"numpy", "pytest", "hypothesis", "zarr"} <= names


def test_requirements_follow_our_own_packages_and_their_extras(tmp_path: Path) -> None:
    """A package of ours that requires another with an extra brings that extra's needs."""
    for name, body in {
        "a": 'dependencies = ["b[x]>=1", "six"]\n',
        "b": 'dependencies = ["attrs"]\n[project.optional-dependencies]\nx = ["idna; python_version >= \'3\'"]\n',
    }.items():
        (tmp_path / "packages" / name).mkdir(parents=True)
        (tmp_path / "packages" / name / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\n{body}'
        )
    found = gpu_check.third_party_requirements(tmp_path, ["a"])
    assert found == ["six", "attrs", "idna; python_version >= '3'"]
