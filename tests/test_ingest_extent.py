"""Where the guards place the cells of an .xlsx worksheet, against the per-tag walk they used before
(kept here as the reference) on thousands of random sheets, and against what python-calamine reads.

Each random sheet mixes what a hostile writer may mix: cells with and without ``r``, ``r`` first or
later or quoted with ``'``, namespace prefixes, empty elements, rows with and without ``r``, empty
rows, attribute values holding '>', quotes and ``r="…"``, comments, whitespace, and now and then an
address no reader accepts.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path
from typing import Iterator

import pytest
from ingest_files import UNPLACED_SHEETS, read_part, rezip, write_questionnaire
from python_calamine import CalamineWorkbook

from werkstatt_xl.ingest import ooxml
from werkstatt_xl.ingest.common import _ATTRIBUTE_TEXT, _attribute, _Extent, _Rejected, _without_noise
from werkstatt_xl.messages import Code

SHEET = "xl/worksheets/sheet1.xml"


# --- the walk the guards used before: one regular expression match and one Python step per tag ---

_OOXML_TAG = re.compile(rb"<(?:(/)(?:[\w.-]++:)?row\s*+>|(?:[\w.-]++:)?(row|c)(?=[\s/>])\s*+"
                        rb"(?:r\s*=\s*([\"'][^\"']*+)[\"'])?(" + _ATTRIBUTE_TEXT + rb")(/?)>)")
_CELL_REF = re.compile(rb"([A-Za-z]{1,7})(\d{1,15})")


def reference_cells(xml: bytes) -> Iterator[tuple[int, int, bool]]:
    """(row, column, empty) of each cell, as the guards placed them up to 2026-11-28."""
    return ((row, col, empty) for row, col, empty, _ in reference_walk(_without_noise(xml)))


def reference_walk(xml: bytes) -> Iterator[tuple[int, int, bool, re.Match]]:
    row = col = 1
    for match in _OOXML_TAG.finditer(xml):
        closing, tag, leading, rest, empty = match.groups()
        if closing:
            row, col = row + 1, 1
            continue
        ref = leading[1:] if leading else _attribute(rest, b"r") if rest else None
        if tag == b"row":
            if empty:
                row = max(row, reference_row(ref) + 1) if ref is not None else row + 1
            elif ref is not None:
                row = reference_row(ref)
        else:
            if ref is None:
                cell_row, cell_col = row, col
                col += 1
            else:
                cell_row, cell_col = reference_position(ref)
                col = max(col, cell_col + 1) if empty else cell_col + 1
            yield cell_row, cell_col, bool(empty), match


def reference_texts(xml: bytes) -> tuple[dict, dict]:
    """The error values and formulas of a sheet's cells, as the guards read them up to 2026-11-28."""
    if not (b't="e"' in xml or re.search(rb"<(?:[\w.-]++:)?f[\s/>]", xml)):
        return {}, {}
    xml = _without_noise(xml)
    errors, formulas = {}, {}
    for row, col, empty, match in reference_walk(xml):
        if empty:
            continue
        formula = ooxml._FORMULA.match(xml, match.end())
        if formula is not None:
            formulas[(row - 1, col - 1)] = ooxml._unescape(formula[1] or b"")
        if _attribute(match[4], b"t") == b"e":
            value = ooxml._ERROR_VALUE.match(xml, match.end())
            if value is not None:
                errors[(row - 1, col - 1)] = ooxml._error_text(value[1].decode("utf-8", "replace"))
    return errors, formulas


def texts(xml: bytes, piece_size: int = ooxml._PIECE) -> tuple[dict, dict]:
    """The error values and formulas of a sheet's cells as the guards read them now."""
    placed = ooxml._PlacedCells({"sheet": xml})
    if not placed.may_hold_texts("sheet"):
        return {}, {}
    cells = placed["sheet"] = ooxml._cell_tags(_without_noise(xml), piece_size)
    xml = _without_noise(xml)
    return (dict(ooxml._CellTexts(xml, cells, cells.error, ooxml._error_value)),
            dict(ooxml._CellTexts(xml, cells, cells.formula, ooxml._formula_text)))


