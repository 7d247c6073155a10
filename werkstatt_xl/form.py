"""Read and check an XLSForm (sheets survey, choices, settings) into a :class:`Form`, as pyxform reads it.

Every spelling pyxform accepts is read: column aliases (``list name``, ``relevance``, ``caption``,
``constraint message``, ``bind::jr:constraintMsg``, ...), type aliases (``begin group``, ``select one
from``, ``string``, ``q int``, ...), translated columns (``label::English (en)``, ``label:English``) of
which one language is chosen, settings on their sheet, on the survey sheet or not at all (the form id
then comes from the file name, the version from the cells read and the choice files, so that saving the
form again unchanged keeps it). What a workbook cannot show (positions, media, device metadata) is left
out and what is not rendered is said: :attr:`Form.notices`, each naming sheet and row. select_multiple is
shown as one tick cell per choice, a repeat as a fixed number of numbered entries (``repeat_count`` where it
is a number, else the round's ``repeat_rows``). Two extra survey columns, ignored by other XLSForm tools:
``number`` (the printed question number, e.g. ``1.2``) and ``prefill`` (a catalogue field written into the
answer cell, e.g. ``werkzeug``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Mapping

from .catalogue import COLUMNS
from .errors import FileProblem, FormError, FormLanguageError
from .expression import Expression, ExpressionError, TooDeepExpression, parse_expression
from .files import atomic_path, read_csv_rows
from .messages import Code, plural, text
from .placeholders import PlaceholderError, fill_placeholders
from .resources import template_path
from .settings import MAX_REPEAT_ROWS
from .xlsx import read_workbook_rows

ANSWER_TYPES = ("select_one", "select_multiple", "text", "integer", "decimal", "date", "time", "dateTime",
                "acknowledge", "calculate")
ALL_TYPES = ANSWER_TYPES + ("note", "begin_group", "end_group", "begin_repeat", "end_repeat")
PREFILL_FIELDS = ("werkzeug", "seite", "ansprechpartner", "fachamt", "handlungsfeld")
RESERVED_NAMES = frozenset(COLUMNS) | {"status", "file", "received_at", "sha256", "form_version", "repeat",
                                       "repeat_row"}
"""Register columns of the catalogue, of provenance and of repeats' rows: a question name must differ from them."""
LARGEST_NUMBER = 1e15
"""Larger numbers (and inf/nan) are refused: by the questionnaire's validation and again on merge."""
OTHER_CHOICE = "other"
"""The name of the choice ``or_other`` adds, as in pyxform."""
FILLED_ON_MERGE = {"today": "date", "start": "dateTime", "end": "dateTime"}
"""Device metadata a workbook has no field for but merge can fill in: the day or time of the merge."""

_NAME = re.compile(r"^[^\W\d][\w.-]*$")
_TRUE = {"yes", "true", "true()", "1", "ja"}
_FALSE = {"no", "false", "false()", "0", "nein", ""}

_TYPE_ALIASES = {
    "text": ("text", "string", "q string", "add text prompt", "phone number"),
    "integer": ("integer", "int", "q int", "add integer prompt", "percentage", "number of days in last month",
                "number of days in last six months", "number of days in last year"),
    "decimal": ("decimal", "q decimal", "add decimal prompt"),
    "date": ("date", "q date", "add date prompt"),
    "time": ("time",),
    "dateTime": ("dateTime", "datetime", "date time", "q date time", "q dateTime", "add date time prompt",
                 "add dateTime prompt"),
    "note": ("note", "q note", "add note prompt"),
    "calculate": ("calculate", "q calculate", "add calculate prompt"),
    "acknowledge": ("acknowledge", "trigger", "q acknowledge", "add acknowledge prompt"),
    "range": ("range",),
}
_LEFT_OUT_TYPES = {
    "geo": ("geopoint", "geotrace", "geoshape", "gps", "location", "q geopoint", "q geoshape", "q geotrace",
            "q location", "add location prompt", "start-geopoint", "background-geopoint"),
    "media": ("image", "photo", "q picture", "q image", "add image prompt", "add photo prompt", "audio", "q audio",
              "add audio prompt", "video", "q video", "add video prompt", "file", "add file prompt", "barcode",
              "q barcode", "add barcode prompt", "osm", "background-audio", "audit"),
    "metadata": ("start", "end", "today", "deviceid", "imei", "subscriberid", "simserial", "phonenumber",
                 "username", "email", "get start time", "start time", "get end time", "end time", "get today",
                 "device id", "get device id", "subscriber id", "get subscriber id", "sim id", "get sim id",
                 "get phone number", "uri:subscriberid", "uri:phonenumber", "uri:simserial", "uri:deviceid",
                 "uri:username", "uri:email", "hidden"),
    "external": ("xml-external", "csv-external"),
}
_METADATA_KINDS = {"get start time": "start", "start time": "start", "get end time": "end", "end time": "end",
                   "get today": "today"}
_TYPES = {alias: kind for kind, aliases in _TYPE_ALIASES.items() for alias in aliases}
_LEFT_OUT = {alias: why for why, aliases in _LEFT_OUT_TYPES.items() for alias in aliases}
_SETTINGS_TYPES = {"form_title": "form_title", "set_form_title": "form_title", "form_id": "form_id",
                   "set_form_id": "form_id", "prefix": "prefix"}
"""Types of survey rows that set a setting from their name column, as pyxform allows."""
_CONTROL = re.compile(r"^(?P<end>begin|end)[ _](?P<kind>group|lgroup|repeat|loop|looped group)"
                      r"(?: (?:over )?(?P<list_name>\S+))?$")
