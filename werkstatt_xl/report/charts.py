"""The sheet "Auswertung": small count tables and a native stacked bar chart beside each."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import count

from ..layout import LANDSCAPE, Rows, column_pixels, page_setup, row_height, text_height, wrapped_lines
from .definition import ChartTexts, ReportDefinition
from .styles import (
    BOLD,
    CATEGORY_WIDTH,
    CHART_COLUMNS,
    CHART_WIDTH,
    COUNT_WIDTH,
    FONT,
    MISSING,
    NEUTRAL,
    SCALE,
    TEXT,
    UNANSWERED,
    Styles,
)
from .table import cell_text, register_columns


@dataclass(frozen=True)
class Section:
    """One small table on the chart sheet and the stacked bar chart drawn from it."""

    title: str
    corner: str
    series: tuple[str, ...]
    colors: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int, ...]], ...]
    total_row: bool


def chart_sections(register, definition: ReportDefinition) -> list[Section]:
    """The counts behind each chart: yes/no per Handlungsfeld, then the ratings per answer list.

    A returned question left empty counts as "ohne Antwort", apart from a neutral answer (k.A.),
    which only questions that offer one get a column for.
    """
    texts = definition.charts
    values = register_columns(register, definition)
    answered = [cell_text(status) not in definition.no_return_statuses for status in values["status"]]
    handlungsfelder = [cell_text(name) for name in values["handlungsfeld"]]
    yes, no = _scale_colors(2)
    sections = []
    for column in definition.yes_no:
        counts = {name: [0, 0, 0, 0, 0] for name in handlungsfelder}  # yes, no, other, empty, no return
        for name, answer, back in zip(handlungsfelder, values[column.question], answered):
            answer = cell_text(answer)
            counts[name][4 if not back else 0 if answer in column.yes else 1 if answer in column.no
                         else 3 if not answer else 2] += 1
        other = bool(column.others) or any(row[2] for row in counts.values())
        keep = [0, 1, *([2] if other else []), 3, 4]
        series = (definition.yes, definition.no, texts.blank, texts.unanswered, texts.no_return)
        colors = (yes, no, NEUTRAL, UNANSWERED, MISSING)
        sections.append(Section(texts.by_handlungsfeld.replace("{header}", column.header), texts.handlungsfeld,
                                 tuple(series[index] for index in keep), tuple(colors[index] for index in keep),
                                 tuple((name, tuple(row[index] for index in keep)) for name, row in counts.items()),
                                 total_row=True))
    groups: dict[tuple[str, ...], list] = {}
    for rating in texts.ratings:
        answers = [cell_text(value) for value, keep in zip(values[rating.question], answered) if keep]
        counts = tuple(answers.count(choice) for choice in rating.choices)
        groups.setdefault(rating.choices, []).append((rating.label, (*counts, len(answers) - sum(counts))))
    for choices, rows in groups.items():
        scale = iter(_scale_colors(sum(choice not in texts.neutral for choice in choices)))
        colors = tuple(NEUTRAL if choice in texts.neutral else next(scale) for choice in choices)
        sections.append(Section(texts.ratings_title, "", (*choices, texts.unanswered), (*colors, UNANSWERED),
                                 tuple(rows), total_row=False))
    return sections


_CHART_OFFSET = 4
"""Pixels between the top of a section's first row and its chart."""


def _axis_step(largest: int) -> int:
    """Whole counts between the gridlines, at most ten of them: 1, 2, 5, 10, 20, 50, ..."""
    return next(step for power in count() for step in (10 ** power, 2 * 10 ** power, 5 * 10 ** power)
                if largest <= 10 * step)


def _label_color(fill: str) -> str:
    """White on dark fills, near-black on light ones."""
    red, green, blue = (int(fill[position:position + 2], 16) for position in (1, 3, 5))
    return "#FFFFFF" if 0.299 * red + 0.587 * green + 0.114 * blue < 150 else "#262626"


def _scale_colors(count: int) -> list[str]:
    """``count`` colours from green over amber to red."""
    colors = []
    for index in range(count):
        position = index / (count - 1) * (len(SCALE) - 1) if count > 1 else 0
        low = min(int(position), len(SCALE) - 2)
        share = position - low
        rgb = [round(a + (b - a) * share) for a, b in zip(SCALE[low], SCALE[low + 1])]
        colors.append("#" + "".join(f"{channel:02X}" for channel in rgb))
    return colors


