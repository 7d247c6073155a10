"""OOXML workbooks (xlsx, xlsm): the used range of each worksheet, its error values and the shared-string count.

Parts are named as :func:`.common._part_name` makes them: calamine finds ``XL\\Workbook.XML`` as
``xl/workbook.xml``.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    import numpy as np


def _inspecting_ooxml(parts: dict[str, bytes], limits: Limits) -> Generator[None, None, _Container]:
    """The guards of an OOXML package, pausing after the worksheets were found well-formed (see
    :func:`~werkstatt_xl.ingest.read_returns`)."""
    sheets = {name: xml for name, xml in parts.items() if b"sheetData" in xml}
    for xml in sheets.values():
        _require_well_formed(xml)
    yield
    placed = _PlacedCells(sheets)
    quick = [_quick_extent(xml) or _extent(placed[name]) for name, xml in sheets.items()]
    if _extent_problem(quick, limits) is not None:
        _check_extents([_extent(placed[name]) for name in sheets], limits)
    _check_shared_strings(parts.get("xl/sharedstrings.xml"))
    macros = b"macroEnabled" in parts["[content_types].xml"] or "xl/vbaproject.bin" in parts
    modified = _document_time(parts.get("docprops/core.xml"), "{http://purl.org/dc/terms/}modified")
    return _Container("xlsm" if macros else "xlsx", modified, [(Code.FILE_MACROS, MACRO_NOTICE)] if macros else [],
                      *_error_and_formula_cells(parts, sheets, placed))


_QUICK_CELL = re.compile(rb'<c(?=[\s/>])(?:\s++r="([A-Z]{1,3})([1-9][0-9]{0,6})")?')
"""Each unprefixed cell tag, with column letters and row digits when a plain ``r`` comes first."""
_CELL_WITHOUT_R = re.compile(rb'<c(?=[\s/>])(?!\s++r="[A-Z]{1,3}[1-9][0-9]{0,6}")')
_PREFIXED_CELL = re.compile(rb":c")
"""Where a cell tag with a namespace prefix could stand: a search finds it three times faster than ``in``."""
_LARGE_PART, _HUGE_PART = 2**16, 2**22
"""From ``_LARGE_PART`` bytes on, a part's cells are placed by :func:`_cell_tags` at once: listing them
costs more. From ``_HUGE_PART`` on, as placing them takes more time than listing them, a part is first
searched for a cell without a plain ``r`` (one scan that stops there) and listed if it has none."""
_PIECE = 2**20
"""Bytes of a part placed or listed at once: numpy's arrays take 10-20 bytes per byte they place, and
a list of cells 6-11 bytes per byte."""


def _quick_extent(xml: bytes) -> _Extent | None:
    """The extent of all cells of a small or a huge part, empty ones too, when every cell starts with
    a plain ``r`` as every common writer writes it; None otherwise. Counting empty cells only makes the
    extent larger."""
    if _LARGE_PART < len(xml) <= _HUGE_PART or _PREFIXED_CELL.search(xml):  # placed at once, or prefixed cells
        return None
    if len(xml) > _HUGE_PART and _CELL_WITHOUT_R.search(xml):
        return None
    extent, start = _Extent(), 0
    while start < len(xml):  # listed a piece at a time: a cell takes 60-170 bytes in the list
        stop = _tag_after(xml, start + _PIECE)  # a cut at any '<' cuts no match
        cells = _QUICK_CELL.findall(xml, start, stop)
        if (b"", b"") in cells:
            return None
        if cells:
            rows = [int(digits) for digits in {digits for _, digits in cells}]
            cols = [_column_number(letters) for letters in {letters for letters, _ in cells}]
            extent.include(min(rows), min(cols), max(rows), max(cols))
        start = stop
    return extent


def _tag_after(xml: bytes, position: int) -> int:
    """Where the first '<' at or after ``position`` is, else the part's end."""
    found = xml.find(b"<", position)
    return len(xml) if found == -1 else found


class _PlacedCells(dict):
    """The cells of each worksheet part (:func:`_cell_tags`) by part name, each found when first needed."""

    def __init__(self, sheets: dict[str, bytes]):
        super().__init__()
        self.sheets = sheets

    def __missing__(self, name: str) -> _CellTags:
        cells = self[name] = _cell_tags(_without_noise(self.sheets[name]))
        return cells

    def may_hold_texts(self, name: str) -> bool:
        """Whether a worksheet part may hold error values or formulas: told by its cells once they are
        placed, else by searching for ``t="e"`` and a formula tag's name."""
        if name in self:
            return bool(self[name].error.any() or self[name].formula.any())
        return _may_hold_errors(self.sheets[name]) or _may_hold_formulas(self.sheets[name])


def _extent(cells: _CellTags) -> _Extent:
    """Where calamine will place the cells of a worksheet part, judged on cells with a child element."""
    rows, cols = cells.row, cells.col
    extent = _Extent()
    if rows.size and rows.max():
        extent.include(cells.least_row, cells.least_col, int(rows.max()), int(cols.max()))
    return extent


@dataclass
class _CellTags:
    """The cells of a worksheet part that are no empty element (``<c/>``), in document order, as numpy
    arrays: where each tag ends (after '>'; 32 bits, as the limits keep parts far below 2 GB), its 1-based
    row and column as calamine places it, whether it says ``t="e"`` (an error value) and whether the next
    tag is a formula's; the least row and column a reader may place any of them at (:func:`_place`;
    0 without cells), and where the first cell or row tag starts (None: none)."""

    end: np.ndarray
    row: np.ndarray
    col: np.ndarray
    error: np.ndarray
    formula: np.ndarray
    least_row: int = 0
    least_col: int = 0
    first_tag: int | None = None


