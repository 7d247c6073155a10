"""Raw answers of one return + the form -> clean answers and the problems found.

Dropdowns are advice, not a guarantee (paste and drag bypass them), so every value is
checked again here: text trimmed and non-breaking spaces folded, choices matched to their
label ignoring case, numbers and dates converted, then required, relevant and constraint
rules applied. Problems are German sentences for the "Prüfung" sheet.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Collection, Mapping

from . import wording
from .anchors import TICK, TICKS, answer_key, split_answer_key
from .expression import Expression, evaluate_with
from .form import FILLED_ON_MERGE, LARGEST_NUMBER, ChoiceList, Form, Question
from .ingest import CellError, CellFormula
from .messages import Code, text
from .xlsx import MAX_CELL_TEXT, fit_cell, text_length

ERROR = "Fehler"
NOTICE = "Hinweis"
QUOTE_LENGTH = 200
"""The most characters of a found value quoted on the sheet "Prüfung"; the register keeps it whole."""
_FOLDABLE = re.compile(r"^\s|\s$|\s\s|[^\S ]")
"""What :func:`fold_spaces` changes: space at either end, two in a row, any other kind of space (\\s is what
``str.split`` splits at)."""
_GERMAN_NUMBER = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$|^[+-]?\d+(,\d+)?$")


@dataclass(frozen=True)
class Problem:
    """One row of the "Prüfung" sheet."""

    file: str
    code: Code
    problem: str
    remedy: str
    werkzeug_id: str = ""
    werkzeug: str = ""
    question: str = ""
    cell: str = ""
    value: str = ""
    kind: str = ERROR
    """:data:`ERROR` (the answer cannot be used as it is) or :data:`NOTICE` (for information)."""
    answer_key: str = ""
    """The answer's key (:func:`~werkstatt_xl.anchors.answer_key`: question name and entry), for correction
    e-mails; empty for a problem of the whole file."""


@dataclass(frozen=True)
class RepeatRow:
    """The clean answers of one filled-in row of a repeat."""

    repeat: str
    """The repeat's name in the form."""
    number: int
    """Its row in the questionnaire: 1, 2, ..."""
    values: dict[str, object]


@dataclass(frozen=True)
class CheckedAnswers:
    """Clean answers by question name (select_one: the choice label; select_multiple: the list of the chosen
    choices' names, in the form's order), the problems found and the filled-in rows of repeats."""

    values: dict[str, object]
    problems: list[Problem]
    rows: list[RepeatRow] = field(default_factory=list)


