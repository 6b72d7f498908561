"""The Dask examples of the user guide and of buffer-cpu's README run as the scripts they are."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TIMEOUT

pytestmark = pytest.mark.dask

pytest.importorskip("distributed", reason="needs the buffer-cpu[dask] extra")
pytest.importorskip("zarr", reason="needs the buffer-cpu[dask] extra")

ROOT = Path(__file__).resolve().parents[4]
EXAMPLES = {
    "docs/guide/dask.md": 2,
    "packages/buffer-cpu/README.md": 1,
}


def _blocks(document: str) -> list[str]:
    text = (ROOT / document).read_text(encoding="utf-8")
    return re.findall(r"```python dask\n(.*?)```", text, re.DOTALL)


def test_every_dask_example_is_run_here() -> None:
    """No ```python dask block in docs/ or a README escapes the list above (tests-docs skips them)."""
    documents = [*sorted((ROOT / "docs").rglob("*.md")), *sorted(ROOT.glob("**/README.md"))]
    holding = {
        path.relative_to(ROOT).as_posix()
        for path in documents
        if ".nox" not in path.parts and "```python dask" in path.read_text(encoding="utf-8")
    }
    assert holding == set(EXAMPLES)


@pytest.mark.parametrize("document", sorted(EXAMPLES))
def test_documents_hold_their_dask_examples(document: str) -> None:
    """Each document still has the examples the test below runs."""
    assert len(_blocks(document)) == EXAMPLES[document]


@pytest.mark.parametrize(
    ("document", "number"),
    [(document, number) for document, count in sorted(EXAMPLES.items()) for number in range(count)],
)
def test_dask_example_runs_as_a_script(document: str, number: int, tmp_path: Path) -> None:
    """The block, saved as a script and run by a fresh Python, starts its cluster and passes."""
    script = tmp_path / "example.py"
    script.write_text(_blocks(document)[number], encoding="utf-8")
    # A clean start: no ZARR_* variable from this process decides the outcome.
    env = {name: value for name, value in os.environ.items() if not name.startswith("ZARR_")}
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=2 * TIMEOUT,
    )
    assert result.returncode == 0, result.stderr[-4000:]