def reference_position(ref: bytes) -> tuple[int, int]:
    match = _CELL_REF.fullmatch(ref)
    if match is None:
        raise _Rejected(Code.FILE_DAMAGED)
    return int(match[2]), ooxml._column_number(match[1])


def reference_row(text: bytes) -> int:
    if not (text.isdigit() and len(text) <= 15):
        raise _Rejected(Code.FILE_DAMAGED)
    return int(text)


def reference_extent(xml: bytes) -> tuple[int, int, int, int] | None:
    top = left = sys.maxsize
    bottom = right = 0
    for row, col, empty in reference_cells(xml):
        if not empty:
            top, bottom, left, right = min(top, row), max(bottom, row), min(left, col), max(right, col)
    extent = _Extent()
    if bottom:
        extent.include(top, left, bottom, right)
    return extent.bounds


# --- random sheets -------------------------------------------------------------------------------

class SheetMaker:
    """Random worksheet parts; ``calamine_safe`` keeps every position small enough to read, and leaves
    out what no reader accepts; ``non_ascii`` adds the prefixes and attribute names the old walk missed."""

    def __init__(self, seed: int, *, calamine_safe: bool = False, non_ascii: bool = False):
        self.rng = random.Random(seed)
        self.safe, self.non_ascii = calamine_safe, non_ascii
        self.values = 0

    def sheet(self) -> bytes:
        rng = self.rng
        body = "".join(self.row() if rng.random() < 0.85 else self.cell() for _ in range(rng.randint(0, 9)))
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
                'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x="urn:x" '
                'xmlns:ä="urn:a"><sheetData>' + body + "</sheetData></worksheet>").encode()

    def space(self) -> str:
        return self.rng.choice(["", "", "", " ", "\n", "\r\n\t "])

    def prefix(self) -> str:
        choices = ["", "", "", "", "x:"] + (["ä:"] if self.non_ascii else [])
        return self.rng.choice(choices)

    def number(self) -> str:
        rng = self.rng
        if self.safe or rng.random() < 0.7:
            return str(rng.randint(1, 40))
        return rng.choice([str(rng.randint(1, 10**15 - 1)), "0", "5000", "5001", "1048576", "007"])

    def address(self) -> str:
        rng = self.rng
        if not self.safe and rng.random() < 0.04:
            return rng.choice(["", "A", "1", "1A", "A0", "&#65;1", "A+1", "ABCDEFGH1", "A1234567890123456", "A 1"])
        if self.safe or rng.random() < 0.7:
            letters = "".join(rng.choice("ABCDE") for _ in range(rng.randint(1, 1 if self.safe else 2)))
        else:
            letters = rng.choice(["GR", "GS", "XFD", "xfd", "ZZZZZZZ", "b"])
        return letters + self.number()

    def attributes(self, name: str, value: str | None) -> str:
        """Attribute text (leading space included) with ``name="value"`` somewhere, or without it."""
        rng = self.rng
        others = [f'{self.space()}{key}{self.space()}={self.space()}{quoted}' for key, quoted in rng.sample([
            ("s", '"1"'), ("t", '"n"' if self.safe else rng.choice(["'e'", '"e"'])), ("ht", '"a>b"'),
            ("q", "\"it's\""), ("z", "'a\"b'"), ("spans", '"1:4"'), ("o", "' r=\"ZZ99\" '"), ("p", '" r=\'ZZ9\' / > "'), ("x:r", '"ZZ99"'),
            ("rr", '"ZZ9"'), ("ar", '"ZZ9"'),
        ] + ([("ä", "\"r='ZZ99'\"")] if self.non_ascii else []), rng.randint(0, 3))]
        # an attribute once per tag: drop repeated names
        seen, unique = set(), []
        for text in others:
            key = text.split("=")[0].strip()
            if key not in seen:
                seen.add(key)
                unique.append(text)
        if value is not None:
            quote = rng.choice("\"'")
            unique.insert(rng.randint(0, len(unique)), f"{self.space()}{name}{self.space()}={self.space()}"
                                                       f"{quote}{value}{quote}")
        return "".join(" " + text.lstrip() if text[:1] not in " \n\r\t" else text for text in unique)

    def cell(self) -> str:
        rng = self.rng
        prefix = self.prefix()
        ref = self.address() if rng.random() < 0.5 else None
        attributes = self.attributes("r", ref) + self.space()
        roll = rng.random()
        if roll < 0.3:
            return f"<{prefix}c{attributes}/>" + self.space()
        self.values += 1
        content = "" if roll < 0.35 else f"<{prefix}v>{self.values}</{prefix}v>"
        if roll > 0.8:
            formula = rng.choice([f"<{prefix}f>A{self.values}+1</{prefix}f>", f"<{prefix}f/>",
                                  f'<{prefix}f t="shared" si="0"/>', "<f>1&amp;2</f>"])
            content = self.space() + formula + self.space() + content
        if rng.random() < 0.1:
            content = f"<!-- <c r=\"XFD9\"><v>1</v></c> -->{content}"
        return f"<{prefix}c{attributes}>{content}</{prefix}c>" + self.space()

    def row(self) -> str:
        rng = self.rng
        prefix = self.prefix()
        number = self.number() if rng.random() < 0.5 else None
        if not self.safe and number is not None and rng.random() < 0.03:
            number = rng.choice(["", "+1", "1 ", "1234567890123456", "x"])
        attributes = self.attributes("r", number) + self.space()
        if rng.random() < 0.2:
            return f"<{prefix}row{attributes}/>" + self.space()
        cells = "".join(self.cell() for _ in range(rng.randint(0, 6)))
        return f"<{prefix}row{attributes}>{self.space()}{cells}</{prefix}row{self.space()}>" + self.space()


