"""E-mails to the departments: drafts (.eml) with their questionnaires, SMTP sending, the sent-log.

An invitation or reminder goes once per recipient address and carries the questionnaires of all
its Werkzeuge; a correction request and a receipt go once per Werkzeug and address (the first
with the department's returned file). The text comes from a template file (:data:`TEMPLATES`):
first line ``Betreff: ...``, then the body, with ``string.Template`` placeholders (see
:data:`PLACEHOLDERS`). What is said about a return is fixed wording chosen by its problems'
codes and the form's own labels: nothing read from a returned file goes into an e-mail.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from string import Template
from typing import Callable, Iterable, Mapping

from . import wording
from .anchors import split_answer_key
from .catalogue import Werkzeug
from .errors import MailError, ProjectError
from .files import ascii_text, atomic_directory, read_csv_rows, write_csv
from .form import Form, Question
from .issue_log import IssuedQuestionnaire
from .messages import Code, fixed_text, plural, text
from .placeholders import PlaceholderError, fill_placeholders, line_of
from .settings import MailSettings, Settings
from .validate import allowed_choices

INVITATION, REMINDER, CORRECTION, RECEIPT = "einladung", "erinnerung", "korrektur", "bestaetigung"
"""The kinds of e-mail: the column ``art`` of the sent-log and the drafts' folder in ``post/``."""
TEMPLATES = {INVITATION: "mail_einladung.txt", REMINDER: "mail_erinnerung.txt", CORRECTION: "mail_korrektur.txt",
             RECEIPT: "mail_bestaetigung.txt"}
PER_WERKZEUG = (CORRECTION, RECEIPT)
"""Kinds of e-mail that answer one Werkzeug's return: one e-mail per Werkzeug and address."""
EVENTS = {INVITATION: "eingeladen", REMINDER: "erinnert", CORRECTION: "Korrektur erbeten",
          RECEIPT: "Eingang bestätigt"}
"""Kind of e-mail -> the mail event ``status`` shows for a Werkzeug it went to."""
PLACEHOLDERS = {
    "title": "the round's title ([round] title)",
    "deadline": "the return date as dd.mm.yyyy ([round] deadline)",
    "greeting": "'Guten Tag <Ansprechpartner/-in>,' or 'Guten Tag,'",
    "werkzeuge": "the recipient's Werkzeuge as a bulleted list with their files (and what is to correct, or the "
                 "receipt)",
    "sender": "the sender's name, else the address ([mail] sender)",
}
"""Placeholder name -> what it is replaced with."""
SUBJECT_PREFIX = "Betreff:"
SENT_LOG = "gesendet.csv"
SENT_LOG_FIELDS = ("gesendet_am", "empfaenger", "betreff", "art", "werkzeug_ids", "anhaenge_sha256", "message_id",
                   "rueckgaben_sha256")
SENT_LOG_KEY_FIELDS = ("empfaenger", "art", "anhaenge_sha256")
"""The columns of the sent-log that tell whether a message went out already."""
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SPREADSHEET_TYPES = {"xlsx": XLSX_TYPE, "xlsm": ("application", "vnd.ms-excel.sheet.macroEnabled.12"),
                     "xls": ("application", "vnd.ms-excel"),
                     "ods": ("application", "vnd.oasis.opendocument.spreadsheet")}
"""Format of a returned file (:attr:`~werkstatt_xl.ingest.RawReturn.file_format`) -> its MIME type."""
ALLOWED_BY_TYPE = {"integer": "mail.allowed_integer", "decimal": "mail.allowed_decimal", "date": "mail.allowed_date",
                   "text": "mail.allowed_text"}
"""Question type -> the sentence of a correction request saying what answer it takes (select_one: the form's
choices)."""
SMTP_TIMEOUT = 60
WIRE_POLICY = policy.SMTP.clone(max_line_length=998)
"""How drafts are written and e-mails sent: CRLF line ends, and header lines up to the 998
characters RFC 5322 allows, because Python 3.11 folding at 78 doubles the space before an
encoded word ("15.12.2026  zurücksenden") and can break encoded words apart."""


