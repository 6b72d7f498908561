"""The public API of buffer_gpu and how it plugs into buffer_core, without a device."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import buffer_core
import buffer_gpu


def test_all_is_the_public_api() -> None:
    """Changing buffer_gpu.__all__ means changing this list too."""
    assert buffer_gpu.__all__ == [
        "Buffer",
        "NDBuffer",
        "__version__",
        "buffer_prototype",
        "device_problem",
    ]


def test_version_matches_metadata() -> None:
    """__version__ is single-sourced from the installed distribution."""
    assert buffer_gpu.__version__ == version("buffer-gpu")


def test_registered_as_the_gpu_prototype() -> None:
    """The entry point makes buffer_gpu the "gpu" prototype."""
    assert "gpu" in buffer_core.registered_prototypes()
    assert buffer_core.get_prototype("gpu") is buffer_gpu.buffer_prototype
    assert buffer_gpu.buffer_prototype.buffer is buffer_gpu.Buffer
    assert buffer_gpu.buffer_prototype.nd_buffer is buffer_gpu.NDBuffer


def test_classes_implement_the_abstract_api() -> None:
    """The prototype's classes are buffer_core's Buffer and NDBuffer, with nothing abstract left."""
    assert issubclass(buffer_gpu.Buffer, buffer_core.Buffer)
    assert issubclass(buffer_gpu.NDBuffer, buffer_core.NDBuffer)
    assert not buffer_gpu.Buffer.__abstractmethods__
    assert not buffer_gpu.NDBuffer.__abstractmethods__


def test_import_and_entry_point_do_not_import_cupy() -> None:
    """Importing buffer_gpu and loading the "gpu" entry point leave CuPy unimported."""
    code = (
        "import sys, buffer_core, buffer_gpu\n"
        "buffer_core.get_prototype('gpu')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cupy', 'cupy_backends')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def _requirement_names(distribution: str, seen: set[str]) -> set[str]:
    """Names of every installed distribution that ``distribution`` needs, recursively."""
    from importlib.metadata import PackageNotFoundError, requires

    from packaging.requirements import Requirement

    try:
        listed = requires(distribution) or []
    except PackageNotFoundError:
        return seen
    for line in listed:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # an extra's requirement: not pulled by a plain install
        name = requirement.name.lower()
        if name not in seen:
            seen.add(name)
            _requirement_names(name, seen)
    return seen


def test_buffer_cpu_pulls_no_cupy() -> None:
    """`pip install buffer-cpu` (or buffer-gpu without an extra) installs no CuPy."""
    for distribution in ("buffer-cpu", "buffer-gpu"):
        needed = _requirement_names(distribution, set())
        assert "buffer-core" in needed
        assert not [name for name in needed if name.startswith("cupy")], needed


def test_every_method_is_buffer_cores() -> None:
    """buffer-gpu overrides no public method: what a device runs is what every CPU run tests."""
    import buffer_core

    for ours, base in (
        (buffer_gpu.NDBuffer, buffer_core.NDBuffer),
        (buffer_gpu.Buffer, buffer_core.Buffer),
    ):
        public = {
            name
            for name, value in vars(base).items()
            if (not name.startswith("_") or name.endswith("__"))
            and (callable(value) or isinstance(value, (classmethod, staticmethod, property)))
        }
        own = ours.__mro__[: ours.__mro__.index(base)]
        overridden = sorted(
            name
            for cls in own
            for name in vars(cls)
            if name in public and name not in {"__module__", "__doc__", "memory"}
        )
        assert overridden == [], f"{ours.__name__} overrides {overridden}"
