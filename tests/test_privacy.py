"""People's data (issue 19, points 2 and 3): retention removes exactly what is due and nothing else; a person's
download holds their own data and nobody else's; an erasure leaves no name or address in the tenant while the
team's pages still render; and the commands do the same."""
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import JSON, String, Text, select, text, update

from saas.auth.models import User
from saas.auth.service import find_user
from saas.kernel.audit import AuditEntry
from saas.kernel.db import Base, utcnow
from saas.kernel.notifications import Notification
from saas.pitches.models import Pitch
from saas.privacy import people, retention
from saas.privacy.models import Departure
from tenants.models import Invitation, Membership, Tenant
from tests.conftest import sign_in_scope
from tests.test_cli import koers
from tests import world
from tests.world import populate

NAME, EMAIL = "Zelda Quartermaine", "zelda.q@erase.example"
# Append-only accountability records, kept on purpose (saas/privacy/people.py says why): not searched.
KEPT_LOGS = {"audit_trail", "report_access_log"}
# What an erasure or retention may change; every other table must be exactly as it was.
MAY_CHANGE = {"departures", "invitations", "pitch_attachments", "notifications", "email_opt_outs",
              "retention_policies", "audit_trail", "scim_users", "scim_group_members", "sso_identities"}
ANONYMOUS = ("survey_responses", "survey_answer_pool", "anonymity_releases", "anonymity_release_groups",
             "comparisons", "pulse_answers", "feedback_answers", "workshop_evaluations")


def _world_with_a_named_admin(app, make, slug, builders=None):
    """The world of tests/world.py (or only `builders` of it), made by an admin with a name nothing else has."""
    make.user(EMAIL.replace("erase", slug), name=NAME)
    tenant = make.tenant(slug, admin_email=EMAIL.replace("erase", slug))
    if builders is None:
        objects = populate(app, make, tenant)
    else:
        admin, objects = app.test_client(), {"slug": slug}
        admin.login(tenant.admin_email)
        for build in builders:
            objects.update(build(app, make, tenant, admin, objects))
    second = f"second@{slug}.example"
    make.member(tenant, second, roles=("admin",), name=f"Second admin ({slug})")
    return tenant, objects, second


def _tenant_tables():
    return [t for t in Base.metadata.sorted_tables if "tenant_id" in t.columns]


def _snapshot(make, tenant_id, tables=None):
    """Every row of every tenant table, as text, per table."""
    rows = {}
    with make.session(tenant_id) as db:
        for table in tables or _tenant_tables():
            found = db.execute(select(table).where(table.c.tenant_id == tenant_id).order_by(*table.primary_key)).all()
            rows[table.name] = [tuple(map(str, row)) for row in found]
    return rows


def _mentions(make, tenant_id, words):
    """(table, column) pairs where any of `words` still occurs in a text or JSON column of the tenant's rows."""
    found = []
    with make.session(tenant_id) as db:
        for table in _tenant_tables():
            if table.name in KEPT_LOGS:
                continue
            for column in table.columns:
                if not isinstance(column.type, (String, Text, JSON)):
                    continue
                for (value,) in db.execute(select(column).where(table.c.tenant_id == tenant_id)):
                    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
                    if value is not None and any(word.lower() in text.lower() for word in words):
                        found.append((table.name, column.name))
    return sorted(set(found))


