"""Flat byte buffers in CUDA device memory."""

from __future__ import annotations

import buffer_core
from buffer_gpu._exports import DeviceExports
from buffer_gpu._memory import DEVICE_MEMORY

__all__ = ["Buffer"]


class Buffer(DeviceExports, buffer_core.Buffer):
    """Flat bytes in CUDA device memory, held by a 1-d CuPy ``uint8`` array.

    The constructor and :meth:`from_array_like` wrap device arrays from any
    library that speaks the CUDA Array Interface or DLPack (CuPy, Numba,
    PyTorch, JAX) without a copy. Device buffers are always writable.

    Every method is buffer-core's, over :class:`buffer_gpu` device memory:
    memory is allocated on the current CuPy device; work on a buffer runs on
    the buffer's own device, on that device's current CuPy stream, after the
    buffer's earlier reads and writes on any other stream. Host-to-device
    copies may still be in flight when a method returns; :meth:`synchronize`
    waits for them.
    """

    memory = DEVICE_MEMORY
    _array_hint = (
        "a 1-d uint8 device array (CuPy, or any object with __cuda_array_interface__ "
        "or CUDA __dlpack__); use from_bytes() or from_buffer() for host memory"
    )
