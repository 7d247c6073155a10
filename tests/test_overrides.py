"""redaktion.xlsx: the office decides what Tabelle 1 prints as Begründung/Bemerkungen.

merge writes one row per Werkzeug with the text from the answers; the office types its own
text beside it; merge keeps the entries and report and merge print them instead.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from werkstatt_xl.cli import main
from werkstatt_xl.errors import ProjectError
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.issue_log import read_issue_log
from werkstatt_xl.messages import Code
from werkstatt_xl.overrides import OVERRIDES, OverridesError, read_overrides
from werkstatt_xl.round import generate, inbox, merge, reading, report

PHONE = "Rückfragen bei Frau Beispiel, Tel. 02421 22-1234."
ENTRY = "D"
"""The column the office types in."""


@pytest.fixture
def issued(example_project):
    generate(example_project)
    return example_project


def returned(project, werkzeug_id: str, answers: dict) -> Path:
    entry = next(e for e in read_issue_log(project.issue_log) if e.werkzeug_id == werkzeug_id)
    return fill_questionnaire(project.outbox / entry.file, answers, project.inbox / entry.file)


def rows(path: Path) -> dict[str, list]:
    """Werkzeug-ID -> the row's values, below the header row."""
    sheet = load_workbook(path).worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(number for number, row in enumerate(values) if row[0] == "Werkzeug-ID")
    return {row[0]: row[1:] for row in values[header + 1:]}


def type_entry(path: Path, werkzeug_id: str, value) -> None:
    """The office types ``value`` into the entry column of ``werkzeug_id``'s row and saves."""
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    row = next(cell.row for cell in sheet["A"] if cell.value == werkzeug_id)
    sheet[f"{ENTRY}{row}"] = value
    workbook.save(path)


def remarks(project) -> dict[str, str | None]:
    """Werkzeug -> what Tabelle 1 prints as Begründung/Bemerkungen."""
    sheet = load_workbook(project.report_workbook_path)["Tabelle 1"]
    return {row[0].value: row[5].value for row in sheet.iter_rows(min_row=6) if row[1].value in ("X", None)
            and row[0].fill.fgColor.rgb in ("FFC9E3B5", "FFC5DAF0")}


