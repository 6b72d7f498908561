"""The storage hooks: what an implementation supplies about where its memory lives.

``buffer_core.Buffer`` and ``buffer_core.NDBuffer`` implement every public
method once, over arrays of one *memory*. A :class:`Memory` says what those
arrays are (an array namespace of the Python array API standard), how they
are allocated, how bytes move between them and host memory, and how work on
them is ordered. Everything else, validation, keys, conversion of values,
the raw-bytes layout, comparisons and pickling, lives in buffer-core and is
the same for every implementation.

The defaults below use only the array API standard, so a memory whose
namespace is standard-conforming needs to supply only :meth:`allocate`,
:meth:`from_host`, :meth:`to_host`, :meth:`is_array` and :meth:`device`.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["STANDARD_DTYPES", "Memory", "RawBytes"]

#: The dtypes of the array API standard, in native byte order: what a memory
#: holds as they are by default. Every other dtype is kept as raw bytes.
STANDARD_DTYPES = frozenset(
    np.dtype(name)
    for name in (
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float32",
        "float64",
        "complex64",
        "complex128",
    )
)

_NO_ORDERING = contextlib.nullcontext()


class RawBytes(NamedTuple):
    """An imported array of a dtype the memory holds only as raw bytes (see ``import_array``)."""

    #: The bytes: ``uint8`` of shape ``(*shape, dtype.itemsize)``, a view of the imported memory.
    storage: Any
    #: The dtype of the elements.
    dtype: np.dtype[Any]


class Memory(ABC):
    """Where one implementation's arrays live: allocation, transfers, ordering, interchange.

    An implementation subclasses it once and names an instance in the
    ``memory`` class attribute of its ``Buffer`` and ``NDBuffer``. Arrays of
    the memory ("storage") are arrays of :attr:`xp`. A dtype that
    :meth:`holds_natively` refuses is kept as *raw bytes*: a ``uint8``
    array with one more, last axis of the element's size, its NumPy dtype
    kept by the buffer; buffer-core defines that layout and every
    conversion in and out of it.

    Ordering: buffers of a memory that queues work asynchronously (a CUDA
    stream) keep an *access record* (:meth:`new_record`), shared by every
    view of the same memory. buffer-core brackets each operation with
    :meth:`reading` or :meth:`writing` on it, and asks :meth:`exported`
    before handing storage to a caller. Synchronous memories keep the
    defaults, which do nothing.
    """

    # --- what the arrays are -------------------------------------------------------------

    @property
    @abstractmethod
    def xp(self) -> Any:
        """The array namespace (array API standard) of this memory's arrays."""

    @abstractmethod
    def is_array(self, obj: Any) -> bool:
        """Whether ``obj`` is an array of this memory, as :meth:`allocate` returns them.

        Called for every new buffer, so it should be one ``isinstance`` check.
        """

    def import_array(self, obj: Any) -> Any:
        """An array of this memory over ``obj``'s memory without a copy, or None.

        For another library's arrays that live in this memory and export it
        (the CUDA Array Interface, DLPack). None means ``obj`` is no such
        array; a :class:`RawBytes` is an array whose dtype the memory holds
        only as raw bytes (a big-endian ``typestr``, say). The default
        imports nothing.
        """
        return None

    @abstractmethod
    def device(self, array: Any) -> str:
        """Where ``array`` lives: ``"cpu"`` for host memory, ``"cuda:N"`` for a CUDA device."""

    def dtype_of(self, array: Any) -> np.dtype[Any]:
        """The NumPy dtype of ``array``'s elements. The default: ``numpy.dtype(array.dtype)``."""
        dtype: np.dtype[Any] = np.dtype(array.dtype)
        return dtype

    def xp_dtype(self, dtype: np.dtype[Any]) -> Any:
        """``dtype`` (one held natively) as :attr:`xp` names it. The default: the NumPy dtype."""
        return dtype

    def readonly(self, array: Any) -> bool:
        """Whether ``array`` refuses writes. The default: never."""
        return False

    def holds_natively(self, dtype: np.dtype[Any]) -> bool:
        """Whether arrays of this memory hold and compute with ``dtype`` as it is.

        The default is the standard's dtypes in native byte order. Dtypes it
        refuses are held as raw bytes.
        """
        return dtype in STANDARD_DTYPES and dtype.isnative

    def check_dtype(self, dtype: np.dtype[Any], argument: str) -> None:
        """Raise a TypeError naming ``argument`` if this memory cannot hold ``dtype`` at all.

        The default refuses dtypes holding Python objects, whose elements
        are references into host memory.
        """
        if dtype.hasobject:
            msg = (
                f"{argument}: {type(self).__name__} cannot hold Python objects (dtype {dtype}); "
                f"use a fixed-width dtype"
            )
            raise TypeError(msg)

    def is_aligned(self, array: Any) -> bool:
        """Whether ``array``'s elements may be loaded as its dtype (pointer and strides aligned).

        An array that is not is held as raw bytes. The default: always.
        """
        return True

    # --- memory and transfers ------------------------------------------------------------

    @abstractmethod
    def allocate(self, shape: tuple[int, ...], dtype: np.dtype[Any], *, zeroed: bool) -> Any:
        """New C-ordered memory for ``shape`` elements of ``dtype`` (one it holds natively).

        ``zeroed`` asks for every byte zero. Raise MemoryError (see
        ``buffer_core.implementing.allocation_failed``) when it cannot be had.
        """

    @abstractmethod
    def from_host(self, host: np.ndarray[Any, Any]) -> Any:
        """``host`` (C-contiguous, of a dtype held natively) as an array of this memory.

        A host-to-device copy for device memory. Host memory may return
        ``host`` itself: buffer-core passes arrays it made, or arrays the
        caller asked to wrap without a copy.
        """

    @abstractmethod
    def to_host(self, array: Any) -> np.ndarray[Any, Any]:
        """``array``'s values in a NumPy array of the same shape and dtype.

        A device-to-host copy for device memory, in C or F order where
        ``array`` is laid out so (raw bytes whose leading axes are in F
        order stay so). Host memory returns the array itself, no copy.
        """

    def write_from_host(self, destination: Any, sources: Sequence[np.ndarray[Any, Any]]) -> None:
        """Write the 1-d ``uint8`` host arrays ``sources``, laid end to end, into ``destination``.

        ``destination`` is a 1-d ``uint8`` array of this memory exactly as long
        as the sources together. The default moves them with one
        :meth:`from_host` and one assignment; a device memory may copy
        straight into ``destination``.
        """
        joined = sources[0] if len(sources) == 1 else np.concatenate(sources)
        destination[...] = self.from_host(np.ascontiguousarray(joined))

    def raw_bytes(self, array: Any) -> Any:
        """A ``uint8`` view of ``array``'s memory with a trailing axis of its itemsize.

        For arrays imported or wrapped with a dtype this memory does not hold
        natively (or that are misaligned), so that buffer-core can keep them
        as raw bytes without a copy. The default copies through the host.
        """
        host = self.to_host(array)
        raw = np.ascontiguousarray(host).reshape((*host.shape, 1)).view(np.uint8)
        return self.from_host(raw)

    def native_view(self, raw: Any, dtype: np.dtype[Any]) -> Any:
        """A view of raw bytes as ``dtype`` elements, or None where it cannot be had.

        Asked for fields of structured buffers, whose bytes are raw; a view
        lets the field be computed with natively. It must be None when the
        bytes are not aligned for ``dtype``. The default: None.
        """
        return None

    def astype(self, array: Any, dtype: np.dtype[Any], order: str) -> Any:
        """``array`` converted to ``dtype`` (both held natively), in new memory.

        ``order`` is ``"K"``, ``"A"``, ``"C"`` or ``"F"``; the standard's
        ``astype`` has no order, so the default returns None for ``"C"`` and
        ``"F"``, which makes buffer-core convert through the host.
        """
        if order not in ("K", "A"):
            return None
        return self.xp.astype(array, self.xp_dtype(dtype), copy=True)

    def overlaps(self, first: Any, second: Any) -> bool:
        """Whether two arrays of this memory may share bytes (assignment must then copy first).

        The default says no: NumPy (and what the standard's reference does)
        assigns overlapping arrays as if through a temporary.
        """
        return False

    def bring(self, array: Any, record: Any, near: Any) -> Any:
        """``array`` (whose buffer keeps ``record``) made usable where ``near`` lives.

        For a value read by an operation on another buffer: a device memory
        waits for the value's writes and copies it to ``near``'s device if
        it lives on another. The default returns ``array``.
        """
        return array

    # --- ordering ------------------------------------------------------------------------

    def new_record(self) -> Any:
        """A fresh access record for new memory, shared by its views. The default: None."""
        return None

    def created(self, array: Any, record: Any) -> None:
        """``array`` was just made (allocated, copied into) by work queued now; its buffer keeps ``record``.

        A device memory records that work as the memory's first write. The
        default does nothing.
        """
        return

    def reading(self, array: Any, record: Any) -> contextlib.AbstractContextManager[Any]:
        """Context for work that reads ``array``: its device current, after its writes."""
        return _NO_ORDERING

    def writing(self, array: Any, record: Any) -> contextlib.AbstractContextManager[Any]:
        """Context for work that writes ``array``: after its reads and writes; recorded after."""
        return _NO_ORDERING

    def exported(self, array: Any, record: Any) -> Any:
        """``array`` about to be handed to the caller: every pending write to it finished."""
        return array