def placed(xml: bytes, piece_size: int = ooxml._PIECE) -> tuple[list[tuple[int, int]] | Code, tuple | None]:
    """(where each cell that is no empty element lies, the extent) as the guards place them now, in
    pieces of ``piece_size`` bytes, or the rejection's code."""
    try:
        cells = ooxml._cell_tags(_without_noise(xml), piece_size)
        return list(zip(cells.row.tolist(), cells.col.tolist())), ooxml._extent(cells).bounds
    except _Rejected as rejected:
        return rejected.code, None


def as_before(xml: bytes) -> tuple[list[tuple[int, int]] | Code, tuple | None]:
    try:
        return [(row, col) for row, col, empty in reference_cells(xml) if not empty], reference_extent(xml)
    except _Rejected as rejected:
        return rejected.code, None


def test_random_sheets_are_placed_as_the_per_tag_walk_placed_them():
    """Same cells, same extent, same rejections; and, where the sheet passes, the same error values
    and formulas: placed at once and in pieces of a few bytes (each tag on its own, down to one byte:
    each placed on its own, the text after it left out)."""
    maker = SheetMaker(20261129)
    rejected = with_texts = 0
    for _ in range(3000):
        xml = maker.sheet()
        piece_size = maker.rng.choice([1, 2, 5, 17, 60, 200])
        ooxml._require_well_formed(xml)
        expected = as_before(xml)
        assert placed(xml) == expected, xml
        assert placed(xml, piece_size) == expected, (xml, piece_size)
        rejected += expected[0] == Code.FILE_DAMAGED
        if expected[0] != Code.FILE_DAMAGED:
            expected_texts = reference_texts(xml)
            assert texts(xml) == expected_texts, xml
            assert texts(xml, piece_size) == expected_texts, (xml, piece_size)
            with_texts += any(expected_texts)
    assert 100 < rejected < 1500 and with_texts > 300  # every outcome was tried


