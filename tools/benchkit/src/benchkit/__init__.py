"""benchkit: record pytest-benchmark runs per machine and browse their trends.

Repository tooling for the buffer packages (not published): ``benchkit run``
records suites into ``bench-results/``, ``benchkit dashboard`` builds the static
site, ``benchkit compare`` judges two runs. :mod:`benchkit.judge` holds the rule:
ours against its same-run baselines, so machine drift never counts.
"""

from importlib.metadata import version

from benchkit.compare import Comparison, compare_runs, pool_runs, resolve_run
from benchkit.config import DetectorConfig, Thresholds, load_thresholds
from benchkit.history import BenchResult, History, Run, Skipped, load_history
from benchkit.judge import Flag, PairVerdict, flag_history, judge_pair
from benchkit.machine import MachineFacts, collect_machine_facts, machine_key
from benchkit.record import new_run_id, store_run_file
from benchkit.site import build_site
from benchkit.stats import Step, detect_steps

__version__ = version("benchkit")

__all__ = [
    "BenchResult",
    "Comparison",
    "DetectorConfig",
    "Flag",
    "History",
    "MachineFacts",
    "PairVerdict",
    "Run",
    "Skipped",
    "Step",
    "Thresholds",
    "__version__",
    "build_site",
    "collect_machine_facts",
    "compare_runs",
    "detect_steps",
    "flag_history",
    "judge_pair",
    "load_history",
    "load_thresholds",
    "machine_key",
    "new_run_id",
    "pool_runs",
    "resolve_run",
    "store_run_file",
]
