"""All returns + catalogue -> the register: one row per Werkzeug, every answer, status, provenance.

Column keys of the register DataFrame (in this order):
  catalogue: werkzeug_id, handlungsfeld, werkzeug, kategorie, seite, fachamt, ansprechpartner, email
  answers:   one column per answerable question name of the form outside repeats, in form order;
             select_one answers hold the choice LABEL ("Ja", "Trifft eher zu"), select_multiple the
             chosen choices' NAMES separated by spaces in the form's order (XLSForm's convention),
             text as typed (trimmed), integer -> int, decimal -> float, date -> datetime.date;
             no answer -> None
  provenance: status, file, received_at, sha256, form_version
Status values: see STATUSES. ``master.xlsx`` is the register's spreadsheet view; its hidden
first row holds these keys, so :func:`read_register` reads it back whatever the headers say.
There a select_multiple shows the chosen LABELS (:func:`readable`); :func:`from_readable` turns
them back into names when the sheet is read.

The filled-in rows of repeats are a second DataFrame, :attr:`Register.repeats`: werkzeug_id,
werkzeug, repeat (the repeat's name), repeat_row (1, 2, ...), then one column per question of any
repeat, valued as above; a question of another repeat than the row's is None.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, Callable, Iterable

from . import wording
from .anchors import answer_key, split_answer_key
from .catalogue import COLUMNS, Catalogue, Werkzeug, fold
from .form import Form
from .ingest import CellValue, RawReturn, Unreadable
from .issue_log import IssuedQuestionnaire
from .messages import Code, text
from .validate import ERROR, NOTICE, Problem, RepeatRow, check_answers, filled_in, quote

if TYPE_CHECKING:
    import pandas

STATUS_RECEIVED = "eingegangen"
STATUS_PROBLEMS = "mit Problemen"
STATUS_MISSING = "offen"
STATUS_REJECTED = "abgelehnt"
STATUS_UNCONFIRMED = "unbestätigt"
"""Returned without its identity and matched by title only: counts once the office confirms it."""
STATUSES = (STATUS_RECEIVED, STATUS_PROBLEMS, STATUS_UNCONFIRMED, STATUS_MISSING, STATUS_REJECTED)
"""The status of a Werkzeug in the register, as master.xlsx shows it."""
PROVENANCE_COLUMNS = {
    "status": text("master.status"),
    "file": text("master.file"),
    "received_at": text("master.received_at"),
    "sha256": text("master.sha256"),
    "form_version": text("master.form_version"),
}
"""Register key -> header in master.xlsx, after the catalogue and answer columns (see form.RESERVED_NAMES)."""

PROBLEM_COLUMNS = {
    "file": text("master.file"), "werkzeug_id": COLUMNS["werkzeug_id"], "werkzeug": COLUMNS["werkzeug"],
    "question": text("master.question"), "cell": text("master.cell"), "value": text("master.value"),
    "problem": text("master.problem"), "remedy": text("master.remedy"), "kind": text("master.kind"),
    "code": text("master.code"), "answer_key": text("master.answer_key"),
}
"""Problem field -> header on the "Prüfung" sheet; the file and the Werkzeug have the register's headers."""


class Outcome(Enum):
    """What the merge did with one returned file (not a register status)."""

    ACCEPTED = "accepted"
    SUPERSEDED = "superseded"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ReturnRecord:
    """One file found in ``eingang/`` and what the merge did with it."""

    file: str
    outcome: Outcome
    werkzeug_id: str = ""
    reason: str = ""


@dataclass
class _Candidate:
    """A readable return assigned to a Werkzeug, before duplicates are resolved."""

    werkzeug: Werkzeug
    file: str
    sha256: str
    form_version: str
    values: dict
    problems: list[Problem]
    rows: list[RepeatRow]
    modified: dt.datetime | None
    received: dt.datetime
    verified: bool
    """True when the return's token was issued for this Werkzeug; False when matched by its title."""
    confirmed: bool = False
    """A return matched by title that the office confirmed for this Werkzeug."""


@dataclass
class Register:
    """The register and how it came about."""

    frame: "pandas.DataFrame"
    """One row per catalogue Werkzeug, keyed as described in this module's docstring."""
    problems: list[Problem]
    returns: list[ReturnRecord]
    repeats: "pandas.DataFrame | None" = None
    """The filled-in rows of the form's repeats, keyed as described in this module's docstring."""


