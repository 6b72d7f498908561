"""N-dimensional buffers in CUDA device memory."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, Self, SupportsIndex, cast

import numpy as np
import numpy.typing as npt

import buffer_core
from buffer_core._errors import expected_type
from buffer_core._protocols import ScalarType
from buffer_core._validation import (
    check_allocation,
    conversion_failed,
    convert_fill_value,
    parse_axes,
    parse_dtype,
    parse_newshape,
    parse_order,
    parse_permutation,
    parse_shape,
    raise_key_error,
    stage_values,
)
from buffer_gpu._all_equal import all_equal_native, all_equal_raw
from buffer_gpu._cupy import as_device_array, check_device, is_cupy_array, strided_view
from buffer_gpu._device_arrays import (
    allocate,
    bring_to_current_device,
    contiguous_storage,
    independent_of,
    native_to_raw,
    raw_bytes_view,
    raw_to_native,
    upload,
)
from buffer_gpu._dtypes import (
    allocation_layout,
    is_device_native,
    native_counterpart,
    parse_device_dtype,
)
from buffer_gpu._interchange import import_device_array, is_device_array
from buffer_gpu._resident import DeviceResident, wait_for_writes
from buffer_gpu._transfer import host_byte_view, stage_to_host

__all__ = ["NDBuffer"]

_ARRAY_HINT = (
    "a device array (CuPy, or any object with __cuda_array_interface__ or CUDA __dlpack__) "
    "or a NumPy array to copy to the device"
)


def _is_scalar(value: Any) -> bool:
    """Whether ``value`` is written as one element: not a buffer, device array, array or sequence.

    Lists and tuples count as arrays (a tuple is one record of a structured
    dtype, which the whole-value conversion handles too).
    """
    if isinstance(value, (list, tuple, buffer_core.NDBuffer)) or is_device_array(value):
        return False
    return int(getattr(value, "ndim", 0)) == 0


def _as_scalar_of(dtype: np.dtype[Any], value: Any) -> np.ndarray[Any, Any] | None:
    """A scalar ``value`` as a 0-d host array of ``dtype`` (the one fill-value rule), else None.

    None for arrays, sequences, buffers and device arrays, which are
    converted as a whole before they are written.
    """
    if not _is_scalar(value):
        return None
    return cast("np.ndarray[Any, Any]", convert_fill_value(value, dtype, "value"))


def _holds_device_array(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return any(is_device_array(part) for part in parts)


def _bit_pattern_view(data: Any) -> tuple[Any, bool]:
    """``data`` as unsigned integers of its bytes, and whether a trailing axis was added.

    Native elements of 1, 2, 4 or 8 bytes become one unsigned integer of the
    same width (same shape and strides); complex128 becomes two 64-bit words
    on a trailing axis.
    """
    itemsize = int(data.dtype.itemsize)
    if itemsize in (1, 2, 4, 8):
        return data.view(np.dtype(f"u{itemsize}")), False
    words = itemsize // 8
    shape = (*(int(n) for n in data.shape), words)
    strides = (*(int(s) for s in data.strides), 8)
    return strided_view(data, shape, strides, np.dtype(np.uint64)), True


def _normalize_key(key: Any) -> tuple[Any, ...]:
    """The key as a tuple holding an Ellipsis, with host index arrays moved to the device.

    The Ellipsis keeps integer indexing from producing a scalar (0-d views
    instead) and leaves room for the raw storage's trailing byte axis.
    """
    parts = key if isinstance(key, tuple) else (key,)
    if not any(part is Ellipsis for part in parts):
        parts = (*parts, Ellipsis)
    return tuple(as_device_array(part) if isinstance(part, np.ndarray) else part for part in parts)


class NDBuffer(DeviceResident, buffer_core.NDBuffer):
    """N-dimensional data in CUDA device memory, held by a CuPy array.

    Dtypes CuPy computes with (native-order booleans, integers, floats and
    complex numbers) are held as CuPy arrays of that dtype, which
    :meth:`as_ndarray_like` returns. Other dtypes (big-endian numbers,
    strings, datetimes, extended precision) are held as their raw bytes: a
    ``uint8`` CuPy array with an extra last axis of length ``itemsize``, the
    dtype kept beside it; :attr:`dtype` and :attr:`shape` describe the data,
    not that array. Where CuPy has no arithmetic for such a dtype,
    :meth:`astype` converts through the host.

    Memory is allocated on the current CuPy device; operations on a buffer
    run on the buffer's own device, on that device's current CuPy stream;
    :meth:`synchronize` waits for them.
    """

    _data: Any
    _dtype: np.dtype[Any]
    _raw: bool

    def __init__(self, array: Any) -> None:
        if is_device_array(array):
            device_array = import_device_array(array)
            if isinstance(array, NDBuffer):
                self._share_writes(array)
            if not is_device_native(device_array.dtype):
                # CuPy arrays can carry dtypes CuPy cannot compute with:
                # ndarray.view skips CuPy's dtype check, so a ">f8" view
                # (zarr's BytesCodec makes exactly that) would be compiled
                # into kernels as a native double. Such memory is held as raw
                # bytes, like every other dtype CuPy has no kernels for.
                self._set(raw_bytes_view(device_array), device_array.dtype)
                return
        elif isinstance(array, np.ndarray):
            parse_device_dtype(array.dtype, "array")
            check_device()
            self._set(upload(array), array.dtype)
            self._mark_written()
            return
        else:
            raise expected_type(array, "array", _ARRAY_HINT)
        super().__init__(device_array)
        self._dtype = device_array.dtype
        self._raw = False

    def _set(self, storage: Any, dtype: np.dtype[Any], raw: bool | None = None) -> None:
        """Hold ``storage``; ``raw`` says it is raw bytes even though CuPy could hold ``dtype``.

        That is the case for a field of a structured buffer whose bytes are
        not aligned for CUDA loads of its dtype.
        """
        self._data = storage
        self._dtype = dtype
        self._raw = not is_device_native(dtype) if raw is None else raw

    def _wrap(
        self,
        storage: Any,
        dtype: np.dtype[Any] | None = None,
        *,
        view: bool,
        raw: bool | None = None,
    ) -> Self:
        """A buffer of this class over ``storage`` holding elements of ``dtype``.

        ``storage`` was made on the current stream after this buffer's writes.
        A ``view`` of this buffer's memory (which CuPy may have had to copy,
        for a reshape or an advanced index) shares its record of writes;
        anything else is new memory. Either way, what the current stream did
        to make it is recorded as its latest write.
        """
        result = self.__class__.__new__(self.__class__)
        if dtype is None:
            result._set(storage, self._dtype, self._raw)
        else:
            result._set(storage, dtype, raw)
        if view:
            result._share_writes(self)
        result._mark_written()
        return result

    @classmethod
    def _from_storage(cls, storage: Any, dtype: np.dtype[Any]) -> Self:
        """A buffer over new ``storage`` that the current stream has just written (or allocated)."""
        result = cls.__new__(cls)
        result._set(storage, dtype)
        result._mark_written()
        return result

    @classmethod
    def _check_memory(cls, array: Any) -> None:
        if not is_cupy_array(array):
            raise expected_type(array, "array", _ARRAY_HINT)

    # --- construction ----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        shape: Iterable[int],
        dtype: npt.DTypeLike,
        order: Literal["C", "F"] = "C",
        fill_value: Any | None = None,
    ) -> Self:
        dims, parsed = allocation_layout(parse_shape(shape), parse_device_dtype(parse_dtype(dtype)))
        check_allocation(dims, parsed)
        layout = parse_order(order)
        if fill_value is None:
            check_device()
            return cls._from_storage(allocate(dims, parsed, layout, zeroed=True), parsed)
        scalar = convert_fill_value(fill_value, parsed)
        check_device()
        zero_bits = not scalar.tobytes().strip(b"\0")
        # Zero bits are a memset; anything else is one fill kernel.
        storage = allocate(dims, parsed, layout, zeroed=zero_bits)
        result = cls._from_storage(storage, parsed)
        if not zero_bits:
            result._write_bits((Ellipsis,), scalar)
            result._mark_written()
        return result

    @classmethod
    def empty(
        cls, shape: tuple[int, ...], dtype: npt.DTypeLike, order: Literal["C", "F"] = "C"
    ) -> Self:
        dims, parsed = allocation_layout(parse_shape(shape), parse_device_dtype(parse_dtype(dtype)))
        check_allocation(dims, parsed)
        layout = parse_order(order)
        check_device()
        return cls._from_storage(allocate(dims, parsed, layout, zeroed=False), parsed)

    @classmethod
    def from_numpy_array(cls, array_like: npt.ArrayLike) -> Self:
        """Wrap a device array without a copy; copy anything else to the device once."""
        if is_device_array(array_like):
            return cls(array_like)
        try:
            host = np.asarray(array_like)
        except (TypeError, ValueError) as error:  # ragged nesting, unconvertible objects
            msg = f"array_like: NumPy cannot make an array of it: {error}"
            raise ValueError(msg) from error
        parse_device_dtype(host.dtype, "array_like")
        check_device()
        return cls._from_storage(upload(host), host.dtype)

    # --- conversion ------------------------------------------------------------------------

    def as_numpy_array(self) -> npt.NDArray[Any]:
        """The data copied to host memory, through the pinned staging pool.

        C- and F-contiguous data keep their order; other layouts arrive in C order.
        """
        with self._on_own_device():
            storage, order = contiguous_storage(self._data, self._raw)
            host = np.empty(self.shape, dtype=self._dtype, order=order)
            if host.size and self._dtype.itemsize:
                stage_to_host(int(storage.data.ptr), host_byte_view(host))
        return host

    def as_scalar(self) -> ScalarType:
        if self._size != 1:
            msg = f"Buffer does not contain a single scalar value: it has shape {self.shape}"
            raise ValueError(msg)
        return cast("ScalarType", self.as_numpy_array().reshape(())[()])

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        """Export the data to CuPy, Numba or PyTorch without a copy (native dtypes only)."""
        if self._raw:
            msg = f"dtype {self._dtype} has no CUDA Array Interface type; it is held as raw bytes"
            raise AttributeError(msg)
        # The "stream" entry is CuPy's current stream of the current device:
        # evaluated on this buffer's device, as __dlpack__ is (see Buffer).
        with self._on_own_device():
            interface: dict[str, Any] = self._data.__cuda_array_interface__
        return interface

    def __dlpack__(self, **kwargs: Any) -> Any:
        """Export the data through DLPack without a copy (native dtypes only)."""
        if self._raw:
            msg = f"dtype {self._dtype} cannot be exported through DLPack"
            raise BufferError(msg)
        with self._on_own_device():
            return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        """The DLPack device type (CUDA) and id of the memory (native dtypes only).

        Consumers such as ``cupy.from_dlpack`` only speak the protocol to
        objects that have this method.
        """
        if self._raw:
            msg = f"dtype {self._dtype} cannot be exported through DLPack"
            raise BufferError(msg)
        device_type, device_id = self._data.__dlpack_device__()
        return int(device_type), int(device_id)

    # --- description -----------------------------------------------------------------------

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._dtype

    @property
    def shape(self) -> tuple[int, ...]:
        shape = tuple(int(n) for n in self._data.shape)
        return shape[:-1] if self._raw else shape

    @property
    def _size(self) -> int:
        return math.prod(self.shape)

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            msg = "len() of a 0-d buffer"
            raise TypeError(msg)
        return shape[0]

    def __repr__(self) -> str:
        # No values: printing them would copy the data to the host.
        return f"<NDBuffer shape={self.shape} dtype={self.dtype} on {self.device}>"

    # --- views and copies ------------------------------------------------------------------

    def _trailing(self, dims: tuple[int, ...]) -> tuple[int, ...]:
        return (*dims, self._dtype.itemsize) if self._raw else dims

    def reshape(self, newshape: tuple[int, ...] | Literal[-1]) -> Self:
        dims = parse_newshape(newshape)
        with self._on_own_device():
            try:
                return self._wrap(self._data.reshape(self._trailing(dims)), view=True)
            except ValueError as error:
                msg = f"newshape: cannot reshape a buffer of shape {self.shape} into {dims}"
                raise ValueError(msg) from error

    def squeeze(self, axis: tuple[int, ...]) -> Self:
        shape = self.shape
        drop = parse_axes(axis, shape)
        return self.reshape(tuple(n for i, n in enumerate(shape) if i not in drop))

    def astype(self, dtype: npt.DTypeLike, order: Literal["K", "A", "C", "F"] = "K") -> Self:
        target = parse_device_dtype(parse_dtype(dtype))
        layout = parse_order(order, "KACF")
        with self._on_own_device():
            values = self._native_values()
            if values is not None and is_device_native(target):
                return self._wrap(values.astype(target, order=layout), target, view=False)
            swapped = native_counterpart(target)
            if values is not None and swapped is not None:
                return self._wrap(native_to_raw(values.astype(swapped), target), target, view=False)
            # Strings, datetimes and extended precision: CuPy has no
            # conversions for them, so NumPy converts on the host.
            try:
                host = self.as_numpy_array().astype(target, order=layout)
            except (TypeError, ValueError, OverflowError) as error:
                raise conversion_failed(self._dtype, target, error) from None
            return self._wrap(upload(host), target, view=False)

    def _native_values(self) -> Any:
        """The data as a CuPy array CuPy computes with, or None (strings, datetimes, ...)."""
        if not self._raw:
            return self._data
        native = native_counterpart(self._dtype)
        return None if native is None else raw_to_native(self._data, self._dtype, native)

    def copy(self) -> Self:
        with self._on_own_device():
            return self._wrap(self._data.copy(), view=False)

    def transpose(self, axes: SupportsIndex | Sequence[SupportsIndex] | None) -> Self:
        order = parse_permutation(axes, len(self.shape))
        with self._on_own_device():
            if not self._raw:
                return self._wrap(self._data.transpose(order), view=True)
            # Raw storage keeps each element's bytes on a trailing axis.
            return self._wrap(self._data.transpose((*order, len(self.shape))), view=True)

    # --- element access --------------------------------------------------------------------

    def _selection_shape(self, key: Any) -> tuple[int, ...] | None:
        """The shape ``key`` selects, found by NumPy on the host before any device work.

        NumPy indexes a stand-in with this buffer's shape and no memory of
        its own (every stride zero), so a bad key is refused with NumPy's
        rules and nothing has moved yet. None for keys holding device
        arrays, which only CuPy can apply.
        """
        if _holds_device_array(key):
            return None
        stand_in = np.broadcast_to(np.empty((), dtype=self._dtype), self.shape)
        try:
            selected = stand_in[key]
        except (LookupError, TypeError, ValueError) as error:
            raise_key_error(key, self.shape, error)
        return tuple(np.shape(selected))

    def _field(self, name: str) -> Self:
        """A view of field ``name`` of a structured buffer (held as raw bytes).

        A field whose bytes are aligned for its dtype is a CuPy array of that
        dtype over the same memory; an unaligned one stays raw bytes, as
        CUDA cannot load misaligned elements.
        """
        fields = self._dtype.fields
        if fields is None or name not in fields:
            self._selection_shape(name)  # raises NumPy's refusal, naming key
            msg = f"key: {name!r} is not a field of dtype {self._dtype}"
            raise IndexError(msg)
        field_dtype, offset = fields[name][:2]
        base, extra = field_dtype.subdtype or (field_dtype, ())
        lead_shape = self.shape
        lead_strides = tuple(int(s) for s in self._data.strides[:-1])
        inner = tuple(int(s) * base.itemsize for s in np.empty(extra, dtype="u1").strides)
        shape = (*lead_shape, *(int(n) for n in extra))
        strides = (*lead_strides, *inner)
        with self._on_own_device():
            start = self._data[(..., slice(offset, offset + field_dtype.itemsize))]
            aligned = all(s % max(base.itemsize, 1) == 0 for s in (int(start.data.ptr), *strides))
            if is_device_native(base) and aligned:
                return self._wrap(strided_view(start, shape, strides, base), base, view=True)
            storage = strided_view(start, (*shape, base.itemsize), (*strides, 1), np.dtype("u1"))
            return self._wrap(storage, base, view=True, raw=True)

    def __getitem__(self, key: Any) -> Self:
        if isinstance(key, str):
            return self._field(key)
        self._selection_shape(key)
        with self._on_own_device():
            parts = _normalize_key(key)
            if self._raw:
                parts = (*parts, slice(None))
            try:
                selected = self._data[parts]
            except (LookupError, TypeError, ValueError) as error:  # keys with device arrays
                raise_key_error(key, self.shape, error)
            return self._wrap(selected, view=True)

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, str):
            self._field(key)[...] = value
            return
        if isinstance(value, buffer_core.NDBuffer) and not isinstance(value, NDBuffer):
            value = value.as_numpy_array()  # host data: converted whole, below, like any array
        selection = self._selection_shape(key)
        # Everything that can fail is converted on the host first (the one
        # fill-value rule for scalars, the whole value for arrays and
        # sequences), so a failed write changes nothing on the device.
        scalar = _as_scalar_of(self._dtype, value)
        staged = None
        if scalar is None and not _on_device(value):
            if selection is None:
                with self._on_own_device():
                    selection = self._device_selection_shape(key)
            staged = self._host_values(value, selection)
        with self._on_own_device(), _naming_value(value):
            parts = _normalize_key(key)
            if scalar is not None:
                self._write_bits(parts, scalar)
            elif staged is not None:
                target = (*parts, slice(None)) if self._raw else parts
                self._data[target] = upload(staged)
            elif self._raw:
                raw = independent_of(self._raw_values(value), self._data)
                self._data[(*parts, slice(None))] = raw
            else:
                self._data[parts] = independent_of(self._native_value(value), self._data)
            self._mark_written()

    def _device_selection_shape(self, key: Any) -> tuple[int, ...]:
        """The shape a key holding device arrays selects, which only CuPy can find."""
        parts = _normalize_key(key)
        try:
            selected = self._data[(*parts, slice(None)) if self._raw else parts]
        except (LookupError, TypeError, ValueError) as error:
            raise_key_error(key, self.shape, error)
        shape = tuple(int(n) for n in selected.shape)
        return shape[:-1] if self._raw else shape

    def _host_values(self, value: Any, selection: tuple[int, ...]) -> np.ndarray[Any, Any]:
        """A host value converted, whole, to this dtype and the selection's shape."""
        if (
            type(value) is np.ndarray
            and value.dtype == self._dtype
            and tuple(value.shape) == selection
        ):
            return value  # nothing can fail while it is copied
        return cast("np.ndarray[Any, Any]", stage_values(value, self._dtype, selection))

    def _native_value(self, value: Any) -> Any:
        """``value`` in a form CuPy assigns from: a scalar or an array on this device."""
        if isinstance(value, NDBuffer):
            wait_for_writes(value)
            values = value._native_values()
            if values is not None:
                return bring_to_current_device(values)
            return upload(value.as_numpy_array().astype(self._dtype))
        if isinstance(value, buffer_core.NDBuffer):
            value = value.as_numpy_array()
        if is_device_array(value):
            return bring_to_current_device(import_device_array(value))
        if isinstance(value, (np.ndarray, list, tuple)):
            host = np.asarray(value)
            if not is_device_native(host.dtype):
                host = host.astype(self._dtype)
            return upload(host)
        return value

    def _raw_values(self, value: Any) -> Any:
        """``value`` as raw storage of this buffer's dtype, on this device."""
        if isinstance(value, NDBuffer) and value._dtype == self._dtype:
            wait_for_writes(value)
            return bring_to_current_device(value._data)
        if isinstance(value, buffer_core.NDBuffer):
            value = value.as_numpy_array()
        elif is_device_array(value):
            value = import_device_array(value).get()
        host = np.asarray(value).astype(self._dtype)
        return upload(np.ascontiguousarray(host).reshape((*host.shape, 1)).view(np.uint8))

    def _coerce_ndbuffer(self, value: buffer_core.NDBuffer) -> Any:
        return self._raw_values(value) if self._raw else self._native_value(value)

    def fill(self, value: Any) -> None:
        # Host values are converted before any device work; a device array
        # (a 0-d device scalar: one element) has to be read first.
        scalar = None if is_device_array(value) else convert_fill_value(value, self._dtype, "value")
        with self._on_own_device():
            if scalar is None:
                scalar = convert_fill_value(import_device_array(value).get(), self._dtype, "value")
            self._write_bits((Ellipsis,), scalar)
            self._mark_written()

    def _write_bits(self, parts: tuple[Any, ...], scalar: np.ndarray[Any, Any]) -> None:
        """Set the elements ``parts`` selects to the bit pattern of the 0-d host array ``scalar``.

        Not through CuPy's fill or a 0-d array: ``ndarray.fill`` memsets when
        the value compares equal to zero (CuPy's core.pyx), writing -0.0 as
        0.0; ``cupy.asarray`` of a 0-d array calls that same fill; and CuPy 13
        converts the value with ``.item()``, a Python float, on the way, which
        need not keep a NaN's payload. Unsigned integers of the element's
        width carry the exact bits through either path.
        """
        bits = scalar.tobytes()
        if self._raw:
            pattern = as_device_array(np.frombuffer(bits, dtype=np.uint8))
            self._data[(*parts, slice(None))] = pattern
            return
        words, trailing = _bit_pattern_view(self._data)
        if trailing:
            words[(*parts, slice(None))] = as_device_array(np.frombuffer(bits, dtype=np.uint64))
        else:
            words[parts] = np.frombuffer(bits, dtype=words.dtype)[0]

    def all_equal(self, other: Any, equal_nan: bool = True) -> bool:
        """Evaluated on the device; only the answer is copied to the host."""
        with self._on_own_device():
            if self._raw:
                return all_equal_raw(self._data, self._dtype, other, equal_nan)
            return all_equal_native(self._data, other, equal_nan)


def _on_device(value: Any) -> bool:
    """Whether ``value`` is device memory (one of our buffers or a device array), converted by CuPy."""
    return isinstance(value, NDBuffer) or is_device_array(value)


@contextlib.contextmanager
def _naming_value(value: Any) -> Iterator[None]:
    """Re-raise CuPy's errors for device values (shapes that do not broadcast) naming ``value``.

    Host values were converted before this, and CuPy checks shapes before
    it writes, so nothing is half-written.
    """
    try:
        yield
    except (TypeError, ValueError, OverflowError) as error:
        if str(error).startswith("value:"):
            raise
        kind = TypeError if isinstance(error, TypeError) else ValueError
        shape = getattr(value, "shape", None)
        what = f"an array of shape {tuple(shape)}" if shape is not None else repr(value)
        msg = f"value: cannot write {what}: {error}"
        raise kind(msg) from error