@dataclass(frozen=True)
class Attachment:
    name: str
    sha256: str


@dataclass(frozen=True)
class Enclosure:
    """A file to attach: its name in the e-mail, its bytes, its MIME type."""

    name: str
    data: bytes
    mime: tuple[str, str] = XLSX_TYPE


@dataclass(frozen=True, eq=False)
class Mail:
    """One e-mail to one address, with the questionnaires of its Werkzeuge (or a returned file) attached."""

    recipient: str
    kind: str
    werkzeuge: tuple[Werkzeug, ...]
    attachments: tuple[Attachment, ...]
    message: EmailMessage
    returns: tuple[str, ...] = ()
    """SHA-256 of the returned files the e-mail answers (correction requests, receipts)."""

    @property
    def werkzeug_ids(self) -> list[str]:
        return [werkzeug.werkzeug_id for werkzeug in self.werkzeuge]

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        """What identifies a message in the sent-log: recipient, kind, attached and answered file contents."""
        return _log_key(self.recipient, self.kind,
                        [attachment.sha256 for attachment in self.attachments] + list(self.returns))

    @property
    def draft_name(self) -> str:
        """The draft's file name: the recipient's, led by the Werkzeug-ID for an e-mail about one Werkzeug."""
        if self.kind in PER_WERKZEUG:
            return draft_name(f"{self.werkzeug_ids[0]}_{self.recipient}")
        return draft_name(self.recipient)

    def describe(self) -> str:
        return f"{self.recipient} ({', '.join(self.werkzeug_ids)})"


@dataclass(frozen=True)
class MailPlan:
    kind: str
    messages: tuple[Mail, ...]
    without_address: tuple[Werkzeug, ...]
    """Werkzeuge to write to whose catalogue row has no e-mail address: in no message."""
    warnings: tuple[str, ...]
    confirmed_before: int = 0
    """Receipts: returns left out because a receipt for them went out already."""

    @property
    def werkzeug_ids(self) -> list[str]:
        """The Werkzeuge in some message, each once."""
        return list(dict.fromkeys(wid for mail in self.messages for wid in mail.werkzeug_ids))


@dataclass(frozen=True)
class SendResult:
    sent: tuple[Mail, ...]
    skipped: tuple[Mail, ...]
    """Already in the sent-log: not sent again."""


@dataclass(frozen=True)
class MailTemplate:
    path: Path
    subject: Template
    body: Template

    @property
    def placeholders(self) -> set[str]:
        return set(self.subject.get_identifiers()) | set(self.body.get_identifiers())


def load_template(path: Path, *, values: Mapping[str, str | None] | None = None) -> MailTemplate:
    """The e-mail text in ``path``; ``values`` fill the round placeholders (``{{horizon}}``, see
    :mod:`~werkstatt_xl.placeholders`) first, None leaves them as written.

    Raises :class:`ProjectError` naming file and line for an unknown placeholder or a stray ``$``.
    """
    try:
        source = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise ProjectError(text(Code.MAIL_TEMPLATE_NOT_UTF8, path=path)) from None
    except OSError as error:  # missing, a folder, no permission
        raise ProjectError(text("mail.template_unreadable", path=path, reason=error.strerror or error)) from None
    if values is not None:
        try:
            source = fill_placeholders(source, values, escape=lambda value: value.replace("$", "$$"))
        except PlaceholderError as error:
            raise ProjectError(text("mail.template_placeholder", path=path, line=line_of(source, error.name),
                                    problem=error.describe())) from None
    known = ", ".join(f"${placeholder}" for placeholder in PLACEHOLDERS)
    for match in Template.pattern.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        placeholder = match.group("named") or match.group("braced")
        if match.group("invalid") is not None:
            raise ProjectError(text(Code.MAIL_TEMPLATE_STRAY_DOLLAR, path=path, line=line, known=known))
        if placeholder and placeholder not in PLACEHOLDERS:
            raise ProjectError(text(Code.MAIL_TEMPLATE_UNKNOWN_PLACEHOLDER, path=path, line=line,
                                    placeholder=placeholder, known=known))
    first, _, body = source.partition("\n")
    if not first.startswith(SUBJECT_PREFIX) or not first[len(SUBJECT_PREFIX):].strip():
        raise ProjectError(text(Code.MAIL_TEMPLATE_NO_SUBJECT, path=path, prefix=SUBJECT_PREFIX))
    return MailTemplate(path, Template(first[len(SUBJECT_PREFIX):].strip()), Template(body.strip("\n") + "\n"))