@pytest.mark.parametrize("rows", [
    b"",
    b"<row/>" * 3 + b"<c><v>1</v></c>",
    b'<row r="999999999999999"/><row r="1"><c><v>1</v></c></row><row r="999999999999998"/><c><v>1</v></c>',
    b'<row r="999999999999999"><c r="ZZZZZZZ1"/><c><v>1</v></c></row>' * 3 + b'<row r="2"><c><v>1</v></c></row>',
    b'<c r="A1"/>' * 40 + b"<c><v>1</v></c>" + b'<c r="XFD1"/><c/><c><v>1</v></c>',
    b'<row r="0"><c><v>1</v></c></row>',
    b'<c r="A0"><v>1</v></c><c><v>1</v></c>',
    b'<c a="&gt;&quot;" b=\'"\' r="B2"><v>1</v></c><c q="\'>\'"><v>1</v></c>',
    b'<row r="1"><c><v>1</v></c></row><row r="999999999999999"/>' * 5000,  # too far apart to lift: ranked
    b"<x:f/>",  # a prefixed tag, but no cell or row
    b"<c t='e'><v>#N/A</v></c><c><v>x:f y</v></c>",  # a formula tag's name only in text: no error values read
    b'<c a="' + b"'>" * 100 + b'" t="e" r="C3"><v>#N/A</v></c><c r="' + b"A" * 100 + b'1"><v>1</v></c>',
    b'<c t="' + b"e" * 100 + b'"><f>1</f><v>#N/A</v></c><x:c\tr = "D4"\n/>' + b"<v>" + b"x" * 300 + b"</v>",
])
def test_hand_made_sheets_are_placed_as_the_per_tag_walk_placed_them(rows):
    """Also in pieces: each tag on its own (long ones cut; in a long sheet, most tags) and a few tags each."""
    xml = b'<worksheet xmlns:x="urn:x"><sheetData>' + rows + b"</sheetData></worksheet>"
    ooxml._require_well_formed(xml)
    expected = as_before(xml)
    tiny = 1 + len(xml) // 5000

    assert placed(xml) == placed(xml, tiny) == placed(xml, 40) == expected
    if expected[0] != Code.FILE_DAMAGED:
        assert texts(xml) == texts(xml, tiny) == texts(xml, 40) == reference_texts(xml)


@pytest.mark.parametrize("rows", [
    b'<c r="A1"><v>1</v></c><c r="B1" t="e"><v>#N/A</v></c>',  # no '>' outside tags: the k-th '>' ends the k-th tag
    b'<c r="A1"><v>a>b</v></c><c r="B1" t="e"><v>#N/A</v></c>',  # one in text: each tag's '>' looked for
    b"<c r=\"A1'\"><v>1</v></c>",  # an address holding the other quote
    b"<c r='B2\"'><v>1</v></c>",
    b'<c r="A1"/><c r="B2"/><row r="7"/><c r="A1\'"/>',  # also on an empty cell
    b'<c r = "C3"><v>1</v></c><c\tr=\n"D4"><v>1</v></c><c r=\'E5\'><v>1</v></c>',  # r first, not at once
    b'<c s="1" r="C3" t="e"><v>#N/A</v></c><c t = "e" r="D4"><f>1</f><v>#N/A</v></c>',  # r and t later
    b'<c s="r=\'A9\' t=\'e\'" r="C3"><v>1</v></c><c q="\' r=\'ZZ9\' \'" t="e"><v>#N/A</v></c>',  # in values
    b'<c r="A1234567"><v>1</v></c><c r="ABCDEFG1"><v>1</v></c><c r="A123456789012345"><v>1</v></c>',
    b'<c r="ABCDEFGH1"><v>1</v></c>', b'<c r="A1234567890123456"><v>1</v></c>', b'<c r="1A"><v>1</v></c>',
    b'<row r="123456789012345"><c><v>1</v></c></row>', b'<row r="1234567890123456"><c><v>1</v></c></row>',
    b'<row r="A1"><c><v>1</v></c></row>', b'<row r=""><c><v>1</v></c></row>', b'<c r=""><v>1</v></c>',
    b'<x:row r="2"><x:c r="B2" t="e"><x:f>1</x:f><x:v>#N/A</x:v></x:c></x:row><x:row><x:c><x:v>1</x:v></x:c></x:row>',
    b'<abcdefghijklmnopq:row r="2"><abcdefghijklmnopq:c><v>1</v></abcdefghijklmnopq:c></abcdefghijklmnopq:row>',
    b'<c a:b="1" r="A1"><v>1</v></c><x:cc r="ZZ9"><v>1</v></x:cc><cc:c r="B2"><v>1</v></cc:c>',
    b'<row\r\nr="3"\t><c\nt="e"\n><v>#N/A</v></c></row\t>',
    b'<c s="1" r="B2" t="e"><f>1</f><v>#N/A</v></c><c s="1" t="e"><v>#N/A</v></c>' * 150,  # many names later:
    b'<c q="a t=\'e\' r=\'Z9\'" s="1" r="B2" t="e"><v>#N/A</v></c><c s="2" r="A3"><v>1</v></c>' * 150,  # all quotes
])
def test_what_is_read_at_once_and_its_twists_are_placed_as_the_per_tag_walk_placed_them(rows):
    """The shortcuts (a tag's '>' counted, an ``r="`` after the name read at once, an address read to
    its quote, a tag's kind from byte masks) and what must leave them: '>' in text, spaces around '=',
    ``r`` or ``t`` later or in a value (in a few tags read in Python, in many by the quote states),
    quotes in an address, addresses and row numbers too long or malformed, prefixes short and long; whole
    and in pieces."""
    xml = b'<worksheet xmlns:x="urn:x" xmlns:a="urn:a" xmlns:cc="urn:c" xmlns:abcdefghijklmnopq="urn:q"><sheetData>' + rows \
        + b"</sheetData></worksheet>"
    ooxml._require_well_formed(xml)
    expected = as_before(xml)

    assert placed(xml) == placed(xml, 7) == placed(xml, 30) == expected
    if expected[0] != Code.FILE_DAMAGED:
        assert texts(xml) == texts(xml, 7) == reference_texts(xml)


