"""The summary of any form (``auswertung.xlsx``): what merge writes where the report definition does not fit.

Per question in form order: counts per choice with a native bar chart (select_one, select_multiple),
count, minimum, maximum, mean and median (integer, decimal), or every answer listed with its
Werkzeug (text, dates and the rest). Only returns that count (status "eingegangen" or "mit
Problemen") are summarised; questions of a repeat are summarised over all its entries.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from pathlib import Path

from .. import wording
from ..form import Form, Question
from ..layout import LANDSCAPE, Rows, column_pixels, page_setup, row_height, text_height
from ..messages import text
from ..register import STATUS_PROBLEMS, STATUS_RECEIVED, no_value
from ..xlsx import new_workbook
from .styles import BAND, BOLD, CHART_COLUMNS, CHART_WIDTH, FONT, GREY_TEXT, HEADER_FILL, SIZE, TEXT

COUNTED = (STATUS_RECEIVED, STATUS_PROBLEMS)
"""The register statuses whose answers are summarised."""
_LABEL_WIDTH, _TEXT_WIDTH = 44, 70
_COLUMNS = (_LABEL_WIDTH, 10, 10, _TEXT_WIDTH - 20)
"""Widths of the table columns: label or Werkzeug, count (or value), share; a listed answer spans the last three."""
_CHART_COLUMN = 3
"""A chart stands beside its table of counts, over the column that listed answers use."""


@dataclass(frozen=True)
class ChoiceCounts:
    """How often each choice was given (select_multiple: ticked), and how many left the question empty."""

    title: str
    counts: tuple[tuple[str, int], ...]
    unanswered: int
    answered: int
    multiple: bool
    entries: bool = False
    """Counted over the entries of a repeat rather than over the returns."""


@dataclass(frozen=True)
class NumberSummary:
    title: str
    count: int
    minimum: float | None
    maximum: float | None
    mean: float | None
    median: float | None


@dataclass(frozen=True)
class ListedAnswers:
    """Every answer given with the Werkzeug (and entry of a repeat) it came from."""

    title: str
    answers: tuple[tuple[str, object], ...]


Section = ChoiceCounts | NumberSummary | ListedAnswers


@dataclass(frozen=True)
class Summary:
    returned: int
    werkzeuge: int
    sections: tuple[Section, ...]


def summarize(form: Form, register, repeats=None) -> Summary:
    """The summary of the register (and the rows of repeats) of ``form``."""
    counted = register[register["status"].isin(COUNTED)]
    entries = None
    if repeats is not None:
        entries = repeats[repeats["werkzeug_id"].isin(set(counted["werkzeug_id"]))]
    sections = []
    for question in form.questions:
        sections.append(_section(question, wording.title(question, form), counted[question.name],
                                 counted["werkzeug"], False))
    for repeat, questions in form.repeats.items():
        if entries is None:
            break
        rows = entries[entries["repeat"] == repeat.name]
        sources = [text("summary.entry", werkzeug=werkzeug, row=row)
                   for werkzeug, row in zip(rows["werkzeug"], rows["repeat_row"])]
        for question in questions:
            title = text("summary.in_repeat", question=wording.title(question, form),
                         repeat=wording.readable(repeat.label, form) or repeat.name)
            sections.append(_section(question, title, rows[question.name], sources, True))
    return Summary(len(counted), len(register), tuple(sections))


def _section(question: Question, title: str, values, sources, entries: bool) -> Section:
    values = [None if _empty(value) else value for value in values]
    given = [value for value in values if value is not None]
    if question.choices is not None:
        multiple = question.type == "select_multiple"
        chosen = [name for value in given for name in str(value).split()] if multiple else given
        keys = [choice.name if multiple else choice.label for choice in question.choices.choices]
        counts = tuple((choice.label, chosen.count(key)) for choice, key in zip(question.choices.choices, keys))
        return ChoiceCounts(title, counts, len(values) - len(given), len(given), multiple, entries)
    if question.type in ("integer", "decimal") or question.type == "calculate" and given and all(
            isinstance(value, (int, float)) and not isinstance(value, bool) for value in given):
        numbers = [float(value) for value in given]
        if not numbers:
            return NumberSummary(title, 0, None, None, None, None)
        return NumberSummary(title, len(numbers), min(numbers), max(numbers), statistics.fmean(numbers),
                             statistics.median(numbers))
    return ListedAnswers(title, tuple((str(source), value) for source, value in zip(sources, values)
                                      if value is not None))


def _empty(value) -> bool:
    return no_value(value) or value == ""


class _Styles:
    def __init__(self, workbook):
        add = workbook.add_format
        base = {"font_name": FONT, "font_size": SIZE, "valign": "top", "text_wrap": True}
        cell = {**base, "border": 1, "border_color": "#A6A6A6"}
        self.title = add({**base, "font_size": 14, "bold": True, "text_wrap": False})
        self.subtitle = add({**base, "font_size": 10, "font_color": GREY_TEXT, "text_wrap": False})
        self.section = add({**base, "bold": True, "font_size": 10, "font_color": "#FFFFFF", "bg_color": BAND})
        self.header = add({**cell, "bold": True, "bg_color": HEADER_FILL})
        self.text = add(cell)
        self.count = add({**cell, "num_format": "0"})
        self.share = add({**cell, "num_format": "0%"})
        self.whole = add({**cell, "num_format": "#,##0"})
        self.number = add({**cell, "num_format": "#,##0.00"})
        self.date = add({**cell, "num_format": "dd.mm.yyyy", "align": "left"})
        self.note = add({**base, "italic": True, "font_color": GREY_TEXT})


def write_summary(path: Path, summary: Summary, title: str) -> Path:
    """Write the summary workbook to ``path``, a new file (the caller writes it atomically)."""
    workbook = new_workbook(path)
    workbook.set_properties({"title": text("summary.title"), "subject": title, "author": "werkstatt-xl"})
    styles = _Styles(workbook)
    sheet = workbook.add_worksheet(text("summary.sheet"))
    rows = Rows(sheet)
    widths = list(_COLUMNS)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.write_string(0, 0, text("summary.title"), styles.title)
    rows.set(0, 24)
    subtitle = text("summary.subtitle", title=title, returned=summary.returned, werkzeuge=summary.werkzeuge)
    sheet.write_string(1, 0, subtitle.strip(" –"), styles.subtitle)
    row, blocks = 3, []
    for section in summary.sections:
        end = _write_section(workbook, sheet, rows, styles, row, section)
        blocks.append((row, end - 1))
        row = end + 1
    chart_end = sum(map(column_pixels, widths[:_CHART_COLUMN])) + 12 + CHART_WIDTH
    page_setup(rows, LANDSCAPE, max(row - 2, 1), _CHART_COLUMN + CHART_COLUMNS,
               max(sum(map(column_pixels, widths)), chart_end), title or text("summary.title"),
               text("master.page_numbers", page="{page}", pages="{pages}"), blocks)
    workbook.close()
    return path


def _write_section(workbook, sheet, rows: Rows, styles: _Styles, row: int, section: Section) -> int:
    """One question's table (and chart) from ``row``; returns the row after it."""
    sheet.merge_range(row, 0, row, 3, section.title, styles.section)
    rows.set(row, text_height(_TEXT_WIDTH, (section.title, BOLD)))
    if isinstance(section, ChoiceCounts):
        return _write_counts(workbook, sheet, rows, styles, row, section)
    if isinstance(section, NumberSummary):
        headers = [text(f"summary.{key}") for key in ("count", "minimum", "maximum", "mean", "median")]
        values = (section.count, section.minimum, section.maximum, section.mean, section.median)
        for offset, (header, value) in enumerate(zip(headers, values), start=row + 1):
            sheet.write_string(offset, 0, header, styles.header)
            if value is None:
                sheet.write_blank(offset, 1, None, styles.whole)
            else:
                sheet.write_number(offset, 1, value, styles.whole if float(value).is_integer() else styles.number)
        return row + 1 + len(headers)
    sheet.write_string(row + 1, 0, text("summary.werkzeug"), styles.header)
    sheet.merge_range(row + 1, 1, row + 1, 3, text("summary.answer"), styles.header)
    if not section.answers:
        sheet.write_string(row + 2, 0, text("summary.no_answers"), styles.note)
        return row + 3
    for offset, (source, value) in enumerate(section.answers, start=row + 2):
        sheet.write_string(offset, 0, source, styles.text)
        shown = _write_answer(sheet, styles, offset, value)
        rows.set(offset, max(text_height(_LABEL_WIDTH, (source, TEXT)), text_height(_TEXT_WIDTH, (shown, TEXT))))
    return row + 2 + len(section.answers)


