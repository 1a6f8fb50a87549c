"""Consultancies (issue 8): sign up, create client tenants whose own admin is invited, pay per active
client (archiving and restoring change the Stripe quantity), and a dashboard of the consultant's clients
that never shows another consultancy's.
"""
from datetime import date, timedelta

from sqlalchemy import select, update

from billing import entitlements
from billing.models import BillingAccount, TenantBilling
from saas.kernel.db import utcnow
from tenants.models import Membership, Tenant
from tests.fake_stripe import PRICE_CLIENT
from tests.helpers import TenantRecord, link_in
from tests.test_billing import billed, billing_app, deliver_all  # noqa: F401 (fixtures)
from saas.reports.release import release_and_compare


def add_colleague(make, owner, email):
    """The owner invites a colleague, who accepts the mailed link signed in with that address."""
    assert owner.submit("/billing/consultancy/account", {"email": email}).status_code == 302
    colleague = make.app.test_client()
    colleague.login(email)
    response = colleague.submit(link_in(make.mails_to(email)[-1].body), {"action": "accept"})
    assert response.status_code == 302 and response.headers["Location"] == "/billing/consultancy"
    return colleague


def sign_up(make, email, name):
    """Someone with a Koers account signs up their consultancy; returns their logged-in client."""
    make.user(email, name=name.split()[0])
    owner = make.app.test_client()
    owner.login(email)
    response = owner.submit("/billing/consultancy/new", {"name": name})
    assert response.status_code == 302 and response.headers["Location"] == "/billing/consultancy/clients/new"
    return owner


def create_client(owner, slug, admin_email, name=None):
    response = owner.submit("/billing/consultancy/clients/new", {
        "name": name or f"Gemeente {slug.title()}", "slug": slug, "country": "NL", "language": "en",
        "admin_email": admin_email})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return response


def tenant_id(make, slug):
    with make.session() as db:
        return db.scalar(select(Tenant.id).where(Tenant.slug == slug))


def account_named(make, name):
    with make.session() as db:
        return db.scalar(select(BillingAccount).where(BillingAccount.name == name))


def roles_in(make, slug, email):
    with make.session(tenant_id(make, slug)) as db:
        membership = db.scalar(select(Membership).where(Membership.user.has(email=email)))
        return membership.roles if membership else set()


def archive(owner, slug, make):
    return owner.submit(f"/billing/consultancy/clients/{tenant_id(make, slug)}/archive", {"confirm": "y"},
                        page="/billing/consultancy/account")


def restore(owner, slug, make):
    return owner.submit(f"/billing/consultancy/clients/{tenant_id(make, slug)}/restore", {"action": "restore"},
                        page="/billing/consultancy/account")


def test_a_consultancy_signs_up_and_creates_a_client_whose_own_admin_is_invited(make):
    owner = sign_up(make, "olga@advies.example", "Olga Advies")
    create_client(owner, "zuid", "hanna@zuid.example", name="Gemeente Zuid")
    assert roles_in(make, "zuid", "olga@advies.example") == {"consultant"}
    # the client's administrator gets an invitation in the client's language and runs the tenant
    [mail] = make.mails_to("hanna@zuid.example")
    assert "Gemeente Zuid" in mail.subject
    hanna = make.app.test_client()
    response = hanna.submit(link_in(mail.body), {"new-name": "Hanna", "new-password": "correct horse battery"})
    assert response.status_code == 302
    assert roles_in(make, "zuid", "hanna@zuid.example") == {"admin"}
    assert hanna.get("/t/zuid/admin/members").status_code == 200
    # the consultant reaches the client through the membership, as a consultant, not as its admin
    assert owner.get("/t/zuid/").status_code == 200
    assert owner.get("/t/zuid/admin/members").status_code == 403

    page = owner.text("/billing/consultancy")
    assert "Clients of Olga Advies" in page and "Gemeente Zuid" in page and 'href="/t/zuid/"' in page
    account = owner.text("/billing/consultancy/account")
    assert "Billing is not configured" in account and "Gemeente Zuid" in account


def test_a_consultants_colleague_joins_every_client_as_consultant(make):
    owner = sign_up(make, "olga@advies.example", "Olga Advies")
    create_client(owner, "zuid", "hanna@zuid.example")
    make.user("piet@advies.example", name="Piet")
    add_colleague(make, owner, "piet@advies.example")
    assert roles_in(make, "zuid", "piet@advies.example") == {"consultant"}
    create_client(owner, "noord", "noor@noord.example")
    assert roles_in(make, "noord", "piet@advies.example") == {"consultant"}
    piet = make.app.test_client()
    piet.login("piet@advies.example")
    page = piet.text("/billing/consultancy")
    assert "Gemeente Zuid" in page and "Gemeente Noord" in page
    assert piet.get("/billing/consultancy/account").status_code == 404  # billing is the owner's
    # an address without an account is invited all the same: the page tells nobody who has an account
    response = owner.submit("/billing/consultancy/account", {"email": "nobody@else.example"})
    assert response.status_code == 302 and len(make.mails_to("nobody@else.example")) == 1


