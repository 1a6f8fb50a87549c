"""The exit archive: every table of a tenant as JSON and CSV, its files, its released reports as PDF, a
README of the format and a manifest with the SHA-256 of every file (README, "Exit and deletion").

The tables are found in the metadata (every table with a `tenant_id`, plus the tenant's own row and its
people's accounts), so a table added later is in the archive without anyone remembering it. Rows are read
in batches from a server-side cursor and the zip is written entry by entry, so a tenant of any size
passes through a small, fixed amount of memory. Secrets (password hashes, token hashes, keys) never leave;
what anonymity keeps back is decided in saas.anonymity.exit. The README says which columns and why.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Callable, Iterable

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import JSON, Boolean, Date, DateTime, LargeBinary, Numeric, String, Text, Time, func, or_, select

from saas.anonymity import exit as anonymity
from saas.anonymity import releases
from saas.kernel.db import Base, utcnow
from saas.kernel.files import DOCX, JPEG, PDF, PNG, PPTX, csv_cell, sniff_content_type
from saas.reports import export as report_export
from saas.reports import service as reports
from tenants.models import Membership
from tenants.rls import tenant_owned_tables

FORMAT = "koers-exit"
VERSION = 1
BATCH = 2000  # rows per round trip of the server-side cursor
FILE_BATCH = 8  # rows with files per round trip: a file may be 10 MB

SECRET = {
    "password_hash": "the hash of a password: it would let anyone guess passwords offline",
    "session_stamp": "a sign-in session's stamp: whoever holds it could stay signed in",
    "token_hash": "the hash of a personal link's or an API token's secret",
    "code_hash": "the hash of a one-time code",
    "secret_encrypted": "a two-factor key",
    "client_secret": "the single sign-on client secret the organisation's identity provider issued",
    "open_link_hash": "the hash of a survey's open link",
    "key_hash": "the hash of a one-time key that hands a single sign-on answer to the browser",
}
SECRET_COLUMNS = {("tenant_exports", "stored_name"): "the archive's own file name on the server",
                  ("outbound_mail", "body"): "a mail not yet delivered may hold someone's personal link",
                  ("outbound_mail", "html_body"): "a mail not yet delivered may hold someone's personal link",
                  ("sms_recipients", "message"): "a text message waiting to be sent: it holds the link's code",
                  ("sms_recipients", "number"): "a mobile number kept only to send an SMS invitation, never shown "
                                                "in full after it was entered, and deleted when the wave closes",
                  ("kiosk_devices", "enrol_hash"): "the hash of a kiosk's one-time enrolment link",
                  ("kiosk_devices", "session_hash"): "the hash of the kiosk's current respondent's session"}
# Tables outside a tenant that hold no data of its own, or only secrets (said in the README).
NOT_EXPORTED = ("two_factor", "recovery_codes", "billing_accounts", "billing_account_members", "billing_events",
                "consultant_invitations", "platform_audit_trail")
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", PPTX: ".pptx", DOCX: ".docx"}


@dataclass
class Written:
    """What an archive holds: its files (path, size, SHA-256) and the rows of each table."""

    files: list[dict] = field(default_factory=list)
    tables: dict[str, dict] = field(default_factory=dict)
    report_waves: list[int] = field(default_factory=list)

    @property
    def reports(self) -> int:
        return len(self.report_waves)

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.tables.values())


def exported_tables(metadata=Base.metadata) -> list[str]:
    """Every table in the archive: the tenant's own row, its people's accounts, every tenant-owned table."""
    return ["tenants", "users", *tenant_owned_tables(metadata)]


def withheld_columns(table) -> dict[str, str]:
    """{column: why} of the columns of `table` that stay out of the archive."""
    found = {}
    for column in table.columns:
        why = SECRET_COLUMNS.get((table.name, column.name)) or SECRET.get(column.name)
        if why:
            found[column.name] = why
    found.update(anonymity.withheld(table.name))
    return found


def write(db, tenant, target, *, made_by: str, language: str,
          progress: Callable[[float, str], None] | None = None) -> Written:
    """Write the archive of `tenant` to `target` (a path or a binary file). `db` must be scoped to the tenant."""
    progress = progress or (lambda fraction, note: None)
    written = Written()
    metadata = Base.metadata
    names = exported_tables(metadata)
    totals = {name: _count(db, metadata.tables[name], tenant.id) for name in names}
    total, done = max(1, sum(totals.values())), 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5, allowZip64=True) as archive:
        for name in names:
            table = metadata.tables[name]
            _write_table(db, archive, written, table, tenant.id)
            done += totals[name]
            progress(90 * done / total, name)
        _write_reports(db, archive, written, tenant, language)
        progress(98, "README")
        made_at = utcnow()
        readme = render_template("exit/README.txt", tenant=tenant,
                                 written_utc=made_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
                                 tables=written.tables,
                                 not_exported=NOT_EXPORTED, format=FORMAT, version=VERSION)
        _put(archive, written, "README.txt", [readme.encode("utf-8")])
        manifest = {
            "format": FORMAT, "version": VERSION,
            "tenant": {"id": tenant.id, "slug": tenant.slug, "name": tenant.name},
            "made_at": made_at.astimezone(timezone.utc).isoformat(timespec="seconds"), "made_by": made_by,
            "tables": written.tables, "not_exported": list(NOT_EXPORTED),
            "files": written.files,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return written


# --- tables ------------------------------------------------------------------------------------

def tenant_rows(table, tenant_id: int):
    """Which rows of `table` are the tenant's: its own row, its people's accounts, or its tenant_id."""
    if table.name == "tenants":
        return table.c.id == tenant_id
    if table.name == "users":
        return table.c.id.in_(select(Membership.user_id).where(Membership.tenant_id == tenant_id))
    return table.c.tenant_id == tenant_id


def _count(db, table, tenant_id: int) -> int:
    return db.connection().execute(select(func.count()).select_from(table).where(tenant_rows(table, tenant_id))).scalar()


def _write_table(db, archive, written: Written, table, tenant_id: int) -> None:
    withheld = withheld_columns(table)
    blobs = [c.name for c in table.columns if isinstance(c.type, LargeBinary) and c.name not in withheld]
    columns = [c.name for c in table.columns if c.name not in withheld]
    key = list(table.primary_key.columns)[0]
    paths = _write_files(db, archive, written, table, tenant_id, key, blobs) if blobs else {}
    narrowed = anonymity.narrowed_at_close(table.name)
    closed = _closed_collections(db, narrowed, tenant_id) if narrowed else None
    selected = [table.c[name] if name not in blobs else table.c[name].isnot(None).label(name) for name in columns]
    statement = select(*selected).where(tenant_rows(table, tenant_id)).order_by(key).execution_options(yield_per=BATCH)
    rows = db.connection().execute(statement)
    key_at = columns.index(key.name)
    blob_at = [(columns.index(name), name) for name in blobs]
    group_at = [columns.index(name) for name in narrowed[2]] if narrowed else []
    collection_at = columns.index(narrowed[0]) if narrowed else None

    # what each column needs, chosen once per table rather than asked of every value
    to_plain = [(at, _plain) for at, name in enumerate(columns)
                if isinstance(table.c[name].type, (Date, DateTime, Time, Numeric))]
    to_csv = [(at, _csv) for at, name in enumerate(columns)
              if isinstance(table.c[name].type, (String, Text, JSON, Boolean)) or name in blobs]
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    json_path, csv_path = f"tables/{table.name}.json", f"tables/{table.name}.csv"
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=8 * 2**20) as csv_file:
        text = io.StringIO()
        sheet = csv.writer(text, lineterminator="\r\n")
        sheet.writerow(columns)
        with _Entry(archive, written, json_path) as out:
            out.write(b"[")
            chunk = []
            for row in rows:
                values = list(row)
                for at, name in blob_at:
                    values[at] = paths.get((values[key_at], name)) if values[at] else None
                if closed is not None and values[collection_at] not in closed:
                    for at in group_at:
                        values[at] = None
                for at, convert in to_plain:
                    values[at] = convert(values[at])
                chunk.append(encode(dict(zip(columns, values))))
                for at, convert in to_csv:
                    values[at] = convert(values[at])
                sheet.writerow(values)
                count += 1
                if len(chunk) >= BATCH:
                    out.write(((",\n" if count > len(chunk) else "\n") + ",\n".join(chunk)).encode("utf-8"))
                    chunk = []
                    csv_file.write(text.getvalue().encode("utf-8"))
                    text.seek(0)
                    text.truncate()
            if chunk:
                out.write(((",\n" if count > len(chunk) else "\n") + ",\n".join(chunk)).encode("utf-8"))
            out.write(b"\n]\n")
        csv_file.write(text.getvalue().encode("utf-8"))
        csv_file.seek(0)
        _put(archive, written, csv_path, iter(lambda: csv_file.read(2**20), b""))
    if narrowed:
        withheld = {**withheld, **{name: anonymity.OPEN_GROUPS for name in narrowed[2]}}
    written.tables[table.name] = {"rows": count, "json": json_path, "csv": csv_path, "columns": columns,
                                  "files_in": blobs, "withheld": withheld}


def _closed_collections(db, narrowed, tenant_id: int) -> set:
    collection = Base.metadata.tables[narrowed[1]]
    return set(db.connection().execute(select(collection.c.id).where(collection.c.tenant_id == tenant_id,
                                                                    collection.c.status == "closed")).scalars())


def _write_files(db, archive, written: Written, table, tenant_id: int, key, blobs: list[str]) -> dict:
    """Each stored file of the table under files/<table>/, named after its row and its own name; {(row key,
    column): path} for the table's JSON and CSV."""
    names = {blob: _name_column(table, blob) for blob in blobs}
    selected = [key, *(table.c[b] for b in blobs), *(table.c[n] for n in names.values() if n)]
    statement = select(*selected).where(tenant_rows(table, tenant_id), or_(*(table.c[b].isnot(None) for b in blobs))) \
        .order_by(key).execution_options(yield_per=FILE_BATCH)
    paths = {}
    for row in db.connection().execute(statement):
        values = row._mapping
        for blob in blobs:
            data = values[blob]
            if data is None:
                continue
            own = names[blob] and values[names[blob]]
            suffix = _safe(own) if own else blob + EXTENSIONS.get(sniff_content_type(bytes(data[:8192])) or "", ".bin")
            path = f"files/{table.name}/{values[key.name]}-{blob}-{suffix}"
            _put(archive, written, path, [bytes(data)])
            paths[values[key.name], blob] = path
    return paths


