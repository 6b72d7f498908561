"""The abstract buffer API for array storage.

``Buffer`` (flat bytes) and ``NDBuffer`` (typed n-dimensional data) state the
contract; implementations such as ``buffer_cpu`` (host memory) and
``buffer_gpu`` (CUDA device memory) provide the memory. A
``BufferPrototype`` names the pair of classes to allocate with, and the
registry picks one by name (``"cpu"``, ``"gpu"``). A ``Memory`` is what an
implementation supplies: where its arrays live and how bytes move
(``buffer_core.implementing`` holds it with the helpers implementations use).
"""

from __future__ import annotations

from importlib.metadata import version as _version

from buffer_core._buffer import Buffer
from buffer_core._memory import Memory
from buffer_core._ndbuffer import NDBuffer
from buffer_core._protocols import ArrayLike, BytesLike, Endian, NDArrayLike, ScalarType
from buffer_core._prototype import BufferPrototype
from buffer_core._registry import (
    ENTRY_POINT_GROUP,
    ENVIRONMENT_VARIABLE,
    default_buffer_prototype,
    get_prototype,
    register_prototype,
    registered_prototypes,
    set_default_prototype,
    use_prototype,
)

__version__ = _version("buffer-core")

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENVIRONMENT_VARIABLE",
    "ArrayLike",
    "Buffer",
    "BufferPrototype",
    "BytesLike",
    "Endian",
    "Memory",
    "NDArrayLike",
    "NDBuffer",
    "ScalarType",
    "__version__",
    "default_buffer_prototype",
    "get_prototype",
    "register_prototype",
    "registered_prototypes",
    "set_default_prototype",
    "use_prototype",
]
