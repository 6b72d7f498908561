"""dask and distributed stay an extra: never a runtime requirement, never imported by buffer_cpu."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import PackageNotFoundError, requires

from packaging.requirements import Requirement

DASK_DISTRIBUTIONS = {"dask", "distributed"}


def _run(script: str) -> subprocess.CompletedProcess[str]:
    # A fresh interpreter: what an import pulls in is only observable from a clean start.
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _requirements(distribution: str, extra: str = "") -> set[str]:
    """Names ``distribution`` requires, with ``extra`` (or none), and what those require."""
    seen: set[str] = set()
    pending = [(distribution, extra)]
    while pending:
        name, wanted = pending.pop()
        try:
            listed = requires(name) or []
        except PackageNotFoundError:
            continue  # required but not installed here: its own requirements are unknown
        for line in listed:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate(
                {"extra": wanted}
            ):
                continue
            found = requirement.name.lower()
            if found not in seen:
                seen.add(found)
                pending.append((found, ""))
    return seen


def test_runtime_requirements_have_no_dask() -> None:
    """`pip install buffer-cpu` pulls neither dask nor distributed, directly or through a dependency."""
    needed = _requirements("buffer-cpu")
    assert "buffer-core" in needed
    assert not needed & DASK_DISTRIBUTIONS, sorted(needed)


def test_dask_extra_lists_dask_distributed_and_zarr() -> None:
    """The `dask` extra is where they are: `pip install 'buffer-cpu[dask]'` brings all three."""
    direct = set()
    for line in requires("buffer-cpu") or []:
        requirement = Requirement(line)
        if requirement.marker is not None and requirement.marker.evaluate({"extra": "dask"}):
            direct.add(requirement.name.lower())
    assert direct == DASK_DISTRIBUTIONS | {"zarr"}


def test_import_buffer_cpu_does_not_import_dask() -> None:
    """Importing buffer_cpu and its prototype never imports dask or distributed."""
    result = _run(
        """
        import sys
        import buffer_cpu
        buffer_cpu.NDBuffer.create(shape=(2,), dtype="f8")
        found = sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed"))
        assert not found, found
        """
    )
    assert result.returncode == 0, result.stderr


def test_dask_module_without_distributed_names_the_extra() -> None:
    """Without distributed, importing buffer_cpu.dask raises ImportError naming buffer-cpu[dask]."""
    # None in sys.modules is Python's own mark of a module that cannot be
    # imported: the real import machinery runs, installed or not.
    result = _run(
        """
        import sys
        sys.modules["distributed"] = None
        try:
            import buffer_cpu.dask
        except ImportError as error:
            print(error)
            print(error.name)
        else:
            raise SystemExit("buffer_cpu.dask imported without distributed")
        """
    )
    assert result.returncode == 0, result.stderr
    message, name = result.stdout.strip().splitlines()
    assert "pip install 'buffer-cpu[dask]'" in message
    assert "distributed is not installed" in message
    assert name == "distributed"
