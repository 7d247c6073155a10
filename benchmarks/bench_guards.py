"""What ingest's guards cost: ``merge`` against a bare python-calamine read of the same files, and
the costliest single files for the guards.

Usage:  python benchmarks/bench_guards.py [N] [--runs R] [--baseline PYTHON]
        (default: 5000 returns, 3 runs; PYTHON: the interpreter of another installation of werkstatt-xl, e.g. a
        virtual environment of the main branch, whose merge is timed in turns with this one's in every run)

Builds one project with N returns of three shapes, each built once from a filled questionnaire and
cloned with each Werkzeug's id, title and token: as the project's fill helper saves it (openpyxl),
re-saved by openpyxl, and re-saved by LibreOffice (left out without soffice). Then, R times, in
one run each so that the ratios compare like with like on a shared machine:
  * ``werkstatt-xl merge`` end to end (a new process, master.xlsx and Tabelle 1 written; its modules compiled
    once and kept, as in an installation: ``bench_merge.INSTALLED``),
  * a bare python-calamine read of every sheet of the same files in one process (best of two,
    before and after merge),
  * merge with every file's reading replaced by its result read before: what merge costs
    besides reading,
  * the naive loop ``pandas.read_excel(path, sheet_name=None)``, timed on the first 1,000
    files and scaled,
  * the CPU seconds of merge (all its processes) and of the bare read: the work done, which a
    busy machine changes less than the time it takes,
  * with ``--baseline``, the other installation's merge the same way, before or after this one's
    by turns.
Targets: merge within 3x the bare read; at least 10x faster than the naive loop.

Finally the guards alone (everything ``read_return`` does before calamine reads) on each shape,
on the questionnaire saved by LibreOffice as ods and xls, and on the costly inputs of
tests/test_ingest.py (``UNPLACED_SHEETS``: 1 MB of cells the guards must place one way or
another), in CPU time, best of five each. Target: no file costs more than 20 ms. ``--runs 0``
measures only these (with at least 600 returns for 200 of each shape).
"""

from __future__ import annotations

import io
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from bench_merge import INSTALLED, NAIVE_SAMPLE, build_project, run_merge, run_naive

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the builders of the costly inputs

CACHED_MERGE = """
import pickle, sys, time
import werkstatt_xl.round.reading as reading
cache = pickle.loads(open(sys.argv[2], "rb").read())
def cached(paths):
    return [cache[path.name] for path in paths]
reading.read_many = cached
from werkstatt_xl.cli import main
sys.argv = ["werkstatt-xl", "merge", "-p", sys.argv[1]]
started = time.perf_counter()
try:
    main()
finally:
    print(time.perf_counter() - started, file=sys.stderr)
"""
"""merge with each file's reading replaced by its cached result (loading the cache not timed)."""


def resaved_by_openpyxl(path: Path) -> bytes:
    from openpyxl import load_workbook

    buffer = io.BytesIO()
    load_workbook(path).save(buffer)
    return buffer.getvalue()


def libreoffice(target_format: str):
    """A shape: the questionnaire saved by LibreOffice as ``target_format``, None without soffice."""
    binary = shutil.which("soffice")
    if binary is None:
        return None

    def convert(path: Path) -> bytes:
        out = path.parent / f"lo-{target_format}"
        subprocess.run([binary, f"-env:UserInstallation=file://{path.parent}/lo-profile", "--headless",
                        "--norestore", "--convert-to", target_format, "--outdir", str(out), str(path)],
                       check=True, capture_output=True, timeout=300)
        return (out / f"{path.stem}.{target_format}").read_bytes()

    return convert


SHAPES = {"fill helper": Path.read_bytes, "openpyxl re-save": resaved_by_openpyxl,
          "LibreOffice re-save": libreoffice("xlsx")}


