"""buffer_cpu works without zarr-python; buffer_cpu.zarr says which extra brings it."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(script: str) -> subprocess.CompletedProcess[str]:
    # A fresh interpreter: whether zarr gets imported is only observable from a clean start.
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_import_buffer_cpu_does_not_import_zarr() -> None:
    """Importing the package and allocating never pulls in zarr, installed or not."""
    result = _run(
        """
        import sys
        import buffer_cpu
        buffer_cpu.NDBuffer.create(shape=(2,), dtype="f8")
        assert "zarr" not in sys.modules, sorted(m for m in sys.modules if "zarr" in m)
        """
    )
    assert result.returncode == 0, result.stderr


def test_adapter_without_zarr_names_the_extra() -> None:
    """Without zarr, importing buffer_cpu.zarr raises ImportError naming buffer-cpu[zarr]."""
    # A None entry in sys.modules is how Python itself marks a module as not
    # importable, so this runs the real import machinery whether or not zarr
    # is installed in this environment.
    result = _run(
        """
        import sys
        sys.modules["zarr"] = None
        try:
            import buffer_cpu.zarr
        except ImportError as error:
            print(error)
        else:
            raise SystemExit("buffer_cpu.zarr imported without zarr")
        """
    )
    assert result.returncode == 0, result.stderr
    assert "buffer-cpu[zarr]" in result.stdout
    assert "zarr-python" in result.stdout
