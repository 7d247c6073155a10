"""XLSForms at the edges: labels that refer to themselves or each other, expressions no answer may make crash,
a form saved again unchanged, dates in labels, long texts in formulas, circles of references, references in
texts, expressions nested too deep, choices from files outside the form's folder, wildcards in dependent
dropdowns. Real forms, questionnaires generated, filled, read back and merged."""

import datetime as dt
import re

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font

from werkstatt_xl.catalogue import Werkzeug
from werkstatt_xl.errors import FormError
from werkstatt_xl.expression import EXCEL_TEXT, MAX_DEPTH
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.form import load_form
from werkstatt_xl.messages import Code
from werkstatt_xl.questionnaire import LISTS_SHEET, SHEET, render_questionnaire
from werkstatt_xl.round import Project, generate, load_project, merge

WERKZEUG = Werkzeug(werkzeug_id="W1", handlungsfeld="Versorgung", werkzeug="Dorfladen", kategorie="neu", seite="1",
                    fachamt="Amt", ansprechpartner="Erika Mustermann", email="amt@example.org", handlungsfeld_nr=1,
                    row=2)


def render(form, tmp_path, name="fragebogen.xlsx"):
    path = tmp_path / name
    render_questionnaire(path, form, WERKZEUG, "0123456789abcdef",
                         Project(root=tmp_path, title="Runde", deadline=dt.date(2026, 12, 15)))
    return path


def refused(path) -> list[tuple[Code, str, int | None, str]]:
    with pytest.raises(FormError) as caught:
        load_form(path)
    return [(problem.code, problem.sheet, problem.line, problem.message) for problem in caught.value.problems]


def formulas(path) -> list[str]:
    """Every formula of the questionnaire sheet: cells, validations, conditional formats."""
    sheet = load_workbook(path)[SHEET]
    found = [cell.value for row in sheet.iter_rows() for cell in row if str(cell.value).startswith("=")]
    found += [rule.formula1 for rule in sheet.data_validations.dataValidation if rule.formula1]
    found += [formula for rules in sheet.conditional_formatting for rule in rules.rules for formula in rule.formula]
    return found


def project_with_form(example_project, xlsform, markdown):
    xlsform(markdown, name="bogen.xlsx").replace(example_project.root / "bogen.xlsx")
    config = example_project.root / "werkstatt.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('form = "vorlagen/fragebogen.xlsx"',
                                                                 'form = "bogen.xlsx"'), encoding="utf-8")
    return load_project(example_project.root)


# --- 1: labels referring to themselves -------------------------------------------------------------------------

def test_a_label_showing_its_own_answer_renders(xlsform, tmp_path, soffice):
    form = load_form(xlsform("""
        | survey |
        |        | type    | name | label                      |
        |        | text    | a    | Bisher: ${a}               |
        |        | integer | n    | Anzahl für ${a}            |
        |        | note    | h    | Zu ${n}, siehe ${a}        |
    """))
    path = render(form, tmp_path)
    filled = fill_questionnaire(path, {"a": "Erika", "n": 3}, tmp_path / "f.xlsx")
    saved = soffice(filled, "xlsx:Calc MS Excel 2007 XML", tmp_path / "libreoffice")
    shown = [cell.value for row in load_workbook(saved, data_only=True)[SHEET].iter_rows() for cell in row]
    assert {"Bisher: Erika", "Anzahl für Erika", "Zu 3, siehe Erika"} <= set(shown)


def test_labels_referring_to_each_other_are_a_circle_named_with_its_row(xlsform):
    problems = refused(xlsform("""
        | survey |
        |        | type    | name | label           |
        |        | text    | a    | A ${n}          |
        |        | integer | n    | Anzahl für ${a} |
    """))
    assert [problem[:3] for problem in problems] == [(Code.FORM_REFERENCE_CYCLE, "survey", 2)]
    assert "'a' depends on itself: a → n → a (through calculation, relevant or label)" in problems[0][3]


# --- 2: no answer makes merge crash ------------------------------------------------------------------------------

FRAGILE = """
    | survey |
    |        | type      | name  | label  | calculation             | constraint             |
    |        | text      | t     | T      |                         |                        |
    |        | integer   | n     | N      |                         |                        |
    |        | decimal   | x     | X      |                         |                        |
    |        | calculate | teil  | Teil   | substr(${t}, 0, ${n})   |                        |
    |        | calculate | rund  | Rund   | round(${x}, ${n})       |                        |
    |        | calculate | null  | Null   | pow(0, ${n})            |                        |
    |        | integer   | p     | P      |                         | pow(10, .) < 1000      |
    |        | text      | w     | W      |                         | regex(., '^\\p{L}+$')  |
"""


