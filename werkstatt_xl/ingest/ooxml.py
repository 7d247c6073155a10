"""OOXML workbooks (xlsx, xlsm): the used range of each worksheet, its error values and the shared-string count.

Parts are named as :func:`.common._part_name` makes them: calamine finds ``XL\\Workbook.XML`` as
``xl/workbook.xml``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Mapping
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


def _inspect_ooxml(parts: dict[str, bytes], limits: Limits) -> _Container:
    sheets = {name: xml for name, xml in parts.items() if b"sheetData" in xml}
    for xml in sheets.values():
        _require_well_formed(xml)
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
        extent.include(int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max()))
    return extent


@dataclass
class _CellTags:
    """The cells of a worksheet part that are no empty element (``<c/>``), in document order, as numpy
    arrays: where each tag ends (after '>'), its 1-based row and column as calamine places it, whether
    it says ``t="e"`` (an error value) and whether the next tag is a formula's."""

    end: np.ndarray
    row: np.ndarray
    col: np.ndarray
    error: np.ndarray
    formula: np.ndarray


_CELL, _ROW, _ROW_END, _FORMULA_TAG = 1, 2, 3, 4
_SPACE = b" \t\r\n"
_NAME_END = _SPACE + b"/>"


def _cell_tags(xml: bytes, piece_size: int = _PIECE) -> _CellTags:
    """Every cell of a well-formed worksheet part without markup noise, placed as calamine places it
    (:func:`_place`).

    numpy's arrays take 10-20 bytes per byte of what they place, so a part larger than ``piece_size``
    is placed in pieces (:func:`_pieces`), each from the position the pieces before it left.
    """
    if len(xml) <= piece_size:
        return _place(xml)[0]
    import numpy as np

    errors = _may_hold_errors(xml) or _may_hold_formulas(xml)  # at least where _place looks for them
    position, formulas, joined, count = (1, 1), False, {}, 0
    for begin, piece, following, lone_tag_end in _pieces(xml, piece_size):
        next_formula = _FORMULA_START.match(xml, following) is not None
        cells, position, formula_tags = _place(piece, position, errors, next_formula)
        if lone_tag_end is None:
            cells.end += begin
        else:
            cells.end[:] = lone_tag_end
        formulas |= formula_tags
        if not joined:  # room for a cell per '<', the most there can be: only the pages written take memory
            joined = {name: np.empty(xml.count(b"<"), array.dtype) for name, array in vars(cells).items()}
        for name, array in vars(cells).items():
            joined[name][count:count + len(array)] = array
        count += len(cells.end)
    cells = _CellTags(**{name: array[:count] for name, array in joined.items()})
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