def _write_answer(sheet, styles: _Styles, row: int, value) -> str:
    """One listed answer across the answer columns, written by type; returns it as shown, to measure it."""
    if isinstance(value, dt.date):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        sheet.merge_range(row, 1, row, 3, None, styles.date)
        sheet.write_datetime(row, 1, moment, styles.date)
        return value.strftime("%d.%m.%Y")
    sheet.merge_range(row, 1, row, 3, None, styles.text)
    sheet.write_string(row, 1, str(value), styles.text)
    return str(value)


def _write_counts(workbook, sheet, rows: Rows, styles: _Styles, row: int, section: ChoiceCounts) -> int:
    header = row + 1
    for column, key in enumerate(("answer", "count", "share")):
        sheet.write_string(header, column, text(f"summary.{key}"), styles.header)
    rows.set(header, row_height((1, BOLD)))
    base = section.answered + section.unanswered
    lines = [*section.counts, (text("summary.unanswered"), section.unanswered)]
    for offset, (label, number) in enumerate(lines, start=header + 1):
        sheet.write_string(offset, 0, label, styles.text)
        sheet.write_number(offset, 1, number, styles.count)
        sheet.write_number(offset, 2, number / base if base else 0, styles.share)
        rows.set(offset, text_height(_LABEL_WIDTH, (label, TEXT)))
    last = header + len(lines)
    of = text("summary.of_entries" if section.entries else "summary.of_returns", count=base)
    note = text("summary.multiple_note" if section.multiple else "summary.share_note", of=of)
    sheet.merge_range(last + 1, 0, last + 1, 2, note, styles.note)
    rows.set(last + 1, text_height(sum(_COLUMNS[:3]), (note, TEXT)))
    height = 90 + 24 * len(section.counts)
    chart = workbook.add_chart({"type": "bar"})
    chart.add_series({
        "name": [sheet.name, row, 0],
        "categories": [sheet.name, header + 1, 0, header + len(section.counts), 0],
        "values": [sheet.name, header + 1, 1, header + len(section.counts), 1],
        "fill": {"color": BAND}, "gap": 50,
        "data_labels": {"value": True, "font": {"name": FONT, "size": 8}},
    })
    chart.set_title({"none": True})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True, "num_font": {"name": FONT, "size": 8}})
    chart.set_x_axis({"min": 0, "major_unit": max(1, -(-max((n for _, n in section.counts), default=1) // 5)),
                      "num_format": "0", "num_font": {"name": FONT, "size": 8}})
    chart.set_size({"width": CHART_WIDTH, "height": height})
    sheet.insert_chart(row + 1, _CHART_COLUMN, chart, {"x_offset": 12, "y_offset": 4})
    end = last + 2
    while rows.span(row + 1, end - 1) / 0.75 < height + 8:
        end += 1
    return end
