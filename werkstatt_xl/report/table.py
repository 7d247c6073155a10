"""Register + report definition -> the rows of Tabelle 1. Pure: no I/O."""

from __future__ import annotations

from ..catalogue import fold
from ..xlsx import fit_cell
from ..errors import ReportError
from ..messages import text
from .definition import ReportDefinition


def tabelle1(register, definition: ReportDefinition):
    """The rows of Tabelle 1 as a DataFrame (columns :attr:`ReportDefinition.columns`).

    Grouped by Handlungsfeld in catalogue order; X columns hold the definition's yes/no
    text or ""; Rücklauf is the register status. Pure: no I/O.
    """
    import pandas as pd

    values = register_columns(register, definition)
    order = {name: position for position, name in enumerate(dict.fromkeys(values["handlungsfeld"]))}
    rows = []
    for index in sorted(range(len(register)), key=lambda index: order[values["handlungsfeld"][index]]):
        row = [cell_text(values["handlungsfeld"][index]), cell_text(values["werkzeug"][index]),
               cell_text(values["kategorie"][index])]
        for column in definition.yes_no:
            outcome = column.outcome(cell_text(values[column.question][index]))
            row.append("" if outcome is None else definition.yes if outcome else definition.no)
        texts = [cell_text(values[name][index]) for name in definition.remarks_questions]
        row.append(_join_unique(texts, definition.separator))
        row.append(cell_text(values["status"][index]))
        rows.append(row)
    return pd.DataFrame(rows, columns=definition.columns, dtype=object)


def register_columns(register, definition: ReportDefinition) -> dict[str, list]:
    """The register columns the report reads, as lists; a clear error when one is missing."""
    names = ["handlungsfeld", "werkzeug", "kategorie", "status", *(column.question for column in definition.yes_no),
             *definition.remarks_questions, *(rating.question for rating in definition.charts.ratings)]
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


def cell_text(value: object) -> str:
    """A register value as trimmed text; None and NaN are empty."""
    if value is None or value != value:  # NaN is the only value unequal to itself
        return ""
    return str(value).strip()
