"""Kiosk mode (issue 20, point 3), without a browser: the admin enrols and revokes a tablet, the tablet's
token opens the kiosk and nothing else, and one person after another answers with a code, leaving nothing
for the next. The whole flow in a real browser (Back, axe at 390 px): tests/browser/test_kiosk.py."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from saas.kernel.audit import AuditEntry
from saas.kernel.tokens import hash_token
from saas.surveys import codes, kiosks, service
from saas.surveys.answering.kiosk import COOKIE
from saas.surveys.instruments import CONTRACT_ITEMS
from saas.surveys.kiosks import KioskDevice
from saas.surveys.models import PooledAnswer, SurveyInvitation
from tenants.models import Tenant
from tests.helpers import signed_in, works_council

KIOSK = "/t/oost/kiosk"


@pytest.fixture
def oost(app, make):
    """A tenant with a short open wave (the contract and one question) and three answer codes for it."""
    tenant = make.tenant("oost")
    with make.session(tenant.id) as db:
        wave = service.create_wave(db, name="Kantine 2026", instruments=("contract",), groupings=(),
                                   questions=[{"kind": "likert", "nl": "Ik werk hier graag.", "en": "I like working here."}])
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="Akkoord.")
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        _batch, tenant.codes = codes.order_batch(db, app.config["KOERS"].secret_key, wave, count=3, label="Kantine")
        tenant.wave_id = wave.id
    return tenant


def enrol_link(app, tenant, name="Kantine Hoofdstraat", admin=None):
    """The admin adds a device on the kiosks page; returns the enrolment link's path, as the page shows it once."""
    admin = admin or signed_in(app, tenant.admin_email)
    response = admin.submit("/t/oost/admin/kiosks", {"name": name})
    assert response.status_code == 302
    page = admin.text(response.headers["Location"])
    assert "data:image/svg+xml;base64," in page  # the QR code of the same link
    return re.search(r'href="http://localhost(/t/oost/kiosk/enrol/[^"]+)"', page).group(1)


def enrol(app, tenant):
    """The admin adds a device and it is enrolled on a fresh browser (the tablet)."""
    admin = signed_in(app, tenant.admin_email)
    url = enrol_link(app, tenant, admin=admin)
    tablet = app.test_client()
    assert "Use as kiosk" in tablet.text(url)  # opening the link changes nothing yet (link previews)
    response = tablet.submit(url, {"action": "enrol"})
    assert response.status_code == 302 and response.headers["Location"] == KIOSK
    return admin, tablet, url, response


def answer(tablet, code: str, *, finish: bool = True):
    """One person at the kiosk: enters the code, answers every step, sends. Returns the step URLs seen."""
    response = tablet.submit(KIOSK, {"code": code})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    here, seen = response.headers["Location"], []
    while "/step/" in here:
        seen.append(here)
        data = {item.key: "4" for item in CONTRACT_ITEMS} if here.endswith("/contract") else {"q1": "5"}
        if not finish and len(seen) == 3:
            return seen
        response = tablet.submit(here, {**data, "action": "next"})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        here = response.headers["Location"]
    assert here == f"{KIOSK}/thanks"
    return seen


def test_a_tablet_is_enrolled_once_listed_and_refused_at_once_when_revoked(app, make, oost):
    admin, tablet, url, response = enrol(app, oost)
    cookie = response.headers.getlist("Set-Cookie")
    kiosk_cookie = next(c for c in cookie if c.startswith(f"{COOKIE}="))
    assert "Path=/t/oost/kiosk;" in kiosk_cookie and "HttpOnly" in kiosk_cookie and "SameSite=Strict" in kiosk_cookie
    token = kiosk_cookie.split(";")[0].split("=", 1)[1]
    with make.session(oost.id) as db:
        device = db.scalar(select(KioskDevice))
        assert device.token_hash == hash_token(token) and device.enrol_hash is None  # only hashes are kept
    assert "Type your code" in tablet.text(KIOSK)

    # the link works once, and its page was shown once
    assert app.test_client().get(url).status_code == 404
    assert "enrol/" not in admin.text(f"/t/oost/admin/kiosks/{device.id}/link")
    listing = admin.text("/t/oost/admin/kiosks")
    assert "Kantine Hoofdstraat" in listing and "In use" in listing

    # revoking asks first, then refuses the tablet at once
    assert "Revoke the kiosk" in admin.text(f"/t/oost/admin/kiosks/{device.id}/revoke")
    assert admin.submit(f"/t/oost/admin/kiosks/{device.id}/revoke", {"action": "revoke", "confirmed": "yes"},
                        page="/t/oost/admin/kiosks").status_code == 302
    assert tablet.get(KIOSK).status_code == 404
    assert "Revoked" in admin.text("/t/oost/admin/kiosks")
    with make.session(oost.id) as db:
        assert [e.action for e in db.scalars(select(AuditEntry).where(AuditEntry.action.like("kiosk.%"))
                                            .order_by(AuditEntry.seq))] == ["kiosk.added", "kiosk.enrolled",
                                                                             "kiosk.revoked"]
    # a browser that was never enrolled, or with a made-up token, sees no kiosk
    assert app.test_client().get(KIOSK).status_code == 404
    stranger = app.test_client()
    stranger.set_cookie(COOKIE, "made-up", path=KIOSK)
    assert stranger.get(KIOSK).status_code == 404