@pytest.mark.parametrize("rows", UNPLACED_SHEETS.values(), ids=UNPLACED_SHEETS.keys())
def test_the_costly_sheets_are_placed_as_the_per_tag_walk_placed_them(rows):
    """Each megabyte the guards must place themselves, whole and in pieces of 300 KB (each going on from
    the last), with a second megabyte of another shape after it: a part above one piece."""
    others = list(UNPLACED_SHEETS.values())
    xml = (b'<worksheet xmlns:x="urn:x"><sheetData>' + rows + others[(others.index(rows) + 1) % len(others)]
           + b"</sheetData></worksheet>")
    expected = as_before(xml)

    assert placed(xml, 300_000) == placed(xml) == expected
    assert texts(xml, 300_000) == texts(xml) == reference_texts(xml)


def test_a_processing_instruction_first_is_noise_like_any_other():
    """Only an XML declaration is kept: the quotes and '<' of another processing instruction belong to no
    tag (they were read as tags, and the pieces could not tell where such a long "tag" with an odd quote
    ends: AttributeError)."""
    xml = (b'<?x "' + b"<c r='XFD9'>" * 300 + b'?><worksheet><sheetData><row><c r="B2"><v>1</v></c></row>'
           b"</sheetData></worksheet>")
    ooxml._require_well_formed(xml)

    assert placed(xml, 100) == placed(xml) == ([(2, 2)], (2, 2, 2, 2))


@pytest.mark.parametrize("size", [0, 1, 2**16 - 1, 2**16, 2**16 + 1, 3 * 2**16, 200_003])
def test_counts_before_a_position_are_those_a_search_finds(size):
    """Counted in blocks of 2**16, also across and exactly at their bounds, all set or none."""
    import numpy as np

    rng = np.random.default_rng(size)
    positions = np.arange(size + 1)
    for share in (0.0, 0.3, 1.0):
        mask = rng.random(size) < share

        counts = ooxml._counts_before(np, mask, "test")

        assert (counts[positions] == np.searchsorted(np.flatnonzero(mask), positions)).all()


