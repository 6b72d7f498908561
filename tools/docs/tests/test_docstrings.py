"""The griffe extension: reST roles as cross-references, docstrings inherited along the MRO."""

from __future__ import annotations

import textwrap
from pathlib import Path

import griffe
from docstrings import BufferDocstrings, rewrite

SOURCE = '''
"""A package; see :class:`Child` and :func:`helper`."""


class Base:
    def inherited(self) -> None:
        """From the base."""

    @property
    def device(self) -> str:
        """Where the memory lives."""


class Mixin:
    @property
    def device(self) -> str:
        return "cpu"


class Child(Mixin, Base):
    """Uses :meth:`inherited`, :meth:`~pkg.Base.inherited`, :attr:`Child.own` and :meth:`missing`.

    Example::

        child = Child()
        child.inherited()

    After the example.
    """

    own = 1

    def inherited(self) -> None:
        pass


def helper() -> None:
    """Helps; see :class:`title <Child>`."""
'''


def _load(tmp_path: Path) -> griffe.Module:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(SOURCE), encoding="utf-8")
    loaded = griffe.load(
        "pkg", search_paths=[str(tmp_path)], extensions=griffe.load_extensions(BufferDocstrings)
    )
    assert isinstance(loaded, griffe.Module)
    return loaded


def _doc(obj: griffe.Object | griffe.Alias) -> str:
    assert obj.docstring is not None, f"{obj.path} has no docstring"
    return obj.docstring.value


def test_roles_resolve_from_where_the_docstring_is_written(tmp_path: Path) -> None:
    """Own, inherited, module-level and dotted names get full paths; the title is kept."""
    pkg = _load(tmp_path)
    child = _doc(pkg["Child"])
    assert "[`inherited`][pkg.Child.inherited]" in child
    assert "[`inherited`][pkg.Base.inherited]" in child
    assert "[`Child.own`][pkg.Child.own]" in child
    assert "[`Child`][pkg.Child]" in _doc(pkg)
    assert "[`title`][pkg.Child]" in _doc(pkg["helper"])


def test_an_unknown_name_is_left_for_the_strict_build_to_reject(tmp_path: Path) -> None:
    """A name found nowhere stays as written, so autorefs reports it."""
    assert "[`missing`][missing]" in _doc(_load(tmp_path)["Child"])


def test_literal_blocks_become_fenced_python(tmp_path: Path) -> None:
    """``Example::`` and its indented block read as a fenced block after "Example:"."""
    text = _doc(_load(tmp_path)["Child"])
    assert "Example:\n\n```python\nchild = Child()\nchild.inherited()\n```\n\nAfter" in text


def test_rewrite_without_a_scope_keeps_names_as_written() -> None:
    """With no object to resolve from, the role's target is used as is."""
    assert rewrite(":meth:`from_bytes()`") == "[`from_bytes()`][from_bytes]"


def test_a_member_without_a_docstring_shows_the_first_one_along_the_mro(tmp_path: Path) -> None:
    """An override without a docstring, even behind a mixin without one, shows the base's."""
    pkg = _load(tmp_path)
    assert _doc(pkg["Child.inherited"]) == "From the base."
    assert _doc(pkg["Child"].all_members["device"]) == "Where the memory lives."
    assert pkg["Mixin.device"].docstring is None
