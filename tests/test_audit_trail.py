"""The audit trail's chain (issue 19, point 1): entries are appended in the change's own transaction,
the database refuses to change, delete or truncate them, and `koers audit-verify` finds a tampered chain.
Which changes write which entries is tested with the features (tests/test_audit_coverage.py)."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from saas.kernel import audit
from saas.kernel.audit import Actor, AuditEntry
from tests.conftest import sign_in_scope
from tests.test_cli import koers

pytestmark = pytest.mark.smoke


def _record(make, tenant, n=3):
    with make.session(tenant.id) as db:
        for i in range(n):
            audit.record(db, "settings.k", object_type="tenants", object_id=tenant.id,
                         detail={"from": 5 + i, "to": 6 + i}, actor=Actor("admin@example.org", 1), origin="test")


def test_entries_form_one_chain_per_tenant_and_verify(make):
    one, two = make.tenant("one"), make.tenant("two")
    with make.session(one.id) as db:
        made = audit.verify(db, tenant_id=one.id).entries  # making the tenant is on its trail already
    _record(make, one, 3)
    _record(make, two, 2)
    with make.session(one.id) as db:
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [e.seq for e in entries] == list(range(1, made + 4))  # only this tenant's: scoped like every row
        assert {e.tenant_id for e in entries} == {one.id}
        assert entries[0].prev_hash == audit.GENESIS and entries[1].prev_hash == entries[0].hash
        assert entries[-1].detail == {"from": 7, "to": 8}
        assert audit.verify(db, tenant_id=one.id) == audit.Verdict(made + 3)
    with make.session(two.id) as db:
        assert audit.verify(db, tenant_id=two.id) == audit.Verdict(made + 2)


def test_an_entry_goes_with_a_change_that_rolls_back(make, database, app):
    tenant = make.tenant("rolls")
    with make.session(tenant.id) as db:
        made = audit.verify(db, tenant_id=tenant.id).entries
    with app.app_context(), database.Session() as db:
        from tenants.scoping import set_scope

        set_scope(db, tenant_id=tenant.id)
        audit.record(db, "settings.k", detail={"to": 9})
        db.rollback()
    with make.session(tenant.id) as db:
        assert audit.verify(db, tenant_id=tenant.id).entries == made


def test_the_database_refuses_to_change_delete_or_truncate_entries(make, owner_engine):
    tenant = make.tenant("fixed")
    _record(make, tenant, 1)
    statements = ["UPDATE audit_trail SET actor = 'someone else'", "DELETE FROM audit_trail"]
    if owner_engine.dialect.name == "postgresql":
        statements += ["TRUNCATE audit_trail", "TRUNCATE platform_audit_trail"]
    for statement in statements:  # even as the tables' owner, in the tenant's scope (row-level security)
        with pytest.raises(DBAPIError, match="audit trail cannot be"):
            with owner_engine.begin() as conn:
                _scope(conn, tenant)
                conn.execute(text(statement))


def _scope(conn, tenant):
    if conn.dialect.name == "postgresql":
        sign_in_scope(conn, tenant.id)


def test_a_tampered_chain_is_found_by_audit_verify(make, owner_engine, stack):
    tenant = make.tenant("tampered")
    with make.session(tenant.id) as db:
        made = audit.verify(db, tenant_id=tenant.id).entries
    _record(make, tenant, 3)
    assert f"intact, {made + 3} entries" in koers(stack, "audit-verify", "--tenant", "tampered")
    # Someone with the owner's rights switches the guard off and rewrites history.
    with owner_engine.begin() as conn:
        _scope(conn, tenant)
        guard = "audit_trail_append_only" if owner_engine.dialect.name == "postgresql" else "audit_trail_no_update"
        if owner_engine.dialect.name == "postgresql":
            conn.execute(text(f"ALTER TABLE audit_trail DISABLE TRIGGER {guard}"))
            conn.execute(text("UPDATE audit_trail SET detail = '{\"from\": 5, \"to\": 50}' WHERE seq = 2"))
            conn.execute(text(f"ALTER TABLE audit_trail ENABLE TRIGGER {guard}"))
        else:
            conn.execute(text(f"DROP TRIGGER {guard}"))
            conn.execute(text("UPDATE audit_trail SET detail = '{\"from\": 5, \"to\": 50}' WHERE seq = 2"))
            conn.execute(text(f"CREATE TRIGGER {guard} BEFORE UPDATE ON audit_trail"
                              " BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END"))
    output = koers(stack, "audit-verify", "--tenant", "tampered", expect=1)
    assert "BROKEN at entry 2" in output and "changed" in output


def test_a_removed_entry_is_found(make, owner_engine):
    tenant = make.tenant("gap")
    _record(make, tenant, 3)
    with owner_engine.begin() as conn:
        _scope(conn, tenant)
        if owner_engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_trail DISABLE TRIGGER audit_trail_append_only"))
            conn.execute(text("DELETE FROM audit_trail WHERE seq = 2"))
            conn.execute(text("ALTER TABLE audit_trail ENABLE TRIGGER audit_trail_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_trail_no_delete"))
            conn.execute(text("DELETE FROM audit_trail WHERE seq = 2"))
            conn.execute(text("CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail"
                              " WHEN EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id)"
                              " BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END"))
    with make.session(tenant.id) as db:
        verdict = audit.verify(db, tenant_id=tenant.id)
    assert verdict.broken_at == 2 and "missing" in verdict.reason


def test_the_platform_trail_is_a_chain_of_its_own(make, stack):
    with make.session() as db:  # sign-ins go to the sign-in records' chain; on SQLite the platform's trail only grows
        before = audit.verify(db, platform=True, chain=audit.SIGN_IN).entries
        audit.record(db, "signin.failed", platform=True, detail={"email": "x@example.org"}, result=audit.FAILED)
        audit.record(db, "signin", platform=True, actor=Actor("x@example.org", 7))
    assert f"the platform's audit trail, sign-in records: intact, {before + 2} entries" \
        in koers(stack, "audit-verify", "--platform")


def test_deleting_the_tenant_takes_its_trail_with_it(make, owner_engine):
    tenant = make.tenant("ending")
    _record(make, tenant, 2)
    with owner_engine.begin() as conn:
        _scope(conn, tenant)
        conn.execute(text("DELETE FROM tenants WHERE id = :id"), {"id": tenant.id})
        assert conn.execute(text("SELECT count(*) FROM audit_trail WHERE tenant_id = :id"), {"id": tenant.id}).scalar() == 0
