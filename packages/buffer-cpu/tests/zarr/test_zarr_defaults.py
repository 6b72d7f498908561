"""Our buffers as zarr's process default: through zarr.config, the environment, and pickling."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .conftest import assert_identical

pytestmark = pytest.mark.zarr

zarr = pytest.importorskip("zarr", reason="needs zarr-python (the buffer-cpu[zarr] extra)")
from zarr.storage import LocalStore, MemoryStore

OUR_CONFIG = {"buffer": "buffer_cpu.zarr.Buffer", "ndbuffer": "buffer_cpu.zarr.NDBuffer"}


def test_config_names_resolve_to_the_adapters() -> None:
    """zarr.config's names find the adapters through the entry points, nothing imported first."""
    import buffer_cpu.zarr

    with zarr.config.set(OUR_CONFIG):
        assert zarr.registry.get_buffer_class() is buffer_cpu.zarr.Buffer
        assert zarr.registry.get_ndbuffer_class() is buffer_cpu.zarr.NDBuffer
        assert zarr.core.buffer.default_buffer_prototype() == buffer_cpu.zarr.buffer_prototype


def test_config_default_serves_every_array(compare: Callable[..., Any]) -> None:
    """Arrays used without prototype= allocate ours when the config names them."""
    data = np.linspace(-1, 1, 42).reshape(6, 7)
    run = compare(
        {"shape": (6, 7), "chunks": (4, 4), "dtype": "f8", "fill_value": np.nan},
        [("set", (slice(0, 5), slice(1, 7)), data[:5, 1:]), ("get", ...)],
        how="default",
    )
    expected = np.full((6, 7), np.nan)
    expected[:5, 1:] = data[:5, 1:]
    assert_identical(run.reads[0], expected)


# Run in a fresh interpreter: zarr reads ZARR_* variables when it is first imported.
_ENVIRONMENT_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import zarr
    from zarr.storage import MemoryStore

    assert "buffer_cpu.zarr" not in sys.modules  # nothing imported by hand
    chunks = {}
    arr = zarr.create_array(MemoryStore(store_dict=chunks), shape=(5, 4), chunks=(2, 2),
                            dtype="i4", fill_value=-1, compressors=[zarr.codecs.ZstdCodec()])
    arr[1:4, :3] = np.arange(9, dtype="i4").reshape(3, 3)
    prototype = zarr.core.buffer.default_buffer_prototype()
    print(json.dumps({
        "buffer": f"{prototype.buffer.__module__}.{prototype.buffer.__qualname__}",
        "nd_buffer": f"{prototype.nd_buffer.__module__}.{prototype.nd_buffer.__qualname__}",
        "stored": sorted({type(v).__module__ for k, v in chunks.items() if k.startswith("c/")}),
        "data": arr[...].tolist(),
    }))
    """
)


def _run_with_environment(extra: dict[str, str]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZARR_")}
    env.update(extra)
    result = subprocess.run(
        [sys.executable, "-c", _ENVIRONMENT_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_environment_variables_make_ours_the_default() -> None:
    """ZARR_BUFFER/ZARR_NDBUFFER alone switch a fresh process to our buffers, same results."""
    ours = _run_with_environment(
        {"ZARR_BUFFER": "buffer_cpu.zarr.Buffer", "ZARR_NDBUFFER": "buffer_cpu.zarr.NDBuffer"}
    )
    theirs = _run_with_environment({})
    assert ours["buffer"] == "buffer_cpu.zarr.Buffer"
    assert ours["nd_buffer"] == "buffer_cpu.zarr.NDBuffer"
    assert ours["stored"] == ["buffer_cpu.zarr"]
    assert theirs["stored"] == ["zarr.core.buffer.cpu"]
    assert ours["data"] == theirs["data"]
    expected = np.full((5, 4), -1)
    expected[1:4, :3] = np.arange(9).reshape(3, 3)
    assert ours["data"] == expected.tolist()


@pytest.mark.parametrize("kind", ["memory", "local"])
def test_array_pickled_while_in_use(tmp_path: Path, kind: str) -> None:
    """An array pickled mid-use comes back reading and writing through our buffers."""
    import buffer_cpu.zarr

    chunks: dict[str, Any] = {}
    store = MemoryStore(store_dict=chunks) if kind == "memory" else LocalStore(tmp_path / "a")
    with zarr.config.set(OUR_CONFIG):
        arr = zarr.create_array(store, shape=(6, 6), chunks=(3, 3), dtype="u2", fill_value=7)
        arr[:4, :4] = np.arange(16, dtype="u2").reshape(4, 4)
        restored = pickle.loads(pickle.dumps(arr))
        restored[4:, 4:] = 1
        got = restored[...]
        expected = np.full((6, 6), 7, dtype="u2")
        expected[:4, :4] = np.arange(16).reshape(4, 4)
        expected[4:, 4:] = 1
        assert_identical(got, expected)
        # The original sees the write through its store only where the store is shared.
        if kind == "local":
            assert_identical(arr[...], expected)
        else:
            stored = restored.store._store_dict  # the unpickled store's own dict
            assert {type(v) for k, v in stored.items() if k.startswith("c/")} == {
                buffer_cpu.zarr.Buffer
            }
