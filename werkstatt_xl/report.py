"""Register + report definition -> Tabelle 1 ("Teilauswertung") and its charts, as a workbook.

The definition (``templates/tabelle1.toml`` or the project's own) says which answers feed
which column and holds every text the workbook prints, so a new round changes text, not code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .catalogue import KATEGORIEN, fold
from .form import Form
from .project import Project, ProjectError
from .register import STATUSES
from .xlsx import InputFileError, atomic_path, new_workbook

HANDLUNGSFELD, KATEGORIE, RUECKLAUF = "Handlungsfeld", "Kategorie", "Rücklauf"
"""Columns of :func:`tabelle1` besides those named by the definition."""
REPORT_NAME = "tabelle1.xlsx"
INSTALL_HINT = "apt-get install libreoffice-calc-nogui"


class ReportError(ProjectError):
    """A report that cannot be made; the message says what to do."""


class ReportDefinitionError(InputFileError, ReportError):
    """A report definition that cannot be used; ``problems`` are (line, message) pairs."""

    what = "report definition"
    remedy = "Correct the definition and run the command again."
    most_shown = 1000

    def __init__(self, path: Path, problems: list[tuple[int, str]]):
        super().__init__(path, [f"line {line}: {message}" for line, message in problems])
        self.problems = problems


@dataclass(frozen=True)
class Kategorie:
    """How the Werkzeug cell of one catalogue Kategorie is tinted, and the legend text."""

    name: str
    color: str
    text: str


@dataclass(frozen=True)
class YesNoColumn:
    """A header over two X columns, fed by one select_one question."""

    header: str
    question: str
    yes: tuple[str, ...]
    no: tuple[str, ...]

    def outcome(self, answer: str) -> bool | None:
        """True for a yes answer, False for a no answer, None for anything else."""
        return True if answer in self.yes else False if answer in self.no else None


@dataclass(frozen=True)
class Rating:
    """A rated question counted on the chart sheet, with its choice labels in form order."""

    question: str
    label: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class ChartTexts:
    sheet: str
    title: str
    handlungsfeld: str
    by_handlungsfeld: str
    ratings_title: str
    axis: str
    total: str
    blank: str
    unanswered: str
    no_return: str
    neutral: tuple[str, ...]
    ratings: tuple[Rating, ...]


@dataclass(frozen=True)
class ReportDefinition:
    path: Path
    title: str
    sheet: str
    page: str
    werkzeug_header: str
    yes: str
    no: str
    kategorien: tuple[Kategorie, ...]
    yes_no: tuple[YesNoColumn, ...]
    remarks_header: str
    remarks_questions: tuple[str, ...]
    separator: str
    no_return_statuses: tuple[str, ...]
    no_return_text: str
    charts: ChartTexts

    @property
    def columns(self) -> list[str]:
        """The columns of :func:`tabelle1`."""
        return [HANDLUNGSFELD, self.werkzeug_header, KATEGORIE, *(column.header for column in self.yes_no),
                self.remarks_header, RUECKLAUF]


@dataclass(frozen=True)
class ReportResult:
    workbook: Path
    pdf: Path | None
    werkzeuge: int
    without_return: tuple[str, ...]
    """The Werkzeuge marked as without return, in table order."""


# ---------------------------------------------------------------- the definition

_TOP_SCHEMA = {"table": dict, "legend": dict, "yes_no": list, "remarks": dict, "no_return": dict, "charts": dict}
_TABLE_SCHEMAS = {
    "table": {"title": str, "sheet": str, "werkzeug_header": str, "yes": str, "no": str, "page": str},
    "remarks": {"header": str, "questions": tuple, "separator": str},
    "no_return": {"statuses": tuple, "text": str},
    "charts": {"sheet": str, "title": str, "handlungsfeld": str, "by_handlungsfeld": str, "ratings_title": str,
               "axis": str, "total": str, "blank": str, "unanswered": str, "no_return": str, "neutral": tuple,
               "ratings": dict},
}
_YES_NO_SCHEMA = {"header": str, "question": str, "yes": tuple, "no": tuple}
_LEGEND_SCHEMA = {"color": str, "text": str}
_KIND_NAMES = {str: "a text in quotes", tuple: 'a list of texts like ["a", "b"]', dict: "a table",
               list: "written as [[...]] blocks"}
_HEADER_LINE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def load_report_definition(path: Path, form: Form) -> ReportDefinition:
    """Read and check the definition against ``form``; raise :class:`ReportDefinitionError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportDefinitionError(path, [(1, "the file does not exist. Set [files] report in werkstatt.toml to "
                                               "an existing file, or leave it empty for the shipped one.")]) from None
    except UnicodeDecodeError:
        raise ReportDefinitionError(path, [(1, "the file is not UTF-8 text. Save it as UTF-8.")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ReportDefinitionError(path, [_toml_problem(str(error), text)]) from None
    return _DefinitionReader(path, text, form).read(data)


def _toml_problem(message: str, text: str) -> tuple[int, str]:
    """tomllib's ``... (at line 3, column 7)`` as (3, ``... (column 7); not valid TOML``)."""
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found:
        return int(found.group(1)), f"{message[:found.start()]} (column {found.group(2)}); this is not valid TOML."
    return max(1, len(text.splitlines())), f"{message.removesuffix(' (at end of document)')} at the end of the " \
                                           "file; this is not valid TOML."


class _Lines:
    """Finds the line of a table, key or value in the TOML text, for error messages."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.sections: list[tuple[str, int, int]] = []  # (table name, first line, last line)
        name, first = "", 1
        for number, line in enumerate(self.lines, start=1):
            header = _HEADER_LINE.match(line)
            if header:
                self.sections.append((name, first, number - 1))
                name, first = re.sub(r"\s*\.\s*", ".", header.group(1)).replace('"', ""), number
        self.sections.append((name, first, len(self.lines)))

    def find(self, table: str = "", key: str | None = None, value: str | None = None, occurrence: int = 0) -> int:
        matches = [section for section in self.sections if section[0] == table]
        if occurrence >= len(matches):
            return 1
        _, first, last = matches[occurrence]
        if key is None:
            return first
        key_line = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
        start = next((number for number in range(first, last + 1) if key_line.match(self.lines[number - 1])), None)
        if start is None:
            nested = f"{table}.{key}" if table else key
            return next((section[1] for section in self.sections if section[0] == nested), first)
        if value is None:
            return start
        any_key = re.compile(r"""^\s*["']?[A-Za-z0-9_-]+["']?\s*=""")
        for number in range(start, last + 1):
            line = self.lines[number - 1]
            if number > start and any_key.match(line):
                break
            if f'"{value}"' in line or f"'{value}'" in line:
                return number
        return start


class _DefinitionReader:
    def __init__(self, path: Path, text: str, form: Form):
        self.path, self.form, self.lines = path, form, _Lines(text)
        self.problems: list[tuple[int, str]] = []

    def problem(self, message: str, table: str = "", key: str | None = None, value: str | None = None,
                occurrence: int = 0) -> None:
        self.problems.append((self.lines.find(table, key, value, occurrence), message))

    def read(self, data: dict) -> ReportDefinition:
        top = self.fields(data, "", _TOP_SCHEMA)
        table, remarks, no_return, charts = (self.fields(top[name], name, _TABLE_SCHEMAS[name])
                                             for name in ("table", "remarks", "no_return", "charts"))
        kategorien = self.read_legend(top["legend"])
        yes_no = self.read_yes_no(top["yes_no"])
        for name in remarks["questions"]:
            self.question(name, "remarks", "questions", value=name)
        for status in no_return["statuses"]:
            if status not in STATUSES:
                self.problem(f"'{status}' is not a status of the register; statuses: {', '.join(STATUSES)}.",
                             "no_return", "statuses", status)
        ratings = self.read_ratings(charts["ratings"])
        known_answers = {choice for rating in ratings for choice in rating.choices}
        for label in charts["neutral"]:
            if label not in known_answers:
                self.problem(f"'{label}' is not an answer of any question in [charts.ratings].", "charts",
                             "neutral", label)
        self.check_sheet_names(table["sheet"], charts["sheet"])
        if self.problems:
            raise ReportDefinitionError(self.path, sorted(self.problems))
        return ReportDefinition(
            path=self.path, title=table["title"], sheet=table["sheet"], page=table["page"],
            werkzeug_header=table["werkzeug_header"],
            yes=table["yes"], no=table["no"], kategorien=kategorien, yes_no=yes_no,
            remarks_header=remarks["header"], remarks_questions=remarks["questions"], separator=remarks["separator"],
            no_return_statuses=no_return["statuses"], no_return_text=no_return["text"],
            charts=ChartTexts(**{**charts, "ratings": ratings}),
        )

    def fields(self, data: object, table: str, schema: dict, occurrence: int = 0) -> dict:
        """``data``'s values for the keys of ``schema``, each of its kind; problems for the rest."""
        where = f"[{table}]" if table else "the top level"
        result = {key: kind() for key, kind in schema.items()}
        if not isinstance(data, dict):
            return result
        for key in data:
            if key not in schema:
                self.problem(f"unknown key '{key}' in {where}; known keys: {', '.join(schema)}.", table, key,
                             occurrence=occurrence)
        for key, kind in schema.items():
            if key not in data:
                if kind is not list:  # no [[...]] block at all is an empty list
                    self.problem(f"{where} lacks the key '{key}'.", table, occurrence=occurrence)
                continue
            value = data[key]
            if kind is tuple and isinstance(value, list) and all(isinstance(item, str) for item in value):
                result[key] = tuple(value)
            elif kind is not tuple and isinstance(value, kind):
                result[key] = value
            else:
                self.problem(f"'{key}' in {where} must be {_KIND_NAMES[kind]}.", table, key, occurrence=occurrence)
        return result

    def question(self, name: str, table: str, key: str, value: str | None = None, occurrence: int = 0,
                 select_one: bool = False):
        """The form's question ``name``, or None after reporting the problem."""
        try:
            question = self.form.question(name)
        except KeyError:
            question = None
        if question is None or not question.is_answer:
            self.problem(f"the question '{name}' is not in the form {self.form.path.name}; its questions: "
                         f"{', '.join(self.form.answer_names())}.", table, key, value, occurrence)
            return None
        if select_one and question.type != "select_one":
            self.problem(f"the question '{name}' is of type {question.type}; only a select_one question has "
                         "answers to count.", table, key, value, occurrence)
            return None
        return question

    def read_legend(self, data: dict) -> tuple[Kategorie, ...]:
        kategorien = []
        for name in data:
            if name not in KATEGORIEN:
                self.problem(f"'{name}' in [legend] is not a Kategorie of the catalogue ({', '.join(KATEGORIEN)}).",
                             "legend", name)
        for name in KATEGORIEN:
            if name not in data:
                self.problem(f"[legend] lacks the Kategorie '{name}'.", "legend")
                continue
            fields = self.fields(data[name], f"legend.{name}", _LEGEND_SCHEMA)
            if not isinstance(data[name], dict):
                self.problem(f"'{name}' in [legend] must be a table like {{ color = \"#C9E3B5\", text = \"...\" }}.",
                             "legend", name)
            elif fields["color"] and not _COLOR.match(fields["color"]):
                self.problem(f"the color '{fields['color']}' of '{name}' is not like \"#C9E3B5\".", "legend", name,
                             fields["color"])
            kategorien.append(Kategorie(name, fields["color"], fields["text"]))
        return tuple(kategorien)

    def read_yes_no(self, blocks: list) -> tuple[YesNoColumn, ...]:
        columns = []
        for occurrence, block in enumerate(blocks):
            if not isinstance(block, dict):
                self.problem("'yes_no' must be written as [[yes_no]] blocks.", "", "yes_no")
                continue
            fields = self.fields(block, "yes_no", _YES_NO_SCHEMA, occurrence)
            question = self.question(fields["question"], "yes_no", "question", occurrence=occurrence,
                                     select_one=True) if "question" in block else None
            if question is not None:
                for key in ("yes", "no"):
                    for label in fields[key]:
                        if label not in question.choices.labels:
                            self.problem(f"'{label}' is not an answer of the question '{question.name}'; its "
                                         f"answers: {', '.join(question.choices.labels)}.", "yes_no", key, label,
                                         occurrence)
            for label in sorted(set(fields["yes"]) & set(fields["no"])):
                self.problem(f"'{label}' is listed under both yes and no.", "yes_no", "no", label, occurrence)
            columns.append(YesNoColumn(fields["header"], fields["question"], fields["yes"], fields["no"]))
        return tuple(columns)

    def read_ratings(self, data: dict) -> tuple[Rating, ...]:
        ratings = []
        for name, label in data.items():
            question = self.question(name, "charts.ratings", name, select_one=True)
            if not isinstance(label, str):
                self.problem(f"the label of '{name}' in [charts.ratings] must be a text in quotes.",
                             "charts.ratings", name)
            elif question is not None:
                ratings.append(Rating(name, label, tuple(question.choices.labels)))
        return tuple(ratings)

    def check_sheet_names(self, table_sheet: str, charts_sheet: str) -> None:
        for table, name in (("table", table_sheet), ("charts", charts_sheet)):
            if not 0 < len(name) <= 31 or _SHEET_FORBIDDEN.search(name) or name.startswith("'") or name.endswith("'"):
                self.problem(f"the sheet name '{name}' cannot be used: 1 to 31 characters, none of [ ] : * ? / \\.",
                             table, "sheet")
        if table_sheet and table_sheet.casefold() == charts_sheet.casefold():
            self.problem("[table] and [charts] need different sheet names.", "charts", "sheet")


# ---------------------------------------------------------------- the computed table

def tabelle1(register, definition: ReportDefinition):
    """The rows of Tabelle 1 as a DataFrame (columns :attr:`ReportDefinition.columns`).

    Grouped by Handlungsfeld in catalogue order; X columns hold the definition's yes/no
    text or ""; Rücklauf is the register status. Pure: no I/O.
    """
    import pandas as pd

    values = _register_columns(register, definition)
    order = {name: position for position, name in enumerate(dict.fromkeys(values["handlungsfeld"]))}
    rows = []
    for index in sorted(range(len(register)), key=lambda index: order[values["handlungsfeld"][index]]):
        row = [_text(values["handlungsfeld"][index]), _text(values["werkzeug"][index]),
               _text(values["kategorie"][index])]
        for column in definition.yes_no:
            outcome = column.outcome(_text(values[column.question][index]))
            row.append("" if outcome is None else definition.yes if outcome else definition.no)
        texts = [_text(values[name][index]) for name in definition.remarks_questions]
        row.append(_join_unique(texts, definition.separator))
        row.append(_text(values["status"][index]))
        rows.append(row)
    return pd.DataFrame(rows, columns=definition.columns, dtype=object)


def _register_columns(register, definition: ReportDefinition) -> dict[str, list]:
    """The register columns the report reads, as lists; a clear error when one is missing."""
    names = ["handlungsfeld", "werkzeug", "kategorie", "status", *(column.question for column in definition.yes_no),
             *definition.remarks_questions, *(rating.question for rating in definition.charts.ratings)]
    names = list(dict.fromkeys(names))
    missing = [name for name in names if name not in register.columns]
    if missing:
        raise ReportError(f"The register has no column {', '.join(missing)}: it was made with another form than "
                          f"the report definition {definition.path.name} expects. Run 'werkstatt-xl merge' again, "
                          "or correct the definition.")
    return {name: register[name].tolist() for name in names}


def _join_unique(texts: list[str], separator: str) -> str:
    """The non-empty texts joined, each text (ignoring case and spacing) only once."""
    unique: dict[str, str] = {}
    for text in texts:
        if text:
            unique.setdefault(fold(text), text)
    return separator.join(unique.values())


def _text(value: object) -> str:
    """A register value as trimmed text; None and NaN are empty."""
    if value is None or value != value:  # NaN is the only value unequal to itself
        return ""
    return str(value).strip()


# ---------------------------------------------------------------- the workbook

_FONT = "Arial"
_WERKZEUG_WIDTH, _X_WIDTH, _REMARKS_WIDTH = 46, 6.5, 70
_CATEGORY_WIDTH, _COUNT_WIDTH = 34, 9
_SIZE, _LINE_POINTS, _ROW_PADDING, _DEFAULT_ROW, _GAP = 9, 11.25, 3.0, 15.0, 8.0
"""Font size of the table text, and the heights in points the rows are built from."""
_PAGE, _MARGINS = (11.69, 8.27), (0.5, 0.55, 0.65)
"""A4 landscape and the margins left/right, top, bottom, in inches."""
_CHART_WIDTH, _CHART_COLUMNS = 576, 9
"""Pixel width of a chart on the chart sheet, and the default-width columns it covers (64 px each)."""
_BAND, _HEADER_FILL, _GRID, _GREY_TEXT = "#44546A", "#E7E6E6", "#808080", "#7F7F7F"
_NEUTRAL, _MISSING = "#A6A6A6", "#D9D9D9"
_SCALE = ((0x2E, 0x7D, 0x32), (0x9C, 0xCC, 0x65), (0xF4, 0xA7, 0x42), (0xD0, 0x4B, 0x3E))
"""Dark green, light green, orange, red: the colours of ordered answers from best to worst."""


@dataclass(frozen=True)
class _Section:
    """One small table on the chart sheet and the stacked bar chart drawn from it."""

    title: str
    corner: str
    series: tuple[str, ...]
    colors: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int, ...]], ...]
    total_row: bool


def write_report(register, definition: ReportDefinition, path: Path, title: str = "") -> Path:
    """Write the Tabelle 1 workbook (sheets Tabelle 1 and Auswertung) to ``path`` atomically."""
    table = tabelle1(register, definition)
    sections = _sections(register, table, definition)
    path = Path(path)
    with atomic_path(path) as temporary:
        workbook = new_workbook(temporary)
        workbook.set_properties({"title": definition.title, "subject": title, "author": "werkstatt-xl"})
        styles = _Styles(workbook, definition)
        _write_table_sheet(workbook.add_worksheet(definition.sheet), styles, table, definition, title)
        _write_chart_sheet(workbook, styles, sections, definition, title)
        workbook.close()
    return path


class _Styles:
    """The formats of the report workbook."""

    def __init__(self, workbook, definition: ReportDefinition):
        add = workbook.add_format
        base = {"font_name": _FONT, "font_size": _SIZE, "text_wrap": True, "valign": "vcenter"}
        cell = {**base, "border": 1, "border_color": _GRID}
        self.title = add({**base, "font_size": 14, "bold": True, "text_wrap": False})
        self.subtitle = add({**base, "font_size": 10, "font_color": _GREY_TEXT, "text_wrap": False})
        self.legend = add({**base, "align": "right", "valign": "bottom", "text_wrap": False})
        self.swatch = {kategorie.name: add({"font_name": _FONT, "font_size": 12, "font_color": kategorie.color})
                       for kategorie in definition.kategorien}
        self.band = add({**cell, "bold": True, "font_size": 10, "font_color": "#FFFFFF", "bg_color": _BAND})
        self.header = add({**cell, "bold": True, "bg_color": _HEADER_FILL, "align": "center"})
        self.header_left = add({**cell, "bold": True, "bg_color": _HEADER_FILL})
        self.text = add(cell)
        self.werkzeug = {kategorie.name: add({**cell, "bg_color": kategorie.color})
                         for kategorie in definition.kategorien}
        self.mark = add({**cell, "align": "center"})
        self.no_return = add({**cell, "italic": True, "font_color": _GREY_TEXT})
        self.section = add({**base, "bold": True, "font_size": 11, "text_wrap": False})
        self.count = add({**cell, "num_format": "0"})
        self.total = add({**cell, "num_format": "0", "bold": True})
        self.total_label = add({**cell, "bold": True})


_ARIAL_WIDTHS = {
    character: width for characters, width in (
        ("'", 191), ("ijl", 222), (" ftI.,/:;![]\\|", 278), ("r-()„“”‚‘’`", 333), ('"', 355), ("°", 400),
        ("cksvxyzJ?*", 500), ("+=<>~", 584), ("FTZß", 611), ("ABEKPSVXY&Ä", 667), ("CDHNRUwÜ", 722),
        ("®", 737), ("GOQÖ", 778), ("Mm", 833), ("%", 889), ("W", 944), ("—", 1000), ("@", 1015),
    ) for character in characters
}
"""Advance widths of Arial (= Helvetica, Liberation Sans) in 1/1000 em; any other character: 556."""


