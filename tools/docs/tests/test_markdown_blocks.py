"""The docs' code-block plugin: which fences run, which skip, how failures read."""

from __future__ import annotations

import textwrap

import markdown_blocks
import pytest
from markdown_blocks import MarkdownBlockError, parse_blocks

pytest_plugins = ["pytester"]

PAGE = textwrap.dedent(
    """\
    # A page

    ```python
    x = 1
    ```

    ```bash
    pip install buffer-cpu
    ```

    !!! note
        ```python zarr
        import zarr
        ```

    ````text
    ```python
    not a block of its own
    ```
    ````
    """
)


def test_blocks_are_found_with_language_options_and_first_line() -> None:
    """Each fence is one block; an indented one is dedented; a longer fence holds shorter ones."""
    blocks = parse_blocks(PAGE)
    assert [(b.language, b.options, b.line) for b in blocks] == [
        ("python", (), 4),
        ("bash", (), 8),
        ("python", ("zarr",), 13),
        ("text", (), 17),
    ]
    assert blocks[2].source == "import zarr"
    assert "not a block of its own" in blocks[3].source
    assert [b.runs for b in blocks] == [True, False, True, False]


@pytest.mark.parametrize(
    ("fence", "message"),
    [
        (
            "```python gpus",
            r"unknown option\(s\) \['gpus'\] after python; allowed: dask, gpu, zarr",
        ),
        ("```py", "write ```python"),
        ("```pycon", "write ```python"),
    ],
)
def test_a_fence_that_would_silently_not_run_is_an_error(fence: str, message: str) -> None:
    """A typo in the options or another spelling of Python is refused, with the line."""
    with pytest.raises(MarkdownBlockError, match=message) as error:
        parse_blocks(f"text\n{fence}\nx = 1\n```\n", "page.md")
    assert str(error.value).startswith("page.md:2:")


def test_an_unclosed_fence_is_an_error() -> None:
    """A fence never closed would swallow the rest of the page."""
    with pytest.raises(MarkdownBlockError, match="never closed"):
        parse_blocks("```python\nx = 1\n")


def test_blocks_run_skip_and_fail_as_tests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain blocks run alone, gpu blocks skip with the device problem, a failure names its line."""
    pytester.makefile(
        ".md",
        page=textwrap.dedent(
            """\
            ```python
            value = 41
            assert __name__ == "__main__"
            ```

            ```python
            assert "value" not in globals(), "blocks share no state"
            ```

            ```python gpu
            raise AssertionError("never runs without a device")
            ```

            ```python
            assert 1 + 1 == 3, "arithmetic"
            ```
            """
        ),
    )
    # The same answer on a machine with a GPU as without one.
    monkeypatch.setattr(markdown_blocks, "_gpu_problem", lambda: "no CUDA device (test)")
    # In process, where this test has imported the plugin already.
    quiet = ("-W", "ignore::pytest.PytestAssertRewriteWarning")
    result = pytester.runpytest("-p", "markdown_blocks", "-rs", *quiet, "page.md")
    result.assert_outcomes(passed=2, skipped=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*code block at *page.md:15 failed*",
            "*page.md*line 15*",
            "*AssertionError: arithmetic*",
            "*needs a usable CUDA device: no CUDA device (test)*",
        ]
    )
