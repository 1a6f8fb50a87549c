"""Strategy into behaviour (issue 9, points 1–3): pillars that themes and actions serve, mutual
expectations between staff and management (anonymous ones counted by author, released at the round's
close, clustered, published), action plans rolled up into the annual plan, and private personal
development goals. The label rule itself is tested in tests/test_anonymity_labels.py."""
from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from saas.strategy.expectations import placement_key
from saas.strategy.models import Contribution, DevelopmentGoal, ExpectationCluster, Pillar, PlanAction
from tests.conftest import SQLITE
from tests.helpers import signed_in


@pytest.fixture
def world(app, make):
    from saas.programme import service
    from tenants.models import Membership

    tenant = make.tenant("noord")
    aal, bee, cur = tenant.legacy_org_ids
    ids = SimpleNamespace(
        manager=make.member(tenant, "mia@noord.example", roles=["management"], name="Mia Manager", legacy_org_id=aal),
        consultant=make.member(tenant, "carla@noord.example", roles=["consultant"], name="Carla Consultant"),
        lotte=make.member(tenant, "lotte@noord.example", name="Lotte Lid", legacy_org_id=aal),
        mo=make.member(tenant, "mo@noord.example", name="Mo Medewerker", legacy_org_id=bee),
        sanne=make.member(tenant, "sanne@noord.example", roles=["sponsor"], name="Sanne Sponsor", legacy_org_id=cur),
    )
    with make.session(tenant.id) as db:
        programme = service.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                             ends_on=date(2027, 12, 31))
        theme = service.save_theme(db, programme, None, title="Klant centraal", problem="Lange wachttijden",
                                   why_it_matters="", desired_outcome="", pillar="")
        service.set_sponsors(db, theme, [ids.sanne])
        programme_id, theme_id = programme.id, theme.id
        db.get(Membership, ids.lotte)  # (loaded to check the fixture's ids exist)
    return SimpleNamespace(tenant=tenant, ids=ids, programme_id=programme_id, theme_id=theme_id,
                           base="/t/noord/strategy", orgs=(aal, bee, cur))


def _rows(make, world, model, *where):
    with make.session(world.tenant.id) as db:
        return db.scalars(select(model).where(*where).order_by(model.id)).all()


def _add_pillar(client, world, title="Ondernemend", meaning="Kansen zien en verzilveren.",
                examples="Zelf een werkgever bellen."):
    response = client.submit(f"{world.base}/programmes/{world.programme_id}/pillars/new",
                             {"title": title, "meaning": meaning, "examples": examples})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


# ---- 1. pillars ------------------------------------------------------------------------------

@pytest.mark.smoke
def test_management_sets_three_pillars_and_links_a_theme_and_everyone_reads_them(app, make, world):
    mia = signed_in(app, "mia@noord.example")
    client_first = _add_pillar(mia, world, "Klant eerst", "We beginnen bij de vraag van de klant.")
    _add_pillar(mia, world, "Eén organisatie", "Eén werkwijze in alle vestigingen.")
    _add_pillar(mia, world, "Ondernemend")

    response = mia.submit(f"{world.base}/programmes/{world.programme_id}/pillars/new",
                          {"title": "ondernemend", "meaning": "Nog een keer."})
    assert response.status_code == 200
    assert "This programme already has a pillar with that title." in response.get_data(as_text=True)

    # the theme form now offers the pillars to choose from
    form = mia.text(f"/t/noord/themes/{world.theme_id}/edit")
    assert "Klant eerst" in form and 'name="pillar_id"' in form
    response = mia.submit(f"/t/noord/themes/{world.theme_id}/edit", {
        "title": "Klant centraal", "problem": "Lange wachttijden", "pillar_id": str(client_first),
        "sponsor_ids": [str(world.ids.sanne)]})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    lotte = signed_in(app, "lotte@noord.example")
    overview = lotte.text(f"{world.base}/programmes/{world.programme_id}")
    assert overview.index("Klant eerst") < overview.index("Eén organisatie") < overview.index("Ondernemend")
    page = lotte.text(f"{world.base}/pillars/{client_first}")
    assert "We beginnen bij de vraag van de klant." in page and "Klant centraal" in page
    assert "Klant eerst" in lotte.text(f"/t/noord/themes/{world.theme_id}")
    # a member reads but does not shape the strategy
    assert lotte.get(f"{world.base}/programmes/{world.programme_id}/pillars/new").status_code == 403
    assert lotte.get(f"{world.base}/pillars/{client_first}/edit").status_code == 403


