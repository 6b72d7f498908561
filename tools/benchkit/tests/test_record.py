"""Recording runs: names that never collide, atomic no-clobber writes, small files."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchkit.record import atomic_write_new, new_run_id, store_run_file, strip_samples

WHEN = dt.datetime(2025, 5, 4, 3, 2, 1, tzinfo=dt.UTC)


def _raw(kit: SimpleNamespace, key: str = "machine-x") -> dict[str, object]:
    entry = kit.bench_entry("packages/p/benchmarks/test_a.py::test_a[ours]", 1e-3, impl="ours")
    return kit.raw_run([entry], machine_key=key, commit="ab" * 20, when=WHEN)


def test_run_id_carries_time_commit_and_dirty_flag() -> None:
    """The id sorts by UTC time and names the commit, the dirty state and a random tail."""
    run_id = new_run_id("ABCDEF0123456789", dirty=True, now=WHEN)
    assert re.fullmatch(r"20250504T030201Z-abcdef0123-dirty-[0-9a-f]{4}", run_id)
    assert new_run_id(None, now=WHEN).startswith("20250504T030201Z-nocommit-")


def test_run_ids_in_the_same_second_differ() -> None:
    """Two runs started in the same second get different ids."""
    assert len({new_run_id("abcd", now=WHEN) for _ in range(50)}) > 45


def test_run_id_rejects_a_non_hex_commit() -> None:
    """A commit that is not a git hash is refused with the argument named."""
    with pytest.raises(ValueError, match="commit must be a hexadecimal git hash"):
        new_run_id("../etc", now=WHEN)


def test_store_writes_under_machine_key_and_run_id(tmp_path: Path, kit: SimpleNamespace) -> None:
    """The file lands at <results>/<machine-key>/<run-id>/<package>.json with our metadata."""
    path = store_run_file(tmp_path, _raw(kit), run_id="r1", package="buffer-cpu", device="cpu")
    assert path == tmp_path / "machine-x" / "r1" / "buffer-cpu.json"
    stored = json.loads(path.read_text())
    assert stored["benchkit"] == {
        "schema": 1,
        "run_id": "r1",
        "package": "buffer-cpu",
        "device": "cpu",
        "machine_key": "machine-x",
    }
    assert "data" not in stored["benchmarks"][0]["stats"]
    assert stored["benchmarks"][0]["stats"]["median"] == 1e-3
    assert path.stat().st_mode & 0o777 == 0o644
    assert not list(path.parent.glob(".*.tmp"))


def test_keep_samples_keeps_the_rounds(tmp_path: Path, kit: SimpleNamespace) -> None:
    """keep_samples=True stores stats.data unchanged."""
    path = store_run_file(
        tmp_path, _raw(kit), run_id="r1", package="p", device="cpu", keep_samples=True
    )
    assert len(json.loads(path.read_text())["benchmarks"][0]["stats"]["data"]) == 20


def test_strip_samples_leaves_the_input_alone(kit: SimpleNamespace) -> None:
    """strip_samples returns a copy; the caller's document keeps its data."""
    raw = _raw(kit)
    stripped = strip_samples(raw)
    assert "data" in raw["benchmarks"][0]["stats"]  # type: ignore[index]
    assert "data" not in stripped["benchmarks"][0]["stats"]


def test_without_machine_key_this_machine_is_used(tmp_path: Path, kit: SimpleNamespace) -> None:
    """A document recorded without the plugin is filed under this machine's probed key."""
    raw = _raw(kit)
    del raw["machine_info"]["machine_key"]  # type: ignore[attr-defined]
    path = store_run_file(tmp_path, raw, run_id="r1", package="p", device="cpu")
    stored = json.loads(path.read_text())
    assert path.parts[-3] == stored["machine_info"]["machine_key"]
    assert stored["machine_info"]["cpu_cores"] >= 1


def test_an_existing_file_is_never_replaced(tmp_path: Path, kit: SimpleNamespace) -> None:
    """Storing the same run id and package twice fails instead of overwriting."""
    store_run_file(tmp_path, _raw(kit), run_id="r1", package="p", device="cpu")
    with pytest.raises(FileExistsError):
        store_run_file(tmp_path, _raw(kit), run_id="r1", package="p", device="cpu")
    assert not list((tmp_path / "machine-x" / "r1").glob(".*.tmp"))


def test_concurrent_runs_do_not_clobber(tmp_path: Path, kit: SimpleNamespace) -> None:
    """Eight threads storing at once leave eight complete, valid files."""
    ids = [new_run_id("abcd", now=WHEN) for _ in range(8)]
    assert len(set(ids)) == 8
    barrier = threading.Barrier(len(ids))

    def store(run_id: str) -> None:
        barrier.wait()
        store_run_file(tmp_path, _raw(kit), run_id=run_id, package="p", device="cpu")

    threads = [threading.Thread(target=store, args=(run_id,)) for run_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    files = sorted((tmp_path / "machine-x").rglob("*.json"))
    assert [f.parent.name for f in files] == sorted(ids)
    assert all(json.loads(f.read_text())["benchkit"]["run_id"] == f.parent.name for f in files)


def test_atomic_write_publishes_whole_content(tmp_path: Path) -> None:
    """The target appears with its full content and no temporary file remains."""
    target = tmp_path / "a" / "b.json"
    atomic_write_new(target, "x" * 100_000)
    assert target.read_text() == "x" * 100_000
    assert [p.name for p in target.parent.iterdir()] == ["b.json"]


@pytest.mark.parametrize(
    ("field", "value"), [("run_id", "../up"), ("package", "a/b"), ("device", "")]
)
def test_path_parts_are_validated(
    tmp_path: Path, kit: SimpleNamespace, field: str, value: str
) -> None:
    """run_id, package and device must each be one safe path part."""
    kwargs = {"run_id": "r1", "package": "p", "device": "cpu", field: value}
    with pytest.raises(ValueError, match=f"{field} must be letters"):
        store_run_file(tmp_path, _raw(kit), **kwargs)


def test_non_benchmark_document_is_a_type_error(tmp_path: Path) -> None:
    """A dict without a benchmarks list is refused."""
    with pytest.raises(TypeError, match="raw must be pytest-benchmark JSON"):
        store_run_file(tmp_path, {"foo": 1}, run_id="r1", package="p", device="cpu")
