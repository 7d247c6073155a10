"""XLSForm features a workbook can express, end to end: the form read, the questionnaire rendered and filled,
saved by LibreOffice, read back and checked on merge exactly as answered; and what it cannot express, left
out with a notice."""

import datetime as dt

import pytest
from openpyxl import load_workbook

from werkstatt_xl.catalogue import Werkzeug
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.form import load_form
from werkstatt_xl.ingest import read_return
from werkstatt_xl.messages import Code
from werkstatt_xl.questionnaire import SHEET, render_questionnaire
from werkstatt_xl.round import Project
from werkstatt_xl.validate import check_answers

FORM = """
| survey |
|        | type                        | name    | label                                  | hint  | constraint                    | calculation      | default  | read_only | choice_filter | required | required_message    | relevant          |
|        | text                        | name    | Name                                   |       |                               |                  |          |           |               | yes      | Bitte Namen angeben |                   |
|        | integer                     | anzahl  | Anzahl                                 |       | . >= 0 and . < 100            |                  | 2        |           |               |          |                     |                   |
|        | decimal                     | anteil  | Anteil                                 |       |                               |                  |          |           |               |          |                     |                   |
|        | date                        | datum   | Datum                                  |       | . <= today()                  |                  |          |           |               |          |                     |                   |
|        | time                        | uhrzeit | Uhrzeit                                |       |                               |                  |          |           |               |          |                     |                   |
|        | dateTime                    | termin  | Termin                                 |       |                               |                  |          |           |               |          |                     |                   |
|        | select_one land             | land    | Land                                   |       |                               |                  |          |           |               |          |                     |                   |
|        | select_one ort              | ort     | Ort                                    |       |                               |                  |          |           | land=${land}  |          |                     |                   |
|        | select_one ja_nein or_other | wahl    | Wahl                                   |       |                               |                  |          |           |               |          |                     |                   |
|        | calculate                   | doppelt | Doppelte Anzahl                        |       |                               | ${anzahl} * 2    |          |           |               |          |                     |                   |
|        | note                        | hinweis | Hallo ${name}, Sie zählen ${doppelt}.  |       |                               |                  |          |           |               |          |                     |                   |
|        | text                        | fest    | Fest                                   |       |                               |                  | Vorgabe  | yes       |               |          |                     |                   |
|        | acknowledge                 | gelesen | Gelesen?                               |       |                               |                  |          |           |               |          |                     |                   |
|        | text                        | mail    | E-Mail                                 |       | regex(., '^[^@ ]+@[^@ ]+$')   |                  |          |           |               |          |                     | ${anzahl} > 1     |
|        | begin group                 | g1      | Erste Gruppe                           |       |                               |                  |          |           |               |          |                     |                   |
|        | text                        | wert    | Wert                                   |       |                               |                  |          |           |               |          |                     |                   |
|        | end group                   |         |                                        |       |                               |                  |          |           |               |          |                     |                   |
|        | begin_group                 | g2      | Zweite Gruppe                          |       |                               |                  |          |           |               |          |                     |                   |
|        | text                        | wert    | Wert                                   |       |                               |                  |          |           |               |          |                     |                   |
|        | end_group                   |         |                                        |       |                               |                  |          |           |               |          |                     |                   |
|        | geopoint                    | gps     | Standort                               |       |                               |                  |          |           |               |          |                     |                   |
|        | today                       | heute   |                                        |       |                               |                  |          |           |               |          |                     |                   |
| choices |
|         | list name | name | label      | land |
|         | land      | de   | Deutschland |     |
|         | land      | at   | Österreich |      |
|         | ort       | b    | Berlin     | de   |
|         | ort       | k    | Köln       | de   |
|         | ort       | w    | Wien       | at   |
|         | ja_nein   | ja   | Ja         |      |
|         | ja_nein   | nein | Nein       |      |
"""
ANSWERS = {"name": "Erika", "anzahl": 21, "anteil": 0.25, "datum": dt.datetime(2024, 2, 29),
           "uhrzeit": dt.time(14, 30), "termin": dt.datetime(2025, 3, 1, 9, 15), "land": "Deutschland",
           "ort": "Köln", "wahl": "Sonstiges", "wahl_other": "Vielleicht", "gelesen": "OK",
           "mail": "erika@example.org", "g1/wert": "eins", "g2/wert": "zwei"}
