"""SMS invitations (issue 20, point 4): people with a mobile number and no e-mail get a text message with a link
of their own, through a provider's HTTP API (here a fake one on loopback, tests/fake_sms.py), from jobs; the
number is used only to send and remind, never shown in full, and gone from the database once the wave closes."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text, update

from saas.kernel import sms as provider
from saas.kernel.audit import AuditEntry
from saas.surveys import service
from saas.surveys import sms
from saas.surveys.answering import engine as answering
from saas.surveys.models import AnswerCodeBatch, SmsRecipient, SurveyInvitation, Wave
from saas.surveys.sms_jobs import send_sms
from tenants.models import Tenant
from tests.conftest import settings_for
from tests.helpers import Factory, signed_in, wait_for
from tests.test_job_faults import _app
from tests.test_respond import Respondent

NL_MOBILE, BE_MOBILE = "+31612345678", "+32470123456"
LINK = re.compile(r"http://localhost/t/oost/c/([2-9A-Z]{10})$")


@pytest.fixture
def sms_app(stack, database, fake_sms):
    """The app with the fake provider set up, jobs in-process (no Redis)."""
    from saas import create_app
    from tests.helpers import KoersClient

    application = create_app(settings_for(stack, **fake_sms.settings()), database=database, testing=True)
    application.test_client_class = KoersClient
    return application


def _estimate(make, tenant, wave_id) -> int:
    with make.session(tenant.id) as db:
        return answering.minutes(db.get(Wave, wave_id))


def _open_wave(make, language="en"):
    """Tenant "oost" with an open wave that asks the values only; returns (tenant, wave id)."""
    tenant = make.tenant("oost", language=language)
    with make.session(tenant.id) as db:
        wave = service.create_wave(db, name="Meting", instruments=("values",), groupings=("legacy_org",),
                                   closes_on=date.today() + timedelta(days=14))
        db.get(Tenant, tenant.id).consent_required = False
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        return tenant, wave.id


def _recipients(make, tenant):
    with make.session(tenant.id) as db:
        rows = list(db.scalars(select(SmsRecipient).order_by(SmsRecipient.number)))
        for row in rows:
            db.expunge(row)
        return rows


def _answer(app, link: str, wave_keys) -> None:
    """Follow the text message's link as a phone's browser would, and answer the survey to the end."""
    person = Respondent(app)
    person.open(link.replace("http://localhost", ""))
    while person.step != "thanks":
        step = person.step
        data = {"values": wave_keys[:1]} if step.startswith("values") else \
            {"legacy_org_id": "none"} if step == "about" else {}
        response = person.send(data, action="submit" if step == "review" else "next")
        assert response.status_code == 302, (step, person.client.text(person.here)[:2000])


# ---- numbers ----------------------------------------------------------------------------------

@pytest.mark.smoke
def test_numbers_are_read_as_people_write_them_and_shown_back_masked():
    assert provider.mobile_number("06-1234 5678") == provider.mobile_number("0031 6 12345678") == NL_MOBILE
    assert provider.mobile_number("+32 470 12 34 56") == BE_MOBILE
    assert provider.mobile_number("020 123 4567") is None  # a landline gets no text message
    assert provider.mobile_number("0612345") is None
    assert provider.mask(NL_MOBILE) == "+31 •••••••78" and "12345" not in provider.mask(NL_MOBILE)
    parsed = sms.parse_numbers("telefoon;naam\n06 12345678;Piet\n\n+31 6 1234 5678\n020 1234567\nbel me\n")
    assert parsed.numbers == [(2, NL_MOBILE)]  # the header skipped, the same number twice counts once
    assert len(parsed.problems) == 2 and parsed.problems[0].startswith('Line 5: "020 1234567"')


# ---- the story, through the real worker ---------------------------------------------------------

@pytest.mark.worker
def test_an_sms_invitation_reaches_the_provider_answers_the_survey_and_its_number_is_gone_after_the_close(
        stack, database, make, fake_sms, worker, owner_engine):
    # Redis on: the jobs go to the session's worker, which sends to the same fake provider (tests/conftest.py)
    app = _app(stack, database, **fake_sms.settings())
    make = Factory(app, database)
    tenant, wave_id = _open_wave(make)
    admin = signed_in(app, tenant.admin_email)
    page = f"/t/oost/waves/{wave_id}/sms"
    assert "Send SMS invitations" in admin.text(f"/t/oost/waves/{wave_id}")
    response = admin.submit(page, {"numbers": "06 12345678\n+32 470 12 34 56",
                                   "legacy_org_id": str(tenant.legacy_org_ids[1])})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    wait_for(lambda: len(fake_sms.received) == 2, 30, "the worker sending both text messages")
    messages = {m.number: m for m in fake_sms.received}
    assert set(messages) == {NL_MOBILE, BE_MOBILE}
    message = messages[NL_MOBILE]
    assert message.sender == "Koers" and len(message.text) <= 160
    minutes = _estimate(make, tenant, wave_id)  # the wave's own estimate (values only: well under 10)
    assert message.text.startswith(f"Organisation oost asks your opinion. Anonymous, {minutes} min. Until ")
    link = message.text.rsplit(" ", 1)[1]
    assert LINK.match(link), message.text
    wait_for(lambda: all(r.status == "sent" for r in _recipients(make, tenant)), 30, "the sends being recorded")
    assert all(r.message == "" and r.attempts == 1 for r in _recipients(make, tenant))  # the link left with the text

    shown = admin.text(page)
    assert "2 text messages delivered to the provider." in shown
    assert "612345678" not in shown and "470123456" not in shown  # never shown back in full
    # the audit trail has the batch, its channel and count, and no number
    with make.session(tenant.id) as db:
        [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "wave.answer_codes_ordered")).all()
        assert entry.detail["channel"] == "sms" and entry.detail["count"] == 2 and "612345678" not in repr(entry.detail)

    with make.session(tenant.id) as db:
        keys = list(db.get(Wave, wave_id).value_keys)
    _answer(app, link, keys)
    with make.session(tenant.id) as db:
        invitations = db.scalars(select(SurveyInvitation).where(SurveyInvitation.wave_id == wave_id)).all()
        assert sorted(i.answered for i in invitations) == [False, True]
        assert {i.legacy_org_id for i in invitations} == {tenant.legacy_org_ids[1]}  # counted in the batch's group
        assert db.scalar(select(AnswerCodeBatch.channel)) == "sms"

    admin.submit(f"/t/oost/waves/{wave_id}/close", {"confirm": "y"}, page=f"/t/oost/waves/{wave_id}")
    with make.session(tenant.id) as db:
        assert db.get(Wave, wave_id).status == "closed"
    with owner_engine.connect() as conn:  # every row of every table, as text
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        for table in tables:
            rows = conn.execute(text(f'SELECT t::text FROM "{table}" t')).scalars().all()
            assert not [row for row in rows if "612345678" in row or "470123456" in row], table


# ---- the provider away, refusing, and reminders (jobs in-process) --------------------------------

def test_the_provider_down_keeps_the_message_and_a_retry_sends_it_once(sms_app, make, fake_sms):
    make = Factory(sms_app, make.database)
    tenant, wave_id = _open_wave(make)
    admin = signed_in(sms_app, tenant.admin_email)
    page = f"/t/oost/waves/{wave_id}/sms"

    fake_sms.down()
    assert admin.submit(page, {"numbers": "0612345678\n0032470123456"}).status_code == 302  # the page did not wait
    waiting = _recipients(make, tenant)
    assert [(r.status, r.attempts) for r in waiting] == [("pending", 1), ("pending", 1)]
    assert all("could not be reached" in r.last_error and LINK.search(r.message) for r in waiting)  # not lost
    assert "2 waiting to be sent." in admin.text(page)

    fake_sms.up()
    fake_sms.fail_next(503)  # still busy at the first retry
    with sms_app.app_context():
        with pytest.raises(provider.SmsUnavailable):
            send_sms(tenant.id, waiting[0].id, 0)
        for _ in range(2):  # the retry, and the same job run twice: sent once
            send_sms(tenant.id, waiting[0].id, 0)
        fake_sms.fail_next(422)  # the provider refuses the other number for good
        assert send_sms(tenant.id, waiting[1].id, 0) == "failed"
        assert send_sms(tenant.id, waiting[1].id, 0) == "nothing to do"
    refused = _recipients(make, tenant)[1]
    assert "422" in refused.last_error and "470123456" not in refused.last_error and "/c/" not in refused.last_error
    assert len(fake_sms.to(waiting[0].number)) == 1
    assert fake_sms.to(waiting[0].number)[0].text.endswith(LINK.search(waiting[0].message).group(0))
    assert fake_sms.to(waiting[0].number)[0].reference == f"koers-{tenant.id}-sms-{waiting[0].id}-0"
    shown = admin.text(page)
    assert "1 text message delivered to the provider." in shown and "1 could not be sent." in shown
    assert provider.mask(waiting[1].number) in shown and waiting[1].number not in shown

    # a reminder: too soon at first; a day later a new link goes to whoever has not answered, the old one dies
    remind = f"/t/oost/waves/{wave_id}/sms/remind"
    assert "less than 24 hours ago" in admin.text(admin.submit(remind, {"round": "1"}, page=page).headers["Location"])
    with make.session(tenant.id) as db:
        db.execute(update(SmsRecipient).values(messaged_at=SmsRecipient.messaged_at - timedelta(hours=25)))
    old_link = fake_sms.to(waiting[0].number)[0].text.rsplit(" ", 1)[1]
    assert admin.submit(remind, {"round": "1"}, page=page).status_code == 302
    assert [m.text.startswith("Reminder: Organisation oost asks") for m in fake_sms.to(waiting[0].number)] \
        == [False, True]
    assert len(fake_sms.to(waiting[1].number)) == 1  # the refused number gets the reminder (a new message)
    new_link = fake_sms.to(waiting[0].number)[1].text.rsplit(" ", 1)[1]
    assert new_link != old_link
    respondent = sms_app.test_client()
    assert respondent.get(old_link.replace("http://localhost", "")).status_code == 404
    assert respondent.get(new_link.replace("http://localhost", "")).status_code == 302
    # the same round again is refused; the page names the reminders sent
    again = admin.submit(remind, {"round": "1"}, page=page)
    assert "already been sent" in admin.text(again.headers["Location"])


def test_bad_numbers_are_refused_in_the_tenants_language_and_nothing_is_sent(sms_app, make, fake_sms):
    make = Factory(sms_app, make.database)
    tenant, wave_id = _open_wave(make, language="nl")
    admin = signed_in(sms_app, tenant.admin_email)
    page = f"/t/oost/waves/{wave_id}/sms"
    for numbers, said in (("06 12345678\n020 1234567\nhallo", ["Regel 2: \"020 1234567\" is geen mobiel nummer",
                                                               "Regel 3: \"hallo\""]),
                          ("", ["ten minste één mobiel nummer"])):
        response = admin.submit(page, {"numbers": numbers, "legacy_org_id": ""})
        body = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 200 and all(s in body for s in said), body[:3000]
    assert "Kies een voormalige organisatie uit de lijst" in admin.submit(
        page, {"numbers": "0612345678", "legacy_org_id": "abc"}).get_data(as_text=True)
    assert _recipients(make, tenant) == [] and fake_sms.received == []

    assert admin.submit(page, {"numbers": "0612345678"}).status_code == 302
    minutes = _estimate(make, tenant, wave_id)
    assert [m.text.startswith(f"Organisation oost vraagt je mening. Anoniem, {minutes} min. Kan tot ")
            for m in fake_sms.received] == [True]  # in the organisation's language
    twice = admin.submit(page, {"numbers": "0031 6 12345678"}).get_data(as_text=True)
    assert "regel 1" in twice and len(fake_sms.received) == 1  # nobody gets two links


def test_without_a_provider_the_page_says_sms_is_off_and_sends_nothing(app, make):
    tenant, wave_id = _open_wave(make)
    admin = signed_in(app, tenant.admin_email)
    page = f"/t/oost/waves/{wave_id}/sms"
    assert "SMS is off" in admin.text(page) and 'name="numbers"' not in admin.text(page)
    body = admin.submit(page, {"numbers": "0612345678"}).get_data(as_text=True)
    assert "SMS is not set up" in body and _recipients(make, tenant) == []
