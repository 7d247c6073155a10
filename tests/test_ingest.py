"""read_return on real files in real folders: good returns from Excel-like writers and LibreOffice,
and every kind of file a returned mail may carry that must be refused before a reader sees it."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import re
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import xlsxwriter
from ingest_files import (
    ANSWERS,
    ERROR_ANSWERS,
    FILLER_QUESTIONS,
    META,
    ODS_TABLES,
    UNPLACED_SHEETS,
    copy_as,
    cut_name,
    expected_rows,
    patch_biff,
    read_part,
    rename_entries,
    rename_sheet_without_utf8_flag,
    rename_stream,
    rezip,
    set_encryption_flag,
    understate_size,
    with_unicode_paths,
    write_compound_file,
    write_compressed_parts,
    write_ods,
    write_old_excel,
    write_overlapping_xls,
    write_padded_sheet,
    write_questionnaire,
)

from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.ingest import (
    DEFAULT_LIMITS,
    MACRO_NOTICE,
    PASSWORD_REASON,
    SIDE_BY_SIDE,
    XLS_NOTICE,
    CellError,
    CellFormula,
    CellValue,
    IngestError,
    Limits,
    RawReturn,
    is_ignored,
    read_return,
    read_returns,
)
from werkstatt_xl.messages import Code
from werkstatt_xl.round import generate, init_project

SHEET = "xl/worksheets/sheet1.xml"
UTC = dt.timezone.utc


def rejection(path: Path, limits: Limits = DEFAULT_LIMITS) -> IngestError:
    with pytest.raises(IngestError) as caught:
        read_return(path, limits)
    error = caught.value
    assert str(error) == f"{path.name}: {error.reason} {error.hint}"
    return error


def answer_values(raw) -> dict:
    return {name: cell.value for name, cell in raw.answers.items() if name in ANSWERS}


def with_cells(source: Path, target: Path, rows_xml: bytes) -> Path:
    """``source`` with extra rows appended to the first worksheet."""
    sheet = read_part(source, SHEET)
    return rezip(source, target, replace={SHEET: sheet.replace(b"</sheetData>", rows_xml + b"</sheetData>")})


@pytest.fixture
def questionnaire(tmp_path) -> Path:
    return write_questionnaire(tmp_path / "Rücklauf Amt 12.xlsx")


# --- good returns ------------------------------------------------------------------------------

def test_reads_answers_metadata_and_cell_addresses(questionnaire):
    raw = read_return(questionnaire)

    assert raw.file_format == "xlsx" and raw.notices == []
    assert raw.meta == META
    assert answer_values(raw) == ANSWERS
    assert {name: raw.answers[name].cell for name in ANSWERS} == {
        name: f"C{row}" for name, row in expected_rows(4).items()}
    assert {cell.sheet for cell in raw.answers.values()} == {"Fragebogen"}
    assert len(raw.answers) == len(ANSWERS) + FILLER_QUESTIONS
    assert raw.sha256 == hashlib.sha256(questionnaire.read_bytes()).hexdigest()
    assert raw.modified.tzinfo == UTC and abs(raw.modified - dt.datetime.now(UTC)) < dt.timedelta(hours=1)
    assert raw.file_mtime == dt.datetime.fromtimestamp(questionnaire.stat().st_mtime, UTC)


def test_finds_answers_after_rows_were_inserted_above(tmp_path):
    raw = read_return(write_questionnaire(tmp_path / "shifted.xlsx", top=11))

    assert answer_values(raw) == ANSWERS
    assert raw.answers["anzahl_nutzer"].cell == f"C{expected_rows(11)['anzahl_nutzer']}"


def test_finds_answers_on_a_renamed_sheet(tmp_path):
    raw = read_return(write_questionnaire(tmp_path / "renamed.xlsx", sheet="Unsere Antworten"))

    assert raw.answers["werkzeugtitel"].sheet == "Unsere Antworten"
    assert answer_values(raw) == ANSWERS


def test_addresses_an_answer_left_of_the_data_and_notes_a_marker_in_column_a(tmp_path):
    """Only markers filled: calamine's range starts at the marker column, the answer address must not."""
    path = tmp_path / "nur_markierungen.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Blatt")
    sheet.write_string("D6", "wxl:frei")
    sheet.write_string("A9", "wxl:verrutscht")
    workbook.close()

    raw = read_return(path)

    assert raw.answers == {"frei": CellValue(None, "Blatt", "C6")}
    assert raw.notices == [(Code.MARKER_IN_FIRST_COLUMN, "Die Markierung der Frage „verrutscht“ in Blatt steht in "
                            "Spalte A; links davon gibt es keine Antwortzelle.")]


def test_keeps_the_first_of_a_duplicated_marker_and_the_copy_for_merge_to_report(tmp_path, questionnaire):
    target = with_cells(questionnaire, tmp_path / "twice.xlsx",
                        b'<row r="60"><c r="C60"><v>7</v></c><c r="D60" t="inlineStr"><is><t>wxl:anzahl_nutzer</t>'
                        b"</is></c></row>")
    raw = read_return(target)

    assert raw.answers["anzahl_nutzer"].value == 42
    assert raw.notices == []
    assert raw.copies == [("anzahl_nutzer", CellValue(7, "Fragebogen", "C60"))]


def test_file_type_is_decided_by_content_not_by_name(tmp_path, questionnaire):
    ods = write_ods(tmp_path / "really_ods.xlsx", ODS_TABLES)
    xlsx = copy_as(questionnaire, tmp_path / "really_xlsx.ods")

    raw_ods, raw_xlsx = read_return(ods), read_return(xlsx)

    assert raw_ods.file_format == "ods"
    assert {name: (cell.value, cell.sheet, cell.cell) for name, cell in raw_ods.answers.items()} == {
        "anzahl": (7.0, "Antworten", "C3"), "name": ("Amt 32", "Antworten", "C4")}
    assert raw_ods.meta == {"form_id": "wkz-2026", "token": "xyz"}
    assert raw_ods.modified == dt.datetime(2026, 3, 2, 10, 15, 0, 123456, tzinfo=UTC)
    assert raw_xlsx.file_format == "xlsx" and answer_values(raw_xlsx) == ANSWERS


