"""monorepo.release: version arithmetic, changelog dating, and a real release in a scratch repo."""

from __future__ import annotations

import datetime as dt
import subprocess
import textwrap
from pathlib import Path

import pytest
from monorepo import release as rel

PYPROJECT = textwrap.dedent(
    """\
    [project]
    name = "{name}"
    version = "{version}"
    dependencies = [{deps}]
    """
)
CHANGELOG = textwrap.dedent(
    """\
    # Changelog of {name}

    ## Unreleased

    ### Added

    - Something new.

    ## 0.1.0 - 2026-01-01

    - First release.
    """
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A scratch git repository laid out like this monorepo, with two packages."""
    for name, deps in (("buffer-core", ""), ("buffer-cpu", '"buffer-core>=0.1.0,<0.2"')):
        folder = tmp_path / "packages" / name
        folder.mkdir(parents=True)
        (folder / "pyproject.toml").write_text(
            PYPROJECT.format(name=name, version="0.1.0", deps=deps)
        )
        (folder / "CHANGELOG.md").write_text(CHANGELOG.format(name=name))
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    git(tmp_path, "config", "user.email", "release@test.invalid")
    git(tmp_path, "config", "user.name", "Release Test")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "--quiet", "-m", "init")
    return tmp_path


@pytest.mark.parametrize(
    ("part", "expected"), [("major", "2.0.0"), ("minor", "1.3.0"), ("patch", "1.2.4")]
)
def test_bump_increments_one_part_and_resets_the_lower_ones(part: str, expected: str) -> None:
    assert rel.bump("1.2.3", part) == expected


def test_bump_rejects_a_version_that_is_not_three_numbers() -> None:
    with pytest.raises(ValueError, match=r"version must be MAJOR\.MINOR\.PATCH.*'1\.2'"):
        rel.bump("1.2", "patch")


def test_date_changelog_moves_unreleased_entries_under_the_new_version() -> None:
    text = CHANGELOG.format(name="buffer-cpu")
    dated = rel.date_changelog(text, "0.2.0", dt.date(2026, 11, 26))
    assert "## Unreleased\n\n## 0.2.0 - 2026-11-26\n\n### Added\n\n- Something new." in dated
    assert dated.endswith("## 0.1.0 - 2026-01-01\n\n- First release.\n")


def test_date_changelog_refuses_an_empty_unreleased_section() -> None:
    text = "# Changelog\n\n## Unreleased\n\n## 0.1.0 - 2026-01-01\n\n- First.\n"
    with pytest.raises(rel.ReleaseError, match="empty"):
        rel.date_changelog(text, "0.1.1", dt.date(2026, 11, 26))


def test_release_bumps_dates_commits_and_tags_only_that_package(repo: Path) -> None:
    tag = rel.release("buffer-cpu", "minor", root=repo, today=dt.date(2026, 11, 26))

    assert tag == "buffer-cpu-v0.2.0"
    assert git(repo, "tag", "--list").split() == ["buffer-cpu-v0.2.0"]
    assert git(repo, "log", "-1", "--format=%s").strip() == "Release buffer-cpu 0.2.0"
    assert git(repo, "status", "--porcelain") == ""
    cpu = repo / "packages" / "buffer-cpu"
    assert 'version = "0.2.0"' in (cpu / "pyproject.toml").read_text()
    assert "## Unreleased\n\n## 0.2.0 - 2026-11-26" in (cpu / "CHANGELOG.md").read_text()
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == ["packages/buffer-cpu/CHANGELOG.md", "packages/buffer-cpu/pyproject.toml"]


def test_release_refuses_a_dirty_tree_and_changes_nothing(repo: Path) -> None:
    (repo / "stray.txt").write_text("uncommitted")
    with pytest.raises(rel.ReleaseError, match="uncommitted changes"):
        rel.release("buffer-core", "patch", root=repo)
    assert git(repo, "tag", "--list") == ""
    assert 'version = "0.1.0"' in (repo / "packages/buffer-core/pyproject.toml").read_text()


def test_release_refuses_an_unknown_package(repo: Path) -> None:
    with pytest.raises(rel.ReleaseError, match=r"package must be one of buffer-core, buffer-cpu"):
        rel.release("buffer-tpu", "patch", root=repo)


def test_release_refuses_an_existing_tag(repo: Path) -> None:
    git(repo, "tag", "buffer-core-v0.1.1")
    with pytest.raises(rel.ReleaseError, match="already exists"):
        rel.release("buffer-core", "patch", root=repo)


def test_command_line_reports_a_refusal_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # The package check comes first, so this never touches the real repository.
    assert rel.main(["no-such-package", "patch"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("release refused: package must be one of buffer-core, buffer-cpu")
    assert "Traceback" not in err


def test_package_for_tag_names_the_package_when_the_version_matches(repo: Path) -> None:
    assert rel.package_for_tag("buffer-cpu-v0.1.0", root=repo) == "buffer-cpu"


def test_package_for_tag_refuses_a_version_other_than_the_pyprojects(repo: Path) -> None:
    with pytest.raises(rel.ReleaseError, match=r"names version 0\.2\.0, but buffer-core's"):
        rel.package_for_tag("buffer-core-v0.2.0", root=repo)


@pytest.mark.parametrize("tag", ["buffer-tpu-v0.1.0", "buffer-cpu-v0.1", "v0.1.0"])
def test_package_for_tag_refuses_tags_of_no_package(repo: Path, tag: str) -> None:
    with pytest.raises(rel.ReleaseError, match="tag must be <package>-v"):
        rel.package_for_tag(tag, root=repo)