def group_by_recipient(entries: list[IssuedQuestionnaire], by_id: dict[str, Werkzeug]):
    """The (Werkzeug, issue entry) pairs per recipient address, the Werkzeuge without one, and warnings."""
    recipients: dict[str, tuple[str, list]] = {}
    without_address, warnings = [], []
    for entry in entries:
        werkzeug = by_id.get(entry.werkzeug_id)
        if werkzeug is None:
            warnings.append(text("mail.not_in_catalogue", werkzeug_id=entry.werkzeug_id, werkzeug=entry.werkzeug))
            continue
        if not werkzeug.addresses:
            without_address.append(werkzeug)
        for address in werkzeug.addresses:
            address = _ascii_address(address, werkzeug)
            recipients.setdefault(address.casefold(), (address, []))[1].append((werkzeug, entry))
    return list(recipients.values()), without_address, warnings


def compose_messages(kind: str, template: MailTemplate, settings: Settings, recipients: list,
                     notes: Mapping[str, list[str]], enclose: Callable[[Werkzeug, IssuedQuestionnaire], tuple],
                     returns: Mapping[str, str] | None = None) -> tuple[Mail, ...]:
    """One :class:`Mail` per (address, items) of ``recipients`` (for a kind in :data:`PER_WERKZEUG`: per
    address and Werkzeug). ``enclose(werkzeug, entry)`` gives the :class:`Enclosure` s of one Werkzeug,
    ``notes`` the lines below its entry, ``returns`` the SHA-256 of the return an e-mail answers by Werkzeug-ID."""
    sender_name, sender_address = sender(settings.mail)
    check_round_settings(settings, template)
    signature = {"title": settings.title, "deadline": settings.deadline_text, "sender": sender_name or sender_address}
    if kind in PER_WERKZEUG:
        recipients = [(address, [item]) for address, items in recipients for item in items]
    enclosures: dict[str, tuple[Enclosure, ...]] = {}

    def files(werkzeug: Werkzeug, entry: IssuedQuestionnaire) -> tuple[Enclosure, ...]:
        if werkzeug.werkzeug_id not in enclosures:  # a Werkzeug with two addresses is read once
            enclosures[werkzeug.werkzeug_id] = tuple(enclose(werkzeug, entry))
        return enclosures[werkzeug.werkzeug_id]

    return tuple(_compose(settings.mail.sender, template, kind, address, items,
                          {**signature, **_recipient_values(items, notes, files)}, files, returns or {})
                 for address, items in recipients)


def rejection_note(code: str) -> str:
    """Why a department's return was rejected, for the reminder, in fixed words only.

    Nothing from the returned file (its name, its metadata, its answers) goes into an e-mail
    the office sends: the note is the code's sentence where that quotes nothing, else a general one.
    """
    return text("mail.rejected_return", reason=fixed_text(code) or text("mail.rejected_reason_general"))


