"""What the report workbook's sheets share: fonts, colours and formats."""

from __future__ import annotations

from ..layout import FONT, Font
from .definition import ReportDefinition

SIZE = 9
"""Font size of table text."""
TEXT, BOLD = Font(SIZE), Font(SIZE, bold=True)
WERKZEUG_WIDTH, X_WIDTH, REMARKS_WIDTH = 46, 6.5, 70
CATEGORY_WIDTH, COUNT_WIDTH = 34, 9
GAP = 8.0
"""Height in points of the empty row between blocks."""
CHART_WIDTH, CHART_COLUMNS = 576, 9
"""Pixel width of a chart on the chart sheet, and the default-width columns it covers (64 px each)."""
BAND, HEADER_FILL, GRID, GREY_TEXT = "#44546A", "#E7E6E6", "#808080", "#7F7F7F"
NEUTRAL, MISSING, UNANSWERED = "#A6A6A6", "#D9D9D9", "#FFFFFF"
"""Bars of a neutral answer (k.A.), of Werkzeuge without return, and of questions left empty (outlined)."""
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
        changed = {"bg_color": definition.changes.color} if definition.changes else {}
        self.changed_mark = add({**cell, "align": "center", **changed})
        self.changed_text = add({**cell, **changed})
        """The X and remarks cells of a row whose answers changed since the previous round ([changes])."""
        self.changed_swatch = add({"font_name": FONT, "font_size": 12, "font_color": changed.get("bg_color", GRID)})
