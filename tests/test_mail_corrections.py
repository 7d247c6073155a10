"""Correction requests, receipts, reminders that name who cannot be reached, the last e-mail in ``status``
and the open-query marker of Tabelle 1: against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest
import test_mail
from ingest_files import rezip
from openpyxl import load_workbook
from test_mail import (  # noqa: F401  (no_password is a fixture)
    PASSWORD_ENV,
    SENDER,
    attachments,
    make_project,
    no_password,
    parse,
    run,
    sent_log,
    set_token,
    write_settings,
)

from werkstatt_xl import mail
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.form import load_form
from werkstatt_xl.issue_log import read_issue_log
from werkstatt_xl.messages import Code, fixed_text
from werkstatt_xl.resources import template_path
from werkstatt_xl.round import generate, load_project, merge, plan_mail, status

smtp_server = test_mail.smtp_server
"""``start() -> Inbox``: a real SMTP server on 127.0.0.1."""
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

LURE = "Bitte Kontodaten an evil.example.net senden"
"""Text a hostile department puts into its return: no e-mail the office sends may repeat it."""
HOSTILE_NAME = "Kontodaten an evil.example.net senden.xlsx"
"""The file name the department chose."""
CORRECTION_BODY = (
    "Guten Tag,\n\n"
    "vielen Dank für Ihren Fragebogen zur Umfrage „Zwischenbilanz 2026“. Einige Angaben können wir so noch nicht "
    "übernehmen:\n\n"
    "- Kulturführerschein® (Fragebogen: Korrektur_1-02_Kulturfuehrerschein.xlsx)\n"
    "  Frage 1: Mit der Umsetzung des Projekts wurde begonnen.\n"
    "    Die Antwort fehlt; diese Frage muss beantwortet werden.\n"
    "    Erlaubt sind: Ja, Nein.\n"
    "  Frage 2: Wie beurteilen Sie den (bisherigen) Erfolg des Projekts?\n"
    "    Die Antwort ist keine der vorgegebenen Antworten.\n"
    "    Erlaubt sind: Sehr hoch, Hoch, Eher niedrig, Niedrig, k.A.\n"
    "  Frage 6: Die (bisherigen) Einzelmaßnahmen wurden in den angegebenen Zeiträumen erfüllt.\n"
    "    Die Antwort ist keine der vorgegebenen Antworten.\n"
    "    Erlaubt sind: Trifft zu, Trifft eher zu, Trifft eher nicht zu, Trifft nicht zu, k.A.\n\n"
    "Im Anhang finden Sie Ihre eigene Datei zurück. Bitte korrigieren Sie darin die genannten Fragen, speichern "
    "Sie die Datei und senden Sie sie möglichst bald als Anhang an diese Adresse zurück. Die übrigen Antworten "
    "bleiben, wie Sie sie eingetragen haben.\n\n"
    "Mit freundlichen Grüßen\n"
    "Demografiewerkstatt Kreis Düren\n")
"""W2's correction request: its required answer missing and two answers that are no choice, in the form's words."""


def questionnaire(project, werkzeug_id: str) -> Path:
    [entry] = [entry for entry in read_issue_log(project.issue_log) if entry.werkzeug_id == werkzeug_id]
    return project.outbox / entry.file


def return_with_problems(project) -> Path:
    """W2 comes back under a hostile name: Frage 1 (required) empty, Fragen 2 and 6 no allowed answer."""
    return fill_questionnaire(questionnaire(project, "W2"),
                              {"erfolg": LURE, "zeitplan": '=HYPERLINK("http://evil.example.net","Klick")',
                               "anmerkungen": LURE}, project.inbox / HOSTILE_NAME)


def merged_round(tmp_path, **mail_settings):
    """The small round (W4 has no address) after W1 came back fine and W2 with problems."""
    project = make_project(tmp_path, **mail_settings)
    fill_questionnaire(questionnaire(project, "W1"), {"umsetzung": "Ja"}, project.inbox / "schule.xlsx")
    return_with_problems(project)
    merge(project)
    return project


def body(message: EmailMessage) -> str:
    """The text of an e-mail with its line ends as Python writes them."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def send_corrected_return(project) -> None:
    """W2's department sends its questionnaire again, now without problems, and the office merges."""
    fill_questionnaire(questionnaire(project, "W2"), {"umsetzung": "Nein"}, project.inbox / "kultur_korrigiert.xlsx")
    merge(project)


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {path.name: (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
            for path in folder.iterdir()}


def assert_nothing_from_the_return(message: EmailMessage) -> None:
    """Neither the department's answers nor its file name appear in the e-mail: headers, text, file names."""
    texts = [str(value) for value in message.values()]
    texts += [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    texts += [part.get_filename() or "" for part in message.iter_attachments()]
    for found in texts:
        assert "evil" not in found and "Kontodaten" not in found and "HYPERLINK" not in found, found


# --- correction requests ------------------------------------------------------------------------


def test_correction_drafts_list_each_question_in_the_forms_words_with_the_returned_file(tmp_path):
    project = merged_round(tmp_path)
    returned = project.inbox / HOSTILE_NAME
    before = snapshot(project.inbox)

    result = run("mail", "-p", project.root, "--corrections")

    folder = project.drafts / "korrektur"
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, f"Wrote 2 correction request drafts for 1 Werkzeug to {folder}\n"
           "Open them in Outlook or Thunderbird to check and send them, or send all with --send.\n", "")
    assert sorted(path.name for path in folder.iterdir()) == ["W2_Schule@example.org.eml", "W2_kultur@example.org.eml"]
    for path in folder.iterdir():
        data = path.read_bytes()
        assert data.isascii() and b"\r\n" in data
        draft = parse(data)
        assert draft["X-Unsent"] == "1" and draft["From"] == SENDER
        assert draft["Subject"] == "Rückfrage – Zwischenbilanz 2026: Bitte Fragebogen korrigieren"
        assert body(draft) == CORRECTION_BODY
        assert attachments(draft) == {"Korrektur_1-02_Kulturfuehrerschein.xlsx": returned.read_bytes()}
        assert [part.get_content_type() for part in draft.iter_attachments()] == [mail.XLSX_TYPE[0] + "/"
                                                                                  + mail.XLSX_TYPE[1]]
        assert_nothing_from_the_return(draft)
    assert snapshot(project.inbox) == before  # the returned file only read


def test_a_correction_request_names_no_text_of_the_return_even_where_the_sheet_pruefung_quotes_it(tmp_path):
    project = merged_round(tmp_path)
    problems = load_workbook(project.master_path)["Prüfung"]
    assert any(LURE in str(cell.value) for row in problems.iter_rows() for cell in row)  # the office sees it ...

    plan = plan_mail(project, corrections=True)

    assert [message.werkzeug_ids for message in plan.messages] == [["W2"], ["W2"]]
    for message in plan.messages:
        assert_nothing_from_the_return(message.message)  # ... the department is not sent it back in words


def test_corrections_are_sent_once_per_return_and_a_corrected_return_ends_them(tmp_path, smtp_server):
    inbox = smtp_server()
    project = merged_round(tmp_path, smtp_port=inbox.port)
    returned = (project.inbox / HOSTILE_NAME).read_bytes()

    result = run("mail", "-p", project.root, "--corrections", "--send")

    assert result.exit_code == 0, result.output
    assert result.stdout == ("Sent to kultur@example.org (W2)\nSent to Schule@example.org (W2)\n"
                             "Sent 2 correction request e-mails.\n")
    assert sorted(map(tuple, inbox.recipients)) == [("Schule@example.org",), ("kultur@example.org",)]
    for message in inbox.messages:
        assert message.get_content_type() == "multipart/mixed" and "X-Unsent" not in message
        assert [part.get_content_type() for part in message.walk()] == [
            "multipart/mixed", "text/plain", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
        assert body(message) == CORRECTION_BODY
        assert attachments(message) == {"Korrektur_1-02_Kulturfuehrerschein.xlsx": returned}
        assert_nothing_from_the_return(message)
    rows = sent_log(project)
    sha256 = hashlib.sha256(returned).hexdigest()
    assert [(row["art"], row["werkzeug_ids"], row["anhaenge_sha256"], row["rueckgaben_sha256"]) for row in rows] == [
        ("korrektur", "W2", sha256, sha256)] * 2

    again = run("mail", "-p", project.root, "--corrections", "--send")
    assert (again.exit_code, again.stdout) == (
        0, f"Skipped 2 correction request e-mails already sent (listed in {project.drafts / 'gesendet.csv'}).\n"
           "Sent 0 correction request e-mails.\n")
    assert len(inbox.messages) == 2

    send_corrected_return(project)
    done = run("mail", "-p", project.root, "--corrections", "--send")
    assert (done.exit_code, done.stdout) == (
        0, "No correction requests needed: no Werkzeug selected has a return with problems at the last merge.\n")


def test_a_return_changed_after_the_merge_is_not_attached(tmp_path):
    project = merged_round(tmp_path)
    (project.inbox / HOSTILE_NAME).write_bytes(b"changed since the merge")

    result = run("mail", "-p", project.root, "--corrections")

    assert (result.exit_code, result.output) == (
        1, f"Error: {project.inbox / HOSTILE_NAME} changed after the last merge: run 'werkstatt-xl merge' again, so "
           "that the correction request fits the file attached.\n")
    assert not (project.drafts / "korrektur").exists()


def test_corrections_need_a_merge(tmp_path):
    project = make_project(tmp_path)

    result = run("mail", "-p", project.root, "--corrections")

    assert (result.exit_code, result.output) == (
        1, "Error: no merge yet: run 'werkstatt-xl merge' first, so that it is known which returns are there.\n")


@pytest.mark.parametrize("target_format, mime", [
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("xls", "application/vnd.ms-excel"),
])
def test_a_return_saved_as_ods_or_xls_goes_back_in_its_format(tmp_path, soffice, target_format, mime):
    project = make_project(tmp_path)
    path = return_with_problems(project)
    converted = soffice(path, target_format, tmp_path / "converted")
    path.unlink()
    returned = shutil.copyfile(converted, project.inbox / f"kultur{converted.suffix}")
    merge(project)

    [message, _] = plan_mail(project, corrections=True).messages

    [part] = message.message.iter_attachments()
    assert (part.get_filename(), part.get_content_type()) == (f"Korrektur_1-02_Kulturfuehrerschein{converted.suffix}",
                                                              mime)
    assert part.get_content() == returned.read_bytes()


def test_a_return_with_macros_is_not_sent_on_the_questionnaire_goes_afresh(tmp_path):
    project = make_project(tmp_path)
    path = return_with_problems(project)
    with_macros = rezip(path, project.inbox / "kultur.xlsm", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 vba"})
    path.unlink()
    merge(project)

    [message, _] = plan_mail(project, corrections=True).messages

    issued = questionnaire(project, "W2")
    assert attachments(message.message) == {issued.name: issued.read_bytes()}
    assert with_macros.read_bytes() not in [part.get_content() for part in message.message.iter_attachments()]
    assert body(message.message).replace("\r\n", "\n").count(
        "  Ihre Datei enthält Makros; wir senden keine Dateien mit Makros weiter. Beigefügt ist deshalb der leere "
        "Fragebogen: Bitte tragen Sie Ihre Antworten dort ein.\n") == 1


def test_drafts_are_written_all_or_none(tmp_path, monkeypatch):
    project = merged_round(tmp_path)
    run("mail", "-p", project.root, "--corrections")
    folder = project.drafts / "korrektur"
    before = snapshot(folder)
    calls = []
    as_bytes = EmailMessage.as_bytes

    def fail_on_the_second(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return as_bytes(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "as_bytes", fail_on_the_second)
    with pytest.raises(OSError):
        plan = plan_mail(project, corrections=True)
        mail.write_drafts(plan, folder)

    assert snapshot(folder) == before
    assert sorted(path.name for path in project.drafts.iterdir()) == ["korrektur"]


# --- reminders: who cannot be reached ------------------------------------------------------------


def test_a_reminder_whose_only_missing_werkzeug_has_no_address_says_so_and_fails(tmp_path):
    project = merged_round(tmp_path)
    fill_questionnaire(questionnaire(project, "W3"), {"umsetzung": "Ja"}, project.inbox / "medibus.xlsx")
    merge(project)

    result = run("mail", "-p", project.root, "--reminder")

    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "Warning: W2: returned, but with problems, so no reminder. Ask for corrections with 'werkstatt-xl "
               "mail --corrections'.\n"
               "Warning: these Werkzeuge have no e-mail address and are in no e-mail (fill in the column 'E-Mail' of "
               "katalog.xlsx):\n  W4 (row 5): Telenotarzt\n"
               "Error: no e-mail written: the one Werkzeug to write to has no e-mail address (listed above).\n")
    assert not (project.drafts / "erinnerung").exists()


def test_a_reminder_goes_to_the_missing_and_rejected_and_names_those_without_address(tmp_path):
    project = merged_round(tmp_path)
    path = fill_questionnaire(questionnaire(project, "W3"), {"umsetzung": "Ja"}, project.inbox / "medibus.xlsx")
    set_token(path, "0000000000000000")
    merge(project)

    result = run("mail", "-p", project.root, "--reminder")
    [reminder] = plan_mail(project, reminder=True).messages

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote 1 reminder draft for 1 Werkzeug to {project.drafts / 'erinnerung'}\n")
    assert result.stderr == ("Warning: W2: returned, but with problems, so no reminder. Ask for corrections with "
                             "'werkstatt-xl mail --corrections'.\n"
                             "Warning: these Werkzeuge have no e-mail address and are in no e-mail (fill in the "
                             "column 'E-Mail' of katalog.xlsx):\n  W4 (row 5): Telenotarzt\n")
    assert (reminder.recipient, reminder.werkzeug_ids) == ("gesundheit@example.org", ["W3"])
    assert ("  Ihre Rücksendung konnte nicht übernommen werden: Die Kennung (Token) des Fragebogens wurde in dieser "
            "Runde nicht ausgegeben (evtl. durch eine Neuausgabe ersetzt).\n") in body(reminder.message)


def test_terminal_output_in_german(tmp_path, german):
    project = merged_round(tmp_path)
    fill_questionnaire(questionnaire(project, "W3"), {"umsetzung": "Ja"}, project.inbox / "medibus.xlsx")
    merge(project)

    reminder = run("mail", "-p", project.root, "--reminder")
    corrections = run("mail", "-p", project.root, "--corrections")
    receipts = run("mail", "-p", project.root, "--receipts")

    assert (reminder.exit_code, reminder.stdout, reminder.stderr) == (
        1, "", "Warnung: W2: zurückgekommen, aber mit Problemen, daher keine Erinnerung. Um Korrektur bitten Sie mit "
               "„werkstatt-xl mail --corrections“.\n"
               "Warnung: Diese Werkzeuge haben keine E-Mail-Adresse und stehen in keiner E-Mail (füllen Sie die "
               "Spalte „E-Mail“ in katalog.xlsx aus):\n  W4 (Zeile 5): Telenotarzt\n"
               "Fehler: Keine E-Mail geschrieben: Das einzige Werkzeug, dem zu schreiben wäre, hat keine "
               "E-Mail-Adresse (oben aufgeführt).\n")
    assert (corrections.exit_code, corrections.stdout) == (
        0, f"2 Korrekturentwürfe für 1 Werkzeug nach {project.drafts / 'korrektur'} geschrieben\n"
           "Öffnen Sie sie in Outlook oder Thunderbird, um sie zu prüfen und zu senden, oder senden Sie alle mit "
           "--send.\n")
    assert (receipts.exit_code, receipts.output) == (
        1, "Fehler: Eingangsbestätigungen sind in dieser Runde ausgeschaltet: Setzen Sie in werkstatt.toml unter "
           "[mail] receipts = true.\n")


def test_one_kind_of_e_mail_at_a_time(tmp_path):
    project = make_project(tmp_path)

    result = run("mail", "-p", project.root, "--reminder", "--corrections")

    assert result.exit_code == 2
    assert result.output.endswith("Error: --reminder, --corrections and --receipts exclude each other: choose one "
                                  "kind of e-mail.\n")


FILTERED_FORM = """
| survey   |
|          | type             | name  | label                | constraint | choice_filter  | required |
|          | text             | titel | Titel                |            |                |          |
|          | select_one land  | land  | Land                 |            |                |          |
|          | select_one ort   | ort   | Ort in ${land}       |            | land = ${land} |          |
|          | integer          | zahl  | Anzahl               | . < 100    |                |          |
|          | begin repeat     | posten| Posten               |            |                |          |
|          | integer          | menge | Menge                | . < 10     |                |          |
|          | select_one ort   | wo    | Wo?                  |            | land = ${land} |          |
|          | end repeat       |       |                      |            |                |          |
|          | text             | b1    | Bemerkung            |            |                | yes      |
|          | text             | b2    | Bemerkung            |            |                | yes      |
| choices  |
|          | list_name | name   | label      | land |
|          | land      | de     | Deutschland|      |
|          | land      | at     | Österreich |      |
|          | ort       | berlin | Berlin     | de   |
|          | ort       | koeln  | Köln       | de   |
|          | ort       | wien   | Wien       | at   |
"""


def test_a_correction_request_names_each_question_and_entry_with_what_fits(tmp_path, xlsform, smtp_server):
    inbox = smtp_server()
    root = tmp_path / "runde"
    make_project(tmp_path, smtp_port=inbox.port)
    xlsform(FILTERED_FORM, name="form.xlsx").replace(root / "form.xlsx")
    with (root / "werkstatt.toml").open("a", encoding="utf-8") as config:
        config.write('\n[files]\nform = "form.xlsx"\n')
    shutil.rmtree(root / "ausgang")
    project = load_project(root)
    generate(project)
    fill_questionnaire(questionnaire(project, "W3"), {
        "titel": "Bus", "land": "Deutschland", "ort": "Wien", "zahl": 500, "menge@1": 3, "menge@2": 50,
        "wo@2": "Wien"},
        project.inbox / "medibus.xlsx")
    merge(project)

    assert run("mail", "-p", project.root, "--corrections", "--send").exit_code == 0

    [message] = inbox.messages
    assert body(message).split("\n\n")[2].splitlines()[1:] == [
        "  Frage „Ort in [„Land“]“",
        "    Die Antwort passt nicht zu Ihrer Antwort auf eine vorherige Frage.",
        "    Erlaubt sind: Berlin, Köln.",
        "  Frage „Anzahl“",
        "    Die Antwort erfüllt die Vorgabe der Frage nicht.",
        "    Erlaubt ist eine ganze Zahl. Vorgabe: Erlaubt ist eine Antwort nur, wenn die Antwort auf diese Frage "
        "kleiner als 100 ist.",
        "  Frage „Menge (Eintrag 2)“",
        "    Die Antwort erfüllt die Vorgabe der Frage nicht.",
        "    Erlaubt ist eine ganze Zahl. Vorgabe: Erlaubt ist eine Antwort nur, wenn die Antwort auf diese Frage "
        "kleiner als 10 ist.",
        "  Frage „Wo? (Eintrag 2)“",
        "    Die Antwort passt nicht zu Ihrer Antwort auf eine vorherige Frage.",
        "    Erlaubt sind: Berlin, Köln.",
        *["  Frage „Bemerkung“", "    Die Antwort fehlt; diese Frage muss beantwortet werden.",
          "    Erlaubt ist ein Text."] * 2,  # two questions of the same title, each in its place
    ]


# --- receipts -----------------------------------------------------------------------------------


def test_receipts_confirm_each_return_once_with_its_problem_count(tmp_path, smtp_server):
    inbox = smtp_server()
    project = merged_round(tmp_path, smtp_port=inbox.port, receipts=True)

    result = run("mail", "-p", project.root, "--receipts", "--send")

    assert result.exit_code == 0, result.output
    assert result.stdout == ("Sent to schule@example.org (W1)\nSent to schule@example.org (W2)\n"
                             "Sent to kultur@example.org (W2)\nSent 3 receipt e-mails.\n")
    bodies = [body(message) for message in inbox.messages]
    received = merged_day(project)
    assert bodies[0] == (
        "Guten Tag Anna Schmidt,\n\n"
        "Ihr Fragebogen zur Umfrage „Zwischenbilanz 2026“ ist bei uns eingegangen:\n\n"
        "- Schule meets Demografie (Fragebogen: 1-01_Schule_meets_Demografie.xlsx)\n"
        f"  Eingegangen am {received}: keine Probleme.\n\n"
        "Vielen Dank! Wo Probleme genannt sind, erhalten Sie von uns gesondert eine Bitte um Korrektur mit den "
        "Einzelheiten.\n\nMit freundlichen Grüßen\nDemografiewerkstatt Kreis Düren\n")
    for text in bodies[1:]:
        assert ("- Kulturführerschein® (Fragebogen: 1-02_Kulturfuehrerschein.xlsx)\n"
                f"  Eingegangen am {received}: 3 Probleme, eine Bitte um Korrektur folgt.\n") in text
    for message in inbox.messages:
        assert message["Subject"] == "Eingangsbestätigung – Zwischenbilanz 2026"
        assert not list(message.iter_attachments())
        assert_nothing_from_the_return(message)

    again = run("mail", "-p", project.root, "--receipts", "--send")
    assert (again.exit_code, again.stdout) == (
        0, f"3 returns have their receipt already (in {project.drafts / 'gesendet.csv'}) and get no second one.\n"
           "No receipts due: every return of a Werkzeug selected that the last merge took has its receipt already.\n")
    assert len(inbox.messages) == 3

    send_corrected_return(project)
    corrected = run("mail", "-p", project.root, "--receipts", "--send")
    assert corrected.exit_code == 0, corrected.output
    assert corrected.stdout.splitlines()[-1] == "Sent 2 receipt e-mails."
    assert "keine Probleme." in body(inbox.messages[-1])
    assert len(inbox.messages) == 5


def merged_day(project) -> str:
    register = load_workbook(project.master_path)["Register"]
    header = [cell.value for cell in register[2]]
    return next(row[header.index("Eingegangen am")] for row in register.iter_rows(min_row=3, values_only=True)
                if row[0] == "W1").strftime("%d.%m.%Y")


def test_receipts_are_off_unless_the_round_turns_them_on(tmp_path):
    project = merged_round(tmp_path)
    write_settings(project.root, receipts="ja")

    result = run("mail", "-p", project.root, "--receipts")

    assert (result.exit_code, result.output) == (
        1, f"Error: {project.root / 'werkstatt.toml'}: the settings file has errors:\n"
           "  line 12: [mail] receipts = 'ja' must be true or false.\n"
           "Correct it and run the command again.\n")


# --- status: the last e-mail per Werkzeug ---------------------------------------------------------


def test_status_shows_the_last_e_mail_sent_to_each_werkzeug(tmp_path, smtp_server, monkeypatch):
    inbox = smtp_server()
    project = merged_round(tmp_path, smtp_port=inbox.port, receipts=True)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    for options in ([], ["--reminder"], ["--corrections"], ["--receipts", "--only", "W1"]):
        assert run("mail", "-p", project.root, "--send", *options).exit_code == 0
    today = sent_log(project)[-1]["gesendet_am"][:10]

    frame = status(project).set_index("werkzeug_id")
    text = run("status", "-p", project.root).stdout
    as_json = run("status", "-p", project.root, "--format", "json").stdout

    assert frame[["letzte_mail", "letzte_mail_am"]].to_dict("index") == {
        "W1": {"letzte_mail": "Eingang bestätigt", "letzte_mail_am": today},
        "W2": {"letzte_mail": "Korrektur erbeten", "letzte_mail_am": today},
        "W3": {"letzte_mail": "erinnert", "letzte_mail_am": today},
        "W4": {"letzte_mail": "", "letzte_mail_am": ""}}
    day = f"{today[8:10]}.{today[5:7]}.{today[:4]}"
    assert f"  W2  mit Problemen     Kulturführerschein®  (Korrektur erbeten {day})\n" in text
    assert "  W4  offen             Telenotarzt\n" in text
    assert f'"letzte_mail": "erinnert",\n    "letzte_mail_am": "{today}"' in as_json
    assert run("status", "-p", project.root, "--format", "csv").stdout.splitlines()[0].endswith(
        ",status,letzte_mail,letzte_mail_am")


def test_status_in_german_says_am(tmp_path, smtp_server, german):
    inbox = smtp_server()
    project = merged_round(tmp_path, smtp_port=inbox.port)
    assert run("mail", "-p", project.root, "--send").exit_code == 0
    today = sent_log(project)[-1]["gesendet_am"][:10]
    day = f"{today[8:10]}.{today[5:7]}.{today[:4]}"

    assert f"Schule meets Demografie  (eingeladen am {day})\n" in run("status", "-p", project.root).stdout


def test_a_receipt_after_a_correction_request_neither_hides_it_nor_promises_it_again(tmp_path, smtp_server):
    inbox = smtp_server()
    project = merged_round(tmp_path, smtp_port=inbox.port, receipts=True)
    assert run("mail", "-p", project.root, "--send", "--corrections").exit_code == 0
    assert run("mail", "-p", project.root, "--send", "--receipts", "--only", "W2").exit_code == 0

    assert status(project).set_index("werkzeug_id").loc["W2", "letzte_mail"] == "Korrektur erbeten"
    receipt = body(inbox.messages[-1])
    assert "3 Probleme, um Korrektur haben wir bereits gebeten." in receipt and "folgt" not in receipt

    send_corrected_return(project)  # the corrected return gets its own receipt, which is the last event now
    assert run("mail", "-p", project.root, "--send", "--receipts", "--only", "W2").exit_code == 0
    assert status(project).set_index("werkzeug_id").loc["W2", "letzte_mail"] == "Eingang bestätigt"


def test_status_and_reminders_read_the_statuses_without_the_form(tmp_path):
    project = merged_round(tmp_path)
    broken = project.root / "kaputt.xlsx"
    broken.write_bytes(b"no workbook")  # the form, broken after the merge
    project = replace(project, form=broken.name)

    assert status(project).set_index("werkzeug_id").loc["W2", "status"] == "mit Problemen"
    reminders = plan_mail(project, reminder=True)
    assert [message.werkzeug_ids for message in reminders.messages] == [["W3"]]  # W4 has no address


# --- Tabelle 1 ----------------------------------------------------------------------------------


def test_tabelle1_marks_a_werkzeug_with_problems_in_the_workbook_and_the_pdf(tmp_path, soffice):
    project = merged_round(tmp_path)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")

    result = run("report", "-p", project.root, "--pdf")

    assert result.exit_code == 0, result.output
    sheet = load_workbook(project.results / "tabelle1.xlsx")["Tabelle 1"]
    rows = {row[0]: row[-1] for row in sheet.iter_rows(values_only=True) if row[0]}
    assert rows["Kulturführerschein®"] == f"{LURE} (Rückfrage offen)"
    assert rows["Schule meets Demografie"] is None
    assert rows["Medibus"] == "(kein Rücklauf)"
    pdf = subprocess.run(["pdftotext", "-layout", str(project.results / "tabelle1.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert "(Rückfrage offen)" in pdf


def test_redaktion_shows_the_answers_without_the_marker(tmp_path):
    project = merged_round(tmp_path)
    sheet = load_workbook(project.root / "redaktion.xlsx").active
    texts = [cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert LURE in texts and not any("Rückfrage offen" in cell for cell in texts)


def test_a_definition_written_before_open_query_marks_the_row_too(tmp_path):
    project = merged_round(tmp_path)
    lines = template_path("tabelle1.toml").read_text(encoding="utf-8").splitlines(keepends=True)
    (project.root / "tabelle1.toml").write_text("".join(line for line in lines if not line.startswith("open_query")),
                                                encoding="utf-8")
    config = project.root / "werkstatt.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("[mail]", '[files]\nreport = "tabelle1.toml"\n\n[mail]'),
                      encoding="utf-8")

    assert run("report", "-p", project.root).exit_code == 0
    sheet = load_workbook(project.results / "tabelle1.xlsx")["Tabelle 1"]
    assert f"{LURE} (Rückfrage offen)" in [row[-1] for row in sheet.iter_rows(values_only=True)]


# --- the fixed words, code by code --------------------------------------------------------------

FORM = """
| survey   |
|          | type          | name   | label               | number | required | constraint | constraint_message         |
|          | integer       | anzahl | Anzahl Teilnehmende | 3      | yes      | . >= 0     | Bitte keine negative Zahl. |
|          | decimal       | kosten | Kosten in Euro      | 4      |          |            |                            |
|          | date          | start  | Beginn              | 5      |          |            |                            |
|          | select_one yn | weiter | Weiter?             | 6      |          |            |                            |
|          | text          | warum  | Warum nicht?        |        |          |            |                            |
| choices  |
|          | list_name | name | label |
|          | yn        | yes  | Ja    |
|          | yn        | no   | Nein  |
| settings |
|          | form_id | version | form_title |
|          | f       | 1       | Test       |
"""


def test_each_problem_code_has_its_fixed_words_and_each_question_type_what_it_allows(xlsform):
    form = load_form(xlsform(FORM))
    hostile = {"value": LURE, "problem": LURE, "remedy": LURE, "file": HOSTILE_NAME, "cell": LURE}
    problems = [{"question": "Warum nicht?", "code": Code.ANSWER_TOO_LONG},
                {"question": "6 Weiter?", "code": Code.ANSWER_NOT_A_CHOICE},
                {"question": "5 Beginn", "code": Code.ANSWER_NOT_A_DATE},
                {"question": "4 Kosten in Euro", "code": Code.ANSWER_ERROR_VALUE},
                {"question": "3 Anzahl Teilnehmende", "code": Code.ANSWER_CONSTRAINT},
                {"question": "3 Anzahl Teilnehmende", "code": Code.ANSWER_NOT_WHOLE},
                {"question": LURE, "code": "answer.unknown_code"}]

    lines = mail.correction_notes([{**hostile, **problem} for problem in problems], form)

    assert lines == [
        "Frage 3: Anzahl Teilnehmende",
        "  Die Antwort erfüllt die Vorgabe der Frage nicht.",
        "  Die Antwort ist keine ganze Zahl.",
        "  Erlaubt ist eine ganze Zahl. Vorgabe: Bitte keine negative Zahl.",
        "Frage 4: Kosten in Euro",
        "  Die Zelle enthält einen Fehlerwert (etwa #WERT!) statt einer Antwort.",
        "  Erlaubt ist eine Zahl.",
        "Frage 5: Beginn",
        "  Die Antwort ist kein Datum.",
        "  Erlaubt ist ein Datum wie 15.12.2026.",
        "Frage 6: Weiter?",
        "  Die Antwort ist keine der vorgegebenen Antworten.",
        "  Erlaubt sind: Ja, Nein.",
        "Frage „Warum nicht?“",
        "  Die Antwort ist länger, als eine Excel-Zelle fasst (32.767 Zeichen); bitte kürzen Sie sie.",
        "  Erlaubt ist ein Text.",
        "Eine weitere Angabe im Fragebogen:",
        "  Die Angabe kann so nicht übernommen werden.",
        "  Bitte prüfen Sie die Angaben im Fragebogen.",
    ]


def test_every_answer_error_code_has_fixed_words_for_the_department():
    errors = [code for code in Code if code.startswith("answer.") and code is not Code.ANSWER_SKIPPED]
    assert errors and all(fixed_text(f"mail.wrong.{code}") for code in errors)  # a new code needs its sentence
