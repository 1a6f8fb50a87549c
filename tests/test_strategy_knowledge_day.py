"""The knowledge day (issue 9, point 4): workshops in time slots, signing up with a waiting list that
is promoted in order (and told so), no double booking across overlapping slots, attendance by the host,
evaluations pooled while their window is open and released once at its close (an average from k,
comments from a larger group), the sweeper closing windows past their date — and the last place taken
by two people at the same moment on PostgreSQL."""
from __future__ import annotations

import re
import threading
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import inspect, select

from saas.kernel.notifications import Notification
from saas.strategy.models import Evaluation, EvaluationPool, Signup, Workshop
from tests.conftest import SQLITE
from tests.helpers import signed_in


@pytest.fixture
def day(app, make):
    from saas.programme import service

    tenant = make.tenant("noord")
    aal, bee, cur = tenant.legacy_org_ids
    ids = SimpleNamespace(
        organiser=make.member(tenant, "mia@noord.example", roles=["management"], name="Mia Manager"),
        host=make.member(tenant, "carla@noord.example", roles=["consultant"], name="Carla Coach"),
        **{name: make.member(tenant, f"{name}@noord.example", name=name.title(), legacy_org_id=org)
           for name, org in (("lotte", aal), ("mo", bee), ("sanne", cur), ("daan", aal), ("eva", bee))},
    )
    with make.session(tenant.id) as db:
        programme = service.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                             ends_on=date(2027, 12, 31))
        programme_id = programme.id
    world = SimpleNamespace(tenant=tenant, ids=ids, base="/t/noord/strategy", programme_id=programme_id)
    mia = signed_in(app, "mia@noord.example")
    response = mia.submit(f"{world.base}/programmes/{programme_id}/knowledge-days/new", {
        "title": "Kennisdag", "held_on": "2027-03-18", "location": "Cultuurhuis", "description": "Oefenen."})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    world.day_url = response.headers["Location"]
    world.day_id = int(world.day_url.rsplit("/", 1)[1])
    world.workshops = {}
    for title, capacity, start, end in (("In gesprek met de klant", 2, "09:30", "11:00"),
                                        ("Effectief samenwerken", 20, "10:30", "12:00"),
                                        ("Feedback geven", 1, "11:15", "12:45")):
        response = mia.submit(f"{world.base}/knowledge-days/{world.day_id}/workshops/new", {
            "title": title, "description": f"Over {title.lower()}.", "host_id": str(ids.host), "pillar_id": "",
            "capacity": str(capacity), "starts_at": start, "ends_at": end})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        world.workshops[title] = f"{world.base}/workshops/{response.headers['Location'].rsplit('/', 1)[1]}"
    return world


def _choose(client, workshop_url, choice="sign_up"):
    response = client.submit(f"{workshop_url}/place", {"choice": choice}, page=workshop_url)
    assert response.status_code == 302
    return client.text(response.headers["Location"])


def _places(make, day, title):
    with make.session(day.tenant.id) as db:
        workshop_id = db.scalar(select(Workshop.id).where(Workshop.title == title))
        return [(s.membership_id, s.status) for s in db.scalars(
            select(Signup).where(Signup.workshop_id == workshop_id).order_by(Signup.signed_up_at, Signup.id))]


@pytest.mark.smoke
def test_an_organiser_plans_the_day_and_a_member_sees_the_slots_and_places(app, day):
    page = signed_in(app, "lotte@noord.example").text(day.day_url)
    assert "Kennisdag" in page and "March 18, 2027" in page and "Cultuurhuis" in page
    assert page.index("09:30–11:00") < page.index("In gesprek met de klant") < page.index("10:30–12:00")
    assert "2 places left of 2" in page and "Host: Carla Coach" in page
    # a workshop ends after it starts
    response = signed_in(app, "mia@noord.example").submit(f"{day.base}/knowledge-days/{day.day_id}/workshops/new", {
        "title": "Omgekeerd", "host_id": str(day.ids.host), "capacity": "5", "starts_at": "14:00", "ends_at": "13:00"})
    assert response.status_code == 200 and "A workshop ends after it starts." in response.get_data(as_text=True)
    lotte = signed_in(app, "lotte@noord.example")
    assert lotte.get(f"{day.base}/knowledge-days/{day.day_id}/workshops/new").status_code == 403


