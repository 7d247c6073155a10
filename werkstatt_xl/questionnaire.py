"""Render the questionnaire workbook of one Werkzeug: prefilled, protected, with dropdowns."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Mapping

from . import wording
from .anchors import TICK, answer_key, answer_marker, cell_name, meta_key, split_answer_key
from .catalogue import Catalogue, Werkzeug
from .expression import EXCEL_TEXT, UnsupportedExpression, excel_literals
from .files import ascii_text
from .form import FILLED_ON_MERGE, LARGEST_NUMBER, REFERENCE, Choice, Form, Group, Question
from .layout import FONT, Font, Page, Rows, column_pixels, page_setup, row_height, text_height
from .messages import text
from .settings import Settings
from .xlsx import new_workbook

SHEET = text("questionnaire.sheet")
LISTS_SHEET = text("questionnaire.lists_sheet")
META_SHEET = "_wxl"
ANSWER_COLUMN, MARKER_COLUMN = 2, 3
_WIDTHS = (5.5, 52, 40)
_TEXT, _BOLD, _SCALE, _SKIP, _MARK = Font(10), Font(10, bold=True), Font(9), Font(8), Font(8, bold=True)
"""Questions and answers, group headers and bold labels, an answer scale, a skip note, the required mark."""
_LINE_FONTS = {"choices": _SCALE, "required": _MARK, "skip": _SKIP, "previous": _MARK}
"""The font of each kind of line below a question's label."""
_TITLE, _SUBTITLE, _INTRO = Font(14, bold=True), Font(12, bold=True), Font(9)
_TITLE_HEIGHT, _SUBTITLE_HEIGHT, _INTRO_HEIGHT, _GROUP_HEIGHT = 24, 20, 40, 20
"""The least heights in points of the heading rows and of a group header: room around their text."""
_TEXT_ANSWER_LINES = 4
"""Lines of room in the answer cell of a free-text question."""
_PAGE = Page(landscape=False, left=0.6, right=0.5, top=0.6, bottom=0.7)
_INPUT_TITLE, _INPUT_MESSAGE = 32, 255
"""The most characters Excel shows in the title and the message of an answer cell's input box."""


@dataclass(frozen=True)
class _Placed:
    """Where an element of the form stands: its row, and for a question in a repeat the row of the repeat
    (1, 2, ...) it belongs to. A select_multiple's choices take the rows below it, one each."""

    question: Question
    row: int
    instance: int | None = None
    layout: tuple[int, int] = (0, 0)
    """The heading rows and the default repeat rows of the layout it stands in: where every answer cell is."""

    def key(self, choice: str | None = None) -> str:
        return answer_key(self.question.name, self.instance, choice)

    def formula_key(self, kind: str) -> tuple:
        """The :func:`_memo` key of a formula of this element (``kind``): it reads other answers' cells, which
        stand elsewhere in another layout of the same form."""
        return kind, self.key(), self.row, self.layout

    @property
    def last_row(self) -> int:
        choices = self.question.choices
        return self.row + (len(choices.choices) if self.question.type == "select_multiple" else 0)


_MEMO: dict[int, tuple[Form, dict]] = {}
_MEMO_FORMS = 4


def _memo(form: Form, key: tuple, compute: Callable[[], object]):
    """What depends only on the form (and ``key``: a question, its place, a group), computed once per form:
    ``generate`` renders the same form for every Werkzeug."""
    entry = _MEMO.get(id(form))
    if entry is None or entry[0] is not form:
        if len(_MEMO) >= _MEMO_FORMS:
            _MEMO.clear()
        entry = _MEMO[id(form)] = (form, {})
    store = entry[1]
    if key not in store:
        store[key] = compute()
    return store[key]


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


def _question_height(question: Question, werkzeug: Werkzeug, below: list[tuple[str, str]], form: Form) -> float:
    """The row height of a question or note: its label and the lines ``below`` it, prefilled value, answer space."""
    return _memo(form, ("height", question.name, _prefill_value(question, werkzeug), tuple(below)),
                 lambda: _measured_height(question, werkzeug, below, form))


def _measured_height(question: Question, werkzeug: Werkzeug, below: list[tuple[str, str]], form: Form) -> float:
    shown = _shown_label(question, form)
    if not question.is_answer:
        return text_height(sum(_WIDTHS[1 if question.number else 0:]), (shown, _TEXT))
    label_width = _WIDTHS[1] if question.number else _WIDTHS[0] + _WIDTHS[1]
    label = (shown, _TEXT if question.number else _BOLD)
    answer_lines = _TEXT_ANSWER_LINES if question.type == "text" and not question.prefill else 1
    return max(text_height(label_width, label, *((line, _LINE_FONTS[kind]) for kind, line in below)),
               text_height(_WIDTHS[2], (_prefill_value(question, werkzeug), _TEXT)),
               row_height((answer_lines, _TEXT)))


def _shown_label(question: Question, form: Form) -> str:
    """The question's label as a person reads it (``${name}`` as ``[Frage 2]``), or its name where it has none."""
    return _memo(form, ("shown", question.name), lambda: wording.readable(question.label, form) or question.name)


def _group_height(form: Form, group: Group) -> float:
    return max(_GROUP_HEIGHT, text_height(_WIDTHS[0] + _WIDTHS[1], (group.label, _BOLD)),
               text_height(_WIDTHS[2], (_group_scale(form, group), _SCALE)))


