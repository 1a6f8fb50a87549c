"""Languages: complete Dutch and English catalogues, and which language a page is shown in.

The catalogue test extracts the messages from the source as it is now, so it fails as soon as someone
adds a `_("...")` without running `.venv/bin/python -m saas.translations.update` and translating.
"""
from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from sqlalchemy import select

from saas.translations import update

pytestmark = pytest.mark.smoke

LOCALES = ("nl", "en")
REFRESH = ".venv/bin/python -m saas.translations.update"
# %(name)s, %(num)d, %(ratio).1f ...: the name together with its conversion must survive translation.
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


# ---- the catalogues ---------------------------------------------------------------------------

def _read(path) -> Catalog:
    with open(path, "rb") as handle:
        return read_po(handle)


def _msgid(message) -> str:
    return message.id[0] if isinstance(message.id, (list, tuple)) else message.id


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def missing_translations(template: Catalog, catalogue: Catalog) -> list[str]:
    """Msgids of `template` that `catalogue` lacks, leaves (partly) empty, or marks fuzzy."""
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id)
        if translated is None or translated.fuzzy or not all(_strings(translated)) \
                or len(_strings(translated)) < (catalogue.num_plurals if message.pluralizable else 1):
            missing.append(_msgid(message))
    return missing


@pytest.fixture(scope="module")
def current_messages(tmp_path_factory) -> Catalog:
    """The messages in the source right now, extracted with the project's babel.cfg."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    update.extract(pot)
    return _read(pot)


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """The .mo files are git-ignored build output: compile them if missing or older than the .po."""
    for locale in LOCALES:
        po = update.catalogue_path(locale)
        mo = po.with_suffix(".mo")
        if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
            update.compile_catalogues()
            break


def test_every_message_has_a_dutch_and_english_translation(current_messages):
    assert len(current_messages) > 50, "extraction found suspiciously few messages; check babel.cfg"
    problems = []
    for locale in LOCALES:
        path = update.catalogue_path(locale)
        if not path.exists():
            problems.append(f"{path} does not exist")
            continue
        missing = missing_translations(current_messages, _read(path))
        if missing:
            problems.append(f"{locale}: {len(missing)} message(s) without a translation (or fuzzy) in {path}:\n"
                            + "\n".join(f"    {msgid!r}" for msgid in missing))
    assert not problems, (f"Run `{REFRESH}`, translate the new entries in the nl catalogue and run it again.\n"
                          + "\n".join(problems))


def test_the_check_notices_a_message_added_to_the_source():
    """The check above really looks at new messages, at every plural form and at fuzzy entries."""
    nl = _read(update.catalogue_path("nl"))
    grown = _read(update.POT)
    grown.add("A brand-new sentence nobody translated yet.")
    assert "A brand-new sentence nobody translated yet." in missing_translations(grown, nl)

    plural = next(m for m in nl if m.pluralizable)
    plural.string = (plural.string[0], "")
    some = next(m for m in nl if m.id and not m.pluralizable)
    some.flags.add("fuzzy")
    assert {_msgid(plural), some.id} <= set(missing_translations(grown, nl))


def _placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


def test_placeholders_survive_translation():
    wrong = []
    for locale in LOCALES:
        for message in _read(update.catalogue_path(locale)):
            if not message.id:
                continue
            sources = list(message.id) if message.pluralizable else [message.id]
            for index, string in enumerate(_strings(message)):
                source = sources[min(index, len(sources) - 1)]  # form 0 is the singular, the rest plural
                if string and _placeholders(string) != _placeholders(source):
                    wrong.append(f"{locale}: {source!r} -> {string!r}")
    assert not wrong, "placeholders differ between message and translation:\n" + "\n".join(wrong)


def test_dutch_catalogue_has_dutch_plural_forms():
    nl = _read(update.catalogue_path("nl"))
    assert nl.num_plurals == 2
    assert nl.plural_expr.replace(" ", "") == "(n!=1)"


# ---- which language a page is in ---------------------------------------------------------------

def _accept(client, language: str) -> None:
    """From now on the browser sends this Accept-Language with every request."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language


def _locale_of(make, email: str) -> str | None:
    from saas.auth.models import User

    with make.session() as db:
        return db.scalar(select(User.locale).where(User.email == email))