def test_an_erased_admin_leaves_no_name_or_address_and_the_team_pages_still_render(app, make):
    tenant, objects, second = _world_with_a_named_admin(app, make, "erase")
    with make.session(tenant.id) as db:
        membership_id = db.scalar(select(Membership.id).where(Membership.user.has(email=EMAIL)))
    with make.session(tenant.id) as db:  # a notification to someone else that names them
        second_id = db.scalar(select(Membership.id).where(Membership.user.has(email=second)))
        db.add(Notification(membership_id=second_id, kind="team", stored_subject=f"{NAME} joined your team",
                            stored_body=f"Say hello to {NAME} ({EMAIL}).", params={"name": NAME}))
    assert {"survey_consents", "notifications"} <= {table for table, _ in _mentions(make, tenant.id, [EMAIL, NAME])}
    anonymous_before = _snapshot(make, tenant.id, [Base.metadata.tables[name] for name in ANONYMOUS])
    client = app.test_client()
    client.login(second)
    page = client.text(f"/t/erase/admin/members/{membership_id}")
    assert f"/t/erase/admin/privacy/members/{membership_id}/erase" in page
    confirm = client.text(f"/t/erase/admin/privacy/members/{membership_id}/erase")
    assert "cannot be undone" in confirm and NAME in confirm
    response = client.submit(f"/t/erase/admin/privacy/members/{membership_id}/erase",
                             {"action": "erase", "confirmed": "yes"}, page=f"/t/erase/admin/members/{membership_id}")
    assert response.status_code == 302
    assert _mentions(make, tenant.id, [EMAIL, NAME]) == []
    assert _snapshot(make, tenant.id, [Base.metadata.tables[name] for name in ANONYMOUS]) == anonymous_before
    with make.session(tenant.id) as db:
        note = db.scalars(select(Notification).where(Notification.membership_id == second_id)).one()
        assert (note.stored_subject, note.params) == ("a former member joined your team", {"name": "a former member"})
    with make.session() as db:
        assert db.scalar(select(User).where(User.email == EMAIL)) is None  # no other tenant: the account went
    with make.session(tenant.id) as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "person.erased")).one()
        assert entry.actor == second and entry.detail["removed"]["account"] == 1
        assert EMAIL not in json.dumps(entry.detail) and NAME not in json.dumps(entry.detail)
    team = objects["team_id"]
    for url in (f"/t/erase/teams/{team}", f"/t/erase/teams/{team}/pitch", f"/t/erase/teams/{team}/log/",
                f"/t/erase/themes/{objects['theme_id']}", f"/t/erase/programmes/{objects['programme_id']}",
                "/t/erase/admin/members", "/t/erase/admin/invitations", "/t/erase/admin/privacy/retention"):
        assert NAME not in client.text(url), url
    # every page of the tenant an admin can open: none fails, none names them
    urls = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if ("GET" in rule.methods and rule.rule.startswith("/t/<slug>") and set(rule.arguments) <= set(objects)
                and not re.search(r"\.\w+$|download|/scim/", rule.rule)):  # pages, not files
            url = urls.build(rule.endpoint, {a: objects[a] for a in rule.arguments})
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            if response.mimetype == "text/html" and "access-log" not in url and "audit" not in url:  # KEPT_LOGS
                assert NAME not in response.get_data(as_text=True), url


def test_the_only_admin_cannot_be_erased_and_an_account_with_another_tenant_stays(app, make):
    one, two = make.tenant("solo"), make.tenant("other")
    make.member(two, one.admin_email)
    with make.session(one.id) as db:
        with pytest.raises(people.LastAdministrator):
            people.erase(db, db.get(Tenant, one.id), find_user(db, one.admin_email))
        db.rollback()
    make.member(one, "helper@solo.example", roles=("admin",))
    with make.session(one.id) as db:
        removed = people.erase(db, db.get(Tenant, one.id), find_user(db, one.admin_email))
    assert removed["account"] == 0 and removed["membership"] == 1
    with make.session(two.id) as db:
        assert db.scalar(select(Membership).where(Membership.user.has(email=one.admin_email))) is not None


def test_retention_removes_exactly_what_is_due_and_nothing_else(app, make, database):
    tenant, objects, _second = _world_with_a_named_admin(app, make, "keep")
    gone, stays = "left.long.ago@keep.example", "left.lately@keep.example"
    # The run is on a day 200 days ahead: the session's worker sweeps too, but on today, when nothing here is due.
    today = date.today() + timedelta(days=200)
    for email in (gone, stays):
        make.member(tenant, email, name=f"Leaver {email}")
    with make.session(tenant.id) as db:
        from saas.administration import service

        for email in (gone, stays):
            service.remove_member(db, db.scalar(select(Membership).where(Membership.user.has(email=email))))
    with make.session(tenant.id) as db:
        ours = {_uid(db, gone), _uid(db, stays)}
        departures = {d.user_id: d for d in db.scalars(select(Departure).where(Departure.user_id.in_(ours)))}
        assert set(departures) == ours  # the removal itself wrote them
        for departure in db.scalars(select(Departure)):  # 200 days before the run for one, 50 for the others
            departure.left_at = utcnow() + timedelta(days=0 if departure.user_id == _uid(db, gone) else 150)
        db.execute(update(Pitch).where(Pitch.id == objects["pitch_id"])
                   .values(status="decided", decision="approved", decided_at=utcnow() - timedelta(days=200)))
        db.execute(update(Invitation).where(Invitation.id == objects["invitation_id"])
                   .values(expires_at=utcnow()))
    before = _snapshot(make, tenant.id)
    other = make.tenant("untouched")
    make.member(other, gone)  # a member elsewhere: the account stays, only this tenant forgets them
    other_before = _snapshot(make, other.id)

    totals = retention.enforce_due(database.PlatformSession, today)  # the sweeper's: every tenant

    assert totals["people"] == 1 and totals["invitations"] == 1 and totals["attachments"] == 1
    after = _snapshot(make, tenant.id)
    changed = {name for name in before if before[name] != after[name]}
    assert changed <= MAY_CHANGE, changed - MAY_CHANGE
    assert len(before["pitch_attachments"]) - len(after["pitch_attachments"]) == 1
    assert len(before["invitations"]) - len(after["invitations"]) == 1
    assert len(before["departures"]) - len(after["departures"]) == 1  # the one who left lately waits
    for name in ANONYMOUS:
        assert before[name] == after[name], name
    assert _mentions(make, tenant.id, [gone, f"Leaver {gone}"]) == []
    with make.session(tenant.id) as db:
        assert _uid(db, stays) in db.scalars(select(Departure.user_id)).all()  # not yet
    with make.session(tenant.id) as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "retention.removed")).one()
        assert entry.detail["removed"] == {"people": 1, "invitations": 1, "attachments": 1, "survey_drafts": 0,
                                           "sign_ins": 0}
    assert _snapshot(make, other.id) == {**other_before, "retention_policies": _snapshot(
        make, other.id, [Base.metadata.tables["retention_policies"]])["retention_policies"]}
    assert retention.enforce_due(database.PlatformSession, today) == {}  # once a day


