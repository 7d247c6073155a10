"""OpenDocument spreadsheets (ods): the used range and the error values of each table, repeated rows
and cells counted; and a content.xml calamine can read whatever program indented it."""

from __future__ import annotations

import html
import io
import itertools
import re
import sys
import zipfile

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
    _Rejected,
    _require_well_formed,
    _without_noise,
)


def _inspect_ods(parts: dict[str, bytes], limits: Limits) -> _Container:
    content = parts.get("content.xml")
    if content is None:
        raise _Rejected(Code.FILE_DAMAGED)
    extents, errors, formulas = _ods_tables(content)
    _check_extents(extents, limits)
    macros = any(name.startswith(("basic/", "scripts/")) for name in parts)
    modified = _document_time(parts.get("meta.xml"), "{http://purl.org/dc/elements/1.1/}date")
    return _Container("ods", modified, [(Code.FILE_MACROS, MACRO_NOTICE)] if macros else [], errors, formulas,
                      readable=_as_calamine_reads(parts, content))


_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])("
                      + _ATTRIBUTE_TEXT + rb")(/?)>")
_ODS_VALUE_ATTRIBUTE = re.compile(rb"(?:office:(?=[\w-]*?value)[\w-]*+|table:formula)\s*+=")
"""An attribute that gives a cell content; the lookahead keeps the search linear in a long name."""
_ODS_PARAGRAPH = re.compile(rb"\s*+<text:p(?=[\s>])" + _ATTRIBUTE_TEXT + rb">((?:[^<]++|<(?!/text:p>))*+)</text:p>")
_ANY_TAG = re.compile(rb"<[^>]*+>")
_MOST_ERROR_CELLS = 10_000
"""Error and formula cells recorded per file: one repeated cell may stand for millions, and a questionnaire has a
few dozen answers."""


def _ods_tables(xml: bytes) -> tuple[list[_Extent], dict[int, dict[tuple[int, int], str]],
                                     dict[int, dict[tuple[int, int], str]]]:
    """The extent of each table in content.xml, counting repeated rows and cells like calamine, and
    the error values and formulas of each named table (calamine's sheets, in its order) by 0-based
    (row, column).

    A cell counts as content when it carries a value or formula attribute; LibreOffice's long runs
    of repeated empty cells and rows therefore cost nothing. LibreOffice marks an error value with
    ``calcext:value-type="error"`` and writes its text as the cell's paragraph.
    """
    _require_well_formed(xml)
    xml = _without_noise(xml)
    seek_errors = b'calcext:value-type="error"' in xml  # as LibreOffice spells it
    seek_formulas = b"table:formula" in xml
    bounds: list[list[int]] = []  # per table: first row, first column, last row, last column
    errors: dict[int, dict[tuple[int, int], str]] = {}
    formulas: dict[int, dict[tuple[int, int], str]] = {}
    table_errors = table_formulas = ends = None
    recorded = depth = 0
    row = col = row_first = row_span = 1
    for index, (closing, tag, attributes, empty) in enumerate(_ODS_TAG.findall(xml)):
        if tag == b"table":
            if not empty:
                depth += -1 if closing else 1
                if depth == 1 and not closing:
                    bounds.append([sys.maxsize, sys.maxsize, 0, 0])
                    row = 1
                    if _attribute(attributes, b"table:name") is not None:  # calamine reads named tables only
                        table_errors = errors.setdefault(len(errors), {})
                        table_formulas = formulas.setdefault(len(formulas), {})
                    else:
                        table_errors = table_formulas = None
        elif closing or not bounds:
            continue
        elif tag == b"table-row":
            row_first, col = row, 1
            row_span = _ods_repeat(attributes, b"table:number-rows-repeated") if b"-repeated" in attributes else 1
            row += row_span
        else:
            span = _ods_repeat(attributes, b"table:number-columns-repeated") if b"-repeated" in attributes else 1
            if _ODS_VALUE_ATTRIBUTE.search(attributes):
                table = bounds[-1]
                last_row, last_col = row_first + row_span - 1, col + span - 1
                if row_first < table[0]:
                    table[0] = row_first
                if col < table[1]:
                    table[1] = col
                if last_row > table[2]:
                    table[2] = last_row
                if last_col > table[3]:
                    table[3] = last_col
                if (seek_errors and table_errors is not None and not empty and recorded < _MOST_ERROR_CELLS
                        and _attribute(attributes, b"calcext:value-type") == b"error"):
                    ends = ends or [match.end() for match in _ODS_TAG.finditer(xml)]
                    recorded += _record(table_errors, _paragraph_text(xml, ends[index]), row_first, last_row,
                                        col, last_col, _MOST_ERROR_CELLS - recorded)
                if seek_formulas and table_formulas is not None and recorded < _MOST_ERROR_CELLS:
                    formula = _attribute(attributes, b"table:formula")
                    if formula is not None:
                        recorded += _record(table_formulas, _formula_text(formula), row_first, last_row, col,
                                            last_col, _MOST_ERROR_CELLS - recorded)
            col += span
    extents = []
    for top, left, bottom, right in bounds:
        extents.append(_Extent())
        if bottom:
            extents[-1].include(top, left, bottom, right)
    return (extents, {index: found for index, found in errors.items() if found},
            {index: found for index, found in formulas.items() if found})


