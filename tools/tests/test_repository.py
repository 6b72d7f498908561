"""Repository hygiene that no linter sees: one LICENSE everywhere, one version per tool."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
from monorepo.packages import ROOT, discover, normalize

# The installable projects: the packages and the tool projects beside tools/monorepo.
PROJECTS = sorted(
    [pkg.path for pkg in discover(ROOT).values()]
    + [p.parent for p in (ROOT / "tools").glob("*/pyproject.toml")]
)

# Each hook repository of .pre-commit-config.yaml and the noxfile pin it must match.
HOOK_PINS = {
    "https://github.com/astral-sh/ruff-pre-commit": "RUFF",
    "https://github.com/pre-commit/mirrors-mypy": "MYPY",
    "https://github.com/codespell-project/codespell": "CODESPELL",
    "https://github.com/rvben/rumdl-pre-commit": "RUMDL",
    "https://github.com/python-jsonschema/check-jsonschema": "CHECK_JSONSCHEMA",
    "https://github.com/zizmorcore/zizmor-pre-commit": "ZIZMOR",
}
_REPO_REV = re.compile(r"^\s*- repo: (?P<repo>\S+)\n\s+rev: \"?(?P<rev>[^\s\"]+)\"?$", re.MULTILINE)


def noxfile_pins() -> dict[str, str]:
    """The noxfile's module-level ``NAME = "dist==version"`` pins, by name."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    pins = {}
    for node in tree.body:
        match node:
            case ast.Assign(targets=[ast.Name(id=name)], value=ast.Constant(value=str(value))):
                if "==" in value:
                    pins[name] = value
    return pins


def hook_revs() -> dict[str, str]:
    """Each remote hook repository's ``rev`` in .pre-commit-config.yaml."""
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    return {m["repo"]: m["rev"] for m in _REPO_REV.finditer(config)}


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_each_project_holds_the_root_license_and_names_it(project: Path) -> None:
    """Every sdist and wheel is built with the same MIT text as the root's LICENSE."""
    assert (project / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["license"] == "MIT"
    assert meta["license-files"] == ["LICENSE"]


def test_the_license_is_mit_for_the_buffers_developers() -> None:
    """The LICENSE matches what every pyproject declares, with the agreed holder."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) \d{4} The buffers developers$", text, re.MULTILINE)


@pytest.mark.parametrize(("repo", "pin_name"), sorted(HOOK_PINS.items()))
def test_pre_commit_runs_the_version_nox_lint_installs(repo: str, pin_name: str) -> None:
    """A hook rev and the noxfile pin of the same tool agree, so both runs judge alike."""
    revs = hook_revs()
    assert repo in revs, f"{repo} is not a hook repository of .pre-commit-config.yaml"
    pin = noxfile_pins()[pin_name]
    assert revs[repo].removeprefix("v") == pin.split("==", 1)[1]


def test_the_local_hadolint_hook_pins_the_noxfile_version() -> None:
    """hadolint has no hook repository of its own: its local hook pins the same wheel."""
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert f'additional_dependencies: ["{noxfile_pins()["HADOLINT"]}"]' in config


def test_every_remote_hook_repository_is_pinned_to_a_release() -> None:
    """Revs are release tags, not branches, so a hook cannot change under a clone."""
    revs = hook_revs()
    assert revs, "no remote hook repositories found in .pre-commit-config.yaml"
    for repo, rev in revs.items():
        assert re.fullmatch(r"v?\d+(\.\d+)+", rev), f"{repo}: rev {rev!r} is not a release tag"


def _mypy_hook_list(key: str) -> list[str]:
    """One flow-style list (``args`` or ``additional_dependencies``) of the mypy hook."""
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    hook = config.split("- id: mypy\n", 1)[1].split("\n  - repo:", 1)[0]
    match = re.search(rf"^\s+{key}: \[(.*)\]$", hook, re.MULTILINE)
    assert match, f"the mypy hook has no one-line {key} list"
    return [item.strip().strip('"') for item in match.group(1).split(",")]


def _requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, f"not a requirement: {requirement!r}"
    return normalize(match.group())


def test_the_mypy_hook_checks_every_source_folder_that_nox_typecheck_checks() -> None:
    """A new package or tool project is type-checked by pre-commit as well."""
    expected = sorted(
        [str((project / "src").relative_to(ROOT)) for project in PROJECTS] + ["tools/monorepo"]
    )
    args = _mypy_hook_list("args")
    assert args[0] == "--config-file=pyproject.toml"
    assert sorted(args[1:]) == expected


def test_the_mypy_hook_installs_every_typed_third_party_import() -> None:
    """Each dependency and extra of a package (tool projects: their dependencies and pytest,
    as `nox -s typecheck` installs them) is in the hook's environment, CuPy excepted."""
    packages = discover(ROOT)
    needed = {"pytest"}
    for pkg in packages.values():
        meta = tomllib.loads((pkg.path / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        extras = [r for reqs in meta.get("optional-dependencies", {}).values() for r in reqs]
        needed |= {_requirement_name(r) for r in [*meta.get("dependencies", []), *extras]}
    for pyproject in (ROOT / "tools").glob("*/pyproject.toml"):
        meta = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        needed |= {_requirement_name(r) for r in meta.get("dependencies", [])}
    # CuPy has no type information (its imports are Any either way), and the
    # in-repository packages are read from their folders.
    needed = {n for n in needed if not n.startswith("cupy-") and n not in packages}
    installed = {_requirement_name(r) for r in _mypy_hook_list("additional_dependencies")}
    assert sorted(needed - installed) == []


def _session_defaults() -> dict[str, bool]:
    """Each session of the noxfile (its name) and whether `nox` alone runs it."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    defaults = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            match target:
                case ast.Attribute(value=ast.Name(id="nox"), attr="session"):
                    keywords = {k.arg: k.value for k in call.keywords} if call else {}
                    name = ast.literal_eval(keywords["name"]) if "name" in keywords else node.name
                    default = keywords.get("default")
                    defaults[name] = True if default is None else ast.literal_eval(default)
    return defaults


def test_nox_alone_runs_only_the_tests_session() -> None:
    """`nox` with no -s runs the package suites (which queue tests-zarr and tests-benchkit):
    every other session, a new one too, says default=False."""
    defaults = _session_defaults()
    assert {"tests", "lint", "build"} <= defaults.keys()
    assert sorted(name for name, default in defaults.items() if default) == ["tests"]
