"""The `koers` command. Every command reads the same settings as the app (DATABASE_URL etc.).

Each command imports what it runs inside its function (a documented lazy import): `koers --help` and
`koers worker` do not load every feature.
"""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from saas.kernel.config import ConfigError


def _create_app():
    from saas import create_app

    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error))


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False,
             help="Koers: culture programmes for organisations that merge.")
def main():
    context = click.get_current_context()
    if context.invoked_subcommand != "worker":  # the worker's jobs act as "system"
        context.with_resource(_as_operator())


def _as_operator():
    """What a command changes is on the audit trail as done by the operator who ran it, from the command line."""
    import getpass

    from saas.kernel import audit

    return audit.acting_as(audit.Actor(f"operator {getpass.getuser()}"), "cli")


def _settings():
    return current_app.config["KOERS"]


@main.group(help="Database schema migrations (Alembic).")
def db():
    pass


@db.command("upgrade", help="Upgrade the database schema (default: to the newest revision).")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision):
    from saas.kernel import migrate

    migrate.upgrade(_settings(), revision)


@db.command("downgrade", help="Downgrade the database schema to REVISION ('base' empties it).")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision):
    from saas.kernel import migrate

    migrate.downgrade(_settings(), revision)


@db.command("current", help="Show the schema revision of the database.")
@with_appcontext
def db_current():
    from saas.kernel import migrate

    migrate.current(_settings())


@main.command("create-user", help="Create an account that can log in; its address counts as confirmed "
                                   "(the operator vouches for it).")
@click.argument("email")
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--name", default=None, help="Display name (default: the part before the @).")
@click.option("--platform-admin", is_flag=True, help="May see and retry failed jobs of every tenant (/platform/jobs).")
@with_appcontext
def create_user(email, password, name, platform_admin):
    from saas.auth import service
    from saas.kernel.errors import DomainError
    from saas.kernel.db import session

    if not 10 <= len(password) <= 200:
        raise click.BadParameter("a password has between 10 and 200 characters", param_hint="--password")
    db = session()
    try:
        user = service.register(db, email=email, name=name or email.split("@")[0], password=password, verified=True)
    except DomainError as error:
        raise click.ClickException(str(error.message))
    user.is_platform_admin = platform_admin
    db.commit()
    click.echo(f"created {'platform admin' if platform_admin else 'user'} {user.email} (id {user.id})")


@main.command("reset-two-factor", help="Turn two-factor sign-in off for an account whose owner lost both the app "
                                        "and the recovery codes (check first who is asking).")
@click.argument("email")
@with_appcontext
def reset_two_factor(email):
    from saas.auth import twofactor
    from saas.auth.service import find_user
    from saas.kernel.db import session

    db = session()
    user = find_user(db, email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    removed = twofactor.remove(db, user)
    user.rotate_session_stamp()  # whoever is signed in as them now signs in again
    db.commit()
    click.echo(f"two-factor sign-in turned off for {user.email}" if removed
               else f"{user.email} had no two-factor sign-in")


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
    from saas.kernel.db import session
    from saas.kernel.errors import DomainError
    from saas.administration import service

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
    from flask import url_for
    from saas.kernel.mail import on_base_url

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
    with on_base_url():  # the address mailed links are on: the one `make run` serves (PORT) unless BASE_URL says
        click.echo(f"Log in at {url_for('auth.login', _external=True)}; links in mails lead to {_settings().base_url}"
                   + (f", the development outbox: {url_for('core.outbox', _external=True)}"
                      if _settings().dev_outbox else ""))


def _tenant_scope(slug: str, *, changes: bool = False, even_if_read_only: bool = False, platform: bool = False):
    """The session of this command, scoped to one tenant (as a request under /t/<slug>/ is); with `platform`,
    a session of the platform role, for work that must look beyond the tenant (deleting it).

    A command that `changes` the tenant refuses a read-only one (billing.readonly: read, export and pay,
    nothing else), as its pages do; the platform operator may override with --even-if-read-only (e.g. to
    repair data for a customer whose subscription has ended), which is their own decision to account for."""
    from sqlalchemy import select

    from billing.readonly import read_only_reason
    from saas.kernel.db import session
    from tenants.models import Tenant
    from tenants.scoping import set_scope

    db = current_app.extensions["koers.db"].PlatformSession() if platform else session()
    tenant = db.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"no tenant {slug!r}")
    set_scope(db, tenant_id=tenant.id)
    if changes and not even_if_read_only:
        reason = read_only_reason(db, tenant)
        if reason is not None:
            raise click.ClickException(f"tenant {slug!r} is read-only, nothing changed: {reason} "
                                       "(a platform operator may add --even-if-read-only)")
    return db, tenant


