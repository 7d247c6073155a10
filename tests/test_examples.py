"""The shipped Kreis Düren round: its returns reproduce the seed's Tabelle 1 and fit the form.

The returns are read here with python-calamine and the marker convention alone, not with
the package's merge code, so that this test checks the example data and not that code.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from werkstatt_xl.anchors import META_KEYS, parse_marker
from werkstatt_xl.catalogue import load_catalogue
from werkstatt_xl.expression import evaluate_with
from werkstatt_xl.form import default_form_path, load_form
from werkstatt_xl.issue_log import ISSUE_LOG
from werkstatt_xl.questionnaire import render_questionnaire
from werkstatt_xl.resources import example_path
from werkstatt_xl.round import init_project

EXAMPLE = example_path()
RERUN = "The example returns are out of step: run python examples/kreis-dueren/fill_returns.py"


def read_markers(path: Path) -> tuple[dict[str, str], dict[str, str], dict[str, tuple]]:
    """``(answers, metadata, rows)``: each answer by its marker, each metadata value by its key,
    and for each answer the other cells of its row (number and label)."""
    from python_calamine import CalamineWorkbook

    answers, metadata, rows = {}, {}, {}
    workbook = CalamineWorkbook.from_path(str(path))
    for name in workbook.sheet_names:
        for row in workbook.get_sheet_by_name(name).to_python():
            for column, value in enumerate(row):
                marker = parse_marker(value)
                if marker and marker[0] == "meta":
                    metadata[marker[1]] = row[column + 1]
                elif marker and column > 0:
                    answers[marker[1]] = row[column - 1]
                    rows[marker[1]] = tuple(row[:column - 1])
    return answers, metadata, rows


def expected_answers(row: dict[str, str]) -> dict[str, str]:
    """The answers one line of the seed's Tabelle 1 stands for (see examples/kreis-dueren/README.md)."""
    umsetzung, fortfuehrung, reason = row["Umsetzung"], row["Fortführung nach 2020"], row["Begründung/Bemerkungen"]
    expected = {"werkzeugtitel": row["Werkzeug"], "umsetzung": umsetzung,
                "fortfuehrung": {"Ja": "Trifft zu", "Nein": "Trifft nicht zu", "": "k.A."}[fortfuehrung]}
    if reason:
        where = ("gruende_nicht_begonnen" if umsetzung == "Nein" else
                 "gruende_beendigung" if fortfuehrung == "Nein" else "anmerkungen")
        expected[where] = reason
    return expected


