"""The n-dimensional buffer: every method, once, over the storage hooks of a Memory."""

from __future__ import annotations

import functools
import math
import pickle
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, SupportsIndex, cast

import numpy as np

from buffer_core._errors import expected_type
from buffer_core._layout import (
    Selection,
    allocation_layout,
    astype_on_host,
    host_from_raw,
    host_raw,
    resolve_key,
)
from buffer_core._memory import RawBytes
from buffer_core._protocols import Endian, NDArrayLike, ScalarType
from buffer_core._storage_all_equal import storage_all_equal
from buffer_core._validation import (
    check_allocation,
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
)

if TYPE_CHECKING:
    import numpy.typing as npt

    from buffer_core._memory import Memory

__all__ = ["NDBuffer", "casts_safely", "storage_from_host"]

_BYTE = np.dtype(np.uint8)
_SCALARS = frozenset({int, float, complex, bool, str, bytes})


def storage_from_host(memory: Memory, host: np.ndarray[Any, Any], raw: bool) -> Any:
    """``host`` moved into ``memory``, as raw bytes if ``raw``; C and F order are kept.

    ``Memory.from_host`` takes C-contiguous arrays only: an F-ordered array
    moves as its (C-contiguous) transpose and is transposed back there.
    """
    values = host_raw(host) if raw else host
    if values.flags.c_contiguous:
        return memory.from_host(values)
    ndim = host.ndim
    order = (*reversed(range(ndim)), *((ndim,) if raw else ()))
    transposed = values.transpose(order)
    if transposed.flags.c_contiguous:
        return memory.xp.permute_dims(memory.from_host(transposed), order)
    return memory.from_host(np.ascontiguousarray(values))


