"""Read and check an XLSForm (sheets survey / choices / settings) into a :class:`Form`.

The subset: select_one, text, integer, decimal, date, note, begin_group/end_group, with
label, hint, relevant, required, constraint, constraint_message; settings form_id,
version, form_title. Two extra survey columns, ignored by other XLSForm tools:
``number`` (the printed question number, e.g. ``1.2``) and ``prefill`` (a catalogue field
written into the answer cell, e.g. ``werkzeug``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .catalogue import COLUMNS
from .errors import FileProblem, FormError
from .expression import Expression, ExpressionError, parse_expression
from .files import atomic_path
from .messages import Code, text
from .placeholders import PlaceholderError, fill_placeholders
from .resources import template_path
from .xlsx import read_workbook_rows

ANSWER_TYPES = ("select_one", "text", "integer", "decimal", "date")
ALL_TYPES = ANSWER_TYPES + ("note", "begin_group", "end_group")
PREFILL_FIELDS = ("werkzeug", "seite", "ansprechpartner", "fachamt", "handlungsfeld")
RESERVED_NAMES = frozenset(COLUMNS) | {"status", "datei", "eingegangen_am", "sha256", "form_version"}
"""Register columns of the catalogue and of provenance: a question name must differ from them."""
LARGEST_NUMBER = 1e15
"""Larger numbers (and inf/nan) are refused: by the questionnaire's validation and again on merge."""
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_TRUE = {"yes", "true", "true()", "1", "ja"}


@dataclass(frozen=True)
class Choice:
    name: str
    label: str


@dataclass(frozen=True)
class ChoiceList:
    name: str
    choices: tuple[Choice, ...]

    @property
    def labels(self) -> list[str]:
        return [choice.label for choice in self.choices]

    @property
    def allowed(self) -> str:
        """``Erlaubt sind: Ja, Nein.`` (German, for error messages and problem lists)."""
        return text("form.allowed", choices=", ".join(self.labels).removesuffix("."))

    def match(self, text: str) -> Choice | None:
        """The choice whose label or name equals ``text`` ignoring case and outer spaces."""
        wanted = text.strip().casefold()
        for choice in self.choices:
            if wanted in (choice.label.casefold(), choice.name.casefold()):
                return choice
        return None

    def by_name(self, name: str) -> Choice | None:
        return next((choice for choice in self.choices if choice.name == name), None)


@dataclass(frozen=True)
class Group:
    name: str
    label: str
    row: int


@dataclass(frozen=True)
class Question:
    """One row of the survey sheet that is shown: an answerable question or a note."""

    name: str
    type: str
    label: str
    row: int
    number: str = ""
    hint: str = ""
    required: bool = False
    relevant: Expression | None = None
    constraint: Expression | None = None
    constraint_message: str = ""
    choices: ChoiceList | None = None
    group: Group | None = None
    prefill: str = ""

    @property
    def is_answer(self) -> bool:
        return self.type != "note"

    @property
    def title(self) -> str:
        """Number and label, as printed: ``1.2 Falls nein, Gründe:``."""
        return f"{self.number} {self.label}".strip()


@dataclass(frozen=True)
class Form:
    path: Path
    form_id: str
    version: str
    title: str
    elements: tuple[Question, ...]
    choice_lists: dict[str, ChoiceList] = field(default_factory=dict)

    @property
    def questions(self) -> tuple[Question, ...]:
        """The answerable questions in form order."""
        return tuple(element for element in self.elements if element.is_answer)

    def question(self, name: str) -> Question:
        for element in self.elements:
            if element.name == name:
                return element
        raise KeyError(name)

    def answer_names(self) -> list[str]:
        return [question.name for question in self.questions]


def default_form_path() -> Path:
    """The shipped questionnaire: the seed's "Fragebogen"."""
    return template_path("fragebogen.xlsx")


def load_form(path: Path, *, values: Mapping[str, str | None] | None = None) -> Form:
    """Read and check the XLSForm at ``path``; raise :class:`FormError` listing every problem.

    ``values`` fill the round placeholders (``{{horizon}}``, see :mod:`~werkstatt_xl.placeholders`) in
    every cell before the form is read; None leaves them as written.
    """
    path = Path(path)
    if not path.is_file():
        raise FormError(path, [_problem(Code.FORM_MISSING_FILE)])
    try:
        sheets = read_workbook_rows(path)
    except ValueError as error:
        raise FormError(path, [_problem(Code.FORM_UNREADABLE, error=error)]) from None
    if values is not None:
        sheets = _with_round_values(path, sheets, values)
    return _FormBuilder(path, {name.lower(): _rows(rows) for name, rows in sheets.items()}).build()


