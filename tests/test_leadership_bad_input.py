"""Bad input on the leadership forms (house rule 3), sent by someone who may use all of them: the
manager whose 360 round the world holds, also an admin and a consultant. No 500, nothing written.
(The app-wide test posts as the admin, who does not reach the management team's forms.)"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.test_bad_input import _snapshot
from tests.world import populate

GARBAGE = {
    "text": "x" * 100_000, "name": "", "opens_on": "2026-02-30", "closes_on": "yesterday", "consent_on": "0000-00-00",
    "consent_text": "y" * 6000, "manager_id": "abc", "peer_ids": ["-1", "x"], "report_ids": ["99999999999"],
    "coach_id": "1e9", "rating": "great", "title": "", "held_on": "", "notes": "z" * 20_000, "pulse_round_id": "abc",
    "feedback_round_id": "99999999999", "action": "explode", "keep": "k" * 5000, "change": "",
}


@pytest.fixture
def manager(app, make):
    from tenants.models import Membership
    from saas.administration.service import change_membership

    tenant = make.tenant("oost")
    objects = populate(app, make, tenant)
    with make.session(tenant.id) as db:
        boss = db.scalar(select(Membership).where(Membership.user.has(email="boss@oost.example")))
        change_membership(db, boss, roles=["management", "admin", "consultant"], legacy_org_id=None)
    client = app.test_client()
    client.login("boss@oost.example")
    return client, objects


def test_leadership_forms_refuse_empty_and_malformed_input_and_change_nothing(app, manager, owner_engine):
    client, objects = manager
    urls = app.url_map.bind("localhost")
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("leadership.") and "POST" in rule.methods:
            kinds = ("document", "interview", "pulse", "feedback") if "evidence_kind" in rule.arguments else (None,)
            for kind in kinds:
                values = {a: objects[a] for a in rule.arguments if a != "evidence_kind"}
                if kind:
                    values["evidence_kind"] = kind
                routes.append((rule.endpoint, urls.build(rule.endpoint, values)))
    assert len(routes) >= 14
    token = client.csrf_token("/account")
    before = _snapshot(owner_engine)
    for endpoint, url in routes:
        asked = [f"score-{n}" for n in range(1, 4)]
        for data in ({}, {**GARBAGE, **{name: "7" for name in asked}}, {"action": "", **{name: "" for name in asked}}):
            response = client.post(url, data={**data, "csrf_token": token})
            assert response.status_code < 500, (endpoint, url, data.keys(), response.status_code)
            assert _snapshot(owner_engine) == before, f"{endpoint} ({url}) wrote something for bad input"