@pytest.mark.parametrize("variant", ["vba_project", "content_type"])
def test_reads_values_of_a_macro_workbook_with_a_notice(tmp_path, questionnaire, variant):
    if variant == "vba_project":
        target = rezip(questionnaire, tmp_path / "makro.xlsx", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 vba"})
    else:
        types = read_part(questionnaire, "[Content_Types].xml").replace(
            b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
        target = rezip(questionnaire, tmp_path / "makro.xlsm", replace={"[Content_Types].xml": types})
    raw = read_return(target)

    assert raw.file_format == "xlsm"
    assert raw.notices == [(Code.FILE_MACROS, MACRO_NOTICE)]
    assert answer_values(raw) == ANSWERS


def test_notices_macros_in_an_ods(tmp_path):
    raw = read_return(write_ods(tmp_path / "makro.ods", ODS_TABLES,
                                extra_parts={"Basic/Standard/Module1.xml": b"<module/>"}))

    assert raw.notices == [(Code.FILE_MACROS, MACRO_NOTICE)]


def test_accepts_a_far_formatted_empty_cell_and_a_wide_dimension(tmp_path, questionnaire):
    """Excel writes styled empty cells and may declare a wider <dimension>: neither holds content."""
    target = with_cells(questionnaire, tmp_path / "styled.xlsx", b'<row r="1048576"><c r="XFD1048576" s="1"/></row>')
    sheet = read_part(target, SHEET).replace(b'<dimension ref="B1:D42"/>', b'<dimension ref="A1:XFD1048576"/>')
    assert b'<dimension ref="A1:XFD1048576"/>' in sheet

    raw = read_return(rezip(target, tmp_path / "wide.xlsx", replace={SHEET: sheet}))

    assert answer_values(raw) == ANSWERS


def test_accepts_libreoffice_style_runs_of_empty_cells_in_an_ods(tmp_path):
    content = read_part(write_ods(tmp_path / "plain.ods", ODS_TABLES), "content.xml").replace(
        b"</table:table>",
        b'<table:table-row table:number-rows-repeated="1048560"><table:table-cell '
        b'table:number-columns-repeated="16384"/></table:table-row></table:table>')
    target = rezip(tmp_path / "plain.ods", tmp_path / "runs.ods", replace={"content.xml": content})

    assert read_return(target).answers["anzahl"].value == 7


def errors_read(raw) -> dict:
    return {name: raw.answers[name].value for name in ERROR_ANSWERS}


ERRORS_READ = {name: CellError(formula.result) for name, formula in ERROR_ANSWERS.items()}


def test_reads_error_values_as_what_they_are_not_as_empty(tmp_path):
    """python-calamine reads #DIV/0! as "", which validation would take for an unanswered question."""
    path = write_questionnaire(tmp_path / "fehler.xlsx", answers={**ANSWERS, **ERROR_ANSWERS})
    constant = (b'<row r="60"><c r="C60" t="e"><v>#NUM!</v></c>'  # typed, no formula
                b'<c r="D60" t="inlineStr"><is><t>wxl:konstant</t></is></c></row>')

    raw = read_return(with_cells(path, tmp_path / "konstant.xlsx", constant))

    assert errors_read(raw) == ERRORS_READ
    assert raw.answers["konstant"] == CellValue(CellError("#NUM!"), "Fragebogen", "C60")
    assert raw.answers["cloud"].value is True and raw.answers["leer"].value is None


def test_reads_a_formula_as_what_it_is_not_as_empty(questionnaire, tmp_path):
    """A formula openpyxl wrote has no value (calamine reads an empty cell); one a spreadsheet program
    computed keeps its value, marked as a formula's. Prefixed tags (``x:f``) count too."""
    rows = (b'<row r="60"><c r="C60"><f>HYPERLINK(&quot;http://x&quot;,&quot;klick&quot;)</f></c>'
            b'<c r="D60" t="inlineStr"><is><t>wxl:ohne_wert</t></is></c></row>'
            b'<row r="61"><c r="C61" t="str"><f>"gut"&amp;""</f><v>gut</v></c>'
            b'<c r="D61" t="inlineStr"><is><t>wxl:mit_wert</t></is></c></row>'
            b'<row r="62" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:c r="C62">'
            b'<x:f>1+1</x:f><x:v>2</x:v></x:c><c r="D62" t="inlineStr"><is><t>wxl:praefix</t></is></c></row>')

    raw = read_return(with_cells(questionnaire, tmp_path / "formeln.xlsx", rows))

    assert raw.answers["ohne_wert"] == CellValue(CellFormula('HYPERLINK("http://x","klick")'), "Fragebogen", "C60")
    assert raw.answers["mit_wert"] == CellValue("gut", "Fragebogen", "C61", '"gut"&""')
    assert raw.answers["praefix"] == CellValue(2.0, "Fragebogen", "C62", "1+1")
    assert all(cell.formula is None for name, cell in raw.answers.items() if name not in ("mit_wert", "praefix"))


@pytest.mark.parametrize("rename", [lambda name: name.replace("/", "\\"), str.upper],
                         ids=["backslashes", "upper_case"])
def test_reads_parts_named_as_calamine_finds_them(tmp_path, questionnaire, rename):
    """Zip tools on Windows may write xl\\workbook.xml; calamine finds parts by name ignoring case
    and the kind of slash, so such a file is a workbook, not a "ZIP-Archiv"."""
    raw = read_return(rename_entries(questionnaire, tmp_path / "umbenannt.xlsx", rename))

    assert (raw.file_format, raw.meta) == ("xlsx", META)
    assert answer_values(raw) == ANSWERS


def test_refuses_two_entries_for_one_part(tmp_path, questionnaire):
    target = rezip(questionnaire, tmp_path / "doppelt.xlsx", add={"XL/Worksheets/Sheet1.xml": read_part(
        questionnaire, SHEET)})

    assert rejection(target).code == Code.FILE_DAMAGED



def test_calamine_reads_each_part_under_the_name_the_guards_read(tmp_path, questionnaire):
    """zipfile reads an entry's name up to a NUL; calamine reads the checked parts under those names, so this
    worksheet is the one the guards checked, and read (it was "not readable as a table")."""
    raw = read_return(cut_name(questionnaire, tmp_path / "nul.xlsx", SHEET))

    assert answer_values(raw) == ANSWERS



def test_reads_a_worksheet_named_in_utf8_without_the_flag_that_says_so(tmp_path, questionnaire):
    """zipfile reads such a name as code page 437, calamine as UTF-8, as the relationships name the part: calamine
    gets the name's bytes as they were, so it still finds the worksheet."""
    raw = read_return(rename_sheet_without_utf8_flag(questionnaire, tmp_path / "mac.xlsx", "worksheets/blätter.xml"))

    assert answer_values(raw) == ANSWERS

@pytest.mark.parametrize(("paths", "hostile_entry"), [
    ({"xl/other.xml": "xl/sharedStrings.xml", "xl/sharedStrings.xml": "xl/other.xml"}, "xl/other.xml"),
    ({"xl/sharedStrings.xml": "xl/elsewhere.xml"}, "xl/sharedStrings.xml")], ids=["swapped", "renamed"])
def test_a_unicode_path_field_leads_calamine_to_no_unchecked_part(tmp_path, questionnaire, paths, hostile_entry):
    """calamine's zip reader names an entry by its Info-ZIP Unicode path field, zipfile from Python 3.12 on
    too, 3.11 not: whichever name the guards read, calamine must not find a shared-string table they did not
    check under xl/sharedStrings.xml (a uniqueCount of 4e10 aborts the process), so this runs apart."""
    strings = read_part(questionnaire, "xl/sharedStrings.xml")
    count = re.search(rb'uniqueCount="\d+"', strings)[0]
    hostile = strings.replace(count, b'uniqueCount="42949672957"')
    source = rezip(questionnaire, tmp_path / "plain.xlsx", add={"xl/other.xml": strings})
    target = with_unicode_paths(source, tmp_path / "unicode.xlsx", paths, {hostile_entry: hostile})
    script = ("import sys; from pathlib import Path; from werkstatt_xl.ingest import IngestError, read_return\n"
              "try: print(len(read_return(Path(sys.argv[1])).answers))\nexcept IngestError as error: print(error.code)")

    run = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[1])

    assert run.returncode == 0, run.stderr[:200]  # read the checked table, or refused: never aborted
    assert run.stdout.strip() in (str(len(ANSWERS) + FILLER_QUESTIONS), Code.FILE_DAMAGED, Code.FILE_UNREADABLE_TABLE)


def test_a_unicode_path_field_leads_calamine_to_no_unchecked_ods_content(tmp_path):
    """As for an xlsx: calamine reads the content.xml the guards checked, not an entry that a Unicode path field
    names content.xml (here one with other answers and rows beyond the limits)."""
    plain = write_ods(tmp_path / "plain.ods", ODS_TABLES)
    content = read_part(plain, "content.xml")
    beyond = content.replace(b'office:value="7"', b'office:value="8"').replace(b"</table:table>", (
        b'<table:table-row table:number-rows-repeated="6000"><table:table-cell office:value-type="float" '
        b'office:value="1"/></table:table-row></table:table>'), 1)
    assert rejection(rezip(plain, tmp_path / "weit.ods", replace={"content.xml": beyond})).code == \
        Code.FILE_RANGE_TOO_LARGE
    source = rezip(plain, tmp_path / "zwei.ods", add={"other.xml": beyond})

    raw = read_return(with_unicode_paths(source, tmp_path / "unicode.ods",
                                         {"other.xml": "content.xml", "content.xml": "other.xml"}, {}))

    assert raw.answers["anzahl"].value == 7

def test_many_files_read_side_by_side_read_as_each_alone(tmp_path, questionnaire):
    """read_returns takes each step of small files' reading for sixteen at a time: what it finds for each
    file, and in which order, is what read_return finds, refusals too (a large file is read in one go)."""
    made = {
        "fehler.xlsx": write_questionnaire(tmp_path / "fehler.xlsx", answers={**ANSWERS, **ERROR_ANSWERS}),
        "makro.xlsm": copy_as(questionnaire, tmp_path / "makro.xlsm"),
        "tabelle.ods": write_ods(tmp_path / "tabelle.ods", ODS_TABLES),
        "leer.xlsx": tmp_path / "leer.xlsx",
        "kein.xlsx": tmp_path / "kein.xlsx",
        "verschluesselt.xlsx": set_encryption_flag(questionnaire, tmp_path / "verschluesselt.xlsx"),
        "bombe.xlsx": write_padded_sheet(questionnaire, tmp_path / "bombe.xlsx", 2**21),
        "gross.xlsx": rezip(questionnaire, tmp_path / "gross.xlsx", add={"xl/media/image1.png": os.urandom(2**16)}),
        "beschaedigt.xlsx": tmp_path / "beschaedigt.xlsx",
    }
    made["leer.xlsx"].write_bytes(b"")
    made["kein.xlsx"].write_bytes(b"%PDF-1.7 kein Fragebogen")
    made["beschaedigt.xlsx"].write_bytes(questionnaire.read_bytes()[:-200])
    assert made["gross.xlsx"].stat().st_size >= 2**15  # read in one go
    paths = [questionnaire, *made.values()] * 5 + [questionnaire]  # 51: four groups, the last one short

    def outcome(path: Path):
        try:
            return read_return(path)
        except IngestError as error:
            return error

    def seen(found) -> tuple:
        return (type(found), found.path, found.code, found.reason, found.hint) if isinstance(found, IngestError) \
            else found

    expected = [seen(outcome(path)) for path in paths]
    assert [seen(found) for found in read_returns(paths)] == expected
    assert {found[2] for found in expected if isinstance(found, tuple)} == {
        Code.FILE_EMPTY, Code.FILE_NOT_A_SPREADSHEET, Code.FILE_PASSWORD, Code.FILE_ZIP_BOMB, Code.FILE_DAMAGED}
    assert sum(isinstance(found, RawReturn) for found in expected) == 5 * 5 + 1


def test_files_refused_side_by_side_leave_none_of_their_bytes_in_the_outcomes(tmp_path, questionnaire):
    """A refusal keeps its cause (the zip module's error here), not the frames the cause passed through: these
    held each file's bytes until the whole group was read, sixteen large files at once where read_return holds
    one at a time."""
    large = rezip(questionnaire, tmp_path / "gross.xlsx", add={"xl/media/image1.png": os.urandom(2**20)})
    damaged = large.read_bytes()[:-100]  # without the end of the central directory
    paths = [tmp_path / f"beschaedigt-{index}.xlsx" for index in range(SIDE_BY_SIDE)]
    for path in paths:
        path.write_bytes(damaged)

    tracemalloc.start()
    try:
        outcomes = read_returns(paths)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert [(outcome.code, type(outcome.__cause__)) for outcome in outcomes] == \
        [(Code.FILE_DAMAGED, zipfile.BadZipFile)] * SIDE_BY_SIDE
    assert held < len(damaged)


def test_a_refused_file_is_freed_while_the_cycle_collector_pauses(tmp_path, questionnaire):
    """merge and its readers pause the cycle collector, so a refusal must leave no reference cycle: a used range
    beyond the limits was raised from a variable of a frame its own traceback holds, which kept the file's bytes
    and unpacked parts until the process ended (a reader's memory grew by 20 MB for each such 600 KB file)."""
    large = rezip(questionnaire, tmp_path / "weit.xlsx", add={"xl/media/image1.png": os.urandom(2**20)})
    refused = []

    def refuse():
        try:
            read_return(large, Limits(max_rows=10))
        except IngestError as error:
            refused.append(error.code)

    refuse()  # the buffers the guards keep for the next file are made
    gc.disable()
    tracemalloc.start()
    try:
        refuse()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()

    assert refused == [Code.FILE_RANGE_TOO_LARGE] * 2
    assert held < 2**20


# --- refused before parsing ----------------------------------------------------------------------

RESEND = "Bitte den ausgefüllten Fragebogen als .xlsx erneut senden lassen."


def test_refuses_an_empty_file(tmp_path):
    path = tmp_path / "leer.xlsx"
    path.write_bytes(b"")

    error = rejection(path)

    assert (error.reason, error.hint) == ("Die Datei ist leer.", RESEND)


def test_refuses_a_file_larger_than_the_limit(questionnaire):
    error = rejection(questionnaire, Limits(max_bytes=1000))

    assert error.reason == "Die Datei ist zu groß (mehr als 1 KB)."


def test_refuses_a_truncated_file(tmp_path, questionnaire):
    path = tmp_path / "abgebrochen.xlsx"
    path.write_bytes(questionnaire.read_bytes()[:3000])

    assert rejection(path).reason == "Die Datei ist beschädigt oder unvollständig."


def test_refuses_an_entry_whose_data_does_not_match_its_checksum(tmp_path, questionnaire):
    data = bytearray(questionnaire.read_bytes())
    data[200] ^= 0xFF  # inside the first entry's deflated data
    path = tmp_path / "kaputt.xlsx"
    path.write_bytes(bytes(data))

    assert rejection(path).reason == "Die Datei ist beschädigt oder unvollständig."


@pytest.mark.parametrize("content, label", [
    (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "PNG-Bild"),
    ("Werkzeug;Anzahl\nKita;42\n".encode(), "Textdatei"),
    (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
     "XML- oder HTML-Datei"),
    (bytes(range(256)), "unbekanntes Format"),
])
def test_refuses_what_is_no_spreadsheet(tmp_path, content, label):
    path = tmp_path / "Fragebogen.xlsx"
    path.write_bytes(content)

    error = rejection(path)

    assert (error.reason, error.hint) == (f"Die Datei ist keine Tabellenkalkulation (erkannt: {label}).", RESEND)


@pytest.mark.parametrize("bof_type", [0x0009, 0x0209, 0x0409])
def test_names_an_excel_2_to_4_file_as_an_old_excel_format(tmp_path, bof_type):
    error = rejection(write_old_excel(tmp_path / "Fragebogen.xls", bof_type))

    assert (error.code, error.reason, error.hint) == (
        Code.FILE_OLD_EXCEL,
        "Die Datei ist in einem alten Excel-Format gespeichert (Excel 4.0 oder älter), das nicht gelesen werden kann.",
        "Bitte die Datei in Excel oder LibreOffice öffnen, als .xlsx speichern und erneut senden lassen.")


def test_refuses_a_word_document_named_xlsx(tmp_path):
    path = tmp_path / "Fragebogen.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")

    assert rejection(path).reason == "Die Datei ist keine Tabellenkalkulation (erkannt: Word-Dokument)."