def bare_read(files: list[Path]) -> tuple[float, float]:
    """Seconds (wall clock, CPU) to read every sheet of every file with python-calamine, nothing else."""
    from python_calamine import CalamineWorkbook

    started, cpu = time.perf_counter(), time.process_time()
    for path in files:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            for sheet in workbook.sheets_metadata:
                workbook.get_sheet_by_name(sheet.name).to_python()
    return time.perf_counter() - started, time.process_time() - cpu


def children_cpu() -> float:
    """CPU seconds of the child processes ended so far (with their own children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cached_merge(project_root: Path, cache: Path) -> float:
    done = subprocess.run([sys.executable, "-c", CACHED_MERGE, str(project_root), str(cache)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True, env=INSTALLED)
    return float(done.stderr.strip().splitlines()[-1])


def best_ms(function, *args, repeat: int = 5) -> float:
    """CPU milliseconds of the fastest of ``repeat`` calls: other jobs on the machine change it least."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        function(*args)
        times.append(time.process_time() - started)
    return min(times) * 1000


def guard_ms(data: bytes) -> tuple[float, str]:
    """CPU milliseconds of the guards on ``data`` (best of five) and their verdict."""
    from werkstatt_xl.ingest import DEFAULT_LIMITS, _inspect
    from werkstatt_xl.ingest.common import _Rejected

    def guard() -> str:
        try:
            _inspect(data, DEFAULT_LIMITS)
        except _Rejected as rejected:
            return str(rejected.code)
        return "passes"

    verdict = guard()
    return best_ms(guard), verdict


def costly_inputs(folder: Path, questionnaire: Path) -> dict[str, Path]:
    """The inputs tests/test_ingest.py keeps for their cost, built by the same helpers."""
    from ingest_files import (
        ODS_TABLES,
        UNPLACED_SHEETS,
        read_part,
        rezip,
        write_compressed_parts,
        write_ods,
        write_overlapping_xls,
    )

    with zipfile.ZipFile(questionnaire) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    many = parts[sheet].replace(b"</sheetData>", b'<row r="5000">' + b'<c r="B5000" s="1"/>' * 50_000
                                + b"</row></sheetData>")
    plain = write_ods(folder / "plain.ods", ODS_TABLES)
    content = read_part(plain, "content.xml")
    long_name = b'<table:table-row table:style-name="office:' + b"value" * 80_000 + b'">'
    unplaced = {}
    for number, (label, rows) in enumerate(UNPLACED_SHEETS.items()):
        path = write_compressed_parts(folder / f"unplatziert{number}.xlsx", {
            **parts, sheet: parts[sheet].replace(b"</sheetData>", rows + b"</sheetData>")})
        unplaced[f"{label} (1 MB in {path.stat().st_size // 1024} KB)"] = path
    return {
        **unplaced,
        '"<sst " 200,000 times, a quote left open': write_compressed_parts(
            folder / "suche.xlsx", {**parts, "xl/media/daten.bin": b"<sst " * 200_000 + b'"'}),
        "ods attribute name of 400 KB": rezip(plain, folder / "lang.ods", replace={
            "content.xml": content.replace(b"<table:table-row>", long_name, 1)}),
        "xls: 900 sheets over one run of records": write_overlapping_xls(folder / "ueberlappend.xls", 900, 2500),
        "10 entries of 1 MB in 45 KB": write_compressed_parts(
            folder / "viele.xlsx", {**parts, **{f"xl/worksheets/sheet{n}.xml": many for n in range(10, 20)}}),
    }


def timed_merge(root: Path, python: str) -> tuple[float, float]:
    """Seconds and CPU seconds (all its processes) of ``werkstatt-xl merge`` run by ``python``."""
    cpu = children_cpu()
    seconds, _ = run_merge(root, sample_memory=False, python=python)
    return seconds, children_cpu() - cpu


