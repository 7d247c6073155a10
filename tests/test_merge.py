"""merge: returned questionnaires in real folders -> register, problems, master.xlsx."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from werkstatt_xl import files
from werkstatt_xl.catalogue import load_catalogue
from werkstatt_xl.cli import main
from werkstatt_xl.errors import ProjectError
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.issue_log import read_issue_log
from werkstatt_xl.messages import Code
from werkstatt_xl.register import Outcome
from werkstatt_xl.resources import example_path
from werkstatt_xl.round import (
    MASTER_NAME,
    confirm,
    generate,
    load_project,
    merge,
    read_problems,
    read_register,
    returned_files,
)
from werkstatt_xl.round.inbox import display_name


@pytest.fixture
def issued(example_project):
    """The example project with its 55 questionnaires generated (same tokens as the example returns)."""
    generate(example_project)
    return example_project


def questionnaire(project, werkzeug_id: str) -> Path:
    entry = next(e for e in read_issue_log(project.issue_log) if e.werkzeug_id == werkzeug_id)
    return project.outbox / entry.file


def returned(project, werkzeug_id: str, answers: dict, name: str | None = None) -> Path:
    """A filled return of ``werkzeug_id`` dropped into eingang/."""
    source = questionnaire(project, werkzeug_id)
    return fill_questionnaire(source, answers, project.inbox / (name or source.name))


def row_of(result, werkzeug_id: str) -> dict:
    return result.register.set_index("werkzeug_id").loc[werkzeug_id].to_dict()


def problems_of(result, file: str) -> list:
    return [problem for problem in result.problems if problem.file == file]


def copy_example_returns(project) -> None:
    for path in (example_path() / "eingang").iterdir():
        shutil.copy2(path, project.inbox / path.name)


def test_example_round_gives_55_rows_without_problems(issued):
    copy_example_returns(issued)
    result = merge(issued)
    assert len(result.register) == 55
    assert set(result.register["status"]) == {"eingegangen"}
    assert result.problems == []
    assert result.counts == {"received": 55, "accepted": 55, "with_problems": 0, "rejected": 0,
                             "superseded": 0, "missing": 0}
    first = row_of(result, "W02")
    assert (first["umsetzung"], first["fortfuehrung"]) == ("Nein", "Trifft zu")
    assert first["gruende_nicht_begonnen"].startswith("Unter Berücksichtigung eines weiteren Ausbaus")
    assert first["file"] == "1-02_Betriebliche_Tagespflege.xlsx"
    assert len(first["sha256"]) == 64 and first["form_version"] == "2019.1"


def test_tabelle1_from_example_returns_equals_the_seed(issued, seed_dir):
    """Issue 4's acceptance: the published table, recomputed from the 55 returns."""
    copy_example_returns(issued)
    result = merge(issued)
    seed = seed_dir / "tabelle1.csv"
    with seed.open(encoding="utf-8", newline="") as handle:
        expected = [list(row.values()) for row in csv.DictReader(handle)]
    sheet = load_workbook(result.report_path, read_only=True)["Tabelle 1"]
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    names = {row[1] for row in expected}
    table, field = [], None
    for row in rows:
        texts = [value for value in row if value not in (None, "")]
        if len(texts) == 1 and texts[0] in {row[0] for row in expected}:
            field = texts[0]
        elif row[0] in names:
            umsetzung = "Ja" if row[1] == "X" else "Nein" if row[2] == "X" else ""
            weiter = "Ja" if row[3] == "X" else "Nein" if row[4] == "X" else ""
            table.append([field, row[0], umsetzung, weiter, row[5] or ""])
    assert table == expected


def test_merge_is_repeatable_and_never_touches_returns(issued):
    copy_example_returns(issued)
    before = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in issued.inbox.iterdir()}
    mtimes = {path.name: path.stat().st_mtime_ns for path in issued.inbox.iterdir()}
    first = merge(issued).register
    second = read_register(issued)
    third = merge(issued).register
    assert first.equals(third)
    assert list(second.columns) == list(first.columns)
    assert second["status"].tolist() == first["status"].tolist()
    assert second["umsetzung"].tolist() == first["umsetzung"].tolist()
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in issued.inbox.iterdir()} == before
    assert {p.name: p.stat().st_mtime_ns for p in issued.inbox.iterdir()} == mtimes


def test_values_are_trimmed_and_matched_to_their_choice(issued):
    returned(issued, "W01", {"umsetzung": "  ja\u00a0", "erfolg": "SEHR HOCH", "fortfuehrung": "trifft  eher zu",
                             "anmerkungen": "  Zwei\u00a0 Leerzeichen  "})
    result = merge(issued)
    row = row_of(result, "W01")
    assert (row["umsetzung"], row["erfolg"], row["fortfuehrung"]) == ("Ja", "Sehr hoch", "Trifft eher zu")
    assert row["anmerkungen"] == "Zwei Leerzeichen"
    assert row["status"] == "eingegangen"


def test_a_value_outside_the_choices_is_a_problem_naming_file_question_cell_and_choices(issued):
    path = returned(issued, "W01", {"umsetzung": "Vielleicht", "fortfuehrung": "Trifft zu"})
    result = merge(issued)
    [problem] = problems_of(result, path.name)
    assert problem.question == "1 Mit der Umsetzung des Projekts wurde begonnen."
    assert problem.cell == "Fragebogen!C7"
    assert problem.value == "Vielleicht"
    assert problem.problem == "„Vielleicht“ ist keine erlaubte Antwort."
    assert problem.remedy == "Erlaubt sind: Ja, Nein. Bitte korrigieren lassen."
    assert row_of(result, "W01")["status"] == "mit Problemen"
    assert row_of(result, "W01")["umsetzung"] is None