def test_a_consultant_who_leaves_is_removed_from_the_consultancy_and_every_client(make):
    from billing.models import BillingAccountMember

    owner = sign_up(make, "olga@advies.example", "Olga Advies")
    create_client(owner, "zuid", "hanna@zuid.example")
    create_client(owner, "noord", "noor@noord.example")
    make.user("piet@advies.example", name="Piet")
    add_colleague(make, owner, "piet@advies.example")
    # the client Noord also made Piet a sponsor there: that role is Noord's decision and stays
    with make.session(tenant_id(make, "noord")) as db:
        from tenants.models import MembershipRole

        piet_there = db.scalar(select(Membership).where(Membership.user.has(email="piet@advies.example")))
        piet_there.role_rows.append(MembershipRole(role="sponsor"))
    piet = make.app.test_client()
    piet.login("piet@advies.example")
    assert "Gemeente Zuid" in piet.text("/billing/consultancy")

    with make.session() as db:
        people = {p.user.email: p.id for p in db.scalars(select(BillingAccountMember))}
    page = owner.text("/billing/consultancy/account")
    assert "Remove Piet" in page and "Remove Olga" not in page
    remove_piet = f"/billing/consultancy/people/{people['piet@advies.example']}/remove"
    # one click only asks (issue 17, defect 7): the button leads to a page that says what will happen
    response = owner.submit(remove_piet, {"action": "remove"}, page="/billing/consultancy/account")
    assert response.status_code == 303 and response.headers["Location"].endswith(remove_piet)
    assert roles_in(make, "zuid", "piet@advies.example") == {"consultant"}  # nothing changed yet
    confirm = owner.text(remove_piet)
    assert "Remove Piet from your consultancy?" in confirm and "loses the consultant role in every client" in confirm
    assert "Nothing has been changed yet" in confirm
    response = owner.submit(remove_piet, {"action": "remove", "confirmed": "yes"})
    assert response.status_code == 302
    assert "is no longer one of your consultants" in owner.text("/billing/consultancy/account")
    assert roles_in(make, "zuid", "piet@advies.example") == set()  # gone from the client
    assert roles_in(make, "noord", "piet@advies.example") == {"sponsor"}
    response = piet.get("/billing/consultancy")  # no consultancy any more: offered to start one
    assert response.status_code == 302 and response.headers["Location"].endswith("/billing/consultancy/new")
    assert piet.get("/t/zuid/").status_code in (403, 404)
    # the owner stays, and a person of another consultancy is not found
    response = owner.submit(f"/billing/consultancy/people/{people['olga@advies.example']}/remove",
                            {"action": "remove", "confirmed": "yes"})
    assert "The owner of the consultancy cannot be removed." in owner.text("/billing/consultancy/account")
    other = sign_up(make, "bert@elders.example", "Bert Elders")
    response = other.submit(f"/billing/consultancy/people/{people['olga@advies.example']}/remove",
                            {"action": "remove", "confirmed": "yes"}, page="/billing/consultancy/account")
    assert response.status_code == 404
    assert other.get(f"/billing/consultancy/people/{people['olga@advies.example']}/remove").status_code == 404


def test_a_consultant_of_one_consultancy_never_sees_a_client_of_another(make):
    anna = sign_up(make, "anna@a-advies.example", "A Advies")
    create_client(anna, "klant-a", "admin@klant-a.example", name="Klant van A")
    bert = sign_up(make, "bert@b-advies.example", "B Advies")
    create_client(bert, "klant-b", "admin@klant-b.example", name="Klant van B")
    # even when B's client makes Anna a consultant member itself, it is not one of A's clients
    with make.session(tenant_id(make, "klant-b")) as db:
        from saas.administration.service import add_member
        from saas.auth.service import find_user

        add_member(db, find_user(db, "anna@a-advies.example"), ["consultant"], None)

    page = anna.text("/billing/consultancy")
    assert "Klant van A" in page and "Klant van B" not in page and "B Advies" not in page
    assert "Klant van B" not in anna.text("/billing/consultancy/account")
    for url in (f"/billing/consultancy/clients/{tenant_id(make, 'klant-b')}/archive",
                f"/billing/consultancy/clients/{tenant_id(make, 'klant-b')}/restore"):
        assert anna.submit(url, {"confirm": "y", "action": "restore"}, page="/billing/consultancy").status_code == 404
    with make.session(tenant_id(make, "klant-b")) as db:
        assert db.scalar(select(TenantBilling)).archived_at is None
    # and a client of A where Anna is no longer a consultant is not on her page either
    with make.session(tenant_id(make, "klant-a")) as db:
        membership = db.scalar(select(Membership).where(Membership.user.has(email="anna@a-advies.example")))
        membership.role_rows.clear()
        db.flush()
        from tenants.models import MembershipRole

        membership.role_rows.append(MembershipRole(role="member"))
    assert "Klant van A" not in anna.text("/billing/consultancy")
    # someone with no consultancy is sent to sign up; a stranger to the owner's page gets 404
    make.user("carla@elders.example")
    carla = make.app.test_client()
    carla.login("carla@elders.example")
    assert carla.get("/billing/consultancy").headers["Location"] == "/billing/consultancy/new"
    assert carla.get("/billing/consultancy/account").status_code == 404