_CONTROLS = {"group": "group", "lgroup": "repeat", "repeat": "repeat", "looped group": "repeat", "loop": "loop"}
_SELECTS = {
    "select_one": "select_one", "select one": "select_one", "select1": "select_one", "select one from": "select_one",
    "add select one prompt using": "select_one", "select one using": "select_one", "q select1": "select_one",
    "select_multiple": "select_multiple", "select all that apply": "select_multiple",
    "select all that apply from": "select_multiple", "add select multiple prompt using": "select_multiple",
    "select multiple from": "select_multiple", "select multiple using": "select_multiple",
    "q select": "select_multiple",
    "select_one_external": "select_one_external", "select one external": "select_one_external",
    "select_one_from_file": "select_one_from_file", "select one from file": "select_one_from_file",
    "select_multiple_from_file": "select_multiple_from_file",
    "select multiple from file": "select_multiple_from_file",
    "rank": "rank",
}
_SELECT = re.compile(r"^(?P<kind>" + "|".join(sorted(map(re.escape, _SELECTS), key=len, reverse=True))
                     + r") (?P<list_name>\S+)(?: (?P<other>or specify other|or_other|or other))?$")

_SURVEY_ALIASES = {
    "caption": "label", "relevance": "relevant", "constraining_message": "constraint_message",
    "jr:constraintmsg": "constraint_message", "requiredmsg": "required_message",
    "jr:requiredmsg": "required_message", "calculate": "calculation", "readonly": "read_only",
    "count": "repeat_count", "jr:count": "repeat_count", "command": "type", "tag": "name", "value": "name",
    "noapperrorstring": "no_app_error_string", "jr:noapperrorstring": "no_app_error_string",
}
_CHOICES_ALIASES = {"caption": "label", "value": "name"}
_SETTINGS_ALIASES = {"set_form_title": "form_title", "title": "form_title", "set_form_id": "form_id",
                     "id_string": "form_id"}
_ALIASES = {"survey": _SURVEY_ALIASES, "choices": _CHOICES_ALIASES, "external_choices": _CHOICES_ALIASES,
            "settings": _SETTINGS_ALIASES}
_NESTING = ("bind", "control", "body", "instance", "media")
"""Prefixes pyxform reads as nesting (``bind::relevant`` is ``relevant``, ``media::image`` is ``image``)."""
TRANSLATED = ("label", "hint", "guidance_hint", "constraint_message", "required_message", "image", "big-image",
              "audio", "video")
"""Columns that can be given per language (``label::Deutsch (de)``)."""
_LANGUAGE_COLUMNS = ("label", "hint", "constraint_message", "required_message")
"""The translated columns whose languages are offered: media columns alone make no language."""
_USED = {
    "survey": {"type", "name", "label", "hint", "relevant", "required", "required_message", "constraint",
               "constraint_message", "calculation", "default", "read_only", "choice_filter", "parameters",
               "number", "prefill", "disabled", "repeat_count"},
    "choices": {"list_name", "name", "label"},
    "settings": {"form_id", "version", "form_title", "default_language", "allow_choice_duplicates"},
}
_SKIPPED_COLUMNS = {"appearance": "form.not_used.appearance", "guidance_hint": "form.not_used.guidance_hint",
                    "image": "form.not_used.media", "big-image": "form.not_used.media",
                    "audio": "form.not_used.media", "video": "form.not_used.media"}
"""Known columns the workbook does not render -> why (a key); other unknown columns say they are unknown."""
_SHEETS = {"survey", "choices", "settings", "external_choices", "entities", "osm"}
"""The sheets pyxform reads."""
_EMPTY_ROWS, _EMPTY_COLUMNS = 60, 20
"""pyxform stops reading a sheet after more empty rows than this, its header after more empty columns."""
_ROWS_LISTED = 8
"""The most rows a notice about an unused column lists."""


@dataclass(frozen=True)
class Choice:
    name: str
    label: str
    columns: tuple[tuple[str, str], ...] = ()
    """The choice's other columns (for ``choice_filter``), as (column, value)."""

    def column(self, name: str) -> str:
        """The value of the choice's column ``name`` (``name`` and ``label`` included), "" where it has none."""
        return {"name": self.name, "label": self.label, **dict(self.columns)}.get(name, "")


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
    """One row of the survey sheet that is shown: an answerable question or a note.

    ``name`` identifies the question in the questionnaire and the register: the name of the survey
    sheet, or where the same name stands in several groups, the groups' names and it joined by ``/``.
    """

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
    required_message: str = ""
    calculation: Expression | None = None
    default: str = ""
    read_only: bool = False
    choice_filter: Expression | None = None

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
    notices: tuple[FileProblem, ...] = ()
    """What the workbook leaves out or does not render, each naming sheet and row (shown by ``generate``)."""
    language: str = ""
    """The language of the labels read (``English (en)``); empty where the form has none named."""
    metadata: dict[str, str] = field(default_factory=dict)
    """Names of device metadata filled in on merge -> its kind (:data:`FILLED_ON_MERGE`)."""

    @functools.cached_property
    def questions(self) -> tuple[Question, ...]:
        """The answerable questions outside repeats, in form order: one answer each per questionnaire (worked
        out once: merge asks for them for every return)."""
        return tuple(element for element in self.elements if element.is_answer and not element.in_repeat)

    @property
    def repeats(self) -> dict[Group, tuple[Question, ...]]:
        """Each repeat with its answerable questions, in form order."""
        found: dict[Group, list[Question]] = {}
        for question in self.repeat_questions:
            found.setdefault(question.group, []).append(question)
        return {group: tuple(questions) for group, questions in found.items()}

    @functools.cached_property
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


