"""The home page (saas/home) per role, at the size of the largest tenant (house rule 7; issue 17).

Target: each role's home answers in under 200 ms (p95).

One run:
1. a throwaway PostgreSQL (as in the tests: the app connects as a role that RLS binds), migrated;
2. a tenant with 6 legacy organisations and 20,000 people (each a member), a programme in its pitching
   phase with 10 themes and 500 teams of 8 (4,000 team members), 12,000 supporters (a theme has about
   1,200), 500 pitches of which 300 wait for management's scores (the management member scored a third of
   them), 3 open survey waves to which all 20,000 are invited (60,000 invitations, half answered), 2 closed
   waves and 2 in preparation (one with the works council's consent), 3 open pulse checks of 2,000
   invitations each and 1 in preparation; one person per role: admin, management, sponsor (of 3 themes),
   member (in a team, supporting 2 themes, invited to everything open) and works council;
3. in this process, through the Flask test client, logged in as each of them in turn, the tenant's home
   page (/t/bench/), repeated and interleaved, against its **floor**: the bare SQL the page needs
   to show the same things (the person's membership and roles, then per section the fewest statements
   that give its figures, grouped counts instead of rows), on one psycopg connection in the tenant's
   scope, as the app's pooled connection is.

It prints per role the median and p95 of the page and of its floor, the ratio, and whether < 200 ms holds,
with the machine's load average (the machine may be shared: the ratios are the steadier figure).

    .venv/bin/python bench/home.py [--repeat 20] [--people 20000] [--teams 500] [--profile]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import time
from datetime import date, timedelta

from harness import (  # noqa: E402
    PASSWORD, floor_connection, get, interleaved, load_average, migrated_app, p95, profile, throwaway_postgres,
    vacuum_analyse, verified_user,
)

TARGET_MS = 200.0
ROLES = ("admin", "management", "sponsor", "member", "works_council")
THEMES = 10
TEAM_SIZE = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20, help="requests per role (after one warm-up)")
    parser.add_argument("--profile", action="store_true", help="print where one home of each role spends its time")
    args = parser.parse_args()
    with throwaway_postgres() as (app_url, owner_url):
        run(app_url, owner_url, args)


def run(app_url: str, owner_url: str, args) -> None:
    app = migrated_app(app_url, owner_url)
    started = time.perf_counter()
    world = _build(app, args)
    print(f"built            {args.people} people, {args.teams} teams, {world['supporters']} supporters, "
          f"{world['invitations']} invitations, in {time.perf_counter() - started:.1f} s")
    vacuum_analyse(owner_url)

    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        clients[role].login(f"{role}@bench.example", PASSWORD)
    url = f"/t/{world['slug']}/"
    if args.profile:
        for role in ROLES:
            print(f"== {role}")
            profile(clients[role], {role: url}, lines=35)
        return
    import gc

    gc.freeze()  # as wsgi.py after the start-up (here: after the build too)
    floor_conn = floor_connection(app_url, world["tenant_id"])
    sides = {}
    for role in ROLES:
        who = world["people"][role]
        sides[(role, "page")] = lambda c=clients[role]: get(c, url)
        sides[(role, "floor")] = lambda w=who, r=role: _floor(floor_conn, r, w, world)
    load_before = load_average()
    times = interleaved(sides, args.repeat)
    load_after = load_average()
    floor_conn.close()

    print(f"load average     {load_before} before, {load_after} after (1 min; {os.cpu_count()} cores)")
    print(f"{'':16}{'page median':>12}{'p95':>8}{'floor median':>14}{'p95':>8}{'page/floor':>12}"
          f"   (ms; {args.repeat} requests each, interleaved)")
    verdict = True
    for role in ROLES:
        page, floor = times[(role, "page")], times[(role, "floor")]
        page_p95 = p95(page)
        verdict &= page_p95 < TARGET_MS
        print(f"  {role:14}{statistics.median(page):12.1f}{page_p95:8.1f}{statistics.median(floor):14.1f}"
              f"{p95(floor):8.1f}{statistics.median(page) / statistics.median(floor):12.1f}"
              f"  {'< 200 ms ok' if page_p95 < TARGET_MS else 'MISSED (< 200 ms)'}")
    print(f"target           p95 < {TARGET_MS:g} ms for every role's home: {'met' if verdict else 'MISSED'}")


# ---- the floor -----------------------------------------------------------------------------------
# What the page shows, as the fewest statements that give it: the person's membership and roles (every
# page of a tenant needs them), the legacy organisations (the home names them), then per section.

WHO = ("SELECT m.id, m.legacy_org_id, array_agg(r.role) FROM memberships m "
       "LEFT JOIN membership_roles r ON r.membership_id = m.id WHERE m.user_id = %(user)s GROUP BY m.id")
ORGS = "SELECT id, code, name FROM legacy_organisations ORDER BY name"
TO_ANSWER = [
    "SELECT w.id, w.name, w.closes_on FROM survey_invitations i JOIN survey_waves w ON w.id = i.wave_id "
    "WHERE i.membership_id = %(member)s AND NOT i.answered AND w.status = 'open' "
    "AND (w.closes_on IS NULL OR w.closes_on >= %(today)s) ORDER BY w.id DESC",
    "SELECT p.id, p.name, p.closes_on FROM pulse_invitations i JOIN pulse_rounds p ON p.id = i.round_id "
    "WHERE i.membership_id = %(member)s AND NOT i.answered AND p.status = 'open' AND p.closes_on >= %(today)s "
    "ORDER BY p.id DESC",
    "SELECT f.id, f.closes_on FROM feedback_invitations i JOIN feedback_rounds f ON f.id = i.round_id "
    "WHERE i.membership_id = %(member)s AND NOT i.answered AND f.status = 'open' AND f.closes_on >= %(today)s",
]
MEMBER = [
    "SELECT t.id, t.name, th.title, p.id, p.title, p.status FROM team_members tm JOIN teams t ON t.id = tm.team_id "
    "JOIN themes th ON th.id = t.theme_id LEFT JOIN pitches p ON p.team_id = t.id "
    "WHERE tm.membership_id = %(member)s ORDER BY t.name",
    "SELECT th.id, th.title FROM supporters s JOIN themes th ON th.id = s.theme_id "
    "WHERE s.membership_id = %(member)s ORDER BY th.title",
    "SELECT w.id, w.title, d.held_on FROM workshop_signups s JOIN workshops w ON w.id = s.workshop_id "
    "JOIN knowledge_days d ON d.id = w.day_id WHERE s.membership_id = %(member)s AND d.held_on >= %(today)s",
]
SPONSOR = [
    "SELECT th.id, th.title FROM theme_sponsors s JOIN themes th ON th.id = s.theme_id "
    "WHERE s.membership_id = %(member)s ORDER BY th.title",
    "SELECT s.theme_id, o.name, count(*) FROM supporters s JOIN theme_sponsors sp ON sp.theme_id = s.theme_id "
    "JOIN memberships m ON m.id = s.membership_id LEFT JOIN legacy_organisations o ON o.id = m.legacy_org_id "
    "WHERE sp.membership_id = %(member)s GROUP BY s.theme_id, o.name",
    "SELECT t.theme_id, t.id, t.name, count(tm.id) FROM teams t JOIN theme_sponsors sp ON sp.theme_id = t.theme_id "
    "LEFT JOIN team_members tm ON tm.team_id = t.id WHERE sp.membership_id = %(member)s "
    "GROUP BY t.theme_id, t.id, t.name ORDER BY t.name",
]
MANAGEMENT = [
    "SELECT p.id, p.name, p.phase, p.starts_on, ph.ends_on FROM programmes p "
    "LEFT JOIN programme_phases ph ON ph.programme_id = p.id AND ph.phase = p.phase "
    "ORDER BY p.starts_on DESC, p.id DESC",
    "SELECT p.id, p.title, p.status, t.id, t.name FROM pitches p JOIN teams t ON t.id = p.team_id "
    "LEFT JOIN reviews r ON r.pitch_id = p.id AND r.reviewer_membership_id = %(member)s "
    "WHERE p.status IN ('submitted', 'in_review') AND r.submitted_at IS NULL ORDER BY t.name",
    "SELECT w.id, w.name, w.closes_on, (SELECT count(*) FROM survey_invitations i WHERE i.wave_id = w.id), "
    "(SELECT count(*) FROM survey_invitations i WHERE i.wave_id = w.id AND i.answered) "
    "FROM survey_waves w WHERE w.status = 'open'",
    "SELECT p.id, p.name, p.closes_on, (SELECT count(*) FROM pulse_invitations i WHERE i.round_id = p.id), "
    "(SELECT count(*) FROM pulse_invitations i WHERE i.round_id = p.id AND i.answered) "
    "FROM pulse_rounds p WHERE p.status = 'open'",
]
AWAITING_CONSENT = [
    "SELECT w.id, w.name FROM survey_waves w LEFT JOIN survey_consents c ON c.wave_id = w.id "
    "WHERE w.status = 'draft' AND c.id IS NULL ORDER BY w.id",
    "SELECT id, name FROM pulse_rounds WHERE status = 'draft' AND consent_on IS NULL ORDER BY id",
]
WORKS_COUNCIL = [
    "SELECT id, name, status FROM survey_waves WHERE status = 'closed' "
    "ORDER BY opens_on DESC NULLS LAST, id DESC LIMIT 3",
    *AWAITING_CONSENT,
]
ADMIN = [
    "SELECT (SELECT count(*) FROM legacy_organisations), (SELECT count(*) FROM memberships), "
    "(SELECT count(*) FROM invitations), (SELECT count(*) FROM programmes), "
    "(SELECT count(*) FROM membership_roles WHERE role = 'works_council'), (SELECT count(*) FROM survey_consents), "
    "(SELECT count(*) FROM survey_waves WHERE status <> 'draft'), "
    "(SELECT count(*) FROM invitations WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()), "
    "(SELECT consent_required FROM tenants WHERE id = %(tenant)s)",
    "SELECT id, name, closes_on FROM survey_waves WHERE status = 'open' AND closes_on IS NOT NULL "
    "AND closes_on <= %(week)s ORDER BY closes_on",
    *AWAITING_CONSENT,
]
FLOORS = {"admin": TO_ANSWER + ADMIN,
          "management": TO_ANSWER + MANAGEMENT,
          "sponsor": TO_ANSWER + SPONSOR + MEMBER,  # a sponsor also answers surveys and may be in a team
          "member": TO_ANSWER + MEMBER,
          "works_council": TO_ANSWER + WORKS_COUNCIL}


def _floor(conn, role: str, who: dict, world: dict) -> int:
    today = date.today()
    params = {"user": who["user"], "member": who["member"], "today": today, "week": today + timedelta(days=7),
              "tenant": world["tenant_id"]}
    rows = 0
    with conn.transaction():
        for statement in (WHO, ORGS, *FLOORS[role]):
            rows += len(conn.execute(statement, params).fetchall())
    return rows


# ---- the tenant ----------------------------------------------------------------------------------

def _build(app, args) -> dict:
    import random

    from sqlalchemy import insert

    from saas.administration import service as tenants_service
    from saas.auth.models import User
    from saas.auth.service import hash_password
    from saas.leadership.models import PulseInvitation, PulseRound
    from saas.pitches.models import Pitch, Review
    from saas.programme.models import Sponsor, Supporter, Team, TeamMember, Theme
    from saas.programme.service import create_programme
    from saas.surveys.catalogue import catalogue
    from saas.surveys.models import SurveyInvitation, Wave, WorksCouncilConsent
    from tenants.models import Membership, MembershipRole, Role, Tenant
    from tenants.scoping import set_scope

    rng = random.Random(7)
    today = date.today()
    database = app.extensions["koers.db"]
    with app.app_context(), database.Session() as db:
        tenant = Tenant(slug="bench", name="Bench", country="NL", language="en")
        db.add(tenant)
        db.flush()
        set_scope(db, tenant_id=tenant.id)
        tenant_id = tenant.id
        org_ids = [tenants_service.add_legacy_org(db, code=f"O{n}", name=f"Organisation {n}").id for n in range(6)]

        # the people: one per role (with a password), then everyone else (members)
        people = {}
        password_hash = hash_password(PASSWORD)
        role_of = {"admin": [Role.ADMIN], "management": [Role.MANAGEMENT], "sponsor": [Role.SPONSOR],
                   "member": [Role.MEMBER], "works_council": [Role.WORKS_COUNCIL]}
        for name, roles in role_of.items():
            user = verified_user(f"{name}@bench.example", name.replace("_", " ").title(), password_hash)
            db.add(user)
            db.flush()
            membership = tenants_service.add_member(db, user, roles, org_ids[len(people) % 6])
            people[name] = {"user": user.id, "member": membership.id}
        others = args.people - len(people)
        user_ids, member_ids = [], []
        for start in range(0, others, 5000):
            part = range(start, min(others, start + 5000))
            user_ids += db.scalars(insert(User).returning(User.id), [
                {"email": f"p{n}@bench.example", "name": f"Person {n:05d}", "password_hash": "!"} for n in part]).all()
        for start in range(0, others, 5000):
            part = range(start, min(others, start + 5000))
            member_ids += db.scalars(insert(Membership).returning(Membership.id), [
                {"tenant_id": tenant_id, "user_id": user_ids[n], "legacy_org_id": org_ids[n % 6]} for n in part]).all()
            db.execute(insert(MembershipRole), [{"tenant_id": tenant_id, "membership_id": member_ids[n],
                                                 "role": Role.MEMBER} for n in part])
        everyone = member_ids + [people["member"]["member"]]

        # the programme: pitching; themes, teams of 8, supporters, pitches and management's reviews
        programme = create_programme(db, name="Bench programme", goal="Grow", starts_on=today - timedelta(days=120),
                                     ends_on=today + timedelta(days=240))
        programme.phase = "pitching"
        programme.phase_row("pitching").ends_on = today + timedelta(days=14)
        theme_ids = db.scalars(insert(Theme).returning(Theme.id), [
            {"tenant_id": tenant_id, "programme_id": programme.id, "title": f"Theme {n:02d}", "problem": "",
             "why_it_matters": "", "desired_outcome": "", "pillar": ""} for n in range(THEMES)]).all()
        db.execute(insert(Sponsor), [{"tenant_id": tenant_id, "theme_id": theme_ids[n],
                                      "membership_id": people["sponsor"]["member"]} for n in range(3)])
        team_ids = db.scalars(insert(Team).returning(Team.id), [
            {"tenant_id": tenant_id, "theme_id": theme_ids[n % THEMES], "name": f"Team {n:03d}", "goal": ""}
            for n in range(args.teams)]).all()
        in_teams = rng.sample(member_ids, args.teams * TEAM_SIZE - 1) + [people["member"]["member"]]
        db.execute(insert(TeamMember), [{"tenant_id": tenant_id, "team_id": team_ids[n // TEAM_SIZE],
                                         "membership_id": m, "is_lead": n % TEAM_SIZE == 0}
                                        for n, m in enumerate(in_teams)])
        supporters = [(theme_ids[n % THEMES], m) for n, m in enumerate(rng.sample(member_ids, 12_000))]
        supporters += [(theme_ids[0], people["member"]["member"]), (theme_ids[1], people["member"]["member"])]
        db.execute(insert(Supporter), [{"tenant_id": tenant_id, "theme_id": t, "membership_id": m, "motivation": ""}
                                       for t, m in supporters])
        pitch_ids = db.scalars(insert(Pitch).returning(Pitch.id), [
            {"tenant_id": tenant_id, "team_id": team_ids[n], "title": f"Pitch {n:03d}",
             "status": "submitted" if n < 300 else "draft", "feedback": ""} for n in range(args.teams)]).all()
        db.execute(insert(Review), [{"tenant_id": tenant_id, "pitch_id": pitch_ids[n],
                                     "reviewer_membership_id": people["management"]["member"],
                                     "submitted_at": None if n % 2 else today} for n in range(0, 300, 3)])

        # the survey waves: three open (everyone invited, half answered), two closed, two in preparation
        value_keys = [v.key for v in catalogue(db)]

        def wave(name, status, opens_on, closes_on):
            made = Wave(name=name, programme_id=programme.id, status=status, k=5, opens_on=opens_on,
                        closes_on=closes_on, instruments=["values", "culture", "contract"],
                        groupings=["legacy_org", "team"], audience_legacy_org_ids=[], audience_team_ids=[],
                        value_keys=value_keys, questions=[])
            db.add(made)
            db.flush()
            return made

        for n in range(2):
            wave(f"Closed wave {n}", "closed", today - timedelta(days=200 - 60 * n), today - timedelta(days=180 - 60 * n))
        draft = wave("Wave in preparation", "draft", None, None)
        wave("Wave in preparation with consent", "draft", None, None)
        db.add(WorksCouncilConsent(wave_id=draft.id + 1, decided_on=today, decision="Agreed."))
        invitations = 0
        for n in range(3):
            open_wave = wave(f"Open wave {n}", "open", today - timedelta(days=10), today + timedelta(days=5 + 7 * n))
            for start in range(0, len(everyone), 5000):
                part = range(start, min(len(everyone), start + 5000))
                db.execute(insert(SurveyInvitation), [
                    {"tenant_id": tenant_id, "wave_id": open_wave.id, "membership_id": everyone[i],
                     "token_hash": hashlib.sha256(f"bench-{open_wave.id}-{i}".encode()).hexdigest(),
                     "answered": i % 2 == 0 and everyone[i] != people["member"]["member"], "reminders_sent": 0}
                    for i in part])
            invitations += len(everyone)

        # pulse checks: three open of 2,000 invitations each (the member among them), one in preparation
        for n in range(4):
            pulse = PulseRound(programme_id=programme.id, name=f"Pulse {n}", status="open" if n < 3 else "draft",
                               opens_on=today - timedelta(days=3), closes_on=today + timedelta(days=4 + n),
                               promise_ids=[])
            db.add(pulse)
            db.flush()
            if n < 3:
                asked = rng.sample(member_ids, 1999) + [people["member"]["member"]]
                db.execute(insert(PulseInvitation), [
                    {"tenant_id": tenant_id, "round_id": pulse.id, "membership_id": m,
                     "token_hash": hashlib.sha256(f"pulse-{pulse.id}-{m}".encode()).hexdigest(),
                     "answered": i % 3 == 0} for i, m in enumerate(asked)])
                invitations += len(asked)
        db.commit()
        return {"slug": "bench", "tenant_id": tenant_id, "people": people, "supporters": len(supporters),
                "invitations": invitations}


if __name__ == "__main__":
    main()
