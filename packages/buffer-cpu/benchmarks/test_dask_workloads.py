"""A zarr write through a dask.distributed cluster: ours against zarr's buffers, in one run.

The mostly-empty write: a 4096 x 4096 float64 array (128 MiB) in 256 x 256
chunks, 4 of its 256 chunks non-zero, fill value 0.0 with
``write_empty_chunks=False`` (zarr checks every chunk with ``all_equal`` and
writes only 4), no compressor, into a LocalStore in a temporary directory.
The chunks are computed on the workers, so no array data crosses from the
client. One cluster of two worker processes (one thread each, loopback)
serves both rows: ``ZarrBuffers`` registered makes ours every worker's
default, unregistered leaves zarr's. The time includes dask's scheduling,
which is the same for both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed", reason="needs the buffer-cpu[dask] extra")
da = pytest.importorskip("dask.array", reason="needs the buffer-cpu[dask] extra")
zarr = pytest.importorskip("zarr", reason="needs the buffer-cpu[dask] extra")
from zarr.storage import LocalStore

from buffer_cpu.dask import ZarrBuffers, zarr_default_buffers

SHAPE = (4096, 4096)
CHUNKS = (256, 256)
NON_EMPTY = {(0, 0), (3, 7), (8, 15), (15, 2)}
TIMEOUT = 120


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two worker processes, one thread each, everything on 127.0.0.1."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            timeout=TIMEOUT,
        ) as cluster,
        distributed.Client(cluster, timeout=TIMEOUT) as client_,
    ):
        client_.wait_for_workers(2, timeout=TIMEOUT)
        yield client_


def _mostly_empty() -> Any:
    """The array as dask computes it on the workers: zeros, and a constant in 4 chunks."""
    # dask's zeros are read-only broadcast views of one element; "* 1.0" makes
    # each chunk real memory, as computed data is. Only dask's own functions
    # run on the workers (they cannot import this module, which pytest
    # imports by path).
    data = da.zeros(SHAPE, chunks=CHUNKS, dtype="f8") * 1.0
    for row, column in NON_EMPTY:
        data[
            row * CHUNKS[0] : (row + 1) * CHUNKS[0], column * CHUNKS[1] : (column + 1) * CHUNKS[1]
        ] = 1.5
    return data


@pytest.mark.parametrize("buffers", ["ours", "zarr"])
def test_mostly_empty_write_through_cluster(
    benchmark: Any, client: Any, tmp_path: Path, buffers: str
) -> None:
    """Write the mostly-empty 128 MiB array from 2 workers; zarr stores only its 4 chunks."""
    benchmark.group = "dask: mostly-empty write, 128 MiB float64, 2 workers, LocalStore"
    benchmark.extra_info["impl"] = buffers
    benchmark.extra_info["bytes"] = SHAPE[0] * SHAPE[1] * 8
    if buffers == "ours":
        client.register_plugin(ZarrBuffers())
    try:
        expected = "buffer_cpu.zarr.NDBuffer" if buffers == "ours" else "zarr.core.buffer.cpu"
        for found in client.run(zarr_default_buffers).values():
            assert found["ndbuffer"].startswith(expected), found

        array = zarr.create_array(
            LocalStore(tmp_path / "array.zarr"),
            shape=SHAPE,
            chunks=CHUNKS,
            dtype="f8",
            fill_value=0.0,
            compressors=None,
            config={"write_empty_chunks": False},
        )
        data = _mostly_empty()

        def write() -> None:
            da.store(data, array, lock=False, compute=True)

        benchmark.pedantic(write, rounds=5, warmup_rounds=1, iterations=1)
        written = [p for p in (tmp_path / "array.zarr" / "c").rglob("*") if p.is_file()]
        assert len(written) == len(NON_EMPTY)
    finally:
        if buffers == "ours":
            client.unregister_worker_plugin(ZarrBuffers.name)
