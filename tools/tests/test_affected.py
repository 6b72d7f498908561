"""monorepo.affected: a change runs the packages it touches and their dependents."""

from __future__ import annotations

import pytest
from monorepo.affected import touched_packages
from monorepo.packages import ROOT, Package


def package(name: str, *deps: str) -> Package:
    return Package(name, ROOT / "packages" / name, "0.1.0", deps, ())


PACKAGES = {
    "buffer-core": package("buffer-core", "numpy>=2.0"),
    "buffer-cpu": package("buffer-cpu", "buffer-core>=0.1.0,<0.2", "numpy>=2.0"),
    "buffer-gpu": package("buffer-gpu", "buffer_core>=0.1"),
}


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (["packages/buffer-core/src/buffer_core/_buffer.py"], PACKAGES.keys()),
        (["packages/buffer-cpu/tests/test_x.py"], {"buffer-cpu"}),
        (
            ["packages/buffer-gpu/README.md", "packages/buffer-cpu/CHANGELOG.md"],
            {"buffer-cpu", "buffer-gpu"},
        ),
        (["README.md", "bench-results/cpu/run.json"], set()),
        (["noxfile.py"], PACKAGES.keys()),
        ([".github/workflows/ci.yml", "packages/buffer-cpu/x.py"], PACKAGES.keys()),
    ],
)
def test_touched_packages(files: list[str], expected: set[str]) -> None:
    assert touched_packages(PACKAGES, files) == set(expected)


def test_a_folder_sharing_a_package_prefix_is_not_that_package_so_runs_all() -> None:
    # packages/buffer-cpu-extra is not inside packages/buffer-cpu: an unknown folder.
    assert touched_packages(PACKAGES, ["packages/buffer-cpu-extra/x.py"]) == set(PACKAGES)