def write_chart_sheet(workbook, styles: Styles, sections: list[Section], definition: ReportDefinition,
                       title: str) -> None:
    texts = definition.charts
    sheet = workbook.add_worksheet(texts.sheet)
    rows = Rows(sheet)
    count_columns = max((len(section.series) + 1 for section in sections), default=1)
    chart_column = count_columns + 2
    widths = [CATEGORY_WIDTH, *[COUNT_WIDTH] * count_columns, 2]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.write_string(0, 0, texts.title, styles.title)
    rows.set(0, 24)
    if title:
        sheet.write_string(1, 0, title, styles.subtitle)
    row, blocks = 3, []
    for section in sections:
        end = _write_section(workbook, sheet, rows, styles, row, section, chart_column, texts)
        blocks.append((row, end - 1))
        row = end
    page_setup(rows, LANDSCAPE, row - 2, chart_column + CHART_COLUMNS, sum(map(column_pixels, widths)) + CHART_WIDTH,
               title, definition.page, blocks)


def _write_section(workbook, sheet, rows: Rows, styles: Styles, row: int, section: Section, chart_column: int,
                   texts: ChartTexts) -> int:
    """The table at ``row`` and its chart beside it; returns the first row of the next section."""
    sheet.write_string(row, 0, section.title, styles.section)
    rows.set(row, 18)
    header_row, first = row + 1, row + 2
    headers = (section.corner, *section.series, texts.total)
    for column, header in enumerate(headers):
        sheet.write_string(header_row, column, header, styles.header_left if column == 0 else styles.header)
    rows.set(header_row, row_height((max(wrapped_lines(header, COUNT_WIDTH, BOLD) for header in headers[1:]), BOLD)))
    for offset, (category, counts) in enumerate(section.rows):
        sheet.write_string(first + offset, 0, category, styles.text)
        for column, number in enumerate(counts, start=1):
            sheet.write_number(first + offset, column, number, styles.count)
        sheet.write_number(first + offset, len(headers) - 1, sum(counts), styles.total)
        rows.set(first + offset, text_height(CATEGORY_WIDTH, (category, TEXT)))
    last = first + len(section.rows) - 1
    if section.total_row:
        sheet.write_string(last + 1, 0, texts.total, styles.total_label)
        for column in range(1, len(headers)):
            total = sum(sum(counts) if column == len(headers) - 1 else counts[column - 1]
                        for _, counts in section.rows)
            sheet.write_number(last + 1, column, total, styles.total)
    height = 150 + 28 * len(section.rows)
    # a few pixels below the top of its row: a frame on the row's edge is printed on the page above as a stray line
    sheet.insert_chart(row, chart_column, _bar_chart(workbook, sheet.name, section, row, first, last, texts.axis,
                                                     height), {"y_offset": _CHART_OFFSET})
    chart_end = row + 1
    while rows.span(row, chart_end - 1) / 0.75 < height + _CHART_OFFSET:
        chart_end += 1
    return max(last + (2 if section.total_row else 1), chart_end) + 1


def _bar_chart(workbook, sheet_name: str, section: Section, title_row: int, first: int, last: int, axis: str,
               height: int):
    """A stacked bar chart of the section's table: title, series names, categories and values are its cells."""
    font = {"name": FONT, "size": 9}
    chart = workbook.add_chart({"type": "bar", "subtype": "stacked"})
    for column, color in enumerate(section.colors, start=1):
        chart.add_series({
            "name": [sheet_name, title_row + 1, column],
            "categories": [sheet_name, first, 0, last, 0],
            "values": [sheet_name, first, column, last, column],
            "fill": {"color": color}, "border": {"color": NEUTRAL if color == UNANSWERED else "#FFFFFF", "width": 0.75},
            "gap": 40,
            "data_labels": {"value": True, "num_format": "0;;;", "font": {**font, "color": _label_color(color)}},
        })
    chart.set_title({"name": [sheet_name, title_row, 0], "name_font": {**font, "size": 11, "bold": True}})
    longest = max((sum(counts) for _, counts in section.rows), default=0)
    step = _axis_step(longest)
    # counts are whole: the axis steps by whole numbers (left alone, Excel steps by 0.5 up to 5)
    chart.set_x_axis({"name": axis, "name_font": {**font, "bold": False}, "num_font": font, "min": 0,
                      "max": max(1, math.ceil(longest / step)) * step, "major_unit": step, "num_format": "0",
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_y_axis({"reverse": True, "num_font": font, "crossing": "max"})
    chart.set_legend({"position": "bottom", "font": font})
    chart.set_size({"width": CHART_WIDTH, "height": height})
    return chart