def test_refuses_a_password_protected_workbook(tmp_path):
    """Excel stores a workbook with a password as an OLE2 file with an EncryptionInfo stream."""
    path = write_compound_file(tmp_path / "geschuetzt.xlsx", ["EncryptionInfo", "EncryptedPackage"])

    error = rejection(path)

    assert (error.reason, error.hint) == (PASSWORD_REASON, "Bitte die Datei ohne Passwortschutz erneut senden lassen.")


def test_refuses_a_workbook_encrypted_by_msoffcrypto(tmp_path, questionnaire):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml", reason="msoffcrypto-tool is not installed")
    target = tmp_path / "verschluesselt.xlsx"
    with questionnaire.open("rb") as plain, target.open("wb") as encrypted:
        ooxml.OOXMLFile(plain).encrypt("Geheim123", encrypted)

    assert rejection(target).reason == PASSWORD_REASON


def test_refuses_zip_encryption_and_an_encrypted_ods(tmp_path, questionnaire):
    flagged = set_encryption_flag(questionnaire, tmp_path / "zipcrypto.xlsx")
    ods = write_ods(tmp_path / "geschuetzt.ods", ODS_TABLES,
                    manifest_extra='<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>')

    assert rejection(flagged).reason == PASSWORD_REASON
    assert rejection(ods).reason == PASSWORD_REASON


