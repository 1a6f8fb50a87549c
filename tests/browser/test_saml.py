"""SAML 2.0 sign-in in a real browser against a real identity provider (pysaml2's own IdP on loopback,
tests/saml_idp.py): the admin configures it on the settings page (axe-checked in both languages), a person
signs in at the identity provider's page and lands in the tenant. The identity provider is served as
`localhost` and Koers as 127.0.0.1, different sites: its answer arrives as a cross-site POST without Koers's
SameSite=Lax session cookie, as from any real identity provider."""
from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from saas.auth.models import User
from tenants.models import Membership
from tests.helpers import PASSWORD
from tests.saml_idp import IdentityProvider

pytestmark = pytest.mark.browser


@pytest.fixture
def idp(tmp_path):
    started = IdentityProvider(tmp_path, {
        "anna": {"mail": ["anna@fusie.example"], "displayName": ["Anna de Vries"], "legacyOrg": ["BEE"]}})
    yield started
    started.stop()


def test_a_person_signs_in_through_the_saml_identity_provider(page, new_page, make, live_server, idp):
    tenant = make.tenant("fusie", admin_email="admin@fusie.example", name="Gemeente Fusie")

    # The admin chooses SAML on the settings page and gives the identity provider's metadata address.
    page.goto("/login")
    page.get_by_label("E-mail address").fill("admin@fusie.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.locator("form:has(#password) button[type=submit]"))
    page.goto("/t/fusie/settings")
    page.click_and_wait(page.get_by_role("link", name="Single sign-on"))
    expect(page.get_by_role("main")).to_contain_text(f"{live_server}/t/fusie/sso/saml/acs")
    page.get_by_label("SAML 2.0").check()
    page.get_by_label("Name of the sign-in service").fill("Fusie SAML")
    page.get_by_label("Address of the identity provider's SAML metadata").fill(idp.entity_id)
    page.get_by_label("Claim with the e-mail address").fill("mail")
    page.get_by_label("Claim with the legacy organisation (optional)").fill("legacyOrg")
    page.get_by_label(re.compile("only hands out addresses of this organisation")).check()
    page.click_and_wait(page.get_by_role("button", name="Save"))
    expect(page.get_by_role("status")).to_contain_text("The single sign-on settings have been saved.")
    expect(page.get_by_role("main")).to_contain_text(f"The metadata of the identity provider {idp.entity_id} is set.")
    page.click_and_wait(page.get_by_role("button", name="Nederlands"))  # the same page, in Dutch, axe-checked
    expect(page.get_by_role("main")).to_contain_text("Adres van de SAML-metadata van de identity provider")
    page.click_and_wait(page.get_by_role("button", name="English"))

    # The identity provider's admin registers Koers by its metadata address.
    idp.trust(requests.get(f"{live_server}/t/fusie/sso/saml/metadata", timeout=10).text)

    # Anna, in her own browser, signs in at her identity provider's page.
    anna = new_page()
    anna.goto("/t/fusie/sso/login")
    expect(anna.get_by_role("heading", level=1)).to_have_text("Sign in to Gemeente Fusie")
    anna.get_by_role("button", name="Sign in with Fusie SAML").click()
    anna.page.wait_for_url(re.compile(r"^http://localhost:\d+/sso\?SAMLRequest="))
    anna.page.get_by_label("Who are you?").fill("anna")
    anna.page.get_by_role("button", name="Sign in here").click()
    anna.page.get_by_role("button", name="Continue").click()  # the identity provider's page posts the answer
    anna.page.wait_for_url(re.compile(r"/t/fusie/$"))
    anna.check_a11y()
    expect(anna.get_by_role("status")).to_contain_text("You are signed in through Fusie SAML.")
    expect(anna.get_by_role("heading", level=1)).to_have_text("Gemeente Fusie")

    with make.session(tenant.id) as db:
        user = db.scalar(select(User).where(User.email == "anna@fusie.example"))
        membership = db.scalar(select(Membership).where(Membership.user_id == user.id))
    assert user.name == "Anna de Vries" and membership.legacy_org_id == tenant.legacy_org_ids[1]
