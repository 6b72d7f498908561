"""N-dimensional buffers in host memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, Self, SupportsIndex

import numpy as np
import numpy.typing as npt

import buffer_core
from buffer_core.implementing import (
    allocation_layout,
    casts_safely,
    check_allocation,
    convert_fill_value,
    host_all_equal,
    parse_axes,
    parse_dtype,
    parse_newshape,
    parse_order,
    parse_permutation,
    parse_shape,
)
from buffer_cpu._memory import HOST_MEMORY, allocate_host

__all__ = ["NDBuffer"]

_SCALARS = frozenset({int, float, complex, bool, str, bytes})
_NDARRAY = np.ndarray  # one global lookup in the constructor, which every view calls


class NDBuffer(buffer_core.NDBuffer):
    """N-dimensional data in host memory, held by a NumPy array.

    Every method is buffer-core's; the overrides below are NumPy fast paths
    for the calls a store makes per chunk (``nox -s bench`` measures each),
    and they fall back to buffer-core for anything they do not handle, so
    refusals and their messages are buffer-core's.
    """

    memory = HOST_MEMORY
    _array_hint = "a NumPy array in host memory (use from_numpy_array() to convert)"
    _data: npt.NDArray[Any]

    def __init__(self, array: Any) -> None:
        # Fast path: every view and every chunk makes one; NumPy holds every
        # dtype as it is, so there is nothing to decide.
        if type(array) is _NDARRAY:
            self._data = array
            return
        super().__init__(array)

    # NumPy arrays carry their own dtype (never raw bytes here), so the
    # constructor need not store it; buffer-core's writes of it are no-ops.
    @property
    def _dtype(self) -> np.dtype[Any]:
        return self._data.dtype

    @_dtype.setter
    def _dtype(self, _value: np.dtype[Any]) -> None:
        return

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._data.dtype

    @classmethod
    def create(
        cls,
        *,
        shape: Iterable[int],
        dtype: npt.DTypeLike,
        order: Literal["C", "F"] = "C",
        fill_value: Any | None = None,
    ) -> Self:
        # Fast path: one NumPy call (np.zeros or np.empty and copyto) instead
        # of buffer-core's allocation, reversal for F order and staged write.
        dims, parsed = allocation_layout(parse_shape(shape), parse_dtype(dtype))
        layout = parse_order(order)
        check_allocation(dims, parsed)
        if fill_value is None:
            return cls(_allocate(dims, parsed, layout, zeroed=True))
        scalar = convert_fill_value(fill_value, parsed)
        # Dtypes that hold references (object, StringDType) have no bits to inspect.
        zero_bits = not parsed.hasobject and not scalar.tobytes().strip(b"\0")
        data = _allocate(dims, parsed, layout, zeroed=zero_bits)
        if not zero_bits:
            np.copyto(data, scalar)
        return cls(data)

    @classmethod
    def empty(
        cls, shape: tuple[int, ...], dtype: npt.DTypeLike, order: Literal["C", "F"] = "C"
    ) -> Self:
        # Fast path: one np.empty call.
        dims, parsed = allocation_layout(parse_shape(shape), parse_dtype(dtype))
        layout = parse_order(order)
        check_allocation(dims, parsed)
        return cls(_allocate(dims, parsed, layout, zeroed=False))

    @classmethod
    def from_numpy_array(cls, array_like: npt.ArrayLike) -> Self:
        # Fast path: NumPy arrays are wrapped as they are.
        if type(array_like) is np.ndarray:
            return cls(array_like)
        return super().from_numpy_array(array_like)

    def as_numpy_array(self) -> npt.NDArray[Any]:
        # Fast path: the array itself (buffer-core would ask the memory).
        return self._data

    def as_ndarray_like(self) -> npt.NDArray[Any]:
        # Fast path: host memory has no pending work to finish first.
        return self._data

    # zarr's codecs reshape, transpose, convert and copy every chunk: NumPy's
    # methods are several times cheaper than the array API's module functions,
    # and a view needs no access record. Refusals are buffer-core's.

    def reshape(self, newshape: tuple[int, ...] | Literal[-1]) -> Self:
        try:
            return self.__class__(self._data.reshape(parse_newshape(newshape)))
        except (TypeError, ValueError):
            return super().reshape(newshape)

    def squeeze(self, axis: tuple[int, ...]) -> Self:
        shape = self._data.shape
        drop = parse_axes(axis, shape)
        return self.__class__(self._data.reshape([n for i, n in enumerate(shape) if i not in drop]))

    def transpose(self, axes: SupportsIndex | Sequence[SupportsIndex] | None) -> Self:
        return self.__class__(self._data.transpose(parse_permutation(axes, self._data.ndim)))

    def astype(self, dtype: npt.DTypeLike, order: Literal["K", "A", "C", "F"] = "K") -> Self:
        target = parse_dtype(dtype)
        layout = parse_order(order, "KACF")
        try:
            converted = self._data.astype(target, order=layout)
        except (TypeError, ValueError, OverflowError):
            return super().astype(target, layout)
        if converted.dtype != target:  # NumPy's generic time units: buffer-core corrects it
            return super().astype(target, layout)
        return self.__class__(converted)

    def copy(self) -> Self:
        return self.__class__(self._data.copy())

    def fill(self, value: Any) -> None:
        # Fast path: the converted scalar straight into the array (NumPy cannot
        # fail half way through a 0-d value).
        self._refuse_if_readonly()
        self._data[...] = convert_fill_value(value, self._dtype, "value")

    def __getitem__(self, key: Any) -> Self:
        # Fast path: NumPy's own indexing, with a trailing Ellipsis so that an
        # integer index gives a 0-d view rather than a scalar. Whatever NumPy
        # refuses, buffer-core refuses again in its words.
        given = key
        if type(key) is tuple:
            for part in key:
                if part is Ellipsis:
                    break
            else:
                key = (*key, Ellipsis)
        elif key is not Ellipsis and type(key) is not str:
            key = (key, Ellipsis)
        try:
            return self.__class__(self._data[key])
        except (LookupError, TypeError, ValueError):
            pass
        return super().__getitem__(given)

    def __setitem__(self, key: Any, value: Any) -> None:
        # Fast path: a value NumPy writes without converting element by
        # element (an array of this dtype or one that casts to it without
        # loss; a scalar, converted once) cannot fail half way, so no
        # temporary is needed. NumPy refuses before it writes (read-only
        # memory included), and buffer-core's path then says why.
        data = self._data
        if type(value) is not _NDARRAY and isinstance(value, buffer_core.NDBuffer):
            # zarr writes chunk buffers into the output (and slices of the
            # input into chunks): their host array, free for ours. (An array
            # skips the ABC's isinstance, which walks zarr's registered classes.)
            value = value.as_numpy_array()
        if (
            type(value) is _NDARRAY
            and (
                value.dtype is data.dtype
                or value.dtype == data.dtype
                or casts_safely(value.dtype, data.dtype)
            )
        ) or (
            type(value) in _SCALARS or (isinstance(value, np.generic) and data.dtype.names is None)
        ):
            # (Not a NumPy scalar into a struct: NumPy converts it field by
            # field as it writes, and a datetime into a short string field
            # fails after the fields before it are written.)
            try:
                data[key] = value
            except (LookupError, TypeError, ValueError, OverflowError, RuntimeError):
                pass
            else:
                return
        super().__setitem__(key, value)

    def all_equal(self, other: Any, equal_nan: bool = True) -> bool:
        # Fast path: the host algorithm walks memory in cache-sized slices and
        # stops at the first difference (buffer-core's would reduce it whole).
        return host_all_equal(self._data, other, equal_nan)

    def __repr__(self) -> str:
        # zarr's host NDBuffer shows its values; so does ours, with the same text.
        return f"<NDBuffer shape={self.shape} dtype={self.dtype} {self._data!r}>"

    def __buffer__(self, flags: int) -> memoryview:
        if flags & 0x0001 and self.readonly:
            msg = "buffer is read-only"
            raise BufferError(msg)
        return self._data.data


def _allocate(dims: tuple[int, ...], parsed: np.dtype[Any], order: Any, *, zeroed: bool) -> Any:
    return allocate_host(dims, parsed, order, zeroed=zeroed)
