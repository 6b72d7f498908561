"""Checks on built distributions (sdists and wheels) that need no install."""

from __future__ import annotations

import email.parser
import tarfile
import zipfile
from pathlib import Path


def _metadata_license_files(metadata: bytes) -> list[str]:
    """The ``License-File`` entries of a PKG-INFO or METADATA file (core metadata 2.4)."""
    message = email.parser.BytesParser().parsebytes(metadata, headersonly=True)
    return message.get_all("License-File") or []


def _wheel_files(wheel: Path) -> tuple[dict[str, bytes], bytes | None]:
    """The wheel's license files (by name, relative to ``licenses/``) and its METADATA."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        tops = {name.split("/", 1)[0] for name in names}
        dist_infos = {top for top in tops if top.endswith(".dist-info")}
        if len(dist_infos) != 1:
            return {}, None
        (dist_info,) = dist_infos
        prefix = f"{dist_info}/licenses/"
        licenses = {n[len(prefix) :]: archive.read(n) for n in names if n.startswith(prefix)}
        metadata_name = f"{dist_info}/METADATA"
        metadata = archive.read(metadata_name) if metadata_name in names else None
    return licenses, metadata


def _sdist_files(sdist: Path, license_name: str) -> tuple[dict[str, bytes], bytes | None]:
    """The sdist's top-level ``license_name`` (if any) and its PKG-INFO."""
    found: dict[str, bytes] = {}
    metadata = None
    with tarfile.open(sdist) as archive:
        for member in archive:
            parts = member.name.split("/")
            if not member.isfile() or len(parts) != 2:
                continue
            extracted = archive.extractfile(member)
            if extracted is None:
                continue
            if parts[1] == license_name:
                found[license_name] = extracted.read()
            elif parts[1] == "PKG-INFO":
                metadata = extracted.read()
    return found, metadata


def license_problem(dist: Path, license_file: Path) -> str | None:
    """Why ``dist`` (a ``.whl`` or ``.tar.gz``) does not ship ``license_file``, or None.

    Shipping means: the file is in the archive where PEP 639 puts it (the
    wheel's ``.dist-info/licenses/``, the sdist's top folder) with the same
    bytes as ``license_file``, and the core metadata names it in a
    ``License-File`` field, which is what PyPI and installers read.
    """
    name = license_file.name
    if dist.name.endswith(".whl"):
        files, metadata = _wheel_files(dist)
        where = ".dist-info/licenses/"
    elif dist.name.endswith(".tar.gz"):
        files, metadata = _sdist_files(dist, name)
        where = "its top folder"
    else:
        msg = f"dist must be a .whl or .tar.gz file, got {dist.name!r}"
        raise ValueError(msg)
    if name not in files:
        return f"{dist.name}: no {name} in {where}"
    if files[name] != license_file.read_bytes():
        return f"{dist.name}: the {name} in {where} differs from {license_file}"
    if metadata is None:
        return f"{dist.name}: no core metadata (METADATA or PKG-INFO)"
    if name not in _metadata_license_files(metadata):
        return f"{dist.name}: the core metadata has no 'License-File: {name}'"
    return None
