"""E-mail drafts and sending through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import socket
import ssl
from dataclasses import replace
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from werkstatt_xl import mail
from werkstatt_xl.anchors import meta_key
from werkstatt_xl.catalogue import COLUMNS, load_catalogue
from werkstatt_xl.cli import main
from werkstatt_xl.errors import ProjectError
from werkstatt_xl.issue_log import read_issue_log
from werkstatt_xl.resources import example_path
from werkstatt_xl.round import generate, init_project, load_project, merge, plan_mail, read_problems

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SENDER = "Demografiewerkstatt Kreis Düren <demografie@example.org>"
PASSWORD_ENV = "WXL_TEST_SMTP_PASSWORD"
ROWS = [
    ("W1", "Bildung", "Schule meets Demografie", "neu", "12", "Schulamt", "Anna Schmidt", "schule@example.org"),
    ("W2", "Bildung", "Kulturführerschein®", "bestehend", "", "Kulturamt", "",
     "kultur@example.org; Schule@example.org"),
    ("W3", "Mobilität", "Medibus", "neu", "", "Gesundheitsamt", "", "gesundheit@example.org"),
    ("W4", "Mobilität", "Telenotarzt", "bestehend", "", "Gesundheitsamt", "", ""),
]
EXPECTED = {"schule@example.org": ["W1", "W2"], "kultur@example.org": ["W2"], "gesundheit@example.org": ["W3"]}
"""Recipient -> Werkzeuge of the small round (W2's second address differs only in case)."""
NO_ADDRESS_WARNING = ("Warning: these Werkzeuge have no e-mail address and are in no e-mail (fill in the column "
                      "'E-Mail' of katalog.xlsx):\n  W4 (row 5): Telenotarzt\n")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_settings(root: Path, sender: str = SENDER, **mail_settings) -> None:
    settings = {"sender": sender, "smtp_host": "127.0.0.1", "smtp_port": 25, "security": "none", "user": "",
                "password_env": PASSWORD_ENV, **mail_settings}
    lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())
    (root / "werkstatt.toml").write_text(
        f'[round]\ntitle = "Zwischenbilanz 2026"\ndeadline = 2026-12-15\n\n[mail]\n{lines}', encoding="utf-8")


def write_round(root: Path, rows=ROWS, **mail_settings) -> None:
    """A new round at ``root`` with a catalogue of ``rows`` and these settings (see :func:`write_settings`)."""
    init_project(root)
    workbook = Workbook()
    workbook.active.append(list(COLUMNS.values()))
    for row in rows:
        workbook.active.append(list(row))
    workbook.save(root / "katalog.xlsx")
    write_settings(root, **mail_settings)


def make_project(tmp_path: Path, rows=ROWS, **mail_settings):
    """A generated round of four Werkzeuge: one with two addresses, one without any."""
    write_round(tmp_path / "runde", rows, **mail_settings)
    generate(load_project(tmp_path / "runde"))
    return load_project(tmp_path / "runde")


def run(*args, input=None):
    return CliRunner().invoke(main, [str(arg) for arg in args], input=input)


def parse(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def questionnaires(project, ids: list[str]) -> dict[str, bytes]:
    files = {entry.werkzeug_id: entry.file for entry in read_issue_log(project.issue_log)}
    return {files[werkzeug_id]: (project.outbox / files[werkzeug_id]).read_bytes() for werkzeug_id in ids}


class Inbox:
    """An aiosmtpd handler that keeps what arrives; it can refuse a recipient or drop the connection."""

    def __init__(self):
        self.envelopes = []
        self.refuse: set[str] = set()
        self.drop_after: int | None = None
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop_after is not None and len(self.envelopes) >= self.drop_after:
            server.transport.close()
            return "421 4.3.0 Going away"
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self):
        return [parse(envelope.content) for envelope in self.envelopes]

    @property
    def recipients(self) -> list[list[str]]:
        return [envelope.rcpt_tos for envelope in self.envelopes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def accept_wxl(server, session, envelope, mechanism, auth_data):
    valid = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"wxl", b"geheim")
    return AuthResult(success=valid, handled=False)


