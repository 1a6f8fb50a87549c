"""Answer codes on paper (issue 20, points 1 and 2): a batch of single-use codes for a group of a wave, answered
through the same path as a personal link, counted in the group's response rates, kept only as keyed hashes, and
never linkable to an answer."""
from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from saas.kernel.audit import AuditEntry
from saas.kernel.tokens import hash_token
from saas.surveys import codes, intake, invitations, service
from saas.surveys.models import AnswerCodeBatch, PooledAnswer, Response, SurveyInvitation, Wave
from tenants.models import Membership, Tenant
from tests.helpers import signed_in, works_council

SECRET = "test-secret-key"


def _values(wave, i=0):
    keys = wave.value_keys
    return {"values": {"personal": [keys[i % len(keys)]], "team_current": [], "org_current": [keys[(i + 1) % len(keys)]],
                       "org_desired": []}}


@pytest.fixture
def wave_with_codes(app, make):
    """An open wave of tenant "oost": six people of AAL invited personally, and a batch of six codes for BEE."""
    tenant = make.tenant("oost")
    for i in range(6):
        make.member(tenant, f"p{i}@oost.example", legacy_org_id=tenant.legacy_org_ids[0])
    with make.session(tenant.id) as db:
        wave = service.create_wave(db, name="Meting", instruments=("values",), groupings=("legacy_org",))
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="Akkoord.")
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        people = [m for m in db.scalars(select(Membership)) if m.user.email.startswith("p")]
        service.invite(db, wave, people)
        batch, plain = codes.order_batch(db, app.config["KOERS"].secret_key, wave, count=6,
                                         legacy_org_id=tenant.legacy_org_ids[1])
        tenant.wave_id, tenant.batch_id, tenant.codes = wave.id, batch.id, plain
    return tenant


def test_codes_are_ten_unmistakable_characters_and_only_keyed_hashes_are_stored(app, make, wave_with_codes):
    tenant = wave_with_codes
    west = make.tenant("west")
    plain = tenant.codes
    assert len(set(plain)) == 6 and all(len(c) == 10 and set(c) <= set(codes.ALPHABET) for c in plain)
    assert not set("0O1IL5S8B") & set(codes.ALPHABET)
    with make.session(tenant.id) as db:
        rows = db.scalars(select(SurveyInvitation).where(SurveyInvitation.batch_id == tenant.batch_id)).all()
        assert len(rows) == 6 and all(r.membership_id is None for r in rows)
        assert {r.legacy_org_id for r in rows} == {tenant.legacy_org_ids[1]}
        stored = {r.token_hash for r in rows}
        # neither the code nor its plain hash is kept: whoever reads the database cannot try every code
        assert not stored & (set(plain) | {hash_token(c) for c in plain})
        assert stored == {hash_token(codes.token_for(app.config["KOERS"].secret_key, c)) for c in plain}
        batch = db.get(AnswerCodeBatch, tenant.batch_id)
        assert (batch.count, batch.channel) == (6, "paper")
        [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "wave.answer_codes_ordered")).all()
        assert (entry.object_type, entry.object_id, entry.detail["count"]) == ("survey_waves", str(tenant.wave_id), 6)
        # typed from paper: lower case, spaces and dashes are the same code; a look-alike is no code
        typed = f" {plain[0][:5].lower()} - {plain[0][5:]} "
        assert codes.invitation_for_code(db, app.config["KOERS"].secret_key, typed)[0].id in {r.id for r in rows}
        assert codes.normalise("ABCDE-0OIL1") is None
        # a code is no one's: reminders go to personal invitations only, and a wave answered with codes alone (no
        # personal invitations) has no "newcomers" to invite
        wave = db.get(Wave, tenant.wave_id)
        assert len(invitations.unanswered(db, wave)) == 6 and all(i.membership_id for i in invitations.unanswered(db, wave))
        codes_only = service.create_wave(db, name="Alleen codes")
        codes.order_batch(db, SECRET, codes_only, count=2, label="Werkbedrijf Noord")
        assert invitations.newcomers(db, codes_only) == []
        # refusals: a closed wave, a count out of range, no group
        for kwargs, error in [({"count": 0, "label": "x"}, codes.BadCount), ({"count": codes.MAX_COUNT + 1, "label": "x"}, codes.BadCount),
                              ({"count": 3}, codes.NoGroup),  # and another tenant's organisation is none of ours
                              ({"count": 3, "legacy_org_id": west.legacy_org_ids[0]}, codes.UnknownGroup)]:
            with pytest.raises(error):
                codes.order_batch(db, SECRET, wave, **kwargs)
        wave.status = "closed"
        with pytest.raises(codes.WaveClosed):
            codes.order_batch(db, SECRET, wave, count=3, label="Werkbedrijf Noord")
        db.rollback()