def _text_pixels(text: str, bold: bool = False) -> float:
    """Width of ``text`` in Arial of the table's size at 96 dpi (bold is about 8 % wider)."""
    em = sum(_ARIAL_WIDTHS.get(character, 556) for character in text) / 1000
    return em * _SIZE * 96 / 72 * (1.08 if bold else 1.0)


def _wrapped_lines(text: str, width: float, bold: bool = False) -> int:
    """How many lines ``text`` in the table's Arial takes in a column ``width`` characters wide.

    Wraps at spaces like Excel and LibreOffice (whose text comes out about 5 % narrower).
    Rows are written with a fixed height, and both programs cut off a line that does not fit.
    """
    room = _column_pixels(width) - 7
    space = _text_pixels(" ", bold)
    lines = 0
    for paragraph in text.split("\n"):
        used, count = 0.0, 1
        for word in paragraph.split():
            length = _text_pixels(word, bold)
            if used and used + space + length > room:
                count, used = count + 1, 0.0
            used += length + (space if used else 0.0)
            while used > room:  # a word longer than a line breaks inside
                count, used = count + 1, used - room
        lines += count
    return lines


def _row_height(lines: int) -> float:
    return lines * _LINE_POINTS + _ROW_PADDING


def _column_pixels(width: float) -> int:
    """Excel's pixel width of a column ``width`` characters wide (default font)."""
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5