def correction_notes(problems: Iterable[Mapping[str, object]], form: Form,
                     answers: Callable[[Question, int | None], Mapping[str, object]] | None = None) -> list[str]:
    """The lines of a correction request for one return: question by question and entry by entry (in form
    order) its number and label from ``form``, what is wrong and what is allowed, in fixed words chosen by
    each problem's code. Of a problem (a row of the sheet "Prüfung") only ``code`` and ``answer_key`` (the
    question's name and entry; from a master.xlsx without it ``question``, the form's title) are read: its
    quoted value and sentences are never used. ``answers(question, entry)`` gives the register's answers as
    expressions compare them where ``question`` stands (in ``entry`` of its repeat, or None), so a question
    whose choices depend on other answers lists the choices that fit them."""
    by_name = {question.name: question for question in form.elements}
    by_title = {question.title: question for question in form.elements}
    order = {question.name: position for position, question in enumerate(form.elements)}
    found: dict[tuple[str, int], tuple[Question | None, int | None, dict[str, str]]] = {}
    for problem in problems:
        name, row, _ = split_answer_key(str(problem.get("answer_key") or ""))
        question = by_name.get(name) if name else by_title.get(str(problem.get("question") or ""))
        code = str(problem.get("code") or "")
        key = (question.name if question else "", row or 0)
        wrong = found.setdefault(key, (question, row, {}))[2]
        wrong.setdefault(code, fixed_text(f"mail.wrong.{code}") or text("mail.wrong.general"))
    lines = []
    for _, (question, entry, wrong) in sorted(
            found.items(), key=lambda item: (order.get(item[0][0], len(order)), item[0][1])):
        lines.append(_question_heading(question, entry, form))
        lines += [f"  {sentence}" for sentence in dict.fromkeys(wrong.values())]
        names = answers(question, entry) if answers and question and Code.ANSWER_NOT_IN_FILTER in wrong else None
        lines.append(f"  {_allowed(question, form, Code.ANSWER_CONSTRAINT in wrong, names)}")
    return lines


def _question_heading(question: Question | None, entry: int | None, form: Form) -> str:
    """``Frage 1: Mit der Umsetzung des Projekts wurde begonnen.`` (the form's words, ``(Eintrag 2)`` for an
    entry of a repeat), or a general heading."""
    if question is None:
        return text("mail.question_unknown")
    label = wording.label(question, form)
    if entry is not None:
        label = text("validate.repeat_row", question=label, row=entry)
    if question.number:
        return text("mail.question", number=question.number, label=label)
    return text("mail.question_unnumbered", label=label)


def _allowed(question: Question | None, form: Form, constraint_failed: bool,
             names: Mapping[str, object] | None = None) -> str:
    """What the question takes: the form's choices (those that fit the other answers ``names`` where its
    choices depend on them), a number, a date, a text; with the condition of a constraint the answer failed,
    in the form's message or in words."""
    if question is None:
        return text("mail.allowed_general")
    if question.choices is not None and question.choice_filter is not None and names is not None:
        fitting = allowed_choices(question, names)
        allowed = fitting.allowed if fitting.choices else text("mail.no_choice_fits")
    elif question.choices is not None:
        allowed = question.choices.allowed
    else:
        allowed = text(ALLOWED_BY_TYPE.get(question.type, "mail.allowed_general"))
    if constraint_failed:
        message = (wording.readable(question.constraint_message, form) or text(
            "questionnaire.constraint", condition=wording.describe(question.constraint, form)))
        allowed = f"{allowed} {text('mail.constraint', message=message)}"
    return allowed


def receipt_note(received: dt.date | None, problems: int, requested: bool = False) -> str:
    """The receipt's line for one return: when it came in and whether a correction request follows (or,
    where it was ``requested`` already, that it went out)."""
    day = received.strftime("%d.%m.%Y") if received else ""
    ending = "_requested" if requested else ""
    outcome = (text("mail.receipt_fine") if not problems else text(f"mail.receipt_one_problem{ending}")
               if problems == 1 else text(f"mail.receipt_problems{ending}", count=problems))
    return text("mail.receipt", date=day, outcome=outcome) if day else text("mail.receipt_undated", outcome=outcome)


