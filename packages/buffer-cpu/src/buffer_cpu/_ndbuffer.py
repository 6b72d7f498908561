"""N-dimensional buffers in host memory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt

import buffer_core
from buffer_core._errors import expected_type
from buffer_core._ndbuffer import parse_dtype, parse_order, parse_shape
from buffer_cpu._all_equal import all_equal

__all__ = ["NDBuffer"]


def _allocate(
    shape: Any, dtype: Any, order: Any, *, zeroed: bool
) -> tuple[npt.NDArray[Any], np.dtype[Any]]:
    dims = parse_shape(shape)
    parsed = parse_dtype(dtype)
    layout = parse_order(order)
    allocate = np.zeros if zeroed else np.empty
    data = allocate(dims, dtype=parsed, order=layout)
    if data.dtype != parsed:
        # NumPy allocation drops the scale and byte order of generic time
        # units (np.zeros(1, ">M8[2generic]").dtype is <M8); a view restores them.
        data = data.view(parsed)
    return data, parsed


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
        if fill_value is None:
            return cls(_allocate(shape, dtype, order, zeroed=True)[0])
        parsed = parse_dtype(dtype)
        # Convert the fill value once, as np.full would, to learn its bits.
        scalar = np.empty((), dtype=parsed)
        try:
            np.copyto(scalar, fill_value, casting="unsafe")
        except (TypeError, ValueError, OverflowError) as error:
            msg = f"fill_value: cannot store {fill_value!r} in dtype {parsed}: {error}"
            raise ValueError(msg) from None
        # Dtypes that hold references (object, StringDType, structs of them) have
        # no bits to inspect: NumPy refuses the view.
        zero_bits = not parsed.hasobject and not scalar.view(f"V{parsed.itemsize}").tobytes().strip(
            b"\0"
        )
        # Zeroed memory comes from calloc: the OS hands out zero pages lazily,
        # so an all-zero fill costs nothing up front.
        data, _ = _allocate(shape, parsed, order, zeroed=zero_bits)
        if not zero_bits:
            np.copyto(data, scalar)
        return cls(data)

    @classmethod
    def empty(
        cls, shape: tuple[int, ...], dtype: npt.DTypeLike, order: Literal["C", "F"] = "C"
    ) -> Self:
        return cls(_allocate(shape, dtype, order, zeroed=False)[0])

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
