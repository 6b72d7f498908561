"""Where a device buffer lives and how to wait for its work: shared by Buffer and NDBuffer."""

from __future__ import annotations

from typing import Any

from buffer_gpu._cupy import cupy, on_device

__all__ = ["DeviceResident"]


class DeviceResident:
    """Mixin for buffers whose ``_data`` is a CuPy array on one CUDA device."""

    _data: Any

    @property
    def device(self) -> str:
        return f"cuda:{int(self._data.device.id)}"

    @property
    def readonly(self) -> bool:
        # Device memory has no read-only flag: CuPy arrays are always writable.
        return False

    def _on_own_device(self) -> Any:
        """A context that makes this buffer's device current, whatever device is."""
        return on_device(int(self._data.device.id))

    def synchronize(self) -> None:
        """Block until all work queued on this buffer's device's current stream has finished."""
        with self._on_own_device():
            cupy().cuda.get_current_stream().synchronize()
