"""Our buffers on every worker of a ``dask.distributed`` cluster.

zarr-python picks its buffer classes per process, from ``zarr.config``,
which reads ``ZARR_BUFFER``/``ZARR_NDBUFFER`` from the environment when zarr
is first imported. A cluster's workers are processes of their own, so the
client's configuration does not reach them. Two ways do:

- :data:`ENVIRONMENT`, the two variables, in the workers' environment from
  their start: exported in the shell or job script that starts ``dask
  worker``, or for a ``LocalCluster`` through dask's
  ``distributed.nanny.pre-spawn-environ`` setting;
- :class:`ZarrBuffers`, a worker plugin that sets zarr's configuration in
  every worker that is running or joins later, and restores the previous
  one when it is unregistered: ``client.register_plugin(ZarrBuffers())``.

:func:`zarr_default_buffers` reports what a process uses, for
``client.run``. Needs the ``dask`` extra (``pip install 'buffer-cpu[dask]'``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

try:
    import distributed
    import zarr
    from zarr.core.buffer import default_buffer_prototype
except ImportError as error:
    msg = (
        f"{__name__} needs dask.distributed and zarr-python ({error.name} is not installed); "
        "install them with the extra: pip install 'buffer-cpu[dask]'"
    )
    raise ImportError(msg, name=error.name) from error

__all__ = ["ENVIRONMENT", "ZarrBuffers", "zarr_default_buffers"]

#: zarr.config keys and the qualified names of our classes, as zarr's registry knows them.
_ZARR_CONFIG: Final[Mapping[str, str]] = MappingProxyType(
    {"buffer": "buffer_cpu.zarr.Buffer", "ndbuffer": "buffer_cpu.zarr.NDBuffer"}
)

#: The environment that makes zarr default to our buffers in a process started with it.
ENVIRONMENT: Final[Mapping[str, str]] = MappingProxyType(
    {f"ZARR_{key.upper()}": name for key, name in _ZARR_CONFIG.items()}
)


def zarr_default_buffers() -> dict[str, str]:
    """The qualified names of zarr's default buffer classes in this process.

    ``{"buffer": ..., "ndbuffer": ...}``; ``client.run(zarr_default_buffers)``
    asks every worker.
    """
    prototype = default_buffer_prototype()
    return {
        "buffer": _qualified_name(prototype.buffer),
        "ndbuffer": _qualified_name(prototype.nd_buffer),
    }


class ZarrBuffers(distributed.WorkerPlugin):
    """A worker plugin that makes our buffers zarr's default in every worker.

    Registered with ``client.register_plugin(ZarrBuffers())``, it runs on the
    workers already there and on every worker that joins afterwards; the
    workers need buffer-cpu with its ``zarr`` extra installed. Unregistering
    it (``client.unregister_worker_plugin(ZarrBuffers.name)``) gives each
    worker back the configuration it had before.
    """

    #: One plugin per cluster: registering it again replaces the first.
    name: Final = "buffer-cpu-zarr-buffers"

    def __init__(self) -> None:
        self._previous: dict[str, Any] = {}

    def setup(self, worker: distributed.Worker) -> None:  # noqa: ARG002  # distributed's hook
        # Importing the adapter makes zarr's buffers count as ours and fails
        # here, with the missing extra named, if the worker lacks zarr.
        import buffer_cpu.zarr  # noqa: F401, PLC0415

        self._previous = {key: zarr.config.get(key) for key in _ZARR_CONFIG}
        # Outside a ``with`` block, zarr.config.set stays in force: for every
        # task thread of this worker, until teardown.
        zarr.config.set(dict(_ZARR_CONFIG))

    def teardown(self, worker: distributed.Worker) -> None:  # noqa: ARG002  # distributed's hook
        if self._previous:
            zarr.config.set(self._previous)


def _qualified_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
