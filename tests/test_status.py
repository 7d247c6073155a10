"""Where each Werkzeug stands: status library and ``werkstatt-xl status`` in text, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import time
import tomllib

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from werkstatt_xl.catalogue import COLUMNS
from werkstatt_xl.cli import main
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.issue_log import read_issue_log
from werkstatt_xl.resources import template_path
from werkstatt_xl.round import generate, init_project, load_project, merge, register_statuses, unmerged_files
from werkstatt_xl.round import status as collect_status

ROWS = [
    ("W1", "Bildung", "Schule meets Demografie", "neu", "", "Schulamt", "", "schule@example.org"),
    ("W2", "Bildung", "Kulturführerschein®", "bestehend", "", "Kulturamt", "", "kultur@example.org"),
    ("W3", "Mobilität", "Medibus", "neu", "", "Gesundheitsamt", "", "gesundheit@example.org"),
    ("W4", "Mobilität", "Telenotarzt", "bestehend", "", "Gesundheitsamt", "", ""),
]
LATE = ("W5", "Mobilität", "Bürgerbus", "neu", "", "", "", "bus@example.org")
"""Added to the catalogue after the questionnaires went out: not issued."""


def write_catalogue(root, rows) -> None:
    """The catalogue as typed in Excel: every value a text, also one that starts with "="."""
    workbook = Workbook()
    workbook.active.append(list(COLUMNS.values()))
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            workbook.active.cell(number, column, value).data_type = "s"
    workbook.save(root / "katalog.xlsx")


def issued_round(tmp_path):
    """A round whose four Werkzeuge have been issued."""
    root = tmp_path / "runde"
    init_project(root)
    write_catalogue(root, ROWS)
    generate(load_project(root))
    return load_project(root)


def questionnaire(project, werkzeug_id):
    [entry] = [entry for entry in read_issue_log(project.issue_log) if entry.werkzeug_id == werkzeug_id]
    return project.outbox / entry.file


@pytest.fixture
def project(tmp_path):
    """Four Werkzeuge issued, one added to the catalogue later."""
    project = issued_round(tmp_path)
    write_catalogue(project.root, ROWS + [LATE])
    return project


@pytest.fixture
def merged(tmp_path):
    """As ``project``, merged after W1 came back, W2 with an invalid answer, W3 on a since reissued form."""
    project = issued_round(tmp_path)
    shutil.copyfile(questionnaire(project, "W3"), project.inbox / "medibus_alt.xlsx")
    generate(project, reissue=True)
    fill_questionnaire(questionnaire(project, "W1"), {"umsetzung": "Ja", "fortfuehrung": "Trifft zu"},
                       project.inbox / "schule.xlsx")
    fill_questionnaire(questionnaire(project, "W2"), {"umsetzung": "Vielleicht"}, project.inbox / "kultur.xlsx")
    write_catalogue(project.root, ROWS + [LATE])
    merge(project)
    return project


def status(root, *options):
    return CliRunner().invoke(main, ["status", "-p", str(root), *options])


def test_status_after_a_merge_groups_by_fachamt_with_counts(merged):
    result = status(merged.root)

    assert (result.exit_code, result.output) == (0, (
        "Schulamt: 1 Werkzeug (eingegangen 1)\n"
        "  W1  eingegangen       Schule meets Demografie\n"
        "\n"
        "Kulturamt: 1 Werkzeug (mit Problemen 1)\n"
        "  W2  mit Problemen     Kulturführerschein®\n"
        "\n"
        "Gesundheitsamt: 2 Werkzeuge (abgelehnt 1, offen 1)\n"
        "  W3  abgelehnt         Medibus\n"
        "  W4  offen             Telenotarzt\n"
        "\n"
        "(ohne Angabe): 1 Werkzeug (nicht ausgegeben 1)\n"
        "  W5  nicht ausgegeben  Bürgerbus\n"
        "\n"
        "Total: 5 Werkzeuge (eingegangen 1, mit Problemen 1, abgelehnt 1, offen 1, nicht ausgegeben 1)\n"
    ))


def test_status_as_csv_and_json_for_scripts(merged):
    as_csv = status(merged.root, "--format", "csv")
    as_json = status(merged.root, "--format", "json")

    no_mail = {"letzte_mail": "", "letzte_mail_am": ""}
    expected = [
        {"werkzeug_id": "W1", "werkzeug": "Schule meets Demografie", "fachamt": "Schulamt",
         "email": "schule@example.org", "status": "eingegangen", **no_mail},
        {"werkzeug_id": "W2", "werkzeug": "Kulturführerschein®", "fachamt": "Kulturamt",
         "email": "kultur@example.org", "status": "mit Problemen", **no_mail},
        {"werkzeug_id": "W3", "werkzeug": "Medibus", "fachamt": "Gesundheitsamt",
         "email": "gesundheit@example.org", "status": "abgelehnt", **no_mail},
        {"werkzeug_id": "W4", "werkzeug": "Telenotarzt", "fachamt": "Gesundheitsamt", "email": "",
         "status": "offen", **no_mail},
        {"werkzeug_id": "W5", "werkzeug": "Bürgerbus", "fachamt": "", "email": "bus@example.org",
         "status": "nicht ausgegeben", **no_mail},
    ]
    assert as_csv.exit_code == 0 and as_json.exit_code == 0
    assert list(csv.DictReader(io.StringIO(as_csv.output))) == expected
    assert json.loads(as_json.output) == expected
    assert collect_status(merged).to_dict("records") == expected


def test_register_statuses_are_those_of_the_last_merge_and_none_before(tmp_path, merged):
    assert register_statuses(issued_round(tmp_path / "ohne_merge")) is None
    assert register_statuses(merged) == {"W1": "eingegangen", "W2": "mit Problemen", "W3": "abgelehnt",
                                         "W4": "offen", "W5": "offen"}


def test_issued_without_return_is_offen_in_status_master_and_tabelle1(merged):
    assert collect_status(merged).set_index("werkzeug_id")["status"]["W4"] == "offen"
    assert register_statuses(merged)["W4"] == "offen"
    definition = tomllib.loads(template_path("tabelle1.toml").read_text(encoding="utf-8"))
    assert "offen" in definition["no_return"]["statuses"]


def test_before_any_merge_issued_werkzeuge_are_offen(project):
    assert list(collect_status(project)["status"]) == ["offen"] * 4 + ["nicht ausgegeben"]
    assert status(project.root).output.endswith("Total: 5 Werkzeuge (offen 4, nicht ausgegeben 1)\n")


def test_before_generate_no_werkzeug_is_issued(tmp_path):
    root = tmp_path / "runde"
    init_project(root)
    write_catalogue(root, ROWS)

    assert list(collect_status(load_project(root))["status"]) == ["nicht ausgegeben"] * 4


def test_status_needs_a_project(tmp_path):
    result = status(tmp_path)

    assert (result.exit_code, result.output) == (
        1, f"Error: {tmp_path}: no werkstatt.toml here. Create a project with 'werkstatt-xl init {tmp_path}' or "
           "point to one with -p DIR.\n")


def test_status_warns_about_returns_that_arrived_after_the_last_merge(merged):
    assert unmerged_files(merged) == []
    late = merged.inbox / "spaet.xlsx"
    late.write_bytes(b"not merged yet")
    os.utime(late, (time.time() + 60, time.time() + 60))
    assert unmerged_files(merged) == [late]
    result = CliRunner().invoke(main, ["status", "-p", str(merged.root)])
    assert result.exit_code == 0
    assert result.stderr == (f"Warning: 1 file in {merged.inbox} is newer than the last merge; run "
                             f"'werkstatt-xl merge -p {merged.root}' to count it.\n")


def test_catalogue_cells_that_excel_would_run_as_formulas_stay_text_in_the_csv(tmp_path):
    root = tmp_path / "runde"
    init_project(root)
    hostile = [("W1", "Bildung", '=HYPERLINK("http://example.org","Klick")', "neu", "", "+Schulamt", "", ""),
               ("W2", "Bildung", "-Kita", "neu", "", "@Amt", "", ""),
               ("W3", "Bildung", "'zitiert", "neu", "", "\tTab", "", "")]
    write_catalogue(root, hostile)
    output = status(root, "--format", "csv").output
    rows = list(csv.reader(io.StringIO(output)))[1:]
    assert [(row[1], row[2]) for row in rows] == [
        ("'=HYPERLINK(\"http://example.org\",\"Klick\")", "'+Schulamt"), ("'-Kita", "'@Amt"), ("''zitiert", "Tab")]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
