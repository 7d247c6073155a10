"""Returned questionnaires in e-mails: a message (RFC 5322 bytes, or an Outlook ``.msg``) -> who sent it
and its attachments, each marked as a spreadsheet or not; safe file names for saving them.

Everything here comes from outside the office: names are made safe before they name a file, and no
text of a message goes into an e-mail the office sends. A spreadsheet is recognised by its content
(:func:`werkstatt_xl.ingest.spreadsheet_format`); a name ending in a spreadsheet's extension counts too,
so that a damaged or hostile "Fragebogen.xlsx" reaches merge, which says on "Prüfung" what is wrong
with it. An attachment larger than a returned file may be (:data:`~werkstatt_xl.ingest.DEFAULT_LIMITS`)
is not kept: merge would refuse it, so it is listed instead.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import logging
import quopri
import re
import unicodedata
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Iterable, Iterator

from .catalogue import Werkzeug
from .errors import IngestError, ProjectError
from .files import read_csv_rows, write_csv
from .ingest import DEFAULT_LIMITS, refusal, spreadsheet_format
from .messages import Code, text
from .validate import NOTICE, Problem

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
"""Names that say "spreadsheet": such an attachment is kept even when its content does not say so."""
MAX_ATTACHMENT_BYTES = DEFAULT_LIMITS.max_bytes
"""The largest attachment kept: merge refuses a larger returned file anyway."""
MAX_NAME_LENGTH = 120
"""Characters of a saved file's name: folder and name stay well within Windows' 260."""
MAX_NAME_BYTES = 180
"""Bytes of a saved file's name in UTF-8: with the number and the prefix of the file written meanwhile
(see :func:`~werkstatt_xl.files.create_file`) within the 255 bytes a Linux file system allows."""
_UNSAFE_CHARACTERS = set('<>:"/\\|?*')
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                    *(f"{device}{n}" for device in ("COM", "LPT") for n in [*range(10), "¹", "²", "³"])}
_HIDDEN_START = re.compile(r"^(?:~\$|[.\s])+")
"""What makes merge skip a file: a lock file's ``~$``, a hidden file's dot (and spaces before them)."""
_SUFFIX_OF_FORMAT = {"xlsx": ".xlsx", "encrypted": ".xlsx", "xls": ".xls", "ods": ".ods"}


@dataclass(frozen=True)
class Attachment:
    """One attachment of a message (also of a message forwarded inside it)."""

    name: str
    """As the message names it ("" when it names none): untrusted, see :func:`safe_file_name`."""
    size: int
    data: bytes | None
    """The content; None when it is larger than :data:`MAX_ATTACHMENT_BYTES`."""
    spreadsheet: str
    """The format (see :func:`~werkstatt_xl.ingest.spreadsheet_format`), "name" when only the name says
    spreadsheet, "" when it is none."""
    forwarded_from: str = ""
    """The sender of the forwarded message it came in; "" when it was attached by the sender."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest() if self.data is not None else ""

    @property
    def too_large(self) -> bool:
        return self.data is None

    @property
    def refusal(self) -> str:
        """Why merge will refuse it (see :func:`~werkstatt_xl.ingest.refusal`); "" when it is no spreadsheet."""
        return refusal(self.data) if self.spreadsheet and self.data is not None else ""


@dataclass(frozen=True)
class MailMessage:
    """What a received message says about itself and what it carries."""

    sender: str
    """The address in From (untrusted: anyone can write any From)."""
    date: str
    """When it was sent, ISO 8601, as its Date header says; the header's text when that is no date."""
    subject: str
    message_id: str
    attachments: tuple[Attachment, ...]
    sha256: str = ""
    """Of the message as received: the same message found again under another UID is known by it."""


class MessageError(IngestError):
    """A saved message that cannot be read (an ``.msg`` that is none, a damaged file)."""


def parse_message(data: bytes) -> MailMessage:
    """A message in RFC 5322 form (an ``.eml`` file, a message fetched over IMAP)."""
    message = message_from_bytes(data, policy=policy.default)
    return _envelope(message, tuple(_attachments(message, "")), hashlib.sha256(data).hexdigest())


