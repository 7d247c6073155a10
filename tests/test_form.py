"""Reading and checking XLSForms: small forms written inline, pyxform style, and the shipped one."""

import re
import warnings

import pytest

from werkstatt_xl.errors import FormError
from werkstatt_xl.form import ALL_TYPES, RESERVED_NAMES, Choice, ChoiceList, default_form_path, load_form
from werkstatt_xl.messages import Code
from werkstatt_xl.register import PROVENANCE_COLUMNS

SETTINGS = """
| settings |
|          | form_id | version | form_title |
|          | test    | 1       | Testbogen  |
"""
CHOICES = """
| choices |
|         | list_name | name | label |
|         | ja_nein   | ja   | Ja    |
|         | ja_nein   | nein | Nein  |
"""
SEED_FORM = "Fragebogen"


def form_errors(path) -> str:
    with pytest.raises(FormError) as caught:
        load_form(path)
    return str(caught.value)


def expected_errors(path, *problems: str,
                    remedy: str = "Correct the form in a spreadsheet program and run the command again.") -> str:
    lines = "".join(f"  {problem}\n" for problem in problems)
    return f"{path}: the questionnaire form has errors:\n{lines}{remedy}"


def test_a_small_form_is_read_with_types_numbers_groups_relevant_and_choices(xlsform):
    path = xlsform("""
        | survey |
        | |type              |name    |label::German (de)   |hint   |relevant          |required|constraint|constraint_message|number|prefill |
        | |text              |titel   |Werkzeugtitel        |       |                  |yes     |          |                  |      |werkzeug|
        | |select_one ja_nein|begonnen|Begonnen?            |Ja/Nein|                  |true    |          |                  |1     |        |
        | |note              |weiter  |Falls ja, weiter ab 2|       |                  |        |          |                  |1.1   |        |
        | |begin_group       |budget  |Budget               |       |                  |        |          |                  |      |        |
        | |integer           |euro    |Betrag               |       |${begonnen} = 'ja'|no      |. >= 0    |Nicht negativ     |2     |        |
        | |decimal           |anteil  |Anteil               |       |                  |        |          |                  |2.1   |        |
        | |date              |ende    |Ende                 |       |                  |        |          |                  |3     |        |
        | |end_group         |        |                     |       |                  |        |          |                  |      |        |
        | |text              |rest    |Anmerkungen          |       |                  |        |          |                  |      |        |
    """ + CHOICES + SETTINGS)

    form = load_form(path)

    assert (form.path, form.form_id, form.version, form.title) == (path, "test", "1", "Testbogen")
    assert [(e.name, e.type, e.number, e.label) for e in form.elements] == [
        ("titel", "text", "", "Werkzeugtitel"),
        ("begonnen", "select_one", "1", "Begonnen?"),
        ("weiter", "note", "1.1", "Falls ja, weiter ab 2"),
        ("euro", "integer", "2", "Betrag"),
        ("anteil", "decimal", "2.1", "Anteil"),
        ("ende", "date", "3", "Ende"),
        ("rest", "text", "", "Anmerkungen"),
    ]
    assert form.answer_names() == ["titel", "begonnen", "euro", "anteil", "ende", "rest"]
    assert [e.row for e in form.elements] == [2, 3, 4, 6, 7, 8, 10]
    yes_no = ChoiceList("ja_nein", (Choice("ja", "Ja"), Choice("nein", "Nein")))
    assert form.choice_lists == {"ja_nein": yes_no}
    begonnen, euro = form.question("begonnen"), form.question("euro")
    assert (begonnen.choices, begonnen.hint, begonnen.required, begonnen.group) == (yes_no, "Ja/Nein", True, None)
    assert begonnen.title == "1 Begonnen?"
    assert [e.group.label if e.group else None for e in form.elements] == [None, None, None, "Budget", "Budget",
                                                                          "Budget", None]
    assert euro.group.name == "budget" and euro.required is False
    assert euro.relevant.text == "${begonnen} = 'ja'" and euro.relevant.references == {"begonnen"}
    assert euro.constraint.text == ". >= 0" and euro.constraint_message == "Nicht negativ"
    assert form.question("titel").prefill == "werkzeug" and form.question("titel").required is True
    assert form.question("titel").title == "Werkzeugtitel"


