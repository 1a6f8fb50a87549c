"""Answer codes for a pulse check (issue 20, point 1): ordered on the pulse's page as a PDF of slips, single use,
only keyed hashes kept, an answer counted in the round's release under its own rules, a batch's response rate
only where the anonymity package allows, and every code scrubbed when the round closes."""
from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from saas.kernel.audit import AuditEntry
from saas.kernel.tokens import SCRUBBED, hash_token
from saas.leadership import pulse_codes, pulses
from saas.leadership.models import PulseCodeBatch, PulseInvitation, PulseRound
from saas.surveys import codes
from tenants.models import Membership, Tenant
from tests.helpers import signed_in, works_council


@pytest.fixture
def pulse(app, make):
    """An open pulse check of tenant "oost" with five staff invited personally (k is 5)."""
    from saas.leadership import promises
    from saas.programme import service as programmes

    tenant = make.tenant("oost")
    boss = make.member(tenant, "boss@oost.example", roles=["management"])
    staff = [make.member(tenant, f"s{i}@oost.example") for i in range(5)]
    with make.session(tenant.id) as db:
        row = db.get(Tenant, tenant.id)
        programme = programmes.create_programme(db, name="Samen", goal="", starts_on=date(2026, 1, 1),
                                                ends_on=date(2027, 12, 31))
        promise = promises.add_promise(db, programme, db.get(Membership, boss), "We listen.")
        round_ = pulses.plan_round(db, row, programme, name="Pulse March", opens_on=date.today(),
                                   closes_on=date.today() + timedelta(days=14))
        pulses.record_consent(db, round_, by=works_council(db), decided_on=date(2026, 3, 2), decision="Akkoord.")
        pulses.open_round(db, row, round_, date.today(), send_mail=False)
        pulses.invite(db, round_, [db.get(Membership, m) for m in staff])
        tenant.round_id, tenant.promise_id = round_.id, promise.id
    return tenant


def test_pulse_codes_are_ordered_as_slips_answer_once_count_in_the_round_and_are_scrubbed_at_close(app, make, pulse,
                                                                                                  tmp_path):
    tenant, secret = pulse, app.config["KOERS"].secret_key
    admin = signed_in(app, tenant.admin_email)
    page = f"/t/oost/leadership/pulse-checks/{tenant.round_id}/codes"
    assert "Order answer codes" in admin.text(page)
    sheet = admin.submit(page, {"legacy_org_id": "", "team_id": "", "label": "Drivers", "count": "6"})
    assert sheet.mimetype == "application/pdf" and sheet.headers["Cache-Control"] == "no-store"
    (tmp_path / "slips.pdf").write_bytes(sheet.data)
    text = " ".join(subprocess.run(["pdftotext", str(tmp_path / "slips.pdf"), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    plain = [c.replace("-", "") for c in re.findall(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b", text)]
    assert len(set(plain)) == 6 and "Pulse March" in text and "/t/oost/leadership/code" in text.replace(" ", "")
    # a small second batch (from the service, as the command line orders it)
    with make.session(tenant.id) as db:
        small, _two = pulse_codes.order_batch(db, secret, db.get(PulseRound, tenant.round_id), count=2,
                                              legacy_org_id=tenant.legacy_org_ids[1])
        small_id = small.id
    with make.session(tenant.id) as db:
        pulse_row = db.get(PulseRound, tenant.round_id)
        rows = db.scalars(select(PulseInvitation).where(PulseInvitation.batch_id.is_not(None))).all()
        assert len(rows) == 8 and all(r.membership_id is None for r in rows)
        # only the hash of each code's keyed token: whoever reads the database cannot try every code
        stored = {r.token_hash for r in rows}
        assert not stored & (set(plain) | {hash_token(c) for c in plain})
        assert set(codes.stored_hashes(secret, plain)) <= stored
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "pulse.answer_codes_ordered")
                             .order_by(AuditEntry.seq)).all()
        assert [(e.object_type, e.object_id, e.detail["count"]) for e in entries] == \
            [("pulse_rounds", str(tenant.round_id), 6), ("pulse_rounds", str(tenant.round_id), 2)]
        # a code is nobody's: the reminder is for the five personal invitations only
        assert len(pulses.unanswered(db, pulse_row)) == 5

    # the slip's QR address starts the answer page as a mailed link does; the answer is one of the round's
    client = app.test_client()
    start = client.get(f"/t/oost/leadership/code/{plain[0][:5].lower()}-{plain[0][5:]}")
    assert start.status_code == 302 and start.headers["Location"].endswith(f"/pulse-checks/{tenant.round_id}/answer")
    answered = client.submit(f"/t/oost/leadership/pulse-checks/{tenant.round_id}/answer",
                             {f"score-{tenant.promise_id}": "4"})
    assert answered.status_code == 302
    with make.session(tenant.id) as db:
        row, pulse_row = db.get(Tenant, tenant.id), db.get(PulseRound, tenant.round_id)
        for code in plain[1:5]:
            invitation, _token = pulse_codes.invitation_for_code(db, secret, code)
            pulses.submit(db, row, pulse_row, invitation, {str(tenant.promise_id): 2}, {}, date.today())
    # used once: refused by the service and, in words, by the code page
    with make.session(tenant.id) as db:
        invitation, _token = pulse_codes.invitation_for_code(db, secret, plain[0])
        with pytest.raises(pulses.AlreadyAnswered):
            pulses.submit(db, db.get(Tenant, tenant.id), db.get(PulseRound, tenant.round_id), invitation,
                          {str(tenant.promise_id): 1}, {}, date.today())
        db.rollback()
    again = client.get(f"/t/oost/leadership/code/{plain[0]}")
    assert again.status_code == 409 and "already been used" in again.get_data(as_text=True)
    assert client.get("/t/oost/leadership/code?code=ZZZZZ-ZZZZZ").status_code == 404
    # a wave's page does not take a pulse code, nor the pulse's page a wave's (each looks in its own rows)
    assert client.get(f"/t/oost/c/{plain[5]}").status_code == 404

    with make.session(tenant.id) as db:
        pulse_row = db.get(PulseRound, tenant.round_id)
        # 5 of the 6 codes answered: shown (5 personal invitations stay besides it); the batch of 2 is too small
        big_id = db.scalar(select(PulseCodeBatch.id).where(PulseCodeBatch.count == 6))
        assert pulse_codes.batch_rates(db, db.get(Tenant, tenant.id), pulse_row) == {big_id: 5, small_id: None}
    assert "not shown (too few to keep anonymous)" in admin.text(page)

    with make.session(tenant.id) as db:
        pulses.close_round(db, db.get(PulseRound, tenant.round_id))
    with make.session(tenant.id) as db:
        # the five code answers are the round's answers, released under its own rules (k = 5: shown)
        result = pulses.round_result(db, db.get(PulseRound, tenant.round_id))
        assert result.answers == 5 and result.shown
        # closed: every code scrubbed like the personal links; whether each was used stays for the counts
        invitations = db.scalars(select(PulseInvitation)).all()
        assert all(i.token_hash.startswith(SCRUBBED) for i in invitations)
        assert sum(i.answered for i in invitations if i.batch_id) == 5
        assert pulse_codes.invitation_for_code(db, secret, plain[5]) is None
        with pytest.raises(pulse_codes.RoundClosed):
            pulse_codes.order_batch(db, secret, db.get(PulseRound, tenant.round_id), count=1, label="Late")
        db.rollback()
