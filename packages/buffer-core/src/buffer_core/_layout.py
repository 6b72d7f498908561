"""The raw-bytes layout, and how keys select elements of storage, defined once.

A dtype a memory cannot hold as it is (byte-swapped numbers, strings,
datetimes, structs, extended precision on a device) is kept as *raw bytes*:
a ``uint8`` array of shape ``(*shape, itemsize)`` whose last axis holds each
element's bytes, the dtype kept beside it. The last axis is always the
fastest, so an F-ordered buffer keeps every element's bytes together.

Keys are resolved on the host, by NumPy, against the buffer's shape, before
any memory is touched: so every implementation refuses the same keys with
the same words, and storage only ever sees the indexing the array API
standard defines (integers, slices, ``None`` and a trailing ``...``) or a
list of flat element positions.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from buffer_core._validation import raise_key_error

__all__ = [
    "Selection",
    "allocation_layout",
    "astype_on_host",
    "clamp_slice",
    "host_from_raw",
    "host_raw",
    "resolve_key",
]

_BYTE = np.dtype(np.uint8)
_BASIC_TYPES = (int, slice, type(None), type(Ellipsis))


def host_raw(host: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The raw bytes of a host array: ``uint8`` of shape ``(*shape, itemsize)``, no copy if contiguous."""
    if host.dtype.itemsize == 0:
        return np.empty((*host.shape, 0), dtype=_BYTE)
    if not (host.flags.c_contiguous or host.flags.f_contiguous):
        host = np.ascontiguousarray(host)
    # A length-one last axis is contiguous whatever the order, so NumPy
    # widens it into the element's bytes in place.
    return host[..., np.newaxis].view(_BYTE)


