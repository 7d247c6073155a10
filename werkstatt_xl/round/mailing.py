"""``mail``: invitations and reminders for the Werkzeuge of a project, as drafts or sent over SMTP."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from ..catalogue import load_catalogue
from ..errors import ProjectError
from ..issue_log import IssuedQuestionnaire
from ..mail import (
    INVITATION,
    REMINDER,
    SENT_LOG,
    Mail,
    MailPlan,
    SendResult,
    check_smtp_settings,
    compose_messages,
    group_by_recipient,
    load_template,
    rejection_note,
    send,
    write_drafts,
)
from ..messages import text
from ..register import STATUS_MISSING, STATUS_REJECTED
from ..validate import NOTICE
from .inbox import read_problems
from .project import Project, issued_questionnaires
from .tracking import register_statuses

__all__ = ["check_smtp_settings", "plan_mail", "send_mail", "sent_log_path", "write_mail_drafts"]


def plan_mail(project: Project, reminder: bool = False, only: Iterable[str] | None = None) -> MailPlan:
    """One e-mail per recipient address with its questionnaires from ``ausgang/``.

    ``reminder``: only Werkzeuge still "offen" or "abgelehnt" in the register (all issued ones
    before any merge), with the reminder text naming why a return was rejected. ``only``
    restricts to these Werkzeug-IDs. The text is the template ``[files]`` names (see
    :meth:`Project.mail_template_path`), its round placeholders filled.
    """
    kind = REMINDER if reminder else INVITATION
    template = load_template(project.mail_template_path("mail_reminder" if reminder else "mail_invitation"),
                             values=project.round_values)
    catalogue = load_catalogue(project.catalogue_path)
    issued, rebuilt = issued_questionnaires(project, catalogue)
    if not issued:
        raise ProjectError(text("mail.nothing_generated", path=project.issue_log))
    entries = _select(issued, only)
    warnings = [rebuilt] if rebuilt else []
    if only is None:
        issued_ids = {entry.werkzeug_id for entry in issued}
        warnings += [text("mail.not_generated", werkzeug_id=werkzeug.werkzeug_id, werkzeug=werkzeug.werkzeug)
                     for werkzeug in catalogue.werkzeuge if werkzeug.werkzeug_id not in issued_ids]
    notes: dict[str, list[str]] = {}
    if reminder:
        entries, notes, chase_warnings = _still_missing(project, entries)
        warnings += chase_warnings
    recipients, without_address, grouping_warnings = group_by_recipient(entries, catalogue.by_id())
    messages = compose_messages(kind, template, project, recipients, notes, _questionnaires(project))
    return MailPlan(kind, messages, tuple(without_address), tuple(warnings + grouping_warnings))


def write_mail_drafts(project: Project, plan: MailPlan) -> tuple[Path, list[Path]]:
    """The plan's messages as ``.eml`` drafts in ``post/<kind>/``: (the folder, the drafts)."""
    folder = project.drafts / plan.kind
    return folder, write_drafts(plan, folder)


def sent_log_path(project: Project) -> Path:
    return project.drafts / SENT_LOG


def send_mail(project: Project, plan: MailPlan, password: str | None, on_sent: Callable[[Mail], None] | None = None,
              again: bool = False) -> SendResult:
    """Send the plan over the SMTP server of ``[mail]``; see :func:`werkstatt_xl.mail.send`."""
    return send(plan, project.mail, password, sent_log_path(project), on_sent=on_sent, again=again)


def _questionnaires(project: Project) -> Callable[[str], bytes]:
    """``read(file)``: the bytes of an issued questionnaire in ``ausgang/``; a name from ``ausgabe.csv``
    that points anywhere else (another folder, a path) is refused, so no other file is ever attached."""
    def read(file: str) -> bytes:
        path = project.outbox / file
        if Path(file).name != file or file in ("", ".", ".."):
            raise ProjectError(text("mail.questionnaire_outside", file=file, log=project.issue_log))
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ProjectError(text("mail.questionnaire_missing", path=path)) from None
    return read


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
    """The entries still "offen" or "abgelehnt", notes naming each rejection, and warnings."""
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
    return missing, notes, []
