"""select_multiple and repeats end to end, and merge with a form the report definition was not written for.

The questionnaire of :data:`FORM` is compared with ``tests/golden/mehrfach_wiederholung.xlsx``
and the summary workbook of fixed answers with ``tests/golden/auswertung.xlsx`` (``tests/golden.py``
says how to rewrite them after an intended change).
"""

import datetime as dt
import zipfile
from dataclasses import replace
from pathlib import Path

import pandas
import pytest
from click.testing import CliRunner
from golden import assert_matches_golden, dump
from openpyxl import load_workbook

from werkstatt_xl.anchors import parse_marker, split_answer_key
from werkstatt_xl.catalogue import Werkzeug
from werkstatt_xl.cli import main
from werkstatt_xl.errors import FormError, ProjectError, ReportDefinitionError
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.form import load_form
from werkstatt_xl.ingest import read_return
from werkstatt_xl.master import REGISTER_SHEET, REPEATS_SHEET
from werkstatt_xl.messages import Code
from werkstatt_xl.questionnaire import SHEET, render_questionnaire
from werkstatt_xl.register import from_readable, readable
from werkstatt_xl.report import FORM_MISMATCH, load_report_definition, summarize, write_summary
from werkstatt_xl.report.summary import NumberSummary
from werkstatt_xl.resources import template_path
from werkstatt_xl.round import Project, generate, load_project, merge, read_register, read_repeats, report
from werkstatt_xl.validate import RepeatRow, check_answers

GOLDEN = Path(__file__).parent / "golden" / "mehrfach_wiederholung.xlsx"
SUMMARY_GOLDEN = Path(__file__).parent / "golden" / "auswertung.xlsx"
FORM = """
| survey   |
|          | type                               | name        | label                                        | relevant                  | required | repeat_count | constraint            | constraint_message        |
|          | text                               | titel       | Titel des Werkzeugs                          |                           |          |              |                       |                           |
|          | select all that apply from verkehr | modes       | Welche Verkehrsarten betrifft das Werkzeug?  |                           | yes      |              | count-selected(.) <= 3 | Höchstens drei ankreuzen. |
|          | text                               | rad_details | Falls Radverkehr: welche Maßnahmen?          | selected(${modes}, 'rad') |          |              |                       |                           |
|          | begin repeat                       | massnahmen  | Maßnahmen                                    |                           |          | 3            |                       |                           |
|          | text                               | massnahme   | Bezeichnung der Maßnahme                     |                           | yes      |              |                       |                           |
|          | select_multiple verkehr            | betroffen   | Betroffene Verkehrsarten                     |                           |          |              |                       |                           |
|          | integer                            | kosten      | Kosten in Euro                               |                           |          |              |                       |                           |
|          | date                               | beginn      | Beginn                                       | ${kosten} > 0             |          |              |                       |                           |
|          | end repeat                         |             |                                              |                           |          |              |                       |                           |
| choices  |
|          | list_name | name  | label                   |
|          | verkehr   | rad   | Radverkehr              |
|          | verkehr   | fuss  | Fußverkehr              |
|          | verkehr   | oepnv | Öffentlicher Nahverkehr |
|          | verkehr   | auto  | Autoverkehr             |
| settings |
|          | form_id | version | form_title     |
|          | mobil   | 1       | Mobilität 2026 |
"""
WERKZEUG = Werkzeug(werkzeug_id="W07", handlungsfeld="Mobilität", werkzeug="Radschnellweg Düren–Jülich",
                    kategorie="neu", seite="12", fachamt="Amt für Verkehr", ansprechpartner="Erika Mustermann",
                    email="verkehr@example.org", handlungsfeld_nr=4, row=8)
ANSWERS = {"titel": "Radweg", "modes#rad": "x", "modes#oepnv": "X", "rad_details": "Abstellanlagen",
           "massnahme@1": "Brücke über die Rur", "betroffen@1#fuss": "x", "betroffen@1#rad": "x", "kosten@1": 120000,
           "beginn@1": dt.datetime(2026, 3, 1), "massnahme@3": "Beschilderung", "kosten@3": 0}
