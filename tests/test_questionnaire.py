"""The questionnaire workbook (golden file) and issuing a round with ``generate``.

The golden file ``tests/golden/fragebogen.xlsx`` is the questionnaire of one fixed Werkzeug;
``tests/golden.py`` says how to rewrite it after an intended change.
"""

import datetime as dt
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from golden import assert_matches_golden, dump
from openpyxl import load_workbook
from openpyxl.styles import PatternFill
from python_calamine import CalamineWorkbook

from werkstatt_xl import questionnaire
from werkstatt_xl.anchors import META_KEYS, parse_marker
from werkstatt_xl.catalogue import Werkzeug, load_catalogue
from werkstatt_xl.form import default_form_path, load_form
from werkstatt_xl.issue_log import ISSUE_LOG, read_issue_log
from werkstatt_xl.questionnaire import LISTS_SHEET, META_SHEET, SHEET, file_name, render_questionnaire
from werkstatt_xl.round import Project, generate, outbox

GOLDEN = Path(__file__).parent / "golden" / "fragebogen.xlsx"
TOKEN = "0123456789abcdef"
WERKZEUG = Werkzeug(
    werkzeug_id="W31", handlungsfeld="Mobilität & (Nah-)Versorgung", werkzeug="Bürgerbus & Dorfladen „Mitte“",
    kategorie="neu", seite="23", fachamt="Amt für Mobilität", ansprechpartner="Erika Mustermann",
    email="mobilitaet@example.org", handlungsfeld_nr=4, row=32,
)
ANSWERS = {"umsetzung": "Nein", "gruende_nicht_begonnen": "Fehlende Mittel;\n„Förderung“ abgelehnt.",
           "erfolg": "k.A.", "zeitplan": "Trifft eher zu", "gruende_verzoegerung": "Personalwechsel",
           "anmerkungen": "Danke & Grüße"}


def render(path: Path, project: Project, werkzeug: Werkzeug = WERKZEUG, form=None) -> Path:
    render_questionnaire(path, form or load_form(default_form_path(), values=project.round_values), werkzeug, TOKEN, project)
    return path


def round_project(root: Path) -> Project:
    return Project(root=root, title="Zwischenbilanz 2019", deadline=dt.date(2019, 12, 13))


# --- a structured dump of a workbook, for comparing with the golden file -------------------------

def test_the_questionnaire_matches_the_golden_file(tmp_path):
    assert_matches_golden(render(tmp_path / "fragebogen.xlsx", round_project(tmp_path)), GOLDEN)


def test_the_golden_dump_sees_a_change_of_one_format(tmp_path):
    """The comparison is not blind: one cell's fill, one validation message differ."""
    changed = tmp_path / "changed.xlsx"
    workbook = load_workbook(GOLDEN, rich_text=True)
    sheet = workbook[SHEET]
    sheet["C7"].fill = PatternFill("solid", fgColor="FF00FF00")
    sheet.data_validations.dataValidation[0].error = "anders"
    workbook.save(changed)
    difference = set(dump(changed)) ^ set(dump(GOLDEN))
    assert {line.split(":")[0] for line in difference} == {
        f"sheet {SHEET} / cells / C7", f"sheet {SHEET} / validations"}


# --- what the golden file must hold, asserted independently of it --------------------------------

@pytest.fixture(scope="module")
def golden_workbook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("questionnaire")
    path = render(folder / "fragebogen.xlsx", round_project(folder))
    return load_workbook(path, rich_text=True), path


def answer_cells(sheet) -> dict[str, object]:
    """Question name -> the answer cell left of its ``wxl:`` marker."""
    cells = {}
    for row in sheet.iter_rows():
        for cell in row:
            marker = parse_marker(cell.value)
            if marker and marker[0] == "answer":
                cells[marker[1]] = sheet.cell(row=cell.row, column=cell.column - 1)
    return cells


