"""Read-only that really is (issue 19, point 5): a tenant whose trial ended, whose subscription was canceled or
whose payment is past its grace period may still read, export and pay, and nothing else.

The crawl walks the whole route map and sends every state-changing request a read-only tenant could get, as a
member with every role (and as its identity provider, with its SCIM token): each is refused with 403 unless
billing.readonly.ALLOWED lists it, and nothing in the tenant's data changes. The allowed ones still work; jobs
and commands that would change the tenant refuse as well.
"""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text, update

from billing.models import BillingAccount
from billing.readonly import ALLOWED, JOBS_ALLOWED, SAFE_METHODS
from saas.kernel.db import utcnow
from saas.kernel.job_models import JobRun
from saas.kernel.outbox import OutboundMail
from saas.models import metadata
from saas.privacy import retention
from tenants.models import Membership, Tenant
from tenants.rls import tenant_owned_tables
from tests.helpers import CSRF
from tests.test_billing import billed, billing_app  # noqa: F401 (fixtures: the app with billing on, its Stripe the fake)
from tests.world import populate

ALL_ROLES = ("admin", "management", "sponsor", "member", "works_council", "consultant")
ENDED = "free trial has ended"


@pytest.fixture
def read_only(billed, database):
    """Tenant "oost" with one of everything (tests/world.py), its admin holding every role, a SCIM token, and its
    free trial ended long ago: read-only."""
    from saas.administration.service import change_membership
    from saas.scim import service as scim

    tenant = billed.tenant("oost")
    objects = populate(billed.app, billed, tenant)
    with billed.session(tenant.id) as db:
        admin = db.scalar(select(Membership).join(Membership.user).where(
            Membership.user.has(email=tenant.admin_email)))
        change_membership(db, admin, roles=list(ALL_ROLES), legacy_org_id=None)
        objects["scim_token"] = scim.new_token(db)
    long_ago = utcnow() - timedelta(days=400)
    with billed.session() as db:  # the tenant's own trial, and its account's (the world visits the billing page)
        db.execute(update(Tenant).where(Tenant.id == tenant.id).values(created_at=long_ago))
        db.execute(update(BillingAccount).values(trial_ends_at=long_ago))
    # The daily retention pass visits a tenant this old: done here, the session worker's sweeper leaves it alone
    # today instead of marking it done in the middle of a test that checks nothing changed.
    retention.enforce_due(database.PlatformSession, date.today())
    return tenant, objects


def _dump(db):
    return {table: db.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
            for table in tenant_owned_tables(metadata)}


def _url(urls, rule, objects):
    missing = set(rule.arguments) - set(objects)
    assert not missing, f"{rule.rule}: tests/world.py makes nothing for {missing}"
    return urls.build(rule.endpoint, {name: objects[name] for name in rule.arguments})


def test_every_state_changing_route_of_a_read_only_tenant_is_refused_unless_allowed(billed, read_only):
    tenant, objects = read_only
    app = billed.app
    with billed.session(tenant.id) as db:
        before = _dump(db)
    client = app.test_client()
    client.login(tenant.admin_email)
    token = CSRF.search(client.get("/account").get_data(as_text=True)).group(1)
    scim = {"Authorization": f"Bearer {objects['scim_token']}"}
    urls = app.url_map.bind("localhost")
    refused = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = rule.methods - SAFE_METHODS
        if not rule.rule.startswith("/t/<slug>") or not methods or rule.endpoint in ALLOWED:
            continue
        url = _url(urls, rule, objects)
        for method in sorted(methods):
            where = f"{method} {url} ({rule.endpoint})"
            if rule.endpoint.startswith("scim."):
                response = client.open(url, method=method, headers=scim, json={
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "new@oost.example"})
                assert response.status_code == 403, f"{where} answered {response.status_code}"
                assert ENDED in response.get_json()["detail"], where
            else:
                response = client.open(url, method=method, data={"csrf_token": token})
                assert response.status_code == 403, f"{where} answered {response.status_code}"
                assert ENDED in response.get_data(as_text=True), where
                if not app.view_functions[rule.endpoint].koers_guard.public:  # a member's page: the admin may pay
                    assert 'href="/t/oost/billing/"' in response.get_data(as_text=True), where
            refused += 1
    assert refused > 100
    with billed.session(tenant.id) as db:
        assert _dump(db) == before, "a refused request changed the tenant's data"

    # a respondent's JSON API gets a problem document; a member who is no admin a page in Dutch, without the
    # billing link (only an administrator can pay)
    respondent = billed.app.test_client()
    response = respondent.post(f"/t/oost/survey/{objects['survey_token']}/answers.json", json={"answers": {}})
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert ENDED in response.get_json()["detail"] and "billing" not in response.get_json()

    member = billed.app.test_client()
    member.login("colleague@oost.example")
    member.post("/language", data={"language": "nl", "csrf_token": member.csrf_token("/account")})
    response = member.submit(f"/t/oost/teams/{objects['team_id']}/join", {})
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "alleen-lezen" in page.lower()
    assert "/billing/" not in page  # only an administrator can pay