def test_refuses_other_or_broken_compound_files(tmp_path):
    word = write_compound_file(tmp_path / "brief.xls", ["WordDocument"])
    cyclic = write_compound_file(tmp_path / "schleife.xls", ["Workbook"], directory_next=1)

    assert rejection(word).reason == "Die Datei ist keine Tabellenkalkulation (erkannt: Word-Dokument (.doc))."
    assert rejection(cyclic).reason == "Die Datei ist beschädigt oder unvollständig."


def test_refuses_a_zip_bomb_quickly_and_small_on_disk(tmp_path, questionnaire):
    bomb = write_padded_sheet(questionnaire, tmp_path / "bombe.xlsx", 200 * 2**20)
    started = time.perf_counter()

    error = rejection(bomb)

    assert error.reason == "Die Datei ist entpackt zu groß (mehr als 100 MB)."
    assert time.perf_counter() - started < 0.5
    assert bomb.stat().st_size < 2**20


def test_refuses_an_unusually_high_compression_ratio(tmp_path, questionnaire):
    bomb = write_padded_sheet(questionnaire, tmp_path / "dicht.xlsx", 8 * 2**20)

    assert rejection(bomb).reason == "Die Datei ist ungewöhnlich stark komprimiert (möglicherweise eine ZIP-Bombe)."


def test_a_return_sized_file_unpacks_to_one_megabyte_of_worksheets_not_two(tmp_path, questionnaire):
    """Each 1 MB sheet is too small to be judged alone; together, 14 KB unpacking to 2 MB of tags the
    guards must check and place cost twice what a file of a return's size may cost."""
    parts = questionnaire_parts(questionnaire)
    sheet = parts[SHEET].replace(b"</sheetData>", b'<row r="5000">' + b'<c r="B5000" s="1"/>' * 50_000
                                 + b"</row></sheetData>")
    two = write_compressed_parts(tmp_path / "zwei.xlsx", {**parts, SHEET: sheet, "xl/worksheets/sheet9.xml": sheet})
    one = write_compressed_parts(tmp_path / "eines.xlsx", {**parts, SHEET: sheet})
    unpacked = sum(info.file_size for info in zipfile.ZipFile(two).infolist())

    assert 1.9 * 2**20 < unpacked < 200 * two.stat().st_size  # a ratio of 200 let it pass
    assert rejection(two).code == Code.FILE_ZIP_BOMB
    assert read_return(one).answers


