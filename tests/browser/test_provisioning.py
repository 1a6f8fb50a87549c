"""A tenant's administrator sets up SCIM provisioning in a real browser, in Dutch and English: from the settings
page to the provisioning page, a token made after a confirmation and shown once, which the identity provider
then uses against the live endpoint, and a group mapped to a role. axe-core checks every page on the way."""
from __future__ import annotations

import json
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request, urlopen

import pytest
from playwright.sync_api import expect
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"link": "Provisioning (SCIM)",
           "make": "Make a token", "confirm": "Make a new token", "shown": "copy it): ", "group": "Group name in the identity provider",
           "gives": "Gives", "add": "Add", "role": "Works council"},
    "nl": {"link": "Provisioning (SCIM)",
           "make": "Token maken", "confirm": "Nieuw token maken", "shown": "kopieer het): ",
           "group": "Groepsnaam in de identity provider", "gives": "Geeft", "add": "Toevoegen", "role": "Ondernemingsraad"},
}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_admin_connects_the_identity_provider(page, make, live_server, language):
    words = WORDS[language]
    make.user("admin@oost.example", locale=language)
    make.tenant("oost", "admin@oost.example", language=language)
    page.goto("/login")  # in the browser's language (English); after it, in the account's
    page.get_by_label("E-mail address").fill("admin@oost.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))
    page.goto("/t/oost/settings")
    page.click_and_wait(page.get_by_role("link", name=words["link"]))
    expect(page.get_by_role("main")).to_contain_text("/t/oost/scim/v2")
    page.click_and_wait(page.get_by_role("link", name=words["make"]))
    page.click_and_wait(page.get_by_role("button", name=words["confirm"]))
    status = page.get_by_role("status").inner_text()
    token = status.split(words["shown"])[1].strip()
    request = Request(f"{live_server}/t/oost/scim/v2/Users", headers={"Authorization": f"Bearer {token}"})
    listing = json.loads(urlopen(request, timeout=30).read())
    assert listing["totalResults"] == 0
    page.goto("/t/oost/admin/provisioning")
    expect(page.get_by_role("main")).not_to_contain_text(token)  # shown once
    page.get_by_label(words["group"]).fill("OR-leden")
    page.get_by_label(words["gives"]).select_option(label=words["role"])
    page.click_and_wait(page.get_by_role("button", name=words["add"], exact=True))
    expect(page.get_by_role("table")).to_contain_text("OR-leden")


def http_proxy(base_url: str):
    """A WSGI app that sends each request over HTTP to `base_url`: scim2-tester's WSGI engine drives it, so the
    checker talks to the live server through real sockets (no other HTTP client library needed)."""
    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        query = environ.get("QUERY_STRING")
        url = base_url + quote(environ["PATH_INFO"]) + (f"?{query}" if query else "")
        try:
            response = urlopen(Request(url, data=body, headers=headers, method=environ["REQUEST_METHOD"]), timeout=60)
        except HTTPError as error:
            response = error
        start_response(f"{response.status} {response.reason}",
                       [(k, v) for k, v in response.headers.items() if k.lower() not in ("connection", "transfer-encoding")])
        return [response.read()]

    return app


def test_scim2_tester_passes_against_the_live_endpoint(make, live_server):
    from saas.scim import service

    tenant = make.tenant("oost")
    with make.session(tenant.id) as db:
        token = service.new_token(db)
    scim = WSGISCIMClient(http_proxy(live_server), base_url="http://localhost/t/oost/scim/v2",
                          headers={"Authorization": f"Bearer {token}"})
    results = check_server(scim)
    failed = [f"{r.status.name} {r.title}: {r.reason}" for r in results
              if r.status in (Status.ERROR, Status.CRITICAL, Status.DEVIATION)]
    assert not failed, "\n".join(failed)
    assert sum(r.status == Status.SUCCESS for r in results) > 20
