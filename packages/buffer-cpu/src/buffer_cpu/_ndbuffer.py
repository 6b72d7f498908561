"""N-dimensional buffers in host memory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt

import buffer_core
from buffer_core._errors import expected_type
from buffer_core._validation import (
    allocation_failed,
    check_allocation,
    convert_fill_value,
    parse_dtype,
    parse_order,
    parse_shape,
)
from buffer_cpu._all_equal import all_equal

__all__ = ["NDBuffer"]


def _allocate(dims: tuple[int, ...], parsed: np.dtype[Any], order: Any, *, zeroed: bool) -> Any:
    check_allocation(dims, parsed)
    allocate = np.zeros if zeroed else np.empty
    try:
        data = allocate(dims, dtype=parsed, order=order)
    except MemoryError:
        raise allocation_failed(dims, parsed) from None
    if data.dtype != parsed and parsed.kind in "mM":
        # NumPy allocation drops the scale and byte order of generic time
        # units (np.zeros(1, ">M8[2generic]").dtype is <M8); a view restores
        # them. Other differences are NumPy's own choices, which zarr shares:
        # dtype=str or "S0" gets one character, a sub-array dtype adds axes.
        data = data.view(parsed)
    return data


class NDBuffer(buffer_core.NDBuffer):
    """N-dimensional data in host memory, held by a NumPy array."""

    _data: npt.NDArray[Any]
    _array_type = np.ndarray

    @classmethod
    def _check_memory(cls, array: Any) -> None:
        if not isinstance(array, np.ndarray):
            raise expected_type(
                array, "array", "a NumPy array in host memory (use from_numpy_array() to convert)"
            )

    @property
    def device(self) -> str:
        return "cpu"

    @classmethod
    def create(
        cls,
        *,
        shape: Iterable[int],
        dtype: npt.DTypeLike,
        order: Literal["C", "F"] = "C",
        fill_value: Any | None = None,
    ) -> Self:
        dims = parse_shape(shape)
        parsed = parse_dtype(dtype)
        layout = parse_order(order)
        if fill_value is None:
            return cls(_allocate(dims, parsed, layout, zeroed=True))
        scalar = convert_fill_value(fill_value, parsed)
        # Dtypes that hold references (object, StringDType, structs of them) have
        # no bits to inspect.
        zero_bits = not parsed.hasobject and not scalar.tobytes().strip(b"\0")
        # Zeroed memory comes from calloc: the OS hands out zero pages lazily,
        # so an all-zero fill costs nothing up front.
        data = _allocate(dims, parsed, layout, zeroed=zero_bits)
        if not zero_bits:
            np.copyto(data, scalar)
        return cls(data)

    @classmethod
    def empty(
        cls, shape: tuple[int, ...], dtype: npt.DTypeLike, order: Literal["C", "F"] = "C"
    ) -> Self:
        dims = parse_shape(shape)
        return cls(_allocate(dims, parse_dtype(dtype), parse_order(order), zeroed=False))

    @classmethod
    def from_numpy_array(cls, array_like: npt.ArrayLike) -> Self:
        try:
            array = np.asanyarray(array_like)
        except (TypeError, ValueError) as error:  # ragged nesting, unconvertible objects
            msg = f"array_like: NumPy cannot make an array of it: {error}"
            raise ValueError(msg) from error
        return cls(array)

    def as_numpy_array(self) -> npt.NDArray[Any]:
        return self._data

    def _coerce_ndbuffer(self, value: buffer_core.NDBuffer) -> Any:
        return value.as_numpy_array()

    def all_equal(self, other: Any, equal_nan: bool = True) -> bool:
        return all_equal(self._data, other, equal_nan)

    def __buffer__(self, flags: int) -> memoryview:
        if flags & 0x0001 and self.readonly:
            msg = "buffer is read-only"
            raise BufferError(msg)
        return self._data.data
