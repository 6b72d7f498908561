"""Test ids are the same in every process: pytest-xdist, which gpu-check runs, needs that."""

from __future__ import annotations

import re

import pytest

# What makes an id differ between processes: an object's default repr, "<... at 0x7f...>".
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")


def test_no_id_holds_an_object_address(request: pytest.FixtureRequest) -> None:
    """No collected test's id holds a memory address (give such parameters explicit ids)."""
    offenders = [item.nodeid for item in request.session.items if _ADDRESS.search(item.nodeid)]
    assert offenders == []