def test_required_missing_and_answer_to_a_skipped_question(issued):
    path = returned(issued, "W01", {"gruende_nicht_begonnen": "Personalmangel", "fortfuehrung": "Trifft zu",
                                    "gruende_beendigung": "Ende der Förderung"})
    result = merge(issued)
    found = {(p.question.split()[0], p.problem, p.kind) for p in problems_of(result, path.name)}
    skipped = "Antwort auf eine Frage, die nach den übrigen Antworten übersprungen wird."
    assert found == {  # 1.2 is asked only when 1 = Nein, so with 1 empty it is skipped too
        ("1", "Pflichtangabe fehlt.", "Fehler"),
        ("1.2", skipped, "Hinweis"),
        ("8.1", skipped, "Hinweis"),
    }


def test_an_invalid_answer_to_8_does_not_make_8_1_an_answer_to_a_skipped_question(issued):
    path = returned(issued, "W01", {"umsetzung": "Ja", "fortfuehrung": "Vielleicht",
                                    "gruende_beendigung": "Ende der Förderung"})
    found = [(p.question.split()[0], p.code) for p in problems_of(merge(issued), path.name)]
    assert found == [("8", Code.ANSWER_NOT_A_CHOICE)]


def test_identical_returns_count_once_and_the_newest_different_one_wins(issued):
    first = returned(issued, "W05", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"}, "aim_v1.xlsx")
    shutil.copy2(first, issued.inbox / "aim_kopie.xlsx")
    newer = returned(issued, "W05", {"umsetzung": "Ja", "fortfuehrung": "Trifft nicht zu",
                                     "gruende_beendigung": "Förderung endet."}, "aim_v2.xlsx")
    os.utime(first, (1_600_000_000, 1_600_000_000))
    os.utime(issued.inbox / "aim_kopie.xlsx", (1_600_000_000, 1_600_000_000))
    os.utime(newer, (1_700_000_000, 1_700_000_000))
    result = merge(issued)
    row = row_of(result, "W05")
    assert (row["file"], row["fortfuehrung"]) == ("aim_v2.xlsx", "Trifft nicht zu")
    outcomes = {record.file: record.outcome for record in result.returns}
    assert outcomes == {"aim_v2.xlsx": Outcome.ACCEPTED, "aim_v1.xlsx": Outcome.SUPERSEDED, "aim_kopie.xlsx": Outcome.SUPERSEDED}
    assert [p.problem for p in problems_of(result, "aim_v1.xlsx")] == ["Ältere Fassung; ersetzt durch aim_v2.xlsx."]
    assert result.counts["superseded"] == 2


def test_a_byte_identical_copy_is_a_duplicate(issued):
    original = returned(issued, "W05", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"}, "a.xlsx")
    shutil.copy2(original, issued.inbox / "b.xlsx")
    result = merge(issued)
    assert sorted(record.outcome.value for record in result.returns) == ["accepted", "duplicate"]
    assert row_of(result, "W05")["status"] == "eingegangen"
    [duplicate] = [problem for problem in result.problems if problem.code is Code.RETURN_DUPLICATE]
    assert duplicate.remedy == "Keine Aktion nötig."  # not "if the newer version applies": both are the same


def test_a_superseded_return_asks_whether_the_newer_version_applies(issued):
    older = returned(issued, "W05", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"}, "a.xlsx")
    os.utime(older, (1_600_000_000, 1_600_000_000))
    returned(issued, "W05", {"umsetzung": "Nein", "fortfuehrung": "Trifft zu"}, "b.xlsx")
    [superseded] = problems_of(merge(issued), "a.xlsx")
    assert (superseded.code, superseded.remedy) == (Code.RETURN_SUPERSEDED,
                                                    "Keine Aktion nötig, falls die neuere Fassung gilt.")


def test_returns_of_another_round_version_or_token_are_rejected_and_the_rest_merged(issued, tmp_path):
    good = returned(issued, "W01", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"})
    stale = questionnaire(issued, "W02")
    shutil.copy2(stale, tmp_path / "stale.xlsx")
    generate(issued, reissue=True)  # W02's old token is no longer valid
    shutil.copy2(tmp_path / "stale.xlsx", issued.inbox / "alt.xlsx")
    (issued.inbox / "notiz.xlsx").write_text("Bitte melden Sie sich.", encoding="utf-8")
    workbook = Workbook()
    workbook.active["A1"] = "Irgendeine Tabelle"
    workbook.save(issued.inbox / "fremd.xlsx")
    # the good return carries the token of the first issue too: after --reissue it is stale as well
    result = merge(issued)
    reasons = {record.file: record.reason for record in result.returns if record.outcome is Outcome.REJECTED}
    assert reasons["alt.xlsx"].startswith("Die Kennung (Token) des Fragebogens wurde in dieser Runde nicht")
    assert reasons["fremd.xlsx"] == "Die Datei ist kein Fragebogen dieser Umfrage."
    assert "notiz.xlsx" in reasons
    assert row_of(result, "W02")["status"] == "abgelehnt"
    assert good.name in reasons  # issued before --reissue


def test_a_return_of_another_form_version_is_rejected(issued):
    path = returned(issued, "W01", {"umsetzung": "Ja"})
    workbook = load_workbook(path)
    meta = workbook["_wxl"]
    for row in meta.iter_rows():
        if row[0].value == "wxl.meta.form_version":
            row[1].value = "2018.1"
    workbook.save(path)
    result = merge(issued)
    [record] = result.returns
    assert record.outcome is Outcome.REJECTED
    assert record.reason == "Fragebogen der Version 2018.1; diese Runde verwendet Version 2019.1."
    assert row_of(result, "W01")["status"] == "abgelehnt"


def test_a_questionnaire_returned_without_answers_is_rejected(issued):
    shutil.copy2(questionnaire(issued, "W07"), issued.inbox / "leer.xlsx")
    result = merge(issued)
    [record] = result.returns
    assert (record.outcome, record.werkzeug_id, record.reason) == (
        Outcome.REJECTED, "W07", "Der Fragebogen kam ohne Antworten zurück.")
    assert row_of(result, "W07")["status"] == "abgelehnt"


def test_inserted_rows_and_a_renamed_sheet_do_not_shift_answers(issued):
    path = returned(issued, "W03", {"umsetzung": "Nein", "gruende_nicht_begonnen": "Noch in Planung.",
                                    "fortfuehrung": "Trifft eher zu"})
    workbook = load_workbook(path, rich_text=True)
    sheet = workbook["Fragebogen"]
    sheet.insert_rows(5, amount=3)
    sheet["A5"] = "Eine eingefügte Zeile"
    sheet.title = "Antworten"
    workbook.save(path)
    result = merge(issued)
    row = row_of(result, "W03")
    assert (row["umsetzung"], row["gruende_nicht_begonnen"], row["fortfuehrung"]) == \
        ("Nein", "Noch in Planung.", "Trifft eher zu")
    assert row["status"] == "eingegangen"


def forged(project, own_id: str, victim_id: str, name: str, saved: dt.datetime, reason: str = "Gefälscht.") -> Path:
    """A department's own questionnaire with its identity removed, another Werkzeug's title typed in
    and a save time set, as a forger would make it."""
    source = returned(project, own_id, {"umsetzung": "Nein", "gruende_nicht_begonnen": reason}, name)
    workbook = load_workbook(source)
    del workbook["_wxl"]
    victim = next(w for w in load_catalogue(project.catalogue_path).werkzeuge if w.werkzeug_id == victim_id)
    sheet = workbook["Fragebogen"]
    title = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "wxl:werkzeugtitel")
    sheet.cell(row=title.row, column=title.column - 1, value=victim.werkzeug)
    workbook.properties.modified = saved
    workbook.save(source)
    return source


def test_a_return_matched_by_title_never_replaces_one_with_the_token(issued):
    genuine = returned(issued, "W04", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"})
    forged(issued, "W05", "W04", "nachgereicht.xlsx", dt.datetime(2099, 1, 1))
    result = merge(issued)
    row = row_of(result, "W04")
    assert (row["status"], row["file"], row["umsetzung"]) == ("eingegangen", genuine.name, "Ja")
    outcomes = {record.file: record.outcome for record in result.returns}
    assert outcomes == {genuine.name: Outcome.ACCEPTED, "nachgereicht.xlsx": Outcome.SUPERSEDED}
    [problem] = problems_of(result, "nachgereicht.xlsx")
    assert problem.code == Code.RETURN_TITLE_MATCH_OUTRANKED
    with pytest.raises(ProjectError, match="carries its identity"):
        confirm(issued, [genuine.name])
    confirm(issued, ["nachgereicht.xlsx"])  # even a confirmed one does not outrank the token
    assert row_of(merge(issued), "W04")["file"] == genuine.name


def test_among_returns_matched_by_title_the_later_arrival_counts_not_the_save_time(issued):
    early = forged(issued, "W05", "W04", "erste.xlsx", dt.datetime(2099, 1, 1))
    late = forged(issued, "W06", "W04", "zweite.xlsx", dt.datetime(2000, 1, 1), "Später.")
    os.utime(early, (1_000_000_000, 1_000_000_000))
    os.utime(late, (1_100_000_000, 1_100_000_000))
    confirm(issued, ["erste.xlsx", "zweite.xlsx"])
    result = merge(issued)
    assert row_of(result, "W04")["file"] == "zweite.xlsx"
    assert {record.file: record.outcome for record in result.returns}["erste.xlsx"] is Outcome.SUPERSEDED


@pytest.mark.parametrize("title_question", ["werkzeugtitel", "titel_des_projekts"])
def test_contents_pasted_into_a_new_workbook_are_matched_by_werkzeugtitel(issued, title_question):
    """The title is the question prefilled with the Werkzeug, whatever the form calls it."""
    if title_question != "werkzeugtitel":
        form = load_workbook(issued.form_path)
        survey = form["survey"]
        next(cell for cell in survey["B"] if cell.value == "werkzeugtitel").value = title_question
        form.save(issued.root / "fragebogen.xlsx")
        settings = issued.root / "werkstatt.toml"
        settings.write_text(settings.read_text(encoding="utf-8").replace('form = "vorlagen/fragebogen.xlsx"',
                                                                         'form = "fragebogen.xlsx"', 1), encoding="utf-8")
        issued = load_project(issued.root)
        generate(issued, reissue=True)
    source = returned(issued, "W04", {"umsetzung": "Nein", "gruende_nicht_begonnen": "Kein Personal.",
                                      "fortfuehrung": "Trifft nicht zu"})
    original = load_workbook(source)["Fragebogen"]
    copy = Workbook()
    for row in original.iter_rows():
        for cell in row:
            if cell.value is not None:
                copy.active.cell(row=cell.row, column=cell.column, value=cell.value)
    source.unlink()
    copy.save(issued.inbox / "kopie.xlsx")
    result = merge(issued)
    row = row_of(result, "W04")
    assert (row["status"], row["file"], row["gruende_nicht_begonnen"]) == ("unbestätigt", "kopie.xlsx", None)
    assert [(p.code, p.kind) for p in problems_of(result, "kopie.xlsx")] == [
        (Code.RETURN_UNCONFIRMED, "Fehler"), (Code.RETURN_MATCHED_BY_TITLE, "Hinweis")]

    [(name, werkzeug)] = confirm(issued, ["kopie.xlsx"])
    assert (name, werkzeug.werkzeug_id) == ("kopie.xlsx", "W04")
    result = merge(issued)
    row = row_of(result, "W04")
    assert (row["status"], row["gruende_nicht_begonnen"]) == ("eingegangen", "Kein Personal.")
    [notice] = problems_of(result, "kopie.xlsx")
    assert notice.kind == "Hinweis" and "über den Werkzeugtitel zugeordnet" in notice.problem


def test_free_text_stays_text_in_the_master(issued):
    hostile = ['=HYPERLINK("http://example.org","klick")', "+1", "@SUM(1)", "-2+3", "http://example.org"]
    returned(issued, "W01", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu", "anmerkungen": hostile[0],
                             "erfolgsfaktoren": hostile[1], "probleme": hostile[2],
                             "einbindung_fachaemter": hostile[3], "einbindung_oeffentlichkeit": hostile[4]})
    result = merge(issued)
    sheet = load_workbook(result.master_path)["Register"]
    header = [cell.value for cell in sheet[1]]
    values = {header[index]: cell for index, cell in enumerate(sheet[3])}
    for key, text in zip(["anmerkungen", "erfolgsfaktoren", "probleme", "einbindung_fachaemter",
                          "einbindung_oeffentlichkeit"], hostile):
        assert values[key].value == text
        assert values[key].data_type == "s"
        assert values[key].hyperlink is None


def test_master_sheets_and_return_rates(issued):
    returned(issued, "W01", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"})
    returned(issued, "W10", {"umsetzung": "Maybe"})
    result = merge(issued)
    workbook = load_workbook(result.master_path)
    assert workbook.sheetnames == ["Register", "Prüfung", "Rücklauf"]
    register = workbook["Register"]
    assert register.freeze_panes == "D3"
    assert register.row_dimensions[1].hidden
    assert [cell.value for cell in register[2]][:3] == ["Werkzeug-ID", "Handlungsfeld", "Werkzeug"]
    assert "1 Mit der Umsetzung des Projekts wurde …" in [cell.value for cell in register[2]]
    assert list(register.tables) == ["Tabelle_Register"]
    problems = read_problems(issued)
    assert {problem["werkzeug_id"] for problem in problems} == {"W10"}
    rates = [[cell for cell in row] for row in workbook["Rücklauf"].iter_rows(values_only=True)]
    fachkraefte = next(row for row in rates if row[0] == "Fachamt Fachkräfte")
    # Werkzeuge, eingegangen, mit Problemen, unbestätigt, offen, abgelehnt
    assert list(fachkraefte[1:7]) == [9, 1, 0, 0, 8, 0]


def test_previous_master_survives_a_failed_write(issued, monkeypatch):
    returned(issued, "W01", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"})
    merge(issued)
    master = issued.results / MASTER_NAME
    before = master.read_bytes()

    def locked(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    result = CliRunner().invoke(main, ["merge", "-p", str(issued.root)])
    assert result.exit_code == 1
    assert f"Error: {master}: cannot write here (permission denied). If the file is open in Excel or " \
           "LibreOffice, close it" in result.output
    assert "Traceback" not in result.output
    assert master.read_bytes() == before
    assert [path.name for path in issued.results.iterdir() if path.name.startswith(".")] == []


def test_cli_summary_and_strict(issued):
    returned(issued, "W01", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"})
    returned(issued, "W02", {"umsetzung": "Vielleicht"})
    (issued.inbox / "~$gesperrt.xlsx").write_bytes(b"lock")
    (issued.inbox / ".DS_Store").write_bytes(b"x")
    runner = CliRunner()
    result = runner.invoke(main, ["merge", "-p", str(issued.root)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    names = {werkzeug.werkzeug_id: werkzeug.werkzeug for werkzeug in load_catalogue(issued.catalogue_path).werkzeuge}
    assert lines == [
        "Received 2 files: 1 accepted, 1 with problems, 0 rejected, 0 superseded or duplicate.",
        "Still missing: 53 of 55 Werkzeuge.",
        "Problems and notices: 1, listed on the sheet 'Prüfung' of master.xlsx.",
        "Werkzeuge to check on the sheet 'Prüfung':",
        f"  W02  mit Problemen  {names['W02']}",
        f"Werkzeuge without a usable return (remind them with 'werkstatt-xl mail -p {issued.root} --reminder'):",
        *(f"  W{number:02}  offen  {names[f'W{number:02}']}" for number in range(3, 8)),
        "  ... and 48 more",
        f"Wrote {issued.results / 'master.xlsx'}",
        f"Wrote {issued.results / 'tabelle1.xlsx'}",
        f"Wrote {issued.root / 'redaktion.xlsx'}: write there the text Tabelle 1 shall print instead of the answers, "
        "where the office decides so.",
    ]
    strict = runner.invoke(main, ["merge", "-p", str(issued.root), "--strict"])
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-1] == ("Error: problems were found in returned files (see the sheet "
                                              "'Prüfung'); --strict turns them into a failure.")


def test_merge_without_issued_questionnaires_says_what_to_do(tmp_path):
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path / "neu"), "--example"])
    (tmp_path / "neu" / "ausgang" / "ausgabe.csv").unlink()
    result = runner.invoke(main, ["merge", "-p", str(tmp_path / "neu")])
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path / 'neu' / 'ausgang' / 'ausgabe.csv'}: there is no record of "
                             f"questionnaires issued, and {tmp_path / 'neu' / 'ausgang'} holds none. If "
                             "questionnaires went out, restore ausgabe.csv or the questionnaires in ausgang/ from a "
                             "backup: only their tokens let the returns count. If none went out yet, run "
                             "'werkstatt-xl generate' first.\n")


@pytest.mark.parametrize("target", ["ods", "xls", "xlsx"])
def test_returns_saved_by_libreoffice_are_merged(issued, soffice, tmp_path, target):
    source = returned(issued, "W06", {"umsetzung": "Ja", "erfolg": "Hoch", "fortfuehrung": "Trifft eher nicht zu",
                                      "gruende_beendigung": "Förderung läuft aus; „Zitat“ & Umlaute äöü."},
                      name="w06.xlsx")
    converted = soffice(source, target, tmp_path / "lo")
    source.unlink()
    shutil.copy2(converted, issued.inbox / f"zurueck.{target}")
    result = merge(issued)
    row = row_of(result, "W06")
    assert (row["status"], row["umsetzung"], row["erfolg"], row["fortfuehrung"]) == \
        ("eingegangen", "Ja", "Hoch", "Trifft eher nicht zu")
    notices = [problem.problem for problem in result.problems]
    assert notices == (["Altes Excel-Format (.xls) gelesen."] if target == "xls" else [])
    assert row["gruende_beendigung"] == "Förderung läuft aus; „Zitat“ & Umlaute äöü."


def test_hostile_and_broken_files_are_reported_and_every_other_return_merged(issued, tmp_path):
    """One folder with each kind of bad input next to good returns: one bad file never stops a merge."""
    from ingest_files import read_part, rezip, write_padded_sheet

    good = returned(issued, "W01", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"})
    sheet = "xl/worksheets/sheet1.xml"
    base = questionnaire(issued, "W02")
    original = read_part(base, sheet)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              + original.split(b"?>", 1)[1])
    far_cell = original.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                                                 b"</sheetData>")
    bad = {
        "bombe.xlsx": write_padded_sheet(base, tmp_path / "bombe.xlsx", 200 * 2**20),
        "lachen.xlsx": rezip(base, tmp_path / "lachen.xlsx", replace={sheet: laughs}),
        "riesig.xlsx": rezip(base, tmp_path / "riesig.xlsx", replace={sheet: far_cell}),
        "abgeschnitten.xlsx": None,
        "leer.xlsx": None,
        "bild.xlsx": None,
    }
    for name, source in bad.items():
        if source is not None:
            shutil.copyfile(source, issued.inbox / name)
    data = good.read_bytes()
    (issued.inbox / "abgeschnitten.xlsx").write_bytes(data[: len(data) // 2])
    (issued.inbox / "leer.xlsx").write_bytes(b"")
    (issued.inbox / "bild.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    returned(issued, "W03", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"}, "W03 ohne Endung")
    macro = rezip(returned(issued, "W04", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"}, "w04.xlsx"),
                  issued.inbox / "makro.xlsm", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not run"})
    (issued.inbox / "w04.xlsx").unlink()

    result = merge(issued)

    rejected = {record.file: record.reason for record in result.returns if record.outcome is Outcome.REJECTED}
    assert set(rejected) == set(bad)
    assert rejected["bombe.xlsx"] == "Die Datei ist entpackt zu groß (mehr als 100 MB)."
    assert rejected["lachen.xlsx"].startswith("Die Datei enthält Anweisungen, mit denen ein Programm beim Öffnen")
    assert "Zeile 1.048.576, Spalte XFD" in rejected["riesig.xlsx"]
    assert rejected["leer.xlsx"] == "Die Datei ist leer."
    assert {row_of(result, wid)["status"] for wid in ("W01", "W03", "W04")} == {"eingegangen"}
    notices = {p.file: p.problem for p in result.problems if p.kind == "Hinweis"}
    assert notices == {"makro.xlsm": "Die Datei enthält Makros; sie wurden nicht ausgeführt."}
    assert macro.is_file()


def test_an_issue_log_resaved_by_german_excel_still_identifies_every_return(issued):
    log = issued.outbox / "ausgabe.csv"
    rows = list(csv.reader(log.read_text(encoding="utf-8-sig").splitlines()))
    log.write_bytes("\r\n".join(";".join(row) for row in rows).encode("cp1252", errors="replace"))
    copy_example_returns(issued)
    assert merge(issued).counts["accepted"] == 55
    assert generate(issued).reused_tokens == 55


def test_an_issue_log_without_tokens_stops_merge_and_generate_before_anything_is_lost(issued):
    log = issued.outbox / "ausgabe.csv"
    log.write_text("Werkzeug;Datei\nJob-Café;1-08_Job_Cafe.xlsx\n", encoding="utf-8")
    for command in (["merge"], ["generate"]):
        result = CliRunner().invoke(main, [*command, "-p", str(issued.root)])
        assert result.exit_code == 1
        assert result.output.startswith(f"Error: {log}: the columns werkzeug_id and token are missing")
    assert log.read_text(encoding="utf-8") == "Werkzeug;Datei\nJob-Café;1-08_Job_Cafe.xlsx\n"


def test_register_headers_are_unique_ignoring_case(xlsform):
    from werkstatt_xl.form import load_form
    from werkstatt_xl.register import register_headers

    form = load_form(xlsform("""
        | survey   |
        |          | type | name     | label    |
        |          | text | kontakt  | E-mail   |
        |          | text | zweiter  | E-MAIL   |
        |          | text | zustand  | status   |
        | choices  |
        |          | list_name | name | label |
        | settings |
        |          | form_id | version | form_title |
        |          | f       | 1       | Test       |
    """))
    headers = register_headers(form)
    assert (headers["kontakt"], headers["zweiter"], headers["zustand"], headers["status"]) == (
        "E-mail (Antwort)", "E-MAIL (Antwort 2)", "status (Antwort)", "Status")
    assert len({header.casefold() for header in headers.values()}) == len(headers)


def test_an_xls_without_save_time_does_not_beat_a_newer_xlsx(issued, soffice, tmp_path):
    old = returned(issued, "W08", {"umsetzung": "Nein", "gruende_nicht_begonnen": "Erste Fassung"}, "w08.xlsx")
    legacy = soffice(old, "xls", tmp_path / "lo")
    old.unlink()
    shutil.copyfile(legacy, issued.inbox / "alt.xls")
    returned(issued, "W08", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"}, "neu.xlsx")
    os.utime(issued.inbox / "alt.xls", (1_700_000_000, 1_700_000_000))
    os.utime(issued.inbox / "neu.xlsx", (1_700_000_100, 1_700_000_100))
    result = merge(issued)
    row = row_of(result, "W08")
    assert (row["file"], row["umsetzung"]) == ("neu.xlsx", "Ja")
    assert [p.problem for p in problems_of(result, "neu.xlsx")] == [
        "Mehrere Fassungen, nicht alle mit Speicherzeit: die zuletzt abgelegte Datei gilt."]


def test_confirm_on_the_command_line(issued):
    forged(issued, "W05", "W04", "kopie.xlsx", dt.datetime(2020, 1, 1))
    runner = CliRunner()
    missing = runner.invoke(main, ["confirm", "-p", str(issued.root), "gibt-es-nicht.xlsx"])
    assert missing.exit_code == 1 and "no such file" in missing.output
    outside = runner.invoke(main, ["confirm", "-p", str(issued.root), "../katalog.xlsx"])
    assert outside.exit_code == 1 and "no such file" in outside.output
    assert not issued.confirmations.exists()
    done = runner.invoke(main, ["confirm", "-p", str(issued.root), "kopie.xlsx"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Confirmed kopie.xlsx as the return of W04 (")
    assert "unless a questionnaire of W04 with its identity came back too" in done.output
    assert row_of(merge(issued), "W04")["file"] == "kopie.xlsx"
    assert row_of(merge(issued), "W04")["status"] == "eingegangen"


def test_master_and_tabelle1_are_replaced_both_or_neither(issued, monkeypatch):
    copy_example_returns(issued)
    merge(issued)
    before = {path.name: path.read_bytes() for path in issued.results.iterdir()}
    (issued.inbox / "1-02_Betriebliche_Tagespflege.xlsx").unlink()  # the next merge would differ
    real_replace = files.os.replace

    def tabelle1_is_open_in_excel(source, target):  # as Windows refuses to move a file Excel has open
        if Path(source).name == "tabelle1.xlsx":
            raise PermissionError(13, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", tabelle1_is_open_in_excel)
    result = CliRunner().invoke(main, ["merge", "-p", str(issued.root)])
    assert result.exit_code == 1
    assert "tabelle1.xlsx: cannot write here (permission denied). If the file is open in Excel" in result.output
    assert {path.name: path.read_bytes() for path in issued.results.iterdir()} == before


def test_a_file_name_that_is_not_utf8_is_shown_and_merged(issued):
    source = returned(issued, "W04", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"})
    cp1252 = os.path.join(os.fsencode(issued.inbox), "R\xfcckl\xe4ufer (1).xlsx".encode("cp1252"))
    os.rename(os.fsencode(source), cp1252)
    with open(os.path.join(os.fsencode(issued.inbox), b"kaputt\xff\xfe.xlsx"), "wb") as handle:
        handle.write(b"kein Excel")
    result = CliRunner().invoke(main, ["merge", "-p", str(issued.root)])
    assert result.exit_code == 0, result.output
    register = read_register(issued).set_index("werkzeug_id")
    assert (register.loc["W04", "status"], register.loc["W04", "file"]) == ("eingegangen", "Rückläufer (1).xlsx")
    assert [problem["file"] for problem in read_problems(issued)] == ["kaputtÿþ.xlsx"]


def test_a_confirmed_return_matched_by_title_is_not_displaced_by_a_newer_unconfirmed_one(issued):
    first = forged(issued, "W05", "W04", "kopie-a.xlsx", dt.datetime(2020, 1, 1), "Bestätigt.")
    confirm(issued, ["kopie-a.xlsx"])
    later = forged(issued, "W06", "W04", "$(touch PWNED).xlsx", dt.datetime(2099, 1, 1), "Später.")
    os.utime(first, (1_000_000_000, 1_000_000_000))
    os.utime(later, (1_100_000_000, 1_100_000_000))
    result = merge(issued)
    row = row_of(result, "W04")
    assert (row["status"], row["file"], row["gruende_nicht_begonnen"]) == ("eingegangen", "kopie-a.xlsx", "Bestätigt.")
    [outranked] = problems_of(result, later.name)
    assert outranked.code == Code.RETURN_TITLE_MATCH_OUTRANKED
    assert all("PWNED" not in problem.remedy for problem in result.problems)  # no file name in a command to paste


def test_a_confirmation_holds_only_for_the_werkzeug_it_was_given_for(issued):
    forged(issued, "W05", "W04", "kopie.xlsx", dt.datetime(2020, 1, 1))
    confirm(issued, ["kopie.xlsx"])
    log = issued.confirmations.read_text(encoding="utf-8-sig")
    issued.confirmations.write_text(log.replace(",W04,", ",W09,"), encoding="utf-8-sig")
    result = merge(issued)
    assert row_of(result, "W04")["status"] == "unbestätigt"
    assert CliRunner().invoke(main, ["report", "-p", str(issued.root)]).exit_code == 0
    sheet = load_workbook(issued.report_workbook_path)["Tabelle 1"]
    victim = row_of(result, "W04")["werkzeug"]
    [row] = [row for row in sheet.iter_rows(values_only=True) if row[0] == victim]
    assert row[-1] == "(kein Rücklauf)"


def test_returns_are_found_in_subfolders_in_name_order_without_hidden_and_lock_files(example_project):
    inbox = example_project.inbox
    for name in ("b.xlsx", "A/c.xlsx", "a/B.xlsx", "~$b.xlsx", ".versteckt.xlsx", "Thumbs.db"):
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_bytes(b"PK")
    (inbox / "leer").mkdir()
    (inbox / "verweis").symlink_to(inbox / "A")

    found = [path.relative_to(inbox).as_posix() for path in returned_files(inbox)]

    assert found == ["a/B.xlsx", "A/c.xlsx", "b.xlsx"]  # by path, ignoring case; a link to a folder is no return


def test_each_return_is_named_by_its_path_below_eingang_however_odd(issued, tmp_path):
    """Merge names a return by slicing eingang/ off the path returned_files built: in subfolders, in a folder
    whose name is not UTF-8, behind a link to a file elsewhere, it names each as its path below eingang/."""
    inbox = os.fsencode(issued.inbox)
    folder = os.path.join(inbox, "Fachamt \xd6 1".encode("cp1252"), b"sub  dir")
    os.makedirs(folder)
    moved = {}
    for werkzeug_id, name in (("W04", b"R\xfcckl\xe4ufer.xlsx"), ("W05", "neu\u00a0.xlsx".encode())):
        source = returned(issued, werkzeug_id, {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"})
        os.rename(os.fsencode(source), os.path.join(folder, name))
        moved[werkzeug_id] = os.path.join(folder, name)
    elsewhere = returned(issued, "W06", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"})
    shutil.move(elsewhere, tmp_path / "anderswo.xlsx")
    os.symlink(tmp_path / "anderswo.xlsx", os.path.join(folder, b"verweis.xlsx"))
    moved["W06"] = os.path.join(folder, b"verweis.xlsx")

    register = merge(issued).register.set_index("werkzeug_id")

    for werkzeug_id, path in moved.items():
        below = Path(os.fsdecode(path)).relative_to(issued.inbox)
        assert register.loc[werkzeug_id, "file"] == display_name(below), werkzeug_id
    assert register.loc["W04", "file"] == "Fachamt Ö 1/sub  dir/Rückläufer.xlsx"


@pytest.mark.parametrize("collecting", [True, False])
def test_merge_leaves_the_cycle_collector_as_it_found_it(issued, collecting):
    copy_example_returns(issued)
    (gc.enable if collecting else gc.disable)()
    try:
        merge(issued)
        assert gc.isenabled() is collecting
    finally:
        gc.enable()


def with_formula(project, werkzeug_id: str, formula: str, name: str) -> Path:
    """A return of ``werkzeug_id`` whose answer to "erfolgsfaktoren" a department typed as ``formula``:
    openpyxl writes it without a computed value, as a script or a converter would."""
    path = returned(project, werkzeug_id, {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"}, name=name)
    workbook = load_workbook(path)
    cell = next(cell for row in workbook["Fragebogen"].iter_rows() for cell in row
                if cell.value == "wxl:erfolgsfaktoren").offset(column=-1)
    cell.value = formula
    workbook.save(path)
    return path


def test_a_formula_without_a_value_in_an_answer_cell_is_a_problem_not_an_empty_answer(issued):
    with_formula(issued, "W01", '=HYPERLINK("http://x","klick")', "w01.xlsx")
    result = merge(issued)
    [problem] = problems_of(result, "w01.xlsx")
    assert (problem.code, problem.question, problem.kind) == (Code.ANSWER_FORMULA, "2.1 Was sind Erfolgsfaktoren?",
                                                              "Fehler")
    assert problem.cell.startswith("Fragebogen!C") and problem.value == '=HYPERLINK("http://x","klick")'
    assert "Formel" in problem.problem and "statt einer Formel" in problem.remedy
    assert row_of(result, "W01")["erfolgsfaktoren"] is None


@pytest.mark.parametrize("target", ["xlsx", "ods", "xls"])
def test_a_formula_saved_with_its_value_gives_the_value_with_a_notice(issued, soffice, tmp_path, target):
    """LibreOffice computes the formula and stores the result beside it; that result is the answer the
    department saw, taken with a notice naming the cell. In .xls the formula's text is not read (BIFF
    stores tokens), the cell is still found."""
    source = with_formula(issued, "W01", '=CONCATENATE("gute ","Zusammenarbeit")', "w01.xlsx")
    converted = soffice(source, target, tmp_path / "lo")
    source.unlink()
    shutil.copy2(converted, issued.inbox / f"zurueck.{target}")
    result = merge(issued)
    [notice] = [problem for problem in problems_of(result, f"zurueck.{target}")
                if problem.code != Code.FILE_XLS]
    assert (notice.code, notice.question, notice.kind) == (Code.ANSWER_FORMULA_VALUE_TAKEN,
                                                           "2.1 Was sind Erfolgsfaktoren?", "Hinweis")
    assert notice.cell.startswith("Fragebogen!C") and "statt einer Formel" in notice.remedy
    taken = row_of(result, "W01")["erfolgsfaktoren"]
    assert notice.value == taken
    if target != "xls":  # LibreOffice 7 writes an uncomputed 0 as the result into .xls: the notice shows it
        assert taken == "gute Zusammenarbeit"


def test_the_questionnaires_own_formulas_give_no_notice(issued, soffice, tmp_path):
    """A generated questionnaire holds formulas of its own (here labels; calculate questions in
    test_xlsform_features); LibreOffice stores their values: they are the form's, not a department's,
    and give no notice."""
    source = returned(issued, "W06", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"}, name="w06.xlsx")
    converted = soffice(source, "xlsx", tmp_path / "lo")
    source.unlink()
    shutil.copy2(converted, issued.inbox / "zurueck.xlsx")
    assert problems_of(merge(issued), "zurueck.xlsx") == []


def test_a_text_longer_than_a_cell_holds_is_a_problem_and_its_start_kept(issued, tmp_path):
    """openpyxl cuts a text to 32,767 characters itself (openpyxl/cell/cell.py), so the longer text is
    written into the sheet's XML as another program would write it."""
    marker = "LANGER_TEXT"
    path = returned(issued, "W02", {"umsetzung": "Ja", "fortfuehrung": "Trifft zu", "probleme": marker},
                    name="w02.xlsx")
    longer = "Sehr ausführlich." + " Sehr ausführlich." * 2500  # 45,017 characters
    with zipfile.ZipFile(path) as source:
        parts = {info: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts.items():
            target.writestr(info, data.replace(marker.encode(), longer.encode()))
    result = merge(issued)
    [problem] = problems_of(result, "w02.xlsx")
    assert (problem.code, problem.kind) == (Code.ANSWER_TOO_LONG, "Fehler")
    assert "45017 Zeichen" in problem.problem and "eingang" in problem.remedy
    assert row_of(result, "W02")["probleme"] == longer[:32767]
    master = load_workbook(result.master_path)["Register"]
    header = [cell.value for cell in master[1]]
    assert any(row[header.index("probleme")] == longer[:32767] for row in master.iter_rows(values_only=True))


def test_readers_started_before_the_project_is_checked_end_with_a_merge_that_stops(issued, monkeypatch):
    """The readers start before the form and issue log are read; a merge stopped by those leaves none behind,
    and says what it always said, in the same order (no eingang/ after no issue log)."""
    import multiprocessing

    from werkstatt_xl.round import reading

    monkeypatch.setattr(reading, "PARALLEL_FROM", 1)
    copy_example_returns(issued)
    issued.issue_log.unlink()
    shutil.rmtree(issued.outbox)
    issued.outbox.mkdir()
    with pytest.raises(ProjectError, match="no record of questionnaires issued"):
        merge(issued)
    assert multiprocessing.active_children() == []
    shutil.rmtree(issued.inbox)
    with pytest.raises(ProjectError, match="no record of questionnaires issued"):
        merge(issued)


def test_without_eingang_merge_says_so_once_the_project_checks_pass(issued):
    shutil.rmtree(issued.inbox)
    with pytest.raises(ProjectError) as stopped:
        merge(issued)
    assert str(issued.inbox) in str(stopped.value)


def test_a_merge_interrupted_while_the_readers_work_leaves_no_reader_and_no_output(issued, monkeypatch):
    """Ctrl-C while the form is read, the readers already started: they end with the merge, nothing is written."""
    import multiprocessing

    from werkstatt_xl.round import inbox, reading

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reading, "PARALLEL_FROM", 1)
    monkeypatch.setattr(inbox, "load_catalogue", interrupted)
    copy_example_returns(issued)
    before = sorted(path for path in issued.root.rglob("*"))
    with pytest.raises(KeyboardInterrupt):
        merge(issued)
    assert multiprocessing.active_children() == []
    assert sorted(path for path in issued.root.rglob("*")) == before