def test_no_answer_makes_merge_crash(example_project, xlsform):
    project = project_with_form(example_project, xlsform, FRAGILE)
    generate(project)
    files = sorted(project.outbox.glob("*.xlsx"))
    project.inbox.mkdir(exist_ok=True)
    fill_questionnaire(files[0], {"t": "Wort", "x": 2.5, "p": 400, "w": "Ärger"}, project.inbox / files[0].name)
    fill_questionnaire(files[1], {"t": "Wort", "n": 400, "x": 2.5, "p": 2, "w": "a1"}, project.inbox / files[1].name)
    fill_questionnaire(files[2], {"n": -1, "x": 1e15, "p": -400}, project.inbox / files[2].name)
    result = merge(project)
    register = result.register.set_index("file")
    computed = [register.loc[file.name, ["teil", "rund", "null"]].tolist() for file in files[:3]]
    assert computed == [[None, None, None],  # n empty: no part, no rounding, 0 to no power
                        ["Wort", 2.5, 0],  # 400 places: 2.5 stays
                        [None, 1e15, None]]  # 0 to the power -1: no value
    assert sorted((problem.file, problem.question) for problem in result.problems) == [
        (files[0].name, "P"),  # 10 to the 400th overflows: not below 1000
        (files[1].name, "W")]  # "a1" is not letters only; "Ärger" is (\p{L}, as ODK reads it)


@pytest.mark.parametrize("constraint", ["regex(., '[0-9')", "regex(., '(')"])
def test_a_pattern_that_cannot_be_read_is_refused_with_sheet_and_row(xlsform, constraint):
    problems = refused(xlsform(f"""
        | survey |
        |        | type | name | label | constraint   |
        |        | text | a    | A     |              |
        |        | text | w    | W     | {constraint} |
    """))
    assert [problem[:3] for problem in problems] == [(Code.FORM_BAD_EXPRESSION, "survey", 3)]
    assert "cannot be read" in problems[0][3]


# --- 3: the version comes from what the form says, not from its bytes ------------------------------------------

VERSIONED = """
    | survey |
    |        | type                       | name | label |
    |        | text                       | a    | A     |
    |        | select_one_from_file orte.csv | o | Ort   |
"""


def test_saving_the_form_again_unchanged_keeps_its_version_and_returns_are_taken(example_project, xlsform, soffice):
    for folder in (example_project.root, example_project.root / "libreoffice"):
        folder.mkdir(exist_ok=True)
        (folder / "orte.csv").write_text("name,label\nb,Berlin\nk,Köln\n", encoding="utf-8")
    project = project_with_form(example_project, xlsform, VERSIONED)
    form_path = example_project.root / "bogen.xlsx"
    version = load_form(form_path).version
    generate(project)
    issued = sorted(project.outbox.glob("*.xlsx"))[0]
    before = form_path.read_bytes()
    workbook = load_workbook(form_path)  # formatted, as a person does in Excel, and saved again
    workbook["survey"]["C1"].font = Font(bold=True)
    workbook["survey"].column_dimensions["C"].width = 40
    workbook.save(form_path)
    assert form_path.read_bytes() != before and load_form(form_path).version == version
    resaved = soffice(form_path, "xlsx:Calc MS Excel 2007 XML", example_project.root / "libreoffice")
    assert load_form(resaved).version == version
    project.inbox.mkdir(exist_ok=True)
    fill_questionnaire(issued, {"a": "Hallo", "o": "Köln"}, project.inbox / issued.name)
    result = merge(project)
    row = result.register.set_index("file").loc[issued.name]
    assert (row["a"], row["o"]) == ("Hallo", "Köln")
    assert not [problem for problem in result.problems if problem.code == Code.RETURN_OTHER_VERSION]
    (example_project.root / "orte.csv").write_text("name,label\nb,Berlin\nk,Köln\nw,Wien\n", encoding="utf-8")
    assert load_form(form_path).version != version  # its choices changed


# --- 4: a date in a label reads the same in every language ------------------------------------------------------

def test_a_date_and_time_in_a_label_use_no_format_codes_of_a_language(xlsform, tmp_path, soffice):
    form = load_form(xlsform("""
        | survey |
        |        | type     | name | label                 |
        |        | date     | d    | Datum                 |
        |        | time     | z    | Zeit                  |
        |        | dateTime | m    | Termin                |
        |        | note     | h    | Am ${d} um ${z}, ${m} |
    """))
    path = render(form, tmp_path)
    label = next(formula for formula in formulas(path) if "Am " in formula)
    assert not re.search(r'"[^"]*(DD|YYYY|hh|mm)[^"]*"', label)  # German Excel reads "TT.MM.JJJJ"
    filled = fill_questionnaire(path, {"d": dt.datetime(2024, 2, 29), "z": dt.time(9, 5),
                                       "m": dt.datetime(2025, 12, 1, 14, 30)}, tmp_path / "f.xlsx")
    saved = soffice(filled, "xlsx:Calc MS Excel 2007 XML", tmp_path / "libreoffice")
    shown = [cell.value for row in load_workbook(saved, data_only=True)[SHEET].iter_rows() for cell in row]
    assert "Am 29.02.2024 um 09:05, 01.12.2025 14:30" in shown


