"""OOXML workbooks (xlsx, xlsm): the used range of each worksheet and the shared-string count."""

from __future__ import annotations

import re

from ..messages import Code
from .common import (
    _ATTRIBUTE_TEXT,
    _MARKUP_NOISE,
    _RUST_COUNT,
    MACRO_NOTICE,
    Limits,
    _attribute,
    _check_extents,
    _Container,
    _document_time,
    _Extent,
    _Rejected,
    _require_well_formed,
)


def _inspect_ooxml(parts: dict[str, bytes], limits: Limits) -> _Container:
    _check_extents([_ooxml_sheet_extent(xml) for xml in parts.values() if b"sheetData" in xml], limits)
    for xml in parts.values():
        if b"sst" in xml:
            _check_shared_strings(xml)
    macros = b"macroEnabled" in parts["[Content_Types].xml"] or "xl/vbaProject.bin" in parts
    modified = _document_time(parts.get("docProps/core.xml"), "{http://purl.org/dc/terms/}modified")
    return _Container("xlsm" if macros else "xlsx", modified, [(Code.FILE_MACROS, MACRO_NOTICE)] if macros else [])


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
