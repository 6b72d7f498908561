"""Where the zarr workloads of test_zarr_workloads.py spend their time, by py-spy.

    python packages/buffer-cpu/benchmarks/profile_zarr_workloads.py [--seconds S] [--top N] [FILTER ...]

Each case (workload, store, codec, impl; FILTERs are substrings its id must all
contain, e.g. ``write_dense memory``) runs in a child process that prepares
its array, then repeats the workload for S seconds while py-spy samples every
thread of it (zarr runs its event loop and codecs off the main thread, which
cProfile cannot see). Needs ``pip install py-spy`` and permission to ptrace
the child (root, or ``kernel.yama.ptrace_scope=0``).

For each case it prints the share of sampled CPU time spent inside buffer
code, ours (``buffer_cpu``/``buffer_core``) and zarr's (``zarr.core.buffer``),
counted inclusively (NumPy calls made from buffer code count as buffer time),
and the functions where most samples end (self time).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WRITES = ["write_dense", "write_mostly_empty", "write_sharded"]
READS = ["read_full", "read_region", "read_sharded_partial"]
OURS_PREFIXES = ("buffer_cpu/", "buffer_core/")
ZARR_BUFFER_PREFIXES = ("zarr/core/buffer/",)
CODEC_PREFIXES = ("numcodecs/",)
# Innermost Python frames of threads that wait (for work, a lock, the event
# loop's selector): py-spy's idle filter misses waits made from native code.
WAITING = frozenset(
    {
        "_worker (concurrent/futures/thread.py)",
        "Condition.wait (threading.py)",
        "Event.wait (threading.py)",
        "EpollSelector.select (selectors.py)",
        "Thread.join (threading.py)",
        "Thread._wait_for_tstate_lock (threading.py)",
    }
)
CATEGORIES = ["ours", "zarr's buffers", "codec", "store", "zarr and the rest"]


def load_workloads() -> Any:
    """test_zarr_workloads.py as a module (pytest imports it by path, so must we)."""
    spec = importlib.util.spec_from_file_location("zarr_workloads", HERE / "test_zarr_workloads.py")
    if spec is None or spec.loader is None:
        sys.exit("cannot load test_zarr_workloads.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def child(workload: str, store: str, codec: str, impl: str, seconds: float) -> None:
    """Prepare one case, say "ready", wait for a line on stdin, repeat it, wait again."""
    w = load_workloads()
    zarr = w.zarr
    dense = w.make_dense()
    scratch = Path(tempfile.mkdtemp(prefix="zarr-profile-"))
    try:
        sharded = workload in {"write_sharded", "read_sharded_partial"}
        with zarr.config.set(w.BUFFER_CONFIG[impl]):
            array = w.create_array(w.open_store(store, scratch / "array"), codec, sharded=sharded)
            if workload in WRITES:
                data = w.make_mostly_empty(dense) if workload == "write_mostly_empty" else dense

                # Rewriting one array does the same work as writing a new one,
                # without array creation in the profile.
                def run() -> None:
                    array[...] = data
            else:
                array[...] = dense
                selection = {
                    "read_full": Ellipsis,
                    "read_region": w.REGION,
                    "read_sharded_partial": w.SHARD_REGION,
                }[workload]

                def run() -> None:
                    array[selection]

            run()
            print("ready", flush=True)
            sys.stdin.readline()
            calls = 0
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                run()
                calls += 1
            print(f"calls {calls}", flush=True)
            sys.stdin.readline()  # the profiler has stopped: clean up unobserved
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def frame_path(frame: str) -> str:
    """The file of one py-spy frame, ``function (path:line)`` or ``function (library)``."""
    inside = frame.rpartition(" (")[2].rstrip(")")
    return inside.rpartition(":")[0] if ".py:" in inside else inside


def category(paths: list[str]) -> str:
    """Where one sample's time goes; the first that applies, innermost frames first.

    A compressor's kernel counts as codec even when zarr calls it from a
    buffer helper (``as_numpy_array_wrapper``); NumPy and libc work called
    from buffer code counts as buffer code.
    """
    if any(p.startswith(CODEC_PREFIXES) and not p.endswith(".py") for p in paths):
        return "codec"
    for p in reversed(paths):
        if p.startswith(OURS_PREFIXES):
            return "ours"
        if p.startswith(ZARR_BUFFER_PREFIXES):
            return "zarr's buffers"
    if any(p.startswith("zarr/storage/") for p in paths):
        return "store"
    return "zarr and the rest"


def where(frames: list[str], paths: list[str]) -> str:
    """The innermost Python function of a sample, and the native library it was in."""
    python = next(
        (
            f.rpartition(":")[0] + ")"
            for f, p in zip(reversed(frames), reversed(paths), strict=True)
            if p.endswith(".py")
        ),
        "(no Python frame)",
    )
    native = paths[-1] if not paths[-1].endswith(".py") else ""
    return f"{python} > {native.rpartition('/')[2]}" if native else python


@dataclass
class Profile:
    """Busy samples of one case, by category, by place, and buffer time by function."""

    samples: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    buffer_functions: Counter[str] = field(default_factory=Counter)

    def top(self, counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(name, count / max(self.samples, 1)) for name, count in counter.most_common(n)]


def analyse(raw: Path) -> Profile:
    found = Profile()
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        paths = [frame_path(f) for f in frames]
        place = where(frames, paths)
        if place.partition(" > ")[0] in WAITING:
            continue
        found.samples += count
        kind = category(paths)
        found.categories[kind] += count
        found.places[place] += count
        if kind in {"ours", "zarr's buffers"}:
            # The outermost buffer frame: the buffer API call zarr made.
            outer = next(
                f
                for f, p in zip(frames, paths, strict=True)
                if p.startswith(OURS_PREFIXES + ZARR_BUFFER_PREFIXES)
            )
            found.buffer_functions[outer.rpartition(":")[0] + ")"] += count
    return found


def profile(case: tuple[str, str, str, str], seconds: float, rate: int, top: int) -> None:
    workload, store, codec, impl = case
    command = [sys.executable, str(Path(__file__).resolve()), "--child", *case]
    command += ["--seconds", str(seconds)]
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "samples.txt"
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert process.stdin is not None
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            sys.exit(f"{case}: the child did not get ready (exit {process.wait()})")
        spy = subprocess.Popen(
            [
                *("py-spy", "record", "--native", "--format", "raw", "--output", str(raw)),
                *("--pid", str(process.pid), "--rate", str(rate)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # py-spy attaches before the measured loop starts
        process.stdin.write("go\n")
        process.stdin.flush()
        calls = process.stdout.readline().strip()
        spy.send_signal(signal.SIGINT)  # py-spy stops and writes what it sampled
        spy.wait(timeout=60)
        process.stdin.write("done\n")
        process.stdin.flush()
        process.wait()
        found = analyse(raw)
    shares = ", ".join(
        f"{name} {found.categories[name] / max(found.samples, 1):.0%}" for name in CATEGORIES
    )
    print(f"## {workload} {store} {codec} {impl}: {calls}, {found.samples} samples; {shares}")
    for name, share in found.top(found.places, top):
        print(f"   {share:6.1%}  {name}")
    calls_made = found.top(found.buffer_functions, top)
    if calls_made:
        print("   buffer calls: " + ", ".join(f"{name} {share:.1%}" for name, share in calls_made))
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("filters", nargs="*", help="substrings every profiled case id contains")
    parser.add_argument("--seconds", type=float, default=3.0, help="loop length per case")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=8, help="self-time functions shown per case")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, seconds=args.seconds)
        return
    if shutil.which("py-spy") is None:
        sys.exit("py-spy is not on PATH: pip install py-spy")
    w = load_workloads()
    for workload in WRITES + READS:
        for store in w.STORES:
            for codec in w.CODECS:
                for impl in w.IMPLS:
                    case = (workload, store, codec, impl)
                    if all(f in " ".join(case) for f in args.filters):
                        profile(case, args.seconds, args.rate, args.top)


if __name__ == "__main__":
    main()
