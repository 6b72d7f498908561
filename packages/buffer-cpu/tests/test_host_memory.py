"""Host-memory guarantees beyond the conformance suite: allocation, isolation, -O."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tracemalloc
from typing import Any

import numpy as np
import pytest

import buffer_core
import buffer_cpu
from buffer_core.testing._foreign import ForeignBuffer

MiB = 1 << 20


def _peak_allocation(func: object) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        func()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fill", [0, 0.0, 1.5, float("nan")], ids=repr)
def test_all_equal_scalar_allocates_nothing_buffer_sized(fill: float) -> None:
    """all_equal(scalar) on 8 MiB uses temporaries far smaller than the buffer."""
    buf = buffer_cpu.NDBuffer(np.full(MiB, fill))
    assert _peak_allocation(lambda: buf.all_equal(fill)) < 2 * MiB
    assert buf.all_equal(fill)


def test_create_with_zero_bits_does_not_write_memory() -> None:
    """A fill value whose bits are all zero takes lazily zeroed memory (calloc)."""
    for fill in (None, 0, 0.0, False):
        buf = buffer_cpu.NDBuffer.create(shape=(16,), dtype="f8", fill_value=fill)
        assert buf.as_numpy_array().tobytes() == bytes(128)
    negative = buffer_cpu.NDBuffer.create(shape=(2,), dtype="f8", fill_value=-0.0)
    assert np.signbit(negative.as_numpy_array()).all()


def test_create_keeps_generic_time_units() -> None:
    """Allocation keeps a generic datetime unit's scale and byte order."""
    buf = buffer_cpu.NDBuffer.create(shape=(2,), dtype=">M8[s]", fill_value=3)
    assert buf.dtype == np.dtype(">M8[s]")


def test_combine_copies_each_input_once_into_one_allocation() -> None:
    """combine of n buffers allocates the result once (no intermediate concatenations)."""
    parts = [buffer_cpu.Buffer.from_bytes(bytes(MiB)) for _ in range(4)]
    peak = _peak_allocation(lambda: parts[0].combine(parts[1:]))
    assert 4 * MiB <= peak < 5 * MiB


def test_as_buffer_like_never_copies() -> None:
    """as_buffer_like is a memoryview of the buffer's own memory, on every Python."""
    buf = buffer_cpu.Buffer.from_bytes(bytearray(b"abc"))
    view = buf.as_buffer_like()
    assert isinstance(view, memoryview)
    assert np.shares_memory(np.frombuffer(view, "B"), buf.as_numpy_array())


