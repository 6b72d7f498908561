"""Wrongly shaped values written through zarr with our buffers as the default.

zarr-python's own suite (3.4's ``test_set_selection_rejects_value_with_wrong_rank``)
expects a ValueError whose message says "shape mismatch", NumPy's words, when
the value written through ``vindex`` with a mask or through ``oindex`` does not
fit the selection: zarr passes it to the chunk buffer, and the buffer refuses
it. These are those cases, on every zarr line, with each codec pipeline the
line has, so a drop-in replacement of zarr's buffers passes zarr's tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.zarr

zarr = pytest.importorskip("zarr", reason="needs zarr-python (the buffer-cpu[zarr] extra)")
from zarr.storage import MemoryStore

OUR_CONFIG = {"buffer": "buffer_cpu.zarr.Buffer", "ndbuffer": "buffer_cpu.zarr.NDBuffer"}
ZARRS_CONFIG = {"buffer": "zarr.buffer.cpu.Buffer", "ndbuffer": "zarr.buffer.cpu.NDBuffer"}


def _pipelines() -> list[str]:
    """The codec pipelines this zarr line registers (the fused one arrived in 3.3)."""
    names = ["zarr.core.codec_pipeline.BatchedCodecPipeline"]
    codec_pipeline = pytest.importorskip("zarr.core.codec_pipeline")
    if hasattr(codec_pipeline, "FusedCodecPipeline"):
        names.append("zarr.core.codec_pipeline.FusedCodecPipeline")
    return names


@pytest.mark.parametrize("pipeline", _pipelines(), ids=lambda p: p.rsplit(".", 1)[1])
@pytest.mark.parametrize("shards", [None, (4, 4)], ids=["chunked", "sharded"])
@pytest.mark.parametrize(
    ("kind", "selection", "value_shape"),
    [
        # Right element count, wrong rank: a mask takes a flat value.
        pytest.param("vindex", np.eye(4, dtype=bool), (2, 2), id="mask-2d-value"),
        # Right element count, an axis the selection does not have.
        pytest.param(
            "oindex", (np.array([3, 1, 2]), np.array([0, 2])), (3, 2, 1), id="oindex-extra-axis"
        ),
    ],
)
@pytest.mark.parametrize("config", [OUR_CONFIG, ZARRS_CONFIG], ids=["ours", "zarr's"])
def test_wrongly_shaped_values_say_shape_mismatch(
    config: dict[str, str],
    kind: str,
    selection: Any,
    value_shape: tuple[int, ...],
    shards: tuple[int, ...] | None,
    pipeline: str,
) -> None:
    """zarr's own wrong-rank cases raise ValueError saying "shape mismatch", with ours as with zarr's."""
    value = np.arange(np.prod(value_shape), dtype=np.int32).reshape(value_shape)
    with zarr.config.set({**config, "codec_pipeline.path": pipeline}):
        array = zarr.create_array(
            store=MemoryStore(), shape=(4, 4), dtype="i4", chunks=(2, 2), shards=shards
        )
        array[()] = np.zeros((4, 4), dtype=np.int32)
        with pytest.raises(ValueError, match="shape mismatch") as raised:
            getattr(array, kind)[selection] = value
    if config is OUR_CONFIG:
        # Still our format: the argument's name first.
        assert str(raised.value).startswith("value: shape mismatch: ")