_CELL_ARRAYS = ("end", "row", "col", "error", "formula")


_CELL, _ROW, _ROW_END, _FORMULA_TAG = 1, 2, 3, 4
_SPACE = b" \t\r\n"


def _cell_tags(xml: bytes, piece_size: int = _PIECE) -> _CellTags:
    """Every cell of a well-formed worksheet part without markup noise, placed as calamine places it
    (:func:`_place`).

    numpy's arrays take 10-20 bytes per byte of what they place, so a part larger than ``piece_size``
    is placed in pieces (:func:`_pieces`), each from the position the pieces before it left.

    calamine reads only the cells in the first ``<sheetData>``, from row 1 and column 1 on: unless the
    first "sheetData" of the part opens that element before every cell and row tag (as every writer writes
    it; looking further would cost a search through the part), the cells may lie anywhere from row 1 and
    column 1 on.
    """
    cells = _place(xml)[0] if len(xml) <= piece_size else _place_in_pieces(xml, piece_size)
    first = xml.find(b"sheetData")
    opening = _SHEET_DATA_START.match(xml, max(xml.rfind(b"<", 0, first), 0)) if first != -1 else None
    if cells.first_tag is not None and not (opening and opening.end() == first + len(b"sheetData") + 1
                                            and opening.start() < cells.first_tag):
        cells.least_row = cells.least_col = 1
    return cells


_SHEET_DATA_START = re.compile(rb"<(?:[^ \t\r\n/>:<]*+:)?sheetData[ \t\r\n/>]")


def _place_in_pieces(xml: bytes, piece_size: int) -> _CellTags:
    """The cells of a part above ``piece_size`` bytes, for :func:`_cell_tags`."""
    import numpy as np

    errors = _may_hold_errors(xml) or _may_hold_formulas(xml)  # at least where _place looks for them
    position, formulas, joined, count, least, first_tag = (1, 1, 1, 1), False, {}, 0, [], None
    for begin, piece, following, lone_tag_end in _pieces(xml, piece_size):
        next_formula = _FORMULA_START.match(xml, following) is not None
        cells, position, formula_tags = _place(piece, position, errors, next_formula)
        if lone_tag_end is None:
            cells.end += begin
        else:
            cells.end[:] = lone_tag_end
        formulas |= formula_tags
        if not joined:  # room for a cell per '<', the most there can be: only the pages written take memory
            joined = {name: np.empty(xml.count(b"<"), getattr(cells, name).dtype) for name in _CELL_ARRAYS}
        for name in _CELL_ARRAYS:
            joined[name][count:count + len(cells.end)] = getattr(cells, name)
        count += len(cells.end)
        if len(cells.end):
            least.append((cells.least_row, cells.least_col))
        if first_tag is None and cells.first_tag is not None:
            first_tag = begin + cells.first_tag
    least_row, least_col = (min(positions) for positions in zip(*least)) if least else (0, 0)
    cells = _CellTags(**{name: array[:count] for name, array in joined.items()}, least_row=least_row,
                      least_col=least_col, first_tag=first_tag)
    if not (formulas or _may_hold_errors(xml)):  # as _place decides for a whole part
        cells.error[:] = False
    return cells


def _pieces(xml: bytes, piece_size: int) -> Iterator[tuple[int, bytes, int, int | None]]:
    """The pieces of a part, each (where it begins, its bytes, where the next tag begins, where its
    only tag ends or None): about ``piece_size`` bytes from one tag ('<' starts a tag in a part without
    noise) to before another. Where no tag starts for more than a piece, the tag before forms a piece of
    its own, cut to what places it (:func:`_lone_tag`), and the text after it, which places nothing, is
    left out."""
    start = 0
    while start < len(xml):
        stop = _tag_after(xml, start + piece_size)
        if stop - start <= 2 * piece_size:
            yield start, xml[start:stop], stop, None
        elif (tag := xml.rfind(b"<", start, start + piece_size + 1)) != -1:  # else text before the first tag
            if tag > start:
                yield start, xml[start:tag], tag, None
            tag_end = _TAG_END.match(xml, tag).end()
            yield tag, _lone_tag(xml, tag, tag_end), stop, tag_end
        start = stop


_TAG_END = re.compile(rb"<[^>\"']*+(?:(?:\"[^\"]*+\"|'[^']*+')[^>\"']*+)*+>")
"""A tag of a well-formed part, to its '>' outside the values."""
_FORMULA_START = re.compile(rb"<(?:[^ \t\r\n/>:<]*+:)?f[ \t\r\n/>]")
"""A formula element's start tag, its name read as :func:`_place` reads it."""
_TAG_NAME = re.compile(rb"</?[^ \t\r\n/>]*+")
_PLACING_ATTRIBUTE = re.compile(rb"(?:\s++(?![rt]\s*+=)[^\s=]++\s*+=\s*+(?:\"[^\"]*+\"|'[^']*+'))*+"
                                rb"(\s++[rt]\s*+=\s*+)(\"[^\"]*+\"|'[^']*+')")
