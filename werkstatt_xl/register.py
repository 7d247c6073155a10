"""All returns + catalogue -> the register: one row per Werkzeug, every answer, status, provenance.

Column keys of the register DataFrame (in this order):
  catalogue: werkzeug_id, handlungsfeld, werkzeug, kategorie, seite, fachamt, ansprechpartner, email
  answers:   one column per answerable question name of the form, in form order; select_one
             answers hold the choice LABEL ("Ja", "Trifft eher zu"), text as typed (trimmed),
             integer -> int, decimal -> float, date -> datetime.date; no answer -> None
  provenance: status, datei, eingegangen_am, sha256, form_version
Status values: see STATUSES. ``master.xlsx`` is the register's spreadsheet view; its hidden
first row holds these keys, so :func:`read_register` reads it back whatever the headers say.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .catalogue import COLUMNS, Catalogue, Werkzeug, fold, load_catalogue
from .form import Form, load_form
from .project import Project, ProjectError
from .validate import ERROR, NOTICE, Problem, check_answers

if TYPE_CHECKING:
    import pandas

STATUS_RECEIVED = "eingegangen"
STATUS_PROBLEMS = "mit Problemen"
STATUS_MISSING = "offen"
STATUS_REJECTED = "abgelehnt"
STATUSES = (STATUS_RECEIVED, STATUS_PROBLEMS, STATUS_MISSING, STATUS_REJECTED)
PROVENANCE_COLUMNS = {
    "status": "Status",
    "datei": "Datei",
    "eingegangen_am": "Eingegangen am",
    "sha256": "SHA-256",
    "form_version": "Formularversion",
}
"""Register key -> header in master.xlsx, after the catalogue and answer columns (see form.RESERVED_NAMES)."""

MASTER_NAME = "master.xlsx"
PROBLEM_COLUMNS = {
    "datei": "Datei", "werkzeug_id": "Werkzeug-ID", "werkzeug": "Werkzeug", "frage": "Frage",
    "zelle": "Zelle", "wert": "Gefundener Wert", "problem": "Problem", "abhilfe": "Was ist zu tun",
    "art": "Art",
}
"""Problem field -> header on the "Prüfung" sheet."""

# What happened to one returned file
ACCEPTED, SUPERSEDED, DUPLICATE, REJECTED = "übernommen", "ersetzt", "doppelt", "abgelehnt"


@dataclass(frozen=True)
class ReturnRecord:
    """One file found in ``eingang/`` and what the merge did with it."""

    datei: str
    outcome: str
    werkzeug_id: str = ""
    reason: str = ""


@dataclass
class _Candidate:
    """A readable return assigned to a Werkzeug, before duplicates are resolved."""

    werkzeug: Werkzeug
    datei: str
    sha256: str
    form_version: str
    values: dict
    problems: list[Problem]
    modified: dt.datetime | None
    received: dt.datetime


@dataclass
class MergeResult:
    register: "pandas.DataFrame"
    problems: list[Problem]
    returns: list[ReturnRecord]
    master_path: Path | None = None
    report_path: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)
    """Files received, rejected and superseded; Werkzeuge accepted, with_problems and missing."""


def merge(project: Project, on_progress: Callable[[Path], None] | None = None, write: bool = True,
          files: list[Path] | None = None) -> MergeResult:
    """Read every file in ``eingang/`` (or ``files`` of it), check it, and build (and write) the register.

    One bad file never stops a merge: it is listed with its reason. Returned files are
    only read. With ``write`` the master register and Tabelle 1 are written atomically.
    """
    from .questionnaire import read_issue_log

    form = load_form(project.form_path)
    catalogue = load_catalogue(project.catalogue_path)
    definition = _report_definition(project, form) if write else None  # a broken one stops before reading
    issued = {entry.token: entry for entry in read_issue_log(project.outbox)}
    if not issued:
        raise ProjectError(f"{project.outbox / 'ausgabe.csv'}: no questionnaires were issued in this project. "
                           "Run 'werkstatt-xl generate' first (or copy the ausgabe.csv that issued them).")
    files = returned_files(project) if files is None else files
    by_id, by_title = catalogue.by_id(), {fold(w.werkzeug): w for w in catalogue.werkzeuge}
    candidates: list[_Candidate] = []
    records: list[ReturnRecord] = []
    problems: list[Problem] = []
    rejected_ids: set[str] = set()
    for path, raw in _read_all(files, on_progress):
        name = str(path.relative_to(project.inbox))
        if isinstance(raw, _Unreadable):
            problems.append(Problem(name, raw.reason, raw.hint))
            records.append(ReturnRecord(name, REJECTED, reason=raw.reason))
            continue
        werkzeug, reason, hint, notes = _identify(raw, form, issued, by_id, by_title)
        if werkzeug is not None and _unanswered(raw, form):
            werkzeug, reason, hint = None, "Der Fragebogen kam ohne Antworten zurück.", \
                "Den Fragebogen ausgefüllt erneut senden lassen."
        if werkzeug is None:
            known = by_id.get(raw.meta.get("werkzeug_id", ""))
            problems.append(Problem(name, reason, hint, known.werkzeug_id if known else "",
                                    known.werkzeug if known else ""))
            records.append(ReturnRecord(name, REJECTED, known.werkzeug_id if known else "", reason))
            if known:
                rejected_ids.add(known.werkzeug_id)
            continue
        candidates.append(_candidate(raw, name, werkzeug, notes, form))
    winners = _resolve_duplicates(candidates, records, problems)
    register = _build_register(catalogue, form, winners, rejected_ids)
    result = MergeResult(register, problems, records, counts=_counts(register, files, records))
    if write:
        from .master import write_master_workbook
        from .report import REPORT_NAME, write_report

        result.master_path, result.report_path = _both(
            partial(write_master_workbook, project.results / MASTER_NAME, register, problems, register_headers(form)),
            partial(write_report, register, definition, project.results / REPORT_NAME, project.title),
            parallel=len(register) >= PARALLEL_FROM)
    return result


def returned_files(project: Project) -> list[Path]:
    """The files in ``eingang/`` (and its subfolders) that may be returns, in a stable order.

    Lock files, hidden and system files are left out silently.
    """
    from .ingest import is_ignored

    if not project.inbox.is_dir():
        raise ProjectError(f"{project.inbox}: the folder for returned questionnaires is missing. Create it "
                           "and put the returned files into it.")
    return sorted((path for path in project.inbox.rglob("*") if not is_ignored(path) and path.is_file()),
                  key=lambda path: str(path.relative_to(project.inbox)).casefold())


def _report_definition(project: Project, form: Form):
    from .report import load_report_definition

    return load_report_definition(project.report_path, form)


def _candidate(raw, name: str, werkzeug: Werkzeug, notes: list[str], form: Form) -> _Candidate:
    """A readable return of ``werkzeug`` with its answers checked against the form."""
    context = dict(werkzeug_id=werkzeug.werkzeug_id, werkzeug=werkzeug.werkzeug)
    checked = check_answers(form, {key: cell.value for key, cell in raw.answers.items()},
                            {key: f"{cell.sheet}!{cell.cell}" for key, cell in raw.answers.items()},
                            name, **context)
    notices = [Problem(name, text, "Keine Aktion nötig.", art=NOTICE, **context) for text in raw.notices + notes]
    return _Candidate(werkzeug, name, raw.sha256, raw.meta.get("form_version", ""), checked.values,
                      notices + checked.problems, raw.modified, raw.file_mtime)


@dataclass(frozen=True)
class _Unreadable:
    """Why a file could not be read (an IngestError, in a form that crosses process borders)."""

    reason: str
    hint: str


PARALLEL_FROM = 100
"""From this many files on, returns are read in one process per core."""


def _read_one(path: Path):
    """The RawReturn of ``path``, or :class:`_Unreadable`."""
    from .ingest import IngestError, read_return

    try:
        return read_return(path)
    except IngestError as error:
        return _Unreadable(error.reason, error.hint)


def _both(first: Callable, second: Callable, parallel: bool) -> tuple:
    """The results of two independent writers, the second in a forked process when ``parallel``."""
    if not parallel or "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        return first(), second()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as executor:
        pending = executor.submit(second)
        return first(), pending.result()


def _read_all(paths: list[Path], on_progress: Callable[[Path], None] | None):
    """Yield ``(path, RawReturn | _Unreadable)`` in order; in parallel when it pays off."""
    workers = min(os.cpu_count() or 1, 4)
    if len(paths) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        results, executor = map(_read_one, paths), None
    else:  # fork: workers start in milliseconds and inherit the loaded modules
        executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        results = executor.map(_read_one, paths, chunksize=64)
    try:
        for path, result in zip(paths, results):
            if on_progress:
                on_progress(path)
            yield path, result
    finally:
        if executor:
            executor.shutdown(cancel_futures=True)


def _identify(raw, form: Form, issued: dict, by_id: dict[str, Werkzeug], by_title: dict[str, Werkzeug]):
    """(Werkzeug, "", "", notes) for a return of this round, else (None, reason, hint, [])."""
    meta = raw.meta
    again = "Den aktuellen Fragebogen aus ausgang/ erneut senden und ausfüllen lassen."
    if not meta.get("form_id"):
        title = next((raw.answers.get(q.name) for q in form.questions if q.prefill == "werkzeug"), None)
        werkzeug = by_title.get(fold(str(title.value))) if title and title.value else None
        if werkzeug is not None:
            return werkzeug, "", "", ["Die Kennung des Fragebogens fehlt (Inhalt wohl in eine neue Datei "
                                      "kopiert); über den Werkzeugtitel zugeordnet."]
        if not raw.answers:
            return None, "Die Datei ist kein Fragebogen dieser Umfrage.", "Die Datei prüfen; ggf. den " \
                   "richtigen Fragebogen anfordern.", []
        return None, "Die Kennung des Fragebogens fehlt und der Werkzeugtitel passt zu keinem Werkzeug.", again, []
    if meta.get("form_id") != form.form_id:
        return None, f"Fragebogen eines anderen Formulars ({meta.get('form_id')}).", again, []
    if meta.get("form_version") != form.version:
        return None, (f"Fragebogen der Version {meta.get('form_version')}; diese Runde verwendet Version "
                      f"{form.version}."), again, []
    werkzeug = by_id.get(meta.get("werkzeug_id", ""))
    if werkzeug is None:
        return None, f"Das Werkzeug {meta.get('werkzeug_id')!r} steht nicht im Katalog.", \
            "Katalog prüfen oder den richtigen Fragebogen anfordern.", []
    entry = issued.get(meta.get("token", ""))
    if entry is None or entry.werkzeug_id != werkzeug.werkzeug_id:
        return None, ("Die Kennung (Token) des Fragebogens wurde in dieser Runde nicht ausgegeben (evtl. durch "
                      "eine Neuausgabe ersetzt)."), again, []
    return werkzeug, "", "", []


def _unanswered(raw, form: Form) -> bool:
    """True when no question was answered (prefilled cells do not count)."""
    cells = (raw.answers.get(question.name) for question in form.questions if not question.prefill)
    return not any(cell is not None and str(cell.value or "").strip() for cell in cells)


def _resolve_duplicates(candidates: list[_Candidate], records: list[ReturnRecord],
                        problems: list[Problem]) -> dict[str, _Candidate]:
    """The newest return per Werkzeug; identical ones count once, older ones are listed as superseded."""
    groups: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.werkzeug.werkzeug_id, []).append(candidate)
    winners = {}
    for werkzeug_id, group in groups.items():
        # the workbooks' own save times where all have one (a .xls has none), else when the files arrived
        saved = all(candidate.modified for candidate in group)
        group.sort(key=lambda c: (c.modified if saved else c.received, c.received, c.datei), reverse=True)
        winner = winners[werkzeug_id] = group[0]
        records.append(ReturnRecord(winner.datei, ACCEPTED, werkzeug_id))
        problems.extend(winner.problems)
        if len(group) > 1 and not saved:
            problems.append(Problem(winner.datei, "Mehrere Fassungen, nicht alle mit Speicherzeit: die zuletzt "
                                    "abgelegte Datei gilt.", "Prüfen, ob dies die neueste Fassung ist.",
                                    werkzeug_id, winner.werkzeug.werkzeug, art=NOTICE))
        for other in group[1:]:
            same = other.sha256 == winner.sha256 or other.values == winner.values
            outcome = DUPLICATE if same else SUPERSEDED
            reason = (f"Gleicher Inhalt wie {winner.datei}; einmal gezählt." if same else
                      f"Ältere Fassung; ersetzt durch {winner.datei}.")
            records.append(ReturnRecord(other.datei, outcome, werkzeug_id, reason))
            problems.append(Problem(other.datei, reason, "Keine Aktion nötig, falls die neuere Fassung gilt.",
                                    werkzeug_id, winner.werkzeug.werkzeug, art=NOTICE))
    return winners


def _build_register(catalogue: Catalogue, form: Form, winners: dict[str, _Candidate], rejected: set[str]):
    import pandas as pd

    answer_names = form.answer_names()
    rows = []
    for werkzeug in catalogue.werkzeuge:
        row = {key: getattr(werkzeug, key) for key in COLUMNS}
        winner = winners.get(werkzeug.werkzeug_id)
        row.update({name: (winner.values.get(name) if winner else None) for name in answer_names})
        if winner:
            has_errors = any(problem.art == ERROR for problem in winner.problems)
            row.update(status=STATUS_PROBLEMS if has_errors else STATUS_RECEIVED, datei=winner.datei,
                       eingegangen_am=_local(winner.received), sha256=winner.sha256,
                       form_version=winner.form_version)
        else:
            status = STATUS_REJECTED if werkzeug.werkzeug_id in rejected else STATUS_MISSING
            row.update(status=status, datei=None, eingegangen_am=None, sha256=None, form_version=None)
        rows.append(row)
    columns = list(COLUMNS) + answer_names + list(PROVENANCE_COLUMNS)
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _local(moment: dt.datetime) -> dt.datetime:
    """A naive local time for the spreadsheet (Excel has no time zones)."""
    return moment.astimezone().replace(tzinfo=None, microsecond=0)


def _counts(register, files: list[Path], records: list[ReturnRecord]) -> dict[str, int]:
    status = register["status"].value_counts()
    return {
        "received": len(files),
        "accepted": int(status.get(STATUS_RECEIVED, 0)),
        "with_problems": int(status.get(STATUS_PROBLEMS, 0)),
        "rejected": sum(record.outcome == REJECTED for record in records),
        "superseded": sum(record.outcome in (SUPERSEDED, DUPLICATE) for record in records),
        "missing": int(status.get(STATUS_MISSING, 0) + status.get(STATUS_REJECTED, 0)),
    }


def answer_headers(form: Form) -> dict[str, str]:
    """Question name -> register header with number and short text (``1 Mit der Umsetzung …``)."""
    headers = {}
    for question in form.questions:
        label = question.label.rstrip(":")
        short = label if len(label) <= 45 else label[:45].rsplit(" ", 1)[0] + " …"
        headers[question.name] = f"{question.number} {short}".strip()
    return headers


def register_headers(form: Form) -> dict[str, str]:
    """Every register key -> its header in master.xlsx, in column order.

    Headers are unique ignoring case, as Excel tables need: an answer header that repeats
    another gets " (Antwort)" (and a number if that is taken too).
    """
    answers = answer_headers(form)
    taken = {header.casefold() for header in (*COLUMNS.values(), *PROVENANCE_COLUMNS.values())}
    for key, header in answers.items():
        unique, number = header, 1
        while unique.casefold() in taken:
            unique = f"{header} (Antwort{f' {number}' if number > 1 else ''})"
            number += 1
        taken.add(unique.casefold())
        answers[key] = unique
    return {**COLUMNS, **answers, **PROVENANCE_COLUMNS}


def read_register(project: Project):
    """The register as last written by merge (a DataFrame keyed as above), or None before any merge."""
    from .master import read_sheet

    path = project.results / MASTER_NAME
    if not path.is_file():
        return None
    return read_sheet(path, "Register")


def read_problems(project: Project) -> list[dict]:
    """The problems of the last merge as dicts keyed like :class:`Problem` (empty before any merge)."""
    from .master import read_sheet

    path = project.results / MASTER_NAME
    if not path.is_file():
        return []
    return read_sheet(path, "Prüfung").to_dict("records")