REPEAT_COLUMNS = {"werkzeug_id": COLUMNS["werkzeug_id"], "werkzeug": COLUMNS["werkzeug"],
                  "repeat": text("master.repeat"), "repeat_row": text("master.repeat_row")}
"""The keys of :attr:`Register.repeats` before its answers, with their headers in master.xlsx."""


def build_register(catalogue: Catalogue, form: Form, issued: Iterable[IssuedQuestionnaire],
                   reads: Iterable[tuple[str, RawReturn | Unreadable]],
                   confirmed: frozenset[tuple[str, str]] = frozenset(),
                   form_in: Callable[[str], Form] | None = None,
                   previous_tokens: frozenset[str] = frozenset()) -> Register:
    """The register from the returns read, each given as (name in ``eingang/``, what was read).

    Every return is identified by its token or, failing that, its title, checked against the
    form, and the newest return per Werkzeug wins. The token is the proof: a return matched by
    its title never replaces or outranks one with the Werkzeug's token, and counts only once the
    office has confirmed it for that Werkzeug ((SHA-256, Werkzeug-ID) is in ``confirmed``); until
    then its answers stay out of the register and the Werkzeug is "unbestätigt". A return carrying a
    token of ``previous_tokens`` (issued in the previous round) is rejected as one of another round.
    Nothing is dropped: every file gets a :class:`ReturnRecord`, and every reason a :class:`Problem`.

    A questionnaire generated in another language of the form (its metadata say which; none: the language
    the form reads in without one) is read with ``form_in(language)``, the form in that language, and its
    choices are held in ``form``'s labels.
    """
    tokens = {entry.token: entry for entry in issued}
    by_id, by_title = catalogue.by_id(), catalogue.by_title()
    candidates: list[_Candidate] = []
    records: list[ReturnRecord] = []
    problems: list[Problem] = []
    rejected_ids: set[str] = set()
    for name, raw in reads:
        if isinstance(raw, Unreadable):
            problems.append(Problem(name, raw.code, raw.reason, raw.hint))
            records.append(ReturnRecord(name, Outcome.REJECTED, reason=raw.reason))
            continue
        werkzeug, code, reason, hint, notes = _identify(raw, form, tokens, by_id, by_title, previous_tokens)
        verified = bool(raw.meta.get("form_id"))  # without its identity a return can only be matched by title
        if werkzeug is not None and _unanswered(raw, form):
            werkzeug, code = None, Code.RETURN_UNANSWERED
            reason, hint = text(code), text("remedy.fill_in_and_resend")
        if werkzeug is None:
            known = by_id.get(raw.meta.get("werkzeug_id", ""))
            problems.append(Problem(name, code, reason, hint, known.werkzeug_id if known else "",
                                    known.werkzeug if known else ""))
            records.append(ReturnRecord(name, Outcome.REJECTED, known.werkzeug_id if known else "", reason))
            if known:
                rejected_ids.add(known.werkzeug_id)
            continue
        language = raw.meta.get("form_language", "")  # none: generated without one (the form's default)
        read_with = form_in(language) if form_in and language != form.language else form
        candidates.append(_candidate(raw, name, werkzeug, notes, read_with, verified, form))
    winners = _resolve_duplicates(candidates, records, problems, confirmed)
    return Register(_build_frame(catalogue, form, winners, rejected_ids), problems, records,
                    _build_repeats(catalogue, form, winners))


def _candidate(raw: RawReturn, name: str, werkzeug: Werkzeug, notes: list[tuple[Code, str]],
               form: Form, verified: bool, register_form: Form) -> _Candidate:
    """A readable return of ``werkzeug`` with its answers checked against ``form`` (in the language it was
    generated in), its choices in the labels of ``register_form``."""
    context = dict(werkzeug_id=werkzeug.werkzeug_id, werkzeug=werkzeug.werkzeug)
    checked = check_answers(form, {key: cell.value for key, cell in raw.answers.items()},
                            {key: f"{cell.sheet}!{cell.cell}" for key, cell in raw.answers.items()}, name,
                            formulas={key for key, cell in raw.answers.items() if cell.formula is not None}, **context)
    notices = [Problem(name, code, message, text("remedy.none"), kind=NOTICE, **context)
               for code, message in raw.notices + notes]
    copies = [_copied(name, form, key, copy, raw.answers[key], context) for key, copy in raw.copies]
    rows = [replace(row, values=relabelled(row.values, form.repeat_questions, register_form))
            for row in checked.rows]
    return _Candidate(werkzeug, name, raw.sha256, raw.meta.get("form_version", ""),
                      relabelled(checked.values, form.questions, register_form), notices + copies + checked.problems,
                      rows, raw.modified, raw.file_mtime, verified)


