"""zarr sharding with the index first: inner chunks at offsets 4 mod 8, read on the device."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytestmark = [pytest.mark.zarr, pytest.mark.gpu]

zarr = pytest.importorskip("zarr", reason="needs zarr-python (the buffer-gpu[zarr] extra)")
from zarr.codecs import BytesCodec, ShardingCodec
from zarr.storage import MemoryStore


@pytest.fixture
def cp() -> Any:
    import cupy

    return cupy


def test_inner_chunks_after_a_leading_index_read_back(cp: Any) -> None:
    """An index at the start (16 bytes a chunk plus a 4-byte checksum) misaligns every <f8 chunk.

    Viewed as doubles in place, a CUDA load from such an address faults and
    kills the context; buffer-gpu holds them as raw bytes instead.
    """
    values = np.arange(64.0)
    sharding = ShardingCodec(chunk_shape=(8,), codecs=[BytesCodec()], index_location="start")
    with zarr.config.set(
        {"buffer": "buffer_gpu.zarr.Buffer", "ndbuffer": "buffer_gpu.zarr.NDBuffer"}
    ):
        array = zarr.create_array(
            MemoryStore(), shape=(64,), chunks=(64,), dtype="<f8", serializer=sharding
        )
        array[:] = cp.asarray(values)
        read = array[:]
        part = array[10:30]
    np.testing.assert_array_equal(cp.asnumpy(read), values)
    np.testing.assert_array_equal(cp.asnumpy(part), values[10:30])
    cp.cuda.Device().synchronize()