@pytest.fixture
def smtp_server():
    """``start(**controller_options) -> Inbox``: a real SMTP server on a free port of 127.0.0.1."""
    controllers = []

    def start(**options) -> Inbox:
        inbox = Inbox()
        inbox.port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **options)
        controller.start()
        controllers.append(controller)
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(autouse=True)
def no_password(monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)


def sent_log(project) -> list[dict[str, str]]:
    with (project.drafts / mail.SENT_LOG).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# --- drafts -------------------------------------------------------------------------------------


def test_drafts_are_unsent_eml_files_with_the_questionnaires(tmp_path):
    project = make_project(tmp_path)

    result = run("mail", "-p", project.root)

    folder = project.drafts / "einladung"
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"Wrote 3 invitation drafts for 3 Werkzeuge to {folder}\n"
                             "Open them in Outlook or Thunderbird to check and send them, or send all with --send.\n")
    assert result.stderr == NO_ADDRESS_WARNING
    assert sorted(path.name for path in folder.iterdir()) == [
        "gesundheit@example.org.eml", "kultur@example.org.eml", "schule@example.org.eml"]
    for recipient, ids in EXPECTED.items():
        data = (folder / f"{recipient}.eml").read_bytes()
        assert b"\r\n" in data and data.isascii()
        draft = parse(data)
        assert draft["X-Unsent"] == "1"
        assert draft["From"] == SENDER and draft["To"] == recipient
        assert draft["Subject"] == "Zwischenbilanz 2026: Fragebogen bitte bis zum 15.12.2026 zurücksenden"
        assert "Date" not in draft and "Message-ID" not in draft
        assert attachments(draft) == questionnaires(project, ids)
        assert {part.get_content_type() for part in draft.iter_attachments()} == {XLSX}
        again = parse(draft.as_bytes(policy=mail.WIRE_POLICY))
        assert again.items() == draft.items()
        assert attachments(again) == attachments(draft)
        assert again.get_body(("plain",)).get_content() == draft.get_body(("plain",)).get_content()


def test_the_text_comes_from_the_template_with_the_recipients_werkzeuge(tmp_path):
    project = make_project(tmp_path)

    plan = plan_mail(project)

    assert {message.recipient: message.werkzeug_ids for message in plan.messages} == EXPECTED
    assert [werkzeug.werkzeug_id for werkzeug in plan.without_address] == ["W4"] and plan.warnings == ()
    schule = plan.messages[0].message
    assert schule.get_body(("plain",)).get_content() == (
        "Guten Tag Anna Schmidt,\n\n"
        "im Rahmen der Umfrage „Zwischenbilanz 2026“ bitten wir Sie um Auskunft zum Stand der folgenden "
        "Werkzeuge:\n\n"
        "- Schule meets Demografie (Fragebogen: 1-01_Schule_meets_Demografie.xlsx)\n"
        "- Kulturführerschein® (Fragebogen: 1-02_Kulturfuehrerschein.xlsx)\n\n"
        "Für jedes Werkzeug ist ein Fragebogen als Excel-Datei beigefügt. Bitte füllen Sie die gelb hinterlegten "
        "Felder aus (in Excel oder LibreOffice), speichern Sie die Datei und senden Sie sie bis zum 15.12.2026 als "
        "Anhang an diese Adresse zurück. Felder mit Auswahlliste öffnen Sie mit dem Pfeil rechts neben der Zelle.\n\n"
        "Sind Sie für ein Werkzeug nicht zuständig, teilen Sie uns bitte kurz mit, wer es ist.\n\n"
        "Vielen Dank für Ihre Unterstützung!\n\n"
        "Mit freundlichen Grüßen\n"
        "Demografiewerkstatt Kreis Düren\n"
    )
    assert plan.messages[1].message.get_body(("plain",)).get_content().startswith("Guten Tag,\n")


