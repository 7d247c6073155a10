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
_LARGE_PART = 2**16
"""From this size on, a part's cells are placed exactly at once: listing them costs more."""


def _quick_extent(xml: bytes) -> _Extent | None:
    """The extent of all cells of a small part, empty ones too, when every cell starts with a plain
    ``r`` as every common writer writes it; None otherwise. Counting empty cells only makes the extent
    larger."""
    if len(xml) > _LARGE_PART or b":c" in xml:  # large, or cells with a namespace prefix
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


class _PlacedCells(dict):
    """The cells of each worksheet part (:func:`_cell_tags`) by part name, each found when first needed."""

    def __init__(self, sheets: dict[str, bytes]):
        super().__init__()
        self.sheets = sheets

    def __missing__(self, name: str) -> _CellTags:
        cells = self[name] = _cell_tags(_without_noise(self.sheets[name]))
        return cells


def _extent(cells: _CellTags) -> _Extent:
    """Where calamine will place the cells of a worksheet part, judged on cells with a child element."""
    rows, cols = cells.row[~cells.empty], cells.col[~cells.empty]
    extent = _Extent()
    if rows.size and rows.max():
        extent.include(int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max()))
    return extent


@dataclass
class _CellTags:
    """The cell tags of a worksheet part in document order, as numpy arrays: where each starts ('<') and
    ends (after '>'), whether it is an empty element, its 1-based row and column as calamine places it,
    whether it says ``t="e"`` (an error value) and whether the next tag is a formula's."""

    start: np.ndarray
    end: np.ndarray
    empty: np.ndarray
    row: np.ndarray
    col: np.ndarray
    error: np.ndarray
    formula: np.ndarray


_CELL, _ROW, _ROW_END, _FORMULA_TAG = 1, 2, 3, 4
_SPACE = b" \t\r\n"
_NAME_END = _SPACE + b"/>"


def _cell_tags(xml: bytes) -> _CellTags:
    """Every cell of a well-formed worksheet part without markup noise, placed as calamine places it.

    An ``r`` attribute wins, otherwise the cell follows the previous one; ``</row>`` moves to the next
    row and column 1, ``<row r="..">`` sets the row. An empty element (``<c r="XFD9"/>``, ``<row/>``)
    holds nothing, but it may or may not move the implicit position depending on the reader version,
    so the larger outcome is assumed. A tag's name counts by its local part, after the first colon,
    whatever the prefix (calamine's reading); an attribute only unprefixed.

    Hostile sheets hold a million bytes of tags, so no step here runs in Python per tag: every tag,
    attribute and address is found and read by numpy over the whole part (tests/test_ingest.py keeps
    the per-tag walk this replaces, to compare).
    """
    import numpy as np

    part = np.frombuffer(xml + b"\0" * 24, np.uint8)  # room to look ahead of the last tag
    size = len(xml)
    space, name_end = _byte_class(np, _SPACE), _byte_class(np, _NAME_END)
    starts = np.flatnonzero(part[:size] == ord("<"))
    kinds = np.zeros(len(starts), np.int8)
    names = np.zeros(len(starts), np.int64)  # where each tag's (local) name ends
    for kind, name in _TAG_NAMES:
        tags = _named(np, part, starts + 1, name, name_end)
        kinds[tags], names[tags] = kind, starts[tags] + 1 + len(name)
    _add_prefixed_tags(np, part, size, starts, kinds, names, name_end)

    tags = np.flatnonzero((kinds > 0) & (kinds != _FORMULA_TAG))
    before_formula = np.append(kinds, 0)[tags + 1] == _FORMULA_TAG
    kind, name = kinds[tags], names[tags]
    opening = kind != _ROW_END
    after_name = part[name]
    has_attributes = opening & space[after_name]
    empty = opening & (after_name == ord("/"))
    end = name + 1 + empty
    quotes = _QuoteState(np, part, size)
    with_attributes = np.flatnonzero(has_attributes)
    next_starts = np.append(starts, size)[tags[with_attributes] + 1]
    end[with_attributes] = _tag_ends(np, part, size, starts[tags[with_attributes]], name[with_attributes],
                                     next_starts, quotes)
    empty[with_attributes] = part[end[with_attributes] - 2] == ord("/")
    addressed = np.zeros(len(tags), bool)
    values = np.zeros((2, len(tags)), np.int64)  # row and column of an address; a row's number
    owner, begin, stop = _attribute_values(np, part, starts[tags[with_attributes]], end[with_attributes],
                                           ord("r"), space, quotes)
    owner = with_attributes[owner]
    addressed[owner] = True
    number, column, row_valid, cell_valid = _read_numbers(np, part, begin, stop)
    if not np.all(np.where(kind[owner] == _CELL, cell_valid, row_valid)):
        raise _Rejected(Code.FILE_DAMAGED)
    values[0, owner], values[1, owner] = number, column
    error = np.zeros(len(tags), bool)
    owner, begin, stop = _attribute_values(np, part, starts[tags[with_attributes]], end[with_attributes],
                                           ord("t"), space, quotes)
    error[with_attributes[owner[(stop - begin == 1) & (part[begin] == ord("e"))]]] = True

    cell, row, row_end = kind == _CELL, kind == _ROW, kind == _ROW_END
    row_after = _running(np, row_end | (row & empty & ~addressed), values[0] + empty,
                         row & addressed, row & addressed & ~empty)
    col_after = _running(np, cell & ~addressed, np.where(row_end, 1, values[1] + 1),
                         (cell & addressed) | row_end, row_end | (cell & addressed & ~empty))
    cells = np.flatnonzero(cell)
    implicit = ~addressed[cells]
    return _CellTags(starts[tags[cells]], end[cells], empty[cells],
                     np.where(implicit, row_after[cells], values[0, cells]),
                     np.where(implicit, col_after[cells] - 1, values[1, cells]), error[cells], before_formula[cells])


