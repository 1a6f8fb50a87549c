"""A fake Stripe API on loopback, for the real `stripe` library (pointed at it by STRIPE_API_BASE).

Hand-written rather than `localstripe` (checked with localstripe 1.15.10, stripe 16.1.0, Python 3.11;
README, "Tests"): of the six calls billing/stripe_api.py makes, localstripe answers two as Stripe does
(`POST /v1/customers` and `POST /v1/invoices/create_preview`) and not the other four:
Checkout sessions and portal sessions are 404, a subscription item knows only legacy plans (no prices:
`items[][price]` is refused, `/v1/prices` is 404, an item has `plan` where billing reads `price`), a
quantity change with `proration_behavior` is a 500, and a trial without a card starts `incomplete`.
Nor does it honour idempotency keys (the same key makes a second customer) or refuse to change a
canceled subscription, which the tests check. Splitting the calls over two fakes would leave the
customer on one and its checkout on the other, so every call goes here. The tests also need what a
general fake does not give: to go unreachable and come back on the same port (connection refused, as
when Stripe is down), to see every request with its idempotency key, and to make things happen on
Stripe's side (a checkout completed, a payment failed, paid, a subscription canceled) and get the
events Stripe would send, to sign and deliver in any order.

State lives in `FakeStripe.state`, apart from the HTTP server, so it survives going down and up.
Objects are shaped as Stripe's current API has them (the item carries `current_period_end`, an
invoice names its subscription under `parent.subscription_details`).
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.services import free_port

SECRET_KEY = "sk_test_koers_fake"
WEBHOOK_SECRET = "whsec_test_koers_fake"
PRICE_ORGANISATION = "price_organisation_monthly"
PRICE_CLIENT = "price_consultancy_client_monthly"
PRICES = {PRICE_ORGANISATION: 9900, PRICE_CLIENT: 4900}  # cents per month
API_VERSION = "2026-10-28.endive"
MONTH = 30 * 24 * 3600


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header, exactly as Stripe makes it: t=<ts>,v1=HMAC_SHA256(secret, "<ts>.<body>")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class Request:
    def __init__(self, method, path, params, idempotency_key):
        self.method, self.path, self.params, self.idempotency_key = method, path, params, idempotency_key

    def __repr__(self):
        return f"<{self.method} {self.path} {self.params} key={self.idempotency_key}>"


class FakeStripe:
    def __init__(self, secret_key: str = SECRET_KEY):
        self.secret_key = secret_key
        self.port = free_port()
        self.server: ThreadingHTTPServer | None = None
        self.lock = threading.RLock()
        self.reset()

    # ---- the server ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeStripe":
        return self.up()

    def up(self) -> "FakeStripe":
        """Listen (again) on the same port."""
        if self.server is None:
            self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
            self.server.daemon_threads = True
            threading.Thread(target=self.server.serve_forever, name="fake-stripe", daemon=True).start()
        return self

    def down(self) -> None:
        """Unreachable: nothing listens on the port any more (connection refused)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    stop = down

    @property
    def reachable(self) -> bool:
        return self.server is not None

    def reset(self) -> None:
        with self.lock:
            self.objects: dict[str, dict] = {}
            self.requests: list[Request] = []
            self.idempotent: dict[str, tuple[int, dict]] = {}
            self.counter = itertools.count(1)
            self.failures: list[tuple[int, dict]] = []

    def settings(self, **overrides) -> dict:
        """The Koers settings that point billing at this fake."""
        values = dict(stripe_secret_key=self.secret_key, stripe_webhook_secret=WEBHOOK_SECRET,
                      stripe_price_organisation=PRICE_ORGANISATION, stripe_price_consultancy_client=PRICE_CLIENT,
                      stripe_api_base=self.url)
        values.update(overrides)
        return values

    def environment(self) -> dict:
        """The same, as environment variables (for a `koers worker` process)."""
        return {"STRIPE_SECRET_KEY": self.secret_key, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "STRIPE_PRICE_ORGANISATION": PRICE_ORGANISATION, "STRIPE_PRICE_CONSULTANCY_CLIENT": PRICE_CLIENT,
                "STRIPE_API_BASE": self.url}

    def fail_next(self, status: int, message: str, times: int = 1, *, error_type: str | None = None,
                  code: str | None = None) -> None:
        """The next `times` requests are answered with `status` and Stripe's error body (a 500 or a 429
        as when Stripe has trouble, a 400 as when it refuses), whatever they ask."""
        error = {"type": error_type or ("api_error" if status >= 500 else "invalid_request_error"), "message": message}
        if code:
            error["code"] = code
        with self.lock:
            self.failures.extend([(status, {"error": error})] * times)

    # ---- what tests look at ----------------------------------------------------------------

    def get(self, object_id: str) -> dict:
        with self.lock:
            return copy.deepcopy(self.objects[object_id])

    def of_kind(self, kind: str) -> list[dict]:
        with self.lock:
            return [copy.deepcopy(o) for o in self.objects.values() if o["object"] == kind]

    def calls(self, method: str, pattern: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def quantity(self, subscription_id: str) -> int:
        return self.get(subscription_id)["items"]["data"][0]["quantity"]

    # ---- things that happen on Stripe's side, with the events Stripe would send ---------------

    def complete_checkout(self, session_id: str) -> list[dict]:
        """The customer paid on the Checkout page: a subscription starts. Events in Stripe's usual order."""
        with self.lock:
            session = self.objects[session_id]
            item = session["line_items"][0]
            data = session.get("subscription_data") or {}
            trial_end = int(data["trial_end"]) if data.get("trial_end") else None
            now = int(time.time())
            subscription = self._new("sub", {
                "object": "subscription", "customer": session["customer"],
                "status": "trialing" if trial_end else "active", "metadata": dict(data.get("metadata") or {}),
                "cancel_at_period_end": False, "canceled_at": None, "ended_at": None, "trial_end": trial_end,
                "created": now, "latest_invoice": None,
                "items": {"object": "list", "has_more": False, "data": [self._new("si", {
                    "object": "subscription_item", "price": self._price(item["price"]),
                    "quantity": int(item.get("quantity", 1)), "current_period_start": now,
                    "current_period_end": trial_end or now + MONTH})]},
            })
            invoice = self._invoice(subscription, "paid", amount=0 if trial_end else None)
            session.update(status="complete", subscription=subscription["id"], payment_status="paid")
            return [self.event("customer.subscription.created", subscription), self.event("invoice.paid", invoice),
                    self.event("checkout.session.completed", session)]

    def fail_payment(self, subscription_id: str) -> list[dict]:
        with self.lock:
            subscription = self.objects[subscription_id]
            subscription["status"] = "past_due"
            invoice = self._invoice(subscription, "open")
            return [self.event("invoice.payment_failed", invoice),
                    self.event("customer.subscription.updated", subscription)]

    def pay(self, subscription_id: str) -> list[dict]:
        with self.lock:
            subscription = self.objects[subscription_id]
            subscription["status"] = "active"
            invoice = self._invoice(subscription, "paid")
            return [self.event("invoice.paid", invoice), self.event("customer.subscription.updated", subscription)]

    def cancel(self, subscription_id: str) -> list[dict]:
        with self.lock:
            subscription = self.objects[subscription_id]
            now = int(time.time())
            subscription.update(status="canceled", canceled_at=now, ended_at=now)
            return [self.event("customer.subscription.deleted", subscription)]

    def event(self, event_type: str, obj: dict) -> dict:
        """An event as Stripe sends it, with a snapshot of the object at this moment."""
        with self.lock:
            return self._new("evt", {"object": "event", "api_version": API_VERSION, "created": int(time.time()),
                                     "type": event_type, "livemode": False, "pending_webhooks": 1,
                                     "data": {"object": copy.deepcopy(obj)}})

    # ---- the API ---------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict, key: str | None) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(Request(method, path, params, key))
            if self.failures:
                return copy.deepcopy(self.failures.pop(0))
            if key and (method, path, key) in self.idempotent:
                return self.idempotent[(method, path, key)]
            status, body = self._route(method, path, params)
            if key and method == "POST" and status < 500:
                self.idempotent[(method, path, key)] = (status, copy.deepcopy(body))
            return status, copy.deepcopy(body)

    def _route(self, method, path, params):
        if method == "POST" and path == "/v1/customers":
            return 200, self._new("cus", {"object": "customer", "name": params.get("name"), "email": params.get("email"),
                                          "metadata": params.get("metadata") or {}})
        if method == "POST" and path == "/v1/checkout/sessions":
            missing = [p for p in ("mode", "customer", "line_items", "success_url", "cancel_url") if not params.get(p)]
            if missing or params["customer"] not in self.objects:
                return _error(400, f"missing or unknown: {missing or ['customer']}")
            if any(line.get("price") not in PRICES or int(line.get("quantity", 1)) < 1 for line in params["line_items"]):
                return _error(400, "unknown price or bad quantity")
            session = self._new("cs_test", {
                "object": "checkout.session", "mode": params["mode"], "customer": params["customer"],
                "client_reference_id": params.get("client_reference_id"), "metadata": params.get("metadata") or {},
                "line_items": params["line_items"], "subscription_data": params.get("subscription_data") or {},
                "success_url": params["success_url"], "cancel_url": params["cancel_url"], "status": "open",
                "payment_status": "unpaid", "subscription": None,
            })
            session["url"] = f"{self.url}/checkout/{session['id']}"
            return 200, session
        if method == "POST" and path == "/v1/billing_portal/sessions":
            if params.get("customer") not in self.objects:
                return _error(400, "unknown customer")
            portal = self._new("bps", {"object": "billing_portal.session", "customer": params["customer"],
                                       "return_url": params.get("return_url")})
            portal["url"] = f"{self.url}/portal/{portal['id']}"
            return 200, portal
        if method == "POST" and path == "/v1/invoices/create_preview":
            subscription = self.objects.get(params.get("subscription") or "")
            if subscription is None:
                return _error(400, "unknown subscription")
            item = subscription["items"]["data"][0]
            return 200, {"object": "invoice", "id": None, "customer": subscription["customer"], "currency": "eur",
                         "amount_due": item["price"]["unit_amount"] * item["quantity"],
                         "next_payment_attempt": item["current_period_end"], "period_end": item["current_period_end"]}
        match = re.fullmatch(r"/v1/(customers|subscriptions|checkout/sessions|invoices)/([A-Za-z0-9_]+)", path)
        if match and match.group(2) in self.objects:
            obj = self.objects[match.group(2)]
            if method == "GET":
                return 200, obj
            if method == "POST" and match.group(1) == "subscriptions":
                return self._update_subscription(obj, params)
        return _error(404, f"No such resource: {path}", code="resource_missing")

    def _update_subscription(self, subscription, params):
        if subscription["status"] == "canceled":
            return _error(400, "A canceled subscription can only update its cancellation_details and metadata.")
        for change in params.get("items") or []:
            [item] = [i for i in subscription["items"]["data"] if i["id"] == change.get("id")] or [None]
            if item is None:
                return _error(400, "unknown subscription item")
            if "quantity" in change:
                item["quantity"] = int(change["quantity"])
        if "cancel_at_period_end" in params:
            subscription["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
        return 200, subscription

    def _new(self, prefix: str, values: dict) -> dict:
        obj = {"id": f"{prefix}_{next(self.counter):06d}", **values}
        self.objects[obj["id"]] = obj
        return obj

    def _price(self, price_id: str) -> dict:
        return {"id": price_id, "object": "price", "unit_amount": PRICES[price_id], "currency": "eur",
                "recurring": {"interval": "month"}}

    def _invoice(self, subscription, status, amount=None):
        item = subscription["items"]["data"][0]
        invoice = self._new("in", {
            "object": "invoice", "customer": subscription["customer"], "status": status, "currency": "eur",
            "amount_due": item["price"]["unit_amount"] * item["quantity"] if amount is None else amount,
            "parent": {"type": "subscription_details", "subscription_details": {
                "subscription": subscription["id"], "metadata": dict(subscription["metadata"])}},
        })
        subscription["latest_invoice"] = invoice["id"]
        return invoice


def _error(status: int, message: str, code: str | None = None) -> tuple[int, dict]:
    return status, {"error": {"type": "invalid_request_error", "message": message, **({"code": code} if code else {})}}


def _handler(fake: FakeStripe):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self._answer("GET")

        def do_POST(self):
            self._answer("POST")

        def _answer(self, method):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            url = urlsplit(self.path)
            if self.headers.get("Authorization") != f"Bearer {fake.secret_key}":
                status, payload = _error(401, "Invalid API Key provided")
            else:
                params = _decode(body if method == "POST" else url.query)
                status, payload = fake.handle(method, url.path, params, self.headers.get("Idempotency-Key"))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_{int(time.time() * 1000)}")
            self.send_header("Connection", "close")  # no kept-alive connection outlives `down()`
            self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


def _decode(body: str) -> dict:
    """Stripe's form encoding (`line_items[0][price]=…`) back into nested dicts and lists."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    node = {k: _listify(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


_shared: FakeStripe | None = None


def shared_fake() -> FakeStripe:
    """One fake per test session (started on first use), emptied by the `fake_stripe` fixture per test."""
    global _shared
    if _shared is None:
        _shared = FakeStripe().start()
    return _shared
