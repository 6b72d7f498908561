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
from buffer_core._prototype import BufferPrototype, check_prototype

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
# The packages of this project that provide each prototype name, for the hint
# when one is asked for but not installed.
_PROVIDERS = {"cpu": "buffer-cpu", "gpu": "buffer-gpu"}

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
    check_prototype(prototype)
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
        raise _unknown(name, "name")
    prototype: object = entry_point.load()
    try:
        check_prototype(prototype)
    except TypeError as error:
        msg = (
            f"name: the entry point {entry_point.value!r} ({ENTRY_POINT_GROUP}:{name}) must "
            f"name a BufferPrototype of Buffer and NDBuffer classes ({error})"
        )
        raise TypeError(msg) from None
    with _lock:
        _registered.setdefault(name, cast("BufferPrototype", prototype))
    return cast("BufferPrototype", prototype)


def _unknown(name: str, source: str) -> ValueError:
    known = ", ".join(repr(n) for n in registered_prototypes()) or "none are installed"
    provider = _PROVIDERS.get(name)
    hint = f"; {name!r} comes with {provider} (pip install {provider})" if provider else ""
    return ValueError(
        f"{source}: unknown buffer prototype {name!r}{hint}; known prototypes: {known}"
    )


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

    Raises
    ------
    ValueError
        If the environment variable (or the fallback ``"cpu"``) names a
        prototype that is not installed; the message starts with
        ``BUFFER_PROTOTYPE:`` and names the package that provides it.
    """
    name = _context_default.get() or _process_default
    if name is not None:
        return get_prototype(name)
    name = os.environ.get(ENVIRONMENT_VARIABLE) or _FALLBACK
    with _lock:
        found = _registered.get(name)
    if found is not None:
        return found
    if name not in _entry_points():
        # Name the variable: the caller never passed this name in code.
        raise _unknown(name, ENVIRONMENT_VARIABLE)
    return get_prototype(name)
