"""What the tests run on the workers.

A task names its function by module and name, and the workers import it:
this module is on their ``sys.path`` (conftest.py puts its folder there
before they spawn), unlike the test modules, which pytest imports by path.
Imported only once the tests have found dask, distributed and zarr.
"""

from __future__ import annotations

import asyncio
import hashlib
import pickle
from typing import Any

import distributed
import numpy as np
from distributed.protocol import serialize
from zarr.core.buffer import default_buffer_prototype
from zarr.storage import LocalStore

import buffer_cpu
import buffer_cpu.zarr

CASES = [
    "buffer, writable",
    "buffer, read-only",
    "ndbuffer >i4",
    "ndbuffer <f8, read-only, Fortran order",
    "ndbuffer structured",
    "zarr ndbuffer >u2",
]


def chunk_class(root: str, key: str) -> str:
    """The class zarr's default prototype gives a chunk read from a LocalStore, here."""
    found = asyncio.run(
        LocalStore(root, read_only=True).get(key, prototype=default_buffer_prototype())
    )
    return f"{type(found).__module__}.{type(found).__qualname__}"


def make_buffer(case: str) -> Any:
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
    if case == "zarr ndbuffer >u2":
        # zarr's pipeline hands these adapters between tasks.
        values = np.arange(300_000, dtype=">u2").reshape(600, 500)
        return buffer_cpu.zarr.NDBuffer.from_numpy_array(values)
    msg = f"case: expected one of {CASES}, got {case!r}"
    raise ValueError(msg)


def describe(buf: Any) -> dict[str, Any]:
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


def describe_here(buf: Any) -> dict[str, Any]:
    """:func:`describe`, which worker saw it, and whether its array owns its memory."""
    return {
        **describe(buf),
        "worker": distributed.get_worker().address,
        # False for an array that wraps memory it was given, such as a received frame.
        "owns_memory": bool(buf.as_numpy_array().flags.owndata),
    }


def incoming_transfers(dask_worker: Any) -> list[tuple[str, list[str]]]:
    """For ``client.run``: the (sending worker, keys) of every transfer this worker received."""
    return [(entry["who"], list(entry["keys"])) for entry in dask_worker.transfer_incoming_log]


def serialized_here(buf: Any) -> dict[str, Any]:
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
