"""What ``collect`` costs against a real IMAP server (Dovecot on 127.0.0.1, as in the tests).

Usage:  python benchmarks/bench_collect.py [N] [--runs R]      (default: 2000 messages, 3 runs)

Fills a mailbox with N messages, every second one with an example return attached (the others
without attachment), then, R times, in one run each so that the ratio compares like with like on a
shared machine:
  * ``werkstatt-xl collect`` end to end into an empty project (a new process; the log written,
    the returns saved),
  * the baseline: a bare imaplib fetch of every message (``BODY.PEEK[]`` in batches of 100) and
    ``email.message_from_bytes`` of each, in one process, saving nothing,
  * a re-run of collect over the same mailbox, which fetches nothing.
Finally the peak memory of a collect process (``ru_maxrss``) for one message with a 200 MB
attachment beside a return (fetched part by part), and for one with 19 MB attached (about 26 MB as
sent: fetched whole). Needs Dovecot (``apt-get install dovecot-imapd``).
"""

from __future__ import annotations

import imaplib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the Dovecot of the tests

from imap_server import DOVECOT, PASSWORD, USER, Dovecot  # noqa: E402

from werkstatt_xl.resources import example_path  # noqa: E402
from werkstatt_xl.round import init_project  # noqa: E402

PASSWORD_ENV = "WXL_BENCH_IMAP_PASSWORD"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def message(number: int, returns: list[Path], big: bytes = b"") -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"] = f"amt{number % 9}@example.org", "demografie@example.org"
    mail["Subject"] = f"Nr. {number}"
    mail["Message-ID"] = f"<bench-{number}@example.org>"
    mail.set_content("Anbei unser Fragebogen.\n")
    if number % 2:
        source = returns[number % len(returns)]
        mail.add_attachment(source.read_bytes(), *XLSX, filename=f"{number}-{source.name}")
    if big:
        mail.add_attachment(big, *XLSX, filename="Riesig.xlsx")
    return mail.as_bytes()


def project_for(server: Dovecot, folder: Path) -> Path:
    root = folder / "runde"
    shutil.rmtree(root, ignore_errors=True)
    init_project(root, example=True)
    (root / "werkstatt.toml").write_text(
        f'[round]\ntitle = "Bench"\n\n[mail]\nimap_host = "127.0.0.1"\nimap_port = {server.port}\n'
        f'imap_security = "none"\nimap_user = "{USER}"\nimap_password_env = "{PASSWORD_ENV}"\n', encoding="utf-8")
    return root


def run_collect(root: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "werkstatt_xl", "collect", "-p", str(root)], check=True,
                   capture_output=True, env={**os.environ, PASSWORD_ENV: PASSWORD, "LANG": "C"})
    return time.perf_counter() - started


def run_bare_fetch(server: Dovecot) -> float:
    started = time.perf_counter()
    connection = imaplib.IMAP4("127.0.0.1", server.port)
    connection.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
    connection.select("INBOX", readonly=True)
    _, [uids] = connection.uid("SEARCH", None, "ALL")
    uids = uids.split()
    for start in range(0, len(uids), 100):
        _, response = connection.uid("FETCH", b",".join(uids[start:start + 100]).decode(), "(BODY.PEEK[])")
        for piece in response:
            if isinstance(piece, tuple):
                message_from_bytes(piece[1], policy=policy.default)
    connection.logout()
    return time.perf_counter() - started


def peak_memory_of_collect(folder: Path, attached: int) -> float:
    """Megabytes: the largest resident size of a collect process over one message with ``attached`` bytes
    attached beside a return."""
    server = Dovecot().start()
    try:
        returns = sorted((example_path() / "eingang").glob("*.xlsx"))
        server.append(message(1, returns, big=bytes(attached)))
        root = project_for(server, folder)
        probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
                 "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        finished = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "werkstatt_xl", "collect", "-p",
                                   str(root)], check=True, capture_output=True, text=True,
                                  env={**os.environ, PASSWORD_ENV: PASSWORD})
        return int(finished.stdout.split()[-1]) / 1024
    finally:
        server.remove()


def main() -> None:
    arguments = [argument for argument in sys.argv[1:] if not argument.startswith("--")]
    count = int(arguments[0]) if arguments else 2000
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    if DOVECOT is None:
        sys.exit("Dovecot is not installed: apt-get install dovecot-imapd")
    folder = Path(tempfile.mkdtemp(prefix="wxl-bench-collect-"))
    server = Dovecot().start()
    try:
        returns = sorted((example_path() / "eingang").glob("*.xlsx"))
        server.append(*(message(number, returns) for number in range(count)))
        print(f"{count} messages, {count // 2} with a return attached")
        collects, bares, reruns = [], [], []
        for run in range(runs):
            root = project_for(server, folder)
            collects.append(run_collect(root))
            bares.append(run_bare_fetch(server))
            reruns.append(run_collect(root))
            saved = len(list((root / "eingang").iterdir()))
            print(f"run {run + 1}: collect {collects[-1]:.2f} s ({saved} saved), bare fetch {bares[-1]:.2f} s, "
                  f"ratio {collects[-1] / bares[-1]:.1f}x, re-run {reruns[-1]:.2f} s")
        print(f"collect: median {statistics.median(collects):.2f} s, {statistics.median(collects) / count * 1000:.2f} "
              f"ms per message; bare fetch {statistics.median(bares):.2f} s; re-run {statistics.median(reruns):.2f} s")
    finally:
        server.remove()
    for megabytes in (200, 19):
        peak = peak_memory_of_collect(folder, megabytes * 2**20)
        print(f"peak memory of collect with a {megabytes} MB attachment: {peak:.0f} MB")
    print(f"(this benchmark's own peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
