"""A deliberately small second implementation, to test mixing implementations.

The suite hands these to the implementation under test wherever the API
promises to accept "a Buffer of any implementation". They keep their bytes
in host memory of their own (a memory object distinct from every real
implementation's), so every exchange with them goes through the host.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from buffer_core import Buffer, BufferPrototype, Memory, NDBuffer


class ForeignMemory(Memory):
    """Host memory in NumPy arrays, each copied on the way in: the plainest memory there is."""

    @property
    def xp(self) -> Any:
        return np

    def is_array(self, obj: Any) -> bool:
        return isinstance(obj, np.ndarray)

    def device(self, array: Any) -> str:
        return "cpu"

    def holds_natively(self, dtype: np.dtype[Any]) -> bool:
        return True

    def allocate(self, shape: tuple[int, ...], dtype: np.dtype[Any], *, zeroed: bool) -> Any:
        return np.zeros(shape, dtype=dtype)

    def from_host(self, host: np.ndarray[Any, Any]) -> Any:
        return np.array(host, copy=True)

    def to_host(self, array: Any) -> np.ndarray[Any, Any]:
        return np.asarray(array)


_FOREIGN = ForeignMemory()


class ForeignBuffer(Buffer):
    """Host bytes in a NumPy array of a memory of its own."""

    memory = _FOREIGN


class ForeignNDBuffer(NDBuffer):
    """Host n-dimensional data in a NumPy array of a memory of its own."""

    memory = _FOREIGN


foreign_prototype = BufferPrototype(buffer=ForeignBuffer, nd_buffer=ForeignNDBuffer)
