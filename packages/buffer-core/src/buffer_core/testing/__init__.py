"""The conformance suite every buffer implementation runs.

An implementation's test module subclasses :class:`ConformanceSuite` and
provides a ``prototype`` fixture that names its prototype::

    import pytest
    from buffer_core.testing import ConformanceSuite
    from my_buffers import buffer_prototype

    class TestMyBuffers(ConformanceSuite):
        @pytest.fixture
        def prototype(self):
            return buffer_prototype

Every test compares the implementation with a NumPy reference computed on
the host, so two implementations that pass agree with each other. The suite
needs the ``testing`` extra (pytest, Hypothesis and array-api-strict).

``strict_prototype`` is a third implementation, over ``array-api-strict``
arrays, that takes the paths a device implementation takes (the raw-bytes
layout, transfers through the memory hooks) on the CPU: buffer-core's own
tests run the whole suite on it. That verifies the shared logic on the CPU;
it is not GPU verification.
"""

from __future__ import annotations

from buffer_core.testing._bad_input_suite import BadInputSuite
from buffer_core.testing._buffer_suite import BufferSuite
from buffer_core.testing._ndbuffer_suite import NDBufferSuite
from buffer_core.testing._properties import PropertySuite
from buffer_core.testing._strict import (
    AccessRecord,
    StrictBuffer,
    StrictMemory,
    StrictNDBuffer,
    strict_prototype,
)


class ConformanceSuite(BufferSuite, NDBufferSuite, PropertySuite, BadInputSuite):
    """All conformance tests: Buffer, NDBuffer, the Hypothesis properties and bad input."""


__all__ = [
    "AccessRecord",
    "BadInputSuite",
    "BufferSuite",
    "ConformanceSuite",
    "NDBufferSuite",
    "PropertySuite",
    "StrictBuffer",
    "StrictMemory",
    "StrictNDBuffer",
    "strict_prototype",
]