def test_a_worksheet_as_compressible_as_real_ones_is_no_bomb(tmp_path, questionnaire):
    """LibreOffice writes every row formatted down to the sheet's end: 20,000 of them, 2.6 MB that deflate
    to about 1/46, the highest ratio measured on real worksheets; the limit leaves twice that."""
    parts = questionnaire_parts(questionnaire)
    rows = b"".join(b'<row r="%d" s="2" customFormat="true" ht="12.8" hidden="false" customHeight="false" '
                    b'outlineLevel="0" collapsed="false"></row>' % row for row in range(5001, 25001))
    formatted = write_compressed_parts(tmp_path / "formatiert.xlsx", {
        **parts, SHEET: parts[SHEET].replace(b"</sheetData>", rows + b"</sheetData>")})
    unpacked = sum(info.file_size for info in zipfile.ZipFile(formatted).infolist())

    assert unpacked > 2**20 and 40 < unpacked / formatted.stat().st_size < DEFAULT_LIMITS.max_ratio
    assert read_return(formatted).answers


def test_measures_what_an_entry_really_unpacks_to_not_what_it_declares(tmp_path, questionnaire):
    bomb = understate_size(write_padded_sheet(questionnaire, tmp_path / "luege.xlsx", 8 * 2**20), SHEET, 5000)

    error = rejection(bomb, Limits(max_unpacked=4 * 2**20, max_ratio=10**9))

    assert error.reason == "Die Datei ist entpackt zu groß (mehr als 4 MB)."


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
                  b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
EXTERNAL_ENTITY = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("part, prologue", [(SHEET, BILLION_LAUGHS), ("docProps/core.xml", EXTERNAL_ENTITY)])
def test_refuses_entity_declarations(tmp_path, questionnaire, part, prologue):
    body = read_part(questionnaire, part).split(b"?>", 1)[1]
    target = rezip(questionnaire, tmp_path / "entity.xlsx", replace={part: prologue + body})

    assert rejection(target).reason == ("Die Datei enthält Anweisungen, mit denen ein Programm beim Öffnen fremde "
                                         "Dateien nachladen oder den Rechner überlasten kann. Excel und LibreOffice "
                                         "schreiben so etwas nicht; die Datei wurde deshalb nicht geöffnet.")


def _reencoded(xml: bytes, encoding: str, bom: bytes = b"") -> bytes:
    body = xml.split(b"?>", 1)[1].decode("utf-8")
    return bom + f'<?xml version="1.0" encoding="{encoding}"?>{body}'.encode(encoding)


@pytest.mark.parametrize("part", [SHEET, "xl/sharedStrings.xml"])
@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""),
                                           ("cp037", b""), ("utf-32-le", b"\xff\xfe\0\0")])
def test_refuses_a_part_whose_markup_is_not_ascii_bytes(tmp_path, questionnaire, part, encoding, bom):
    """Tags in UTF-16 or EBCDIC are invisible to the guards, which read bytes: a reader decoding them
    would meet cells nobody placed."""
    target = rezip(questionnaire, tmp_path / "kodiert.xlsx",
                   replace={part: _reencoded(read_part(questionnaire, part), encoding, bom)})

    assert rejection(target).code == Code.FILE_DAMAGED


@pytest.mark.parametrize("encoding", ["UTF-16", "cp037", "no-such-encoding"])
def test_refuses_a_part_that_declares_an_encoding_in_which_its_markup_is_not_ascii(tmp_path, questionnaire, encoding):
    part = "xl/sharedStrings.xml"  # not parsed by the guards, only searched
    declared = read_part(questionnaire, part).replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode(), 1)
    target = rezip(questionnaire, tmp_path / "erklaert.xlsx", replace={part: declared})

    assert encoding.encode() in read_part(target, part)
    assert rejection(target).code == Code.FILE_DAMAGED


def test_reads_a_part_declared_in_an_encoding_whose_markup_is_ascii(tmp_path, questionnaire):
    target = rezip(questionnaire, tmp_path / "latin1.xlsx",
                   replace={SHEET: _reencoded(read_part(questionnaire, SHEET), "ISO-8859-1")})

    assert read_return(target).answers == read_return(questionnaire).answers


def too_far(row: str, column: str) -> str:
    return f"Die Datei hat Inhalt bis Zeile {row}, Spalte {column}; ein Fragebogen endet weit früher."


@pytest.mark.parametrize("rows, row, column", [
    (b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "1.048.576", "XFD"),
    (b'<row r="1048576"><c><v>1</v></c></row>', "1.048.576", "D"),  # position implied by row and order
    (b'<row r="1048575"/><row><c><v>1</v></c></row>', "1.048.576", "D"),  # an empty row may count, so it does
    (b'<row r="60"><c r="B60" t="inlineStr"><is><t>x</t></is></c><c r="XFD60" s="1"/><c><v>1</v></c></row>',
     "60", "16.385"),  # beyond XFD: no letters a person could look up
    (b'<row r="999999999"><c r="CFDGSXK999999999"><v>1</v></c></row>', "999.999.999", "999.999.999"),
])
def test_refuses_an_enormous_used_range(tmp_path, questionnaire, rows, row, column):
    error = rejection(with_cells(questionnaire, tmp_path / "riesig.xlsx", rows))

    assert error.reason == too_far(row, column)
    assert error.hint.startswith("Bitte prüfen lassen, ob außerhalb des Fragebogens Zellen ausgefüllt wurden")


def test_refuses_a_cell_reference_that_is_no_plain_address(tmp_path, questionnaire):
    target = with_cells(questionnaire, tmp_path / "entity_ref.xlsx", b'<row r="60"><c r="&#88;FD60"><v>1</v></c></row>')

    assert rejection(target).reason == "Die Datei ist beschädigt oder unvollständig."


@pytest.mark.parametrize("old, new, row, column", [
    (b"<table:table-row>", b'<table:table-row table:number-rows-repeated="1000000">', "1.000.000", "B"),
    (b'office:value="1"/>', b'office:value="1" table:number-columns-repeated="300"/>', "1", "KO"),
    (b"<table:table-row>", b"<table:table-row table:style-name=' table:number-rows-repeated=\"1\"' "
                           b'table:number-rows-repeated="+1000000">', "1.000.000", "B"),
])
def test_refuses_ods_content_repeated_beyond_the_limits(tmp_path, old, new, row, column):
    plain = write_ods(tmp_path / "plain.ods", {"Tabelle": [["a", 1]]})
    content = read_part(plain, "content.xml")
    assert old in content
    target = rezip(plain, tmp_path / "wiederholt.ods", replace={"content.xml": content.replace(old, new, 1)})

    assert rejection(target).reason == too_far(row, column)


