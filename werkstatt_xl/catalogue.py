"""Read and check the Werkzeug catalogue (``katalog.xlsx`` or CSV)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from copy import copy
from dataclasses import dataclass
from pathlib import Path

from .errors import CatalogueError, FileProblem
from .files import OLE2_MAGIC, atomic_path, csv_delimiter, read_csv_text
from .messages import Code, text
from .xlsx import MAX_CELL_TEXT, new_workbook, read_workbook_rows, text_length

COLUMNS = {
    "werkzeug_id": "Werkzeug-ID",
    "handlungsfeld": "Handlungsfeld",
    "werkzeug": "Werkzeug",
    "kategorie": "Kategorie",
    "seite": "Seite",
    "fachamt": "Fachamt",
    "ansprechpartner": "Ansprechpartner/-in",
    "email": "E-Mail",
}
"""Catalogue field -> column header in the workbook, in the order ``init`` writes them."""

KATEGORIEN = ("neu", "bestehend")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
"""Invisible control characters and non-characters: they break the XML of a workbook's properties,
headers and footers, or come back from a cell as an escape code."""
_EMAIL = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[^@\s;,<>]+$")


@dataclass(frozen=True)
class Werkzeug:
    """One project of the plan, as the catalogue describes it."""

    werkzeug_id: str
    handlungsfeld: str
    werkzeug: str
    kategorie: str
    seite: str
    fachamt: str
    ansprechpartner: str
    email: str
    handlungsfeld_nr: int
    row: int

    @property
    def addresses(self) -> list[str]:
        """The e-mail addresses (a cell may hold several, separated by ``;`` or ``,``)."""
        return [part.strip() for part in re.split(r"[;,]", self.email) if part.strip()]


@dataclass(frozen=True)
class Catalogue:
    path: Path
    werkzeuge: tuple[Werkzeug, ...]
    derived_ids: bool
    """True when some Werkzeug-IDs were missing and derived from the names (not yet saved)."""

    @property
    def handlungsfelder(self) -> list[str]:
        return list(dict.fromkeys(werkzeug.handlungsfeld for werkzeug in self.werkzeuge))

    def by_id(self) -> dict[str, Werkzeug]:
        return {werkzeug.werkzeug_id: werkzeug for werkzeug in self.werkzeuge}

    def by_title(self) -> dict[str, Werkzeug]:
        """Werkzeuge by their name folded with :func:`fold`."""
        return {fold(werkzeug.werkzeug): werkzeug for werkzeug in self.werkzeuge}

    def to_frame(self):
        """The catalogue as a DataFrame with the German column headers."""
        import pandas as pd

        return pd.DataFrame(
            [[getattr(werkzeug, key) for key in COLUMNS] for werkzeug in self.werkzeuge],
            columns=list(COLUMNS.values()),
        )


def derived_id(werkzeug: str) -> str:
    """A stable id from the Werkzeug's name, used where the catalogue has none."""
    return "wz-" + hashlib.sha1(fold(werkzeug).encode()).hexdigest()[:8]


def fold(text: str) -> str:
    """Case- and space-insensitive form of ``text`` for matching names."""
    return " ".join(unicodedata.normalize("NFKC", text).replace("\u00a0", " ").split()).casefold()


