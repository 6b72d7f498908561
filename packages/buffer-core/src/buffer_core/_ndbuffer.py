"""The abstract n-dimensional buffer."""

from __future__ import annotations

import functools
import pickle
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, SupportsIndex, cast

import numpy as np

from buffer_core._protocols import Endian, NDArrayLike, ScalarType
from buffer_core._validation import (
    conversion_failed,
    convert_fill_value,
    fits_selection,
    parse_axes,
    parse_dtype,
    parse_newshape,
    parse_order,
    parse_permutation,
    parse_shape,
    raise_key_error,
    shape_mismatch,
    stage_values,
    view_key,
)

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["NDBuffer", "parse_dtype", "parse_order", "parse_shape"]


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
        dims = parse_newshape(newshape)
        try:
            return self.__class__(self._data.reshape(dims))
        except ValueError as error:
            msg = f"newshape: cannot reshape a buffer of shape {self.shape} into {dims}"
            raise ValueError(msg) from error

    def squeeze(self, axis: tuple[int, ...]) -> Self:
        """Drop the length-one dimensions listed in ``axis`` (a bare integer is accepted too)."""
        drop = parse_axes(axis, self.shape)
        newshape = tuple(n for i, n in enumerate(self.shape) if i not in drop)
        return self.__class__(self._data.reshape(newshape))

    def astype(self, dtype: npt.DTypeLike, order: Literal["K", "A", "C", "F"] = "K") -> Self:
        """A copy of the data converted to ``dtype``.

        Raises
        ------
        TypeError
            If ``dtype`` is not a dtype, or the data cannot be converted to it.
        ValueError
            If ``order`` is not one of ``"K"``, ``"A"``, ``"C"``, ``"F"``, or a
            value cannot be converted (a string that is not a number).
        """
        target = parse_dtype(dtype)
        layout = parse_order(order, "KACF")
        try:
            converted = self._data.astype(target, order=layout)
        except (TypeError, ValueError, OverflowError) as error:
            raise conversion_failed(self.dtype, target, error) from None
        return self.__class__(converted)

    def copy(self) -> Self:
        """A copy of the data in new memory on the same device."""
        return self.__class__(self._data.copy())

    def transpose(self, axes: SupportsIndex | Sequence[SupportsIndex] | None) -> Self:
        """A view with the axes permuted (reversed when ``axes`` is None)."""
        return self.__class__(self._data.transpose(parse_permutation(axes, len(self.shape))))

    # --- element access ----------------------------------------------------------------

    def __getitem__(self, key: Any) -> Self:
        """A buffer of the selected elements: a view for basic indexing.

        A field name (``buf["f0"]``) selects that field of a structured dtype.

        Raises
        ------
        IndexError
            If ``key`` selects nothing (an index out of range, a mask of the
            wrong shape); the message starts with ``key:``.
        """
        # A trailing Ellipsis keeps integer indexing from returning a scalar
        # (which would then have to be copied back into an array): it yields
        # a 0-d view instead. A field name cannot share a tuple with it.
        given = key
        if isinstance(key, tuple):
            for part in key:
                if part is Ellipsis:
                    break
            else:
                key = (*key, Ellipsis)
        elif key is not Ellipsis and not isinstance(key, str):
            key = (key, Ellipsis)
        try:
            selected = self._data[key]
        except (LookupError, TypeError, ValueError) as error:
            raise_key_error(given, self.shape, error)
        return self.__class__(selected)

    def __setitem__(self, key: Any, value: Any) -> None:
        """Write ``value`` (an NDBuffer of any implementation, an array or a scalar).

        The whole value is converted to this buffer's dtype and the selection's
        shape before anything is written, so a failed write changes nothing.

        Raises
        ------
        ValueError
            If ``value`` does not fit the selection; the message starts with
            ``value: shape mismatch:`` (NumPy's words, which zarr's tests match).
        """
        data = self._data
        if type(value) is not type(data) and isinstance(value, NDBuffer):
            value = self._coerce_ndbuffer(value)
        if (
            type(value) is type(data)
            and (
                value.dtype is data.dtype  # native builtin dtypes are singletons
                or value.dtype == data.dtype
                or _casts_safely(value.dtype, data.dtype)
            )
        ) or (
            type(value) in _SCALARS or (isinstance(value, np.generic) and data.dtype.names is None)
        ):
            # An array of this dtype (or one that casts to it without loss) is
            # only broadcast, and a scalar is converted once: NumPy checks both
            # before it writes, and nothing can fail while it writes, so no
            # temporary is needed. (Not a NumPy scalar into a struct: NumPy
            # converts it field by field as it writes, and a datetime into a
            # short string field fails after the fields before it are written.)
            # Read-only memory refuses the write itself (nothing is written), so the
            # hot path does not ask for the flags first.
            try:
                data[key] = value
            except LookupError as error:  # IndexError, or KeyError for field names
                self._refuse_if_readonly()
                raise_key_error(key, self.shape, error)
            except (TypeError, ValueError, OverflowError, RuntimeError) as error:
                self._refuse_if_readonly()
                self._raise_value_error(key, value, error)
            return
        self._refuse_if_readonly()
        # Through a view: one element of an object array is the object itself,
        # which has no shape, and writing an array into it would store the array.
        selection = view_key(key)
        try:
            selection_shape = tuple(data[selection].shape)
        except (LookupError, TypeError, ValueError) as error:
            raise_key_error(key, self.shape, error)
        data[selection] = stage_values(value, self.dtype, selection_shape)

    def _refuse_if_readonly(self) -> None:
        if self.readonly:
            msg = "buffer is read-only; copy() it to get a writable buffer"
            raise ValueError(msg)

    def _raise_value_error(self, key: Any, value: Any, error: Exception) -> None:
        if getattr(value, "ndim", 0):
            # Same dtype, so NumPy refused the key or the value's shape (a mask
            # takes a 1-d value): the key is checked on its own first.
            try:
                selected = tuple(self._data[view_key(key)].shape)
            except (LookupError, TypeError, ValueError) as key_error:
                raise_key_error(key, self.shape, key_error)
            if not fits_selection(tuple(value.shape), selected):
                selection = (
                    f"a selection of shape {selected} ({key!r} of a buffer of shape {self.shape})"
                )
                raise shape_mismatch(tuple(value.shape), selection) from None
            raise_key_error(key, self.shape, error)
        convert_fill_value(value, self.dtype, "value")
        raise_key_error(key, self.shape, error)

    @abstractmethod
    def _coerce_ndbuffer(self, value: NDBuffer) -> Any:
        """The array of ``value`` moved, if need be, into this buffer's memory."""

    def fill(self, value: Any) -> None:
        """Set every element to ``value``, converted as ``create`` converts ``fill_value``."""
        if self.readonly:
            msg = "buffer is read-only; copy() it to get a writable buffer"
            raise ValueError(msg)
        self._data[...] = convert_fill_value(value, self.dtype, "value")

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

        - For void and structured dtypes, a scalar ``other`` is converted to
          the buffer's dtype as a fill value is (a tuple of fields, a NumPy
          void, a number for every field, bytes for raw ``V``), so a buffer
          made by ``create(fill_value=x)`` is ``all_equal(x)``; one that cannot
          be converted, or only by dropping an imaginary part, gives ``False``.
          An empty buffer gives ``True``, as for every dtype.
        - An ``other`` whose elements cannot be compared with the buffer's
          (strings against numbers, structs or raw bytes against anything
          but structs or raw bytes of a matching layout) gives ``False``: NaN
          rules apply only where both sides are numeric.

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
        if host.dtype.hasobject:
            # References, not bytes (object dtype, StringDType, structs of
            # them): pickle the objects themselves.
            payload = host
        elif isinstance(protocol, int) and protocol >= 5:
            payload = pickle.PickleBuffer(host.reshape(-1, order="A").view("B").data)
        else:
            # Raw bytes plus the dtype: NumPy's own pickling before protocol 5
            # loses the byte order of non-native arrays.
            payload = bytearray(host.reshape(-1, order="A").view("B").data)
        return (
            _restore_ndbuffer,
            (type(self), payload, host.dtype, host.shape, order, self.readonly),
        )


_SCALARS = frozenset({int, float, complex, bool, str, bytes})


@functools.cache  # dtype pairs are few and hashable
def _casts_safely(source: np.dtype[Any], target: np.dtype[Any]) -> bool:
    """Whether numbers of ``source`` convert to ``target`` without error or warning."""
    return source.kind in "biufc" and target.kind in "biufc" and np.can_cast(source, target)


def _restore_ndbuffer(
    cls: type[NDBuffer],
    payload: Any,
    dtype: np.dtype[Any],
    shape: tuple[int, ...],
    order: str,
    readonly: bool = False,  # absent from pickles made before it was kept
) -> NDBuffer:
    if isinstance(payload, np.ndarray):
        array = payload
    elif dtype.itemsize == 0:
        # Elements of no bytes (V0, a struct of empty sub-arrays): there is
        # nothing to restore, and np.frombuffer cannot count them.
        array = np.empty(shape, dtype=dtype, order="F" if order == "F" else "C")
    else:
        flat = np.frombuffer(payload, dtype=dtype)
        array = flat.reshape(shape, order="F" if order == "F" else "C")
    if readonly:
        array.flags.writeable = False
    return cls.from_numpy_array(array)