# --- 8: texts over 255 characters in formulas -------------------------------------------------------------------

def test_a_long_choice_label_is_split_into_literals_excel_accepts(xlsform, tmp_path):
    long_label = "Ja, " + "sehr lange Begründung " * 14
    form = load_form(xlsform(f"""
        | survey |
        |        | type         | name | label | calculation                     |
        |        | select_one l | l    | L     |                                 |
        |        | calculate    | c    | C     | if(${{l}} = 'ja', 'lang', 'kurz') |
        | choices |
        |         | list_name | name | label        |
        |         | l         | ja   | {long_label} |
        |         | l         | nein | Nein         |
    """))
    assert len(long_label) > EXCEL_TEXT
    found = formulas(render(form, tmp_path))
    assert any("&" in formula and long_label[:EXCEL_TEXT] in formula for formula in found)
    literals = [literal for formula in found for literal in re.findall(r'"((?:[^"]|"")*)"', formula)]
    assert max(map(len, literals)) <= EXCEL_TEXT


def test_a_rule_longer_than_excel_keeps_is_left_to_merge_with_a_notice(example_project, xlsform):
    condition = " and ".join(f"${{a}} != {number}" for number in range(30))
    project = project_with_form(example_project, xlsform, f"""
        | survey |
        |        | type    | name | label | constraint  | relevant    |
        |        | integer | a    | A     |             |             |
        |        | integer | b    | B     | {condition} |             |
        |        | integer | c    | C     |             | {condition} |
    """)
    result = generate(project)
    said = [warning for warning in result.warnings if "255" in warning]
    assert len(said) == 2 and "row 3" in said[0] and "'b'" in said[0] and "row 4" in said[1]
    questionnaire = sorted(project.outbox.glob("*.xlsx"))[0]
    assert all(len(formula) <= EXCEL_TEXT for formula in formulas(questionnaire))


def test_a_calculation_longer_than_excel_keeps_is_computed_on_merge(xlsform, tmp_path):
    words = ", ".join(f"'{number:03} {'Wort ' * 49}', ${{a}}" for number in range(40))
    form = load_form(xlsform(f"""
        | survey |
        |        | type      | name | label | calculation       |
        |        | integer   | a    | A     |                   |
        |        | calculate | c    | C     | concat({words})   |
    """))
    path = render(form, tmp_path)
    assert all(len(formula) < 8192 for formula in formulas(path))
    shown = [cell.value for row in load_workbook(path)[SHEET].iter_rows() for cell in row]
    assert "(wird bei der Auswertung berechnet)" in shown


# --- 12, 13: circles and references in texts -------------------------------------------------------------------

def test_calculations_and_relevants_in_a_circle_are_refused(xlsform):
    problems = refused(xlsform("""
        | survey |
        |        | type      | name | label | calculation | relevant   |
        |        | calculate | c    |       | ${d} + 1    |            |
        |        | calculate | d    |       | ${c} + 1    |            |
        |        | text      | e    | E     |             | ${f} = 'x' |
        |        | text      | f    | F     |             | ${e} = 'y' |
        |        | text      | g    | G     |             | ${g} = 'z' |
    """))
    assert [problem[:3] for problem in problems] == [(Code.FORM_REFERENCE_CYCLE, "survey", 2),
                                                     (Code.FORM_REFERENCE_CYCLE, "survey", 4),
                                                     (Code.FORM_REFERENCE_CYCLE, "survey", 6)]
    assert [problem[3].split("sheet, ", 1)[1] for problem in problems] == [
        "'c' depends on itself: c → d → c (through calculation, relevant or label); break the circle.",
        "'e' depends on itself: e → f → e (through calculation, relevant or label); break the circle.",
        "'g' depends on itself: g → g (through calculation, relevant or label); break the circle."]


