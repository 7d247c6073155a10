"""One round after another: last round's answers carried into the new questionnaires, what changed since,
the next form version. Pure: registers in, plain data out.

A register (see :mod:`~werkstatt_xl.register`) is compared with the previous round's as read back from its
master.xlsx, where numbers may come back as floats and dates as datetimes: values are compared as what they
mean, not as the type they were read as.
"""

from __future__ import annotations

import datetime as dt
import re

from .form import Form, Question
from .messages import text
from .register import STATUS_PROBLEMS, STATUS_RECEIVED, answer_headers, from_readable, no_value, readable

CHANGED, UNCHANGED, WITHOUT_PREVIOUS = (text(f"changes.{kind}") for kind in ("changed", "unchanged", "new"))
"""What :func:`compare_rounds` says of a Werkzeug's return, as the sheet "Veränderungen" shows it."""
CHANGE_COLUMNS = {key: text(f"changes.column.{key}")
                  for key in ("werkzeug_id", "werkzeug", "change", "question", "previous", "current")}
"""Key of each column of :func:`compare_rounds` -> its header on the sheet "Veränderungen"."""
RETURNED = (STATUS_RECEIVED, STATUS_PROBLEMS)
"""Register statuses of a Werkzeug whose answers count."""
CARRIED_TYPES = ("select_one", "select_multiple", "text", "integer", "decimal", "date", "time", "dateTime")
"""Question types whose last answer is carried into the next questionnaire (and compared with it)."""


def carried_questions(form: Form) -> list[Question]:
    """The questions of ``form`` that take last round's answer and are compared with it: answered by the
    department (not prefilled, read-only or computed), outside repeats (not yet carried), of a
    :data:`CARRIED_TYPES` type."""
    return [question for question in form.questions
            if not (question.prefill or question.read_only or question.in_repeat) and question.type in CARRIED_TYPES]


def previous_answers(previous, form: Form, reworded: frozenset[str] = frozenset()) -> dict[str, dict[str, object]]:
    """Werkzeug-ID -> question name -> last round's answer, for the questionnaires of ``form``.

    Only answers ``form`` can still hold: :func:`carried_questions` it asks under the same name, of a type
    the value fits, choices it still offers (a select_multiple's as its chosen names separated by spaces);
    prefilled questions (Werkzeugtitel, ...) come from the catalogue, read-only and computed ones from the form.
    Not the ``reworded`` questions, whose label changed with the round values: last year's answer answered another.
    """
    answers: dict[str, dict[str, object]] = {}
    questions = [question for question in carried_questions(form)
                 if question.name in previous and question.name not in reworded]
    for row in from_readable(previous, questions).to_dict("records"):
        if row.get("status") not in RETURNED:
            continue
        values = {question.name: value for question in questions
                  if (value := _as_answer(question, row[question.name])) is not None}
        if values:
            answers[str(row["werkzeug_id"])] = values
    return answers


def _as_answer(question: Question, value: object) -> object:
    """``value`` as the answer cell of ``question`` takes it, or None where it cannot."""
    value = comparable(value)
    if value is None:
        return None
    if question.type == "select_one":
        return value if isinstance(value, str) and value in question.choices.labels else None
    if question.type == "select_multiple":
        names = {choice.name for choice in question.choices.choices}
        return value if isinstance(value, str) and set(value.split()) <= names else None
    if question.type == "text":
        return value if isinstance(value, str) else _number_text(value)
    if question.type == "integer":
        return int(value) if isinstance(value, float) and value.is_integer() else None
    if question.type == "decimal":
        return value if isinstance(value, float) else None
    if question.type == "date":
        return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else None
    if question.type in ("time", "dateTime"):
        return _moment(question.type, value)
    return None


def _moment(kind: str, value: object) -> dt.time | dt.datetime | None:
    """A time or dateTime answer as the register holds it (a value or its ISO text) for its answer cell."""
    if isinstance(value, str):
        try:
            value = (dt.time if kind == "time" else dt.datetime).fromisoformat(value)
        except ValueError:
            return None
    if kind == "time":
        return value if isinstance(value, dt.time) else None
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time()) if isinstance(value, dt.date) else None