def _blocks(placed: list[_Placed]) -> list[tuple[int, int]]:
    """First and last row of what a page break must not split: a group with its header row, a row of a
    repeat with its heading (the first also with the repeat's header), or one element."""
    blocks, seen = [], None
    for place in placed:
        question = place.question
        if question.group is not None and (question.group, place.instance) == seen:
            blocks[-1] = (blocks[-1][0], place.last_row)
        else:
            starts = question.group is not None
            above = (2 if place.instance == 1 else 1) if question.in_repeat else 1 if starts else 0
            blocks.append((place.row - above, place.last_row))
        seen = (question.group, place.instance)
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
        self.choices = add({"font_name": FONT, "font_size": _SCALE.size, "font_color": "#404040"})
        self.required = add({"font_name": FONT, "font_size": _MARK.size, "bold": True, "font_color": "#C00000"})
        answer = {**base, "border": 1, "border_color": "#7F7F7F", "bg_color": "#FFF8DC"}
        self.answer = add({**answer, "locked": False})
        self.answer_date = add({**answer, "locked": False, "num_format": "dd.mm.yyyy"})
        self.answer_tick = add({**answer, "locked": False, "align": "center", "bold": True})
        self.choice_label = add({**base, "border": 1, "border_color": "#A6A6A6", "indent": 1})
        self.tick_hint = add({**base, "font_size": _SCALE.size, "font_color": "#404040", "border": 1,
                              "border_color": "#A6A6A6"})
        self.instance = add({**base, "bold": True, "bg_color": "#D6DCE4", "valign": "vcenter"})
        # text answers stay as typed: no "1.2" turned into a date, no leading zeros lost
        self.answer_text = add({**answer, "locked": False, "num_format": "@"})
        self.answer_time = add({**answer, "locked": False, "num_format": "hh:mm"})
        self.answer_datetime = add({**answer, "locked": False, "num_format": "dd.mm.yyyy hh:mm"})
        self.prefilled = add({**answer, "bg_color": "#EAF1FB"})
        self.prefilled_date = add({**answer, "bg_color": "#EAF1FB", "num_format": "dd.mm.yyyy"})
        self.prefilled_time = add({**answer, "bg_color": "#EAF1FB", "num_format": "hh:mm"})
        self.prefilled_datetime = add({**answer, "bg_color": "#EAF1FB", "num_format": "dd.mm.yyyy hh:mm"})
        self.previous = add({"font_name": FONT, "font_size": _MARK.size, "bold": True, "font_color": "#9C5700"})
        previous = {**answer, "locked": False, "bg_color": "#FFE7C2"}
        self.previous_answer = {"date": add({**previous, "num_format": "dd.mm.yyyy"}),
                                "time": add({**previous, "num_format": "hh:mm"}),
                                "dateTime": add({**previous, "num_format": "dd.mm.yyyy hh:mm"}),
                                "text": add({**previous, "num_format": "@"}), "": add(previous)}
        """Answer cells holding last round's answer, by question type ("": other types)."""
        self.not_relevant = add({"bg_color": "#D9D9D9", "font_color": "#7F7F7F"})
        self.hidden = add({"font_size": 8, "font_color": "#808080"})


def render_questionnaire(path: Path, form: Form, werkzeug: Werkzeug, token: str, settings: Settings,
                         previous: Mapping[str, object] | None = None) -> None:
    """Write the questionnaire for ``werkzeug`` to ``path`` (a new file); ``previous`` (question name ->
    last round's answer) fills answer cells, each marked as last round's, to be checked."""
    previous = previous or {}
    workbook = new_workbook(path)
    workbook.set_properties({"title": f"{form.title}: {werkzeug.werkzeug}", "subject": settings.title or form.title,
                             "author": "werkstatt-xl", "comments": text("questionnaire.comments")})
    styles = _Styles(workbook)
    sheet = workbook.add_worksheet(SHEET)
    lists = workbook.add_worksheet(LISTS_SHEET)
    meta = workbook.add_worksheet(META_SHEET)
    heading = _heading(form, werkzeug, settings, bool(previous))
    placed, cells, blocks = _placement(form, len(heading), settings.repeat_rows)
    list_ranges = _write_lists(lists, form, cells)
    for column, width in enumerate(_WIDTHS):
        sheet.set_column(column, column, width)
    sheet.set_column(MARKER_COLUMN, MARKER_COLUMN, 12, styles.hidden, {"hidden": True})
    heights = Rows(sheet)
    last = _write_heading(heights, styles, heading)
    group, instance = None, None
    for place in placed:
        question = place.question
        if question.group is not None and question.group != group:
            _write_group(heights, styles, place.row - 1 - (place.instance is not None), form, question.group,
                         _repeat_rows(question.group, settings.repeat_rows))
        if place.instance is not None and (question.group, place.instance) != (group, instance):
            _write_instance(heights, styles, place.row - 1, wording.readable(question.group.label, form),
                            place.instance, _repeat_rows(question.group, settings.repeat_rows))
        group, instance = question.group, place.instance
        carried = place.instance is None and question.name in previous
        _write_question(heights, styles, place, form, werkzeug, _cell_finder(cells, place, form), list_ranges,
                        carried)
        if carried:
            _write_previous_answer(heights, styles, place.row, question, previous[question.name])
        last = place.last_row
    _write_meta(meta, form, werkzeug, token, settings)
    page_setup(heights, _PAGE, last, ANSWER_COLUMN, sum(map(column_pixels, _WIDTHS)), werkzeug.werkzeug,
               text("questionnaire.page_numbers", page="{page}", pages="{pages}"), blocks)
    protection = {"format_rows": True, "format_columns": True}
    sheet.protect("", protection)
    lists.protect("", protection)
    meta.protect("", protection)
    lists.hide()
    meta.very_hidden()
    first_open = next((place.row + (place.question.type == "select_multiple") for place in placed
                       if place.question.is_answer and not _prefill_value(place.question, werkzeug)), 0)
    sheet.activate()
    sheet.set_selection(first_open, ANSWER_COLUMN, first_open, ANSWER_COLUMN)
    workbook.close()