def test_unknown_and_ambiguous_references_in_texts_are_refused_as_in_expressions(xlsform):
    problems = refused(xlsform("""
        | survey |
        |        | type        | name | label            | hint           | constraint | constraint_message |
        |        | text        | a    | A ${nichtda}     |                |            |                    |
        |        | begin group | g1   | G1               |                |            |                    |
        |        | text        | w    | W                |                |            |                    |
        |        | end group   |      |                  |                |            |                    |
        |        | begin group | g2   | G2               |                |            |                    |
        |        | text        | w    | W                |                |            |                    |
        |        | end group   |      |                  |                |            |                    |
        |        | text        | b    | B                | Wie ${w}?      | . != ''    | Nicht ${fehlt} |
    """))
    assert [problem[:3] for problem in problems] == [(Code.FORM_UNKNOWN_REFERENCE, "survey", 2),
                                                     (Code.FORM_UNKNOWN_REFERENCE, "survey", 9),
                                                     (Code.FORM_UNKNOWN_REFERENCE, "survey", 9)]
    assert "the label of 'a' refers to ${nichtda}" in problems[0][3]
    assert "g1/w, g2/w" in problems[1][3] + problems[2][3]
    assert "${fehlt}" in problems[1][3] + problems[2][3]


# --- minor: deep expressions, files outside the folder, wildcards -----------------------------------------------

@pytest.mark.parametrize("column", ["calculation", "constraint"])
def test_an_expression_nested_too_deep_is_a_form_problem(xlsform, column):
    deep = "+".join(["${a}"] * 600) if column == "calculation" else "(" * 150 + ". > 1" + ")" * 150
    problems = refused(xlsform(f"""
        | survey |
        |        | type    | name | label | {column} |
        |        | integer | a    | A     |          |
        |        | {'calculate' if column == 'calculation' else 'integer'} | b | B | {deep} |
    """))
    assert [problem[:3] for problem in problems] == [(Code.FORM_BAD_EXPRESSION, "survey", 3)]
    assert f"more than {MAX_DEPTH} levels" in problems[0][3]


@pytest.mark.parametrize("file_name", ["../orte.csv", "/etc/orte.csv", "sub\\..\\..\\orte.csv", "link.csv"])
def test_choices_from_a_file_outside_the_forms_folder_are_refused(tmp_path, file_name):
    from conftest import write_xlsform

    (tmp_path / "orte.csv").write_text("name,label\nb,Berlin\n", encoding="utf-8")
    (tmp_path / "form").mkdir()
    (tmp_path / "form" / "link.csv").symlink_to(tmp_path / "orte.csv")
    path = write_xlsform(tmp_path / "form" / "form.xlsx", f"""
        | survey |
        |        | type                             | name | label |
        |        | select_one_from_file {file_name} | o    | Ort   |
    """)
    problems = refused(path)
    assert [problem[:3] for problem in problems] == [(Code.FORM_UNSUPPORTED_TYPE, "survey", 2)]
    assert "not in the form's folder" in problems[0][3]


def test_a_dependent_dropdown_finds_a_label_with_wildcards_as_it_is(xlsform, tmp_path):
    form = load_form(xlsform("""
        | survey |
        |        | type            | name  | label | choice_filter  |
        |        | select_one land | land  | Land  |                |
        |        | select_one ort  | ort   | Ort   | land=${land}   |
        | choices |
        |         | list_name | name | label      | land |
        |         | land      | a    | A*         |      |
        |         | land      | ab   | AB         |      |
        |         | ort       | x    | X          | a    |
        |         | ort       | y    | Y          | ab   |
    """))
    path = render(form, tmp_path)
    dropdown = next(formula for formula in formulas(path) if "OFFSET" in formula)
    assert dropdown.startswith('IF(ISNA(MATCH(SUBSTITUTE($C$') and '"*","~*"' in dropdown and "~~" not in dropdown
    lists = load_workbook(path)[LISTS_SHEET]
    assert {"A*", "AB"} <= {cell.value for cell in lists[1]}


def test_a_dependent_dropdown_whose_lookup_excel_cannot_hold_offers_every_choice(xlsform, tmp_path):
    long_label = "Land " + "mit sehr langem Namen " * 12
    form = load_form(xlsform(f"""
        | survey |
        |        | type            | name  | label | choice_filter  |
        |        | select_one land | land  | Land  |                |
        |        | select_one ort  | ort   | Ort   | land=${{land}} |
        | choices |
        |         | list_name | name | label        | land |
        |         | land      | a    | {long_label} |      |
        |         | land      | ab   | AB           |      |
        |         | ort       | x    | X            | a    |
        |         | ort       | y    | Y            | ab   |
    """))
    assert len(long_label.strip()) > EXCEL_TEXT
    found = formulas(render(form, tmp_path))
    assert not any("OFFSET" in formula for formula in found)  # MATCH finds no text over 255 characters
    assert found.count("Listen!$B$2:$B$3") == 1  # the dropdown of ort offers both, merge checks the filter
