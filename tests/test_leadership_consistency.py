"""The consistency check (issue 9, point 7): for each promise, evidence from documents (checked by
their content), interview notes, pulse results and a manager's own 360 results, each rated
consistent or not; the management team sees per promise where words and deeds part."""
from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from saas.leadership import rules
from saas.leadership.models import Evidence
from tests.world import PDF_BYTES
from tests.helpers import signed_in, works_council

PROMISES = ["We join a team for a morning every month.", "We explain every decision.", "We answer within a week.",
            "We address each other on agreements."]


@pytest.fixture
def world(app, make):
    from saas.leadership import feedback, pulses, promises as promise_service
    from saas.programme import service as programmes
    from tenants.models import Membership, Tenant

    tenant = make.tenant("noord")
    mia = make.member(tenant, "mia@noord.example", roles=["management"], name="Mia Manager")
    max_ = make.member(tenant, "max@noord.example", roles=["management"], name="Max Manager")
    make.member(tenant, "carla@noord.example", roles=["consultant"], name="Carla Consultant")
    staff = [make.member(tenant, f"staff{n}@noord.example", name=f"Staff {n}") for n in range(6)]
    with make.session(tenant.id) as db:
        tenant_row = db.get(Tenant, tenant.id)
        programme = programmes.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                                ends_on=date(2027, 12, 31))
        promises = [promise_service.add_promise(db, programme, db.get(Membership, mia), text) for text in PROMISES]
        # a closed pulse check: six staff answer, promise 2 is hardly noticed, promise 3 well
        today = date.today()
        pulse = pulses.plan_round(db, tenant_row, programme, name="Pulse check March", opens_on=today,
                                  closes_on=today + timedelta(days=7))
        pulses.record_consent(db, pulse, by=works_council(db), decided_on=date(2026, 3, 2), decision="Ja")
        pulses.open_round(db, tenant_row, pulse, today, send_mail=False)
        for membership, _token in pulses.invite(db, pulse, pulses.audience(db)):
            if membership.id in staff:
                pulses.submit(db, tenant_row, pulse, pulses.invitation_of(db, pulse.id, membership),
                              {str(promises[1].id): 2, str(promises[2].id): 4}, {}, today)
        pulses.close_round(db, pulse)
        # Mia's closed 360 round with three peers
        round_ = feedback.start_round(db, tenant_row, programme, db.get(Membership, mia), coach_id=None,
                                      manager_id=None, peer_ids=staff[:3], report_ids=[], closes_on=today,
                                      today=today, send_mail=False)
        for person in staff[:3] + [mia]:
            feedback.submit(db, round_, feedback.invitation_of(db, round_.id, db.get(Membership, person)),
                            {str(promises[0].id): 4}, {}, today)
        feedback.close_round(db, round_)
        ids = SimpleNamespace(programme=programme.id, promises=[p.id for p in promises], pulse=pulse.id,
                              feedback=round_.id)
    return SimpleNamespace(tenant=tenant, ids=ids,
                           overview=f"/t/noord/leadership/programmes/{ids.programme}/consistency")


def _evidence_url(world, n, kind=None):
    url = f"/t/noord/leadership/promises/{world.ids.promises[n]}/evidence"
    return f"{url}/{kind}" if kind else url


def test_documents_are_checked_by_their_content(app, make, world):
    carla = signed_in(app, "carla@noord.example")
    url = _evidence_url(world, 2, "document")
    response = carla.submit(url, {"title": "MT decisions October", "rating": "inconsistent",
                                  "notes": "Four of five decisions came without a team's proposal.",
                                  "file": (io.BytesIO(b"just text, named like a PDF"), "decisions.pdf")})
    assert response.status_code == 200 and "Attach a PDF, a Word document" in response.get_data(as_text=True)
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    for name, data in (("decisions.pdf", PDF_BYTES), ("minutes.docx", docx.getvalue())):
        response = carla.submit(url, {"title": f"Evidence {name}", "rating": "inconsistent",
                                      "file": (io.BytesIO(data), name)})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = carla.text(_evidence_url(world, 2))
    assert "Evidence decisions.pdf" in page and "Not consistent: words and deeds part" in page
    with make.session(world.tenant.id) as db:
        first = db.scalar(select(Evidence).order_by(Evidence.id))
        assert first.content_type == "application/pdf"
    download = carla.get(f"/t/noord/leadership/evidence/{first.id}/file")
    assert download.data == PDF_BYTES and "attachment" in download.headers["Content-Disposition"]


