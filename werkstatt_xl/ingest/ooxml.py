"""OOXML workbooks (xlsx, xlsm): the used range of each worksheet, its error values and the shared-string count.

Parts are named as :func:`.common._part_name` makes them: calamine finds ``XL\\Workbook.XML`` as
``xl/workbook.xml``.
"""

from __future__ import annotations

import html
import re
import sys
from typing import Iterator

from ..messages import Code
from .common import (
    _ATTRIBUTE_TEXT,
    _RUST_COUNT,
    MACRO_NOTICE,
    Limits,
    _attribute,
    _check_extents,
    _Container,
    _document_time,
    _error_text,
    _Extent,
    _extent_problem,
    _is_well_formed,
    _part_name,
    _Rejected,
    _require_well_formed,
    _without_noise,
)


def _inspect_ooxml(parts: dict[str, bytes], limits: Limits) -> _Container:
    sheets = {name: xml for name, xml in parts.items() if b"sheetData" in xml}
    for xml in sheets.values():
        _require_well_formed(xml)
    quick = [_quick_extent(xml) or _exact_extent(xml) for xml in sheets.values()]
    if _extent_problem(quick, limits) is not None:
        _check_extents([_exact_extent(xml) for xml in sheets.values()], limits)
    _check_shared_strings(parts.get("xl/sharedstrings.xml"))
    macros = b"macroEnabled" in parts["[content_types].xml"] or "xl/vbaproject.bin" in parts
    modified = _document_time(parts.get("docprops/core.xml"), "{http://purl.org/dc/terms/}modified")
    return _Container("xlsm" if macros else "xlsx", modified, [(Code.FILE_MACROS, MACRO_NOTICE)] if macros else [],
                      *_error_and_formula_cells(parts, sheets))


_QUICK_CELL = re.compile(rb'<c(?=[\s/>])(?:\s++r="([A-Z]{1,3})([1-9][0-9]{0,6})")?')
"""Each unprefixed cell tag, with column letters and row digits when a plain ``r`` comes first."""
_CELL_WITHOUT_R = re.compile(rb'<c(?=[\s/>])(?!\s++r="[A-Z]{1,3}[1-9][0-9]{0,6}")')
_LARGE_PART = 2**16
"""From this size on, a part is first searched for a cell without a plain ``r`` (one scan that
stops there) rather than listing every cell to find one."""
_OOXML_TAG = re.compile(rb"<(?:(/)(?:[\w.-]++:)?row\s*+>|(?:[\w.-]++:)?(row|c)(?=[\s/>])\s*+"
                        rb"(?:r\s*=\s*([\"'][^\"']*+)[\"'])?(" + _ATTRIBUTE_TEXT + rb")(/?)>)")
"""A row's end tag (its slash), or a row or cell tag: (tag, quote + value of a leading ``r`` attribute,
other attributes, empty-element slash).

The quote tells ``r=""`` from an absent (or not leading) ``r``."""
_CELL_REF = re.compile(rb"([A-Za-z]{1,7})(\d{1,15})")
"""A cell address; longer ones lie far beyond any limit, and reading them would cost time."""


def _quick_extent(xml: bytes) -> _Extent | None:
    """The extent of all cells, empty ones too, when every cell starts with a plain ``r`` as every
    common writer writes it; None otherwise. Counting empty cells only makes the extent larger."""
    if b":c" in xml:  # cells with a namespace prefix
        return None
    if len(xml) > _LARGE_PART and _CELL_WITHOUT_R.search(xml):
        return None
    cells = _QUICK_CELL.findall(xml)
    if (b"", b"") in cells:
        return None
    extent = _Extent()
    if cells:
        rows = [int(digits) for digits in {digits for _, digits in cells}]
        cols = [_column_number(letters) for letters in {letters for letters, _ in cells}]
        extent.include(min(rows), min(cols), max(rows), max(cols))
    return extent


