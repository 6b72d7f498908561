"""A pytest plugin: every Python code block in the docs runs as a test.

Load it with ``-p markdown_blocks`` (``tools/docs`` on ``sys.path``) and name
the Markdown files or folders to collect (``pytest -p markdown_blocks docs``).
The fence's info string says what a block needs:

- ```` ```python ````: runs everywhere.
- ```` ```python zarr ````: needs zarr-python; skipped with the reason where it
  is not installed.
- ```` ```python gpu ````: needs a usable CUDA device; skipped with the reason
  (``buffer_gpu.device_problem()``) elsewhere.
- any other language (``bash``, ``text``, ``toml``, ...): shown, never run.

Each block is one test and runs on its own, in a fresh namespace, as a
script would (``__name__ == "__main__"``), so a reader can paste any block
alone. Tracebacks point at the Markdown file and its line. An unknown word
after ``python`` (a typo such as ``gpus``) or a Python block spelt ``py`` is
a collection error, so no block silently stops running.
"""

from __future__ import annotations

import importlib.util
import re
import textwrap
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

__all__ = ["REQUIREMENTS", "CodeBlock", "MarkdownBlockError", "parse_blocks"]

#: Words allowed after ``python`` in a fence, and the marker each one adds.
REQUIREMENTS = {"zarr": "zarr", "gpu": "gpu", "dask": "dask"}
# Spellings of Python that would otherwise silently never run.
_PYTHON_ALIASES = {"py", "py3", "python3", "pycon"}
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")


class MarkdownBlockError(ValueError):
    """A code fence whose info string this plugin refuses."""


@dataclass(frozen=True)
class CodeBlock:
    """One fenced code block of a Markdown file."""

    language: str
    options: tuple[str, ...]
    source: str
    #: 1-based line of the block's first source line in the file.
    line: int

    @property
    def runs(self) -> bool:
        """Whether this block is Python that the plugin runs."""
        return self.language == "python"


def parse_blocks(text: str, origin: str = "<markdown>") -> list[CodeBlock]:
    """Every fenced code block of ``text``, in order.

    Raises
    ------
    MarkdownBlockError
        If a fence is never closed, a Python block has an unknown option, or
        Python is spelt in a way that would not run.
    """
    blocks: list[CodeBlock] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        index += 1
        if opening is None:
            continue
        fence = opening.group("fence")
        words = opening.group("info").split()
        start = index
        while index < len(lines):
            closing = _FENCE.match(lines[index])
            if (
                closing is not None
                and not closing.group("info")
                and closing.group("fence")[0] == fence[0]
                and len(closing.group("fence")) >= len(fence)
            ):
                break
            index += 1
        else:
            msg = f"{origin}:{start}: code fence {fence} is never closed"
            raise MarkdownBlockError(msg)
        # A block inside an admonition or list item is indented as a whole.
        body = textwrap.dedent("\n".join(lines[start:index]))
        index += 1
        language, options = (words[0].lower(), tuple(words[1:])) if words else ("", ())
        if language in _PYTHON_ALIASES:
            msg = f"{origin}:{start}: write ```python (runs as a test), not ```{language}"
            raise MarkdownBlockError(msg)
        if language == "python":
            unknown = [o for o in options if o not in REQUIREMENTS]
            if unknown:
                allowed = ", ".join(sorted(REQUIREMENTS))
                msg = f"{origin}:{start}: unknown option(s) {unknown} after python; allowed: {allowed}"
                raise MarkdownBlockError(msg)
        blocks.append(CodeBlock(language, options, body, start + 1))
    return blocks


def _gpu_problem() -> str | None:
    """Why no GPU block can run here, or None when one can."""
    try:
        import buffer_gpu  # noqa: PLC0415  # optional: asked only when a gpu block runs
    except ImportError:
        return "buffer-gpu is not installed"
    problem: str | None = buffer_gpu.device_problem()
    return problem


def _skip_reason(block: CodeBlock) -> str | None:
    if "zarr" in block.options and importlib.util.find_spec("zarr") is None:
        return "needs zarr-python (pip install 'buffer-cpu[zarr]')"
    if "gpu" in block.options:
        problem = _gpu_problem()
        if problem is not None:
            return f"needs a usable CUDA device: {problem}"
    return None


class MarkdownFile(pytest.File):
    """A Markdown file: one test per Python block."""

    def collect(self) -> Iterator[pytest.Item]:
        text = self.path.read_text(encoding="utf-8")
        for block in parse_blocks(text, str(self.path)):
            # A dask block starts a cluster of worker processes, which re-import
            # __main__: it cannot run inside pytest's process. tests-dask runs each
            # one as a script in a fresh interpreter (packages/buffer-cpu/tests/dask/
            # test_dask_docs.py, which also fails on a dask block it does not know).
            if block.runs and "dask" not in block.options:
                item = CodeBlockItem.from_parent(self, name=f"line {block.line}", block=block)
                for option in block.options:
                    item.add_marker(getattr(pytest.mark, REQUIREMENTS[option]))
                yield item


class CodeBlockItem(pytest.Item):
    """One Python block, run as a script."""

    def __init__(self, *, block: CodeBlock, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.block = block

    def runtest(self) -> None:
        reason = _skip_reason(self.block)
        if reason is not None:
            pytest.skip(reason)
        # Leading newlines keep line numbers those of the Markdown file, so a
        # traceback shows the file's own line.
        source = "\n" * (self.block.line - 1) + self.block.source
        code = compile(source, str(self.path), "exec", dont_inherit=True)
        exec(code, {"__name__": "__main__", "__file__": str(self.path)})  # noqa: S102  # the docs' own code

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,  # noqa: ARG002  # pytest's signature; one style suits a block
    ) -> str:
        frames = [
            frame for frame in traceback.extract_tb(excinfo.tb) if frame.filename == str(self.path)
        ]
        where = "".join(traceback.format_list(frames))
        error = "".join(traceback.format_exception_only(excinfo.type, excinfo.value))
        return f"code block at {self.path}:{self.block.line} failed\n{where}{error}"

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.block.line - 1, f"{self.path.name}: {self.name}"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> MarkdownFile | None:
    """Collect Markdown files (``.md``) given on the command line or found under it."""
    if file_path.suffix == ".md":
        return MarkdownFile.from_parent(parent, path=file_path)
    return None
