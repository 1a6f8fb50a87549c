"""Exit (issue 19, point 4): a tenant's whole archive, downloadable once by whoever asked, and its deletion
at contract end leaving no row and no file of it anywhere."""
import hashlib
import io
import json
import re
import zipfile
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select, text

from saas.cli import main
from saas.exit import archive, service
from saas.kernel.audit import PlatformAuditEntry
from saas.models import metadata
from tenants.models import Tenant
from tenants.rls import tenant_owned_tables
from tests.conftest import settings_for
from tests.world import PDF_BYTES, populate

SUSPICIOUS = re.compile(r"password|secret|token|stamp|_hash$|^hash$|key$")
# columns whose names look like secrets but are not: the audit trail's own chain, a catalogue value's key, …
NOT_SECRET = {("audit_trail", "prev_hash"), ("audit_trail", "hash"), ("survey_catalogue_values", "key"),
              ("pitch_sections", "key"), ("pitch_revisions", "key"), ("users", "password_changed_at"),
              ("job_runs", "args_key"), ("scim_users", "user_name_key")}


@pytest.fixture
def settings(stack, tmp_path):
    return settings_for(stack, export_dir=str(tmp_path / "exports"))


@pytest.mark.smoke
def test_the_archive_holds_every_tenant_owned_table_from_the_metadata():
    exported = archive.exported_tables(metadata)
    assert set(tenant_owned_tables(metadata)) <= set(exported)
    assert {"tenants", "users", "tenant_exports", "audit_trail"} <= set(exported)


@pytest.mark.smoke
def test_no_column_that_looks_like_a_secret_leaves_unless_it_is_known_not_to_be_one():
    leaving = [(name, column.name) for name in archive.exported_tables(metadata)
               for column in metadata.tables[name].columns
               if SUSPICIOUS.search(column.name) and column.name not in archive.withheld_columns(metadata.tables[name])
               and (name, column.name) not in NOT_SECRET]
    assert leaving == []
    assert "password_hash" in archive.withheld_columns(metadata.tables["users"])
    assert "client_secret" in archive.withheld_columns(metadata.tables["oidc_connections"])
    assert "token_hash" in archive.withheld_columns(metadata.tables["scim_tokens"])


def _counts(owner_engine, tenant_id: int) -> dict:
    """Rows with the tenant's id in every table that has one, and the tenant's own row, seen by the owner."""
    with owner_engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        counts = {t.name: conn.execute(text(f"SELECT count(*) FROM {t.name} WHERE tenant_id = :t"), {"t": tenant_id})
                  .scalar() for t in metadata.sorted_tables if "tenant_id" in t.c}
        counts["tenants"] = conn.execute(text("SELECT count(*) FROM tenants WHERE id = :t"), {"t": tenant_id}).scalar()
    return counts


def _dump(owner_engine, tenant_id: int) -> dict:
    with owner_engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        return {t.name: conn.execute(text(f"SELECT * FROM {t.name} WHERE tenant_id = :t ORDER BY 1"),
                                     {"t": tenant_id}).all() for t in metadata.sorted_tables if "tenant_id" in t.c}