def _number_text(value: object) -> str:
    """A number read back where text was asked for, as it was typed (``12`` not ``12.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def comparable(value: object) -> object:
    """A register value as what it means: None for no answer, numbers as float, a midnight datetime as
    its date, text trimmed."""
    if no_value(value):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    return value


def compare_rounds(previous, current, form: Form, reworded: frozenset[str] = frozenset()):
    """What changed since the previous round, as a DataFrame keyed as :data:`CHANGE_COLUMNS`; ``previous`` as
    read back from its master.xlsx, ``current`` as the register holds it.

    For each Werkzeug with a return in ``current``: a row per question whose answer differs from last
    round's (:data:`CHANGED`, in form order), or one row saying that last round has no answers of it
    (:data:`WITHOUT_PREVIOUS`) or that it returned last round's answers unchanged (:data:`UNCHANGED`);
    in this order of kinds, each in catalogue order. Only :func:`carried_questions` are compared: prefilled,
    read-only and computed ones come from the catalogue or the form, and answers that are not carried
    (repeats) would show as changed where a department kept them; nor the ``reworded`` questions (see
    :func:`previous_answers`). A select_multiple shows its labels.
    """
    import pandas as pd

    questions = [question for question in carried_questions(form) if question.name not in reworded]
    headers = answer_headers(form)
    previous = from_readable(previous, form.questions)
    before = {str(row["werkzeug_id"]): row for row in previous.to_dict("records") if row.get("status") in RETURNED}
    shown_before = {str(row["werkzeug_id"]): row for row in readable(previous, questions).to_dict("records")}
    shown_now = {str(row["werkzeug_id"]): row for row in readable(current, questions).to_dict("records")}
    rows = []
    for row in current.to_dict("records"):
        if row.get("status") not in RETURNED:
            continue
        werkzeug_id, werkzeug = str(row["werkzeug_id"]), row["werkzeug"]
        last = before.get(werkzeug_id)
        if last is None:
            rows.append((werkzeug_id, werkzeug, WITHOUT_PREVIOUS, None, None, None))
            continue
        changed = [(werkzeug_id, werkzeug, CHANGED, headers[question.name],
                    _shown(shown_before[werkzeug_id].get(question.name)),
                    _shown(shown_now[werkzeug_id].get(question.name)))
                   for question in questions
                   if comparable(last.get(question.name)) != comparable(row.get(question.name))]
        rows += changed or [(werkzeug_id, werkzeug, UNCHANGED, None, None, None)]
    order = (CHANGED, WITHOUT_PREVIOUS, UNCHANGED)
    rows.sort(key=lambda row: order.index(row[2]))
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS), dtype=object)


def _shown(value: object) -> object:
    """A value for the sheet "Veränderungen": as the register holds it, a whole float as an integer."""
    value = comparable(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def changed_werkzeuge(changes) -> frozenset[str]:
    """The Werkzeug-IDs :func:`compare_rounds` found with a changed answer."""
    return frozenset(changes.loc[changes["change"] == CHANGED, "werkzeug_id"])


def count_changes(changes) -> dict[str, int]:
    """How many Werkzeuge :func:`compare_rounds` found with changed answers and with unchanged ones."""
    kinds = changes.drop_duplicates("werkzeug_id")["change"]
    return {"changed": int((kinds == CHANGED).sum()), "unchanged": int((kinds == UNCHANGED).sum())}


def next_version(version: str, year: int | None = None) -> str:
    """The form version of the next round: ``2019.1`` -> ``2020.1`` in a round of ``year`` 2020, else the
    last number counted up (``2019.1`` -> ``2019.2``, ``v3`` -> ``v4``); without a number ``.2`` is added."""
    dated = re.fullmatch(r"(\d{4})\.(\d+)", version)
    if dated and year and year > int(dated.group(1)):
        return f"{year}.1"
    last = list(re.finditer(r"\d+", version))
    if not last:
        return f"{version}.2"
    number = last[-1]
    return f"{version[:number.start()]}{int(number.group()) + 1}{version[number.end():]}"


def next_title(title: str) -> str:
    """``title`` with each year in it one later: the suggestion for the next round's title."""
    return re.sub(r"\b(19|20|21)\d{2}\b", lambda year: str(int(year.group()) + 1), title)
