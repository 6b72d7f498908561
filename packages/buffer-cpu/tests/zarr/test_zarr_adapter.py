"""buffer_cpu.zarr's classes are ours in behaviour and zarr's in identity; conversions are free."""

from __future__ import annotations

import pickle
from importlib.metadata import entry_points
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.zarr

zarr = pytest.importorskip("zarr", reason="needs zarr-python (the buffer-cpu[zarr] extra)")
import zarr.core.buffer.cpu as zarr_cpu

import buffer_core
import buffer_cpu
import buffer_cpu.zarr as adapter

# Attributes every class has or that say nothing about behaviour.
_IDENTITY = {"__dict__", "__doc__", "__module__", "__weakref__", "_abc_impl", "__abstractmethods__"}


@pytest.mark.parametrize(
    ("ours", "theirs", "impl"),
    [
        (adapter.Buffer, zarr.core.buffer.Buffer, buffer_cpu.Buffer),
        (adapter.NDBuffer, zarr.core.buffer.NDBuffer, buffer_cpu.NDBuffer),
    ],
    ids=["Buffer", "NDBuffer"],
)
def test_every_zarr_method_resolves_to_ours(ours: type, theirs: type, impl: type) -> None:
    """zarr's classes add identity only: each of their attributes comes from our classes."""
    assert issubclass(ours, theirs)
    assert issubclass(ours, impl)
    for name in sorted(set(vars(theirs)) - _IDENTITY):
        owner = next(cls for cls in ours.__mro__ if name in vars(cls))
        assert owner.__module__.startswith(("buffer_core", "buffer_cpu")), (name, owner)


def test_qualified_names_are_the_documented_ones() -> None:
    """zarr's registry keys classes by module and qualname; these are the names users set."""
    assert f"{adapter.Buffer.__module__}.{adapter.Buffer.__qualname__}" == "buffer_cpu.zarr.Buffer"
    assert (
        f"{adapter.NDBuffer.__module__}.{adapter.NDBuffer.__qualname__}"
        == "buffer_cpu.zarr.NDBuffer"
    )


def test_entry_points_name_the_adapters() -> None:
    """The installed distribution registers the adapters in zarr's entry-point groups."""
    buffers = {ep.value for ep in entry_points(group="zarr.buffer")}
    ndbuffers = {ep.value for ep in entry_points(group="zarr.ndbuffer")}
    assert "buffer_cpu.zarr:Buffer" in buffers
    assert "buffer_cpu.zarr:NDBuffer" in ndbuffers


def test_prototype_is_a_zarr_prototype() -> None:
    """buffer_prototype is zarr's BufferPrototype over the adapter classes."""
    assert isinstance(adapter.buffer_prototype, zarr.core.buffer.BufferPrototype)
    assert adapter.buffer_prototype == (adapter.Buffer, adapter.NDBuffer)


def test_buffer_methods_return_adapter_instances() -> None:
    """Every Buffer method that makes a buffer makes one zarr accepts."""
    buf = adapter.Buffer.from_bytes(bytearray(b"abcdef"))
    made = [
        adapter.Buffer.create_zero_length(),
        adapter.Buffer.from_array_like(np.zeros(3, dtype="B")),
        adapter.Buffer.from_buffer(buf),
        buf[1:4],
        buf.combine([buf]),
        buf + buf,
    ]
    for result in made:
        assert type(result) is adapter.Buffer
        assert isinstance(result, zarr.core.buffer.Buffer)
    assert (buf + buf).to_bytes() == b"abcdefabcdef"


def test_ndbuffer_methods_return_adapter_instances() -> None:
    """Every NDBuffer method that makes a buffer makes one zarr accepts."""
    nd = adapter.NDBuffer.from_numpy_array(np.arange(6, dtype="i4").reshape(1, 2, 3))
    made = [
        adapter.NDBuffer.create(shape=(2, 2), dtype="f4", fill_value=1.5),
        adapter.NDBuffer.empty((2, 2), "i8"),
        adapter.NDBuffer.from_ndarray_like(np.ones(2)),
        nd.reshape(-1),
        nd.squeeze((0,)),
        nd.astype("f8"),
        nd.copy(),
        nd.transpose(None),
        nd[0, 1],
    ]
    for result in made:
        assert type(result) is adapter.NDBuffer
        assert isinstance(result, zarr.core.buffer.NDBuffer)
    assert nd[0, 1].shape == (3,)


