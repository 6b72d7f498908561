"""Our buffers on a real two-process dask.distributed cluster, on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .conftest import TIMEOUT, WORKERS

pytestmark = pytest.mark.dask

distributed = pytest.importorskip("distributed", reason="needs the buffer-cpu[dask] extra")
da = pytest.importorskip("dask.array", reason="needs the buffer-cpu[dask] extra")
zarr = pytest.importorskip("zarr", reason="needs the buffer-cpu[dask] extra")
import cloudpickle
from distributed.protocol import serialize
from zarr.core.buffer import cpu as zarr_cpu
from zarr.storage import LocalStore

import buffer_cpu
import buffer_cpu.zarr
from buffer_cpu.dask import ZarrBuffers, zarr_default_buffers

# pytest imports this module from its path, which the workers cannot: ship
# the functions that run there by value instead of by reference.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

OURS = {"buffer": "buffer_cpu.zarr.Buffer", "ndbuffer": "buffer_cpu.zarr.NDBuffer"}
ZARRS = {
    "buffer": f"{zarr_cpu.Buffer.__module__}.{zarr_cpu.Buffer.__qualname__}",
    "ndbuffer": f"{zarr_cpu.NDBuffer.__module__}.{zarr_cpu.NDBuffer.__qualname__}",
}


def _defaults_everywhere(client: Any) -> list[dict[str, str]]:
    return list(client.run(zarr_default_buffers).values())


# --- every worker uses our buffers --------------------------------------------------------------


def test_environment_makes_ours_the_default_on_every_worker(env_client: Any) -> None:
    """Workers spawned with ENVIRONMENT default to our classes; each is its own process."""
    assert _defaults_everywhere(env_client) == [OURS] * WORKERS
    pids = set(env_client.run(os.getpid).values())
    assert len(pids) == WORKERS
    assert os.getpid() not in pids
    # The process running the tests kept zarr's own defaults.
    assert zarr_default_buffers() == ZARRS


def test_plugin_switches_running_and_joining_workers_and_restores(plain_client: Any) -> None:
    """ZarrBuffers sets ours on every worker, also one that joins later; unregistering restores."""
    assert _defaults_everywhere(plain_client) == [ZARRS] * WORKERS
    plain_client.register_plugin(ZarrBuffers())
    try:
        assert _defaults_everywhere(plain_client) == [OURS] * WORKERS
        plain_client.cluster.scale(WORKERS + 1)
        plain_client.wait_for_workers(WORKERS + 1, timeout=TIMEOUT)
        assert _defaults_everywhere(plain_client) == [OURS] * (WORKERS + 1)
    finally:
        plain_client.unregister_worker_plugin(ZarrBuffers.name)
        plain_client.cluster.scale(WORKERS)
        _wait_for_worker_count(plain_client, WORKERS)
    assert _defaults_everywhere(plain_client) == [ZARRS] * WORKERS


def _wait_for_worker_count(client: Any, count: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while len(client.scheduler_info()["workers"]) != count:
        if time.monotonic() > deadline:
            pytest.fail(f"the cluster did not scale to {count} workers in {TIMEOUT} s")
        time.sleep(0.1)


# --- dask.array.to_zarr / from_zarr -------------------------------------------------------------


def _mostly_fill() -> np.ndarray[Any, Any]:
    """384 x 320 float64 in 64 x 64 chunks: 7 of 30 chunks differ from the fill value 0.0."""
    data = np.zeros((384, 320))
    data[:128, :64] = np.arange(128 * 64).reshape(128, 64) * 0.25  # 2 chunks
    data[300:, 250:] = -1.5  # 4 chunks
    data[128:192, 256:320] = -0.0  # 1 chunk: -0.0 is not the fill value, bit for bit
    return data


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _chunk_class_on_worker(root: str, key: str) -> str:
    """The class zarr's default prototype gives a chunk read from the store, on this worker."""
    prototype = zarr.core.buffer.default_buffer_prototype()
    found = asyncio.run(LocalStore(root, read_only=True).get(key, prototype=prototype))
    return f"{type(found).__module__}.{type(found).__qualname__}"


def test_to_zarr_and_from_zarr_on_a_local_store(env_client: Any, tmp_path: Path) -> None:
    """dask writes and reads a LocalStore through the workers: the same bytes zarr writes alone."""
    data = _mostly_fill()
    settings = {"fill_value": 0.0, "config": {"write_empty_chunks": False}}
    ours = tmp_path / "ours.zarr"
    da.from_array(data, chunks=(64, 64)).to_zarr(str(ours), **settings)

    # The same array written here, in one process, with zarr's own buffers.
    theirs = tmp_path / "theirs.zarr"
    reference = zarr.create_array(
        LocalStore(theirs), shape=data.shape, chunks=(64, 64), dtype=data.dtype, **settings
    )
    reference[...] = data
    assert _files(ours) == _files(theirs)
    assert len([name for name in _files(ours) if name.startswith("c/")]) == 7

    read = da.from_zarr(str(ours)).compute()
    assert read.dtype == data.dtype
    assert np.array_equal(read.view("u8"), data.view("u8"))  # bit for bit: -0.0 stays -0.0

    # A task on each worker (client.run would run it inside the worker's event loop).
    classes = [
        env_client.submit(
            _chunk_class_on_worker, str(ours), "c/0/0", workers=[worker], pure=False
        ).result(timeout=TIMEOUT)
        for worker in env_client.scheduler_info()["workers"]
    ]
    assert classes == ["buffer_cpu.zarr.Buffer"] * WORKERS