VALUES = {"titel": "Radweg", "modes": ["rad", "oepnv"], "rad_details": "Abstellanlagen"}
ROWS = [RepeatRow("massnahmen", 1, {"massnahme": "Brücke über die Rur", "betroffen": ["rad", "fuss"],
                                    "kosten": 120000, "beginn": dt.date(2026, 3, 1)}),
        RepeatRow("massnahmen", 3, {"massnahme": "Beschilderung", "betroffen": None, "kosten": 0, "beginn": None})]


@pytest.fixture
def form(xlsform):
    return load_form(xlsform(FORM))


def render(form, path: Path, repeat_rows: int = 5) -> Path:
    render_questionnaire(path, form, WERKZEUG, "0123456789abcdef",
                         Project(root=path.parent, title="Zwischenbilanz 2026", repeat_rows=repeat_rows))
    return path


def checked(path: Path, form):
    raw = read_return(path)
    return check_answers(form, {key: cell.value for key, cell in raw.answers.items()},
                         {key: f"{cell.sheet}!{cell.cell}" for key, cell in raw.answers.items()}, path.name)


# --- the form -------------------------------------------------------------------------------------------

def test_pyxforms_spellings_of_select_multiple_and_repeat_are_read(form):
    assert [(q.name, q.type, q.group.name if q.group else None) for q in form.elements] == [
        ("titel", "text", None), ("modes", "select_multiple", None), ("rad_details", "text", None),
        ("massnahme", "text", "massnahmen"), ("betroffen", "select_multiple", "massnahmen"),
        ("kosten", "integer", "massnahmen"), ("beginn", "date", "massnahmen")]
    (repeat,) = form.repeats
    assert (repeat.repeat, repeat.count, repeat.label) == (True, 3, "Maßnahmen")
    assert [question.name for question in form.questions] == ["titel", "modes", "rad_details"]
    assert form.questions[1].choices.labels[1] == "Fußverkehr"


@pytest.mark.parametrize("rows, code", [
    ("""| begin_repeat | a | A | | \n| begin_repeat | b | B | | \n| text | c | C | | \n| end_repeat | | | |
        \n| end_repeat | | | |""", Code.FORM_NESTED_REPEAT),
    ("""| begin_repeat | a | A | | \n| text | c | C | | \n| end_repeat | | | | \n| text | d | D | ${c} != '' |""",
     Code.FORM_REFERENCE_INTO_REPEAT),
    ("""| begin_group | a | A | | \n| text | c | C | | \n| end_group | | | | \n| end_repeat | | | |""",
     Code.FORM_END_REPEAT_WITHOUT_BEGIN),
    ("""| begin_repeat | a | A | | \n| text | c | C | |""", Code.FORM_REPEAT_WITHOUT_END),
    ("""| select_multiple mit_leer | c | C | |""", Code.FORM_CHOICE_NAME_WITH_SPACE),
])
def test_what_a_questionnaire_cannot_show_is_refused_naming_the_row(xlsform, rows, code):
    body = "\n".join(f"|  {line.strip()}" for line in rows.split("\n") if line.strip())
    path = xlsform(f"""
        | survey  |
        |         | type | name | label | relevant |
        {body}
        | choices |
        |         | list_name | name     | label |
        |         | mit_leer  | a b      | A B   |
    """)
    with pytest.raises(FormError) as caught:
        load_form(path)
    assert [problem.code for problem in caught.value.problems] == [code]
    assert caught.value.problems[0].sheet == "survey" and caught.value.problems[0].line


def test_a_repeat_count_that_is_no_number_leaves_the_rows_to_the_settings_with_a_notice(xlsform, tmp_path):
    form = load_form(xlsform(FORM.replace("| 3            |", "| ${anzahl}    |")))
    assert form.repeats and next(iter(form.repeats)).count is None
    assert [notice.code for notice in form.notices] == [Code.FORM_NOT_RENDERED]
    assert "repeat_rows" in str(form.notices[0])
    rows = {split_answer_key(key)[1] for key in markers(render(form, tmp_path / "q.xlsx", repeat_rows=2))}
    assert rows == {None, 1, 2}


