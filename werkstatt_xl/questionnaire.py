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
from .settings import Settings
from .xlsx import cell_name, new_workbook

SHEET = "Fragebogen"
LISTS_SHEET = "Listen"
META_SHEET = "_wxl"
ANSWER_COLUMN, MARKER_COLUMN = 2, 3
_WIDTHS = (5.5, 52, 40)
_LINE_HEIGHT = 15
_PAGE_HEIGHT = 690
_TITLE_HEIGHT, _SUBTITLE_HEIGHT, _INTRO_HEIGHT = 24, 20, 40


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


def _row_height(text: str, width: float, minimum_lines: int = 1) -> float:
    """Rough height for ``text`` wrapped into a column ``width`` characters wide."""
    lines = sum(max(1, -(-len(part) // int(width * 1.05))) for part in text.split("\n"))
    return max(lines, minimum_lines) * _LINE_HEIGHT + 4


def _question_height(question: Question, form: Form, werkzeug: Werkzeug) -> float:
    """The row height of a question or note: its label, skip note, prefilled value, answer space."""
    if not question.is_answer:
        return _row_height(question.label, sum(_WIDTHS[1 if question.number else 0:]))
    skip = _skip_note(question, form)
    label_width = _WIDTHS[1] if question.number else _WIDTHS[0] + _WIDTHS[1]
    text_lines = 4 if question.type == "text" and not question.prefill else 1
    return max(_row_height(question.label + ("\n" + skip if skip else ""), label_width, text_lines),
               _row_height(_prefill_value(question, werkzeug), _WIDTHS[2]))


def _group_height(form: Form, group: Group) -> float:
    return max(20, _row_height(_group_scale(form, group), _WIDTHS[2] * 1.25))  # the scale is in 9 pt


def _page_breaks(form: Form, werkzeug: Werkzeug, rows: dict[Question, int], heading_height: float) -> list[int]:
    """Rows that start a new printed page: a group starts a page when it would not fit whole.

    Fit-to-width prints at about 100 %; LibreOffice keeps the footer inside the page, so an
    A4 page holds ~690 pt of rows (Excel a little more, which only leaves space at the end).
    """
    breaks, used, group = [], heading_height, None
    heights = {question: _question_height(question, form, werkzeug) for question in rows}
    for question, row in rows.items():
        height = heights[question]
        if question.group != group and question.group is not None:
            header = _group_height(form, question.group)
            whole = header + sum(heights[member] for member in rows if member.group == question.group)
            if used + (whole if whole <= _PAGE_HEIGHT else header + height) > _PAGE_HEIGHT:
                breaks.append(row - 1)
                used = 0
            used += header
        elif used + height > _PAGE_HEIGHT:
            breaks.append(row)
            used = 0
        group = question.group
        used += height
    return breaks


class _Styles:
    """The formats of one questionnaire workbook."""

    def __init__(self, workbook):
        add = workbook.add_format
        base = {"font_name": "Arial", "font_size": 10, "valign": "top", "text_wrap": True}
        self.title = add({**base, "bold": True, "font_size": 14, "valign": "vcenter"})
        self.subtitle = add({**base, "bold": True, "font_size": 12})
        self.intro = add({**base, "font_size": 9, "font_color": "#404040"})
        self.number = add({**base, "bold": True, "align": "left", "border": 1, "border_color": "#A6A6A6"})
        self.label = add({**base, "border": 1, "border_color": "#A6A6A6"})
        self.header_label = add({**base, "bold": True, "border": 1, "border_color": "#A6A6A6", "bg_color": "#F2F2F2"})
        self.group = add({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#44546A", "valign": "vcenter"})
        self.scale = add({**base, "font_size": 9, "font_color": "#FFFFFF", "bg_color": "#44546A", "valign": "vcenter"})
        self.note = add({**base, "italic": True, "border": 1, "border_color": "#A6A6A6"})
        self.skip = add({"font_name": "Arial", "font_size": 8, "italic": True, "font_color": "#7F7F7F"})
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
                             "author": "werkstatt-xl", "comments": "Fragebogen; bitte ausgefüllt zurücksenden."})
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
    last = _write_heading(sheet, styles, form, werkzeug, settings)
    group = None
    for question, row in rows.items():
        if question.group != group and question.group is not None:
            _write_group(sheet, styles, row - 1, form, question.group)
        group = question.group
        _write_question(sheet, styles, row, question, form, werkzeug, cells, list_ranges)
        last = row
    _write_meta(meta, form, werkzeug, token, settings)
    heading = (_TITLE_HEIGHT if settings.title else 0) + _SUBTITLE_HEIGHT + _INTRO_HEIGHT + _LINE_HEIGHT
    _page_setup(sheet, werkzeug, last, _page_breaks(form, werkzeug, rows, heading))
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


def _write_heading(sheet, styles: _Styles, form: Form, werkzeug: Werkzeug, settings: Settings) -> int:
    row = 0
    if settings.title:
        sheet.merge_range(row, 0, row, 2, settings.title, styles.title)
        sheet.set_row(row, _TITLE_HEIGHT)
        row += 1
    sheet.merge_range(row, 0, row, 2, form.title, styles.subtitle)
    sheet.set_row(row, _SUBTITLE_HEIGHT)
    deadline = f" bis zum {settings.deadline_text}" if settings.deadline else ""
    intro = (f"Bitte füllen Sie die gelb hinterlegten Felder aus und senden Sie diese Datei{deadline} "
             "zurück. Felder mit Auswahlliste öffnen Sie mit dem Pfeil rechts neben der Zelle. "
             "Grau hinterlegte Felder sind nach Ihren Antworten nicht auszufüllen.")
    sheet.merge_range(row + 1, 0, row + 1, 2, intro, styles.intro)
    sheet.set_row(row + 1, _INTRO_HEIGHT)
    return row + 1


def _write_group(sheet, styles: _Styles, row: int, form: Form, group: Group) -> None:
    sheet.merge_range(row, 0, row, 1, group.label, styles.group)
    scale = _group_scale(form, group)
    sheet.write(row, ANSWER_COLUMN, scale or None, styles.scale)
    sheet.set_row(row, _group_height(form, group))


def _group_scale(form: Form, group: Group) -> str:
    """The answer scale shared by the group's dropdowns, shown in its header like the seed."""
    lists = {question.choices.name: question.choices for question in form.elements
             if question.group == group and question.choices}
    if len(lists) != 1:
        return ""
    labels = next(iter(lists.values())).labels
    return " · ".join(f"{label}*" if label == "k.A." else label for label in labels)


def _write_question(sheet, styles: _Styles, row: int, question: Question, form: Form, werkzeug: Werkzeug,
                    cells: dict[str, str], list_ranges: dict[str, str]) -> None:
    if not question.is_answer:
        if question.number:
            sheet.write_string(row, 0, question.number, styles.number)
            sheet.merge_range(row, 1, row, 2, question.label, styles.note)
        else:
            sheet.merge_range(row, 0, row, 2, question.label, styles.note)
        sheet.set_row(row, _question_height(question, form, werkzeug))
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
    sheet.set_row(row, _question_height(question, form, werkzeug))
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
    return f"(nur auszufüllen, wenn {words})"


def _validation(question: Question, list_ranges: dict[str, str]) -> dict:
    title = question.title[:32]
    hint = question.hint[:255]
    if question.type == "select_one":
        return {"validate": "list", "source": list_ranges[question.choices.name],
                "input_title": title, "input_message": hint or f"Bitte wählen: {', '.join(question.choices.labels)}"[:255],
                "error_title": "Bitte aus der Liste wählen", "error_type": "stop",
                "error_message": question.choices.allowed[:255]}
    if question.type in ("integer", "decimal"):
        whole = question.type == "integer"
        return {"validate": question.type, "criteria": "between", "minimum": -LARGEST_NUMBER,
                "maximum": LARGEST_NUMBER,
                "input_title": title, "input_message": hint or ("Bitte eine ganze Zahl eingeben." if whole else
                                                                "Bitte eine Zahl eingeben."),
                "error_title": "Keine Zahl", "error_type": "stop",
                "error_message": "Bitte eine ganze Zahl eingeben." if whole else "Bitte eine Zahl eingeben."}
    if question.type == "date":
        return {"validate": "date", "criteria": "between", "minimum": dt.date(1900, 1, 1),
                "maximum": dt.date(2199, 12, 31), "input_title": title,
                "input_message": hint or "Bitte ein Datum eingeben, z. B. 15.12.2026.",
                "error_title": "Kein Datum", "error_type": "stop",
                "error_message": "Bitte ein Datum eingeben, z. B. 15.12.2026."}
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


def _page_setup(sheet, werkzeug: Werkzeug, last_row: int, breaks: list[int]) -> None:
    sheet.set_paper(9)
    sheet.set_portrait()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.6, right=0.5, top=0.6, bottom=0.7)
    sheet.center_horizontally()
    sheet.hide_gridlines(2)
    sheet.print_area(0, 0, last_row, ANSWER_COLUMN)
    sheet.set_h_pagebreaks(breaks)
    name = werkzeug.werkzeug.replace("&", "&&")[:80]
    sheet.set_footer(f"&L&8{name}&R&8Seite &P von &N")