def load_catalogue(path: Path) -> Catalogue:
    """Read and check the catalogue; raise :class:`CatalogueError` listing every problem of the file at once."""
    path = Path(path)
    header, rows = _read_table(path)
    positions, problems = _locate_columns(header)
    werkzeuge, seen_names, seen_ids, numbers = [], {}, {}, {}
    derived = False
    for row_number, row in rows:
        values = {key: _text(row[index]) if index is not None and index < len(row) else ""
                  for key, index in positions.items()}
        if not any(values.values()):
            continue
        checked = {key for key, index in positions.items() if index is not None}  # cells whose text is usable
        for key, value in values.items():
            for code, details in _unusable_text(value):
                problems.append(_problem(code, row_number, key, **details))
                checked.discard(key)
        name, named = values["werkzeug"], False  # named: a usable name not listed before
        if "werkzeug" in checked and not name:
            problems.append(_problem(Code.CATALOGUE_NAME_EMPTY, row_number, "werkzeug"))
        elif "werkzeug" in checked and fold(name) in seen_names:
            problems.append(_problem(Code.CATALOGUE_NAME_TWICE, row_number, "werkzeug", name=name,
                                     first=seen_names[fold(name)]))
        elif "werkzeug" in checked:
            seen_names[fold(name)], named = row_number, True
        if "handlungsfeld" in checked and not values["handlungsfeld"]:
            problems.append(_problem(Code.CATALOGUE_NO_HANDLUNGSFELD, row_number, "handlungsfeld"))
        kategorie = values["kategorie"].lower()
        if "kategorie" in checked and kategorie not in KATEGORIEN:
            problems.append(_problem(Code.CATALOGUE_BAD_KATEGORIE, row_number, "kategorie",
                                     value=values["kategorie"], allowed=", ".join(KATEGORIEN)))
        for address in re.split(r"[;,]", values["email"]) if "email" in checked else ():
            if address.strip() and not _EMAIL.match(address.strip()):
                problems.append(_problem(Code.CATALOGUE_BAD_EMAIL, row_number, "email", value=address.strip()))
        werkzeug_id = values["werkzeug_id"] if "werkzeug_id" in checked else ""
        if not werkzeug_id and named:
            werkzeug_id, derived = derived_id(name), True
        if werkzeug_id in seen_ids:
            problems.append(_problem(Code.CATALOGUE_ID_TWICE, row_number, "werkzeug_id", value=werkzeug_id,
                                     first=seen_ids[werkzeug_id]))
        elif werkzeug_id:
            seen_ids[werkzeug_id] = row_number
        number = numbers.setdefault(values["handlungsfeld"], len(numbers) + 1)
        werkzeuge.append(Werkzeug(**{**values, "werkzeug_id": werkzeug_id, "kategorie": kategorie},
                                  handlungsfeld_nr=number, row=row_number))
    if not werkzeuge and not problems:
        problems.append(_problem(Code.CATALOGUE_NO_WERKZEUG))
    if problems:
        raise CatalogueError(path, problems)
    return Catalogue(path, tuple(werkzeuge), derived)


def _unusable_text(value: str) -> list[tuple[Code, dict]]:
    """Why a cell's text cannot go into a workbook: an invisible control character, or too long for a cell."""
    found = []
    control = _CONTROL.search(value)
    if control:
        found.append((Code.CATALOGUE_CONTROL_CHARACTER, {"character": f"U+{ord(control.group()):04X}"}))
    if text_length(value) > MAX_CELL_TEXT:
        found.append((Code.CATALOGUE_TOO_LONG, {"length": text_length(value), "most": MAX_CELL_TEXT}))
    return found


def _problem(code: Code, row: int | None = None, column: str | None = None, **values: object) -> FileProblem:
    """A catalogue problem, its message starting with row and column header where there are ones."""
    message = text(code, **values)
    if column:
        message = text("catalogue.at_cell", row=row, column=COLUMNS[column], problem=message)
    elif row:
        message = text("catalogue.at_row", row=row, problem=message)
    return FileProblem(code, message, row)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).replace("\u00a0", " ").split())


def _locate_columns(header: list[object]) -> tuple[dict[str, int | None], list[FileProblem]]:
    """The position of each catalogue column in ``header`` (None where it has none), and the problem of
    the columns missing (the Werkzeug-ID may be)."""
    wanted = {_header_key(title): key for key, title in COLUMNS.items()}
    found: dict[str, int | None] = {key: None for key in COLUMNS}
    for index, title in enumerate(header):
        key = wanted.get(_header_key(_text(title)))
        if key and found[key] is None:
            found[key] = index
    missing = [COLUMNS[key] for key, index in found.items() if index is None and key != "werkzeug_id"]
    if not missing:
        return found, []
    return found, [_problem(Code.CATALOGUE_MISSING_COLUMNS, 1, columns=", ".join(map(repr, missing)),
                            expected=", ".join(COLUMNS.values()))]


def _header_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(title))