class _Rows:
    """The row heights set on a sheet, remembered to plan its page breaks."""

    def __init__(self, sheet):
        self.sheet, self.heights = sheet, {}

    def set(self, row: int, points: float) -> None:
        self.sheet.set_row(row, points)
        self.heights[row] = points

    def span(self, first: int, last: int) -> float:
        """Height in points of the rows ``first`` to ``last``."""
        return sum(self.heights.get(row, _DEFAULT_ROW) for row in range(first, last + 1))


def _page_setup(rows: _Rows, title: str, definition: ReportDefinition, last_row: int, last_column: int,
                width_pixels: float, blocks: list[tuple[int, int]], repeated: int = 0) -> None:
    """A4 landscape, one page wide, page numbers in the footer; ``repeated`` top rows on every page.

    Page breaks fall between ``blocks`` (first and last row of what belongs together). LibreOffice
    keeps them; Excel ignores manual breaks when fitting to the page width and breaks by itself.
    """
    sheet = rows.sheet
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=_MARGINS[0], right=_MARGINS[0], top=_MARGINS[1], bottom=_MARGINS[2])
    sheet.center_horizontally()
    sheet.hide_gridlines(2)
    sheet.print_area(0, 0, last_row, last_column)
    if repeated:
        sheet.repeat_rows(0, repeated - 1)
    page = definition.page.replace("&", "&&").replace("{page}", "&P").replace("{pages}", "&N")
    font = f'&"{_FONT},Regular"&8'
    sheet.set_footer(f"&L{font}{title.replace('&', '&&')[:100]}&R{font}{page}")
    scale = min(1.0, (_PAGE[0] - 2 * _MARGINS[0]) * 72 / (width_pixels * 0.75))
    available = (_PAGE[1] - _MARGINS[1] - _MARGINS[2]) * 72 / scale * 0.97 - rows.span(0, repeated - 1)
    if blocks:
        used = rows.span(repeated, blocks[0][0] - 1)
        sheet.set_h_pagebreaks(_page_breaks([(first, rows.span(first, last)) for first, last in blocks],
                                            available, used))