def test_refuses_a_shared_string_count_the_part_cannot_hold(tmp_path, questionnaire):
    """calamine reserves ``uniqueCount`` strings before reading them: 42949672957 abort the process."""
    strings = read_part(questionnaire, "xl/sharedStrings.xml")
    count = re.search(rb'uniqueCount="\d+"', strings)[0]
    target = rezip(questionnaire, tmp_path / "strings.xlsx",
                   replace={"xl/sharedStrings.xml": strings.replace(count, b'uniqueCount="42949672957"')})

    assert rejection(target).reason == "Die Datei ist beschädigt oder unvollständig."


def test_refuses_an_ods_table_that_never_ends_without_hanging(tmp_path):
    """calamine's ods reader loops forever when a table's end tag is missing, so this runs apart."""
    plain = write_ods(tmp_path / "plain.ods", ODS_TABLES)
    content = read_part(plain, "content.xml").replace(b"</table:table>", b"</tabl</table:table>e:table>", 1)
    target = rezip(plain, tmp_path / "endlos.ods", replace={"content.xml": content})
    script = ("import sys; from pathlib import Path; from werkstatt_xl.ingest import IngestError, read_return\n"
              "try: read_return(Path(sys.argv[1]))\nexcept IngestError as error: print(error.reason)")

    run = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[1])

    assert run.stdout.strip() == "Die Datei ist beschädigt oder unvollständig."


def test_refuses_more_filled_cells_than_allowed(questionnaire):
    error = rejection(questionnaire, Limits(max_cells=100))

    assert error.reason == "Die Datei enthält ungewöhnlich viele belegte Zellen (134)."


def test_reports_a_reader_failure_in_plain_german(tmp_path, questionnaire):
    """A well-formed sheet that points at a shared string that does not exist."""
    target = with_cells(questionnaire, tmp_path / "falsch.xlsx", b'<row r="60"><c r="B60" t="s"><v>99999</v></c></row>')

    error = rejection(target)

    assert (error.reason, error.hint) == ("Die Datei konnte nicht als Tabelle gelesen werden.", RESEND)
    assert error.__cause__ is not None  # the reader's own error stays attached for the log


# --- inputs that cost the guards time -----------------------------------------------------------
# Each of these small files once cost seconds or aborted reading; the guards now read every byte
# once. Their cost is measured in benchmarks/bench_guards.py; here only the outcome is asserted.

def questionnaire_parts(questionnaire: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(questionnaire) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_commented_out_shared_string_table_does_not_hide_the_real_one(tmp_path, questionnaire):
    """calamine reserves the real table's uniqueCount (4e10 aborted the process); the guard used to
    read the first "<sst" it found, here in a comment."""
    strings = read_part(questionnaire, "xl/sharedStrings.xml")
    count = re.search(rb'uniqueCount="\d+"', strings)[0]
    hidden = strings.replace(count, b'uniqueCount="42949672957"').replace(b"?>", b"?><!-- <sst> -->", 1)

    target = rezip(questionnaire, tmp_path / "versteckt.xlsx", replace={"xl/sharedStrings.xml": hidden})

    assert rejection(target).code == Code.FILE_DAMAGED


def test_a_part_full_of_tag_starts_is_searched_once(tmp_path, questionnaire):
    """8 KB: "<sst " 200,000 times and a quote that never closes took the guard minutes."""
    parts = {**questionnaire_parts(questionnaire), "xl/media/daten.bin": b"<sst " * 200_000 + b'"'}

    assert answer_values(read_return(write_compressed_parts(tmp_path / "suche.xlsx", parts))) == ANSWERS


@pytest.mark.parametrize("ref", [b"A" + b"9" * 5000, b"A" * 100_000 + b"60"], ids=["digits", "letters"])
def test_an_address_too_long_for_any_sheet_is_refused_at_once(tmp_path, questionnaire, ref):
    """5,000 digits raised ValueError out of the reader; 100,000 letters took 6 seconds."""
    target = with_cells(questionnaire, tmp_path / "adresse.xlsx", b'<row r="60"><c r="' + ref + b'"><v>1</v></c></row>')

    assert rejection(target).code == Code.FILE_DAMAGED


def test_overlapping_xls_sheets_are_read_once(tmp_path):
    """22 KB: 900 sheet entries into one run of 2,500 records, each read once per sheet, took 0.66 s."""
    raw = read_return(write_overlapping_xls(tmp_path / "ueberlappend.xls", 900, 2500))

    assert (raw.file_format, raw.answers) == ("xls", {})


def test_many_entries_that_together_unpack_a_small_file_to_megabytes_are_refused(tmp_path, questionnaire):
    """Entries under 1 MB are not judged by their ratio; ten of them made a 45 KB file of 10 MB of XML."""
    parts = questionnaire_parts(questionnaire)
    sheet = parts[SHEET].replace(b"</sheetData>", b'<row r="5000">' + b'<c r="B5000" s="1"/>' * 50_000
                                 + b"</row></sheetData>")
    extra = {f"xl/worksheets/sheet{number}.xml": sheet for number in range(10, 20)}

    assert rejection(write_compressed_parts(tmp_path / "viele.xlsx", {**parts, **extra})).code == Code.FILE_ZIP_BOMB


@pytest.mark.parametrize("rows", UNPLACED_SHEETS.values(), ids=UNPLACED_SHEETS.keys())
def test_a_small_file_of_cells_the_guards_must_place_themselves_passes(tmp_path, questionnaire, rows):
    """The worst cases left: 10 KB unpacking (within the ratio limits) to 1 MB of cells that each
    need to be placed (see ``UNPLACED_SHEETS``), on the questionnaire's own sheet."""
    parts = questionnaire_parts(questionnaire)
    parts[SHEET] = parts[SHEET].replace(b"</sheetData>", rows + b"</sheetData>")
    target = write_compressed_parts(tmp_path / "unplatziert.xlsx", parts)

    assert target.stat().st_size < 12_000
    assert answer_values(read_return(target)) == ANSWERS


@pytest.mark.parametrize("attributes", [b'table:style-name="' + b"a" * 400_000 + b'" table:number-rows-repeated="2"',
                                        b'table:style-name="office:' + b"value" * 80_000 + b'"'])
def test_long_ods_attributes_are_read_once(tmp_path, attributes):
    plain = write_ods(tmp_path / "plain.ods", ODS_TABLES)
    content = read_part(plain, "content.xml").replace(b"<table:table-row>", b"<table:table-row " + attributes + b">", 1)

    raw = read_return(rezip(plain, tmp_path / "lang.ods", replace={"content.xml": content}))

    assert raw.answers["anzahl"].value == 7


def unchanged(folder: Path, questionnaire: Path) -> Path:
    return questionnaire


def written(name: str, content: bytes):
    """A builder of a file ``name`` holding ``content``."""
    def build(folder: Path, questionnaire: Path) -> Path:
        (folder / name).write_bytes(content)
        return folder / name
    return build


def truncated(folder: Path, questionnaire: Path) -> Path:
    return written("abgebrochen.xlsx", questionnaire.read_bytes()[:3000])(folder, questionnaire)


def recompressed_with_bzip2(folder: Path, questionnaire: Path) -> Path:
    target = folder / "bzip2.xlsx"
    with zipfile.ZipFile(questionnaire) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_BZIP2) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info.filename))
    return target


