"""OpenDocument spreadsheets (ods): the used range of each table, repeated rows and cells counted."""

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


def _inspect_ods(parts: dict[str, bytes], limits: Limits) -> _Container:
    if "content.xml" not in parts:
        raise _Rejected(Code.FILE_DAMAGED)
    _check_extents(_ods_table_extents(parts["content.xml"]), limits)
    macros = any(name.startswith(("Basic/", "Scripts/")) for name in parts)
    modified = _document_time(parts.get("meta.xml"), "{http://purl.org/dc/elements/1.1/}date")
    return _Container("ods", modified, [(Code.FILE_MACROS, MACRO_NOTICE)] if macros else [])


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