def _page_breaks(blocks: list[tuple[int, float]], available: float, used: float) -> list[int]:
    """The rows that start a new page so that no block is split, unless it is taller than a page."""
    breaks, on_page = [], False
    for first, height in blocks:
        if on_page and used + height > available:
            breaks.append(first)
            used = 0.0
        used = (used + height) % available
        on_page = True
    return breaks


def _write_table_sheet(sheet, styles: _Styles, table, definition: ReportDefinition, title: str) -> None:
    rows = _Rows(sheet)
    widths = [_WERKZEUG_WIDTH, *[_X_WIDTH] * (2 * len(definition.yes_no)), _REMARKS_WIDTH]
    last_column = len(widths) - 1
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    if last_column > 1:
        sheet.merge_range(0, 0, 0, last_column - 1, definition.title, styles.title)
    else:
        sheet.write_string(0, 0, definition.title, styles.title)
    legend = []
    for kategorie in definition.kategorien:
        legend += [styles.swatch[kategorie.name], "   \u25a0 ", styles.legend, kategorie.text]
    sheet.write_rich_string(0, last_column, *legend, styles.legend)
    rows.set(0, 24)
    rows.set(1, _GAP)
    row, blocks = 2, []
    for handlungsfeld, block in table.groupby(HANDLUNGSFELD, sort=False):
        first = row
        sheet.merge_range(row, 0, row, last_column, handlungsfeld, styles.band)
        rows.set(row, 17)
        row = _write_table_header(sheet, rows, styles, row + 1, definition)
        for record in block.to_dict("records"):
            _write_table_row(sheet, rows, styles, row, record, definition, widths)
            row += 1
        rows.set(row, _GAP)
        blocks.append((first, row))
        row += 1
    _page_setup(rows, title, definition, row - 2, last_column, sum(map(_column_pixels, widths)), blocks,
                repeated=2)