def test_answer_cells_are_unlocked_and_everything_else_is_locked(golden_workbook):
    workbook, _ = golden_workbook
    sheet = workbook[SHEET]
    form = load_form(default_form_path())
    cells = answer_cells(sheet)

    assert list(cells) == form.answer_names()
    prefilled = {"werkzeugtitel", "seitenangabe", "ansprechpartner_in"}
    assert {name for name, cell in cells.items() if cell.protection.locked} == prefilled
    open_cells = {cell.coordinate for name, cell in cells.items() if name not in prefilled}
    assert all(cell.protection.locked for row in sheet.iter_rows() for cell in row
               if cell.coordinate not in open_cells)
    for candidate in (sheet, workbook[LISTS_SHEET], workbook[META_SHEET]):
        assert candidate.protection.sheet is True and candidate.protection.formatRows is False
        assert candidate.protection.password is None


def test_prefilled_fields_hold_the_werkzeug_and_formulas_stay_text(tmp_path):
    werkzeug = Werkzeug("W1", "Bildung", "=HYPERLINK(\"http://x\",\"klick\")", "neu", "", "", "", "", 1, 2)
    path = render(tmp_path / "q.xlsx", round_project(tmp_path), werkzeug)
    sheet = load_workbook(path)[SHEET]
    cells = answer_cells(sheet)
    assert cells["werkzeugtitel"].value == werkzeug.werkzeug and cells["werkzeugtitel"].data_type == "s"
    assert cells["seitenangabe"].value is None and cells["seitenangabe"].protection.locked is False  # empty: to fill in
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_sheets_columns_print_setup_and_metadata(golden_workbook):
    workbook, _ = golden_workbook
    sheet = workbook[SHEET]

    assert workbook.sheetnames == [SHEET, LISTS_SHEET, META_SHEET] and workbook.active.title == SHEET
    assert [ws.sheet_state for ws in workbook.worksheets] == ["visible", "hidden", "veryHidden"]
    assert sheet.column_dimensions["D"].hidden is True and not sheet.column_dimensions["C"].hidden
    assert (sheet.page_setup.paperSize, sheet.page_setup.orientation) == (9, "portrait")  # A4
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0  # None: default 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_area == "'Fragebogen'!$A$1:$C$28"
    assert (sheet.oddFooter.left.text, sheet.oddFooter.left.size) == ("Bürgerbus && Dorfladen „Mitte“", 8)
    assert sheet.oddFooter.right.text == "Seite &P von &N"
    meta = {row[0]: row[1] for row in workbook[META_SHEET].iter_rows(values_only=True)}
    assert meta == {"wxl.meta.form_id": "zwischenbilanz_werkstattplan", "wxl.meta.form_version": "2019.1",
                    "wxl.meta.werkzeug_id": "W31", "wxl.meta.token": TOKEN,
                    "wxl.meta.werkzeug": WERKZEUG.werkzeug, "wxl.meta.round": "Zwischenbilanz 2019"}
    assert set(META_KEYS) <= {parse_marker(key)[1] for key in meta}


def test_dropdowns_point_at_the_hidden_lists_and_skips_grey_out(golden_workbook):
    workbook, _ = golden_workbook
    sheet = workbook[SHEET]
    cells = {name: cell.coordinate for name, cell in answer_cells(sheet).items()}
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}

    umsetzung = validations[cells["umsetzung"]]
    assert (umsetzung.type, umsetzung.formula1) == ("list", "Listen!$A$2:$A$3")
    assert umsetzung.errorStyle in (None, "stop") and umsetzung.showErrorMessage  # None: default stop
    assert umsetzung.error == "Erlaubt sind: Ja, Nein."
    assert validations[cells["erfolg"]].formula1 == "Listen!$B$2:$B$6"
    assert validations[cells["zeitplan"]].formula1 == "Listen!$C$2:$C$6"
    assert [row[0] for row in workbook[LISTS_SHEET].iter_rows(values_only=True) if row[0]] == ["ja_nein", "Ja", "Nein"]
    rules = {str(rng.sqref): [rule.formula for rule in rng.rules] for rng in sheet.conditional_formatting}
    assert rules == {
        cells["gruende_nicht_begonnen"]: [['NOT($C$7="Nein")']],
        cells["gruende_verzoegerung"]: [['NOT(AND($C$18<>"",$C$18<>"Trifft zu"))']],
        cells["gruende_budget"]: [['NOT(AND($C$22<>"",$C$22<>"Trifft zu"))']],
        cells["gruende_beendigung"]: [['NOT(AND($C$25<>"",$C$25<>"Trifft zu"))']],
    }
    assert (cells["umsetzung"], cells["zeitplan"], cells["budget"], cells["fortfuehrung"]) == \
        ("C7", "C18", "C22", "C25")


