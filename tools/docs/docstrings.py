"""A griffe extension: our docstrings as the API pages need them.

Two things, both done on the loaded sources, which stay as they are.

**Inherited docstrings.** An implementation's method without a docstring of
its own shows the first docstring found along its class's MRO, which is the
abstract class's (a mixin that overrides without one, such as buffer_gpu's
``DeviceResident.device``, is passed over, unlike griffe-inherited-docstrings
which stops at the first class that has the member).

**reST markup as Markdown.**

The docstrings are NumPy style and cross-reference with Sphinx roles
(``:meth:`from_bytes```, ``:class:`~buffer_core.Buffer```) and ``::`` literal
blocks, which read well in ``help()`` and in an editor. mkdocstrings renders
Markdown, so this extension rewrites each role into an autorefs
cross-reference (``[`from_bytes`][from_bytes]``, resolved in the scope of the
object documented, so a name that resolves nowhere fails the strict build)
and each ``::`` block into a fenced Python block.

A name is looked up as Python would from where the docstring is written (the
object, its class including inherited members, its module), so
``:meth:`synchronize``` in ``buffer_gpu.Buffer`` links to the method its
mixin provides. A name found nowhere is left for autorefs, which fails the
strict build on it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import griffe

__all__ = ["BufferDocstrings", "rewrite"]

# :role:`target`, :role:`~dotted.target` or :role:`title <target>`.
_ROLE = re.compile(r":(?:py:)?(?:attr|class|data|exc|func|meth|mod|obj):`(?P<body>[^`]+)`")
_TITLED = re.compile(r"(?P<title>.+?)\s*<(?P<target>[^>]+)>")


def _members(obj: griffe.Object) -> dict[str, Any]:
    """The names visible in ``obj``: a class's inherited members included."""
    if obj.is_class:
        try:
            return dict(obj.all_members)
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            return dict(obj.members)
    return dict(obj.members)


def _path_of(owner: griffe.Object, name: str, found: Any) -> str:
    """Where ``found`` (``owner.name``) is documented.

    An inherited member is documented on the subclass's page (mkdocstrings'
    inherited members); an imported name where it is defined.
    """
    if found is owner:
        return str(owner.path)
    if found.is_alias and not found.inherited:
        return str(found.target_path)
    return f"{owner.path}.{name}"


def _resolve(scope: griffe.Object, target: str) -> str:
    """The full path of ``target`` as seen from ``scope``, or ``target`` itself."""
    first, _, rest = target.partition(".")
    current: griffe.Object | None = scope
    while current is not None:
        if current.name == first and current.is_module:
            found: Any = current
        else:
            found = _members(current).get(first)
        if found is not None:
            path = _path_of(current, first, found)
            for part in rest.split(".") if rest else []:
                owner = found.final_target if found.is_alias and not found.inherited else found
                child = _members(owner).get(part)
                if child is None:
                    return target
                found, path = child, _path_of(owner, part, child)
            return path
        current = current.parent
    return target


def _roles_to_references(text: str, scope: griffe.Object | None) -> str:
    def reference(match: re.Match[str]) -> str:
        body = match.group("body").strip()
        titled = _TITLED.fullmatch(body)
        if titled:
            title, target = titled.group("title"), titled.group("target")
        elif body.startswith("~"):
            target = body[1:]
            title = target.rsplit(".", 1)[-1]
        else:
            title = target = body
        target = target.removesuffix("()")
        if scope is not None:
            target = _resolve(scope, target)
        return f"[`{title}`][{target}]"

    return _ROLE.sub(reference, text)


def _fence_literal_blocks(text: str) -> str:
    """Turn each reST ``::`` literal block into a fenced Python block."""
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index].rstrip()
        index += 1
        if not line.endswith("::"):
            out.append(line)
            continue
        # "Text::" reads "Text:"; a lone "::" line disappears.
        if line[:-2].strip():
            out.append(line[:-2].rstrip() + ":")
        block: list[str] = []
        while index < len(lines) and (not lines[index].strip() or lines[index][:1] == " "):
            block.append(lines[index].rstrip())
            index += 1
        while block and not block[-1]:
            block.pop()
        while block and not block[0]:
            block.pop(0)
        indent = min(len(b) - len(b.lstrip()) for b in block if b) if block else 0
        out += ["", "```python", *(b[indent:] for b in block), "```", ""]
    return "\n".join(out)


def rewrite(text: str, scope: griffe.Object | None = None) -> str:
    """Return ``text`` (a docstring) with Sphinx roles and ``::`` blocks in Markdown.

    ``scope`` is the object the docstring belongs to; names in roles are
    resolved from it (without it they are left as written).
    """
    return _fence_literal_blocks(_roles_to_references(text, scope))


def _docstring_along_mro(cls: griffe.Class, name: str) -> griffe.Docstring | None:
    """The first non-empty docstring of ``name`` along ``cls``'s MRO (``cls`` excluded)."""
    try:
        parents = cls.mro()
    except (griffe.AliasResolutionError, griffe.CyclicAliasError, ValueError):
        return None
    for parent in parents:
        found = parent.members.get(name)
        if found is None:
            continue
        try:
            docstring = found.docstring
        except griffe.AliasResolutionError:
            continue
        if docstring is not None and docstring.value.strip():
            return docstring
    return None


def _undocumented(obj: Any) -> bool:
    try:
        docstring = obj.docstring
    except griffe.AliasResolutionError:
        return False
    return docstring is None or not docstring.value.strip()


def _inherit_docstrings(cls: griffe.Class) -> None:
    for name, member in list(cls.members.items()):
        if not member.is_alias and _undocumented(member):
            member.docstring = _docstring_along_mro(cls, name)
    try:
        inherited = dict(cls.inherited_members)
    except (griffe.AliasResolutionError, griffe.CyclicAliasError, ValueError):
        return
    for name, alias in inherited.items():
        if not _undocumented(alias):
            continue
        docstring = _docstring_along_mro(cls, name)
        if docstring is None:
            continue
        # Inherited from a class whose member has no docstring (a mixin):
        # this class gets its own copy, documented with the MRO's docstring,
        # so the mixin and its other users are left as they are.
        own = copy.copy(alias.final_target)
        own.docstring = docstring
        cls.set_member(name, own)


class BufferDocstrings(griffe.Extension):
    """Rewrite every docstring of a loaded package, then inherit the missing ones."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:  # noqa: ARG002  # griffe's hook
        objects = list(self._objects(pkg))
        for obj in objects:
            # Resolved where each docstring is written, before any is shared.
            if obj.docstring is not None:
                obj.docstring.value = rewrite(obj.docstring.value, obj)
        for obj in objects:
            if isinstance(obj, griffe.Class):
                _inherit_docstrings(obj)

    def _objects(self, obj: griffe.Object) -> Iterator[griffe.Object]:
        yield obj
        for member in obj.members.values():
            if isinstance(member, griffe.Object):  # aliases are documented where they point
                yield from self._objects(member)
