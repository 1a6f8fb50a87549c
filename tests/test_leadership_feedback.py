"""360-degree feedback for managers (issue 9, point 6): the manager invites raters, the raters answer
anonymously, the report sets self against others. A rater group is shown on its own only with at
least three answers; the manager's own manager is never shown on their own nor can be found by
subtraction; the coach the manager chose sees the report too, nobody else (not even an admin)."""
from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import inspect, select, text

from saas.anonymity import raters
from saas.anonymity.policy import RATERS_MIN_SCORES
from saas.leadership import rules
from saas.leadership.models import FeedbackAnswer, FeedbackRound, Promise
from tests.conftest import sign_in_scope
from tests.helpers import link_in, signed_in

PEOPLE = ["boss", "coach", "peer1", "peer2", "peer3", "peer4", "rep1", "rep2", "rep3", "rep4", "rep5", "other"]


@pytest.fixture
def world(app, make):
    from saas.leadership import promises
    from saas.programme import service as programmes
    from tenants.models import Membership

    tenant = make.tenant("noord")
    mia = make.member(tenant, "mia@noord.example", roles=["management"], name="Mia Manager")
    max_ = make.member(tenant, "max@noord.example", roles=["management"], name="Max Manager")
    ids = {who: make.member(tenant, f"{who}@noord.example", name=who.title(),
                            roles=["consultant"] if who == "coach" else ["member"]) for who in PEOPLE}
    with make.session(tenant.id) as db:
        programme = programmes.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                                ends_on=date(2027, 12, 31))
        for words in ("We explain every decision.", "We listen before we decide."):
            promises.add_promise(db, programme, db.get(Membership, max_), words)
        programme_id = programme.id
        promise_ids = list(db.scalars(select(Promise.id).order_by(Promise.id)))
    return SimpleNamespace(tenant=tenant, mia=mia, max=max_, ids=ids, programme_id=programme_id,
                           promise_ids=promise_ids, start=f"/t/noord/leadership/programmes/{programme_id}/feedback/new")


