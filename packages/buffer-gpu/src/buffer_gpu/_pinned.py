"""A small pool of page-locked host chunks that every transfer stages through.

The GPU's copy engines read and write page-locked (pinned) host memory by
DMA at full PCIe speed; pageable memory goes through a slower path inside
the driver. Pinning is expensive (milliseconds per allocation, and freeing
it synchronizes the device), so chunks are pinned once and reused: a
transfer fills one chunk on the CPU while the copy engine drains another.

Chunks come in sizes, powers of two from 64 KiB up to 16 MiB, so that the
many small transfers of a store (zarr runs ten at a time) do not each hold
a 16 MiB chunk. A transfer is handed an idle chunk whose last copy has
finished where there is one, and otherwise the one returned longest ago,
whose copy is the likeliest to be done: never simply the chunk just given
back, whose copy may still be in flight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt

from buffer_gpu._cupy import alloc_pinned, out_of_memory_guard

__all__ = ["CHUNK_BYTES", "MIN_CHUNK_BYTES", "StagingChunk", "StagingPool", "staging_pool"]

#: The largest staging chunk. Large enough that per-chunk overhead (an event,
#: a memcpy call: a few microseconds) is lost in the transfer time.
CHUNK_BYTES = 16 << 20
#: The smallest: below this a chunk's bookkeeping outweighs its memory.
MIN_CHUNK_BYTES = 64 << 10
#: Pinned bytes kept idle between transfers (all sizes together).
_MAX_IDLE_BYTES = 64 << 20


def chunk_size_for(nbytes: int, largest: int = CHUNK_BYTES) -> int:
    """The chunk size a transfer of ``nbytes`` stages through: a power of two, at most ``largest``."""
    size = MIN_CHUNK_BYTES
    while size < nbytes and size < largest:
        size *= 2
    return min(size, largest)


class StagingChunk:
    """One pinned host chunk and the last asynchronous copy that uses it."""

    __slots__ = ("host", "memory", "pending")

    def __init__(self, memory: Any, nbytes: int) -> None:
        self.memory = memory  # keeps the allocation alive; exports it as a buffer
        self.host: npt.NDArray[np.uint8] = np.ndarray((nbytes,), dtype=np.uint8, buffer=memory)
        self.pending: Any = None  # an event recorded after the chunk's last copy

    @property
    def pointer(self) -> int:
        """The chunk's host address."""
        return int(self.memory.ptr)

    @property
    def idle(self) -> bool:
        """Whether no copy into or out of the chunk is still running (asks, never waits)."""
        return self.pending is None or bool(self.pending.done)

    def wait(self) -> None:
        """Block until the last copy into or out of this chunk has finished."""
        if self.pending is not None:
            self.pending.synchronize()
            self.pending = None


class StagingPool:
    """Pinned chunks handed out to transfers and taken back afterwards.

    ``allocate(nbytes)`` returns pinned memory exporting the buffer protocol
    and its address as ``ptr`` (by default outside CuPy's pinned pool, so it
    is unpinned when dropped).
    """

    def __init__(
        self,
        chunk_bytes: int = CHUNK_BYTES,
        max_idle_bytes: int = _MAX_IDLE_BYTES,
        allocate: Callable[[int], Any] = alloc_pinned,
    ) -> None:
        self.chunk_bytes = chunk_bytes
        self._max_idle_bytes = max_idle_bytes
        self._allocate = allocate
        self._idle: dict[int, list[StagingChunk]] = {}
        self._idle_bytes = 0
        self._lock = threading.Lock()

    @property
    def idle_bytes(self) -> int:
        """Pinned bytes held by idle chunks."""
        return self._idle_bytes

    @contextmanager
    def chunks(self, count: int, nbytes: int) -> Iterator[list[StagingChunk]]:
        """``count`` chunks sized for a transfer of ``nbytes``, for the duration of the transfer.

        All chunks are taken before the transfer writes anything, so a
        failure to pin memory leaves the destination untouched.
        """
        size = chunk_size_for(nbytes, self.chunk_bytes)
        taken: list[StagingChunk] = []
        try:
            # extend appends as the generator yields, so chunks taken before
            # a failure are still given back below.
            taken.extend(self._take(size) for _ in range(count))
            yield taken
        finally:
            for chunk in taken:
                self._give_back(chunk)

    def _take(self, size: int) -> StagingChunk:
        with self._lock:
            idle = self._idle.get(size)
            if idle:
                # An idle chunk whose copy is done costs no wait; else the one
                # given back longest ago (first in, first out).
                index = next((i for i, chunk in enumerate(idle) if chunk.idle), 0)
                self._idle_bytes -= size
                return idle.pop(index)
        with out_of_memory_guard(size, "the host (pinned staging memory)"):
            memory = self._allocate(size)
        return StagingChunk(memory, size)

    def _give_back(self, chunk: StagingChunk) -> None:
        size = int(chunk.host.size)
        with self._lock:
            if self._idle_bytes + size <= self._max_idle_bytes:
                # Kept with its pending copy: whoever takes it next waits for it.
                self._idle.setdefault(size, []).append(chunk)
                self._idle_bytes += size
                return
        # Dropped, and so unpinned: the copy still using it must finish first.
        chunk.wait()


_pool = StagingPool()


def staging_pool() -> StagingPool:
    """The process-wide staging pool."""
    return _pool