def load_form(path: Path, language: str = "", *, values: Mapping[str, str | None] | None = None) -> Form:
    """Read and check the XLSForm at ``path`` with its labels in ``language`` (a name or code of the form's
    languages; empty: the form's default_language, else its first); raise :class:`FormError` listing
    every problem.

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
    lowered = {}
    for name, rows in sheets.items():
        lowered.setdefault(name.strip().lower(), rows)
    if len(lowered) == 1 and not lowered.keys() & _SHEETS:  # pyxform reads a lone sheet as the survey
        lowered = {"survey": next(iter(lowered.values()))}
    return _FormBuilder(path, lowered, language).build()


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


def _problem(code: Code | str, sheet: str = "", row: int | None = None, problem_code: Code | None = None,
             **values: object) -> FileProblem:
    """A form problem, its message (the text of ``code``, a :class:`Code` or another message key) starting
    with row and sheet where there are ones; its code ``problem_code`` where ``code`` is no :class:`Code`."""
    message = text(code, **values)
    if sheet:
        message = text("form.on_sheet", sheet=sheet, problem=message)
    if row:
        message = text("form.at_row", row=row, problem=message)
    return FileProblem(problem_code or code, message, row, sheet)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass(frozen=True)
class _Column:
    """A header cell read: its column (aliases resolved) and language (translated columns), or unknown."""

    name: str
    language: str = ""
    header: str = ""


def _columns(sheet: str, header: list[object]) -> list[_Column | None]:
    """The columns of a sheet's header row as pyxform reads them (``None`` for an empty header cell)."""
    cells = [" ".join(_cell(cell).split()) for cell in header]
    double_colon = any("::" in cell for cell in cells)
    aliases = _ALIASES.get(sheet, {})
    columns: list[_Column | None] = []
    for cell in cells:
        if not cell:
            columns.append(None)
            continue
        parts = [part.strip() for part in cell.split("::" if double_colon else ":")]
        if not double_colon and "jr" in parts[:-1]:
            at = parts.index("jr")
            parts[at:at + 2] = [f"jr:{parts[at + 1]}"]
        while len(parts) > 1 and parts[0].lower() in _NESTING:
            parts = parts[1:]
        name = "_".join(parts[0].split()).lower()
        name = aliases.get(name, name)
        if len(parts) > 1 and name not in TRANSLATED:
            name = cell  # an unknown column keeps its header
        columns.append(_Column(name, "::".join(parts[1:]), cell))
    return columns


class _Sheet:
    """One sheet: its columns and rows (1-based sheet row numbers), cells as stripped text."""

    def __init__(self, name: str, rows: list[list]):
        self.name = name
        header = _until_empty_run(rows[0] if rows else [], _EMPTY_COLUMNS)
        self.columns = _columns(name, header)
        cells = [[_cell(value) for value in row[:len(header)]] for row in rows[1:]]
        kept = _until_empty_run(cells, _EMPTY_ROWS, lambda row: any(row))
        self.rows = list(enumerate(kept, start=2))
        self.markup_rows: set[int] = set()
        """Rows whose texts had HTML formatting, shown as plain text."""
        self.ignored_from = next((number for number, row in enumerate(cells[len(kept):], start=2 + len(kept))
                                  if any(row)), None)
        """The first row with content after a run of empty rows, where pyxform stops reading, else None."""

    def languages(self) -> list[str]:
        """The languages of the label columns (else of the hint and message columns), in column order."""
        for names in (("label",), _LANGUAGE_COLUMNS):
            found = [column.language for column in self.columns if column and column.name in names]
            if found:
                return list(dict.fromkeys(found))
        return []

    def records(self, language: str) -> list[tuple[int, dict[str, str]]]:
        """Each row as column -> value; a translated column in ``language``, else untranslated, else the
        first language that has it."""
        records = []
        for number, cells in self.rows:
            record: dict[str, str] = {}
            translations: dict[str, dict[str, str]] = {}
            for column, value in zip(self.columns, cells):
                if column is None or not value:
                    continue
                if column.name in TRANSLATED:
                    translations.setdefault(column.name, {}).setdefault(column.language, value)
                    if column.language:  # as a choice_filter names it: label::English
                        record.setdefault(column.header, value)
                else:
                    record.setdefault(column.name, value)
            for name, by_language in translations.items():
                chosen = by_language.get(language) or by_language.get("") or next(iter(by_language.values()))
                record[name] = _without_markup(chosen)
                if record[name] != chosen:
                    self.markup_rows.add(number)
            records.append((number, record))
        return records


_MARKUP = re.compile(r"</?(?:span|font|b|i|u|strong|em|p|div|h[1-6])(?:\s[^<>]*)?>|(<br\s*/?>)", re.IGNORECASE)
"""The HTML formatting ODK shows in labels and hints; a line break stays one."""


def _without_markup(words: str) -> str:
    """``words`` without HTML formatting tags (``<span style=…>``), ``<br>`` as a line break."""
    return _MARKUP.sub(lambda match: "\n" if match.group(1) else "", words) if "<" in words else words


def _until_empty_run(items: list, most: int, filled=lambda item: bool(_cell(item))) -> list:
    """``items`` up to a run of more than ``most`` empty ones, trailing empty ones dropped: where pyxform stops."""
    kept, empty = [], 0
    for item in items:
        if filled(item):
            kept.extend([None] * empty if not isinstance(item, list) else [[]] * empty)
            kept.append(item)
            empty = 0
        elif empty == most:
            break
        else:
            empty += 1
    return kept


def _choose_language(languages: list[str], wanted: str, default: str) -> str | None:
    """The language to read: ``wanted`` (name or the code in its parentheses, any case), else the form's
    ``default``, else the unnamed one, else the first; None when ``wanted`` is not among them."""
    def find(name: str) -> str | None:
        name = name.strip().casefold()
        for language in languages:
            code = re.search(r"\(([^()]*)\)\s*$", language)
            if name and name in (language.casefold(), code.group(1).casefold() if code else None,
                                 re.sub(r"\s*\([^()]*\)\s*$", "", language).casefold()):
                return language
        return None

    if wanted:
        return find(wanted)
    return find(default) or ("" if "" in languages or not languages else languages[0])


def _content_version(sheets: dict[str, "_Sheet"], files: dict[str, tuple[list[str], list[dict[str, str]]]]) -> str:
    """A version for a form without one: the start of the SHA-256 of what is read from it (each sheet's
    header and cells as text, the CSV files of its choices), the same for every copy and after saving it
    again unchanged; new when the form changes."""
    content = {"sheets": {name: [[column.header if column else "" for column in sheet.columns],
                                 *(cells for _number, cells in sheet.rows)] for name, sheet in sorted(sheets.items())},
               "files": {name: [columns, *([row.get(column, "") for column in columns] for row in rows)]
                         for name, (columns, rows) in sorted(files.items())}}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:12]


