"""The round's mailbox over IMAP: log in with the ``[mail]`` settings, list the messages of a folder by UID,
fetch them as :class:`~werkstatt_xl.inbox_mail.MailMessage`, move them on.

Messages are only read (``BODY.PEEK``: not even marked as read) and never deleted. A message up to
:data:`LARGE_MESSAGE` is fetched whole (and parsed, at about ten times its size in memory); a larger one
is fetched part by part from its ``BODYSTRUCTURE``, and a part larger than a returned file may be is not
fetched at all. A server that sends more than it announced is cut off (see :class:`_BoundedReads`).
Every failure is a :class:`~werkstatt_xl.errors.CollectError` that says what to do.
"""

from __future__ import annotations

import base64
import imaplib
import re
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Iterator

from .errors import CollectError, ProjectError
from .inbox_mail import MAX_ATTACHMENT_BYTES, MailMessage, decoded_size, message_from_parts, parse_message
from .messages import text
from .settings import MailSettings

TIMEOUT = 60
"""Seconds to wait for the server before the connection counts as lost."""
LARGE_MESSAGE = MAX_ATTACHMENT_BYTES * 3 // 2
"""A message larger than this (as sent, base64 included) is fetched part by part."""
BATCH_BYTES = 16 * 2**20
"""At most this much is asked for in one FETCH."""
BATCH_MESSAGES = 100
SLACK = 2**20
"""Bytes a server may send beyond the sizes it announced, in one FETCH."""
SECURITIES = ("ssl", "starttls", "none")


@dataclass(frozen=True)
class Fetched:
    uid: int
    message: MailMessage


def check_imap_settings(settings: MailSettings) -> str:
    """Raise :class:`ProjectError` unless ``settings`` name a mailbox; returns its description for the log."""
    if not settings.imap_host:
        raise ProjectError(text("collect.no_imap_host"))
    if settings.imap_security not in SECURITIES:
        raise ProjectError(text("collect.bad_security", security=settings.imap_security))
    if not settings.imap_user:
        raise ProjectError(text("collect.no_imap_user"))
    return mailbox_name(settings)


def mailbox_name(settings: MailSettings) -> str:
    """``imap://user@host:port/folder``: where collected messages came from."""
    return f"imap://{settings.imap_user}@{settings.imap_host}:{settings.imap_port}/{settings.imap_folder}"


