"""The report definition (``tabelle1.toml``): which answers feed which column of Tabelle 1, and
every text the report workbook prints, so a new round changes text, not code."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..catalogue import KATEGORIEN
from ..errors import FileProblem, ReportDefinitionError
from ..form import Form
from ..messages import Code, text
from ..placeholders import PlaceholderError, fill_placeholders_in, line_of
from ..register import STATUSES
from ..toml_lines import TomlLines

FORM_MISMATCH = frozenset({Code.REPORT_UNKNOWN_QUESTION, Code.REPORT_NOT_SELECT_ONE, Code.REPORT_NOT_A_CHOICE,
                           Code.REPORT_NEUTRAL_NOT_A_CHOICE, Code.REPORT_QUESTION_IN_REPEAT})
"""The problems of a definition written for another form: merge then writes the summary of any form instead."""
HANDLUNGSFELD, KATEGORIE, RUECKLAUF = "Handlungsfeld", "Kategorie", "Rücklauf"
"""Columns of :func:`~werkstatt_xl.report.table.tabelle1` besides those named by the definition."""
OPEN_QUERY = "(Rückfrage offen)"
"""The remarks' marker of a Werkzeug "mit Problemen" where ``[remarks] open_query`` is not set."""


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
    others: tuple[str, ...] = ()
    """The question's answers that are neither yes nor no (e.g. k.A.), in form order."""

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
class ChangeMarks:
    """How Tabelle 1 marks the rows of Werkzeuge whose answers differ from the previous round's."""

    color: str
    text: str


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
    changes: ChangeMarks | None = None
    """Where ``[changes] mark = true``: how changed rows are marked; None: not marked."""
    open_query: str = OPEN_QUERY
    """Added to the remarks of a Werkzeug "mit Problemen": a question to the department is still open."""

    @property
    def columns(self) -> list[str]:
        """The columns of :func:`tabelle1`."""
        return [HANDLUNGSFELD, self.werkzeug_header, KATEGORIE, *(column.header for column in self.yes_no),
                self.remarks_header, RUECKLAUF]


_TOP_SCHEMA = {"table": dict, "legend": dict, "yes_no": list, "remarks": dict, "no_return": dict, "charts": dict}
_TABLE_SCHEMAS = {
    "table": {"title": str, "sheet": str, "werkzeug_header": str, "yes": str, "no": str, "page": str},
    "remarks": {"header": str, "questions": tuple, "separator": str, "open_query": str},
    "no_return": {"statuses": tuple, "text": str},
    "charts": {"sheet": str, "title": str, "handlungsfeld": str, "by_handlungsfeld": str, "ratings_title": str,
               "axis": str, "total": str, "blank": str, "unanswered": str, "no_return": str, "neutral": tuple,
               "ratings": dict},
}
_CHANGES_SCHEMA = {"mark": bool, "color": str, "text": str}
"""``[changes]``, optional: a definition without it marks nothing."""
_OPTIONAL = {("remarks", "open_query"): OPEN_QUERY}
"""(table, key) -> the value of a setting that definitions written before it may lack."""
_YES_NO_SCHEMA = {"header": str, "question": str, "yes": tuple, "no": tuple}
_LEGEND_SCHEMA = {"color": str, "text": str}
_KIND_NAMES = {str: "report_definition.kind_text", tuple: "report_definition.kind_texts",
               dict: "report_definition.kind_table", list: "report_definition.kind_blocks",
               bool: "report_definition.kind_yes_no"}
"""Kind of value -> key of the text saying what a value of that kind must be."""
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def load_report_definition(path: Path, form: Form, *,
                           values: Mapping[str, str | None] | None = None) -> ReportDefinition:
    """Read and check the definition against ``form``; raise :class:`ReportDefinitionError`.

    ``values`` fill the round placeholders (``{{horizon}}``, see :mod:`~werkstatt_xl.placeholders`) in
    every text; None leaves them as written.
    """
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportDefinitionError(path, [_problem(Code.REPORT_MISSING_FILE, 1)]) from None
    except UnicodeDecodeError:
        raise ReportDefinitionError(path, [_problem(Code.REPORT_NOT_UTF8, 1)]) from None
    except OSError as error:  # a folder, no permission
        problem = _problem(Code.REPORT_NOT_A_FILE, 1, reason=error.strerror or error)
        raise ReportDefinitionError(path, [problem]) from None
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as error:
        raise ReportDefinitionError(path, [_toml_problem(str(error), content)]) from None
    if values is not None:
        try:
            data = fill_placeholders_in(data, values)
        except PlaceholderError as error:
            problem = _problem(error.code, line_of(content, error.name), **error.values)
            raise ReportDefinitionError(path, [problem]) from None
    return _DefinitionReader(path, content, form).read(data)