# for the commands that change a tenant (_tenant_scope(changes=True))
even_if_read_only_option = click.option(
    "--even-if-read-only", is_flag=True,
    help="Platform operator only: change the tenant even though it is read-only (canceled, unpaid, trial ended).")


@main.command("create-wave", help="Create a survey wave and print its id.")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option("--name", required=True, help="Name of the wave, e.g. 'Nulmeting 2026'.")
@click.option("--closed", is_flag=True, help="Create it closed, to import earlier results into it.")
@even_if_read_only_option
@with_appcontext
def create_wave(slug, name, closed, even_if_read_only):
    from saas.kernel.errors import DomainError
    from saas.surveys import service

    db, _tenant = _tenant_scope(slug, changes=True, even_if_read_only=even_if_read_only)
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


@main.command("close-due", help="Close the survey waves, pulse checks and 360 rounds whose close date has passed.")
@with_appcontext
def close_due():
    """What the worker's sweeper does on every sweep; without a worker, run it daily (cron)."""
    from datetime import date

    from saas.deadlines import close_due as close

    closed = close(current_app.extensions["koers.db"].Session, date.today())
    click.echo(f"closed: {closed.waves} wave(s), {closed.pulse_checks} pulse check(s), "
               f"{closed.feedback_rounds} 360 round(s), {closed.workshop_evaluations} workshop evaluation(s); "
               f"interim releases: {closed.interim_releases}")


@main.command("benchmark-release", help="Make the sector norms of a closed half-year (e.g. 2026-H1) once, as the "
                                        "worker's sweeper does after each half-year; a norm made before stays as it is.")
@click.option("--period", required=True, help="The calendar half-year: 2026-H1 (January-June) or 2026-H2.")
@click.option("--sector", default=None, help="Only this sector (its key, see README); default every sector.")
@with_appcontext
def benchmark_release(period, sector):
    from datetime import date

    from saas.benchmark import service
    from saas.kernel.errors import DomainError

    if sector is not None and sector not in service.SECTORS:
        raise click.ClickException(f"unknown sector {sector!r}; one of: {', '.join(service.SECTORS)}")
    with current_app.extensions["koers.db"].PlatformSession() as db:
        try:
            made = service.release_period(db, service.parse_period(period), today=date.today(),
                                          sectors=[sector] if sector else None)
        except DomainError as error:
            db.rollback()
            raise click.ClickException(str(error.message))
        db.commit()
        for norm in made:
            click.echo(f"{norm.period}\t{norm.sector}\t{norm.status}\t{norm.contributors} contributor(s) of "
                       f"{norm.candidates}\t{service.published_measures(norm)} figure(s) published")


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
@even_if_read_only_option
@with_appcontext
def import_responses(slug, wave_id, file, even_if_read_only):
    from sqlalchemy import select

    from saas.surveys import importer
    from saas.surveys.models import Wave

    db, _tenant = _tenant_scope(slug, changes=True, even_if_read_only=even_if_read_only)
    wave = db.scalar(select(Wave).where(Wave.id == wave_id))
    if wave is None:
        raise click.ClickException(f"no wave {wave_id} in tenant {slug!r}")
    try:
        with open(file, newline="", encoding="utf-8-sig") as handle:
            rows = importer.read_rows(handle)
        count = importer.import_responses(db, wave, rows)
        from saas.surveys import service

        service.after_import(db, _tenant, wave)
    except (importer.ImportErrors, UnicodeDecodeError) as error:
        db.rollback()
        messages = error.errors if isinstance(error, importer.ImportErrors) else [f"not UTF-8 text: {error}"]
        for message in messages:
            click.echo(message, err=True)
        click.echo("nothing imported", err=True)
        sys.exit(1)
    db.commit()
    click.echo(f"imported {count} responses into wave {wave_id}")


