"""buffer-gpu against CuPy's own copies and zarr's GPU buffers, in one run.

Targets (read from the report; timings are never asserted):
- host to device and device to host, 1 MiB to 1 GiB: ``ours`` >= 80 % of the bandwidth of
  ``cupy-pinned`` (CuPy copying from/to memory that is already page-locked), and >= 2x
  ``zarr`` from 64 MiB up;
- wrapping a 1 GiB device array (CuPy, PyTorch, a DLPack-only producer): O(1) for ``ours``;
- combine of 1000 small host buffers into a device buffer: faster than ``zarr``.

Bandwidth = ``extra_info["bytes"]`` / mean time.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np
import pytest

import buffer_cpu
from buffer_gpu import Buffer, NDBuffer


def record(benchmark: Any, impl: str, group: str, nbytes: int | None = None) -> None:
    """Name the implementation and group, and let pytest-benchmark report bytes per second."""
    benchmark.group = group
    benchmark.extra_info["impl"] = impl
    if nbytes is not None:
        benchmark.extra_info["bytes"] = nbytes


# What zarr's own GPU buffers do as a baseline is zarr's result: a note in the record
# (extra_info[ZARR_RESULT]) where zarr still ran, a skip naming zarr where it could not.
ZARR_RESULT = "zarr_result"
# zarr's notice that a host array took its slow copy path (zarr 3.4.2 core/buffer/gpu.py).
ZARR_GPU_SLOW_PATH = r"Creating a zarr\.buffer\.gpu\.(ND)?Buffer with an array that does not"


def skip_as_zarrs_result(what: str, error: BaseException) -> NoReturn:
    """Skip a zarr-baseline benchmark that zarr's GPU buffers cannot run, naming zarr's error."""
    pytest.skip(f"zarr's result: {what}: {type(error).__name__}: {error}")


def benchmark_zarr(benchmark: Any, what: str, run: Callable[..., Any], *args: Any) -> Any:
    """Time zarr's GPU buffers as a baseline; what they cannot do is zarr's result.

    One call before timing: an exception (a warning other than the slow-path notice is
    one, under filterwarnings = error) skips the benchmark naming zarr's error, and the
    slow-path notices go into the record; the timed calls then run with them ignored.
    """
    with warnings.catch_warnings(record=True) as seen:
        warnings.filterwarnings("always", message=ZARR_GPU_SLOW_PATH, category=UserWarning)
        try:
            run(*args)
        except Exception as error:  # noqa: BLE001  # whatever zarr's buffers raise is zarr's
            skip_as_zarrs_result(what, error)
    if seen:
        first = seen[0].message
        benchmark.extra_info[ZARR_RESULT] = f"{len(seen)} x {type(first).__name__}: {first}"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=ZARR_GPU_SLOW_PATH, category=UserWarning)
        return benchmark(run, *args)


MiB = 1 << 20
SIZES = [1 * MiB, 16 * MiB, 64 * MiB, 256 * MiB, 1024 * MiB]
SIZE_IDS = [f"{n // MiB}MiB" for n in SIZES]
H2D_IMPLS = ["ours", "ours-pinned-source", "cupy-pinned", "cupy-pageable", "zarr"]
D2H_IMPLS = ["ours", "cupy-pinned", "cupy-pageable", "zarr"]


@pytest.fixture(scope="module")
def host_payloads() -> dict[int, np.ndarray[Any, Any]]:
    """Pageable host bytes of each size, made once."""
    return {n: np.random.default_rng(0).integers(0, 255, n, dtype=np.uint8) for n in SIZES}


def _sync(cp: Any) -> None:
    cp.cuda.get_current_stream().synchronize()


@pytest.mark.parametrize("nbytes", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("impl", H2D_IMPLS)
def test_host_to_device(
    benchmark: Any, cp: Any, request: Any, host_payloads: Any, impl: str, nbytes: int
) -> None:
    """Bytes in host memory to a new device buffer, finished on the device."""
    record(benchmark, impl, f"host to device, {nbytes // MiB} MiB", nbytes)
    host = host_payloads[nbytes]
    if impl == "ours":

        def run() -> Any:
            buf = Buffer.from_bytes(host)
            buf.synchronize()
            return buf

    elif impl in ("ours-pinned-source", "cupy-pinned"):
        import cupyx  # noqa: PLC0415  # only reached with a device

        pinned = cupyx.empty_pinned((nbytes,), dtype=np.uint8)
        pinned[:] = host
        if impl == "ours-pinned-source":

            def run() -> Any:
                buf = Buffer.from_bytes(pinned)
                buf.synchronize()
                return buf

        else:
            device = cp.empty(nbytes, dtype=cp.uint8)

            def run() -> Any:
                device.set(pinned)
                _sync(cp)
                return device

    elif impl == "cupy-pageable":

        def run() -> Any:
            device = cp.asarray(host)
            _sync(cp)
            return device

    else:
        gpu = request.getfixturevalue("zarr_gpu")

        def run() -> Any:
            buf = gpu.Buffer.from_bytes(host.tobytes() if nbytes <= MiB else memoryview(host))
            _sync(cp)
            return buf

        assert len(benchmark_zarr(benchmark, "Buffer.from_bytes", run)) == nbytes
        return
    result = benchmark(run)
    assert len(result) == nbytes


@pytest.mark.parametrize("nbytes", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("impl", D2H_IMPLS)
def test_device_to_host(
    benchmark: Any, cp: Any, request: Any, host_payloads: Any, impl: str, nbytes: int
) -> None:
    """A device buffer's bytes into host memory (as_numpy_array)."""
    record(benchmark, impl, f"device to host, {nbytes // MiB} MiB", nbytes)
    device = cp.asarray(host_payloads[nbytes])
    if impl == "ours":
        run = Buffer(device).as_numpy_array
    elif impl == "cupy-pinned":
        import cupyx  # noqa: PLC0415  # only reached with a device

        pinned = cupyx.empty_pinned((nbytes,), dtype=np.uint8)

        def run() -> Any:
            return device.get(out=pinned)

    elif impl == "cupy-pageable":
        run = device.get
    else:
        gpu = request.getfixturevalue("zarr_gpu")
        result = benchmark_zarr(
            benchmark, "Buffer.as_numpy_array", gpu.Buffer(device).as_numpy_array
        )
        assert result.shape == (nbytes,)
        return
    result = benchmark(run)
    assert result.shape == (nbytes,)


