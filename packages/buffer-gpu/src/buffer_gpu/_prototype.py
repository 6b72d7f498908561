"""The device-memory prototype."""

from __future__ import annotations

import buffer_core
from buffer_gpu._buffer import Buffer
from buffer_gpu._ndbuffer import NDBuffer

__all__ = ["buffer_prototype"]

#: Allocate in CUDA device memory with CuPy. Registered as the ``"gpu"`` prototype.
buffer_prototype = buffer_core.BufferPrototype(buffer=Buffer, nd_buffer=NDBuffer)