def test_a_code_answers_once_counts_in_its_group_and_leaves_nothing_that_links_it(app, make, wave_with_codes):
    tenant = wave_with_codes
    secret = app.config["KOERS"].secret_key
    client = app.test_client()
    # the slip's QR address starts the survey as a personal link does
    response = client.get(f"/t/oost/c/{tenant.codes[0].lower()}")
    assert response.status_code == 302 and "/survey/personal/" in response.headers["Location"]
    assert client.get("/t/oost/c?code=ZZZZZ-ZZZZZ").status_code == 404
    with make.session(tenant.id) as db:
        for i, code in enumerate(tenant.codes[:5]):
            intake.submit_by_token(db, db.get(Tenant, tenant.id), codes.token_for(secret, code),
                                   _values(db.get(Wave, tenant.wave_id), i), {"legacy_org_id": tenant.legacy_org_ids[1]},
                                   date.today())
    with make.session(tenant.id) as db:
        with pytest.raises(service.AlreadyAnswered):
            intake.submit_by_token(db, db.get(Tenant, tenant.id), codes.token_for(secret, tenant.codes[0]),
                                   _values(db.get(Wave, tenant.wave_id)), {}, date.today())
        db.rollback()
    # used once: the code page refuses it, in words
    again = client.get(f"/t/oost/c/{tenant.codes[0]}")
    assert again.status_code == 409 and "already been used" in again.get_data(as_text=True)
    # a half-finished survey on another code
    with make.session(tenant.id) as db:
        service.save_draft(codes.invitation_for_code(db, secret, tenant.codes[5])[0], {"values": {}})

    with make.session(tenant.id) as db:
        wave = db.get(Wave, tenant.wave_id)
        rates = invitations.response_rates(db, db.get(Tenant, tenant.id), wave)
        assert (rates.total.invited, rates.total.answered) == (12, 5)
        bee = next(r for r in rates.by_legacy_org if r.invited == 6 and r.answered == 5)
        assert bee.shown
        assert [(r.invited, r.answered, r.shown) for r in rates.by_batch] == [(6, 5, True)]
        # the answers waiting to be mixed carry nothing of the code, its token or its batch
        payloads = [p.payload for p in db.scalars(select(PooledAnswer))]
        text = repr(payloads)
        assert not any(c in text or codes.token_for(secret, c) in text for c in tenant.codes)
        assert all(set(p) <= {"answers", "day", "legacy_org_id", "team_id", "tenure_band", "verified"} for p in payloads)
    # the admin's pages: the batch per group, its response rate under the k rule, the poster
    admin = signed_in(app, tenant.admin_email)
    assert "Per batch of answer codes" in admin.text(f"/t/oost/waves/{tenant.wave_id}/rates")
    codes_page = admin.text(f"/t/oost/waves/{tenant.wave_id}/codes")
    assert "Gemeente Bee (oost)" in codes_page
    # the 10-minute promise (issue 20.5): a wave of values only keeps it, and its pages say how long it takes
    assert "takes about 6 minutes for someone who reads slowly" in codes_page and "more than 10 minutes" not in codes_page
    kiosks = admin.text("/t/oost/admin/kiosks")
    assert "Meting:</strong> Answering this survey takes about 6 minutes" in kiosks and "more than 10" not in kiosks
    with make.session(tenant.id) as db:
        long_id = service.create_wave(db, name="Alles").id  # every instrument: 16 minutes
    for page in (f"/t/oost/waves/{long_id}/codes", f"/t/oost/waves/{long_id}/sms"):
        shown = admin.text(page)
        assert "takes about 16 minutes" in shown and "That is more than 10 minutes." in shown \
            and "Give them a shorter wave" in shown, page
    poster = admin.get(f"/t/oost/waves/{tenant.wave_id}/codes/poster.pdf")
    assert poster.mimetype == "application/pdf" and poster.data.startswith(b"%PDF")
    with make.session(tenant.id) as db:
        service.close_wave(db, db.get(Wave, tenant.wave_id))
    with make.session(tenant.id) as db:
        # the close treats codes as invitations: drafts gone; results hold no batch, invitation or token
        assert db.scalars(select(SurveyInvitation.draft).where(SurveyInvitation.batch_id.is_not(None))).all() == [None] * 6
        assert not {"batch_id", "invitation_id", "token_hash"} & set(Response.__table__.columns.keys())
        assert db.scalar(select(Response.verified).limit(1)) is True


