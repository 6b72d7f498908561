"""Device arrays: allocation, layout, and moving them between devices or to native order."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np

from buffer_gpu._cupy import cupy, out_of_memory_guard
from buffer_gpu._dtypes import is_device_native
from buffer_gpu._transfer import copy_device_to_device, host_byte_view, stage_to_device

__all__ = [
    "allocate",
    "bring_to_current_device",
    "contiguous_storage",
    "current_device_name",
    "native_to_raw",
    "raw_to_native",
    "upload",
]


def current_device_name() -> str:
    """``"cuda:N"`` for the current CuPy device."""
    return f"cuda:{int(cupy().cuda.Device().id)}"


def allocate(
    shape: tuple[int, ...], dtype: np.dtype[Any], order: Literal["C", "F"], *, zeroed: bool
) -> Any:
    """Device memory for ``shape`` elements of ``dtype`` on the current device.

    Native dtypes get a CuPy array of that dtype. Others get raw storage: a
    ``uint8`` array of shape ``(*shape, itemsize)`` whose last axis is always
    the fastest, so that ``order="F"`` keeps each element's bytes together.
    """
    cp = cupy()
    nbytes = math.prod(shape) * dtype.itemsize
    make = cp.zeros if zeroed else cp.empty
    with out_of_memory_guard(nbytes, current_device_name()):
        if is_device_native(dtype):
            return make(shape, dtype=dtype, order=order)
        if order == "C":
            return make((*shape, dtype.itemsize), dtype=np.uint8)
        # The C layout of the reversed shape is the F layout of the shape.
        storage = make((*reversed(shape), dtype.itemsize), dtype=np.uint8)
        return storage.transpose((*reversed(range(len(shape))), len(shape)))


def _layout_of(shape: tuple[int, ...], strides: tuple[int, ...], itemsize: int) -> str | None:
    """``"C"`` or ``"F"`` when the strides are those of a contiguous array of that order."""

    def matches(axes: Iterable[int]) -> bool:
        expected = itemsize
        for axis in axes:
            if shape[axis] != 1 and strides[axis] != expected:
                return False
            expected *= shape[axis]
        return True

    if math.prod(shape) == 0 or matches(reversed(range(len(shape)))):
        return "C"
    if matches(range(len(shape))):
        return "F"
    return None


def contiguous_storage(storage: Any, raw: bool) -> tuple[Any, Literal["C", "F"]]:
    """``storage`` itself if its elements are laid out C- or F-contiguously, else a C copy.

    The order says how the host array receiving the bytes must be laid out.
    """
    cp = cupy()
    if not raw:
        if storage.flags.c_contiguous:
            return storage, "C"
        if storage.flags.f_contiguous:
            return storage, "F"
        return cp.ascontiguousarray(storage), "C"
    itemsize = int(storage.shape[-1])
    if storage.strides[-1] == 1 or itemsize == 1:
        layout = _layout_of(tuple(storage.shape[:-1]), tuple(storage.strides[:-1]), itemsize)
        if layout == "C":
            return storage, "C"
        if layout == "F":
            return storage, "F"
    return cp.ascontiguousarray(storage), "C"


def upload(host: np.ndarray[Any, Any]) -> Any:
    """Copy a host array to new memory on the current device: the one host-to-device copy.

    Native dtypes keep their dtype on the device; others become raw storage
    holding the same bytes. The memory order of contiguous input is kept.
    """
    if not (host.flags.c_contiguous or host.flags.f_contiguous):
        # Strided host data is gathered once on the host; the staging copy
        # after it then moves whole chunks.
        host = np.ascontiguousarray(host)
    order: Literal["C", "F"] = (
        "F" if host.flags.f_contiguous and not host.flags.c_contiguous else "C"
    )
    storage = allocate(host.shape, host.dtype, order, zeroed=False)
    if host.size:
        stage_to_device([host_byte_view(host)], int(storage.data.ptr))
    return storage


def bring_to_current_device(array: Any) -> Any:
    """``array`` if it lives on the current device, else a copy of it there."""
    cp = cupy()
    here = int(cp.cuda.Device().id)
    if int(array.device.id) == here:
        return array
    with cp.cuda.Device(array.device.id):
        source = cp.ascontiguousarray(array)
    copied = allocate(tuple(source.shape), source.dtype, "C", zeroed=False)
    # Ordered after work on the source's device: wait for that stream first.
    with cp.cuda.Device(source.device.id):
        cp.cuda.get_current_stream().synchronize()
    copy_device_to_device(int(copied.data.ptr), int(source.data.ptr), int(source.nbytes))
    # The copy reads memory of the other device, whose pool may hand the
    # contiguous temporary (or the caller's array) out again once it is
    # dropped, ordered only on that device's stream: finish the copy first.
    cp.cuda.get_current_stream().synchronize()
    return copied


def raw_to_native(storage: Any, dtype: np.dtype[Any], native: np.dtype[Any]) -> Any:
    """The values of byte-swapped numbers held as raw storage, as a native CuPy array (a copy)."""
    cp = cupy()
    shape = tuple(storage.shape[:-1])
    parts = 2 if dtype.kind == "c" else 1
    split = storage.reshape((*shape, parts, dtype.itemsize // parts))
    swapped = cp.ascontiguousarray(split[..., ::-1]).reshape((*shape, dtype.itemsize))
    return swapped.view(native)[..., 0]


def native_to_raw(array: Any, dtype: np.dtype[Any]) -> Any:
    """Raw storage of ``dtype`` (a byte-swapped number) for the native CuPy ``array`` (a copy)."""
    cp = cupy()
    shape = tuple(array.shape)
    parts = 2 if dtype.kind == "c" else 1
    contiguous = cp.ascontiguousarray(array).reshape((*shape, 1))
    as_bytes = contiguous.view(np.uint8).reshape((*shape, parts, dtype.itemsize // parts))
    return cp.ascontiguousarray(as_bytes[..., ::-1]).reshape((*shape, dtype.itemsize))
