"""Everything buffer-gpu takes from CuPy, in one place, and the checks that a device is usable.

``import buffer_gpu`` must work on machines without CuPy or without a GPU
(the prototype is discovered through an entry point by every program that
lists prototypes), so CuPy is imported on first use, and the first use that
needs a device checks for one and says why there is none.

The rest of the package reaches CuPy's modules only through the functions
below; it calls methods of the objects they return (arrays, streams, events,
memory pointers) directly. :data:`CUPY_API` lists every name of CuPy the
package uses, functions and those methods alike: a test checks each against
the installed CuPy (13 and 14), with the arguments the code passes, and
another fails when a module other than this one reaches CuPy itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "CUPY_API",
    "EXTRAS_HINT",
    "ApiUse",
    "alloc_pinned",
    "array_namespace",
    "ascontiguousarray",
    "check_device",
    "current_device_id",
    "current_stream",
    "describe_device_failure",
    "device_array_over",
    "device_problem",
    "empty",
    "format_cuda_version",
    "from_dlpack",
    "is_cupy_array",
    "is_imported_cupy_array",
    "memcpy_device_to_host",
    "memcpy_host_to_device",
    "on_device",
    "out_of_memory_guard",
    "pointer_device",
    "pointer_is_page_locked",
    "record_event",
    "strided_view",
    "wait_for_stream",
    "zeros",
]

EXTRAS_HINT = (
    "install it with the extra matching the CUDA version that `nvidia-smi` shows: "
    "pip install 'buffer-gpu[cuda12]' (CUDA 12.x) or 'buffer-gpu[cuda13]' (CUDA 13.x), "
    "never both"
)

# CUDA runtime error codes (cudaError_t) that have a cause worth naming.
_INSUFFICIENT_DRIVER = 35
_NO_DEVICE = 100
_MEMORY_ALLOCATION = 2


class ApiUse(NamedTuple):
    """One name of CuPy that buffer-gpu uses, and how it calls it.

    ``path`` is dotted from the ``cupy`` module (``"cuda.runtime.memcpyAsync"``)
    or names a method or attribute of a class reached that way
    (``"ndarray.view"``). ``args`` is how many positional arguments the code
    passes and ``kwargs`` the keywords; ``args`` is None for a name that is
    only read (a class, a constant, an attribute).
    """

    path: str
    args: int | None = None
    kwargs: tuple[str, ...] = ()


#: Every CuPy name buffer-gpu uses. Keep it in step with the code: the API
#: contract test checks each entry against the installed CuPy, and fails on an
#: attribute of these classes that the source uses but this list lacks.
CUPY_API: tuple[ApiUse, ...] = (
    # Module functions and classes, called from this module only.
    ApiUse("ndarray"),
    ApiUse("ndarray", 1, ("dtype", "memptr", "strides")),
    ApiUse("empty", 1, ("dtype", "order")),
    ApiUse("zeros", 1, ("dtype", "order")),
    ApiUse("ascontiguousarray", 1),
    ApiUse("from_dlpack", 1),
    ApiUse("cuda.Device", 0),
    ApiUse("cuda.Device", 1),
    ApiUse("cuda.get_current_stream", 0),
    ApiUse("cuda.PinnedMemory", 2),
    ApiUse("cuda.UnownedMemory", 3, ("device_id",)),
    ApiUse("cuda.MemoryPointer", 2),
    ApiUse("cuda.runtime.eventCreateWithFlags", 1),
    ApiUse("cuda.runtime.eventDisableTiming"),
    ApiUse("cuda.runtime.eventRecord", 2),
    ApiUse("cuda.runtime.streamWaitEvent", 3),
    ApiUse("cuda.runtime.eventDestroy", 1),
    ApiUse("cuda.PinnedMemoryPointer", 2),
    ApiUse("cuda.memory.OutOfMemoryError"),
    ApiUse("cuda.runtime.CUDARuntimeError"),
    ApiUse("cuda.runtime.getDeviceCount", 0),
    ApiUse("cuda.runtime.driverGetVersion", 0),
    ApiUse("cuda.runtime.runtimeGetVersion", 0),
    ApiUse("cuda.runtime.memcpyAsync", 5),
    ApiUse("cuda.runtime.pointerGetAttributes", 1),
    ApiUse("cuda.runtime.hostAllocPortable"),
    ApiUse("cuda.runtime.memcpyHostToDevice"),
    ApiUse("cuda.runtime.memcpyDeviceToHost"),
    ApiUse("cuda.runtime.memoryTypeHost"),
    ApiUse("cuda.runtime.PointerAttributes.device"),
    ApiUse("cuda.runtime.PointerAttributes.type"),
    ApiUse("cuda.runtime.CUDARuntimeError.status"),
    # Objects those return: devices, streams, events, memory.
    ApiUse("cuda.Device.id"),
    ApiUse("cuda.Stream.ptr"),
    ApiUse("cuda.Stream.record", 0),
    ApiUse("cuda.Stream.synchronize", 0),
    ApiUse("cuda.Stream.wait_event", 1),
    ApiUse("cuda.Event", 0, ("disable_timing",)),
    ApiUse("cuda.Event.record", 0),
    ApiUse("cuda.Event.done"),
    ApiUse("cuda.Event.synchronize", 0),
    ApiUse("cuda.MemoryPointer.ptr"),
    ApiUse("cuda.MemoryPointer.copy_from_device_async", 2),
    ApiUse("cuda.PinnedMemoryPointer.ptr"),
    # Array methods and attributes (NumPy's names; CuPy's semantics differ
    # where the code says so).
    ApiUse("ndarray.__cuda_array_interface__"),
    ApiUse("ndarray.__dlpack__", 0),
    ApiUse("ndarray.__dlpack_device__", 0),
    ApiUse("ndarray.__getitem__", 1),
    ApiUse("ndarray.__setitem__", 2),
    ApiUse("ndarray.all", 0),
    ApiUse("ndarray.all", 0, ("axis",)),
    ApiUse("ndarray.any", 0),
    ApiUse("ndarray.astype", 1),
    ApiUse("ndarray.astype", 1, ("order",)),
    ApiUse("ndarray.copy", 0),
    ApiUse("ndarray.data"),
    ApiUse("ndarray.device"),
    ApiUse("ndarray.dtype"),
    ApiUse("ndarray.fill", 1),
    ApiUse("ndarray.flags"),
    ApiUse("ndarray.get", 0),
    ApiUse("ndarray.max", 0),
    ApiUse("ndarray.min", 0),
    ApiUse("ndarray.nbytes"),
    ApiUse("ndarray.ndim"),
    ApiUse("ndarray.reshape", 1),
    ApiUse("ndarray.shape"),
    ApiUse("ndarray.size"),
    ApiUse("ndarray.strides"),
    ApiUse("ndarray.transpose", 1),
    ApiUse("ndarray.view", 1),
)

_module: Any = None
_device_checked = False


def _cupy() -> Any:
    """The ``cupy`` module, imported on first call.

    Raises
    ------
    ImportError
        If CuPy is not installed; the message names the extras that install it.
    RuntimeError
        If CuPy is installed but cannot load its CUDA libraries.
    """
    global _module  # noqa: PLW0603  # the lazily imported module, set once
    if _module is None:
        try:
            import cupy as module  # noqa: PLC0415  # lazy by design: see the module docstring
        except ModuleNotFoundError as error:
            if error.name is not None and error.name.split(".")[0] != "cupy":
                msg = (
                    f"CUDA libraries not found: CuPy is installed but could not import "
                    f"{error.name!r} ({error}); reinstall it: {EXTRAS_HINT}"
                )
                raise RuntimeError(msg) from error
            msg = f"buffer_gpu needs CuPy, which is not installed; {EXTRAS_HINT}"
            raise ImportError(msg) from None
        except ImportError as error:
            # CuPy's own import fails this way when its CUDA shared libraries
            # (libcudart, libnvrtc, ...) cannot be loaded.
            msg = (
                f"CUDA libraries not found: CuPy is installed but failed to load ({error}); "
                f"check that the CUDA libraries for this CuPy build are installed: {EXTRAS_HINT}"
            )
            raise RuntimeError(msg) from error
        _module = module
    return _module


def format_cuda_version(version: int) -> str:
    """``12090`` (CUDA's integer encoding) as ``"12.9"``."""
    return f"{version // 1000}.{version % 1000 // 10}"


def describe_device_failure(status: int | None, driver_version: int, runtime_version: int) -> str:
    """Why no CUDA device is usable, in words, from what the CUDA runtime reported.

    ``status`` is the ``cudaError_t`` that ``cudaGetDeviceCount`` failed with,
    or None when it succeeded and found no device. ``driver_version`` is what
    ``cudaDriverGetVersion`` reports: 0 when no NVIDIA driver is loaded.
    """
    needs = f"CuPy was built for CUDA {format_cuda_version(runtime_version)}"
    if status == _INSUFFICIENT_DRIVER and driver_version == 0:
        return (
            f"no usable CUDA device: no NVIDIA driver found (libcuda could not be loaded), "
            f"so no CUDA device is visible; {needs}"
        )
    if status == _INSUFFICIENT_DRIVER:
        return (
            f"no usable CUDA device: CUDA driver too old for this CuPy build (driver version "
            f"{format_cuda_version(driver_version)}, needs {format_cuda_version(runtime_version)}); "
            f"update the NVIDIA driver, or {EXTRAS_HINT}"
        )
    if status is None or status == _NO_DEVICE:
        hidden = os.environ.get("CUDA_VISIBLE_DEVICES")
        why = f" (CUDA_VISIBLE_DEVICES={hidden!r} hides them)" if hidden is not None else ""
        return f"no usable CUDA device: no CUDA device found{why}"
    return f"no usable CUDA device: CUDA initialization failed with error {status}"


def check_device() -> None:
    """Make sure a CUDA device can be used.

    Succeeds once and then costs nothing; a failure is checked again on the
    next call, since a device can become visible (it cannot vanish).

    Raises
    ------
    ImportError
        If CuPy is not installed.
    RuntimeError
        If no CUDA device is usable; the message names the cause.
    """
    global _device_checked  # noqa: PLW0603  # a one-way latch: set once a device was seen
    runtime = _cupy().cuda.runtime
    if _device_checked:
        return
    try:
        count = int(runtime.getDeviceCount())
    except runtime.CUDARuntimeError as error:
        message = describe_device_failure(
            int(error.status), int(runtime.driverGetVersion()), int(runtime.runtimeGetVersion())
        )
        if int(error.status) not in (_INSUFFICIENT_DRIVER, _NO_DEVICE):
            message = f"{message} ({error})"
        raise RuntimeError(message) from error
    if count == 0:
        raise RuntimeError(
            describe_device_failure(
                None, int(runtime.driverGetVersion()), int(runtime.runtimeGetVersion())
            )
        )
    _device_checked = True


def device_problem() -> str | None:
    """Why buffers cannot be allocated on a CUDA device here, or None when they can.

    The message is the one the first allocation would raise (CuPy missing,
    no device, driver too old, ...), for callers that want to ask first, such
    as test suites deciding to skip.
    """
    try:
        check_device()
    except (ImportError, RuntimeError) as error:
        return str(error)
    return None


def on_device(device_id: int) -> Any:
    """A context manager that makes ``device_id`` the current CUDA device.

    Every operation on an existing buffer runs under it, so that kernels and
    allocations land on the buffer's device whichever device is current.
    """
    return _cupy().cuda.Device(device_id)


def current_device_id() -> int:
    """The id of the current CuPy device."""
    return int(_cupy().cuda.Device().id)


def current_stream() -> Any:
    """The current CuPy stream of the current device (a ``cupy.cuda.Stream``)."""
    return _cupy().cuda.get_current_stream()


def record_event() -> Any:
    """A ``cupy.cuda.Event`` recorded now on the current stream.

    Without timing data: such events are cheaper to create and to wait for,
    and ordering is all they are used for.
    """
    event = _cupy().cuda.Event(disable_timing=True)
    event.record()
    return event


# --- arrays --------------------------------------------------------------------------------


def is_cupy_array(value: Any) -> bool:
    """Whether ``value`` is a ``cupy.ndarray`` (imports CuPy: ImportError without it)."""
    return isinstance(value, _cupy().ndarray)


def is_imported_cupy_array(value: Any) -> bool:
    """Whether ``value`` is a ``cupy.ndarray``, without importing CuPy (False before it is)."""
    return _module is not None and isinstance(value, _module.ndarray)


def empty(shape: tuple[int, ...], dtype: np.dtype[Any], order: str = "C") -> Any:
    """Uninitialized device memory on the current device."""
    return _cupy().empty(shape, dtype=dtype, order=order)


def zeros(shape: tuple[int, ...], dtype: np.dtype[Any], order: str = "C") -> Any:
    """Zeroed device memory on the current device (a memset)."""
    return _cupy().zeros(shape, dtype=dtype, order=order)


def ascontiguousarray(array: Any) -> Any:
    """``array`` itself if C-contiguous, else a C-contiguous copy on its device."""
    return _cupy().ascontiguousarray(array)


def array_namespace() -> Any:
    """CuPy as the array API standard names it (``array_api_compat.cupy``), imported on first use."""
    _cupy()
    import array_api_compat.cupy as namespace  # noqa: PLC0415  # with CuPy, lazily

    return namespace


def device_array_over(
    owner: Any,
    pointer: int,
    nbytes: int,
    device_id: int,
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
    strides: tuple[int, ...],
) -> Any:
    """A CuPy array over ``nbytes`` of another library's memory at ``pointer`` on ``device_id``.

    ``owner`` is kept alive with the array. No copy, no synchronization.
    """
    cuda = _cupy().cuda
    memory = cuda.UnownedMemory(pointer, nbytes, owner, device_id=device_id)
    return _cupy().ndarray(
        shape, dtype=dtype, memptr=cuda.MemoryPointer(memory, 0), strides=strides
    )


def wait_for_stream(stream_pointer: int, device_id: int) -> None:
    """Make the current stream wait, on the device, for the work queued so far on another stream.

    For a producer's stream named by the CUDA Array Interface (1 and 2 are
    the legacy and per-thread default streams). Through the runtime, as
    CuPy 14 deprecates wrapping foreign streams.
    """
    cuda = _cupy().cuda
    runtime = cuda.runtime
    with cuda.Device(device_id):
        event = runtime.eventCreateWithFlags(runtime.eventDisableTiming)
        try:
            runtime.eventRecord(event, stream_pointer)
            runtime.streamWaitEvent(current_stream().ptr, event, 0)
        finally:
            # CUDA keeps a waited-on event alive until the wait is resolved.
            runtime.eventDestroy(event)


def from_dlpack(value: Any) -> Any:
    """The device memory of a DLPack producer as a CuPy array, without a copy."""
    return _cupy().from_dlpack(value)


def strided_view(
    array: Any, shape: tuple[int, ...], strides: tuple[int, ...], dtype: np.dtype[Any]
) -> Any:
    """A view of ``array``'s memory as ``dtype`` elements with the given shape and byte strides.

    Unlike ``ndarray.view``, it can add an axis (the bytes or words of each
    element) whatever the array's layout.
    """
    return _cupy().ndarray(shape, dtype=dtype, memptr=array.data, strides=strides)


# --- memory and copies ---------------------------------------------------------------------


def memcpy_host_to_device(destination: int, source: int, nbytes: int, stream: Any) -> None:
    """Queue ``nbytes`` from pinned host address ``source`` to device address ``destination``."""
    runtime = _cupy().cuda.runtime
    # cudaMemcpyAsync takes the destination first, like memcpy.
    runtime.memcpyAsync(destination, source, nbytes, runtime.memcpyHostToDevice, stream.ptr)


def memcpy_device_to_host(destination: int, source: int, nbytes: int, stream: Any) -> None:
    """Queue ``nbytes`` from device address ``source`` to pinned host address ``destination``."""
    runtime = _cupy().cuda.runtime
    runtime.memcpyAsync(destination, source, nbytes, runtime.memcpyDeviceToHost, stream.ptr)


def _pointer_attributes(address: int) -> Any:
    runtime = _cupy().cuda.runtime
    try:
        return runtime.pointerGetAttributes(address)
    except runtime.CUDARuntimeError:
        return None  # memory CUDA does not know: plain pageable host memory


def pointer_device(address: int) -> int | None:
    """The device that owns the device memory at ``address``, or None if CUDA does not know."""
    attributes = _pointer_attributes(address)
    if attributes is None:
        return None
    device = int(attributes.device)
    return device if device >= 0 else None


def pointer_is_page_locked(address: int) -> bool:
    """Whether ``address`` is in pinned host memory, which the copy engine reads directly."""
    attributes = _pointer_attributes(address)
    return attributes is not None and int(attributes.type) == int(
        _cupy().cuda.runtime.memoryTypeHost
    )


def alloc_pinned(nbytes: int) -> Any:
    """``nbytes`` of pinned host memory that goes back to the OS when dropped.

    ``cupy.cuda.alloc_pinned_memory`` allocates from CuPy's pinned pool, which
    keeps every freed block for reuse and never unpins it; the staging pool
    caps how many chunks it keeps, so it allocates outside CuPy's pool:
    ``PinnedMemory`` calls ``cudaFreeHost`` when it is collected. The returned
    ``PinnedMemoryPointer`` exports the memory through the buffer protocol.
    """
    cuda = _cupy().cuda
    memory = cuda.PinnedMemory(nbytes, cuda.runtime.hostAllocPortable)
    return cuda.PinnedMemoryPointer(memory, 0)


@contextmanager
def out_of_memory_guard(nbytes: int, where: str) -> Iterator[None]:
    """Turn CuPy's out-of-memory errors into a MemoryError naming the requested size."""
    cp = _cupy()
    try:
        yield
    except cp.cuda.memory.OutOfMemoryError as error:
        msg = f"out of memory on {where}: requested {nbytes} bytes ({_human(nbytes)}); {error}"
        raise MemoryError(msg) from error
    except cp.cuda.runtime.CUDARuntimeError as error:
        if int(error.status) != _MEMORY_ALLOCATION:
            raise
        msg = f"out of memory on {where}: requested {nbytes} bytes ({_human(nbytes)}); {error}"
        raise MemoryError(msg) from error


def _human(nbytes: int) -> str:
    size = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{nbytes} B"
        size /= 1024
    return f"{nbytes} B"  # pragma: no cover  # the loop always returns