def _rows_text(rows: list[int]) -> str:
    """``row 2``, ``rows 2, 5``, ``rows 2, 3, … and 4 more``."""
    shown = ", ".join(map(str, rows[:_ROWS_LISTED]))
    if len(rows) > _ROWS_LISTED:
        shown = text("form.rows_more", rows=shown, more=len(rows) - _ROWS_LISTED)
    return plural(len(rows), "form.row_list", "form.rows_list", rows=shown)


class _FormBuilder:
    def __init__(self, path: Path, sheets: dict[str, list[list]], language: str):
        self.path, self.wanted_language = path, language
        self.sheets = {name: _Sheet(name, rows) for name, rows in sheets.items()}
        self.problems: list[FileProblem] = []
        self.notices: list[FileProblem] = []
        self.settings: dict[str, str] = {}
        self.left_out: dict[str, int] = {}  # names of rows left out -> their row
        self.metadata: dict[str, str] = {}
        self.lists: dict[str, ChoiceList] = {}  # every choice list a question uses, by name
        self.language = ""
        self.refused: set[str] = set()  # names of rows whose type is refused
        self.file_lists: dict[str, ChoiceList] = {}  # choices read from CSV files beside the form
        self.file_contents: dict[str, tuple[list[str], list[dict[str, str]]]] = {}  # those files as read

    def problem(self, code: Code, sheet: str, row: int | None, template: str | None = None, **values: object) -> None:
        """Report ``code`` at ``row`` of ``sheet``, worded by its own text or by ``template``."""
        self.problems.append(_problem(template or code, sheet, row, code, **values))

    def notice(self, code: Code, key: str, sheet: str, row: int | None, **values: object) -> None:
        self.notices.append(_problem(key, sheet, row, code, **values))

    def build(self) -> Form:
        if "survey" not in self.sheets:
            self.problem(Code.FORM_MISSING_SHEET, "survey", None)
            raise FormError(self.path, self.problems)
        self.read_settings()
        languages = list(dict.fromkeys(self.sheets["survey"].languages()
                                       + (self.sheets["choices"].languages() if "choices" in self.sheets else [])))
        language = _choose_language(languages, self.wanted_language, self.settings.get("default_language", ""))
        if language is None:
            self.problem(Code.FORM_UNKNOWN_LANGUAGE, "", None, language=self.wanted_language,
                         languages=", ".join(name or text("form.unnamed_language") for name in languages))
            raise FormLanguageError(self.path, self.problems)
        self.language = language
        choice_lists = self.read_choices("choices", language)
        external = self.read_choices("external_choices", language)
        self.lists = {**external, **choice_lists}
        surveyed = self.expand_loops(self.sheets["survey"].records(language))
        for _number, row in surveyed:
            kind = " ".join(row.get("type", "").split())
            if kind in _SETTINGS_TYPES and row.get("name"):
                self.settings[_SETTINGS_TYPES[kind]] = row["name"]
        elements = self.read_survey(surveyed, choice_lists, external)
        for sheet in self.sheets.values():
            self.unused_columns(sheet)
        if self.problems:
            raise FormError(self.path, _in_order(self.problems))
        form_id = self.settings.get("form_id") or re.sub(r"\W+", "_", self.path.stem).strip("_") or "form"
        if not any(element.is_answer for element in elements):
            self.notice(Code.FORM_LEFT_OUT, "form.nothing_to_ask", "survey", None)
        version = self.settings.get("version") or _content_version(self.sheets, self.file_contents)
        return Form(self.path, form_id, version,
                    self.settings.get("form_title") or form_id, tuple(elements), self.lists,
                    tuple(_in_order(self.notices)), language, dict(self.metadata))

    def read_settings(self) -> None:
        sheet = self.sheets.get("settings")
        if sheet is None:
            return
        records = [(number, row) for number, row in sheet.records("") if row]
        if not records:
            return
        number, self.settings = records[0]
        for key in self.settings:
            if key not in _USED["settings"]:
                self.notice(Code.FORM_NOT_USED, "form.setting_not_used", "settings", number, setting=key)

    def unused_columns(self, sheet: _Sheet) -> None:
        """A notice for each column with values that the workbook does not use, naming its rows; and for the
        rows whose HTML formatting is shown as plain text."""
        if sheet.markup_rows:
            rows = sorted(sheet.markup_rows)
            self.notice(Code.FORM_NOT_RENDERED, "form.markup", sheet.name, rows[0], rows=_rows_text(rows))
        if sheet.ignored_from is not None:
            self.notice(Code.FORM_NOT_USED, "form.rows_after_gap", sheet.name, sheet.ignored_from,
                        first=sheet.ignored_from, empty=_EMPTY_ROWS)
        used = _USED.get(sheet.name)
        if used is None or not sheet.rows:
            if sheet.name not in ("survey", "choices", "settings", "external_choices"):
                self.notice(Code.FORM_NOT_USED, "form.sheet_not_used", sheet.name, None)
            return
        if sheet.name in ("choices", "settings"):
            return  # other columns of choices serve choice_filter; read_settings names the settings not used
        rows: dict[_Column, list[int]] = {}
        for number, cells in sheet.rows:
            for column, value in zip(sheet.columns, cells):
                if column is not None and value and column.name not in used:
                    rows.setdefault(column, []).append(number)
        for column, numbers in rows.items():
            why = text(_SKIPPED_COLUMNS.get(column.name, "form.not_used.unknown"))
            self.notice(Code.FORM_NOT_USED, "form.column_not_used", sheet.name, numbers[0], column=column.header,
                        rows=_rows_text(numbers), why=why)

    def read_choices(self, sheet_name: str, language: str) -> dict[str, ChoiceList]:
        sheet = self.sheets.get(sheet_name)
        if sheet is None:
            return {}
        found: dict[str, list[Choice]] = {}
        duplicates = self.settings.get("allow_choice_duplicates", "").lower() in _TRUE
        for number, row in sheet.records(language):
            list_name, name, label = row.get("list_name", ""), row.get("name", ""), row.get("label", "")
            if not row:
                continue
            if not (list_name and name):
                self.problem(Code.FORM_INCOMPLETE_CHOICE, sheet_name, number)
                continue
            if not duplicates and any(choice.name == name for choice in found.get(list_name, [])):
                self.problem(Code.FORM_DUPLICATE_CHOICE, sheet_name, number, name=name, list_name=list_name)
                continue
            if not label:
                self.notice(Code.FORM_NO_LABEL, "form.choice_without_label", sheet_name, number, name=name)
            columns = tuple((key, value) for key, value in row.items() if key not in ("list_name", "name", "label"))
            found.setdefault(list_name, []).append(Choice(name, label or name, columns))
        return {name: ChoiceList(name, _distinct_labels(choices)) for name, choices in found.items()}

    def read_survey(self, records, choice_lists, external) -> list[Question]:
        rows: list[tuple[int, dict[str, str], str, str, str, tuple[Group, ...]]] = []
        groups: list[Group] = []
        opened: list[str] = []  # the kind of each open group: begin_group or begin_repeat
        siblings: list[dict[str, int]] = [{}]
        conditions: list[str] = []  # the relevant of each open group, which its questions inherit
        for row_number, row in records:
            raw_type = " ".join(row.get("type", "").split())
            name = row.get("name", "")
            if row.get("disabled", "").lower() in _TRUE:
                self.notice(Code.FORM_LEFT_OUT, "form.disabled", "survey", row_number, name=name)
                continue
            if not raw_type:
                if name or row.get("label"):
                    self.problem(Code.FORM_NO_TYPE, "survey", row_number)
                continue
            if raw_type in _SETTINGS_TYPES:
                continue
            kind, list_name, other = self.read_type(raw_type, row_number)
            if kind is None:
                self.refused.add(name)  # reported: a reference to it is no second problem
                continue
            if kind in ("end_group", "end_repeat"):
                if kind == "end_repeat" and (not opened or opened[-1] != "begin_repeat"):
                    self.problem(Code.FORM_END_REPEAT_WITHOUT_BEGIN, "survey", row_number)
                elif not groups:
                    self.problem(Code.FORM_END_GROUP_WITHOUT_BEGIN, "survey", row_number)
                else:
                    groups.pop()
                    opened.pop()
                    siblings.pop()
                    conditions.pop()
                continue
            if kind == "note" and not name:
                name = f"note_{row_number}"
            if not _NAME.match(name):
                self.problem(Code.FORM_BAD_NAME, "survey", row_number, name=name)
                continue
            if name in siblings[-1]:
                self.problem(Code.FORM_DUPLICATE_NAME, "survey", row_number, name=name, first=siblings[-1][name])
                continue
            if name in RESERVED_NAMES:
                self.problem(Code.FORM_RESERVED_NAME, "survey", row_number, name=name)
                continue
            siblings[-1][name] = row_number
            repeat = next((group for group in groups if group.repeat), None)
            if kind in ("begin_group", "begin_repeat"):
                if kind == "begin_repeat" and repeat is not None:
                    self.problem(Code.FORM_NESTED_REPEAT, "survey", row_number, name=name, outer=repeat.name)
                # a group inside a repeat is shown as part of the repeat: its entries hold the group's questions
                groups.append(repeat or Group(name, row.get("label", ""), row_number, repeat=kind == "begin_repeat",
                                              count=self.repeat_count(row, row_number) if kind == "begin_repeat"
                                              else None))
                opened.append(kind)
                siblings.append({})
                conditions.append(row.get("relevant", ""))
                continue
            if kind.startswith("left_out:"):
                self.left_out_row(kind.partition(":")[2], raw_type, name, row_number)
                continue
            relevant = _all_of([*conditions, row.get("relevant", "")])
            rows.append((row_number, {**row, "relevant": relevant, **({"_or_other": "yes"} if other else {})},
                         kind, list_name, name, tuple(groups)))
            if other:
                rows.append((row_number, {"label": text("form.other_label"),
                                          "relevant": _all_of([relevant, f"selected(${{{name}}}, '{OTHER_CHOICE}')"])},
                             "text", "", f"{name}_other", tuple(groups)))
        for group in groups:
            self.problem(Code.FORM_REPEAT_WITHOUT_END if group.repeat else Code.FORM_GROUP_WITHOUT_END, "survey",
                         group.row, name=group.name)
        keys = self.keys(rows)
        elements = [self.read_question(row, number, kind, list_name, keys[(path, name)], choice_lists, external,
                                       path[-1] if path else None)
                    for number, row, kind, list_name, name, path in rows]
        self.check_references(elements)
        elements = [element for element in elements if element is not None]
        self.check_repeat_references(elements)
        self.check_cycles(elements)
        return elements

    def repeat_count(self, row: dict[str, str], row_number: int) -> int | None:
        """A repeat's ``repeat_count`` where it is a whole number from 1 to :data:`MAX_REPEAT_ROWS`; None where
        it is empty or an expression (the questionnaire's default applies, with a notice)."""
        count = row.get("repeat_count", "")
        if not count:
            return None
        try:
            number = float(count.replace(",", "."))
        except ValueError:
            self.notice(Code.FORM_NOT_RENDERED, "form.repeat_count_expression", "survey", row_number,
                        name=row.get("name", ""), count=count)
            return None
        if not number.is_integer() or not 1 <= number <= MAX_REPEAT_ROWS:
            self.problem(Code.FORM_BAD_REPEAT_COUNT, "survey", row_number, count=count, most=MAX_REPEAT_ROWS)
            return None
        return int(number)

    def check_repeat_references(self, elements: list[Question]) -> None:
        """A question outside a repeat cannot depend on an answer inside it: a repeat has one per entry."""
        in_repeat = {question.name: question.group for question in elements if question.in_repeat}
        for question in elements:
            for column in _EXPRESSIONS:
                for reference in sorted(_references(question, column)):
                    if reference in in_repeat and in_repeat[reference] != question.group:
                        self.problem(Code.FORM_REFERENCE_INTO_REPEAT, "survey", question.row, column=column,
                                     name=question.name, reference=reference, repeat=in_repeat[reference].name)

    def expand_loops(self, records: list[tuple[int, dict[str, str]]]) -> list[tuple[int, dict[str, str]]]:
        """Each ``begin loop over LIST`` … ``end loop`` as pyxform reads it: a group of the loop holding, for each
        choice of LIST, a group named by the choice with the loop's rows, ``%(label)s`` in their texts replaced
        by the choice's label."""
        expanded, position = [], 0
        while position < len(records):
            number, row = records[position]
            control = _CONTROL.match(" ".join(row.get("type", "").split()))
            position += 1
            if not (control and control["end"] == "begin" and control["kind"] == "loop"):
                expanded.append((number, row))
                continue
            end = next((index for index in range(position, len(records))
                        if " ".join(records[index][1].get("type", "").split()) in ("end loop", "end_loop")), None)
            choices = self.lists.get(control["list_name"] or "")
            if end is None or choices is None:
                if choices is None:
                    self.problem(Code.FORM_UNKNOWN_CHOICE_LIST, "survey", number, list_name=control["list_name"] or "",
                                 name=row.get("name", ""))
                expanded.append((number, row))
                continue
            expanded.append((number, {**row, "type": "begin_group"}))
            for choice in choices.choices:
                expanded.append((number, {"type": "begin_group", "name": choice.name, "label": choice.label}))
                expanded.extend((inner, {key: value.replace("%(label)s", choice.label) if key in TRANSLATED else value
                                         for key, value in cells.items()}) for inner, cells in records[position:end])
                expanded.append((number, {"type": "end_group"}))
            expanded.append((records[end][0], {"type": "end_group"}))
            position = end + 1
        return expanded

    def choices_from_file(self, file_name: str, raw_type: str, row_number: int) -> ChoiceList | None:
        """The choices of ``select_one_from_file FILE.csv`` from the CSV file beside the form (columns name and
        label, as on the choices sheet); None after reporting a file that is missing, no CSV or unreadable."""
        path = self.path.parent / file_name
        if (Path(file_name).is_absolute() or ".." in Path(file_name).parts or "\\" in file_name
                or not path.resolve().is_relative_to(self.path.parent.resolve())):  # a link out of the folder
            self.problem(Code.FORM_UNSUPPORTED_TYPE, "survey", row_number, type=raw_type,
                         why=text("form.unsupported.outside_folder", file=file_name))
            return None
        try:
            columns, rows = read_csv_rows(path) if path.suffix.lower() == ".csv" and path.is_file() else ([], [])
            self.file_contents[file_name] = (columns, rows)
        except (OSError, ValueError) as error:
            self.problem(Code.FORM_UNSUPPORTED_TYPE, "survey", row_number, type=raw_type,
                         why=text("form.unsupported.unreadable_file", file=file_name, error=error))
            return None
        if not rows:
            self.problem(Code.FORM_UNSUPPORTED_TYPE, "survey", row_number, type=raw_type,
                         why=text("form.unsupported.from_file", file=file_name))
            return None
        sheet = _Sheet("choices", [columns, *([row.get(column, "") for column in columns] for row in rows)])
        choices = [Choice(row["name"], row.get("label") or row["name"],
                          tuple((key, value) for key, value in row.items() if key not in ("name", "label")))
                   for _number, row in sheet.records(self.language) if row.get("name")]
        if not choices:
            self.problem(Code.FORM_UNSUPPORTED_TYPE, "survey", row_number, type=raw_type,
                         why=text("form.unsupported.from_file", file=file_name))
            return None
        found = self.own_list(file_name, _distinct_labels(choices))
        self.file_lists[found.name] = found
        return found

    def read_type(self, raw_type: str, row_number: int) -> tuple[str | None, str, bool]:
        """(kind, list name, or_other) of a type cell; ``left_out:<why>`` for a type left out; (None, "",
        False) after a problem is reported."""
        control = _CONTROL.match(raw_type)
        if control:
            kind = _CONTROLS[control["kind"]]  # a loop left here lacks its end or list: a group, said so below
            return f"{control['end']}_{'repeat' if kind == 'repeat' else 'group'}", "", False
        select = _SELECT.match(raw_type)
        if select:
            kind = _SELECTS[select["kind"]]
            if kind.endswith("_from_file"):
                choices = self.choices_from_file(select["list_name"], raw_type, row_number)
                if choices is None:
                    return None, "", False
                return kind.removesuffix("_from_file"), choices.name, bool(select["other"])
            if kind not in ALL_TYPES and kind != "select_one_external":
                self.problem(Code.FORM_UNSUPPORTED_TYPE, "survey", row_number, type=raw_type,
                             why=text(f"form.unsupported.{kind}"))
                return None, "", False
            return kind, select["list_name"], bool(select["other"])
        if raw_type in _LEFT_OUT or raw_type.split(" ", 1)[0] == "osm":
            return f"left_out:{_LEFT_OUT.get(raw_type, 'media')}", "", False
        kind = _TYPES.get(raw_type)
        if kind is None and raw_type.split(" ", 1)[0] in _TYPES:
            self.problem(Code.FORM_UNEXPECTED_CHOICE_LIST, "survey", row_number, type=raw_type.split(" ", 1)[0])
            return None, "", False
        if kind is None:
            self.problem(Code.FORM_UNKNOWN_TYPE, "survey", row_number, type=raw_type,
                         supported=", ".join(ALL_TYPES))
            return None, "", False
        return kind, "", False

    def left_out_row(self, why: str, raw_type: str, name: str, row_number: int) -> None:
        kind = _METADATA_KINDS.get(raw_type, raw_type)
        if kind in FILLED_ON_MERGE:
            self.metadata[name] = kind
            self.notice(Code.FORM_LEFT_OUT, "form.filled_on_merge", "survey", row_number, name=name, type=raw_type)
            return
        self.left_out[name] = row_number
        self.notice(Code.FORM_LEFT_OUT, f"form.left_out.{why}", "survey", row_number, name=name, type=raw_type)

    def own_list(self, name: str, choices: tuple[Choice, ...]) -> ChoiceList:
        """A choice list made for a question (``or_other``, ``acknowledge``), kept with the form's lists."""
        while name in self.lists and self.lists[name].choices != choices:
            name += "_"
        self.lists[name] = ChoiceList(name, choices)
        return self.lists[name]

    @staticmethod
    def keys(rows) -> dict[tuple[tuple[Group, ...], str], str]:
        """(groups, name) -> the question's key: its name, or where the name is used in several groups its
        path of group names."""
        counts: dict[str, int] = {}
        for _number, _row, _kind, _list, name, _path in rows:
            counts[name] = counts.get(name, 0) + 1
        return {(path, name): name if counts[name] == 1 else "/".join([*(group.name for group in path), name])
                for _number, _row, _kind, _list, name, path in rows}

    def read_question(self, row, row_number, kind, list_name, name, choice_lists, external, group) -> Question | None:
        choices = None
        if kind in ("select_one", "select_one_external", "select_multiple"):
            lists = external if kind == "select_one_external" else {**self.file_lists, **choice_lists}
            choices = lists.get(list_name)
            if choices is None:
                self.problem(Code.FORM_UNKNOWN_CHOICE_LIST, "survey", row_number, list_name=list_name, name=name)
            elif row.get("_or_other") and not choices.by_name(OTHER_CHOICE):
                choices = self.own_list(f"{choices.name}_or_other", choices.choices
                                        + (Choice(OTHER_CHOICE, text("form.other_choice")),))
            if kind == "select_multiple" and choices is not None:
                self.check_multiple_choices(choices, name, row_number)
            kind = "select_multiple" if kind == "select_multiple" else "select_one"
        elif kind == "acknowledge":
            choices = self.own_list("acknowledge", (Choice("OK", text("form.acknowledge_choice")),))
        label = row.get("label", "")
        if not label and kind != "calculate":
            label = row.get("hint", "") or name
            self.notice(Code.FORM_NO_LABEL, "form.no_label_shown", "survey", row_number, name=name, shown=label)
        prefill = row.get("prefill", "")
        if prefill and prefill not in PREFILL_FIELDS:
            self.problem(Code.FORM_BAD_PREFILL, "survey", row_number, prefill=prefill,
                         fields=", ".join(PREFILL_FIELDS))
        ranged = kind == "range"
        if ranged:
            kind = self.range_type(row, row_number)
        calculation = self.expression(row, "calculation", row_number)
        if kind == "calculate" and calculation is None:
            self.notice(Code.FORM_LEFT_OUT, "form.calculation_left_out", "survey", row_number, name=name)
            self.left_out[name] = row_number
            return None
        if calculation is not None and kind != "calculate":
            self.notice(Code.FORM_NOT_RENDERED, "form.calculation_not_rendered", "survey", row_number, name=name)
            calculation = None
        required = row.get("required", "").lower()
        if required not in _TRUE | _FALSE:
            self.notice(Code.FORM_NOT_RENDERED, "form.required_expression", "survey", row_number, name=name,
                        required=row["required"])
        read_only = row.get("read_only", "").lower()
        if read_only not in _TRUE | _FALSE:
            self.notice(Code.FORM_NOT_RENDERED, "form.read_only_expression", "survey", row_number, name=name,
                        read_only=row["read_only"])
        if row.get("choice_filter") and choices is None:
            self.notice(Code.FORM_NOT_USED, "form.choice_filter_not_used", "survey", row_number, name=name)
        if row.get("parameters") and not ranged:
            self.notice(Code.FORM_NOT_USED, "form.parameters_not_used", "survey", row_number, name=name,
                        parameters=row["parameters"])
        default = row.get("default", "")
        if default and ("${" in default or "(" in default):
            self.notice(Code.FORM_NOT_RENDERED, "form.dynamic_default", "survey", row_number, name=name)
            default = ""
        return Question(
            name=name, type=kind, label=label, row=row_number,
            number=row.get("number", ""), hint=row.get("hint", ""),
            required=required in _TRUE,
            relevant=self.expression(row, "relevant", row_number),
            constraint=self.expression(row, "constraint", row_number),
            constraint_message=row.get("constraint_message", ""),
            choices=choices, group=group, prefill=prefill,
            required_message=row.get("required_message", ""),
            calculation=calculation, default=default,
            read_only=read_only in _TRUE or kind == "calculate",
            choice_filter=self.expression(row, "choice_filter", row_number) if choices is not None else None,
        )

    def check_multiple_choices(self, choices: ChoiceList, name: str, row_number: int) -> None:
        """A select_multiple's answer is its chosen names separated by spaces: no name may hold a space."""
        for choice in choices.choices:
            if choice.name != "".join(choice.name.split()):
                self.problem(Code.FORM_CHOICE_NAME_WITH_SPACE, "survey", row_number, list_name=choices.name,
                             choice=choice.name, name=name)

    def range_type(self, row: dict[str, str], row_number: int) -> str:
        """``range`` is a number: whole where its parameters start, end and step are."""
        parameters = dict(part.split("=", 1) for part in row.get("parameters", "").split() if "=" in part)
        numbers = [parameters.get(key, default) for key, default in (("start", "1"), ("end", "10"), ("step", "1"))]
        try:
            whole = all(float(number).is_integer() for number in numbers)
        except ValueError:
            whole = False
        self.notice(Code.FORM_NOT_RENDERED, "form.range_as_number", "survey", row_number, name=row.get("name", ""))
        return "integer" if whole else "decimal"

    def expression(self, row: dict[str, str], column: str, row_number: int) -> Expression | None:
        source = row.get(column, "")
        if not source or (column == "relevant" and source.lower() in _TRUE):
            return None
        try:
            return parse_expression(source)
        except ExpressionError as error:
            if error.unsupported or (column in ("calculation", "choice_filter")
                                     and not isinstance(error, TooDeepExpression)):
                self.notice(Code.FORM_NOT_RENDERED, f"form.expression_left_out.{column}", "survey", row_number,
                            name=row.get("name", ""), error=error)
            else:
                self.problem(Code.FORM_BAD_EXPRESSION, "survey", row_number, column=column, error=error)
            return None

    def check_references(self, elements: list[Question | None]) -> None:
        """Every ``${name}`` names a question: in an expression, one left out drops the expression with a
        notice; in a text (label, hint, message) it is shown as a placeholder; one that is no question, or a
        name several groups use, is a problem."""
        answers = {question.name for question in elements if question is not None}  # a note's value is empty
        answers |= set(self.metadata)
        for index, question in enumerate(elements):
            if question is None:
                continue
            if question.relevant is not None and question.relevant.reads_own_answer:
                self.problem(Code.FORM_RELEVANT_READS_OWN_ANSWER, "survey", question.row, name=question.name)
            dropped = {}
            for column in (*_EXPRESSIONS, *_TEXTS):
                missing = sorted(_references(question, column) - answers)
                for reference in missing:
                    if reference in self.refused or (reference in self.left_out and column in _TEXTS):
                        continue
                    if reference in self.left_out:
                        dropped[column] = None
                        self.notice(Code.FORM_NOT_RENDERED, "form.reference_left_out", "survey",
                                    question.row, column=column, name=question.name, reference=reference)
                    else:
                        paths = sorted(name for name in answers if name.endswith("/" + reference))
                        self.problem(Code.FORM_UNKNOWN_REFERENCE, "survey", question.row, column=column,
                                     name=question.name, reference=reference, paths=", ".join(paths),
                                     template="form.ambiguous_reference" if paths else None)
            if "calculation" in dropped:
                self.left_out[question.name] = question.row
                elements[index] = None
            elif dropped:
                elements[index] = replace(question, **dropped)

    def check_cycles(self, elements: list[Question]) -> None:
        """No question may depend on itself through calculations, relevants and labels: Excel would warn of
        a circular reference in every questionnaire, and merge could not compute it. A label showing its own
        question's answer is no circle."""
        graph = {question.name: {reference for column in ("calculation", "relevant", "label")
                                 for reference in _references(question, column)
                                 if column != "label" or reference != question.name}
                 for question in elements}
        rows = {question.name: question.row for question in elements}
        while True:
            try:
                TopologicalSorter(graph).prepare()
                return
            except CycleError as error:
                circle = error.args[1][:-1][::-1]  # graphlib lists each before what depends on it: turned round
            start = min(range(len(circle)), key=lambda at: rows.get(circle[at], 0))
            circle = circle[start:] + circle[:start]  # from the first row: a → b → a, each depends on the next
            self.problem(Code.FORM_REFERENCE_CYCLE, "survey", rows.get(circle[0]), name=circle[0],
                         circle=" → ".join([*circle, circle[0]]))
            graph[circle[0]].discard(circle[1 % len(circle)])