def test_constructors_name_host_memory_in_errors() -> None:
    """Arrays that are not NumPy arrays are a TypeError that says how to convert."""
    with pytest.raises(TypeError, match="from_numpy_array"):
        buffer_cpu.NDBuffer([1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="from_buffer"):
        buffer_cpu.Buffer(memoryview(b"ab"))  # type: ignore[arg-type]


def test_from_bytes_rejects_non_contiguous_memory() -> None:
    """A strided memoryview cannot be wrapped without a copy: a ValueError naming it."""
    with pytest.raises(ValueError, match="bytes_like"):
        buffer_cpu.Buffer.from_bytes(memoryview(b"abcdef")[::2])


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-O", "-c", textwrap.dedent(code)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_import_pulls_neither_cupy_nor_zarr() -> None:
    """Importing buffer_cpu (and creating buffers) never imports CuPy or zarr."""
    out = _run(
        """
        import sys, buffer_cpu, buffer_core
        buffer_core.default_buffer_prototype().nd_buffer.create(shape=(2,), dtype="f8")
        print(sorted(m for m in ("cupy", "zarr", "buffer_gpu") if m in sys.modules))
        """
    )
    assert out.strip() == "[]"


def test_validation_survives_python_optimize_mode() -> None:
    """Under python -O (asserts stripped) bad input still raises clear errors."""
    out = _run(
        """
        import numpy as np, buffer_cpu
        for call in (
            lambda: buffer_cpu.Buffer(np.zeros((2, 2), "B")),
            lambda: buffer_cpu.Buffer.from_bytes(b"ab")[::2],
            lambda: buffer_cpu.Buffer.from_bytes(b"ab").combine([b"cd"]),
        ):
            try:
                call()
            except (TypeError, ValueError) as error:
                print(type(error).__name__)
        """
    )
    assert out.split() == ["ValueError", "ValueError", "TypeError"]


def test_environment_variable_selects_the_default_in_a_new_process() -> None:
    """BUFFER_PROTOTYPE is read by a fresh interpreter; unknown names list the known ones."""
    code = "import buffer_core; print(buffer_core.default_buffer_prototype().buffer.__module__)"
    ok = subprocess.run(
        [sys.executable, "-c", code],
        env={**_env(), "BUFFER_PROTOTYPE": "cpu"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert ok.stdout.strip().startswith("buffer_cpu")
    bad = subprocess.run(
        [sys.executable, "-c", code],
        env={**_env(), "BUFFER_PROTOTYPE": "tpu"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0
    assert "unknown buffer prototype 'tpu'" in bad.stderr
    assert "'cpu'" in bad.stderr


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "BUFFER_PROTOTYPE"}


def test_buffer_protocol_hooks_on_every_python() -> None:
    """__buffer__ exports the memory (Python 3.12+ calls it; 3.11 code may call it directly)."""
    writable = buffer_cpu.Buffer.from_bytes(bytearray(b"abc"))
    assert bytes(writable.__buffer__(1)) == b"abc"
    with pytest.raises(BufferError, match="read-only"):
        buffer_cpu.Buffer.from_bytes(b"abc").__buffer__(1)
    nd = buffer_cpu.NDBuffer.from_numpy_array(np.arange(3, dtype="u1"))
    assert bytes(nd.__buffer__(0)) == b"\x00\x01\x02"
    frozen = np.zeros(2)
    frozen.flags.writeable = False
    with pytest.raises(BufferError, match="read-only"):
        buffer_cpu.NDBuffer(frozen).__buffer__(1)


def test_combine_rejects_a_single_buffer_for_others() -> None:
    """others is an iterable of buffers; a lone Buffer is a TypeError saying so."""
    buf = buffer_cpu.Buffer.from_bytes(b"ab")
    with pytest.raises(TypeError, match="wrap one in a list"):
        buf.combine(buf)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "other", "expected"),
    [
        (np.array([1.0, 0.0]), 0.0, False),
        (np.array([-0.0, 0.0]), 0.0, False),
        (np.array([0.0, 0.0]), 0.0, True),
        (np.array([2.0**53, 2.0**53]), 2**53 + 1, True),  # NumPy's comparison, not Python's
        (np.array([0.1, 0.1], dtype="f4"), 0.1, False),  # compared as float64, as zarr does
        (np.array([2**63, 2**63], dtype="u8"), np.int64(0), False),
        (np.array([7, 7], dtype="i2"), 7, True),
        (np.array([7, 8], dtype="i2"), np.int16(8), False),
        (np.array([float("nan")] * 2), float("nan"), True),
    ],
    ids=str,
)
def test_first_element_shortcut_agrees_with_numpy(data: Any, other: Any, expected: bool) -> None:
    """The scalar shortcut for a differing first element never changes the answer."""
    assert buffer_cpu.NDBuffer(data).all_equal(other) is expected


@pytest.mark.parametrize("result", [None, "text", 5], ids=repr)
def test_wrapper_names_func_when_it_returns_no_bytes(result: object) -> None:
    """as_numpy_array_wrapper blames func, and says what it returned, when the result has no bytes."""
    buf = buffer_cpu.Buffer.from_bytes(b"abc")
    with pytest.raises(TypeError, match=rf"^func: .*returned {type(result).__name__}"):
        buffer_cpu.as_numpy_array_wrapper(lambda _: result, buf, buffer_cpu.buffer_prototype)  # type: ignore[arg-type,return-value]


def test_wrapper_checks_the_prototype_classes() -> None:
    """A prototype of the wrong classes is refused naming prototype."""
    buf = buffer_cpu.Buffer.from_bytes(b"abc")
    bad = buffer_core.BufferPrototype(int, str)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^prototype: "):
        buffer_cpu.as_numpy_array_wrapper(bytes, buf, bad)


# Layouts the zero fill-value shortcut walks: contiguous data spanning many
# slices, a chunk-shaped view into a larger array, Fortran order, a transpose.
ZERO_LAYOUTS = {
    "contiguous 3 MiB": lambda dtype: np.zeros(3 * MiB // np.dtype(dtype).itemsize, dtype=dtype),
    "chunk view": lambda dtype: np.zeros((1024, 1024), dtype=dtype)[256:768, 128:640],
    "fortran order": lambda dtype: np.zeros((512, 300), dtype=dtype, order="F"),
    "transposed view": lambda dtype: np.zeros((300, 512), dtype=dtype)[::2].T,
}


@pytest.mark.parametrize("layout", ZERO_LAYOUTS)
@pytest.mark.parametrize(
    ("last", "other", "expected"),
    [
        (None, 0.0, True),
        (None, 0, True),
        (None, np.float32(0.0), True),
        (-0.0, 0.0, False),  # a float zero is compared bit for bit
        (-0.0, 0, True),  # an integer zero is compared by value: -0.0 == 0
        (-0.0, np.int16(0), True),
        (-0.0, -0.0, False),  # the rest is +0.0
        (float("nan"), 0, False),
        (float("nan"), 0.0, False),
        (5e-324, 0, False),
        (5e-324, 0.0, False),
    ],
    ids=repr,
)
def test_zero_fill_value_sees_the_last_element(
    layout: str, last: float | None, other: Any, expected: bool
) -> None:
    """all_equal(zero) on floats finds a difference in the last element, in any layout."""
    data = ZERO_LAYOUTS[layout]("f8")
    if last is not None:
        data[(-1,) * data.ndim] = last
    assert buffer_cpu.NDBuffer(data).all_equal(other) is expected


@pytest.mark.parametrize("dtype", ["i1", "u2", ">i4", "u8", "f2", "f4", ">f8"])
@pytest.mark.parametrize("layout", ZERO_LAYOUTS)
def test_zero_fill_value_on_every_word_size(layout: str, dtype: str) -> None:
    """Zeros of 1- to 8-byte numbers equal 0 and 0.0; one 1 in the last element does not."""
    data = ZERO_LAYOUTS[layout](dtype)
    buf = buffer_cpu.NDBuffer(data)
    assert buf.all_equal(0)
    assert buf.all_equal(0.0)
    assert buf.all_equal(np.uint8(0))
    data[(-1,) * data.ndim] = 1
    assert not buf.all_equal(0)
    assert not buf.all_equal(0.0)


@pytest.mark.parametrize(
    ("data", "other", "expected"),
    [
        (np.zeros(()), 0, True),  # 0-d
        (np.zeros(4), False, True),  # a bool is compared as a value, not as a zero word
        (np.zeros(4, dtype="c16"), 0, True),  # complex: 16-byte items, the general path
        (np.array([0.0, -0.0], dtype="c8"), 0.0, False),
        (np.zeros(4, dtype="M8[s]"), 0, False),  # datetimes never equal integers
        (np.zeros(0), 0, True),
    ],
    ids=repr,
)
def test_zero_fill_value_outside_the_shortcut(data: Any, other: Any, expected: bool) -> None:
    """Zero fill values on data the shortcut does not take keep the general answer."""
    assert buffer_cpu.NDBuffer(data).all_equal(other) is expected


class _StridedForeignBuffer(ForeignBuffer):
    """Another implementation whose bytes are a strided view, as zarr's own buffers allow."""

    def as_numpy_array(self) -> Any:
        return np.arange(10, dtype="B")[::2]


def test_combine_takes_strided_parts() -> None:
    """Another implementation's strided bytes combine like any other (copied in order)."""
    strided = _StridedForeignBuffer(np.zeros(5, dtype="B"))
    head = buffer_cpu.Buffer.from_bytes(b"\xff")
    combined = head.combine([strided, head])
    assert combined.to_bytes() == b"\xff\x00\x02\x04\x06\x08\xff"


def test_from_buffer_copies_strided_bytes() -> None:
    """from_buffer of another implementation's strided bytes copies them into contiguous memory."""
    converted = buffer_cpu.Buffer.from_buffer(_StridedForeignBuffer(np.zeros(5, dtype="B")))
    assert converted.to_bytes() == b"\x00\x02\x04\x06\x08"
    assert converted.as_numpy_array().flags.c_contiguous


@pytest.mark.parametrize(
    "array",
    [np.zeros(4, dtype="B"), np.zeros(1, dtype="B")[::-1], np.zeros(0, dtype="B")[::3]],
    ids=["plain", "one-byte-reversed", "empty-strided"],
)
def test_contiguous_arrays_take_the_constructor_fast_path(array: Any) -> None:
    """Arrays NumPy calls contiguous (any stride for zero or one byte) are wrapped, not copied."""
    assert buffer_cpu.Buffer(array).as_numpy_array() is array


def test_combine_result_is_writable_new_memory() -> None:
    """combine returns writable memory of its own, even of read-only parts or of none."""
    parts = [buffer_cpu.Buffer.from_bytes(b"abc"), buffer_cpu.Buffer.from_bytes(b"de")]
    for combined in (parts[0].combine(parts[1:]), parts[0].combine([])):
        assert not combined.readonly
        combined[0:1] = b"z"
        assert combined.to_bytes().startswith(b"z")
    assert parts[0].to_bytes() == b"abc"


@pytest.mark.parametrize(
    ("make", "key", "value", "error", "message"),
    [
        (lambda: bytes(8), slice(0, 2), np.ones(2, dtype="B"), ValueError, "^buffer is read-only"),
        (lambda: bytearray(8), slice(0, 2), np.ones(3, dtype="B"), ValueError, "^value: "),
        (lambda: bytearray(8), slice(0.5, 2), np.ones(2, dtype="B"), TypeError, "^key: "),
    ],
    ids=["read-only", "wrong-length", "float-bound"],
)
def test_byte_write_fast_path_refusals_change_nothing(
    make: Any, key: slice, value: Any, error: type[Exception], message: str
) -> None:
    """A plain-slice write of host bytes that NumPy refuses is our error, with nothing written."""
    buf = buffer_cpu.Buffer.from_bytes(make())
    before = buf.to_bytes()
    with pytest.raises(error, match=message):
        buf[key] = value
    assert buf.to_bytes() == before


def test_plain_slice_fast_path_is_a_view_and_refuses_float_bounds() -> None:
    """buf[a:b] is a view of the same memory; a float bound is a TypeError naming key."""
    data = bytearray(b"abcdef")
    view = buffer_cpu.Buffer.from_bytes(data)[1:4]
    data[1] = ord("X")
    assert view.to_bytes() == b"Xcd"
    with pytest.raises(TypeError, match=r"^key: "):
        buffer_cpu.Buffer.from_bytes(data)[0.5:2]  # type: ignore[misc]