def with_external_entity(folder: Path, questionnaire: Path) -> Path:
    body = read_part(questionnaire, "docProps/core.xml").split(b"?>", 1)[1]
    return rezip(questionnaire, folder / "entity.xlsx", replace={"docProps/core.xml": EXTERNAL_ENTITY + body})


def with_missing_shared_string(folder: Path, questionnaire: Path) -> Path:
    return with_cells(questionnaire, folder / "falsch.xlsx", b'<row r="60"><c r="B60" t="s"><v>99999</v></c></row>')


REJECTIONS = [  # (code, builder of the file, limits)
    (Code.FILE_UNOPENABLE, lambda folder, questionnaire: folder / "fehlt.xlsx", DEFAULT_LIMITS),
    (Code.FILE_EMPTY, written("leer.xlsx", b""), DEFAULT_LIMITS),
    (Code.FILE_TOO_LARGE, unchanged, Limits(max_bytes=1000)),
    (Code.FILE_NOT_A_SPREADSHEET, written("brief.xlsx", b"%PDF-1.7\n"), DEFAULT_LIMITS),
    (Code.FILE_DAMAGED, truncated, DEFAULT_LIMITS),
    (Code.FILE_PASSWORD, lambda folder, questionnaire: write_compound_file(folder / "geheim.xlsx", ["EncryptionInfo"]),
     DEFAULT_LIMITS),
    (Code.FILE_TOO_MANY_PARTS, unchanged, Limits(max_entries=3)),
    (Code.FILE_UNUSUAL_COMPRESSION, recompressed_with_bzip2, DEFAULT_LIMITS),
    (Code.FILE_UNPACKED_TOO_LARGE, unchanged, Limits(max_unpacked=2**10)),
    (Code.FILE_ZIP_BOMB, unchanged, Limits(max_ratio=1, ratio_min_bytes=0)),
    (Code.FILE_XML_DEFINITIONS, with_external_entity, DEFAULT_LIMITS),
    (Code.FILE_RANGE_TOO_LARGE, unchanged, Limits(max_rows=10)),
    (Code.FILE_TOO_MANY_CELLS, unchanged, Limits(max_cells=100)),
    (Code.FILE_UNREADABLE_TABLE, with_missing_shared_string, DEFAULT_LIMITS),
]


@pytest.mark.parametrize("code, build, limits", REJECTIONS, ids=[str(code) for code, _, _ in REJECTIONS])
def test_each_rejection_carries_its_code(tmp_path, questionnaire, code, build, limits):
    assert rejection(build(tmp_path, questionnaire), limits).code == code


# --- files written by LibreOffice ------------------------------------------------------------------

@pytest.fixture(scope="module")
def libreoffice(soffice, tmp_path_factory):
    """The questionnaire saved by LibreOffice as xls, ods and xlsx, and a sparse sheet as xls."""
    folder = tmp_path_factory.mktemp("libreoffice")
    source = write_questionnaire(folder / "fragebogen.xlsx")
    files = {target: soffice(source, target, folder / "out") for target in ("xls", "ods", "xlsx")}
    sparse = folder / "ecken.xlsx"
    workbook = xlsxwriter.Workbook(str(sparse))
    sheet = workbook.add_worksheet()
    sheet.write("A1", 1)
    sheet.write("IV65536", 2)
    workbook.close()
    files["sparse_xls"] = soffice(sparse, "xls", folder / "out")
    return files


@pytest.mark.parametrize("file_format", ["ods", "xlsx"])
def test_reads_a_libreoffice_round_trip(libreoffice, file_format):
    raw = read_return(libreoffice[file_format])

    assert (raw.file_format, raw.notices, raw.meta) == (file_format, [], META)
    assert answer_values(raw) == ANSWERS  # an ods boolean comes back as 1.0, which equals True
    assert {name: raw.answers[name].cell for name in ANSWERS} == {
        name: f"C{row}" for name, row in expected_rows(4).items()}
    assert raw.modified.tzinfo == UTC


def test_reads_a_legacy_xls_with_a_notice(libreoffice):
    raw = read_return(libreoffice["xls"])

    assert (raw.file_format, raw.notices, raw.meta, raw.modified) == ("xls", [(Code.FILE_XLS, XLS_NOTICE)], META, None)
    assert answer_values(raw) == ANSWERS
    assert raw.answers["seit"].cell == f"C{expected_rows(4)['seit']}"


def test_refuses_a_password_protected_xls(libreoffice, tmp_path):
    """The record after the workbook's BOF becomes a FILEPASS record, as Excel writes for a password."""
    bof = bytes.fromhex("0908100000060500")
    target = patch_biff(libreoffice["xls"], tmp_path / "geschuetzt.xls", bof, 20, b"\x2f\x00\x02\x00\x01\x00")

    assert rejection(target).reason == PASSWORD_REASON


def test_refuses_an_xls_declaring_dimensions_beyond_its_grid(libreoffice, tmp_path):
    """calamine reserves rows x columns of DIMENSIONS up front: 2**31 rows abort the process."""
    dimensions = bytes.fromhex("00020e00")
    target = patch_biff(libreoffice["xls"], tmp_path / "masse.xls", dimensions, 8, b"\xff\xff\xff\x7f")

    assert rejection(target).reason == "Die Datei ist beschädigt oder unvollständig."