HEADING_ROWS = 3
"""The most rows the heading above the questions takes (titles and how to fill in)."""


def sheet_rows(form: Form, repeat_rows: int) -> int:
    """How many rows the questionnaire of ``form`` takes at most, with ``repeat_rows`` entries per repeat
    whose ``repeat_count`` is no number."""
    placed = _placement(form, HEADING_ROWS, repeat_rows)[0]
    return placed[-1].last_row + 1 if placed else HEADING_ROWS


def _placement(form: Form, heading_rows: int, repeat_rows: int
               ) -> tuple[list[_Placed], dict[str, str], list[tuple[int, int]]]:
    """Where every element goes (:func:`_layout`), its answer cells and the blocks a page break must not split,
    worked out once per form."""
    def compute():
        placed = _layout(form, heading_rows, repeat_rows)
        return placed, _answer_cells(placed), _blocks(placed)
    return _memo(form, ("placement", heading_rows, repeat_rows), compute)


def _repeat_rows(group: Group, default: int) -> int:
    """How many rows a repeat has: its ``repeat_count`` where that is a number, else ``default``."""
    return group.count or default


def _layout(form: Form, heading_rows: int, repeat_rows: int) -> list[_Placed]:
    """Where every element goes, below the heading and a free row; a row is left free above each new group
    for its header, and above each row of a repeat for its heading (``Eintrag 2 von 5``). A repeat's
    elements are placed once per row of the repeat."""
    placed, row, layout = [], heading_rows + 1, (heading_rows, repeat_rows)
    elements = list(form.elements)
    position = 0
    while position < len(elements):
        question = elements[position]
        group = question.group
        if group is None:
            placed.append(_Placed(question, row, layout=layout))
            row = placed[-1].last_row + 1
            position += 1
            continue
        members = []
        while position < len(elements) and elements[position].group == group:
            members.append(elements[position])
            position += 1
        row += 1  # the group's header
        for instance in range(1, _repeat_rows(group, repeat_rows) + 1) if group.repeat else (None,):
            row += instance is not None  # the heading of this row of the repeat
            for member in members:
                placed.append(_Placed(member, row, instance, layout))
                row = placed[-1].last_row + 1
    return placed


def _answer_cells(placed: list[_Placed]) -> dict[str, str]:
    """Answer key -> the absolute address of its cell; a select_multiple's key -> the range of its choices' cells,
    each choice's key -> its cell."""
    cells = {}
    for place in placed:
        if not place.question.is_answer:
            continue
        if place.question.type == "select_multiple":
            for offset, choice in enumerate(place.question.choices.choices, start=1):
                cells[place.key(choice.name)] = cell_name(place.row + offset, ANSWER_COLUMN, absolute=True)
            cells[place.key()] = (f"{cell_name(place.row + 1, ANSWER_COLUMN, absolute=True)}:"
                                  f"{cell_name(place.last_row, ANSWER_COLUMN, absolute=True)}")
        else:
            cells[place.key()] = cell_name(place.row, ANSWER_COLUMN, absolute=True)
    return cells


def _cell_finder(cells: dict[str, str], place: _Placed, form: Form) -> Callable[[str | None], str | None]:
    """The cells an expression of ``place``'s question reads (see :meth:`Expression.to_excel`): a question of
    the same repeat in the same row of it; a select_multiple's choice, or None where the question has none;
    TODAY()/NOW() for the day or time merge fills in, "" for a note (which has no value)."""
    def cell_of(key: str | None) -> str | None:
        if key is None:
            return cells[place.key()]
        if key in form.metadata:
            return "TODAY()" if FILLED_ON_MERGE[form.metadata[key]] == "date" else "NOW()"
        if any(element.name == key and not element.is_answer for element in form.elements):
            return '""'
        name, _, choice = split_answer_key(key)
        same_repeat = place.instance is not None and answer_key(name, place.instance) in cells
        found = cells.get(answer_key(name, place.instance if same_repeat else None, choice))
        if found is None and choice is None:
            raise KeyError(name)
        return found
    return cell_of


def _heading(form: Form, werkzeug: Werkzeug, settings: Settings, previous: bool = False) -> list[tuple[str, str]]:
    """The lines above the questions as (kind, text): the titles of the round and of the form, and how to
    fill in. Titles that begin with the same word are said once: ``Zwischenbilanz 2019`` and
    ``Zwischenbilanz „Werkstattplan“`` make ``Zwischenbilanz 2019 „Werkstattplan“``."""
    round_words, form_words = settings.title.split(), form.title.split()
    if round_words and form_words and round_words[0].casefold() == form_words[0].casefold():
        known = {word.casefold() for word in round_words}
        heading = [("title", " ".join([*round_words, *(word for word in form_words if word.casefold() not in known)]))]
    else:
        heading = [("title", settings.title)] if settings.title else []
        heading.append(("subtitle", form.title))
    deadline = text("questionnaire.deadline", date=settings.deadline_text) if settings.deadline else ""
    intro = text("questionnaire.intro", deadline=deadline)
    if any(_required_mark(question, werkzeug) for question in form.questions):
        intro += " " + text("questionnaire.required_intro", mark=text("questionnaire.required"))
    if previous:
        intro += " " + text("questionnaire.previous_intro", mark=text("questionnaire.previous_answer"))
    return [*heading, ("intro", intro)]