_EXPRESSIONS = ("relevant", "constraint", "calculation", "choice_filter")
_TEXTS = ("label", "hint", "constraint_message", "required_message")
REFERENCE = re.compile(r"\$\{([^\W\d][\w.-]*)\}")


def _references(question: Question, column: str) -> set[str]:
    """The names ``${name}`` refers to in a question's expression or text ``column``."""
    if column in _TEXTS:
        return set(REFERENCE.findall(getattr(question, column)))
    expression = getattr(question, column)
    return expression.references if expression is not None else set()


def _in_order(problems: list[FileProblem]) -> list[FileProblem]:
    """Problems by sheet (settings, choices, external_choices, survey, others) and row, those about a whole
    sheet after its rows; the form's own first."""
    order = {name: index for index, name in enumerate(("", "settings", "choices", "external_choices", "survey"))}
    return sorted(problems, key=lambda problem: (order.get(problem.sheet, len(order)),
                                                 math.inf if problem.line is None else problem.line))


def _all_of(conditions: list[str]) -> str:
    """The relevant that holds where all of ``conditions`` (empty ones left out) hold."""
    conditions = [condition for condition in conditions if condition and condition.lower() not in _TRUE]
    return conditions[0] if len(conditions) == 1 else " and ".join(f"({condition})" for condition in conditions)


def _distinct_labels(choices: list[Choice]) -> tuple[Choice, ...]:
    """The choices, a label shared by several of them followed by the choice's name: a dropdown shows labels,
    and merge reads a label back as its one choice."""
    counts: dict[str, int] = {}
    for choice in choices:
        counts[choice.label.casefold()] = counts.get(choice.label.casefold(), 0) + 1
    return tuple(choice if counts[choice.label.casefold()] == 1 else
                 Choice(choice.name, f"{choice.label} ({choice.name})", choice.columns) for choice in choices)


def write_form_version(path: Path, version: str) -> None:
    """Set ``version`` on the settings sheet of the XLSForm at ``path`` (a valid one, see :func:`load_form`),
    everything else kept; the file is replaced atomically."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    sheet = next(sheet for sheet in workbook.worksheets if sheet.title.strip().lower() == "settings")
    header = [str(cell.value or "").strip().lower() for cell in sheet[1]]
    first = next(row for row in sheet.iter_rows(min_row=2) if any(cell.value is not None for cell in row))
    sheet.cell(row=first[0].row, column=header.index("version") + 1, value=version)
    with atomic_path(path) as temporary:
        workbook.save(temporary)
