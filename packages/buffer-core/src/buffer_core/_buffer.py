"""The abstract flat byte buffer."""

from __future__ import annotations

import pickle
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Self

import numpy as np

from buffer_core._errors import describe
from buffer_core._protocols import ArrayLike, BytesLike
from buffer_core._validation import (
    check_byte_array,
    check_contiguous,
    check_contiguous_slice,
    stage_bytes,
)

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["Buffer", "check_byte_array", "check_contiguous_slice", "require_buffer"]

_BYTE = np.dtype("B")


class Buffer(ABC):
    """A flat, contiguous block of bytes.

    A Buffer wraps a one-dimensional array of dtype ``uint8`` (``'B'``) that
    holds the memory: a NumPy array for host memory, a CuPy array for CUDA
    device memory. All sizes and indices are in bytes. Where the memory lives
    is in :attr:`device`; methods whose names say ``numpy`` or ``bytes`` move
    the bytes to host memory, which is a copy unless they are already there.

    Parameters
    ----------
    array_like
        A one-dimensional, contiguous array of dtype ``'B'`` in the memory
        this implementation manages. It is wrapped, not copied, so writes to
        the buffer are writes to the array. A strided view (``array[::2]``)
        is refused rather than copied: a copy would silently stop sharing
        memory, and the buffer protocol, DLPack and the CUDA Array Interface
        export only contiguous bytes. (zarr-python's buffers accept it and
        fail later, where its bytes are exported.) Wrap a contiguous copy
        instead.

    Raises
    ------
    TypeError
        If ``array_like`` is not an array, or lives in memory this
        implementation does not manage.
    ValueError
        If ``array_like`` is not one-dimensional, not of dtype ``'B'``, or
        not contiguous.
    """

    _data: ArrayLike

    def __init__(self, array_like: ArrayLike) -> None:
        self._check_memory(array_like)
        check_byte_array(array_like)
        check_contiguous(array_like)
        self._data = array_like

    @classmethod
    @abstractmethod
    def _check_memory(cls, array_like: Any) -> None:
        """Raise TypeError unless ``array_like`` is an array in this implementation's memory.

        Called for every new buffer, so it should be one ``isinstance`` check.
        """

    # --- where the memory lives --------------------------------------------------

    @property
    @abstractmethod
    def device(self) -> str:
        """Where the bytes live: ``"cpu"`` for host memory, ``"cuda:N"`` for a CUDA device."""

    @property
    def readonly(self) -> bool:
        """Whether writing into this buffer is refused.

        A buffer made by :meth:`from_bytes` over an immutable ``bytes`` object
        is read-only; one over a ``bytearray`` or writable ``memoryview`` is not.
        """
        flags = getattr(self._data, "flags", None)
        return flags is not None and not flags.writeable

    # --- construction ------------------------------------------------------------

    @classmethod
    @abstractmethod
    def create_zero_length(cls) -> Self:
        """Create a buffer of length zero."""

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
    @abstractmethod
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

    @classmethod
    @abstractmethod
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

    # --- conversion --------------------------------------------------------------

    def as_array_like(self) -> ArrayLike:
        """Return the underlying one-dimensional array. Never copies."""
        return self._data

    @abstractmethod
    def as_numpy_array(self) -> npt.NDArray[Any]:
        """Return the bytes as a NumPy array in host memory.

        No copy when the buffer is already in host memory; a device-to-host
        copy otherwise.
        """

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
        return int(self._data.size)

    def __getitem__(self, key: slice) -> Self:
        """A view of the byte range ``key``, which must be a slice with step 1."""
        return self.__class__(self._data[check_contiguous_slice(key)])

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
        expected = len(range(*key.indices(len(self))))
        if type(value) is np.ndarray and value.dtype == _BYTE and value.ndim == 1:
            # Host bytes already: only the length needs checking.
            if value.size != expected:
                msg = f"value: expected {expected} bytes to fill {key}, got {value.size} bytes"
                raise ValueError(msg)
            value = self._coerce_value(value)
        elif isinstance(value, Buffer):
            value = self._coerce_value(value)
            if value.size != expected:
                msg = f"value: expected {expected} bytes to fill {key}, got {value.size} bytes"
                raise ValueError(msg)
        else:
            value = self._coerce_value(stage_bytes(value, expected))
        self._data[key] = value

    @abstractmethod
    def _coerce_value(self, value: Any) -> Any:
        """The value to assign into the array: a Buffer's bytes, moved into this memory if need be.

        ``value`` is a :class:`Buffer` (of any implementation), a host
        ``uint8`` array of the right length, or an integer 0-255. What it
        returns for a Buffer must have a ``size`` (its length in bytes).
        """

    # --- combining ----------------------------------------------------------------

    @abstractmethod
    def combine(self, others: Iterable[Buffer]) -> Self:
        """Concatenate this buffer and ``others`` into a new buffer.

        The result is allocated once and each input is copied into it once,
        whatever memory the inputs live in.

        Raises
        ------
        TypeError
            If any item of ``others`` is not a :class:`Buffer`.
        """

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
        buffer's bytes through the buffer protocol.)
        """
        if not isinstance(other, Buffer):
            # Not NotImplemented: that would let bytes.__eq__ or NumPy's
            # reflected operators read this buffer through the buffer protocol.
            return False
        if len(self) != len(other):
            return False
        return bool(np.array_equal(self.as_numpy_array(), other.as_numpy_array()))

    # NumPy's operators and ufuncs defer to us, so `array == buf` and
    # `array + buf` come to __eq__/__add__ instead of broadcasting over the bytes.
    __array_ufunc__ = None

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} {len(self)} bytes on {self.device}>"

    # --- interchange ----------------------------------------------------------------

    def __dlpack__(self, **kwargs: Any) -> Any:
        """Export the bytes through DLPack, without a copy."""
        return self._data.__dlpack__(**kwargs)  # type: ignore[attr-defined]

    def __dlpack_device__(self) -> tuple[int, int]:
        """The DLPack device type and id of the memory."""
        device: tuple[int, int] = self._data.__dlpack_device__()  # type: ignore[attr-defined]
        return device

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        # Pickle the host bytes. With protocol 5 a PickleBuffer lets the
        # pickler hand them to buffer_callback (out of band) without a copy;
        # from_bytes then wraps whatever object the unpickler gets back.
        host = np.ascontiguousarray(self.as_numpy_array())
        if isinstance(protocol, int) and protocol >= 5:
            return (type(self).from_bytes, (pickle.PickleBuffer(host.data),))
        payload: BytesLike = host.tobytes() if self.readonly else bytearray(host)
        return (type(self).from_bytes, (payload,))


def require_buffer(argument: str, value: Any) -> Buffer:
    """Return ``value`` if it is a Buffer, else raise a TypeError naming ``argument``."""
    if not isinstance(value, Buffer):
        msg = f"{argument}: expected a Buffer, got {describe(value)}"
        raise TypeError(msg)
    return value
