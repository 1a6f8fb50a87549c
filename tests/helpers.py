"""Helpers that let tests read like a user's story: log in, fill a form, follow the mail."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from html.parser import HTMLParser

from flask.testing import FlaskClient
from sqlalchemy import select

from saas.auth.service import hash_password, use_test_hashing
from saas.kernel.outbox import OutboundMail
from saas.administration import service
from tenants.scoping import set_scope

PASSWORD = "correct horse battery"
use_test_hashing()  # as every app the tests make (KOERS_ENV=test) hashes
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once for every account the tests make
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


class KoersClient(FlaskClient):
    """A test client that fetches a CSRF token the way a browser has one: from a page."""

    def csrf_token(self, page: str = "/login") -> str:
        html = self.get(page).get_data(as_text=True)
        match = CSRF.search(html)
        if not match:
            html = self.get("/account").get_data(as_text=True)
            match = CSRF.search(html)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        """POST a form as a browser would after showing `page` (default: the form's own URL)."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(page or url))
        return self.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = PASSWORD):
        response = self.submit("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def form_on(self, url: str, action: str | None = None) -> dict[str, list[str]]:
        """What a browser would post from the form on `url` (the one posting to `action`) when the user
        changes nothing: text fields as filled, the options shown as selected (else the first), the boxes ticked.
        Tests then change only what a user would fill in, so a value the page cannot send back is caught."""
        reader = _FormReader(url, action or url)
        reader.feed(self.text(url))
        assert reader.found, f"no form posting to {action or url} on {url}"
        return reader.values

    def text(self, url: str, expect: int = 200) -> str:
        response = self.get(url)
        assert response.status_code == expect, (url, response.status_code)
        return response.get_data(as_text=True)


class _FormReader(HTMLParser):
    def __init__(self, page: str, action: str):
        super().__init__()
        self.page, self.action, self.found, self.inside, self.values = page, action, False, False, {}
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.found and a.get("method", "get").lower() == "post" \
                and (a.get("action") or self.page) == self.action:
            self.found = self.inside = True
        elif not self.inside or "disabled" in a:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.values.setdefault(a["name"], []).append(a.get("value", "on" if a.get("type") else ""))
        elif tag == "textarea" and a.get("name"):
            self.values.setdefault(a["name"], []).append("")
            self._textarea = a["name"]
        elif tag == "select" and a.get("name"):
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.values[self._select] = chosen
            self._select = None


def signed_in(app, email: str, password: str = PASSWORD) -> KoersClient:
    """A fresh test client (its own cookies) logged in as `email`: one user in a story of several."""
    client = app.test_client()
    client.login(email, password)
    return client


def wait_for(check, timeout: float = 30.0, what: str = "the worker"):
    """Poll `check` until it returns something true (and return that), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"{what} did not get there in {timeout} s (see the worker logs in test-artifacts/)")


class Factory:
    """Creates data through the same services the app uses."""

    def __init__(self, app, database):
        self.app = app
        self.database = database

    @contextmanager
    def session(self, tenant_id=None, *, platform: bool = False):
        """A session of the app role scoped to `tenant_id`; `platform=True`: of the platform role, for
        `cross_tenant` (tenants.scoping)."""
        with self.app.app_context():
            with (self.database.PlatformSession if platform else self.database.Session)() as db:
                set_scope(db, tenant_id=tenant_id)
                yield db
                db.commit()

    def user(self, email: str, name: str | None = None, locale: str | None = None, verified: bool = True):
        """An account whose address is confirmed, as anyone's is after the sign-up link (verified=False: not yet)."""
        from saas.auth.models import User
        from saas.kernel.db import utcnow

        with self.session() as db:
            user = User(email=email, name=name or email.split("@")[0].title(), password_hash=_PASSWORD_HASH,
                        locale=locale, email_verified_at=utcnow() if verified else None)
            db.add(user)
            db.flush()
            return user

    def tenant(self, slug: str, admin_email: str | None = None, *, legacy_orgs=("AAL", "BEE", "CUR"),
               name: str | None = None, language: str = "en"):
        """A tenant with an admin and legacy organisations; returns a small record of ids."""
        admin_email = admin_email or f"admin@{slug}.example.org"
        with self.session() as db:
            from saas.auth.service import find_user

            admin = find_user(db, admin_email)
        admin = admin or self.user(admin_email)
        with self.session() as db:
            tenant = service.create_tenant(db, admin, name=name or f"Organisation {slug}", slug=slug,
                                           country="NL", language=language)
            orgs = [service.add_legacy_org(db, code=code, name=f"Gemeente {code.title()} ({slug})")
                    for code in legacy_orgs]
            record = TenantRecord(id=tenant.id, slug=slug, name=tenant.name, admin_email=admin_email,
                                  legacy_org_ids=[o.id for o in orgs])
        return record

    def member(self, tenant, email: str, roles=("member",), legacy_org_id=None, name: str | None = None):
        from saas.auth.service import find_user

        with self.session() as db:
            user = find_user(db, email)
        user = user or self.user(email, name=name)
        with self.session(tenant.id) as db:
            membership = service.add_member(db, user, list(roles), legacy_org_id)
            return membership.id

    def mails_to(self, email: str) -> list[OutboundMail]:
        with self.session(platform=True) as db:  # a tenant's mails are its own (row-level security, 0042)
            return list(db.scalars(select(OutboundMail).where(OutboundMail.recipient == email)
                                   .order_by(OutboundMail.id)))


class TenantRecord:
    def __init__(self, **values):
        self.__dict__.update(values)


def link_in(body: str) -> str:
    """The path of the first link in a mail, as the test client needs it."""
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


def works_council(db):
    """A member of the works council of the tenant `db` is scoped to (made the first time): who records
    the works council's consent on a wave or a pulse check (saas.kernel.consent)."""
    from saas.auth.models import User
    from tenants.models import Membership, MembershipRole
    from tenants.scoping import current_tenant_id

    found = db.scalar(select(Membership).join(MembershipRole, MembershipRole.membership_id == Membership.id)
                      .where(MembershipRole.role == "works_council").order_by(Membership.id).limit(1))
    if found is not None:
        return found
    email = f"works-council-{current_tenant_id(db)}@example.org"
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name="Works council member", password_hash=_PASSWORD_HASH)
        db.add(user)
        db.flush()
    return service.add_member(db, user, ["works_council"], None)
