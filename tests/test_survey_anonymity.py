"""Anonymity of survey answers (DESIGN.md §3), proven on what is stored.

Three known people answer in a known order (among others). Afterwards nothing stored — rows,
columns, ids, dates, physical order, the moment a response appears, or the log — ties an answer
to one of them.
"""
import logging
from datetime import date

import pytest
from sqlalchemy import inspect, select, text

from saas.surveys import service
from saas.surveys.models import PooledAnswer, Response, SurveyInvitation, Wave
from tenants.models import Membership
from tests.helpers import works_council

KNOWN = ["anna", "bram", "carmen"]  # they answer first, in this order
PEOPLE = KNOWN + [f"other{n}" for n in range(17)]


@pytest.fixture
def wave(app, make):
    tenant = make.tenant("oost")
    for i, name in enumerate(KNOWN + [f"other{n}" for n in range(17)]):
        make.member(tenant, f"{name}@oost.example", legacy_org_id=tenant.legacy_org_ids[i % 3])
    with make.session(tenant.id) as db:
        wave = service.create_wave(db, name="Nulmeting", instruments=("values",))
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="De OR stemt in.")
        from tenants.models import Tenant

        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        members = db.scalars(select(Membership).join(Membership.user).order_by(Membership.id)).all()
        tokens = {m.user.email.split("@")[0]: token for m, token in service.invite(db, wave, members)}
        tenant.wave_id = wave.id
    tenant.tokens = tokens
    return tenant


def _answer(make, tenant, who, today=date(2026, 11, 23)):
    """Submit, and then do what the mixing job does, in a transaction of its own."""
    from tenants.models import Tenant

    with make.session(tenant.id) as db:
        wave = db.get(Wave, tenant.wave_id)
        invitation = service.invitation_for_token(db, tenant.tokens[who])
        service.submit(db, wave, invitation, _values_of(who, wave), {"legacy_org_id": None}, today)
    with make.session(tenant.id) as db:
        service.mix_pool(db, db.get(Tenant, tenant.id), db.get(Wave, tenant.wave_id))


def _values_of(who, wave):
    """Each respondent's own value, so that the test can recognise the answer as theirs."""
    key = wave.value_keys[PEOPLE.index(who)]
    return {"values": {"personal": [key], "team_current": [], "org_current": [], "org_desired": []}}


def _who(answers, keys):
    return PEOPLE[keys.index(answers["values"]["personal"][0])]


def test_a_single_answer_never_appears_on_its_own(make, wave):
    for who in KNOWN + ["other0"]:
        _answer(make, wave, who)
    with make.session(wave.id) as db:
        assert db.scalars(select(Response)).all() == []  # four wait in the pool: fewer than k
    _answer(make, wave, "other1")
    with make.session(wave.id) as db:
        assert len(db.scalars(select(Response)).all()) == 5
        assert db.scalars(select(PooledAnswer)).all() == []


def test_nothing_stored_ties_an_answer_to_its_respondent(make, wave, owner_engine, caplog):
    caplog.set_level(logging.DEBUG)
    order = KNOWN + [f"other{n}" for n in range(17)]
    for who in order:
        _answer(make, wave, who)
    with make.session(wave.id) as db:
        wave_row = db.get(Wave, wave.wave_id)
        keys = list(wave_row.value_keys)
        service.close_wave(db, wave_row, today=date(2026, 11, 30))

    # columns: a response holds no person, token, invitation or time finer than the wave's close
    columns = {c["name"] for c in inspect(owner_engine).get_columns("survey_responses")}
    assert columns == {"id", "tenant_id", "wave_id", "legacy_org_id", "team_id", "tenure_band", "submitted_on",
                       "answers", "verified"}
    invitation_columns = {c["name"] for c in inspect(owner_engine).get_columns("survey_invitations")}
    assert not invitation_columns & {"response_id", "answered_at", "submitted_at", "answers"}

    with owner_engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        physical = [_who(r.answers, keys) for r in conn.execute(text("SELECT answers FROM survey_responses"))]
        by_id = [_who(r.answers, keys) for r in conn.execute(text("SELECT answers FROM survey_responses ORDER BY id"))]
        days = set(conn.execute(text("SELECT DISTINCT submitted_on FROM survey_responses")).scalars())
        # transaction ids: every result was written by the close, in one transaction, which wrote no invitation
        result_xids = set(conn.execute(text("SELECT xmin::text FROM survey_responses")).scalars())
        invitation_xids = set(conn.execute(text("SELECT xmin::text FROM survey_invitations")).scalars())
        invitations = conn.execute(text("SELECT token_hash, membership_id, answered, draft FROM survey_invitations"))
        invitations = invitations.all()
        pool = conn.execute(text("SELECT count(*) FROM survey_answer_pool")).scalar()
    assert sorted(physical) == sorted(order)
    # neither the physical order nor the id order follows the order of answering (20! orders)
    assert physical != order and by_id != order
    assert days == {date(2026, 11, 30)}
    # ... and that transaction rewrote every invitation too: none keeps the transaction of its answer
    assert len(result_xids) == 1 and invitation_xids == result_xids
    assert pool == 0
    assert sum(row.answered for row in invitations) == len(order)  # (the admin was invited too, and did not answer)
    assert all(row.draft is None for row in invitations)
    # the ids are random, not a sequence that counts answers
    with make.session(wave.id) as db:
        ids = [r.id for r in db.scalars(select(Response))]
    assert all(len(i) == 32 and not i.isdigit() for i in ids)
    # the log says nothing about who answered what
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for who in KNOWN:
        assert who not in logged and wave.tokens[who] not in logged