"""After a tag's name or one of these, the next attribute ``r`` or ``t`` (well-formed: each once)."""
_VALUE_KEPT = 64
"""Bytes of a value kept in a lone tag: a longer one is no address, row number or error type."""


def _lone_tag(xml: bytes, start: int, end: int) -> bytes:
    """The tag from ``start`` to ``end`` with only what :func:`_place` reads: its name, its ``r`` and ``t``
    (a long value as a long one of 'x') and whether it is an empty element. A tag may hold a hundred
    megabytes of attributes, which numpy would take 10-20 bytes per byte for."""
    name = _TAG_NAME.match(xml, start, end)
    kept, at = [name[0]], name.end()
    while attribute := _PLACING_ATTRIBUTE.match(xml, at, end):
        value = attribute[2]
        kept += [b" ", attribute[1].lstrip(), value if len(value) <= _VALUE_KEPT + 2
                 else value[:1] + b"x" * _VALUE_KEPT + value[:1]]
        at = attribute.end()
    kept.append(b"/>" if xml[end - 2:end] == b"/>" else b">")
    return b"".join(kept)


def _place(xml: bytes, position: tuple[int, int, int, int] | None = None, errors: bool | None = None,
           next_formula: bool = False) -> tuple[_CellTags, tuple[int, int, int, int] | None, bool]:
    """Every cell of a well-formed piece of a worksheet part without markup noise, placed as calamine
    places it, from ``position`` (row, column, least row, least column) on: (the cells, the position after
    the piece, whether the piece holds a formula tag). Without ``position``, a whole part from row and
    column 1, and no position after it.
    ``errors``: whether to look for error values (None: if the piece may hold one or holds a formula);
    ``next_formula``: whether the tag after the piece is a formula's.

    An ``r`` attribute wins, otherwise the cell follows the previous one; ``</row>`` moves to the next
    row and column 1, ``<row r="..">`` sets the row. An empty element (``<c r="XFD9"/>``, ``<row/>``)
    holds nothing, but it may or may not move the implicit position depending on the reader version
    (calamine 0.9 moves to where it points, also back: ``<row r="2"/>`` after row 50 goes on in row 3),
    so a cell's row and column are the larger outcome and its least row and column the smaller one,
    which the extent's first row and column are taken from. A tag's name counts by its local part, after
    the first colon, whatever the prefix (calamine's reading); an attribute only unprefixed.

    Hostile sheets hold a million bytes of tags, so no step here runs in Python per tag: every tag,
    attribute and address is found and read by numpy over the whole piece, but for a bounded few
    (:data:`_FEW_TAGS`, :data:`_FEW_NAMES`) that cost less read in the bytes (tests/test_ingest_extent.py
    keeps the per-tag walk this replaces, to compare).
    """
    import numpy as np

    size = len(xml)
    part = _scratch(np, "part", size + 32, np.uint8)  # room to look ahead of the last tag
    part[:size], part[size:] = np.frombuffer(xml, np.uint8), 0
    scratch = _scratch(np, "mask", len(part), bool)  # for masks over the whole part
    starts = np.flatnonzero(np.equal(part[:size], ord("<"), out=scratch[:size])).astype(np.int32)  # the pages
    # of arrays kept through the call are fresh ones the next part faults in: 32 bits, as pieces are small
    names, name_end = _names(np, part, scratch)
    kinds = np.zeros(len(starts) + 1, np.int8)  # one more: the kind of the tag after the last
    names.take(starts, out=kinds[:-1].view(np.uint8))
    kinds[-1] = _FORMULA_TAG if next_formula else 0
    prefixed, prefixed_kinds, prefixed_names = _prefixed_tags(np, part, size, starts, names, name_end, scratch)
    kinds[prefixed] = prefixed_kinds

    tags = np.flatnonzero((kinds > 0) & (kinds != _FORMULA_TAG)).astype(np.int32)
    kind = kinds[tags]
    name = starts.take(tags)  # where the name ends, then the tag (in place: a hundred thousand tags take pages)
    name += np.array([1 + len(tag_name) for _, tag_name in ((0, b""), *_TAG_NAMES)], np.uint8).take(kind)
    if prefixed.size and tags.size:  # prefixed formula tags only: no tag to name
        numbers = np.cumsum((kinds > 0) & (kinds != _FORMULA_TAG), dtype=np.int32) - 1  # of each tag among tags
        where = np.maximum(numbers[prefixed], 0)
        found = tags[where] == prefixed
        name[where[found]] = prefixed_names[found]
    after_name = part.take(name)
    empty = after_name == ord("/")
    with_attributes = np.flatnonzero(_byte_class(np, _SPACE)[after_name] & (kind != _ROW_END))
    attributes = _Attributes(np, part, size, starts, tags[with_attributes], name[with_attributes], scratch, xml)
    end = name
    end += 1
    end += empty
    end[with_attributes] = attributes.ends
    empty[with_attributes] = part[attributes.ends - 2] == ord("/")

    addressed = np.zeros(len(tags), bool)
    number = column = np.broadcast_to(np.int64(0), len(tags))  # of an address; a row's number (none: no pages)
    owner, begin, quote = attributes.values(ord("r"))
    if owner.size:
        owner = with_attributes[owner]
        addressed[owner] = True
        number, column = np.zeros(len(tags), np.int64), np.zeros(len(tags), np.int64)
        letters = np.empty(len(owner), np.int8)
        found = (kind == _CELL) & ~empty
        if position is None and not found[~addressed].any():  # no cell follows another: only the cells'
            needed = found[owner]                                # addresses place anything, the rest is checked
            letters[~needed] = _read_numbers(np, part, begin[~needed], quote[~needed])
        else:
            needed = np.ones(len(owner), bool)
        letters[needed] = _read_numbers(np, part, begin[needed], quote[needed], owner[needed], number, column)
        if np.any(np.where(kind[owner] == _CELL, letters < 1, letters != 0)):
            raise _Rejected(Code.FILE_DAMAGED)
        del letters
    error = np.zeros(len(tags), bool)
    formulas = bool((kinds == _FORMULA_TAG).any())
    if errors is None:  # as the sheet's error values are looked for
        errors = formulas or _holds(np, part, size, _ERROR_SPELLING, scratch)
    if errors:
        owner, begin, quote = attributes.values(ord("t"))
        error[with_attributes[owner[(part[begin] == ord("e")) & (part[begin + 1] == quote)]]] = True

    cell, row, row_end = kind == _CELL, kind == _ROW, kind == _ROW_END
    cells = np.flatnonzero(cell & ~empty)
    placed = _CellTags(end[cells].astype(np.int32), number[cells], column[cells], error[cells],
                       kinds[tags[cells] + 1] == _FORMULA_TAG, first_tag=int(starts[tags[0]]) if tags.size else None)
    del starts, kinds, tags, after_name, end, error, with_attributes, attributes, owner, begin, quote
    del prefixed, prefixed_kinds, prefixed_names
    # what follows takes the pages these took, not fresh ones
    implicit = np.flatnonzero(~addressed[cells])
    wanted = np.append(cells[implicit], len(kind) - 1)  # and the last tag, for the position after the piece
    after, first, least = position, position or (1, 1, 1, 1), None
    if len(kind) and (implicit.size or position):
        rows, cols = _positions(np, row, row_end, cell, addressed, empty, number, column, wanted, first[:2], False)
        placed.row[implicit], placed.col[implicit], after = rows[:-1], cols[:-1] - 1, (int(rows[-1]), int(cols[-1]))
        if (empty & (row | cell)).any() or first[2:] != first[:2]:  # else a reader has no choice
            rows, cols = _positions(np, row, row_end, cell, addressed, empty, number, column, wanted, first[2:], True)
            least = (int(rows[:-1].min()), int(cols[:-1].min()) - 1) if implicit.size else None
        after += (int(rows[-1]), int(cols[-1]))
    if cells.size:  # an implicit cell's least position lies at or before its position
        placed.least_row, placed.least_col = int(placed.row.min()), int(placed.col.min())
        if least is not None:
            placed.least_row, placed.least_col = min(placed.least_row, least[0]), min(placed.least_col, least[1])
    return placed, after, formulas


