"""With CuPy installed but no usable CUDA device: a RuntimeError that names the cause.

These run where CuPy is installed and really fails to find a device (CI, a
laptop without an NVIDIA driver); on a GPU machine they skip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import buffer_gpu
from buffer_core.testing._foreign import ForeignBuffer
from buffer_gpu._cupy import format_cuda_version

cupy = pytest.importorskip("cupy", reason="needs CuPy installed (buffer-gpu[cuda12] or [cuda13])")


def _device_count() -> int:
    try:
        return int(cupy.cuda.runtime.getDeviceCount())
    except cupy.cuda.runtime.CUDARuntimeError:
        return 0


pytestmark = pytest.mark.skipif(
    _device_count() > 0, reason="a CUDA device is usable here, so there is no device error to see"
)

CONSTRUCTORS: dict[str, Callable[[], Any]] = {
    "Buffer.from_bytes": lambda: buffer_gpu.Buffer.from_bytes(b"abc"),
    "Buffer.create_zero_length": buffer_gpu.Buffer.create_zero_length,
    "Buffer.from_buffer": lambda: buffer_gpu.Buffer.from_buffer(ForeignBuffer.from_bytes(b"a")),
    "Buffer(numpy)": lambda: buffer_gpu.Buffer(np.zeros(3, dtype="B")),
    "NDBuffer.create": lambda: buffer_gpu.NDBuffer.create(shape=(2,), dtype="f8", fill_value=1),
    "NDBuffer.empty": lambda: buffer_gpu.NDBuffer.empty((2,), "f8"),
    "NDBuffer.from_numpy_array": lambda: buffer_gpu.NDBuffer.from_numpy_array([1, 2]),
    "NDBuffer(numpy)": lambda: buffer_gpu.NDBuffer(np.zeros(2)),
}


def _expected_cause() -> str:
    """The cause the message must name, read from CUDA's own answers on this machine."""
    runtime = cupy.cuda.runtime
    driver = int(runtime.driverGetVersion())
    try:
        count = int(runtime.getDeviceCount())
    except runtime.CUDARuntimeError as error:
        if int(error.status) == 35 and driver == 0:
            return "no NVIDIA driver found"
        if int(error.status) == 35:
            return f"CUDA driver too old for this CuPy build (driver version {format_cuda_version(driver)}"
        if int(error.status) == 100:
            return "no CUDA device found"
        return f"CUDA initialization failed with error {int(error.status)}"
    assert count == 0
    return "no CUDA device found"


@pytest.mark.parametrize("name", list(CONSTRUCTORS))
def test_constructors_name_the_cause(name: str) -> None:
    """Every way of making a buffer raises RuntimeError naming why no device is usable."""
    with pytest.raises(RuntimeError) as caught:
        CONSTRUCTORS[name]()
    message = str(caught.value)
    assert message.startswith("no usable CUDA device: ")
    assert _expected_cause() in message
    runtime_version = format_cuda_version(int(cupy.cuda.runtime.runtimeGetVersion()))
    if "driver" in _expected_cause():
        assert f"CuPy was built for CUDA {runtime_version}" in message or runtime_version in message


def test_error_is_chained_to_cupys() -> None:
    """The RuntimeError keeps CuPy's own error as its cause, for the full story."""
    with pytest.raises(RuntimeError) as caught:
        buffer_gpu.Buffer.from_bytes(b"abc")
    cause = caught.value.__cause__
    if cause is not None:  # None only when CUDA reported zero devices without an error
        assert isinstance(cause, cupy.cuda.runtime.CUDARuntimeError)


def test_the_check_is_repeated_not_cached() -> None:
    """A failed check is not remembered as success: every call raises again."""
    for _ in range(2):
        with pytest.raises(RuntimeError, match="no usable CUDA device"):
            buffer_gpu.NDBuffer.empty((1,), "u1")


def test_argument_errors_come_before_the_device_check() -> None:
    """Bad arguments are reported as such, not as a missing device."""
    with pytest.raises(TypeError, match="bytes_like"):
        buffer_gpu.Buffer.from_bytes("text")
    with pytest.raises(ValueError, match="fill_value"):
        buffer_gpu.NDBuffer.create(shape=(2,), dtype="u1", fill_value=300)
    with pytest.raises(TypeError, match="buffer"):
        buffer_gpu.Buffer.from_buffer(b"abc")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="array"):
        buffer_gpu.NDBuffer(None)