def _write_table_header(sheet, rows: _Rows, styles: _Styles, row: int, definition: ReportDefinition) -> int:
    last_column = 2 * len(definition.yes_no) + 1
    sheet.merge_range(row, 0, row + 1, 0, definition.werkzeug_header, styles.header_left)
    lines = 1
    for position, column in enumerate(definition.yes_no):
        first = 1 + 2 * position
        sheet.merge_range(row, first, row, first + 1, column.header, styles.header)
        sheet.write_string(row + 1, first, definition.yes, styles.header)
        sheet.write_string(row + 1, first + 1, definition.no, styles.header)
        lines = max(lines, _wrapped_lines(column.header, 2 * _X_WIDTH, bold=True))
    sheet.merge_range(row, last_column, row + 1, last_column, definition.remarks_header, styles.header_left)
    rows.set(row, _row_height(lines))
    rows.set(row + 1, _row_height(1))
    return row + 2


def _write_table_row(sheet, rows: _Rows, styles: _Styles, row: int, record: dict, definition: ReportDefinition,
                     widths: list[float]) -> None:
    werkzeug = record[definition.werkzeug_header]
    sheet.write_string(row, 0, werkzeug, styles.werkzeug.get(record[KATEGORIE], styles.text))
    for position, column in enumerate(definition.yes_no):
        for offset, value in enumerate((definition.yes, definition.no)):
            if record[column.header] == value:
                sheet.write_string(row, 1 + 2 * position + offset, "X", styles.mark)
            else:
                sheet.write_blank(row, 1 + 2 * position + offset, None, styles.mark)
    remarks = record[definition.remarks_header]
    if record[RUECKLAUF] in definition.no_return_statuses:
        sheet.write_string(row, len(widths) - 1, definition.no_return_text, styles.no_return)
    elif remarks:
        sheet.write_string(row, len(widths) - 1, remarks, styles.text)
    else:
        sheet.write_blank(row, len(widths) - 1, None, styles.text)
    rows.set(row, _row_height(max(_wrapped_lines(werkzeug, widths[0]), _wrapped_lines(remarks, widths[-1]))))


