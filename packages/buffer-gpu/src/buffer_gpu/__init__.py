"""Buffers in CUDA device memory, on CuPy.

``Buffer`` and ``NDBuffer`` implement the ``buffer_core`` API over CuPy
arrays; ``buffer_prototype`` is registered as the ``"gpu"`` prototype.

Importing this package needs neither CuPy nor a GPU: CuPy is imported when
the first buffer is made. Without CuPy that raises an ImportError naming
the extras that install it (``buffer-gpu[cuda12]`` or ``buffer-gpu[cuda13]``);
without a usable CUDA device, a RuntimeError naming the cause.

Work is queued on the current CuPy stream of the buffer's device;
``Buffer.synchronize()`` and ``NDBuffer.synchronize()`` wait for it.
``device_problem()`` says why no device is usable (None when one is).
"""

from __future__ import annotations

from importlib.metadata import version as _version

from buffer_gpu._buffer import Buffer
from buffer_gpu._cupy import device_problem
from buffer_gpu._ndbuffer import NDBuffer
from buffer_gpu._prototype import buffer_prototype

__version__ = _version("buffer-gpu")

__all__ = ["Buffer", "NDBuffer", "__version__", "buffer_prototype", "device_problem"]
