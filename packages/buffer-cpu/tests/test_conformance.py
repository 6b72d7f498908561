"""buffer-cpu passes the shared conformance suite."""

from __future__ import annotations

import pytest

import buffer_cpu
from buffer_core import BufferPrototype
from buffer_core.testing import ConformanceSuite


class TestCPUConformance(ConformanceSuite):
    @pytest.fixture
    def prototype(self) -> BufferPrototype:
        return buffer_cpu.buffer_prototype
