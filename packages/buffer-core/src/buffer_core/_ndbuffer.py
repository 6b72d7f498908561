"""The abstract n-dimensional buffer."""

from __future__ import annotations

import operator
import pickle
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, SupportsIndex, cast

import numpy as np

from buffer_core._errors import expected_type
from buffer_core._protocols import Endian, NDArrayLike, ScalarType

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["NDBuffer", "parse_dtype", "parse_order", "parse_shape"]


def parse_shape(shape: Any, argument: str = "shape") -> tuple[int, ...]:
    """Validate a shape: an iterable of non-negative integers (or one integer)."""
    if isinstance(shape, (bool, str, bytes)):
        raise expected_type(shape, argument, "an iterable of non-negative integers")
    dims: tuple[int, ...]
    try:
        dims = (operator.index(shape),)
    except TypeError:
        try:
            dims = tuple(operator.index(d) for d in shape)
        except TypeError:
            raise expected_type(shape, argument, "an iterable of non-negative integers") from None
    if any(d < 0 for d in dims):
        msg = f"{argument}: dimensions must be non-negative, got {dims}"
        raise ValueError(msg)
    return dims


def parse_dtype(dtype: Any, argument: str = "dtype") -> np.dtype[Any]:
    """Validate a dtype specification and return the NumPy dtype it names."""
    if dtype is None:
        # np.dtype(None) silently means float64; a buffer's dtype is never implied.
        raise expected_type(dtype, argument, "a NumPy dtype or dtype specification")
    try:
        parsed: np.dtype[Any] = np.dtype(dtype)
    except (TypeError, ValueError) as error:
        msg = f"{argument}: {dtype!r} is not a data type NumPy understands"
        raise TypeError(msg) from error
    return parsed


def parse_order(order: Any, allowed: str = "CF", argument: str = "order") -> Any:
    """Validate a memory-order letter against ``allowed``."""
    if not isinstance(order, str) or order not in allowed:
        choices = ", ".join(repr(c) for c in allowed)
        msg = f"{argument}: expected one of {choices}, got {order!r}"
        raise ValueError(msg)
    return order