def test_anonymous_visitor_gets_the_login_page_in_the_browsers_language(client):
    _accept(client, "nl-NL,nl;q=0.9,en;q=0.5")
    page = client.text("/login")
    assert '<html lang="nl">' in page
    assert "<h1>Inloggen</h1>" in page
    assert "Wachtwoord vergeten?" in page
    assert "Forgot your password?" not in page

    _accept(client, "en-GB,en;q=0.9")
    page = client.text("/login")
    assert "<h1>Log in</h1>" in page
    assert "Inloggen" not in page


def test_unsupported_browser_language_falls_back_to_english(client):
    _accept(client, "fr-FR,fr;q=0.9")
    assert "<h1>Log in</h1>" in client.text("/login")


def test_header_switch_changes_the_language_for_an_anonymous_visitor(client):
    _accept(client, "en")
    assert "<h1>Log in</h1>" in client.text("/login")

    response = client.submit("/language", {"language": "nl", "next": "/login"}, page="/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.text("/login")
    assert "<h1>Inloggen</h1>" in page, "the switch beats the browser's language"
    assert "Account aanmaken" in page

    client.submit("/language", {"language": "en", "next": "/login"}, page="/login")
    assert "<h1>Log in</h1>" in client.text("/login")


def test_header_switch_ignores_an_unknown_language(client):
    _accept(client, "nl")
    client.submit("/language", {"language": "xx"}, page="/login")
    assert "<h1>Inloggen</h1>" in client.text("/login")


def test_tenant_language_beats_the_browsers_language(client, make):
    dutch = make.tenant("noord", language="nl")
    _accept(client, "en")
    client.login(dutch.admin_email)
    page = client.text("/t/noord/")
    assert "Ontstaan uit" in page
    assert "Overzicht" in page
    assert "Formed from" not in page

    english = make.tenant("zuid", language="en")
    make.member(english, dutch.admin_email, roles=("member",))
    _accept(client, "nl")
    page = client.text("/t/zuid/")
    assert "Formed from" in page
    assert "Ontstaan uit" not in page


def test_users_own_choice_beats_the_tenant_and_the_browser(client, app, make):
    from tests.helpers import KoersClient

    dutch = make.tenant("noord", language="nl")
    _accept(client, "nl")
    client.login(dutch.admin_email)
    assert "Ontstaan uit" in client.text("/t/noord/")

    response = client.submit("/language", {"language": "en", "next": "/t/noord/"}, page="/account")
    assert response.headers["Location"] == "/t/noord/"
    assert _locale_of(make, dutch.admin_email) == "en", "the choice is remembered on the account"
    page = client.text("/t/noord/")
    assert "Formed from" in page
    assert "Ontstaan uit" not in page

    # Another browser, Dutch tenant, Dutch browser: still the user's English.
    other = app.test_client()
    assert isinstance(other, KoersClient)
    _accept(other, "nl")
    other.login(dutch.admin_email)
    page = other.text("/t/noord/")
    assert "Formed from" in page
    assert "<h1>Log in</h1>" not in page


def test_language_chosen_in_account_settings_is_used(client, make):
    make.user("ada@example.org", locale="nl")
    _accept(client, "en")
    client.login("ada@example.org")
    page = client.text("/account")
    assert "Je account" in page
    assert "Your account" not in page


def test_login_keeps_the_language_a_visitor_chose_before(client, make):
    make.user("ada@example.org")
    _accept(client, "en")
    client.submit("/language", {"language": "nl"}, page="/login")
    client.login("ada@example.org")
    assert "Mijn organisaties" in client.text("/")


# ---- errors --------------------------------------------------------------------------------------

def test_error_pages_are_in_the_users_language(client, make):
    _accept(client, "nl")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Pagina niet gevonden" in page
    assert "De pagina bestaat niet, of je hebt er geen toegang toe." in page
    assert "Naar de startpagina" in page
    assert "Page not found" not in page

    _accept(client, "en")
    page = client.text("/no/such/page", expect=404)
    assert "Page not found" in page

    make.user("ada@example.org", locale="nl")
    client.login("ada@example.org")
    page = client.text("/t/nobody-has-this/", expect=404)
    assert "Pagina niet gevonden" in page, "a signed-in user's own language, whatever the browser says"


def test_json_problems_are_in_the_users_language(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json", "Accept-Language": "nl"})
    assert response.status_code == 404
    assert response.get_json()["title"] == "Pagina niet gevonden"