def _exact_extent(xml: bytes) -> _Extent:
    """Where calamine will place the cells of a worksheet part, judged on cells with a child element."""
    top = left = sys.maxsize
    bottom = right = 0
    for row, col, empty, _ in _cells(_OOXML_TAG.findall(_without_noise(xml))):
        if not empty:
            if row < top:
                top = row
            if row > bottom:
                bottom = row
            if col < left:
                left = col
            if col > right:
                right = col
    extent = _Extent()
    if bottom:
        extent.include(top, left, bottom, right)
    return extent


_UNREAD = object()


def _cells(tags: list[tuple[bytes, ...]]) -> Iterator[tuple[int, int, bytes, int]]:
    """(row, column, empty-element slash, index in ``tags``) of each cell among ``tags`` (as
    :data:`_OOXML_TAG` finds them), positions 1-based as calamine places them.

    An ``r`` attribute wins, otherwise the cell follows the previous one. An empty element
    (``<c r="XFD9"/>``) holds nothing, but it may or may not move the implicit position depending
    on the reader version, so the larger outcome is assumed. Hostile sheets repeat one address or
    attribute text thousands of times: each distinct one is read once.
    """
    refs: dict[bytes, bytes | None] = {}
    positions: dict[bytes, tuple[int, int]] = {}
    row = col = 1  # where the next row and the next cell without ``r`` go
    for index, (closing, tag, leading, rest, empty) in enumerate(tags):
        if closing:
            row, col = row + 1, 1
            continue
        if leading:
            ref = leading[1:]
        elif rest:
            ref = refs.get(rest, _UNREAD)
            if ref is _UNREAD:
                ref = refs[rest] = _attribute(rest, b"r")
        else:
            ref = None
        if tag == b"row":
            if empty:
                row = max(row, _row_number(ref) + 1) if ref is not None else row + 1
            elif ref is not None:
                row = _row_number(ref)
        else:
            if ref is None:
                cell_row, cell_col = row, col
                col += 1
            else:
                position = positions.get(ref)
                if position is None:
                    position = positions[ref] = _cell_position(ref)
                cell_row, cell_col = position
                col = max(col, cell_col + 1) if empty else cell_col + 1
            yield cell_row, cell_col, empty, index


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
    if not (text.isdigit() and len(text) <= 15):
        raise _Rejected(Code.FILE_DAMAGED)
    return int(text)


# --- error values ---------------------------------------------------------------------------------

_ERROR_VALUE = re.compile(rb"\s*+(?:<(?:[\w.-]++:)?f(?=[\s/>])" + _ATTRIBUTE_TEXT + rb"(?:/>|>[^<]*+</(?:[\w.-]++:)?f>)"
                          rb"\s*+)?<(?:[\w.-]++:)?v(?=[\s>])" + _ATTRIBUTE_TEXT + rb">([^<]*+)<")
"""After the tag of an error cell: its formula, if any, then the error value calamine reads as empty."""
_SHEET_TAG = re.compile(rb"<(?:[\w.-]++:)?sheet(?=[\s/>])(" + _ATTRIBUTE_TEXT + rb")/?>")
_RELATIONSHIP_TAG = re.compile(rb"<(?:[\w.-]++:)?Relationship(?=[\s/>])(" + _ATTRIBUTE_TEXT + rb")/?>")


def _error_and_formula_cells(parts: dict[str, bytes], sheets: dict[str, bytes]
                             ) -> tuple[dict[int, dict[tuple[int, int], str]], dict[int, dict[tuple[int, int], str]]]:
    """The error cells (``t="e"``) and the formula cells of each worksheet, by its index in calamine's
    order of sheets.

    Only the worksheets found well-formed (``sheets``) are read; most hold neither and cost two
    substring tests.
    """
    if not any(_may_hold_errors(xml) or _may_hold_formulas(xml) for xml in sheets.values()):
        return {}, {}
    errors, formulas = {}, {}
    for index, name in enumerate(_sheet_parts(parts)):
        xml = sheets.get(name)
        if xml is not None and (_may_hold_errors(xml) or _may_hold_formulas(xml)):
            found_errors, found_formulas = _error_and_formula_cells_of(_without_noise(xml))
            if found_errors:
                errors[index] = found_errors
            if found_formulas:
                formulas[index] = found_formulas
    return errors, formulas


