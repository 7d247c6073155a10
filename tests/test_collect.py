"""collect: returns from a real IMAP server (Dovecot on 127.0.0.1) and from saved messages into eingang/."""

from __future__ import annotations

import base64
import errno
import hashlib
import importlib
import io
import json
import os
import subprocess
import sys
import zipfile
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pytest
from click.testing import CliRunner
from imap_server import PASSWORD, TOKEN, USER
from ingest_files import write_compressed_parts

from werkstatt_xl.cli import main
from werkstatt_xl.errors import CollectError
from werkstatt_xl.inbox_mail import COLLECT_LOG_FIELDS, Outcome, parse_message, read_collect_log, safe_file_name
from werkstatt_xl.messages import Code
from werkstatt_xl.resources import example_path
from werkstatt_xl.round import collect, collect_log_path, generate, init_project, load_project, merge, read_problems
from werkstatt_xl.validate import NOTICE

PASSWORD_ENV = "WXL_TEST_IMAP_PASSWORD"
OFFICE = "demografie@example.org"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
RETURNS = example_path() / "eingang"


def returned(name: str) -> bytes:
    """An example return of the Kreis Düren round by the start of its name (``1-05``)."""
    [path] = RETURNS.glob(f"{name}_*")
    return path.read_bytes()


def mail(sender: str, subject: str, *attachments: tuple[str, bytes], inner: EmailMessage | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, OFFICE, subject
    message["Date"], message["Message-ID"] = formatdate(localtime=True), make_msgid(domain="example.org")
    message.set_content("Anbei unser Fragebogen.\n")
    for name, data in attachments:
        kind = ("application", "pdf") if name.endswith(".pdf") else XLSX
        message.add_attachment(data, *kind, filename=name)
    if inner is not None:
        message.add_attachment(inner)
    return message


def tiny_workbook(number: int) -> bytes:
    """A zip that names itself a workbook, different for each ``number``: enough for collect to save it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in (("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", f"<workbook n='{number}'/>")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 29, 0, 0, 0)), content)
    return buffer.getvalue()


def numbered(numbers: range) -> list[bytes]:
    """One message per number, each with its own tiny workbook ``R<number>.xlsx``."""
    return [mail("planung@example.org", f"Nr. {number}", (f"R{number}.xlsx", tiny_workbook(number))).as_bytes()
            for number in numbers]


def write_settings(root: Path, port: int, **extra) -> None:
    settings = {"sender": f"Demografiewerkstatt <{OFFICE}>", "imap_host": "127.0.0.1", "imap_port": port,
                "imap_security": "none", "imap_user": USER, "imap_password_env": PASSWORD_ENV, **extra}
    lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())
    (root / "werkstatt.toml").write_text(f'[round]\ntitle = "Zwischenbilanz 2019"\ndeadline = 2019-12-13\n\n'
                                         f"[mail]\n{lines}", encoding="utf-8")


@pytest.fixture
def project(tmp_path, dovecot, monkeypatch):
    """The example round, generated, with its mailbox in Dovecot and the password in the environment."""
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    project = init_project(tmp_path / "runde", example=True)
    write_settings(project.root, dovecot.port)
    generate(project)
    return load_project(project.root)


def run(*args, input=None):
    return CliRunner().invoke(main, [str(arg) for arg in args], input=input)


def files_in(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def everything_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


# --- a round's mailbox --------------------------------------------------------------------------


def test_collect_saves_every_return_once_lists_the_rest_and_merge_takes_them(project, dovecot):
    forwarded = mail("fachkraefte@example.org", "Fragebogen 1-05", ("aim.xlsx", returned("1-05")))
    dovecot.append(*(message.as_bytes() for message in [
        mail("planung@example.org", "Rücklauf 7-01", ("7-01 Familienbefragung.xlsx", returned("7-01"))),
        mail("chef@example.org", "WG: Fragebogen 1-05", inner=forwarded),
        mail("bildung@example.org", "Unser Bericht", ("Bericht.pdf", b"%PDF-1.4 report")),
        mail("info@example.org", "Zwei Werkzeuge", ("4-03.xlsx", returned("4-03")), ("1-07.xlsx", returned("1-07"))),
        mail("fremd@example.org", "Böser Name", ("../../../ausgang/x\x1b[31m.xlsx", returned("1-01"))),
        mail("leer@example.org", "Ohne Anhang"),
    ]))
    before = everything_under(project.root.parent)

    result = run("collect", "-p", project.root)

    assert result.exit_code == 0, result.output
    inbox = files_in(project.inbox)
    assert inbox == {"7-01 Familienbefragung.xlsx": returned("7-01"), "aim.xlsx": returned("1-05"),
                     "4-03.xlsx": returned("4-03"), "1-07.xlsx": returned("1-07"), "x_[31m.xlsx": returned("1-01")}
    log = collect_log_path(project)
    assert everything_under(project.root.parent) - before == {project.inbox / name for name in inbox} | {log}
    rows = read_collect_log(log)
    assert [(row.sender, row.attachment, row.outcome, row.saved_as) for row in rows] == [
        ("planung@example.org", "7-01 Familienbefragung.xlsx", Outcome.SAVED, "7-01 Familienbefragung.xlsx"),
        ("chef@example.org", "aim.xlsx", Outcome.SAVED, "aim.xlsx"),
        ("bildung@example.org", "Bericht.pdf", Outcome.NOT_A_SPREADSHEET, ""),
        ("info@example.org", "4-03.xlsx", Outcome.SAVED, "4-03.xlsx"),
        ("info@example.org", "1-07.xlsx", Outcome.SAVED, "1-07.xlsx"),
        ("fremd@example.org", "../../../ausgang/x\ufffd[31m.xlsx", Outcome.SAVED, "x_[31m.xlsx"),
        ("leer@example.org", "", Outcome.NO_ATTACHMENT, ""),
    ]
    assert rows[1].forwarded_from == "fachkraefte@example.org" and rows[1].subject == "WG: Fragebogen 1-05"
    assert all(row.uid and row.uidvalidity and row.message_id for row in rows)
    assert [row.sha256 for row in rows[:2]] == [hashlib.sha256(returned(name)).hexdigest() for name in ("7-01", "1-05")]
    assert "bildung@example.org, „Bericht.pdf“" not in result.output
    assert "bildung@example.org, \"Unser Bericht\": Bericht.pdf: kein Fragebogen." in result.output
    assert ("leer@example.org, \"Ohne Anhang\": -: ohne Anhang. Die E-Mail hat keinen Anhang. Die E-Mail bleibt im "
            "Postfach.\n") in result.output
    assert result.output.endswith(f"Saved 5 files into {project.inbox} from 6 new messages; 0 collected before "
                                  f"were not fetched again.\nNext: werkstatt-xl merge -p {project.root}\n")

    again = run("collect", "-p", project.root)

    assert (again.exit_code, again.output) == (0, f"Saved 0 files into {project.inbox} from 0 new messages; 6 "
                                                  "collected before were not fetched again.\n")
    assert files_in(project.inbox) == inbox and len(read_collect_log(log)) == len(rows)
    assert dovecot.count() == 6  # nothing deleted

    merged = merge(project)

    statuses = merged.register.set_index("werkzeug_id")["status"]
    assert set(statuses[statuses != "offen"].index) == {"W01", "W05", "W07", "W29", "W49"}
    notices = {(notice["file"], notice["werkzeug_id"]): notice["problem"] for notice in read_problems(project)
               if notice["code"] == Code.RETURN_OTHER_SENDER}
    assert notices == {
        ("4-03.xlsx", "W29"): "Per E-Mail von info@example.org eingegangen, nicht von der Adresse im Katalog "
                              "(mobilitaet@example.org); übernommen.",
        ("1-07.xlsx", "W07"): "Per E-Mail von info@example.org eingegangen, nicht von der Adresse im Katalog "
                              "(fachkraefte@example.org); übernommen.",
        ("x_[31m.xlsx", "W01"): "Per E-Mail von fremd@example.org eingegangen, nicht von der Adresse im Katalog "
                                "(fachkraefte@example.org); übernommen.",
    }


# --- bad input ----------------------------------------------------------------------------------


def test_a_refused_login_says_what_to_check_and_writes_nothing(project, dovecot, monkeypatch):
    dovecot.append(mail("planung@example.org", "Rücklauf", ("a.xlsx", returned("7-01"))).as_bytes())
    monkeypatch.setenv(PASSWORD_ENV, "falsch")
    before = everything_under(project.root)

    result = run("collect", "-p", project.root)

    assert result.exit_code == 1
    assert result.output.startswith(f"Error: The mail server 127.0.0.1:{dovecot.port} refused the login of {USER}: ")
    assert result.output.endswith(f"Check imap_user and the password (environment variable {PASSWORD_ENV}).\n")
    assert everything_under(project.root) == before


def test_without_a_password_and_without_a_terminal_it_says_which_variable_to_set(project, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)

    result = run("collect", "-p", project.root)

    assert (result.exit_code, result.output.splitlines()[-1]) == (
        1, f"Error: a password is needed for [mail] imap_user = '{USER}', and there is no terminal to ask for it: set the "
           f"environment variable {PASSWORD_ENV}.")


def test_the_password_can_be_typed(project, dovecot, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    dovecot.append(mail("planung@example.org", "Rücklauf", ("a.xlsx", returned("7-01"))).as_bytes())

    result = run("collect", "-p", project.root, input=PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    assert f"Password for {USER} at 127.0.0.1 (or set {PASSWORD_ENV}): " in result.output
    assert files_in(project.inbox) == {"a.xlsx": returned("7-01")}


def test_a_dropped_connection_stops_and_a_rerun_fetches_the_rest_exactly_once(project, dovecot):
    dovecot.append(*numbered(range(250)))
    stopped_at = []

    def drop(done: int, total: int) -> None:
        if done == 120:
            stopped_at.append(dovecot.drop_connections())

    with pytest.raises(CollectError) as stopped:
        collect(project, PASSWORD, on_progress=drop)

    assert stopped_at == [1]
    message = str(stopped.value)
    assert message.startswith(f"Collecting stopped: The connection to the mail server 127.0.0.1:{dovecot.port} broke off")
    assert "Run the command again to collect the rest: nothing is fetched twice." in message
    log = collect_log_path(project)
    first = read_collect_log(log)
    assert 120 <= len(first) < 250
    assert sorted(path.name for path in project.inbox.iterdir()) == sorted(row.saved_as for row in first)

    result = collect(project, PASSWORD)

    rows = read_collect_log(log)
    assert (result.known, result.messages, len(rows)) == (len(first), 250 - len(first), 250)
    assert sorted(row.subject for row in rows) == sorted(f"Nr. {number}" for number in range(250))
    assert {row.outcome for row in rows} == {Outcome.SAVED}
    assert files_in(project.inbox) == {f"R{number}.xlsx": tiny_workbook(number) for number in range(250)}


def test_two_thousand_messages_are_collected_with_a_progress_bar_and_a_rerun_fetches_none(project, dovecot):
    messages = []
    for number in range(2000):
        attachments = [(f"R{number}.xlsx", tiny_workbook(number))] if number % 2 else []
        messages.append(mail(f"amt{number % 7}@example.org", f"Nr. {number}", *attachments).as_bytes())
    dovecot.append(*messages)
    progress = []

    result = collect(project, PASSWORD, on_progress=lambda done, total: progress.append((done, total)))

    assert progress[0] == (1, 2000) and progress[-1] == (2000, 2000) and len(progress) == 2000
    assert (result.messages, len(result.saved), len(result.listed)) == (2000, 1000, 1000)
    assert {row.outcome for row in result.listed} == {Outcome.NO_ATTACHMENT}
    assert len(list(project.inbox.iterdir())) == 1000
    again = collect(project, PASSWORD)
    assert (again.messages, again.known, again.rows) == (0, 2000, [])


def test_an_attachment_of_200_mb_is_listed_not_fetched_and_memory_stays_bounded(project, dovecot):
    big = mail("planung@example.org", "Riesig", ("Fragebogen.xlsx", returned("7-01")))
    big.add_attachment(bytes(200 * 2**20), *XLSX, filename="Riesig.xlsx")
    dovecot.append(big.as_bytes())
    del big
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")

    finished = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "werkstatt_xl", "collect", "-p",
                               str(project.root)], capture_output=True, text=True, env={**os.environ, "LANG": "C"})

    assert finished.returncode == 0, finished.stderr
    peak_megabytes = int(finished.stdout.splitlines()[-1]) / 1024
    print(f'peak memory of collect: {peak_megabytes:.0f} MB')
    assert peak_megabytes < 160, peak_megabytes
    assert files_in(project.inbox) == {"Fragebogen.xlsx": returned("7-01")}
    [saved, large] = read_collect_log(collect_log_path(project))
    assert (saved.outcome, large.outcome, large.attachment, large.sha256) == (
        Outcome.SAVED, Outcome.TOO_LARGE, "Riesig.xlsx", "")
    assert 199 * 2**20 <= int(large.size) <= 201 * 2**20  # told by the size as sent
    assert "Riesig.xlsx: zu groß. Anhang von 200 MB, größer als ein Rücklauf sein darf" in finished.stdout


def test_a_zip_bomb_is_saved_untouched_and_merge_refuses_it_on_pruefung(project, dovecot, tmp_path):
    bomb = write_compressed_parts(tmp_path / "bomb.xlsx", {
        "[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
        "xl/worksheets/sheet1.xml": b"<worksheet>" + b" " * (90 * 2**20) + b"</worksheet>"}).read_bytes()
    dovecot.append(mail("planung@example.org", "Rücklauf", ("Fragebogen.xlsx", bomb),
                        ("7-01.xlsx", returned("7-01"))).as_bytes())

    result = run("collect", "-p", project.root)
    merge(project)

    assert result.exit_code == 0, result.output
    refused = ("Abgelegt, wird beim Zusammenführen aber abgelehnt: Die Datei ist ungewöhnlich stark komprimiert "
               "(möglicherweise eine ZIP-Bombe).")
    assert (f"Saved into eingang/, but merge will refuse them and say why on the sheet \"Prüfung\":\n"
            f"  Fragebogen.xlsx (planung@example.org): {refused}") in result.output
    assert [row.reason for row in read_collect_log(collect_log_path(project))][0].startswith(refused)
    assert files_in(project.inbox) == {"Fragebogen.xlsx": bomb, "7-01.xlsx": returned("7-01")}
    [problem] = [problem for problem in read_problems(project) if problem["file"] == "Fragebogen.xlsx"]
    assert problem["code"] == Code.FILE_ZIP_BOMB


def test_invalid_bytes_in_a_name_are_replaced_and_a_taken_name_gets_a_number(project, dovecot):
    raw = mail("planung@example.org", "Rücklauf", ("PLACEHOLDER.xlsx", returned("7-01"))).as_bytes()
    raw = raw.replace(b'filename="PLACEHOLDER.xlsx"', b'filename="R\xfcck\xff.xlsx"')
    (project.inbox / "R_ck_.xlsx").write_bytes(b"the office's own file")
    dovecot.append(raw, mail("planung@example.org", "Nochmal", ("R\u00fcck.xlsx", returned("7-01"))).as_bytes())

    assert run("collect", "-p", project.root).exit_code == 0

    assert files_in(project.inbox) == {"R_ck_.xlsx": b"the office's own file", "R_ck__2.xlsx": returned("7-01"),
                                       "Rück.xlsx": returned("7-01")}


@pytest.mark.parametrize("name, file_format, safe", [
    ("../../etc/passwd.xlsx", "xlsx", "passwd.xlsx"),
    ("..\\..\\Windows\\win.ini", "", "win.ini"),
    ("C:\\Temp\\x.xls", "xls", "x.xls"),
    ("~$Fragebogen.xlsx", "xlsx", "Fragebogen.xlsx"),
    (".versteckt.xlsx", "xlsx", "versteckt.xlsx"),
    ("..", "xlsx", "anhang.xlsx"),
    ("", "ods", "anhang.ods"),
    ("CON.xlsx", "xlsx", "anhang_CON.xlsx"),
    ("nul", "", "anhang_nul"),
    ("Antwort", "xlsx", "Antwort.xlsx"),
    ("bericht.pdf", "encrypted", "bericht.pdf.xlsx"),
    ("a\x00b\x1b[2Jc\u202egpj.xlsx", "xlsx", "a_b_[2Jc_gpj.xlsx"),
    ('x<>:"|?*.xlsx', "xlsx", "x_______.xlsx"),
    ("Fragebogen. . .", "xlsx", "Fragebogen.xlsx"),
    (" ~$.x.xlsx", "xlsx", "x.xlsx"),
    ("A" * 300 + ".xlsx", "xlsx", "A" * 115 + ".xlsx"),
])
def test_safe_file_names(name, file_format, safe):
    assert safe_file_name(name, file_format) == safe


# --- saved messages -----------------------------------------------------------------------------


def test_from_folder_reads_eml_files_and_skips_them_the_second_time(tmp_path):
    project = init_project(tmp_path / "runde", example=True)
    folder = tmp_path / "Rückläufe"
    (folder / "alt").mkdir(parents=True)
    (folder / "7-01.eml").write_bytes(mail("planung@example.org", "Rücklauf", ("7-01.xlsx", returned("7-01"))).as_bytes())
    (folder / "alt" / "1-05.EML").write_bytes(
        mail("x@example.org", "FW", inner=mail("fachkraefte@example.org", "R", ("1-05.xlsx", returned("1-05"))))
        .as_bytes())
    (folder / "notiz.txt").write_text("keine Nachricht")

    result = run("collect", "-p", project.root, "--from-folder", folder)

    assert result.exit_code == 0, result.output
    assert result.stderr == f"Warning: 1 file in {folder} is no saved message (.eml, .msg) and was not read.\n"
    assert files_in(project.inbox) == {"7-01.xlsx": returned("7-01"), "1-05.xlsx": returned("1-05")}
    rows = read_collect_log(collect_log_path(project))
    assert [(Path(row.source).name, row.forwarded_from) for row in rows] == [
        ("7-01.eml", ""), ("1-05.EML", "fachkraefte@example.org")]
    again = run("collect", "-p", project.root, "--from-folder", folder)
    assert again.stdout == (f"Saved 0 files into {project.inbox} from 0 new messages; 2 collected before were not "
                            "fetched again.\n")
    assert len(read_collect_log(collect_log_path(project))) == 2


def test_a_collect_log_without_its_columns_is_an_error(tmp_path):
    project = init_project(tmp_path / "runde", example=True)
    project.drafts.mkdir()
    collect_log_path(project).write_text("abgeholt_am,quelle\n", encoding="utf-8")
    (tmp_path / "leer").mkdir()

    result = run("collect", "-p", project.root, "--from-folder", tmp_path / "leer")

    assert result.exit_code == 1
    assert "the collect log lacks the columns uidvalidity, uid, " in result.output
    assert ",".join(COLLECT_LOG_FIELDS) in result.output


def test_parse_message_keeps_a_forwarded_senders_address_and_every_attachment():
    inner = mail("fachkraefte@example.org", "R", ("a.xlsx", returned("1-05")), ("b.pdf", b"%PDF-1.4"))
    message = parse_message(mail("Chef <chef@example.org>", "FW: R", ("c.xlsx", returned("1-07")), inner=inner)
                            .as_bytes())

    assert message.sender == "chef@example.org" and message.subject == "FW: R"
    assert [(item.name, item.spreadsheet, item.forwarded_from) for item in message.attachments] == [
        ("c.xlsx", "xlsx", ""), ("a.xlsx", "xlsx", "fachkraefte@example.org"), ("b.pdf", "", "fachkraefte@example.org")]


def outlook_message(sender: str, subject: str, attachments: list[tuple[str, bytes]], inner=None) -> "object":
    """An Outlook message (.msg) written by a second library, aspose-email-foss (tests only)."""
    from aspose.email_foss import msg

    message = msg.MapiMessage.create(subject, "Anbei unser Fragebogen.")
    message.set_property(msg.PropertyId.SENDER_NAME, "Fachamt")
    message.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, sender)
    message.set_property(msg.PropertyId.INTERNET_MESSAGE_ID, make_msgid(domain="example.org"))
    message.add_recipient(OFFICE)
    for name, data in attachments:
        message.add_attachment(name, data, mime_type="/".join(XLSX))
    if inner is not None:
        message.add_embedded_message_attachment(inner, filename="Weitergeleitet.msg")
    return message


def test_from_folder_reads_outlook_messages_as_a_second_reader_sees_them(tmp_path):
    import olefile

    project = init_project(tmp_path / "runde", example=True)
    folder = tmp_path / "outlook"
    folder.mkdir()
    outlook_message("planung@example.org", "Rücklauf Familienbefragung", [("Familienbefragung ä.xlsx", returned("7-01"))]
                    ).save(folder / "7-01.msg")
    inner = outlook_message("fachkraefte@example.org", "Rücklauf", [("aim.xlsx", returned("1-05"))])
    outlook_message("chef@example.org", "WG: Rücklauf", [], inner=inner).save(folder / "weiter.msg")
    (folder / "kaputt.msg").write_bytes(b"Dies ist keine Outlook-Nachricht.")

    result = run("collect", "-p", project.root, "--from-folder", folder)

    assert result.exit_code == 0, result.output
    assert files_in(project.inbox) == {"Familienbefragung ä.xlsx": returned("7-01"), "aim.xlsx": returned("1-05")}
    with olefile.OleFileIO(str(folder / "7-01.msg")) as second:  # the container's own streams
        stored = second.openstream("__attach_version1.0_#00000000/__substg1.0_37010102").read()
        name = second.openstream("__attach_version1.0_#00000000/__substg1.0_3707001F").read().decode("utf-16-le")
    assert (project.inbox / name.rstrip("\0")).read_bytes() == stored
    rows = {Path(row.source).name: row for row in read_collect_log(collect_log_path(project))}
    assert (rows["7-01.msg"].sender, rows["7-01.msg"].subject, rows["7-01.msg"].outcome) == (
        "planung@example.org", "Rücklauf Familienbefragung", Outcome.SAVED)
    assert (rows["weiter.msg"].sender, rows["weiter.msg"].forwarded_from) == ("chef@example.org",
                                                                             "fachkraefte@example.org")
    assert (rows["kaputt.msg"].outcome, rows["kaputt.msg"].reason) == (
        Outcome.UNREADABLE, "Die Datei ist keine Outlook-Nachricht (.msg). Bitte die E-Mail in Outlook erneut "
                            "speichern (Datei > Speichern unter > Outlook-Nachrichtenformat) oder ihren Anhang von "
                            "Hand in eingang/ ablegen.")
    assert f"{folder / 'kaputt.msg'}, \"\": -: nicht lesbar. Die Datei ist keine Outlook-Nachricht (.msg)." in (
        result.output)


def test_collected_messages_are_moved_into_the_folder_set_and_not_fetched_again(project, dovecot):
    write_settings(project.root, dovecot.port, imap_move_to="Rückläufe 2019")
    dovecot.append(*numbered(range(3)))

    result = run("collect", "-p", project.root)

    assert result.exit_code == 0, result.output
    assert "Moved 3 messages into the folder 'Rückläufe 2019'." in result.output
    assert (dovecot.count("INBOX"), dovecot.count("R&APw-ckl&AOQ-ufe 2019")) == (0, 3)
    dovecot.append(*numbered(range(3, 4)))
    assert run("collect", "-p", project.root).exit_code == 0
    assert len(list(project.inbox.iterdir())) == 4 and dovecot.count("R&APw-ckl&AOQ-ufe 2019") == 4


def test_xoauth2_logs_in_with_the_token_from_the_environment(project, dovecot, monkeypatch):
    write_settings(project.root, dovecot.port, imap_token_env="WXL_TEST_IMAP_TOKEN")
    dovecot.append(mail("planung@example.org", "Rücklauf", ("7-01.xlsx", returned("7-01"))).as_bytes())
    monkeypatch.delenv(PASSWORD_ENV)
    monkeypatch.delenv("WXL_TEST_IMAP_TOKEN", raising=False)

    missing = run("collect", "-p", project.root)
    monkeypatch.setenv("WXL_TEST_IMAP_TOKEN", "abgelaufen")
    refused = run("collect", "-p", project.root)
    monkeypatch.setenv("WXL_TEST_IMAP_TOKEN", TOKEN)
    accepted = run("collect", "-p", project.root)

    assert (missing.exit_code, missing.output) == (
        1, "Error: [mail] imap_token_env names the environment variable WXL_TEST_IMAP_TOKEN, which is not set: set "
           "it to an OAuth 2.0 access token for the mailbox, or empty imap_token_env to log in with a password.\n")
    assert refused.exit_code == 1 and refused.output.startswith(
        f"Error: The mail server 127.0.0.1:{dovecot.port} refused the login of {USER}: ")
    assert "(environment variable WXL_TEST_IMAP_TOKEN)" in refused.output
    assert accepted.exit_code == 0, accepted.output
    assert files_in(project.inbox) == {"7-01.xlsx": returned("7-01")}


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_connections_are_verified(project, tmp_path, monkeypatch, security):
    pytest.importorskip("cryptography", reason="the cryptography package makes the test certificate")
    from imap_server import DOVECOT, Dovecot
    from test_mail import self_signed_certificate

    if DOVECOT is None:
        pytest.skip("Dovecot is not installed: apt-get install dovecot-imapd")
    certificate, key = self_signed_certificate(tmp_path)
    server = Dovecot(certificate=(certificate, key)).start()
    try:
        port = server.tls_port if security == "ssl" else server.port
        write_settings(project.root, port, imap_security=security)
        server.append(mail("planung@example.org", "Rücklauf", ("7-01.xlsx", returned("7-01"))).as_bytes())

        untrusted = run("collect", "-p", project.root)
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
        trusted = run("collect", "-p", project.root)
    finally:
        server.remove()

    assert untrusted.exit_code == 1 and untrusted.output.startswith(
        f"Error: No secure connection to 127.0.0.1:{port}: [SSL: CERTIFICATE_VERIFY_FAILED]")
    assert trusted.exit_code == 0, trusted.output
    assert files_in(project.inbox) == {"7-01.xlsx": returned("7-01")}


def test_a_missing_folder_is_a_clear_error(project, dovecot):
    write_settings(project.root, dovecot.port, imap_folder="Rückläufe")

    result = run("collect", "-p", project.root)

    assert result.exit_code == 1
    assert result.output.startswith(f"Error: The mail server 127.0.0.1:{dovecot.port} has no folder 'Rückläufe' (")


def test_returns_saved_as_xls_and_ods_by_libreoffice_are_collected_and_merged(project, dovecot, soffice, tmp_path):
    source = tmp_path / "quelle"
    source.mkdir()
    for name in ("7-01", "1-05"):
        (source / f"{name}.xlsx").write_bytes(returned(name))
    xls = soffice(source / "7-01.xlsx", "xls", tmp_path / "xls").read_bytes()
    ods = soffice(source / "1-05.xlsx", "ods", tmp_path / "ods").read_bytes()
    dovecot.append(mail("planung@example.org", "Rücklauf", ("Familienbefragung.xls", xls)).as_bytes(),
                   mail("fachkraefte@example.org", "Rücklauf", ("aim", ods)).as_bytes())

    assert run("collect", "-p", project.root).exit_code == 0
    merged = merge(project)

    assert files_in(project.inbox) == {"Familienbefragung.xls": xls, "aim.ods": ods}
    statuses = merged.register.set_index("werkzeug_id")["status"]
    assert set(statuses[statuses != "offen"].index) == {"W05", "W49"}
    assert not [problem for problem in read_problems(project) if problem["code"] == Code.RETURN_OTHER_SENDER]


def test_a_mailbox_rebuilt_with_new_uids_fetches_nothing_twice(project, dovecot):
    dovecot.append(*numbered(range(3)))
    first = collect(project, PASSWORD)
    dovecot.stop()
    for index in (dovecot.root / "mail").rglob("dovecot*"):
        index.unlink()  # Dovecot's UID list and indexes: as after a server move, new UIDVALIDITY and UIDs
    dovecot.start()

    again = collect(project, PASSWORD)

    rows = read_collect_log(collect_log_path(project))
    assert len({row.uidvalidity for row in rows}) == 2
    assert (len(first.saved), again.messages, again.saved) == (3, 3, [])
    assert {row.outcome for row in again.rows} == {Outcome.KNOWN}
    assert len(list(project.inbox.iterdir())) == 3
    assert (collect(project, PASSWORD).messages, len(read_collect_log(collect_log_path(project)))) == (0, 6)


def test_an_empty_mailbox_collects_nothing_and_says_so(project):
    result = run("collect", "-p", project.root)

    assert (result.exit_code, result.output) == (
        0, f"Saved 0 files into {project.inbox} from 0 new messages; 0 collected before were not fetched again.\n")
    assert read_collect_log(collect_log_path(project)) == []


def test_a_log_saved_again_by_a_german_excel_still_counts(project, dovecot):
    dovecot.append(mail("planung@example.org", "Rücklauf Größe", ("Rück.xlsx", returned("7-01"))).as_bytes())
    assert run("collect", "-p", project.root).exit_code == 0
    log = collect_log_path(project)
    text = log.read_text(encoding="utf-8-sig")
    log.write_bytes(text.replace(",", ";").encode("cp1252"))

    again = run("collect", "-p", project.root)

    assert again.exit_code == 0 and "0 files" in again.output and "1 collected before" in again.output
    assert [row.subject for row in read_collect_log(log)] == ["Rücklauf Größe"]


def test_the_sender_notice_follows_a_return_the_office_renamed(project, dovecot):
    dovecot.append(mail("praktikant@example.org", "Rücklauf", ("7-01.xlsx", returned("7-01"))).as_bytes(),
                   mail("fachkraefte@example.org", "Rücklauf", ("1-05.xlsx", returned("1-05"))).as_bytes())
    assert run("collect", "-p", project.root).exit_code == 0
    (project.inbox / "7-01.xlsx").rename(project.inbox / "Familienbefragung.xlsx")

    merge(project)

    notices = [(problem["file"], problem["werkzeug_id"], problem["kind"]) for problem in read_problems(project)
               if problem["code"] == Code.RETURN_OTHER_SENDER]
    assert notices == [("Familienbefragung.xlsx", "W49", NOTICE)]


def test_a_large_message_is_read_part_by_part_also_inside_a_forwarded_message(project, dovecot):
    inner = mail("fachkraefte@example.org", "Rücklauf", ("aim.xlsx", returned("1-05")))
    inner.add_attachment(bytes(25 * 2**20), "application", "octet-stream", filename="Film.mp4")
    single = EmailMessage()  # a message of one part, itself too large
    single["From"], single["Subject"] = "planung@example.org", "Nur Anhang"
    single.set_content(bytes(31 * 2**20), "application", "vnd.ms-excel", filename="Riesig.xls")
    dovecot.append(mail("chef@example.org", "WG: Rücklauf", ("Notiz.pdf", b"%PDF-1.4"), inner=inner).as_bytes(),
                   single.as_bytes())

    result = collect(project, PASSWORD)

    assert [(row.attachment, row.outcome, row.forwarded_from) for row in result.rows] == [
        ("Notiz.pdf", Outcome.NOT_A_SPREADSHEET, ""),
        ("aim.xlsx", Outcome.SAVED, "fachkraefte@example.org"),
        ("Film.mp4", Outcome.TOO_LARGE, "fachkraefte@example.org"),
        ("Riesig.xls", Outcome.TOO_LARGE, ""),
    ]
    assert files_in(project.inbox) == {"aim.xlsx": returned("1-05")}
    assert result.rows[1].sha256 == hashlib.sha256(returned("1-05")).hexdigest()


def test_what_a_killed_run_left_half_written_is_cleared_and_nothing_else(project, dovecot, monkeypatch):
    from werkstatt_xl import files

    made = []
    mkstemp = files.tempfile.mkstemp
    with monkeypatch.context() as patched:
        patched.setattr(files.tempfile, "mkstemp", lambda **named: made.append(mkstemp(**named)) or made[-1])
        files.create_file(project.inbox / "Fragebogen.xlsx", b"PK")
    (project.inbox / "Fragebogen.xlsx").unlink()
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = ended.stdout.strip()
    abandoned = project.inbox / Path(made[0][1]).name.replace(f"-{os.getpid()}-", f"-{dead}-")
    running = project.inbox / Path(made[0][1]).name
    kept = [project.inbox / name for name in (".notiz-1-des-buero.xlsx", f".Fragebogen-{dead}-ab12cd34.xlsx",
                                              f".wxl-00000000-{dead}-ab12cd34.xlsx")]  # the office's, another PC's
    for path in (abandoned, running, *kept):
        path.write_bytes(b"PK")

    result = run("collect", "-p", project.root)

    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in project.inbox.iterdir()) == sorted(path.name for path in (running, *kept))


def test_without_a_mailbox_in_the_settings_it_says_what_to_set(tmp_path):
    project = init_project(tmp_path / "runde", example=True)

    result = run("collect", "-p", project.root)

    assert (result.exit_code, result.output) == (
        1, "Error: No mailbox to collect from: set imap_host (and imap_user) under [mail] in werkstatt.toml, or use "
           "--from-folder with saved messages.\n")


def test_the_terminal_speaks_german(project, dovecot, german):
    dovecot.append(mail("planung@example.org", "Rücklauf", ("7-01.xlsx", returned("7-01"))).as_bytes(),
                   mail("leer@example.org", "Frage").as_bytes())

    result = run("collect", "-p", project.root)

    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Nicht als Rücklauf abgelegt (alles steht in {collect_log_path(project)}):\n"
        "  leer@example.org, „Frage“: -: ohne Anhang. Die E-Mail hat keinen Anhang. Die E-Mail bleibt im Postfach.\n"
        f"1 Datei aus 2 neuen Nachrichten in {project.inbox} abgelegt; 0 schon früher abgeholte nicht erneut "
        f"abgeholt.\nAls Nächstes: werkstatt-xl merge -p {project.root}\n")


# --- what the review found ----------------------------------------------------------------------


def test_a_long_name_in_a_multibyte_script_is_cut_in_bytes_and_the_next_mail_is_collected(project, dovecot, tmp_path):
    long_name = "調査票" * 60 + ".xlsx"
    messages = [mail("planung@example.org", "Lang", (long_name, returned("7-01"))),
                mail("planung@example.org", "Emoji", ("\U0001f600" * 200 + ".xlsx", returned("1-05"))),
                mail("planung@example.org", "Normal", ("legit.xlsx", returned("4-03")))]
    dovecot.append(*(message.as_bytes() for message in messages))

    result = run("collect", "-p", project.root)

    assert result.exit_code == 0, result.output
    inbox = files_in(project.inbox)
    assert inbox == {"調査票" * 19 + "調.xlsx": returned("7-01"), "\U0001f600" * 43 + ".xlsx": returned("1-05"),
                     "legit.xlsx": returned("4-03")}
    assert max(len(name.encode()) for name in inbox) <= 180
    folder = tmp_path / "gespeichert"
    folder.mkdir()
    (folder / "lang.eml").write_bytes(mail("planung@example.org", "Lang", (long_name, returned("1-07"))).as_bytes())
    assert run("collect", "-p", project.root, "--from-folder", folder).exit_code == 0
    assert (project.inbox / ("調査票" * 19 + "調_2.xlsx")).read_bytes() == returned("1-07")


@pytest.mark.parametrize("number, listed", [(errno.ENAMETOOLONG, True), (errno.ENOSPC, False)])
def test_a_name_the_file_system_refuses_is_listed_and_a_full_disk_stops(project, dovecot, monkeypatch, number, listed):
    from werkstatt_xl.errors import OutputError

    collect_module = importlib.import_module("werkstatt_xl.round.mailbox")

    real_create_file = collect_module.create_file

    def refusing(path, data):
        if path.name == "refused.xlsx":
            error = OutputError(f"{path}: cannot write")
            error.errno = number
            raise error
        return real_create_file(path, data)

    monkeypatch.setattr(collect_module, "create_file", refusing)
    dovecot.append(mail("planung@example.org", "A", ("refused.xlsx", returned("7-01"))).as_bytes(),
                   mail("planung@example.org", "B", ("legit.xlsx", returned("4-03"))).as_bytes())

    result = run("collect", "-p", project.root)

    if listed:
        assert result.exit_code == 0, result.output
        assert files_in(project.inbox) == {"legit.xlsx": returned("4-03")}
        [row] = [row for row in read_collect_log(collect_log_path(project)) if row.attachment == "refused.xlsx"]
        assert (row.outcome, row.reason) == (Outcome.UNREADABLE, f"{project.inbox / 'refused.xlsx'}: cannot write "
                                                "Die E-Mail bleibt im Postfach.")
    else:
        assert result.exit_code == 1 and "cannot write" in result.output and "Traceback" not in result.output
        assert files_in(project.inbox) == {}


def test_a_server_without_move_gets_a_copy_of_each_message_once(project, dovecot, monkeypatch):
    from werkstatt_xl.imap import Mailbox

    monkeypatch.setattr(Mailbox, "_capabilities", lambda self: {"IMAP4REV1"})
    write_settings(project.root, dovecot.port, imap_move_to="Erledigt")
    dovecot.append(*numbered(range(3)))

    first = run("collect", "-p", project.root)
    assert run("collect", "-p", project.root).exit_code == 0
    dovecot.append(*numbered(range(3, 4)))
    assert run("collect", "-p", project.root).exit_code == 0

    assert first.exit_code == 0, first.output
    assert "Copied 3 messages into the folder 'Erledigt': the server cannot move them" in first.output
    assert (dovecot.count("INBOX"), dovecot.count("Erledigt")) == (4, 4)


def test_with_a_move_folder_only_messages_that_brought_a_spreadsheet_move(project, dovecot):
    write_settings(project.root, dovecot.port, imap_move_to="Erledigt")
    dovecot.append(mail("planung@example.org", "Rücklauf", ("R.xlsx", returned("7-01"))).as_bytes(),
                   mail("planung@example.org", "Nochmal", ("R.xlsx", returned("7-01"))).as_bytes(),
                   mail("leer@example.org", "Ohne Anhang").as_bytes(),
                   mail("bildung@example.org", "Bericht", ("Bericht.pdf", b"%PDF-1.4 report")).as_bytes())

    result = run("collect", "-p", project.root)

    assert result.exit_code == 0, result.output
    assert (dovecot.count("INBOX"), dovecot.count("Erledigt")) == (2, 2)
    assert run("collect", "-p", project.root).exit_code == 0
    assert (dovecot.count("INBOX"), dovecot.count("Erledigt")) == (2, 2)


@pytest.mark.parametrize("lie, said", [
    ({"uidvalidity": b"x9"}, "'x9' instead of a number"),
    ({"size": b"huge"}, "'huge' instead of a number"),
    ({"size": b"100", "literal": 3_000_000}, "it sent 3000000 bytes in one piece where at most 1048676"),
    ({"size": b"100", "literal": 300 * 2**20}, "it sent 314572800 bytes in one piece"),
])
def test_a_lying_server_is_a_clear_error_not_a_traceback(project, monkeypatch, lie, said):
    from lying_imap import lying_server

    with lying_server(**lie) as port:
        write_settings(project.root, port)
        result = run("collect", "-p", project.root)

    assert result.exit_code == 1
    assert said in result.output and "Traceback" not in result.output, result.output


def forwarded_in_base64(film: int = 0) -> bytes:
    """A message forwarding another (with the return of 1-05) as a base64 ``message/rfc822`` part, as some mail
    programs send it; and a film of ``film`` bytes."""
    inner = mail("fachkraefte@example.org", "R", ("aim.xlsx", returned("1-05"))).as_bytes()
    parts = [b"Content-Type: text/plain\r\n\r\nsiehe unten\r\n",
             b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(inner)]
    if film:
        parts.append(b'Content-Type: video/mp4\r\nContent-Disposition: attachment; filename="Film.mp4"\r\n'
                     b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(bytes(film)))
    head = (b"From: chef@example.org\r\nTo: " + OFFICE.encode() + b"\r\nSubject: WG: R\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n')
    return (head + b"".join(b"--B\r\n" + part for part in parts) + b"--B--\r\n").replace(b"\r\n", b"\n").replace(
        b"\n", b"\r\n")


def test_a_forwarded_message_sent_in_base64_keeps_its_return():
    message = parse_message(forwarded_in_base64())

    assert [(item.name, item.data, item.forwarded_from) for item in message.attachments] == [
        ("aim.xlsx", returned("1-05"), "fachkraefte@example.org")]


def test_a_forwarded_message_sent_in_base64_in_a_large_message_keeps_its_return(project, dovecot):
    dovecot.append(forwarded_in_base64(film=31 * 2**20))

    result = collect(project, PASSWORD)

    assert [(row.attachment, row.outcome, row.forwarded_from) for row in result.rows] == [
        ("aim.xlsx", Outcome.SAVED, "fachkraefte@example.org"), ("Film.mp4", Outcome.TOO_LARGE, "")]
    assert files_in(project.inbox) == {"aim.xlsx": returned("1-05")}


def test_outlook_attachment_names_lose_escape_sequences_and_direction_marks(tmp_path):
    from werkstatt_xl.inbox_mail import parse_outlook_message

    path = tmp_path / "boese.msg"
    outlook_message("planung@example.org", "R", [("a\x1b]0;pwned\x07b\u202egpj.xlsx", returned("7-01"))]).save(path)

    [attachment] = parse_outlook_message(path.read_bytes(), path.name).attachments

    assert attachment.name == "a\ufffd]0;pwned\ufffdb\ufffdgpj.xlsx"


@pytest.mark.parametrize("name", ["COM¹.xlsx", "LPT².xlsx", "CONIN$.xlsx", "conout$.xlsx"])
def test_more_windows_device_names_are_renamed(name):
    assert safe_file_name(name, "xlsx") == f"anhang_{name}"


def test_the_log_says_a_message_stays_in_the_mailbox_only_where_it_does(project, dovecot, tmp_path):
    write_settings(project.root, dovecot.port, imap_move_to="Erledigt")
    dovecot.append(mail("planung@example.org", "Mit Bericht", ("R.xlsx", returned("7-01")),
                        ("Bericht.pdf", b"%PDF-1.4 report")).as_bytes(),
                   mail("leer@example.org", "Ohne Anhang").as_bytes())
    folder = tmp_path / "gespeichert"
    folder.mkdir()
    (folder / "leer.eml").write_bytes(mail("leer@example.org", "Gespeichert").as_bytes())

    assert run("collect", "-p", project.root).exit_code == 0
    assert run("collect", "-p", project.root, "--from-folder", folder).exit_code == 0

    reasons = {row.subject: row.reason for row in read_collect_log(collect_log_path(project)) if row.reason}
    assert reasons == {"Mit Bericht": "Keine Tabelle: nicht abgelegt.",
                       "Ohne Anhang": "Die E-Mail hat keinen Anhang. Die E-Mail bleibt im Postfach.",
                       "Gespeichert": "Die E-Mail hat keinen Anhang."}


def test_without_a_terminal_the_password_error_names_the_imap_setting(project, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)

    result = run("collect", "-p", project.root)

    assert f"[mail] imap_user = '{USER}'" in result.output.splitlines()[-1]


def test_a_saved_message_over_30_mb_is_listed_once_with_its_hash(tmp_path):
    from werkstatt_xl.imap import LARGE_MESSAGE
    from werkstatt_xl.round import collect_from_folder

    project = init_project(tmp_path / "runde", example=True)
    folder = tmp_path / "gespeichert"
    folder.mkdir()
    large = mail("planung@example.org", "Groß", ("R.xlsx", returned("7-01")), ("film.pdf", os.urandom(LARGE_MESSAGE)))
    data = large.as_bytes()
    (folder / "gross.eml").write_bytes(data)

    first = collect_from_folder(project, folder)
    second = collect_from_folder(project, folder)

    [row] = read_collect_log(collect_log_path(project))
    assert (row.outcome, row.message_sha256, row.subject) == (Outcome.TOO_LARGE, hashlib.sha256(data).hexdigest(), "Groß")
    assert (len(first.listed), second.known, second.listed) == (1, 1, [])


def test_a_uid_whose_message_changed_size_is_fetched_again(project, dovecot):
    dovecot.append(*numbered(range(2)))
    first = collect(project, PASSWORD)
    log = collect_log_path(project)
    rows = log.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].endswith(",nachricht_bytes") and first.messages == 2
    log.write_text("\n".join([rows[0], rows[1].rsplit(",", 1)[0] + ",1", *rows[2:]]) + "\n", encoding="utf-8")

    second = collect(project, PASSWORD)

    assert (second.messages, second.known, [row.outcome for row in second.rows]) == (1, 1, [Outcome.KNOWN])
    assert files_in(project.inbox) == {f"R{number}.xlsx": tiny_workbook(number) for number in range(2)}
