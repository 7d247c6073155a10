"""Reading and checking the Werkzeug catalogue (xlsx and CSV), and storing derived ids."""

import csv
import os

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from werkstatt_xl.catalogue import (
    COLUMNS,
    Catalogue,
    CatalogueError,
    Werkzeug,
    derived_id,
    fold,
    load_catalogue,
    write_catalogue_ids,
    write_empty_catalogue,
)
from werkstatt_xl.messages import Code
from werkstatt_xl.resources import example_path

HEADER = ["Handlungsfeld", "Werkzeug", "Kategorie", "Seite", "Fachamt", "Ansprechpartner/-in", "E-Mail"]
LESEPATEN = ["Bildung", "Lesepaten", "neu", 12, "Amt 40", "Erika Muster", "bildung@example.org"]
SCHULWEG = ["Bildung", "Sicherer Schulweg", "Bestehend", None, "Amt 40", "", "a@example.org; b@example.org"]
BUS = ["Mobilität", "Bürgerbus", "neu", "7", "Amt 61", "", ""]


def write_xlsx(path, rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Katalog"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def catalogue_errors(path) -> str:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    return str(caught.value)


def expected_errors(path, *problems: str) -> str:
    lines = "".join(f"  {problem}\n" for problem in problems)
    return f"{path}: the catalogue has errors:\n{lines}Correct the catalogue and run the command again."


def test_an_xlsx_catalogue_is_read_into_werkzeuge(tmp_path):
    path = write_xlsx(tmp_path / "katalog.xlsx", [LESEPATEN, [None] * 7, SCHULWEG, BUS])

    catalogue = load_catalogue(path)

    assert catalogue.path == path and catalogue.derived_ids is True
    assert catalogue.werkzeuge == (
        Werkzeug(derived_id("Lesepaten"), "Bildung", "Lesepaten", "neu", "12", "Amt 40", "Erika Muster",
                 "bildung@example.org", handlungsfeld_nr=1, row=2),
        Werkzeug(derived_id("Sicherer Schulweg"), "Bildung", "Sicherer Schulweg", "bestehend", "", "Amt 40", "",
                 "a@example.org; b@example.org", handlungsfeld_nr=1, row=4),
        Werkzeug(derived_id("Bürgerbus"), "Mobilität", "Bürgerbus", "neu", "7", "Amt 61", "", "",
                 handlungsfeld_nr=2, row=5),
    )
    assert catalogue.handlungsfelder == ["Bildung", "Mobilität"]
    assert catalogue.werkzeuge[1].addresses == ["a@example.org", "b@example.org"]
    assert list(catalogue.by_id()) == [werkzeug.werkzeug_id for werkzeug in catalogue.werkzeuge]
    assert list(catalogue.to_frame().columns) == list(COLUMNS.values())


def test_headers_are_found_in_any_order_case_and_spacing(tmp_path):
    header = ["e-mail", " werkzeug ", "WERKZEUG-ID", "Kategorie", "Handlungsfeld", "Seite", "Fachamt",
              "Ansprechpartner/-In", "Notiz"]
    path = write_xlsx(tmp_path / "k.xlsx", [["x@example.org", "Bürgerbus", "W7", "neu", "Mobilität", 3, "A",
                                              "B", "egal"]], header)
    werkzeug = load_catalogue(path).werkzeuge[0]
    assert (werkzeug.werkzeug_id, werkzeug.werkzeug, werkzeug.email, werkzeug.seite) == \
        ("W7", "Bürgerbus", "x@example.org", "3")


def test_derived_ids_are_stable_and_ignore_case_and_spaces():
    assert derived_id("Bürgerbus") == derived_id("  BÜRGERBUS ")
    assert derived_id("Job Café") == derived_id("Job\u00a0 Café")
    assert derived_id("Bürgerbus").startswith("wz-") and len(derived_id("Bürgerbus")) == 11
    assert derived_id("Bürgerbus") != derived_id("Bürgerbusse")
    assert fold("  Job\u00a0 Café ") == "job café"


def test_missing_columns(tmp_path):
    path = write_xlsx(tmp_path / "k.xlsx", [], ["Werkzeug", "Handlungsfeld", "Mail"])
    assert catalogue_errors(path) == expected_errors(
        path, "row 1: the column(s) 'Kategorie', 'Seite', 'Fachamt', 'Ansprechpartner/-in', 'E-Mail' are "
              "missing. Expected headers: Werkzeug-ID, Handlungsfeld, Werkzeug, Kategorie, Seite, Fachamt, "
              "Ansprechpartner/-in, E-Mail.")


def test_row_problems_name_row_and_column(tmp_path):
    path = write_xlsx(tmp_path / "k.xlsx", [
        LESEPATEN,
        ["Bildung", "", "neu", "", "", "", ""],
        ["Bildung", " lesepaten ", "neu", "", "", "", ""],
        ["", "Schulweg", "grün", "", "", "", "schulweg(at)example.org, ok@example.org; x@y"],
    ])
    assert catalogue_errors(path) == expected_errors(
        path,
        "row 3, column 'Werkzeug': the Werkzeug name is empty.",
        "row 4, column 'Werkzeug': 'lesepaten' is already listed in row 2.",
        "row 5, column 'Handlungsfeld': empty; every Werkzeug belongs to a Handlungsfeld.",
        "row 5, column 'Kategorie': 'grün' is not one of neu, bestehend.",
        "row 5, column 'E-Mail': 'schulweg(at)example.org' is not an e-mail address.",
        "row 5, column 'E-Mail': 'x@y' is not an e-mail address.",
    )


def test_duplicate_werkzeug_id(tmp_path):
    path = write_xlsx(tmp_path / "k.xlsx", [["W1", *LESEPATEN], ["W1", *BUS]], ["Werkzeug-ID", *HEADER])
    assert catalogue_errors(path) == expected_errors(
        path, "row 3, column 'Werkzeug-ID': 'W1' is already used in row 2.")


def test_more_than_twenty_problems_are_cut_short(tmp_path):
    path = write_xlsx(tmp_path / "k.xlsx", [["Bildung", f"W{n}", "alt", "", "", "", ""] for n in range(23)])
    message = catalogue_errors(path)
    assert message.count("is not one of neu, bestehend") == 20
    assert "  ... and 3 more\n" in message


def test_a_header_without_rows_lists_no_werkzeug(tmp_path):
    path = write_xlsx(tmp_path / "k.xlsx", [[None] * 7])
    assert catalogue_errors(path) == expected_errors(
        path, "no Werkzeug is listed. Fill in one row per Werkzeug below the header.")


def test_empty_and_missing_files(tmp_path):
    empty, missing, no_sheet_rows = tmp_path / "leer.xlsx", tmp_path / "fehlt.xlsx", tmp_path / "blank.xlsx"
    empty.write_bytes(b"")
    Workbook().save(no_sheet_rows)
    assert catalogue_errors(empty) == expected_errors(
        empty, "the file is empty. Write one row per Werkzeug below the header.")
    assert catalogue_errors(missing) == expected_errors(
        missing, "the file does not exist. Create it with 'werkstatt-xl init' or set [files] catalogue in "
                 "werkstatt.toml.")
    assert catalogue_errors(no_sheet_rows) == expected_errors(
        no_sheet_rows, "the first sheet is empty. Write the header row and one row per Werkzeug.")


def test_a_password_protected_or_old_xls_file_is_refused(tmp_path):
    # Excel stores password-protected workbooks (and .xls) as OLE2 compound files.
    path = tmp_path / "katalog.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    assert catalogue_errors(path) == expected_errors(
        path, "the file is password-protected or in the old .xls format. Save it as .xlsx without a password.")


