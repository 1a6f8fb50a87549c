"""Releases, not readings (DESIGN.md §3), for survey waves: k frozen at the launch, open-link answers
in the whole wave's figures only, figures only from a release made once after the close."""
from datetime import date

import pytest
from sqlalchemy import select

from saas.anonymity import microdata
from saas.comparison import service as comparison
from saas.reports import service as reports
from saas.reports.release import release_wave
from saas.surveys import service
from saas.surveys.models import Response, Wave
from tests.helpers import works_council
from tenants.models import Membership, Tenant


def _values(wave, i):
    return {"values": {"personal": [wave.value_keys[i % len(wave.value_keys)]], "team_current": [],
                       "org_current": [wave.value_keys[(i + 1) % len(wave.value_keys)]], "org_desired": []}}


@pytest.fixture
def world(app, make):
    tenant = make.tenant("oost")  # legacy organisations AAL, BEE, CUR
    for i in range(12):
        make.member(tenant, f"p{i}@oost.example", legacy_org_id=tenant.legacy_org_ids[0 if i < 9 else 1])
    return tenant


def _launch(make, tenant, **options):
    with make.session(tenant.id) as db:
        wave = service.create_wave(db, name="Meting", instruments=("values",), groupings=("legacy_org",), **options)
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="De OR stemt in.")
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        members = db.scalars(select(Membership).order_by(Membership.id)).all()
        tokens = [token for _m, token in service.invite(db, wave, members)]
        return wave.id, tokens


def _answer(make, tenant, wave_id, token, i, org_id):
    with make.session(tenant.id) as db:
        wave = db.get(Wave, wave_id)
        invitation = service.invitation_for_token(db, token)
        service.submit(db, wave, invitation, _values(wave, i), {"legacy_org_id": org_id}, date.today())


def _open_link_answer(make, tenant, wave_id, i, org_id):
    with make.session(tenant.id) as db:
        wave = db.get(Wave, wave_id)
        service.submit(db, wave, None, _values(wave, i), {"legacy_org_id": org_id}, date.today())


def _close_and_release(make, tenant, wave_id):
    with make.session(tenant.id) as db:
        service.close_wave(db, db.get(Wave, wave_id))
    with make.session(tenant.id) as db:
        release_wave(db, db.get(Tenant, tenant.id), db.get(Wave, wave_id))


def _report(make, tenant, wave_id, org_code=None):
    with make.session(tenant.id) as db:
        wave = db.get(Wave, wave_id)
        return reports.wave_report(db, db.get(Tenant, tenant.id), wave,
                                   reports.parse_filters(db, wave, org_code, None))


@pytest.mark.smoke
def test_open_link_answers_never_make_a_group_big_enough(make, world):
    """Padding: someone sends answers through the open link naming a small organisation, to make it
    look big enough and subtract their own. Those answers keep no group and weigh nothing."""
    wave_id, tokens = _launch(make, world)
    aal, bee = world.legacy_org_ids[0], world.legacy_org_ids[1]
    for i in range(6):
        _answer(make, world, wave_id, tokens[i + 1], i, aal)
    _answer(make, world, wave_id, tokens[10], 6, bee)  # the one real answer of BEE
    for i in range(10):
        _open_link_answer(make, world, wave_id, 20 + i, bee)
    _close_and_release(make, world, wave_id)
    with make.session(world.id) as db:
        stored = db.scalars(select(Response).where(Response.verified.is_(False))).all()
        assert len(stored) == 10 and {r.legacy_org_id for r in stored} == {None}
    whole = _report(make, world, wave_id)
    assert whole["focus"]["n"] == 17  # the open-link answers count in the whole wave's figures
    assert _report(make, world, wave_id, "BEE")["focus"]["hidden"] == "fewer_than_k"
    # the whole wave minus AAL would be BEE's one answer plus the attacker's own ten: AAL is not shown either
    # (already in the database, BEE's lone answer shares its group with AAL's: saas.anonymity.microdata)
    assert _report(make, world, wave_id, "AAL")["focus"]["hidden"] in ("complementary", "fewer_than_k")


@pytest.mark.smoke
def test_open_link_answers_alone_show_nothing(make, world):
    wave_id, tokens = _launch(make, world)
    for i in range(3):
        _answer(make, world, wave_id, tokens[i + 1], i, world.legacy_org_ids[0])
    for i in range(12):
        _open_link_answer(make, world, wave_id, 20 + i, None)
    _close_and_release(make, world, wave_id)
    assert _report(make, world, wave_id)["focus"]["hidden"] == "fewer_than_k"  # 3 verified: fewer than k


