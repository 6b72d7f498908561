"""Buffers in host memory, on NumPy.

``Buffer`` and ``NDBuffer`` implement the ``buffer_core`` API over NumPy
arrays; ``buffer_prototype`` is registered as the ``"cpu"`` prototype.
"""

from __future__ import annotations

from importlib.metadata import version as _version

from buffer_cpu._buffer import Buffer
from buffer_cpu._ndbuffer import NDBuffer
from buffer_cpu._prototype import as_numpy_array_wrapper, buffer_prototype, numpy_buffer_prototype

__version__ = _version("buffer-cpu")

__all__ = [
    "Buffer",
    "NDBuffer",
    "__version__",
    "as_numpy_array_wrapper",
    "buffer_prototype",
    "numpy_buffer_prototype",
]
