"""The `koers` command. Every command reads the same settings as the app (DATABASE_URL etc.)."""
from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup, with_appcontext

from saas.config import ConfigError


def _create_app():
    from saas import create_app

    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error))


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False,
             help="Koers: culture programmes for organisations that merge.")
def main():
    pass


def _settings():
    from flask import current_app

    return current_app.config["KOERS"]


@main.group(help="Database schema migrations (Alembic).")
def db():
    pass


@db.command("upgrade", help="Upgrade the database schema (default: to the newest revision).")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision):
    from saas import migrate

    migrate.upgrade(_settings(), revision)


@db.command("downgrade", help="Downgrade the database schema to REVISION ('base' empties it).")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision):
    from saas import migrate

    migrate.downgrade(_settings(), revision)


@db.command("current", help="Show the schema revision of the database.")
@with_appcontext
def db_current():
    from saas import migrate

    migrate.current(_settings())


@main.command("create-user", help="Create an account that can log in.")
@click.argument("email")
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--name", default=None, help="Display name (default: the part before the @).")
@with_appcontext
def create_user(email, password, name):
    from saas.auth import service
    from saas.errors import DomainError
    from saas.db import session

    if not 10 <= len(password) <= 200:
        raise click.BadParameter("a password has between 10 and 200 characters", param_hint="--password")
    db = session()
    try:
        user = service.register(db, email=email, name=name or email.split("@")[0], password=password)
    except DomainError as error:
        raise click.ClickException(str(error.message))
    db.commit()
    click.echo(f"created user {user.email} (id {user.id})")


@main.command("create-tenant", help="Create a tenant with an existing user as its administrator.")
@click.argument("slug")
@click.option("--name", required=True, help="Name of the merged organisation.")
@click.option("--admin", "admin_email", required=True, help="E-mail of an existing account.")
@click.option("--country", default="NL", show_default=True)
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--legacy-org", "legacy_orgs", multiple=True, metavar="CODE=NAME",
              help="A former organisation; repeat for each.")
@with_appcontext
def create_tenant(slug, name, admin_email, country, language, legacy_orgs):
    from saas.auth.service import find_user
    from saas.db import session
    from saas.errors import DomainError
    from tenants import service

    db = session()
    admin = find_user(db, admin_email)
    if admin is None:
        raise click.ClickException(f"no account for {admin_email}; create it first with `koers create-user`")
    pairs = []
    for item in legacy_orgs:
        code, sep, org_name = item.partition("=")
        if not sep or not code.strip() or not org_name.strip():
            raise click.BadParameter(f"{item!r} is not CODE=NAME", param_hint="--legacy-org")
        pairs.append((code, org_name))
    try:
        tenant = service.create_tenant(db, admin, name=name, slug=slug, country=country, language=language)
        for code, org_name in pairs:
            service.add_legacy_org(db, code=code, name=org_name)
    except DomainError as error:
        db.rollback()
        raise click.ClickException(str(error.message))
    db.commit()
    click.echo(f"created tenant {tenant.slug} (id {tenant.id}) with {len(pairs)} legacy organisation(s)")


@main.command("seed-demo", help="Fill an empty database with the demo tenant and its accounts.")
@click.option("--if-empty", is_flag=True, help="Do nothing when any account exists already.")
@with_appcontext
def seed_demo(if_empty):
    from saas.demo import DEMO_PASSWORD, seed

    from saas.demo import ACCOUNTS, demo_exists

    created = seed(only_if_empty=if_empty)
    if created:
        click.echo("Demo tenant 'regio-noord' created.")
    elif demo_exists():
        click.echo("Demo tenant 'regio-noord' is already there.")
    else:
        click.echo("The database already has accounts; no demo data added.")
        return
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
    for email, _name, roles, _org in ACCOUNTS:
        click.echo(f"  {email:34} {', '.join(map(str, roles))}")


def _tenant_scope(slug: str):
    """The session of this command, scoped to one tenant (as a request under /t/<slug>/ is)."""
    from sqlalchemy import select

    from saas.db import session
    from tenants.models import Tenant
    from tenants.scoping import set_scope

    db = session()
    tenant = db.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"no tenant {slug!r}")
    set_scope(db, tenant_id=tenant.id)
    return db, tenant


@main.command("create-wave", help="Create a survey wave and print its id.")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option("--name", required=True, help="Name of the wave, e.g. 'Nulmeting 2026'.")
@click.option("--closed", is_flag=True, help="Create it closed, to import earlier results into it.")
@with_appcontext
def create_wave(slug, name, closed):
    from saas.errors import DomainError
    from saas.surveys import service

    db, _tenant = _tenant_scope(slug)
    try:
        wave = service.create_wave(db, name=name)
    except DomainError as error:
        raise click.ClickException(str(error.message))
    if closed:
        wave.status = "closed"
    db.commit()
    click.echo(wave.id)


@main.command("waves", help="List the survey waves of a tenant.")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@with_appcontext
def list_waves(slug):
    from sqlalchemy import select

    from saas.surveys.models import Wave
    from saas.surveys.service import response_count

    db, _tenant = _tenant_scope(slug)
    for wave in db.scalars(select(Wave).order_by(Wave.id)):
        click.echo(f"{wave.id}\t{wave.status}\t{response_count(db, wave)} responses\t{wave.name}")


@main.command("values", help="List the value keys of the tenant's catalogue, as used in imports.")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@with_appcontext
def list_values(slug, language):
    from saas.surveys.catalogue import catalogue

    db, _tenant = _tenant_scope(slug)
    for value in catalogue(db):
        label = value.nl if language == "nl" else value.en
        click.echo(f"{value.key}\t{'limiting' if value.limiting else 'positive'}\t{label}")


@main.command("import-responses", help="Import earlier survey results from a CSV file into a wave "
                                        "(format: README, 'Importing earlier survey results').")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option("--wave", "wave_id", required=True, type=int, help="The wave's id (see `koers waves`).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_responses(slug, wave_id, file):
    from sqlalchemy import select

    from saas.surveys import importer
    from saas.surveys.models import Wave

    db, _tenant = _tenant_scope(slug)
    wave = db.scalar(select(Wave).where(Wave.id == wave_id))
    if wave is None:
        raise click.ClickException(f"no wave {wave_id} in tenant {slug!r}")
    try:
        with open(file, newline="", encoding="utf-8-sig") as handle:
            rows = importer.read_rows(handle)
        count = importer.import_responses(db, wave, rows)
    except (importer.ImportErrors, UnicodeDecodeError) as error:
        db.rollback()
        messages = error.errors if isinstance(error, importer.ImportErrors) else [f"not UTF-8 text: {error}"]
        for message in messages:
            click.echo(message, err=True)
        click.echo("nothing imported", err=True)
        sys.exit(1)
    db.commit()
    click.echo(f"imported {count} responses into wave {wave_id}")


@main.command("worker", help="Run a background worker on the RQ queues (needs REDIS_URL).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--with-scheduler/--without-scheduler", default=True, show_default=True,
              help="Also run RQ's scheduler, which retries with back-off need.")
@with_appcontext
def worker(burst, with_scheduler):
    from workers.worker import run_worker

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set; without it jobs run inside the web process")
    sys.exit(0 if run_worker(settings, burst=burst, with_scheduler=with_scheduler) else 1)


if __name__ == "__main__":
    main()
