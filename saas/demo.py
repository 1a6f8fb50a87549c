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
    memberships = {}
    for email, _name, roles, org_code in ACCOUNTS[1:]:
        memberships[email] = service.add_member(db, users[email], roles, orgs[org_code].id if org_code else None)
    _seed_programme(db, memberships, list(orgs.values()))
    db.commit()
    return [(email, [str(r) for r in roles]) for email, _n, roles, _o in ACCOUNTS]


FIRST_NAMES = ["Anouk", "Bram", "Carmen", "Daan", "Eva", "Fatima", "Gijs", "Hanna", "Ilse", "Joost", "Karin",
               "Lars", "Meryem", "Niels", "Olga", "Pieter", "Roos", "Sander", "Tess", "Umut", "Vera", "Wouter",
               "Yara", "Zeynep", "Arjen", "Bianca", "Cor", "Dewi", "Erik", "Floor", "Gerrit", "Hatice", "Iris",
               "Jeroen", "Kim", "Loes", "Mark", "Noor"]
LAST_NAMES = ["Bos", "Dekker", "Hendriks", "Kok", "Meijer", "Mulder", "Peters", "Postma", "Smit", "Veenstra",
              "Wijnberg", "Zwart"]
THEMES = [
    ("Eén loket voor de klant", "Clients tell their story three times, once per former municipality's counter.",
     "The first impression of the new organisation is made at the counter.", "One counter, one story, one answer.",
     "Client first"),
    ("Werk boven uitkering", "Job coaching differs per former municipality, and so do the results.",
     "Work is the best route out of benefits.", "One way of coaching that uses the best of each.", "Client first"),
    ("Samen één werkwijze", "Three ways of handling the same application.", "Staff cannot replace each other.",
     "One process, described together.", "One organisation"),
    ("Ruimte voor vakmanschap", "Staff feel checked rather than trusted.", "Professionals leave.",
     "Room to decide within clear limits.", "Entrepreneurial"),
    ("Digitaal waar het kan", "Paper files travel between three offices.", "Time goes to searching, not to clients.",
     "A digital file, reachable from every office.", "Entrepreneurial"),
]
# (theme index, team name): nine teams, as in the reference case
TEAMS = [(0, "Loket Noord"), (0, "Klantreis"), (1, "Jobcoach 2.0"), (1, "Werkgeversservice"),
         (2, "Eén proces"), (2, "Kennisbank"), (3, "Vertrouwen"), (4, "Digitaal dossier"), (4, "Slim plannen")]


def _seed_programme(db, memberships: dict, orgs: list) -> None:
    """A programme in its team-work phase: five themes, nine teams that mix the three municipalities."""
    from datetime import date

    from saas.programme import service as programme
    from tenants.models import MembershipRole

    staff = []
    password_hash = accounts.hash_password(DEMO_PASSWORD)  # one slow hash for all demo staff
    for i, first in enumerate(FIRST_NAMES):
        last = LAST_NAMES[i % len(LAST_NAMES)]
        user = User(email=f"{first.lower()}.{last.lower()}@demo.example.org", name=f"{first} {last}",
                    password_hash=password_hash)
        db.add(user)
        db.flush()
        staff.append(service.add_member(db, user, [Role.MEMBER], orgs[i % len(orgs)].id))
    for extra in staff[:3]:  # three more sponsors, so that every theme has one
        extra.role_rows.append(MembershipRole(role=Role.SPONSOR))
    sponsor = memberships["sponsor@demo.example.org"]
    prog = programme.create_programme(
        db, name="Samen Koers", goal="Eén sociale dienst met één cultuur, gebouwd door de mensen zelf.",
        starts_on=date(2026, 9, 1), ends_on=date(2027, 6, 30))
    deadlines = {"recruitment": (date(2026, 9, 1), date(2026, 10, 9)), "team_work": (date(2026, 10, 12), date(2027, 1, 29)),
                 "pitching": (date(2027, 2, 1), date(2027, 3, 12)), "decisions": (date(2027, 3, 15), date(2027, 4, 16))}
    for phase, (start, end) in deadlines.items():
        row = prog.phase_row(phase)
        row.starts_on, row.ends_on = start, end
    prog.phase = "team_work"
    sponsors_per_theme = [sponsor, sponsor, staff[0], staff[1], staff[2]]
    themes = []
    for (title, problem, why, outcome, pillar), theme_sponsor in zip(THEMES, sponsors_per_theme):
        theme = programme.save_theme(db, prog, None, title=title, problem=problem, why_it_matters=why,
                                     desired_outcome=outcome, pillar=pillar)
        programme.set_sponsors(db, theme, [theme_sponsor.id])
        themes.append(theme)
    people = staff[3:] + [memberships["member@demo.example.org"]]
    for number, (theme_index, name) in enumerate(TEAMS):
        # four people per team, from the three municipalities in turn
        crew = people[number * 4 % len(people):][:4] or people[:4]
        lead, *others = crew
        team = programme.propose_team(db, prog, themes[theme_index], lead, name=name,
                                      goal=THEMES[theme_index][3])
        for member in others:
            programme.join_team(db, prog, team, member)
    for theme, supporters in zip(themes, (staff[3:12], staff[12:18], staff[18:24], staff[24:28], staff[28:33])):
        for member in supporters:
            programme.support(db, theme, member, "")
