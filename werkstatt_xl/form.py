"""Read and check an XLSForm (sheets survey / choices / settings) into a :class:`Form`.

The subset: select_one, select_multiple, text, integer, decimal, date, note,
begin_group/end_group, begin_repeat/end_repeat (with ``repeat_count``), with label, hint,
relevant, required, constraint, constraint_message; settings form_id, version, form_title.
Two extra survey columns, ignored by other XLSForm tools: ``number`` (the printed question
number, e.g. ``1.2``) and ``prefill`` (a catalogue field written into the answer cell, e.g.
``werkzeug``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import COLUMNS
from .errors import FileProblem, FormError
from .expression import Expression, ExpressionError, parse_expression
from .messages import Code, text
from .resources import template_path
from .settings import MAX_REPEAT_ROWS
from .xlsx import read_workbook_rows

ANSWER_TYPES = ("select_one", "select_multiple", "text", "integer", "decimal", "date")
ALL_TYPES = ANSWER_TYPES + ("note", "begin_group", "end_group", "begin_repeat", "end_repeat")
PREFILL_FIELDS = ("werkzeug", "seite", "ansprechpartner", "fachamt", "handlungsfeld")
RESERVED_NAMES = frozenset(COLUMNS) | {"status", "datei", "eingegangen_am", "sha256", "form_version", "repeat",
                                       "repeat_row"}
"""Register columns of the catalogue, of provenance and of repeats' rows: a question name must differ from them."""
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
    repeat: bool = False
    """A repeat (begin_repeat): its questions are answered once per row of the repeat."""
    count: int | None = None
    """A repeat's ``repeat_count`` where it is a number; else the questionnaire's default applies."""


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
    def in_repeat(self) -> bool:
        """Whether the question is answered once per row of a repeat (its group is the repeat)."""
        return self.group is not None and self.group.repeat

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
        """The answerable questions outside repeats, in form order: one answer each per questionnaire."""
        return tuple(element for element in self.elements if element.is_answer and not element.in_repeat)

    @property
    def repeats(self) -> dict[Group, tuple[Question, ...]]:
        """Each repeat with its answerable questions, in form order."""
        found: dict[Group, list[Question]] = {}
        for element in self.elements:
            if element.is_answer and element.in_repeat:
                found.setdefault(element.group, []).append(element)
        return {group: tuple(questions) for group, questions in found.items()}

    @property
    def repeat_questions(self) -> tuple[Question, ...]:
        """The answerable questions inside repeats, in form order."""
        return tuple(element for element in self.elements if element.is_answer and element.in_repeat)

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


def load_form(path: Path) -> Form:
    """Read and check the XLSForm at ``path``; raise :class:`FormError` listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise FormError(path, [_problem(Code.FORM_MISSING_FILE)])
    try:
        sheets = read_workbook_rows(path)
    except ValueError as error:
        raise FormError(path, [_problem(Code.FORM_UNREADABLE, error=error)]) from None
    return _FormBuilder(path, {name.lower(): _rows(rows) for name, rows in sheets.items()}).build()


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


_SELECT_MULTIPLE = ("select_multiple", "select all that apply from", "select all that apply",
                    "add select multiple prompt using")
"""pyxform's spellings of select_multiple, longest first where one starts another."""
_TYPE_ALIASES = {"begin repeat": "begin_repeat", "end repeat": "end_repeat", "begin looped group": "begin_repeat",
                 "end looped group": "end_repeat"}


