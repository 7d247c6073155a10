"""``redaktion.xlsx``: the office's own texts for the remarks column of Tabelle 1.

The office decides what is published. Each merge writes one row per Werkzeug: what Tabelle 1
prints from the answers (read only, refreshed every time) and a column the office fills in
where Tabelle 1 is to print something else, e.g. a remark without a person's phone number.
The office's entries are matched by Werkzeug-ID and kept across merges, also for a Werkzeug
that left the catalogue (listed with a note, not printed). A lone dash prints nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .catalogue import COLUMNS, fold
from .errors import FileProblem, InputFileError, ProjectError
from .files import OLE2_MAGIC
from .layout import FONT, LANDSCAPE, Font, Rows, column_pixels, page_setup, text_height
from .messages import Code, text
from .xlsx import new_workbook, read_workbook_rows

OVERRIDES = "redaktion.xlsx"
NOTHING = ("-", "–", "—")
"""An entry of only one of these prints nothing."""
_WIDTHS = (12, 34, 60, 60, 30)
"""Werkzeug-ID, Werkzeug, the text from the answers, the office's text, a note."""
_TEXT, _BOLD, _TITLE = Font(9), Font(9, bold=True), Font(13, bold=True)
_HEADER_ROW = 2
"""The row of the column headers (0-based), below the title and the explanation."""
_TITLES = {"werkzeug_id": COLUMNS["werkzeug_id"], "werkzeug": COLUMNS["werkzeug"],
           "printed": text("overrides.printed"), "entry": text("overrides.entry"), "note": text("overrides.note")}
"""The column headers, by which the columns are found again."""
_SEARCHED_ROWS = 10
"""A header row moved down (rows inserted above it) is found within this many rows."""


class OverridesError(InputFileError):
    """A ``redaktion.xlsx`` that cannot be used; each problem names its row."""

    what = "input_file.overrides"
    remedy = "input_file.overrides_remedy"


@dataclass(frozen=True)
class Override:
    """The office's text for one Werkzeug, as typed in the row ``row`` of the workbook."""

    werkzeug_id: str
    werkzeug: str
    text: str
    row: int

    @property
    def printed(self) -> str:
        """What Tabelle 1 prints: the text, or nothing for a lone dash."""
        return "" if self.text in NOTHING else self.text


@dataclass(frozen=True)
class Overrides:
    """The entries of ``redaktion.xlsx`` by Werkzeug-ID, and the SHA-256 of the file read (None: no file)."""

    path: Path
    entries: dict[str, Override]
    sha256: str | None = None

    @property
    def texts(self) -> dict[str, str]:
        """Werkzeug-ID -> what Tabelle 1 prints in its remarks column."""
        return {werkzeug_id: entry.printed for werkzeug_id, entry in self.entries.items()}

    def check_unchanged(self) -> None:
        """Raise :class:`ProjectError` when the file was saved since it was read: writing it now would lose
        what the office just typed."""
        if _sha256(self.path) != self.sha256:
            raise ProjectError(text("overrides.changed", path=self.path))