def test_the_sheet_shows_the_seeds_fragebogen_in_order(golden_workbook):
    _, path = golden_workbook
    rows = CalamineWorkbook.from_path(path).get_sheet_by_name(SHEET).to_python()
    texts = [str(value) for row in rows for value in row[:3] if value != ""]
    agreement = "Trifft zu · Trifft eher zu · Trifft eher nicht zu · Trifft nicht zu · k.A.*"

    assert texts == [
        "Zwischenbilanz 2019 „Werkstattplan“",
        "Bitte füllen Sie die gelb hinterlegten Felder aus und senden Sie diese Datei bis zum 13.12.2019 zurück. "
        "Felder mit Auswahlliste öffnen Sie mit dem Pfeil rechts neben der Zelle. Grau hinterlegte Felder sind "
        "nach Ihren Antworten nicht auszufüllen. Fragen mit dem Vermerk „Pflichtangabe“ müssen beantwortet werden.",
        "Werkzeugtitel", WERKZEUG.werkzeug, "Seitenangabe im „Werkstattplan“", "23",
        "Ansprechpartner/-in", "Erika Mustermann",
        "1", "Mit der Umsetzung des Projekts wurde begonnen.\nJa · Nein\nPflichtangabe",
        "1.1", "Falls ja, weiter ab 2",
        "1.2", "Falls nein, Gründe:\nNur ausfüllen, wenn Frage 1 mit „Nein“ beantwortet ist.",
        "Gesamt", "Sehr hoch · Hoch · Eher niedrig · Niedrig · k.A.*",
        "2", "Wie beurteilen Sie den (bisherigen) Erfolg des Projekts?",
        "2.1", "Was sind Erfolgsfaktoren?",
        "2.2", "Welche Probleme sind aufgetreten?",
        "3", "Wie bewerten Sie die Übertragbarkeit des Projekts auf andere Regionen?",
        "4", "Wie werden/wurden die Fachämter der Kreisverwaltung eingebunden/informiert?",
        "5", "Wie wird/wurde die Öffentlichkeit eingebunden/informiert?",
        "Zeitplan", agreement,
        "6", "Die (bisherigen) Einzelmaßnahmen wurden in den angegebenen Zeiträumen erfüllt.",
        "6.1", "Ggf. Gründe für die zeitlichen Verzögerungen:\n"
        "Nur ausfüllen, wenn Frage 6 mit einer anderen Antwort als „Trifft zu“ beantwortet ist.",
        "6.2", "Das Projekt wurde abgeschlossen.",
        "Budget", agreement,
        "7", "Das eingeplante Budget zur Durchführung des Projekts ist/war ausreichend.",
        "7.1", "Ggf. Gründe für mangelndes Budget:\n"
        "Nur ausfüllen, wenn Frage 7 mit einer anderen Antwort als „Trifft zu“ beantwortet ist.",
        "Verstetigung", agreement,
        "8", "Das Projekt wird auch nach 2020 fortgeführt.",
        "8.1", "Ggf. Gründe für die Beendigung:\n"
        "Nur ausfüllen, wenn Frage 8 mit einer anderen Antwort als „Trifft zu“ beantwortet ist.",
        "Weitere Anmerkungen:",
        "* k.A.: keine Angabe (möglich)",
    ]


