"""Our buffers on a real two-process dask.distributed cluster, on loopback."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .conftest import TIMEOUT, WORKERS

pytestmark = pytest.mark.dask

pytest.importorskip("distributed", reason="needs the buffer-cpu[dask] extra")
da = pytest.importorskip("dask.array", reason="needs the buffer-cpu[dask] extra")
zarr = pytest.importorskip("zarr", reason="needs the buffer-cpu[dask] extra")
from dask_worker_tasks import (
    CASES,
    chunk_class,
    describe,
    describe_here,
    incoming_transfers,
    make_buffer,
    serialized_here,
)
from zarr.core.buffer import cpu as zarr_cpu
from zarr.storage import LocalStore

from buffer_cpu.dask import ZarrBuffers, zarr_default_buffers

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
        env_client.submit(chunk_class, str(ours), "c/0/0", workers=[worker], pure=False).result(
            timeout=TIMEOUT
        )
        for worker in env_client.scheduler_info()["workers"]
    ]
    assert classes == ["buffer_cpu.zarr.Buffer"] * WORKERS


# --- buffers sent from one worker to another ----------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_buffers_arrive_intact_from_another_worker(env_client: Any, case: str) -> None:
    """A buffer made on one worker reaches another with dtype, byte order, flags and values."""
    sender, receiver = sorted(env_client.scheduler_info()["workers"])
    made = env_client.submit(
        make_buffer, case, workers=[sender], allow_other_workers=False, pure=False
    )
    arrived = env_client.submit(
        describe_here, made, workers=[receiver], allow_other_workers=False
    ).result(timeout=TIMEOUT)

    expected = describe(make_buffer(case))
    # Our classes wrapped the frame the receiver read: no copy on arrival either.
    assert arrived == {**expected, "worker": receiver, "owns_memory": False}
    # It travelled worker to worker, not through the client.
    transfers = env_client.run(incoming_transfers, workers=[receiver])[receiver]
    assert (sender, [made.key]) in transfers


@pytest.mark.parametrize("case", CASES)
def test_sender_ships_the_payload_out_of_band_without_a_copy(env_client: Any, case: str) -> None:
    """On the sending worker, pickle protocol 5 frames are the buffer's own memory."""
    sender = min(env_client.scheduler_info()["workers"])
    made = env_client.submit(
        make_buffer, case, workers=[sender], allow_other_workers=False, pure=False
    )
    seen = env_client.submit(
        serialized_here, made, workers=[sender], allow_other_workers=False
    ).result(timeout=TIMEOUT)

    nbytes = make_buffer(case).as_numpy_array().nbytes
    assert seen["serializer"] == "pickle"
    # The whole payload is one out-of-band frame, the in-band pickle only a header.
    assert seen["out_of_band_bytes"] == [nbytes]
    assert seen["frames_are_the_buffer"] == [True]
    assert seen["in_band_bytes"] < 1024 < nbytes
    assert seen["pickle5_buffers_are_the_buffer"] == [True]
    assert seen["pickle5_in_band_bytes"] < 1024