def test_a_project_copy_of_the_template_wins_and_non_ascii_file_names_are_rfc2231_encoded(tmp_path):
    project = make_project(tmp_path)
    (project.root / "mail_einladung.txt").write_text(
        "Betreff: Bitte ausfüllen: $title\n\n$greeting\n$werkzeuge\nKosten: 5 $$\n", encoding="utf-8")
    source = project.outbox / "2-01_Medibus.xlsx"
    renamed = "Medibus für Düren.xlsx"
    shutil.copyfile(source, project.outbox / renamed)
    issue_log = project.outbox / "ausgabe.csv"
    issue_log.write_text(issue_log.read_text(encoding="utf-8").replace("2-01_Medibus.xlsx", renamed),
                         encoding="utf-8")

    plan = plan_mail(project, only=["W3"])
    [path] = mail.write_drafts(plan, tmp_path / "entwuerfe")

    draft = parse(path.read_bytes())
    assert draft["Subject"] == "Bitte ausfüllen: Zwischenbilanz 2026"
    assert draft.get_body(("plain",)).get_content() == (
        "Guten Tag,\r\n- Medibus (Fragebogen: Medibus für Düren.xlsx)\r\nKosten: 5 $\r\n")
    assert attachments(draft) == {renamed: source.read_bytes()}
    assert "filename*=utf-8''Medibus%20f%C3%BCr%20D%C3%BCren.xlsx" in path.read_text(encoding="ascii")


@pytest.mark.parametrize("text, problem", [
    ("Betreff: $title\n\nBis $frist bitte.\n", "line 3: unknown placeholder $frist. Known placeholders: $title, "
                                              "$deadline, $greeting, $werkzeuge, $sender."),
    ("Betreff: $title\n\nKosten: 5 $ pro Stück\n", "line 3: '$' starts no placeholder. Write $$ for a dollar "
                                                  "sign; placeholders are $title, $deadline, $greeting, "
                                                  "$werkzeuge, $sender."),
    ("Subject: $title\n\nText\n", "line 1: the first line must be the subject, e.g. 'Betreff: $title: "
                                  "Fragebogen'."),
])
def test_a_broken_template_is_an_error_naming_file_line_and_placeholder(tmp_path, text, problem):
    project = make_project(tmp_path)
    template = project.root / "mail_erinnerung.txt"
    template.write_text(text, encoding="utf-8")

    result = run("mail", "-p", project.root, "--reminder")

    assert (result.exit_code, result.output) == (1, f"Error: {template}, {problem}\n")


def test_only_restricts_to_the_given_werkzeuge_and_rejects_unknown_ids(tmp_path):
    project = make_project(tmp_path)

    result = run("mail", "-p", project.root, "--only", "W2,W3", "--only", "W3")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote 3 invitation drafts for 2 Werkzeuge to {project.drafts / 'einladung'}\n")
    assert result.stderr == ""
    assert run("mail", "-p", project.root, "--only", "W2", "--only", "W9").output == (
        "Error: unknown Werkzeug-ID W9. Issued ones: W1, W2, W3, W4.\n")
    without_address = run("mail", "-p", project.root, "--only", "W4")
    assert (without_address.exit_code, without_address.stdout, without_address.stderr) == (
        1, "", NO_ADDRESS_WARNING + "Error: no e-mail written: the one Werkzeug to write to has no e-mail address "
                                    "(listed above).\n")


@pytest.mark.parametrize("recipient, name", [
    ("schule@example.org", "schule@example.org.eml"),
    ("Müller.Straße@düren.de", "Mueller.Strasse@dueren.de.eml"),
    ("José Núñez <jn@example.org>", "Jose_Nunez_jn@example.org.eml"),
    ("../..", "entwurf.eml"),
])
def test_draft_names_are_ascii_file_names(recipient, name):
    assert mail.draft_name(recipient) == name


def test_drafts_of_an_earlier_run_are_replaced(tmp_path):
    project = make_project(tmp_path)
    run("mail", "-p", project.root)

    assert run("mail", "-p", project.root, "--only", "W3").exit_code == 0

    assert [path.name for path in (project.drafts / "einladung").iterdir()] == ["gesundheit@example.org.eml"]


def test_mail_needs_generated_questionnaires(tmp_path):
    root = tmp_path / "runde"
    init_project(root, example=True)
    (root / "ausgang" / "ausgabe.csv").unlink()

    result = run("mail", "-p", root)

    assert (result.exit_code, result.output) == (
        1, f"Error: {root / 'ausgang' / 'ausgabe.csv'} is missing: no questionnaires were generated yet. Run "
           "'werkstatt-xl generate' first.\n")