def _sections(register, table, definition: ReportDefinition) -> list[_Section]:
    """The counts behind each chart: yes/no per Handlungsfeld, then the ratings per answer list."""
    texts = definition.charts
    returned = ~table[RUECKLAUF].isin(definition.no_return_statuses)
    yes, no = _scale_colors(2)
    sections = []
    for column in definition.yes_no:
        rows = []
        for handlungsfeld, block in table[returned].groupby(HANDLUNGSFELD, sort=False):
            values = block[column.header]
            rows.append((handlungsfeld, (int((values == definition.yes).sum()), int((values == definition.no).sum()),
                                         int((values == "").sum()))))
        missing = table[~returned].groupby(HANDLUNGSFELD, sort=False).size()
        order = dict.fromkeys(table[HANDLUNGSFELD])
        counts = {name: counts for name, counts in rows}
        rows = [(name, (*counts.get(name, (0, 0, 0)), int(missing.get(name, 0)))) for name in order]
        sections.append(_Section(texts.by_handlungsfeld.replace("{header}", column.header), texts.handlungsfeld,
                                 (definition.yes, definition.no, texts.blank, texts.no_return),
                                 (yes, no, _NEUTRAL, _MISSING), tuple(rows), total_row=True))
    values = _register_columns(register, definition)
    answered = [_text(status) not in definition.no_return_statuses for status in values["status"]]
    groups: dict[tuple[str, ...], list] = {}
    for rating in texts.ratings:
        answers = [_text(value) for value, keep in zip(values[rating.question], answered) if keep]
        counts = tuple(answers.count(choice) for choice in rating.choices)
        groups.setdefault(rating.choices, []).append((rating.label, (*counts, len(answers) - sum(counts))))
    for choices, rows in groups.items():
        scale = iter(_scale_colors(sum(choice not in texts.neutral for choice in choices)))
        colors = tuple(_NEUTRAL if choice in texts.neutral else next(scale) for choice in choices)
        sections.append(_Section(texts.ratings_title, "", (*choices, texts.unanswered), (*colors, _MISSING),
                                 tuple(rows), total_row=False))
    return sections


