"""A deliberately small second implementation, to test mixing implementations.

The suite hands these to the implementation under test wherever the API
promises to accept "a Buffer of any implementation". They keep their bytes
in host memory but share no code with any real implementation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt

from buffer_core import Buffer, BufferPrototype, NDBuffer


class ForeignBuffer(Buffer):
    """Host bytes in a NumPy array, implemented as plainly as possible."""

    @classmethod
    def _check_memory(cls, array_like: Any) -> None:
        if not isinstance(array_like, np.ndarray):
            msg = "array_like: expected a NumPy array"
            raise TypeError(msg)

    @property
    def device(self) -> str:
        return "cpu"

    @classmethod
    def create_zero_length(cls) -> Self:
        return cls(np.zeros(0, dtype="B"))

    @classmethod
    def from_buffer(cls, buffer: Buffer) -> Self:
        return cls(np.array(buffer.as_numpy_array(), dtype="B"))

    @classmethod
    def from_bytes(cls, bytes_like: Any) -> Self:
        return cls(np.array(bytearray(bytes_like), dtype="B"))

    def as_numpy_array(self) -> npt.NDArray[Any]:
        return np.asarray(self._data)

    def _coerce_value(self, value: Any) -> Any:
        return value.as_numpy_array() if isinstance(value, Buffer) else value

    def combine(self, others: Iterable[Buffer]) -> Self:
        parts = [self.as_numpy_array(), *(o.as_numpy_array() for o in others)]
        return self.__class__(np.concatenate(parts))


class ForeignNDBuffer(NDBuffer):
    """Host n-dimensional data in a NumPy array, implemented as plainly as possible."""

    @classmethod
    def _check_memory(cls, array: Any) -> None:
        if not isinstance(array, np.ndarray):
            msg = "array: expected a NumPy array"
            raise TypeError(msg)

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
        data = np.zeros(tuple(shape), dtype=dtype, order=order)
        if fill_value is not None:
            data[...] = fill_value
        return cls(data)

    @classmethod
    def empty(
        cls, shape: tuple[int, ...], dtype: npt.DTypeLike, order: Literal["C", "F"] = "C"
    ) -> Self:
        return cls.create(shape=shape, dtype=dtype, order=order)

    @classmethod
    def from_numpy_array(cls, array_like: npt.ArrayLike) -> Self:
        return cls(np.array(array_like))

    def as_numpy_array(self) -> npt.NDArray[Any]:
        return np.asarray(self._data)

    def _coerce_ndbuffer(self, value: NDBuffer) -> Any:
        return value.as_numpy_array()

    def all_equal(self, other: Any, equal_nan: bool = True) -> bool:
        if other is None:
            return False
        left, right = np.broadcast_arrays(self.as_numpy_array(), other)
        return bool(np.array_equal(left, right, equal_nan=equal_nan))


foreign_prototype = BufferPrototype(buffer=ForeignBuffer, nd_buffer=ForeignNDBuffer)