def test_an_admin_exports_everything_once_and_the_deleted_tenant_leaves_no_row_and_no_file(
        app, make, settings, owner_engine, tmp_path):
    alpha = make.tenant("alpha", "alice@alpha.example")
    objects = populate(app, make, alpha)
    beta = make.tenant("beta", "bob@beta.example")
    make.member(beta, "colleague@beta.example")
    beta_before = _dump(owner_engine, beta.id)
    with make.session() as db:
        from billing.models import BillingAccount

        changes_before = db.get(BillingAccount, db.scalar(select(BillingAccount.id))).client_changes
    before = _counts(owner_engine, alpha.id)
    assert sum(1 for n in before.values() if n) >= 40, "the world fills most tables"

    admin = app.test_client()
    admin.login(alpha.admin_email)
    assert "Make an archive of all data" in admin.text("/t/alpha/admin/export/")
    response = admin.submit("/t/alpha/admin/export/start", {"action": "export"}, page="/t/alpha/admin/export/")
    assert response.status_code == 303  # the job ran in-process (no Redis in these tests)
    status = response.headers["Location"]
    page = admin.text(status)
    assert "The archive is ready" in page
    # another admin of the same tenant does not find it
    make.member(alpha, "second-admin@alpha.example", roles=["admin"])
    other = app.test_client()
    other.login("second-admin@alpha.example")
    assert other.get(status).status_code == 404
    assert other.post(status + "/download", data={"action": "download", "csrf_token": other.csrf_token("/account")}) \
        .status_code == 404

    token = admin.csrf_token(status)
    download = admin.post(status + "/download", data={"action": "download", "csrf_token": token})
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "koers-export-alpha-" in download.headers["Content-Disposition"]
    body = download.get_data()
    assert list((tmp_path / "exports" / str(alpha.id)).glob("*")) == [], "taken once, removed"
    again = admin.post(status + "/download", data={"action": "download", "csrf_token": token})
    assert again.status_code == 302 and "Downloaded on" in admin.text(status)

    zipped = zipfile.ZipFile(io.BytesIO(body))
    manifest = json.loads(zipped.read("manifest.json"))
    names = set(zipped.namelist()) - {"manifest.json"}
    assert {f["path"] for f in manifest["files"]} == names
    for entry in manifest["files"]:
        data = zipped.read(entry["path"])
        assert len(data) == entry["size"] and hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
    assert set(manifest["tables"]) == set(archive.exported_tables(metadata))
    for name, table in manifest["tables"].items():
        rows = json.loads(zipped.read(table["json"]))
        assert len(rows) == table["rows"], name
        assert zipped.read(table["csv"]).decode("utf-8").splitlines()[0].split(",") == table["columns"]
        if name not in ("tenants", "users", "tenant_exports", "job_runs", "audit_trail", "report_access_log"):
            assert table["rows"] == before[name], name  # the export itself adds a record, a run, trail entries
    memberships = json.loads(zipped.read("tables/memberships.json"))
    assert {m["tenant_id"] for m in memberships} == {alpha.id}
    users = json.loads(zipped.read("tables/users.json"))
    assert "alice@alpha.example" in {u["email"] for u in users} and "bob@beta.example" not in {u["email"] for u in users}
    assert all("password_hash" not in u for u in users)
    assert all("token_hash" not in i for i in json.loads(zipped.read("tables/invitations.json")))
    [attachment] = json.loads(zipped.read("tables/pitch_attachments.json"))
    assert zipped.read(attachment["data"]) == PDF_BYTES and attachment["data"].endswith("plan-alpha.pdf")
    assert any(n.startswith("reports/") and zipped.read(n).startswith(b"%PDF") for n in names)
    readme = zipped.read("README.txt").decode("utf-8")
    assert "NEDERLANDS" in readme and "ENGLISH" in readme and "password_hash" in readme
    trail = [e["action"] for e in json.loads(zipped.read("tables/audit_trail.json"))]
    assert "tenant.export_requested" in trail

    # the contract ends; after the grace period the sweeper's job deletes the tenant
    with make.session(alpha.id) as db:
        service.end_contract(db, db.get(Tenant, alpha.id), date.today() - timedelta(days=settings.exit_grace_days))
    Session = app.extensions["koers.db"].Session
    assert service.sweep(Session, settings, date.today()) == 0, "not before the grace period has passed"
    with make.session(alpha.id) as db:
        db.get(Tenant, alpha.id).contract_ends_on = date.today() - timedelta(days=settings.exit_grace_days + 1)
    with app.app_context():
        assert service.sweep(Session, settings, date.today()) == 1

    after = _counts(owner_engine, alpha.id)
    assert {name: n for name, n in after.items() if n} == {}
    with make.session() as db:
        from saas.auth.service import find_user

        assert find_user(db, "colleague@alpha.example") is None, "an account in no other organisation goes"
        assert find_user(db, "alice@alpha.example") is not None, "a consultancy's owner stays"
        record = db.scalar(select(PlatformAuditEntry).where(PlatformAuditEntry.action == "tenant.deleted"))
        consultancy = db.get(BillingAccount, db.scalar(select(BillingAccount.id)))
        assert consultancy.client_changes == changes_before + 1, "the consultancy pays for one client fewer"
    assert record.detail["slug"] == "alpha" and record.detail["rows"]["memberships"] == before["memberships"] + 1
    assert record.detail["files"]["pitch_attachments"] == 1 and record.actor.startswith("system")
    assert not (tmp_path / "exports" / str(alpha.id)).exists()
    assert _dump(owner_engine, beta.id) == beta_before, "another tenant is untouched"
    assert objects["slug"] == "alpha"


@pytest.mark.smoke  # on SQLite too: its triggers and foreign keys let the deletion through in the same order
def test_the_commands_export_to_a_file_and_delete_at_once_after_confirmation(app, make, settings, owner_engine, tmp_path):
    tenant = make.tenant("gamma")
    make.member(tenant, "someone@gamma.example")

    def koers(*args, expect=0):
        result = CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))
        assert result.exit_code == expect, result.output + repr(result.exception)
        return result.output

    target = tmp_path / "gamma.zip"
    assert "rows" in koers("export-tenant", "gamma", str(target))
    zipped = zipfile.ZipFile(target)
    manifest = json.loads(zipped.read("manifest.json"))
    assert manifest["tenant"]["slug"] == "gamma" and manifest["tables"]["memberships"]["rows"] == 2
    koers("delete-tenant", "gamma", "--confirm", "gamm", expect=2)
    assert _counts(owner_engine, tenant.id)["tenants"] == 1, "nothing deleted without the slug repeated"
    assert "deleted gamma" in koers("delete-tenant", "gamma", "--confirm", "gamma")
    assert {name: n for name, n in _counts(owner_engine, tenant.id).items() if n} == {}