# --- buffers sent from one worker to another ----------------------------------------------------


def _make(case: str) -> Any:
    """One buffer of each kind worth sending; deterministic, so the client can rebuild it."""
    rng = np.random.default_rng(7)
    if case == "buffer, writable":
        return buffer_cpu.Buffer.from_bytes(bytearray(rng.bytes(1 << 20)))
    if case == "buffer, read-only":
        return buffer_cpu.Buffer.from_bytes(rng.bytes(1 << 20))
    if case == "ndbuffer >i4":
        values = (np.arange(256 * 512) - 70_000).astype(">i4").reshape(256, 512)
        return buffer_cpu.NDBuffer.from_numpy_array(values)
    if case == "ndbuffer <f8, read-only, Fortran order":
        values = np.asfortranarray(rng.standard_normal((300, 200)))
        values.flags.writeable = False
        return buffer_cpu.NDBuffer.from_numpy_array(values)
    if case == "ndbuffer structured":
        values = np.zeros(40_000, dtype=[("a", ">i4"), ("b", "<f8")])
        values["a"] = np.arange(40_000)
        values["b"] = rng.standard_normal(40_000)
        return buffer_cpu.NDBuffer.from_numpy_array(values)
    # zarr's pipeline hands these adapters between tasks.
    values = np.arange(300_000, dtype=">u2").reshape(600, 500)
    return buffer_cpu.zarr.NDBuffer.from_numpy_array(values)


CASES = [
    "buffer, writable",
    "buffer, read-only",
    "ndbuffer >i4",
    "ndbuffer <f8, read-only, Fortran order",
    "ndbuffer structured",
    "zarr ndbuffer >u2",
]


def _describe(buf: Any) -> dict[str, Any]:
    """What must survive the trip: class, dtype with byte order, shape, layout, flags, values."""
    array = buf.as_numpy_array()
    return {
        "type": f"{type(buf).__module__}.{type(buf).__qualname__}",
        "dtype": array.dtype.descr,
        "shape": array.shape,
        "readonly": buf.readonly,
        "fortran": array.flags.f_contiguous and not array.flags.c_contiguous,
        "sha256": hashlib.sha256(array.tobytes(order="C")).hexdigest(),
    }


def _describe_here(buf: Any) -> dict[str, Any]:
    return {**_describe(buf), "worker": distributed.get_worker().address}


def _incoming_transfers(dask_worker: Any) -> list[tuple[str, list[str]]]:
    return [(entry["who"], list(entry["keys"])) for entry in dask_worker.transfer_incoming_log]


def _serialized_on_sender(buf: Any) -> dict[str, Any]:
    """How this worker serializes ``buf`` for another: the frames, and whether they are its memory."""
    memory = buf.as_numpy_array()
    header, frames = serialize(buf)
    out_of_band = [np.frombuffer(frame, dtype="B") for frame in frames[1:]]
    # Plain pickle protocol 5, as distributed calls it.
    shipped: list[pickle.PickleBuffer] = []
    pickled = pickle.dumps(buf, protocol=5, buffer_callback=shipped.append)
    return {
        "serializer": header["serializer"],
        "in_band_bytes": len(frames[0]),
        "out_of_band_bytes": [part.nbytes for part in out_of_band],
        "frames_are_the_buffer": [np.shares_memory(part, memory) for part in out_of_band],
        "pickle5_in_band_bytes": len(pickled),
        "pickle5_buffers_are_the_buffer": [
            np.shares_memory(np.frombuffer(b.raw(), dtype="B"), memory) for b in shipped
        ],
    }


@pytest.mark.parametrize("case", CASES)
def test_buffers_arrive_intact_from_another_worker(env_client: Any, case: str) -> None:
    """A buffer made on one worker reaches another with dtype, byte order, flags and values."""
    sender, receiver = sorted(env_client.scheduler_info()["workers"])
    made = env_client.submit(_make, case, workers=[sender], allow_other_workers=False, pure=False)
    arrived = env_client.submit(
        _describe_here, made, workers=[receiver], allow_other_workers=False
    ).result(timeout=TIMEOUT)

    expected = _describe(_make(case))
    assert arrived == {**expected, "worker": receiver}
    # It travelled worker to worker, not through the client.
    transfers = env_client.run(_incoming_transfers, workers=[receiver])[receiver]
    assert (sender, [made.key]) in transfers


@pytest.mark.parametrize("case", CASES)
def test_sender_ships_the_payload_out_of_band_without_a_copy(env_client: Any, case: str) -> None:
    """On the sending worker, pickle protocol 5 frames are the buffer's own memory."""
    sender = min(env_client.scheduler_info()["workers"])
    made = env_client.submit(_make, case, workers=[sender], allow_other_workers=False, pure=False)
    seen = env_client.submit(
        _serialized_on_sender, made, workers=[sender], allow_other_workers=False
    ).result(timeout=TIMEOUT)

    nbytes = _make(case).as_numpy_array().nbytes
    assert seen["serializer"] == "pickle"
    # The whole payload is one out-of-band frame, the in-band pickle only a header.
    assert seen["out_of_band_bytes"] == [nbytes]
    assert seen["frames_are_the_buffer"] == [True]
    assert seen["in_band_bytes"] < 1024 < nbytes
    assert seen["pickle5_buffers_are_the_buffer"] == [True]
    assert seen["pickle5_in_band_bytes"] < 1024