def _record(found: dict[tuple[int, int], str], text: str, first_row: int, last_row: int, first_col: int,
            last_col: int, most: int) -> int:
    """Record ``text`` for each cell of the (1-based, inclusive) block, at most ``most`` cells; how many."""
    cells = itertools.product(range(first_row - 1, last_row), range(first_col - 1, last_col))
    count = 0
    for cell in itertools.islice(cells, most):
        found[cell] = text
        count += 1
    return count


_FORMULA_NAMESPACE = re.compile(r"^(?:[\w.-]+:)?=")


def _formula_text(attribute: bytes) -> str:
    """An ODF formula (``of:=[.A1]*2``) without its namespace and ``=``."""
    return _FORMULA_NAMESPACE.sub("", html.unescape(attribute.decode("utf-8", "replace")))


def _paragraph_text(xml: bytes, position: int) -> str:
    """The text of the paragraph that starts a cell's content at ``position``, "" when there is none."""
    paragraph = _ODS_PARAGRAPH.match(xml, position)
    if paragraph is None:
        return ""
    return _error_text(html.unescape(_ANY_TAG.sub(b"", paragraph[1]).decode("utf-8", "replace")))


def _ods_repeat(attributes: bytes, name: bytes) -> int:
    """The repeat count attribute ``name``, 1 when absent."""
    value = _attribute(attributes, name) or b"1"
    if not _RUST_COUNT.fullmatch(value):
        raise _Rejected(Code.FILE_DAMAGED)
    return int(value)


_LAYOUT_SPACE = re.compile(rb"(<table:table-row(?=[\s>])" + _ATTRIBUTE_TEXT + rb">|<table:(?:covered-)?table-cell"
                           rb"(?=[\s/>])" + _ATTRIBUTE_TEXT + rb"/?>|</table:(?:covered-)?table-cell>|</text:[ph]>"
                           rb"|</office:annotation>)\s++(?=<)")
"""White space after a tag where ODF allows only elements: in a row, in a cell, between paragraphs."""
_TEXT_ELEMENTS = {b"<text:line-break/>": b"\n", b"<text:tab/>": b"\t"}
"""Characters ODF writes as elements, which calamine 0.37 drops."""
_CALAMINE_PARTS = ("mimetype", "META-INF/manifest.xml", "content.xml")
"""What calamine's ods reader opens, by the names it looks for."""


def _as_calamine_reads(parts: dict[str, bytes], content: bytes) -> bytes | None:
    """The package as calamine reads it truly, or None when it does already.

    Gnumeric indents content.xml and writes a line break in a cell as an element: calamine 0.37
    refuses white space between the cells of a row, would add that in a cell to its text, and
    drops the line break. Only the parts calamine opens are kept, unpacked.
    """
    tidy, changes = _LAYOUT_SPACE.subn(rb"\1", content)
    for element, character in _TEXT_ELEMENTS.items():
        if element in tidy:
            tidy, changes = tidy.replace(element, character), changes + 1
    if not changes:
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in _CALAMINE_PARTS:
            data = tidy if name == "content.xml" else parts.get(name.lower())
            if data is not None:
                archive.writestr(name, data)
    return buffer.getvalue()
