"""The one place CuPy is imported, and the checks that a CUDA device is usable.

``import buffer_gpu`` must work on machines without CuPy or without a GPU
(the prototype is discovered through an entry point by every program that
lists prototypes), so CuPy is imported on first use, and the first use that
needs a device checks for one and says why there is none.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "EXTRAS_HINT",
    "check_device",
    "cupy",
    "describe_device_failure",
    "format_cuda_version",
    "on_device",
    "out_of_memory_guard",
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

_module: Any = None
_device_checked = False


def cupy() -> Any:
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


def check_device() -> Any:
    """The ``cupy`` module, after making sure a CUDA device can be used.

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
    cp = cupy()
    if _device_checked:
        return cp
    runtime = cp.cuda.runtime
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
    return cp


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
    return cupy().cuda.Device(device_id)


@contextmanager
def out_of_memory_guard(nbytes: int, where: str) -> Iterator[None]:
    """Turn CuPy's out-of-memory errors into a MemoryError naming the requested size."""
    cp = cupy()
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
