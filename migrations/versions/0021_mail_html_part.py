"""an HTML part for outgoing mail

Revision ID: 0021
Revises: 0019 (on branch `mails`; after `jobs`' 0020_job_paths is merged this revises 0020)
Create Date: 2026-12-06 17:10:00

- `outbound_mail.html_body`: the HTML part of a mail rendered from templates/mail/<name>.html
  (saas.kernel.mail); emptied on sending like the text part and the recipient.
"""
from alembic import op
import sqlalchemy as sa

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('outbound_mail', sa.Column('html_body', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    op.execute("ALTER TABLE outbound_mail DROP COLUMN html_body")  # native on SQLite too: no rebuild