def test_a_file_that_is_no_workbook(tmp_path):
    path = tmp_path / "katalog.xlsx"
    path.write_text("Werkzeug\n", encoding="utf-8")
    assert catalogue_errors(path) == expected_errors(
        path, "the file is not a readable .xlsx workbook (invalid Zip archive: Could not find EOCD). Save it as .xlsx or .csv.")


@pytest.mark.parametrize("delimiter, encoding", [(",", "utf-8"), (";", "utf-8-sig"), (";", "cp1252"),
                                                 ("\t", "utf-8")])
def test_csv_with_comma_or_semicolon(tmp_path, delimiter, encoding):
    path = tmp_path / "katalog.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerows([HEADER, ["Bildung", 'Lesepaten, "Leseclub"', "neu", "12", "Amt 40", "", ""], BUS])

    catalogue = load_catalogue(path)

    assert [(w.werkzeug, w.handlungsfeld, w.seite) for w in catalogue.werkzeuge] == [
        ('Lesepaten, "Leseclub"', "Bildung", "12"), ("Bürgerbus", "Mobilität", "7")]


@pytest.mark.parametrize("text", ["\ufeff", "\n", "Werkzeug\n"])
def test_csv_without_a_usable_header(tmp_path, text):
    path = tmp_path / "katalog.csv"
    path.write_text(text, encoding="utf-8")
    message = catalogue_errors(path)
    assert message.startswith(f"{path}: the catalogue has errors:\n  ")
    assert ("the file is empty" in message) == (text == "\ufeff")
    assert ("are missing. Expected headers" in message) == (text != "\ufeff")


