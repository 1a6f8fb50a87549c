"""A real SMTP server on loopback (aiosmtpd): the boundary where our mail leaves the machine.

Every mail it accepts is kept, parsed as a mail program would (`email.policy.default`), in `messages`;
the envelope's recipients in `recipients`. `close()` stops it.
"""
from __future__ import annotations

import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from tests.services import free_port


class _Keep:
    def __init__(self, server: "SMTPServer"):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.server.lock:
            self.server.messages.append(message)
            self.server.recipients.append(list(envelope.rcpt_tos))
        return "250 OK queued"


class SMTPServer:
    def __init__(self):
        self.messages = []
        self.recipients: list[list[str]] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port, decode_data=False,
                                      ready_timeout=10)
        self._controller.start()

    def close(self):
        self._controller.stop()
