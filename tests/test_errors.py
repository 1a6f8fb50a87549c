"""Error pages (400, 403, 404, 500) in the user's language, as pages or JSON problems."""
import pytest

pytestmark = pytest.mark.smoke


def test_a_refused_role_sees_a_403_page_in_dutch(app, make):
    tenant = make.tenant("oost", language="nl")
    make.member(tenant, "bob@example.org", roles=["member"])
    bob = app.test_client()
    bob.login("bob@example.org")
    response = bob.get("/t/oost/admin/members", headers={"Accept-Language": "nl"})
    assert response.status_code == 403
    assert "Met jouw rol in deze organisatie heb je geen toegang tot deze pagina" in response.get_data(as_text=True)


def test_an_unexpected_error_shows_a_500_page_in_the_users_language_and_rolls_back(stack, database, make):
    from saas import create_app
    from tests.conftest import settings_for

    app = create_app(settings_for(stack), database=database)

    def boom():
        from saas.kernel.db import session
        from saas.auth.models import User

        session().add(User(email="half@example.org", name="Half", password_hash="x"))
        session().flush()
        raise RuntimeError("a bug")

    app.add_url_rule("/boom", view_func=boom)
    client = app.test_client()
    page = client.get("/boom", headers={"Accept-Language": "nl"})
    assert page.status_code == 500
    english = client.get("/boom", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Something went wrong on our side" in english
    assert "Er ging bij ons iets mis" in page.get_data(as_text=True)
    problem = client.get("/boom", headers={"Accept": "application/json"})
    assert problem.status_code == 500 and problem.mimetype == "application/problem+json"
    assert problem.get_json()["status"] == 500
    assert make.mails_to("half@example.org") == []
    with make.session() as db:
        from sqlalchemy import select
        from saas.auth.models import User

        assert db.scalar(select(User).where(User.email == "half@example.org")) is None


def test_a_bad_request_is_a_400_page(client):
    response = client.post("/language", data={"language": "nl"})  # no CSRF token
    assert response.status_code == 400


def test_a_unique_key_race_is_a_409_not_a_500(stack, database, make):
    from sqlalchemy.exc import IntegrityError

    from saas import create_app
    from tests.conftest import settings_for

    app = create_app(settings_for(stack), database=database)

    def race():
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key"))

    app.add_url_rule("/race", view_func=race)
    response = app.test_client().get("/race")
    assert response.status_code == 409
    assert "Someone did the same at the same moment" in response.get_data(as_text=True)