def test_mail_needs_the_questionnaire_files_listed_in_ausgabe_csv(tmp_path):
    root = tmp_path / "runde"
    init_project(root, example=True)  # ships ausgabe.csv, but no questionnaires

    result = run("mail", "-p", root)

    assert (result.exit_code, result.output) == (
        1, f"Error: {root / 'ausgang' / '1-01_Arbeitsgruppe_Kommunale_Konferenz_Alter_und.xlsx'} is missing "
           "although ausgabe.csv lists it. Run 'werkstatt-xl generate' to write the questionnaires.\n")


@pytest.mark.parametrize("sender, message", [
    ("", 'no sender address: set [mail] sender = "name@example.org" in werkstatt.toml (the From: of the e-mails).'),
    ("Demografie", "[mail] sender 'Demografie' in werkstatt.toml is not an e-mail address. Write e.g. sender = "
                   '"Demografiewerkstatt <demografie@example.org>".'),
])
def test_mail_needs_a_sender(tmp_path, sender, message):
    project = make_project(tmp_path)
    write_settings(project.root, sender=sender)

    result = run("mail", "-p", project.root)

    assert (result.exit_code, result.output) == (1, f"Error: {message}\n")


def test_mail_needs_a_deadline_when_the_text_names_it(tmp_path):
    project = make_project(tmp_path)
    config = project.root / "werkstatt.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("deadline = 2026-12-15\n", ""), encoding="utf-8")

    result = run("mail", "-p", project.root)

    assert (result.exit_code, result.output) == (
        1, "Error: mail_einladung.txt uses $deadline, but werkstatt.toml sets no [round] deadline. Set it, e.g. "
           "deadline = 2026-12-15.\n")


def test_an_umlaut_domain_is_written_in_its_idna_form_and_an_umlaut_before_the_at_is_refused(tmp_path):
    rows = [ROWS[0][:-1] + ("info@düren.de",), ROWS[1][:-1] + ("müller@example.org",)]
    project = make_project(tmp_path, rows=rows)

    [message] = plan_mail(project, only=["W1"]).messages
    result = run("mail", "-p", project.root)

    assert message.recipient == message.message["To"] == "info@xn--dren-0ra.de"
    assert (result.exit_code, result.output) == (
        1, "Error: W2 (catalogue row 3): the address 'müller@example.org' cannot be used in an e-mail header (no "
           "umlauts or accents before the @). Enter an ASCII address in the catalogue.\n")


def test_bad_addresses_in_the_catalogue_are_reported_with_their_row(tmp_path):
    root = tmp_path / "runde"
    init_project(root, example=True)
    workbook = load_workbook(root / "katalog.xlsx")
    workbook.active["H4"] = "fachkraefte(at)example.org"
    workbook.save(root / "katalog.xlsx")

    result = run("mail", "-p", root)

    assert (result.exit_code, result.output) == (
        1, f"Error: {root / 'katalog.xlsx'}: the catalogue has errors:\n"
           "  row 4, column 'E-Mail': 'fachkraefte(at)example.org' is not an e-mail address.\n"
           "Correct the catalogue and run the command again.\n")


# --- reminders ----------------------------------------------------------------------------------


def set_token(path: Path, token: str) -> None:
    """Give a returned questionnaire a token that was never issued (it will be rejected)."""
    workbook = load_workbook(path)
    sheet = workbook["_wxl"]
    for row in sheet.iter_rows():
        if row[0].value == meta_key("token"):
            row[1].value = token
    workbook.save(path)


