"""``mail``: invitations, reminders, correction requests and receipts for the Werkzeuge of a project, as drafts
or sent over SMTP."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Callable, Iterable

from ..catalogue import Werkzeug, load_catalogue
from ..errors import IngestError, ProjectError
from ..files import ascii_text
from ..form import Question
from ..ingest import read_return
from ..issue_log import IssuedQuestionnaire
from ..mail import (
    CORRECTION,
    INVITATION,
    RECEIPT,
    REMINDER,
    SPREADSHEET_TYPES,
    Enclosure,
    Mail,
    MailPlan,
    SendResult,
    check_smtp_settings,
    compose_messages,
    correction_notes,
    correction_requests,
    group_by_recipient,
    load_template,
    read_sent_log,
    receipt_note,
    rejection_note,
    send,
    write_drafts,
)
from ..messages import Code, text
from ..register import STATUS_MISSING, STATUS_PROBLEMS, STATUS_RECEIVED, STATUS_REJECTED, compared_values
from ..validate import NOTICE
from .inbox import read_problems, read_register, read_repeats
from .project import MAIL_TEMPLATE_SETTINGS, Project, issued_questionnaires
from .tracking import register_statuses, sent_log_path

__all__ = ["CORRECTION", "INVITATION", "RECEIPT", "REMINDER", "check_smtp_settings", "plan_mail", "send_mail",
           "write_mail_drafts"]

def plan_mail(project: Project, reminder: bool = False, only: Iterable[str] | None = None,
              corrections: bool = False, receipts: bool = False) -> MailPlan:
    """The e-mails of one kind, each with its attachments; ``only`` restricts to these Werkzeug-IDs.

    An invitation (the default) or ``reminder`` goes once per recipient address with the
    questionnaires from ``ausgang/``; a reminder only for Werkzeuge still "offen" or "abgelehnt" in
    the register (all issued ones before any merge), naming why a return was rejected.
    ``corrections``: one e-mail per Werkzeug "mit Problemen" and address, listing question by
    question what is wrong and what is allowed, with the department's returned file attached.
    ``receipts`` (when ``[mail] receipts = true``): one per return taken by the last merge that no
    receipt to that address has confirmed yet. The text is the template ``[files]`` names for the kind
    (see :data:`MAIL_TEMPLATE_SETTINGS`, :meth:`Project.mail_template_path`), its round placeholders filled.
    """
    if reminder + corrections + receipts > 1:
        raise ValueError("one kind of e-mail at a time")
    kind = REMINDER if reminder else CORRECTION if corrections else RECEIPT if receipts else INVITATION
    if receipts and not project.mail.receipts:
        raise ProjectError(text("mail.receipts_off"))
    template = load_template(project.mail_template_path(MAIL_TEMPLATE_SETTINGS[kind]), values=project.round_values)
    catalogue = load_catalogue(project.catalogue_path)
    issued, rebuilt = issued_questionnaires(project, catalogue)
    if not issued:
        raise ProjectError(text("mail.nothing_generated", path=project.issue_log))
    entries = _select(issued, only)
    warnings = [rebuilt] if rebuilt else []
    if only is None and kind in (INVITATION, REMINDER):
        issued_ids = {entry.werkzeug_id for entry in issued}
        warnings += [text("mail.not_generated", werkzeug_id=werkzeug.werkzeug_id, werkzeug=werkzeug.werkzeug)
                     for werkzeug in catalogue.werkzeuge if werkzeug.werkzeug_id not in issued_ids]
    notes: dict[str, list[str]] = {}
    read = _questionnaires(project)
    enclose = _questionnaire(read)
    returns: dict[str, str] = {}
    sent = read_sent_log(sent_log_path(project)) if receipts else []
    if reminder:
        entries, notes, chase_warnings = _still_missing(project, entries)
        warnings += chase_warnings
    elif corrections:
        entries, notes, returns, enclose, correction_warnings = _corrections(project, entries, read)
        warnings += correction_warnings
    elif receipts:
        entries, notes, returns = _receipts(project, entries, sent)
        enclose = _nothing
    recipients, without_address, grouping_warnings = group_by_recipient(entries, catalogue.by_id())
    confirmed_before = 0
    if receipts:
        recipients, confirmed_before = _not_confirmed_yet(recipients, returns, sent)
    messages = compose_messages(kind, template, project, recipients, notes, enclose, returns)
    return MailPlan(kind, messages, tuple(without_address), tuple(warnings + grouping_warnings), confirmed_before)


def write_mail_drafts(project: Project, plan: MailPlan) -> tuple[Path, list[Path]]:
    """The plan's messages as ``.eml`` drafts in ``post/<kind>/``: (the folder, the drafts)."""
    folder = project.drafts / plan.kind
    return folder, write_drafts(plan, folder)


