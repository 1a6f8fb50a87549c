"""Exit: a tenant's archive for whoever asked, downloadable once, and the tenant's deletion at contract end.

Where the contract's end is known: a platform admin sets its last day (`end_contract`; the platform's
organisations page, or `koers end-contract`). The billing state never deletes anything by itself: a card
that fails or a subscription that lapses makes a tenant read-only, and only a contract that ended (a
decision of people, recorded with a date) leads to deletion. Once `EXIT_GRACE_DAYS` (30) have passed after
that last day, the worker's sweeper hands the tenant to the deletion job (`sweep`); `koers delete-tenant`
deletes one at once.

Deletion removes every row with the tenant's id in every table, the tenant's row, the accounts of its people
who belong to no other organisation (and are no platform admin or consultancy member), and every file (the
files in the database go with their rows; archives on disk with their folder). What remains is a record in
the platform's audit trail: slug, name, rows per table, files, accounts, when and by whom.
"""
from __future__ import annotations

import hashlib
import secrets
import shutil
from datetime import date, timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import LargeBinary, event, exists, func, select

from billing import service as billing
from billing.models import BillingAccount, BillingAccountMember, TenantBilling
from saas.anonymity import access
from saas.auth.models import User
from saas.exit import archive
from saas.exit.models import DONE, DOWNLOADED, EXPIRED, PENDING, TenantExport
from saas.kernel import audit
from saas.kernel.db import Base, utcnow
from saas.kernel.errors import DomainError
from saas.kernel.jobs import enqueue_after_commit, report_progress
from tenants.models import Membership, Tenant
from tenants.scoping import cross_tenant, set_scope

EXPORT_JOB = "saas.exit.jobs.build_export"
DELETE_JOB = "saas.exit.jobs.delete_ended_tenant"
APPEND_ONLY = ("audit_trail", "report_access_log")  # refused by trigger until their tenant (or wave) is gone
KEEP_DAYS = 7  # an archive nobody downloaded is removed after this many days


class NotReady(DomainError):
    default_message = _l("This archive is not ready (any more). Please make a new one.")


# --- the archive ---------------------------------------------------------------------------------

def request_export(db, tenant, user, *, by_platform: bool = False) -> TenantExport:
    """Ask for an archive of `tenant` for `user`; a job makes it. `db` is scoped to the tenant. A platform
    admin's request is written to the platform's trail too."""
    export = TenantExport(tenant_id=tenant.id, requested_by_id=user.id, status=PENDING,
                          stored_name=secrets.token_hex(24))
    db.add(export)
    db.flush()
    export.job_id = enqueue_after_commit(db, EXPORT_JOB, tenant.id, export.id)
    audit.record(db, "tenant.export_requested", tenant_id=tenant.id, obj=export)
    if by_platform:
        audit.record(db, "tenant.export_requested", platform=True, obj=tenant, detail={"slug": tenant.slug})
    return export


def own_exports(db, user_id: int, limit: int = 20) -> list[TenantExport]:
    return list(db.scalars(select(TenantExport).where(TenantExport.requested_by_id == user_id)
                           .order_by(TenantExport.id.desc()).limit(limit)))


def own_export(db, export_id: int, user_id: int) -> TenantExport | None:
    """The archive, only for whoever asked for it: anyone else, an admin of the same tenant too, finds nothing."""
    return db.scalar(select(TenantExport).where(TenantExport.id == export_id, TenantExport.requested_by_id == user_id))