_TAG_NAMES = ((_CELL, b"c"), (_ROW, b"row"), (_ROW_END, b"/row"), (_FORMULA_TAG, b"f"))


def _byte_class(np, members: bytes):
    table = np.zeros(256, bool)
    table[list(members)] = True
    return table


def _named(np, part, positions, name: bytes, name_end):
    """The indices of ``positions`` where a tag name ``name`` starts."""
    found = np.flatnonzero(part[positions] == name[0])
    for offset, byte in enumerate(name[1:], 1):
        found = found[part[positions[found] + offset] == byte]
    return found[name_end[part[positions[found] + len(name)]]]


def _add_prefixed_tags(np, part, size: int, starts, kinds, names, name_end) -> None:
    """Mark the cell and row tags whose name has a prefix (``<x:c>``, ``</ä:row>``): the local name is
    what follows the first colon of the name."""
    colons = np.flatnonzero(part[:size] == ord(":"))
    found = {kind: colons[_named(np, part, colons + 1, name, name_end)]
             for kind, name in _TAG_NAMES if not name.startswith(b"/")}
    if not any(local.size for local in found.values()):
        return
    stops = np.flatnonzero(name_end[part[:size]])
    for kind, local in found.items():
        tags = np.searchsorted(starts, local) - 1
        local, tags = local[tags >= 0], tags[tags >= 0]
        closing = part[starts[tags] + 1] == ord("/")
        name_start = starts[tags] + 1 + closing
        first_stop = stops[np.searchsorted(stops, name_start)]
        first_colon = colons[np.searchsorted(colons, name_start)]
        named = (first_colon == local) & (first_stop > local) & ~(closing & (kind != _ROW))
        kinds[tags[named]] = np.where(closing[named], _ROW_END, kind)
        names[tags[named]] = local[named] + 1 + len(dict(_TAG_NAMES)[kind])


class _QuoteState:
    """Whether a position inside a tag lies outside its attribute values, for many positions at once.

    Inside a well-formed tag, a quote either opens a value, closes one, or belongs to a value opened by
    the other quote. As states (0 outside, 1 in "...", 2 in '...'), ``"`` maps x to 1 - x and ``'``
    to 2 - x (mod 3); after k quotes from outside the state is the alternating sum of those
    constants, so one cumulative sum over the part answers for any stretch of it.
    """

    def __init__(self, np, part, size: int):
        self.np = np
        self.positions = np.flatnonzero((part[:size] == ord('"')) | (part[:size] == ord("'")))
        steps = np.where(part[self.positions] == ord('"'), 1, 2)
        steps[1::2] *= -1
        self.sums = np.concatenate(([0], np.cumsum(steps)))

    def outside(self, tag_starts, positions):
        np = self.np
        before = self.sums[np.searchsorted(self.positions, positions)]
        return (before - self.sums[np.searchsorted(self.positions, tag_starts)]) % 3 == 0


def _tag_ends(np, part, size: int, tag_starts, name_ends, next_starts, quotes: _QuoteState):
    """Where each tag with attributes ends (after its '>'): at the first '>' outside its values,
    which lies before the next tag."""
    closes = np.flatnonzero(part[:size] == ord(">"))
    first = np.searchsorted(closes, name_ends)
    ends = closes[first]
    inside = np.flatnonzero(~quotes.outside(tag_starts, ends))
    if inside.size:  # a '>' in a value: look at every '>' up to the next tag
        first, tag_starts = first[inside] + 1, tag_starts[inside]
        counts = np.searchsorted(closes, next_starts[inside]) - first
        owner = np.repeat(np.arange(len(inside)), counts)
        candidates = closes[np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts - first, counts)]
        found = quotes.outside(tag_starts[owner], candidates)
        owner, candidates = owner[found], candidates[found]
        first_of_owner = np.concatenate(([True], owner[1:] != owner[:-1]))
        if np.count_nonzero(first_of_owner) != len(inside):
            raise _Rejected(Code.FILE_DAMAGED)
        ends[inside] = candidates[first_of_owner]
    return ends + 1