def test_reminders_after_a_partial_merge_go_to_exactly_the_missing_and_rejected(tmp_path):
    project = init_project(tmp_path / "runde", example=True)
    generate(project)
    returns = sorted(path for path in (example_path() / "eingang").iterdir() if path.name[:2] in ("1-", "7-"))
    for path in returns:
        shutil.copyfile(path, project.inbox / path.name)
    set_token(project.inbox / "1-05_aim_Auszubildende_im_Mentoring.xlsx", "0000000000000000")
    merge(project)

    plan = plan_mail(project, reminder=True)

    expected: dict[str, list[str]] = {"fachkraefte@example.org": ["W05"]}
    for werkzeug in load_catalogue(project.catalogue_path).werkzeuge:
        if werkzeug.handlungsfeld_nr not in (1, 7):
            expected.setdefault(werkzeug.email, []).append(werkzeug.werkzeug_id)
    assert {message.recipient: message.werkzeug_ids for message in plan.messages} == expected
    assert plan.kind == "erinnerung" and plan.warnings == () and plan.without_address == ()
    [problem] = [problem["problem"] for problem in read_problems(project) if problem["werkzeug_id"] == "W05"]
    reminder = plan.messages[0].message
    assert reminder["Subject"] == "Erinnerung – Zwischenbilanz 2019: Fragebogen (Rückgabe bis zum 13.12.2019)"
    assert ("- aim - Auszubildende im Mentoring (Fragebogen: 1-05_aim_Auszubildende_im_Mentoring.xlsx)\n"
            f"  Ihre Rücksendung konnte nicht übernommen werden: {problem}\n\n"
            ) in reminder.get_body(("plain",)).get_content()
    assert attachments(reminder) == questionnaires(project, ["W05"])
    assert "Ihre Rücksendung" not in plan.messages[1].message.get_body(("plain",)).get_content()

    result = run("mail", "-p", project.root, "--reminder", "--only", "W01,W12")
    assert (result.exit_code, result.stdout) == (
        0, f"Wrote 1 reminder draft for 1 Werkzeug to {project.drafts / 'erinnerung'}\n"
           "Open them in Outlook or Thunderbird to check and send them, or send all with --send.\n")
    result = run("mail", "-p", project.root, "--reminder", "--only", "W01")
    assert (result.exit_code, result.output) == (
        0, "No reminders needed: no Werkzeug selected is missing or rejected at the last merge.\n")


def test_reminders_before_any_merge_go_to_every_issued_werkzeug(tmp_path):
    project = make_project(tmp_path)

    result = run("mail", "-p", project.root, "--reminder")

    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Warning: no merge has run yet: every issued questionnaire counts as not "
                                    "returned. Run 'werkstatt-xl merge' first to remind only the missing ones.\n")
    drafts = sorted((project.drafts / "erinnerung").iterdir())
    assert [path.name for path in drafts] == ["gesundheit@example.org.eml", "kultur@example.org.eml",
                                             "schule@example.org.eml"]


# --- sending ------------------------------------------------------------------------------------


def test_send_delivers_every_message_once(tmp_path, smtp_server):
    inbox = smtp_server()
    project = make_project(tmp_path, smtp_port=inbox.port)
    log = project.drafts / "gesendet.csv"

    result = run("mail", "-p", project.root, "--send")

    assert result.exit_code == 0, result.output
    assert result.stdout == ("Sent to schule@example.org (W1, W2)\nSent to kultur@example.org (W2)\n"
                             "Sent to gesundheit@example.org (W3)\nSent 3 invitation e-mails.\n")
    assert inbox.recipients == [[recipient] for recipient in EXPECTED]
    assert {envelope.mail_from for envelope in inbox.envelopes} == {"demografie@example.org"}
    for message, (recipient, ids) in zip(inbox.messages, EXPECTED.items()):
        assert message["To"] == recipient and message["From"] == SENDER
        assert message["Subject"] == "Zwischenbilanz 2026: Fragebogen bitte bis zum 15.12.2026 zurücksenden"
        assert "X-Unsent" not in message
        assert message["Message-ID"].endswith("@example.org>") and message["Date"].datetime is not None
        assert attachments(message) == questionnaires(project, ids)
        text = message.get_body(("plain",)).get_content()
        assert text.endswith("\r\n\r\nMit freundlichen Grüßen\r\nDemografiewerkstatt Kreis Düren\r\n")
    rows = sent_log(project)
    assert [(row["empfaenger"], row["art"], row["werkzeug_ids"]) for row in rows] == [
        ("schule@example.org", "einladung", "W1 W2"), ("kultur@example.org", "einladung", "W2"),
        ("gesundheit@example.org", "einladung", "W3")]
    assert [row["message_id"] for row in rows] == [message["Message-ID"] for message in inbox.messages]
    assert rows[1]["anhaenge_sha256"] == plan_mail(project).messages[1].attachments[0].sha256
    assert dt.datetime.fromisoformat(rows[0]["gesendet_am"]).tzinfo is not None
    assert log.read_bytes().startswith("\ufeffgesendet_am,".encode())  # Excel reads the umlauts as UTF-8

    again = run("mail", "-p", project.root, "--send")

    assert (again.exit_code, again.stdout) == (0, f"Skipped 3 invitation e-mails already sent (listed in {log}).\n"
                                                  "Sent 0 invitation e-mails.\n")
    assert len(inbox.envelopes) == 3 and len(sent_log(project)) == 3

    further_round = run("mail", "-p", project.root, "--send", "--again", "--only", "W3")

    assert (further_round.exit_code, further_round.stdout) == (
        0, "Sent to gesundheit@example.org (W3)\nSent 1 invitation e-mail.\n")
    assert len(inbox.envelopes) == 4 and len(sent_log(project)) == 4


