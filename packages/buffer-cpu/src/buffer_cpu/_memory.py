"""Host memory, on NumPy: the storage hooks of buffer-cpu."""

from __future__ import annotations

from typing import Any

import numpy as np

from buffer_core.implementing import Memory, allocation_failed

__all__ = ["HOST_MEMORY", "HostMemory", "allocate_host"]

_BYTE = np.dtype(np.uint8)


def allocate_host(
    shape: tuple[int, ...], dtype: np.dtype[Any], order: Any, *, zeroed: bool
) -> np.ndarray[Any, Any]:
    """A new NumPy array, zeroed or not, with a MemoryError that says what was asked."""
    try:
        # np.zeros is calloc: the OS hands out zero pages lazily, so a zeroed
        # allocation costs nothing up front.
        data = (np.zeros if zeroed else np.empty)(shape, dtype=dtype, order=order)
    except MemoryError:
        raise allocation_failed(shape, dtype) from None
    if data.dtype != dtype and dtype.kind in "mM":
        # NumPy allocation drops the scale and byte order of generic time
        # units (np.zeros(1, ">M8[2generic]").dtype is <M8); a view restores
        # them. Other differences are NumPy's own choices, which zarr shares.
        data = data.view(dtype)
    return data


class HostMemory(Memory):
    """Host memory in NumPy arrays: every dtype held as it is, nothing ever copied to move.

    NumPy computes with every dtype (byte-swapped, structured, strings,
    objects) and loads misaligned elements, so buffer-core never needs the
    raw-bytes layout here; "moving" to or from the host is the array itself.
    """

    @property
    def xp(self) -> Any:
        return np

    def is_array(self, obj: Any) -> bool:
        return isinstance(obj, np.ndarray)

    def device(self, array: Any) -> str:
        return "cpu"

    def dtype_of(self, array: Any) -> np.dtype[Any]:
        return array.dtype  # type: ignore[no-any-return]

    def readonly(self, array: Any) -> bool:
        return not array.flags.writeable

    def holds_natively(self, dtype: np.dtype[Any]) -> bool:
        return True

    def check_dtype(self, dtype: np.dtype[Any], argument: str) -> None:
        # Host memory holds Python objects too (object dtype, StringDType).
        return

    def allocate(self, shape: tuple[int, ...], dtype: np.dtype[Any], *, zeroed: bool) -> Any:
        return allocate_host(shape, dtype, "C", zeroed=zeroed)

    def from_host(self, host: np.ndarray[Any, Any]) -> Any:
        return host

    def to_host(self, array: Any) -> np.ndarray[Any, Any]:
        return array  # type: ignore[no-any-return]

    def raw_bytes(self, array: Any) -> Any:
        if array.dtype.itemsize == 0:
            return np.empty((*array.shape, 0), dtype=_BYTE)
        # A length-one last axis is contiguous whatever the strides, so NumPy
        # widens it into each element's bytes, in place.
        return array[..., np.newaxis].view(_BYTE)

    def native_view(self, raw: Any, dtype: np.dtype[Any]) -> Any:
        if raw.shape[-1] != dtype.itemsize or (raw.shape[-1] > 1 and raw.strides[-1] != 1):
            return None
        # NumPy loads misaligned elements itself.
        return raw.view(dtype)[..., 0]

    def astype(self, array: Any, dtype: np.dtype[Any], order: str) -> Any:
        return array.astype(dtype, order=order)


#: The one host memory every buffer-cpu class uses.
HOST_MEMORY = HostMemory()
