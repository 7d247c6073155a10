"""A whole round by e-mail, as the README tells it, against real servers on 127.0.0.1: invitations sent over
SMTP (aiosmtpd), returns arriving in the office's mailbox (Dovecot), ``collect`` + ``merge`` with no hand
work, a correction request for the return with problems, the corrected return collected and merged, and
reminders for exactly the Werkzeug still missing."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pytest
import test_mail
from imap_server import PASSWORD, USER
from test_mail import attachments, run, write_round

from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.round import load_project, read_register

smtp_server = test_mail.smtp_server
"""``start() -> Inbox``: a real SMTP server on 127.0.0.1."""
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

OFFICE = "demografie@example.org"
IMAP_PASSWORD_ENV = "WXL_TEST_IMAP_PASSWORD"


def new_round(tmp_path: Path, smtp_port: int, imap_port: int):
    """The small round of test_mail (W1, W2 with two addresses, W3, and W4 without any), with the office's
    mailbox in Dovecot."""
    root = tmp_path / "runde"
    write_round(root, sender=f"Demografiewerkstatt Kreis Düren <{OFFICE}>", smtp_port=smtp_port, imap_host="127.0.0.1",
                imap_port=imap_port, imap_security="none", imap_user=USER, imap_password_env=IMAP_PASSWORD_ENV)
    return load_project(root)


def reply(received: EmailMessage, sender: str, fill: dict[str, dict[str, object]], folder: Path) -> bytes:
    """The department's answer to ``received``: each attached questionnaire named in ``fill`` (file ->
    answers) filled in and sent back to the office."""
    answer = EmailMessage()
    answer["From"], answer["To"] = sender, OFFICE
    answer["Subject"] = f"AW: {received['Subject']}"
    answer["Date"], answer["Message-ID"] = formatdate(localtime=True), make_msgid(domain="example.org")
    answer["In-Reply-To"] = received.get("Message-ID", "")
    answer.set_content("Anbei der ausgefüllte Fragebogen.\n")
    for name, data in attachments(received).items():
        if name in fill:
            source, filled = folder / f"leer-{name}", folder / name
            source.write_bytes(data)
            fill_questionnaire(source, fill[name], filled)
            answer.add_attachment(filled.read_bytes(), "application",
                                  "vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=name)
    return answer.as_bytes()


def sent_to(smtp, start: int, address: str) -> list[EmailMessage]:
    """What the SMTP server received for ``address`` from its ``start``-th message on."""
    return [message for message, recipients in zip(smtp.messages[start:], smtp.recipients[start:])
            if recipients == [address]]


def statuses(project) -> dict[str, str]:
    return dict(read_register(project)[["werkzeug_id", "status"]].itertuples(index=False, name=None))


def test_a_round_by_mail_needs_no_hand_work(tmp_path, smtp_server, dovecot, monkeypatch):
    monkeypatch.setenv(IMAP_PASSWORD_ENV, PASSWORD)
    smtp = smtp_server()
    project = new_round(tmp_path, smtp.port, dovecot.port)
    assert run("generate", "-p", project.root).exit_code == 0
    departments = tmp_path / "fachaemter"
    departments.mkdir()

    invited = run("mail", "-p", project.root, "--send")

    assert invited.exit_code == 0, invited.output
    assert sorted(address for [address] in smtp.recipients) == [
        "gesundheit@example.org", "kultur@example.org", "schule@example.org"]
    [to_schule], [to_kultur] = sent_to(smtp, 0, "schule@example.org"), sent_to(smtp, 0, "kultur@example.org")
    schule_file, kultur_file = sorted(attachments(to_schule))
    assert list(attachments(to_kultur)) == [kultur_file]

    # Schule answers W1 properly; Kultur sends W2 back with its required answer missing and an answer that
    # is no choice; Gesundheit (W3) does not answer; W4 has no address.
    dovecot.append(reply(to_schule, "schule@example.org", {schule_file: {"umsetzung": "Ja"}}, departments),
                   reply(to_kultur, "kultur@example.org", {kultur_file: {"erfolg": "Super"}}, departments))

    collected = run("collect", "-p", project.root)
    merged = run("merge", "-p", project.root)

    assert collected.exit_code == 0 and merged.exit_code == 0, collected.output + merged.output
    assert sorted(path.name for path in project.inbox.iterdir()) == sorted([schule_file, kultur_file])
    assert statuses(project) == {"W1": "eingegangen", "W2": "mit Problemen", "W3": "offen", "W4": "offen"}
    sent = len(smtp.recipients)

    corrections = run("mail", "-p", project.root, "--corrections", "--send")

    assert corrections.exit_code == 0, corrections.output
    assert sorted(address.casefold() for [address] in smtp.recipients[sent:]) == [
        "kultur@example.org", "schule@example.org"]  # W2's two addresses
    for request in smtp.messages[sent:]:
        assert list(attachments(request).values()) == [(project.inbox / kultur_file).read_bytes()]
    [request] = sent_to(smtp, sent, "kultur@example.org")

    # Kultur corrects its own file, attached to the request, and sends it back.
    [attached] = attachments(request)
    dovecot.append(reply(request, "kultur@example.org", {attached: {"umsetzung": "Ja", "erfolg": "Hoch"}},
                         departments))

    assert run("collect", "-p", project.root).exit_code == 0
    assert run("merge", "-p", project.root).exit_code == 0
    assert statuses(project) == {"W1": "eingegangen", "W2": "eingegangen", "W3": "offen", "W4": "offen"}
    sent = len(smtp.recipients)
    assert run("mail", "-p", project.root, "--corrections", "--send").exit_code == 0
    assert len(smtp.recipients) == sent  # nothing left to correct

    reminded = run("mail", "-p", project.root, "--reminder", "--send")

    assert reminded.exit_code == 0, reminded.output
    assert smtp.recipients[sent:] == [["gesundheit@example.org"]]
    assert "have no e-mail address and are in no e-mail" in reminded.output
    assert "  W4 (row 5): Telenotarzt\n" in reminded.output
    assert dovecot.count() == 3  # nothing deleted from the mailbox
