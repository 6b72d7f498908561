"""The public API of buffer_cpu and how it plugs into buffer_core."""

from __future__ import annotations

from importlib.metadata import version

import numpy as np
import pytest

import buffer_core
import buffer_cpu


def test_all_is_the_public_api() -> None:
    """Changing buffer_cpu.__all__ means changing this list too."""
    assert buffer_cpu.__all__ == [
        "Buffer",
        "NDBuffer",
        "__version__",
        "as_numpy_array_wrapper",
        "buffer_prototype",
        "numpy_buffer_prototype",
    ]


def test_version_matches_metadata() -> None:
    """__version__ is single-sourced from the installed distribution."""
    assert buffer_cpu.__version__ == version("buffer-cpu")


def test_registered_as_the_cpu_prototype() -> None:
    """The entry point makes buffer_cpu the "cpu" prototype and the default."""
    assert buffer_core.get_prototype("cpu") is buffer_cpu.buffer_prototype
    assert buffer_core.default_buffer_prototype() is buffer_cpu.buffer_prototype
    assert buffer_cpu.numpy_buffer_prototype() is buffer_cpu.buffer_prototype


def test_classes_implement_the_abstract_api() -> None:
    """The prototype's classes are buffer_core's Buffer and NDBuffer."""
    assert issubclass(buffer_cpu.Buffer, buffer_core.Buffer)
    assert issubclass(buffer_cpu.NDBuffer, buffer_core.NDBuffer)


def test_as_numpy_array_wrapper_calls_host_functions() -> None:
    """as_numpy_array_wrapper hands func a NumPy array and wraps its bytes in the prototype."""
    buf = buffer_cpu.Buffer.from_bytes(b"abc")
    seen: list[np.ndarray] = []

    def reverse(array: np.ndarray) -> bytes:
        seen.append(array)
        return array[::-1].tobytes()

    result = buffer_cpu.as_numpy_array_wrapper(reverse, buf, buffer_cpu.buffer_prototype)
    assert isinstance(result, buffer_cpu.Buffer)
    assert result.to_bytes() == b"cba"
    assert isinstance(seen[0], np.ndarray)


@pytest.mark.parametrize(
    ("func", "buf", "prototype", "argument"),
    [
        (None, buffer_cpu.Buffer.from_bytes(b"a"), buffer_cpu.buffer_prototype, "func"),
        (bytes, b"a", buffer_cpu.buffer_prototype, "buf"),
        (bytes, buffer_cpu.Buffer.from_bytes(b"a"), object(), "prototype"),
    ],
    ids=["func", "buf", "prototype"],
)
def test_as_numpy_array_wrapper_validates(
    func: object, buf: object, prototype: object, argument: str
) -> None:
    """Each bad argument is a TypeError naming it."""
    with pytest.raises(TypeError, match=argument):
        buffer_cpu.as_numpy_array_wrapper(func, buf, prototype)  # type: ignore[arg-type]