def _place(xml: bytes, position: tuple[int, int] | None = None, errors: bool | None = None,
           next_formula: bool = False) -> tuple[_CellTags, tuple[int, int] | None, bool]:
    """Every cell of a well-formed piece of a worksheet part without markup noise, placed as calamine
    places it, from ``position`` (row, column) on: (the cells, the position after the piece, whether the
    piece holds a formula tag). Without ``position``, a whole part from (1, 1), and no position after it.
    ``errors``: whether to look for error values (None: if the piece may hold one or holds a formula);
    ``next_formula``: whether the tag after the piece is a formula's.

    An ``r`` attribute wins, otherwise the cell follows the previous one; ``</row>`` moves to the next
    row and column 1, ``<row r="..">`` sets the row. An empty element (``<c r="XFD9"/>``, ``<row/>``)
    holds nothing, but it may or may not move the implicit position depending on the reader version,
    so the larger outcome is assumed. A tag's name counts by its local part, after the first colon,
    whatever the prefix (calamine's reading); an attribute only unprefixed.

    Hostile sheets hold a million bytes of tags, so no step here runs in Python per tag: every tag,
    attribute and address is found and read by numpy over the whole piece (tests/test_ingest_extent.py
    keeps the per-tag walk this replaces, to compare).
    """
    import numpy as np

    part = np.frombuffer(xml + b"\0" * 24, np.uint8)  # room to look ahead of the last tag
    size = len(xml)
    scratch = np.empty(len(part), bool)  # for masks over the whole part: fresh pages cost as much as the work
    starts = np.flatnonzero(np.equal(part[:size], ord("<"), out=scratch[:size]))
    name_end = np.zeros(len(part), bool)
    for byte in _NAME_END:
        name_end |= np.equal(part, byte, out=scratch)
    names = _names(np, part, size, name_end, scratch)
    kinds = np.zeros(len(starts) + 1, np.int8)  # one more: the kind of the tag after the last
    kinds[:-1] = names[starts]
    kinds[-1] = _FORMULA_TAG if next_formula else 0
    prefixed, prefixed_kinds, prefixed_names = _prefixed_tags(np, part, size, starts, names, name_end, scratch)
    kinds[prefixed] = prefixed_kinds
    del names, name_end  # a byte each per byte of the part: gone before the arrays per tag come

    tags = np.flatnonzero((kinds > 0) & (kinds != _FORMULA_TAG))
    kind = kinds[tags]
    name = starts[tags] + 1 + np.array([len(name) for _, name in ((0, b""), *_TAG_NAMES)])[kind]
    if prefixed.size and tags.size:  # prefixed formula tags only: no tag to name
        where = np.minimum(np.searchsorted(tags, prefixed), len(tags) - 1)
        found = tags[where] == prefixed
        name[where[found]] = prefixed_names[found]
    after_name = part[name]
    empty = after_name == ord("/")
    end = name + 1 + empty
    with_attributes = np.flatnonzero(_byte_class(np, _SPACE)[after_name] & (kind != _ROW_END))
    attributes = _Attributes(np, part, size, starts[tags[with_attributes]], name[with_attributes],
                             np.append(starts, size)[tags[with_attributes] + 1],
                             np.flatnonzero(np.equal(part[:size], ord(">"), out=scratch[:size])), len(starts),
                             scratch)
    end[with_attributes] = attributes.ends
    empty[with_attributes] = part[attributes.ends - 2] == ord("/")

    addressed = np.zeros(len(tags), bool)
    number, column = np.zeros(len(tags), np.int64), np.zeros(len(tags), np.int64)  # of an address; a row's number
    owner, begin, stop = attributes.values(ord("r"))
    owner = with_attributes[owner]
    addressed[owner] = True
    number[owner], column[owner], letters = _read_numbers(np, part, begin, stop)
    if np.any(np.where(kind[owner] == _CELL, letters < 1, letters != 0)):
        raise _Rejected(Code.FILE_DAMAGED)
    error = np.zeros(len(tags), bool)
    formulas = bool((kinds == _FORMULA_TAG).any())
    if errors or (errors is None and (_may_hold_errors(xml) or formulas)):  # as the sheet's error values are looked for
        owner, begin, stop = attributes.values(ord("t"))
        error[with_attributes[owner[(stop - begin == 1) & (part[begin] == ord("e"))]]] = True

    cell, row, row_end = kind == _CELL, kind == _ROW, kind == _ROW_END
    cells = np.flatnonzero(cell & ~empty)
    row_of, col_of = number[cells], column[cells]
    implicit = np.flatnonzero(~addressed[cells])
    wanted = np.append(cells[implicit], len(tags) - 1)  # and the last tag, for the position after the piece
    after, (first_row, first_col) = position, position or (1, 1)
    if len(tags) and (implicit.size or position):
        rows = _running(np, row_end | (row & empty & ~addressed), row & addressed, row & addressed & ~empty,
                        lambda at: number[at] + empty[at], wanted, first_row)
        cols = _running(np, cell & ~addressed, (cell & addressed) | row_end, row_end | (cell & addressed & ~empty),
                        lambda at: np.where(row_end[at], 1, column[at] + 1), wanted, first_col)
        row_of[implicit], col_of[implicit], after = rows[:-1], cols[:-1] - 1, (int(rows[-1]), int(cols[-1]))
    return _CellTags(end[cells], row_of, col_of, error[cells], kinds[tags[cells] + 1] == _FORMULA_TAG), after, formulas


_TAG_NAMES = ((_CELL, b"c"), (_ROW, b"row"), (_ROW_END, b"/row"), (_FORMULA_TAG, b"f"))


def _byte_class(np, members: bytes):
    table = np.zeros(256, bool)
    table[list(members)] = True
    return table


def _names(np, part, size: int, name_end, scratch):
    """For each position of the part, the kind of tag name that starts right after it (0: none of
    :data:`_TAG_NAMES`): byte masks over the whole part, as gathering at each tag would cost more."""
    names = np.zeros(size, np.int8)
    found = np.empty(size, bool)
    for kind, name in _TAG_NAMES:
        np.copyto(found, name_end[1 + len(name):1 + len(name) + size])
        for offset, byte in enumerate(name, 1):
            found &= np.equal(part[offset:offset + size], byte, out=scratch[:size])
        names[found] = kind
    return names


