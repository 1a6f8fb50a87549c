"""Demo data for `make run`: the tenant regio-noord with one account per role."""
from __future__ import annotations

from sqlalchemy import func, select

from saas.auth import service as accounts
from saas.auth.models import User
from tenants import service
from tenants.models import Role

DEMO_PASSWORD = "koers-demo"
DEMO_SLUG = "regio-noord"
MUNICIPALITIES = [
    ("AAL", "Gemeente Aaldersum"),
    ("BEE", "Gemeente Beekhoven"),
    ("CUR", "Gemeente Curwolde"),
]
# (e-mail, name, roles, legacy organisation code)
ACCOUNTS = [
    ("admin@demo.example.org", "Anna de Vries", [Role.ADMIN], None),
    ("management@demo.example.org", "Mark Jansen", [Role.MANAGEMENT], "AAL"),
    ("sponsor@demo.example.org", "Sanne Bakker", [Role.SPONSOR, Role.MEMBER], "BEE"),
    ("member@demo.example.org", "Mo El Amrani", [Role.MEMBER], "CUR"),
    ("works-council@demo.example.org", "Wim Visser", [Role.WORKS_COUNCIL, Role.MEMBER], "AAL"),
    ("consultant@demo.example.org", "Carla Smit", [Role.CONSULTANT], None),
]


def demo_exists(db=None) -> bool:
    from saas.db import session
    from tenants.models import Tenant

    db = db or session()
    return db.scalar(select(Tenant.id).where(Tenant.slug == DEMO_SLUG)) is not None


def seed(*, only_if_empty: bool = True, db=None) -> list[tuple[str, list[str]]]:
    """Create the demo tenant; returns the accounts made, or [] when the database was not empty."""
    from saas.db import session

    db = db or session()
    if only_if_empty and db.scalar(select(func.count()).select_from(User)):
        return []
    users = {}
    for email, name, _roles, _org in ACCOUNTS:
        users[email] = accounts.find_user(db, email) or accounts.register(
            db, email=email, name=name, password=DEMO_PASSWORD, locale=None)
    admin = users[ACCOUNTS[0][0]]
    service.create_tenant(db, admin, name="Sociale Dienst Regio Noord", slug=DEMO_SLUG, country="NL",
                          language="nl")
    orgs = {code: service.add_legacy_org(db, code=code, name=name) for code, name in MUNICIPALITIES}
    for email, _name, roles, org_code in ACCOUNTS[1:]:
        service.add_member(db, users[email], roles, orgs[org_code].id if org_code else None)
    db.commit()
    return [(email, [str(r) for r in roles]) for email, _n, roles, _o in ACCOUNTS]