class NDBuffer(ABC):
    """An n-dimensional, typed block of memory.

    An NDBuffer wraps an n-dimensional array of its implementation's memory
    (NumPy for host memory, CuPy for CUDA device memory) that may be strided,
    in C or Fortran order, of any dtype. Indexing returns views; methods
    whose names say ``numpy`` move the data to host memory, which is a copy
    unless it is already there.

    Every method is implemented here, once, over the implementation's
    :class:`~buffer_core.Memory` (the class attribute ``memory``). Dtypes the
    memory cannot hold as they are (byte-swapped numbers, strings, datetimes,
    structs on a device) are kept as raw bytes: a ``uint8`` array with an
    extra last axis of length ``itemsize``, which :meth:`as_ndarray_like`
    returns; :attr:`dtype` and :attr:`shape` describe the data, not that
    array.

    Parameters
    ----------
    array
        An n-dimensional array in the memory this implementation manages (or
        one its memory imports without a copy). It is wrapped, not copied.

    Raises
    ------
    TypeError
        If ``array`` is not an n-dimensional array or lives in memory this
        implementation does not manage.
    """

    #: Where this implementation's arrays live: set by every implementation.
    memory: ClassVar[Memory]
    if not TYPE_CHECKING:
        # Abstract until an implementation names its memory: the class itself
        # cannot be instantiated, as it holds no memory of its own.
        @property
        @abstractmethod
        def memory(self) -> Memory:
            """Where this implementation's arrays live."""

    #: What the constructor's TypeError says it expected.
    _array_hint: ClassVar[str] = "an array in this implementation's memory"

    _data: Any
    _dtype: np.dtype[Any]
    _raw: bool = False
    _record: Any = None

    def __init__(self, array: NDArrayLike | NDBuffer) -> None:
        memory = self.memory
        if isinstance(array, NDBuffer) and getattr(array, "memory", None) is memory:
            # Another buffer of this memory: the same storage, layout and record.
            self._hold(array._data, array._dtype, array._raw, array._record)
            return
        if isinstance(array, np.ndarray) and not memory.is_array(array):
            # A host array handed to another memory's constructor: copied there once.
            memory.check_dtype(array.dtype, "array")
            raw = not memory.holds_natively(array.dtype)
            self._hold(storage_from_host(memory, array, raw), array.dtype, raw, memory.new_record())
            memory.created(self._data, self._record)
            return
        storage: Any = array
        if not (memory.is_array(array) or isinstance(array, RawBytes)):
            storage = memory.import_array(array)
            if storage is None:
                raise expected_type(array, "array", self._array_hint)
        if isinstance(storage, RawBytes):  # imported memory of a dtype held as bytes
            self._hold(storage.storage, storage.dtype, True, memory.new_record())
            return
        dtype = memory.dtype_of(storage)
        if memory.holds_natively(dtype) and memory.is_aligned(storage):
            self._hold(storage, dtype, False, memory.new_record())
        else:
            # Memory the device cannot compute with as it is (a byte-swapped
            # view, an element misaligned for its loads): its bytes, in place.
            self._hold(memory.raw_bytes(storage), dtype, True, memory.new_record())

    def _hold(self, storage: Any, dtype: np.dtype[Any], raw: bool, record: Any) -> None:
        self._data, self._dtype, self._raw, self._record = storage, dtype, raw, record

    # --- making buffers over storage -------------------------------------------------------

    def _view(
        self, storage: Any, dtype: np.dtype[Any] | None = None, raw: bool | None = None
    ) -> Self:
        """A buffer over ``storage``, a view of this buffer's memory: it shares the access record."""
        result = self.__class__.__new__(self.__class__)
        result._data = storage
        result._dtype = self._dtype if dtype is None else dtype
        result._raw = self._raw if raw is None else raw
        result._record = self._record
        return result

    @classmethod
    def _over(cls, storage: Any, dtype: np.dtype[Any], raw: bool) -> Self:
        """A buffer over new ``storage`` (just allocated or written), with a record of its own."""
        result = cls.__new__(cls)
        result._data = storage
        result._dtype = dtype
        result._raw = raw
        result._record = record = cls.memory.new_record()
        cls.memory.created(storage, record)
        return result

    @classmethod
    def _from_host(cls, host: np.ndarray[Any, Any]) -> Self:
        """A buffer holding ``host``'s values (wrapped, for host memory; copied otherwise)."""
        raw = not cls.memory.holds_natively(host.dtype)
        return cls._over(storage_from_host(cls.memory, host, raw), host.dtype, raw)

    @classmethod
    def _allocate(
        cls, dims: tuple[int, ...], dtype: np.dtype[Any], order: str, *, zeroed: bool
    ) -> Self:
        memory = cls.memory
        raw = not memory.holds_natively(dtype)
        check_allocation(dims, dtype)
        shape = (*dims, dtype.itemsize) if raw else dims
        storage_dtype = _BYTE if raw else dtype
        if order == "F" and len(dims) > 1:
            # The C layout of the reversed dimensions is the F layout; raw
            # bytes keep their axis last.
            axes = (*reversed(range(len(dims))), *((len(dims),) if raw else ()))
            reversed_shape = tuple(shape[axis] for axis in axes)
            storage = memory.xp.permute_dims(
                memory.allocate(reversed_shape, storage_dtype, zeroed=zeroed), axes
            )
        else:
            storage = memory.allocate(shape, storage_dtype, zeroed=zeroed)
        return cls._over(storage, dtype, raw)

    # --- where the memory lives ----------------------------------------------------------

    @property
    def device(self) -> str:
        """Where the data lives: ``"cpu"`` for host memory, ``"cuda:N"`` for a CUDA device."""
        return self.memory.device(self._data)

    @property
    def readonly(self) -> bool:
        """Whether writing into this buffer is refused."""
        return self.memory.readonly(self._data)

    # --- construction --------------------------------------------------------------------

    @classmethod
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
        dims, parsed = allocation_layout(parse_shape(shape), parse_dtype(dtype))
        cls.memory.check_dtype(parsed, "dtype")
        layout = parse_order(order)
        if fill_value is None:
            return cls._allocate(dims, parsed, layout, zeroed=True)
        scalar = convert_fill_value(fill_value, parsed)
        # Zero bits are what zeroed memory holds already (calloc's lazy zero
        # pages on the host, a memset on a device).
        zero_bits = not parsed.hasobject and not scalar.tobytes().strip(b"\0")
        result = cls._allocate(dims, parsed, layout, zeroed=zero_bits)
        if not zero_bits:
            result._fill_with(scalar)
        return result

    @classmethod
    def empty(
        cls, shape: tuple[int, ...], dtype: npt.DTypeLike, order: Literal["C", "F"] = "C"
    ) -> Self:
        """Allocate a new buffer without initializing its memory.

        Cheaper than :meth:`create` when every element is about to be written.
        Arguments and errors as for :meth:`create`.
        """
        dims, parsed = allocation_layout(parse_shape(shape), parse_dtype(dtype))
        cls.memory.check_dtype(parsed, "dtype")
        return cls._allocate(dims, parsed, parse_order(order), zeroed=False)

    @classmethod
    def from_ndarray_like(cls, ndarray_like: NDArrayLike) -> Self:
        """Wrap an array without copying it."""
        return cls(ndarray_like)

    @classmethod
    def from_numpy_array(cls, array_like: npt.ArrayLike) -> Self:
        """Create a buffer from anything NumPy can turn into an array.

        An array of this memory (or one it imports) is wrapped without a
        copy; anything else becomes a NumPy array first, which host memory
        wraps and device memory copies once.
        """
        memory = cls.memory
        if memory.is_array(array_like):
            return cls(cast("NDArrayLike", array_like))
        imported = memory.import_array(array_like)
        if imported is not None:
            return cls(imported)
        try:
            host = np.asanyarray(array_like)
        except (TypeError, ValueError) as error:  # ragged nesting, unconvertible objects
            msg = f"array_like: NumPy cannot make an array of it: {error}"
            raise ValueError(msg) from error
        memory.check_dtype(host.dtype, "array_like")
        return cls._from_host(host)

    # --- conversion ----------------------------------------------------------------------

    def as_ndarray_like(self) -> NDArrayLike:
        """Return the underlying array (raw bytes for dtypes the memory holds so). Never copies.

        Work still queued on it (a device memory's writes) is finished first,
        so the caller may use it anywhere.
        """
        return cast("NDArrayLike", self.memory.exported(self._data, self._record))

    def as_numpy_array(self) -> npt.NDArray[Any]:
        """Return the data as a NumPy array in host memory.

        No copy when the buffer is already in host memory; a device-to-host
        copy otherwise, keeping C or F order.
        """
        memory = self.memory
        with memory.reading(self._data, self._record):
            host = memory.to_host(self._data)
        return host_from_raw(host, self._dtype) if self._raw else host

    def as_scalar(self) -> ScalarType:
        """Return the single element of a buffer of size one as a NumPy scalar.

        Raises
        ------
        ValueError
            If the buffer does not hold exactly one element.
        """
        if math.prod(self.shape) != 1:
            msg = f"Buffer does not contain a single scalar value: it has shape {self.shape}"
            raise ValueError(msg)
        return cast("ScalarType", self.as_numpy_array().reshape(())[()])

    # --- description ---------------------------------------------------------------------

    @property
    def dtype(self) -> np.dtype[Any]:
        """The NumPy dtype of the elements."""
        return self._dtype

    @property
    def shape(self) -> tuple[int, ...]:
        """The dimensions of the buffer."""
        shape = tuple(self._data.shape)
        return shape[:-1] if self._raw else shape

    @property
    def byteorder(self) -> Endian:
        """The byte order of the elements; native order for single-byte dtypes."""
        order = self._dtype.byteorder
        if order == "<":
            return "little"
        if order == ">":
            return "big"
        return sys.byteorder

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            msg = "len() of a 0-d buffer"
            raise TypeError(msg)
        return int(shape[0])

    def __repr__(self) -> str:
        # No values: printing them would copy a device's data to the host.
        return f"<{type(self).__qualname__} shape={self.shape} dtype={self.dtype} on {self.device}>"

    # --- views and copies ----------------------------------------------------------------

    def _trailing(self, dims: tuple[int, ...]) -> tuple[int, ...]:
        return (*dims, self._dtype.itemsize) if self._raw else dims

    def reshape(self, newshape: tuple[int, ...] | Literal[-1]) -> Self:
        """A buffer of the same data with another shape; ``-1`` flattens."""
        dims = parse_newshape(newshape)
        try:
            with self.memory.reading(self._data, self._record):
                return self._view(self.memory.xp.reshape(self._data, self._trailing(dims)))
        except ValueError as error:
            msg = f"newshape: cannot reshape a buffer of shape {self.shape} into {dims}"
            raise ValueError(msg) from error

    def squeeze(self, axis: tuple[int, ...]) -> Self:
        """Drop the length-one dimensions listed in ``axis`` (a bare integer is accepted too)."""
        shape = self.shape
        drop = parse_axes(axis, shape)
        return self.reshape(tuple(n for i, n in enumerate(shape) if i not in drop))

    def astype(self, dtype: npt.DTypeLike, order: Literal["K", "A", "C", "F"] = "K") -> Self:
        """A copy of the data converted to ``dtype``, laid out in ``order``.

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
        memory = self.memory
        memory.check_dtype(target, "dtype")
        if not self._raw and memory.holds_natively(target):
            with memory.reading(self._data, self._record):
                try:
                    converted = memory.astype(self._data, target, layout)
                except (TypeError, ValueError):
                    converted = None  # the memory has no such conversion: NumPy's, below
            if converted is not None and memory.dtype_of(converted) == target:
                return self._over(converted, target, False)
        # Raw bytes and conversions the memory cannot do go through the host,
        # where NumPy's rules (and its errors) apply.
        try:
            host = astype_on_host(self.as_numpy_array(), target, layout)
        except (TypeError, ValueError, OverflowError) as error:
            raise conversion_failed(self._dtype, target, error) from None
        return self._from_host(host)

    def copy(self) -> Self:
        """A copy of the data in new memory on the same device."""
        memory = self.memory
        with memory.reading(self._data, self._record):
            return self._over(memory.xp.asarray(self._data, copy=True), self._dtype, self._raw)

    def transpose(self, axes: SupportsIndex | Sequence[SupportsIndex] | None) -> Self:
        """A view with the axes permuted (reversed when ``axes`` is None)."""
        ndim = len(self.shape)
        order = parse_permutation(axes, ndim)
        if self._raw:
            order = (*order, ndim)  # each element's bytes stay last
        return self._view(self.memory.xp.permute_dims(self._data, order))

    # --- element access ------------------------------------------------------------------

    def _key_part_to_host(self, part: Any) -> Any:
        """A key part that is an array of this memory (a device mask), as NumPy; others as they are."""
        memory = self.memory
        array = part if memory.is_array(part) else memory.import_array(part)
        return part if array is None else memory.to_host(array)

    def _field(self, name: str) -> Self:
        """A view of field ``name`` of a structured buffer: its bytes, natively where aligned."""
        fields = self._dtype.fields
        if fields is None or name not in fields:
            np.empty((), dtype=self._dtype)[name]  # NumPy's refusal, named below
            msg = f"key: {name!r} is not a field of dtype {self._dtype}"
            raise IndexError(msg)
        field_dtype, offset = fields[name][:2]
        base, extra = field_dtype.subdtype or (field_dtype, ())
        memory = self.memory
        storage = self._data if self._raw else memory.raw_bytes(self._data)
        field = storage[(Ellipsis, slice(offset, offset + field_dtype.itemsize))]
        if extra:
            field = memory.xp.reshape(field, (*self.shape, *extra, base.itemsize))
        native = memory.native_view(field, base) if memory.holds_natively(base) else None
        if native is not None:
            return self._view(native, base, raw=False)
        return self._view(field, base, raw=True)

    def __getitem__(self, key: Any) -> Self:
        """A buffer of the selected elements: a view for basic indexing.

        A field name (``buf["f0"]``) selects that field of a structured dtype.

        Raises
        ------
        IndexError
            If ``key`` selects nothing (an index out of range, a mask of the
            wrong shape); the message starts with ``key:``.
        """
        if type(key) is str:
            try:
                return self._field(key)
            except (LookupError, TypeError, ValueError) as error:
                raise_key_error(key, self.shape, error)
        selection = resolve_key(key, self.shape, self._key_part_to_host)
        memory = self.memory
        with memory.reading(self._data, self._record):
            if selection.basic is not None:
                return self._view(self._data[selection.basic])
            return self._over(self._take(selection), self._dtype, self._raw)

    def _take(self, selection: Selection) -> Any:
        """New storage holding the elements at ``selection.flat``, in the selection's shape."""
        memory = self.memory
        xp = memory.xp
        flat = cast("np.ndarray[Any, Any]", selection.flat)
        tail = (self._dtype.itemsize,) if self._raw else ()
        every = xp.reshape(self._data, (-1, *tail))
        taken = xp.take(every, memory.from_host(flat.reshape(-1)), axis=0)
        return xp.reshape(taken, (*selection.shape, *tail))

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
        if type(key) is str:
            try:
                field = self._field(key)
            except (LookupError, TypeError, ValueError) as error:
                raise_key_error(key, self.shape, error)
            field[...] = value
            return
        selection = resolve_key(key, self.shape, self._key_part_to_host)
        self._refuse_if_readonly()
        # Everything that can fail happens here, on the host or in checks;
        # device work starts only once the value is known to fit.
        prepared = self._prepare(value, selection.shape)
        memory = self.memory
        with memory.writing(self._data, self._record):
            self._write(selection, self._to_storage(prepared))

    def _refuse_if_readonly(self) -> None:
        if self.readonly:
            msg = "buffer is read-only; copy() it to get a writable buffer"
            raise ValueError(msg)

    def _prepare(self, value: Any, shape: tuple[int, ...]) -> Any:
        """``value`` ready to move: a host array of this dtype, or a buffer of this memory.

        A host array has the selection's shape (a 0-d one for a scalar,
        which the write broadcasts); a buffer of this memory has been checked
        to fit and to convert on the device.
        """
        memory = self.memory
        if (
            type(value) in _SCALARS
            or isinstance(value, np.generic)
            or (type(value) is np.ndarray and value.ndim == 0)
        ):
            if type(value) is np.ndarray:
                # Its element, not the array: an object buffer would store the array itself.
                value = value[()]
            return convert_fill_value(value, self._dtype, "value")
        if not isinstance(value, (NDBuffer, np.ndarray, list, tuple)):
            array = value if memory.is_array(value) else memory.import_array(value)
            if array is not None:
                value = self.__class__(array)
        if isinstance(value, NDBuffer):
            if getattr(value, "memory", None) is memory:
                if not fits_selection(value.shape, shape):
                    raise shape_mismatch(value.shape, f"a selection of shape {shape}")
                if (value._dtype == self._dtype and value._raw == self._raw) or (
                    not (value._raw or self._raw) and casts_safely(value._dtype, self._dtype)
                ):
                    return value
            value = value.as_numpy_array()
        if type(value) is np.ndarray and value.dtype == self._dtype and value.shape == shape:
            return value  # nothing can fail while it is copied
        # NumPy converts element by element while it writes; converting into
        # a temporary first means a failed write changes nothing.
        return stage_values(value, self._dtype, shape)

    def _to_storage(self, prepared: Any) -> Any:
        """A prepared value in this memory and layout, on this buffer's device."""
        memory = self.memory
        if not isinstance(prepared, NDBuffer):
            return storage_from_host(memory, prepared, self._raw)
        storage = memory.bring(prepared._data, prepared._record, self._data)
        if prepared._dtype != self._dtype:
            return memory.xp.astype(storage, memory.xp_dtype(self._dtype))
        if memory.overlaps(storage, self._data):
            # Device copies between overlapping ranges are undefined; NumPy
            # assigns as if through a temporary, and so must we.
            return memory.xp.asarray(storage, copy=True)
        return storage

    def _write(self, selection: Selection, staged: Any) -> None:
        """Write staged storage (broadcastable to the selection) where ``selection`` points.

        The caller holds the memory's ``writing`` context.
        """
        memory = self.memory
        target = self._trailing(selection.shape)
        extra = len(staged.shape) - len(target)
        if extra > 0:
            # NumPy drops a value's leading length-one axes; the standard does not.
            staged = memory.xp.reshape(staged, tuple(staged.shape)[extra:])
        if selection.basic is None:
            flat = cast("np.ndarray[Any, Any]", selection.flat)
            self._scatter(flat, selection.shape, staged)
            return
        key = selection.basic
        if any(part is None for part in key):
            # New axes select nothing to write (the standard refuses them in
            # assignments): write the same elements without them.
            xp = memory.xp
            key = tuple(part for part in key if part is not None)
            written = tuple(self._data[key].shape)
            staged = xp.reshape(xp.broadcast_to(staged, target), written)
        self._data[key] = staged

    def _scatter(self, flat: np.ndarray[Any, Any], shape: tuple[int, ...], staged: Any) -> None:
        """Write ``staged`` at the C-order positions ``flat``, with the standard's operations only.

        The standard has no scatter: every element is rewritten with a
        ``where`` between the old value and the one gathered for it, decided
        by a position map made on the host (where the key already is). The
        last of repeated positions wins, as in NumPy.
        """
        if flat.size == 0:
            return
        memory = self.memory
        xp = memory.xp
        tail = (self._dtype.itemsize,) if self._raw else ()
        position = np.full(math.prod(self.shape), -1, dtype=np.intp)
        position[flat.reshape(-1)] = np.arange(flat.size, dtype=np.intp)
        hit = (position >= 0).reshape((-1, *((1,) * len(tail))))
        values = xp.reshape(xp.broadcast_to(staged, (*shape, *tail)), (-1, *tail))
        gathered = xp.take(values, memory.from_host(np.maximum(position, 0)), axis=0)
        current = xp.reshape(self._data, (-1, *tail))
        merged = xp.where(memory.from_host(hit), gathered, current)
        self._data[...] = xp.reshape(merged, tuple(self._data.shape))

    def fill(self, value: Any) -> None:
        """Set every element to ``value``, converted as ``create`` converts ``fill_value``."""
        self._refuse_if_readonly()
        memory = self.memory
        array = value if memory.is_array(value) else memory.import_array(value)
        if array is not None:
            # A device scalar: its one element is read first.
            value = memory.to_host(array)
        self._fill_with(convert_fill_value(value, self._dtype, "value"))

    def _fill_with(self, scalar: np.ndarray[Any, Any]) -> None:
        """Write the converted 0-d host value ``scalar`` into every element."""
        memory = self.memory
        with memory.writing(self._data, self._record):
            staged = storage_from_host(memory, scalar, self._raw)
            self._write(Selection(self.shape, (Ellipsis,), None), staged)

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

        Evaluated where the data lives; only the answer crosses to the host.

        Raises
        ------
        ValueError
            If ``other`` is an array that does not broadcast to :attr:`shape`.
        """
        memory = self.memory
        with memory.reading(self._data, self._record):
            return storage_all_equal(memory, self._data, self._dtype, self._raw, other, equal_nan)

    # --- interchange -----------------------------------------------------------------------

    def __dlpack__(self, **kwargs: Any) -> Any:
        """Export the data through DLPack without a copy (dtypes held as they are only)."""
        if self._raw:
            msg = f"dtype {self._dtype} cannot be exported through DLPack: it is held as raw bytes"
            raise BufferError(msg)
        with self.memory.reading(self._data, self._record):
            return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        """The DLPack device type and id of the memory (dtypes held as they are only)."""
        if self._raw:
            msg = f"dtype {self._dtype} cannot be exported through DLPack: it is held as raw bytes"
            raise BufferError(msg)
        device_type, device_id = self._data.__dlpack_device__()
        return int(device_type), int(device_id)

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
            (type(self), payload, host.dtype, host.shape, order, self.memory.readonly(self._data)),
        )


@functools.cache  # dtype pairs are few and hashable
def casts_safely(source: np.dtype[Any], target: np.dtype[Any]) -> bool:
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