def no_value(value: object) -> bool:
    """Whether a register cell holds nothing: None, or the NaN (NaT for a date) pandas has for an empty cell."""
    return value is None or isinstance(value, (float, dt.datetime)) and value != value


def relabelled(values: dict, questions, target: Form) -> dict:
    """Answers to ``questions`` with each select_one's label (of the language ``questions`` were read in)
    replaced by the label of the same choice in ``target``; where ``questions`` are ``target``'s, as they are."""
    if all(target.question(question.name) is question for question in questions if question.type == "select_one"):
        return values
    converted = dict(values)
    for question in questions:
        value = values.get(question.name)
        if question.type == "select_one" and isinstance(value, str):
            choice = question.choices.match(value)
            same = target.question(question.name).choices.by_name(choice.name) if choice else None
            converted[question.name] = same.label if same else value
    return converted


def _copied(file: str, form: Form, key: str, copy: CellValue, taken: CellValue, context: dict) -> Problem:
    """An answer cell marked a second time (a department copied a row or an entry): a notice where it holds
    what the answer holds or nothing, else an error naming the question, its entry and the value not taken."""
    name, row, choice = split_answer_key(key)
    question = next((question for question in form.elements if question.name == name), None)
    shown = wording.title(question, form) if question else name
    if question is not None and choice and question.choices and question.choices.by_name(choice):
        shown = f"{shown}: {question.choices.by_name(choice).label}"
    if row is not None:
        shown = text("validate.repeat_row", question=shown, row=row)
    used, context = f"{taken.sheet}!{taken.cell}", {**context, "answer_key": answer_key(name, row)}
    if copy.value is None or str(copy.value).strip().casefold() == str(taken.value).strip().casefold():
        return Problem(file, Code.MARKER_TWICE, text(Code.MARKER_TWICE, name=shown, cell=used), text("remedy.none"),
                       question=shown, cell=f"{copy.sheet}!{copy.cell}", kind=NOTICE, **context)
    value = quote(str(copy.value))
    return Problem(file, Code.ANSWER_COPY_NOT_TAKEN, text(Code.ANSWER_COPY_NOT_TAKEN, question=shown, value=value,
                                                          cell=f"{copy.sheet}!{copy.cell}", used=used),
                   text("remedy.copied_entry"), question=shown, cell=f"{copy.sheet}!{copy.cell}", value=value,
                   **context)


def _identify(raw: RawReturn, form: Form, tokens: dict[str, IssuedQuestionnaire], by_id: dict[str, Werkzeug],
              by_title: dict[str, Werkzeug], previous_tokens: frozenset[str] = frozenset()):
    """(Werkzeug, None, "", "", notes) for a return of this round, else (None, code, reason, hint, [])."""
    meta = raw.meta
    again = text("remedy.resend_current")

    def rejected(code: Code, hint: str = again, **values: object):
        return None, code, text(code, **values), hint, []

    if not meta.get("form_id"):
        werkzeug = match_by_title(raw, form, by_title)
        if werkzeug is not None:
            return werkzeug, None, "", "", [(Code.RETURN_MATCHED_BY_TITLE, text(Code.RETURN_MATCHED_BY_TITLE))]
        if not raw.answers:
            return rejected(Code.RETURN_NOT_A_QUESTIONNAIRE, text("remedy.check_file"))
        return rejected(Code.RETURN_NO_IDENTITY)
    if meta.get("token") in previous_tokens and meta.get("token") not in tokens:
        return rejected(Code.RETURN_OTHER_ROUND, text("remedy.resend_this_round"))
    if meta.get("form_id") != form.form_id:
        return rejected(Code.RETURN_OTHER_FORM, form_id=meta.get("form_id"))
    if meta.get("form_version") != form.version:
        return rejected(Code.RETURN_OTHER_VERSION, found=meta.get("form_version"), version=form.version)
    werkzeug = by_id.get(meta.get("werkzeug_id", ""))
    if werkzeug is None:
        return rejected(Code.RETURN_UNKNOWN_WERKZEUG, text("remedy.check_catalogue"),
                        werkzeug_id=repr(meta.get("werkzeug_id")))
    entry = tokens.get(meta.get("token", ""))
    if entry is None or entry.werkzeug_id != werkzeug.werkzeug_id:
        return rejected(Code.RETURN_UNKNOWN_TOKEN)
    return werkzeug, None, "", "", []