def test_a_sent_log_saved_again_by_a_german_excel_still_counts(tmp_path, smtp_server):
    """German Excel saves CSV with ';' and in cp1252 (no BOM): a re-run must still skip what went out."""
    inbox = smtp_server()
    project = make_project(tmp_path, smtp_port=inbox.port)
    log = project.drafts / mail.SENT_LOG
    run("mail", "-p", project.root, "--send")
    rows = sent_log(project)
    with log.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=mail.SENT_LOG_FIELDS, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    assert "zurücksenden".encode("cp1252") in log.read_bytes()

    again = run("mail", "-p", project.root, "--send")

    assert mail.read_sent_log(log) == rows
    assert (again.exit_code, again.stdout) == (0, f"Skipped 3 invitation e-mails already sent (listed in {log}).\n"
                                                  "Sent 0 invitation e-mails.\n")
    assert len(inbox.envelopes) == 3


def test_a_sent_log_without_its_key_columns_is_an_error_before_sending(tmp_path, smtp_server):
    inbox = smtp_server()
    project = make_project(tmp_path, smtp_port=inbox.port)
    log = project.drafts / mail.SENT_LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("gesendet_am;Empfänger;art\n2026-11-02T10:00:00+01:00;schule@example.org;einladung\n",
                   encoding="cp1252")

    result = run("mail", "-p", project.root, "--send")

    assert (result.exit_code, result.stdout, result.stderr) == (1, "", (
        f"{NO_ADDRESS_WARNING}Error: {log}: the sent-log lacks the columns empfaenger, anhaenge_sha256, so it "
        "cannot tell which e-mails were sent. Restore its first line (gesendet_am,empfaenger,betreff,art,"
        "werkzeug_ids,anhaenge_sha256,message_id,rueckgaben_sha256), or move the file away to count every e-mail as not sent yet, "
        "then run the command again.\n"))
    assert inbox.envelopes == []


def test_again_without_send_is_a_usage_error(tmp_path):
    project = make_project(tmp_path)

    result = run("mail", "-p", project.root, "--again")

    assert (result.exit_code, result.output) == (2, (
        "Usage: main mail [OPTIONS]\nTry 'main mail --help' for help.\n\n"
        "Error: --again works only with --send (it sends again what the sent-log lists). Without --send, drafts "
        "are written for every Werkzeug selected anyway: leave out --again.\n"))
    assert not (project.drafts / "einladung").exists()


def test_a_regenerated_questionnaire_is_sent_again_and_reminders_are_separate(tmp_path, smtp_server):
    inbox = smtp_server()
    project = make_project(tmp_path, smtp_port=inbox.port)
    mail.send(plan_mail(project), project.mail, None, project.drafts / mail.SENT_LOG)
    generate(project, reissue=True)

    result = mail.send(plan_mail(project, only=["W3"]), project.mail, None,
                       project.drafts / mail.SENT_LOG)
    reminders = mail.send(plan_mail(project, reminder=True, only=["W3"]), project.mail, None,
                          project.drafts / mail.SENT_LOG)

    assert [message.recipient for message in result.sent] == ["gesundheit@example.org"]
    assert [message.kind for message in reminders.sent] == ["erinnerung"]
    assert inbox.messages[-1]["Subject"].startswith("Erinnerung")
    assert len(inbox.envelopes) == 5