def _positions(np, row, row_end, cell, addressed, empty, number, column, wanted, first: tuple[int, int], least: bool):
    """The (row, column) after each of the ``wanted`` tags, from ``first`` on, as far as an empty element may
    move a reader or, with ``least``, as little: not at all, or to where it points, also back, an empty row
    ending like ``</row>`` (as the largest outcome, negated)."""
    if least:
        sign, row_steps, col_steps = -1, -row_end.view(np.int8), -(cell & ~addressed & ~empty).view(np.int8)
        col_resets = row_end | (row & empty) | (cell & addressed & ~empty)
    else:
        sign, row_steps, col_steps = 1, row_end | (row & empty & ~addressed), cell & ~addressed
        col_resets = row_end | (cell & addressed & ~empty)
    rows = _running(np, row_steps, row & addressed, row & addressed & ~empty,
                    lambda at: sign * (number[at] + empty[at]), wanted, sign * first[0])
    cols = _running(np, col_steps, (cell & addressed) | col_resets, col_resets,
                    lambda at: sign * np.where(cell[at], column[at] + 1, 1), wanted, sign * first[1])
    return sign * rows, sign * cols


_TAG_NAMES = ((_CELL, b"c"), (_ROW, b"row"), (_ROW_END, b"/row"), (_FORMULA_TAG, b"f"))


def _byte_class(np, members: bytes):
    table = np.zeros(256, bool)
    table[list(members)] = True
    return table


def _names(np, part, scratch):
    """For each position of the part but the last five, the kind of tag name (:data:`_TAG_NAMES`, 0: none)
    that starts right after it, and for each position whether a tag name may end there (a space, '/' or
    '>'; in a well-formed part no other byte below 33 stands in markup). Byte masks over the whole part,
    which cost less than gathering at each tag."""
    size = len(part) - 5
    name_end = _spaces(np, part, _scratch(np, "name end", len(part), bool))
    name_end |= np.equal(part, ord("/"), out=scratch)
    name_end |= np.equal(part, ord(">"), out=scratch)
    names, other = _scratch(np, "names", size, np.uint8), _scratch(np, "bytes", size, np.uint8)
    found, same = scratch[:size], other.view(bool)
    names[:] = 0
    for kind, name in _TAG_NAMES:
        np.copyto(found, name_end[1 + len(name):1 + len(name) + size])
        for offset, byte in enumerate(name, 1):
            found &= np.equal(part[offset:offset + size], byte, out=same)
        names += np.multiply(found.view(np.uint8), kind, out=other)
    return names, name_end