def _prefixed_tags(np, part, size: int, starts, names, name_end, scratch):
    """The cell, row and formula tags whose name has a prefix (``<x:c>``, ``</ä:row>``), the local name
    being what follows the first colon of the name: (their indices in ``starts``, their kinds, where
    their names end)."""
    colons = np.flatnonzero(np.equal(part[:size], ord(":"), out=scratch[:size]))
    kinds = names[colons]
    local = np.flatnonzero((kinds > 0) & (kinds != _ROW_END))
    tags = np.searchsorted(starts, colons[local]) - 1
    local, tags = local[tags >= 0], tags[tags >= 0]
    if not local.size:
        return tags, kinds[local], tags
    kinds, local = kinds[local], colons[local]
    closing = part[starts[tags] + 1] == ord("/")
    name_start = starts[tags] + 1 + closing
    stops = np.flatnonzero(name_end[:size])
    first_colon, first_stop = colons[np.searchsorted(colons, name_start)], stops[np.searchsorted(stops, name_start)]
    named = (first_colon == local) & (first_stop > local) & ~(closing & (kinds != _ROW))
    kinds, local, closing = kinds[named], local[named], closing[named]
    return tags[named], np.where(closing, _ROW_END, kinds), local + np.where(kinds == _ROW, 4, 2)


class _Attributes:
    """The tags with attributes of a part: where each ends, and the values of one-letter attributes.

    Inside a well-formed tag, a quote either opens a value, closes one, or belongs to a value opened by
    the other quote. As states (0 outside, 1 in "...", 2 in '...'), ``"`` maps x to 1 - x and ``'``
    to 2 - x (mod 3); after k quotes from outside the state is the alternating sum of those
    constants, so one cumulative sum over the part tells for any position whether it lies in a value.
    That is needed only where a '>' or an attribute's name may stand in a value.
    """

    def __init__(self, np, part, size: int, starts, name_ends, next_starts, closes, tag_count: int, scratch):
        self.np, self.part, self.starts, self.name_ends, self.scratch = np, part, starts, name_ends, scratch
        quotes = np.equal(part[:size], ord('"'), out=scratch[:size])
        quotes |= part[:size] == ord("'")
        self.quotes = np.flatnonzero(quotes)
        self.sums = self.at_start = None
        first = np.searchsorted(closes, name_ends)
        ends = closes[first]
        if len(closes) > tag_count:  # a '>' in text or in a value: is each tag's first '>' outside its values?
            inside = np.flatnonzero(~self._outside(np.arange(len(starts)), ends))
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
                counts = np.searchsorted(closes, next_starts[inside]) - first
                owner = np.repeat(inside, counts)
                candidates = closes[np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts - first, counts)]
                found = self._outside(owner, candidates)
                owner, candidates = owner[found], candidates[found]
                first_of_owner = np.concatenate(([True], owner[1:] != owner[:-1]))
                if np.count_nonzero(first_of_owner) != len(inside):
                    raise _Rejected(Code.FILE_DAMAGED)
                ends[inside] = candidates[first_of_owner]
        self.ends = ends + 1

    def _outside(self, tags, positions, quotes_before=None):
        np = self.np
        if self.sums is None:
            steps = 2 - (self.part[self.quotes] == ord('"'))
            steps[1::2] *= -1
            self.sums = np.zeros(len(self.quotes) + 1, np.int64)
            np.cumsum(steps, out=self.sums[1:])
            self.at_start = self.sums[np.searchsorted(self.quotes, self.starts)]
        if quotes_before is None:
            quotes_before = np.searchsorted(self.quotes, positions)
        return (self.sums[quotes_before] - self.at_start[tags]) % 3 == 0

    def values(self, letter: int):
        """(tag, start and end of the value) of each attribute named ``letter`` (one byte); the end is the
        next quote, the value's own unless the value holds the other quote (which no valid value does).

        Most writers put ``r`` first, one space after the name: there it is taken at once; only the other
        tags are searched."""
        np, part = self.np, self.part
        space, after_name = _byte_class(np, _SPACE), _byte_class(np, _SPACE + b"=")  # what may follow a name
        first = self.name_ends + 1
        tags = np.flatnonzero((part[first] == letter) & after_name[part[first + 1]])
        at = first[tags]
        quotes_before = np.searchsorted(self.quotes, at)
        if len(tags) < len(first):
            elsewhere = np.flatnonzero(np.equal(part[1:-1], letter, out=self.scratch[1:-1])) + 1
            elsewhere = elsewhere[space[part[elsewhere - 1]] & after_name[part[elsewhere + 1]]]
            owners = np.searchsorted(self.starts, elsewhere) - 1
            found = np.flatnonzero(owners >= 0)
            found = found[(elsewhere[found] < self.ends[owners[found]]) & (elsewhere[found] != first[owners[found]])]
            elsewhere, owners = elsewhere[found], owners[found]
            elsewhere_quotes = np.searchsorted(self.quotes, elsewhere)
            found = self._outside(owners, elsewhere, elsewhere_quotes)
            tags = np.concatenate((tags, owners[found]))
            quotes_before = np.concatenate((quotes_before, elsewhere_quotes[found]))
        begin, stop = self.quotes[quotes_before] + 1, self.quotes[quotes_before + 1]
        return tags, begin, np.where(part[begin - 1] == part[stop], stop, len(part))