def test_empty_rows_are_skipped_but_rows_keep_their_spreadsheet_numbers(xlsform):
    path = xlsform("""
        | survey |
        |        | type | name | label |
        |        |      |      |       |
        |        | text | a    | A     |
    """ + SETTINGS + "| choices |\n| | list_name | name | label |")
    assert [(e.name, e.row) for e in load_form(path).elements] == [("a", 3)]


def test_match_finds_a_choice_by_label_or_name_ignoring_case_and_spaces():
    choices = ChoiceList("z", (Choice("trifft_zu", "Trifft zu"), Choice("k_a", "k.A.")))
    assert choices.match("  trifft ZU ") == Choice("trifft_zu", "Trifft zu")
    assert choices.match("K_A") == Choice("k_a", "k.A.")
    assert choices.match("vielleicht") is None
    assert choices.by_name("k_a") == Choice("k_a", "k.A.") and choices.by_name("k.A.") is None
    assert choices.labels == ["Trifft zu", "k.A."]


def test_unknown_type(xlsform):
    path = xlsform("""
        | survey |
        |        | type   | name | label |
        |        | texte  | a    | A     |
    """ + CHOICES + SETTINGS)
    assert form_errors(path) == expected_errors(
        path, f"[row 2] On the 'survey' sheet, unknown type 'texte'. Supported: {', '.join(ALL_TYPES)}.")


def test_missing_choice_list(xlsform):
    path = xlsform("""
        | survey |
        |        | type               | name | label |
        |        | text               | a    | A     |
        |        | select_one skala   | b    | B     |
    """ + CHOICES + SETTINGS)
    assert form_errors(path) == expected_errors(
        path, "[row 3] On the 'survey' sheet, the choice list 'skala' of 'b' is not on the choices sheet.")


def test_duplicate_name(xlsform):
    path = xlsform("""
        | survey |
        |        | type | name | label |
        |        | text | a    | A     |
        |        | text | b    | B     |
        |        | text | a    | C     |
    """ + CHOICES + SETTINGS)
    assert form_errors(path) == expected_errors(
        path, "[row 4] On the 'survey' sheet, the name 'a' is already used in row 2.")


@pytest.mark.parametrize("reference", ["nope", "gruppe"])
def test_relevant_must_refer_to_an_answerable_question(xlsform, reference):
    path = xlsform(f"""
        | survey |
        |        | type        | name    | label   | relevant              |
        |        | note        | hinweis | Hinweis |                       |
        |        | begin_group | gruppe  | Gruppe  |                       |
        |        | text        | a       | A       | ${{{reference}}} = 'x' |
        |        | end_group   |         |         |                       |
    """ + CHOICES + SETTINGS)
    assert form_errors(path) == expected_errors(
        path, f"[row 4] On the 'survey' sheet, the relevant of 'a' refers to ${{{reference}}}, which is not a "
              "question of this form.")


def test_relevant_cannot_read_its_own_answer(xlsform):
    path = xlsform("""
        | survey |
        |        | type | name | label | relevant  |
        |        | text | a    | A     | . = 'x'   |
    """ + CHOICES + SETTINGS)
    assert form_errors(path) == expected_errors(
        path, "[row 2] On the 'survey' sheet, the relevant of 'a' uses '.', its own answer; refer to other "
              "questions with ${name}.")


def test_constraint_references_are_checked_too(xlsform):
    path = xlsform("""
        | survey |
        |        | type    | name | label | constraint   |
        |        | integer | a    | A     | . < ${max}   |
    """ + CHOICES + SETTINGS)
    assert form_errors(path) == expected_errors(
        path, "[row 2] On the 'survey' sheet, the constraint of 'a' refers to ${max}, which is not a question "
              "of this form.")


def test_unparseable_expression(xlsform):
    path = xlsform("""
        | survey |
        |        | type | name | label | relevant        |
        |        | text | a    | A     |                 |
        |        | text | b    | B     | ${a} = = 'x'    |
    """ + CHOICES + SETTINGS)
    assert form_errors(path) == expected_errors(
        path, "[row 3] On the 'survey' sheet, the relevant expression cannot be read: unexpected '=' in "
              "\"${a} = = 'x'\".")


