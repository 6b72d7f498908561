"""Everything a maintainer runs: tests, benchmarks, images, lint, releases.

Run ``nox -l`` for the list. Each package is installed from its own
directory into the session's virtualenv; nothing relies on PYTHONPATH.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests"]
# A Python that is not installed is reported ("Missing interpreters") and
# skipped, also on CI: the machine decides which of 3.11-3.13 run.
nox.options.error_on_missing_interpreters = False

ROOT = Path(__file__).parent
PACKAGES = ROOT / "packages"
PYTHONS = ["3.11", "3.12", "3.13"]


def _add_pyenv_pythons_to_path() -> None:
    """Let nox find interpreters installed by pyenv but not on PATH."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if not versions.is_dir():
        return
    found = sorted(versions.glob("3.*/bin"), reverse=True)
    extra = [str(p) for p in found if p.parent.name.rsplit(".", 1)[0] in PYTHONS]
    os.environ["PATH"] = os.pathsep.join([*os.environ.get("PATH", "").split(os.pathsep), *extra])


_add_pyenv_pythons_to_path()


def install_packages(session: nox.Session, *specs: str) -> None:
    """Install packages of this repository from their directories, e.g. ``buffer-cpu[test]``."""
    paths = []
    for spec in specs:
        name, _, extras = spec.partition("[")
        paths.append(f"{PACKAGES / name}{'[' + extras if extras else ''}")
    session.install(*paths)


# --- tests -------------------------------------------------------------------------------------


@nox.session(python=PYTHONS)
@nox.parametrize("package", ["buffer-core", "buffer-cpu"])
def tests(session: nox.Session, package: str) -> None:
    """Run one package's CPU test suite (every package and Python by default)."""
    if package == "buffer-core":
        install_packages(session, "buffer-core[testing]")
        session.install("pytest-cov")
        session.run("pytest", "packages/buffer-core/tests", *session.posargs)
    else:
        install_packages(session, "buffer-core[testing]", "buffer-cpu")
        session.install("pytest-cov", "pytest-benchmark")
        session.run(
            "pytest",
            "packages/buffer-cpu/tests",
            "--cov=buffer_core",
            "--cov=buffer_cpu",
            "--cov-report=term-missing:skip-covered",
            "--cov-fail-under=95",
            *session.posargs,
        )
