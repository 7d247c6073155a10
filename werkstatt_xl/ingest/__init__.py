"""Read one returned questionnaire: guard the raw file, then collect its answers and metadata.

A reader may abort the whole process on hostile input, and no ``except`` catches that: python-calamine
0.9.1 (calamine 0.37) dies on a 10 KB .xls whose DIMENSIONS record declares 2**31 rows, on an .xlsx
with one cell at XFD1048576 or a shared-string ``uniqueCount`` of 4e10, and loops forever on an .ods
table without its end tag. So every guard runs on the raw bytes first, mirrors what calamine will
allocate, and refuses anything beyond the ``Limits``; only then does calamine read the values.

Values are kept as calamine returns them: an empty cell becomes ``None``; numbers may come
back as ``float`` even when integral (xlsx, ods) or as ``int`` (xls), and a LibreOffice
boolean in an .ods as ``1.0``. An error value (``#REF!``), which calamine reads as an empty
cell, becomes the :class:`CellError` the guards found there; a formula without a cached value,
also read as empty, the :class:`CellFormula`, and a cached value is taken with a notice. Validation,
not reading, decides what a value means.

The guards live in one module per container: :mod:`.zip` (unpacking) with :mod:`.ooxml` and
:mod:`.ods`, and :mod:`.ole2` (.xls and password-protected OOXML); :mod:`.common` holds what they
share, :mod:`.cells` the reading with calamine.
"""

from __future__ import annotations

import hashlib
import io
import os
import traceback
import zipfile
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from ..errors import IngestError
from ..files import OLE2_MAGIC
from ..messages import Code, text
from .cells import CellError, CellFormula, CellValue, _read_markers
from .common import (
    CONTENT_HINT,
    DEFAULT_LIMITS,
    MACRO_NOTICE,
    PASSWORD_REASON,
    XLS_NOTICE,
    Limits,
    _Container,
    _not_a_spreadsheet,
    _part_name,
    _Rejected,
    _size_text,
)
from .ole2 import _WORKBOOK_STREAMS, _CompoundFile, _inspect_compound_file
from .zip import _ODS_MIMETYPE, _ZIP_ERRORS, _inspecting_zip

__all__ = ["CellError", "CellFormula", "CellValue", "DEFAULT_LIMITS", "IngestError", "Limits", "MACRO_NOTICE",
           "PASSWORD_REASON", "RawReturn", "Unreadable", "XLS_NOTICE", "is_ignored", "is_ignored_name", "read_return",
           "read_returns", "refusal", "spreadsheet_format"]

_T = TypeVar("_T")

IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass
class RawReturn:
    """What a returned file says, unchecked: validation happens elsewhere."""

    path: Path
    sha256: str
    file_format: str
    """"xlsx", "xlsm", "xls" or "ods", decided by content, never by the file name."""
    modified: datetime | None
    """Last saved according to the document properties, UTC (a time without zone is taken as UTC)."""
    file_mtime: datetime
    meta: dict[str, str]
    answers: dict[str, CellValue]
    notices: list[tuple[Code, str]]
    """German notes that do not reject the file, with their codes."""
    copies: list[tuple[str, CellValue]] = field(default_factory=list)
    """Answer markers found a second time (a copied row or entry): (answer key, the cell not taken); the
    first cell found for a key is the answer."""


@dataclass(frozen=True)
class Unreadable:
    """Why a file could not be read: an :class:`IngestError` in a form that crosses process borders."""

    code: Code
    reason: str
    hint: str

    @classmethod
    def from_error(cls, error: IngestError) -> "Unreadable":
        return cls(error.code, error.reason, error.hint)


def is_ignored(path: Path) -> bool:
    """True for what is no return: directories, hidden files, Office (``~$…``) and LibreOffice
    (``.~lock.…#``) lock files, and system files such as Thumbs.db."""
    return is_ignored_name(path.name) or path.is_dir()


def is_ignored_name(name: str) -> bool:
    """True for the name of a hidden, lock or system file (see :func:`is_ignored`)."""
    return name in IGNORED_NAMES or name.startswith(("~$", "."))


def read_return(path: Path, limits: Limits = DEFAULT_LIMITS) -> RawReturn:
    """Read one returned file; raise ``IngestError`` for anything that cannot or must not be read."""
    try:
        return _finish(_reading(path, limits))
    except _Rejected as rejected:
        raise _ingest_error(path, rejected) from rejected.__cause__