def _spaces(np, markup, out):
    """Where bytes of a well-formed part (or its padding, 0) are a space, in ``out``: in XML no other byte
    below 33 stands anywhere."""
    np.subtract(markup, 1, out=out.view(np.uint8))
    return np.less(out.view(np.uint8), 32, out=out)


def _prefixed_tags(np, part, size: int, starts, names, name_end, scratch):
    """The cell, row and formula tags whose name has a prefix (``<x:c>``, ``</ä:row>``), the local name
    being what follows the first colon of the name: (their indices in ``starts``, their kinds, where
    their names end)."""
    colons = np.flatnonzero(np.equal(part[:size], ord(":"), out=scratch[:size]))
    kinds = names.take(colons)
    local = np.flatnonzero((kinds > 0) & (kinds != _ROW_END))
    if not local.size:
        return local, kinds[local], local
    kinds, local = kinds[local], colons[local]
    del colons
    tags = _counts_before(np, np.equal(part[:size], ord("<"), out=scratch[:size]), "counts")[local] - 1
    if tags[0] < 0:  # a colon in text before the first tag
        local, kinds, tags = local[tags >= 0], kinds[tags >= 0], tags[tags >= 0]
    name_start = starts[tags] + 1
    closing = part[name_start] == ord("/")
    name_start += closing
    stops = np.equal(part[:size], ord(":"), out=scratch[:size])
    stops |= name_end[:size]
    stops = _counts_before(np, stops, "counts")  # a colon or the name's end, before the colon: not the name's
    named = (stops[local] == stops[name_start]) & ~(closing & (kinds != _ROW))
    kinds, local, closing = kinds[named], local[named], closing[named]
    return tags[named], np.where(closing, _ROW_END, kinds), local + np.where(kinds == _ROW, 4, 2)


_SCRATCH_LIMIT = 2**24
"""Bytes of the largest buffer :func:`_scratch` keeps for a thread: enough for the masks and counts of a piece
(:data:`_PIECE`; a piece may reach twice that), so that a thread keeps at most a few of these."""
_KEPT = threading.local()


def _scratch(np, name: str, count: int, dtype):
    """An array of ``count`` items of ``dtype``, of any content: in each thread the same memory for each
    ``name`` at every call, as fresh memory costs a page fault per 4 KB, about as much as the work done in
    it. The caller overwrites what it reads and keeps nothing of it."""
    size = count * np.dtype(dtype).itemsize
    if size > _SCRATCH_LIMIT:
        return np.empty(count, dtype)
    kept = vars(_KEPT).setdefault("buffers", {})
    if name not in kept or len(kept[name]) < size:
        kept[name] = np.empty(size, np.uint8)
    return kept[name][:size].view(dtype)


class _counts_before:  # noqa: N801 (used like a function returning an array)
    """For each position of ``mask`` and the one after it, how many positions before it are set, indexed
    like an array: what ``searchsorted(flatnonzero(mask), positions)`` tells, without searching. Kept as
    the count before each block of 2**16 positions and, in 16 bits, the count within the block: two bytes
    a position (a search costs more time, 32 bits more memory; numpy sums 16 bits slowly, so each block
    is summed in 32)."""

    _BLOCK = 16

    def __init__(self, np, mask, name: str):
        size, block = len(mask), 1 << self._BLOCK
        self.within = _scratch(np, name, size + 1, np.uint16)
        sums, totals = _scratch(np, name + " of a block", block, np.int32), [0]
        for start in range(0, size, block):
            segment = mask[start:start + block]
            np.cumsum(segment, dtype=np.int32, out=sums[:len(segment)])
            self.within[start] = 0
            self.within[start + 1:start + len(segment) + 1] = sums[:len(segment)]  # the last: the next block's
            totals.append(totals[-1] + int(sums[len(segment) - 1]))
        if size % block == 0:
            self.within[size] = 0  # a block of its own
        self.blocks = np.array(totals, np.int64)

    def __getitem__(self, positions):
        return self.blocks[positions >> self._BLOCK] + self.within[positions]


_FEW_TAGS = 1024
"""Up to so many tags with attributes, each one's end is searched in the bytes (a third of a microsecond
each) rather than among all '>' of the part found by numpy (half a millisecond a megabyte)."""