def test_a_form_needs_a_survey_sheet(xlsform):
    path = xlsform(CHOICES + SETTINGS)
    assert form_errors(path) == expected_errors(
        path, "On the 'survey' sheet, the sheet is missing: an XLSForm needs a survey sheet.")


def test_without_settings_the_id_comes_from_the_file_name_and_the_version_from_its_contents(xlsform):
    survey = "| survey |\n| | type | name | label |\n| | text | a | A |"
    form = load_form(xlsform(survey, name="Umfrage 2026.xlsx"))
    copy = load_form(xlsform(survey, name="copy.xlsx"))
    assert (form.form_id, form.title) == ("Umfrage_2026", "Umfrage_2026")
    assert re.fullmatch(r"[0-9a-f]{12}", form.version)
    assert load_form(xlsform(survey + "\n| | text | b | B |")).version != form.version
    assert copy.version == form.version and copy.form_id == "copy"
    assert form.notices == ()


def test_settings_take_pyxforms_spellings_and_may_stand_on_the_survey_sheet(xlsform):
    form = load_form(xlsform("""
        | survey |
        |        | type       | name      | label |
        |        | text       | a         | A     |
        |        | form_title | Mein Bogen |      |
        | settings |
        |        | ID_STRING | Version | submission_url |
        |        | bogen     | 7       | https://example.org |
    """))
    assert (form.form_id, form.version, form.title) == ("bogen", "7", "Mein Bogen")
    assert [(notice.code, notice.sheet, notice.line) for notice in form.notices] == [
        (Code.FORM_NOT_USED, "settings", 2)]


def test_every_problem_is_listed_at_once(xlsform):
    path = xlsform("""
        | survey |
        |        | type             | name  | label | prefill |
        |        | begin_group      | g     | G     |         |
        |        | text             | 1a    | A     |         |
        |        | text ja_nein     | b     | B     |         |
        |        | select_one ja_nein | c   |       | telefon |
        |        |                  | d     | D     |         |
        |        | end_group        |       |       |         |
        |        | end_group        |       |       |         |
        |        | begin_group      | offen | Offen |         |
        | choices |
        |         | list_name | name | label |
        |         | ja_nein   | ja   | Ja    |
        |         | ja_nein   | ja   | Jawohl |
        |         | ja_nein   |      | Nein  |
    """ + SETTINGS)
    assert form_errors(path) == expected_errors(
        path,
        "[row 3] On the 'choices' sheet, the choice 'ja' appears twice in list 'ja_nein'.",
        "[row 4] On the 'choices' sheet, list_name, name and label must all be filled in.",
        "[row 3] On the 'survey' sheet, the name '1a' is not valid: use letters, digits and _ and start with "
        "a letter.",
        "[row 4] On the 'survey' sheet, the type 'text' takes no choice list.",
        "[row 5] On the 'survey' sheet, prefill 'telefon' is not a catalogue field (werkzeug, seite, "
        "ansprechpartner, fachamt, handlungsfeld).",
        "[row 6] On the 'survey' sheet, the type is empty.",
        "[row 8] On the 'survey' sheet, end_group without a begin_group.",
        "[row 9] On the 'survey' sheet, the group 'offen' has no end_group.",
    )


def test_a_missing_file_and_a_file_that_is_no_workbook(tmp_path):
    missing, broken = tmp_path / "fehlt.xlsx", tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"not a zip file")
    assert form_errors(missing) == expected_errors(missing, (
        "The file does not exist. Restore it (e.g. from vorlagen/ of the last round), or set [files] form in "
        "werkstatt.toml to an existing XLSForm (empty: the shipped one)."))
    assert form_errors(broken) == expected_errors(
        broken, "The file is not a readable .xlsx workbook (invalid Zip archive: Could not find EOCD).")


def form_problems(path) -> list[tuple[Code, str, int | None]]:
    """(code, sheet, row) of each problem ``load_form`` finds."""
    with pytest.raises(FormError) as caught:
        load_form(path)
    return [(problem.code, problem.sheet, problem.line) for problem in caught.value.problems]


