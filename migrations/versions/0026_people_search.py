"""people at scale: a case- and accent-blind search, and the indexes of the filtered lists

Revision ID: 0026
Revises: 0022
Create Date: 2026-12-06 20:10:00

- `koers_fold(text)` on PostgreSQL: Latin letters without their accents, in lower case (the search of
  the people list, the recruit page and the access log: saas.kernel.listing, whose `fold` is the same
  function on SQLite, registered on each connection). IMMUTABLE, so it may be used in an index.
  The letters are written out here, not imported: a migration stays what it was when it ran.
- indexes for the filters: people by legacy organisation, people by role, the access log by moment.
"""
from alembic import op

revision = '0026'
down_revision = '0022'
branch_labels = None
depends_on = None

FOLD_FROM = ('ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïðñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨ'
             'ĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſ')
FOLD_TO = ('aaaaaaceeeeiiiidnoooooouuuuyaaaaaaceeeeiiiidnoooooouuuuyyaaaaaaccccccccddddeeeeeeeeeegggggggghhhhi'
           'iiiiiiiiijjkkllllllllnnnnnnoooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs')
COMBINING = "".join(chr(c) for c in range(0x300, 0x370))  # dropped: translate() deletes what has no partner
TWO_LETTERS = (("ß", "ss"), ("æ", "ae"), ("Æ", "ae"), ("œ", "oe"), ("Œ", "oe"), ("þ", "th"), ("Þ", "th"),
               ("ĳ", "ij"), ("Ĳ", "ij"))


def upgrade() -> None:
    op.create_index('ix_memberships_tenant_legacy_org', 'memberships', ['tenant_id', 'legacy_org_id'])
    op.create_index('ix_membership_roles_tenant_role', 'membership_roles', ['tenant_id', 'role', 'membership_id'])
    op.create_index('ix_report_access_log_tenant_at', 'report_access_log', ['tenant_id', 'at', 'id'])
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: the app registers the function on every connection
    text = "$1"
    for letters, plain in TWO_LETTERS:
        text = f"replace({text}, '{letters}', '{plain}')"
    op.execute(f"CREATE FUNCTION koers_fold(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
               f"AS $$ SELECT lower(translate({text}, '{FOLD_FROM}{COMBINING}', '{FOLD_TO}')) $$")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION koers_fold(text)")
    op.drop_index('ix_report_access_log_tenant_at', 'report_access_log')
    op.drop_index('ix_membership_roles_tenant_role', 'membership_roles')
    op.drop_index('ix_memberships_tenant_legacy_org', 'memberships')