@main.command("answer-codes", help="Order a batch of single-use answer codes for a survey wave (or a pulse check) "
                                    "and write its printable slips (the same as the page 'Order answer codes').")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option("--wave", "wave_id", type=int, help="The wave's id (see `koers waves`).")
@click.option("--pulse", "pulse_id", type=int, help="A pulse check's id, instead of a wave.")
@click.option("--count", required=True, type=int, help="How many codes (1 to 1000; order several batches for more).")
@click.option("--legacy-org", "legacy_org", help="The code of the legacy organisation the codes are for.")
@click.option("--team", "team_id", type=int, help="The id of the team the codes are for.")
@click.option("--label", default="",
              help="The group's name when it is no organisation or team, e.g. 'Werkbedrijf Noord'.")
@click.option("--pdf", "pdf_file", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the slips (PDF). The codes exist only there: they cannot be shown again.")
@even_if_read_only_option
@with_appcontext
def answer_codes(slug, wave_id, pulse_id, count, legacy_org, team_id, label, pdf_file, even_if_read_only):
    from sqlalchemy import select

    from saas.kernel.errors import DomainError
    from saas.leadership import pulse_codes, pulses
    from saas.surveys import codes, sheets
    from saas.surveys.models import Wave
    from tenants.models import LegacyOrganisation

    if (wave_id is None) == (pulse_id is None):
        raise click.UsageError("give either --wave or --pulse")
    db, tenant = _tenant_scope(slug, changes=True, even_if_read_only=even_if_read_only)
    if wave_id is not None:
        wave = db.scalar(select(Wave).where(Wave.id == wave_id))
        if wave is None:
            raise click.ClickException(f"no wave {wave_id} in tenant {slug!r}")
        what = f"wave {wave_id}"
    else:
        pulse = pulses.get_round(db, pulse_id)
        if pulse is None:
            raise click.ClickException(f"no pulse check {pulse_id} in tenant {slug!r}")
        what = f"pulse check {pulse_id}"
    legacy_org_id = None
    if legacy_org:
        legacy_org_id = db.scalar(select(LegacyOrganisation.id).where(LegacyOrganisation.code == legacy_org))
        if legacy_org_id is None:
            raise click.ClickException(f"no legacy organisation {legacy_org!r} in tenant {slug!r}")
    try:
        if wave_id is not None:
            batch, plain = codes.order_batch(db, _settings().secret_key, wave, count=count,
                                             legacy_org_id=legacy_org_id, team_id=team_id, label=label)
            sheet = sheets.slips_pdf(tenant, wave, plain)
        else:
            batch, plain = pulse_codes.order_batch(db, _settings().secret_key, pulse, count=count,
                                                   legacy_org_id=legacy_org_id, team_id=team_id, label=label)
            sheet = pulse_codes.slips_pdf(tenant, pulse, plain)
        with open(pdf_file, "wb") as handle:  # written before the commit: no batch without its sheet
            handle.write(sheet)
    except DomainError as error:
        db.rollback()
        raise click.ClickException(str(error.message))
    except OSError as error:
        db.rollback()
        raise click.ClickException(f"cannot write {pdf_file}: {error.strerror}; no codes were ordered")
    db.commit()
    click.echo(f"ordered {count} answer codes (batch {batch.id}) for {what}; slips written to {pdf_file}")


@main.command("worker", help="Run a background worker on the RQ queues (needs REDIS_URL).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--with-scheduler/--without-scheduler", default=True, show_default=True,
              help="Also run RQ's scheduler, which retries with back-off need.")
@click.option("--sweep-every", type=click.FloatRange(min=0.1), default=15, show_default=True,
              help="Seconds between sweeps for pending jobs (Redis was down) and jobs whose worker died.")
@click.option("--lost-after", type=click.FloatRange(min=10), default=60, show_default=True,
              help="Seconds without a heartbeat (one every 5 s) after which a running job counts as lost.")
@with_appcontext
def worker(burst, with_scheduler, sweep_every, lost_after):


    from saas import create_app
    from workers.worker import run_worker

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set; without it jobs run inside the web process")
    # The entry point makes the apps: the one the jobs run in, and the sweeper's own (its own engine).
    worked = run_worker(current_app._get_current_object(), lambda: create_app(settings), burst=burst,
                        with_scheduler=with_scheduler, sweep_every=sweep_every, lost_after=lost_after)
    sys.exit(0 if worked else 1)



# --- cross-culture comparison (issue 6) ---------------------------------------------------------

@main.command("synth", help="Fill a tenant (created if needed) with synthetic survey answers: one programme "
                            "with WAVES closed waves whose legacy organisations differ in known ways and "
                            "grow closer from wave to wave. Prints the new waves' ids.")
@click.option("--tenant", "slug", required=True, help="The tenant's slug; created when it does not exist.")
@click.option("--respondents", type=click.IntRange(0, 1_000_000), required=True, help="Answers per wave.")
@click.option("--legacy-orgs", "legacy_orgs", type=click.IntRange(1, 12), required=True,
              help="How many legacy organisations (codes AAL, BEE, …; missing ones are created).")
@click.option("--waves", type=click.IntRange(1, 20), default=1, show_default=True)
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True, help="Same seed, same answers.")
@click.option("--admin", "admin_email", default=None,
              help="An existing account to make admin of the tenant (to look at the pages).")