# --- the questionnaire ----------------------------------------------------------------------------------

def markers(path: Path) -> dict[str, str]:
    """Answer key -> the address of its answer cell (left of the marker)."""
    sheet = load_workbook(path)[SHEET]
    return {marker[1]: cell.offset(column=-1).coordinate for row in sheet.iter_rows() for cell in row
            if (marker := parse_marker(cell.value)) and marker[0] == "answer"}


def test_the_questionnaire_matches_the_golden_file(form, tmp_path):
    assert_matches_golden(render(form, tmp_path / "mehrfach_wiederholung.xlsx"), GOLDEN)


def test_each_choice_has_its_own_tick_cell_and_each_entry_of_the_repeat_its_cells(form, tmp_path):
    path = render(form, tmp_path / "q.xlsx")
    found = markers(path)
    choices = ["rad", "fuss", "oepnv", "auto"]
    assert list(found) == ["titel", *(f"modes#{c}" for c in choices), "rad_details", *(
        key for row in (1, 2, 3) for key in (f"massnahme@{row}", *(f"betroffen@{row}#{c}" for c in choices),
                                              f"kosten@{row}", f"beginn@{row}"))]
    sheet = load_workbook(path)[SHEET]
    for key in ("modes#rad", "betroffen@3#auto"):
        cell = sheet[found[key]]
        assert cell.protection.locked is False
        (tick,) = [rule for rule in sheet.data_validations.dataValidation if cell.coordinate in rule.sqref]
        assert (tick.type, tick.formula1) == ("list", '"x"')
        assert sheet.cell(cell.row, cell.column - 1).value in ("Radverkehr", "Autoverkehr")
    headings = [cell.value for row in sheet.iter_rows() for cell in row if " – Eintrag " in str(cell.value)]
    assert headings == ["Maßnahmen – Eintrag 1 von 3", "Maßnahmen – Eintrag 2 von 3", "Maßnahmen – Eintrag 3 von 3"]
    rules = {str(rule.sqref): rule.rules[0].formula[0] for rule in sheet.conditional_formatting}
    assert rules[found["rad_details"]] == f'NOT({found["modes#rad"].replace("C", "$C$")}<>"")'
    # in each entry the date greys out by the costs of the same entry
    for row in (1, 2, 3):
        assert rules[found[f"beginn@{row}"]] == f'NOT({found[f"kosten@{row}"].replace("C", "$C$")}>0)'


# --- read back, also after other programs saved it --------------------------------------------------------

def test_a_filled_questionnaire_reads_back_exactly_after_libreoffice_and_gnumeric(form, tmp_path, soffice, ssconvert):
    filled = fill_questionnaire(render(form, tmp_path / "q.xlsx"), ANSWERS, tmp_path / "ausgefuellt.xlsx")
    copies = [filled, *(soffice(filled, target, tmp_path / "lo") for target in ("ods", "xlsx", "xls")),
              *(ssconvert(filled, tmp_path / f"gnumeric.{target}") for target in ("ods", "xlsx", "xls"))]
    for copy in copies:
        result = checked(copy, form)
        assert (result.values, result.rows, result.problems) == (VALUES, ROWS, []), copy.name


