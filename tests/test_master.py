"""master.xlsx of the example round as LibreOffice shows and prints it: no text cut off, few pages."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from openpyxl import load_workbook

from werkstatt_xl.layout import Font, column_pixels, row_height, text_pixels, wrapped_lines
from werkstatt_xl.master import PROBLEMS_SHEET, REGISTER_SHEET, RETURNS_SHEET
from werkstatt_xl.resources import example_path
from werkstatt_xl.round import generate, merge


@pytest.fixture(scope="module")
def master(tmp_path_factory):
    """master.xlsx of the example round, with one broken file so that the sheet Prüfung has a row."""
    from werkstatt_xl.round import init_project

    project = init_project(tmp_path_factory.mktemp("master") / "runde", example=True)
    generate(project)
    for path in (example_path() / "eingang").iterdir():
        shutil.copy2(path, project.inbox / path.name)
    (project.inbox / "4-99_Notiz.xlsx").write_bytes(b"Bitte um Rueckruf & Fristverlaengerung")
    return merge(project).master_path


def shown(cell) -> str:
    """The text a cell shows, as the master writes it."""
    if isinstance(cell.value, dt.datetime):
        return cell.value.strftime("%d.%m.%Y %H:%M" if "hh" in cell.number_format else "%d.%m.%Y")
    if cell.number_format.endswith("%"):
        return f"{cell.value:.0%}"
    return str(cell.value)


def characters(width: float) -> float:
    """A column width as stored in the file -> as set when writing (the file adds 5 pixels of padding)."""
    pixels = int((256 * width + 18) / 256 * 7)  # ECMA-376 18.3.1.13, with 7-pixel digits
    return (pixels - 5) / 7


def column_widths(sheet) -> dict[int, float]:
    """Column number -> width in characters; a column left out has the sheet's default width."""
    default = characters(sheet.sheet_format.defaultColWidth or 8.43)
    widths = dict.fromkeys(range(1, sheet.max_column + 1), default)
    for dimension in sheet.column_dimensions.values():
        widths.update(dict.fromkeys(range(dimension.min, dimension.max + 1), characters(dimension.width)))
    return widths


def cut_off(sheet) -> list[str]:
    """Cells whose text needs more lines than their row is high, or more width than their column has."""
    found, widths = [], column_widths(sheet)
    for row in sheet.iter_rows():
        dimension = sheet.row_dimensions[row[0].row]
        if dimension.hidden:
            continue
        for cell in row:
            if cell.value is None:
                continue
            width = widths[cell.column]
            font = Font(cell.font.sz, bool(cell.font.b))
            text = shown(cell)
            if cell.alignment.wrap_text:
                lines = wrapped_lines(text, width, font)
                if dimension.height is None or dimension.height < row_height((lines, font)) - 0.5:
                    found.append(f"{cell.coordinate}: {lines} lines, row height {dimension.height}")
            elif text_pixels(text, font) > column_pixels(width) - 7 or "\n" in text:
                found.append(f"{cell.coordinate}: {text!r} wider than the column")
    return found


def test_no_text_is_cut_off_after_a_round_trip_through_libreoffice(master, soffice, tmp_path):
    saved = soffice(master, "xlsx:Calc MS Excel 2007 XML", tmp_path / "saved")
    workbook = load_workbook(saved)
    assert workbook.sheetnames == [REGISTER_SHEET, PROBLEMS_SHEET, RETURNS_SHEET]
    for sheet in workbook.worksheets:
        assert cut_off(sheet) == [], sheet.title
    register = workbook[REGISTER_SHEET]
    assert register.row_dimensions[1].hidden and max(column_widths(register).values()) <= 40
    assert workbook[PROBLEMS_SHEET]["A3"].value == "4-99_Notiz.xlsx"
    register.row_dimensions[4].height = 15  # the check is not blind: W02's reason and checksum need more lines
    assert [problem.split(":")[0] for problem in cut_off(register)] == ["M4", "AE4"]


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_every_page(master):
    workbook = load_workbook(master)
    for sheet in workbook.worksheets:
        setup = sheet.page_setup
        assert (setup.paperSize, setup.orientation, setup.fitToWidth or 1, setup.fitToHeight) == (9, "landscape", 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.oddFooter.right.text == "Seite &P von &N"
        assert sheet.sheet_view.showGridLines is not False  # the register is worked on screen
    assert workbook[REGISTER_SHEET].print_title_rows == workbook[PROBLEMS_SHEET].print_title_rows == "$1:$2"
    assert (workbook[REGISTER_SHEET].freeze_panes, workbook[PROBLEMS_SHEET].freeze_panes) == ("D3", "B3")


def test_the_example_round_prints_on_one_page_per_sheet(master, soffice, tmp_path):
    pdf = soffice(master, "pdf", tmp_path).read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 4  # 32 pages of one or two columns before; the legend of
    # the statuses takes a page of its own below the return rates


def test_pruefung_lists_errors_first_grouped_by_werkzeug_and_the_statuses_are_explained(tmp_path):
    from werkstatt_xl.fill import fill_questionnaire
    from werkstatt_xl.issue_log import read_issue_log
    from werkstatt_xl.register import STATUSES
    from werkstatt_xl.round import init_project

    project = init_project(tmp_path / "runde", example=True)
    generate(project)
    files = {entry.werkzeug_id: project.outbox / entry.file for entry in read_issue_log(project.issue_log)}
    fill_questionnaire(files["W09"], {"umsetzung": "Vielleicht", "erfolg": "Hoch"}, project.inbox / "w09.xlsx")
    fill_questionnaire(files["W02"], {"umsetzung": "Ja", "zeitplan": "bald"}, project.inbox / "w02.xlsx")
    shutil.copyfile(files["W02"], project.inbox / "w02-leer.xlsx")
    (project.inbox / "notiz.txt").write_text("kein Fragebogen")
    merge(project)

    rows = list(load_workbook(project.master_path)[PROBLEMS_SHEET].iter_rows(min_row=3, values_only=True))
    kinds = [row[8] for row in rows]
    assert kinds == sorted(kinds, key=lambda kind: kind != "Fehler")  # every error before every notice
    errors = [(row[1], row[0]) for row in rows if row[8] == "Fehler"]
    assert errors[0] == ("", "notiz.txt")  # belongs to no Werkzeug: first
    ids = [werkzeug_id for werkzeug_id, _ in errors[1:]]
    assert ids == sorted(ids) and set(ids) == {"W02", "W09"}  # grouped, in catalogue order
    legend = [row[0] for row in load_workbook(project.master_path)[RETURNS_SHEET].iter_rows(values_only=True)]
    for status in STATUSES:
        assert any(entry and entry.startswith(f"{status}: ") for entry in legend), status