@click.option("--drivers", is_flag=True, help="The waves also ask the eNPS question, so their releases have eNPS "
                                              "and its drivers (bench/comparisons.py).")
@even_if_read_only_option
@with_appcontext
def synth(slug, respondents, legacy_orgs, waves, seed, admin_email, drivers, even_if_read_only):
    from billing.readonly import read_only_reason
    from saas.comparison import synth as synthetic
    from saas.kernel.db import session
    from saas.kernel.errors import DomainError

    db = session()
    try:
        tenant = synthetic.ensure_tenant(db, slug, admin_email)
        reason = None if even_if_read_only else read_only_reason(db, tenant)
        if reason is not None:
            raise DomainError(f"tenant {slug!r} is read-only, nothing changed: {reason} "
                              "(a platform operator may add --even-if-read-only)")
        wave_ids = synthetic.synthesise(db, respondents=respondents, legacy_orgs=legacy_orgs, waves=waves, seed=seed,
                                        drivers=drivers)
    except (DomainError, LookupError) as error:
        db.rollback()
        raise click.ClickException(str(getattr(error, "message", error)))
    db.commit()
    for wave_id in wave_ids:
        click.echo(wave_id)


@main.command("compare", help="Run the cross-culture comparison of a wave now, store it (replacing the "
                              "previous one) and print it (format: README, 'Cross-culture comparison').")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option("--wave", "wave_id", required=True, type=int, help="The wave's id (see `koers waves`).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored result as JSON.")
@click.option("--bootstrap", type=click.IntRange(100, 20_000), default=1000, show_default=True,
              help="Bootstrap resamples for the intervals.")
@click.option("--permutations", type=click.IntRange(100, 20_000), default=1000, show_default=True,
              help="Permutations for the p-values.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True,
              help="Seed of the random numbers: the same seed gives the same result.")
@even_if_read_only_option
@with_appcontext
def compare(slug, wave_id, as_json, bootstrap, permutations, seed, even_if_read_only):
    import json

    from sqlalchemy import select

    from saas.comparison import service
    from saas.reports.release import NotReleased, release_and_compare
    from saas.surveys.models import Wave

    db, tenant = _tenant_scope(slug, changes=True, even_if_read_only=even_if_read_only)
    wave = db.scalar(select(Wave).where(Wave.id == wave_id))
    if wave is None:
        raise click.ClickException(f"no wave {wave_id} in tenant {slug!r}")
    params = service.parameters(bootstrap, permutations, seed)
    try:
        release_and_compare(db, tenant, wave, params=params, force=True)
    except (NotReleased, service.NotReleased):
        raise click.ClickException(f"wave {wave_id} is not closed: its figures are released when it closes")
    db.commit()
    stored = service.get_comparison(db, wave)
    if as_json:
        click.echo(json.dumps(stored.result, indent=2, ensure_ascii=False))
        return
    click.echo(f"wave {wave.id} ({wave.name}), k = {stored.k}, method version {stored.method_version}")
    for org in stored.result["orgs"]:
        if org["suppressed"]:
            click.echo(f"  {org['code']}: fewer than k answers, not shown")
            continue
        now = org["profile_now"] or {}
        click.echo(f"  {org['code']}: n = {org['n']}, now " + ", ".join(f"{t} {v:.1f}" for t, v in now.items()))
    for pair in stored.result["pairs"]:
        if pair["distance_now"] is None:
            continue
        low, high = pair["ci_now"]
        click.echo(f"  {pair['a']}–{pair['b']}: distance now {pair['distance_now']:.1f} ({low:.1f}–{high:.1f}), "
                   f"p = {pair['p_now']:.3f}; Aitchison now {pair['aitchison_now']:.2f} "
                   f"({pair['ci_aitchison_now'][0]:.2f}–{pair['ci_aitchison_now'][1]:.2f}), "
                   f"p = {pair['p_aitchison_now']:.3f}")

