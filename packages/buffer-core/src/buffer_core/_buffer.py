"""The flat byte buffer: every method, once, over the storage hooks of a Memory."""

from __future__ import annotations

import pickle
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np

from buffer_core._errors import describe, expected_type
from buffer_core._layout import clamp_slice
from buffer_core._protocols import ArrayLike, BytesLike
from buffer_core._validation import (
    check_byte_array,
    check_contiguous,
    check_contiguous_slice,
    host_bytes_of,
    stage_bytes,
)

if TYPE_CHECKING:
    import numpy.typing as npt

    from buffer_core._memory import Memory

__all__ = ["Buffer", "require_buffer"]

_BYTE = np.dtype("B")


class Buffer(ABC):
    """A flat, contiguous block of bytes.

    A Buffer wraps a one-dimensional array of dtype ``uint8`` (``'B'``) in
    its implementation's memory: a NumPy array for host memory, a CuPy array
    for CUDA device memory. All sizes and indices are in bytes. Where the
    memory lives is in :attr:`device`; methods whose names say ``numpy`` or
    ``bytes`` move the bytes to host memory, which is a copy unless they are
    already there.

    Every method is implemented here, once, over the implementation's
    :class:`~buffer_core.Memory` (the class attribute ``memory``).

    Parameters
    ----------
    array_like
        A one-dimensional, contiguous array of dtype ``'B'`` in the memory
        this implementation manages (or one its memory imports without a
        copy). It is wrapped, not copied, so writes to the buffer are writes
        to the array. A strided view (``array[::2]``) is refused rather than
        copied: a copy would silently stop sharing memory, and the buffer
        protocol, DLPack and the CUDA Array Interface export only contiguous
        bytes. (zarr-python's buffers accept it and fail later, where its
        bytes are exported.) Wrap a contiguous copy instead.

    Raises
    ------
    TypeError
        If ``array_like`` is not an array, or lives in memory this
        implementation does not manage.
    ValueError
        If ``array_like`` is not one-dimensional, not of dtype ``'B'``, or
        not contiguous.
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
    _array_hint: ClassVar[str] = "a 1-d uint8 array in this implementation's memory"

    _data: Any
    _record: Any = None

    def __init__(self, array_like: ArrayLike) -> None:
        memory = self.memory
        if memory.is_array(array_like):
            storage: Any = array_like
        elif isinstance(array_like, np.ndarray):
            # Host bytes handed to another memory's constructor (as zarr does
            # with its GPU buffers): checked, then copied there once.
            check_byte_array(array_like)
            check_contiguous(array_like)
            storage = memory.from_host(array_like)
            self._data = storage
            self._record = memory.new_record()
            memory.created(storage, self._record)
            return
        else:
            storage = memory.import_array(array_like)
            if storage is None:
                raise expected_type(array_like, "array_like", self._array_hint)
        check_byte_array(storage, memory.dtype_of(storage))
        check_contiguous(storage)
        self._data = storage
        self._record = memory.new_record()

    @classmethod
    def _made(cls, storage: Any) -> Self:
        """A buffer over ``storage`` that work queued just now made: later work waits for it."""
        result = cls(storage)
        cls.memory.created(storage, result._record)
        return result

    def _view(self, storage: Any) -> Self:
        """A buffer over ``storage``, a view of this buffer's memory: it shares the access record."""
        result = self.__class__.__new__(self.__class__)
        result._data = storage
        result._record = self._record
        return result

    # --- where the memory lives --------------------------------------------------

    @property
    def device(self) -> str:
        """Where the bytes live: ``"cpu"`` for host memory, ``"cuda:N"`` for a CUDA device."""
        return self.memory.device(self._data)

    @property
    def readonly(self) -> bool:
        """Whether writing into this buffer is refused.

        A host buffer made by :meth:`from_bytes` over an immutable ``bytes``
        object is read-only; one over a ``bytearray`` or writable
        ``memoryview`` is not. Device memory is always writable.
        """
        return self.memory.readonly(self._data)

    # --- construction ------------------------------------------------------------

    @classmethod
    def create_zero_length(cls) -> Self:
        """Create a buffer of length zero."""
        return cls._made(cls.memory.allocate((0,), _BYTE, zeroed=False))

    @classmethod
    def from_array_like(cls, array_like: ArrayLike) -> Self:
        """Wrap an array without copying it.

        Parameters
        ----------
        array_like
            A one-dimensional array of dtype ``'B'``, as for the constructor.
        """
        return cls(array_like)

    @classmethod
    def from_buffer(cls, buffer: Buffer) -> Self:
        """Create a buffer of this class holding the bytes of another buffer.

        This is how a caller makes sure a buffer is of the class a prototype
        asks for. The bytes are copied only when they have to move between
        kinds of memory (host to device, device to host); otherwise the new
        buffer shares the memory of ``buffer``.

        Parameters
        ----------
        buffer
            Any :class:`Buffer`, of any implementation.

        Raises
        ------
        TypeError
            If ``buffer`` is not a :class:`Buffer`.
        """
        source = require_buffer("buffer", buffer)
        memory = cls.memory
        if getattr(source, "memory", None) is memory:
            same: Self = source._view_as(cls)
            return same
        array: Any = source.as_array_like()
        if not memory.is_array(array):
            array = memory.import_array(array)
        if array is not None:
            return cls(array)
        host = np.ascontiguousarray(source.as_numpy_array()).reshape(-1).view(_BYTE)
        return cls._made(memory.from_host(host))

    def _view_as(self, cls: type[Buffer]) -> Any:
        result = cls.__new__(cls)
        result._data = self._data
        result._record = self._record
        return result

    @classmethod
    def from_bytes(cls, bytes_like: BytesLike) -> Self:
        """Create a buffer from a bytes-like object in host memory.

        Host implementations wrap the object without copying: a buffer over
        ``bytes`` is read-only, one over a ``bytearray`` or writable
        ``memoryview`` is writable and shares its memory. Device
        implementations copy the bytes to the device once.

        Parameters
        ----------
        bytes_like
            Any object that supports the buffer protocol.

        Raises
        ------
        TypeError
            If ``bytes_like`` does not support the buffer protocol.
        """
        return cls._made(cls.memory.from_host(host_bytes_of(bytes_like)))

    # --- conversion --------------------------------------------------------------

    def as_array_like(self) -> ArrayLike:
        """Return the underlying one-dimensional array. Never copies.

        Work still queued on it (a device memory's writes) is finished first.
        """
        exported: ArrayLike = self.memory.exported(self._data, self._record)
        return exported

    def as_numpy_array(self) -> npt.NDArray[Any]:
        """Return the bytes as a NumPy array in host memory.

        No copy when the buffer is already in host memory; a device-to-host
        copy otherwise.
        """
        memory = self.memory
        with memory.reading(self._data, self._record):
            return memory.to_host(self._data)

    def as_buffer_like(self) -> BytesLike:
        """Return the bytes as an object that supports the buffer protocol.

        A ``memoryview`` over host memory: no copy for host buffers, one
        device-to-host copy for device buffers.
        """
        return self.as_numpy_array().data

    def to_bytes(self) -> bytes:
        """Return the bytes as an immutable ``bytes`` object. Always a copy."""
        return self.as_numpy_array().tobytes()

    # --- sequence behaviour ------------------------------------------------------

    def __len__(self) -> int:
        return int(self._data.shape[0])

    def __getitem__(self, key: slice) -> Self:
        """A view of the byte range ``key``, which must be a slice with step 1."""
        return self._view(self._data[clamp_slice(check_contiguous_slice(key), len(self))])

    def __setitem__(self, key: slice, value: Any) -> None:
        """Write ``value`` into the byte range ``key``; a failed write changes nothing.

        ``value`` is a Buffer of any implementation, a bytes-like object, an
        array or list of integers 0-255 (exactly as many bytes as ``key``
        selects), or one integer 0-255 that fills the range.
        """
        key = check_contiguous_slice(key)
        if self.readonly:
            msg = (
                "buffer is read-only (it wraps immutable memory such as bytes); "
                "copy it with from_bytes(bytearray(...)) to get a writable buffer"
            )
            raise ValueError(msg)
        key = clamp_slice(key, len(self))
        expected = key.stop - key.start
        memory = self.memory
        if not isinstance(value, (Buffer, bytes, bytearray, np.ndarray, list, tuple, int)):
            array = value if memory.is_array(value) else memory.import_array(value)
            if array is not None:
                # An array of this memory (a device array): bytes already, written as they are.
                if array.ndim != 1 or memory.dtype_of(array) != _BYTE:
                    raise expected_type(value, "value", "a 1-d uint8 array (or host bytes)")
                value = self.__class__(array)
        if isinstance(value, Buffer) and getattr(value, "memory", None) is memory:
            if len(value) != expected:
                msg = f"value: expected {expected} bytes to fill {key}, got {len(value)} bytes"
                raise ValueError(msg)
            with memory.writing(self._data, self._record):
                source = memory.bring(value._data, value._record, self._data)
                if memory.overlaps(source, self._data):
                    source = memory.xp.asarray(source, copy=True)
                self._data[key] = source
            return
        if isinstance(value, Buffer):
            value = value.as_numpy_array()
        staged = stage_bytes(value, expected)
        with memory.writing(self._data, self._record):
            if isinstance(staged, int):
                self._data[key] = staged  # one fill
            elif expected:
                memory.write_from_host(self._data[key], [staged])

    # --- combining ----------------------------------------------------------------

    def combine(self, others: Iterable[Buffer]) -> Self:
        """Concatenate this buffer and ``others`` into a new buffer.

        The result is allocated once and each input is copied into it once,
        whatever memory the inputs live in; neighbouring host parts cross
        into device memory together.

        Raises
        ------
        TypeError
            If any item of ``others`` is not a :class:`Buffer`.
        """
        if isinstance(others, Buffer):
            raise expected_type(others, "others", "an iterable of Buffers (wrap one in a list)")
        try:
            parts: list[Any] = list(others)
        except (TypeError, ValueError):  # ValueError: a released memoryview
            raise expected_type(others, "others", "an iterable of Buffers") from None
        for index, part in enumerate(parts):
            require_buffer(f"others[{index}]", part)
        memory = self.memory
        parts.insert(0, self)
        total = sum(len(part) for part in parts)
        # Host parts are read before any device work, on the host.
        hosts = [
            None
            if getattr(part, "memory", None) is memory
            else np.ascontiguousarray(part.as_numpy_array()).reshape(-1)
            for part in parts
        ]
        with memory.reading(self._data, self._record):  # on this buffer's device
            result = memory.allocate((total,), _BYTE, zeroed=False)
            combined = self._made(result)
            with memory.writing(result, combined._record):
                offset = 0
                pending: list[np.ndarray[Any, Any]] = []
                pending_start = 0
                for part, host in zip(parts, hosts, strict=True):
                    size = len(part)
                    if host is None:
                        _flush(memory, result, pending_start, pending)
                        if size:
                            source = memory.bring(part._data, part._record, result)
                            result[offset : offset + size] = source
                        pending_start = offset + size
                    elif size:
                        pending.append(host)
                    offset += size
                _flush(memory, result, pending_start, pending)
        return combined

    def __add__(self, other: Buffer) -> Self:
        """Concatenate two buffers into a new one; anything else is a TypeError naming ``other``."""
        # Raised here rather than NotImplemented: the reflected operator of
        # an array would answer with NumPy's "__array_ufunc__=None" message.
        return self.combine([require_buffer("other", other)])

    def __radd__(self, other: object) -> Self:
        """``other + buf`` where ``other``'s own ``+`` declined: a TypeError naming ``other``.

        NumPy arrays and scalars decline (this class sets ``__array_ufunc__``
        to None), so ``array + buf`` comes here; ``bytes + buf`` does not, as
        ``bytes`` concatenates anything with the buffer protocol.
        """
        require_buffer("other", other)
        # A Buffer on the left already had its __add__ tried; nothing to add here.
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        """Whether ``other`` is a Buffer holding the same bytes, in any memory.

        Anything that is not a Buffer (bytes, arrays, NumPy scalars) compares
        ``False``, as an object of an unrelated type does: a Buffer is not
        its bytes. Compare ``buf.to_bytes()`` or ``buf.as_numpy_array()``
        for those. (``bytearray(...) == buf`` and ``memoryview(...) == buf``
        are decided by the left operand, which on Python 3.12+ reads a host
        buffer's bytes through the buffer protocol.) Compared where this
        buffer's bytes live.
        """
        if not isinstance(other, Buffer):
            # Not NotImplemented: that would let bytes.__eq__ or NumPy's
            # reflected operators read this buffer through the buffer protocol.
            return False
        if len(self) != len(other):
            return False
        if len(self) == 0:
            return True
        memory = self.memory
        with memory.reading(self._data, self._record):
            if getattr(other, "memory", None) is memory:
                theirs = memory.bring(other._data, other._record, self._data)
            else:
                theirs = memory.from_host(np.ascontiguousarray(other.as_numpy_array()))
            return bool(memory.xp.all(self._data == theirs))

    # NumPy's operators and ufuncs defer to us, so `array == buf` and
    # `array + buf` come to __eq__/__add__ instead of broadcasting over the bytes.
    __array_ufunc__ = None

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} {len(self)} bytes on {self.device}>"

    # --- interchange ----------------------------------------------------------------

    def __dlpack__(self, **kwargs: Any) -> Any:
        """Export the bytes through DLPack, without a copy."""
        with self.memory.reading(self._data, self._record):
            return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        """The DLPack device type and id of the memory."""
        device_type, device_id = self._data.__dlpack_device__()
        return int(device_type), int(device_id)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        # Pickle the host bytes. With protocol 5 a PickleBuffer lets the
        # pickler hand them to buffer_callback (out of band) without a copy;
        # from_bytes then wraps whatever object the unpickler gets back.
        host = np.ascontiguousarray(self.as_numpy_array())
        if isinstance(protocol, int) and protocol >= 5:
            return (type(self).from_bytes, (pickle.PickleBuffer(host.data),))
        payload: BytesLike = host.tobytes() if self.readonly else bytearray(host)
        return (type(self).from_bytes, (payload,))


def _flush(memory: Memory, result: Any, start: int, pending: list[np.ndarray[Any, Any]]) -> None:
    """Copy the host parts gathered so far into ``result`` from ``start``, together."""
    if pending:
        size = sum(int(part.size) for part in pending)
        memory.write_from_host(result[start : start + size], pending)
        pending.clear()


def require_buffer(argument: str, value: Any) -> Buffer:
    """Return ``value`` if it is a Buffer, else raise a TypeError naming ``argument``."""
    if not isinstance(value, Buffer):
        msg = f"{argument}: expected a Buffer, got {describe(value)}"
        raise TypeError(msg)
    return value
