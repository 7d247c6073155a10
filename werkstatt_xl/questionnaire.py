"""Render the questionnaire workbook of one Werkzeug: prefilled, protected, with dropdowns."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Callable

from .anchors import answer_marker, meta_key
from .catalogue import Catalogue, Werkzeug
from .files import ascii_text
from .form import LARGEST_NUMBER, Form, Group, Question
from .layout import FONT, Font, Page, Rows, column_pixels, page_setup, row_height, text_height
from .messages import text
from .settings import Settings
from .xlsx import cell_name, new_workbook

SHEET = text("questionnaire.sheet")
LISTS_SHEET = text("questionnaire.lists_sheet")
META_SHEET = "_wxl"
ANSWER_COLUMN, MARKER_COLUMN = 2, 3
_WIDTHS = (5.5, 52, 40)
_TEXT, _BOLD, _SCALE, _SKIP = Font(10), Font(10, bold=True), Font(9), Font(8)
"""Questions and answers, group headers and bold labels, a group's answer scale, a skip note."""
_TITLE, _SUBTITLE, _INTRO = Font(14, bold=True), Font(12, bold=True), Font(9)
_TITLE_HEIGHT, _SUBTITLE_HEIGHT, _INTRO_HEIGHT, _GROUP_HEIGHT = 24, 20, 40, 20
"""The least heights in points of the heading rows and of a group header: room around their text."""
_TEXT_ANSWER_LINES = 4
"""Lines of room in the answer cell of a free-text question."""
_PAGE = Page(landscape=False, left=0.6, right=0.5, top=0.6, bottom=0.7)


def file_name(werkzeug: Werkzeug, position: int) -> str:
    """An e-mail-safe name: ASCII, no spaces, Handlungsfeld number, position and Werkzeug."""
    slug = ascii_text(werkzeug.werkzeug).strip("_")
    if len(slug) > 48:
        slug = slug[:49].rsplit("_", 1)[0]
    slug = slug or re.sub(r"[^A-Za-z0-9-]", "", werkzeug.werkzeug_id)
    return f"{werkzeug.handlungsfeld_nr}-{position:02d}_{slug}.xlsx"


def file_names(catalogue: Catalogue) -> dict[str, str]:
    """Werkzeug-ID -> the file name of its questionnaire, unique ignoring case."""
    names, used, positions = {}, set(), {}
    for werkzeug in catalogue.werkzeuge:
        position = positions[werkzeug.handlungsfeld] = positions.get(werkzeug.handlungsfeld, 0) + 1
        name = file_name(werkzeug, position)
        if name.lower() in used:
            name = name[:-5] + f"_{re.sub(r'[^A-Za-z0-9-]', '', werkzeug.werkzeug_id)}.xlsx"
        used.add(name.lower())
        names[werkzeug.werkzeug_id] = name
    return names


def _question_height(question: Question, form: Form, werkzeug: Werkzeug) -> float:
    """The row height of a question or note: its label, skip note, prefilled value, answer space."""
    if not question.is_answer:
        return text_height(sum(_WIDTHS[1 if question.number else 0:]), (question.label, _TEXT))
    skip = _skip_note(question, form)
    label_width = _WIDTHS[1] if question.number else _WIDTHS[0] + _WIDTHS[1]
    label = (question.label, _TEXT if question.number else _BOLD)
    answer_lines = _TEXT_ANSWER_LINES if question.type == "text" and not question.prefill else 1
    return max(text_height(label_width, label, *([(skip, _SKIP)] if skip else [])),
               text_height(_WIDTHS[2], (_prefill_value(question, werkzeug), _TEXT)),
               row_height((answer_lines, _TEXT)))


def _group_height(form: Form, group: Group) -> float:
    return max(_GROUP_HEIGHT, text_height(_WIDTHS[0] + _WIDTHS[1], (group.label, _BOLD)),
               text_height(_WIDTHS[2], (_group_scale(form, group), _SCALE)))


