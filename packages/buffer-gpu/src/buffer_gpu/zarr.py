"""CUDA device buffers that zarr-python accepts as its own GPU buffers.

The classes here are :class:`buffer_gpu.Buffer` and :class:`buffer_gpu.NDBuffer`
with zarr's GPU classes (``zarr.core.buffer.gpu``) as extra bases: every
method is ours, and data stays on the device on the way in and out. Needs
the ``zarr`` extra next to a CUDA one (``pip install 'buffer-gpu[cuda12,zarr]'``).

Make every zarr array in the process use them with::

    zarr.config.set({"buffer": "buffer_gpu.zarr.Buffer", "ndbuffer": "buffer_gpu.zarr.NDBuffer"})

or ``ZARR_BUFFER=buffer_gpu.zarr.Buffer ZARR_NDBUFFER=buffer_gpu.zarr.NDBuffer``
in the environment; or pass ``prototype=buffer_prototype`` to a single call.
Importing this module needs zarr but not CuPy or a device: zarr's registry
imports it whenever it lists buffer classes.
"""

from __future__ import annotations

import buffer_gpu
from buffer_core.implementing import ZarrNDBufferMixin, missing_zarr_error, register_zarr_buffers

try:
    import zarr.core.buffer as _zarr_buffer

    # zarr's GPU module imports CuPy only if it is there, so this works without it.
    import zarr.core.buffer.gpu as _zarr_gpu
except ImportError as error:
    raise missing_zarr_error(__name__, "buffer-gpu[zarr]") from error

__all__ = ["Buffer", "NDBuffer", "buffer_prototype"]

register_zarr_buffers()

# As in buffer_cpu.zarr: mypy sees the bases' signatures as unrelated, while at
# run time register_zarr_buffers() makes every zarr buffer a buffer_core one.


class Buffer(buffer_gpu.Buffer, _zarr_gpu.Buffer):  # type: ignore[misc]
    """A :class:`buffer_gpu.Buffer` that zarr accepts as a ``zarr.core.buffer.gpu.Buffer``."""


class NDBuffer(ZarrNDBufferMixin, buffer_gpu.NDBuffer, _zarr_gpu.NDBuffer):  # type: ignore[misc]
    """A :class:`buffer_gpu.NDBuffer` that zarr accepts as a ``zarr.core.buffer.gpu.NDBuffer``."""


#: The zarr ``BufferPrototype`` of device buffers, for ``prototype=`` arguments.
buffer_prototype = _zarr_buffer.BufferPrototype(buffer=Buffer, nd_buffer=NDBuffer)