def test_ticks_are_checked_like_any_answer(form, tmp_path):
    questionnaire = render(form, tmp_path / "q.xlsx")
    answers = {**ANSWERS, "modes#fuss": "x", "modes#auto": "x", "betroffen@1#auto": "vielleicht",
               "massnahme@1": None, "kosten@2": "viel"}
    result = checked(fill_questionnaire(questionnaire, answers, tmp_path / "f.xlsx"), form)
    found = [(problem.code, problem.question, problem.value) for problem in result.problems]
    assert found == [
        (Code.ANSWER_CONSTRAINT, "Welche Verkehrsarten betrifft das Werkzeug?",
         "Radverkehr; Fußverkehr; Öffentlicher Nahverkehr; Autoverkehr"),  # labels, as master.xlsx shows them
        (Code.ANSWER_NOT_A_MARK, "Betroffene Verkehrsarten (Eintrag 1)", "vielleicht"),
        (Code.ANSWER_REQUIRED, "Bezeichnung der Maßnahme (Eintrag 1)", ""),
        (Code.ANSWER_NOT_A_NUMBER, "Kosten in Euro (Eintrag 2)", "viel"),
        (Code.ANSWER_REQUIRED, "Bezeichnung der Maßnahme (Eintrag 2)", ""),
    ]
    assert result.problems[0].problem == "Höchstens drei ankreuzen."
    assert result.problems[1].cell == f"{SHEET}!{markers(questionnaire)['betroffen@1#auto']}"
    assert result.values["modes"] == ["rad", "fuss", "oepnv", "auto"]
    skipped = checked(fill_questionnaire(questionnaire, {"modes#fuss": "x", "rad_details": "Ständer"},
                                         tmp_path / "g.xlsx"), form)
    assert [(problem.code, problem.question) for problem in skipped.problems] == [
        (Code.ANSWER_SKIPPED, "Falls Radverkehr: welche Maßnahmen?")]


def test_an_entry_counts_where_a_person_filled_it_in_not_where_the_form_did(xlsform, tmp_path):
    form = load_form(xlsform("""
        | survey   |
        |          | type        | name    | label          | default | read_only | calculation      | repeat_count |
        |          | begin_repeat | posten | Posten         |         |           |                  | 2            |
        |          | integer     | menge   | Menge          | 1       |           |                  |              |
        |          | decimal     | preis   | Preis          |         |           |                  |              |
        |          | calculate   | summe   | Summe          |         |           | ${menge} * ${preis} |           |
        |          | text        | stelle  | Kostenstelle   | 4711    | yes       |                  |              |
        |          | end_repeat  |         |                |         |           |                  |              |
    """))
    questionnaire = render(form, tmp_path / "q.xlsx")
    result = checked(fill_questionnaire(questionnaire, {"menge@2": 3, "preis@2": 2.5}, tmp_path / "f.xlsx"), form)
    assert (result.rows, result.problems) == (
        [RepeatRow("posten", 2, {"menge": 3, "preis": 2.5, "summe": 7.5, "stelle": "4711"})], [])


def test_generate_refuses_a_questionnaire_too_long_for_merge_to_accept(example_project, xlsform):
    choices = "\n".join(f"|  | orte | ort{number} | Ort {number} |" for number in range(60))
    xlsform(f"""
        | survey   |
        |          | type                 | name    | label   |
        |          | begin_repeat         | besuche | Besuche |
        |          | select_multiple orte | wo      | Wo?     |
        |          | end_repeat           |         |         |
        | choices  |
        |          | list_name | name | label |
        {choices}
    """, name="orte.xlsx").replace(example_project.root / "orte.xlsx")
    project = example_project.with_overrides(form="orte.xlsx", repeat_rows=100)  # 100 entries of 62 rows
    with pytest.raises(ProjectError) as caught:
        generate(project)
    assert "merge accepts files only up to row 5000" in str(caught.value) and "repeat_rows" in str(caught.value)
    assert not project.outbox.exists() or not any(project.outbox.glob("*.xlsx"))
    assert len(generate(project.with_overrides(repeat_rows=50)).issued) == 55


# --- merge with this form: register, master.xlsx, the summary instead of Tabelle 1 ---------------------------

