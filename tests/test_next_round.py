"""The yearly cycle: ``init NEW --from OLD --prefill``, last round's answers carried forward, "Veränderungen",
returns of the old round rejected as such; round values as placeholders in the project's templates.

The cycle runs once per module on real folders, through the command line, with returns re-saved by
LibreOffice (xlsx and ods) among them.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from werkstatt_xl.cli import main
from werkstatt_xl.errors import FormError, ProjectError, ReportDefinitionError, SettingsError
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.form import load_form
from werkstatt_xl.issue_log import read_issue_log
from werkstatt_xl.mail import load_template
from werkstatt_xl.master import REGISTER_SHEET, read_sheet
from werkstatt_xl.messages import Code
from werkstatt_xl.placeholders import fill_placeholders
from werkstatt_xl.register import Outcome
from werkstatt_xl.report import load_report_definition
from werkstatt_xl.resources import example_path, template_path
from werkstatt_xl.round import (
    init_next_round,
    init_project,
    load_project,
    merge,
    previous_round,
    read_problems,
    round_changes,
)
from werkstatt_xl.rounds import CHANGED, UNCHANGED, comparable, next_version
from werkstatt_xl.toml_lines import with_values

CHANGES = {  # Werkzeug-ID -> (question, new answer, how the department saved it)
    "W01": ("budget", "k.A.", None),
    "W02": ("erfolg", "Hoch", "xlsx"),
    "W03": ("anmerkungen", "Seit 2020 auch digital.", "ods"),
}
UNTOUCHED_BY_LIBREOFFICE = {"W04": "xlsx", "W05": "ods"}
REWORDED = "fortfuehrung"
"""Question 8, "nach {{horizon}}": "nach 2020" last round, "nach 2025" in this one."""
"""Returned unchanged, but opened and saved by LibreOffice."""
OLD_RETURNS = 3


def run(*args) -> object:
    return CliRunner().invoke(main, [str(arg) for arg in args])


def report_definition_error(project, old: str, new: str):
    """Replace old by new in the project's tabelle1.toml; the line of new and the error loading it raises."""
    definition = project.root / "vorlagen" / "tabelle1.toml"
    content = definition.read_text(encoding="utf-8").replace(old, new)
    definition.write_text(content, encoding="utf-8")
    line = next(number for number, text in enumerate(content.splitlines(), 1) if new in text)
    values = project.round_values
    with pytest.raises(ReportDefinitionError) as error:
        load_report_definition(definition, load_form(project.form_path, values=values), values=values)
    return line, error


def entry_of(project, werkzeug_id: str):
    return next(entry for entry in read_issue_log(project.issue_log) if entry.werkzeug_id == werkzeug_id)


def resaved(soffice, source: Path, target_format: str, folder: Path) -> Path:
    """``source`` opened and saved by LibreOffice as ``target_format``."""
    return soffice(source, target_format, folder / target_format)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory, soffice):
    """Two rounds: the example round merged, then the next one with three changes and the rest untouched."""
    base = tmp_path_factory.mktemp("cycle")
    old_root, new_root = base / "runde", base / "runde-2020"
    assert run("init", old_root, "--example").exit_code == 0
    assert run("generate", "-p", old_root).exit_code == 0
    for path in (example_path() / "eingang").iterdir():
        shutil.copy2(path, old_root / "eingang" / path.name)
    assert run("merge", "-p", old_root).exit_code == 0
    created = run("init", new_root, "--from", old_root, "--prefill", "--horizon", "2025",
                  "--title", "Zwischenbilanz 2020", "--deadline", "2020-12-11")
    generated = run("generate", "-p", new_root)
    new = load_project(new_root)
    for entry in read_issue_log(new.issue_log):
        source = new.outbox / entry.file
        if entry.werkzeug_id in CHANGES:
            question, answer, saved_as = CHANGES[entry.werkzeug_id]
            filled = fill_questionnaire(source, {question: answer}, base / "filled" / entry.file)
            if saved_as:
                filled = resaved(soffice, filled, saved_as, base / "lo")
        elif entry.werkzeug_id in UNTOUCHED_BY_LIBREOFFICE:
            filled = resaved(soffice, source, UNTOUCHED_BY_LIBREOFFICE[entry.werkzeug_id], base / "lo")
        else:
            filled = source
        shutil.copy2(filled, new.inbox / filled.name)
    (new.inbox / "alt").mkdir()
    old_files = sorted((old_root / "eingang").iterdir())[:OLD_RETURNS]
    for path in old_files:
        shutil.copy2(path, new.inbox / "alt" / path.name)
    merged = run("merge", "-p", new_root)
    return dict(old=load_project(old_root), new=new, created=created, generated=generated, merged=merged,
                old_files=[f"alt/{path.name}" for path in old_files])


