"""A real IMAP server for the tests: Dovecot on a free port of 127.0.0.1, with a throw-away configuration,
user and maildir. Messages are delivered with IMAP APPEND, as any mail client files them."""

from __future__ import annotations

import http.server
import imaplib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
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
{tls}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
default_login_user = {login_user}
default_internal_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{root}/mail
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
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
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
"""
OAUTH2 = """\
tokeninfo_url = http://127.0.0.1:{port}/tokeninfo?access_token=
username_attribute = username
active_attribute = active
active_value = true
"""
TOKEN = "ya29.test-token"
"""The one OAuth 2.0 access token the server's token service accepts (for USER)."""


class _TokenInfo(http.server.BaseHTTPRequestHandler):
    """An OAuth 2.0 token service as Dovecot asks it: valid for :data:`TOKEN` only."""

    def do_GET(self):
        valid = self.path.endswith(f"access_token={TOKEN}")
        body = json.dumps({"username": USER, "active": "true"} if valid else {"error": "invalid_token"}).encode()
        self.send_response(200 if valid else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dovecot:
    """One Dovecot: ``start()``, ``stop()`` (its connections end with it), ``append()`` messages."""

    def __init__(self, certificate: tuple[Path, Path] | None = None):
        """``certificate`` (certificate and key, PEM files): offer STARTTLS on :attr:`port` and TLS on :attr:`tls_port`."""
        # outside pytest's private temporary folders: Dovecot's mail user must reach the maildir
        self.root = Path(tempfile.mkdtemp(prefix="wxl-dovecot-"))
        self.port, self.tls_port = free_port(), (free_port() if certificate else 0)
        self.process: subprocess.Popen | None = None
        self.tokens = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TokenInfo)
        threading.Thread(target=self.tokens.serve_forever, daemon=True).start()
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
        tls = f"ssl = yes\nssl_cert = <{certificate[0]}\nssl_key = <{certificate[1]}" if certificate else "ssl = no"
        (self.root / "dovecot.conf").write_text(CONFIG.format(
            root=self.root, port=self.port, tls_port=self.tls_port, tls=tls, uid=mail_user.pw_uid,
            gid=mail_user.pw_gid, login_user=login_user), encoding="utf-8")
        (self.root / "oauth2.conf.ext").write_text(OAUTH2.format(port=self.tokens.server_address[1]), encoding="utf-8")

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
        self.tokens.shutdown()
        self.tokens.server_close()
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
