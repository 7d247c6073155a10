"""The report definition (``tabelle1.toml``): which answers feed which column of Tabelle 1, and
every text the report workbook prints, so a new round changes text, not code."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..catalogue import KATEGORIEN
from ..errors import FileProblem, ReportDefinitionError
from ..form import Form
from ..messages import Code
from ..register import STATUSES

HANDLUNGSFELD, KATEGORIE, RUECKLAUF = "Handlungsfeld", "Kategorie", "Rücklauf"
"""Columns of :func:`~werkstatt_xl.report.table.tabelle1` besides those named by the definition."""


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
        raise _error(path, [(1, "the file does not exist. Set [files] report in werkstatt.toml to "
                                               "an existing file, or leave it empty for the shipped one.")]) from None
    except UnicodeDecodeError:
        raise _error(path, [(1, "the file is not UTF-8 text. Save it as UTF-8.")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _error(path, [_toml_problem(str(error), text)]) from None
    return _DefinitionReader(path, text, form).read(data)


def _error(path: Path, problems: list[tuple[int, str]]) -> ReportDefinitionError:
    return ReportDefinitionError(path, [FileProblem(Code.REPORT_DEFINITION, f"line {line}: {message}", line)
                                        for line, message in problems])


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
            raise _error(self.path, sorted(self.problems))
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
