"""Laying out text in workbooks: how many lines a text wraps to, row heights, page breaks, the printed page.

Workbooks are written with fixed row heights (neither Excel nor LibreOffice grows a row
written by XlsxWriter to fit wrapped text), so each writer estimates how tall its text is
with these functions, plans page breaks between blocks that belong together and sets up
its printed page with :func:`page_setup`. The questionnaire, Tabelle 1 and master.xlsx all do.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

ROW_PADDING, DEFAULT_ROW, MAX_ROW_HEIGHT = 3.0, 15.0, 409.0
"""Points a row adds to its lines of text, the height of a row left as it is, and Excel's tallest row."""

FONT = "Arial"
ARIAL_WIDTHS = {
    character: width for characters, width in (
        ("'", 191), ("ijl", 222), (" ftI.,/:;![]\\|", 278), ("r-()„“”‚‘’`", 333), ('"', 355), ("°", 400),
        ("cksvxyzJ?*", 500), ("+=<>~", 584), ("FTZß", 611), ("ABEKPSVXY&Ä", 667), ("CDHNRUwÜ", 722),
        ("®", 737), ("GOQÖ", 778), ("Mm", 833), ("%", 889), ("W", 944), ("—", 1000), ("@", 1015),
    ) for character in characters
}
"""Advance widths of Arial (= Helvetica, Liberation Sans) in 1/1000 em; any other character: 556."""
_WIDEST = max(ARIAL_WIDTHS.values())


@dataclass(frozen=True)
class Font:
    """Arial of ``size`` points, bold or not: what a cell's text is measured in."""

    size: float
    bold: bool = False

    @property
    def line(self) -> float:
        """Height in points of one line of wrapped text (Excel and LibreOffice need about 1.15 em)."""
        return self.size * 1.25


def text_pixels(text: str, font: Font) -> float:
    """Width of ``text`` in ``font`` at 96 dpi (bold is about 8 % wider)."""
    return _pixels(sum(map(ARIAL_WIDTHS.get, text, repeat(556))), font)


def _pixels(thousandths: int, font: Font) -> float:
    return thousandths / 1000 * font.size * 96 / 72 * (1.08 if font.bold else 1.0)


_AFTER_HYPHEN = re.compile(r"[^-]*-+|[^-]+")
"""The parts of a word a line may end after: "1-01_Bericht.xlsx" -> "1-", "01_Bericht.xlsx"."""


def wrapped_lines(text: str, width: float, font: Font) -> int:
    """How many lines ``text`` in ``font`` takes in a column ``width`` characters wide.

    Wraps at spaces and after hyphens like Excel and LibreOffice (whose text comes out about
    5 % narrower); a word longer than a line breaks inside. Rows are written with a fixed
    height, and both programs cut off a line that does not fit.
    """
    if len(text) <= one_line_length(width, font) and "\n" not in text:  # one line, however wide its letters
        return 1
    room = max(column_pixels(width) - 7, 1)  # a column narrower than a letter still ends
    space = text_pixels(" ", font)
    lines = 0
    for paragraph in text.split("\n"):
        if text_pixels(paragraph, font) <= room:  # the common case: one line
            lines += 1
            continue
        used, count = 0.0, 1
        for word in paragraph.split():
            for position, part in enumerate(_AFTER_HYPHEN.findall(word)):
                gap = space if used and position == 0 else 0.0
                length = text_pixels(part, font)
                if used and used + gap + length > room:
                    count, used, gap = count + 1, 0.0, 0.0
                used += gap + length
                while used > room:  # a part longer than a line breaks inside
                    count, used = count + 1, used - room
        lines += count
    return lines


@lru_cache(maxsize=1024)
def one_line_length(width: float, font: Font) -> int:
    """The most characters that take one line in a column ``width`` characters wide, however wide its letters
    (a text without a line break)."""
    room, length = column_pixels(width) - 7, 0
    while _pixels((length + 1) * _WIDEST, font) <= room:
        length += 1
    return length


def row_height(*lines: tuple[int, Font]) -> float:
    """Height in points of a row showing ``lines`` (count, font) one below the other; at most Excel's maximum."""
    return min(MAX_ROW_HEIGHT, sum(count * font.line for count, font in lines) + ROW_PADDING)


def text_height(width: float, *paragraphs: tuple[str, Font]) -> float:
    """Height in points of a row showing ``paragraphs`` (text, font), one below the other, in a column
    ``width`` characters wide: a cell, or a rich string whose runs start on a new line."""
    return row_height(*((wrapped_lines(text, width, font), font) for text, font in paragraphs))


