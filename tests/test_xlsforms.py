"""Real XLSForms (pyxform's own test forms, tests/data/xlsforms): what pyxform accepts, we render or refuse
with a message naming sheet, row and feature; nothing crashes and every question of a rendered form reads
back from its questionnaire."""

import csv
import datetime as dt
import warnings
from functools import cache
from pathlib import Path

import pytest

from werkstatt_xl.catalogue import Werkzeug
from werkstatt_xl.errors import FormError
from werkstatt_xl.form import load_form
from werkstatt_xl.ingest import read_return
from werkstatt_xl.messages import Code
from werkstatt_xl.questionnaire import render_questionnaire
from werkstatt_xl.round import Project
from werkstatt_xl.validate import check_answers

FORMS = Path(__file__).parent / "data" / "xlsforms"
SOURCES = {row["file"]: row for row in csv.DictReader((FORMS / "SOURCES.tsv").open(encoding="utf-8"),
                                                      delimiter="\t")}
WERKZEUG = Werkzeug(werkzeug_id="W1", handlungsfeld="Versorgung", werkzeug="Dorfladen", kategorie="neu", seite="1",
                    fachamt="Amt", ansprechpartner="Erika Mustermann", email="amt@example.org", handlungsfeld_nr=1,
                    row=2)
COVERAGE = 0.9
"""The share of the forms pyxform accepts that must become questionnaires (issue 10)."""


@cache
def pyxform_accepts(name: str) -> bool:
    from pyxform.xls2xform import convert

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's on extensions these files carry
        try:
            convert(xlsform=str(FORMS / name), validate=False, pretty_print=False)
        except Exception:  # pyxform raises several kinds for forms it refuses
            return False
    return True


@cache
def outcome(name: str, folder: Path) -> tuple[str, object]:
    """("generated", (form, questionnaire path)) or ("refused", FormError)."""
    try:
        form = load_form(FORMS / name)
    except FormError as error:
        return "refused", error
    path = folder / f"{Path(name).stem}.xlsx"
    render_questionnaire(path, form, WERKZEUG, "0123456789abcdef",
                         Project(root=folder, title="Runde", deadline=dt.date(2026, 12, 15)))
    return "generated", (form, path)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("questionnaires")


def test_every_form_of_the_sources_is_here_with_its_licence():
    assert sorted(SOURCES) == sorted(path.name for path in FORMS.glob("*.xls*"))
    assert len(SOURCES) == 56 and (FORMS / "LICENSE-pyxform").is_file()


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_pyxform_still_judges_each_form_as_the_sources_say(name):
    assert pyxform_accepts(name) == (SOURCES[name]["pyxform_accepts"] == "yes")


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_form_is_rendered_or_refused_naming_sheet_row_and_feature(name, folder):
    kind, result = outcome(name, folder)
    if kind == "refused":
        assert result.problems
        for problem in result.problems:
            assert problem.sheet and problem.line, problem
            assert f"[row {problem.line}] On the '{problem.sheet}' sheet" in problem.message
            if problem.code in (Code.FORM_UNSUPPORTED_TYPE, Code.FORM_UNKNOWN_TYPE):
                assert "the type '" in problem.message or "unknown type '" in problem.message
        return
    form, path = result
    for notice in form.notices:  # what is left out or not rendered names where
        assert notice.sheet, notice
        assert notice.line or notice.sheet == "settings" or notice.code is Code.FORM_NOT_USED or (
            notice.message.endswith("each questionnaire holds its heading only.")), notice
    asked = any(element.is_answer for element in form.elements)
    assert asked or form.notices[-1].message.endswith("each questionnaire holds its heading only.")
    returned = read_return(path)
    checked = check_answers(form, {key: cell.value for key, cell in returned.answers.items()},
                            {key: cell.cell for key, cell in returned.answers.items()}, path.name)
    assert returned.meta["form_id"] == form.form_id and returned.meta["form_version"] == form.version
    assert not [problem for problem in checked.problems if problem.code is Code.ANSWER_CELL_MISSING]
    # the defaults it holds read back as values of their type (a default may well break a rule of the form)
    assert {problem.code for problem in checked.problems} <= {Code.ANSWER_REQUIRED, Code.ANSWER_SKIPPED,
                                                               Code.ANSWER_CONSTRAINT}


def test_at_least_nine_in_ten_forms_pyxform_accepts_become_questionnaires(folder):
    accepted = [name for name in sorted(SOURCES) if pyxform_accepts(name)]
    generated = [name for name in accepted if outcome(name, folder)[0] == "generated"]
    assert len(accepted) == 48
    assert len(generated) / len(accepted) >= COVERAGE, sorted(set(accepted) - set(generated))