def test_the_kiosk_token_opens_nothing_but_the_kiosk(app, make, oost):
    """Every other route of the app answers a request carrying the kiosk cookie as it answers a stranger."""
    _admin, tablet, _url, response = enrol(app, oost)
    token = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{COOKIE}=")).split(";")[0]
    holder = app.test_client()
    holder.set_cookie(COOKIE, token.split("=", 1)[1], path="/")  # sent everywhere, not only to the kiosk
    stranger = app.test_client()
    urls = app.url_map.bind("localhost")
    compared = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("kiosk.") or rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        url = urls.build(rule.endpoint, {a: ("oost" if a == "slug" else 1 if "id" in a else "x") for a in rule.arguments})
        mine, theirs = holder.get(url), stranger.get(url)
        assert (mine.status_code, mine.headers.get("Location")) == (theirs.status_code, theirs.headers.get("Location")), url
        compared += 1
    assert compared > 100
    # and the kiosk pages are the only code that reads it
    from pathlib import Path
    readers = [p for p in Path("saas").rglob("*.py") if "COOKIE" in p.read_text() and "kiosk" in p.read_text()
               and "request.cookies" in p.read_text()]
    assert [p.as_posix() for p in readers] == ["saas/surveys/answering/kiosk.py"]


def test_one_person_after_another_leaves_nothing_for_the_next(app, make, oost):
    _admin, tablet, _url, _response = enrol(app, oost)
    first, second, third = oost.codes

    # a code nobody has, an empty form: a clear message, nothing started
    page = tablet.submit(KIOSK, {"code": "ABCD-EFGH-JK"}).get_data(as_text=True)
    assert "We do not know this code" in page
    assert f'name="next" value="{KIOSK}"' in page  # switching the language here stays at the kiosk
    assert "Type your code." in tablet.submit(KIOSK, {"code": ""}).get_data(as_text=True)

    # person 1 scans the slip's QR code (a handheld scanner types the whole URL)
    steps = answer(tablet, f"http://localhost/t/oost/c/{first}")
    with make.session(oost.id) as db:
        assert db.scalar(select(func.count()).select_from(PooledAnswer)) == 1
        assert [i.draft for i in db.scalars(select(SurveyInvitation))] == [None] * 3
    # the tablet is reset: person 1's pages lead back to the start, the code is used up
    for url in steps:
        response = tablet.get(url)
        assert response.status_code == 302 and response.headers["Location"] == KIOSK
    assert "already been used" in tablet.submit(KIOSK, {"code": first}).get_data(as_text=True)

    # person 2 stops half-way: nothing is kept, no draft anywhere
    where = answer(tablet, codes.shown(second).lower(), finish=False)[-1]  # typed as on the slip, in lower case
    with tablet.session_transaction() as kept:
        assert kept["kiosk"]["draft"]
        copy = dict(kept)
    assert tablet.submit(f"{KIOSK}/stop", {"action": "stop"}, page=where).headers["Location"] == KIOSK
    with tablet.session_transaction() as kept:
        assert "kiosk" not in kept
    with make.session(oost.id) as db:
        assert [i.draft for i in db.scalars(select(SurveyInvitation))] == [None] * 3
    # a copy of person 2's session (its cookie kept by someone) does not resume it once it has ended ...
    with tablet.session_transaction() as kept:
        kept.update(copy)
    response = tablet.get(f"{KIOSK}/{oost.wave_id}/step/contract")
    assert response.status_code == 302 and response.headers["Location"] == KIOSK

    # ... nor once the next person has started; and an idle session is refused by the server
    welcome = tablet.text(answer(tablet, third, finish=False)[0])
    assert "It takes about 4 minutes." in welcome  # 12 statements and one question, for a slow reader
    page = tablet.text(f"{KIOSK}/{oost.wave_id}/step/contract")
    # without JavaScript: back to the start after 3 minutes plus the page's reading time (12 statements: 125 s)
    assert f'<noscript><meta http-equiv="refresh" content="305;url={KIOSK}"></noscript>' in page
    assert tablet.get(f"{KIOSK}/{oost.wave_id}/alive").status_code == 204  # kiosk.js: still busy
    assert "Save and continue later" not in page
    with tablet.session_transaction() as kept:  # 306 seconds pass without a request
        kept["kiosk"] = {**kept["kiosk"], "seen": kept["kiosk"]["seen"] - 306}
    response = tablet.get(f"{KIOSK}/{oost.wave_id}/step/contract")
    assert response.status_code == 302 and response.headers["Location"] == KIOSK
    assert tablet.get(f"{KIOSK}/{oost.wave_id}/step/contract").headers["Location"] == KIOSK  # gone for good
    assert tablet.get(f"{KIOSK}/{oost.wave_id}/alive").status_code == 404

    # every kiosk page: no-store, and no cookie but the session's
    for url in (KIOSK, f"{KIOSK}/thanks"):
        response = tablet.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        assert all(c.startswith("session=") for c in response.headers.getlist("Set-Cookie")), url
    assert f'<noscript><meta http-equiv="refresh" content="30;url={KIOSK}"></noscript>' in response.get_data(as_text=True)


def test_what_a_scanner_or_a_person_types_becomes_the_code():
    assert kiosks.typed_codes(" kmnpq-23467 ") == ["kmnpq-23467"]
    assert kiosks.typed_codes("https://koers.example/t/oost/c/KMNPQ23467") == ["KMNPQ23467"]
    assert kiosks.typed_codes("https://koers.example/t/oost/c?code=KMNPQ-23467") == ["KMNPQ-23467"]
    assert kiosks.typed_codes("https://koers.example/") == kiosks.typed_codes("   ") == []