def _write_heading(rows: Rows, styles: _Styles, heading: list[tuple[str, str]]) -> int:
    """The heading across the three columns; returns its last row."""
    looks = {"title": (styles.title, _TITLE, _TITLE_HEIGHT), "subtitle": (styles.subtitle, _SUBTITLE, _SUBTITLE_HEIGHT),
             "intro": (styles.intro, _INTRO, _INTRO_HEIGHT)}
    for row, (kind, line) in enumerate(heading):
        style, font, least = looks[kind]
        rows.sheet.merge_range(row, 0, row, 2, line, style)
        rows.set(row, max(least, text_height(sum(_WIDTHS), (line, font))))
    return len(heading) - 1


def _write_group(rows: Rows, styles: _Styles, row: int, form: Form, group: Group, repeat_rows: int) -> None:
    rows.sheet.merge_range(row, 0, row, 1, wording.readable(group.label, form), styles.group)
    scale = _repeat_scale(form, group, repeat_rows) if group.repeat else _group_scale(form, group)
    rows.sheet.write(row, ANSWER_COLUMN, scale or None, styles.scale)
    rows.set(row, max(_group_height(form, group), text_height(_WIDTHS[2], (scale, _SCALE))))


def _repeat_scale(form: Form, group: Group, repeat_rows: int) -> str:
    """What a repeat's header says: how many entries there are, and that its required questions bind only
    the entries used."""
    scale = text("questionnaire.repeat_scale", count=repeat_rows)
    if any(question.required for question in form.repeats.get(group, ())):
        scale += "\n" + text("questionnaire.repeat_required")
    return scale


def _write_instance(rows: Rows, styles: _Styles, row: int, repeat: str, instance: int, count: int) -> None:
    """The heading of one entry of the repeat labelled ``repeat``, which also says on a later page whose entry
    it is: ``Maßnahmen – Eintrag 2 von 5``."""
    heading = text("questionnaire.repeat_instance", repeat=repeat, number=instance, count=count).strip(" –")
    rows.sheet.merge_range(row, 0, row, ANSWER_COLUMN, heading, styles.instance)
    rows.set(row, max(_GROUP_HEIGHT, text_height(sum(_WIDTHS), (heading, _BOLD))))


def _group_scale(form: Form, group: Group | None) -> str:
    """The answer scale shared by the group's dropdowns, shown in its header like the seed ("" outside a group)."""
    return _memo(form, ("scale", (group.name, group.row) if group else None), lambda: _shared_scale(form, group))


def _shared_scale(form: Form, group: Group | None) -> str:
    lists = {question.choices.name: question.choices for question in form.elements
             if group is not None and question.group == group and question.type == "select_one"}
    return _scale(next(iter(lists.values())).labels) if len(lists) == 1 else ""


def _scale(labels: list[str]) -> str:
    """``Sehr hoch · Hoch · Eher niedrig · Niedrig · k.A.*`` (the asterisk refers to the seed's footnote)."""
    return " · ".join(f"{label}*" if label == "k.A." else label for label in labels)


def _lines_below(question: Question, form: Form, werkzeug: Werkzeug) -> list[tuple[str, str]]:
    """What is printed below a question's label, as (kind, text): its choices where no group header shows
    them, as the seed does beside question 1 (``Ja · Nein``), the required mark, the skip note."""
    required = _required_mark(question, werkzeug)
    return list(_memo(form, ("below", question.name, required), lambda: _listed_lines(question, form, required)))


def _listed_lines(question: Question, form: Form, required: bool) -> tuple[tuple[str, str], ...]:
    lines = []
    if question.type == "select_multiple":
        lines.append(("choices", text("questionnaire.tick_intro", tick=TICK)))
    elif question.choice_filter is not None and question.choice_filter.references:
        names = ", ".join(map(wording.question_name(form), sorted(question.choice_filter.references)))
        lines.append(("choices", text("questionnaire.filtered", questions=names)))
    elif question.choices and not _group_scale(form, question.group):
        lines.append(("choices", _scale(question.choices.labels)))
    if required:
        lines.append(("required", text("questionnaire.required")))
    skip = _skip_note(question, form)
    if skip:
        lines.append(("skip", skip))
    return tuple(lines)


def _required_mark(question: Question, werkzeug: Werkzeug) -> bool:
    """Whether the question is marked as one that must be answered: required and not filled in already."""
    return question.required and not _prefill_value(question, werkzeug)


