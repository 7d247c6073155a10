"""Register + report definition -> the rows of Tabelle 1. Pure: no I/O."""

from __future__ import annotations

from typing import Mapping

from ..catalogue import fold
from ..errors import ReportError
from ..messages import text
from ..register import STATUS_PROBLEMS, no_value
from ..xlsx import fit_cell
from .definition import ReportDefinition


def tabelle1(register, definition: ReportDefinition, texts: Mapping[str, str] | None = None):
    """The rows of Tabelle 1 as a DataFrame (columns :attr:`ReportDefinition.columns`).

    Grouped by Handlungsfeld in catalogue order; X columns hold the definition's yes/no
    text or ""; the remarks column what Tabelle 1 prints there: the office's text from
    ``texts`` (Werkzeug-ID -> text) where it has one, else the text answers joined, or the
    no-return text; for a Werkzeug "mit Problemen" followed by the open-query marker (its answers
    are still to be corrected); Rücklauf is the register status. Pure: no I/O.
    """
    import pandas as pd

    rows = [row[1:] for row in _rows(register, definition, texts or {})]
    return pd.DataFrame(rows, columns=definition.columns, dtype=object)


def printed_remarks(register, definition: ReportDefinition) -> list[tuple[str, str, str]]:
    """(Werkzeug-ID, Werkzeug, text) in table order: what Tabelle 1 prints in its remarks column from the
    answers alone."""
    position = 1 + definition.columns.index(definition.remarks_header)
    return [(row[0], row[2], row[position]) for row in _rows(register, definition, {}, marked=False)]


def _rows(register, definition: ReportDefinition, texts: Mapping[str, str], marked: bool = True) -> list[list[str]]:
    """The Werkzeug-ID and the cells of each row of Tabelle 1, in table order; ``marked``: with the open-query
    marker of the Werkzeuge "mit Problemen"."""
    values = register_columns(register, definition)
    order = {name: position for position, name in enumerate(dict.fromkeys(values["handlungsfeld"]))}
    rows = []
    for index in sorted(range(len(register)), key=lambda index: order[values["handlungsfeld"][index]]):
        werkzeug_id, status = cell_text(values["werkzeug_id"][index]), cell_text(values["status"][index])
        row = [werkzeug_id, cell_text(values["handlungsfeld"][index]), cell_text(values["werkzeug"][index]),
               cell_text(values["kategorie"][index])]
        for column in definition.yes_no:
            outcome = column.outcome(cell_text(values[column.question][index]))
            row.append("" if outcome is None else definition.yes if outcome else definition.no)
        if status in definition.no_return_statuses and werkzeug_id not in texts:
            row.append(definition.no_return_text)
        else:
            remarks = texts[werkzeug_id] if werkzeug_id in texts else _join_unique(
                [cell_text(values[name][index]) for name in definition.remarks_questions], definition.separator)
            row.append(_open_query(remarks, definition) if marked and status == STATUS_PROBLEMS else remarks)
        row.append(status)
        rows.append(row)
    return rows


def register_columns(register, definition: ReportDefinition) -> dict[str, list]:
    """The register columns the report reads, as lists; a clear error when one is missing."""
    names = ["werkzeug_id", "handlungsfeld", "werkzeug", "kategorie", "status",
             *(column.question for column in definition.yes_no), *definition.remarks_questions,
             *(rating.question for rating in definition.charts.ratings)]
    names = list(dict.fromkeys(names))
    missing = [name for name in names if name not in register.columns]
    if missing:
        raise ReportError(text("report.register_lacks_columns", columns=", ".join(missing),
                               definition=definition.path.name))
    return {name: register[name].tolist() for name in names}


def _join_unique(texts: list[str], separator: str) -> str:
    """The non-empty texts joined, each text (ignoring case and spacing) only once; shortened with "[…]"
    where together they exceed a cell (each answer fits one, see the register for the whole text)."""
    unique: dict[str, str] = {}
    for value in texts:
        if value:
            unique.setdefault(fold(value), value)
    return fit_cell(separator.join(unique.values()), " […]")


def _open_query(remarks: str, definition: ReportDefinition) -> str:
    """``remarks`` with the open-query marker after them (alone where they are empty), cut where the
    remarks are too long for both in one cell."""
    if not remarks:
        return definition.open_query
    return fit_cell(f"{remarks} {definition.open_query}", f" […] {definition.open_query}")


def cell_text(value: object) -> str:
    """A register value as trimmed text; None and NaN are empty."""
    if no_value(value):
        return ""
    return str(value).strip()