@pytest.fixture
def merged(example_project, xlsform):
    xlsform(FORM, name="mobil.xlsx").replace(example_project.root / "mobil.xlsx")
    config = example_project.root / "werkstatt.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('form = "vorlagen/fragebogen.xlsx"',
                                                                         'form = "mobil.xlsx"'), encoding="utf-8")
    project = load_project(example_project.root)
    generate(project)
    files = sorted(project.outbox.glob("*.xlsx"))
    project.inbox.mkdir(exist_ok=True)
    fill_questionnaire(files[0], ANSWERS, project.inbox / files[0].name)
    fill_questionnaire(files[1], {"titel": "Bus", "modes": ["oepnv", "auto"], "massnahme@2": "Takt",
                                  "kosten@2": 80000}, project.inbox / files[1].name)
    fill_questionnaire(files[2], {"titel": "Leer"}, project.inbox / files[2].name)
    fill_questionnaire(files[3], {"modes#fuss": "x"}, project.inbox / files[3].name)  # only a tick
    fill_questionnaire(files[4], {"kosten@2": 5}, project.inbox / files[4].name)  # only an entry
    return project, merge(project)


def test_merge_keeps_select_multiple_as_names_and_repeats_as_rows_keyed_by_werkzeug(merged):
    project, result = merged
    register = result.register.set_index("werkzeug_id")
    assert list(register.loc[["W01", "W02", "W03"], "modes"]) == ["rad oepnv", "oepnv auto", None]
    assert result.repeats.to_dict("records") == [
        {"werkzeug_id": "W01", "werkzeug": register.loc["W01", "werkzeug"], "repeat": "massnahmen", "repeat_row": 1,
         "massnahme": "Brücke über die Rur", "betroffen": "rad fuss", "kosten": 120000, "beginn": dt.date(2026, 3, 1)},
        {"werkzeug_id": "W01", "werkzeug": register.loc["W01", "werkzeug"], "repeat": "massnahmen", "repeat_row": 3,
         "massnahme": "Beschilderung", "betroffen": None, "kosten": 0, "beginn": None},
        {"werkzeug_id": "W02", "werkzeug": register.loc["W02", "werkzeug"], "repeat": "massnahmen", "repeat_row": 2,
         "massnahme": "Takt", "betroffen": None, "kosten": 80000, "beginn": None},
        {"werkzeug_id": "W05", "werkzeug": register.loc["W05", "werkzeug"], "repeat": "massnahmen", "repeat_row": 2,
         "massnahme": None, "betroffen": None, "kosten": 5, "beginn": None},
    ]
    # a return with only a tick, or only an entry of a repeat, is a return
    assert list(register.loc[["W01", "W02", "W03", "W04", "W05"], "status"]) == [
        "eingegangen", "eingegangen", "mit Problemen", "eingegangen", "mit Problemen"]
    assert [(problem.werkzeug_id, problem.code, problem.question) for problem in result.problems] == [
        ("W03", Code.ANSWER_REQUIRED, "Welche Verkehrsarten betrifft das Werkzeug?"),
        ("W05", Code.ANSWER_REQUIRED, "Welche Verkehrsarten betrifft das Werkzeug?"),
        ("W05", Code.ANSWER_REQUIRED, "Bezeichnung der Maßnahme (Eintrag 2)")]
    # master.xlsx shows the labels, and the repeats on a sheet of their own ...
    workbook = load_workbook(project.master_path, read_only=True)
    assert workbook.sheetnames[0] == REGISTER_SHEET and REPEATS_SHEET in workbook.sheetnames
    shown = [row for row in workbook[REGISTER_SHEET].iter_rows(min_row=3, max_row=4, values_only=True)]
    modes = next(workbook[REGISTER_SHEET].iter_rows(max_row=1, values_only=True)).index("modes")
    assert [row[modes] for row in shown] == ["Radverkehr; Öffentlicher Nahverkehr",
                                             "Öffentlicher Nahverkehr; Autoverkehr"]
    headers = next(workbook[REPEATS_SHEET].iter_rows(min_row=2, max_row=2, values_only=True))
    assert headers[:5] == ("Werkzeug-ID", "Werkzeug", "Wiederholung", "Eintrag", "Bezeichnung der Maßnahme")
    # ... and both read back by key as the register holds them
    assert list(read_register(project)["modes"][:3].fillna("")) == ["rad oepnv", "oepnv auto", ""]
    again = read_repeats(project)
    assert list(again["werkzeug_id"]) == ["W01", "W01", "W02", "W05"] and list(again["repeat_row"]) == [1, 3, 2, 2]
    assert list(again["betroffen"].fillna("")) == ["rad fuss", "", "", ""]