def test_number_and_date_questions_get_their_validations(xlsform, tmp_path):
    form = load_form(xlsform("""
        | survey |
        |        | type    | name   | label  | hint              | number |
        |        | integer | anzahl | Anzahl |                   | 1      |
        |        | decimal | euro   | Betrag | In Euro, z. B. 12,50 | 2   |
        |        | date    | ende   | Ende   |                   | 3      |
        |        | text    | frei   | Frei   |                   | 4      |
        | choices |
        |         | list_name | name | label |
        | settings |
        |          | form_id | version | form_title |
        |          | zahlen  | 1       | Zahlen     |
    """))
    path = render(tmp_path / "q.xlsx", round_project(tmp_path), form=form)
    sheet = load_workbook(path)[SHEET]
    cells = answer_cells(sheet)
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}

    anzahl, euro, ende = (validations[cells[name].coordinate] for name in ("anzahl", "euro", "ende"))
    assert (anzahl.type, anzahl.prompt, anzahl.error) == (
        "whole", "Anzahl\nBitte eine ganze Zahl eingeben.", "Bitte eine ganze Zahl eingeben.")
    assert anzahl.operator in (None, "between")  # None: the default, between
    assert (float(anzahl.formula1), float(anzahl.formula2)) == (-1e15, 1e15)
    assert (euro.type, euro.prompt, euro.error, euro.promptTitle) == (
        "decimal", "Betrag\nIn Euro, z. B. 12,50", "Bitte eine Zahl eingeben.", "Frage 2")
    assert (ende.type, ende.prompt) == ("date", "Ende\nBitte ein Datum eingeben, z. B. 15.12.2026.")
    assert cells["ende"].number_format == "dd.mm.yyyy"
    assert cells["frei"].coordinate not in validations  # free text: no rule, no message


def test_input_boxes_have_a_short_title_and_the_whole_question_in_the_message(golden_workbook, xlsform, tmp_path):
    """Excel shows 32 characters of a title: "8 Das Projekt wird auch nach 202" was cut mid-word."""
    workbook, _ = golden_workbook
    sheet = workbook[SHEET]
    cells = answer_cells(sheet)
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    fortfuehrung = validations[cells["fortfuehrung"].coordinate]
    assert fortfuehrung.promptTitle == "Frage 8"
    assert fortfuehrung.prompt == ("Das Projekt wird auch nach 2020 fortgeführt.\nTrifft zu, Trifft eher zu, Trifft "
                                   "eher nicht zu, Trifft nicht zu oder k.A. (keine Angabe).")

    long_label = "Wie viele Personen haben das Angebot im vergangenen Jahr genutzt?"
    form = load_form(xlsform(f"""
        | survey |
        |        | type    | name     | label        | hint          |
        |        | integer | personen | {long_label} | {"Zahl " * 60} |
        | choices |
        |         | list_name | name | label |
        | settings |
        |          | form_id | version | form_title |
        |          | zahlen  | 1       | Zahlen     |
    """))
    sheet = load_workbook(render(tmp_path / "q.xlsx", round_project(tmp_path), form=form))[SHEET]
    [box] = sheet.data_validations.dataValidation
    assert box.promptTitle == "Wie viele Personen haben das…" and len(box.promptTitle) <= 32
    assert box.prompt.startswith(long_label + "\nZahl Zahl") and box.prompt.endswith("Zahl…")
    assert len(box.prompt) <= 255


def test_choices_outside_a_group_are_shown_below_the_question_as_the_seed_does(golden_workbook):
    workbook, _ = golden_workbook
    sheet = workbook[SHEET]
    cells = answer_cells(sheet)
    label = sheet.cell(row=cells["umsetzung"].row, column=2).value
    assert [str(run) for run in label] == ["Mit der Umsetzung des Projekts wurde begonnen.", "\nJa · Nein",
                                           "\nPflichtangabe"]
    assert sheet.cell(row=cells["erfolg"].row, column=2).value == \
        "Wie beurteilen Sie den (bisherigen) Erfolg des Projekts?"  # the group's header shows its scale