def message_from_parts(header: bytes, parts: Iterable[tuple[bytes, bytes | None, int, bytes]]) -> MailMessage:
    """A message fetched part by part because it is large: its header and, per leaf part, (MIME header,
    content as sent or None when too large to fetch, size as sent, header of the forwarded message it is in or b"")."""
    message = message_from_bytes(header, policy=policy.default)
    attachments = []
    for mime, content, size, forwarded in parts:
        part = message_from_bytes(mime + (content or b""), policy=policy.default)
        forwarded_from = _address(message_from_bytes(forwarded, policy=policy.default).get("From")) if forwarded else ""
        if content is None:
            if _is_attachment(part):
                encoding = str(part.get("Content-Transfer-Encoding", ""))
                attachments.append(_too_large(_file_name(part), decoded_size(encoding, size), forwarded_from))
            continue
        attachments.extend(_attachments(part, forwarded_from))  # also a forwarded message sent encoded
    digest = hashlib.sha256(header + b"".join(mime for mime, *_ in parts)).hexdigest()
    return _envelope(message, tuple(attachments), digest)


def parse_outlook_message(data: bytes, name: str) -> MailMessage:
    """A message Outlook saved (``.msg``), read with extract-msg; :class:`MessageError` when it is none."""
    import extract_msg  # slow to import, and only saved messages need it

    logging.getLogger("extract_msg").setLevel(logging.ERROR)  # its notes on unusual properties are no user's concern

    try:
        message = extract_msg.openMsg(data, delayAttachments=False)
    except Exception as error:  # the reader's errors on hostile or damaged input are of many kinds
        raise MessageError(PurePath(name), Code.MESSAGE_NOT_OUTLOOK, text(Code.MESSAGE_NOT_OUTLOOK),
                           text("remedy.save_message_again")) from error
    try:
        return _outlook_message(message, hashlib.sha256(data).hexdigest())
    except Exception as error:  # a damaged stream inside a valid container
        raise MessageError(PurePath(name), Code.MESSAGE_DAMAGED, text(Code.MESSAGE_DAMAGED),
                           text("remedy.save_message_again")) from error
    finally:
        message.close()


def _outlook_message(message, digest: str) -> MailMessage:
    if not hasattr(message, "attachments"):  # a contact, task or appointment, not a message
        raise ValueError(type(message).__name__)
    sender = _outlook_sender(message)
    date = message.date.isoformat() if isinstance(message.date, dt.datetime) else str(message.date or "")
    message_id = (message.messageId or "").strip()
    return MailMessage(sender, date, _clean_text(message.subject or ""), message_id,
                       tuple(_outlook_attachments(message, "")), digest)


def _outlook_sender(message) -> str:
    """The sender's address: from the headers Outlook kept, else its SMTP or plain sender address property."""
    return _address(message.sender) or _address(message.getStringStream("__substg1.0_0C1F"))


def _outlook_attachments(message, forwarded_from: str) -> Iterator[Attachment]:
    for attachment in message.attachments:
        data = attachment.data
        if hasattr(data, "attachments"):  # a message forwarded as an attachment
            yield from _outlook_attachments(data, _outlook_sender(data))
            continue
        if not isinstance(data, bytes):  # a link or OLE object: nothing to save
            data = b""
        name = attachment.longFilename or attachment.shortFilename or attachment.displayName or ""
        yield _described(_clean_text(name), data, forwarded_from)


def _envelope(message: EmailMessage, attachments: tuple[Attachment, ...], digest: str) -> MailMessage:
    date = _header(message, "Date")
    try:
        date = parsedate_to_datetime(date).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    return MailMessage(_address(_header(message, "From")), date, _clean_text(_header(message, "Subject")),
                       _header(message, "Message-ID").strip(), attachments, digest)


def _attachments(part: EmailMessage, forwarded_from: str) -> Iterator[Attachment]:
    """The attachments of ``part``, also those of messages forwarded inside it."""
    if part.get_content_type() == "message/rfc822":
        for inner in _forwarded(part):
            yield from _attachments(inner, _address(_header(inner, "From")))
    elif part.is_multipart():
        for inner in part.get_payload():
            yield from _attachments(inner, forwarded_from)
    else:
        attachment = _attachment(part, forwarded_from)
        if attachment is not None:
            yield attachment


def _forwarded(part: EmailMessage) -> list[EmailMessage]:
    """The message a ``message/rfc822`` part carries, also when it was sent encoded (base64, quoted-printable),
    which the parser takes for a message of no headers whose text is the encoded message."""
    payload = part.get_payload()
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding not in ("base64", "quoted-printable"):
        return payload
    encoded = b"".join(inner.as_bytes() for inner in payload)
    try:
        decoded = base64.b64decode(encoded) if encoding == "base64" else quopri.decodestring(encoded)
    except binascii.Error:  # not base64 after all: read as it is
        return payload
    return [message_from_bytes(decoded, policy=policy.default)]