def match_by_title(raw: RawReturn, form: Form, by_title: dict[str, Werkzeug]) -> Werkzeug | None:
    """The Werkzeug (from :meth:`Catalogue.by_title`) whose name the return's title answer holds."""
    title = next((raw.answers.get(q.name) for q in form.questions if q.prefill == "werkzeug"), None)
    return by_title.get(fold(str(title.value))) if title and title.value else None


def _unanswered(raw: RawReturn, form: Form) -> bool:
    """True when a person filled in no answer cell (see :func:`~werkstatt_xl.validate.filled_in`): a tick of a
    select_multiple and an entry of a repeat count, prefilled cells and calculations do not."""
    questions = {question.name: question for question in form.elements if question.is_answer}
    for key, cell in raw.answers.items():
        question = questions.get(split_answer_key(key)[0])
        if question is not None and filled_in(question, cell.value):
            return False
    return True


def _resolve_duplicates(candidates: list[_Candidate], records: list[ReturnRecord], problems: list[Problem],
                        confirmed: frozenset[tuple[str, str]]) -> dict[str, _Candidate]:
    """The return that counts per Werkzeug; identical ones count once, the others are listed as superseded.

    Returns with the Werkzeug's token win over those matched by title, and among those a confirmed
    one wins over unconfirmed ones. Among returns with the token the workbooks' own save times
    decide (where all have one; a .xls has none), otherwise the order in which the files arrived:
    a save time is evidence only among returns of one identity.
    """
    groups: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.werkzeug.werkzeug_id, []).append(candidate)
    winners = {}
    for werkzeug_id, group in groups.items():
        for candidate in group:
            candidate.confirmed = (candidate.sha256, werkzeug_id) in confirmed
        pool = ([c for c in group if c.verified] or [c for c in group if c.confirmed] or group)
        saved = pool[0].verified and all(candidate.modified for candidate in pool)
        pool.sort(key=lambda c: (c.modified if saved else c.received, c.received, c.file), reverse=True)
        winner = pool[0]
        context = dict(werkzeug_id=werkzeug_id, werkzeug=winner.werkzeug.werkzeug, kind=NOTICE)
        records.append(ReturnRecord(winner.file, Outcome.ACCEPTED, werkzeug_id))
        if not (winner.verified or winner.confirmed):
            unconfirmed = Problem(winner.file, Code.RETURN_UNCONFIRMED, text(Code.RETURN_UNCONFIRMED),
                                  text("remedy.confirm"), **{**context, "kind": ERROR})
            winner = replace(winner, values={}, rows=[], problems=[unconfirmed, *winner.problems])
        problems.extend(winner.problems)
        winners[werkzeug_id] = winner
        if len(pool) > 1 and not saved:
            problems.append(Problem(winner.file, Code.RETURN_VERSIONS_WITHOUT_TIME,
                                    text(Code.RETURN_VERSIONS_WITHOUT_TIME), text("remedy.check_newest"), **context))
        for other in pool[1:]:
            same = other.sha256 == winner.sha256 or (other.values, other.rows) == (winner.values, winner.rows)
            outcome, code, remedy = ((Outcome.DUPLICATE, Code.RETURN_DUPLICATE, "remedy.none") if same else
                                     (Outcome.SUPERSEDED, Code.RETURN_SUPERSEDED, "remedy.if_newer_applies"))
            reason = text(code, winner=winner.file)
            records.append(ReturnRecord(other.file, outcome, werkzeug_id, reason))
            problems.append(Problem(other.file, code, reason, text(remedy), **context))
        for other in (candidate for candidate in group if all(candidate is not member for member in pool)):
            reason = text(Code.RETURN_TITLE_MATCH_OUTRANKED, winner=winner.file)
            records.append(ReturnRecord(other.file, Outcome.SUPERSEDED, werkzeug_id, reason))
            problems.append(Problem(other.file, Code.RETURN_TITLE_MATCH_OUTRANKED, reason,
                                    text("remedy.check_origin"), **context))
    return winners