def test_sign_in_records_older_than_the_period_go_and_the_trail_still_verifies(app, make, database, owner_engine,
                                                                              stack, monkeypatch):
    """Sign-ins are a chain of their own on each trail: the daily job removes the oldest, anchors the rest in
    the main chain, and `koers audit-verify` still passes, and still finds a changed record."""
    from saas.kernel import audit
    from saas.kernel.audit import PlatformAuditEntry

    tenant = make.tenant("signins")
    moments = iter([utcnow() - timedelta(days=days) for days in (400, 300, 10)] * 2)  # tenant's, then platform's
    monkeypatch.setattr(audit, "utcnow", lambda: next(moments))
    with make.session(tenant.id) as db:
        for who in ("old@signins.example", "older@signins.example", "recent@signins.example"):
            audit.record(db, "signin", actor=audit.Actor(who, 1), detail={"method": "oidc"})
    with make.session() as db:
        for who in ("old@signins.example", "older@signins.example", "recent@signins.example"):
            audit.record(db, "signin.failed", platform=True, actor=audit.Actor(who), result=audit.FAILED)
    monkeypatch.undo()
    with make.session(tenant.id) as db:  # the app role may not prune, however old the record
        with pytest.raises(Exception, match="audit trail cannot be changed"):
            db.execute(AuditEntry.__table__.delete().where(AuditEntry.chain == "signin"))
    for condition in (AuditEntry.chain == "main", AuditEntry.actor == "recent@signins.example"):
        with make.session(tenant.id, platform=True) as db:  # nor the platform role the main chain, or a recent record
            with pytest.raises(Exception, match="audit trail cannot be changed"):
                db.execute(AuditEntry.__table__.delete().where(AuditEntry.tenant_id == tenant.id, condition))

    with make.session(tenant.id, platform=True) as db:
        retention.set_periods(db, db.get(Tenant, tenant.id), left_days=90, invitations_days=30, attachments_days=365,
                              signins_days=200)
        assert retention.enforce(db, db.get(Tenant, tenant.id), date.today())["sign_ins"] == 2
    with make.session(platform=True) as db:
        assert retention.scrub_mail(db, date.today())["sign_ins"] == 2  # the platform's: 180 days
    with make.session(tenant.id) as db:
        assert [e.actor for e in db.scalars(select(AuditEntry).where(AuditEntry.chain == "signin"))] == \
            ["recent@signins.example"]
        anchor = db.scalars(select(AuditEntry).where(AuditEntry.action == "audit.pruned")).one()
        assert anchor.detail["removed"] == 2 and anchor.detail["through_seq"] == 2
        audit.record(db, "signout", actor=audit.Actor("recent@signins.example", 1))  # the chain goes on
    with make.session() as db:
        assert "recent@signins.example" in [e.actor for e in db.scalars(
            select(PlatformAuditEntry).where(PlatformAuditEntry.chain == "signin"))]
        assert "old@signins.example" not in [e.actor for e in db.scalars(select(PlatformAuditEntry))]
    for which in (["--tenant", "signins"], ["--platform"]):
        output = koers(stack, "audit-verify", *which)
        assert "sign-in records: intact" in output and "BROKEN" not in output

    with owner_engine.begin() as conn:  # someone with the owner's rights rewrites a record that stays
        sign_in_scope(conn, tenant.id)
        conn.execute(text("ALTER TABLE audit_trail DISABLE TRIGGER audit_trail_append_only"))
        conn.execute(text("UPDATE audit_trail SET actor = 'someone@else.example' WHERE chain = 'signin' AND seq = 3"
                          " AND tenant_id = :t"), {"t": tenant.id})
        conn.execute(text("ALTER TABLE audit_trail ENABLE TRIGGER audit_trail_append_only"))
    output = koers(stack, "audit-verify", "--tenant", "signins", expect=1)
    assert "sign-in records: BROKEN at entry 3" in output


