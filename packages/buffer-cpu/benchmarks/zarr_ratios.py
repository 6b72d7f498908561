"""Print the end-to-end ratio table (ours / zarr's buffers) of recorded runs, in words.

    python packages/buffer-cpu/benchmarks/zarr_ratios.py [--ms] [RUN_FILE_OR_DIR ...]

RUN_FILE_OR_DIR is a pytest-benchmark JSON file (``--benchmark-json``) or a
``bench-results`` folder; for a folder, the newest ``buffer-cpu.json`` in it
is used. Each cell is the median time of ours divided by the median time with
zarr's buffers for one workload of ``test_zarr_workloads.py``, the convention of
the dashboard and ``bench-compare``, said in words: 0.77 prints "1.30x faster",
1.10 prints "1.10x slower". Given several runs, a cell is the median of their
ratios. ``--ms`` adds both medians (of one run only). Markdown, so it pastes
into the README as it is.
"""

from __future__ import annotations

import json
import statistics
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


def in_words(ratio: float) -> str:
    """Time ours / time zarr's as the README says it: "1.30x faster", "1.10x slower"."""
    if ratio <= 0:
        msg = f"ratio must be a positive time ratio, got {ratio!r}"
        raise ValueError(msg)
    factor = 1 / ratio if ratio < 1 else ratio
    # Rounded to 1.00 the number cannot say which side is faster: say neither.
    if f"{factor:.2f}" == "1.00":
        return "same (1.00x)"
    return f"{factor:.2f}x {'faster' if ratio < 1 else 'slower'}"


def table(runs: list[dict[str, Any]], *, with_ms: bool = False) -> str:
    found = [medians(raw) for raw in runs]
    variants = sorted({variant for run in found for _, variant in run}, key=_variant_order)
    lines = [
        "| workload | " + " | ".join(variants) + " |",
        "|---" * (len(variants) + 1) + "|",
    ]
    for label, _ in WORKLOADS:
        cells = []
        for variant in variants:
            ratios = [
                sides["ours"] / sides["zarr"]
                for run in found
                if "zarr" in (sides := run.get((label, variant), {}))
                and "ours" in sides
                and sides["zarr"] > 0
                and sides["ours"] > 0
            ]
            if not ratios:
                cells.append("-")
                continue
            cell = in_words(statistics.median(ratios))
            if with_ms and len(found) == 1:
                sides = found[0][label, variant]
                cell += f" ({sides['ours'] * 1e3:.0f} / {sides['zarr'] * 1e3:.0f} ms)"
            cells.append(cell)
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
    paths = [newest_run_file(Path(arg)) for arg in args or ["bench-results"]]
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    for path, raw in zip(paths, runs, strict=True):
        machine = raw.get("machine_info") or {}
        cpu = (machine.get("cpu") or {}).get("brand_raw", "unknown CPU")
        print(f"{path}: {cpu}")
    print("median time with ours / median time with zarr's buffers, in words")
    print()
    print(table(runs, with_ms=with_ms))


if __name__ == "__main__":
    main(sys.argv[1:])