def main(count: int, runs: int, baseline: str | None = None) -> None:
    from ingest_files import write_questionnaire

    from werkstatt_xl.ingest import read_return

    shapes = {label: shape for label, shape in SHAPES.items() if shape is not None}
    with tempfile.TemporaryDirectory() as folder:
        root = build_project(Path(folder), count, list(shapes.values()))
        files = sorted((root / "eingang").iterdir())
        cache = Path(folder) / "reads.pickle"
        started = time.perf_counter()
        cache.write_bytes(pickle.dumps({path.name: read_return(path) for path in files}))
        print(f"{count} returns of {len(shapes)} shapes ({', '.join(shapes)}); read_return in one process: "
              f"{time.perf_counter() - started:.2f} s\n")
        print(f"{'run':>3} {'merge s':>8} {'bare s':>7} {'merge/bare':>10} {'merge w/o reading s':>20} "
              f"{'naive s':>8} {'speed-up':>8} {'CPU s merge/bare':>20}"
              + (f" | baseline: {'merge s':>8} {'merge/bare':>10} {'speed-up':>8} {'CPU s merge/bare':>20}"
                 if baseline else ""))
        for run in range(1, runs + 1):
            bare_before = bare_read(files)
            order = [sys.executable, baseline][::1 if run % 2 else -1] if baseline else [sys.executable]
            timed = {python: timed_merge(root, python) for python in order}  # odd runs: this one first
            merge_seconds, merge_cpu = timed[sys.executable]
            before = timed.get(baseline)
            bare, bare_cpu = map(min, zip(bare_before, bare_read(files)))
            without_reading = cached_merge(root, cache)
            sample = min(count, NAIVE_SAMPLE)
            naive = run_naive(root, sample) * count / sample
            print(f"{run:>3} {merge_seconds:>8.2f} {bare:>7.2f} {merge_seconds / bare:>9.2f}x "
                  f"{without_reading:>20.2f} {naive:>8.1f} {naive / merge_seconds:>7.1f}x "
                  f"{merge_cpu:>6.2f}/{bare_cpu:.2f} = {merge_cpu / bare_cpu:.2f}x"
                  + (f" | {'':>9} {before[0]:>8.2f} {before[0] / bare:>9.2f}x {naive / before[0]:>7.1f}x "
                     f"{before[1]:>6.2f}/{bare_cpu:.2f} = {before[1] / bare_cpu:.2f}x" if before else ""), flush=True)

        print(f"\n{'guards on':<64} {'size':>9} {'guard ms':>9}  verdict")
        for index, label in enumerate(shapes):
            sample = files[index::len(shapes)][:200]
            times = [guard_ms(path.read_bytes())[0] for path in sample]
            print(f"{label + ' (median, max of 200)':<64} {sample[0].stat().st_size:>9} "
                  f"{statistics.median(times):>5.2f} {max(times):>5.2f}")
        extra = Path(folder) / "extra"
        extra.mkdir()
        returned = Path(shutil.copyfile(files[0], extra / "return.xlsx"))
        inputs = {}
        for kind in ("ods", "xls"):
            convert = libreoffice(kind)
            if convert is not None:
                inputs[f"a return saved by LibreOffice as {kind}"] = extra / f"return.{kind}"
                inputs[f"a return saved by LibreOffice as {kind}"].write_bytes(convert(returned))
        inputs.update(costly_inputs(extra, write_questionnaire(extra / "fragebogen.xlsx")))
        for label, path in inputs.items():
            milliseconds, verdict = guard_ms(path.read_bytes())
            print(f"{label:<64} {path.stat().st_size:>9} {milliseconds:>9.2f}  {verdict}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    runs = int(arguments[arguments.index("--runs") + 1]) if "--runs" in arguments else 3
    baseline = arguments[arguments.index("--baseline") + 1] if "--baseline" in arguments else None
    numbers = [int(argument) for index, argument in enumerate(arguments)
               if argument.isdigit() and (index == 0 or arguments[index - 1] != "--runs")]
    main(numbers[0] if numbers else 5000, runs, baseline)