def _with_round_values(path: Path, sheets: dict[str, list[list]], values: Mapping[str, str | None]) -> dict:
    """The sheets as read, with the round placeholders in every text cell replaced; :class:`FormError` names
    sheet and row of each one that cannot be."""
    problems = []

    def filled(cell: object, sheet: str, row: int) -> object:
        if not isinstance(cell, str):
            return cell
        try:
            return fill_placeholders(cell, values)
        except PlaceholderError as error:
            problems.append(_problem(error.code, sheet, row, **error.values))
            return cell

    result = {name: [[filled(cell, name, number) for cell in row] for number, row in enumerate(rows, start=1)]
              for name, rows in sheets.items()}
    if problems:
        raise FormError(path, problems)
    return result


def _problem(code: Code, sheet: str = "", row: int | None = None, **values: object) -> FileProblem:
    """A form problem, its message starting with row and sheet where there are ones."""
    message = text(code, **values)
    if sheet:
        message = text("form.on_sheet", sheet=sheet, problem=message)
    if row:
        message = text("form.at_row", row=row, problem=message)
    return FileProblem(code, message, row, sheet)


def _rows(rows: list[list]) -> list[dict[str, str]]:
    """A sheet as dicts keyed by lower-case header, empty rows kept for numbering."""
    header = [_base_column(str(cell).strip().lower()) if cell is not None else "" for cell in (rows[:1] or [[]])[0]]
    return [
        {name: "" if value is None else str(value).strip() for name, value in zip(header, row) if name}
        for row in rows[1:]
    ]


def _base_column(name: str) -> str:
    """``label::German (de)`` -> ``label``; other columns unchanged."""
    return name.split("::", 1)[0] if name.startswith(("label::", "hint::", "constraint_message::")) else name