def test_init_from_carries_catalogue_templates_and_settings_with_a_new_version(cycle):
    old, new = cycle["old"], cycle["new"]
    assert cycle["created"].exit_code == 0, cycle["created"].output
    assert "form version 2019.1 -> 2020.1" in cycle["created"].output
    assert (new.title, str(new.deadline), new.horizon, new.prefill) == ("Zwischenbilanz 2020", "2020-12-11", 2025, True)
    assert new.mail.sender == old.mail.sender
    assert (new.root / "katalog.xlsx").read_bytes() == (old.root / "katalog.xlsx").read_bytes()
    assert new.form_path == new.root / "vorlagen" / "fragebogen.xlsx"
    assert load_form(new.form_path, values=new.round_values).version == "2020.1"
    for name in ("tabelle1.toml", "mail_einladung.txt", "mail_erinnerung.txt"):
        assert (new.root / "vorlagen" / name).read_bytes() == (old.root / "vorlagen" / name).read_bytes()
    previous = previous_round(new)
    assert (previous.title, previous.form_version) == ("Zwischenbilanz 2019", "2019.1")
    assert previous.tokens == {entry.token for entry in read_issue_log(old.issue_log)}
    assert not previous.tokens & {entry.token for entry in read_issue_log(new.issue_log)}


def test_question_8_and_the_tabelle1_header_say_nach_2025(cycle):
    new = cycle["new"]
    questionnaire = load_workbook(new.outbox / entry_of(new, "W10").file, rich_text=True)["Fragebogen"]
    labels = [str(row[1]) for row in questionnaire.iter_rows(values_only=True) if row[0] == "8"]
    assert labels and labels[0].startswith("Das Projekt wird auch nach 2025 fortgeführt.")
    table = load_workbook(new.report_workbook_path)["Tabelle 1"]
    texts = {cell.value for row in table.iter_rows() for cell in row if isinstance(cell.value, str)}
    assert "Fortführung nach 2025" in texts
    assert not any("2020" in value for value in texts if "Fortführung" in value)
    charts = load_workbook(new.report_workbook_path)["Auswertung"]
    assert any(cell.value == "8 Fortführung nach 2025" for row in charts.iter_rows() for cell in row)


def test_the_questionnaires_carry_last_rounds_answers_visibly_marked(cycle):
    old, new = cycle["old"], cycle["new"]
    assert "Last round's answers carried into 55 questionnaires" in cycle["generated"].output
    previous = read_sheet(old.master_path, REGISTER_SHEET).set_index("werkzeug_id").loc["W10"]
    sheet = load_workbook(new.outbox / entry_of(new, "W10").file, rich_text=True)["Fragebogen"]
    rows = {str(row[0].value): row for row in sheet.iter_rows() if row[0].value in ("1", "8")}
    assert rows["1"][2].value == previous["umsetzung"]
    assert "Vorjahresangabe – bitte prüfen" in str(rows["1"][1].value)
    assert rows["1"][2].fill.fgColor.rgb.endswith("FFE7C2") and not rows["1"][2].protection.locked
    # question 8 now asks of another year: last round's answer answered another question
    assert previous[REWORDED] and rows["8"][2].value is None and "Vorjahresangabe" not in str(rows["8"][1].value)
    intro = next(row[0].value for row in sheet.iter_rows() if str(row[0].value).startswith("Bitte füllen"))
    assert "„Vorjahresangabe – bitte prüfen“" in intro