def _recipient_values(items: list, notes: Mapping[str, list[str]], files: Callable) -> dict[str, str]:
    """$greeting and $werkzeuge for the (Werkzeug, issue entry) pairs of one recipient."""
    names = {werkzeug.ansprechpartner for werkzeug, _ in items if werkzeug.ansprechpartner}
    lines = []
    for werkzeug, entry in items:
        enclosures = files(werkzeug, entry)
        shown = enclosures[0].name if enclosures else entry.file
        lines.append(text("mail.werkzeug_line", werkzeug=werkzeug.werkzeug, file=shown))
        lines += [f"  {note}" for note in notes.get(werkzeug.werkzeug_id, [])]
    greeting = text("mail.greeting_to", name=names.pop()) if len(names) == 1 else text("mail.greeting")
    return {"greeting": greeting, "werkzeuge": "\n".join(lines)}


def _compose(sender_header: str, template: MailTemplate, kind: str, address: str, items: list,
             values: dict[str, str], files: Callable, returns: Mapping[str, str]) -> Mail:
    """The e-mail to ``address`` with the files of each (Werkzeug, issue entry) in ``items``."""
    message = EmailMessage()
    message["From"] = sender_header
    message["To"] = address
    message["Subject"] = " ".join(template.subject.substitute(values).split())
    message["X-Unsent"] = "1"
    message.set_content(template.body.substitute(values), cte="quoted-printable")
    attachments = []
    for werkzeug, entry in items:
        for enclosure in files(werkzeug, entry):
            message.add_attachment(enclosure.data, *enclosure.mime, filename=enclosure.name)
            attachments.append(Attachment(enclosure.name, hashlib.sha256(enclosure.data).hexdigest()))
    werkzeuge = tuple(werkzeug for werkzeug, _ in items)
    answered = tuple(returns[werkzeug.werkzeug_id] for werkzeug in werkzeuge if werkzeug.werkzeug_id in returns)
    return Mail(address, kind, werkzeuge, tuple(attachments), message, answered)


def sender(settings: MailSettings) -> tuple[str, str]:
    name, address = parseaddr(settings.sender)
    if not settings.sender.strip():
        raise ProjectError(text("mail.no_sender"))
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        raise ProjectError(text("mail.bad_sender", sender=settings.sender))
    return name, address


def _ascii_address(address: str, werkzeug: Werkzeug) -> str:
    """``address`` as it can go into a header: a non-ASCII domain in its IDNA form (xn--...)."""
    local, _, domain = address.rpartition("@")
    try:
        if not local.isascii():
            raise UnicodeError(local)
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        raise ProjectError(text("mail.non_ascii_address", werkzeug_id=werkzeug.werkzeug_id, row=werkzeug.row,
                                address=address)) from None


def check_round_settings(settings: Settings, template: MailTemplate) -> None:
    """Raise :class:`ProjectError` when the template uses a round value that werkstatt.toml does not set."""
    for placeholder, value, example in (("title", settings.title, 'title = "Zwischenbilanz 2026"'),
                                        ("deadline", settings.deadline_text, "deadline = 2026-12-15")):
        if placeholder in template.placeholders and not value:
            raise ProjectError(text(Code.MAIL_TEMPLATE_VALUE_UNSET, template=template.path.name,
                                    placeholder=placeholder, example=example))


def draft_name(recipient: str) -> str:
    """An ASCII file name for the draft to ``recipient``: ``bildung@example.org.eml``."""
    return (ascii_text(recipient, keep="@._-").strip("._") or "entwurf") + ".eml"


def write_drafts(plan: MailPlan, folder: Path) -> list[Path]:
    """Write each message as an unsent ``.eml`` draft; ``folder`` is replaced as a whole.

    The drafts (``X-Unsent: 1``, CRLF line ends) open for editing in Outlook and Thunderbird.
    """
    names: list[str] = []
    with atomic_directory(folder) as temporary:
        for mail in plan.messages:
            name = mail.draft_name
            stem, number = name[:-4], 2
            while name.lower() in (used.lower() for used in names):
                name, number = f"{stem}-{number}.eml", number + 1
            names.append(name)
            (temporary / name).write_bytes(mail.message.as_bytes(policy=WIRE_POLICY))
    return [Path(folder) / name for name in names]