def test_the_dashboard_shows_phase_participation_and_whether_a_comparison_is_ready(make):
    from saas.comparison import service as comparisons, synth
    from saas.programme import service as programme
    from saas.surveys import service as surveys
    from saas.surveys.models import SurveyInvitation, Wave

    owner = sign_up(make, "olga@advies.example", "Olga Advies")
    create_client(owner, "zuid", "hanna@zuid.example", name="Gemeente Zuid")
    create_client(owner, "oost", "otto@oost.example", name="Gemeente Oost")
    zuid = tenant_id(make, "zuid")
    with make.session(zuid) as db:
        [closed_id] = synth.synthesise(db, respondents=40, legacy_orgs=3, seed=3)
        prog = programme.create_programme(db, name="Samen Koers", goal="", starts_on=date(2030, 1, 1),
                                          ends_on=date(2030, 12, 31))
        prog.phase = "team_work"
        release_and_compare(db, db.get(Tenant, zuid), db.get(Wave, closed_id))
        wave = surveys.create_wave(db, name="Tussenmeting")
        wave.status = "open"
        db.flush()
        members = [db.get(Membership, make_member(db, f"m{i}@zuid.example")) for i in range(4)]
        surveys.invite(db, wave, members)
        db.execute(update(SurveyInvitation).where(SurveyInvitation.membership_id == members[0].id)
                   .values(answered=True))
    page = owner.text("/billing/consultancy")
    zuid_row = page[page.index("Gemeente Zuid"):page.index("Gemeente Zuid") + 1500]
    assert "Samen Koers: Team work" in zuid_row
    assert "Tussenmeting (open)" in zuid_row and "1 of 4 invited answered (25%)" in zuid_row, zuid_row
    assert "Ready for" in zuid_row
    oost_row = page[page.index("Gemeente Oost"):]
    assert "No programme yet" in oost_row and "No survey wave yet" in oost_row and "No closed wave yet" in oost_row


def make_member(db, email):
    from saas.auth.models import User
    from saas.administration.service import add_member
    from tests.helpers import _PASSWORD_HASH

    user = User(email=email, name=email.split("@")[0], password_hash=_PASSWORD_HASH)
    db.add(user)
    db.flush()
    return add_member(db, user, ["member"], None).id


def test_an_archived_client_is_read_only_for_its_members_and_comes_back_when_restored(make):
    owner = sign_up(make, "olga@advies.example", "Olga Advies")
    create_client(owner, "zuid", "hanna@zuid.example", name="Gemeente Zuid")
    make.member(TenantRecord(id=tenant_id(make, "zuid")), "hanna@zuid.example", roles=["admin"])
    hanna = make.app.test_client()
    hanna.login("hanna@zuid.example")
    with make.session(tenant_id(make, "zuid")) as db:
        from saas.programme import service as programme

        programme.create_programme(db, name="Samen", goal="", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))

    assert owner.submit(f"/billing/consultancy/clients/{tenant_id(make, 'zuid')}/archive", {},
                        page="/billing/consultancy/account").status_code == 302  # not confirmed: nothing
    assert "Archived" not in hanna.text("/t/zuid/")
    assert archive(owner, "zuid", make).status_code == 302
    page = hanna.text("/t/zuid/")
    assert "Archived" in page and "Ask your consultancy to restore it" in page
    with make.session(tenant_id(make, "zuid")) as db:
        from saas.programme.models import Programme

        programme_id = db.scalar(select(Programme.id))
    response = hanna.submit(f"/t/zuid/programmes/{programme_id}/themes/new", {"title": "Nieuw", "problem": "p"})
    assert response.status_code == 403 and "archived by its consultancy" in response.get_data(as_text=True)
    assert "Samen" in hanna.text("/t/zuid/programmes")  # still readable
    dashboard = owner.text("/billing/consultancy")
    assert "Archived clients" in dashboard

    assert restore(owner, "zuid", make).status_code == 302
    assert "Archived" not in hanna.text("/t/zuid/")
    assert hanna.submit(f"/t/zuid/programmes/{programme_id}/themes/new",
                        {"title": "Nieuw", "problem": "p"}).status_code == 302