def test_every_untouched_return_carries_last_years_answers(cycle):
    old, new = cycle["old"], cycle["new"]
    before = read_sheet(old.master_path, REGISTER_SHEET).set_index("werkzeug_id")
    after = read_sheet(new.master_path, REGISTER_SHEET).set_index("werkzeug_id")
    answers = [name for name in load_form(new.form_path, values=new.round_values).answer_names()
               if name in before and name != REWORDED]
    untouched = [werkzeug_id for werkzeug_id in before.index if werkzeug_id not in CHANGES]
    assert len(untouched) == 52 and set(UNTOUCHED_BY_LIBREOFFICE) <= set(untouched)
    for werkzeug_id in untouched:
        assert after.loc[werkzeug_id, "status"] == "eingegangen", werkzeug_id
        assert [comparable(after.loc[werkzeug_id, name]) for name in answers] == [
            comparable(before.loc[werkzeug_id, name]) for name in answers], werkzeug_id
    assert sum(comparable(value) is not None for value in after.loc[untouched, "umsetzung"]) == 52
    assert after.loc[untouched, REWORDED].isna().all()  # not carried, not counted as changed


def test_veraenderungen_lists_exactly_the_three_changes(cycle):
    old, new = cycle["old"], cycle["new"]
    assert cycle["merged"].exit_code == 0, cycle["merged"].output
    assert ("Since the previous round: changed answers: 3 Werkzeuge; returned unchanged: 52 Werkzeuge"
            in cycle["merged"].output)
    before = read_sheet(old.master_path, REGISTER_SHEET).set_index("werkzeug_id")
    sheet = read_sheet(new.master_path, "Veränderungen")
    changed = sheet[sheet["change"] == CHANGED]
    expected = {(werkzeug_id, comparable(before.loc[werkzeug_id, question]), answer)
                for werkzeug_id, (question, answer, _) in CHANGES.items()}
    assert {(row.werkzeug_id, comparable(row.previous), row.current) for row in changed.itertuples()} == expected
    assert changed.set_index("werkzeug_id").loc["W01", "question"].startswith("7 Das eingeplante Budget")
    assert not any("fortgeführt" in question for question in sheet["question"].dropna())  # question 8: reworded
    assert set(sheet.loc[sheet["change"] == UNCHANGED, "werkzeug_id"]) == set(before.index) - set(CHANGES)
    headers = [cell.value for cell in load_workbook(new.master_path)["Veränderungen"][2]]
    assert headers == ["Werkzeug-ID", "Werkzeug", "Veränderung", "Frage", "Vorrunde", "Diese Runde"]
    library = round_changes(new)  # the same as a DataFrame, from the register of the last merge
    columns = ["werkzeug_id", "change", "question", "previous", "current"]
    assert [[comparable(value) for value in row] for row in library[columns].values.tolist()] == [
        [comparable(value) for value in row] for row in sheet[columns].values.tolist()]


@pytest.mark.parametrize("writer", ["merge", "report"])
def test_tabelle1_marks_the_changed_rows(cycle, writer):
    new = cycle["new"]
    if writer == "report":  # report rewrites Tabelle 1 from the register and marks the same rows
        assert run("report", "-p", new.root).exit_code == 0
    sheet = load_workbook(new.report_workbook_path)["Tabelle 1"]
    names = read_sheet(new.master_path, REGISTER_SHEET).set_index("werkzeug")["werkzeug_id"].to_dict()
    marked = {names[row[0].value] for row in sheet.iter_rows() if row[0].value in names
              and row[-1].fill.fgColor.rgb.endswith("FFE699")}
    assert marked == set(CHANGES)
    assert "gelb = Angaben gegenüber der Vorrunde geändert" in str(sheet.cell(1, sheet.max_column).value)