def _build_frame(catalogue: Catalogue, form: Form, winners: dict[str, _Candidate], rejected: set[str]):
    import pandas as pd

    answer_names = form.answer_names()
    rows = []
    for werkzeug in catalogue.werkzeuge:
        row = {key: getattr(werkzeug, key) for key in COLUMNS}
        winner = winners.get(werkzeug.werkzeug_id)
        row.update({name: _register_value(winner.values.get(name)) if winner else None for name in answer_names})
        if winner:
            has_errors = any(problem.kind == ERROR for problem in winner.problems)
            status = (STATUS_UNCONFIRMED if not (winner.verified or winner.confirmed) else
                      STATUS_PROBLEMS if has_errors else STATUS_RECEIVED)
            row.update(status=status, file=winner.file,
                       received_at=_local(winner.received), sha256=winner.sha256,
                       form_version=winner.form_version)
        else:
            status = STATUS_REJECTED if werkzeug.werkzeug_id in rejected else STATUS_MISSING
            row.update(status=status, file=None, received_at=None, sha256=None, form_version=None)
        rows.append(row)
    columns = list(COLUMNS) + answer_names + list(PROVENANCE_COLUMNS)
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _register_value(value: object) -> object:
    """A clean answer as the register holds it: a select_multiple's chosen names separated by spaces."""
    return " ".join(value) if isinstance(value, list) else value


def _build_repeats(catalogue: Catalogue, form: Form, winners: dict[str, _Candidate]):
    """The filled-in rows of every repeat of the counted returns, in catalogue order."""
    import pandas as pd

    names = [question.name for question in form.repeat_questions]
    rows = []
    for werkzeug in catalogue.werkzeuge:
        winner = winners.get(werkzeug.werkzeug_id)
        for row in winner.rows if winner else ():
            rows.append({"werkzeug_id": werkzeug.werkzeug_id, "werkzeug": werkzeug.werkzeug, "repeat": row.repeat,
                         "repeat_row": row.number,
                         **{name: _register_value(row.values.get(name)) for name in names}})
    return pd.DataFrame(rows, columns=[*REPEAT_COLUMNS, *names], dtype=object)


def readable(frame, questions) -> "pandas.DataFrame":
    """``frame`` as master.xlsx shows it: each select_multiple of ``questions`` as its chosen labels
    (``Radverkehr; Fußverkehr``) instead of their names."""
    shown = frame.copy()
    for question in questions:
        if question.type == "select_multiple" and question.name in shown:
            labels = {choice.name: choice.label for choice in question.choices.choices}
            separator = text("master.choices_separator")
            shown[question.name] = _column(shown, [
                separator.join(labels.get(name, name) for name in value.split()) if isinstance(value, str) else value
                for value in shown[question.name]])
    return shown


def from_readable(frame, questions, target: Form | None = None) -> "pandas.DataFrame":
    """``frame`` as read from master.xlsx with each select_multiple of ``questions`` as the register holds it
    (the chosen names separated by spaces); a cell that is no list of the question's labels stays as it is.
    With ``target`` (the form in another language than ``questions``), each select_one's label in its."""
    names = frame.copy()
    for question in questions:
        if question.type == "select_multiple" and question.name in names:
            names[question.name] = _column(names, [_chosen_names(value, question.choices) if isinstance(value, str)
                                                   else value for value in names[question.name]])
    if target is not None:
        shown = [question for question in questions if question.type == "select_one" and question.name in names]
        for question in shown:
            names[question.name] = _column(names, [relabelled({question.name: value}, [question], target)[question.name]
                                                   for value in names[question.name]])
    return names