def _name_column(table, blob: str) -> str | None:
    """The column with a file's own name, beside the column with its bytes (data → filename, …)."""
    for candidate in (re.sub(r"(data|document|content)$", "filename", blob),):
        if candidate != blob and candidate in table.c:
            return candidate
    return None


def _safe(filename: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("._")[:100]
    return name or "file"


def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return None  # a file: written under files/ and named by path instead
    return value


def _csv(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return csv_cell(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if isinstance(value, str):
        return csv_cell(value)
    return str(value)


# --- reports -----------------------------------------------------------------------------------

def _write_reports(db, archive, written: Written, tenant, language: str) -> None:
    """The culture report of every wave with released figures, as its PDF shows it, for the whole wave."""
    today = date.today()
    with force_locale(language):
        for wave in reports.readable_waves(db):
            if releases.latest_release(db, "wave", wave.id) is None:
                continue
            report = reports.wave_report(db, tenant, wave)
            pdf = report_export.report_pdf(report_export.ReportView(db, report), wave, tenant, today)
            _put(archive, written, f"reports/{wave.id}-{report_export.filename(wave, 'pdf')}", [pdf])
            written.report_waves.append(wave.id)


# --- zip entries -------------------------------------------------------------------------------

def _put(archive, written: Written, path: str, chunks: Iterable[bytes]) -> None:
    with _Entry(archive, written, path) as out:
        for chunk in chunks:
            out.write(chunk)


class _Entry:
    """One file in the zip, written as a stream; its size and SHA-256 go into the manifest."""

    def __init__(self, archive, written: Written, path: str):
        self.archive, self.written, self.path = archive, written, path
        self.hash, self.size = hashlib.sha256(), 0

    def __enter__(self):
        self.stream = self.archive.open(self.path, "w", force_zip64=True)
        return self

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.hash.update(data)
        self.size += len(data)

    def __exit__(self, *failure):
        self.stream.close()
        if failure[0] is None:
            self.written.files.append({"path": self.path, "size": self.size, "sha256": self.hash.hexdigest()})
        return False
