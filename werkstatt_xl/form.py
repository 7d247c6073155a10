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

from .catalogue import COLUMNS
from .errors import FileProblem, FormError
from .expression import Expression, ExpressionError, parse_expression
from .messages import Code
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
        listed = ", ".join(self.labels)
        return f"Erlaubt sind: {listed}" + ("" if listed.endswith(".") else ".")

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


def load_form(path: Path) -> Form:
    """Read and check the XLSForm at ``path``; raise :class:`FormError` listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise FormError(path, [FileProblem(Code.FORM, "The file does not exist.")])
    try:
        sheets = read_workbook_rows(path)
    except ValueError as error:
        raise FormError(path, [FileProblem(Code.FORM, f"The file is not a readable .xlsx workbook ({error}).")]) from None
    return _FormBuilder(path, {name.lower(): _rows(rows) for name, rows in sheets.items()}).build()


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

    def problem(self, sheet: str, row: int | None, message: str) -> None:
        where = f"[row {row}] " if row else ""
        self.problems.append(FileProblem(Code.FORM, f"{where}On the '{sheet}' sheet, {message}", row, sheet))

    def build(self) -> Form:
        for sheet in ("survey", "choices", "settings"):
            if sheet not in self.sheets:
                self.problem(sheet, None, "the sheet is missing: an XLSForm needs survey, choices and settings.")
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
                self.problem("settings", 2, f"'{key}' is empty: it identifies the questionnaire of this round.")
        return settings

    def read_choices(self) -> dict[str, ChoiceList]:
        found: dict[str, list[Choice]] = {}
        for row_number, row in enumerate(self.sheets["choices"], start=2):
            list_name, name, label = row.get("list_name", ""), row.get("name", ""), row.get("label", "")
            if not (list_name or name or label):
                continue
            if not (list_name and name and label):
                self.problem("choices", row_number, "list_name, name and label must all be filled in.")
                continue
            if any(choice.name == name for choice in found.get(list_name, [])):
                self.problem("choices", row_number, f"the choice '{name}' appears twice in list '{list_name}'.")
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
                    self.problem("survey", row_number, "the type is empty.")
                continue
            if kind not in ALL_TYPES:
                self.problem("survey", row_number, f"unknown type '{row['type']}'. Supported: {', '.join(ALL_TYPES)}.")
                continue
            if kind == "end_group":
                if not groups:
                    self.problem("survey", row_number, "end_group without a begin_group.")
                else:
                    groups.pop()
                continue
            if not _NAME.match(name):
                self.problem("survey", row_number, f"the name '{name}' is not valid: use letters, digits and _ "
                             "and start with a letter.")
                continue
            if name in names:
                self.problem("survey", row_number, f"the name '{name}' is already used in row {names[name]}.")
                continue
            if name in RESERVED_NAMES:
                self.problem("survey", row_number, f"the name '{name}' is reserved for a register column; "
                             f"choose another, e.g. '{name}_angabe'.")
                continue
            names[name] = row_number
            if kind == "begin_group":
                groups.append(Group(name, row.get("label", ""), row_number))
                continue
            elements.append(self.read_question(row, row_number, kind, list_name, name, choice_lists,
                                               groups[-1] if groups else None))
        for group in groups:
            self.problem("survey", group.row, f"the group '{group.name}' has no end_group.")
        answers = {question.name for question in elements if question.is_answer}
        for question in elements:
            if question.relevant is not None and question.relevant.reads_own_answer:
                self.problem("survey", question.row, f"the relevant of '{question.name}' uses '.', its own "
                             "answer; refer to other questions with ${name}.")
            for expression, column in ((question.relevant, "relevant"), (question.constraint, "constraint")):
                for missing in sorted((expression.references if expression else set()) - answers):
                    self.problem("survey", question.row, f"the {column} of '{question.name}' refers to "
                                 f"${{{missing}}}, which is not a question of this form.")
        return elements

    def read_question(self, row, row_number, kind, list_name, name, choice_lists, group) -> Question:
        choices = None
        if kind == "select_one":
            choices = choice_lists.get(list_name)
            if choices is None:
                self.problem("survey", row_number, f"the choice list '{list_name}' of '{name}' is not on the "
                             "choices sheet.")
        elif list_name:
            self.problem("survey", row_number, f"the type '{kind}' takes no choice list.")
        if not row.get("label"):
            self.problem("survey", row_number, f"'{name}' has no label.")
        prefill = row.get("prefill", "")
        if prefill and prefill not in PREFILL_FIELDS:
            self.problem("survey", row_number, f"prefill '{prefill}' is not a catalogue field "
                         f"({', '.join(PREFILL_FIELDS)}).")
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
            self.problem("survey", row_number, f"the {column} expression cannot be read: {error}.")
            return None
