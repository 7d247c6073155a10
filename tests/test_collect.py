"""collect: returns from a real IMAP server (Dovecot on 127.0.0.1) and from saved messages into eingang/."""

from __future__ import annotations

import hashlib
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
from imap_server import PASSWORD, USER
from ingest_files import write_compressed_parts

from werkstatt_xl.cli import main
from werkstatt_xl.errors import CollectError
from werkstatt_xl.inbox_mail import (
    COLLECT_LOG_FIELDS,
    Outcome,
    parse_message,
    read_collect_log,
    safe_file_name,
)
from werkstatt_xl.messages import Code
from werkstatt_xl.resources import example_path
from werkstatt_xl.round import collect, collect_log_path, generate, init_project, load_project, merge, read_problems

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
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", f"<workbook n='{number}'/>")
    return buffer.getvalue()


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
    before = everything_under(project.root)

    result = run("collect", "-p", project.root)

    assert result.exit_code == 0, result.output
    inbox = files_in(project.inbox)
    assert inbox == {"7-01 Familienbefragung.xlsx": returned("7-01"), "aim.xlsx": returned("1-05"),
                     "4-03.xlsx": returned("4-03"), "1-07.xlsx": returned("1-07"), "x_[31m.xlsx": returned("1-01")}
    log = collect_log_path(project)
    assert everything_under(project.root) - before == {project.inbox / name for name in inbox} | {log}
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
    assert "bildung@example.org, „Unser Bericht“: Bericht.pdf: kein Fragebogen." in result.output
    assert "leer@example.org, „Ohne Anhang“: -: ohne Anhang." in result.output
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
