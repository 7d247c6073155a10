"""validate: every returned value checked again, for every question type of the subset."""

import datetime as dt

import pytest

from werkstatt_xl.form import load_form
from werkstatt_xl.ingest import CellError
from werkstatt_xl.messages import Code
from werkstatt_xl.validate import check_answers, fold_spaces

FORM = """
    | survey   |
    |          | type          | name   | label               | required | relevant         | constraint        | constraint_message        |
    |          | integer       | anzahl | Anzahl Teilnehmende | yes      |                  | . >= 0            | Bitte keine negative Zahl. |
    |          | decimal       | kosten | Kosten in Euro      |          |                  |                   |                           |
    |          | date          | start  | Beginn              |          |                  |                   |                           |
    |          | select_one yn | weiter | Weiter?             |          |                  |                   |                           |
    |          | text          | warum  | Warum nicht?        | yes      | ${weiter} = 'no' | string-length(.) < 20 |                       |
    | choices  |
    |          | list_name | name | label |
    |          | yn        | yes  | Ja    |
    |          | yn        | no   | Nein  |
    | settings |
    |          | form_id | version | form_title |
    |          | f       | 1       | Test       |
"""


@pytest.fixture
def form(xlsform):
    return load_form(xlsform(FORM))


def check(form, **raw):
    result = check_answers(form, raw, {name: f"Fragebogen!C{row}" for row, name in enumerate(raw, 2)}, "r.xlsx")
    return result.values, [(p.question, p.problem, p.kind) for p in result.problems]


def test_numbers_and_dates_are_converted_from_what_readers_return(form):
    values, problems = check(form, anzahl=12.0, kosten="1.234,50", start=43800.0, weiter="ja", warum=None)
    assert values == {"anzahl": 12, "kosten": 1234.5, "start": dt.date(2019, 12, 1), "weiter": "Ja", "warum": None}
    assert problems == []
    values, _ = check(form, anzahl="7", kosten=3, start="15.12.2019", weiter=" JA ", warum=None)
    assert (values["anzahl"], values["kosten"], values["start"], values["weiter"]) == (7, 3.0, dt.date(2019, 12, 15), "Ja")


def test_type_constraint_and_required_problems(form):
    _, problems = check(form, anzahl="zwölf", kosten="viel", start="morgen", weiter="Nein", warum=None)
    assert problems == [
        ("Anzahl Teilnehmende", "„zwölf“ ist keine Zahl.", "Fehler"),
        ("Kosten in Euro", "„viel“ ist keine Zahl.", "Fehler"),
        ("Beginn", "„morgen“ ist kein Datum.", "Fehler"),
        ("Warum nicht?", "Pflichtangabe fehlt.", "Fehler"),
    ]
    _, problems = check(form, anzahl=2.5, kosten=None, start=None, weiter="Nein", warum="x" * 25)
    assert problems == [
        ("Anzahl Teilnehmende", "„2.5“ ist keine ganze Zahl.", "Fehler"),
        ("Warum nicht?", "Die Antwort erfüllt die Vorgabe der Frage nicht: Erlaubt ist eine Antwort nur, wenn die "
                         "Antwort auf diese Frage kürzer als 20 Zeichen ist.", "Fehler"),
    ]
    _, problems = check(form, anzahl=-3, kosten=None, start=None, weiter="Ja", warum="Trotzdem")
    assert problems == [
        ("Anzahl Teilnehmende", "Bitte keine negative Zahl.", "Fehler"),
        ("Warum nicht?", "Antwort auf eine Frage, die nach den übrigen Antworten übersprungen wird.", "Hinweis"),
    ]


def test_whether_a_question_applies_follows_each_returns_own_answers(xlsform):
    """Merge remembers the outcome of a condition for the answers it reads: returns checked in turn, with the
    controlling answer alike, different, empty or too long to remember, are each judged by their own."""
    form = load_form(xlsform("""
        | survey   |
        |          | type | name    | label   | relevant                                |
        |          | text | grund   | Grund   |                                         |
        |          | text | details | Details | ${grund} = 'andere' or ${grund} = 'Ä' |
        | settings |
        |          | form_id | version | form_title |
        |          | f       | 1       | Test       |
    """))
    long = "andere " + "x" * 200
    skipped = ("Details", "Antwort auf eine Frage, die nach den übrigen Antworten übersprungen wird.", "Hinweis")
    for grund in ["andere", "keine", "andere", None, "Ä", long, "andere", long, "keine", "Ä"]:
        _, problems = check(form, grund=grund, details="Genauer")
        assert problems == ([] if grund in ("andere", "Ä") else [skipped]), grund


@pytest.mark.parametrize("warum", ["Zu teuer", None])
def test_an_invalid_controlling_answer_does_not_judge_the_question_it_controls(form, warum):
    _, problems = check(form, anzahl=1, kosten=None, start=None, weiter="Vielleicht", warum=warum)
    assert problems == [("Weiter?", "„Vielleicht“ ist keine erlaubte Antwort.", "Fehler")]


def test_a_question_without_its_answer_cell_is_reported_once(form):
    values, problems = check(form, kosten=None, start=None, weiter=None, warum=None)
    assert "anzahl" not in values
    assert problems == [("Anzahl Teilnehmende", "Das Antwortfeld fehlt in der Datei.", "Fehler")]


def test_spaces_are_folded_but_line_breaks_kept():
    assert fold_spaces("  Erste\u00a0 Zeile \r\n  zweite   Zeile ") == "Erste Zeile\nzweite Zeile"


@pytest.mark.parametrize("raw", [float("inf"), float("nan"), "1e999", "-inf", "nan", 1e30])
def test_numbers_that_no_spreadsheet_can_hold_are_refused(form, raw):
    values, problems = check(form, anzahl=raw, kosten=raw, start=None, weiter=None, warum=None)
    assert "anzahl" not in values and "kosten" not in values
    assert [problem for _, problem, _ in problems] == [f"„{raw}“ ist keine Zahl."] * 2


def test_an_error_value_is_a_problem_not_an_empty_answer(form):
    """A cell showing #DIV/0! holds no answer: saying "Pflichtangabe fehlt" would hide why."""
    result = check_answers(form, {"anzahl": CellError("#DIV/0!"), "kosten": None, "start": CellError("#N/A"),
                                  "weiter": "Ja", "warum": None}, {"anzahl": "Fragebogen!C2"}, "r.xlsx")

    assert "anzahl" not in result.values and "start" not in result.values
    assert [(p.code, p.question, p.cell, p.value, p.problem, p.remedy) for p in result.problems] == [
        (Code.ANSWER_ERROR_VALUE, "Anzahl Teilnehmende", "Fragebogen!C2", "#DIV/0!",
         "Die Zelle enthält den Fehlerwert #DIV/0! statt einer Antwort.",
         "Bitte statt des Fehlerwerts die Antwort eintragen lassen."),
        (Code.ANSWER_ERROR_VALUE, "Beginn", "", "#N/A", "Die Zelle enthält den Fehlerwert #N/A statt einer Antwort.",
         "Bitte statt des Fehlerwerts die Antwort eintragen lassen."),
    ]
