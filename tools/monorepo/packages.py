"""The packages under ``packages/`` as the tools see them: name, folder, version and
the in-repository packages each one depends on."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A requirement's distribution name, per the PEP 508 grammar's name rule.
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    """PEP 503 normalized form, so ``Buffer_Core`` and ``buffer-core`` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Package:
    """One distribution of the monorepo, read from its ``pyproject.toml``."""

    name: str
    path: Path
    version: str
    requirements: tuple[str, ...]
    extras: tuple[str, ...]

    @property
    def import_name(self) -> str:
        return self.name.replace("-", "_")

    @property
    def tag_prefix(self) -> str:
        return f"{self.name}-v"

    def requirement_on(self, other: str) -> str | None:
        """This package's requirement string on ``other``, or None when it has none."""
        for requirement in self.requirements:
            match = _REQUIREMENT_NAME.match(requirement)
            if match and normalize(match.group(1)) == normalize(other):
                return requirement
        return None


def discover(root: Path = ROOT) -> dict[str, Package]:
    """Every package under ``root/packages``, keyed by distribution name."""
    found: dict[str, Package] = {}
    for pyproject in sorted((root / "packages").glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        name = normalize(project["name"])
        found[name] = Package(
            name=name,
            path=pyproject.parent,
            version=str(project["version"]),
            requirements=tuple(project.get("dependencies", [])),
            extras=tuple(project.get("optional-dependencies", {})),
        )
    return found


def internal_dependencies(packages: dict[str, Package]) -> dict[str, set[str]]:
    """For each package, the other monorepo packages its runtime requirements name."""
    return {
        name: {other for other in packages if other != name and pkg.requirement_on(other)}
        for name, pkg in packages.items()
    }


def dependents_closure(packages: dict[str, Package], changed: set[str]) -> set[str]:
    """``changed`` plus every package that depends on one of them, directly or not."""
    depends_on = internal_dependencies(packages)
    result = set(changed)
    grew = True
    while grew:
        grew = False
        for name, deps in depends_on.items():
            if name not in result and deps & result:
                result.add(name)
                grew = True
    return result


def dependencies_closure(packages: dict[str, Package], names: set[str]) -> set[str]:
    """``names`` plus every monorepo package they need at run time, directly or not."""
    depends_on = internal_dependencies(packages)
    result = set(names)
    pending = list(names)
    while pending:
        for dep in depends_on.get(pending.pop(), set()):
            if dep not in result:
                result.add(dep)
                pending.append(dep)
    return result
