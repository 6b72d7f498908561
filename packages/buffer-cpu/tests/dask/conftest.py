"""Real ``distributed.LocalCluster``s of two worker processes, on loopback only.

Nothing here imports dask at import time, so that sessions without the
``dask`` extra collect this folder and skip it. Every wait is bounded: a
cluster that does not come up fails the test instead of hanging CI.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Spawned worker processes start with this process's sys.path: with this
# folder on it, they import dask_worker_tasks by name, as tasks refer to it.
sys.path.insert(0, str(Path(__file__).parent))

#: Seconds any one cluster operation (start, a result, close) may take on a busy 2-core runner.
TIMEOUT = 120
WORKERS = 2


@contextmanager
def local_cluster(config: dict[str, Any] | None = None) -> Iterator[Any]:
    """A client of a fresh cluster: 2 worker processes, one thread each, on 127.0.0.1."""
    dask = pytest.importorskip("dask", reason="needs dask (the buffer-cpu[dask] extra)")
    distributed = pytest.importorskip(
        "distributed", reason="needs dask.distributed (the buffer-cpu[dask] extra)"
    )
    settings = {"distributed.comm.timeouts.connect": f"{TIMEOUT}s", **(config or {})}
    # dask's configuration is global: set it while the cluster starts (the
    # nanny keeps what it read), so that another cluster starts from the defaults.
    with dask.config.set(settings):
        cluster = distributed.LocalCluster(
            n_workers=WORKERS,
            threads_per_worker=1,
            processes=True,
            # Everything on loopback, on ports the system picks: the scheduler's
            # HTTP server otherwise takes :8787 and warns when that is taken.
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            timeout=TIMEOUT,
        )
    with cluster, distributed.Client(cluster, timeout=TIMEOUT) as client:
        client.wait_for_workers(WORKERS, timeout=TIMEOUT)
        yield client


@pytest.fixture(scope="session")
def env_client() -> Iterator[Any]:
    """A cluster whose workers start with buffer_cpu.dask.ENVIRONMENT, set before they spawn."""
    pytest.importorskip("zarr", reason="needs zarr-python (the buffer-cpu[dask] extra)")
    buffer_cpu_dask = pytest.importorskip("buffer_cpu.dask")
    environment = dict(buffer_cpu_dask.ENVIRONMENT)
    # The nanny writes pre-spawn-environ into this process's os.environ (that
    # is how the spawned workers inherit it): put it back once they run, or
    # every process started from here later would use our buffers too.
    saved = {name: os.environ.get(name) for name in environment}

    def restore() -> None:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    try:
        with local_cluster({"distributed.nanny.pre-spawn-environ": environment}) as client:
            restore()
            yield client
    finally:
        restore()


@pytest.fixture(scope="session")
def plain_client() -> Iterator[Any]:
    """A cluster whose workers start with zarr's own defaults."""
    pytest.importorskip("zarr", reason="needs zarr-python (the buffer-cpu[dask] extra)")
    pytest.importorskip("buffer_cpu.dask")
    with local_cluster() as client:
        yield client
