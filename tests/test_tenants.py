"""Tenants: creating one, legacy organisations, invitations, roles, members, switching."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tenants.models import Invitation, Membership
from tests.helpers import link_in


@pytest.mark.smoke
def test_signed_in_user_creates_a_tenant_and_becomes_its_admin(client, make):
    make.user("ada@example.org")
    client.login("ada@example.org")
    response = client.submit("/tenants/new", {"name": "Sociale Dienst Oost", "slug": "oost", "country": "NL",
                                              "language": "nl"})
    assert response.headers["Location"] == "/t/oost/admin/legacy-orgs"
    assert client.get("/").headers["Location"] == "/t/oost/"  # one tenant: the start page is its home
    assert "Sociale Dienst Oost" in client.text("/t/oost/")
    assert "Beheerder" in client.text("/t/oost/")  # the tenant speaks Dutch, the user chose nothing


@pytest.mark.parametrize("slug", ["A", "ab", "-oost", "oost-", "oost dienst", "admin", "x" * 41])
def test_a_bad_web_address_is_refused_with_a_message(client, make, slug):
    make.user("ada@example.org")
    client.login("ada@example.org")
    response = client.submit("/tenants/new", {"name": "Oost", "slug": slug, "country": "NL", "language": "en"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert "Oost" not in client.text("/").split("My organisations")[-1].split("Create an organisation")[0]


def test_a_taken_web_address_is_refused(client, make):
    make.tenant("oost")
    make.user("ada@example.org")
    client.login("ada@example.org")
    page = client.submit("/tenants/new", {"name": "Other", "slug": "oost", "country": "NL", "language": "en"})
    assert "already in use" in page.get_data(as_text=True)


@pytest.mark.smoke
def test_admin_adds_edits_and_deletes_legacy_organisations(client, make):
    tenant = make.tenant("oost", legacy_orgs=())
    client.login(tenant.admin_email)
    for code, name in [("GRO", "Gemeente Groenlo"), ("HAV", "Gemeente Havelte"), ("IJS", "Gemeente IJsselmuiden")]:
        assert client.submit("/t/oost/admin/legacy-orgs", {"code": code, "name": name}).status_code == 302
    page = client.text("/t/oost/admin/legacy-orgs")
    assert all(n in page for n in ("Gemeente Groenlo", "Gemeente Havelte", "Gemeente IJsselmuiden"))
    duplicate = client.submit("/t/oost/admin/legacy-orgs", {"code": "gro", "name": "Something else"})
    assert "already has this code or name" in duplicate.get_data(as_text=True)
    with make.session(tenant.id) as db:
        from tenants.models import LegacyOrganisation

        gro = db.scalar(select(LegacyOrganisation).where(LegacyOrganisation.code == "GRO"))
    client.submit(f"/t/oost/admin/legacy-orgs/{gro.id}", {"code": "GRL", "name": "Gemeente Groenlo-Lichtenvoorde"})
    assert "Gemeente Groenlo-Lichtenvoorde" in client.text("/t/oost/admin/legacy-orgs")
    # a button's request that does not name the button (a stray or forged POST) changes nothing
    for stray in ({}, {"action": "remove"}):
        assert client.submit(f"/t/oost/admin/legacy-orgs/{gro.id}/delete", stray,
                             page="/t/oost/admin/legacy-orgs").status_code == 302
        assert "Groenlo" in client.text("/t/oost/admin/legacy-orgs")
    client.submit(f"/t/oost/admin/legacy-orgs/{gro.id}/delete", {"action": "delete", "confirmed": "yes"}, page="/t/oost/admin/legacy-orgs")
    assert "Groenlo" not in client.text("/t/oost/admin/legacy-orgs")
    assert client.get(f"/t/oost/admin/legacy-orgs/{gro.id}").status_code == 404  # loaded once, before the view


def test_a_legacy_organisation_in_use_cannot_be_deleted(client, make):
    tenant = make.tenant("oost")
    make.member(tenant, "bob@example.org", legacy_org_id=tenant.legacy_org_ids[0])
    client.login(tenant.admin_email)
    page = client.submit(f"/t/oost/admin/legacy-orgs/{tenant.legacy_org_ids[0]}/delete", {"action": "delete", "confirmed": "yes"},
                         page="/t/oost/admin/legacy-orgs", follow_redirects=True).get_data(as_text=True)
    assert "cannot be deleted" in page
    assert "Gemeente Aal" in page


def _invite(client, email="bob@example.org", roles=("member",), legacy_org_id=""):
    return client.submit("/t/oost/admin/invitations",
                         {"email": email, "roles": list(roles), "legacy_org_id": legacy_org_id})


@pytest.mark.smoke
def test_invitation_accepted_with_a_new_account(app, client, make):
    tenant = make.tenant("oost")
    client.login(tenant.admin_email)
    assert _invite(client, roles=("member", "sponsor"), legacy_org_id=tenant.legacy_org_ids[1]).status_code == 302
    [mail] = make.mails_to("bob@example.org")
    assert "Organisation oost" in mail.subject
    path = link_in(mail.body)

    bob = app.test_client()
    page = bob.text(path)
    assert "Create your account to accept" in page
    response = bob.submit(path, {"new-name": "Bob Smit", "new-password": "bobs long password"})
    assert response.headers["Location"] == "/t/oost/"
    dashboard = bob.text("/t/oost/")
    assert "Organisation oost" in dashboard and "Sponsor" in dashboard
    with make.session(tenant.id) as db:
        membership = db.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email="bob@example.org")))
        assert membership.roles == {"member", "sponsor"}
        assert membership.legacy_org_id == tenant.legacy_org_ids[1]
    # the inviter hears about it (a tenant job, run in-process here)
    assert any("joined" in m.subject for m in make.mails_to(tenant.admin_email))
    # the link works once
    assert "already been used" in bob.text(path)


def test_invitation_accepted_by_an_existing_account(app, client, make):
    tenant = make.tenant("oost")
    make.tenant("west", admin_email="carol@example.org")
    client.login(tenant.admin_email)
    _invite(client, email="carol@example.org", roles=("works_council",))
    path = link_in(make.mails_to("carol@example.org")[-1].body)
    carol = app.test_client()
    assert "Log in to accept" in carol.text(path)
    carol.login("carol@example.org")
    assert carol.submit(path, {"action": "accept"}).headers["Location"] == "/t/oost/"
    # she now switches between her two tenants
    home = carol.text("/")
    assert "Organisation oost" in home and "Organisation west" in home


def test_invitation_for_someone_else_cannot_be_taken(app, client, make):
    tenant = make.tenant("oost")
    make.user("mallory@example.org")
    client.login(tenant.admin_email)
    _invite(client, email="bob@example.org")
    path = link_in(make.mails_to("bob@example.org")[-1].body)
    mallory = app.test_client()
    mallory.login("mallory@example.org")
    assert "this invitation is for bob@example.org" in mallory.text(path)
    mallory.submit(path, {"action": "accept"})
    assert mallory.get("/t/oost/").status_code == 404


def test_expired_revoked_and_resent_invitations(app, client, make):
    tenant = make.tenant("oost")
    client.login(tenant.admin_email)
    _invite(client)
    first_path = link_in(make.mails_to("bob@example.org")[-1].body)
    with make.session(tenant.id) as db:
        invitation = db.scalar(select(Invitation))
        invitation.expires_at = invitation.expires_at - timedelta(days=30)
    assert "Expired" in client.text("/t/oost/admin/invitations")
    assert "has expired" in app.test_client().text(first_path)

    client.submit(f"/t/oost/admin/invitations/{invitation.id}/resend", {"action": "resend"}, page="/t/oost/admin/invitations")
    second_path = link_in(make.mails_to("bob@example.org")[-1].body)
    assert second_path != first_path
    assert app.test_client().get(first_path).status_code == 404  # the old link is dead
    assert "Create your account" in app.test_client().text(second_path)

    client.submit(f"/t/oost/admin/invitations/{invitation.id}/revoke", {"action": "revoke", "confirmed": "yes"}, page="/t/oost/admin/invitations")
    assert "Withdrawn" in client.text("/t/oost/admin/invitations")
    assert "was withdrawn" in app.test_client().text(second_path)


def test_inviting_an_existing_member_is_refused(client, make):
    tenant = make.tenant("oost")
    make.member(tenant, "bob@example.org")
    client.login(tenant.admin_email)
    assert "already a member" in _invite(client).get_data(as_text=True)


@pytest.mark.smoke
def test_admin_changes_roles_and_corrects_the_legacy_organisation(client, make):
    tenant = make.tenant("oost")
    membership_id = make.member(tenant, "bob@example.org", legacy_org_id=tenant.legacy_org_ids[0])
    client.login(tenant.admin_email)
    client.submit(f"/t/oost/admin/members/{membership_id}",
                  {"roles": ["management", "member"], "legacy_org_id": str(tenant.legacy_org_ids[2])})
    page = client.text("/t/oost/admin/members")
    assert "Central management" in page and "Gemeente Cur (oost)" in page
    client.submit(f"/t/oost/admin/members/{membership_id}", {"roles": ["member"], "legacy_org_id": ""})
    with make.session(tenant.id) as db:
        membership = db.get(Membership, membership_id)
        assert membership.roles == {"member"} and membership.legacy_org_id is None


def test_the_last_admin_cannot_be_removed_or_demoted(client, make):
    tenant = make.tenant("oost")
    client.login(tenant.admin_email)
    with make.session(tenant.id) as db:
        admin_id = db.scalar(select(Membership.id))
    page = client.submit(f"/t/oost/admin/members/{admin_id}", {"roles": ["member"], "legacy_org_id": ""})
    assert "at least one administrator" in page.get_data(as_text=True)
    page = client.submit(f"/t/oost/admin/members/{admin_id}/remove", {"action": "remove", "confirmed": "yes"}, page="/t/oost/admin/members",
                         follow_redirects=True)
    assert "at least one administrator" in page.get_data(as_text=True)


def test_removed_member_loses_access(app, client, make):
    tenant = make.tenant("oost")
    membership_id = make.member(tenant, "bob@example.org")
    bob = app.test_client()
    bob.login("bob@example.org")
    assert bob.get("/t/oost/").status_code == 200
    client.login(tenant.admin_email)
    client.submit(f"/t/oost/admin/members/{membership_id}/remove", {"action": "remove", "confirmed": "yes"}, page="/t/oost/admin/members")
    assert bob.get("/t/oost/").status_code == 404


def test_admin_may_raise_but_not_lower_the_minimum_group_size(client, make):
    tenant = make.tenant("oost")
    client.login(tenant.admin_email)
    page = client.submit("/t/oost/settings", {"name": "Oost", "country": "NL", "language": "en",
                                              "min_group_size": "3"})
    assert "from 5 to 1000" in page.get_data(as_text=True)
    client.submit("/t/oost/settings", {"name": "Oost", "country": "NL", "language": "en", "min_group_size": "8"})
    assert 'value="8"' in client.text("/t/oost/settings")


@pytest.mark.smoke
def test_consent_is_required_by_its_own_setting_which_the_country_does_not_change(app, client, make):
    from saas.surveys import service as surveys
    from tenants.models import Tenant
    from tests.helpers import works_council

    make.user("ada@example.org")
    client.login("ada@example.org")
    client.submit("/tenants/new", {"name": "Dienst West", "slug": "west", "country": "BE", "language": "en"})
    tenant = make.tenant("oost")  # Dutch: consent required from the start
    with make.session() as db:
        assert db.scalar(select(Tenant.consent_required).where(Tenant.slug == "west")) is False
        assert db.scalar(select(Tenant.consent_required).where(Tenant.slug == "oost")) is True
    make.member(tenant, "wim@oost.example", roles=["works_council"], name="Wim Council")
    admin, wim = app.test_client(), app.test_client()
    admin.login(tenant.admin_email)
    wim.login("wim@oost.example")

    # changing the country (and k) changes nothing about the consent; both are in the access log
    assert "consent is required before a survey or pulse check opens" in admin.text("/t/oost/settings")
    admin.submit("/t/oost/settings", {"name": "Oost", "country": "BE", "language": "en", "min_group_size": "6"})
    with make.session(tenant.id) as db:
        row = db.get(Tenant, tenant.id)
        assert (row.country, row.min_group_size, row.consent_required) == ("BE", 6, True)
        wave = surveys.create_wave(db, name="Nulmeting")
        with pytest.raises(surveys.ConsentMissing):
            surveys.open_wave(db, row, wave)

    # the admin may not turn it off; the works council may, and the admin may turn it on again
    assert "Only a member of the works council can stop requiring its consent." in admin.text("/t/oost/consent")
    refused = admin.submit("/t/oost/consent", {"required": "off"})
    assert refused.status_code == 200 and 'value="off"' not in refused.get_data(as_text=True)
    with make.session() as db:
        assert db.get(Tenant, tenant.id).consent_required is True
    page = wim.text(wim.submit("/t/oost/consent", {"required": "off"}).headers["Location"])
    assert "no longer required" in page
    with make.session() as db:
        assert db.get(Tenant, tenant.id).consent_required is False
    admin.submit("/t/oost/consent", {"required": "on"})
    with make.session() as db:
        assert db.get(Tenant, tenant.id).consent_required is True
    assert wim.get("/t/oost/settings").status_code == 403  # the works council only has its own switch

    # a works council member reads every change in the access log, in words
    log = wim.text("/t/oost/reports/access-log")
    rows = [row for row in log.split("<tbody>", 1)[1].split("<tr>") if "setting changed" in row]
    assert len(rows) == 4
    assert "Works council consent required: yes → no" in rows[1] and "Wim Council (wim@oost.example)" in rows[1]
    assert "Works council consent required: no → yes" in rows[0] and tenant.admin_email in rows[0]
    assert any("Country: NL → BE" in row for row in rows) and any("Minimum group size (k): 5 → 6" in row for row in rows)
    assert all("The organisation&#39;s settings" in row or "The organisation's settings" in row for row in rows)
    with make.session(tenant.id) as db:
        assert works_council(db).user.email == "wim@oost.example"


def test_a_person_without_a_legacy_organisation_is_invited_and_saved_as_the_page_offers(client, make):
    """The default "None, or joined after the merger" is what the page sends back unchanged: the admin's first
    invitation and saving the admin's own record (no legacy organisation) must work with it."""
    tenant = make.tenant("oost")
    client.login(tenant.admin_email)
    form = client.form_on("/t/oost/admin/invitations")
    form.update({"email": "bob@example.org", "roles": ["member"]})
    page = client.post("/t/oost/admin/invitations", data=form, follow_redirects=True).get_data(as_text=True)
    assert "An invitation has been sent to bob@example.org" in page
    assert make.mails_to("bob@example.org")

    with make.session(tenant.id) as db:
        admin_id = db.scalar(select(Membership.id))
    edit = f"/t/oost/admin/members/{admin_id}"
    form = client.form_on(edit)
    assert "admin" in form["roles"]
    page = client.post(edit, data=form, follow_redirects=True).get_data(as_text=True)
    assert "The changes have been saved" in page
    with make.session(tenant.id) as db:
        assert db.get(Membership, admin_id).legacy_org_id is None


