"""Flat byte buffers in CUDA device memory."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any, Self

import numpy as np
import numpy.typing as npt

import buffer_core
from buffer_core._buffer import check_byte_array, check_contiguous_slice, require_buffer
from buffer_core._errors import describe, expected_type
from buffer_core._validation import host_bytes_of, stage_bytes
from buffer_gpu._cupy import array_equal, check_device, is_cupy_array
from buffer_gpu._device_arrays import (
    allocate,
    bring_to_current_device,
    contiguous_storage,
    independent_of,
    upload,
)
from buffer_gpu._interchange import import_device_array, is_device_array
from buffer_gpu._resident import DeviceResident, wait_for_writes
from buffer_gpu._transfer import stage_to_device, stage_to_host

__all__ = ["Buffer"]

_BYTE = np.dtype("B")


def _device_bytes(array_like: Any) -> Any:
    """What the constructor wraps: a device array as it is, a host byte array copied once."""
    if is_device_array(array_like):
        return import_device_array(array_like)
    if isinstance(array_like, np.ndarray):
        # Checked before the copy, as the base class checks device arrays.
        check_byte_array(array_like)
        check_device()
        return upload(array_like)
    raise expected_type(
        array_like,
        "array_like",
        "a 1-d uint8 device array (CuPy, or any object with __cuda_array_interface__ "
        "or CUDA __dlpack__) or a NumPy array to copy to the device",
    )


class Buffer(DeviceResident, buffer_core.Buffer):
    """Flat bytes in CUDA device memory, held by a 1-d CuPy ``uint8`` array.

    The constructor and :meth:`from_array_like` wrap device arrays from any
    library that speaks the CUDA Array Interface or DLPack (CuPy, Numba,
    PyTorch, JAX) without a copy; a NumPy byte array is copied to the
    current device once. Device buffers are always writable.

    Memory is allocated on the current CuPy device; operations on a buffer
    run on the buffer's own device, on that device's current CuPy stream,
    after the buffer's own writes on any other stream. Host-to-device copies
    may still be in flight when a method returns: call :meth:`synchronize`
    before handing the memory returned by :meth:`as_array_like` to other work.
    """

    _data: Any

    def __init__(self, array_like: Any) -> None:
        uploaded = isinstance(array_like, np.ndarray)
        super().__init__(_device_bytes(array_like))
        if uploaded:
            self._mark_written()

    @classmethod
    def _check_memory(cls, array_like: Any) -> None:
        if not is_cupy_array(array_like):
            raise expected_type(
                array_like,
                "array_like",
                "a CuPy array in device memory (use from_buffer() to move host data)",
            )

    # --- construction ------------------------------------------------------------------------

    @classmethod
    def create_zero_length(cls) -> Self:
        check_device()
        return cls(allocate((0,), _BYTE, "C", zeroed=False))

    @classmethod
    def from_buffer(cls, buffer: buffer_core.Buffer) -> Self:
        source = require_buffer("buffer", buffer)
        if isinstance(source, Buffer):
            result = cls(source._data)
            result._share_writes(source)
            return result
        array = source.as_array_like()
        if is_device_array(array):
            return cls(array)
        # A NumPy array: the constructor copies it to the device.
        return cls(np.ascontiguousarray(source.as_numpy_array()).reshape(-1).view(_BYTE))

    @classmethod
    def from_bytes(cls, bytes_like: Any) -> Self:
        host = host_bytes_of(bytes_like)
        check_device()
        return cls(host)

    # --- conversion --------------------------------------------------------------------------

    def as_numpy_array(self) -> npt.NDArray[Any]:
        """The bytes copied to host memory, through the pinned staging pool."""
        with self._on_own_device():
            storage, _ = contiguous_storage(self._data, raw=False)
            host = np.empty(int(storage.size), dtype=_BYTE)
            stage_to_host(int(storage.data.ptr), host)
        return host

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        """Export the bytes to CuPy, Numba or PyTorch without a copy."""
        # The interface's "stream" is CuPy's current stream of the current
        # device, which consumers wait on: it must be this buffer's device's,
        # as __dlpack__ is, whatever device the caller has current.
        with self._on_own_device():
            interface: dict[str, Any] = self._data.__cuda_array_interface__
        return interface

    def __dlpack__(self, **kwargs: Any) -> Any:
        """Export the bytes through DLPack, without a copy."""
        with self._on_own_device():
            return self._data.__dlpack__(**kwargs)

    def __getitem__(self, key: slice) -> Self:
        view = super().__getitem__(key)
        view._share_writes(self)
        return view

    # --- writing ------------------------------------------------------------------------------

    def __setitem__(self, key: slice, value: Any) -> None:
        key = check_contiguous_slice(key)
        start, stop, _ = key.indices(len(self))
        expected = max(0, stop - start)
        # Host values are checked and converted whole before any device work
        # (the rule buffer-core's stage_bytes holds), so a failed write
        # changes nothing; Buffers and device arrays are bytes already.
        staged = None
        if not (isinstance(value, buffer_core.Buffer) or is_device_array(value)):
            staged = stage_bytes(value, expected)
        with self._on_own_device():
            if isinstance(staged, int):
                self._data[key] = staged  # one fill kernel
                self._mark_written()
                return
            source, host = (None, staged) if staged is not None else self._value_source(value)
            got = int(source.size if source is not None else host.size)  # type: ignore[union-attr]
            if got != expected:
                msg = f"value: expected {expected} bytes to fill {key}, got {got} bytes"
                raise ValueError(msg)
            if host is not None and self._data.flags.c_contiguous:
                # Straight into the slice: no temporary device array.
                stage_to_device([host], int(self._data.data.ptr) + start)
            elif host is not None:
                self._data[key] = upload(host)
            else:
                self._data[key] = independent_of(bring_to_current_device(source), self._data)
            self._mark_written()

    def _value_source(self, value: Any) -> tuple[Any, npt.NDArray[np.uint8] | None]:
        """``(device array, None)`` or ``(None, host bytes)`` for a value; ``(None, None)`` for scalars."""
        if isinstance(value, buffer_core.Buffer):
            wait_for_writes(value)
            array = value.as_array_like()
            if is_device_array(array):
                return import_device_array(array), None
            return None, _host_bytes(value.as_numpy_array())
        if isinstance(value, (bytes, bytearray, memoryview)):
            return None, np.frombuffer(value, dtype=_BYTE)
        if is_device_array(value):
            device = import_device_array(value)
            if device.dtype != _BYTE:
                # CuPy would cast any dtype to bytes silently, wrapping values past 255.
                raise expected_type(value, "value", "a device array of dtype uint8 (or host bytes)")
            return device.reshape(-1), None
        if isinstance(value, np.ndarray) and value.ndim > 0:
            return None, _host_bytes(value.astype(_BYTE, copy=False))
        return None, None

    def _coerce_value(self, value: Any) -> Any:
        source, host = self._value_source(value)
        if source is not None:
            return independent_of(bring_to_current_device(source), self._data)
        return value if host is None else upload(host)

    # --- combining ----------------------------------------------------------------------------

    def combine(self, others: Iterable[buffer_core.Buffer]) -> Self:
        """Concatenate into new memory on this buffer's device.

        Device parts are copied device to device; all host parts are packed
        into pinned staging memory and cross the bus together, in one copy
        per staging chunk (one in all when they fit in a chunk).
        """
        if isinstance(others, buffer_core.Buffer):
            raise expected_type(others, "others", "an iterable of Buffers (wrap one in a list)")
        try:
            parts: list[Any] = list(others)
        except TypeError:
            raise expected_type(others, "others", "an iterable of Buffers") from None
        for index, part in enumerate(parts):
            if not isinstance(part, buffer_core.Buffer):
                msg = f"others[{index}]: expected a Buffer, got {describe(part)}"
                raise TypeError(msg)
        with self._on_own_device():
            pieces: list[tuple[int, Any, npt.NDArray[np.uint8] | None]] = []
            offset = 0
            for part in [self, *parts]:
                wait_for_writes(part)
                array = part.as_array_like()
                if is_device_array(array):
                    pieces.append(
                        (offset, bring_to_current_device(import_device_array(array)), None)
                    )
                else:
                    host = _host_bytes(part.as_numpy_array())
                    pieces.append((offset, None, host))
                offset += len(part)
            result = allocate((offset,), _BYTE, "C", zeroed=False)
            for start, device, _ in pieces:
                if device is not None and device.size:
                    result[start : start + int(device.size)] = device.reshape(-1)
            self._upload_host_pieces(result, [(s, h) for s, _, h in pieces if h is not None])
            combined = self.__class__(result)
            combined._mark_written()
        return combined

    @staticmethod
    def _upload_host_pieces(result: Any, pieces: list[tuple[int, npt.NDArray[np.uint8]]]) -> None:
        pieces = [(start, host) for start, host in pieces if host.size]
        if not pieces:
            return
        base = int(result.data.ptr)
        adjacent = all(
            start + host.size == following
            for (start, host), (following, _) in itertools.pairwise(pieces)
        )
        if adjacent:
            stage_to_device([host for _, host in pieces], base + pieces[0][0])
            return
        # Device parts sit between host parts: the host parts still cross
        # together, into scratch memory, and are placed by device copies.
        total = sum(host.size for _, host in pieces)
        scratch = allocate((total,), _BYTE, "C", zeroed=False)
        stage_to_device([host for _, host in pieces], int(scratch.data.ptr))
        position = 0
        for start, host in pieces:
            result[start : start + host.size] = scratch[position : position + host.size]
            position += host.size

    # --- comparison ---------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        """Compared on this buffer's device; host bytes of ``other`` are copied there."""
        if not isinstance(other, buffer_core.Buffer):
            return False  # as in the ABC: anything else is not equal, and NumPy must not decide
        if len(self) != len(other):
            return False
        if len(self) == 0:
            return True
        with self._on_own_device():
            source, host = self._value_source(other)
            theirs = upload(host) if host is not None else bring_to_current_device(source)
            return array_equal(self._data, theirs)

    __hash__ = None  # mutable, compared by value


def _host_bytes(array: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """A contiguous 1-d ``uint8`` view (or, for strided input, copy) of host bytes."""
    contiguous = np.ascontiguousarray(array)
    return contiguous.reshape(-1).view(_BYTE)
