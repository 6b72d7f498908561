"""Release one package: bump its version, date its changelog, commit and tag.

    python -m monorepo.release buffer-cpu minor      # what ``nox -s release`` runs

The version lives in the package's ``pyproject.toml``; the changelog's
"Unreleased" section becomes the new version's section and a fresh, empty
"Unreleased" goes above it. The commit and the tag ``<package>-v<version>`` stay
local: pushing the tag is what starts the publishing workflow, so it is left to
the person releasing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from monorepo.packages import ROOT, discover

PARTS = ("major", "minor", "patch")

_VERSION_LINE = re.compile(r'^version = "(?P<version>[^"]+)"$', re.MULTILINE)
_SEMVER = re.compile(r"^(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)$")
_UNRELEASED = re.compile(r"^## Unreleased[ \t]*$", re.MULTILINE)
_NEXT_SECTION = re.compile(r"^## ", re.MULTILINE)


class ReleaseError(Exception):
    """A release that must not go ahead; the message says why."""


def bump(version: str, part: str) -> str:
    """The version after ``version`` when releasing a ``part`` ("major", "minor", "patch")."""
    match = _SEMVER.match(version)
    if match is None:
        msg = f"version must be MAJOR.MINOR.PATCH to bump it, got {version!r}"
        raise ValueError(msg)
    if part not in PARTS:
        msg = f"part must be one of {', '.join(PARTS)}, got {part!r}"
        raise ValueError(msg)
    major, minor, patch = (int(match[name]) for name in PARTS)
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def set_version(pyproject_text: str, version: str) -> str:
    """``pyproject_text`` with the ``[project]`` table's version replaced."""
    if len(_VERSION_LINE.findall(pyproject_text)) != 1:
        msg = 'pyproject.toml must hold exactly one top-level `version = "..."` line'
        raise ReleaseError(msg)
    return _VERSION_LINE.sub(f'version = "{version}"', pyproject_text)


def date_changelog(changelog_text: str, version: str, today: dt.date) -> str:
    """Turn the "Unreleased" section into ``version``'s and open a new, empty one."""
    heading = _UNRELEASED.search(changelog_text)
    if heading is None:
        msg = 'CHANGELOG.md has no "## Unreleased" section to release'
        raise ReleaseError(msg)
    following = _NEXT_SECTION.search(changelog_text, heading.end())
    body_end = following.start() if following else len(changelog_text)
    if not changelog_text[heading.end() : body_end].strip():
        msg = 'the "Unreleased" section of CHANGELOG.md is empty: nothing to release'
        raise ReleaseError(msg)
    new_heading = f"## Unreleased\n\n## {version} - {today.isoformat()}"
    return changelog_text[: heading.start()] + new_heading + changelog_text[heading.end() :]


def _git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return result.stdout


def release(package: str, part: str, *, root: Path = ROOT, today: dt.date | None = None) -> str:
    """Bump, date, commit and tag ``package`` in the repository at ``root``; return the tag."""
    packages = discover(root)
    if package not in packages:
        msg = f"package must be one of {', '.join(sorted(packages))}, got {package!r}"
        raise ReleaseError(msg)
    if part not in PARTS:
        msg = f"part must be one of {', '.join(PARTS)}, got {part!r}"
        raise ReleaseError(msg)
    dirty = _git("status", "--porcelain", "--untracked-files=normal", cwd=root)
    if dirty.strip():
        msg = f"the work tree has uncommitted changes; commit or remove them first:\n{dirty}"
        raise ReleaseError(msg)

    pkg = packages[package]
    version = bump(pkg.version, part)
    tag = f"{pkg.tag_prefix}{version}"
    if _git("tag", "--list", tag, cwd=root).strip():
        msg = f"tag {tag} already exists"
        raise ReleaseError(msg)

    pyproject = pkg.path / "pyproject.toml"
    changelog = pkg.path / "CHANGELOG.md"
    new_changelog = date_changelog(
        changelog.read_text(encoding="utf-8"), version, today or dt.datetime.now(dt.UTC).date()
    )
    new_pyproject = set_version(pyproject.read_text(encoding="utf-8"), version)
    pyproject.write_text(new_pyproject, encoding="utf-8")
    changelog.write_text(new_changelog, encoding="utf-8")

    message = f"Release {package} {version}"
    _git("add", "--", str(pyproject), str(changelog), cwd=root)
    _git("commit", "--quiet", "-m", message, cwd=root)
    _git("tag", "--annotate", tag, "-m", message, cwd=root)
    return tag


def package_for_tag(tag: str, *, root: Path = ROOT) -> str:
    """The package a release tag names, checked against that package's version.

    The publishing workflow calls this so a tag that does not match the
    version in ``pyproject.toml`` fails before anything is uploaded.
    """
    for name, pkg in discover(root).items():
        if tag.startswith(pkg.tag_prefix) and _SEMVER.match(tag.removeprefix(pkg.tag_prefix)):
            version = tag.removeprefix(pkg.tag_prefix)
            if version != pkg.version:
                msg = f"tag {tag} names version {version}, but {name}'s pyproject.toml says {pkg.version}"
                raise ReleaseError(msg)
            return name
    msg = (
        f"tag must be <package>-v<MAJOR.MINOR.PATCH> for a package of this repository, got {tag!r}"
    )
    raise ReleaseError(msg)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("package", nargs="?", help="distribution name, e.g. buffer-cpu")
    parser.add_argument("part", nargs="?", choices=PARTS, help="which part of the version to bump")
    parser.add_argument("--package-for-tag", metavar="TAG", help="print the package TAG releases")
    args = parser.parse_args(argv)
    try:
        if args.package_for_tag is not None:
            print(package_for_tag(args.package_for_tag))
            return 0
        if args.package is None or args.part is None:
            parser.error("give a PACKAGE and a PART (major, minor or patch)")
        tag = release(args.package, args.part)
    except ReleaseError as error:
        print(f"release refused: {error}", file=sys.stderr)
        return 1
    print(f"committed and tagged {tag}; publish it with: git push origin main {tag}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