def test_to_bytes_64mib(benchmark: Any, cp: Any, host_payloads: Any) -> None:
    """to_bytes: device to host plus the one copy into an immutable bytes object."""
    record(benchmark, "ours", "to_bytes, 64 MiB", 64 * MiB)
    buf = Buffer(cp.asarray(host_payloads[64 * MiB]))
    assert len(benchmark(buf.to_bytes)) == 64 * MiB


# --- zero-copy wrap ------------------------------------------------------------------------------

GiB = 1 << 30


def _producer(kind: str, cp: Any, nbytes: int = GiB) -> Any:
    """A device array of ``nbytes`` from ``kind``: cupy, torch, or a DLPack-only wrapper of CuPy."""
    if kind == "torch":
        torch = pytest.importorskip("torch", reason="needs PyTorch with CUDA")
        if not torch.cuda.is_available():
            pytest.skip("PyTorch is installed without CUDA support")
        return torch.empty(nbytes // 4, dtype=torch.float32, device="cuda")
    array = cp.empty(nbytes // 4, dtype=cp.float32)
    if kind == "cupy":
        return array

    class DLPackOnly:
        def __dlpack__(self, **kwargs: Any) -> Any:
            return array.__dlpack__(**kwargs)

        def __dlpack_device__(self) -> Any:
            return array.__dlpack_device__()

    return DLPackOnly()


@pytest.mark.parametrize("kind", ["cupy", "torch", "dlpack-only"])
@pytest.mark.parametrize("impl", ["ours", "zarr"])
def test_wrap_1gib_device_array(
    benchmark: Any, cp: Any, request: Any, impl: str, kind: str
) -> None:
    """NDBuffer over an existing 1 GiB device array: O(1) when nothing is copied."""
    _wrap(benchmark, cp, request, impl, kind, GiB)


@pytest.mark.parametrize("kind", ["cupy", "torch", "dlpack-only"])
@pytest.mark.parametrize("impl", ["ours", "zarr"])
def test_wrap_1mib_device_array(
    benchmark: Any, cp: Any, request: Any, impl: str, kind: str
) -> None:
    """The same over 1 MiB: against the 1 GiB case, shows the wrap does not grow with size."""
    _wrap(benchmark, cp, request, impl, kind, MiB)


def _wrap(benchmark: Any, cp: Any, request: Any, impl: str, kind: str, nbytes: int) -> None:
    size = f"{nbytes // GiB} GiB" if nbytes >= GiB else f"{nbytes // MiB} MiB"
    # bytes: what a copy would have moved; a wrap moves none of it.
    record(benchmark, impl, f"wrap {size} {kind} array", nbytes)
    producer = _producer(kind, cp, nbytes)
    if impl == "ours":
        make = NDBuffer.from_ndarray_like
    else:
        gpu = request.getfixturevalue("zarr_gpu")

        def make(value: Any) -> Any:
            wrapped = gpu.NDBuffer.from_ndarray_like(value)
            _sync(cp)
            return wrapped

    if impl == "ours":
        result = benchmark(make, producer)
    else:
        # zarr's GPU NDBuffer reads ``.dtype`` first (zarr 3.4.2 core/buffer/gpu.py), so a
        # DLPack-only producer is an AttributeError there: zarr's result, a skip naming it.
        what = f"zarr.core.buffer.gpu.NDBuffer cannot take a {kind} array"
        result = benchmark_zarr(benchmark, what, make, producer)
    benchmark.extra_info["shares_memory"] = bool(
        int(result.as_ndarray_like().data.ptr) == _pointer(producer)
    )


def _pointer(producer: Any) -> int:
    if hasattr(producer, "data_ptr"):
        return int(producer.data_ptr())
    if hasattr(producer, "data"):
        return int(producer.data.ptr)
    import cupy  # noqa: PLC0415  # only reached with a device

    return int(cupy.from_dlpack(producer).data.ptr)


# --- combine ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("impl", ["ours", "zarr"])
def test_combine_1000_small_host_buffers(benchmark: Any, cp: Any, request: Any, impl: str) -> None:
    """A device buffer followed by 1000 host buffers of 1 KiB, combined on the device."""
    record(benchmark, impl, "combine 1000 x 1 KiB host buffers", 1000 * 1024)
    payloads = [bytes([i % 256]) * 1024 for i in range(1000)]
    if impl == "ours":
        head = Buffer.from_bytes(b"head")
        parts: list[Any] = [buffer_cpu.Buffer.from_bytes(p) for p in payloads]
    else:
        gpu = request.getfixturevalue("zarr_gpu")
        cpu = request.getfixturevalue("zarr_cpu")
        head = gpu.Buffer.from_bytes(b"head")
        parts = [cpu.Buffer.from_bytes(p) for p in payloads]

    def run() -> Any:
        combined = head.combine(parts)
        _sync(cp)
        return combined

    if impl == "zarr":
        # zarr's GPU combine wraps each host part in its GPU Buffer, which warns that it
        # falls back to a slow copy (ZarrUserWarning, zarr 3.4.2 core/buffer/gpu.py):
        # that copy is zarr's result and is what is timed; the warning goes into the record.
        combined = benchmark_zarr(benchmark, "Buffer.combine", run)
    else:
        combined = benchmark(run)
    assert len(combined) == 4 + 1000 * 1024