def _write_question(rows: Rows, styles: _Styles, place: _Placed, form: Form, werkzeug: Werkzeug,
                    cell_of: Callable[[str | None], str | None], list_ranges: dict[str, str],
                    previous: bool = False) -> None:
    sheet, question, row = rows.sheet, place.question, place.row
    below = _lines_below(question, form, werkzeug) if question.is_answer else []
    if previous:
        below.append(("previous", text("questionnaire.previous_answer")))
    rows.set(row, _question_height(question, werkzeug, below, form))
    if question.type == "calculate" and not question.label:
        sheet.set_row(row, None, None, {"hidden": True})  # a value other formulas read, unseen as in ODK
    label = _memo(form, (*place.formula_key("label"), tuple(below)),
                  lambda: _label_formula(question.label, [line for _kind, line in below], form, cell_of))
    shown = _shown_label(question, form)
    if not question.is_answer:
        if question.number:
            sheet.write_string(row, 0, question.number, styles.number)
        if label:
            _merged_formula(sheet, row, 1 if question.number else 0, 2, label, styles.note)
        else:
            sheet.merge_range(row, 1 if question.number else 0, row, 2, shown, styles.note)
        formula = question.relevant and _relevant_formula(place, cell_of, form)
        if formula:  # a note that does not apply is greyed, as a skipped answer is
            sheet.conditional_format(row, 0, row, ANSWER_COLUMN, {
                "type": "formula", "criteria": f"=NOT({formula})", "format": styles.not_relevant})
        return
    label_format = styles.label if question.number else styles.header_label
    first = 1 if question.number else 0
    if question.number:
        sheet.write_string(row, 0, question.number, styles.number)
    if label:
        _merged_formula(sheet, row, first, 1, label, label_format)
    else:
        if not question.number:
            sheet.merge_range(row, 0, row, 1, None if below else shown, label_format)
        if below:
            # each line starts its run: a run of only whitespace would lose its line break in openpyxl
            runs = [part for kind, line in below for part in (getattr(styles, kind), "\n" + line)]
            sheet.write_rich_string(row, first, shown, *runs, label_format)
        elif question.number:
            sheet.write_string(row, 1, shown, label_format)
    if question.type == "select_multiple":
        sheet.write_string(row, ANSWER_COLUMN, text("questionnaire.tick_below"), styles.tick_hint)
        _write_choice_rows(rows, styles, place, form)
    else:
        _write_answer(sheet, styles, place, form, werkzeug, cell_of, list_ranges)
        sheet.write_string(row, MARKER_COLUMN, answer_marker(place.key()))
    if question.relevant is not None:
        formula = _relevant_formula(place, cell_of, form)
        if formula is None:
            return  # Excel cannot grey it out; the skip note says when to answer, and merge checks it
        first = row + (question.type == "select_multiple")
        sheet.conditional_format(first, ANSWER_COLUMN, place.last_row, ANSWER_COLUMN, {
            "type": "formula", "criteria": f"=NOT({formula})", "format": styles.not_relevant})


def _write_answer(sheet, styles: _Styles, place: _Placed, form: Form, werkzeug: Werkzeug,
                  cell_of: Callable[[str | None], str | None], list_ranges: dict[str, str]) -> None:
    """The answer cell: prefilled, computed (calculate), fixed (read_only) or open with its default and rule."""
    question, row = place.question, place.row
    kind = question.type
    prefilled = _prefill_value(question, werkzeug)
    if prefilled:
        sheet.write_string(row, ANSWER_COLUMN, prefilled, styles.prefilled)
    elif kind == "calculate":
        formula = _memo(form, place.formula_key("calculation"),
                        lambda: _formula(question.calculation, cell_of, form))
        if formula is None or len(formula) > _FORMULA_LENGTH:  # longer than Excel's formulas: merge computes it
            sheet.write_string(row, ANSWER_COLUMN, text("questionnaire.computed_on_merge"), styles.prefilled)
        else:
            sheet.write_formula(row, ANSWER_COLUMN, f"=IFERROR({formula},\"\")", styles.prefilled, "")
    elif question.read_only:
        _write_default(sheet, row, question, form, {"date": styles.prefilled_date, "time": styles.prefilled_time,
                                              "dateTime": styles.prefilled_datetime}.get(kind, styles.prefilled))
    else:
        answer_format = {"date": styles.answer_date, "text": styles.answer_text, "time": styles.answer_time,
                         "dateTime": styles.answer_datetime}.get(kind, styles.answer)
        _write_default(sheet, row, question, form, answer_format)
        source = list_ranges.get(place.key()) if place.instance is None else None
        sheet.data_validation(row, ANSWER_COLUMN, row, ANSWER_COLUMN, _memo(
            form, place.formula_key("validation"), lambda: _rule(question, form, cell_of, list_ranges, source)))


def _rule(question: Question, form: Form, cell_of: Callable[[str | None], str | None], list_ranges: dict[str, str],
          source: str | None) -> dict:
    """The answer cell's validation: its type's, and where Excel can compute the question's ``constraint``
    (not for a dropdown, whose cell has the list as its one rule) a custom formula checking both."""
    rule = _validation(question, list_ranges, partial(wording.readable, form=form), source)
    formula = _formula(question.constraint, cell_of, form) if question.constraint is not None else None
    if formula is None or question.choices is not None:
        return rule
    cell = cell_of(None)
    checks = {"integer": f"ISNUMBER({cell}),{cell}=INT({cell}),ABS({cell})<={_LARGEST}",
              "decimal": f"ISNUMBER({cell}),ABS({cell})<={_LARGEST}",
              "date": f"ISNUMBER({cell}),{cell}>=1,{cell}<{_LAST_DAY}",
              "dateTime": f"ISNUMBER({cell}),{cell}>=1,{cell}<{_LAST_DAY}",
              "time": f"ISNUMBER({cell}),{cell}>=0,{cell}<1"}.get(question.type)
    said = question.constraint_message or text("questionnaire.constraint",
                                               condition=wording.describe(question.constraint, form))
    value = f"=AND({checks + ',' if checks else ''}{formula})"
    if len(value) > _RULE_FORMULA:
        _too_long(form, question, "constraint")
        return rule
    box = {key: value for key, value in rule.items() if key.startswith("input")}
    return {"validate": "custom", "value": value, **box,
            "error_title": text("questionnaire.not_allowed"), "error_type": "stop",
            "error_message": _shortened(" ".join(filter(None, [rule.get("error_message"), said])), _INPUT_MESSAGE)}


