"""The admin's People page at the size of the largest tenants (issue 17, point 4): 20,000 people, 500 teams.

One run:
1. a throwaway PostgreSQL (as in the tests: the app connects as a role that RLS binds), migrated;
2. a tenant of 20,000 people (names with and without accents, ten legacy organisations and some
   without, every one a member, 2 % sponsors, 1 % management) and a programme of 50 themes with
   500 teams of 16, so 8,000 people are in a team; an admin to read the page;
3. in this process, through the Flask test client, signed in as the admin, one after the other and
   repeated (interleaved, so the machine's other load falls on each alike), the People page for:
   page 1 of everyone, a search by name ("jans": about 1,000 people), a search with an accent typed
   differently ("ozil"), a legacy organisation and role filter, a team filter, and the last page of
   everyone (a deep OFFSET); each beside its **floor**: the same work in bare SQL — the count, the
   page of people with their legacy organisation, and their roles, the three statements the page
   needs — through the app's own engine (a connection of its pool, the tenant set as the app sets it).

It prints per reading the median and p95 in ms, page/floor, and the rows found, with the machine's load
average (the machine may be shared: the ratios are the steadier figure).

    .venv/bin/python bench/people.py [--people 20000] [--teams 500] [--repeat 15]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from harness import (  # noqa: E402
    PASSWORD, get, interleaved, load_average, migrated_app, p95, profile, scope_signature_for, throwaway_postgres,
    vacuum_analyse, verified_user,
)

SIZE = 50
FIRST = ("Jan", "Anne", "Pieter", "Sanne", "Mesut", "Zoë", "Ĳsbrand", "Fleur", "Daan", "Noëlle", "Bram", "Eva",
         "Sem", "Lotte", "Thijs", "Inès", "Jesús", "Fatma", "Łukasz", "Chloé")
LAST = ("Jansen", "de Jong", "Özil", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Çelik", "Mulder",
        "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra",
        "Yılmaz", "Müller", "Şahin", "Janssens", "Willems", "Claes", "Goossens", "Wouters", "Maes", "Jacobs",
        "Mertens", "Huisman", "Kok", "Kuipers", "Veenstra", "Postma", "de Vries", "van Dijk", "Koster", "Prins",
        "Hoekstra", "Jonker", "Boer", "Sánchez", "Nuñez", "García", "Ørsted", "Søndergaard", "Ahmed", "Bouzid")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=15, help="requests per reading (after one warm-up)")
    parser.add_argument("--profile", action="store_true", help="print where one request of each reading spends its time")
    args = parser.parse_args()
    with throwaway_postgres() as (app_url, owner_url):
        run(app_url, owner_url, args)


def run(app_url: str, owner_url: str, args) -> None:
    app = migrated_app(app_url, owner_url)
    started = time.perf_counter()
    world = build_tenant(app, args)
    print(f"built            {args.people} people of {len(world['orgs'])} legacy organisations, {args.teams} teams, "
          f"in {time.perf_counter() - started:.1f} s")
    vacuum_analyse(owner_url)

    org, team, pages = world["orgs"][3], world["team"], -(-(args.people + 1) // SIZE)
    readings = {
        "page 1": ({}, {}),
        "search 'jans'": ({"q": "jans"}, {"words": ["jans"]}),
        "search 'ozil'": ({"q": "ozil"}, {"words": ["ozil"]}),
        "organisation+role": ({"legacy_org": org, "role": "sponsor"}, {"org": org, "role": "sponsor"}),
        "team": ({"team": team}, {"team": team}),
        f"deep page {pages}": ({"page": pages}, {"page": pages}),
    }
    urls = {label: "/t/bench/admin/members?" + "&".join(f"{k}={v}" for k, v in query.items())
            for label, (query, _floor_query) in readings.items()}
    client = app.test_client()
    client.login(world["email"], PASSWORD)
    if args.profile:
        profile(client, urls)
        return
    engine = app.extensions["koers.db"].engine
    floor_conn = engine.raw_connection()  # a connection of the app's own pool, as the page's session gets one
    load_before = load_average()
    results, found = {}, {}
    for label, (_query, floor_query) in readings.items():
        found[label] = _floor(floor_conn, world["tenant_id"], **floor_query)
        results[label] = interleaved({"floor": lambda f=floor_query: _floor(floor_conn, world["tenant_id"], **f),
                                      "page": lambda u=urls[label]: get(client, u)}, args.repeat)
    load_after = load_average()
    floor_conn.close()

    print(f"load average     {load_before} before, {load_after} after (1 min; {os.cpu_count()} cores)")
    print(f"{'':20}{'found':>7}{'floor':>9}{'p95':>8}{'page':>9}{'p95':>8}{'page/floor':>12}   "
          f"(ms, median and p95 of {args.repeat}, interleaved; {SIZE} rows a page)")
    for label, times in results.items():
        floor, page = statistics.median(times["floor"]), statistics.median(times["page"])
        print(f"{label:20}{found[label]:7d}{floor:9.1f}{p95(times['floor']):8.1f}{page:9.1f}"
              f"{p95(times['page']):8.1f}{page / floor if floor else 0:12.1f}")


# The floor: what the page needs from the database, in bare SQL: how many match, the page of people
# with their user and legacy organisation in the page's order, and their roles.
FROM = """
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = %(tenant)s {conditions}
"""
CONDITIONS = {
    "words": "AND koers_fold(u.name || ' ' || u.email) LIKE '%%' || koers_fold(%(word)s) || '%%'",
    "org": "AND m.legacy_org_id = %(org)s",
    "role": "AND EXISTS (SELECT 1 FROM membership_roles r WHERE r.membership_id = m.id AND r.tenant_id = m.tenant_id "
            "AND r.role = %(role)s)",
    "team": "AND EXISTS (SELECT 1 FROM team_members t WHERE t.membership_id = m.id AND t.tenant_id = m.tenant_id "
            "AND t.team_id = %(team)s)",
}


def _floor(conn, tenant_id: int, *, words=(), org=None, role=None, team=None, page: int = 1) -> int:
    values = {"tenant": tenant_id, "org": org, "role": role, "team": team, "word": words[0] if words else None,
              "size": SIZE, "offset": (page - 1) * SIZE}
    where = FROM.format(conditions=" ".join(CONDITIONS[name] for name, value in
                                            (("words", words), ("org", org), ("role", role), ("team", team)) if value))
    _scope(conn, tenant_id)
    cursor = conn.cursor()
    cursor.execute("SELECT count(*) " + where, values)
    total = cursor.fetchone()[0]
    cursor.execute("SELECT m.id, m.legacy_org_id, u.id, u.name, u.email, lo.name, lo.code "
                   + where.replace("WHERE", "LEFT JOIN legacy_organisations lo ON lo.id = m.legacy_org_id "
                                            "AND lo.tenant_id = m.tenant_id WHERE")
                   + " ORDER BY u.name, m.id LIMIT %(size)s OFFSET %(offset)s", values)
    ids = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT membership_id, role FROM membership_roles WHERE tenant_id = %(tenant)s "
                   "AND membership_id = ANY(%(ids)s) ORDER BY role", {"tenant": tenant_id, "ids": ids})
    cursor.fetchall()
    cursor.close()
    conn.commit()  # the transaction ends as the page's does
    return total


def _scope(conn, tenant_id: int) -> None:
    """The tenant for row-level security, as tenants.scoping sets it at the start of a transaction."""
    cursor = conn.cursor()
    cursor.execute("SELECT set_config('app.tenant_id', %s, true), set_config('app.scope_sig', %s, true)",
                   (str(tenant_id), scope_signature_for(tenant_id)))
    cursor.close()



def build_tenant(app, args) -> dict:
    """The tenant, its organisations, people, roles, themes and teams (bench/export.py archives the same)."""
    import random

    from sqlalchemy import insert

    from saas.administration import service as administration
    from saas.auth.models import User
    from saas.auth.service import hash_password
    from saas.programme.models import Team, TeamMember, Theme
    from saas.programme.service import create_programme
    from datetime import date
    from tenants.models import Membership, MembershipRole, Role, Tenant
    from tenants.scoping import set_scope

    rng = random.Random(17)
    with app.app_context(), app.extensions["koers.db"].Session() as db:
        tenant = Tenant(slug="bench", name="Bench", country="NL", language="en")
        db.add(tenant)
        db.flush()
        set_scope(db, tenant_id=tenant.id)
        tenant_id = tenant.id
        email = "admin@bench.example"
        admin = verified_user(email, "Admin", hash_password(PASSWORD))
        db.add(admin)
        db.flush()
        administration.add_member(db, admin, [Role.ADMIN], legacy_org_id=None)
        orgs = [administration.add_legacy_org(db, code=f"O{n:02d}", name=f"Gemeente {n:02d}").id for n in range(10)]
        user_ids = db.scalars(insert(User).returning(User.id), [
            {"email": f"p{n}@bench.example", "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "password_hash": "!"}
            for n in range(args.people)]).all()
        member_ids = db.scalars(insert(Membership).returning(Membership.id), [
            {"tenant_id": tenant_id, "user_id": uid, "legacy_org_id": rng.choice(orgs + [None])}
            for uid in user_ids]).all()
        roles = [{"tenant_id": tenant_id, "membership_id": mid, "role": "member"} for mid in member_ids]
        roles += [{"tenant_id": tenant_id, "membership_id": mid, "role": role}
                  for role, share in (("sponsor", 0.02), ("management", 0.01))
                  for mid in rng.sample(member_ids, int(share * len(member_ids)))]
        db.execute(insert(MembershipRole), roles)
        programme = create_programme(db, name="Bench programme", goal="", starts_on=date(2026, 1, 1),
                                     ends_on=date(2026, 12, 31))
        theme_ids = db.scalars(insert(Theme).returning(Theme.id), [
            {"tenant_id": tenant_id, "programme_id": programme.id, "title": f"Theme {n:02d}"}
            for n in range(50)]).all()
        team_ids = db.scalars(insert(Team).returning(Team.id), [
            {"tenant_id": tenant_id, "theme_id": theme_ids[n % 50], "name": f"Team {n:03d}", "goal": ""}
            for n in range(args.teams)]).all()
        in_teams = rng.sample(member_ids, min(len(member_ids), 16 * args.teams))
        db.execute(insert(TeamMember), [{"tenant_id": tenant_id, "team_id": team_ids[n // 16], "membership_id": mid,
                                         "is_lead": n % 16 == 0} for n, mid in enumerate(in_teams)])
        db.commit()
        return {"tenant_id": tenant_id, "email": email, "orgs": orgs, "team": team_ids[len(team_ids) // 2]}


if __name__ == "__main__":
    main()