def read_sent_log(path: Path) -> list[dict[str, str]]:
    """The rows of the sent-log (empty when nothing was sent yet), also after Excel saved it again
    (``;``-separated, cp1252).

    Raises :class:`ProjectError` when a column that tells which e-mails went out is missing.
    """
    path = Path(path)
    if not path.is_file():
        return []
    columns, rows = read_csv_rows(path)
    missing = [field for field in SENT_LOG_KEY_FIELDS if field not in columns]
    if missing:
        columns = plural(len(missing), "sent_log.column", "sent_log.columns", names=", ".join(missing))
        raise ProjectError(text(Code.SENT_LOG_MISSING_COLUMNS, path=path, columns=columns,
                                fields=",".join(SENT_LOG_FIELDS)))
    return [{key: row.get(key, "") for key in SENT_LOG_FIELDS} for row in rows]


def _log_key(recipient: str, kind: str, hashes: Iterable[str]) -> tuple[str, str, tuple[str, ...]]:
    return recipient.casefold(), kind, tuple(sorted(hashes))


def _logged_key(row: Mapping[str, str]) -> tuple[str, str, tuple[str, ...]]:
    """The :attr:`Mail.key` of a row of the sent-log."""
    return _log_key(row["empfaenger"], row["art"], row["anhaenge_sha256"].split() + row["rueckgaben_sha256"].split())


def last_events(log: Iterable[Mapping[str, str]]) -> dict[str, tuple[str, str]]:
    """Werkzeug-ID -> (event, ISO date) of the last e-mail in the sent-log that went to it (see :data:`EVENTS`);
    the log lists e-mails in the order they were sent. A receipt for the return a correction request
    was sent about does not hide that request: the correction is still awaited."""
    events: dict[str, tuple[str, str]] = {}
    corrected = correction_requests(log)
    for row in log:
        event = EVENTS.get(row["art"])
        if event:
            for werkzeug_id in row["werkzeug_ids"].split():
                if row["art"] == RECEIPT and events.get(werkzeug_id, ("",))[0] == EVENTS[CORRECTION] and any(
                        (werkzeug_id, sha256) in corrected for sha256 in row["rueckgaben_sha256"].split()):
                    continue
                events[werkzeug_id] = (event, row["gesendet_am"][:10])
    return events


def correction_requests(log: Iterable[Mapping[str, str]]) -> set[tuple[str, str]]:
    """(Werkzeug-ID, SHA-256 of the return) of every correction request in the sent-log."""
    return {(werkzeug_id, sha256) for row in log if row["art"] == CORRECTION
            for werkzeug_id in row["werkzeug_ids"].split() for sha256 in row["rueckgaben_sha256"].split()}


def check_smtp_settings(settings: MailSettings) -> str:
    """Raise :class:`ProjectError` unless ``settings`` can send; returns the sender's address."""
    _, sender_address = sender(settings)
    if not settings.smtp_host:
        raise ProjectError(text("mail.no_smtp_host"))
    if settings.security not in ("starttls", "ssl", "none"):
        raise ProjectError(text("mail.bad_security", security=settings.security))
    return sender_address