def fold_spaces(text: str) -> str:
    """Non-breaking and repeated spaces folded, outer space removed; line breaks kept."""
    if not _FOLDABLE.search(text):
        return text  # most answers: no space but single ones between words
    lines = [" ".join(line.replace("\u00a0", " ").split()) for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def check_answers(form: Form, raw: Mapping[str, object], cells: Mapping[str, str], file_name: str,
                  werkzeug_id: str = "", werkzeug: str = "", formulas: Collection[str] = ()) -> CheckedAnswers:
    """Check the raw values (answer key, see :func:`~werkstatt_xl.anchors.answer_key` -> value as read) of one
    return against ``form``.

    ``cells`` gives the address each value was read from, for the problem list; ``formulas`` the keys whose
    value a formula computed (taken with a notice). A row of a repeat counts
    where any of its cells holds something; its questions may refer to each other and to questions outside.
    """
    checker = _Checker(form, raw, cells, formulas, file_name, werkzeug_id, werkzeug)
    values, names = checker.check(form.questions, outside=_metadata_values(form))
    rows = []
    for repeat, questions in form.repeats.items():
        for number in checker.filled_rows(questions):
            row_values, _ = checker.check(questions, number, names)
            rows.append(RepeatRow(repeat.name, number, row_values))
    return CheckedAnswers(values, checker.problems, rows)


class _Checker:
    """Checks the answers of one return, collecting the problems."""

    def __init__(self, form: Form, raw: Mapping[str, object], cells: Mapping[str, str], formulas: Collection[str],
                 file_name: str, werkzeug_id: str, werkzeug: str):
        self.form, self.raw, self.cells, self.formulas, self.file_name = form, raw, cells, formulas, file_name
        self.context = dict(werkzeug_id=werkzeug_id, werkzeug=werkzeug)
        self.problems: list[Problem] = []

    def report(self, question: Question, row: int | None, value: object, code: Code, problem: str, remedy: str,
               kind: str = ERROR, choice: str | None = None) -> None:
        title = wording.title(question, self.form)
        title = title if row is None else text("validate.repeat_row", question=title, row=row)
        cell = self.cells.get(answer_key(question.name, row, choice)) or self.cells.get(answer_key(question.name, row))
        self.problems.append(Problem(self.file_name, code, problem, remedy, question=title, cell=cell or "",
                                     value="" if value is None else quote(_as_text(value)), kind=kind,
                                     answer_key=answer_key(question.name, row), **self.context))

    def filled_rows(self, questions: tuple[Question, ...]) -> list[int]:
        """The rows of a repeat in which a person filled in any cell (see :func:`filled_in`), in order."""
        by_name = {question.name: question for question in questions}
        rows = set()
        for key, value in self.raw.items():
            name, row, _ = split_answer_key(key)
            if row is not None and name in by_name and filled_in(by_name[name], value):
                rows.add(row)
        return sorted(rows)

    def raw_value(self, question: Question, row: int | None) -> tuple[bool, object]:
        """(found, the raw value): a select_multiple's as {choice name: raw value of its cell}."""
        if question.type != "select_multiple":
            key = answer_key(question.name, row)
            return key in self.raw, self.raw.get(key)
        keys = {choice.name: answer_key(question.name, row, choice.name) for choice in question.choices.choices}
        return all(key in self.raw for key in keys.values()), {name: self.raw.get(key) for name, key in keys.items()}

    def check(self, questions: tuple[Question, ...], row: int | None = None,
              outside: Mapping[str, object] = {}) -> tuple[dict[str, object], dict[str, object]]:
        """The clean values of ``questions`` (in row ``row`` of their repeat) and the names expressions compare
        (select_one: the choice name; select_multiple: the chosen names separated by spaces);
        ``outside`` are the names of the questions outside the repeat."""
        values: dict[str, object] = {}
        names: dict[str, object] = dict(outside)
        unusable = set()  # reported already: missing cell or a value that cannot be converted
        for question in questions:
            if question.type == "calculate":
                continue  # computed below from the answers, never read from the file
            found, raw = self.raw_value(question, row)
            if question.read_only and not question.prefill:
                found, raw = True, question.default  # fixed by the form, whatever the file holds
            if not found:
                unusable.add(question.name)
                self.report(question, row, None, Code.ANSWER_CELL_MISSING, text(Code.ANSWER_CELL_MISSING),
                            text("remedy.answer_cell_missing"))
                continue
            if question.type == "select_multiple":
                value = self.ticked(question, row, raw)
                if value is _UNUSABLE:
                    unusable.add(question.name)
                    continue
                values[question.name], names[question.name] = value, " ".join(value or ())
                continue
            value, error = convert_answer(question, raw)
            if error:
                self.report(question, row, raw, error, _reason(error, raw), _remedy(question, error))
                unusable.add(question.name)
                continue
            if isinstance(value, str) and text_length(value) > MAX_CELL_TEXT:
                self.report(question, row, value, Code.ANSWER_TOO_LONG, text(Code.ANSWER_TOO_LONG,
                            length=text_length(value), most=MAX_CELL_TEXT), text("remedy.shorten"))
                value = fit_cell(value)
            elif value is not None and answer_key(question.name, row) in self.formulas and not question.read_only:
                self.report(question, row, raw, Code.ANSWER_FORMULA_VALUE_TAKEN,
                            text(Code.ANSWER_FORMULA_VALUE_TAKEN), text("remedy.formula_value_taken"), NOTICE)
            values[question.name] = value
            if value is not None and question.choices is not None:
                names[question.name] = question.choices.match(value).name
            else:
                names[question.name] = value
        _calculate(questions, values, names)
        for question in questions:
            value = values.get(question.name)
            if question.type == "calculate":
                continue
            # where an answer reported as unusable decides it, whether the question applies is unknown
            undecided = question.relevant is not None and not question.relevant.references.isdisjoint(unusable)
            relevant = question.relevant is None or undecided or _holds(question.relevant, names)
            if not relevant and value is not None:
                self.report(question, row, _shown(value, question), Code.ANSWER_SKIPPED, text(Code.ANSWER_SKIPPED),
                            text("remedy.answer_skipped"), NOTICE)
            elif relevant and value is None and question.required and not undecided and question.name not in unusable:
                self.report(question, row, None, Code.ANSWER_REQUIRED,
                            wording.readable(question.required_message, self.form) or text(Code.ANSWER_REQUIRED),
                            text("remedy.answer_required"))
            elif value is not None and question.constraint is not None and not question.constraint.evaluate(
                    evaluate_with(names, own=names[question.name])):
                condition = wording.describe(question.constraint, self.form)
                self.report(question, row, _shown(value, question), Code.ANSWER_CONSTRAINT,
                            wording.readable(question.constraint_message, self.form) or
                            text(Code.ANSWER_CONSTRAINT, condition=condition), text("remedy.constraint",
                                                                                    condition=condition))
            elif value is not None and question.choice_filter is not None and \
                    question.choice_filter.references.isdisjoint(unusable):
                allowed = allowed_choices(question, names)
                chosen = ([question.choices.by_name(name).label for name in value] if isinstance(value, list)
                          else [value])
                for label in chosen:
                    if not any(choice.label.casefold() == str(label).casefold() for choice in allowed.choices):
                        self.report(question, row, label, Code.ANSWER_NOT_IN_FILTER, text(
                            Code.ANSWER_NOT_IN_FILTER, value=quote(_as_text(label))), text(
                            "remedy.choice", allowed=allowed.allowed) if allowed.choices else
                            text("remedy.no_choice_fits"))
        return values, names

    def ticked(self, question: Question, row: int | None, cells: dict[str, object]) -> list[str] | None | object:
        """The names of the ticked choices in form order (None: none ticked), or :data:`_UNUSABLE` after
        reporting a cell that holds something else than a tick."""
        chosen, usable = [], True
        for name, value in cells.items():
            if isinstance(value, (CellError, CellFormula)):
                code = _unusable_cell(value)
                self.report(question, row, value, code, _reason(code, value), _remedy(question, code), choice=name)
                usable = False
            elif _is_empty(value) or value is False:
                continue
            elif value is True or fold_spaces(_as_text(value)).casefold() in TICKS:
                chosen.append(name)
            else:
                label = question.choices.by_name(name).label
                self.report(question, row, value, Code.ANSWER_NOT_A_MARK,
                            text(Code.ANSWER_NOT_A_MARK, value=quote(_as_text(value)), choice=label),
                            text("remedy.tick", tick=TICK), choice=name)
                usable = False
        return (chosen or None) if usable else _UNUSABLE


def _holds(condition: Expression, names: Mapping[str, object]) -> bool:
    """Whether ``condition`` holds for the answers ``names`` (as expressions compare them). Where it reads only
    short texts and empty answers and no clock, the outcome is remembered for those values: most returns answer
    the questions a condition reads alike (a choice), and merge checks thousands."""
    values = tuple(map(names.get, condition.references))
    if condition.reads_clock or not all(value is None or type(value) is str and len(value) <= _DECIDED_LENGTH
                                        for value in values):
        return condition.evaluate(evaluate_with(names))
    key = (id(condition), values)
    decided = _DECIDED.get(key)
    if decided is None or decided[0] is not condition:
        if len(_DECIDED) >= _DECIDED_KEPT:
            _DECIDED.clear()
        decided = _DECIDED[key] = (condition, condition.evaluate(evaluate_with(names)))
    return decided[1]


_DECIDED: dict[tuple, tuple[Expression, bool]] = {}
"""Conditions decided by :func:`_holds`: (id of the condition, the values it read) -> (the condition, the outcome)."""
_DECIDED_KEPT, _DECIDED_LENGTH = 20000, 100
"""The most outcomes remembered, and the longest text remembered as a value."""

_UNUSABLE = object()
"""A select_multiple answer that could not be read (its problem is reported)."""


def filled_in(question: Question, value: object) -> bool:
    """Whether ``value``, read from a cell of ``question``, is what a person filled in: not empty, and not what
    the questionnaire wrote itself (a prefilled field, a calculation, a read-only value, a default left as it is)."""
    if _is_empty(value) or question.prefill or question.type == "calculate" or question.read_only:
        return False
    return (question.type == "select_multiple" or not question.default
            or convert_answer(question, value) != convert_answer(question, question.default))


def _is_empty(value: object) -> bool:
    return value is None or isinstance(value, str) and not fold_spaces(value)


def _shown(value: object, question: Question) -> object:
    """A clean value as the sheet "Prüfung" quotes it: a select_multiple's chosen labels as master.xlsx shows them."""
    if isinstance(value, list):
        return text("master.choices_separator").join(question.choices.by_name(name).label for name in value)
    return value


def _metadata_values(form: Form) -> dict[str, object]:
    """The device metadata merge fills in (``today``, ``start``, ``end``): the day or time of the merge."""
    now = dt.datetime.now().replace(microsecond=0)
    return {name: now.date() if FILLED_ON_MERGE[kind] == "date" else now for name, kind in form.metadata.items()}


def _calculate(questions: tuple[Question, ...], values: dict[str, object], names: dict[str, object]) -> None:
    """Each ``calculate`` from the answers (twice, so one may read a later one), empty where not relevant."""
    calculated = [question for question in questions if question.type == "calculate"]
    for _ in range(2 if calculated else 0):
        for question in calculated:
            relevant = question.relevant is None or _holds(question.relevant, names)
            value = question.calculation.value(evaluate_with(names)) if relevant else ""
            if isinstance(value, float) and value.is_integer() and abs(value) <= LARGEST_NUMBER:
                value = int(value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            names[question.name] = value
            values[question.name] = None if value == "" else value


def allowed_choices(question: Question, names: Mapping[str, object]) -> ChoiceList:
    """The choices of ``question`` its ``choice_filter`` lets through, given the other answers (by name, as
    expressions compare them: a select_one's choice name, a select_multiple's names separated by spaces)."""
    condition = question.choice_filter
    return ChoiceList(question.choices.name, tuple(
        choice for choice in question.choices.choices
        if condition.evaluate(evaluate_with(names), lambda column, choice=choice: choice.column(column))))


def _remedy(question: Question, error: Code | None = None) -> str:
    if error is Code.ANSWER_ERROR_VALUE:
        return text("remedy.error_value")
    if error is Code.ANSWER_FORMULA:
        return text("remedy.formula")
    if question.choices is not None:
        return text("remedy.choice", allowed=question.choices.allowed)
    return text(f"remedy.{question.type}" if question.type in ("integer", "decimal", "date", "time", "dateTime")
                else "remedy.correct")


def _reason(code: Code, value: object) -> str:
    """The German sentence for an answer that cannot be converted, quoting it."""
    return text(code, value=quote(_as_text(value)))


def quote(found: str) -> str:
    """``found`` as the sheet "Prüfung" quotes it: whole up to :data:`QUOTE_LENGTH` characters."""
    if len(found) <= QUOTE_LENGTH:
        return found
    return text("quote.shortened", start=found[:QUOTE_LENGTH], length=len(found))


def _unusable_cell(value: CellError | CellFormula) -> Code:
    return Code.ANSWER_ERROR_VALUE if isinstance(value, CellError) else Code.ANSWER_FORMULA


def convert_answer(question: Question, value: object) -> tuple[object, Code | None]:
    """(clean value, None) or (None, the code of why not) for one raw value of ``question``."""
    if isinstance(value, (CellError, CellFormula)):
        return None, _unusable_cell(value)
    if isinstance(value, str):
        value = fold_spaces(value)
        if not value:
            return None, None
    if value is None:
        return None, None
    kind = question.type
    if question.choices is not None:
        choice = question.choices.match(_as_text(value))
        if choice is None:
            return None, Code.ANSWER_NOT_A_CHOICE
        return choice.label, None
    if kind in ("integer", "decimal"):
        number = _as_number(value)
        if number is None:
            return None, Code.ANSWER_NOT_A_NUMBER
        if kind == "integer":
            if not float(number).is_integer():
                return None, Code.ANSWER_NOT_WHOLE
            return int(number), None
        return float(number), None
    if kind == "date":
        date = _as_date(value)
        return (None, Code.ANSWER_NOT_A_DATE) if date is None else (date, None)
    if kind == "dateTime":
        moment = _as_datetime(value)
        return (None, Code.ANSWER_NOT_A_DATE) if moment is None else (moment, None)
    if kind == "time":
        time = _as_time(value)
        return (None, Code.ANSWER_NOT_A_TIME) if time is None else (time, None)
    return _as_text(value), None


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) <= LARGEST_NUMBER:
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() != dt.time():
        return value.strftime("%d.%m.%Y %H:%M:%S" if value.second or value.microsecond else "%d.%m.%Y %H:%M")
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _as_number(value: object) -> float | None:
    """A finite number no larger than the questionnaire's validation allows, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        written = str(value).strip()
        if _GERMAN_NUMBER.match(written):
            written = written.replace(".", "").replace(",", ".")
        try:
            number = float(written)
        except ValueError:
            return None
    return number if math.isfinite(number) and abs(number) <= LARGEST_NUMBER else None


def _as_date(value: object) -> dt.date | None:
    if value == dt.time(0):  # python-calamine reads Excel's serial 1, 1900-01-01 in a date cell, as midnight
        return dt.date(1900, 1, 1)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 < value < 110000:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    parsed = _parsed(value, ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"))
    return parsed.date() if parsed else None


def _parsed(value: object, patterns: tuple[str, ...]) -> dt.datetime | None:
    """``value`` written as text, read by the first of the ``strptime`` patterns that fits; else None."""
    for pattern in patterns:
        try:
            return dt.datetime.strptime(str(value).strip(), pattern)
        except ValueError:
            continue
    return None


def _as_datetime(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 < value < 110000:
        moment = dt.datetime(1899, 12, 30) + dt.timedelta(days=float(value))
        return (moment + dt.timedelta(seconds=0.5)).replace(microsecond=0)
    written = " ".join(str(value).replace("T", " ").split())
    parsed = _parsed(written, ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"))
    if parsed:
        return parsed
    date = _as_date(value)
    return dt.datetime.combine(date, dt.time()) if date else None


def _as_time(value: object) -> dt.time | None:
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(microsecond=0)
    if isinstance(value, dt.timedelta) and dt.timedelta(0) <= value < dt.timedelta(days=1):
        return (dt.datetime.min + value).time().replace(microsecond=0)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1:
        seconds = round(value * 86400)
        return dt.time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)
    parsed = _parsed(value, ("%H:%M", "%H:%M:%S", "%H.%M"))
    return parsed.time() if parsed else None
