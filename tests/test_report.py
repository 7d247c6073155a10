"""Tabelle 1: the report definition, the computed table, the workbook (golden file) and ``report``.

The golden file ``tests/golden/tabelle1.xlsx`` is the report of the seed's answers with one
Werkzeug not returned and one rejected. After an intended change to the report, rewrite it with

    WERKSTATT_XL_UPDATE_GOLDEN=1 pytest tests/test_report.py -k golden

and review the change by opening the old and the new file.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from golden import assert_matches_golden, dump
from openpyxl import load_workbook

from werkstatt_xl.catalogue import COLUMNS, fold, load_catalogue
from werkstatt_xl.cli import main
from werkstatt_xl.errors import ReportDefinitionError
from werkstatt_xl.form import default_form_path, load_form
from werkstatt_xl.master import write_master_workbook
from werkstatt_xl.messages import Code
from werkstatt_xl.register import PROVENANCE_COLUMNS, register_headers
from werkstatt_xl.report import RUECKLAUF, load_report_definition, printed_remarks, tabelle1, write_report
from werkstatt_xl.resources import example_path, template_path
from werkstatt_xl.round import MASTER_NAME, report

GOLDEN = Path(__file__).parent / "golden" / "tabelle1.xlsx"
SEED_TABLE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "tabelle1.csv"
FORTFUEHRUNG = {"Ja": "Trifft zu", "Nein": "Trifft nicht zu", "": "k.A."}
NOT_RETURNED = {"BerufswahlSIEGEL NRW": "offen", "Mitfahrbänke Nordeifel": "abgelehnt"}
RATED = ("erfolg", "uebertragbarkeit", "zeitplan", "budget")
ROUND_VALUES = {"title": "Zwischenbilanz 2019", "deadline": "13.12.2019", "horizon": "2020"}
"""The example round's values of the placeholders in the shipped templates."""


@pytest.fixture(scope="module")
def form():
    return load_form(default_form_path(), values=ROUND_VALUES)


@pytest.fixture(scope="module")
def definition(form):
    return load_report_definition(template_path("tabelle1.toml"), form, values=ROUND_VALUES)


def seed_rows() -> list[dict[str, str]]:
    """The seed's Tabelle 1 (from shared/, else the copy in the example)."""
    path = SEED_TABLE if SEED_TABLE.is_file() else example_path() / "tabelle1.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_register(form) -> pd.DataFrame:
    """A register as merge builds it, answered as the seed's Tabelle 1 says (the issue's mapping)."""
    published = {fold(row["Werkzeug"]): row for row in seed_rows()}
    records = []
    for werkzeug in load_catalogue(example_path() / "katalog.xlsx").werkzeuge:
        row = published[fold(werkzeug.werkzeug)]
        record = {key: getattr(werkzeug, key) for key in COLUMNS}
        record.update(dict.fromkeys(form.answer_names()))
        record.update(umsetzung=row["Umsetzung"], fortfuehrung=FORTFUEHRUNG[row["Fortführung nach 2020"]])
        reason = row["Begründung/Bemerkungen"] or None
        if row["Umsetzung"] == "Nein":
            record["gruende_nicht_begonnen"] = reason
        elif row["Fortführung nach 2020"] == "Nein":
            record["gruende_beendigung"] = reason
        else:
            record["anmerkungen"] = reason
        record.update(status="eingegangen", file=f"{werkzeug.werkzeug_id}.xlsx", received_at=None,
                      sha256="0" * 64, form_version=form.version)
        records.append(record)
    return pd.DataFrame(records, columns=list(register_headers(form))).astype(object)


def golden_register(form) -> pd.DataFrame:
    """The seed's register with ratings, one Werkzeug not returned and one rejected."""
    register = seed_register(form)
    for index in range(len(register)):
        for offset, name in enumerate(RATED):
            choices = [*form.question(name).choices.labels, None]
            register.at[index, name] = choices[(index * 3 + offset) % len(choices)]
    for werkzeug, status in NOT_RETURNED.items():
        index = register.index[register["werkzeug"] == werkzeug][0]
        register.loc[index, form.answer_names()] = None
        register.loc[index, list(PROVENANCE_COLUMNS)] = [status, None, None, None, None]
    return register


# --- the computed table -------------------------------------------------------------------------

