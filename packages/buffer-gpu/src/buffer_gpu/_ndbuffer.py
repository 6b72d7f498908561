"""N-dimensional buffers in CUDA device memory."""

from __future__ import annotations

import buffer_core
from buffer_gpu._exports import DeviceExports
from buffer_gpu._memory import DEVICE_MEMORY

__all__ = ["NDBuffer"]


class NDBuffer(DeviceExports, buffer_core.NDBuffer):
    """N-dimensional data in CUDA device memory, held by a CuPy array.

    Dtypes CuPy computes with (native-order booleans, integers, floats and
    complex numbers) are held as CuPy arrays of that dtype, which
    :meth:`as_ndarray_like` returns. Other dtypes (big-endian numbers,
    strings, datetimes, structs, extended precision), and memory whose
    elements are not aligned for CUDA loads, are held as their raw bytes:
    a ``uint8`` CuPy array with an extra last axis of length ``itemsize``.

    Every method is buffer-core's, over :class:`buffer_gpu` device memory
    (see :class:`buffer_gpu.Buffer` for where work runs and how it is
    ordered); :meth:`synchronize` waits for it.
    """

    memory = DEVICE_MEMORY
    _array_hint = (
        "a device array (CuPy, or any object with __cuda_array_interface__ or CUDA "
        "__dlpack__); use from_numpy_array() for host data"
    )
