"""Tabelle 1 as a PDF, converted by LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ReportError
from ..files import atomic_path

INSTALL_HINT = "apt-get install libreoffice-calc-nogui"


def office_program() -> str:
    """The LibreOffice program, or a :class:`ReportError` that says how to install it."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise ReportError(f"LibreOffice (soffice) is not installed, so no PDF can be written. Install it "
                          f"(Debian/Ubuntu: '{INSTALL_HINT}'), or run the command without --pdf.")
    return binary


def to_pdf(office: str, workbook: Path) -> Path:
    """Convert ``workbook`` to a PDF beside it through LibreOffice with a private profile."""
    target = workbook.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="werkstatt-xl-pdf-") as folder:
        folder = Path(folder)
        command = [office, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(folder), str(workbook)]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise ReportError(f"LibreOffice did not finish converting {workbook.name} within 5 minutes. Close "
                              "other LibreOffice windows and run the command again.") from None
        written = folder / f"{workbook.stem}.pdf"
        if not written.is_file():
            message = (completed.stderr or completed.stdout).strip() or f"exit code {completed.returncode}"
            raise ReportError(f"LibreOffice could not convert {workbook.name} to PDF ({message}). Open the workbook "
                              "and export it as PDF by hand, or reinstall LibreOffice.")
        with atomic_path(target) as temporary:
            shutil.copyfile(written, temporary)
    return target
