"""The layout every workbook shares: text widths, wrapped lines, row heights, page breaks, the printed page."""

from __future__ import annotations

import math
import random
import re

import xlsxwriter
from openpyxl import load_workbook

from werkstatt_xl.layout import (
    LANDSCAPE,
    MAX_ROW_HEIGHT,
    Font,
    Rows,
    column_pixels,
    column_width,
    footer_text,
    one_line_length,
    page_breaks,
    page_setup,
    row_height,
    text_height,
    text_pixels,
    wrapped_lines,
)

TEXT = Font(10)


def test_rows_never_exceed_excels_tallest_row():
    assert MAX_ROW_HEIGHT == 409
    assert text_height(20, ("Sehr viel Text. " * 500, TEXT)) == MAX_ROW_HEIGHT
    assert row_height((1000, TEXT)) == MAX_ROW_HEIGHT
    assert row_height((2, TEXT)) == 2 * TEXT.line + 3 < MAX_ROW_HEIGHT


def test_bold_and_larger_text_is_wider():
    word = "Rücklaufquote"
    assert text_pixels(word, Font(10, bold=True)) > text_pixels(word, TEXT) > text_pixels(word, Font(9))
    fits = column_width(word, TEXT)
    assert wrapped_lines(word, fits, TEXT) == 1
    assert wrapped_lines(word, fits, Font(10, bold=True)) == 2  # the bold word breaks inside


def test_text_wraps_at_spaces_and_the_column_width_fits_the_longest_line():
    text = "Fachamt Mobilität\nBus"
    width = column_width(text, TEXT)
    assert wrapped_lines(text, width, TEXT) == 2  # one line per paragraph
    assert wrapped_lines(text, width - 0.5, TEXT) == 3  # "Mobilität" goes to a line of its own
    assert column_pixels(width) - 7 >= text_pixels("Fachamt Mobilität", TEXT)


def test_a_word_longer_than_a_line_breaks_inside():
    digest = "0123456789abcdef" * 4
    room = column_pixels(20) - 7
    assert wrapped_lines(digest, 20, TEXT) == math.ceil(text_pixels(digest, TEXT) / room) == 4
    assert wrapped_lines(f"SHA {digest}", 20, TEXT) == 5  # the long word starts on a new line


def test_lines_end_after_a_hyphen_like_in_excel_and_libreoffice():
    name = "1-01_Arbeitsgruppe_Kommunale_Konferenz_Alter_und.xlsx"
    width = column_width(name[2:], TEXT) - 1
    assert wrapped_lines(name, width, TEXT) == 3  # "1-", then the rest breaks inside
    assert wrapped_lines("Mobilität & (Nah-)Versorgung", column_width("Mobilität & (Nah-", TEXT), TEXT) == 2


def test_a_text_short_enough_for_one_line_is_one_line_and_the_bound_is_tight():
    """Merge takes a text no longer than one_line_length (and one whose column_width fits) as one line without
    measuring it: measured letter by letter, such a text, of the widest letters or any others (wide ones
    and emoji count as any other), is one line, and one more of the widest letter is not."""
    rnd = random.Random(7)
    letters = list("@W—mi .-\t") + ["中", "😀", "\u200b", "\u00a0"]
    for font in (TEXT, Font(10, bold=True), Font(11), Font(9)):
        for width in [1, 2.5, 8, 8.3, 12.7, 25, 40, 60, 100] + [rnd.uniform(1, 80) for _ in range(20)]:
            room, length = column_pixels(width) - 7, one_line_length(width, font)
            assert text_pixels("@" * length, font) <= room < text_pixels("@" * (length + 1), font)
            for _ in range(30):
                text = "".join(rnd.choice(letters) for _ in range(rnd.randint(1, 2 * length + 2)))
                measured = _lines_measured(text, room, font)
                if len(text) <= length or column_width(text, font) <= width:
                    assert measured == 1, (text, width, font)
                assert wrapped_lines(text, width, font) == measured, (text, width, font)


def _lines_measured(text: str, room: float, font: Font) -> int:
    """wrapped_lines without its shortcut for short texts: every word measured."""
    space, lines = text_pixels(" ", font), 0
    for paragraph in text.split("\n"):
        used, count = 0.0, 1
        for word in paragraph.split():
            for position, part in enumerate(re.findall(r"[^-]*-+|[^-]+", word)):
                gap = space if used and position == 0 else 0.0
                if used and used + gap + text_pixels(part, font) > room:
                    count, used, gap = count + 1, 0.0, 0.0
                used += gap + text_pixels(part, font)
                while used > room:
                    count, used = count + 1, used - room
        lines += count
    return lines


