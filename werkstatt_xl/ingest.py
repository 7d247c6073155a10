"""Read one returned questionnaire: guard the raw file, then collect its answers and metadata.

A reader may abort the whole process on hostile input, and no ``except`` catches that: python-calamine
0.9.1 (calamine 0.37) dies on a 10 KB .xls whose DIMENSIONS record declares 2**31 rows, on an .xlsx
with one cell at XFD1048576 or a shared-string ``uniqueCount`` of 4e10, and loops forever on an .ods
table without its end tag. So every guard runs on the raw bytes first, mirrors what calamine will
allocate, and refuses anything beyond the ``Limits``; only then does calamine read the values.

Values are kept as calamine returns them: an empty cell becomes ``None``; numbers may come
back as ``float`` even when integral (xlsx, ods) or as ``int`` (xls), and a LibreOffice
boolean in an .ods as ``1.0``. Validation, not reading, decides what a value means.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import sys
import threading
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from .anchors import ANSWER_MARKER, META_PREFIX, parse_marker
from .errors import IngestError
from .files import OLE2_MAGIC
from .messages import Code, text
from .xlsx import cell_name

RESEND_HINT = text("remedy.resend_xlsx")
PASSWORD_HINT = text("remedy.resend_without_password")
CONTENT_HINT = text("remedy.check_outside_cells")
PASSWORD_REASON = text(Code.FILE_PASSWORD)
MACRO_NOTICE = text(Code.FILE_MACROS)
XLS_NOTICE = text(Code.FILE_XLS)

IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class CellValue:
    """One answer and where it was found."""

    value: object
    """As calamine returns it (str, int, float, bool, date, datetime, time, timedelta); empty -> None."""
    sheet: str
    cell: str
    """A1 address of the answer cell, the one left of the marker."""


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


@dataclass(frozen=True)
class Limits:
    """What a returned file may cost to read; anything beyond is refused before parsing."""

    max_bytes: int = 20 * 2**20
    """Size of the file itself."""
    max_unpacked: int = 100 * 2**20
    """Total of all zip entries after decompression."""
    max_ratio: int = 200
    """Largest compression ratio of an entry that unpacks to more than ``ratio_min_bytes``."""
    ratio_min_bytes: int = 2**20
    """Smaller entries are never judged by their ratio."""
    max_entries: int = 10_000
    """Number of entries in a zip container."""
    max_rows: int = 5000
    """No cell with content may lie below this row ..."""
    max_cols: int = 200
    """... or right of this column."""
    max_cells: int = 2_000_000
    """Sum over all sheets of the area spanned by cells with content (the reader allocates it densely)."""


DEFAULT_LIMITS = Limits()


def is_ignored(path: Path) -> bool:
    """True for what is no return: directories, hidden files, Office (``~$…``) and LibreOffice
    (``.~lock.…#``) lock files, and system files such as Thumbs.db."""
    name = path.name
    return name in IGNORED_NAMES or name.startswith(("~$", ".")) or path.is_dir()


def read_return(path: Path, limits: Limits = DEFAULT_LIMITS) -> RawReturn:
    """Read one returned file; raise ``IngestError`` for anything that cannot or must not be read."""
    try:
        data, file_mtime = _read_file(path, limits)
        container = _inspect(data, limits)
        markers = _read_markers(data)
    except _Rejected as rejected:
        raise IngestError(path, rejected.code, rejected.reason, rejected.hint) from rejected.__cause__
    return RawReturn(path=path, sha256=hashlib.sha256(data).hexdigest(), file_format=container.file_format,
                     modified=container.modified, file_mtime=file_mtime, meta=markers.meta,
                     answers=markers.answers, notices=container.notices + markers.notices)


class _Rejected(Exception):
    """Internal: why a file is refused, before the path is attached."""

    def __init__(self, code: Code, hint: str = RESEND_HINT, **values: object):
        self.code, self.reason, self.hint = code, text(code, **values), hint
        super().__init__(self.reason)


@dataclass
class _Container:
    """What the guards learned about the file."""

    file_format: str
    modified: datetime | None
    notices: list[str]


def _read_file(path: Path, limits: Limits) -> tuple[bytes, datetime]:
    try:
        with path.open("rb") as handle:
            status = os.fstat(handle.fileno())
            data = handle.read(limits.max_bytes + 1) if status.st_size <= limits.max_bytes else b""
    except OSError as error:
        raise _Rejected(Code.FILE_UNOPENABLE, text("remedy.check_present")) from error
    if status.st_size > limits.max_bytes or len(data) > limits.max_bytes:
        raise _Rejected(Code.FILE_TOO_LARGE, CONTENT_HINT, size=_size_text(limits.max_bytes))
    if not data:
        raise _Rejected(Code.FILE_EMPTY)
    return data, datetime.fromtimestamp(status.st_mtime, timezone.utc)


def _size_text(size: int) -> str:
    return f"{size // 2**20} MB" if size >= 2**20 else f"{max(1, size // 1024)} KB"


def _inspect(data: bytes, limits: Limits) -> _Container:
    """Recognise the format by its magic bytes and run that format's guards."""
    if data.startswith(b"PK\x03\x04"):
        return _inspect_zip(data, limits)
    if data.startswith(OLE2_MAGIC):
        return _inspect_compound_file(data, limits)
    raise _not_a_spreadsheet(_describe_foreign(data))


def _not_a_spreadsheet(label: str) -> _Rejected:
    return _Rejected(Code.FILE_NOT_A_SPREADSHEET, label=label)


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


# --- zip containers: xlsx, xlsm, ods ---------------------------------------------------------

_ZIP_ERRORS = (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError, struct.error)
"""What zipfile may raise on a damaged central directory."""
_UNPACK_CHUNK = 256 * 1024
_XML_SUFFIXES = (".xml", ".rels")
_DTD_MARKUP = tuple(word.encode(encoding) for word in ("<!DOCTYPE", "<!ENTITY")
                    for encoding in ("utf-16-le", "utf-16-be"))
_ODF_MANIFEST = "META-INF/manifest.xml"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _inspect_zip(data: bytes, limits: Limits) -> _Container:
    try:
        entries = [info for info in zipfile.ZipFile(io.BytesIO(data)).infolist()
                   if not info.filename.endswith("/")]  # directories
    except _ZIP_ERRORS as error:
        raise _Rejected(Code.FILE_DAMAGED) from error
    _check_entry_table(entries, limits)
    manifest = next((info for info in entries if info.filename == _ODF_MANIFEST), None)
    if manifest and b"encryption-data" in _unpack_entry(data, manifest, limits, limits.max_unpacked):
        raise _Rejected(Code.FILE_PASSWORD, PASSWORD_HINT)
    parts = _unpack_all(data, entries, limits)
    if "[Content_Types].xml" in parts and "xl/workbook.xml" in parts:
        return _inspect_ooxml(parts, limits)
    if parts.get("mimetype", b"").startswith(_ODS_MIMETYPE):
        return _inspect_ods(parts, limits)
    raise _not_a_spreadsheet(_describe_package(parts))


def _check_entry_table(entries: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse what the central directory already gives away, before decompressing anything."""
    if len(entries) > limits.max_entries:
        raise _Rejected(Code.FILE_TOO_MANY_PARTS, count=len(entries))
    if any(info.flag_bits & 0x1 for info in entries):
        raise _Rejected(Code.FILE_PASSWORD, PASSWORD_HINT)
    if len({info.filename for info in entries}) != len(entries):
        raise _Rejected(Code.FILE_DAMAGED)
    if any(info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for info in entries):
        raise _Rejected(Code.FILE_UNUSUAL_COMPRESSION)
    if sum(info.file_size for info in entries) > limits.max_unpacked:
        raise _too_large_unpacked(limits)


def _too_large_unpacked(limits: Limits) -> _Rejected:
    return _Rejected(Code.FILE_UNPACKED_TOO_LARGE, size=_size_text(limits.max_unpacked))


def _unpack_all(data: bytes, entries: list[zipfile.ZipInfo], limits: Limits) -> dict[str, bytes]:
    """Every entry decompressed under a running cap; XML parts must not declare a DTD."""
    parts: dict[str, bytes] = {}
    unpacked = 0
    for info in entries:
        content = parts[info.filename] = _unpack_entry(data, info, limits, limits.max_unpacked - unpacked)
        unpacked += len(content)
        if info.filename.endswith(_XML_SUFFIXES):
            _refuse_dtd(content)
    return parts


def _refuse_dtd(xml: bytes) -> None:
    """Refuse ``<!DOCTYPE`` and ``<!ENTITY`` (entity bombs, external entities), in UTF-8 or UTF-16."""
    if b"\0" in xml[:4]:
        declares = any(markup in xml for markup in _DTD_MARKUP)
    else:
        declares = b"<!" in xml and (b"<!DOCTYPE" in xml or b"<!ENTITY" in xml)
    if declares:
        raise _Rejected(Code.FILE_XML_DEFINITIONS)


def _unpack_entry(data: bytes, info: zipfile.ZipInfo, limits: Limits, allowance: int) -> bytes:
    """Decompress one entry in chunks to the real end of its data, whatever size it declares,
    stopping as soon as a cap is crossed; then size and CRC must match the declaration."""
    try:
        name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    except struct.error as error:
        raise _Rejected(Code.FILE_DAMAGED) from error
    start = info.header_offset + 30 + name_length + extra_length
    raw = data[start:start + info.compress_size]
    if data[info.header_offset:info.header_offset + 4] != b"PK\x03\x04" or len(raw) != info.compress_size:
        raise _Rejected(Code.FILE_DAMAGED)
    chunks = [raw] if info.compress_type == zipfile.ZIP_STORED else _inflate(raw, limits, allowance)
    content = b"".join(chunks)
    if len(content) > allowance:
        raise _too_large_unpacked(limits)
    if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
        raise _Rejected(Code.FILE_DAMAGED)
    return content


def _inflate(raw: bytes, limits: Limits, allowance: int) -> list[bytes]:
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    chunks, size, pending = [], 0, raw
    try:
        while not decompressor.eof:
            chunk = decompressor.decompress(pending, _UNPACK_CHUNK)
            pending = decompressor.unconsumed_tail
            if not chunk and not pending:
                break
            size += len(chunk)
            if size > allowance:
                raise _too_large_unpacked(limits)
            if size > limits.ratio_min_bytes and size > limits.max_ratio * len(raw):
                raise _Rejected(Code.FILE_ZIP_BOMB)
            chunks.append(chunk)
    except zlib.error as error:
        raise _Rejected(Code.FILE_DAMAGED) from error
    if not decompressor.eof:
        raise _Rejected(Code.FILE_DAMAGED)
    return chunks


def _describe_package(parts: dict[str, bytes]) -> str:
    if "word/document.xml" in parts:
        return "Word-Dokument"
    if "ppt/presentation.xml" in parts:
        return "PowerPoint-Präsentation"
    if "xl/workbook.bin" in parts:
        return "Excel-Binärformat .xlsb, das nicht unterstützt wird"
    if parts.get("mimetype", b"").startswith(b"application/vnd.oasis.opendocument"):
        return "anderes OpenDocument-Dokument"
    return "ZIP-Archiv"


def _inspect_ooxml(parts: dict[str, bytes], limits: Limits) -> _Container:
    _check_extents([_ooxml_sheet_extent(xml) for xml in parts.values() if b"sheetData" in xml], limits)
    for xml in parts.values():
        if b"sst" in xml:
            _check_shared_strings(xml)
    macros = b"macroEnabled" in parts["[Content_Types].xml"] or "xl/vbaProject.bin" in parts
    modified = _document_time(parts.get("docProps/core.xml"), "{http://purl.org/dc/terms/}modified")
    return _Container("xlsm" if macros else "xlsx", modified, [(Code.FILE_MACROS, MACRO_NOTICE)] if macros else [])


def _inspect_ods(parts: dict[str, bytes], limits: Limits) -> _Container:
    if "content.xml" not in parts:
        raise _Rejected(Code.FILE_DAMAGED)
    _check_extents(_ods_table_extents(parts["content.xml"]), limits)
    macros = any(name.startswith(("Basic/", "Scripts/")) for name in parts)
    modified = _document_time(parts.get("meta.xml"), "{http://purl.org/dc/elements/1.1/}date")
    return _Container("ods", modified, [(Code.FILE_MACROS, MACRO_NOTICE)] if macros else [])


def _document_time(xml: bytes | None, tag: str) -> datetime | None:
    """The timestamp in element ``tag`` of a properties part, parsed with defusedxml, in UTC."""
    if xml is None:
        return None
    try:
        element = SafeElementTree.fromstring(xml).find(f".//{tag}")
        stamp = datetime.fromisoformat(element.text.strip()) if element is not None and element.text else None
    except (SafeElementTree.ParseError, DefusedXmlException, LookupError, ValueError):
        return None
    if stamp is None:
        return None
    return stamp.replace(tzinfo=timezone.utc) if stamp.tzinfo is None else stamp.astimezone(timezone.utc)


# --- used ranges --------------------------------------------------------------------------------

class _Extent:
    """The rectangle (1-based, inclusive) spanned by the cells with content of one sheet."""

    def __init__(self) -> None:
        self.bounds: tuple[int, int, int, int] | None = None  # first row, first column, last row, last column

    def include(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        if self.bounds is not None:
            top, left, bottom, right = self.bounds
            first_row, first_col = min(top, first_row), min(left, first_col)
            last_row, last_col = max(bottom, last_row), max(right, last_col)
        self.bounds = (first_row, first_col, last_row, last_col)

    @property
    def area(self) -> int:
        if self.bounds is None:
            return 0
        top, left, bottom, right = self.bounds
        return (bottom - top + 1) * (right - left + 1)


def _check_extents(extents: list[_Extent], limits: Limits) -> None:
    for extent in extents:
        _, _, last_row, last_col = extent.bounds or (0, 0, 0, 0)
        if last_row > limits.max_rows or last_col > limits.max_cols:
            corner = cell_name(last_row - 1, last_col - 1)
            raise _Rejected(Code.FILE_RANGE_TOO_LARGE, CONTENT_HINT, corner=corner)
    cells = sum(extent.area for extent in extents)
    if cells > limits.max_cells:
        raise _Rejected(Code.FILE_TOO_MANY_CELLS, CONTENT_HINT, count=cells)


# Tags are read with regular expressions, which is fast and, on well-formed XML without comments,
# CDATA and processing instructions, sound.

_ATTRIBUTE_TEXT = rb"(?:[^>\"'/]++|\"[^\"]*+\"|'[^']*+'|/(?!>))*+"
"""The attributes of a tag: possessive, so hostile input cannot make the matcher backtrack; a
quoted value may contain '>'."""
_ATTRIBUTE = re.compile(rb"([\w.:-]+)\s*=\s*(\"[^\"]*|'[^']*)[\"']")
_MARKUP_NOISE = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.S)
"""Comments, CDATA and processing instructions: text to an XML reader, so tags in them must not count."""
_RUST_COUNT = re.compile(rb"\+?\d+")
"""A number as Rust's integer parsing accepts it; anything else (an entity, say) marks a damaged file."""


def _require_well_formed(xml: bytes) -> None:
    """Well-formed XML keeps the regular expressions sound; calamine's ods reader, moreover,
    loops forever on a table whose end tag is missing."""
    _refuse_dtd(xml)  # also for a part not named .xml: expat would expand internal entities
    try:
        expat.ParserCreate().Parse(xml, True)
    except (expat.ExpatError, LookupError) as error:  # LookupError: an encoding Python does not know
        raise _Rejected(Code.FILE_DAMAGED) from error


def _attribute(attributes: bytes, name: bytes) -> bytes | None:
    """The value of attribute ``name`` in a tag's attribute text, None when absent."""
    if name not in attributes:
        return None
    return next((value[1:] for key, value in _ATTRIBUTE.findall(attributes) if key == name), None)


_CELL_TAG = re.compile(rb"<(?:[\w.-]++:)?c(?=[\s/>])(?:\s++r\s*=\s*[\"']([A-Za-z]+)(\d+)[\"'])?"
                       + _ATTRIBUTE_TEXT + rb"(/?)>")
"""(column letters, row digits) of a valid leading ``r`` attribute, else empty; empty-element slash."""
_OOXML_TAG = re.compile(rb"<(/?)(?:[\w.-]++:)?(row|c)(?=[\s/>])\s*+(?:r\s*=\s*([\"'][^\"']*+)[\"'])?("
                        + _ATTRIBUTE_TEXT + rb")(/?)>")
"""(closing slash, tag, quote + value of a leading ``r`` attribute, other attributes, empty-element slash).

The quote tells ``r=""`` from an absent (or not leading) ``r``."""
_CELL_REF = re.compile(rb"([A-Za-z]+)(\d+)")


def _ooxml_sheet_extent(xml: bytes) -> _Extent:
    """Where calamine will place the cells of a worksheet part, judged on cells with a child element.

    Positions follow calamine: an ``r`` attribute wins, otherwise the cell follows the previous
    one. An empty element (``<c r="XFD9"/>``) holds nothing, but it may or may not move the
    implicit position depending on the reader version, so the larger outcome is assumed. Every
    common writer puts ``r`` first in each cell, which allows a fast path.
    """
    _require_well_formed(xml)
    xml = _MARKUP_NOISE.sub(b"", xml)
    cells = _CELL_TAG.findall(xml)
    if all(letters for letters, _, _ in cells):
        return _extent_of_cells([(letters, digits) for letters, digits, empty in cells if not empty])
    tags = [(closing, tag, leading[1:] if leading else _attribute(rest, b"r"), empty)
            for closing, tag, leading, rest, empty in _OOXML_TAG.findall(xml)]
    extent = _Extent()
    row = col = 1  # where the next row and the next cell without ``r`` go
    for closing, tag, ref, empty in tags:
        if tag == b"row":
            if closing:
                row, col = row + 1, 1
            elif empty:
                row = max(row, _row_number(ref) + 1) if ref is not None else row + 1
            elif ref is not None:
                row = _row_number(ref)
        elif not closing:
            cell_row, cell_col = _cell_position(ref) if ref is not None else (row, col)
            if empty:
                col = max(col, cell_col + 1) if ref is not None else col + 1
            else:
                extent.include(cell_row, cell_col, cell_row, cell_col)
                col = cell_col + 1
    return extent


def _extent_of_cells(cells: list[tuple[bytes, bytes]]) -> _Extent:
    """The extent of cells given as (column letters, row digits)."""
    extent = _Extent()
    if cells:
        rows = [int(digits) for _, digits in cells]
        cols = [_column_number(letters) for letters in {letters for letters, _ in cells}]
        extent.include(min(rows), min(cols), max(rows), max(cols))
    return extent


def _cell_position(ref: bytes) -> tuple[int, int]:
    """(row, column), both 1-based, of an A1 reference; anything else marks a damaged file."""
    match = _CELL_REF.fullmatch(ref)
    if match is None:
        raise _Rejected(Code.FILE_DAMAGED)
    return int(match[2]), _column_number(match[1])


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _row_number(text: bytes) -> int:
    if not text.isdigit():
        raise _Rejected(Code.FILE_DAMAGED)
    return int(text)


_SST_TAG = re.compile(rb"<(?:[\w.-]++:)?sst(?=[\s/>])(" + _ATTRIBUTE_TEXT + rb")/?>")


def _check_shared_strings(xml: bytes) -> None:
    """calamine reserves ``uniqueCount`` strings up front: the count must fit the part, as each
    string takes at least five bytes (``<si/>``)."""
    tag = _SST_TAG.search(xml)
    count = _attribute(tag[1], b"uniqueCount") if tag else None
    if count is not None and not (_RUST_COUNT.fullmatch(count) and int(count) <= len(xml) // 5):
        raise _Rejected(Code.FILE_DAMAGED)


_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])("
                      + _ATTRIBUTE_TEXT + rb")(/?)>")
_ODS_VALUE_ATTRIBUTE = re.compile(rb"(?:office:[\w-]*value[\w-]*|table:formula)\s*=")


def _ods_table_extents(xml: bytes) -> list[_Extent]:
    """The extent of each table in content.xml, counting repeated rows and cells like calamine.

    A cell counts as content when it carries a value or formula attribute; LibreOffice's long runs
    of repeated empty cells and rows therefore cost nothing.
    """
    _require_well_formed(xml)
    extents: list[_Extent] = []
    depth = 0
    row = col = row_first = row_span = 1
    for closing, tag, attributes, empty in _ODS_TAG.findall(_MARKUP_NOISE.sub(b"", xml)):
        if tag == b"table":
            if not empty:
                depth += -1 if closing else 1
                if depth == 1 and not closing:
                    extents.append(_Extent())
                    row = 1
        elif closing or not extents:
            continue
        elif tag == b"table-row":
            row_first, row_span, col = row, _ods_repeat(attributes, b"table:number-rows-repeated"), 1
            row += row_span
        else:
            span = _ods_repeat(attributes, b"table:number-columns-repeated")
            if _ODS_VALUE_ATTRIBUTE.search(attributes):
                extents[-1].include(row_first, col, row_first + row_span - 1, col + span - 1)
            col += span
    return extents


def _ods_repeat(attributes: bytes, name: bytes) -> int:
    """The repeat count attribute ``name``, 1 when absent."""
    value = _attribute(attributes, name) or b"1"
    if not _RUST_COUNT.fullmatch(value):
        raise _Rejected(Code.FILE_DAMAGED)
    return int(value)


# --- OLE2 compound files: .xls and password-protected OOXML ------------------------------------

_ENDOFCHAIN = 0xFFFFFFFE
_FIRST_SPECIAL_SECTOR = 0xFFFFFFFA
_DIFAT_SECTOR = 0xFFFFFFFC
_MINI_SECTOR = 64
_MINI_STREAM_CUTOFF = 4096


def _inspect_compound_file(data: bytes, limits: Limits) -> _Container:
    compound = _CompoundFile(data)
    if "EncryptionInfo" in compound.streams:
        raise _Rejected(Code.FILE_PASSWORD, PASSWORD_HINT)
    name = next((name for name in ("Workbook", "Book") if name in compound.streams), None)
    if name is None:
        raise _not_a_spreadsheet(_describe_compound_file(compound.streams))
    _check_extents(_biff_sheet_extents(compound.read(name)), limits)
    return _Container("xls", None, [(Code.FILE_XLS, XLS_NOTICE)])


def _describe_compound_file(streams: dict) -> str:
    if "WordDocument" in streams:
        return "Word-Dokument (.doc)"
    if "PowerPoint Document" in streams:
        return "PowerPoint-Präsentation (.ppt)"
    return "anderes Office-Dokument"


def _damaged_unless(condition: bool) -> None:
    if not condition:
        raise _Rejected(Code.FILE_DAMAGED)


class _CompoundFile:
    """A strict reader of the OLE2 structures calamine follows.

    calamine allocates by sector numbers and declared lengths before checking them, and follows
    sector chains without a cycle check; so every sector number used must lie inside the file,
    every chain must end, and every declared length must fit the file.
    """

    def __init__(self, data: bytes):
        _damaged_unless(len(data) >= 512)
        sector_shift, mini_shift = struct.unpack_from("<HH", data, 30)
        _damaged_unless(sector_shift in (9, 12) and mini_shift == 6)
        self._data = data
        self._size = 1 << sector_shift
        self._count = -(-(len(data) - self._size) // self._size)  # sectors after the header sector
        (directory_sectors, fat_sectors, directory_start, _, _, mini_fat_start, mini_fat_sectors,
         difat_start) = struct.unpack_from("<8I", data, 40)
        # calamine reserves memory by a header word that mixes position and length of the mini FAT.
        _damaged_unless(max(directory_sectors, fat_sectors) <= self._count and mini_fat_sectors <= 1024)
        self._fat = self._read_fat(difat_start)
        self.streams: dict[str, tuple[int, int]] = {}
        directory = self._chain(directory_start)
        _damaged_unless(len(directory) % 128 == 0)
        for offset in range(0, len(directory), 128):
            entry = directory[offset:offset + 128]
            name = entry[:64].decode("utf-16-le", "replace").split("\0", 1)[0]
            start, = struct.unpack_from("<I", entry, 116)
            length, = struct.unpack_from("<I" if self._size == 512 else "<Q", entry, 120)
            self.streams.setdefault(name, (start, length))
        _damaged_unless(bool(self.streams))
        self._mini_stream = self._mini_fat = b""
        if mini_fat_sectors:
            root_start, root_length = next(iter(self.streams.values()))
            _damaged_unless(root_length <= len(data))
            self._mini_stream = self._chain(root_start)[:root_length]
            self._mini_fat = self._chain(mini_fat_start)

    def read(self, name: str) -> bytes:
        start, length = self.streams[name]
        _damaged_unless(length <= len(self._data))
        if length < _MINI_STREAM_CUTOFF:
            return self._chain(start, self._mini_fat, self._mini_stream, _MINI_SECTOR)[:length]
        return self._chain(start)[:length]

    def _sector(self, number: int) -> bytes:
        _damaged_unless(number < self._count)
        return self._data[(number + 1) * self._size:(number + 2) * self._size]

    def _read_fat(self, difat_start: int) -> bytes:
        """The FAT as raw little-endian words, found through the header's and the chained DIFAT."""
        difat = list(struct.unpack_from("<109I", self._data, 76))
        seen = set()
        sector = difat_start
        while sector < _FIRST_SPECIAL_SECTOR:
            _damaged_unless(sector not in seen)
            seen.add(sector)
            words = self._sector(sector)
            difat.extend(struct.unpack(f"<{len(words) // 4}I", words[:len(words) // 4 * 4]))
            sector = difat.pop()
        return b"".join(self._sector(sector) for sector in difat if sector < _DIFAT_SECTOR)

    def _chain(self, start: int, fat: bytes | None = None, pool: bytes | None = None,
               size: int | None = None) -> bytes:
        """The bytes of a sector chain; by default of regular sectors, else of ``pool`` in ``size`` steps."""
        fat = self._fat if fat is None else fat
        size = size or self._size
        count = self._count if pool is None else -(-len(pool) // size)
        parts, seen, sector = [], set(), start
        while sector != _ENDOFCHAIN:
            _damaged_unless(sector < count and sector * 4 + 4 <= len(fat) and sector not in seen)
            seen.add(sector)
            parts.append(self._sector(sector) if pool is None else pool[sector * size:(sector + 1) * size])
            sector, = struct.unpack_from("<I", fat, sector * 4)
        return b"".join(parts)


_BIFF_EOF = 0x000A
_BIFF_FILEPASS = 0x002F
_BIFF_BOUNDSHEET = 0x0085
_BIFF_SST = 0x00FC
_BIFF_DIMENSIONS = 0x0200
_BIFF_MULRK = 0x00BD
_BIFF_CELLS = {0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E}
"""Cell records calamine turns into values: FORMULA, RSTRING, LABELSST, NUMBER, LABEL, BOOLERR, RK."""
_XLS_GRID = (65536, 256)


def _biff_sheet_extents(stream: bytes) -> list[_Extent]:
    """One extent per sheet entry of the workbook stream, as calamine parses them all on opening.

    Several sheet entries may point at the same sheet data; each is counted, as calamine
    builds each. Also refuses an encrypted stream and declared sizes calamine would reserve.
    """
    positions = []
    for kind, body in _biff_records(stream, 0):
        if kind == _BIFF_FILEPASS and body[:2] != b"\0\0":
            raise _Rejected(Code.FILE_PASSWORD, PASSWORD_HINT)
        if kind == _BIFF_BOUNDSHEET and len(body) >= 4:
            positions.append(struct.unpack_from("<I", body)[0])
        if kind == _BIFF_SST and len(body) >= 8:
            strings, = struct.unpack_from("<i", body, 4)
            _damaged_unless(0 <= strings <= len(stream) // 3)  # each string takes at least three bytes
    extents = {position: _biff_sheet_extent(stream, position) for position in set(positions)}
    return [extents[position] for position in positions]


def _biff_sheet_extent(stream: bytes, offset: int) -> _Extent:
    _damaged_unless(offset <= len(stream))
    extent = _Extent()
    for kind, body in _biff_records(stream, offset):
        if kind == _BIFF_DIMENSIONS:
            _check_biff_dimensions(body)
        elif kind in _BIFF_CELLS and len(body) >= 4:
            row, col = struct.unpack_from("<HH", body)
            extent.include(row + 1, col + 1, row + 1, col + 1)
        elif kind == _BIFF_MULRK and len(body) >= 6:
            row, first_col = struct.unpack_from("<HH", body)
            last_col = max(struct.unpack_from("<H", body, len(body) - 2)[0], first_col + (len(body) - 6) // 6 - 1)
            extent.include(row + 1, first_col + 1, row + 1, last_col + 1)
    return extent


def _check_biff_dimensions(body: bytes) -> None:
    """calamine reserves rows x columns of a DIMENSIONS record: it must describe part of the .xls grid."""
    layout = {14: "<IIHH", 10: "<HHHH"}.get(len(body))
    if layout is None:
        return
    first_row, end_row, first_col, end_col = struct.unpack_from(layout, body)
    if end_row and end_col:
        _damaged_unless(0 < end_row - first_row <= _XLS_GRID[0] and 0 < end_col - first_col <= _XLS_GRID[1])


def _biff_records(stream: bytes, offset: int):
    """(record type, body) from ``offset`` up to and including the next EOF record."""
    while offset + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, offset)
        body = stream[offset + 4:offset + 4 + length]
        _damaged_unless(len(body) == length)
        yield kind, body
        if kind == _BIFF_EOF:
            return
        offset += 4 + length


# --- answers and metadata -------------------------------------------------------------------

@dataclass
class _Markers:
    meta: dict[str, str]
    answers: dict[str, CellValue]
    notices: list[tuple[Code, str]]


def _notice(code: Code, **values: object) -> tuple[Code, str]:
    return code, text(code, **values)


def _read_markers(data: bytes) -> _Markers:
    """Scan every worksheet, hidden ones included, for answer and metadata markers."""
    markers = _Markers({}, {}, [])
    try:
        with _quiet_stderr(), CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            for sheet_info in workbook.sheets_metadata:
                if sheet_info.typ == SheetTypeEnum.WorkSheet:
                    sheet = workbook.get_sheet_by_name(sheet_info.name)
                    _collect(markers, sheet.name, sheet.start or (0, 0), sheet.to_python())
    except CalamineError as error:
        raise _Rejected(Code.FILE_UNREADABLE_TABLE) from error
    except BaseException as error:  # a Rust panic surfaces as pyo3's PanicException, a BaseException
        if type(error).__name__ != "PanicException":
            raise
        raise _Rejected(Code.FILE_UNREADABLE_TABLE) from error
    return markers


_STDERR_LOCK = threading.Lock()
"""Held while descriptor 2 is redirected, so that threads reading at once restore it in turn."""


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Point file descriptor 2 at the null device for the block.

    On a damaged file calamine's Rust panic hook writes "thread '<unnamed>' panicked at ..." (and a
    backtrace under RUST_BACKTRACE) straight to descriptor 2 before the panic reaches Python as an
    exception; the person merging should see only the entry on the sheet "Prüfung".
    """
    with _STDERR_LOCK:
        if sys.stderr is not None:
            sys.stderr.flush()  # what Python wrote before still reaches the terminal
        try:
            saved = os.dup(2)
        except OSError:  # no descriptor 2: nothing to silence
            yield
            return
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 2)
            os.close(null)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


_MARKER_STEM = os.path.commonprefix([ANSWER_MARKER, META_PREFIX])
"""What every marker starts with: a cheap test before ``parse_marker``."""


def _collect(markers: _Markers, sheet: str, origin: tuple[int, int], rows: list[list]) -> None:
    top, left = origin
    for row_offset, row in enumerate(rows):
        for col_offset, cell in enumerate(row):
            marker = parse_marker(cell) if type(cell) is str and cell.startswith(_MARKER_STEM) else None
            if marker is None:
                continue
            kind, name = marker
            if kind == "meta":
                value = row[col_offset + 1] if col_offset + 1 < len(row) else None
                _add_meta(markers, name, value)
            else:
                value = row[col_offset - 1] if col_offset else None
                _add_answer(markers, name, sheet, top + row_offset, left + col_offset - 1, value)


def _add_answer(markers: _Markers, name: str, sheet: str, row: int, col: int, value: object) -> None:
    first = markers.answers.get(name)
    if col < 0:
        markers.notices.append(_notice(Code.MARKER_IN_FIRST_COLUMN, name=name, sheet=sheet))
    elif first is not None:
        markers.notices.append(_notice(Code.MARKER_TWICE, name=name, cell=f"{first.sheet}!{first.cell}"))
    else:
        markers.answers[name] = CellValue(None if value == "" else value, sheet, cell_name(row, col))


def _add_meta(markers: _Markers, key: str, value: object) -> None:
    """Metadata are text; a number LibreOffice turned from "3" into 3.0 reads as "3" again."""
    if key in markers.meta:
        markers.notices.append(_notice(Code.META_TWICE, key=key))
        return
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    markers.meta[key] = "" if value is None else str(value).strip()