@pytest.mark.parametrize("dtype", ["<u2", ">u2", "=f8", "u1", ">c16", "S3"])
def test_byteorder_matches_zarr(dtype: str) -> None:
    """byteorder has the value and type this zarr release's own NDBuffer reports."""
    data = np.zeros(2, dtype=dtype)
    ours = adapter.NDBuffer.from_numpy_array(data).byteorder
    theirs = zarr_cpu.NDBuffer.from_numpy_array(data).byteorder
    assert ours == theirs
    assert type(ours) is type(theirs)


def test_zarr_buffer_into_our_api_without_copy() -> None:
    """A zarr Buffer handed to from_buffer, combine and __setitem__ is read in place."""
    memory = np.arange(8, dtype="B")
    theirs = zarr_cpu.Buffer.from_array_like(memory)
    assert isinstance(theirs, buffer_core.Buffer)
    for cls in (buffer_cpu.Buffer, adapter.Buffer):
        converted = cls.from_buffer(theirs)
        assert np.shares_memory(converted.as_numpy_array(), memory)
    target = buffer_cpu.Buffer.from_bytes(bytearray(8))
    target[0:8] = theirs
    assert target.to_bytes() == memory.tobytes()
    assert target.combine([theirs]).to_bytes() == memory.tobytes() * 2
    assert target == theirs


def test_zarr_ndbuffer_into_our_api_without_copy() -> None:
    """A zarr NDBuffer is accepted wherever ours takes an NDBuffer."""
    theirs = zarr_cpu.NDBuffer.from_numpy_array(np.arange(6.0).reshape(2, 3))
    assert isinstance(theirs, buffer_core.NDBuffer)
    target = adapter.NDBuffer.create(shape=(2, 3), dtype="f8")
    target[...] = theirs
    np.testing.assert_array_equal(target.as_numpy_array(), np.arange(6.0).reshape(2, 3))
    wrapped = adapter.NDBuffer.from_ndarray_like(theirs.as_ndarray_like())
    assert np.shares_memory(wrapped.as_numpy_array(), theirs.as_numpy_array())


def test_our_buffers_into_zarr_without_copy() -> None:
    """zarr's own classes take ours in from_buffer, __setitem__ and combine, in place."""
    memory = np.arange(8, dtype="B")
    ours = adapter.Buffer.from_array_like(memory)
    assert np.shares_memory(zarr_cpu.Buffer.from_buffer(ours).as_numpy_array(), memory)
    assert zarr_cpu.Buffer.create_zero_length().combine([ours]).to_bytes() == memory.tobytes()
    host_target = zarr_cpu.Buffer.from_bytes(bytearray(8))
    host_target[0:8] = ours
    assert host_target.to_bytes() == memory.tobytes()
    assert np.shares_memory(np.asarray(ours), memory)
    nd = adapter.NDBuffer.from_numpy_array(np.arange(4, dtype="i2"))
    target = zarr_cpu.NDBuffer.create(shape=(4,), dtype="i2")
    target[...] = nd
    np.testing.assert_array_equal(target.as_numpy_array(), np.arange(4, dtype="i2"))
    assert np.shares_memory(
        zarr_cpu.NDBuffer.from_ndarray_like(nd.as_ndarray_like()).as_numpy_array(),
        nd.as_numpy_array(),
    )


def test_plain_buffers_become_adapters_without_copy() -> None:
    """buffer_cpu buffers made without zarr in mind convert to the adapters in place."""
    plain = buffer_cpu.Buffer.from_bytes(bytearray(b"xyz"))
    assert np.shares_memory(adapter.Buffer.from_buffer(plain).as_numpy_array(), plain._data)
    plain_nd = buffer_cpu.NDBuffer.from_numpy_array(np.ones((2, 2)))
    as_adapter = adapter.NDBuffer.from_ndarray_like(plain_nd.as_ndarray_like())
    assert np.shares_memory(as_adapter.as_numpy_array(), plain_nd.as_numpy_array())


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_adapters_pickle_as_themselves(protocol: int) -> None:
    """Pickled adapter buffers come back as adapter buffers with the same contents."""
    buf = adapter.Buffer.from_bytes(b"\x00\x01zarr")
    nd = adapter.NDBuffer.from_numpy_array(np.arange(6, dtype="<f4").reshape(2, 3, order="F"))
    buf_back: Any = pickle.loads(pickle.dumps(buf, protocol=protocol))
    nd_back: Any = pickle.loads(pickle.dumps(nd, protocol=protocol))
    assert type(buf_back) is adapter.Buffer
    assert buf_back == buf
    assert type(nd_back) is adapter.NDBuffer
    assert nd_back.dtype == nd.dtype
    np.testing.assert_array_equal(nd_back.as_numpy_array(), nd.as_numpy_array())
