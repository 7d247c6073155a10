"""What merge, report, status and mail write after the review of the XLSForm support: headers, languages,
stale outputs, copied entries, the words of the sheet "Prüfung" and of correction e-mails.

Each test runs the real round: generate, fill, merge on a project whose form is an inline XLSForm.
"""

from pathlib import Path

import pytest
from openpyxl import load_workbook

from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.master import REGISTER_SHEET, REPEATS_SHEET
from werkstatt_xl.round import generate, load_project, merge

CHOICES = """
| choices  |
|          | list_name | name | label |
|          | yn        | ja   | Ja    |
|          | yn        | nein | Nein  |
"""


@pytest.fixture
def round_with(example_project, xlsform):
    """``make(form_markdown, **settings) -> Project``: the example project with this form, questionnaires generated."""
    def make(markdown: str, generate_now: bool = True, **overrides):
        xlsform(markdown, name="form.xlsx").replace(example_project.root / "form.xlsx")
        config = example_project.root / "werkstatt.toml"
        config.write_text(config.read_text(encoding="utf-8").replace('form = ""', 'form = "form.xlsx"'),
                          encoding="utf-8")
        project = load_project(example_project.root)
        if overrides:
            project = project.with_overrides(**overrides)
        if generate_now:
            generate(project)
        project.inbox.mkdir(exist_ok=True)
        return project
    return make


def returned(project, index: int, answers: dict) -> Path:
    """The ``index``-th questionnaire of ``ausgang/`` filled with ``answers`` into ``eingang/``."""
    issued = sorted(project.outbox.glob("*.xlsx"))[index]
    return fill_questionnaire(issued, answers, project.inbox / issued.name)


def header_row(path: Path, sheet: str) -> list:
    return list(next(load_workbook(path)[sheet].iter_rows(min_row=2, max_row=2, values_only=True)))


# --- 9: headers of the register and of the repeats -------------------------------------------------------

def test_repeat_headers_are_unique_and_a_question_without_label_is_headed_by_its_name(round_with):
    project = round_with("""
| survey   |
|          | type         | name   | label     |
|          | text         | titel  | Titel     |
|          | begin repeat | posten | Posten    |
|          | text         | was    | Angabe    |
|          | integer      | wieviel| Angabe    |
|          | decimal      | ohne   |           |
|          | end repeat   |        |           |
""")
    returned(project, 0, {"titel": "A", "was@1": "Brücke", "wieviel@1": 3, "ohne@1": 1.5})
    merge(project)
    workbook = load_workbook(project.master_path)
    headers = [cell.value for cell in workbook[REPEATS_SHEET][2]]
    assert headers[4:] == ["Angabe", "Angabe (Antwort)", "ohne"]
    assert list(workbook[REPEATS_SHEET].tables) and list(workbook[REGISTER_SHEET].tables)


# --- 11: no stale Tabelle 1 or summary beside this run's ------------------------------------------------

def test_switching_the_form_removes_the_other_output_of_an_earlier_merge_and_says_so(example_project, round_with):
    shipped = load_project(example_project.root)
    generate(shipped)
    first = merge(shipped)
    assert shipped.report_workbook_path.is_file() and not shipped.summary_path.is_file()
    assert not any("tabelle1" in warning for warning in first.warnings)
    project = round_with("""
| survey |
|        | type    | name  | label |
|        | integer | menge | Menge |
""")
    second = merge(project)
    assert project.summary_path.is_file() and not project.report_workbook_path.is_file()
    assert any(str(project.report_workbook_path) in warning for warning in second.warnings)
    back = merge(shipped)  # the shipped form again: Tabelle 1, and the summary goes
    assert shipped.report_workbook_path.is_file() and not shipped.summary_path.is_file()
    assert any(str(shipped.summary_path) in warning for warning in back.warnings)
