"""gpu-check's report: test counts from pytest's JUnit XML, bandwidths and targets, the commit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    """With no device the benchmarks record nothing, and the summary says which exit code."""
    text = summary(_junit(tmp_path), None, 1, 5)
    assert "nothing recorded (suite exit 5)" in text
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