def test_tabelle1_of_the_seed_answers_is_the_seed_table_cell_for_cell(form, definition):
    computed = tabelle1(seed_register(form), definition)
    expected = pd.DataFrame(seed_rows(), dtype=object)
    assert list(computed.columns) == ["Handlungsfeld", "Werkzeug", "Kategorie", "Umsetzung",
                                      "Fortführung nach 2020", "Begründung/Bemerkungen", "Rücklauf"]
    pd.testing.assert_frame_equal(computed[list(expected.columns)], expected)
    assert computed["Kategorie"].value_counts().to_dict() == {"bestehend": 31, "neu": 24}
    assert set(computed[RUECKLAUF]) == {"eingegangen"}


def test_remarks_are_joined_once_each_and_answers_outside_yes_and_no_stay_blank(form, definition):
    register = seed_register(form).head(3)
    register.loc[:, ["gruende_nicht_begonnen", "gruende_beendigung", "anmerkungen"]] = None
    register.loc[0, ["gruende_nicht_begonnen", "gruende_beendigung", "anmerkungen"]] = [
        "Kein Personal.", "kein  personal.", "Neuer Anlauf 2021."]
    register.loc[0, ["umsetzung", "fortfuehrung"]] = ["Nein", "Trifft eher zu"]
    register.loc[1, ["umsetzung", "fortfuehrung", "gruende_beendigung"]] = [None, "Trifft eher nicht zu", " "]
    register.loc[2, ["fortfuehrung", "anmerkungen"]] = [float("nan"), None]
    computed = tabelle1(register, definition)
    assert computed.iloc[:, 3:6].values.tolist() == [
        ["Nein", "Ja", "Kein Personal. Neuer Anlauf 2021."],
        ["", "Nein", ""],
        ["Ja", "", ""],
    ]


def test_werkzeuge_without_return_stay_in_the_table(form, definition):
    computed = tabelle1(golden_register(form), definition).set_index("Werkzeug")
    assert len(computed) == 55
    assert computed.loc[list(NOT_RETURNED), ["Umsetzung", "Fortführung nach 2020", "Rücklauf"]].values.tolist() == [
        ["", "", "offen"], ["", "", "abgelehnt"]]


def test_the_office_text_replaces_the_remarks_and_the_no_return_mark(tmp_path, form, definition):
    register = golden_register(form)
    ids = dict(zip(register["werkzeug"], register["werkzeug_id"]))
    texts = {ids["Betriebliche Tagespflege"]: "Wird weiter verfolgt.", ids["BerufswahlSIEGEL NRW"]: "Folgt 2020.",
             "W99": "Nicht im Register."}
    computed = tabelle1(register, definition, texts).set_index("Werkzeug")["Begründung/Bemerkungen"]
    assert computed["Betriebliche Tagespflege"] == "Wird weiter verfolgt."
    assert computed["BerufswahlSIEGEL NRW"] == "Folgt 2020."
    assert computed["Mitfahrbänke Nordeifel"] == "(kein Rücklauf)"
    printed = {werkzeug: words for _, werkzeug, words in printed_remarks(register, definition)}
    assert printed["Betriebliche Tagespflege"].startswith("Unter Berücksichtigung eines weiteren Ausbaus")
    assert printed["BerufswahlSIEGEL NRW"] == "(kein Rücklauf)"
    sheet = load_workbook(write_report(register, definition, tmp_path / "t.xlsx", texts=texts))["Tabelle 1"]
    cells = {row[0].value: row[5] for row in sheet.iter_rows(min_row=6)}
    assert cells["BerufswahlSIEGEL NRW"].value == "Folgt 2020." and not cells["BerufswahlSIEGEL NRW"].font.i
    assert cells["Mitfahrbänke Nordeifel"].font.i  # still marked as without return


def test_a_register_of_another_form_is_refused_with_what_to_do(form, definition):
    register = seed_register(form).drop(columns=["fortfuehrung"])
    with pytest.raises(ValueError, match=r"The register has no column fortfuehrung: it was made with another form"):
        tabelle1(register, definition)


# --- the definition -----------------------------------------------------------------------------

