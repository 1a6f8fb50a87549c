"""Leadership promises and pulse checks (issue 9, point 5), told through the pages.

The management team records promises; a pulse check asks staff whether they notice each one;
staff answer through the link in their mail; results appear per promise over time, once a round
is closed and only under the k rule, and nothing stored ties an answer to the person who gave it.
"""
from __future__ import annotations

import io

import logging
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, func, inspect, select, text

from saas.leadership.models import Promise, PulseAnswer, PulseInvitation, PulsePooledAnswer, PulseRound
from tests.world import PDF_BYTES
from tests.helpers import link_in, signed_in

STAFF = [f"staff{n}" for n in range(12)]
PROMISES = ["We join a team for a morning every month.", "We explain every decision that affects your work.",
            "We answer every question within a week."]


@pytest.fixture
def world(app, make):
    from saas.programme import service

    tenant = make.tenant("noord")  # a Dutch tenant: the works council consents first
    ids = SimpleNamespace(
        mia=make.member(tenant, "mia@noord.example", roles=["management"], name="Mia Manager"),
        max=make.member(tenant, "max@noord.example", roles=["management"], name="Max Manager"),
        carla=make.member(tenant, "carla@noord.example", roles=["consultant"], name="Carla Consultant"),
        wim=make.member(tenant, "wim@noord.example", roles=["works_council", "member"], name="Wim Council"),
        staff=[make.member(tenant, f"{who}@noord.example", legacy_org_id=tenant.legacy_org_ids[n % 3],
                           name=who.title()) for n, who in enumerate(STAFF)],
    )
    with make.session(tenant.id) as db:
        programme = service.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                             ends_on=date(2027, 12, 31))
        programme_id = programme.id
    base = f"/t/noord/leadership/programmes/{programme_id}"
    return SimpleNamespace(tenant=tenant, ids=ids, programme_id=programme_id, promises=f"{base}/promises",
                           pulse_checks=f"{base}/pulse-checks", results=f"{base}/pulse-results")


def _record_promises(app, world, texts=PROMISES):
    mia = signed_in(app, "mia@noord.example")
    for promise in texts:
        response = mia.submit(world.promises, {"text": promise})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return mia


def _promise_ids(make, world) -> list[int]:
    with make.session(world.tenant.id) as db:
        return list(db.scalars(select(Promise.id).order_by(Promise.id)))


