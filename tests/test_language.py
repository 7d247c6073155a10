"""The terminal's language: German under a German environment, English otherwise, --help and click's
own words included; and the gettext catalogues that hold its texts."""

from __future__ import annotations

import os
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner
from openpyxl import load_workbook

from werkstatt_xl import register
from werkstatt_xl.cli import NOT_RETURNED, SHOWN, TO_CHECK, main
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.issue_log import read_issue_log
from werkstatt_xl.messages import DOMAIN, LOCALE_DIR, de, language, plural, text
from werkstatt_xl.resources import example_path

SOURCE = Path(__file__).resolve().parents[1] / "werkstatt_xl" / "locale"
"""The catalogues in the repository: .po written by people, .mo compiled from them."""
VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
ENGLISH = re.compile(
    r"(?<!--)\b(?:the|and|of|to|is|are|were|with|for|not|no|this|that|from|by|has|have|it|its|be|run|please|usage|"
    r"options|commands|show|error|warning|wrote|created|next|sent|skipped|received|still|total|problems|"
    r"questionnaires?|files?|missing|more|confirmed|drafts?|returns?|accepted|rejected|none)\b", re.IGNORECASE)
"""English words that no German sentence of the terminal contains (an option's name, e.g. ``--from``, is the
same in every language)."""
SETTING = re.compile(r"\[\w+\](?: \w+)?")
"""A setting of werkstatt.toml named in a sentence, e.g. ``[files] report``: the same in every language."""
OPTION = re.compile(r"--[\w-]+")
"""An option's name (``--from-folder``): the same in every language."""


def english_words(output: str, *paths: Path) -> list[str]:
    """The English words in ``output``, apart from ``paths`` and settings of werkstatt.toml."""
    for path in paths:
        output = output.replace(str(path), "")
    return ENGLISH.findall(SETTING.sub("", OPTION.sub("", output)))


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle) if path.suffix == ".po" else read_mo(handle)


def entries(catalogue) -> dict:
    """msgid (a pair for an entry with plural forms) -> msgstr (its forms), without the header."""
    def plain(value):
        return tuple(value) if isinstance(value, list) else value  # read_mo gives lists
    return {plain(message.id): plain(message.string) for message in catalogue if message.id}


def forms(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def fields(template: str) -> list[str]:
    """The ``str.format`` fields of ``template`` with their conversion and format, sorted."""
    return sorted(f"{name}!{conversion}:{spec}" for _, name, spec, conversion in string.Formatter().parse(template)
                  if name is not None)


def terminal_catalogue(name: str) -> dict:
    return entries(read(SOURCE / name / "LC_MESSAGES" / f"{DOMAIN}.po"))


# --- the catalogues ------------------------------------------------------------------------------

@pytest.mark.parametrize("po", sorted(SOURCE.glob("*/LC_MESSAGES/*.po")),
                         ids=lambda path: f"{path.parts[-3]}/{path.name}")
def test_every_compiled_catalogue_matches_its_source(po):
    """After editing a .po: pybabel compile -d werkstatt_xl/locale -D "werkstatt_xl click"."""
    source = read(po)
    assert [message.id for message in source if message.id and message.fuzzy] == []  # pybabel skips these
    assert [key for key, value in entries(source).items() if not all(forms(value))] == []
    mo = po.with_suffix(".mo")
    assert mo.is_file()
    assert entries(read(mo)) == entries(source)


def test_the_package_ships_the_compiled_catalogues():
    compiled = [path.relative_to(SOURCE) for path in SOURCE.glob("*/LC_MESSAGES/*.mo")]
    assert len(compiled) == 3
    assert [path for path in compiled if (LOCALE_DIR / path).read_bytes() != (SOURCE / path).read_bytes()] == []


def test_german_and_english_have_the_same_keys_and_placeholders():
    english, german = terminal_catalogue("en"), terminal_catalogue("de")
    assert sorted(map(str, english.keys() - german.keys())) == []
    assert sorted(map(str, german.keys() - english.keys())) == []
    assert [key for key in english
            if [fields(form) for form in forms(english[key])] != [fields(form) for form in forms(german[key])]] == []


def test_a_key_is_german_only_or_in_the_terminal_catalogues():
    """de.py (workbooks, "Prüfung", e-mails) and the terminal's catalogues never share a key."""
    keys = {key for entry in terminal_catalogue("en") for key in forms(entry)}
    assert keys & set(de.TEXTS) == set()


def test_the_click_catalogue_translates_texts_click_still_has():
    """A text click changes in an upgrade would stay English without a word: each msgid must still be click's,
    with the same placeholders in German."""
    marked = {message for _, _, message, _, _ in extract_from_dir(Path(click.__file__).parent)}
    german = entries(read(SOURCE / "de" / "LC_MESSAGES" / "click.po"))
    assert [msgid for msgid in german if msgid not in marked] == []
    assert [msgid for msgid, value in german.items()
            if [fields(form) for form in forms(msgid)] != [fields(form) for form in forms(value)]] == []


# --- which language ------------------------------------------------------------------------------

@pytest.mark.parametrize("environment, expected", [
    ({"LANG": "de_DE.UTF-8"}, "de"),
    ({"LANG": "C"}, "en"),
    ({}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "de_AT.UTF-8"}, "de"),
    ({"LANG": "de_DE.UTF-8", "LC_ALL": "C.UTF-8"}, "en"),
    ({"LANGUAGE": "de:en", "LANG": "C"}, "de"),
    ({"LANGUAGE": "en_GB:de", "LANG": "de_DE.UTF-8"}, "en"),
    ({"LANGUAGE": "", "LC_ALL": "", "LANG": "de_CH.UTF-8"}, "de"),
])
def test_the_first_language_variable_set_decides(monkeypatch, environment, expected):
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    language.cache_clear()
    try:
        assert language() == expected
    finally:
        language.cache_clear()