def test_old_round_files_are_rejected_as_another_round(cycle):
    new = cycle["new"]
    problems = {problem["file"]: problem for problem in read_problems(new) if problem["file"].startswith("alt/")}
    assert set(problems) == set(cycle["old_files"])
    for problem in problems.values():
        assert problem["code"] == Code.RETURN_OTHER_ROUND
        assert problem["problem"] == "Fragebogen einer früheren Runde: in dieser Runde gilt ein neuer Fragebogen."
    assert "3 rejected" in cycle["merged"].output


# --- bad input: each a message with what to do, nothing half-written -----------------------------------

def test_from_a_folder_that_is_no_project(tmp_path):
    (tmp_path / "leer").mkdir()
    result = run("init", tmp_path / "neu", "--from", tmp_path / "leer", "--title", "T", "--horizon", "2025")
    assert result.exit_code == 1 and "is not a project folder (no werkstatt.toml)" in result.output
    assert not (tmp_path / "neu").exists()


def test_an_old_round_without_register_or_a_horizon_that_is_no_year(example_project, tmp_path):
    with pytest.raises(ProjectError, match="has not been merged.*werkstatt-xl merge"):
        init_next_round(tmp_path / "neu", example_project.root, "Zwischenbilanz 2020", 2025)
    assert not (tmp_path / "neu").exists()
    result = run("init", tmp_path / "neu", "--from", example_project.root, "--title", "T", "--horizon", "bald",
                 "--deadline", "2020-12-11")
    assert result.exit_code == 1 and "horizon 'bald' is not a year" in result.output
    assert not (tmp_path / "neu").exists()


def test_an_old_register_from_another_form(example_project, tmp_path):
    from werkstatt_xl.form import load_form as read_form
    from werkstatt_xl.master import write_master_workbook
    from werkstatt_xl.register import register_headers

    register = merge_example(example_project).register.drop(columns=["umsetzung"])
    headers = register_headers(read_form(example_project.form_path, values=example_project.round_values))
    del headers["umsetzung"]
    write_master_workbook(example_project.master_path, register, [], headers)
    with pytest.raises(ProjectError, match="does not belong to the form .*umsetzung"):
        init_next_round(tmp_path / "neu", example_project.root, "Zwischenbilanz 2020", 2025)
    assert not (tmp_path / "neu").exists()


def merge_example(project):
    """The example round generated and merged."""
    from werkstatt_xl.round import generate

    generate(project)
    for path in (example_path() / "eingang").iterdir():
        shutil.copy2(path, project.inbox / path.name)
    return merge(project)


def test_a_template_missing_from_the_project_folder(example_project):
    (example_project.root / "vorlagen" / "fragebogen.xlsx").unlink()
    result = run("generate", "-p", example_project.root)
    assert result.exit_code == 1
    assert "fragebogen.xlsx" in result.output and "set [files] form in werkstatt.toml" in result.output
    (example_project.root / "vorlagen" / "mail_einladung.txt").unlink()
    with pytest.raises(ProjectError, match="mail_einladung.txt: cannot read the e-mail text"):
        load_template(example_project.mail_template_path("mail_invitation"), values=example_project.round_values)


def test_a_bad_placeholder_names_file_sheet_or_line(example_project, xlsform):
    form = xlsform("""
        | survey   |
        |          | type | name | label                        |
        |          | text | a    | Was geschah bis {{horizn}}?  |
        | settings |
        |          | form_id | version | form_title |
        |          | f       | 1       | F          |
        | choices  |
        |          | list_name | name | label |
    """)
    with pytest.raises(FormError) as error:
        load_form(form, values=example_project.round_values)
    assert error.value.problems[0].code == Code.TEMPLATE_UNKNOWN_PLACEHOLDER
    assert "[row 2] On the 'survey' sheet, unknown placeholder {{horizn}}" in str(error.value)
    line, error = report_definition_error(example_project, "Rücklauf)", "Rücklauf bis {{frist}})")
    assert error.value.problems[0].code == Code.TEMPLATE_UNKNOWN_PLACEHOLDER
    assert f"line {line}: unknown placeholder {{{{frist}}}}" in str(error.value)


