"""What ``questionnaire`` and ``xlsx`` keep between workbooks (per form, per process) never leaks into another
workbook: questionnaires of two forms, Werkzeuge, prefills and last round's answers rendered in turn in one
process are, part for part, the bytes a fresh process writes for each; and untrusted text in them (catalogue
cells, last round's answers) reads back as the same text."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from werkstatt_xl.catalogue import Werkzeug
from werkstatt_xl.form import default_form_path, load_form
from werkstatt_xl.questionnaire import SHEET, render_questionnaire
from werkstatt_xl.round import Project

TESTS = Path(__file__).parent
OTHER_FORM = """
    | survey   |
    |          | type                 | name     | label                    | required | prefill   | default | constraint | repeat_count | relevant          |
    |          | text                 | werkzeugtitel | Titel               | yes      | werkzeug  |         |            |              |                   |
    |          | text                 | amt      | Fachamt                  |          | fachamt   |         |            |              |                   |
    |          | select_one jn        | umsetzung | Läuft es?               | yes      |           | ja      |            |              |                   |
    |          | select_multiple arten | arten   | Welche Arten?            |          |           |         |            |              | ${umsetzung} = 'ja' |
    |          | integer              | anzahl   | Wie viele für ${werkzeugtitel}? |          |           | 3       | . >= 0     |              |                   |
    |          | date                 | beginn   | Beginn                   |          |           |         |            |              |                   |
    |          | text                 | anmerkungen | <r><t>Notiz</t></r>   |          |           | _x0041_ |            |              |                   |
    |          | begin_repeat         | posten   | Posten                   |          |           |         |            | 2            |                   |
    |          | text                 | was      | Was?                     | yes      |           |         |            |              |                   |
    |          | select_multiple arten | wer     | Wer?                     |          |           |         |            |              |                   |
    |          | end_repeat           |          |                          |          |           |         |            |              |                   |
    | choices  |
    |          | list_name | name  | label          |
    |          | jn        | ja    | Jawohl         |
    |          | jn        | nein  | Nee            |
    |          | arten     | rad   | Rad & <Fuß>    |
    |          | arten     | bus   | _x0042_ Bus    |
"""
"""A form sharing question names with the default one (werkzeugtitel, umsetzung, anmerkungen), with other labels,
choices and defaults; a select_multiple in a repeat; markup and escapes in labels and choices."""
HOSTILE = ["=HYPERLINK(\"http://x\",\"klick\")", "<r><t>fett</t></r>", "_x0041_ und _x005F_", "Zeile\x01Steuer\x1f",
           " führend und folgend ", "a & b < c > \"d\"", "\ufffe\uffff", "+1-2", "@SUMME(A1)"]


def _werkzeug(number: int, words: str, fachamt: str = "") -> Werkzeug:
    return Werkzeug(f"W{number}", "Bildung", words, "neu", str(number), fachamt, "Erika", "amt@example.org", 1,
                    number + 1)


NEXT_ROUND = {"title": "Zwischenbilanz 2023", "deadline": dt.date(2023, 6, 30), "horizon": 2026}
"""Another round: the default form's labels and rules say another year, its cells stand where they stood."""
CASES = {
    "default_plain": ("default", _werkzeug(1, "Bürgerbus", HOSTILE[4]), {}),
    "default_next_round": ("default", _werkzeug(1, "Bürgerbus", HOSTILE[4]), {}, NEXT_ROUND),
    "other_hostile": ("other", _werkzeug(2, HOSTILE[0], HOSTILE[3]), {}),
    "default_hostile": ("default", _werkzeug(3, HOSTILE[1], HOSTILE[2]), {}),
    "other_previous": ("other", _werkzeug(4, HOSTILE[2], HOSTILE[5]),
                       {"anmerkungen": HOSTILE[1], "anzahl": 7, "beginn": dt.date(2024, 5, 6), "arten": "bus",
                        "umsetzung": "Jawohl"}),
    "default_previous": ("default", _werkzeug(5, HOSTILE[6], HOSTILE[7]),
                         {"anmerkungen": HOSTILE[8], "umsetzung": "Nein"}),
}
"""Case -> (form, Werkzeug, last round's answers[, round settings]): rendered in this order in one process."""
REFERRING_FORM = """
    | survey |
    |        | type         | name    | label                | constraint     | relevant       |
    |        | integer      | vorher  | Mehr als ${nachher}? | . > ${nachher} |                |
    |        | note         | hinweis | Siehe ${nachher}     |                | ${nachher} > 1 |
    |        | begin_repeat | posten  | Posten               |                |                |
    |        | text         | was     | Was?                 |                |                |
    |        | end_repeat   |         |                      |                |                |
    |        | integer      | nachher | Nachher              |                |                |
"""
"""Questions before a repeat that refer to one after it: in a label, a constraint, a relevant."""


def _project(folder: Path, round_settings: dict) -> Project:
    return Project(root=folder, **{"title": "Zwischenbilanz 2019", "deadline": dt.date(2019, 12, 13), "repeat_rows": 3,
                                   **round_settings})


