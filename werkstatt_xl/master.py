"""The master register workbook: sheets Register, Prüfung and Rücklauf, and reading it back.

Each table sheet carries the register keys in a hidden first row above the German
headers, so the data reads back by key even after a person renamed or reordered headers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .register import (
    PROBLEM_COLUMNS,
    STATUS_MISSING,
    STATUS_PROBLEMS,
    STATUS_RECEIVED,
    STATUS_REJECTED,
    STATUSES,
)
from .xlsx import new_workbook

STATUS_FILLS = {STATUS_RECEIVED: "#E2EFDA", STATUS_PROBLEMS: "#FFF2CC", STATUS_MISSING: "#EDEDED",
                STATUS_REJECTED: "#F8CBAD"}
_MAX_WIDTH = 60


def write_master_workbook(path: Path, register, problems: list, headers: dict[str, str]) -> Path:
    """Write ``master.xlsx`` to ``path``, a new file (the caller writes it atomically, see
    :func:`~werkstatt_xl.files.atomic_path`)."""
    import pandas as pd

    problem_frame = pd.DataFrame([{key: str(getattr(problem, key)) for key in PROBLEM_COLUMNS} for problem in problems],
                                 columns=list(PROBLEM_COLUMNS))
    workbook = new_workbook(path)
    formats = _Formats(workbook)
    _write_table(workbook, formats, "Register", register, headers, freeze_columns=3)
    _write_table(workbook, formats, "Prüfung", problem_frame, PROBLEM_COLUMNS, freeze_columns=1)
    _write_return_rates(workbook, formats, register)
    workbook.close()
    return path


class _Formats:
    def __init__(self, workbook):
        add = workbook.add_format
        self.text = add({"valign": "top", "text_wrap": True})
        self.date = add({"valign": "top", "num_format": "dd.mm.yyyy"})
        self.datetime = add({"valign": "top", "num_format": "dd.mm.yyyy hh:mm"})
        self.number = add({"valign": "top"})
        self.percent = add({"num_format": "0%"})
        self.title = add({"bold": True, "font_size": 13})
        # explicit, because LibreOffice ignores table styles and would show white header text
        self.header = add({"bold": True, "bg_color": "#D9E1F2", "text_wrap": True, "valign": "top"})
        self.status = {status: add({"valign": "top", "bg_color": color}) for status, color in STATUS_FILLS.items()}


def _write_table(workbook, formats: _Formats, name: str, frame, headers: dict[str, str], freeze_columns: int) -> None:
    sheet = workbook.add_worksheet(name)
    keys = list(headers)
    for column, key in enumerate(keys):
        sheet.write_string(0, column, key)
    sheet.set_row(0, None, None, {"hidden": True})
    widths = [min(_MAX_WIDTH, max(10, len(headers[key]) * 0.8)) for key in keys]
    status_column = keys.index("status") if "status" in keys else -1
    for row, record in enumerate(frame.itertuples(index=False), start=2):
        for column, value in enumerate(record):
            width = _write_value(sheet, formats, row, column, value, column == status_column)
            if width > widths[column]:
                widths[column] = min(_MAX_WIDTH, width)
    last_row = max(2, len(frame) + 1)
    sheet.add_table(1, 0, last_row, len(keys) - 1, {
        "name": "Tabelle_" + "".join(ch for ch in name if ch.isalnum()),
        "style": "Table Style Light 9",
        "columns": [{"header": headers[key], "header_format": formats.header} for key in keys],
    })
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(2, freeze_columns)


def _write_value(sheet, formats: _Formats, row: int, column: int, value, is_status: bool) -> float:
    """Write one cell by type (text stays text, never a formula); returns a column width estimate."""
    if value is None:
        return 0
    if type(value) is str:
        sheet.write_string(row, column, value, formats.status.get(value, formats.text) if is_status else formats.text)
        return (max(map(len, value.split("\n"))) if "\n" in value else len(value)) + 2
    if isinstance(value, float) and value != value:  # NaN: no value
        return 0
    if isinstance(value, dt.datetime):
        sheet.write_datetime(row, column, value, formats.datetime)
        return 16
    if isinstance(value, dt.date):
        sheet.write_datetime(row, column, dt.datetime.combine(value, dt.time()), formats.date)
        return 11
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(row, column, value, formats.number)
        return len(str(value)) + 2
    sheet.write_string(row, column, str(value), formats.text)
    return len(str(value)) + 2


def _write_return_rates(workbook, formats: _Formats, register) -> None:
    """Sheet Rücklauf: returned / missing per Fachamt and per Handlungsfeld."""
    sheet = workbook.add_worksheet("Rücklauf")
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, len(STATUSES) + 2, 14)
    row = 0
    for key, title in (("fachamt", "Fachamt"), ("handlungsfeld", "Handlungsfeld")):
        sheet.write_string(row, 0, f"Rücklauf je {title}", formats.title)
        counts = (register.assign(**{key: register[key].fillna("").replace("", "(ohne Angabe)")})
                  .groupby(key, sort=False)["status"].value_counts().unstack(fill_value=0)
                  .reindex(columns=list(STATUSES), fill_value=0))
        first = row + 1
        columns = [title, "Werkzeuge", *STATUSES, "Rücklaufquote"]
        for offset, (group, values) in enumerate(counts.iterrows(), start=first + 1):
            total = int(values.sum())
            returned = int(values[STATUS_RECEIVED] + values[STATUS_PROBLEMS])
            sheet.write_string(offset, 0, str(group))
            sheet.write_number(offset, 1, total)
            for column, status in enumerate(STATUSES, start=2):
                sheet.write_number(offset, column, int(values[status]))
            sheet.write_number(offset, len(columns) - 1, returned / total if total else 0, formats.percent)
        last = first + max(1, len(counts))
        sheet.add_table(first, 0, last, len(columns) - 1, {
            "name": f"Ruecklauf_{key}", "style": "Table Style Light 9",
            "columns": [{"header": column, "header_format": formats.header} for column in columns],
        })
        row = last + 3


def read_sheet(path: Path, sheet_name: str):
    """A table sheet of master.xlsx as a DataFrame keyed by its hidden key row."""
    import pandas as pd
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    try:
        rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    finally:
        workbook.close()
    keys = [str(key) for key in rows[0]] if rows else []
    records = [[None if value == "" else value for value in row] for row in rows[2:] if any(v != "" for v in row)]
    return pd.DataFrame(records, columns=keys).astype(object)