def test_each_kind_of_form_problem_has_its_own_code(xlsform):
    path = xlsform("""
        | survey |
        |        | type             | name   | label | relevant   | constraint | prefill |
        |        | texte            | a      | A     |            |            |         |
        |        | end_group        |        |       |            |            |         |
        |        | text             | 1a     | A     |            |            |         |
        |        | text             | b      | B     | . = 'x'    | . < ${zz}  | telefon |
        |        | text             | b      | B     |            |            |         |
        |        | text             | status | S     |            |            |         |
        |        | select_one skala | c      | C     | ${b} = = 1 |            |         |
        |        | integer ja_nein  | d      |       |            |            |         |
        |        |                  | e      | E     |            |            |         |
        |        | begin_group      | g      | G     |            |            |         |
        |        | rank ja_nein     | h      | H     |            |            |         |
        | choices |
        |         | list_name | name | label  |
        |         | ja_nein   | ja   | Ja     |
        |         | ja_nein   | ja   | Jawohl |
        |         | ja_nein   |      | Nein   |
        | settings |
        |          | form_title | form_id | version |
        |          | Testbogen  | test    | 1       |
    """)
    assert form_problems(path) == [
        (Code.FORM_DUPLICATE_CHOICE, "choices", 3),
        (Code.FORM_INCOMPLETE_CHOICE, "choices", 4),
        (Code.FORM_UNKNOWN_TYPE, "survey", 2),
        (Code.FORM_END_GROUP_WITHOUT_BEGIN, "survey", 3),
        (Code.FORM_BAD_NAME, "survey", 4),
        (Code.FORM_BAD_PREFILL, "survey", 5),
        (Code.FORM_RELEVANT_READS_OWN_ANSWER, "survey", 5),
        (Code.FORM_UNKNOWN_REFERENCE, "survey", 5),
        (Code.FORM_DUPLICATE_NAME, "survey", 6),
        (Code.FORM_RESERVED_NAME, "survey", 7),
        (Code.FORM_UNKNOWN_CHOICE_LIST, "survey", 8),
        (Code.FORM_BAD_EXPRESSION, "survey", 8),
        (Code.FORM_UNEXPECTED_CHOICE_LIST, "survey", 9),
        (Code.FORM_NO_TYPE, "survey", 10),
        (Code.FORM_GROUP_WITHOUT_END, "survey", 11),
        (Code.FORM_UNSUPPORTED_TYPE, "survey", 12),
    ]


@pytest.mark.parametrize("name", ["status", "file", "received_at", "sha256", "form_version", "werkzeug_id"])
def test_a_question_may_not_take_the_name_of_a_register_column(xlsform, name):
    path = xlsform(f"""
        | survey |
        |        | type | name   | label |
        |        | text | {name} | A     |
    """)
    assert form_problems(path) == [(Code.FORM_RESERVED_NAME, "survey", 2)]


def test_the_register_columns_are_reserved_in_the_form():
    assert set(PROVENANCE_COLUMNS) <= RESERVED_NAMES


def test_a_missing_sheet_and_an_unusable_file_have_their_own_codes(xlsform, tmp_path):
    broken = tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"not a zip file")

    assert form_problems(xlsform(SETTINGS)) == [(Code.FORM_MISSING_SHEET, "survey", None)]
    assert form_problems(tmp_path / "fehlt.xlsx") == [(Code.FORM_MISSING_FILE, "", None)]
    assert form_problems(broken) == [(Code.FORM_UNREADABLE, "", None)]


def test_the_shipped_form_is_a_valid_xlsform_for_pyxform():
    from pyxform.xls2xform import convert

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = convert(xlsform=str(default_form_path()), validate=False)
    assert result.warnings == []
    assert '<data id="zwischenbilanz_werkstattplan" version="2019.1">' in result.xform


def _scale(labels) -> list[str]:
    return [label.rstrip("*") for label in labels]


def form_outline(form) -> list[tuple]:
    """What the printed questionnaire shows, in order: title, groups with scale, questions."""
    outline, group = [("title", form.title)], None
    for element in form.elements:
        if element.group is not None and element.group != group:
            lists = {e.choices.name: e.choices.labels for e in form.elements if e.group == element.group and e.choices}
            assert len(lists) == 1, f"group {element.group.label} shares one scale"
            outline.append(("group", element.group.label, _scale(next(iter(lists.values())))))
        group = element.group
        scale = _scale(element.choices.labels) if element.choices and element.group is None else []
        outline.append(("question", element.number, element.label, scale))
    return outline


