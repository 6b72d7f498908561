"""Store pytest-benchmark JSON files in the history, one per run and package.

Layout: ``<results>/<machine-key>/<run-id>/<package>.json`` where the run id is
``<UTC time>-<commit>[-dirty]-<random>``. The random part keeps two runs that
start in the same second apart; the write goes to a temporary file that is then
hard-linked into place, which fails rather than replaces if the name exists.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from benchkit.machine import collect_machine_facts, machine_key

__all__ = ["SCHEMA", "new_run_id", "store_run_file", "strip_samples"]

SCHEMA = 1
_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def new_run_id(commit: str | None, *, dirty: bool = False, now: dt.datetime | None = None) -> str:
    """A sortable, collision-resistant id: ``20250101T120000Z-1a2b3c4d5e-dirty-9f3c``."""
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    parts = [when.strftime("%Y%m%dT%H%M%SZ")]
    if commit:
        if not re.fullmatch(r"[0-9a-fA-F]{4,64}", commit):
            msg = f"commit must be a hexadecimal git hash, got {commit!r}"
            raise ValueError(msg)
        parts.append(commit[:10].lower())
    else:
        parts.append("nocommit")
    if dirty:
        parts.append("dirty")
    parts.append(secrets.token_hex(2))
    return "-".join(parts)


def strip_samples(raw: dict[str, Any]) -> dict[str, Any]:
    """A copy without the per-round timings (``stats.data``), which dwarf the rest.

    The dashboard needs only the summary statistics pytest-benchmark already
    computed (median, quartiles, extremes).
    """
    stripped = copy.deepcopy(raw)
    for bench in stripped.get("benchmarks", []):
        stats = bench.get("stats") if isinstance(bench, dict) else None
        if isinstance(stats, dict):
            stats.pop("data", None)
    return stripped


def _check_part(value: str, what: str) -> None:
    if not _SAFE_PART.fullmatch(value) or value in {".", ".."}:
        msg = f"{what} must be letters, digits, '.', '_' or '-' (a single path part), got {value!r}"
        raise ValueError(msg)


def store_run_file(
    results: Path,
    raw: object,
    *,
    run_id: str,
    package: str,
    device: str,
    keep_samples: bool = False,
    selection: str | None = None,
) -> Path:
    """Write one package's results of one run into the history; return the new path.

    ``raw`` is pytest-benchmark's JSON as a dict. Its ``machine_info`` should
    carry ``machine_key`` (added by ``benchkit.pytest_plugin``); without it the
    key of the machine running this function is used. ``selection`` (the
    pytest options that chose some benchmarks only) marks the run partial.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("benchmarks"), list):
        msg = "raw must be pytest-benchmark JSON: a dict with a 'benchmarks' list"
        raise TypeError(msg)
    for value, what in ((run_id, "run_id"), (package, "package"), (device, "device")):
        _check_part(value, what)
    document = raw if keep_samples else strip_samples(raw)
    machine_info = document.setdefault("machine_info", {})
    key = machine_info.get("machine_key")
    if not isinstance(key, str) or not _SAFE_PART.fullmatch(key):
        facts = collect_machine_facts()
        machine_info.update(facts.to_machine_info())
        key = machine_info["machine_key"] = machine_key(facts)
    document["benchkit"] = {
        "schema": SCHEMA,
        "run_id": run_id,
        "package": package,
        "device": device,
        "machine_key": key,
    }
    if selection is not None:
        document["benchkit"]["selection"] = selection
    target = results / key / run_id / f"{package}.json"
    atomic_write_new(target, json.dumps(document, indent=1, sort_keys=False) + "\n")
    return target


def atomic_write_new(target: Path, text: str) -> None:
    """Create ``target`` with ``text`` all at once; raise FileExistsError if it exists.

    Readers never see a half-written file: the bytes go to a temporary file in
    the same directory (same filesystem), then a hard link publishes it.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        # mkstemp creates the file private (0600); results are shared files.
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, target)
        except (NotImplementedError, PermissionError):
            # Filesystems without hard links: an O_EXCL placeholder still
            # refuses to clobber, and replace() then swaps the content in.
            with target.open("x", encoding="utf-8"):
                pass
            tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
