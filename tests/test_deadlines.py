"""Close dates (issue 5 point 2, issue 9): a close date is the last day answers are taken. From the
next day the respondent is told the survey has closed, and the worker's sweeper (or `koers
close-due`) closes what is still open, as the close button would: the answers are mixed in and the
results appear."""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from saas.deadlines import close_due
from saas.surveys import service
from saas.surveys.models import PooledAnswer, Response, Wave
from tenants.models import Membership, Tenant
from tests.conftest import SQLITE
from tests.test_job_faults import start_worker  # noqa: F401  (a fixture: a worker that sweeps every second)
from tests.helpers import works_council




@pytest.fixture
def no_sweeper(request):
    """On PostgreSQL the session's worker sweeps every 15 s and would close a wave made due here before
    the test looks: it is stopped for the test (on SQLite there is no worker)."""
    if SQLITE:
        yield
        return
    worker = request.getfixturevalue("worker")
    worker.stop()
    try:
        yield
    finally:
        worker.start()


def _open_wave(make, slug: str, closes_on: date, people: int = 6):
    """A tenant with an open wave (values only) closing on `closes_on`, and a token per person."""
    tenant = make.tenant(slug)
    for n in range(people):
        make.member(tenant, f"p{n}@{slug}.example", legacy_org_id=tenant.legacy_org_ids[0])
    with make.session(tenant.id) as db:
        wave = service.create_wave(db, name=f"Pulse of {slug}", instruments=("values",), groupings=(),
                                   opens_on=date.today() - timedelta(days=14), closes_on=closes_on)
        service.record_consent(db, wave, by=works_council(db), decided_on=date.today() - timedelta(days=20), decision="Agreed.")
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        members = [m for m in db.scalars(select(Membership)) if m.user.email.endswith(f"@{slug}.example")]
        tenant.tokens = [token for _m, token in service.invite(db, wave, members)]
        tenant.wave_id, tenant.value_keys = wave.id, list(wave.value_keys)
    return tenant


def _answer(app, tenant, token):
    keys = tenant.value_keys
    return app.test_client().post(f"/t/{tenant.slug}/survey/{token}/answers.json", json={
        "answers": {"values": {"personal": keys[:3], "team_current": keys[:2], "org_current": keys[:1],
                               "org_desired": keys[:3]}}, "attributes": {}})


def _wave(make, tenant) -> dict:
    with make.session(tenant.id) as db:
        wave = db.get(Wave, tenant.wave_id)
        return {"status": wave.status, "pooled": db.scalar(select(func.count()).select_from(PooledAnswer)),
                "responses": db.scalar(select(func.count()).select_from(Response))}


def _pass_close_date(make, tenant):
    """As if the calendar moved on: the wave's close date is now yesterday."""
    with make.session(tenant.id) as db:
        db.get(Wave, tenant.wave_id).closes_on = date.today() - timedelta(days=1)
        db.commit()


@pytest.mark.smoke
def test_the_close_date_is_the_last_day_answers_are_taken(app, make, no_sweeper):
    tenant = _open_wave(make, "oost", closes_on=date.today())
    first = _answer(app, tenant, tenant.tokens[0])
    assert first.status_code == 201, first.get_json()  # on the close date itself: taken

    later = _open_wave(make, "west", closes_on=date.today())
    _pass_close_date(make, later)
    # the API: 409, nothing stored, the invitation still unanswered
    response = _answer(app, later, later.tokens[0])
    assert response.status_code == 409 and response.get_json()["detail"] == "This survey is not open."
    assert _wave(make, later) == {"status": "open", "pooled": 0, "responses": 0}
    # the pages: the link says the survey has closed
    client = app.test_client()
    step = client.get(f"/t/west/survey/{later.tokens[1]}").headers["Location"]
    page = client.text(step)
    assert "This survey is not open" in page and "has closed" in page
    # signed in: "Your surveys" no longer offers it
    client = app.test_client()
    client.login("p2@west.example")
    assert "Pulse of west" not in client.text("/t/west/survey/mine")
    # the admin sees why, and may close it now
    admin = app.test_client()
    admin.login(later.admin_email)
    page = admin.text(f"/t/west/waves/{later.wave_id}")
    assert "The close date has passed: nobody can answer any more." in page
    assert "Send reminder" not in page and "Close the wave" in page


@pytest.mark.smoke
def test_what_is_past_its_close_date_is_closed_and_its_answers_mixed_in(app, make, database):
    due = _open_wave(make, "oost", closes_on=date.today())
    for token in due.tokens[:3]:  # fewer than k: they wait in the pool
        assert _answer(app, due, token).status_code == 201
    not_due = _open_wave(make, "west", closes_on=date.today() + timedelta(days=1))
    assert _wave(make, due)["pooled"] == 3

    closed = close_due(database.Session, date.today() + timedelta(days=1))  # the day after the close date

    assert (closed.waves, closed.pulse_checks, closed.feedback_rounds) == (1, 0, 0)
    assert _wave(make, due) == {"status": "closed", "pooled": 0, "responses": 3}
    assert _wave(make, not_due)["status"] == "open"
    # the comparison is queued for the closed wave, in its own tenant, as the close button does
    from saas.kernel.job_models import JobRun

    with make.session(due.id) as db:
        runs = [(run.function, run.args) for run in db.scalars(select(JobRun))]
    assert runs == [("saas.reports.jobs.release_and_compare", [due.id, due.wave_id])]
    # a second run finds nothing left to close
    assert not close_due(database.Session, date.today() + timedelta(days=1))


