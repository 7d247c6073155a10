"""``report``: Tabelle 1 (and its PDF) from the register of the last merge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ReportError
from ..files import atomic_path
from ..form import load_form
from ..messages import text
from ..report import (
    RUECKLAUF,
    load_report_definition,
    office_program,
    tabelle1,
    to_pdf,
    write_report,
)
from .inbox import read_register
from .project import Project


@dataclass(frozen=True)
class ReportResult:
    workbook: Path
    pdf: Path | None
    werkzeuge: int
    without_return: tuple[str, ...]
    """The Werkzeuge marked as without return, in table order."""


def report(project: Project, pdf: bool = False) -> ReportResult:
    """Write ``ergebnis/tabelle1.xlsx`` (and with ``pdf`` ``tabelle1.pdf``) from the last merge's register."""
    office = office_program() if pdf else None
    definition = load_report_definition(project.report_path, load_form(project.form_path))
    register = read_register(project)
    if register is None:
        raise ReportError(text("report.no_register", path=project.master_path))
    with atomic_path(project.report_workbook_path) as temporary:
        write_report(register, definition, temporary, title=project.title)
    workbook = project.report_workbook_path
    table = tabelle1(register, definition)
    without = table[table[RUECKLAUF].isin(definition.no_return_statuses)][definition.werkzeug_header]
    return ReportResult(workbook, to_pdf(office, workbook) if office else None, len(table), tuple(without))