def test_an_unset_round_value_says_how_to_set_it(tmp_path):
    project = init_project(tmp_path / "runde")
    assert (project.deadline, project.horizon) == (None, dt.date.today().year + 1)  # said in the file, to check
    config = project.root / "werkstatt.toml"
    config.write_text(with_values(config.read_text(encoding="utf-8"), "round", {"horizon": ""}), encoding="utf-8")
    project = load_project(project.root)  # no deadline, no horizon
    with pytest.raises(FormError) as error:
        load_form(project.form_path, values=project.round_values)
    assert error.value.problems[0].code == Code.TEMPLATE_VALUE_UNSET
    assert "{{horizon}} needs [round] horizon in werkstatt.toml" in str(error.value)
    assert "horizon = 2027" in str(error.value)
    config.write_text(with_values(config.read_text(encoding="utf-8"), "round", {"horizon": "bald"}), encoding="utf-8")
    with pytest.raises(SettingsError) as error:
        load_project(project.root)
    assert error.value.problems[0].code == Code.SETTINGS_BAD_YEAR


def test_generate_warns_of_the_previous_rounds_version_and_title(cycle, tmp_path):
    root = tmp_path / "kopie"
    shutil.copytree(cycle["new"].root, root)
    config = root / "werkstatt.toml"
    config.write_text(with_values(config.read_text(encoding="utf-8"), "round", {"title": "Zwischenbilanz 2019"}),
                      encoding="utf-8")
    from werkstatt_xl.form import write_form_version

    write_form_version(root / "vorlagen" / "fragebogen.xlsx", "2019.1")
    result = run("generate", "-p", root, "--reissue")
    assert result.exit_code == 0
    assert "the form version 2019.1 is the previous round's" in result.output
    assert "the title 'Zwischenbilanz 2019' is the previous round's" in result.output


def test_a_werkzeug_new_in_the_catalogue_gets_a_blank_questionnaire(cycle, tmp_path):
    from openpyxl import load_workbook as open_workbook

    root = tmp_path / "neu"
    shutil.copytree(cycle["new"].root, root)
    catalogue = open_workbook(root / "katalog.xlsx")
    sheet = catalogue.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, (cell.value for cell in sheet[2])))
    row.update({header[0]: "W99", "Werkzeug": "Neues Werkzeug"})
    sheet.append([row[name] for name in header])
    catalogue.save(root / "katalog.xlsx")
    result = run("generate", "-p", root, "--reissue")
    assert result.exit_code == 0 and "carried into 55 questionnaires" in result.output
    project = load_project(root)
    blank = load_workbook(project.outbox / entry_of(project, "W99").file, rich_text=True)["Fragebogen"]
    assert not any("Vorjahresangabe" in str(cell.value) for row in blank.iter_rows() for cell in row)


def test_an_existing_project_without_vorlagen_keeps_working(example_project):
    """A werkstatt.toml from before vorlagen/: the shipped templates, the horizon the year after the deadline."""
    config = example_project.root / "werkstatt.toml"
    content = "\n".join(line for line in config.read_text(encoding="utf-8").splitlines()
                        if not line.startswith(("horizon", "form", "report", "mail_")))
    config.write_text(content, encoding="utf-8")
    shutil.rmtree(example_project.root / "vorlagen")
    project = load_project(example_project.root)
    assert project.form_path == template_path("fragebogen.xlsx") and project.horizon is None
    assert load_form(project.form_path, values=project.round_values).question("fortfuehrung").label == (
        "Das Projekt wird auch nach 2020 fortgeführt.")
    result = merge_example(project)
    assert result.changes is None and result.counts["accepted"] == 55
    assert all(record.outcome is Outcome.ACCEPTED for record in result.returns)


@pytest.mark.parametrize("version, year, expected", [
    ("2019.1", 2020, "2020.1"), ("2019.1", None, "2019.2"), ("2019.1", 2019, "2019.2"), ("v3", 2030, "v4"),
    ("2020.9", 2020, "2020.10"), ("eins", None, "eins.2")])
def test_next_version(version, year, expected):
    assert next_version(version, year) == expected