def test_rich_text_adds_the_lines_of_each_font():
    label, note = ("Falls nein, Gründe:", TEXT), ("(nur auszufüllen, wenn 1 = „Nein“)", Font(8))
    assert text_height(52, label, note) == TEXT.line + Font(8).line + 3


def test_page_breaks_never_split_a_block_that_fits_on_a_page():
    generator = random.Random(7)
    for _ in range(500):
        available, heading = 700.0, generator.uniform(0, 100)
        blocks, row = [], 3
        for _ in range(generator.randint(1, 30)):
            blocks.append((row, generator.choice([15.0, 30.0, 60.0, 250.0, 690.0, 700.0, 900.0])))
            row += generator.randint(1, 6)
        breaks = page_breaks(blocks, available, heading)
        assert set(breaks) <= {first for first, _ in blocks[1:]}  # the first block stays below the heading
        used = (heading + blocks[0][1]) % available
        for first, height in blocks[1:]:
            if first in breaks:
                used = 0.0
            if height <= available:  # printed on one page
                assert used + height <= available, (blocks, breaks)
            used = (used + height) % available


def test_page_breaks_leave_blocks_together_and_break_before_one_that_does_not_fit():
    assert page_breaks([(5, 300.0), (10, 300.0), (15, 300.0)], 700.0, 50.0) == [15]
    assert page_breaks([(5, 300.0), (10, 900.0), (20, 100.0)], 700.0, 0.0) == [10]  # too tall: split, on its own
    assert page_breaks([(5, 100.0)], 700.0, 650.0) == []  # the first block stays below the heading


def test_footer_text_escapes_ampersands_and_cuts_before_escaping():
    assert footer_text("Mobilität & Versorgung") == "Mobilität && Versorgung"
    assert footer_text("a" * 79 + "&b", limit=80) == "a" * 79 + "&&"
    assert footer_text("x" * 200) == "x" * 80


def test_page_setup_prints_a4_one_page_wide_with_footer_repeated_rows_and_breaks(tmp_path):
    path = tmp_path / "page.xlsx"
    workbook = xlsxwriter.Workbook(path)
    rows = Rows(workbook.add_worksheet("Blatt"))
    for row in range(60):
        rows.set(row, 100.0 if row >= 2 else 15.0)
    page_setup(rows, LANDSCAPE, 59, 3, 800, "Runde & Co", "Seite {page} von {pages}",
               [(row, row) for row in range(2, 60)], repeated=2)
    workbook.close()

    sheet = load_workbook(path)["Blatt"]
    setup = sheet.page_setup
    assert (setup.paperSize, setup.orientation, setup.fitToWidth or 1, setup.fitToHeight) == (9, "landscape", 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_options.horizontalCentered
    assert sheet.print_title_rows == "$1:$2" and sheet.print_area == "'Blatt'!$A$1:$D$60"
    assert (sheet.oddFooter.left.text, sheet.oddFooter.right.text) == ("Runde && Co", "Seite &P von &N")
    assert (sheet.oddFooter.left.font, sheet.oddFooter.left.size) == ("Arial,Regular", 8)
    assert not sheet.sheet_view.showGridLines
    breaks = [brk.id for brk in sheet.row_breaks.brk]
    assert breaks and all(later - earlier >= 2 for earlier, later in zip(breaks, breaks[1:]))


def test_a_footer_text_starting_with_digits_keeps_them(tmp_path):
    """After the font size code "&8", digits would be read as part of the size (2026 -> 82026)."""
    path = tmp_path / "page.xlsx"
    workbook = xlsxwriter.Workbook(path)
    rows = Rows(workbook.add_worksheet("Blatt"))
    page_setup(rows, LANDSCAPE, 0, 0, 100, "2026 Zwischenbilanz", "1 von {pages}")
    workbook.close()
    footer = load_workbook(path)["Blatt"].oddFooter
    assert (footer.left.text, footer.left.size, footer.right.text, footer.right.size) == (
        "2026 Zwischenbilanz", 8, "1 von &N", 8)


def test_a_line_of_the_widest_letters_is_one_line_while_it_fits_and_narrow_letters_fit_more():
    room = column_pixels(20) - 7
    fitting = max(count for count in range(1, 100) if text_pixels("@" * count, TEXT) <= room)
    assert wrapped_lines("@" * fitting, 20, TEXT) == 1
    assert wrapped_lines("@" * (fitting + 1), 20, TEXT) == 2
    assert wrapped_lines("i" * 4 * fitting, 20, TEXT) == 1  # four times as many, measured: still one line


def test_a_column_narrower_than_a_letter_still_gives_a_number_of_lines():
    lines = wrapped_lines("ab cd " * 20, 0.5, Font(10))
    assert lines >= 2 * 20
