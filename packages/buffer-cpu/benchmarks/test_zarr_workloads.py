"""zarr-python workloads end to end: zarr's own host buffers against ours, in one run.

Every workload goes through zarr's public API only; the buffers are switched
with ``zarr.config.set`` (``impl`` "zarr": zarr's default classes, "ours":
``buffer_cpu.zarr``). Arrays are 4096 x 4096 float64 (128 MiB), made once per
session; the arrays the reads read are written once and read by both sides.
Each workload runs on a MemoryStore and on a LocalStore in a temporary
directory, without a compressor, with zstd and with Blosc (where numcodecs
has it).

Targets (read from the report, never asserted on time): every write at least
1.2x faster with ours, every read at least as fast. ``extra_info["bytes"]`` is
the array data one call moves, so a median converts to GB/s.

Beside this file: ``zarr_ratios.py`` prints the ratio table of a recorded run,
``profile_zarr_workloads.py`` runs the same workloads under py-spy and prints
where their time goes, and ``compare_zarr_workloads.py`` times both sides
round by round, the cross-check on a busy machine.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

zarr = pytest.importorskip("zarr", reason="zarr is not installed: no end-to-end workloads")
from zarr.buffer import default_buffer_prototype
from zarr.codecs import ZstdCodec
from zarr.storage import LocalStore, MemoryStore

SHAPE = (4096, 4096)
DTYPE = np.dtype("f8")
ARRAY_BYTES = math.prod(SHAPE) * DTYPE.itemsize  # 128 MiB
CHUNKS = (256, 256)  # 512 KiB chunks, 256 of them
# 128 KiB inner chunks in 8 MiB shards: 16 shards of 64 chunks each.
SHARDS = (1024, 1024)
SHARD_CHUNKS = (128, 128)
# A region that cuts chunks (and inner chunks) on every side.
REGION = (slice(100, 3000), slice(77, 2900))
# Parts of nine shards, cutting inner chunks on every side.
SHARD_REGION = (slice(1000, 2100), slice(900, 2100))

# Rounds per benchmark: enough for a median, few enough that the suite stays
# within minutes on two cores. The first, untimed call also sizes the rest.
ROUND_BUDGET_S = 0.6
MIN_ROUNDS, MAX_ROUNDS = 3, 9

HAS_BLOSC = importlib.util.find_spec("numcodecs.blosc") is not None
CODECS = ["none", "zstd", "blosc"] if HAS_BLOSC else ["none", "zstd"]
STORES = ["memory", "local"]
IMPLS = ["zarr", "ours"]
CASES = [
    pytest.param(store, codec, impl, id=f"{store}-{codec}-{impl}")
    for store in STORES
    for codec in CODECS
    for impl in IMPLS
]

#: The buffer classes each side configures; zarr's are its own defaults, so
#: ZARR_BUFFER/ZARR_NDBUFFER in the environment cannot turn the baseline into ours.
BUFFER_CONFIG = {
    "zarr": {key: zarr.config.defaults[0][key] for key in ("buffer", "ndbuffer")},
    "ours": {"buffer": "buffer_cpu.zarr.Buffer", "ndbuffer": "buffer_cpu.zarr.NDBuffer"},
}


def compressors(codec: str) -> Any:
    """zarr's compressor codecs for a codec name (``None``: none at all)."""
    if codec == "none":
        return None
    if codec == "zstd":
        return [ZstdCodec()]  # zstd's default level (3)
    from zarr.codecs import BloscCodec  # noqa: PLC0415  # needs numcodecs.blosc

    # LZ4 inside Blosc with byte shuffle (numcodecs' Blosc default), the fast
    # counterpart of the zstd case above.
    return [BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")]


def make_dense() -> np.ndarray[Any, Any]:
    """A smooth field with noise, stored to two decimals: compressible like measurements."""
    rows, cols = np.ogrid[0 : SHAPE[0], 0 : SHAPE[1]]
    field = 15.0 + 20.0 * np.sin(cols / 300.0) * np.cos(rows / 200.0)
    noise = np.random.default_rng(0).normal(0.0, 0.5, SHAPE)
    return np.round(field + noise, 2)


def make_mostly_empty(dense: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Zeros (the fill value) but for the first row of chunks: 1/16 of the chunks hold data."""
    data = np.zeros(SHAPE, dtype=DTYPE)
    data[: CHUNKS[0]] = dense[: CHUNKS[0]]
    return data


def open_store(kind: str, path: Path) -> Any:
    return MemoryStore() if kind == "memory" else LocalStore(path)


def create_array(store: Any, codec: str, *, sharded: bool) -> Any:
    """An empty array as the workloads write it: fill value 0.0, empty chunks not stored."""
    return zarr.create_array(
        store,
        shape=SHAPE,
        dtype=DTYPE,
        chunks=SHARD_CHUNKS if sharded else CHUNKS,
        shards=SHARDS if sharded else None,
        compressors=compressors(codec),
        fill_value=0.0,
        # zarr's default as well; stated because the mostly-empty write depends on it.
        config={"write_empty_chunks": False},
    )


def selection_bytes(selection: Any) -> int:
    """Bytes of array data a selection of the benchmark array covers."""
    return int(np.empty(SHAPE, dtype="B")[selection].size) * DTYPE.itemsize


@dataclass
class Workloads:
    """The data, made once, and a scratch directory for LocalStores."""

    dense: np.ndarray[Any, Any]
    mostly_empty: np.ndarray[Any, Any]
    scratch: Path
    _made: int = 0

    def new_path(self) -> Path:
        self._made += 1
        return self.scratch / f"array-{self._made}"

    def fresh_array(self, store: str, codec: str, *, sharded: bool) -> Callable[[], Any]:
        """A setup function that makes a new empty array, discarding the previous one."""
        previous: list[Path] = []

        def setup() -> Any:
            for path in previous:
                shutil.rmtree(path, ignore_errors=True)
            previous.clear()
            path = self.new_path()
            previous.append(path)
            return create_array(open_store(store, path), codec, sharded=sharded)

        return setup


@pytest.fixture(scope="session")
def workloads(tmp_path_factory: pytest.TempPathFactory) -> Workloads:
    dense = make_dense()
    return Workloads(dense, make_mostly_empty(dense), tmp_path_factory.mktemp("zarr-workloads"))


@pytest.fixture(scope="session")
def written(workloads: Workloads) -> Iterator[Callable[[str, str, bool], Any]]:
    """The dense array written once per store, codec and layout, for the reads.

    The read cases run store by store and codec by codec, so only the arrays
    of the current store and codec are kept: both sides read the same array.
    """
    kept: dict[tuple[str, str, bool], tuple[Any, Path]] = {}

    def get(store: str, codec: str, sharded: bool) -> Any:
        for key in [key for key in kept if key[:2] != (store, codec)]:
            shutil.rmtree(kept.pop(key)[1], ignore_errors=True)
        key = (store, codec, sharded)
        if key not in kept:
            path = workloads.new_path()
            array = create_array(open_store(store, path), codec, sharded=sharded)
            array[...] = workloads.dense
            kept[key] = (array, path)
        return kept[key][0]

    yield get
    for _, path in kept.values():
        shutil.rmtree(path, ignore_errors=True)


def measure(
    benchmark: Any,
    impl: str,
    target: Callable[..., Any],
    *,
    nbytes: int,
    setup: Callable[[], Any] | None = None,
) -> Any:
    """Time ``target`` (given what ``setup`` returns, untimed) with ``impl``'s buffers.

    One untimed call first, which also decides the number of rounds.
    """
    benchmark.extra_info["impl"] = impl
    benchmark.extra_info["bytes"] = nbytes
    with zarr.config.set(BUFFER_CONFIG[impl]):
        args = () if setup is None else (setup(),)
        start = time.perf_counter()
        target(*args)
        once = time.perf_counter() - start
        rounds = max(MIN_ROUNDS, min(MAX_ROUNDS, math.ceil(ROUND_BUDGET_S / max(once, 1e-9))))
        wrapped_setup = None if setup is None else (lambda: ((setup(),), {}))
        return benchmark.pedantic(target, setup=wrapped_setup, rounds=rounds, iterations=1)


# --- writes ------------------------------------------------------------------------------------


def measure_write(
    benchmark: Any,
    workloads: Workloads,
    store: str,
    codec: str,
    impl: str,
    *,
    data: Any,
    sharded: bool,
) -> Any:
    """Time writing all of ``data`` into a fresh array (made untimed before each round)."""

    def write(array: Any) -> Any:
        array[...] = data
        return array

    return measure(
        benchmark,
        impl,
        write,
        nbytes=ARRAY_BYTES,
        setup=workloads.fresh_array(store, codec, sharded=sharded),
    )


@pytest.mark.parametrize(("store", "codec", "impl"), CASES)
def test_write_dense(
    benchmark: Any, workloads: Workloads, store: str, codec: str, impl: str
) -> None:
    """Every chunk written, none of them fill value."""
    benchmark.group = f"zarr write, dense, {store}, {codec}"
    args = (benchmark, workloads, store, codec, impl)
    array = measure_write(*args, data=workloads.dense, sharded=False)
    assert array.nchunks_initialized == array.nchunks


@pytest.mark.parametrize(("store", "codec", "impl"), CASES)
def test_write_mostly_empty(
    benchmark: Any, workloads: Workloads, store: str, codec: str, impl: str
) -> None:
    """15 of 16 chunks are all fill value: each is checked and skipped (write_empty_chunks=False)."""
    benchmark.group = f"zarr write, mostly empty, {store}, {codec}"
    args = (benchmark, workloads, store, codec, impl)
    array = measure_write(*args, data=workloads.mostly_empty, sharded=False)
    assert array.nchunks_initialized == array.nchunks // 16


@pytest.mark.parametrize(("store", "codec", "impl"), CASES)
def test_write_sharded(
    benchmark: Any, workloads: Workloads, store: str, codec: str, impl: str
) -> None:
    """Whole shards written: inner chunks encoded and combined behind a shard index."""
    benchmark.group = f"zarr write, sharded, {store}, {codec}"
    args = (benchmark, workloads, store, codec, impl)
    array = measure_write(*args, data=workloads.dense, sharded=True)
    assert array.nchunks_initialized == array.nchunks


# --- reads -------------------------------------------------------------------------------------


#: What each read selects and whether from the sharded array. "region" cuts
#: chunks on every side (whole chunks decoded, parts copied); "sharded partial"
#: reads nine shard indexes, then only the inner chunks it needs.
READS = {
    "full": (Ellipsis, False),
    "region": (REGION, False),
    "sharded partial": (SHARD_REGION, True),
}
READ_CASES = [
    pytest.param(store, codec, read, impl, id=f"{store}-{codec}-{read.replace(' ', '_')}-{impl}")
    for store in STORES
    for codec in CODECS
    for read in READS
    for impl in IMPLS
]


@pytest.mark.parametrize(("store", "codec", "read", "impl"), READ_CASES)
def test_read(
    benchmark: Any,
    workloads: Workloads,
    written: Any,
    store: str,
    codec: str,
    read: str,
    impl: str,
) -> None:
    """Reads of the dense array, written once for both sides (see READS)."""
    benchmark.group = f"zarr read, {read}, {store}, {codec}"
    selection, sharded = READS[read]
    array = written(store, codec, sharded)
    with zarr.config.set(BUFFER_CONFIG[impl]):
        # The configured side really reads through its own classes.
        nd_buffer = default_buffer_prototype().nd_buffer
        assert nd_buffer.__module__.startswith("buffer_cpu.zarr" if impl == "ours" else "zarr.")
    result = measure(benchmark, impl, lambda: array[selection], nbytes=selection_bytes(selection))
    np.testing.assert_array_equal(result, workloads.dense[selection])
