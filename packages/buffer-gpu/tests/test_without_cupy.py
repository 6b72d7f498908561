"""Without CuPy installed: importing works, using a buffer names the extras to install.

The environment is a real virtual environment holding every package of the
running one except CuPy, so ``import cupy`` really fails there.
"""

from __future__ import annotations

import json
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

_PROBE = r"""
import json, sys
import numpy as np
import buffer_core, buffer_gpu
from buffer_core.testing._foreign import ForeignBuffer

results = {}
try:
    import cupy  # noqa: F401
    results["import cupy"] = "imported"
except ModuleNotFoundError as error:
    results["import cupy"] = f"ModuleNotFoundError: {error}"
results["prototype"] = buffer_core.get_prototype("gpu") is buffer_gpu.buffer_prototype

calls = {
    "Buffer.from_bytes": lambda: buffer_gpu.Buffer.from_bytes(b"abc"),
    "Buffer.create_zero_length": lambda: buffer_gpu.Buffer.create_zero_length(),
    "Buffer.from_buffer": lambda: buffer_gpu.Buffer.from_buffer(ForeignBuffer.from_bytes(b"a")),
    "Buffer(numpy)": lambda: buffer_gpu.Buffer(np.zeros(3, dtype="B")),
    "NDBuffer.create": lambda: buffer_gpu.NDBuffer.create(shape=(2,), dtype="f8"),
    "NDBuffer.empty": lambda: buffer_gpu.NDBuffer.empty((2,), "f8"),
    "NDBuffer.from_numpy_array": lambda: buffer_gpu.NDBuffer.from_numpy_array([1, 2]),
    "bad bytes_like": lambda: buffer_gpu.Buffer.from_bytes(12),
    "bad shape": lambda: buffer_gpu.NDBuffer.create(shape=(-1,), dtype="f8"),
}
for name, call in calls.items():
    try:
        call()
        results[name] = "no error"
    except Exception as error:
        results[name] = f"{type(error).__name__}: {error}"
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def python_without_cupy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interpreter of a new virtual environment with this one's packages minus CuPy."""
    root = tmp_path_factory.mktemp("without-cupy") / "venv"
    venv.create(root, with_pip=False, symlinks=True)
    python = root / "bin" / "python"
    target = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    paths = sysconfig.get_paths()
    for folder in {Path(paths["purelib"]), Path(paths["platlib"])}:
        for entry in folder.iterdir():
            # cupy, cupyx, cupy_backends and the cupy-cuda*x metadata.
            if entry.name.lower().startswith("cupy") or (target / entry.name).exists():
                continue
            (target / entry.name).symlink_to(entry)
    return python


@pytest.fixture(scope="module")
def probe(python_without_cupy: Path) -> dict[str, object]:
    done = subprocess.run(
        [python_without_cupy, "-c", _PROBE],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: dict[str, object] = json.loads(done.stdout)
    return results


def test_cupy_is_really_missing(probe: dict[str, object]) -> None:
    """The premise: in that environment `import cupy` fails."""
    assert str(probe["import cupy"]).startswith("ModuleNotFoundError")


def test_import_and_prototype_work_without_cupy(probe: dict[str, object]) -> None:
    """buffer_gpu imports and the "gpu" entry point loads without CuPy."""
    assert probe["prototype"] is True


@pytest.mark.parametrize(
    "call",
    [
        "Buffer.from_bytes",
        "Buffer.create_zero_length",
        "Buffer.from_buffer",
        "Buffer(numpy)",
        "NDBuffer.create",
        "NDBuffer.empty",
        "NDBuffer.from_numpy_array",
    ],
)
def test_making_a_buffer_names_the_extras(probe: dict[str, object], call: str) -> None:
    """Every constructor raises ImportError naming both extras and how to choose."""
    message = str(probe[call])
    assert message.startswith("ImportError: buffer_gpu needs CuPy, which is not installed")
    assert "buffer-gpu[cuda12]" in message
    assert "buffer-gpu[cuda13]" in message
    assert "nvidia-smi" in message


def test_argument_errors_come_before_the_missing_cupy(probe: dict[str, object]) -> None:
    """Bad arguments are reported as such even without CuPy."""
    assert str(probe["bad bytes_like"]).startswith("TypeError: bytes_like")
    assert str(probe["bad shape"]).startswith("ValueError: shape")