def column_pixels(width: float) -> int:
    """Excel's pixel width of a column ``width`` characters wide (default font)."""
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5


def column_width(text: str, font: Font) -> float:
    """The narrowest column width (characters, in tenths) that shows the longest line of ``text`` unwrapped."""
    pixels = math.ceil(max(text_pixels(line, font) for line in text.split("\n")))
    return math.ceil((pixels + 2) * 10 / 7) / 10  # then column_pixels(width) - 7 >= pixels


class Rows:
    """The row heights set on a sheet, remembered to plan its page breaks."""

    def __init__(self, sheet):
        self.sheet, self.heights = sheet, {}

    def set(self, row: int, points: float) -> None:
        self.sheet.set_row(row, points)
        self.heights[row] = points

    def span(self, first: int, last: int) -> float:
        """Height in points of the rows ``first`` to ``last``."""
        return sum(self.heights.get(row, DEFAULT_ROW) for row in range(first, last + 1))


def page_breaks(blocks: list[tuple[int, float]], available: float, used: float) -> list[int]:
    """The rows that start a new page so that no block is split, unless it is taller than a page.

    ``blocks`` are (first row, height in points) in order, ``available`` the height of a page
    and ``used`` the height of what stands above the first block, which stays below it.
    """
    breaks, on_page = [], False
    for first, height in blocks:
        if on_page and used + height > available:
            breaks.append(first)
            used = 0.0
        used = (used + height) % available
        on_page = True
    return breaks


@dataclass(frozen=True)
class Page:
    """An A4 page: its orientation and margins in inches."""

    landscape: bool
    left: float
    right: float
    top: float
    bottom: float

    @property
    def size(self) -> tuple[float, float]:
        """Width and height in inches."""
        return (11.69, 8.27) if self.landscape else (8.27, 11.69)


LANDSCAPE = Page(landscape=True, left=0.5, right=0.5, top=0.55, bottom=0.65)
"""The page of the wide tables: Tabelle 1, its charts and the master register."""


def footer_text(text: str, limit: int = 80) -> str:
    """``text`` printed as it is in a header or footer: at most ``limit`` characters, ``&`` escaped as ``&&``.

    XlsxWriter reads ``&`` as the start of a code (``&P`` page number, ``&8`` font size), so a name
    like "Mobilität & Versorgung" must be escaped; it is cut first, so no escape is cut in half.
    """
    return text[:limit].replace("&", "&&")


def page_setup(rows: Rows, page: Page, last_row: int, last_column: int, width_pixels: float, footer: str,
               page_numbers: str, blocks: list[tuple[int, int]] = (), repeated: int = 0,
               screen_gridlines: bool = False) -> None:
    """Print the sheet of ``rows`` on A4 ``page``s, one page wide, down to ``last_row`` and ``last_column``.

    Centred, without gridlines (on screen too unless ``screen_gridlines``), ``repeated`` top rows on
    every page, ``footer`` (plain text) left and ``page_numbers`` right in the footer, a template
    whose ``{page}`` and ``{pages}`` become the page number and count. ``width_pixels`` is the
    printed width of the sheet. Page breaks fall between ``blocks`` (first and last row of what
    belongs together); LibreOffice keeps them, Excel ignores manual breaks when fitting to the
    page width and breaks by itself.
    """
    sheet = rows.sheet
    sheet.set_paper(9)
    if page.landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=page.left, right=page.right, top=page.top, bottom=page.bottom)
    sheet.center_horizontally()
    sheet.hide_gridlines(1 if screen_gridlines else 2)
    sheet.print_area(0, 0, last_row, last_column)
    if repeated:
        sheet.repeat_rows(0, repeated - 1)
    font = f'&8&"{FONT},Regular"'  # the size first: after "&8" the digits of a text like "2026 …" would join it
    numbers = footer_text(page_numbers).replace("{page}", "&P").replace("{pages}", "&N")
    sheet.set_footer(f"&L{font}{footer_text(footer)}&R{font}{numbers}")
    width, height = page.size
    scale = min(1.0, (width - page.left - page.right) * 72 / (width_pixels * 0.75))
    available = (height - page.top - page.bottom) * 72 / scale * 0.97 - rows.span(0, repeated - 1)
    if blocks:
        used = rows.span(repeated, blocks[0][0] - 1)
        sheet.set_h_pagebreaks(page_breaks([(first, rows.span(first, last)) for first, last in blocks],
                                            available, used))