def test_a_theme_cannot_be_linked_to_another_programmes_pillar(app, make, world):
    from saas.programme import service

    mia = signed_in(app, "mia@noord.example")
    with make.session(world.tenant.id) as db:
        other = service.create_programme(db, name="Ander programma", goal="", starts_on=date(2026, 1, 1),
                                         ends_on=date(2026, 12, 31))
        other_id = other.id
    foreign = _add_pillar(mia, SimpleNamespace(**{**world.__dict__, "programme_id": other_id}), "Elders")
    _add_pillar(mia, world, "Hier")
    response = mia.submit(f"/t/noord/themes/{world.theme_id}/edit", {
        "title": "Klant centraal", "problem": "Lange wachttijden", "pillar_id": str(foreign)})
    assert response.status_code == 200 and "Choose one of the programme" in response.get_data(as_text=True)


def test_a_pillar_in_use_is_not_removed_and_an_unused_one_is(app, make, world):
    mia = signed_in(app, "mia@noord.example")
    used, unused = _add_pillar(mia, world, "Klant eerst"), _add_pillar(mia, world, "Tijdelijk")
    lotte = signed_in(app, "lotte@noord.example")
    assert lotte.submit(f"{world.base}/programmes/{world.programme_id}/my-goals",
                        {"pillar_id": str(used), "description": "Beter luisteren"}).status_code == 302

    response = mia.submit(f"{world.base}/pillars/{used}/delete", {"action": "remove", "confirmed": "yes"},
                          page=f"{world.base}/pillars/{used}")
    assert response.status_code == 302
    assert "linked to this pillar" in mia.text(response.headers["Location"])
    assert mia.submit(f"{world.base}/pillars/{unused}/delete", {"action": "remove", "confirmed": "yes"},
                      page=f"{world.base}/pillars/{unused}").status_code == 302
    assert [p.title for p in _rows(make, world, Pillar)] == ["Klant eerst"]


# ---- 2. mutual expectations through the pages -------------------------------------------------