class NDBuffer(ABC):
    """An n-dimensional, typed block of memory.

    An NDBuffer wraps an n-dimensional array (NumPy for host memory, CuPy for
    CUDA device memory) that may be strided, in C or Fortran order, of any
    dtype. Indexing returns views; methods whose names say ``numpy`` move the
    data to host memory, which is a copy unless it is already there.

    Parameters
    ----------
    array
        An n-dimensional array in the memory this implementation manages. It
        is wrapped, not copied.

    Raises
    ------
    TypeError
        If ``array`` is not an n-dimensional array or lives in memory this
        implementation does not manage.
    """

    _data: NDArrayLike
    #: The array type this implementation usually holds; instances of exactly
    #: this type skip :meth:`_check_memory` (indexing makes many buffers).
    _array_type: ClassVar[type | None] = None

    def __init__(self, array: NDArrayLike) -> None:
        if type(array) is not self._array_type:
            self._check_memory(array)
        self._data = array

    @classmethod
    @abstractmethod
    def _check_memory(cls, array: Any) -> None:
        """Raise TypeError unless ``array`` is an array in this implementation's memory.

        Called for every new buffer, so it should be one ``isinstance`` check.
        """

    # --- where the memory lives ----------------------------------------------------

    @property
    @abstractmethod
    def device(self) -> str:
        """Where the data lives: ``"cpu"`` for host memory, ``"cuda:N"`` for a CUDA device."""

    @property
    def readonly(self) -> bool:
        """Whether writing into this buffer is refused."""
        flags = getattr(self._data, "flags", None)
        return flags is not None and not flags.writeable

    # --- construction ----------------------------------------------------------------

    @classmethod
    @abstractmethod
    def create(
        cls,
        *,
        shape: Iterable[int],
        dtype: npt.DTypeLike,
        order: Literal["C", "F"] = "C",
        fill_value: Any | None = None,
    ) -> Self:
        """Allocate a new buffer.

        Parameters
        ----------
        shape
            Non-negative dimensions.
        dtype
            Any dtype NumPy understands.
        order
            ``"C"`` (row-major) or ``"F"`` (column-major) memory layout.
        fill_value
            The value of every element; ``None`` means zeros.

        Raises
        ------
        TypeError
            If ``shape`` is not an iterable of integers or ``dtype`` is unknown.
        ValueError
            If a dimension is negative, ``order`` is not ``"C"``/``"F"``, or
            ``fill_value`` cannot be stored in ``dtype``.
        """

    @classmethod
    @abstractmethod
    def empty(
        cls, shape: tuple[int, ...], dtype: npt.DTypeLike, order: Literal["C", "F"] = "C"
    ) -> Self:
        """Allocate a new buffer without initializing its memory.

        Cheaper than :meth:`create` when every element is about to be written.
        Arguments and errors as for :meth:`create`.
        """

    @classmethod
    def from_ndarray_like(cls, ndarray_like: NDArrayLike) -> Self:
        """Wrap an array without copying it."""
        return cls(ndarray_like)

    @classmethod
    @abstractmethod
    def from_numpy_array(cls, array_like: npt.ArrayLike) -> Self:
        """Create a buffer from anything NumPy can turn into an array.

        No copy for a NumPy array into host memory; one host-to-device copy
        into device memory.
        """

    # --- conversion ------------------------------------------------------------------

    def as_ndarray_like(self) -> NDArrayLike:
        """Return the underlying array. Never copies."""
        return self._data

    @abstractmethod
    def as_numpy_array(self) -> npt.NDArray[Any]:
        """Return the data as a NumPy array in host memory.

        No copy when the buffer is already in host memory; a device-to-host
        copy otherwise.
        """

    def as_scalar(self) -> ScalarType:
        """Return the single element of a buffer of size one as a NumPy scalar.

        Raises
        ------
        ValueError
            If the buffer does not hold exactly one element.
        """
        if self._data.size != 1:
            msg = f"Buffer does not contain a single scalar value: it has shape {self.shape}"
            raise ValueError(msg)
        return cast("ScalarType", self.as_numpy_array().reshape(())[()])

    # --- description -----------------------------------------------------------------

    @property
    def dtype(self) -> np.dtype[Any]:
        """The NumPy dtype of the elements."""
        return self._data.dtype

    @property
    def shape(self) -> tuple[int, ...]:
        """The dimensions of the buffer."""
        return tuple(self._data.shape)

    @property
    def byteorder(self) -> Endian:
        """The byte order of the elements; native order for single-byte dtypes."""
        order = self.dtype.byteorder
        if order == "<":
            return "little"
        if order == ">":
            return "big"
        return sys.byteorder

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"<NDBuffer shape={self.shape} dtype={self.dtype} {self._data!r}>"

    # --- views and copies ------------------------------------------------------------

    def reshape(self, newshape: tuple[int, ...] | Literal[-1]) -> Self:
        """A buffer of the same data with another shape; ``-1`` flattens."""
        shape = (newshape,) if isinstance(newshape, int) else newshape
        try:
            dims = tuple(operator.index(d) for d in shape)
        except TypeError:
            raise expected_type(newshape, "newshape", "a tuple of integers or -1") from None
        try:
            return self.__class__(self._data.reshape(dims))
        except ValueError as error:
            msg = f"newshape: cannot reshape a buffer of shape {self.shape} into {dims}"
            raise ValueError(msg) from error

    def squeeze(self, axis: tuple[int, ...]) -> Self:
        """Drop the length-one dimensions listed in ``axis``."""
        # A bare integer is accepted too, like NumPy's squeeze.
        given: object = axis
        axes = (given,) if isinstance(given, int) else tuple(axis)
        ndim = len(self.shape)
        for a in axes:
            if not -ndim <= a < ndim or self.shape[a] != 1:
                msg = f"axis: {a} is not a dimension of length one in shape {self.shape}"
                raise ValueError(msg)
        keep = {a % ndim for a in axes}
        newshape = tuple(n for i, n in enumerate(self.shape) if i not in keep)
        return self.__class__(self._data.reshape(newshape))

    def astype(self, dtype: npt.DTypeLike, order: Literal["K", "A", "C", "F"] = "K") -> Self:
        """A copy of the data converted to ``dtype``."""
        target = parse_dtype(dtype)
        return self.__class__(self._data.astype(target, order=parse_order(order, "KACF")))

    def copy(self) -> Self:
        """A copy of the data in new memory on the same device."""
        return self.__class__(self._data.copy())

    def transpose(self, axes: SupportsIndex | Sequence[SupportsIndex] | None) -> Self:
        """A view with the axes permuted (reversed when ``axes`` is None)."""
        try:
            permuted = self._data.transpose(axes)
        except (TypeError, ValueError) as error:
            msg = (
                f"axes: expected a permutation of the {len(self.shape)} axes or None, got {axes!r}"
            )
            raise ValueError(msg) from error
        return self.__class__(permuted)

    # --- element access ----------------------------------------------------------------

    def __getitem__(self, key: Any) -> Self:
        """A buffer of the selected elements: a view for basic indexing."""
        # A trailing Ellipsis keeps integer indexing from returning a scalar
        # (which would then have to be copied back into an array): it yields
        # a 0-d view instead.
        if isinstance(key, tuple):
            for part in key:
                if part is Ellipsis:
                    break
            else:
                key = (*key, Ellipsis)
        elif key is not Ellipsis:
            key = (key, Ellipsis)
        return self.__class__(self._data[key])

    def __setitem__(self, key: Any, value: Any) -> None:
        """Write ``value`` (an NDBuffer of any implementation, an array or a scalar)."""
        if self.readonly:
            msg = "buffer is read-only; copy() it to get a writable buffer"
            raise ValueError(msg)
        if isinstance(value, NDBuffer):
            value = self._coerce_ndbuffer(value)
        try:
            self._data[key] = value
        except (TypeError, ValueError) as error:
            # NumPy checks shapes and conversions before it writes anything.
            msg = (
                f"value: cannot write {_describe_value(value)} into the selection {key!r}: {error}"
            )
            raise type(error)(msg) from error

    @abstractmethod
    def _coerce_ndbuffer(self, value: NDBuffer) -> Any:
        """The array of ``value`` moved, if need be, into this buffer's memory."""

    def fill(self, value: Any) -> None:
        """Set every element to ``value``."""
        if self.readonly:
            msg = "buffer is read-only; copy() it to get a writable buffer"
            raise ValueError(msg)
        try:
            self._data.fill(value)
        except (TypeError, ValueError, OverflowError) as error:
            msg = f"value: cannot store {value!r} in dtype {self.dtype}: {error}"
            raise ValueError(msg) from error

    @abstractmethod
    def all_equal(self, other: Any, equal_nan: bool = True) -> bool:
        """Whether every element equals ``other`` (a scalar or a broadcastable array).

        The semantics follow ``numpy.array_equal`` with these refinements:

        - ``other`` of ``None`` gives ``False``.
        - NaN equals NaN when ``equal_nan`` is true, for numeric dtypes only;
          string, bytes and void dtypes never treat NaN specially.
        - A float ``other`` equal to zero (``0.0`` or ``-0.0``) is compared bit
          for bit after conversion to the buffer's dtype, so ``-0.0`` and
          ``0.0`` differ: a chunk of ``-0.0`` is not a chunk of fill value
          ``0.0``.

        Raises
        ------
        ValueError
            If ``other`` is an array that does not broadcast to :attr:`shape`.
        """

    # --- pickling ------------------------------------------------------------------------

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        # Ship the host data in its own memory order; with protocol 5 the
        # payload goes out of band through a PickleBuffer without a copy.
        host = self.as_numpy_array()
        order = "F" if host.flags.f_contiguous and not host.flags.c_contiguous else "C"
        if not (host.flags.c_contiguous or host.flags.f_contiguous):
            host = np.ascontiguousarray(host)
        payload: Any
        if host.dtype.kind == "O":
            payload = host  # references, not bytes: pickle the objects themselves
        elif isinstance(protocol, int) and protocol >= 5:
            payload = pickle.PickleBuffer(host.reshape(-1, order="A").view("B").data)
        else:
            # Raw bytes plus the dtype: NumPy's own pickling before protocol 5
            # loses the byte order of non-native arrays.
            payload = bytearray(host.reshape(-1, order="A").view("B").data)
        return (_restore_ndbuffer, (type(self), payload, host.dtype, host.shape, order))


def _describe_value(value: Any) -> str:
    shape = getattr(value, "shape", None)
    return f"an array of shape {tuple(shape)}" if shape is not None else repr(value)


def _restore_ndbuffer(
    cls: type[NDBuffer], payload: Any, dtype: np.dtype[Any], shape: tuple[int, ...], order: str
) -> NDBuffer:
    if isinstance(payload, np.ndarray):
        return cls.from_numpy_array(payload)
    flat = np.frombuffer(payload, dtype=dtype)
    return cls.from_numpy_array(flat.reshape(shape, order="F" if order == "F" else "C"))