def test_required_questions_are_marked_and_the_mark_explained_once(golden_workbook, xlsform, tmp_path):
    workbook, _ = golden_workbook
    sheet = workbook[SHEET]
    texts = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
    assert sum("Pflichtangabe" in value for value in texts) == 2  # the intro and question 1
    assert "Fragen mit dem Vermerk „Pflichtangabe“ müssen beantwortet werden." in sheet["A2"].value
    label = sheet.cell(row=answer_cells(sheet)["umsetzung"].row, column=2).value
    assert label[2].font.color.rgb == "FFC00000" and label[2].font.b  # red and bold
    # Werkzeugtitel is required too, but filled in from the catalogue: nothing for the department to do

    form = load_form(xlsform("""
        | survey |
        |        | type | name  | label | required | prefill |
        |        | text | titel | Titel | yes      | seite   |
        |        | text | frei  | Frei  |          |         |
        | choices |
        |         | list_name | name | label |
        | settings |
        |          | form_id | version | form_title |
        |          | frei    | 1       | Frei       |
    """))
    path = render(tmp_path / "q.xlsx", round_project(tmp_path), replace(WERKZEUG, seite=""), form=form)
    sheet = load_workbook(path, rich_text=True)[SHEET]
    cells = answer_cells(sheet)
    assert [str(run) for run in sheet.cell(row=cells["titel"].row, column=1).value] == ["Titel", "\nPflichtangabe"]
    assert "„Pflichtangabe“ müssen beantwortet werden" in sheet["A3"].value
    path = render(tmp_path / "q2.xlsx", round_project(tmp_path), form=form)  # prefilled: not marked
    assert "Pflichtangabe" not in str([cell.value for row in load_workbook(path)[SHEET].iter_rows() for cell in row])


@pytest.mark.parametrize("round_title, form_title, heading", [
    ("Zwischenbilanz 2019", "Zwischenbilanz „Werkstattplan“", ["Zwischenbilanz 2019 „Werkstattplan“"]),
    ("Zwischenbilanz 2019", "zwischenbilanz 2019", ["Zwischenbilanz 2019"]),
    ("Umfrage 2020", "Zwischenbilanz „Werkstattplan“", ["Umfrage 2020", "Zwischenbilanz „Werkstattplan“"]),
    ("", "Zwischenbilanz „Werkstattplan“", ["Zwischenbilanz „Werkstattplan“"]),
])
def test_the_heading_says_a_word_the_two_titles_share_once(xlsform, tmp_path, round_title, form_title, heading):
    form = load_form(xlsform(f"""
        | survey |
        |        | type | name | label |
        |        | text | frei | Frei  |
        | choices |
        |         | list_name | name | label |
        | settings |
        |          | form_id | version | form_title   |
        |          | frei    | 1       | {form_title} |
    """))
    project = Project(root=tmp_path, title=round_title, deadline=dt.date(2019, 12, 13))
    sheet = load_workbook(render(tmp_path / "q.xlsx", project, form=form))[SHEET]
    assert [sheet.cell(row=row, column=1).value for row in range(1, len(heading) + 1)] == heading
    assert sheet.cell(row=len(heading) + 1, column=1).value.startswith("Bitte füllen Sie")


def test_a_skip_note_names_a_question_without_number_by_its_label(xlsform, tmp_path):
    form = load_form(xlsform("""
        | survey |
        |        | type               | name   | label            | relevant                       | number |
        |        | select_one ja_nein | frage  | Gibt es Partner? |                                |        |
        |        | text               | namen  | Welche?          | ${frage} = 'ja'                | 1      |
        |        | integer            | anzahl | Wie viele?       | ${frage} = 'ja' and ${namen} != '' | 2  |
        | choices |
        |         | list_name | name | label |
        |         | ja_nein   | ja   | Ja    |
        |         | ja_nein   | nein | Nein  |
        | settings |
        |          | form_id | version | form_title |
        |          | partner | 1       | Partner    |
    """))
    sheet = load_workbook(render(tmp_path / "q.xlsx", round_project(tmp_path), form=form))[SHEET]
    notes = [str(cell.value).split("\n")[-1] for row in sheet.iter_rows(min_col=2, max_col=2) for cell in row
             if cell.value and "Nur ausfüllen" in str(cell.value)]
    assert notes == ["Nur ausfüllen, wenn „Gibt es Partner?“ mit „Ja“ beantwortet ist.",
                     "Nur ausfüllen, wenn „Gibt es Partner?“ mit „Ja“ beantwortet ist und Frage 1 beantwortet ist."]