_ADDRESS_WIDTH = 22
"""Bytes of the longest address read, 7 letters and 15 digits; longer ones lie far beyond any limit."""


def _read_numbers(np, part, begin, stop):
    """Each value from ``begin`` to ``stop``, read as an address (``[A-Za-z]{1,7}[0-9]{1,15}``) or a row
    number (``[0-9]{1,15}``): its number, its column and its count of letters (-1: neither). The values
    of one length are read together, byte by byte."""
    length = np.minimum(stop - begin, _ADDRESS_WIDTH + 1).astype(np.uint8)
    order = np.argsort(length, kind="stable")  # a radix sort for bytes
    bounds = np.searchsorted(length[order], np.arange(_ADDRESS_WIDTH + 2))
    number, column = np.zeros(len(begin), np.int64), np.zeros(len(begin), np.int64)
    letters = np.full(len(begin), -1)
    for width in range(1, _ADDRESS_WIDTH + 1):
        group = order[bounds[width]:bounds[width + 1]]
        if not group.size:
            continue
        position = begin[group]
        count = np.zeros(len(group), np.int64)
        in_letters, readable = np.ones(len(group), bool), np.ones(len(group), bool)
        group_number, group_column = np.zeros(len(group), np.int64), np.zeros(len(group), np.int64)
        for _ in range(width):  # Horner's rule on the letters, then on the digits; bytes and flags stay small
            byte = part[position]
            position += 1
            upper = byte & 0xDF  # a-z as A-Z
            in_letters &= (upper >= ord("A")) & (upper <= ord("Z"))
            readable &= in_letters | (byte - ord("0") <= 9)  # below '0' wraps around to more than 9
            count += in_letters
            np.multiply(group_column, 26, out=group_column, where=in_letters)
            np.add(group_column, upper - (ord("A") - 1), out=group_column, where=in_letters)
            in_digits = ~in_letters
            np.multiply(group_number, 10, out=group_number, where=in_digits)
            np.add(group_number, byte - ord("0"), out=group_number, where=in_digits)
        readable &= (count <= 7) & (width - count >= 1) & (width - count <= 15)
        number[group], column[group], letters[group] = group_number, group_column, np.where(readable, count, -1)
    return number, column, letters


def _running(np, increments, ops, resets, value_at, wanted, first: int = 1):
    """A position after each of the ``wanted`` tags: ``first`` at first, one more at each of ``increments``, set
    to ``value_at(tags)`` at ``resets`` and raised to it at the other ``ops``.

    After tag t that is the steps taken so far plus the largest ``value - steps`` at an op since the
    last reset: a running maximum over the ops, each segment between resets lifted above all before it.
    """
    steps = np.cumsum(increments.astype(np.int64))  # not cumsum(dtype=): it casts each element, ten times slower
    at = np.flatnonzero(ops)
    if not at.size:
        return steps[wanted] + first
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
    return best[np.searchsorted(at, wanted, side="right")] + steps[wanted]


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


_ERROR_TYPE = re.compile(rb't="e"')
"""The type of an error cell as every writer spells it (a search finds it faster than ``in``)."""


def _may_hold_errors(xml: bytes) -> bool:
    return _ERROR_TYPE.search(xml) is not None


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