@pytest.mark.smoke
def test_k_is_frozen_when_the_wave_is_launched(make, world):
    wave_id, tokens = _launch(make, world)
    with make.session(world.id) as db:
        db.get(Tenant, world.id).min_group_size = 8  # raised after the launch: for later waves only
    for i in range(7):
        _answer(make, world, wave_id, tokens[i + 1], i, world.legacy_org_ids[0])
    _close_and_release(make, world, wave_id)
    first = _report(make, world, wave_id)
    assert first["k"] == 5 and first["focus"]["n"] == 7
    with make.session(world.id) as db:
        db.get(Tenant, world.id).min_group_size = 6
    assert _report(make, world, wave_id) == first  # another k, another reading: the same release
    later, _tokens = _launch(make, world)
    with make.session(world.id) as db:
        assert db.get(Wave, later).k == 6


@pytest.mark.smoke
def test_an_open_wave_has_no_figures_and_no_comparison(make, world):
    wave_id, tokens = _launch(make, world)
    for i in range(9):
        _answer(make, world, wave_id, tokens[i + 1], i, world.legacy_org_ids[0])
    with make.session(world.id) as db:
        service.mix_pool(db, db.get(Tenant, world.id), db.get(Wave, wave_id))
    report = _report(make, world, wave_id)
    assert report["figures_ready"] is False and "focus" not in report
    with make.session(world.id) as db:
        with pytest.raises(comparison.NotReleased):
            comparison.request_comparison(db, db.get(Tenant, world.id), db.get(Wave, wave_id))


def test_a_small_class_keeps_less_of_its_group():
    classes = {("A", "t1", "lt_2"): 6, ("A", "t1", "gt_10"): 2, ("A", "t2", "lt_2"): 3, ("B", None, None): 1,
               (None, None, None): 3}
    keep = microdata.generalise(classes, 5)
    assert keep[("A", "t1", "lt_2")] == ("A", "t1", "lt_2")
    assert keep[("A", "t1", "gt_10")] != ("A", "t1", "gt_10")  # two people: they keep less of their group
    kept = {}
    for original, n in classes.items():
        kept[keep[original]] = kept.get(keep[original], 0) + n
    assert all(n >= 5 for n in kept.values()), kept


@pytest.mark.smoke
def test_an_interim_release_fixed_before_the_launch_and_the_close_cannot_be_subtracted(make, world, database):
    from datetime import timedelta

    from saas.deadlines import close_due

    today = date.today()
    wave_id, tokens = _launch(make, world, closes_on=today + timedelta(days=20), checkpoints=[today])
    aal = world.legacy_org_ids[0]
    for i in range(7):
        _answer(make, world, wave_id, tokens[i + 1], i, aal)
    assert _report(make, world, wave_id)["figures_ready"] is False  # before the interim release: nothing
    assert close_due(database.Session, today + timedelta(days=1)).interim_releases == 1
    assert not close_due(database.Session, today + timedelta(days=1))  # once
    interim = _report(make, world, wave_id)
    assert interim["figures_ready"] and interim["release"]["final"] is False and interim["focus"]["n"] == 7
    # two more answers: the final release minus the interim one would be those two people
    for i in range(7, 9):
        _answer(make, world, wave_id, tokens[i + 1], i, aal)
    _close_and_release(make, world, wave_id)
    final = _report(make, world, wave_id)
    assert final["release"]["final"] is True
    assert final["focus"] == interim["focus"]  # too few new answers to show anything new
    # the response rates keep the earlier release's pattern, but their counts are the close's (stored with it)
    assert final["participation"]["total"]["answered"] == 9 != interim["participation"]["total"]["answered"]


@pytest.mark.smoke
def test_after_an_interim_release_enough_new_answers_show_in_the_final_one(make, world, database):
    from datetime import timedelta

    from saas.deadlines import close_due

    today = date.today()
    wave_id, tokens = _launch(make, world, closes_on=today + timedelta(days=20), checkpoints=[today])
    aal = world.legacy_org_ids[0]
    for i in range(6):
        _answer(make, world, wave_id, tokens[i + 1], i, aal)
    close_due(database.Session, today + timedelta(days=1))
    assert _report(make, world, wave_id, "AAL")["focus"]["n"] == 6
    for i in range(6, 12):
        _answer(make, world, wave_id, tokens[i + 1], i, aal if i < 9 else world.legacy_org_ids[1])
    _close_and_release(make, world, wave_id)
    final = _report(make, world, wave_id)
    assert final["focus"]["n"] == 12
    # AAL gained 3 since the interim release: its difference would be 3 people, so it is hidden now
    assert _report(make, world, wave_id, "AAL")["focus"]["hidden"] in ("complementary", "fewer_than_k")
