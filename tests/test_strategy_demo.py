"""The demo's strategy (issue 9, point 8 for pillars, expectations, plans and the knowledge day): three
pillars that the themes serve, a session with a published summary and an open online round (whose
anonymous contributions wait for its close), action plans for 2027, and a knowledge day whose workshops
are filling up."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from saas.demo import DEMO_PASSWORD
from saas.programme.models import Theme
from saas.strategy.models import ActionPlan, ExpectationRound, KnowledgeDay, Pillar, PlanAction, Signup, Workshop
from tenants.models import Tenant
from tests.browser.words import Words
from tests.helpers import signed_in


@pytest.fixture
def demo(seed_demo, make):
    seed_demo()
    with make.session() as db:
        return db.scalar(select(Tenant.id).where(Tenant.slug == "regio-noord"))


def test_the_demo_programme_rests_on_three_pillars_with_expectations_plans_and_a_knowledge_day(app, make, demo):
    with make.session(demo) as db:
        pillars = db.scalars(select(Pillar).order_by(Pillar.position)).all()
        assert [p.title for p in pillars] == ["Klant eerst", "Eén organisatie", "Ondernemend"]
        assert db.scalar(select(func.count()).select_from(Theme).where(Theme.pillar_id.is_(None))) == 0
        rounds = {r.status: r for r in db.scalars(select(ExpectationRound))}
        assert set(rounds) == {"published", "open"} and rounds["published"].summary
        assert db.scalar(select(func.count()).select_from(PlanAction)) >= 4
        [day] = db.scalars(select(KnowledgeDay)).all()
        places = {w.title: (w.capacity, db.scalar(select(func.count()).select_from(Signup).where(
            Signup.workshop_id == w.id, Signup.status == "confirmed"))) for w in db.scalars(select(Workshop))}
    assert places["In gesprek met de klant"] == (12, 11)  # nearly full
    assert places["Feedback geven en ontvangen"] == (8, 8)  # full, with a waiting list

    member = signed_in(app, "member@demo.example.org", DEMO_PASSWORD)
    published = member.text(f"/t/regio-noord/strategy/rounds/{rounds['published'].id}")
    assert "Ruimte om te proberen" in published and "Ondernemend betekent voor ons" in published
    dutch = Words(app, "nl")  # the demo tenant's language
    assert dutch("Add my contribution") in member.text(f"/t/regio-noord/strategy/rounds/{rounds['open'].id}")
    # the open round: the facilitator sees the named contributions and is told the anonymous ones come at the close
    board = signed_in(app, "consultant@demo.example.org", DEMO_PASSWORD).text(f"/t/regio-noord/strategy/rounds/{rounds['open'].id}/facilitate")
    assert "De klant hoeft zijn verhaal maar één keer te vertellen." in board
    assert "Minder formulieren" not in board
    assert dutch("Anonymous contributions appear here when the round closes, all at once, so that nobody can tell "
                 "who wrote what while the round is open.") in board
    assert "Kennisdag Samen Koers" in member.text(f"/t/regio-noord/strategy/knowledge-days/{day.id}")
    annual = signed_in(app, "management@demo.example.org", DEMO_PASSWORD).text(
        f"/t/regio-noord/strategy/programmes/{day.programme_id}/annual-plan")
    assert "Regio Noord" in annual and "Werk en Inkomen" in annual
    # from result to action (issue 21 point 6): the plan "Werk en Inkomen" and the first promise cite baseline
    # figures, with their value as released (the midway wave, open or closed, does the rest)
    with make.session(demo) as db:
        plan_id = db.scalar(select(ActionPlan.id).where(ActionPlan.unit_name == "Werk en Inkomen"))
    manager = signed_in(app, "management@demo.example.org", DEMO_PASSWORD)
    page = manager.text(f"/t/regio-noord/strategy/plans/{plan_id}")
    assert dutch("Figures it cites") in page and f"{dutch('Contract index')} · Gemeente Aaldersum (AAL)" in page
    # the midway wave closed after the baseline: the plan's page reads the same figure there, with a verdict
    verdicts = [dutch(v) for v in ("Moved up, beyond the noise", "Moved down, beyond the noise",
                                   "Within the noise: no clear change")]
    assert "Tussenmeting cultuur" in page and any(verdict in page for verdict in verdicts)
    promises = manager.text(f"/t/regio-noord/leadership/programmes/{day.programme_id}/promises")
    assert "Gemeente Aaldersum (AAL) – Gemeente Beekhoven (BEE)" in promises and "Nulmeting cultuur" in promises
