"""Mails from templates (saas.kernel.mail): every kind in Dutch and English, with a text and an HTML
part, and links that are absolute, on BASE_URL and lead to a real page, whoever makes the mail.

Delivery through SMTP with both parts: tests/test_jobs.py; the links followed in real flows:
test_accounts, test_tenants, test_waves_admin, test_leadership, test_programme and others.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from flask import g, request, url_for
from markupsafe import escape

from saas.kernel.config import ROOT, Settings
from saas.kernel.mail import paragraphs, render_mail


BASE_URL = "https://mail.koers.example"  # not the host a request or the test client comes in on
TOKEN = "tok3n-of-43-characters_abcdefghijklmnopqrst"
TENANT = SimpleNamespace(name="Gemeente Oost & Zn", slug="oost", language="nl")
WAVE = SimpleNamespace(name="Koersmeting 2027", closes_on=date(2027, 3, 1))
PERSON = SimpleNamespace(name="Ada <Lovelace>", email="ada@oost.example")

# kind → (its context, the endpoint its link leads to, the arguments the link carries)
KINDS = {
    "pulse_invitation": (dict(name="Ada", tenant=TENANT, token=TOKEN, closes_on=date(2027, 3, 1), k=5),
                         "leadership.pulse_link", {"slug": "oost", "pulse_token": TOKEN}),
    "pulse_reminder": (dict(name="Ada", tenant=TENANT, token=TOKEN, closes_on=date(2027, 3, 1), k=5),
                       "leadership.pulse_link", {"slug": "oost", "pulse_token": TOKEN}),
    "feedback_self": (dict(name="Ada", manager="Bert", tenant=TENANT, token=TOKEN, closes_on=date(2027, 3, 1)),
                      "leadership.feedback_link", {"slug": "oost", "feedback_token": TOKEN}),
    "feedback_invitation": (dict(name="Ada", manager="Bert", tenant=TENANT, token=TOKEN,
                                 closes_on=date(2027, 3, 1)),
                            "leadership.feedback_link", {"slug": "oost", "feedback_token": TOKEN}),
    "feedback_reminder": (dict(name="Ada", manager="Bert", tenant=TENANT, token=TOKEN, closes_on=date(2027, 3, 1)),
                          "leadership.feedback_link", {"slug": "oost", "feedback_token": TOKEN}),
    "survey_invitation": (dict(name="Ada", tenant=TENANT, wave=WAVE, token=TOKEN, k=7, minutes=17),
                          "respond.personal_link", {"slug": "oost", "survey_token": TOKEN}),
    "survey_reminder": (dict(name="Ada", tenant=TENANT, wave=WAVE, token=TOKEN, k=7),
                        "respond.personal_link", {"slug": "oost", "survey_token": TOKEN}),
    "member_joined": (dict(member=PERSON, tenant=TENANT), "tenant.members", {"slug": "oost"}),
    "password_reset": (dict(token=TOKEN), "auth.reset_password", {"token": TOKEN}),
    "account_invitation": (dict(inviter=PERSON, tenant=TENANT, token=TOKEN,
                                expires_at=datetime(2027, 3, 1, 12, tzinfo=timezone.utc)),
                           "tenant.accept_invitation", {"slug": "oost", "token": TOKEN}),
    "verify_email": (dict(name="Ada", token=TOKEN), "auth.verify_email", {"token": TOKEN}),
    "signup_attempt": (dict(), "auth.forgot_password", {}),
    "consultant_invitation": (dict(inviter=PERSON, consultancy=SimpleNamespace(name="Olga Advies"), email=PERSON.email,
                                   token=TOKEN, expires_at=datetime(2027, 3, 1, 12, tzinfo=timezone.utc)),
                              "billing_public.accept_consultant_invitation", {"token": TOKEN}),
    "notification": (dict(notice_subject="Bert steunt je thema", notice_body="Bert steunt nu het thema Klant.",
                          link_path="/t/oost/admin/members"), "tenant.members", {"slug": "oost"}),
}
LINK = re.compile(r"https?://\S+")


@pytest.fixture(scope="module")
def app():
    from saas import create_app

    return create_app(Settings(env="test", secret_key="test-secret-key", base_url=BASE_URL), testing=True)


def _link(app, url: str) -> tuple[str, dict]:
    """The endpoint and arguments a link leads to: it must be on BASE_URL and match a route."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE_URL, url
    return app.url_map.bind(parts.netloc, url_scheme=parts.scheme).match(parts.path)


@pytest.mark.parametrize("locale", ["nl", "en"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_mail_has_both_parts_in_the_language_and_a_link_on_base_url(app, kind, locale):
    context, endpoint, arguments = KINDS[kind]
    with app.app_context():
        mail = render_mail(kind, locale=locale, **context)
    assert mail.subject and "\n" not in mail.subject
    [link] = LINK.findall(mail.text)  # one link, absolute
    assert _link(app, link) == (endpoint, arguments)
    # the HTML part: a page in the recipient's language with the same link, clickable, and the same words
    assert f'<html lang="{locale}">' in mail.html and f"<title>{escape(mail.subject)}</title>" in mail.html
    assert f'<a href="{link}"' in mail.html
    assert "<img" not in mail.html and "<script" not in mail.html
    first_words = mail.text.split("\n", 1)[0].split(" ")[0].rstrip(",")
    assert first_words in mail.html


@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"notification"}))  # a notice's text comes translated
def test_dutch_and_english_differ(app, kind):
    context = KINDS[kind][0]
    with app.app_context():
        dutch, english = (render_mail(kind, locale=locale, **context) for locale in ("nl", "en"))
    assert dutch.subject != english.subject and dutch.text != english.text


