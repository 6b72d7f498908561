"""A small pool of page-locked host chunks that every transfer stages through.

The GPU's copy engines read and write page-locked (pinned) host memory by
DMA at full PCIe speed; pageable memory goes through a slower path inside
the driver. Pinning is expensive (milliseconds per allocation), so a few
fixed-size chunks are pinned once and reused: a transfer fills one chunk on
the CPU while the copy engine drains the other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt

from buffer_gpu._cupy import alloc_pinned, out_of_memory_guard

__all__ = ["CHUNK_BYTES", "StagingChunk", "StagingPool", "staging_pool"]

#: Size of one staging chunk. Large enough that per-chunk overhead (an event,
#: a memcpy call: a few microseconds) is lost in the transfer time, small
#: enough that two of them pin little memory.
CHUNK_BYTES = 16 << 20
#: Chunks kept pinned between transfers (at most 64 MiB in all); concurrent
#: transfers pin more, two each, and free them again when they end.
_MAX_IDLE_CHUNKS = 4


class StagingChunk:
    """One pinned host chunk and the last asynchronous copy that uses it."""

    __slots__ = ("host", "memory", "pending")

    def __init__(self, memory: Any, nbytes: int) -> None:
        self.memory = memory  # the PinnedMemoryPointer: keeps the allocation alive
        self.host: npt.NDArray[np.uint8] = np.ndarray((nbytes,), dtype=np.uint8, buffer=memory)
        self.pending: Any = None

    @property
    def pointer(self) -> int:
        """The chunk's host address."""
        return int(self.memory.ptr)

    def wait(self) -> None:
        """Block until the last copy into or out of this chunk has finished."""
        if self.pending is not None:
            self.pending.synchronize()
            self.pending = None


class StagingPool:
    """Pinned chunks handed out to transfers and taken back afterwards."""

    def __init__(self, chunk_bytes: int = CHUNK_BYTES, max_idle: int = _MAX_IDLE_CHUNKS) -> None:
        self.chunk_bytes = chunk_bytes
        self._max_idle = max_idle
        self._idle: list[StagingChunk] = []
        self._lock = threading.Lock()

    @contextmanager
    def chunks(self, count: int) -> Iterator[list[StagingChunk]]:
        """``count`` chunks for the duration of a transfer.

        All chunks are taken before the transfer writes anything, so a
        failure to pin memory leaves the destination untouched.
        """
        taken: list[StagingChunk] = []
        try:
            # extend appends as the generator yields, so chunks taken
            # before a failure are still given back below.
            taken.extend(self._take() for _ in range(count))
            yield taken
        finally:
            for chunk in taken:
                self._give_back(chunk)

    def _take(self) -> StagingChunk:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        with out_of_memory_guard(self.chunk_bytes, "the host (pinned staging memory)"):
            memory = alloc_pinned(self.chunk_bytes)
        return StagingChunk(memory, self.chunk_bytes)

    def _give_back(self, chunk: StagingChunk) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                # Kept with its pending copy: the next user waits for it.
                self._idle.append(chunk)
                return
        # Dropped, and so unpinned and returned to the OS (see alloc_pinned):
        # the copy still using it must finish first.
        chunk.wait()


_pool = StagingPool()


def staging_pool() -> StagingPool:
    """The process-wide staging pool."""
    return _pool
