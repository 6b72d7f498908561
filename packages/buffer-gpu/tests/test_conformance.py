"""buffer-gpu passes the shared conformance suite on a CUDA device."""

from __future__ import annotations

import pytest

import buffer_gpu
from buffer_core import BufferPrototype
from buffer_core.testing import ConformanceSuite

pytestmark = pytest.mark.gpu


class TestGPUConformance(ConformanceSuite):
    @pytest.fixture
    def prototype(self) -> BufferPrototype:
        return buffer_gpu.buffer_prototype