def _plan_and_open(app, world, name="Pulse check 1") -> str:
    """The manager plans a round, the works council's Wim records its consent on it, the manager opens
    it; returns its page."""
    mia = signed_in(app, "mia@noord.example")
    response = mia.submit(world.pulse_checks, {
        "name": name, "opens_on": date.today().isoformat(), "closes_on": (date.today() + timedelta(days=14)).isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = response.headers["Location"]
    response = signed_in(app, "wim@noord.example").submit(f"{page}/consent", {
        "decided_on": "2026-03-02", "decision": "De ondernemingsraad stemt in met de pulse checks."})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    response = mia.submit(f"{page}/open", {"action": "open"}, page=page)
    assert response.status_code == 302
    assert "The pulse check is open" in mia.text(page)
    return page


def _answer(app, make, who: str, scores: list, examples: list | None = None) -> str:
    """A staff member follows the link in their latest pulse mail and answers; returns the thank-you page."""
    person = app.test_client()
    link = link_in(make.mails_to(f"{who}@noord.example")[-1].body)
    page = person.get(link).headers["Location"]
    assert "/p/" not in page  # the token left the URL
    form = {}
    for n, (promise_id, score) in enumerate(scores):
        form[f"score-{promise_id}"] = str(score)
        if examples and examples[n]:
            form[f"example-{promise_id}"] = examples[n]
    response = person.submit(page, form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return person.text(response.headers["Location"])


def _close(app, page):
    mia = signed_in(app, "mia@noord.example")
    response = mia.submit(f"{page}/close", {"action": "close"}, page=page)
    assert response.status_code == 302
    return mia.text(page)


# ---- promises ---------------------------------------------------------------------------------

def test_the_management_team_records_promises_that_everyone_can_read(app, make, world):
    _record_promises(app, world)
    staff = signed_in(app, "staff0@noord.example")
    page = staff.text(world.promises)
    assert all(promise in page for promise in PROMISES)
    assert "Promised by Mia Manager" in page
    assert "Record the promise" not in page  # staff read, they do not write
    assert staff.submit(world.promises, {"text": "Free coffee"}).status_code == 403

    mia = signed_in(app, "mia@noord.example")
    response = mia.submit(world.promises, {"text": "   "})
    assert response.status_code == 200 and "Please fill this in." in response.get_data(as_text=True)
    assert len(_promise_ids(make, world)) == 3


def test_a_promise_keeps_its_words_once_asked_and_can_be_retired(app, make, world):
    _record_promises(app, world)
    first = _promise_ids(make, world)[0]
    mia = signed_in(app, "mia@noord.example")
    edit = f"/t/noord/leadership/promises/{first}"
    assert mia.submit(edit, {"text": "We join a team for a whole day every month."}).status_code == 302
    _plan_and_open(app, world)
    response = mia.submit(edit, {"text": "We join a team once a year."})
    assert "can no longer change" in response.get_data(as_text=True)
    assert mia.submit(f"{edit}/retire", {}, page=edit).status_code == 302  # no "action": nothing happens
    with make.session(world.tenant.id) as db:
        assert db.get(Promise, first).retired_at is None
    mia.submit(f"{edit}/retire", {"action": "retire"}, page=edit)
    with make.session(world.tenant.id) as db:
        promise = db.get(Promise, first)
        assert promise.text == "We join a team for a whole day every month." and promise.retired_at is not None
    assert "Retired" in mia.text(world.promises)


# ---- running a pulse check -------------------------------------------------------------------

def test_a_pulse_check_needs_promises_and_the_works_councils_consent(app, make, world):
    mia = signed_in(app, "mia@noord.example")
    assert "Record at least one promise" in mia.text(world.pulse_checks)
    _record_promises(app, world)
    response = mia.submit(world.pulse_checks, {"name": "Pulse 1", "opens_on": date.today().isoformat(),
                                               "closes_on": (date.today() + timedelta(days=7)).isoformat()})
    assert response.status_code == 302  # planned: the planner types no consent
    page = response.headers["Location"]
    opened = mia.submit(f"{page}/open", {"action": "open"}, page=page)
    assert "Record the works council's consent before the pulse check opens" in mia.text(opened.headers["Location"])

    # the manager cannot record it; the admin only by uploading the signed decision, as a PDF
    assert mia.get(f"{page}/consent").status_code == 403
    admin = signed_in(app, world.tenant.admin_email)
    typed = {"decided_on": "2026-03-02", "decision": "De OR stemt in."}
    refused = admin.submit(f"{page}/consent", typed)
    assert refused.status_code == 200 and "Upload the works council's signed decision" in refused.get_data(as_text=True)
    not_pdf = admin.submit(f"{page}/consent", {**typed, "document": (io.BytesIO(b"GIF89a not a pdf"), "besluit.pdf")})
    assert "must be a PDF file" in not_pdf.get_data(as_text=True)
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(PulseRound)).consent_on is None

    # Wim of the works council records it, with a higher k; who and how are shown on the round
    wim = signed_in(app, "wim@noord.example")
    assert wim.submit(f"{page}/consent", {**typed, "conditions": "Alleen groepen van acht.",
                                          "min_group_size": "8"}).status_code == 302
    round_page = mia.text(page)
    assert "Recorded by Wim Council for the works council." in round_page and "Alleen groepen van acht." in round_page
    with make.session(world.tenant.id) as db:
        pulse = db.scalar(select(PulseRound))
        assert (pulse.consent_how, pulse.consent_by_name, pulse.consent_min_group_size) == ("works_council",
                                                                                             "Wim Council", 8)
    # an admin's upload replaces it and keeps the signed decision for the works council to read
    uploaded = admin.submit(f"{page}/consent", {**typed, "min_group_size": "8",
                                                "document": (io.BytesIO(PDF_BYTES), "besluit OR.pdf")})
    assert uploaded.status_code == 302
    assert "who uploaded the works council's signed decision" in wim.text(page)
    document = wim.get(f"{page}/consent/decision")
    assert document.data == PDF_BYTES and document.headers["Content-Disposition"].startswith("attachment")
    assert mia.submit(f"{page}/open", {"action": "open"}, page=page).status_code == 302
    assert "The pulse check is open" in mia.text(page)
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(PulseRound)).k == 8  # frozen at the opening with the consent's higher k
    log = wim.text(f"/t/{world.tenant.slug}/reports/access-log")
    assert "typed by a member of the works council" in log and "signed decision uploaded by an administrator" in log
    assert "file besluit OR.pdf" in log and "minimum group size 8" in log


def test_opening_asks_all_staff_but_not_the_management_team_or_consultants(app, make, world):
    _record_promises(app, world)
    _plan_and_open(app, world)
    for who in STAFF + ["wim", "admin"]:
        email = "admin@noord.example.org" if who == "admin" else f"{who}@noord.example"
        [mail] = make.mails_to(email)
        assert "Pulse check" in mail.subject and "/leadership/p/" in mail.body
    for email in ("mia@noord.example", "max@noord.example", "carla@noord.example"):
        assert make.mails_to(email) == []
    # the works council reads the round's page; staff do not run pulse checks
    assert signed_in(app, "wim@noord.example").get(world.pulse_checks).status_code == 403
    assert signed_in(app, "staff0@noord.example").get(world.results).status_code == 403


def test_staff_answer_and_the_manager_sees_results_per_promise_over_time(app, make, world):
    _record_promises(app, world)
    promise_ids = _promise_ids(make, world)
    first = _plan_and_open(app, world, "Pulse check March")

    staff = signed_in(app, "staff0@noord.example")
    assert "Answer the pulse check" in staff.text("/t/noord/leadership/")
    thanks = _answer(app, make, "staff0", [(p, 2) for p in promise_ids])
    assert "Thank you" in thanks
    for n, who in enumerate(STAFF[1:6]):
        _answer(app, make, who, [(promise_ids[0], 2 + n % 2), (promise_ids[1], 4), (promise_ids[2], "na")])
    assert "You have answered this pulse check" in staff.text("/t/noord/leadership/")

    mia = signed_in(app, "mia@noord.example")
    page = mia.text(first)
    assert "6 of 14 invited people" in page
    assert "Average" not in page  # nothing while the round is open
    page = _close(app, first)
    assert "6 people answered." in page
    assert "Average 2.3" in page  # promise 1: 2, 2, 3, 2, 3, 2
    assert "Average 3.7" in page  # promise 2: 2, 4, 4, 4, 4, 4
    assert "Fewer than 5 people scored this promise" in page  # promise 3: one score, five "I can't say"

    second = _plan_and_open(app, world, "Pulse check May")
    for who in STAFF[:7]:
        _answer(app, make, who, [(promise_ids[0], 4), (promise_ids[1], 4), (promise_ids[2], 3)])
    _close(app, second)

    results = mia.text(world.results)
    assert results.index("Pulse check March") < results.index("Pulse check May")
    row = _row(results, PROMISES[0])
    assert "2.3" in row and "4.0" in row and ">up<" in row
    assert "too few answers to show" in _row(results, PROMISES[2])
    wim = signed_in(app, "wim@noord.example")
    assert "Average per promise" in wim.text(world.results)  # the works council reads

    # Every reading of results is in the works council's access log: who, which programme, which round.
    log = wim.text("/t/noord/reports/access-log")
    rows = [row for row in log.split("<tbody>", 1)[1].split("<tr>") if "pulse-check results" in row]
    assert len(rows) == 4  # Mia: the March round once closed, the May round once closed, the results; Wim
    assert all("Pulse checks of Samen verder" in row for row in rows)
    assert sum("Pulse check March" in row for row in rows) == 1 and sum("Pulse check May" in row for row in rows) == 1
    assert sum("wim@noord.example" in row for row in rows) == 1
    # nobody changes that record, not even with the app's database role
    from saas.anonymity.models import ReportAccess

    with pytest.raises(Exception, match="cannot be changed"), make.session(world.tenant.id) as db:
        db.execute(delete(ReportAccess).where(ReportAccess.programme_id == world.programme_id))
        db.commit()


def test_results_need_k_answers_and_examples_need_ten(app, make, world):
    _record_promises(app, world, PROMISES[:1])
    [promise_id] = _promise_ids(make, world)
    page = _plan_and_open(app, world)
    for n, who in enumerate(STAFF[:4]):
        _answer(app, make, who, [(promise_id, 5)], [f"Example number {n}"])
    closed = _close(app, page)
    assert "Only 4 people answered" in closed and "Average" not in closed
    assert "Example number" not in closed
    assert "too few answers to show" in signed_in(app, "mia@noord.example").text(world.results)

    page = _plan_and_open(app, world, "Pulse check 2")
    for n, who in enumerate(STAFF[:9]):
        _answer(app, make, who, [(promise_id, 4)], [f"Seen on day {n}"])
    closed = _close(app, page)
    assert "Average 4.0" in closed and "9 people answered." in closed
    assert "Seen on day" not in closed and "only when at least 10 people answered" in closed

    page = _plan_and_open(app, world, "Pulse check 3")
    for n, who in enumerate(STAFF[:10]):
        _answer(app, make, who, [(promise_id, 4)], [f"Seen on day {n}"])
    closed = _close(app, page)
    shown = re.findall(r"Seen on day (\d)", closed)
    assert sorted(shown) == [str(n) for n in range(10)]
    assert not re.search(r"Staff\d", closed)  # never who wrote it


def test_an_answer_needs_a_choice_for_every_promise_and_nothing_half_is_stored(app, make, world):
    _record_promises(app, world)
    promise_ids = _promise_ids(make, world)
    _plan_and_open(app, world)
    person = app.test_client()
    page = person.get(link_in(make.mails_to("staff0@noord.example")[-1].body)).headers["Location"]
    response = person.submit(page, {f"score-{promise_ids[0]}": "4", f"example-{promise_ids[0]}": "Monday's visit",
                                    f"score-{promise_ids[1]}": "9"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Please check your answers" in body
    assert body.count("Choose how often you notice this") >= 2 * 2  # summary and next to both questions
    assert "Monday&#39;s visit" in body  # what was typed is kept on the page
    assert f'id="score-{promise_ids[0]}-4" name="score-{promise_ids[0]}" value="4" checked' in body
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(PulsePooledAnswer)) == 0
        assert not any(db.scalars(select(PulseInvitation.answered)))


def test_one_reminder_goes_to_those_who_have_not_answered_with_a_new_link(app, make, world):
    _record_promises(app, world)
    promise_ids = _promise_ids(make, world)
    page = _plan_and_open(app, world)
    _answer(app, make, "staff0", [(p, 3) for p in promise_ids])
    first_link = link_in(make.mails_to("staff1@noord.example")[-1].body)

    mia = signed_in(app, "mia@noord.example")
    assert "Send the reminder" in mia.text(page)
    response = mia.submit(f"{page}/remind", {"action": "remind"}, page=page)
    assert response.status_code == 302
    done = mia.text(page)
    assert "The reminder is being sent to the 13 people who have not answered." in done  # 12 staff - 1 + Wim
    assert "The reminder was sent on" in done and "Send the reminder" not in done
    # staff0 answered: no reminder; staff1 gets one, whose new link works while the first is dead
    assert [m.subject for m in make.mails_to("staff0@noord.example")] == ["Pulse check: do you notice our promises?"]
    reminder = make.mails_to("staff1@noord.example")[-1]
    assert reminder.subject.startswith("Reminder: pulse check") and "only reminder" in reminder.body
    assert app.test_client().get(first_link).status_code == 404
    assert "Thank you" in _answer(app, make, "staff1", [(p, 4) for p in promise_ids])
    assert make.mails_to("mia@noord.example") == []  # the management team is not asked
    # a second click (an old page) sends nothing more, and says so
    mia.submit(f"{page}/remind", {"action": "remind"}, page=page)
    assert "The reminder of this pulse check has been sent already." in mia.text(page)
    assert len(make.mails_to("staff2@noord.example")) == 2


def test_a_link_answers_once_and_strangers_find_nothing(app, make, world):
    _record_promises(app, world)
    promise_ids = _promise_ids(make, world)
    page = _plan_and_open(app, world)
    round_id = int(page.rsplit("/", 1)[1])
    _answer(app, make, "staff0", [(p, 3) for p in promise_ids])
    again = app.test_client()
    answer_page = again.get(link_in(make.mails_to("staff0@noord.example")[-1].body)).headers["Location"]
    assert "Thank you" in again.text(answer_page)
    assert app.test_client().get("/t/noord/leadership/p/not-a-token").status_code == 404
    assert app.test_client().get(f"/t/noord/leadership/pulse-checks/{round_id}/answer").status_code == 404
    assert signed_in(app, "mia@noord.example").get(f"/t/noord/leadership/pulse-checks/{round_id}/answer").status_code == 404
    # signed in, a staff member answers from the leadership page without the mail
    staff = signed_in(app, "staff1@noord.example")
    response = staff.submit(f"/t/noord/leadership/pulse-checks/{round_id}/answer",
                            {f"score-{p}": "5" for p in promise_ids})
    assert response.status_code == 302
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(func.count()).where(PulseInvitation.answered.is_(True))) == 2


# ---- anonymity ---------------------------------------------------------------------------------

def test_nothing_stored_ties_a_pulse_answer_to_the_person_who_gave_it(app, make, world, owner_engine, caplog):
    caplog.set_level(logging.DEBUG)
    _record_promises(app, world, PROMISES[:1])
    [promise_id] = _promise_ids(make, world)
    page = _plan_and_open(app, world)
    order = STAFF[:12]
    for who in order:  # each recognisable by the example they give
        _answer(app, make, who, [(promise_id, 1 + STAFF.index(who) % 5)], [f"answer of {who}"])
    _close(app, page)

    columns = {c["name"] for c in inspect(owner_engine).get_columns("pulse_answers")}
    assert columns == {"id", "tenant_id", "round_id", "scores", "examples"}  # no person, token or time at all
    invitation_columns = {c["name"] for c in inspect(owner_engine).get_columns("pulse_invitations")}
    # an answer code's invitation names its batch instead of a person (issue 20): still nothing of the answer
    assert invitation_columns == {"id", "tenant_id", "round_id", "membership_id", "batch_id", "token_hash", "answered"}
    with owner_engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        physical = [_author(row.examples) for row in conn.execute(text("SELECT examples FROM pulse_answers"))]
        by_id = [_author(row.examples) for row in conn.execute(text("SELECT examples FROM pulse_answers ORDER BY id"))]
        ids = list(conn.execute(text("SELECT id FROM pulse_answers")).scalars())
        pooled = conn.execute(text("SELECT count(*) FROM pulse_answer_pool")).scalar()
    assert sorted(physical) == sorted(order)
    assert physical != order and by_id != order  # neither order follows the order of answering (12! orders)
    assert all(len(i) == 32 and not i.isdigit() for i in ids) and pooled == 0
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(f"answer of {who}" in logged for who in order)


def test_answers_wait_in_the_pool_until_k_can_be_mixed_together(app, make, world):
    _record_promises(app, world, PROMISES[:1])
    [promise_id] = _promise_ids(make, world)
    _plan_and_open(app, world)
    for who in STAFF[:4]:
        _answer(app, make, who, [(promise_id, 3)])
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(PulseAnswer)) == 0
        assert db.scalar(select(func.count()).select_from(PulsePooledAnswer)) == 4
    _answer(app, make, STAFF[4], [(promise_id, 3)])
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(PulseAnswer)) == 5
        assert db.scalar(select(func.count()).select_from(PulsePooledAnswer)) == 0