EXPECTED = {"name": "Erika", "anzahl": 21, "anteil": 0.25, "datum": dt.date(2024, 2, 29),
            "uhrzeit": dt.time(14, 30), "termin": dt.datetime(2025, 3, 1, 9, 15), "land": "Deutschland",
            "ort": "Köln", "wahl": "Sonstiges", "wahl_other": "Vielleicht", "doppelt": 42, "fest": "Vorgabe",
            "gelesen": "OK", "mail": "erika@example.org", "g1/wert": "eins", "g2/wert": "zwei"}
WERKZEUG = Werkzeug(werkzeug_id="W1", handlungsfeld="Versorgung", werkzeug="Dorfladen", kategorie="neu", seite="1",
                    fachamt="Amt", ansprechpartner="Erika Mustermann", email="amt@example.org", handlungsfeld_nr=1,
                    row=2)


@pytest.fixture
def form(xlsform):
    return load_form(xlsform(FORM))


@pytest.fixture
def questionnaire(form, tmp_path):
    path = tmp_path / "fragebogen.xlsx"
    render_questionnaire(path, form, WERKZEUG, "0123456789abcdef",
                         Project(root=tmp_path, title="Runde", deadline=dt.date(2026, 12, 15)))
    return path


def checked(form, path):
    returned = read_return(path)
    return check_answers(form, {key: cell.value for key, cell in returned.answers.items()},
                         {key: cell.cell for key, cell in returned.answers.items()}, path.name,
                         formulas={key for key, cell in returned.answers.items() if cell.formula is not None})


def test_the_form_reads_every_feature_and_says_what_it_leaves_out(form):
    assert form.answer_names() == ["name", "anzahl", "anteil", "datum", "uhrzeit", "termin", "land", "ort", "wahl",
                                   "wahl_other", "doppelt", "fest", "gelesen", "mail", "g1/wert", "g2/wert"]
    assert form.question("wahl").choices.labels == ["Ja", "Nein", "Sonstiges"]
    assert form.question("wahl_other").relevant.text == "selected(${wahl}, 'other')"
    assert form.question("fest").read_only and form.question("anzahl").default == "2"
    assert form.metadata == {"heute": "today"}
    assert [(notice.code, notice.sheet, notice.line) for notice in form.notices] == [
        (Code.FORM_LEFT_OUT, "survey", 22), (Code.FORM_LEFT_OUT, "survey", 23)]
    assert "'gps' (geopoint) is left out" in form.notices[0].message


def test_a_filled_questionnaire_reads_back_exactly_after_libreoffice_saved_it(form, questionnaire, tmp_path, soffice):
    filled = fill_questionnaire(questionnaire, ANSWERS, tmp_path / "ausgefuellt.xlsx")
    saved = soffice(filled, "xlsx:Calc MS Excel 2007 XML", tmp_path / "libreoffice")
    result = checked(form, saved)
    assert read_return(saved).answers["doppelt"].formula  # the calculate's own formula, computed: no notice
    assert result.problems == []
    assert result.values == EXPECTED


