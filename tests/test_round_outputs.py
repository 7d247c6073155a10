"""What merge, report, status and mail write after the review of the XLSForm support: headers, languages,
stale outputs, copied entries, the words of the sheet "Prüfung" and of correction e-mails.

Each test runs the real round: generate, fill, merge on a project whose form is an inline XLSForm.
"""

from pathlib import Path

import pytest
from openpyxl import load_workbook

from werkstatt_xl.anchors import answer_marker
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.master import PROBLEMS_SHEET, REGISTER_SHEET, REPEATS_SHEET
from werkstatt_xl.messages import Code
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
        config.write_text(config.read_text(encoding="utf-8").replace('form = "vorlagen/fragebogen.xlsx"',
                                                                     'form = "form.xlsx"'), encoding="utf-8")
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


# --- 10: a copied entry --------------------------------------------------------------------------------

REPEAT_FORM = """
| survey |
|        | type         | name   | label                    |
|        | text         | titel  | Titel                    |
|        | begin repeat | posten | Posten                   |
|        | text         | was    | Bezeichnung der Maßnahme |
|        | end repeat   |        |                          |
"""


def copied_row(path: Path, key: str, value: object) -> Path:
    """``path`` with the row of the answer ``key`` copied below the last row, holding ``value``: what a person
    does who copies an entry to add another."""
    workbook = load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value == answer_marker(key):
                    target = sheet.max_row + 2
                    sheet.cell(target, cell.column, cell.value)
                    sheet.cell(target, cell.column - 1, value)
                    workbook.save(path)
                    return path
    raise AssertionError(f"no marker for {key}")


def test_a_copied_entry_with_another_value_is_a_problem_naming_question_entry_and_value(round_with, german):
    project = round_with(REPEAT_FORM)
    copied_row(returned(project, 0, {"titel": "A", "was@1": "Brücke"}), "was@1", "Radweg am Kanal")
    copied_row(returned(project, 1, {"titel": "B", "was@1": "Steg"}), "was@1", "Steg")
    result = merge(project)
    [copy] = [problem for problem in result.problems if problem.code is Code.ANSWER_COPY_NOT_TAKEN]
    assert copy.kind == "Fehler" and copy.werkzeug_id == "W01"
    assert copy.question == "Bezeichnung der Maßnahme (Eintrag 1)" and copy.value == "Radweg am Kanal"
    assert copy.answer_key == "was@1"  # for the correction e-mail, which names the question and entry
    assert "Radweg am Kanal" in copy.problem and "Bezeichnung der Maßnahme (Eintrag 1)" in copy.problem
    [same] = [problem for problem in result.problems if problem.code is Code.MARKER_TWICE]
    assert same.werkzeug_id == "W02" and "was@1" not in same.problem and "Eintrag 1" in same.problem
    assert list(result.register["status"][:2]) == ["mit Problemen", "eingegangen"]
    shown = load_workbook(project.master_path)[PROBLEMS_SHEET]
    assert not any("@" in str(cell.value) for row in shown.iter_rows(min_row=3) for cell in row
                   if cell.column_letter in "DFG")


# --- references shown readably, the Prüfung sheet in words, calculations summarised as numbers -------------

REFERENCES_FORM = """
| survey |
|        | type               | name    | label                | constraint            | calculation    | required |
|        | text               | name    | Name der Einrichtung |                       |                |          |
|        | integer            | plaetze | Plätze in ${name}    | . < 100               |                |          |
|        | select_multiple yn | wahl    | Auswahl für ${name}  | count-selected(.) < 2 |                |          |
|        | calculate          | doppelt |                      |                       | ${plaetze} * 2 |          |
|        | text               | warum   | Warum ${name}?       |                       |                | yes      |
"""