def test_a_link_answers_once_and_a_draft_is_kept_until_submitted(make, wave):
    with make.session(wave.id) as db:
        invitation = service.invitation_for_token(db, wave.tokens["anna"])
        service.save_draft(invitation, {"values": {"personal": ["trust"]}})
    with make.session(wave.id) as db:
        invitation = service.invitation_for_token(db, wave.tokens["anna"])
        assert invitation.draft == {"values": {"personal": ["trust"]}}
    _answer(make, wave, "anna")
    with make.session(wave.id) as db:
        invitation = service.invitation_for_token(db, wave.tokens["anna"])
        assert invitation.draft is None  # detached: the answer is no longer under the token
        with pytest.raises(service.AlreadyAnswered):
            service.submit(db, db.get(Wave, wave.wave_id), invitation, {}, {}, date(2026, 11, 23))


@pytest.mark.smoke
def test_a_dutch_wave_opens_only_after_the_works_councils_consent(make, app):
    tenant = make.tenant("oost")
    with make.session(tenant.id) as db:
        from tenants.models import Tenant

        wave = service.create_wave(db, name="Nulmeting")
        with pytest.raises(service.ConsentMissing):
            service.open_wave(db, db.get(Tenant, tenant.id), wave)
        with pytest.raises(Exception):
            service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="Ja", min_group_size=3)
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="Ja", min_group_size=8)
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        assert wave.status == "open"
        assert service.min_group_size(db, db.get(Tenant, tenant.id), wave) == 8


@pytest.mark.smoke
def test_invalid_answers_are_refused_and_nothing_is_pooled(make, app):
    from tenants.models import Tenant

    tenant = make.tenant("oost")
    with make.session(tenant.id) as db:
        wave = service.create_wave(db, name="Nulmeting")
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="Ja")
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        admin = db.scalar(select(Membership))
        [(_m, token)] = service.invite(db, wave, [admin])
        invitation = service.invitation_for_token(db, token)
        bad_culture = {"values": {"personal": [], "team_current": [], "org_current": [], "org_desired": []},
                       "culture": {f"d{d}_{t}_{p}": 25 for d in range(1, 7) for t in
                                   ("clan", "adhocracy", "market", "hierarchy") for p in ("now", "preferred")},
                       "contract": {}}
        bad_culture["culture"]["d3_clan_now"] = 24  # dimension 3 now sums to 99
        with pytest.raises(service.InvalidAnswer) as refused:
            service.submit(db, wave, invitation, bad_culture, {}, date(2026, 11, 23))
        assert refused.value.field == "d3_now"
        assert not invitation.answered
        assert db.scalars(select(PooledAnswer)).all() == []