@pytest.mark.smoke
def test_people_sign_up_until_full_then_join_the_waiting_list_and_are_promoted_in_order(app, make, day):
    workshop = day.workshops["In gesprek met de klant"]
    for name in ("lotte", "mo"):
        assert "You have a place at In gesprek met de klant." in _choose(signed_in(app, f"{name}@noord.example"), workshop)
    sanne, daan = signed_in(app, "sanne@noord.example"), signed_in(app, "daan@noord.example")
    page = _choose(sanne, workshop)
    assert "is full. You are number 1 on the waiting list" in page
    assert "number 2 on the waiting list" in _choose(daan, workshop)
    assert "You are number 2 on the waiting list" in daan.text(day.day_url)
    assert "Full · 2 people on the waiting list" in daan.text(day.day_url)
    # signing up twice changes nothing
    _choose(sanne, workshop)
    assert [s for _m, s in _places(make, day, "In gesprek met de klant")] == ["confirmed", "confirmed", "waiting",
                                                                           "waiting"]

    # Mo cancels: Sanne, first in line, gets the place and is told in the app and by e-mail
    assert "You are no longer signed up" in _choose(signed_in(app, "mo@noord.example"), workshop, "cancel")
    assert _places(make, day, "In gesprek met de klant") == [
        (day.ids.lotte, "confirmed"), (day.ids.sanne, "confirmed"), (day.ids.daan, "waiting")]
    assert "You have a place" in sanne.text(workshop)
    assert "You are number 1 on the waiting list" in daan.text(workshop)
    [mail] = make.mails_to("sanne@noord.example")
    assert "You have a place at the workshop In gesprek met de klant" in mail.subject
    assert "/strategy/workshops/" in mail.body
    with make.session(day.tenant.id) as db:
        [notice] = db.scalars(select(Notification).where(Notification.membership_id == day.ids.sanne)).all()
        assert notice.kind == "workshop_place"
    assert make.mails_to("daan@noord.example") == []

    # raising the capacity promotes the next in line too
    mia = signed_in(app, "mia@noord.example")
    response = mia.submit(f"{workshop}/edit", {"title": "In gesprek met de klant", "description": "", "pillar_id": "",
                                               "host_id": str(day.ids.host), "capacity": "3", "starts_at": "09:30",
                                               "ends_at": "11:00"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _places(make, day, "In gesprek met de klant")[-1] == (day.ids.daan, "confirmed")
    assert len(make.mails_to("daan@noord.example")) == 1
    # and the capacity cannot drop below the places given
    response = mia.submit(f"{workshop}/edit", {"title": "In gesprek met de klant", "host_id": str(day.ids.host),
                                               "capacity": "1", "starts_at": "09:30", "ends_at": "11:00"})
    assert "3 people already have a place" in response.get_data(as_text=True)


@pytest.mark.smoke
def test_overlapping_workshops_cannot_both_be_booked_and_the_message_says_which(app, make, day):
    lotte = signed_in(app, "lotte@noord.example")
    _choose(lotte, day.workshops["In gesprek met de klant"])  # 09:30–11:00
    page = _choose(lotte, day.workshops["Effectief samenwerken"])  # 10:30–12:00 overlaps
    assert ("You are already signed up for “In gesprek met de klant” (09:30–11:00), which overlaps with this "
            "workshop.") in page
    assert _places(make, day, "Effectief samenwerken") == []
    # a slot that only follows the first one is fine (11:15–12:45), and so is the day page's own button
    response = lotte.submit(f"{day.workshops['Feedback geven']}/place", {"choice": "sign_up", "from": "day"},
                            page=day.day_url)
    assert response.headers["Location"].startswith(day.day_url.replace("http://localhost", ""))
    assert "You have a place at Feedback geven." in lotte.text(response.headers["Location"])
    # a place on a waiting list counts too: it may turn into a place
    mo = signed_in(app, "mo@noord.example")
    assert "waiting list" in _choose(mo, day.workshops["Feedback geven"])
    assert "which overlaps" in _choose(mo, day.workshops["Effectief samenwerken"])


def _attend_and_evaluate(make, day, title, scores, comment="Opmerking {score}"):
    """len(scores) extra people take a place, the organiser ticks them as present and each evaluates."""
    from saas.strategy import knowledge_day
    from tenants.models import Membership

    extra = [make.member(day.tenant, f"extra{i}-{len(scores)}@noord.example") for i in range(len(scores))]
    with make.session(day.tenant.id) as db:
        workshop = db.scalar(select(Workshop).where(Workshop.title == title))
        for membership_id in extra:
            knowledge_day.sign_up(db, workshop, db.get(Membership, membership_id))
        knowledge_day.record_attendance(db, workshop, db.get(Membership, day.ids.organiser), set(extra))
    for membership_id, score in zip(extra, scores):
        with make.session(day.tenant.id) as db:  # each evaluation in its own transaction, as through the page
            workshop = db.scalar(select(Workshop).where(Workshop.title == title))
            knowledge_day.evaluate(db, workshop, db.get(Membership, membership_id), score=score,
                                   comment=comment.format(score=score, id=membership_id), today=date(2027, 3, 18))
    return extra


def _evaluations(make, day):
    with make.session(day.tenant.id) as db:
        return (sorted(e.score for e in db.scalars(select(Evaluation))),
                sorted(p.score for p in db.scalars(select(EvaluationPool))))


@pytest.mark.smoke
def test_the_host_records_attendance_and_attendees_evaluate_once_without_their_name(app, make, day):
    workshop = day.workshops["Effectief samenwerken"]
    people = ["lotte", "mo", "sanne", "daan", "eva"]
    for name in people:
        _choose(signed_in(app, f"{name}@noord.example"), workshop)
    lotte = signed_in(app, "lotte@noord.example")
    page = lotte.text(workshop)
    assert "Your evaluation" not in page  # before attendance is recorded
    assert "The evaluations open once the host has recorded who attended." in page

    # a member cannot record attendance; the host can, and that opens the evaluations for two weeks
    assert lotte.submit(f"{workshop}/attendance", {"recorded": "yes", "attended_ids": [str(day.ids.lotte)]},
                        page=workshop).status_code == 403
    carla = signed_in(app, "carla@noord.example")
    attended = [getattr(day.ids, name) for name in people[:4]]  # Eva did not come
    assert carla.submit(f"{workshop}/attendance", {"recorded": "yes", "attended_ids": [str(i) for i in attended]},
                        page=workshop).status_code == 302
    with make.session(day.tenant.id) as db:
        assert {s.membership_id: s.attended for s in db.scalars(select(Signup))} == {
            **{i: True for i in attended}, day.ids.eva: False}

    eva = signed_in(app, "eva@noord.example")
    assert "Your evaluation" not in eva.text(workshop)
    response = eva.submit(f"{workshop}/evaluate", {"score": "1", "comment": "Niet geweest"}, page=workshop)
    assert "Only people who attended the workshop can evaluate it, once." in eva.text(response.headers["Location"])

    for name, score in zip(people[:4], (4, 5, 3, 4)):
        client = signed_in(app, f"{name}@noord.example")
        page = client.text(workshop)
        assert "Your evaluation" in page and "The evaluations are open until April 1, 2027." in page
        response = client.submit(f"{workshop}/evaluate", {"score": str(score), "comment": f"Leerzaam, zegt {name}"},
                                 page=workshop)
        assert "Thank you for your evaluation." in client.text(response.headers["Location"])
    response = lotte.submit(f"{workshop}/evaluate", {"score": "1"}, page=workshop)  # a second time
    assert "Only people who attended the workshop can evaluate it, once." in lotte.text(response.headers["Location"])

    # while the window is open nobody sees a score or how many have evaluated, not even the host
    for reader in (carla, lotte):
        page = reader.text(workshop)
        assert "Average score" not in page and "4 evaluations" not in page and "Leerzaam" not in page
        assert "The results appear once they close" in page
    # the evaluations wait in a pool that holds nothing but the score and the comment
    assert {c.name for c in inspect(EvaluationPool).columns} == {"id", "tenant_id", "workshop_id", "score",
                                                                 "comment"}
    assert {c.name for c in inspect(Evaluation).columns} == {"id", "tenant_id", "workshop_id", "score", "comment"}
    assert _evaluations(make, day) == ([], [3, 4, 4, 5])


@pytest.mark.smoke
def test_five_evaluations_show_nothing_until_the_host_closes_them_then_the_average(app, make, day):
    """Finding 3: a live average and count let anyone work out the newest score. Now nothing shows
    while the window is open, however many evaluate; the close publishes one release."""
    from saas.anonymity.models import Release

    workshop_url = day.workshops["Effectief samenwerken"]
    _attend_and_evaluate(make, day, "Effectief samenwerken", (4, 5, 3, 4, 5))
    lotte = signed_in(app, "lotte@noord.example")
    page = lotte.text(workshop_url)
    assert "Average score" not in page and "5 evaluations" not in page
    assert "The evaluations are open until April 1, 2027." in page
    assert "Close the evaluations now" not in page  # only the host and the organisers close them

    # the tenant raises k after the window opened: this workshop keeps the k it opened with
    with make.session() as db:
        from tenants.models import Tenant

        db.get(Tenant, day.tenant.id).min_group_size = 8
    carla = signed_in(app, "carla@noord.example")
    response = carla.submit(f"{workshop_url}/evaluations", {"close": "Close the evaluations now"}, page=workshop_url)
    assert "The evaluations are closed and the results are published." in carla.text(response.headers["Location"])

    page = lotte.text(workshop_url)
    assert "Average score: 4.2 out of 5, from 5 evaluations." in page
    assert "Opmerking" not in page and "Your evaluation" not in page
    host_page = carla.text(workshop_url)
    assert "Comments are shown only from 10 evaluations." in host_page and "Opmerking" not in host_page
    with make.session(day.tenant.id) as db:
        [release] = db.scalars(select(Release)).all()
        assert (release.collection, release.number, release.final, release.k, release.answers) == (
            "workshop", 1, True, 5, 5)
        assert release.figures == {"count": 5, "average": 4.2, "comments": None}
    assert _evaluations(make, day) == ([3, 4, 4, 5, 5], [])
    # reading the released figures is in the access log, as every reading of figures built from answers
    with make.session(day.tenant.id) as db:
        from saas.anonymity.models import ReportAccess

        readers = {(a.user_email, a.filters.get("workshop")) for a in db.scalars(
            select(ReportAccess).where(ReportAccess.kind == "workshop"))}
    assert ("lotte@noord.example", release.collection_id) in readers
    # closing twice changes nothing
    response = carla.submit(f"{workshop_url}/evaluations", {"close": "Close the evaluations now"}, page=workshop_url)
    assert "The evaluations of this workshop are closed." in carla.text(response.headers["Location"])


def test_comments_come_from_ten_evaluations_sorted_and_the_page_reads_only_the_release(app, make, day):
    from saas.strategy import knowledge_day
    from tenants.models import Membership

    workshop_url = day.workshops["Effectief samenwerken"]
    _attend_and_evaluate(make, day, "Effectief samenwerken", (5, 4, 4, 3, 5, 4, 2, 5, 4, 4),
                         comment="{id} zegt {score}")
    with make.session(day.tenant.id) as db:
        workshop = db.scalar(select(Workshop).where(Workshop.title == "Effectief samenwerken"))
        knowledge_day.close_evaluations(db, workshop, date(2027, 3, 20), db.get(Membership, day.ids.host))
    host_page = signed_in(app, "carla@noord.example").text(workshop_url)
    assert "Average score: 4.0 out of 5, from 10 evaluations." in host_page
    comments = re.findall(r"<li>(\d+ zegt \d)</li>", host_page)
    assert len(comments) == 10 and comments == sorted(comments, key=str.casefold)
    member_page = signed_in(app, "lotte@noord.example").text(workshop_url)
    assert "Average score: 4.0" in member_page and "zegt" not in member_page  # comments are for the host
    # what is in the tables afterwards does not change what was released
    with make.session(day.tenant.id) as db:
        for evaluation in db.scalars(select(Evaluation)):
            evaluation.score = 1
    assert "Average score: 4.0 out of 5, from 10 evaluations." in signed_in(app, "lotte@noord.example").text(workshop_url)


def test_a_closed_workshop_has_fewer_than_k_evaluations_and_shows_only_their_number(app, make, day):
    from saas.strategy import knowledge_day
    from tenants.models import Membership

    workshop_url = day.workshops["Effectief samenwerken"]
    _attend_and_evaluate(make, day, "Effectief samenwerken", (2, 5))
    with make.session(day.tenant.id) as db:
        workshop = db.scalar(select(Workshop).where(Workshop.title == "Effectief samenwerken"))
        knowledge_day.close_evaluations(db, workshop, date(2027, 3, 20), db.get(Membership, day.ids.organiser))
    page = signed_in(app, "lotte@noord.example").text(workshop_url)
    assert "2 evaluations. An average is shown only from 5 evaluations" in page and "Average score" not in page


@pytest.mark.smoke
def test_the_host_moves_the_close_date_and_the_sweeper_closes_the_window_the_day_after(app, make, database, day):
    from saas.anonymity.models import Release
    from saas.deadlines import close_due
    from tenants.models import Membership

    workshop_url = day.workshops["Effectief samenwerken"]
    extra = _attend_and_evaluate(make, day, "Effectief samenwerken", (4, 4, 5, 3, 4, 5))
    carla, lotte = signed_in(app, "carla@noord.example"), signed_in(app, "lotte@noord.example")
    assert 'value="2027-04-01"' in carla.text(workshop_url)
    # a member may not move it; a date in the past or that is no date is refused with a clear message
    assert lotte.submit(f"{workshop_url}/evaluations", {"closes_on": "2027-05-01", "save": "x"},
                        page=workshop_url).status_code == 403
    response = carla.submit(f"{workshop_url}/evaluations", {"closes_on": "2020-01-01", "save": "x"}, page=workshop_url)
    assert "Choose today or a later date." in carla.text(response.headers["Location"])
    response = carla.submit(f"{workshop_url}/evaluations", {"closes_on": "soon", "save": "x"}, page=workshop_url)
    assert "Please enter a date (yyyy-mm-dd)." in carla.text(response.headers["Location"])
    response = carla.submit(f"{workshop_url}/evaluations", {"closes_on": "2027-03-25", "save": "x"}, page=workshop_url)
    assert "The evaluations now close after March 25, 2027." in carla.text(response.headers["Location"])
    assert "The evaluations are open until March 25, 2027." in lotte.text(workshop_url)

    assert not close_due(database.Session, date(2027, 3, 25))  # the close date is the last day
    closed = close_due(database.Session, date(2027, 3, 26))
    assert closed.workshop_evaluations == 1 and not close_due(database.Session, date(2027, 3, 26))
    assert "Average score: 4.2 out of 5, from 6 evaluations." in lotte.text(workshop_url)
    with make.session(day.tenant.id) as db:
        [release] = db.scalars(select(Release)).all()
        assert release.released_on == date(2027, 3, 26)
    # someone ticked as present afterwards can no longer evaluate
    from saas.strategy import knowledge_day

    with make.session(day.tenant.id) as db:
        workshop = db.scalar(select(Workshop).where(Workshop.title == "Effectief samenwerken"))
        latecomer = make.member(day.tenant, "laat@noord.example")
        knowledge_day.sign_up(db, workshop, db.get(Membership, latecomer))
        knowledge_day.record_attendance(db, workshop, db.get(Membership, day.ids.host), set(extra) | {latecomer})
        with pytest.raises(knowledge_day.EvaluationsClosed):
            knowledge_day.evaluate(db, workshop, db.get(Membership, latecomer), score=1, comment="",
                                   today=date(2027, 3, 27))


@pytest.mark.skipif(SQLITE, reason="transaction ids and physical order are PostgreSQL's")
def test_after_the_close_no_evaluation_row_points_at_the_sign_up_it_came_from(app, make, database, day):
    """Each evaluation went into the pool in its evaluator's transaction, with their sign-up. The close
    writes every evaluation anew in one transaction of its own, in random order with random ids: the
    evaluations share one transaction id, no sign-up's, and nothing orders them by time of writing."""
    from sqlalchemy import text

    from saas.strategy import knowledge_day
    from tenants.models import Membership

    _attend_and_evaluate(make, day, "Effectief samenwerken", (1, 2, 3, 4, 5, 1, 2))
    with make.session(day.tenant.id) as db:
        signup_xmins = set(db.execute(text("SELECT xmin::text FROM workshop_signups WHERE evaluated")).scalars())
        assert len(signup_xmins) == 7  # one per evaluator
        pool_xmins = set(db.execute(text("SELECT xmin::text FROM workshop_evaluation_pool")).scalars())
        assert pool_xmins == signup_xmins  # the flaw a pool alone would keep
        workshop = db.scalar(select(Workshop).where(Workshop.title == "Effectief samenwerken"))
        knowledge_day.close_evaluations(db, workshop, date(2027, 3, 20), db.get(Membership, day.ids.host))
    with make.session(day.tenant.id) as db:
        rows = db.execute(text("SELECT xmin::text, id FROM workshop_evaluations")).all()
        assert len(rows) == 7 and len({xmin for xmin, _id in rows}) == 1
        assert not {xmin for xmin, _id in rows} & signup_xmins
        assert all(re.fullmatch(r"[0-9a-f]{32}", row_id) for _xmin, row_id in rows)
        assert db.execute(text("SELECT count(*) FROM workshop_evaluation_pool")).scalar() == 0
        sequences = db.execute(text("SELECT count(*) FROM pg_class WHERE relkind = 'S' AND relname LIKE "
                                    "'workshop_evaluation%'")).scalar()
        assert sequences == 0


@pytest.mark.skipif(SQLITE, reason="row locks are PostgreSQL's")
def test_two_people_taking_the_last_place_at_once_one_gets_it_the_other_waits(app, make, database, day):
    """Lotte's sign-up holds the workshop's row lock; Mo's sign-up waits for it and, once Lotte's
    transaction commits, finds the workshop full and joins the waiting list."""
    from saas.strategy import knowledge_day
    from tenants.models import Membership
    from tenants.scoping import set_scope

    _choose(signed_in(app, "sanne@noord.example"), day.workshops["In gesprek met de klant"])  # one place left of two

    def session_for(membership_id):
        db = database.Session()
        set_scope(db, tenant_id=day.tenant.id)
        workshop = db.scalar(select(Workshop).where(Workshop.title == "In gesprek met de klant"))
        return db, workshop, db.get(Membership, membership_id)

    lotte_db, lotte_workshop, lotte = session_for(day.ids.lotte)
    mo_db, mo_workshop, mo = session_for(day.ids.mo)
    outcome = {}

    def mo_signs_up():
        with app.app_context():
            outcome["mo"] = knowledge_day.sign_up(mo_db, mo_workshop, mo).status
            mo_db.commit()

    try:
        with app.app_context():
            outcome["lotte"] = knowledge_day.sign_up(lotte_db, lotte_workshop, lotte).status  # holds the lock
            other = threading.Thread(target=mo_signs_up)
            other.start()
            other.join(timeout=1.0)
            assert other.is_alive(), "Mo's sign-up should wait for Lotte's lock"
            lotte_db.commit()
            other.join(timeout=10)
            assert not other.is_alive()
    finally:
        lotte_db.close()
        mo_db.close()
    assert outcome == {"lotte": "confirmed", "mo": "waiting"}
    assert [s for _m, s in _places(make, day, "In gesprek met de klant")] == ["confirmed", "confirmed", "waiting"]


@pytest.mark.skipif(SQLITE, reason="concurrent writers are PostgreSQL's")
def test_many_people_pressing_sign_up_together_for_the_last_place(app, make, day):
    workshop = day.workshops["Feedback geven"]  # one place
    names = ["lotte", "mo", "sanne", "daan", "eva"]
    clients = {name: signed_in(app, f"{name}@noord.example") for name in names}
    tokens = {name: client.csrf_token(workshop) for name, client in clients.items()}
    start = threading.Barrier(len(names))
    statuses = {}

    def press(name):
        start.wait()
        response = clients[name].post(f"{workshop}/place", data={"choice": "sign_up", "csrf_token": tokens[name]})
        statuses[name] = response.status_code

    threads = [threading.Thread(target=press, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == {name: 302 for name in names}
    places = _places(make, day, "Feedback geven")
    assert sorted(s for _m, s in places) == ["confirmed"] + ["waiting"] * 4
    assert places[0][1] == "confirmed"  # the first in the queue has the place; the others wait in order


@pytest.mark.skipif(SQLITE, reason="row locks are PostgreSQL's")
def test_one_person_booking_two_overlapping_workshops_at_once_gets_one(app, make, day):
    """Two tabs, two overlapping workshops, pressed together: the lock on the person makes the second
    sign-up see the first."""
    lotte = signed_in(app, "lotte@noord.example")
    urls = [day.workshops["In gesprek met de klant"], day.workshops["Effectief samenwerken"]]
    tokens = [lotte.csrf_token(url) for url in urls]
    tabs = [app.test_client() for _ in urls]
    for tab in tabs:
        tab.login("lotte@noord.example")
    tokens = [tab.csrf_token(url) for tab, url in zip(tabs, urls)]
    start = threading.Barrier(2)

    def press(i):
        start.wait()
        tabs[i].post(f"{urls[i]}/place", data={"choice": "sign_up", "csrf_token": tokens[i]})

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    booked = _places(make, day, "In gesprek met de klant") + _places(make, day, "Effectief samenwerken")
    assert booked == [(day.ids.lotte, "confirmed")]


@pytest.mark.skipif(SQLITE, reason="row locks are PostgreSQL's")
def test_an_evaluation_being_sent_as_the_host_closes_is_in_the_release(app, make, database, day):
    """Lotte's evaluation holds a shared lock on the workshop; the host's close waits for it, and then
    mixes it in with the others: nothing is left behind in the pool of a closed window."""
    from saas.anonymity.models import Release
    from saas.strategy import knowledge_day
    from tenants.models import Membership
    from tenants.scoping import set_scope

    extra = _attend_and_evaluate(make, day, "Effectief samenwerken", (4, 4, 4, 4))
    with make.session(day.tenant.id) as db:
        workshop = db.scalar(select(Workshop).where(Workshop.title == "Effectief samenwerken"))
        knowledge_day.sign_up(db, workshop, db.get(Membership, day.ids.lotte))
        knowledge_day.record_attendance(db, workshop, db.get(Membership, day.ids.host), set(extra) | {day.ids.lotte})

    def session_for(membership_id):
        db = database.Session()
        set_scope(db, tenant_id=day.tenant.id)
        return db, db.scalar(select(Workshop).where(Workshop.title == "Effectief samenwerken")), \
            db.get(Membership, membership_id)

    lotte_db, lotte_workshop, lotte = session_for(day.ids.lotte)
    host_db, host_workshop, host = session_for(day.ids.host)

    def host_closes():
        with app.app_context():
            knowledge_day.close_evaluations(host_db, host_workshop, date(2027, 3, 19), host)
            host_db.commit()

    try:
        with app.app_context():
            knowledge_day.evaluate(lotte_db, lotte_workshop, lotte, score=1, comment="", today=date(2027, 3, 19))
            other = threading.Thread(target=host_closes)
            other.start()
            other.join(timeout=1.0)
            assert other.is_alive(), "the close should wait for Lotte's evaluation"
            lotte_db.commit()
            other.join(timeout=10)
            assert not other.is_alive()
    finally:
        lotte_db.close()
        host_db.close()
    assert _evaluations(make, day) == ([1, 4, 4, 4, 4], [])
    with make.session(day.tenant.id) as db:
        assert db.scalar(select(Release)).figures["average"] == 3.4
