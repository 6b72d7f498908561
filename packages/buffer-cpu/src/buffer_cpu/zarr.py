"""Host-memory buffers that zarr-python accepts as its own.

zarr's stores and codecs check buffers with ``isinstance`` against
``zarr.core.buffer.Buffer``/``NDBuffer``. The classes here are
:class:`buffer_cpu.Buffer` and :class:`buffer_cpu.NDBuffer` with zarr's
classes as extra bases: every method is ours, nothing is copied on the way
in or out. Needs the ``zarr`` extra (``pip install 'buffer-cpu[zarr]'``).

Make every zarr array in the process use them with::

    zarr.config.set({"buffer": "buffer_cpu.zarr.Buffer", "ndbuffer": "buffer_cpu.zarr.NDBuffer"})

or ``ZARR_BUFFER=buffer_cpu.zarr.Buffer ZARR_NDBUFFER=buffer_cpu.zarr.NDBuffer``
in the environment; or pass ``prototype=buffer_prototype`` to a single call.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

import buffer_cpu
from buffer_core.implementing import ZarrNDBufferMixin, missing_zarr_error, register_zarr_buffers

try:
    import zarr.core.buffer as _zarr_buffer
except ImportError as error:
    raise missing_zarr_error(__name__, "buffer-cpu[zarr]") from error

__all__ = ["Buffer", "NDBuffer", "buffer_prototype"]

register_zarr_buffers()

# mypy sees the two bases' signatures as unrelated (ours take buffer_core
# buffers, zarr's take zarr's); register_zarr_buffers() makes every zarr buffer
# a buffer_core one at run time, so each of our methods accepts what zarr passes.


class Buffer(buffer_cpu.Buffer, _zarr_buffer.Buffer):  # type: ignore[misc]
    """A :class:`buffer_cpu.Buffer` that zarr-python accepts as a ``zarr.core.buffer.Buffer``."""

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> Any:
        return _host_array(self._data, dtype, copy)


class NDBuffer(ZarrNDBufferMixin, buffer_cpu.NDBuffer, _zarr_buffer.NDBuffer):  # type: ignore[misc]
    """A :class:`buffer_cpu.NDBuffer` that zarr-python accepts as a ``zarr.core.buffer.NDBuffer``."""

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> Any:
        return _host_array(self._data, dtype, copy)


def _host_array(data: npt.NDArray[Any], dtype: npt.DTypeLike | None, copy: bool | None) -> Any:
    # zarr's own host classes write a value that is not one of *their* buffers
    # into NumPy directly (``zarr.core.buffer.cpu.NDBuffer()[...] = ours``), and
    # NumPy reads it through __array__: in place, as the memory is host memory.
    return np.asarray(data, dtype=dtype, copy=copy)


#: The zarr ``BufferPrototype`` of host-memory buffers, for ``prototype=`` arguments.
buffer_prototype = _zarr_buffer.BufferPrototype(buffer=Buffer, nd_buffer=NDBuffer)
