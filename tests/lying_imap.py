"""A tiny IMAP server on 127.0.0.1 that lies, for what Dovecot never does: it answers each command with the
responses given, whatever was asked, and closes the connection after the FETCH of message bodies."""

from __future__ import annotations

import socket
import socketserver
import threading
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def lying_server(uidvalidity: bytes = b"7", size: bytes = b"100", literal: int = 100) -> Iterator[int]:
    """A server (its port) whose folder says UIDVALIDITY ``uidvalidity`` and holds one message of size
    ``size`` (RFC822.SIZE), and which then announces a body of ``literal`` bytes but sends only a few."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] liar ready\r\n")
            for line in self.rfile:
                tag, _, command = line.decode("ascii", "replace").strip().partition(" ")
                command = command.upper()
                if command.startswith("LOGIN") or command.startswith("CAPABILITY"):
                    self.wfile.write(b"* CAPABILITY IMAP4rev1\r\n")
                elif command.startswith("SELECT") or command.startswith("EXAMINE"):
                    self.wfile.write(b"* 1 EXISTS\r\n* OK [UIDVALIDITY " + uidvalidity + b"] UIDs valid\r\n")
                elif command.startswith("UID FETCH 1:*"):
                    self.wfile.write(b"* 1 FETCH (UID 1 RFC822.SIZE " + size + b")\r\n")
                elif command.startswith("UID FETCH"):
                    self.wfile.write(b"* 1 FETCH (UID 1 BODY[] {%d}\r\n" % literal + b"x" * 1000)
                    self.wfile.flush()
                    self.request.shutdown(socket.SHUT_RDWR)
                    return
                elif command.startswith("LOGOUT"):
                    self.wfile.write(b"* BYE\r\n" + tag.encode() + b" OK LOGOUT\r\n")
                    return
                self.wfile.write(tag.encode() + b" OK done\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
