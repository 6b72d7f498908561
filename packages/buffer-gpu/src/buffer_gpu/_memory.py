"""CUDA device memory on CuPy: the storage hooks of buffer-gpu.

Everything a buffer does is buffer-core's; this module says only what
depends on the memory being a CUDA device's: allocation on the current
device, the two transfers through pinned staging, alignment and byte views,
ordering across streams (see ``_ordering``), copies between devices and
the interchange protocols.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal

import numpy as np

from buffer_core.implementing import Memory, allocation_failed
from buffer_gpu import _ordering
from buffer_gpu._cupy import (
    array_namespace,
    ascontiguousarray,
    check_device,
    current_device_id,
    current_stream,
    empty,
    is_imported_cupy_array,
    on_device,
    out_of_memory_guard,
    strided_view,
    zeros,
)
from buffer_gpu._interchange import holds_natively, import_device_array
from buffer_gpu._transfer import host_byte_view, stage_to_device, stage_to_host

__all__ = [
    "DEVICE_MEMORY",
    "DeviceMemory",
    "contiguous_layout",
    "layout_of",
    "memory_extent",
    "ranges_overlap",
]

_BYTE = np.dtype(np.uint8)


def layout_of(shape: tuple[int, ...], strides: tuple[int, ...], itemsize: int) -> str | None:
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


def contiguous_layout(
    shape: tuple[int, ...], strides: tuple[int, ...], itemsize: int
) -> str | None:
    """How an array's bytes lie together: ``"C"``, ``"F"``, ``"rawF"`` or None (scattered).

    ``"rawF"`` is raw bytes (a ``uint8`` last axis of stride 1) whose leading
    axes are in F order, each element's bytes kept together.
    """
    if itemsize == 1 and len(shape) > 2 and shape[-1] > 1 and strides[-1] == 1:
        leading = layout_of(shape[:-1], strides[:-1], int(shape[-1]))
        if leading == "F":
            return "rawF"
        if leading == "C":
            return "C"
    return layout_of(shape, strides, itemsize)


def memory_extent(
    pointer: int, shape: tuple[int, ...], strides: tuple[int, ...], itemsize: int
) -> tuple[int, int]:
    """The byte range ``[start, stop)`` an array at ``pointer`` touches; empty without elements."""
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


def _device_id(array: Any) -> int:
    return int(array.device.id)


class DeviceMemory(Memory):
    """CUDA device memory in CuPy arrays, allocated on the current CuPy device.

    Native-order numbers are held as they are; every other dtype as raw
    bytes. Host memory crosses through the pinned staging pool; work on a
    buffer runs on the buffer's own device, on that device's current CuPy
    stream, ordered after the buffer's earlier reads and writes.
    """

    @property
    def xp(self) -> Any:
        return array_namespace()

    def is_array(self, obj: Any) -> bool:
        # A CuPy array cannot exist before CuPy is imported: no import here,
        # so values and keys of every kind are told apart on any machine.
        return is_imported_cupy_array(obj)

    def import_array(self, obj: Any) -> Any:
        return import_device_array(obj)

    def device(self, array: Any) -> str:
        return f"cuda:{_device_id(array)}"

    def holds_natively(self, dtype: np.dtype[Any]) -> bool:
        return holds_natively(dtype)

    def is_aligned(self, array: Any) -> bool:
        # A misaligned load faults and takes the CUDA context with it (zarr's
        # sharding puts inner chunks at offsets 4 mod 8, viewed as <f8).
        itemsize = int(array.dtype.itemsize)
        return int(array.data.ptr) % itemsize == 0 and all(
            int(s) % itemsize == 0 for s in array.strides
        )

    def allocate(self, shape: tuple[int, ...], dtype: np.dtype[Any], *, zeroed: bool) -> Any:
        check_device()
        nbytes = math.prod(shape) * dtype.itemsize
        where = f"cuda:{current_device_id()}"
        try:
            with out_of_memory_guard(nbytes, where):
                return (zeros if zeroed else empty)(shape, dtype)
        except MemoryError as error:
            msg = f"{allocation_failed(shape, dtype)} on {where}"
            raise MemoryError(msg) from error

    def from_host(self, host: np.ndarray[Any, Any]) -> Any:
        storage = self.allocate(tuple(host.shape), host.dtype, zeroed=False)
        if host.size and host.dtype.itemsize:
            stage_to_device([host_byte_view(host)], int(storage.data.ptr))
        return storage

    def to_host(self, array: Any) -> np.ndarray[Any, Any]:
        with on_device(_device_id(array)):
            itemsize = int(array.dtype.itemsize)
            layout = contiguous_layout(tuple(array.shape), tuple(array.strides), itemsize)
            if layout is None:
                array, layout = ascontiguousarray(array), "C"
            shape = tuple(int(n) for n in array.shape)
            if layout == "rawF":
                # Raw bytes whose leading axes are in F order: received as their
                # C-contiguous transpose, then transposed back, on the host.
                axes = (*reversed(range(len(shape) - 1)), len(shape) - 1)
                host = np.empty(tuple(shape[a] for a in axes), dtype=array.dtype)
                if host.size:
                    stage_to_host(int(array.data.ptr), host_byte_view(host))
                return host.transpose(axes)
            order: Literal["C", "F"] = "F" if layout == "F" else "C"
            host = np.empty(shape, dtype=array.dtype, order=order)
            if host.size and itemsize:
                stage_to_host(int(array.data.ptr), host_byte_view(host))
            return host

    def raw_bytes(self, array: Any) -> Any:
        itemsize = int(array.dtype.itemsize)
        shape = (*(int(n) for n in array.shape), itemsize)
        strides = (*(int(s) for s in array.strides), 1)
        return strided_view(array, shape, strides, _BYTE)

    def native_view(self, raw: Any, dtype: np.dtype[Any]) -> Any:
        itemsize = dtype.itemsize
        strides = tuple(int(s) for s in raw.strides)
        if int(raw.shape[-1]) != itemsize or (itemsize > 1 and strides[-1] != 1):
            return None
        if int(raw.data.ptr) % itemsize or any(s % itemsize for s in strides[:-1]):
            return None
        return strided_view(raw, tuple(int(n) for n in raw.shape[:-1]), strides[:-1], dtype)

    def astype(self, array: Any, dtype: np.dtype[Any], order: str) -> Any:
        return array.astype(dtype, order=order)

    def overlaps(self, first: Any, second: Any) -> bool:
        # CuPy assigns contiguous arrays with one cudaMemcpyAsync, undefined
        # when the ranges overlap; NumPy assigns as if through a temporary.
        return _device_id(first) == _device_id(second) and ranges_overlap(
            _extent(first), _extent(second)
        )

    def bring(self, array: Any, record: Any, near: Any) -> Any:
        _ordering.wait_for_writes(record)
        source_device = _device_id(array)
        if source_device == _device_id(near):
            return array
        with on_device(source_device):
            _ordering.wait_for_writes(record)
            source = ascontiguousarray(array)
            # The copy below runs on the destination's stream: the source
            # device's stream must be done with the source first.
            current_stream().synchronize()
        copied = self.allocate(tuple(source.shape), source.dtype, zeroed=False)
        # Slice assignment between devices needs peer access, which CuPy turns
        # on only for copies through MemoryPointer: that copy is
        # cudaMemcpyDefault, which crosses devices through unified addressing.
        copied.data.copy_from_device_async(source.data, int(source.nbytes))
        # The source (or its contiguous temporary) may be freed and reused on
        # its own device once dropped: finish the copy first.
        current_stream().synchronize()
        return copied

    def write_from_host(self, destination: Any, sources: Sequence[np.ndarray[Any, Any]]) -> None:
        if destination.flags.c_contiguous:
            # Straight into the destination: no temporary device array.
            stage_to_device(list(sources), int(destination.data.ptr))
            return
        super().write_from_host(destination, sources)

    def new_record(self) -> _ordering.AccessRecord:
        return _ordering.AccessRecord()

    def created(self, array: Any, record: Any) -> None:
        _ordering.created(_device_id(array), record)

    def reading(self, array: Any, record: Any) -> AbstractContextManager[Any]:
        return _ordering.reading(_device_id(array), record)

    def writing(self, array: Any, record: Any) -> AbstractContextManager[Any]:
        return _ordering.writing(_device_id(array), record)

    def exported(self, array: Any, record: Any) -> Any:
        _ordering.exported(_device_id(array), record)
        return array


#: The one device memory every buffer-gpu class uses.
DEVICE_MEMORY = DeviceMemory()
