"""How work on one device buffer is ordered across streams: its access record.

Copies and kernels are queued on the stream current when they are issued
and return before they finish. zarr reads and writes chunks from thread
pools, and with per-thread default streams or explicit streams each thread
queues on its own stream, so a buffer read on one stream and written on
another would race. Every buffer therefore keeps an access record, shared
by all views of its memory: the event after its last write, and the event
after the last read on each stream since. A read waits (on the device, not
the host) for the last write; a write waits for the last write and for
every read since; each records its own event afterwards. A lock guards the
record, since threads update it concurrently.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from buffer_gpu._cupy import current_stream, on_device, record_event

__all__ = ["AccessRecord", "created", "exported", "reading", "wait_for_writes", "writing"]


class AccessRecord:
    """The events after the last write to some device memory and the reads since."""

    __slots__ = ("lock", "reads", "write")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.write: Any = None
        self.reads: dict[int, Any] = {}  # stream pointer -> event after its last read

    def pending_write(self) -> Any:
        """The last write's event while it may still be running, else None."""
        with self.lock:
            event = self.write
        return None if event is None or event.done else event

    def pending_accesses(self) -> list[Any]:
        """Events of the last write and of every read since that may still be running."""
        with self.lock:
            events = [self.write, *self.reads.values()]
        return [event for event in events if event is not None and not event.done]


def wait_for_writes(record: AccessRecord | None) -> None:
    """Make the current stream wait for ``record``'s last write (a device-side wait)."""
    event = None if record is None else record.pending_write()
    if event is not None:
        current_stream().wait_event(event)


@contextmanager
def reading(device_id: int, record: AccessRecord | None) -> Iterator[None]:
    """Work that reads the memory: on its device, after its last write; the read is recorded."""
    with on_device(device_id):
        wait_for_writes(record)
        yield
        if record is not None:
            stream = current_stream()
            event = record_event()
            with record.lock:
                record.reads[int(stream.ptr)] = event


@contextmanager
def writing(device_id: int, record: AccessRecord | None) -> Iterator[None]:
    """Work that writes the memory: after every earlier access; the write is recorded."""
    with on_device(device_id):
        if record is not None:
            stream = current_stream()
            for event in record.pending_accesses():
                stream.wait_event(event)
        yield
        if record is not None:
            event = record_event()
            with record.lock:
                record.write = event
                record.reads.clear()


def created(device_id: int, record: AccessRecord | None) -> None:
    """Record the work queued so far on the memory's device as its first write."""
    if record is not None:
        with on_device(device_id):
            event = record_event()
        with record.lock:
            record.write = event


def exported(device_id: int, record: AccessRecord | None) -> None:
    """Block until the memory's last write has finished, before it leaves our hands.

    The caller (zarr hands arrays to users from its IO threads) may use the
    array on any stream of any thread; only a finished write is safe there.
    """
    event = None if record is None else record.pending_write()
    if event is not None:
        with on_device(device_id):
            event.synchronize()
