"""The `koers` command, run as a user would, against the same database as the app.

The commands run in this process through click's test runner (an app built from the environment, as the
installed command builds it); one test runs the installed `koers` entry point as a real process.
"""
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from saas.cli import main
from tenants.models import LegacyOrganisation, Tenant

ROOT = Path(__file__).resolve().parent.parent
KOERS = str(Path(sys.executable).with_name("koers"))
pytestmark = pytest.mark.smoke
_apps: dict = {}


def _environment(stack) -> dict:
    # the key the suite's database was migrated with: it signs the tenant's scope (README, Database roles)
    return {"DATABASE_URL": stack.app_url, "SECRET_KEY": "test-secret-key", "KOERS_ENV": "development"}


def koers(stack, *args, expect=0):
    """`koers ARGS` in this process: the settings come from the environment, as for the installed command."""
    def load():
        if stack.app_url not in _apps:  # built once: building the app is most of what a command costs
            from saas import create_app

            _apps[stack.app_url] = create_app()
        return _apps[stack.app_url]

    result = CliRunner().invoke(main, list(args), env=_environment(stack), obj=ScriptInfo(create_app=load))
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    trace = "".join(traceback.format_exception(*result.exc_info)) if crashed else ""
    assert result.exit_code == expect and not crashed, result.output + trace
    return result.output


def installed_koers(stack, *args, expect=0):
    """The installed `koers` entry point as a real process."""
    env = {**os.environ, **_environment(stack)}
    result = subprocess.run([KOERS, *args], env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == expect, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.mark.parametrize("command", [[], ["db"], ["db", "upgrade"], ["db", "downgrade"], ["db", "current"], ["close-due"],
                                     ["seed-demo"], ["create-user"], ["create-tenant"], ["worker"],
                                     ["create-wave"], ["waves"], ["values"], ["answer-codes"]])
def test_every_command_has_help(stack, command):
    assert "Usage:" in koers(stack, *command, "--help")


def test_create_user_and_tenant_with_legacy_organisations(stack, app, make, client):
    installed_koers(stack, "create-user", "ada@example.org", "--password", "a long password", "--name", "Ada")
    out = installed_koers(stack, "create-tenant", "oost", "--name", "Sociale Dienst Oost", "--admin", "ada@example.org",
                "--legacy-org", "GRO=Gemeente Groenlo", "--legacy-org", "HAV=Gemeente Havelte")
    assert "created tenant oost" in out
    with make.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == "oost"))
    with make.session(tenant.id) as db:
        assert {o.code for o in db.scalars(select(LegacyOrganisation))} == {"GRO", "HAV"}
    client.login("ada@example.org", "a long password")
    assert "Gemeente Havelte" in client.text("/t/oost/")


def test_a_platform_admin_made_on_the_command_line_sees_the_failed_jobs_page(stack, app):
    assert "created platform admin" in koers(stack, "create-user", "ops@example.org", "--password",
                                             "a long password", "--platform-admin")
    koers(stack, "create-user", "ada@example.org", "--password", "a long password")
    ops, ada = app.test_client(), app.test_client()
    ops.login("ops@example.org", "a long password")
    ada.login("ada@example.org", "a long password")
    assert ops.get("/platform/jobs").status_code == 200
    assert ada.get("/platform/jobs").status_code == 404


def test_cli_errors_are_clear(stack, make):
    assert "between 10 and 200" in koers(stack, "create-user", "a@example.org", "--password", "short", expect=2)
    assert "no account for" in koers(stack, "create-tenant", "oost", "--name", "X", "--admin", "nobody@x.org",
                                     expect=1)
    koers(stack, "create-user", "ada@example.org", "--password", "a long password")
    assert "already exists" in koers(stack, "create-user", "ada@example.org", "--password", "a long password",
                                     expect=1)
    assert "is not CODE=NAME" in koers(stack, "create-tenant", "oost", "--name", "X", "--admin",
                                       "ada@example.org", "--legacy-org", "nonsense", expect=2)


def test_seed_demo_fills_an_empty_database_once_and_the_accounts_log_in(stack, app, make):
    out = koers(stack, "seed-demo", "--if-empty")
    assert "admin@demo.example.org" in out and "koers-demo" in out
    assert "Log in at http://127.0.0.1:5000/login" in out  # the same BASE_URL as the mailed links
    assert "already there" in koers(stack, "seed-demo", "--if-empty")
    from saas.demo import ACCOUNTS

    for email, *_ in ACCOUNTS:
        user = app.test_client()
        user.login(email, "koers-demo")
        assert "Sociale Dienst Regio Noord" in user.get("/", follow_redirects=True).get_data(as_text=True)
    with make.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == "regio-noord"))
    with make.session(tenant.id) as db:
        assert len(db.scalars(select(LegacyOrganisation)).all()) == 3


def test_waves_and_values_from_the_command_line(stack, make):
    make.tenant("oost")
    wave_id = koers(stack, "create-wave", "--tenant", "oost", "--name", "Nulmeting 2025", "--closed").strip()
    assert wave_id.isdigit()
    listing = koers(stack, "waves", "--tenant", "oost")
    assert f"{wave_id}\tclosed\t0 responses\tNulmeting 2025" in listing
    values = koers(stack, "values", "--tenant", "oost").splitlines()
    assert len(values) >= 75 and any("\tlimiting\t" in line for line in values)
    assert "no tenant 'nowhere'" in koers(stack, "waves", "--tenant", "nowhere", expect=1)
