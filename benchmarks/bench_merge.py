"""Time ``merge`` on N filled returns against the naive way (a ``pandas.read_excel`` loop).

Usage:  python benchmarks/bench_merge.py [N ...]      (default: 1000 5000 10000)

For each N it builds a project with N Werkzeugen, N issued questionnaires and N filled
returns (one real questionnaire filled like a department would, then cloned with each
Werkzeug's own id, title and token), then measures in separate processes:
  * ``werkstatt-xl merge`` end to end (start-up, reading, checking, master.xlsx, Tabelle 1)
    and its peak memory,
  * the naive loop ``pandas.read_excel(path, sheet_name=None)`` over the same files
    (at 5,000 and more it is timed on the first 1,000 files and scaled, to keep the run short).
Targets: 1,000 returns in < 3 s; at 5,000 at least 10x faster than the naive loop;
peak memory < 400 MB at 10,000.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Callable

NAIVE_SAMPLE = 1000


def build_project(root: Path, count: int, shapes: list[Callable[[Path], bytes]] | None = None) -> Path:
    """A project with ``count`` Werkzeuge, all issued and all returned (filled).

    Each of ``shapes`` turns the filled questionnaire into the bytes of a return (default: as
    filled); the returns cycle through them.
    """
    from werkstatt_xl.catalogue import COLUMNS, load_catalogue
    from werkstatt_xl.fill import fill_questionnaire
    from werkstatt_xl.issue_log import ISSUE_LOG, IssuedQuestionnaire, write_issue_log
    from werkstatt_xl.questionnaire import render_questionnaire
    from werkstatt_xl.round import init_project

    project = init_project(root / "runde")
    with (project.root / "katalog.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS.values())
        for number in range(count):
            writer.writerow([_id(number), f"Handlungsfeld {number % 7 + 1}", _title(number),
                             "neu" if number % 2 else "bestehend", "", f"Fachamt {number % 12 + 1}", "",
                             f"amt{number % 12 + 1}@example.org"])
    settings = project.root / "werkstatt.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("katalog.xlsx", "katalog.csv"), encoding="utf-8")
    project = project.with_overrides(catalogue="katalog.csv")
    catalogue = load_catalogue(project.catalogue_path)
    form = project.read_form()
    blank = root / "blank.xlsx"
    render_questionnaire(blank, form, catalogue.werkzeuge[0], _token(0), project)
    filled = fill_questionnaire(blank, {
        "umsetzung": "Ja", "erfolg": "Hoch", "erfolgsfaktoren": "Gute Zusammenarbeit der Fachämter.",
        "uebertragbarkeit": "Sehr hoch", "zeitplan": "Trifft eher zu", "gruende_verzoegerung": "Personalwechsel.",
        "budget": "Trifft zu", "fortfuehrung": "Trifft zu", "anmerkungen": "Keine.",
    }, root / "filled.xlsx")
    templates = [_ZipTemplate(shape(filled)) for shape in shapes or [Path.read_bytes]]
    issued = []
    for number, werkzeug in enumerate(catalogue.werkzeuge):
        name = f"return_{number:05d}.xlsx"
        (project.inbox / name).write_bytes(templates[number % len(templates)].clone({
            _id(0): _id(number), _token(0): _token(number), _title(0): _title(number)}))
        issued.append(IssuedQuestionnaire(werkzeug.werkzeug_id, werkzeug.werkzeug, name, _token(number),
                                          form.form_id, form.version, "2026-11-24T00:00:00+00:00"))
    write_issue_log(project.outbox / ISSUE_LOG, issued)
    return project.root


def _id(number: int) -> str:
    return f"W{number:05d}"


def _token(number: int) -> str:
    return f"{number:016x}"


def _title(number: int) -> str:
    return f"Werkzeug Nummer {number:05d}"


class _ZipTemplate:
    """A filled workbook whose strings are swapped per clone (same lengths, so sizes stay alike)."""

    def __init__(self, data: bytes):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.entries = [(info, archive.read(info)) for info in archive.infolist()]

    def clone(self, replacements: dict[str, str]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, content in self.entries:
                if info.filename.startswith("xl/") and info.filename.endswith(".xml"):
                    for old, new in replacements.items():
                        content = content.replace(old.encode(), new.encode())
                archive.writestr(info, content)
        return buffer.getvalue()


def run_merge(project_root: Path, sample_memory: bool, python: str = sys.executable) -> tuple[float, float]:
    """Seconds and peak MB of ``werkstatt-xl merge`` as a user runs it (a new process of ``python``, which may be
    another installation of werkstatt-xl to compare with).

    Memory is the proportional set size (PSS) of the merge process and all its workers,
    summed and sampled every 20 ms: what the machine holds at once, shared pages of the
    forked workers counted once. Sampling costs time, so time and memory come from two runs.
    """
    _compile_once(python)
    started = time.perf_counter()
    process = subprocess.Popen([python, "-m", "werkstatt_xl", "merge", "-p", str(project_root)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=INSTALLED,
                               cwd=project_root)  # not a checkout: "-m" would import its werkstatt_xl, not python's
    peak = 0
    while sample_memory and process.poll() is None:
        peak = max(peak, _tree_pss_kb(process.pid))
        time.sleep(0.02)
    process.wait()
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(process.stderr.read())
    return wall, peak / 1024


BYTECODE = Path(tempfile.gettempdir()) / "werkstatt-xl-bench-bytecode"
INSTALLED = {**{key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"},
             "PYTHONPYCACHEPREFIX": str(BYTECODE)}
"""The environment merge runs in, as on an office's computer: Python's modules compiled once and kept (pip
compiles an installed package's modules when it installs it), not compiled anew in every run, as
``PYTHONDONTWRITEBYTECODE`` (set on some build machines) would have it; kept aside, in ``BYTECODE``, so that no
checkout gets ``__pycache__`` folders."""


@functools.cache
def _compile_once(python: str) -> None:
    """Have ``python`` compile what merge imports before the first timed run (into :data:`BYTECODE`)."""
    subprocess.run([python, "-c", "import pandas, werkstatt_xl.cli, werkstatt_xl.round"], env=INSTALLED,
                   cwd=tempfile.gettempdir(), check=True)


def _tree_pss_kb(pid: int) -> int:
    """PSS in kB of ``pid`` and its descendants (0 for processes that ended meanwhile)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0
    own = next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
    return own + sum(_tree_pss_kb(int(child)) for child in children)


def run_naive(project_root: Path, limit: int) -> float:
    """Seconds of the naive loop over the first ``limit`` returns."""
    code = ("import sys, time, pathlib, pandas as pd; files = sorted(pathlib.Path(sys.argv[1]).iterdir())"
            f"[:{limit}]; start = time.perf_counter()\n"
            "for path in files: pd.read_excel(path, sheet_name=None)\n"
            "print(time.perf_counter() - start)")
    done = subprocess.run([sys.executable, "-c", code, str(project_root / "eingang")],
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def main(counts: list[int]) -> None:
    print(f"{'returns':>8} {'merge s':>9} {'per return ms':>14} {'peak MB':>8} {'naive s':>9} {'speed-up':>9}")
    for count in counts:
        with tempfile.TemporaryDirectory() as folder:
            root = build_project(Path(folder), count)
            merge_seconds, _ = run_merge(root, sample_memory=False)
            _, peak = run_merge(root, sample_memory=True)
            sample = min(count, NAIVE_SAMPLE)
            naive = run_naive(root, sample) * count / sample
            scaled = "*" if sample < count else " "
            print(f"{count:>8} {merge_seconds:>9.2f} {merge_seconds / count * 1000:>14.2f} {peak:>8.0f} "
                  f"{naive:>8.1f}{scaled} {naive / merge_seconds:>8.1f}x", flush=True)
    print("* naive time measured on the first 1,000 files and scaled linearly")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1000, 5000, 10000])
