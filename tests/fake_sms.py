"""A fake SMS provider on loopback: a small real HTTP server in a thread that takes messages as the Dutch
providers' JSON APIs do (saas/kernel/sms.py), checks the API key, and keeps every request it answered.

`received` holds what a phone would have got: one entry per accepted request, with the number, the text,
the sender and the reference. `requests` holds every request, refused ones too. `down()` makes the port
refuse connections (the provider is away) and `up()` listens again on the same port; `fail_next(status)`
answers the next request(s) with an error instead. State survives going down and up.
"""
from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.services import free_port

API_KEY = "sms_test_koers_fake"
SENDER = "Koers"
PATH = "/v1/messages"


@dataclass(frozen=True)
class Message:
    number: str
    text: str
    sender: str
    reference: str


class FakeSms:
    def __init__(self, api_key: str = API_KEY):
        self.api_key = api_key
        self.port = free_port()
        self.server: ThreadingHTTPServer | None = None
        self.lock = threading.Lock()
        self.reset()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def up(self) -> "FakeSms":
        if self.server is None:
            self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
            self.server.daemon_threads = True
            threading.Thread(target=self.server.serve_forever, name="fake-sms", daemon=True).start()
        return self

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def reset(self) -> None:
        with self.lock:
            self.received: list[Message] = []
            self.requests: list[dict] = []
            self.failures: list[int] = []
            self.ids = itertools.count(1)

    def fail_next(self, status: int, times: int = 1) -> None:
        with self.lock:
            self.failures.extend([status] * times)

    def to(self, number: str) -> list[Message]:
        with self.lock:
            return [m for m in self.received if m.number == number]

    def settings(self) -> dict:
        """The Koers settings that point SMS at this fake."""
        return dict(sms_provider_url=self.url, sms_api_key=self.api_key, sms_sender=SENDER)

    def environment(self) -> dict:
        """The same, as environment variables (for a `koers worker` process)."""
        return {"SMS_PROVIDER_URL": self.url, "SMS_API_KEY": self.api_key, "SMS_SENDER": SENDER}

    def handle(self, headers, body: bytes) -> tuple[int, dict]:
        with self.lock:
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                data = None
            self.requests.append({"authorization": headers.get("Authorization"), "json": data})
            if headers.get("Authorization") != f"Bearer {self.api_key}":
                return 401, {"error": "invalid API key"}
            if self.failures:
                status = self.failures.pop(0)
                # as some providers do, the refusal echoes what was sent: Koers must keep none of it
                return status, {"error": f"failing on purpose with {status}", "request": data}
            if not isinstance(data, dict) or not isinstance(data.get("recipients"), list) or not data.get("body"):
                return 422, {"error": "recipients and body are required"}
            for number in data["recipients"]:
                self.received.append(Message(number, data["body"], data.get("originator", ""),
                                             data.get("reference", "")))
            return 201, {"id": f"msg_{next(self.ids)}", "recipients": len(data["recipients"])}


def _handler(fake: FakeSms):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = fake.handle(self.headers, body) if self.path == PATH else (404, {"error": "not found"})
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")  # no kept-alive connection outlives `down()`
            self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


_shared: FakeSms | None = None


def shared_fake() -> FakeSms:
    """One fake per test session (started on first use), emptied by the test's fixture."""
    global _shared
    if _shared is None:
        _shared = FakeSms().up()
    return _shared