def seed_outline(text: str) -> list[tuple]:
    """The appendix "Fragebogen" of the seed document as the same outline."""
    appendix = text.split(f"\n{SEED_FORM}\n", 1)[1]
    lines = [[cell.strip() for cell in line.split("\t")] for line in appendix.splitlines()]
    lines = [[cell for cell in cells if cell and cell != '<input type="checkbox"/>'] for cells in lines]
    lines = [cells for cells in lines if cells]
    outline = [("title", lines[0][0])]
    for cells in lines[1:]:
        numbered = re.match(r"^(\d+(?:\.\d+)?)\s+(.+)$", cells[0])
        if re.fullmatch(r"\d+(?:\.\d+)?", cells[0]):
            outline.append(("question", cells[0], cells[1], _scale(cells[2:])))
        elif numbered:
            outline.append(("question", numbered[1], numbered[2], _scale(cells[1:])))
        elif len(cells) > 1:
            outline.append(("group", cells[0], _scale(cells[1:])))
        else:
            outline.append(("question", "", cells[0], []))
    return outline


def test_the_shipped_form_has_the_seeds_numbers_groups_and_scales():
    outline = form_outline(load_form(default_form_path()))

    assert [entry[1] for entry in outline if entry[0] == "question" and entry[1]] == [
        "1", "1.1", "1.2", "2", "2.1", "2.2", "3", "4", "5", "6", "6.1", "6.2", "7", "7.1", "8", "8.1"]
    rating = ["Sehr hoch", "Hoch", "Eher niedrig", "Niedrig", "k.A."]
    agreement = ["Trifft zu", "Trifft eher zu", "Trifft eher nicht zu", "Trifft nicht zu", "k.A."]
    assert [entry[1:] for entry in outline if entry[0] == "group"] == [
        ("Gesamt", rating), ("Zeitplan", agreement), ("Budget", agreement), ("Verstetigung", agreement)]
    assert outline[4] == ("question", "1", "Mit der Umsetzung des Projekts wurde begonnen.", ["Ja", "Nein"])
    assert outline[-1] == ("question", "", "* k.A.: keine Angabe (möglich)", [])


def test_the_shipped_form_reproduces_the_seeds_fragebogen_verbatim(seed_dir):
    seed = (seed_dir / "000_8bfb2d5125293fab.txt").read_text(encoding="utf-8")
    seed_round = {"title": "Zwischenbilanz 2019", "deadline": "13.12.2019", "horizon": "2020"}
    assert form_outline(load_form(default_form_path(), values=seed_round)) == seed_outline(seed)


def test_pyxforms_other_spellings_of_columns_and_types_are_read(xlsform):
    form = load_form(xlsform("""
        | survey |
        |        | TYPE               | NAME | caption:English | relevance   | constraint message | bind:required | calculate  |
        |        | string             | a    | A               |             |                    | yes           |            |
        |        | begin group        | g    | G               |             |                    |               |            |
        |        | select one from yn | b    | B               | ${a} != ''  |                    |               |            |
        |        | q int              | c    | C               |             | zu groß            |               |            |
        |        | end group          |      |                 |             |                    |               |            |
        |        | add calculate prompt | d  |                 |             |                    |               | ${c} + 1   |
        | choices |
        |         | list name | value | caption:English |
        |         | yn        | y     | Yes             |
        |         | yn        | n     | No              |
    """))
    assert [(question.name, question.type, question.label) for question in form.elements] == [
        ("a", "text", "A"), ("b", "select_one", "B"), ("c", "integer", "C"), ("d", "calculate", "")]
    assert form.question("a").required and form.question("b").relevant.text == "${a} != ''"
    assert form.question("c").constraint_message == "zu groß" and form.question("b").group.name == "g"
    assert form.question("b").choices.labels == ["Yes", "No"] and form.language == "English"


