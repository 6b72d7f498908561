"""Device arrays: allocation, layout, and moving them between devices or to native order."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np

from buffer_core._validation import allocation_failed
from buffer_gpu._cupy import (
    ascontiguousarray,
    current_device_id,
    current_stream,
    empty,
    is_cupy_array,
    on_device,
    out_of_memory_guard,
    strided_view,
    zeros,
)
from buffer_gpu._dtypes import is_device_native
from buffer_gpu._transfer import host_byte_view, stage_to_device

__all__ = [
    "allocate",
    "bring_to_current_device",
    "contiguous_storage",
    "current_device_name",
    "independent_of",
    "memory_extent",
    "native_to_raw",
    "ranges_overlap",
    "raw_bytes_view",
    "raw_to_native",
    "upload",
]


_BYTE = np.dtype(np.uint8)


def current_device_name() -> str:
    """``"cuda:N"`` for the current CuPy device."""
    return f"cuda:{current_device_id()}"


def allocate(
    shape: tuple[int, ...], dtype: np.dtype[Any], order: Literal["C", "F"], *, zeroed: bool
) -> Any:
    """Device memory for ``shape`` elements of ``dtype`` on the current device.

    Native dtypes get a CuPy array of that dtype. Others get raw storage: a
    ``uint8`` array of shape ``(*shape, itemsize)`` whose last axis is always
    the fastest, so that ``order="F"`` keeps each element's bytes together.
    """
    nbytes = math.prod(shape) * dtype.itemsize
    make = zeros if zeroed else empty
    where = current_device_name()
    try:
        with out_of_memory_guard(nbytes, where):
            if is_device_native(dtype):
                return make(shape, dtype, order)
            if order == "C":
                return make((*shape, dtype.itemsize), _BYTE)
            # The C layout of the reversed shape is the F layout of the shape.
            storage = make((*reversed(shape), dtype.itemsize), _BYTE)
            return storage.transpose((*reversed(range(len(shape))), len(shape)))
    except MemoryError as error:
        msg = f"{allocation_failed(shape, dtype)} on {where}"
        raise MemoryError(msg) from error


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
    if not raw:
        if storage.flags.c_contiguous:
            return storage, "C"
        if storage.flags.f_contiguous:
            return storage, "F"
        return ascontiguousarray(storage), "C"
    itemsize = int(storage.shape[-1])
    if storage.strides[-1] == 1 or itemsize == 1:
        layout = _layout_of(tuple(storage.shape[:-1]), tuple(storage.strides[:-1]), itemsize)
        if layout == "C":
            return storage, "C"
        if layout == "F":
            return storage, "F"
    return ascontiguousarray(storage), "C"


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
    source_device = int(array.device.id)
    if source_device == current_device_id():
        return array
    with on_device(source_device):
        source = ascontiguousarray(array)
        # The copy below runs on this device's stream: the source's own
        # stream must have finished writing it first.
        current_stream().synchronize()
    copied = allocate(tuple(source.shape), source.dtype, "C", zeroed=False)
    # Slice assignment between devices needs peer access, which CuPy turns on
    # only for copies through MemoryPointer: that copy is cudaMemcpyDefault,
    # which crosses devices through unified addressing either way.
    copied.data.copy_from_device_async(source.data, int(source.nbytes))
    # The copy reads memory of the other device, whose pool may hand the
    # contiguous temporary (or the caller's array) out again once it is
    # dropped, ordered only on that device's stream: finish the copy first.
    current_stream().synchronize()
    return copied


def memory_extent(
    pointer: int, shape: tuple[int, ...], strides: tuple[int, ...], itemsize: int
) -> tuple[int, int]:
    """The byte range ``[start, stop)`` that an array at ``pointer`` touches; empty when it has no elements."""
    if math.prod(shape) == 0:
        return pointer, pointer
    low = pointer + sum(s * (n - 1) for n, s in zip(shape, strides, strict=True) if s < 0)
    high = pointer + sum(s * (n - 1) for n, s in zip(shape, strides, strict=True) if s > 0)
    return low, high + itemsize


def ranges_overlap(first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Whether two byte ranges ``[start, stop)`` share a byte."""
    return (
        first[0] < second[1]
        and second[0] < first[1]
        and first[0] < first[1]
        and second[0] < second[1]
    )


def _extent(array: Any) -> tuple[int, int]:
    return memory_extent(
        int(array.data.ptr), tuple(array.shape), tuple(array.strides), int(array.dtype.itemsize)
    )


def independent_of(source: Any, destination: Any) -> Any:
    """``source``, or a copy of it when its memory overlaps ``destination``'s.

    NumPy assigns overlapping arrays as if through a temporary. CuPy does
    not: for contiguous arrays of one dtype its assignment is one
    ``cudaMemcpyAsync``, whose result is undefined when the ranges overlap
    (and its element-wise kernel reads and writes in no fixed order), so
    ``buf[1:5] = buf[0:4]`` could smear the first byte. Only arrays on the
    same device can share memory; anything but a CuPy array is passed on.
    """
    if not is_cupy_array(source) or int(source.device.id) != int(destination.device.id):
        return source
    if ranges_overlap(_extent(source), _extent(destination)):
        return source.copy()
    return source


def raw_bytes_view(array: Any) -> Any:
    """Raw storage over a device array's own memory: ``uint8`` with a trailing axis of its itemsize.

    No copy: the view has the array's strides and a byte stride of 1, so it
    works for any layout.
    """
    itemsize = int(array.dtype.itemsize)
    shape = (*(int(n) for n in array.shape), itemsize)
    strides = (*(int(s) for s in array.strides), 1)
    return strided_view(array, shape, strides, _BYTE)


def raw_to_native(storage: Any, dtype: np.dtype[Any], native: np.dtype[Any]) -> Any:
    """The values of byte-swapped numbers held as raw storage, as a native CuPy array (a copy)."""
    shape = tuple(storage.shape[:-1])
    parts = 2 if dtype.kind == "c" else 1
    split = storage.reshape((*shape, parts, dtype.itemsize // parts))
    swapped = ascontiguousarray(split[..., ::-1]).reshape((*shape, dtype.itemsize))
    return swapped.view(native)[..., 0]


def native_to_raw(array: Any, dtype: np.dtype[Any]) -> Any:
    """Raw storage of ``dtype`` (a byte-swapped number) for the native CuPy ``array`` (a copy)."""
    shape = tuple(array.shape)
    parts = 2 if dtype.kind == "c" else 1
    contiguous = ascontiguousarray(array).reshape((*shape, 1))
    as_bytes = contiguous.view(np.uint8).reshape((*shape, parts, dtype.itemsize // parts))
    return ascontiguousarray(as_bytes[..., ::-1]).reshape((*shape, dtype.itemsize))