def test_the_platform_admin_ends_a_contract_and_exports_any_organisation(app, make, settings):
    tenant = make.tenant("delta")
    make.user("operator@koers.example")
    with make.session() as db:
        from saas.auth.service import find_user

        find_user(db, "operator@koers.example").is_platform_admin = True
    operator = app.test_client()
    operator.login("operator@koers.example")
    assert "delta" in operator.text("/platform/organisations/")
    response = operator.submit(f"/platform/organisations/{tenant.id}/contract", {"ends_on": "2026-13-01"})
    assert response.status_code == 200 and "yyyy-mm-dd" in response.get_data(as_text=True)
    response = operator.submit(f"/platform/organisations/{tenant.id}/contract", {"ends_on": "2027-01-31"})
    assert response.status_code == 302
    with make.session() as db:
        assert db.get(Tenant, tenant.id).contract_ends_on == date(2027, 1, 31)
        assert db.scalar(select(PlatformAuditEntry.action).order_by(PlatformAuditEntry.id.desc()).limit(1)) \
            == "tenant.deletion_requested"
    admin = app.test_client()
    admin.login(tenant.admin_email)
    page = admin.text("/t/delta/admin/export/")
    assert "From March 3, 2027 on, all data" in page, re.sub(r"\s+", " ", page)[-1500:]
    response = operator.submit(f"/platform/organisations/{tenant.id}/export", {"action": "export"},
                               page="/platform/organisations/")
    assert response.status_code == 303
    status = response.headers["Location"]
    assert "The archive is ready" in operator.text(status)
    assert admin.get(status).status_code == 404
    body = operator.post(status + "/download", data={"action": "download",
                                                     "csrf_token": operator.csrf_token(status)}).get_data()
    assert json.loads(zipfile.ZipFile(io.BytesIO(body)).read("manifest.json"))["tenant"]["slug"] == "delta"


def test_answers_that_are_not_anonymous_yet_stay_out_of_the_archive(app, make, tmp_path):
    """An open wave's answers leave without their groups (they are narrowed only at the close), a closed
    wave's with them; pooled answers and drafts leave without their contents."""
    from saas.surveys.models import PooledAnswer, Response, Wave

    tenant = make.tenant("epsilon")
    org = tenant.legacy_org_ids[0]
    with make.session(tenant.id) as db:
        waves = {status: Wave(name=f"{status} wave", status=status, instruments=["values"],
                              groupings=["legacy_org", "tenure"], audience_legacy_org_ids=[], value_keys=["client"]) for status in ("open", "closed")}
        db.add_all(waves.values())
        db.flush()
        for status, wave in waves.items():
            db.add(Response(id=f"{status:0<32}"[:32], wave_id=wave.id, legacy_org_id=org, tenure_band="0-2",
                            submitted_on=date(2026, 11, 1), answers={"values": ["client"]}))
        db.add(PooledAnswer(id="p" * 32, wave_id=waves["open"].id, payload={"values": ["somebody's"]}))
        ids = {status: wave.id for status, wave in waves.items()}
    target = tmp_path / "epsilon.zip"
    with app.app_context(), app.extensions["koers.db"].Session() as db:
        from tenants.scoping import set_scope

        set_scope(db, tenant_id=tenant.id)
        archive.write(db, db.get(Tenant, tenant.id), target, made_by="test", language="en")
    zipped = zipfile.ZipFile(target)
    responses = {r["wave_id"]: r for r in json.loads(zipped.read("tables/survey_responses.json"))}
    assert responses[ids["closed"]]["legacy_org_id"] == org and responses[ids["closed"]]["tenure_band"] == "0-2"
    assert responses[ids["open"]]["legacy_org_id"] is None and responses[ids["open"]]["tenure_band"] is None
    assert responses[ids["open"]]["answers"] == {"values": ["client"]}
    [pooled] = json.loads(zipped.read("tables/survey_answer_pool.json"))
    assert "payload" not in pooled and "somebody's" not in zipped.read("tables/survey_answer_pool.csv").decode()
    manifest = json.loads(zipped.read("manifest.json"))
    assert "draft" in manifest["tables"]["survey_invitations"]["withheld"]


def test_after_the_contracts_last_day_the_tenant_is_read_only_but_can_still_export(app, make, settings):
    tenant = make.tenant("ending")
    with make.session(tenant.id) as db:
        service.end_contract(db, db.get(Tenant, tenant.id), date.today() - timedelta(days=1))
    admin = app.test_client()
    admin.login(tenant.admin_email)
    home = admin.text("/t/ending/")
    assert "Contract ended" in home and "Export all data" in home
    response = admin.submit("/t/ending/admin/legacy-orgs", {"code": "NEW", "name": "Nieuw"},
                            page="/t/ending/admin/legacy-orgs")
    assert response.status_code == 403 and "contract has ended" in response.get_data(as_text=True)
    response = admin.submit("/t/ending/admin/export/start", {}, page="/t/ending/admin/export/")
    assert response.status_code in (302, 303)
