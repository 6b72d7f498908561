"""Fixtures and helpers shared by the conformance suites."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from buffer_core import Buffer, BufferPrototype, NDBuffer


class SuiteBase:
    """Holds the ``prototype`` fixture that an implementation overrides."""

    @pytest.fixture
    def prototype(self) -> BufferPrototype:
        pytest.fail("override the `prototype` fixture to return your BufferPrototype")

    @pytest.fixture
    def host_memory(self, prototype: BufferPrototype) -> bool:
        """Whether the implementation keeps its bytes in host memory."""
        return prototype.buffer.create_zero_length().device == "cpu"

    @pytest.fixture
    def host_only(self, host_memory: bool) -> None:
        """Skip a test of a host-memory guarantee on a device implementation."""
        if not host_memory:
            pytest.skip("host-memory guarantee; this implementation keeps data on a device")


def native_array(prototype: BufferPrototype, array: npt.ArrayLike) -> Any:
    """``array`` moved into the implementation's own memory (its array type)."""
    return prototype.nd_buffer.from_numpy_array(np.asarray(array)).as_ndarray_like()


def make_buffer(prototype: BufferPrototype, data: bytes) -> Buffer:
    """A writable buffer of the implementation holding ``data``."""
    return prototype.buffer.from_bytes(bytearray(data))


def make_ndbuffer(prototype: BufferPrototype, array: npt.ArrayLike) -> NDBuffer:
    """An NDBuffer of the implementation holding a copy of ``array``."""
    return prototype.nd_buffer.from_numpy_array(np.array(array, copy=True))


def host_bytes(buffer: Buffer) -> bytes:
    """The bytes of ``buffer``, read on the host."""
    return buffer.as_numpy_array().tobytes()