def test_the_wording_of_the_text_part_is_that_of_before(app):
    """As before, but with the wave's own estimate of its length (issue 20.5), no longer a fixed "ten minutes"."""
    with app.app_context():
        mail = render_mail("survey_invitation", locale="en", **KINDS["survey_invitation"][0])
    assert mail.subject == "Survey: Koersmeting 2027"
    assert mail.text == (
        'Dear Ada,\n\nGemeente Oost & Zn asks you to take part in the survey "Koersmeting 2027". Answering takes '
        "about 17 minutes; you can stop halfway and carry on later with the same link.\n\nYour personal link:\n"
        f"{BASE_URL}/t/oost/survey/{TOKEN}\n\nThe survey closes on March 1, 2027.\n\nYour answers are anonymous: "
        "they are stored without your name, your e-mail address or this link, and reports only show groups of "
        "at least 7 people. Nobody can see which answers are yours.\n\nThis link is meant for you only; please "
        "do not forward this mail.")


def test_links_are_on_base_url_in_a_page_on_another_host_and_the_page_keeps_its_own_request(app):
    from saas.surveys.invitations import open_link

    with app.test_request_context("/t/oost/admin/members", base_url="http://127.0.0.1:8000"):
        g.marker = "the page's"
        link_path = url_for("tenant.members", slug="oost")  # as a page makes it for a notification
        mail = render_mail("notification", locale="en", notice_subject="s", notice_body="b", link_path=link_path)
        assert mail.text.endswith(f"\n\n{BASE_URL}/t/oost/admin/members")
        assert open_link(app.config["KOERS"], TENANT, TOKEN) == f"{BASE_URL}/t/oost/survey/open/{TOKEN}"
        assert request.host_url == "http://127.0.0.1:8000/" and g.marker == "the page's"


def test_names_are_escaped_in_html_and_kept_as_they_are_in_text(app):
    with app.app_context():
        mail = render_mail("member_joined", locale="en", member=PERSON, tenant=TENANT)
    assert mail.text.startswith("Ada <Lovelace> (ada@oost.example) accepted your invitation")
    assert "Ada &lt;Lovelace&gt;" in mail.html and "<Lovelace>" not in mail.html
    assert "Gemeente Oost &amp; Zn" in mail.html


def test_paragraphs():
    html = paragraphs("Dear <b>,\n\nLine one\nhttps://x.example/a?b=1&c=2\n\n\nEnd")
    assert html == ('<p>Dear &lt;b&gt;,</p>\n<p>Line one<br>\n<a href="https://x.example/a?b=1&amp;c=2">'
                    'https://x.example/a?b=1&amp;c=2</a></p>\n<p>End</p>')


def test_every_mail_template_has_both_parts_and_is_tested_here():
    folder = ROOT / "templates" / "mail"
    kinds = {path.stem for path in folder.glob("*.txt") if not path.stem.startswith("_")}
    assert kinds == set(KINDS)
    assert kinds == {path.stem for path in folder.glob("*.html") if not path.stem.startswith("_")}


SOURCE_FOLDERS = ("saas", "tenants", "workers", "billing")
# An f-string that builds a link by hand: "{settings.base_url}/..." or "/t/{tenant.slug}/...".
HAND_BUILT = re.compile(r"""f["'][^"'\n]*(?:base_url\}|/t/\{)""")
NOT_A_LINK = re.compile(r"""path=f["']/t/\{""")  # a cookie's path (saas/surveys/answering/views.py) is no link


def test_no_link_is_built_by_hand():
    found = []
    for folder in SOURCE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if HAND_BUILT.search(line) and not NOT_A_LINK.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "build links with url_for(..., _external=True) (saas.kernel.mail)"


def test_in_development_without_base_url_links_lead_to_the_port_the_server_runs_on(monkeypatch):
    """`PORT=5101 make run` (as the README says): without BASE_URL the mailed links must be on :5101 too."""
    from saas import create_app

    monkeypatch.setenv("KOERS_ENV", "development")
    monkeypatch.setenv("SECRET_KEY", "s")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("PORT", "5101")
    monkeypatch.delenv("BASE_URL", raising=False)
    settings = Settings.from_env()
    assert settings.base_url == "http://127.0.0.1:5101"
    development = create_app(settings, testing=True)
    with development.app_context():
        mail = render_mail("password_reset", locale="nl", token=TOKEN)
    [link] = LINK.findall(mail.text)
    assert link.startswith("http://127.0.0.1:5101/") and link.endswith(TOKEN)

    monkeypatch.setenv("BASE_URL", "https://koers.example.org/")  # a BASE_URL that is set wins
    assert Settings.from_env().base_url == "https://koers.example.org"
    monkeypatch.delenv("BASE_URL")
    monkeypatch.setenv("KOERS_ENV", "production")  # production: never guessed from a port
    assert Settings.from_env().base_url == "http://127.0.0.1:5000"