class _Attributes:
    """The tags with attributes of a part: where each ends, and the values of one-letter attributes.

    Inside a well-formed tag, a quote either opens a value, closes one, or belongs to a value opened by
    the other quote. As states (0 outside, 1 in "...", 2 in '...'), ``"`` maps x to 1 - x and ``'``
    to 2 - x (mod 3); after k quotes from outside the state is the alternating sum of those
    constants, so one cumulative sum over the part tells for any position whether it lies in a value.
    That is needed only where a '>' or an attribute's name may stand in a value; the quotes are found
    only then.
    """

    def __init__(self, np, part, size: int, all_starts, indices, name_ends, scratch, markup: bytes):
        """``all_starts``: where every tag of the part starts; ``indices``, ``name_ends``: which of them have
        attributes, and where their names end; ``markup``: the part's bytes."""
        self.np, self.part, self.size, self.name_ends, self.markup = np, part, size, name_ends, markup
        self.all_starts, self.indices, self._starts = all_starts, indices, None
        self.scratch, self._quotes, self._quotes_before, self.sums, self.at_start = scratch, None, None, None, None
        if not len(indices):
            self.ends = name_ends
            return
        closes = np.equal(part[:size], ord(">"), out=scratch[:size])
        if np.count_nonzero(closes) == len(all_starts):  # each '>' ends a tag: the first after its name
            if len(indices) <= _FEW_TAGS:
                self.ends = np.array([markup.find(b">", end) for end in name_ends.tolist()], np.int64) + 1
            else:  # the k-th the k-th tag
                self.ends = np.flatnonzero(closes)[indices] + 1
            return
        closes = np.flatnonzero(closes)
        first = np.searchsorted(closes, name_ends)
        ends = closes[first]
        if len(closes) > len(all_starts):  # a '>' in text or in a value: is each tag's first '>' outside its values?
            inside = np.flatnonzero(~self._outside(None, ends))
            first = first[inside]
            for _ in range(3):  # a '>' or two in a value: try the next ones
                if not inside.size:
                    break
                first += 1
                found = self._outside(inside, closes[first])
                ends[inside[found]] = closes[first[found]]
                inside, first = inside[~found], first[~found]
            if inside.size:  # look at every '>' up to the next tag
                first = first + 1
                counts = np.searchsorted(closes, np.append(all_starts, size)[indices[inside] + 1]) - first
                owner = np.repeat(inside, counts)
                candidates = closes[np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts - first, counts)]
                found = self._outside(owner, candidates)
                owner, candidates = owner[found], candidates[found]
                first_of_owner = np.concatenate(([True], owner[1:] != owner[:-1]))
                if np.count_nonzero(first_of_owner) != len(inside):
                    raise _Rejected(Code.FILE_DAMAGED)
                ends[inside] = candidates[first_of_owner]
        self.ends = ends + 1

    @property
    def starts(self):
        """Where each tag with attributes starts."""
        if self._starts is None:
            self._starts = self.all_starts[self.indices]
        return self._starts

    @property
    def quotes(self):
        """Where each quote of the part stands."""
        if self._quotes is None:
            self._quotes = self.np.flatnonzero(self._quote_mask())
        return self._quotes

    @property
    def quotes_before(self):
        """For each position, how many quotes stand before it."""
        if self._quotes_before is None:
            self._quotes_before = _counts_before(self.np, self._quote_mask(), "quotes before")
        return self._quotes_before

    def _quote_mask(self):
        np, part, size = self.np, self.part, self.size
        quotes = np.equal(part[:size], ord('"'), out=self.scratch[:size])
        quotes |= part[:size] == ord("'")
        return quotes

    def _outside(self, tags, positions):
        np = self.np
        if self.sums is None:
            steps = 2 - (self.part[self.quotes] == ord('"')).view(np.int8)
            steps[1::2] *= -1
            self.sums = np.zeros(len(self.quotes) + 1, np.int32)  # at most two a quote
            np.cumsum(steps, dtype=np.int32, out=self.sums[1:])
            self.at_start = self.sums[self.quotes_before[self.starts]]
        at_start = self.at_start if tags is None else self.at_start[tags]  # None: every tag with attributes
        return (self.sums[self.quotes_before[positions]] - at_start) % 3 == 0

    def values(self, letter: int):
        """(tag, where the value starts, its quote) of each attribute named ``letter`` (one byte); the value
        ends at the next quote, its own unless the value holds the other quote (which no valid value does).

        Most writers put ``r`` first, one space after the name, and ``="`` right after it: there it is
        taken at once; only the other tags are searched."""
        np, part, size = self.np, self.part, self.size
        after_name = _byte_class(np, _SPACE + b"=")  # what may follow an attribute's name
        first = self.name_ends + 1
        tags = np.flatnonzero((part[first] == letter) & after_name[part[first + 1]])
        at = first[tags]
        quote = part[at + 2]
        direct = (part[at + 1] == ord("=")) & ((quote == ord('"')) | (quote == ord("'")))
        begin = at + 3
        if not direct.all():  # spaces around '=': the value starts after the next quote
            spaced = np.flatnonzero(~direct)
            begin[spaced] = self.quotes[self.quotes_before[at[spaced]]] + 1
        if len(tags) < len(first):  # the letter after a space and before a space or '=', in no tag's value
            found, other = np.equal(part[1:size], letter, out=self.scratch[1:size]), _scratch(np, "bytes", size, bool)
            found &= _spaces(np, part[:size - 1], other[1:])
            after = _spaces(np, part[2:size + 1], other[1:])
            after |= part[2:size + 1] == ord("=")
            found &= after
            elsewhere = np.flatnonzero(found) + 1
            owners = np.searchsorted(self.starts, elsewhere) - 1
            found = np.flatnonzero(owners >= 0)
            found = found[(elsewhere[found] < self.ends[owners[found]]) & (elsewhere[found] != first[owners[found]])]
            elsewhere, owners = elsewhere[found], owners[found]
            if len(elsewhere) <= _FEW_NAMES and int((elsewhere - self.starts[owners]).sum()) <= _FEW_NAMES * 64:
                read = [_read_in_tag(self.markup, start, at)
                        for start, at in zip(self.starts[owners].tolist(), elsewhere.tolist())]
                found = np.array([value is not None for value in read], bool)
                tags = np.concatenate((tags, owners[found]))
                begin = np.concatenate((begin, np.array([value for value in read if value is not None], np.int64)))
            else:
                found = self._outside(owners, elsewhere)
                tags = np.concatenate((tags, owners[found]))
                begin = np.concatenate((begin, self.quotes[self.quotes_before[elsewhere[found]]] + 1))
        return tags, begin, part[begin - 1]