def test_merge_with_a_form_tabelle1_does_not_fit_writes_the_summary_and_says_why(merged):
    project, result = merged
    assert result.report_path == project.summary_path == project.results / "auswertung.xlsx"
    assert result.overrides_path is None and not project.report_workbook_path.exists()
    (warning,) = result.warnings
    assert "tabelle1.toml" in warning and "mobil.xlsx" in warning and str(project.summary_path) in warning
    sheet = load_workbook(result.report_path)["Auswertung"]
    cells = [[value for value in row if value is not None] for row in sheet.iter_rows(values_only=True)]
    at = cells.index(["Welche Verkehrsarten betrifft das Werkzeug?"])
    assert cells[at + 1:at + 7] == [["Antwort", "Anzahl", "Anteil"], ["Radverkehr", 1, 0.2], ["Fußverkehr", 1, 0.2],
                                    ["Öffentlicher Nahverkehr", 2, 0.4], ["Autoverkehr", 1, 0.2],
                                    ["ohne Antwort", 2, 0.4]]
    at = cells.index(["Kosten in Euro (Wiederholung „Maßnahmen“, alle Einträge)"])
    assert cells[at + 1:at + 6] == [["Anzahl", 4], ["Kleinster Wert", 0], ["Größter Wert", 120000],
                                    ["Mittelwert", 200005 / 4], ["Median", 40002.5]]
    at = cells.index(["Bezeichnung der Maßnahme (Wiederholung „Maßnahmen“, alle Einträge)"])
    werkzeug = result.register.set_index("werkzeug_id").loc["W01", "werkzeug"]
    assert cells[at + 2] == [f"{werkzeug} (Eintrag 1)", "Brücke über die Rur"]
    with zipfile.ZipFile(result.report_path) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        assert len(charts) == 2  # one per choice question: modes, betroffen
        assert b"<c:barChart>" in archive.read(charts[0])


def test_report_also_writes_the_summary_where_tabelle1_does_not_fit(merged):
    project, merged_result = merged
    written = project.summary_path.read_bytes()
    project.summary_path.unlink()
    result = report(project)
    assert result.workbook == project.summary_path and result.warnings == merged_result.warnings
    assert (result.werkzeuge, len(result.without_return)) == (55, 50)
    sheet = lambda path: [row for row in load_workbook(path)["Auswertung"].iter_rows(values_only=True)]  # noqa: E731
    (project.results / "vorher.xlsx").write_bytes(written)
    assert sheet(result.workbook) == sheet(project.results / "vorher.xlsx")
    assert not project.report_workbook_path.exists()


def test_labels_holding_the_separator_read_back_as_their_choices(xlsform):
    form = load_form(xlsform("""
        | survey  |
        |         | type              | name | label |
        |         | select_multiple l | q    | Q     |
        | choices |
        |         | list_name | name | label   |
        |         | l         | a    | A; B    |
        |         | l         | b    | B       |
        |         | l         | c    | A       |
    """))
    frame = pandas.DataFrame({"q": ["a", "b c", "a b", "c", None]}, dtype=object)
    shown = readable(frame, form.questions)
    assert list(shown["q"]) == ["A; B", "B; A", "A; B; B", "A", None]
    assert list(from_readable(shown, form.questions)["q"]) == list(frame["q"])
    edited = pandas.DataFrame({"q": ["von Hand", "B; B"]}, dtype=object)  # typed into master.xlsx: kept
    assert list(from_readable(edited, form.questions)["q"]) == ["von Hand", "B; B"]


def summary_dump(path: Path) -> list[str]:
    """The golden dump of the cells and the XML of each chart."""
    with zipfile.ZipFile(path) as archive:
        charts = [archive.read(name).decode() for name in sorted(archive.namelist()) if name.startswith("xl/charts/")]
    return [*dump(path), *charts]