if __name__ == "__main__":
    main()


@main.command("scim-token", help="Make a fresh SCIM token for a tenant and print it (the one before stops "
                                 "working). The SCIM base URL is <base URL>/t/<slug>/scim/v2.")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@with_appcontext
def scim_token(slug):
    from saas.scim import service

    # allowed on a read-only tenant: the identity provider needs a token to deprovision people (a safety action)
    db, _tenant = _tenant_scope(slug)
    token = service.new_token(db)
    db.commit()
    click.echo(token)


@main.command("audit-verify", help="Check a tenant's audit trail (or the platform's): every entry in order, each "
                                   "hash its own contents and the entry before it, in the main chain and in the "
                                   "sign-in records' (from its last pruning's anchor). Exits 1 when one is broken.")
@click.option("--tenant", "slug", help="The tenant's slug.")
@click.option("--platform", is_flag=True, help="Check the platform's trail (sign-ins, operators' actions).")
@with_appcontext
def audit_verify(slug, platform):
    from saas.kernel import audit
    from saas.kernel.db import session

    if bool(slug) == platform:
        raise click.UsageError("give either --tenant SLUG or --platform")
    if platform:
        db, where, what = session(), {"platform": True}, "the platform's audit trail"
    else:
        db, tenant = _tenant_scope(slug)
        where, what = {"tenant_id": tenant.id}, f"the audit trail of {slug}"
    broken = False
    # the main chain, then the sign-in records' own (from the main chain's last anchor, when it was pruned)
    for chain, name in ((audit.MAIN, what), (audit.SIGN_IN, f"{what}, sign-in records")):
        verdict = audit.verify(db, chain=chain, **where)
        if verdict.intact:
            click.echo(f"{name}: intact, {verdict.entries} entries")
        else:
            click.echo(f"{name}: BROKEN at entry {verdict.broken_at}: {verdict.reason}", err=True)
            broken = True
    if broken:
        raise SystemExit(1)