def _uid(db, email):
    return find_user(db, email).id


def test_retention_periods_are_set_within_their_limits(app, make):
    tenant = make.tenant("limits")
    client = app.test_client()
    client.login(tenant.admin_email)
    assert "/t/limits/admin/privacy/retention" in client.text("/t/limits/settings")
    page = client.text("/t/limits/admin/privacy/retention")
    assert 'value="90"' in page and 'value="365"' in page
    refused = client.submit("/t/limits/admin/privacy/retention", {"left_days": "10", "invitations_days": "30",
                                                                  "attachments_days": "abc"})
    assert refused.status_code == 200 and "Choose between 30 and 730 days." in refused.get_data(as_text=True)
    assert "Choose between 90 and 1825 days." in refused.get_data(as_text=True)
    saved = client.submit("/t/limits/admin/privacy/retention", {"left_days": "30", "invitations_days": "7",
                                                                "attachments_days": "1825", "signins_days": "60"})
    assert saved.status_code == 302
    with make.session(tenant.id) as db:
        periods = {p.key: p.days for p in retention.retention_periods(db, db.get(Tenant, tenant.id))}
        assert periods["left_days"] == 30 and periods["invitations_days"] == 7 and periods["attachments_days"] == 1825
        assert periods["signins_days"] == 60
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "settings.retention")).one()
        assert entry.detail["left_days"] == {"from": 90, "to": 30}