def _may_hold_errors(xml: bytes) -> bool:
    return b't="e"' in xml  # as every writer spells it


_FORMULA_START = re.compile(rb"<(?:[\w.-]++:)?f[\s/>]")
_FORMULA = re.compile(rb"\s*+<(?:[\w.-]++:)?f(?=[\s/>])" + _ATTRIBUTE_TEXT + rb"(?:/>|>([^<]*+)</(?:[\w.-]++:)?f>)")
"""A cell's formula element, right after the cell tag, with the formula's text."""


def _may_hold_formulas(xml: bytes) -> bool:
    return _FORMULA_START.search(xml) is not None


def _error_and_formula_cells_of(xml: bytes) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]:
    """The error cells and the formula cells of a worksheet part without markup noise, by 0-based
    (row, column)."""
    matches = list(_OOXML_TAG.finditer(xml))
    errors, formulas = {}, {}
    for row, col, empty, index in _cells([match.groups() for match in matches]):
        if empty:
            continue
        formula = _FORMULA.match(xml, matches[index].end())
        if formula is not None:
            formulas[(row - 1, col - 1)] = _unescape(formula[1] or b"")
        if _attribute(matches[index][4], b"t") == b"e":
            value = _ERROR_VALUE.match(xml, matches[index].end())
            if value is not None:
                errors[(row - 1, col - 1)] = _error_text(value[1].decode("utf-8", "replace"))
    return errors, formulas


def _unescape(xml_text: bytes) -> str:
    return html.unescape(xml_text.decode("utf-8", "replace"))


def _sheet_parts(parts: dict[str, bytes]) -> list[str]:
    """The part of each sheet of the workbook, in workbook order, resolved as calamine resolves it;
    none when workbook or relationships are not well-formed (calamine would not read them)."""
    relationships, workbook = parts.get("xl/_rels/workbook.xml.rels", b""), parts["xl/workbook.xml"]
    if not (_is_well_formed(relationships) and _is_well_formed(workbook)):
        return []
    targets = {}
    for attributes in _RELATIONSHIP_TAG.findall(_without_noise(relationships)):
        targets[_attribute(attributes, b"Id")] = _attribute(attributes, b"Target")
    names = []
    for attributes in _SHEET_TAG.findall(_without_noise(workbook)):
        target = (targets.get(_attribute(attributes, b"r:id") or _attribute(attributes, b"relationships:id"))
                  or b"").decode("utf-8", "replace")
        names.append(_part_name(target[1:] if target.startswith("/xl/") else
                                target if target.startswith("xl/") else "xl/" + target))
    return names


# --- shared strings -------------------------------------------------------------------------------

_UNIQUE_COUNT = re.compile(rb"uniqueCount\s*+=\s*+[\"']([^\"']{0,24})([\"']?)")
"""A ``uniqueCount`` attribute: its value, if short enough to be a count, and its closing quote."""


def _check_shared_strings(xml: bytes | None) -> None:
    """calamine reserves ``uniqueCount`` strings up front: the count must fit the part, as each
    string takes at least five bytes (``<si/>``). calamine reads xl/sharedStrings.xml, whatever
    the relationships say. Every such attribute in the part is checked, also one in a comment
    or in text: which ``<sst>`` is the real one needs no parsing then, and a commented-out one
    cannot hide it."""
    if xml is None:
        return
    for value, quote in _UNIQUE_COUNT.findall(xml):
        if not (quote and _RUST_COUNT.fullmatch(value) and int(value) <= len(xml) // 5):
            raise _Rejected(Code.FILE_DAMAGED)
