"""Recognizing and importing arrays that other libraries keep in device memory.

Two protocols carry device arrays between libraries without a copy: the
CUDA Array Interface (CuPy, Numba, PyTorch) and DLPack (PyTorch, JAX, and
everyone else). Recognizing them needs no CuPy, so validation can run before
CuPy is imported.
"""

from __future__ import annotations

from typing import Any

from buffer_gpu._cupy import (
    as_device_array,
    check_device,
    from_dlpack,
    is_cupy_array,
    is_imported_cupy_array,
    on_device,
    pointer_device,
)

__all__ = ["import_device_array", "is_device_array"]

# DLPack device types whose memory a CUDA kernel can address directly.
_DLPACK_CUDA = 2
_DLPACK_CUDA_MANAGED = 13


def is_device_array(value: Any) -> bool:
    """Whether ``value`` exports CUDA device memory through either protocol."""
    if is_imported_cupy_array(value):
        # Without building its interface dict (which also looks up the
        # current stream) for the commonest device array.
        return True
    # hasattr on the instance: PyTorch's property raises for CPU tensors.
    if hasattr(value, "__cuda_array_interface__"):
        return True
    device = getattr(value, "__dlpack_device__", None)
    if device is None or not hasattr(value, "__dlpack__"):
        return False
    try:
        device_type = int(device()[0])
    except (TypeError, ValueError, IndexError, AttributeError, BufferError):
        return False  # BufferError: our raw-storage NDBuffers, which export nothing
    return device_type in (_DLPACK_CUDA, _DLPACK_CUDA_MANAGED)


def import_device_array(value: Any) -> Any:
    """A ``cupy.ndarray`` over the device memory of ``value``; never a copy."""
    check_device()
    if is_cupy_array(value):
        return value
    if hasattr(value, "__cuda_array_interface__"):
        # cupy.asarray wraps interface memory without a copy only when it is
        # on the current device: for memory on any other device it makes a
        # copy on the current one (CuPy's _array_from_cupy_ndarray). So the
        # owner of the memory is made current first.
        pointer = int(value.__cuda_array_interface__["data"][0])
        owner = pointer_device(pointer) if pointer else None
        if owner is None:
            return as_device_array(value)
        with on_device(owner):
            return as_device_array(value)
    return from_dlpack(value)
