"""``report``: Tabelle 1 (and its PDF) from the register of the last merge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ReportError
from ..files import atomic_path
from ..form import Form
from ..messages import text
from ..overrides import OVERRIDES, read_overrides
from ..report import (
    RUECKLAUF,
    office_program,
    printed_remarks,
    summarize,
    tabelle1,
    to_pdf,
    write_report,
    write_summary,
)
from ..report.summary import COUNTED
from ..rounds import changed_werkzeuge, compare_rounds
from .inbox import read_register, read_repeats, remove_stale
from .nextround import previous_round, reworded_questions
from .project import Project, fitting_definition


@dataclass(frozen=True)
class ReportResult:
    workbook: Path
    pdf: Path | None
    werkzeuge: int
    without_return: tuple[str, ...]
    """The Werkzeuge marked as without return, in table order."""
    edited: tuple[str, ...] = ()
    """The Werkzeuge whose remarks are the office's text from ``redaktion.xlsx``, in table order."""
    warnings: tuple[str, ...] = ()
    """Why the summary of every question (``auswertung.xlsx``) was written instead of Tabelle 1; which output
    of an earlier run, written in place of this one, was removed."""


def report(project: Project, pdf: bool = False) -> ReportResult:
    """Write ``ergebnis/tabelle1.xlsx`` (and with ``pdf`` ``tabelle1.pdf``) from the last merge's register
    and the office's texts in ``redaktion.xlsx`` (read only: it may be open in Excel). Where the shipped
    definition does not fit the project's form, ``ergebnis/auswertung.xlsx`` (and its PDF) instead, as merge
    writes it; a definition of the project's own (edited, see :func:`~.project.own_report_definition`) that does not fit
    stops with its problems, each at its line."""
    office = office_program() if pdf else None
    form = project.read_form()
    definition, mismatch = fitting_definition(project, form, own_must_fit=True)
    register = read_register(project)
    if register is None:
        raise ReportError(text("report.no_register", path=project.master_path))
    if definition is None:
        with atomic_path(project.summary_path) as temporary:
            write_summary(temporary, summarize(form, register, read_repeats(project)), project.title)
        summary = project.summary_path
        returned = register["status"].isin(COUNTED)
        stale = remove_stale(project.report_workbook_path, summary)
        return ReportResult(summary, to_pdf(office, summary) if office else None, len(register),
                            tuple(register[~returned]["werkzeug"]), (), (mismatch, *stale))
    texts = read_overrides(project.root / OVERRIDES).texts
    changes = round_changes(project, form, register)
    changed = changed_werkzeuge(changes) if changes is not None else None
    with atomic_path(project.report_workbook_path) as temporary:
        write_report(register, definition, temporary, title=project.title, texts=texts, changed=changed)
    workbook = project.report_workbook_path
    table = tabelle1(register, definition)
    without = table[table[RUECKLAUF].isin(definition.no_return_statuses)][definition.werkzeug_header]
    edited = [werkzeug for werkzeug_id, werkzeug, _ in printed_remarks(register, definition) if werkzeug_id in texts]
    return ReportResult(workbook, to_pdf(office, workbook) if office else None, len(table), tuple(without),
                        tuple(edited), remove_stale(project.summary_path, workbook))


def round_changes(project: Project, form: Form | None = None, register=None):
    """What changed since the previous round as a DataFrame (see :func:`~werkstatt_xl.rounds.compare_rounds`),
    by the register of the last merge (or ``register``); None where the project knows no previous round or
    was not merged yet."""
    previous = previous_round(project)
    register = read_register(project) if register is None else register
    if previous is None or register is None:
        return None
    form = form or project.read_form()
    return compare_rounds(previous.register, register, form, reworded_questions(project, form, previous))