def send_mail(project: Project, plan: MailPlan, password: str | None, on_sent: Callable[[Mail], None] | None = None,
              again: bool = False) -> SendResult:
    """Send the plan over the SMTP server of ``[mail]``; see :func:`werkstatt_xl.mail.send`."""
    return send(plan, project.mail, password, sent_log_path(project), on_sent=on_sent, again=again)


def _questionnaires(project: Project) -> Callable[[str], bytes]:
    """``read(file)``: the bytes of an issued questionnaire in ``ausgang/``, read once; a name from
    ``ausgabe.csv`` that points anywhere else (another folder, a path) is refused, so no other file is
    ever attached."""
    @functools.cache
    def read(file: str) -> bytes:
        path = project.outbox / file
        if Path(file).name != file or file in ("", ".", ".."):
            raise ProjectError(text("mail.questionnaire_outside", file=file, log=project.issue_log))
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ProjectError(text("mail.questionnaire_missing", path=path)) from None

    return read


def _questionnaire(read: Callable[[str], bytes]) -> Callable[[Werkzeug, IssuedQuestionnaire], tuple[Enclosure, ...]]:
    """``enclose(werkzeug, entry)``: the Werkzeug's issued questionnaire."""
    return lambda werkzeug, entry: (Enclosure(entry.file, read(entry.file)),)


def _nothing(werkzeug: Werkzeug, entry: IssuedQuestionnaire) -> tuple[Enclosure, ...]:
    return ()


def _select(issued: list[IssuedQuestionnaire], only: Iterable[str] | None) -> list[IssuedQuestionnaire]:
    if only is None:
        return issued
    wanted = list(dict.fromkeys(only))
    valid = [entry.werkzeug_id for entry in issued]
    unknown = [werkzeug_id for werkzeug_id in wanted if werkzeug_id not in valid]
    if unknown:
        raise ProjectError(text("mail.unknown_ids", unknown=", ".join(unknown), issued=", ".join(valid)))
    return [entry for entry in issued if entry.werkzeug_id in wanted]


def _still_missing(project: Project, entries: list) -> tuple[list, dict[str, list[str]], list[str]]:
    """The entries still "offen" or "abgelehnt", notes naming each rejection, and warnings (also naming the
    Werkzeuge "mit Problemen", which a correction request fits, not a reminder)."""
    status = register_statuses(project)
    if status is None:
        return entries, {}, [text("mail.no_merge_yet")]
    missing = [entry for entry in entries
               if status.get(entry.werkzeug_id, STATUS_MISSING) in (STATUS_MISSING, STATUS_REJECTED)]
    rejected = {entry.werkzeug_id for entry in missing if status.get(entry.werkzeug_id) == STATUS_REJECTED}
    notes: dict[str, list[str]] = {}
    for problem in read_problems(project):
        werkzeug_id = str(problem.get("werkzeug_id") or "")
        if werkzeug_id in rejected and problem.get("kind") != NOTICE:
            note = rejection_note(str(problem.get("code") or ""))
            if note not in notes.setdefault(werkzeug_id, []):
                notes[werkzeug_id].append(note)
    to_correct = [entry.werkzeug_id for entry in entries if status.get(entry.werkzeug_id) == STATUS_PROBLEMS]
    return missing, notes, [text("mail.correct_instead", ids=", ".join(to_correct))] if to_correct else []


def _taken_returns(project: Project, statuses: tuple[str, ...], answers: bool = False) -> dict[str, dict]:
    """Werkzeug-ID -> its register row, for the Werkzeuge whose return the last merge took with one of
    ``statuses``; raises :class:`ProjectError` before any merge. Without ``answers`` the form is not read
    (see :func:`read_register`)."""
    register = read_register(project, answers=answers)
    if register is None:
        raise ProjectError(text("mail.needs_merge"))
    return {str(row["werkzeug_id"]): row for row in register.to_dict("records")
            if row.get("status") in statuses and row.get("file") and row.get("sha256")}


def _errors_by_werkzeug(project: Project, taken: dict[str, dict]) -> dict[str, list[dict]]:
    """The errors (no notices) the last merge found in each taken return, by Werkzeug-ID."""
    errors: dict[str, list[dict]] = {}
    for problem in read_problems(project):
        werkzeug_id = str(problem.get("werkzeug_id") or "")
        row = taken.get(werkzeug_id)
        if row is not None and problem.get("kind") != NOTICE and str(problem.get("file")) == str(row["file"]):
            errors.setdefault(werkzeug_id, []).append(problem)
    return errors