def test_answers_given_through_the_pages_cannot_be_traced_to_who_gave_them(app, make, wave, owner_engine, caplog):
    """The same proof, with the three known people answering in the browser's way: link, steps, send."""
    from saas.models import metadata

    caplog.set_level(logging.DEBUG)
    order = KNOWN + [f"other{n}" for n in range(7)]  # ten answers: two batches of k = 5
    with make.session(wave.id) as db:
        keys = list(db.get(Wave, wave.wave_id).value_keys)
        people = {m.user.email.split("@")[0]: (m.id, m.user_id, m.user.email, m.user.name)
                  for m in db.scalars(select(Membership))}
    untouched = [t.name for t in metadata.sorted_tables
                 if t.name not in ("survey_invitations", "survey_answer_pool", "survey_responses", "job_runs")]
    before = _rows(owner_engine, untouched)

    for who in order:
        browser = app.test_client()
        here = browser.get(f"/t/oost/survey/{wave.tokens[who]}").headers["Location"]
        assert wave.tokens[who] not in here
        for data in ({}, {"legacy_org_id": "none"}, {"values": [keys[PEOPLE.index(who)]]}, {"values": []},
                     {"values": []}, {"values": []}, {"action": "submit"}):
            response = browser.submit(here, {"action": "next", **data})
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
            here = response.headers["Location"]
        assert here.endswith("/thanks")

    # nothing but the survey's own tables was written while people answered (no log table, no outbox),
    # and the record of the mixing job, which names the wave and nothing else, once per k answers
    assert _rows(owner_engine, untouched) == before
    with owner_engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        runs = conn.execute(text("SELECT function, args FROM job_runs")).all()
    assert runs and {(function, tuple(args)) for function, args in runs} == {
        ("saas.surveys.jobs.mix_pool", (wave.id, wave.wave_id))}
    with owner_engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        responses = conn.execute(text("SELECT * FROM survey_responses")).mappings().all()
        physical = [_who(r["answers"], keys) for r in responses]
        by_id = [_who(r["answers"], keys) for r in
                 conn.execute(text("SELECT answers FROM survey_responses ORDER BY id")).mappings()]
        invitations = conn.execute(text("SELECT * FROM survey_invitations")).mappings().all()
        pool = conn.execute(text("SELECT count(*) FROM survey_answer_pool")).scalar()
    assert sorted(physical) == sorted(order) and pool == 0
    assert physical != order and by_id != order  # within each batch of k the order is shuffled
    assert {r["submitted_on"] for r in responses} == {date.today()}
    assert {r["legacy_org_id"] for r in responses} == {None}  # "prefer not to say"
    assert all(len(r["id"]) == 32 for r in responses)
    # no value in a response names a person, their membership, their account or their link
    traces = {wave.tokens[who] for who in order} | {str(v) for who in order for v in people[who]}
    for response in responses:
        stored = " ".join(str(value) for value in response.values() if not isinstance(value, int))
        assert not any(trace in stored for trace in traces if not trace.isdigit()), response
        assert response["wave_id"] == wave.wave_id and response["tenant_id"] == wave.id
    # the invitations know only that they were used; their drafts are gone
    assert sum(i["answered"] for i in invitations) == len(order)
    assert all(i["draft"] is None for i in invitations)
    # and the log says nothing of who answered, nor of their links
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for who in order:
        assert wave.tokens[who] not in logged and f"{who}@oost.example" not in logged


def _rows(owner_engine, tables):
    with owner_engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        return {name: conn.execute(text(f"SELECT * FROM {name} ORDER BY 1")).all() for name in tables}


def test_answers_sent_as_json_cannot_be_traced_to_who_sent_them(app, make, wave, owner_engine, caplog):
    """The same proof for the API's one-request submission (saas.surveys.intake), its fast path."""
    from saas.models import metadata

    caplog.set_level(logging.DEBUG)
    order = KNOWN + [f"other{n}" for n in range(17)]  # twenty answers: four groups of k = 5
    with make.session(wave.id) as db:
        keys = list(db.get(Wave, wave.wave_id).value_keys)
        people = {m.user.email.split("@")[0]: (m.id, m.user_id, m.user.email, m.user.name)
                  for m in db.scalars(select(Membership))}
    untouched = [t.name for t in metadata.sorted_tables
                 if t.name not in ("survey_invitations", "survey_answer_pool", "survey_responses", "job_runs")]
    before = _rows(owner_engine, untouched)

    api = app.test_client()
    for who in order:
        response = api.post(f"/t/oost/survey/{wave.tokens[who]}/answers.json",
                            json={"answers": _values_of(who, _Keys(keys)), "attributes": {}})
        assert response.status_code == 201, response.get_json()
        assert "Set-Cookie" not in response.headers

    assert _rows(owner_engine, untouched) == before
    with owner_engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        responses = conn.execute(text("SELECT * FROM survey_responses")).mappings().all()
        by_id = [_who(r["answers"], keys) for r in
                 conn.execute(text("SELECT answers FROM survey_responses ORDER BY id")).mappings()]
        invitations = conn.execute(text("SELECT * FROM survey_invitations")).mappings().all()
        pool = conn.execute(text("SELECT count(*) FROM survey_answer_pool")).scalar()
    physical = [_who(r["answers"], keys) for r in responses]
    assert sorted(physical) == sorted(order) and pool == 0  # every answer is in, mixed k at a time
    assert physical != order and by_id != order
    assert {r["submitted_on"] for r in responses} == {date.today()}
    assert all(len(r["id"]) == 32 and int(r["id"], 16) >= 0 and not r["id"].isdigit() for r in responses)
    assert len({r["id"] for r in responses}) == len(order)
    traces = {wave.tokens[who] for who in order} | {str(v) for who in order for v in people[who]}
    for response in responses:
        stored = " ".join(str(value) for value in response.values() if not isinstance(value, int))
        assert not any(trace in stored for trace in traces if not trace.isdigit()), response
    assert sum(i["answered"] for i in invitations) == len(order)
    assert all(i["draft"] is None for i in invitations)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for who in order:
        assert wave.tokens[who] not in logged and f"{who}@oost.example" not in logged


class _Keys:
    """Stands in for a wave where `_values_of` only needs its value keys."""

    def __init__(self, keys):
        self.value_keys = keys