class _FormBuilder:
    def __init__(self, path: Path, sheets: dict[str, list[dict[str, str]]]):
        self.path, self.sheets, self.problems = path, sheets, []

    def problem(self, code: Code, sheet: str, row: int | None, **values: object) -> None:
        self.problems.append(_problem(code, sheet, row, **values))

    def build(self) -> Form:
        for sheet in ("survey", "choices", "settings"):
            if sheet not in self.sheets:
                self.problem(Code.FORM_MISSING_SHEET, sheet, None)
        if self.problems:
            raise FormError(self.path, self.problems)
        settings = self.read_settings()
        choice_lists = self.read_choices()
        elements = self.read_survey(choice_lists)
        if self.problems:
            raise FormError(self.path, self.problems)
        return Form(self.path, settings["form_id"], settings["version"], settings["form_title"],
                    tuple(elements), choice_lists)

    def read_settings(self) -> dict[str, str]:
        rows = [row for row in self.sheets["settings"] if any(row.values())]
        settings = rows[0] if rows else {}
        for key in ("form_id", "version", "form_title"):
            if not settings.get(key):
                self.problem(Code.FORM_MISSING_SETTING, "settings", 2, key=key)
        return settings

    def read_choices(self) -> dict[str, ChoiceList]:
        found: dict[str, list[Choice]] = {}
        for row_number, row in enumerate(self.sheets["choices"], start=2):
            list_name, name, label = row.get("list_name", ""), row.get("name", ""), row.get("label", "")
            if not (list_name or name or label):
                continue
            if not (list_name and name and label):
                self.problem(Code.FORM_INCOMPLETE_CHOICE, "choices", row_number)
                continue
            if any(choice.name == name for choice in found.get(list_name, [])):
                self.problem(Code.FORM_DUPLICATE_CHOICE, "choices", row_number, name=name, list_name=list_name)
                continue
            found.setdefault(list_name, []).append(Choice(name, label))
        return {name: ChoiceList(name, tuple(choices)) for name, choices in found.items()}

    def read_survey(self, choice_lists: dict[str, ChoiceList]) -> list[Question]:
        elements: list[Question] = []
        groups: list[Group] = []
        names: dict[str, int] = {}
        for row_number, row in enumerate(self.sheets["survey"], start=2):
            kind, _, list_name = row.get("type", "").partition(" ")
            kind, list_name, name = kind.strip(), list_name.strip(), row.get("name", "")
            if not kind:
                if name or row.get("label"):
                    self.problem(Code.FORM_NO_TYPE, "survey", row_number)
                continue
            if kind not in ALL_TYPES:
                self.problem(Code.FORM_UNKNOWN_TYPE, "survey", row_number, type=row["type"],
                             supported=", ".join(ALL_TYPES))
                continue
            if kind == "end_group":
                if not groups:
                    self.problem(Code.FORM_END_GROUP_WITHOUT_BEGIN, "survey", row_number)
                else:
                    groups.pop()
                continue
            if not _NAME.match(name):
                self.problem(Code.FORM_BAD_NAME, "survey", row_number, name=name)
                continue
            if name in names:
                self.problem(Code.FORM_DUPLICATE_NAME, "survey", row_number, name=name, first=names[name])
                continue
            if name in RESERVED_NAMES:
                self.problem(Code.FORM_RESERVED_NAME, "survey", row_number, name=name)
                continue
            names[name] = row_number
            if kind == "begin_group":
                groups.append(Group(name, row.get("label", ""), row_number))
                continue
            elements.append(self.read_question(row, row_number, kind, list_name, name, choice_lists,
                                               groups[-1] if groups else None))
        for group in groups:
            self.problem(Code.FORM_GROUP_WITHOUT_END, "survey", group.row, name=group.name)
        answers = {question.name for question in elements if question.is_answer}
        for question in elements:
            if question.relevant is not None and question.relevant.reads_own_answer:
                self.problem(Code.FORM_RELEVANT_READS_OWN_ANSWER, "survey", question.row, name=question.name)
            for expression, column in ((question.relevant, "relevant"), (question.constraint, "constraint")):
                for missing in sorted((expression.references if expression else set()) - answers):
                    self.problem(Code.FORM_UNKNOWN_REFERENCE, "survey", question.row, column=column,
                                 name=question.name, reference=missing)
        return elements

    def read_question(self, row, row_number, kind, list_name, name, choice_lists, group) -> Question:
        choices = None
        if kind == "select_one":
            choices = choice_lists.get(list_name)
            if choices is None:
                self.problem(Code.FORM_UNKNOWN_CHOICE_LIST, "survey", row_number, list_name=list_name, name=name)
        elif list_name:
            self.problem(Code.FORM_UNEXPECTED_CHOICE_LIST, "survey", row_number, type=kind)
        if not row.get("label"):
            self.problem(Code.FORM_NO_LABEL, "survey", row_number, name=name)
        prefill = row.get("prefill", "")
        if prefill and prefill not in PREFILL_FIELDS:
            self.problem(Code.FORM_BAD_PREFILL, "survey", row_number, prefill=prefill,
                         fields=", ".join(PREFILL_FIELDS))
        return Question(
            name=name, type=kind, label=row.get("label", ""), row=row_number,
            number=row.get("number", ""), hint=row.get("hint", ""),
            required=row.get("required", "").lower() in _TRUE,
            relevant=self.expression(row, "relevant", row_number),
            constraint=self.expression(row, "constraint", row_number),
            constraint_message=row.get("constraint_message", ""),
            choices=choices, group=group, prefill=prefill,
        )

    def expression(self, row: dict[str, str], column: str, row_number: int) -> Expression | None:
        text = row.get(column, "")
        if not text:
            return None
        try:
            return parse_expression(text)
        except ExpressionError as error:
            self.problem(Code.FORM_BAD_EXPRESSION, "survey", row_number, column=column, error=error)
            return None


def write_form_version(path: Path, version: str) -> None:
    """Set ``version`` on the settings sheet of the XLSForm at ``path`` (a valid one, see :func:`load_form`),
    everything else kept; the file is replaced atomically."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    sheet = next(sheet for sheet in workbook.worksheets if sheet.title.lower() == "settings")
    header = [str(cell.value or "").strip().lower() for cell in sheet[1]]
    first = next(row for row in sheet.iter_rows(min_row=2) if any(cell.value is not None for cell in row))
    sheet.cell(row=first[0].row, column=header.index("version") + 1, value=version)
    with atomic_path(path) as temporary:
        workbook.save(temporary)
