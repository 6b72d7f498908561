"""benchkit: record pytest-benchmark runs per machine and browse their trends.

Repository tooling for the buffer packages (not published): ``benchkit run``
records suites into ``bench-results/``, ``benchkit dashboard`` builds the static
site, ``benchkit compare`` prints a ratio table for two runs.
"""

from importlib.metadata import version

from benchkit.compare import Comparison, compare_runs, resolve_run
from benchkit.config import DetectorConfig, Thresholds, load_thresholds
from benchkit.history import BenchResult, History, Run, Skipped, load_history
from benchkit.machine import MachineFacts, collect_machine_facts, machine_key
from benchkit.record import new_run_id, store_run_file
from benchkit.site import build_site
from benchkit.stats import Step, detect_steps

__version__ = version("benchkit")

__all__ = [
    "BenchResult",
    "Comparison",
    "DetectorConfig",
    "History",
    "MachineFacts",
    "Run",
    "Skipped",
    "Step",
    "Thresholds",
    "__version__",
    "build_site",
    "collect_machine_facts",
    "compare_runs",
    "detect_steps",
    "load_history",
    "load_thresholds",
    "machine_key",
    "new_run_id",
    "resolve_run",
    "store_run_file",
]
