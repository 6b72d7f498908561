"""monorepo.dists: a LICENSE shipped in sdists and wheels where PEP 639 puts it."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from monorepo import dists

LICENSE = b"MIT License\n\nCopyright (c) 2026 The buffers developers\n"
METADATA = b"Metadata-Version: 2.4\nName: demo\nVersion: 1.0\nLicense-Expression: MIT\n"
NAMED = METADATA + b"License-File: LICENSE\n"


def make_wheel(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def make_sdist(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def license_file(tmp_path: Path) -> Path:
    path = tmp_path / "LICENSE"
    path.write_bytes(LICENSE)
    return path


def test_a_wheel_with_the_license_and_its_metadata_field_passes(
    tmp_path: Path, license_file: Path
) -> None:
    wheel = make_wheel(
        tmp_path / "demo-1.0-py3-none-any.whl",
        {
            "demo/__init__.py": b"",
            "demo-1.0.dist-info/METADATA": NAMED,
            "demo-1.0.dist-info/licenses/LICENSE": LICENSE,
        },
    )
    assert dists.license_problem(wheel, license_file) is None


def test_a_wheel_without_the_license_is_reported(tmp_path: Path, license_file: Path) -> None:
    wheel = make_wheel(
        tmp_path / "demo-1.0-py3-none-any.whl",
        {"demo/__init__.py": b"", "demo-1.0.dist-info/METADATA": METADATA},
    )
    assert dists.license_problem(wheel, license_file) == (
        "demo-1.0-py3-none-any.whl: no LICENSE in .dist-info/licenses/"
    )


def test_a_license_outside_dist_info_licenses_does_not_count(
    tmp_path: Path, license_file: Path
) -> None:
    wheel = make_wheel(
        tmp_path / "demo-1.0-py3-none-any.whl",
        {"LICENSE": LICENSE, "demo-1.0.dist-info/METADATA": NAMED},
    )
    assert "no LICENSE in .dist-info/licenses/" in str(dists.license_problem(wheel, license_file))


def test_a_wheel_whose_metadata_does_not_name_the_license_is_reported(
    tmp_path: Path, license_file: Path
) -> None:
    wheel = make_wheel(
        tmp_path / "demo-1.0-py3-none-any.whl",
        {
            "demo-1.0.dist-info/METADATA": METADATA,
            "demo-1.0.dist-info/licenses/LICENSE": LICENSE,
        },
    )
    assert dists.license_problem(wheel, license_file) == (
        "demo-1.0-py3-none-any.whl: the core metadata has no 'License-File: LICENSE'"
    )


def test_a_shipped_license_with_other_text_is_reported(tmp_path: Path, license_file: Path) -> None:
    sdist = make_sdist(
        tmp_path / "demo-1.0.tar.gz",
        {"demo-1.0/PKG-INFO": NAMED, "demo-1.0/LICENSE": b"All rights reserved.\n"},
    )
    assert "differs from" in str(dists.license_problem(sdist, license_file))


def test_an_sdist_with_the_license_at_its_top_passes(tmp_path: Path, license_file: Path) -> None:
    sdist = make_sdist(
        tmp_path / "demo-1.0.tar.gz",
        {
            "demo-1.0/PKG-INFO": NAMED,
            "demo-1.0/LICENSE": LICENSE,
            "demo-1.0/src/demo/__init__.py": b"",
        },
    )
    assert dists.license_problem(sdist, license_file) is None


def test_an_sdist_with_the_license_only_in_a_subfolder_is_reported(
    tmp_path: Path, license_file: Path
) -> None:
    sdist = make_sdist(
        tmp_path / "demo-1.0.tar.gz",
        {"demo-1.0/PKG-INFO": NAMED, "demo-1.0/docs/LICENSE": LICENSE},
    )
    assert dists.license_problem(sdist, license_file) == (
        "demo-1.0.tar.gz: no LICENSE in its top folder"
    )


def test_an_archive_of_another_kind_is_a_value_error(tmp_path: Path, license_file: Path) -> None:
    with pytest.raises(ValueError, match=r"^dist must be a \.whl or \.tar\.gz file, got 'x\.zip'"):
        dists.license_problem(tmp_path / "x.zip", license_file)
