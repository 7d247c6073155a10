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


MEMO_FORM = """
    | survey   |
    |          | type            | name  | label | relevant                                   | required | calculation                 | constraint           |
    |          | text            | t1    | T1    |                                            |          |                             |                      |
    |          | text            | t2    | T2    |                                            |          |                             |                      |
    |          | select_one yn   | s1    | S1    |                                            |          |                             |                      |
    |          | select_multiple abc | m1 | M1  |                                            |          |                             |                      |
    |          | integer         | n1    | N1    |                                            |          |                             |                      |
    |          | decimal         | d1    | D1    |                                            |          |                             |                      |
    |          | date            | dt1   | DT1   |                                            |          |                             |                      |
    |          | calculate       | c1    | C1    |                                            |          | concat(${t1}, ${s1})        |                      |
    |          | calculate       | c2    | C2    | ${t2} != ''                                |          | ${n1} * 2                   |                      |
    |          | text            | q1    | Q1    | ${t1} = 'andere'                           | yes      |                             |                      |
    |          | text            | q2    | Q2    | string-length(${t1}) > 3                   |          |                             |                      |
    |          | text            | q3    | Q3    | regex(${t1}, '^[A-Z]')                     | yes      |                             |                      |
    |          | text            | q4    | Q4    | selected(${m1}, 'a')                       |          |                             |                      |
    |          | text            | q5    | Q5    | count-selected(${m1}) >= 2                 | yes      |                             |                      |
    |          | text            | q6    | Q6    | ${s1} = 'yes' and ${t2} != ''              |          |                             |                      |
    |          | text            | q7    | Q7    | ${n1} > 3 or ${d1} > 2.5                   | yes      |                             |                      |
    |          | text            | q8    | Q8    | ${dt1} != '' and ${t1} = ''                |          |                             |                      |
    |          | text            | q9    | Q9    | ${c1} = 'xyes'                             | yes      |                             |                      |
    |          | text            | q10   | Q10   | ${c2} > 4                                  |          |                             |                      |
    |          | text            | q11   | Q11   | ${t1} < ${t2} or ${t1} = 5                 | yes      |                             | . != ${t1}           |
    |          | text            | q12   | Q12   | contains(concat(${t1}, ${t2}), 'ab')           |          |                             | string-length(.) < 3 |
    |          | begin_repeat    | r     | R     | ${s1} != 'no'                              |          |                             |                      |
    |          | text            | r1    | R1    |                                            |          |                             |                      |
    |          | text            | r2    | R2    | ${r1} = ${t1} or ${r1} = 'x'               | yes      |                             |                      |
    |          | end_repeat      |       |       |                                            |          |                             |                      |
    | choices  |
    |          | list_name | name | label |
    |          | yn        | yes  | Ja    |
    |          | yn        | no   | Nein  |
    |          | abc       | a    | A     |
    |          | abc       | b    | B     |
    |          | abc       | c    | C     |
    | settings |
    |          | form_id | version | form_title |
    |          | f       | 1       | Test       |
"""


def test_a_remembered_condition_judges_as_a_fresh_evaluation(xlsform, monkeypatch):
    """Merge remembers whether a condition holds for the short texts it reads: many returns with values of every
    kind (texts short and long, numbers, dates, ticks, repeat rows, NaN, "", None) checked in turn through the
    memory give the problems and values each gets evaluated afresh; so does a second form with the same
    conditions loaded after the first is gone."""
    import gc
    import random

    from werkstatt_xl import validate
    from werkstatt_xl.expression import evaluate_with

    texts = [None, "", " ", "andere", "Andere", "ab", "a", "b", "xyes", "x", "5", "5.0", "12", "Zebra",
             "ä" * 4, "andere " + "x" * 120, "A" + "b" * 100, "A" + "b" * 99, float("nan"), 5, 5.0, 3.5]
    pool = {"t1": texts, "t2": texts, "s1": [None, "Ja", "Nein", "ja", "yes", "no", "vielleicht"],
            "n1": [None, 1, 4, "4", "7,0", "x", 2.0], "d1": [None, 1, 3.5, "2,6", ""],
            "dt1": [None, "15.12.2019", 43800.0, ""], "r1": texts, "r2": [None, "", "y"],
            **{f"q{n}": [None, "", "ab", "andere", "A" + "b" * 120] for n in range(1, 13)}}
    rnd = random.Random(20261129)
    returns = []
    for _ in range(400):
        raw = {name: rnd.choice(values) for name, values in pool.items() if name not in ("r1", "r2")}
        raw |= {f"m1/{choice}": rnd.choice([None, None, "x", "ja", "?"]) for choice in "abc"}
        for row in (1, 2):
            raw |= {f"r1@{row}": rnd.choice(pool["r1"]), f"r2@{row}": rnd.choice(pool["r2"])}
        returns.append(raw)

    def judged(form):
        results = []
        for raw in returns:
            result = check_answers(form, raw, {}, "r.xlsx")
            results.append((result.values, result.rows, [(p.question, p.problem, p.value) for p in result.problems]))
        return results

    remembered = judged(load_form(xlsform(MEMO_FORM)))
    gc.collect()
    again = judged(load_form(xlsform(MEMO_FORM)))  # another form object, maybe at the first one's address
    with monkeypatch.context() as patch:
        patch.setattr(validate, "_holds", lambda condition, names: condition.evaluate(evaluate_with(names)))
        fresh = judged(load_form(xlsform(MEMO_FORM)))
    for number, (memo, second, direct) in enumerate(zip(remembered, again, fresh)):
        assert memo == direct, returns[number]
        assert second == direct, returns[number]
    assert any(problems for _, _, problems in fresh) and any(rows for _, rows, _ in fresh)


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
