"""Which packages a change touches, plus everything that depends on them.

CI runs a package's sessions only when this lists it::

    python -m monorepo.affected --base origin/main      # prints a JSON list

A file inside ``packages/<name>/`` touches that package; documentation at the
root and benchmark history touch nothing; any other file (the noxfile, shared
configuration, tools, workflows) can change how every package is checked, so it
touches all of them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from monorepo.packages import ROOT, Package, dependents_closure, discover

_TOUCHES_NOTHING_PREFIXES = ("bench-results/",)


def touched_packages(packages: dict[str, Package], changed_files: Iterable[str]) -> set[str]:
    """The packages ``changed_files`` (paths relative to the root) touch, dependents included."""
    folders = {pkg.path.relative_to(ROOT).as_posix(): name for name, pkg in packages.items()}
    direct: set[str] = set()
    for file in changed_files:
        path = PurePosixPath(file)
        if file.startswith(_TOUCHES_NOTHING_PREFIXES) or (
            len(path.parts) == 1 and path.suffix == ".md"
        ):
            continue
        owner = next(
            (name for folder, name in folders.items() if path.is_relative_to(folder)), None
        )
        if owner is None:
            return set(packages)
        direct.add(owner)
    return dependents_closure(packages, direct)


def changed_files(base: str) -> list[str]:
    """Files that differ between the merge base of ``base`` and HEAD, and the work tree."""
    result = subprocess.run(
        ["git", "diff", "--name-only", f"{base}...HEAD"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return [line for line in result.stdout.splitlines() if line]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base", help="git ref to compare HEAD with; omitted: every package")
    args = parser.parse_args(argv)
    packages = discover()
    names = (
        set(packages) if args.base is None else touched_packages(packages, changed_files(args.base))
    )
    json.dump(sorted(names), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
