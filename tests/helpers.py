"""Helpers that let tests read like a user's story: log in, fill a form, follow the mail."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager

from flask.testing import FlaskClient
from sqlalchemy import select

from saas.auth.service import hash_password
from saas.kernel.outbox import OutboundMail
from saas.administration import service
from tenants.scoping import set_scope

PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose
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

    def text(self, url: str, expect: int = 200) -> str:
        response = self.get(url)
        assert response.status_code == expect, (url, response.status_code)
        return response.get_data(as_text=True)


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
    def session(self, tenant_id=None):
        with self.app.app_context():
            with self.database.Session() as db:
                set_scope(db, tenant_id=tenant_id)
                yield db
                db.commit()

    def user(self, email: str, name: str | None = None, locale: str | None = None):
        from saas.auth.models import User

        with self.session() as db:
            user = User(email=email, name=name or email.split("@")[0].title(), password_hash=_PASSWORD_HASH,
                        locale=locale)
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
        with self.session() as db:
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