def compared_values(row: dict, questions) -> dict[str, object]:
    """A register row's answers to ``questions`` as expressions compare them: a select_one's choice name (the
    register holds its label), a select_multiple's names separated by spaces, no answer None."""
    values = {}
    for question in questions:
        value = row.get(question.name)
        if no_value(value):
            value = None
        elif question.type == "select_one" and isinstance(value, str):
            choice = question.choices.match(value)
            value = choice.name if choice else value
        values[question.name] = value
    return values


def _column(frame, values: list):
    """``values`` as a column of ``frame`` that keeps None (a plain list would turn it into NaN)."""
    import pandas as pd

    return pd.Series(values, index=frame.index, dtype=object)


def _chosen_names(shown: str, choices) -> str:
    """``Radverkehr; Fußverkehr`` -> ``rad fuss``: labels in choice order, each once, joined as
    :func:`readable` joins them (a label may itself hold the separator)."""
    separator, labels = text("master.choices_separator"), [(choice.label, choice.name) for choice in choices.choices]

    def parse(start: int, first: int) -> list[str] | None:
        for index in range(first, len(labels)):
            label, name = labels[index]
            end = start + len(label)
            if not shown.startswith(label, start):
                continue
            if end == len(shown):
                return [name]
            rest = parse(end + len(separator), index + 1) if shown.startswith(separator, end) else None
            if rest is not None:
                return [name, *rest]
        return None

    found = parse(0, 0)
    return shown if found is None else " ".join(found)


def _local(moment: dt.datetime) -> dt.datetime:
    """A naive local time for the spreadsheet (Excel has no time zones)."""
    return moment.astimezone().replace(tzinfo=None, microsecond=0)


def count_outcomes(register: Register) -> dict[str, int]:
    """Files received, rejected and superseded; Werkzeuge accepted, with_problems and missing."""
    status, records = register.frame["status"].value_counts(), register.returns
    return {
        "received": len(records),
        "accepted": int(status.get(STATUS_RECEIVED, 0)),
        "with_problems": int(status.get(STATUS_PROBLEMS, 0) + status.get(STATUS_UNCONFIRMED, 0)),
        "rejected": sum(record.outcome is Outcome.REJECTED for record in records),
        "superseded": sum(record.outcome in (Outcome.SUPERSEDED, Outcome.DUPLICATE) for record in records),
        "missing": int(status.get(STATUS_MISSING, 0) + status.get(STATUS_REJECTED, 0)),
    }


def answer_headers(form: Form, questions=None) -> dict[str, str]:
    """Question name -> register header with number and short text (``1 Mit der Umsetzung …``), of the
    questions outside repeats or of ``questions``; a question without label by its name, references readable."""
    headers = {}
    for question in form.questions if questions is None else questions:
        label = wording.label(question, form).rstrip(":")
        short = label if len(label) <= 45 else label[:45].rsplit(" ", 1)[0] + " …"
        headers[question.name] = f"{question.number} {short}".strip()
    return headers


def register_headers(form: Form) -> dict[str, str]:
    """Every register key -> its header in master.xlsx, in column order (see :func:`_unique`)."""
    return _unique(COLUMNS, answer_headers(form), PROVENANCE_COLUMNS)


def repeat_headers(form: Form) -> dict[str, str]:
    """Every key of :attr:`Register.repeats` -> its header in master.xlsx, in column order (see :func:`_unique`)."""
    return _unique(REPEAT_COLUMNS, answer_headers(form, form.repeat_questions))


def _unique(fixed: dict[str, str], answers: dict[str, str], after: dict[str, str] | None = None) -> dict[str, str]:
    """``fixed``, ``answers`` and ``after`` as one header row, unique ignoring case as Excel tables need: an
    answer header that repeats another gets " (Antwort)" (and a number if that is taken too)."""
    taken = {header.casefold() for header in (*fixed.values(), *(after or {}).values())}
    unique_answers = {}
    for key, header in answers.items():
        unique, number = header, 1
        while unique.casefold() in taken:
            unique = (text("master.answer_header", header=header) if number == 1
                      else text("master.answer_header_numbered", header=header, number=number))
            number += 1
        taken.add(unique.casefold())
        unique_answers[key] = unique
    return {**fixed, **unique_answers, **(after or {})}
