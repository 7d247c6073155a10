"""Tabelle 1 as a PDF, converted by LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ReportError
from ..files import atomic_path
from ..messages import text

INSTALL_HINT = "apt-get install libreoffice-calc-nogui"


def office_program() -> str:
    """The LibreOffice program, or a :class:`ReportError` that says how to install it."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise ReportError(text("report.no_office", install=INSTALL_HINT))
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
            raise ReportError(text("report.pdf_timeout", workbook=workbook.name)) from None
        written = folder / f"{workbook.stem}.pdf"
        if not written.is_file():
            reason = ((completed.stderr or completed.stdout).strip()
                      or text("report.exit_code", code=completed.returncode))
            raise ReportError(text("report.pdf_failed", workbook=workbook.name, reason=reason))
        with atomic_path(target) as temporary:
            shutil.copyfile(written, temporary)
    return target