def send(plan: MailPlan, settings: MailSettings, password: str | None, log_path: Path,
         on_sent: Callable[[Mail], None] | None = None, again: bool = False) -> SendResult:
    """Send the messages not yet in the sent-log (all of them with ``again``) over one SMTP connection.

    Each message sent is added to ``log_path`` at once. On the first failure sending stops
    with a :class:`MailError` listing what went out and what did not; a re-run sends the rest.
    ``again`` is for a further reminder round: the log still records every message.
    """
    sender_address = check_smtp_settings(settings)
    if settings.user and password is None:
        raise ProjectError(text("mail.password_needed", user=settings.user, variable=settings.password_env))
    log = read_sent_log(log_path)
    done = set() if again else {_logged_key(row) for row in log}
    pending = [mail for mail in plan.messages if mail.key not in done]
    skipped = tuple(mail for mail in plan.messages if mail.key in done)
    if not pending:
        return SendResult((), skipped)
    _write_sent_log(log_path, log)  # fails now, before sending, if the log is locked (open in Excel)
    server = f"{settings.smtp_host}:{settings.smtp_port}"
    sent: list[Mail] = []
    try:
        smtp = _connect(settings, password)
    except (smtplib.SMTPException, OSError) as error:
        raise _stopped(_connect_reason(error, settings, server), sent, pending, log_path) from None
    try:
        for mail in pending:
            outgoing = copy.deepcopy(mail.message)
            del outgoing["X-Unsent"]
            outgoing["Date"] = formatdate(localtime=True)
            outgoing["Message-ID"] = make_msgid(domain=sender_address.rsplit("@", 1)[1])
            try:
                smtp.sendmail(sender_address, [mail.recipient], outgoing.as_bytes(policy=WIRE_POLICY))
            except (smtplib.SMTPException, OSError) as error:
                raise _stopped(_send_reason(error, mail, server), sent, pending[len(sent):], log_path) from None
            log.append({"gesendet_am": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                        "empfaenger": mail.recipient, "betreff": str(outgoing["Subject"]), "art": mail.kind,
                        "werkzeug_ids": " ".join(mail.werkzeug_ids),
                        "anhaenge_sha256": " ".join(attachment.sha256 for attachment in mail.attachments),
                        "message_id": str(outgoing["Message-ID"]), "rueckgaben_sha256": " ".join(mail.returns)})
            _write_sent_log(log_path, log)
            sent.append(mail)
            if on_sent:
                on_sent(mail)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return SendResult(tuple(sent), skipped)


def _connect(settings: MailSettings, password: str | None) -> smtplib.SMTP:
    if settings.security == "ssl":
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT)
    try:
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            _login(smtp, settings.user, password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a user name or password beyond ASCII goes as UTF-8 through AUTH PLAIN (RFC 4616),
    which smtplib cannot send (it fails with an error that shows a character of the password)."""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError(text("smtp.no_utf8_login"))
    credentials = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, response = smtp.docmd("AUTH", f"PLAIN {credentials}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, response)


def _connect_reason(error: Exception, settings: MailSettings, server: str) -> str:
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return text("smtp.login_failed", user=settings.user, server=server, response=_response(error),
                    variable=settings.password_env)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        feature = "STARTTLS" if "STARTTLS" in str(error) else text("smtp.login")
        return text("smtp.not_offered", server=server, feature=feature, error=error)
    if isinstance(error, ssl.SSLError):
        return text("smtp.no_tls", server=server, error=error)
    return text("smtp.no_connection", server=server, response=_response(error))


def _send_reason(error: Exception, mail: Mail, server: str) -> str:
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{address}: {status} {_decoded(reply)}"
                            for address, (status, reply) in error.recipients.items())
        return text("smtp.recipient_refused", refused=refused)
    if isinstance(error, (smtplib.SMTPServerDisconnected, ConnectionError)) or code == 421:
        return text("smtp.connection_broke", server=server, recipient=mail.recipient, response=_response(error))
    if isinstance(error, smtplib.SMTPSenderRefused):
        return text("smtp.sender_refused", sender=error.sender, response=_response(error))
    return text("smtp.send_failed", recipient=mail.recipient, response=_response(error))


def _response(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_decoded(error.smtp_error)}"
    return str(error) or type(error).__name__


def _decoded(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _stopped(reason: str, sent: list[Mail], unsent: list[Mail], log_path: Path) -> MailError:
    def listing(mails: list[Mail]) -> str:
        return "".join(f"\n  {mail.describe()}" for mail in mails) or " " + text("mail.none")

    return MailError(text("mail.stopped", reason=reason, sent_count=len(sent), sent=listing(sent),
                          unsent_count=len(unsent), unsent=listing(unsent), log=log_path), sent, unsent)


def _write_sent_log(path: Path, rows: list[dict[str, str]]) -> None:
    """The whole log (see :func:`~werkstatt_xl.files.write_csv`)."""
    write_csv(path, SENT_LOG_FIELDS, ([row[key] for key in SENT_LOG_FIELDS] for row in rows))