def _form(kind: str, project: Project):
    if kind == "default":
        return load_form(default_form_path(), values=project.round_values)
    folder = project.root
    return load_form(_xlsform(folder / "anderes.xlsx", OTHER_FORM))


def _xlsform(path: Path, markdown: str) -> Path:
    """conftest's ``write_xlsform``, also for the fresh process, which has no fixtures."""
    sys.path.insert(0, str(TESTS))
    from conftest import write_xlsform

    return write_xlsform(path, markdown)


def render_case(name: str, folder: Path) -> dict[str, str]:
    """Render case ``name`` into ``folder``; its parts' digests (the core properties hold the time of writing)."""
    kind, werkzeug, previous, *round_settings = CASES[name]
    project = _project(folder, *round_settings or [{}])
    path = folder / f"{name}.xlsx"
    render_questionnaire(path, _form(kind, project), werkzeug, "0123456789abcdef", project, previous)
    with zipfile.ZipFile(path) as package:
        return {part: hashlib.sha256(package.read(part)).hexdigest() for part in package.namelist()
                if part != "docProps/core.xml"}


def _fresh(name: str, folder: Path) -> dict[str, str]:
    folder.mkdir()
    code = (f"import sys, json; sys.path.insert(0, {str(TESTS)!r}); import test_render_caches as t; "
            f"from pathlib import Path; print(json.dumps(t.render_case({name!r}, Path({str(folder)!r}))))")
    # in the new folder: run from the checkout, "-c" would import the source tree, not the installed package
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=folder)
    return json.loads(done.stdout)


def test_questionnaires_rendered_in_turn_are_the_bytes_a_fresh_process_writes(tmp_path):
    together = tmp_path / "together"
    together.mkdir()
    # each form twice (the second time from the caches), with other Werkzeuge, prefills and last answers between
    order = [*CASES, "default_plain", "other_hostile"]
    rendered = [(name, render_case(name, together)) for name in order]
    for name in CASES:
        fresh = _fresh(name, tmp_path / name)
        for rendered_name, parts in rendered:
            if rendered_name == name:
                assert parts == fresh, name


def _untrusted(name: str) -> set[str]:
    """The catalogue cells and last round's answers of case ``name`` that its questionnaire shows."""
    _kind, werkzeug, previous, *_round = CASES[name]
    return {werkzeug.werkzeug, werkzeug.fachamt} | {value for value in previous.values()
                                                    if isinstance(value, str) and len(value) > 4}


def _texts(path: Path) -> set:
    workbook = CalamineWorkbook.from_path(str(path))
    return {value for row in workbook.get_sheet_by_name(SHEET).to_python() for value in row}


def test_untrusted_text_in_a_questionnaire_reads_back_as_that_text(tmp_path):
    """Catalogue cells and last round's answers: formulas, rich-text markup, ``_xHHHH_`` escapes, control
    characters, spaces at either end stay the very text (python-calamine, which reads returns; openpyxl
    unescapes ``_x005F_x005F_`` wrongly), and none becomes a formula."""
    render_case("default_plain", tmp_path)  # the caches hold the default form's strings before
    for name in ("other_previous", "other_hostile"):
        render_case(name, tmp_path)
        sheet = load_workbook(tmp_path / f"{name}.xlsx")[SHEET]
        formulas = [cell.value for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
        assert not [formula for formula in formulas if "HYPERLINK" in formula or "SUMME" in formula]
        assert _untrusted(name) <= _texts(tmp_path / f"{name}.xlsx"), _untrusted(name) - _texts(tmp_path / f"{name}.xlsx")


def test_libreoffice_reads_the_untrusted_text_of_a_questionnaire_as_that_text(tmp_path, soffice):
    render_case("default_plain", tmp_path)
    for name in ("other_previous", "other_hostile"):
        render_case(name, tmp_path)
        converted = soffice(tmp_path / f"{name}.xlsx", "xlsx", tmp_path / "libreoffice")
        assert _untrusted(name) <= _texts(converted), _untrusted(name) - _texts(converted)


def test_one_form_rendered_with_other_repeat_rows_or_heading_points_at_its_own_cells(tmp_path):
    """The formulas worked out once per form (a label showing an answer, a rule, a skip's greying) follow the
    layout: rendered again with more repeat rows or a shorter heading, the same form object reads the cells
    where the answers now stand, as a form loaded afresh does."""
    path = _xlsform(tmp_path / "verweise.xlsx", REFERRING_FORM)
    form = load_form(path)
    werkzeug = _werkzeug(1, "Bürgerbus")

    def sheet_xml(name: str, used_form, **settings) -> bytes:
        project = Project(root=tmp_path, **{"title": "Zwischenbilanz 2019", **settings})
        render_questionnaire(tmp_path / name, used_form, werkzeug, "0123456789abcdef", project)
        with zipfile.ZipFile(tmp_path / name) as package:
            return package.read("xl/worksheets/sheet1.xml")

    sheet_xml("first.xlsx", form, repeat_rows=2)
    for settings in ({"repeat_rows": 4}, {"repeat_rows": 4, "title": ""}):
        again = sheet_xml("again.xlsx", form, **settings)
        assert again == sheet_xml("fresh.xlsx", load_form(path), **settings), settings