def test_placeholders_are_filled_once_and_escaped_for_their_file():
    values = {"title": "Kosten in $", "horizon": "2025", "deadline": None}
    assert fill_placeholders("${a} nach {{ horizon }}: $title", values) == "${a} nach 2025: $title"
    assert fill_placeholders("{{title}}", values, escape=lambda value: value.replace("$", "$$")) == "Kosten in $$"


def test_with_values_keeps_comments_and_adds_missing_keys():
    content = '[round]\ntitle = "Alt"   # the title\n\n[files]\ncatalogue = "k.xlsx"\n'
    changed = with_values(content, "round", {"title": 'Neu "2020" # x', "horizon": 2025})
    assert changed == '[round]\ntitle = "Neu \\"2020\\" # x"   # the title\nhorizon = 2025\n\n[files]\ncatalogue = "k.xlsx"\n'


def test_init_from_asks_for_what_is_not_given(cycle, tmp_path):
    root = tmp_path / "runde-2021"
    result = CliRunner().invoke(main, ["init", str(root), "--from", str(cycle["old"].root)],
                                input="\n2021-12-10\n2026\n")
    assert result.exit_code == 0, result.output
    assert "Title of the new round [Zwischenbilanz 2020]: " in result.output  # the old title, a year on
    project = load_project(root)
    assert (project.title, str(project.deadline), project.horizon, project.prefill) == (
        "Zwischenbilanz 2020", "2021-12-10", 2026, False)
    assert load_form(project.form_path, values=project.round_values).version == "2021.1"


def test_round_values_reach_the_e_mails(cycle, tmp_path):
    from werkstatt_xl.round import plan_mail

    root = tmp_path / "kopie"
    shutil.copytree(cycle["new"].root, root)
    template = root / "vorlagen" / "mail_einladung.txt"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "$werkzeuge\n", "$werkzeuge\n\nBitte sagen Sie uns auch, ob es nach {{horizon}} weitergeht ({{title}}).\n"),
        encoding="utf-8")
    body = plan_mail(load_project(root)).messages[0].message.get_body().get_content()
    assert "ob es nach 2025 weitergeht (Zwischenbilanz 2020)." in body
    template.write_text(template.read_text(encoding="utf-8").replace("{{horizon}}", "{{jahr}}"), encoding="utf-8")
    with pytest.raises(ProjectError, match=r"mail_einladung.txt, line \d+: unknown placeholder \{\{jahr\}\}"):
        plan_mail(load_project(root))


def test_an_old_round_whose_issue_log_is_lost_still_hands_on_its_tokens(cycle, tmp_path):
    """The old tokens are read from the questionnaires in its ausgang/: its returns are still told apart."""
    old = tmp_path / "alt"
    shutil.copytree(cycle["old"].root, old)
    (old / "ausgang" / "ausgabe.csv").unlink()
    init_next_round(tmp_path / "neu", old, "Zwischenbilanz 2020", "2025")
    tokens = {entry.token for entry in read_issue_log(tmp_path / "neu" / "vorrunde" / "ausgabe.csv")}
    assert tokens == {entry.token for entry in read_issue_log(cycle["old"].issue_log)} and len(tokens) == 55


def test_marking_changed_rows_is_an_option_of_the_report_definition(cycle, tmp_path):
    root = tmp_path / "kopie"
    shutil.copytree(cycle["new"].root, root)
    definition = root / "vorlagen" / "tabelle1.toml"
    definition.write_text(definition.read_text(encoding="utf-8").replace("mark = true", "mark = false"),
                          encoding="utf-8")
    assert run("report", "-p", root).exit_code == 0
    sheet = load_workbook(root / "ergebnis" / "tabelle1.xlsx")["Tabelle 1"]
    assert not any(cell.fill.fgColor.rgb.endswith("FFE699") for row in sheet.iter_rows() for cell in row
                   if cell.fill.fgColor.rgb)
    assert "Vorrunde" not in str(sheet.cell(1, sheet.max_column).value)