@pytest.fixture
def expectation_round(app, make, world):
    mia = signed_in(app, "mia@noord.example")
    pillar_id = _add_pillar(mia, world)
    carla = signed_in(app, "carla@noord.example")
    response = carla.submit(f"{world.base}/pillars/{pillar_id}/rounds/new", {
        "title": "Regiobijeenkomst Beekhoven", "held_on": "2026-11-05", "invitation": "Wat betekent ondernemend?"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    round_id = int(re.search(r"/rounds/(\d+)/", response.headers["Location"]).group(1))
    return SimpleNamespace(id=round_id, url=f"{world.base}/rounds/{round_id}", pillar_id=pillar_id)


def _contribute(client, expectation_round, text, kind="expectation", identity="anonymous"):
    response = client.submit(f"{expectation_round.url}/contribute", {"kind": kind, "text": text, "identity": identity},
                             page=expectation_round.url)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def _by_text(make, world):
    return {c.text: c for c in _rows(make, world, Contribution)}


def _close(client, expectation_round):
    response = client.submit(f"{expectation_round.url}/status", {"status": "closed"},
                             page=f"{expectation_round.url}/facilitate")
    assert response.status_code == 302
    return client.text(response.headers["Location"])


@pytest.mark.smoke
def test_staff_and_management_write_what_they_expect_and_anonymous_ones_carry_no_name(app, make, world,
                                                                                      expectation_round):
    lotte, mia = signed_in(app, "lotte@noord.example"), signed_in(app, "mia@noord.example")
    page = lotte.text(expectation_round.url)
    assert "Wat betekent ondernemend?" in page and "What I expect of management" in page
    _contribute(lotte, expectation_round, "Ruimte om te proberen, ook als het mislukt.")
    _contribute(lotte, expectation_round, "Kansen zien voor een klant.", kind="meaning", identity="named")
    assert "What I expect of staff" in mia.text(expectation_round.url)
    _contribute(mia, expectation_round, "Dat medewerkers zelf met ideeën komen.", identity="named")

    rows = _by_text(make, world)
    anonymous = rows["Ruimte om te proberen, ook als het mislukt."]
    named, management = rows["Kansen zien voor een klant."], rows["Dat medewerkers zelf met ideeën komen."]
    assert (anonymous.anonymous, anonymous.author_id, anonymous.side, anonymous.kind) == (
        True, None, "staff", "expectation")
    assert anonymous.written_on == date(2026, 11, 5)  # the round's date, not the day of writing
    assert re.fullmatch(r"[0-9a-f]{64}", anonymous.author_key)  # a keyed pseudonym, not the membership
    assert (named.author_id, named.kind, named.author_key) == (world.ids.lotte, "meaning", None)
    assert (management.side, management.author_id) == ("management", world.ids.manager)

    # while the round is open the facilitator sees the named contributions only, and is told why
    carla = signed_in(app, "carla@noord.example")
    board = carla.text(f"{expectation_round.url}/facilitate")
    assert "Ruimte om te proberen" not in board
    assert "Anonymous contributions appear here when the round closes" in board
    assert "Lotte Lid (Staff)" in board and "Mia Manager (Management)" in board
    assert "2 contributions so far" in lotte.text(expectation_round.url)  # no live count of anonymous ones

    # the close releases it as a new row: a new random id, no pseudonym, dated by the round
    assert "The anonymous contributions are on the board now." in _close(carla, expectation_round)
    released = _by_text(make, world)["Ruimte om te proberen, ook als het mislukt."]
    assert released.id != anonymous.id and re.fullmatch(r"[0-9a-f]{32}", released.id)
    assert (released.author_key, released.author_id, released.written_on) == (None, None, date(2026, 11, 5))
    board = carla.text(f"{expectation_round.url}/facilitate")
    # the anonymous one is shown without a name or group: one anonymous author is no group
    text = re.sub(r"\s+", " ", board)
    assert re.search(r"Ruimte om te proberen, ook als het mislukt\.</p> <p class=\"meta\">"
                     r"Expectation of the other side · Anonymous</p>", text)
    # and the clustering form names it without its id
    assert f"contribution-{released.id}\"" not in board
    # the writer sees their named contribution, never their anonymous one; other members see neither yet
    mine = lotte.text(expectation_round.url)
    assert "Kansen zien voor een klant." in mine and "Ruimte om te proberen" not in mine
    assert "Kansen zien voor een klant." not in signed_in(app, "mo@noord.example").text(expectation_round.url)


def test_groups_of_anonymous_writers_are_named_by_counting_people_not_items(app, make, world, expectation_round):
    """Finding 5: one manager writing five items was labelled "Management from <their organisation>".
    Labels now count distinct authors, are decided once at the close with the k the round opened with,
    and a reopened round releases only what came in since, without relabelling what was shown."""
    from saas.anonymity.models import Release
    from saas.strategy import expectations
    from saas.strategy.models import ExpectationRound
    from tenants.models import Membership, Tenant

    aal, bee, cur = world.orgs
    people = {aal: [], bee: [], cur: []}
    for org, count in ((aal, 5), (bee, 5), (cur, 2)):
        for i in range(count):
            people[org].append(make.member(world.tenant, f"p{org}-{i}@noord.example", legacy_org_id=org))
    # six people from Aal (with Lotte, through the page), five from Bee, two from Cur: all anonymous;
    # each Cur person writes three
    _contribute(signed_in(app, "lotte@noord.example"), expectation_round, "Vertrouwen van het MT.")
    mia = signed_in(app, "mia@noord.example")
    with make.session(world.tenant.id) as db:
        expectation_round_row = db.get(ExpectationRound, expectation_round.id)
        for org, ids in people.items():
            for membership_id in ids:
                for n in range(3 if org == cur else 1):
                    expectations.contribute(db, expectation_round_row, db.get(Membership, membership_id),
                                            kind="expectation", text=f"Verwachting {membership_id}.{n}",
                                            anonymous=True, today=date.today())
    # the tenant raises k to 7 after the round opened: the round keeps the k it opened with (5)
    with make.session() as db:
        db.get(Tenant, world.tenant.id).min_group_size = 7
    facilitate = f"{expectation_round.url}/facilitate"
    board = mia.text(facilitate)
    assert "Verwachting" not in board  # nothing anonymous while open
    _close(mia, expectation_round)

    board = mia.text(facilitate)
    gemeente = "Gemeente {} (noord)".format
    assert f"Anonymous, Staff from {gemeente('Aal')}: 6" in board
    assert f"Anonymous, Staff from {gemeente('Aal')}</p>" in board  # next to each of Aal's six
    # Cur has 2 people (6 items); Bee (5) is hidden too, or the staff total minus Aal would give Cur away
    assert gemeente("Bee") not in board and gemeente("Cur") not in board
    assert "Anonymous, Staff: 17" in board and "To protect anonymity" in board

    # reopened: Mia, the only manager, writes five items and Lotte one more, closed again. Only these are
    # released, labelled over their own two authors: five items are one manager, no group, and then
    # "staff" would be the rest: nothing is named. The six from Aal keep the label they were shown with.
    assert mia.submit(f"{expectation_round.url}/status", {"status": "open"}, page=facilitate).status_code == 302
    _contribute(signed_in(app, "lotte@noord.example"), expectation_round, "Nog iets van Lotte.")
    for i in range(5):
        _contribute(mia, expectation_round, f"Het MT verwacht {i}")
    board = mia.text(facilitate)
    assert "Nog iets van Lotte." not in board and f"Anonymous, Staff from {gemeente('Aal')}: 6" in board
    _close(mia, expectation_round)
    board = mia.text(facilitate)
    assert "Anonymous, Management" not in board
    text = re.sub(r"\s+", " ", board)
    assert len(re.findall(r"Het MT verwacht \d</p> <p class=\"meta\">Expectation of the other side · "
                          r"Anonymous</p>", text)) == 5
    assert "Nog iets van Lotte.</p> <p class=\"meta\">Expectation of the other side · Anonymous</p>" in text
    assert f"Anonymous, Staff from {gemeente('Aal')}: 6" in board and "Anonymous, Staff: 17" in board
    with make.session(world.tenant.id) as db:
        releases = db.scalars(select(Release).where(Release.collection == "expectations")
                              .order_by(Release.number)).all()
        assert [(r.number, r.k, r.answers) for r in releases] == [(1, 5, 17), (2, 5, 6)]
        assert len(releases[1].figures["labels"]) == 23  # with the first release's labels, kept as they were
        assert all(releases[1].figures["labels"][key] == label
                   for key, label in releases[0].figures["labels"].items())
        assert db.scalar(select(func.count()).select_from(Contribution)
                         .where(Contribution.author_key.is_not(None))) == 0
    # closing a closed round again releases nothing twice
    _close(mia, expectation_round)
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(Release)) == 2


def test_the_facilitator_clusters_and_publishes_a_summary_that_everyone_reads(app, make, world, expectation_round):
    lotte, mo = signed_in(app, "lotte@noord.example"), signed_in(app, "mo@noord.example")
    _contribute(lotte, expectation_round, "Ruimte om te proberen.")
    _contribute(mo, expectation_round, "Fouten maken mag.")
    _contribute(mo, expectation_round, "Duidelijke kaders.", identity="named")
    carla = signed_in(app, "carla@noord.example")
    facilitate = f"{expectation_round.url}/facilitate"
    for name in ("Ruimte", "Kaders"):
        assert carla.submit(f"{expectation_round.url}/clusters", {"name": name}, page=facilitate).status_code == 302
    response = carla.submit(f"{expectation_round.url}/clusters", {"name": "ruimte"}, page=facilitate)
    assert "already has a cluster with that name" in carla.text(response.headers["Location"])
    room, frames = sorted(_rows(make, world, ExpectationCluster), key=lambda c: c.name, reverse=True)

    # the round closes, which brings the anonymous ones onto the board; a late contribution is refused
    _close(carla, expectation_round)
    response = lotte.submit(f"{expectation_round.url}/contribute", {"kind": "meaning", "text": "Te laat",
                                                                      "identity": "anonymous"},
                            page=expectation_round.url)
    assert "This round no longer takes contributions." in response.get_data(as_text=True)
    rows = _by_text(make, world)
    try_it, mistakes, frames_text = rows["Ruimte om te proberen."], rows["Fouten maken mag."], rows["Duidelijke kaders."]

    # one form moves the contributions into their clusters
    field = {c.id: f"contribution-{placement_key(app.config['SECRET_KEY'], c.id)}"
             for c in (try_it, mistakes, frames_text)}
    assert all(name in carla.text(facilitate) for name in field.values())
    response = carla.submit(facilitate, {field[try_it.id]: str(room.id), field[mistakes.id]: str(frames.id),
                                         field[frames_text.id]: str(frames.id)})
    assert response.status_code == 302
    assert carla.submit(facilitate, {field[mistakes.id]: str(room.id)}).status_code == 302  # moved again
    assert carla.submit(f"{expectation_round.url}/clusters/{frames.id}",
                        {f"cluster-{frames.id}-name": "Kaders en uitleg"}, page=facilitate).status_code == 302
    assert {c.text: c.cluster_id for c in _rows(make, world, Contribution)} == {
        "Ruimte om te proberen.": room.id, "Fouten maken mag.": room.id, "Duidelijke kaders.": frames.id}
    # a cluster of another round, or a made-up one, is refused and nothing moves
    response = carla.submit(facilitate, {field[try_it.id]: "999999"})
    assert "Choose one of the round" in response.get_data(as_text=True)

    summary = f"{expectation_round.url}/summary"
    response = carla.submit(summary, {"summary": "", "publish": "Save and publish"})
    assert "Write the summary before you publish it." in response.get_data(as_text=True)
    assert "Ruimte om te proberen." not in mo.text(expectation_round.url)  # not published yet
    response = carla.submit(summary, {"summary": "Medewerkers vragen ruimte; het MT vraagt initiatief.",
                                      "publish": "Save and publish"})
    assert response.status_code == 302

    for reader in ("mo@noord.example", "sanne@noord.example"):
        page = signed_in(app, reader).text(expectation_round.url)
        assert "Medewerkers vragen ruimte; het MT vraagt initiatief." in page
        assert page.index("Kaders en uitleg") < page.index("Duidelijke kaders.")
        assert page.index("Ruimte") < page.index("Fouten maken mag.")
        assert "Mo Medewerker (Staff)" in page  # named, as Mo chose
    # a published round's clusters stay as they are
    response = carla.submit(facilitate, {field[try_it.id]: ""})
    assert "closed for good" in response.get_data(as_text=True)
    assert _by_text(make, world)["Ruimte om te proberen."].cluster_id == room.id


def test_publishing_an_open_round_releases_its_anonymous_contributions_first(app, make, world, expectation_round):
    _contribute(signed_in(app, "lotte@noord.example"), expectation_round, "Meer tijd voor klanten.")
    carla = signed_in(app, "carla@noord.example")
    response = carla.submit(f"{expectation_round.url}/summary", {"summary": "Tijd.", "publish": "Save and publish"})
    assert response.status_code == 302
    page = signed_in(app, "mo@noord.example").text(expectation_round.url)
    assert "Meer tijd voor klanten." in page
    [row] = _rows(make, world, Contribution)
    assert row.author_key is None
    # the reading of a board with released anonymous contributions is in the access log
    from saas.anonymity.models import ReportAccess

    readings = _rows(make, world, ReportAccess)
    assert any(r.kind == "expectations" and r.user_email == "mo@noord.example" for r in readings)


def test_only_facilitators_run_a_round_and_consultants_do_not_write_in_it(app, world, expectation_round):
    lotte = signed_in(app, "lotte@noord.example")
    assert lotte.get(f"{expectation_round.url}/facilitate").status_code == 403
    assert lotte.get(f"{expectation_round.url}/summary").status_code == 403
    carla = signed_in(app, "carla@noord.example")
    assert "Add my contribution" not in carla.text(expectation_round.url)
    assert carla.submit(f"{expectation_round.url}/contribute", {"kind": "meaning", "text": "x", "identity": "named"},
                        page=expectation_round.url).status_code == 403


# ---- 3. action plans, the annual plan and personal goals --------------------------------------

@pytest.mark.smoke
def test_a_region_plans_actions_per_pillar_and_the_annual_plan_shows_progress(app, make, world):
    mia = signed_in(app, "mia@noord.example")
    client_first, entrepreneurial = _add_pillar(mia, world, "Klant eerst"), _add_pillar(mia, world, "Ondernemend")
    response = mia.submit(f"{world.base}/programmes/{world.programme_id}/plans/new", {
        "year": "2027", "unit_kind": "region", "unit_name": "Regio Noord", "coordinator_id": str(world.ids.lotte)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    plan_url = response.headers["Location"]
    plan_id = int(plan_url.rsplit("/", 1)[1])

    # Lotte coordinates the plan and adds its actions
    lotte = signed_in(app, "lotte@noord.example")
    for description, pillar, owner, status in (("Eén vast contactpersoon", client_first, world.ids.mo, "planned"),
                                               ("Intake in één gesprek", client_first, world.ids.lotte, "done"),
                                               ("Werkgevers zelf benaderen", entrepreneurial, world.ids.mo,
                                                "in_progress")):
        response = lotte.submit(f"{world.base}/plans/{plan_id}/actions/new", {
            "description": description, "pillar_id": str(pillar), "owner_id": str(owner), "due_on": "2027-03-01",
            "status": status})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    response = lotte.submit(f"{world.base}/plans/{plan_id}/actions/new", {
        "description": "Zonder pijler", "pillar_id": "", "owner_id": str(world.ids.mo), "due_on": "2027-03-01",
        "status": "planned"})
    assert "Choose one of the programme" in response.get_data(as_text=True)

    # Mo owns an action and reports it done; someone else's action he cannot change
    first, _second, third = _rows(make, world, PlanAction)
    mo = signed_in(app, "mo@noord.example")
    assert mo.submit(f"{world.base}/plan-actions/{first.id}/status", {"status": "done"},
                     page=plan_url).status_code == 302
    assert mo.submit(f"{world.base}/plan-actions/{_second.id}/status", {"status": "planned"},
                     page=plan_url).status_code == 403
    assert mo.get(f"{world.base}/plans/{plan_id}/actions/new").status_code == 403
    assert [a.status for a in _rows(make, world, PlanAction)] == ["done", "done", "in_progress"]

    annual = signed_in(app, "sanne@noord.example").text(f"{world.base}/programmes/{world.programme_id}/annual-plan?year=2027")
    assert "Annual plan 2027" in annual
    assert "2 of 2 actions done" in annual and "0 of 1 action done" in annual
    assert "2 of 3 actions done this year" in annual
    assert annual.index("Klant eerst") < annual.index("Eén vast contactpersoon") < annual.index("Ondernemend") \
        < annual.index("Werkgevers zelf benaderen")
    assert "Regio Noord" in annual
    # another year has its own plan
    other_year = mia.text(f"{world.base}/programmes/{world.programme_id}/annual-plan?year=2026")
    assert "0 of 0 actions done this year" in other_year
    pillar_page = mia.text(f"{world.base}/pillars/{client_first}")
    assert "2 of 2 actions done" in pillar_page and "Intake in één gesprek" in pillar_page


def test_personal_goals_are_private_and_only_their_number_is_shown(app, make, world):
    mia = signed_in(app, "mia@noord.example")
    pillar = _add_pillar(mia, world, "Ondernemend")
    lotte = signed_in(app, "lotte@noord.example")
    goals = f"{world.base}/programmes/{world.programme_id}/my-goals"
    response = lotte.submit(goals, {"pillar_id": str(pillar), "description": "Leren pitchen bij werkgevers"})
    assert response.status_code == 302
    page = lotte.text(goals)
    assert "Leren pitchen bij werkgevers" in page and "1 goal" in page
    [goal] = _rows(make, world, DevelopmentGoal)

    for other in ("mo@noord.example", "mia@noord.example"):
        client = signed_in(app, other)
        assert "Leren pitchen" not in client.text(goals)
        assert "1 goal" in client.text(goals)
        assert "1 personal development goal" in client.text(f"{world.base}/programmes/{world.programme_id}")
        assert client.get(f"{world.base}/goals/{goal.id}").status_code == 404
        assert client.submit(f"{world.base}/goals/{goal.id}/delete", {"action": "remove", "confirmed": "yes"}, page=goals).status_code == 404

    response = lotte.submit(f"{world.base}/goals/{goal.id}", {"pillar_id": str(pillar),
                                                              "description": "Leren pitchen, en luisteren"})
    assert response.status_code == 302
    assert _rows(make, world, DevelopmentGoal)[0].description == "Leren pitchen, en luisteren"
    assert lotte.submit(f"{world.base}/goals/{goal.id}/delete", {"action": "remove", "confirmed": "yes"}, page=goals).status_code == 302
    assert _rows(make, world, DevelopmentGoal) == []


def test_someone_who_leaves_keeps_the_plan_whole(app, make, world):
    mia = signed_in(app, "mia@noord.example")
    pillar = _add_pillar(mia, world, "Klant eerst")
    response = mia.submit(f"{world.base}/programmes/{world.programme_id}/plans/new", {
        "year": "2027", "unit_kind": "team", "unit_name": "Wijkteam Oost", "coordinator_id": str(world.ids.mo)})
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert mia.submit(f"{world.base}/plans/{plan_id}/actions/new", {
        "description": "Spreekuur in de wijk", "pillar_id": str(pillar), "owner_id": str(world.ids.mo),
        "due_on": "2027-02-01", "status": "planned"}).status_code == 302
    admin = signed_in(app, world.tenant.admin_email)
    assert admin.submit(f"/t/noord/admin/members/{world.ids.mo}/remove", {"action": "remove", "confirmed": "yes"},
                        page="/t/noord/admin/members").status_code == 302
    [action] = _rows(make, world, PlanAction)
    assert action.owner_id is None
    assert "someone who has left the organisation" in mia.text(f"{world.base}/plans/{plan_id}")


def test_what_people_type_is_shown_as_text(app, world, expectation_round):
    _contribute(signed_in(app, "lotte@noord.example"), expectation_round, "<script>alert(1)</script>", identity="named")
    board = signed_in(app, "mia@noord.example").text(f"{expectation_round.url}/facilitate")
    assert "<script>alert(1)" not in board and "&lt;script&gt;alert(1)&lt;/script&gt;" in board



def test_after_the_close_no_anonymous_contribution_points_at_the_transaction_of_its_author(app, make, world,
                                                                                           expectation_round):
    """Each anonymous contribution was written in its author's own request. The close writes them all
    anew in one transaction of its own: none is left with its old id or its pseudonym, and on
    PostgreSQL they share the close's transaction id, not their authors'."""
    from sqlalchemy import text

    xmin = "xmin::text" if not SQLITE else "'-'"  # SQLite has no transaction ids to compare
    for email in ("lotte@noord.example", "mo@noord.example", "sanne@noord.example"):
        _contribute(signed_in(app, email), expectation_round, f"Anoniem van {email}")
    with make.session(world.tenant.id) as db:
        before = dict(db.execute(text(f"SELECT id, {xmin} FROM expectation_contributions")).all())
    assert len(before) == 3 and len(set(before.values())) == (1 if SQLITE else 3)
    _close(signed_in(app, "carla@noord.example"), expectation_round)
    with make.session(world.tenant.id) as db:
        after = db.execute(text(f"SELECT id, {xmin}, author_key FROM expectation_contributions")).all()
    assert len(after) == 3 and len({x for _id, x, _key in after}) == 1
    if not SQLITE:
        assert not {x for _id, x, _key in after} & set(before.values())
    assert not {row_id for row_id, _x, _key in after} & set(before)
    assert {key for _id, _x, key in after} == {None}
