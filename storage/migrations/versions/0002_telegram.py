"""telegram: conversation state for wijkambassadeurs, and the triage kind of a resident's signaal

Revision ID: 0002_telegram
Revises: 0002_reports
Create Date: 2026-11-22 01:55:26.819887
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0002_telegram"
down_revision: str | None = "0002_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegramstate",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", storage.models.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    with op.batch_alter_table("signaal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("triage", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signaal", schema=None) as batch_op:
        batch_op.drop_column("triage")
    op.drop_table("telegramstate")