def _corrections(project: Project, entries: list, read: Callable[[str], bytes]):
    """The entries of Werkzeuge "mit Problemen", the correction lines of each, the SHA-256 of each
    return, ``enclose`` (the department's returned file under an ASCII name; where it holds macros, the
    issued questionnaire, which ``read`` reads) and warnings."""
    taken = _taken_returns(project, (STATUS_PROBLEMS,), answers=True)
    errors = _errors_by_werkzeug(project, taken)
    form = project.read_form()
    chosen = [entry for entry in entries if entry.werkzeug_id in taken]
    warnings = [text("mail.problems_not_listed", werkzeug_id=entry.werkzeug_id, path=project.master_path)
                for entry in chosen if entry.werkzeug_id not in errors]
    chosen = [entry for entry in chosen if entry.werkzeug_id in errors]
    repeats = read_repeats(project)
    entries_of = {} if repeats is None else {(str(row["werkzeug_id"]), row["repeat"], int(row["repeat_row"])): row
                                             for row in repeats.to_dict("records")}

    def answers(werkzeug_id: str) -> Callable[[Question, int | None], dict[str, object]]:
        outside = compared_values(taken[werkzeug_id], form.questions)

        def of_entry(question: Question, entry: int | None) -> dict[str, object]:
            row = entries_of.get((werkzeug_id, question.group.name, entry)) if question.in_repeat else None
            return {**outside, **(compared_values(row, form.repeat_questions) if row else {})}
        return of_entry

    notes = {entry.werkzeug_id: correction_notes(errors[entry.werkzeug_id], form, answers(entry.werkzeug_id))
             for entry in chosen}
    returns = {entry.werkzeug_id: str(taken[entry.werkzeug_id]["sha256"]) for entry in chosen}

    enclosures = {}
    for entry in chosen:
        row = taken[entry.werkzeug_id]
        data, file_format, notices = _verified_return(project, str(row["file"]), str(row["sha256"]))
        if Code.FILE_MACROS in notices:  # never sent on: the department gets its questionnaire afresh
            notes[entry.werkzeug_id].append(text("mail.macros_not_returned"))
            enclosures[entry.werkzeug_id] = (Enclosure(entry.file, read(entry.file)),)
        else:
            stem = ascii_text(Path(entry.file).stem, keep="-").strip("_") or entry.werkzeug_id
            name = f"{text('mail.correction_file', stem=stem)}.{file_format}"
            enclosures[entry.werkzeug_id] = (Enclosure(name, data, SPREADSHEET_TYPES[file_format]),)
    return chosen, notes, returns, lambda werkzeug, entry: enclosures[werkzeug.werkzeug_id], warnings


def _verified_return(project: Project, file: str, sha256: str) -> tuple[bytes, str, set[str]]:
    """The bytes, format and notice codes of the returned file ``file`` in ``eingang/``, only read, and only
    while it lies inside ``eingang/`` and is the file the last merge checked (same SHA-256)."""
    inbox = project.inbox.resolve()
    path = (inbox / file).resolve()
    if not path.is_relative_to(inbox) or not path.is_file():
        raise ProjectError(text("mail.return_missing", file=file, inbox=project.inbox))
    try:
        raw = read_return(path)  # the format and a macro notice as merge found them, through the same guards
        data = path.read_bytes()
    except IngestError:
        raise ProjectError(text("mail.return_changed", path=path)) from None
    if raw.sha256 != sha256 or hashlib.sha256(data).hexdigest() != sha256:
        raise ProjectError(text("mail.return_changed", path=path))
    return data, raw.file_format, {code for code, _ in raw.notices}


def _receipts(project: Project, entries: list, sent: list[dict[str, str]]):
    """The entries whose return the last merge took, the receipt line of each (saying whether the sent-log
    ``sent`` holds a correction request for it) and the SHA-256 of each return."""
    taken = _taken_returns(project, (STATUS_RECEIVED, STATUS_PROBLEMS))
    errors = _errors_by_werkzeug(project, taken)
    requested = correction_requests(sent)
    chosen = [entry for entry in entries if entry.werkzeug_id in taken]
    returns = {entry.werkzeug_id: str(taken[entry.werkzeug_id]["sha256"]) for entry in chosen}
    notes = {entry.werkzeug_id: [receipt_note(_day(taken[entry.werkzeug_id].get("received_at")),
                                              len(errors.get(entry.werkzeug_id, [])),
                                              (entry.werkzeug_id, returns[entry.werkzeug_id]) in requested)]
             for entry in chosen}
    return chosen, notes, returns


def _day(value: object) -> dt.date | None:
    """The day of a register time (a datetime, or text as Excel may leave it)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.fromisoformat(str(value)).date()
    except ValueError:
        return None


def _not_confirmed_yet(recipients: list, returns: dict[str, str], sent: list[dict[str, str]]) -> tuple[list, int]:
    """The (address, items) whose return no receipt in the sent-log ``sent`` confirmed to that address yet, and
    how many were left out because one did."""
    done = {(row["empfaenger"].casefold(), sha256) for row in sent
            if row["art"] == RECEIPT for sha256 in row["rueckgaben_sha256"].split()}
    kept, before = [], 0
    for address, items in recipients:
        fresh = [item for item in items if (address.casefold(), returns[item[0].werkzeug_id]) not in done]
        before += len(items) - len(fresh)
        if fresh:
            kept.append((address, fresh))
    return kept, before