def read_overrides(path: Path) -> Overrides:
    """The office's entries in ``path`` (none when it does not exist); :class:`OverridesError` naming the
    row and what to do when it cannot be used."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Overrides(path, {})
    except PermissionError:
        raise OverridesError(path, [_problem(Code.OVERRIDES_LOCKED)]) from None
    except OSError as error:  # a folder of that name
        raise OverridesError(path, [_problem(Code.OVERRIDES_NOT_A_FILE, reason=error.strerror or error)]) from None
    if data.startswith(OLE2_MAGIC):
        raise OverridesError(path, [_problem(Code.OVERRIDES_XLS_OR_PASSWORD)])
    try:
        [rows] = read_workbook_rows(path, first_only=True).values()
    except ValueError as error:
        raise OverridesError(path, [_problem(Code.OVERRIDES_UNREADABLE, error=error)]) from None
    return Overrides(path, _entries(path, rows), hashlib.sha256(data).hexdigest())


def _entries(path: Path, rows: list[list]) -> dict[str, Override]:
    """The filled entries below the header row; every row that cannot be used is a problem."""
    titles = {key: fold(title) for key, title in _TITLES.items()}
    header = next((number for number, row in enumerate(rows[:_SEARCHED_ROWS])
                   if titles["werkzeug_id"] in map(fold, map(_cell_text, row))), None)
    found = [fold(_cell_text(value)) for value in rows[header]] if header is not None else []
    columns = {key: found.index(title) if title in found else None for key, title in titles.items()}
    missing = [_TITLES[key] for key in ("werkzeug_id", "entry") if columns[key] is None]
    if missing:
        raise OverridesError(path, [_problem(Code.OVERRIDES_MISSING_COLUMNS, (header or 0) + 1,
                                             columns=", ".join(map(repr, missing)))])
    entries: dict[str, Override] = {}
    problems = []
    for number, row in enumerate(rows[header + 1:], start=header + 2):
        werkzeug_id, werkzeug, entry = (_cell_text(row[column]) if column is not None and column < len(row) else ""
                                        for column in (columns["werkzeug_id"], columns["werkzeug"], columns["entry"]))
        werkzeug_id = " ".join(werkzeug_id.split())  # as the catalogue reads it
        if not entry:
            continue
        if not werkzeug_id:
            problems.append(_problem(Code.OVERRIDES_NO_ID, number))
        elif werkzeug_id in entries and entries[werkzeug_id].text != entry:
            problems.append(_problem(Code.OVERRIDES_ID_TWICE, number, werkzeug_id=werkzeug_id,
                                     first=entries[werkzeug_id].row))
        else:
            entries.setdefault(werkzeug_id, Override(werkzeug_id, werkzeug, entry, number))
    if problems:
        raise OverridesError(path, problems)
    return entries


def _cell_text(value: object) -> str:
    """A cell as the text a person typed, without outer spaces: a date as 31.12.2019, a number as 2,5."""
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M" if value.time() else "%d.%m.%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return "" if value is None else str(value).strip()


def _problem(code: Code, row: int | None = None, /, **values: object) -> FileProblem:
    """A problem, its message starting with the row where there is one."""
    message = text(code, **values)
    return FileProblem(code, text("overrides.at_row", row=row, problem=message) if row else message, row)


def _sha256(path: Path) -> str | None:
    """The SHA-256 of the file's content, None when there is no file."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def write_overrides(path: Path, printed: list[tuple[str, str, str]], overrides: Overrides, column: str,
                    footer: str = "") -> None:
    """Write the workbook to ``path``, a new file (the caller writes it atomically): one row per Werkzeug of
    ``printed`` ((Werkzeug-ID, Werkzeug, what Tabelle 1 prints in ``column`` from the answers), in table
    order) with the office's entry, then the entries of Werkzeuge no longer listed, with a note."""
    listed = {werkzeug_id for werkzeug_id, _, _ in printed}
    records = [(werkzeug_id, werkzeug, words, overrides.entries[werkzeug_id].text if werkzeug_id in overrides.entries
                else "", "") for werkzeug_id, werkzeug, words in printed]
    records += [(entry.werkzeug_id, entry.werkzeug, "", entry.text, text("overrides.not_listed"))
                for entry in overrides.entries.values() if entry.werkzeug_id not in listed]
    workbook = new_workbook(path)
    title = text("overrides.title", column=column)
    workbook.set_properties({"title": title, "subject": footer, "author": "werkstatt-xl"})
    add = workbook.add_format
    base = {"font_name": FONT, "font_size": _TEXT.size, "text_wrap": True, "valign": "top"}
    cell = {**base, "border": 1, "border_color": "#A6A6A6"}
    looks = (add(cell), add(cell), add({**cell, "bg_color": "#F2F2F2"}),
             add({**cell, "bg_color": "#FFF8DC", "locked": False, "num_format": "@"}),
             add({**cell, "italic": True, "font_color": "#C00000"}))
    sheet = workbook.add_worksheet(text("overrides.sheet"))
    rows = Rows(sheet)
    for index, width in enumerate(_WIDTHS):
        sheet.set_column(index, index, width)
    last_column = len(_WIDTHS) - 1
    sheet.merge_range(0, 0, 0, last_column, title, add({**base, "font_size": _TITLE.size, "bold": True,
                                                        "valign": "vcenter"}))
    rows.set(0, 24)
    explanation = text("overrides.explanation", column=column)
    sheet.merge_range(1, 0, 1, last_column, explanation, add({**base, "font_color": "#404040"}))
    rows.set(1, text_height(sum(_WIDTHS), (explanation, _TEXT)) + 6)
    headers = [_TITLES[key] for key in ("werkzeug_id", "werkzeug", "printed", "entry", "note")]
    header_format = add({**cell, "bold": True, "bg_color": "#E7E6E6"})
    for index, header in enumerate(headers):
        sheet.write_string(_HEADER_ROW, index, header, header_format)
    rows.set(_HEADER_ROW, max(text_height(width, (header, _BOLD)) for width, header in zip(_WIDTHS, headers)))
    for row, record in enumerate(records, start=_HEADER_ROW + 1):
        for index, (value, look) in enumerate(zip(record, looks)):
            if value:
                sheet.write_text(row, index, value, look)
            else:
                sheet.write_blank(row, index, None, look)
        rows.set(row, max(text_height(width, (value, _TEXT)) for width, value in zip(_WIDTHS, record)))
    last = _HEADER_ROW + len(records)
    sheet.data_validation(_HEADER_ROW + 1, 3, max(last, _HEADER_ROW + 1), 3, {
        "validate": "any", "input_title": text("overrides.input_title"),
        "input_message": text("overrides.input_message")})
    sheet.autofilter(_HEADER_ROW, 0, last, last_column)
    sheet.freeze_panes(_HEADER_ROW + 1, 0)
    sheet.protect("", {"autofilter": True, "sort": True, "format_rows": True, "format_columns": True})
    page_setup(rows, LANDSCAPE, last, last_column, sum(map(column_pixels, _WIDTHS)), footer,
               text("overrides.page_numbers", page="{page}", pages="{pages}"), repeated=_HEADER_ROW + 1,
               screen_gridlines=True)
    workbook.close()