def test_removing_a_person_asks_first_and_one_post_without_the_confirmation_changes_nothing(client, make):
    tenant = make.tenant("oost")
    membership_id = make.member(tenant, "bob@example.org", name="Bob Smit")
    client.login(tenant.admin_email)
    remove = f"/t/oost/admin/members/{membership_id}/remove"
    # the button on the list leads to the confirmation page, which says what will happen
    assert f'<form method="get" action="{remove}"' in client.text("/t/oost/admin/members")
    page = client.text(remove)
    assert "Remove Bob Smit from Organisation oost?" in page and "loses access to this organisation at once" in page

    # one click from an old page or a stray request (no confirmation) changes nothing and says why
    response = client.submit(remove, {"action": "remove"}, page="/t/oost/admin/members")
    assert response.status_code == 303 and response.headers["Location"] == remove
    assert "Nothing has been changed yet: please confirm below." in client.text(remove)
    with make.session(tenant.id) as db:
        assert db.get(Membership, membership_id) is not None

    # the button on the confirmation page does it
    page = client.post(remove, data=client.form_on(remove), follow_redirects=True).get_data(as_text=True)
    assert "The member has been removed from the organisation." in page and "Bob Smit" not in page
    with make.session(tenant.id) as db:
        assert db.get(Membership, membership_id) is None


def test_withdrawing_an_invitation_and_deleting_a_legacy_organisation_ask_first(client, make):
    tenant = make.tenant("oost")
    client.login(tenant.admin_email)
    _invite(client)
    with make.session(tenant.id) as db:
        invitation_id = db.scalar(select(Invitation.id))
    revoke = f"/t/oost/admin/invitations/{invitation_id}/revoke"
    assert "The link in the invitation mail stops working at once." in client.text(revoke)
    client.submit(revoke, {"action": "revoke"}, page="/t/oost/admin/invitations")
    assert "Withdrawn" not in client.text("/t/oost/admin/invitations")
    client.post(revoke, data=client.form_on(revoke))
    assert "Withdrawn" in client.text("/t/oost/admin/invitations")

    delete = f"/t/oost/admin/legacy-orgs/{tenant.legacy_org_ids[2]}/delete"
    assert "This cannot be undone" in client.text(delete)
    client.submit(delete, {"action": "delete"}, page="/t/oost/admin/legacy-orgs")
    assert "Gemeente Cur" in client.text("/t/oost/admin/legacy-orgs")
    client.post(delete, data=client.form_on(delete))
    assert "Gemeente Cur" not in client.text("/t/oost/admin/legacy-orgs")