def host_from_raw(raw: np.ndarray[Any, Any], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """Host raw bytes ``(*shape, itemsize)`` as elements of ``dtype``, no copy if the bytes are together."""
    shape = raw.shape[:-1]
    if dtype.itemsize == 0:
        return np.empty(shape, dtype=dtype)
    if raw.shape[-1] > 1 and raw.strides[-1] != 1:
        raw = np.ascontiguousarray(raw)
    return raw.view(dtype)[..., 0]


def astype_on_host(
    host: np.ndarray[Any, Any], target: np.dtype[Any], order: Any = "K"
) -> np.ndarray[Any, Any]:
    """``host.astype(target, order=order)``, with the byte order of generic time units honoured.

    Between datetimes (or timedeltas) of generic units NumPy keeps the
    source's byte order whatever the target's, so a big-endian chunk
    "converted" to little-endian keeps its big-endian bytes under a
    little-endian label: the counts are converted as integers instead.
    """
    converted = host.astype(target, order=order)
    if converted.dtype == target or target.kind not in "mM" or host.dtype.kind != target.kind:
        return converted
    counts = host.view(np.dtype(np.int64).newbyteorder(host.dtype.byteorder))
    swapped = counts.astype(np.dtype(np.int64).newbyteorder(target.byteorder), order=order)
    return swapped.view(target)


def allocation_layout(
    dims: tuple[int, ...], dtype: np.dtype[Any]
) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """The shape and dtype NumPy gives an array of ``dims`` and ``dtype``.

    NumPy's choices, which zarr shares and every implementation must make
    alike: a zero-sized string (``dtype=str``, ``"S0"``) gets one character,
    and a sub-array dtype's axes are appended to the shape.
    """
    if dtype.itemsize and dtype.subdtype is None:
        return dims, dtype
    probe = np.empty((0,), dtype=dtype)
    return (*dims, *(int(n) for n in probe.shape[1:])), probe.dtype


class Selection(NamedTuple):
    """Where a key points in a buffer of some shape.

    Exactly one of ``basic`` and ``flat`` is set. ``basic`` is a key of
    integers, slices and ``None`` with one entry per axis and a trailing
    ``...`` (which leaves the raw layout's byte axis alone); ``flat`` holds the
    C-order positions of the selected elements, in the selection's shape.
    """

    shape: tuple[int, ...]
    basic: tuple[Any, ...] | None
    flat: np.ndarray[Any, Any] | None


def _is_basic(parts: tuple[Any, ...]) -> bool:
    return all(type(part) in _BASIC_TYPES for part in parts)


def clamp_slice(key: slice, length: int) -> slice:
    """``key`` with bounds inside an axis of ``length``, selecting the same elements.

    NumPy clips out-of-range bounds; the standard leaves them unspecified.
    """
    start, stop, step = key.indices(length)
    if not range(start, stop, step):
        return slice(0, 0, 1)
    if step < 0 and stop < 0:
        return slice(start, None, step)  # down to and including the first element
    return slice(start, stop, step)


def _expand(parts: tuple[Any, ...], shape: tuple[int, ...]) -> tuple[Any, ...]:
    """``parts`` with its Ellipsis (or the missing trailing axes) spelled out, slices clamped."""
    ndim = len(shape)
    named = sum(1 for part in parts if part is not None and part is not Ellipsis)
    fill = (slice(None),) * (ndim - named)
    for index, part in enumerate(parts):
        if part is Ellipsis:
            parts = (*parts[:index], *fill, *parts[index + 1 :])
            break
    else:
        parts = (*parts, *fill)
    expanded: list[Any] = []
    axis = 0
    for part in parts:
        if part is None:
            expanded.append(None)
            continue
        expanded.append(clamp_slice(part, shape[axis]) if type(part) is slice else part)
        axis += 1
    return (*expanded, Ellipsis)


def _as_host_key(parts: tuple[Any, ...], to_host: Any) -> tuple[Any, ...]:
    """Key parts that NumPy can index with: lists stay, arrays of the memory come to the host."""
    return tuple(
        part if isinstance(part, (*_BASIC_TYPES, list, np.ndarray, np.generic)) else to_host(part)
        for part in parts
    )


def resolve_key(key: Any, shape: tuple[int, ...], to_host: Any = None) -> Selection:
    """Resolve ``key`` against ``shape`` with NumPy's indexing rules, refusing a bad key.

    ``to_host`` converts key parts that are arrays of the buffer's own
    memory (a device mask) to NumPy; None when there are none to expect.

    Raises
    ------
    IndexError, TypeError
        If ``key`` selects nothing in ``shape``; the message starts ``key:``.
    """
    parts = key if type(key) is tuple else (key,)
    stand_in = np.broadcast_to(np.empty((), dtype=_BYTE), shape)
    if not _is_basic(parts):
        # NumPy integers index like ints (basic indexing, a view); bools do not.
        parts = tuple(int(part) if isinstance(part, np.integer) else part for part in parts)
    if _is_basic(parts):
        try:
            selected_shape = stand_in[parts].shape
        except (LookupError, TypeError, ValueError) as error:
            raise_key_error(key, shape, error)
        return Selection(selected_shape, _expand(parts, shape), None)
    if to_host is not None:
        parts = _as_host_key(parts, to_host)
    try:
        selected_shape = stand_in[parts].shape
    except (LookupError, TypeError, ValueError) as error:
        raise_key_error(key, shape, error)
    return Selection(selected_shape, None, _flat_positions(parts, shape))


def _flat_positions(parts: tuple[Any, ...], shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
    """The C-order position of every element ``parts`` selects, in the selection's shape.

    Each axis contributes its index times its C stride, as a broadcast view
    (no memory of the buffer's size); indexing each view with the key and
    adding gives the positions, so the work is proportional to the
    selection, not to the buffer.
    """
    ndim = len(shape)
    positions: np.ndarray[Any, Any] | None = None
    stride = 1
    for axis in reversed(range(ndim)):
        along = np.arange(shape[axis], dtype=np.intp) * stride
        stride *= shape[axis]
        view = np.broadcast_to(along.reshape((-1,) + (1,) * (ndim - axis - 1)), shape)
        term = view[parts]
        positions = term if positions is None else positions + term
    if positions is None:  # a 0-d buffer: its one element
        only: np.ndarray[Any, Any] = np.broadcast_to(np.zeros((), dtype=np.intp), ())[parts]
        return only.astype(np.intp)
    return np.asarray(positions, dtype=np.intp)