def test_prefill_without_a_previous_round_is_warned_of(example_project):
    config = example_project.root / "werkstatt.toml"
    config.write_text(with_values(config.read_text(encoding="utf-8"), "round", {"prefill": True}), encoding="utf-8")
    result = run("generate", "-p", example_project.root)
    assert result.exit_code == 0 and "[round] prefill = true, but the project knows no previous round" in result.output
    assert "carried into" not in result.output


CARRIED_FORM = """
    | survey   |
    |          | type                 | name       | label       |
    |          | select_one ja        | fortsetzen | Fortsetzen? |
    |          | select_multiple farbe | farben    | Farben      |
    |          | time                 | uhrzeit    | Uhrzeit     |
    |          | integer              | anzahl     | Anzahl      |
    |          | begin_repeat         | termine    | Termine     |
    |          | text                 | ort        | Ort         |
    |          | end_repeat           |            |             |
    | settings |
    |          | form_id | version | form_title |
    |          | eigen   | 2019.1  | Eigen      |
    | choices  |
    |          | list_name | name  | label |
    |          | ja        | ja    | Ja    |
    |          | ja        | nein  | Nein  |
    |          | farbe     | rot   | Rot   |
    |          | farbe     | gruen | Grün  |
"""


@pytest.fixture
def own_form_round(tmp_path, xlsform):
    """The example project with a form of its own (and the unedited Tabelle 1 copy), answered and merged."""
    root = tmp_path / "alt"
    assert run("init", root, "--example").exit_code == 0
    shutil.copy2(xlsform(CARRIED_FORM), root / "vorlagen" / "fragebogen.xlsx")
    assert run("generate", "-p", root).exit_code == 0
    project = load_project(root)
    answers = {"fortsetzen": "Ja", "farben": ["rot", "gruen"], "uhrzeit": dt.time(14, 30), "anzahl": 3,
               "ort@1": "Düren"}
    for entry in read_issue_log(project.issue_log):
        fill_questionnaire(project.outbox / entry.file, answers, project.inbox / entry.file)
    merged = run("merge", "-p", root)
    assert merged.exit_code == 0, merged.output
    assert project.summary_path.is_file()  # the shipped Tabelle 1 does not fit: the summary instead
    return project


