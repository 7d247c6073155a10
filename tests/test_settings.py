"""werkstatt.toml: every problem at once with its line, misspellings with the nearest known name, and
problems in [mail] only where mail settings are used."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from werkstatt_xl.cli import main
from werkstatt_xl.errors import SettingsError
from werkstatt_xl.messages import Code
from werkstatt_xl.round import generate, init_project, load_project, plan_mail


@pytest.fixture
def project(tmp_path):
    return init_project(tmp_path / "runde", example=True)


def edit_settings(project, old: str, new: str) -> None:
    config = project.root / "werkstatt.toml"
    content = config.read_text(encoding="utf-8")
    assert old in content
    config.write_text(content.replace(old, new, 1), encoding="utf-8")


def settings_error(project) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        load_project(project.root)
    return caught.value


def test_a_misspelt_section_is_an_error_with_its_line_and_the_nearest_section(project):
    edit_settings(project, "[round]", "[runde]")
    error = settings_error(project)
    assert error.codes == [Code.SETTINGS_UNKNOWN_KEY] and error.problems[0].line == 3
    assert str(error.problems[0]) == ("line 3: unknown section [runde]. Did you mean [round]? The sections are "
                                      "[round], [files], [mail].")


def test_a_misspelt_key_names_the_nearest_known_one(project):
    edit_settings(project, "deadline = ", "dedline = ")
    error = settings_error(project)
    assert error.codes == [Code.SETTINGS_UNKNOWN_KEY]
    assert str(error.problems[0]) == ("line 5: unknown setting 'dedline' in [round]. Did you mean 'deadline'? "
                                      "Known settings: title, deadline, repeat_rows, horizon, previous, prefill.")


def test_a_setting_above_every_section_says_where_it_belongs(project):
    config = project.root / "werkstatt.toml"
    config.write_text('title = "Zwischenbilanz 2026"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    assert str(settings_error(project).problems[0]) == (
        "line 1: 'title' stands above every section. It belongs below [round]. The sections are [round], "
        "[files], [mail].")


def test_every_problem_is_reported_at_once_in_line_order(project):
    edit_settings(project, "title = ", "titel = ")
    edit_settings(project, 'catalogue = "katalog.xlsx"', 'catalogue = ""')
    edit_settings(project, "smtp_port = 587", 'smtp_port = "587"')
    error = settings_error(project)
    assert error.codes == [Code.SETTINGS_UNKNOWN_KEY, Code.SETTINGS_EMPTY_FILE, Code.SETTINGS_WRONG_TYPE]
    assert [problem.line for problem in error.problems] == [4, 12, 26]
    assert str(error).startswith(f"{project.root / 'werkstatt.toml'}: the settings file has errors:\n  line 4: ")


@pytest.mark.parametrize("setting, line, code", [
    ('catalogue = ""', 12, Code.SETTINGS_EMPTY_FILE),
    ('catalogue = "  "', 12, Code.SETTINGS_EMPTY_FILE),
    ('catalogue = "eingang"', 12, Code.SETTINGS_FOLDER),
    ('form = "ergebnis"', 15, Code.SETTINGS_FOLDER),
])
def test_an_empty_or_folder_file_setting_is_a_settings_problem(project, setting, line, code):
    key = setting.split(" = ")[0]
    edit_settings(project, f'{key} = "{"katalog.xlsx" if key == "catalogue" else "vorlagen/fragebogen.xlsx"}"', setting)
    error = settings_error(project)
    assert (error.codes, [problem.line for problem in error.problems]) == ([code], [line])


def test_a_wrong_mail_setting_stops_only_what_uses_mail(project):
    edit_settings(project, "smtp_port = 587", 'smtp_port = "587"')
    edit_settings(project, 'user = ""', 'usr = ""')
    loaded = load_project(project.root)
    assert (loaded.title, loaded.deadline) == ("Zwischenbilanz 2019", dt.date(2019, 12, 13))
    generate(loaded)
    assert CliRunner().invoke(main, ["status", "-p", str(project.root)]).exit_code == 0
    with pytest.raises(SettingsError) as caught:
        plan_mail(loaded)
    assert caught.value.codes == [Code.SETTINGS_WRONG_TYPE, Code.SETTINGS_UNKNOWN_KEY]
    assert [str(problem) for problem in caught.value.problems] == [
        "line 26: [mail] smtp_port = '587' must be a whole number.",
        "line 28: unknown setting 'usr' in [mail]. Did you mean 'user'? Known settings: sender, smtp_host, "
        "smtp_port, security, user, password_env, receipts, imap_host, imap_port, imap_security, imap_user, "
        "imap_folder, imap_password_env, imap_token_env, imap_move_to."]
    result = CliRunner().invoke(main, ["mail", "-p", str(project.root)])
    assert result.exit_code == 1 and "line 26: [mail] smtp_port = '587' must be a whole number." in result.output


def test_settings_as_written_are_read(project):
    edit_settings(project, '"Zwischenbilanz 2019"', '"Zwischenbilanz 2026"')
    edit_settings(project, "deadline = 2019-12-13", 'deadline = "2026-12-15"')
    edit_settings(project, "smtp_port = 587", "smtp_port = 465")
    loaded = load_project(project.root)
    assert (loaded.title, loaded.deadline, loaded.mail.smtp_port) == ("Zwischenbilanz 2026", dt.date(2026, 12, 15),
                                                                      465)


@pytest.mark.parametrize("example", [False, True], ids=["template", "example"])
def test_the_shipped_settings_files_name_every_setting(tmp_path, example):
    import tomllib

    from werkstatt_xl.settings import SECTIONS

    root = init_project(tmp_path / "runde", example=example).root
    written = tomllib.loads((root / "werkstatt.toml").read_text(encoding="utf-8"))
    assert {section: sorted(written.get(section, {})) for section in SECTIONS} == {
        section: sorted(settings) for section, settings in SECTIONS.items()}
    load_project(root)  # and the values as shipped are valid