def _split_type(text: str) -> tuple[str, str]:
    """A survey row's type as (kind, choice list name): ``select all that apply from farben`` ->
    ``("select_multiple", "farben")``, ``begin repeat`` -> ``("begin_repeat", "")``."""
    spelled = " ".join(text.split())
    lowered = spelled.lower()
    if lowered in _TYPE_ALIASES:
        return _TYPE_ALIASES[lowered], ""
    for alias in _SELECT_MULTIPLE:
        if lowered.startswith(alias + " "):
            return "select_multiple", spelled[len(alias) + 1:]
    kind, _, list_name = spelled.partition(" ")
    return kind, list_name


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
            kind, list_name = _split_type(row.get("type", ""))
            name = row.get("name", "")
            if not kind:
                if name or row.get("label"):
                    self.problem(Code.FORM_NO_TYPE, "survey", row_number)
                continue
            if kind not in ALL_TYPES:
                self.problem(Code.FORM_UNKNOWN_TYPE, "survey", row_number, type=row["type"],
                             supported=", ".join(ALL_TYPES))
                continue
            if kind == "end_group":
                if not groups or groups[-1].repeat:
                    self.problem(Code.FORM_END_GROUP_WITHOUT_BEGIN, "survey", row_number)
                else:
                    groups.pop()
                continue
            if kind == "end_repeat":
                if not groups or not groups[-1].repeat:
                    self.problem(Code.FORM_END_REPEAT_WITHOUT_BEGIN, "survey", row_number)
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
            repeat = next((group for group in groups if group.repeat), None)
            if kind == "begin_group":
                # a group inside a repeat is shown as part of the repeat: its rows hold the group's questions
                groups.append(repeat or Group(name, row.get("label", ""), row_number))
                continue
            if kind == "begin_repeat":
                if repeat is not None:
                    self.problem(Code.FORM_NESTED_REPEAT, "survey", row_number, name=name, outer=repeat.name)
                groups.append(repeat or Group(name, row.get("label", ""), row_number, repeat=True,
                                              count=self.repeat_count(row, row_number)))
                continue
            elements.append(self.read_question(row, row_number, kind, list_name, name, choice_lists,
                                               repeat or (groups[-1] if groups else None)))
        for group in groups:
            self.problem(Code.FORM_REPEAT_WITHOUT_END if group.repeat else Code.FORM_GROUP_WITHOUT_END, "survey",
                         group.row, name=group.name)
        answers = {question.name for question in elements if question.is_answer}
        self.check_repeat_references(elements)
        for question in elements:
            if question.relevant is not None and question.relevant.reads_own_answer:
                self.problem(Code.FORM_RELEVANT_READS_OWN_ANSWER, "survey", question.row, name=question.name)
            for expression, column in ((question.relevant, "relevant"), (question.constraint, "constraint")):
                for missing in sorted((expression.references if expression else set()) - answers):
                    self.problem(Code.FORM_UNKNOWN_REFERENCE, "survey", question.row, column=column,
                                 name=question.name, reference=missing)
        return elements

    def repeat_count(self, row: dict[str, str], row_number: int) -> int | None:
        """A repeat's ``repeat_count`` where it is a whole number from 1 to :data:`MAX_REPEAT_ROWS`; None where
        it is empty or an expression (the questionnaire's default applies)."""
        count = row.get("repeat_count", "")
        try:
            number = float(count.replace(",", "."))
        except ValueError:
            return None
        if not number.is_integer() or not 1 <= number <= MAX_REPEAT_ROWS:
            self.problem(Code.FORM_BAD_REPEAT_COUNT, "survey", row_number, count=count, most=MAX_REPEAT_ROWS)
            return None
        return int(number)

    def check_repeat_references(self, elements: list[Question]) -> None:
        """A question outside a repeat cannot depend on an answer inside it: a repeat has one per row."""
        in_repeat = {question.name: question.group for question in elements if question.in_repeat}
        for question in elements:
            for expression, column in ((question.relevant, "relevant"), (question.constraint, "constraint")):
                for reference in sorted(expression.references if expression else ()):
                    if reference in in_repeat and in_repeat[reference] != question.group:
                        self.problem(Code.FORM_REFERENCE_INTO_REPEAT, "survey", question.row, column=column,
                                     name=question.name, reference=reference, repeat=in_repeat[reference].name)

    def read_question(self, row, row_number, kind, list_name, name, choice_lists, group) -> Question:
        choices = None
        if kind in ("select_one", "select_multiple"):
            choices = choice_lists.get(list_name)
            if choices is None:
                self.problem(Code.FORM_UNKNOWN_CHOICE_LIST, "survey", row_number, list_name=list_name, name=name)
            elif kind == "select_multiple":
                for choice in choices.choices:
                    if not choice.name or choice.name != "".join(choice.name.split()):
                        self.problem(Code.FORM_CHOICE_NAME_WITH_SPACE, "survey", row_number, list_name=list_name,
                                     choice=choice.name, name=name)
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
