"""The zarr workloads of test_zarr_workloads.py timed ours and zarr's in turn, round by round.

    python packages/buffer-cpu/benchmarks/compare_zarr_workloads.py [--rounds N] [FILTER ...]

pytest-benchmark times one side's rounds, then the other's: on a shared,
busy machine the load changes in between and the ratio with it. Here every
round times both sides on the same workload, one after the other (taking
turns at going first), so both meet the same load; the table gives the median ratio and both medians. FILTERs are
substrings the case (``write_dense memory zstd``) must all contain. It records
nothing: ``nox -s bench`` is the record, this is the cross-check.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, this folder is on sys.path.
from profile_zarr_workloads import READS, WRITES, load_workloads
from zarr_ratios import in_words


def time_case(w: Any, data: dict[str, Any], case: tuple[str, str, str], rounds: int) -> str:
    """One table cell: the median ratio (ours / zarr) in words and both medians."""
    workload, store, codec = case
    zarr = w.zarr
    sharded = workload in {"write_sharded", "read_sharded_partial"}
    scratch = Path(tempfile.mkdtemp(prefix="zarr-compare-"))
    selection = {
        "read_full": Ellipsis,
        "read_region": w.REGION,
        "read_sharded_partial": w.SHARD_REGION,
    }.get(workload)
    try:
        source = None
        if workload in READS:
            source = w.create_array(w.open_store(store, scratch / "source"), codec, sharded=sharded)
            source[...] = data["dense"]
        value = data["mostly_empty"] if workload == "write_mostly_empty" else data["dense"]
        times: dict[str, list[float]] = {impl: [] for impl in w.IMPLS}
        for number in range(rounds + 1):  # the first round warms up, untimed
            # Who goes second finds caches warmed by the first: take turns.
            for impl in w.IMPLS if number % 2 else reversed(w.IMPLS):
                with zarr.config.set(w.BUFFER_CONFIG[impl]):
                    if source is None:
                        path = scratch / f"{impl}-{number}"
                        array = w.create_array(w.open_store(store, path), codec, sharded=sharded)
                        start = time.perf_counter()
                        array[...] = value
                    else:
                        start = time.perf_counter()
                        source[selection]
                    elapsed = time.perf_counter() - start
                    if source is None:
                        shutil.rmtree(path, ignore_errors=True)
                if number:
                    times[impl].append(elapsed)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ratios = [o / z for o, z in zip(times["ours"], times["zarr"], strict=True)]
    ours_ms, zarr_ms = (statistics.median(times[i]) * 1e3 for i in ("ours", "zarr"))
    return f"{in_words(statistics.median(ratios))} ({ours_ms:.0f} / {zarr_ms:.0f} ms)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("filters", nargs="*", help="substrings every case contains")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per side")
    args = parser.parse_args()
    w = load_workloads()
    dense = w.make_dense()
    data = {"dense": dense, "mostly_empty": w.make_mostly_empty(dense)}
    variants = [(store, codec) for store in w.STORES for codec in w.CODECS]
    print("median of per-round ratios, ours / zarr's buffers, in words (medians in ms)\n")
    print("| workload | " + " | ".join(f"{s}, {c}" for s, c in variants) + " |")
    print("|---" * (len(variants) + 1) + "|")
    for workload in WRITES + READS:
        cells = []
        for store, codec in variants:
            case = (workload, store, codec)
            if all(f in " ".join(case) for f in args.filters):
                cells.append(time_case(w, data, case, args.rounds))
            else:
                cells.append("-")
        if any(cell != "-" for cell in cells):
            print(f"| {workload} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
