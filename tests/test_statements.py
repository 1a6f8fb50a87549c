"""Published statements (issue 19, point 7): each organisation's privacy statement for its staff and its
accessibility statement, and the platform's own, public and in both languages, linked from every page's footer."""
import pytest

from saas.kernel.config import ConfigError, Settings, parse_subprocessors
from saas.statements import service


def test_an_organisations_privacy_statement_says_who_what_how_long_where_and_with_whom(app, make, client):
    make.tenant("oost", name="Gemeente Oost-Veluwe")
    page = client.text("/t/oost/privacy")  # no sign-in needed
    assert "Privacy statement: Gemeente Oost-Veluwe" in page
    assert "Gemeente Oost-Veluwe is the controller" in page and "run on its behalf by the operator of this Koers service as processor" in page
    assert "groups of at least 5 people" in page  # the organisation's k, as its anonymity setting says
    assert "Personal data of people who left" in page and "90 days" in page  # the retention periods
    assert "in the European Union" in page
    # the sub-processors: hosting and mail by default, Stripe only while billing is on (it is off here)
    assert "The hosting provider of this Koers service" in page and "e-mail delivery service" in page
    assert "Stripe" not in page
    # the footer of every page of the organisation links its statements; elsewhere the platform's
    assert 'href="/t/oost/privacy"' in page and 'href="/t/oost/accessibility"' in page
    login = client.text("/login")
    assert 'href="/privacy"' in login and 'href="/accessibility"' in login


def test_the_statements_in_dutch_and_the_platforms_own(app, make, client):
    make.tenant("oost", name="Gemeente Oost")
    client.submit("/language", {"language": "nl", "next": "/login"}, page="/login")
    page = client.text("/t/oost/privacy")
    assert "Privacyverklaring: Gemeente Oost" in page and "Subverwerkers" in page and "90 dagen" in page
    page = client.text("/t/oost/accessibility")
    assert "Toegankelijkheidsverklaring: Gemeente Oost" in page and "WCAG 2.1" in page and "Bekende beperkingen" in page
    client.submit("/language", {"language": "en", "next": "/login"}, page="/login")
    page = client.text("/privacy")
    assert "the accounts of this Koers service" in page and "Who is responsible" in page
    page = client.text("/accessibility")
    assert "axe-core" in page and "Known limitations" in page and "not tagged PDFs" in page
    assert client.get("/t/does-not-exist/privacy").status_code == 404


def test_the_sub_processors_and_the_operator_come_from_the_platforms_settings(stack, database):
    from saas import create_app
    from tests.conftest import settings_for
    from tests.helpers import KoersClient

    configured = settings_for(stack, operator_name="Koers Hosting B.V.", privacy_contact="privacy@koers.example",
                              subprocessors=parse_subprocessors("Hetzner Online GmbH | hosting | Germany (EU); "
                                                                "Mailgun | e-mail | Germany (EU)"))
    app = create_app(configured, database=database, testing=True)
    app.test_client_class = KoersClient
    page = app.test_client().text("/privacy")
    assert "This Koers service is run by Koers Hosting B.V." in page and "privacy@koers.example" in page
    assert "Hetzner Online GmbH" in page and "Mailgun" in page and "The hosting provider" not in page


@pytest.mark.smoke
def test_sub_processors_are_parsed_strictly_and_stripe_is_listed_only_with_billing():
    assert parse_subprocessors(" A | b | c ;; D|e|f ") == (("A", "b", "c"), ("D", "e", "f"))
    with pytest.raises(ConfigError, match="name | purpose | location"):
        parse_subprocessors("Hetzner | hosting")
    names = [str(entry.name) for entry in service.subprocessors(Settings(stripe_secret_key="sk_test_x"))]
    assert "Stripe Payments Europe, Ltd." in names and len(names) == 3
    assert len(service.subprocessors(Settings())) == 2