def _author(examples: dict) -> str:
    [example] = examples.values()
    return example.removeprefix("answer of ")


def _row(page: str, label: str) -> str:
    start = page.index(label)
    return page[start:page.index("</tr>", start)]


# ---- the demo ----------------------------------------------------------------------------------

def test_the_demo_has_five_promises_two_pulse_checks_and_a_360_report_for_its_manager(app, make, seed_demo):
    from saas.demo import DEMO_PASSWORD
    from saas.leadership.models import FeedbackRound
    from saas.programme.models import Programme
    from tenants.models import Tenant

    seed_demo()
    with make.session() as db:
        tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == "regio-noord"))
    with make.session(tenant_id) as db:
        programme_id = db.scalar(select(Programme.id))
        rounds = db.scalars(select(PulseRound).order_by(PulseRound.id)).all()
        assert db.scalar(select(func.count()).select_from(Promise)) == 5
        assert [r.status for r in rounds] == ["closed", "closed"]
        feedback_round = db.scalar(select(FeedbackRound))
        assert feedback_round.status == "closed"

    def demo_user(email):
        client = app.test_client()
        client.login(email, DEMO_PASSWORD)
        return client

    manager = demo_user("management@demo.example.org")
    results = manager.text(f"/t/regio-noord/leadership/programmes/{programme_id}/pulse-results")
    assert all(r.name in results for r in rounds) and rounds[0].name.startswith("Pulscheck ")  # named by month
    assert results.count("n = ") == 10  # five promises in two rounds: every figure passes k
    assert "Onze manager was twee keer" in manager.text(f"/t/regio-noord/leadership/pulse-checks/{rounds[-1].id}") \
        or "Ik heb nog niemand van het MT" in manager.text(f"/t/regio-noord/leadership/pulse-checks/{rounds[-1].id}")
    report = manager.text(f"/t/regio-noord/leadership/feedback/{feedback_round.id}")
    assert "Rapport" in report or "Report" in report
    consistency = manager.text(f"/t/regio-noord/leadership/programmes/{programme_id}/consistency")
    assert consistency.count("verdict-part") >= 1 and consistency.count("verdict-match") >= 1
    assert demo_user("consultant@demo.example.org").get(f"/t/regio-noord/leadership/feedback/{feedback_round.id}") \
        .status_code == 200  # the coach
    assert demo_user("admin@demo.example.org").get(f"/t/regio-noord/leadership/feedback/{feedback_round.id}") \
        .status_code == 404