def _relevant_formula(place: _Placed, cell_of: Callable[[str | None], str | None], form: Form) -> str | None:
    """The condition formula greying out a question that does not apply; None where Excel cannot compute it
    or its rule would be longer than Excel keeps (the skip note says when to answer, merge checks it)."""
    def compute() -> str | None:
        formula = _formula(place.question.relevant, cell_of, form)
        if formula is not None and len(f"=NOT({formula})") > _RULE_FORMULA:
            _too_long(form, place.question, "relevant")
            return None
        return formula
    return _memo(form, place.formula_key("relevant"), compute)


def _too_long(form: Form, question: Question, column: str) -> None:
    _memo(form, ("too_long",), dict).setdefault(question.name, (question, column))


def too_long_rules(form: Form) -> list[tuple[Question, str]]:
    """The (question, column) whose ``constraint`` or ``relevant`` the questionnaires rendered from ``form`` do
    not check or grey out as typed: Excel keeps at most 255 characters of a cell rule's formula."""
    return list(_memo(form, ("too_long",), dict).values())


def _formula(expression, cell_of: Callable[[str | None], str | None], form: Form) -> str | None:
    """The Excel formula of ``expression`` (without ``=``), None where Excel cannot compute it."""
    try:
        return expression.to_excel(cell_of, wording.choice_label(form))
    except UnsupportedExpression:
        return None


def _write_default(sheet, row: int, question: Question, form: Form, cell_format) -> None:
    """The answer cell with the question's default as a value of its type (a choice by its label), or blank."""
    value = _memo(form, ("default", question.name), lambda: default_value(question))
    if value is None:
        sheet.write_blank(row, ANSWER_COLUMN, None, cell_format)
    elif isinstance(value, str):
        sheet.write_string(row, ANSWER_COLUMN, value, cell_format)
    elif isinstance(value, dt.time):
        sheet.write_number(row, ANSWER_COLUMN, (value.hour * 60 + value.minute) / 1440, cell_format)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, ANSWER_COLUMN, value if isinstance(value, dt.datetime) else
                             dt.datetime.combine(value, dt.time()), cell_format)
    else:
        sheet.write_number(row, ANSWER_COLUMN, value, cell_format)


def unfit_defaults(form: Form) -> list[Question]:
    """The questions whose ``default`` is no value of their type (no choice of theirs): their cell starts empty."""
    return [question for question in form.questions if question.default and question.type != "select_multiple"
            and not question.prefill and default_value(question) is None]


def default_value(question: Question) -> object:
    """The question's ``default`` as the value its answer cell holds: a choice's label, a number, a date, a
    time; None without a default or where it does not fit the type (the cell then stays empty)."""
    from .validate import convert_answer  # the one reading of a value for a question, shared with merge

    if not question.default:
        return None
    if question.choices is not None:
        choice = question.choices.by_name(question.default) or question.choices.match(question.default)
        return choice.label if choice else None
    value, error = convert_answer(question, question.default)
    return None if error else value



_LARGEST = f"{LARGEST_NUMBER:.0E}"
_LAST_DAY = (dt.date(2200, 1, 1) - dt.date(1899, 12, 30)).days
"""Excel's serial of 2200-01-01: dates up to 2199-12-31 are accepted, as by a date cell's own rule."""
_RULE_FORMULA = EXCEL_TEXT
"""The most characters Excel keeps of a validation's or conditional format's formula."""
_FORMULA_LENGTH = 8000
"""Labels whose formula would be longer than Excel's 8192 characters are shown readably instead."""


def _label_formula(label: str, below: list[str], form: Form, cell_of: Callable[[str | None], str | None]
                   ) -> str | None:
    """For a label with ``${name}`` references: a formula that shows it with the answers referred to,
    built from escaped string literals and answer cells only (never from the label's text as formula
    source); None for a label without references or where the formula would be too long."""
    if not REFERENCE.search(label):
        return None
    parts: list[str] = []
    position = 0
    for match in REFERENCE.finditer(label):
        parts.extend(_literals(label[position:match.start()]))
        parts.append(_shown_answer(match.group(1), form, cell_of))
        position = match.end()
    parts.extend(_literals(label[position:] + "".join("\n" + line for line in below)))
    formula = "=" + "&".join(parts)
    return formula if len(formula) <= _FORMULA_LENGTH else None


def _literals(words: str) -> list[str]:
    """``words`` as Excel string literals of at most 255 characters, line breaks as CHAR(10)."""
    found: list[str] = []
    for number, line in enumerate(words.split("\n")):
        if number:
            found.append("CHAR(10)")
        found.extend(excel_literals(line) if line else [])
    return found