# ---- with billing on ------------------------------------------------------------------------

def test_the_subscription_counts_active_clients_archiving_lowers_it_and_restoring_raises_it(billed, fake_stripe):
    owner = sign_up(billed, "olga@advies.example", "Olga Advies")
    page = owner.text("/billing/consultancy/account")
    assert "Consultancy plan, per active client" in page and "Free trial" in page
    response = owner.submit("/billing/consultancy/checkout", {"action": "checkout"}, page="/billing/consultancy/account",
                            follow_redirects=True)
    assert "Add a client first" in response.get_data(as_text=True)

    create_client(owner, "zuid", "hanna@zuid.example")
    create_client(owner, "oost", "otto@oost.example")
    response = owner.submit("/billing/consultancy/checkout", {"action": "checkout"}, page="/billing/consultancy/account")
    assert response.status_code == 303
    [session] = fake_stripe.of_kind("checkout.session")
    assert session["line_items"] == [{"price": PRICE_CLIENT, "quantity": "2"}]
    deliver_all(billed.app.test_client(), fake_stripe.complete_checkout(session["id"]))
    subscription_id = fake_stripe.get(session["id"])["subscription"]
    account = account_named(billed, "Olga Advies")
    assert account.stripe_subscription_id == subscription_id and account.stripe_quantity == 2

    create_client(owner, "west", "wim@west.example")  # without Redis the sync job runs right after the commit
    assert fake_stripe.quantity(subscription_id) == 3
    assert archive(owner, "zuid", billed).status_code == 302
    assert fake_stripe.quantity(subscription_id) == 2
    assert restore(owner, "zuid", billed).status_code == 302
    assert fake_stripe.quantity(subscription_id) == 3
    updates = fake_stripe.calls("POST", f"/v1/subscriptions/{subscription_id}")
    assert [(u.params["items"][0]["quantity"], u.params["proration_behavior"]) for u in updates] == [
        ("3", "create_prorations"), ("2", "create_prorations"), ("3", "create_prorations")]
    # each change has a key of its own, derived from our own ids
    assert [u.idempotency_key for u in updates] == [
        f"koers-account-{account.id}-change-3-quantity-3", f"koers-account-{account.id}-change-4-quantity-2",
        f"koers-account-{account.id}-change-5-quantity-3"]
    page = owner.text("/billing/consultancy/account")
    assert "Active" in page and "€147.00" in page  # 3 clients × €49
    assert account_named(billed, "Olga Advies").stripe_quantity == 3


def test_a_consultancy_that_is_read_only_adds_and_restores_no_clients_but_archives(billed, fake_stripe):
    owner = sign_up(billed, "olga@advies.example", "Olga Advies")
    create_client(owner, "zuid", "hanna@zuid.example")
    with billed.session() as db:
        db.execute(update(BillingAccount).values(trial_ends_at=utcnow() - timedelta(days=1)))
    response = owner.submit("/billing/consultancy/clients/new", {
        "name": "Gemeente Noord", "slug": "noord", "country": "NL", "language": "nl",
        "admin_email": "noor@noord.example"})
    assert response.status_code == 200 and "free trial has ended" in response.get_data(as_text=True)
    assert tenant_id(billed, "noord") is None
    assert archive(owner, "zuid", billed).status_code == 302
    response = restore(owner, "zuid", billed)
    with billed.session(tenant_id(billed, "zuid")) as db:
        assert db.scalar(select(TenantBilling)).archived_at is not None
    # the client's members see that their consultancy is the one to ask
    page = owner.text("/t/zuid/")
    assert "Archived" in page
    with billed.session(tenant_id(billed, "zuid")) as db:
        db.execute(update(TenantBilling).values(archived_at=None))
    page = owner.text("/t/zuid/")
    assert "Trial ended" in page and "Go to the consultancy&#39;s billing page" in page
    with billed.session(tenant_id(billed, "zuid")) as db:
        state = entitlements.tenant_entitlement(db, db.get(Tenant, tenant_id(billed, "zuid")))
        assert (state.state, state.writable) == (entitlements.TRIAL_ENDED, False)


def test_the_demo_consultant_sees_regio_noord_on_her_dashboard(app, seed_demo):
    from saas.demo import DEMO_PASSWORD

    seed_demo()
    carla = app.test_client()
    carla.login("consultant@demo.example.org", DEMO_PASSWORD)
    page = carla.text("/billing/consultancy")
    assert "Smit Cultuuradvies" in page and "Sociale Dienst Regio Noord" in page and "Samen Koers" in page
    assert 'href="/t/regio-noord/"' in page