_FEW_NAMES = 256
"""Up to so many attribute names found later in their tags (and 64 bytes of tag before each), each is
told inside or outside the values by reading its tag's quotes in Python rather than by the quote states
of the whole part, which cost a millisecond or two a megabyte."""
_QUOTE = re.compile(rb"[\"']")


def _read_in_tag(markup: bytes, start: int, at: int) -> int | None:
    """Where the value of the attribute named at ``at`` begins, None when ``at`` lies in a value of the
    tag that starts at ``start``."""
    inside = None
    for quote in _QUOTE.finditer(markup, start, at):
        inside = quote[0] if inside is None else None if inside == quote[0] else inside
    return None if inside is not None else _QUOTE.search(markup, at).end()


_ADDRESS_WIDTH = 22
"""Bytes of the longest address read, 7 letters and 15 digits; longer ones lie far beyond any limit."""


def _read_numbers(np, part, begin, quote, owner=None, number=None, column=None):
    """Each value from ``begin`` to the quote ``quote`` (the byte that opened it), read as an address
    (``[A-Za-z]{1,7}[0-9]{1,15}``) or a row number (``[0-9]{1,15}``) into ``number`` and ``column`` at
    ``owner`` (without them, only checked); returned: its count of letters (-1: neither). A byte of every
    value is read at a time, of those still being read, in place (in :func:`_scratch`: a sheet may hold a
    hundred thousand addresses)."""
    count = len(begin)
    letters = np.full(count, -1, np.int8)
    reading, position = _scratch(np, "reading", count, np.int32), _scratch(np, "position", count, np.intp)
    read_number = read_column = np.empty(0, np.int64)  # read only with somewhere to put it
    if number is not None:
        read_number, read_column = _scratch(np, "number", count, np.int64), _scratch(np, "column", count, np.int64)
    letter_count, digit_count = _scratch(np, "letters", count, np.uint8), _scratch(np, "digits", count, np.uint8)
    for array in (read_number, read_column, letter_count, digit_count):
        array[:] = 0
    reading[:], position[:] = np.arange(count), begin
    quote = quote.copy()
    for _ in range(_ADDRESS_WIDTH + 1):
        byte = part.take(position)
        closed = np.flatnonzero(byte == quote)
        if closed.size:
            done = closed[digit_count[closed] > 0]
            finished = reading[done]
            if number is not None:
                number[owner[finished]], column[owner[finished]] = read_number[done], read_column[done]
            letters[finished] = letter_count[done]
        upper = byte & 0xDF  # a-z as A-Z
        upper -= ord("A")
        in_letters = upper < 26  # below 'A' wraps around to more than 25
        in_letters &= digit_count == 0
        byte -= ord("0")
        in_digits = byte < 10
        if number is not None:
            read_column *= _times(np, in_letters, 26)
            upper += 1
            upper *= in_letters
            read_column += upper
            read_number *= _times(np, in_digits, 10)
            byte *= in_digits
            read_number += byte
        letter_count += in_letters
        digit_count += in_digits
        going = in_letters | in_digits
        going &= letter_count <= 7
        going &= digit_count <= 15
        going = np.flatnonzero(going)
        if not going.size:
            break
        if going.size < len(reading):  # in place: each goes to a place before it or stays
            reading, position, letter_count, digit_count, quote = (
                np.take(array, going, out=array[:going.size])
                for array in (reading, position, letter_count, digit_count, quote))
            if number is not None:
                read_number, read_column = (np.take(array, going, out=array[:going.size])
                                            for array in (read_number, read_column))
        position += 1
    return letters


def _times(np, mask, factor: int):
    """``factor`` where ``mask`` is set, else 1, a byte each."""
    times = np.multiply(mask.view(np.uint8), factor - 1)
    times += 1
    return times


def _running(np, increments, ops, resets, value_at, wanted, first: int = 1):
    """A position after each of the ``wanted`` tags: ``first`` at first, moved by ``increments`` (a mask: by
    one) at each tag, set to ``value_at(tags)`` at ``resets`` and raised to it at the other ``ops``.

    After tag t that is the steps taken so far plus the largest ``value - steps`` at an op since the
    last reset: a running maximum over the ops, each segment between resets lifted above all before it.
    """
    steps = np.cumsum(increments.astype(np.int32))  # not cumsum(dtype=): it casts each element, ten times slower
    at = np.flatnonzero(ops)
    if not at.size:
        return steps[wanted] + np.int64(first)  # a row after a piece may be far beyond 32 bits
    best = np.concatenate(([first], value_at(at) - steps[at]))  # before the first tag: first
    resetting = resets[at]
    if not resetting.all():  # some ops only raise the position: keep the largest since the last reset
        segments = np.cumsum(np.concatenate(([1], resetting.astype(np.int64))))
        low, high = int(best.min()), int(best.max())
        shifted, span, unique = best - low, high - low + 1, None
        if span * (int(segments[-1]) + 1) >= 2**62:  # lifting would overflow: rank the values instead
            unique, shifted = np.unique(shifted, return_inverse=True)
            span = len(unique)
        lift = segments * span
        best = np.maximum.accumulate(shifted + lift) - lift
        best = (best if unique is None else unique[best]) + low
    ops_so_far = np.cumsum(ops.astype(np.int32))  # for each tag, the ops up to it: a count costs less than a search
    return best[ops_so_far[wanted]] + steps[wanted]


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