def _start(app, world, *, manager="boss", peers=(), reports=(), coach="coach"):
    mia = signed_in(app, "mia@noord.example")
    form = {"manager_id": str(world.ids[manager]) if manager else "", "coach_id": str(world.ids[coach]) if coach else "",
            "peer_ids": [str(world.ids[p]) for p in peers], "report_ids": [str(world.ids[r]) for r in reports],
            "closes_on": (date.today() + timedelta(days=10)).isoformat()}
    response = mia.submit(world.start, form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return mia, response.headers["Location"]


def _answer(app, make, who: str, scores, keep: str = "", change: str = "") -> None:
    email = "mia@noord.example" if who == "mia" else f"{who}@noord.example"
    rater = app.test_client()
    page = rater.get(link_in(make.mails_to(email)[-1].body)).headers["Location"]
    asked = set(re.findall(r'name="(score-\d+)"', rater.text(page)))
    form = {name: "na" for name in asked}  # "I can't judge this" where the test gives no score
    form.update({f"score-{promise_id}": str(score) for promise_id, score in scores})
    form.update(keep=keep, change=change)
    response = rater.submit(page, form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert "Thank you" in rater.text(response.headers["Location"])


def _close(mia, page) -> str:
    response = mia.submit(f"{page}/close", {"action": "close"}, page=page)
    assert response.status_code == 302
    return mia.text(page)


def _header(report: str) -> str:
    start = report.index("<thead>")
    return report[start:report.index("</thead>", start)]


def _stored(make, world) -> list[str]:
    with make.session(world.tenant.id) as db:
        return sorted(db.scalars(select(FeedbackAnswer.rater_group)))


# ---- the story --------------------------------------------------------------------------------

def test_a_manager_asks_for_feedback_and_sees_self_against_others(app, make, world):
    first, second = world.promise_ids
    mia, page = _start(app, world, peers=["peer1", "peer2", "peer3"], reports=["rep1", "rep2", "rep3", "rep4"])
    # every rater, and Mia herself, gets a personal link by mail
    for who in ["boss", "peer1", "rep4"]:
        assert "Mia Manager asks for your feedback" == make.mails_to(f"{who}@noord.example")[-1].subject
    assert make.mails_to("mia@noord.example")[-1].subject == "Your 360-degree feedback: rate yourself"
    assert make.mails_to("coach@noord.example") == []

    _answer(app, make, "mia", [(first, 5), (second, 4)], keep="I explain a lot.", change="Listen more.")
    for n, who in enumerate(["peer1", "peer2", "peer3"]):
        _answer(app, make, who, [(first, 3), (second, 4)], keep=f"Clear notes {n}")
    for who in ["rep1", "rep2", "rep3", "rep4"]:
        _answer(app, make, who, [(first, 2), (second, "na")], change="Ask us first")
    assert "7 of 8 people you asked have answered." in mia.text(page)  # their own manager did not
    assert "Report" not in mia.text(page)

    report = _close(mia, page)
    # the own manager did not answer: peers (3) and reports (4) are shown on their own
    header = _header(report)
    assert "Peers" in header and "Reports" in header
    row = _row(report, "We explain every decision.")
    assert ">5<" in row and "2.4" in row and "(n = 7)" in row and "3.0" in row and "2.0" in row and "-2.6" in row
    row = _row(report, "We listen before we decide.")  # reports could not judge it: their cell is empty
    assert '4.0 <span class="meta">(n = 3)</span>' in row and "+0.0" in row
    assert "Listen more." in report and "I explain a lot." in report
    assert report.count("Clear notes") == 3 and report.count("Ask us first") == 4


def test_the_own_manager_is_never_shown_on_their_own_nor_found_by_subtraction(app, make, world):
    first, _second = world.promise_ids
    mia, page = _start(app, world, peers=["peer1", "peer2", "peer3"], reports=["rep1", "rep2", "rep3"])
    _answer(app, make, "boss", [(first, 1)], keep="The boss's words")
    for who in ["peer1", "peer2", "peer3", "rep1", "rep2", "rep3"]:
        _answer(app, make, who, [(first, 4)])
    report = _close(mia, page)
    # "all others" (7) minus peers (3) minus reports (3) would be the boss alone: one group joins "all others"
    header = _header(report)
    assert "Reports" in header and "Peers" not in header
    assert "(n = 7)" in _row(report, "We explain every decision.")
    assert "Manager" not in header and "Boss" not in report
    # and the boss is not stored as such either: their answer is one of four "other" answers
    assert _stored(make, world) == ["other"] * 4 + ["report"] * 3
    assert "The boss&#39;s words" in report  # among the others' written answers, without a name


def test_a_group_under_three_is_hidden_and_fewer_than_three_others_show_nothing(app, make, world):
    first, _second = world.promise_ids
    mia, page = _start(app, world, peers=["peer1", "peer2"], reports=["rep1", "rep2", "rep3", "rep4", "rep5"])
    for who in ["peer1", "peer2", "rep1", "rep2", "rep3", "rep4", "rep5"]:
        _answer(app, make, who, [(first, 3)])
    report = _close(mia, page)
    # two peers are too few for a group; reports on their own would leave exactly those two: merged
    header = _header(report)
    assert "Peers" not in header and "Reports" not in header
    assert "(n = 7)" in _row(report, "We explain every decision.")

    other_round = _start(app, world, peers=["peer1"], manager="boss")[1]
    _answer(app, make, "boss", [(first, 1)], keep="Only the boss wrote this")
    _answer(app, make, "peer1", [(first, 2)])
    _answer(app, make, "mia", [(first, 4)])
    report = _close(mia, other_round)
    assert "Fewer than 3 people besides you answered" in report
    assert "Only the boss wrote this" not in report and "not shown" in report
    with make.session(world.tenant.id) as db:  # answers that could never be shown are not kept
        second_round = db.scalar(select(FeedbackRound).order_by(FeedbackRound.id.desc()))
        assert list(db.scalars(select(FeedbackAnswer.rater_group)
                               .where(FeedbackAnswer.round_id == second_round.id))) == ["self"]


def test_more_raters_can_be_asked_while_the_round_is_open(app, make, world):
    mia, page = _start(app, world, peers=("peer1", "peer2"))
    form_page = mia.text(page)
    assert "Ask more people" in form_page
    assert f'value="{world.ids["peer1"]}"' not in form_page.split("Ask more people", 1)[1]  # asked already
    response = mia.submit(f"{page}/raters", {"peer_ids": [str(world.ids["peer3"])],
                                             "report_ids": [str(world.ids["rep1"])]})
    assert response.status_code == 302
    assert "2 more people are asked" in mia.text(page)
    assert "0 of 5 people you asked have answered." in mia.text(page)  # boss, peer1-3, rep1 (not Mia herself)
    for who in ("peer3", "rep1"):
        [mail] = make.mails_to(f"{who}@noord.example")
        assert "asks for your feedback" in mail.subject
    assert len(make.mails_to("peer1@noord.example")) == 1  # the first raters are not mailed again
    _answer(app, make, "peer3", [(world.promise_ids[0], 4)])

    # someone asked already, or in both groups, or nobody: the form comes back with the message
    response = mia.submit(f"{page}/raters", {"peer_ids": [str(world.ids["peer4"])],
                                             "report_ids": [str(world.ids["peer4"])]})
    assert response.status_code == 400 and "one group of raters only" in response.get_data(as_text=True)
    response = mia.submit(f"{page}/raters", {})
    assert response.status_code == 400 and "Choose the people you want feedback from." in response.get_data(as_text=True)
    response = mia.submit(f"{page}/raters", {"peer_ids": [str(world.ids["peer1"])]})
    assert response.status_code == 400  # not a choice any more: asked already
    # only the manager chooses: the coach reads the report but asks nobody
    coach = signed_in(app, "coach@noord.example")
    assert coach.submit(f"{page}/raters", {"peer_ids": [str(world.ids["peer4"])]}).status_code == 403
    # once closed, nobody more can be asked
    _close(mia, page)
    assert "Ask more people" not in mia.text(page)
    response = mia.submit(f"{page}/raters", {"peer_ids": [str(world.ids["peer4"])]})
    assert response.status_code == 302 and "This feedback round is closed." in mia.text(page)
    assert make.mails_to("peer4@noord.example") == []


def test_one_reminder_goes_to_the_raters_who_have_not_answered(app, make, world):
    mia, page = _start(app, world, peers=("peer1", "peer2", "peer3"))
    _answer(app, make, "peer1", [(world.promise_ids[0], 4)])
    first_link = link_in(make.mails_to("peer2@noord.example")[-1].body)
    assert "Send the reminder" in mia.text(page)
    response = mia.submit(f"{page}/remind", {"action": "remind"}, page=page)
    assert response.status_code == 302
    done = mia.text(page)
    assert "The reminder is being sent to the 3 people who have not answered." in done  # boss, peer2, peer3
    assert "The reminder was sent on" in done and "Send the reminder" not in done
    assert len(make.mails_to("peer1@noord.example")) == 1  # answered: left alone
    reminder = make.mails_to("peer2@noord.example")[-1]
    assert reminder.subject == "Reminder: Mia Manager asks for your feedback" and "only reminder" in reminder.body
    assert app.test_client().get(first_link).status_code == 404  # the first link stopped working
    _answer(app, make, "peer2", [(world.promise_ids[0], 3)])  # the new one works
    assert all("Reminder" not in m.subject for m in make.mails_to("mia@noord.example"))
    assert make.mails_to("coach@noord.example") == []
    mia.submit(f"{page}/remind", {"action": "remind"}, page=page)
    assert "The reminder of this round has been sent already." in mia.text(page)
    assert signed_in(app, "coach@noord.example").submit(f"{page}/remind", {"action": "remind"}).status_code == 403


def test_the_report_is_for_the_manager_and_the_coach_only(app, make, world):
    first, _second = world.promise_ids
    mia, page = _start(app, world, peers=["peer1", "peer2", "peer3"])
    for who in ["peer1", "peer2", "peer3"]:
        _answer(app, make, who, [(first, 4)])
    _close(mia, page)
    assert "4.0" in signed_in(app, "coach@noord.example").text(page)
    assert "Feedback round of Mia Manager" in signed_in(app, "coach@noord.example").text("/t/noord/leadership/")
    for stranger in ("admin@noord.example.org", "max@noord.example", "boss@noord.example", "peer1@noord.example"):
        client = signed_in(app, stranger)
        assert client.get(page).status_code == 404, stranger
        assert client.submit(f"{page}/close", {"action": "close"}, page="/account").status_code == 404, stranger
    # the coach reads, but closing is the manager's
    _second_page = _start(app, world, peers=["peer1"])[1]
    coach = signed_in(app, "coach@noord.example")
    assert coach.submit(f"{_second_page}/close", {"action": "close"}, page=_second_page).status_code == 403


def test_only_management_starts_a_round_and_the_form_refuses_nonsense(app, make, world):
    assert signed_in(app, "peer1@noord.example").get(world.start).status_code == 403
    mia = signed_in(app, "mia@noord.example")
    for form, message in (
        ({"peer_ids": [str(world.mia)], "closes_on": "2099-01-01"}, "Choose people from the list"),
        ({"peer_ids": [str(world.ids["peer1"])], "report_ids": [str(world.ids["peer1"])], "closes_on": "2099-01-01"},
         "one group of raters only"),
        ({"closes_on": "2099-01-01"}, "Choose the people you want feedback from"),
        ({"peer_ids": ["999999"], "closes_on": "2099-01-01"}, "Choose people from the list"),
        ({"peer_ids": [str(world.ids["peer1"])], "closes_on": "2020-01-01"}, "cannot be in the past"),
        ({"peer_ids": [str(world.ids["peer1"])], "coach_id": str(world.mia), "closes_on": "2099-01-01"},
         "Choose people from the list"),
    ):
        response = mia.submit(world.start, form)
        assert response.status_code == 200 and message in response.get_data(as_text=True), (form, message)
    with make.session(world.tenant.id) as db:
        assert db.scalars(select(FeedbackRound)).all() == []


def test_nothing_stored_ties_a_360_answer_to_its_rater(app, make, world, owner_engine):
    first, _second = world.promise_ids
    raters = ["peer1", "peer2", "peer3", "peer4", "rep1", "rep2", "rep3", "rep4", "rep5"]
    mia, page = _start(app, world, peers=raters[:4], reports=raters[4:])
    for who in raters:
        _answer(app, make, who, [(first, 3)], keep=f"written by {who}")
    _close(mia, page)
    columns = {c["name"] for c in inspect(owner_engine).get_columns("feedback_answers")}
    assert columns == {"id", "tenant_id", "round_id", "rater_group", "scores", "comments"}
    with owner_engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        physical = [row.comments["keep"].removeprefix("written by ")
                    for row in conn.execute(text("SELECT comments FROM feedback_answers"))]
        by_id = [row.comments["keep"].removeprefix("written by ")
                 for row in conn.execute(text("SELECT comments FROM feedback_answers ORDER BY id"))]
        invitations = conn.execute(text("SELECT relation, answered FROM feedback_invitations")).all()
        pooled = conn.execute(text("SELECT count(*) FROM feedback_answer_pool")).scalar()
    assert sorted(physical) == sorted(raters) and physical != raters and by_id != raters
    assert pooled == 0 and sum(answered for _relation, answered in invitations) == len(raters)


# ---- the rule itself, for every combination ------------------------------------------------

@pytest.mark.smoke
def test_the_group_rule_never_isolates_the_own_manager_or_a_small_group():
    for manager, peers, reports in itertools.product((0, 1), range(8), range(8)):
        answered = {"manager": manager, "peer": peers, "report": reports}
        separate = raters.feedback_groups(answered)
        total = manager + peers + reports
        assert "manager" not in separate
        assert all(answered[group] >= RATERS_MIN_SCORES for group in separate), answered
        rest = total - sum(answered[group] for group in separate)
        if raters.others_shown(answered):
            # what "all others" holds beyond the groups shown: none, or at least three answers
            assert rest == 0 or rest >= RATERS_MIN_SCORES, answered
            if manager:
                assert rest >= RATERS_MIN_SCORES, answered  # the manager always has company
        else:
            assert total < RATERS_MIN_SCORES
        # nothing is hidden without need: a group that could be shown on its own is
        if not manager and peers >= 3 and reports >= 3:
            assert separate == {"peer", "report"}


@pytest.mark.smoke
def test_the_rule_holds_per_promise_when_raters_cannot_judge():
    # three peers and three reports answered, but one report could not judge the promise: reports on
    # their own (2) would be too few, and "all others" minus peers would give those two away
    answers = [("peer", {"1": 4}, {}) for _ in range(3)] + [("report", {"1": 2}, {}) for _ in range(2)] \
        + [("report", {}, {})]
    [line] = rules.feedback_report(answers, [1], ("keep", "change")).lines
    assert line.others.shown and line.others.scored == 5 and line.groups == {}
    answers = [("other", {"1": 1}, {})] + [("peer", {"1": 4}, {}) for _ in range(3)] + [("other", {}, {})] * 2
    [line] = rules.feedback_report(answers, [1], ("keep", "change")).lines
    assert line.others.shown and "peer" not in line.groups  # the one "other" score would stand alone


def _row(page: str, label: str) -> str:
    start = page.index(label)
    return page[start:page.index("</tr>", start)]


def test_a_manager_rating_themselves_while_the_invitations_go_out_loses_no_answer(app, make, world, database):
    """Issue 17 §10: the manager rated themselves right after starting a round, while the job mailed the
    raters. The answer locked its invitation and then (inserting into the pool) waited for the round,
    which the job held while it wanted that invitation: PostgreSQL broke the deadlock with a 500, and
    the answer was lost. Both now take the round first. Real PostgreSQL, two threads, and a third
    connection holding the round so that both are surely under way at the same time."""
    import threading

    from saas.leadership import feedback
    from saas.leadership.jobs import send_feedback_invitations
    from saas.leadership.models import FeedbackInvitation, FeedbackPooledAnswer
    from saas.programme import service as programmes
    from tenants.models import Membership, Tenant
    from tests.test_respond import _wait_until_blocked

    with make.session(world.tenant.id) as db:
        feedback_round = feedback.start_round(
            db, db.get(Tenant, world.tenant.id), programmes.get_programme(db, world.programme_id),
            db.get(Membership, world.mia), coach_id=world.ids["coach"], manager_id=world.ids["boss"],
            peer_ids=[world.ids[p] for p in ("peer1", "peer2", "peer3")], report_ids=[], today=date.today(),
            closes_on=date.today() + timedelta(days=10), send_mail=False)  # the job is run below, by hand
        round_id = feedback_round.id
    mia = signed_in(app, "mia@noord.example")
    page = f"/t/noord/leadership/feedback/{round_id}/answer"
    form = {f"score-{promise_id}": "4" for promise_id in world.promise_ids}
    form.update(keep="Listening.", change="", csrf_token=mia.csrf_token(page))
    outcome: dict = {}

    def job():
        try:
            with app.app_context():
                outcome["mailed"] = send_feedback_invitations(world.tenant.id, round_id)
        except Exception as error:  # noqa: BLE001 - the test reports it
            outcome["job"] = repr(error)

    def rate_myself():
        outcome["answer"] = mia.post(page, data=form).status_code

    with database.engine.connect() as blocker:
        sign_in_scope(blocker, world.tenant.id)
        blocker.execute(text("SELECT id FROM feedback_rounds WHERE id = :r FOR UPDATE"), {"r": round_id})
        threads = [threading.Thread(target=job)]
        threads[0].start()
        _wait_until_blocked(database, 1)  # the job waits for the round
        threads.append(threading.Thread(target=rate_myself))
        threads[1].start()
        _wait_until_blocked(database, 2)  # and so does the answer
        blocker.rollback()
    for thread in threads:
        thread.join(30)
    assert outcome.get("answer") == 302 and "job" not in outcome, outcome
    assert "Thank you" in mia.text(page)
    with make.session(world.tenant.id) as db:
        [pooled] = db.scalars(select(FeedbackPooledAnswer).where(FeedbackPooledAnswer.round_id == round_id)).all()
        assert pooled.payload["relation"] == "self" and pooled.payload["comments"] == {"keep": "Listening."}
        invitations = db.scalars(select(FeedbackInvitation).where(FeedbackInvitation.round_id == round_id)).all()
        assert all(i.mailed for i in invitations if i.relation != "self")
    for who in ("boss", "peer1", "peer2", "peer3"):
        assert len(make.mails_to(f"{who}@noord.example")) == 1
    assert outcome["mailed"] in (4, 5)  # the raters, and the manager unless they had answered already