def test_evidence_of_every_kind_is_rated_and_the_overview_shows_where_words_and_deeds_part(app, make, world):
    mia, carla = signed_in(app, "mia@noord.example"), signed_in(app, "carla@noord.example")
    # promise 1: interview notes (consistent) and Mia shares her own 360 figure (consistent)
    assert carla.submit(_evidence_url(world, 0, "interview"), {
        "title": "Three team leaders", "held_on": "2026-10-21", "rating": "consistent",
        "notes": "All three saw their manager in the team in October."}).status_code == 302
    assert mia.submit(_evidence_url(world, 0, "feedback"), {
        "feedback_round_id": str(world.ids.feedback), "rating": "consistent"}).status_code == 302
    page = mia.text(_evidence_url(world, 0))
    assert "Shared by Mia Manager" in page and "All others: 4.0 (n = 3)" in page and "Own score: 4." in page
    # promise 2: the pulse results (2.0) speak against it; Carla links them and rates them
    assert carla.submit(_evidence_url(world, 1, "pulse"), {
        "pulse_round_id": str(world.ids.pulse), "rating": "inconsistent"}).status_code == 302
    assert "Average 2.0" in carla.text(_evidence_url(world, 1))
    # promise 3: noticed (4.0) and confirmed in an interview, but a document speaks against it: mixed
    assert carla.submit(_evidence_url(world, 2, "document"), {
        "title": "Ticket statistics", "rating": "inconsistent",
        "file": (io.BytesIO(PDF_BYTES), "tickets.pdf")}).status_code == 302
    assert carla.submit(_evidence_url(world, 2, "interview"), {
        "title": "Front desk staff", "held_on": "2026-10-22", "rating": "consistent",
        "notes": "Answers come within days now."}).status_code == 302

    overview = mia.text(world.overview)
    verdicts = {text: _row(overview, text) for text in PROMISES}
    assert "verdict-match" in verdicts[PROMISES[0]] and ">2<" in verdicts[PROMISES[0]]
    assert "verdict-part" in verdicts[PROMISES[1]] and "2.0" in verdicts[PROMISES[1]]
    assert "verdict-mixed" in verdicts[PROMISES[2]] and "4.0" in verdicts[PROMISES[2]]
    assert "verdict-unknown" in verdicts[PROMISES[3]]

    # a rating can change; evidence can be removed
    with make.session(world.tenant.id) as db:
        document = db.scalar(select(Evidence).where(Evidence.kind == "document"))
    url = _evidence_url(world, 2)
    assert carla.submit(f"/t/noord/leadership/evidence/{document.id}/rating", {"rating": "consistent"},
                        page=url).status_code == 302
    assert "verdict-match" in _row(mia.text(world.overview), PROMISES[2])
    carla.submit(f"/t/noord/leadership/evidence/{document.id}/remove", {"action": "remove", "confirmed": "yes"}, page=url)
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(Evidence).where(Evidence.kind == "document")) == 0


def test_only_the_manager_shares_figures_of_their_own_360(app, make, world):
    max_ = signed_in(app, "max@noord.example")
    form = max_.text(_evidence_url(world, 0, "feedback"))
    assert "You have no closed 360-degree feedback round" in form
    response = max_.submit(_evidence_url(world, 0, "feedback"), {"feedback_round_id": str(world.ids.feedback),
                                                                "rating": "consistent"})
    assert response.status_code == 200
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(Evidence)) == 0


def test_the_consistency_check_is_for_the_management_team_and_its_consultants(app, make, world):
    assert signed_in(app, "staff0@noord.example").get(world.overview).status_code == 403
    assert signed_in(app, "admin@noord.example.org").get(world.overview).status_code == 403
    assert signed_in(app, "max@noord.example").get(world.overview).status_code == 200


@pytest.mark.smoke
def test_the_verdict_weighs_evidence_and_the_pulse():
    assert rules.verdict(0, 0, None) == rules.UNKNOWN
    assert rules.verdict(0, 0, 3.2) == rules.UNKNOWN  # "sometimes": no sign either way
    assert rules.verdict(2, 0, None) == rules.MATCH
    assert rules.verdict(1, 1, None) == rules.PART
    assert rules.verdict(2, 1, None) == rules.MIXED
    assert rules.verdict(0, 0, 2.4) == rules.PART
    assert rules.verdict(1, 0, 2.4) == rules.PART
    assert rules.verdict(1, 0, 3.9) == rules.MATCH
    assert rules.verdict(1, 1, 3.9) == rules.MIXED


def _row(page: str, label: str) -> str:
    start = page.index(label)
    return page[start:page.index("</tr>", start)]