def test_what_a_reader_needs_still_works_and_jobs_asked_for_earlier_change_nothing(billed, read_only, fake_stripe):
    from saas.kernel.jobs import enqueue_after_commit
    from saas.surveys.kiosks import KioskDevice
    from saas.leadership.jobs import send_pulse_invitations
    from saas.reports.jobs import release_and_compare
    from saas.surveys.jobs import send_wave_invitations

    tenant, objects = read_only
    # jobs asked for before the tenant became read-only: launching a wave by its job path, a comparison and a
    # pulse check's invitations do nothing, and a recorded run says why (failed, not retried, not done)
    with billed.session(tenant.id) as db:
        before = _dump(db)
    with billed.session(platform=True) as db:  # every tenant's mails (row-level security, 0042)
        mails = db.scalar(select(func.count()).select_from(OutboundMail))
    with billed.app.app_context():
        assert send_wave_invitations(tenant.id, objects["wave_id"]) is None
        assert release_and_compare(tenant.id, objects["wave_id"]) is None
        assert send_pulse_invitations(tenant.id, objects["pulse_round_id"]) is None
    with billed.session(tenant.id) as db:
        assert _dump(db) == before
    with billed.session(platform=True) as db:
        assert db.scalar(select(func.count()).select_from(OutboundMail)) == mails

    # asked for through the queue (in-process here): recorded as failed, with the reason
    with billed.app.app_context(), billed.session(tenant.id) as db:
        run_id = enqueue_after_commit(db, "saas.surveys.jobs.send_wave_invitations", tenant.id, objects["wave_id"])
    with billed.session(tenant.id) as db:
        run = db.get(JobRun, run_id)
        assert run.status == "failed" and ENDED in run.error
    with billed.session(platform=True) as db:
        assert db.scalar(select(func.count()).select_from(OutboundMail)) == mails

    admin = billed.app.test_client()
    admin.login(tenant.admin_email)
    # read
    assert "Trial ended" in admin.text("/t/oost/")
    assert "Team (oost)" in admin.text(f"/t/oost/teams/{objects['team_id']}")
    # export: the work log as CSV, a released report as PDF (queued, and its job still runs)
    response = admin.get(f"/t/oost/teams/{objects['team_id']}/log/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    response = admin.submit(f"/t/oost/reports/waves/{objects['wave_id']}/pdf", {},
                            page=f"/t/oost/reports/waves/{objects['wave_id']}")
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    with billed.session(tenant.id) as db:
        pdf_runs = db.scalars(select(JobRun).where(JobRun.function == "saas.reports.jobs.render_report_pdf")).all()
        assert pdf_runs and not any("ReadOnly" in (run.error or "") for run in pdf_runs)
    # pay (a tenant of its own: the world's "oost" is a consultancy's client, which its consultancy pays for)
    west = billed.tenant("west")
    with billed.session() as db:
        db.execute(update(Tenant).where(Tenant.id == west.id).values(created_at=utcnow() - timedelta(days=400)))
    payer = billed.app.test_client()
    payer.login(west.admin_email)
    assert payer.submit("/t/west/waves/new", {"name": "Nulmeting"}).status_code == 403
    response = payer.submit("/t/west/billing/checkout", {"action": "checkout"}, page="/t/west/billing/")
    assert response.status_code == 303 and response.headers["Location"].startswith(fake_stripe.url + "/checkout/")
    # one's own notifications
    assert admin.submit("/t/oost/notifications/read", {}, page="/t/oost/notifications").status_code == 302
    # ending access: an admin removes a member, the identity provider deprovisions a person
    idp = billed.app.test_client()
    scim = {"Authorization": f"Bearer {objects['scim_token']}"}
    assert idp.delete(f"/t/oost/scim/v2/Users/{objects['resource_id']}", headers=scim).status_code == 204
    remove = f"/t/oost/admin/members/{objects['membership_id']}/remove"
    assert admin.post(remove, data=admin.form_on(remove)).status_code in (302, 303)
    with billed.session(tenant.id) as db:
        assert db.get(Membership, objects["membership_id"]) is None
    # and an admin revokes a kiosk tablet (issue 20.3)
    revoke = f"/t/oost/admin/kiosks/{objects['device_id']}/revoke"
    assert admin.post(revoke, data=admin.form_on(revoke)).status_code in (302, 303)
    with billed.session(tenant.id) as db:
        assert db.get(KioskDevice, objects["device_id"]).revoked_at is not None


def test_the_allow_list_names_real_state_changing_routes_and_jobs(app):
    from saas.kernel.jobs import job_function

    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    for endpoint, reason in ALLOWED.items():
        assert endpoint in rules, f"ALLOWED names {endpoint}, which is no route"
        assert rules[endpoint].methods - SAFE_METHODS, f"{endpoint} changes nothing: it needs no place on the list"
        assert rules[endpoint].rule.startswith("/t/<slug>") and reason.strip()
    for path, reason in JOBS_ALLOWED.items():
        assert job_function(path).koers_job == "tenant" and reason.strip()


def test_commands_that_change_a_read_only_tenant_refuse_unless_the_operator_overrides(stack, make):
    from billing.models import BillingAccount, TenantBilling
    from saas.surveys.models import Wave
    from tests.test_cli import koers

    tenant = make.tenant("zuid")
    with make.session() as db:  # archived by its consultancy: read-only whatever the billing
        account = BillingAccount(kind="consultancy", name="Advies", trial_ends_at=utcnow())
        db.add(account)
        db.flush()
        account_id = account.id
    with make.session(tenant.id) as db:
        db.add(TenantBilling(account_id=account_id, archived_at=utcnow()))
    output = koers(stack, "create-wave", "--tenant", "zuid", "--name", "Nulmeting", expect=1)
    assert "read-only" in output and "archived" in output and "--even-if-read-only" in output
    with make.session(tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(Wave)) == 0
    assert "\t" not in koers(stack, "waves", "--tenant", "zuid")  # reading still works: no waves
    wave_id = int(koers(stack, "create-wave", "--tenant", "zuid", "--name", "Nulmeting", "--even-if-read-only"))
    with make.session(tenant.id) as db:
        assert db.get(Wave, wave_id).name == "Nulmeting"
