"""What device buffers add to buffer-core's API: the CUDA Array Interface and synchronize()."""

from __future__ import annotations

from typing import Any

from buffer_gpu import _ordering
from buffer_gpu._cupy import current_stream, on_device

__all__ = ["DeviceExports"]


class DeviceExports:
    """Mixin for buffer-gpu's Buffer and NDBuffer (whose storage is a CuPy array)."""

    _data: Any
    _record: Any
    _raw: bool = False

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        """Export the memory to CuPy, Numba or PyTorch without a copy (dtypes held as they are).

        The interface's ``stream`` is this device's current stream, made to
        wait for the buffer's writes first: a consumer that waits on it (as
        the protocol asks) sees them.
        """
        if self._raw:
            msg = "this buffer's dtype has no CUDA Array Interface type: it is held as raw bytes"
            raise AttributeError(msg)
        with _ordering.reading(int(self._data.device.id), self._record):
            interface: dict[str, Any] = self._data.__cuda_array_interface__
        return interface

    def synchronize(self) -> None:
        """Block until every read and write of this buffer's memory, and its device's stream, are done."""
        with on_device(int(self._data.device.id)):
            record = self._record
            if record is not None:
                for event in record.pending_accesses():
                    event.synchronize()
            current_stream().synchronize()