@pytest.fixture(scope="module")
def issue_log() -> dict[str, dict[str, str]]:
    with (EXAMPLE / ISSUE_LOG).open(encoding="utf-8-sig", newline="") as handle:
        return {row["datei"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def returns() -> dict[str, tuple]:
    """File name -> :func:`read_markers` of every shipped return."""
    return {path.name: read_markers(path) for path in sorted((EXAMPLE / "eingang").glob("*.xlsx"))}


@pytest.fixture(scope="module")
def form():
    return load_form(default_form_path(), values=load_project_values())


def load_project_values() -> dict:
    """The placeholders' values of the example round, from its werkstatt.toml."""
    from werkstatt_xl.placeholders import round_values
    from werkstatt_xl.settings import Settings, read_settings

    return round_values(Settings(**read_settings(EXAMPLE / "werkstatt.toml")))


def test_package_ships_the_example_round():
    assert (EXAMPLE / "katalog.xlsx").is_file()
    assert (EXAMPLE / ISSUE_LOG).is_file()
    assert len(list((EXAMPLE / "eingang").glob("*.xlsx"))) == 55


def test_every_werkzeug_has_one_return_listed_in_the_issue_log(returns, issue_log):
    werkzeug_ids = [werkzeug.werkzeug_id for werkzeug in load_catalogue(EXAMPLE / "katalog.xlsx").werkzeuge]
    assert len(werkzeug_ids) == 55
    assert sorted(returns) == sorted(issue_log)
    assert sorted(row["werkzeug_id"] for row in issue_log.values()) == sorted(werkzeug_ids)


def test_returns_carry_the_metadata_they_were_issued_with(returns, issue_log, form):
    for name, (_, metadata, _) in returns.items():
        issued = issue_log[name]
        assert set(META_KEYS) <= set(metadata), name
        assert (metadata["form_id"], metadata["form_version"]) == (form.form_id, form.version), RERUN
        assert (metadata["werkzeug_id"], metadata["token"]) == (issued["werkzeug_id"], issued["token"]), name
        assert (issued["form_id"], issued["form_version"]) == (form.form_id, form.version), RERUN
    assert len({row["token"] for row in issue_log.values()}) == 55


def test_answers_reproduce_tabelle1_of_the_seed(returns, issue_log):
    with (EXAMPLE / "tabelle1.csv").open(encoding="utf-8", newline="") as handle:
        tabelle1 = {row["Werkzeug"]: row for row in csv.DictReader(handle)}
    assert len(tabelle1) == 55
    answered = {}
    for name, (answers, _, _) in returns.items():
        werkzeug = issue_log[name]["werkzeug"]
        answered[werkzeug] = {question: value for question, value in answers.items() if value != ""}
    assert answered == {werkzeug: expected_answers(row) for werkzeug, row in tabelle1.items()}


def test_answers_are_choices_and_respect_the_relevant_rules(returns, form):
    checked = 0
    for name, (answers, _, _) in returns.items():
        chosen = {}
        for question in form.questions:
            value = answers[question.name]
            if question.choices and value != "":
                assert value in question.choices.labels, (name, question.name, value)
                chosen[question.name] = question.choices.match(value).name
        for question in form.questions:
            if question.relevant is not None and answers[question.name] != "":
                assert question.relevant.evaluate(evaluate_with(chosen)), (name, question.name, chosen)
                checked += 1
    assert checked == 18  # 10 reasons in 1.2, 8 in 8.1


def test_returns_are_in_step_with_the_current_questionnaire(tmp_path, returns, issue_log, example_project, form):
    catalogue = load_catalogue(example_project.catalogue_path)
    werkzeug = catalogue.werkzeuge[3]
    fresh = tmp_path / "fresh.xlsx"
    render_questionnaire(fresh, form, werkzeug, "0" * 16, example_project)
    answers, metadata, rows = read_markers(fresh)
    assert list(answers) == form.answer_names()
    for name, (returned_answers, returned_metadata, returned_rows) in returns.items():
        assert list(returned_answers) == list(answers), f"{name}: {RERUN}"
        assert returned_rows == rows, f"{name}: {RERUN}"
        assert set(returned_metadata) == set(metadata), f"{name}: {RERUN}"


def test_init_example_places_the_issue_log_and_never_replaces_one(tmp_path):
    project = init_project(tmp_path / "runde", example=True)
    assert (project.outbox / ISSUE_LOG).read_bytes() == (EXAMPLE / ISSUE_LOG).read_bytes()
    (project.outbox / ISSUE_LOG).write_text("werkzeug_id,token\nW01,abc\n", encoding="utf-8")
    init_project(project.root, example=True, force=True)
    assert (project.outbox / ISSUE_LOG).read_text(encoding="utf-8") == "werkzeug_id,token\nW01,abc\n"


def test_a_return_keeps_answers_and_dropdowns_through_libreoffice(tmp_path, soffice, form):
    original = EXAMPLE / "eingang" / "4-04_Medibus.xlsx"
    saved = soffice(original, "xlsx:Calc MS Excel 2007 XML", tmp_path)
    answers, metadata, _ = read_markers(saved)
    assert answers == read_markers(original)[0]
    assert (answers["umsetzung"], answers["fortfuehrung"], metadata["werkzeug_id"]) == ("Nein", "k.A.", "W30")
    dropdowns = list_validations(original)
    assert len(dropdowns) == sum(question.type == "select_one" for question in form.questions)
    assert list_validations(saved) == dropdowns


def list_validations(path: Path) -> dict[str, str]:
    """Cell -> list source of every dropdown on the questionnaire sheet."""
    from openpyxl import load_workbook

    sheet = load_workbook(path)["Fragebogen"]
    return {str(validation.sqref): validation.formula1 for validation in sheet.data_validations.dataValidation
            if validation.type == "list"}