def test_a_reader_panic_on_a_damaged_xls_leaves_stderr_silent(libreoffice, tmp_path):
    """LibreOffice writes the boolean answer in C10 as the formula =TRUE(); a formula length of 255
    runs past its record, and calamine panics. Its panic hook (with a backtrace under RUST_BACKTRACE)
    must not reach the terminal, and stderr must work again afterwards."""
    formula = bytes.fromhex("0600180009000200")  # FORMULA record of 24 bytes at row 9, column 2
    target = patch_biff(libreoffice["xls"], tmp_path / "kaputt.xls", formula, 24, b"\xff\x00")
    script = ("import sys; from pathlib import Path; from werkstatt_xl.ingest import IngestError, read_return\n"
              "try: read_return(Path(sys.argv[1]))\n"
              "except IngestError as error: print(error.reason, type(error.__cause__).__name__)\n"
              "print('stderr again', file=sys.stderr)")

    run = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[1], env={**os.environ, "RUST_BACKTRACE": "1"})

    assert (run.stdout, run.stderr) == (
        "Die Datei konnte nicht als Tabelle gelesen werden. PanicException\n", "stderr again\n")


def test_refuses_an_xls_with_an_enormous_used_range(libreoffice):
    assert rejection(libreoffice["sparse_xls"]).reason == too_far("65.536", "IV")


@pytest.fixture(scope="module")
def libreoffice_errors(soffice, tmp_path_factory):
    """The questionnaire with error values in answer cells, saved by LibreOffice as ods and xls."""
    folder = tmp_path_factory.mktemp("libreoffice_errors")
    source = write_questionnaire(folder / "fehler.xlsx", answers={**ANSWERS, **ERROR_ANSWERS})
    return {target: soffice(source, target, folder / "out") for target in ("ods", "xls")}


@pytest.mark.parametrize("file_format", ["ods", "xls"])
def test_reads_error_values_libreoffice_wrote(libreoffice_errors, file_format):
    """LibreOffice marks them calcext:value-type="error" in an ods, and keeps them as FORMULA
    records with an error result in an xls."""
    raw = read_return(libreoffice_errors[file_format])

    assert errors_read(raw) == ERRORS_READ
    assert raw.answers["bemerkung"].value == ANSWERS["bemerkung"]


@pytest.mark.parametrize("stream", ["WORKBOOK", "Book", "BOOK"])
def test_reads_an_xls_whose_workbook_stream_calamine_finds(libreoffice, tmp_path, stream):
    """Some writers name the stream in capitals, Excel 5/95 "Book": calamine reads these four names."""
    raw = read_return(rename_stream(libreoffice["xls"], tmp_path / "gross.xls", "Workbook", stream))

    assert (raw.file_format, raw.meta) == ("xls", META)
    assert answer_values(raw) == ANSWERS


# --- files written by Gnumeric (fixture ssconvert in conftest.py) ----------------------------------------

def test_reads_a_questionnaire_gnumeric_saved_as_ods(ssconvert, tmp_path):
    """Gnumeric indents content.xml; calamine 0.37 refuses white space between the cells of a row,
    so such a file was "not readable as a table" although LibreOffice opens it."""
    project = init_project(tmp_path / "runde", example=True)
    generate(project)
    blank = sorted(project.outbox.glob("*.xlsx"))[0]
    filled = fill_questionnaire(blank, {
        "umsetzung": "Ja", "erfolg": "Hoch", "erfolgsfaktoren": "Gute Zusammenarbeit\nder Fachämter & <Partner>.",
        "probleme": "  zwei  Leerzeichen ", "seitenangabe": "12", "zeitplan": "Trifft eher zu",
        "anmerkungen": "Ä Ö Ü ß – „Zitat“"}, tmp_path / "ausgefuellt.xlsx")

    original, gnumeric = read_return(filled), read_return(ssconvert(filled, tmp_path / "gnumeric.ods"))

    assert gnumeric.file_format == "ods" and gnumeric.meta == original.meta
    assert {name: cell.value for name, cell in gnumeric.answers.items()} == {
        name: cell.value for name, cell in original.answers.items()}
    assert {name: cell.cell for name, cell in gnumeric.answers.items()} == {
        name: cell.cell for name, cell in original.answers.items()}


def test_reads_an_error_value_gnumeric_wrote_into_an_xls(ssconvert, questionnaire, tmp_path):
    """Gnumeric keeps a typed error value as a BOOLERR record with its error flag."""
    typed = with_cells(questionnaire, tmp_path / "typisiert.xlsx",
                       b'<row r="60"><c r="C60" t="e"><v>#N/A</v></c>'
                       b'<c r="D60" t="inlineStr"><is><t>wxl:konstant</t></is></c></row>')

    raw = read_return(ssconvert(typed, tmp_path / "gnumeric.xls"))

    assert raw.answers["konstant"] == CellValue(CellError("#N/A"), "Fragebogen", "C60")
    assert answer_values(raw) == ANSWERS


# --- files that are no returns ----------------------------------------------------------------------

@pytest.mark.parametrize("name, ignored", [
    ("~$Fragebogen Amt 12.xlsx", True), (".~lock.Fragebogen Amt 12.xlsx#", True), (".DS_Store", True),
    ("Thumbs.db", True), ("desktop.ini", True), (".versteckt.xlsx", True),
    ("Fragebogen Amt 12.xlsx", False), ("Rücklauf.ods", False),
])
def test_ignores_lock_hidden_and_system_files(tmp_path, name, ignored):
    path = tmp_path / name
    path.write_bytes(b"x")

    assert is_ignored(path) is ignored


def test_ignores_directories(tmp_path):
    folder = tmp_path / "Unterordner.xlsx"
    folder.mkdir()

    assert is_ignored(folder)


def test_a_file_that_grew_after_its_size_was_taken_is_read_whole(questionnaire, monkeypatch):
    real_fstat = os.fstat
    monkeypatch.setattr(os, "fstat", lambda fd: SimpleNamespace(st_size=100, st_mtime=real_fstat(fd).st_mtime))

    raw = read_return(questionnaire)

    assert answer_values(raw) == ANSWERS
    assert raw.sha256 == hashlib.sha256(questionnaire.read_bytes()).hexdigest()


def test_a_file_read_in_pieces_is_read_whole(questionnaire, monkeypatch):
    """A read may return fewer bytes than asked for (a network drive does): the file is read on to its end."""
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, size: real_read(fd, min(size, 1000)))

    raw = read_return(questionnaire)

    assert answer_values(raw) == ANSWERS
    assert raw.sha256 == hashlib.sha256(questionnaire.read_bytes()).hexdigest()


def test_a_folder_named_like_a_return_cannot_be_opened(tmp_path):
    (tmp_path / "ordner.xlsx").mkdir()
    assert rejection(tmp_path / "ordner.xlsx").code == Code.FILE_UNOPENABLE
