"""The CuPy API buffer-gpu relies on exists in the installed CuPy, and is used through one module.

Runs without a device: CuPy's modules, classes and signatures import and can
be inspected on any Linux machine. ``nox -s tests-cupy`` runs this against
each supported CuPy line (13 and 14) in its own virtualenv.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from buffer_gpu._cupy import CUPY_API, ApiUse

cupy = pytest.importorskip("cupy", reason="needs CuPy installed (buffer-gpu[cuda12] or [cuda13])")

SOURCE = Path(__file__).parents[1] / "src" / "buffer_gpu"
# Classes whose members the package calls on objects CuPy hands back.
MEMBER_CLASSES = {
    "ndarray": "ndarray",
    "Stream": "cuda.Stream",
    "Event": "cuda.Event",
    "MemoryPointer": "cuda.MemoryPointer",
    "PinnedMemoryPointer": "cuda.PinnedMemoryPointer",
    "Device": "cuda.Device",
    "PointerAttributes": "cuda.runtime.PointerAttributes",
}
PROTOCOLS = {"__cuda_array_interface__", "__dlpack__", "__dlpack_device__"}
# Attribute names the source uses on NumPy arrays and scalars only, never on a
# CuPy object, that happen to be members of cupy.ndarray too.
HOST_ONLY = {"ctypes", "item", "tobytes", "T", "real", "imag", "itemsize"}


# Attributes set per instance (not visible on the class), read from one made without a device.
INSTANCES = {
    "cuda.Stream": lambda: cupy.cuda.Stream.null,
    "cuda.runtime.CUDARuntimeError": lambda: cupy.cuda.runtime.CUDARuntimeError(100),
}


def _resolve(path: str) -> Any:
    value: Any = cupy
    parts = path.split(".")
    for index, part in enumerate(parts):
        owner = ".".join(parts[:index])
        if not hasattr(value, part) and owner in INSTANCES:
            value = INSTANCES[owner]()
        value = getattr(value, part)
    return value


def _embedded_signature(function: Any) -> inspect.Signature | None:
    """The signature Cython embeds as the docstring's first line (``f(intptr_t dst, ...)``)."""
    first = (getattr(function, "__doc__", None) or "").strip().splitlines()[:1]
    match = re.match(r"^[\w.]+\((.*)\)(\s*->.*)?$", first[0]) if first else None
    if match is None:
        return None
    parameters = []
    # Sphinx escapes the keyword-only marker in docstrings: "\\*".
    for raw in filter(None, (p.strip().replace("\\*", "*") for p in match.group(1).split(","))):
        if raw in ("*", "/") or raw.startswith("*"):
            parameters.append(raw)
            continue
        name, default = ([*raw.split("=", 1), None])[:2]
        declared = name.split()[-1]  # "intptr_t dst" -> "dst"
        parameters.append(declared if default is None else f"{declared}=None")
    namespace: dict[str, Any] = {}
    exec(f"def f({', '.join(parameters)}): pass", namespace)  # noqa: S102  # a signature only
    return inspect.signature(namespace["f"])


def _signature(function: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        pass
    if inspect.isclass(function):
        # Extension types document their constructor on the class: "Device(device=None)".
        for candidate in (function.__init__, function):
            found = _embedded_signature(candidate)
            if found is not None:
                return found
        return None
    return _embedded_signature(function)


@pytest.mark.parametrize("use", CUPY_API, ids=lambda use: f"{use.path}/{use.args}/{use.kwargs}")
def test_cupy_has_what_buffer_gpu_uses(use: ApiUse) -> None:
    """Each CuPy name exists, and where CuPy's signature can be read, takes the code's arguments."""
    value = _resolve(use.path)
    if use.args is None:
        return
    assert callable(value), f"cupy.{use.path} is not callable"
    signature = _signature(value)
    if signature is None:
        pytest.skip(f"cupy.{use.path} has no inspectable signature; its existence was checked")
    parameters = list(signature.parameters)
    # Unbound methods and __init__ take self first; the code calls them bound.
    bound = 1 if parameters[:1] == ["self"] else 0
    try:
        signature.bind(*([None] * (use.args + bound)), **dict.fromkeys(use.kwargs))
    except TypeError as error:
        pytest.fail(f"cupy.{use.path}{signature} does not take the code's call: {error}")


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SOURCE.glob("*.py")):
        yield path.name, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_only_the_cupy_module_reaches_cupy() -> None:
    """No module but _cupy.py imports CuPy or the lazily imported module object."""
    offenders = []
    for name, tree in _modules():
        if name == "_cupy.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = [module] if module.split(".")[0] in ("cupy", "cupyx") else []
                if module == "buffer_gpu._cupy":
                    # Private names of _cupy (the module object, its importer) stay there.
                    names += [f"_cupy.{a.name}" for a in node.names if a.name.startswith("_")]
            else:
                continue
            offenders += [
                f"{name}:{node.lineno} {n}"
                for n in names
                if n.split(".")[0] in ("cupy", "cupyx") or n.startswith("_cupy.")
            ]
    assert offenders == []


def test_every_cupy_member_the_source_uses_is_listed() -> None:
    """An attribute of CuPy's arrays, streams or memory used in the source is in CUPY_API.

    This keeps the list complete: a new method call on a CuPy array fails
    here until it is added, and then the contract test checks it.
    """
    listed = {use.path for use in CUPY_API}
    used: set[str] = set()
    for _, tree in _modules():
        # np.prod, math.prod: a module's namespace, not a member of anything.
        modules = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        used |= {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and not (isinstance(node.value, ast.Name) and node.value.id in modules)
        }
    missing = []
    for path in MEMBER_CLASSES.values():
        members = {m for m in dir(_resolve(path)) if not m.startswith("_") or m in PROTOCOLS}
        missing += [
            f"{path}.{attr}"
            for attr in sorted((used & members) - HOST_ONLY)
            if f"{path}.{attr}" not in listed and not _listed_elsewhere(attr, path, listed)
        ]
    assert missing == []


def _listed_elsewhere(attr: str, path: str, listed: set[str]) -> bool:
    """Whether ``attr`` is listed for another of the classes (names like ``ptr`` are shared).

    The AST cannot tell which object an attribute is read from, so a name is
    covered once it is listed for any class that has it; ``ndarray`` names
    must be listed under ``ndarray`` itself, the class most code touches.
    """
    if path == "ndarray":
        return False
    return any(f"{other}.{attr}" in listed for other in MEMBER_CLASSES.values() if other != path)
