"""The master register workbook: sheets Register, Prüfung, Rücklauf, for a form with repeats Wiederholungen,
and where the round has a previous one Veränderungen; and reading it back.

Each table sheet carries the register keys in a hidden first row above the German
headers, so the data reads back by key even after a person renamed or reordered headers.
Long texts wrap in columns of limited width, in rows as high as their text; each sheet
prints on A4 landscape, one page wide, with its header row on every page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable

from .errors import ProjectError
from .layout import (
    FONT,
    LANDSCAPE,
    Font,
    Rows,
    column_pixels,
    column_width,
    one_line_length,
    page_setup,
    row_height,
    text_height,
)
from .messages import text
from .register import (
    PROBLEM_COLUMNS,
    STATUS_MISSING,
    STATUS_PROBLEMS,
    STATUS_RECEIVED,
    STATUS_REJECTED,
    STATUS_UNCONFIRMED,
    STATUSES,
    no_value,
)
from .rounds import CHANGE_COLUMNS
from .validate import ERROR
from .xlsx import new_workbook, read_workbook_rows

REGISTER_SHEET, PROBLEMS_SHEET, RETURNS_SHEET, REPEATS_SHEET, CHANGES_SHEET = (
    text(f"master.{sheet}_sheet") for sheet in ("register", "problems", "returns", "repeats", "changes"))
STATUS_KEYS = {STATUS_RECEIVED: "received", STATUS_PROBLEMS: "problems", STATUS_UNCONFIRMED: "unconfirmed",
               STATUS_MISSING: "missing", STATUS_REJECTED: "rejected"}
"""Each status -> the key of its explanation in the legend."""
STATUS_FILLS = {STATUS_RECEIVED: "#E2EFDA", STATUS_PROBLEMS: "#FFF2CC", STATUS_UNCONFIRMED: "#FCE4D6",
                STATUS_MISSING: "#EDEDED", STATUS_REJECTED: "#F8CBAD"}
LANGUAGE_PROPERTY = "werkstatt-xl form language"
"""The custom document property of master.xlsx naming the form's language its labels are in."""
NO_LANGUAGE = "-"
"""Its value for a form without named languages (a property cannot be empty)."""
_TEXT, _BOLD, _TITLE = Font(10), Font(10, bold=True), Font(13, bold=True)
_MIN_WIDTH, _MAX_WIDTH, _SPACING = 8, 40, 1
"""Column widths in characters: a longer text wraps; a cell's text gets a character of room beside it, so
a date or number (aligned right) does not touch the text in the next column."""
_HEADER_LINES = 3
"""A header wraps to at most this many lines where its column is narrower than the header."""
_GROUP_WIDTH, _COUNT_WIDTH = 40, 14
"""Column widths on the sheet Rücklauf: the Fachamt or Handlungsfeld, and the counts."""


def write_master_workbook(path: Path, register, problems: list, headers: dict[str, str], repeats=None,
                          repeat_headers: dict[str, str] | None = None, form_language: str = "",
                          changes=None) -> Path:
    """Write ``master.xlsx`` to ``path``, a new file (the caller writes it atomically, see
    :func:`~werkstatt_xl.files.atomic_path`); the sheet of ``repeats`` (the rows of the form's repeats,
    with ``repeat_headers``) where they are given, and with ``changes`` (see
    :func:`~werkstatt_xl.rounds.compare_rounds`) the sheet "Veränderungen". ``form_language``, the language
    of the choice labels it shows, is kept as a document property (:func:`read_form_language`)."""
    import pandas as pd

    problem_frame = pd.DataFrame([{key: str(getattr(problem, key)) for key in PROBLEM_COLUMNS}
                                  for problem in _most_important_first(problems, list(register["werkzeug_id"]))],
                                 columns=list(PROBLEM_COLUMNS))
    workbook = new_workbook(path)
    workbook.set_custom_property(LANGUAGE_PROPERTY, form_language or NO_LANGUAGE)
    formats = _Formats(workbook)
    _write_table(workbook, formats, REGISTER_SHEET, register, headers, freeze_columns=3)
    _write_table(workbook, formats, PROBLEMS_SHEET, problem_frame, PROBLEM_COLUMNS, freeze_columns=1)
    _write_return_rates(workbook, formats, register)
    if repeats is not None:
        _write_table(workbook, formats, REPEATS_SHEET, repeats, repeat_headers, freeze_columns=2)
    if changes is not None:
        _write_table(workbook, formats, CHANGES_SHEET, changes, CHANGE_COLUMNS, freeze_columns=2)
    workbook.close()
    return path