def test_merge_writes_one_row_per_werkzeug_with_the_text_from_the_answers(issued):
    returned(issued, "W01", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu", "anmerkungen": PHONE})
    result = merge(issued)

    path = issued.root / OVERRIDES
    assert result.overrides_path == path
    table = rows(path)
    assert len(table) == 55
    assert table["W01"][:3] == ["Arbeitsgruppe Kommunale Konferenz Alter und Pflege (AG KKAP)", PHONE, None]
    assert table["W02"][1] == "(kein Rücklauf)"  # what Tabelle 1 prints
    sheet = load_workbook(path).worksheets[0]
    assert [cell.value for cell in sheet[3]] == ["Werkzeug-ID", "Werkzeug", "Text aus den Antworten",
                                               "Text für Tabelle 1 (leer = Text aus den Antworten)", "Hinweis"]
    assert "Ein einzelner Strich (-) druckt nichts" in sheet["A2"].value  # the sheet explains itself
    assert sheet.protection.sheet and sheet.protection.password is None
    assert [cell.protection.locked for cell in sheet[4]] == [True, True, True, False, True]


def test_the_office_text_replaces_the_answers_in_report_and_merge_and_is_kept(issued):
    returned(issued, "W01", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu", "anmerkungen": PHONE})
    returned(issued, "W03", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu", "anmerkungen": "Intern."})
    merge(issued)
    path = issued.root / OVERRIDES
    type_entry(path, "W01", "Rückfragen an das Amt für Demografie.")
    type_entry(path, "W03", "-")
    type_entry(path, "W02", "Rückmeldung folgt.")  # no return: the office may say why

    result = report(issued)
    printed = remarks(issued)
    assert printed["Arbeitsgruppe Kommunale Konferenz Alter und Pflege (AG KKAP)"] == \
        "Rückfragen an das Amt für Demografie."
    assert printed["Konzept zur strategischen und demografieorientierten Personalentwicklung beim Kreis Düren"] \
        is None  # a lone dash prints nothing
    assert printed["Betriebliche Tagespflege"] == "Rückmeldung folgt."
    assert PHONE not in str(printed)
    assert result.edited == ("Arbeitsgruppe Kommunale Konferenz Alter und Pflege (AG KKAP)",
                             "Betriebliche Tagespflege",
                             "Konzept zur strategischen und demografieorientierten Personalentwicklung beim Kreis "
                             "Düren")

    told = CliRunner().invoke(main, ["report", "-p", str(issued.root)])
    assert "The remarks of 3 Werkzeuge are the office's texts from redaktion.xlsx." in told.output
    merged = CliRunner().invoke(main, ["merge", "-p", str(issued.root)])  # the entries survive, the answers refresh
    assert f"Wrote {path}: write there the text Tabelle 1 shall print" in merged.output
    table = rows(path)
    assert table["W01"][1:3] == [PHONE, "Rückfragen an das Amt für Demografie."]
    assert table["W03"][1:3] == ["Intern.", "-"]
    assert remarks(issued)["Arbeitsgruppe Kommunale Konferenz Alter und Pflege (AG KKAP)"] == \
        "Rückfragen an das Amt für Demografie."
    with zipfile.ZipFile(issued.report_workbook_path) as archive:
        assert PHONE not in archive.read("xl/sharedStrings.xml").decode()


def test_written_beside_master_xlsx_when_tabelle1_is_written_in_a_second_process(issued, monkeypatch):
    merge(issued)
    type_entry(issued.root / OVERRIDES, "W01", "Gut.")
    monkeypatch.setattr(reading, "PARALLEL_FROM", 1)
    merge(issued)
    assert rows(issued.root / OVERRIDES)["W01"][2] == "Gut."
    assert remarks(issued)["Arbeitsgruppe Kommunale Konferenz Alter und Pflege (AG KKAP)"] == "Gut."


def test_an_entry_of_a_werkzeug_gone_from_the_catalogue_is_kept_and_says_so(issued):
    merge(issued)
    path = issued.root / OVERRIDES
    type_entry(path, "W55", "Wird 2020 aktualisiert.")
    catalogue = load_workbook(issued.catalogue_path)
    sheet = catalogue.worksheets[0]
    sheet.delete_rows(next(cell.row for cell in sheet["A"] if cell.value == "W55"))
    catalogue.save(issued.catalogue_path)

    merge(issued)
    table = rows(path)
    assert len(table) == 55 and list(table)[-1] == "W55"
    assert table["W55"] == ["Werkzeugkatalog", None, "Wird 2020 aktualisiert.",
                            "Nicht mehr im Katalog: wird nicht gedruckt. Der Eintrag bleibt erhalten; leeren Sie "
                            "Spalte D, um ihn zu entfernen."]
    assert "Werkzeugkatalog" not in remarks(issued)
    merge(issued)
    assert rows(path)["W55"][2] == "Wird 2020 aktualisiert."


def test_untrusted_text_stays_text(issued):
    hostile = '=HYPERLINK("http://x","klick")'
    returned(issued, "W01", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu", "anmerkungen": hostile})
    merge(issued)
    path = issued.root / OVERRIDES
    type_entry(path, "W02", "+49 2421 22-0")  # a typed text, as the entry column stores it
    merge(issued)
    sheet = load_workbook(path).worksheets[0]
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=4)}
    assert (cells["W01"][2].value, cells["W01"][2].data_type) == (hostile, "s")
    assert (cells["W02"][3].value, cells["W02"][3].data_type) == ("+49 2421 22-0", "s")
    assert cells["W02"][3].number_format == "@"
    with zipfile.ZipFile(path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_numbers_and_dates_typed_as_such_are_read_as_the_text_they_show(issued):
    merge(issued)
    path = issued.root / OVERRIDES
    type_entry(path, "W01", 2021)
    type_entry(path, "W02", 2.5)
    assert read_overrides(path).texts == {"W01": "2021", "W02": "2,5"}


def write_table(path: Path, table: list[list]) -> Path:
    workbook = Workbook()
    for row in table:
        workbook.active.append(row)
    workbook.save(path)
    return path


HEADER = ["Werkzeug-ID", "Werkzeug", "Text aus den Antworten", "Text für Tabelle 1 (leer = Text aus den Antworten)"]


@pytest.mark.parametrize("table, code, where", [
    ([["Titel"], HEADER[:3]], Code.OVERRIDES_MISSING_COLUMNS, "row 2: the column(s) 'Text für Tabelle 1 (leer = "
                                                              "Text aus den Antworten)' are missing"),
    ([["nichts"]], Code.OVERRIDES_MISSING_COLUMNS, "row 1: the column(s) 'Werkzeug-ID', 'Text für Tabelle 1"),
    ([HEADER, ["W01", "A", "", "Gut."], [None, "B", "", "Ohne Zuordnung."]], Code.OVERRIDES_NO_ID,
     "row 3: a text for Tabelle 1 without Werkzeug-ID"),
    ([HEADER, ["W01", "A", "", "Gut."], ["W01", "A", "", "Besser."]], Code.OVERRIDES_ID_TWICE,
     "row 3: W01 already has another text for Tabelle 1 in row 2"),
])
def test_a_malformed_workbook_names_file_row_and_what_to_do(tmp_path, table, code, where):
    path = write_table(tmp_path / OVERRIDES, table)
    with pytest.raises(OverridesError) as raised:
        read_overrides(path)
    assert raised.value.codes == [code]
    message = str(raised.value)
    assert message.startswith(f"{path}: the workbook of texts for Tabelle 1 has errors:\n  {where}")
    assert message.endswith("rename it: the next merge writes a new one, and you can copy your texts over from "
                            "the renamed file.")


def test_a_row_repeated_with_the_same_text_or_moved_columns_is_fine(tmp_path):
    path = write_table(tmp_path / OVERRIDES, [["Titel"], [], ["Hinweis", *reversed(HEADER)],
                                              ["", "Gut.", "", "A", "W01"], ["", "Gut.", "", "A", "W01"],
                                              ["", "", "x", "B", "W02"]])
    assert read_overrides(path).texts == {"W01": "Gut."}


def test_unusable_files_have_their_own_codes(tmp_path, monkeypatch):
    assert read_overrides(tmp_path / OVERRIDES).entries == {}  # none yet
    broken = tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    folder = tmp_path / "ordner.xlsx"
    folder.mkdir()
    old = tmp_path / "alt.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    for path, code in ((broken, Code.OVERRIDES_UNREADABLE), (folder, Code.OVERRIDES_NOT_A_FILE),
                       (old, Code.OVERRIDES_XLS_OR_PASSWORD)):
        with pytest.raises(OverridesError) as raised:
            read_overrides(path)
        assert raised.value.codes == [code]

    def locked(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", locked)
    with pytest.raises(OverridesError) as raised:
        read_overrides(broken)
    assert raised.value.codes == [Code.OVERRIDES_LOCKED]
    assert "locked by another program). Close it and run the command again." in str(raised.value)


def results_bytes(project) -> dict[str, bytes]:
    """The bytes of master.xlsx and tabelle1.xlsx, to show a command replaced neither."""
    return {name: (project.results / name).read_bytes() for name in ("master.xlsx", "tabelle1.xlsx")}


def test_commands_say_what_is_wrong_without_a_traceback_and_write_nothing(issued):
    merge(issued)
    path = issued.root / OVERRIDES
    type_entry(path, "W01", "Gut.")
    workbook = load_workbook(path)
    workbook.worksheets[0]["A5"] = None  # W02's id cleared while its text stays
    workbook.worksheets[0]["D5"] = "Verwaist."
    workbook.save(path)
    before = results_bytes(issued)
    runner = CliRunner()
    for command in ("report", "merge"):
        result = runner.invoke(main, [command, "-p", str(issued.root)])
        assert result.exit_code == 1, result.output
        assert result.output.startswith(f"Error: {path}: the workbook of texts for Tabelle 1 has errors:\n"
                                         "  row 5: a text for Tabelle 1 without Werkzeug-ID.")
        assert "Traceback" not in result.output
    assert results_bytes(issued) == before


def test_open_in_excel_merge_says_to_close_it_and_replaces_nothing(issued, monkeypatch):
    merge(issued)
    path = issued.root / OVERRIDES
    before = results_bytes(issued)
    replace = os.replace

    def locked(source, destination):  # Windows refuses to replace a file Excel holds open
        if Path(destination) == path:
            raise PermissionError(13, "Permission denied")
        replace(source, destination)

    monkeypatch.setattr(os, "replace", locked)
    result = CliRunner().invoke(main, ["merge", "-p", str(issued.root)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"Error: {path}: cannot write here (permission denied). If the file is open "
                                    "in Excel or LibreOffice, close it")
    assert results_bytes(issued) == before


def test_a_save_during_merge_stops_it_and_keeps_the_new_entry(issued, monkeypatch):
    merge(issued)
    path = issued.root / OVERRIDES
    before = results_bytes(issued)
    printed_remarks = inbox.printed_remarks

    def office_saves_meanwhile(*args):
        type_entry(path, "W01", "Gerade eingetragen.")
        return printed_remarks(*args)

    monkeypatch.setattr(inbox, "printed_remarks", office_saves_meanwhile)
    with pytest.raises(ProjectError, match="was saved while the command ran, so nothing was written"):
        merge(issued)
    assert read_overrides(path).texts == {"W01": "Gerade eingetragen."}
    assert results_bytes(issued) == before
    assert [leftover.name for leftover in issued.root.iterdir() if leftover.name.startswith(".")] == []


def test_the_workbook_opens_in_libreoffice_and_reads_back(issued, soffice, tmp_path):
    merge(issued)
    path = issued.root / OVERRIDES
    type_entry(path, "W04", "Fehlende Ressourcen.")
    saved = soffice(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    shutil.copyfile(saved, path)
    assert read_overrides(path).texts == {"W04": "Fehlende Ressourcen."}