def test_file_names_are_ascii_and_keep_the_handlungsfeld_number():
    def named(werkzeug: str, number: int = 4, werkzeug_id: str = "W31") -> str:
        return file_name(Werkzeug(werkzeug_id, "Feld", werkzeug, "neu", "", "", "", "", number, 2), 7)

    assert named("Bürgerbus & Dorfläden „Mitte“ – Café") == "4-07_Buergerbus_Dorflaeden_Mitte_Cafe.xlsx"
    assert named("Straße " + "sehr lange Bezeichnung " * 4, 1) == \
        "1-07_Strasse_sehr_lange_Bezeichnung_sehr_lange.xlsx"
    assert named("„…“", 2, "W 9/1") == "2-07_W91.xlsx"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def tokens(project: Project) -> dict[str, str]:
    return {entry.werkzeug_id: entry.token for entry in read_issue_log(project.issue_log)}


def test_generate_writes_one_questionnaire_per_werkzeug_and_the_issue_log(example_project):
    catalogue = load_catalogue(example_project.catalogue_path)

    result = generate(example_project)

    files = sorted(path.name for path in example_project.outbox.glob("*.xlsx"))
    assert len(files) == 55 == len(result.issued) and result.warnings == ()
    assert len({name.lower() for name in files}) == 55
    assert all(re.fullmatch(r"[1-7]-\d\d_[A-Za-z0-9_-]+\.xlsx", name) for name in files), files
    issued = read_issue_log(example_project.issue_log)
    assert issued == list(result.issued)
    assert [entry.werkzeug_id for entry in issued] == [w.werkzeug_id for w in catalogue.werkzeuge]
    assert len({entry.token for entry in issued}) == 55
    assert all(re.fullmatch(r"[0-9a-f]{16}", entry.token) for entry in issued)
    for werkzeug, entry in zip(catalogue.werkzeuge, issued):
        assert entry.file.startswith(f"{werkzeug.handlungsfeld_nr}-")
        assert (entry.werkzeug, entry.form_id, entry.form_version) == (
            werkzeug.werkzeug, "zwischenbilanz_werkstattplan", "2019.1")
        found = scan(example_project.outbox / entry.file)
        assert found["meta"] == {"form_id": entry.form_id, "form_version": entry.form_version,
                                 "werkzeug_id": werkzeug.werkzeug_id, "token": entry.token,
                                 "werkzeug": werkzeug.werkzeug, "round": "Zwischenbilanz 2019"}
        assert found["answers"]["werkzeugtitel"] == werkzeug.werkzeug
    assert sorted(path.name for path in example_project.outbox.iterdir()) == sorted([*files, ISSUE_LOG])


def test_regenerating_keeps_tokens_and_reissue_replaces_them(example_project, xlsform):
    first = generate(example_project)
    again = generate(example_project)
    assert again.reused_tokens == 55 and tokens(example_project) == {e.werkzeug_id: e.token for e in first.issued}
    assert [e.issued_at for e in again.issued] == [e.issued_at for e in first.issued]

    reissued = generate(example_project, reissue=True)

    assert reissued.reused_tokens == 0
    assert not set(tokens(example_project).values()) & {e.token for e in first.issued}
    newer_form = shutil.copyfile(default_form_path(), example_project.root / "fragebogen-2020.xlsx")
    workbook = load_workbook(newer_form)
    workbook["settings"]["C2"] = "2020.1"
    workbook.save(newer_form)
    newer = generate(example_project.with_overrides(form=newer_form.name))
    assert newer.reused_tokens == 0 and {e.form_version for e in newer.issued} == {"2020.1"}