def test_a_persons_download_holds_their_data_and_nobody_elses(app, make):
    tenant, objects, second = _world_with_a_named_admin(app, make, "export", (world.foundation, world.programme,
                                                                              world.pitch, world.worklog))
    email = EMAIL.replace("erase", "export")
    elsewhere = make.tenant("elsewhere-x")
    make.member(elsewhere, email)
    client = app.test_client()
    client.login(email)
    assert "/account/data" in client.text("/account")
    assert "not in it" in client.text("/account/data")
    response = client.get("/account/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == email and data["account"]["name"] == NAME
    assert "anonymous" not in data["not_included"] or "no link" in data["not_included"]
    assert {o["organisation"]["slug"] for o in data["organisations"]} == {"export", "elsewhere-x"}
    mine = next(o for o in data["organisations"] if o["organisation"]["slug"] == "export")
    assert "admin" in mine["membership"]["roles"]
    assert [t["name"] for t in mine["teams"]] == ["Team (export)"]
    assert any("Clients wait too long (export)" in r["text"] for r in mine["pitch_texts"])
    assert any("Kick-off notes (export)" in s["notes"] for s in mine["work_sessions_logged"])
    text = json.dumps(data)
    for secret in ("password_hash", "token_hash", "session_stamp", "secret_encrypted"):
        assert secret not in text
    colleague = app.test_client()
    colleague.login("colleague@export.example")
    theirs = colleague.get("/account/data.json").get_data(as_text=True)
    assert "colleague@export.example" in theirs and email not in theirs
    assert "Clients wait too long" not in theirs and "Kick-off notes" not in theirs
    assert "Because (export)" in theirs  # their own support of the theme


def test_the_commands_export_and_erase_a_person(app, make, stack, tmp_path):
    tenant = make.tenant("cmd")
    make.member(tenant, "someone@cmd.example", name="Someone Particular")
    target = tmp_path / "someone.json"
    out = koers(stack, "export-person", "someone@cmd.example", "--tenant", "cmd", str(target))
    assert "1 organisation" in out
    assert json.loads(target.read_text())["account"]["name"] == "Someone Particular"
    koers(stack, "export-person", "nobody@cmd.example", str(target), expect=1)
    assert "deleted the account" in koers(stack, "erase-person", "someone@cmd.example", "--tenant", "cmd")
    assert _mentions(make, tenant.id, ["someone@cmd.example", "Someone Particular"]) == []
    koers(stack, "erase-person", tenant.admin_email, "--tenant", "cmd", expect=1)  # the only admin
    assert "removed:" in koers(stack, "enforce-retention")


def test_an_admin_erases_someone_who_left_before_their_period_has_passed(app, make):
    tenant = make.tenant("leave")
    leaver = make.member(tenant, "leaver@leave.example", name="Lea Leaver")
    client = app.test_client()
    client.login(tenant.admin_email)
    client.submit(f"/t/leave/admin/members/{leaver}/remove", {"action": "remove", "confirmed": "yes"},
                  page="/t/leave/admin/members")
    page = client.text("/t/leave/admin/privacy/retention")
    assert "Lea Leaver" in page
    with make.session(tenant.id, platform=True) as db:  # a person's data across tenants: the platform role
        departure_id = db.scalar(select(Departure.id))
        left = people.export(db, find_user(db, "leaver@leave.example"))["organisations"]
        assert [o["organisation"]["slug"] for o in left] == ["leave"]  # until erased, what they left is theirs
        assert left[0]["membership"] is None and len(left[0]["left_at"]) == 1
    url = f"/t/leave/admin/privacy/departures/{departure_id}/erase"
    assert url in page and "Lea Leaver" in client.text(url)
    assert client.submit(url, {"action": "erase", "confirmed": "yes"}, page=url).status_code == 302
    assert "Lea Leaver" not in client.text("/t/leave/admin/privacy/retention")
    with make.session() as db:
        assert find_user(db, "leaver@leave.example") is None


def test_someone_erased_from_their_last_organisation_is_forgotten_where_they_had_left(app, make):
    here, there = make.tenant("here"), make.tenant("there")
    make.member(here, "pat@both.example", name="Pat Both")
    make.member(there, "pat@both.example")
    with make.session(there.id) as db:
        from saas.administration import service

        service.remove_member(db, db.scalar(select(Membership).where(Membership.user.has(email="pat@both.example"))))
    with make.session(here.id) as db:
        assert people.erase(db, db.get(Tenant, here.id), find_user(db, "pat@both.example"))["account"] == 1
    with make.session(there.id) as db:  # a day past the period: the session's sweeper works on today only
        removed = retention.enforce(db, db.get(Tenant, there.id), date.today() + timedelta(days=91))
        assert removed["people"] == 1 and db.scalars(select(Departure)).all() == []
        reasons = [e.detail["reason"] for e in db.scalars(select(AuditEntry).where(AuditEntry.action == "person.erased"))]
        assert reasons == ["retention"]


def test_a_delivered_mail_keeps_its_subject_a_day_only(app, make):
    from saas.kernel.outbox import OutboundMail

    with make.session() as db:
        old = OutboundMail(recipient="", subject="Kim Jansen joined your team", body="", status="sent",
                           sent_at=utcnow() - timedelta(days=2))
        new = OutboundMail(recipient="", subject="Lou joined your team", body="", status="sent", sent_at=utcnow())
        kept = OutboundMail(recipient="dev@example.org", subject="Kept here", body="b", status="kept")
        failed = OutboundMail(recipient="kim@example.org", subject="Welcome, Kim", body="b", status="failed",
                              created_at=utcnow() - timedelta(days=8))  # undeliverable for more than a week
        db.add_all([old, new, kept, failed])
        db.flush()
        ids = old.id, new.id, kept.id, failed.id
    with make.session() as db:
        retention.scrub_mail(db, date.today())
    with make.session() as db:
        assert [db.get(OutboundMail, i).subject for i in ids] == ["", "Lou joined your team", "Kept here", ""]
        assert db.get(OutboundMail, ids[2]).body == "b"
        assert (db.get(OutboundMail, ids[3]).recipient, db.get(OutboundMail, ids[3]).body) == ("", "")


def test_erasing_a_provisioned_person_removes_the_identity_providers_copy(app, make):
    tenant = make.tenant("idp")
    admin = app.test_client()
    admin.login(tenant.admin_email)
    world.provisioning(app, make, tenant, admin, {"slug": "idp"})
    assert _mentions(make, tenant.id, ["provisioned@idp.example"])
    with make.session(tenant.id) as db:
        removed = people.erase(db, db.get(Tenant, tenant.id), find_user(db, "provisioned@idp.example"))
    assert removed["provisioned_user"] == 1 and removed["account"] == 1
    assert _mentions(make, tenant.id, ["provisioned@idp.example", "Provisioned (idp)"]) == []
    assert "Staff (idp)" in admin.text("/t/idp/admin/provisioning")  # the group and its mapping stay
