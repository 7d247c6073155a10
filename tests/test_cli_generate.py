"""The command line: --version, --help, init and generate, driven through CliRunner."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from werkstatt_xl import __version__
from werkstatt_xl.catalogue import derived_id
from werkstatt_xl.cli import main
from werkstatt_xl.form import ALL_TYPES
from werkstatt_xl.issue_log import read_issue_log
from werkstatt_xl.questionnaire import SHEET

KATALOG_CSV = (
    "Handlungsfeld;Werkzeug;Kategorie;Seite;Fachamt;Ansprechpartner/-in;E-Mail\n"
    "Bildung;Lesepaten;neu;12;Amt 40;Erika Muster;bildung@example.org\n"
    "Bildung;Sicherer Schulweg;bestehend;;Amt 40;;bildung@example.org\n"
    "Mobilität;Bürgerbus;neu;7;Amt 61;;mobil@example.org\n"
)
HELP_FREE = ("pandas", "openpyxl", "xlsxwriter", "python_calamine", "numpy")


def run(*args: str):
    return CliRunner().invoke(main, [str(arg) for arg in args])


@pytest.fixture
def project(tmp_path):
    """An initialised project whose catalogue is a small CSV without Werkzeug-IDs."""
    root = tmp_path / "runde"
    assert run("init", root).exit_code == 0
    (root / "katalog.csv").write_text(KATALOG_CSV, encoding="utf-8")
    settings = root / "werkstatt.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('"katalog.xlsx"', '"katalog.csv"'),
                        encoding="utf-8")
    return root


def wrote(root, questionnaires: str, new: int, kept: int) -> str:
    """What generate prints when it wrote the questionnaires."""
    return (f"Wrote {questionnaires} to {root / 'ausgang'}: {new} new, {kept} as issued before (listed in "
            "ausgabe.csv), so that their returns still count.\n")


def sheet_text(path) -> str:
    rows = CalamineWorkbook.from_path(path).get_sheet_by_name(SHEET).to_python()
    return "\n".join(str(value) for row in rows for value in row if value != "")


def test_version():
    result = run("--version")
    assert (result.exit_code, result.output) == (0, f"werkstatt-xl, version {__version__}\n")


def test_python_dash_m_runs_the_command():
    result = subprocess.run([sys.executable, "-m", "werkstatt_xl", "--version"], capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"werkstatt-xl, version {__version__}\n", "")


def test_every_command_has_help_with_an_example():
    assert run("--help").exit_code == 0
    for name in main.commands:
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert re.search(r"^\s*Examples?:\s+werkstatt-xl " + name, result.output, re.MULTILINE), name


@pytest.mark.parametrize("args", [["--help"], ["generate", "--help"], ["init", "--help"]])
def test_help_imports_none_of_the_heavy_libraries(args):
    """``werkstatt-xl --help`` must stay fast: pandas and the workbook libraries load only when used."""
    script = ("import sys\nfrom werkstatt_xl.cli import main\n"
              f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
              f"print(sorted(name for name in {HELP_FREE!r} if name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


def test_init_creates_a_project(tmp_path):
    root = tmp_path / "runde-2026"
    result = run("init", root)
    assert (result.exit_code, result.output) == (
        0, f"Created project {root}\nNext: fill in katalog.xlsx, then 'werkstatt-xl generate -p {root}'.\n")
    assert sorted(path.name for path in root.iterdir()) == [
        "ausgang", "eingang", "ergebnis", "katalog.xlsx", "vorlagen", "werkstatt.toml"]
    assert sorted(path.name for path in (root / "vorlagen").iterdir()) == [
        "fragebogen.xlsx", "mail_bestaetigung.txt", "mail_einladung.txt", "mail_erinnerung.txt", "mail_korrektur.txt",
        "tabelle1.toml"]


def test_init_example_says_the_catalogue_is_filled_in(tmp_path):
    root = tmp_path / "beispiel"
    result = run("init", root, "--example")
    assert (result.exit_code, result.output) == (
        0, f"Created project {root}\nThe Kreis Düren catalogue is in katalog.xlsx; ausgang/ausgabe.csv records its "
           "questionnaires as issued already, so that the example's returns match them. "
           f"Next: 'werkstatt-xl generate -p {root}'.\n")
    assert (root / "ausgang" / "ausgabe.csv").is_file()


def test_init_refuses_a_folder_that_is_not_empty_and_force_keeps_returned_files(tmp_path):
    root = tmp_path / "runde"
    (root / "eingang").mkdir(parents=True)
    returned = root / "eingang" / "1-01_Lesepaten.xlsx"
    returned.write_bytes(b"returned questionnaire")

    refused = run("init", root)
    assert (refused.exit_code, refused.output) == (
        1, f"Error: {root} is not empty. Use another folder, or --force to write werkstatt.toml and katalog.xlsx "
           "anew (returned files are kept).\n")
    assert sorted(path.name for path in root.iterdir()) == ["eingang"]

    forced = run("init", root, "--force")
    assert forced.exit_code == 0, forced.output
    assert returned.read_bytes() == b"returned questionnaire"
    assert (root / "werkstatt.toml").is_file() and (root / "katalog.xlsx").is_file()


def test_init_refuses_a_file(tmp_path):
    path = tmp_path / "runde"
    path.write_text("x")
    result = run("init", path)
    assert (result.exit_code, result.output) == (1, f"Error: {path} is a file, not a folder. Choose another path.\n")


def test_init_example_then_generate(tmp_path):
    root = tmp_path / "beispiel"
    assert run("init", root, "--example").exit_code == 0
    issued_before = {entry.werkzeug_id: entry.token for entry in read_issue_log(root / "ausgang" / "ausgabe.csv")}

    result = run("generate", "-p", root)

    assert result.exit_code == 0, result.output
    kept = len(issued_before)
    assert result.stdout == wrote(root, "55 questionnaires", new=55 - kept, kept=kept)
    assert result.stderr == ""
    assert len(list((root / "ausgang").glob("*.xlsx"))) == 55
    issued = {entry.werkzeug_id: entry.token for entry in read_issue_log(root / "ausgang" / "ausgabe.csv")}
    assert len(issued) == 55 and issued_before.items() <= issued.items()


def test_generate_with_overrides_and_the_derived_ids_warning(project, tmp_path, xlsform, monkeypatch):
    xlsform("""
        | survey |
        |        | type | name    | label    | number |
        |        | text | projekt | Projekt  |        |
        |        | text | stand   | Stand    | 1      |
        | choices |
        |         | list_name | name | label |
        | settings |
        |          | form_id | version | form_title       |
        |          | kurz    | 7       | Kurzer Fragebogen |
    """, "kurz.xlsx")
    (tmp_path / "andere.csv").write_text(KATALOG_CSV.splitlines()[0] + "\nBildung;Leseclub;neu;;;;\n",
                                         encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    result = run("generate", "-p", "runde", "--title", "Zwischenbilanz 2026", "--deadline", "2026-12-15",
                 "--catalogue", "andere.csv", "--form", "kurz.xlsx")

    assert result.exit_code == 0, result.output
    assert result.stdout == wrote(project, "1 questionnaire", new=1, kept=0)
    assert result.stderr == (
        "Warning: andere.csv has Werkzeuge without Werkzeug-ID; ids were derived from the names. "
        "Run 'werkstatt-xl generate --write-ids' to store them in the catalogue, so that renaming a Werkzeug "
        "later does not orphan its questionnaire.\n")
    (entry,) = read_issue_log(project / "ausgang" / "ausgabe.csv")
    assert (entry.werkzeug_id, entry.file, entry.form_id, entry.form_version) == (
        derived_id("Leseclub"), "1-01_Leseclub.xlsx", "kurz", "7")
    text = sheet_text(project / "ausgang" / entry.file)
    assert text.startswith("Zwischenbilanz 2026\nKurzer Fragebogen\nBitte füllen Sie die gelb hinterlegten "
                           "Felder aus und senden Sie diese Datei bis zum 15.12.2026 zurück.")
    assert "\nProjekt\nwxl:projekt\n1\nStand\nwxl:stand" in text


def test_generate_says_what_the_form_leaves_out_and_reads_the_language_asked_for(project, xlsform, german):
    form = xlsform("""
        | survey |
        |        | type     | name  | label::English (en) | label::Deutsch (de) | appearance |
        |        | text     | a     | Name?               | Name?               |            |
        |        | geopoint | ort   | Where?              | Wo?                 | maps       |
        |        | text     | b     | Why?                | Warum?              |            |
    """, "sprachen.xlsx")

    result = run("generate", "-p", project, "--form", form, "--language", "de")

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:2] == [
        "Warnung: [Zeile 3] Blatt „survey“: „ort“ (geopoint) wird weggelassen: Eine Arbeitsmappe kann keinen "
        "Standort erfassen.",
        "Warnung: [Zeile 3] Blatt „survey“: Die Spalte „appearance“ (Zeile 3) wird nicht verwendet: Eine "
        "Arbeitsmappe hat ihr eigenes Layout."]
    (entry, *_) = read_issue_log(project / "ausgang" / "ausgabe.csv")
    text = sheet_text(project / "ausgang" / entry.file)
    assert "Warum?" in text and "Why?" not in text and "Wo?" not in text


def test_generate_says_a_default_that_is_no_answer_of_its_type(project, xlsform):
    form = xlsform("""
        | survey |
        |        | type          | name | label | default |
        |        | integer       | a    | A     | viele   |
        |        | select_one yn | b    | B     | y       |
        |        | select_one yn | c    | C     | vielleicht |
        | choices |
        |         | list_name | name | label |
        |         | yn        | y    | Ja    |
    """, "vorgaben.xlsx")
    result = run("generate", "-p", project, "--form", form)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:2] == [
        "Warning: [row 2] On the 'survey' sheet, the default 'viele' of 'a' is no answer of its type: its cell "
        "starts empty.",
        "Warning: [row 4] On the 'survey' sheet, the default 'vielleicht' of 'c' is no answer of its type: its cell "
        "starts empty."]


def test_generate_write_ids_stores_them_in_the_catalogue(project):
    result = run("generate", "-p", project, "--write-ids")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("Stored Werkzeug-IDs in katalog.csv.\n"
                             + wrote(project, "3 questionnaires", new=3, kept=0))
    assert result.stderr == ""
    assert (project / "katalog.csv").read_text(encoding="utf-8").splitlines()[:2] == [
        "Werkzeug-ID;Handlungsfeld;Werkzeug;Kategorie;Seite;Fachamt;Ansprechpartner/-in;E-Mail",
        f"{derived_id('Lesepaten')};Bildung;Lesepaten;neu;12;Amt 40;Erika Muster;bildung@example.org"]

    again = run("generate", "-p", project)
    assert again.stdout == wrote(project, "3 questionnaires", new=0, kept=3)

    reissued = run("generate", "-p", project, "--reissue")
    assert reissued.stdout == wrote(project, "3 questionnaires", new=3, kept=0)


def assert_fails(result, message: str):
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.endswith(f"Error: {message}\n")
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit


def test_generate_with_a_broken_catalogue(project):
    catalogue = project / "katalog.csv"
    catalogue.write_text(KATALOG_CSV.replace("bestehend", "alt"), encoding="utf-8")
    assert_fails(run("generate", "-p", project), (
        f"{catalogue}: the catalogue has errors:\n  row 3, column 'Kategorie': 'alt' is not one of neu, "
        "bestehend.\nCorrect the catalogue and run the command again."))


def test_generate_with_a_broken_form(project, xlsform):
    form = xlsform("""
        | survey |
        |        | type | name | label |
        |        | txt  | a    | A     |
        | choices |
        |         | list_name | name | label |
        | settings |
        |          | form_id | version | form_title |
        |          | f       | 1       | F          |
    """)
    assert_fails(run("generate", "-p", project, "--form", form), (
        f"{form}: the questionnaire form has errors:\n  [row 2] On the 'survey' sheet, unknown type 'txt'. "
        f"Supported: {', '.join(ALL_TYPES)}.\n"
        "Correct the form in a spreadsheet program and run the command again."))


def test_generate_without_werkstatt_toml(tmp_path):
    assert_fails(run("generate", "-p", tmp_path), (
        f"{tmp_path}: no werkstatt.toml here. Create a project with 'werkstatt-xl init {tmp_path}' or point to "
        "one with -p DIR."))


def test_generate_when_the_outbox_is_a_file(project):
    outbox = project / "ausgang"
    outbox.rmdir()
    outbox.write_text("not a folder")
    assert_fails(run("generate", "-p", project),
                 f"{outbox} is a file, not a folder. Rename or move it, then run the command again.")
    assert outbox.read_text() == "not a folder"
    assert [path.name for path in project.iterdir() if path.name.startswith(".")] == []


@pytest.fixture
def read_only():
    """``protect(folder)``: nobody may create files in ``folder`` until the test ends.

    chmod does not stop root (as tests run in CI), so as root the folder is made immutable.
    """
    protected = []

    def protect(folder):
        if os.geteuid() != 0:
            folder.chmod(0o555)
        elif shutil.which("chattr") is None:
            pytest.skip("running as root without chattr (e2fsprogs): no way to make a folder read-only")
        elif subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("running as root on a file system without chattr +i: no way to make a folder read-only")
        protected.append(folder)

    yield protect
    for folder in protected:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def test_generate_into_a_folder_that_cannot_be_written(project, read_only):
    read_only(project)
    assert_fails(run("generate", "-p", project), (
        f"{project / 'ausgang'}: cannot write here (permission denied). If the file is open in Excel or "
        "LibreOffice, close it; otherwise check the folder's permissions, then run the command again."))
    assert list((project / "ausgang").iterdir()) == []


@pytest.mark.parametrize("line, message", [
    ("deadline = 20191213", "line 5: deadline 20191213 is not a date like 2019-12-13."),
    ('deadline = "13.12.2019"', "line 5: deadline '13.12.2019' is not a date like 2019-12-13."),
    ("title = 2019", "line 4: [round] title = 2019 must be text in quotes."),
])
def test_wrong_types_in_the_settings_are_named(tmp_path, line, message):
    root = tmp_path / "runde"
    run("init", root, "--example")
    settings = root / "werkstatt.toml"
    key = line.split(" = ")[0]
    text = settings.read_text(encoding="utf-8")
    settings.write_text("\n".join(line if row.startswith(f"{key} = ") else row for row in text.splitlines()),
                        encoding="utf-8")
    result = run("generate", "-p", root)
    assert (result.exit_code, result.output) == (
        1, f"Error: {settings}: the settings file has errors:\n  {message}\nCorrect it and run the command again.\n")


def test_init_force_keeps_the_previous_catalogue_as_backup(tmp_path):
    root = tmp_path / "runde"
    run("init", root, "--example")
    filled = (root / "katalog.xlsx").read_bytes()
    assert run("init", root, "--force").exit_code == 0
    assert (root / "katalog.xlsx.bak").read_bytes() == filled
    assert (root / "katalog.xlsx").read_bytes() != filled


def test_every_command_is_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [name for name in main.commands if f"werkstatt-xl {name}" not in readme]
    assert missing == []