def _is_attachment(part: EmailMessage) -> bool:
    """Anything but the text of the message: a part with a file name, marked as attachment, or not text."""
    return bool(part.get_content_disposition() == "attachment" or _file_name(part)
                or part.get_content_maintype() not in ("text", "multipart"))


def _attachment(part: EmailMessage, forwarded_from: str) -> Attachment | None:
    if not _is_attachment(part):
        return None
    return _described(_file_name(part), part.get_payload(decode=True) or b"", forwarded_from)


def _described(name: str, data: bytes, forwarded_from: str) -> Attachment:
    if len(data) > MAX_ATTACHMENT_BYTES:
        return _too_large(name, len(data), forwarded_from)
    return Attachment(name, len(data), data, spreadsheet_format(data) or _named_spreadsheet(name), forwarded_from)


def _too_large(name: str, size: int, forwarded_from: str) -> Attachment:
    return Attachment(name, size, None, _named_spreadsheet(name), forwarded_from)


def _named_spreadsheet(name: str) -> str:
    return "name" if name.lower().endswith(SPREADSHEET_SUFFIXES) else ""


def decoded_size(encoding: str, size: int) -> int:
    """About the size of a part's content from its size as sent: base64 carries 57 bytes in each line of 76
    characters and a line break."""
    return size * 57 // 78 if encoding.strip().lower() == "base64" else size


def _file_name(part: EmailMessage) -> str:
    try:
        return _clean_text(part.get_filename() or "")
    except (ValueError, LookupError, TypeError):  # a malformed RFC 2231 name or unknown charset
        return ""


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name) or "")
    except (ValueError, LookupError, TypeError, IndexError):  # a header the parser cannot make sense of
        return ""


def _address(header: object) -> str:
    """The first address in a From header ("" when there is none)."""
    if not header:
        return ""
    try:
        addresses = getaddresses([str(header)])
    except (ValueError, TypeError, IndexError):
        addresses = [parseaddr(str(header))]
    return next((_clean_text(address) for _, address in addresses if "@" in address), "")


def _clean_text(value: str) -> str:
    """``value`` on one line, bytes that are no text (kept as surrogates by the parser) and control characters
    (a terminal's escape sequences) as �."""
    value = " ".join(value.encode("utf-8", "surrogateescape").decode("utf-8", "replace").split())
    return "".join(character if character.isprintable() else "\ufffd" for character in value)


def safe_file_name(name: str, file_format: str = "") -> str:
    """``name`` as the name of a file in one folder: no folder part (``../``), no control, format or
    unpaired characters, none that Windows forbids, not hidden or a lock file (merge skips those),
    not a Windows device name, at most :data:`MAX_NAME_LENGTH` characters and :data:`MAX_NAME_BYTES` bytes
    in UTF-8, and ending in the
    extension of ``file_format`` (see :func:`~werkstatt_xl.ingest.spreadsheet_format`) when it has none."""
    name = unicodedata.normalize("NFC", _clean_text(name)).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if character in _UNSAFE_CHARACTERS or not character.isprintable() else character
                   for character in name.replace("\ufffd", "_"))
    name = _HIDDEN_START.sub("", name).rstrip(". ")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    expected = _SUFFIX_OF_FORMAT.get(file_format, "")
    if expected and f".{suffix.lower()}" not in SPREADSHEET_SUFFIXES:
        stem, suffix = name, expected[1:]
    if not stem.strip() or stem.split(".")[0].strip().upper() in _WINDOWS_DEVICES:
        stem = f"anhang_{stem}".rstrip("_")
    suffix = suffix[:10]
    stem = stem[:MAX_NAME_LENGTH - len(suffix) - 1]
    stem = stem.encode()[:MAX_NAME_BYTES - len(suffix.encode()) - 1].decode("utf-8", "ignore").rstrip(". ")
    return f"{stem}.{suffix}" if suffix else stem


def numbered_name(name: str, number: int) -> str:
    """``Fragebogen.xlsx`` -> ``Fragebogen_2.xlsx``: another name for another file."""
    path = PurePath(name)
    return f"{path.stem}_{number}{path.suffix}" if number > 1 else name