def _most_important_first(problems: list, werkzeug_ids: list[str]) -> list:
    """The rows of "Prüfung": errors before notices; within each, files that belong to no Werkzeug first,
    then by Werkzeug in catalogue order, so that each Werkzeug's problems stand together."""
    position = {werkzeug_id: index for index, werkzeug_id in enumerate(werkzeug_ids)}
    return sorted(problems, key=lambda problem: (problem.kind != ERROR, position.get(problem.werkzeug_id, -1)))


class _Formats:
    def __init__(self, workbook):
        def add(properties: dict):
            return workbook.add_format({"font_name": FONT, "font_size": _TEXT.size, "valign": "top", **properties})

        self.text = add({"text_wrap": True})
        self.date = add({"num_format": "dd.mm.yyyy"})
        self.datetime = add({"num_format": "dd.mm.yyyy hh:mm"})
        self.number = add({})
        self.percent = add({"num_format": "0%"})
        self.title = add({"bold": True, "font_size": _TITLE.size})
        # explicit, because LibreOffice ignores table styles and would show white header text
        self.header = add({"bold": True, "bg_color": "#D9E1F2", "text_wrap": True})
        self.status = {status: add({"bg_color": color}) for status, color in STATUS_FILLS.items()}
        self.legend = {status: add({"bg_color": color, "text_wrap": True}) for status, color in STATUS_FILLS.items()}


def _write_table(workbook, formats: _Formats, name: str, frame, headers: dict[str, str], freeze_columns: int) -> None:
    sheet = workbook.add_worksheet(name)
    rows = Rows(sheet)
    keys = list(headers)
    for column, key in enumerate(keys):
        sheet.write_string(0, column, key)
    sheet.set_row(0, None, None, {"hidden": True})
    records = list(frame.itertuples(index=False, name=None))  # plain tuples: a named one per row costs more
    shown = [[value if type(value) is str else "" if value is None else _shown(value) for value in record]
             for record in records]
    unwrapped = [{cell: column_width(cell, _TEXT) for cell in {cells[column] for cells in shown} if cell}
                 for column in range(len(keys))]  # per column, the width each text needs on one line
    widths = [_column_width(headers[key], unwrapped[column].values()) for column, key in enumerate(keys)]
    rows.set(1, max(text_height(width, (headers[key], _BOLD)) for width, key in zip(widths, keys)))
    one_line, short = row_height((1, _TEXT)), [one_line_length(width, _TEXT) for width in widths]
    measured = [{cell: one_line for cell, needed in texts.items() if needed <= width and "\n" not in cell}
                for texts, width in zip(unwrapped, widths)]  # per column, the height of each text: most repeat
    status_column = keys.index("status") if "status" in keys else -1
    for row, (record, cells) in enumerate(zip(records, shown), start=2):
        height = one_line
        for column, (value, cell) in enumerate(zip(record, cells)):
            if type(value) is str:
                sheet.write_text(row, column, value, formats.status.get(value, formats.text)
                                 if column == status_column else formats.text)
            else:
                _write_value(sheet, formats, row, column, value)
            if len(cell) > short[column] or "\n" in cell:  # else one line, as every row has
                known = measured[column]
                height = max(height, known.get(cell) or _measure(known, cell, widths[column]))
        rows.set(row, height)
    last_row = max(2, len(frame) + 1)
    sheet.add_table(1, 0, last_row, len(keys) - 1, {
        "name": "Tabelle_" + "".join(ch for ch in name if ch.isalnum()),
        "style": "Table Style Light 9",
        "columns": [{"header": headers[key], "header_format": formats.header} for key in keys],
    })
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(2, freeze_columns)
    _print_landscape(rows, last_row, widths, name, repeated=2)


def _measure(known: dict[str, float], cell: str, width: float) -> float:
    """The height of a row showing ``cell`` in a column ``width`` wide, remembered in ``known``."""
    known[cell] = text_height(width, (cell, _TEXT))
    return known[cell]


def _column_width(header: str, needed: Iterable[float]) -> float:
    """As wide as the longest cell (``needed``: the width of each), but at most :data:`_MAX_WIDTH` (longer text
    wraps); the bold header fits in :data:`_HEADER_LINES` lines and none of its words breaks."""
    content = max((width + _SPACING for width in needed), default=0)
    words = max((column_width(word, _BOLD) for word in header.split()), default=0)
    return min(_MAX_WIDTH, max(_MIN_WIDTH, content, words, column_width(header, _BOLD) / _HEADER_LINES))


def _shown(value) -> str:
    """A register value as a cell shows it, to measure it."""
    if no_value(value):
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _write_value(sheet, formats: _Formats, row: int, column: int, value) -> None:
    """Write one cell that is not ``str`` by type (text stays text, never a formula)."""
    if no_value(value):
        return
    if isinstance(value, dt.datetime):
        sheet.write_datetime(row, column, value, formats.datetime)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, column, dt.datetime.combine(value, dt.time()), formats.date)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(row, column, value, formats.number)
    else:
        sheet.write_string(row, column, str(value), formats.text)