def _shown_answer(name: str, form: Form, cell_of: Callable[[str | None], str | None]) -> str:
    """How a label shows the answer to ``name``: the cell as text (a date as a date), "…" while empty; a
    placeholder (``[Frage 2]``) where the answer is no one cell."""
    try:
        cell = cell_of(name)
        kind = form.question(name).type
    except KeyError:
        cell, kind = None, ""
    if cell is None or ":" in cell or kind == "note" or not cell.startswith("$"):
        return '"' + wording.placeholder(name, form).replace('"', '""') + '"'
    day = f'TEXT(DAY({cell}),"00")&"."&TEXT(MONTH({cell}),"00")&"."&YEAR({cell})'
    time = f'TEXT(HOUR({cell}),"00")&":"&TEXT(MINUTE({cell}),"00")'
    # from numbers only: a date's format codes (DD.MM.YYYY) are read in the language of the program that opens it
    shown = {"date": day, "time": time, "dateTime": f'{day}&" "&{time}'}.get(kind, cell)
    return f'IF({cell}="","…",{shown})'


def _merged_formula(sheet, row: int, first: int, last: int, formula: str, cell_format) -> None:
    if last > first:
        sheet.merge_range(row, first, row, last, None, cell_format)
    sheet.write_formula(row, first, formula, cell_format, "")





def _write_choice_rows(rows: Rows, styles: _Styles, place: _Placed, form: Form) -> None:
    """One row per choice of a select_multiple question below it: the choice's label and a cell to tick."""
    sheet, question = rows.sheet, place.question
    for row, (choice, rule, height) in enumerate(_memo(form, ("ticks", question.name), lambda: _ticks(question)),
                                                 start=place.row + 1):
        sheet.write_blank(row, 0, None, styles.label)
        sheet.write_string(row, 1, choice.label, styles.choice_label)
        sheet.write_blank(row, ANSWER_COLUMN, None, styles.answer_tick)
        sheet.data_validation(row, ANSWER_COLUMN, row, ANSWER_COLUMN, rule)
        sheet.write_string(row, MARKER_COLUMN, answer_marker(place.key(choice.name)))
        rows.set(row, height)


def _ticks(question: Question) -> list[tuple[Choice, dict, float]]:
    """Each choice of a select_multiple question with the rule of its tick cell and the height of its row."""
    title = text("questionnaire.question", number=question.number) if question.number else question.label
    how = text("questionnaire.tick_how", tick=TICK)
    return [(choice, {"validate": "list", "source": [TICK], "input_title": _shortened(title, _INPUT_TITLE),
                      "input_message": _shortened(f"{choice.label}\n{how}", _INPUT_MESSAGE),
                      "error_title": text("questionnaire.not_a_tick"), "error_type": "stop", "error_message": how},
             text_height(_WIDTHS[1] - 1, (choice.label, _TEXT)))
            for choice in question.choices.choices]


def _write_previous_answer(rows: Rows, styles: _Styles, row: int, question: Question, value: object) -> None:
    """Last round's answer in the answer cell (a select_multiple's ticks in its choices' cells), tinted (the
    label's mark is written with the question); the cell keeps its validation, so a department overwrites it
    as any answer."""
    sheet, style = rows.sheet, styles.previous_answer.get(question.type, styles.previous_answer[""])
    if question.type == "select_multiple":
        chosen = value.split()
        for choice_row, choice in enumerate(question.choices.choices, start=row + 1):
            if choice.name in chosen:
                sheet.write_string(choice_row, ANSWER_COLUMN, TICK, style)
        return
    shown = str(value)
    if isinstance(value, str):
        sheet.write_string(row, ANSWER_COLUMN, value, style)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, ANSWER_COLUMN, value, style)
        shown = value.strftime("%d.%m.%Y %H:%M")
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, ANSWER_COLUMN, dt.datetime.combine(value, dt.time()), style)
        shown = value.strftime("%d.%m.%Y")
    elif isinstance(value, dt.time):
        sheet.write_datetime(row, ANSWER_COLUMN, value, style)
        shown = value.strftime("%H:%M")
    else:
        sheet.write_number(row, ANSWER_COLUMN, value, style)
    rows.set(row, max(rows.heights.get(row, 0), text_height(_WIDTHS[2], (shown, _TEXT))))


def _prefill_value(question: Question, werkzeug: Werkzeug) -> str:
    return getattr(werkzeug, question.prefill) if question.prefill else ""



def _skip_note(question: Question, form: Form) -> str:
    """``Nur ausfüllen, wenn Frage 1 mit „Nein“ beantwortet ist.`` for a question with ``relevant``."""
    if question.relevant is None:
        return ""
    return _memo(form, ("skip", question.name), lambda: text(
        "questionnaire.skip_note", condition=wording.describe(question.relevant, form)))



def _shortened(words: str, most: int) -> str:
    """``words`` if they fit ``most`` characters, else their start ending at a whole word and "…"."""
    if len(words) <= most:
        return words
    start = words[:most - 1]
    return (start.rsplit(None, 1)[0] if " " in start.strip() else start).rstrip(" ,;:") + "…"