def test_init_from_a_project_with_its_own_form_and_the_unedited_tabelle1(own_form_round, tmp_path):
    created = run("init", tmp_path / "neu", "--from", own_form_round.root, "--title", "Runde 2020",
                  "--horizon", "2025", "--deadline", "2020-12-11")
    assert created.exit_code == 0, created.output
    definition = own_form_round.root / "vorlagen" / "tabelle1.toml"
    definition.write_text(definition.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # edited: its own
    refused = run("init", tmp_path / "neu2", "--from", own_form_round.root, "--title", "Runde 2020",
                  "--horizon", "2025", "--deadline", "2020-12-11")
    assert refused.exit_code == 1 and str(definition) in refused.output and "fortfuehrung" in refused.output
    assert ".neu2-new" not in refused.output and not (tmp_path / "neu2").exists()


def test_untouched_returns_carry_select_multiple_and_time_and_show_no_change(own_form_round, tmp_path):
    root = tmp_path / "neu"
    assert run("init", root, "--from", own_form_round.root, "--prefill", "--title", "Runde 2020", "--horizon",
               "2025", "--deadline", "2020-12-11").exit_code == 0
    assert run("generate", "-p", root).exit_code == 0
    project = load_project(root)
    for entry in read_issue_log(project.issue_log):
        shutil.copy2(project.outbox / entry.file, project.inbox / entry.file)
    merged = run("merge", "-p", root)
    assert merged.exit_code == 0, merged.output
    old = read_sheet(own_form_round.master_path, REGISTER_SHEET)
    new = read_sheet(project.master_path, REGISTER_SHEET)
    for name in ("fortsetzen", "farben", "uhrzeit", "anzahl"):
        assert list(new[name]) == list(old[name]) and new[name].notna().all(), name
    changes = round_changes(project)
    assert len(changes) == len(new) and set(changes["change"]) == {UNCHANGED}  # the repeat is not compared


def test_veraenderungen_shows_a_select_multiple_by_its_labels(own_form_round, tmp_path):
    root = tmp_path / "neu"
    assert run("init", root, "--from", own_form_round.root, "--prefill", "--title", "Runde 2020", "--horizon",
               "2025", "--deadline", "2020-12-11").exit_code == 0
    assert run("generate", "-p", root).exit_code == 0
    project = load_project(root)
    entry = read_issue_log(project.issue_log)[0]
    fill_questionnaire(project.outbox / entry.file, {"farben#gruen": None}, project.inbox / entry.file)
    assert run("merge", "-p", root).exit_code == 0
    changes = round_changes(project)
    changed = changes[changes["change"] == CHANGED]
    assert list(changed["previous"]) == ["Rot; Grün"] and list(changed["current"]) == ["Rot"]


def test_a_malformed_placeholder_is_refused_at_its_row_or_line(example_project, xlsform):
    form = xlsform("""
        | survey   |
        |          | type | name | label                 |
        |          | text | a    | Fortführung nach 2020 |
        |          | text | b    | Was bis {{horizon}?   |
        | settings |
        |          | form_id | version | form_title |
        |          | f       | 1       | F          |
        | choices  |
        |          | list_name | name | label |
    """)
    values = example_project.round_values
    with pytest.raises(FormError) as error:
        load_form(form, values=values)
    assert error.value.problems[0].code == Code.TEMPLATE_MALFORMED_PLACEHOLDER
    assert "[row 3] On the 'survey' sheet, malformed placeholder {{horizon}" in str(error.value)
    line, error = report_definition_error(example_project, "nach {{horizon}}", "nach {{{horizon}}}")
    assert error.value.problems[0].code == Code.TEMPLATE_MALFORMED_PLACEHOLDER
    assert f"line {line}: malformed placeholder {{{{{{horizon}}}}}}" in str(error.value)
    assert fill_placeholders("nach {{horizon}}, Seite {page}", values) == "nach 2020, Seite {page}"


def test_a_mistyped_date_at_the_prompt_is_asked_again(cycle, tmp_path):
    root = tmp_path / "runde-2021"
    result = CliRunner().invoke(main, ["init", str(root), "--from", str(cycle["old"].root), "--title", "T",
                                       "--horizon", "2026"], input="31.13.2021\n10.12.2021\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Deadline (YYYY-MM-DD or DD.MM.YYYY, empty: none)") == 2
    assert str(load_project(root).deadline) == "2021-12-10"


def test_a_full_target_folder_is_refused_before_asking(cycle):
    result = CliRunner().invoke(main, ["init", str(cycle["new"].root), "--from", str(cycle["old"].root)], input="")
    assert result.exit_code == 1 and "Title of the new round" not in result.output
    assert str(cycle["new"].root) in result.output


def test_a_round_going_backwards_is_warned_of(cycle, tmp_path):
    result = run("init", tmp_path / "rueckwaerts", "--from", cycle["old"].root, "--title", "T",
                 "--deadline", "2018-01-01", "--horizon", "2019")
    assert result.exit_code == 0, result.output
    assert "the new round's deadline 2018-01-01 is earlier than the old round's (2019-12-13)" in result.output
    assert "the new round's horizon 2019 is earlier than the old round's (2020)" in result.output
    forward = run("init", tmp_path / "vorwaerts", "--from", cycle["old"].root, "--title", "T",
                  "--deadline", "2020-12-11", "--horizon", "2025")
    assert forward.exit_code == 0 and "earlier than" not in forward.output


def test_a_missing_report_definition_names_no_line(example_project):
    (example_project.root / "vorlagen" / "tabelle1.toml").unlink()
    with pytest.raises(ReportDefinitionError) as error:
        values = example_project.round_values
        load_report_definition(example_project.report_path, load_form(example_project.form_path, values=values),
                               values=values)
    assert "the file does not exist" in str(error.value) and "line 1" not in str(error.value)
