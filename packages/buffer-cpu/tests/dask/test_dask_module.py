"""buffer_cpu.dask's public surface, without a cluster."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.dask

distributed = pytest.importorskip("distributed", reason="needs the buffer-cpu[dask] extra")
zarr = pytest.importorskip("zarr", reason="needs the buffer-cpu[dask] extra")

import buffer_cpu.dask
import buffer_cpu.zarr


def test_all_is_the_public_api() -> None:
    """Changing buffer_cpu.dask.__all__ means changing this list too."""
    assert buffer_cpu.dask.__all__ == ["ENVIRONMENT", "ZarrBuffers", "zarr_default_buffers"]


def test_environment_names_classes_zarr_resolves_to_ours() -> None:
    """ENVIRONMENT holds zarr's two variables, naming classes zarr's registry maps to ours."""
    environment = buffer_cpu.dask.ENVIRONMENT
    assert sorted(environment) == ["ZARR_BUFFER", "ZARR_NDBUFFER"]
    # The same names through zarr.config (what zarr reads the variables into).
    with zarr.config.set(
        {"buffer": environment["ZARR_BUFFER"], "ndbuffer": environment["ZARR_NDBUFFER"]}
    ):
        assert zarr.registry.get_buffer_class() is buffer_cpu.zarr.Buffer
        assert zarr.registry.get_ndbuffer_class() is buffer_cpu.zarr.NDBuffer
        assert buffer_cpu.dask.zarr_default_buffers() == {
            "buffer": "buffer_cpu.zarr.Buffer",
            "ndbuffer": "buffer_cpu.zarr.NDBuffer",
        }


def test_environment_is_read_only() -> None:
    """ENVIRONMENT cannot be changed by accident; dict(ENVIRONMENT) gives a copy to pass on."""
    with pytest.raises(TypeError):
        buffer_cpu.dask.ENVIRONMENT["ZARR_BUFFER"] = "x"  # type: ignore[index]
    assert dict(buffer_cpu.dask.ENVIRONMENT) == {
        "ZARR_BUFFER": "buffer_cpu.zarr.Buffer",
        "ZARR_NDBUFFER": "buffer_cpu.zarr.NDBuffer",
    }


def test_plugin_is_a_worker_plugin_with_one_name() -> None:
    """ZarrBuffers is what client.register_plugin accepts, under one fixed name."""
    plugin = buffer_cpu.dask.ZarrBuffers()
    assert isinstance(plugin, distributed.WorkerPlugin)
    assert plugin.name == buffer_cpu.dask.ZarrBuffers.name == "buffer-cpu-zarr-buffers"