def edited_definition(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The shipped definition with ``old`` replaced by ``new``, and the line where ``new`` starts."""
    text = template_path("tabelle1.toml").read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path = tmp_path / "tabelle1.toml"
    path.write_text(text, encoding="utf-8")
    return path, text[:text.index(new)].count("\n") + 1


@pytest.mark.parametrize("old, new, marker, message", [
    ('question = "fortfuehrung"', 'question = "fortfuehrun"', None,
     "the question 'fortfuehrun' is not in the form fragebogen.xlsx; its questions: werkzeugtitel, "),
    ('no = ["Trifft eher nicht zu", "Trifft nicht zu"]', 'no = [\n  "Trifft eher nicht zu",\n  "Trifft kaum zu",\n]',
     '"Trifft kaum zu"', "'Trifft kaum zu' is not an answer of the question 'fortfuehrung'; its answers: Trifft zu, "
     "Trifft eher zu, Trifft eher nicht zu, Trifft nicht zu, k.A."),
    ('question = "umsetzung"', 'question = "anmerkungen"', None,
     "the question 'anmerkungen' is of type text; only a select_one question has answers to count."),
    ('uebertragbarkeit = "3', 'uebertragbarkeid = "3', None, "the question 'uebertragbarkeid' is not in the form"),
    ('"gruende_beendigung", "anmerkungen"]', '"gruende_beendigung",\n  "anmerkung"]', '"anmerkung"]',
     "the question 'anmerkung' is not in the form"),
    ('statuses = ["offen", "abgelehnt", "unbestätigt"]', 'statuses = ["offen", "zurückgewiesen"]', None,
     "'zurückgewiesen' is not a status of the register; statuses: eingegangen, mit Problemen, unbestätigt, offen, "
     "abgelehnt."),
    ('sheet = "Tabelle 1"', 'sheet = "Tabelle 1"\ncolour = "grün"', 'colour',
     "unknown key 'colour' in [table]; known keys: title, sheet, werkzeug_header, yes, no, page."),
    ('text = "(kein Rücklauf)"', 'text = 1', None, "'text' in [no_return] must be a text in quotes."),
    ('color = "#C9E3B5"', 'color = "grün"', None, "the color 'grün' of 'neu' is not like \"#C9E3B5\"."),
    ('title = "Tabelle 1: Teilauswertung"', 'title = "Tabelle 1: Teilauswertung', None,
     "Illegal character '\\n' (column 35); this is not valid TOML."),
])
def test_definition_errors_name_file_and_line(tmp_path, form, old, new, marker, message):
    path, line = edited_definition(tmp_path, old, new)
    if marker:
        text = path.read_text(encoding="utf-8")
        line = text[:text.index(marker)].count("\n") + 1
    with pytest.raises(ReportDefinitionError) as raised:
        load_report_definition(path, form, values=ROUND_VALUES)
    assert str(raised.value).startswith(f"{path}: the report definition has errors:\n  line {line}: {message}")
    assert str(raised.value).endswith("\nCorrect the definition and run the command again.")


def test_every_problem_of_a_definition_is_listed_in_line_order(tmp_path, form):
    path, _ = edited_definition(tmp_path, 'yes = ["Ja"]', 'yes = ["ja"]')
    text = path.read_text(encoding="utf-8").replace('"anmerkungen"]', '"notizen"]')
    path.write_text(text.replace("[charts]\n", "[charts]\nfarbe = 1\n"), encoding="utf-8")
    with pytest.raises(ReportDefinitionError) as raised:
        load_report_definition(path, form, values=ROUND_VALUES)
    assert [problem.message.split(": ", 1)[1].split(":")[0] for problem in raised.value.problems] == [
        "'ja' is not an answer of the question 'umsetzung'; its answers", "the question 'notizen' is not in the form "
        "fragebogen.xlsx; its questions", "unknown key 'farbe' in [charts]; known keys"]
    assert [problem.line for problem in raised.value.problems] == sorted(problem.line for problem in raised.value.problems)


@pytest.mark.parametrize("old, new, codes", [
    ('sheet = "Tabelle 1"', 'colour = "grün"\nsheet = "Tabelle 1"', [Code.REPORT_UNKNOWN_KEY]),
    ('title = "Tabelle 1: Teilauswertung"', 'titel = "Tabelle 1"', [Code.REPORT_MISSING_KEY, Code.REPORT_UNKNOWN_KEY]),
    ('text = "(kein Rücklauf)"', 'text = 1', [Code.REPORT_WRONG_TYPE]),
    ('neu = { color = "#C9E3B5", text = "grün = neue Werkzeuge" }', 'neu = "grün"', [Code.REPORT_WRONG_TYPE]),
    ("neu = {", "neue = {", [Code.REPORT_MISSING_KATEGORIE, Code.REPORT_UNKNOWN_KATEGORIE]),
    ('color = "#C9E3B5"', 'color = "grün"', [Code.REPORT_BAD_COLOR]),
    ('question = "fortfuehrung"', 'question = "fortfuehrun"', [Code.REPORT_UNKNOWN_QUESTION]),
    ('question = "umsetzung"', 'question = "anmerkungen"', [Code.REPORT_NOT_SELECT_ONE]),
    ('no = ["Nein"]', 'no = ["Nee"]', [Code.REPORT_NOT_A_CHOICE]),
    ('no = ["Nein"]', 'no = ["Ja"]', [Code.REPORT_YES_AND_NO]),
    ('statuses = ["offen", "abgelehnt", "unbestätigt"]', 'statuses = ["offen", "weg"]',
     [Code.REPORT_UNKNOWN_STATUS]),
    ('neutral = ["k.A."]', 'neutral = ["egal"]', [Code.REPORT_NEUTRAL_NOT_A_CHOICE]),
    ('budget = "7 Budget ausreichend"', "budget = 7", [Code.REPORT_RATING_LABEL_NOT_TEXT]),
    ('sheet = "Auswertung"', 'sheet = "Aus:wertung"', [Code.REPORT_BAD_SHEET_NAME]),
    ('sheet = "Auswertung"', 'sheet = "tabelle 1"', [Code.REPORT_SAME_SHEET_NAME]),
    ('title = "Tabelle 1: Teilauswertung"', 'title = "Tabelle 1', [Code.REPORT_TOML]),
])
def test_each_kind_of_definition_problem_has_its_own_code(tmp_path, form, old, new, codes):
    path, line = edited_definition(tmp_path, old, new)
    with pytest.raises(ReportDefinitionError) as raised:
        load_report_definition(path, form, values=ROUND_VALUES)
    assert (raised.value.codes, raised.value.problems[-1].line) == (codes, line)


def test_unusable_definition_files_have_their_own_codes(tmp_path, form):
    text = template_path("tabelle1.toml").read_text(encoding="utf-8")
    without_blocks = text[:text.index("[[yes_no]]")] + text[text.index("# The last column:"):]
    cases = {
        "fehlt.toml": None,
        "latin1.toml": "colour = 'grün'".encode("latin-1"),
        "abgebrochen.toml": text[:text.index("]", text.index("[charts.ratings"))].encode(),
        "bloecke.toml": f"yes_no = [1]\n{without_blocks}".encode(),
    }
    codes = {}
    for name, content in cases.items():
        if content is not None:
            (tmp_path / name).write_bytes(content)
        with pytest.raises(ReportDefinitionError) as raised:
            load_report_definition(tmp_path / name, form, values=ROUND_VALUES)
        codes[name] = raised.value.codes
    assert codes == {"fehlt.toml": [Code.REPORT_MISSING_FILE], "latin1.toml": [Code.REPORT_NOT_UTF8],
                     "abgebrochen.toml": [Code.REPORT_TOML], "bloecke.toml": [Code.REPORT_YES_NO_NOT_BLOCKS]}


def test_another_round_changes_the_definition_not_the_code(tmp_path, form):
    """A third yes/no column and new texts: the table and the workbook follow the definition."""
    path, _ = edited_definition(tmp_path, "# The last column:", (
        '[[yes_no]]\nheader = "Abgeschlossen"\nquestion = "abgeschlossen"\nyes = ["Trifft zu"]\n'
        'no = ["Trifft nicht zu"]\n\n# The last column:'))
    path.write_text(path.read_text(encoding="utf-8").replace("Tabelle 1: Teilauswertung", "Tabelle 2: Stand 2026")
                    .replace('yes = "Ja"', 'yes = "ja"'), encoding="utf-8")
    custom = load_report_definition(path, form, values=ROUND_VALUES)
    register = seed_register(form)
    register["abgeschlossen"] = ["Trifft zu", "Trifft nicht zu", "k.A.", None, *["Trifft zu"] * 51]
    computed = tabelle1(register, custom)
    assert computed.columns[3:6].tolist() == ["Umsetzung", "Fortführung nach 2020", "Abgeschlossen"]
    assert computed["Abgeschlossen"].head(4).tolist() == ["ja", "Nein", "", ""]
    workbook = load_workbook(write_report(register, custom, tmp_path / "t.xlsx"))
    sheet = workbook["Tabelle 1"]
    assert sheet["A1"].value == "Tabelle 2: Stand 2026"
    assert {"B4:C4", "D4:E4", "F4:G4", "H4:H5"} <= {str(merged) for merged in sheet.merged_cells.ranges}
    assert [sheet.cell(6, column).value for column in range(2, 8)] == ["X", None, "X", None, "X", None]


def test_a_definition_without_yes_no_columns_still_makes_a_workbook(tmp_path, form):
    text = template_path("tabelle1.toml").read_text(encoding="utf-8")
    path = tmp_path / "tabelle1.toml"
    path.write_text(text[:text.index("[[yes_no]]")] + text[text.index("# The last column:"):], encoding="utf-8")
    custom = load_report_definition(path, form, values=ROUND_VALUES)
    assert list(tabelle1(seed_register(form), custom).columns) == [
        "Handlungsfeld", "Werkzeug", "Kategorie", "Begründung/Bemerkungen", "Rücklauf"]
    sheet = load_workbook(write_report(seed_register(form), custom, tmp_path / "t.xlsx"))["Tabelle 1"]
    assert [sheet["A1"].value, sheet["A4"].value, sheet["B4"].value, sheet["B7"].value] == [
        "Tabelle 1: Teilauswertung", "Werkzeug", "Begründung/Bemerkungen",
        "Unter Berücksichtigung eines weiteren Ausbaus und der Erstellung eines neuen Raumkonzeptes für die "
        "Kreisverwaltung Düren wird die Maßnahme weiter verfolgt."]


# --- the workbook -------------------------------------------------------------------------------

def chart_parts(path: Path) -> list[str]:
    """Each chart's kind and the cell ranges it draws from, read from the xlsx's chart XML."""
    with zipfile.ZipFile(path) as archive:
        names = sorted((name for name in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", name)),
                       key=lambda name: int(re.search(r"\d+", name).group()))
        parts = []
        for name in names:
            xml = archive.read(name).decode()
            kind = [re.search(f"<c:{tag} val=\"(\\w+)\"", xml).group(1) for tag in ("barDir", "grouping")]
            parts.append(f"{name}: {' '.join(kind)} {re.findall(r'<c:f>(.*?)</c:f>', xml)}")
        return parts


def report_dump(path: Path) -> list[str]:
    """The workbook dump, plus what it leaves out: repeated rows, page breaks and the charts."""
    workbook = load_workbook(path)
    extra = [f"sheet {sheet.title} / print titles: {sheet.print_title_rows}; page breaks before rows "
             f"{[brk.id + 1 for brk in sheet.row_breaks.brk]}" for sheet in workbook.worksheets]
    return dump(path) + extra + chart_parts(path)


def test_the_report_matches_the_golden_file(tmp_path, form, definition):
    generated = write_report(golden_register(form), definition, tmp_path / "tabelle1.xlsx",
                             title="Zwischenbilanz 2019")
    assert_matches_golden(generated, GOLDEN, report_dump)


@pytest.fixture(scope="module")
def golden_workbook():
    return load_workbook(GOLDEN, rich_text=True)


def test_table_layout_like_the_seed(golden_workbook, definition):
    """Per Handlungsfeld a band and a two-row header, then one row per Werkzeug, tinted by Kategorie."""
    sheet = golden_workbook["Tabelle 1"]
    assert golden_workbook.sheetnames == ["Tabelle 1", "Auswertung"]
    assert sheet["A1"].value == "Tabelle 1: Teilauswertung" and sheet["A1"].font.b
    assert [run.text.strip() for run in sheet["F1"].value] == [
        "\u25a0", "grün = neue Werkzeuge", "\u25a0", "blau = bestehende Werkzeuge"]
    merged = {str(merged) for merged in sheet.merged_cells.ranges}
    assert {"A3:F3", "A4:A5", "B4:C4", "D4:E4", "F4:F5"} <= merged
    assert [sheet[f"{column}4"].value for column in "ABDF"] == [
        "Werkzeug", "Umsetzung", "Fortführung nach 2020", "Begründung/Bemerkungen"]
    assert [sheet[f"{column}5"].value for column in "BCDE"] == ["Ja", "Nein", "Ja", "Nein"]
    assert sheet["A3"].value == "Fachkräfte" and sheet["A3"].fill.fgColor.rgb == "FF44546A"
    first = sheet[6]
    assert [cell.value for cell in first] == [
        "Arbeitsgruppe Kommunale Konferenz Alter und Pflege (AG KKAP)", "X", None, "X", None, None]
    assert first[0].fill.fgColor.rgb == "FFC9E3B5" and sheet["A10"].fill.fgColor.rgb == "FFC5DAF0"  # neu, bestehend
    assert first[1].alignment.horizontal == "center"
    assert all(cell.border.left.style == "thin" and cell.border.bottom.style == "thin" for cell in first)
    bands = [row[0].value for row in sheet.iter_rows() if row[0].fill.fgColor.rgb == "FF44546A"]
    assert bands == ["Fachkräfte", "Bildung", "Gesellschaftliche Teilhabe", "Mobilität & (Nah-)Versorgung",
                     "Leben & Wohnen", "Austausch & Öffentlichkeitsarbeit", "Planungsinstrumente"]
    werkzeuge = [row[0].value for row in sheet.iter_rows(min_row=6) if row[0].fill.fgColor.rgb in (
        "FFC9E3B5", "FFC5DAF0")]
    assert werkzeuge == [row["Werkzeug"] for row in seed_rows()]


def test_no_return_is_marked_in_grey_italics(golden_workbook):
    sheet = golden_workbook["Tabelle 1"]
    marked = [row for row in sheet.iter_rows() if row[5].value == "(kein Rücklauf)"]
    assert [row[0].value for row in marked] == list(NOT_RETURNED)
    assert all(row[5].font.i and row[5].font.color.rgb == "FF7F7F7F" for row in marked)
    assert all(cell.value is None for row in marked for cell in row[1:5])


def test_rows_are_high_enough_for_their_wrapped_text(golden_workbook):
    sheet = golden_workbook["Tabelle 1"]
    heights = {row[0].value: sheet.row_dimensions[row[0].row].height for row in sheet.iter_rows(min_row=6)}
    assert heights["Job-Café"] == 14.25  # one line
    assert heights["Betriebliche Tagespflege"] == 25.5  # two lines of Begründung
    assert heights["Außerordentliche Bezirksdelegiertenkonferenz der Bezirksschülervertretung (BSV) Düren zum "
                   "Thema ÖPNV im Kreis Düren"] == 36.75  # three lines of Werkzeug and of Begründung


def test_print_setup_a4_landscape_one_page_wide_with_page_numbers(golden_workbook):
    for sheet in golden_workbook.worksheets:
        setup = sheet.page_setup
        fit_width = setup.fitToWidth or 1  # 1 is the default, which openpyxl reads as None
        assert (setup.paperSize, setup.orientation, fit_width, setup.fitToHeight) == (9, "landscape", 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.oddFooter.left.text, sheet.oddFooter.right.text) == ("Zwischenbilanz 2019", "Seite &P von &N")
    table = golden_workbook["Tabelle 1"]
    assert table.print_title_rows == "$1:$2"
    bands = {row[0].row for row in table.iter_rows() if row[0].fill.fgColor.rgb == "FF44546A"}
    breaks = [brk.id + 1 for brk in table.row_breaks.brk]
    assert breaks and set(breaks) <= bands  # pages break only before a Handlungsfeld


def test_charts_draw_from_the_tables_on_their_sheet(golden_workbook):
    sheet = golden_workbook["Auswertung"]
    cells = {cell.coordinate: cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None}
    parts = chart_parts(GOLDEN)
    assert len(parts) == 4 and all(" bar stacked " in part for part in parts)
    for part in parts:
        references = re.findall(r"'?([^'!\[]+)'?!\$([A-Z]+)\$(\d+)(?::\$([A-Z]+)\$(\d+))?", part)
        assert references and {sheet_name for sheet_name, *_ in references} == {"Auswertung"}
    umsetzung = parts[0]
    assert "Auswertung!$A$4" in umsetzung and "Auswertung!$A$6:$A$12" in umsetzung
    assert [cells[f"{column}5"] for column in "ABCDEF"] == ["Handlungsfeld", "Ja", "Nein", "ohne Antwort",
                                                           "kein Rücklauf", "Gesamt"]
    assert [cells[f"{column}6"] for column in "ABCDEF"] == ["Fachkräfte", 6, 2, 0, 1, 9]
    assert [cells[f"{column}13"] for column in "ABCDEF"] == ["Gesamt", 43, 10, 0, 2, 55]
    ratings = [cells[f"A{row}"] for row in range(1, 200) if f"A{row}" in cells and cells[f"A{row}"][:1].isdigit()]
    assert ratings == ["2 Erfolg des Projekts", "3 Übertragbarkeit auf andere Regionen", "6 Zeitplan eingehalten",
                       "7 Budget ausreichend", "8 Fortführung nach 2020"]


def chart_sheet_rows(path: Path) -> list[list]:
    """The values of the chart sheet, row by row."""
    return [list(row) for row in load_workbook(path)["Auswertung"].iter_rows(values_only=True)]


def test_an_empty_answer_counts_as_ohne_antwort_and_k_a_only_where_the_question_offers_it(tmp_path, form, definition):
    """Question 1 (Ja/Nein, required) has no k.A.: a return without its answer is "ohne Antwort"."""
    register = seed_register(form)
    first = register.index[register["handlungsfeld"] == "Fachkräfte"]
    register.loc[first[:2], "umsetzung"] = None
    register.loc[first[:3], "fortfuehrung"] = [None, "k.A.", "k.A."]
    rows = chart_sheet_rows(write_report(register, definition, tmp_path / "t.xlsx"))
    umsetzung = rows.index(["Umsetzung nach Handlungsfeld", *[None] * (len(rows[0]) - 1)])
    assert rows[umsetzung + 1][:6] == ["Handlungsfeld", "Ja", "Nein", "ohne Antwort", "kein Rücklauf", "Gesamt"]
    assert rows[umsetzung + 2][:6] == ["Fachkräfte", 6, 1, 2, 0, 9]
    fortfuehrung = rows.index(["Fortführung nach 2020 nach Handlungsfeld", *[None] * (len(rows[0]) - 1)])
    assert rows[fortfuehrung + 1][:7] == ["Handlungsfeld", "Ja", "Nein", "k.A.", "ohne Antwort", "kein Rücklauf",
                                         "Gesamt"]
    assert rows[fortfuehrung + 2][:7] == ["Fachkräfte", 5, 1, 2, 1, 0, 9]


@pytest.mark.parametrize("werkzeuge, step, largest", [(1, 1, 1), (3, 1, 3), (55, 2, 12)])
def test_chart_axes_count_in_whole_steps(tmp_path, form, definition, werkzeuge, step, largest):
    """Left to itself Excel steps by 0.5 where counts are small; a count is a whole number."""
    path = write_report(seed_register(form).head(werkzeuge), definition, tmp_path / "t.xlsx")
    with zipfile.ZipFile(path) as archive:
        charts = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/charts/chart")]
    assert charts
    for xml in charts:
        value_axis = re.search(r"<c:valAx>.*?</c:valAx>", xml, re.S).group()
        assert re.search(r'<c:numFmt formatCode="0" sourceLinked="0"/>', value_axis)
        units = re.findall(r'<c:majorUnit val="([\d.]+)"/>', value_axis)
        maxima = re.findall(r'<c:max val="([\d.]+)"/>', value_axis)
        assert units and maxima and all(float(value).is_integer() for value in units + maxima)
    umsetzung = re.search(r"<c:valAx>.*?</c:valAx>", charts[0], re.S).group()  # the longest bar: Fachkräfte
    assert (re.search(r'<c:majorUnit val="([\d.]+)"/>', umsetzung).group(1),
            re.search(r'<c:max val="([\d.]+)"/>', umsetzung).group(1)) == (str(step), str(largest))


def test_charts_keep_their_frames_off_the_edge_of_their_rows(golden_workbook):
    """A frame on the top edge of a row that starts a page was printed as a stray line on the page above."""
    with zipfile.ZipFile(GOLDEN) as archive:
        drawing = archive.read("xl/drawings/drawing1.xml").decode()
    anchors = re.findall(r"<xdr:from><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>"
                         r"<xdr:rowOff>(\d+)</xdr:rowOff></xdr:from><xdr:to><xdr:col>\d+</xdr:col><xdr:colOff>\d+"
                         r"</xdr:colOff><xdr:row>(\d+)</xdr:row>", drawing)
    sheet = golden_workbook["Auswertung"]
    breaks = {brk.id for brk in sheet.row_breaks.brk}  # 0-based row that starts a page
    assert len(anchors) == 4 and breaks
    for position, (_, offset, last) in enumerate(anchors):
        assert int(offset) > 0
        if position + 1 < len(anchors):
            assert int(last) < int(anchors[position + 1][0]) - 1  # a free row before the next section
    assert breaks <= {int(first) for first, _, _ in anchors}  # pages break where a section starts


def test_free_text_is_written_as_text_never_as_a_formula(tmp_path, form, definition):
    register = seed_register(form)
    hostile = ['=HYPERLINK("http://x")', "+1", "@SUM(1)", "-2+3"]
    register.loc[:3, ["gruende_nicht_begonnen", "gruende_beendigung"]] = None
    register.loc[:3, "anmerkungen"] = hostile
    register.loc[:3, "umsetzung"] = "Ja"
    register.loc[:3, "fortfuehrung"] = "Trifft zu"
    path = write_report(register, definition, tmp_path / "t.xlsx")
    sheet = load_workbook(path)["Tabelle 1"]
    assert [(sheet[f"F{row}"].value, sheet[f"F{row}"].data_type) for row in range(6, 10)] == [
        (text, "s") for text in hostile]
    with zipfile.ZipFile(path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


# --- report(project) and the command ------------------------------------------------------------

@pytest.fixture
def merged_project(example_project, form):
    """The example project with the golden register as the last merge's master.xlsx."""
    write_master_workbook(example_project.results / MASTER_NAME, golden_register(form), [], register_headers(form))
    return example_project


def test_report_reads_the_register_of_the_last_merge(merged_project, form, definition):
    result = report(merged_project)
    assert result.workbook == merged_project.results / "tabelle1.xlsx" and result.pdf is None
    assert (result.werkzeuge, result.without_return) == (55, tuple(NOT_RETURNED))
    sheet = load_workbook(result.workbook)["Tabelle 1"]
    assert sheet.oddFooter.left.text == "Zwischenbilanz 2019"
    assert [row[0].value for row in sheet.iter_rows() if row[5].value == "(kein Rücklauf)"] == list(NOT_RETURNED)


def test_report_command_writes_tabelle1(merged_project):
    result = CliRunner().invoke(main, ["report", "-p", str(merged_project.root)])
    assert (result.exit_code, result.output) == (0, (
        f"Wrote {merged_project.results / 'tabelle1.xlsx'} (55 Werkzeuge, 2 without a return).\n"))


def test_report_before_any_merge_says_to_merge_first(example_project):
    result = CliRunner().invoke(main, ["report", "-p", str(example_project.root)])
    assert (result.exit_code, result.output) == (1, (
        f"Error: {example_project.results / MASTER_NAME}: there is no register yet. Run 'werkstatt-xl merge' "
        "first: it reads the returned questionnaires and writes the register the report is made from.\n"))


def test_report_with_a_broken_definition_exits_1_naming_file_and_line(merged_project):
    definition, line = edited_definition(merged_project.root, 'question = "umsetzung"', 'question = "umsetzen"')
    config = merged_project.root / "werkstatt.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('report = "vorlagen/tabelle1.toml"',
                                                                              'report = "tabelle1.toml"'),
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["report", "-p", str(merged_project.root)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {definition}: the report definition has errors:\n  line {line}: the "
                                    "question 'umsetzen' is not in the form")
    assert not (merged_project.results / "tabelle1.xlsx").exists()


