"""Laying out text in workbooks: how many lines a text wraps to, row heights, page breaks.

Workbooks are written with fixed row heights (neither Excel nor LibreOffice grows a row
written by XlsxWriter to fit wrapped text), so each writer estimates how tall its text is
with these functions, and plans page breaks between blocks that belong together.
"""

from __future__ import annotations

SIZE, LINE_POINTS, ROW_PADDING, DEFAULT_ROW = 9, 11.25, 3.0, 15.0
"""Font size of table text, and the heights in points the rows are built from."""


ARIAL_WIDTHS = {
    character: width for characters, width in (
        ("'", 191), ("ijl", 222), (" ftI.,/:;![]\\|", 278), ("r-()„“”‚‘’`", 333), ('"', 355), ("°", 400),
        ("cksvxyzJ?*", 500), ("+=<>~", 584), ("FTZß", 611), ("ABEKPSVXY&Ä", 667), ("CDHNRUwÜ", 722),
        ("®", 737), ("GOQÖ", 778), ("Mm", 833), ("%", 889), ("W", 944), ("—", 1000), ("@", 1015),
    ) for character in characters
}
"""Advance widths of Arial (= Helvetica, Liberation Sans) in 1/1000 em; any other character: 556."""


def text_pixels(text: str, bold: bool = False) -> float:
    """Width of ``text`` in Arial of the table's size at 96 dpi (bold is about 8 % wider)."""
    em = sum(ARIAL_WIDTHS.get(character, 556) for character in text) / 1000
    return em * SIZE * 96 / 72 * (1.08 if bold else 1.0)


def wrapped_lines(text: str, width: float, bold: bool = False) -> int:
    """How many lines ``text`` in the table's Arial takes in a column ``width`` characters wide.

    Wraps at spaces like Excel and LibreOffice (whose text comes out about 5 % narrower).
    Rows are written with a fixed height, and both programs cut off a line that does not fit.
    """
    room = column_pixels(width) - 7
    space = text_pixels(" ", bold)
    lines = 0
    for paragraph in text.split("\n"):
        used, count = 0.0, 1
        for word in paragraph.split():
            length = text_pixels(word, bold)
            if used and used + space + length > room:
                count, used = count + 1, 0.0
            used += length + (space if used else 0.0)
            while used > room:  # a word longer than a line breaks inside
                count, used = count + 1, used - room
        lines += count
    return lines


def row_height(lines: int) -> float:
    return lines * LINE_POINTS + ROW_PADDING


def column_pixels(width: float) -> int:
    """Excel's pixel width of a column ``width`` characters wide (default font)."""
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5


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
    """The rows that start a new page so that no block is split, unless it is taller than a page."""
    breaks, on_page = [], False
    for first, height in blocks:
        if on_page and used + height > available:
            breaks.append(first)
            used = 0.0
        used = (used + height) % available
        on_page = True
    return breaks
