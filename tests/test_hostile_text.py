"""The Big List of Naughty Strings through a whole round: as catalogue cells (Werkzeug, Handlungsfeld,
Fachamt, Ansprechpartner) and as typed answers, through generate, a filled return, merge, report,
status and mail. Every value reads back exactly (after the documented folding of spaces) or is
reported with a code; no output holds a formula or a link; every workbook is well-formed and opens
in openpyxl, python-calamine and LibreOffice."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from defusedxml import ElementTree
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from python_calamine import CalamineWorkbook

from werkstatt_xl.catalogue import COLUMNS, fold, load_catalogue
from werkstatt_xl.cli import main
from werkstatt_xl.errors import CatalogueError
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.form import load_form
from werkstatt_xl.issue_log import read_issue_log
from werkstatt_xl.messages import Code
from werkstatt_xl.report import load_report_definition, tabelle1
from werkstatt_xl.round import generate, init_project, load_project, merge, plan_mail, read_register, write_mail_drafts
from werkstatt_xl.validate import NOTICE, fold_spaces

NAUGHTY = json.loads((Path(__file__).parent / "data" / "blns.json").read_text(encoding="utf-8"))
TEXT_ANSWERS = ("gruende_nicht_begonnen", "erfolgsfaktoren", "probleme", "einbindung_fachaemter",
                "einbindung_oeffentlichkeit", "gruende_verzoegerung", "gruende_budget", "gruende_beendigung",
                "anmerkungen")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def collapsed(value: str) -> str:
    """A catalogue cell as the catalogue reads it: white space (non-breaking too) folded into single spaces."""
    return " ".join(value.replace("\u00a0", " ").split())


def write_catalogue(path: Path, names: list[str]) -> None:
    """A CSV catalogue (it can hold every string, control characters too) with naughty cells everywhere:
    the names given, and Handlungsfeld, Fachamt and Ansprechpartner from the strings without control characters."""
    others = [value for value in NAUGHTY if not CONTROL.search(collapsed(value))]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS.values())
        for number, name in enumerate(names):
            writer.writerow([f"W{number:03d}", collapsed(others[number % 11 + 40]) or "Bildung", name, "neu",
                             str(number), others[(number * 7) % len(others)],
                             others[(number * 13) % len(others)], "amt@example.org"])


def usable_names() -> list[str]:
    """The naughty strings a catalogue accepts as Werkzeug names: each once, none empty, no control character."""
    seen, names = set(), []
    for value in NAUGHTY:
        if collapsed(value) and fold(value) not in seen and not CONTROL.search(collapsed(value)):
            seen.add(fold(value))
            names.append(value)
    return names


def xml_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if name.endswith((".xml", ".rels"))}


def assert_text_only(path: Path) -> None:
    """Well-formed XML throughout, no cell formula, no hyperlink."""
    for name, xml in xml_parts(path).items():
        ElementTree.fromstring(xml)  # raises on anything malformed
        if name.startswith("xl/worksheets/sheet"):
            assert b"<f>" not in xml and b"<f " not in xml, f"{path.name}: a formula in {name}"
            assert b"<hyperlink" not in xml, f"{path.name}: a link in {name}"
    load_workbook(path)  # openpyxl reads it


@pytest.fixture(scope="module")
def round_of_naughty_strings(tmp_path_factory):
    root = tmp_path_factory.mktemp("naughty") / "runde"
    project = init_project(root)
    (root / "katalog.xlsx").unlink()
    settings = root / "werkstatt.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("katalog.xlsx", "katalog.csv").replace(
        'sender = ""', 'sender = "Demografiewerkstatt <demografie@example.org>"').replace(
        'title = ""', 'title = "Zwischenbilanz 2026"').replace('deadline = ""', "deadline = 2026-12-15"),
        encoding="utf-8")
    write_catalogue(root / "katalog.csv", usable_names())
    project = load_project(root)
    generate(project)
    answered = {}
    writable = [value for value in NAUGHTY if not ILLEGAL_CHARACTERS_RE.search(value)]
    for number, entry in enumerate(read_issue_log(project.issue_log)):
        chunk = writable[number * len(TEXT_ANSWERS):(number + 1) * len(TEXT_ANSWERS)]
        if not chunk:
            break
        answers = {"umsetzung": "Nein", **dict(zip(TEXT_ANSWERS, chunk))}
        fill_questionnaire(project.outbox / entry.file, answers, project.inbox / entry.file)
        answered[entry.werkzeug_id] = answers
    return project, answered, merge(project)


def test_the_catalogue_reports_exactly_the_cells_it_cannot_take(tmp_path):
    path = tmp_path / "katalog.csv"
    write_catalogue(path, NAUGHTY)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert set(caught.value.codes) == {Code.CATALOGUE_NAME_EMPTY, Code.CATALOGUE_NAME_TWICE,
                                       Code.CATALOGUE_CONTROL_CHARACTER}
    reported_rows = {problem.line for problem in caught.value.problems}
    usable = usable_names()
    write_catalogue(path, usable)
    werkzeuge = load_catalogue(path).werkzeuge
    assert [werkzeug.werkzeug for werkzeug in werkzeuge] == [collapsed(name) for name in usable]
    assert len(usable) + len(reported_rows) >= len(NAUGHTY) - 1  # every string is taken or its row reported


def test_every_naughty_answer_reads_back_from_the_register_exactly(round_of_naughty_strings):
    project, answered, result = round_of_naughty_strings
    assert len(answered) * len(TEXT_ANSWERS) >= 490
    register = read_register(project).set_index("werkzeug_id")
    # openpyxl writes U+FFFE into the XML as it is, which XML forbids: that file is damaged, and reported so
    malformed = {werkzeug_id for werkzeug_id, answers in answered.items()
                 if any(character in value for value in answers.values() for character in "\ufffe\uffff")}
    rejected = {problem.werkzeug_id or problem.file: problem.code for problem in result.problems
                if problem.kind != NOTICE}
    assert len(malformed) == 1 and set(rejected.values()) == {Code.FILE_DAMAGED} and len(rejected) == 1
    answered = {werkzeug_id: answers for werkzeug_id, answers in answered.items() if werkzeug_id not in malformed}
    for werkzeug_id, answers in answered.items():
        row = register.loc[werkzeug_id].where(register.loc[werkzeug_id].notna(), None)
        for name in TEXT_ANSWERS:
            assert row[name] == (fold_spaces(answers.get(name, "")) or None), (werkzeug_id, name, answers[name])
    assert {problem.code for problem in result.problems} <= {Code.ANSWER_SKIPPED, Code.FILE_DAMAGED}
    assert result.counts["accepted"] == len(answered)


def test_the_catalogue_cells_read_back_from_the_register_exactly(round_of_naughty_strings):
    project, _, _ = round_of_naughty_strings
    catalogue = load_catalogue(project.catalogue_path)
    register = read_register(project)
    for key in ("werkzeug", "handlungsfeld", "fachamt", "ansprechpartner"):
        found = ["" if value is None or value != value else value for value in register[key]]  # empty: None, NaN
        assert found == [getattr(werkzeug, key) for werkzeug in catalogue.werkzeuge], key


def test_tabelle1_holds_the_computed_table_cell_for_cell(round_of_naughty_strings):
    project, _, result = round_of_naughty_strings
    definition = load_report_definition(project.report_path, load_form(project.form_path))
    expected = tabelle1(result.register, definition)
    workbook = CalamineWorkbook.from_path(str(project.report_workbook_path))
    cells = {value for row in workbook.get_sheet_by_name(definition.sheet).to_python() for value in row}
    for column in (definition.werkzeug_header, definition.remarks_header):
        missing = [value for value in expected[column] if value and value not in cells]
        assert missing == [], column
    handlungsfelder = set(expected["Handlungsfeld"])
    assert handlungsfelder <= cells


def test_no_output_holds_a_formula_or_a_link_and_every_part_is_well_formed(round_of_naughty_strings):
    project, _, _ = round_of_naughty_strings
    assert_text_only(project.master_path)
    assert_text_only(project.report_workbook_path)
    for entry in read_issue_log(project.issue_log)[::25]:
        assert_text_only(project.outbox / entry.file)


def test_libreoffice_reads_both_workbooks_with_every_string_intact(round_of_naughty_strings, soffice, tmp_path):
    project, answered, _ = round_of_naughty_strings
    converted = soffice(project.master_path, "xlsx", tmp_path)
    rows = CalamineWorkbook.from_path(str(converted)).get_sheet_by_name("Register").to_python()
    keys = [str(key) for key in rows[0]]
    by_id = {row[keys.index("werkzeug_id")]: row for row in rows[2:]}
    for werkzeug_id, answers in answered.items():
        if by_id[werkzeug_id][keys.index("status")] == "eingegangen":
            for name in TEXT_ANSWERS:
                assert (by_id[werkzeug_id][keys.index(name)] or None) == (fold_spaces(answers.get(name, "")) or None)
    assert soffice(project.report_workbook_path, "pdf", tmp_path).stat().st_size > 0


def test_status_and_mail_carry_the_names_as_text(round_of_naughty_strings, tmp_path):
    project, _, _ = round_of_naughty_strings
    catalogue = load_catalogue(project.catalogue_path)
    runner = CliRunner()
    as_json = runner.invoke(main, ["status", "-p", str(project.root), "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert [row["werkzeug"] for row in json.loads(as_json.output)] == [w.werkzeug for w in catalogue.werkzeuge]
    as_csv = runner.invoke(main, ["status", "-p", str(project.root), "--format", "csv"]).output
    cells = [cell for row in csv.reader(io.StringIO(as_csv)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert runner.invoke(main, ["status", "-p", str(project.root)]).exit_code == 0

    plan = plan_mail(project)
    folder, drafts = write_mail_drafts(project, plan)
    [draft] = drafts
    message = message_from_bytes(draft.read_bytes(), policy=policy.default)
    assert [message.get_all(header) for header in ("To", "From")] == [["amt@example.org"], [
        "Demografiewerkstatt <demografie@example.org>"]]
    assert len(message.get_all("Subject")) == 1 and "\n" not in str(message["Subject"])
    attached = [part.get_filename() for part in message.iter_attachments()]
    assert attached == [entry.file for entry in read_issue_log(project.issue_log)]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", name) for name in attached)


def test_the_issue_log_keeps_every_name_exactly_and_excel_runs_none(round_of_naughty_strings):
    project, _, _ = round_of_naughty_strings
    names = [werkzeug.werkzeug for werkzeug in load_catalogue(project.catalogue_path).werkzeuge]
    assert [entry.werkzeug for entry in read_issue_log(project.issue_log)] == names
    raw = list(csv.reader(io.StringIO(project.issue_log.read_text(encoding="utf-8-sig"), newline="")))
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in raw for cell in row)
    neutralised = [cell for row in raw for cell in row if cell[:1] == "'" and cell[1:2] in "=+-@"]
    assert len(neutralised) > 5  # there were such names to neutralise