def _label_color(fill: str) -> str:
    """White on dark fills, near-black on light ones."""
    red, green, blue = (int(fill[position:position + 2], 16) for position in (1, 3, 5))
    return "#FFFFFF" if 0.299 * red + 0.587 * green + 0.114 * blue < 150 else "#262626"


def _scale_colors(count: int) -> list[str]:
    """``count`` colours from green over amber to red."""
    colors = []
    for index in range(count):
        position = index / (count - 1) * (len(_SCALE) - 1) if count > 1 else 0
        low = min(int(position), len(_SCALE) - 2)
        share = position - low
        rgb = [round(a + (b - a) * share) for a, b in zip(_SCALE[low], _SCALE[low + 1])]
        colors.append("#" + "".join(f"{channel:02X}" for channel in rgb))
    return colors


def _write_chart_sheet(workbook, styles: _Styles, sections: list[_Section], definition: ReportDefinition,
                       title: str) -> None:
    texts = definition.charts
    sheet = workbook.add_worksheet(texts.sheet)
    rows = _Rows(sheet)
    count_columns = max((len(section.series) + 1 for section in sections), default=1)
    chart_column = count_columns + 2
    widths = [_CATEGORY_WIDTH, *[_COUNT_WIDTH] * count_columns, 2]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.write_string(0, 0, texts.title, styles.title)
    rows.set(0, 24)
    if title:
        sheet.write_string(1, 0, title, styles.subtitle)
    row, blocks = 3, []
    for section in sections:
        end = _write_section(workbook, sheet, rows, styles, row, section, chart_column, texts)
        blocks.append((row, end - 1))
        row = end
    _page_setup(rows, title, definition, row - 2, chart_column + _CHART_COLUMNS,
                sum(map(_column_pixels, widths)) + _CHART_WIDTH, blocks)