def _read_table(path: Path) -> tuple[list[object], list[tuple[int, tuple]]]:
    """Header and numbered rows of the first sheet (xlsx) or of a CSV file."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise CatalogueError(path, [_problem(Code.CATALOGUE_MISSING_FILE)]) from None
    except PermissionError:
        raise CatalogueError(path, [_problem(Code.CATALOGUE_LOCKED)]) from None
    except OSError as error:  # a folder, say, where [files] catalogue names a file
        raise CatalogueError(path, [_problem(Code.CATALOGUE_NOT_A_FILE, reason=error.strerror or error)]) from None
    if not head:
        raise CatalogueError(path, [_problem(Code.CATALOGUE_EMPTY)])
    if head == OLE2_MAGIC:
        raise CatalogueError(path, [_problem(Code.CATALOGUE_XLS_OR_PASSWORD)])
    if path.suffix.lower() in (".csv", ".txt"):
        return _read_csv(path)
    try:
        [rows] = read_workbook_rows(path, first_only=True).values()
    except ValueError as error:
        raise CatalogueError(path, [_problem(Code.CATALOGUE_UNREADABLE, error=error)]) from None
    if not rows:
        raise CatalogueError(path, [_problem(Code.CATALOGUE_EMPTY_SHEET)])
    return list(rows[0]), list(enumerate(rows[1:], start=2))


def _read_csv(path: Path) -> tuple[list[object], list[tuple[int, tuple]]]:
    content, _ = read_csv_text(path)
    rows = list(csv.reader(io.StringIO(content, newline=""), delimiter=csv_delimiter(content)))
    if not rows:
        raise CatalogueError(path, [_problem(Code.CATALOGUE_EMPTY)])
    return list(rows[0]), [(number, tuple(row)) for number, row in enumerate(rows[1:], start=2)]


def write_empty_catalogue(path: Path) -> None:
    """A catalogue with headers, a Kategorie dropdown and an explanation row for a new project."""
    with atomic_path(path) as temporary:
        workbook = new_workbook(temporary)
        sheet = workbook.add_worksheet(text("catalogue.sheet"))
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        widths = {"werkzeug_id": 12, "handlungsfeld": 28, "werkzeug": 50, "kategorie": 12, "seite": 8,
                  "fachamt": 24, "ansprechpartner": 24, "email": 30}
        for column, (key, title) in enumerate(COLUMNS.items()):
            sheet.write_string(0, column, title, header)
            sheet.set_column(column, column, widths[key])
        kategorie = list(COLUMNS).index("kategorie")
        sheet.data_validation(1, kategorie, 1000, kategorie, {
            "validate": "list", "source": list(KATEGORIEN),
            "input_title": COLUMNS["kategorie"], "input_message": text("catalogue.kategorie_input"),
        })
        sheet.freeze_panes(1, 0)
        workbook.close()


def write_catalogue_ids(catalogue: Catalogue) -> None:
    """Store the derived Werkzeug-IDs in the catalogue file, formatting and CSV separator kept.

    Without a Werkzeug-ID column, an xlsx gets one as its last column and a CSV as its first.
    """
    path = catalogue.path
    if path.suffix.lower() in (".csv", ".txt"):
        header, rows = _read_table(path)
        content, encoding = read_csv_text(path)
        position = _locate_columns(header)[0]["werkzeug_id"]
        ids = {werkzeug.row: werkzeug.werkzeug_id for werkzeug in catalogue.werkzeuge}
        with atomic_path(path) as temporary, temporary.open("w", newline="", encoding=encoding) as handle:
            writer = csv.writer(handle, delimiter=csv_delimiter(content))
            writer.writerow(header if position is not None else [COLUMNS["werkzeug_id"], *header])
            for number, row in rows:
                row = list(row)
                if position is None:
                    row.insert(0, ids.get(number, ""))
                elif number in ids:
                    row[position] = ids[number]
                writer.writerow(row)
        return
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    position = _locate_columns(header)[0]["werkzeug_id"]
    if position is None:  # a new last column: columns, widths and dropdowns of the others stay in place
        position = len(header)
        title = sheet.cell(row=1, column=position + 1, value=COLUMNS["werkzeug_id"])
        title._style = copy(sheet.cell(row=1, column=position)._style)
    for werkzeug in catalogue.werkzeuge:
        sheet.cell(row=werkzeug.row, column=position + 1, value=werkzeug.werkzeug_id)
    with atomic_path(path) as temporary:
        workbook.save(temporary)