# --- the log of what was collected ---------------------------------------------------------------

COLLECT_LOG = "abgeholt.csv"
COLLECT_LOG_FIELDS = ("abgeholt_am", "quelle", "uidvalidity", "uid", "nachricht_sha256", "message_id", "absender",
                      "weitergeleitet_von", "gesendet_am", "betreff", "anhang", "bytes", "sha256", "verbleib",
                      "gespeichert_als", "grund", "nachricht_bytes")


class Outcome(StrEnum):
    """What collect did with an attachment (or a message without one): the column "verbleib" of the log."""

    SAVED = "gespeichert"
    KNOWN = "schon abgeholt"
    """The same content from the same message is in eingang/ already: nothing written."""
    NOT_A_SPREADSHEET = "kein Fragebogen"
    TOO_LARGE = "zu groß"
    NO_ATTACHMENT = "ohne Anhang"
    UNREADABLE = "nicht lesbar"


@dataclass(frozen=True)
class Collected:
    """One row of the collect log: an attachment, or a message without any, and what became of it."""

    fetched_at: str
    source: str
    """The mailbox (``imap://user@host:port/folder``) or the saved message's file."""
    uidvalidity: str
    uid: str
    message_sha256: str
    message_id: str
    sender: str
    forwarded_from: str
    sent_at: str
    subject: str
    attachment: str
    size: str
    sha256: str
    outcome: Outcome
    saved_as: str = ""
    """The file's name in eingang/."""
    reason: str = ""
    message_size: str = ""
    """Of the message in the mailbox, as sent: a UID the server gave to another message (same UIDVALIDITY,
    which it must not do) is fetched again when the size differs. "" in logs written before this column."""


def read_collect_log(path: Path) -> list[Collected]:
    """The rows of the collect log (none before the first collect), also after Excel saved it again.

    Raises :class:`ProjectError` when a column is missing that tells what was fetched before.
    """
    if not path.is_file():
        return []
    columns, rows = read_csv_rows(path)
    missing = [name for name in COLLECT_LOG_FIELDS[:-1] if name not in columns]
    if missing:
        raise ProjectError(text(Code.COLLECT_LOG_MISSING_COLUMNS, path=path, columns=", ".join(missing),
                                fields=",".join(COLLECT_LOG_FIELDS)))
    outcomes = {outcome.value: outcome for outcome in Outcome}
    return [Collected(*(row[name] for name in COLLECT_LOG_FIELDS[:13]),
                      outcomes.get(row["verbleib"], Outcome.UNREADABLE), row["gespeichert_als"], row["grund"],
                      row.get("nachricht_bytes", ""))
            for row in rows]


def write_collect_log(path: Path, rows: Iterable[Collected]) -> None:
    """The whole log, atomically (see :func:`~werkstatt_xl.files.write_csv`)."""
    write_csv(path, COLLECT_LOG_FIELDS, (vars(row).values() for row in rows))


# --- who sent a return ---------------------------------------------------------------------------

def sender_notices(returns: Iterable[tuple[str, Werkzeug, str]], rows: Iterable[Collected]) -> list[Problem]:
    """A notice for each return (file, its Werkzeug, its SHA-256) that came only by e-mail from addresses
    that are not the Werkzeug's in the catalogue: accepted all the same (departments forward), but said.
    ``rows``: the collect log, which tells who sent each content saved (also after the file was renamed)."""
    senders: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        if row.saved_as and row.sender:
            senders.setdefault(row.sha256, []).append((row.sender, row.forwarded_from))
    notices = []
    for file, werkzeug, sha256 in returns:
        known = {address.casefold() for address in werkzeug.addresses}
        came = senders.get(sha256, [])
        if not came or any(address.casefold() in known for pair in came for address in pair if address):
            continue
        sender, forwarded_from = came[0]
        catalogue = ", ".join(werkzeug.addresses) or text("sender.no_address")
        via = text("sender.forwarded_from", sender=forwarded_from) if forwarded_from else ""
        notices.append(Problem(file, Code.RETURN_OTHER_SENDER,
                               text(Code.RETURN_OTHER_SENDER, sender=sender, via=via, catalogue=catalogue),
                               text("remedy.check_sender"), werkzeug.werkzeug_id, werkzeug.werkzeug, kind=NOTICE))
    return notices