def test_quotes_are_told_apart_inside_and_outside_values():
    """The quote states found by one cumulative sum are those of reading the tag byte by byte."""
    import numpy as np

    rng = random.Random(7)
    for _ in range(300):
        tag = "<c" + "".join(f' a{index}={quote}{"".join(rng.choice(chr(39) + chr(34) + "x>") for _ in range(3)).replace(quote, "")}{quote}'
                             for index, quote in enumerate(rng.choice("\"'") for _ in range(rng.randint(1, 4)))) + ">"
        part = np.frombuffer(tag.encode(), np.uint8)
        quotes = ooxml._Attributes(np, part, len(tag), np.array([0]), np.array([0]), np.array([2]),
                                    np.empty(len(part), bool), tag.encode())
        state = None
        for position, character in enumerate(tag):
            assert bool(quotes._outside(np.array([0]), np.array([position]))[0]) == (state is None), (tag, position)
            if character in "\"'":
                state = character if state is None else None if state == character else state


# --- against what python-calamine reads ------------------------------------------------------------

@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    return write_questionnaire(tmp_path_factory.mktemp("extent") / "fragebogen.xlsx")


def calamine_values(path: Path) -> dict[int, tuple[int, int]]:
    """Each numeric value calamine reads on the first sheet, with its 1-based position."""
    with CalamineWorkbook.from_path(str(path)) as book:
        sheet = book.get_sheet_by_index(0)
        top, left = sheet.start or (0, 0)
        return {int(value): (top + row + 1, left + col + 1) for row, values in enumerate(sheet.to_python())
                for col, value in enumerate(values) if isinstance(value, float)}


def test_random_sheets_are_placed_where_calamine_reads_their_cells(workbook, tmp_path):
    """Every value calamine reads lies where the guards placed its cell, or before it where an empty
    element did not move calamine as far as the guards assume (``<row r="26"/>`` after row 38: calamine
    goes on in row 27, the guards in row 39); prefixes and attribute names beyond ASCII included, which
    the per-tag walk missed."""
    maker = SheetMaker(11, calamine_safe=True, non_ascii=True)
    compared, exact = 0, 0
    for number in range(150):
        first = maker.values + 1
        xml = maker.sheet()
        cells, _ = placed(xml)
        target = rezip(workbook, tmp_path / f"zufall{number}.xlsx", replace={SHEET: xml})
        with_value = dict(zip(range(first, maker.values + 1), cells))
        for value, (row, col) in calamine_values(target).items():
            assert row <= with_value[value][0] and col <= with_value[value][1], (xml, value)
            compared += 1
            exact += (row, col) == with_value[value]
    assert compared > 500 and exact > 0.9 * compared


def test_a_prefix_or_attribute_name_beyond_ascii_hides_no_cell(workbook, tmp_path):
    """Both made python-calamine 0.9.1 abort the process while the guards let the file pass."""
    for rows in ['<row r="70"><ä:c r="XFD1048576"><v>1</v></ä:c></row>',
                 '<row r="70"><c ä="r=\'A1\'" r="XFD1048576"><v>1</v></c></row>']:
        xml = read_part(workbook, SHEET).replace(b"</sheetData>", rows.encode() + b"</sheetData>")

        assert ooxml._extent(ooxml._cell_tags(xml)).bounds[2:] == (1048576, 16384)


@pytest.mark.parametrize("last", [b'<c r="XFD120000"/>', b"<c/><c><v>1</v></c>"], ids=["every cell addressed", "one not"])
def test_a_huge_sheet_is_listed_or_placed_as_the_walk_placed_it(last):
    """Above 4 MB a sheet whose cells all start with ``r`` is listed by a regular expression, which
    counts empty cells too; with one cell without, it is placed like every other."""
    rows = b"".join(b'<row r="%d">' % row + b'<c r="A%d" s="1"><v>1</v></c><c r="B%d"/>' % (row, row) + b"</row>"
                    for row in range(1, 120_000))
    xml = b"<worksheet><sheetData>" + rows + b'<row r="120000">' + last + b"</row></sheetData></worksheet>"
    assert len(xml) > ooxml._HUGE_PART

    quick = ooxml._quick_extent(xml)
    found = (quick or ooxml._extent(ooxml._cell_tags(xml))).bounds

    assert (quick is None) == (last != b'<c r="XFD120000"/>')
    assert found == ((1, 1, 120000, 16384) if quick else reference_extent(xml))