def _problem(code: Code, line: int, template: str | None = None, /, **values: object) -> FileProblem:
    """A problem at ``line``; its message is the text of ``template``, by default of ``code``."""
    problem = text(template or code, **values)
    return FileProblem(code, text("report_definition.at_line", line=line, problem=problem), line)


def _toml_problem(message: str, content: str) -> FileProblem:
    """tomllib's ``... (at line 3, column 7)`` as a problem on line 3: ``... (column 7); not valid TOML``."""
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found:
        return _problem(Code.REPORT_TOML, int(found.group(1)), error=message[:found.start()], column=found.group(2))
    return _problem(Code.REPORT_TOML, max(1, len(content.splitlines())), "report_definition.toml_at_end",
                    error=message.removesuffix(" (at end of document)"))


class _DefinitionReader:
    def __init__(self, path: Path, content: str, form: Form):
        self.path, self.form, self.lines = path, form, TomlLines(content)
        self.problems: list[FileProblem] = []

    def problem(self, code: Code, table: str = "", key: str | None = None, value: str | None = None,
                occurrence: int = 0, **values: object) -> None:
        """Report ``code`` at the line of ``table``, ``key`` and ``value``; ``values`` fill in its text."""
        self.problems.append(_problem(code, self.lines.find(table, key, value, occurrence), **values))

    def read(self, data: dict) -> ReportDefinition:
        changes = self.read_changes(data.pop("changes", None))
        top = self.fields(data, "", _TOP_SCHEMA)
        table, remarks, no_return, charts = (self.fields(top[name], name, _TABLE_SCHEMAS[name])
                                             for name in ("table", "remarks", "no_return", "charts"))
        kategorien = self.read_legend(top["legend"])
        yes_no = self.read_yes_no(top["yes_no"])
        for name in remarks["questions"]:
            self.question(name, "remarks", "questions", value=name)
        for status in no_return["statuses"]:
            if status not in STATUSES:
                self.problem(Code.REPORT_UNKNOWN_STATUS, "no_return", "statuses", status, status=status,
                             statuses=", ".join(STATUSES))
        ratings = self.read_ratings(charts["ratings"])
        known_answers = {choice for rating in ratings for choice in rating.choices}
        for label in charts["neutral"]:
            if label not in known_answers:
                self.problem(Code.REPORT_NEUTRAL_NOT_A_CHOICE, "charts", "neutral", label, label=label)
        self.check_sheet_names(table["sheet"], charts["sheet"])
        if self.problems:
            self.problems.sort(key=lambda problem: (problem.line, problem.message))
            raise ReportDefinitionError(self.path, self.problems)
        return ReportDefinition(
            path=self.path, title=table["title"], sheet=table["sheet"], page=table["page"],
            werkzeug_header=table["werkzeug_header"],
            yes=table["yes"], no=table["no"], kategorien=kategorien, yes_no=yes_no,
            remarks_header=remarks["header"], remarks_questions=remarks["questions"], separator=remarks["separator"],
            open_query=remarks["open_query"],
            no_return_statuses=no_return["statuses"], no_return_text=no_return["text"],
            charts=ChartTexts(**{**charts, "ratings": ratings}), changes=changes,
        )

    def read_changes(self, data: object) -> ChangeMarks | None:
        """``[changes]``: the marks of changed rows where ``mark = true``, else None."""
        if data is None:
            return None
        if not isinstance(data, dict):
            self.problem(Code.REPORT_WRONG_TYPE, "", "changes", name="changes",
                         where=text("report_definition.top_level"), expected=text("report_definition.kind_table"))
            return None
        fields = self.fields(data, "changes", _CHANGES_SCHEMA)
        if fields["color"] and not _COLOR.match(fields["color"]):
            self.problem(Code.REPORT_BAD_COLOR, "changes", "color", fields["color"], color=fields["color"],
                         name="changes")
        return ChangeMarks(fields["color"], fields["text"]) if fields["mark"] else None

    def fields(self, data: object, table: str, schema: dict, occurrence: int = 0) -> dict:
        """``data``'s values for the keys of ``schema``, each of its kind; problems for the rest."""
        where = f"[{table}]" if table else text("report_definition.top_level")
        result = {key: kind() for key, kind in schema.items()}
        if not isinstance(data, dict):
            return result
        for key in data:
            if key not in schema:
                self.problem(Code.REPORT_UNKNOWN_KEY, table, key, occurrence=occurrence, name=key, where=where,
                             known=", ".join(schema))
        for key, kind in schema.items():
            if key not in data:
                if (table, key) in _OPTIONAL:
                    result[key] = _OPTIONAL[table, key]
                elif kind is not list:  # no [[...]] block at all is an empty list
                    self.problem(Code.REPORT_MISSING_KEY, table, occurrence=occurrence, name=key, where=where)
                continue
            value = data[key]
            if kind is tuple and isinstance(value, list) and all(isinstance(item, str) for item in value):
                result[key] = tuple(value)
            elif kind is not tuple and isinstance(value, kind):
                result[key] = value
            else:
                self.problem(Code.REPORT_WRONG_TYPE, table, key, occurrence=occurrence, name=key, where=where,
                             expected=text(_KIND_NAMES[kind]))
        return result

    def question(self, name: str, table: str, key: str, value: str | None = None, occurrence: int = 0,
                 select_one: bool = False):
        """The form's question ``name``, or None after reporting the problem."""
        try:
            question = self.form.question(name)
        except KeyError:
            question = None
        if question is None or not question.is_answer:
            self.problem(Code.REPORT_UNKNOWN_QUESTION, table, key, value, occurrence, name=name,
                         form=self.form.path.name, questions=", ".join(self.form.answer_names()))
            return None
        if question.in_repeat:
            self.problem(Code.REPORT_QUESTION_IN_REPEAT, table, key, value, occurrence, name=name,
                         repeat=question.group.name)
            return None
        if select_one and question.type != "select_one":
            self.problem(Code.REPORT_NOT_SELECT_ONE, table, key, value, occurrence, name=name, type=question.type)
            return None
        return question

    def read_legend(self, data: dict) -> tuple[Kategorie, ...]:
        kategorien = []
        for name in data:
            if name not in KATEGORIEN:
                self.problem(Code.REPORT_UNKNOWN_KATEGORIE, "legend", name, name=name, kategorien=", ".join(KATEGORIEN))
        for name in KATEGORIEN:
            if name not in data:
                self.problem(Code.REPORT_MISSING_KATEGORIE, "legend", name=name)
                continue
            fields = self.fields(data[name], f"legend.{name}", _LEGEND_SCHEMA)
            if not isinstance(data[name], dict):
                self.problem(Code.REPORT_WRONG_TYPE, "legend", name, name=name, where="[legend]",
                             expected=text("report_definition.kind_legend"))
            elif fields["color"] and not _COLOR.match(fields["color"]):
                self.problem(Code.REPORT_BAD_COLOR, "legend", name, fields["color"], color=fields["color"], name=name)
            kategorien.append(Kategorie(name, fields["color"], fields["text"]))
        return tuple(kategorien)

    def read_yes_no(self, blocks: list) -> tuple[YesNoColumn, ...]:
        columns = []
        for occurrence, block in enumerate(blocks):
            if not isinstance(block, dict):
                self.problem(Code.REPORT_YES_NO_NOT_BLOCKS, "", "yes_no")
                continue
            fields = self.fields(block, "yes_no", _YES_NO_SCHEMA, occurrence)
            question = self.question(fields["question"], "yes_no", "question", occurrence=occurrence,
                                     select_one=True) if "question" in block else None
            others = ()
            if question is not None:
                others = tuple(label for label in question.choices.labels
                               if label not in fields["yes"] and label not in fields["no"])
                for key in ("yes", "no"):
                    for label in fields[key]:
                        if label not in question.choices.labels:
                            self.problem(Code.REPORT_NOT_A_CHOICE, "yes_no", key, label, occurrence, label=label,
                                         name=question.name, answers=", ".join(question.choices.labels))
            for label in sorted(set(fields["yes"]) & set(fields["no"])):
                self.problem(Code.REPORT_YES_AND_NO, "yes_no", "no", label, occurrence, label=label)
            columns.append(YesNoColumn(fields["header"], fields["question"], fields["yes"], fields["no"], others))
        return tuple(columns)

    def read_ratings(self, data: dict) -> tuple[Rating, ...]:
        ratings = []
        for name, label in data.items():
            question = self.question(name, "charts.ratings", name, select_one=True)
            if not isinstance(label, str):
                self.problem(Code.REPORT_RATING_LABEL_NOT_TEXT, "charts.ratings", name, name=name)
            elif question is not None:
                ratings.append(Rating(name, label, tuple(question.choices.labels)))
        return tuple(ratings)

    def check_sheet_names(self, table_sheet: str, charts_sheet: str) -> None:
        for table, name in (("table", table_sheet), ("charts", charts_sheet)):
            if not 0 < len(name) <= 31 or _SHEET_FORBIDDEN.search(name) or name.startswith("'") or name.endswith("'"):
                self.problem(Code.REPORT_BAD_SHEET_NAME, table, "sheet", name=name)
        if table_sheet and table_sheet.casefold() == charts_sheet.casefold():
            self.problem(Code.REPORT_SAME_SHEET_NAME, "charts", "sheet")