class Mailbox:
    """One logged-in connection to the folder of ``[mail] imap_folder``; use it in a ``with`` block.

    ``password`` logs in; ``token`` (an OAuth 2.0 access token) logs in with XOAUTH2 instead.
    """

    def __init__(self, settings: MailSettings, password: str | None = None, token: str | None = None):
        check_imap_settings(settings)
        self.settings, self.server = settings, f"{settings.imap_host}:{settings.imap_port}"
        self._sizes: dict[int, int] = {}
        self._offered: set[str] | None = None
        self._connection = self._connect()
        try:
            self._login(password, token)
            self.uidvalidity = self._select(settings.imap_folder, readonly=not settings.imap_move_to)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "Mailbox":
        return self

    def __exit__(self, *exception) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._connection.logout()
        except (imaplib.IMAP4.error, OSError):  # the connection is gone already
            pass

    def sizes(self) -> dict[int, int]:
        """Every message of the folder: UID -> size as sent, in the folder's order."""
        responses = self._fetch("1:*", "(UID RFC822.SIZE)", SLACK)
        return {self._number(items[b"UID"]): self._number(items.get(b"RFC822.SIZE"))
                for items in responses if b"UID" in items}

    def fetch(self, sizes: dict[int, int]) -> Iterator[Fetched]:
        """The messages of these UIDs (UID -> size from :meth:`sizes`), in this order, a batch per FETCH."""
        self._sizes = sizes
        batch: list[int] = []
        batch_bytes = 0
        for uid, size in sizes.items():
            if batch and (size > LARGE_MESSAGE or batch_bytes + size > BATCH_BYTES or len(batch) >= BATCH_MESSAGES):
                yield from self._fetch_batch(batch)
                batch, batch_bytes = [], 0
            if size > LARGE_MESSAGE:
                yield Fetched(uid, self._fetch_large(uid))
                continue
            batch.append(uid)
            batch_bytes += size
        yield from self._fetch_batch(batch)

    def can_move(self) -> bool:
        """Whether the server moves messages (MOVE, RFC 6851); without it :meth:`move` only copies."""
        return "MOVE" in self._capabilities()

    def move(self, uids: list[int], folder: str) -> None:
        """Move these messages into ``folder`` (created when missing): with MOVE where the server has it,
        else only copied, never deleted."""
        if not uids:
            return
        name = _mailbox_argument(folder)
        with self._explained():
            self._connection.create(name)  # refused when it exists: that is fine
            command = "MOVE" if self.can_move() else "COPY"
            status, response = self._connection.uid(command, ",".join(map(str, uids)), name)
        if status != "OK":
            raise CollectError(text("collect.move_failed", folder=folder, server=self.server,
                                    response=_decoded(response)))

    def _capabilities(self) -> set[str]:
        """What the server offers once logged in (imaplib keeps only what it offered before), asked once."""
        if self._offered is None:
            with self._explained():
                status, response = self._connection.capability()
            self._offered = set(_decoded(response).upper().split()) if status == "OK" else set()
        return self._offered

    # --- connecting ---

    def _connect(self) -> imaplib.IMAP4:
        settings = self.settings
        try:
            if settings.imap_security == "ssl":
                connection = _BoundedSSL(settings.imap_host, settings.imap_port,
                                         ssl_context=ssl.create_default_context(), timeout=TIMEOUT)
            else:
                connection = _Bounded(settings.imap_host, settings.imap_port, timeout=TIMEOUT)
                if settings.imap_security == "starttls":
                    connection.starttls(ssl.create_default_context())
        except ssl.SSLError as error:
            raise CollectError(text("collect.no_tls", server=self.server, error=error)) from None
        except (imaplib.IMAP4.error, OSError) as error:
            raise CollectError(text("collect.no_connection", server=self.server, error=_reason(error))) from None
        return connection

    def _login(self, password: str | None, token: str | None) -> None:
        user, connection = self.settings.imap_user, self._connection
        try:
            if token is not None:
                connection.authenticate("XOAUTH2", lambda _: f"user={user}\x01auth=Bearer {token}\x01\x01".encode())
            elif (user + (password or "")).isascii():
                connection.login(user, password or "")
            else:  # LOGIN is ASCII only: a password with umlauts goes as UTF-8 through AUTHENTICATE PLAIN
                connection.authenticate("PLAIN", lambda _: f"\0{user}\0{password}".encode())
        except imaplib.IMAP4.abort as error:
            raise CollectError(text("collect.no_connection", server=self.server, error=_reason(error))) from None
        except (imaplib.IMAP4.error, OSError) as error:
            variable = self.settings.imap_token_env if token is not None else self.settings.imap_password_env
            raise CollectError(text("collect.login_failed", user=user, server=self.server, response=_reason(error),
                                    variable=variable)) from None

    def _select(self, folder: str, readonly: bool) -> int:
        with self._explained():
            status, response = self._connection.select(_mailbox_argument(folder), readonly=readonly)
            if status != "OK":
                raise CollectError(text("collect.no_folder", folder=folder, server=self.server,
                                        response=_decoded(response)))
            _, validity = self._connection.response("UIDVALIDITY")
        return self._number(validity[0]) if validity and validity[0] else 0

    # --- fetching ---

    def _fetch_batch(self, uids: list[int]) -> Iterator[Fetched]:
        if not uids:
            return
        expected = sum(self._sizes.get(uid, LARGE_MESSAGE) for uid in uids)
        found = {self._number(items[b"UID"]): items.get(b"BODY[]")
                 for items in self._fetch(",".join(map(str, uids)), "(UID BODY.PEEK[])", expected + SLACK)
                 if b"UID" in items}
        for uid in uids:
            if uid in found:  # else deleted by someone else meanwhile: nothing to collect
                yield Fetched(uid, parse_message(found[uid] or b""))

    def _fetch_large(self, uid: int) -> MailMessage:
        """A message fetched part by part; parts too large to be a return are described, not fetched."""
        structure = self._item(uid, "BODYSTRUCTURE")
        header = self._item(uid, "BODY.PEEK[HEADER]") or b""
        parts = []
        for leaf in _leaves(structure if isinstance(structure, list) else []):
            decoded = decoded_size(leaf.encoding.decode("ascii", "replace"), leaf.size)
            mime = self._item(uid, f"BODY.PEEK[{leaf.mime}]") or b""
            content = None if decoded > MAX_ATTACHMENT_BYTES else self._item(uid, f"BODY.PEEK[{leaf.section}]") or b""
            forwarded = (self._item(uid, f"BODY.PEEK[{leaf.forwarded}.HEADER]") or b"") if leaf.forwarded else b""
            parts.append((mime, content, leaf.size, forwarded))
        return message_from_parts(header, parts)

    def _item(self, uid: int, request: str):
        """One item of one message: ``BODY.PEEK[...]`` (answered as ``BODY[...]``) or ``BODYSTRUCTURE``."""
        responses = self._fetch(str(uid), f"(UID {request})")
        wanted = request.replace("BODY.PEEK[", "BODY[").encode()
        return next((items.get(wanted) for items in responses if self._number(items.get(b"UID", b"0")) == uid), None)

    def _number(self, value: object) -> int:
        """A number the server sent; :class:`CollectError` when it is none."""
        if isinstance(value, bytes) and value.isdigit():
            return int(value)
        raise CollectError(text("collect.fetch_failed", server=self.server,
                                response=text("collect.not_a_number", value=_decoded([value]))))

    def _fetch(self, uidset: str, items: str, limit: int = LARGE_MESSAGE + SLACK) -> list[dict[bytes, object]]:
        """The FETCH responses, item name -> value; the server may send at most ``limit`` bytes in literals."""
        self._connection.literal_budget = limit
        with self._explained():
            status, response = self._connection.uid("FETCH", uidset, items)
        if status != "OK":
            raise CollectError(text("collect.fetch_failed", server=self.server, response=_decoded(response)))
        return [dict(zip(values[::2], values[1::2])) for values in _fetch_responses(response)]

    @contextmanager
    def _explained(self) -> Iterator[None]:
        """Turn a dropped connection or a refused command into a :class:`CollectError`."""
        try:
            yield
        except (imaplib.IMAP4.abort, OSError) as error:
            raise CollectError(text("collect.connection_broke", server=self.server, error=_reason(error))) from None
        except imaplib.IMAP4.error as error:
            raise CollectError(text("collect.refused", server=self.server, error=_reason(error))) from None


