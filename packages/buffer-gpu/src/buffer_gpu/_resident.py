"""Where a device buffer lives, and how work on other streams waits for its writes.

Shared by Buffer and NDBuffer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from buffer_gpu._cupy import current_stream, on_device, record_event

__all__ = ["DeviceResident", "wait_for_writes"]


class _Writes:
    """The event after the last write to some memory, shared by every buffer over that memory."""

    __slots__ = ("event",)

    def __init__(self) -> None:
        self.event: Any = None


class DeviceResident:
    """Mixin for buffers whose ``_data`` is a CuPy array on one CUDA device.

    Host-to-device copies and fill kernels are queued on the stream that is
    current when they are issued, and return before they finish. A buffer
    written on one stream and read on another (zarr reads and writes chunks
    from thread pools; with per-thread default streams or explicit streams,
    each thread has its own) would race, so the buffer keeps an event
    recorded after its last write by this package, and every operation on the
    buffer first makes its own stream wait for that event. The wait is queued
    on the device, not on the host, and skipped once the event has passed.

    Views share one record with the buffer they view, so a write through
    either is waited for by both. One event suffices: every write is issued
    on a stream that first waited for the previous event, so the newest event
    comes after all earlier writes.
    """

    _data: Any
    _writes: _Writes | None = None

    @property
    def device(self) -> str:
        return f"cuda:{int(self._data.device.id)}"

    @property
    def readonly(self) -> bool:
        # Device memory has no read-only flag: CuPy arrays are always writable.
        return False

    def _mark_written(self) -> None:
        """Record, on the current stream, that this buffer's memory was just written."""
        if self._writes is None:
            self._writes = _Writes()
        self._writes.event = record_event()

    def _share_writes(self, other: DeviceResident) -> None:
        """Make this buffer, a view of ``other``'s memory, share its record of writes."""
        if other._writes is None:
            other._writes = _Writes()
        self._writes = other._writes

    def _wait_written(self) -> None:
        """Order the current stream after this buffer's last write (a device-side wait)."""
        writes = self._writes
        event = None if writes is None else writes.event
        # Never cleared once done: another thread may be recording a newer
        # event into the same record; a passed event costs one query.
        if event is not None and not event.done:
            current_stream().wait_event(event)

    @contextmanager
    def _on_own_device(self) -> Iterator[None]:
        """Make this buffer's device current, and its stream ordered after the buffer's writes."""
        with on_device(int(self._data.device.id)):
            self._wait_written()
            yield

    def synchronize(self) -> None:
        """Block until this buffer's writes and the work queued on its device's stream are done."""
        with on_device(int(self._data.device.id)):
            writes = self._writes
            event = None if writes is None else writes.event
            if event is not None:
                event.synchronize()
            current_stream().synchronize()


def wait_for_writes(value: Any) -> None:
    """Order the current stream after ``value``'s pending writes, when it is one of ours.

    For buffers read by another buffer's operation (a part of ``combine``, a
    value assigned), whose device need not be current: CUDA lets a stream
    wait for an event of another device.
    """
    if isinstance(value, DeviceResident):
        value._wait_written()
