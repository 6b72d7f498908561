"""The site's build is strict: a broken link, an unknown reference or a stray page fails it.

Builds a copy of the real configuration and pages with three defects added,
in a subprocess, the way ``nox -s docs`` builds (needs the docs toolchain).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def test_defects_fail_the_strict_build(tmp_path: Path) -> None:
    """Each defect is reported, and the build exits non-zero instead of writing a site."""
    pytest.importorskip("mkdocs", reason="needs the docs toolchain (tools/docs/requirements.txt)")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    # The sources and the griffe extension, where mkdocs.yml names them.
    (tmp_path / "packages").symlink_to(ROOT / "packages")
    (tmp_path / "tools").symlink_to(ROOT / "tools")
    with (tmp_path / "docs" / "index.md").open("a", encoding="utf-8") as page:
        page.write(
            "\nSee [the missing page](no-such-page.md) and"
            " [`nothing`][buffer_core.Buffer.no_such_method].\n"
        )
    (tmp_path / "docs" / "stray.md").write_text("# Not in the navigation\n", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "out")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert result.returncode != 0
    log = result.stderr + result.stdout
    assert "no-such-page.md" in log
    assert "buffer_core.Buffer.no_such_method" in log
    assert "stray.md" in log