def test_write_catalogue_ids_into_the_id_column_of_an_xlsx_keeps_formatting(tmp_path):
    path = tmp_path / "katalog.xlsx"
    write_empty_catalogue(path)
    workbook = load_workbook(path)
    workbook.active.append(["", *LESEPATEN])
    workbook.active.append(["W9", *BUS])
    workbook.save(path)

    catalogue = load_catalogue(path)
    write_catalogue_ids(catalogue)

    again = load_catalogue(path)
    assert again.derived_ids is False
    assert [w.werkzeug_id for w in again.werkzeuge] == [derived_id("Lesepaten"), "W9"]
    sheet = load_workbook(path).active
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb == "FFDDEBF7"
    assert sheet.column_dimensions["C"].width == pytest.approx(50.71, abs=0.01)
    assert [str(v.sqref) for v in sheet.data_validations.dataValidation] == ["D2:D1001"]
    assert sheet.freeze_panes == "A2"


def test_write_catalogue_ids_adds_a_last_column_and_moves_nothing(tmp_path):
    path = write_xlsx(tmp_path / "katalog.xlsx", [LESEPATEN, BUS])
    workbook = load_workbook(path)
    sheet = workbook.active
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="FFFFF2CC")
    sheet.column_dimensions["B"].width = 50
    kategorie = DataValidation(type="list", formula1='"neu,bestehend"')
    kategorie.add("C2:C100")
    sheet.add_data_validation(kategorie)
    workbook.save(path)

    write_catalogue_ids(load_catalogue(path))

    sheet = load_workbook(path).active
    assert [cell.value for cell in sheet[1]] == [*HEADER, "Werkzeug-ID"]
    assert [sheet["H2"].value, sheet["H3"].value] == [derived_id("Lesepaten"), derived_id("Bürgerbus")]
    assert sheet["B2"].value == "Lesepaten" and sheet.column_dimensions["B"].width == 50
    assert [(str(v.sqref), v.formula1) for v in sheet.data_validations.dataValidation] == \
        [("C2:C100", '"neu,bestehend"')]
    assert sheet["H1"].font.b and sheet["H1"].fill.fgColor.rgb == "FFFFF2CC"
    assert load_catalogue(path).derived_ids is False


@pytest.mark.parametrize("delimiter, encoding, bom", [(";", "utf-8-sig", b"\xef\xbb\xbf"), (",", "utf-8", b""),
                                                     (";", "cp1252", b"")])
def test_write_catalogue_ids_to_csv_keeps_separator_and_encoding(tmp_path, delimiter, encoding, bom):
    path = tmp_path / "katalog.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows([HEADER, LESEPATEN, BUS])

    write_catalogue_ids(load_catalogue(path))

    data = path.read_bytes()
    assert data.startswith(bom + "Werkzeug-ID".encode() + delimiter.encode())
    rows = list(csv.reader(data[len(bom):].decode(encoding.replace("-sig", "")).splitlines(), delimiter=delimiter))
    assert rows[2] == [derived_id("Bürgerbus"), "Mobilität", "Bürgerbus", "neu", "7", "Amt 61", "", ""]
    assert [w.werkzeug_id for w in load_catalogue(path).werkzeuge] == [derived_id("Lesepaten"),
                                                                       derived_id("Bürgerbus")]


def test_write_catalogue_ids_to_csv_fills_an_existing_empty_column(tmp_path):
    path = tmp_path / "katalog.csv"
    path.write_text("Werkzeug-ID,Handlungsfeld,Werkzeug,Kategorie,Seite,Fachamt,Ansprechpartner/-in,E-Mail\r\n"
                    "W1,Bildung,Lesepaten,neu,,,,\r\n,Bildung,Schulweg,neu,,,,\r\n", encoding="utf-8")
    write_catalogue_ids(load_catalogue(path))
    assert path.read_text(encoding="utf-8").splitlines()[1:] == [
        "W1,Bildung,Lesepaten,neu,,,,", f"{derived_id('Schulweg')},Bildung,Schulweg,neu,,,,"]


