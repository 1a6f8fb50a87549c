"""The knowledge day (issue 9, point 4): workshops in time slots, signing up with a waiting list that
is promoted in order (and told so), no double booking across overlapping slots, attendance by the host,
an evaluation per workshop shown only as an average of at least k — and the last place taken by two
people at the same moment on PostgreSQL."""
from __future__ import annotations

import threading
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import inspect, select

from saas.programme.models import Notification
from saas.strategy.models import Evaluation, Signup, Workshop
from tests.conftest import SQLITE


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
    mia = _as(app, "mia@noord.example")
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


def _as(app, email):
    client = app.test_client()
    client.login(email)
    return client


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
    page = _as(app, "lotte@noord.example").text(day.day_url)
    assert "Kennisdag" in page and "2027-03-18" in page and "Cultuurhuis" in page
    assert page.index("09:30–11:00") < page.index("In gesprek met de klant") < page.index("10:30–12:00")
    assert "2 places left of 2" in page and "Host: Carla Coach" in page
    # a workshop ends after it starts
    response = _as(app, "mia@noord.example").submit(f"{day.base}/knowledge-days/{day.day_id}/workshops/new", {
        "title": "Omgekeerd", "host_id": str(day.ids.host), "capacity": "5", "starts_at": "14:00", "ends_at": "13:00"})
    assert response.status_code == 200 and "A workshop ends after it starts." in response.get_data(as_text=True)
    lotte = _as(app, "lotte@noord.example")
    assert lotte.get(f"{day.base}/knowledge-days/{day.day_id}/workshops/new").status_code == 403


@pytest.mark.smoke
def test_people_sign_up_until_full_then_join_the_waiting_list_and_are_promoted_in_order(app, make, day):
    workshop = day.workshops["In gesprek met de klant"]
    for name in ("lotte", "mo"):
        assert "You have a place at In gesprek met de klant." in _choose(_as(app, f"{name}@noord.example"), workshop)
    sanne, daan = _as(app, "sanne@noord.example"), _as(app, "daan@noord.example")
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
    assert "You are no longer signed up" in _choose(_as(app, "mo@noord.example"), workshop, "cancel")
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
    mia = _as(app, "mia@noord.example")
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
    lotte = _as(app, "lotte@noord.example")
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
    mo = _as(app, "mo@noord.example")
    assert "waiting list" in _choose(mo, day.workshops["Feedback geven"])
    assert "which overlaps" in _choose(mo, day.workshops["Effectief samenwerken"])


@pytest.mark.smoke
def test_the_host_records_attendance_and_attendees_evaluate_once_without_their_name(app, make, day):
    workshop = day.workshops["Effectief samenwerken"]
    people = ["lotte", "mo", "sanne", "daan", "eva"]
    for name in people:
        _choose(_as(app, f"{name}@noord.example"), workshop)
    lotte = _as(app, "lotte@noord.example")
    assert "Your evaluation" not in lotte.text(workshop)  # before attendance is recorded

    # a member cannot record attendance; the host can
    assert lotte.submit(f"{workshop}/attendance", {"recorded": "yes", "attended_ids": [str(day.ids.lotte)]},
                        page=workshop).status_code == 403
    carla = _as(app, "carla@noord.example")
    attended = [getattr(day.ids, name) for name in people[:4]]  # Eva did not come
    assert carla.submit(f"{workshop}/attendance", {"recorded": "yes", "attended_ids": [str(i) for i in attended]},
                        page=workshop).status_code == 302
    with make.session(day.tenant.id) as db:
        assert {s.membership_id: s.attended for s in db.scalars(select(Signup))} == {
            **{i: True for i in attended}, day.ids.eva: False}

    eva = _as(app, "eva@noord.example")
    assert "Your evaluation" not in eva.text(workshop)
    response = eva.submit(f"{workshop}/evaluate", {"score": "1", "comment": "Niet geweest"}, page=workshop)
    assert "Only people who attended the workshop can evaluate it, once." in eva.text(response.headers["Location"])

    for name, score in zip(people[:4], (4, 5, 3, 4)):
        client = _as(app, f"{name}@noord.example")
        assert "Your evaluation" in client.text(workshop)
        response = client.submit(f"{workshop}/evaluate", {"score": str(score), "comment": f"Leerzaam, zegt {name}"},
                                 page=workshop)
        assert "Thank you for your evaluation." in client.text(response.headers["Location"])
    response = lotte.submit(f"{workshop}/evaluate", {"score": "1"}, page=workshop)  # a second time
    assert "Only people who attended the workshop can evaluate it, once." in lotte.text(response.headers["Location"])

    # four evaluations: fewer than k = 5, so no average yet
    assert "The average is shown once at least 5 people have evaluated the workshop." in carla.text(workshop)
    # nothing in an evaluation points at who gave it
    assert {c.name for c in inspect(Evaluation).columns} == {"id", "tenant_id", "workshop_id", "score", "comment"}
    with make.session(day.tenant.id) as db:
        assert sorted(e.score for e in db.scalars(select(Evaluation))) == [3, 4, 4, 5]


@pytest.mark.smoke
def test_an_average_is_shown_from_k_evaluations_and_comments_from_a_larger_group(app, make, day):
    from saas.strategy import knowledge_day
    from tenants.models import Membership

    workshop_url = day.workshops["Effectief samenwerken"]
    extra = [make.member(day.tenant, f"extra{i}@noord.example") for i in range(5)]
    with make.session(day.tenant.id) as db:
        workshop = db.scalar(select(Workshop).where(Workshop.title == "Effectief samenwerken"))
        for membership_id in extra:
            knowledge_day.sign_up(db, workshop, db.get(Membership, membership_id))
        knowledge_day.record_attendance(db, workshop, db.get(Membership, day.ids.organiser), set(extra))
        for membership_id, score in zip(extra, (4, 5, 3, 4, 5)):
            knowledge_day.evaluate(db, workshop, db.get(Membership, membership_id), score=score,
                                   comment=f"Opmerking {score}")
    page = _as(app, "lotte@noord.example").text(workshop_url)
    assert "Average score: 4.2 out of 5, from 5 evaluations." in page
    assert "Opmerking" not in page
    host_page = _as(app, "carla@noord.example").text(workshop_url)
    assert "Comments are shown once at least 10 people have evaluated the workshop." in host_page
    assert "Opmerking" not in host_page


@pytest.mark.skipif(SQLITE, reason="row locks are PostgreSQL's")
def test_two_people_taking_the_last_place_at_once_one_gets_it_the_other_waits(app, make, database, day):
    """Lotte's sign-up holds the workshop's row lock; Mo's sign-up waits for it and, once Lotte's
    transaction commits, finds the workshop full and joins the waiting list."""
    from saas.strategy import knowledge_day
    from tenants.models import Membership
    from tenants.scoping import set_scope

    _choose(_as(app, "sanne@noord.example"), day.workshops["In gesprek met de klant"])  # one place left of two

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
    clients = {name: _as(app, f"{name}@noord.example") for name in names}
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
    lotte = _as(app, "lotte@noord.example")
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