def read_returns(paths: Sequence[Path], limits: Limits = DEFAULT_LIMITS) -> list[RawReturn | IngestError]:
    """:func:`read_return` of each path, with the ``IngestError`` in place of a file that cannot be read.

    :data:`SIDE_BY_SIDE` small files at a time are read side by side, each step of their reading (the table
    of contents, unpacking, the format's guards, calamine) for all of them in turn: the processor then keeps
    one step's code and tables in its caches, and reading takes a seventh less time than file after file.
    """
    outcomes: list[RawReturn | IngestError] = []
    for start in range(0, len(paths), SIDE_BY_SIDE):
        group = paths[start:start + SIDE_BY_SIDE]
        found: list[RawReturn | IngestError | None] = [None] * len(group)
        going = list(enumerate(_reading(path, limits) for path in group))
        while going:
            for index, steps in going:
                found[index] = _step(steps, group[index])
            going = [(index, steps) for index, steps in going if found[index] is None]
        outcomes += found
    return outcomes


SIDE_BY_SIDE = 16
"""Files :func:`read_returns` reads side by side."""
_PAUSING_BELOW = 2**15
"""Only smaller files (a return takes 10 KB) pause between the steps of their reading: a larger one is read in
one go, so that what files hold between their steps stays bounded: each file's XML, at most 3.2 MB (see
:attr:`Limits.max_ratio`), and what the guards make of it, up to about three times as much again (sixteen
crafted 30 KB files of 2.3 MB of formula cells each: 136 MB at the peak, against 27 MB one after the other)."""


def _step(steps: Generator[None, None, RawReturn], path: Path) -> RawReturn | IngestError | None:
    """Take the next step of a file's reading: its outcome once it is done, else None."""
    try:
        next(steps)
        return None
    except StopIteration as done:
        return done.value
    except _Rejected as rejected:
        error = _ingest_error(path, rejected)
        error.__cause__ = _without_variables(rejected.__cause__)
        return error


def _without_variables(cause: BaseException | None) -> BaseException | None:
    """``cause``, its frames and those of the exceptions chained to it cleared of their variables (the file's
    bytes, its unpacked parts): an outcome kept beside the others of its group holds none of its file. The
    cause keeps its type, message and lines."""
    error, chained = cause, set()
    while error is not None and id(error) not in chained:
        chained.add(id(error))
        traceback.clear_frames(error.__traceback__)
        error = error.__cause__ or error.__context__
    return cause


def _ingest_error(path: Path, rejected: _Rejected) -> IngestError:
    return IngestError(path, rejected.code, rejected.reason, rejected.hint)


def _finish(steps: Generator[None, None, _T]) -> _T:
    """The result of a reading done in steps, all taken at once."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def _reading(path: Path, limits: Limits) -> Generator[None, None, RawReturn]:
    """The reading of one file in steps: it pauses (yields) between them where the file is small."""
    data, file_mtime = _read_file(path, limits)
    steps, pausing = _inspecting(data, limits), len(data) < _PAUSING_BELOW
    container = (yield from steps) if pausing else _finish(steps)
    if pausing:
        yield
    markers = _read_markers(container.readable or data, container.errors, container.formulas)
    return RawReturn(path=path, sha256=hashlib.sha256(data).hexdigest(), file_format=container.file_format,
                     modified=container.modified, file_mtime=file_mtime, meta=markers.meta,
                     answers=markers.answers, notices=container.notices + markers.notices,
                     copies=markers.copies)


def refusal(data: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """Why :func:`read_return` will refuse a file of these bytes before reading it (a German sentence and
    what to do), "" when its guards let it pass: for telling early, not instead of reading."""
    try:
        if not data:
            raise _Rejected(Code.FILE_EMPTY)
        _inspect(data, limits)
    except _Rejected as rejected:
        return f"{rejected.reason} {rejected.hint}"
    return ""


def _read_file(path: Path, limits: Limits) -> tuple[bytes, datetime]:
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))  # a file object costs more than reading
        try:
            status = os.fstat(descriptor)
            data = b""
            if status.st_size <= limits.max_bytes:
                # the size it has, not the most it may have: a read of n bytes first allocates n bytes
                data = _read_up_to(descriptor, status.st_size + 1)
                if len(data) > status.st_size:  # it grew since: read on to the limit
                    data += _read_up_to(descriptor, limits.max_bytes + 1 - len(data))
        finally:
            os.close(descriptor)
    except OSError as error:
        raise _Rejected(Code.FILE_UNOPENABLE, text("remedy.check_present")) from error
    if status.st_size > limits.max_bytes or len(data) > limits.max_bytes:
        raise _Rejected(Code.FILE_TOO_LARGE, CONTENT_HINT, size=_size_text(limits.max_bytes))
    if not data:
        raise _Rejected(Code.FILE_EMPTY)
    return data, datetime.fromtimestamp(status.st_mtime, timezone.utc)


def _read_up_to(descriptor: int, size: int) -> bytes:
    """``size`` bytes, fewer only at the end of the file."""
    data = os.read(descriptor, size)
    while 0 < len(data) < size:
        more = os.read(descriptor, size - len(data))
        if not more:
            break
        data += more
    return data


def _inspect(data: bytes, limits: Limits) -> _Container:
    """Recognise the format by its magic bytes and run that format's guards."""
    return _finish(_inspecting(data, limits))


