"""Anonymity of pulse checks and 360-degree feedback as one mechanism (issue 15: findings 6, 7, 8, 9;
points 2, 5, 6, 8), told through what people see and what the database holds.

- A manager's coach reads the 360 report, so the coach can never rate that round too.
- Others' written answers in a 360 report need at least five raters; scores keep three.
- Figures a manager shares from their 360 round are never shown to someone who rated it.
- Results exist only as a release made once at the close; pages read the release, not the answers,
  so neither a later change of the tenant's k nor anything done to the answers changes them.
- Pooled answers are mixed in a transaction of their own, and the close rewrites them all in one.
- Every look at the consistency check, a promise's evidence and a 360 report is in the access log.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text, update

from saas.anonymity import policy, pulse as pulse_rule, raters
from saas.anonymity.models import Release
from saas.leadership.models import Evidence, FeedbackAnswer, FeedbackRound, Promise, PulseAnswer, PulseRound
from tests.helpers import link_in, signed_in

STAFF = [f"staff{n}" for n in range(12)]


@pytest.fixture
def world(app, make):
    from saas.leadership import promises
    from saas.programme import service as programmes
    from tenants.models import Membership

    tenant = make.tenant("noord")
    ids = SimpleNamespace(
        mia=make.member(tenant, "mia@noord.example", roles=["management"], name="Mia Manager"),
        max=make.member(tenant, "max@noord.example", roles=["management"], name="Max Manager"),
        carla=make.member(tenant, "carla@noord.example", roles=["consultant"], name="Carla Consultant"),
        cora=make.member(tenant, "cora@noord.example", roles=["consultant"], name="Cora Coach"),
        wim=make.member(tenant, "wim@noord.example", roles=["works_council", "member"], name="Wim Council"),
        boss=make.member(tenant, "boss@noord.example", name="Bob Boss"),
        staff=[make.member(tenant, f"{who}@noord.example", name=who.title()) for who in STAFF],
    )
    with make.session(tenant.id) as db:
        programme = programmes.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                                ends_on=date(2027, 12, 31))
        for words in ("We explain every decision.", "We listen before we decide."):
            promises.add_promise(db, programme, db.get(Membership, ids.mia), words)
        programme_id = programme.id
        promise_ids = list(db.scalars(select(Promise.id).order_by(Promise.id)))
    base = f"/t/noord/leadership/programmes/{programme_id}"
    return SimpleNamespace(tenant=tenant, ids=ids, programme_id=programme_id, promise_ids=promise_ids,
                           start=f"{base}/feedback/new", pulse_checks=f"{base}/pulse-checks",
                           results=f"{base}/pulse-results", consistency=f"{base}/consistency")


def _start(app, world, *, coach="cora", manager=None, peers=(), reports=()):
    mia = signed_in(app, "mia@noord.example")
    ids = vars(world.ids)
    form = {"coach_id": str(ids[coach]) if coach else "", "manager_id": str(ids[manager]) if manager else "",
            "peer_ids": [str(_id(world, p)) for p in peers], "report_ids": [str(_id(world, r)) for r in reports],
            "closes_on": (date.today() + timedelta(days=10)).isoformat()}
    return mia, mia.submit(world.start, form)


def _id(world, who: str) -> int:
    return world.ids.staff[STAFF.index(who)] if who in STAFF else vars(world.ids)[who]


def _answer_feedback(app, make, who: str, scores, keep: str = "") -> None:
    rater = app.test_client()
    page = rater.get(link_in(make.mails_to(f"{who}@noord.example")[-1].body)).headers["Location"]
    form = {name: "na" for name in set(re.findall(r'name="(score-\d+)"', rater.text(page)))}
    form.update({f"score-{promise_id}": str(score) for promise_id, score in scores})
    form["keep"] = keep
    response = rater.submit(page, form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def _close_feedback(mia, page) -> str:
    assert mia.submit(f"{page}/close", {"action": "close"}, page=page).status_code == 302
    return mia.text(page)


def _open_pulse(app, world, name="Pulse check 1") -> str:
    mia = signed_in(app, "mia@noord.example")
    response = mia.submit(world.pulse_checks, {
        "name": name, "opens_on": date.today().isoformat(), "closes_on": (date.today() + timedelta(days=14)).isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = response.headers["Location"]
    response = signed_in(app, "wim@noord.example").submit(f"{page}/consent", {  # the works council records its consent
        "decided_on": "2026-03-02", "decision": "De ondernemingsraad stemt in."})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert mia.submit(f"{page}/open", {"action": "open"}, page=page).status_code == 302
    return page


def _answer_pulse(app, make, who: str, score, example: str = "") -> None:
    person = app.test_client()
    page = person.get(link_in(make.mails_to(f"{who}@noord.example")[-1].body)).headers["Location"]
    form = {name: str(score) for name in set(re.findall(r'name="(score-\d+)"', person.text(page)))}
    if example:
        form.update({name.replace("score", "example"): example for name in list(form)})
    assert person.submit(page, form).status_code == 302


def _close_pulse(app, page) -> str:
    mia = signed_in(app, "mia@noord.example")
    assert mia.submit(f"{page}/close", {"action": "close"}, page=page).status_code == 302
    return mia.text(page)


def _set_tenant_k(make, world, k: int) -> None:
    from tenants.models import Tenant

    with make.session(world.tenant.id) as db:
        db.get(Tenant, world.tenant.id).min_group_size = k


# ---- 360: the coach is never a rater ---------------------------------------------------------

def test_a_manager_cannot_choose_their_coach_as_one_of_their_raters(app, make, world):
    for peers, manager in ((["carla", "staff0"], None), (["staff0"], "carla")):
        _mia, response = _start(app, world, coach="carla", manager=manager, peers=peers)
        assert response.status_code == 200
        assert "Your coach reads your report, so they cannot also rate you." in response.get_data(as_text=True)
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(FeedbackRound)) == 0

    mia, response = _start(app, world, coach="cora", peers=["staff0", "staff1"])
    page = response.headers["Location"]
    offered = mia.text(page).split("Ask more people", 1)[1]
    assert f'value="{world.ids.cora}"' not in offered  # the coach is no choice among more raters
    assert f'value="{world.ids.carla}"' in offered
    response = mia.submit(f"{page}/raters", {"peer_ids": [str(world.ids.cora)]})
    assert response.status_code == 400 and "Choose people from the list." in response.get_data(as_text=True)
    assert make.mails_to("cora@noord.example") == []


def test_adding_the_coach_as_a_rater_is_refused_by_the_service_too(app, make, world):
    from saas.leadership import feedback
    from tenants.models import Membership, Tenant

    _mia, response = _start(app, world, coach="cora", peers=["staff0"])
    with make.session(world.tenant.id) as db:
        round_ = db.scalar(select(FeedbackRound))
        with pytest.raises(feedback.CoachRates) as refused:
            feedback.add_raters(db, db.get(Tenant, world.tenant.id), round_, peer_ids=[world.ids.cora],
                                report_ids=[], today=date.today())
        assert refused.value.field == "peer_ids"
        with pytest.raises(feedback.CoachRates) as refused:
            feedback.start_round(db, db.get(Tenant, world.tenant.id), _programme(db, world),
                                 db.get(Membership, world.ids.mia), coach_id=world.ids.cora, manager_id=None,
                                 peer_ids=[], report_ids=[world.ids.cora], closes_on=date.today(), today=date.today())
        assert refused.value.field == "coach_id"
        db.rollback()


def _programme(db, world):
    from saas.programme.service import get_programme

    return get_programme(db, world.programme_id)


# ---- 360: comments need five raters ----------------------------------------------------------

def test_others_written_answers_need_five_raters_while_scores_need_three(app, make, world):
    first, _second = world.promise_ids
    mia, response = _start(app, world, peers=["staff0", "staff1", "staff2", "staff3"])
    page = response.headers["Location"]
    assert "Written answers by others are shown only when at least 5 people besides you answered." \
        in mia.text(world.start)
    for n, who in enumerate(["staff0", "staff1", "staff2", "staff3"]):
        _answer_feedback(app, make, who, [(first, 4)], keep=f"Thoughtful note {n}")
    report = _close_feedback(mia, page)
    assert '4.0 <span class="meta">(n = 4)</span>' in report  # four raters: the scores are shown
    assert "Thoughtful note" not in report  # but not what they wrote
    assert "Written answers by others are shown only when at least 5 people besides you answered" in report

    mia, response = _start(app, world, peers=["staff4", "staff5", "staff6", "staff7", "staff8"])
    page = response.headers["Location"]
    for n, who in enumerate(["staff4", "staff5", "staff6", "staff7", "staff8"]):
        _answer_feedback(app, make, who, [(first, 3)], keep=f"Careful note {n}")
    report = _close_feedback(mia, page)
    assert sorted(re.findall(r"Careful note (\d)", report)) == ["0", "1", "2", "3", "4"]


@pytest.mark.smoke
def test_the_comment_rule_counts_raters_not_groups():
    assert not raters.comments_shown({"manager": 1, "peer": 3, "report": 0})
    assert raters.comments_shown({"manager": 1, "peer": 3, "report": 1})
    assert not raters.comments_shown({"manager": 0, "peer": 2, "report": 0})
    assert policy.RATERS_MIN_COMMENTS == 5 and policy.RATERS_MIN_SCORES == 3
    assert raters.coach_is_rater(7, [3, 7]) and not raters.coach_is_rater(None, [3]) and not raters.coach_is_rater(7, [])
    assert raters.evidence_withheld(4, {4, 5}) and not raters.evidence_withheld(None, {4})
    assert raters.pooled_group("manager") == "other" and raters.pooled_group("peer") == "peer"


@pytest.mark.smoke
def test_the_pulse_rule_needs_k_scores_and_free_text_k_answers():
    assert not pulse_rule.round_shown(4, 5) and pulse_rule.round_shown(5, 5)
    assert not pulse_rule.promise_shown(9, 4, 5) and pulse_rule.promise_shown(9, 5, 5)
    assert not pulse_rule.examples_shown(9, 5) and pulse_rule.examples_shown(10, 5)
    assert not pulse_rule.examples_shown(11, 12) and pulse_rule.examples_shown(12, 12)


# ---- 360: shared evidence is withheld from the raters of its round -------------------------------

def test_shared_360_evidence_is_never_shown_to_someone_who_rated_that_round(app, make, world, owner_engine):
    first, _second = world.promise_ids
    # Max (management) and Carla (consultant) rate Mia, with three staff; Cora is her coach
    mia, response = _start(app, world, coach="cora", peers=["max", "carla", "staff0", "staff1", "staff2"])
    page = response.headers["Location"]
    for who in ["max", "carla", "staff0", "staff1", "staff2"]:
        _answer_feedback(app, make, who, [(first, 2)])
    _close_feedback(mia, page)
    evidence_page = f"/t/noord/leadership/promises/{first}/evidence"
    with make.session(world.tenant.id) as db:
        round_id = db.scalar(select(FeedbackRound.id))
    response = mia.submit(f"{evidence_page}/feedback", {"feedback_round_id": str(round_id), "rating": "inconsistent",
                                                       "notes": "Others see me explain less than I think."})
    assert response.status_code == 302
    with make.session(world.tenant.id) as db:
        evidence_id = db.scalar(select(Evidence.id))

    # Mia, who shared it, and the management team and consultants who did not rate, see the figure
    for email in ("mia@noord.example", "cora@noord.example"):
        seen = signed_in(app, email).text(evidence_page)
        assert "All others: 2.0 (n = 5)" in seen and "Others see me explain less" in seen, email
        assert "verdict-part" in _row(signed_in(app, email).text(world.consistency), "We explain every decision.")
    # the raters see that something is withheld, and why, but nothing of it
    for email in ("max@noord.example", "carla@noord.example"):
        rater = signed_in(app, email)
        seen = rater.text(evidence_page)
        assert "withheld" in seen and "You were asked to rate that round" in seen, email
        assert "All others" not in seen and "Others see me explain less" not in seen and "2.0" not in seen
        overview = rater.text(world.consistency)
        assert "1 piece of evidence is left out for you" in overview
        row = _row(overview, "We explain every decision.")
        assert "verdict-unknown" in row and "1 withheld from you" in row
        # nor can they reach it by its address: rate, remove, download
        url = f"/t/noord/leadership/evidence/{evidence_id}"
        assert rater.get(f"{url}/file").status_code == 404
        assert rater.submit(f"{url}/rating", {"rating": "consistent"}, page=evidence_page).status_code == 404
        assert rater.submit(f"{url}/remove", {"action": "remove", "confirmed": "yes"}, page=evidence_page).status_code == 404
    with make.session(world.tenant.id) as db:
        evidence = db.get(Evidence, evidence_id)
        assert evidence.rating == "inconsistent"


# ---- releases, not readings ------------------------------------------------------------------

def test_pulse_results_are_released_once_at_the_close_and_hold_whatever_happens_later(app, make, world, owner_engine):
    first, second = world.promise_ids
    _set_tenant_k(make, world, 6)
    page = _open_pulse(app, world)
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(PulseRound.k)) == 6  # frozen when it opened
    _set_tenant_k(make, world, 5)  # a later change of the tenant's k does not reach the open round
    for who in STAFF[:5]:
        _answer_pulse(app, make, who, 4)
    closed = _close_pulse(app, page)
    assert "Only 5 people answered" in closed and "at least 6 people" in closed and "Average" not in closed

    page = _open_pulse(app, world, "Pulse check 2")
    for who in STAFF[:6]:
        _answer_pulse(app, make, who, 3)
    closed = _close_pulse(app, page)
    assert "Average 3.0" in closed
    with make.session(world.tenant.id) as db:
        releases = db.scalars(select(Release).where(Release.collection == "pulse").order_by(Release.id)).all()
        assert [(r.number, r.final, r.k, r.answers) for r in releases] == [(1, True, 6, 5), (1, True, 5, 6)]
        assert releases[1].figures["promises"][str(first)]["mean"] == 3.0
        assert releases[1].released_on == date.today()

    # raising k now, or anything done to the stored answers, changes no released figure
    mia = signed_in(app, "mia@noord.example")
    before = (mia.text(page), mia.text(world.results))
    _set_tenant_k(make, world, 8)
    with owner_engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        conn.execute(update(PulseAnswer.__table__).values(scores={str(first): 1, str(second): 1}))
    after = (mia.text(page), mia.text(world.results))
    assert "Average 3.0" in after[0] and _figures(before[0]) == _figures(after[0])
    assert _figures(before[1]) == _figures(after[1]) and "3.0" in _row(after[1], "We explain every decision.")


def test_a_360_report_is_released_once_at_the_close(app, make, world, owner_engine):
    first, _second = world.promise_ids
    mia, response = _start(app, world, peers=["staff0", "staff1", "staff2"])
    page = response.headers["Location"]
    for who in ["staff0", "staff1", "staff2"]:
        _answer_feedback(app, make, who, [(first, 4)])
    report = _close_feedback(mia, page)
    assert '4.0 <span class="meta">(n = 3)</span>' in report
    with make.session(world.tenant.id) as db:
        round_id = db.scalar(select(FeedbackRound.id))
        [release] = db.scalars(select(Release).where(Release.collection == "feedback")).all()
        assert (release.collection_id, release.number, release.final, release.answers) == (round_id, 1, True, 3)
    with owner_engine.begin() as conn:  # the report reads the release, not the answers
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        conn.execute(update(FeedbackAnswer.__table__).values(scores={str(first): 1}))
    assert '4.0 <span class="meta">(n = 3)</span>' in mia.text(page)
    assert '4.0 <span class="meta">(n = 3)</span>' in signed_in(app, "cora@noord.example").text(page)


def test_closing_by_date_releases_the_results_too(app, make, world, database):
    from saas.deadlines import close_due
    from saas.leadership import feedback, pulses
    from tenants.models import Membership, Tenant

    first, _second = world.promise_ids
    today = date.today()
    with make.session(world.tenant.id) as db:
        tenant = db.get(Tenant, world.tenant.id)
        programme = _programme(db, world)
        pulse = pulses.plan_round(db, tenant, programme, name="Pulse", opens_on=today, closes_on=today)
        pulses.record_consent(db, pulse, by=db.get(Membership, world.ids.wim), decided_on=today, decision="Ja")
        pulses.open_round(db, tenant, pulse, today, send_mail=False)
        for membership, _token in pulses.invite(db, pulse, [db.get(Membership, i) for i in world.ids.staff[:6]]):
            pulses.submit(db, tenant, pulse, pulses.invitation_of(db, pulse.id, membership), {str(first): 5}, {}, today)
        round_ = feedback.start_round(db, tenant, programme, db.get(Membership, world.ids.mia), coach_id=None,
                                      manager_id=None, peer_ids=world.ids.staff[:3], report_ids=[], closes_on=today,
                                      today=today, send_mail=False)
        for person in world.ids.staff[:3]:
            feedback.submit(db, round_, feedback.invitation_of(db, round_.id, db.get(Membership, person)),
                            {str(first): 2}, {}, today)
        ids = pulse.id, round_.id
    closed = close_due(database.Session, today + timedelta(days=1))
    assert (closed.pulse_checks, closed.feedback_rounds) == (1, 1)
    with make.session(world.tenant.id) as db:
        pulse_release = db.scalar(select(Release).where(Release.collection == "pulse", Release.collection_id == ids[0]))
        feedback_release = db.scalar(select(Release).where(Release.collection == "feedback",
                                                           Release.collection_id == ids[1]))
        assert pulse_release.answers == 6 and pulse_release.figures["promises"][str(first)]["mean"] == 5.0
        assert feedback_release.answers == 3 and feedback_release.figures["lines"][0]["others"] == [3, 2.0]


# ---- pooled answers are mixed in a transaction of their own --------------------------------------

def test_pulse_answers_are_mixed_in_a_transaction_of_their_own_and_rewritten_at_the_close(
        app, make, world, owner_engine):
    page = _open_pulse(app, world)
    for who in STAFF[:4]:
        _answer_pulse(app, make, who, 3)
    assert _count(make, world, PulseAnswer) == 0  # four wait in the pool
    _answer_pulse(app, make, STAFF[4], 3)
    assert _count(make, world, PulseAnswer) == 5  # the fifth brings k: a job mixed them in
    batch = _xmins(owner_engine, "pulse_answers")
    assert len(batch) == 1 and not batch & _xmins(owner_engine, "pulse_invitations")  # not the submitter's
    ids_before = _ids(owner_engine, "pulse_answers")
    _answer_pulse(app, make, STAFF[5], 2)  # one more waits
    _close_pulse(app, page)
    rewritten = _xmins(owner_engine, "pulse_answers")
    assert len(rewritten) == 1 and not rewritten & batch  # every row rewritten in the close's one transaction
    assert rewritten == _xmins(owner_engine, "anonymity_releases")
    assert not ids_before & _ids(owner_engine, "pulse_answers") and len(_ids(owner_engine, "pulse_answers")) == 6


def test_360_answers_are_mixed_once_three_raters_wait_and_the_own_manager_is_never_kept_as_such(
        app, make, world, owner_engine):
    first, _second = world.promise_ids
    mia, response = _start(app, world, manager="boss", peers=["staff0", "staff1", "staff2"])
    page = response.headers["Location"]
    _answer_feedback(app, make, "boss", [(first, 1)])
    _answer_feedback(app, make, "staff0", [(first, 4)])
    assert _count(make, world, FeedbackAnswer) == 0
    _answer_feedback(app, make, "staff1", [(first, 4)])  # the third rater: a job mixes the pool
    with make.session(world.tenant.id) as db:
        assert sorted(db.scalars(select(FeedbackAnswer.rater_group))) == ["other", "peer", "peer"]
    batch = _xmins(owner_engine, "feedback_answers")
    assert len(batch) == 1 and not batch & _xmins(owner_engine, "feedback_invitations")
    _answer_feedback(app, make, "staff2", [(first, 4)])
    _close_feedback(mia, page)
    with make.session(world.tenant.id) as db:  # 1 + 3: peers on their own would leave the boss alone
        assert sorted(db.scalars(select(FeedbackAnswer.rater_group))) == ["other"] * 4
    rewritten = _xmins(owner_engine, "feedback_answers")
    assert len(rewritten) == 1 and not rewritten & batch


# ---- the access log --------------------------------------------------------------------------

def test_every_look_at_consistency_evidence_and_a_360_report_is_in_the_access_log(app, make, world):
    first, _second = world.promise_ids
    mia, response = _start(app, world, coach="cora", peers=["staff0", "staff1", "staff2"])
    page = response.headers["Location"]
    for who in ["staff0", "staff1", "staff2"]:
        _answer_feedback(app, make, who, [(first, 4)])
    _close_feedback(mia, page)  # Mia reads her report (1)
    signed_in(app, "cora@noord.example").text(page)  # and her coach (2)
    carla = signed_in(app, "carla@noord.example")
    carla.text(world.consistency)
    carla.text(f"/t/noord/leadership/promises/{first}/evidence")

    log = signed_in(app, "wim@noord.example").text("/t/noord/reports/access-log")
    rows = log.split("<tbody>", 1)[1].split("<tr>")
    feedback_rows = [row for row in rows if "360-degree feedback report of Mia Manager" in row]
    assert len(feedback_rows) == 2
    assert any("mia@noord.example" in row for row in feedback_rows)
    assert any("cora@noord.example" in row for row in feedback_rows)
    [consistency] = [row for row in rows if "Consistency check of Samen verder" in row]
    assert "carla@noord.example" in consistency and "consistency check" in consistency
    [evidence] = [row for row in rows if "Evidence for a promise of Samen verder" in row]
    assert "We explain every decision." in evidence and "evidence page" in evidence


# ---- helpers ---------------------------------------------------------------------------------

def _count(make, world, model) -> int:
    with make.session(world.tenant.id) as db:
        return db.scalar(select(func.count()).select_from(model))


def _xmins(owner_engine, table: str) -> set[str]:
    with owner_engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        return {str(x) for x in conn.execute(text(f"SELECT xmin::text FROM {table}")).scalars()}


def _ids(owner_engine, table: str) -> set[str]:
    with owner_engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        return set(conn.execute(text(f"SELECT id FROM {table}")).scalars())


def _figures(page: str) -> list[str]:
    return re.findall(r"\d\.\d|n = \d+", page)


def _row(page: str, label: str) -> str:
    start = page.index(label)
    return page[start:page.index("</tr>", start)]


# ---- rounds closed before releases ------------------------------------------------------------

def test_rounds_closed_before_releases_get_their_release_from_migration_0017(app, make, world, owner_engine):
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    first, _second = world.promise_ids
    page = _open_pulse(app, world)
    for who in STAFF[:6]:
        _answer_pulse(app, make, who, 4)
    _close_pulse(app, page)
    mia, response = _start(app, world, peers=["staff0", "staff1", "staff2"])
    round_page = response.headers["Location"]
    for who in ["staff0", "staff1", "staff2"]:
        _answer_feedback(app, make, who, [(first, 2)])
    _close_feedback(mia, round_page)
    with make.session(world.tenant.id) as db:
        before = {r.collection: (r.k, r.answers, r.figures) for r in db.scalars(select(Release))}
    with owner_engine.begin() as conn:  # as if both had closed before there were releases
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        conn.execute(text("DELETE FROM anonymity_releases"))
    assert "Average" not in mia.text(page) and "(n = 3)" not in mia.text(round_page)

    path = Path(__file__).parent.parent / "migrations" / "versions" / "0017_leadership_anonymity.py"
    spec = importlib.util.spec_from_file_location("migration_0017", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for _twice in range(2):  # a second run adds nothing
        with owner_engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            migration.upgrade()
    with make.session(world.tenant.id) as db:
        after = {r.collection: (r.k, r.answers, r.figures) for r in db.scalars(select(Release))}
        assert db.scalar(select(func.count()).select_from(Release)) == 2
    assert after == before
    assert "Average 4.0" in mia.text(page) and '2.0 <span class="meta">(n = 3)</span>' in mia.text(round_page)


def test_a_round_without_a_manager_starts_as_the_page_offers_it(app, world):
    """"Nobody" (no manager of one's own) is the default the page offers: sent back unchanged, it is accepted."""
    mia = signed_in(app, "mia@noord.example")
    form = mia.form_on(world.start)
    form.update({"coach_id": [str(world.ids.cora)], "peer_ids": [str(_id(world, p)) for p in ("staff0", "staff1")],
                 "closes_on": [(date.today() + timedelta(days=10)).isoformat()]})
    response = mia.post(world.start, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
