"""``collect``: returns from the round's mailbox (IMAP) or from saved messages (``.eml``, ``.msg``) into
``eingang/``, each with a row in the log ``post/abgeholt.csv``.

Every spreadsheet attachment is saved under a safe name that no file in ``eingang/`` has yet, never over
one; an attachment already saved with the same content under that name is not written again. A message
is fetched once: the log knows it by its mailbox's UIDVALIDITY and UID, failing that by its own SHA-256,
and each attachment by its message's Message-ID and its SHA-256. Anything not saved (other attachments,
messages without one, attachments too large to be a return, a saved message that cannot be read) gets a
row in the log with the reason. The log is written after every :data:`LOG_EVERY` messages and when
collecting stops, so a re-run after a dropped connection fetches exactly what is missing.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import CollectError, IngestError, OutputError, ProjectError
from ..files import create_file, remove_abandoned_files
from ..imap import LARGE_MESSAGE, Mailbox, check_imap_settings
from ..inbox_mail import (
    COLLECT_LOG,
    Collected,
    MailMessage,
    Outcome,
    numbered_name,
    parse_message,
    parse_outlook_message,
    read_collect_log,
    safe_file_name,
    write_collect_log,
)
from ..messages import text
from .project import Project
from .reading import Progress

__all__ = ["CollectResult", "check_imap_settings", "collect", "collect_from_folder", "collect_log_path"]

LOG_EVERY = 200
"""Messages between two writes of the log (and moves of the messages collected); the log is written
however a run ends, so this matters only for a run killed outright, whose saved files the next
run finds in eingang/ with the same content and does not write again."""
MESSAGE_SUFFIXES = (".eml", ".msg")
LISTED = (Outcome.NOT_A_SPREADSHEET, Outcome.TOO_LARGE, Outcome.NO_ATTACHMENT, Outcome.UNREADABLE)
"""What collect did not save and names on the terminal."""
UNWRITABLE_NAME = {errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ}
"""Why a file system refuses a name (not the disk): that attachment is listed as unreadable, and collect
goes on."""


@dataclass
class CollectResult:
    rows: list[Collected]
    """The log's rows of this run."""
    messages: int
    """Messages read in this run."""
    known: int
    """Messages collected by an earlier run, not fetched again."""
    log_path: Path
    moved: int = 0
    copied: int = 0
    """Messages copied into ``imap_move_to``: the server cannot move them, so they stay in the folder too."""
    other_files: list[Path] = field(default_factory=list)
    """Files of a folder given that are no saved messages (``.eml``, ``.msg``): not read."""

    @property
    def saved(self) -> list[Collected]:
        return [row for row in self.rows if row.outcome is Outcome.SAVED]

    @property
    def listed(self) -> list[Collected]:
        return [row for row in self.rows if row.outcome in LISTED]

    @property
    def refused(self) -> list[Collected]:
        """Saved, but merge will refuse them (a zip bomb, a password, not a spreadsheet after all)."""
        return [row for row in self.saved if row.reason]


def collect_log_path(project: Project) -> Path:
    """``post/abgeholt.csv``: what collect fetched, from whom, and what became of it."""
    return project.drafts / COLLECT_LOG


def collect(project: Project, password: str | None = None, token: str | None = None,
            on_progress: Progress | None = None) -> CollectResult:
    """Save the returns from the IMAP folder of ``[mail]`` into ``eingang/``; see the module's docstring.

    ``password`` (or ``token``, an OAuth 2.0 access token for XOAUTH2) logs in. With ``imap_move_to``
    set, every message that brought a spreadsheet is moved into that folder once the log holds it (a
    server that cannot move gets a copy of those fetched in this run only; nothing is deleted). A
    :class:`CollectError` (connection dropped, say) comes after the log holds what was saved.
    """
    settings = project.mail
    source = check_imap_settings(settings)
    collector = _Collector(project)
    with Mailbox(settings, password, token) as mailbox:
        validity = str(mailbox.uidvalidity)
        sizes = mailbox.sizes()
        pending = {uid: size for uid, size in sizes.items() if not collector.knows(source, validity, uid, size)}
        can_move = bool(settings.imap_move_to) and mailbox.can_move()
        # what an earlier run collected but did not move; a mere copy is made of this run's messages only
        done = [uid for uid in sizes if uid not in pending and (source, validity, str(uid)) in collector.returned_uids]
        done = done if can_move else []
        moved = 0
        try:
            for number, fetched in enumerate(mailbox.fetch(pending), start=1):
                if collector.take(fetched.message, source, validity, str(fetched.uid), str(sizes[fetched.uid])):
                    done.append(fetched.uid)
                if number % LOG_EVERY == 0:
                    collector.write_log()
                    moved += _move(mailbox, done, settings.imap_move_to)
                if on_progress:
                    on_progress(number, len(pending))
            collector.write_log()
            moved += _move(mailbox, done, settings.imap_move_to)
        except CollectError as error:
            raise CollectError(text("collect.stopped", reason=error, messages=collector.messages,
                                    saved=len(collector.saved), log=collector.log_path)) from None
        finally:  # whatever stopped it, the log holds what was saved
            collector.write_log()
    result = collector.result(len(sizes) - len(pending))
    if can_move:
        result.moved = moved
    else:
        result.copied = moved
    return result


