"""Recognizing and importing arrays that other libraries keep in device memory.

Two protocols carry device arrays between libraries without a copy: the
CUDA Array Interface (CuPy, Numba, PyTorch) and DLPack (PyTorch, JAX, and
everyone else). Recognizing them needs no CuPy, so validation can run before
CuPy is imported.
"""

from __future__ import annotations

from typing import Any

from buffer_gpu._cupy import check_device, cupy

__all__ = ["import_device_array", "is_device_array"]

# DLPack device types whose memory a CUDA kernel can address directly.
_DLPACK_CUDA = 2
_DLPACK_CUDA_MANAGED = 13


def is_device_array(value: Any) -> bool:
    """Whether ``value`` exports CUDA device memory through either protocol."""
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
    cp = check_device()
    if isinstance(value, cp.ndarray):
        return value
    if hasattr(value, "__cuda_array_interface__"):
        # cupy.asarray wraps CUDA Array Interface memory and keeps the
        # producer alive; it copies only host data, which this is not.
        return cp.asarray(value)
    return cupy().from_dlpack(value)
