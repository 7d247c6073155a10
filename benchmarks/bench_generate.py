"""Time ``generate`` for a round of 1,000 Werkzeuge, and ``werkstatt-xl --help``.

Targets: at most 10 ms per questionnaire (single-threaded, measured on one core) and
``werkstatt-xl --help`` under 0.3 s.

    python benchmarks/bench_generate.py               # figures
    python benchmarks/bench_generate.py --profile     # plus the 25 most expensive calls
    python benchmarks/bench_generate.py --check       # exit 1 when a target is missed
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from werkstatt_xl.catalogue import COLUMNS
from werkstatt_xl.round import generate, init_project
from werkstatt_xl.xlsx import new_workbook

TARGET_MS_PER_QUESTIONNAIRE = 10.0
TARGET_HELP_SECONDS = 0.3
FIELDS = ("Fachkräfte", "Bildung", "Gesellschaftliche Teilhabe", "Mobilität & (Nah-)Versorgung",
          "Leben & Wohnen", "Austausch & Öffentlichkeitsarbeit", "Planungsinstrumente")


def write_catalogue(path: Path, count: int) -> None:
    """A catalogue of ``count`` Werkzeuge spread over the seed's seven Handlungsfelder."""
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet("Katalog")
    for column, title in enumerate(COLUMNS.values()):
        sheet.write_string(0, column, title)
    for number in range(1, count + 1):
        field = FIELDS[number % len(FIELDS)]
        values = (f"W{number:04d}", field, f"Werkzeug Nr. {number} für Demografie & Teilhabe „{field}“",
                  "neu" if number % 3 else "bestehend", str(number % 120 + 1), f"Fachamt {number % 12}",
                  f"Person {number}", f"amt{number % 12}@example.org")
        for column, value in enumerate(values):
            sheet.write_string(number, column, value)
    workbook.close()


def time_generate(root: Path, count: int, profile: bool) -> tuple[float, float]:
    """Seconds for the first round (new tokens) and for a second one (tokens kept)."""
    project = init_project(root)
    write_catalogue(project.catalogue_path, count)
    project = project.with_overrides(title="Zwischenbilanz 2026")
    started = time.perf_counter()
    result = generate(project)
    first = time.perf_counter() - started
    assert len(result.issued) == count
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    generate(project)
    if profiler:
        profiler.disable()
    second = time.perf_counter() - started
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return first, second


def on_one_core() -> None:
    """Run this process on one core: generate is single-threaded, so it is measured on one."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def median_run(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="Werkzeuge in the catalogue (default 1000)")
    parser.add_argument("--runs", type=int, default=9, help="subprocess runs for the --help timing (default 9)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the second round")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    options = parser.parse_args()

    on_one_core()
    folder = Path(tempfile.mkdtemp(prefix="bench-generate-"))
    try:
        first, second = time_generate(folder / "runde", options.count, options.profile)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    command = shutil.which("werkstatt-xl")
    help_command = [command, "--help"] if command else [sys.executable, "-m", "werkstatt_xl", "--help"]
    help_seconds = median_run(help_command, options.runs)
    python_seconds = median_run([sys.executable, "-c", "pass"], options.runs)

    per_questionnaire = second / options.count * 1000
    print(f"generate, {options.count} Werkzeuge, one core:")
    print(f"  first round (new tokens):  {first:6.2f} s  = {first / options.count * 1000:5.2f} ms per questionnaire")
    print(f"  second round (tokens kept): {second:6.2f} s  = {per_questionnaire:5.2f} ms per questionnaire"
          f"  (target <= {TARGET_MS_PER_QUESTIONNAIRE:g} ms)")
    print(f"werkstatt-xl --help, median of {options.runs}: {help_seconds * 1000:5.0f} ms"
          f"  (target < {TARGET_HELP_SECONDS * 1000:.0f} ms; plain 'python -c pass': {python_seconds * 1000:.0f} ms,"
          f" so werkstatt-xl itself: {(help_seconds - python_seconds) * 1000:.0f} ms)")
    missed = [name for name, ok in (("generate", max(first, second) / options.count * 1000
                                     <= TARGET_MS_PER_QUESTIONNAIRE),
                                    ("--help", help_seconds < TARGET_HELP_SECONDS)) if not ok]
    print("targets met" if not missed else f"targets missed: {', '.join(missed)}")
    return 1 if options.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
