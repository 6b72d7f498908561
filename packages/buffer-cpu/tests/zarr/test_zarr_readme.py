"""The root README's zarr-python example does what it says."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.zarr

pytest.importorskip("zarr", reason="needs zarr-python (the buffer-cpu[zarr] extra)")

README = Path(__file__).resolve().parents[4] / "README.md"


def test_readme_zarr_example_makes_ours_the_default() -> None:
    """The two lines under "Use with zarr-python" make zarr allocate our buffers."""
    blocks = re.findall(r"```python zarr\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 1, "README.md must hold one ```python zarr example"
    # Two lines of code (ruff format may put a blank line between them).
    assert len([line for line in blocks[0].splitlines() if line.strip()]) == 2
    check = textwrap.dedent(
        """
        import numpy as np
        from zarr.core.buffer import default_buffer_prototype
        import buffer_cpu.zarr

        assert default_buffer_prototype() == buffer_cpu.zarr.buffer_prototype
        store = {}
        arr = zarr.create_array(zarr.storage.MemoryStore(store_dict=store), shape=(4,), dtype="i2")
        arr[:] = np.arange(4)
        assert arr[...].tolist() == [0, 1, 2, 3]
        assert type(store["c/0"]) is buffer_cpu.zarr.Buffer
        """
    )
    # A fresh interpreter: the example changes process-wide configuration.
    result = subprocess.run(
        [sys.executable, "-c", blocks[0] + check], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