def _validation(question: Question, list_ranges: dict[str, str], readable: Callable[[str], str],
                source: str | None = None) -> dict:
    """The answer cell's rule and the box Excel shows beside it: a short title (``Frage 8``), the whole
    question with its hint or how to answer as the message, and the alert for a wrong entry."""
    label = readable(question.label) or question.name
    title = text("questionnaire.question", number=question.number) if question.number else label
    box = {"input_title": _shortened(title, _INPUT_TITLE)}

    def message(how: str) -> str:
        said = [label] if box["input_title"] != label else []
        return _shortened("\n".join([*said, readable(question.hint) or how]), _INPUT_MESSAGE)

    if question.choices is not None:
        choose = text("questionnaire.choose", choices=", ".join(question.choices.labels))
        return {"validate": "list", "source": source or list_ranges[question.choices.name],
                **box, "input_message": message(choose), "error_title": text("questionnaire.not_a_choice"),
                "error_type": "stop", "error_message": _shortened(question.choices.allowed, _INPUT_MESSAGE)}
    if question.type in ("integer", "decimal"):
        how = text(f"questionnaire.{question.type}")
        return {"validate": question.type, "criteria": "between", "minimum": -LARGEST_NUMBER,
                "maximum": LARGEST_NUMBER, **box, "input_message": message(how),
                "error_title": text("questionnaire.not_a_number"), "error_type": "stop", "error_message": how}
    if question.type in ("date", "dateTime"):
        how = text(f"questionnaire.{question.type}")
        return {"validate": "date", "criteria": "between", "minimum": dt.date(1900, 1, 1),
                "maximum": dt.date(2199, 12, 31), **box, "input_message": message(how),
                "error_title": text("questionnaire.not_a_date"), "error_type": "stop", "error_message": how}
    if question.type == "time":
        how = text("questionnaire.time")
        return {"validate": "time", "criteria": "between", "minimum": dt.time(0, 0), "maximum": dt.time(23, 59, 59),
                **box, "input_message": message(how), "error_title": text("questionnaire.not_a_time"),
                "error_type": "stop", "error_message": how}
    return {"validate": "any", **box, "input_message": message("")} if question.hint else {"validate": "any"}


def _write_lists(sheet, form: Form, cells: dict[str, str]) -> dict[str, str]:
    """Each choice list in a column of the hidden sheet, then the dependent lists of each ``choice_filter``
    Excel can follow; returns list name (or question name, for a dependent list) -> range formula."""
    ranges = {}
    column = 0
    for choice_list in form.choice_lists.values():
        sheet.write_string(0, column, choice_list.name)
        for row, label in enumerate(choice_list.labels, start=1):
            sheet.write_string(row, column, label)
        ranges[choice_list.name] = _range(1, len(choice_list.choices), column)
        column += 1
    written: dict[tuple, int] = {}  # the same dependent lists, written once for every question that uses them
    for question in form.questions:
        blocks = _memo(form, ("dependent", question.name),
                       lambda question=question: dependent_choices(question, form))
        if not (blocks and question.name in cells and blocks[0] in cells and ":" not in cells[blocks[0]]):
            continue
        parent, choices_by_label = blocks
        content = tuple((label, tuple(labels)) for label, labels in choices_by_label.items())
        if content not in written:
            written[content] = column
            for label, labels in content:
                sheet.write_string(0, column, label)
                sheet.write_number(1, column, len(labels))
                for row, shown in enumerate(labels, start=2):
                    sheet.write_string(row, column, shown)
                column += 1
        first, last = written[content], written[content] + len(content) - 1
        header = f"{LISTS_SHEET}!{cell_name(0, first, True)}:{cell_name(0, last, True)}"
        counts = f"{LISTS_SHEET}!{cell_name(1, first, True)}:{cell_name(1, last, True)}"
        labels = [label for label, _labels in content]
        wanted = cells[parent]
        for wildcard in sorted({character for label in labels for character in label} & set("~*?"), reverse=True):
            wanted = f'SUBSTITUTE({wanted},"{wildcard}","~{wildcard}")'  # MATCH reads it as a wildcard
        match = f"MATCH({wanted},{header},0)"
        formula = (f"=IF(ISNA({match}),{ranges[question.choices.name][1:]},"
                   f"OFFSET({LISTS_SHEET}!{cell_name(2, first, True)},0,{match}-1,MAX(1,INDEX({counts},{match})),1))")
        if len(formula) <= _RULE_FORMULA and all(
                len(re.sub("[~*?]", "~~", label)) <= EXCEL_TEXT for label in labels):
            ranges[question.name] = formula  # else MATCH cannot find the label or Excel not keep the rule: all
    return ranges


def _range(first_row: int, last_row: int, column: int) -> str:
    return f"={LISTS_SHEET}!{cell_name(first_row, column, True)}:{cell_name(max(first_row, last_row), column, True)}"


def dependent_choices(question: Question, form: Form) -> tuple[str, dict[str, list[str]]] | None:
    """Where a ``choice_filter`` reads one select_one question and the choices' columns only: that question's
    name and, for each of its choices (by label), the labels of the choices the filter lets through;
    else None (the dropdown offers every choice, merge still checks the filter)."""
    condition = question.choice_filter
    if condition is None or len(condition.references) != 1 or condition.reads_own_answer:
        return None
    parent = form.question(next(iter(condition.references)))
    if parent.choices is None or parent.type != "select_one":
        return None
    lists = {}
    for chosen in parent.choices.choices:
        lists[chosen.label] = [choice.label for choice in question.choices.choices if condition.evaluate(
            lambda name, chosen=chosen: chosen.name, lambda column, choice=choice: choice.column(column))]
    return parent.name, lists


def _write_meta(sheet, form: Form, werkzeug: Werkzeug, token: str, settings: Settings) -> None:
    values = {"form_id": form.form_id, "form_version": form.version, "werkzeug_id": werkzeug.werkzeug_id,
              "token": token, "werkzeug": werkzeug.werkzeug, "round": settings.title,
              **({"form_language": form.language} if form.language else {})}  # merge reads a return in it
    for row, (key, value) in enumerate(values.items()):
        sheet.write_string(row, 0, meta_key(key))
        sheet.write_string(row, 1, value)
