"""A real IMAP server for the tests: Dovecot on a free port of 127.0.0.1, with a throw-away configuration,
user and maildir. Messages are delivered with IMAP APPEND, as any mail client files them."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER, PASSWORD = "buero", "geheim-ä1"
"""The mailbox's login; the password has an umlaut, which LOGIN cannot send."""
DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{root}/mail
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dovecot:
    """One Dovecot: ``start()``, ``stop()`` (its connections end with it), ``append()`` messages."""

    def __init__(self):
        # outside pytest's private temporary folders: Dovecot's mail user must reach the maildir
        self.root = Path(tempfile.mkdtemp(prefix="wxl-dovecot-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        if os.getuid() == 0:  # Dovecot refuses to deliver mail as root
            mail_user = pwd.getpwnam("dovecot" if _user_exists("dovecot") else "nobody")
            login_user = "dovenull" if _user_exists("dovenull") else mail_user.pw_name
        else:
            mail_user = pwd.getpwuid(os.getuid())
            login_user = mail_user.pw_name
        os.chmod(self.root, 0o755)
        for folder in ("mail", "home"):
            (self.root / folder).mkdir()
            os.chown(self.root / folder, mail_user.pw_uid, mail_user.pw_gid)
        (self.root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
        (self.root / "dovecot.conf").write_text(CONFIG.format(
            root=self.root, port=self.port, uid=mail_user.pw_uid, gid=mail_user.pw_gid, login_user=login_user),
            encoding="utf-8")

    def start(self) -> "Dovecot":
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Dovecot ended: {self.process.stderr.read().decode()} {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"Dovecot did not listen on {self.port}: {self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def drop_connections(self) -> int:
        """Kill the server's processes that serve logged-in clients: their connections break off mid-way,
        as when the server crashes; the server itself goes on. How many were killed."""
        killed = 0
        for pid in _descendants(self.process.pid):
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "imap":
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
            except OSError:  # ended meanwhile
                pass
        return killed

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def connect(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        connection.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
        return connection

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        connection = self.connect()
        try:
            connection.create(folder)
            for message in messages:
                status, response = connection.append(folder, None, None, message)
                assert status == "OK", response
        finally:
            connection.logout()

    def count(self, folder: str = "INBOX") -> int:
        connection = self.connect()
        try:
            status, response = connection.select(f'"{folder}"', readonly=True)
            return int(response[0]) if status == "OK" else 0
        finally:
            connection.logout()


def _descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (Linux)."""
    try:
        children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split()]
    except OSError:
        return []
    return children + [grandchild for child in children for grandchild in _descendants(child)]


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