def test_answer_codes_from_the_command_line(stack, make, tmp_path):
    from tests.test_cli import koers

    tenant = make.tenant("oost")
    with make.session(tenant.id) as db:
        wave_id = service.create_wave(db, name="Meting").id
    sheet = tmp_path / "codes.pdf"
    out = koers(stack, "answer-codes", "--tenant", "oost", "--wave", str(wave_id), "--count", "12",
                "--legacy-org", "BEE", "--pdf", str(sheet))
    assert "ordered 12 answer codes" in out
    text = " ".join(subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True).stdout.split())
    printed = re.findall(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b", text)
    assert len(set(printed)) == 12 and "Nobody knows who got this code" in text
    with make.session(tenant.id) as db:
        assert len(db.scalars(select(SurveyInvitation).where(SurveyInvitation.wave_id == wave_id)).all()) == 12
        assert all(codes.invitation_for_code(db, SECRET, c) for c in printed)
    assert "no legacy organisation 'XYZ'" in koers(stack, "answer-codes", "--tenant", "oost", "--wave", str(wave_id),
                                                   "--count", "3", "--legacy-org", "XYZ", "--pdf", str(sheet), expect=1)
    # the same for a pulse check (saas.leadership.pulse_codes): `--pulse` instead of `--wave`
    from saas.leadership import promises, pulse_codes, pulses
    from saas.leadership.models import PulseInvitation
    from saas.programme import service as programmes

    with make.session(tenant.id) as db:
        programme = programmes.create_programme(db, name="Samen", goal="", starts_on=date(2026, 1, 1),
                                                ends_on=date(2027, 12, 31))
        promises.add_promise(db, programme, db.scalar(select(Membership)), "We listen.")
        pulse_id = pulses.plan_round(db, db.get(Tenant, tenant.id), programme, name="Pulse", opens_on=date.today(),
                                     closes_on=date.today()).id
    out = koers(stack, "answer-codes", "--tenant", "oost", "--pulse", str(pulse_id), "--count", "2", "--label",
                "Drivers", "--pdf", str(sheet))
    assert "ordered 2 answer codes" in out and f"for pulse check {pulse_id}" in out
    text = subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True).stdout
    printed = re.findall(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b", text)
    with make.session(tenant.id) as db:
        assert len(db.scalars(select(PulseInvitation).where(PulseInvitation.round_id == pulse_id)).all()) == 2
        assert all(pulse_codes.invitation_for_code(db, SECRET, c) for c in printed) and len(printed) == 2
    koers(stack, "answer-codes", "--tenant", "oost", "--wave", str(wave_id), "--pulse", str(pulse_id), "--count", "1",
          "--label", "x", "--pdf", str(sheet), expect=2)
