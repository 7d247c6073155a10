"""What every guard shares: the limits, the internal rejection, used ranges and XML helpers."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from xml.etree import ElementTree
from xml.parsers import expat

from ..anchors import column_letter
from ..messages import Code, text

RESEND_HINT = text("remedy.resend_xlsx")
PASSWORD_HINT = text("remedy.resend_without_password")
CONTENT_HINT = text("remedy.check_outside_cells")
PASSWORD_REASON = text(Code.FILE_PASSWORD)
MACRO_NOTICE = text(Code.FILE_MACROS)
XLS_NOTICE = text(Code.FILE_XLS)


@dataclass(frozen=True)
class Limits:
    """What a returned file may cost to read; anything beyond is refused before parsing."""

    max_bytes: int = 20 * 2**20
    """Size of the file itself."""
    max_unpacked: int = 100 * 2**20
    """Total of all zip entries after decompression."""
    max_ratio: int = 100
    """Largest compression ratio of an entry, and of the whole file, that unpacks to more than
    ``ratio_min_bytes``. The most compressible real worksheets reach about 46 (LibreOffice's rows
    formatted down to the sheet's end); 100 keeps a file of a return's size (10 KB) to 1 MB of XML,
    which bounds what the guards cost for it."""
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
    notices: list[tuple[Code, str]]
    errors: dict[int, Mapping[tuple[int, int], str]] = field(default_factory=dict)
    """Error values (``#REF!``) by sheet, in calamine's order of sheets, and by 0-based (row, column):
    calamine reads them as empty cells."""
    formulas: dict[int, Mapping[tuple[int, int], str]] = field(default_factory=dict)
    """Formula cells, keyed like ``errors``, with the formula as the file writes it (without ``=``; empty
    for a shared formula): calamine reads their cached value, or an empty cell when there is none."""
    readable: bytes | None = None
    """What calamine reads instead of the file: a zip container's parts as the guards checked them, unpacked
    (see :mod:`.zip`), tidied where calamine would misread them (see :mod:`.ods`)."""


def _size_text(size: int) -> str:
    return f"{size // 2**20} MB" if size >= 2**20 else f"{max(1, size // 1024)} KB"


def _not_a_spreadsheet(label: str) -> _Rejected:
    return _Rejected(Code.FILE_NOT_A_SPREADSHEET, label=label)


def _german_number(number: int) -> str:
    """1048576 -> "1.048.576"."""
    return f"{number:,}".replace(",", ".")


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _part_name(name: str) -> str:
    """A zip entry's name as calamine looks parts up: ASCII letters in any case, backslashes as slashes."""
    name = name.replace("\\", "/")
    return name.lower() if name.isascii() else name.translate(_ASCII_LOWER)


_ERROR_TEXT_LENGTH = 40
"""An error value is a short word (``#DIV/0!``, ``Err:502``); longer text is cut."""


def _error_text(text: str) -> str:
    return text.strip()[:_ERROR_TEXT_LENGTH]


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


_XLSX_COLUMNS = 16384
"""Columns of an Excel sheet (A to XFD); a column beyond has no letters a person could look up."""


def _extent_problem(extents: list[_Extent], limits: Limits) -> _Rejected | None:
    """Why the used ranges are refused, None when they fit the limits."""
    for extent in extents:
        _, _, last_row, last_col = extent.bounds or (0, 0, 0, 0)
        if last_row > limits.max_rows or last_col > limits.max_cols:
            column = column_letter(last_col - 1) if last_col <= _XLSX_COLUMNS else _german_number(last_col)
            return _Rejected(Code.FILE_RANGE_TOO_LARGE, CONTENT_HINT, row=_german_number(last_row), column=column)
    cells = sum(extent.area for extent in extents)
    if cells > limits.max_cells:
        return _Rejected(Code.FILE_TOO_MANY_CELLS, CONTENT_HINT, count=_german_number(cells))
    return None


def _check_extents(extents: list[_Extent], limits: Limits) -> None:
    problem = _extent_problem(extents, limits)
    if problem is not None:
        try:
            raise problem
        finally:  # this frame, in the exception's traceback, would hold it: a cycle no one frees while merge
            del problem  # pauses the cycle collector, and with it the file's bytes and parts


# --- XML parts ----------------------------------------------------------------------------------

# Tags are read with regular expressions, which is fast and, on well-formed XML without comments,
# CDATA and processing instructions, sound; and linear: in well-formed XML no tag holds a '<', so no
# match attempt reads past the next tag.

_ATTRIBUTE_TEXT = rb"(?:[^>\"'/]++|\"[^\"]*+\"|'[^']*+'|/(?!>))*+"
"""The attributes of a tag: possessive, so hostile input cannot make the matcher backtrack; a
quoted value may contain '>'."""
_ATTRIBUTE = re.compile(rb"(?<![\w.:-])([\w.:-]++)\s*+=\s*+(\"[^\"]*+|'[^']*+)[\"']")
"""One attribute; a match starts only where a name starts, so a long value is not read once per letter."""
_MARKUP_NOISE = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.S)
"""Comments, CDATA and processing instructions: text to an XML reader, so tags in them must not count."""


_XML_DECLARATION = re.compile(rb"<\?xml[ \t\r\n]")


def _without_noise(xml: bytes) -> bytes:
    """``xml`` without :data:`_MARKUP_NOISE`. Most parts have none but their XML declaration, which
    searching for a single byte ('!', '?') tells fastest. Another processing instruction first is noise
    like any other: its quotes and '<' belong to no tag."""
    after_declaration = xml.find(b"?>") + 2 if _XML_DECLARATION.match(xml) else 0
    comments = b"!" in xml and b"<!" in xml
    instructions = xml.find(b"?", after_declaration) != -1 and xml.find(b"<?", after_declaration) != -1
    return _MARKUP_NOISE.sub(b"", xml) if comments or instructions else xml


_DECLARED_ENCODING = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml\s[^>]*?encoding\s*=\s*[\"']([^\"']{0,40})[\"']")
_MARKUP_BYTES = bytes(range(0x20, 0x7F)) + b"\t\r\n"


def _require_ascii_markup(parts: Mapping[str, bytes]) -> None:
    """Refuse an XML part whose markup is not ASCII bytes (UTF-16 or UTF-32, EBCDIC): the guards read
    tags as bytes and would find none, so a reader decoding it would meet cells nobody placed. Every
    spreadsheet program writes UTF-8."""
    for name, xml in parts.items():
        if not name.endswith((".xml", ".rels")):
            continue
        start = xml[:64].removeprefix(b"\xef\xbb\xbf").lstrip()  # a UTF-8 byte order mark may stand first
        if start and not start.startswith(b"<") or b"\0" in start[:4]:  # another mark, EBCDIC, UTF-16/32
            raise _Rejected(Code.FILE_DAMAGED)
        declared = _DECLARED_ENCODING.match(xml)
        if declared is not None and not _ascii_compatible(declared[1].decode("ascii", "replace").lower()):
            raise _Rejected(Code.FILE_DAMAGED)


@lru_cache(maxsize=64)
def _ascii_compatible(encoding: str) -> bool:
    try:
        return _MARKUP_BYTES.decode(encoding) == _MARKUP_BYTES.decode("ascii")
    except (LookupError, UnicodeDecodeError):
        return False


_RUST_COUNT = re.compile(rb"\+?\d{1,20}")
"""A number as Rust's integer parsing accepts it; anything else (an entity, say, or more digits than
any count Rust holds) marks a damaged file."""
_DTD_MARKUP = tuple(word.encode(encoding) for word in ("<!DOCTYPE", "<!ENTITY")
                    for encoding in ("utf-16-le", "utf-16-be"))


def _refuse_dtd(xml: bytes) -> None:
    """Refuse ``<!DOCTYPE`` and ``<!ENTITY`` (entity bombs, external entities), in UTF-8 or UTF-16."""
    if b"\0" in xml[:4]:
        declares = any(markup in xml for markup in _DTD_MARKUP)
    else:
        declares = b"!" in xml and (b"<!DOCTYPE" in xml or b"<!ENTITY" in xml)
    if declares:
        raise _Rejected(Code.FILE_XML_DEFINITIONS)


def _require_well_formed(xml: bytes) -> None:
    """Well-formed XML keeps the regular expressions sound; calamine's ods reader, moreover,
    loops forever on a table whose end tag is missing."""
    _refuse_dtd(xml)  # also for a part not named .xml: expat would expand internal entities
    try:
        expat.ParserCreate().Parse(xml, True)
    except (expat.ExpatError, LookupError) as error:  # LookupError: an encoding Python does not know
        raise _Rejected(Code.FILE_DAMAGED) from error


def _is_well_formed(xml: bytes) -> bool:
    try:
        _require_well_formed(xml)
    except _Rejected:
        return False
    return True


def _attribute(attributes: bytes, name: bytes) -> bytes | None:
    """The value of attribute ``name`` in a tag's attribute text, None when absent."""
    if name not in attributes:
        return None
    return next((value[1:] for key, value in _ATTRIBUTE.findall(attributes) if key == name), None)


def _document_time(xml: bytes | None, tag: str) -> datetime | None:
    """The timestamp in element ``tag`` of a properties part, in UTC.

    The part is parsed only when it declares no DTD (:func:`_refuse_dtd`): without one, no entity
    can expand or load anything, which is what defusedxml would guard against, at twice the cost.
    """
    if xml is None:
        return None
    try:
        _refuse_dtd(xml)
        element = ElementTree.fromstring(xml).find(f".//{tag}")
        stamp = datetime.fromisoformat(element.text.strip()) if element is not None and element.text else None
    except (_Rejected, ElementTree.ParseError, LookupError, ValueError):
        return None
    if stamp is None:
        return None
    return stamp.replace(tzinfo=timezone.utc) if stamp.tzinfo is None else stamp.astimezone(timezone.utc)