def test_the_language_is_decided_once_per_process(monkeypatch, german):
    assert text("cli.wrote", path="x.xlsx") == "Geschrieben: x.xlsx"
    monkeypatch.setenv("LANG", "C")
    assert text("cli.wrote", path="x.xlsx") == "Geschrieben: x.xlsx"


def test_workbook_texts_are_german_in_an_english_terminal():
    assert text("master.problems_sheet") == "Prüfung"
    assert text("cli.wrote", path="x.xlsx") == "Wrote x.xlsx"


@pytest.mark.parametrize("environment, usage, folder", [
    ({"LANG": "de_DE.UTF-8"}, "Aufruf: python -m werkstatt_xl merge [OPTIONEN]", "Ordner"),
    ({"LANGUAGE": "en", "LANG": "de_DE.UTF-8"}, "Usage: python -m werkstatt_xl merge [OPTIONS]", "Directory"),
    ({"LANG": "C"}, "Usage: python -m werkstatt_xl merge [OPTIONS]", "Directory"),
])
def test_a_process_speaks_the_language_of_its_environment(tmp_path, environment, usage, folder):
    """Also click's words that it fixes when the command is declared, like the kind of a path."""
    (tmp_path / "datei.txt").write_text("x", encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if name not in VARIABLES} | environment
    result = subprocess.run([sys.executable, "-m", "werkstatt_xl", "merge", "-p", "datei.txt"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(usage + "\n")
    assert f"{folder} 'datei.txt'" in result.stderr


# --- plurals -------------------------------------------------------------------------------------

@pytest.mark.parametrize("keys, values, english, german_texts", [
    (("count.file", "count.files"), {}, ("0 files", "1 file", "2 files"), ("0 Dateien", "1 Datei", "2 Dateien")),
    (("count.questionnaire", "count.questionnaires"), {}, ("0 questionnaires", "1 questionnaire", "2 questionnaires"),
     ("0 Fragebögen", "1 Fragebogen", "2 Fragebögen")),
    (("mail.draft", "mail.drafts"), {"kind": "reminder"}, ("0 reminder drafts", "1 reminder draft",
                                                          "2 reminder drafts"), None),
    (("status.unmerged_file", "status.unmerged_files"), {"inbox": "eingang", "project": "runde"},
     ("0 files in eingang are newer", "1 file in eingang is newer", "2 files in eingang are newer"),
     ("0 Dateien in eingang sind neuer", "1 Datei in eingang ist neuer", "2 Dateien in eingang sind neuer")),
])
def test_plural_forms(request, keys, values, english, german_texts):
    assert [plural(count, *keys, **values)[:len(expected)] for count, expected in enumerate(english)] == list(english)
    if german_texts:
        request.getfixturevalue("german")
        assert [plural(count, *keys, **values)[:len(expected)]
                for count, expected in enumerate(german_texts)] == list(german_texts)


def test_german_drafts_and_emails_are_compound_words(german):
    kind = text("mail.reminder")
    assert plural(1, "mail.draft", "mail.drafts", kind=kind) == "1 Erinnerungsentwurf"
    assert plural(2, "mail.email", "mail.emails", kind=text("mail.invitation")) == "2 Einladungs-E-Mails"


# --- --help --------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["", *sorted(main.commands)])
def test_help_in_german(german, command):
    result = CliRunner().invoke(main, [*command.split(), "--help"], prog_name="werkstatt-xl")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Aufruf: werkstatt-xl ")
    assert "\nOptionen:\n" in result.output and "Diese Hilfe zeigen und beenden." in result.output
    if command:
        assert re.search(r"^\s*Beispiele?:\s+werkstatt-xl " + command, result.output, re.MULTILINE)
    else:
        assert "\nBefehle:\n" in result.output and "[OPTIONEN] BEFEHL [ARGUMENTE]..." in result.output
    assert english_words(result.output) == []


@pytest.mark.parametrize("command", ["", *sorted(main.commands)])
def test_help_in_english(command):
    result = CliRunner().invoke(main, [*command.split(), "--help"], prog_name="werkstatt-xl")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: werkstatt-xl ")
    assert "\nOptions:\n" in result.output and "Show this message and exit." in result.output


def test_usage_errors_in_german(german, tmp_path):
    runner = CliRunner()
    wrong = runner.invoke(main, ["status", "--format", "xml"])
    assert wrong.exit_code == 2
    assert wrong.output == ("Aufruf: main status [OPTIONEN]\nHilfe gibt „main status --help“.\n\n"
                            "Fehler: Ungültiger Wert für '--format': 'xml' ist keiner der Werte 'text', 'csv', "
                            "'json'.\n")
    assert runner.invoke(main, ["confirm"]).output.endswith("Fehler: Es fehlt das Argument 'DATEIEN...'.\n")
    assert runner.invoke(main, ["merge", "--strikt"]).output.endswith(
        "Fehler: Unbekannte Option '--strikt'. Meinten Sie '--strict'?\n")
    assert runner.invoke(main, ["--version"]).output.startswith("werkstatt-xl, Version ")


# --- a round ---------------------------------------------------------------------------------------

def files_of(root: Path) -> dict[str, str]:
    """Werkzeug-ID -> the name of its questionnaire in ausgang/."""
    return {entry.werkzeug_id: entry.file for entry in read_issue_log(root / "ausgang" / "ausgabe.csv")}


def without_identity(source: Path, target: Path) -> Path:
    """``source`` filled in and saved without its hidden identity, as if copied into a new workbook."""
    fill_questionnaire(source, {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"}, target)
    workbook = load_workbook(target)
    del workbook["_wxl"]
    workbook.save(target)
    return target


def play_round(root: Path) -> dict[str, object]:
    """Every command of a round on the command line, with 40 of the example's 55 returns, W02 answered
    wrongly, W03 without its identity and a damaged file: each command's result by name."""
    runner, project = CliRunner(), str(root)
    results = {"init": runner.invoke(main, ["init", project, "--example"])}
    settings = root / "werkstatt.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('sender = ""', 'sender = "demo@example.org"'),
                        encoding="utf-8")
    results["generate"] = runner.invoke(main, ["generate", "-p", project])
    for path in sorted((example_path() / "eingang").iterdir())[:40]:
        shutil.copy2(path, root / "eingang" / path.name)
    files = files_of(root)
    fill_questionnaire(root / "ausgang" / files["W02"], {"umsetzung": "Vielleicht"}, root / "eingang" / files["W02"])
    without_identity(root / "ausgang" / files["W03"], root / "eingang" / files["W03"])
    (root / "eingang" / "kaputt.xlsx").write_bytes(b"kein Arbeitsblatt")
    results["merge"] = runner.invoke(main, ["merge", "-p", project])
    results["status"] = runner.invoke(main, ["status", "-p", project])
    results["report"] = runner.invoke(main, ["report", "-p", project])
    results["mail"] = runner.invoke(main, ["mail", "-p", project, "--reminder"])
    results["confirm"] = runner.invoke(main, ["confirm", "-p", project, files["W03"]])
    results["strict"] = runner.invoke(main, ["merge", "-p", project, "--strict"])
    results["no project"] = runner.invoke(main, ["generate", "-p", str(root / "fehlt")])
    return results


def test_a_round_in_german(german, tmp_path):
    root = tmp_path / "runde"
    results = play_round(root)
    for name, result in results.items():
        assert result.exit_code == (1 if name in ("strict", "no project") else 0), (name, result.output)
        assert english_words(result.output, root) == [], (name, result.output)
    merged = results["merge"].stdout.splitlines()
    assert merged[:3] == [
        "Eingegangen: 41 Dateien; 38 übernommen, 2 mit Problemen, 1 abgelehnt, 0 ersetzt oder doppelt.",
        "55 Werkzeuge im Katalog, davon noch offen: 15.",
        "Probleme und Hinweise: 4, aufgeführt auf dem Blatt „Prüfung“ in master.xlsx."]
    check = merged.index("Zu prüfende Werkzeuge (Blatt „Prüfung“):")
    assert [line.split()[:2] for line in merged[check + 1:check + 3]] == [["W02", "mit"], ["W03", "unbestätigt"]]
    missing = merged.index(f"Werkzeuge ohne verwendbaren Rücklauf (erinnern Sie mit „werkstatt-xl mail -p {root} "
                           "--reminder“):")
    assert [line.split()[:2] for line in merged[missing + 1:missing + 1 + SHOWN]] == [
        [f"W{number}", "offen"] for number in range(41, 41 + SHOWN)]
    assert merged[missing + 1 + SHOWN] == "  ... und 10 weitere"
    assert results["confirm"].output.startswith(f"{files_of(root)['W03']} ist als Rücklauf von W03 (")
    assert results["mail"].stderr == ("Warnung: W02: zurückgekommen, aber mit Problemen, daher keine Erinnerung. Um "
                                      "Korrektur bitten Sie mit „werkstatt-xl mail --corrections“.\n")
    assert results["mail"].stdout.startswith("3 Erinnerungsentwürfe für 15 Werkzeuge nach ")
    assert results["strict"].output.endswith("Fehler: In zurückgesendeten Dateien wurden Probleme gefunden (siehe "
                                             "Blatt „Prüfung“); --strict macht daraus einen Fehler.\n")


def test_a_round_in_english(tmp_path):
    root = tmp_path / "runde"
    results = play_round(root)
    for name, result in results.items():
        assert result.exit_code == (1 if name in ("strict", "no project") else 0), (name, result.output)
        assert not re.search(r"Geschrieben|Fehler|Eingegangen:|im Katalog|Erinnerungsentw", result.output), name
    merged = results["merge"].stdout.splitlines()
    start = merged.index("Werkzeuge to check on the sheet 'Prüfung':")
    assert merged[start:] == [
        "Werkzeuge to check on the sheet 'Prüfung':",
        "  W02  mit Problemen  Betriebliche Tagespflege",
        "  W03  unbestätigt    Konzept zur strategischen und demografieorientierten Personalentwicklung beim "
        "Kreis Düren",
        f"Werkzeuge without a usable return (remind them with 'werkstatt-xl mail -p {root} --reminder'):",
        *merged[start + 4:start + 4 + SHOWN],
        "  ... and 10 more",
        f"Wrote {root / 'ergebnis' / 'master.xlsx'}",
        f"Wrote {root / 'ergebnis' / 'tabelle1.xlsx'}",
        f"Wrote {root / 'redaktion.xlsx'}: write there the text Tabelle 1 shall print instead of the answers, where "
        "the office decides so.",
    ]
    assert [line.split()[:2] for line in merged[start + 4:start + 4 + SHOWN]] == [
        [f"W{number}", "offen"] for number in range(41, 41 + SHOWN)]


def test_merge_lists_the_register_statuses_that_need_attention():
    assert TO_CHECK == (register.STATUS_PROBLEMS, register.STATUS_UNCONFIRMED)
    assert NOT_RETURNED == (register.STATUS_MISSING, register.STATUS_REJECTED)