def _print_landscape(rows: Rows, last_row: int, widths: list[float], name: str, repeated: int = 0,
                     blocks: list[tuple[int, int]] = ()) -> None:
    """A4 landscape, one page wide, the sheet's name and page numbers in the footer; gridlines stay on screen."""
    page_setup(rows, LANDSCAPE, last_row, len(widths) - 1, sum(map(column_pixels, widths)), name,
               text("master.page_numbers", page="{page}", pages="{pages}"), blocks, repeated, screen_gridlines=True)


def _write_return_rates(workbook, formats: _Formats, register) -> None:
    """Sheet Rücklauf: returned / missing per Fachamt and per Handlungsfeld."""
    sheet = workbook.add_worksheet(RETURNS_SHEET)
    rows = Rows(sheet)
    columns = [text("master.werkzeuge"), *STATUSES, text("master.return_rate")]
    widths = [_GROUP_WIDTH, *[_COUNT_WIDTH] * len(columns)]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    row, blocks = 0, []
    for key in ("fachamt", "handlungsfeld"):
        title = text(f"master.{key}")
        sheet.write_string(row, 0, text("master.returns_title", title=title), formats.title)
        rows.set(row, row_height((1, _TITLE)))
        counts = (register.assign(**{key: register[key].fillna("").replace("", text("master.no_value"))})
                  .groupby(key, sort=False)["status"].value_counts().unstack(fill_value=0)
                  .reindex(columns=list(STATUSES), fill_value=0))
        first = row + 1
        headers = [title, *columns]
        rows.set(first, max(text_height(width, (header, _BOLD)) for width, header in zip(widths, headers)))
        for offset, (group, values) in enumerate(counts.iterrows(), start=first + 1):
            total = int(values.sum())
            returned = int(values[STATUS_RECEIVED] + values[STATUS_PROBLEMS])
            sheet.write_string(offset, 0, str(group), formats.text)
            sheet.write_number(offset, 1, total, formats.number)
            for column, status in enumerate(STATUSES, start=2):
                sheet.write_number(offset, column, int(values[status]), formats.number)
            sheet.write_number(offset, len(headers) - 1, returned / total if total else 0, formats.percent)
            rows.set(offset, text_height(_GROUP_WIDTH, (str(group), _TEXT)))
        last = first + max(1, len(counts))
        sheet.add_table(first, 0, last, len(headers) - 1, {
            "name": f"Ruecklauf_{key}", "style": "Table Style Light 9",
            "columns": [{"header": header, "header_format": formats.header} for header in headers],
        })
        blocks.append((row, last))
        row = last + 3
    sheet.write_string(row, 0, text("master.legend_title"), formats.title)
    rows.set(row, row_height((1, _TITLE)))
    for offset, status in enumerate(STATUSES, start=row + 1):
        entry = text("master.legend_entry", status=status, meaning=text(f"master.legend.{STATUS_KEYS[status]}"))
        sheet.write_string(offset, 0, entry, formats.legend[status])
        rows.set(offset, text_height(_GROUP_WIDTH, (entry, _TEXT)))
    blocks.append((row, row + len(STATUSES)))
    _print_landscape(rows, row + len(STATUSES), widths, RETURNS_SHEET, blocks=blocks)


def read_sheet(path: Path, sheet_name: str):
    """A table sheet of master.xlsx as a DataFrame keyed by its hidden key row.

    Raises :class:`ProjectError` when the file or the sheet cannot be read (damaged, renamed,
    its key row deleted): merge writes it anew.
    """
    import pandas as pd

    try:
        [rows] = read_workbook_rows(path, sheet=sheet_name).values()
    except ValueError as error:
        raise ProjectError(text("master.unreadable", path=path, reason=error)) from None
    keys = [str(key) for key in rows[0]] if rows else []
    if "werkzeug_id" not in keys:
        raise ProjectError(text("master.unreadable", path=path, reason=text("master.no_key_row", sheet=sheet_name)))
    records = [row for row in rows[2:] if any(value is not None for value in row)]
    return pd.DataFrame(records, columns=keys).astype(object)


def read_form_language(path: Path) -> str | None:
    """The form language ``master.xlsx`` at ``path`` shows its choice labels in ("" for a form without named
    languages), or None where it does not say (written before it did, or the property was removed)."""
    import zipfile

    from defusedxml import DefusedXmlException, ElementTree

    try:
        with zipfile.ZipFile(path) as archive:
            root = ElementTree.fromstring(archive.read("docProps/custom.xml"))
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError, DefusedXmlException):
        return None
    for prop in root:
        if prop.get("name") == LANGUAGE_PROPERTY and len(prop) and prop[0].text is not None:
            return "" if prop[0].text == NO_LANGUAGE else prop[0].text
    return None