def test_the_questionnaire_computes_and_shows_what_excel_can(questionnaire, tmp_path, soffice):
    filled = fill_questionnaire(questionnaire, ANSWERS, tmp_path / "ausgefuellt.xlsx")
    saved = soffice(filled, "xlsx:Calc MS Excel 2007 XML", tmp_path / "libreoffice")
    sheet = load_workbook(saved, data_only=True)[SHEET]
    shown = [cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert 42 in shown  # the calculate, recomputed by LibreOffice
    assert "Hallo Erika, Sie zählen 42." in shown  # the label's references, filled in
    assert "Vorgabe" in shown


def test_merge_recomputes_the_calculation_and_never_trusts_the_file(form, questionnaire, tmp_path):
    filled = fill_questionnaire(questionnaire, {**ANSWERS, "doppelt": 7, "fest": "geändert"}, tmp_path / "f.xlsx")
    result = checked(form, filled)
    assert (result.values["doppelt"], result.values["fest"]) == (42, "Vorgabe")


NOT_MET = "Die Antwort erfüllt die Vorgabe der Frage nicht: Erlaubt ist eine Antwort nur, wenn "
MEET = "Bitte eine Antwort eintragen lassen, die die Vorgabe erfüllt: Erlaubt ist eine Antwort nur, wenn "
ANZAHL = "die Antwort auf diese Frage mindestens 0 und kleiner als 100 ist"
DATUM = "die Antwort auf diese Frage nicht größer als heute ist"
MAIL = "die Antwort auf diese Frage dem Muster „^[^@ ]+@[^@ ]+$“ entspricht"


def test_a_choice_outside_the_filter_and_a_broken_rule_are_problems(form, questionnaire, tmp_path):
    answers = {**ANSWERS, "ort": "Wien", "mail": "keine adresse", "anzahl": 150, "name": None,
               "datum": dt.datetime(2999, 1, 1)}
    result = checked(form, fill_questionnaire(questionnaire, answers, tmp_path / "f.xlsx"))
    problems = {problem.question: (problem.code, problem.problem, problem.remedy) for problem in result.problems}
    assert problems == {
        "Name": (Code.ANSWER_REQUIRED, "Bitte Namen angeben", "Die Angabe beim Fachamt erfragen und nachtragen."),
        "Anzahl": (Code.ANSWER_CONSTRAINT, f"{NOT_MET}{ANZAHL}.", f"{MEET}{ANZAHL}."),
        "Datum": (Code.ANSWER_CONSTRAINT, f"{NOT_MET}{DATUM}.", f"{MEET}{DATUM}."),
        "Ort": (Code.ANSWER_NOT_IN_FILTER, "„Wien“ passt nicht zu den übrigen Antworten: Die Auswahl hängt von "
                                           "ihnen ab.", "Erlaubt sind: Berlin, Köln. Bitte korrigieren lassen."),
        "E-Mail": (Code.ANSWER_CONSTRAINT, f"{NOT_MET}{MAIL}.", f"{MEET}{MAIL}."),
    }


def test_the_dependent_dropdown_offers_the_choices_of_the_answer_it_depends_on(questionnaire):
    sheet = load_workbook(questionnaire)[SHEET]
    rules = {str(rule.sqref): rule.formula1 for rule in sheet.data_validations.dataValidation}
    ort = next(formula for formula in rules.values() if "OFFSET" in formula)
    assert ort.startswith("IF(ISNA(MATCH($C$") and "INDEX(" in ort
    lists = load_workbook(questionnaire)["Listen"]
    columns = {column[0].value: [cell.value for cell in column[1:] if cell.value is not None]
               for column in lists.iter_cols()}
    assert columns["Deutschland"] == [2, "Berlin", "Köln"] and columns["Österreich"] == [1, "Wien"]
    assert "Ort\nAuswahl je nach Antwort auf „Land“" in [cell.value for row in sheet.iter_rows() for cell in row]


def test_a_label_formula_is_built_from_escaped_literals_never_from_the_label_as_formula(xlsform, tmp_path):
    form = load_form(xlsform("""
        | survey |
        |        | type | name | label                                   |
        |        | text | a    | A                                       |
        |        | note | n    | Link: =HYPERLINK("http://x";"y") "${a}" & 1 |
    """))
    path = tmp_path / "f.xlsx"
    render_questionnaire(path, form, WERKZEUG, "0123456789abcdef", Project(root=tmp_path, title="R"))
    formula = next(cell.value for row in load_workbook(path)[SHEET].iter_rows() for cell in row
                   if isinstance(cell.value, str) and cell.value.startswith("=") and "$C$" in cell.value)
    assert formula == '="Link: =HYPERLINK(""http://x"";""y"") """&IF($C$5="","…",$C$5)&""" & 1"'


def test_the_choices_of_a_select_multiple_are_checked_against_its_filter(xlsform, tmp_path):
    form = load_form(xlsform("""
        | survey |
        |        | type                 | name  | label  | choice_filter |
        |        | select_one land      | land  | Land   |               |
        |        | select_multiple ort  | orte  | Orte   | land=${land}  |
        | choices |
        |         | list_name | name | label       | land |
        |         | land      | de   | Deutschland |      |
        |         | land      | at   | Österreich  |      |
        |         | ort       | b    | Berlin      | de   |
        |         | ort       | w    | Wien        | at   |
    """))
    path = tmp_path / "f.xlsx"
    render_questionnaire(path, form, WERKZEUG, "0123456789abcdef", Project(root=tmp_path, title="R"))
    filled = fill_questionnaire(path, {"land": "Deutschland", "orte#b": "x", "orte#w": "x"}, tmp_path / "a.xlsx")
    result = checked(form, filled)
    assert result.values == {"land": "Deutschland", "orte": ["b", "w"]}
    assert [(problem.code, problem.value) for problem in result.problems] == [(Code.ANSWER_NOT_IN_FILTER, "Wien")]


def test_a_constraint_excel_can_compute_is_checked_as_it_is_typed(questionnaire):
    sheet = load_workbook(questionnaire)[SHEET]
    rules = {rule.formula1: rule for rule in sheet.data_validations.dataValidation if rule.type == "custom"}
    anzahl = next(rule for formula, rule in rules.items() if "INT(" in formula)
    cell = str(anzahl.sqref)
    assert anzahl.formula1 == (f"AND(ISNUMBER(${cell[0]}${cell[1:]}),${cell[0]}${cell[1:]}=INT(${cell[0]}${cell[1:]}),"
                               f"ABS(${cell[0]}${cell[1:]})<=1E+15,AND(${cell[0]}${cell[1:]}>=0,"
                               f"${cell[0]}${cell[1:]}<100))")
    assert anzahl.error == ("Bitte eine ganze Zahl eingeben. Erlaubt ist eine Antwort nur, wenn die Antwort auf diese "
                            "Frage mindestens 0 und kleiner als 100 ist.")
    datum = next(rule for formula, rule in rules.items() if "TODAY()" in formula)
    assert datum.errorStyle in (None, "stop") and datum.errorTitle == "Nicht erlaubt"
    assert not any("regex" in formula.lower() for formula in rules)  # Excel cannot: merge checks it


MORE = """
| survey |
|        | type                       | name   | label            | default | parameters          |
|        | range                      | stufe  | Stufe            |         | start=1 end=5 step=1 |
|        | decimal                    | faktor | Faktor           | 1.5     |                     |
|        | select_one_external kreise | kreis  | Kreis            |         |                     |
|        | begin loop over raeume     | zimmer | Zimmer           |         |                     |
|        | integer                    | fenster | Fenster: %(label)s |       |                     |
|        | end loop                   |        |                  |         |                     |
| choices |
|         | list_name | name  | label |
|         | raeume    | kueche | Küche |
|         | raeume    | bad   | Bad   |
| external_choices |
|                  | list_name | name | label |
|                  | kreise    | dn   | Düren |
|                  | kreise    | ac   | Aachen |
"""


def test_range_defaults_external_choices_and_loops_read_back_after_libreoffice(xlsform, tmp_path, soffice):
    form = load_form(xlsform(MORE))
    path = tmp_path / "f.xlsx"
    render_questionnaire(path, form, WERKZEUG, "0123456789abcdef", Project(root=tmp_path, title="R"))
    answers = {"stufe": 3, "kreis": "Aachen", "zimmer/kueche/fenster": 2, "zimmer/bad/fenster": 1}
    filled = fill_questionnaire(path, answers, tmp_path / "ausgefuellt.xlsx")
    saved = soffice(filled, "xlsx:Calc MS Excel 2007 XML", tmp_path / "libreoffice")
    result = checked(form, saved)
    assert result.problems == []
    assert result.values == {**answers, "faktor": 1.5}


def test_a_note_that_does_not_apply_is_greyed_and_a_choice_filter_without_choices_is_said(xlsform, tmp_path):
    form = load_form(xlsform("""
        | survey |
        |        | type | name | label        | relevant   | choice_filter |
        |        | text | a    | A            |            | x=${a}        |
        |        | note | n    | Nur für ja   | ${a} = 'j' |               |
    """))
    assert [(notice.code, notice.line) for notice in form.notices] == [(Code.FORM_NOT_USED, 2)]
    path = tmp_path / "f.xlsx"
    render_questionnaire(path, form, WERKZEUG, "0123456789abcdef", Project(root=tmp_path, title="R"))
    sheet = load_workbook(path)[SHEET]
    note_row = next(cell.row for row in sheet.iter_rows() for cell in row if cell.value == "Nur für ja")
    (rule,) = [(str(ranges.sqref), rules[0].formula) for ranges, rules in sheet.conditional_formatting._cf_rules.items()]
    assert rule == (f"A{note_row}:C{note_row}", [f'NOT($C${note_row - 1}="j")'])