def test_references_are_readable_and_the_pruefung_sheet_says_the_rule_in_words(round_with, german):
    from werkstatt_xl.form import load_form
    from werkstatt_xl.report import summarize
    from werkstatt_xl.report.summary import NumberSummary
    from werkstatt_xl.round import read_register

    project = round_with(REFERENCES_FORM + CHOICES)
    returned(project, 0, {"name": "Kita", "plaetze": 120, "wahl": ["ja", "nein"]})
    returned(project, 1, {"name": "Hort", "plaetze": 20, "warum": "weil"})
    result = merge(project)

    headers = [cell.value for cell in load_workbook(project.master_path)[REGISTER_SHEET][2]]
    assert "Plätze in [„Name der Einrichtung“]" in headers and not any("${" in str(cell) for cell in headers)
    problems = {problem.question: problem for problem in result.problems}
    assert set(problems) == {"Plätze in [„Name der Einrichtung“]", "Auswahl für [„Name der Einrichtung“]",
                             "Warum [„Name der Einrichtung“]?"}
    places = problems["Plätze in [„Name der Einrichtung“]"]
    assert places.problem == ("Die Antwort erfüllt die Vorgabe der Frage nicht: Erlaubt ist eine Antwort nur, "
                              "wenn die Antwort auf diese Frage kleiner als 100 ist.")
    assert places.remedy == ("Bitte eine Antwort eintragen lassen, die die Vorgabe erfüllt: Erlaubt ist eine "
                             "Antwort nur, wenn die Antwort auf diese Frage kleiner als 100 ist.")
    choices = problems["Auswahl für [„Name der Einrichtung“]"]
    assert choices.value == "Ja; Nein" and "Erlaubt sind" not in choices.remedy
    assert "angekreuzten Antworten" in choices.remedy
    sheet = load_workbook(project.master_path)[PROBLEMS_SHEET]
    assert not any("${" in str(cell.value) or ". < 100" in str(cell.value) for row in sheet.iter_rows()
                   for cell in row)

    summary = summarize(load_form(project.form_path), read_register(project))
    assert "Warum [„Name der Einrichtung“]?" in [section.title for section in summary.sections]
    [doubled] = [section for section in summary.sections if section.title == "doppelt"]
    assert isinstance(doubled, NumberSummary) and (doubled.count, doubled.minimum, doubled.maximum) == (2, 40, 240)


# --- 5: the form's language ------------------------------------------------------------------------------

LANGUAGES_FORM = """
| survey  |
|         | type          | name  | label::Deutsch (de) | label::English (en) |
|         | text          | titel | Titel               | Title               |
|         | select_one yn | gut   | Gut?                | Good?               |
| choices |
|         | list_name | name | label::Deutsch (de) | label::English (en) |
|         | yn        | ja   | Ja                  | Yes                 |
|         | yn        | nein | Nein                | No                  |
"""


def test_returns_are_read_in_the_language_they_were_generated_in(round_with):
    from werkstatt_xl.master import read_form_language
    from werkstatt_xl.round import read_register

    german = round_with(LANGUAGES_FORM, generate_now=False)
    english = german.with_overrides(form_language="en")
    generate(english)  # generate --language en ...
    returned(german, 0, {"titel": "A", "gut": "Yes"})
    returned(german, 1, {"titel": "B", "gut": "No"})

    result = merge(german)  # ... then a plain merge

    assert [problem.code for problem in result.problems] == []
    assert list(result.register["gut"][:3]) == ["Ja", "Nein", None]
    assert read_form_language(german.master_path) == "Deutsch (de)"
    assert list(read_register(english)["gut"][:2]) == ["Yes", "No"]  # report --language en reads it in English


def test_a_register_merged_in_another_language_is_read_in_the_projects(round_with):
    from werkstatt_xl.form import load_form
    from werkstatt_xl.report import summarize
    from werkstatt_xl.report.summary import ChoiceCounts
    from werkstatt_xl.round import read_register, report, status

    german = round_with(LANGUAGES_FORM)
    english = german.with_overrides(form_language="en")
    returned(german, 0, {"titel": "A", "gut": "Ja"})
    returned(german, 1, {"titel": "B", "gut": "Nein"})
    merge(english)  # merge --language en ...

    register = read_register(german)  # ... then a plain report or status
    assert list(register["gut"][:2]) == ["Ja", "Nein"]
    assert list(status(german)["status"][:3]) == ["eingegangen", "eingegangen", "offen"]
    [counts] = [section for section in summarize(load_form(german.form_path), register).sections
                if isinstance(section, ChoiceCounts)]
    assert counts.counts == (("Ja", 1), ("Nein", 1))
    assert report(german).workbook == german.summary_path


def test_a_register_in_a_language_the_form_no_longer_has_asks_for_a_new_merge(round_with, xlsform):
    from werkstatt_xl.errors import ProjectError
    from werkstatt_xl.round import read_register

    german = round_with(LANGUAGES_FORM)
    returned(german, 0, {"titel": "A", "gut": "Ja"})
    merge(german.with_overrides(form_language="en"))
    german_only = "\n".join(line.rsplit("|", 2)[0] + "|" if line.count("|") > 3 else line
                            for line in LANGUAGES_FORM.strip().splitlines())  # the English column dropped
    xlsform(german_only, name="form.xlsx").replace(german.form_path)

    with pytest.raises(ProjectError, match="English \\(en\\).*merge"):
        read_register(german)


def test_a_questionnaire_in_the_unnamed_language_is_read_in_it_by_a_merge_in_another(round_with):
    unnamed = LANGUAGES_FORM.replace("label::Deutsch (de)", "label").replace("| ja   |", "| j    |")
    project = round_with(unnamed)  # generated in the unnamed language, the form's default
    returned(project, 0, {"titel": "A", "gut": "Ja"})

    result = merge(project.with_overrides(form_language="en"))

    assert [problem.code for problem in result.problems] == []
    assert result.register["gut"][0] == "Yes"