def test_report_pdf_without_libreoffice_says_how_to_install_it(merged_project, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    result = CliRunner().invoke(main, ["report", "-p", str(merged_project.root), "--pdf"])
    assert (result.exit_code, result.output) == (1, (
        "Error: LibreOffice (soffice) is not installed, so no PDF can be written. Install it (Debian/Ubuntu: "
        "'apt-get install libreoffice-calc-nogui'), or run the command without --pdf.\n"))
    assert not (merged_project.results / "tabelle1.xlsx").exists()


def test_report_pdf_through_libreoffice(merged_project, soffice):
    result = CliRunner().invoke(main, ["report", "-p", str(merged_project.root), "--pdf"])
    pdf = merged_project.results / "tabelle1.pdf"
    assert (result.exit_code, result.output.splitlines()[-1]) == (0, f"Wrote {pdf}")
    assert pdf.read_bytes().startswith(b"%PDF-") and re.search(rb"/Type\s*/Page\b", pdf.read_bytes())


def test_remarks_longer_than_a_cell_together_are_shortened_visibly_and_written(form, definition, tmp_path):
    """Each answer fits a cell, three of them joined need not: the merge must not stop there."""
    register = seed_register(form).head(2)
    register.loc[0, ["gruende_nicht_begonnen", "gruende_beendigung", "anmerkungen"]] = ["a" * 20000, "b" * 20000,
                                                                                        "c"]
    computed = tabelle1(register, definition)
    remarks = computed.iloc[0]["Begründung/Bemerkungen"]
    assert len(remarks) == 32767 and remarks.startswith("a" * 20000 + " b") and remarks.endswith("b […]")
    sheet = load_workbook(write_report(register, definition, tmp_path / "tabelle1.xlsx"))[definition.sheet]
    assert remarks in [cell.value for row in sheet.iter_rows() for cell in row]


def test_a_register_cell_without_value_is_empty_text_whatever_pandas_made_of_it():
    import datetime as dt

    import numpy
    import pandas

    from werkstatt_xl.register import no_value
    from werkstatt_xl.report.table import cell_text

    for empty in (None, float("nan"), numpy.float64("nan"), pandas.NaT):
        assert no_value(empty) and cell_text(empty) == ""
    for value in (0.0, "", " x ", dt.date(2020, 1, 1), pandas.Timestamp("2020-01-01")):
        assert not no_value(value)
    assert cell_text(" x ") == "x"
