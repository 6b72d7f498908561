"""Print the end-to-end ratio table (zarr's buffers / ours) of one recorded run.

    python packages/buffer-cpu/benchmarks/zarr_ratios.py [--ms] [RUN_FILE_OR_DIR]

RUN_FILE_OR_DIR is a pytest-benchmark JSON file (``--benchmark-json``) or a
``bench-results`` folder; for a folder, the newest ``buffer-cpu.json`` in it
is used. Medians of ``test_zarr_workloads.py``; a ratio above 1 means ours
is faster; ``--ms`` adds both medians. Markdown, so it pastes into the README
as it is.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

# Workloads in the order of the README table, and how their groups start.
WORKLOADS = [
    ("write, dense", "zarr write, dense, "),
    ("write, mostly empty", "zarr write, mostly empty, "),
    ("write, sharded", "zarr write, sharded, "),
    ("read, full", "zarr read, full, "),
    ("read, region", "zarr read, region, "),
    ("read, sharded partial", "zarr read, sharded partial, "),
]


def newest_run_file(path: Path) -> Path:
    if path.is_file():
        return path
    # Run folders are named <UTC time>-<commit>-..., so the name sorts by time.
    found = sorted(path.glob("*/*/buffer-cpu.json"), key=lambda p: p.parent.name)
    if not found:
        sys.exit(f"RUN_FILE_OR_DIR: no */*/buffer-cpu.json under {path}")
    return found[-1]


def medians(raw: dict[str, Any]) -> dict[tuple[str, str], dict[str, float]]:
    """(workload, "store, codec") -> impl -> median seconds."""
    found: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for entry in raw.get("benchmarks", []):
        group = entry.get("group") or ""
        impl = (entry.get("extra_info") or {}).get("impl")
        for label, prefix in WORKLOADS:
            if group.startswith(prefix) and impl:
                found[label, group.removeprefix(prefix)][impl] = entry["stats"]["median"]
    return found


def table(raw: dict[str, Any], *, with_ms: bool = False) -> str:
    found = medians(raw)
    variants = sorted({variant for _, variant in found}, key=_variant_order)
    lines = [
        "| workload | " + " | ".join(variants) + " |",
        "|---" * (len(variants) + 1) + "|",
    ]
    for label, _ in WORKLOADS:
        cells = []
        for variant in variants:
            sides = found.get((label, variant), {})
            if "zarr" in sides and "ours" in sides and sides["ours"] > 0:
                cell = f"{sides['zarr'] / sides['ours']:.2f}x"
                if with_ms:
                    cell += f" ({sides['zarr'] * 1e3:.0f} / {sides['ours'] * 1e3:.0f} ms)"
                cells.append(cell)
            else:
                cells.append("-")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _variant_order(variant: str) -> tuple[int, int, str]:
    store, _, codec = variant.partition(", ")
    stores, codecs = ["memory", "local"], ["none", "zstd", "blosc"]
    return (
        stores.index(store) if store in stores else 9,
        codecs.index(codec) if codec in codecs else 9,
        variant,
    )


def main(argv: list[str]) -> None:
    with_ms = "--ms" in argv
    args = [a for a in argv if a != "--ms"]
    path = newest_run_file(Path(args[0] if args else "bench-results"))
    raw = json.loads(path.read_text(encoding="utf-8"))
    machine = raw.get("machine_info") or {}
    cpu = (machine.get("cpu") or {}).get("brand_raw", "unknown CPU")
    print(f"{path}: {cpu}; median with zarr's buffers / median with ours")
    print()
    print(table(raw, with_ms=with_ms))


if __name__ == "__main__":
    main(sys.argv[1:])
