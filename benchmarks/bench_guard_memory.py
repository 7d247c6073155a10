"""Peak memory of ingest's guards on huge worksheet parts, each measured in a fresh process.

Usage:  python benchmarks/bench_guard_memory.py [MB] [--baseline PYTHON]
        (default: 49 MB parts; PYTHON: the interpreter of another installation of werkstatt-xl, e.g. a
        virtual environment of the main branch, measured on the same parts)

Each shape of ``UNPLACED_SHEETS`` (tests/ingest_files.py: rows the guards must place one way or
another) repeated to MB megabytes, MB of ``<c></c>`` (the most cells a byte can hold) and MB of
``<c r="AB12345"/>`` (listed by the regular expression instead), is written to a file; a new process
reads it, resets its peak resident memory (Linux: /proc/self/clear_refs) and places the cells as
``_inspecting_ooxml`` does. Printed: the peak above what the process held before, per byte of the part
(the limits allow parts of 100 MB; merge runs two reading processes). Target: no more than the per-tag
walk the guards used before 2026-11-29 (about 5 bytes per byte).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

MEASURE = """
import re, sys, time
import numpy
from werkstatt_xl.ingest import ooxml
from werkstatt_xl.ingest.common import _without_noise

def peak_kb():
    return int(re.search(r"VmHWM:\\s*(\\d+)", open("/proc/self/status").read())[1])

xml = open(sys.argv[1], "rb").read()
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")
before, cpu = peak_kb(), time.process_time()
extent = ooxml._quick_extent(xml) or ooxml._extent(ooxml._cell_tags(_without_noise(xml)))
print((peak_kb() - before) * 1024 / len(xml), time.process_time() - cpu)
"""


def shapes(size: int) -> dict[str, bytes]:
    from ingest_files import UNPLACED_SHEETS

    shapes = {label: rows * (size // len(rows)) for label, rows in UNPLACED_SHEETS.items()}
    shapes["<c></c>, the most cells a byte holds"] = b"<row>" + b"<c></c>" * (size // 7) + b"</row>"
    shapes['<c r="AB12345"/>, listed'] = b"<row>" + b'<c r="AB12345"/>' * (size // 16) + b"</row>"
    return shapes


def measure(python: str, path: Path) -> str:
    run = subprocess.run([python, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True,
                         cwd=path.parent)  # not this checkout: the interpreter's own installation
    per_byte, seconds = map(float, run.stdout.split())
    return f"{per_byte:5.1f} B/B {seconds:5.2f} s"


def main(megabytes: float, baseline: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for number, (label, rows) in enumerate(shapes(int(megabytes * 2**20)).items()):
            path = Path(folder) / f"sheet{number}.xml"
            path.write_bytes(b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>")
            line = f"{label[:45]:45} {measure(sys.executable, path)}"
            if baseline:
                line += f"   baseline {measure(baseline, path)}"
            print(line, flush=True)
            path.unlink()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("megabytes", nargs="?", type=float, default=49)
    parser.add_argument("--baseline", help="the interpreter of another installation, measured the same way")
    arguments = parser.parse_args()
    main(arguments.megabytes, arguments.baseline)
