"""Command line: ``benchkit run | dashboard | compare | machine``.

Exit status: 0 on success, 1 when a benchmark suite failed or a comparison
found a regression, 2 for bad arguments or unreadable inputs.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from benchkit.compare import compare_runs, format_table, pool_runs, resolve_runs, verdict_line
from benchkit.config import CONFIG_FILE_NAME, Thresholds, load_thresholds
from benchkit.history import History, Run, load_history
from benchkit.machine import collect_machine_facts, machine_key
from benchkit.site import COMMIT_URL_ENV, SiteSummary, build_site, commit_url_from_remote
from benchkit.suites import Suite, run_suites
from benchkit.summary import run_summary

__all__ = ["main"]

DEFAULT_RESULTS = Path("bench-results")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``benchkit`` command."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "run":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command == "run":
            return _run(args, extra)
        if args.command == "dashboard":
            return _dashboard(args)
        if args.command == "compare":
            return _compare(args)
        facts = collect_machine_facts()
        print(json.dumps({"machine_key": machine_key(facts), **facts.to_machine_info()}, indent=2))
    except BrokenPipeError:
        # The reader went away (`bench-compare | head`): nothing more can be said
        # to it, and Python's own flush at exit must not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 2
    except (ValueError, TypeError, OSError) as exc:
        return _error(args.command, str(exc))
    except Exception as exc:  # noqa: BLE001  # exit 1 means "regression": a crash must not
        return _error(args.command, f"unexpected {type(exc).__name__}: {exc}")
    return 0


def _error(command: str, message: str) -> int:
    """One line on stderr and exit status 2, whatever went wrong: never a traceback."""
    first = message.strip().splitlines()[0] if message.strip() else "no message"
    print(f"benchkit: error: {first[:500]}", file=sys.stderr)
    if command == "compare":
        print("verdict: ERROR, no verdict (exit 2)")
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="benchkit", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="run benchmark suites and record them",
        description="Run pytest-benchmark suites with this Python; unknown options go to pytest.",
    )
    run.add_argument(
        "--suite",
        nargs=3,
        action="append",
        required=True,
        metavar=("PACKAGE", "PATH", "DEVICE"),
        help="a package's benchmark directory and the device it measures (repeatable)",
    )
    run.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="history directory")
    run.add_argument(
        "--keep-samples",
        action="store_true",
        help="keep every round's timing (stats.data); off by default to keep files small",
    )
    run.add_argument(
        "--log-dir",
        type=Path,
        help="write pytest's output to DIR/<run id>.log and show progress bars instead",
    )
    run.add_argument("--site", type=Path, help="rebuild the dashboard here after recording")
    _add_commit_url(run)
    _add_thresholds(run)

    dashboard = commands.add_parser("dashboard", help="build the static trend site")
    dashboard.add_argument(
        "--results", type=Path, default=DEFAULT_RESULTS, help="history directory"
    )
    dashboard.add_argument("--out", type=Path, help="site directory (default: RESULTS/site)")
    dashboard.add_argument("--serve", action="store_true", help="serve the site on localhost")
    dashboard.add_argument("--port", type=int, default=8000, help="port for --serve (0: any free)")
    _add_commit_url(dashboard)
    dashboard.add_argument(
        "--docs-url", help="link to the documentation in the header, e.g. ../index.html"
    )
    _add_thresholds(dashboard)

    compare = commands.add_parser(
        "compare",
        help="ratio table of two runs; exit 1 on a regression",
        description=(
            "BASE and HEAD are run ids (or unique prefixes), 'latest', commits or git refs; a"
            " commit stands for all its runs on the machine, pooled (median per benchmark)."
        ),
    )
    compare.add_argument("base")
    compare.add_argument("head")
    compare.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="history directory")
    compare.add_argument("--machine", help="only consider runs of this machine key")
    compare.add_argument(
        "--cross-machine",
        action="store_true",
        help="compare runs of two different machines anyway (ratios then mix hardware)",
    )
    _add_thresholds(compare)

    commands.add_parser("machine", help="print this machine's facts and key")
    return parser


def _add_commit_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--commit-url",
        help=(
            "link template for commits, e.g. https://host/repo/commit/{commit}; 'none' for no"
            f" links (default: ${COMMIT_URL_ENV}, else from `git remote get-url origin`)"
        ),
    )


def _commit_url(option: str | None) -> str | None:
    """The option, else the environment variable, else the origin remote; '' or 'none': no links."""
    chosen = option if option is not None else os.environ.get(COMMIT_URL_ENV)
    if chosen is None:
        return commit_url_from_remote()
    return None if chosen.strip().lower() in {"", "none"} else chosen


def _add_thresholds(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--thresholds",
        type=Path,
        help=f"detector settings (TOML; default: RESULTS/{CONFIG_FILE_NAME} if present)",
    )


def _load(results: Path) -> History:
    history = load_history(results)
    for skipped in history.skipped:
        print(f"benchkit: warning: {skipped}", file=sys.stderr)
    return history


def _run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    suites = [Suite(package, Path(path), device) for package, path, device in args.suite]
    thresholds = load_thresholds(args.thresholds or args.results / CONFIG_FILE_NAME)
    commit_url = _commit_url(args.commit_url)
    outcomes = run_suites(
        suites,
        args.results,
        pytest_args=pytest_args,
        keep_samples=args.keep_samples,
        log_dir=args.log_dir,
    )
    stored = [o.stored for o in outcomes if o.stored is not None]
    site = None
    if args.site is not None:
        history = _load(args.results)
        _report_site(build_site(history, args.site, thresholds=thresholds, commit_url=commit_url))
        site = args.site / "index.html"
    if stored:
        history = _load(args.results)
        run_id = stored[0].parent.name
        run = next(r for r in history.runs if r.run_id == run_id)
        log = args.log_dir / f"{run_id}.log" if args.log_dir else None
        print(run_summary(history, run, thresholds, files=stored, site=site, log=log))
    failed = [o.suite.package for o in outcomes if o.returncode not in {0, 5}]
    if failed:
        print(f"benchkit: benchmark suite(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _dashboard(args: argparse.Namespace) -> int:
    out: Path = args.out or args.results / "site"
    history = _load(args.results)
    thresholds = load_thresholds(args.thresholds or args.results / CONFIG_FILE_NAME)
    summary = build_site(
        history,
        out,
        thresholds=thresholds,
        commit_url=_commit_url(args.commit_url),
        docs_url=args.docs_url,
    )
    _report_site(summary)
    if args.serve:
        _serve(out, args.port)
    return 0


def _report_site(summary: SiteSummary) -> None:
    print(
        f"benchkit: dashboard: {summary.runs} runs, {summary.benchmarks} charts of "
        f"{summary.results} benchmarks, {summary.machines} machine(s); steps of ours: "
        f"{summary.flags} confirmed, {summary.candidates} candidate(s), {summary.drift} drift"
        + (f"; {summary.skipped} file(s) skipped" if summary.skipped else "")
    )
    print(f"benchkit: open {summary.index_html.resolve().as_uri()}")


def _serve(directory: Path, port: int) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    # Loopback only: the dashboard is for the person at this machine.
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"benchkit: serving on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("benchkit: stopped")


def _resolve_head(
    history: History, ref: str, base: Run, machine: str | None, cross_machine: bool
) -> list[Run]:
    """HEAD's runs: on BASE's machine unless a machine is named or crossing is allowed."""
    if machine is not None or cross_machine:
        return resolve_runs(history, ref, machine=machine)
    try:
        return resolve_runs(history, ref, machine=base.machine_key)
    except ValueError:
        # Not on BASE's machine: found elsewhere, the caller refuses it by name.
        return resolve_runs(history, ref)


def _compare(args: argparse.Namespace) -> int:
    history = _load(args.results)
    thresholds: Thresholds = load_thresholds(args.thresholds or args.results / CONFIG_FILE_NAME)
    # A commit names all its runs on the machine, pooled; a run id names one run.
    base = pool_runs(resolve_runs(history, args.base, machine=args.machine))
    head = pool_runs(_resolve_head(history, args.head, base, args.machine, args.cross_machine))
    if head.machine_key != base.machine_key and not args.cross_machine:
        msg = (
            f"BASE {args.base!r} is a run of machine {base.machine_key} and HEAD {args.head!r}"
            f" of machine {head.machine_key}: times of two machines differ by their hardware,"
            f" so no verdict. Compare runs of one machine (--machine {base.machine_key}; 'latest'"
            " is the latest run on BASE's machine), or pass --cross-machine to compare anyway"
        )
        raise ValueError(msg)
    comparisons = compare_runs(history, base, head, thresholds)
    print(format_table(base, head, comparisons, thresholds))
    print(verdict_line(comparisons))
    return 1 if any(item.verdict == "regression" for item in comparisons) else 0