def _blocks(rows: dict[Question, int]) -> list[tuple[int, int]]:
    """First and last row of what a page break must not split: a group with its header row, or one element."""
    blocks, group = [], None
    for question, row in rows.items():
        if question.group is not None and question.group == group:
            blocks[-1] = (blocks[-1][0], row)
        else:
            blocks.append((row - 1 if question.group is not None else row, row))
        group = question.group
    return blocks


class _Styles:
    """The formats of one questionnaire workbook."""

    def __init__(self, workbook):
        add = workbook.add_format
        base = {"font_name": FONT, "font_size": _TEXT.size, "valign": "top", "text_wrap": True}
        self.title = add({**base, "bold": True, "font_size": _TITLE.size, "valign": "vcenter"})
        self.subtitle = add({**base, "bold": True, "font_size": _SUBTITLE.size})
        self.intro = add({**base, "font_size": _INTRO.size, "font_color": "#404040"})
        self.number = add({**base, "bold": True, "align": "left", "border": 1, "border_color": "#A6A6A6"})
        self.label = add({**base, "border": 1, "border_color": "#A6A6A6"})
        self.header_label = add({**base, "bold": True, "border": 1, "border_color": "#A6A6A6", "bg_color": "#F2F2F2"})
        self.group = add({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#44546A", "valign": "vcenter"})
        self.scale = add({**base, "font_size": _SCALE.size, "font_color": "#FFFFFF", "bg_color": "#44546A",
                          "valign": "vcenter"})
        self.note = add({**base, "italic": True, "border": 1, "border_color": "#A6A6A6"})
        self.skip = add({"font_name": FONT, "font_size": _SKIP.size, "italic": True, "font_color": "#7F7F7F"})
        answer = {**base, "border": 1, "border_color": "#7F7F7F", "bg_color": "#FFF8DC"}
        self.answer = add({**answer, "locked": False})
        self.answer_date = add({**answer, "locked": False, "num_format": "dd.mm.yyyy"})
        # text answers stay as typed: no "1.2" turned into a date, no leading zeros lost
        self.answer_text = add({**answer, "locked": False, "num_format": "@"})
        self.prefilled = add({**answer, "bg_color": "#EAF1FB"})
        self.not_relevant = add({"bg_color": "#D9D9D9", "font_color": "#7F7F7F"})
        self.hidden = add({"font_size": 8, "font_color": "#808080"})


def render_questionnaire(path: Path, form: Form, werkzeug: Werkzeug, token: str, settings: Settings) -> None:
    """Write the questionnaire for ``werkzeug`` to ``path`` (a new file)."""
    workbook = new_workbook(path)
    workbook.set_properties({"title": f"{form.title}: {werkzeug.werkzeug}", "subject": settings.title or form.title,
                             "author": "werkstatt-xl", "comments": text("questionnaire.comments")})
    styles = _Styles(workbook)
    sheet = workbook.add_worksheet(SHEET)
    lists = workbook.add_worksheet(LISTS_SHEET)
    meta = workbook.add_worksheet(META_SHEET)
    list_ranges = _write_lists(lists, form)
    rows = _layout(form, settings)
    cells = {question.name: cell_name(row, ANSWER_COLUMN, absolute=True)
             for question, row in rows.items() if question.is_answer}
    for column, width in enumerate(_WIDTHS):
        sheet.set_column(column, column, width)
    sheet.set_column(MARKER_COLUMN, MARKER_COLUMN, 12, styles.hidden, {"hidden": True})
    heights = Rows(sheet)
    last = _write_heading(heights, styles, form, settings)
    group = None
    for question, row in rows.items():
        if question.group != group and question.group is not None:
            _write_group(heights, styles, row - 1, form, question.group)
        group = question.group
        _write_question(heights, styles, row, question, form, werkzeug, cells, list_ranges)
        last = row
    _write_meta(meta, form, werkzeug, token, settings)
    page_setup(heights, _PAGE, last, ANSWER_COLUMN, sum(map(column_pixels, _WIDTHS)), werkzeug.werkzeug,
               text("questionnaire.page_numbers", page="{page}", pages="{pages}"), _blocks(rows))
    protection = {"format_rows": True, "format_columns": True}
    sheet.protect("", protection)
    lists.protect("", protection)
    meta.protect("", protection)
    lists.hide()
    meta.very_hidden()
    first_open = next((row for question, row in rows.items() if question.is_answer and not
                       _prefill_value(question, werkzeug)), 0)
    sheet.activate()
    sheet.set_selection(first_open, ANSWER_COLUMN, first_open, ANSWER_COLUMN)
    workbook.close()


def _layout(form: Form, settings: Settings) -> dict[Question, int]:
    """The row of every element; a row is left free above each new group for its header."""
    rows, row, group = {}, 4 if settings.title else 3, None
    for question in form.elements:
        if question.group != group and question.group is not None:
            row += 1
        group = question.group
        rows[question] = row
        row += 1
    return rows


def _write_heading(rows: Rows, styles: _Styles, form: Form, settings: Settings) -> int:
    """The round's title, the form's title and how to fill in, across the three columns; returns the last row."""
    deadline = text("questionnaire.deadline", date=settings.deadline_text) if settings.deadline else ""
    heading = [(settings.title, styles.title, _TITLE, _TITLE_HEIGHT)] if settings.title else []
    heading += [(form.title, styles.subtitle, _SUBTITLE, _SUBTITLE_HEIGHT),
                (text("questionnaire.intro", deadline=deadline), styles.intro, _INTRO, _INTRO_HEIGHT)]
    for row, (line, style, font, least) in enumerate(heading):
        rows.sheet.merge_range(row, 0, row, 2, line, style)
        rows.set(row, max(least, text_height(sum(_WIDTHS), (line, font))))
    return len(heading) - 1


def _write_group(rows: Rows, styles: _Styles, row: int, form: Form, group: Group) -> None:
    rows.sheet.merge_range(row, 0, row, 1, group.label, styles.group)
    scale = _group_scale(form, group)
    rows.sheet.write(row, ANSWER_COLUMN, scale or None, styles.scale)
    rows.set(row, _group_height(form, group))


def _group_scale(form: Form, group: Group) -> str:
    """The answer scale shared by the group's dropdowns, shown in its header like the seed."""
    lists = {question.choices.name: question.choices for question in form.elements
             if question.group == group and question.choices}
    if len(lists) != 1:
        return ""
    labels = next(iter(lists.values())).labels
    return " · ".join(f"{label}*" if label == "k.A." else label for label in labels)


def _write_question(rows: Rows, styles: _Styles, row: int, question: Question, form: Form, werkzeug: Werkzeug,
                    cells: dict[str, str], list_ranges: dict[str, str]) -> None:
    sheet = rows.sheet
    rows.set(row, _question_height(question, form, werkzeug))
    if not question.is_answer:
        if question.number:
            sheet.write_string(row, 0, question.number, styles.number)
            sheet.merge_range(row, 1, row, 2, question.label, styles.note)
        else:
            sheet.merge_range(row, 0, row, 2, question.label, styles.note)
        return
    skip = _skip_note(question, form)
    label_format = styles.label if question.number else styles.header_label
    if question.number:
        sheet.write_string(row, 0, question.number, styles.number)
        if skip:
            # the line break ends the label run: a run of only whitespace loses it in openpyxl
            sheet.write_rich_string(row, 1, question.label + "\n", styles.skip, skip, label_format)
        else:
            sheet.write_string(row, 1, question.label, label_format)
    else:
        sheet.merge_range(row, 0, row, 1, question.label, label_format)
    prefilled = _prefill_value(question, werkzeug)
    if prefilled:
        sheet.write_string(row, ANSWER_COLUMN, prefilled, styles.prefilled)
    else:
        answer_format = {"date": styles.answer_date, "text": styles.answer_text}.get(question.type, styles.answer)
        sheet.write_blank(row, ANSWER_COLUMN, None, answer_format)
        sheet.data_validation(row, ANSWER_COLUMN, row, ANSWER_COLUMN, _validation(question, list_ranges))
    sheet.write_string(row, MARKER_COLUMN, answer_marker(question.name))
    if question.relevant is not None:
        formula = question.relevant.to_excel(lambda name: cells[name], _choice_label(form))
        sheet.conditional_format(row, ANSWER_COLUMN, row, ANSWER_COLUMN, {
            "type": "formula", "criteria": f"=NOT({formula})", "format": styles.not_relevant})


def _prefill_value(question: Question, werkzeug: Werkzeug) -> str:
    return getattr(werkzeug, question.prefill) if question.prefill else ""


def _choice_label(form: Form) -> Callable[[str | None, str], str]:
    """Maps a choice name compared in an expression to the label a person sees."""
    def label(name: str | None, literal: str) -> str:
        choices = form.question(name).choices if name else None
        choice = choices.by_name(literal) if choices else None
        return choice.label if choice else literal
    return label


def _skip_note(question: Question, form: Form) -> str:
    """``(nur auszufüllen, wenn 1 = „Nein“)`` for a question with ``relevant``."""
    if question.relevant is None:
        return ""
    words = question.relevant.describe(lambda name: form.question(name).number or form.question(name).label,
                                       _choice_label(form))
    return text("questionnaire.skip_note", condition=words)


def _validation(question: Question, list_ranges: dict[str, str]) -> dict:
    title = question.title[:32]
    hint = question.hint[:255]
    if question.type == "select_one":
        choose = text("questionnaire.choose", choices=", ".join(question.choices.labels))
        return {"validate": "list", "source": list_ranges[question.choices.name],
                "input_title": title, "input_message": hint or choose[:255],
                "error_title": text("questionnaire.not_a_choice"), "error_type": "stop",
                "error_message": question.choices.allowed[:255]}
    if question.type in ("integer", "decimal"):
        message = text(f"questionnaire.{question.type}")
        return {"validate": question.type, "criteria": "between", "minimum": -LARGEST_NUMBER,
                "maximum": LARGEST_NUMBER, "input_title": title, "input_message": hint or message,
                "error_title": text("questionnaire.not_a_number"), "error_type": "stop", "error_message": message}
    if question.type == "date":
        message = text("questionnaire.date")
        return {"validate": "date", "criteria": "between", "minimum": dt.date(1900, 1, 1),
                "maximum": dt.date(2199, 12, 31), "input_title": title, "input_message": hint or message,
                "error_title": text("questionnaire.not_a_date"), "error_type": "stop", "error_message": message}
    return {"validate": "any", "input_title": title, "input_message": hint} if hint else {"validate": "any"}


def _write_lists(sheet, form: Form) -> dict[str, str]:
    """Each choice list in a column of the hidden sheet; returns list name -> range formula."""
    ranges = {}
    for column, choice_list in enumerate(form.choice_lists.values()):
        sheet.write_string(0, column, choice_list.name)
        for row, label in enumerate(choice_list.labels, start=1):
            sheet.write_string(row, column, label)
        ranges[choice_list.name] = (f"={LISTS_SHEET}!{cell_name(1, column, True)}:"
                                    f"{cell_name(len(choice_list.choices), column, True)}")
    return ranges


def _write_meta(sheet, form: Form, werkzeug: Werkzeug, token: str, settings: Settings) -> None:
    values = {"form_id": form.form_id, "form_version": form.version, "werkzeug_id": werkzeug.werkzeug_id,
              "token": token, "werkzeug": werkzeug.werkzeug, "round": settings.title}
    for row, (key, value) in enumerate(values.items()):
        sheet.write_string(row, 0, meta_key(key))
        sheet.write_string(row, 1, value)