def _attribute_values(np, part, tag_starts, tag_ends, letter: int, space, quotes: _QuoteState):
    """(tag, start and end of the value) of each attribute named ``letter`` (one byte) in the tags
    spanning ``tag_starts`` to ``tag_ends``; the end is the next quote, the value's own unless the value
    holds the other quote (which no valid value does)."""
    at = np.flatnonzero(part == letter)
    at = at[(at > 0) & (at < len(part) - 1)]
    at = at[space[part[at - 1]] & (space[part[at + 1]] | (part[at + 1] == ord("=")))]
    tags = np.searchsorted(tag_starts, at) - 1
    found = tags >= 0
    found[found] &= at[found] < tag_ends[tags[found]]
    at, tags = at[found], tags[found]
    found = quotes.outside(tag_starts[tags], at)
    at, tags = at[found], tags[found]
    opening = np.searchsorted(quotes.positions, at)
    begin, stop = quotes.positions[opening] + 1, quotes.positions[opening + 1]
    same = part[begin - 1] == part[stop]
    return tags, begin, np.where(same, stop, len(part))


_ADDRESS_WIDTH = 22
"""Bytes of the longest address read, 7 letters and 15 digits; longer ones lie far beyond any limit."""


def _read_numbers(np, part, begin, stop):
    """Each value from ``begin`` to ``stop``, read as an address (``[A-Za-z]{1,7}[0-9]{1,15}``) and as a
    row number (``[0-9]{1,15}``): (its number, its column, whether it is a row number, whether it is
    an address). The values of one length and one count of letters are read together."""
    length = stop - begin
    number, column = np.zeros(len(begin), np.int64), np.zeros(len(begin), np.int64)
    letters = np.full(len(begin), -1)  # -1: neither
    for size in np.flatnonzero(np.bincount(np.minimum(length, _ADDRESS_WIDTH + 1))):
        if not 0 < size <= _ADDRESS_WIDTH:
            continue
        group = np.flatnonzero(length == size)
        values = part[begin[group, None] + np.arange(size)].astype(np.int64)
        upper = values & 0xDF  # a-z as A-Z
        is_letter = (upper >= ord("A")) & (upper <= ord("Z"))
        leading = np.where(is_letter.all(axis=1), size, np.argmin(is_letter, axis=1))
        is_digit = (values >= ord("0")) & (values <= ord("9"))
        readable = np.all(is_digit | (np.arange(size) < leading[:, None]), axis=1) & (leading <= 7) & (
            size - leading >= 1) & (size - leading <= 15)
        for count in np.unique(leading[readable]).tolist():
            chosen = readable & (leading == count)
            number[group[chosen]] = (values[chosen, count:] - ord("0")) @ 10 ** np.arange(size - count - 1, -1, -1)
            column[group[chosen]] = (upper[chosen, :count] - (ord("A") - 1)) @ 26 ** np.arange(count - 1, -1, -1)
            letters[group[chosen]] = count
    return number, column, letters == 0, letters >= 1


def _running(np, increments, values, ops, resets):
    """A position after each tag: 1 at first, one more at each of ``increments``, set to ``values`` at
    ``resets`` and raised to ``values`` at the other ``ops``.

    After tag t that is the steps taken so far plus the largest ``value - steps`` at an op since the
    last reset: a running maximum over the ops, each segment between resets lifted above all before it.
    """
    steps = np.cumsum(increments, dtype=np.int64)
    at = np.flatnonzero(ops)
    if not at.size:
        return steps + 1
    candidates = np.concatenate(([1], values[at] - steps[at]))  # before the first tag: 1
    segments = np.cumsum(np.concatenate(([True], resets[at])))
    low, high = int(candidates.min()), int(candidates.max())
    shifted, span, unique = candidates - low, high - low + 1, None
    if span * (int(segments[-1]) + 1) >= 2**62:  # lifting would overflow: rank the values instead
        unique, shifted = np.unique(shifted, return_inverse=True)
        span = len(unique)
    lift = segments * span
    best = np.maximum.accumulate(shifted + lift) - lift
    if unique is not None:
        best = unique[best]
    return best[np.cumsum(ops)] + low + steps


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
            cells, xml = placed[name], _without_noise(xml)
            errors[index] = _CellTexts(xml, cells, cells.error, _error_value)
            formulas[index] = _CellTexts(xml, cells, cells.formula, _formula_text)
    return errors, formulas


def _may_hold_errors(xml: bytes) -> bool:
    return b't="e"' in xml  # as every writer spells it


def _may_hold_formulas(xml: bytes) -> bool:
    return b"<f" in xml or b":f" in xml


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

        chosen = np.flatnonzero(chosen & ~cells.empty)
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
