"""Shared pieces of the zarr-python tests: running one workload twice and comparing.

Every workload runs once with ``buffer_cpu.zarr.buffer_prototype`` and once with
zarr's own host prototype; the tests then require identical results element
for element and identical bytes in the store. Nothing here imports zarr at
import time, so that the plain test sessions (without the ``zarr`` extra)
can still collect this directory and skip it.
"""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest


@dataclass
class Run:
    """What one workload left behind: what it read, and the store's bytes."""

    reads: list[Any] = field(default_factory=list)
    stored: dict[str, bytes] = field(default_factory=dict)
    #: Classes of the chunk buffers the store handed back on reads.
    read_types: set[type] = field(default_factory=set)
    #: Classes of the chunk buffers the codecs handed to a MemoryStore on writes.
    written_types: set[type] = field(default_factory=set)


def stored_bytes(kind: str, location: Any) -> dict[str, bytes]:
    """Every key of a store and its bytes, read back without zarr."""
    if kind == "memory":
        return {key: value.to_bytes() for key, value in location.items()}
    if kind == "local":
        root = Path(location)
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }
    with zipfile.ZipFile(location) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def assert_identical(ours: Any, theirs: Any) -> None:
    """Same dtype, shape and elements; floats compared bit for bit (NaN, -0.0)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.dtype == theirs.dtype
    assert ours.shape == theirs.shape
    if ours.dtype.kind in "fc":
        width = f"u{ours.dtype.itemsize // (2 if ours.dtype.kind == 'c' else 1)}"
        assert np.array_equal(ours.view(width), theirs.view(width))
    else:
        assert np.array_equal(ours, theirs)


@pytest.fixture
def zarr_module() -> Any:
    return pytest.importorskip("zarr", reason="needs zarr-python (the buffer-cpu[zarr] extra)")


@pytest.fixture
def ours(zarr_module: Any) -> Any:
    import buffer_cpu.zarr

    return buffer_cpu.zarr.buffer_prototype


@pytest.fixture
def theirs(zarr_module: Any) -> Any:
    import zarr.core.buffer.cpu

    return zarr.core.buffer.cpu.buffer_prototype


@pytest.fixture
def open_store(tmp_path: Path, zarr_module: Any) -> Iterator[Callable[..., Any]]:
    """``open_store(kind, name, mode)``: a MemoryStore, LocalStore or ZipStore, closed at the end."""
    from zarr.storage import LocalStore, MemoryStore, ZipStore

    dicts: dict[str, MutableMapping[str, Any]] = {}
    opened: list[Any] = []

    def open_(kind: str, name: str, mode: str = "w") -> tuple[Any, Any]:
        if kind == "memory":
            store_dict = dicts.setdefault(name, {})
            return MemoryStore(store_dict=store_dict, read_only=mode == "r"), store_dict
        if kind == "local":
            root = tmp_path / name
            return LocalStore(root, read_only=mode == "r"), root
        path = tmp_path / f"{name}.zip"
        store = ZipStore(path, mode=mode)
        opened.append(store)
        return store, path

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def run_workload(open_store: Callable[..., Any], zarr_module: Any) -> Callable[..., Run]:
    """Create an array, apply ``steps`` with one prototype, reopen it read-only and read it whole.

    ``steps`` are ``("set", selection, value)``, ``("set_orthogonal", selection, value)``,
    ``("get", selection)`` or ``("get_orthogonal", selection)``. ``how`` says how the
    prototype is chosen: ``"per-call"`` passes ``prototype=`` to every call, ``"default"``
    makes it zarr's process default through ``zarr.config`` and passes nothing, ``"both"``
    does both (zarr's sharding codec requires the per-call prototype to be the default).
    """
    zarr = zarr_module

    def run(
        kind: str,
        name: str,
        prototype: Any,
        array: dict[str, Any],
        steps: list[tuple[Any, ...]],
        how: str = "per-call",
    ) -> Run:
        default = {
            "buffer": qualified_name(prototype.buffer),
            "ndbuffer": qualified_name(prototype.nd_buffer),
        }
        with zarr.config.set(default if how != "per-call" else {}):
            if how != "per-call":
                assert zarr.core.buffer.default_buffer_prototype() == prototype
            return run_in_config(kind, name, prototype if how != "default" else None, array, steps)

    def run_in_config(
        kind: str, name: str, prototype: Any, array: dict[str, Any], steps: list[tuple[Any, ...]]
    ) -> Run:
        result = Run()
        store, location = open_store(kind, name, "w")
        arr = zarr.create_array(store=store, **array)

        for op, selection, *value in steps:
            if op == "set":
                arr.set_basic_selection(selection, value[0], prototype=prototype)
            elif op == "set_orthogonal":
                arr.set_orthogonal_selection(selection, value[0], prototype=prototype)
            elif op == "get":
                result.reads.append(arr.get_basic_selection(selection, prototype=prototype))
            else:
                result.reads.append(arr.get_orthogonal_selection(selection, prototype=prototype))
        if kind == "zip":
            store.close()
            store, location = open_store(kind, name, "r")
        reopened = zarr.open_array(store, mode="r")
        result.reads.append(reopened.get_basic_selection(..., prototype=prototype))
        if kind == "memory":
            result.written_types = {
                type(v) for key, v in location.items() if not key.endswith("zarr.json")
            }
        for key in asyncio.run(_list_keys(store)):
            if not key.endswith("zarr.json"):
                found = asyncio.run(
                    store.get(
                        key,
                        prototype=zarr.core.buffer.default_buffer_prototype()
                        if prototype is None
                        else prototype,
                    )
                )
                result.read_types.add(type(found))
        result.stored = stored_bytes(kind, location)
        return result

    return run


def qualified_name(cls: type) -> str:
    """The name zarr's registry knows a buffer class by."""
    return f"{cls.__module__}.{cls.__qualname__}"


async def _list_keys(store: Any) -> list[str]:
    return [key async for key in store.list()]


@pytest.fixture
def compare(run_workload: Callable[..., Run], ours: Any, theirs: Any) -> Callable[..., Run]:
    """Run a workload with our prototype and with zarr's; require identical reads and bytes."""

    def compare_(
        array: dict[str, Any],
        steps: list[tuple[Any, ...]],
        kind: str = "memory",
        how: str = "per-call",
        canonical: Callable[[bytes], bytes] | None = None,
    ) -> Run:
        """``canonical`` maps each chunk's bytes to the part that must match (default: all)."""
        mine = run_workload(kind, "ours", ours, array, steps, how)
        reference = run_workload(kind, "theirs", theirs, array, steps, how)
        assert len(mine.reads) == len(reference.reads)
        for got, expected in zip(mine.reads, reference.reads, strict=True):
            assert_identical(got, expected)
        if canonical is None:
            assert mine.stored == reference.stored
        else:
            assert mine.stored.keys() == reference.stored.keys()
            for key, value in mine.stored.items():
                assert canonical(value) == canonical(reference.stored[key]), key
        if any(not key.endswith("zarr.json") for key in mine.stored):
            # The stores held and returned our buffers, and the reference run really
            # used zarr's: the comparison is between the two implementations.
            assert mine.read_types == {ours.buffer}
            assert reference.read_types == {theirs.buffer}
            if kind == "memory":
                assert mine.written_types == {ours.buffer}
        return mine

    return compare_
