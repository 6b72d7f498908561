"""Structural types for the arrays that back buffers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, SupportsIndex, TypeAlias, runtime_checkable

import numpy as np
import numpy.typing as npt

__all__ = ["ArrayLike", "BytesLike", "Endian", "NDArrayLike", "ScalarType"]

#: Objects that expose host memory through the buffer protocol.
BytesLike: TypeAlias = bytes | bytearray | memoryview

#: What :meth:`NDBuffer.as_scalar` returns.
ScalarType: TypeAlias = int | float | complex | bytes | str | bool | np.generic

#: Byte order of a buffer's elements, as :attr:`NDBuffer.byteorder` reports it.
Endian: TypeAlias = Literal["little", "big"]


@runtime_checkable
class ArrayLike(Protocol):
    """A one-dimensional array: what backs a :class:`Buffer` (NumPy, CuPy, ...)."""

    @property
    def dtype(self) -> np.dtype[Any]: ...

    @property
    def ndim(self) -> int: ...

    @property
    def size(self) -> int: ...

    def __getitem__(self, key: slice) -> Any: ...

    def __setitem__(self, key: slice, value: Any) -> None: ...

    def copy(self) -> Any: ...


@runtime_checkable
class NDArrayLike(Protocol):
    """An n-dimensional array: what backs an :class:`NDBuffer` (NumPy, CuPy, ...)."""

    @property
    def dtype(self) -> np.dtype[Any]: ...

    @property
    def ndim(self) -> int: ...

    @property
    def size(self) -> int: ...

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __len__(self) -> int: ...

    def __getitem__(self, key: Any) -> Any: ...

    def __setitem__(self, key: Any, value: Any) -> None: ...

    def reshape(self, shape: tuple[int, ...], *, order: Literal["A", "C", "F"] = ...) -> Any: ...

    def view(self, dtype: npt.DTypeLike) -> Any: ...

    def astype(
        self,
        dtype: npt.DTypeLike,
        order: Literal["K", "A", "C", "F"] = ...,
        *,
        copy: bool = ...,
    ) -> Any: ...

    def fill(self, value: Any) -> None: ...

    def copy(self) -> Any: ...

    def transpose(self, axes: SupportsIndex | Sequence[SupportsIndex] | None) -> Any: ...

    def ravel(self, order: Literal["K", "A", "C", "F"] = ...) -> Any: ...

    def all(self) -> Any: ...
