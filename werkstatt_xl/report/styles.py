"""What the report workbook's sheets share: fonts, colours, formats and the printed page."""

from __future__ import annotations

from ..layout import SIZE, Rows, page_breaks
from .definition import ReportDefinition

FONT = "Arial"
WERKZEUG_WIDTH, X_WIDTH, REMARKS_WIDTH = 46, 6.5, 70
CATEGORY_WIDTH, COUNT_WIDTH = 34, 9
GAP = 8.0
"""Height in points of the empty row between blocks."""
PAGE, MARGINS = (11.69, 8.27), (0.5, 0.55, 0.65)
"""A4 landscape and the margins left/right, top, bottom, in inches."""
CHART_WIDTH, CHART_COLUMNS = 576, 9
"""Pixel width of a chart on the chart sheet, and the default-width columns it covers (64 px each)."""
BAND, HEADER_FILL, GRID, GREY_TEXT = "#44546A", "#E7E6E6", "#808080", "#7F7F7F"
NEUTRAL, MISSING = "#A6A6A6", "#D9D9D9"
SCALE = ((0x2E, 0x7D, 0x32), (0x9C, 0xCC, 0x65), (0xF4, 0xA7, 0x42), (0xD0, 0x4B, 0x3E))
"""Dark green, light green, orange, red: the colours of ordered answers from best to worst."""




class Styles:
    """The formats of the report workbook."""

    def __init__(self, workbook, definition: ReportDefinition):
        add = workbook.add_format
        base = {"font_name": FONT, "font_size": SIZE, "text_wrap": True, "valign": "vcenter"}
        cell = {**base, "border": 1, "border_color": GRID}
        self.title = add({**base, "font_size": 14, "bold": True, "text_wrap": False})
        self.subtitle = add({**base, "font_size": 10, "font_color": GREY_TEXT, "text_wrap": False})
        self.legend = add({**base, "align": "right", "valign": "bottom", "text_wrap": False})
        self.swatch = {kategorie.name: add({"font_name": FONT, "font_size": 12, "font_color": kategorie.color})
                       for kategorie in definition.kategorien}
        self.band = add({**cell, "bold": True, "font_size": 10, "font_color": "#FFFFFF", "bg_color": BAND})
        self.header = add({**cell, "bold": True, "bg_color": HEADER_FILL, "align": "center"})
        self.header_left = add({**cell, "bold": True, "bg_color": HEADER_FILL})
        self.text = add(cell)
        self.werkzeug = {kategorie.name: add({**cell, "bg_color": kategorie.color})
                         for kategorie in definition.kategorien}
        self.mark = add({**cell, "align": "center"})
        self.no_return = add({**cell, "italic": True, "font_color": GREY_TEXT})
        self.section = add({**base, "bold": True, "font_size": 11, "text_wrap": False})
        self.count = add({**cell, "num_format": "0"})
        self.total = add({**cell, "num_format": "0", "bold": True})
        self.total_label = add({**cell, "bold": True})


def page_setup(rows: Rows, title: str, definition: ReportDefinition, last_row: int, last_column: int,
                width_pixels: float, blocks: list[tuple[int, int]], repeated: int = 0) -> None:
    """A4 landscape, one page wide, page numbers in the footer; ``repeated`` top rows on every page.

    Page breaks fall between ``blocks`` (first and last row of what belongs together). LibreOffice
    keeps them; Excel ignores manual breaks when fitting to the page width and breaks by itself.
    """
    sheet = rows.sheet
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=MARGINS[0], right=MARGINS[0], top=MARGINS[1], bottom=MARGINS[2])
    sheet.center_horizontally()
    sheet.hide_gridlines(2)
    sheet.print_area(0, 0, last_row, last_column)
    if repeated:
        sheet.repeat_rows(0, repeated - 1)
    page = definition.page.replace("&", "&&").replace("{page}", "&P").replace("{pages}", "&N")
    font = f'&"{FONT},Regular"&8'
    sheet.set_footer(f"&L{font}{title.replace('&', '&&')[:100]}&R{font}{page}")
    scale = min(1.0, (PAGE[0] - 2 * MARGINS[0]) * 72 / (width_pixels * 0.75))
    available = (PAGE[1] - MARGINS[1] - MARGINS[2]) * 72 / scale * 0.97 - rows.span(0, repeated - 1)
    if blocks:
        used = rows.span(repeated, blocks[0][0] - 1)
        sheet.set_h_pagebreaks(page_breaks([(first, rows.span(first, last)) for first, last in blocks],
                                            available, used))


