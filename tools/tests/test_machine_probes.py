"""The machine probes name what is missing, in words a person can act on."""

from __future__ import annotations

import pytest
from monorepo import machine


def test_docker_path_that_is_not_a_file_is_named_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    """DOCKER=/nonexistent is reported as a path that is not an executable, not as a PATH lookup."""
    monkeypatch.setenv("DOCKER", "/nonexistent/docker")
    assert machine.docker_problem() == (
        "Docker is not installed: DOCKER='/nonexistent/docker' is not an executable file"
    )


def test_docker_command_missing_from_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bare command name that PATH lacks is reported as missing from PATH."""
    monkeypatch.setenv("DOCKER", "no-such-docker-cli")
    assert machine.docker_problem() == (
        "Docker is not installed: no 'no-such-docker-cli' command on PATH"
    )