def test_the_empty_catalogue_of_init_has_the_headers_and_a_kategorie_dropdown(tmp_path):
    path = tmp_path / "katalog.xlsx"
    write_empty_catalogue(path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # not the private 0600 of a temporary file
    sheet = load_workbook(path).active
    assert [cell.value for cell in sheet[1]] == list(COLUMNS.values())
    (kategorie,) = sheet.data_validations.dataValidation
    assert (kategorie.type, kategorie.formula1, str(kategorie.sqref)) == ("list", '"neu,bestehend"', "D2:D1001")
    assert catalogue_errors(path) == expected_errors(
        path, "no Werkzeug is listed. Fill in one row per Werkzeug below the header.")


def example_table() -> list[dict[str, str]]:
    with (example_path() / "tabelle1.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_example_catalogue_lists_the_seeds_55_werkzeuge_in_7_handlungsfelder():
    catalogue: Catalogue = load_catalogue(example_path() / "katalog.xlsx")
    table = example_table()

    assert len(catalogue.werkzeuge) == 55 and catalogue.derived_ids is False
    assert catalogue.handlungsfelder == [
        "Fachkräfte", "Bildung", "Gesellschaftliche Teilhabe", "Mobilität & (Nah-)Versorgung", "Leben & Wohnen",
        "Austausch & Öffentlichkeitsarbeit", "Planungsinstrumente"]
    assert [(w.handlungsfeld, w.werkzeug) for w in catalogue.werkzeuge] == \
        [(row["Handlungsfeld"], row["Werkzeug"]) for row in table]
    assert [w.handlungsfeld_nr for w in catalogue.werkzeuge] == \
        [catalogue.handlungsfelder.index(w.handlungsfeld) + 1 for w in catalogue.werkzeuge]
    assert {w.kategorie for w in catalogue.werkzeuge} == {"neu", "bestehend"}
    assert all(w.addresses and w.addresses[0].endswith("@example.org") for w in catalogue.werkzeuge)


def test_the_examples_table_is_the_seeds(seed_dir):
    assert (example_path() / "tabelle1.csv").read_bytes() == (seed_dir / "tabelle1.csv").read_bytes()


def test_a_control_character_or_a_text_longer_than_a_cell_is_reported_with_its_code(tmp_path):
    path = tmp_path / "k.csv"
    long_name = "Ä" * 40000
    path.write_text("Handlungsfeld;Werkzeug;Kategorie;Seite;Fachamt;Ansprechpartner/-in;E-Mail\n"
                    f"Bildung;Lese\x01paten;neu;;;;\nBildung;{long_name};neu;;;;\nBildung;Bus;neu;;;;\n",
                    encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert caught.value.codes == [Code.CATALOGUE_CONTROL_CHARACTER, Code.CATALOGUE_TOO_LONG]
    assert [problem.line for problem in caught.value.problems] == [2, 3]
    assert str(caught.value.problems[0]) == ("row 2, column 'Werkzeug': the text holds an invisible control character "
                                             "(U+0001), e.g. pasted from another program. Type the cell anew.")


def test_every_problem_is_reported_in_one_run(tmp_path):
    """A row with an empty or repeated name, or a control character in one cell, has its other cells checked
    too, and missing columns do not hide the problems in the columns there are."""
    path = tmp_path / "k.csv"
    path.write_text("Handlungsfeld;Werkzeug;Kategorie;Seite;Fachamt;Ansprechpartner/-in\n"
                    "Bildung;Lesepaten;neu;;;\n"
                    ";;alt;;;\n"
                    "Bildung;Lesepaten;grün;;;\n"
                    "Bil\x01dung;Bus;blau;;;\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert [(problem.code, problem.line) for problem in caught.value.problems] == [
        (Code.CATALOGUE_MISSING_COLUMNS, 1),
        (Code.CATALOGUE_NAME_EMPTY, 3), (Code.CATALOGUE_NO_HANDLUNGSFELD, 3), (Code.CATALOGUE_BAD_KATEGORIE, 3),
        (Code.CATALOGUE_NAME_TWICE, 4), (Code.CATALOGUE_BAD_KATEGORIE, 4),
        (Code.CATALOGUE_CONTROL_CHARACTER, 5), (Code.CATALOGUE_BAD_KATEGORIE, 5),
    ]