LANGUAGES = """
    | survey |
    |        | type          | name | label::Swahili (sw) | label::English (en) | hint::English (en) |
    |        | select_one yn | a    | Ndiyo?              | Yes?                | Say it             |
    | choices |
    |         | list_name | name | label::Swahili (sw) | label::English (en) |
    |         | yn        | y    | Ndiyo               | Yes                 |
"""


@pytest.mark.parametrize("settings, wanted, label, choice", [
    ("", "", "Ndiyo?", "Ndiyo"),  # no default_language: the first language, never the right-most
    ("| settings |\n| | default_language |\n| | English (en) |", "", "Yes?", "Yes"),
    ("", "en", "Yes?", "Yes"),
    ("", "english", "Yes?", "Yes"),
    ("| settings |\n| | default_language |\n| | English (en) |", "Swahili", "Ndiyo?", "Ndiyo"),
])
def test_one_language_is_read_the_default_or_the_first_or_the_one_asked_for(xlsform, settings, wanted, label, choice):
    form = load_form(xlsform(LANGUAGES + settings), language=wanted)
    question = form.question("a")
    assert (question.label, question.choices.labels, question.hint) == (label, [choice], "Say it")


def test_a_language_the_form_lacks_is_refused_naming_those_it_has(xlsform):
    path = xlsform(LANGUAGES)
    assert form_errors_with(path, "fr") == expected_errors(
        path, "the form has no language 'fr'; it has: Swahili (sw), English (en).",
        remedy="Choose one of the form's languages with --language (or form_language in werkstatt.toml) and run the "
               "command again.")


def form_errors_with(path, language: str) -> str:
    with pytest.raises(FormError) as caught:
        load_form(path, language=language)
    return str(caught.value)


def test_what_a_workbook_does_not_render_is_said_with_sheet_and_row(xlsform):
    form = load_form(xlsform("""
        | survey |
        |        | type     | name  | label | appearance | media::image | my notes |
        |        | text     | a     | A     | multiline  |              | x        |
        |        | image    | foto  | Foto  |            | a.png        |          |
        |        | deviceid | gerät |       |            |              |          |
        |        | integer  | b     | B     | numbers    |              |          |
        | settings |
        |          | form_id | public_key |
        |          | f       | abc        |
        | extra |
        |       | x |
    """))
    assert [(notice.code, notice.sheet, notice.line, notice.message) for notice in form.notices] == [
        (Code.FORM_NOT_USED, "settings", 2, "[row 2] On the 'settings' sheet, the setting 'public_key' is not used: "
                                            "it has no meaning for a workbook."),
        (Code.FORM_NOT_USED, "survey", 2, "[row 2] On the 'survey' sheet, the column 'appearance' (rows 2, 5) is "
                                          "not used: a workbook has its own layout."),
        (Code.FORM_NOT_USED, "survey", 2, "[row 2] On the 'survey' sheet, the column 'my notes' (row 2) is not "
                                          "used: werkstatt-xl does not render it."),
        (Code.FORM_LEFT_OUT, "survey", 3, "[row 3] On the 'survey' sheet, 'foto' (image) is left out: a workbook "
                                          "cannot take photos, sound, video, files or barcodes."),
        (Code.FORM_NOT_USED, "survey", 3, "[row 3] On the 'survey' sheet, the column 'media::image' (row 3) is "
                                          "not used: a workbook shows no media."),
        (Code.FORM_LEFT_OUT, "survey", 4, "[row 4] On the 'survey' sheet, 'gerät' (deviceid) is left out: device "
                                          "metadata has no meaning in a workbook."),
        (Code.FORM_NOT_USED, "extra", None, "On the 'extra' sheet, the sheet is not used: werkstatt-xl reads "
                                            "survey, choices, external_choices and settings."),
    ]


def test_a_group_relevant_applies_to_its_questions(xlsform):
    form = load_form(xlsform("""
        | survey |
        |        | type        | name | label | relevant    |
        |        | integer     | a    | A     |             |
        |        | begin_group | g    | G     | ${a} > 1    |
        |        | text        | b    | B     | ${a} < 10   |
        |        | text        | c    | C     |             |
        |        | end_group   |      |       |             |
    """))
    assert form.question("b").relevant.text == "(${a} > 1) and (${a} < 10)"
    assert form.question("c").relevant.text == "${a} > 1"


