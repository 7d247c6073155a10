"""The terminal's language: German under a German environment, English otherwise; and the gettext
catalogues that hold its texts."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from werkstatt_xl.messages import DOMAIN, LOCALE_DIR, de, language, plural, text

SOURCE = Path(__file__).resolve().parents[1] / "werkstatt_xl" / "locale"
"""The catalogues in the repository: .po written by people, .mo compiled from them."""
VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


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
    """After editing a .po: pybabel compile -d werkstatt_xl/locale -D werkstatt_xl."""
    source = read(po)
    assert [message.id for message in source if message.id and message.fuzzy] == []  # pybabel skips these
    assert [key for key, value in entries(source).items() if not all(forms(value))] == []
    mo = po.with_suffix(".mo")
    assert mo.is_file()
    assert entries(read(mo)) == entries(source)


def test_the_package_ships_the_compiled_catalogues():
    compiled = [path.relative_to(SOURCE) for path in SOURCE.glob("*/LC_MESSAGES/*.mo")]
    assert len(compiled) == 2
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


