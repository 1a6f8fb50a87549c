"""notifications as a message key with parameters; when a member last looked at their home

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 20:30:00

- `notifications.message`, `notifications.params`: what a notification says, as a message key and its
  parameters (JSON), put into words when it is read, in the reader's language (saas.kernel.notifications).
  The columns `subject` and `body` stay: the text in the recipient's language at sending, shown when the
  message key is empty or unknown. Existing rows keep their text there (nothing stored is lost); a
  sponsor's message, which is the sponsor's own words in no particular language, becomes the key
  "sponsor_message" with its subject and body as parameters. The downgrade drops the two columns: every
  row still has its text.
- `memberships.home_seen_at`: when the member last opened their home (per tenant), so the works
  council's section can show the releases and consent requests that are new since.
"""
from alembic import op
import sqlalchemy as sa

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

notifications = sa.table("notifications", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                         sa.column("subject", sa.String), sa.column("body", sa.Text),
                         sa.column("message", sa.String), sa.column("params", sa.JSON))


def upgrade() -> None:
    op.add_column('notifications', sa.Column('message', sa.String(length=60), nullable=True))
    op.add_column('notifications', sa.Column('params', sa.JSON(), nullable=True))
    op.add_column('memberships', sa.Column('home_seen_at', sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")  # the owner is bound by RLS too
    rows = bind.execute(sa.select(notifications.c.id, notifications.c.subject, notifications.c.body)
                        .where(notifications.c.kind == "sponsor_message")).all()
    for row_id, subject, body in rows:
        bind.execute(notifications.update().where(notifications.c.id == row_id)
                     .values(message="sponsor_message", params={"subject": subject, "body": body or ""}))


def downgrade() -> None:
    op.execute("ALTER TABLE memberships DROP COLUMN home_seen_at")  # native on SQLite too: no rebuild
    op.execute("ALTER TABLE notifications DROP COLUMN params")
    op.execute("ALTER TABLE notifications DROP COLUMN message")
