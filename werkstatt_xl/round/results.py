"""``report``: Tabelle 1 (and its PDF) from the register of the last merge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ReportError
from ..files import atomic_path
from ..form import load_form
from ..messages import text
from ..overrides import OVERRIDES, read_overrides
from ..report import RUECKLAUF, load_report_definition, office_program, printed_remarks, tabelle1, to_pdf, write_report
from .inbox import read_register
from .project import Project


@dataclass(frozen=True)
class ReportResult:
    workbook: Path
    pdf: Path | None
    werkzeuge: int
    without_return: tuple[str, ...]
    """The Werkzeuge marked as without return, in table order."""
    edited: tuple[str, ...] = ()
    """The Werkzeuge whose remarks are the office's text from ``redaktion.xlsx``, in table order."""


def report(project: Project, pdf: bool = False) -> ReportResult:
    """Write ``ergebnis/tabelle1.xlsx`` (and with ``pdf`` ``tabelle1.pdf``) from the last merge's register
    and the office's texts in ``redaktion.xlsx`` (read only: it may be open in Excel)."""
    office = office_program() if pdf else None
    definition = load_report_definition(project.report_path, load_form(project.form_path, project.form_language))
    register = read_register(project)
    if register is None:
        raise ReportError(text("report.no_register", path=project.master_path))
    texts = read_overrides(project.root / OVERRIDES).texts
    with atomic_path(project.report_workbook_path) as temporary:
        write_report(register, definition, temporary, title=project.title, texts=texts)
    workbook = project.report_workbook_path
    table = tabelle1(register, definition)
    without = table[table[RUECKLAUF].isin(definition.no_return_statuses)][definition.werkzeug_header]
    edited = [werkzeug for werkzeug_id, werkzeug, _ in printed_remarks(register, definition) if werkzeug_id in texts]
    return ReportResult(workbook, to_pdf(office, workbook) if office else None, len(table), tuple(without),
                        tuple(edited))