def test_a_dropped_connection_stops_and_a_rerun_sends_the_rest(tmp_path, smtp_server):
    inbox = smtp_server()
    inbox.drop_after = 2
    project = make_project(tmp_path, smtp_port=inbox.port)
    log = project.drafts / "gesendet.csv"

    result = run("mail", "-p", project.root, "--send")

    assert result.exit_code == 1
    assert result.stdout == "Sent to schule@example.org (W1, W2)\nSent to kultur@example.org (W2)\n"
    assert result.stderr == (
        f"{NO_ADDRESS_WARNING}Error: sending stopped: the connection to 127.0.0.1:{inbox.port} broke while sending to "
        "gesundheit@example.org (Connection unexpectedly closed).\n"
        "Sent (2):\n  schule@example.org (W1, W2)\n  kultur@example.org (W2)\n"
        "Not sent (1):\n  gesundheit@example.org (W3)\n"
        f"{log} lists every e-mail sent; run the same command again to send the rest.\n")
    assert [row["empfaenger"] for row in sent_log(project)] == ["schule@example.org", "kultur@example.org"]

    inbox.drop_after = None
    again = run("mail", "-p", project.root, "--send")

    assert (again.exit_code, again.stdout) == (
        0, f"Sent to gesundheit@example.org (W3)\nSkipped 2 invitation e-mails already sent (listed in {log}).\n"
           "Sent 1 invitation e-mail.\n")
    assert inbox.recipients == [[recipient] for recipient in EXPECTED]
    assert [row["empfaenger"] for row in sent_log(project)] == list(EXPECTED)


def test_a_refused_recipient_stops_sending(tmp_path, smtp_server):
    inbox = smtp_server()
    inbox.refuse = {"kultur@example.org"}
    project = make_project(tmp_path, smtp_port=inbox.port)
    plan = plan_mail(project)

    with pytest.raises(mail.MailError) as caught:
        mail.send(plan, project.mail, None, project.drafts / mail.SENT_LOG)

    assert str(caught.value).startswith(
        "sending stopped: the server refused the recipient (kultur@example.org: 550 5.1.1 No such mailbox). "
        "Correct the address in the catalogue.\nSent (1):\n  schule@example.org (W1, W2)\nNot sent (2):\n")
    assert [mail.recipient for mail in caught.value.sent] == ["schule@example.org"]
    assert [mail.recipient for mail in caught.value.unsent] == ["kultur@example.org", "gesundheit@example.org"]
    assert [row["empfaenger"] for row in sent_log(project)] == ["schule@example.org"]


def test_login_with_the_password_from_the_environment_or_a_prompt(tmp_path, smtp_server, monkeypatch):
    inbox = smtp_server(authenticator=accept_wxl, auth_required=True, auth_require_tls=False)
    project = make_project(tmp_path, smtp_port=inbox.port, user="wxl")

    prompted = run("mail", "-p", project.root, "--send", "--only", "W1", input="geheim\n")
    monkeypatch.setenv(PASSWORD_ENV, "geheim")
    from_environment = run("mail", "-p", project.root, "--send", "--only", "W3")

    assert prompted.exit_code == 0, prompted.output
    assert prompted.stderr == (f"Password for wxl at 127.0.0.1 (or set {PASSWORD_ENV}): \n")
    assert "geheim" not in prompted.output
    assert from_environment.exit_code == 0, from_environment.output
    assert inbox.recipients == [["schule@example.org"], ["gesundheit@example.org"]]


def test_a_failed_login_sends_nothing_and_says_what_to_check(tmp_path, smtp_server, monkeypatch):
    inbox = smtp_server(authenticator=accept_wxl, auth_required=True, auth_require_tls=False)
    project = make_project(tmp_path, smtp_port=inbox.port, user="wxl")
    monkeypatch.setenv(PASSWORD_ENV, "falsch")

    result = run("mail", "-p", project.root, "--send")

    assert result.exit_code == 1
    assert result.stderr == (
        f"{NO_ADDRESS_WARNING}Error: sending stopped: login as 'wxl' at 127.0.0.1:{inbox.port} failed (535 5.7.8 "
        f"Authentication credentials invalid). Check [mail] user in werkstatt.toml and the password (environment "
        f"variable {PASSWORD_ENV}).\nSent (0): none\nNot sent (3):\n  schule@example.org (W1, W2)\n"
        "  kultur@example.org (W2)\n  gesundheit@example.org (W3)\n"
        f"{project.drafts / 'gesendet.csv'} lists every e-mail sent; run the same command again to send the rest.\n")
    assert inbox.envelopes == [] and sent_log(project) == []


