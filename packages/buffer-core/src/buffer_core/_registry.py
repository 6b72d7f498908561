"""Which implementation new buffers come from: named prototypes and the default."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.metadata import EntryPoint, entry_points
from typing import cast

from buffer_core._errors import describe
from buffer_core._prototype import BufferPrototype

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENVIRONMENT_VARIABLE",
    "default_buffer_prototype",
    "get_prototype",
    "register_prototype",
    "registered_prototypes",
    "set_default_prototype",
    "use_prototype",
]

#: Entry-point group under which implementations register their prototype.
ENTRY_POINT_GROUP = "buffer_core.prototypes"
#: Environment variable naming the default prototype.
ENVIRONMENT_VARIABLE = "BUFFER_PROTOTYPE"
_FALLBACK = "cpu"

_lock = threading.Lock()
_registered: dict[str, BufferPrototype] = {}
_process_default: str | None = None
_context_default: ContextVar[str | None] = ContextVar("buffer_prototype", default=None)


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def registered_prototypes() -> tuple[str, ...]:
    """The names of every prototype that can be looked up, sorted."""
    with _lock:
        names = set(_registered)
    return tuple(sorted(names | set(_entry_points())))


def register_prototype(name: str, prototype: BufferPrototype) -> None:
    """Register ``prototype`` under ``name``, replacing any earlier one.

    Installed packages register through the ``buffer_core.prototypes``
    entry-point group instead; this is for prototypes defined at run time.
    """
    # Runtime checks for callers without a type checker.
    if not isinstance(cast("object", name), str) or not name:
        msg = f"name: expected a non-empty str, got {describe(name)}"
        raise TypeError(msg)
    if not isinstance(cast("object", prototype), BufferPrototype):
        msg = f"prototype: expected a BufferPrototype, got {describe(prototype)}"
        raise TypeError(msg)
    with _lock:
        _registered[name] = prototype


def get_prototype(name: str) -> BufferPrototype:
    """Return the prototype registered under ``name``.

    Raises
    ------
    ValueError
        If no prototype has that name; the message lists the known names.
    """
    if not isinstance(cast("object", name), str):
        msg = f"name: expected a str, got {describe(name)}"
        raise TypeError(msg)
    with _lock:
        found = _registered.get(name)
    if found is not None:
        return found
    entry_point = _entry_points().get(name)
    if entry_point is None:
        known = ", ".join(repr(n) for n in registered_prototypes()) or "none are installed"
        msg = f"unknown buffer prototype {name!r}; known prototypes: {known}"
        raise ValueError(msg)
    prototype: object = entry_point.load()
    if not isinstance(prototype, BufferPrototype):
        msg = (
            f"entry point {entry_point.value!r} ({ENTRY_POINT_GROUP}:{name}) must name a "
            f"BufferPrototype, got {describe(prototype)}"
        )
        raise TypeError(msg)
    with _lock:
        _registered.setdefault(name, prototype)
    return prototype


def set_default_prototype(name: str | None) -> None:
    """Make ``name`` the process-wide default prototype (``None`` restores the default).

    The name is resolved at once, so a typo fails here rather than at the
    first allocation.
    """
    global _process_default  # noqa: PLW0603  # the one piece of process state
    if name is not None:
        get_prototype(name)
    _process_default = name


@contextmanager
def use_prototype(name: str) -> Iterator[BufferPrototype]:
    """Make ``name`` the default prototype inside a ``with`` block.

    The choice is local to the current thread or asyncio task.
    """
    prototype = get_prototype(name)
    token = _context_default.set(name)
    try:
        yield prototype
    finally:
        _context_default.reset(token)


def default_buffer_prototype() -> BufferPrototype:
    """The prototype to allocate with when the caller names none.

    The first that is set wins: :func:`use_prototype`, then
    :func:`set_default_prototype`, then the ``BUFFER_PROTOTYPE`` environment
    variable, then ``"cpu"``.
    """
    name = (
        _context_default.get()
        or _process_default
        or os.environ.get(ENVIRONMENT_VARIABLE)
        or _FALLBACK
    )
    return get_prototype(name)