def test_a_failure_midway_leaves_the_outbox_as_it_was(example_project, monkeypatch):
    generate(example_project)
    before = snapshot(example_project.outbox)
    rendered = []

    def render_until_the_tenth(path, *args):
        rendered.append(path)
        if len(rendered) == 10:
            raise RuntimeError("disk full")
        questionnaire_render(path, *args)

    questionnaire_render = questionnaire.render_questionnaire
    monkeypatch.setattr(outbox, "render_questionnaire", render_until_the_tenth)
    with pytest.raises(RuntimeError, match="disk full"):
        generate(example_project, reissue=True)

    assert len(rendered) == 10
    assert snapshot(example_project.outbox) == before
    assert [path.name for path in example_project.root.iterdir() if path.name.startswith(".")] == []


def test_the_outbox_gets_the_usual_permissions_not_private_ones(example_project):
    generate(example_project)
    umask = os.umask(0)
    os.umask(umask)
    assert example_project.outbox.stat().st_mode & 0o777 == 0o777 & ~umask
    assert all(path.stat().st_mode & 0o777 == 0o666 & ~umask for path in example_project.outbox.iterdir())


# --- a filled questionnaire through LibreOffice ------------------------------------------------

def scan(path: Path) -> dict[str, dict[str, object]]:
    """Answers (left of each ``wxl:`` marker) and metadata (right of each key) of any sheet."""
    workbook = CalamineWorkbook.from_path(path)
    found = {"answers": {}, "meta": {}}
    for name in workbook.sheet_names:
        for row in workbook.get_sheet_by_name(name).to_python():
            for column, value in enumerate(row):
                marker = parse_marker(value)
                if marker and marker[0] == "answer":
                    found["answers"][marker[1]] = row[column - 1]
                elif marker:
                    found["meta"][marker[1]] = row[column + 1]
    return found


def test_answers_markers_and_metadata_survive_libreoffice(tmp_path, soffice):
    questionnaire_path = render(tmp_path / "fragebogen.xlsx", round_project(tmp_path))
    workbook = load_workbook(questionnaire_path, rich_text=True)
    cells = answer_cells(workbook[SHEET])
    for name, value in ANSWERS.items():
        cells[name].value = value
    filled = tmp_path / "ausgefuellt.xlsx"
    workbook.save(filled)
    expected = {name: "" for name in load_form(default_form_path()).answer_names()}
    expected.update(werkzeugtitel=WERKZEUG.werkzeug, seitenangabe="23", ansprechpartner_in="Erika Mustermann",
                    **ANSWERS)

    for target in ("ods", "xlsx"):
        converted = soffice(filled, target, tmp_path / target)
        found = scan(converted)
        assert found["answers"] == expected, target
        assert {key: found["meta"][key] for key in META_KEYS} == {
            "form_id": "zwischenbilanz_werkstattplan", "form_version": "2019.1", "werkzeug_id": "W31",
            "token": TOKEN}, target

    saved = load_workbook(tmp_path / "xlsx" / "ausgefuellt.xlsx")[SHEET]
    umsetzung = answer_cells(saved)["umsetzung"].coordinate
    (dropdown,) = [v for v in saved.data_validations.dataValidation if umsetzung in v.sqref]
    assert dropdown.type == "list" and dropdown.formula1.replace("'", "") == "Listen!$A$2:$A$3"
    assert saved.protection.sheet is True


def test_text_answers_are_formatted_as_text_so_spreadsheets_do_not_convert_them(golden_workbook):
    workbook, _ = golden_workbook
    form = load_form(default_form_path())
    cells = answer_cells(workbook[SHEET])
    formats = {question.name: cells[question.name].number_format for question in form.questions
               if not question.prefill}
    assert {name for name, number_format in formats.items() if number_format == "@"} == {
        question.name for question in form.questions if question.type == "text" and not question.prefill}
    assert formats["umsetzung"] == "General"