@main.command("export-tenant", help="Write the exit archive of a tenant to FILE.zip: every table as JSON and CSV, "
                                    "its files, its released reports as PDF, manifest.json (SHA-256 per file) and a README.")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_tenant(slug, file):
    from pathlib import Path

    from saas.exit import service

    db, tenant = _tenant_scope(slug)
    target = Path(file)
    part = target.with_name(target.name + ".part")
    try:
        written = service.write_to(db, tenant, part, made_by="koers export-tenant")
        part.replace(target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    db.commit()
    click.echo(f"{target}: {written.rows} rows in {len(written.tables)} tables, {len(written.files)} files, "
               f"{written.reports} report(s), {target.stat().st_size} bytes")


@main.command("delete-tenant", help="Delete a tenant now: every row with its id in every table, its files, and its "
                                    "people's accounts that belong to no other organisation. A deletion record stays in "
                                    "the platform's audit trail. Give the slug twice: SLUG --confirm SLUG.")
@click.argument("slug")
@click.option("--confirm", required=True, metavar="SLUG", help="The slug again, to confirm.")
@with_appcontext
def delete_tenant(slug, confirm):
    from saas.exit import service
    from saas.kernel.audit import Actor

    if confirm != slug:
        raise click.UsageError("--confirm must repeat the slug exactly; nothing was deleted")
    db, tenant = _tenant_scope(slug, platform=True)
    detail = service.delete_tenant(db, _settings(), tenant, actor=Actor("koers delete-tenant"), origin="cli")
    db.commit()
    click.echo(f"deleted {slug}: {sum(detail['rows'].values())} rows in {len(detail['rows'])} tables, "
               f"{sum(detail['files'].values())} stored files, {detail['archives_on_disk']} archive(s) on disk, "
               f"{detail['accounts']} account(s)")


@main.command("end-contract", help="Set the last day of a tenant's contract (YYYY-MM-DD; 'none' withdraws it). "
                                   "The tenant is deleted EXIT_GRACE_DAYS (30) days after it.")
@click.argument("slug")
@click.argument("last_day")
@with_appcontext
def end_contract(slug, last_day):
    from datetime import date

    from saas.exit import service
    from saas.kernel.errors import DomainError

    try:
        day = None if last_day.lower() == "none" else date.fromisoformat(last_day)
    except ValueError:
        raise click.BadParameter("a date as YYYY-MM-DD, or 'none'", param_hint="LAST_DAY")
    db, tenant = _tenant_scope(slug)
    try:
        service.end_contract(db, tenant, day)
    except DomainError as error:
        raise click.ClickException(str(error.message))
    db.commit()
    deleted = service.deletion_day(tenant, _settings())
    click.echo(f"{slug}: deleted from {deleted.isoformat()}" if deleted else f"{slug}: no contract end")


@main.command("delete-ended", help="Delete every tenant whose contract ended more than EXIT_GRACE_DAYS ago, and "
                                   "remove archives nobody downloaded in time (the worker's sweeper does this too).")
@with_appcontext
def delete_ended():
    from datetime import date

    from saas.exit import service

    count = service.sweep(current_app.extensions["koers.db"].Session, _settings(), date.today())
    click.echo(f"{count} tenant(s) handed to the deletion job")


# --- people's data (issue 19) ---------------------------------------------------------------------

@main.command("export-person", help="Write everything Koers holds about a person (as their account page's download "
                                    "does) to FILE as JSON; with --tenant, only what that organisation holds.")
@click.argument("email")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--tenant", "slug", default=None, help="Only this tenant's data (its slug).")
@with_appcontext
def export_person(email, file, slug):
    from saas.auth.service import find_user
    from saas.kernel import audit
    from saas.privacy import people

    # a person's data lies in every tenant they are or were in: read on the platform role, for this account only
    db, tenant = _tenant_scope(slug, platform=True) if slug else (current_app.extensions["koers.db"].PlatformSession(), None)
    user = find_user(db, email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    data = people.export(db, user, tenant=tenant)
    if tenant is not None and not data["organisations"]:
        raise click.ClickException(f"{email} is not a member of {slug!r}")
    with open(file, "w", encoding="utf-8") as handle:
        handle.write(people.to_json(data))
    audit.record(db, "person.exported", platform=True, obj=user, actor=audit.Actor("cli"), origin="cli",
                 detail={"organisations": len(data["organisations"])})
    db.commit()
    click.echo(f"wrote the personal data of {email} ({len(data['organisations'])} organisation(s)) to {file}")


@main.command("erase-person", help="Erase a person from a tenant: membership, name, address, sign-in details, SCIM "
                                   "user; the account too when no other tenant has them. What they wrote for a team "
                                   "stays under 'a former member'.")
@click.argument("email")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@with_appcontext
def erase_person(email, slug):
    from saas.auth.service import find_user
    from saas.kernel import audit
    from saas.kernel.errors import DomainError
    from saas.privacy import people

    db, tenant = _tenant_scope(slug)
    user = find_user(db, email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    try:
        removed = people.erase(db, tenant, user, actor=audit.Actor("cli"), origin="cli")
    except DomainError as error:
        db.rollback()
        raise click.ClickException(str(error.message))
    db.commit()
    click.echo(f"erased {email} from {slug}" + (" and deleted the account" if removed["account"] else
                                                "; the account stays (other organisations)"))


@main.command("enforce-retention", help="Remove what each tenant's retention periods say is due (the worker does "
                                        "this daily; without a worker, run it daily from cron).")
@with_appcontext
def enforce_retention():
    from datetime import date

    from flask import current_app

    from saas.privacy.retention import enforce_due

    totals = enforce_due(current_app.extensions["koers.db"].PlatformSession, date.today())  # every tenant
    click.echo("removed: " + (", ".join(f"{count} {kind}" for kind, count in sorted(totals.items())) or "nothing"))