def _inspecting(data: bytes, limits: Limits) -> Generator[None, None, _Container]:
    """:func:`_inspect` in steps (a zip container's)."""
    if data.startswith(b"PK\x03\x04"):
        return (yield from _inspecting_zip(data, limits))
    if data.startswith(OLE2_MAGIC):
        return _inspect_compound_file(data, limits)
    if data[:4] in _OLD_EXCEL_STARTS:
        raise _Rejected(Code.FILE_OLD_EXCEL, text("remedy.save_as_xlsx"))
    raise _not_a_spreadsheet(_describe_foreign(data))


def spreadsheet_format(data: bytes) -> str | None:
    """"xlsx", "ods", "xls" or "encrypted" (an Office file saved with a password) when ``data`` looks like a
    spreadsheet by its first bytes and its table of contents, else None; nothing is unpacked, so a
    zip bomb costs no more than a workbook. Whether it can be read is :func:`read_return`'s to decide."""
    if data.startswith(b"PK\x03\x04"):
        if data[30:38] == b"mimetype" and data[38:38 + len(_ODS_MIMETYPE)] == _ODS_MIMETYPE:
            return "ods"
        try:
            names = {_part_name(name) for name in zipfile.ZipFile(io.BytesIO(data)).namelist()}
        except _ZIP_ERRORS:
            return None
        return "xlsx" if "xl/workbook.xml" in names else None
    if data.startswith(OLE2_MAGIC):
        try:
            streams = _CompoundFile(data).streams
        except _Rejected:
            return None
        if "EncryptionInfo" in streams:
            return "encrypted"
        return "xls" if any(name in streams for name in _WORKBOOK_STREAMS) else None
    return None


_OLD_EXCEL_STARTS = {bytes.fromhex(start) for start in ("09000400", "09020600", "09040600", "09080800", "09081000")}
"""The BOF record that opens a worksheet or workbook of Excel 2, 3 and 4 (BIFF2-4), or a BIFF5/8 stream
outside the OLE2 container calamine expects: record type and length."""


_FOREIGN_SIGNATURES = (
    (b"%PDF", "PDF"), (b"\x89PNG", "PNG-Bild"), (b"\xff\xd8\xff", "JPEG-Bild"), (b"GIF8", "GIF-Bild"),
    (b"{\\rtf", "RTF-Dokument"), (b"PK\x05\x06", "leeres ZIP-Archiv"), (b"Rar!", "RAR-Archiv"),
    (b"7z\xbc\xaf", "7-Zip-Archiv"), (b"\x1f\x8b", "gzip-Archiv"),
)
_TEXT_BYTES = bytes(range(0x20, 0x100)) + b"\t\r\n"


def _describe_foreign(data: bytes) -> str:
    for signature, label in _FOREIGN_SIGNATURES:
        if data.startswith(signature):
            return label
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "XML- oder HTML-Datei"
    if not head.translate(None, _TEXT_BYTES):
        return "Textdatei"
    return "unbekanntes Format"