@pytest.mark.smoke
def test_pulse_checks_and_360_rounds_past_their_close_date_are_closed(app, make, database):
    from saas.leadership import feedback, pulses, promises as leadership
    from saas.leadership.models import FeedbackAnswer, FeedbackRound, PulseRound
    from saas.programme import service as programmes

    tenant = make.tenant("noord")
    mia = make.member(tenant, "mia@noord.example", roles=["management"], name="Mia Manager")
    peers = [make.member(tenant, f"peer{n}@noord.example") for n in range(3)]
    with make.session(tenant.id) as db:
        row = db.get(Tenant, tenant.id)
        programme = programmes.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                                ends_on=date(2027, 12, 31))
        promise = leadership.add_promise(db, programme, db.get(Membership, mia), "We explain every decision.")
        pulse = pulses.plan_round(db, row, programme, name="Pulse", opens_on=date.today(), closes_on=date.today())
        pulses.record_consent(db, pulse, by=works_council(db), decided_on=date.today(), decision="Ja")
        pulses.open_round(db, row, pulse, date.today(), send_mail=False)
        round_ = feedback.start_round(db, row, programme, db.get(Membership, mia), coach_id=None, manager_id=None,
                                      peer_ids=peers, report_ids=[], closes_on=date.today(), today=date.today(), send_mail=False)
        for person in peers:
            feedback.submit(db, round_, feedback.invitation_of(db, round_.id, db.get(Membership, person)),
                            {str(promise.id): 4}, {}, date.today())
        db.commit()
        ids = pulse.id, round_.id

    assert not close_due(database.Session, date.today())  # the close date itself: still open
    closed = close_due(database.Session, date.today() + timedelta(days=1))
    assert (closed.waves, closed.pulse_checks, closed.feedback_rounds) == (0, 1, 1)
    with make.session(tenant.id) as db:
        assert db.get(PulseRound, ids[0]).status == "closed"
        assert db.get(FeedbackRound, ids[1]).status == "closed"
        assert db.scalar(select(func.count()).select_from(FeedbackAnswer)) == 3  # the three peers, mixed in
        # and their results are released, exactly once, in the close's transaction
        from saas.anonymity.models import Release

        released = sorted((r.collection, r.collection_id, r.number, r.final) for r in db.scalars(select(Release)))
        assert released == [("feedback", ids[1], 1, True), ("pulse", ids[0], 1, True)]


@pytest.mark.smoke
def test_a_pulse_check_or_360_round_past_its_date_is_no_longer_offered(app, make, no_sweeper):
    from saas.leadership import feedback, pulses, promises as leadership
    from saas.leadership.models import FeedbackRound, PulseRound
    from saas.programme import service as programmes

    tenant = make.tenant("noord")
    mia = make.member(tenant, "mia@noord.example", roles=["management"], name="Mia Manager")
    piet = make.member(tenant, "piet@noord.example", name="Piet")
    with make.session(tenant.id) as db:
        row = db.get(Tenant, tenant.id)
        programme = programmes.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                                ends_on=date(2027, 12, 31))
        leadership.add_promise(db, programme, db.get(Membership, mia), "We explain every decision.")
        pulse = pulses.plan_round(db, row, programme, name="Pulse", opens_on=date.today(), closes_on=date.today())
        pulses.record_consent(db, pulse, by=works_council(db), decided_on=date.today(), decision="Ja")
        pulses.open_round(db, row, pulse, date.today(), send_mail=False)
        pulses.invite(db, pulse, [db.get(Membership, piet)])
        round_ = feedback.start_round(db, row, programme, db.get(Membership, mia), coach_id=None, manager_id=None,
                                      peer_ids=[piet], report_ids=[], closes_on=date.today(), today=date.today(), send_mail=False)
        ids = pulse.id, round_.id
    client = app.test_client()
    client.login("piet@noord.example")
    page = client.text("/t/noord/leadership/")
    assert "Answer the pulse check" in page and "Give feedback" in page  # on the close date itself
    with make.session(tenant.id) as db:  # the calendar moves on
        pulse = db.get(PulseRound, ids[0])
        pulse.opens_on = pulse.closes_on = db.get(FeedbackRound, ids[1]).closes_on = date.today() - timedelta(days=1)
    page = client.text("/t/noord/leadership/")
    assert "Answer the pulse check" not in page and "Give feedback" not in page


@pytest.mark.smoke
def test_koers_close_due_closes_them_from_the_command_line(stack, make, no_sweeper):
    from tests.test_cli import koers

    due = _open_wave(make, "oost", closes_on=date.today())
    _pass_close_date(make, due)
    assert "closed: 1 wave(s), 0 pulse check(s), 0 360 round(s)" in koers(stack, "close-due")
    assert _wave(make, due)["status"] == "closed"


@pytest.mark.worker
def test_the_workers_sweeper_closes_a_wave_the_day_after_its_close_date(app, make, start_worker):
    due = _open_wave(make, "oost", closes_on=date.today())
    for token in due.tokens[:2]:
        assert _answer(app, due, token).status_code == 201
    _pass_close_date(make, due)
    start_worker()  # a sweep every second
    deadline = time.monotonic() + 30
    while _wave(make, due)["status"] != "closed" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _wave(make, due) == {"status": "closed", "pooled": 0, "responses": 2}