def build(db, settings, export_id: int) -> str:
    """Write the archive (the job): to a hidden name first, so a half-written file is never offered."""
    export = db.scalar(select(TenantExport).where(TenantExport.id == export_id))
    if export is None or export.status != PENDING:
        return "nothing to do"
    tenant = db.get(Tenant, export.tenant_id)
    requester = db.get(User, export.requested_by_id) if export.requested_by_id else None
    target = archive_path(settings, export)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    part = target.with_suffix(".part")
    try:
        written = archive.write(db, tenant, part, made_by=requester.email if requester else "koers",
                                language=tenant.language, progress=lambda percent, note: report_progress(percent, note))
        digest = _sha256(part)
        part.replace(target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    export.status, export.size, export.sha256, export.finished_at = DONE, target.stat().st_size, digest, utcnow()
    for wave_id in written.report_waves:  # the report PDFs inside are a reading of the reports, like a download
        access.log(db, requester, "pdf", wave_id=wave_id)
    audit.record(db, "tenant.exported", tenant_id=tenant.id, obj=export, actor=_actor(requester),
                 detail={"rows": written.rows, "files": len(written.files), "reports": written.reports,
                         "size": export.size, "sha256": digest})
    return f"{written.rows} rows, {export.size} bytes"


def take_download(db, settings, export_id: int, user_id: int):
    """The archive's open file for its one download, and its path; the record says it was taken (the caller
    commits, then `forget` removes the file: an open file stays readable after its name is gone)."""
    export = db.scalar(select(TenantExport).where(TenantExport.id == export_id, TenantExport.requested_by_id == user_id)
                       .with_for_update())
    if export is None:
        raise LookupError(export_id)
    path = archive_path(settings, export)
    if export.status != DONE or not path.exists():
        raise NotReady()
    handle = path.open("rb")
    export.status, export.downloaded_at = DOWNLOADED, utcnow()
    audit.record(db, "tenant.export_downloaded", tenant_id=export.tenant_id, obj=export,
                 detail={"size": export.size, "sha256": export.sha256})
    return export, handle, path


def forget(path: Path) -> None:
    path.unlink(missing_ok=True)


def archive_path(settings, export: TenantExport) -> Path:
    return Path(settings.export_dir) / str(export.tenant_id) / f"{export.stored_name}.zip"


def write_to(db, tenant, target, *, made_by: str) -> archive.Written:
    """The archive written straight to `target` (`koers export-tenant`), recorded in the tenant's trail."""
    written = archive.write(db, tenant, target, made_by=made_by, language=tenant.language)
    audit.record(db, "tenant.exported", tenant_id=tenant.id, object_type="tenants", object_id=tenant.id,
                 actor=audit.Actor(made_by), origin="cli",
                 detail={"rows": written.rows, "files": len(written.files), "reports": written.reports})
    return written


def download_name(tenant, export: TenantExport) -> str:
    day = (export.finished_at or export.requested_at).strftime("%Y-%m-%d")
    return f"koers-export-{tenant.slug}-{day}.zip"


# --- the contract's end and deletion ----------------------------------------------------------

def end_contract(db, tenant, ends_on: date | None) -> Tenant:
    """Set (or, with None, withdraw) the contract's last day: the tenant is deleted after the grace period.
    Recorded in the tenant's trail and the platform's (which outlives it)."""
    before, tenant.contract_ends_on = tenant.contract_ends_on, ends_on
    action = "tenant.deletion_requested" if ends_on else "tenant.deletion_withdrawn"
    detail = {"slug": tenant.slug, "from": before, "to": ends_on}
    audit.record(db, action, tenant_id=tenant.id, obj=tenant, detail=detail)
    audit.record(db, action, platform=True, obj=tenant, detail=detail)
    return tenant


def deletion_day(tenant, settings) -> date | None:
    """The first day the tenant may be deleted: the day after the grace period that follows the contract's end."""
    if tenant.contract_ends_on is None:
        return None
    return tenant.contract_ends_on + timedelta(days=settings.exit_grace_days + 1)


def is_due(tenant, settings, today: date) -> bool:
    day = deletion_day(tenant, settings)
    return day is not None and day <= today


def sweep(Session, settings, today: date) -> int:
    """What the worker's sweeper does for exit: remove archives nobody took in time, and hand every tenant
    whose grace period has passed to the deletion job (once: an unfinished run is reused). Returns how many."""
    expire_archives(Session, settings)
    cutoff = today - timedelta(days=settings.exit_grace_days + 1)
    with Session.platform() as db:  # every tenant's contract, and a platform job's record: the platform role
        due = list(db.scalars(select(Tenant.id).where(Tenant.contract_ends_on.isnot(None),
                                                      Tenant.contract_ends_on <= cutoff).order_by(Tenant.id)))
        for tenant_id in due:
            enqueue_after_commit(db, DELETE_JOB, tenant_id, unique=True)
        db.commit()
    return len(due)


def expire_archives(Session, settings) -> int:
    before = utcnow() - timedelta(days=KEEP_DAYS)
    with Session.platform() as db, cross_tenant(db):
        old = list(db.scalars(select(TenantExport).where(TenantExport.status == DONE,
                                                         TenantExport.finished_at < before)))
        for export in old:
            forget(archive_path(settings, export))
            export.status = EXPIRED
        db.commit()
    return len(old)


def delete_tenant(db, settings, tenant, *, actor: audit.Actor | None = None, origin: str | None = None) -> dict:
    """Remove every row and file of `tenant` and write the deletion record to the platform's trail, in `db`'s
    transaction (the caller commits; the archives on disk go once it has). Returns the record's detail."""
    tenant_id, slug, name = tenant.id, tenant.slug, tenant.name
    set_scope(db, tenant_id=tenant_id)
    connection = db.connection()
    people = set(connection.execute(select(Membership.user_id).where(Membership.tenant_id == tenant_id)).scalars())
    payer = connection.execute(select(TenantBilling.account_id).where(TenantBilling.tenant_id == tenant_id)).scalar()
    owned = [t for t in reversed(Base.metadata.sorted_tables) if "tenant_id" in t.c and t.name != "tenants"]
    files = {t.name: n for t in owned if (n := _stored_files(connection, t, tenant_id))}
    # Append-only tables refuse a DELETE while what they log exists: they go by cascade with it (counted first).
    last = [t for t in owned if t.name in APPEND_ONLY]
    rows = {t.name: connection.execute(select(func.count()).select_from(t).where(t.c.tenant_id == tenant_id)).scalar()
            for t in last}
    for table in owned:
        if table not in last:
            rows[table.name] = connection.execute(table.delete().where(table.c.tenant_id == tenant_id)).rowcount
    db.expunge_all()
    connection.execute(Tenant.__table__.delete().where(Tenant.__table__.c.id == tenant_id))
    for table in last:  # gone by cascade already, where the database enforces foreign keys
        connection.execute(table.delete().where(table.c.tenant_id == tenant_id))
    accounts = _delete_lone_accounts(db, people)
    _client_gone(db, payer)
    folder = Path(settings.export_dir) / str(tenant_id)
    archives = sum(1 for _ in folder.glob("*")) if folder.is_dir() else 0
    event.listen(db, "after_commit", lambda _session: shutil.rmtree(folder, ignore_errors=True), once=True)
    detail = {"slug": slug, "name": name, "rows": {k: v for k, v in sorted(rows.items()) if v},
              "files": files, "archives_on_disk": archives, "accounts": accounts}
    set_scope(db, tenant_id=None)
    audit.record(db, "tenant.deleted", platform=True, object_type="tenants", object_id=tenant_id, detail=detail,
                 actor=actor, origin=origin)
    return detail


def _client_gone(db, account_id: int | None) -> None:
    """A consultancy pays per active client: one fewer is a client change, and Stripe hears the new count after
    the commit (as when a client is archived, billing.consultancy)."""
    if account_id is None:
        return
    with cross_tenant(db):
        account = db.get(BillingAccount, account_id)
        if account is None or not account.is_consultancy:
            return
        account.client_changes += 1
        db.flush()
        if billing.has_ongoing_subscription(account):
            billing.request_quantity_sync(db, account)


def _stored_files(connection, table, tenant_id: int) -> int:
    blobs = [c for c in table.columns if isinstance(c.type, LargeBinary)]
    return sum(connection.execute(select(func.count()).select_from(table)
                                  .where(table.c.tenant_id == tenant_id, blob.isnot(None))).scalar()
               for blob in blobs)


def _delete_lone_accounts(db, people: set[int]) -> int:
    """The accounts of the tenant's people who are in no other organisation, no platform admin and in no
    consultancy: their personal data has no other purpose. Looked at across tenants, on purpose."""
    if not people:
        return 0
    with cross_tenant(db):
        lone = select(User.id).where(
            User.id.in_(people), User.is_platform_admin.is_(False),
            ~exists().where(Membership.user_id == User.id),
            ~exists().where(BillingAccountMember.user_id == User.id),
            ~exists().where(BillingAccount.owner_id == User.id))
        ids = list(db.scalars(lone))
        if ids:
            db.connection().execute(User.__table__.delete().where(User.__table__.c.id.in_(ids)))
    return len(ids)


def _actor(user) -> audit.Actor | None:
    return audit.Actor(user.email, user.id) if user is not None else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()