def test_nothing_listening_is_a_clear_error(tmp_path):
    port = free_port()
    project = make_project(tmp_path, smtp_port=port)

    with pytest.raises(mail.MailError) as caught:
        mail.send(plan_mail(project), project.mail, None, project.drafts / mail.SENT_LOG)

    assert str(caught.value).startswith(f"sending stopped: cannot connect to 127.0.0.1:{port} (")
    assert "Check [mail] smtp_host, smtp_port and security in werkstatt.toml and the network." in str(caught.value)
    assert len(caught.value.unsent) == 3 and caught.value.sent == ()


def test_send_needs_an_smtp_host(tmp_path):
    project = make_project(tmp_path, smtp_host="")

    result = run("mail", "-p", project.root, "--send")

    assert (result.exit_code, result.output) == (
        1, "Error: no SMTP server: set [mail] smtp_host (and smtp_port, security, user) in werkstatt.toml, or "
           "leave out --send to write drafts instead.\n")


def test_starttls_with_login(tmp_path, smtp_server, monkeypatch):
    pytest.importorskip("cryptography", reason="the cryptography package makes the test certificate")
    certificate, key = self_signed_certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(certificate, key)
    inbox = smtp_server(tls_context=server_context, require_starttls=True, authenticator=accept_wxl,
                        auth_required=True)
    project = make_project(tmp_path, smtp_port=inbox.port, user="wxl", security="starttls")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))

    result = mail.send(plan_mail(project), project.mail, "geheim", project.drafts / mail.SENT_LOG)

    assert len(result.sent) == 3 and len(inbox.envelopes) == 3
    with pytest.raises(mail.MailError, match="no secure connection to 127.0.0.1"):
        monkeypatch.delenv("SSL_CERT_FILE")
        mail.send(plan_mail(project, reminder=True), project.mail, "geheim",
                  project.drafts / mail.SENT_LOG)
    with pytest.raises(mail.MailError, match=r"does not offer STARTTLS"):
        plain = smtp_server()
        mail.send(plan_mail(project, reminder=True), replace(project.mail, smtp_port=plain.port),
                  "geheim", project.drafts / mail.SENT_LOG)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, valid for a day, and its key (PEM files)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = folder / "cert.pem", folder / "key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return certificate_path, key_path


def test_nothing_from_a_returned_file_reaches_a_reminder(tmp_path):
    """A rejection reason that quotes the file (its metadata, its name) is replaced by fixed words."""
    project = init_project(tmp_path / "runde", example=True)
    generate(project)
    lure = "Bitte neue Kontodaten an http://example.net/konto melden"
    hostile = project.inbox / "Kontodaten bitte an example.net melden.xlsx"
    shutil.copyfile(example_path() / "eingang" / "1-05_aim_Auszubildende_im_Mentoring.xlsx", hostile)
    workbook = load_workbook(hostile)
    for row in workbook["_wxl"].iter_rows():
        if row[0].value == meta_key("form_id"):
            row[1].value = lure
    workbook.save(hostile)
    merge(project)
    assert any(lure in problem["problem"] for problem in read_problems(project))  # the office sees it ...

    [reminder] = [mail for mail in plan_mail(project, reminder=True).messages if "W05" in mail.werkzeug_ids]
    body = reminder.message.get_body(("plain",)).get_content()
    assert "Ihre Rücksendung konnte nicht übernommen werden: Sie passt nicht zu dem Fragebogen" in body
    assert "example.net" not in reminder.message.as_string() and "Kontodaten" not in body  # ... the department not


@pytest.mark.parametrize("name", ["../katalog.xlsx", "/etc/passwd", "sub/x.xlsx", ".."])
def test_an_issue_log_naming_a_file_outside_ausgang_attaches_nothing(tmp_path, name):
    project = init_project(tmp_path / "runde", example=True)
    generate(project)
    log = project.issue_log.read_text(encoding="utf-8-sig")
    first = read_issue_log(project.issue_log)[0].file
    project.issue_log.write_text(log.replace(first, name, 1), encoding="utf-8-sig")
    with pytest.raises(ProjectError, match="which is not a file in ausgang/"):
        plan_mail(project)
