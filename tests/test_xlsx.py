"""xlsx: workbooks that write every string as the text it is."""

from __future__ import annotations

import re
import zipfile

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from werkstatt_xl.xlsx import MAX_CELL_TEXT, TextTooLong, fit_cell, new_workbook, text_length

MARKUP = ["<r><t>x</t></r>", "<r>plain</r>", "  <r>sp</r>", "<r> lead </r>", '<r><rPr><b/></rPr><t>fett</t></r>',
          "_x0041_", "=1+1", "@SUM(A1)", "&P&N", "</r>", "<r>"]


def test_rich_text_markup_and_formula_starts_are_written_and_read_back_as_text(tmp_path):
    """XlsxWriter stores a string starting with <r> and ending with </r> as raw rich-text XML: without the
    text-safe worksheet every later shared string of the workbook would shift by one."""
    path = tmp_path / "text.xlsx"
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet("Blatt")
    bold = workbook.add_format({"bold": True})
    for row, value in enumerate(MARKUP):
        sheet.write_string(row, 0, value, bold if row % 2 else None)
        sheet.write_string(row, 1, f"W{row:02d}")  # an id after each: would shift with a broken string table
    sheet.merge_range(len(MARKUP), 0, len(MARKUP), 1, "<r>verbunden</r>", bold)
    workbook.close()

    expected = [[value, f"W{row:02d}"] for row, value in enumerate(MARKUP)] + [["<r>verbunden</r>", None]]
    assert [[cell.value for cell in row] for row in load_workbook(path)["Blatt"].iter_rows()] == expected
    calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Blatt").to_python()
    assert [[value or None for value in row] for row in calamine] == expected
    with zipfile.ZipFile(path) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml


def test_text_longer_than_a_cell_is_refused_never_cut(tmp_path):
    workbook = new_workbook(tmp_path / "lang.xlsx")
    sheet = workbook.add_worksheet()
    sheet.write_string(0, 0, "x" * MAX_CELL_TEXT)
    with pytest.raises(TextTooLong):
        sheet.write_string(1, 0, "😀" * (MAX_CELL_TEXT // 2 + 1))  # each emoji is two UTF-16 units
    workbook.close()


def test_fit_cell_keeps_the_longest_start_and_marks_it():
    assert fit_cell("kurz") == "kurz"
    emoji = "😀" * MAX_CELL_TEXT
    assert text_length(fit_cell(emoji)) <= MAX_CELL_TEXT and fit_cell(emoji) == "😀" * (MAX_CELL_TEXT // 2)
    marked = fit_cell("a" * 40000, " […]")
    assert len(marked) == MAX_CELL_TEXT and marked.endswith("a […]")


def test_a_chart_caches_a_category_written_as_rich_text_in_its_place(tmp_path):
    path = tmp_path / "chart.xlsx"
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet("Blatt")
    for row, (name, count) in enumerate([("Bildung", 3), ("<r>Mobilität</r>", 5), ("Wohnen", 7)]):
        sheet.write_string(row, 0, name)
        sheet.write_number(row, 1, count)
    chart = workbook.add_chart({"type": "bar"})
    chart.add_series({"categories": ["Blatt", 0, 0, 2, 0], "values": ["Blatt", 0, 1, 2, 1]})
    sheet.insert_chart(0, 3, chart)
    workbook.close()
    with zipfile.ZipFile(path) as package:
        xml = package.read("xl/charts/chart1.xml").decode()
    assert re.findall(r"<c:pt idx=\"(\d)\"><c:v>([^<]*)</c:v>", xml)[:3] == [
        ("0", "Bildung"), ("1", "&lt;r&gt;Mobilität&lt;/r&gt;"), ("2", "Wohnen")]


def test_the_xlsxwriter_internals_xlsx_relies_on_are_as_it_expects(tmp_path):
    """xlsx.py overrides and reads private parts of XlsxWriter (setup.cfg pins it below 4 for this reason): a
    version that renames or reshapes one of them fails here, not in an office's workbook."""
    import inspect

    from xlsxwriter import Workbook
    from xlsxwriter.packager import Packager
    from xlsxwriter.sharedstrings import SharedStrings, SharedStringTable
    from xlsxwriter.worksheet import CellRichStringTuple, Worksheet

    from werkstatt_xl.xlsx import new_workbook

    expected = {"_write_string": ["self", "row", "col", "string", "cell_format"],
                "_write_rich_string": ["self", "row", "col", "args"],
                "_prepare_formula": ["self", "formula", "expand_future_functions"],
                "_get_range_data": ["self", "row_start", "col_start", "row_end", "col_end"],
                "_check_dimensions": ["self", "row", "col", "ignore_row", "ignore_col"],
                "data_validation": ["self", "first_row", "first_col", "last_row", "last_col", "options"],
                "_write_data_validation": ["self", "options"], "_write_cell": ["self", "row", "col", "cell"]}
    assert {name: list(inspect.signature(getattr(Worksheet, name)).parameters) for name in expected} == expected
    assert list(inspect.signature(SharedStringTable._get_shared_string_index).parameters) == ["self", "string"]
    assert list(inspect.signature(SharedStrings._write_si).parameters) == ["self", "string"]
    assert list(inspect.signature(Packager._write_shared_strings_file).parameters) == ["self"]
    assert list(inspect.signature(Workbook._get_packager).parameters) == ["self"]
    assert CellRichStringTuple._fields == ("string", "format", "raw_string")
    workbook = new_workbook(tmp_path / "internals.xlsx")
    sheet = workbook.add_worksheet()
    bold = workbook.add_format({"bold": True})
    assert sheet.write_rich_string(0, 0, "a ", bold, "b") == 0
    assert "<r>" in sheet.rstring.fh.getvalue() and isinstance(sheet.table[0][0], CellRichStringTuple)
    assert sheet.data_validation(0, 1, 0, 1, {"validate": "list", "source": ["x"]}) == 0
    assert sheet.validations[-1]["cells"] == [[0, 1, 0, 1]]
    assert sheet.workbook_add_format == workbook.add_format
    sheet.set_row(1, 20, bold)
    sheet.set_column(2, 2, 10, bold)
    assert sheet.row_info[1].row_format is bold and sheet.col_info[2].column_format is bold  # from XlsxWriter 3.3
    workbook.close()


def _cells_xml(path) -> tuple[str, str]:
    with zipfile.ZipFile(path) as package:
        return package.read("xl/worksheets/sheet1.xml").decode(), package.read("xl/sharedStrings.xml").decode()


def test_cells_and_rules_written_directly_are_the_xml_xlsxwriter_writes(tmp_path):
    """The text-safe workbook writes common cells, repeated validations and shared strings itself: byte for byte
    as XlsxWriter does, in the first workbook and in the next ones (whose rules and strings come from caches)."""
    import datetime as dt

    import xlsxwriter

    from werkstatt_xl.xlsx import SAFE_WORKBOOK_OPTIONS

    rule = {"validate": "list", "source": ["x", "y & z"], "input_title": "Frage <1>", "input_message": 'a "b"\nc'}
    number = {"validate": "decimal", "criteria": "between", "minimum": -1e15, "maximum": 1e15}

    def write(workbook):
        sheet = workbook.add_worksheet()
        plain, hidden = workbook.add_format({"bold": True}), workbook.add_format({"font_color": "#808080"})
        sheet.set_column(3, 3, 12, hidden)
        sheet.set_row(5, 20, workbook.add_format({"italic": True}))
        for row in range(8):
            sheet.write_blank(row, 0, None, plain)
            sheet.write_string(row, 1, f"Text & <{row}>", plain if row % 2 else None)
            sheet.write_number(row, 2, row / 3, plain)
            sheet.write_string(row, 3, f"marker {row}")
            sheet.data_validation(row, 2, row, 2, rule if row % 2 else number)
        sheet.write_datetime(9, 2, dt.datetime(2026, 11, 29, 6, 30), plain)
        sheet.write_rich_string(10, 1, "a ", plain, "b", hidden)
        for row, words in enumerate([" lead", "trail ", "ctrl\x01char", "_x0041_", 'a & b < c > "d"', "\nline",
                                     "Ümlaut €", "x" * 600], start=11):
            sheet.write_string(row, 1, words)
        sheet.write_formula(20, 2, "=C1+1", plain, 1)
        workbook.close()

    write(xlsxwriter.Workbook(tmp_path / "plain.xlsx", SAFE_WORKBOOK_OPTIONS))
    for name in ("first.xlsx", "second.xlsx"):
        write(new_workbook(tmp_path / name))
        assert _cells_xml(tmp_path / name) == _cells_xml(tmp_path / "plain.xlsx")


def test_a_closed_workbook_is_freed_without_the_cycle_collector(tmp_path):
    """generate writes a workbook per Werkzeug: each is freed when it is saved, not left to pile up for the
    cycle collector."""
    import gc
    import weakref

    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        workbook = new_workbook(tmp_path / "freed.xlsx")
        sheet = workbook.add_worksheet()
        sheet.write_string(0, 0, "text", workbook.add_format({"bold": True}))
        workbook.close()
        freed = weakref.ref(workbook), weakref.ref(sheet)
        del workbook, sheet
        assert [reference() for reference in freed] == [None, None]
    finally:
        if enabled:
            gc.enable()


def test_write_text_stores_what_xlsxwriters_write_string_stores(tmp_path):
    """Tables write their strings with ``write_text``, which stores the cell itself (XlsxWriter's cell tuple and
    shared-string index): the same worksheet and shared strings as XlsxWriter writes, and still text-safe."""
    import xlsxwriter
    from xlsxwriter.worksheet import CellStringTuple

    from werkstatt_xl.xlsx import SAFE_WORKBOOK_OPTIONS

    assert CellStringTuple._fields == ("string", "format")
    words = ["Werkzeug", " lead", "trail ", "a & b < c", "\nZeile", "Ümlaut €", "=1+1", "", "Werkzeug", "x" * 600]

    def write(workbook, method):
        sheet = workbook.add_worksheet()
        bold = workbook.add_format({"bold": True})
        for row, word in enumerate(words, start=3):
            assert getattr(sheet, method)(row, row % 4, word, bold if row % 2 else None) == 0
        assert getattr(sheet, method)(1_048_576, 0, "outside") == -1
        workbook.close()

    write(xlsxwriter.Workbook(tmp_path / "plain.xlsx", SAFE_WORKBOOK_OPTIONS), "write_string")
    write(new_workbook(tmp_path / "safe.xlsx"), "write_text")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as plain, zipfile.ZipFile(tmp_path / "safe.xlsx") as safe:
        for part in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"):
            assert safe.read(part) == plain.read(part), part
    workbook = new_workbook(tmp_path / "markup.xlsx")
    sheet = workbook.add_worksheet()
    for row, markup in enumerate(MARKUP):
        sheet.write_text(row, 0, markup)
    with pytest.raises(TextTooLong):
        sheet.write_text(len(MARKUP), 0, "x" * (MAX_CELL_TEXT + 1))
    workbook.close()
    rows = CalamineWorkbook.from_path(str(tmp_path / "markup.xlsx")).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows] == MARKUP