# --- error values ---------------------------------------------------------------------------------

_ERROR_VALUE = re.compile(rb"\s*+(?:<(?:[\w.-]++:)?f(?=[\s/>])" + _ATTRIBUTE_TEXT + rb"(?:/>|>[^<]*+</(?:[\w.-]++:)?f>)"
                          rb"\s*+)?<(?:[\w.-]++:)?v(?=[\s>])" + _ATTRIBUTE_TEXT + rb">([^<]*+)<")
"""After the tag of an error cell: its formula, if any, then the error value calamine reads as empty."""
_SHEET_TAG = re.compile(rb"<(?:[\w.-]++:)?sheet(?=[\s/>])(" + _ATTRIBUTE_TEXT + rb")/?>")
_RELATIONSHIP_TAG = re.compile(rb"<(?:[\w.-]++:)?Relationship(?=[\s/>])(" + _ATTRIBUTE_TEXT + rb")/?>")


def _error_and_formula_cells(parts: dict[str, bytes], sheets: dict[str, bytes], placed: _PlacedCells
                             ) -> tuple[dict[int, _CellTexts], dict[int, _CellTexts]]:
    """The error cells (``t="e"``) and the formula cells of each worksheet, by its index in calamine's
    order of sheets.

    Only the worksheets found well-formed (``sheets``) are read; most hold neither, which three searches
    or their placed cells tell. What they hold is read when an answer cell asks for it (:class:`_CellTexts`).
    """
    holding = {name for name in sheets if placed.may_hold_texts(name)}
    if not holding:
        return {}, {}
    errors, formulas = {}, {}
    for index, name in enumerate(_sheet_parts(parts)):
        if name in holding:
            cells, xml = placed[name], _without_noise(sheets[name])
            errors[index] = _CellTexts(xml, cells, cells.error, _error_value)
            formulas[index] = _CellTexts(xml, cells, cells.formula, _formula_text)
    return errors, formulas


_ERROR_SPELLING = b't="e"'
"""An error value's type as every writer spells it."""


_ERROR_TYPE = re.compile(re.escape(_ERROR_SPELLING))
"""A search for it, faster than ``in``."""


def _may_hold_errors(xml: bytes) -> bool:
    return _ERROR_TYPE.search(xml) is not None


def _holds(np, part, size: int, text: bytes, scratch) -> bool:
    """Whether the first ``size`` bytes of a part (padded) hold ``text``: byte masks over the part, which
    cost a tenth of a search in bytes for a text whose last byte is common (a quote)."""
    found, other = np.equal(part[:size], text[0], out=scratch[:size]), _scratch(np, "bytes", size, bool)
    for offset, byte in enumerate(text[1:], 1):
        if not found.any():
            return False
        found &= np.equal(part[offset:offset + size], byte, out=other)
    return bool(found.any())


_FORMULA_NAMES = (re.compile(rb"<f[\s/>]"), re.compile(rb":f[\s/>]"))
"""Where a formula element's tag name (``<f>``, ``<x:f>``) could stand: two searches for a literal
start, each faster than one for either."""


def _may_hold_formulas(xml: bytes) -> bool:
    return any(name.search(xml) for name in _FORMULA_NAMES)


_FORMULA = re.compile(rb"\s*+<(?:[\w.-]++:)?f(?=[\s/>])" + _ATTRIBUTE_TEXT + rb"(?:/>|>([^<]*+)</(?:[\w.-]++:)?f>)")
"""A cell's formula element, right after the cell tag, with the formula's text."""


def _formula_text(xml: bytes, cell_end: int) -> str | None:
    formula = _FORMULA.match(xml, cell_end)
    return None if formula is None else _unescape(formula[1] or b"")


def _error_value(xml: bytes, cell_end: int) -> str | None:
    value = _ERROR_VALUE.match(xml, cell_end)
    return None if value is None else _error_text(value[1].decode("utf-8", "replace"))


class _CellTexts(Mapping):
    """Texts of some cells of a worksheet part (without markup noise) by 0-based (row, column), each
    read when asked for: a sheet may hold a million bytes of formulas, and only the answer cells are
    asked for. Where several cells share a position, the last one with a text counts."""

    def __init__(self, xml: bytes, cells: _CellTags, chosen: np.ndarray, read: Callable[[bytes, int], str | None]):
        import numpy as np

        chosen = np.flatnonzero(chosen)
        order = np.lexsort((chosen, cells.col[chosen], cells.row[chosen]))
        self.rows, self.cols = cells.row[chosen][order], cells.col[chosen][order]
        self.ends = cells.end[chosen][order]
        self.xml, self.read = xml, read

    def __getitem__(self, position: tuple[int, int]) -> str:
        import numpy as np

        row, col = position[0] + 1, position[1] + 1
        low, high = np.searchsorted(self.rows, (row, row + 1))
        low, high = low + np.searchsorted(self.cols[low:high], (col, col + 1))
        for end in reversed(self.ends[low:high].tolist()):
            text = self.read(self.xml, end)
            if text is not None:
                return text
        raise KeyError(position)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        positions = dict.fromkeys(zip((self.rows - 1).tolist(), (self.cols - 1).tolist()))
        return (position for position in positions if position in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


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