def _write_section(workbook, sheet, rows: _Rows, styles: _Styles, row: int, section: _Section, chart_column: int,
                   texts: ChartTexts) -> int:
    """The table at ``row`` and its chart beside it; returns the first row of the next section."""
    sheet.write_string(row, 0, section.title, styles.section)
    rows.set(row, 18)
    header_row, first = row + 1, row + 2
    headers = (section.corner, *section.series, texts.total)
    for column, header in enumerate(headers):
        sheet.write_string(header_row, column, header, styles.header_left if column == 0 else styles.header)
    rows.set(header_row, _row_height(max(_wrapped_lines(header, _COUNT_WIDTH, bold=True) for header in headers[1:])))
    for offset, (category, counts) in enumerate(section.rows):
        sheet.write_string(first + offset, 0, category, styles.text)
        for column, count in enumerate(counts, start=1):
            sheet.write_number(first + offset, column, count, styles.count)
        sheet.write_number(first + offset, len(headers) - 1, sum(counts), styles.total)
        rows.set(first + offset, _row_height(_wrapped_lines(category, _CATEGORY_WIDTH)))
    last = first + len(section.rows) - 1
    if section.total_row:
        sheet.write_string(last + 1, 0, texts.total, styles.total_label)
        for column in range(1, len(headers)):
            total = sum(sum(counts) if column == len(headers) - 1 else counts[column - 1]
                        for _, counts in section.rows)
            sheet.write_number(last + 1, column, total, styles.total)
    height = 150 + 28 * len(section.rows)
    sheet.insert_chart(row, chart_column, _bar_chart(workbook, sheet.name, section, row, first, last, texts.axis,
                                                     height))
    chart_end = row + 1
    while rows.span(row, chart_end - 1) / 0.75 < height:
        chart_end += 1
    return max(last + (2 if section.total_row else 1), chart_end) + 1


def _bar_chart(workbook, sheet_name: str, section: _Section, title_row: int, first: int, last: int, axis: str,
               height: int):
    """A stacked bar chart of the section's table: title, series names, categories and values are its cells."""
    font = {"name": _FONT, "size": 9}
    chart = workbook.add_chart({"type": "bar", "subtype": "stacked"})
    for column, color in enumerate(section.colors, start=1):
        chart.add_series({
            "name": [sheet_name, title_row + 1, column],
            "categories": [sheet_name, first, 0, last, 0],
            "values": [sheet_name, first, column, last, column],
            "fill": {"color": color}, "border": {"color": "#FFFFFF", "width": 0.75}, "gap": 40,
            "data_labels": {"value": True, "num_format": "0;;;", "font": {**font, "color": _label_color(color)}},
        })
    chart.set_title({"name": [sheet_name, title_row, 0], "name_font": {**font, "size": 11, "bold": True}})
    chart.set_x_axis({"name": axis, "name_font": {**font, "bold": False}, "num_font": font, "min": 0,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_y_axis({"reverse": True, "num_font": font, "crossing": "max"})
    chart.set_legend({"position": "bottom", "font": font})
    chart.set_size({"width": _CHART_WIDTH, "height": height})
    return chart


# ---------------------------------------------------------------- the command

def report(project: Project, pdf: bool = False) -> ReportResult:
    """Write ``ergebnis/tabelle1.xlsx`` (and with ``pdf`` ``tabelle1.pdf``) from the last merge's register."""
    from .form import load_form
    from .register import MASTER_NAME, read_register

    office = _office() if pdf else None
    definition = load_report_definition(project.report_path, load_form(project.form_path))
    register = read_register(project)
    if register is None:
        raise ReportError(f"{project.results / MASTER_NAME}: there is no register yet. Run 'werkstatt-xl merge' "
                          "first: it reads the returned questionnaires and writes the register the report is "
                          "made from.")
    workbook = write_report(register, definition, project.results / REPORT_NAME, title=project.title)
    table = tabelle1(register, definition)
    without = table[table[RUECKLAUF].isin(definition.no_return_statuses)][definition.werkzeug_header]
    return ReportResult(workbook, _to_pdf(office, workbook) if office else None, len(table), tuple(without))


def _office() -> str:
    """The LibreOffice program, or a :class:`ReportError` that says how to install it."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise ReportError(f"LibreOffice (soffice) is not installed, so no PDF can be written. Install it "
                          f"(Debian/Ubuntu: '{INSTALL_HINT}'), or run the command without --pdf.")
    return binary


def _to_pdf(office: str, workbook: Path) -> Path:
    """Convert ``workbook`` to a PDF beside it through LibreOffice with a private profile."""
    target = workbook.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="werkstatt-xl-pdf-") as folder:
        folder = Path(folder)
        command = [office, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(folder), str(workbook)]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise ReportError(f"LibreOffice did not finish converting {workbook.name} within 5 minutes. Close "
                              "other LibreOffice windows and run the command again.") from None
        written = folder / f"{workbook.stem}.pdf"
        if not written.is_file():
            message = (completed.stderr or completed.stdout).strip() or f"exit code {completed.returncode}"
            raise ReportError(f"LibreOffice could not convert {workbook.name} to PDF ({message}). Open the workbook "
                              "and export it as PDF by hand, or reinstall LibreOffice.")
        with atomic_path(target) as temporary:
            shutil.copyfile(written, temporary)
    return target
