"""Moving bytes between host and device memory through the pinned staging pool.

Every copy is issued on the current CuPy stream of the current device, so it
is ordered with the kernels the caller issued before and after it.

Host to device returns as soon as the last chunk is queued: the source has
been read by then (it was copied into the staging chunk), and the chunk
itself stays reserved until its copy has finished. Device to host returns
when the bytes are in host memory.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from buffer_gpu._cupy import (
    current_stream,
    memcpy_device_to_host,
    memcpy_host_to_device,
    pointer_is_page_locked,
)
from buffer_gpu._pinned import StagingChunk, chunk_size_for, staging_pool

__all__ = [
    "copy_host",
    "host_byte_view",
    "is_page_locked",
    "plan_chunks",
    "stage_to_device",
    "stage_to_host",
    "write_concatenated",
]

# One core copies pageable memory at well under PCIe 5 speed, so large copies
# into and out of the staging chunks are split across a few threads (NumPy
# releases the GIL while it copies).
_COPY_THREADS = max(1, min(4, os.cpu_count() or 1))
_PARALLEL_COPY_BYTES = 4 << 20
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _copy_executor() -> ThreadPoolExecutor:
    global _executor  # noqa: PLW0603  # one pool per process, made on first large copy
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(_COPY_THREADS, thread_name_prefix="buffer_gpu-copy")
        return _executor


def copy_host(out: npt.NDArray[np.uint8], source: npt.NDArray[np.uint8]) -> None:
    """``out[:] = source`` for 1-d byte arrays, on several cores when it is large."""
    nbytes = int(out.size)
    if nbytes < _PARALLEL_COPY_BYTES or _COPY_THREADS == 1:
        out[:] = source
        return
    step = -(-nbytes // _COPY_THREADS)
    pool = _copy_executor()

    def copy_slice(start: int) -> None:
        out[start : start + step] = source[start : start + step]

    for done in [pool.submit(copy_slice, start) for start in range(0, nbytes, step)]:
        done.result()


def host_byte_view(array: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """The bytes of a C- or F-contiguous host array, in memory order, without a copy."""
    order: Literal["C", "F"] = (
        "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
    )
    flat = array.reshape(-1, order=order)
    if flat.dtype.itemsize == 0:
        return np.empty(0, dtype=np.uint8)
    return cast("npt.NDArray[np.uint8]", flat.view(np.uint8))


def plan_chunks(total: int, chunk_bytes: int) -> list[tuple[int, int]]:
    """``(start, stop)`` byte ranges of at most ``chunk_bytes`` covering ``total`` bytes."""
    return [(start, min(start + chunk_bytes, total)) for start in range(0, total, chunk_bytes)]


def write_concatenated(
    sources: Sequence[npt.NDArray[np.uint8]], start: int, out: npt.NDArray[np.uint8]
) -> None:
    """Fill ``out`` with bytes ``start:start + len(out)`` of the sources laid end to end."""
    position = 0
    offset = start
    for source in sources:
        if offset >= source.size:
            offset -= source.size
            continue
        take = min(source.size - offset, out.size - position)
        copy_host(out[position : position + take], source[offset : offset + take])
        position += take
        offset = 0
        if position == out.size:
            return


def is_page_locked(array: npt.NDArray[Any]) -> bool:
    """Whether ``array``'s memory is pinned, so the copy engine can read it directly."""
    return pointer_is_page_locked(int(array.ctypes.data))


def stage_to_device(sources: Sequence[npt.NDArray[np.uint8]], destination: int) -> None:
    """Copy the host byte arrays ``sources``, laid end to end, to device address ``destination``.

    One host-to-device copy per staging chunk: many small sources share a
    chunk, so they cross the bus together.
    """
    stream = current_stream()
    total = sum(int(s.size) for s in sources)
    if total == 0:
        return
    if len(sources) == 1 and is_page_locked(sources[0]):
        # Already pinned: one DMA, no staging. The caller owns that memory and
        # may reuse it once we return, so wait for the copy.
        memcpy_host_to_device(destination, int(sources[0].ctypes.data), total, stream)
        stream.record().synchronize()
        return
    pool = staging_pool()
    ranges = plan_chunks(total, chunk_size_for(total, pool.chunk_bytes))
    with pool.chunks(min(2, len(ranges)), total) as chunks:
        for index, (start, stop) in enumerate(ranges):
            chunk = chunks[index % len(chunks)]
            chunk.wait()
            write_concatenated(sources, start, chunk.host[: stop - start])
            memcpy_host_to_device(destination + start, chunk.pointer, stop - start, stream)
            chunk.pending = stream.record()


def stage_to_host(source: int, out: npt.NDArray[np.uint8]) -> None:
    """Copy ``out.size`` bytes from device address ``source`` into the host array ``out``.

    ``out`` is pageable memory (every caller allocates it with NumPy), so the
    bytes always pass through the staging chunks.
    """
    stream = current_stream()
    total = int(out.size)
    if total == 0:
        return
    pool = staging_pool()
    ranges = plan_chunks(total, chunk_size_for(total, pool.chunk_bytes))
    with pool.chunks(min(2, len(ranges)), total) as chunks:

        def issue(index: int) -> None:
            chunk = chunks[index % len(chunks)]
            chunk.wait()
            start, stop = ranges[index]
            memcpy_device_to_host(chunk.pointer, source + start, stop - start, stream)
            chunk.pending = stream.record()

        for index in range(len(chunks)):
            issue(index)
        for index, (start, stop) in enumerate(ranges):
            chunk: StagingChunk = chunks[index % len(chunks)]
            chunk.wait()
            # The next chunk's DMA runs while this one is copied out.
            copy_host(out[start:stop], chunk.host[: stop - start])
            if index + len(chunks) < len(ranges):
                issue(index + len(chunks))
