"""Unlinkable in the database too (issue 15, point 6 and 10): someone who gets the whole database
after a wave's close (the owner role, every tenant) and the outbox cannot tell which result row
came from which invitation.

The wave is launched through the admin's page with personal invitations by mail (really sent, to
the test SMTP server), people answer through their personal links in a known order, some save a
half-finished survey and never send it, a reminder round goes out through the real reminder job
and some answer with the reminder's link; then the admin closes the wave. The test knows who sent
which answer (each answer has a recognisable content) and tries every trace: transaction ids,
physical order, ids, dates, the pool, drafts, the outbox, job records, small groups of attributes.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import text

from saas.programme.models import Programme, Team, Theme
from saas.surveys import service as surveys
from saas.surveys.models import Wave
from saas.kernel.tokens import hash_token
from tests.conftest import settings_for
from tests.smtp_server import SMTPServer
from tests.helpers import Factory, KoersClient, link_in, works_council
from tests.test_adversary import answers_of, fingerprint_of

K = 5
# (legacy organisation, team, years of service) each person gives; None: prefer not to say
PEOPLE = [("AAL", "Wijk", "lt_2"), ("AAL", "Wijk", "2_to_10"), ("BEE", "Balie", "gt_10"), ("AAL", None, None),
          ("BEE", "Balie", "lt_2"), (None, None, None), ("AAL", "Wijk", "lt_2"), ("BEE", "Balie", "2_to_10"),
          ("AAL", "Wijk", None), ("BEE", None, "gt_10"), ("AAL", "Wijk", "gt_10"), ("BEE", "Balie", "lt_2"),
          ("AAL", "Balie", "lt_2"), ("BEE", "Wijk", None), ("AAL", "Wijk", "2_to_10"), ("BEE", "Balie", "gt_10")]
BEFORE_REMINDER = [3, 0, 7, 12, 5, 9]  # answer with the first mail, in this order
DRAFTERS = [1, 14]  # save half a survey and never send it
AFTER_REMINDER = [2, 15, 10, 4, 8]  # answer with the reminder's link, in this order


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.close()


@pytest.fixture
def mailing_app(stack, database, smtp):
    from saas import create_app
    from saas.kernel.extensions import limiter

    application = create_app(settings_for(stack, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False),
                             database=database, testing=True)
    application.test_client_class = KoersClient
    limiter.reset()
    return application


def _links(smtp, subject_starts: str) -> dict[str, str]:
    """recipient → token of the survey link, from the mails that really left."""
    found = {}
    for message in smtp.messages:
        if message["Subject"].startswith(subject_starts):
            path = link_in(message.get_body(("plain",)).get_content())
            found[message["To"]] = re.search(r"/survey/([^/\s]+)$", path).group(1)
    return found


def _owner(owner_engine, sql: str, **params):
    with owner_engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        return conn.execute(text(sql), params).all()


def test_after_the_close_no_result_can_be_tied_to_an_invitation(mailing_app, database, smtp, owner_engine):
    app = mailing_app
    make = Factory(app, database)
    tenant = make.tenant("oost", legacy_orgs=("AAL", "BEE"))
    emails = [f"person{i}@oost.example" for i in range(len(PEOPLE))]
    for email, (org, _team, _tenure) in zip(emails, PEOPLE):
        make.member(tenant, email, legacy_org_id=tenant.legacy_org_ids[("AAL", "BEE").index(org)] if org else None)
    with make.session(tenant.id) as db:
        programme = Programme(name="Samen verder", goal="", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        db.add(programme)
        db.flush()
        theme = Theme(programme_id=programme.id, title="Dienstverlening")
        db.add(theme)
        db.flush()
        teams = {name: Team(theme_id=theme.id, name=name) for name in ("Wijk", "Balie")}
        db.add_all(teams.values())
        db.flush()
        team_ids = {name: team.id for name, team in teams.items()}
        wave = surveys.create_wave(db, name="Nulmeting", groupings=("legacy_org", "team", "tenure"),
                                   programme_id=programme.id,
                                   questions=[{"kind": "likert", "nl": "Ik voel me thuis", "en": "I feel at home"},
                                              {"kind": "open", "nl": "Wat valt op?", "en": "What stands out?"}])
        surveys.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 3, 2), decision="De OR stemt in.")
        wave_id, keys = wave.id, list(wave.value_keys)
    org_ids = dict(zip(("AAL", "BEE"), tenant.legacy_org_ids))

    admin = app.test_client()
    admin.login(tenant.admin_email)
    wave_page = f"/t/oost/waves/{wave_id}"
    response = admin.submit(f"{wave_page}/launch", {"invitations": "mail"}, page=wave_page)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    tokens = _links(smtp, "Survey:")
    assert set(emails) <= set(tokens)

    claims = set()  # the transaction ids that claimed an invitation (the moment someone answered)

    def answer(person: int, token: str):
        org, team, tenure = PEOPLE[person]
        sent = app.test_client().post(f"/t/oost/survey/{token}/answers.json", json={
            "answers": answers_of(person + 1, keys),
            "attributes": {"legacy_org_id": org_ids.get(org), "team_id": team_ids.get(team), "tenure_band": tenure}})
        assert sent.status_code == 201, sent.get_json()
        [(xid,)] = _owner(owner_engine, "SELECT xmin::text FROM survey_invitations WHERE token_hash = :h",
                          h=hash_token(token))
        claims.add(xid)

    for person in BEFORE_REMINDER:
        answer(person, tokens[emails[person]])
    for person in DRAFTERS:  # half a survey, kept under the link (until the close)
        browser = app.test_client()
        here = browser.get(f"/t/oost/survey/{tokens[emails[person]]}").headers["Location"]
        response = browser.submit(here, {"action": "save"})
        assert response.status_code == 302
    assert len(_owner(owner_engine, "SELECT 1 FROM survey_invitations WHERE draft IS NOT NULL")) == len(DRAFTERS)

    # a day passes: a reminder renews only links mailed at least 24 hours before it (issue 17 §6)
    with owner_engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        conn.execute(text("UPDATE survey_invitations SET mailed_at = mailed_at - interval '25 hours' "
                          "WHERE wave_id = :w"), {"w": wave_id})
    sent_before = len(smtp.messages)
    response = admin.submit(f"{wave_page}/remind", {"round": "1"}, page=wave_page)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    reminders = _links(smtp, "Reminder:")
    unanswered = {emails[i] for i in range(len(PEOPLE)) if i not in BEFORE_REMINDER} | {tenant.admin_email} \
        | {email for email in reminders if email.startswith("works-council-")}  # who recorded the consent
    assert set(reminders) == unanswered and len(smtp.messages) == sent_before + len(unanswered)
    for person in AFTER_REMINDER:
        answer(person, reminders[emails[person]])
    order = [p + 1 for p in BEFORE_REMINDER + AFTER_REMINDER]  # fingerprints in the order of answering

    response = admin.submit(f"{wave_page}/close", {"confirm": "y"}, page=wave_page)
    assert response.status_code == 302
    today = date.today()

    # --- the whole database, as its owner, across tenants -----------------------------------------
    results = _owner(owner_engine, "SELECT xmin::text AS xid, id, answers, submitted_on, legacy_org_id, team_id, "
                                   "tenure_band, verified FROM survey_responses WHERE wave_id = :w ORDER BY ctid",
                     w=wave_id)
    physical = [fingerprint_of(r.answers) for r in results]
    assert sorted(physical) == sorted(order)
    # one transaction wrote every result (the close), and it is no claim's
    result_xids = {r.xid for r in results}
    assert len(result_xids) == 1 and not result_xids & claims
    # every invitation was written anew by that same transaction: none keeps the transaction of its claim
    invitations = _owner(owner_engine, "SELECT xmin::text AS xid, answered, reminders_sent, draft, mailed_at FROM "
                                       "survey_invitations WHERE wave_id = :w", w=wave_id)
    assert {i.xid for i in invitations} == result_xids
    assert not {i.xid for i in invitations} & claims
    assert sum(i.answered for i in invitations) == len(order)
    assert all(i.draft is None for i in invitations)  # the drafts are gone
    assert all(i.mailed_at is None for i in invitations)  # and when each was last mailed
    # neither the physical order nor the order of the (random) ids is the order of answering
    by_id = [fingerprint_of(r.answers) for r in sorted(results, key=lambda r: r.id)]
    assert physical != order and by_id != order
    assert all(len(r.id) == 32 and int(r.id, 16) >= 0 for r in results)
    # no time finer than the close: the only date is the close's, and there is no timestamp column
    assert {r.submitted_on for r in results} == {today}
    columns = _owner(owner_engine, "SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_name = 'survey_responses'")
    assert [name for name, kind in columns if "time" in kind] == []
    # nothing waits in the pool
    assert _owner(owner_engine, "SELECT count(*) FROM survey_answer_pool")[0][0] == 0
    # no stored (organisation, team, years of service) class holds 1..k-1 verified answers
    classes = Counter((r.legacy_org_id, r.team_id, r.tenure_band) for r in results if r.verified)
    assert all(n >= K for n in classes.values()), classes
    # the answer kept only what its sender said (or less)
    for r in results:
        org, team, tenure = PEOPLE[fingerprint_of(r.answers) - 1]
        assert r.legacy_org_id in (None, org_ids.get(org)) and r.team_id in (None, team_ids.get(team))
        assert r.tenure_band in (None, tenure)

    # the outbox keeps no recipient and no body of a mail that was sent (invitations and reminders)
    outbox = _owner(owner_engine, "SELECT status, recipient, body, html_body, subject FROM outbound_mail")
    assert outbox and all(m.status == "sent" and m.recipient == "" and m.body == m.html_body == "" for m in outbox)
    reminder_subjects = [m for m in outbox if m.subject.startswith("Reminder:")]
    assert len(reminder_subjects) == len(unanswered)
    everything = " ".join(str(v) for m in outbox for v in m)
    for email in emails:
        assert email not in everything
    for token in [*tokens.values(), *reminders.values()]:
        assert token not in everything
    # job records hold only ids (tenant, wave, mail, round), never a token, an address or an answer
    for function, args, error in _owner(owner_engine, "SELECT function, args, error FROM job_runs"):
        assert all(isinstance(a, int) for a in args), (function, args)
        assert error is None, (function, error)
    # no table anywhere holds a link (only hashes are kept), and the wave is closed with all its answers
    from saas.models import metadata

    links = [*tokens.values(), *reminders.values()]
    for table in metadata.sorted_tables:
        stored = " ".join(str(row) for row in _owner(owner_engine, f"SELECT * FROM {table.name}"))
        assert not [link for link in links if link in stored], table.name
        # and no row of any table was last written by a transaction that claimed an invitation
        kept = {xid for (xid,) in _owner(owner_engine, f"SELECT xmin::text FROM {table.name}")} & claims
        assert not kept, (table.name, kept)
    with make.session(tenant.id) as db:
        assert db.get(Wave, wave_id).status == "closed"
        assert surveys.response_count(db, db.get(Wave, wave_id)) == len(order)
