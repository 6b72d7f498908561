"""How each NumPy dtype is kept in device memory.

CuPy computes with native-order booleans, integers, floats up to 64 bits and
complex numbers up to 128 bits. A store also holds big-endian numbers,
fixed-width strings, datetimes and extended-precision floats, which CuPy
cannot represent. Those live on the device as their raw bytes: a ``uint8``
array with one extra, last axis of length ``itemsize`` (so every element's
bytes stay together whatever the memory order), with the NumPy dtype kept
beside it. Transfers copy raw bytes either way, so the bits that reach the
host are exactly the bits that left it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "allocation_layout",
    "is_device_native",
    "native_counterpart",
    "parse_device_dtype",
    "value_byte_indices",
]

_MAX_ITEMSIZE = {"b": 1, "i": 8, "u": 8, "f": 8, "c": 16}


def is_device_native(dtype: np.dtype[Any]) -> bool:
    """Whether CuPy holds and computes with ``dtype`` as it is."""
    limit = _MAX_ITEMSIZE.get(dtype.kind)
    return (
        limit is not None
        and dtype.isnative
        and dtype.itemsize <= limit
        and dtype.names is None
        and dtype.subdtype is None
    )


def native_counterpart(dtype: np.dtype[Any]) -> np.dtype[Any] | None:
    """The native-order dtype CuPy can compute with for a byte-swapped number, else None."""
    if dtype.kind not in _MAX_ITEMSIZE or dtype.isnative:
        return None
    native = dtype.newbyteorder("=")
    return native if is_device_native(native) else None


def parse_device_dtype(dtype: np.dtype[Any], argument: str = "dtype") -> np.dtype[Any]:
    """Return ``dtype`` if device memory can hold it, else raise a TypeError naming ``argument``.

    Everything but Python objects can be held as raw bytes.
    """
    if dtype.hasobject:
        msg = (
            f"{argument}: device memory cannot hold Python objects (dtype {dtype}); "
            f"use a fixed-width dtype"
        )
        raise TypeError(msg)
    return dtype


def allocation_layout(
    dims: tuple[int, ...], dtype: np.dtype[Any]
) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """The shape and dtype of the array NumPy allocates for ``dims`` and ``dtype``.

    Device memory is allocated element by element, so NumPy's own choices
    are asked for explicitly: zero-sized strings (``dtype=str``, ``"S0"``)
    get one character and a sub-array dtype's axes are appended to the
    shape, as ``np.zeros`` (and so zarr) does.
    """
    if dtype.itemsize and dtype.subdtype is None:
        return dims, dtype
    probe = np.empty((0,), dtype=dtype)
    return (*dims, *(int(n) for n in probe.shape[1:])), probe.dtype


def value_byte_indices(dtype: np.dtype[Any]) -> np.ndarray[Any, np.dtype[np.intp]] | None:
    """Offsets of the bytes that carry an element's value, or None when all of them do.

    x86's extended precision float stores 80 value bits in 12 or 16 bytes;
    the rest is padding with arbitrary content that comparisons must skip.
    """
    if dtype.kind not in "fc" or dtype.itemsize <= 8 * (2 if dtype.kind == "c" else 1):
        return None
    parts = 2 if dtype.kind == "c" else 1
    info = np.finfo(dtype)
    # Sign, exponent, explicit integer bit and fraction of one real part.
    value_bytes = -(-(2 + info.nexp + info.nmant) // 8)
    part_bytes = dtype.itemsize // parts
    if value_bytes >= part_bytes:
        return None
    little = dtype.byteorder == "<" or (dtype.byteorder in "=|" and np.little_endian)
    within = np.arange(value_bytes) if little else np.arange(part_bytes - value_bytes, part_bytes)
    return np.concatenate([within + part * part_bytes for part in range(parts)]).astype(np.intp)