def test_the_summary_matches_the_golden_file(form, tmp_path):
    register = pandas.DataFrame({
        "werkzeug_id": ["W1", "W2", "W3", "W4"], "werkzeug": ["Radweg", "Bus & Bahn", "=Formel?", "Offen"],
        "status": ["eingegangen", "mit Problemen", "eingegangen", "offen"],
        "titel": ["Radweg Nord", None, "=1+1", None], "modes": ["rad oepnv", "oepnv auto", None, None],
        "rad_details": ["Abstellanlagen", None, None, None]}, dtype=object)
    repeats = pandas.DataFrame({
        "werkzeug_id": ["W1", "W1", "W2"], "werkzeug": ["Radweg", "Radweg", "Bus & Bahn"],
        "repeat": ["massnahmen"] * 3, "repeat_row": [1, 3, 1], "massnahme": ["Brücke", "Schilder", None],
        "betroffen": ["rad fuss", None, "auto"], "kosten": [120000, 0, 2.5],
        "beginn": [dt.date(2026, 3, 1), None, None]}, dtype=object)
    path = write_summary(tmp_path / "auswertung.xlsx", summarize(form, register, repeats), "Zwischenbilanz 2026")
    assert_matches_golden(path, SUMMARY_GOLDEN, summary_dump)


def test_the_summary_counts_select_one_by_label_and_only_returns_that_count(xlsform):
    form = load_form(xlsform("""
        | survey  |
        |         | type              | name   | label   |
        |         | select_one ja_nein | umsetzung | Umgesetzt? |
        |         | decimal           | anteil | Anteil  |
        | choices |
        |         | list_name | name | label |
        |         | ja_nein   | ja   | Ja    |
        |         | ja_nein   | nein | Nein  |
    """))
    register = pandas.DataFrame({
        "werkzeug_id": ["W1", "W2", "W3", "W4"], "werkzeug": ["A", "B", "C", "D"],
        "status": ["eingegangen", "mit Problemen", "unbestätigt", "abgelehnt"],
        "umsetzung": ["Ja", "Ja", "Nein", "Nein"], "anteil": [None, None, 3.5, 1.0]}, dtype=object)
    choices, numbers = summarize(form, register).sections
    assert (choices.counts, choices.unanswered, choices.answered) == ((("Ja", 2), ("Nein", 0)), 0, 2)
    assert numbers == NumberSummary("Anteil", 0, None, None, None, None)


def test_the_summary_and_master_are_written_all_or_none(merged, monkeypatch):
    project, _ = merged
    before = project.master_path.read_bytes()
    (project.inbox / "neu.xlsx").write_bytes((project.inbox / sorted(p.name for p in project.inbox.iterdir())[0])
                                             .read_bytes())

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("werkstatt_xl.round.inbox.write_summary", broken)
    with pytest.raises(OSError):
        merge(project)
    assert project.master_path.read_bytes() == before


def test_a_report_definition_naming_a_question_of_a_repeat_does_not_fit(form):
    definition = template_path("tabelle1.toml").read_text(encoding="utf-8")
    with pytest.raises(ReportDefinitionError) as caught:
        load_report_definition(template_path("tabelle1.toml"), replace(form, elements=tuple(
            replace(question, name="umsetzung") if question.name == "massnahme" else question
            for question in form.elements)))
    codes = {problem.code for problem in caught.value.problems}
    assert Code.REPORT_QUESTION_IN_REPEAT in codes and codes <= FORM_MISMATCH
    line = next(problem.line for problem in caught.value.problems if problem.code == Code.REPORT_QUESTION_IN_REPEAT)
    assert 'question = "umsetzung"' in definition.splitlines()[line - 1]


def test_the_warning_is_german_on_a_german_terminal(merged, german):
    project, _ = merged
    result = CliRunner().invoke(main, ["merge", "-p", str(project.root)])
    assert result.exit_code == 0, result.output
    assert "Die Berichtsdefinition tabelle1.toml passt nicht zum Formular mobil.xlsx" in result.output
    assert str(project.summary_path) in result.output