class _BoundedReads:
    """imaplib reading at most :attr:`literal_budget` bytes of literals (set before each command): a server
    that sends more than it said, or than a return may be, breaks the connection instead of filling memory."""

    literal_budget = LARGE_MESSAGE + SLACK

    def read(self, size: int) -> bytes:
        if size > self.literal_budget:
            raise imaplib.IMAP4.abort(text("collect.literal_too_large", size=size, limit=self.literal_budget))
        self.literal_budget -= size
        return super().read(size)


class _Bounded(_BoundedReads, imaplib.IMAP4):
    pass


class _BoundedSSL(_BoundedReads, imaplib.IMAP4_SSL):
    pass


def _reason(error: Exception) -> str:
    message = error.args[0] if error.args else ""
    return _decoded([message]) if isinstance(message, bytes) else str(error) or type(error).__name__


def _decoded(response) -> str:
    return " ".join(item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
                    for item in response or () if item is not None)


def _mailbox_argument(name: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    encoded, pending = [], []

    def flush():
        if pending:
            data = "".join(pending).encode("utf-16-be")
            encoded.append("&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for character in name:
        if " " <= character <= "~":
            flush()
            encoded.append("&-" if character == "&" else character)
        else:
            pending.append(character)
    flush()
    quoted = "".join(encoded).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}"'


# --- reading FETCH responses ----------------------------------------------------------------------

_TOKEN = re.compile(rb'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|\{(\d+)\}\s*$|([^\s()"]+))', re.S)


def _tokens(response: list) -> Iterator[object]:
    """imaplib's pieces of a response as tokens: "(", ")", atoms and strings as bytes, NIL as None."""
    for piece in response:
        head, literal = piece if isinstance(piece, tuple) else (piece, None)
        position = 0
        while head is not None and position < len(head):
            match = _TOKEN.match(head, position)
            if match is None or match.end() == position:
                break
            position = match.end()
            opening, closing, quoted, length, atom = match.groups()
            if opening:
                yield "("
            elif closing:
                yield ")"
            elif quoted is not None:
                yield re.sub(rb"\\(.)", rb"\1", quoted)
            elif length is not None:
                yield literal if literal is not None else b""
            elif atom is not None:
                yield None if atom == b"NIL" else atom


def _fetch_responses(response: list) -> list[list]:
    """The item lists of the FETCH responses: ``1 (UID 7 RFC822.SIZE 10)`` -> [b"UID", b"7", b"RFC822.SIZE", b"10"]."""
    stack: list[list] = [[]]
    for token in _tokens(response):
        if token == "(":
            stack.append([])
        elif token == ")":
            if len(stack) > 1:
                finished = stack.pop()
                stack[-1].append(finished)
        else:
            stack[-1].append(token)
    return [item for item in stack[0] if isinstance(item, list)]


@dataclass(frozen=True)
class _Leaf:
    """A part of a message that is no container, as a BODYSTRUCTURE describes it."""

    section: str
    mime: str
    """The section of its MIME header."""
    size: int
    """As sent (base64 is a third larger than the content)."""
    encoding: bytes
    forwarded: str
    """The section of the forwarded message it is in; "" when in none."""


def _leaves(body: list, section: str = "", forwarded: str = "") -> Iterator[_Leaf]:
    """Every leaf part of a BODYSTRUCTURE, with its section numbered as RFC 3501 6.4.5 says."""
    if body and isinstance(body[0], list):  # multipart: the parts, then the subtype and extension data
        parts = []
        for item in body:
            if not isinstance(item, list):
                break
            parts.append(item)
        for number, part in enumerate(parts, start=1):
            yield from _leaves(part, f"{section}.{number}" if section else str(number), forwarded)
        return
    kind = b"/".join(value.upper() for value in body[:2] if isinstance(value, bytes))
    encoding = body[5].upper() if len(body) > 5 and isinstance(body[5], bytes) else b"7BIT"
    # a forwarded message sent encoded (base64, say) is fetched as one part: the server cannot see inside
    if (kind == b"MESSAGE/RFC822" and encoding in (b"7BIT", b"8BIT", b"BINARY") and len(body) > 8
            and isinstance(body[8], list) and body[8]):
        own = section or "1"
        inner = body[8]
        if isinstance(inner[0], list):
            yield from _leaves(inner, own, own)
        else:  # a forwarded message of one part: its content is own.1, its header the message's
            yield from (replace(leaf, section=f"{own}.1", mime=f"{own}.HEADER") for leaf in _leaves(inner, "", own))
        return
    size = int(body[6]) if len(body) > 6 and isinstance(body[6], bytes) and body[6].isdigit() else 0
    yield _Leaf(section or "1", f"{section}.MIME" if section else "HEADER", size, encoding, forwarded)