def test_the_same_name_in_two_groups_is_two_questions_named_by_their_groups(xlsform):
    form = load_form(xlsform("""
        | survey |
        |        | type        | name | label |
        |        | begin_group | g1   | G1    |
        |        | text        | x    | X1    |
        |        | end_group   |      |       |
        |        | begin_group | g2   | G2    |
        |        | text        | x    | X2    |
        |        | text        | y    | Y     |
        |        | end_group   |      |       |
    """))
    assert form.answer_names() == ["g1/x", "g2/x", "y"]


def test_a_loop_over_a_choice_list_is_a_group_per_choice_with_the_choice_in_its_labels(xlsform):
    form = load_form(xlsform("""
        | survey |
        |        | type                   | name   | label                      |
        |        | begin loop over raeume | zimmer | Zimmer                     |
        |        | integer                | fenster | Fenster im %(label)s?     |
        |        | end loop               |        |                            |
        | choices |
        |         | list_name | name  | label        |
        |         | raeume    | kueche | Küche       |
        |         | raeume    | bad    | Bad         |
    """))
    assert [(question.name, question.label, question.group.label) for question in form.questions] == [
        ("zimmer/kueche/fenster", "Fenster im Küche?", "Küche"), ("zimmer/bad/fenster", "Fenster im Bad?", "Bad")]


def test_a_reference_to_a_name_used_in_several_groups_is_refused_naming_them(xlsform):
    path = xlsform("""
        | survey |
        |        | type        | name | label | relevant     |
        |        | begin_group | g1   | G1    |              |
        |        | text        | x    | X1    |              |
        |        | end_group   |      |       |              |
        |        | begin_group | g2   | G2    |              |
        |        | text        | x    | X2    |              |
        |        | end_group   |      |       |              |
        |        | text        | y    | Y     | ${x} = 'a'   |
    """)
    assert form_errors(path) == expected_errors(
        path, "[row 8] On the 'survey' sheet, the relevant of 'y' refers to ${x}, a name used in several groups "
              "(g1/x, g2/x): XLSForm cannot tell which is meant; give the questions different names.")


def test_choices_from_a_csv_file_beside_the_form_and_a_file_that_is_not_there(xlsform, tmp_path):
    (tmp_path / "orte.csv").write_text("name,label,kreis\nb,Berlin,x\nk,Köln,y\n", encoding="utf-8")
    form = load_form(xlsform("""
        | survey |
        |        | type                          | name | label |
        |        | select_one_from_file orte.csv | ort  | Ort   |
        |        | select_multiple_from_file orte.csv | orte | Orte |
    """))
    assert form.question("ort").choices.labels == ["Berlin", "Köln"] and form.question("ort").type == "select_one"
    assert form.question("orte").type == "select_multiple"
    assert form.question("ort").choices.by_name("k").column("kreis") == "y"
    missing = xlsform("""
        | survey |
        |        | type                            | name | label |
        |        | select_one_from_file fehlt.csv  | ort  | Ort   |
    """, "fehlt.xlsx")
    assert form_errors(missing) == expected_errors(
        missing, "[row 2] On the 'survey' sheet, the type 'select_one_from_file fehlt.csv' cannot be rendered in a "
                 "workbook: its choices are to come from fehlt.csv, which is not a CSV file beside the form with "
                 "columns name and label; put the file there, or the choices on the choices sheet.")


def test_html_formatting_of_labels_is_shown_as_plain_text_and_said(xlsform):
    form = load_form(xlsform("""
        | survey |
        |        | type | name | label                                          | hint           |
        |        | text | a    | <span style="color:red">Wichtig</span>: Name?   | Zeile 1<br/>2 |
        |        | text | b    | 3 < 4 und <b>fett</b>                           |                |
    """))
    assert (form.question("a").label, form.question("a").hint) == ("Wichtig: Name?", "Zeile 1\n2")
    assert form.question("b").label == "3 < 4 und fett"
    assert [(notice.code, notice.line, notice.message) for notice in form.notices] == [
        (Code.FORM_NOT_RENDERED, 2, "[row 2] On the 'survey' sheet, the HTML formatting of texts (rows 2, 3) is not "
                                    "rendered: a workbook shows them as plain text.")]
