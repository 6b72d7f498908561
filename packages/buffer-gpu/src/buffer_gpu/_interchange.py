"""Recognizing and importing arrays that other libraries keep in device memory.

Two protocols carry device arrays between libraries without a copy: the
CUDA Array Interface (CuPy, Numba, PyTorch) and DLPack (PyTorch, JAX, and
everyone else). Recognizing them needs no CuPy, so validation can run before
CuPy is imported.

The interface is read once per import and turned into a CuPy array over the
producer's memory here, rather than by ``cupy.asarray``: CuPy reads the dict
several times, synchronizes the host with the producer's stream on every
wrap, refuses byte orders it cannot compute with, and copies memory that
lives on another device than the current one. Here the producer's stream is
waited for on the device, a dtype CuPy cannot hold comes back as raw bytes,
and the memory's own device is asked for.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from buffer_core.implementing import RawBytes
from buffer_gpu._cupy import (
    check_device,
    current_device_id,
    device_array_over,
    from_dlpack,
    is_imported_cupy_array,
    pointer_device,
    wait_for_stream,
)

__all__ = [
    "Interface",
    "holds_natively",
    "import_device_array",
    "is_device_array",
    "parse_interface",
]

# DLPack device types whose memory a CUDA kernel can address directly.
_DLPACK_CUDA = 2
_DLPACK_CUDA_MANAGED = 13
_MAX_ITEMSIZE = {"b": 1, "i": 8, "u": 8, "f": 8, "c": 16}


def holds_natively(dtype: np.dtype[Any]) -> bool:
    """Whether CuPy holds and computes with ``dtype`` as it is (native-order numbers)."""
    limit = _MAX_ITEMSIZE.get(dtype.kind)
    return (
        limit is not None
        and dtype.isnative
        and dtype.itemsize <= limit
        and dtype.names is None
        and dtype.subdtype is None
    )


def is_device_array(value: Any) -> bool:
    """Whether ``value`` exports CUDA device memory through either protocol."""
    if is_imported_cupy_array(value):
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
        return False  # BufferError: raw-bytes NDBuffers, which export nothing
    return device_type in (_DLPACK_CUDA, _DLPACK_CUDA_MANAGED)


class Interface(NamedTuple):
    """What a ``__cuda_array_interface__`` dict describes, checked."""

    pointer: int
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    strides: tuple[int, ...]
    stream: int | None
    nbytes: int  # the extent of memory the array touches, from the pointer


def parse_interface(interface: Any) -> Interface:
    """Read a CUDA Array Interface dict once, checking each entry.

    Raises
    ------
    TypeError
        If ``interface`` is not a dict of the version 2 or 3 layout.
    ValueError
        If an entry has an impossible value.
    """
    if not isinstance(interface, dict):
        msg = f"array: __cuda_array_interface__ must be a dict, got {type(interface).__name__}"
        raise TypeError(msg)
    try:
        pointer = int(interface["data"][0])
        shape = tuple(int(n) for n in interface["shape"])
        dtype = np.dtype(interface["typestr"])
    except (KeyError, TypeError, ValueError, IndexError) as error:
        msg = f"array: __cuda_array_interface__ is missing or misstates data, shape or typestr: {error}"
        raise TypeError(msg) from None
    given = interface.get("strides")
    if given is None:
        strides = tuple(dtype.itemsize * math.prod(shape[axis + 1 :]) for axis in range(len(shape)))
    else:
        strides = tuple(int(s) for s in given)
        if len(strides) != len(shape):
            msg = f"array: __cuda_array_interface__ gives {len(strides)} strides for shape {shape}"
            raise ValueError(msg)
    if any(n < 0 for n in shape):
        msg = f"array: __cuda_array_interface__ gives a negative dimension in {shape}"
        raise ValueError(msg)
    stream = interface.get("stream")
    if math.prod(shape) == 0:
        nbytes = 0
    else:
        low = sum(s * (n - 1) for n, s in zip(shape, strides, strict=True) if s < 0)
        if low:
            msg = "array: negative strides in __cuda_array_interface__ are not supported"
            raise ValueError(msg)
        nbytes = sum(s * (n - 1) for n, s in zip(shape, strides, strict=True)) + dtype.itemsize
    return Interface(
        pointer, shape, dtype, strides, None if stream is None else int(stream), nbytes
    )


def _interface_of(value: Any) -> Any:
    """``value.__cuda_array_interface__``, read once, or None where it has none."""
    try:
        return value.__cuda_array_interface__
    except AttributeError:  # none, or PyTorch's property refusing a CPU tensor
        return None


def import_device_array(value: Any) -> Any:
    """A CuPy array over ``value``'s device memory (or :class:`RawBytes` of it), or None.

    None when ``value`` exports no CUDA device memory. Never a copy.
    """
    if is_imported_cupy_array(value):
        return value
    interface = _interface_of(value)
    if interface is None:
        if not is_device_array(value):
            return None
        check_device()
        return from_dlpack(value)
    described = parse_interface(interface)
    check_device()
    owner = pointer_device(described.pointer) if described.pointer else None
    device = current_device_id() if owner is None else owner
    if described.stream is not None:
        # The producer's pending work on its stream comes first, waited for
        # on the device: no host synchronization per wrap.
        wait_for_stream(described.stream, device)
    raw = not holds_natively(described.dtype)
    itemsize = described.dtype.itemsize
    array = device_array_over(
        value,
        described.pointer,
        described.nbytes,
        device,
        (*described.shape, itemsize) if raw else described.shape,
        np.dtype(np.uint8) if raw else described.dtype,
        (*described.strides, 1) if raw else described.strides,
    )
    return RawBytes(array, described.dtype) if raw else array