def collect_from_folder(project: Project, folder: Path, on_progress: Progress | None = None) -> CollectResult:
    """Save the returns from saved messages (``.eml`` from any e-mail program, Outlook's ``.msg``) in
    ``folder`` and its subfolders into ``eingang/``; a message read before (same content) is skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ProjectError(text("collect.no_such_folder", path=folder))
    files = sorted((path for path in folder.rglob("*") if path.is_file()), key=lambda path: str(path).casefold())
    messages = [path for path in files if path.suffix.lower() in MESSAGE_SUFFIXES]
    collector = _Collector(project)
    known = 0
    try:
        for number, path in enumerate(messages, start=1):
            known += not collector.take_file(path)
            if number % LOG_EVERY == 0:
                collector.write_log()
            if on_progress:
                on_progress(number, len(messages))
    finally:  # whatever stopped it, the log holds what was saved
        collector.write_log()
    result = collector.result(known)
    result.other_files = [path for path in files if path not in messages]
    return result


def _move(mailbox: Mailbox, uids: list[int], folder: str) -> int:
    """Move (or copy, see :meth:`Mailbox.move`) the messages collected into ``folder`` (when set); how many."""
    if not folder or not uids:
        return 0
    mailbox.move(uids, folder)
    count = len(uids)
    uids.clear()
    return count


class _Collector:
    """What collect has saved and logged, and saving more: one per run."""

    def __init__(self, project: Project):
        self.inbox, self.log_path = project.inbox, collect_log_path(project)
        if not self.inbox.is_dir():
            raise ProjectError(text("merge.no_inbox", path=self.inbox))
        remove_abandoned_files(self.inbox)
        self.rows = read_collect_log(self.log_path)
        self.first_new = self.written = len(self.rows)
        self.uids = {(row.source, row.uidvalidity, row.uid): row.message_size for row in self.rows if row.uid}
        self.returned_uids = {(row.source, row.uidvalidity, row.uid) for row in self.rows if row.uid and row.saved_as}
        """The messages that brought a spreadsheet (saved, or the same saved before)."""
        self.message_hashes = {row.message_sha256 for row in self.rows if row.message_sha256}
        self.returned_hashes = {row.message_sha256 for row in self.rows if row.message_sha256 and row.saved_as}
        self.contents = {(row.message_id, row.sha256): row.saved_as for row in self.rows if row.saved_as}
        self.taken = {path.name.casefold(): path for path in self.inbox.iterdir()}
        """The names in eingang/, as Windows compares them."""
        self.moves = bool(project.mail.imap_move_to)
        self.messages = 0
        self.now = dt.datetime.now().astimezone().isoformat(timespec="seconds")

    @property
    def saved(self) -> list[Collected]:
        return [row for row in self.rows[self.first_new:] if row.outcome is Outcome.SAVED]

    def result(self, known: int) -> CollectResult:
        return CollectResult(self.rows[self.first_new:], self.messages, known, self.log_path)

    def write_log(self) -> None:
        """Write the log when it lacks rows (or is not there yet)."""
        if len(self.rows) != self.written or not self.log_path.exists():
            write_collect_log(self.log_path, self.rows)
            self.written = len(self.rows)

    def take_file(self, path: Path) -> bool:
        """Collect a saved message; False when it was collected before."""
        base = Collected(self.now, str(path.resolve()), "", "", "", "", "", "", "", "", "", "", "",
                         Outcome.UNREADABLE)
        try:
            size = path.stat().st_size
            if size > LARGE_MESSAGE:  # its header is read, and it is known by its SHA-256 on the next run
                with path.open("rb") as handle:
                    head = handle.read(64 * 1024)
                    handle.seek(0)
                    digest = hashlib.file_digest(handle, "sha256").hexdigest()
                if digest in self.message_hashes:
                    return False
                message = parse_message(head.partition(b"\r\n\r\n" if b"\r\n\r\n" in head else b"\n\n")[0])
                self._add(replace(_about(base, message), message_sha256=digest, size=str(size),
                                  outcome=Outcome.TOO_LARGE,
                                  reason=text("collect_log.message_too_large", size=_megabytes(LARGE_MESSAGE))))
                return True
            data = path.read_bytes()
        except OSError as error:
            raise ProjectError(text("collect.unreadable_file", path=path, reason=error.strerror or error)) from None
        digest = hashlib.sha256(data).hexdigest()
        if digest in self.message_hashes:
            return False
        try:
            message = parse_outlook_message(data, path.name) if path.suffix.lower() == ".msg" else parse_message(data)
        except IngestError as error:
            self._add(replace(base, message_sha256=digest, size=str(len(data)), reason=f"{error.reason} {error.hint}"))
            return True
        self.take(message, str(path.resolve()))
        return True

    def knows(self, source: str, validity: str, uid: int, size: int) -> bool:
        """Whether the message of this UID was collected before (and had this size, where the log knows it)."""
        logged = self.uids.get((source, validity, str(uid)))
        return logged is not None and logged in ("", str(size))

    def take(self, message: MailMessage, source: str, validity: str = "", uid: str = "", size: str = "") -> bool:
        """Save the spreadsheets ``message`` carries and log each attachment (or that it has none); whether it
        brought a spreadsheet (saved now or before)."""
        self.messages += 1
        base = _about(Collected(self.now, source, validity, uid, "", "", "", "", "", "", "", "", "", Outcome.KNOWN,
                                message_size=size), message)
        if message.sha256 and message.sha256 in self.message_hashes:
            self._add(base)
            return message.sha256 in self.returned_hashes
        first = len(self.rows)
        if not message.attachments:
            self._add(replace(base, outcome=Outcome.NO_ATTACHMENT, reason=text("collect_log.no_attachment")))
        for attachment in message.attachments:
            row = replace(base, attachment=attachment.name, size=str(attachment.size), sha256=attachment.sha256,
                          forwarded_from=attachment.forwarded_from)
            if attachment.too_large:
                self._add(replace(row, outcome=Outcome.TOO_LARGE, reason=text(
                    "collect_log.too_large", size=_megabytes(attachment.size))))
            elif not attachment.spreadsheet:
                self._add(replace(row, outcome=Outcome.NOT_A_SPREADSHEET, reason=text("collect_log.not_a_spreadsheet")))
            elif (message.message_id, attachment.sha256) in self.contents and message.message_id:
                self._add(replace(row, outcome=Outcome.KNOWN, saved_as=self.contents[message.message_id,
                                                                                     attachment.sha256]))
            else:
                try:
                    name, written = self._save(safe_file_name(attachment.name, attachment.spreadsheet),
                                               attachment.data)
                except OutputError as error:
                    if error.errno not in UNWRITABLE_NAME:  # the disk is full, say: the run stops
                        raise
                    self._add(replace(row, outcome=Outcome.UNREADABLE, reason=str(error)))
                    continue
                refusal = attachment.refusal
                self._add(replace(row, outcome=Outcome.SAVED if written else Outcome.KNOWN, saved_as=name,
                                  reason=text("collect_log.will_be_refused", reason=refusal) if refusal else ""))
        returned = any(row.saved_as for row in self.rows[first:])
        if uid and not (returned and self.moves):  # in a mailbox, and not moved out of it
            stays = text("collect_log.stays_in_mailbox")
            self.rows[first:] = [replace(row, reason=f"{row.reason} {stays}") if row.outcome in LISTED else row
                                 for row in self.rows[first:]]
        return returned

    def _add(self, row: Collected) -> None:
        self.rows.append(row)
        if row.uid:
            self.uids[row.source, row.uidvalidity, row.uid] = row.message_size
        if row.message_sha256:
            self.message_hashes.add(row.message_sha256)
        if row.saved_as:
            self.contents[row.message_id, row.sha256] = row.saved_as
            self.returned_uids.add((row.source, row.uidvalidity, row.uid))
            self.returned_hashes.add(row.message_sha256)

    def _save(self, name: str, data: bytes) -> tuple[str, bool]:
        """Write ``data`` under ``name`` in ``eingang/``, or ``name_2``, ... where that is taken by another
        file: (the name, whether it was written). A file of that name with the same content is kept as it is."""
        for number in range(1, 10_000):
            candidate = numbered_name(name, number)
            existing = self.taken.get(candidate.casefold())
            if existing is not None:
                if existing.is_file() and existing.stat().st_size == len(data) and existing.read_bytes() == data:
                    return existing.name, False
                continue
            target = self.inbox / candidate
            if target.parent != self.inbox or candidate in ("", ".", ".."):
                raise ValueError(candidate)  # safe_file_name makes names of one folder: a bug otherwise
            written = create_file(target, data)
            self.taken[candidate.casefold()] = target
            if written:
                return candidate, True
        raise ProjectError(text("collect.no_free_name", name=name, inbox=self.inbox))


def _about(row: Collected, message: MailMessage) -> Collected:
    """``row`` with what ``message`` says about itself."""
    return replace(row, message_sha256=message.sha256, message_id=message.message_id, sender=message.sender,
                   sent_at=message.date, subject=message.subject)



def _megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MB"
